#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/support/mkfx-pfn (the fixture info-block writer) against the real
# `ndctl write-infoblock` byte for byte, and against the numbers the spec
# (§7.1, §8) gives for the kernel eras.
. "$top_srcdir/tests/support/lib.sh"
MKFX=$top_builddir/tests/support/mkfx-pfn
[ -x "$MKFX" ] || skip_all "tests/support/mkfx-pfn not built"

# ---- ndctl era: byte-identical 8 KiB with the same uuids ----
U=0b5b1a2e-6a4f-4c1e-9d2a-6f1b3c4d5e6f
# same_block NDCTL_EXIT MKFX_EXIT ND_HEAD ME_HEAD: both wrote, ndctl's has
# an info block signature at 4096, and the two first 8 KiB are identical
same_block() {
	[ "$1" -eq 0 ] || { echo "ndctl write-infoblock exit $1" >&2; return 1; }
	[ "$2" -eq 0 ] || { echo "mkfx-pfn exit $2" >&2; return 1; }
	tail -c 4096 "$3" | head -c 16 | grep -qa 'NVDIMM_' || { echo "no info block in $3" >&2; return 1; }
	same "$3" "$4"
}
PU=5a5a5a5a-1111-4222-8333-444455556666
if [ -n "${NDCTL:-}" ]; then
	n=0
	# size offset align kind map
	while read -r sz off al kind map; do
		n=$((n + 1))
		nd=$T/nd$n.img; me=$T/me$n.img
		truncate -s "$sz" "$nd"
		"$NDCTL" write-infoblock -o "$nd" -O "$off" -a "$al" -m "$kind" -M "$map" \
			-u "$U" -p "$PU" >/dev/null 2>&1; ndrc=$?
		mode=pmem; [ "$map" = mem ] && mode=ram
		"$MKFX" --era ndctl --size "$sz" --phys-base "$off" --align "$al" \
			--kind "$kind" --mode "$mode" --uuid "$U" --parent-uuid "$PU" "$me" >"$T/me$n.layout"; merc=$?
		# (two images nobody wrote a block into are equal too: zeros)
		head -c 8192 "$nd" >"$nd.head"; head -c 8192 "$me" >"$me.head"
		check "ndctl era == ndctl write-infoblock: -s $sz -O $off -a $al -m $kind -M $map" \
			same_block "$ndrc" "$merc" "$nd.head" "$me.head"
	done <<'LIST'
512M 0 2M fsdax dev
16G 0x577c000000 2M fsdax dev
1G 8K 2M fsdax dev
1G 0x577c000000 128M fsdax dev
300M 0 2M fsdax mem
2G 0 1G devdax dev
64M 0 4K devdax dev
132M 0x577c000000 2M fsdax dev
130M 0x1000 2M devdax mem
LIST
	# and what read-infoblock says equals what mkfx-pfn printed
	"$NDCTL" read-infoblock -j -i "$T/me2.img" 2>/dev/null >"$T/ri.json"
	for k in dataoff npfns start_pad end_trunc align; do
		want=$(sed -n "s/^$k=//p" "$T/me2.layout")
		got=$(jq ".[0].$k" "$T/ri.json")
		same_value "read-infoblock $k ($got) equals the printed layout ($want)" "$got" "$want"
	done
else
	skip "ndctl era == ndctl write-infoblock" "ndctl not installed: byte comparison skipped"
fi

# ---- kernel eras: the spec's worked numbers ----
lay() { "$MKFX" --no-write "$@" | tr '\n' ' '; }
has() { # has DESCRIPTION "k=v k=v" ARGS...
	d=$1; want=$2; shift 2
	got=$(lay "$@")
	for kv in $want; do
		case " $got " in
		*" $kv "*) ;;
		*) not_ok "$d: wanted $kv, got: $got"; return;;
		esac
	done
	ok "$d"
}
I76="--phys-base 0x577c000000 --region-below 0x577c000000"
has "F4 ndctl#76 132 MiB: P=64M D=0x400000" \
	"start_pad=67108864 end_trunc=0 dataoff=4194304 npfns0=32768 npfns=16384 version=1.2 legacy_data=71303168 fixed_data=4194304" \
	--era F4 --size 132M $I76
