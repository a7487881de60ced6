#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# mkxfs-remap.sh OUT_IMG OUT_MANIFEST: an XFS (mkfs.xfs defaults: crc,
# reflink, 32 MiB, the smallest log), cleanly unmounted, to whose log
# tests/cli/journal-xfs-remap.sh appends four BUIs without their BUDs that
# the kernel can only finish with a new bmbt block:
#   /bt   a fork in btree format whose one leaf is full (251 records: 502
#         blocks written, every odd one punched by the host kernel); BUI
#         map of file block 1 (the leaf splits), map of block 5, unmap of
#         block 10;
#   /ext  a fork in extents format that is full (the inode's data fork
#         holds 12 extents when the kernel gave the inode an attribute
#         fork, 21 without; every odd block of twice that punched); BUI map
#         of file block 1 (the kernel converts the fork to a btree).
# The files are made by the host kernel through a loop mount, which is
# unmounted cleanly; the blocks the maps name (AG 1, blocks 3000-3003, free)
# get the line "BUI-MAPPED block K|" repeated: that is OUT_IMG. Then, as the
# test does, tests/support/xlog-poke.py appends one record with the
# checkpoint of the four BUIs (the kernel's record format: spec
# xfs-log-recovery.md §2, §4, §5.4) -- what a crash after that checkpoint
# and before the next leaves -- and OUT_MANIFEST is the host kernel's own
# recovery of a copy of that (mount -o loop; "path size sha256 mode links"
# a line, sorted), the truth the test compares with.
# Needs root, mkfs.xfs, xfs_io, xfs_db, python3.
set -e
out=$1 man=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/mkxfs-remap.XXXXXX)
m=$tmp/m
mkdir -p "$m"
trap 'umount "$m" 2>/dev/null || true; rm -rf "$tmp"' EXIT
# mkfs.xfs refuses filesystems under 300 MiB outside its test mode
export TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1
img=$tmp/img
truncate -s 32M "$img"
mkfs.xfs -q -f -l size=1368b "$img"
mount -o loop "$img" "$m"
# the data fork's room in extents: (inode size - 176 - attr fork) / 16
python3 - "$m" <<'PY'
import os, sys
d = sys.argv[1]
def pat(name, n):
    return b"".join(((name + ":%08d:" % i).encode() * 400)[:4096] for i in range(n))
with open(d + "/bt", "wb") as f:
    f.write(pat("bt", 502))
    f.flush()
    os.fsync(f.fileno())
open(d + "/ext", "wb").close()
PY
for i in $(seq 1 2 501); do printf -- '-c\nfpunch %d 4096\n' $((i * 4096)); done | tr '\n' '\0' | xargs -0 xfs_io "$m/bt"
ino_ext=$(stat -c %i "$m/ext")
umount "$m"
forkoff=$(xfs_db -r -c "inode $ino_ext" -c "p core.forkoff" "$img" | awk '{ print $3 }')
isize=$(xfs_db -r -c "sb 0" -c "p inodesize" "$img" | awk '{ print $3 }')
if [ "$forkoff" -gt 0 ]; then maxext=$((forkoff * 8 / 16)); else maxext=$(((isize - 176) / 16)); fi
mount -o loop "$img" "$m"
python3 - "$m" "$maxext" <<'PY'
import os, sys
d, n = sys.argv[1], 2 * int(sys.argv[2])
with open(d + "/ext", "wb") as f:
    f.write(b"".join((("ext:%08d:" % i).encode() * 400)[:4096] for i in range(n)))
    f.flush()
    os.fsync(f.fileno())
PY
for i in $(seq 1 2 $((2 * maxext - 1))); do printf -- '-c\nfpunch %d 4096\n' $((i * 4096)); done | tr '\n' '\0' | xargs -0 xfs_io "$m/ext"
ino_bt=$(stat -c %i "$m/bt")
[ "$(stat -c %i "$m/ext")" = "$ino_ext" ]
umount "$m"
# the forks as wanted: a full leaf, a full extents fork
xfs_db -r -c "inode $ino_bt" -c "p core.format u3.bmbt.level u3.bmbt.numrecs u3.bmbt.ptrs[1]" "$img" >"$tmp/bt"
grep -q "format = 3" "$tmp/bt" && grep -q "level = 1" "$tmp/bt" && grep -q "numrecs = 1$" "$tmp/bt"
leaf=$(awk -F' = ' '/ptrs/ { print $2 }' "$tmp/bt")
xfs_db -r -c "fsblock $leaf" -c "type bmapbtd" -c "p numrecs" "$img" | grep -q "numrecs = 251$"
xfs_db -r -c "inode $ino_ext" -c "p core.format core.nextents" "$img" >"$tmp/ext"
grep -q "format = 2" "$tmp/ext" && grep -q "nextents = $maxext$" "$tmp/ext"
# the blocks the maps name: free, then given distinctive bytes
agblklog=$(xfs_db -r -c "sb 0" -c "p agblklog" "$img" | awk '{ print $3 }')
agblocks=$(xfs_db -r -c "sb 0" -c "p agblocks" "$img" | awk '{ print $3 }')
fsb=$(((1 << agblklog) + 3000))
xfs_db -r -c "blockget -n" -c "fsblock $fsb" -c "blockuse -c 4" "$img" >"$tmp/use"
[ "$(grep -c 'type free' "$tmp/use")" = 4 ]
python3 - "$img" $(((agblocks + 3000) * 4096)) <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    for k in range(4):
        f.seek(int(sys.argv[2]) + k * 4096)
        f.write((("BUI-MAPPED block %d|" % k).encode() * 300)[:4096])
PY
cp "$img" "$out"
b10=$(xfs_db -r -c "inode $ino_bt" -c "bmap 10 1" "$img" | awk '{ print $5 }')
python3 "$here/xlog-poke.py" "$img" bui \
	"$ino_bt" 1 1 "$fsb" 1 \
	"$ino_bt" 1 5 $((fsb + 2)) 1 \
	"$ino_bt" 2 10 "$b10" 1 \
	"$ino_ext" 1 1 $((fsb + 3)) 1
cp "$img" "$tmp/copy"
mount -o loop "$tmp/copy" "$m"
(cd "$m" && find . -mindepth 1 \( -type f -o -type d \) -printf '%p %s %m %n\n' | sort |
 while read -r p s mo n; do
	if [ -f "$p" ]; then h=$(sha256sum <"$p" | cut -d' ' -f1); else h=-; fi
	echo "${p#./} $s $h $mo $n"
 done) >"$man"
umount "$m"
