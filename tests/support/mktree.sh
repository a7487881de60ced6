#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# mktree.sh DIR PROFILE: build a deterministic content tree for the fixtures.
#   full    everything ext4 (mke2fs -d) can carry: sizes 0 B .. 3 MiB, a sparse
#           file, nested dirs, 0600/0755/setgid/sticky modes, several owners,
#           fixed mtimes with nanoseconds, relative/absolute/dangling symlinks,
#           hard links, user.* xattrs, UTF-8
#           names, a name with spaces and one with a newline, a fifo
#   xfs     the subset an xfs protofile can carry: no hard links, no sticky
#           bit, no names with whitespace; xattr values are runs of 'v'
#           (all xfs_db attr_set can write)
#   small   a few files for the committed fixture (keeps it small)
# Needs root (chown: the owners), setfattr (package attr) and a DIR whose
# filesystem takes user.* xattrs: without one of them the tree would lack
# what its profile promises, so mktree.sh exits 77 (skip) saying which.
# Prints nothing; the manifest is written separately (tests/support/fxmanifest write).
set -eu
export LC_ALL=C
umask 022
d=$1; profile=$2
[ ! -e "$d" ] || { echo "mktree.sh: $d exists" >&2; exit 2; }
mkdir -p "$d"
cd "$d"

# never a silently weaker tree: what cannot be made here is a skip, with why
missing() { echo "mktree.sh: $*: the '$profile' tree cannot be made here" >&2; cd /; rm -rf "$d"; exit 77; }
command -v setfattr >/dev/null 2>&1 || missing "setfattr not installed (package attr)"
: >.xt
setfattr -n user.probe -v 1 .xt 2>/dev/null || missing "$d's filesystem takes no user.* xattrs (set TMPDIR elsewhere)"
rm -f .xt
[ "$(id -u)" -eq 0 ] || missing "not root: chown cannot give entries their owners"
own() { chown -h "$1" "$2"; }
xa() {	# xa FILE NAME VALUE (VALUE as setfattr takes it: text, 0x.., 0s..)
	setfattr -h -n "$2" -v "$3" "$1"
}
# deterministic bytes: numbered text lines, N bytes
lines() { seq 1 $(($1 / 6 + 2)) | sed 's/^/line /' | head -c "$1"; }

printf 'pmemscan fixture tree (%s)\n' "$profile" >README.txt

case $profile in
small)
	mkdir -p docs/notes
	lines 20000 >docs/notes/log.txt
	printf 'x' >docs/one
	: >docs/empty
	printf 'secret\n' >private.txt; chmod 0600 private.txt; own 1000:1000 private.txt
	ln -s ../README.txt docs/readme-link
	ln -s /etc/passwd abs-link
	ln docs/one docs/one-hardlink
	printf 'grüße\n' >'grüße.txt'
	printf 'spaces\n' >'name with spaces.txt'
	xa private.txt user.comment "fixture note"
	;;
full|xfs)
	: >empty
	printf 'x' >one-byte
	lines 4096 >four-k.txt
	lines 3145731 >big.txt				# ~3 MiB, not block aligned
	# sparse: 8 MiB with data at 0, 1 MiB and the last 4 KiB
	lines 4096 >sparse.img
	lines 4096 | dd of=sparse.img bs=4096 seek=256 conv=notrunc status=none
	truncate -s 8M sparse.img
	lines 4096 | dd of=sparse.img bs=4096 seek=2047 conv=notrunc status=none
	mkdir -p dir/a/b/c
	lines 100 >dir/a/b/c/deep.txt
	lines 5000 >dir/a/mid.txt
	printf '#!/bin/sh\necho hi\n' >script.sh; chmod 0755 script.sh
	printf 'secret\n' >private; chmod 0600 private; own 1000:1000 private
	mkdir owners
	for u in 1001:1002 65534:65534 4242:0 0:4243; do
		printf '%s\n' "$u" >"owners/u${u%%:*}g${u##*:}"
		own "$u" "owners/u${u%%:*}g${u##*:}"
	done
	mkdir shared; own 0:100 shared; chmod 2775 shared
	printf 'in setgid dir\n' >shared/file; own 0:100 shared/file
	mkdir links
	ln -s ../README.txt links/rel-link
	ln -s /etc/passwd links/abs-link
	ln -s does/not/exist links/dangling
	ln -s ../dir/a/b/c links/dir-link
	mkfifo fifo
	printf 'żółć\n' >'żółć.txt'
	mkdir '日本語'; printf 'テスト\n' >'日本語/ファイル.txt'
	printf 'emoji\n' >'emoji-😀'
	printf 'with xattrs\n' >xattr.txt
	if [ "$profile" = full ]; then
		mkdir tmp; chmod 1777 tmp
		printf 'sticky\n' >tmp/file
		ln big.txt hard-1
		ln big.txt dir/hard-2
		printf 'spaces\n' >'name with spaces.txt'
		printf 'newline\n' >"$(printf 'new\nline')"
		xa xattr.txt user.comment "hello world"
		xa xattr.txt user.binary 0x00ff10807f
		xa dir user.dirattr "on a directory"
		lines 3000 >big-xattr.txt
		xa big-xattr.txt user.big "0s$(lines 2000 | base64 -w0)"
	else
		mkdir tmp; chmod 0777 tmp
		printf 'no sticky on xfs protofiles\n' >tmp/file
		xa xattr.txt user.comment vvvvv
		xa dir user.dirattr vvvvvvvvvvvvvv
	fi
	;;
*) echo "mktree.sh: unknown profile $profile" >&2; exit 2;;
esac

# fixed mtimes: every entry gets its own, deepest first so directories keep
# theirs
# (whole seconds except for xfs: mke2fs -d 1.47 stores no nanoseconds)
i=0
find . -mindepth 1 -depth -print0 | sort -z -r | while IFS= read -r -d '' p; do
	i=$((i + 1))
	ns=0; [ "$profile" = xfs ] && ns=$((i * 7654321 % 1000000000))
	touch -h -d "@$((1600000000 + i * 86413)).$(printf '%09d' $ns)" "$p"
done
touch -h -d "@1600000000.5" .
