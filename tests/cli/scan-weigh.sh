#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Both readings of start_pad hold a valid filesystem: the scan weighs the
# evidence (docs/start_pad.md "Weighing"; issue 16, item 7). Each rule
# decides one image; one image stays undecided; decisive ones are taken by
# --semantics auto, the others are refused, and the suggested commands
# follow the recommendation.
. "$top_srcdir/tests/support/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"
MKFX=$top_builddir/tests/support/mkfx-pfn
[ -x "$MKFX" ] || skip_all "tests/support/mkfx-pfn not built"
command -v debugfs >/dev/null || skip_all "debugfs not installed"
I76="--phys-base 0x577c000000 --region-below 0x577c000000"
OLD=1600000000	# 2020-09-13 12:26:40 UTC
NEW=1700000000	# 2023-11-14 22:13:20 UTC
M=1048576

# ns IMG SIZE: a legacy F4 pfn block (ndctl #76: start_pad 64 MiB)
ns() { rm -f "$1"; "$MKFX" --era F4 --size "$2" $I76 "$1" >"$1.layout"; }
lay() { sed -n "s/^$2=//p" "$1.layout"; }
# ext IMG OFF BYTES UUID TIME: an ext4 at OFF, last written at TIME
ext() {
	E2FSPROGS_FAKE_TIME=$5 $MKE2FS -q -F -t ext4 -b 4096 -U "$4" \
		-E offset="$2",nodiscard "$1" "$(($3 / 1024))k" >/dev/null 2>&1
}
# dbg IMG OFF TIME CMD: a debugfs write command (the write time stays TIME)
dbg() { E2FSPROGS_FAKE_TIME=$3 debugfs -w -R "$4" "$1?offset=$2" >/dev/null 2>&1; }
LU=11111111-0000-4000-8000-00000000000a	# the legacy filesystem
FU=22222222-0000-4000-8000-00000000000f	# the fixed one

# scan NAME IMG: the JSON report and the text report
scan() {
	"$PMEMSCAN" --json --hash none "$2" >"$T/$1.json"
	"$PMEMSCAN" --hash none "$2" >"$T/$1.txt"
}
w() { jq -r ".namespaces[0].verdict.$2" "$T/$1.json"; }
rules() { jq -r '[.namespaces[0].verdict.weighing.reasons[] | "\(.rule):\(.favours)"] | join(" ")' "$T/$1.json"; }
# expect NAME RECOMMENDED DECISIVE RULES: the weighing's outcome
expect() {
	check "$1: verdict ambiguous, recommends $2, decisive $3" test \
		"$(w "$1" result) $(w "$1" weighing.recommended) $(w "$1" weighing.decisive)" = "ambiguous $2 $3"
	check "$1: the reasons are: $4" test "$(rules "$1")" = "$4"
}
# auto NAME IMG WANT_UUID|refused: extract with --semantics auto
auto() {
	rm -rf "$T/x-$1"
	"$PMEMSCAN" ls "$2" --json >"$T/ls-$1.json" 2>"$T/ls-$1.err"; rc=$?
	if [ "$3" = refused ]; then
		check "$1: --semantics auto refuses (exit 1), naming the recommendation if any" \
			sh -c "[ $rc -eq 1 ] && grep -q 'ambiguous' '$T/ls-$1.err'"
	else
		"$PMEMSCAN" carve "$2" -o "$T/$1.carved" --quiet >/dev/null 2>&1
		check "$1: --semantics auto takes the recommended filesystem (carve gives uuid $3)" \
			test "$(blkid -o value -s UUID "$T/$1.carved" 2>/dev/null)" = "$3"
		rm -f "$T/$1.carved"
	fi
}
# next NAME SEM: every suggested pmemscan command names --semantics SEM
next() {
	jq -r '.namespaces[0].verdict.next_commands[] | select(startswith("pmemscan"))' "$T/$1.json" >"$T/next-$1"
	check "$1: the suggested commands follow the recommendation (--semantics $2)" \
		sh -c "[ -s '$T/next-$1' ] && ! grep -v -- '--semantics $2' '$T/next-$1'"
}

