#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# mkhostile-html.sh MKFX-LABELS OUT: a QEMU-style DIMM image whose names are
# markup: the namespace label's name (patched into the label area of
# tests/support/mkfx-labels' qemu.img, its fletcher64 recomputed) and the volume
# label of an ext4 filesystem at the namespace's data start (2 MiB). For
# the HTML report's escaping tests (tests/html-escape.sh, tests/html.sh).
# Prints the two names, one a line.
set -eu
PATH=$PATH:/sbin:/usr/sbin
mkfx=$1 out=$2
w=$(mktemp -d "${TMPDIR:-/tmp}/pmemscan-hostile-html.XXXXXX")
trap 'rm -rf "$w"' EXIT
"$mkfx" "$w" >/dev/null
NAME=${HOSTILE_NAME:-'<script>alert("ns")</script>'"'"'&amp;"x'}
FSLABEL=${HOSTILE_FSLABEL:-'<svg onload=x>'"'"'"'}
"${MKE2FS:-mke2fs}" -q -F -t ext4 -L "$FSLABEL" "$w/fs.img" 32M >/dev/null 2>&1
dd if="$w/fs.img" of="$w/qemu.img" bs=1M seek=2 conv=notrunc,sparse status=none
python3 - "$w/qemu.img" "$NAME" <<'PY'
import os, struct, sys
p, name = sys.argv[1], os.fsencode(sys.argv[2])
b = bytearray(open(p, 'rb').read())
at = b.find(b'qemu-fsdax\0')
assert at > 0 and len(name) < 64
lab = at - 16                      # the name follows the 16-byte uuid
b[at:at + 64] = name.ljust(64, b'\0')
b[lab + 0xf8:lab + 0x100] = bytes(8)
lo = hi = 0
for i in range(0, 256, 4):
    lo = (lo + struct.unpack_from('<I', b, lab + i)[0]) & 0xffffffff
    hi = (hi + lo) & 0xffffffff
struct.pack_into('<Q', b, lab + 0xf8, (hi << 32) | lo)
open(p, 'wb').write(b)
PY
cp --sparse=always "$w/qemu.img" "$out"
printf '%s\n%s\n' "$NAME" "$FSLABEL"
