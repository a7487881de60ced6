#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A filesystem left by an earlier layout whose tree loops: debugfs links a
# directory into one of its own subdirectories (/a/b/c/up -> /a/b), a file
# lies deeper than a 4096-byte path, the
# ext4 is placed at an fsdax namespace's data start (ndctl write-infoblock)
# and a BTT's metadata is written over it (the namespace re-created in
# sector mode, as earlier-layout.sh's case C). The scan walks the old tree
# to name the files the BTT overwrote: that walk must be bounded as
# extract's is (src/walk.c: each directory once), so it counts each file of
# the tree once, as many as debugfs made and as the extract command the
# scan prints writes, not once per turn around the loop.
. "$top_srcdir/tests/support/lib.sh"
for t in ndctl mkfs.ext4 debugfs jq; do
	command -v $t >/dev/null 2>&1 || skip_all "$t not installed"
done
MKBTT=$top_builddir/tests/support/mkfx-btt
[ -x "$MKBTT" ] || skip_all "tests/support/mkfx-btt not built"
MiB=1048576
S=$((512 * MiB))
jq_true() { jq -e "$@" >/dev/null; }

truncate -s $S "$T/c.img"
ndctl write-infoblock -o "$T/c.img" >/dev/null 2>&1
D=$(ndctl read-infoblock -j -i "$T/c.img" 2>/dev/null | jq '.[0].dataoff')
check "ndctl wrote an fsdax block (dataoff $D)" test "${D:-0}" -gt $((2 * MiB))

# the filesystem: /a/b/c with files at each level and at the top, then
# the loop; 4 KiB blocks as on real namespaces
truncate -s $((S - D)) "$T/fs.img"
mkfs.ext4 -q -F -b 4096 -T default "$T/fs.img"
printf 'top\n' >"$T/top"
printf 'in b\n' >"$T/inb"
printf 'in c\n' >"$T/inc"
debugfs -w -f - "$T/fs.img" >/dev/null 2>&1 <<EOF
mkdir /a
mkdir /a/b
mkdir /a/b/c
write $T/top /top.txt
write $T/top /a/top-a.txt
write $T/inb /a/b/f.txt
write $T/inc /a/b/c/g.txt
link /a/b /a/b/c/up
EOF
# and a file whose path is longer than any fixed buffer (17 directories of
# 250-byte names: 4285 bytes), made one level at a time
long=$(printf 'd%.0s' $(seq 1 250))
{ echo "mkdir /deep"; echo "cd /deep"
  for i in $(seq 1 17); do echo "mkdir $long"; echo "cd $long"; done
  echo "write $T/inc leaf.txt"; } | debugfs -w -f - "$T/fs.img" >/dev/null 2>&1
nfiles=5	# the regular files written above
check "debugfs made the loop: /a/b/c/up is /a/b" \
	sh -c 'a=$(debugfs -R "stat /a/b" "$1" 2>/dev/null | sed -n "s/^Inode: \([0-9]*\).*/\1/p")
	       u=$(debugfs -R "stat /a/b/c/up" "$1" 2>/dev/null | sed -n "s/^Inode: \([0-9]*\).*/\1/p")
	       [ -n "$a" ] && [ "$a" = "$u" ]' sh "$T/fs.img"
check "debugfs lists the four files" \
	sh -c '[ "$(debugfs -R "ls -p /a/b/c" "$1" 2>/dev/null | grep -c "/g.txt/")" -eq 1 ]' sh "$T/fs.img"
{ echo "cd /deep"; for i in $(seq 1 17); do echo "cd $long"; done; echo "stat leaf.txt"; } |
	debugfs -f - "$T/fs.img" >"$T/deep.stat" 2>/dev/null
check "debugfs made the deep file (its path: $((6 + 17 * 251 + 9)) bytes)" grep -q "Type: regular" "$T/deep.stat"
dd if="$T/fs.img" of="$T/c.img" bs=1M seek=$((D / MiB)) conv=notrunc,sparse status=none
rm -f "$T/fs.img"

# re-created in sector mode: the BTT's info block, map, flog and backup
"$MKBTT" -o "$T/btt.img" -s $S >/dev/null
j=$(ndctl read-infoblock -j -i "$T/btt.img" 2>/dev/null)
mapoff=$(echo "$j" | jq '.[0].mapoff'); info2=$(echo "$j" | jq '.[0].info2off')
check "mkfx-btt made a BTT (map at $mapoff)" test "${mapoff:-0}" -gt 0
dd if="$T/btt.img" of="$T/c.img" bs=4096 skip=1 seek=1 count=1 conv=notrunc status=none
dd if="$T/btt.img" of="$T/c.img" bs=4096 skip=$(((4096 + mapoff) / 4096)) seek=$(((4096 + mapoff) / 4096)) \
	count=$(((info2 + 4096 - mapoff) / 4096)) conv=notrunc status=none
rm -f "$T/btt.img"

"$PMEMSCAN" --json "$T/c.img" >"$T/c.json" 2>"$T/c.err"
same_value "the earlier ext4 at the old dataoff" "$(jq -r '.earlier[0].offset' "$T/c.json")" "$D"
check "the BTT overwrote parts of it" jq_true '.earlier[0].overwritten | length > 0' "$T/c.json"
same_value "the scan's walk of the looping tree counts each file once (debugfs made $nfiles)" \
	"$(jq -r '.earlier[0].files_walked' "$T/c.json")" "$nfiles"

# the extract command the scan prints, over the same tree
cmd=$(jq -r '.earlier[0].next_commands[] | select(startswith("pmemscan extract "))' "$T/c.json")
check "the scan prints an extract command" test -n "$cmd"
cmd=$(echo "$cmd" | sed "s|^pmemscan |\"\$PMEMSCAN\" |; s| -o OUTDIR| -o '$T/out'|")
(cd "$T" && eval "$cmd") >/dev/null 2>"$T/extract.err"
check "extract refuses to enter the loop, and says so" grep -q 'a/b/c/up: skipped: directory inode' "$T/extract.err"
same_value "extract writes each file once, as many as the scan walked" \
	"$(find "$T/out" -type f ! -path '*/lost+found/*' | wc -l | tr -d ' ')" \
	"$(jq -r '.earlier[0].files_walked' "$T/c.json")"
check "... the file in the loop's target among them" cmp -s "$T/inb" "$T/out/a/b/f.txt"
done_testing
