#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench: scan throughput on a cached dense image against cat (the
# practical limit) and grep (a naive baseline), with each digest the report
# can carry and the hash tools that bound them; the sparse-image case; peak
# RSS of each. Targets (issue 8): the scan >= 0.9x cat; 4 TiB sparse with
# 1 GiB allocated in < 2 s; peak RSS < 64 MiB.
# BENCH_DENSE_MB sets the dense image's size (default 2048); BENCH_MD, if
# set, gets a markdown section with the same numbers appended.
set -eu
: "${PMEMSCAN:?}"
export LC_ALL=C
B=${BENCH_DIR:-${TMPDIR:-/tmp}/pmemscan-bench}
mkdir -p "$B"
DENSE_MB=${BENCH_DENSE_MB:-2048}

[ -x /usr/bin/time ] || { echo "scan.sh: /usr/bin/time not installed (package time)" >&2; exit 1; }
now() { date +%s.%N; }
# A timed command that failed is no result (a crash is fast): every run's
# exit status is checked, and the bench fails at the end if one was wrong.
# pmemscan may exit 1 (it reports the random bytes as a problem); 2 (found
# nothing: the info block was missed) or worse is a failure, as is any
# status but 0 for the other tools.
failed=$B/scan-failed
: >"$failed"
status_ok() {	# status_ok STATUS CMD...
	_st=$1; shift
	case $1 in
	"$PMEMSCAN") [ "$_st" -le 1 ] ;;
	*) [ "$_st" -eq 0 ] ;;
	esac || echo "exit $_st: $*" >>"$failed"
}
# best of 5 wall-clock seconds of a command (output discarded)
best() {
	b=999999
	for _ in 1 2 3 4 5; do
		t0=$(now); if "$@" >/dev/null 2>&1; then st=0; else st=$?; fi; t1=$(now)
		status_ok "$st" "$@"
		b=$(echo "$t1 $t0 $b" | awk '{d=$1-$2; print (d<$3)?d:$3}')
	done
	echo "$b"
}
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }

dense=$B/dense.img
if [ ! -f "$dense" ] || [ "$(stat -c %s "$dense")" -ne $((DENSE_MB * 1048576)) ]; then
	echo "building a ${DENSE_MB} MiB dense image ..."
	head -c $((DENSE_MB * 1048576)) /dev/urandom >"$dense.tmp"
	truncate -s 512M "$B/ib.img"; ndctl write-infoblock -o "$B/ib.img" >/dev/null 2>&1
	dd if="$B/ib.img" of="$dense.tmp" bs=4096 skip=1 seek=1 count=1 conv=notrunc status=none
	mv "$dense.tmp" "$dense"
fi
size=$(stat -c %s "$dense")
cat "$dense" >/dev/null	# warm the page cache

# rows: "label|command..." timed on the dense image, ratio against cat
rows=$B/scan-rows
: >"$rows"
row() {	# row LABEL CMD...: time and RSS of CMD on the dense image
	l=$1; shift
	t=$(best "$@" "$dense")
	r=$(rss "$@" "$dense")
	echo "$l|$t|$r" >>"$rows"
}
row "cat IMAGE >/dev/null" cat
row "pmemscan --hash none IMAGE" "$PMEMSCAN" --hash none
row "pmemscan IMAGE (default: sha256 up to 4 GiB)" "$PMEMSCAN"
row "pmemscan --hash sparse IMAGE (default above 4 GiB)" "$PMEMSCAN" --hash sparse
row "pmemscan --hash sparse --threads 0 IMAGE (one core)" "$PMEMSCAN" --hash sparse --threads 0
# through a pipe: GNU grep stops at the first match when stdout is /dev/null
t=$(best sh -c 'grep -c -a NVDIMM_PFN_INFO "$0" | cat' "$dense")
echo "grep -c -a NVDIMM_PFN_INFO IMAGE (naive)|$t|$(rss grep -c -a NVDIMM_PFN_INFO "$dense")" >>"$rows"
# (the pipeline's status is cat's: grep's own count is checked here once)
[ "$(grep -c -a NVDIMM_PFN_INFO "$dense")" -ge 1 ] || echo "grep: no NVDIMM_PFN_INFO in $dense" >>"$failed"
# what bounds a digest here: one core's SHA-256, and the fastest
# cryptographic hash on every core (b3sum, when installed)
row "openssl dgst -sha256 IMAGE (sha256 alone)" openssl dgst -sha256
if command -v b3sum >/dev/null 2>&1; then
	row "b3sum IMAGE (BLAKE3, every core)" b3sum
