#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# What the real kernel showed (spec 7.2, tests/kernel/README.md "Facts the
# kernel showed") and the scan must not contradict (issue 16, item 6).
. "$top_srcdir/tests/lib.sh"
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
done_testing
