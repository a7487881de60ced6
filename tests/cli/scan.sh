#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pmemscan IMAGE: field-for-field agreement with ndctl, the start_pad verdicts,
# and bad input.
. "$top_srcdir/tests/support/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"
[ -n "$NDCTL" ] || skip_all "ndctl not installed"

# ---- agreement with ndctl read-infoblock, field for field ----
n=0
for args in "-s 512M" "-s 2G -a 1G -m devdax" "-s 300M -M mem" "-s 2G -O 0x577c000000" \
	    "-s 1G -O 0x577c000000 -a 128M" "-s 64M -m devdax -a 4K" "-s 1G -O 8K"; do
	n=$((n + 1))
	img=$T/ndctl$n.img
	sz=$(echo "$args" | sed 's/.*-s \([^ ]*\).*/\1/')
	truncate -s "$sz" "$img"
	# shellcheck disable=SC2086
	$NDCTL write-infoblock -o "$img" $(echo "$args" | sed 's/-s [^ ]*//') >/dev/null 2>&1
	$NDCTL read-infoblock -j -i "$img" 2>/dev/null | jq -S '.[0] | del(.file)' >"$T/ndctl.json"
	"$PMEMSCAN" --json --hash none "$img" >"$T/ps.json"
	jq -S '.structures[0].fields | del(.checksum)' "$T/ps.json" >"$T/ps-fields.json"
	# (both sides empty or null when ndctl and pmemscan both fail: not equal)
	same_output "fields equal ndctl read-infoblock for write-infoblock $args" \
		"$T/ndctl.json" "$T/ps-fields.json"
	# and the structure is where ndctl put it: offset 4096, namespace 0 at 0
	check "ndctl block ($args) found at 4096, checksum valid" \
		test "$(jq -r '.structures[0] | "\(.offset) \(.checksum) \(.namespace)"' "$T/ps.json")" = "4096 valid 0"
done

# ---- start_pad verdicts (ndctl's --offset makes a start_pad block, as its
# test/align.sh does: x = 0x577c000000, a = 128 MiB: P = D = 64 MiB) ----
mk() {	# mk NAME: 1 GiB namespace with P = 64 MiB, D = 64 MiB, T = 64 MiB
	truncate -s 1G "$T/$1.img"
	$NDCTL write-infoblock -o "$T/$1.img" -O 0x577c000000 -a 128M >/dev/null 2>&1
}
fs_at() {	# fs_at IMG OFFSET_MIB SIZE_MIB [UUID]
	$MKE2FS -q -F -t ext4 -b 4096 \
		-U "${4:-11111111-2222-3333-4444-555555555555}" \
		-E offset=$(($2 * 1048576)) "$1" "$(($3 * 256))" >/dev/null 2>&1
}
verdict() { jq -r ".namespaces[0].verdict | \"\(.result) \(.chosen)\"" "$1"; }

mk legacy; fs_at "$T/legacy.img" 128 512
"$PMEMSCAN" --json "$T/legacy.img" >"$T/legacy.json"; rc=$?
check "legacy-placed ext4: verdict proven legacy" test "$(verdict "$T/legacy.json")" = "proven legacy"
check "legacy-placed ext4: exit 0" test "$rc" -eq 0
check "legacy candidate at base+start_pad+dataoff (128 MiB)" \
	test "$(jq '.namespaces[0].candidates[] | select(.name=="legacy") | .offset' "$T/legacy.json")" = 134217728
check "fixed candidate at base+dataoff (64 MiB)" \
	test "$(jq '.namespaces[0].candidates[] | select(.name=="fixed") | .offset' "$T/legacy.json")" = 67108864
check "legacy probe names ext4 and its uuid" \
	test "$(jq -r '.namespaces[0].candidates[0].probe | "\(.type) \(.uuid) \(.checksum)"' "$T/legacy.json")" = "ext4 11111111-2222-3333-4444-555555555555 valid"
