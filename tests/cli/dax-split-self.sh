#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 25: a file written only through a mapping and longer than start_pad
# P lands its stores on its own blocks (F = L - P): the stores of its pages
# P/4K and up sit at L of its first pages, so its L is not all zero though
# nothing was ever written to it with write(). Measured on the real kernels
# (tests/kernel geo-pmdk-xfs: `pmempool create obj -s 32M` on xfs, pool
# right after a write() file): the F of its first pages lay on the other
# file, and pmemscan called the pool `write` and extracted its read() view,
# which pmempool refuses. Laid out as dax-split-layout.sh does: a legacy
# block from mkfx-pfn (P 4 MiB, D 6 MiB), mkfs.ext4 -d through a loop device
# at the legacy data start, the pool's blocks zeroed in place through the
# mount (the DAX fault zeroes at L), then its pages stored with dd at F.
. "$top_srcdir/tests/support/lib.sh"
. "$top_srcdir/tests/support/loop-dax.sh"

img=$T/ns.img
truncate -s 256M "$img"
"$mkfx" --era F4 --size 256M --phys-base 0x577FC00000 --region-below 0x577FC00000 "$img" >"$img.layout" ||
	skip_all "mkfx-pfn failed"
P=$(sed -n 's/^start_pad=//p' "$img.layout")
L0=$(sed -n 's/^legacy_data=//p' "$img.layout")
[ "$P" -gt 0 ] || skip_all "no start_pad"
N=$((2 * P / BS))	# the pool's pages: twice start_pad
mkdir "$T/tree"
head -c $((2 * P)) /dev/urandom >"$T/tree/a_victim.bin"
head -c $((N * BS)) /dev/urandom >"$T/tree/b_pool.bin"
# (a pool starts with its signature, as PMDK writes it: evidence of its own
# that the file was written through a mapping)
{ printf 'PMEMOBJ\0'; head -c $((N * BS - 8)) /dev/urandom; } >"$T/pool.data"
# c_tail.bin: by write(), its first half data and its second half zeros (a
# write() file whose tail is zeros looks at L and F like a mapped one
# storing on its own blocks; without a store or a pool header it is write)
head -c $((2 * P)) /dev/urandom >"$T/tree/c_tail.bin"
dev=$(losetup -f --show -o "$L0" --sizelimit $((256 * 1048576 - L0)) "$img") || skip_all "losetup failed"
mkfs.ext4 -q -F -b $BS -d "$T/tree" "$dev" >/dev/null 2>&1 || skip_all "mkfs.ext4 -d on the loop device failed"
mount "$dev" "$T/mnt" || skip_all "mount of the loop device failed"
head -c $((N * BS)) /dev/zero | dd of="$T/mnt/b_pool.bin" bs=$BS conv=notrunc,fsync status=none
head -c "$P" /dev/zero | dd of="$T/mnt/c_tail.bin" bs=$BS seek=$((P / BS)) conv=notrunc,fsync status=none
umount "$T/mnt"
debugfs -R "blocks /b_pool.bin" "$dev" 2>/dev/null | tr ' ' '\n' | sed '/^$/d' >"$T/pool.blocks"
owner() { debugfs -R "icheck $1" "$dev" 2>/dev/null | awk 'NR == 2 { print $2 }'; }
ino() { debugfs -R "stat /$1" "$dev" 2>/dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p'; }
b0=$(head -n 1 "$T/pool.blocks")
check "the layout: the pool's $N blocks are contiguous" \
	test "$(wc -l <"$T/pool.blocks")" -eq "$N" -a "$(tail -n 1 "$T/pool.blocks")" -eq $((b0 + N - 1))
check "... the F of its first page lies on a_victim.bin's blocks" \
	test "$(owner $((b0 - P / BS)))" = "$(ino a_victim.bin)"
check "... the F of its page P/4K is its own first block" \
	test "$(owner $((b0 + P / BS - P / BS)))" = "$(ino b_pool.bin)"
losetup -d "$dev"
dev=
dd if="$img" of="$T/victim.before" bs=$BS skip=$((L0 / BS + b0 - P / BS)) count=$((P / BS)) status=none
# the stores, page by page in order, where the kernel put them: F = L - P
dd if="$T/pool.data" of="$img" bs=$BS seek=$(((L0 - P) / BS + b0)) conv=notrunc status=none
check "the stores changed the victim's blocks" \
	sh -c '! dd if="$1" bs=4096 skip=$2 count=$3 status=none | cmp -s - "$4"' sh \
	"$img" $((L0 / BS + b0 - P / BS)) $((P / BS)) "$T/victim.before"

"$PMEMSCAN" --json --hash none "$img" >"$T/scan.json" 2>/dev/null
cls() { jq -r --arg p "$1" '.namespaces[0].split.files[] | select(.path == $p) | .class' "$T/scan.json"; }
check "the scan classes b_pool.bin mmap (its L holds only its own stores)" test "$(cls /b_pool.bin)" = mmap
check "... and a_victim.bin write" test "$(cls /a_victim.bin)" = write
check "... c_tail.bin (write(), zeros in its second half, no store, no pool header) write" \
	test "$(cls /c_tail.bin)" = write
check "the pool's victims: a_victim.bin and its own first blocks, $((P / BS)) each" \
	test "$(jq -r '[.namespaces[0].split.files[] | select(.path == "/b_pool.bin") | .victims[] |
		"\(.kind) \(.path) \(.blocks)"] | sort | join(",")' "$T/scan.json")" = \
	"file /a_victim.bin $((P / BS)),file /b_pool.bin $((P / BS))"
"$PMEMSCAN" extract "$img" -o "$T/x" --quiet >/dev/null 2>&1
check "default extract gives b_pool.bin exactly the pages stored through the mapping" \
	test "$(sha "$T/x/b_pool.bin")" = "$(sha "$T/pool.data")"
check "... c_tail.bin its write() data" \
	test "$(sha "$T/x/c_tail.bin")" = "$( { head -c "$P" "$T/tree/c_tail.bin"; head -c "$P" /dev/zero; } | sha256sum | cut -d' ' -f1)"
check "... and a_victim.bin its current read() view (its last half: the pool's first stores)" \
	test "$(sha "$T/x/a_victim.bin")" = \
	"$( { head -c "$P" "$T/tree/a_victim.bin"; head -c "$P" "$T/pool.data"; } | sha256sum | cut -d' ' -f1)"
done_testing
