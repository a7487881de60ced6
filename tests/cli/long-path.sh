#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# No buffer cuts a path: an error about an image about 4000 bytes deep in
# nested directories names the whole path, and the words after it. The
# source's error line (ps_src_error) is sized to fit, and the CLI's buffer
# for a call's error line holds two whole paths (PS_ERR_LINE_MAX, src/err.h);
# they were 320 and 512 bytes.
. "$top_srcdir/tests/support/lib.sh"
command -v gzip >/dev/null 2>&1 || skip_all "gzip is not installed"

deep=$T/long
seg=dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd
while [ ${#deep} -lt 3900 ]; do deep=$deep/$seg; done
mkdir -p "$deep" || { not_ok "made a directory ${#deep} bytes deep"; done_testing; exit; }
check "a directory ${#deep} bytes deep" [ ${#deep} -ge 3900 ]

# a missing image: the open error names it whole
expect_exit 3 "scan of a missing image deep down: exit 3" "$PMEMSCAN" scan "$deep/missing.img" 2>"$T/e1"
check "its error line names the whole path and says why" \
	grep -qF "pmemscan: $deep/missing.img: cannot open: No such file or directory" "$T/e1"

# a gzip dump cut short: the decoder's error, kept by the image source,
# names it whole and says where it ends
head -c 8388608 /dev/zero | gzip -c | head -c 4000 >"$deep/cut.img.gz"
expect_exit 3 "cat of a cut gzip dump deep down: exit 3" "$PMEMSCAN" cat "$deep/cut.img.gz" -o "$T/out.img" 2>"$T/e2"
line=$(grep -F "pmemscan: $deep/cut.img.gz: " "$T/e2" | head -n 1)
check "its error line names the whole path" [ -n "$line" ]
rest=${line#"pmemscan: $deep/cut.img.gz: "}
check "and the words after it, whole ($rest)" [ ${#rest} -ge 20 -a "$rest" != "$line" ]
check "nothing written" [ ! -e "$T/out.img" ]
done_testing
