#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# No false splits on XFS (issue 25 item 3): a legacy start_pad namespace
# never mounted with DAX (ndctl write-infoblock -O 0x100000; mkfs.xfs and
# cp -a through a loop device at the legacy data start: built by
# tests/support/mkxfs-legacy.sh). Every block was written through the block
# path, so no file may be called mmap-written or mixed, whatever its F
# positions (start_pad lower) land on: XFS inode chunks, AG headers, the
# log, btree blocks. The split check reads XFS's own space maps to know.
. "$top_srcdir/tests/support/lib.sh"
. "$top_srcdir/tests/support/mkxfs-legacy.sh"
command -v jq >/dev/null || skip_all "jq not installed"
mk_xfs_legacy "$T" || skip_all "$(cat "$T/why")"
img=$T/ns.img
. "$T/layout"

# what the tree holds, counted here: regular files with a non-zero byte
# (the others hold no evidence either way)
nfiles=$(find "$T/tree" -type f | wc -l)
ndata=$(find "$T/tree" -type f -exec sh -c 'for f; do tr -d "\0" <"$f" | head -c 1 | wc -c; done' sh {} + | grep -c 1)
check "the tree has hundreds of files with data ($ndata of $nfiles)" test "$ndata" -gt 500

rc=0
"$PMEMSCAN" --json --hash none "$img" >"$T/scan.json" 2>"$T/scan.err" || rc=$?
same_value "the scan exits 0" "$rc" 0
same_value "the split check ran on the XFS at the legacy data start ($L0)" \
	"$(jq -r '.namespaces[0].split | "\(.ran) \(.filesystem) \(.l_offset) \(.start_pad)"' "$T/scan.json")" \
	"true xfs $L0 $P"
same_value "XFS's free map was read" "$(jq -r '.namespaces[0].split.free_map_read' "$T/scan.json")" true
same_value "no file is mmap-written or mixed" \
	"$(jq -r '.namespaces[0].split.counts | "\(.mmap) \(.mixed)"' "$T/scan.json")" "0 0"
same_value "every file with data is write ($ndata)" \
	"$(jq -r '.namespaces[0].split.counts.write' "$T/scan.json")" "$ndata"
same_value "every file was checked ($nfiles)" \
	"$(jq -r '.namespaces[0].split.files | length' "$T/scan.json")" "$nfiles"
same_value "the default view is read" "$(jq -r '.namespaces[0].split.default_view' "$T/scan.json")" read

rc=0
"$PMEMSCAN" extract "$img" -o "$T/out" --quiet 2>"$T/ex.err" || rc=$?
same_value "extract exits 0" "$rc" 0
same_value "extract writes no .mmap-view file" "$(find "$T/out" -name '*.mmap-view' | wc -l)" 0
check "every file comes out as cp -a wrote it" diff -r "$T/tree" "$T/out"

"$PMEMSCAN" repair "$img" --assume-aligned >"$T/plan.txt" 2>&1
check "repair's plan is not refused for mmap-written files" \
	sh -c 'test -s "$1" && ! grep -q "REFUSED \[merge-mmap\]" "$1"' sh "$T/plan.txt"
done_testing
