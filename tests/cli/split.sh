#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Split raw images made by the real split(1), in both naming styles
# (dump.001 from -d -a 3 --numeric-suffixes=1, xaa / x00 / NAME.aa by
# default): every command reads the set like the raw image, with no joined
# copy; a missing or short segment, or a later segment given, is refused
# with one line (docs/input.md).
. "$top_srcdir/tests/support/lib.sh"
for t in split jq xz cmp truncate gzip; do
	command -v $t >/dev/null 2>&1 || skip_all "$t not installed"
done
sha() { sha256sum "$1" | cut -d' ' -f1; }
dig() { "$PMEMSCAN" digest "$@" | cut -d' ' -f1; }
PB=$(sed -n 's/^phys_base=//p' "$top_srcdir/fixtures/legacy-fsdax-ext4.layout" | tail -1)

# split writes every byte: the reference is the fixture with its zeros written
xz -dc "$top_srcdir/fixtures/legacy-fsdax-ext4.img.xz" >"$T/sparse.img"
RAW=$T/raw.img
cp --sparse=never "$T/sparse.img" "$RAW"
rm -f "$T/sparse.img"
WANT=$(sha "$RAW")
"$PMEMSCAN" --json "$RAW" >"$T/raw.json"
"$PMEMSCAN" extract --quiet "$RAW" -o "$T/x-raw" 2>/dev/null
"$PMEMSCAN" ls "$RAW" >"$T/ls-raw" 2>/dev/null
"$PMEMSCAN" carve "$RAW" -o "$T/carve-raw.img" >/dev/null 2>&1
"$PMEMSCAN" repair "$RAW" --phys-base "$PB" -o "$T/rep-raw.img" >/dev/null 2>&1
check "references from the raw image" test -s "$T/carve-raw.img" -a -s "$T/rep-raw.img" -a -s "$T/ls-raw"

