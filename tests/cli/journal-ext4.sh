#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# ext4 with a dirty journal, made by this machine's kernel (issue 22): a
# tree written and synced, then changes made durable only by fsync (a new
# directory with files, a rename into it, a delete, a symlink, a truncate
# from 3 MiB to 100,000 bytes, a pwrite), then the filesystem shut down
# without flushing (the goingdown ioctl) and the image copied as it lay,
# before umount could write anything more: the journal needs recovery.
# The truth is what the kernel shows after mounting a copy (it replays
# the journal); extract's default view must equal it file for file,
# --journal ignore gives the stale on-disk view, and the input is never
# changed. Then hostile journals, against e2fsprogs' replay
# (e2fsck -E journal_only), which runs the kernel's recovery algorithm.
. "$top_srcdir/tests/support/lib.sh"
for t in mkfs.ext4 xfs_io debugfs dumpe2fs e2fsck jq python3; do
	command -v $t >/dev/null || skip_all "$t not installed"
done
[ "$(id -u)" -eq 0 ] || skip_all "needs root (loop mounts)"
POKE="python3 $top_srcdir/tests/support/jbd2-poke.py"

img=$T/dirty.img mnt=$T/mnt
mkdir -p "$mnt"
truncate -s 64M "$img"
mkfs.ext4 -q -F -b 4096 "$img" || skip_all "mkfs.ext4 failed"
mount -o loop "$img" "$mnt" 2>/dev/null || skip_all "loop mount not available"
trap 'umount "$mnt" 2>/dev/null; rm -rf "$T"' EXIT
mkdir -p "$mnt/base/sub"
for i in 1 2 3 4 5; do head -c $((i * 7777)) /dev/urandom >"$mnt/base/f$i"; done
head -c 3145728 /dev/urandom >"$mnt/base/big"
echo hello >"$mnt/base/sub/h.txt"
head -c 12345 /dev/urandom >"$mnt/base/gone"
head -c 2222 /dev/urandom >"$mnt/base/mover"
ln -s sub/h.txt "$mnt/base/old-link"
head -c 40000 /dev/urandom >"$mnt/base/open-unlinked"
sync
# a file unlinked while a process holds it open: an orphan at the crash
exec 3<"$mnt/base/open-unlinked"
rm "$mnt/base/open-unlinked"
mkdir "$mnt/newdir"
for i in 1 2 3; do
	head -c $((i * 5000)) /dev/urandom >"$mnt/newdir/n$i"
	xfs_io -c fsync "$mnt/newdir/n$i"
done
mv "$mnt/base/mover" "$mnt/newdir/moved"
rm "$mnt/base/gone"
ln -s ../base/f1 "$mnt/newdir/link"
truncate -s 100000 "$mnt/base/big"
xfs_io -c "pwrite -S 0x5a 4096 8192" -c fsync "$mnt/base/f5" >/dev/null
xfs_io -c fsync "$mnt/newdir" -c fsync "$mnt/base" -c fsync "$mnt/base/big"
# the crash: no log flush, and the image as it lies at that moment
xfs_io -x -c shutdown "$mnt"
cp --sparse=always "$img" "$T/crash.img"
exec 3<&-
umount "$mnt"
mv "$T/crash.img" "$img"
check "dumpe2fs: the image's journal needs recovery" \
	sh -c "dumpe2fs -h '$img' 2>/dev/null | grep -q '^Filesystem features:.*needs_recovery'"
sum0=$(sha256sum <"$img")

# tree FILE DIR: every entry (type, path, size for files, symlink target)
# and every file's sha256; directories' sizes left out (extract's differ)
tree() {
	(cd "$2" && find . -path ./lost+found -prune -o -printf '%y %p %l\n' | sort >"$1" &&
	 find . -path ./lost+found -prune -o -type f -printf '%p ' -exec sh -c 'sha256sum <"$1" | cut -c1-64' _ {} \; | sort >>"$1")
}
# kernel FILE IMG: the tree the kernel shows after mounting a copy of IMG
kernel() {
	cp --sparse=always "$2" "$T/k.img"
	mount -o loop "$T/k.img" "$mnt" && tree "$1" "$mnt"; _r=$?
	umount "$mnt" 2>/dev/null
	rm -f "$T/k.img"
	return $_r
}
kernel "$T/truth" "$img"
# refused NAME IMG: the kernel does not mount a copy of IMG (read-only)
refused() {
	cp --sparse=always "$2" "$T/k.img"
	if mount -o loop,ro "$T/k.img" "$mnt" 2>/dev/null; then
		umount "$mnt"
		not_ok "$1"
	else
		ok "$1"
	fi
	rm -f "$T/k.img"
}
check "the kernel's recovered tree has the fsynced changes (newdir/moved, newdir/link, no base/gone)" \
	sh -c "grep -q '^f ./newdir/moved' '$T/truth' && ! grep -q 'base/gone' '$T/truth' &&
	       grep -q '^l ./newdir/link ../base/f1' '$T/truth'"