has "F4 ndctl#76 16 GiB: D=0x10200000" \
	"start_pad=67108864 dataoff=270532608 npfns0=4194304 npfns=4111872 legacy_data=337641472 legacy_size=16842227712" \
	--era F4 --size 16G $I76
has "F4 ndctl#76 252 GiB: D=0xFC200000" \
	"start_pad=67108864 dataoff=4229955584 npfns0=66060288 npfns=65011200" \
	--era F4 --size 252G $I76
has "F8 re-creation of the 16 GiB namespace: P=0, 1.4" \
	"start_pad=0 dataoff=270532608 npfns=4128256 version=1.4 page_size=4096 page_struct_size=64" \
	--era F8 --size 16G --phys-base 0x577c000000
has "F8 512 MiB checked vector" "dataoff=10485760 npfns0=131070 npfns=128512" --era F8 --size 512M
has "F7 equals F8 for an aligned base" "dataoff=10485760 npfns=128512 version=1.4" --era F7 --size 512M
has "F6 writes 1.3 without page sizes" "dataoff=10485760 version=1.3 page_size=0" --era F6 --size 512M
has "F9 reserves 128 bytes per page" "dataoff=18874368 page_struct_size=128" --era F9 --size 512M
has "F2/F3 ignore another region in the section" "start_pad=0" --era F3 --size 16G $I76
has "F2 pads for System RAM: 1.1, P" "start_pad=67108864 version=1.1" \
	--era F2 --size 16G --phys-base 0x577c000000 --ram-below 0x577a000000
has "F5 pads for a region, no devdax reserve" "start_pad=67108864 dataoff=270532608" \
	--era F5 --size 16G --kind devdax $I76
has "F4 devdax adds the 128 KiB label reserve (ram mode, 4K align)" "dataoff=139264" \
	--era F4 --size 1G --kind devdax --mode ram --align 4K
has "F5 devdax has no label reserve (ram mode, 4K align)" "dataoff=8192" \
	--era F5 --size 1G --kind devdax --mode ram --align 4K
has "F4 end not aligned: end_trunc down to the section (min of both)" "end_trunc=3145728" \
	--era F4 --size 131M --phys-base 0x100000000
has "F3 memmap rounded to HPAGE: same D at 16G" "dataoff=270532608" \
	--era F3 --size 16G --phys-base 0x577c000000 --ram-below 0x5779000000
has "F8 end truncated to 2 MiB" "end_trunc=1048576" --era F8 --size 131M
expect_exit 1 "F8 refuses a base not 2 MiB aligned" "$MKFX" --no-write --era F8 --size 1G --phys-base 0x100001000
expect_exit 1 "F4 refuses when nothing is left for data" "$MKFX" --no-write --era F4 --size 64M $I76

# ---- determinism and the written block ----
"$MKFX" --era F4 --size 132M $I76 --seed 7 --ns-offset 1M "$T/a.img" >"$T/a.lay"
"$MKFX" --era F4 --size 132M $I76 --seed 7 --ns-offset 1M "$T/b.img" >"$T/b.lay"
same_output "same seed, same bytes" "$T/a.img" "$T/b.img"
check "block written at ns-offset + 4096" sh -c "dd if='$T/a.img' bs=4096 skip=257 count=1 status=none | head -c 15 | grep -q NVDIMM_PFN_INFO"
check "image sized ns-offset + size, sparse" sh -c "[ \$(stat -c %s '$T/a.img') -eq $((133 * 1048576)) ] && [ \$(du -k '$T/a.img' | cut -f1) -le 64 ]"
if [ -n "${NDCTL:-}" ]; then
	dd if="$T/a.img" of="$T/cut.img" bs=1M skip=1 status=none
	"$NDCTL" read-infoblock -j -i "$T/cut.img" 2>/dev/null >"$T/cut.json"
	check "ndctl reads the F4 block: version 1.2, start_pad 64M" \
		test "$(jq -r '.[0] | "\(.version) \(.start_pad) \(.dataoff)"' "$T/cut.json")" = "1.2 67108864 4194304"
	check "ndctl --verify accepts the checksum (parent uuid given)" \
		"$NDCTL" read-infoblock -V -i "$T/cut.img" >/dev/null 2>&1
else
	skip "ndctl reads the F4 block" "ndctl not installed"
fi
done_testing