check "next command mounts at the proven offset" \
	sh -c "jq -r '.namespaces[0].verdict.next_commands[]' '$T/legacy.json' | grep -q 'offset=134217728,sizelimit=872415232'"

mk fixed; fs_at "$T/fixed.img" 64 512
"$PMEMSCAN" --hash none --json "$T/fixed.img" >"$T/fixed.json"
check "fixed-placed ext4: verdict proven fixed" test "$(verdict "$T/fixed.json")" = "proven fixed"
"$PMEMSCAN" --hash none "$T/fixed.img" >"$T/fixed.txt"
check "fixed-placed: text says no merged kernel reads it" grep -q "no merged kernel reads this layout" "$T/fixed.txt"

mk both; fs_at "$T/both.img" 64 32 aaaaaaaa-0000-0000-0000-000000000001
fs_at "$T/both.img" 128 512 bbbbbbbb-0000-0000-0000-000000000002
"$PMEMSCAN" --hash none --json "$T/both.img" >"$T/both.json"; rc=$?
check "filesystem at both: verdict ambiguous, nothing chosen" test "$(verdict "$T/both.json")" = "ambiguous null"
check "ambiguous exits 1" test "$rc" -eq 1
check "ambiguous report shows both uuids" \
	test "$(jq -r '[.namespaces[0].candidates[].probe.uuid] | join(",")' "$T/both.json")" = \
	"bbbbbbbb-0000-0000-0000-000000000002,aaaaaaaa-0000-0000-0000-000000000001"

mk neither
"$PMEMSCAN" --hash none --json "$T/neither.img" >"$T/neither.json"; rc=$?
check "no filesystem: verdict no-filesystem" test "$(verdict "$T/neither.json")" = "no-filesystem null"
check "no filesystem exits 1" test "$rc" -eq 1

mk damaged; fs_at "$T/damaged.img" 128 512
# break the primary superblock's checksum (s_checksum at 1024 + 0x3fc)
printf '\377\377\377\377' | dd of="$T/damaged.img" bs=1 seek=$((134217728 + 1024 + 1020)) conv=notrunc status=none
"$PMEMSCAN" --hash none --json "$T/damaged.img" >"$T/damaged.json"
check "damaged superblock: verdict damaged" test "$(verdict "$T/damaged.json")" = "damaged null"
check "damaged superblock: probe says checksum bad" \
	test "$(jq -r '.namespaces[0].candidates[0].probe.checksum' "$T/damaged.json")" = bad

# fs larger than the legacy room: evidence says it would overrun
mk big; fs_at "$T/big.img" 64 900
"$PMEMSCAN" --hash none --json "$T/big.img" >"$T/big.json"
check "fixed-placed fs larger than legacy room: proven fixed" test "$(verdict "$T/big.json")" = "proven fixed"
check "fs size claimed is reported (900 MiB)" \
	test "$(jq '.namespaces[0].candidates[] | select(.name=="fixed") | .probe.fs_size' "$T/big.json")" = 943718400

# physical placement: the ndctl issue-76 numbers
"$PMEMSCAN" --hash none --phys-base 0x577c000000 "$T/legacy.img" >"$T/phys.txt"
check "--phys-base: 64 MiB into its section" grep -q "namespace at 0x577c000000, 64 MiB into its 128 MiB section" "$T/phys.txt"
check "--phys-base: start_pad explained by the section collision" grep -q "exactly the distance to the next section boundary" "$T/phys.txt"
"$PMEMSCAN" --hash none --phys-base 0x577c100000 "$T/legacy.img" >"$T/phys2.txt"
check "--phys-base misaligned: current kernel refusal explained" grep -q 'REFUSES this namespace: "resource start misaligned"' "$T/phys2.txt"

# a saved /proc/iomem places the image (the entry as large as it) and names
# who shared its first section
printf '%s\n' "00001000-5779ffffff : System RAM" "187c000000-967bffffff : Persistent Memory" \
	"  577c000000-57bbffffff : namespace1.0" >"$T/iomem"
