# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by tests: mk_xfs_legacy DIR builds DIR/ns.img (512 MiB), a legacy
# start_pad namespace never mounted with DAX (issue 25 item 3): the pfn
# info block by ndctl write-infoblock -O 0x100000 (start_pad 1 MiB), an
# XFS made by mkfs.xfs through a loop device at the legacy data start
# L0 = start_pad + dataoff (as ndctl read-infoblock gives them), and a
# varied tree copied in with cp -a through the same loop device: the
# project's own sources and docs, 700 small files in 7 directories (many
# inode chunks), one 3 MB file. Left in DIR: tree/ (the files as
# written), layout (P=, D=, L0=). Returns non-zero with the reason in
# DIR/why when it cannot build it. Needs root, NDCTL, mkfs.xfs, losetup.
mk_xfs_legacy() {
	d=$1
	[ -n "${NDCTL:-}" ] || { echo "ndctl not installed" >"$d/why"; return 1; }
	command -v mkfs.xfs >/dev/null 2>&1 || { echo "mkfs.xfs not installed" >"$d/why"; return 1; }
	[ "$(id -u)" -eq 0 ] || { echo "not root: no loop device" >"$d/why"; return 1; }
	mkdir -p "$d/tree/src" "$d/mnt"
	cp -a "$top_srcdir/docs" "$top_srcdir/man" "$d/tree/"
	cp -a "$top_srcdir"/src/*.[ch] "$d/tree/src/"
	i=1
	while [ $i -le 700 ]; do
		mkdir -p "$d/tree/d$((i % 7))"
		head -c $((i * 97 + 1)) /dev/urandom >"$d/tree/d$((i % 7))/f$i"
		i=$((i + 1))
	done
	head -c 3000000 /dev/urandom >"$d/tree/big.bin"
	truncate -s 512M "$d/ns.img"
	$NDCTL write-infoblock -o "$d/ns.img" -O 0x100000 >/dev/null 2>&1 ||
		{ echo "ndctl write-infoblock failed" >"$d/why"; return 1; }
	j=$($NDCTL read-infoblock -j -i "$d/ns.img" 2>/dev/null)
	P=$(echo "$j" | jq '.[0].start_pad') D=$(echo "$j" | jq '.[0].dataoff')
	E=$(echo "$j" | jq '.[0].end_trunc')
	[ "$P" -gt 0 ] 2>/dev/null || { echo "ndctl wrote no start_pad" >"$d/why"; return 1; }
	L0=$((P + D))
	printf 'P=%s\nD=%s\nL0=%s\n' "$P" "$D" "$L0" >"$d/layout"
	loop=$(losetup -f --show -o "$L0" --sizelimit $((512 * 1048576 - L0 - E)) "$d/ns.img" 2>/dev/null) ||
		{ echo "no loop device" >"$d/why"; return 1; }
	rc=0
	mkfs.xfs -q -f "$loop" >/dev/null 2>&1 && mount "$loop" "$d/mnt" 2>/dev/null || rc=1
	if [ $rc -eq 0 ]; then
		cp -a "$d/tree/." "$d/mnt/" || rc=1
		umount "$d/mnt" || rc=1
	fi
	losetup -d "$loop"
	[ $rc -eq 0 ] || { echo "mkfs.xfs, mount or cp -a through the loop device failed" >"$d/why"; return 1; }
}
