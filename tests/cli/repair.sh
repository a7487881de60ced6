#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pmemscan repair / undo on namespace images made by ndctl write-infoblock
# and mke2fs: --plan writes nothing, -o copies and repairs, --in-place
# writes an undo file first, undo restores byte for byte, refusals.
. "$top_srcdir/tests/support/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"
[ -n "$NDCTL" ] || skip_all "ndctl not installed"
[ -n "$MKE2FS" ] && [ -n "$DEBUGFS" ] || skip_all "e2fsprogs not installed"

MiB=1048576
sha() { sha256sum <"$1" | cut -d' ' -f1; }
# region_sha IMG OFFSET_MIB SIZE_MIB: sha256 of a byte range
region_sha() { dd if="$1" bs=1M skip="$2" count="$3" status=none | sha256sum | cut -d' ' -f1; }

# a small tree and its hashes
mkdir -p "$T/tree/sub/deeper"
echo "hello pmem" >"$T/tree/a.txt"
head -c 300000 /dev/urandom >"$T/tree/sub/b.bin"
head -c 5000000 /dev/urandom >"$T/tree/sub/deeper/c.bin"
(cd "$T/tree" && find . -type f | sort | xargs sha256sum) >"$T/tree.sha"

# mk NAME: a 128 MiB namespace 8 MiB into a 16 MiB alignment unit, as ndctl's
# test/align.sh makes a start_pad block: x = 0x577c800000, a = 16 MiB gives
# P = ALIGN(x, a) - x = 8 MiB, D = 8 MiB, T = 8 MiB. Legacy data at 16 MiB,
# fixed at 8 MiB. (Small, so the whole-image hashes stay quick.)
mk() {
	truncate -s 128M "$T/$1.img"
	$NDCTL write-infoblock -o "$T/$1.img" -O 0x577c800000 -a 16M >/dev/null 2>&1
}
fs_at() {	# fs_at IMG OFFSET_MIB SIZE_MIB [UUID] [TREE]
	$MKE2FS -q -F -t ext4 -b 4096 -U "${4:-11111111-2222-3333-4444-555555555555}" \
		${5:+-d "$5"} -E offset=$(($2 * MiB)) "$1" "$(($3 * 256))" >/dev/null 2>&1
}
# files_ok IMG OFFSET_MIB SIZE_MIB: carve the filesystem, rdump it, compare hashes
files_ok() {
	rm -rf "$T/x" "$T/fs.img"; mkdir "$T/x"
	dd if="$1" of="$T/fs.img" bs=1M skip="$2" count="$3" status=none
	$DEBUGFS -R "rdump / $T/x" "$T/fs.img" >/dev/null 2>&1
	(cd "$T/x" && find . -type f | sort | xargs sha256sum) | cmp -s - "$T/tree.sha"
}
field() { jq -r ".structures[0].fields.$2" "$1"; }

mk legacy; fs_at "$T/legacy.img" 16 64 "" "$T/tree"
orig=$(sha "$T/legacy.img")
fsorig=$(region_sha "$T/legacy.img" 16 64)
check "fixture: files readable before repair" files_ok "$T/legacy.img" 16 64

# ---- --plan: the default, writes nothing ----
ls "$T" | grep -v -e '^ls\.' -e '^plan.txt$' >"$T/ls.before"
"$PMEMSCAN" repair "$T/legacy.img" --assume-aligned >"$T/plan.txt" 2>&1; rc=$?
ls "$T" | grep -v -e '^ls\.' -e '^plan.txt$' >"$T/ls.after"
check "--plan (default) exits 0 with patches" sh -c "[ $rc -eq 0 ] && grep -q '^5 patches, 0 refusals' '$T/plan.txt'"
check "--plan: image sha256 unchanged" test "$(sha "$T/legacy.img")" = "$orig"
same_output "--plan: no file created" "$T/ls.before" "$T/ls.after"
check "--plan names dataoff 0x800000 -> 0x1000000 at 0x1038" \
	grep -q 'patch 0x1038 (8 bytes) dataoff \[start-pad-legacy\]: 0x800000 -> 0x1000000' "$T/plan.txt"
check "--plan names start_pad -> 0 and why" grep -q 'patch 0x104c (4 bytes) start_pad .*0x800000 -> 0x0' "$T/plan.txt"
check "--plan shows the verdict after: proven, same data start" \
	grep -q 'after : proven, info block v1.4 start_pad 0x0 dataoff 0x1000000.*data at 0x1000000 holds ext4' "$T/plan.txt"
check "--plan states the --assume-aligned assumption" grep -q 'ASSUMPTION (--assume-aligned)' "$T/plan.txt"
"$PMEMSCAN" repair --plan "$T/legacy.img" >"$T/plan2.txt"; rc=$?
check "start_pad rewrite without --phys-base or --assume-aligned: refused, exit 1" \
	sh -c "[ $rc -eq 1 ] && grep -q 'REFUSED \[start-pad-legacy\].*give --phys-base' '$T/plan2.txt'"
