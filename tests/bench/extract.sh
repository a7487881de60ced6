#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench: pmemscan extract against debugfs -R 'rdump / DIR' and against
# tar -xf of a tarball of the same files, on the same cached ext4 image (a
# few hundred MiB, thousands of files), alternated in the same run: seconds,
# MB/s of file data written, peak RSS, and the ratio pmemscan time / tool
# time. Target (issue 8): within 1.2x of debugfs rdump.
# BENCH_DIR: where the image and the tarball are cached (built once);
# BENCH_OUT: where the trees are extracted (default: tmpfs if big enough);
# BENCH_MD: if set, a markdown section with the same numbers is appended
# to that file.
set -eu
: "${PMEMSCAN:?}"
export LC_ALL=C
PATH=$PATH:/sbin:/usr/sbin
B=${BENCH_DIR:-${TMPDIR:-/tmp}/pmemscan-bench}
mkdir -p "$B"
img=$B/extract-ext4.img
tarball=$B/extract-ext4.tar

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
# the tar baseline: the same files, taken out of the image by debugfs once,
# cached next to the image (rebuilt when the image is newer)
if [ ! -f "$tarball" ] || [ -n "$(find "$img" -newer "$tarball")" ]; then
	echo "building a tarball of the image's files ..."
	t=$B/extract-tar-tree
	rm -rf "$t"; mkdir -p "$t"
	debugfs -R "rdump / $t" "$img" >/dev/null 2>&1
	tar -cf "$tarball.tmp" -C "$t" .
	mv "$tarball.tmp" "$tarball"
	rm -rf "$t"
fi
cat "$img" "$tarball" >/dev/null	# warm the page cache
stats=$(debugfs -R 'stats' "$img" 2>/dev/null)
used=$(echo "$stats" | awk '/^Block count:/ {b=$3} /^Free blocks:/ {f=$3} /^Block size:/ {s=$3} END {print (b-f)*s}')
inodes=$(echo "$stats" | awk '/^Inode count:/ {i=$3} /^Free inodes:/ {f=$3} END {print i-f}')
# regular files and their bytes, as tar lists them (what all three write)
set -- $(tar -tvf "$tarball" | awk '/^-/ {n++; s+=$3} END {printf "%d %.0f\n", n, s}')
nfiles=$1 data=$2

now() { date +%s.%N; }
# the output goes to tmpfs when there is one, so the disk's writeback does
# not decide the race (BENCH_OUT to override)
if [ -z "${BENCH_OUT:-}" ] && [ -d /dev/shm ] &&
   [ "$(df -k --output=avail /dev/shm | tail -1)" -gt $((2 * used / 1024)) ]; then
	BENCH_OUT=/dev/shm/pmemscan-bench-out
fi
out=${BENCH_OUT:-$B/extract-out}
outfs=$(mkdir -p "$out" && df --output=fstype "$out" | tail -1)
# each tool's command, and what must be done before it (outside the timing)
prep_ps() { rm -rf "$out"; }
prep_dir() { rm -rf "$out"; mkdir -p "$out"; }
cmd_ps() { "$PMEMSCAN" extract "$img" --offset 0 -o "$out" --quiet; }
cmd_dbg() { debugfs -R "rdump / $out" "$img"; }
cmd_tar() { tar -xf "$tarball" -C "$out"; }
# (a timed run that failed is no result: its status is recorded, and the
# bench fails at the end)
failed=$B/extract-failed
: >"$failed"
once() {	# wall-clock seconds of one run of tool $1 ($2: its prep)
	$2; sync
	t0=$(now); if cmd_$1 >/dev/null 2>&1; then st=0; else st=$?; fi; t1=$(now)
	[ "$st" -eq 0 ] || echo "$1: exit $st" >>"$failed"
	echo "$t1 $t0" | awk '{print $1-$2}'
}
min() { echo "$1 $2" | awk '{print ($1<$2)?$1:$2}'; }
# peak RSS in KiB (the command itself, not the shell around it)
rss() {
	$2
	case $1 in
	ps) /usr/bin/time -f %M "$PMEMSCAN" extract "$img" --offset 0 -o "$out" --quiet ;;
	dbg) /usr/bin/time -f %M debugfs -R "rdump / $out" "$img" ;;
	tar) /usr/bin/time -f %M tar -xf "$tarball" -C "$out" ;;
	esac 2>&1 >/dev/null | tail -1
}
# the sorted sha256 of every regular file of the tree tool $1 writes
sums() {
	$2; cmd_$1 >/dev/null 2>&1 || true
	[ -d "$out" ] || return 0	# nothing written: compares as different
	(cd "$out" && find . -type f ! -path './lost+found*' -exec sha256sum {} + | sort)
}

