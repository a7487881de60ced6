# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by tests/kernel/run: check_geo DIR KROOT, the "geo" boot of issue 25
# (tests/kernel/geo, guest side scn-geo.sh), remade every run (it is cheap
# next to the cached boots and its checks depend on pmemscan only).
#   geo-ext4, geo-xfs (start_pad 2 MiB < dataoff 18 MiB): m.bin's stores
#     landed on v.bin's blocks (checked from the guest's FIEMAP), f.bin's on
#     freed blocks; the scan classes m.bin and f.bin mmap, v.bin write, and
#     names v.bin as m.bin's victim; default extract gives each file what
#     the guest's writer last saw: m.bin and f.bin their mmap views, v.bin
#     its current read() view.
#   geo-pmdk: default extract gives each of the obj, blk and log pools
#     exactly the guest's mmap view (what PMDK wrote), and the host's
#     pmempool info accepts each extracted pool as its type. What pmempool
#     info/check said in the guest is reported (a diag): it reads the pool
#     with read(), so on this namespace it sees the zeros at L.
#   geo-pmdk-xfs: the same on xfs (pool.obj stores on pad.bin and on its
#     own first blocks); geo-meta-ext4/xfs: check_geo_meta; with the boot
#     word geo-merged: check_geo_merged (repair --merge-mmap, boot the copies).
# m.bin mmap / its named victim / extracted as mmap rest on the victim rule
# (docs/start_pad.md), a mixed pool on its merged view.
check_geo() {
	local dir=$1 kroot=$2 out=$1/geo gio=$1/guest-io
	local scn img f path how size sr sm got x rc t mphys P
	rc=0
	# PMEMSCAN_KERNEL_GEO_REUSE=1: check the geo boot already in DIR/geo
	if [ -n "${PMEMSCAN_KERNEL_GEO_REUSE:-}" ] && [ -f "$out/boot.txt" ]; then
		echo reused >"$T/boot-geo.log"
	else
		sh "$K/geo" "$out" "$kroot" "$rel" "$dir/initrd.gz" >"$T/boot-geo.log" 2>&1 || rc=$?
	fi
	if [ "$rc" -eq 77 ]; then
		diag "geo boot skipped: $(tail -n 1 "$T/boot-geo.log")"
		return
	fi
	if [ "$rc" -eq 0 ]; then
		ok "$rel geo: the boot ran ($(sed -n 's/^seconds=//p' "$out/boot.txt") s)"
	else
		not_ok "$rel geo: the boot: $(tail -n 3 "$T/boot-geo.log" | tr '\n' ' ')"
		return
	fi
	echo "geo_seconds=$(sed -n 's/^seconds=//p' "$out/boot.txt")" >>"$dir/observed.txt"
	[ -s "$out/out/failures.txt" ] && not_ok "$rel geo: guest failures: $(tr '\n' ' ' <"$out/out/failures.txt")"
	P=$(sed -n 's/^start_pad=//p' "$out/dimm0.layout")
	for scn in geo-ext4 geo-xfs geo-pmdk geo-pmdk-xfs geo-meta-ext4 geo-meta-xfs; do
		f=$out/out/scn/$scn.facts
		[ -f "$f" ] || { not_ok "$rel $scn: the guest recorded it"; continue; }
		img=$out/dimm$(fact "$f" dimm).img
		"$PMEMSCAN" --json --hash none "$img" >"$T/geo-$scn.json" 2>/dev/null
		x=$T/geo-$scn.x
		rm -rf "$x"
		"$PMEMSCAN" extract "$img" -o "$x" --quiet >"$T/geo-$scn.ex" 2>&1 ||
			diag "$scn: extract exit non-zero: $(tail -n 1 "$T/geo-$scn.ex")"
		cls() { jq -r --arg p "$1" '.namespaces[0].split.files[] | select(.path == $p) | .class' "$T/geo-$scn.json"; }
		while read -r path how size sr sm; do
			case $path in \#*) continue ;; esac
			got=$(sha256sum <"$x$path" 2>/dev/null | cut -d' ' -f1)
			case $scn/$path in
			geo-meta-*/*) continue ;;	# check_geo_meta
			*/v.bin | */pad.bin) is "$rel $scn: default extract gives the victim $path its current read() view" "$got" "$sr"
				is "$rel $scn: $path classed write" "$(cls "$path")" write ;;
			*/m.bin) is "$rel $scn: default extract gives $path (stores over v.bin) its mmap view" "$got" "$sm"
				is "$rel $scn: $path classed mmap" "$(cls "$path")" mmap
				is "$rel $scn: $path's victim is /v.bin" \
					"$(jq -r '.namespaces[0].split.files[] | select(.path == "/m.bin") | [.victims[]? | select(.kind == "file") | .path] | join(",")' "$T/geo-$scn.json")" /v.bin ;;
			*/f.bin) is "$rel $scn: default extract gives $path (stores over free blocks) its mmap view" "$got" "$sm"
				is "$rel $scn: $path classed mmap" "$(cls "$path")" mmap ;;
			geo-pmdk*/pool.*) is "$rel $scn: default extract gives $path exactly what PMDK wrote (the guest's mmap view) (a mixed pool: its merged view)" "$got" "$sm"
				t=${path#/pool.}
				if [ -f "$x$path" ] && pmempool info "$x$path" >"$T/geo-info-$t" 2>&1 &&
					grep -q "^Signature *: *PMEM$(echo "$t" | tr a-z A-Z)\$" "$T/geo-info-$t"; then
					ok "$rel $scn: the host's pmempool info accepts the extracted $path as a $t pool"
				else
					not_ok "$rel $scn: the host's pmempool info accepts the extracted $path as a $t pool ($(head -n 2 "$T/geo-info-$t" 2>/dev/null | tr '\n' ' '))"
				fi
				# (in the guest pmempool reads the pool through read(), the
				# block path: on this namespace it sees L, not the pool)
				diag "$scn: in the guest: $(grep "^pool.$t " "$out/out/scn/$scn.pmempool" | tr '\n' ' ')$(head -n 1 "$out/out/scn/$scn.info-$t" 2>/dev/null)" ;;
			esac
		done <"$out/out/scn/$scn.files"
		case $scn in
		geo-pmdk*) continue ;;
		geo-meta-*) check_geo_meta "$scn" "$img" "$x" "$P"; continue ;;
		esac
		# the premise: m.bin's F (P lower) is on v.bin's blocks
		mphys=$(awk '$1 == "/m.bin" { print $3; exit }' "$out/out/scn/$scn.extents")
		if [ -n "$mphys" ] && awk -v f=$((mphys - P)) '$1 == "/v.bin" && f >= $3 && f < $3 + $4 { hit = 1 } END { exit !hit }' \
			"$out/out/scn/$scn.extents"; then
			ok "$rel $scn: m.bin's F positions are on v.bin's blocks (FIEMAP)"
		else
			not_ok "$rel $scn: m.bin's F positions are on v.bin's blocks (FIEMAP: m.bin at '$mphys', P $P)"
		fi
	done
	want_boot geo-merged && check_geo_merged "$dir" "$kroot"
}

