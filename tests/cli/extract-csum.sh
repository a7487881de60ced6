#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Checksums (issue 21 item 7): metadata whose checksum fails is still read,
# but never silently. ext4 (metadata_csum, mkfs.ext4's default) and XFS v5
# (crc=1, mkfs.xfs's default) images are made with the real tools through
# a loop mount, then one structure is altered in place with python, as a
# bad sector or a stray write would: the fsck tools are the witnesses that
# the checksum now fails; extract and ls must name the entry and its inode,
# count it as an error (exit 1), and extract's summary must count the files
# that came from such metadata. The other files still come out intact.
. "$top_srcdir/tests/support/lib.sh"
for t in mkfs.ext4 debugfs e2fsck mkfs.xfs xfs_db xfs_repair setfattr python3 sha256sum jq; do
	command -v $t >/dev/null || skip_all "$t not installed"
done
[ "$(id -u)" -eq 0 ] || skip_all "needs root (loop mounts)"
mkdir "$T/mnt"

# patch FILE OFFSET: invert the byte at OFFSET; setsize FILE OFFSET N FMT
patch() { python3 -c 'import sys
f = open(sys.argv[1], "r+b"); o = int(sys.argv[2]); f.seek(o); b = f.read(1)
f.seek(o); f.write(bytes([b[0] ^ 0xff]))' "$1" "$2"; }
setsize() { python3 -c 'import sys, struct
f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2]))
f.write(struct.pack(sys.argv[4], int(sys.argv[3])))' "$1" "$2" "$3" "$4"; }

# fill DIR: the same small tree on both filesystems
fill() {
	head -c 84246 /dev/urandom >"$1/data.bin"
	echo hello >"$1/small.txt"
	mkdir "$1/d"
	for i in $(seq 1 20); do echo $i >"$1/d/entry-with-a-long-name-$i"; done
	# every other 4 KiB block: a fragmented file whose extent map is a tree
	for i in $(seq 0 2 40); do
		dd if=/dev/urandom of="$1/frag" bs=4096 seek=$i count=1 conv=notrunc 2>/dev/null
	done
	echo x >"$1/attrs"
	setfattr -n user.big -v "$(head -c 1500 /dev/zero | tr '\0' a)" "$1/attrs"
	ln -s "$(head -c 1000 /dev/zero | tr '\0' y)" "$1/longlink"
	(cd "$1" && sha256sum data.bin small.txt frag) >"$T/sums.$2"
}

# run NAME IMAGE: extract and ls --json, their exit codes in $T/NAME.rc
run() {
	"$PMEMSCAN" extract -q --offset 0 "$2" -o "$T/$1.out" 2>"$T/$1.err"
	echo $? >"$T/$1.rc"
	"$PMEMSCAN" ls -q --json --offset 0 "$2" >"$T/$1.json" 2>"$T/$1.lserr"
	echo $? >"$T/$1.lsrc"
}

# expect_bad NAME FS PATH INO KIND: what a failed checksum must give
expect_bad() {
	check "$1: extract exits 1" [ "$(cat "$T/$1.rc")" = 1 ]
	check "$1: extract names $3, inode $4 and the $5" \
		grep -q "^pmemscan: extract: $3: inode $4: checksum mismatch: .*$5" "$T/$1.err"
	check "$1: the summary counts the file from bad metadata" \
		grep -q "^pmemscan: extract: 1 files came from metadata that failed its checksum" "$T/$1.err"
	check "$1: ls exits 1 and names it" sh -c \
		"[ \"\$(cat '$T/$1.lsrc')\" = 1 ] && grep -q '^pmemscan: ls: $3: inode $4: checksum mismatch: .*$5' '$T/$1.lserr'"
	check "$1: ls --json flags $3" sh -c \
		"jq -e '.entries[] | select(.path == \"$3\") | .checksum_failed | length > 0' '$T/$1.json' >/dev/null"
	check "$1: the intact files come out intact" sh -c \
		"cd '$T/$1.out' && grep -v \"  ${3#/}\\\$\" '$T/sums.$2' | sha256sum -c --quiet -"
}

