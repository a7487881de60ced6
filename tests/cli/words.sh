#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Words belong in cmd/ (the house rule; src/err.h): no string literal in
# src/ names one of pmemscan's options (every --NAME its man pages explain)
# or one of its commands ("pmemscan CMD", every man/pmemscan-CMD.1.scd).
# The library returns a code or a kind with its data and the CLI says it
# (cmd/repair_render.c for repair's refusals and notes). Comments may cite
# options: they are removed before the literals are read. "pmemscan undo
# file" names the file format (docs/repair.md), not the command.
. "$top_srcdir/tests/support/lib.sh"
command -v "${CC:-cc}" >/dev/null 2>&1 || skip_all "no C compiler to strip comments"

sed -n 's/^\*\(--[a-z0-9][a-z0-9-]*\).*/\1/p' "$top_srcdir"/man/*.1.scd | sort -u >"$T/opts"
ls "$top_srcdir"/man/pmemscan-*.1.scd | sed 's|.*/pmemscan-\(.*\)\.1\.scd$|\1|' >"$T/cmds"
check "the man pages name options ($(wc -l <"$T/opts")) and commands ($(wc -l <"$T/cmds"))" \
	[ "$(wc -l <"$T/opts")" -ge 20 -a "$(wc -l <"$T/cmds")" -ge 10 ]

# the string literals of every src/ file, comments gone: FILE<TAB>LITERAL
: >"$T/lits"
nfiles=0
for f in $(cd "$top_srcdir" && find src -name '*.[ch]' | sort); do
	nfiles=$((nfiles + 1))
	"${CC:-cc}" -fpreprocessed -dD -E -P -x c "$top_srcdir/$f" 2>/dev/null |
		grep -o '"\([^"\\]\|\\.\)*"' | sed "s|^|$f	|" >>"$T/lits"
done
check "string literals read from $nfiles src/ files" [ "$(wc -l <"$T/lits")" -ge 1000 ]

# a hit: FILE<TAB>WORD, once per file and word
: >"$T/hits"
while read -r o; do
	grep -e "$o\\([^a-z0-9-]\\|\$\\)" "$T/lits" | cut -f1 | sed "s|\$|	$o|" >>"$T/hits"
done <"$T/opts"
while read -r c; do
	grep -e "pmemscan $c\\([^a-z0-9-]\\|\$\\)" "$T/lits" | grep -v "pmemscan undo file" | cut -f1 |
		sed "s|\$|	pmemscan $c|" >>"$T/hits"
done <"$T/cmds"
sort -u "$T/hits" -o "$T/hits"

# Not moved yet, each as FILE<TAB>WORD with what it waits for (a file
# and word leaves this list when its words move; a stale entry fails too,
# so the list only shrinks). Empty: every word has moved to cmd/.
cat >"$T/pending" <<'PENDING'
PENDING
sed -i '/^$/d' "$T/pending"
sort -u "$T/pending" -o "$T/pending"
comm -23 "$T/hits" "$T/pending" >"$T/new"
comm -13 "$T/hits" "$T/pending" >"$T/stale"
if [ -s "$T/new" ]; then
	sed 's/^/# option or command word in src: /' "$T/new" >&8
	not_ok "no option or command word in a src/ string literal ($(wc -l <"$T/new") found; move the words to cmd/)"
else
	ok "no option or command word in a src/ string literal but the $(wc -l <"$T/pending") pending"
fi
if [ -s "$T/stale" ]; then
	sed 's/^/# no longer in src, drop it from the pending list: /' "$T/stale" >&8
	not_ok "every pending entry is still there ($(wc -l <"$T/stale") gone)"
else
	ok "every pending entry is still there"
fi

# the words that moved still reach the user: an ndctl list with no range
printf '[{"dev":"namespace0.0","size":4096}]\n' >"$T/ndctl.json"
: >"$T/zero.img"
truncate -s 1M "$T/zero.img"
expect_exit 3 "scan --ndctl-json with no range: exit 3" "$PMEMSCAN" scan --ndctl-json "$T/ndctl.json" "$T/zero.img" 2>"$T/e"
check "its line says how to save one, or to pass --phys-base" grep -qxF \
	"pmemscan: $T/ndctl.json: no object with \"resource\" and \"size\" (save it with 'ndctl list -R -N -v', or pass --phys-base)" "$T/e"