"$PMEMSCAN" --hash none --iomem "$T/iomem" "$T/legacy.img" >"$T/iomem.txt"
check "--iomem: placed by the namespace1.0 entry" grep -q 'physical address of offset 0: 0x577c000000 (.*namespace1.0' "$T/iomem.txt"
check "--iomem: System RAM named as the first-section collision" \
	grep -q 'shares its first section with "System RAM" 0x1000-0x5779ffffff' "$T/iomem.txt"
printf '[{"dev":"namespace1.0","size":1073741824,"resource":"0x577c000000"}]' >"$T/ndctl-list.json"
"$PMEMSCAN" --hash none --json --ndctl-json "$T/ndctl-list.json" "$T/legacy.img" >"$T/ndj.json"
check "--ndctl-json: phys_base from the resource key" \
	test "$(jq .image.phys_base "$T/ndj.json")" = 375742529536

# a raw namespace: no info block, the filesystem at offset 0
truncate -s 64M "$T/raw.img"; fs_at "$T/raw.img" 0 64 cccccccc-0000-0000-0000-000000000003
"$PMEMSCAN" --hash none --json "$T/raw.img" >"$T/raw.json"; rc=$?
check "raw ext4 image: one raw namespace, proven, data at 0, exit 0" \
	test "$(jq -r '[.namespaces[] | "\(.mode) \(.verdict.result) \(.candidates[0].offset)"] | join(";")' "$T/raw.json") $rc" = "raw proven 0 0"

# a region image: a raw namespace at 0, a current fsdax namespace at 64 MiB
truncate -s 512M "$T/ns1.img"; $NDCTL write-infoblock -o "$T/ns1.img" >/dev/null 2>&1
fs_at "$T/ns1.img" 10 256 dddddddd-0000-0000-0000-000000000004
cat "$T/raw.img" "$T/ns1.img" >"$T/region.img"
"$PMEMSCAN" --hash none --json "$T/region.img" >"$T/region.json"
check "region image: raw namespace at 0 and fsdax at 64 MiB, both proven" \
	test "$(jq -r '[.namespaces[] | "\(.offset) \(.mode) \(.verdict.result) \(.candidates[0].probe.uuid)"] | join(";")' "$T/region.json")" = \
	"0 raw proven cccccccc-0000-0000-0000-000000000003;67108864 fsdax proven dddddddd-0000-0000-0000-000000000004"
check "region image: the fsdax data start is 64 MiB + 10 MiB" \
	test "$(jq '.namespaces[1].candidates[0].offset' "$T/region.json")" = 77594624

# a 4 TiB sparse image (a namespace of a huge region at 3 TiB): found, in
# constant memory, without reading the holes
truncate -s 4T "$T/huge.img"
dd if="$T/legacy.img" of="$T/huge.img" bs=1M count=129 seek=$((3 * 1024 * 1024)) conv=notrunc,sparse status=none
/usr/bin/time -f %M -o "$T/huge.rss" "$PMEMSCAN" --json "$T/huge.img" >"$T/huge.json" 2>/dev/null || true
check "4 TiB sparse: the namespace at 3 TiB is found, legacy ext4 proven" \
	test "$(jq -r '[.namespaces[] | "\(.offset) \(.verdict.result) \(.verdict.chosen)"] | join(";")' "$T/huge.json")" = "3298534883328 proven legacy"
check "4 TiB sparse: the report says at most the 129 MiB copied are allocated, and some are" \
	test "$(jq .image.allocated "$T/huge.json")" -le $((129 * 1048576)) -a "$(jq .image.allocated "$T/huge.json")" -gt 0
