#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# XFS logs made dirty by this host's kernel (issue 22): mkfs.xfs on a file,
# mount -o loop, a tree written and synced, then more changes made durable
# by fsync only, then the goingdown ioctl without flushing the log
# (xfs_io -x -c shutdown) and umount: the log needs recovery. The reference
# for the head, the tail and the transactions is xfs_logprint (xfsprogs),
# and xfs_repair -n confirms the log is dirty; pmemscan must say the same,
# and its extract and ls must exit 1 saying the view is stale. A filesystem
# unmounted normally is clean and extracts with exit 0, as before.
. "$top_srcdir/tests/support/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"
for t in mkfs.xfs xfs_io xfs_logprint xfs_repair mount umount; do
	command -v $t >/dev/null || skip_all "$t not installed"
done
[ "$(id -u)" -eq 0 ] || skip_all "mount -o loop needs root"

MNT=$T/mnt
mkdir -p "$MNT"
cleanup() { mountpoint -q "$MNT" 2>/dev/null && umount "$MNT"; rm -rf "$T"; }
trap cleanup EXIT

# mkimg IMG dirty|clean [mkfs options]: returns 77 when this kernel cannot
# mount it
mkimg() {
	img=$1; how=$2; shift 2
	rm -f "$img"; truncate -s 320M "$img"
	mkfs.xfs -q -f "$@" "$img" 2>/dev/null || return 1
	mount -o loop "$img" "$MNT" 2>/dev/null || return 77
	mkdir -p "$MNT/a/b"
	echo hello >"$MNT/a/f1"
	seq 1 20000 >"$MNT/a/b/f2"
	ln -s f1 "$MNT/a/l"
	head -c 300000 /dev/urandom >"$MNT/a/b/rand"
	sync
	mkdir "$MNT/new"
	for i in 1 2 3 4 5; do echo "n$i" >"$MNT/new/n$i"; done
	xfs_io -c fsync "$MNT/new/n1"
	mv "$MNT/a/f1" "$MNT/a/f1r"
	rm "$MNT/a/b/f2"
	xfs_io -c fsync "$MNT/new"
	if [ "$how" = dirty ]; then
		xfs_io -x -c shutdown "$MNT" || { umount "$MNT"; return 1; }
	fi
	umount "$MNT"
}

# logprint IMG FIELD: "tail", "head" or "state" from xfs_logprint -t
logprint() {
	xfs_logprint -t "$1" 2>/dev/null |
		sed -n "s/.*log tail: \([0-9]*\) head: \([0-9]*\) state: <\([A-Z]*\)>.*/\1 \2 \3/p" |
		{ read -r t h s; case $2 in tail) echo "$t";; head) echo "$h";; state) echo "$s";; esac; }
}

# jlog JSON EXPR: a field of the one candidate's xfs_log
jlog() { jq -r ".namespaces[0].candidates[0].xfs_log.$2" "$1"; }
blk() { echo "${1#*:}"; }

img=$T/dirty.img
mkimg "$img" dirty; rc=$?
[ $rc -eq 77 ] && skip_all "this kernel cannot mount a loop-device XFS"
check "a dirty XFS was made" test $rc -eq 0

# the witnesses: xfs_repair -n and xfs_logprint
xfs_repair -n "$img" >"$T/repair.txt" 2>&1
check "xfs_repair -n says the log holds metadata changes" \
	grep -q "valuable metadata changes in a log" "$T/repair.txt"
lp_tail=$(logprint "$img" tail); lp_head=$(logprint "$img" head)
check "xfs_logprint calls the log DIRTY" test "$(logprint "$img" state)" = DIRTY
# the transactions xfs_logprint -t would recover (one TRANS line each)
lp_trans=$(xfs_logprint -t "$img" 2>/dev/null | grep -c '^TRANS:')
check "xfs_logprint finds transactions ($lp_trans)" test "$lp_trans" -gt 0

"$PMEMSCAN" --json --hash none "$img" >"$T/d.json"
check "scan: the log is dirty and needs recovery" \
	test "$(jlog "$T/d.json" state) $(jlog "$T/d.json" needs_recovery)" = "dirty true"
check "scan: head block $lp_head as xfs_logprint's" \
	test "$(blk "$(jlog "$T/d.json" head_lsn)")" = "$lp_head"
check "scan: tail block $lp_tail as xfs_logprint's" \
	test "$(blk "$(jlog "$T/d.json" tail_lsn)")" = "$lp_tail"
check "scan: $lp_trans committed transactions, as xfs_logprint -t recovers" \
	test "$(jlog "$T/d.json" transactions)" = "$lp_trans"
check "scan: the log blocks are head - tail" \
	test "$(jlog "$T/d.json" blocks)" = "$((lp_head - lp_tail))"