mkdir "$T/num" "$T/alpha" "$T/num2" "$T/dot"
split -b 48M -d -a 3 --numeric-suffixes=1 "$RAW" "$T/num/dump."	# dump.001 ..
(cd "$T/alpha" && split -b 30M "$RAW")					# xaa ..
(cd "$T/num2" && split -b 40M -d "$RAW")				# x00 ..
split -b 50M "$RAW" "$T/dot/dump.img."					# dump.img.aa ..
for first in num/dump.001:3 alpha/xaa:5 num2/x00:4 dot/dump.img.aa:3; do
	f=$T/${first%:*}
	n=${first#*:}
	name=${first%:*}
	"$PMEMSCAN" digest "$f" >"$T/d.out" 2>"$T/d.err"; rc=$?
	check "$name: digest exits 0 and equals sha256sum of the raw image" \
		sh -c "[ $rc -eq 0 ] && [ \"\$(cut -d' ' -f1 '$T/d.out')\" = '$WANT' ]"
	check "$name: a notice names the $n segments" grep -q "^pmemscan: $f: split raw image: $n segments" "$T/d.err"
	rm -f "$T/cat.img"
	"$PMEMSCAN" cat "$f" -o "$T/cat.img" 2>/dev/null
	check "$name: cat -o gives the raw bytes" cmp -s "$T/cat.img" "$RAW"
	rm -f "$T/cat.img"
	"$PMEMSCAN" --json "$f" >"$T/s.json" 2>"$T/s.err"; rc=$?
	check "$name: scan exits 0" test "$rc" -eq 0
	report_core "$T/s.json" >"$T/s.core"
	report_core "$T/raw.json" >"$T/raw.core"
	same_output "$name: scan finds the raw image's structures, namespaces and verdict" "$T/s.core" "$T/raw.core"
	same_value "$name: scan reports the raw image's size and sha256 (stat, sha256sum)" \
		"$(jq -r '.image | "\(.size) \(.sha256)"' "$T/s.json")" "$(stat -c %s "$RAW") $WANT"
	check "$name: no joined or decoded copy is made (scan exit 0, no notice)" sh -c "[ $rc -eq 0 ] && ! grep -q -e decoding -e inflating '$T/s.err'"
	check "$name: next commands suggested, no loop mount of the first segment" \
		sh -c "jq -e '.namespaces[0].verdict.next_commands | length > 0' '$T/s.json' >/dev/null && ! jq -r '.namespaces[].verdict.next_commands[]' '$T/s.json' | grep -q 'mount -o ro,loop,offset'"
	rm -rf "$T/x"
	"$PMEMSCAN" extract --quiet "$f" -o "$T/x" 2>/dev/null
	check "$name: extract gives the same files as from the raw image (not none)" \
		sh -c "[ -n \"\$(find '$T/x-raw' -type f | head -n 1)\" ] && diff -r --no-dereference '$T/x-raw' '$T/x'"
	check "$name: ls lists the same entries" sh -c "'$PMEMSCAN' ls '$f' 2>/dev/null | cmp -s - '$T/ls-raw'"
	rm -f "$T/carve.img" "$T/rep.img"
	"$PMEMSCAN" carve "$f" -o "$T/carve.img" >/dev/null 2>&1
	check "$name: carve writes the same namespace image" cmp -s "$T/carve.img" "$T/carve-raw.img"
	"$PMEMSCAN" repair "$f" --phys-base "$PB" -o "$T/rep.img" >/dev/null 2>&1
	check "$name: repair -o writes the raw image's repaired copy" cmp -s "$T/rep.img" "$T/rep-raw.img"
done
before=$(sha "$T/num/dump.001")
expect_exit 3 "repair --in-place refuses a split set" "$PMEMSCAN" repair "$T/num/dump.001" --phys-base "$PB" --in-place 2>"$T/err"
check "... in one line, and the first segment is untouched" \
	sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q 'split raw image in 3 segments: cannot be repaired in place' '$T/err' && [ \"\$(sha256sum <'$T/num/dump.001' | cut -d' ' -f1)\" = '$before' ]"

# --- refusals: one line naming the file and what is wrong, exit 3 ---
refused() {	# refused DESC FIRST PATTERN
	"$PMEMSCAN" digest "$2" >"$T/out" 2>"$T/err"; rc=$?
	check "$1: exit 3, one line, nothing on stdout" \
		sh -c "[ $rc -eq 3 ] && [ \$(wc -l <'$T/err') -eq 1 ] && [ ! -s '$T/out' ]"
	check "$1: the line says so" grep -q "^pmemscan: $2: $3" "$T/err"
}
mkdir "$T/gap" "$T/short" "$T/gapa"
cp "$T/num/dump.001" "$T/num/dump.003" "$T/gap/"
refused "missing middle segment (dump.002)" "$T/gap/dump.001" \
	"split raw image segment dump.002 is missing (dump.001 is the last before the gap, and dump.003 exists)"
cp "$T/alpha/xaa" "$T/alpha/xab" "$T/alpha/xad" "$T/alpha/xae" "$T/gapa/"
refused "missing middle segment (xac)" "$T/gapa/xaa" "split raw image segment xac is missing (xab is the last before the gap, and xad exists)"
cp "$T/num/dump.00"? "$T/short/"
truncate -s -1 "$T/short/dump.002"
refused "short middle segment" "$T/short/dump.001" \
	"split segment dump.002 is 50331647 bytes where dump.001 is 50331648: truncated"
refused "a later segment given" "$T/num/dump.002" \
	"a later segment of a split raw image (dump.001 exists): give the first segment, $T/num/dump.001"
expect_exit 3 "scan of the set with a gap fails too" "$PMEMSCAN" "$T/gap/dump.001" 2>/dev/null >/dev/null

# one dump.001 and no dump.002: that file alone, said so
mkdir "$T/one"
head -c 10000000 "$RAW" >"$T/one/dump.001"
"$PMEMSCAN" digest "$T/one/dump.001" >"$T/out" 2>"$T/err"; rc=$?
check "a lone dump.001 is read as one plain image" \
	sh -c "[ $rc -eq 0 ] && [ \"\$(cut -d' ' -f1 '$T/out')\" = \"\$(sha256sum <'$T/one/dump.001' | cut -d' ' -f1)\" ]"
check "... and a notice says so" \
	grep -q "^pmemscan: $T/one/dump.001: named like the first segment of a split raw image, but there is no dump.002: read as one plain image" "$T/err"

# a split gzip dump: named, with how to join it
mkdir "$T/gz"
gzip -1 -c "$RAW" | split -b 200K -d -a 3 --numeric-suffixes=1 - "$T/gz/dump.gz."
refused "split segments of a gzip dump" "$T/gz/dump.gz.001" \
	"the first of [0-9]* split segments of a gzip-compressed dump: join them first"

# GNU split without -a widens its suffixes after xyz (xzaaa ...): 800
# segments, more than are kept open at once
mkdir "$T/many"
head -c 3276800 /dev/urandom >"$T/m.img"
(cd "$T/many" && split -b 4096 "$T/m.img")
last=$(ls "$T/many" | sort | tail -n 1)
check "split made 800 segments, xzaaa .. $last" \
	sh -c "[ -f '$T/many/xzaaa' ] && [ \$(ls '$T/many' | wc -l) -eq 800 ]"
"$PMEMSCAN" digest "$T/many/xaa" >"$T/out" 2>"$T/err"
check "800 segments across GNU's widened names: digest equals sha256sum" \
	test "$(cut -d' ' -f1 "$T/out")" = "$(sha "$T/m.img")"
check "... all 800 found" grep -q "split raw image: 800 segments (xaa ... $last)" "$T/err"
rm -f "$T/cat.img"
"$PMEMSCAN" cat "$T/many/xaa" -o "$T/cat.img" 2>/dev/null
check "... and cat gives the bytes" cmp -s "$T/cat.img" "$T/m.img"
done_testing
