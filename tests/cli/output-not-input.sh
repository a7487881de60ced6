#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# No output is ever the input (issue 21 item 3): --html, carve, extract (a
# directory or an archive), cat -o, btt-cat -o, repair -o and its undo
# file, and collect refuse an output that is the image, another name for it
# (a hard link, a symlink), a segment of its split or EWF set, or the cache
# a compressed dump is read through, --force or not: one line naming the
# output and the input, exit 3, the input byte-identical. Temporaries
# (OUT.partial) are created new, never through a symlink planted there.
. "$top_srcdir/tests/support/lib.sh"
for t in xz split cmp sha256sum; do
	command -v $t >/dev/null 2>&1 || skip_all "$t not installed"
done
sha() { sha256sum <"$1"; }
# the refusal is one line, the last on stderr (notices about the input,
# such as "split raw image: 3 segments", may come before it)
refusal_line() { [ "$(grep -c 'is the input' "$1")" -eq 1 ] && tail -1 "$1" | grep -q 'is the input'; }
EV=$T/ev.img
xz -dc "$top_srcdir/fixtures/legacy-fsdax-ext4.img.xz" >"$EV"
S0=$(sha "$EV")
cp "$EV" "$T/victim"
cp "$EV" "$T/pristine"
# put the evidence back if a case destroyed it, so that each case below is
# judged on its own (the image-identical check at the end still counts)
restore() { cmp -s "$EV" "$T/pristine" 2>/dev/null || { rm -f "$EV"; cp "$T/pristine" "$EV"; BAD=1; }; }
BAD=0
AUTO_RESTORE=1
V0=$(sha "$T/victim")

# refused DESC FILE... -- ARGS...: pmemscan ARGS exits 3 with the one line
# that says "is the input", and every FILE has the sha256 it had before.
# With REFUSAL=any, any refusal on stderr will do.
refused() {
	d=$1; shift
	files=
	while [ "$1" != -- ]; do files="$files $1"; shift; done
	shift
	before=
	for f in $files; do before="$before $(sha "$f" | cut -c1-64)"; done
	"$PMEMSCAN" "$@" >"$T/out" 2>"$T/err"; rc=$?
	after=
	for f in $files; do after="$after $(sha "$f" | cut -c1-64)"; done
	[ "$AUTO_RESTORE" = 1 ] && restore
	if [ $rc -eq 3 ] && { [ "${REFUSAL:-}" = any ] || refusal_line "$T/err"; } &&
	   [ -n "$before" ] && [ "$before" = "$after" ]; then
		ok "$d: exit 3, one line, the input unchanged"
	else
		not_ok "$d: exit $rc, stderr: $(head -c 300 "$T/err"), input $( [ "$before" = "$after" ] && echo unchanged || echo CHANGED)"
	fi
}

# --- the image itself, under its own name ---
refused "scan --html ev.img onto ev.img" "$EV" -- "$EV" --html "$EV"
check "the line names the output and says it is the input" \
	grep -q "^pmemscan: --html $EV: is the input $EV; refusing to write over it" "$T/err"
check "no report on stdout either" test ! -s "$T/out"
check "no ev.img.partial left" test ! -e "$EV.partial"
refused "carve ev.img -o ev.img --force" "$EV" -- carve "$EV" -o "$EV" --force
refused "carve ev.img -o ev.img (no --force): 'is the input', not 'exists'" "$EV" -- carve "$EV" -o "$EV"
cp "$EV" "$T/ev.tar"
refused "extract ev.tar -o ev.tar --force" "$T/ev.tar" -- extract "$T/ev.tar" -o "$T/ev.tar" --force
refused "extract ev.img -o ev.img --force (a directory output)" "$EV" -- extract "$EV" -o "$EV" --force
rm -f "$T/ev.tar"
restore

# --- the input under the temporary's name: never removed by --force ---
mv "$EV" "$EV.partial"
AUTO_RESTORE=0
refused "carve ev.img.partial -o ev.img --force" "$EV.partial" -- carve "$EV.partial" -o "$EV" --force
check "ev.img.partial (the input) still exists and ev.img was not made" \
	sh -c "[ -s '$EV.partial' ] && [ ! -e '$EV' ]"