# check_geo_meta SCN IMAGE EXTRACTED P: /m.bin written only through a
# mapping on a fresh filesystem, its F positions (start_pad P lower, from
# the guest's FIEMAP) on filesystem metadata. What each F block is comes
# from the filesystem's own tools on the filesystem carved from the image
# (debugfs icheck/testb: in use and owned by no inode or by a reserved one;
# xfs_db blockget/blockuse: any type but data and free); pmemscan must call
# m.bin mmap, name the same numbers of metadata, file and free blocks as its
# victims, and extract it as the guest's mapping showed it.
check_geo_meta() {
	local scn=$1 img=$2 x=$3 P=$4
	local f lay fso fsz fs got sm sb sr path how size a
	f=$out/out/scn/$scn.facts
	lay=$out/dimm$(fact "$f" dimm).layout
	fso=$(fact "$lay" legacy_data) fsz=$(fact "$lay" legacy_size)
	fs=$(fact "$f" fs)
	dd if="$img" of="$T/$scn.fs" bs=1M skip=$((fso / 1048576)) count=$((fsz / 1048576)) status=none
	awk -v p="$P" '$1 == "/m.bin" { for (k = 0; k < $4; k += 4096) print ($3 + k - p) / 4096 }' \
		"$out/out/scn/$scn.extents" >"$T/$scn.fblocks"
	if [ ! -s "$T/$scn.fblocks" ]; then
		not_ok "$rel $scn: the guest recorded m.bin's extents"
		return
	fi
	case $fs in
	ext4)
		sed 's/^/testb /' "$T/$scn.fblocks" >"$T/$scn.dbg"
		echo "icheck $(tr '\n' ' ' <"$T/$scn.fblocks")" >>"$T/$scn.dbg"
		debugfs -f "$T/$scn.dbg" "$T/$scn.fs" 2>/dev/null | awk '
			/^Block [0-9]+ marked in use/ { use[$2] = 1; next }
			/^Block [0-9]+ not in use/ { use[$2] = 0; next }
			$1 ~ /^[0-9]+$/ && NF >= 2 { own[$1] = $2; list[n++] = $1 }
			END { for (i = 0; i < n; i++) { b = list[i]
				if (!use[b]) fr++
				else if (own[b] ~ /^</ || own[b] + 0 < 11) me++
				else fi++ }
				printf "metadata %d file %d free %d\n", me, fi, fr }' >"$T/$scn.kinds"
		;;
	xfs)
		a=$(awk '{ printf " -c \"fsblock %d\" -c \"blockuse -n\"", $1 }' "$T/$scn.fblocks")
		eval "xfs_db -r -c 'blockget -n' $a \"\$T/\$scn.fs\"" 2>/dev/null | awk '
			/^block [0-9]+ / { t = $5
				if (t == "data") fi++; else if (t ~ /^free[0-9]/) fr++; else me++ }
			END { printf "metadata %d file %d free %d\n", me, fi, fr }' >"$T/$scn.kinds"
		;;
	esac
	diag "$scn: m.bin's F blocks by $([ "$fs" = ext4 ] && echo debugfs || echo xfs_db): $(cat "$T/$scn.kinds")"
	if [ "$(awk '{ print $2 }' "$T/$scn.kinds")" -gt 0 ] 2>/dev/null; then
		ok "$rel $scn: m.bin's F positions are on filesystem metadata ($(cat "$T/$scn.kinds"); $fs's own tools)"
	else
		not_ok "$rel $scn: m.bin's F positions are on filesystem metadata ($(cat "$T/$scn.kinds"))"
	fi
	is "$rel $scn: /m.bin classed mmap" \
		"$(jq -r '.namespaces[0].split.files[] | select(.path == "/m.bin") | .class' "$T/geo-$scn.json")" mmap
	is "$rel $scn: the scan names m.bin's victims: the metadata, file and free blocks its stores landed on" \
		"$(jq -r '[.namespaces[0].split.files[] | select(.path == "/m.bin") | .victims[]] as $v |
			def n(k): [$v[] | select(.kind == k) | .blocks] | add // 0;
			"metadata \(n("metadata")) file \(n("file") + n("file-unwritten")) free \(n("free"))"' "$T/geo-$scn.json")" \
		"$(cat "$T/$scn.kinds")"
	"$PMEMSCAN" "$img" >"$T/geo-$scn.txt" 2>/dev/null
	# (the lines under m.bin's up to the next file's or the DAX note)
	check "$rel $scn: the text report says m.bin's stores landed on filesystem metadata" \
		sh -c "awk '/ \/m.bin \(/ { on = 1; next } on && /^    [a-zA-Z]/ { on = 0 } on' '$T/geo-$scn.txt' |
			grep -q 'its stores through a mapping landed on filesystem metadata'"
	while read -r path how size sr sm; do
		case $path in \#*) continue ;; esac
		got=$(sha256sum <"$x$path" 2>/dev/null | cut -d' ' -f1)
		case $how in
		mmap)
			is "$rel $scn: default extract gives $path (stores over metadata) the guest's mmap view" "$got" "$sm"
			sb=$(awk -v p="$path" '$1 == p { print $5 }' "$out/out/scn/$scn.files-before-remount")
			[ "$sb" = "$sm" ] || diag "$scn: $path's mmap view changed across the remount (the filesystem rewrote metadata the stores had landed on): the writer's last view is not in the image"
			;;
		*)
			is "$rel $scn: default extract gives $path its read() view" "$got" "$sr"
			is "$rel $scn: $path classed write" \
				"$(jq -r --arg p "$path" '.namespaces[0].split.files[] | select(.path == $p) | .class' "$T/geo-$scn.json")" write
			;;
		esac
	done <"$out/out/scn/$scn.files"
}

