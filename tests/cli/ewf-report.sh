#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The scan report says what the evidence is stored as (docs/input.md,
# docs/json-schema.md "container"): for an E01 set made here by the real
# ewfacquire, its format, segments, the MD5/SHA1 stored in it and whether
# the data matches them, and the acquisition metadata, each compared with
# what ewfinfo and ewfverify print; a segment tampered with (chunk
# checksum recomputed, so only the stored hashes can tell) gives
# "mismatch" and exit 1, as ewfverify fails; a split raw set lists its
# segments; a plain file has no container block.
. "$top_srcdir/tests/support/lib.sh"
for t in ewfacquire ewfinfo ewfverify jq xz python3 split; do
	command -v $t >/dev/null 2>&1 || skip_all "$t not installed"
done
xz -dc "$top_srcdir/fixtures/legacy-fsdax-ext4.img.xz" >"$T/sparse.img"
RAW=$T/raw.img
cp --sparse=never "$T/sparse.img" "$RAW"
rm -f "$T/sparse.img"
E=$T/e
mkdir -p "$E"
EXAMINER="Jane <O'Brien> & \"Co\""
ewfacquire -u -q -t "$E/seg" -f encase6 -c none -S 48MiB -C CASE-17 -E EV-0042 \
	-e "$EXAMINER" -D "pmem dump" -N "test notes" -d sha1 "$RAW" >"$T/acq" 2>&1
check "ewfacquire wrote seg.E01 .. seg.E03" test -f "$E/seg.E03" -a ! -e "$E/seg.E04"
ewfinfo "$E/seg.E01" >"$T/info" 2>&1
ewfverify -q -d sha1 "$E/seg.E01" >"$T/verify" 2>&1; vrc=$?
check "ewfverify: the set verifies (exit $vrc)" test $vrc -eq 0
info() { sed -n "s/^[[:space:]]*$1:[[:space:]]*//p" "$T/info" | head -n 1; }
ver() { sed -n "s/^$1:[[:space:]]*//p" "$2" | head -n 1; }

"$PMEMSCAN" --json "$E/seg.E01" >"$T/j" 2>/dev/null; rc=$?
jv() { jq -r "$1" "$T/j"; }
same_value "scan exits 0 and says so" "$rc $(jv .exit_code)" "0 0"
same_value "container: ewf, EnCase 6 (E01) (ewfinfo: $(info 'File format'))" \
	"$(jv '.image.container | "\(.kind) \(.format)"')" "ewf $(info 'File format') (E01)"
same_value "container: the three segments, in order" "$(jv '.image.container.segments | join(" ")')" \
	"$E/seg.E01 $E/seg.E02 $E/seg.E03"
same_value "stored MD5 is ewfverify's 'stored in file'" "$(jv .image.container.stored_md5)" \
	"$(ver 'MD5 hash stored in file' "$T/verify")"
same_value "stored SHA1 is ewfverify's 'stored in file'" "$(jv .image.container.stored_sha1)" \
	"$(ver 'SHA1 hash stored in file' "$T/verify")"
same_value "data MD5 and SHA1 are ewfverify's 'calculated over data'" \
	"$(jv '"\(.image.container.data_md5) \(.image.container.data_sha1)"')" \
	"$(ver 'MD5 hash calculated over data' "$T/verify") $(ver 'SHA1 hash calculated over data' "$T/verify")"
same_value "verify: match" "$(jv .image.container.verify)" match
same_value "metadata: case number, evidence number, examiner, description, notes as ewfinfo shows them" \
	"$(jv '.image.container.metadata | [.case_number, .evidence_number, .examiner, .description, .notes] | join("|")')" \
	"$(info 'Case number')|$(info 'Evidence number')|$(info 'Examiner name')|$(info 'Description')|$(info 'Notes')"
same_value "... the examiner exactly as given to ewfacquire" "$(jv .image.container.metadata.examiner)" "$EXAMINER"
same_value "media size and bytes per sector as ewfinfo's" \
	"$(jv '"\(.image.container.media_size) \(.image.container.bytes_per_sector)"')" \
	"$(info 'Media size' | sed 's/.*(\([0-9]*\) bytes)/\1/') $(info 'Bytes per sector')"

"$PMEMSCAN" "$E/seg.E01" >"$T/t" 2>/dev/null
check "text: the container line names the format and the segments" \
	grep -q "^container: EnCase 6 (E01), 3 segment(s): $E/seg.E01 $E/seg.E02 $E/seg.E03\$" "$T/t"
check "text: stored hashes and 'verification: match'" sh -c "
	grep -q '^  stored md5: $(jv .image.container.stored_md5)\$' '$T/t' &&
	grep -q '^  stored sha1: $(jv .image.container.stored_sha1)\$' '$T/t' &&
	grep -q '^  verification: match: ' '$T/t'"
check "text: the acquisition metadata" sh -c "grep -q '^  case number: CASE-17\$' '$T/t' && grep -q '^  notes: test notes\$' '$T/t'"
"$PMEMSCAN" --json --hash none "$E/seg.E01" >"$T/j2" 2>/dev/null
same_value "--hash none: the data is still checked against the stored hashes" "$(jq -r .image.container.verify "$T/j2")" match