cp "$EV.partial" "$T/x.tar"; mv "$T/x.tar" "$T/y.tar.partial"
refused "extract y.tar.partial -o y.tar --force" "$T/y.tar.partial" -- extract "$T/y.tar.partial" -o "$T/y.tar" --force
check "y.tar.partial (the input) still exists" test -s "$T/y.tar.partial"
rm -f "$T/y.tar.partial"
mv "$EV.partial" "$EV" 2>/dev/null
restore
AUTO_RESTORE=1

# --- other names for the input: a hard link, a symlink ---
ln "$EV" "$T/hard.img"
refused "carve -o a hard link to the input --force" "$EV" -- carve "$EV" -o "$T/hard.img" --force
check "the line says it is another name for the same file" grep -q "another name for the same file" "$T/err"
refused "scan --html a hard link to the input" "$EV" -- "$EV" --html "$T/hard.img"
check "the hard link still names the input" test "$(stat -c %i "$T/hard.img")" = "$(stat -c %i "$EV")"
rm -f "$T/hard.img"
ln -s "$EV" "$T/sym.img"
refused "carve -o a symlink to the input --force" "$EV" -- carve "$EV" -o "$T/sym.img" --force
check "the symlink is still a symlink to the input" test -L "$T/sym.img"
rm -f "$T/sym.img"
restore

# --- a temporary planted as a symlink: never followed ---
ln -s "$T/victim" "$T/r.html.partial"
"$PMEMSCAN" "$EV" --html "$T/r.html" >/dev/null 2>"$T/err"; rc=$?
check "--html with r.html.partial a symlink to a victim: non-zero exit, one line" \
	sh -c "[ $rc -ne 0 ] && [ \$(wc -l <'$T/err') -eq 1 ] && grep -q 'r.html.partial' '$T/err'"
check "the victim is unchanged" test "$(sha "$T/victim")" = "$V0"
check "no r.html made" test ! -e "$T/r.html"
rm -f "$T/r.html.partial"
ln -s "$T/victim" "$T/c.img.partial"
"$PMEMSCAN" carve "$EV" -o "$T/c.img" >/dev/null 2>"$T/err"; rc=$?
check "carve with c.img.partial a symlink to a victim: non-zero exit" test $rc -ne 0
check "the victim is unchanged" test "$(sha "$T/victim")" = "$V0"
rm -f "$T/c.img.partial"
ln -s "$T/victim" "$T/cat.img.partial"
"$PMEMSCAN" cat "$EV" -o "$T/cat.img" >/dev/null 2>"$T/err"; rc=$?
check "cat -o with cat.img.partial a symlink to a victim: non-zero exit, the victim unchanged" \
	sh -c "[ $rc -ne 0 ] && [ \"\$(sha256sum <'$T/victim')\" = '$V0' ]"
rm -f "$T/cat.img.partial"
"$PMEMSCAN" "$EV" --html "$T/fine.html" >/dev/null 2>&1
check "--html still writes its page when nothing is in the way" grep -q '</html>' "$T/fine.html"
restore

# --- a member of a split set ---
mkdir "$T/split0"
split -b 48M -d -a 3 --numeric-suffixes=1 "$EV" "$T/split0/dump."
check "split wrote dump.001 .. dump.003" test -f "$T/split0/dump.003"
# a fresh copy of the set for each case, so that each is judged alone
fresh() { rm -rf "$T/$1"; cp -a "$T/${1}0" "$T/$1"; }
fresh split
refused "carve dump.001 -o dump.002 --force" "$T/split/dump.001" "$T/split/dump.002" "$T/split/dump.003" -- \
	carve "$T/split/dump.001" -o "$T/split/dump.002" --force
