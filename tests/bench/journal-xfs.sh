#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench: scan and extract of an XFS whose log needs recovery (the log
# replayed read-only into the overlay, issue 24) next to the same filesystem
# clean (a copy the kernel recovered at mount), same files: seconds (best of
# 3, alternated) and peak RSS. Needs root (loop mount, and the goingdown
# ioctl via xfs_io); skipped otherwise. (The ext4 journal: journal.sh.)
# BENCH_DIR: where the images are cached (built once); BENCH_MD: markdown.
set -eu
: "${PMEMSCAN:?}"
export LC_ALL=C
PATH=$PATH:/sbin:/usr/sbin
B=${BENCH_DIR:-${TMPDIR:-/tmp}/pmemscan-bench}
mkdir -p "$B"
dirty=$B/xlog-dirty.img clean=$B/xlog-clean.img
if [ "$(id -u)" -ne 0 ] || ! command -v xfs_io >/dev/null; then
	echo "xfs log: skipped (needs root and xfs_io)"
	exit 0
fi
if [ ! -f "$dirty" ] || [ ! -f "$clean" ]; then
	echo "building a 1 GiB XFS with a dirty log ..."
	m=$B/xlog-mnt
	mkdir -p "$m"
	rm -f "$dirty.tmp"
	truncate -s 1G "$dirty.tmp"
	mkfs.xfs -q -f "$dirty.tmp"
	mount -o loop "$dirty.tmp" "$m"
	head -c 67108864 /dev/urandom >"$B/rnd"
	for d in 0 1 2 3 4 5 6 7; do	# 8 x 256 files of 32 KiB, synced
		mkdir -p "$m/d$d"
		(cd "$m/d$d" && dd if="$B/rnd" bs=32768 skip=$((d * 256)) count=256 status=none |
			split -b 32768 -a 3 - f)
	done
	rm -f "$B/rnd"
	sync
	# then a log full of fsynced metadata: 2000 new files, renames
	mkdir "$m/new"
	i=0
	while [ $i -lt 2000 ]; do
		echo "$i" >"$m/new/n$i"
		[ $((i % 50)) -eq 0 ] && xfs_io -c fsync "$m/new/n$i"
		i=$((i + 1))
	done
	for f in "$m"/d0/f*; do mv "$f" "$m/new/"; done
	xfs_io -c fsync "$m/new" -c fsync "$m/d0"
	xfs_io -x -c shutdown "$m"
	cp --sparse=always "$dirty.tmp" "$dirty.crash"
	umount "$m"
	rm -f "$dirty.tmp"
	cp --sparse=always "$dirty.crash" "$clean.tmp"
	mount -o loop "$clean.tmp" "$m" && umount "$m"	# the kernel recovers it
	mv "$dirty.crash" "$dirty"
	mv "$clean.tmp" "$clean"
fi
cat "$dirty" "$clean" >/dev/null
out=${BENCH_OUT:-/dev/shm/pmemscan-bench-xlog}
now() { date +%s.%N; }
min() { echo "$1 $2" | awk '{print ($1<$2)?$1:$2}'; }
scan() { "$PMEMSCAN" --hash none --quiet "$1" >/dev/null; }
extract() { rm -rf "$out"; "$PMEMSCAN" extract --quiet "$1" -o "$out"; }
once() { t0=$(now); "$@" >/dev/null 2>&1 || echo "$* failed" >&2; t1=$(now); echo "$t1 $t0" | awk '{print $1-$2}'; }
rss() {
	case $1 in
	scan) /usr/bin/time -f %M "$PMEMSCAN" --hash none --quiet "$2" ;;
	extract) rm -rf "$out"; /usr/bin/time -f %M "$PMEMSCAN" extract --quiet "$2" -o "$out" ;;
	esac 2>&1 >/dev/null | tail -1
}
sd=999 sc=999 xd=999 xc=999
for _ in 1 2 3; do
	sc=$(min "$sc" "$(once scan "$clean")")
	sd=$(min "$sd" "$(once scan "$dirty")")
	xc=$(min "$xc" "$(once extract "$clean")")
	xd=$(min "$xd" "$(once extract "$dirty")")
done
rsc=$(rss scan "$clean") rsd=$(rss scan "$dirty") rxc=$(rss extract "$clean") rxd=$(rss extract "$dirty")
# the two extractions must hold the same files
(cd "$out" && find . -type f -exec sha256sum {} + | sort) >"$B/xlog.sum.dirty"
extract "$clean" 2>/dev/null
(cd "$out" && find . -type f -exec sha256sum {} + | sort) >"$B/xlog.sum.clean"
rm -rf "$out"
same=no
[ -s "$B/xlog.sum.dirty" ] && cmp -s "$B/xlog.sum.dirty" "$B/xlog.sum.clean" && same=yes
jline=$("$PMEMSCAN" --hash none --quiet "$dirty" | sed -n 's/^  xfs log: //p' | head -1)
echo "dirty: $dirty ($jline)"
echo "clean: $clean (the same filesystem after the kernel recovered it); same files extracted: $same"
printf "%-10s %14s %14s %16s %16s\n" command "clean seconds" "dirty seconds" "clean RSS MiB" "dirty RSS MiB"
printf "%-10s %14s %14s %16s %16s\n" scan "$sc" "$sd" "$((rsc / 1024))" "$((rsd / 1024))"
printf "%-10s %14s %14s %16s %16s\n" extract "$xc" "$xd" "$((rxc / 1024))" "$((rxd / 1024))"
if [ -n "${BENCH_MD:-}" ]; then
	{
		echo "## Log replay: a dirty XFS next to the same one clean"
		echo
		echo "A 1 GiB XFS (mkfs.xfs defaults) left with a dirty log by the kernel (2,000"
		echo "files created and 256 renamed after the last sync, fsynced, then shut down"
		echo "without a log flush): $jline. Clean: the same image after the kernel"
		echo "recovered it."
		echo "Best of 3; same files extracted from both: $same."
		echo
		echo "| command | clean s | dirty s | clean RSS MiB | dirty RSS MiB |"
		echo "|---|---|---|---|---|"
		echo "| scan --hash none | $sc | $sd | $((rsc / 1024)) | $((rsd / 1024)) |"
		echo "| extract | $xc | $xd | $((rxc / 1024)) | $((rxd / 1024)) |"
		echo
	} >>"$BENCH_MD"
fi
[ "$same" = yes ]
