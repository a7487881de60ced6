#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check's fuzz regression run: every harness is built (one that no
# longer compiles fails here) and runs each input committed under
# tests/fuzz/seeds/H/ (seeds, and the findings make fuzz added there) once,
# under ASan, UBSan and LeakSanitizer. No random input: the same tree gives
# the same result every time. Exploring is make fuzz's job (tests/fuzz/run.sh).
. "$top_srcdir/tests/support/lib.sh"
[ -n "${PS_SKIP_FUZZ:-}" ] && skip_all "PS_SKIP_FUZZ set (the check-asan pass; fuzzers already run under ASan)"
command -v clang >/dev/null || skip_all "clang not installed"
OUT=$top_builddir/tests/fuzz/out
export FUZZ_OUT=$OUT
sh "$top_srcdir/tests/fuzz/build.sh" >"$T/build.log" 2>&1
rc=$?
[ $rc -eq 77 ] && skip_all "$(tail -1 "$T/build.log")"
cat "$T/build.log"
for h in $(ls "$top_srcdir"/tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_\(.*\)\.c|\1|'); do
	check "fuzz_$h: builds" grep -qx "fuzz_$h: built" "$T/build.log" || continue
	# its inputs: seeds/H, and seeds/O for each O that seeds/H/.also names
	seeds=$top_srcdir/tests/fuzz/seeds
	: >"$T/inputs"
	for d in "$h" $(cat "$seeds/$h/.also" 2>/dev/null); do
		find "$seeds/$d" -maxdepth 1 -type f ! -name '.*' 2>/dev/null | sort >>"$T/inputs"
	done
	n=$(wc -l <"$T/inputs")
	if [ "$n" -eq 0 ]; then
		not_ok "fuzz_$h: has seeds (tests/fuzz/seeds/$h is empty or missing)"
		continue
	fi
	# each file run once (libFuzzer runs the files it is given and nothing
	# else); a crash, a leak, a UBSan report or a hang ends the run non-zero
	tr '\n' '\0' <"$T/inputs" | xargs -0 "$OUT/fuzz_$h" -timeout=20 -rss_limit_mb=2048 \
		>"$T/$h.log" 2>&1
	frc=$?
	ran=$(grep -c '^Executed ' "$T/$h.log")
	if [ $frc -eq 0 ] && [ "$ran" -eq "$n" ]; then
		ok "fuzz_$h: $ran committed inputs, no crash, leak or hang"
	else
		not_ok "fuzz_$h: ran $ran of $n committed inputs, exit $frc"
		grep '^Running: ' "$T/$h.log" | tail -1
		grep -A30 -m1 -E '==ERROR|runtime error|ALARM|out-of-memory' "$T/$h.log"
	fi
done
check "every harness built" test $rc -eq 0
done_testing
