# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by guest-init (from the "geo" overlay, tests/kernel/geo): the
# "geo" boot of issue 25, on label-less DIMMs whose legacy pfn block the host
# planted with mkfx-pfn --era F4 (start_pad 2 MiB, dataoff 18 MiB:
# larger than start_pad; the legacy boot has the other geometry, dataoff
# 18 MiB < start_pad 64 MiB):
#   DIMM 0 geo-ext4, DIMM 1 geo-xfs: /v.bin (8 MiB by write()), then /m.bin
#     (1 MiB through a mapping only) allocated right after it, so m.bin's
#     stores land start_pad lower, on v.bin's blocks (the victim), and
#     /f.bin (mapping only) after a freed 2 MiB hole (stores over free space)
#   DIMM 2 geo-pmdk: ext4, pmempool create obj, blk and log pools (PMDK's own
#     tool: every byte through mappings), pmempool info and check as the
#     witness, each pool summed through read() and through a mapping
# Facts as the other boots record them (scn/SCN.facts, .files, .extents,
# .written), plus scn/geo-pmdk.pmempool (the witness).

# geo_ns DIMM SCN FS: the claimed legacy namespace's block device, its facts
geo_ns() {
	local dimm scn r ns seed bd b
	dimm=$1 scn=$2
	r=$(region_of "$dimm")
	ns=namespace${r#region}.0
	facts "$scn" "$dimm" "$ns" fsdax "labels=no"
	seed=$(sysv "/sys/bus/nd/devices/$ns/holder")
	case $seed in
	pfn*) ;;
	*) fail "$scn: the planted block was not claimed (holder '$seed')"; return 1 ;;
	esac
	bd=
	for b in "/sys/bus/nd/devices/$seed/block/"*; do
		[ -e "$b" ] && bd=$(basename "$b")
	done
	[ -n "$bd" ] || { fail "$scn: no block device"; return 1; }
	echo "blockdev=/dev/$bd" >>"$OUT/scn/$scn.facts"
	echo "/dev/$bd"
}

geo_mkfs() {
	case $1 in
	ext4) mkfs.ext4 -q -F -b 4096 "$2" ;;
	xfs) mkfs.xfs -q -f -m reflink=0 "$2" ;;
	esac >>"$OUT/log.txt" 2>&1
}

# geo_files SCN FS DEV: the victim scenario
geo_files() {
	local scn fs dev mnt fpath how
	scn=$1 fs=$2 dev=$3 mnt=/mnt/$1
	mkdir -p "$mnt"
	geo_mkfs "$fs" "$dev" || { fail "mkfs.$fs $scn"; return 1; }
	echo "fs=$fs" >>"$OUT/scn/$scn.facts"
	mount -t "$fs" -o dax "$dev" "$mnt" || { fail "mount $scn"; return 1; }
	: >"$OUT/scn/$scn.written"
	put "$scn" "$mnt" write v.bin 8388608 ""
	put "$scn" "$mnt" mmap m.bin 1048576 ""
	# a hole of 2 MiB freed below f.bin: its stores land on free blocks
	fallocate -l 2097152 "$mnt/hole" || fail "$scn: hole"
	put "$scn" "$mnt" mmap f.bin 1048576 ""
	rm -f "$mnt/hole"
	sync
	sums "$scn" "$mnt" -before-remount
	: >"$OUT/scn/$scn.extents"
	while read -r fpath how; do
		guest-io extents "$mnt/$fpath" | sed "s|^|/$fpath |" >>"$OUT/scn/$scn.extents"
	done <"$OUT/scn/$scn.written"
	umount "$mnt" || fail "umount $scn"
	mount -t "$fs" -o dax "$dev" "$mnt" || { fail "remount $scn"; return 1; }
	sums "$scn" "$mnt" ""
	umount "$mnt" || fail "umount $scn (2)"
	log "$scn done"
}

# geo_pmdk SCN DEV: three pools by pmempool create, witnessed by pmempool
geo_pmdk() {
	local scn dev mnt p t
	scn=$1 dev=$2 mnt=/mnt/$1
	mkdir -p "$mnt"
	command -v pmempool >/dev/null || { fail "$scn: no pmempool in the guest"; return 1; }
	geo_mkfs ext4 "$dev" || { fail "mkfs.ext4 $scn"; return 1; }
	echo "fs=ext4" >>"$OUT/scn/$scn.facts"
	mount -t ext4 -o dax "$dev" "$mnt" || { fail "mount $scn"; return 1; }
	: >"$OUT/scn/$scn.written"
	: >"$OUT/scn/$scn.pmempool"
	for t in obj blk log; do
		p=$mnt/pool.$t
		case $t in
		obj) pmempool create obj --layout=pmemscan -s 32M "$p" ;;
		blk) pmempool create blk 4096 -s 32M "$p" ;;
		log) pmempool create log -s 32M "$p" ;;
		esac >>"$OUT/log.txt" 2>&1 || { fail "$scn: pmempool create $t"; continue; }
		echo "pool.$t mmap" >>"$OUT/scn/$scn.written"
	done
	sync
	umount "$mnt" || fail "umount $scn"
	mount -t ext4 -o dax "$dev" "$mnt" || { fail "remount $scn"; return 1; }
	for t in obj blk log; do
		[ -e "$mnt/pool.$t" ] || continue
		if pmempool info "$mnt/pool.$t" >"$OUT/scn/$scn.info-$t" 2>&1; then
			echo "pool.$t info ok" >>"$OUT/scn/$scn.pmempool"
		else
			echo "pool.$t info failed" >>"$OUT/scn/$scn.pmempool"
		fi
		if pmempool check "$mnt/pool.$t" >"$OUT/scn/$scn.check-$t" 2>&1; then
			echo "pool.$t check ok" >>"$OUT/scn/$scn.pmempool"
		else
			echo "pool.$t check failed" >>"$OUT/scn/$scn.pmempool"
		fi
	done
	sums "$scn" "$mnt" ""
	: >"$OUT/scn/$scn.extents"
	for t in obj blk log; do
		[ -e "$mnt/pool.$t" ] && guest-io extents "$mnt/pool.$t" | sed "s|^|/pool.$t |" >>"$OUT/scn/$scn.extents"
	done
	umount "$mnt" || fail "umount $scn (2)"
	log "$scn done"
}

boot_geo() {
	local dev
	dev=$(geo_ns 0 geo-ext4) && geo_files geo-ext4 ext4 "$dev"
	stage dimm0
	dev=$(geo_ns 1 geo-xfs) && geo_files geo-xfs xfs "$dev"
	stage dimm1
	dev=$(geo_ns 2 geo-pmdk) && geo_pmdk geo-pmdk "$dev"
	stage dimm2
}
