#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench: scan throughput against cat (the practical limit) and grep (a
# naive baseline) on the same cached dense image, the sparse-image case, and
# peak RSS. Targets (issue 8): dense >= 0.9x cat; 4 TiB sparse with 1 GiB
# allocated in < 2 s; RSS < 64 MiB.
set -eu
: "${PMEMSCAN:?}"
B=${BENCH_DIR:-${TMPDIR:-/tmp}/pmemscan-bench}
mkdir -p "$B"
DENSE_MB=${BENCH_DENSE_MB:-2048}

now() { date +%s.%N; }
# best of 3 wall-clock seconds of a command (output discarded)
best() {
	b=999999
	for _ in 1 2 3; do
		t0=$(now); "$@" >/dev/null 2>&1 || true; t1=$(now)
		b=$(echo "$t1 $t0 $b" | awk '{d=$1-$2; print (d<$3)?d:$3}')
	done
	echo "$b"
}
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
rate() { echo "$1 $2" | awk '{printf "%.0f", $1/$2/1048576}'; }

dense=$B/dense.img
if [ ! -f "$dense" ] || [ "$(stat -c %s "$dense")" -ne $((DENSE_MB * 1048576)) ]; then
	echo "building a ${DENSE_MB} MiB dense image ..."
	head -c $((DENSE_MB * 1048576)) /dev/urandom >"$dense.tmp"
	truncate -s 512M "$B/ib.img"; ndctl write-infoblock -o "$B/ib.img" >/dev/null 2>&1
	dd if="$B/ib.img" of="$dense.tmp" bs=4096 skip=1 seek=1 count=1 conv=notrunc status=none
	mv "$dense.tmp" "$dense"
fi
cat "$dense" >/dev/null	# warm the page cache
size=$(stat -c %s "$dense")
t_cat=$(best cat "$dense")
t_scan=$(best "$PMEMSCAN" --hash none "$dense")
t_hash=$(best "$PMEMSCAN" "$dense")
# through a pipe: GNU grep stops at the first match when stdout is /dev/null
t_grep=$(best sh -c "grep -c -a NVDIMM_PFN_INFO \"$dense\" | cat")
r_scan=$(rss "$PMEMSCAN" --hash none "$dense")
r_cat=$(rss cat "$dense")

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
t_sparse=$(best "$PMEMSCAN" --hash none "$sparse")
r_sparse=$(rss "$PMEMSCAN" --hash none "$sparse")

printf '\n%-44s %10s %10s %8s\n' "scan (dense ${DENSE_MB} MiB, cached)" "seconds" "MiB/s" "vs cat"
printf '%-44s %10.3f %10s %8s\n' "cat IMAGE >/dev/null" "$t_cat" "$(rate "$size" "$t_cat")" "1.00x"
printf '%-44s %10.3f %10s %8s\n' "pmemscan --hash none" "$t_scan" "$(rate "$size" "$t_scan")" \
	"$(echo "$t_cat $t_scan" | awk '{printf "%.2fx", $1/$2}')"
printf '%-44s %10.3f %10s %8s\n' "pmemscan (with sha256)" "$t_hash" "$(rate "$size" "$t_hash")" \
	"$(echo "$t_cat $t_hash" | awk '{printf "%.2fx", $1/$2}')"
printf '%-44s %10.3f %10s %8s\n' "grep -c -a NVDIMM_PFN_INFO (naive)" "$t_grep" "$(rate "$size" "$t_grep")" \
	"$(echo "$t_cat $t_grep" | awk '{printf "%.2fx", $1/$2}')"
printf '%-44s %10.3f %10s\n' "pmemscan --hash none, 4 TiB sparse, 1 GiB data" "$t_sparse" "(target < 2 s)"
printf '\npeak RSS: pmemscan dense %s KiB, sparse %s KiB, cat %s KiB (target < 65536 KiB)\n' \
	"$r_scan" "$r_sparse" "$r_cat"
