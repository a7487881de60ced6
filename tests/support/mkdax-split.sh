# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by tests: mk_dax_split DIR builds DIR/ns.img, a legacy start_pad
# namespace (mkfx-pfn era F4: start_pad 4 MiB, dataoff 6 MiB, data at
# 10 MiB) holding an ext4 made by mke2fs -d, with what a kernel's DAX did
# imitated by hand: m.bin (a PMDK-looking pool) moved whole start_pad lower
# (to F = base + dataoff + g, zeros left at L), x.bin from its 9th block on,
# w.bin left alone; under it a freed 6 MiB file so F lands on free blocks.
# Also left in DIR: tree/ (the files as written), clean.img (before the
# moves), fs.img, layout, and m/x/hole.blocks (the files' block numbers).
# Returns non-zero with the reason in DIR/why when it cannot build it.
# Needs MKE2FS, DEBUGFS, top_builddir. MDS_EXTRA (optional): a directory
# whose files go into the filesystem's root too.
mk_dax_split() {
	d=$1
	mkfx=$top_builddir/tests/support/mkfx-pfn
	P=$((4 * 1048576)) L0=$((10 * 1048576))
	[ -n "$MKE2FS" ] && [ -n "$DEBUGFS" ] || { echo "e2fsprogs not installed" >"$d/why"; return 1; }
	[ -x "$mkfx" ] || { echo "tests/support/mkfx-pfn not built" >"$d/why"; return 1; }
	mkdir -p "$d/tree"
	head -c $((6 * 1048576)) /dev/urandom >"$d/tree/hole.bin"
	head -c 40000 /dev/urandom >"$d/tree/w.bin"
	# m.bin starts like a PMDK obj pool; where its layout name would be
	# (4 KiB in), 1023 bytes of noise with no NUL, so the scan always meets
	# a long layout of noise (a random one would end at its first NUL)
	{ printf 'PMEMOBJ\0'; head -c 4088 /dev/urandom; head -c 1023 /dev/urandom | tr '\0' '\1'
	  printf '\0'; head -c $((65536 - 5120)) /dev/urandom; } >"$d/tree/m.bin"
	head -c 65536 /dev/urandom >"$d/tree/x.bin"
	[ -z "${MDS_EXTRA:-}" ] || cp -a "$MDS_EXTRA/." "$d/tree/"
	img=$d/ns.img
	truncate -s 256M "$img"
	"$mkfx" --era F4 --size 256M --phys-base 0x577FC00000 --region-below 0x577FC00000 "$img" >"$d/layout"
	[ "$(sed -n 's/^start_pad=//p' "$d/layout") $(sed -n 's/^legacy_data=//p' "$d/layout")" = "$P $L0" ] ||
		{ echo "mkfx-pfn layout is not start_pad 4 MiB, data at 10 MiB" >"$d/why"; return 1; }
	$MKE2FS -q -F -t ext4 -b 4096 -O ^has_journal -d "$d/tree" "$d/fs.img" $((246 * 1024))K >/dev/null 2>&1 ||
		{ echo "mke2fs -d failed" >"$d/why"; return 1; }
	mds_blocks hole.bin >"$d/hole.blocks"
	$DEBUGFS -w -R "rm hole.bin" "$d/fs.img" >/dev/null 2>&1
	mds_blocks m.bin >"$d/m.blocks"
	mds_blocks x.bin >"$d/x.blocks"
	dd if="$d/fs.img" of="$img" bs=1M seek=10 conv=notrunc status=none
	# a freed block keeps its bytes: zero them (free space never written)
	while read -r b; do
		dd if=/dev/zero of="$img" bs=4096 seek=$((L0 / 4096 + b)) count=1 conv=notrunc status=none
	done <"$d/hole.blocks"
	cp "$img" "$d/clean.img"
	mds_move "$d/m.blocks" 0
	mds_move "$d/x.blocks" 8
}
# mds_blocks NAME: the file's block numbers in fs.img, one a line
mds_blocks() { $DEBUGFS -R "blocks /$1" "$d/fs.img" 2>/dev/null | tr ' ' '\n' | sed '/^$/d'; }
# mds_move BLOCKS-FILE FIRST: its blocks from the FIRST-th on go start_pad lower
mds_move() {
	n=0
	while read -r b; do
		n=$((n + 1))
		[ "$n" -gt "$2" ] || continue
		dd if="$img" of="$d/blk" bs=4096 skip=$((L0 / 4096 + b)) count=1 status=none
		dd if="$d/blk" of="$img" bs=4096 seek=$(((L0 - P) / 4096 + b)) conv=notrunc status=none
		dd if=/dev/zero of="$img" bs=4096 seek=$((L0 / 4096 + b)) count=1 conv=notrunc status=none
	done <"$1"
}
