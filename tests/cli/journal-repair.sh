#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# repair on a dirty ext4 (issue 22, with issue 16's --merge-mmap): a legacy
# start_pad namespace (mkfx-pfn F4: start_pad 4 MiB, data at 10 MiB) whose
# ext4 was shut down by this machine's kernel with changes only in the
# journal (a new directory with a file, a rename, a delete, all fsync'd),
# and one file's blocks moved start_pad lower as a DAX mapping leaves them
# (tests/support/mkdax-split.sh does the same on a clean ext4). The merge
# plan and the re-scan of the repaired copy must read the files as the
# kernel shows them after recovering the journal; a merge into a block the
# recovery writes, or over a journal that cannot be replayed, is refused.
. "$top_srcdir/tests/support/lib.sh"
. "$top_srcdir/tests/support/mkdax-split.sh"
for t in mkfs.ext4 debugfs e2fsck xfs_io jq; do
	command -v $t >/dev/null || skip_all "$t not installed"
done
[ "$(id -u)" -eq 0 ] || skip_all "needs root (loop mounts)"
mkfx=$top_builddir/tests/support/mkfx-pfn
[ -x "$mkfx" ] || skip_all "tests/support/mkfx-pfn not built"
DEBUGFS=debugfs
sha() { sha256sum <"$1" | cut -d' ' -f1; }
# move IMG: m.bin's blocks start_pad lower (to F), zeros left at L, as a
# DAX mapping leaves a file's data (mkdax-split.sh's mds_move)
move() {
	while read -r b; do
		dd if="$1" of="$T/blk" bs=4096 skip=$((L0 / 4096 + b)) count=1 status=none
		dd if="$T/blk" of="$1" bs=4096 seek=$(((L0 - P) / 4096 + b)) conv=notrunc status=none
		dd if=/dev/zero of="$1" bs=4096 seek=$((L0 / 4096 + b)) count=1 conv=notrunc status=none
	done <"$T/m.blocks"
}
MiB=1048576
P=$((4 * MiB)) L0=$((10 * MiB))
d=$T mnt=$T/mnt	# d: mkdax-split.sh's mds_blocks reads $d/fs.img
mkdir -p "$T/tree" "$mnt"
head -c $((6 * MiB)) /dev/urandom >"$T/tree/hole.bin"
head -c 65536 /dev/urandom >"$T/tree/m.bin"
head -c 40000 /dev/urandom >"$T/tree/w.bin"
head -c 3000 /dev/urandom >"$T/tree/mover"
head -c 5000 /dev/urandom >"$T/tree/gone"
mkfs.ext4 -q -F -t ext4 -b 4096 -d "$T/tree" "$T/fs.img" $((246 * 1024))K >/dev/null 2>&1 ||
	skip_all "mkfs.ext4 -d failed"
# hole.bin freed, its blocks zeroed: F of m.bin (4 MiB lower) lands there
mds_blocks hole.bin >"$T/hole.blocks"
debugfs -w -R "rm hole.bin" "$T/fs.img" >/dev/null 2>&1
while read -r b; do
	dd if=/dev/zero of="$T/fs.img" bs=4096 seek="$b" count=1 conv=notrunc status=none
done <"$T/hole.blocks"
mds_blocks m.bin >"$T/m.blocks"
mount -o loop "$T/fs.img" "$mnt" 2>/dev/null || skip_all "loop mount not available"
trap 'umount "$mnt" 2>/dev/null; rm -rf "$T"' EXIT
mkdir "$mnt/newdir"
head -c 7000 /dev/urandom >"$T/n1"
cp "$T/n1" "$mnt/newdir/n1"
xfs_io -c fsync "$mnt/newdir/n1"
mv "$mnt/mover" "$mnt/newdir/moved"
rm "$mnt/gone"
xfs_io -c fsync "$mnt/newdir" -c fsync "$mnt"
xfs_io -x -c shutdown "$mnt"
cp --sparse=always "$T/fs.img" "$T/crash.img"
umount "$mnt"
mv "$T/crash.img" "$T/fs.img"
check "the ext4's journal needs recovery" \
	sh -c "dumpe2fs -h '$T/fs.img' 2>/dev/null | grep -q '^Filesystem features:.*needs_recovery'"
# the blocks the recovered tree uses (e2fsck's replay of a copy) must not
# be where m.bin's blocks go (F, 1024 blocks lower), or the test is void
cp "$T/fs.img" "$T/rec.img"
e2fsck -E journal_only -y "$T/rec.img" >/dev/null 2>&1
for f in newdir newdir/n1 newdir/moved; do
	debugfs -R "blocks /$f" "$T/rec.img" 2>/dev/null | tr ' ' '\n' | sed '/^$/d'
