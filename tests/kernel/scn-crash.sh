# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# Sourced by guest-init: the crash scenarios (issues 22 and 24,
# tests/kernel/README.md "crash and recover").
#
# pmemscan.boot=crash: five filesystems on four DIMMs, mounted -o dax; a
# varied tree written and synced, then changes made durable only by fsync;
# /out is sent to the host, then the guest resets itself (sysrq b; QEMU runs
# with -no-reboot, so it exits) without unmount or sync: the journals and
# logs are left dirty.
# pmemscan.boot=recover: the host's COPIES of the crashed DIMMs; the kernel
# mounts each filesystem (recovering its journal/log) and the guest records
# the recovered tree (guest-io tree), then unmounts cleanly.
#
# The table both boots read: SCN DIMM FS MKFS WHERE
#   WHERE labels:SIZE  a namespace named SCN on the labelled DIMM (v1.2 labels)
#         nolabels     the label-less DIMM's one namespace, ndctl create -f -e
#         legacy       the legacy v1.2 pfn block the host planted (mkfx-pfn)
crash_table() {
	cat <<-'EOF'
	crash-xfs-r0 0 xfs reflink0 labels:512M
	crash-xfs 0 xfs defaults labels:448M
	crash-ext4 1 ext4 defaults nolabels
	crash-legacy-ext4 2 ext4 defaults legacy
	crash-legacy-xfs 3 xfs defaults legacy
	EOF
}

# crash_bdev SCN DIMM WHERE: the block device of the scenario's namespace
# (the pfn device the kernel made), after facts/create; empty when none
crash_bdev() {
	local scn=$1 dimm=$2 where=$3 r ns n seed b bd=
	r=$(region_of "$dimm")
	case $where in
	labels:*)
		ns=
		for n in /sys/bus/nd/devices/namespace"${r#region}".*; do
			[ "$(sysv "$n/alt_name")" = "$scn" ] && ns=$(basename "$n")
		done
		;;
	*) ns=namespace${r#region}.0 ;;
	esac
	[ -n "$ns" ] || return 0
	seed=$(sysv "/sys/bus/nd/devices/$ns/holder")
	case $seed in
	pfn*) ;;
	*) return 0 ;;
	esac
	for b in "/sys/bus/nd/devices/$seed/block/"*; do
		[ -e "$b" ] && bd=/dev/$(basename "$b")
	done
	echo "$bd"
}

# did SCN TEXT: what the guest did, in order (SCN.did)
did() { echo "$(up) $2" >>"$OUT/scn/$1.did"; }

# crash_tree SCN MNT: the tree written and then synced
crash_tree() {
	local s=$1 m=$2 i
	mkdir -p "$m/d1/d2" "$m/grow-a" "$m/grow-b"
	guest-io write "$m/p4k.bin" 4096 "$s/p4k.bin" &&
		guest-io write "$m/p70k.bin" 70000 "$s/p70k.bin" &&
		guest-io write "$m/d1/p1m.bin" 1049576 "$s/d1/p1m.bin" &&
		guest-io write "$m/big3m.bin" 3145728 "$s/big3m.bin" &&
		guest-io write "$m/mv.bin" 12288 "$s/mv.bin" &&
		guest-io write "$m/del.bin" 20000 "$s/del.bin" &&
		guest-io write "$m/pw.bin" 262144 "$s/pw.bin" || fail "$s: pattern files"
	head -c 200000 /dev/urandom >"$m/r200k.bin" || fail "$s: random file"
	head -c 5000 /dev/urandom >"$m/d1/d2/r5k.bin"
	echo "a small text file of $s, written before the sync" >"$m/d1/d2/small.txt"
	: >"$m/empty.txt"
	ln -s d1/p1m.bin "$m/sym-rel"
	ln -s /nonexistent/dangling/target "$m/d1/sym-abs"
	ln "$m/p70k.bin" "$m/d1/hard.bin"
	echo "xattrs" >"$m/xattr.txt"
	guest-io setxattr "$m/xattr.txt" user.small 20 "$s/xs" &&
		guest-io setxattr "$m/xattr.txt" user.big 3000 "$s/xb" &&
		guest-io setxattr "$m/d1" user.dir 40 "$s/xd" || fail "$s: xattrs"
	echo "xattr set after the sync" >"$m/xa.txt"
	guest-io write "$m/orph.bin" 30000 "$s/orph.bin" || fail "$s: orph.bin"
	chmod 600 "$m/p4k.bin"
	chmod 750 "$m/d1/d2"
	chmod 4755 "$m/empty.txt"
	chown 1000:100 "$m/r200k.bin"
	for i in 1 2 3; do : >"$m/grow-a/a-$i"; : >"$m/grow-b/b-$i"; done
	did "$s" "tree written (p4k p70k d1/p1m big3m mv del pw r200k d1/d2/r5k d1/d2/small empty sym-rel d1/sym-abs d1/hard=p70k xattr.txt xa.txt orph.bin grow-a grow-b 3 entries)"
}

