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
#   DIMM 3 geo-pmdk-xfs: the same on xfs, above a write() pad
#   DIMMs 4, 5 geo-meta-ext4, geo-meta-xfs: stores over metadata (geo_meta)
# and boot_geomerged, the boot of pmemscan's repaired copies of the six.
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

# geo_pmdk SCN DEV FS: three pools by pmempool create, witnessed by pmempool;
# on xfs a 4 MiB pad.bin by write() first (the first free blocks of AG 0 lie
# below start_pad, where a store would land in the struct pages), so the
# obj pool's stores land on pad.bin
geo_pmdk() {
	local scn dev fs mnt p t
	scn=$1 dev=$2 fs=${3:-ext4} mnt=/mnt/$1
	mkdir -p "$mnt"
	command -v pmempool >/dev/null || { fail "$scn: no pmempool in the guest"; return 1; }
	geo_mkfs "$fs" "$dev" || { fail "mkfs.$fs $scn"; return 1; }
	echo "fs=$fs" >>"$OUT/scn/$scn.facts"
	mount -t "$fs" -o dax "$dev" "$mnt" || { fail "mount $scn"; return 1; }
	: >"$OUT/scn/$scn.written"
	: >"$OUT/scn/$scn.pmempool"
	[ "$fs" = xfs ] && put "$scn" "$mnt" write pad.bin 4194304 ""
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
	sums "$scn" "$mnt" -before-remount
	umount "$mnt" || fail "umount $scn"
	mount -t "$fs" -o dax "$dev" "$mnt" || { fail "remount $scn"; return 1; }
	geo_pmempool "$scn" "$mnt" ""
	sums "$scn" "$mnt" ""
	: >"$OUT/scn/$scn.extents"
	while read -r p t; do
		guest-io extents "$mnt/$p" | sed "s|^|/$p |" >>"$OUT/scn/$scn.extents"
	done <"$OUT/scn/$scn.written"
	umount "$mnt" || fail "umount $scn (2)"
	log "$scn done"
}

# geo_pmempool SCN MNT SUFFIX: pmempool info and check on every pool.* in MNT
# (SCN.pmempool: "pool.T info|check ok|failed"; SCN.info-T, SCN.check-T)
geo_pmempool() {
	local scn mnt sfx p t
	scn=$1 mnt=$2 sfx=$3
	: >"$OUT/scn/$scn.pmempool$sfx"
	for p in "$mnt"/pool.*; do
		[ -e "$p" ] || continue
		t=${p##*/pool.}
		if pmempool info "$p" >"$OUT/scn/$scn.info-$t$sfx" 2>&1; then
			echo "pool.$t info ok" >>"$OUT/scn/$scn.pmempool$sfx"
		else
			echo "pool.$t info failed" >>"$OUT/scn/$scn.pmempool$sfx"
		fi
		if pmempool check -v "$p" >"$OUT/scn/$scn.check-$t$sfx" 2>&1; then
			echo "pool.$t check ok" >>"$OUT/scn/$scn.pmempool$sfx"
		else
			echo "pool.$t check failed" >>"$OUT/scn/$scn.pmempool$sfx"
		fi
	done
}

# geo_meta SCN FS DEV: a file written only through a mapping whose F
# positions (start_pad lower) are on filesystem metadata, on a fresh
# filesystem. ext4: /m.bin (2 MiB, the first file: mballoc puts it at 2 MiB
# into group 1, so its F blocks are group 1's backup superblock, group
# descriptors and reserved GDT blocks, then the free end of group 0). xfs:
# /fill.bin (500 blocks by write(): AG 0's free blocks 12-15 and 24-519)
# then /m.bin (256 KiB through a mapping at block 520): its F blocks are
# AG 0's free-list blocks, the root inode chunk (blocks 16-23) and fill.bin.
# The host checks where they landed with dumpe2fs / xfs_db, not from this.
geo_meta() {
	local scn fs dev mnt fpath how
	scn=$1 fs=$2 dev=$3 mnt=/mnt/$1
	mkdir -p "$mnt"
	geo_mkfs "$fs" "$dev" || { fail "mkfs.$fs $scn"; return 1; }
	echo "fs=$fs" >>"$OUT/scn/$scn.facts"
	mount -t "$fs" -o dax "$dev" "$mnt" || { fail "mount $scn"; return 1; }
	: >"$OUT/scn/$scn.written"
	case $fs in
	ext4) put "$scn" "$mnt" mmap m.bin 2097152 "" ;;
	xfs) put "$scn" "$mnt" write fill.bin $((500 * 4096)) ""
		put "$scn" "$mnt" mmap m.bin 262144 "" ;;
	esac
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

