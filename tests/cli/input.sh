#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Compressed and huge dumps through the CLI: pmemscan cat / digest on
# gzip, xz, zstd and bzip2 dumps (stream and cache), corrupt and truncated
# dumps, the sparse digest against its reference script, a 4 TiB image.
. "$top_srcdir/tests/support/lib.sh"
for t in gzip xz zstd bzip2 python3 truncate cmp du stat; do
	command -v $t >/dev/null 2>&1 || skip_all "$t not installed"
done
REF="python3 $top_srcdir/tests/support/digest-ref.py"
sha() { sha256sum "$1" | cut -d' ' -f1; }
dig() { "$PMEMSCAN" digest "$@" | cut -d' ' -f1; }
kib() { du -k "$1" | cut -f1; }
one_line() { [ "$(wc -l <"$1")" -eq 1 ]; }

# A: 6 MiB + 777 bytes (not a 4 KiB multiple): data, a 3 MiB zero gap, data.
A=$T/a.img
head -c 2M /dev/urandom >"$A"
head -c 3M /dev/zero >>"$A"
head -c $((1048576 + 777)) /dev/urandom >>"$A"
# S: 128 MiB sparse: 1 MiB of data at 0 and at 100 MiB, 4 KiB at the end.
S=$T/s.img
truncate -s 128M "$S"
head -c 1M /dev/urandom | dd of="$S" conv=notrunc status=none
head -c 1M /dev/urandom | dd of="$S" bs=1M seek=100 conv=notrunc status=none
head -c 4096 /dev/urandom | dd of="$S" bs=4096 seek=$((128 * 256 - 1)) conv=notrunc status=none
for i in a s; do
	gzip -1 -c "$T/$i.img" >"$T/$i.img.gz"
	xz -0 -T1 -c "$T/$i.img" >"$T/$i.img.xz"
	zstd -q -c "$T/$i.img" >"$T/$i.img.zst"
	bzip2 -1 -c "$T/$i.img" >"$T/$i.img.bz2"
done
# detection is by magic, not by name
cp "$T/a.img.zst" "$T/a-zstd.dat"

# --- streaming: everything read in order equals the plain image ---
for i in a s; do
	want=$(sha "$T/$i.img")
	for z in gz xz zst bz2; do
		f=$T/$i.img.$z
		check "$i.img.$z: digest --sha256 (stream) equals sha256sum" \
			[ "$(dig --sha256 "$f")" = "$want" ]
		rm -f "$T/out"
		"$PMEMSCAN" cat "$f" -o "$T/out"; rc=$?
		check "$i.img.$z: cat -o exits 0" [ $rc -eq 0 ]
		same_output "$i.img.$z: cat -o equals the image" "$T/out" "$T/$i.img"
	done
	check "$i.img.gz: cat to a pipe equals the image" \
		[ "$("$PMEMSCAN" cat "$T/$i.img.gz" | sha256sum | cut -d' ' -f1)" = "$want" ]
done
check "a zstd dump named .dat is decoded (magic, not name)" \
	[ "$(dig "$T/a-zstd.dat")" = "$(sha "$A")" ]
rm -f "$T/out"
"$PMEMSCAN" cat "$T/s.img.xz" -o "$T/out"
# (an empty or missing output is small too: the bytes must be the image's)
check "cat -o of a sparse dump writes holes (du $(kib "$T/out") KiB < 8 MiB), the image's bytes" \
	eval 'same "$T/out" "$S" && [ "$(kib "$T/out")" -lt 8192 ]'
rm -f "$T/o2"
"$PMEMSCAN" cat "$S" -o "$T/o2"; rc=$?
check "cat -o of a plain image: exit 0" [ $rc -eq 0 ]
same_output "cat -o of a plain image copies it" "$T/o2" "$S"
echo x >"$T/exists"
expect_exit 3 "cat -o refuses an existing output" "$PMEMSCAN" cat "$A" -o "$T/exists" 2>"$T/err"
check "... and leaves it untouched" [ "$(cat "$T/exists")" = x ]

