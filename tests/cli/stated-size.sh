#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A compressed dump whose container states a size its data does not have
# (an xz index, a zstd or lz4 frame's content size, a gzip ISIZE) is
# corrupt: the format's own tool says so, and every pmemscan command
# decodes to the end, compares, and stops with one line naming the file,
# the field and both sizes, exit 3, nothing written. The files are made by
# the real tools; only the size field is rewritten
# (tests/support/stated-size.py, which recomputes the field's checksum).
. "$top_srcdir/tests/support/lib.sh"
for t in xz zstd gzip lz4 python3 sha256sum; do
	command -v $t >/dev/null 2>&1 || skip_all "$t not installed"
done
PATCH="python3 $top_srcdir/tests/support/stated-size.py"
sha() { sha256sum "$1" | cut -d' ' -f1; }
M=1048576

# 8 MiB: a little data at the start of every 4 KiB block
IMG=$T/d.img
python3 -c '
import random, sys
r = random.Random(21)
with open(sys.argv[1], "wb") as f:
    for i in range(8 * 256):
        f.write(r.randbytes(64) + bytes(4096 - 64))
' "$IMG"
want=$(sha "$IMG")
xz -0 -T1 -c "$IMG" >"$T/good.xz"
zstd -q --content-size -c "$IMG" >"$T/good.zst"
lz4 -q --content-size -c "$IMG" >"$T/good.lz4"
gzip -1 -c "$IMG" >"$T/good.gz"

# the good dumps are read whole (so a failure below is the size's)
for z in xz zst lz4 gz; do
	check "good.$z: digest --sha256 equals sha256sum of the image" \
		[ "$("$PMEMSCAN" digest --sha256 "$T/good.$z" | cut -d' ' -f1)" = "$want" ]
done

# bad_case NAME FILE TOOL-TEST-CMD FIELD-REGEX STATED DECODED
# FILE has a stated size STATED while its data is DECODED bytes (or more,
# for zstd, whose decoder refuses a frame past its stated size).
bad_case() {
	n=$1 f=$2 tool=$3 field=$4 stated=$5 decoded=$6
	$tool "$f" >/dev/null 2>&1
	check "$n: $tool calls it corrupt (the patch is real damage)" [ $? -ne 0 ]
	"$PMEMSCAN" digest --sha256 "$f" >"$T/out" 2>"$T/err"; rc=$?
	check "$n: digest exits 3 (got $rc)" [ $rc -eq 3 ]
	check "$n: ... prints no digest" [ ! -s "$T/out" ]
	check "$n: ... one line naming the file, the $field, $stated and $decoded" \
		eval '[ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "^pmemscan: $f: .*$field.* $stated .*$decoded" "$T/err"'
	rm -f "$T/cat.out"
	"$PMEMSCAN" cat "$f" -o "$T/cat.out" 2>"$T/err"; rc=$?
	check "$n: cat -o exits 3 (got $rc)" [ $rc -eq 3 ]
	check "$n: ... and leaves no output" [ ! -e "$T/cat.out" ]
	"$PMEMSCAN" cat "$f" >/dev/null 2>&1; rc=$?
	check "$n: cat to a pipe exits 3 (got $rc)" [ $rc -eq 3 ]
	rm -rf "$T/td"; mkdir "$T/td"
	TMPDIR=$T/td "$PMEMSCAN" "$f" >"$T/out" 2>"$T/err"; rc=$?
	check "$n: scan (decoded into a temporary file) exits 3 (got $rc)" [ $rc -eq 3 ]
	check "$n: ... names the $field" grep -q "^pmemscan: $f: .*$field" "$T/err"
	check "$n: ... and leaves nothing in TMPDIR" [ -z "$(ls -A "$T/td")" ]
	TMPDIR=$T/td "$PMEMSCAN" --cache "$f" >/dev/null 2>&1; rc=$?
	check "$n: scan --cache exits 3 (got $rc)" [ $rc -eq 3 ]
	check "$n: ... and keeps no cache ($(ls "$T/td" | tr '\n' ' '))" \
		eval '! ls "$T/td" | grep -q "\.img"'
}

