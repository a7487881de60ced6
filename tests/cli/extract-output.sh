#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The output side of extract, carve, cat, repair -o and the cache fill
# (issue 15): interrupts stop cleanly (exit 130, partial output removed or
# named), holes stay holes in tar, an unwritable or non-empty OUT, disk
# full, raw names, xattrs on symlinks and in XFS attribute blocks.
# Interrupts are raised by PMEMSCAN_TEST_SIGNAL=N (a real SIGINT, sent by
# the process to itself at the N-th poll: no timing) and, where a wait can
# be made certain (the cache lock), by kill from outside.
. "$top_srcdir/tests/support/lib.sh"
for t in mke2fs debugfs tar unzip xz jq python3 getfattr setfattr; do
	command -v $t >/dev/null || skip_all "$t not installed"
done
[ "$(id -u)" -eq 0 ] || skip_all "needs root (tmpfs and loop mounts, setpriv)"
MiB=1048576
P=$PMEMSCAN
chmod 755 "$T"	# the unprivileged run below reads the image here
mounts=""
cleanup() { for m in $mounts; do umount "$m" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT

# ---- an ext4 image: three 8 MiB files, a 5 GiB hole, unwritten extents,
# a name with a newline, a symlink with a trusted.* xattr ----
mkdir -p "$T/src/d"
for i in 1 2 3; do
	python3 -c "import random,sys; r=random.Random($i); sys.stdout.buffer.write(r.randbytes(8*1024*1024))" >"$T/src/d/f$i.bin"
done
echo "small" >"$T/src/a.txt"
truncate -s 5G "$T/src/hole5g"
printf 'nl\n' >"$T/src/new
line"
ln -s a.txt "$T/src/lnk"
setfattr -h -n trusted.lx -v linkval "$T/src/lnk" 2>/dev/null || skip_all "$T takes no trusted.* xattrs on symlinks"
truncate -s 64M "$T/a.img"
mke2fs -q -F -t ext4 -d "$T/src" "$T/a.img" >/dev/null 2>&1 || skip_all "mke2fs -d failed"
# 10 MiB of unwritten (uninit) extents, as fallocate leaves them
debugfs -w -R "write /dev/null unw" "$T/a.img" >/dev/null 2>&1
debugfs -w -R "fallocate /unw 0 2559" "$T/a.img" >/dev/null 2>&1
debugfs -w -R "sif /unw size 10485760" "$T/a.img" >/dev/null 2>&1
check "fixture: /unw is 10 MiB of uninit extents" \
	sh -c "debugfs -R 'stat /unw' '$T/a.img' 2>/dev/null | grep -q '(0-2559\[u\])'"

# same_tree OUT: every regular file in OUT/d equals the source (none cut short)
same_tree() {
	for f in "$1"/d/*; do
		[ -e "$f" ] || continue
		cmp -s "$f" "$T/src/d/${f##*/}" || { echo "differs: $f" >&2; return 1; }
	done
}
# same_tree_all OUT: OUT/d holds every file of the source's d, each equal
same_tree_all() {
	for f in "$T"/src/d/*; do
		same "$1/d/${f##*/}" "$f" || { echo "missing or differs: $1/d/${f##*/}" >&2; return 1; }
	done
}

# ==== 1. interrupts ====
rm -rf "$T/o1"
PMEMSCAN_TEST_SIGNAL=30 "$P" extract "$T/a.img" -o "$T/o1" >/dev/null 2>"$T/e1"; rc=$?
same_value "extract to a directory: SIGINT exits 130" "$rc" 130
check "extract: 'interrupted' and the summary so far" \
	sh -c "grep -q 'stopped here: interrupted by SIGINT; its partial copy was removed' '$T/e1' && grep -q 'extract: interrupted: so far .*(INCOMPLETE: interrupted by SIGINT)' '$T/e1'"
check "extract: no file left cut short under its real name" same_tree "$T/o1"
check "extract: the interrupted file is not there" \
	sh -c "f=\$(sed -n 's/.*extract: \(d\/f[0-9]\.bin\): stopped here.*/\1/p' '$T/e1'); [ -n \"\$f\" ] && [ ! -e '$T/o1/'\"\$f\" ]"