# --- random access without --cache: a nameless temporary file, nothing left ---
TD=$T/tmpdir
mkdir -p "$TD"
TMPDIR=$TD "$PMEMSCAN" "$T/s.img.xz" >"$T/scan-tmp" 2>"$T/err-tmp"
check "scan of an xz dump without --cache reports the decoded image's sha256" \
	grep -q "^sha256: $(sha "$S")\$" "$T/scan-tmp"
check "... says it decodes into a temporary file deleted at exit" \
	grep -q "decoding $T/s.img.xz (xz) into a temporary sparse file in $TD, deleted at exit" "$T/err-tmp"
check "... and leaves nothing in TMPDIR ($(ls -A "$TD" | wc -l) entries)" [ -z "$(ls -A "$TD")" ]
rm -rf "$T/x-tmp"
TMPDIR=$TD "$PMEMSCAN" extract --offset 0 "$T/s.img.gz" -o "$T/x-tmp" >/dev/null 2>"$T/err-tmp2"
check "extract of a gzip dump without --cache decodes it into a temporary file" \
	grep -q "decoding $T/s.img.gz (gzip) into a temporary sparse file in $TD" "$T/err-tmp2"
check "... and leaves nothing in TMPDIR" [ -z "$(ls -A "$TD")" ]

# --- random access through the cache ---
C=$T/cache
mkdir "$C"
X=$T/c.img.xz
cp "$T/s.img.xz" "$X"
rm -f "$T/out"
"$PMEMSCAN" cat --cache --cache-dir "$C" "$X" -o "$T/out" 2>"$T/err1"
check "cache: first use says it is inflating" grep -q "inflating $X (xz) into cache $C/pmemscan-cache-" "$T/err1"
# (ls of no match prints nothing: echo "" | wc -l is 1 as well)
cache=$(ls "$C"/pmemscan-cache-*.img 2>/dev/null)
check "cache: one cache file ($(ls "$C" | wc -l) in $C)" \
	[ -n "$cache" -a "$(ls "$C"/pmemscan-cache-*.img | wc -l)" -eq 1 ]
same_output "cache: equals the plain image" "$cache" "$S"
same_output "cache: output through the cache equals the image" "$T/out" "$S"
check "cache: is sparse (du $(kib "$cache") KiB for 128 MiB)" [ "$(kib "$cache")" -lt 8192 ]
m1=$(stat -c %y "$cache")
sleep 0.05
"$PMEMSCAN" digest --cache --cache-dir "$C" "$X" >"$T/d2" 2>"$T/err2"
check "cache: second use says it is reusing it" grep -q "reusing cache $cache for $X" "$T/err2"
same_value "cache: not rewritten (mtime unchanged)" "$(stat -c %y "$cache")" "$m1"
check "cache: digest through the cache is right" [ "$(cut -d' ' -f1 "$T/d2")" = "$(sha "$S")" ]
check "cache: no partial file left" [ -z "$(ls "$C" | grep partial)" ]
# the input changes: another image under the same name
cp "$S" "$T/s2.img"
printf 'Z' | dd of="$T/s2.img" bs=1 seek=5000000 conv=notrunc status=none
xz -0 -T1 -c "$T/s2.img" >"$X"
"$PMEMSCAN" digest --cache --cache-dir "$C" "$X" >"$T/d3" 2>"$T/err3"
check "cache: a changed input is inflated again" grep -q inflating "$T/err3"
check "cache: the stale cache is removed" grep -q "removed stale cache" "$T/err3"
check "cache: ... and gone" [ -n "$cache" -a ! -e "$cache" ]
check "cache: the new content is served" [ "$(cut -d' ' -f1 "$T/d3")" = "$(sha "$T/s2.img")" ]
check "cache: default dir is TMPDIR" sh -c "TMPDIR='$T' '$PMEMSCAN' digest --cache '$T/a.img.gz' 2>&1 >/dev/null | grep -q 'into cache $T/pmemscan-cache-'"

