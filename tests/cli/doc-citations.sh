#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Every document pmemscan's output cites exists where it says, after
# `make install` (issue 26 item 14): the help texts and reports name the
# installed documentation ($(docdir)/NAME.md) and manual pages
# ("man pmemscan-X"), never a path of the source tree (docs/NAME.md) nor
# a specification that is not shipped ("spec §7.2").
. "$top_srcdir/tests/support/lib.sh"
command -v strings >/dev/null || skip_all "strings (binutils) not installed"
inst=$T/inst
make -s -C "$top_builddir" install DESTDIR="$inst" >"$T/install.log" 2>&1
check "make install DESTDIR=... succeeds" test $? -eq 0
bin=$(find "$inst" -type f -name pmemscan -perm -u+x | head -n 1)
check "the installed binary is there" test -n "$bin" -a -x "$bin"
[ -n "$bin" ] || bin=$PMEMSCAN
strings -n 4 "$bin" >"$T/strings"

# documents: every absolute path of a .md file the binary can print
grep -oE '/[A-Za-z0-9_./-]*\.md' "$T/strings" | sort -u >"$T/docs"
n=$(wc -l <"$T/docs")
check "the binary cites installed documents ($n distinct, at least 5)" test "$n" -ge 5
while IFS= read -r d; do
	check "cited $d is installed (DESTDIR$d)" test -s "$inst$d"
done <"$T/docs"
check "start_pad.md, which every report with a start_pad cites, is one of them" \
	grep -q '/start_pad\.md$' "$T/docs"
check "no citation of a source-tree path (docs/NAME.md)" \
	sh -c "! grep -E '(^|[^/A-Za-z])docs/[A-Za-z_-]+\.md' '$T/strings'"
check "no citation of a specification that is not installed (spec §N)" \
	sh -c "! grep -E 'spec §|spec [0-9]+\.[0-9]' '$T/strings'"
# and the texts themselves: the section the split check cites is in it
sp=$(grep '/start_pad\.md$' "$T/docs" | head -n 1)
check "the installed start_pad.md has the section the reports cite (Files with two contents)" \
	grep -q '^## Files with two contents' "$inst$sp"

# manual pages: every "man pmemscan-X" the binary prints is installed
grep -oE 'man pmemscan(-[a-z-]+)?' "$T/strings" | sed 's/^man //' | sort -u >"$T/mans"
check "the binary cites manual pages ($(wc -l <"$T/mans"))" test -s "$T/mans"
while IFS= read -r m; do
	check "cited manual page $m is installed" \
		test -n "$(find "$inst" -path "*/man1/$m.1*" | head -n 1)"
done <"$T/mans"
done_testing
