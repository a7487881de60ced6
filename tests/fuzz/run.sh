#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build every tests/fuzz/fuzz_*.c harness with clang's libFuzzer + ASan +
# UBSan and run each for FUZZ_SECONDS (default 60) on its seed corpus.
# Usage: tests/fuzz/run.sh [HARNESS...]   (make fuzz; a short run is in make check)
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
CLANG=${CLANG:-clang}
SECS=${FUZZ_SECONDS:-60}
OUT=${FUZZ_OUT:-$top_builddir/tests/fuzz/out}
mkdir -p "$OUT"
command -v "$CLANG" >/dev/null || { echo "fuzz: $CLANG not found"; exit 77; }
libs="$(pkg-config --libs blkid libarchive zlib nettle json-c ext2fs com_err libfsxfs libbfio) -lm -lpthread"
cflags="$(pkg-config --cflags blkid libarchive zlib nettle json-c ext2fs libfsxfs libbfio)"
# compressed dumps (src/imgsrc_open.c)
libs="$libs $(pkg-config --libs liblzma libzstd) -lbz2"
cflags="$cflags $(pkg-config --cflags liblzma libzstd)"
# forensic containers: lz4, and libewf as the build links it (Makefile.am:
# its static archive with only libewf_* global)
libs="$libs $(pkg-config --libs liblz4) $top_builddir/src/libewf-private.o"
cflags="$cflags $(pkg-config --cflags liblz4 libewf)"
[ -f "$top_builddir/src/libewf-private.o" ] || { echo "fuzz: src/libewf-private.o not built (make)"; exit 77; }
# the library (modules may have subdirectories: src/repair/), the CLI's
# rendering layer (fuzz_scan renders both reports), and the test-support
# writers some harnesses seed from
srcs="$(find "$top_srcdir/src" -name '*.c' | sort) $(ls "$top_srcdir"/cmd/render_*.c) $top_srcdir/cmd/split_cli.c $(ls "$top_srcdir"/tests/support/*_writer.c)"
harnesses=${*:-$(ls "$top_srcdir"/tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_\(.*\)\.c|\1|')}
fail=0
for h in $harnesses; do
	bin=$OUT/fuzz_$h
	if [ ! -x "$bin" ] || [ -n "$(find "$top_srcdir/src" "$top_srcdir/cmd" "$top_srcdir/tests/support" "$top_srcdir/tests/fuzz/fuzz_$h.c" -newer "$bin" -name '*.[ch]' | head -1)" ]; then
		# shellcheck disable=SC2086
		"$CLANG" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
			-D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -include "$top_builddir/config.h" \
			-I"$top_srcdir/src" -I"$top_srcdir/cmd" -I"$top_builddir" $cflags \
			"$top_srcdir/tests/fuzz/fuzz_$h.c" $srcs $libs -o "$bin"
	fi
	corpus=$OUT/corpus_$h
	mkdir -p "$corpus"
	seeds=$top_srcdir/tests/fuzz/seeds/$h
	[ -d "$seeds" ] && cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
	# seeds/H/.also names other harnesses whose seeds H shares
	for o in $(cat "$seeds/.also" 2>/dev/null); do
		cp -n "$top_srcdir/tests/fuzz/seeds/$o"/* "$corpus"/ 2>/dev/null || true
	done
	echo "fuzz_$h: running for ${SECS}s"
	# a harness that exits 0 without libFuzzer's closing 'Done N runs' did
	# not fuzz (wrong binary, no corpus read): that is a failure too. Only a
	# run that got there prints "fuzz_H: ok", what tests/fuzz/short.sh reads.
	if "$bin" -max_total_time="$SECS" -max_len=1048576 -timeout=20 -rss_limit_mb=2048 \
		-artifact_prefix="$OUT/crash_${h}_" "$corpus" >"$OUT/fuzz_$h.log" 2>&1 &&
	   done_line=$(grep -E '^(#[0-9]+.*DONE|Done [0-9]+ runs)' "$OUT/fuzz_$h.log" | tail -1) &&
	   [ -n "$done_line" ]; then
		echo "fuzz_$h: ok ($done_line)"
	else
		echo "fuzz_$h: FAILED (see $OUT/fuzz_$h.log and $OUT/crash_${h}_*)"
		tail -30 "$OUT/fuzz_$h.log"
		fail=1
	fi
done
exit $fail
