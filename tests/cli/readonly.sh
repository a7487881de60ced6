#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Forensic soundness: every read-only command leaves the evidence
# byte-identical (sha256 before and after) and opens it only O_RDONLY
# (every open of the image under strace).
. "$top_srcdir/tests/support/lib.sh"
command -v strace >/dev/null || skip_all "strace not installed"
img=$T/evidence.img
xz -dc "$top_srcdir/fixtures/legacy-fsdax-ext4.img.xz" >"$img"
cp "$top_srcdir/fixtures/legacy-fsdax-ext4.img.xz" "$T/evidence.img.xz"
before=$(sha256sum <"$img")
zbefore=$(sha256sum <"$T/evidence.img.xz")
mtime=$(stat -c %Y "$img")

# run_ro DESCRIPTION IMAGE ARGS...: the command must not change IMAGE nor
# open it for writing.
run_ro() {
	d=$1; target=$2; shift 2
	traced -f -qq -e trace=open,openat,openat2,creat,truncate -o "$T/trace" \
		"$PMEMSCAN" "$@" >/dev/null 2>&1
	name=$(basename "$target")
	opens=$(grep -c "$name\"" "$T/trace")
	bad=$(grep "$name\"" "$T/trace" | grep -E 'O_WRONLY|O_RDWR|O_TRUNC|O_CREAT|creat\(|truncate\(' | head -1)
	if [ "$opens" -gt 0 ] && [ -z "$bad" ]; then
		ok "$d: image opened $opens time(s), always O_RDONLY"
	else
		not_ok "$d: image opened $opens time(s); write open: $bad"
	fi
}
run_ro "scan" "$img" "$img"
run_ro "scan --json" "$img" --json "$img"
run_ro "scan of an xz dump" "$T/evidence.img.xz" --cache-dir "$T/c" "$T/evidence.img.xz"
run_ro "labels" "$img" labels "$img"
run_ro "check" "$img" check "$img"
run_ro "digest" "$img" digest "$img"
run_ro "cat" "$img" cat "$img" -o "$T/cat.out"
run_ro "extract to a directory" "$img" extract "$img" -o "$T/ex"
run_ro "extract to a tar.zst" "$img" extract "$img" -o "$T/ex.tar.zst"
run_ro "ls" "$img" ls "$img"
run_ro "carve" "$img" carve "$img" -o "$T/carved.img"
run_ro "extract from the xz dump" "$T/evidence.img.xz" extract --cache-dir "$T/c" "$T/evidence.img.xz" -o "$T/ex2"
run_ro "repair --plan" "$img" repair "$img" --plan --assume-aligned
run_ro "repair -o COPY" "$img" repair "$img" -o "$T/fixed.img" --assume-aligned
check "repair -o wrote a copy (so the check above saw a real repair)" test -s "$T/fixed.img"
check "the image is byte-identical after every command" test "$(sha256sum <"$img")" = "$before"
check "the compressed dump is byte-identical" test "$(sha256sum <"$T/evidence.img.xz")" = "$zbefore"
check "the image's mtime is unchanged" test "$(stat -c %Y "$img")" = "$mtime"
done_testing