# alternate the three, best of 3 each
t_ps=999999; t_dbg=999999; t_tar=999999
for _ in 1 2 3; do
	t_dbg=$(min "$t_dbg" "$(once dbg prep_dir)")
	t_tar=$(min "$t_tar" "$(once tar prep_dir)")
	t_ps=$(min "$t_ps" "$(once ps prep_ps)")
done
r_ps=$(rss ps prep_ps)
r_dbg=$(rss dbg prep_dir)
r_tar=$(rss tar prep_dir)
# all three trees must hold the same bytes
sums ps prep_ps >"$B/sum.ps"
sums dbg prep_dir >"$B/sum.dbg"
sums tar prep_dir >"$B/sum.tar"
rm -rf "$out"
same=no
if [ -s "$B/sum.ps" ] && cmp -s "$B/sum.ps" "$B/sum.dbg" && cmp -s "$B/sum.ps" "$B/sum.tar"; then
	same=yes
fi

# one line per tool: name seconds MB/s RSS-MiB ratio (name has no blanks)
rows=$(echo "$data $t_ps $t_dbg $t_tar $r_ps $r_dbg $r_tar" | awk '{
	printf "pmemscan_extract %.2f %.0f %.1f -\n", $2, $1/$2/1e6, $5/1024
	printf "debugfs_rdump %.2f %.0f %.1f %.2f\n", $3, $1/$3/1e6, $6/1024, $2/$3
	printf "tar_-xf %.2f %.0f %.1f %.2f\n", $4, $1/$4/1e6, $7/1024, $2/$4
}')
ratio_dbg=$(echo "$t_ps $t_dbg" | awk '{printf "%.2f", $1/$2}')
met=$(echo "$ratio_dbg" | awk '{print ($1 <= 1.2) ? "met" : "NOT met"}')
[ "$same" = yes ] || met="NOT met (the trees differ)"
[ ! -s "$failed" ] || met="NOT met (timed runs failed: no result)"
imgmib=$(($(stat -c %s "$img") / 1048576))
shape="$((used / 1048576)) MiB in use, $nfiles files holding $((data / 1048576)) MiB, $inodes inodes"

echo "image: $img ($shape); tarball: $tarball; output to $out ($outfs)"
echo "MB/s = file bytes written / seconds; ratio = pmemscan time / that tool's time; best of 3, alternated"
printf "%-18s %8s %8s %14s %8s\n" command seconds MB/s "peak RSS MiB" ratio
echo "$rows" | while read -r name s mbs r ratio; do
	printf "%-18s %8s %8s %14s %8s\n" "$(echo "$name" | tr _ ' ')" "$s" "$mbs" "$r" "$ratio"
done
echo "ratio to debugfs rdump: $ratio_dbg (target <= 1.2: $met); same file contents: $same"

if [ -n "${BENCH_MD:-}" ]; then
	{
		echo "## Extract: pmemscan vs debugfs rdump and tar"
		echo
		echo "Every file of a cached $imgmib MiB ext4 image ($shape) written to $outfs by" \
			"\`pmemscan extract\`, by \`debugfs -R 'rdump / DIR'\` and by \`tar -xf\` of a" \
			"tarball of the same files, best of 3 alternated runs; MB/s is file bytes" \
			"written per second, ratio is pmemscan's time over that tool's."
		echo
		echo "| command | seconds | MB/s | peak RSS (MiB) | pmemscan / tool |"
		echo "|---|--:|--:|--:|--:|"
		echo "$rows" | while read -r name s mbs r ratio; do
			case $name in
			pmemscan_extract) c="\`pmemscan extract\`" ;;
			debugfs_rdump) c="\`debugfs -R 'rdump / DIR'\`" ;;
			*) c="\`tar -xf\`" ;;
			esac
			echo "| $c | $s | $mbs | $r | $ratio |"
		done
		echo
		echo "Target: pmemscan within 1.2x of debugfs rdump: $ratio_dbg, $met." \
			"Same file contents in all three trees: $same."
		echo
	} >>"$BENCH_MD"
fi
# a fast wrong extraction is a failure, not a result
[ "$same" = yes ] || { echo "extract.sh: the three trees differ (see $B/sum.*)" >&2; exit 1; }
[ ! -s "$failed" ] || { echo "extract.sh: timed runs failed: $(sort -u "$failed" | tr '\n' ' ')" >&2; exit 1; }
