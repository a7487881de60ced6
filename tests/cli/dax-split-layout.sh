#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 25: files split by a legacy start_pad namespace under DAX, laid out
# as the real kernel lays them out (spec §7.2, tests/kernel/README.md "Facts
# the kernel showed": Debian 6.1 and 6.12 put every write() page at
# L = B + P + D + g and every store through a shared mapping at
# F = B + D + g = L - P). The namespace gets a legacy pfn block
# (tests/support/mkfx-pfn, the kernel accepts such a block silently); the
# filesystem is made by mkfs.ext4 through a loop device at the legacy data
# start B + P + D, exactly where the kernel's block device starts, and the
# files are written through that loop device (block I/O: their data lands
# at L, as write() under DAX does). A file the kernel would have written
# only through a mapping is allocated and zeroed the same way (a DAX fault
# on a hole allocates the block and zeroes it through block I/O: zeros at
# L), and its stores are placed with dd at F = L - P, over whatever lies
# there: another file's blocks (that file is the victim: its read() view
# now shows the stores), filesystem metadata, free space, a preallocated
# extent. Two geometries the harness measured: dataoff D larger than
# start_pad P (mkfx-pfn F4 256 MiB: P 4 MiB, D 6 MiB) and smaller (the
# ndctl issue #76 block of tests/kernel: P 64 MiB, D 18 MiB).
. "$top_srcdir/tests/support/lib.sh"
. "$top_srcdir/tests/support/loop-dax.sh"
shas() { sha256sum | cut -d' ' -f1; }

