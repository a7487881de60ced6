# SPDX-License-Identifier: GPL-2.0-or-later
# The options a --help text or a rendered man page names, for tests/cli/man.sh
# and tests/cli/completion.sh. Source it after tests/support/lib.sh. Each function
# reads the text on stdin and prints one option per line, sorted, unique.

# the options of a term line, "  -o, --output OUT  text": -o and --output
# (options, each with at most one argument word, joined by ", ")
TERMS_AWK='{
	s = $0; sub(/^ +/, "", s)
	while (match(s, /^(-[A-Za-z]|--[a-z0-9][a-z0-9-]*)/)) {
		print substr(s, 1, RLENGTH); s = substr(s, RLENGTH + 1)
		if (s ~ /^ [^ ,-]/) sub(/^ [^ ,]+/, "", s)
		if (s !~ /^, /) break
		s = substr(s, 3)
	}
}'
# the options of a term line that take a value ("--opt ARG", or every
# option of "-o, --output OUT")
TERMS_AWK_VALUED='{
	s = $0; sub(/^ +/, "", s); n = 0
	while (match(s, /^(-[A-Za-z]|--[a-z0-9][a-z0-9-]*)/)) {
		o[++n] = substr(s, 1, RLENGTH); s = substr(s, RLENGTH + 1)
		if (s ~ /^ [^ ,-]/) { for (i = 1; i <= n; i++) print o[i]; break }
		if (s !~ /^, /) break
		s = substr(s, 3)
	}
}'
# help_terms: the options --help explains (its term lines, indented)
help_terms() { grep '^  *-' | awk "$TERMS_AWK" | sort -u; }
# help_synopsis: the options of the usage lines (the first line, and the
# lines that go on with "[" or "pmemscan")
help_synopsis() {
	awk 'NR == 1 || /^ +(\[|pmemscan )/ { print; next } { exit }' |
		awk '{ s = $0
		while (match(s, /(^|[ [|])(-[A-Za-z]|--[a-z0-9][a-z0-9-]*)/)) {
			o = substr(s, RSTART, RLENGTH); sub(/^[ [|]/, "", o); print o
			s = substr(s, RSTART + RLENGTH)
		} }' | sort -u
}
# page_terms: the options a rendered page explains (term lines at the
# first indentation that start with "-")
page_terms() { grep '^       -' | awk "$TERMS_AWK" | sort -u; }