# two pmemscan runs racing for the same cache: one inflates, the other
# waits and reuses it; both read the right bytes
C2=$T/cache2
mkdir "$C2"
"$PMEMSCAN" digest --cache --cache-dir "$C2" "$T/s.img.zst" >"$T/r1" 2>"$T/e1" &
p1=$!
"$PMEMSCAN" digest --cache --cache-dir "$C2" "$T/s.img.zst" >"$T/r2" 2>"$T/e2" &
p2=$!
wait $p1; rc1=$?
wait $p2; rc2=$?
# (check D [ a ] && [ b ]: the shell runs [ b ] after check, outside it)
check "race: both runs succeed" [ $rc1 -eq 0 -a $rc2 -eq 0 ]
check "race: both digests right" \
	[ "$(cut -d' ' -f1 "$T/r1")" = "$(sha "$S")" -a "$(cut -d' ' -f1 "$T/r2")" = "$(sha "$S")" ]
check "race: inflated exactly once" [ "$(cat "$T/e1" "$T/e2" | grep -c "^pmemscan: inflating")" -eq 1 ]
check "race: the other reused it" [ "$(cat "$T/e1" "$T/e2" | grep -c reusing)" -eq 1 ]
check "race: one cache, no partial" [ "$(ls "$C2" | grep -c '\.img')" -eq 1 -a -z "$(ls "$C2" | grep partial)" ]

# trailing zero padding (tape blocks) after the last member is ignored, said so
{ cat "$T/a.img.gz"; head -c 10000 /dev/zero; } >"$T/pad.gz"
"$PMEMSCAN" digest "$T/pad.gz" >"$T/d" 2>"$T/err"
check "zero padding after gzip: right digest" [ "$(cut -d' ' -f1 "$T/d")" = "$(sha "$A")" ]
check "zero padding after gzip: a notice says so" grep -q "ignoring 10000 bytes after the end of the gzip data.*zero padding" "$T/err"
{ cat "$T/a.img.gz" "$T/a.img.gz"; } >"$T/two.gz"
check "two gzip members decode as one image" [ "$(dig "$T/two.gz")" = "$({ cat "$A" "$A"; } | sha256sum | cut -d' ' -f1)" ]

# --- truncated and corrupt dumps ---
for z in gz xz zst bz2; do
	f=$T/trunc.$z
	n=$(($(stat -c %s "$T/a.img.$z") / 2))
	head -c $n "$T/a.img.$z" >"$f"
	rm -f "$T/out"
	expect_exit 3 "truncated .$z: cat fails" "$PMEMSCAN" cat "$f" -o "$T/out" 2>"$T/err"
	check "truncated .$z: one-line error" one_line "$T/err"
	check "truncated .$z: names the file and the offset where the input ends" \
		grep -q "^pmemscan: $f: .* decompression failed at compressed offset $n " "$T/err"
	check "truncated .$z: nothing written" [ ! -e "$T/out" ]
	f=$T/corrupt.$z
	cp "$T/a.img.$z" "$f"
	printf '\377\377\377\377' | dd of="$f" bs=1 seek=$n conv=notrunc status=none
	expect_exit 3 "corrupt .$z: digest fails" sh -c "'$PMEMSCAN' digest '$f' 2>'$T/err' >'$T/stdout'"
	check "corrupt .$z: one-line error naming the file and offset" \
		sh -c "[ \$(wc -l <'$T/err') -eq 1 ] && grep -q '^pmemscan: $f: .*compressed offset [0-9]' '$T/err'"
	check "corrupt .$z: no digest printed" [ ! -s "$T/stdout" ]
