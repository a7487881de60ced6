#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Every command a scan suggests works on the image it was suggested for
# (issue 26 item 9): over the committed fixture and images of every kind
# the suite makes (ext4, xfs, legacy, devdax, BTT, PMDK, a bad superblock
# checksum with and without start_pad, a bad info block checksum, a dirty
# journal, a compressed dump, standard input), every `next:` command of
# the JSON report (and every "then:" command in its remark) is run as
# printed, from the directory the scan ran in, with only its output paths
# (OUTDIR, nsN.img, /mnt) made fresh; it must exit 0, or the exit code its
# own remark announces ("exits N"). A command that cannot work fails here.
. "$top_srcdir/tests/support/lib.sh"
for t in jq xz mkfs.ext4; do
	command -v $t >/dev/null || skip_all "$t not installed"
done
root=false
if [ "$(id -u)" -eq 0 ]; then
	mkdir -p "$T/m"; truncate -s 16M "$T/m.img"; mkfs.ext4 -q -F "$T/m.img"
	mount -o ro,loop "$T/m.img" "$T/m" 2>/dev/null && umount "$T/m" && root=true
fi
trap 'umount "$T/mnt" 2>/dev/null; rm -rf "$T"' EXIT
mkdir -p "$T/mnt"

# try NAME FILE [SCAN-INPUT]: scan FILE (copied as NAME into its own
# directory; standard input when SCAN-INPUT is "-"), run every command
ncmds=0
try() {
	name=$1 file=$2 how=${3:-file}
	wd=$T/w/$name
	rm -rf "$wd"; mkdir -p "$wd"
	if [ "$how" = - ]; then
		cp --sparse=always "$file" "$wd/DUMP.img"
		(cd "$wd" && "$PMEMSCAN" --json --hash none - <"$file") >"$T/scan.json" 2>"$T/scan.err"
	else
		cp --sparse=always "$file" "$wd/$name"
		(cd "$wd" && "$PMEMSCAN" --json --hash none "$name") >"$T/scan.json" 2>"$T/scan.err"
	fi
	rc=$?
	check "$name: the scan reports (exit $rc)" test "$rc" -le 2 -a -s "$T/scan.json"
	# (and the split check's: extract --view, repair --merge-mmap)
	jq -r '.namespaces[] | (.verdict.next_commands[]?, .split.next[]?)' "$T/scan.json" >"$T/next"
	if [ "$how" = - ]; then
		check "$name: after standard input no command names '-' or './-'" \
			sh -c "! grep -E \"(^| )(\\./)?-( |\$)\" '$T/next'"
		check "$name: the commands say to save the dump first" \
			sh -c "[ -s '$T/next' ] && ! grep -v 'save the dump to a file first' '$T/next' | grep -q DUMP.img"
	fi
	while IFS= read -r line; do
		run_one "$name" "$wd" "$line"
		case $line in
		*"(then: "*)
			then=${line##*(then: }; then=${then%%)*}; then=${then%%;*}
			run_one "$name" "$wd" "$then" ;;
		esac
	done <"$T/next"
}

# run_one NAME DIR LINE: the command of LINE, from DIR, output paths fresh
# (check sets d: the names here are others)
run_one() {
	rn=$1 rd=$2
	cmd=${3%%   (*}
	want=0
	case $3 in *"   ("*"exits "[0-9]*) want=$(printf '%s\n' "$3" | sed -n 's/.*   (.*exits \([0-9]*\).*/\1/p') ;; esac
	ncmds=$((ncmds + 1))
	case $cmd in
	mount*)
		if ! $root; then
			skip "$rn: $cmd" "needs root and loop devices"; return
		fi
		cmd=$(printf '%s\n' "$cmd" | sed 's# /mnt$# '"$T/mnt"'#') ;;
	*" -o OUTDIR"*) rm -rf "$rd/OUTDIR" ;;
	*" -o OUT"*) rm -rf "$rd/OUT" ;;
	*" -o COPY"*) rm -f "$rd/COPY" ;;
	*" -o ns"[0-9]*.img*) rm -f "$rd"/ns[0-9]*.img ;;
	esac
	(cd "$rd" && sh -c "$cmd") >"$T/out" 2>&1
	got=$?
	case $cmd in mount*) umount "$T/mnt" 2>/dev/null ;; esac
	check "$rn: '$cmd' exits $want (got $got)" test "$got" -eq "$want"
	[ "$got" -eq "$want" ] || sed 's/^/# /' "$T/out" | tail -n 3
	# what each kind of command is there for
	case $cmd in
	"pmemscan extract"*)
		check "$rn: the extract wrote files" test -n "$(find "$rd/OUTDIR" "$rd/OUT" -type f 2>/dev/null | head -n 1)" ;;
	"pmemscan repair"*" -o COPY"*)
		check "$rn: the repair wrote its copy" test -s "$rd/COPY" ;;
	"pmemscan carve"*)
		check "$rn: the carve wrote its image" test -s "$(ls "$rd"/ns[0-9]*.img 2>/dev/null | head -n 1)" ;;
	esac
}

