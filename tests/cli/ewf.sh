#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# EWF (E01) evidence, made here by the real ewfacquire (ewf-tools) from
# images with real namespaces: every pmemscan command reads it like the raw
# image; digest, cat and scan check it against the MD5/SHA1 stored in it
# as ewfverify does; a damaged or incomplete set fails with one line and
# exit 3, a chunk failing its checksum is read as zeros and reported
# with exit 1 (docs/input.md).
. "$top_srcdir/tests/support/lib.sh"
for t in ewfacquire ewfinfo ewfverify jq xz python3 cmp; do
	command -v $t >/dev/null 2>&1 || skip_all "$t not installed"
done
sha() { sha256sum "$1" | cut -d' ' -f1; }
dig() { "$PMEMSCAN" digest "$@" | cut -d' ' -f1; }
one_line() { [ "$(wc -l <"$1")" -eq 1 ]; }
PB=$(sed -n 's/^phys_base=//p' "$top_srcdir/fixtures/legacy-fsdax-ext4.layout" | tail -1)

# The fixture small-legacy-ext4 (a legacy fsdax namespace holding ext4).
# An E01 stores its zeros, not holes: the reference is the same bytes
# written out, so that "zeros" and "a hole" do not differ in the reports.
xz -dc "$top_srcdir/fixtures/legacy-fsdax-ext4.img.xz" >"$T/sparse.img"
RAW=$T/raw.img
cp --sparse=never "$T/sparse.img" "$RAW"
rm -f "$T/sparse.img"
WANT=$(sha "$RAW")
E=$T/e
mkdir -p "$E"
# acquire TARGET ARGS...: ewfacquire unattended (-u), from RAW
acquire() { t=$1; shift; ewfacquire -u -q -t "$t" "$@" "$RAW" >"$t.acq" 2>&1; }
# three segments, uncompressed, with acquisition metadata and both hashes
acquire "$E/seg" -f encase6 -c none -S 48MiB -C CASE-17 -E EV-0042 \
	-e "Jane Examiner" -D "pmem dump" -N "test notes" -d sha1
check "ewfacquire -S 48MiB wrote 3 segments (seg.E01 .. seg.E03)" \
	sh -c "[ -f '$E/seg.E01' ] && [ -f '$E/seg.E02' ] && [ -f '$E/seg.E03' ] && [ ! -e '$E/seg.E04' ]"
acquire "$E/best" -f encase6 -c deflate:best -d sha1	# one compressed segment
acquire "$E/ewfx" -f ewfx -c fast -d sha1		# libewf's format, .e01
check "ewfacquire wrote best.E01 and ewfx.e01" test -f "$E/best.E01" -a -f "$E/ewfx.e01"

# --- references from the raw image ---
"$PMEMSCAN" --json "$RAW" >"$T/raw.json"
"$PMEMSCAN" extract --quiet "$RAW" -o "$T/x-raw" 2>/dev/null
"$PMEMSCAN" ls "$RAW" >"$T/ls-raw" 2>/dev/null
"$PMEMSCAN" carve "$RAW" -o "$T/carve-raw.img" >/dev/null 2>&1
"$PMEMSCAN" repair "$RAW" --phys-base "$PB" --plan >"$T/plan-raw" 2>/dev/null
"$PMEMSCAN" repair "$RAW" --phys-base "$PB" -o "$T/rep-raw.img" >/dev/null 2>&1
check "the raw image has one namespace with a proven verdict" \
	test "$(jq -r '.namespaces | length' "$T/raw.json") $(jq -r '.namespaces[0].verdict.result' "$T/raw.json")" = "1 proven"
check "the raw image's repaired copy exists" test -s "$T/rep-raw.img"

