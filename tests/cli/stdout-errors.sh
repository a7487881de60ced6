#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A report that never reached its reader is no success (issue 21): every
# command run with its standard output on /dev/full (every write fails with
# ENOSPC, as on a full disk) exits non-zero with one line saying so. Each
# command is first run with stdout to a file, which shows it works on this
# input and prints something; a command that prints nothing on stdout
# (btt-cat, extract, carve: their output is OUT) loses nothing and must
# still exit as before.
. "$top_srcdir/tests/support/lib.sh"
[ -w /dev/full ] || skip_all "no /dev/full"
[ -n "${NDCTL:-}" ] || skip_all "ndctl not installed"
[ -n "${MKE2FS:-}" ] || skip_all "e2fsprogs not installed"
MKLABELS=$top_builddir/tests/support/mkfx-labels
MKBTT=$top_builddir/tests/support/mkfx-btt
[ -x "$MKLABELS" ] && [ -x "$MKBTT" ] || skip_all "tests/support/mkfx-labels, mkfx-btt not built"

# an fsdax namespace (ndctl's info block with a start_pad, as repair.sh)
# holding an ext4 with a few files
mkdir -p "$T/tree/d"
echo "hello pmem" >"$T/tree/a.txt"
head -c 200000 /dev/urandom >"$T/tree/d/b.bin"
truncate -s 128M "$T/ns.img"
$NDCTL write-infoblock -o "$T/ns.img" -O 0x577c800000 -a 16M >/dev/null 2>&1 ||
	{ echo "ndctl write-infoblock failed"; exit 1; }
$MKE2FS -q -F -t ext4 -b 4096 -d "$T/tree" -E offset=16777216 "$T/ns.img" 16384 >/dev/null 2>&1 ||
	{ echo "mke2fs failed"; exit 1; }
# a BTT namespace over an ext4, label areas
$MKE2FS -q -F -t ext4 -b 4096 -d "$T/tree" "$T/fs.img" 8M >/dev/null 2>&1 || { echo "mke2fs failed"; exit 1; }
"$MKBTT" -o "$T/btt.img" -s 32M -i "$T/fs.img" >/dev/null || { echo "mkfx-btt failed"; exit 1; }
mkdir "$T/lsa"
"$MKLABELS" "$T/lsa" >/dev/null || { echo "mkfx-labels failed"; exit 1; }
# an undo file: repair --in-place on a copy
cp "$T/ns.img" "$T/ip.img"
"$PMEMSCAN" repair "$T/ip.img" --assume-aligned --in-place >/dev/null 2>&1 ||
	{ echo "repair --in-place failed"; exit 1; }
mkdir "$T/root"

# the line a lost report gets: pmemscan: CMD: standard output: ERROR (scan,
# ls, cat and repair say it their own way, which they did before)
lost='standard output|\(stdout\): write error|writing the report failed'

# full DESCRIPTION CMD...: CMD works with stdout to a file (its exit code
# there, what it prints); with stdout on /dev/full it exits non-zero (3
# where it had exited 0) and says so in exactly one line
full() {
	d=$1; shift
	"$@" >"$T/good.out" 2>"$T/good.err"; want=$?
	if [ ! -s "$T/good.out" ] || [ "$want" -ge 3 ]; then
		not_ok "$d: the command does not work here (exit $want, $(wc -c <"$T/good.out") bytes out: $(head -2 "$T/good.err"))"
		return
	fi
	"$@" >/dev/full 2>"$T/full.err"; rc=$?
	n=$(grep -Ec "$lost" "$T/full.err")
	if [ "$rc" -ne 0 ] && { [ "$want" -ne 0 ] || [ "$rc" -eq 3 ]; } && [ "$n" -eq 1 ]; then
		ok "$d: stdout on /dev/full: exit $rc (was $want), one line"
	else
		not_ok "$d: stdout on /dev/full: exit $rc (exit $want to a file), $n lines naming the lost output: $(tr '\n' '|' <"$T/full.err")"
	fi
}

