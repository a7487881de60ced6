#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The smaller things of issue 26 item 15, each as a user meets it: a
# warning line does not land on the progress bar; `pmemscan help extract`;
# digest of an .xz checks with sha256sum -c; GNU tar reads the xattrs of
# an extracted tar without a warning; "only 131.9 MiB (99%)" of 132 MiB says
# what is missing; out of room in TMPDIR names TMPDIR, --cache-dir and the
# size; scripts/install-deps --build-only; the HTML page keeps its layout
# with a 255-byte file name.
. "$top_srcdir/tests/support/lib.sh"
[ -n "${MKE2FS:-}" ] && [ -n "${DEBUGFS:-}" ] || skip_all "e2fsprogs not installed"
for t in xz tar getfattr setfattr sha256sum python3; do
	command -v $t >/dev/null || skip_all "$t not installed"
done
P=$PMEMSCAN
mounts=
cleanup() { for m in $mounts; do umount "$m" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT

# ---- a warning line erases the progress bar first ----
mkdir -p "$T/src"
for i in 1 2 3 4 5 6; do
	head -c 1048576 /dev/urandom >"$T/src/f$i"
	mkfifo "$T/src/p$i"
done
$MKE2FS -q -F -t ext4 -b 4096 -d "$T/src" "$T/fs.img" 32M >/dev/null 2>&1 || skip_all "mke2fs -d failed"
# the fifos go into no zip: one "not extracted" line each, among the files,
# while the bar (drawn at once with PMEMSCAN_PROGRESS_AFTER=0) is on screen
PMEMSCAN_PROGRESS_AFTER=0 python3 "$top_srcdir/tests/support/pty-run.py" 120 \
	"$P" extract "$T/fs.img" --offset 0 -o "$T/p.zip" >"$T/tty" 2>/dev/null
python3 - "$T/tty" >"$T/tty.check" <<'EOF'
import sys
out = open(sys.argv[1], "rb").read()
lines = bars = bad = 0
key = b"pmemscan: extract: p"
i = out.find(key)
while i >= 0:
    lines += 1
    before = out[max(0, i - 4):i]
    # erased: the bar's "\r", "clear to the end of line" just before; or a
    # fresh line. Anything else: the line starts on the bar's text
    if not (before.endswith(b"\r\x1b[K") or before.endswith(b"\n") or i == 0):
        bad += 1
    i = out.find(key, i + 1)
bars = out.count(b"extract: ") - lines
print(lines, bad, "bar" if b" of " in out and b"%)" in out else "nobar")
EOF
read nl nbad bar <"$T/tty.check"
check "extract on a terminal: a bar was drawn and the 6 fifos' lines were written ($nl, $bar)" \
	test "$nl" = 6 -a "$bar" = bar
same_value "... every such line starts on an erased line, not after the bar's text" "$nbad" 0

# ---- pmemscan help COMMAND ----
"$P" help extract >"$T/h1" 2>&1; rc1=$?
"$P" extract --help >"$T/h2" 2>&1
check "pmemscan help extract: exit 0, extract's own help (as extract --help)" \
	sh -c '[ "$1" = 0 ] && grep -q "^usage: pmemscan extract IMAGE" "$2"' sh "$rc1" "$T/h1"
same_output "... the same text as 'pmemscan extract --help'" "$T/h1" "$T/h2"
rc=0
"$P" help extrct >/dev/null 2>"$T/h3" || rc=$?
check "pmemscan help extrct: exit 3, one line naming the closest command" \
	sh -c '[ "$1" = 3 ] && [ "$(wc -l <"$2")" = 1 ] && grep -q "closest is .extract." "$2"' sh "$rc" "$T/h3"

# ---- digest of an .xz: sha256sum -c checks what was hashed ----
mkdir "$T/dg"
cp "$T/fs.img" "$T/dg/dump.img"
xz -T1 -1 "$T/dg/dump.img"
(cd "$T/dg" && "$P" digest dump.img.xz >sums 2>digest.err)
(cd "$T/dg" && xz -dk dump.img.xz)
rc=0
(cd "$T/dg" && sha256sum -c sums) >"$T/dg.out" 2>&1 || rc=$?
check "digest dump.img.xz, then xz -dk: sha256sum -c of its line passes (it names dump.img)" \
	sh -c '[ "$1" = 0 ] && grep -q "^dump.img: OK$" "$2"' sh "$rc" "$T/dg.out"
check "... a notice on stderr says the hash is of the decoded content, not of the file" \
	grep -q "decoded (xz), not of the file itself" "$T/dg/digest.err"
same_value "... and stdout is the one sha256sum line" "$(wc -l <"$T/dg/sums")" 1
check "a plain image's line still names the image itself" \
	sh -c '"$1" digest "$2" 2>/dev/null | grep -q "  $2\$"' sh "$P" "$T/fs.img"

# ---- tar: xattrs GNU tar reads (SCHILY.xattr), no warning ----
mkdir "$T/xs"
echo a >"$T/xs/f"
if setfattr -n user.color -v blue "$T/xs/f" 2>/dev/null &&
	setfattr -n user.bin -v 0x00ff00410a "$T/xs/f" 2>/dev/null; then
	$MKE2FS -q -F -t ext4 -d "$T/xs" "$T/x.img" 8M >/dev/null 2>&1
	"$P" extract "$T/x.img" --offset 0 -o "$T/x.tar" -q 2>/dev/null
	mkdir "$T/gx"
	rc=0
	tar --xattrs --xattrs-include='*' -xpf "$T/x.tar" -C "$T/gx" 2>"$T/tar.err" || rc=$?
	check "GNU tar extracts the tar: exit 0, no warning (no LIBARCHIVE.xattr keyword)" \
		sh -c '[ "$1" = 0 ] && [ ! -s "$2" ]' sh "$rc" "$T/tar.err"
	getfattr -d -m - -e hex "$T/gx/f" 2>/dev/null | grep "^user" >"$T/x.got"
	getfattr -d -m - -e hex "$T/xs/f" 2>/dev/null | grep "^user" >"$T/x.want"
	same_output "... with every xattr, a binary value with NUL bytes included" "$T/x.want" "$T/x.got"
else
	skip "tar xattrs read by GNU tar" "user xattrs not supported in $T"
fi

# ---- "only 135164 KiB (99%)" of 132 MiB ----
xz -dc "$top_srcdir/fixtures/legacy-fsdax-ext4.img.xz" >"$T/fx.img"
sz=$(stat -c %s "$T/fx.img")
head -c $((sz - 4096)) "$T/fx.img" >"$T/cut4k.img"
"$P" "$T/cut4k.img" >"$T/cut.txt" 2>/dev/null
check "an image 4 KiB short of its namespace: the namespace line says 'all but 4 KiB', not 99%" \
	grep -q "132 MiB (size from info block), only 135164 KiB (all but 4 KiB) in the image" "$T/cut.txt"
check "... no '(99%)' anywhere" sh -c '! grep -q "(99%" "$1" && grep -q "all but 4 KiB" "$1"' sh "$T/cut.txt"

# ---- out of room in TMPDIR ----
if [ "$(id -u)" -eq 0 ] && mkdir "$T/small" && mount -t tmpfs -o size=1m tmpfs "$T/small" 2>/dev/null; then
	mounts="$T/small"
	head -c 4194304 /dev/urandom >"$T/r.img"
	xz -T1 -0 "$T/r.img"
	rc=0
	TMPDIR=$T/small "$P" "$T/r.img.xz" >/dev/null 2>"$T/room.err" || rc=$?
	same_value "a dump decoded into a full TMPDIR: exit 3" "$rc" 3
	check "... the line names TMPDIR and its directory, --cache-dir, and the bytes needed (4194304)" \
		sh -c 'grep "No space left on device" "$1" | grep -q "needs up to 4194304 bytes (4.0 MiB; .*) in $2 (TMPDIR): .*set TMPDIR or give --cache-dir DIR"' \
		sh "$T/room.err" "$T/small"
	rc=0
	"$P" "$T/r.img.xz" --cache-dir "$T/small" >/dev/null 2>"$T/room2.err" || rc=$?
	check "... with --cache-dir there, the line names --cache-dir as where it went" \
		sh -c '[ "$2" = 3 ] && grep -q "in $3 (--cache-dir)" "$1"' sh "$T/room2.err" "$rc" "$T/small"
else
	skip "out of room in TMPDIR" "needs root for a small tmpfs"
fi

# ---- scripts/install-deps --build-only ----
mkdir "$T/bin"
cat >"$T/bin/apt-get" <<EOF
#!/bin/sh
echo "\$*" >>"$T/apt.log"
EOF
chmod +x "$T/bin/apt-get"
ln -s "$T/bin/apt-get" "$T/bin/sudo"	# (not used as root: SUDO is empty)
# the packages it asks apt-get for (one a line)
pkgs() { grep '^install' "$T/apt.log" | tr ' ' '\n' | grep -v -e '^-' -e '^install$' -e '^$' | sort -u; }
: >"$T/apt.log"
rc=0
PATH=$T/bin:$PATH sh "$top_srcdir/scripts/install-deps" --build-only >/dev/null 2>&1 || rc=$?
pkgs >"$T/build.pkgs"
: >"$T/apt.log"
PATH=$T/bin:$PATH sh "$top_srcdir/scripts/install-deps" >/dev/null 2>&1
pkgs >"$T/all.pkgs"
check "install-deps --build-only: exit 0, the compiler and libraries (build-essential, libext2fs-dev, libarchive-dev)" \
	sh -c '[ "$1" = 0 ] && grep -qx build-essential "$2" && grep -qx libext2fs-dev "$2" && grep -qx libarchive-dev "$2"' \
	sh "$rc" "$T/build.pkgs"
check "... and none of the test or kernel-harness tools (chromium, qemu-system-x86, xfsprogs, clang)" \
	sh -c '! grep -qx -e chromium -e qemu-system-x86 -e xfsprogs -e clang "$1"' sh "$T/build.pkgs"
check "install-deps with no option still installs everything, those included" \
	sh -c 'grep -qx chromium "$1" && grep -qx qemu-system-x86 "$1" && grep -qx build-essential "$1" && [ "$(wc -l <"$1")" -gt "$(wc -l <"$2")" ]' \
	sh "$T/all.pkgs" "$T/build.pkgs"
rc=0
PATH=$T/bin:$PATH sh "$top_srcdir/scripts/install-deps" --bogus >/dev/null 2>&1 || rc=$?
same_value "install-deps --bogus: refused (exit 2)" "$rc" 2

# ---- the HTML page with a 255-byte file name ----
if [ -n "${PS_SKIP_BROWSER:-}" ] || ! command -v chromium >/dev/null 2>&1; then
	skip "HTML layout with a 255-byte name" "no chromium (or PS_SKIP_BROWSER)"
else
	. "$top_srcdir/tests/support/mkdax-split.sh"
	mkdir -p "$T/hs/extra"
	long=$(printf 'n%.0s' $(seq 251)).bin
	echo x >"$T/hs/extra/$long"
	if MDS_EXTRA=$T/hs/extra mk_dax_split "$T/hs/s"; then
		# (mk_dax_split sets P: pmemscan is $PMEMSCAN here)
		"$PMEMSCAN" "$T/hs/s/ns.img" --html "$T/hs/r.html" >/dev/null 2>&1
		# a page around it measures, in the browser, every element of the
		# report against the width it is given (1200 px)
		cat >"$T/hs/wrap.html" <<'EOF'
<!doctype html><html><body style="margin:0">
<iframe id="f" src="r.html" style="width:1200px;height:1000px;border:0"></iframe>
<script>
document.getElementById('f').onload = function () {
  var d = this.contentDocument, w = this.clientWidth, over = 0, long = 0;
  var all = d.querySelectorAll('body *');
  for (var i = 0; i < all.length; i++) {
    if (all[i].closest('svg')) continue;
    if (all[i].getBoundingClientRect().right > w + 1) over++;
  }
  var rows = d.querySelectorAll('tr[data-split-path]');
  for (var i = 0; i < rows.length; i++)
    if (rows[i].getAttribute('data-split-path').length > 250) long++;
  var o = document.createElement('pre');
  o.id = 'result';
  o.textContent = 'rows=' + rows.length + ' long=' + long + ' over=' + over +
    ' scroll=' + (d.documentElement.scrollWidth > w ? 'yes' : 'no');
  document.body.appendChild(o);
};
</script></body></html>
EOF
		DBUS_SESSION_BUS_ADDRESS=disabled: timeout 180 chromium --headless --disable-gpu --no-sandbox \
			--disable-web-security --user-data-dir="$T/hs/ud" --virtual-time-budget=5000 \
			--dump-dom "file://$T/hs/wrap.html" 2>"$T/hs/chromium.err" | sed -n 's/.*id="result">\([^<]*\).*/\1/p' >"$T/hs/res"
		check "HTML: the split check's table lists the 255-byte name ($(cat "$T/hs/res"))" \
			grep -Eq '^rows=[1-9][0-9]* long=1 ' "$T/hs/res"
		check "... and nothing on the page is wider than the window (no element past 1200 px, no horizontal scroll)" \
			grep -q ' over=0 scroll=no$' "$T/hs/res"
	else
		skip "HTML layout with a 255-byte name" "$(cat "$T/hs/s/why")"
	fi
fi

done_testing