"$PMEMSCAN" repair "$T/legacy.img" --phys-base 0x577c800000 >"$T/plan3.txt"; rc=$?
check "--phys-base 0x577c800000, align 16 MiB: base + dataoff' misaligned, refused" \
	sh -c "[ $rc -eq 1 ] && grep -q 'base + new dataoff = 0x577d800000 (physical) is not aligned' '$T/plan3.txt'"
"$PMEMSCAN" repair "$T/legacy.img" --phys-base 0x5800000000 >"$T/plan4.txt"; rc=$?
check "--phys-base 16 MiB aligned: planned, exit 0" sh -c "[ $rc -eq 0 ] && grep -q 'base known' '$T/plan4.txt'"
check "after all --plan runs the image is unchanged" test "$(sha "$T/legacy.img")" = "$orig"

# --plan and -o open the image only O_RDONLY (strace, as tests/cli/readonly.sh)
if command -v strace >/dev/null; then
	for args in "--plan" "-o $T/ro-copy.img"; do
		# shellcheck disable=SC2086
		strace -f -qq -e trace=open,openat,openat2,creat,truncate -o "$T/trace" \
			"$PMEMSCAN" repair "$T/legacy.img" --assume-aligned $args >/dev/null 2>&1
		opens=$(grep -c 'legacy.img"' "$T/trace")
		bad=$(grep 'legacy.img"' "$T/trace" | grep -E 'O_WRONLY|O_RDWR|O_TRUNC|O_CREAT|creat\(|truncate\(' | head -1)
		check "repair $args: image opened $opens time(s), always O_RDONLY" sh -c "[ $opens -gt 0 ] && [ -z '$bad' ]"
	done
	rm -f "$T/ro-copy.img"
else
	skip "repair --plan and -o open the image O_RDONLY" "strace not installed"
fi

# ---- -o: a repaired copy ----
"$PMEMSCAN" repair "$T/legacy.img" --assume-aligned -o "$T/fixed.img" >"$T/o.txt" 2>&1; rc=$?
check "-o: exit 0, copy written" sh -c "[ $rc -eq 0 ] && [ -f '$T/fixed.img' ] && grep -q 'wrote .*fixed.img' '$T/o.txt'"
check "-o: the input is unchanged" test "$(sha "$T/legacy.img")" = "$orig"
check "-o: the copy has the image's size" test "$(stat -c %s "$T/fixed.img")" = 134217728
alloc=$(($(stat -c %b "$T/fixed.img") * $(stat -c %B "$T/fixed.img")))
# (a reflinked copy is what filefrag sees shared, not what pmemscan says)
if grep -q 'reflinked' "$T/o.txt"; then
	check "-o: reflinked copy (shares extents)" sh -c "filefrag -v '$T/fixed.img' | grep -q shared"
else check "-o: sparse copy ($alloc bytes allocated of 128 MiB)" test "$alloc" -lt $((32 * MiB)); fi
"$PMEMSCAN" --json --hash none "$T/fixed.img" >"$T/fixed.json"; rc=$?
check "repaired copy re-scans clean (exit 0)" test "$rc" -eq 0
check "repaired copy: verdict proven, data at 16 MiB" \
	test "$(jq -r '.namespaces[0] | "\(.verdict.result) \(.candidates[0].offset)"' "$T/fixed.json")" = "proven 16777216"
check "repaired copy: start_pad 0, version 1.4, dataoff 16 MiB, checksum valid" \
	test "$(field "$T/fixed.json" start_pad) $(field "$T/fixed.json" version) $(field "$T/fixed.json" dataoff) $(jq -r '.structures[0].checksum' "$T/fixed.json")" = "0 1.4 16777216 valid"
check "repaired copy: the filesystem's bytes are identical" test "$(region_sha "$T/fixed.img" 16 64)" = "$fsorig"
check "repaired copy: files extract with the right hashes" files_ok "$T/fixed.img" 16 64

# ---- --plan --json: the same plan for machines ----
"$PMEMSCAN" repair "$T/legacy.img" --assume-aligned --plan --json >"$T/plan.json"; rc=$?
check "--json: exit 0, schema, 5 patches as in the text plan" \
	test "$rc $(jq -r '"\(.schema) \(.patches) \(.refusals) \(.result)"' "$T/plan.json")" = "0 pmemscan-repair-plan/1 5 0 plan"
# (both lists are empty when both plans are missing: same_value refuses that)
same_value "--json: the same patches as the text plan (offset, field, kind)" \
	"$(jq -r '.units[].patches[] | "patch 0x\(.offset | tostring) \(.field) [\(.kind)]"' "$T/plan.json" |
		awk '{printf "patch 0x%x %s %s\n", substr($2, 3), $3, $4}')" \
	"$(grep '^  patch' "$T/plan.txt" | sed 's/^  //; s/ ([0-9]* bytes\{0,1\})//; s/\]:.*/]/')"
