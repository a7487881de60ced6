#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every generated fixture is what its name says, checked without pmemscan:
# the info block as ndctl read-infoblock reads it, its numbers recomputed here
# from the spec's era formulas (an implementation independent of mkfx-pfn),
# the filesystem found by blkid/e2fsck/xfs_repair at the offset the layout
# names (and nothing at the other reading's offset), and the manifest matching
# what the filesystem really holds (ext4: debugfs rdump/stat/ea_get; xfs:
# xfs_db, file contents reassembled from its block maps).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$top_srcdir/tests/support/lib.sh"
for t in jq blkid e2fsck debugfs; do
	command -v $t >/dev/null || skip_all "$t not installed"
done
[ -n "${NDCTL:-}" ] || NDCTL=$(command -v ndctl || true)
[ -n "$NDCTL" ] || skip_all "ndctl not installed"
MANI=$top_builddir/tests/support/fxmanifest
PLACE=$top_builddir/tests/support/fxplace
TAB=$(printf '\t')

# ---- the era formulas again, in shell arithmetic (spec §8) ----
SEC=$((128 << 20)); PMD=$((2 << 20))
up() { echo $(( ($1 + $2 - 1) / $2 * $2 )); }
dn() { echo $(( $1 / $2 * $2 )); }
max() { [ "$1" -gt "$2" ] && echo "$1" || echo "$2"; }
# formula ERA S B ALIGN KIND MODE COLLIDE_START(0/1) -> "P T D npfns minor"
formula() {
	local era=$1 S=$2 B=$3 al=$4 kind=$5 mode=$6 hit=$7 P=0 T=0 D n0 st a res lres=0 end
	end=$((B + S))
	case $era in
	F2|F4|F5)
		[ "$hit" = 1 ] && P=$(( $(up $B $SEC) - B ))
		if [ $era != F2 ] && [ $((end % al)) -ne 0 ]; then
			a=$(dn $end $SEC); b=$(dn $end $al); [ $b -lt $a ] && a=$b; T=$((end - a))
		fi
		st=$((B + P)); res=8192
		[ $era = F4 ] && [ $kind = devdax ] && lres=131072
		[ $era = F2 ] && [ $kind = devdax ] && lres=131072
		n0=$(( (S - P - T - res) / 4096 ))
		[ $era != F2 ] && n0=$(up $n0 32768)
		if [ $mode = pmem ]; then
			a=$al; [ $era != F2 ] && a=$(max $al $PMD)
			D=$(( $(up $((st + res + 64 * n0 + lres)) $a) - st ))
		else
			D=$(( $(up $((st + res + lres)) $al) - st ))
		fi
		minor=2; [ $era = F2 ] && [ $kind = fsdax ] && minor=1 ;;
	F8)
		a=$(max $al $PMD); T=$((end - $(dn $end $a))); n0=$(( (S - 8192) / 4096 ))
		if [ $mode = pmem ]; then D=$(( $(up $((B + 8192 + 64 * n0)) $a) - B ))
		else D=$(( $(up $((B + 8192)) $a) - B )); fi
		minor=4 ;;
	ndctl)
		a=$(max $al $PMD); P=$(( $(up $B $a) - B )); T=$((end - $(dn $end $a)))
		n0=$(( (S - 8192) / 4096 )); D=$(( $(up $((B + 8192 + 64 * n0)) $a) - B ))
		minor=4 ;;
	esac
	echo "$P $T $D $(( (S - D - P - T) / 4096 )) $minor"
}

# ---- checks on one fixture ----
lv() { sed -n "s/^$1=//p" "$L" | tail -n 1; }
# no_info_block IMG: the 4 KiB at 4096 were read and hold no info block
no_info_block() {
	rm -f "$T/b4k"
	dd if="$1" of="$T/b4k" bs=4096 skip=1 count=1 status=none &&
		[ "$(stat -c %s "$T/b4k")" -eq 4096 ] && ! grep -qa NVDIMM_ "$T/b4k"
}

