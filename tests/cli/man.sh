#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The manual pages (man/*.1.scd) against the program and against man-db:
# every command 'pmemscan --help' lists has a page that pmemscan(1) names;
# every option a command's --help names is explained on its page (a term of
# the rendered OPTIONS list, not a mention in passing), and --help itself
# explains every option its usage line names; 'man --warnings' and groff
# with every warning on have nothing to say about any page, and lexgrog
# (what mandb indexes) parses its NAME line.
# A failing check names the command, the option and the file to change:
# a new option goes into the command's --help (cmd/*.c), onto its page
# (man/pmemscan-CMD.1.scd, a term under # OPTIONS), and into
# bash-completion/pmemscan (tests/cli/completion.sh).
. "$top_srcdir/tests/support/lib.sh"
for tool in man lexgrog groff; do
	command -v $tool >/dev/null 2>&1 ||
		{ not_ok "$tool is installed (man-db, groff-base: scripts/install-deps)"; done_testing; exit; }
done

# the built page NAME.1 (in the build tree, or in a tarball's source tree)
page() {
	for d in "$top_builddir/man" "$top_srcdir/man"; do
		[ -f "$d/$1.1" ] && { echo "$d/$1.1"; return 0; }
	done
	return 1
}
# render PAGE: the page as man shows it, plain text, lines not wrapped
render() { MANWIDTH=250 man -l "$1" 2>/dev/null; }

. "$top_srcdir/tests/support/help-opts.sh"

"$PMEMSCAN" --help >"$T/help" 2>&1
sed -n '/^commands:/,/^$/p' "$T/help" | awk 'NR > 1 && NF { print $1 }' >"$T/commands"
check "pmemscan --help lists the commands ($(wc -l <"$T/commands"))" [ "$(wc -l <"$T/commands")" -ge 10 ]

top=$(page pmemscan)
if [ -z "$top" ]; then
	not_ok "pmemscan.1 is built"
else
	render "$top" >"$T/top.txt"
	while read -r cmd; do
		check "pmemscan(1) (man/pmemscan.1.scd) explains the command $cmd under # COMMANDS" \
			grep -q -x "       $cmd" "$T/top.txt"
		check "pmemscan(1) (man/pmemscan.1.scd) names pmemscan-$cmd(1)" \
			grep -q "pmemscan-$cmd(1)" "$T/top.txt"
	done <"$T/commands"
	# its own options: the synopsis of pmemscan --help (--help, --version)
	help_synopsis <"$T/help" >"$T/top.syn"
	page_terms <"$T/top.txt" >"$T/top.terms"
	check "pmemscan --help names options (--help, --version)" grep -q -x -e --version "$T/top.syn"
	for o in $(cat "$T/top.syn"); do
		check "pmemscan(1) (man/pmemscan.1.scd) explains $o, which pmemscan --help names" \
			grep -q -x -e "$o" "$T/top.terms"
	done
fi

