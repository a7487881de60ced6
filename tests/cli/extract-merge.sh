#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Exit codes that say what came out (issue 26 item 8): an archive that
# cannot hold an entry (a zip and a fifo, a device, a file of 2 GiB of
# holes) exits 1 naming each; extract --force over an earlier partial
# extraction keeps a file only when its size and content are the image's
# and rewrites the rest, with one summary line; a second name of an inode
# whose link count was not raised for it (debugfs ln, as a name left by a
# deletion the inode's count already took) is a hard link in the output,
# not a separate copy.
. "$top_srcdir/tests/support/lib.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root (device nodes in the tree)"
[ -n "${MKE2FS:-}" ] && [ -n "${DEBUGFS:-}" ] || skip_all "e2fsprogs not installed"
for t in unzip tar sha256sum; do
	command -v $t >/dev/null || skip_all "$t not installed"
done
P=$PMEMSCAN
MiB=1048576
sha() { sha256sum <"$1" | cut -d' ' -f1; }

# ==== the image: mke2fs -d from a real tree ====
mkdir "$T/src"
head -c $((12 * MiB)) /dev/urandom >"$T/src/big.bin"
head -c 5000 /dev/urandom >"$T/src/same.bin"
echo hello >"$T/src/a.txt"
mkfifo "$T/src/fifo"
mknod "$T/src/tty0" c 4 0
truncate -s 2G "$T/src/sparse2g"
printf 'data' | dd of="$T/src/sparse2g" bs=1 seek=$((MiB)) conv=notrunc 2>/dev/null
mkdir "$T/src/d"
echo linked >"$T/src/d/one"
echo pair >"$T/src/d/h1"
ln "$T/src/d/h1" "$T/src/d/h2"
$MKE2FS -q -F -t ext4 -b 4096 -d "$T/src" "$T/fs.img" 64M >/dev/null 2>&1 ||
	skip_all "mke2fs -d failed"
X="--offset 0 --quiet"

# ==== 1. a zip that cannot hold three entries ====
rc=0
# shellcheck disable=SC2086
"$P" extract "$T/fs.img" $X -o "$T/o.zip" 2>"$T/e1" || rc=$?
same_value "zip without the fifo, the device and the 2 GiB sparse file: exit 1 (docs/cli.md: an entry not extracted)" "$rc" 1
for n in fifo tty0 sparse2g; do
	check "... one line names $n as not extracted" \
		grep -q "^pmemscan: extract: $n: not extracted (the output cannot hold it): " "$T/e1"
done
check "... the summary counts the 3 entries as errors and says why" \
	sh -c 'grep -q "; 3 errors, " "$1" && grep -q "^pmemscan: extract: 3 entries not extracted: the output cannot hold them" "$1"' sh "$T/e1"
mkdir "$T/uz"
(cd "$T/uz" && unzip -q "$T/o.zip")
same_value "... the rest is in the zip, whole" "$(sha "$T/uz/big.bin")" "$(sha "$T/src/big.bin")"
rc=0
# shellcheck disable=SC2086
"$P" extract "$T/fs.img" $X -o "$T/o.tar" 2>"$T/e2" || rc=$?
same_value "the same tree to a .tar, which holds all: exit 0" "$rc" 0
check "... no entry reported as not extracted" sh -c '! grep -q "not extracted" "$1"' sh "$T/e2"

# ==== 2. --force over an earlier partial extraction ====
rc=0
# shellcheck disable=SC2086
"$P" extract "$T/fs.img" $X -o "$T/out" 2>"$T/e3" || rc=$?
same_value "a first extraction to a directory: exit 0" "$rc" 0
same_value "... big.bin whole" "$(sha "$T/out/big.bin")" "$(sha "$T/src/big.bin")"
# what an earlier run killed midway (SIGKILL, a crash) leaves: big.bin cut
# to 1,000 bytes; same.bin of the right size, one byte changed; a.txt whole
truncate -s 1000 "$T/out/big.bin"
printf 'X' | dd of="$T/out/same.bin" bs=1 seek=4000 conv=notrunc 2>/dev/null
ino_a=$(stat -c %i "$T/out/a.txt")
ln "$T/out/same.bin" "$T/keep-other-name"
rm "$T/out/d/one"
rc=0
"$P" extract "$T/fs.img" --offset 0 -o "$T/out" --force 2>"$T/e4" || rc=$?
same_value "--force over it: exit 0" "$rc" 0
same_value "... the 1,000-byte leftover of big.bin is rewritten: its sha256 is the source's" \
	"$(sha "$T/out/big.bin")" "$(sha "$T/src/big.bin")"