# every old_bytes is what the image holds there, every new_bytes what -o wrote
pb() { dd if="$1" bs=1 skip="$2" count="$3" status=none | od -An -tx1 -v | tr -d ' \n'; }
good=0 all=0
while read -r off len old new; do
	all=$((all + 1))
	[ "$(pb "$T/legacy.img" "$off" "$len")" = "$old" ] && [ "$(pb "$T/fixed.img" "$off" "$len")" = "$new" ] &&
		good=$((good + 1))
done <<EOF2
$(jq -r '.units[].patches[] | "\(.offset) \(.length) \(.old_bytes) \(.new_bytes)"' "$T/plan.json")
EOF2
check "--json: old_bytes are the image's, new_bytes what -o wrote ($good of $all)" test "$good" = 5 -a "$all" = 5
check "--json: before and after verdicts of the namespace" \
	test "$(jq -r '.units[0] | "\(.namespace) \(.before.start_pad) \(.after.verdict) \(.after.start_pad) \(.after.data_offset) \(.after.filesystem)"' "$T/plan.json")" = \
	"0 8388608 proven 0 16777216 ext4"
"$PMEMSCAN" repair --plan --json "$T/legacy.img" >"$T/plan2.json"; rc=$?
check "--json: a refused repair is a refusal, exit 1" \
	test "$rc $(jq -r '"\(.result) \(.units[0].refusals[0].kind)"' "$T/plan2.json")" = "1 refused start-pad-legacy"
"$PMEMSCAN" repair --plan --json "$T/fixed.img" >"$T/plan3.json"; rc=$?
check "--json: nothing to repair on the repaired copy" \
	test "$rc $(jq -r '"\(.result) \(.units | length)"' "$T/plan3.json")" = "0 nothing-to-repair 0"
# (cmp -l of a missing copy lists nothing: cmp must find differences, exit 1)
cmp -l "$T/legacy.img" "$T/fixed.img" >"$T/cmpl"; crc=$?
check "repaired copy: only bytes of the info block changed ($(wc -l <"$T/cmpl") bytes)" \
	sh -c "[ $crc -eq 1 ] && [ -s '$T/cmpl' ] && awk '\$1 <= 4096 || \$1 > 8192 { bad = 1 } END { exit bad }' '$T/cmpl'"
head -c 8192 "$T/fixed.img" >"$T/ib.bin"
$NDCTL read-infoblock -j -i "$T/ib.bin" 2>/dev/null >"$T/ndctl.json"
check "ndctl read-infoblock reads the rewritten block: start_pad 0, dataoff 16 MiB, 1.4" \
	test "$(jq -r '.[0] | "\(.start_pad) \(.dataoff) \(.version) \(.npfns)"' "$T/ndctl.json")" = "0 16777216 1.4 28672"

# ---- fixed-placed filesystem: start_pad 0, dataoff kept ----
mk fixedfs; fs_at "$T/fixedfs.img" 8 64 "" "$T/tree"
"$PMEMSCAN" repair "$T/fixedfs.img" --assume-aligned >"$T/f0.txt" 2>&1; rc=$?
check "fixed-placed, align 16 MiB, base assumed 16 MiB aligned: data at 8 MiB cannot be aligned, refused" \
	sh -c "[ $rc -eq 1 ] && grep -q 'REFUSED \[start-pad-fixed\].*bad offset' '$T/f0.txt'"
# at 0x577c800000 base + 8 MiB is 16 MiB aligned
"$PMEMSCAN" repair "$T/fixedfs.img" --phys-base 0x577c800000 -o "$T/fixedfs-r.img" >"$T/f.txt" 2>&1; rc=$?
check "fixed-placed with --phys-base 0x577c800000: repaired copy written" test "$rc" -eq 0
"$PMEMSCAN" --json --hash none "$T/fixedfs-r.img" >"$T/ff.json"
check "fixed-placed: re-scan proven at 8 MiB with start_pad 0" \
	test "$(jq -r '.namespaces[0] | "\(.verdict.result) \(.candidates[0].offset)"' "$T/ff.json") $(field "$T/ff.json" start_pad)" = "proven 8388608 0"
check "fixed-placed: end_trunc stays 8 MiB (0x577c800000 + 128 MiB - 8 MiB is 16 MiB aligned), npfns (128 - 16 MiB) / 4 KiB" \
	test "$(field "$T/ff.json" end_trunc) $(field "$T/ff.json" npfns) $(field "$T/ff.json" dataoff)" = "8388608 28672 8388608"
check "fixed-placed: files extract with the right hashes" files_ok "$T/fixedfs-r.img" 8 64

