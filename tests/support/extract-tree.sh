# SPDX-License-Identifier: GPL-2.0-or-later
# Content tree and manifest generator for the extract tests (sourced).
#
#   mktree DIR [xfs]   populate DIR with known contents (xfs: no hard links,
#                      no xattrs: mkfs.xfs -p cannot make them)
#   manifest DIR       one TSV line per entry, sorted by path:
#                      path type mode uid gid mtime size sha256 target xattrs
#                      (type f/d/l/p; mtime sec.nnnnnnnnn; "-" for n/a;
#                      xattrs name=0xHEX joined by ';')
#   mkproto DIR        an mkfs.xfs protofile describing DIR
#
# The column order is the shared fixture manifest format.

mktree() {
	d=$1
	mkdir -p "$d"
	printf 'hello world\n' >"$d/hello.txt"
	: >"$d/empty"
	head -c 3145728 /dev/urandom >"$d/big.bin"
	truncate -s 20M "$d/sparse.img"
	head -c 4096 /dev/urandom | dd of="$d/sparse.img" bs=4096 seek=256 conv=notrunc status=none
	head -c 5000 /dev/urandom | dd of="$d/sparse.img" bs=4096 seek=3072 conv=notrunc status=none
	printf '#!/bin/sh\necho hi\n' >"$d/exec.sh"
	chmod 0755 "$d/exec.sh"
	printf 'suid\n' >"$d/suid"
	chmod 4755 "$d/suid"
	printf 'secret\n' >"$d/private"
	chown 1234:5678 "$d/private"
	chmod 0600 "$d/private"
	[ "${2:-}" = xfs ] || printf 'x\n' >"$d/name with spaces"
	printf 'y\n' >"$d/ünïcödé"
	printf 'z\n' >"$d/-dash"
	mkdir -p "$d/dir/sub/deep" "$d/dir/empty" "$d/dir/ro"
	head -c 70000 /dev/urandom >"$d/dir/sub/deep/file.bin"
	printf 'in ro\n' >"$d/dir/ro/file"
	chown -R 1000:1000 "$d/dir/sub"
	ln -s hello.txt "$d/link.rel"
	ln -s /etc/passwd "$d/link.abs"
	ln -s nowhere/at/all "$d/link.dangling"
	ln -s ../../hello.txt "$d/dir/sub/up"
	mkfifo "$d/fifo"
	if [ "${2:-}" != xfs ]; then
		printf 'linked\n' >"$d/hard1"
		ln "$d/hard1" "$d/dir/hard2"
		printf 'with xattrs\n' >"$d/xattr.txt"
		setfattr -n user.comment -v "pmemscan test" "$d/xattr.txt"
		setfattr -n user.bin -v 0x00ff7f "$d/xattr.txt"
	fi
	# times last (children first), with nanoseconds, before 1970 and after 2038
	touch -h -d '2001-02-03 04:05:06.123456789 UTC' "$d/hello.txt" "$d/link.rel"
	touch -d '1960-06-01 12:00:00.5 UTC' "$d/exec.sh"
	touch -d '2100-01-01 00:00:00.25 UTC' "$d/big.bin"
	touch -d '2038-01-19 03:14:08 UTC' "$d/suid"
	find "$d" -depth -type d -exec touch -d '2020-05-06 07:08:09.987654321 UTC' {} +
	chmod 0700 "$d/dir/empty"
	chmod 0555 "$d/dir/ro"
}

manifest() {
	(cd "$1" && find . -mindepth 1 -printf '%P\t%y\t%m\t%U\t%G\t%T@\t%s\t%l\n' | LC_ALL=C sort) |
	while IFS='	' read -r p y m u g t s l; do
		sec=${t%%.*}
		frac=${t#*.}
		[ "$frac" = "$t" ] && frac=0
		frac=$(printf '%s000000000' "$frac" | cut -c1-9)
		sha=-
		tgt=-
		case $y in
		f) sha=$(sha256sum <"$1/$p" | cut -d' ' -f1) ;;
		l) tgt=$l ;;
		d) s=- ;;
		p) s=- ;;
		esac
		xa=$(getfattr -h -d -m - -e hex --absolute-names "$1/$p" 2>/dev/null |
			grep '=' | grep -v '^security\.' | LC_ALL=C sort | tr '\n' ';')
		printf '%s\t%s\t%s\t%s\t%s\t%s.%s\t%s\t%s\t%s\t%s\n' "$p" "$y" "$m" "$u" "$g" \
			"$sec" "$frac" "$s" "$sha" "$tgt" "${xa:--}"
	done
}

# mkfs.xfs protofile: entries of one directory, recursively.
_proto_dir() {
	find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort | while read -r n; do
		f=$1/$n
		m=$(stat -c '%a' "$f")
		own=$(stat -c '%u %g' "$f")
		m4=$(printf '%04o' "0$m")
		su=-; sg=-
		[ $((0$m4 & 04000)) -ne 0 ] && su=u
		[ $((0$m4 & 02000)) -ne 0 ] && sg=g
		perm=$(printf '%03o' $((0$m4 & 0777)))
		if [ -L "$f" ]; then
			echo "$2$n l$su$sg$perm $own $(readlink "$f")"
		elif [ -d "$f" ]; then
			echo "$2$n d$su$sg$perm $own"
			_proto_dir "$f" "$2 "
			echo "$2\$"
		elif [ -p "$f" ]; then
			echo "$2$n p$su$sg$perm $own"
		else
			echo "$2$n -$su$sg$perm $own $f"
		fi
	done
}

mkproto() {
	echo /dev/null
	echo 0 0
	echo "d--755 0 0"
	_proto_dir "$1" " "
	echo '$'
}