# ---- extract: the recovered view by default ----
expect_exit 0 "extract of the dirty image exits 0" \
	"$PMEMSCAN" extract "$img" -o "$T/out" 2>"$T/x.err"
tree "$T/got" "$T/out"
same_output "extract (default) equals what the kernel shows after recovery, file for file" "$T/truth" "$T/got"
check "extract's summary says the files come from the recovered view" \
	grep -q "^pmemscan: extract: journal: needs recovery: .* the files come from the recovered view" "$T/x.err"
check "... and has no 'not replayed' warning" sh -c "! grep -q 'not replayed' '$T/x.err'"
same_value "big.bin has its size after the truncate" "$(stat -c %s "$T/out/base/big")" 100000

expect_exit 0 "extract --journal ignore exits 0" \
	"$PMEMSCAN" extract --journal ignore "$img" -o "$T/stale" 2>"$T/s.err"
tree "$T/stale.t" "$T/stale"
check "--journal ignore gives the stale on-disk view: the deleted file back, the new directory missing" \
	sh -c "grep -q '^f ./base/gone' '$T/stale.t' && ! grep -q newdir '$T/stale.t'"
check "... and says it is stale" grep -q "on-disk view, which is stale" "$T/s.err"
same_value "the input image is unchanged" "$(sha256sum <"$img")" "$sum0"

# ---- ls ----
"$PMEMSCAN" ls "$img" --path /newdir >"$T/ls" 2>/dev/null
check "ls (default) lists the renamed file in the new directory" grep -q ' /newdir/moved$\| moved$' "$T/ls"
expect_exit 3 "--journal with a bad value is a usage error" "$PMEMSCAN" ls "$img" --journal maybe

# ---- scan ----
expect_exit 0 "scan exits 0 (a replayable journal is no problem)" \
	"$PMEMSCAN" --json --hash none "$img" >"$T/scan.json" 2>/dev/null
ntx=$($POKE "$img" 4096 list | awk '$2 == 2' | wc -l)
same_value "scan: needs_recovery" "$(jq -r '.namespaces[0].journal.needs_recovery' "$T/scan.json")" true
same_value "scan: the transactions recovery applies are the commits in the log" \
	"$(jq -r '.namespaces[0].journal.transactions' "$T/scan.json")" "$ntx"
same_value "scan: the view is the recovered one" "$(jq -r '.namespaces[0].journal.view' "$T/scan.json")" recovered
# what recovery changes: what this test did after the sync, no more
jq -r '.namespaces[0].journal.changes.entries[] | "\(.change) \(.type) \(.old_path // "-") \(.path) \(.old_size) \(.size)"' \
	"$T/scan.json" | sort >"$T/changes"
sort >"$T/changes.want" <<EOT
created directory - /newdir 0 4096
created file - /newdir/n1 0 5000
created file - /newdir/n2 0 10000
created file - /newdir/n3 0 15000
created symlink - /newdir/link 0 10
removed file - /base/gone 12345 0
removed file - /base/open-unlinked 40000 0
renamed file /base/mover /newdir/moved 2222 2222
resized file - /base/big 3145728 100000
EOT
same_output "scan lists what recovery changes: created, removed, renamed, resized, with paths" \
	"$T/changes.want" "$T/changes"
same_value "scan: the orphan (unlinked while open) is on the list and processed" \
	"$(jq -r '.namespaces[0].journal | "\(.orphans) \(.orphans_unlinked) \(.orphans_processed)"' "$T/scan.json")" "1 1 true"
"$PMEMSCAN" --hash none "$img" >"$T/scan.txt" 2>/dev/null
check "scan text: the summary says the files come from the recovered view" \
	grep -q "Its journal needs recovery .*the files come from the recovered view" "$T/scan.txt"
# a read-only loop mount fails while the journal needs recovery: it is
# not suggested; the carved (recovered) image is (issue 26 item 9)
check "scan text: no read-only loop mount of the image suggested" \
	sh -c "! grep -q '> next: mount ' '$T/scan.txt'"