fi
t_cat=$(head -1 "$rows" | cut -d'|' -f2)

# the same from the disk, when this may drop the page cache (root; set
# BENCH_COLD=0 to skip): best of 2, the cache dropped before every run
cold=$B/scan-cold
: >"$cold"
if [ "${BENCH_COLD:-1}" = 1 ] && [ -w /proc/sys/vm/drop_caches ]; then
	coldrow() {
		l=$1; shift
		b=999999
		for _ in 1 2; do
			sync; echo 3 >/proc/sys/vm/drop_caches
			t0=$(now); if "$@" "$dense" >/dev/null 2>&1; then st=0; else st=$?; fi; t1=$(now)
			status_ok "$st" "$@" "$dense"
			b=$(echo "$t1 $t0 $b" | awk '{d=$1-$2; print (d<$3)?d:$3}')
		done
		echo "$l|$b|-" >>"$cold"
	}
	coldrow "cat IMAGE >/dev/null" cat
	coldrow "pmemscan --hash none IMAGE" "$PMEMSCAN" --hash none
	coldrow "pmemscan IMAGE (default: sha256 up to 4 GiB)" "$PMEMSCAN"
	coldrow "pmemscan --hash sparse IMAGE (default above 4 GiB)" "$PMEMSCAN" --hash sparse
	cat "$dense" >/dev/null
fi

sparse=$B/sparse-4T.img
if [ ! -f "$sparse" ]; then
	echo "building a 4 TiB sparse image with 1 GiB allocated ..."
	truncate -s 4T "$sparse.tmp"
	i=0
	while [ $i -lt 64 ]; do	# 64 x 16 MiB spread over the 4 TiB
		dd if="$dense" of="$sparse.tmp" bs=16M count=1 skip=$((i % (DENSE_MB / 16))) \
			seek=$((i * 4096 + 7)) conv=notrunc status=none
		i=$((i + 1))
	done
	dd if="$B/ib.img" of="$sparse.tmp" bs=4096 skip=1 seek=1 count=1 conv=notrunc status=none
	mv "$sparse.tmp" "$sparse"
fi
t_sp_none=$(best "$PMEMSCAN" --hash none "$sparse")
t_sp_auto=$(best "$PMEMSCAN" "$sparse")
r_sp=$(rss "$PMEMSCAN" "$sparse")
alloc=$(du -B1 "$sparse" | cut -f1)

# an image tiled with 65536 copies of one info block (256 MiB): the most
# namespaces a scan analyses (1024), each with its candidates and earlier
# layouts probed; its time, and the read system calls it makes
tiled=$B/tiled.img
if [ ! -f "$tiled" ]; then
	dd if="$B/ib.img" of="$B/tiled.blk" bs=4096 skip=1 count=1 status=none
	python3 -c "import sys; b = open(sys.argv[1], 'rb').read(); f = open(sys.argv[2], 'wb'); [f.write(b) for _ in range(65536)]" \
		"$B/tiled.blk" "$tiled.tmp"
	mv "$tiled.tmp" "$tiled"
