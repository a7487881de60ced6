#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pmemscan labels: label-area dumps and DIMM images made by tests/support/mkfx-labels
# (kernel formulas), checked for what a user reads off them: uuids, sizes,
# dpa, which index block is current and why, rebuilt namespaces; bad input.
. "$top_srcdir/tests/support/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"
MKFX=$top_builddir/tests/support/mkfx-labels
[ -x "$MKFX" ] || skip_all "tests/support/mkfx-labels not built"
D=$T/fx
mkdir -p "$D"
"$MKFX" "$D" || { echo "mkfx-labels failed"; exit 1; }

# js FILE... -- JQ: run with --json, validate, apply a jq filter
js() {
	f=""
	while [ "$1" != "--" ]; do f="$f $1"; shift; done
	shift
	# shellcheck disable=SC2086
	"$PMEMSCAN" labels --json $f >"$T/out.json" 2>"$T/err"
	jq -r "$1" "$T/out.json"
}
is() {	# is DESCRIPTION GOT WANT
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (got '$2', wanted '$3')"; fi
}

# ---- v1.1 dump ----
expect_exit 0 "v1.1 dump: exit 0" "$PMEMSCAN" labels "$D/v11.lsa" >"$T/v11.txt"
check "v1.1 JSON is valid" sh -c "'$PMEMSCAN' labels --json '$D/v11.lsa' | jq -e . >/dev/null"
is "v1.1: ndctl-style index[] has both blocks, labelsize 128, nslot 1020" \
	"$(js "$D/v11.lsa" -- '[.dimms[0].index[] | "\(.signature) \(.major).\(.minor) \(.labelsize) \(.seq) \(.nslot)"] | join(",")')" \
	"NAMESPACE_INDEX 1.1 128 3 1020,NAMESPACE_INDEX 1.1 128 2 1020"
is "v1.1: labels uuid/name/dpa/rawsize" \
	"$(js "$D/v11.lsa" -- '[.dimms[0].label[] | "\(.uuid) \(.name) \(.dpa) \(.rawsize)"] | join(",")')" \
	"1b4e28ba-2fa1-11d2-883f-0016d3cca427 legacy0 0 268435456,6fa459ea-ee8a-3ca4-894e-db77e160355e legacy1 268435456 536870912"
is "v1.1: 128-byte labels carry no type_guid key (as ndctl)" \
	"$(js "$D/v11.lsa" -- '.dimms[0].label[0] | has("type_guid")')" "false"
is "v1.1: index 0 current by sequence number" \
	"$(js "$D/v11.lsa" -- '.dimms[0].pmemscan | "\(.current_index) \(.current_reason)"')" \
	"0 both valid, newer sequence number"
check "v1.1 text names the current index" grep -q "kernel uses index 0: both valid" "$T/v11.txt"

# ---- v1.2 dump with claim classes ----
is "v1.2: claim classes of the 4 namespaces" \
	"$(js "$D/v12.lsa" -- '[.namespaces[] | "\(.name)=\(.claim_class)"] | join(" ")')" \
	"fsdax0=pfn devdax0=dax sector0=btt uefi-btt=btt2"
is "v1.2: abstraction guid text of the fsdax label (pmemscan key)" \
	"$(js "$D/v12.lsa" -- '.dimms[0].pmemscan.labels[0].abstraction_guid')" \
	"266400ba-fb9f-4677-bcb0-968f11d0d225"
is "v1.2: ndctl-style abstraction_guid is uuid_unparse of the raw bytes" \
	"$(js "$D/v12.lsa" -- '.dimms[0].label[0].abstraction_guid')" \
	"ba006426-9ffb-7746-bcb0-968f11d0d225"
is "v1.2: slot numbers listed (slot 5 after a gap)" \
	"$(js "$D/v12.lsa" -- '[.dimms[0].label[].slot] | join(",")')" "0,1,2,5"
is "v1.2: sector namespace lbasize 4096, devdax size 2 GiB" \
	"$(js "$D/v12.lsa" -- '.namespaces[] | select(.name=="sector0") | .lbasize'),$(jq -r '.namespaces[] | select(.name=="devdax0") | .size' "$T/out.json")" \
	"4096,2147483648"

# ---- 2-way interleave ----
expect_exit 0 "interleave: both DIMMs, exit 0" "$PMEMSCAN" labels "$D/il-dimm0.lsa" "$D/il-dimm1.lsa" >/dev/null
is "interleave: namespaces complete, size = sum of rawsize" \
	"$(js "$D/il-dimm0.lsa" "$D/il-dimm1.lsa" -- '[.namespaces[] | "\(.name) \(.nlabel) \(.size) \(.complete)"] | join(",")')" \
	"il-fsdax 2 17179869184 true,il-devdax 2 8589934592 true"
is "interleave: extents dimm/position/dpa" \
	"$(jq -r '[.namespaces[0].extents[] | "\(.dev | split("/") | last):\(.position):\(.dpa)"] | join(",")' "$T/out.json")" \
	"il-dimm0.lsa:0:268435456,il-dimm1.lsa:1:268435456"
is "interleave: devdax region offset = (dpa - region start) * 2" \
	"$(jq -r '.namespaces[1] | "\(.region_offset) \(.region_offset_assumed)"' "$T/out.json")" \
	"17179869184 true"