check_block() {	# check_block PREFIX ERA S B ALIGN KIND MODE HIT
	local p=$1 x; shift
	x=$(lv ${p}ns_offset)
	# (never a block or a reading left over from the fixture before)
	rm -f "$T/blk" "$T/ri.json"
	dd if="$img" of="$T/blk" bs=4096 skip=$((x / 4096)) count=2 status=none
	"$NDCTL" read-infoblock -j -i "$T/blk" 2>/dev/null | jq '.[0]' >"$T/ri.json"
	local sig; sig=$(jq -r .signature "$T/ri.json")
	same_value "$n ${p}: ndctl reads a $(lv ${p}signature) block at ${p}ns_offset+4096" \
		"$sig" "$(lv ${p}signature)"
	local bad="" k
	for k in uuid parent_uuid dataoff npfns start_pad end_trunc align version; do
		if [ -z "$(lv ${p}$k)" ]; then bad="$bad $k(not in the layout)"
		elif [ "$(jq -r .$k "$T/ri.json")" != "$(lv ${p}$k)" ]; then bad="$bad $k"; fi
	done
	local m=2; [ "$(lv ${p}mode)" = ram ] && m=1
	[ "$(jq -r .mode "$T/ri.json")" = "$m" ] || bad="$bad mode"
	check "$n ${p}: read-infoblock fields equal the layout${bad:+ (differ:$bad)}" test -z "$bad"
	check "$n ${p}: ndctl --verify accepts the checksum" "$NDCTL" read-infoblock -V -i "$T/blk" >/dev/null 2>&1
	local want got
	want=$(formula "$@")
	got="$(jq -r '"\(.start_pad) \(.end_trunc) \(.dataoff) \(.npfns)"' "$T/ri.json") $(jq -r .version "$T/ri.json" | cut -d. -f2)"
	check "$n ${p}: era $1 formula gives P T D npfns minor = $want (block: $got)" test "$want" = "$got"
}

check_fs() {	# check_fs PREFIX: the filesystem where the layout says, and only there
	local p=$1 ty off size uuid other
	ty=$(lv ${p}fs_type); off=$(lv ${p}fs_offset); size=$(lv ${p}fs_size); uuid=$(lv ${p}fs_uuid)
	blkid -p -O "$off" -o export "$img" >"$T/blkid" 2>/dev/null
	check "$n ${p}: blkid finds $ty $uuid at $off" \
		sh -c "grep -qx 'TYPE=$ty' '$T/blkid' && grep -qx 'UUID=$uuid' '$T/blkid'"
	case $(lv ${p}fs_role) in
	legacy) other=$(lv ${p}fixed_data) ;;
	fixed) other=$(lv ${p}legacy_data) ;;
	*) other= ;;
	esac
	if [ -n "$other" ] && [ "$other" != "$off" ] && [ "$n" != both-ext4 ]; then
		expect_exit 2 "$n ${p}: nothing at the other reading's start ($other)" \
			blkid -p -O "$other" "$img"
	fi
	rm -f "$T/fs"
	"$PLACE" "$img" "$T/fs" 0 "$off" "$size"
	case $ty in
	ext4)
		if [ "$(lv fs_damage)" = primary_superblock_checksum ]; then
			expect_exit 4 "$n ${p}: e2fsck -fn finds the damaged superblock" \
				e2fsck -fn "$T/fs" >/dev/null 2>&1
			check "$n ${p}: the backup superblock still checks clean" \
				e2fsck -fn -b 32768 -B 4096 "$T/fs" >/dev/null 2>&1
		else
			check "$n ${p}: e2fsck -fn clean" e2fsck -fn "$T/fs" >/dev/null 2>&1
		fi ;;
	xfs)
		check "$n ${p}: xfs_repair -n clean" xfs_repair -n "$T/fs" >/dev/null 2>&1 ;;
	esac
}