same_value "... same.bin (right size, one byte off) is rewritten" \
	"$(sha "$T/out/same.bin")" "$(sha "$T/src/same.bin")"
same_value "... the missing d/one is written" "$(cat "$T/out/d/one")" linked
same_value "... a.txt, already the image's, is kept (the same inode)" "$(stat -c %i "$T/out/a.txt")" "$ino_a"
check "... a hard link elsewhere to the old same.bin keeps its own content (rewritten through a new file and rename)" \
	sh -c '[ "$(od -An -c -j4000 -N1 "$1" | tr -d " ")" = X ]' sh "$T/keep-other-name"
check "... no temporary file left in OUT" sh -c '! ls -A "$1" | grep -q pmemscan-rewrite' sh "$T/out"
check "... one summary line counts what was kept and what was rewritten" \
	grep -q "already there (kept: the image's size and content), 2 rewritten (what was there differed)" "$T/e4"
check "... no line per kept entry" sh -c '! grep -q ": kept: " "$1"' sh "$T/e4"

# ==== 3. a second name the inode's link count does not count ====
cp "$T/fs.img" "$T/ln.img"
$DEBUGFS -w -R "ln /d/one /d/two" "$T/ln.img" >/dev/null 2>&1
$DEBUGFS -R "ls -l /d" "$T/ln.img" 2>/dev/null >"$T/ls-d"
check "debugfs made the name: /d/two is there, the inode's link count still 1" \
	sh -c 'grep -q " two" "$1" && [ "$($2 -R "stat /d/one" "$3" 2>/dev/null | sed -n "s/.*Links: \([0-9]*\).*/\1/p")" = 1 ]' \
	sh "$T/ls-d" "$DEBUGFS" "$T/ln.img"
rc=0
"$P" extract "$T/ln.img" $X -o "$T/lnout" 2>"$T/e5" || rc=$?
same_value "extract: exit 0" "$rc" 0
same_value "... d/two is the same file as d/one in the output (a hard link), not a separate copy" \
	"$(stat -c %i "$T/lnout/d/two")" "$(stat -c %i "$T/lnout/d/one")"
same_value "... with its content" "$(cat "$T/lnout/d/two")" linked
rc=0
"$P" extract "$T/ln.img" $X -o "$T/ln.tar" 2>"$T/e6" || rc=$?
same_value "tar: exit 0" "$rc" 0
check "... one of the two names is a link entry to the other" \
	sh -c 'tar -tvf "$1" | grep -Eq "d/two link to d/one|d/one link to d/two"' sh "$T/ln.tar"
# the other way round: one name of a hard-linked pair removed (debugfs
# unlink leaves the inode's count at 2): the name left comes out, once
cp "$T/fs.img" "$T/ul.img"
$DEBUGFS -w -R "unlink /d/h2" "$T/ul.img" >/dev/null 2>&1
check "debugfs removed the name: /d/h2 gone, /d/h1's count still 2" \
	sh -c '! $2 -R "ls /d" "$1" 2>/dev/null | grep -q h2 && $2 -R "stat /d/h1" "$1" 2>/dev/null | grep -q "Links: 2"' \
	sh "$T/ul.img" "$DEBUGFS"
rc=0
"$P" extract "$T/ul.img" $X -o "$T/ulout" 2>"$T/e7" || rc=$?
same_value "... extract: exit 0, d/h1 whole, no d/h2" \
	"$rc $(cat "$T/ulout/d/h1" 2>/dev/null) $(ls "$T/ulout/d" | tr '\n' ' ')" "0 pair h1 one "

done_testing