done
expect_exit 3 "cache of a corrupt dump fails" "$PMEMSCAN" digest --cache --cache-dir "$C" "$T/corrupt.xz" 2>"$T/err"
check "... and leaves no cache or partial file" [ "$(ls "$C" | grep -c '\.img')" -eq 1 ]
C3=$T/cache3
mkdir "$C3"
expect_exit 3 "cache of a corrupt dump in an empty dir fails" "$PMEMSCAN" digest --cache --cache-dir "$C3" "$T/corrupt.xz" 2>"$T/err"
check "... and leaves nothing in it, no lock file either ($(ls -A "$C3" | tr '\n' ' '))" [ -z "$(ls -A "$C3")" ]

# a full TMPDIR (a 1 MiB tmpfs): the decode fails with ENOSPC, one line,
# exit 3, and nothing pmemscan created is left there
FULL=$T/full-tmp
mkdir "$FULL"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=1m tmpfs "$FULL" 2>/dev/null; then
	TMPDIR=$FULL "$PMEMSCAN" digest --cache "$T/s.img.xz" >"$T/stdout" 2>"$T/err"; rc=$?
	check "full TMPDIR, digest --cache: exit 3 (got $rc), no digest" [ $rc -eq 3 -a ! -s "$T/stdout" ]
	check "... says the disk is full" grep -q "No space left on device" "$T/err"
	check "... and leaves nothing in TMPDIR ($(ls -A "$FULL" | tr '\n' ' '))" [ -z "$(ls -A "$FULL")" ]
	for c in "--cache" ""; do
		TMPDIR=$FULL "$PMEMSCAN" $c "$T/s.img.xz" >/dev/null 2>&1; rc=$?
		check "full TMPDIR, scan ${c:-(temporary file)}: exit 3 (got $rc), nothing left in TMPDIR ($(ls -A "$FULL" | tr '\n' ' '))" \
			[ $rc -eq 3 -a -z "$(ls -A "$FULL")" ]
	done
	umount "$FULL"
else
	skip "a full TMPDIR leaves nothing" "not root, or cannot mount a tmpfs"
fi

# --- digests ---
cp --sparse=never "$S" "$T/full.img"
check "the written-zero copy is not sparse" [ "$(kib "$T/full.img")" -gt 100000 ]
check "--sha256 equals sha256sum (written zeros)" [ "$(dig --sha256 "$T/full.img")" = "$(sha "$S")" ]
check "--sha256 equals sha256sum (holes)" [ "$(dig --sha256 "$S")" = "$(sha "$S")" ]
# (two failed digests print nothing alike: same_value/differ_value refuse
# an empty side)
sp=$(dig --sparse "$S")
same_value "--sparse: holes and written zeros give the same digest" "$(dig --sparse "$T/full.img")" "$sp"
same_value "--sparse: the same through a compressed dump" "$(dig --sparse "$T/s.img.zst")" "$sp"
differ_value "--sparse: one byte different, digest different" "$(dig --sparse "$T/s2.img")" "$sp"
differ_value "--sparse: differs from --sha256" "$sp" "$(sha "$S")"
for f in "$S" "$T/full.img" "$T/s2.img" "$A"; do
	same_value "digest-ref.py --sparse agrees on $(basename "$f")" \
		"$($REF --sparse "$f" | cut -d' ' -f1)" "$(dig --sparse "$f")"
