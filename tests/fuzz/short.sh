#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A short libFuzzer run of every harness (make fuzz runs them longer).
. "$top_srcdir/tests/support/lib.sh"
[ -n "${PS_SKIP_FUZZ:-}" ] && skip_all "PS_SKIP_FUZZ set (the check-asan pass; fuzzers already run under ASan)"
command -v clang >/dev/null || skip_all "clang not installed"
FUZZ_SECONDS=${FUZZ_SECONDS:-8} FUZZ_OUT=$top_builddir/tests/fuzz/out \
	sh "$top_srcdir/tests/fuzz/run.sh" >"$T/fuzz.log" 2>&1
rc=$?
cat "$T/fuzz.log"
# (run.sh prints "fuzz_H: ok (Done N runs ...)" only after a run that
# finished; its "fuzz_H: running" line comes before the run, and matching
# that passed a harness that was never seen to finish)
for h in $(ls "$top_srcdir"/tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_\(.*\)\.c|\1|'); do
	check "fuzz_$h: no crash, leak or hang in a short run" grep -q "^fuzz_$h: ok (" "$T/fuzz.log"
done
check "fuzz run exit status" test "$rc" -eq 0
done_testing