for e in seg.E01 best.E01 ewfx.e01; do
	f=$E/$e
	"$PMEMSCAN" digest "$f" >"$T/d.out" 2>"$T/d.err"; rc=$?
	check "$e: digest exits 0 and equals sha256sum of the raw image" \
		sh -c "[ $rc -eq 0 ] && [ \"\$(cut -d' ' -f1 '$T/d.out')\" = '$WANT' ]"
	check "$e: digest says the data matches the MD5 and SHA1 stored in it" \
		grep -q "^pmemscan: $f: verified: the data matches the MD5 and SHA1 stored in the EWF image\$" "$T/d.err"
	check "$e: ewfverify agrees (SUCCESS)" sh -c "ewfverify -q -d sha1 '$f' 2>&1 | grep -q 'ewfverify: SUCCESS'"
	rm -f "$T/cat.img"
	"$PMEMSCAN" cat "$f" -o "$T/cat.img" 2>/dev/null
	check "$e: cat -o gives the raw bytes" cmp -s "$T/cat.img" "$RAW"
	rm -f "$T/cat.img"
	"$PMEMSCAN" --json "$f" >"$T/e.json" 2>"$T/e.err"; rc=$?
	check "$e: scan exits 0" test "$rc" -eq 0
	report_core "$T/e.json" >"$T/e.core"
	report_core "$T/raw.json" >"$T/raw.core"
	same_output "$e: scan finds the raw image's structures, namespaces and verdict" "$T/e.core" "$T/raw.core"
	same_value "$e: scan reports the raw image's size and sha256 (stat, sha256sum)" \
		"$(jq -r '.image | "\(.size) \(.sha256)"' "$T/e.json")" "$(stat -c %s "$RAW") $WANT"
	check "$e: scan suggests next commands, and no loop mount of the E01" \
		sh -c "jq -e '.namespaces[0].verdict.next_commands | length > 0' '$T/e.json' >/dev/null && ! jq -r '.namespaces[].verdict.next_commands[]' '$T/e.json' | grep -q 'mount -o ro,loop,offset'"
	check "$e: no decoded copy is made (scan exit 0, no temporary-file notice)" sh -c "[ $rc -eq 0 ] && ! grep -q decoding '$T/e.err'"
	rm -rf "$T/x-e"
	"$PMEMSCAN" extract --quiet "$f" -o "$T/x-e" 2>/dev/null
	check "$e: extract gives the same files as from the raw image" \
		sh -c "[ -n \"\$(find '$T/x-raw' -type f | head -n 1)\" ] && diff -r --no-dereference '$T/x-raw' '$T/x-e' && [ \"\$(cd '$T/x-raw' && find . -mindepth 1 -printf '%p %m %U %G %T@\n' | sort)\" = \"\$(cd '$T/x-e' && find . -mindepth 1 -printf '%p %m %U %G %T@\n' | sort)\" ]"
	"$PMEMSCAN" ls "$f" >"$T/ls-e" 2>/dev/null
	same_output "$e: ls lists the same entries" "$T/ls-e" "$T/ls-raw"
	rm -f "$T/carve.img"
	"$PMEMSCAN" carve "$f" -o "$T/carve.img" >/dev/null 2>&1
	same_output "$e: carve writes the same namespace image" "$T/carve.img" "$T/carve-raw.img"
	"$PMEMSCAN" repair "$f" --phys-base "$PB" --plan 2>/dev/null | sed "s|$f|IMAGE|g" >"$T/plan"
	sed "s|$RAW|IMAGE|g" "$T/plan-raw" >"$T/plan-raw-i"
	same_output "$e: repair --plan is the raw image's plan" "$T/plan" "$T/plan-raw-i"
	rm -f "$T/rep.img"
	"$PMEMSCAN" repair "$f" --phys-base "$PB" -o "$T/rep.img" >/dev/null 2>&1
	same_output "$e: repair -o writes the raw image's repaired copy" "$T/rep.img" "$T/rep-raw.img"
done
expect_exit 3 "repair --in-place refuses an E01" "$PMEMSCAN" repair "$E/seg.E01" --phys-base "$PB" --in-place 2>"$T/err"
check "... saying why, in one line" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q 'cannot be repaired in place; use -o' '$T/err'"
check "the set given by a later segment is the same set" test "$(dig "$E/seg.E02" 2>/dev/null)" = "$WANT"

# --- a BTT (sector mode) namespace: check and btt-cat read it through libewf ---
if [ -x "$top_builddir/tests/support/mkfx-btt" ] && command -v "${MKE2FS:=mke2fs}" >/dev/null; then
	mkdir -p "$T/bsrc"
	head -c 300000 /dev/urandom >"$T/bsrc/f1"
	echo hello >"$T/bsrc/hello"
	"$MKE2FS" -q -F -t ext4 -b 4096 -d "$T/bsrc" "$T/bfs.img" 8M >/dev/null 2>&1
	"$top_builddir/tests/support/mkfx-btt" -o "$T/btt.img" -s 24M -i "$T/bfs.img" -S 3 >/dev/null
	ewfacquire -u -q -t "$E/btt" -c fast -d sha1 "$T/btt.img" >/dev/null 2>&1
	"$PMEMSCAN" check --json "$T/btt.img" | jq -S 'del(.file)' >"$T/c-raw.json"
	"$PMEMSCAN" check --json "$E/btt.E01" >"$T/c-e.json"; rc=$?
	check "btt.E01: check exits 0 and reports what it reports on the raw BTT" \
		sh -c "[ $rc -eq 0 ] && jq -S 'del(.file)' '$T/c-e.json' | cmp -s - '$T/c-raw.json' && jq -e '.errors == 0' '$T/c-raw.json' >/dev/null"
	"$PMEMSCAN" btt-cat "$T/btt.img" -o "$T/bc-raw" && "$PMEMSCAN" btt-cat "$E/btt.E01" -o "$T/bc-e"
	same_output "btt.E01: btt-cat gives the raw BTT's blocks" "$T/bc-raw" "$T/bc-e"
