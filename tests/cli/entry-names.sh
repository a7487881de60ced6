#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Names an output cannot take as they are (issue 21): a path longer than a
# zip entry holds (64 KiB; libarchive 3.6.2 overflowed a heap buffer with
# it) is refused with an error and the run goes on; tar has no such limit.
# ls shows a name holding '/', '.' or '..' as extract maps it, never raw.
. "$top_srcdir/tests/support/lib.sh"
for t in mke2fs debugfs tar python3 jq; do
	command -v $t >/dev/null || skip_all "$t not installed"
done
P=$PMEMSCAN

# ==== 1. a path of 75 KB: 300 nested directories of 250-byte names ====
# (debugfs cds into each one it makes: no path the host has to resolve)
D=$(printf 'd%.0s' $(seq 250))
truncate -s 32M "$T/deep.img"
mke2fs -q -F -t ext4 -b 1024 "$T/deep.img" >/dev/null 2>&1
printf 'before\n' >"$T/before"
printf 'leaf\n' >"$T/leaf"
{
	echo "write $T/before before.txt"
	for i in $(seq 300); do
		echo "mkdir $D"; echo "cd $D"
		# in the 261st directory (a path of 261 * 251 - 1 bytes): files
		# whose paths are 65535 and 65536 bytes long
		if [ "$i" -eq 261 ]; then
			echo "write $T/leaf $(printf 'f%.0s' $(seq 24))"
			echo "write $T/leaf $(printf 'g%.0s' $(seq 25))"
		fi
	done
	echo "write $T/leaf leaf.txt"
} >"$T/deep.cmd"
debugfs -w -f "$T/deep.cmd" "$T/deep.img" >/dev/null 2>&1
# the deepest file, as debugfs finds it (its path is the image's fact)
deep=$(i=0; while [ $i -lt 300 ]; do printf '/%s' "$D"; i=$((i + 1)); done)/leaf.txt
check "fixture: debugfs made the 75 KB path (${#deep} bytes)" \
	sh -c "debugfs -R 'cat $deep' '$T/deep.img' 2>/dev/null | grep -qx leaf"

"$P" extract "$T/deep.img" -o "$T/deep.zip" >/dev/null 2>"$T/zip.err"; rc=$?
same_value "zip: a path over 65535 bytes is an error, the run goes on (exit 1)" "$rc" 1
check "zip: one line names the entry and says why it was not archived" \
	grep -q "^pmemscan: extract: [d/]*g*: not extracted: its path is 65536 bytes long, over the 65535 a zip entry can hold (use .tar)\$" "$T/zip.err"
check "zip: the directory past the limit is refused, nothing under it" \
	grep -q ": not extracted: its path is 65762 bytes long, over the 65535 a zip entry can hold; nothing under it archived (use .tar)\$" "$T/zip.err"
check "zip: the summary counts 2 errors" grep -q "extract: .* 2 errors," "$T/zip.err"
# what the zip holds, read by Python's zipfile (unzip cuts names at 4 KiB)
python3 - "$T/deep.zip" "$D" >"$T/zip.list" 2>&1 <<'EOF'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
names = z.namelist()
d = sys.argv[2]
dirs = [n for n in names if n.startswith(d) and n.endswith('/')]
print("crc", "ok" if bad is None else "bad " + bad)
print("dirs", len(dirs), "deepest", max(len(n) for n in dirs))
print("before", z.read("before.txt").decode().strip())
print("f65535", sum(1 for n in names if n.endswith('/' + 'f' * 24) and len(n) == 65535))
print("g65536", sum(1 for n in names if n.endswith('g' * 25)))
print("longest", max(len(n) for n in names))
EOF
same_value "zip: a valid archive (every CRC right)" "$(sed -n 's/^crc //p' "$T/zip.list")" ok
same_value "zip: the 261 directories whose paths fit are in it (the 261st: 65535 bytes and its '/')" \
	"$(sed -n 's/^dirs //p' "$T/zip.list")" "261 deepest $((261 * 251))"
same_value "zip: the file before them is whole" "$(sed -n 's/^before //p' "$T/zip.list")" before
same_value "zip: the file whose path is 65535 bytes is in it" "$(sed -n 's/^f65535 //p' "$T/zip.list")" 1
same_value "zip: the one of 65536 bytes is not" "$(sed -n 's/^g65536 //p' "$T/zip.list")" 0
check "no deep.zip.partial left behind" test ! -e "$T/deep.zip.partial"

