#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# docs/architecture.md is the map of the code: every source file of the
# library and of the command line must be named in one of its tables
# ("Who owns what"), so a file added without a row fails here and names
# the file to describe. The other way round too: every file or directory
# the tables, "Where a change goes" and the picture of one scan name must exist (a path from the
# top, a glob such as src/imgsrc_*.c, or a bare file name found under
# src/, cmd/, tests/, docs/ or scripts/), so a renamed or removed file
# cannot stay on the map.
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

# the names in "Who owns what" and "Where a change goes" (up to "## Tests")
names=$(sed -n '/^## Who owns what/,/^## Tests/p' "$doc" | grep -oE '`[^` ]+`' | tr -d '`' |
	grep -E '/|[A-Za-z0-9_*]\.(c|h|sh|md|py|scd)$' | grep -v '^/' | sort -u)
# and the src/ and cmd/ paths in the picture of one scan
names="$names $(sed -n '/^## One scan through the layers/,/^## Who owns what/p' "$doc" |
	grep -oE '(src|cmd)/[A-Za-z0-9_*./]+' | sed 's/[.]$//' | sort -u)"
exists() {
	case $1 in
	*/*)	# from the top or from src/ (repair/...); a glob matches one path at least
		for p in "$top_srcdir"/$1 "$top_srcdir"/src/$1; do [ -e "$p" ] && return 0; done
		return 1 ;;
	*)	[ -n "$(cd "$top_srcdir" && find src cmd tests docs scripts -name "$1" -print -quit)" ] ;;
	esac
}
m=0
for name in $names; do
	m=$((m + 1))
	check "docs/architecture.md names $name, which exists" exists "$name"
done
check "the map names files and directories ($m >= 100)" [ "$m" -ge 100 ]
done_testing