# ---- 4 GiB namespace: fixed start (66 MiB) past start_pad (64 MiB) ----
ns "$T/big.img" 4G
LOFF=$(lay "$T/big.img" legacy_data) LSZ=$(lay "$T/big.img" legacy_size)
XOFF=$(lay "$T/big.img" fixed_data)
cp --sparse=always "$T/big.img" "$T/base.img"

# nothing decides: both smaller than their rooms, same times, clean journals
ext "$T/big.img" "$XOFF" $((32 * M)) $FU $OLD
ext "$T/big.img" "$LOFF" $((256 * M)) $LU $OLD
scan none "$T/big.img"
check "none: verdict ambiguous, no recommendation, not decisive, no reasons" test \
	"$(w none result) $(w none weighing.recommended) $(w none weighing.decisive) $(rules none)" = "ambiguous null null "
check "none: the text says the evidence does not choose" \
	grep -q 'AMBIGUOUS: .*the evidence does not choose' "$T/none.txt"
auto none "$T/big.img" refused

# size: the legacy filesystem fills exactly its room (S - P - D)
cp --sparse=always "$T/base.img" "$T/size.img"
ext "$T/size.img" "$XOFF" $((32 * M)) $FU $OLD
ext "$T/size.img" "$LOFF" "$LSZ" $LU $OLD
scan size "$T/size.img"
expect size legacy null "size:legacy"
check "size: the text names the rule and the room" \
	grep -q "+ favours legacy: its filesystem claims exactly the $((LSZ / M)) MiB that reading gives" "$T/size.txt"
check "size: the text says it is not decisive and how to follow it" \
	grep -q 'weighing: recommends legacy; not decisive (one kind of reason): --semantics auto refuses; pass --semantics legacy' "$T/size.txt"
auto size "$T/size.img" refused
check "size: the refusal names the recommendation" grep -q 'favours the legacy reading' "$T/ls-size.err"
next size legacy

# times: the fixed filesystem was written later
cp --sparse=always "$T/base.img" "$T/times.img"
ext "$T/times.img" "$XOFF" $((32 * M)) $FU $NEW
ext "$T/times.img" "$LOFF" $((256 * M)) $LU $OLD
scan times "$T/times.img"
expect times fixed null "times:fixed"
check "times: the text gives both times" \
	grep -q '+ favours fixed: its filesystem was last written or mounted 2023-11-14 22:13:20 UTC, the other.s 2020-09-13 12:26:40 UTC' "$T/times.txt"
auto times "$T/times.img" refused
next times fixed
# ... the last mount time counts too: the legacy one mounted later still
dbg "$T/times.img" "$LOFF" $OLD "ssv mtime 20240101000000"
scan mtime "$T/times.img"
expect mtime legacy null "times:legacy"

# journal: the legacy filesystem needs recovery (mounted when imaged)
cp --sparse=always "$T/base.img" "$T/journal.img"
ext "$T/journal.img" "$XOFF" $((32 * M)) $FU $OLD
ext "$T/journal.img" "$LOFF" $((256 * M)) $LU $OLD
dbg "$T/journal.img" "$LOFF" $OLD "feature needs_recovery"
scan journal "$T/journal.img"
expect journal legacy null "journal-needs-recovery:legacy"
auto journal "$T/journal.img" refused
next journal legacy

# journal sequence: the legacy journal committed transactions (as a kernel
# leaves it after use: its superblock's s_sequence past mke2fs's 1)
cp --sparse=always "$T/base.img" "$T/jseq.img"
ext "$T/jseq.img" "$XOFF" $((32 * M)) $FU $OLD
ext "$T/jseq.img" "$LOFF" $((256 * M)) $LU $OLD
jb=$(debugfs -R "bmap <8> 0" "$T/jseq.img?offset=$LOFF" 2>/dev/null)
printf '\000\000\001\045' | dd of="$T/jseq.img" bs=1 seek=$((LOFF + jb * 4096 + 24)) conv=notrunc status=none
scan jseq "$T/jseq.img"
expect jseq legacy null "journal-sequence:legacy"
check "jseq: the text gives both sequences" \
	grep -q '+ favours legacy: its journal has committed transactions (sequence 293); the other.s never did (sequence 1' "$T/jseq.txt"

