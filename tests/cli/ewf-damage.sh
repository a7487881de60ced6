#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# One EWF chunk that fails its checksum, in space no file uses (issue 21
# item 12): every command reads the rest of the evidence, reads that
# chunk as zeros, names its range in one line and exits 1; the scan's
# report lists it; the files come out as from the raw image. The set is
# made by the real ewfacquire (compressed chunks) from the fixture
# small-legacy-ext4; the chunk is found through the segment file's table
# section and its zlib data damaged in place.
. "$top_srcdir/tests/support/lib.sh"
for t in ewfacquire ewfverify jq xz python3 cmp diff; do
	command -v $t >/dev/null 2>&1 || skip_all "$t not installed"
done
sha() { sha256sum "$1" | cut -d' ' -f1; }
lay() { sed -n "s/^$1=//p" "$top_srcdir/fixtures/legacy-fsdax-ext4.layout" | tail -1; }

xz -dc "$top_srcdir/fixtures/legacy-fsdax-ext4.img.xz" >"$T/sparse.img"
RAW=$T/raw.img
cp --sparse=never "$T/sparse.img" "$RAW"	# an E01 stores zeros, not holes
rm -f "$T/sparse.img"
# the filesystem starts at start_pad + dataoff (the legacy reading)
FS=$(($(lay ns_offset) + $(lay start_pad) + $(lay dataoff)))
BAD=1048576	# a chunk of the namespace's reserved space, before any data
CH=32768
check "the chunk at $BAD is all zeros in the raw image, before the filesystem at $FS" \
	sh -c "[ \$(head -c $((BAD + CH)) '$RAW' | tail -c $CH | tr -d '\\000' | wc -c) -eq 0 ] && [ $((BAD + CH)) -le $FS ]"

ewfacquire -u -q -t "$T/ev" -f encase6 -c fast -d sha1 "$RAW" >"$T/acq" 2>&1
check "ewfacquire wrote ev.E01" test -f "$T/ev.E01"
mkdir "$T/d"
cp "$T/ev.E01" "$T/d/ev.E01"
E=$T/d/ev.E01
# EWF1: a 13-byte file header, then sections (76-byte descriptors: type,
# next offset, size, ..., Adler-32); a 'table' section holds a 24-byte
# header (entry count, base offset) and one 32-bit entry per chunk (bit 31:
# compressed; the rest: offset from the base). Damage the middle of the
# chunk's stored bytes.
python3 - "$E" $BAD $CH >"$T/where" <<'PY'
import struct, sys
path, moff, csize = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
b = bytearray(open(path, 'rb').read())
assert b[:8] == b'EVF\x09\x0d\x0a\xff\x00'
at, first, hit = 13, 0, None
while at + 76 <= len(b):
    typ = bytes(b[at:at + 16]).rstrip(b'\0')
    nxt = struct.unpack_from('<Q', b, at + 16)[0]
    if typ == b'table':
        n = struct.unpack_from('<I', b, at + 76)[0]
        base = struct.unpack_from('<Q', b, at + 84)[0]
        e = [struct.unpack_from('<I', b, at + 100 + 4 * i)[0] for i in range(n)]
        k = moff // csize - first
        if 0 <= k < n - 1:
            hit = (base + (e[k] & 0x7fffffff), base + (e[k + 1] & 0x7fffffff), e[k] >> 31)
        first += n
    if typ in (b'done', b'next') or nxt <= at:
        break
    at = nxt
start, end, compressed = hit
mid = (start + end) // 2
for i in range(mid - 4, mid + 4):
    b[i] ^= 0x55
open(path, 'wb').write(b)
print(start, end, compressed)
PY
read -r cstart cend ccomp <"$T/where"
check "the chunk's stored bytes were found ($cstart-$cend in ev.E01, compressed $ccomp)" \
	[ -n "$cend" -a "$ccomp" = 1 ]
ewfverify -q "$E" >/dev/null 2>&1
check "ewfverify calls the set damaged" [ $? -ne 0 ]

line="^pmemscan: $E: damaged: bytes $BAD-$((BAD + CH)) ($CH bytes, an EWF chunk in $E) fail their checksum and were read as zeros"
one_damage() { [ "$(grep -c 'damaged:' "$1")" -eq 1 ] && grep -q "$line" "$1"; }
exit1_damage() { [ "$1" -eq 1 ] && one_damage "$2"; }

# --- references from the raw image ---
"$PMEMSCAN" --json "$RAW" >"$T/raw.json" 2>/dev/null
"$PMEMSCAN" ls "$RAW" >"$T/ls-raw" 2>/dev/null
"$PMEMSCAN" extract --quiet "$RAW" -o "$T/x-raw" 2>/dev/null
"$PMEMSCAN" carve --quiet "$RAW" -o "$T/carve-raw.img" 2>/dev/null
check "the raw image: one namespace, proven, files extracted" \
	sh -c "[ \"\$(jq -r '.namespaces | length' '$T/raw.json') \$(jq -r '.namespaces[0].verdict.result' '$T/raw.json')\" = '1 proven' ] && [ -s '$T/x-raw/README.txt' ]"

