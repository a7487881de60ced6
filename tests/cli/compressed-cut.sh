#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Truncated compressed dumps (issue 26, item 11): a .gz/.xz/.zst/.lz4/.bz2
# cut short is read as far as it decodes and then handled as a truncated
# image: the report says where the stream broke (compressed offset,
# decoded bytes), the image is the dump's content up to there (at least
# what the format's own tool decodes from the cut file), extract gives the
# same files as from a plain image cut at the same byte, and every file it
# writes is the source file. A corrupt (not
# truncated) dump, and a truncated one read as a stream (digest), are
# still refused.
. "$top_srcdir/tests/support/lib.sh"
for t in ndctl mkfs.ext4 jq sha256sum cmp; do
	command -v $t >/dev/null 2>&1 || skip_all "$t not installed"
done
sha() { sha256sum | cut -d' ' -f1; }

# an fsdax namespace (ndctl write-infoblock) holding an ext4 made by
# mkfs.ext4 at its data start, with 40 files of random bytes
mkdir "$T/tree"
i=1
while [ $i -le 40 ]; do
	head -c $((100000 + i * 7919)) /dev/urandom >"$T/tree/f$i.bin"
	i=$((i + 1))
done
mkdir "$T/tree/sub"
echo hello >"$T/tree/sub/a.txt"
img=$T/ns.img
truncate -s 64M "$img"
ndctl write-infoblock -o "$img" >/dev/null 2>&1
D=$(ndctl read-infoblock -j -i "$img" 2>/dev/null | jq '.[0].dataoff')
check "ndctl wrote the info block (dataoff $D)" test "${D:-0}" -gt 0
mkfs.ext4 -q -F -E offset="$D" -d "$T/tree" "$img" $(((64 * 1048576 - D) / 1024))k
"$PMEMSCAN" extract --quiet "$img" -o "$T/x-whole" 2>/dev/null
check "the whole image extracts to the tree" diff -r -x lost+found "$T/tree" "$T/x-whole"

# every file in DIR ($1) is the source file of that name; at least one
# and fewer than all (the cut loses some)
files_right() {
	n=0
	for f in $(cd "$1" && find . -type f); do
		cmp -s "$1/$f" "$T/tree/$f" || { echo "differs: $f"; return 1; }
		n=$((n + 1))
	done
	echo "$n files right"
	[ "$n" -gt 0 ] && [ "$n" -lt 41 ]
}

for z in gzip xz zstd lz4 bzip2; do
	if ! command -v $z >/dev/null 2>&1; then
		skip "$z: truncated dumps" "$z not installed"
		continue
	fi
	$z -c <"$img" >"$T/d.$z"
	size=$(stat -c %s "$T/d.$z")
	for pct in 30 60 90; do
		cut=$T/cut$pct.$z
		head -c $((size * pct / 100)) "$T/d.$z" >"$cut"
		csize=$(stat -c %s "$cut")
		$z -dc <"$cut" >"$T/ref.img" 2>/dev/null
		"$PMEMSCAN" --json "$cut" >"$T/j" 2>"$T/err"; rc=$?
		check "$z cut at $pct%: scan exits 1 (a truncated dump), not 3" test "$rc" -eq 1
		same_value "$z cut at $pct%: the report says the stream breaks at the file's end, compressed offset $csize" \
			"$(jq -r '.image.compressed.truncated.compressed_offset' "$T/j")" "$csize"
		# the image is a prefix of the dump's content, at least what the
		# format's own tool decodes from the cut file (bzip2 -dc writes in
		# pieces, gzip -dc may hold back a byte)
		got=$(jq -r '.image.compressed.truncated.decoded_bytes' "$T/j")
		ref=$(stat -c %s "$T/ref.img")
		check "$z cut at $pct%: decoded bytes ($got) at least what $z -dc gives ($ref)" \
			test "$got" -ge "$ref" -a "$ref" -gt 0
		same_value "$z cut at $pct%: the image is the decoded bytes" \
			"$(jq -r '.image.size' "$T/j")" "$got"
		head -c "$got" "$img" >"$T/prefix.img"
		same_value "$z cut at $pct%: the image's sha256 is that of the dump's first $got bytes" \
			"$(jq -r '.image.sha256' "$T/j")" "$(sha <"$T/prefix.img")"
		check "$z cut at $pct%: a notice names the file, the offset and the decoded bytes" \
			grep -q "cut$pct.$z: the $z stream breaks at compressed offset $csize of $csize .*after [0-9]* decoded bytes" "$T/err"
		rm -rf "$T/xa" "$T/xb"
		"$PMEMSCAN" extract --quiet "$cut" -o "$T/xa" 2>/dev/null
		check "$z cut at $pct%: every file extract writes is the source file" files_right "$T/xa"
		"$PMEMSCAN" extract --quiet "$T/prefix.img" -o "$T/xb" 2>/dev/null
		check "$z cut at $pct%: the same files as from the plain image cut at the same byte" \
			sh -c "[ -n \"\$(ls '$T/xb')\" ] && diff -r '$T/xa' '$T/xb'"
	done
done

command -v zstd >/dev/null 2>&1 || { done_testing; exit; }
cut=$T/cut60.zstd
"$PMEMSCAN" "$cut" >"$T/out" 2>/dev/null
check "text: the input line says TRUNCATED and where" \
	grep -q "^input: TRUNCATED: the zstd stream breaks at compressed offset $(stat -c %s "$cut") of" "$T/out"
"$PMEMSCAN" --html "$T/r.html" "$cut" >/dev/null 2>&1
check "html: the page says where the stream breaks" \
	grep -q "id=\"stream-cut\">the zstd stream breaks at compressed offset $(stat -c %s "$cut")" "$T/r.html"
rm -rf "$T/xs"
"$PMEMSCAN" extract - -o "$T/xs" <"$cut" 2>"$T/err"; rc=$?
check "standard input: extract says where the stream breaks (exit $rc)" \
	grep -q "standard input: the zstd stream breaks at compressed offset $(stat -c %s "$cut") of" "$T/err"
check "standard input: every file extract writes is the source file" files_right "$T/xs"
mkdir "$T/cache"
"$PMEMSCAN" --cache --cache-dir "$T/cache" "$cut" >/dev/null 2>"$T/err"; rc=$?
check "--cache: exit 1, and a truncated dump is not kept as a cache" \
	sh -c "[ $rc -eq 1 ] && [ -z \"\$(ls -A '$T/cache')\" ] && grep -q 'not keeping the cache' '$T/err'"
"$PMEMSCAN" digest "$cut" >"$T/out" 2>"$T/err"; rc=$?
check "digest (a stream) of a truncated dump is still refused (exit 3, nothing printed)" \
	sh -c "[ $rc -eq 3 ] && [ ! -s '$T/out' ] && grep -q 'compressed offset' '$T/err'"
# corrupt, not truncated: a byte in the middle of the zstd data
cp "$T/d.zstd" "$T/bad.zst"
printf '\377\377\377\377' | dd of="$T/bad.zst" bs=1 seek=$(($(stat -c %s "$T/d.zstd") / 2)) conv=notrunc status=none
"$PMEMSCAN" "$T/bad.zst" >"$T/out" 2>"$T/err"; rc=$?
check "a corrupt (not truncated) dump is still refused: exit 3, no report" \
	sh -c "[ $rc -eq 3 ] && [ ! -s '$T/out' ] && grep -q 'zstd decompression failed' '$T/err'"
done_testing
