#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# One file to standard output (issue 26 item 12): `pmemscan cat IMAGE PATH`
# and `extract --path P -o -` write a file's bytes for a pipe (holes as
# zeros), never a directory named "-"; a read or write that fails after
# bytes went out exits 3 with one line; `cat IMAGE` alone still writes the
# decoded image; cat's errors are one line, not the usage.
. "$top_srcdir/tests/support/lib.sh"
[ -n "${MKE2FS:-}" ] && [ -n "${DEBUGFS:-}" ] || skip_all "e2fsprogs not installed"
command -v xz >/dev/null || skip_all "xz not installed"
P=$PMEMSCAN
sha() { sha256sum <"$1" | cut -d' ' -f1; }

mkdir "$T/src" "$T/src/d" "$T/cwd"
head -c 3000000 /dev/urandom >"$T/src/f.bin"
truncate -s 5M "$T/src/sp"
printf 'abc' | dd of="$T/src/sp" bs=1 seek=2000000 conv=notrunc 2>/dev/null
ln -s f.bin "$T/src/l"
$MKE2FS -q -F -t ext4 -b 4096 -d "$T/src" "$T/fs.img" 32M >/dev/null 2>&1 || skip_all "mke2fs -d failed"
cd "$T/cwd" || exit 1

# ---- the bytes ----
rc=0
"$P" cat "$T/fs.img" /f.bin >"$T/got1" 2>"$T/e1" || rc=$?
same_value "cat IMAGE /f.bin: exit 0" "$rc" 0
same_value "... its bytes on standard output are the source file's" "$(sha "$T/got1")" "$(sha "$T/src/f.bin")"
"$P" cat "$T/fs.img" /sp --offset 0 -q | cat >"$T/got2"
same_value "cat of a sparse file into a pipe: the holes come out as zeros, the size is the file's" \
	"$(sha "$T/got2") $(stat -c %s "$T/got2")" "$(sha "$T/src/sp") 5242880"
rc=0
"$P" extract "$T/fs.img" --path /f.bin -o - -q >"$T/got3" 2>"$T/e3" || rc=$?
same_value "extract --path /f.bin -o -: exit 0, the file's bytes" "$rc $(sha "$T/got3")" "0 $(sha "$T/src/f.bin")"
check "... and no file or directory named '-'" test ! -e "$T/cwd/-"
"$P" cat "$T/fs.img" /f.bin -o "$T/out.bin" -q
same_value "cat IMAGE PATH -o OUT writes OUT" "$(sha "$T/out.bin")" "$(sha "$T/src/f.bin")"
xz -T1 -1 -k "$T/fs.img"
same_value "cat of a file in an xz-compressed dump" \
	"$("$P" cat "$T/fs.img.xz" /f.bin -q 2>/dev/null | sha256sum | cut -d' ' -f1)" "$(sha "$T/src/f.bin")"
# the image mode is unchanged
"$P" cat "$T/fs.img.xz" -o - 2>/dev/null >"$T/img"
same_value "cat IMAGE (no PATH) -o - still writes the decoded image" "$(sha "$T/img")" "$(sha "$T/fs.img")"

# ---- what is not one file ----
rc=0
"$P" extract "$T/fs.img" -o - -q >"$T/o4" 2>"$T/e4" || rc=$?
same_value "extract -o - without --path: exit 3" "$rc" 3
check "... one line says to give --path, nothing written, no '-'" \
	sh -c '[ "$(wc -l <"$1")" = 1 ] && grep -q "give its --path" "$1" && [ ! -s "$2" ] && [ ! -e "$3" ]' sh "$T/e4" "$T/o4" "$T/cwd/-"
rc=0
"$P" extract "$T/fs.img" --path /d -o - -q >"$T/o5" 2>"$T/e5" || rc=$?
check "extract --path /d -o - (a directory): exit 3, one line, nothing written, no '-'" \
	sh -c '[ "$4" = 3 ] && [ "$(wc -l <"$1")" = 1 ] && grep -q "/d: a directory" "$1" && [ ! -s "$2" ] && [ ! -e "$3" ]' \
	sh "$T/e5" "$T/o5" "$T/cwd/-" "$rc"
rc=0
"$P" cat "$T/fs.img" /l -q >"$T/o6" 2>"$T/e6" || rc=$?
check "cat of a symlink: exit 3, one line naming it" \
	sh -c '[ "$3" = 3 ] && [ "$(wc -l <"$1")" = 1 ] && grep -q "/l: a symlink" "$1" && [ ! -s "$2" ]' sh "$T/e6" "$T/o6" "$rc"
rc=0
"$P" cat "$T/fs.img" /nope -q >"$T/o7" 2>"$T/e7" || rc=$?
check "cat of a path not in the filesystem: exit 3, one line" \
	sh -c '[ "$2" = 3 ] && [ "$(wc -l <"$1")" = 1 ] && grep -q "nope" "$1"' sh "$T/e7" "$rc"

# ---- a read that fails after bytes went out ----
blk=$($DEBUGFS -R "ex /f.bin" "$T/fs.img" 2>/dev/null | awk '$1 == "0/" { print $8 }')
check "debugfs gives f.bin's first block ($blk)" test -n "$blk"
cp "$T/fs.img" "$T/cut.img"
# the image ends 300 blocks into f.bin's data
truncate -s $(( (blk + 300) * 4096 )) "$T/cut.img"
rc=0
"$P" cat "$T/cut.img" /f.bin --offset 0 -q >"$T/got8" 2>"$T/e8" || rc=$?
same_value "cat of a file the image's end cuts: exit 3" "$rc" 3
n8=$(stat -c %s "$T/got8")
check "... bytes went out before it stopped ($n8), all of them the file's" \
	sh -c '[ "$1" -gt 0 ] && [ "$1" -lt 3000000 ] && cmp -s -n "$1" "$2" "$3"' sh "$n8" "$T/got8" "$T/src/f.bin"
check "... one line says the read failed after how many bytes and that the output is incomplete" \
	sh -c '[ "$(wc -l <"$1")" = 1 ] && grep -q "read failed after $2 of 3000000 bytes were written to standard output: .*the output is incomplete" "$1"' \
	sh "$T/e8" "$n8"
rc=0
"$P" extract "$T/cut.img" --offset 0 --path /f.bin -o - -q >/dev/null 2>"$T/e9" || rc=$?
same_value "extract --path -o - of it: exit 3 too" "$rc" 3
check "... and no '-' made" test ! -e "$T/cwd/-"
# ---- a write that fails ----
if [ -w /dev/full ]; then
	rc=0
	"$P" cat "$T/fs.img" /f.bin -q >/dev/full 2>"$T/e10" || rc=$?
	check "cat to /dev/full: exit 3, one line naming the write error" \
		sh -c '[ "$2" = 3 ] && [ "$(wc -l <"$1")" = 1 ] && grep -q "write error after 0 of 3000000 bytes of /f.bin: No space left on device" "$1"' sh "$T/e10" "$rc"
else
	skip "cat to /dev/full" "no /dev/full"
fi

# ---- errors are one line, not the usage (issue 26 item 15) ----
for args in "cat" "cat a b c" "labels"; do
	rc=0
	# shellcheck disable=SC2086
	"$P" $args >/dev/null 2>"$T/e11" || rc=$?
	check "pmemscan $args: exit 3, one line on stderr" \
		sh -c '[ "$2" = 3 ] && [ "$(wc -l <"$1")" = 1 ] && grep -q "^pmemscan: " "$1"' sh "$T/e11" "$rc"
done

done_testing
