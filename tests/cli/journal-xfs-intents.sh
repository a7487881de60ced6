#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# XFS intents left by a crash (issue 24): fixtures/xfs-intents.img.xz is a
# 32 MiB XFS (mkfs.xfs defaults: reflink) whose log this host's kernel left
# with intents without their done items (tests/support/mkxfs-intents.sh:
# reflink copies, copy-on-write overwrites, truncates and removals raced
# against the goingdown ioctl); fixtures/xfs-intents.manifest is the same
# kernel's recovery of a copy (mount -o loop: path, size, sha256, mode,
# links). fixtures/xfs-intents-cow.img.xz: the same with MODE=cow, a BUI
# on a fork in extents format, which the view finishes;
# fixtures/xfs-intents-bt.img.xz: a BUI on a btree fork and no other intent.
# The reference for the intents is xfs_logprint -t: the intents it
# prints without a done item of the same id.
#   - the default extract equals the kernel's recovery, file for file;
#     --journal ignore differs from it;
#   - the scan reports the intents: the BUIs finished, the EFI/RUI/CUI left
#     (text and JSON), as many as xfs_logprint shows;
#   - carve exits 1 naming the intents left (their space stays allocated:
#     xfs_repair -n of the carved image would report it), and the carved
#     image mounts with the kernel's files;
#   - when root: the kernel's recovery of a copy, made here, is the manifest.
. "$top_srcdir/tests/support/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"
command -v xz >/dev/null || skip_all "xz not installed"

P=$PMEMSCAN

