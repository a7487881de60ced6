#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pmemscan IMAGE with namespace labels: found in a QEMU-style DIMM file, or
# given with --labels for a region image; labels and info blocks agree or
# the disagreement is reported.
. "$top_srcdir/tests/support/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"
[ -n "$NDCTL" ] || skip_all "ndctl not installed"
MKFX=$top_builddir/tests/support/mkfx-labels
D=$T/fx; mkdir -p "$D"
"$MKFX" "$D" >/dev/null || { echo "mkfx-labels failed"; exit 1; }

# QEMU DIMM file: the label area at the end places the namespace
"$PMEMSCAN" --json "$D/qemu.img" >"$T/q.json"
check "qemu DIMM: label area found at the end (structure at 64 MiB)" \
	test "$(jq '[.structures[] | select(.kind=="namespace-index") | .offset] | join(",")' "$T/q.json")" = '"67108864"'
check "qemu DIMM: namespace sized by its label (64 MiB), found by labels + info block" \
	test "$(jq -r '.namespaces[0] | "\(.size) \(.size_source) \(.found_by)"' "$T/q.json")" = "67108864 labels labels + info block"
check "qemu DIMM: labels placed, uuid and name reported" \
	test "$(jq -r '.labels | "\(.placed) \(.namespaces[0].uuid) \(.namespaces[0].name)"' "$T/q.json")" = \
	"true e5e5e5e5-0000-4000-8000-0000000000e5 qemu-fsdax"

# a region + its label area whose labels say more than the data holds
# (issue 26): the label area's bytes are never a namespace's; a namespace
# sized past the data is truncated at the label area, with the labels' size
S=$D/qemu-short.img
$MKE2FS -q -F -t ext4 -b 4096 -U 88888888-0000-4000-8000-000000000008 "$S" 16384 >/dev/null 2>&1
check "fixture: the label area is still at 64 MiB after mkfs" \
	sh -c "'$PMEMSCAN' labels '$S' | grep -q 'big'"
"$PMEMSCAN" --json "$S" >"$T/s.json"
check "labels say 2 GiB on 64 MiB + 128 KiB: one namespace, the labels' 2 GiB, 64 MiB of it present, ext4 proven" \
	test "$(jq -r '[.namespaces[] | "\(.offset) \(.size) \(.present) \(.size_source) \(.verdict.result) \(.candidates[0].probe.uuid)"] | join(";")' "$T/s.json")" = \
	"0 2147483648 67108864 labels proven 88888888-0000-4000-8000-000000000008"
"$PMEMSCAN" "$D/qemu-two.img" >"$T/two.txt"
"$PMEMSCAN" --json "$D/qemu-two.img" >"$T/two.json"
check "two labelled namespaces, the second past the data: 64 MiB (fits, all present), 2 GiB at 64 MiB (none present)" \
	test "$(jq -r '[.namespaces[] | "\(.offset) \(.size) \(.present)"] | join(";")' "$T/two.json")" = \
	"0 67108864 67108864;67108864 2147483648 0"
check "no namespace holds a byte of the label area (offset + present <= 64 MiB)" \
	test "$(jq '[.namespaces[] | select(.offset + .present > 67108864)] | length' "$T/two.json" "$T/s.json" | sort -u)" = 0
check "the text never calls the label area a 128 KiB namespace; the second is truncated with the labels' size" \
	sh -c "! grep -q '128 KiB (size from labels)' '$T/two.txt' &&
		grep -q 'raw at image offset 0x4000000, 2 GiB (size from labels), only 0 B (0%) in the image' '$T/two.txt'"

# the same DIMM after its first namespace was destroyed: the one label left
# has dpa 64 MiB. Labels alone would put the region's start at that dpa and
# the namespace at 0; its info block (parent_uuid = the label's uuid) at
# 64 MiB + 4096 shows the region starts at dpa 0.
Q=$D/qemu-deleted0.img
$MKE2FS -q -F -t ext4 -b 4096 -U 77777777-0000-4000-8000-000000000007 \
	-E offset=$((66 * 1048576)) "$Q" $((32 * 256)) >/dev/null 2>&1