full "--help" "$PMEMSCAN" --help
full "--version" "$PMEMSCAN" --version
full "scan --help" "$PMEMSCAN" scan --help
full "scan" "$PMEMSCAN" scan "$T/ns.img"
full "scan --json" "$PMEMSCAN" scan "$T/ns.img" --json
full "labels" "$PMEMSCAN" labels "$T/lsa/v12.lsa"
full "labels --json" "$PMEMSCAN" labels --json "$T/lsa/v12.lsa"
full "labels --help" "$PMEMSCAN" labels --help
full "check" "$PMEMSCAN" check "$T/btt.img"
full "check --json" "$PMEMSCAN" check --json "$T/btt.img"
full "digest" "$PMEMSCAN" digest "$T/ns.img"
full "digest --sparse" "$PMEMSCAN" digest --sparse "$T/ns.img"
full "ls" "$PMEMSCAN" ls "$T/ns.img"
full "ls --json" "$PMEMSCAN" ls --json "$T/ns.img"
full "cat" "$PMEMSCAN" cat "$T/ns.img"
full "repair --plan" "$PMEMSCAN" repair "$T/ns.img" --assume-aligned
full "repair --plan --json" "$PMEMSCAN" repair "$T/ns.img" --assume-aligned --json
# collect, with an ndctl that fails: a bundle with what could be read (exit 1)
full "collect" "$PMEMSCAN" collect -o "$T/b.tar" --force --root "$T/root" --ndctl false

# undo: its report is lost, the image is still restored (the line says only
# that the report was not written)
sha() { sha256sum <"$1" | cut -d' ' -f1; }
"$PMEMSCAN" undo "$T/ip.img.pmemscan-undo" "$T/ip.img" >/dev/full 2>"$T/undo.err"; rc=$?
check "undo, stdout on /dev/full: exit 3, one line naming standard output" \
	eval '[ $rc -eq 3 ] && [ "$(grep -Ec "$lost" "$T/undo.err")" -eq 1 ]'
same_value "undo, stdout on /dev/full: the image is restored byte for byte" "$(sha "$T/ip.img")" "$(sha "$T/ns.img")"
full "undo (nothing left to revert)" "$PMEMSCAN" undo "$T/ip.img.pmemscan-undo" "$T/ip.img"

# nothing on stdout, nothing lost: exit 0, the output written
for c in "btt-cat:$T/btt.img" "carve:$T/ns.img" "extract:$T/ns.img"; do
	cmd=${c%%:*}; img=${c#*:}
	rm -rf "$T/o"
	"$PMEMSCAN" "$cmd" "$img" -o "$T/o" >/dev/full 2>"$T/o.err"; rc=$?
	check "$cmd writes nothing to stdout: with it on /dev/full, exit 0 and its output written" \
		eval '[ $rc -eq 0 ] && [ -e "$T/o" ] && ! grep -Eq "$lost" "$T/o.err"'
done
check "extract on /dev/full wrote the files" cmp -s "$T/tree/d/b.bin" "$T/o/d/b.bin"
# a stdout closed by the caller with nothing written to it is no loss
rm -rf "$T/o"
"$PMEMSCAN" btt-cat "$T/btt.img" -o "$T/o" >&- 2>"$T/o.err"; rc=$?
check "btt-cat with stdout closed (>&-): exit 0, no error" eval '[ $rc -eq 0 ] && [ ! -s "$T/o.err" ]'
# but a report written to a closed stdout is lost
"$PMEMSCAN" digest "$T/ns.img" >&- 2>"$T/c.err"; rc=$?
check "digest with stdout closed (>&-): exit 3, one line" \
	eval '[ $rc -eq 3 ] && [ "$(grep -Ec "$lost" "$T/c.err")" -eq 1 ]'

done_testing