# the commands say "pmemscan": the one under test
mkdir -p "$T/bin"; ln -s "$PMEMSCAN" "$T/bin/pmemscan"
PATH=$T/bin:$PATH:/sbin:/usr/sbin
xz -dc "$top_srcdir/fixtures/legacy-fsdax-ext4.img.xz" >"$T/legacy.img"
try legacy.img "$T/legacy.img"
try stdin "$T/legacy.img" -
cp "$top_srcdir/fixtures/legacy-fsdax-ext4.img.xz" "$T/legacy.img.xz"
try legacy.img.xz "$T/legacy.img.xz"

# a bad info block checksum: the kernel refuses the block (ENODEV)
cp --sparse=always "$T/legacy.img" "$T/pfn-csum.img"
printf 'X' | dd of="$T/pfn-csum.img" bs=1 seek=$((0x1000 + 0x3c0)) conv=notrunc status=none
try pfn-csum.img "$T/pfn-csum.img"

# a raw ext4 with a bad superblock checksum: one data start, start_pad 0
truncate -s 64M "$T/raw-bad.img"
mkfs.ext4 -q -F "$T/raw-bad.img"
echo kept >"$T/kept.txt"
debugfs -w -R "write $T/kept.txt kept.txt" "$T/raw-bad.img" >/dev/null 2>&1
printf '\336\255\276\357' | dd of="$T/raw-bad.img" bs=1 seek=$((1024 + 0x3fc)) conv=notrunc status=none
try raw-bad.img "$T/raw-bad.img"

for fx in damaged-legacy-ext4 current-f8-fsdax-xfs current-f8-devdax raw-xfs; do
	img=$(fixture "$fx") || { skip "$fx" "fixture not made (exit $?)"; continue; }
	try "$fx.img" "$img"
done

# files with two contents (the split check's own next commands), from a
# file and from standard input
MKE2FS=${MKE2FS:-mke2fs} DEBUGFS=${DEBUGFS:-debugfs}
. "$top_srcdir/tests/support/mkdax-split.sh"
mkdir -p "$T/split"
if mk_dax_split "$T/split" 2>/dev/null; then
	try split.img "$T/split/ns.img"
	try split-stdin "$T/split/ns.img" -
else
	skip "split" "$(cat "$T/split/why" 2>/dev/null)"
fi

# BTT (sector mode) holding an ext4
if [ -x "$top_builddir/tests/support/mkfx-btt" ]; then
	truncate -s 32M "$T/btt-fs.img"; mkfs.ext4 -q -F -b 4096 "$T/btt-fs.img"
	debugfs -w -R "write $T/kept.txt kept.txt" "$T/btt-fs.img" >/dev/null 2>&1
	"$top_builddir/tests/support/mkfx-btt" -o "$T/btt.img" -s 40M -i "$T/btt-fs.img" -S 9 >/dev/null &&
		try btt.img "$T/btt.img"
fi
# PMDK blk pool
if command -v pmempool >/dev/null; then
	pmempool create blk 4096 "$T/blk.pool" && try blk.pool "$T/blk.pool"
fi

# a dirty journal: ext4 as a crash left it (the kernel's own journal)
if $root && command -v xfs_io >/dev/null; then
	truncate -s 64M "$T/dirty.img"; mkfs.ext4 -q -F -b 4096 "$T/dirty.img"
	mount -o loop "$T/dirty.img" "$T/mnt"
	echo before >"$T/mnt/a"; sync
	head -c 20000 /dev/urandom >"$T/mnt/b"; xfs_io -c fsync "$T/mnt/b"
	xfs_io -x -c shutdown "$T/mnt"
	cp --sparse=always "$T/dirty.img" "$T/crash.img"
	umount "$T/mnt"
	try dirty.img "$T/crash.img"
fi
check "at least 30 suggested commands were run ($ncmds)" test "$ncmds" -ge 30
done_testing