done >"$T/new.blocks"
check "the recovered tree has newdir/n1 (the journal holds it)" test -s "$T/new.blocks"
awk '{ print $1 - 1024 }' "$T/m.blocks" | sort >"$T/mF.blocks"
sort "$T/new.blocks" | comm -12 - "$T/mF.blocks" >"$T/overlap"
[ ! -s "$T/overlap" ] || skip_all "the kernel put the new files where m.bin's F lies"

img=$T/ns.img
truncate -s 256M "$img"
"$mkfx" --era F4 --size 256M --phys-base 0x577FC00000 --region-below 0x577FC00000 "$img" >"$T/layout"
dd if="$T/fs.img" of="$img" bs=1M seek=10 conv=notrunc status=none
move "$img"
sum0=$(sha "$img")

"$PMEMSCAN" --json --hash none "$img" >"$T/scan.json" 2>/dev/null
same_value "the scan: the journal needs recovery, replayed" \
	"$(jq -r '.namespaces[0].journal | "\(.needs_recovery) \(.view)"' "$T/scan.json")" "true recovered"
same_value "the split check classes m.bin as mmap" \
	"$(jq -r '.namespaces[0].split.files[] | select(.path == "/m.bin") | .class' "$T/scan.json")" mmap

rc=0
"$PMEMSCAN" repair "$img" --assume-aligned --merge-mmap -o "$T/merged.img" >"$T/merge.txt" 2>&1 || rc=$?
same_value "repair --merge-mmap -o COPY of the dirty ext4 exits 0 (the re-scan reads the recovered view)" "$rc" 0
check "... its plan says the files are read as the kernel shows them after recovery" \
	grep -q "journal needs recovery .*as the kernel shows them after recovering it" "$T/merge.txt"
"$PMEMSCAN" extract "$T/merged.img" -o "$T/merged" --quiet 2>/dev/null
same_value "after the merge, m.bin reads as its former mmap view" "$(sha "$T/merged/m.bin")" "$(sha "$T/tree/m.bin")"
same_value "... newdir/n1 (only in the journal) is there, whole" "$(sha "$T/merged/newdir/n1")" "$(sha "$T/n1")"
same_value "... the renamed file too" "$(sha "$T/merged/newdir/moved")" "$(sha "$T/tree/mover")"
check "... the deleted one is gone" test ! -e "$T/merged/gone"
same_value "the copy still needs recovery (the journal is the kernel's to replay)" \
	"$("$PMEMSCAN" --json --hash none "$T/merged.img" 2>/dev/null | jq -r '.namespaces[0].journal.needs_recovery')" true
same_value "the input is unchanged" "$(sha "$img")" "$sum0"

# a merge into a block the journal's recovery writes: refused, said why
# (the journal's copy of the first m.bin block replaces its home block:
# the copy of a directory block the recovery writes is re-aimed there)
POKE="python3 $top_srcdir/tests/support/jbd2-poke.py"
first=$(head -n 1 "$T/m.blocks")
cp "$T/fs.img" "$T/c.fs"
desc=$($POKE "$T/c.fs" 4096 list | awk '$2 == 1 { print $1; exit }')
$POKE "$T/c.fs" 4096 tag-home "$desc" "$first"
cp "$img" "$T/c.img"
dd if="$T/c.fs" of="$T/c.img" bs=1M seek=10 conv=notrunc status=none
# the moved m.bin again (the dd put the on-disk blocks back at L)
move "$T/c.img"
rc=0
"$PMEMSCAN" repair "$T/c.img" --assume-aligned --merge-mmap -o "$T/c.out" >"$T/c.txt" 2>&1 || rc=$?
differ_value "a merge into a block the journal's recovery writes: not exit 0" "$rc" 0
check "... refused, naming the file, the block and the journal" \
	grep -q "REFUSED \[merge-mmap\].*m.bin .*filesystem block $first) is one the ext4 journal's recovery writes at the next mount" "$T/c.txt"
check "... nothing written" test ! -e "$T/c.out"

# a journal pmemscan cannot replay as the kernel would (a bad commit: the
# kernel's mount fails): refused
cp "$T/fs.img" "$T/b.fs"
last=$($POKE "$T/b.fs" 4096 list | awk '$2 == 2 { b = $1 } END { print b }')
$POKE "$T/b.fs" 4096 flip "$last" 58	# in its header: no kernel accepts it
cp "$T/c.img" "$T/b.img"
dd if="$T/b.fs" of="$T/b.img" bs=1M seek=10 conv=notrunc status=none
move "$T/b.img"
rc=0
"$PMEMSCAN" repair "$T/b.img" --assume-aligned --merge-mmap -o "$T/b.out" >"$T/b.txt" 2>&1 || rc=$?
differ_value "a journal whose recovery fails: not exit 0" "$rc" 0
check "... refused: the kernel's recovery would fail" \
	grep -q "REFUSED \[merge-mmap\].*journal needs recovery and pmemscan cannot replay it as the kernel would (the kernel's recovery would fail" "$T/b.txt"
check "... nothing written" test ! -e "$T/b.out"
done_testing
