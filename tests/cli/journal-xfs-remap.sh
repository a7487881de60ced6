#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# BUIs the view finishes in the read view only (issue 24): the XFS reader's
# overlay (src/fs_xfs.c) on a real image. fixtures/xfs-remap.img.xz
# (tests/support/mkxfs-remap.sh): files made by this host's kernel, /bt with
# a btree fork whose one leaf is full, /ext with a full extents fork, the
# log clean; here tests/support/xlog-poke.py appends a record in the
# kernel's format (a test writer: the kernel's race does not reliably leave
# a BUI on such a fork) with four BUIs without BUDs: map into /bt (the leaf
# splits), map and unmap in /bt after it, map into /ext (the fork becomes a
# btree). fixtures/xfs-remap.manifest is the kernel's own recovery of a copy
# of that. The reference for the BUIs is xfs_logprint -t, for the bytes the
# image itself, for the files' inodes xfs_db's ncheck.
#   - extract gives each file with the BUI's blocks at the BUI's offsets
#     (map: the bytes of the blocks it names; unmap: zeros), every file the
#     kernel's, exit 0; ls sizes and cat agree;
#   - carve exits 1 saying the carved image is not the kernel's;
#   - --journal ignore reads the on-disk files;
#   - the scan names the BUIs' files by path (text and JSON), those done in
#     the read view only and one left unfinished (a map over a mapped block).
. "$top_srcdir/tests/support/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"
command -v xz >/dev/null || skip_all "xz not installed"
command -v xfs_logprint >/dev/null || skip_all "xfs_logprint not installed"
command -v xfs_db >/dev/null || skip_all "xfs_db not installed"

P=$PMEMSCAN
F=xfs-remap
BASE=$T/$F.base.img
xz -dc "$top_srcdir/fixtures/$F.img.xz" >"$BASE"
IMG=$T/$F.img
MAN=$top_srcdir/fixtures/$F.manifest
check "the kernel's manifest lists the two files" test "$(grep -c ' [0-9a-f]\{64\} ' "$MAN")" -eq 2

mkman() {
	(cd "$1" && find . -mindepth 1 \( -type f -o -type d \) -printf '%p %s %m %n\n' | sort |
	 while read -r p s mo n; do
		if [ -f "$p" ]; then h=$(sha256sum <"$p" | cut -d' ' -f1); s2=$s; else h=-; s2=-; fi
		echo "${p#./} $s2 $h $mo $n"
	 done)
}
# the geometry, from the superblock (big-endian)
be32() { od -An -j "$1" -N4 -tx1 "$BASE" | tr -d ' \n' | sed 's/^/0x/'; }
bs=$(($(be32 4)))
agblocks=$(($(be32 84)))
agblklog=$(od -An -j 124 -N1 -tu1 "$BASE" | tr -d ' ')
# byte offset of filesystem block $1
fsb_off() { echo $(((($1 >> agblklog) * agblocks + ($1 & ((1 << agblklog) - 1))) * bs)); }

# the files' inodes and block 10 of /bt (xfs_db: the base's log is clean)
xfs_db -r -c "blockget -n" -c ncheck "$BASE" 2>/dev/null | awk '{ print $1, "/" $2 }' >"$T/ncheck"
ino_of() { awk -v p="$1" '$2 == p { print $1 }' "$T/ncheck"; }
path_of() { awk -v n="$1" '$1 == n { print $2 }' "$T/ncheck"; }
ino_bt=$(ino_of /bt) ino_ext=$(ino_of /ext)
check "xfs_db names the inodes of /bt and /ext" test -n "$ino_bt" -a -n "$ino_ext"
b10=$(xfs_db -r -c "inode $ino_bt" -c "bmap 10 1" "$BASE" | awk '{ print $5 }')
fsb=$(((1 << agblklog) + 3000))	# AG 1 block 3000 (mkxfs-remap.sh)
cp "$BASE" "$IMG"
python3 "$top_srcdir/tests/support/xlog-poke.py" "$IMG" bui \
	"$ino_bt" 1 1 "$fsb" 1 \
	"$ino_bt" 1 5 $((fsb + 2)) 1 \
	"$ino_bt" 2 10 "$b10" 1 \
	"$ino_ext" 1 1 $((fsb + 3)) 1

