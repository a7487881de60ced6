#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# lz4 dumps made by the real lz4 tool, through the CLI, with the checks
# tests/cli/input.sh makes on the other compressors: stream digest and cat,
# the temporary file and the kept cache, truncated and corrupt dumps, and
# lz4's own block and content checksums; scan and extract of a fixture.
. "$top_srcdir/tests/support/lib.sh"
for t in lz4 python3 truncate cmp du stat jq xz; do
	command -v $t >/dev/null 2>&1 || skip_all "$t not installed"
done
REF="python3 $top_srcdir/tests/support/digest-ref.py"
sha() { sha256sum "$1" | cut -d' ' -f1; }
dig() { "$PMEMSCAN" digest "$@" | cut -d' ' -f1; }
kib() { du -k "$1" | cut -f1; }

# A: 6 MiB + 777 bytes: data, a 3 MiB zero gap, data. S: 128 MiB sparse.
A=$T/a.img
head -c 2M /dev/urandom >"$A"
head -c 3M /dev/zero >>"$A"
head -c $((1048576 + 777)) /dev/urandom >>"$A"
S=$T/s.img
truncate -s 128M "$S"
head -c 1M /dev/urandom | dd of="$S" conv=notrunc status=none
head -c 1M /dev/urandom | dd of="$S" bs=1M seek=100 conv=notrunc status=none
head -c 4096 /dev/urandom | dd of="$S" bs=4096 seek=$((128 * 256 - 1)) conv=notrunc status=none
for i in a s; do
	lz4 -q -c "$T/$i.img" >"$T/$i.img.lz4"			# the defaults: content checksum
	lz4 -q -c -BX -B4 "$T/$i.img" >"$T/$i.bx.lz4"		# block checksums, 64 KiB blocks
done
cp "$T/a.img.lz4" "$T/a-lz4.dat"	# detection is by magic, not by name

# --- streaming ---
for i in a s; do
	want=$(sha "$T/$i.img")
	for z in img.lz4 bx.lz4; do
		f=$T/$i.$z
		check "$i.$z: digest --sha256 (stream) equals sha256sum" [ "$(dig --sha256 "$f")" = "$want" ]
		rm -f "$T/out"
		"$PMEMSCAN" cat "$f" -o "$T/out" && cmp -s "$T/out" "$T/$i.img"
		check "$i.$z: cat -o equals the image" [ $? -eq 0 ]
	done
	check "$i.img.lz4: cat to a pipe equals the image" \
		[ "$("$PMEMSCAN" cat "$T/$i.img.lz4" | sha256sum | cut -d' ' -f1)" = "$want" ]
	check "$i.img.lz4: --sparse equals digest-ref.py on the image" \
		[ "$(dig --sparse "$T/$i.img.lz4")" = "$($REF --sparse "$T/$i.img" | cut -d' ' -f1)" ]
done
check "an lz4 dump named .dat is decoded (magic, not name)" [ "$(dig "$T/a-lz4.dat")" = "$(sha "$A")" ]
rm -f "$T/out"
"$PMEMSCAN" cat "$T/s.img.lz4" -o "$T/out"
check "cat -o of a sparse lz4 dump writes holes (du $(kib "$T/out") KiB < 8 MiB)" [ "$(kib "$T/out")" -lt 8192 ]
cat "$T/a.img.lz4" "$T/a.img.lz4" >"$T/two.lz4"
check "two lz4 frames decode as one image" [ "$(dig "$T/two.lz4")" = "$(cat "$A" "$A" | sha256sum | cut -d' ' -f1)" ]
{ cat "$T/a.img.lz4"; head -c 10000 /dev/zero; } >"$T/pad.lz4"
"$PMEMSCAN" digest "$T/pad.lz4" >"$T/d" 2>"$T/err"
check "zero padding after the last frame: right digest" [ "$(cut -d' ' -f1 "$T/d")" = "$(sha "$A")" ]
check "... and a notice says so" grep -q "ignoring 10000 bytes after the end of the lz4 data.*zero padding" "$T/err"

# --- random access: a nameless temporary file, or the kept cache ---
TD=$T/tmpdir
mkdir -p "$TD"
rm -rf "$T/x-tmp"
TMPDIR=$TD "$PMEMSCAN" extract --offset 0 "$T/s.img.lz4" -o "$T/x-tmp" >/dev/null 2>"$T/err"
check "extract of an lz4 dump without --cache decodes it into a temporary file" \
	grep -q "decoding $T/s.img.lz4 (lz4) into a temporary sparse file in $TD, deleted at exit" "$T/err"
check "... and leaves nothing in TMPDIR" [ -z "$(ls -A "$TD")" ]
C=$T/cache
mkdir "$C"
rm -f "$T/out"
"$PMEMSCAN" cat --cache-dir "$C" "$T/s.img.lz4" -o "$T/out" 2>"$T/err1"
check "cache: first use says it is inflating" grep -q "inflating $T/s.img.lz4 (lz4) into cache $C/pmemscan-cache-" "$T/err1"
cache=$(ls "$C"/pmemscan-cache-*.img)
check "cache: equals the image, sparse (du $(kib "$cache") KiB)" sh -c "cmp -s '$cache' '$S' && [ $(kib "$cache") -lt 8192 ]"
"$PMEMSCAN" digest --cache-dir "$C" "$T/s.img.lz4" >"$T/d2" 2>"$T/err2"
check "cache: second use reuses it, right digest" \
	sh -c "grep -q 'reusing cache $cache' '$T/err2' && [ \"\$(cut -d' ' -f1 '$T/d2')\" = '$(sha "$S")' ]"