# ---- checksum re-seal on a current (ndctl, 1.4) namespace ----
truncate -s 128M "$T/csum.img"; $NDCTL write-infoblock -o "$T/csum.img" >/dev/null 2>&1
fs_at "$T/csum.img" 4 64 "" "$T/tree"
good=$(head -c 8192 "$T/csum.img" | sha256sum)
# flip every bit of the checksum's first byte (a fixed value would be
# the one already there once in 256 runs: ndctl's uuid is random)
b=$(od -An -tu1 -j $((4096 + 4088)) -N1 "$T/csum.img" | tr -d ' ')
printf "\\$(printf %o $((b ^ 255)))" | dd of="$T/csum.img" bs=1 seek=$((4096 + 4088)) conv=notrunc status=none
"$PMEMSCAN" repair "$T/csum.img" >"$T/c.txt"; rc=$?
check "bad checksum: one patch, the checksum, planned" \
	sh -c "[ $rc -eq 0 ] && grep -q '^1 patch, 0 refusals' '$T/c.txt' && grep -q 'patch 0x1ff8 (8 bytes) checksum \[pfn-checksum\]' '$T/c.txt'"
"$PMEMSCAN" repair "$T/csum.img" -o "$T/csum-r.img" >/dev/null; rc=$?
check "bad checksum: repaired copy has exactly ndctl's original block" \
	sh -c "[ $rc -eq 0 ] && [ \"\$(head -c 8192 '$T/csum-r.img' | sha256sum)\" = '$good' ]"
check "bad checksum: files extract from the repaired copy" files_ok "$T/csum-r.img" 4 64

# ---- --in-place, undo ----
cp --sparse=always "$T/legacy.img" "$T/inplace.img"
"$PMEMSCAN" repair "$T/inplace.img" --assume-aligned --in-place >"$T/ip.txt" 2>&1; rc=$?
check "--in-place: exit 0, undo file written" sh -c "[ $rc -eq 0 ] && [ -s '$T/inplace.img.pmemscan-undo' ]"
check "--in-place: undo file starts with its magic and records the image sha256" \
	sh -c "head -1 '$T/inplace.img.pmemscan-undo' | grep -q '^PMEMSCAN-UNDO 1' && grep -q '^sha256 $orig' '$T/inplace.img.pmemscan-undo'"
"$PMEMSCAN" --json --hash none "$T/inplace.img" >"$T/ip.json"
check "--in-place: the image re-scans proven with start_pad 0" \
	test "$(jq -r '.namespaces[0].verdict.result' "$T/ip.json") $(field "$T/ip.json" start_pad)" = "proven 0"
same_output "--in-place: same bytes as the -o copy" "$T/inplace.img" "$T/fixed.img"
"$PMEMSCAN" repair "$T/inplace.img" --assume-aligned --in-place >/dev/null 2>"$T/again.err"; rc=$?
check "--in-place again with the undo file present: refused (exit 3), image untouched" \
	eval '[ $rc -eq 3 ] && grep -q "undo file exists" "$T/again.err" && same "$T/inplace.img" "$T/fixed.img"'
"$PMEMSCAN" undo "$T/inplace.img.pmemscan-undo" "$T/inplace.img" >"$T/u.txt"; rc=$?
check "undo: exit 0, sha256 matches" sh -c "[ $rc -eq 0 ] && grep -q 'sha256 $orig matches' '$T/u.txt'"
check "undo: image restored byte for byte" test "$(sha "$T/inplace.img")" = "$orig"
"$PMEMSCAN" undo "$T/inplace.img.pmemscan-undo" "$T/inplace.img" >/dev/null; rc=$?
check "undo twice: nothing to revert, still matches (exit 0)" test "$rc" -eq 0

# A repair killed midway, a write that fails, a re-scan that refuses the
# result, a failed rollback: tests/unit/test_repair_apply.c, which passes those
# faults to the library. The binary has no test hooks: the variables that
# once were its hooks change nothing.
cp --sparse=always "$T/legacy.img" "$T/env.img"
PMEMSCAN_TEST_FAIL_RESCAN=1 PMEMSCAN_TEST_KILL_AFTER_PATCHES=1 "$PMEMSCAN" repair "$T/env.img" \
	--assume-aligned --in-place --undo-file "$T/env.undo" >/dev/null 2>&1; rc=$?
check "no test hooks in the binary: PMEMSCAN_TEST_* set, the repair completes as without them" \
	sh -c "[ $rc -eq 0 ] && cmp -s '$T/env.img' '$T/fixed.img'"
rm -f "$T/env.img"

# --no-image-hash: no whole-image sha256 (huge sparse images); undo still
# verifies and restores every patched byte
cp --sparse=always "$T/legacy.img" "$T/nh.img"
"$PMEMSCAN" repair "$T/nh.img" --assume-aligned --in-place --no-image-hash --undo-file "$T/nh.undo" >/dev/null; rc=$?
check "--no-image-hash: repaired, undo file records 'sha256 none'" \
	eval '[ $rc -eq 0 ] && grep -q "^sha256 none$" "$T/nh.undo" && same "$T/nh.img" "$T/fixed.img"'
"$PMEMSCAN" undo "$T/nh.undo" "$T/nh.img" >"$T/nh.txt"; rc=$?
check "--no-image-hash: undo restores byte for byte" \
	sh -c "[ $rc -eq 0 ] && grep -q 'no image sha256 was recorded' '$T/nh.txt' && [ \"\$(sha256sum <'$T/nh.img' | cut -d' ' -f1)\" = '$orig' ]"

