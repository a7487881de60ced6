#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# No buffer cuts a path: an error about an image about 4000 bytes deep in
# nested directories names the whole path, and the words after it. The
# source's error line (ps_src_error) is sized to fit, and the CLI's buffer
# for a call's error line holds two whole paths (PS_ERR_LINE_MAX, src/err.h);
# they were 320 and 512 bytes. So are the lines the library keeps in a
# handle or a result (the filesystem's, a writer's, carve's first unreadable
# block, the split check's) and the notices of opening a compressed dump or
# a pipe: each names the deep path whole below (they were 256 to 1024).
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

# a compressed dump's cache deep down: the notice of its reuse names the
# cache and the dump whole (the notice was cut at 1024 bytes)
head -c 1048576 /dev/zero >"$T/z.img"
xz -0 -c "$T/z.img" >"$deep/z.img.xz" 2>/dev/null || gzip -c "$T/z.img" >"$deep/z.img.xz"
mkdir -p "$deep/c"
"$PMEMSCAN" digest --cache --cache-dir "$deep/c" "$deep/z.img.xz" >/dev/null 2>&1
"$PMEMSCAN" digest --cache --cache-dir "$deep/c" "$deep/z.img.xz" >/dev/null 2>"$T/e3"
check "a cache deep down: the notice names the cache and the dump whole" \
	grep -q "^pmemscan: reusing cache $deep/c/pmemscan-cache-[^/]* for $deep/z.img.xz\$" "$T/e3"

# a pipe spooled into a temporary file deep down: its notice names the
# directory whole (it was cut at 512 bytes)
TMPDIR=$deep "$PMEMSCAN" scan - <"$T/z.img" >/dev/null 2>"$T/e4"
check "a pipe spooled deep down: the notice names the directory whole" grep -qxF \
	"pmemscan: reading standard input (a pipe) once into a temporary sparse file in $deep, deleted at exit" "$T/e4"

# carve of a BTT image deep down with a block its map marks unreadable:
# the line names the first such block with the image's whole path (it was
# cut at 320 bytes)
MKE2FS=${MKE2FS:-$(command -v mke2fs || echo /sbin/mke2fs)}
if "$MKE2FS" -q -F -t ext4 "$T/fs.img" 16M >/dev/null 2>&1 &&
   "$top_builddir/tests/support/mkfx-btt" -o "$deep/e.img" -s 40M -i "$T/fs.img" -S 1 \
	--fault err:3000 >/dev/null; then
	expect_exit 1 "carve of a BTT deep down with an unreadable block: exit 1 (partly done)" \
		"$PMEMSCAN" carve -q "$deep/e.img" -o "$T/c.img" 2>"$T/e5"
	check "its line names the image whole, then the block and its flag" \
		grep -q "written as zeros; the first: $deep/e.img[^ ]*: BTT arena 0 LBA 3000 (arena LBA 3000): map entry .* has the error flag set" "$T/e5"
else
	skip "carve of a BTT deep down" "mke2fs or mkfx-btt failed"
fi

# an archive deep down on a filesystem that fills up: the line that stops
# the run names the archive's temporary file whole, twice (the writer's
# error and what it left were cut at 512 and 256 bytes)
mkdir -p "$T/tree" "$deep/mnt"
head -c 2000000 /dev/urandom >"$T/tree/big"
if "$MKE2FS" -q -F -t ext4 -d "$T/tree" "$T/big.img" 16M >/dev/null 2>&1 &&
   mount -t tmpfs -o size=256k tmpfs "$deep/mnt" 2>/dev/null; then
	"$PMEMSCAN" extract -q "$T/big.img" -o "$deep/mnt/out.tar" 2>"$T/e6"; rc=$?
	umount "$deep/mnt"
	check "extract to a full filesystem deep down: it fails (exit $rc)" [ "$rc" -ne 0 ]
	check "its line names the archive's temporary whole, with the error and what is left" \
		grep -qF "pmemscan: extract: big: stopped here by a fatal error: $deep/mnt/out.tar.partial: writing data: Write error: No space left on device (ENOSPC); the incomplete archive is left as $deep/mnt/out.tar.partial, " "$T/e6"
else
	skip "extract to a full filesystem deep down" "mke2fs failed or no tmpfs mount (not root)"
fi

# a symlink whose target is longer than a name (3000 bytes): ls shows the
# target whole (it was escaped into 1024 bytes and cut)
mkdir -p "$T/stree"
target=$(printf 'x/%.0s' $(seq 1 1500))
if ln -s "$target" "$T/stree/long" 2>/dev/null &&
   "$MKE2FS" -q -F -t ext4 -b 4096 -d "$T/stree" "$T/sl.img" 16M >/dev/null 2>&1; then
	"$PMEMSCAN" ls "$T/sl.img" >"$T/ls.out" 2>"$T/e7"
	check "ls shows a ${#target}-byte symlink target whole" \
		sh -c 'grep " /long -> " "$1" | grep -qF " -> $2"' sh "$T/ls.out" "$target"
else
	skip "ls of a long symlink target" "ln -s or mke2fs -d failed"
fi
done_testing
