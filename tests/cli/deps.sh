#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Every external command the build, the tests, make fuzz and make bench run
# comes from a package scripts/install-deps installs (or from an Essential
# package every Debian has): a test that needs a tool the fresh machine
# lacks fails here, by name, instead of failing or skipping somewhere else.
# The commands are found by parsing the scripts (tests/support/shell-commands.py,
# shfmt's syntax tree), not by running them, so a command behind a skip
# ("command -v b3sum || skip") counts too.
. "$top_srcdir/tests/support/lib.sh"
command -v dpkg-query >/dev/null 2>&1 || skip_all "not a Debian system (no dpkg-query)"
command -v shfmt >/dev/null 2>&1 || { not_ok "shfmt is installed (scripts/install-deps installs it)"; done_testing; exit; }
cd "$top_srcdir" || exit 99

# the packages install-deps names (every word of its apt-get install lines)
sed -n '/apt-get install/,/[^\\]$/p' scripts/install-deps | tr -s ' \t\\' '\n\n\n' |
	grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -v -x -e install -e apt-get -e sudo >"$T/listed"
check "install-deps names packages ($(wc -l <"$T/listed"))" [ -s "$T/listed" ]
# ... with what they pull in, and the Essential packages every Debian root has
dpkg-query -W -f '${Package} ${Essential}\n' | awk '$2 == "yes" { print $1 }' >"$T/essential"
check "dpkg knows the Essential packages" [ -s "$T/essential" ]
# shellcheck disable=SC2046
apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts \
	--no-breaks --no-replaces --no-enhances $(cat "$T/listed") 2>/dev/null |
	sed -n 's/^ *\(Pre\)\{0,1\}Depends: //p; /^[a-z0-9]/p' | tr -d '<>' |
	cat - "$T/listed" "$T/essential" | sed 's/:.*//' | sort -u >"$T/allowed"
# apt is the one non-Essential package of a minimal root (mmdebstrap minbase)
echo apt >>"$T/allowed"

scripts=$( (ls tests/cli/*.sh tests/support/*.sh tests/fuzz/*.sh fixtures/*.sh
	# the host-side checks tests/kernel/run sources (no #! line of their own)
	ls tests/kernel/check-*.sh 2>/dev/null; ls tests/support/run-test tests/bench/* tests/fuzz/run.sh \
	scripts/* autogen.sh .ci/run tests/kernel/* 2>/dev/null |
	grep -v -x tests/kernel/guest-init |	# runs in the guest, on busybox
	while read -r f; do
		head -n 1 "$f" | grep -q '^#!.*sh' && echo "$f"; done) | sort -u)
python3 tests/support/shell-commands.py $scripts >"$T/cmds" &&
	python3 tests/support/shell-commands.py --make Makefile.am configure.ac >>"$T/cmds"
check "the scripts parse ($(echo "$scripts" | wc -l) files, $(cut -f1 "$T/cmds" | sort -u | wc -l) commands)" \
	[ $? -eq 0 ] && [ -s "$T/cmds" ]
# the build itself: the compiler, make, the autotools and what the C tests run
printf '%s\tbuild\n' cc gcc make autoreconf aclocal automake autoconf pkg-config ar rm >>"$T/cmds"

# pmemscan's own subcommands show up where a test wraps "$PMEMSCAN" SUBCOMMAND
own=" scan extract ls carve check repair undo labels cat digest "
PATHS="/usr/sbin /usr/bin /sbin /bin"
# where_is CMD: its path, empty if it is not installed
where_is() {
	case $1 in
	/*) [ -x "$1" ] && echo "$1" ;;
	*) for d in $PATHS; do [ -x "$d/$1" ] && { echo "$d/$1"; break; }; done ;;
	esac
}
# candidates PATH: the names dpkg may know PATH's file by (through
# alternatives and /bin -> /usr/bin links), in the order they are tried
candidates() {
	_real=$(readlink -f "$1")
	printf '%s\n' "$1" "${1#/usr}" "/usr$1" "$_real" "${_real#/usr}"
}
# (every candidate asked of dpkg-query at once: each run reads the file
# lists of every package; an absolute path matches only itself)
for cmd in $(cut -f1 "$T/cmds" | sort -u); do
	path=$(where_is "$cmd")
	[ -n "$path" ] && candidates "$path"
done | sort -u >"$T/paths"
# shellcheck disable=SC2046
dpkg-query -S $(cat "$T/paths") 2>/dev/null | grep -v "^diversion" >"$T/owners"
for cmd in $(cut -f1 "$T/cmds" | sort -u); do
	case "$own" in *" $cmd "*) continue ;; esac
	where=$(grep -m1 "^$cmd	" "$T/cmds" | cut -f2)
	path=$(where_is "$cmd")
	if [ -z "$path" ]; then
		not_ok "$cmd ($where) is installed on this machine"
		continue
	fi
	# the package that owns it: the first candidate dpkg knows
	pkg=$(candidates "$path" | while read -r p; do
		awk -v p="$p" '{ i = length($0) - length(p) - 1
			if (i > 1 && substr($0, i) == ": " p) print }' "$T/owners" | grep . && break
		done | head -n 1 | sed 's/:.*//; s/, .*//')
	if [ -z "$pkg" ]; then
		not_ok "$cmd ($where): $path belongs to a Debian package"
	elif grep -q -x "$pkg" "$T/allowed"; then
		ok "$cmd ($where) comes from $pkg"
	else
		not_ok "$cmd ($where) comes from $pkg, which scripts/install-deps does not install"
	fi
done
done_testing