# undo refuses an image whose bytes are neither the old nor the new ones
cp --sparse=always "$T/legacy.img" "$T/other.img"
printf 'XXXX' | dd of="$T/other.img" bs=1 seek=$((4096 + 0x4c)) conv=notrunc status=none
osha=$(sha "$T/other.img")
"$PMEMSCAN" undo "$T/inplace.img.pmemscan-undo" "$T/other.img" >/dev/null 2>"$T/oe"; rc=$?
check "undo on a changed image: refused, exit 1, nothing written" \
	sh -c "[ $rc -eq 1 ] && grep -q 'neither the repair' '$T/oe' && [ \"\$(sha256sum <'$T/other.img' | cut -d' ' -f1)\" = '$osha' ]"
# undo with another image's undo file (issue 21 item 4): A and B hold the
# same namespace metadata, so their repairs write the same bytes at the same
# offsets, but B differs in one data byte past the filesystem. Undoing A's
# file on B must see, before writing, that the result would not be A's
# recorded sha256, and leave B (and its own repair) as it was.
cp --sparse=always "$T/legacy.img" "$T/ua.img"
cp --sparse=always "$T/legacy.img" "$T/ub.img"
printf 'B' | dd of="$T/ub.img" bs=1 seek=$((120 * MiB)) conv=notrunc status=none
ubsha=$(sha "$T/ub.img")
"$PMEMSCAN" repair "$T/ua.img" --assume-aligned --in-place --undo-file "$T/ua.undo" >/dev/null 2>&1; rca=$?
"$PMEMSCAN" repair "$T/ub.img" --assume-aligned --in-place --undo-file "$T/ub.undo" >/dev/null 2>&1; rcb=$?
check "A and B repaired in place (exit 0), with the same patches" \
	sh -c "[ $rca -eq 0 ] && [ $rcb -eq 0 ] && [ \"\$(grep '^patch ' '$T/ua.undo')\" = \"\$(grep '^patch ' '$T/ub.undo')\" ] && grep -q '^patch ' '$T/ua.undo'"
cp --sparse=always "$T/ub.img" "$T/ub-repaired.img"
"$PMEMSCAN" undo "$T/ua.undo" "$T/ub.img" >"$T/uab.out" 2>"$T/uab.err"; rc=$?
check "undo A's file on B: exit 1, one line saying B is not the image it was made for" \
	sh -c "[ $rc -eq 1 ] && [ \$(wc -l <'$T/uab.err') -eq 1 ] && grep -q 'not the image the undo file was made for.*nothing written' '$T/uab.err'"
check "undo A's file on B: B byte for byte as its own repair left it" cmp -s "$T/ub.img" "$T/ub-repaired.img"
"$PMEMSCAN" undo "$T/ub.undo" "$T/ub.img" >/dev/null 2>&1; rc=$?
check "B's own undo file still restores B (exit 0, its original sha256)" \
	sh -c "[ $rc -eq 0 ] && [ \"\$(sha256sum <'$T/ub.img' | cut -d' ' -f1)\" = '$ubsha' ]"
"$PMEMSCAN" undo "$T/ua.undo" "$T/ua.img" >/dev/null 2>&1; rc=$?
check "A's undo file on A still restores A (exit 0, the original sha256)" \
	sh -c "[ $rc -eq 0 ] && [ \"\$(sha256sum <'$T/ua.img' | cut -d' ' -f1)\" = '$orig' ]"
rm -f "$T/ua.img" "$T/ub.img" "$T/ub-repaired.img"
sed 's/^size .*/size 5/' "$T/inplace.img.pmemscan-undo" >"$T/tampered.undo"
"$PMEMSCAN" undo "$T/tampered.undo" "$T/inplace.img" >/dev/null 2>"$T/te"; rc=$?
check "undo with a tampered undo file: checksum mismatch, exit 3" \
	sh -c "[ $rc -eq 3 ] && grep -q 'checksum mismatch' '$T/te'"
head -c 200 "$T/inplace.img.pmemscan-undo" >"$T/short.undo"
expect_exit 3 "undo with a truncated undo file: refused" "$PMEMSCAN" undo "$T/short.undo" "$T/inplace.img" 2>/dev/null

# ---- refusals ----
mk both; fs_at "$T/both.img" 8 4 aaaaaaaa-0000-0000-0000-000000000001
fs_at "$T/both.img" 16 64 bbbbbbbb-0000-0000-0000-000000000002
bsha=$(sha "$T/both.img")
"$PMEMSCAN" repair "$T/both.img" --assume-aligned -o "$T/both-r.img" >"$T/b.txt"; rc=$?
check "ambiguous: refused with the reason, exit 1, no copy" \
	sh -c "[ $rc -eq 1 ] && grep -q 'REFUSED.*AMBIGUOUS' '$T/b.txt' && [ ! -e '$T/both-r.img' ]"