# the manifest of a tree: "path size sha256 mode links", as the generator
mkman() {
	(cd "$1" && find . -mindepth 1 \( -type f -o -type d \) -printf '%p %s %m %n\n' | sort |
	 while read -r p s mo n; do
		if [ -f "$p" ]; then h=$(sha256sum <"$p" | cut -d' ' -f1); s2=$s; else h=-; s2=-; fi
		echo "${p#./} $s2 $h $mo $n"
	 done)
}
# one fixture: F its name (fixtures/F.img.xz, F.manifest)
one() {
F=$1
IMG=$T/$F.img
xz -dc "$top_srcdir/fixtures/$F.img.xz" >"$IMG"
MAN=$top_srcdir/fixtures/$F.manifest
# the committed manifest in that form (a directory's size is the
# filesystem's, not what an extracted tree can hold)
awk '{ if ($3 == "-") $2 = "-"; print }' "$MAN" >"$T/$F.kernel.man"
check "the kernel's manifest lists files" test "$(grep -c ' [0-9a-f]\{64\} ' "$T/$F.kernel.man")" -ge 5

# ---- the reference: the intents xfs_logprint shows without a done item ----
if command -v xfs_logprint >/dev/null; then
	xfs_logprint -t "$IMG" 2>/dev/null | awk '
	/^[ \t]*(EFI|RUI|CUI|BUI|EFD|RUD|CUD|BUD):/ && match($0, /id: *0x[0-9a-f]+/) {
		k = $1; sub(/^[ \t]*/, "", k); k = substr(k, 1, 3)
		id = substr($0, RSTART, RLENGTH); sub(/id: */, "", id)
		if (k ~ /I$/) open[id] = k; else delete open[id]
	}
	END { for (id in open) print open[id] }' | sort | uniq -c >"$T/$F.logprint"
	n_of() { awk -v k="$1" '$2 == k { print $1 }' "$T/$F.logprint"; }
	lp_bui=$(n_of BUI) lp_efi=$(n_of EFI) lp_rui=$(n_of RUI) lp_cui=$(n_of CUI)
	check "xfs_logprint shows intents without their done item" test -s "$T/$F.logprint"
else
	lp_bui= lp_efi= lp_rui= lp_cui=
	skip "xfs_logprint" "not installed"
fi

# ---- the scan ----
"$P" --json --hash none "$IMG" >"$T/$F.scan.json" 2>/dev/null
jx() { jq -r "[.namespaces[].journal.xfs | select(. != null)][0] | $1" "$T/$F.scan.json"; }
same_value "scan: the log is replayed" "$(jx '.intents_finished != null')" true
n_bui=$(($(jx .intents_finished) + $(jx .intents_bmap)))
if [ -n "$lp_bui$lp_efi$lp_rui$lp_cui" ]; then
	same_value "scan: BUIs without their BUD (finished + left) as xfs_logprint shows" \
		"$n_bui" "${lp_bui:-0}"
	same_value "scan: EFIs left as xfs_logprint shows" "$(jx .intents_efi)" "${lp_efi:-0}"
	same_value "scan: RUIs left as xfs_logprint shows" "$(jx .intents_rmap)" "${lp_rui:-0}"
	same_value "scan: CUIs left as xfs_logprint shows" "$(jx .intents_refcount)" "${lp_cui:-0}"
fi
left=$(jx '.intents_unfinished')
check "$F: scan: the log left intents (finished here or not)" test $((left + $(jx .intents_finished))) -gt 0
same_value "scan: JSON lists the intents left (the first 8)" \
	"$(jx '.intents_left | length')" "$([ "$left" -gt 8 ] && echo 8 || echo "$left")"
same_value "scan: every EFI listed names its extents and blocks" \
	"$(jx '[.intents_left[] | select(.kind == "EFI") | select(.extents < 1 or .blocks < 1 or .start < 1)] | length')" 0
"$P" --hash none "$IMG" >"$T/$F.scan.txt" 2>&1
if [ "$left" -gt 0 ]; then
	check "scan text: the intents left, one line each, with what the kernel does at mount" \
		grep -q -E "^ +(EFI .*the kernel frees them at mount|RUI .*rmap btree at mount|CUI .*refcount btree at mount)" "$T/$F.scan.txt"
fi
if [ "$(jx .intents_finished)" -gt 0 ]; then
	check "$F: scan text: the BUIs finished here" grep -q "file mapping change(s) (BUI) the log left unfinished were finished here" "$T/$F.scan.txt"
fi

# ---- extract: the kernel's files; --journal ignore: not ----
# the files of the BUIs the view leaves unfinished (by inode, from ls)
"$P" ls --json "$IMG" 2>/dev/null >"$T/$F.ls.json"
jx '[.intents_left[] | select(.kind == "BUI") | .owner] | .[]' | sort -u >"$T/$F.bui.inos"
jq -r --slurpfile i /dev/stdin '.entries[] | select(.inode as $n | $i | index($n)) | .path | ltrimstr("/")' \
	"$T/$F.ls.json" <"$T/$F.bui.inos" | sort >"$T/$F.bui.paths"
same_value "the unfinished BUIs' inodes are files of the tree" \
	"$(wc -l <"$T/$F.bui.paths")" "$(wc -l <"$T/$F.bui.inos")"
same_value "every unfinished BUI is listed with its inode" \
	"$([ -s "$T/$F.bui.inos" ] && echo yes || echo no)" "$([ "$(jx .intents_bmap)" -gt 0 ] && echo yes || echo no)"
same_value "$F: every BUI is finished (on disk or in the read view): none left" "$(jx .intents_bmap)" 0
same_value "$F: every BUI is finished on disk (no bmbt split or conversion needed)" "$(jx .intents_view_only)" 0
rc=0; "$P" extract -q "$IMG" -o "$T/$F.out" 2>"$T/$F.x.err" || rc=$?
same_value "extract exits 1 exactly when a BUI is left unfinished" "$rc" \
	"$([ "$(jx .intents_bmap)" -gt 0 ] && echo 1 || echo 0)"
if [ -s "$T/$F.bui.inos" ]; then
	check "extract names the inode of the BUI left and the range" \
		grep -q "BUI map inode $(head -1 "$T/$F.bui.inos") .*file block" "$T/$F.x.err"
fi
mkman "$T/$F.out" >"$T/$F.out.man"
# every file but those the report names: the kernel's, byte for byte
drop() { awk 'FILENAME == ARGV[1] { u[$1] = 1; next } !($1 in u)' "$T/$F.bui.paths" "$1"; }
drop "$T/$F.kernel.man" >"$T/$F.kernel.rest"
drop "$T/$F.out.man" >"$T/$F.out.rest"
same_output "extract: the files the kernel's recovery shows (path, size, sha256, mode, links)" \
	"$T/$F.kernel.rest" "$T/$F.out.rest"
# and those it names do differ: the warning is not idle
while read -r up; do
	differ_value "extract: $up, named by the report, is not the kernel's" \
		"$(grep "^$up " "$T/$F.kernel.man")" "$(grep "^$up " "$T/$F.out.man")"
done <"$T/$F.bui.paths"
"$P" extract -q --journal ignore "$IMG" -o "$T/$F.stale" 2>/dev/null
[ -d "$T/$F.stale" ] || mkdir "$T/$F.stale"	# nothing came out: the on-disk view is empty
mkman "$T/$F.stale" >"$T/$F.stale.man"
differ_value "extract --journal ignore: not the kernel's files" \
	"$(sha256sum <"$T/$F.kernel.man" | cut -c1-64)" "$(sha256sum <"$T/$F.stale.man" | cut -c1-64)"

# ---- carve: exit 1 naming the intents left ----
rc=0; "$P" carve -q "$IMG" -o "$T/$F.carved.img" 2>"$T/$F.c.err" || rc=$?
if [ "$left" -gt 0 ]; then
	same_value "$F: carve exits 1: the intents' space is not the kernel's" "$rc" 1
	check "$F: carve names the intents left and what xfs_repair -n will say" \
		grep -q "intent(s) left unfinished (.*EFI.*RUI.*CUI.*xfs_repair -n reports the space they name" "$T/$F.c.err"
else
	same_value "$F: carve exits 0: every intent finished" "$rc" 0
	if command -v xfs_repair >/dev/null; then
		check "$F: xfs_repair -n passes the carved image" xfs_repair -n "$T/$F.carved.img"
	fi
fi
check "carve wrote the image" test -s "$T/$F.carved.img"

# ---- the kernel's own recovery of a copy, here ----
if [ "$(id -u)" -eq 0 ] && command -v mount >/dev/null; then
	mkdir -p "$T/$F.m"
	cp "$IMG" "$T/$F.copy.img"
	if mount -o loop "$T/$F.copy.img" "$T/$F.m" 2>/dev/null; then
		mkman "$T/$F.m" >"$T/$F.live.man"
		umount "$T/$F.m"
		same_output "this host's kernel recovers the fixture to its manifest" "$T/$F.kernel.man" "$T/$F.live.man"
		# the files of the BUIs left: they differ in the blocks the BUI names only
		jx '.intents_left[] | select(.kind == "BUI") | "\(.owner) \(.offset) \(.length)"' >"$T/$F.bui.ranges"
		mount -o loop,ro "$T/$F.copy.img" "$T/$F.m" 2>/dev/null
		while read -r ino off len; do
			up=$(jq -r --argjson n "$ino" '.entries[] | select(.inode == $n) | .path' "$T/$F.ls.json")
			blocks=$(cmp -l "$T/$F.m$up" "$T/$F.out$up" 2>/dev/null | awk '{ print int(($1 - 1) / 4096) }' | sort -un | tr '\n' ' ')
			want=$(seq "$off" $((off + len - 1)) | tr '\n' ' ')
			same_value "$up differs from the kernel's in the blocks its BUI names only" "$blocks" "$want"
		done <"$T/$F.bui.ranges"
		umount "$T/$F.m"
		if mount -o loop,ro "$T/$F.carved.img" "$T/$F.m" 2>/dev/null; then
			mkman "$T/$F.m" >"$T/$F.carved.man"
			umount "$T/$F.m"
			drop "$T/$F.carved.man" >"$T/$F.carved.rest"
			same_output "the carved image mounts with the kernel's files (but those the report names)" \
				"$T/$F.kernel.rest" "$T/$F.carved.rest"
		else
			not_ok "the carved image mounts"
		fi
	else
		skip "kernel recovery here" "mount -o loop failed"
	fi
else
	skip "kernel recovery here" "needs root"
fi
}
# a BUI on a btree fork (a record appended to the last of three leaves:
# finished in the leaf) and a CUI left
one xfs-intents
# a BUI mapping a cloned block into a fork in extents format: finished
one xfs-intents-cow
# a BUI on a btree fork of two leaves whose inode exists only in the log
# (replayed first), and nothing else left: carve exits 0, xfs_repair -n
# passes
one xfs-intents-bt
done_testing