n=$(bytes_read "$PMEMSCAN" --json "$T/huge.img")
# (at least the 1 MiB of ext4 metadata copied: a scan that died early read little too)
if [ "$n" = skip ]; then skip "4 TiB sparse: the scan read only the data" "strace not installed"
else check "4 TiB sparse: the scan with its digest read the data and only it (1 MiB <= $n bytes < 192 MiB)" \
	test "$n" -ge 1048576 -a "$n" -lt $((192 * 1048576)); fi
check "4 TiB sparse: the sparse digest stands in for sha256" \
	test "$(jq -r '.image | "\(.sha256) \(.sparse_sha256 | length)"' "$T/huge.json")" = "null 64"
check "4 TiB sparse: peak RSS under 64 MiB" test "$(tail -1 "$T/huge.rss")" -lt 65536

# an image tiled with 65536 copies of one valid info block (256 MiB): every
# structure is listed, at most PS_MAX_NS (1024) namespaces are analysed and
# the rest counted, and memory stays bounded in text and JSON alike
dd if="$T/legacy.img" of="$T/blk" bs=4096 skip=1 count=1 status=none
python3 -c "import sys; b = open(sys.argv[1], 'rb').read(); f = open(sys.argv[2], 'wb'); [f.write(b) for _ in range(65536)]" \
	"$T/blk" "$T/tiled.img"
# (the reads it made, from the read system calls /proc counts for this
# shell's children)
sh -c 'sed -n "s/^syscr: //p" /proc/$$/io
	/usr/bin/time -f %M -o "$1.rss" "$PMEMSCAN" --json --hash none "$1.img" >"$1.json" 2>/dev/null
	sed -n "s/^syscr: //p" /proc/$$/io' _ "$T/tiled" >"$T/tiled.syscr"
/usr/bin/time -f %M -o "$T/tiled-text.rss" "$PMEMSCAN" --hash none "$T/tiled.img" >"$T/tiled.txt" 2>/dev/null || true
check "tiled image: all 65536 structures listed, 1024 namespaces analysed" \
	test "$(jq '"\(.structures | length) \(.namespaces | length)"' "$T/tiled.json")" = '"65536 1024"'
check "tiled image: the 64511 namespaces not analysed are reported" \
	grep -q '64511 more namespace(s) found' "$T/tiled.txt"
# each view onto the image is probed once (libblkid's dozens of small reads
# for each): the 1024 namespaces' candidates and earlier layouts, 9217
# views, took 1,022,000 reads when a view was probed up to four times
# (22530 libblkid runs), 423,000 probed once
check "tiled image: the scan made fewer than 600,000 reads ($(awk 'NR == 1 {a = $1} NR == 2 {print $1 - a}' "$T/tiled.syscr"))" \
	test "$(awk 'NR == 1 {a = $1} NR == 2 {print $1 - a}' "$T/tiled.syscr")" -lt 600000
if [ -n "${ASAN_OPTIONS:-}" ]; then	# make check-asan: ASan's quarantine keeps what is freed
	skip "tiled image: peak RSS under 64 MiB" "under AddressSanitizer the peak RSS is the sanitizer's"
else
	check "tiled image: peak RSS under 64 MiB for --json ($(tail -1 "$T/tiled.rss") KiB) and text ($(tail -1 "$T/tiled-text.rss") KiB)" \
		test "$(tail -1 "$T/tiled.rss")" -lt 65536 -a "$(tail -1 "$T/tiled-text.rss")" -lt 65536
fi
rm -f "$T/tiled.img" "$T/tiled.json" "$T/tiled.txt"

# same input, same report, whatever the page cache holds: mke2fs leaves
# unwritten (fallocated) extents, which SEEK_DATA calls data only once their
# pages are cached, so the image is read through between the two runs
cat "$T/legacy.img" >/dev/null
"$PMEMSCAN" --json "$T/legacy.img" >"$T/again.json"
same_output "same input, same report" "$T/legacy.json" "$T/again.json"
check "report carries the image's sha256" \
	test "$(jq -r .image.sha256 "$T/legacy.json")" = "$(sha256sum <"$T/legacy.img" | cut -d' ' -f1)"