"$PMEMSCAN" --json "$Q" >"$T/q0.json"
check "first namespace deleted: the label is placed at 64 MiB, by evidence" \
	test "$(jq -r '.labels.namespaces[0] | "\(.region_offset) \(.region_offset_assumed)"' "$T/q0.json")" = "67108864 false"
check "first namespace deleted: one namespace, labels + info block, ext4 proven" \
	test "$(jq -r '[.namespaces[] | "\(.offset) \(.mode) \(.found_by) \(.verdict.result) \(.candidates[0].probe.uuid)"] | join(";")' "$T/q0.json")" = \
	"67108864 fsdax labels + info block proven 77777777-0000-4000-8000-000000000007"
"$PMEMSCAN" "$Q" >"$T/q0.txt"
check "first namespace deleted: the report says why the region starts at dpa 0" \
	grep -q "region starts at dpa 0x0, not at the smallest dpa in its labels: .*none is left before it$" "$T/q0.txt"
# two blocks naming the same parent at different places: no inference
cp "$Q" "$T/q2.img"
dd if="$Q" of="$T/q2.img" bs=4096 skip=$((16384 + 1)) seek=$((8192 + 1)) count=1 conv=notrunc status=none
"$PMEMSCAN" --json "$T/q2.img" >"$T/q2.json"
check "disagreeing info blocks: labels keep their own placement" \
	test "$(jq -r '.labels.namespaces[0] | "\(.region_offset) \(.region_offset_assumed)"' "$T/q2.json")" = "0 true"
check "disagreeing info blocks: reported" \
	sh -c "'$PMEMSCAN' '$T/q2.img' | grep -q 'info blocks disagree on where DIMM 0.s region starts'"

# a 2-DIMM interleaved region given with its two label dumps: the fsdax
# namespace (16 GiB at region offset 0) has its info block and an ext4,
# the devdax one (8 GiB at 16 GiB) lost its info block
truncate -s 24G "$T/region.img"
truncate -s 16G "$T/ns.img"
$NDCTL write-infoblock -o "$T/ns.img" -p a0a0a0a0-0000-4000-8000-00000000000a >/dev/null 2>&1
dd if="$T/ns.img" of="$T/region.img" bs=8192 count=1 conv=notrunc status=none
D0=$(jq .dataoff "$($NDCTL read-infoblock -j -i "$T/ns.img" 2>/dev/null | jq '.[0]' >"$T/ib.json"; echo "$T/ib.json")")
$MKE2FS -q -F -t ext4 -U 12345678-0000-0000-0000-00000000abcd -E offset="$D0" "$T/region.img" 65536 >/dev/null 2>&1
"$PMEMSCAN" --json --labels "$D/il-dimm0.lsa" --labels "$D/il-dimm1.lsa" "$T/region.img" >"$T/r.json"; rc=$?
check "region + --labels: two namespaces, at 0 and 16 GiB" \
	test "$(jq -c '[.namespaces[] | .offset]' "$T/r.json")" = "[0,17179869184]"
check "region + --labels: fsdax namespace sized by labels, ext4 proven at dataoff" \
	test "$(jq -r '.namespaces[0] | "\(.size) \(.found_by) \(.verdict.result) \(.candidates[0].offset) \(.candidates[0].probe.uuid)"' "$T/r.json")" = \
	"17179869184 labels + info block proven $D0 12345678-0000-0000-0000-00000000abcd"
check "region + --labels: devdax label without its info block is an error on the namespace" \
	sh -c "jq -r '.namespaces[1].diagnostics[].message' '$T/r.json' | grep -q 'claims this namespace for dax but there is no valid info block'"
check "region + --labels: exit 1 (a problem was found)" test "$rc" -eq 1

# the DIMM file compressed: the same report (the 24 GiB region is not
# compressed here: decoding 24 GiB of zeros costs minutes of test time)
report_core "$T/q.json" >"$T/q.core"
for z in gzip xz zstd; do
	$z -c <"$D/qemu.img" >"$T/qemu.img.$z"
	"$PMEMSCAN" --json --cache-dir "$T/cache" "$T/qemu.img.$z" >"$T/qz.json" 2>/dev/null
	report_core "$T/qz.json" >"$T/qz.core"
	same_output "$z-compressed QEMU DIMM file: label area found at its end, same report" \
		"$T/qz.core" "$T/q.core"