# --- scan ---
"$PMEMSCAN" "$E" >"$T/scan.txt" 2>"$T/err"; rc=$?
check "scan: exit 1 (got $rc), a report" [ $rc -eq 1 -a -s "$T/scan.txt" ]
check "scan: one line naming the range, read as zeros" one_damage "$T/err"
check "scan: the text report lists the range" \
	grep -q "^  damaged: bytes $BAD-$((BAD + CH)) ($CH bytes, a chunk in $E) fail their checksum: read as zeros" "$T/scan.txt"
"$PMEMSCAN" --json "$E" >"$T/scan.json" 2>/dev/null; rc=$?
check "scan --json: exit 1 (got $rc); image.container.damaged lists the chunk" \
	sh -c "[ $rc -eq 1 ] && jq -e '.image.container.damaged == [{\"offset\": $BAD, \"length\": $CH, \"file\": \"$E\"}] and .exit_code == 1' '$T/scan.json' >/dev/null"
check "scan --json: the namespace and its verdict as in the raw image's report" \
	sh -c "[ \"\$(jq -c '[.namespaces[] | [.mode, .verdict.result]]' '$T/scan.json')\" = \"\$(jq -c '[.namespaces[] | [.mode, .verdict.result]]' '$T/raw.json')\" ]"
"$PMEMSCAN" --html "$T/r.html" "$E" >/dev/null 2>&1
check "scan --html: the page lists the range" grep -q "bytes $BAD-$((BAD + CH)) ($CH bytes, a chunk in" "$T/r.html"

# --- ls, extract, carve, cat, digest ---
"$PMEMSCAN" ls "$E" >"$T/ls-e" 2>"$T/err"; rc=$?
check "ls: exit 1 (got $rc), one line naming the range" exit1_damage $rc "$T/err"
same_output "ls: lists what it lists on the raw image" "$T/ls-e" "$T/ls-raw"
rm -rf "$T/x-e"
"$PMEMSCAN" extract "$E" -o "$T/x-e" >/dev/null 2>"$T/err"; rc=$?
check "extract: exit 1 (got $rc), one line naming the range" exit1_damage $rc "$T/err"
check "extract: no file counted as an error (0 errors)" grep -q "; 0 errors," "$T/err"
check "extract: the tree is the raw image's (diff -r)" diff -r "$T/x-raw" "$T/x-e"
rm -f "$T/carve-e.img"
"$PMEMSCAN" carve --quiet "$E" -o "$T/carve-e.img" 2>"$T/err"; rc=$?
check "carve: exit 1 (got $rc), one line naming the range" exit1_damage $rc "$T/err"
same_output "carve: the filesystem image is the raw image's" "$T/carve-e.img" "$T/carve-raw.img"
rm -f "$T/cat.img"
"$PMEMSCAN" cat "$E" -o "$T/cat.img" 2>"$T/err"; rc=$?
check "cat -o: exit 1 (got $rc), one line naming the range" exit1_damage $rc "$T/err"
same_output "cat -o: the bytes are the raw image's (the chunk held zeros)" "$T/cat.img" "$RAW"
"$PMEMSCAN" digest --sha256 "$E" >"$T/dig" 2>"$T/err"; rc=$?
check "digest: exit 1 (got $rc), one line naming the range" exit1_damage $rc "$T/err"
same_value "digest: the sha256 of the bytes read, zeros for the chunk" "$(cut -d' ' -f1 "$T/dig")" "$(sha "$RAW")"

PB=$(lay phys_base)
"$PMEMSCAN" repair "$RAW" --phys-base "$PB" --plan >"$T/plan-raw" 2>/dev/null; rrc=$?
"$PMEMSCAN" repair "$E" --phys-base "$PB" --plan >"$T/plan-e" 2>"$T/err"; rc=$?
check "repair --plan: exit 1 (got $rc; the raw image: $rrc), one line naming the range" \
	eval '[ $rrc -eq 0 ] && exit1_damage $rc "$T/err"'

# --- --offset at the filesystem: the chunk is not read, nothing to say ---
rm -rf "$T/x-o"
"$PMEMSCAN" extract --offset $FS "$E" -o "$T/x-o" >/dev/null 2>"$T/err"; rc=$?
check "extract --offset $FS (skips the analysis): exit 0 (got $rc), no damage read" \
	sh -c "[ $rc -eq 0 ] && ! grep -q damaged '$T/err'"
check "... the tree is the raw image's" diff -r "$T/x-raw" "$T/x-o"

# --- the undamaged set: no damage line, exit 0 ---
"$PMEMSCAN" "$T/ev.E01" >/dev/null 2>"$T/err"; rc=$?
check "the undamaged set: scan exits 0 (got $rc), says nothing of damage" \
	sh -c "[ $rc -eq 0 ] && ! grep -q damaged '$T/err'"
done_testing
