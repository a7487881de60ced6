#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench: pmemscan extract against debugfs -R 'rdump / DIR' on the same
# cached ext4 image (a few hundred MiB, thousands of files), in the same run;
# MB/s, the ratio, and peak RSS. Target (issue 4): within 1.2x of debugfs.
set -eu
: "${PMEMSCAN:?}"
PATH=$PATH:/sbin:/usr/sbin
B=${BENCH_DIR:-${TMPDIR:-/tmp}/pmemscan-bench}
mkdir -p "$B"
img=$B/extract-ext4.img

if [ ! -f "$img" ]; then
	echo "building a 600 MiB ext4 image with ~4000 files ..."
	t=$B/extract-tree
	rm -rf "$t"; mkdir -p "$t"
	for i in 0 1 2 3 4 5 6 7 8 9; do	# 10 x 16 MiB
		head -c 16777216 /dev/urandom >"$t/big$i.bin"
	done
	head -c 134217728 /dev/urandom >"$B/rnd"
	for d in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do	# 2048 x 64 KiB
		mkdir -p "$t/d$d"
		(cd "$t/d$d" && dd if="$B/rnd" bs=65536 skip=$((d * 128)) count=128 status=none |
			split -b 65536 -a 3 - f)
	done
	mkdir -p "$t/small"	# 2048 x 4 KiB
	(cd "$t/small" && head -c 8388608 "$B/rnd" | split -b 4096 -a 3 - s)
	rm -f "$B/rnd"
	mke2fs -q -F -t ext4 -d "$t" "$img.tmp" 600M
	mv "$img.tmp" "$img"
	rm -rf "$t"
fi
cat "$img" >/dev/null	# warm the page cache
data=$(debugfs -R 'stats' "$img" 2>/dev/null | awk '/^Block count:/ {b=$3} /^Free blocks:/ {f=$3} /^Block size:/ {s=$3} END {print (b-f)*s}')
files=$(debugfs -R 'stats' "$img" 2>/dev/null | awk '/^Inode count:/ {i=$3} /^Free inodes:/ {f=$3} END {print i-f}')

now() { date +%s.%N; }
# the output goes to tmpfs when there is one, so the disk's writeback does
# not decide the race (BENCH_OUT to override)
if [ -z "${BENCH_OUT:-}" ] && [ -d /dev/shm ] &&
   [ "$(df -k --output=avail /dev/shm | tail -1)" -gt $((2 * data / 1024)) ]; then
	BENCH_OUT=/dev/shm/pmemscan-bench-out
fi
out=${BENCH_OUT:-$B/extract-out}
run_ps() { rm -rf "$out"; "$PMEMSCAN" extract "$img" --offset 0 -o "$out" --quiet; }
run_dbg() { rm -rf "$out"; mkdir -p "$out"; debugfs -R "rdump / $out" "$img" >/dev/null 2>&1; }
once() {	# wall-clock seconds of one run (output removal not timed)
	rm -rf "$out"; sync
	t0=$(now); "$@" >/dev/null 2>&1 || true; t1=$(now)
	echo "$t1 $t0" | awk '{print $1-$2}'
}
min() { echo "$1 $2" | awk '{print ($1<$2)?$1:$2}'; }
# alternate the two, best of 3 each
t_dbg=999999; t_ps=999999
for _ in 1 2 3; do
	t_dbg=$(min "$t_dbg" "$(once run_dbg)")
	t_ps=$(min "$t_ps" "$(once run_ps)")
done
r_ps=$(/usr/bin/time -f %M sh -c "rm -rf '$out'; '$PMEMSCAN' extract '$img' --offset 0 -o '$out' --quiet" 2>&1 >/dev/null | tail -1)
r_dbg=$(/usr/bin/time -f %M sh -c "rm -rf '$out'; mkdir -p '$out'; debugfs -R 'rdump / $out' '$img'" 2>&1 >/dev/null | tail -1)
# both trees must hold the same bytes
run_ps >/dev/null 2>&1; (cd "$out" && find . -type f ! -path './lost+found*' -exec sha256sum {} + | sort) >"$B/sum.ps"
rm -rf "$out"; mkdir -p "$out"; debugfs -R "rdump / $out" "$img" >/dev/null 2>&1
(cd "$out" && find . -type f ! -path './lost+found*' -exec sha256sum {} + | sort) >"$B/sum.dbg"
rm -rf "$out"
same=no; cmp -s "$B/sum.ps" "$B/sum.dbg" && same=yes

echo "image: $img, $((data / 1048576)) MiB in use, $files inodes; output to $out"
echo "$data $t_ps $t_dbg $r_ps $r_dbg $same" | awk '{
	printf "pmemscan extract: %.2f s, %.0f MB/s, peak RSS %.1f MiB\n", $2, $1/$2/1e6, $4/1024
	printf "debugfs rdump:    %.2f s, %.0f MB/s, peak RSS %.1f MiB\n", $3, $1/$3/1e6, $5/1024
	printf "ratio (pmemscan time / debugfs time): %.2f (target <= 1.2); same file contents: %s\n", $2/$3, $6
}'
