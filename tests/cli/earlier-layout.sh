#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Filesystems left by an earlier layout (issue 26, item 10): an fsdax
# namespace (ndctl write-infoblock) with ext4 or xfs filled through a loop
# device at its data start, then
#   A  its info block wiped,
#   B  re-created with the memmap in RAM (ndctl write-infoblock -M mem),
#   C  re-created in sector mode (a BTT's info block, map, flog and backup
#      block written over it),
#   D  an older map=mem namespace re-created with -M dev, the kernel's
#      memmap written over the old filesystem's start.
# The scan must name the old filesystem at the offset ndctl's own
# read-infoblock gives for the old layout, say what overwrote it (checked
# against the BTT offsets ndctl reads and the files debugfs finds in those
# blocks), and the command it prints must bring the files back.
. "$top_srcdir/tests/support/lib.sh"
for t in ndctl mkfs.ext4 mkfs.xfs tune2fs losetup mount debugfs dumpe2fs jq; do
	command -v $t >/dev/null 2>&1 || skip_all "$t not installed"
done
[ "$(id -u)" -eq 0 ] || skip_all "needs root (loop devices)"
MKBTT=$top_builddir/tests/support/mkfx-btt
[ -x "$MKBTT" ] || skip_all "tests/support/mkfx-btt not built"
MiB=1048576
S=$((512 * MiB))

mkdir "$T/tree" "$T/tree/sub" "$T/mnt"
i=1
while [ $i -le 24 ]; do
	head -c $((50000 + i * 13001)) /dev/urandom >"$T/tree/f$i.bin"
	i=$((i + 1))
done
echo "hello" >"$T/tree/sub/hello.txt"
ln -s ../f1.bin "$T/tree/sub/link"

jq_true() { jq -e "$@" >/dev/null; }
# dataoff IMG: the data offset ndctl reads back from the info block
dataoff() { ndctl read-infoblock -j -i "$1" 2>/dev/null | jq '.[0].dataoff'; }
# fill IMG OFF FS [fill]: mkfs FS at OFF through a loop device, cp -a the
# tree into it; with "fill", a file of zeros fills the rest of it
fill() {
	dev=$(losetup -f --show -o "$2" --sizelimit $((S - $2)) "$1") || return 1
	case $3 in
	# (4 KiB blocks as on the 1 GiB+ namespaces users have; below 512 MiB
	# mke2fs would choose 1 KiB ones)
	ext4) mkfs.ext4 -q -F -b 4096 -T default "$dev" ;;
	xfs) mkfs.xfs -q -f "$dev" ;;
	esac
	# "fill": no blocks kept back (root's 5%, ext4's reserved clusters),
	# so that the file reaches the filesystem's last blocks
	[ "${4:-}" != fill ] || tune2fs -m 0 "$dev" >/dev/null 2>&1
	mount "$dev" "$T/mnt" && cp -a "$T/tree/." "$T/mnt/" &&
		{ [ "${4:-}" != fill ] || {
			echo 0 >"/sys/fs/ext4/${dev#/dev/}/reserved_clusters" 2>/dev/null
			dd if=/dev/zero of="$T/mnt/fill" bs=1M status=none 2>/dev/null; true; }; }
	umount "$T/mnt"
	losetup -d "$dev"
}
# tree_back DIR: the extracted tree holds every source file, byte for byte
tree_back() {
	[ -s "$1/f1.bin" ] && diff -r -x lost+found -x fill "$T/tree" "$1"
}
# extract_next JSON: run the extract command the scan suggests for the
# first earlier filesystem, OUTDIR -> $T/out
extract_next() {
	cmd=$(jq -r '.earlier[0].next_commands[] | select(startswith("pmemscan extract "))' "$1")
	[ -n "$cmd" ] || return 1
	rm -rf "$T/out"
	cmd=$(echo "$cmd" | sed "s|^pmemscan |\"\$PMEMSCAN\" |; s| -o OUTDIR| -o '$T/out'|")
	(cd "$T" && eval "$cmd") >/dev/null 2>"$T/extract.err"
}

truncate -s $S "$T/base.img"
ndctl write-infoblock -o "$T/base.img" >/dev/null 2>&1
D=$(dataoff "$T/base.img")
check "ndctl wrote an fsdax block with -M dev (dataoff $D)" test "${D:-0}" -gt $((2 * MiB))
fill "$T/base.img" "$D" ext4
"$PMEMSCAN" extract --quiet "$T/base.img" -o "$T/x0" 2>/dev/null
check "the intact namespace extracts to the tree" tree_back "$T/x0"

# ---- A: the info block wiped ----
cp --sparse=always "$T/base.img" "$T/a.img"
dd if=/dev/zero of="$T/a.img" bs=4096 seek=1 count=1 conv=notrunc status=none
"$PMEMSCAN" --json "$T/a.img" >"$T/a.json" 2>/dev/null; rc=$?
check "A (block wiped): exit 1, not 2 (nothing found)" test "$rc" -eq 1
same_value "A: the earlier ext4 is at ndctl's dataoff" \
	"$(jq -r '.earlier[0] | "\(.type) \(.offset)"' "$T/a.json")" "ext4 $D"