PMEMSCAN_TEST_SIGNAL=4 "$P" extract "$T/a.img" -o "$T/o1.tar.xz" >/dev/null 2>"$T/e2"; rc=$?
same_value "extract to .tar.xz: SIGINT exits 130" "$rc" 130
check "extract .tar.xz: no OUT, OUT.partial named with its size" \
	sh -c "[ ! -e '$T/o1.tar.xz' ] && [ -s '$T/o1.tar.xz.partial' ] && grep -q 'incomplete archive is left as $T/o1.tar.xz.partial, [0-9]* bytes' '$T/e2'"

PMEMSCAN_TEST_SIGNAL=3 "$P" carve "$T/a.img" -o "$T/c.img" >/dev/null 2>"$T/e3"; rc=$?
same_value "carve: SIGINT exits 130" "$rc" 130
check "carve: neither FS.img nor FS.img.partial left, and it says so" \
	sh -c "[ ! -e '$T/c.img' ] && [ ! -e '$T/c.img.partial' ] && grep -q 'interrupted by SIGINT at offset .*c.img.partial removed' '$T/e3'"

PMEMSCAN_TEST_SIGNAL=3 "$P" cat "$T/a.img" -o "$T/cat.img" 2>"$T/e4"; rc=$?
same_value "cat -o: SIGINT exits 130" "$rc" 130
check "cat -o: neither OUT nor OUT.partial left, and it says so" \
	sh -c "[ ! -e '$T/cat.img' ] && [ ! -e '$T/cat.img.partial' ] && grep -q 'cat: interrupted by SIGINT' '$T/e4' && grep -q 'cat.img.partial removed' '$T/e4'"

# inputs main reads differently: a pipe (copied once into a nameless
# temporary file, which now polls too) and split raw segments
rc=0
cat "$T/a.img" | PMEMSCAN_TEST_SIGNAL=3 "$P" extract - -o "$T/op" >/dev/null 2>"$T/e4p" || rc=$?
same_value "extract from standard input: SIGINT while it is read exits 130" "$rc" 130
check "... one line says so, OUT is not created" \
	sh -c "grep -q 'standard input: interrupted by SIGINT after [0-9]* bytes read' '$T/e4p' && [ ! -e '$T/op' ]"
mkdir "$T/seg"
split -b 16M -d -a 3 --numeric-suffixes=1 "$T/a.img" "$T/seg/a.img."
rc=0
PMEMSCAN_TEST_SIGNAL=3 "$P" carve "$T/seg/a.img.001" -o "$T/cs.img" >/dev/null 2>"$T/e4s" || rc=$?
same_value "carve from split raw segments: SIGINT exits 130" "$rc" 130
check "... neither FS.img nor FS.img.partial left, and it says so" \
	sh -c "[ ! -e '$T/cs.img' ] && [ ! -e '$T/cs.img.partial' ] && grep -q 'cs.img.partial removed' '$T/e4s'"

# (a small image for the compressed cases: xz is slow on random data)
mkdir "$T/src2"; seq 1 2000000 >"$T/src2/n.txt"
truncate -s 24M "$T/b.img"; mke2fs -q -F -t ext4 -d "$T/src2" "$T/b.img" >/dev/null 2>&1
xz -T1 -0 -c "$T/b.img" >"$T/a.img.xz"
mkdir "$T/cache"
PMEMSCAN_TEST_SIGNAL=2 "$P" "$T/a.img.xz" --cache --cache-dir "$T/cache" >/dev/null 2>"$T/e5"; rc=$?
same_value "cache fill (scan of a .xz, --cache): SIGINT exits 130" "$rc" 130
check "cache fill: no .partial and no cache left, and it says so" \
	sh -c "! ls '$T/cache' | grep -q '\.img' && grep -q 'interrupted by SIGINT while decoding into .*\.partial removed' '$T/e5'"
PMEMSCAN_TEST_SIGNAL=2 "$P" extract "$T/a.img.xz" --cache-dir "$T/cache" -o "$T/o5" >/dev/null 2>"$T/e5b"; rc=$?
same_value "temporary decode for extract: SIGINT exits 130" "$rc" 130
check "temporary decode: nothing left in the cache directory" sh -c "! ls '$T/cache' | grep -q 'pmemscan-decode\|\.img'"

