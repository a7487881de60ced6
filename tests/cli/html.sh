#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The HTML report (pmemscan IMAGE --html FILE) in a real browser: headless
# Chromium renders each page (a screenshot is kept next to this test's log,
# tests/cli/html-NAME.png) and dumps the DOM it built; tests/support/html-dom.py checks
# that every namespace, candidate, piece of evidence, verdict and next
# command of the JSON report of the same scan is in it. Chromium goes
# through a proxy that records every connection: the page must cause none
# (a page that loads an image is seen making one, so the recorder works).
# Chromium itself talks to Google's update, time and sign-in services
# whatever the page (even with every --disable flag for them); requests to
# those hosts are counted apart, and the page has no URL in it at all
# (tests/support/html-dom.py), so none of them can be the page's.
. "$top_srcdir/tests/support/lib.sh"
# make check-asan runs the suite again for pmemscan's memory errors; the
# page it writes is checked there by html-escape.sh, and the browser's
# rendering (20 s a page) was checked by make check already
[ -z "${PS_SKIP_BROWSER:-}" ] || skip_all "PS_SKIP_BROWSER set (make check-asan): the browser checks run in make check"
command -v chromium >/dev/null 2>&1 ||
	skip_all "chromium not installed (Debian package chromium, scripts/install-deps)"
for t in jq python3 xz timeout; do
	command -v $t >/dev/null 2>&1 || skip_all "$t not installed"
done
SHOTS=$top_builddir/tests/cli

# A proxy that accepts, records the request line and answers 502.
python3 - "$T/proxy.port" "$T/proxy.log" <<'EOF' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept()
    c.settimeout(5)
    try:
        line = c.recv(4096).split(b"\r\n")[0]
    except OSError:
        line = b"(nothing)"
    with open(sys.argv[2], "ab") as f:
        f.write(line + b"\n")
    try:
        c.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
    except OSError:
        pass
    c.close()
EOF
PROXY=$!
trap 'kill $PROXY 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 50); do [ -s "$T/proxy.port" ] && break; sleep 0.2; done
PORT=$(cat "$T/proxy.port" 2>/dev/null)
check "the recording proxy listens (port $PORT)" test -n "$PORT"
: >"$T/proxy.log"

# requests_since N: the proxy's requests after its first N, but Chromium's own
# (to Google's services, which it contacts whatever it shows)
BROWSER_OWN=' (http://)?[a-z0-9.-]*\.(google\.com|googleapis\.com|gstatic\.com|gvt1\.com)(:[0-9]+)?[/ ]'
requests_since() { tail -n +$(($1 + 1)) "$T/proxy.log" | grep -E -v "$BROWSER_OWN"; }
no_requests_since() { ! requests_since "$1" >&2; }
some_requests_since() { requests_since "$1" | grep -q .; }
# browse PAGE PNG DOM: render PAGE headless, screenshot and DOM; every
# connection (loopback too) goes to the recording proxy
browse() {
	DBUS_SESSION_BUS_ADDRESS=disabled: timeout 180 chromium --headless --disable-gpu \
		--no-sandbox --user-data-dir="$T/profile" --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-default-apps --no-pings --disable-domain-reliability \
		--proxy-server="http://127.0.0.1:$PORT" --proxy-bypass-list='<-loopback>' \
		--window-size=1400,1800 --screenshot="$2" --dump-dom "file://$1" \
		>"$3" 2>>"$T/chromium.err"
}

# zoomed DOM KIND...: zoomed insets (svg#zoom-ns-*) draw a region of each KIND
zoomed() {
	python3 -c 'import re, sys
d = open(sys.argv[1]).read()
z = re.findall(r"<svg[^>]*id=\"zoom-ns-[^>]*>.*?</svg>", d, re.S)
sys.exit(0 if z and all(any("data-kind=\"%s\"" % k in x for x in z) for k in sys.argv[2:]) else 1)' "$@"
}
not_zoomed() { ! zoomed "$@"; }

# page NAME IMAGE [NS]: scan IMAGE to JSON and HTML, render it, check the
# DOM; IMAGE holds NS namespaces (default 1, by how it was made)
page() {
	name=$1 img=$2 want_ns=${3:-1}
	"$PMEMSCAN" --json --hash none "$img" >"$T/$name.json" 2>/dev/null
	jrc=$?
	"$PMEMSCAN" --hash none "$img" --html "$T/$name.html" >"$T/$name.txt" 2>/dev/null
	hrc=$?
	check "$name: --html exits as the JSON report says ($hrc = $(jq .exit_code "$T/$name.json"))" \
		test "$hrc" -eq "$jrc" -a "$hrc" -eq "$(jq .exit_code "$T/$name.json")"
	rm -f "$SHOTS/html-$name.png"
	before=$(wc -l <"$T/proxy.log")
	browse "$T/$name.html" "$SHOTS/html-$name.png" "$T/$name.dom"
	brc=$?
	check "$name: chromium renders the page (exit $brc)" test $brc -eq 0 -a -s "$T/$name.dom"
	check "$name: a screenshot is kept, tests/cli/html-$name.png ($(wc -c <"$SHOTS/html-$name.png" 2>/dev/null) bytes)" \
		sh -c "[ \$(wc -c <'$SHOTS/html-$name.png') -gt 20000 ] && head -c 8 '$SHOTS/html-$name.png' | od -An -c | grep -q 'P   N   G'"
	all=$(($(wc -l <"$T/proxy.log") - before)) mine=$(requests_since "$before" | wc -l)
	check "$name: the page made no network request (the recording proxy saw $mine, and $((all - mine)) of Chromium's own)" \
		no_requests_since "$before"
	python3 "$top_srcdir/tests/support/html-dom.py" "$T/$name.json" "$T/$name.dom" >"$T/$name.checks"
	n=$(grep -c '^PASS' "$T/$name.checks")
	same_value "$name: the JSON report has the image's $want_ns namespace(s)" "$(jq '.namespaces | length' "$T/$name.json")" "$want_ns"
	check "$name: the DOM holds every namespace, candidate, verdict and next command of the JSON report ($n checks)" \
		sh -c "[ $n -gt 10 ] && ! grep '^FAIL' '$T/$name.checks' >&2"
	grep '^FAIL' "$T/$name.checks" | head -5 | sed 's/^/# /'
	same_value "$name: every namespace ($want_ns) is in the text report's map lines" \
		"$(grep -c '^  map: \[' "$T/$name.txt")" "$want_ns"
}