# no page for a command that does not exist
for scd in "$top_srcdir"/man/pmemscan-*.1.scd; do
	c=${scd##*/pmemscan-}; c=${c%.1.scd}
	check "man/pmemscan-$c.1.scd is the page of a command pmemscan --help lists ($c)" \
		grep -q -x -e "$c" "$T/commands"
done

while read -r cmd; do
	p=$(page "pmemscan-$cmd")
	if [ -z "$p" ]; then
		not_ok "pmemscan --help lists the command $cmd, but its page pmemscan-$cmd.1 is not built:" \
			"write man/pmemscan-$cmd.1.scd and add man/pmemscan-$cmd.1 to PS_MAN_PAGES in Makefile.am"
		continue
	fi
	expect_exit 0 "pmemscan $cmd --help exits 0" "$PMEMSCAN" "$cmd" --help >"$T/$cmd.help" 2>&1
	help_terms <"$T/$cmd.help" >"$T/$cmd.terms"
	help_synopsis <"$T/$cmd.help" >"$T/$cmd.syn"
	render "$p" >"$T/$cmd.txt"
	page_terms <"$T/$cmd.txt" >"$T/$cmd.pterms"
	check "pmemscan-$cmd(1) (man/pmemscan-$cmd.1.scd) renders with an OPTIONS list" \
		grep -q '^OPTIONS' "$T/$cmd.txt"
	for o in $(cat "$T/$cmd.syn"); do
		if grep -q -x -e "$o" "$T/$cmd.terms"; then
			ok "pmemscan $cmd --help explains $o, which its usage line names"
		else
			not_ok "pmemscan $cmd $o: named in the usage line of 'pmemscan $cmd --help' but not" \
				"explained there (add a line '  $o ...' to the command's usage text in cmd/)"
		fi
	done
	for o in $(sort -u "$T/$cmd.syn" "$T/$cmd.terms"); do
		if grep -q -x -e "$o" "$T/$cmd.pterms"; then
			ok "pmemscan $cmd $o: explained on man/pmemscan-$cmd.1.scd"
		else
			not_ok "pmemscan $cmd $o: in 'pmemscan $cmd --help' but not explained on its page" \
				"man/pmemscan-$cmd.1.scd (add a term '*$o*' under # OPTIONS)"
		fi
	done
	# the other way, a lower bound for the loops above (which check nothing
	# when --help's usage names no option): every option the page explains
	# (but -h/--help) is in 'pmemscan $cmd --help'
	missing=$(sort -u "$T/$cmd.syn" "$T/$cmd.terms" | grep -v -x -F -f - "$T/$cmd.pterms" |
		grep -v -x -e -h -e --help | sort -u | tr '\n' ' ')
	check "pmemscan $cmd --help names every option its page explains${missing:+ (not: $missing)}" \
		test -z "$missing"
done <"$T/commands"

# the option tables (pmemscan CMD --list-options, docs/cli.md "Option
# tables"): every option a command's table lists is explained on its page
# and in its --help, so an option added to a table (cmd/*.c) but not to
# man/pmemscan-CMD.1.scd fails here
ntab=0 nenum=0
while read -r cmd; do
	p=$(page "pmemscan-$cmd") || continue
	expect_exit 0 "pmemscan $cmd --list-options exits 0" \
		"$PMEMSCAN" "$cmd" --list-options >"$T/$cmd.table" 2>&1
	render "$p" | page_terms >"$T/$cmd.tpterms"
	"$PMEMSCAN" "$cmd" --help 2>&1 | help_terms >"$T/$cmd.thterms"
	awk -F '\t' 'NF == 6 && $6 == "listed" { print $1; if ($2 != "-") print $2 }' \
		"$T/$cmd.table" >"$T/$cmd.topts"
	for o in $(cat "$T/$cmd.topts"); do
		ntab=$((ntab + 1))
		check "pmemscan $cmd $o (its option table) is explained on man/pmemscan-$cmd.1.scd" \
			grep -q -x -e "$o" "$T/$cmd.tpterms"
		check "pmemscan $cmd $o (its option table) is explained in its --help" \
			grep -q -x -e "$o" "$T/$cmd.thterms"
	done
	# each value of an enum option (the table's fifth column) is named in
	# the option's own lines of --help (from its line to the next option's)
	"$PMEMSCAN" "$cmd" --help >"$T/$cmd.help" 2>&1
	awk -F '\t' 'NF == 6 && $6 == "listed" && $5 != "-" { print $1 "\t" $5 }' \
		"$T/$cmd.table" >"$T/$cmd.enums"
	while IFS="$(printf '\t')" read -r o vals; do
		awk -v o="$o" '
			/^  -/ { inopt = 0
				 for (i = 1; i <= NF; i++) { w = $i; sub(/,$/, "", w)
					 if (w == o) inopt = 1
					 if (w !~ /^-/) break } }
			inopt' "$T/$cmd.help" >"$T/$cmd.ohelp"
		for v in $vals; do
			nenum=$((nenum + 1))
			check "pmemscan $cmd $o $v (a value its table lists) is named in its --help" \
				grep -q -w -e "$v" "$T/$cmd.ohelp"
		done
	done <"$T/$cmd.enums"
done <"$T/commands"
check "the option tables list enum values ($nenum >= 20)" [ "$nenum" -ge 20 ]
check "the option tables list options ($ntab >= 80)" [ "$ntab" -ge 80 ]

# man-db and groff: no warning about any page; mandb can index its NAME
for scd in "$top_srcdir"/man/*.1.scd; do
	n=${scd##*/}; n=${n%.1.scd}
	p=$(page "$n") || { not_ok "$n.1 is built"; continue; }
	LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$p" \
		>/dev/null 2>"$T/$n.warn"
	check "man --warnings -l $n.1 (man/$n.1.scd) says nothing" [ ! -s "$T/$n.warn" ]
	[ -s "$T/$n.warn" ] && sed "s/^/  $n.1: /" "$T/$n.warn" >&2
	groff -man -ww -z "$p" 2>"$T/$n.groff"
	check "groff -man -ww (every warning) says nothing about $n.1 (man/$n.1.scd)" [ ! -s "$T/$n.groff" ]
	[ -s "$T/$n.groff" ] && sed "s/^/  $n.1: /" "$T/$n.groff" >&2
	check "lexgrog parses the NAME line of $n.1" sh -c 'lexgrog "$1" | grep -q " - "' lexgrog "$p"
done
done_testing