# hold SCN FILE: a process keeps FILE open (until the reset); returns once
# it has opened it (the unlink must not win the race)
hold() {
	local p i=0
	sleep 100000 <"$2" &
	p=$!
	while [ "$i" -lt 100 ] && [ "$(readlink "/proc/$p/fd/0")" != "$2" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(readlink "/proc/$p/fd/0")" = "$2" ] || fail "$1: no process holds $2 open"
}

# crash_changes SCN MNT: changes made durable only through fsync (the files
# and their parent directories)
crash_changes() {
	local s=$1 m=$2 i
	mkdir -p "$m/new/sub"
	guest-io write "$m/new/n1.bin" 50000 "$s/new/n1.bin" || fail "$s: new/n1.bin"
	echo "written after the sync, fsynced" >"$m/new/n2.txt"
	guest-io write "$m/new/sub/n3.bin" 8192 "$s/new/sub/n3.bin" || fail "$s: new/sub/n3.bin"
	guest-io fsync "$m/new/n1.bin" "$m/new/n2.txt" "$m/new/sub/n3.bin" "$m/new/sub" "$m/new" "$m" ||
		fail "$s: fsync new"
	did "$s" "mkdir new new/sub; new/n1.bin (50000) new/n2.txt new/sub/n3.bin (8192); fsync all"
	mv "$m/mv.bin" "$m/new/moved.bin" && guest-io fsync "$m/new/moved.bin" "$m/new" "$m" ||
		fail "$s: rename"
	did "$s" "mv mv.bin new/moved.bin; fsync"
	rm "$m/del.bin" && guest-io fsync "$m" || fail "$s: unlink"
	did "$s" "rm del.bin; fsync /"
	ln -s new/n1.bin "$m/sym-new" && guest-io fsync "$m" || fail "$s: symlink"
	did "$s" "ln -s new/n1.bin sym-new; fsync /"
	truncate -s 100000 "$m/big3m.bin" && guest-io fsync "$m/big3m.bin" || fail "$s: truncate"
	did "$s" "truncate big3m.bin 3145728 -> 100000; fsync"
	guest-io pattern "$s/pw.bin" p 8192 | dd of="$m/pw.bin" bs=4096 seek=10 conv=notrunc 2>/dev/null &&
		guest-io pattern "$s/pw.bin" q 4096 | dd of="$m/pw.bin" bs=4096 seek=64 conv=notrunc 2>/dev/null &&
		guest-io fsync "$m/pw.bin" || fail "$s: pwrite"
	did "$s" "pw.bin: 8192 bytes written at 40960 (in place), 4096 at 262144 (extends to 266240); fsync"
	for i in $(seq 4 20); do : >"$m/grow-a/a-entry-with-a-rather-long-name-$i"; done
	for i in $(seq 4 20); do : >"$m/grow-b/b-entry-with-a-rather-long-name-$i"; done
	guest-io fsync "$m/grow-a" "$m/grow-b" || fail "$s: fsync grow"
	did "$s" "grow-a, grow-b: 3 -> 20 entries; fsync"
	for i in $(seq 21 400); do : >"$m/grow-b/b-entry-with-a-rather-long-name-$i"; done
	guest-io fsync "$m/grow-b" || fail "$s: fsync grow-b"
	did "$s" "grow-b: 20 -> 400 entries; fsync"
	guest-io setxattr "$m/xa.txt" user.late 100 "$s/xl" && guest-io fsync "$m/xa.txt" ||
		fail "$s: late xattr"
	did "$s" "setxattr xa.txt user.late (100 bytes); fsync"
	# ext4 revoke records: a directory's blocks are journaled (metadata),
	# then freed; a file written after may reuse them
	mkdir "$m/rv"
	for i in $(seq 1 200); do : >"$m/rv/revoked-entry-with-a-rather-long-name-$i"; done
	guest-io fsync "$m/rv" "$m" || fail "$s: fsync rv"
	rm -rf "$m/rv" && guest-io fsync "$m" || fail "$s: rm rv"
	guest-io write "$m/after-rv.bin" 65536 "$s/after-rv.bin" &&
		guest-io fsync "$m/after-rv.bin" "$m" || fail "$s: after-rv.bin"
	did "$s" "mkdir rv + 200 entries; fsync; rm -rf rv; fsync /; after-rv.bin (65536); fsync"
	# orphans: files unlinked while a process holds them open at the reset
	# (ext4's orphan list, xfs's AGI unlinked lists): the mount frees them
	guest-io write "$m/open-new.bin" 40000 "$s/open-new.bin" || fail "$s: open-new.bin"
	hold "$s" "$m/orph.bin"
	hold "$s" "$m/open-new.bin"
	rm "$m/orph.bin" "$m/open-new.bin" && guest-io fsync "$m" || fail "$s: unlink open files"
	did "$s" "orph.bin (synced) and open-new.bin (new) held open by a process, unlinked; fsync /"
}

boot_crash() {
	local scn dimm fs mkfs where lp ld r ns bd mnt
	lp=$(arg p) ld=$(arg d)
	# metadata home only when the filesystem must: under a loaded host the
	# boot can take minutes, and the xfs log worker (every 30 s: it pushes
	# the whole AIL) or the writeback of ext4's 30 s old metadata buffers
	# would otherwise write some of the changes home before the reset, by
	# chance; here a change is in the journal/log only
	echo 720000 >/proc/sys/fs/xfs/xfssyncd_centisecs 2>/dev/null ||
		fail "cannot lengthen fs.xfs.xfssyncd_centisecs"
	echo 360000 >/proc/sys/vm/dirty_expire_centisecs
	echo 360000 >/proc/sys/vm/dirty_writeback_centisecs
	{
		echo "xfssyncd_centisecs=$(cat /proc/sys/fs/xfs/xfssyncd_centisecs 2>/dev/null)"
		echo "dirty_expire_centisecs=$(cat /proc/sys/vm/dirty_expire_centisecs)"
		echo "dirty_writeback_centisecs=$(cat /proc/sys/vm/dirty_writeback_centisecs)"
	} >"$OUT/sysctl.txt"
	labels 0 1.2
	# namespaces first (the labelled ones in table order), then the filesystems
	while read -r scn dimm fs mkfs where; do
		case $where in
		labels:*) create "$scn" "$dimm" fsdax -s "${where#labels:}" ;;
		nolabels) reconfigure "$scn" "$dimm" fsdax ;;
		legacy)
			r=$(region_of "$dimm")
			facts "$scn" "$dimm" "namespace${r#region}.0" fsdax "labels=no" \
				"planted_start_pad=$lp" "planted_dataoff=$ld"
			;;
		esac
	done <<-EOF
	$(crash_table)
	EOF
	labels_final 0
	stage namespaces
	while read -r scn dimm fs mkfs where; do
		bd=$(crash_bdev "$scn" "$dimm" "$where")
		[ -n "$bd" ] || { fail "$scn: no block device"; continue; }
		mnt=/mnt/$scn
		mkdir -p "$mnt"
		case $fs.$mkfs in
		ext4.defaults) set -- mkfs.ext4 -q -F ;;
		xfs.reflink0) set -- mkfs.xfs -q -f -m reflink=0 ;;
		xfs.defaults) set -- mkfs.xfs -q -f ;;
		esac
		"$@" "$bd" >>"$OUT/log.txt" 2>&1 || { fail "$scn: $* $bd"; continue; }
		printf '%s\n' "blockdev=$bd" "fs=$fs" "mkfs=$*" "mount_opts=dax" "where=$where" \
			>>"$OUT/scn/$scn.facts"
		mount -t "$fs" -o dax "$bd" "$mnt" || { fail "mount $scn"; continue; }
		grep " $mnt " /proc/mounts >>"$OUT/scn/$scn.facts.mount"
		did "$scn" "$* $bd; mount -o dax"
		crash_tree "$scn" "$mnt"
	done <<-EOF
	$(crash_table)
	EOF
	sync
	stage synced
	for scn in $(crash_table | cut -d' ' -f1); do
		did "$scn" "sync (all filesystems)"
	done
	# from here on nothing but fsync makes a change durable
	for scn in $(crash_table | cut -d' ' -f1); do
		mnt=/mnt/$scn
		grep -q " $mnt " /proc/mounts || continue
		crash_changes "$scn" "$mnt"
	done
	stage changed
	# what the guest saw just before the reset (not the truth: the host
	# compares against the recover boot's view of the same images)
	for scn in $(crash_table | cut -d' ' -f1); do
		mnt=/mnt/$scn
		grep -q " $mnt " /proc/mounts || continue
		guest-io tree "$mnt" | LC_ALL=C sort >"$OUT/scn/$scn.tree-before-reset"
	done
	cp /proc/mounts "$OUT/mounts-before-reset.txt"
	ndctl list -RNDu -v >"$OUT/ndctl-list.json" 2>>"$OUT/log.txt"
	cp /proc/iomem "$OUT/iomem.txt"
	echo 1 >/proc/sys/kernel/sysrq
	stage reset
	dmesg >"$OUT/dmesg.txt"
	send_out
	# the UART drains at once under QEMU; leave it a moment anyway
	sleep 1
	# straight to the console: the tee of log.txt may not run before the reset
	log "resetting (sysrq b): no unmount, no sync" >/dev/console
	echo b >/proc/sysrq-trigger
	sleep 30
	fail "still running after sysrq b"
}