"$P" extract "$T/deep.img" -o "$T/deep.tar" >/dev/null 2>"$T/tar.err"; rc=$?
same_value "tar (pax): the 75 KB path is no problem (exit 0)" "$rc" 0
same_value "tar: GNU tar reads the deepest file back" \
	"$(tar -xOf "$T/deep.tar" "${deep#/}" 2>/dev/null)" leaf
same_value "tar: every entry is in it (300 directories, 4 files, lost+found)" \
	"$(tar -tf "$T/deep.tar" 2>/dev/null | wc -l)" 305

# ==== 2. ls: names holding '/', '.', '..' and control bytes ====
# debugfs writes placeholders of the same length; their bytes are then
# patched in the directory blocks (the kernel makes no such name). A
# placeholder not found is a failure of the fixture, not a weaker test.
mkdir -p "$T/ltree/h" "$T/ltree/p"
printf 'x\n' >"$T/ltree/h/plain"
printf 'lit\n' >"$T/ltree/p/a%2Fb"
truncate -s 16M "$T/names.img"
# (no metadata_csum: the names are patched into the directory blocks in
# place, and a directory block whose checksum fails is an error of its own)
mke2fs -q -F -t ext4 -O ^metadata_csum -b 4096 -d "$T/ltree" "$T/names.img" >/dev/null 2>&1
printf 'pw\n' >"$T/f1"
{
	echo "write $T/f1 h/QQQQQQQQQQQQQQQQ"
	echo "write $T/f1 h/DOTzz"
	echo "write $T/f1 h/DOTq"
	printf 'write %s h/ctl\001name\n' "$T/f1"
	echo "write $T/f1 p/SLb"
} >"$T/names.cmd"
debugfs -w -f "$T/names.cmd" "$T/names.img" >/dev/null 2>&1
: >"$T/unpatched"
patch_name() {	# patch_name FROM TO (same length)
	off=$(grep -obUaF "$1" "$T/names.img" | head -1 | cut -d: -f1)
	[ -n "$off" ] && printf '%s' "$2" | dd of="$T/names.img" bs=1 seek="$off" conv=notrunc status=none ||
		echo "$1" >>"$T/unpatched"
}
fix_len() {	# fix_len NAME NEWLEN: name_len byte sits 2 bytes before the name
	off=$(grep -obUaF "$1" "$T/names.img" | head -1 | cut -d: -f1)
	[ -n "$off" ] && printf "$(printf '\\%03o' "$2")" |
		dd of="$T/names.img" bs=1 seek=$((off - 2)) conv=notrunc status=none ||
		echo "$1 (name_len)" >>"$T/unpatched"
}
patch_name QQQQQQQQQQQQQQQQ '../../etc/passwd'
patch_name DOTzz '..'
patch_name DOTq '.'
patch_name SLb 'a/b'
fix_len '..Tzz' 2
fix_len '.OTq' 1
check "fixture: every name patched in place$([ -s "$T/unpatched" ] && echo " (not: $(tr '\n' ' ' <"$T/unpatched"))")" \
	test ! -s "$T/unpatched"
# what the image holds, as debugfs lists it (-n: the patched blocks' checksums
# no longer match): '../../etc/passwd', '..' and '.' besides the directory's
# own in /h, 'a/b' next to 'a%2Fb' in /p
check "fixture: debugfs lists '../../etc/passwd' in /h and 'a/b' in /p" \
	sh -c "debugfs -n -R 'ls /h' '$T/names.img' 2>/dev/null | grep -qF ' ../../etc/passwd ' &&
		[ \$(debugfs -n -R 'ls /h' '$T/names.img' 2>/dev/null | grep -o ' \.\. ' | wc -l) -eq 2 ] &&
		debugfs -n -R 'ls /p' '$T/names.img' 2>/dev/null | grep -qF ' a/b '"

"$P" ls "$T/names.img" >"$T/ls.txt" 2>"$T/ls.err"; rc=$?
same_value "ls: exit 0" "$rc" 0
# the path is the 8th field on; no path may have an empty, '.' or '..' part
cut -d' ' -f8- "$T/ls.txt" | sed 's/   \[name in the image: .*//' >"$T/ls.paths"
check "ls: every path is one name per level: none is '', '.' or '..' (got $(wc -l <"$T/ls.paths") lines)" \
	sh -c "[ \$(wc -l <'$T/ls.paths') -ge 9 ] && ! tr '/' '\n' <'$T/ls.paths' | sed 1d | grep -qx '\(\|\.\|\.\.\)'"
check "ls: '../../etc/passwd' is listed as extract names it, with the image's name" \
	grep -qF "/h/..%2F..%2Fetc%2Fpasswd   [name in the image: '../../etc/passwd']" "$T/ls.txt"
check "ls: '..', '.' and a control byte too" \
	sh -c "grep -qF \"/h/%2E%2E   [name in the image: '..']\" '$T/ls.txt' &&
		grep -qF \"/h/%2E   [name in the image: '.']\" '$T/ls.txt' &&
		grep -qF \"/h/ctl%01name   [name in the image: 'ctl\\\\x01name']\" '$T/ls.txt'"
check "ls: 'a/b' and the plain name 'a%2Fb' read apart (only one is renamed)" \
	sh -c "[ \$(grep -c '/p/a%2Fb\$' '$T/ls.txt') -eq 1 ] && grep -qF \"/p/a%2Fb   [name in the image: 'a/b']\" '$T/ls.txt'"

"$P" ls "$T/names.img" --json >"$T/ls.json" 2>/dev/null
same_value "ls --json: the mapped path and the image's own name in raw_name" \
	"$(jq -r '.entries[] | select(.raw_name == "../../etc/passwd") | .path' "$T/ls.json")" "/h/..%2F..%2Fetc%2Fpasswd"
same_value "ls --json: raw_name only where a name was mapped" \
	"$(jq -j '[.entries[] | select(.raw_name) | .raw_name] | sort | join(" ")' "$T/ls.json" | od -An -tx1 | tr -d ' \n')" \
	"$(printf '. .. ../../etc/passwd a/b ctl\001name' | od -An -tx1 | tr -d ' \n')"
# the listing holds the names extract writes (/h has no collision)
"$P" extract "$T/names.img" --path /h -o "$T/hx" >/dev/null 2>&1
(cd "$T/hx" 2>/dev/null && ls -A) | sort >"$T/hx.names"
jq -r '.entries[] | select(.path | startswith("/h/")) | .path | ltrimstr("/h/")' "$T/ls.json" | sort >"$T/ls.h"
same_output "ls lists /h's entries by the names extract gives them" "$T/hx.names" "$T/ls.h"

done_testing