# two kinds agree: fills its room and was written later: decisive
cp --sparse=always "$T/base.img" "$T/two.img"
ext "$T/two.img" "$XOFF" $((32 * M)) $FU $OLD
ext "$T/two.img" "$LOFF" "$LSZ" $LU $NEW
scan two "$T/two.img"
expect two legacy two-kinds "size:legacy times:legacy"
check "two: the text says auto takes it" \
	grep -q 'weighing: recommends legacy; decisive (two kinds of reason agree, nothing against them): --semantics auto takes it' "$T/two.txt"
check "two: the JSON's chosen candidate is the recommended one" test "$(w two chosen)" = legacy
auto two "$T/two.img" $LU
check "two: ls says the weighing decided, not that it was proven" \
	grep -q 'legacy data start .*(ambiguous; the evidence weighed decides it' "$T/ls-two.err"
next two legacy

# conflict: the legacy one fills its room, the fixed one is newer
cp --sparse=always "$T/base.img" "$T/conflict.img"
ext "$T/conflict.img" "$XOFF" $((32 * M)) $FU $NEW
ext "$T/conflict.img" "$LOFF" "$LSZ" $LU $OLD
scan conflict "$T/conflict.img"
expect conflict null null "size:legacy times:fixed"
check "conflict: the text says the reasons favour both readings" \
	grep -q 'no recommendation: the reasons favour both readings' "$T/conflict.txt"
auto conflict "$T/conflict.img" refused

# xfs at one reading: no times in its superblock, said as a reason of no weight
if command -v mkfs.xfs >/dev/null; then
	cp --sparse=always "$T/base.img" "$T/xfs.img"
	truncate -s 300M "$T/xfs.part"
	mkfs.xfs -q -f -m uuid=$FU "$T/xfs.part" >/dev/null 2>&1
	dd if="$T/xfs.part" of="$T/xfs.img" bs=1M seek=$((XOFF / M)) conv=notrunc,sparse status=none
	ext "$T/xfs.img" "$LOFF" $((256 * M)) $LU $OLD
	scan xfs "$T/xfs.img"
	check "xfs: the fixed xfs weighs nothing for times, and says why" test \
		"$(rules xfs)" = "no-times:null"
	check "xfs: the text says xfs keeps no times in its superblock" \
		grep -q 'fixed reading.s filesystem is xfs, whose superblock keeps no last-write or last-mount time' "$T/xfs.txt"
else
	skip "xfs: no times" "mkfs.xfs not installed"
fi

# ---- 132 MiB namespace: the fixed start (4 MiB) inside start_pad ----
ns "$T/pad.img" 132M
LOFF=$(lay "$T/pad.img" legacy_data) XOFF=$(lay "$T/pad.img" fixed_data)
ext "$T/pad.img" "$XOFF" $((32 * M)) $FU $OLD
ext "$T/pad.img" "$LOFF" $((48 * M)) $LU $OLD
scan pad "$T/pad.img"
expect pad legacy start-pad "start-pad:legacy"
check "pad: the text says the fixed filesystem lies inside start_pad and predates the block" \
	grep -q '+ favours legacy: the fixed reading.s filesystem (ns+0x400000, 32 MiB) lies entirely inside the start_pad area \[0, 0x4000000), which the kernel never writes under this block: it predates the block' "$T/pad.txt"
auto pad "$T/pad.img" $LU
next pad legacy
# the pad rule against another reason: no longer decisive, no recommendation
dbg "$T/pad.img" "$XOFF" $NEW "ssv mtime 20240101000000"
scan pad2 "$T/pad.img"
expect pad2 null null "start-pad:legacy times:fixed"
auto pad2 "$T/pad.img" refused
done_testing