# mk_ns IMG SIZE ERA-ARGS...: a namespace image with a planted legacy block;
# sets P, D, L0 from mkfx-pfn's layout
mk_ns() {
	img=$1 size=$2
	shift 2
	truncate -s "$size" "$img"
	"$mkfx" "$@" "$img" >"$img.layout" || return 1
	P=$(sed -n 's/^start_pad=//p' "$img.layout")
	D=$(sed -n 's/^dataoff=//p' "$img.layout")
	L0=$(sed -n 's/^legacy_data=//p' "$img.layout")
	[ "$L0" -eq $((P + D)) ]
}
# attach IMG: the loop device of the kernel's block device (sector 0 at L0)
attach() { dev=$(losetup -f --show -o "$L0" --sizelimit $(($(stat -c %s "$1") - L0)) "$1"); }
detach() { losetup -d "$dev"; dev=; }
# blocks NAME: the file's blocks (debugfs on the loop device), one a line
blocks() { debugfs -R "blocks /$1" "$dev" 2>/dev/null | tr ' ' '\n' | sed '/^$/d'; }
# owner BLOCK: the inode owning a block, or "none"
owner() { debugfs -R "icheck $1" "$dev" 2>/dev/null | awk 'NR == 2 { print ($2 ~ /^[0-9]+$/) ? $2 : "none" }'; }
ino() { debugfs -R "stat /$1" "$dev" 2>/dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p'; }
# store IMG BLOCKS-FILE FROM TO DATA: the stores to file blocks FROM..TO-1
# (DATA's 4 KiB pages FROM..TO-1) go where the kernel put them: F = L - P
store() {
	n=0
	while read -r b; do
		if [ "$n" -ge "$3" ] && [ "$n" -lt "$4" ]; then
			dd if="$5" of="$1" bs=$BS skip="$n" seek=$(((L0 - P) / BS + b)) count=1 \
				conv=notrunc status=none
		fi
		n=$((n + 1))
	done <"$2"
}
# cut FILE FROM TO: its 4 KiB pages FROM..TO-1
cut4k() { dd if="$1" bs=$BS skip="$2" count=$(($3 - $2)) status=none; }

# ==== geometry 1: dataoff > start_pad (P 4 MiB, D 6 MiB, L0 10 MiB) ====
img=$T/ns.img
mk_ns "$img" 256M --era F4 --size 256M --phys-base 0x577FC00000 --region-below 0x577FC00000 ||
	skip_all "mkfx-pfn did not give a legacy block with start_pad"
check "geometry 1: dataoff $D > start_pad $P" test "$D" -gt "$P"
# the files, made by mkfs.ext4 -d through the loop device (mke2fs 1.47
# writes them in name order, each after the previous, so the F positions
# are known), then rewritten through the mounted filesystem:
#  a_meta.bin    written only through a mapping; the first file, so its F
#                (P lower) lies in the inode tables: metadata
#  b_victim.bin  8 MiB by write()
#  c_pool.bin    only through a mapping; its F lies on b_victim.bin's blocks
#  d_spacer.bin  4 MiB, zeroed and removed below: free space
#  e_mixed.bin   64 KiB by write(), then its second half stored through a
#                mapping: F on the freed spacer (free, zeros)
#  f_v2.bin      32 KiB by write()
#  g_sp2.bin     zeroed and removed below
#  h_mixed2.bin  64 KiB by write(), its pages 12-15 then stored through a
#                mapping; F of its pages 0-7 lies on f_v2.bin (another
#                file's data: ambiguous), of 8-15 on the freed g_sp2.bin
# A file written only through a mapping has zeros at L (the DAX fault
# allocated its blocks and zeroed them through block I/O): its blocks are
# allocated by mkfs with placeholder bytes (mke2fs -d leaves zero blocks
# as holes), then zeroed in place through the mounted filesystem.
mkdir "$T/tree"
for f in meta pool; do
	head -c 65536 /dev/urandom >"$T/$f.data"
done
for f in mixed.write mixed.store mixed2.write mixed2.store; do head -c 65536 /dev/urandom >"$T/$f"; done
head -c 65536 /dev/urandom >"$T/tree/a_meta.bin"
head -c 8388608 /dev/urandom >"$T/tree/b_victim.bin"
head -c 65536 /dev/urandom >"$T/tree/c_pool.bin"
head -c "$P" /dev/urandom >"$T/tree/d_spacer.bin"
cp "$T/mixed.write" "$T/tree/e_mixed.bin"
head -c 32768 /dev/urandom >"$T/tree/f_v2.bin"
head -c $((P - 32768)) /dev/urandom >"$T/tree/g_sp2.bin"
cp "$T/mixed2.write" "$T/tree/h_mixed2.bin"
attach "$img" || skip_all "losetup failed"
mkfs.ext4 -q -F -b $BS -d "$T/tree" "$dev" >/dev/null 2>&1 || skip_all "mkfs.ext4 -d on the loop device failed"
mount "$dev" "$T/mnt" || skip_all "mount of the loop device failed"
for f in a_meta c_pool d_spacer g_sp2; do
	n=$(stat -c %s "$T/mnt/$f.bin")
	head -c "$n" /dev/zero | dd of="$T/mnt/$f.bin" bs=$BS conv=notrunc,fsync status=none
done
rm "$T/mnt/d_spacer.bin" "$T/mnt/g_sp2.bin"
umount "$T/mnt"
for f in a_meta c_pool e_mixed h_mixed2 b_victim f_v2; do blocks $f.bin >"$T/${f#??}.blocks"; done
first() { head -n 1 "$T/$1.blocks"; }
pool_f=$(($(first pool) - P / BS)) meta_f=$(($(first meta) - P / BS))
check "the layout: meta.bin's F lies in filesystem metadata (owned by no inode)" \
	sh -c '[ "$(debugfs -R "testb $1" "$2" 2>/dev/null)" = "Block $1 marked in use" ] && [ "$3" = none ]' \
	sh "$meta_f" "$dev" "$(owner "$meta_f")"
check "... pool.bin's F lies on victim.bin's blocks" test "$(owner "$pool_f")" = "$(ino b_victim.bin)"
check "... mixed.bin's F on free blocks" \
	sh -c '[ "$(debugfs -R "testb $1" "$2" 2>/dev/null)" = "Block $1 not in use" ]' sh \
	"$(($(first mixed) - P / BS))" "$dev"
check "... mixed2.bin's first 8 F positions on v2.bin, the rest free" \
	sh -c '[ "$1" = "$2" ] && [ "$(debugfs -R "testb $3" "$4" 2>/dev/null)" = "Block $3 not in use" ]' sh \
	"$(owner $(($(first mixed2) - P / BS)))" "$(ino f_v2.bin)" "$(($(sed -n 9p "$T/mixed2.blocks") - P / BS))" "$dev"
check "... every block of these files contiguous and above start_pad (D + g >= P: no oops)" \
	sh -c 'for f in meta pool mixed mixed2; do [ "$(wc -l <"$1/$f.blocks")" -ge 8 ] && [ "$(head -n 1 "$1/$f.blocks")" -ge $(($2 / 4096)) ] || exit 1; done' sh "$T" "$P"
detach
# the victim's read view before the stores, for the record
cut4k "$img" $((L0 / BS + pool_f)) $((L0 / BS + pool_f + 16)) >"$T/victim.before"
# the stores, where the kernel put them
store "$img" "$T/meta.blocks" 0 16 "$T/meta.data"
store "$img" "$T/pool.blocks" 0 16 "$T/pool.data"
store "$img" "$T/mixed.blocks" 8 16 "$T/mixed.store"
store "$img" "$T/mixed2.blocks" 12 16 "$T/mixed2.store"
# what each writer last saw
cp "$T/pool.data" "$T/pool.want"
cp "$T/meta.data" "$T/meta.want"
{ cut4k "$T/mixed.write" 0 8; cut4k "$T/mixed.store" 8 16; } >"$T/mixed.want"
{ cut4k "$T/mixed2.write" 0 12; cut4k "$T/mixed2.store" 12 16; } >"$T/mixed2.want"
differ_value "the victim's 64 KiB at c_pool.bin's F are now its stores (the kernel overwrote them)" \
	"$(sha "$T/victim.before")" "$(cut4k "$img" $((L0 / BS + pool_f)) $((L0 / BS + pool_f + 16)) | shas)"

# ---- the scan ----
rc=0
"$PMEMSCAN" --json --hash none "$img" >"$T/scan.json" 2>"$T/scan.err" || rc=$?
same_value "scan exits 1: mmap-written and mixed files found (one file, two contents)" "$rc" 1
jf() { jq -r --arg p "$1" ".namespaces[0].split.files[] | select(.path == \$p) | $2" "$T/scan.json"; }
same_value "pool.bin (L zero, data at F over victim.bin) is mmap, not unknown (the victim rule)" \
	"$(jf /c_pool.bin .class)" mmap
same_value "... its victim is /b_victim.bin, 16 blocks from its F, whose current bytes are the stores" \
	"$(jf /c_pool.bin '.victims[] | "\(.kind) \(.path) \(.blocks) \(.first_offset) \(.victim_bytes_are_stores)"')" \
	"file /b_victim.bin 16 $((L0 - P + $(first pool) * BS)) true"
same_value "meta.bin (L zero, data at F over metadata) is mmap, its victim the metadata" \
	"$(jf /a_meta.bin '"\(.class) \(.victims[] | "\(.kind) \(.blocks)")"')" "mmap metadata 16"
same_value "mixed.bin is mixed: 8 blocks from L, 8 from F (stores over its write() data), none ambiguous" \
	"$(jf /e_mixed.bin '"\(.class) \(.provenance.from_l) \(.provenance.from_f) \(.provenance.ambiguous) \(.provenance.rules["both-written"])"')" \
	"mixed 8 8 0 8"
same_value "... its only victim: the free blocks its stores landed on" \
	"$(jf /e_mixed.bin '[.victims[] | "\(.kind) \(.blocks)"] | join(",")')" "free 8"
same_value "mixed2.bin: 4 from F, 8 ambiguous (write() data at L, F on v2.bin), 4 from L" \
	"$(jf /h_mixed2.bin '"\(.class) \(.provenance.from_f) \(.provenance.ambiguous) \(.provenance.from_l)"')" "mixed 4 8 4"
same_value "... the ambiguous blocks listed: bytes 0-32768" \
	"$(jf /h_mixed2.bin '.provenance.ambiguous_ranges | map("\(.[0])-\(.[1])") | join(",")')" "0-32768"
same_value "... its victims name only real stores: 4 free blocks, not v2.bin" \
	"$(jf /h_mixed2.bin '[.victims[] | "\(.kind) \(.path) \(.blocks)"] | join(",")')" "free null 4"
same_value "victim.bin and v2.bin are write() files" "$(jf /b_victim.bin .class) $(jf /f_v2.bin .class)" "write write"
"$PMEMSCAN" --hash none "$img" >"$T/scan.txt" 2>&1
check "the text report names the victim and says its current bytes are the stores, not recoverable" \
	grep -q "landed on /b_victim.bin (its data: the victim; its current bytes there are these stores, its earlier content is not recoverable from this image): 16 blocks" "$T/scan.txt"
check "... and lists mixed2.bin's ambiguous blocks" \
	grep -q "ambiguous blocks kept from L .*bytes 0-32768" "$T/scan.txt"
"$PMEMSCAN" --html "$T/scan.html" --hash none "$img" >/dev/null 2>&1
check "the HTML page lists the ambiguous blocks and the victim" \
	sh -c 'grep -q "class=\"ambiguous\">ambiguous blocks kept from L" "$1" && grep -q "its current bytes there are these stores" "$1"' sh "$T/scan.html"

# ---- extract ----
"$PMEMSCAN" extract "$img" -o "$T/auto" --quiet 2>"$T/auto.err"
for f in c_pool a_meta e_mixed h_mixed2; do
	same_value "extract (default --view auto): $f.bin is what its writer last saw" \
		"$(sha "$T/auto/$f.bin")" "$(sha "$T/${f#??}.want")"
done
same_value "... mixed.bin's read view as mixed.bin.read-view: its write() data" \
	"$(sha "$T/auto/e_mixed.bin.read-view")" "$(sha "$T/mixed.write")"
same_value "... victim.bin as read() gives it now: c_pool.bin's stores where c_pool.bin's F lies" \
	"$(cut4k "$T/auto/b_victim.bin" $((pool_f - $(first victim))) $((pool_f - $(first victim) + 16)) | shas)" "$(sha "$T/pool.data")"
check "... the summary names mixed2.bin's 8 ambiguous blocks" \
	grep -q "view merged: /h_mixed2.bin: 8 block(s) of ambiguous provenance kept from L" "$T/auto.err"
"$PMEMSCAN" extract "$img" --view merged -o "$T/merged" --quiet 2>"$T/merged.err"
same_value "extract --view merged: mixed2.bin as its writer last saw it, and no read-view copy" \
	"$(sha "$T/merged/h_mixed2.bin") $(ls "$T/merged" | grep -c read-view)" "$(sha "$T/mixed2.want") 0"
check "... its summary says view merged" grep -q "view merged (--view merged)" "$T/merged.err"

# ---- repair --merge-mmap ----
rc=0
"$PMEMSCAN" repair "$img" --assume-aligned --merge-mmap -o "$T/rep.img" >"$T/rep.txt" 2>&1 || rc=$?
same_value "repair --merge-mmap -o COPY exits 0 (its re-scan checks every file)" "$rc" 0
check "... the plan names mixed2.bin's ambiguous blocks and the victim" \
	sh -c 'grep -q "mixed2.bin (inode [0-9]*): 8 block(s) of ambiguous provenance kept from L" "$1" && grep -q "over /b_victim.bin .*its earlier content is not recoverable" "$1"' sh "$T/rep.txt"
"$PMEMSCAN" extract "$T/rep.img" -o "$T/rep" --quiet 2>/dev/null
for f in c_pool a_meta e_mixed h_mixed2; do
	same_value "after the merge read() gives $f.bin as its writer last saw it" \
		"$(sha "$T/rep/$f.bin")" "$(sha "$T/${f#??}.want")"
done
same_value "... victim.bin as it read before the merge" "$(sha "$T/rep/b_victim.bin")" "$(sha "$T/auto/b_victim.bin")"

# ==== geometry 2: dataoff < start_pad (P 64 MiB, D 18 MiB: tests/kernel's block) ====
img=$T/ns2.img
mk_ns "$img" 1G --era F4 --size 1G --phys-base 0x577c000000 --region-below 0x577c000000 ||
	skip_all "mkfx-pfn did not give the harness's block"
check "geometry 2: dataoff $D < start_pad $P" test "$D" -lt "$P"
attach "$img"
mkfs.ext4 -q -F -b $BS "$dev" >/dev/null 2>&1
mount "$dev" "$T/mnt"
# as the harness's guest: a fallocated filler of P + 32 MiB first, so that
# the files lie above P (D + g < P oopses the kernel) and their F positions
# in the filler's unwritten extents
fallocate -l $((P + 32 * 1048576)) "$T/mnt/filler" && sync
head -c 65536 /dev/urandom >"$T/xb.write"
head -c 65536 /dev/urandom >"$T/xb.store"
cp "$T/xb.write" "$T/mnt/xb.bin" && sync
umount "$T/mnt"
blocks xb.bin >"$T/xb.blocks"
check "the layout: xb.bin above start_pad, its F in the filler's unwritten extent" \
	sh -c '[ "$(head -n 1 "$1")" -ge $(($2 / 4096)) ] && [ "$3" = "$4" ]' sh "$T/xb.blocks" "$P" \
	"$(owner $(($(head -n 1 "$T/xb.blocks") - P / BS)))" "$(ino filler)"
detach
store "$img" "$T/xb.blocks" 4 12 "$T/xb.store"
{ cut4k "$T/xb.write" 0 4; cut4k "$T/xb.store" 4 12; cut4k "$T/xb.write" 12 16; } >"$T/xb.want"
"$PMEMSCAN" --json --hash none "$img" >"$T/scan2.json" 2>/dev/null
same_value "xb.bin is mixed: 8 blocks both written (stores over write() data), taken from F" \
	"$(jq -r '.namespaces[0].split.files[] | select(.path == "/xb.bin") | "\(.class) \(.provenance.from_f) \(.provenance.ambiguous)"' "$T/scan2.json")" \
	"mixed 8 0"
"$PMEMSCAN" extract "$img" -o "$T/auto2" --quiet 2>/dev/null
same_value "extract: xb.bin as its writer last saw it (write() pages 0-3 and 12-15, stores 4-11)" \
	"$(sha "$T/auto2/xb.bin")" "$(sha "$T/xb.want")"
rc=0
"$PMEMSCAN" repair "$img" --assume-aligned --merge-mmap -o "$T/rep2.img" >/dev/null 2>&1 || rc=$?
"$PMEMSCAN" extract "$T/rep2.img" -o "$T/rep2" --quiet 2>/dev/null
same_value "repair --merge-mmap exits 0 and read() then gives xb.bin's merged content" \
	"$rc $(sha "$T/rep2/xb.bin")" "0 $(sha "$T/xb.want")"
done_testing