# --- xz: the index says less than the stream holds (xz -t: corrupt) ---
cp "$T/good.xz" "$T/less.xz"
old=$($PATCH xz "$T/less.xz" $((2 * M)))
check "xz: the index said the image's size before the patch ($old)" [ "$old" -eq $((8 * M)) ]
bad_case "xz index says 2 MiB of 8" "$T/less.xz" "xz -t" "index" $((2 * M)) $((8 * M))
cp "$T/good.xz" "$T/more.xz"
$PATCH xz "$T/more.xz" $((16 * M)) >/dev/null
bad_case "xz index says 16 MiB of 8" "$T/more.xz" "xz -t" "index" $((16 * M)) $((8 * M))
# two streams, the second's index lies: the first stream is fine
cat "$T/good.xz" "$T/good.xz" >"$T/two.xz"
$PATCH xz "$T/two.xz" $((2 * M)) 2 >/dev/null
bad_case "xz, 2nd of 2 streams says 2 MiB of 8" "$T/two.xz" "xz -t" "index of stream 2" $((2 * M)) $((8 * M))

# --- zstd: the frame content size (zstd --content-size) ---
cp "$T/good.zst" "$T/less.zst"
old=$($PATCH zstd "$T/less.zst" $((2 * M)))
check "zstd: the frame stated the image's size before the patch ($old)" [ "$old" -eq $((8 * M)) ]
bad_case "zstd frame says 2 MiB of 8" "$T/less.zst" "zstd -t" "content size" $((2 * M)) "holds more"
cp "$T/good.zst" "$T/more.zst"
$PATCH zstd "$T/more.zst" $((16 * M)) >/dev/null
bad_case "zstd frame says 16 MiB of 8" "$T/more.zst" "zstd -t" "content size" $((16 * M)) "decoded"

# --- lz4: the frame content size (lz4 --content-size) ---
cp "$T/good.lz4" "$T/less.lz4"
old=$($PATCH lz4 "$T/less.lz4" $((2 * M)))
check "lz4: the frame stated the image's size before the patch ($old)" [ "$old" -eq $((8 * M)) ]
bad_case "lz4 frame says 2 MiB of 8" "$T/less.lz4" "lz4 -t" "content size" $((2 * M)) $((8 * M))
cp "$T/good.lz4" "$T/more.lz4"
$PATCH lz4 "$T/more.lz4" $((16 * M)) >/dev/null
bad_case "lz4 frame says 16 MiB of 8" "$T/more.lz4" "lz4 -t" "content size" $((16 * M)) $((8 * M))

# one block holds the whole frame (32 KiB): the end is still checked apart
head -c 32768 "$IMG" >"$T/small.img"
lz4 -q --content-size -c "$T/small.img" >"$T/small.lz4"
$PATCH lz4 "$T/small.lz4" 8192 >/dev/null
bad_case "lz4 one-block frame says 8 KiB of 32" "$T/small.lz4" "lz4 -t" "content size" 8192 32768

# --- gzip: ISIZE, the member's size mod 2^32 ---
cp "$T/good.gz" "$T/less.gz"
old=$($PATCH gzip "$T/less.gz" $((2 * M)))
check "gzip: ISIZE said the image's size before the patch ($old)" [ "$old" -eq $((8 * M)) ]
bad_case "gzip ISIZE says 2 MiB of 8" "$T/less.gz" "gzip -t" "ISIZE" $((2 * M)) $((8 * M))
cat "$T/good.gz" "$T/less.gz" >"$T/two.gz"
bad_case "gzip, 2nd of 2 members' ISIZE says 2 MiB of 8" "$T/two.gz" "gzip -t" "ISIZE" $((2 * M)) $((8 * M))

done_testing
