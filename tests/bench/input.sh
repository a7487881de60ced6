#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Decoding throughput of pmemscan's stream source (pmemscan cat to a pipe)
# against zcat / xzcat / zstdcat / bzcat / lz4cat on the same dump. Prints
# MB/s of decoded output and the ratio pmemscan/tool time (< 1: pmemscan
# faster). Then EWF: pmemscan digest of E01s (libewf decoding, MD5+SHA1
# verification, SHA-256) against the raw image and against ewfverify.
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
lz4 -q -1 -c "$T/img" >"$T/img.lz4"
now() { date +%s.%N; }
run() { t0=$(now); "$@" >/dev/null; t1=$(now); echo "$t1 - $t0" | bc -l; }
best() { b=; for i in 1 2 3; do x=$(run "$@"); if [ -z "$b" ] || [ "$(echo "$x < $b" | bc -l)" = 1 ]; then b=$x; fi; done; echo "$b"; }
want=$(sha256sum <"$T/img" | cut -d' ' -f1)
echo "decoded image: $((size / 1048576)) MiB"
printf "%-6s %10s %14s %14s %8s\n" format "comp MiB" "pmemscan" "tool" "ratio"
: >"$T/rows"
for z in gz:zcat xz:xzcat zst:zstdcat bz2:bzcat lz4:lz4cat; do
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
		echo "## Compressed dumps: pmemscan cat vs zcat, xzcat, zstdcat, bzcat, lz4cat"
		echo
		echo "A $((size / 1048576)) MiB dump-like image (1/8 random, 3/8 zeros, 1/2" \
			"shared-library bytes) compressed with gzip -1, xz -0, zstd -3, bzip2 -1 and lz4 -1," \
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

# --- EWF: the same image acquired by ewfacquire, read by pmemscan digest
# (every byte decoded by libewf, verified against the stored MD5/SHA1 on
# two threads, hashed with SHA-256) and by ewfverify (decoded, MD5+SHA1) ---
if command -v ewfacquire >/dev/null 2>&1; then
	ewfacquire -u -q -t "$T/fast" -c deflate:fast -d sha1 "$T/img" >/dev/null 2>&1
	ewfacquire -u -q -t "$T/none" -c none -d sha1 "$T/img" >/dev/null 2>&1
	for f in "$T/fast.E01" "$T/none.E01"; do
		[ "$("$PMEMSCAN" digest "$f" 2>/dev/null | cut -d' ' -f1)" = "$want" ] ||
			{ echo "pmemscan digest $f: wrong digest" >&2; exit 1; }
	done
	quiet() { "$@" 2>/dev/null; }	# (the verification notices)
	tr=$(best quiet "$PMEMSCAN" digest "$T/img")
	echo
	echo "EWF: pmemscan digest (decode, verify MD5+SHA1, SHA-256), pmemscan cat (decode, verify), ewfverify (decode, MD5+SHA1)"
	printf "%-22s %8s %12s %12s %12s\n" input "file MiB" "digest" "cat" "ewfverify"
	printf "%-22s %8.1f %7.0f MB/s %12s %12s\n" "raw image" "$(echo "$size / 1048576" | bc -l)" \
		"$(echo "$size / $tr / 1000000" | bc -l)" "-" "-"
	: >"$T/erows"
	for e in fast:"E01, deflate fast" none:"E01, uncompressed"; do
		f=$T/${e%%:*}.E01
		tp=$(best quiet "$PMEMSCAN" digest "$f")
		tc=$(best quiet "$PMEMSCAN" cat "$f")
		tv=$(best ewfverify -q -d sha1 "$f")
		row=$(printf "%s|%.1f|%.0f|%.0f|%.0f|%.2f" "${e#*:}" "$(echo "$(stat -c %s "$f") / 1048576" | bc -l)" \
			"$(echo "$size / $tp / 1000000" | bc -l)" "$(echo "$size / $tc / 1000000" | bc -l)" \
			"$(echo "$size / $tv / 1000000" | bc -l)" "$(echo "$tp / $tr" | bc -l)")
		echo "$row" >>"$T/erows"
		echo "$row" | while IFS='|' read -r n c p k v r; do
			printf "%-22s %8s %7s MB/s %7s MB/s %7s MB/s  (digest: %sx the raw image's time)\n" "$n" "$c" "$p" "$k" "$v" "$r"
		done
	done
	if [ -n "${BENCH_MD:-}" ]; then
		{
			echo "## EWF (E01): pmemscan digest vs the raw image and ewfverify"
			echo
			echo "The same image acquired by \`ewfacquire -c deflate:fast\` and \`-c none\`" \
				"(EnCase 6, MD5 and SHA1 stored). \`pmemscan digest\` decodes every chunk" \
				"through libewf, checks the data against the stored MD5 and SHA1 (two" \
				"threads) and computes the SHA-256; \`pmemscan cat\` (to a pipe) decodes and" \
				"verifies; \`ewfverify -d sha1\` decodes and computes MD5 and SHA1. Best of 3," \
				"MB/s of media data; the last column is digest's time over its time on the" \
				"raw image."
			echo
			echo "| input | file MiB | \`pmemscan digest\` MB/s | \`pmemscan cat\` MB/s | \`ewfverify\` MB/s | digest time / raw image's |"
			echo "|---|--:|--:|--:|--:|--:|"
			printf "| raw image | %.1f | %.0f | - | - | 1.00 |\n" "$(echo "$size / 1048576" | bc -l)" \
				"$(echo "$size / $tr / 1000000" | bc -l)"
			while IFS='|' read -r n c p k v r; do
				echo "| $n | $c | $p | $k | $v | $r |"
			done <"$T/erows"
			echo
		} >>"$BENCH_MD"
	fi
fi