check "ambiguous: image unchanged" test "$(sha "$T/both.img")" = "$bsha"
"$PMEMSCAN" repair "$T/both.img" --assume-aligned --semantics legacy >"$T/b2.txt"; rc=$?
check "ambiguous with --semantics legacy: planned, the other filesystem named" \
	sh -c "[ $rc -eq 0 ] && grep -q 'the other one (at 0x800000) is NOT kept' '$T/b2.txt'"
mk neither
"$PMEMSCAN" repair "$T/neither.img" --assume-aligned >"$T/n.txt"; rc=$?
check "no filesystem: refused, exit 1" sh -c "[ $rc -eq 1 ] && grep -q 'REFUSED.*no filesystem at any data start' '$T/n.txt'"

# ---- label areas: an invalid index block rebuilt from the valid one ----
MKFX=$top_builddir/tests/support/mkfx-labels
mkdir -p "$T/lfx"
if [ ! -x "$MKFX" ]; then
	skip "label-index repair" "tests/support/mkfx-labels not built"
elif ! "$MKFX" "$T/lfx" >/dev/null 2>&1; then
	# (a generator that fails is a failure, not a skip)
	not_ok "label-index repair: tests/support/mkfx-labels failed"
else
	# v12.lsa: index 0 seq 3 current, index 1 seq 2; one byte of index 1's
	# free bitmap flipped (its checksum now wrong)
	cp "$T/lfx/v12.lsa" "$T/l1.lsa"
	printf '\001' | dd of="$T/l1.lsa" bs=1 seek=$((256 + 0x50)) conv=notrunc status=none
	"$PMEMSCAN" labels "$T/l1.lsa" >"$T/l1.before"
	"$PMEMSCAN" repair "$T/l1.lsa" >"$T/l1.txt"; rc=$?
	check "label index: the invalid older index is planned for rebuild (1 byte)" \
		sh -c "[ $rc -eq 0 ] && grep -q 'patch 0x150 (1 byte) free \[label-index\]' '$T/l1.txt'"
	"$PMEMSCAN" repair "$T/l1.lsa" -o "$T/l1r.lsa" >/dev/null; rc=$?
	"$PMEMSCAN" labels "$T/l1r.lsa" >"$T/l1.after"
	check "label index: repaired copy has both index blocks valid, index 0 current" \
		sh -c "[ $rc -eq 0 ] && grep -q '^  1     0x100        yes     yes      2' '$T/l1.after' && grep -q 'kernel uses index 0: both valid' '$T/l1.after'"
	# (0 = 0 when both listings are missing: some labels must be active)
	check "label index: the same labels are active ($(grep -c ' active ' "$T/l1.after") of them)" \
		test "$(grep -c ' active ' "$T/l1.before")" -gt 0 -a \
		"$(grep -c ' active ' "$T/l1.before")" = "$(grep -c ' active ' "$T/l1.after")"
	same_output "label index: the repaired area is the original fixture again" "$T/l1r.lsa" "$T/lfx/v12.lsa"
	# index 1 wiped: rebuilt field by field from index 0
	cp "$T/lfx/v12.lsa" "$T/l2.lsa"
	dd if=/dev/zero of="$T/l2.lsa" bs=256 seek=1 count=1 conv=notrunc status=none
	"$PMEMSCAN" repair "$T/l2.lsa" -o "$T/l2r.lsa" >"$T/l2.txt"; rc=$?
	check "label index: a wiped index 1 is rebuilt (seq 2, myoff 0x100, otheroff 0)" \
		sh -c "[ $rc -eq 0 ] && grep -q 'seq \[label-index\]: 0x0 -> 0x2' '$T/l2.txt' && grep -q 'myoff \[label-index\]: 0x0 -> 0x100' '$T/l2.txt'"
	same_output "label index: the rebuilt index 1 equals the original" "$T/l2r.lsa" "$T/lfx/v12.lsa"
	# the invalid index claims to be NEWER: two readings, refused
	"$PMEMSCAN" repair "$T/lfx/badprimary.lsa" >"$T/l3.txt"; rc=$?
	check "label index: an invalid index newer than the valid one is refused (exit 1)" \
		sh -c "[ $rc -eq 1 ] && grep -q 'REFUSED \[label-index\].*NEWER' '$T/l3.txt'"
fi