# ext4 manifest: content/size/owner/names via rdump, then mode (with the
# setuid/setgid/sticky bits rdump drops), mtime (symlinks too), hard-link
# groups and xattrs per entry from debugfs itself
check_ext4_manifest() {	# MANIFEST FS [SUPERBLOCK]
	local man=$1 fs=$2 bad=
	rm -rf "$T/rd"; mkdir "$T/rd"
	debugfs -R "rdump / $T/rd" "$fs" >/dev/null 2>&1
	grep -v "^[^$TAB]*${TAB}p$TAB" "$man" >"$T/man.nofifo"
	if manifest_match -i links,xattrs,mode,mtime -x lost+found "$T/man.nofifo" "$T/rd" >"$T/mc" 2>&1; then
		ok "$n: rdump matches the manifest (names, types, sizes, sha256, owners, targets)"
	else
		not_ok "$n: rdump matches the manifest: $(head -5 "$T/mc" | tr '\n' ';')"
	fi
	local path ty mode uid gid mtime size links sha target xattrs st ino ngroup=0
	: >"$T/inos"
	while IFS=$TAB read -r path ty mode uid gid mtime size links sha target xattrs; do
		case $path in \#*|*\\*) continue;; esac	# escaped names: rdump pass only
		st=$(debugfs -R "stat \"/$path\"" "$fs" 2>/dev/null)
		local m t2 i2
		m=$(echo "$st" | sed -n 's/.*Mode: *0*\([0-7]*\).*/\1/p' | head -1)
		t2=$(echo "$st" | sed -n 's/^ *mtime: 0x\([0-9a-f]*\).*/\1/p')
		i2=$(echo "$st" | sed -n 's/^Inode: *\([0-9]*\).*/\1/p')
		[ -n "$i2" ] || { echo "$path: debugfs cannot stat it"; bad=1; }
		[ "$(printf %04o $((8#${m:-0})))" = "$mode" ] || { echo "$path: mode $m != $mode"; bad=1; }
		[ "$((16#${t2:-0}))" = "${mtime%.*}" ] || { echo "$path: mtime $((16#${t2:-0})) != ${mtime%.*}"; bad=1; }
		[ "$links" != - ] && echo "$links $i2" >>"$T/inos"
		if [ "$xattrs" != - ]; then
			local kv
			for kv in $(echo "$xattrs" | tr ',' ' '); do
				rm -f "$T/ea"
				debugfs -R "ea_get -f $T/ea \"/$path\" ${kv%%=*}" "$fs" >/dev/null 2>&1
				[ "$(od -An -v -tx1 "$T/ea" 2>/dev/null | tr -d ' \n')" = "${kv#*=}" ] ||
					{ echo "$path: xattr ${kv%%=*} differs"; bad=1; }
			done
		fi
	done <"$man" >"$T/stat.out"
	check "$n: debugfs modes, mtimes, xattrs equal the manifest${bad:+ $(head -3 "$T/stat.out" | tr '\n' ';')}" \
		test ! -s "$T/stat.out"
	# every hard-link group is one inode (and the manifest's groups were seen)
	ngroup=$(awk -F"$TAB" '!/^#/ && $8 != "-" && $1 !~ /\\/' "$man" | wc -l)
	check "$n: hard-link groups share one inode ($(wc -l <"$T/inos") of $ngroup linked entries seen)" \
		test "$(wc -l <"$T/inos")" -eq "$ngroup" -a "$(sort -u "$T/inos" | cut -d' ' -f1 | uniq -d | wc -l)" -eq 0
}

