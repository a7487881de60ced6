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
cleanup() {
	for m in "$MNT" "$T/kmnt"; do mountpoint -q "$m" 2>/dev/null && umount "$m"; done
	rm -rf "$T"
}
trap cleanup EXIT

# mkimg IMG dirty|clean [mkfs options]: returns 77 when this kernel cannot
# mount it
mkimg() {
	mi=$1; how=$2; shift 2
	rm -f "$mi"; truncate -s 320M "$mi"
	mkfs.xfs -q -f "$@" "$mi" 2>/dev/null || return 1
	mount -o loop "$mi" "$MNT" 2>/dev/null || return 77
	mkdir -p "$MNT/a/b"
	echo hello >"$MNT/a/f1"
	seq 1 20000 >"$MNT/a/b/f2"
	ln -s f1 "$MNT/a/l"
	head -c 300000 /dev/urandom >"$MNT/a/b/rand"
	head -c 3000000 /dev/urandom >"$MNT/a/trunc"
	mkdir "$MNT/big"
	for i in $(seq 1 200); do echo "$i" >"$MNT/big/file$i"; done
	sync
	mkdir "$MNT/new"
	for i in 1 2 3 4 5; do echo "n$i" >"$MNT/new/n$i"; done
	# the directory grows from short form to block and leaf form
	for i in $(seq 201 500); do echo "$i" >"$MNT/big/file$i"; done
	rm -f "$MNT/big/file1"*
	truncate -s 100000 "$MNT/a/trunc"
	head -c 500000 /dev/urandom >"$MNT/new/bigfile"
	ln -s /some/where/far/away/a/long/target/name "$MNT/new/sl"
	xfs_io -c fsync "$MNT/new/n1"
	xfs_io -c fsync "$MNT/new/bigfile"
	xfs_io -c fsync "$MNT/a/trunc"
	mv "$MNT/a/f1" "$MNT/a/f1r"
	rm "$MNT/a/b/f2"
	xfs_io -c fsync "$MNT/new"
	xfs_io -c fsync "$MNT/big"
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

# tree FILE DIR: every entry (type, path, symlink target) and every file's
# sha256
# (one sha256sum for many files: "HASH  PATH" turned into "PATH HASH")
tree() {
	(cd "$2" && find . -printf '%y %p %l\n' | sort >"$1" &&
	 find . -type f -exec sha256sum {} + | sed 's/^\([0-9a-f]\{64\}\)  \(.*\)$/\2 \1/' | sort >>"$1")
}
# kernel FILE IMG: the tree the kernel shows after mounting a copy of IMG
# (its log recovery); the copy's dmesg lines in FILE.dmesg
KMNT=$T/kmnt
mkdir -p "$KMNT"
# (only the lines after a marker written to the kernel's log and naming
# this mount's loop device: other tests mount XFS images at the same time,
# and the ring buffer is shared by the whole machine)
kernel() {
	cp --sparse=always "$2" "$T/k.img"
	_mark="pmemscan-test journal-xfs $$ $(date +%s%N)"
	echo "$_mark" >/dev/kmsg 2>/dev/null
	_dev=$(losetup -f --show "$T/k.img") || { rm -f "$T/k.img"; return 1; }
	mount "$_dev" "$KMNT" && tree "$1" "$KMNT"; _r=$?
	umount "$KMNT" 2>/dev/null
	dmesg | sed -n "/$_mark/,\$p" | grep -F "XFS (${_dev#/dev/})" >"$1.dmesg"
	losetup -d "$_dev"
	rm -f "$T/k.img"
	return $_r
}
# replayed IMG NAME: extract (default view) equals the kernel's recovered
# tree, file for file, and exits 0
replayed() {
	kernel "$T/$2.truth" "$1"
	check "$2: the kernel's recovered tree holds the fsynced changes" \
		grep -q '^f ./new/n5' "$T/$2.truth"
	expect_exit 0 "$2: extract (the log replayed) exits 0" \
		"$PMEMSCAN" extract "$1" -o "$T/$2.out" 2>"$T/$2.err"
	tree "$T/$2.got" "$T/$2.out"
	same_output "$2: extract equals the kernel's recovered mount, file for file ($(grep -c . "$T/$2.truth") entries)" \
		"$T/$2.truth" "$T/$2.got"
	rm -rf "$T/$2.out"
}

# jlog JSON EXPR: a field of the one candidate's xfs_log
jlog() { jq -r ".namespaces[0].candidates[0].xfs_log.$2" "$1"; }
blk() { echo "${1#*:}"; }

# (made with the mkfs.xfs defaults: reflink, rmapbt where this mkfs enables
# them; the extract below is checked on it against the kernel's mount)
img=$T/dirty.img
mkimg "$img" dirty; rc=$?
[ $rc -eq 77 ] && skip_all "this kernel cannot mount a loop-device XFS"
check "a dirty XFS with mkfs.xfs defaults was made" test $rc -eq 0

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
# (their blocks, in log order, kept for the damage below)
recs=$(xfs_logprint "$img" 2>/dev/null | grep -E '^cycle: ' |
	sed -n 's/.*[[:space:]]lsn: [0-9]*,\([0-9]*\)[[:space:]].*/\1/p')
lp_recs=$(echo "$recs" | awk -v t="$lp_tail" '$1 >= t' | wc -l)
check "scan: $lp_recs records from the tail, as xfs_logprint lists" \
	test "$(jlog "$T/d.json" records)" = "$lp_recs"
check "scan: the verdict keeps its layout meaning (proven)" \
	test "$(jq -r '.namespaces[0].verdict.result' "$T/d.json")" = proven
check "scan: the JSON overview says the files come from the recovered view" \
	sh -c "jq -r '.namespaces[0].verdict.overview' '$T/d.json' | grep -q 'the files come from the recovered view'"
same_value "scan: the journal is the XFS log, replayed" \
	"$(jq -r '.namespaces[0].journal | "\(.kind) \(.view)"' "$T/d.json")" "xfs-log recovered"
same_value "scan: the transactions replayed are those xfs_logprint -t recovers" \
	"$(jq -r '.namespaces[0].journal.transactions' "$T/d.json")" "$lp_trans"
same_value "scan: the replay's tail and head LSNs are the log's" \
	"$(jq -r '.namespaces[0].journal.xfs | "\(.tail_lsn) \(.head_lsn)"' "$T/d.json")" \
	"$(jlog "$T/d.json" tail_lsn) $(jlog "$T/d.json" head_lsn)"
check "scan: inode and buffer items were replayed" \
	test "$(jq -r '.namespaces[0].journal.xfs | .inode_items * .buffer_items' "$T/d.json")" -gt 0
check "scan: what recovery changes lists /new/n5 as created (it is only in the log)" \
	sh -c "jq -r '.namespaces[0].journal.changes.entries[] | \"\(.change) \(.old_path // \"-\") \(.path)\"' '$T/d.json' >'$T/ch.txt' &&
	       grep -qx 'created - /new/n5' '$T/ch.txt'"
"$PMEMSCAN" --hash none "$img" >"$T/d.txt"
check "scan text: the candidate's xfs log line says DIRTY with the head LSN" \
	grep -q "xfs log at .*DIRTY, needs recovery: tail LSN [0-9]*:$lp_tail, head LSN [0-9]*:$lp_head" "$T/d.txt"
check "scan text: the journal line says the log is replayed, with the LSN range" \
	grep -q "xfs log: needs recovery: $lp_trans transactions (LSN [0-9]*:[0-9]* to [0-9]*:[0-9]*), .* items .*; replayed" "$T/d.txt"
check "scan text: no stale warning when the log is replayed" sh -c "! grep -q STALE '$T/d.txt'"
"$PMEMSCAN" --hash none "$img" --html "$T/d.html" >/dev/null 2>&1
check "scan html: the log's state is on the page" \
	grep -q 'data-xfs-log="dirty"' "$T/d.html"
"$PMEMSCAN" --hash none --journal ignore "$img" >"$T/di.txt"
sum0=$(sha256sum <"$img")

# extract: the kernel's recovered view, file for file
replayed "$img" dirty
check "extract's summary says the files come from the recovered view" \
	grep -q "^pmemscan: extract: xfs log: needs recovery: .* the files come from the recovered view" "$T/dirty.err"
check "... and no stale warning" sh -c "! grep -q STALE '$T/dirty.err'"
expect_exit 1 "extract --journal ignore exits 1 (the view is stale)" \
	"$PMEMSCAN" extract --journal ignore "$img" -o "$T/out" 2>"$T/x.err"
check "extract --journal ignore says the view is stale" \
	grep -q "extract: the XFS log needs recovery.*STALE on-disk view" "$T/x.err"
rm -rf "$T/out"
"$PMEMSCAN" ls "$img" --path /new >"$T/ls" 2>"$T/l.err"; rc=$?
check "ls (default) exits 0 and lists the new directory's files" \
	sh -c "[ $rc -eq 0 ] && grep -q 'n5\$' '$T/ls'"
expect_exit 1 "ls --journal ignore exits 1" "$PMEMSCAN" ls --journal ignore "$img" >/dev/null 2>"$T/l.err"
check "ls --journal ignore says the view is stale" grep -q "ls: the XFS log needs recovery.*STALE" "$T/l.err"
same_value "the input image is unchanged" "$(sha256sum <"$img")" "$sum0"

# carve: the recovered image, its log clean
expect_exit 0 "carve of the dirty XFS exits 0" \
	"$PMEMSCAN" carve "$img" -o "$T/c.img" 2>"$T/c.err"
check "carve says the image written is the recovered view" grep -q "the kernel mounts it without recovery" "$T/c.err"
check "xfs_logprint calls the carved image's log CLEAN" test "$(logprint "$T/c.img" state)" = CLEAN
xfs_repair -n "$T/c.img" >"$T/c.rep" 2>&1; rc=$?
check "xfs_repair -n passes on the carved image (exit $rc)" test $rc -eq 0
kernel "$T/c.truth" "$T/c.img"
check "the kernel's mount of the dirty image itself recovered its log (its lines say so)" \
	grep -q 'Starting recovery' "$T/dirty.truth.dmesg"
check "the kernel's lines of the carved image's mount were read" grep -q "Mounting V" "$T/c.truth.dmesg"
check "the kernel mounts the carved image without log recovery" \
	sh -c "! grep -q 'Starting recovery' '$T/c.truth.dmesg'"
same_output "the carved image mounted shows the kernel's recovered tree" "$T/dirty.truth" "$T/c.truth"
expect_exit 0 "carve --journal ignore exits 0 (the image is exact)" \
	"$PMEMSCAN" carve --journal ignore "$img" -o "$T/c.img" --force 2>"$T/c.err"
check "carve --journal ignore writes the filesystem byte for byte" cmp -s "$img" "$T/c.img"
check "... and notes that mounting the copy replays the log" grep -q "log needs recovery" "$T/c.err"
rm -f "$T/c.img"

# Files unlinked while open at the crash: after recovery the kernel's mount
# frees every inode on the AGI unlinked lists (their blocks back into the
# free space btrees, the inodes into the inode btrees). The carved image must
# hold what the kernel's mount leaves: xfs_repair -n passes, and the free
# counts (superblock ifree and fdblocks, every AGF's freeblks and longest,
# every AGI's freecount) are the kernel's.
# mkorph IMG [xattr]: the held files, fsynced, then the shutdown
mkorph() {
	rm -f "$1"; truncate -s 320M "$1"
	mkfs.xfs -q -f "$1" 2>/dev/null && mount -o loop "$1" "$MNT" 2>/dev/null || return 1
	mkdir "$MNT/a"; echo hello >"$MNT/a/f1"
	head -c 30000 /dev/urandom >"$MNT/orph.bin"
	sync
	head -c 40000 /dev/urandom >"$MNT/open-new.bin"
	xfs_io -c fsync "$MNT/open-new.bin"
	if [ "${2:-}" = xattr ]; then
		# an xattr too big for the inode: its value in a block of its own
		head -c 3000 /dev/zero >"$MNT/xattr.bin"
		setfattr -n user.big -v "0x$(head -c 3000 /dev/urandom | od -An -tx1 | tr -d ' \n')" "$MNT/xattr.bin"
		xfs_io -c fsync "$MNT/xattr.bin"
	fi
	( exec 3<"$MNT/orph.bin" 4<"$MNT/open-new.bin" 5<"$MNT/a/f1"
	  [ "${2:-}" = xattr ] && exec 6<"$MNT/xattr.bin"
	  rm -f "$MNT/orph.bin" "$MNT/open-new.bin" "$MNT/xattr.bin"
	  xfs_io -c fsync "$MNT"; : >"$T/held"; sleep 60 ) &
	hp=$!
	while [ ! -e "$T/held" ]; do sleep 0.2; done; rm -f "$T/held"
	xfs_io -c fsync "$MNT/a/f1"
	xfs_io -x -c shutdown "$MNT"
	kill $hp; wait $hp 2>/dev/null
	umount "$MNT"
}
# counts IMG: the free counts xfs_db reads
counts() {
	ags=$(xfs_db -r -c 'sb 0' -c 'p agcount' "$1" | sed 's/.*= //')
	xfs_db -r -c 'sb 0' -c 'p icount ifree fdblocks' "$1"
	ag=0
	while [ "$ag" -lt "$ags" ]; do
		xfs_db -r -c "agf $ag" -c 'p freeblks longest flcount' -c "agi $ag" -c 'p count freecount unlinked' "$1" |
			sed "s/^/ag $ag /"
		ag=$((ag + 1))
	done
}
if mkorph "$T/orph.img"; then
	ok "a dirty XFS with two files unlinked while open was made"
	cp --sparse=always "$T/orph.img" "$T/k.img"
	mount -o loop "$T/k.img" "$KMNT" && umount "$KMNT"
	xfs_repair -n "$T/k.img" >/dev/null 2>&1; rc=$?
	check "unlinked while open: xfs_repair -n passes on the kernel's recovered copy (exit $rc)" test $rc -eq 0
	counts "$T/k.img" >"$T/orph.truth"
	check "... whose AGI lists are empty" sh -c "! grep -q 'unlinked.*= .*[0-9]:' '$T/orph.truth'"
	expect_exit 0 "unlinked while open: carve exits 0" \
		"$PMEMSCAN" carve "$T/orph.img" -o "$T/oc.img" 2>"$T/oc.err"
	xfs_repair -n "$T/oc.img" >"$T/oc.rep" 2>&1; rc=$?
	check "unlinked while open: xfs_repair -n passes on the carved image (exit $rc)" test $rc -eq 0
	check "... with no disconnected inode" sh -c "! grep -q 'disconnected inode [0-9]' '$T/oc.rep'"
	counts "$T/oc.img" >"$T/orph.got"
	same_output "unlinked while open: the carved image's free counts are the kernel's (sb ifree, fdblocks; AGF freeblks, longest; AGI freecount, lists)" \
		"$T/orph.truth" "$T/orph.got"
	"$PMEMSCAN" --json --hash none "$T/orph.img" >"$T/o.json"
	same_value "scan: 2 unlinked inodes freed, none left" \
		"$(jq -r '.namespaces[0].journal.xfs | "\(.unlinked_freed) \(.unlinked_left)"' "$T/o.json")" "2 0"
	rm -f "$T/k.img" "$T/oc.img"
else
	not_ok "a dirty XFS with two files unlinked while open was made"
fi
# one of them with an xattr block (not freed exactly here): it is left
# whole on its list and named; the others are freed
if mkorph "$T/orph.img" xattr; then
	"$PMEMSCAN" --json --hash none "$T/orph.img" >"$T/o.json"
	left=$(jq -r '.namespaces[0].journal.xfs.unlinked_left_inodes[] | "\(.ino) \(.why)"' "$T/o.json")
	same_value "xattr block: 2 freed, 1 left" \
		"$(jq -r '.namespaces[0].journal.xfs | "\(.unlinked_freed) \(.unlinked_left)"' "$T/o.json")" "2 1"
	check "xattr block: the one left is named, why: its attribute blocks ($left)" \
		sh -c "echo '$left' | grep -q '^[0-9][0-9]* attribute blocks\$'"
	"$PMEMSCAN" --hash none "$T/orph.img" >"$T/o.txt"
	check "scan text says which inode was left" \
		grep -q "1 unlinked inodes the kernel frees at mount were left: inode ${left%% *} (attribute blocks)" "$T/o.txt"
	"$PMEMSCAN" carve "$T/orph.img" -o "$T/oc.img" 2>"$T/oc.err"; rc=$?
	check "carve warns that it was left" grep -q "unlinked inodes the kernel frees at mount were left" "$T/oc.err"
	same_value "carve exits 1 (partly done: the image is not what the kernel's mount leaves)" "$rc" 1
	check "the carved image still has it on its AGI list, untouched (nlink 0, its mode kept)" \
		sh -c "xfs_db -r -c 'agi 0' -c 'p unlinked' '$T/oc.img' | grep -q ':${left%% *}' &&
		       xfs_db -r -c 'inode ${left%% *}' -c 'p core.nlinkv2 core.mode' '$T/oc.img' | tr '\n' ' ' | grep -q 'nlinkv2 = 0 core.mode = 0100'"
	rm -f "$T/oc.img"
else
	not_ok "a dirty XFS with a held file with an xattr block was made"
fi
rm -f "$T/orph.img"

# a bad log: an operation's client id in the last record (its CRC
# resealed) makes the kernel's recovery fail; pmemscan says where
cp --sparse=always "$img" "$T/bad.img"
lastrec=$(echo "$recs" | tail -n 1)
python3 "$top_srcdir/tests/support/xlog-poke.py" "$T/bad.img" poke "$lastrec" 8 0x42
cp --sparse=always "$T/bad.img" "$T/k.img"
check "the kernel refuses to mount the log with a bad client id" \
	sh -c "! mount -o loop '$T/k.img' '$KMNT' 2>/dev/null || { umount '$KMNT'; false; }"
rm -f "$T/k.img"
expect_exit 1 "extract of the bad log exits 1" "$PMEMSCAN" extract "$T/bad.img" -o "$T/bout" 2>"$T/b.err"
check "extract says the kernel's recovery fails at log block $lastrec" \
	grep -q "recovery fails at log block $lastrec (.*oh_clientid)" "$T/b.err"
rm -rf "$T/bout" "$T/bad.img"

# hostile logs: a byte changed (CRC resealed) at a few places of every
# record: whatever the log then says, pmemscan exits 0 or 1 (never a crash),
# and when it says the kernel's recovery stops, it names a record's block
hn=0 hbad=0 hstop=0
# (the damaged copies are made in turn in one copy of the image: each
# damage, resealed CRC and all, written and then undone, from one
# xlog-poke.py run that computes them all)
: >"$T/h.list"
for r in $recs; do
	for off in 20 44 300 520; do
		hn=$((hn + 1))
		echo "$r $off $(( (hn * 37) % 256 ))" >>"$T/h.list"
	done
done
python3 "$top_srcdir/tests/support/xlog-poke.py" "$img" patches <"$T/h.list" >"$T/h.patches"
check "hostile logs: a damage (or the reason it cannot be made) for every one asked" \
	test "$(wc -l <"$T/h.patches")" -eq "$hn"
cp --sparse=always "$img" "$T/h.img"
# put IMG OFF OCTAL: write the bytes printf(1) makes of OCTAL at OFF
put() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
exec 3<"$T/h.list"
while read -r coff crc doff byte ocrc obyte; do
	read -r r off val <&3
	[ "$coff" = skip ] && continue
	put "$T/h.img" "$coff" "$crc"; put "$T/h.img" "$doff" "$byte"
	"$PMEMSCAN" extract --quiet "$T/h.img" -o "$T/hout" >/dev/null 2>"$T/h.err"; rc=$?
	put "$T/h.img" "$coff" "$ocrc"; put "$T/h.img" "$doff" "$obyte"
	rm -rf "$T/hout"
	if [ $rc -gt 1 ] || grep -q 'Sanitizer\|runtime error' "$T/h.err"; then
		hbad=$((hbad + 1)); echo "# record $r byte $off: exit $rc" >&2
	fi
	b=$(sed -n 's/.*stops at log block \([0-9]*\) (record LSN.*/\1/p' "$T/h.err" | head -1)
	if [ -n "$b" ]; then
		hstop=$((hstop + 1))
		echo "$recs" | grep -qx "$b" || { hbad=$((hbad + 1)); echo "# stop at $b: no record there" >&2; }
	fi
done <"$T/h.patches"
exec 3<&-
check "hostile logs: every damaged copy was undone (the image is the dirty one again)" cmp -s "$img" "$T/h.img"
rm -f "$T/h.img"
check "hostile logs: $hn damaged copies, none crashed or exited above 1, every stop ($hstop) named a record's block" \
	test "$hn" -gt 10 -a "$hbad" -eq 0 -a "$hstop" -gt 0

# A torn write at the head: the last record's data no longer matches its
# CRC. The kernel (and pmemscan) then ends the log at that record's start,
# which is the last record xfs_logprint lists (it checks no CRC).
last=$lastrec
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
	# (churned ten directories at a time, until xfs_logprint, reading what
	# the fsyncs have forced to the log, sees the second cycle)
	r=0 wcyc=1
	while [ "$r" -lt 300 ] && [ "${wcyc:-1}" -lt 2 ]; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			r=$((r + 1))
			mkdir "$MNT/d$r"
			for i in $(seq 1 100); do : >"$MNT/d$r/f$i"; done
			xfs_io -c fsync "$MNT/d$r"
			[ "$r" -gt 3 ] && rm -rf "$MNT/d$((r - 3))"
		done
		wcyc=$(xfs_logprint "$T/wrap.img" 2>/dev/null | sed -n 's/^cycle: \([0-9]*\).*/\1/p' | sort -n | tail -n 1)
	done
	echo "# wrapped after $r directories of 100 files"
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
	kernel "$T/w.truth" "$T/wrap.img"
	expect_exit 0 "wrapped: extract exits 0" "$PMEMSCAN" extract "$T/wrap.img" -o "$T/w.out" 2>/dev/null
	tree "$T/w.got" "$T/w.out"
	same_output "wrapped: extract equals the kernel's recovered mount ($(grep -c . "$T/w.truth") entries)" \
		"$T/w.truth" "$T/w.got"
	rm -rf "$T/w.out"
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
	replayed "$T/v4.img" v4
fi
done_testing
