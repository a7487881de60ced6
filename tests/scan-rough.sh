#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 15, the scan and report side: truncated dumps, standard input and
# pipes, an image that changes during the run, and the small things a
# support engineer trips over.
. "$top_srcdir/tests/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"

# the bundled fixture: a 132 MiB fsdax namespace, start_pad 64 MiB, a 64 MiB
# ext4 at the legacy data start (0x4400000 = 68 MiB .. 132 MiB)
xz -dc "$top_srcdir/fixtures/legacy-fsdax-ext4.img.xz" >"$T/fx.img"

# ---- truncated dumps (item 3) ----
# cut 22 MiB into the filesystem: found where it is, but not all there
head -c 90M "$T/fx.img" >"$T/cut.img"
"$PMEMSCAN" --json "$T/cut.img" >"$T/cut.json"; rc=$?
"$PMEMSCAN" "$T/cut.img" >"$T/cut.txt"
check "cut dump: verdict is truncated, not proven" \
	test "$(jq -r '.namespaces[0].verdict.result' "$T/cut.json")" = truncated
check "cut dump: exit 1 (problems)" test "$rc" -eq 1
check "cut dump: the namespace's bytes present (90 MiB of 132)" \
	test "$(jq '.namespaces[0] | "\(.present) \(.size)"' "$T/cut.json")" = '"94371840 138412032"'
check "cut dump: the legacy candidate's bytes present (22 MiB of 64)" \
	test "$(jq '.namespaces[0].candidates[0].present' "$T/cut.json")" = 23068672
check "cut dump: text never says proven or fits" \
	sh -c "! grep -Eq 'proven|fits in' '$T/cut.txt'"
check "cut dump: namespace line says 90 MiB (68%) in the image" \
	grep -q "132 MiB (size from info block), only 90 MiB (68%) in the image" "$T/cut.txt"
check "cut dump: the evidence says how much of the filesystem is there" \
	grep -q "the image holds only its first 22 MiB (34%): the end of the file cuts it" "$T/cut.txt"
check "cut dump: the verdict says 22 MiB of 64 MiB" \
	grep -q "verdict: truncated, semantics legacy: .*only 22 MiB of its 64 MiB are in the image (34%; namespace: 90 MiB of 132 MiB)" "$T/cut.txt"
# every suggested command fits the file: no mount past its end (the kernel
# refuses a filesystem larger than its loop device anyway), no repair
check "cut dump: no mount suggested" sh -c "! grep -q 'next: mount' '$T/cut.txt'"
check "cut dump: no repair suggested" sh -c "! grep -q 'next: pmemscan repair' '$T/cut.txt'"
check "cut dump: carve says what it writes and how to pad it" \
	grep -q "carve .* -o ns0.img   (writes the 22 MiB the file holds of the 64 MiB filesystem; 'truncate -s 67108864 ns0.img'" "$T/cut.txt"
# the carve suggested writes exactly the bytes the file holds
"$PMEMSCAN" carve "$T/cut.img" --namespace 0 -o "$T/ns0.img" >/dev/null 2>&1
check "cut dump: carve writes the 22 MiB present" test "$(stat -c %s "$T/ns0.img")" -eq 23068672
"$PMEMSCAN" repair "$T/cut.img" --plan >"$T/cut-plan.txt" 2>&1
check "cut dump: repair --plan refuses, naming the truncation" \
	grep -q "REFUSED \[pfn\]: namespace 0: the image ends inside the filesystem at the legacy data start (a truncated dump)" "$T/cut-plan.txt"
# cut before the filesystem: no filesystem, and the report says why it may be
head -c 40M "$T/fx.img" >"$T/cut40.img"
"$PMEMSCAN" "$T/cut40.img" >"$T/cut40.txt"
check "cut before the data: the candidate keeps its size, none present" \
	grep -q "candidate legacy data at 0x4400000 (ns+0x4400000), 64 MiB, only 0 B in the image" "$T/cut40.txt"
check "cut before the data: the verdict says the filesystem may be in the missing part" \
	grep -q "the image holds only 40 MiB of the 132 MiB namespace (30%): a filesystem may be in the part the file lacks" "$T/cut40.txt"
# the whole image: still proven, no "present" words
"$PMEMSCAN" "$T/fx.img" >"$T/fx.txt"
check "whole dump: proven, nothing said about missing bytes" \
	sh -c "grep -q 'verdict: proven, semantics legacy' '$T/fx.txt' && ! grep -q 'in the image (' '$T/fx.txt'"

done_testing
