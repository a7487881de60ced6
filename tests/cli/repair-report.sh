#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# repair -o / --in-place when standard output cannot be written (issue 21
# item 5). The plan goes to stdout before anything is written: if it cannot
# be written (> /dev/full), nothing is written, exit 3 (no copy, no undo
# file, the image unchanged). If the plan was written but the report after
# the change cannot be, the change stays (it is proven) and the exit is 4
# with one line on stderr saying so: never 3, which says nothing was written.
. "$top_srcdir/tests/support/lib.sh"
for t in xz cmp; do
	command -v $t >/dev/null 2>&1 || skip_all "$t not installed"
done
[ -w /dev/full ] || skip_all "no /dev/full"
sha() { sha256sum <"$1" | cut -d' ' -f1; }
xz -dc "$top_srcdir/fixtures/legacy-fsdax-ext4.img.xz" >"$T/pristine.img"
ORIG=$(sha "$T/pristine.img")
# the reference: the repaired copy, written with a working stdout
"$PMEMSCAN" repair "$T/pristine.img" --assume-aligned -o "$T/ref.img" >/dev/null 2>&1
check "reference: repair -o writes a repaired copy that differs from the image" \
	sh -c "[ -s '$T/ref.img' ] && ! cmp -s '$T/ref.img' '$T/pristine.img'"

# ---- stdout full from the start: nothing written, exit 3 ----
cp "$T/pristine.img" "$T/a.img"
"$PMEMSCAN" repair "$T/a.img" --assume-aligned --in-place >/dev/full 2>"$T/e1"; rc=$?
check "--in-place > /dev/full: exit 3, one line: the plan could not be written, nothing was" \
	sh -c "[ $rc -eq 3 ] && [ \$(wc -l <'$T/e1') -eq 1 ] && grep -q 'the plan could not be written to standard output (No space left on device); nothing was written' '$T/e1'"
check "--in-place > /dev/full: the image is unchanged" test "$(sha "$T/a.img")" = "$ORIG"
check "--in-place > /dev/full: no undo file left" test ! -e "$T/a.img.pmemscan-undo"
"$PMEMSCAN" repair "$T/pristine.img" --assume-aligned -o "$T/c.img" >/dev/full 2>"$T/e2"; rc=$?
check "-o > /dev/full: exit 3, one line" sh -c "[ $rc -eq 3 ] && [ \$(wc -l <'$T/e2') -eq 1 ] && grep -q 'nothing was written' '$T/e2'"
check "-o > /dev/full: no copy and no copy.partial left" sh -c "[ ! -e '$T/c.img' ] && [ ! -e '$T/c.img.partial' ]"

# ---- room for the plan only: the change is made and kept, exit 4 ----
MNT=$T/small
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=4k tmpfs "$MNT" 2>/dev/null; then
	skip "the report lost after the change" "cannot mount a small tmpfs (needs root)"
	done_testing
	exit $?
fi
trap 'umount "$MNT" 2>/dev/null; rm -rf "$T"' EXIT
# fill_out IMG: the plan for IMG is --plan's output without its last line
# ("plan only ..."), P bytes; MNT/out is filled with 4096 - P bytes, so that
# the 4 KiB filesystem has room for the plan and not one byte more
fill_out() {
	"$PMEMSCAN" repair "$1" --assume-aligned --plan | sed '$d' >"$T/plan"
	P=$(wc -c <"$T/plan")
	rm -f "$MNT/out"
	head -c $((4096 - P)) /dev/zero >"$MNT/out"
	check "the plan for $(basename "$1") fits in 4 KiB (the test needs that)" test "$P" -gt 100 -a "$P" -lt 4096
}

cp "$T/pristine.img" "$T/b.img"
fill_out "$T/b.img"
"$PMEMSCAN" repair "$T/b.img" --assume-aligned --in-place >>"$MNT/out" 2>"$T/e3"; rc=$?
check "--in-place, report lost after the change: exit 4" test $rc -eq 4
check "--in-place, report lost: one line says repaired, the report could not be written, how to undo" \
	sh -c "[ \$(wc -l <'$T/e3') -eq 1 ] && grep -q \"^pmemscan: repair: repaired $T/b.img in place and re-scanned valid; the report could not be written to standard output (No space left on device); to restore: pmemscan undo $T/b.img.pmemscan-undo $T/b.img\\\$\" '$T/e3'"
check "--in-place, report lost: the plan was written whole before the change" \
	sh -c "tail -c $P '$MNT/out' | cmp -s - '$T/plan'"
check "--in-place, report lost: the image is repaired (the reference copy's bytes)" cmp -s "$T/b.img" "$T/ref.img"
check "--in-place, report lost: the undo file is kept" test -s "$T/b.img.pmemscan-undo"
"$PMEMSCAN" undo "$T/b.img.pmemscan-undo" "$T/b.img" >/dev/null 2>&1; rc=$?
check "--in-place, report lost: the undo file restores the image" \
	sh -c "[ $rc -eq 0 ] && [ \"\$(sha256sum <'$T/b.img' | cut -d' ' -f1)\" = '$ORIG' ]"

fill_out "$T/pristine.img"
"$PMEMSCAN" repair "$T/pristine.img" --assume-aligned -o "$T/d.img" >>"$MNT/out" 2>"$T/e4"; rc=$?
check "-o, report lost after the copy: exit 4, one line naming the copy" \
	sh -c "[ $rc -eq 4 ] && [ \$(wc -l <'$T/e4') -eq 1 ] && grep -q \"^pmemscan: repair: wrote $T/d.img, repaired and re-scanned valid; the report could not be written\" '$T/e4'"
check "-o, report lost: the plan was written whole before the copy" \
	sh -c "tail -c $P '$MNT/out' | cmp -s - '$T/plan'"
check "-o, report lost: the copy is kept and is the reference copy" cmp -s "$T/d.img" "$T/ref.img"
check "-o, report lost: the image is unchanged" test "$(sha "$T/pristine.img")" = "$ORIG"
done_testing
