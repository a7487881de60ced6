#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# mkxfs-sparse.sh IMG MNT: an XFS (2 AGs, sparse inode chunks) whose inode
# btrees hold sparse chunks and whose free space is thousands of short
# extents (a bnobt of more than one level): mkfs.xfs -i sparse=1, mounted
# at MNT through a loop device, the reserve pool emptied (xfs_io resblks 0),
# the space filled with fallocate, 28 KiB punched out of every 64 KiB (room
# for a 4-block sparse chunk, never for an aligned 8-block full one), then
# 4000 empty files. Needs root. Exits non-zero when it cannot.
set -e
img=$1 m=$2
rm -f "$img"
truncate -s 320M "$img"
mkfs.xfs -q -f -d agcount=2 -i sparse=1 -m reflink=0,finobt=0 "$img"
mkdir -p "$m"
mount -o loop "$img" "$m"
trap 'umount "$m" 2>/dev/null' EXIT
xfs_io -x -c "resblks 0" "$m" >/dev/null
i=0; while [ $i -lt 300 ]; do : >"$m/g$i"; i=$((i + 1)); done
fallocate -l $(($(stat -f -c %a "$m") * $(stat -f -c %S "$m") - 65536)) "$m/fill"
python3 - "$m/fill" <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long, ctypes.c_long]
d = os.path.dirname(sys.argv[1])
k = 0
for chunk in (1 << 20, 65536, 4096):	# what is left, into the g files
    while k < 300:
        f = os.open("%s/g%d" % (d, k), os.O_RDWR)
        k += 1
        r = libc.fallocate(f, 0, 0, chunk)
        os.close(f)
        if r:
            break
fd = os.open(sys.argv[1], os.O_RDWR)
sz = os.fstat(fd).st_size
o = 0
while o + 65536 <= sz:	# FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
    libc.fallocate(fd, 3, o, 28672)
    o += 65536
os.close(fd)
PY
i=0; while [ $i -lt 4000 ]; do : >"$m/e$i"; i=$((i + 1)); done
umount "$m"
trap - EXIT