# proven legacy (start_pad 64 MiB), ambiguous, two namespaces of a region
xz -dc "$top_srcdir/fixtures/legacy-fsdax-ext4.img.xz" >"$T/legacy.img"
page legacy "$T/legacy.img"
img=$(fixture both-ext4) && page ambiguous "$img"
img=$(fixture region-two-ns) && page two-ns "$img" 2
# a legacy start_pad namespace whose files have two contents: the split
# check's table and its map of L and F (tests/support/mkdax-split.sh)
. "$top_srcdir/tests/support/mkdax-split.sh"
mkdir -p "$T/split"
if mk_dax_split "$T/split"; then
	page split "$T/split/ns.img"
	check "split: the DOM checks covered the split check's files and its L/F map" \
		sh -c "grep -q '^PASS namespace 0: /m.bin is listed as mmap' '$T/split.checks' &&
			grep -q '^PASS namespace 0: the map draws the mmap/mixed files at L and at F' '$T/split.checks'"
else
	skip "split page" "$(cat "$T/split/why")"
fi
# a sector namespace: its BTT arena's map, flog and info blocks zoomed
if [ -x "$top_builddir/tests/support/mkfx-btt" ]; then
	"$top_builddir/tests/support/mkfx-btt" -o "$T/btt.img" -s 64M -S 5 >/dev/null
	page btt "$T/btt.img"
	check "btt: a zoomed inset draws the BTT info block, map and flog" \
		zoomed "$T/btt.dom" btt_info btt_map btt_log
else
	skip "btt page" "tests/support/mkfx-btt not built"
fi
# names from the image and a path that are markup stay text in the DOM
if [ -x "$top_builddir/tests/support/mkfx-labels" ] && command -v "${MKE2FS:=mke2fs}" >/dev/null 2>&1; then
	sh "$top_srcdir/tests/support/mkhostile-html.sh" "$top_builddir/tests/support/mkfx-labels" \
		"$T/h<img src=x onerror=alert(1)>'\"&amp;.img" >"$T/names"
	page hostile "$T/h<img src=x onerror=alert(1)>'\"&amp;.img"
	check "hostile: the browser built no script, svg-onload or img element from the names" \
		sh -c "! grep -i -q -e '<script' -e '<svg onload' -e '<img' '$T/hostile.dom'"
else
	skip "hostile page" "tests/support/mkfx-labels or mke2fs missing"
fi
check "legacy: zoomed insets draw the info block (4 KiB) and the memmap" \
	zoomed "$T/legacy.dom" info memmap
check "legacy: ... and a page without insets would fail that check" \
	not_zoomed "$T/legacy.dom" btt_map

# the recorder sees a page that does load something: the same report
# without its Content-Security-Policy and with an image from the network
sed -e 's/<meta http-equiv="Content-Security-Policy"[^>]*>//' \
	-e 's|<body |<body><img src="http://pmemscan-html-test.invalid/x.png"><div |' \
	"$T/legacy.html" >"$T/leaky.html"
before=$(wc -l <"$T/proxy.log")
browse "$T/leaky.html" "$T/leaky.png" "$T/leaky.dom"
check "control: a page with a network image is seen by the recording proxy" \
	sh -c "tail -n +$((before + 1)) '$T/proxy.log' | grep -q 'pmemscan-html-test.invalid'"
check "control: ... and that request is not taken for one of Chromium's own" \
	some_requests_since "$before"
# ... and the report's CSP alone stops that load
sed -e 's|<body |<body><img src="http://pmemscan-html-test.invalid/y.png"><div |' \
	"$T/legacy.html" >"$T/csp.html"
before=$(wc -l <"$T/proxy.log")
browse "$T/csp.html" "$T/csp.png" "$T/csp.dom"
check "control: with the report's CSP the same image is not fetched" \
	sh -c "! tail -n +$((before + 1)) '$T/proxy.log' | grep -q 'pmemscan-html-test.invalid'"
kill $PROXY 2>/dev/null
done_testing