# --- a tampered segment: a chunk's byte flipped, its Adler-32 recomputed ---
mkdir "$T/tamper"
cp "$E"/seg.E0? "$T/tamper/"
python3 - "$RAW" "$T/tamper" >"$T/where" <<'EOF'
import struct, sys, zlib
raw = open(sys.argv[1], 'rb').read()
# the last chunk with data in it (the ext4 metadata): unique in the set
for ck in range(len(raw) // 32768 - 1, 0, -1):
    chunk = raw[ck * 32768:(ck + 1) * 32768]
    if chunk.count(0) < 30000:
        break
for seg in ('seg.E01', 'seg.E02', 'seg.E03'):
    p = sys.argv[2] + '/' + seg
    b = bytearray(open(p, 'rb').read())
    j = b.find(chunk)
    if j < 0:
        continue
    b[j + 100] ^= 0x20
    b[j + 32768:j + 32772] = struct.pack('<I', zlib.adler32(bytes(b[j:j + 32768])))
    open(p, 'wb').write(b)
    print(seg, ck * 32768)
    break
EOF
read -r tseg toff <"$T/where"
check "a data chunk was tampered with ($tseg, media offset $toff)" test -n "$toff"
ewfverify -q -d sha1 "$T/tamper/seg.E01" >"$T/tverify" 2>&1; tvrc=$?
check "ewfverify: the tampered set FAILS (exit $tvrc)" sh -c "[ $tvrc -eq 1 ] && grep -q 'ewfverify: FAILURE' '$T/tverify'"
"$PMEMSCAN" --json "$T/tamper/seg.E01" >"$T/tj" 2>"$T/terr"; trc=$?
same_value "tampered: scan exits 1 and the report's exit_code says 1" "$trc $(jq -r .exit_code "$T/tj")" "1 1"
same_value "tampered: verify is mismatch" "$(jq -r .image.container.verify "$T/tj")" mismatch
same_value "tampered: the stored MD5 is unchanged" "$(jq -r .image.container.stored_md5 "$T/tj")" "$(jv .image.container.stored_md5)"
same_value "tampered: data MD5 and SHA1 are ewfverify's 'calculated over data'" \
	"$(jq -r '"\(.image.container.data_md5) \(.image.container.data_sha1)"' "$T/tj")" \
	"$(ver 'MD5 hash calculated over data' "$T/tverify") $(ver 'SHA1 hash calculated over data' "$T/tverify")"
same_value "tampered: the namespaces and verdicts are still reported (the damage is in file data)" \
	"$(jq -c '[.namespaces[] | .verdict.result]' "$T/tj")" "$(jq -c '[.namespaces[] | .verdict.result]' "$T/j")"
"$PMEMSCAN" "$T/tamper/seg.E01" --html "$T/tamper.html" >"$T/tt" 2>/dev/null; trc=$?
check "tampered: text says MISMATCH with stored and computed MD5 (exit $trc)" sh -c "[ $trc -eq 1 ] &&
	grep -q '^  verification: MISMATCH: the data does not match the MD5 and SHA1 stored in the image: MD5 stored $(jv .image.container.stored_md5), data $(ver 'MD5 hash calculated over data' "$T/tverify");' '$T/tt'"
check "tampered: the HTML page says mismatch and exit code 1" sh -c "
	grep -q 'data-verify=\"mismatch\"' '$T/tamper.html' && grep -q '<body data-exit-code=\"1\">' '$T/tamper.html'"
"$PMEMSCAN" "$E/seg.E01" --html "$T/good.html" >/dev/null 2>&1
check "... and match, exit code 0, for the untouched set, the examiner escaped" sh -c "
	grep -q 'data-verify=\"match\"' '$T/good.html' && grep -q '<body data-exit-code=\"0\">' '$T/good.html' &&
	grep -q 'Jane &lt;O&#39;Brien&gt; &amp; &quot;Co&quot;' '$T/good.html'"

# --- split raw and a plain file ---
split -b 50M -d -a 3 --numeric-suffixes=1 "$RAW" "$T/dump."
"$PMEMSCAN" --json --hash none "$T/dump.001" >"$T/sj" 2>/dev/null; src=$?
same_value "split raw: kind, format, 3 segments of 52428800 bytes (exit $src)" \
	"$(jq -r '.image.container | "\(.kind) \(.format) \(.segments | length) \(.segment_size) \(.segments[2])"' "$T/sj")" \
	"split split raw 3 52428800 $T/dump.003"
check "split raw: no stored hashes claimed" sh -c "[ \"\$(jq -r '.image.container | has(\"verify\")' '$T/sj')\" = false ]"
"$PMEMSCAN" --hash none "$T/dump.001" 2>/dev/null | grep '^container:' >"$T/st"
check "split raw: text names the segments" grep -q "^container: split raw, 3 segment(s) of 52428800 bytes (the last 33554432): $T/dump.001 $T/dump.002 $T/dump.003\$" "$T/st"
"$PMEMSCAN" --json --hash none "$RAW" >"$T/pj" 2>/dev/null
same_value "a plain file: container is null" "$(jq -r '.image | has("container") and .container == null' "$T/pj")" true
check "a plain file: no container line in the text" sh -c "! '$PMEMSCAN' --hash none '$RAW' 2>/dev/null | grep -q '^container:'"
done_testing
