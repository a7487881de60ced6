#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# docs/architecture.md is the map of the code: every source file of the
# library and of the command line must be named in one of its tables
# ("Who owns what"), so a file added without a row fails here and names
# the file to describe.
. "$top_srcdir/tests/support/lib.sh"

doc="$top_srcdir/docs/architecture.md"
rows=$(grep -E '^\|' "$doc")
n=0
for f in "$top_srcdir"/src/*.[ch] "$top_srcdir"/src/repair/*.[ch] "$top_srcdir"/cmd/*.[ch]; do
	[ -e "$f" ] || continue
	rel=${f#"$top_srcdir"/}
	name=${rel#src/}
	name=${name#cmd/}
	n=$((n + 1))
	check "docs/architecture.md has a row for $rel" \
		sh -c 'printf "%s\n" "$1" | grep -qF "\`$2\`"' sh "$rows" "$name"
done
# a lower bound, so an empty glob cannot pass
check "the tree has the source files the map covers ($n >= 100)" [ "$n" -ge 100 ]
done_testing