# hashing threads change the speed, never the report
for n in 0 1 3; do
	"$PMEMSCAN" --json --threads $n "$T/legacy.img" >"$T/th.json"
	same_output "--threads $n: same report" "$T/legacy.json" "$T/th.json"
	"$PMEMSCAN" --json --hash sparse --threads $n "$T/legacy.img" >"$T/sp$n.json"
	check "--hash sparse --threads $n: sparse_sha256 equals 'digest --sparse', no sha256" \
		test "$(jq -r '.image | "\(.sha256) \(.sparse_sha256)"' "$T/sp$n.json")" = \
		"null $("$PMEMSCAN" digest --sparse "$T/legacy.img" | cut -d' ' -f1)"
done
same_output "--hash sparse: the same report whatever the threads" "$T/sp0.json" "$T/sp3.json"
"$PMEMSCAN" --hash sparse "$T/legacy.img" >"$T/sp.txt"
check "--hash sparse: the text report says why there is no sha256" grep -q 'sparse_sha256 given instead' "$T/sp.txt"

# ---- bad input: one line on stderr, exit 3, nothing on stdout ----
bad() {	# bad DESCRIPTION PATTERN ARGS...
	d=$1; pat=$2; shift 2
	"$PMEMSCAN" "$@" >"$T/out" 2>"$T/err"; rc=$?
	if [ "$rc" -eq 3 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "$pat" "$T/err" && [ ! -s "$T/out" ]; then
		ok "$d"
	else
		not_ok "$d (exit $rc: $(cat "$T/err"))"
	fi
}
: >"$T/empty.img"
bad "--threads out of range" "threads: .99. is not a number from 0 to 64" --threads 99 "$T/legacy.img"
bad "empty file" "empty.img: empty file" "$T/empty.img"
bad "directory" "is a directory" "$T"
bad "missing file" "nope.img: cannot open" "$T/nope.img"
bad "character device" "not a regular file" /dev/null
bad "no image" "no IMAGE" scan
bad "bad --phys-base" "phys-base" --phys-base zz "$T/legacy.img"
bad "two images" "one IMAGE" "$T/legacy.img" "$T/fixed.img"
echo garbage >"$T/iomem-bad"
bad "bad --iomem file" "iomem-bad: line 1: not an iomem line" --iomem "$T/iomem-bad" "$T/legacy.img"
bad "--iomem with no entry of the image's size" "no entry is exactly as large" --iomem "$T/iomem" "$T/ndctl1.img" --hash none
# every field read from the user's ndctl list must have its type (issue
# 21: "dev": null crashed): one line naming the file and the field, exit 3
for f in dev uuid resource size; do
	for v in null '[1]' '{"a":"b"}' true; do
		d='"namespace1.0"' u='"u"' z=1073741824 r='"0x577c000000"'
		case $f in dev) d=$v;; uuid) u=$v;; size) z=$v;; resource) r=$v;; esac
		printf '{"regions":[{"dev":"region1","namespaces":[{"dev":%s,"uuid":%s,"size":%s,"resource":%s}]}]}' \
			"$d" "$u" "$z" "$r" >"$T/nd-bad.json"
		bad "--ndctl-json with \"$f\": $v" \
			"nd-bad.json: regions\[0\]\.namespaces\[0\]: \"$f\": $(echo "$v" | sed 's/\[1\]/array/; s/{.*}/object/; s/true/boolean/'), not " \
			--ndctl-json "$T/nd-bad.json" "$T/legacy.img"
	done
done
printf '[{"dev":"namespace1.0","size":"1.00 GiB (1.07 GB)","resource":"0x577c000000"}]' >"$T/nd-human.json"
bad "--ndctl-json saved with --human: the size is named, not skipped" \
	'nd-human.json: \[0\]: "size": "1.00 GiB (1.07 GB)" is not an integer' --ndctl-json "$T/nd-human.json" "$T/legacy.img"
