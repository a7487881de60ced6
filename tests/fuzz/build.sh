#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build every tests/fuzz/fuzz_*.c harness (or those named) with clang's
# libFuzzer + ASan + UBSan into $FUZZ_OUT (default tests/fuzz/out). The
# library, the CLI's rendering layer (fuzz_scan renders both reports) and
# the test-support writers some harnesses seed from are compiled once into
# $FUZZ_OUT/libfuzz.a (instrumented, -fsanitize=fuzzer-no-link), then each
# harness is linked against it; only what a newer source changes is built
# again (every object after a header changed). Prints "fuzz_H: built" per harness, or the compiler's errors and
# "fuzz_H: BUILD FAILED"; exits 1 if any failed, 77 if clang or the
# project's build (config.h, src/libewf-private.o) is missing.
# Used by tests/fuzz/short.sh (make check) and tests/fuzz/run.sh (make fuzz).
# Usage: tests/fuzz/build.sh [HARNESS...]
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
CLANG=${CLANG:-clang}
OUT=${FUZZ_OUT:-$top_builddir/tests/fuzz/out}
JOBS=${FUZZ_JOBS:-2}
mkdir -p "$OUT/obj"
command -v "$CLANG" >/dev/null || { echo "fuzz: $CLANG not found"; exit 77; }
[ -f "$top_builddir/config.h" ] || { echo "fuzz: config.h not found (./configure)"; exit 77; }
[ -f "$top_builddir/src/libewf-private.o" ] || { echo "fuzz: src/libewf-private.o not built (make)"; exit 77; }
pcs="blkid libarchive zlib nettle json-c ext2fs com_err libfsxfs libbfio liblzma libzstd liblz4"
# (libewf as the build links it, Makefile.am: its static archive with only
# libewf_* global; its headers from pkg-config)
libs="$(pkg-config --libs $pcs) -lbz2 -lm -lpthread $top_builddir/src/libewf-private.o"
cflags="$(pkg-config --cflags $pcs libewf)"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CC_ARGS="-g -O1 $SAN -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -include $top_builddir/config.h \
	-I$top_srcdir/src -I$top_srcdir/cmd -I$top_builddir $cflags"
export CLANG CC_ARGS OUT top_srcdir

# the library (modules may have subdirectories: src/repair/) and the rest
srcs="$(cd "$top_srcdir" && { find src -name '*.c'; ls cmd/render_*.c cmd/split_cli.c tests/support/*_writer.c; } | sort)"
lib=$OUT/libfuzz.a
# a header or config.h newer than the archive: every object again;
# otherwise only the sources newer than their object
if [ ! -f "$lib" ] || [ -n "$(find "$top_srcdir/src" "$top_srcdir/cmd" "$top_srcdir/tests/support" \
	"$top_builddir/config.h" -newer "$lib" \( -name '*.h' -o -name config.h \) | head -1)" ]; then
	rm -f "$lib" "$OUT"/obj/*.o
fi
# one object per source, named after its path (src/repair/x.c: src_repair_x.o)
# shellcheck disable=SC2016,SC2086
if ! printf '%s\n' $srcs | xargs -P "$JOBS" -I{} sh -c \
	'o=$OUT/obj/$(echo "$1" | tr / _ | sed "s/\.c\$/.o/")
	[ -f "$o" ] && [ ! "$top_srcdir/$1" -nt "$o" ] && exit 0
	rm -f "$o"; $CLANG $CC_ARGS -fsanitize=fuzzer-no-link -c "$top_srcdir/$1" -o "$o"' \
	sh {} >"$OUT/build-lib.log" 2>&1; then
	cat "$OUT/build-lib.log"
	echo "fuzz: the library does not build for the fuzzers (see above)"
	exit 1
fi
# (a source removed since: its object goes too)
keep=$(printf '%s\n' $srcs | tr / _ | sed 's/\.c$/.o/')
for o in "$OUT"/obj/*.o; do
	printf '%s\n' "$keep" | grep -qx "$(basename "$o")" || rm -f "$o"
done
if [ ! -f "$lib" ] || [ -n "$(find "$OUT/obj" -name '*.o' -newer "$lib" | head -1)" ]; then
	rm -f "$lib"
	rm -f "$lib.tmp"
	ar rcs "$lib.tmp" "$OUT"/obj/*.o && mv "$lib.tmp" "$lib"
fi

harnesses=${*:-$(ls "$top_srcdir"/tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_\(.*\)\.c|\1|')}
fail=0
for h in $harnesses; do
	bin=$OUT/fuzz_$h
	if [ ! -x "$bin" ] || [ "$lib" -nt "$bin" ] || [ "$top_srcdir/tests/fuzz/fuzz_$h.c" -nt "$bin" ]; then
		rm -f "$bin"
		# shellcheck disable=SC2086
		if ! "$CLANG" $CC_ARGS -fsanitize=fuzzer "$top_srcdir/tests/fuzz/fuzz_$h.c" "$lib" $libs \
			-o "$bin" >"$OUT/build-$h.log" 2>&1; then
			cat "$OUT/build-$h.log"
			echo "fuzz_$h: BUILD FAILED"
			fail=1
			continue
		fi
	fi
	echo "fuzz_$h: built"
done
exit $fail