is "interleave: --start-dpa moves the offset" \
	"$(js --start-dpa 0 "$D/il-dimm0.lsa" "$D/il-dimm1.lsa" -- '.namespaces[0] | "\(.region_offset) \(.region_offset_assumed)"')" \
	"536870912 false"
expect_exit 1 "interleave: one DIMM only: incomplete, exit 1" "$PMEMSCAN" labels "$D/il-dimm0.lsa" >/dev/null
is "interleave: one DIMM only: complete=false, missing position reported" \
	"$(js "$D/il-dimm0.lsa" -- '"\(.namespaces[0].complete) \([.diagnostics[] | select(.field=="position")] | length > 0)"')" \
	"false true"

# ---- newest index corrupt: the kernel falls back ----
expect_exit 1 "corrupt primary: exit 1 (problems)" "$PMEMSCAN" labels "$D/badprimary.lsa" >/dev/null
is "corrupt primary: index 1 invalid, index 0 current" \
	"$(js "$D/badprimary.lsa" -- '.dimms[0].pmemscan | "\(.index_blocks[1].valid) \(.index_blocks[1].checksum_ok) \(.current_index) \(.current_reason)"')" \
	"false false 0 only valid index block"
is "corrupt primary: only the older namespace is active; the newest label is still listed" \
	"$(jq -r '[.namespaces[].name] | join(",")' "$T/out.json") $(jq -r '[.dimms[0].pmemscan.labels[] | "\(.slot):\(.active)"] | join(",")' "$T/out.json")" \
	"older 0:true,1:false"
is "corrupt primary: checksum diagnostic at 0x140" \
	"$(jq -r '[.dimms[0].pmemscan.diagnostics[] | select(.field=="checksum") | .offset] | join(",")' "$T/out.json")" "320"

# ---- index copies disagree ----
is "disagree: bitmap difference reported, freed label kept as in_use_other_index" \
	"$(js "$D/disagree.lsa" -- '[.dimms[0].pmemscan.labels[] | "\(.slot):\(.active):\(.in_use_other_index)"] | join(",")')" \
	"0:true:true,2:false:true,3:true:false"
is "disagree: ndctl lists the freed slot too (it ignores the bitmap)" \
	"$(jq -r '[.dimms[0].label[].slot] | join(",")' "$T/out.json")" "0,2,3"
check "disagree: text marks slot 2 freed-last" sh -c "'$PMEMSCAN' labels '$D/disagree.lsa' | grep -q '^  2 *freed-last'"

# ---- pre-4.17 layout ----
is "old kernel: seq 0 index ignored, index 1 current, nslot 1016" \
	"$(js "$D/old-kernel.lsa" -- '.dimms[0].pmemscan | "\(.current_index) \(.nslot) \(.active_labels)"')" "1 1016 2"

# ---- QEMU image: label area at the end ----
is "qemu: located at the end (64 MiB), 128 KiB" \
	"$(js "$D/qemu.img" -- '.dimms[0].pmemscan | "\(.lsa_offset) \(.lsa_size) \(.location)"')" \
	"67108864 131072 at the end of the image (QEMU label-size area)"
is "qemu: namespace uuid and size" \
	"$(jq -r '.namespaces[0] | "\(.uuid) \(.size) \(.claim_class)"' "$T/out.json")" \
	"e5e5e5e5-0000-4000-8000-0000000000e5 67108864 pfn"
is "qemu: --offset finds the same area" \
	"$(js --offset 64M "$D/qemu.img" -- '.dimms[0].pmemscan | "\(.lsa_offset) \(.lsa_size) \(.active_labels)"')" \
	"67108864 131072 1"

# ---- bad input ----
bad() {	# bad DESCRIPTION WANT_EXIT FILE...
	d=$1; want=$2; shift 2
	"$PMEMSCAN" labels "$@" >"$T/bad.out" 2>"$T/bad.err"; rc=$?
	lines=$(wc -l <"$T/bad.err")
	if [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] && [ ! -s "$T/bad.out" ]; then
		ok "$d: exit $want, one-line error, nothing on stdout"
	else
		not_ok "$d: exit $rc (want $want), $lines stderr lines, stdout $(wc -c <"$T/bad.out") bytes"
		cat "$T/bad.err"
	fi
}
: >"$T/empty"
bad "empty file" 2 "$T/empty"
head -c 300000 /dev/urandom >"$T/random"
bad "random bytes" 2 "$T/random"
head -c 300 "$D/v12.lsa" >"$T/trunc300"
bad "300-byte truncated dump" 1 "$T/trunc300"
check "truncated dump error names file and offset" grep -q "trunc300: offset 0x0" "$T/bad.err"
bad "missing file" 3 "$T/does-not-exist"
bad "--offset past the end" 3 --offset 1G "$D/v12.lsa"
head -c 65536 "$D/v12.lsa" >"$T/trunc64k"
"$PMEMSCAN" labels "$T/trunc64k" >"$T/t64.out" 2>"$T/t64.err"; rc=$?
is "64 KiB of a 128 KiB dump: exit 1, one-line error naming nslot" \
	"$rc $(wc -l <"$T/t64.err") $(grep -c 'nslot' "$T/t64.err")" "1 1 1"
check "64 KiB truncated dump still shows what ndctl would list" grep -q "f4d5c3a8-1111" "$T/t64.out"
expect_exit 3 "no FILE: usage error" "$PMEMSCAN" labels 2>/dev/null
done_testing
