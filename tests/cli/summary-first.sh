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

# a parent_uuid mismatch: a QEMU-style DIMM file whose info block names
# another parent than its label (ndctl write-infoblock -p)
if [ -n "${NDCTL:-}" ] && [ -x "$top_builddir/tests/support/mkfx-labels" ]; then
	mkdir -p "$T/lfx"
	"$top_builddir/tests/support/mkfx-labels" "$T/lfx" >/dev/null
	cp "$T/lfx/qemu.img" "$T/pu.img"
	$NDCTL write-infoblock -o "$T/pu.img" -s 64M -p ffffffff-0000-4000-8000-00000000000f >/dev/null 2>&1
	summary "$T/pu.img" >"$T/s"
	check "parent_uuid mismatch: the first line says the kernel refuses the block (ENODEV)" \
		sh -c "sed -n 1p '$T/s' | grep -q '^PARENT_UUID MISMATCH: namespace 0.s info block .*(ENODEV)'"
	html "$T/pu.img" >"$T/h"
	check "parent_uuid mismatch: HTML, the same summary" sh -c "[ -s '$T/s' ] && cmp -s '$T/s' '$T/h'"
else
	skip "parent_uuid mismatch" "ndctl or mkfx-labels missing"
fi

# a PMDK pool filling a devdax namespace (ndctl write-infoblock -m devdax,
# pmempool create over its data; the data start by the kernel's formula)
if [ -n "${NDCTL:-}" ] && command -v pmempool >/dev/null; then
	truncate -s 64M "$T/dax.img"
	$NDCTL write-infoblock -o "$T/dax.img" -m devdax -a 2097152 >/dev/null 2>&1
	npfns0=$(((64 * 1048576 - 8192) / 4096))
	dataoff=$(((8192 + 64 * npfns0 + 2097151) / 2097152 * 2097152))
	pmempool create obj --layout devdax-app -s $((64 * 1048576 - dataoff)) "$T/dax.pool"
	dd if="$T/dax.pool" of="$T/dax.img" bs=4096 seek=$((dataoff / 4096)) conv=notrunc,sparse status=none
	summary "$T/dax.img" >"$T/s"
	check "devdax holding a PMDK pool: the first line says so" \
		sh -c "sed -n 1p '$T/s' | grep -q '^PMDK POOL ON DEVDAX: namespace 0 (devdax, 64 MiB) holds a PMDK pool'"
	cp --sparse=always "$T/dax.img" "$T/daxz.img"
	dd if=/dev/zero of="$T/daxz.img" bs=4096 seek=$((dataoff / 4096)) count=16 conv=notrunc status=none
	summary "$T/daxz.img" >"$T/s"
	check "devdax holding zeros: a summary, and no such line" \
		sh -c "grep -q '^namespace 0, a devdax' '$T/s' && ! grep -q '^PMDK POOL' '$T/s'"
else
	skip "devdax PMDK pool" "ndctl or pmempool missing"
fi

# files with two contents: a legacy start_pad namespace where DAX moved an
# mmap-written file (tests/support/mkdax-split.sh)
. "$top_srcdir/tests/support/mkdax-split.sh"
mkdir -p "$T/split"
if mk_dax_split "$T/split" 2>/dev/null; then
	summary "$T/split/ns.img" >"$T/s"
	check "files with two contents: the first line says so, with the counts" \
		sh -c "sed -n 1p '$T/s' | grep -q '^FILES WITH TWO CONTENTS: namespace 0: 1 file(s) written through a mapping under DAX and 1 mixed'"
	summary "$T/split/clean.img" >"$T/s"
	check "before the moves: no such line" sh -c "! grep -q '^FILES WITH TWO' '$T/s'"
else
	skip "files with two contents" "$(cat "$T/split/why" 2>/dev/null)"
fi

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
