#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pmemscan IMAGE on gzip/xz/zstd dumps: the same namespaces and verdict as
# the raw image, the compressed file's own size and hash in the report.
. "$top_srcdir/tests/support/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"
raw=$T/legacy.img
xz -dc "$top_srcdir/fixtures/legacy-fsdax-ext4.img.xz" >"$raw"
"$PMEMSCAN" --json "$raw" >"$T/raw.json"
report_core "$T/raw.json" >"$T/raw.core"
# next commands given (a missing report gives none), none of them a loop mount
no_loop_mount() { [ -s "$1" ] && ! grep -q 'mount -o ro,loop,offset' "$1"; }
for z in gzip xz zstd; do
	case $z in gzip) ext=gz ;; xz) ext=xz ;; zstd) ext=zst ;; esac
	$z -c <"$raw" >"$T/d.img.$ext"
	"$PMEMSCAN" --json --cache-dir "$T/cache" "$T/d.img.$ext" >"$T/$z.json" 2>"$T/$z.err"; rc=$?
	report_core "$T/$z.json" >"$T/$z.core"
	check "$z dump: exit 0" test "$rc" -eq 0
	same_output "$z dump: same structures, namespaces and verdict as the raw image" "$T/$z.core" "$T/raw.core"
	same_value "$z dump: decoded size and sha256 equal the raw image's" \
		"$(jq -r '.image | "\(.size) \(.sha256)"' "$T/$z.json")" \
		"$(stat -c %s "$raw") $(sha256sum <"$raw" | cut -d' ' -f1)"
	check "$z dump: the compressed file's format, size and sha256 are reported" \
		test "$(jq -r '.image.compressed | "\(.format) \(.size) \(.sha256)"' "$T/$z.json")" = \
		"$z $(stat -c %s "$T/d.img.$ext") $(sha256sum <"$T/d.img.$ext" | cut -d' ' -f1)"
	check "$z dump: the cache is announced on stderr" grep -q "inflating .* into cache $T/cache/" "$T/$z.err"
	jq -r '.namespaces[0].verdict.next_commands[]' "$T/$z.json" >"$T/$z.next"
	check "$z dump: next commands, but no loop-mount suggestion for a compressed file" \
		no_loop_mount "$T/$z.next"
done
"$PMEMSCAN" --json --cache-dir "$T/cache" "$T/d.img.xz" >/dev/null 2>"$T/again.err"
check "second scan reuses the cache" grep -q "reusing cache" "$T/again.err"
# extraction from each compressed dump yields the same files as from the
# raw image, and both match the fixture's manifest
"$PMEMSCAN" extract --quiet "$raw" -o "$T/x-raw" 2>/dev/null
check "extract from the raw image matches the fixture manifest" \
	manifest_check -x lost+found -i links "$top_srcdir/fixtures/legacy-fsdax-ext4.manifest" "$T/x-raw"
# list_tree DIR: every entry with its mode, owners and mtime (nothing if
# DIR is missing or empty, which same then refuses)
list_tree() { (cd "$1" && find . -mindepth 1 -printf '%p %m %U %G %T@\n' | sort); }
list_tree "$T/x-raw" >"$T/x-raw.list"
same_files() { diff -r --no-dereference "$T/x-raw" "$1" && same "$T/x-raw.list" "$1.list"; }
for ext in gz xz zst; do
	"$PMEMSCAN" extract --quiet --cache-dir "$T/cache" "$T/d.img.$ext" -o "$T/x-$ext" 2>/dev/null
	list_tree "$T/x-$ext" >"$T/x-$ext.list"
	check "extract from the .$ext dump: the same files, modes, owners and times as from the raw image" \
		same_files "$T/x-$ext"
done

head -c 10000 "$T/d.img.xz" >"$T/cut.img.xz"
"$PMEMSCAN" --cache-dir "$T/cache" "$T/cut.img.xz" >"$T/out" 2>"$T/err"; rc=$?
# (a truncated dump is read as far as it decodes: tests/cli/compressed-cut.sh)
check "truncated xz: exit 1, the notice names the file and offset, the report says TRUNCATED" \
	sh -c "[ $rc -eq 1 ] && grep -q 'cut.img.xz: the xz stream breaks at compressed offset 10000 of 10000' '$T/err' && grep -q '^input: TRUNCATED' '$T/out'"
done_testing