printf '1000-1fff : System RAM\n  -577c000000-57bbffffff : namespace1.0\n' >"$T/iomem-sign"
bad "--iomem with a signed address: the line and the field" \
	"iomem-sign: line 2: not an iomem line .*field START" --iomem "$T/iomem-sign" "$T/legacy.img"
head -c 1048576 /dev/urandom >"$T/random.img"
expect_exit 2 "random bytes: nothing found, exit 2" "$PMEMSCAN" "$T/random.img" >/dev/null
head -c 8192 "$T/legacy.img" >"$T/trunc.img"; truncate -s 5000 "$T/trunc.img"
"$PMEMSCAN" "$T/trunc.img" >"$T/trunc.txt"; rc=$?
check "truncated info block: reported as truncated, exit 1" sh -c "[ $rc -eq 1 ] && grep -q 'error at 0x1000 \[signature\]: info block truncated' '$T/trunc.txt'"
# ---- a damaged npfns in a block whose checksum is wrong (issue: it was
# blamed on truncation, and the summary said nothing of the checksum) ----
B=$T/badnpfns.img
truncate -s 256M "$B"
$NDCTL write-infoblock -o "$B" >/dev/null 2>&1
doff=$($NDCTL read-infoblock -j -i "$B" 2>/dev/null | jq '.[0].dataoff')
if [ -n "$doff" ] && [ "$doff" != null ] && command -v mkfs.ext4 >/dev/null &&
	mkfs.ext4 -q -F -E offset="$doff" -d "$top_srcdir/docs" "$B" $(( (256 << 10) - doff / 1024 ))k 2>/dev/null; then
	python3 -c 'import struct,sys; f=open(sys.argv[1],"r+b"); f.seek(4096+64); f.write(struct.pack("<Q",10**9))' "$B"
	check "bad npfns: ndctl read-infoblock sees the changed npfns" \
		sh -c "$NDCTL read-infoblock -j -i '$B' 2>/dev/null | jq -e '.[0].npfns == 1000000000' >/dev/null"
	expect_exit 1 "bad npfns: the scan exits 1" "$PMEMSCAN" "$B" >"$T/bn.txt" 2>&1
	check "bad npfns: nothing calls the dump truncated" sh -c "! grep -qi 'dump is truncated\|namespace truncated' '$T/bn.txt'"
	check "bad npfns: the summary's first words about namespace 0 are the checksum and the kernel's refusal" \
		grep -q "^  namespace 0, .*: the kernel will not use its info block as it is: the block's checksum is wrong, so the kernel refuses the block (ENODEV)" "$T/bn.txt"
	check "bad npfns: the summary still says where the ext4 is" grep -q "It holds an ext4 filesystem .* at image offset 0x$(printf %x "$doff")" "$T/bn.txt"
	"$PMEMSCAN" --json "$B" >"$T/bn.json" 2>/dev/null
	same_value "bad npfns: JSON kernel_refuses" "$(jq -r '.namespaces[0].kernel_refuses' "$T/bn.json")" checksum
	same_value "bad npfns: the namespace is the image's size, not npfns' 3.7 TiB" "$(jq -r '.namespaces[0].size' "$T/bn.json")" 268435456
	cp "$B" "$B.ok"; $NDCTL write-infoblock -o "$B.ok" >/dev/null 2>&1
	expect_exit 0 "a good block: the scan exits 0" "$PMEMSCAN" --json "$B.ok" >"$T/ok.json" 2>/dev/null
	check "a good block: JSON kernel_refuses is there and null, the verdict proven" \
		jq -e '.namespaces[0] | has("kernel_refuses") and .kernel_refuses == null and .verdict.result == "proven"' "$T/ok.json"
else
	skip "bad npfns" "mkfs.ext4 -E offset failed"
fi

done_testing
