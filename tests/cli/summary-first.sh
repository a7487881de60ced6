#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The summary says what matters first (issue 26 item 13; the order in
# docs/cli.md, "The summary"): a bad info block checksum (the kernel's
# ENODEV), a damaged filesystem, a dirty journal come before the
# namespaces' overviews, in that order; the HTML page opens with the same
# plain summary, line for line.
. "$top_srcdir/tests/support/lib.sh"
for t in xz mkfs.ext4 python3; do
	command -v $t >/dev/null || skip_all "$t not installed"
done
xz -dc "$top_srcdir/fixtures/legacy-fsdax-ext4.img.xz" >"$T/ok.img"
fsoff=$(sed -n 's/^legacy_data=//p' "$top_srcdir/fixtures/legacy-fsdax-ext4.layout")

# summary IMG: the text summary's lines; html IMG: the HTML page's
summary() {
	"$PMEMSCAN" --hash none "$1" 2>/dev/null | sed -n '/^summary:$/,/^$/p' | sed -n 's/^  //p'
}
html() {
	rm -f "$T/p.html"
	"$PMEMSCAN" --hash none --html "$T/p.html" "$1" >/dev/null 2>&1
	python3 -c '
import html, re, sys
t = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"<section id=\"summary\">(.*?)</section>", t, re.S)
print("\n".join(html.unescape(x) for x in re.findall(r"<li class=\"summary-line\">(.*?)</li>", m.group(1), re.S)) if m else "")
pos = t.find("<section id=\"summary\">")
sys.stderr.write("first" if pos >= 0 and pos < t.find("<section") + 1 else "later")
' "$T/p.html" 2>"$T/pos"
}

# a healthy image: no alarm line, the overview first
summary "$T/ok.img" >"$T/s"
check "healthy: the summary opens with the namespace's overview" \
	sh -c "head -n 1 '$T/s' | grep -q '^namespace 0, an fsdax namespace'"
check "healthy: no alarm line" sh -c "! grep -qE '^(BAD CHECKSUM|DAMAGED|DIRTY|PARENT_UUID|FILES WITH|PMDK POOL)' '$T/s'"

# a bad info block checksum and a damaged superblock: both, in that order
cp --sparse=always "$T/ok.img" "$T/both.img"
printf 'X' | dd of="$T/both.img" bs=1 seek=$((0x1000 + 0x3c0)) conv=notrunc status=none
printf '\336\255\276\357' | dd of="$T/both.img" bs=1 seek=$((fsoff + 1024 + 0x3fc)) conv=notrunc status=none
summary "$T/both.img" >"$T/s"
same_value "bad block checksum + damaged fs: the first line is the bad checksum (ENODEV)" \
	"$(sed -n 1p "$T/s" | cut -c1-60)" "BAD CHECKSUM: the fsdax info block at image offset 0x1000 fa"
check "... it says the kernel refuses it" sh -c "sed -n 1p '$T/s' | grep -q 'the kernel refuses it (ENODEV)'"
check "... the second line is the damaged filesystem" \
	sh -c "sed -n 2p '$T/s' | grep -q '^DAMAGED FILESYSTEM: namespace 0.s ext4 superblock fails its checksum'"
check "... then the namespace's overview" sh -c "sed -n 3p '$T/s' | grep -q '^namespace 0, '"
html "$T/both.img" >"$T/h"
check "HTML: the page opens with the summary section" test "$(cat "$T/pos")" = first
check "HTML: the same summary lines as the text (and some)" \
	sh -c "[ -s '$T/s' ] && [ -s '$T/h' ] && cmp -s '$T/s' '$T/h'"

# a dirty journal (a crash left it): its line before the overview
if [ "$(id -u)" -eq 0 ] && command -v xfs_io >/dev/null; then
	mkdir -p "$T/mnt"; truncate -s 64M "$T/d.img"; mkfs.ext4 -q -F -b 4096 "$T/d.img"
	if mount -o loop "$T/d.img" "$T/mnt" 2>/dev/null; then
		trap 'umount "$T/mnt" 2>/dev/null; rm -rf "$T"' EXIT
		head -c 20000 /dev/urandom >"$T/mnt/b"; xfs_io -c fsync "$T/mnt/b"
		xfs_io -x -c shutdown "$T/mnt"
		cp --sparse=always "$T/d.img" "$T/crash.img"
		umount "$T/mnt"
		summary "$T/crash.img" >"$T/s"
		check "dirty journal: the first line says so" \
			sh -c "sed -n 1p '$T/s' | grep -q '^DIRTY JOURNAL: namespace 0.s filesystem was not unmounted cleanly'"
		html "$T/crash.img" >"$T/h"
		check "dirty journal: HTML, the same summary" \
			sh -c "[ -s '$T/s' ] && cmp -s '$T/s' '$T/h'"
	else
		skip "dirty journal" "loop mount not available"
	fi
else
	skip "dirty journal" "needs root and xfs_io"
fi
done_testing