# xfs manifest: every entry through xfs_db; regular files reassembled from
# their bmap extents and hashed
check_xfs_manifest() {	# MANIFEST FS
	local man=$1 fs=$2 bs agblocks out=$T/xfsbad nseen=0
	command -v xfs_db >/dev/null || { skip "$n: xfs_db reads the manifest's entries" "xfs_db not installed"; return; }
	bs=$(xfs_db -r -c 'sb 0' -c 'print blocksize' "$fs" | sed 's/.*= //')
	agblocks=$(xfs_db -r -c 'sb 0' -c 'print agblocks' "$fs" | sed 's/.*= //')
	: >"$out"
	local path ty mode uid gid mtime size links sha target xattrs p
	while IFS=$TAB read -r path ty mode uid gid mtime size links sha target xattrs; do
		case $path in \#*) continue;; esac
		nseen=$((nseen + 1))
		p=/$path
		TZ=UTC xfs_db -r -c "path $p" -c 'print core.mode core.uid core.gid core.size core.mtime.sec core.mtime.nsec' "$fs" >"$T/x" 2>&1
		local xm xu xg xs xsec xns
		xm=$(sed -n 's/^core.mode = 0*\([0-7]*\)/\1/p' "$T/x")
		xu=$(sed -n 's/^core.uid = //p' "$T/x"); xg=$(sed -n 's/^core.gid = //p' "$T/x")
		xs=$(sed -n 's/^core.size = //p' "$T/x")
		xsec=$(sed -n 's/^core.mtime.sec = //p' "$T/x"); xns=$(sed -n 's/^core.mtime.nsec = //p' "$T/x")
		[ -n "$xm" ] || { echo "missing: $path" >>"$out"; continue; }
		[ "$(printf %04o $((8#$xm & 07777)))" = "$mode" ] || echo "$path: mode" >>"$out"
		[ "$xu $xg" = "$uid $gid" ] || echo "$path: owner" >>"$out"
		[ "$xsec" = "$(date -u -d "@${mtime%.*}" '+%a %b %e %H:%M:%S %Y')" ] &&
			[ "$(printf %09d "$xns")" = "${mtime#*.}" ] || echo "$path: mtime $xsec $xns" >>"$out"
		case $ty in
		f)
			[ "$xs" = "$size" ] || echo "$path: size" >>"$out"
			rm -f "$T/file"; truncate -s "$xs" "$T/file"
			xfs_db -r -c "path $p" -c bmap "$fs" |
			sed -n 's/^data offset \([0-9]*\) startblock [0-9]* (\([0-9]*\)\/\([0-9]*\)) count \([0-9]*\) flag 0$/\1 \2 \3 \4/p' |
			while read -r fo ag agb cnt; do
				dd if="$fs" of="$T/file" bs="$bs" skip=$((ag * agblocks + agb)) seek="$fo" \
					count="$cnt" conv=notrunc status=none
			done
			truncate -s "$xs" "$T/file"
			[ "$(sha256sum <"$T/file" | cut -d' ' -f1)" = "$sha" ] || echo "$path: sha256" >>"$out" ;;
		l)
			local tg
			tg=$(xfs_db -r -c "path $p" -c 'print u3.symlink' "$fs" 2>/dev/null | sed -n 's/^u3.symlink = "\(.*\)"$/\1/p')
			[ "$tg" = "$target" ] || echo "$path: target '$tg'" >>"$out" ;;
		esac
		if [ "$xattrs" != - ]; then
			local names
			names=$(xfs_db -r -c "path $p" -c 'print a' "$fs" |
				sed -n 's/^a.sfattr.list\[[0-9]*\].name = "\(.*\)"/\1/p' | sort | tr '\n' ' ')
			[ "$names" = "$(echo "$xattrs" | tr ',' '\n' | sed 's/^user\.//; s/=.*//' | sort | tr '\n' ' ')" ] ||
				echo "$path: xattr names '$names'" >>"$out"
		fi
	done <"$man"
	# (an empty or missing manifest checks nothing)
	[ "$nseen" -gt 0 ] || echo "no entry in the manifest $man" >>"$out"
	check "$n: xfs_db sees every manifest entry with its mode, owner, mtime (ns), size, sha256, target, xattrs${out:+ $(head -3 "$out" | tr '\n' ';')}" \
		test ! -s "$out"
}