if [ -n "${NDCTL:-}" ]; then
	truncate -s 128M "$T/r.img"; $NDCTL write-infoblock -o "$T/r.img" >/dev/null 2>&1
	mke2fs -q -F -t ext4 -b 4096 -d "$T/src/d" -E offset=$((4 * MiB)) "$T/r.img" 16384 >/dev/null 2>&1
	# a bad checksum: its first byte's bits flipped (a fixed byte could be
	# the one already there: ndctl's uuid is random)
	b=$(od -An -tu1 -j $((4096 + 4088)) -N1 "$T/r.img" | tr -d ' ')
	printf "\\$(printf %o $((b ^ 255)))" | dd of="$T/r.img" bs=1 seek=$((4096 + 4088)) conv=notrunc status=none
	PMEMSCAN_TEST_SIGNAL=2 "$P" repair "$T/r.img" -o "$T/r-fixed.img" >"$T/o6" 2>"$T/e6"; rc=$?
	if grep -q reflinked "$T/o6"; then
		skip "repair -o: SIGINT removes the copy" "the copy was a reflink here (no copy loop)"
	else
		same_value "repair -o: SIGINT exits 130" "$rc" 130
		check "repair -o: the partial copy is removed, and it says so" \
			sh -c "[ ! -e '$T/r-fixed.img' ] && grep -q 'interrupted by SIGINT while copying; the partial copy was removed' '$T/e6'"
	fi
else
	skip "repair -o: SIGINT removes the copy" "ndctl not installed"
fi