else
	ok "# SKIP mkfx-btt or mke2fs missing: no BTT E01"
fi

# --- damage: each one line naming the file, exit 3, nothing on stdout ---
fails() {	# fails NAME WHAT PATTERN: digest of $T/$NAME/seg.E01 fails as said
	"$PMEMSCAN" digest "$T/$1/seg.E01" >"$T/out" 2>"$T/err"; rc=$?
	grep -v -e ': EnCase 6 (E01) image in' "$T/err" >"$T/err1"
	check "$2: digest exits 3 with one line naming the set and what failed" \
		sh -c "[ $rc -eq 3 ] && [ \$(wc -l <'$T/err1') -eq 1 ] && grep -q \"^pmemscan: $T/$1/seg.E01: $3\" '$T/err1' && [ ! -s '$T/out' ]"
	"$PMEMSCAN" "$T/$1/seg.E01" >"$T/out" 2>"$T/err"; rc=$?
	check "$2: scan exits 3, no report" sh -c "[ $rc -eq 3 ] && [ ! -s '$T/out' ]"
}
mkdir "$T/gap" "$T/nolast" "$T/cut" "$T/swap" "$T/crc" "$T/tamper"
cp "$E/seg.E01" "$E/seg.E03" "$T/gap/"
fails gap "missing middle segment" "the EWF set is incomplete: segment 2 (seg.E02) is missing (seg.E01 ends at offset [0-9]* with a 'next' section"
cp "$E/seg.E01" "$E/seg.E02" "$T/nolast/"
fails nolast "missing last segment" "the EWF set is incomplete: segment 3 (seg.E03) is missing"
cp "$E/seg.E01" "$E/seg.E02" "$T/cut/"
head -c 30000000 "$E/seg.E03" >"$T/cut/seg.E03"
fails cut "truncated last segment" "the EWF set is damaged: its last segment seg.E03 (30000000 bytes) does not end with a valid 'done' or 'next' section"
cp "$E/seg.E01" "$T/swap/"
cp "$E/seg.E03" "$T/swap/seg.E02"
cp "$E/seg.E02" "$T/swap/seg.E03"
fails swap "segments renamed" ".*seg.E02 holds segment 3 of its set, not 2"

# A chunk of the uncompressed set, found by its bytes: README.txt's data
# block. Damaged in place, it fails its Adler-32: read as zeros, its range
# and segment named, exit 1, and README.txt counted as an error while the
# other files come out intact (tests/cli/ewf-damage.sh has more); damaged
# with the checksum recomputed, libewf reads it and only the stored
# MD5/SHA1 can tell (exit 1, as ewfverify).
cp "$E"/seg.E0? "$T/crc/"
cp "$E"/seg.E0? "$T/tamper/"
python3 - "$RAW" "$T/x-raw/README.txt" "$T/crc" "$T/tamper" >"$T/chunk" <<'EOF'
import struct, sys, zlib
raw = open(sys.argv[1], 'rb').read()
at = raw.find(open(sys.argv[2], 'rb').read())
ck = at // 32768
chunk = raw[ck * 32768:(ck + 1) * 32768]
for seg in ('seg.E01', 'seg.E02', 'seg.E03'):
    for d, fix in ((sys.argv[3], False), (sys.argv[4], True)):
        p = d + '/' + seg
        b = bytearray(open(p, 'rb').read())
        j = b.find(chunk)
        if j < 0:
            continue
        b[j + at - ck * 32768] ^= 0x20
        if fix:
            b[j + 32768:j + 32772] = struct.pack('<I', zlib.adler32(bytes(b[j:j + 32768])))
        open(p, 'wb').write(b)
        if not fix:
            print(ck * 32768, seg)
EOF
read -r coff cseg <"$T/chunk"
check "the README chunk was found in the uncompressed set ($cseg, media offset $coff)" test -n "$cseg"
damage_line="damaged: bytes $coff-$((coff + 32768)) (32768 bytes, an EWF chunk in .*$cseg) fail their checksum and were read as zeros"
"$PMEMSCAN" digest "$T/crc/seg.E01" >"$T/out" 2>"$T/err"; rc=$?
check "a chunk failing its checksum: digest exits 1 (got $rc) and prints the digest of what it read" \
	sh -c "[ $rc -eq 1 ] && [ -n \"\$(cut -d' ' -f1 '$T/out')\" ] && [ \"\$(cut -d' ' -f1 '$T/out')\" != '$WANT' ]"
check "... one line naming the chunk's range and segment, read as zeros" \
	sh -c "[ \$(grep -c damaged '$T/err') -eq 1 ] && grep -q \"^pmemscan: $T/crc/seg.E01: $damage_line\" '$T/err'"