I76="0x577c000000"
# run NAME: generate; succeeds only if the fixture is there to be checked.
# A fixture that is not there has its checks skipped (a tool is missing:
# a skip line) or fails once: none of them runs on an empty layout or on
# the files of the fixture checked before, where they passed.
run() {
	n=$1; img=; L=
	img=$(fixture "$n"); rc=$?
	if [ $rc -eq 77 ]; then skip "$n: generated" "a generator tool is missing (gen.sh says which above)"; return 1; fi
	if [ $rc -ne 0 ] || [ ! -f "$img" ]; then not_ok "$n: generated (gen.sh exit $rc): its checks not run"; return 1; fi
	L=${img%.img}.layout
	if [ ! -s "$L" ]; then not_ok "$n: generated, but no layout $L: its checks not run"; return 1; fi
	ok "$n: generated"
	check "$n: image is sparse (allocated < 64 MiB of $(lv image_size) bytes)" \
		test "$(du -k "$img" | cut -f1)" -lt 65536
}

# -- ndctl issue #76 namespaces, F4 (v4.18-v5.0) --
if run legacy-f4-fsdax-ext4; then
	check_block "" F4 $((16 << 30)) $((I76)) $PMD fsdax pmem 1
	check "$n: spec §7.1 numbers: P=0x4000000 D=0x10200000 npfns=4111872" \
		test "$(lv start_pad) $(lv dataoff) $(lv npfns)" = "67108864 270532608 4111872"
	check "$n: ext4 at the legacy start B+P+D = ns+0x14200000" test "$(lv fs_offset)" = $((0x14200000))
	check_fs ""; check_ext4_manifest "${img%.img}.manifest" "$T/fs"
fi

if run legacy-f4-fsdax-ext4-252g; then
	check_block "" F4 $((252 << 30)) $((I76)) $PMD fsdax pmem 1
	check "$n: spec §7.1 numbers: P=0x4000000 D=0xFC200000 npfns=65011200" \
		test "$(lv start_pad) $(lv dataoff) $(lv npfns)" = "67108864 4229955584 65011200"
	check "$n: ext4 at the legacy start B+P+D = ns+0x100200000" test "$(lv fs_offset)" = $((0x100200000))
	check_fs ""; check_ext4_manifest "${img%.img}.manifest" "$T/fs"
fi

if run legacy-f4-fsdax-xfs; then
	check_block "" F4 $((16 << 30)) $((I76)) $PMD fsdax pmem 1
	check_fs ""; check_xfs_manifest "${img%.img}.manifest" "$T/fs"
fi

if run legacy-f2-fsdax-ext4; then
	check_block "" F2 $((4 << 30)) $((0x244000000)) $PMD fsdax pmem 1
	check "$n: a 1.1 block" test "$(lv version)" = 1.1
	check_fs ""; check_ext4_manifest "${img%.img}.manifest" "$T/fs"
fi

if run legacy-f5-fsdax-ext4; then
	check_block "" F5 $((4 << 30)) $((I76)) $PMD fsdax pmem 1
	check_fs ""; check_ext4_manifest "${img%.img}.manifest" "$T/fs"
fi

if run legacy-devdax; then
	check_block "" F4 $((4 << 30)) $((I76)) 4096 devdax ram 1
	check "$n: D = 8 KiB + the 128 KiB dax_label_reserve" test "$(lv dataoff)" = $((8192 + 131072))
	check "$n: the data marker sits at B+P+D" sh -c \
		"dd if='$img' bs=4096 skip=$(( $(lv legacy_data) / 4096 )) count=1 status=none | grep -qa 'PMEMSCAN-DEVDAX-DATA-START legacy-devdax'"
fi