fi
t_tiled=$(best "$PMEMSCAN" --hash none --json "$tiled")
r_tiled=$(sh -c 'a=$(sed -n "s/^syscr: //p" /proc/$$/io); "$1" --hash none --json "$2" >/dev/null 2>&1
	echo $(($(sed -n "s/^syscr: //p" /proc/$$/io) - a))' _ "$PMEMSCAN" "$tiled")

cpus=$(nproc)
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo "dense image: $((size / 1048576)) MiB, page-cached; $cpus CPUs ($model)"
printf '%-56s %8s %8s %8s %10s\n' "command" "seconds" "MiB/s" "vs cat" "peak RSS"
while IFS='|' read -r l t r; do
	echo "$l|$t|$r|$size|$t_cat" | awk -F'|' '{printf "%-56s %8.3f %8.0f %7.2fx %7.1f MiB\n", $1, $2, $4/$2/1048576, $5/$2, $3/1024}'
done <"$rows"
if [ -s "$cold" ]; then
	t_cold=$(head -1 "$cold" | cut -d'|' -f2)
	echo "from the disk (page cache dropped before each run):"
	while IFS='|' read -r l t r; do
		echo "$l|$t|$size|$t_cold" | awk -F'|' '{printf "%-56s %8.3f %8.0f %7.2fx\n", $1, $2, $3/$2/1048576, $4/$2}'
	done <"$cold"
fi
echo "4 TiB sparse image, $((alloc / 1048576)) MiB allocated:"
printf '  pmemscan --hash none %.3f s; pmemscan (auto: sparse digest) %.3f s; peak RSS %.1f MiB (target < 2 s, < 64 MiB)\n' \
	"$t_sp_none" "$t_sp_auto" "$(echo "$r_sp" | awk '{print $1/1024}')"
printf 'tiled image (65536 info blocks, 1024 namespaces analysed): pmemscan --hash none --json %.3f s, %s read calls\n' \
	"$t_tiled" "$r_tiled"
scan=$(sed -n 2p "$rows" | cut -d'|' -f2)
verdict=$(echo "$t_cat $scan" | awk '{r=$1/$2; printf "%.2fx: %s", r, (r >= 0.9) ? "met" : "NOT met"}')
echo "target: the scan >= 0.9x cat: $verdict"

# md_rows FILE T_CAT [rss]: FILE's "label|seconds|rss" lines as markdown
# rows; "cmd (note)" labels keep the note outside the backquotes
md_rows() {
	awk -F'|' -v size="$size" -v tcat="$2" -v rss="${3:-}" '{
		c = $1; n = ""; i = index($1, " (")
		if (i) { c = substr($1, 1, i - 1); n = substr($1, i) }
		printf "| `%s`%s | %.3f | %.0f | %.2fx |", c, n, $2, size / $2 / 1048576, tcat / $2
		if (rss != "") printf " %.1f |", $3 / 1024
		printf "\n"
	}' "$1"
}

if [ -n "${BENCH_MD:-}" ]; then
	{
		echo "## Scan: pmemscan vs cat and grep"
		echo
		echo "A $((size / 1048576)) MiB dense image of random bytes with one pfn info block, in the page cache, on $cpus CPUs ($model); best of 5. Ratio is cat's time over the command's (> 1: faster than cat)."
		echo
		echo "| command | seconds | MiB/s | vs \`cat\` | peak RSS (MiB) |"
		echo "|---|--:|--:|--:|--:|"
		md_rows "$rows" "$t_cat" rss
		echo
		if [ -s "$cold" ]; then
			echo "The same image read from the disk, the page cache dropped before each run (best of 2):"
			echo
			echo "| command | seconds | MiB/s | vs \`cat\` |"
			echo "|---|--:|--:|--:|"
			md_rows "$cold" "$t_cold"
			echo
		fi
		echo "An image tiled with 65536 copies of one info block (256 MiB; 1024 namespaces analysed, each with its candidates and earlier layouts probed): \`pmemscan --hash none --json\` $(printf %.3f "$t_tiled") s, $r_tiled read calls."
		echo
		echo "Target: the scan at >= 0.9x cat: $verdict. 4 TiB sparse image with $((alloc / 1048576)) MiB allocated: \`--hash none\` $(printf %.3f "$t_sp_none") s, default (sparse digest) $(printf %.3f "$t_sp_auto") s, peak RSS $(echo "$r_sp" | awk '{printf "%.1f", $1/1024}') MiB (targets < 2 s, < 64 MiB)."
		echo
	} >>"$BENCH_MD"
fi
# a fast wrong run is a failure, not a result
if [ -s "$failed" ]; then
	echo "scan.sh: timed commands failed (the numbers above are not results):" >&2
	sort -u "$failed" >&2
	exit 1
fi