done
same_value "digest-ref.py --sha256 agrees with sha256sum" "$($REF --sha256 "$A" | cut -d' ' -f1)" "$(sha "$A")"
# hashing threads change the speed, never the digest
for n in 0 1 2 7; do
	for f in "$S:$S" "$T/s.img.zst:$S" "$A:$A"; do	# input:decoded
		raw=${f%%:*}
		same_value "--threads $n: --sparse of $(basename "$raw") equals digest-ref.py" \
			"$(dig --sparse --threads $n "$raw")" "$($REF --sparse "${f#*:}" | cut -d' ' -f1)"
		check "--threads $n: --sha256 of $(basename "$raw") equals sha256sum" \
			[ "$(dig --sha256 --threads $n "$raw")" = "$(sha "${f#*:}")" ]
	done
done
# data runs at many positions and spacings, stored as holes (dd into a
# sparse file), written out, xz-compressed and as E01 evidence: the sparse
# digest is the reference's in every storage (two runs inside one 1 MiB
# chunk with a hole between them used to give the all-zero image's digest)
R=$T/runs
mkdir -p "$R"
nr=0
for layout in "256:2 270:2" "0:1 2:1" "255:2 257:3" "1:1 300:4 600:1" "100:8 355:2" "511:1 512:1" "10:1 12:1 14:1 700:2"; do
	nr=$((nr + 1))
	f=$R/r$nr.img
	rm -f "$f"; truncate -s 3M "$f"
	for run in $layout; do
		head -c $((${run#*:} * 4096)) /dev/urandom |
			dd of="$f" bs=4096 seek="${run%%:*}" conv=notrunc status=none
	done
	want=$($REF --sparse "$f" | cut -d' ' -f1)
	cp --sparse=never "$f" "$R/full$nr.img"
	same_value "runs $layout: holes and written zeros, the reference's value on both" \
		"$($REF --sparse "$R/full$nr.img" | cut -d' ' -f1)" "$want"
	same_value "runs $layout: --sparse of the sparse file equals digest-ref.py" "$(dig --sparse "$f")" "$want"
	same_value "runs $layout: --sparse of the written-out copy" "$(dig --sparse "$R/full$nr.img")" "$want"
	xz -T1 -0 -k -c "$f" >"$f.xz"
	same_value "runs $layout: --sparse of its .xz" "$(dig --sparse "$f.xz")" "$want"
	if command -v ewfacquire >/dev/null; then
		ewfacquire -u -q -t "$R/e$nr" -f encase6 -c fast "$f" >/dev/null 2>&1
		same_value "runs $layout: --sparse of its E01" "$(dig --sparse "$R/e$nr.E01")" "$want"
	else skip "runs $layout: --sparse of its E01" "ewfacquire not installed"; fi
done
expect_exit 3 "--threads 65 is refused" "$PMEMSCAN" digest --threads 65 "$A"
: >"$T/empty"
same_value "--sparse of an empty image is the documented value" \
	"$(dig --sparse "$T/empty")" "$(python3 -c 'import hashlib;print(hashlib.sha256(b"pmemscan-sparse-sha256-v1"+bytes(8)).hexdigest())')"

# --- 4 TiB sparse image: constant memory, fast ---
H=$T/huge.img
if truncate -s 4T "$H" 2>/dev/null; then
	head -c 1M /dev/urandom | dd of="$H" bs=1M seek=$((1024 * 1024)) conv=notrunc status=none
	printf 'end' | dd of="$H" bs=1 seek=$((4 * 1024 * 1024 * 1024 * 1024 - 3)) conv=notrunc status=none
	/usr/bin/time -f '%e %M' -o "$T/time" "$PMEMSCAN" digest --sparse "$H" >"$T/hd"
	read -r secs rss <"$T/time"
	echo "# 4 TiB sparse digest: $secs s, max RSS $rss KiB"
	n=$(bytes_read "$PMEMSCAN" digest --sparse "$H")
	# (it must have read the 1 MiB of data: a digest that died early read
	# little too)
	if [ "$n" = skip ]; then skip "4 TiB sparse: --sparse read only the data" "strace not installed"
	else check "4 TiB sparse: --sparse read the data and only it (1 MiB <= $n bytes < 64 MiB)" \
		[ "$n" -ge 1048576 -a "$n" -lt 67108864 ]; fi
	check "4 TiB sparse: max RSS under 64 MiB ($rss KiB)" [ "$rss" -lt 65536 ]
	same_value "4 TiB sparse: digest-ref.py agrees" "$($REF --sparse "$H" | cut -d' ' -f1)" "$(cut -d' ' -f1 "$T/hd")"
	rm -f "$H"
else
	skip "4 TiB sparse image" "a 4 TiB sparse file is not supported here"
fi
done_testing
