#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The bash completion (bash-completion/pmemscan) driven in bash as readline
# drives it (COMP_WORDS, COMP_CWORD, then _pmemscan), its answers checked
# against pmemscan itself: every command and every long option --help
# names is offered, every value offered for --semantics, --hash, --fs-type
# and --view is one pmemscan accepts, file names where a command takes a
# file, and the bash-completion package finds it by the command's name.
. "$top_srcdir/tests/support/lib.sh"
. "$top_srcdir/tests/support/help-opts.sh"
command -v bash >/dev/null 2>&1 || { not_ok "bash is installed"; done_testing; exit; }
COMP=$top_srcdir/bash-completion/pmemscan

# comp WORD...: the answers, sorted, one per line, for the command line
# "pmemscan WORD..." with the cursor at the end of the last WORD ("" for
# a new word); run in $T/d, where the file names live
comp() {
	(cd "$T/d" && bash -c '
		. "$1" || exit 99
		shift
		# the function the file registers for pmemscan, as readline finds it
		spec=$(complete -p pmemscan) || exit 98
		fn=${spec#*-F } fn=${fn%% *}
		COMP_WORDS=(pmemscan "$@")
		COMP_CWORD=$#
		COMP_LINE="${COMP_WORDS[*]}"
		COMP_POINT=${#COMP_LINE}
		"$fn" pmemscan "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		for w in "${COMPREPLY[@]}"; do printf "%s\n" "$w"; done' bash "$COMP" "$@") | sort
}
# answers DESCRIPTION WANT WORD...: the answers are exactly WANT
# (separated by "|", or by blanks when it has no "|"; any order; "" for none)
answers() {
	d=$1 want=$2; shift 2
	got=$(comp "$@" | tr '\n' '|' | sed 's/|$//')
	case $want in
	*"|"*) want=$(echo "$want" | tr '|' '\n' | sed '/^$/d' | sort | tr '\n' '|' | sed 's/|$//') ;;
	*) want=$(printf '%s\n' $want | sort | tr '\n' '|' | sed 's/|$//') ;;
	esac
	if [ "$got" = "$want" ]; then ok "$d"; else not_ok "$d (got '$got', wanted '$want')"; fi
}
# the long options a command's --help names (usage line and explained
# terms, not options of other commands it mentions), and --help itself
help_long() {
	"$PMEMSCAN" "$@" --help >"$T/h.txt" 2>&1
	{ help_synopsis <"$T/h.txt"; help_terms <"$T/h.txt"; echo --help; } | grep -e '^--' | sort -u
}

mkdir -p "$T/d/sub dir" "$T/d/cache"
: >"$T/d/dump.img"
: >"$T/d/dump.img.xz"
: >"$T/d/my image.E01"
: >"$T/d/nmem0.lsa"
head -c 1048576 /dev/zero >"$T/zero.img"

# ---- commands ----
"$PMEMSCAN" --help | sed -n '/^commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }' >"$T/commands"
check "pmemscan --help lists commands" [ -s "$T/commands" ]
comp "" >"$T/first"
while read -r c; do
	check "pmemscan <TAB> offers the command $c" grep -q -x -e "$c" "$T/first"
done <"$T/commands"
check "pmemscan <TAB> offers the files too (IMAGE: scan is the default)" grep -q -x 'dump.img.xz' "$T/first"
answers "pmemscan ex<TAB>: extract" "extract" ex
answers "pmemscan --v<TAB>: --version" "--version" --v

# ---- options: every long option of every command's --help ----
while read -r c; do
	comp "$c" -- >"$T/$c.offered"
	help_long "$c" >"$T/$c.help"
	missing=$(comm -23 "$T/$c.help" "$T/$c.offered" | tr '\n' ' ')
	check "pmemscan $c --<TAB> offers every option of pmemscan $c --help${missing:+ (missing: $missing; add to _pmemscan_options in bash-completion/pmemscan)}" \
		[ -z "$missing" ]
	extra=$(comm -13 "$T/$c.help" "$T/$c.offered" | tr '\n' ' ')
	check "pmemscan $c --<TAB> offers no option pmemscan $c --help lacks${extra:+ (extra: $extra; in _pmemscan_options of bash-completion/pmemscan)}" \
		[ -z "$extra" ]
done <"$T/commands"
check "the --help texts name options ($(cat "$T"/*.help | sort -u | wc -l) distinct)" \
	[ "$(cat "$T"/*.help | sort -u | wc -l)" -ge 25 ]
help_long scan >"$T/scan.help"
comp dump.img -- >"$T/default.offered"
check "pmemscan IMAGE --<TAB> offers scan's options" same "$T/scan.help" "$T/default.offered"
answers "pmemscan extract IMG --na<TAB>" "--namespace" extract dump.img --na

# ---- values ----
answers "--semantics <TAB>: legacy fixed auto" "legacy fixed auto" extract dump.img --semantics ""
answers "--semantics f<TAB>" "fixed" repair dump.img --semantics f
answers "--semantics d<TAB>: nothing (no value starts so; no file either)" "" extract --semantics d
answers "--semantics=<TAB> (words split at =)" "legacy fixed auto" ls dump.img --semantics = ""
answers "--semantics=le<TAB> (words split at =)" "legacy" ls dump.img --semantics = le
answers "--semantics=le<TAB> (one word)" "--semantics=legacy" ls dump.img --semantics=le
answers "--hash <TAB>: auto sha256 sparse none" "auto sha256 sparse none" dump.img --hash ""
answers "--hash s<TAB>" "sha256 sparse" scan dump.img --hash s
answers "--fs-type <TAB>: ext xfs auto" "ext xfs auto" ls dump.img --fs-type ""
answers "--view <TAB>: read mmap merged auto" "read mmap merged auto" extract dump.img --view ""
answers "--view=mm<TAB> (one word)" "--view=mmap" ls dump.img --view=mm
answers "--namespace <TAB>: nothing (a number)" "" extract dump.img --namespace ""
answers "--phys-base <TAB>: nothing (an address)" "" dump.img --phys-base ""

# the values offered are the ones pmemscan takes: on an image with nothing
# in it, a good value gets as far as "nothing found" (2), a bad one is a
# usage error (3)
for v in $(comp ls dump.img --semantics ""); do
	expect_exit 2 "pmemscan ls --semantics $v (offered) is accepted" \
		"$PMEMSCAN" ls "$T/zero.img" --semantics "$v" >/dev/null 2>&1
done
expect_exit 3 "pmemscan ls --semantics bogus (not offered) is refused" \
	"$PMEMSCAN" ls "$T/zero.img" --semantics bogus >/dev/null 2>&1
for v in $(comp ls dump.img --fs-type ""); do
	expect_exit 2 "pmemscan ls --fs-type $v (offered) is accepted" \
		"$PMEMSCAN" ls "$T/zero.img" --fs-type "$v" >/dev/null 2>&1
done
for v in $(comp dump.img --hash ""); do
	expect_exit 2 "pmemscan IMAGE --hash $v (offered) is accepted" \
		"$PMEMSCAN" "$T/zero.img" --hash "$v" >/dev/null 2>&1
done
expect_exit 3 "pmemscan IMAGE --hash bogus (not offered) is refused" \
	"$PMEMSCAN" "$T/zero.img" --hash bogus >/dev/null 2>&1
for v in $(comp extract dump.img --view ""); do
	expect_exit 2 "pmemscan ls --view $v (offered) is accepted" \
		"$PMEMSCAN" ls "$T/zero.img" --view "$v" >/dev/null 2>&1
done
expect_exit 3 "pmemscan ls --view bogus (not offered) is refused" \
	"$PMEMSCAN" ls "$T/zero.img" --view bogus >/dev/null 2>&1

# every option whose --help line gives it a value (--opt ARG) is one the
# completion knows takes a value: it completes that value (or offers
# nothing), and does not count the value as an operand
valued() { grep '^  *-' | awk "$TERMS_AWK_VALUED"; }
while read -r c; do
	"$PMEMSCAN" "$c" --help 2>&1 | valued | sort -u >"$T/$c.valued"
	unknown=
	for o in $(cat "$T/$c.valued"); do
		# (the function by its name as a word, which deps.sh does not take
		# for a command to install)
		bash -c '. "$1"; "$2" "$3" "" >/dev/null 2>&1' bash "$COMP" _pmemscan_value "$o" ||
			unknown="$unknown$o "
	done
	check "pmemscan $c: the completion knows the value of every option that takes one${unknown:+ (unknown: $unknown; add it to _pmemscan_value in bash-completion/pmemscan)}" \
		[ -z "$unknown" ]
done <"$T/commands"
check "options with a value found in the --help texts ($(cat "$T"/*.valued | sort -u | wc -l) distinct)" \
	[ "$(cat "$T"/*.valued | sort -u | wc -l)" -ge 15 ]

# ---- the option tables (pmemscan CMD --list-options, docs/cli.md) ----
# what each command's table lists is what the completion offers after --,
# each enum's values exactly, directories where it takes one
ntab=0
while read -r c; do
	"$PMEMSCAN" "$c" --list-options >"$T/$c.table" 2>&1
	{ awk -F '\t' 'NF == 6 && $6 == "listed" { print $1 }' "$T/$c.table"; echo --help; } |
		sort -u >"$T/$c.tlong"
	comp "$c" -- >"$T/$c.toffered"
	missing=$(comm -23 "$T/$c.tlong" "$T/$c.toffered" | tr '\n' ' ')
	check "pmemscan $c --<TAB> offers every option of its table${missing:+ (missing: $missing; add to _pmemscan_options in bash-completion/pmemscan)}" \
		[ -z "$missing" ]
	extra=$(comm -13 "$T/$c.tlong" "$T/$c.toffered" | tr '\n' ' ')
	check "pmemscan $c --<TAB> offers no option its table lacks${extra:+ (extra: $extra)}" \
		[ -z "$extra" ]
	awk -F '\t' 'NF == 6 && $6 == "listed" && ($4 == "enum" || $4 == "dir") { print $1 "\t" $4 "\t" $5 }' \
		"$T/$c.table" >"$T/$c.tvals"
	while IFS='	' read -r o cls vals; do
		ntab=$((ntab + 1))
		if [ "$cls" = dir ]; then
			answers "pmemscan $c $o <TAB>: directories only (its table: dir)" \
				"cache|sub dir" "$c" dump.img "$o" ""
		else
			answers "pmemscan $c $o <TAB>: the values of its table ($vals)" \
				"$vals" "$c" dump.img "$o" ""
		fi
	done <"$T/$c.tvals"
done <"$T/commands"
check "the option tables have enum and dir options ($ntab >= 15)" [ "$ntab" -ge 15 ]

# ---- file names ----
answers "pmemscan extract du<TAB>: the files" "dump.img dump.img.xz" extract du
answers "pmemscan my<TAB>: a name with a blank stays whole" "my image.E01|" my
answers "pmemscan extract IMG -o <TAB>: files and directories" \
	"cache|dump.img|dump.img.xz|my image.E01|nmem0.lsa|sub dir" extract dump.img -o ""
answers "--cache-dir <TAB>: directories only" "cache|sub dir" cat dump.img --cache-dir ""
answers "--labels n<TAB>: a file" "nmem0.lsa" dump.img --labels n
answers "--undo-file d<TAB>: a file" "dump.img dump.img.xz" repair dump.img --in-place --undo-file d
answers "pmemscan extract IMG <TAB>: no second IMAGE" "" extract dump.img ""
answers "pmemscan extract --namespace 1 du<TAB>: an option's value is no IMAGE" \
	"dump.img dump.img.xz" extract --namespace 1 du
answers "pmemscan ls --semantics = fixed du<TAB>: nor is a value after =" \
	"dump.img dump.img.xz" ls --semantics = fixed du
answers "pmemscan ls IMG <TAB>: a PATH inside the image, nothing to offer" "" ls dump.img ""
answers "pmemscan labels F1 n<TAB>: FILE..." "nmem0.lsa" labels nmem0.lsa n
answers "pmemscan undo U d<TAB>: IMAGE" "dump.img dump.img.xz" undo nmem0.lsa d
answers "pmemscan undo U I <TAB>: nothing more" "" undo nmem0.lsa dump.img ""
answers "pmemscan scan IMG --html d<TAB>: a file" "dump.img dump.img.xz" scan dump.img --html d
answers "pmemscan collect -o d<TAB>: a file" "dump.img dump.img.xz" collect -o d
answers "pmemscan collect --root <TAB>: directories only" "cache|sub dir" collect -o b.tar --root ""
answers "pmemscan collect --ndctl n<TAB>: a file" "nmem0.lsa" collect -o b.tar --ndctl n
answers "pmemscan collect --image d<TAB>: no file names (a namespace or a device)" "" \
	collect -o b.tar --image d
answers "pmemscan collect -o B <TAB>: no operand" "" collect -o b.tar ""

# ---- the bash-completion package loads it by the command's name ----
BC=/usr/share/bash-completion/bash_completion
if [ -f "$BC" ]; then
	mkdir -p "$T/share/bash-completion/completions"
	cp "$COMP" "$T/share/bash-completion/completions/pmemscan"
	# what readline does on the first TAB after "pmemscan": no spec for it
	# yet, so the default one (bash-completion's loader) runs and must
	# leave pmemscan's own spec behind
	XDG_DATA_DIRS=$T/share bash -c '. "$1" || exit 99
		complete -p pmemscan 2>/dev/null && exit 98
		spec=$(complete -p -D) || exit 97
		fn=${spec#*-F } fn=${fn%% *}
		"$fn" pmemscan "" pmemscan
		complete -p pmemscan' bash "$BC" >"$T/loaded" 2>&1
	check "bash-completion loads it on demand from DATADIR/bash-completion/completions" \
		grep -q -e '-F _pmemscan pmemscan$' "$T/loaded"
else
	not_ok "bash-completion is installed ($BC; scripts/install-deps)"
fi
done_testing