done

# a label dump whose newest index block is corrupt: the other one is used
"$PMEMSCAN" --json --labels "$D/badprimary.lsa" "$T/region.img" >"$T/b.json"
check "corrupt primary index: labels still read" test "$(jq '.labels.namespaces | length' "$T/b.json")" -ge 1

# parent_uuid that is not the label's uuid: the kernel ignores the block
$NDCTL write-infoblock -o "$T/ns.img" -p ffffffff-0000-4000-8000-00000000000f >/dev/null 2>&1
dd if="$T/ns.img" of="$T/region.img" bs=8192 count=1 conv=notrunc status=none
"$PMEMSCAN" --json --labels "$D/il-dimm0.lsa" --labels "$D/il-dimm1.lsa" "$T/region.img" >"$T/p.json"
check "parent_uuid mismatch reported on field parent_uuid" \
	test "$(jq -r '[.namespaces[0].diagnostics[] | select(.field=="parent_uuid") | .offset] | join(",")' "$T/p.json")" = 4128

# bad --labels files: one line, exit 3
head -c 4096 /dev/urandom >"$T/junk.lsa"
"$PMEMSCAN" --labels "$T/junk.lsa" "$T/region.img" >"$T/out" 2>"$T/err"; rc=$?
check "junk --labels: exit 3, one line naming the file" \
	sh -c "[ $rc -eq 3 ] && [ \$(wc -l <'$T/err') -eq 1 ] && grep -q 'junk.lsa: no namespace label area' '$T/err' && [ ! -s '$T/out' ]"
"$PMEMSCAN" --labels "$T/nonexistent" "$T/region.img" >/dev/null 2>"$T/err"; rc=$?
check "missing --labels file: exit 3" sh -c "[ $rc -eq 3 ] && grep -q 'cannot open' '$T/err'"
# names that are not UTF-8 or hold control characters (a label name with
# an invalid byte and a terminal escape, a volume label with 0xff): the JSON
# stays valid UTF-8 with the bytes as \xNN, the text report prints no raw
# control byte (tests/support/mkhostile-html.sh makes the image)
if command -v "${MKE2FS:=mke2fs}" >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
	HOSTILE_NAME=$(printf 'caf\303\251 \207\033[31mx') HOSTILE_FSLABEL=$(printf 'v\377l') \
		sh "$top_srcdir/tests/support/mkhostile-html.sh" "$MKFX" "$T/bytes.img" >/dev/null
	"$PMEMSCAN" --json --hash none "$T/bytes.img" >"$T/bytes.json" 2>/dev/null
	check "a label name and a volume label that are not UTF-8: the JSON is valid UTF-8" \
		python3 -c 'import json, sys; json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))' "$T/bytes.json"
	same_value "... the label name keeps é, its invalid byte as \\x87, the escape as a control character" \
		"$(jq -r '.labels.namespaces[0].name' "$T/bytes.json" | od -An -c | tr -s ' ')" \
		"$(printf 'caf\303\251 \\x87\033[31mx\n' | od -An -c | tr -s ' ')"
	same_value "... the volume label's 0xff as \\xff" \
		"$(jq -r '.namespaces[0].candidates[0].probe.label' "$T/bytes.json")" 'v\xffl'
	"$PMEMSCAN" --hash none "$T/bytes.img" >"$T/bytes.txt" 2>/dev/null
	check "the text report names them with \\x87, \\x1b and \\xff, and has no raw ESC or 0x87/0xff byte" \
		sh -c 'grep -qF "\\x87\\x1b[31mx" "$1" && grep -qF "v\\xffl" "$1" && ! LC_ALL=C grep -q "$(printf "[\033\207\377]")" "$1"' sh "$T/bytes.txt"
else
	skip "names that are not UTF-8" "mke2fs or python3 missing"
fi
done_testing