# check_geo_merged DIR KROOT: the boot "geo-merged" (PMEMSCAN_KERNEL_BOOTS;
# guest side boot_geomerged in scn-geo.sh): pmemscan repair --merge-mmap
# on copies of the six geo DIMMs, then a boot of the copies: the kernel
# claims the rewritten block, read() of every file gives what its writer
# last saw (the first boot's read() sum for a write() file, its mmap sum
# for one written through a mapping), mmap agrees, and pmempool check
# passes on every pool and pmempool info names its type.
check_geo_merged() {
	local dir=$1 kroot=$2 g=$1/geo out=$1/geo-merged
	local i f base rc vml scn m lay path how size sr sm msr msm want what t
	rm -rf "$out"
	mkdir -p "$out"
	for i in 0 1 2 3 4 5; do
		f=$(grep -l "^dimm=$i\$" "$g"/out/scn/geo-*.facts 2>/dev/null | head -n 1)
		[ -n "$f" ] || { not_ok "$rel geo-merged dimm$i: the geo boot recorded it"; return; }
		base=$(fact "$f" dimm_phys_base)
		rc=0
		"$PMEMSCAN" repair "$g/dimm$i.img" --phys-base "$base" --merge-mmap \
			-o "$out/dimm$i.img" >"$out/repair-dimm$i.txt" 2>&1 || rc=$?
		is "$rel geo-merged dimm$i ($(fact "$f" scenario)): repair --merge-mmap -o COPY exits 0" "$rc" 0
		[ "$rc" -eq 0 ] || sed -n '1,12s/^/# repair: /p' "$out/repair-dimm$i.txt"
		# (a DIMM not repaired is booted as it was: its checks then fail)
		[ -f "$out/dimm$i.img" ] || cp --sparse=always "$g/dimm$i.img" "$out/dimm$i.img"
	done
	vml=$kroot/boot/vmlinuz-$rel
	[ -s "$kroot/boot/vmlinux-$rel" ] && vml=$kroot/boot/vmlinux-$rel
	local G=1073741824
	# (no_timer_check: under TCG on a loaded host the kernel's IO-APIC
	# timer check can fail and panic at 0.05 s; seen once on both kernels)
	if sh "$K/boot" -k "$vml" -i "$g/initrd.gz" -o "$out" -a "pmemscan.boot=geomerged no_timer_check" \
		"$out/dimm0.img:$G" "$out/dimm1.img:$G" "$out/dimm2.img:$G" \
		"$out/dimm3.img:$G" "$out/dimm4.img:$G" "$out/dimm5.img:$G" >"$T/boot-geo-merged.log" 2>&1; then
		ok "$rel geo-merged: the repaired copies boot ($(sed -n 's/^seconds=//p' "$out/boot.txt") s)"
	else
		not_ok "$rel geo-merged: the repaired copies boot: $(tail -n 3 "$T/boot-geo-merged.log" | tr '\n' ' ')"
		return
	fi
	echo "geo_merged_seconds=$(sed -n 's/^seconds=//p' "$out/boot.txt")" >>"$dir/observed.txt"
	[ -s "$out/out/failures.txt" ] && not_ok "$rel geo-merged: guest failures: $(tr '\n' ' ' <"$out/out/failures.txt")"
	for f in "$g"/out/scn/geo-*.facts; do
		scn=$(fact "$f" scenario)
		m=geo-merged-${scn#geo-}
		lay=$g/dimm$(fact "$f" dimm).layout
		if [ ! -f "$out/out/scn/$m.facts" ] || [ ! -f "$out/out/scn/$m.files" ]; then
			not_ok "$rel $m: the guest mounted the repaired copy and summed its files"
			continue
		fi
		is "$rel $m: the kernel claims the rewritten block; data at base + the old start_pad + dataoff" \
			"$(($(fact "$out/out/scn/$m.facts" seed_resource) - $(fact "$out/out/scn/$m.facts" dimm_phys_base)))" \
			"$(fact "$lay" legacy_data)"
		while read -r path how size sr sm; do
			case $path in \#*) continue ;; esac
			read -r _ _ _ msr msm <<-EOF
			$(grep "^$path " "$out/out/scn/$m.files")
			EOF
			case $how in
			write) want=$sr what="what read() read before" ;;
			*) want=$sm what="what its writer saw through the mapping before (the first boot's mmap sum)" ;;
			esac
			is "$rel $m $path ($how): read() after repair --merge-mmap gives $what" "${msr:-}" "$want"
			is "$rel $m $path ($how): read() and mmap agree after the repair" "${msm:-}" "${msr:-}"
			case $path in
			/pool.*)
				t=${path#/pool.}
				check "$rel $m $path: pmempool check in the guest passes on the repaired copy" \
					grep -qx "pool.$t check ok" "$out/out/scn/$m.pmempool"
				check "$rel $m $path: pmempool info in the guest reads it as a $t pool" \
					grep -q "^Signature *: *PMEM$(echo "$t" | tr a-z A-Z)\$" "$out/out/scn/$m.info-$t"
				;;
			esac
		done <"$g/out/scn/$scn.files"
	done
}
