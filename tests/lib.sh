# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for pmemscan's shell tests. Source it: . "$top_srcdir/tests/lib.sh"
set -u
: "${top_srcdir:?run through make check}"
: "${top_builddir:?run through make check}"
: "${PMEMSCAN:=$top_builddir/cmd/pmemscan}"
export LC_ALL=C
PATH=$PATH:/sbin:/usr/sbin
FX=$top_builddir/tests/fx		# generated fixtures, shared between tests
mkdir -p "$FX"
T=$(mktemp -d "${TMPDIR:-/tmp}/pmemscan-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
ntests=0
nfail=0

# ok DESCRIPTION: a passed check; not_ok DESCRIPTION: a failed one.
ok() { ntests=$((ntests + 1)); echo "ok $ntests - $*"; }
not_ok() { ntests=$((ntests + 1)); nfail=$((nfail + 1)); echo "not ok $ntests - $*"; }
# check DESCRIPTION COMMAND...: runs the command, ok if it exits 0.
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# expect_exit CODE DESCRIPTION COMMAND...: ok if the command exits CODE.
expect_exit() {
	want=$1; d=$2; shift 2
	"$@"; rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$d"; else not_ok "$d (exit $rc, wanted $want)"; fi
}
skip_all() { echo "1..0 # SKIP $*"; exit 77; }
# done_testing: print the plan and a plain summary line, exit 0/1.
done_testing() {
	echo "1..$ntests"
	echo "$0: $((ntests - nfail)) passed, $nfail failed"
	[ "$nfail" -eq 0 ]
}
# with_lock NAME COMMAND...: serialise fixture generation between parallel tests.
with_lock() { n=$1; shift; flock "$FX/.$n.lock" "$@"; }
