#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# extract never hides a loss behind exit 0 (issue 21): a real file named
# like a generated NAME.read-view, names the output's filesystem folds into
# one (vfat), EEXIST in a fresh OUT, a symlink where a --force merge needs a
# directory, xattrs Linux refuses on fifos and devices or a full xattr
# space (ENOSPC), and a tree deeper than the open-file limit.
. "$top_srcdir/tests/support/lib.sh"
. "$top_srcdir/tests/support/mkdax-split.sh"
[ "$(id -u)" -eq 0 ] || skip_all "needs root (loop mounts, trusted.* xattrs, fifos' xattrs)"
[ -n "$MKE2FS" ] && [ -n "$DEBUGFS" ] || skip_all "e2fsprogs not installed"
command -v getfattr >/dev/null || skip_all "getfattr (attr) not installed"
mounts=""
cleanup() { for m in $mounts; do umount "$m" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
sha() { sha256sum <"$1" | cut -d' ' -f1; }
# ext4 IMG SIZE DIR: an ext4 image made by mke2fs -d from DIR
ext4() { $MKE2FS -q -F -t ext4 -b 4096 -d "$3" "$1" "$2" >/dev/null 2>&1; }

# ==== 1. a file of the image named NAME.read-view next to a split NAME ====
mkdir "$T/extra"
head -c 5000 /dev/urandom >"$T/extra/x.bin.read-view"
mkdir "$T/s"
MDS_EXTRA=$T/extra mk_dax_split "$T/s" || skip_all "$(cat "$T/s/why")"
img=$T/s/ns.img
rc=0
"$PMEMSCAN" extract "$img" -o "$T/o1" --quiet 2>"$T/e1" || rc=$?
check "the split check still finds x.bin mixed (merged+read)" grep -q "view merged+read: /x.bin " "$T/e1"
same_value "a real x.bin.read-view next to the mixed x.bin, directory: exit 0" "$rc" 0
same_value "... the image's own x.bin.read-view is written, whole" \
	"$(sha "$T/o1/x.bin.read-view")" "$(sha "$T/extra/x.bin.read-view")"
check "... nothing reported as 'kept' in a fresh OUT" sh -c '! grep -q "kept" "$1"' sh "$T/e1"
check "... the summary names where x.bin's read view went: x.bin.read-view~1" \
	grep -q "view merged+read: /x.bin (merged view; read view as /x.bin.read-view~1)" "$T/e1"
same_value "... x.bin.read-view~1 holds the read view (x.bin's first half as written, zeros after)" \
	"$(head -c 32768 "$T/o1/x.bin.read-view~1" | sha256sum | cut -d' ' -f1) $(tail -c 32768 "$T/o1/x.bin.read-view~1" | tr -d '\0' | wc -c)" \
	"$(head -c 32768 "$T/s/tree/x.bin" | sha256sum | cut -d' ' -f1) 0"
rc=0
"$PMEMSCAN" extract "$img" -o "$T/o1.tar" --quiet 2>"$T/e2" || rc=$?
tar -tf "$T/o1.tar" >"$T/members" 2>/dev/null
check "... into a tar: exit 0, members listed, no two members of the same name" \
	sh -c '[ "$1" = 0 ] && [ -s "$2" ] && [ -z "$(sort "$2" | uniq -d)" ]' sh "$rc" "$T/members"
tar -xOf "$T/o1.tar" x.bin.read-view >"$T/t.real" 2>/dev/null
tar -xOf "$T/o1.tar" x.bin.read-view~1 >"$T/t.mmap" 2>/dev/null
same_value "... the tar's x.bin.read-view is the image's file" "$(sha "$T/t.real")" "$(sha "$T/extra/x.bin.read-view")"
same_value "... and its x.bin.read-view~1 the read view" "$(sha "$T/t.mmap")" "$(sha "$T/o1/x.bin.read-view~1")"

# ==== 2. names the output's filesystem folds into one (vfat) ====
mkdir -p "$T/ci/Dir" "$T/ci/dir"
echo lower >"$T/ci/foo"; echo upper >"$T/ci/FOO"
echo a >"$T/ci/Dir/a"; echo b >"$T/ci/dir/b"; echo z >"$T/ci/z.txt"
ext4 "$T/ci.img" 16M "$T/ci"
# the kernel's vfat, or fusefat where the kernel has no vfat
if command -v mkfs.vfat >/dev/null && truncate -s 16M "$T/vfat.img" &&
   mkfs.vfat "$T/vfat.img" >/dev/null 2>&1 && mkdir "$T/vm" &&
   { mount -o loop "$T/vfat.img" "$T/vm" 2>/dev/null ||
     { command -v fusefat >/dev/null && fusefat -o rw+ "$T/vfat.img" "$T/vm" >/dev/null 2>&1; }; } &&
   echo x >"$T/vm/case" && [ "$(cat "$T/vm/CASE" 2>/dev/null)" = x ]; then
	mounts="$T/vm"
	rc=0
	"$PMEMSCAN" extract --offset 0 "$T/ci.img" -o "$T/vm/o" --quiet 2>"$T/e3" || rc=$?
	same_value "vfat OUT, foo and FOO, Dir and dir in the image: exit 1" "$rc" 1
	check "... one line names foo and FOO as one name on the output, not 'kept'" \
		sh -c 'grep "folds case" "$1" | grep -q -e "'"'"'foo'"'"' and '"'"'FOO'"'"'" -e "'"'"'FOO'"'"' and '"'"'foo'"'"'" && ! grep -q kept "$1"' sh "$T/e3"
	check "... and Dir and dir" \
		sh -c 'grep "folds case" "$1" | grep -q -e "'"'"'dir'"'"' and '"'"'Dir'"'"'" -e "'"'"'Dir'"'"' and '"'"'dir'"'"'"' sh "$T/e3"
	check "... z.txt extracted" test "$(cat "$T/vm/o/z.txt")" = z
	# a --force merge into a non-empty OUT: what is there is kept, a
	# name folded into another of this run is still an error
	mkdir "$T/vm/o2"; echo mine >"$T/vm/o2/other"
	rc=0
	"$PMEMSCAN" extract --offset 0 "$T/ci.img" -o "$T/vm/o2" --force --quiet 2>"$T/e4" || rc=$?
	same_value "vfat OUT, --force merge: exit 1" "$rc" 1
	check "... foo/FOO and Dir/dir each named as folded, neither 'kept'" \
		sh -c '[ "$(grep -c "folds case" "$1")" = 2 ] && ! grep -q kept "$1"' sh "$T/e4"
	check "... the other directory's file did not land in the folded one" \
		sh -c 'ls "$1"/[Dd]ir | grep -qx a && ! ls "$1"/[Dd]ir | grep -qx b || { ls "$1"/[Dd]ir | grep -qx b && ! ls "$1"/[Dd]ir | grep -qx a; }' sh "$T/vm/o2"
	umount "$T/vm"; mounts=
else
	umount "$T/vm" 2>/dev/null
	skip "vfat OUT: folded names are errors" "no mkfs.vfat (dosfstools), or neither a vfat loop mount nor fusefat"
	skip "vfat OUT: --force merge" "no mkfs.vfat (dosfstools), or neither a vfat loop mount nor fusefat"
fi

# ==== 3. --force merge: a symlink where the image has a directory ====
mkdir -p "$T/fm/sub"; echo in >"$T/fm/sub/inner.txt"; echo top >"$T/fm/top.txt"
ext4 "$T/fm.img" 16M "$T/fm"
mkdir -p "$T/o3" "$T/elsewhere"; ln -s "$T/elsewhere" "$T/o3/sub"
rc=0
"$PMEMSCAN" extract --offset 0 "$T/fm.img" -o "$T/o3" --force --quiet 2>"$T/e5" || rc=$?
same_value "--force merge, a symlink in OUT where the image has directory sub: exit 1" "$rc" 1
check "... one line names sub and the symlink, the subtree not extracted" \
	sh -c '[ "$(grep -c "^pmemscan: extract: sub: .*symlink.*its contents not extracted" "$1")" = 1 ]' sh "$T/e5"
check "... nothing written through the symlink, top.txt extracted" \
	sh -c '[ -z "$(ls -A "$1")" ] && [ "$(cat "$2/top.txt")" = top ]' sh "$T/elsewhere" "$T/o3"

# ==== 4. xattrs a fifo or device cannot take, and a full xattr space ====
truncate -s 16M "$T/x.img"
$MKE2FS -q -F -t ext4 -b 4096 "$T/x.img" >/dev/null 2>&1
head -c 3000 /dev/urandom | base64 -w0 | head -c 3000 >"$T/big.val"
echo data >"$T/data"
$DEBUGFS -w -f - "$T/x.img" >/dev/null 2>&1 <<EOF
mknod fifo p
mknod null c 1 3
ea_set fifo user.a hello
ea_set fifo trusted.b world
ea_set null trusted.c dev
write $T/data big
ea_set big user.small tiny
ea_set -f $T/big.val big user.big
EOF
check "debugfs made the fifo's and the file's xattrs" \
	sh -c '$1 -R "ea_list fifo" "$2" 2>/dev/null | grep -q user.a && $1 -R "ea_list big" "$2" 2>/dev/null | grep -q "user.big (3000)"' sh "$DEBUGFS" "$T/x.img"
rc=0
"$PMEMSCAN" extract --offset 0 "$T/x.img" -o "$T/o4" --quiet 2>"$T/e6" || rc=$?
same_value "a fifo with user.a (Linux refuses user.* on a fifo): exit 1" "$rc" 1
check "... a line names the fifo, user.a and EPERM" grep -q "^pmemscan: extract: fifo: .*user.a (.*EPERM)" "$T/e6"
same_value "... the fifo's trusted.b is set" "$(getfattr -h --only-values -n trusted.b "$T/o4/fifo" 2>/dev/null)" world
same_value "... the device node's trusted.c is set" "$(getfattr -h --only-values -n trusted.c "$T/o4/null" 2>/dev/null)" dev
truncate -s 4M "$T/k.img"
if $MKE2FS -q -F -t ext4 -b 1024 "$T/k.img" >/dev/null 2>&1 && mkdir "$T/km" &&
   mount -o loop "$T/k.img" "$T/km" 2>/dev/null; then
	mounts="$T/km"
	rc=0
	"$PMEMSCAN" extract --offset 0 "$T/x.img" -o "$T/km/o" --quiet 2>"$T/e7" || rc=$?
	same_value "OUT on ext4 with 1 KiB blocks: a 3000-byte xattr does not fit: exit 1" "$rc" 1
	check "... a line names the file, user.big and ENOSPC" grep -q "^pmemscan: extract: big: .*user.big (.*ENOSPC)" "$T/e7"
	check "... counted in the summary's errors (with the fifo's user.a)" grep -q "; 2 errors," "$T/e7"
	same_value "... the file's other xattr and its data are there" \
		"$(getfattr --only-values -n user.small "$T/km/o/big" 2>/dev/null) $(cat "$T/km/o/big")" "tiny data"
	umount "$T/km"; mounts=
else
	skip "xattr ENOSPC on OUT" "cannot loop-mount a small ext4"
fi

# ==== 5. a tree deeper than the open-file limit ====
# deep IMG LEVELS: 40 files in the root (mke2fs -d) and a chain d/d/.../d
# of LEVELS directories ending in a file leaf (debugfs: mke2fs -d gives up
# on a host tree that deep)
deep() {
	rm -rf "$T/deep"; mkdir "$T/deep"
	for i in $(seq -w 1 40); do echo "$i" >"$T/deep/r$i"; done
	echo leaf >"$T/leaf"
	ext4 "$1" 64M "$T/deep"
	i=0
	while [ $i -lt "$2" ]; do echo "mkdir d"; echo "cd d"; i=$((i + 1)); done >"$T/deep.cmds"
	echo "write $T/leaf leaf" >>"$T/deep.cmds"
	$DEBUGFS -w -f "$T/deep.cmds" "$1" >/dev/null 2>&1
}
deep "$T/deep100.img" 100
rc=0
(ulimit -n 64 && exec "$PMEMSCAN" extract --offset 0 "$T/deep100.img" -o "$T/o5" --quiet) 2>"$T/e8" || rc=$?
same_value "a chain of 100 directories under 'ulimit -n 64': exit 0" "$rc" 0
same_value "... all 40 root files written" "$(ls "$T/o5" | grep -c '^r[0-9]*$')" 40
p=$T/o5 i=0
while [ $i -lt 100 ]; do p=$p/d; i=$((i + 1)); done
same_value "... the file at the bottom of the chain written" "$(cat "$p/leaf" 2>/dev/null)" leaf
deep "$T/deep1030.img" 1030
rc=0
(ulimit -n 1024 && exec "$PMEMSCAN" extract --offset 0 "$T/deep1030.img" -o "$T/o6" --quiet) 2>"$T/e9" || rc=$?
same_value "a chain of 1030 directories under 'ulimit -n 1024' (the Debian default): exit 1" "$rc" 1
check "... one line says what was too deep" \
	sh -c '[ "$(grep -c "skipped: deeper than 1024 levels" "$1")" = 1 ] && ! grep -q EMFILE "$1"' sh "$T/e9"
same_value "... all 40 root files written" "$(ls "$T/o6" | grep -c '^r[0-9]*$')" 40
p=$T/o6 i=0
while [ $i -lt 1024 ]; do p=$p/d; i=$((i + 1)); done
check "... the 1024 levels above it written" test -d "$p" -a ! -e "$p/d"
done_testing