check "scan text: the carve suggests mounting the recovered image it writes" \
	grep -q "> next: pmemscan carve .*(then: mount -o ro,loop ns0.img /mnt; the carved image is the recovered filesystem" "$T/scan.txt"
if mount -o ro,loop "$img" "$mnt" 2>/dev/null; then
	umount "$mnt"
	not_ok "... a read-only mount of the image does fail (the kernel mounted it)"
else
	ok "... a read-only mount of the image does fail"
fi
same_value "... which left the image unchanged" "$(sha256sum <"$img")" "$sum0"
check "scan text: the journal line gives the sequence range" \
	grep -q "^  journal: needs recovery: $ntx transactions (sequence [0-9]*-[0-9]*)" "$T/scan.txt"
"$PMEMSCAN" --hash none --html "$T/scan.html" "$img" >/dev/null 2>&1
check "scan HTML has the journal block" grep -q "needs recovery: $ntx transactions" "$T/scan.html"

# ---- carve: the recovered image ----
expect_exit 0 "carve of the dirty image exits 0" "$PMEMSCAN" carve -q "$img" -o "$T/c.img"
e2fsck -fn "$T/c.img" >"$T/fsck" 2>&1; rc=$?
same_value "e2fsck -fn passes the carved image" "$rc" 0
check "... with nothing to report (no count wrong, no journal)" \
	sh -c "! grep -qi 'wrong\|journal\|fix?' '$T/fsck'"
check "the carved image has no needs_recovery" \
	sh -c "! dumpe2fs -h '$T/c.img' 2>/dev/null | grep -q needs_recovery"
if mount -o loop,ro "$T/c.img" "$mnt"; then
	tree "$T/carved" "$mnt"
	umount "$mnt"
	same_output "the kernel mounts the carved image read-only (no recovery) and shows the recovered tree" "$T/truth" "$T/carved"
else
	not_ok "the kernel mounts the carved image read-only"
fi

# the recovered view keeps the image's holes but counts the blocks it
# serves as data: on an image whose every zero block is a hole (the homes
# of blocks only the journal wrote, among them), carve still writes them
if command -v fallocate >/dev/null; then
	cp "$img" "$T/holes.img"
	fallocate -d "$T/holes.img"
	"$PMEMSCAN" carve -q "$T/holes.img" -o "$T/holes.c.img"
	if mount -o loop,ro "$T/holes.c.img" "$mnt"; then
		tree "$T/holes.t" "$mnt"
		umount "$mnt"
		same_output "carve of the image with its zero blocks as holes: the recovered tree" "$T/truth" "$T/holes.t"
	else
		not_ok "carve of the image with its zero blocks as holes mounts"
	fi
	check "... and its holes stay holes (the carved image is sparse)" \
		test "$(du -k "$T/holes.c.img" | cut -f1)" -lt $((64 * 1024 / 2))
else
	skip "a recovered view over holes" "fallocate not installed"
fi

# ---- the split check (a legacy start_pad namespace under DAX, issue 16)
# reads the recovered view too: the dirty ext4 at the legacy data start of
# an F4-era fsdax namespace (start_pad 4 MiB, data at 10 MiB) ----
mkfx=$top_builddir/tests/support/mkfx-pfn
if [ -x "$mkfx" ]; then
	truncate -s 256M "$T/dax.img"
	"$mkfx" --era F4 --size 256M --phys-base 0x577FC00000 --region-below 0x577FC00000 "$T/dax.img" >"$T/dax.layout"
	dd if="$img" of="$T/dax.img" bs=1M seek=10 conv=notrunc status=none
	"$PMEMSCAN" --json --hash none "$T/dax.img" >"$T/dax.json" 2>/dev/null
	same_value "split check: the files only the journal holds are checked (newdir/n1 listed)" \
		"$(jq -r '[.namespaces[0].split.files[].path] | map(select(. == "/newdir/n1")) | length' "$T/dax.json")" 1
	same_value "split check: the file recovery removed is not (base/gone)" \
		"$(jq -r '[.namespaces[0].split.files[].path] | map(select(. == "/base/gone")) | length' "$T/dax.json")" 0
else
	skip "split check on the recovered view" "tests/support/mkfx-pfn not built"
fi