# -- current kernels and ndctl --
if run current-f8-fsdax-ext4; then
	check_block "" F8 $((2 << 30)) $((I76)) $PMD fsdax pmem 0
	check_fs ""; check_ext4_manifest "${img%.img}.manifest" "$T/fs"
fi
if run current-f8-fsdax-xfs; then
	check_block "" F8 $((2 << 30)) $((I76)) $PMD fsdax pmem 0
	check_fs ""; check_xfs_manifest "${img%.img}.manifest" "$T/fs"
fi
if run current-f8-devdax; then
	check_block "" F8 $((2 << 30)) $((I76)) $PMD devdax pmem 0
	check "$n: the data marker sits at B+D (P = 0)" sh -c \
		"dd if='$img' bs=4096 skip=$(( $(lv dataoff) / 4096 )) count=1 status=none | grep -qa 'PMEMSCAN-DEVDAX-DATA-START current-f8-devdax'"
fi
if run ndctl-fsdax-ext4; then
	check_block "" ndctl $((1 << 30)) 0 $PMD fsdax pmem 0
	check_fs ""; check_ext4_manifest "${img%.img}.manifest" "$T/fs"
fi

# -- raw namespaces: no info block, the filesystem at 0 --
for n2 in raw-ext4 raw-xfs; do
	run $n2 || continue
	check "$n: no info block at 4096" no_info_block "$img"
	check_fs ""
	case $n2 in
	raw-ext4) check_ext4_manifest "${img%.img}.manifest" "$T/fs" ;;
	raw-xfs) check_xfs_manifest "${img%.img}.manifest" "$T/fs" ;;
	esac
done

# -- the start_pad layout cases --
if run fixed-placed-ext4; then
	check_block "" F4 $((4 << 30)) $((I76)) $PMD fsdax pmem 1
	same_value "$n: ext4 at B+D, S-T-D long" "$(lv fs_offset) $(lv fs_size)" "$(lv fixed_data) $(lv fixed_size)"
	check_fs ""; check_ext4_manifest "${img%.img}.manifest" "$T/fs"
fi

if run both-ext4; then
	check_block "" F4 $((4 << 30)) $((I76)) $PMD fsdax pmem 1
	check "$n: the fixed-placed ext4 ends before the legacy start" \
		test $(( $(lv fixed_fs_offset) + $(lv fixed_fs_size) )) -le "$(lv legacy_data)"
	check_fs fixed_; check_ext4_manifest "${img%.img}.fixed.manifest" "$T/fs"
	check_fs ""; check_ext4_manifest "${img%.img}.manifest" "$T/fs"
	differ_value "$n: two different uuids" "$(lv fs_uuid)" "$(lv fixed_fs_uuid)"
fi

if run damaged-legacy-ext4; then
	check_block "" F4 $((4 << 30)) $((I76)) $PMD fsdax pmem 1
	check "$n: the superblock magic is still there" sh -c \
		"[ \$(dd if='$img' bs=1 skip=$(( $(lv fs_offset) + 1080 )) count=2 status=none | od -An -tx1 | tr -d ' ') = 53ef ]"
	check "$n: B+D holds memmap-like records (mapcount -1, refcount 1)" sh -c \
		"dd if='$img' bs=64 skip=$(( $(lv fixed_data) / 64 + 1 )) count=1 status=none | od -An -tx1 | tr -d ' \n' | grep -q 'ffffffff01000000'"
	rm -f "$T/fs"; "$PLACE" "$img" "$T/fs" 0 "$(lv fs_offset)" "$(lv fs_size)"
	expect_exit 4 "$n: e2fsck -fn reports the damage" e2fsck -fn "$T/fs" >/dev/null 2>&1
	check "$n: dumpe2fs names the primary superblock checksum" sh -c \
		"dumpe2fs -h '$T/fs' 2>&1 | grep -q 'Superblock checksum does not match'"
	rm -rf "$T/rd"; mkdir "$T/rd"
	debugfs -c -s 32768 -b 4096 -R "rdump / $T/rd" "$T/fs" >/dev/null 2>&1
	grep -v "^[^$TAB]*${TAB}p$TAB" "${img%.img}.manifest" >"$T/man.nofifo"
	check "$n: files read through backup superblock 32768 match the manifest" \
		manifest_match -i links,xattrs,mode,mtime -x lost+found "$T/man.nofifo" "$T/rd"
