#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make fuzz: explore. Builds every tests/fuzz/fuzz_*.c harness (or those
# named; tests/fuzz/build.sh) and runs each for FUZZ_SECONDS (default 60)
# on random mutations of its seeds (tests/fuzz/seeds/H, and those of the
# harnesses seeds/H/.also names). A finding (crash, leak, UBSan report,
# hang, out-of-memory) is reported, minimised, and copied into
# tests/fuzz/seeds/H/ as finding-KIND-SHA1, with the line to commit it:
# from then on make check (tests/fuzz/short.sh) replays it every time.
# Usage: tests/fuzz/run.sh [HARNESS...]   (make fuzz)
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
SECS=${FUZZ_SECONDS:-60}
MIN_SECS=${FUZZ_MINIMIZE_SECONDS:-60}
OUT=${FUZZ_OUT:-$top_builddir/tests/fuzz/out}
export FUZZ_OUT=$OUT top_srcdir top_builddir
SEEDS=$top_srcdir/tests/fuzz/seeds
harnesses=${*:-$(ls "$top_srcdir"/tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_\(.*\)\.c|\1|')}
# shellcheck disable=SC2086
sh "$top_srcdir/tests/fuzz/build.sh" $harnesses || exit $?
fail=0
for h in $harnesses; do
	bin=$OUT/fuzz_$h
	corpus=$OUT/corpus_$h
	mkdir -p "$corpus"
	for d in "$h" $(cat "$SEEDS/$h/.also" 2>/dev/null); do
		cp -n "$SEEDS/$d"/* "$corpus"/ 2>/dev/null || true
	done
	rm -f "$OUT/crash_${h}_"*
	echo "fuzz_$h: exploring for ${SECS}s"
	# a harness that exits 0 without libFuzzer's closing 'Done N runs' did
	# not fuzz (wrong binary, no corpus read): that is a failure too
	if "$bin" -max_total_time="$SECS" -max_len=1048576 -timeout=20 -rss_limit_mb=2048 \
		-artifact_prefix="$OUT/crash_${h}_" "$corpus" >"$OUT/fuzz_$h.log" 2>&1 &&
	   done_line=$(grep -E '^(#[0-9]+.*DONE|Done [0-9]+ runs)' "$OUT/fuzz_$h.log" | tail -1) &&
	   [ -n "$done_line" ]; then
		echo "fuzz_$h: ok ($done_line)"
		continue
	fi
	fail=1
	art=$(ls "$OUT/crash_${h}_"* 2>/dev/null | head -1)
	grep -m1 -A20 -E '==ERROR|runtime error|ALARM|out-of-memory' "$OUT/fuzz_$h.log" || tail -30 "$OUT/fuzz_$h.log"
	if [ -z "$art" ]; then
		echo "fuzz_$h: FAILED without an input to keep (see $OUT/fuzz_$h.log)"
		continue
	fi
	# crash-, leak-, timeout-, oom-, slow-unit-: libFuzzer's name for it
	kind=$(basename "$art" | sed "s/^crash_${h}_//; s/-.*//")
	min=$OUT/min_${h}_$kind
	rm -f "$min"
	# the smallest input that still fails, in MIN_SECS (the original if
	# minimising finds nothing smaller or does not fail the same way)
	"$bin" -minimize_crash=1 -max_total_time="$MIN_SECS" -timeout=20 -rss_limit_mb=2048 \
		-exact_artifact_path="$min" "$art" >"$OUT/min_$h.log" 2>&1 || true
	[ -s "$min" ] || cp "$art" "$min"
	keep=$SEEDS/$h/finding-$kind-$(sha1sum <"$min" | cut -c1-40)
	mkdir -p "$SEEDS/$h"
	cp "$min" "$keep"
	echo "fuzz_$h: FINDING ($kind): $(wc -c <"$art") bytes, minimised to $(wc -c <"$keep"); log $OUT/fuzz_$h.log"
	echo "fuzz_$h: kept as $keep"
	echo "fuzz_$h: fix it, then commit the input so that make check replays it from now on:"
	echo "    git add ${keep#"$top_srcdir"/}"
done
exit $fail
