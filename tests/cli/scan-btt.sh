#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pmemscan IMAGE on sector-mode namespaces: the BTT is found, grouped with
# its backup, and the filesystem behind the map is probed.
. "$top_srcdir/tests/support/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"
MKFX=$top_builddir/tests/support/mkfx-btt
[ -x "$MKFX" ] || skip_all "mkfx-btt not built"
mkdir -p "$T/tree"
for i in 1 2 3; do head -c $((i * 70000)) /dev/urandom >"$T/tree/f$i"; done
truncate -s 24M "$T/fs.img"
$MKE2FS -q -F -t ext4 -U 0b770b77-0000-4000-8000-000000000001 -d "$T/tree" "$T/fs.img" >/dev/null 2>&1

"$MKFX" -o "$T/ns.img" -s 40M -i "$T/fs.img" -S 7 >/dev/null
"$PMEMSCAN" --json "$T/ns.img" >"$T/ns.json"; rc=$?
check "BTT namespace: sector mode, ext4 proven behind the map, exit 0" \
	test "$(jq -r '.namespaces[0] | "\(.mode) \(.verdict.result) \(.candidates[0].probe.type) \(.candidates[0].probe.uuid)"' "$T/ns.json") $rc" = \
	"sector proven ext4 0b770b77-0000-4000-8000-000000000001 0"
# (the backup is the arena's last 4 KiB: the one arena ends with the 40 MiB
# namespace; the expected offset is not read back from the report itself)
check "BTT: primary at 4096 and its backup at the namespace's last 4 KiB both named" \
	test "$(jq -c '[.structures[] | select(.kind=="btt-info") | "\(.offset):\(.role)"]' "$T/ns.json")" = \
	"[\"4096:primary\",\"$((40 * 1048576 - 4096)):backup\"]"
check "BTT fields use ndctl read-infoblock's keys" \
	test "$(jq -r '.structures[0].fields | "\(.version) \(.external_lbasize) \(.nfree)"' "$T/ns.json")" = "1.1 4096 256"
if [ -n "$NDCTL" ]; then
	$NDCTL read-infoblock -j -i "$T/ns.img" 2>/dev/null | jq -S '.[0] | del(.file)' >"$T/nd.json"
	jq -S '.structures[0].fields | del(.checksum)' "$T/ns.json" >"$T/ps.json"
	# (both empty or null if ndctl and pmemscan both fail: not equal)
	same_output "BTT fields equal ndctl read-infoblock" "$T/nd.json" "$T/ps.json"
else
	skip "BTT fields equal ndctl read-infoblock" "ndctl not installed"
fi

"$MKFX" -o "$T/v2.img" -s 40M -v 2.0 -b 512 -i "$T/fs.img" -S 3 >/dev/null
"$PMEMSCAN" --json "$T/v2.img" >"$T/v2.json"
check "BTT 2.0 (arena 0 at +0, 512-byte sectors): ext4 proven" \
	test "$(jq -r '.namespaces[0] | "\(.offset) \(.verdict.result) \(.candidates[0].probe.type)"' "$T/v2.json")" = "0 proven ext4"

"$MKFX" -o "$T/bad.img" -s 40M -i "$T/fs.img" -S 7 --fault bad-primary >/dev/null
"$PMEMSCAN" --json "$T/bad.img" >"$T/bad.json"; rc=$?
check "corrupt primary: read through the backup, ext4 still proven" \
	test "$(jq -r '.namespaces[0].verdict.result' "$T/bad.json")" = proven
check "corrupt primary: exit 1, the backup's use is an error diagnostic" \
	sh -c "[ $rc -eq 1 ] && jq -r '.namespaces[0].diagnostics[].message' '$T/bad.json' | grep -q 'using the backup'"
check "corrupt primary: repair is suggested" \
	sh -c "jq -r '.namespaces[0].verdict.next_commands[]' '$T/bad.json' | grep -q 'pmemscan repair'"

# a region: a BTT namespace, then a raw ext4 after it
cat "$T/ns.img" "$T/fs.img" >"$T/region.img"
"$PMEMSCAN" --json "$T/region.img" >"$T/region.json"
check "region: sector namespace at 0 (40 MiB) and raw ext4 at 40 MiB" \
	test "$(jq -c '[.namespaces[] | "\(.offset) \(.mode) \(.size) \(.verdict.result)"]' "$T/region.json")" = \
	'["0 sector 41943040 proven","41943040 raw 25165824 proven"]'
done_testing
