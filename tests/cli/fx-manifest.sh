#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# manifest_check (tests/support/fxmanifest) catches every kind of difference an
# extraction can get wrong, one line each, and passes an exact copy.
. "$top_srcdir/tests/support/lib.sh"
# (77: mktree.sh cannot make the tree here and says why; anything else is
# a failure, not a skip)
bash "$top_srcdir/tests/support/mktree.sh" "$T/a" full; rc=$?
[ $rc -eq 77 ] && skip_all "mktree.sh cannot make the full tree here (see above)"
check "mktree.sh full: exit 0" test $rc -eq 0
"$top_builddir/tests/support/fxmanifest" write "$T/a" >"$T/m"
check "manifest lists every entry (39 in the full tree)" test "$(grep -vc '^#' "$T/m")" -eq 39
check "a name with a newline is escaped on one line" grep -q '^new\\nline	f	' "$T/m"
check "UTF-8 names are kept as they are" grep -q '^日本語/ファイル.txt	f	' "$T/m"
check "hard-link group named by its smallest path" \
	test "$(awk -F'\t' '$8 == "big.txt"' "$T/m" | wc -l)" -eq 3
check "tree compared with itself: no mismatch" manifest_match "$T/m" "$T/a"
cp -a "$T/a" "$T/b"
check "cp -a copy: no mismatch" manifest_match "$T/m" "$T/b"

printf 'X' | dd of="$T/b/big.txt" bs=1 seek=1000 conv=notrunc status=none
chmod 0640 "$T/b/private"
chown 7:7 "$T/b/script.sh" 2>/dev/null || true
touch -d @1 "$T/b/four-k.txt"
rm "$T/b/one-byte"
: >"$T/b/intruder"
rm "$T/b/links/rel-link"; ln -s ../README.TXT "$T/b/links/rel-link"
rm "$T/b/dir/hard-2"; cp -p "$T/a/dir/hard-2" "$T/b/dir/hard-2"
manifest_check "$T/m" "$T/b" >"$T/out"; rc=$?
check "differences: exit 1" test $rc -eq 1
check "content change reported (sha256)" grep -q '^big.txt: sha256: expected' "$T/out"
check "mode change reported" grep -q '^private: mode: expected 0600, got 0640' "$T/out"
check "owner change reported" grep -q '^script.sh: uid: expected 0, got 7' "$T/out"	# (mktree.sh needs root)
check "mtime change reported" grep -q '^four-k.txt: mtime: expected .*, got 1.000000000' "$T/out"
check "missing file reported" grep -qx 'missing: one-byte' "$T/out"
check "extra file reported" grep -qx 'extra: intruder' "$T/out"
check "symlink target change reported" grep -q '^links/rel-link: target: expected ../README.txt, got ../README.TXT' "$T/out"
check "broken hard link reported" grep -q '^dir/hard-2: links: expected big.txt, got -' "$T/out"
manifest_check -i sha256,mode,uid,gid,mtime,target,links -x intruder "$T/m" "$T/b" >"$T/out2"
check "-i/-x leave only the missing file" test "$(cat "$T/out2")" = "missing: one-byte"
done_testing