boot_geo() {
	local dev
	dev=$(geo_ns 0 geo-ext4) && geo_files geo-ext4 ext4 "$dev"
	stage dimm0
	dev=$(geo_ns 1 geo-xfs) && geo_files geo-xfs xfs "$dev"
	stage dimm1
	dev=$(geo_ns 2 geo-pmdk) && geo_pmdk geo-pmdk "$dev" ext4
	stage dimm2
	dev=$(geo_ns 3 geo-pmdk-xfs) && geo_pmdk geo-pmdk-xfs "$dev" xfs
	stage dimm3
	dev=$(geo_ns 4 geo-meta-ext4) && geo_meta geo-meta-ext4 ext4 "$dev"
	stage dimm4
	dev=$(geo_ns 5 geo-meta-xfs) && geo_meta geo-meta-xfs xfs "$dev"
	stage dimm5
}

# boot "geomerged" (host: check-geo.sh, on the copies that pmemscan repair
# --merge-mmap wrote of the geo DIMMs, same order): mount each filesystem
# as the machine would now, sum every regular file through read() and a
# mapping (SCN = geo-merged-*, its .written the files found), and run
# pmempool info and check on every pool
boot_geomerged() {
	local row dimm scn fs r ns seed bd b mnt mopt
	# (a for loop: nothing in the body may read a here-document as stdin)
	for row in 0:geo-ext4:ext4 1:geo-xfs:xfs 2:geo-pmdk:ext4 3:geo-pmdk-xfs:xfs \
		4:geo-meta-ext4:ext4 5:geo-meta-xfs:xfs; do
		dimm=${row%%:*} fs=${row##*:} scn=${row#*:}
		scn=geo-merged-${scn%:*}
		scn=geo-merged-${scn#geo-merged-geo-}
		r=$(region_of "$dimm")
		ns=namespace${r#region}.0
		facts "$scn" "$dimm" "$ns" fsdax "labels=no" "fs=$fs"
		seed=$(sysv "/sys/bus/nd/devices/$ns/holder")
		case $seed in
		pfn*) ;;
		*) fail "$scn: the repaired block was not claimed (holder '$seed')"; continue ;;
		esac
		bd=
		for b in "/sys/bus/nd/devices/$seed/block/"*; do
			[ -e "$b" ] && bd=$(basename "$b")
		done
		[ -n "$bd" ] || { fail "$scn: no block device"; continue; }
		echo "blockdev=/dev/$bd" >>"$OUT/scn/$scn.facts"
		mnt=/mnt/$scn
		mkdir -p "$mnt"
		# read-write, as an application would use its pools again
		mopt=dax
		mount -t "$fs" -o "$mopt" "/dev/$bd" "$mnt" 2>>"$OUT/log.txt" || {
			mopt=defaults
			mount -t "$fs" "/dev/$bd" "$mnt"
		} || { fail "mount $scn"; continue; }
		echo "mount_opts=$mopt" >>"$OUT/scn/$scn.facts"
		grep " $mnt " /proc/mounts >>"$OUT/scn/$scn.facts.mount"
		(cd "$mnt" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | sed 's/$/ found/') >"$OUT/scn/$scn.written"
		sums "$scn" "$mnt" ""
		geo_pmempool "$scn" "$mnt" ""
		umount "$mnt" || fail "umount $scn"
		stage "dimm$dimm"
	done
}