# ---- BTT: primary info block restored from its backup, and the reverse ----
MKBTT=$top_builddir/tests/support/mkfx-btt
if [ -x "$MKBTT" ]; then
	truncate -s 32M "$T/bttfs.img"
	$MKE2FS -q -F -t ext4 -b 4096 -d "$T/tree" "$T/bttfs.img" >/dev/null 2>&1
	"$MKBTT" -o "$T/b1.img" -s 64M -i "$T/bttfs.img" -S 11 --fault bad-primary >/dev/null
	b1sha=$(sha "$T/b1.img")
	"$PMEMSCAN" repair "$T/b1.img" >"$T/b1.txt"; rc=$?
	check "BTT bad primary: planned as a copy of the backup (4096 bytes at 0x1000)" \
		sh -c "[ $rc -eq 0 ] && grep -q 'patch 0x1000 (4096 bytes) btt_sb \[btt-info\]: primary (bad) -> copy of the backup' '$T/b1.txt'"
	check "BTT --plan: image unchanged" test "$(sha "$T/b1.img")" = "$b1sha"
	"$PMEMSCAN" repair "$T/b1.img" -o "$T/b1r.img" >/dev/null; rc=$?
	"$PMEMSCAN" check "$T/b1r.img" >"$T/b1c.txt"; crc=$?
	check "BTT bad primary: the repaired copy checks consistent" \
		sh -c "[ $rc -eq 0 ] && [ $crc -eq 0 ] && grep -q 'consistent: 0 errors, 0 warnings' '$T/b1c.txt'"
	# (two runs of zeros are byte copies too: the primary must be a BTT block)
	dd if="$T/b1r.img" of="$T/b1r.primary" bs=4096 skip=1 count=1 status=none
	dd if="$T/b1r.img" of="$T/b1r.backup" bs=4096 skip=$((0x3fff000 / 4096)) count=1 status=none
	check "BTT: primary and backup are byte copies after repair" \
		eval 'head -c 16 "$T/b1r.primary" | grep -qa BTT_ARENA_INFO && same "$T/b1r.primary" "$T/b1r.backup"'
	"$PMEMSCAN" btt-cat "$T/b1r.img" -o "$T/b1.dev" >/dev/null 2>&1
	check "BTT: files extract through the repaired BTT with the right hashes" files_ok "$T/b1.dev" 0 32
	# the reverse: a damaged backup restored from the good primary
	cp --sparse=always "$T/b1r.img" "$T/b2.img"
	printf 'X' | dd of="$T/b2.img" bs=1 seek=$((0x3fff000 + 0x200)) conv=notrunc status=none
	"$PMEMSCAN" repair "$T/b2.img" --in-place --undo-file "$T/b2.undo" >"$T/b2.txt"; rc=$?
	check "BTT damaged backup: restored from the primary in place" \
		eval '[ $rc -eq 0 ] && grep -q "btt_sb.info2 \[btt-info\]" "$T/b2.txt" && same "$T/b2.img" "$T/b1r.img"'
	"$PMEMSCAN" undo "$T/b2.undo" "$T/b2.img" >/dev/null; rc=$?
	check "BTT: undo brings the damaged backup back byte for byte" \
		sh -c "[ $rc -eq 0 ] && ! cmp -s '$T/b2.img' '$T/b1r.img' && cmp -s -n $((0x3fff000)) '$T/b2.img' '$T/b1r.img'"
	"$MKBTT" -o "$T/b3.img" -s 64M -i "$T/bttfs.img" -S 11 --fault bad-both >/dev/null
	"$PMEMSCAN" repair "$T/b3.img" >"$T/b3.txt"; rc=$?
	check "BTT with both info blocks bad: refused (exit 1)" \
		sh -c "[ $rc -eq 1 ] && grep -q 'REFUSED \[btt-info\]' '$T/b3.txt'"
else
	skip "BTT repair" "tests/support/mkfx-btt not built"
fi

# ---- a compressed dump: planned and copied from the decoded image ----
if command -v gzip >/dev/null; then
	gzip -1 -c "$T/legacy.img" >"$T/legacy.img.gz"; mkdir -p "$T/cache"
	"$PMEMSCAN" repair "$T/legacy.img.gz" --cache-dir "$T/cache" --assume-aligned -o "$T/fromgz.img" >/dev/null 2>&1; rc=$?
	check "gzip dump: -o writes the decoded, repaired image (same bytes as the repaired raw copy)" \
		eval '[ $rc -eq 0 ] && same "$T/fromgz.img" "$T/fixed.img"'
	"$PMEMSCAN" repair "$T/legacy.img.gz" --assume-aligned --in-place >/dev/null 2>"$T/gz.err"; rc=$?
	check "gzip dump: --in-place refused with a one-line reason (exit 3)" \
		sh -c "[ $rc -eq 3 ] && [ \$(wc -l <'$T/gz.err') -eq 1 ] && grep -q 'gzip-compressed dump cannot be repaired in place' '$T/gz.err' && [ ! -e '$T/legacy.img.gz.pmemscan-undo' ]"
else
	skip "gzip dump repair" "gzip not installed"
fi