boot_recover() {
	local scn dimm fs mkfs where bd mnt n rc
	while read -r scn dimm fs mkfs where; do
		bd=$(crash_bdev "$scn" "$dimm" "$where")
		[ -n "$bd" ] || { fail "$scn: no block device"; continue; }
		printf '%s\n' "scenario=$scn" "dimm=$dimm" "blockdev=$bd" "fs=$fs" >"$OUT/scn/$scn.facts"
		mnt=/mnt/$scn
		mkdir -p "$mnt"
		n=$(dmesg | wc -l)
		rc=0
		mount -t "$fs" -o dax "$bd" "$mnt" 2>>"$OUT/log.txt" || rc=$?
		dmesg | sed "1,${n}d" >"$OUT/scn/$scn.mount-dmesg"
		echo "mount_rc=$rc" >>"$OUT/scn/$scn.facts"
		[ "$rc" -eq 0 ] || { fail "mount $scn"; continue; }
		grep " $mnt " /proc/mounts >>"$OUT/scn/$scn.facts.mount"
		guest-io tree "$mnt" >"$OUT/scn/$scn.tree.tmp" || fail "$scn: tree"
		LC_ALL=C sort "$OUT/scn/$scn.tree.tmp" >"$OUT/scn/$scn.tree" && rm -f "$OUT/scn/$scn.tree.tmp"
		umount "$mnt" || fail "umount $scn"
		n=$(dmesg | wc -l)
		stage "$scn"
	done <<-EOF
	$(crash_table)
	EOF
}
