#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The HTML report escapes what comes from the image and the user: a
# namespace label named <script>..., an ext4 volume label <svg onload=x>'"
# and an image path holding <img src=x onerror=...> and quotes come out as
# text, never as markup, and read back (HTML-parsed) exactly as stored.
# No browser needed (tests/html.sh renders the same page in Chromium).
. "$top_srcdir/tests/support/lib.sh"
for t in python3 jq; do command -v $t >/dev/null 2>&1 || skip_all "$t not installed"; done
MKFX=$top_builddir/tests/support/mkfx-labels
[ -x "$MKFX" ] || skip_all "tests/support/mkfx-labels not built"
command -v "${MKE2FS:=mke2fs}" >/dev/null 2>&1 || skip_all "mke2fs not installed"
IMG="$T/a<img src=x onerror=alert(1)>'\"&amp;.img"
sh "$top_srcdir/tests/support/mkhostile-html.sh" "$MKFX" "$IMG" >"$T/names"
NAME=$(sed -n 1p "$T/names")
FSLABEL=$(sed -n 2p "$T/names")
"$PMEMSCAN" --json --hash none "$IMG" >"$T/r.json" 2>/dev/null
same_value "the image carries the hostile label name (JSON)" \
	"$(jq -r '.labels.namespaces[0].name' "$T/r.json")" "$NAME"
same_value "... and the hostile ext4 volume label (JSON)" \
	"$(jq -r '.namespaces[0].candidates[0].probe.label' "$T/r.json")" "$FSLABEL"
"$PMEMSCAN" --hash none "$IMG" --html "$T/r.html" >/dev/null 2>&1
check "--html wrote the page" test -s "$T/r.html"
# markup_from FILE: the tags the names and the path would inject
markup_from() { grep -i -o -e '<script' -e '<svg onload' -e '<img' "$1"; }
check "no <script, <svg onload or <img tag comes out of the names or the path" \
	sh -c "! grep -i -q -e '<script' -e '<svg onload' -e '<img' '$T/r.html'"
check "the names are there, escaped (&lt;script&gt;, &lt;svg onload=x&gt;&#39;&quot;, &amp;amp;)" \
	sh -c "grep -q '&lt;script&gt;alert(&quot;ns&quot;)&lt;/script&gt;&#39;&amp;amp;&quot;x' '$T/r.html' &&
		grep -q '&lt;svg onload=x&gt;&#39;&quot;' '$T/r.html'"
# the same page with the escaping undone is caught by the check above
sed -e 's/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g' "$T/r.html" >"$T/unescaped.html"
check "control: that check finds the markup in a page without escaping" markup_from "$T/unescaped.html"
# parsed as HTML, the page reads back the exact names and path; every
# namespace, candidate and command of the JSON is in it
python3 "$top_srcdir/tests/support/html-dom.py" "$T/r.json" "$T/r.html" >"$T/checks"
check "parsed, the page holds the JSON's names, path, namespaces, candidates and commands ($(grep -c '^PASS' "$T/checks") checks)" \
	sh -c "! grep '^FAIL' '$T/checks' >&2 && grep -q '^PASS label .* as stored' '$T/checks' && grep -q 'its filesystem label as stored' '$T/checks'"
grep '^FAIL' "$T/checks" | head -5 | sed 's/^/# /'
# the checker fails a page that lacks something: a candidate moved
sed 's/data-cand="data" data-semantics="auto" data-offset="2097152"/data-cand="data" data-semantics="auto" data-offset="4096"/' \
	"$T/r.html" >"$T/moved.html"
python3 "$top_srcdir/tests/support/html-dom.py" "$T/r.json" "$T/moved.html" >"$T/checks2"
check "control: the DOM checker fails a page whose candidate offset is wrong" \
	sh -c "cmp -s '$T/r.html' '$T/moved.html' && exit 1; grep -q '^FAIL namespace 0: candidate data at 2097152' '$T/checks2'"
# the commands next to the map are quoted for the shell exactly as the
# text report's
"$PMEMSCAN" --hash none "$IMG" 2>/dev/null | sed -n 's/^  > next: //p' >"$T/text-cmds"
python3 -c 'import html, re, sys
d = open(sys.argv[1]).read()
for m in re.findall(r"<pre class=\"cmd\"[^>]*>(.*?)</pre>", d, re.S):
    print(html.unescape(m))' "$T/r.html" >"$T/html-cmds"