# ---- the era fixtures (fixtures/gen.sh: each kernel era's own formulas) ----
# era NAME WANT_DATA_OFFSET: planned with the fixture's physical base, the
# repaired block puts the data start exactly where the filesystem is
era() {
	img=$(fixture "$1"); rc=$?
	if [ $rc -eq 77 ]; then skip "$1: start_pad rewrite planned" "a generator tool is missing"; return; fi
	if [ $rc -ne 0 ]; then not_ok "$1: fixture generated (exit $rc)"; return; fi
	pb=$(fixture_val "$1" phys_base)
	"$PMEMSCAN" repair "$img" --phys-base "$pb" >"$T/era.txt"; rc=$?
	hex=$(printf '0x%x' "$2")
	check "$1: start_pad rewrite planned, re-scan proven with data at $hex (where the filesystem is)" \
		sh -c "[ $rc -eq 0 ] && grep -q 'after : proven, info block v1.4 start_pad 0x0 dataoff $hex .*data at $hex holds' '$T/era.txt'"
}
era legacy-f2-fsdax-ext4 "$(fixture_val legacy-f2-fsdax-ext4 fs_offset)"
era legacy-f4-fsdax-ext4 "$(fixture_val legacy-f4-fsdax-ext4 fs_offset)"
era legacy-f4-fsdax-xfs "$(fixture_val legacy-f4-fsdax-xfs fs_offset)"
era legacy-f5-fsdax-ext4 "$(fixture_val legacy-f5-fsdax-ext4 fs_offset)"
era fixed-placed-ext4 "$(fixture_val fixed-placed-ext4 fs_offset)"
era small-legacy-ext4 "$(fixture_val small-legacy-ext4 fs_offset)"
# the spec's 132 MiB namespace, repaired for real: its files against the manifest
img=$(fixture small-legacy-ext4); rc=$?
if [ $rc -eq 77 ]; then skip "small-legacy-ext4 (132 MiB): repaired copy" "a generator tool is missing"
elif [ $rc -ne 0 ]; then not_ok "small-legacy-ext4: fixture generated (exit $rc)"
else
	"$PMEMSCAN" repair "$img" --phys-base "$(fixture_val small-legacy-ext4 phys_base)" -o "$T/small-r.img" >/dev/null; rc=$?
	off=$(fixture_val small-legacy-ext4 fs_offset)
	rm -rf "$T/sx"; mkdir "$T/sx"
	dd if="$T/small-r.img" of="$T/small-fs.img" bs=1M skip=$((off / MiB)) status=none
	$DEBUGFS -R "rdump / $T/sx" "$T/small-fs.img" >/dev/null 2>&1
	# (check returns 0 either way: the mismatches go to the log from here)
	check "small-legacy-ext4 (132 MiB): repaired copy written, files match the generator's manifest (sha256, sizes)" \
		eval '[ $rc -eq 0 ] && manifest_match -i mode,uid,gid,mtime,links,xattrs -x lost+found "${img%.img}.manifest" "$T/sx"'
fi
for n in damaged-legacy-ext4 both-ext4 legacy-devdax; do
	img=$(fixture "$n"); rc=$?
	# (a fixture that failed was dropped here without a line)
	if [ $rc -eq 77 ]; then skip "$n: refused" "a generator tool is missing"; continue; fi
	if [ $rc -ne 0 ]; then not_ok "$n: fixture generated (exit $rc)"; continue; fi
	"$PMEMSCAN" repair "$img" --phys-base "$(fixture_val "$n" phys_base)" >"$T/r.txt"; rc=$?
	check "$n: refused (exit 1, nothing planned)" sh -c "[ $rc -eq 1 ] && grep -q '^0 patches' '$T/r.txt'"
done

# ---- bad input: one line on stderr, exit 3, nothing written ----
bad() {	# bad DESCRIPTION PATTERN ARGS...
	d=$1; pat=$2; shift 2
	"$PMEMSCAN" "$@" >"$T/out" 2>"$T/err"; rc=$?
	if [ "$rc" -eq 3 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "$pat" "$T/err" && [ ! -s "$T/out" ]; then
		ok "$d"
	else
		not_ok "$d (exit $rc: $(cat "$T/err"))"
	fi
}
bad "repair: no such file" "nope.img: cannot open" repair "$T/nope.img"
bad "repair: -o exists" "fixed.img: output exists" repair "$T/legacy.img" --assume-aligned -o "$T/fixed.img"
bad "repair: --in-place with -o" "exclude each other" repair "$T/legacy.img" --in-place -o "$T/new.img"
bad "repair: --plan with -o" "writes nothing" repair "$T/legacy.img" --plan -o "$T/new.img"
bad "repair: --json with -o" "json prints the plan only" repair "$T/legacy.img" --json -o "$T/new.img"
bad "repair: --no-image-hash without --in-place" "goes with --in-place" repair "$T/legacy.img" --no-image-hash
bad "repair: no image" "no IMAGE" repair
bad "repair: bad --namespace" "no such namespace" repair "$T/legacy.img" --namespace 5
bad "repair: --phys-base with --assume-aligned" "exclude each other" repair "$T/legacy.img" --phys-base 0 --assume-aligned
bad "undo: wrong arguments" "usage" undo "$T/inplace.img.pmemscan-undo"
bad "undo: not an undo file" "not a pmemscan undo file" undo "$T/tree.sha" "$T/inplace.img"
check "no stray output files" sh -c "[ ! -e '$T/new.img' ]"
check "the original was never written" test "$(sha "$T/legacy.img")" = "$orig"
done_testing