# the records: xfs_logprint prints one "cycle:" line per record, from block 0
lp_recs=$(xfs_logprint "$img" 2>/dev/null | grep -E '^cycle: ' |
	sed -n 's/.*[[:space:]]lsn: [0-9]*,\([0-9]*\)[[:space:]].*/\1/p' | awk -v t="$lp_tail" '$1 >= t' | wc -l)
check "scan: $lp_recs records from the tail, as xfs_logprint lists" \
	test "$(jlog "$T/d.json" records)" = "$lp_recs"
check "scan: the verdict keeps its layout meaning (proven)" \
	test "$(jq -r '.namespaces[0].verdict.result' "$T/d.json")" = proven
check "scan: the JSON overview says the files are the stale state" \
	sh -c "jq -r '.namespaces[0].verdict.overview' '$T/d.json' | grep -q STALE"
"$PMEMSCAN" --hash none "$img" >"$T/d.txt"
check "scan text: the candidate's xfs log line says DIRTY with the head LSN" \
	grep -q "xfs log at .*DIRTY, needs recovery: tail LSN [0-9]*:$lp_tail, head LSN [0-9]*:$lp_head" "$T/d.txt"
check "scan text: the summary says the extracted files would be stale" \
	grep -q "Its XFS log needs recovery.*STALE on-disk state" "$T/d.txt"
"$PMEMSCAN" --hash none "$img" --html "$T/d.html" >/dev/null 2>&1
check "scan html: the log's state is on the page" \
	grep -q 'data-xfs-log="dirty"' "$T/d.html"

expect_exit 1 "extract of the dirty XFS exits 1" \
	"$PMEMSCAN" extract "$img" -o "$T/out" 2>"$T/x.err"
check "extract says the view is stale and recovery has changes it does not show" \
	grep -q "extract: the XFS log needs recovery.*STALE on-disk view" "$T/x.err"
expect_exit 1 "ls of the dirty XFS exits 1" "$PMEMSCAN" ls "$img" >/dev/null 2>"$T/l.err"
check "ls says the view is stale" grep -q "ls: the XFS log needs recovery.*STALE" "$T/l.err"
# carve: an exact image, log included; mounting it is how to recover
expect_exit 0 "carve of the dirty XFS exits 0 (the image is exact)" \
	"$PMEMSCAN" carve "$img" -o "$T/c.img" 2>"$T/c.err"
check "carve notes that mounting the copy replays the log" grep -q "log needs recovery" "$T/c.err"
check "the carved image is the filesystem, byte for byte" cmp -s "$img" "$T/c.img"
rm -f "$T/c.img"; rm -rf "$T/out"

# A torn write at the head: the last record's data no longer matches its
# CRC. The kernel (and pmemscan) then ends the log at that record's start,
# which is the last record xfs_logprint lists (it checks no CRC).
last=$(xfs_logprint "$img" 2>/dev/null | grep -E '^cycle: ' |
	sed -n 's/.*[[:space:]]lsn: [0-9]*,\([0-9]*\)[[:space:]].*/\1/p' | tail -n 1)
logbb=$(( $(xfs_db -r -c "convert fsb $(xfs_db -r -c 'sb 0' -c 'p logstart' "$img" | sed 's/.*= //') daddr" "$img" |
	sed 's/.*(\([0-9]*\)).*/\1/') ))
cp --sparse=always "$img" "$T/torn.img"
# a byte in the last record's first data block, past its op header
printf '\377' | dd of="$T/torn.img" bs=1 seek=$(( (logbb + last + 1) * 512 + 100 )) conv=notrunc 2>/dev/null
"$PMEMSCAN" --json --hash none "$T/torn.img" >"$T/t.json"
if [ "$last" -gt "$lp_tail" ]; then
	check "torn head: the head moves back to the last record's start (block $last)" \
		test "$(blk "$(jlog "$T/t.json" head_lsn)") $(jlog "$T/t.json" torn_head)" = "$last true"
else
	check "torn head: the only record is torn: nothing to replay" \
		test "$(jlog "$T/t.json" torn_head)" = true
fi
rm -f "$T/torn.img"

