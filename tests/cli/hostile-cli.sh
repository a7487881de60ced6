#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Bad command-line input and a full disk: a clear error, a non-zero exit,
# and no partial output left behind pretending to be complete.
. "$top_srcdir/tests/support/lib.sh"
MNT=$T/full
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=1m tmpfs "$MNT" 2>/dev/null; then
	skip_all "cannot mount a small tmpfs (needs root)"
fi
trap 'umount "$MNT" 2>/dev/null; rm -rf "$T"' EXIT

# a raw ext4 with a 4 MiB file: more than the 1 MiB tmpfs holds
mkdir -p "$T/tree/d"
head -c 4194304 /dev/urandom >"$T/tree/big.bin"
echo small >"$T/tree/d/small.txt"
truncate -s 32M "$T/fs.img"
# (without it every extract below fails for another reason than the disk)
check "mke2fs makes the test filesystem" sh -c "$MKE2FS -q -F -t ext4 -d '$T/tree' '$T/fs.img' >/dev/null 2>&1"
img=$T/fs.img

# full disk, directory output: exit non-zero, the error says so, the big
# file is not left truncated as if it were complete
"$PMEMSCAN" extract --quiet "$img" -o "$MNT/out" >/dev/null 2>"$T/err"; rc=$?
check "extract to a full disk: non-zero exit" test "$rc" -ne 0
check "extract to a full disk: the error names the space problem" grep -q -i 'no space' "$T/err"
check "extract to a full disk: no truncated big.bin left behind" test ! -e "$MNT/out/big.bin"
check "extract to a full disk: the summary says INCOMPLETE" grep -q 'INCOMPLETE' "$T/err"
rm -rf "$MNT/out"

# full disk, archive output: nothing under the archive's name; what was
# written stays as NAME.partial (kept for the examiner) and is announced
for a in out.tar out.tar.zst out.zip; do
	"$PMEMSCAN" extract --quiet "$img" -o "$MNT/$a" >/dev/null 2>"$T/err"; rc=$?
	check "extract to $a on a full disk: non-zero exit, no $a, the .partial announced" \
		sh -c "[ $rc -ne 0 ] && [ ! -e '$MNT/$a' ] && grep -q '$MNT/$a.partial' '$T/err' && grep -q INCOMPLETE '$T/err'"
	rm -f "$MNT/$a.partial"
done

# full disk: carve, repair -o and cat leave nothing behind
# (the error must be the full disk's: any other failure leaves nothing too)
"$PMEMSCAN" carve --quiet "$img" -o "$MNT/c.img" >/dev/null 2>"$T/err"; rc=$?
check "carve to a full disk: non-zero exit, the error says no space, no output left" \
	sh -c "[ $rc -ne 0 ] && grep -qi 'no space' '$T/err' && [ -z \"\$(ls -A '$MNT')\" ]"
head -c 4194304 /dev/urandom >"$T/rand.img"
gzip -c "$T/rand.img" >"$T/rand.img.gz"
"$PMEMSCAN" cat "$T/rand.img.gz" -o "$MNT/cat.img" >/dev/null 2>"$T/err"; rc=$?
check "cat to a full disk: non-zero exit, the error says no space, no output left" \
	sh -c "[ $rc -ne 0 ] && grep -qi 'no space' '$T/err' && [ -z \"\$(ls -A '$MNT')\" ]"

# conflicting options and existing outputs: exit 3, one line, nothing written
one_line_3() {
	d=$1; shift
	"$PMEMSCAN" "$@" >"$T/out" 2>"$T/err"; rc=$?
	# (a "reading namespace ..." notice may come first; the error is one line)
	if [ "$rc" -eq 3 ] && [ "$(grep -v -c '^pmemscan: reading ' "$T/err")" -eq 1 ]; then ok "$d"; else not_ok "$d (exit $rc: $(cat "$T/err"))"; fi
}
mkdir -p "$T/exists"; : >"$T/exists/f"
one_line_3 "extract --offset with --namespace" extract "$img" --offset 0 --namespace 0 -o "$T/x1"
one_line_3 "extract --size without --offset" extract "$img" --size 1M -o "$T/x2"
one_line_3 "extract into a non-empty directory" extract "$img" -o "$T/exists"
one_line_3 "carve over an existing file without --force" carve "$img" -o "$T/exists/f"
one_line_3 "repair -o with --in-place" repair "$img" -o "$T/r.img" --in-place
one_line_3 "--semantics with a bad value" extract "$img" --semantics sideways -o "$T/x3"
# an image the user may not read (as nobody, on a root-only file)
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	cp "$img" "$T/secret.img"; chmod 600 "$T/secret.img"
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
		"$PMEMSCAN" "$T/secret.img" >"$T/out" 2>"$T/err"; rc=$?
	check "unreadable image: exit 3, one line saying permission denied, no report" \
		sh -c "[ $rc -eq 3 ] && [ \$(wc -l <'$T/err') -eq 1 ] && grep -q 'secret.img: cannot open: Permission denied' '$T/err' && [ ! -s '$T/out' ]"
else
	skip "unreadable image: exit 3, one line saying permission denied" "setpriv or the user nobody missing"
fi
check "nothing was created by the refused commands" \
	sh -c "[ ! -e '$T/x1' ] && [ ! -e '$T/x2' ] && [ ! -e '$T/x3' ] && [ ! -e '$T/r.img' ] && [ ! -s '$T/exists/f' ]"
done_testing
