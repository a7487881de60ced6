#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The committed fixture (fixtures/legacy-fsdax-ext4.img.xz, the README's quick
# start) is exactly what fixtures/gen.sh small-legacy-ext4 produces today:
# regenerated from scratch, byte for byte, with the same manifest and layout.
. "$top_srcdir/tests/support/lib.sh"
C=$top_srcdir/fixtures/legacy-fsdax-ext4
command -v xz >/dev/null || skip_all "xz not installed"
check "committed image is small (< 200 KiB compressed)" test "$(stat -c %s "$C.img.xz")" -lt 204800
xz -dc "$C.img.xz" >"$T/committed.img"
check "committed image decompresses to 132 MiB" test "$(stat -c %s "$T/committed.img")" -eq $((132 << 20))

# bytes depend on the tools and on being able to set owners and xattrs
want=$(sed -n 's/^mke2fs_version=//p' "$C.layout")
have=$(mke2fs -V 2>&1 | sed -n '1s/^mke2fs \([^ ]*\).*/\1/p')
if [ "$(id -u)" -ne 0 ]; then
	skip "regenerated image is byte-identical to the committed one" "not root: owners differ"
elif [ "$want" != "$have" ]; then
	skip "regenerated image is byte-identical to the committed one" "mke2fs $have here, the committed image was made with $want"
else
	bash "$top_srcdir/fixtures/gen.sh" small-legacy-ext4 "$T/regen" >/dev/null 2>&1; rc=$?
	check "gen.sh small-legacy-ext4 runs (exit $rc)" test $rc -eq 0
	same_output "regenerated image is byte-identical to the committed one" \
		"$T/regen/small-legacy-ext4.img" "$T/committed.img"
	same_output "regenerated manifest equals the committed one" \
		"$T/regen/small-legacy-ext4.manifest" "$C.manifest"
	same_output "regenerated layout equals the committed one" \
		"$T/regen/small-legacy-ext4.layout" "$C.layout"
fi
# the committed layout says what the spec's 132 MiB row says (§7.1)
check "committed layout: P=64 MiB, D=0x400000, ext4 at 0x4400000" \
	test "$(sed -n 's/^start_pad=//p; s/^dataoff=//p; s/^fs_offset=//p' "$C.layout" | tr '\n' ' ')" = \
	"67108864 4194304 71303168 "
blkid -p -O 71303168 -o export "$T/committed.img" >"$T/b" 2>/dev/null
check "committed image: ext4 with the layout's uuid at the legacy start" \
	grep -qx "UUID=$(sed -n 's/^fs_uuid=//p' "$C.layout")" "$T/b"
done_testing