check "the line names the segment" grep -q "is the input $T/split/dump.002" "$T/err"
fresh split
refused "scan dump.001 --html dump.003" "$T/split/dump.003" -- "$T/split/dump.001" --html "$T/split/dump.003"
fresh split
refused "extract dump.001 -o dump.002 --force" "$T/split/dump.002" -- extract "$T/split/dump.001" -o "$T/split/dump.002" --force

# --- a segment of an EWF set ---
if command -v ewfacquire >/dev/null 2>&1; then
	cp --sparse=never "$EV" "$T/raw.img"
	mkdir "$T/e0"
	ewfacquire -u -q -t "$T/e0/seg" -f encase6 -c none -S 48MiB "$T/raw.img" >"$T/acq" 2>&1
	rm -f "$T/raw.img"
	check "ewfacquire wrote seg.E01 .. seg.E03" test -f "$T/e0/seg.E03"
	fresh e
	refused "carve seg.E01 -o seg.E02 --force" "$T/e/seg.E01" "$T/e/seg.E02" "$T/e/seg.E03" -- \
		carve "$T/e/seg.E01" -o "$T/e/seg.E02" --force
	fresh e
	refused "scan seg.E01 --html seg.E03" "$T/e/seg.E03" -- "$T/e/seg.E01" --html "$T/e/seg.E03"
	fresh e
	refused "extract seg.E01 -o seg.E01 --force" "$T/e/seg.E01" -- extract "$T/e/seg.E01" -o "$T/e/seg.E01" --force
else
	skip "EWF segment as output" "ewfacquire not installed"
fi

# --- the cache a compressed dump is read through ---
xz -c "$EV" >"$T/ev.img.xz"
mkdir "$T/cache"
"$PMEMSCAN" --cache-dir "$T/cache" "$T/ev.img.xz" >/dev/null 2>&1
cf=$(ls "$T"/cache/pmemscan-cache-*.img 2>/dev/null | head -1)
if [ -n "$cf" ]; then
	refused "carve ev.img.xz -o CACHE --force (the kept cache)" "$cf" "$T/ev.img.xz" -- \
		carve --cache-dir "$T/cache" "$T/ev.img.xz" -o "$cf" --force
	refused "carve ev.img.xz -o ev.img.xz --force (the compressed file)" "$T/ev.img.xz" -- \
		carve --cache-dir "$T/cache" "$T/ev.img.xz" -o "$T/ev.img.xz" --force
else
	not_ok "scan kept no cache in $T/cache"
fi

# --- a saved iomem and a label-area dump read with the image ---
printf '%s\n' "00001000-5779ffffff : System RAM" "187c000000-967bffffff : Persistent Memory" \
	"  577c000000-57bbffffff : namespace1.0" >"$T/iomem"
refused "scan --iomem F --html F" "$T/iomem" -- "$EV" --iomem "$T/iomem" --phys-base 0x577c000000 --html "$T/iomem"
MKFX=$top_builddir/tests/support/mkfx-labels
if [ -x "$MKFX" ] && mkdir "$T/lsa" && "$MKFX" "$T/lsa" >/dev/null 2>&1 && [ -s "$T/lsa/v12.lsa" ]; then
	refused "scan --labels L --html L" "$T/lsa/v12.lsa" -- "$EV" --labels "$T/lsa/v12.lsa" --html "$T/lsa/v12.lsa"
else
	skip "a --labels dump as output" "tests/support/mkfx-labels not built"
fi

# --- repair -o, the undo file, cat -o ---
ln "$EV" "$T/rh.img"
# (repair refuses an existing -o or undo file before it opens the image)
REFUSAL=any
refused "repair -o a hard link to the image" "$EV" -- repair "$EV" -o "$T/rh.img" --assume-aligned
rm -f "$T/rh.img"
refused "repair --in-place --undo-file ev.img" "$EV" -- repair "$EV" --in-place --undo-file "$EV" --assume-aligned
REFUSAL=
refused "cat -o ev.img" "$EV" -- cat "$EV" -o "$EV"

restore
check "the image was never changed by any of it" test $BAD -eq 0
done_testing