# ... and so do the words src/ left to cmd/ (the library gives a code or a
# kind, the CLI the sentence): the option that settles a refused data view,
for n in raw-ext4 both-ext4 current-f8-fsdax-ext4; do
	fixture "$n" >/dev/null || { not_ok "fixture $n generated"; done_testing; exit; }
done
raw=$(fixture raw-ext4) both=$(fixture both-ext4) cur=$(fixture current-f8-fsdax-ext4)
expect_exit 1 "ls of an ambiguous namespace: exit 1" "$PMEMSCAN" ls "$both" / 2>"$T/e"
check "... its line ends with the choice of --semantics" sh -c \
	'grep -q "^pmemscan: $2: namespace 0 is ambiguous (a filesystem at both data starts).*; choose with --semantics legacy or --semantics fixed\$" "$1"' \
	sh "$T/e" "$both"
cp --sparse=always "$cur" "$T/nofs.img"
doff=$("$PMEMSCAN" --json "$T/nofs.img" | jq '.namespaces[0].candidates[0].offset')
check "the fixture's one data start is known ($doff)" [ "${doff:-0}" -gt 0 ]
dd if=/dev/zero of="$T/nofs.img" bs=1024 seek=$((doff / 1024 + 1)) count=2 conv=notrunc status=none
expect_exit 1 "ls of a namespace whose one data start holds no filesystem: exit 1" "$PMEMSCAN" ls "$T/nofs.img" / 2>"$T/e"
check "... its line names the data start and says to give --offset" grep -qxF \
	"pmemscan: $T/nofs.img: namespace 0: no filesystem at its data start 0x$(printf %x "$doff") (no-filesystem); give --offset to read elsewhere" "$T/e"
# the two outputs --force replaces (the output, its stale .partial),
: >"$T/out.img"
expect_exit 3 "carve onto an existing file: exit 3" "$PMEMSCAN" carve "$raw" -o "$T/out.img" 2>"$T/e"
check "... the line says --force overwrites it" grep -qxF \
	"pmemscan: $T/out.img: exists (use --force to overwrite it)" "$T/e"
: >"$T/new.img.partial"
expect_exit 3 "carve with a stale OUT.partial: exit 3" "$PMEMSCAN" carve "$raw" -o "$T/new.img" 2>"$T/e"
check "... the line ends with 'or use --force'" sh -c \
	'grep -q "^pmemscan: $2: cannot create $2.partial: .* or use --force\$" "$1"' sh "$T/e" "$T/new.img"
: >"$T/out.tar"
expect_exit 3 "extract onto an existing archive: exit 3" "$PMEMSCAN" extract -q "$raw" -o "$T/out.tar" 2>"$T/e"
check "... the line says --force replaces it" grep -qxF \
	"pmemscan: $T/out.tar: exists (use --force to replace it)" "$T/e"
: >"$T/new.tar.partial"
expect_exit 3 "extract with a stale OUT.partial: exit 3" "$PMEMSCAN" extract -q "$raw" -o "$T/new.tar" 2>"$T/e"
check "... the line ends with 'or use --force'" sh -c \
	'grep -q "^pmemscan: $2: cannot create $2.partial: .* or use --force\$" "$1"' sh "$T/e" "$T/new.tar"
mkdir -p "$T/full" && : >"$T/full/x"
expect_exit 3 "extract into a directory that is not empty: exit 3" "$PMEMSCAN" extract -q "$raw" -o "$T/full" 2>"$T/e"
check "... the line says what --force does there" grep -qxF \
	"pmemscan: $T/full: output directory exists and is not empty (--force extracts into it: directories there are entered, nothing there is overwritten, followed or removed)" "$T/e"
# and the decoded copy's notice, which names --cache.
head -c 1048576 /dev/zero >"$T/z.img" && xz -0 "$T/z.img"
mkdir -p "$T/tmp"
TMPDIR=$T/tmp "$PMEMSCAN" "$T/z.img.xz" >/dev/null 2>"$T/e"
check "a compressed dump's notice names the temporary directory and --cache" grep -qxF \
	"pmemscan: decoding $T/z.img.xz (xz) into a temporary sparse file in $T/tmp, deleted at exit (--cache keeps it for the next command)" "$T/e"
done_testing