# --- scan and extract of a fixture: as from the raw image ---
xz -dc "$top_srcdir/fixtures/legacy-fsdax-ext4.img.xz" >"$T/fx.img"
lz4 -q -c "$T/fx.img" >"$T/fx.img.lz4"
"$PMEMSCAN" --json "$T/fx.img" >"$T/raw.json"
"$PMEMSCAN" --json "$T/fx.img.lz4" >"$T/lz4.json" 2>/dev/null; rc=$?
check "fixture.lz4: scan exits 0" test "$rc" -eq 0
report_core "$T/lz4.json" >"$T/lz4.core"
report_core "$T/raw.json" >"$T/raw.core"
same_output "fixture.lz4: scan finds the raw image's structures, namespaces and verdict" "$T/lz4.core" "$T/raw.core"
check "fixture.lz4: the lz4 file's format, size and sha256 are reported" \
	test "$(jq -r '.image.compressed | "\(.format) \(.size) \(.sha256)"' "$T/lz4.json")" = \
	"lz4 $(stat -c %s "$T/fx.img.lz4") $(sha "$T/fx.img.lz4")"
"$PMEMSCAN" extract --quiet "$T/fx.img" -o "$T/x-raw" 2>/dev/null
"$PMEMSCAN" extract --quiet "$T/fx.img.lz4" -o "$T/x-lz4" 2>/dev/null
check "fixture.lz4: extract gives the raw image's files (not none)" \
	sh -c "[ -n \"\$(find '$T/x-raw' -type f | head -n 1)\" ] && diff -r --no-dereference '$T/x-raw' '$T/x-lz4'"

# --- truncated and corrupt: one line naming the file and the compressed
# offset, exit 3, nothing written ---
for z in img.lz4 bx.lz4; do
	f=$T/trunc.$z
	n=$(($(stat -c %s "$T/a.$z") / 2))
	head -c $n "$T/a.$z" >"$f"
	rm -f "$T/out"
	expect_exit 3 "truncated $z: cat fails" "$PMEMSCAN" cat "$f" -o "$T/out" 2>"$T/err"
	check "truncated $z: one line naming the file and the offset where the input ends" \
		sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q '^pmemscan: $f: lz4 decompression failed at compressed offset $n .*truncated lz4 data' '$T/err'"
	check "truncated $z: nothing written" [ ! -e "$T/out" ]
done
# (bytes that differ from what is there: lz4 writes 0xff runs for long zero runs)
corrupt() { cp "$1" "$2"; printf '\125\252\125\252' | dd of="$2" bs=1 seek="$3" conv=notrunc status=none; }
n=$(($(stat -c %s "$T/a.bx.lz4") / 4))
corrupt "$T/a.bx.lz4" "$T/c.bx.lz4" $n
expect_exit 3 "corrupt block (with block checksums): digest fails" sh -c "'$PMEMSCAN' digest '$T/c.bx.lz4' >'$T/out' 2>'$T/err'"
check "... one line: the block checksum, at a compressed offset past the damage" \
	sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q '^pmemscan: $T/c.bx.lz4: lz4 decompression failed at compressed offset [0-9]* .*block checksum mismatch' '$T/err' && [ \$(sed 's/.*compressed offset \([0-9]*\) .*/\1/' '$T/err') -gt $n ] && [ ! -s '$T/out' ]"
s=$(stat -c %s "$T/a.img.lz4")
cp "$T/a.img.lz4" "$T/c.img.lz4"
# the content checksum's last byte, flipped (writing a fixed byte left it
# as it was once in 256 runs)
b=$(tail -c 1 "$T/a.img.lz4" | od -An -tu1 | tr -d ' ')
printf "\\$(printf %03o $((b ^ 1)))" | dd of="$T/c.img.lz4" bs=1 seek=$((s - 1)) conv=notrunc status=none
check "the corrupt copy differs from the original in its last byte only" \
	sh -c "[ \$(cmp -l '$T/a.img.lz4' '$T/c.img.lz4' | wc -l) -eq 1 ] && cmp -l '$T/a.img.lz4' '$T/c.img.lz4' | grep -q '^ *$s '"
expect_exit 3 "wrong content checksum: digest fails" sh -c "'$PMEMSCAN' digest '$T/c.img.lz4' >'$T/out' 2>'$T/err'"
check "... one line: the content checksum, at the frame's end ($s)" \
	grep -q "^pmemscan: $T/c.img.lz4: lz4 decompression failed at compressed offset $s .*content checksum mismatch" "$T/err"
check "lz4 -t agrees that it is damaged" sh -c "! lz4 -t '$T/c.img.lz4' 2>/dev/null"
lz4 -q -l -c "$A" >"$T/legacy.lz4"
expect_exit 3 "the legacy format (lz4 -l) is refused" sh -c "'$PMEMSCAN' digest '$T/legacy.lz4' 2>'$T/err' >/dev/null"
check "... by name, in one line" sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q 'lz4 legacy format (lz4 -l) is not supported' '$T/err'"
done_testing
