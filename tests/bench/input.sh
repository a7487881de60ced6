#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Decoding throughput of pmemscan's stream source (pmemscan cat to a pipe)
# against zcat / xzcat / zstdcat / bzcat on the same dump. Prints MB/s of
# decoded output and the ratio pmemscan/tool time (< 1: pmemscan faster).
# BENCH_MB sets the image size (default 256); BENCH_MD, if set, names a
# file to which a markdown section with the same numbers is appended.
set -eu
: "${PMEMSCAN:?}"
export LC_ALL=C
MB=${BENCH_MB:-256}
T=$(mktemp -d "${TMPDIR:-/tmp}/pmemscan-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
# A dump-like mix: 1/8 random, 3/8 zeros, 1/2 shared-library code and data.
q=$((MB / 8))
libs() { while :; do cat /usr/lib/x86_64-linux-gnu/*.so* 2>/dev/null || cat /bin/* ; done; }
{
	head -c ${q}M /dev/urandom
	head -c $((3 * q))M /dev/zero
	libs | head -c $((4 * q))M
} >"$T/img"
size=$(stat -c %s "$T/img")
gzip -1 -c "$T/img" >"$T/img.gz"
xz -0 -T0 -c "$T/img" >"$T/img.xz"
zstd -q -3 -T0 -c "$T/img" >"$T/img.zst"
bzip2 -1 -c "$T/img" >"$T/img.bz2"
now() { date +%s.%N; }
run() { t0=$(now); "$@" >/dev/null; t1=$(now); echo "$t1 - $t0" | bc -l; }
best() { b=; for i in 1 2 3; do x=$(run "$@"); if [ -z "$b" ] || [ "$(echo "$x < $b" | bc -l)" = 1 ]; then b=$x; fi; done; echo "$b"; }
want=$(sha256sum <"$T/img" | cut -d' ' -f1)
echo "decoded image: $((size / 1048576)) MiB"
printf "%-6s %10s %14s %14s %8s\n" format "comp MiB" "pmemscan" "tool" "ratio"
: >"$T/rows"
for z in gz:zcat xz:xzcat zst:zstdcat bz2:bzcat; do
	ext=${z%%:*}
	tool=${z#*:}
	f=$T/img.$ext
	got=$("$PMEMSCAN" cat "$f" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$want" ] || { echo "pmemscan cat $f: wrong output" >&2; exit 1; }
	tp=$(best "$PMEMSCAN" cat "$f")
	tt=$(best $tool "$f")
	# format tool comp-MiB pmemscan-MB/s tool-MB/s ratio
	row=$(printf "%s %s %.1f %.0f %.0f %.2f" "$ext" "$tool" \
		"$(echo "$(stat -c %s "$f") / 1048576" | bc -l)" \
		"$(echo "$size / $tp / 1000000" | bc -l)" \
		"$(echo "$size / $tt / 1000000" | bc -l)" \
		"$(echo "$tp / $tt" | bc -l)")
	echo "$row" >>"$T/rows"
	echo "$row" | while read -r e t c p o r; do
		printf "%-6s %10s %9s MB/s %9s MB/s %8s  (%s)\n" "$e" "$c" "$p" "$o" "$r" "$t"
	done
done

if [ -n "${BENCH_MD:-}" ]; then
	{
		echo "## Compressed dumps: pmemscan cat vs zcat, xzcat, zstdcat, bzcat"
		echo
		echo "A $((size / 1048576)) MiB dump-like image (1/8 random, 3/8 zeros, 1/2" \
			"shared-library bytes) compressed with gzip -1, xz -0, zstd -3 and bzip2 -1," \
			"decoded to a pipe by \`pmemscan cat\` and by the format's own tool, best" \
			"of 3; MB/s is decoded bytes per second, ratio is pmemscan's time over the" \
			"tool's (< 1: pmemscan faster)."
		echo
		echo "| format | compressed MiB | \`pmemscan cat\` MB/s | tool | tool MB/s | pmemscan / tool |"
		echo "|---|--:|--:|---|--:|--:|"
		while read -r e t c p o r; do
			echo "| $e | $c | $p | \`$t\` | $o | $r |"
		done <"$T/rows"
		echo
	} >>"$BENCH_MD"
fi