fi

if run neither; then
	check_block "" F4 $((4 << 30)) $((I76)) $PMD fsdax pmem 1
	expect_exit 2 "$n: nothing at the legacy start" blkid -p -O "$(lv legacy_data)" "$img"
	expect_exit 2 "$n: nothing at the fixed start" blkid -p -O "$(lv fixed_data)" "$img"
fi

if run region-two-ns; then
	check_block ns0_ F8 $((192 << 20)) $((0x5770000000)) $PMD fsdax pmem 0
	check_block ns1_ F4 $((1 << 30)) $((I76)) $PMD fsdax pmem 1
	check "$n: ns1 starts where ns0 ends, 64 MiB into a section" \
		test "$(lv ns1_ns_offset) $(lv ns1_start_pad)" = "$((192 << 20)) $((64 << 20))"
	check_fs ns0_; check_ext4_manifest "${img%.img}.ns0.manifest" "$T/fs"
	check_fs ns1_; check_ext4_manifest "${img%.img}.ns1.manifest" "$T/fs"
fi

if run hostile-ext4; then
	H=${img%.img}.hostile
	check "$n: no info block (a raw namespace)" no_info_block "$img"
	nh=0; hbad=
	while IFS=$TAB read -r kind parent namehex what; do
		nh=$((nh + 1))
		debugfs -R "cat $parent" "$img" 2>/dev/null | od -An -v -tx1 | tr -d ' \n' >"$T/dirblk"
		grep -q "$namehex" "$T/dirblk" || hbad="$hbad $kind"
	done <"$H"
	check "$n: all $nh hostile names are in their directories' blocks${hbad:+ (missing:$hbad)}" \
		test -z "$hbad" -a "$nh" -ge 15
	e2fsck -fn "$img" >"$T/e2h" 2>&1
	for w in "has illegal characters in its name" "is duplicate '.' entry" "is duplicate '..' entry" \
		 "is a link to directory" "Duplicate entry 'escape'" "Entry '/tmp/pmemscan-hostile' in / (2) has illegal"; do
		check "$n: e2fsck -fn sees it: $w" grep -qF "$w" "$T/e2h"
	done
	check "$n: the size bomb claims 1 TiB" sh -c \
		"debugfs -R 'stat /h/bomb' '$img' 2>/dev/null | grep -q 'Size: 1099511627776'"
	# the benign tree next to /h (never rdump / itself: debugfs would follow the
	# '../../etc/passwd' entry out of the output directory)
	rm -rf "$T/rd"; mkdir "$T/rd"
	tops=$(cut -f1 "${img%.img}.manifest" | grep -v '^#' | cut -d/ -f1 | sort -u | sed 's/.*/"\/&"/' | tr '\n' ' ')
	debugfs -R "rdump $tops $T/rd" "$img" >/dev/null 2>&1
	check "$n: the benign files match the manifest" \
		manifest_match -i links,xattrs,mode,mtime "${img%.img}.manifest" "$T/rd"
fi

if run small-legacy-ext4; then
	check_block "" F4 $((132 << 20)) $((I76)) $PMD fsdax pmem 1
	check "$n: spec §7.1 132 MiB row: P=64M D=0x400000 npfns=16384" \
		test "$(lv start_pad) $(lv dataoff) $(lv npfns)" = "67108864 4194304 16384"
	check_fs ""; check_ext4_manifest "${img%.img}.manifest" "$T/fs"
fi
done_testing