same_output "the page's next commands are the text report's, shell-quoted" "$T/text-cmds" "$T/html-cmds"
check "... with the hostile path in single quotes" grep -q "^pmemscan extract '$T/a<img src=x onerror=alert(1)>'\\\\''\"&amp;.img' --namespace 0" "$T/html-cmds"
# the split check (issue 16) on the page: a legacy start_pad namespace with
# an mmap-written and a mixed file (tests/support/mkdax-split.sh), under a
# path that is markup too
. "$top_srcdir/tests/support/mkdax-split.sh"
mkdir -p "$T/split"
if mk_dax_split "$T/split"; then
	SIMG="$T/split/s<b>'x.img"
	mv "$T/split/ns.img" "$SIMG"
	"$PMEMSCAN" --json --hash none "$SIMG" >"$T/s.json" 2>/dev/null
	"$PMEMSCAN" --hash none "$SIMG" --html "$T/s.html" >/dev/null 2>&1
	python3 "$top_srcdir/tests/support/html-dom.py" "$T/s.json" "$T/s.html" >"$T/s.checks"
	check "split: the page holds the split check's counts, files, victims, DAX note, commands and L/F map ($(grep -c '^PASS' "$T/s.checks") checks)" \
		sh -c "! grep '^FAIL' '$T/s.checks' >&2 && grep -q '^PASS namespace 0: /m.bin is listed as mmap' '$T/s.checks' &&
			grep -q '^PASS namespace 0: /x.bin is listed as mixed' '$T/s.checks' &&
			grep -q '^PASS namespace 0: the map draws the mmap/mixed files at L and at F' '$T/s.checks' &&
			grep -q '^PASS the split-check section says present' '$T/s.checks'"
	grep '^FAIL' "$T/s.checks" | head -5 | sed 's/^/# /'
	# controls: a page without m.bin's row, and one whose F extents are
	# drawn at L, fail the checker
	grep -v 'data-split-path="/m.bin"' "$T/s.html" >"$T/s-norow.html"
	python3 "$top_srcdir/tests/support/html-dom.py" "$T/s.json" "$T/s-norow.html" >"$T/s.checks2"
	check "split control: the checker fails a page without m.bin's row" \
		grep -q '^FAIL namespace 0: /m.bin is listed as mmap' "$T/s.checks2"
	sed 's/class="s-f"/class="s-x"/' "$T/s.html" >"$T/s-nof.html"
	python3 "$top_srcdir/tests/support/html-dom.py" "$T/s.json" "$T/s-nof.html" >"$T/s.checks3"
	check "split control: ... and a page without the F extents" \
		grep -q '^FAIL namespace 0: the map draws the mmap/mixed files at L and at F' "$T/s.checks3"
	check "split: the image path in the split commands is escaped, never markup (the quoting is checked above)" \
		sh -c 'grep -q "split-cmd\">pmemscan extract &#39;.*s&lt;b&gt;&#39;" "$1" && ! grep -qF "<b>'"'"'x" "$1"' sh "$T/s.html"
	# before the stores moved: every file write(), no map, the default view read
	"$PMEMSCAN" --json --hash none "$T/split/clean.img" >"$T/c.json" 2>/dev/null
	"$PMEMSCAN" --hash none "$T/split/clean.img" --html "$T/c.html" >/dev/null 2>&1
	python3 "$top_srcdir/tests/support/html-dom.py" "$T/c.json" "$T/c.html" >"$T/c.checks"
	check "split, before the moves: 3 write files listed, no L/F map ($(grep -c '^PASS' "$T/c.checks") checks)" \
		sh -c "! grep '^FAIL' '$T/c.checks' >&2 && grep -q '^PASS namespace 0: no L/F map' '$T/c.checks' &&
			[ \$(grep -c '^PASS namespace 0: /.*is listed as write' '$T/c.checks') -eq 3 ]"
else
	skip "split page" "$(cat "$T/split/why")"
fi
# a page with no legacy start_pad namespace says there is nothing to check
check "the page without a start_pad namespace says the split check has nothing to do" \
	grep -q 'data-split-check="none"' "$T/r.html"
# a page that cannot be written: one line naming it, exit 3, no report
"$PMEMSCAN" --hash none "$IMG" --html "$T/no/such/dir/r.html" >"$T/out" 2>"$T/err"; rc=$?
check "an unwritable --html path: exit 3, one line naming it, nothing on stdout (exit $rc)" \
	sh -c "[ $rc -eq 3 ] && [ \$(wc -l <'$T/err') -eq 1 ] && grep -q '^pmemscan: --html $T/no/such/dir/r.html: cannot create' '$T/err' && [ ! -s '$T/out' ]"
done_testing
