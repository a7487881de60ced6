#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pmemscan extract / ls / carve on ext2, ext4 and XFS images built from a
# known tree: every file comes out with its sha256, mode, owner, mtime,
# symlink target, hard links and xattrs, to a directory and to archives;
# hostile names and symlinks never escape OUT; errors are one line.
. "$top_srcdir/tests/support/lib.sh"
. "$top_srcdir/tests/support/extract-tree.sh"
for t in mke2fs debugfs mkfs.xfs xfs_db tar unzip zstd getfattr setfattr jq sha256sum; do
	command -v $t >/dev/null || skip_all "$t not installed"
done
[ "$(id -u)" -eq 0 ] || skip_all "needs root (the tree has files of several owners)"
export TZ=UTC
MiB=1048576
# created.awk: from an strace -f -y log, every creation that is not inside
# OUT (-v out=DIR [-v out2=ITS_REAL_PATH]), then "creations: N"
cat >"$T/created.awk" <<'AWK'
# reads an strace -f -y log; prints every creation (a failed call created
# nothing) whose new name is not inside OUT, then "creations: N"
function under(p, d) { return d != "" && (p == d || index(p, d "/") == 1) }
# (out as given, out2 as the kernel resolves it: TMPDIR may be a symlink)
function inside(p) { return under(p, out) || under(p, out2) }
function okname(n) { return n != "" && n !~ /\// && n != "." && n != ".." }
/ = -1 / { next }
{
	call = $2; sub(/\(.*/, "", call)
	line = $0; sub(/^[0-9]+ +/, "", line)
}
call ~ /^(open|openat|creat)$/ && call != "creat" && line !~ /O_CREAT|O_WRONLY|O_RDWR|O_TRUNC/ { next }
call ~ /^(mkdirat|openat|mknodat|symlinkat|linkat|renameat|renameat2)$/ {
	# the last "FD<DIR>, \"NAME\"" pair: where the new name goes
	rest = line; dir = ""; name = ""; found = 0
	while (match(rest, /(<[^>]*>|AT_FDCWD), "[^"]*"/)) {	# (AT_FDCWD may carry <cwd>)
		m = substr(rest, RSTART, RLENGTH)
		dir = m; sub(/, ".*/, "", dir); gsub(/^<|>$/, "", dir)
		name = m; sub(/^[^"]*"/, "", name); sub(/"$/, "", name)
		found = 1
		rest = substr(rest, RSTART + RLENGTH)
	}
	n++
	if (!found) { print "unparsed: " line; next }
	# an absolute name ignores the directory fd
	if (dir == "AT_FDCWD" || name ~ /^\//) { if (!inside(name)) print line; next }
	if (!inside(dir) || !okname(name)) print line
	next
}
call ~ /^(mkdir|open|creat|mknod)$/ {
	p = line; sub(/^[a-z]+\("/, "", p); sub(/".*/, "", p)
	n++; if (!inside(p)) print line; next
}
call ~ /^(symlink|link|rename)$/ {
	p = line; sub(/^[a-z]+\("[^"]*", "/, "", p); sub(/".*/, "", p)
	n++; if (!inside(p)) print line; next
}
END { print "creations: " n + 0 }
AWK

# ---- fixtures ----
mktree "$T/tree"
manifest "$T/tree" >"$T/m.ext"
mktree "$T/xtree" xfs

# ext images keep mke2fs -d's seconds only: put the tree's exact times
# (nanoseconds, before 1970, after 2038) in with debugfs.
set_ext_times() {	# set_ext_times FSIMG MANIFEST
	while IFS='	' read -r p y m u g t rest; do
		sec=${t%.*}; ns=${t#*.}
		ns=$(echo "$ns" | sed 's/^0*//'); ns=${ns:-0}
		low=$((sec & 0xffffffff))
		[ $low -ge 2147483648 ] && low=$((low - 4294967296))
		epoch=$(( ((sec - low) >> 32) & 3 ))
		printf 'sif "/%s" mtime @%s\nsif "/%s" mtime_extra %s\n' "$p" "$sec" "$p" \
			$(( (ns << 2) | epoch ))
	done <"$2" >"$T/sif.cmd"
	debugfs -w -f "$T/sif.cmd" "$1" >/dev/null 2>&1
}
mkext() {	# mkext TYPE FSIMG
	mke2fs -q -F -t "$1" -I 256 -b 4096 -d "$T/tree" "$2" 64M >/dev/null 2>&1 &&
	set_ext_times "$2" "$T/m.ext"
}
mkext ext4 "$T/ext4.fs"
mkext ext2 "$T/ext2.fs"
mkproto "$T/xtree" >"$T/proto"
truncate -s 320M "$T/xfs.fs" "$T/xfs-legacy.fs"
mkfs.xfs -q -f -p "$T/proto" "$T/xfs.fs" >/dev/null 2>&1
mkfs.xfs -q -f -m bigtime=0 -p "$T/proto" "$T/xfs-legacy.fs" >/dev/null 2>&1

# XFS: mkfs.xfs -p stamps files with the time of mkfs; the expected times
# are what xfs_db (xfsprogs' own decoder) reads from each inode.
xfs_manifest() {	# xfs_manifest FSIMG: the xtree manifest with xfs_db's mtimes
	manifest "$T/xtree" | while IFS='	' read -r p y m u g t rest; do
		out=$(xfs_db -r -c "path /$p" -c "print core.mtime.sec core.mtime.nsec" "$1" 2>/dev/null)
		s=$(echo "$out" | sed -n 's/^core.mtime.sec = //p')
		n=$(echo "$out" | sed -n 's/^core.mtime.nsec = //p')
		printf '%s\t%s\t%s\t%s\t%s\t%s.%09d\t%s\n' "$p" "$y" "$m" "$u" "$g" \
			"$(date -u -d "$s" +%s)" "$n" "$rest"
	done
}
xfs_manifest "$T/xfs.fs" >"$T/m.xfs"
xfs_manifest "$T/xfs-legacy.fs" >"$T/m.xfs-legacy"
check "xfs_db reads the bigtime mtimes of the fixture" \
	test "$(cut -f6 "$T/m.xfs" | grep -c '^17[0-9]*\.')" -ge 10

# each filesystem sits at an offset inside a larger sparse image
embed() {	# embed FSIMG OUT OFFSET
	truncate -s $(( $3 + $(stat -c %s "$1") + MiB )) "$2"
	dd if="$1" of="$2" bs=1M seek=$(($3 / MiB)) conv=notrunc,sparse status=none
}
for f in ext4 ext2 xfs xfs-legacy; do
	embed "$T/$f.fs" "$T/$f.img" $((3 * MiB))
done
win() { echo "--offset $((3 * MiB)) --size $(stat -c %s "$T/$1.fs")"; }

# compare an extracted tree against the expected manifest
same_tree() {	# same_tree DIR MANIFEST [COLS]
	manifest "$1" | grep -v '^lost+found' | cut -f"${3:-1-}" >"$T/got"
	cut -f"${3:-1-}" "$2" >"$T/want"
	same "$T/want" "$T/got"
}

# ---- extract to a directory, every filesystem ----
for f in ext4 ext2 xfs xfs-legacy; do
	m=$T/m.$f; case $f in ext*) m=$T/m.ext ;; esac
	# shellcheck disable=SC2046
	"$PMEMSCAN" extract "$T/$f.img" $(win $f) -o "$T/out.$f" --quiet 2>"$T/err"; rc=$?
	check "$f: extract to a directory exits 0" test "$rc" -eq 0
	check "$f: every file has its sha256, mode, owner, mtime (ns), target, xattrs" \
		same_tree "$T/out.$f" "$m"
done
# (two missing files have the same empty inode number: same_value)
same_value "ext4: hard links come out as one inode" \
	"$(stat -c %i "$T/out.ext4/hard1")" "$(stat -c %i "$T/out.ext4/dir/hard2")"
same_value "ext2 (block-mapped files): hard links too" \
	"$(stat -c %i "$T/out.ext2/hard1")" "$(stat -c %i "$T/out.ext2/dir/hard2")"
check "ext4: a 20 MiB file with 8 KiB of data comes out sparse" \
	test "$(du -k "$T/out.ext4/sparse.img" | cut -f1)" -lt 1024
check "ext4: times after 2038 and before 1970 are exact" \
	test "$(stat -c '%Y %y' "$T/out.ext4/big.bin" "$T/out.ext4/exec.sh" | tr '\n' ' ')" = \
	"4102444800 2100-01-01 00:00:00.250000000 +0000 -302443200 1960-06-01 12:00:00.500000000 +0000 "

# ---- archives ----
untar() { mkdir -p "$2" && tar --xattrs --xattrs-include='*' --warning=none -xpf "$1" -C "$2"; }
for f in ext4 xfs; do
	m=$T/m.$f; [ $f = ext4 ] && m=$T/m.ext
	for s in tar tar.gz tar.zst; do
		# shellcheck disable=SC2046
		"$PMEMSCAN" extract "$T/$f.img" $(win $f) -o "$T/$f.$s" --quiet 2>"$T/err"; rc=$?
		check "$f: extract to .$s exits 0, no .partial left" \
			test "$rc" -eq 0 -a -s "$T/$f.$s" -a ! -e "$T/$f.$s.partial"
		untar "$T/$f.$s" "$T/un.$f.$s"
		check "$f: .$s holds every file with sha256, mode, owner, mtime, target, xattrs" \
			same_tree "$T/un.$f.$s" "$m"
	done
done
check "tar keeps holes (pax sparse): the 20 MiB file with 8 KiB of data takes little room" \
	test "$(stat -c %s "$T/ext4.tar")" -lt $((8 * MiB)) -a "$(du -k "$T/un.ext4.tar/sparse.img" | cut -f1)" -lt 1024
check ".tar.gz is gzip, .tar.zst is zstd" \
	sh -c "file -b '$T/ext4.tar.gz' | grep -q gzip && file -b '$T/ext4.tar.zst' | grep -q -i zstandard"
check "ext4 tar: the hard link is a link entry" \
	sh -c "tar -tvf '$T/ext4.tar' 2>/dev/null | grep -Eq 'dir/hard2 link to hard1|hard1 link to dir/hard2'"
"$PMEMSCAN" extract "$T/ext4.img" $(win ext4) -o "$T/ext4.zip" --quiet 2>"$T/err"; rc=$?
check "zip: exit 1 (the fifo it cannot hold is not extracted; xattrs are warnings)" test "$rc" -eq 1
check "zip: the fifo is named as not extracted" grep -q ": not extracted (the output cannot hold it): " "$T/err"
mkdir "$T/un.zip" && (cd "$T/un.zip" && LC_ALL=C.UTF-8 unzip -K -q "$T/ext4.zip")
grep -v '	p	' "$T/m.ext" >"$T/m.ext-nofifo"
check "zip: every file, dir and symlink with its sha256, mode, target" \
	same_tree "$T/un.zip" "$T/m.ext-nofifo" 1,2,3,7,8,9

"$PMEMSCAN" extract "$T/ext4.img" $(win ext4) -o "$T/noprog" 2>"$T/err"
check "not a terminal: no progress bar on stderr, a summary line" \
	sh -c "! grep -q \"\$(printf '\\r')\" '$T/err' && grep -q '^pmemscan: extract: 14 files' '$T/err'"

# ---- --path, ls ----
"$PMEMSCAN" extract "$T/ext4.img" $(win ext4) --path /dir/sub -o "$T/sub" --quiet 2>/dev/null
check "--path /dir/sub extracts that subtree" \
	test -f "$T/sub/deep/file.bin" -a -L "$T/sub/up" -a ! -e "$T/sub/hello.txt"
for f in ext4 xfs; do
	m=$T/m.$f; [ $f = ext4 ] && m=$T/m.ext
	"$PMEMSCAN" ls "$T/$f.img" $(win $f) 2>/dev/null >"$T/ls.txt"
	"$PMEMSCAN" ls "$T/$f.img" $(win $f) --json 2>/dev/null | jq -r '.entries[].path' |
		sed 's,^/,,' | grep -v '^lost+found' | sort >"$T/ls.$f"
	cut -f1 "$m" | sort >"$T/ls.want"
	same_output "$f: ls --json lists every file of the tree" "$T/ls.want" "$T/ls.$f"
	# (0 lines = 0 entries when both listings failed: there must be entries)
	check "$f: ls text has one line per entry, fls-like" \
		test "$(wc -l <"$T/ls.$f")" -gt 0 -a \( \
		"$(grep -c '^[rdlpcbs]/[rdlpcbs] [0-7]\{4\} ' "$T/ls.txt")" -eq "$(wc -l <"$T/ls.$f")" -o \
		"$(grep -c '^[rdlpcbs]/[rdlpcbs] [0-7]\{4\} ' "$T/ls.txt")" -eq $(( $(wc -l <"$T/ls.$f") + 1 )) \)
done
"$PMEMSCAN" ls "$T/ext4.img" $(win ext4) --json >"$T/ls.json" 2>/dev/null
check "ls --json: valid JSON with the bigtime-era mtime and xattr names" \
	test "$(jq -r '.entries[] | select(.path=="/big.bin") | .mtime_sec' "$T/ls.json") $(jq -r '.entries[] | select(.path=="/xattr.txt") | .xattrs | sort | join(",")' "$T/ls.json")" = \
	"4102444800 user.bin,user.comment"
"$PMEMSCAN" ls "$T/xfs.img" $(win xfs) --json >"$T/lsx.json" 2>/dev/null
want=$(awk -F'\t' '$1=="big.bin" {print $6}' "$T/m.xfs")
same_value "xfs ls --json: bigtime mtime equals xfs_db's ($want)" \
	"$(jq -r '.entries[] | select(.path=="/big.bin") | "\(.mtime_sec).\(.mtime_nsec)"' "$T/lsx.json")" \
	"${want:+${want%.*}.$(echo "${want#*.}" | sed 's/^0*//')}"
check "ls PATH lists a subtree" \
	sh -c "'$PMEMSCAN' ls '$T/ext4.img' $(win ext4) /dir/sub 2>/dev/null | grep -q '/dir/sub/deep/file.bin'"

# ---- carve ----
"$PMEMSCAN" carve "$T/ext4.img" $(win ext4) -o "$T/carved.img" --quiet; rc=$?
check "carve exits 0" test "$rc" -eq 0
check "carve output equals the window (sha256)" \
	test "$(sha256sum <"$T/carved.img")" = "$(sha256sum <"$T/ext4.fs")"
check "carve output is sparse" \
	test "$(du -k "$T/carved.img" | cut -f1)" -lt $(( $(stat -c %s "$T/carved.img") / 1024 / 2 ))
before=$(stat -c %Y.%i "$T/carved.img")
expect_exit 3 "carve refuses to overwrite without --force" \
	"$PMEMSCAN" carve "$T/ext4.img" $(win ext4) -o "$T/carved.img" --quiet 2>"$T/err"
check "... with one line" test "$(wc -l <"$T/err")" -eq 1
same_value "... and the file is untouched" "$(stat -c %Y.%i "$T/carved.img")" "$before"
expect_exit 0 "carve --force overwrites" \
	"$PMEMSCAN" carve "$T/xfs.img" $(win xfs) -o "$T/carved.img" --force --quiet
check "... with the new content" \
	test "$(sha256sum <"$T/carved.img")" = "$(sha256sum <"$T/xfs.fs")"
"$PMEMSCAN" extract "$T/carved.img" -o "$T/out.carved" --quiet 2>/dev/null
check "the carved image extracts by itself (raw namespace auto-detected)" \
	same_tree "$T/out.carved" "$T/m.xfs"

# ---- pfn namespaces of both start_pad eras (ndctl write-infoblock) ----
if [ -n "$NDCTL" ]; then
	for era in legacy fixed plain; do
		truncate -s 1G "$T/pfn-$era.img"
		case $era in
		plain) $NDCTL write-infoblock -o "$T/pfn-$era.img" >/dev/null 2>&1
		       # dataoff: info block + the memmap ndctl reserves (-M dev), as
		       # ndctl reads it back (not as pmemscan, the tool under test,
		       # would place it: then any offset it computed would pass)
		       at=$($NDCTL read-infoblock -j -i "$T/pfn-$era.img" 2>/dev/null | jq '.[0].dataoff') ;;
		*) $NDCTL write-infoblock -o "$T/pfn-$era.img" -O 0x577c000000 -a 128M >/dev/null 2>&1
		   at=$((128 * MiB)); [ $era = fixed ] && at=$((64 * MiB)) ;;
		esac
		dd if="$T/ext4.fs" of="$T/pfn-$era.img" bs=4096 seek=$((at / 4096)) conv=notrunc,sparse status=none
		"$PMEMSCAN" extract "$T/pfn-$era.img" -o "$T/pfn-$era.tar" --quiet 2>"$T/err"; rc=$?
		[ $rc -eq 0 ] || cat "$T/err"
		untar "$T/pfn-$era.tar" "$T/un.pfn-$era"
		check "pfn namespace ($era start_pad placement): extract to tar, every file right" \
			same_tree "$T/un.pfn-$era" "$T/m.ext"
	done
else
	skip "pfn namespaces of both start_pad eras" "ndctl not installed"
fi

# ---- sector-mode (BTT) namespace: extraction reads through the BTT view
# once the namespace selection offers it (mkfx-btt builds the namespace) ----
# (a failing mkfx-btt or extract is a failure: the BTT view is offered now)
if [ ! -x "$top_builddir/tests/support/mkfx-btt" ]; then
	skip "BTT namespace: every file right through the translated view" "tests/support/mkfx-btt not built"
else
	"$top_builddir/tests/support/mkfx-btt" -o "$T/btt.img" -s 80M -i "$T/ext4.fs" -S 3 >/dev/null 2>&1; rc=$?
	check "BTT namespace: mkfx-btt builds it" test "$rc" -eq 0
	"$PMEMSCAN" extract "$T/btt.img" -o "$T/out.btt" --quiet 2>"$T/err"; rc=$?
	bttmsg=; [ "$rc" -eq 0 ] || bttmsg=" (exit $rc: $(head -1 "$T/err"))"
	check "BTT namespace: extract exits 0$bttmsg" test "$rc" -eq 0
	check "BTT namespace: every file right through the translated view" \
		same_tree "$T/out.btt" "$T/m.ext"
fi

# ---- XFS written by the kernel (needs loop mounts): the full tree, with
# hard links, xattrs, sparse and unwritten extents, times past 2038 ----
mkdir -p "$T/mnt"
truncate -s 320M "$T/kxfs.fs"
mkfs.xfs -q -f "$T/kxfs.fs" >/dev/null 2>&1
if mount -o loop "$T/kxfs.fs" "$T/mnt" 2>/dev/null; then
	trap 'umount "$T/mnt" 2>/dev/null; rm -rf "$T"' EXIT
	cp -a "$T/tree/." "$T/mnt/"
	: >"$T/mnt/frag.bin"	# many extents: a btree data fork
	i=0; while [ $i -le 600 ]; do
		printf 'blk%05d' $i | dd of="$T/mnt/frag.bin" bs=4096 seek=$i conv=notrunc status=none
		i=$((i + 2))
	done
	fallocate -l 1M -o 8M "$T/mnt/sparse.img"	# an unwritten extent
	touch -r "$T/tree/sparse.img" "$T/mnt/sparse.img"
	touch -d '2100-01-01 00:00:00.25 UTC' "$T/mnt/big.bin"
	touch -d '2020-05-06 07:08:09.987654321 UTC' "$T/mnt"/.
	xfs_frag=$(sha256sum <"$T/mnt/frag.bin")
	frag_line=$(manifest "$T/mnt" | grep '^frag.bin	')
	umount "$T/mnt"
	trap 'rm -rf "$T"' EXIT
	{ cat "$T/m.ext"; echo "$frag_line"; } | LC_ALL=C sort >"$T/m.kxfs"
	"$PMEMSCAN" extract "$T/kxfs.fs" -o "$T/out.kxfs" 2>"$T/err"; rc=$?
	check "kernel-written XFS: extract exits 0" test "$rc" -eq 0
	check "kernel-written XFS: every file right, incl. hard links, xattrs, times past 2038" \
		same_tree "$T/out.kxfs" "$T/m.kxfs"
	same_value "kernel-written XFS: hard links come out as one inode" \
		"$(stat -c %i "$T/out.kxfs/hard1")" "$(stat -c %i "$T/out.kxfs/dir/hard2")"
	check "kernel-written XFS: holes and unwritten extents stay holes" \
		test "$(du -k "$T/out.kxfs/sparse.img" | cut -f1)" -lt 1024
	check "kernel-written XFS: a btree-format file reads right" \
		test "$(sha256sum <"$T/out.kxfs/frag.bin")" = "$xfs_frag"
else
	skip "kernel-written XFS" "loop mount not available"
fi

# ---- XFS remote symlinks (a target too long for the inode): v5 blocks
# start with an XSLM header that is no part of the target ----
for geo in "v5-4k::401 1023" "v5-1k:-b size=1024:1000 700" "v4:-m crc=0:401 1000"; do
	name=${geo%%:*}; rest=${geo#*:}; opts=${rest%%:*}; lens=${rest#*:}
	truncate -s 320M "$T/sl-$name.fs"
	# shellcheck disable=SC2086
	mkfs.xfs -q -f $opts "$T/sl-$name.fs" >/dev/null 2>&1 || { skip "XFS remote symlinks ($name)" "mkfs.xfs $opts refused"; continue; }
	if ! mount -o loop "$T/sl-$name.fs" "$T/mnt" 2>/dev/null; then
		skip "XFS remote symlinks ($name)" "the kernel does not mount it (v4 XFS is often built out)"; continue
	fi
	: >"$T/sl-$name.want"
	for n in $lens; do
		tgt=$(python3 -c "import sys; n=int(sys.argv[1]); s=''.join('d%03d/' % i for i in range(n)); print(s[:n-1] + 'x')" "$n")
		ln -s "$tgt" "$T/mnt/link$n" || not_ok "XFS remote symlinks ($name): ln -s of a $n-byte target"
		printf '/link%s %s\n' "$n" "$(readlink "$T/mnt/link$n")" >>"$T/sl-$name.want"
	done
	umount "$T/mnt"
	"$PMEMSCAN" extract "$T/sl-$name.fs" -o "$T/sl-$name.out" 2>"$T/sl-$name.err"; rc=$?
	same_value "XFS remote symlinks ($name): extract exits 0" "$rc" 0
	: >"$T/sl-$name.got"
	for n in $lens; do
		printf '/link%s %s\n' "$n" "$(readlink "$T/sl-$name.out/link$n")" >>"$T/sl-$name.got"
	done
	same_output "XFS remote symlinks ($name): each extracted target is the kernel's, byte for byte" \
		"$T/sl-$name.got" "$T/sl-$name.want"
	"$PMEMSCAN" ls --json "$T/sl-$name.fs" >"$T/sl-$name.json" 2>/dev/null
	jq -r '.entries[] | select(.path | startswith("/link")) | "\(.path) \(.target)"' "$T/sl-$name.json" |
		sort >"$T/sl-$name.ls"
	sort "$T/sl-$name.want" >"$T/sl-$name.wants"
	same_output "XFS remote symlinks ($name): ls --json gives the same targets" "$T/sl-$name.ls" "$T/sl-$name.wants"
done

# ---- an unreadable file is reported and skipped; the run goes on ----
cp "$T/ext2.fs" "$T/broken.fs"
debugfs -w -R 'sif /hello.txt block[0] 99999999' "$T/broken.fs" >/dev/null 2>&1
"$PMEMSCAN" extract "$T/broken.fs" -o "$T/out.broken" 2>"$T/err"; rc=$?
check "broken file: exit 1" test "$rc" -eq 1
check "broken file: reported by name, summary says 1 error" \
	sh -c "grep -q 'hello.txt: content not extracted' '$T/err' && grep -q ' 1 errors' '$T/err'"
check "broken file: not left half-written; the others are there" \
	test ! -e "$T/out.broken/hello.txt" -a -f "$T/out.broken/dir/sub/deep/file.bin"

# ---- a journal that needs recovery is said, once, and extraction goes on ----
cp "$T/ext4.fs" "$T/dirty.fs"
debugfs -w -R 'feature needs_recovery' "$T/dirty.fs" >/dev/null 2>&1
"$PMEMSCAN" extract "$T/dirty.fs" -o "$T/out.dirty" 2>"$T/err"; rc=$?
check "journal needing recovery: warned, files still extracted (exit 0)" \
	sh -c "[ $rc -eq 0 ] && grep -q 'journal: needs recovery' '$T/err' && test -f '$T/out.dirty/dir/sub/deep/file.bin'"

# ---- a big ext4 directory (htree-indexed) ----
mkdir -p "$T/bigdir/d"
i=0; while [ $i -lt 3000 ]; do : >"$T/bigdir/d/entry-with-a-long-name-$i"; i=$((i + 1)); done
echo needle >"$T/bigdir/d/entry-with-a-long-name-1234"
mke2fs -q -F -t ext4 -d "$T/bigdir" "$T/bigdir.fs" 32M >/dev/null 2>&1
e2fsck -fyD "$T/bigdir.fs" >/dev/null 2>&1	# index the directory (htree)
check "the big directory is htree-indexed (EXT4_INDEX_FL)" \
	sh -c "debugfs -R 'stat /d' '$T/bigdir.fs' 2>/dev/null | grep -q 'Flags: 0x.*1...\$'"
"$PMEMSCAN" extract "$T/bigdir.fs" -o "$T/out.bigdir" --quiet 2>/dev/null
check "htree directory: all 3000 entries, content right" \
	test "$(ls "$T/out.bigdir/d" | wc -l)" -eq 3000 -a "$(cat "$T/out.bigdir/d/entry-with-a-long-name-1234")" = needle

# ---- hostile names and symlinks ----
mkdir -p "$T/htree/real" "$T/outside"
printf 'payload\n' >"$T/htree/real/pwned"
mke2fs -q -F -t ext4 -b 4096 -d "$T/htree" "$T/hostile.fs" 16M >/dev/null 2>&1
printf 'x\n' >"$T/f1"
{
	echo "symlink abs /etc/passwd"
	echo "symlink up ../../x"
	echo "symlink esc ../../../../../../../../$T/outside/esc"
	echo "symlink linkdir $T/outside"
	printf 'write %s ctl\001name\n' "$T/f1"
	echo "write $T/f1 SLASHaXbc"
	echo "write $T/f1 DOTzz"
	echo "write $T/f1 DOTq"
	echo "mkdir linkdiX"
	echo "write $T/f1 linkdiX/pwned"
	echo "symlink linkdiX/inner /etc"
} >"$T/hostile.cmd"
debugfs -w -f "$T/hostile.cmd" "$T/hostile.fs" >/dev/null 2>&1
# names no tool would make: patch the directory entries' bytes in place
# (a placeholder not found leaves a harmless name: that is a failure of
# the fixture, counted in $T/unpatched, not a silently weaker test)
: >"$T/unpatched"
patch_name() {	# patch_name FROM TO (same length)
	off=$(grep -obUaF "$1" "$T/hostile.fs" | head -1 | cut -d: -f1)
	[ -n "$off" ] && printf '%s' "$2" | dd of="$T/hostile.fs" bs=1 seek="$off" conv=notrunc status=none ||
		echo "$1" >>"$T/unpatched"
}
patch_name SLASHaXbc 'a/../../b'
patch_name DOTzz '..'
patch_name DOTq '.'
patch_name linkdiX linkdir
# "DOTzz" became "..Tzz": shorten name_len too
fix_len() {	# fix_len NAME NEWLEN: name_len byte sits 2 bytes before the name
	off=$(grep -obUaF "$1" "$T/hostile.fs" | head -1 | cut -d: -f1)
	[ -n "$off" ] && printf "$(printf '\\%03o' "$2")" |
		dd of="$T/hostile.fs" bs=1 seek=$((off - 2)) conv=notrunc status=none ||
		echo "$1 (name_len)" >>"$T/unpatched"
}
fix_len '..Tzz' 2
fix_len '.OTq' 1
check "hostile fixture: every name patched in place$([ -s "$T/unpatched" ] && echo " (not: $(tr '\n' ' ' <"$T/unpatched"))")" \
	test ! -s "$T/unpatched"
passwd_sum=$(sha256sum </etc/passwd)
for o in dir tar; do
	out=$T/hostile-out; [ $o = tar ] && out=$T/hostile.tar
	"$PMEMSCAN" extract "$T/hostile.fs" -o "$out" 2>"$T/herr.$o"; rc=$?
	check "hostile ($o): the run completes (exit 0 or 1), renames reported" \
		sh -c "[ $rc -le 1 ] && grep -q 'renamed' '$T/herr.$o'"
done
check "hostile: nothing written outside OUT" \
	test -z "$(ls -A "$T/outside")" -a "$(sha256sum </etc/passwd)" = "$passwd_sum"
# Every path the extraction creates, as the kernel resolved it: the
# directory each new name goes in (strace -y shows the real path behind a
# directory fd, symlinks followed) and the name itself. (find . in OUT can
# only ever list paths under '.': that check could not fail.)
if command -v strace >/dev/null; then
	traced -f -qq -y -e trace=mkdir,mkdirat,open,openat,creat,symlink,symlinkat,link,linkat,mknod,mknodat,rename,renameat,renameat2 \
		-o "$T/htrace" "$PMEMSCAN" extract "$T/hostile.fs" -o "$T/hostile-traced" 2>/dev/null
	awk -v out="$T/hostile-traced" -v out2="$(cd "$T/hostile-traced" 2>/dev/null && pwd -P)" \
		-f "$T/created.awk" "$T/htrace" >"$T/hout"
	check "hostile: every path the extraction created is inside OUT ($(tail -1 "$T/hout"); outside: $(head -n -1 "$T/hout" | head -3 | tr '\n' ' '))" \
		sh -c "[ \$(wc -l <'$T/hout') -eq 1 ] && ! grep -qx 'creations: 0' '$T/hout'"
else
	skip "hostile: every path the extraction created is inside OUT" "strace not installed"
fi
check "hostile: symlinks written as symlinks, targets unchanged" \
	test "$(readlink "$T/hostile-out/abs")" = /etc/passwd -a "$(readlink "$T/hostile-out/up")" = ../../x
check "hostile: the directory named like a symlink went elsewhere (not through it)" \
	sh -c "test -f '$T/hostile-out/linkdir~1/pwned' || test -f '$T/hostile-out/linkdir/pwned' -a ! -L '$T/hostile-out/linkdir'"
check "hostile: control byte, '/', '.' and '..' names are mapped" \
	sh -c "ls -A '$T/hostile-out' | grep -q 'ctl%01name' && ls -A '$T/hostile-out' | grep -q 'a%2F..%2F..%2Fb' && ls -A '$T/hostile-out' | grep -qx '%2E%2E' && ls -A '$T/hostile-out' | grep -qx '%2E'"
check "hostile tar: listed, no absolute or '..' member names" \
	sh -c "tar -tf '$T/hostile.tar' >'$T/names' && [ -s '$T/names' ] && ! grep -E '^/|(^|/)\.\.(/|\$)' '$T/names'"

# ---- errors: one line, exit codes ----
one_line() { test "$(wc -l <"$T/err")" -eq 1; }
expect_exit 3 "missing image: exit 3" "$PMEMSCAN" extract "$T/nope.img" -o "$T/x1" 2>"$T/err"
check "... one line naming the file" sh -c "grep -q nope.img '$T/err' && [ \$(wc -l <'$T/err') -eq 1 ]"
truncate -s 8M "$T/zeros.img"
expect_exit 2 "not a filesystem: exit 2" "$PMEMSCAN" extract "$T/zeros.img" --offset 0 -o "$T/x2" 2>"$T/err"
check "... one line" one_line
check "... and nothing written" test ! -e "$T/x2"
expect_exit 3 "output directory not empty: exit 3" \
	"$PMEMSCAN" extract "$T/ext4.img" $(win ext4) -o "$T/out.ext4" 2>"$T/err"
check "... one line" sh -c "grep -c 'not empty' '$T/err' | grep -qx 1"
expect_exit 3 "output archive exists: exit 3" \
	"$PMEMSCAN" extract "$T/ext4.img" $(win ext4) -o "$T/ext4.tar" 2>"$T/err"
check "... one line" sh -c "grep -c 'exists' '$T/err' | grep -qx 1"
expect_exit 3 "extract without -o: exit 3" "$PMEMSCAN" extract "$T/ext4.img" 2>"$T/err"
check "... one line" one_line

done_testing
