#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# What the real kernel showed (spec 7.2, tests/kernel/README.md "Facts the
# kernel showed") and the scan must not contradict (issue 16, item 6).
. "$top_srcdir/tests/support/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"

# 6b: the fixed start of the ndctl #76 layout lies in the legacy reading's
# struct-page reservation [P + 8 KiB, P + D). The kernel writes only part of
# it (a 1 GiB namespace: [P + 2 MiB, P + 16 MiB)), so the evidence must not
# say the whole range is rewritten.
img=$(fixture legacy-f4-fsdax-ext4); rc=$?
if [ $rc -eq 77 ]; then skip "memmap evidence" "a generator tool is missing"
elif [ $rc -ne 0 ]; then not_ok "legacy-f4-fsdax-ext4: fixture generated (exit $rc)"
else
	"$PMEMSCAN" --json --hash none "$img" >"$T/j.json"
	jq -r '.namespaces[0].candidates[] | select(.name == "fixed") | .evidence[]' \
		"$T/j.json" | grep 'struct pages' >"$T/ev"
	check "memmap evidence: there is one, for the fixed candidate" test -s "$T/ev"
	check "memmap evidence: names the reserved range [P + 8 KiB, P + D)" \
		grep -q 'reserved for struct pages \[0x4002000, 0x14200000)' "$T/ev"
	check "memmap evidence: does not claim the kernel rewrites all of it" \
		sh -c '! grep -q "rewrites" "$1"' sh "$T/ev"
	check "memmap evidence: says only part is written, as measured" \
		grep -q 'only part of it.*start_pad + 2 MiB, start_pad + 16 MiB' "$T/ev"
	"$PMEMSCAN" --hash none "$img" >"$T/t.txt"
	check "memmap evidence: the text report says the same" \
		grep -q 'reserved for struct pages \[0x4002000, 0x14200000); kernels write struct pages into only part' "$T/t.txt"
fi
# 6c: check --namespace N, like extract/ls/carve: the second namespace of a
# region image (two sector-mode namespaces, the second with a duplicate map
# entry) needs no --offset.
MKFX=$top_builddir/tests/support/mkfx-btt
if [ ! -x "$MKFX" ]; then
	skip "check --namespace" "mkfx-btt not built"
else
	truncate -s 24M "$T/fs.img"
	$MKE2FS -q -F -t ext4 "$T/fs.img" >/dev/null 2>&1
	"$MKFX" -o "$T/ns0.img" -s 40M -i "$T/fs.img" -S 3 >/dev/null
	"$MKFX" -o "$T/ns1.img" -s 48M -i "$T/fs.img" -S 5 --fault dup:1,2 >/dev/null
	cat "$T/ns0.img" "$T/ns1.img" >"$T/region.img"
	off1=$((40 * 1048576))
	"$PMEMSCAN" --json --hash none "$T/region.img" >"$T/region.json"
	check "region: the scan numbers the sector namespaces 0 (at 0) and 1 (at 40 MiB)" test \
		"$(jq -c '[.namespaces[] | "\(.index) \(.offset) \(.mode)"]' "$T/region.json")" = \
		"[\"0 0 sector\",\"1 $off1 sector\"]"
	"$PMEMSCAN" check "$T/region.img" --namespace 1 --json >"$T/c1.json"; rc1=$?
	"$PMEMSCAN" check "$T/region.img" --offset $off1 --json >"$T/co.json"
	"$PMEMSCAN" check "$T/region.img" --namespace 0 --json >"$T/c0.json"; rc0=$?
	check "check --namespace 1: the second namespace, exit 1 for its duplicate map entry" \
		test "$(jq -r '"\(.namespace) \(.offset) \(.btt.nlba)"' "$T/c1.json") $rc1" = \
		"1 $off1 $(jq -r .btt.nlba "$T/co.json") 1"
	same_value "check --namespace 1 finds what --offset finds, at the same image offsets" \
		"$(jq -c .findings "$T/c1.json")" "$(jq -c .findings "$T/co.json")"
	check "check --namespace 1: at least one error finding" \
		test "$(jq .errors "$T/c1.json")" -ge 1
	check "check --namespace 0: the first namespace, consistent, exit 0" \
		test "$(jq -r '"\(.namespace) \(.offset) \(.errors)"' "$T/c0.json") $rc0" = "0 0 0 0"
	"$PMEMSCAN" check "$T/region.img" --namespace 1 >"$T/c1.txt"
	check "check --namespace 1: the text names the namespace and its offset" \
		grep -q "region.img namespace 1 (at offset $off1): BTT 1.1" "$T/c1.txt"
	expect_exit 3 "check --namespace 2 (no such namespace): exit 3" \
		"$PMEMSCAN" check "$T/region.img" --namespace 2
	cat "$T/fs.img" "$T/ns0.img" >"$T/r2.img"
	expect_exit 2 "check --namespace 0 on a raw namespace: exit 2 (no BTT)" \
		"$PMEMSCAN" check "$T/r2.img" --namespace 0
	expect_exit 3 "check --namespace with --offset: usage error" \
		"$PMEMSCAN" check "$T/region.img" --namespace 1 --offset 0
fi
done_testing