# ---- a truncate in progress (an orphan with links, i_size already cut;
# made with debugfs, as a crash in the middle of a truncate leaves it) ----
mkdir -p "$T/otree"
head -c 3145728 /dev/urandom >"$T/otree/big"
echo keep >"$T/otree/small"
mkfs.ext4 -q -F -b 4096 -d "$T/otree" "$T/orph.img" 32M
ino=$(debugfs -R 'stat /big' "$T/orph.img" 2>/dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p')
debugfs -w -R 'sif /big size 100000' "$T/orph.img" >/dev/null 2>&1
debugfs -w -R "ssv last_orphan $ino" "$T/orph.img" >/dev/null 2>&1
debugfs -w -R 'feature needs_recovery' "$T/orph.img" >/dev/null 2>&1
check "the truncate-in-progress image fails e2fsck -fn as it lies (blocks past i_size)" \
	sh -c "! e2fsck -fn '$T/orph.img' >/dev/null 2>&1"
kernel "$T/orph.truth" "$T/orph.img"
expect_exit 0 "extract of it exits 0" "$PMEMSCAN" extract -q "$T/orph.img" -o "$T/orph.out"
tree "$T/orph.got" "$T/orph.out"
same_output "... equals what the kernel shows after its orphan cleanup" "$T/orph.truth" "$T/orph.got"
"$PMEMSCAN" --json --hash none "$T/orph.img" >"$T/orph.json" 2>/dev/null
same_value "scan: one orphan, truncated in progress, processed" \
	"$(jq -r '.namespaces[0].journal | "\(.orphans) \(.orphans_unlinked) \(.orphans_processed)"' "$T/orph.json")" "1 0 true"
"$PMEMSCAN" carve -q "$T/orph.img" -o "$T/orph.c.img"
e2fsck -fn "$T/orph.c.img" >"$T/orph.fsck" 2>&1; rc=$?
same_value "carve of it: e2fsck -fn passes (the blocks past i_size freed as the mount frees them)" "$rc" 0
check "... with nothing to report" sh -c "! grep -qi 'wrong\|differences\|fix?' '$T/orph.fsck'"

# ---- the orphan file (ext4 orphan_file, kernels 5.15+; mke2fs 1.47's
# upstream default): a file unlinked while open is an entry in the orphan
# file, not on the s_last_orphan chain; the mount frees it all the same ----
truncate -s 64M "$T/of.img"
if mkfs.ext4 -q -F -b 4096 -O orphan_file "$T/of.img" 2>/dev/null &&
   dumpe2fs -h "$T/of.img" 2>/dev/null | grep -q '^Filesystem features:.*orphan_file' &&
   mount -o loop "$T/of.img" "$mnt"; then
	mkdir "$mnt/d"
	head -c 300000 /dev/urandom >"$mnt/d/open"
	echo keep >"$mnt/d/keep"
	sync
	exec 4<"$mnt/d/open"
	rm "$mnt/d/open"
	xfs_io -c fsync "$mnt/d" -c fsync "$mnt/d/keep"
	xfs_io -x -c shutdown "$mnt"
	cp --sparse=always "$T/of.img" "$T/of.crash"
	exec 4<&-
	umount "$mnt"
	# the kernel's counts after it recovered and cleaned a copy (mount, umount)
	cp --sparse=always "$T/of.crash" "$T/of.k"
	mount -o loop "$T/of.k" "$mnt" && umount "$mnt"
	kfree=$(dumpe2fs -h "$T/of.k" 2>/dev/null | sed -n 's/^Free \(blocks\|inodes\): *//p' | tr '\n' ' ')
	check "the crash left the orphan in the orphan file, not on the chain" \
		sh -c "dumpe2fs -h '$T/of.crash' 2>/dev/null | grep -q '^Journal start: *[1-9]' &&
		       ! dumpe2fs -h '$T/of.crash' 2>/dev/null | grep -q '^First orphan inode'"
	"$PMEMSCAN" --json --hash none "$T/of.crash" >"$T/of.json" 2>/dev/null
	same_value "scan: one orphan, unlinked while open, in the orphan file, processed" \
		"$(jq -r '.namespaces[0].journal | "\(.orphans) \(.orphans_unlinked) \(.orphan_file_entries) \(.orphans_processed)"' "$T/of.json")" "1 1 1 true"
	"$PMEMSCAN" carve -q "$T/of.crash" -o "$T/of.c.img"
	e2fsck -fn "$T/of.c.img" >"$T/of.fsck" 2>&1; rc=$?
	same_value "carve: e2fsck -fn passes (the orphan freed, its entry cleared)" "$rc" 0
	same_value "... free blocks and inodes are the kernel's after its mount" \
		"$(dumpe2fs -h "$T/of.c.img" 2>/dev/null | sed -n 's/^Free \(blocks\|inodes\): *//p' | tr '\n' ' ')" "$kfree"
	# a block of the orphan file with a bad checksum: the kernel's mount fails
	oblk=$(debugfs -R "blocks <$(dumpe2fs -h "$T/of.crash" 2>/dev/null | sed -n 's/^Orphan file inode: *//p')>" "$T/of.crash" 2>/dev/null | awk '{print $1}')
	if [ -n "$oblk" ]; then
		# (on e2fsck's replay of the journal: the journal holds a copy of
		# that block, which a replay would put back)
		cp "$T/of.crash" "$T/of.bad"
		e2fsck -E journal_only -y "$T/of.bad" >/dev/null 2>&1
		printf '\377' | dd of="$T/of.bad" bs=1 seek=$((oblk * 4096 + 4000)) conv=notrunc status=none
		"$PMEMSCAN" --json --hash none "$T/of.bad" >"$T/of.bad.json" 2>/dev/null; rc=$?
		same_value "an orphan file block with a bad checksum: named (fs block), the mount fails, scan exits 1" \
			"$(jq -r '.namespaces[0].journal | "\(.orphan_file_bad_block) \(.mount_fails) \(.orphans_processed)"' "$T/of.bad.json") $rc" "$oblk true false 1"
		refused "... and the kernel does refuse to mount it" "$T/of.bad"
	else
		skip "an orphan file block with a bad checksum" "debugfs did not list the orphan file's blocks"
	fi
else
	skip "the orphan file" "mkfs.ext4 -O orphan_file or the mount failed"
fi

# ---- fast commits: detected, said not replayed, exit 1 ----
truncate -s 64M "$T/fc.img"
if mkfs.ext4 -q -F -O fast_commit "$T/fc.img" 2>/dev/null && mount -o loop "$T/fc.img" "$mnt"; then
	mkdir "$mnt/a"; echo base >"$mnt/a/base"; sync
	for i in 1 2 3; do echo $i >"$mnt/a/fc$i"; xfs_io -c fsync "$mnt/a/fc$i"; done
	xfs_io -x -c shutdown "$mnt"
	cp --sparse=always "$T/fc.img" "$T/fc.crash"
	umount "$mnt"
	kernel "$T/fc.truth" "$T/fc.crash"
	if grep -q fc1 "$T/fc.truth" && dumpe2fs -h "$T/fc.crash" 2>/dev/null | grep -q '^Journal start: *[1-9]'; then
		"$PMEMSCAN" --json --hash none "$T/fc.crash" >"$T/fc.json" 2>/dev/null; rc=$?
		same_value "fast commits in the log: said not replayed" \
			"$(jq -r '.namespaces[0].journal.fast_commit_not_replayed' "$T/fc.json")" true
		same_value "... scan exits 1" "$rc" 1
		expect_exit 1 "... extract exits 1" "$PMEMSCAN" extract -q "$T/fc.crash" -o "$T/fc.out"
		check "... and warns what that means" \
			sh -c "'$PMEMSCAN' extract -q '$T/fc.crash' -o '$T/fc.out2' 2>&1 | grep -q 'fast commits .*NOT replayed'"
	else
		skip "fast commits" "this kernel did not use fast commits for the fsyncs"
	fi
else
	skip "fast commits" "mkfs.ext4 -O fast_commit or the mount failed"
fi

# ---- journals written by debugfs (e2fsprogs' own writer) for each
# checksum kind, 1 KiB blocks, 32- and 64-bit tags: two blocks, a block
# starting with the jbd2 magic (escaped), a revoke of the first, another
# block; carve's image equals e2fsck's replay of the same journal
# (e2fsck -E journal_only) everywhere but the superblock ----
printf 'A%.0s' $(seq 2048) >"$T/d1"
{ printf '\300\073\071\230'; printf 'B%.0s' $(seq 1020); } >"$T/mg"
printf 'C%.0s' $(seq 1024) >"$T/d3"
for v in "v3||-c -v 3" "v2||-c -v 2" "v1|-O ^metadata_csum,^64bit|-c -v 1" "none|-O ^metadata_csum,^64bit|"; do
	name=${v%%|*} rest=${v#*|}
	mk=${rest%%|*} jo=${rest#*|}
	rm -f "$T/dj.img" "$T/dj.c.img" "$T/dj.r.img"
	# shellcheck disable=SC2086
	mkfs.ext4 -q -F -b 1024 $mk "$T/dj.img" 16M
	printf 'jo %s\njw -b 3000,3001 %s\njw -b 3002 %s\njw -r 3000\njw -b 3003 %s\njc\n' \
		"$jo" "$T/d1" "$T/mg" "$T/d3" >"$T/dj.cmds"
	debugfs -w -f "$T/dj.cmds" "$T/dj.img" >/dev/null 2>&1
	"$PMEMSCAN" carve -q "$T/dj.img" -o "$T/dj.c.img" 2>/dev/null
	cp "$T/dj.img" "$T/dj.r.img"
	e2fsck -E journal_only -y "$T/dj.r.img" >/dev/null 2>&1
	check "debugfs journal ($name): both replays changed the image" \
		sh -c "! cmp -s '$T/dj.img' '$T/dj.r.img' && ! cmp -s '$T/dj.img' '$T/dj.c.img'"
	same_value "debugfs journal ($name): carve equals e2fsck's replay but for the superblock (1 KiB block 1)" \
		"$(cmp -l "$T/dj.c.img" "$T/dj.r.img" | awk '{print int(($1 - 1) / 1024)}' | sort -u | tr '\n' ' ')" "1 "
done

# ---- hostile journals: replay stops where e2fsprogs' (the kernel's
# algorithm) does, the journal block is named, nothing crashes ----
# ref FILE IMG: the tree after e2fsck replays the journal of a copy
ref() {
	cp --sparse=always "$2" "$T/r.img"
	e2fsck -E journal_only -y "$T/r.img" >/dev/null 2>&1
	mount -o loop,ro "$T/r.img" "$mnt" && tree "$1" "$mnt"; _r=$?
	umount "$mnt" 2>/dev/null
	rm -f "$T/r.img"
	return $_r
}
list=$($POKE "$img" 4096 list)
last_commit=$(echo "$list" | awk '$2 == 2 { b = $1 } END { print b }')
first_desc=$(echo "$list" | awk '$2 == 1 { print $1; exit }')

# a commit block damaged after its first 64 bytes (a torn commit past
# its header): Linux 6.12's recovery accepts it (the header's checksum),
# 6.1's ends the log there; pmemscan applies 6.12's rule and says so
cp "$img" "$T/h0.img"
$POKE "$T/h0.img" 4096 flip "$last_commit" 100
"$PMEMSCAN" --json --hash none "$T/h0.img" >"$T/h0.json" 2>/dev/null; rc=$?
same_value "a commit damaged past its header: every transaction replayed (6.12's rule), scan exits 0" \
	"$(jq -r '.namespaces[0].journal | "\(.transactions) \(.mount_fails) \(.kernel_rules)"' "$T/h0.json") $rc" "$ntx false 6.12 0"
same_value "... the damaged commit named, by journal block" \
	"$(jq -r '.namespaces[0].journal.partial_commit.journal_block' "$T/h0.json")" "$last_commit"
"$PMEMSCAN" --hash none "$T/h0.img" >"$T/h0.txt" 2>/dev/null
check "... and the text says 6.1 would stop there" grep -q "Linux 6.1 would end the log there" "$T/h0.txt"
extract_tree_h0() { "$PMEMSCAN" extract -q "$T/h0.img" -o "$T/h0" && tree "$T/h0.t" "$T/h0"; }
extract_tree_h0
same_output "... its files are the recovered tree" "$T/truth" "$T/h0.t"

# a bad checksum in the last commit block's header: that transaction is
# dropped, and the kernel's mount would fail
cp "$img" "$T/h1.img"
$POKE "$T/h1.img" 4096 flip "$last_commit" 58
sum1=$(sha256sum <"$T/h1.img")
"$PMEMSCAN" --json --hash none "$T/h1.img" >"$T/h1.json" 2>/dev/null
same_value "bad commit checksum: one transaction fewer" \
	"$(jq -r '.namespaces[0].journal.transactions' "$T/h1.json")" $((ntx - 1))
same_value "... stops at that commit block, named by journal block" \
	"$(jq -r '.namespaces[0].journal.stop | "\(.reason) \(.journal_block)"' "$T/h1.json")" "commit-checksum $last_commit"
same_value "... the kernel's mount would fail" "$(jq -r '.namespaces[0].journal.mount_fails' "$T/h1.json")" true
expect_exit 1 "extract exits 1 (the kernel would not mount it)" \
	"$PMEMSCAN" extract -q "$T/h1.img" -o "$T/h1"
tree "$T/h1.t" "$T/h1"
ref "$T/h1.ref" "$T/h1.img"
same_output "... its files are those e2fsck's replay gives" "$T/h1.ref" "$T/h1.t"

# a bad descriptor checksum in the first transaction: nothing replayed
cp "$img" "$T/h2.img"
$POKE "$T/h2.img" 4096 flip "$first_desc" 200
"$PMEMSCAN" --json --hash none "$T/h2.img" >"$T/h2.json" 2>/dev/null
same_value "bad descriptor: stops there, named by journal block" \
	"$(jq -r '.namespaces[0].journal.stop | "\(.reason) \(.journal_block)"' "$T/h2.json")" "descriptor-checksum $first_desc"
same_value "... nothing replayed" "$(jq -r '.namespaces[0].journal.blocks' "$T/h2.json")" 0
"$PMEMSCAN" extract -q "$T/h2.img" -o "$T/h2" 2>/dev/null
tree "$T/h2.t" "$T/h2"
same_output "... the files are the on-disk view" "$T/stale.t" "$T/h2.t"

# a tag naming a block beyond the filesystem: left out, said with its
# journal block; the rest replayed
cp "$img" "$T/h3.img"
$POKE "$T/h3.img" 4096 tag-home "$first_desc" 99999999
"$PMEMSCAN" --json --hash none "$T/h3.img" >"$T/h3.json" 2>/dev/null
same_value "a home block beyond the fs: one copy left out, at the journal block after the descriptor" \
	"$(jq -r '.namespaces[0].journal | "\(.beyond_fs_copies) \(.stop.reason)"' "$T/h3.json")" "1 end"
expect_exit 0 "... extract still works" "$PMEMSCAN" extract -q "$T/h3.img" -o "$T/h3"
"$PMEMSCAN" extract --journal ignore -q "$T/h3.img" -o "$T/h3i" 2>/dev/null
tree "$T/h3i.t" "$T/h3i"
same_output "... and the on-disk view stays available" "$T/stale.t" "$T/h3i.t"

# s_start beyond the journal: the log cannot be read; said, nothing replayed
cp "$img" "$T/h4.img"
$POKE "$T/h4.img" 4096 start 5000000
"$PMEMSCAN" --json --hash none "$T/h4.img" >"$T/h4.json" 2>/dev/null; rc=$?
same_value "s_start outside the journal: the walk stops at a read, at that block" \
	"$(jq -r '.namespaces[0].journal.stop | "\(.reason) \(.journal_block)"' "$T/h4.json")" "read 5000000"
same_value "... scan exits 1" "$rc" 1
# the journal inode deleted; the journal on an external device: no replay,
# said why, exit 1 (the files are the stale on-disk view)
cp "$img" "$T/h5.img"
debugfs -w -R 'sif <8> links_count 0' "$T/h5.img" >/dev/null 2>&1
"$PMEMSCAN" --json --hash none "$T/h5.img" >"$T/h5.json" 2>/dev/null; rc=$?
same_value "journal inode deleted: unusable (inode), scan exits 1" \
	"$(jq -r '.namespaces[0].journal.unusable' "$T/h5.json") $rc" "inode 1"
# where the damaged journal inode lies, and the superblock's backup of its
# map (s_jnl_blocks), which the kernel never reads: offered as evidence
loc=$(debugfs -R 'imap <8>' "$T/h5.img" 2>/dev/null | sed -n 's/.*located at block \([0-9]*\), offset 0x\([0-9a-f]*\).*/\1 \2/p')
same_value "journal inode deleted: named by its inode table block and offset (as debugfs imap says)" \
	"$(jq -r '.namespaces[0].journal.journal_inode | "\(.problem) \(.block) \(.offset)"' "$T/h5.json")" \
	"links ${loc%% *} $((0x${loc#* }))"
same_value "... the superblock's backup maps the journal: its transactions, not replayed by default" \
	"$(jq -r '.namespaces[0].journal.journal_inode.backup | "\(.present) \(.differs) \(.usable) \(.transactions) \(.replayed)"' "$T/h5.json")" \
	"true false true $ntx false"
# the inode's block map damaged (extent depth 5): the kernel refuses to
# mount, e2fsck (1.47) clears the journal and its changes with it; only
# the journal the backup maps still holds them: --journal backup
cp "$img" "$T/h7.img"
debugfs -w -R 'sif <8> block[1] 0x00050004' "$T/h7.img" >/dev/null 2>&1
"$PMEMSCAN" --json --hash none "$T/h7.img" >"$T/h7.json" 2>/dev/null; rc=$?
same_value "journal inode map damaged: unusable (map), the backup differs and maps the journal, scan exits 1" \
	"$(jq -r '.namespaces[0].journal | "\(.unusable) \(.journal_inode.problem) \(.journal_inode.backup.differs) \(.journal_inode.backup.usable) \(.journal_inode.backup.transactions)"' "$T/h7.json") $rc" \
	"map map true true $ntx 1"
refused "... and the kernel does refuse to mount it" "$T/h7.img"
"$PMEMSCAN" --hash none "$T/h7.img" >"$T/h7.txt" 2>/dev/null
check "... the scan's summary says the files are stale and points to --journal backup" \
	grep -q "STALE .*names a journal that --journal backup replays" "$T/h7.txt"
check "... its journal lines name the inode's block and what the backup holds" \
	grep -q "journal inode 8 (filesystem block ${loc%% *}, byte $((0x${loc#* })) in it): its block map is corrupt" "$T/h7.txt"
cp --sparse=always "$T/h7.img" "$T/h7.k"
e2fsck -fy "$T/h7.k" >/dev/null 2>&1
if mount -o loop,ro "$T/h7.k" "$mnt" 2>/dev/null; then
	tree "$T/h7.e2fsck" "$mnt"
	umount "$mnt"
	check "... e2fsck -fy does not replay it (the new directory is missing after its repair)" \
		sh -c "! grep -q newdir '$T/h7.e2fsck'"
else
	ok "... e2fsck -fy does not replay it (the filesystem does not even mount after its repair)"
fi
rm -f "$T/h7.k"
expect_exit 1 "extract --journal backup: exit 1 (the kernel refuses this filesystem)" \
	"$PMEMSCAN" extract --journal backup "$T/h7.img" -o "$T/h7b" 2>"$T/h7b.err"
tree "$T/h7b.t" "$T/h7b"
same_output "... its files are the recovered tree (the journal the backup maps, replayed)" "$T/truth" "$T/h7b.t"
check "... and it says the view is replayed from the backup and the kernel refuses the mount" \
	grep -q "replayed from the superblock's backup .*the kernel refuses to mount" "$T/h7b.err"
"$PMEMSCAN" extract -q "$T/h7.img" -o "$T/h7d" 2>/dev/null
tree "$T/h7d.t" "$T/h7d"
same_output "... without it, the on-disk view" "$T/stale.t" "$T/h7d.t"
cp "$img" "$T/h6.img"
debugfs -w -R 'ssv journal_inum 0' "$T/h6.img" >/dev/null 2>&1
debugfs -w -R 'ssv journal_dev 2049' "$T/h6.img" >/dev/null 2>&1
debugfs -w -R 'ssv journal_uuid 6a0e4c8d-57f1-4bb4-9d1c-2f0a6b3e9a11' "$T/h6.img" >/dev/null 2>&1
"$PMEMSCAN" --json --hash none "$T/h6.img" >"$T/h6.json" 2>/dev/null
same_value "external journal: the report names the device and the journal's UUID (as dumpe2fs)" \
	"$(jq -r '.namespaces[0].journal.external | "\(.device) \(.uuid)"' "$T/h6.json")" \
	"$(($(dumpe2fs -h "$T/h6.img" 2>/dev/null | sed -n 's/^Journal device:[[:space:]]*//p'))) $(dumpe2fs -h "$T/h6.img" 2>/dev/null | sed -n 's/^Journal UUID:[[:space:]]*//p')"
"$PMEMSCAN" extract -q "$T/h6.img" -o "$T/h6" 2>"$T/h6.err"; rc=$?
same_value "external journal: extract exits 1" "$rc" 1
check "... and says the journal is on an external device and the files are stale" \
	grep -q "external device.*stale" "$T/h6.err"
tree "$T/h6.t" "$T/h6"
same_output "... the files are the on-disk view" "$T/stale.t" "$T/h6.t"
same_value "the hostile image read by scan and extract is unchanged" "$(sha256sum <"$T/h1.img")" "$sum1"
same_value "the dirty image is still unchanged" "$(sha256sum <"$img")" "$sum0"
done_testing