"$PMEMSCAN" --json "$T/crc/seg.E01" >"$T/out" 2>"$T/err"; rc=$?
check "a chunk failing its checksum: scan exits 1 (got $rc) with its report listing the range" \
	sh -c "[ $rc -eq 1 ] && jq -e '.image.container.damaged == [{\"offset\": $coff, \"length\": 32768, \"file\": \"$T/crc/$cseg\"}]' '$T/out' >/dev/null"
rm -rf "$T/x-crc"
"$PMEMSCAN" extract "$T/crc/seg.E01" -o "$T/x-crc" >/dev/null 2>"$T/err"; rc=$?
check "a chunk failing its checksum: extract exits 1 (got $rc), README.txt an error" \
	sh -c "[ $rc -eq 1 ] && grep -q 'README.txt: content damaged' '$T/err'"
# (the chunk also holds docs/'s directory block: docs/ is an error too)
(cd "$T/x-crc" && find . -type f ! -name README.txt) >"$T/x-crc.list"
bad=0 n=0
while IFS= read -r x; do
	n=$((n + 1)); cmp -s "$T/x-raw/$x" "$T/x-crc/$x" || bad=$((bad + 1))
done <"$T/x-crc.list"
check "... the $n other files extracted are as from the raw image ($bad differ)" [ $n -ge 2 -a $bad -eq 0 ]
check "... README.txt differs from the raw image's" sh -c "! cmp -s '$T/x-raw/README.txt' '$T/x-crc/README.txt'"
"$PMEMSCAN" digest "$T/tamper/seg.E01" >"$T/out" 2>"$T/err"; rc=$?
ewfverify -q -d sha1 "$T/tamper/seg.E01" >"$T/ev" 2>&1; erc=$?
check "tampered chunk: ewfverify fails (exit $erc)" [ $erc -eq 1 ]
check "tampered chunk: digest exits 1 and still prints the digest of what it read" \
	sh -c "[ $rc -eq 1 ] && [ \"\$(cut -d' ' -f1 '$T/out')\" != '$WANT' ] && [ -n \"\$(cut -d' ' -f1 '$T/out')\" ]"
md5=$(sed -n 's/^MD5 hash calculated over data:[[:space:]]*//p' "$T/ev")
sha1=$(sed -n 's/^SHA1 hash calculated over data:[[:space:]]*//p' "$T/ev")
smd5=$(sed -n 's/^MD5 hash stored in file:[[:space:]]*//p' "$T/ev")
check "tampered chunk: says the data does NOT match, with ewfverify's stored and computed MD5 and SHA1 ($md5)" \
	grep -q "the data does NOT match the MD5 and SHA1 stored in the EWF image: MD5 stored $smd5, read $md5; SHA1 stored [0-9a-f]*, read $sha1\$" "$T/err"

# compressed chunks damaged: the zlib stream or its checksum fails, the
# chunk is read as zeros, its range named, exit 1
mkdir "$T/zc"
cp "$E/best.E01" "$T/zc/seg.E01"
n=$(($(stat -c %s "$T/zc/seg.E01") / 3))
printf '\125\252\125\252' | dd of="$T/zc/seg.E01" bs=1 seek=$n conv=notrunc status=none
"$PMEMSCAN" digest "$T/zc/seg.E01" >"$T/out" 2>"$T/err"; rc=$?
check "damaged compressed E01: exit 1 (got $rc), a line naming the damaged range, a digest printed" \
	sh -c "[ $rc -eq 1 ] && grep -q '^pmemscan: $T/zc/seg.E01: damaged: bytes [0-9]*-[0-9]* (32768 bytes, an EWF chunk in $T/zc/seg.E01) fail their checksum and were read as zeros' '$T/err' && [ -s '$T/out' ]"

# --- Ex01 (EWF2): only if this ewfacquire can write it ---
acquire "$E/v2" -f encase7-v2 -c fast -d sha1
if [ -f "$E/v2.Ex01" ]; then
	check "v2.Ex01: digest equals sha256sum of the raw image" test "$(dig "$E/v2.Ex01" 2>/dev/null)" = "$WANT"
	"$PMEMSCAN" --json "$E/v2.Ex01" >"$T/v2.json" 2>/dev/null
	report_core "$T/v2.json" >"$T/v2.core"
	report_core "$T/raw.json" >"$T/raw.core"
	same_output "v2.Ex01: scan finds what the raw image holds" "$T/v2.core" "$T/raw.core"
else
	ok "# SKIP ewfacquire $(ewfacquire -V 2>&1 | head -1 | awk '{print $2}') cannot write Ex01: $(grep -m1 -i unsupported "$E/v2.acq")"
fi
done_testing