# A log that has gone round: the smallest log mkfs makes (its fstests
# override allows one on a small filesystem), churned until it wraps, then
# shut down. xfs_logprint's record list shows the cycle it reached.
rm -f "$T/wrap.img"; truncate -s 256M "$T/wrap.img"
if TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1 mkfs.xfs -q -f -l size=1368b "$T/wrap.img" 2>/dev/null &&
   mount -o loop "$T/wrap.img" "$MNT" 2>/dev/null; then
	for r in $(seq 1 300); do
		mkdir "$MNT/d$r"
		for i in $(seq 1 100); do : >"$MNT/d$r/f$i"; done
		xfs_io -c fsync "$MNT/d$r"
		[ "$r" -gt 3 ] && rm -rf "$MNT/d$((r - 3))"
	done
	for i in 1 2 3 4 5 6 7 8; do echo "$i" >"$MNT/z$i"; xfs_io -c fsync "$MNT/z$i"; done
	xfs_io -x -c shutdown "$MNT"
	umount "$MNT"
	wcyc=$(xfs_logprint "$T/wrap.img" 2>/dev/null | sed -n 's/^cycle: \([0-9]*\).*/\1/p' | sort -n | tail -n 1)
	check "wrapped: xfs_logprint shows the log past its first cycle (cycle $wcyc)" test "${wcyc:-0}" -ge 2
	"$PMEMSCAN" --json --hash none "$T/wrap.img" >"$T/w.json"
	check "wrapped: dirty, head and tail blocks as xfs_logprint's" \
		test "$(jlog "$T/w.json" state) $(blk "$(jlog "$T/w.json" head_lsn)") $(blk "$(jlog "$T/w.json" tail_lsn)")" = \
		"dirty $(logprint "$T/wrap.img" head) $(logprint "$T/wrap.img" tail)"
	check "wrapped: the head's cycle is the last cycle xfs_logprint lists" \
		test "$(jlog "$T/w.json" head_lsn | cut -d: -f1)" = "$wcyc"
	check "wrapped: committed transactions as xfs_logprint -t recovers" \
		test "$(jlog "$T/w.json" transactions)" = "$(xfs_logprint -t "$T/wrap.img" 2>/dev/null | grep -c '^TRANS:')"
else
	skip "wrapped log" "mkfs.xfs refused the small log or the mount failed"
fi
rm -f "$T/wrap.img"

# the same steps, unmounted normally: clean
mkimg "$T/clean.img" clean
check "a clean XFS was made" test $? -eq 0
check "xfs_logprint calls it CLEAN" test "$(logprint "$T/clean.img" state)" = CLEAN
"$PMEMSCAN" --json --hash none "$T/clean.img" >"$T/c.json"
check "scan: the log is clean" test "$(jlog "$T/c.json" state)" = clean
check "scan: clean head block as xfs_logprint's, tail == head" \
	test "$(blk "$(jlog "$T/c.json" head_lsn)") $(jlog "$T/c.json" tail_lsn)" = \
	"$(logprint "$T/clean.img" head) $(jlog "$T/c.json" head_lsn)"
check "scan text: no stale warning on a clean log" \
	sh -c "! '$PMEMSCAN' --hash none '$T/clean.img' | grep -q STALE"
expect_exit 0 "extract of the clean XFS exits 0" \
	"$PMEMSCAN" extract "$T/clean.img" -o "$T/cout" 2>"$T/cx.err"
check "its files are all there (the renamed one, the new directory)" \
	test "$(cat "$T/cout/a/f1r" 2>/dev/null) $(cat "$T/cout/new/n5" 2>/dev/null)" = "hello n5"
check "and the deleted one is gone" test ! -e "$T/cout/a/b/f2"

# the generated XFS fixture (tests/cli/scan-fixtures.sh): its log is clean,
# as xfs_logprint says of it, and its extraction stays exit 0
fx=$(fixture raw-xfs); rc=$?
if [ $rc -ne 0 ]; then
	skip "raw-xfs fixture: clean log" "fixture not generated (exit $rc)"
else
	"$PMEMSCAN" --json --hash none "$fx" >"$T/fx.json"
	check "raw-xfs fixture: xfs_logprint calls its log CLEAN" test "$(logprint "$fx" state)" = CLEAN
	check "raw-xfs fixture: pmemscan says clean, head as xfs_logprint's" \
		test "$(jlog "$T/fx.json" state) $(blk "$(jlog "$T/fx.json" head_lsn)")" = \
		"clean $(logprint "$fx" head)"
fi

# a v4 filesystem (-m crc=0) where this kernel still mounts one
mkimg "$T/v4.img" dirty -m crc=0; rc=$?
if [ $rc -eq 77 ]; then
	skip "v4 (crc=0) dirty log" "this kernel does not mount v4 XFS"
	# still: mkfs's own v4 log is clean, as xfs_logprint says
	"$PMEMSCAN" --json --hash none "$T/v4.img" >"$T/v4.json"
	check "v4 straight from mkfs: clean, head as xfs_logprint's" \
		test "$(jlog "$T/v4.json" state) $(blk "$(jlog "$T/v4.json" head_lsn)")" = \
		"clean $(logprint "$T/v4.img" head)"
else
	"$PMEMSCAN" --json --hash none "$T/v4.img" >"$T/v4.json"
	check "v4 dirty log: head and tail as xfs_logprint's" \
		test "$(jlog "$T/v4.json" state) $(blk "$(jlog "$T/v4.json" head_lsn)") $(blk "$(jlog "$T/v4.json" tail_lsn)")" = \
		"dirty $(logprint "$T/v4.img" head) $(logprint "$T/v4.img" tail)"
fi
done_testing