check "A: named as the data start of the map=dev layout of this size" \
	jq_true '.earlier[0].layouts | index("map-dev")' "$T/a.json"
check "A: nothing overwrote it" jq_true '.earlier[0].overwritten == []' "$T/a.json"
extract_next "$T/a.json"
check "A: the extract command the scan prints brings every file back" tree_back "$T/out"
"$PMEMSCAN" "$T/a.img" >"$T/a.txt" 2>/dev/null
check "A: text: 'a filesystem left by an earlier layout at image offset' its offset" \
	grep -q "a filesystem left by an earlier layout at image offset $(printf 0x%x "$D")" "$T/a.txt"
check "A: text: no 'nothing found'" sh -c "! grep -q 'nothing found' '$T/a.txt' && [ -s '$T/a.txt' ]"
"$PMEMSCAN" --html "$T/a.html" "$T/a.img" >/dev/null 2>&1
check "A: html: the earlier filesystem's section" \
	grep -q "<p class=\"earlier summary\" data-offset=\"$(printf 0x%x "$D")\">a filesystem left by an earlier layout" "$T/a.html"

# ---- B: re-created as fsdax with the memmap in RAM ----
cp --sparse=always "$T/base.img" "$T/b.img"
ndctl write-infoblock -o "$T/b.img" -M mem >/dev/null 2>&1
check "B: ndctl's new block puts the data elsewhere" test "$(dataoff "$T/b.img")" -ne "$D"
"$PMEMSCAN" --json "$T/b.img" >"$T/b.json" 2>/dev/null; rc=$?
check "B: exit 1; the namespace has no filesystem at its new data start" \
	sh -c "[ $rc -eq 1 ] && [ \"\$(jq -r '.namespaces[0].verdict.result' '$T/b.json')\" = no-filesystem ]"
same_value "B: the earlier ext4 is in namespace 0 at the old dataoff" \
	"$(jq -r '.earlier[0] | "\(.namespace) \(.offset_in_namespace)"' "$T/b.json")" "0 $D"
extract_next "$T/b.json"
check "B: the extract command the scan prints brings every file back" tree_back "$T/out"

# ---- C: re-created in sector mode (BTT metadata over it, data untouched) ----
truncate -s $S "$T/c.img"
ndctl write-infoblock -o "$T/c.img" >/dev/null 2>&1
fill "$T/c.img" "$D" ext4 fill
"$MKBTT" -o "$T/btt.img" -s $S >/dev/null
j=$(ndctl read-infoblock -j -i "$T/btt.img" 2>/dev/null)
mapoff=$(echo "$j" | jq '.[0].mapoff'); logoff=$(echo "$j" | jq '.[0].logoff')
info2=$(echo "$j" | jq '.[0].info2off')
check "C: mkfx-btt made a BTT 1.1 (map at $mapoff)" test "${mapoff:-0}" -gt 0
dd if="$T/btt.img" of="$T/c.img" bs=4096 skip=1 seek=1 count=1 conv=notrunc status=none
dd if="$T/btt.img" of="$T/c.img" bs=4096 skip=$(((4096 + mapoff) / 4096)) seek=$(((4096 + mapoff) / 4096)) \
	count=$(((info2 + 4096 - mapoff) / 4096)) conv=notrunc status=none
"$PMEMSCAN" --json "$T/c.img" >"$T/c.json" 2>/dev/null; rc=$?
check "C: exit 1; a sector namespace" \
	sh -c "[ $rc -eq 1 ] && [ \"\$(jq -r '.namespaces[0].mode' '$T/c.json')\" = sector ]"
same_value "C: the earlier ext4 at the old dataoff" "$(jq -r '.earlier[0].offset' "$T/c.json")" "$D"
same_value "C: overwritten by the BTT map, flog and backup info block at ndctl's offsets" \
	"$(jq -r '[.earlier[0].overwritten[] | "\(.what)@\(.offset)"] | sort | join(" ")' "$T/c.json")" \
	"btt-flog@$((4096 + logoff)) btt-info@$((4096 + info2)) btt-map@$((4096 + mapoff))"
# which file debugfs says owns the first fs block under the BTT map
blk=$(((4096 + mapoff - D) / 4096))
dev=$(losetup -f --show -r -o "$D" --sizelimit $((S - D)) "$T/c.img")
ino=$(debugfs -R "icheck $blk" "$dev" 2>/dev/null | awk 'NR == 2 { print $2 }')
name=$(debugfs -R "ncheck $ino" "$dev" 2>/dev/null | awk 'NR == 2 { print $2 }' | sed 's|^/*|/|')
losetup -d "$dev"
check "C: debugfs says block $blk belongs to '$name'; the report lists it as overwritten" \
	sh -c "[ -n '$name' ] && jq -e --arg n '$name' '.earlier[0].files_overwritten >= 1 and (.earlier[0].files | index(\$n))' '$T/c.json' >/dev/null"