# ---- the reference: the BUIs xfs_logprint shows without a BUD ----
xfs_logprint -t "$IMG" 2>/dev/null | awk '
/^[ \t]*(BUI|BUD):/ && match($0, /id: *0x[0-9a-f]+/) {
	k = $1; sub(/^[ \t]*/, "", k); k = substr(k, 1, 3)
	id = substr($0, RSTART, RLENGTH); sub(/id: */, "", id)
	if (k == "BUD") delete open[id]; else { open[id] = 1; cur = id }
}
/^\(s: .*own:/ && cur != "" {
	gsub(/[(),:]/, " "); ext[cur] = $2 " " $4 " " $6 " " $8 " " $10; cur = ""
}
END { for (id in open) print ext[id] }' | sort >"$T/bui"	# start len owner off flags
same_value "xfs_logprint shows 4 BUIs without their BUD" "$(wc -l <"$T/bui")" 4

# ---- the scan ----
"$P" --json --hash none "$IMG" >"$T/scan.json" 2>/dev/null
jx() { jq -r "[.namespaces[].journal.xfs | select(. != null)][0] | $1" "$T/scan.json"; }
same_value "scan: the 4 BUIs are finished" "$(jx .intents_finished)" 4
same_value "scan: none left" "$(jx .intents_bmap)" 0
same_value "scan: all 4 in the read view only" "$(jx .intents_view_only)" 4
same_value "scan: the reasons (a full leaf splits, after it, a full extents fork)" \
	"$(jx '[.intents_view_only_list[].why] | map(sub(" .*"; "")) | unique | join(",")')" "an,bmbt,the"

# the files by path (and inode), text and JSON
"$P" --hash none "$IMG" >"$T/scan.txt" 2>&1
same_value "scan text: each BUI in the read view only names its file" \
	"$(grep -c "BUI .*inode $ino_bt .*done in the read view only.*; the file: /bt$" "$T/scan.txt") $(grep -c "BUI .*inode $ino_ext .*done in the read view only.*; the file: /ext$" "$T/scan.txt")" "3 1"
same_value "scan JSON: each BUI in the read view only has its inode and path" \
	"$(jx '[.intents_view_only_list[] | "\(.owner)=\(.path)"] | join(" ")')" \
	"$ino_bt=/bt $ino_bt=/bt $ino_bt=/bt $ino_ext=/ext"

# ---- extract: the kernel's files, the BUIs' blocks where they map them ----
rc=0; "$P" extract -q "$IMG" -o "$T/out" 2>"$T/x.err" || rc=$?
same_value "extract exits 0" "$rc" 0
mkman "$T/out" >"$T/out.man"
awk '{ if ($3 == "-") $2 = "-"; print }' "$MAN" >"$T/kernel.man"
same_output "extract: the kernel's recovery, file for file (path, size, sha256, mode, links)" \
	"$T/kernel.man" "$T/out.man"
n=0
while read -r start len owner off flags; do
	n=$((n + 1))
	up=$(path_of $((owner)))
	check "BUI $n: its inode $((owner)) is a file of the tree ($up)" test -n "$up" -a -f "$T/out$up"
	dd if="$T/out$up" bs="$bs" skip=$((off)) count=$((len)) 2>/dev/null >"$T/got.$n"
	if [ $((flags & 0xff)) = 1 ]; then
		dd if="$IMG" bs="$bs" skip=$(($(fsb_off $((start))) / bs)) count=$((len)) 2>/dev/null >"$T/want.$n"
		check "BUI $n (map $up block $off): the block holds the distinctive bytes" \
			grep -q "BUI-MAPPED block" "$T/want.$n"
	else
		head -c $((len * bs)) /dev/zero >"$T/want.$n"
	fi
	same_output "BUI $n (type $((flags & 0xff)), $up block $off): extract has the BUI's bytes there" \
		"$T/want.$n" "$T/got.$n"
done <"$T/bui"
same_value "four BUIs checked" "$n" 4
# ls and cat agree with extract
"$P" ls --json "$IMG" >"$T/ls.json" 2>/dev/null
for up in /bt /ext; do
	same_value "ls: $up has the kernel's size" \
		"$(jq -r --arg p "$up" '.entries[] | select(.path == $p) | .size' "$T/ls.json")" \
		"$(awk -v p="${up#/}" '$1 == p { print $2 }' "$MAN")"
	same_value "cat $up: the kernel's bytes" \
		"$("$P" cat "$IMG" "$up" 2>/dev/null | sha256sum | cut -c1-64)" \
		"$(awk -v p="${up#/}" '$1 == p { print $3 }' "$MAN")"
done

# ---- carve: the image is not the kernel's ----
rc=0; "$P" carve -q "$IMG" -o "$T/carved.img" 2>"$T/c.err" || rc=$?
same_value "carve exits 1" "$rc" 1
check "carve says the carved image is not the kernel's, naming the BUIs in the read view only" \
	grep -q "the carved image is not the kernel's: 4 file mapping change(s) (BUI) done in the read view only" "$T/c.err"

# ---- --journal ignore: the on-disk files ----
"$P" extract -q --journal ignore "$IMG" -o "$T/stale" 2>/dev/null
while read -r start len owner off flags; do
	up=$(path_of $((owner)))
	differ_value "--journal ignore: $up block $off is not the BUI's" \
		"$(sha256sum <"$T/want.1" | cut -c1-64)" \
		"$(dd if="$T/stale$up" bs="$bs" skip=$((off)) count=$((len)) 2>/dev/null | sha256sum | cut -c1-64)"
	break
done <"$T/bui"
check "--journal ignore: /bt block 10 is on disk (the unmap not done)" \
	sh -c "dd if='$T/stale/bt' bs=$bs skip=10 count=1 2>/dev/null | grep -q 'bt:00000010:'"
head -c "$bs" /dev/zero >"$T/zero"
check "--journal ignore: /bt block 1 reads as zeros (the map not done)" \
	sh -c "dd if='$T/stale/bt' bs=$bs skip=1 count=1 2>/dev/null | cmp -s - '$T/zero'"

# ---- a BUI left unfinished (a map over a mapped block): named by path ----
cp "$BASE" "$T/left.img"
python3 "$top_srcdir/tests/support/xlog-poke.py" "$T/left.img" bui "$ino_ext" 1 0 $((fsb + 3)) 1
"$P" --json --hash none "$T/left.img" >"$T/left.json" 2>/dev/null
same_value "unfinished BUI: JSON lists it with its inode and path" \
	"$(jq -r '[.namespaces[].journal.xfs | select(. != null)][0].intents_left[] | select(.kind == "BUI") | "\(.owner)=\(.path)"' "$T/left.json")" \
	"$ino_ext=/ext"
"$P" --hash none "$T/left.img" >"$T/left.txt" 2>&1
check "unfinished BUI: the text names its file" \
	grep -q "BUI map inode $ino_ext data fork, file block 0, .*left unfinished.*; the file: /ext$" "$T/left.txt"

# ---- the kernel's own recovery of a copy, here ----
if [ "$(id -u)" -eq 0 ] && command -v mount >/dev/null; then
	mkdir -p "$T/m"
	cp "$IMG" "$T/copy.img"
	if mount -o loop "$T/copy.img" "$T/m" 2>/dev/null; then
		mkman "$T/m" >"$T/live.man"
		umount "$T/m"
		same_output "this host's kernel recovers the fixture to its manifest" "$T/kernel.man" "$T/live.man"
	else
		skip "kernel recovery here" "mount -o loop failed"
	fi
else
	skip "kernel recovery here" "needs root"
fi
done_testing