# real signals from outside, while waiting for another run's cache lock
# (a failed fill removes its lock file; a kept cache keeps its own)
"$P" digest --cache --cache-dir "$T/cache" "$T/a.img.xz" >/dev/null 2>&1
L=$(ls "$T"/cache/*.lock 2>/dev/null | head -1)
if [ -n "$L" ] && command -v flock >/dev/null; then
	for sig in TERM INT; do
		exec 7>>"$L"; flock 7	# this shell holds the lock: the run must wait
		# a background job of a script has SIGINT ignored: start it with
		# the default disposition, as a terminal's foreground job has
		python3 -c 'import os,signal,sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' \
			"$P" cat "$T/a.img.xz" --cache --cache-dir "$T/cache" -o "$T/cat2.img" 2>"$T/e7" & pid=$!
		n=0; while ! grep -q waiting "$T/e7" && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
		kill -$sig $pid; wait $pid; rc=$?
		flock -u 7; exec 7>&-
		want=$([ $sig = TERM ] && echo 143 || echo 130)
		same_value "SIG$sig from outside during the cache-lock wait: exit $want" "$rc" "$want"
		check "SIG$sig from outside: one line saying so, no OUT" \
			sh -c "grep -q 'interrupted by SIG$sig while waiting for the cache lock' '$T/e7' && [ ! -e '$T/cat2.img' ]"
	done
else
	skip "signals from outside" "no cache lock file or no flock(1)"
fi

# ==== 2. holes in archives ====
"$P" extract "$T/a.img" -o "$T/h.tar" >/dev/null 2>"$T/e8"; rc=$?
same_value "tar: exit 0" "$rc" 0
sz=$(stat -c %s "$T/h.tar")
check "tar: 5 GiB hole + 10 MiB unwritten + 24 MiB data stored in under 26 MiB, and no less than the data (is $sz bytes)" test "$sz" -lt $((26 * MiB)) -a "$sz" -ge $((24 * MiB))
mkdir "$T/hx"
check "GNU tar extracts it" tar -xSf "$T/h.tar" -C "$T/hx"
check "tar: hole5g comes back 5 GiB, no blocks" \
	sh -c "[ \$(stat -c %s '$T/hx/hole5g') = 5368709120 ] && [ \$(stat -c %b '$T/hx/hole5g') = 0 ]"
check "tar: unw comes back as 10 MiB of zeros" sh -c "head -c 10485760 /dev/zero | cmp -s - '$T/hx/unw'"
check "tar: the data files are there, whole" same_tree_all "$T/hx"
"$P" extract "$T/a.img" -o "$T/h.zip" >/dev/null 2>"$T/e9"; rc=$?
check "zip: the hole-only 5 GiB file is not extracted, exit 1 (docs/cli.md), the rest stored" \
	sh -c "[ $rc = 1 ] && grep -q 'hole5g: not extracted (the output cannot hold it): .*5 GiB of holes cannot go into a zip' '$T/e9' && unzip -l '$T/h.zip' | grep -q ' unw\$' && ! unzip -l '$T/h.zip' | grep -q hole5g"

# ==== 4. output directory ====
mkdir "$T/ro"; chmod 555 "$T/ro"
if command -v setpriv >/dev/null && setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null; then
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$P" extract "$T/a.img" -o "$T/ro" >/dev/null 2>"$T/e10"; rc=$?
	same_value "unwritable OUT (mode 555, not root): exit 3" "$rc" 3
	check "unwritable OUT: one error line, up front, nothing per file" \
		sh -c "[ \$(grep -c 'output directory not writable: Permission denied' '$T/e10') = 1 ] && [ \$(grep -c 'Permission denied' '$T/e10') = 1 ] && [ -z \"\$(ls -A '$T/ro')\" ]"
else
	skip "unwritable OUT" "cannot drop root with setpriv"
fi
mkdir -p "$T/ne/d" "$T/elsewhere"; echo mine >"$T/ne/a.txt"; ln -s "$T/elsewhere" "$T/ne/lnk"
"$P" extract "$T/a.img" -o "$T/ne" >/dev/null 2>"$T/e11"; rc=$?
same_value "non-empty OUT without --force: exit 3" "$rc" 3
check "non-empty OUT: the refusal says what --force does" grep -q 'not empty (--force extracts into it: .*nothing there is overwritten' "$T/e11"
"$P" extract "$T/a.img" -o "$T/ne" --force >/dev/null 2>"$T/e12"; rc=$?
same_value "non-empty OUT with --force: exit 0" "$rc" 0
check "--force: a file already there that is not the image's is rewritten with the image's" sh -c "[ \"\$(cat '$T/ne/a.txt')\" = small ]"
check "--force: a directory already there is entered and filled" same_tree_all "$T/ne"
check "--force: a symlink already there is neither replaced nor followed" \
	sh -c "[ -L '$T/ne/lnk' ] && [ -z \"\$(ls -A '$T/elsewhere')\" ]"
check "--force: the summary counts what was kept and rewritten" grep -q "1 already there (kept: the image's size and content), 1 rewritten" "$T/e12"

# ==== 5. disk full ====
mkdir "$T/full"
if mount -t tmpfs -o size=2m tmpfs "$T/full" 2>/dev/null; then
	mounts="$T/full"
	"$P" extract "$T/a.img" -o "$T/full/out" >/dev/null 2>"$T/e13"; rc=$?
	same_value "disk full, directory: exit 3" "$rc" 3
	check "disk full: one line naming the file, ENOSPC and what was left" \
		sh -c "[ \$(grep -c 'No space left on device (ENOSPC)' '$T/e13') = 1 ] && grep -q 'extract: d/f[0-9].bin: stopped here by a fatal error: .*(ENOSPC); its partial copy was removed' '$T/e13'"
	check "disk full: the summary's error count agrees with INCOMPLETE" \
		sh -c "grep -q '; 1 errors, .*(INCOMPLETE: stopped by a fatal error)' '$T/e13'"
	check "disk full: no file cut short" same_tree "$T/full/out"
	rm -rf "$T/full/out"
	"$P" extract "$T/a.img" -o "$T/full/o.tar" >/dev/null 2>"$T/e14"; rc=$?
	same_value "disk full, .tar: exit 3" "$rc" 3
	check "disk full, .tar: the line names ENOSPC and the .partial left behind" \
		sh -c "grep -q 'No space left on device (ENOSPC); the incomplete archive is left as $T/full/o.tar.partial, [0-9]* bytes' '$T/e14' && [ -e '$T/full/o.tar.partial' ]"
	rm -f "$T/full/o.tar.partial"
	"$P" carve "$T/a.img" -o "$T/full/c.img" >/dev/null 2>"$T/e15"; rc=$?
	check "disk full, carve: exit 3, ENOSPC, the .partial removed" \
		sh -c "[ $rc = 3 ] && grep -q '(ENOSPC); $T/full/c.img.partial removed' '$T/e15' && [ ! -e '$T/full/c.img.partial' ]"
else
	skip "disk full" "cannot mount a 2 MiB tmpfs"
fi

# ==== 9. names and xattrs ====
rm -rf "$T/n1" "$T/n2"
"$P" extract "$T/a.img" -o "$T/n1" >/dev/null 2>&1
"$P" extract "$T/a.img" -o "$T/n2" --raw-names >/dev/null 2>"$T/e16"; rc=$?
check "default: a newline in a name is mapped to %0A" test -f "$T/n1/new%0Aline"
check "--raw-names: the name keeps its newline, as debugfs and tar do" \
	sh -c "[ $rc = 0 ] && [ -f '$T/n2/new
line' ] && [ ! -e '$T/n2/new%0Aline' ] && ! grep -q renamed: '$T/e16'"
check "directory mode: trusted.* xattr on a symlink kept (lsetxattr)" \
	sh -c "[ \"\$(getfattr -h --only-values -n trusted.lx '$T/n1/lnk' 2>/dev/null)\" = linkval ]"

# XFS: xattrs in leaf and node attribute blocks and a remote value
if command -v mkfs.xfs >/dev/null && truncate -s 300M "$T/x.img" && mkfs.xfs -q "$T/x.img" 2>/dev/null &&
   mkdir "$T/xm" && mount -o loop "$T/x.img" "$T/xm" 2>/dev/null; then
	mounts="$mounts $T/xm"
	(
		cd "$T/xm" || exit 1
		echo leaf >leaf; stat -c %i leaf >"$T/leaf.ino"
		echo node >node; echo big >big
		python3 -c '
import os
for i in range(1, 41):
    os.setxattr("leaf", "user.k%d" % i, b"value-%d-%030d" % (i, i))
for i in range(1, 601):
    os.setxattr("node", "user.attr_number_%d" % i, b"v%060d" % i)
os.setxattr("big", "user.big", b"x" * 9000 + b"END")
os.setxattr("big", "trusted.t", b"tv")'
		echo s >short; setfattr -n user.s -v 1 short
		ln -s short lnk; setfattr -h -n trusted.lx -v linkval lnk
		fallocate -l 10M unw; truncate -s 5G hole5g
	)
	for f in leaf node big short lnk; do getfattr -h -d -m - -e hex "$T/xm/$f" | sed 1d | sort >"$T/xa.$f"; done
	umount "$T/xm"
	check "xfs fixture: leaf, node (600 xattrs) and remote-value attribute forks" \
		sh -c "[ \$(wc -l <'$T/xa.node') = 601 ] && grep -q user.big '$T/xa.big'"
	# a destination that takes every xattr: tmpfs (user.* since Linux 6.6)
	mkdir "$T/xd"
	if mount -t tmpfs -o size=64m tmpfs "$T/xd" && setfattr -n user.p -v 1 "$T/xd" 2>/dev/null; then
		mounts="$mounts $T/xd"
		"$P" extract "$T/x.img" -o "$T/xd/o" >/dev/null 2>"$T/e17"; rc=$?
		same_value "xfs: extract exits 0" "$rc" 0
		for f in leaf node big short lnk; do
			getfattr -h -d -m - -e hex "$T/xd/o/$f" 2>/dev/null | sed 1d | sort >"$T/xb.$f"
			same_output "xfs: every xattr of $f extracted" "$T/xb.$f" "$T/xa.$f"
		done
	else
		skip "xfs: xattrs in attribute blocks extracted" "no tmpfs with user.* xattrs here"
	fi
	"$P" extract "$T/x.img" -o "$T/x.tar" >/dev/null 2>&1
	check "xfs: tar of a 5 GiB hole and 10 MiB unwritten stays small" test "$(stat -c %s "$T/x.tar")" -lt $((1 * MiB))
	# a damaged attribute block: an error naming the file, exit 1
	# the leaf block of 'leaf' (bmap -a: "startblock N (AG/AGBNO)")
	ag=$(xfs_db -r -c "inode $(cat "$T/leaf.ino")" -c "bmap -a" "$T/x.img" 2>/dev/null |
		sed -n 's/.*startblock [0-9]* (\([0-9]*\)\/\([0-9]*\)).*/\1 \2/p' | head -1)
	bs=$(xfs_db -r -c "sb 0" -c "p blocksize" "$T/x.img" | awk '{print $3}')
	agb=$(xfs_db -r -c "sb 0" -c "p agblocks" "$T/x.img" | awk '{print $3}')
	if [ -n "$ag" ] && [ -n "$bs" ] && [ -n "$agb" ]; then
		set -- $ag
		dd if=/dev/zero of="$T/x.img" bs="$bs" seek=$(($1 * agb + $2)) count=1 conv=notrunc status=none
		rm -rf "$T/xd/o2"
		"$P" extract "$T/x.img" -o "$T/xd/o2" >/dev/null 2>"$T/e18"; rc=$?
		same_value "xfs: unreadable attribute block: exit 1" "$rc" 1
		check "xfs: 'xattrs of leaf not extracted' and counted as an error" \
			sh -c "grep -q 'xattrs of leaf not extracted' '$T/e18' && grep -q '; 1 errors' '$T/e18'"
	else
		skip "xfs: damaged attribute block" "xfs_db gave no block map"
	fi
else
	skip "xfs: xattrs in attribute blocks" "no mkfs.xfs or no loop mount"
fi
done_testing
