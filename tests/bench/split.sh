#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench: the split check (issue 16) on a large filesystem. The 600 MiB
# ext4 of extract.sh (~4000 files), built here if absent, is placed at the
# legacy data start of a 1 GiB legacy start_pad namespace (mkfx-pfn F4:
# start_pad 64 MiB, dataoff 18 MiB). The scan there runs the split check
# (every written block read at L and at F once); the same scan of the
# filesystem alone runs none. Best of 3, page-cached: seconds, bytes the
# check read, MB/s, peak RSS; and cat of the filesystem as the floor.
# BENCH_DIR: the cache (shared with extract.sh); BENCH_MD: markdown out.
set -eu
: "${PMEMSCAN:?}" "${top_builddir:?}"
export LC_ALL=C
PATH=$PATH:/sbin:/usr/sbin
B=${BENCH_DIR:-${TMPDIR:-/tmp}/pmemscan-bench}
mkdir -p "$B"
fs=$B/extract-ext4.img
if [ ! -f "$fs" ]; then
	echo "building a 600 MiB ext4 image with ~4000 files ..."
	t=$B/split-tree
	rm -rf "$t"; mkdir -p "$t"
	for i in 0 1 2 3 4 5 6 7 8 9; do head -c 16777216 /dev/urandom >"$t/big$i.bin"; done
	head -c 134217728 /dev/urandom >"$B/rnd"
	for d in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
		mkdir -p "$t/d$d"
		(cd "$t/d$d" && dd if="$B/rnd" bs=65536 skip=$((d * 128)) count=128 status=none |
			split -b 65536 -a 3 - f)
	done
	rm -f "$B/rnd"
	mke2fs -q -F -t ext4 -d "$t" "$fs.tmp" 600M
	mv "$fs.tmp" "$fs"
	rm -rf "$t"
fi
ns=$B/split-legacy.img
if [ ! -f "$ns" ] || [ -n "$(find "$fs" -newer "$ns")" ]; then
	rm -f "$ns"
	truncate -s 1G "$ns.tmp"
	"$top_builddir/tests/support/mkfx-pfn" --era F4 --size 1G --phys-base 0x577c000000 \
		--region-below 0x577c000000 "$ns.tmp" >"$B/split-layout"
	l0=$(sed -n 's/^legacy_data=//p' "$B/split-layout")
	dd if="$fs" of="$ns.tmp" bs=1M seek=$((l0 / 1048576)) conv=notrunc,sparse status=none
	mv "$ns.tmp" "$ns"
fi
# the same namespace with files written through a mapping (issue 25): the
# 128 files of /d0 zeroed at L (as a DAX fault leaves them); their F
# positions, start_pad lower, lie on other files' data, so the victim rule
# classes them mmap, and each block gets a provenance and a victim
nsm=$B/split-legacy-mmap.img
if [ ! -f "$nsm" ] || [ -n "$(find "$ns" -newer "$nsm")" ]; then
	rm -f "$nsm"
	cp --sparse=always "$ns" "$nsm.tmp"
	l0=$(sed -n 's/^legacy_data=//p' "$B/split-layout")
	debugfs -R "ls -p /d0" "$fs" 2>/dev/null | awk -F/ '$6 != "" && $6 != "." && $6 != ".." { print $6 }' |
		sed 's|^|blocks /d0/|' >"$B/split-cmds"
	debugfs -f "$B/split-cmds" "$fs" 2>/dev/null | grep -v '^debugfs' | tr ' ' '\n' | sed '/^$/d' |
		while read -r b; do echo "$((l0 / 4096 + b))"; done >"$B/split-blocks"
	while read -r b; do
		dd if=/dev/zero of="$nsm.tmp" bs=4096 seek="$b" count=1 conv=notrunc status=none
	done <"$B/split-blocks"
	mv "$nsm.tmp" "$nsm"
fi
cat "$fs" "$ns" "$nsm" >/dev/null
now() { date +%s.%N; }
best() {	# best of 3 wall-clock seconds of "$@"
	b=999999
	for _ in 1 2 3; do
		t0=$(now); "$@" >/dev/null 2>&1 || :; t1=$(now)	# exit 1: split files found
		b=$(echo "$t1 $t0 $b" | awk '{d = $1 - $2; print (d < $3) ? d : $3}')
	done
	echo "$b"
}
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
t_split=$(best "$PMEMSCAN" --hash none "$ns")
t_plain=$(best "$PMEMSCAN" --hash none "$fs")
t_cat=$(best cat "$fs")
r_split=$(rss "$PMEMSCAN" --hash none "$ns")
r_plain=$(rss "$PMEMSCAN" --hash none "$fs")
t_mmap=$(best "$PMEMSCAN" --hash none "$nsm")
r_mmap=$(rss "$PMEMSCAN" --hash none "$nsm")
"$PMEMSCAN" --json --hash none "$nsm" >"$B/split-mmap.json" 2>/dev/null || true
set -- $(jq -r '.namespaces[0].split | "\(.bytes_read) \(.counts.mmap) \([.files[].victims | length] | add)"' "$B/split-mmap.json")
mbytes=$1 mm=$2 mv=$3
"$PMEMSCAN" --json --hash none "$ns" >"$B/split.json" 2>/dev/null || true
set -- $(jq -r '.namespaces[0].split | "\(.bytes_read) \(.files | length) \(.counts.write) \(.counts.mmap)"' "$B/split.json")
bytes=$1 files=$2 nw=$3 nm=$4
mbs() { echo "$1 $2" | awk '{printf "%.0f", $1 / 1e6 / $2}'; }
fssize=$(stat -c %s "$fs")
table() {
	echo "| run | seconds | bytes read by the split check | MB/s | peak RSS |"
	echo "|---|---|---|---|---|"
	echo "| scan of the legacy namespace (split check: $files files, $nw write, $nm mmap) | $t_split | $bytes | $(mbs "$bytes" "$t_split") | $r_split KiB |"
	echo "| the same with the 128 files of /d0 written through a mapping (zero at L: $mm mmap by the victim rule, $mv victim records; provenance per block) | $t_mmap | $mbytes | $(mbs "$mbytes" "$t_mmap") | $r_mmap KiB |"
	echo "| scan of the same filesystem alone (no split check) | $t_plain | - | - | $r_plain KiB |"
	echo "| cat of the filesystem image ($fssize bytes) | $t_cat | - | $(mbs "$fssize" "$t_cat") | - |"
}
table
if [ -n "${BENCH_MD:-}" ]; then
	{
		echo "## The split check (issue 16)"
		echo
		echo "A 600 MiB ext4 with ~2000 files at the legacy data start of a 1 GiB"
		echo "namespace with start_pad 64 MiB; the check reads every written block at L"
		echo "and at F once (\`tests/bench/split.sh\`, best of 3, page-cached); with files written"
		echo "through a mapping (issue 25: provenance and victims) it still reads each block once at L and at F."
		echo
		table
		echo
	} >>"$BENCH_MD"
fi