extract_next "$T/c.json"
check "C: the extract command the scan prints brings every tree file back" tree_back "$T/out"

# ---- D: map=mem re-created as map=dev; the kernel's memmap over the old start ----
truncate -s $S "$T/d.img"
ndctl write-infoblock -o "$T/d.img" -M mem >/dev/null 2>&1
Dm=$(dataoff "$T/d.img")
fill "$T/d.img" "$Dm" ext4
uuid=$(dev=$(losetup -f --show -r -o "$Dm" "$T/d.img") &&
	dumpe2fs -h "$dev" 2>/dev/null | sed -n 's/^Filesystem UUID: *//p'; losetup -d "$dev")
ndctl write-infoblock -o "$T/d.img" -M dev >/dev/null 2>&1
# what the kernel writes when it enables the namespace: struct pages from
# 8 KiB to the data offset (any non-zero bytes stand for them here)
head -c $((D - 8192)) /dev/urandom | dd of="$T/d.img" bs=4096 seek=2 conv=notrunc status=none
"$PMEMSCAN" --json "$T/d.img" >"$T/d.json" 2>/dev/null; rc=$?
check "D: exit 1" test "$rc" -eq 1
same_value "D: the old map=mem filesystem at its dataoff, primary superblock gone, a backup names it" \
	"$(jq -r '.earlier[0] | "\(.offset) \(.primary_superblock) \(.backup_group > 0)"' "$T/d.json")" "$Dm false true"
check "D: overwritten by the memmap" jq_true '.earlier[0].overwritten | map(.what) | index("memmap")' "$T/d.json"
carve=$(jq -r '.earlier[0].next_commands[] | select(startswith("pmemscan carve "))' "$T/d.json")
carve=$(echo "$carve" | sed "s|^pmemscan |\"\$PMEMSCAN\" |")
rm -f "$T/earlier0.img"
(cd "$T" && eval "$carve") >/dev/null 2>&1
# the backup superblock and block size the e2fsck command names
fsck=$(jq -r '.earlier[0].next_commands[] | select(startswith("e2fsck "))' "$T/d.json")
bb=$(echo "$fsck" | sed -n 's/^e2fsck -n -b \([0-9]*\) -B \([0-9]*\) earlier0.img.*/\1 \2/p')
check "D: the carve it prints gives the old filesystem, read by the backup superblock e2fsck is told ($bb)" \
	sh -c "[ -n '$uuid' ] && [ -n '$bb' ] && dumpe2fs -h -o superblock=${bb% *} -o blocksize=${bb#* } '$T/earlier0.img' 2>/dev/null | grep -q '^Filesystem UUID: *$uuid'"

# ---- E: the same with 1 KiB blocks, the memmap not yet written: group 1's
# backup superblock lies 1 KiB into the new data start ----
truncate -s $S "$T/e.img"
ndctl write-infoblock -o "$T/e.img" -M mem >/dev/null 2>&1
dev=$(losetup -f --show -o "$Dm" --sizelimit $((S - Dm)) "$T/e.img")
mkfs.ext4 -q -F -b 1024 "$dev"
mount "$dev" "$T/mnt" && cp -a "$T/tree/." "$T/mnt/"
umount "$T/mnt"
losetup -d "$dev"
ndctl write-infoblock -o "$T/e.img" -M dev >/dev/null 2>&1
"$PMEMSCAN" --json "$T/e.img" >"$T/e.json" 2>/dev/null; rc=$?
same_value "E: a backup superblock at the new data start is no filesystem there; the old one is found" \
	"$rc $(jq -r '"\(.namespaces[0].verdict.result) \(.earlier[0].offset) \(.earlier[0].primary_superblock)"' "$T/e.json")" \
	"1 no-filesystem $Dm true"
extract_next "$T/e.json"
check "E: the extract command the scan prints brings every file back" tree_back "$T/out"

# ---- xfs, block wiped ----
truncate -s $S "$T/x.img"
ndctl write-infoblock -o "$T/x.img" >/dev/null 2>&1
fill "$T/x.img" "$D" xfs
dd if=/dev/zero of="$T/x.img" bs=4096 seek=1 count=1 conv=notrunc status=none
"$PMEMSCAN" --json "$T/x.img" >"$T/x.json" 2>/dev/null; rc=$?
same_value "xfs, block wiped: exit 1 and the earlier xfs at ndctl's dataoff" \
	"$rc $(jq -r '.earlier[0] | "\(.type) \(.offset)"' "$T/x.json")" "1 xfs $D"
extract_next "$T/x.json"
check "xfs: the extract command the scan prints brings every file back" tree_back "$T/out"

# ---- an intact namespace reports no earlier filesystem ----
"$PMEMSCAN" --json "$T/base.img" >"$T/base.json" 2>/dev/null; rc=$?
check "intact: exit 0, proven, no earlier filesystem" \
	sh -c "[ $rc -eq 0 ] && jq -e '.earlier == [] and .namespaces[0].verdict.result == \"proven\"' '$T/base.json' >/dev/null"
done_testing