# ---- ext4 ----
truncate -s 64M "$T/e.img"
mkfs.ext4 -q -F -b 4096 "$T/e.img"
mount -o loop "$T/e.img" "$T/mnt" || skip_all "cannot loop-mount"
fill "$T/mnt" ext
umount "$T/mnt"
check "ext4: mkfs made a metadata_csum filesystem" sh -c \
	"dumpe2fs -h '$T/e.img' 2>/dev/null | grep -q metadata_csum"
blk() { debugfs -R "$1" "$T/e.img" 2>/dev/null; }
ino=$(blk "stat data.bin" | sed -n 's/^Inode: \([0-9]*\) .*/\1/p')
iblk=$(blk "imap data.bin" | sed -n 's/.*located at block \([0-9]*\), offset \(0x[0-9a-f]*\).*/\1 \2/p')
ioff=$(( ${iblk% *} * 4096 + ${iblk#* } ))
dino=$(blk "stat d" | sed -n 's/^Inode: \([0-9]*\) .*/\1/p')
dblk=$(blk "blocks d" | tr -d ' ')
fino=$(blk "stat frag" | sed -n 's/^Inode: \([0-9]*\) .*/\1/p')
etb=$(blk "stat frag" | sed -n 's/.*(ETB0):\([0-9]*\).*/\1/p')
aino=$(blk "stat attrs" | sed -n 's/^Inode: \([0-9]*\) .*/\1/p')
acl=$(blk "stat attrs" | sed -n 's/.*File ACL: \([0-9]*\).*/\1/p')
check "ext4: the structures to alter were found" [ -n "$ino" ] && [ -n "$dblk" ] && \
	[ -n "$etb" ] && [ -n "$acl" ] && [ "$acl" != 0 ]

run eclean "$T/e.img"
check "ext4 clean: extract exits 0" [ "$(cat "$T/eclean.rc")" = 0 ]
check "ext4 clean: no checksum complaint" sh -c "! grep -q checksum '$T/eclean.err' '$T/eclean.lserr'"
check "ext4 clean: the files come out intact" sh -c "cd '$T/eclean.out' && sha256sum -c --quiet '$T/sums.ext'"

# the issue's case: i_size altered in place, the inode checksum not updated
cp "$T/e.img" "$T/e1.img"
setsize "$T/e1.img" $((ioff + 4)) 537870912 '<I'
check "ext4 i_size: e2fsck says the inode checksum does not match" sh -c \
	"e2fsck -fn '$T/e1.img' 2>&1 | grep -q 'checksum does not match inode'"
run e1 "$T/e1.img"
expect_bad e1 ext /data.bin "$ino" inode
check "ext4 i_size: the file was still written (read leniently)" [ -e "$T/e1.out/data.bin" ]
check "ext4 i_size: ls --json says which structure" sh -c \
	"jq -e '.entries[] | select(.path == \"/data.bin\") | .checksum_failed == [\"inode\"]' '$T/e1.json' >/dev/null"

# a directory block: a byte of its slack (after the last entry) altered
cp "$T/e.img" "$T/e2.img"
patch "$T/e2.img" $((dblk * 4096 + 3000))
check "ext4 directory block: e2fsck sees it" sh -c "! e2fsck -fn '$T/e2.img' >/dev/null 2>&1"
run e2 "$T/e2.img"
expect_bad e2 ext /d "$dino" "directory block"

# an extent tree block: an unused entry slot altered (the map still reads)
cp "$T/e.img" "$T/e3.img"
patch "$T/e3.img" $((etb * 4096 + 4000))
check "ext4 extent block: e2fsck sees it" sh -c "! e2fsck -fn '$T/e3.img' >/dev/null 2>&1"
run e3 "$T/e3.img"
expect_bad e3 ext /frag "$fino" "extent tree block"
check "ext4 extent block: frag still comes out whole" sh -c \
	"cd '$T/e3.out' && grep '  frag\$' '$T/sums.ext' | sha256sum -c --quiet -"

# an xattr block: a byte between its entries and its values
cp "$T/e.img" "$T/e4.img"
patch "$T/e4.img" $((acl * 4096 + 1000))
check "ext4 xattr block: e2fsck sees it" sh -c "! e2fsck -fn '$T/e4.img' >/dev/null 2>&1"
run e4 "$T/e4.img"
expect_bad e4 ext /attrs "$aino" "xattr block"

# ---- XFS v5 ----
truncate -s 300M "$T/x.img"
mkfs.xfs -q -f "$T/x.img"
mount -o loop "$T/x.img" "$T/mnt" || skip_all "cannot loop-mount XFS"
fill "$T/mnt" xfs
for f in data.bin d frag attrs longlink; do
	echo "$f $(stat -c %i "$T/mnt/$f")"
done >"$T/xino"
umount "$T/mnt"
check "xfs: mkfs made a v5 (crc=1) filesystem" sh -c \
	"xfs_db -r -c 'version' '$T/x.img' | grep -q CRC"
xino() { sed -n "s/^$1 //p" "$T/xino"; }
xdb() { xfs_db -r "$@" "$T/x.img" 2>/dev/null; }
fsb() { xdb -c "convert fsblock $1 byte" | sed 's/ .*//'; }
# first block of a fork: from 'bmap' ("data offset 0 startblock N (a/b) ...")
first() { xdb -c "inode $1" -c "$2" | sed -n '1s/.*startblock \([0-9]*\) .*/\1/p'; }
xi=$(xino data.bin)
xioff=$(xdb -c "convert inode $xi byte" | sed 's/ .*//')
xd=$(xino d); xdblk=$(first "$xd" bmap)
xf=$(xino frag); xbm=$(xdb -c "inode $xf" -c 'p u3.bmbt.ptrs' | sed -n 's/.*\] = \([0-9]*\).*/\1/p')
xl=$(xino longlink); xlblk=$(first "$xl" bmap)
xa=$(xino attrs); xablk=$(first "$xa" "bmap -a")
check "xfs: the structures to alter were found" [ -n "$xioff" ] && [ -n "$xdblk" ] && \
	[ -n "$xbm" ] && [ -n "$xlblk" ] && [ -n "$xablk" ]

run xclean "$T/x.img"
check "xfs clean: extract exits 0" [ "$(cat "$T/xclean.rc")" = 0 ]
check "xfs clean: no checksum complaint" sh -c "! grep -q checksum '$T/xclean.err' '$T/xclean.lserr'"
check "xfs clean: the files come out intact" sh -c "cd '$T/xclean.out' && sha256sum -c --quiet '$T/sums.xfs'"

# the issue's case: di_size (offset 56 of the inode) altered in place
cp "$T/x.img" "$T/x1.img"
setsize "$T/x1.img" $((xioff + 56)) 8388630 '>Q'
check "xfs di_size: xfs_repair -n finds the bad inode CRC" sh -c \
	"xfs_repair -n '$T/x1.img' 2>&1 | grep -q 'bad CRC for inode $xi'"
run x1 "$T/x1.img"
expect_bad x1 xfs /data.bin "$xi" inode
check "xfs di_size: ls --json says which structure" sh -c \
	"jq -e '.entries[] | select(.path == \"/data.bin\") | .checksum_failed == [\"inode\"]' '$T/x1.json' >/dev/null"

# a directory block (block form): a byte of its free space
cp "$T/x.img" "$T/x2.img"
patch "$T/x2.img" $(( $(fsb "$xdblk") + 2000 ))
run x2 "$T/x2.img"
expect_bad x2 xfs /d "$xd" "directory block"

# a bmbt block: its last bytes, past any record
cp "$T/x.img" "$T/x3.img"
patch "$T/x3.img" $(( $(fsb "$xbm") + 4090 ))
run x3 "$T/x3.img"
expect_bad x3 xfs /frag "$xf" "extent tree block"

# a remote symlink block: past the target
cp "$T/x.img" "$T/x4.img"
patch "$T/x4.img" $(( $(fsb "$xlblk") + 2000 ))
run x4 "$T/x4.img"
expect_bad x4 xfs /longlink "$xl" "symlink block"

# an attr leaf block: the pad of its header
cp "$T/x.img" "$T/x5.img"
patch "$T/x5.img" $(( $(fsb "$xablk") + 77 ))
run x5 "$T/x5.img"
expect_bad x5 xfs /attrs "$xa" "xattr block"

# (xfs_repair -n exits 0 on a bad attr leaf CRC: its words are the witness)
for n in x2 x3 x4 x5; do
	check "xfs $n: xfs_repair -n reports a CRC error" sh -c \
		"xfs_repair -n '$T/$n.img' 2>&1 | grep -qi 'crc'"
done

done_testing
