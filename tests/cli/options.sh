#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Every command treats a bad option the same way: exactly one line on
# stderr, "pmemscan: CMD: unknown option or missing value 'WORD' (see
# 'pmemscan CMD --help')", nothing on stdout, exit 3, and nothing created.
. "$top_srcdir/tests/support/lib.sh"
img=$T/x.img
: >"$img"

# bad CMD WORD ARGS...: pmemscan ARGS... (CMD's name in messages) must
# refuse WORD that way
bad() {
	cmd=$1; word=$2; shift 2
	(cd "$T" && "$PMEMSCAN" "$@" >"$T/out" 2>"$T/err"); rc=$?
	want="pmemscan: $cmd: unknown option or missing value '$word' (see 'pmemscan $cmd --help')"
	lines=$(wc -l <"$T/err")
	if [ "$rc" -eq 3 ] && [ "$lines" -eq 1 ] && [ "$(cat "$T/err")" = "$want" ] &&
	   [ ! -s "$T/out" ]; then
		ok "$cmd $*: one line, exit 3"
	else
		not_ok "$cmd $*: exit $rc, $lines line(s) on stderr: $(head -3 "$T/err")"
	fi
}

for c in scan extract ls carve labels check btt-cat cat digest repair; do
	bad "$c" --frobnicate "$c" --frobnicate "$img"
done
bad undo --frobnicate undo --frobnicate "$img"
# the default command is scan, whatever the program is called
bad scan --frobnicate --frobnicate "$img"
# a value missing at the end: the option's own word is named
bad check --offset check "$img" --offset
bad repair --phys-base repair "$img" --phys-base
bad extract --namespace extract "$img" --namespace
bad cat -o cat "$img" -o
# an unknown short option
bad labels -Z labels -Z "$img"
# extract, ls and carve share their options' code, but each has its own
# table (docs/cli.md, "Option tables"): each takes only the options its
# --help names (carve has no --json, --path, --fs-type, --view or
# --raw-names; ls no --output, --force or --raw-names), and names the word
# as it was typed, as every command does
bad carve --json carve --json "$img" -o "$T/c1"
bad carve --path carve "$img" --path /x -o "$T/c1"
bad carve --fs-type carve --fs-type xfs "$img" -o "$T/c1"
bad carve --view carve --view mmap "$img" -o "$T/c1"
bad ls -o ls -o "$T/l1" "$img"
bad ls --output ls --output "$T/l1" "$img"
bad ls --fo ls --fo "$img"
bad ls --force ls --force "$img"
bad ls --raw-names ls --raw-names "$img"
check "... and none of them created anything" test ! -e "$T/c1" -a ! -e "$T/l1"
# an abbreviation is resolved among the command's own options only: ls has
# --fs-type but no --force, so --f is --fs-type (exit 2: nothing in the
# empty image), not an ambiguous option (exit 3)
head -c 1048576 /dev/zero >"$T/zero.img"
expect_exit 2 "ls --f xfs is ls --fs-type xfs" "$PMEMSCAN" ls --f xfs "$T/zero.img" 2>/dev/null
expect_exit 2 "carve --f is carve --force" "$PMEMSCAN" carve --f "$T/zero.img" -o "$T/c2" 2>/dev/null

# an operand missing: one line naming the command, exit 3, for every
# command (cat and digest included: no usage text)
for c in scan extract ls carve labels check btt-cat cat digest repair undo collect; do
	(cd "$T" && "$PMEMSCAN" "$c" >"$T/out" 2>"$T/err"); rc=$?
	lines=$(wc -l <"$T/err")
	if [ "$rc" -eq 3 ] && [ "$lines" -eq 1 ] && grep -q "^pmemscan: $c: " "$T/err" &&
	   [ ! -s "$T/out" ]; then
		ok "pmemscan $c (no operand): one line, exit 3"
	else
		not_ok "pmemscan $c (no operand): exit $rc, $lines line(s) on stderr: $(head -3 "$T/err")"
	fi
done
# every option a command accepts is one its --help explains: no command's
# table (pmemscan CMD --list-options, docs/cli.md) has a hidden option. repair
# took --offset and --size only to refuse them (kept from the namespace
# options of the commands that read data): they are unknown options now
nhid=0
for c in scan extract ls carve labels check btt-cat cat digest repair undo collect; do
	"$PMEMSCAN" "$c" --list-options >"$T/$c.table" 2>/dev/null
	nrows=$(awk -F '\t' 'NF == 6' "$T/$c.table" | wc -l)
	hidden=$(awk -F '\t' 'NF == 6 && $6 != "listed" { printf "%s ", $1 }' "$T/$c.table")
	nhid=$((nhid + nrows))
	check "pmemscan $c --list-options: $nrows option(s), none hidden${hidden:+ (hidden: $hidden)}" \
		test -z "$hidden"
done
check "the tables list options ($nhid >= 80)" test "$nhid" -ge 80
bad repair --offset repair --offset 4096 "$img"
bad repair --size repair --size 4096 "$img"

# carve/extract/repair would create their output: nothing is
"$PMEMSCAN" carve --frobnicate "$img" -o "$T/carved" 2>/dev/null
check "carve with a bad option creates no output" test ! -e "$T/carved"
done_testing
