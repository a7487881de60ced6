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
	for scn in geo-ext4 geo-xfs geo-pmdk; do
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
			*/v.bin) is "$rel $scn: default extract gives the victim $path its current read() view" "$got" "$sr"
				is "$rel $scn: $path classed write" "$(cls "$path")" write ;;
			*/m.bin) is "$rel $scn: default extract gives $path (stores over v.bin) its mmap view" "$got" "$sm"
				is "$rel $scn: $path classed mmap" "$(cls "$path")" mmap
				is "$rel $scn: $path's victim is /v.bin" \
					"$(jq -r '.namespaces[0].split.files[] | select(.path == "/m.bin") | [.victims[]? | select(.kind == "file") | .path] | join(",")' "$T/geo-$scn.json")" /v.bin ;;
			*/f.bin) is "$rel $scn: default extract gives $path (stores over free blocks) its mmap view" "$got" "$sm"
				is "$rel $scn: $path classed mmap" "$(cls "$path")" mmap ;;
			geo-pmdk/*) is "$rel $scn: default extract gives $path exactly what PMDK wrote (the guest's mmap view) (a mixed pool: its merged view)" "$got" "$sm"
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
		[ "$scn" = geo-pmdk ] && continue
		# the premise: m.bin's F (P lower) is on v.bin's blocks
		mphys=$(awk '$1 == "/m.bin" { print $3; exit }' "$out/out/scn/$scn.extents")
		if [ -n "$mphys" ] && awk -v f=$((mphys - P)) '$1 == "/v.bin" && f >= $3 && f < $3 + $4 { hit = 1 } END { exit !hit }' \
			"$out/out/scn/$scn.extents"; then
			ok "$rel $scn: m.bin's F positions are on v.bin's blocks (FIEMAP)"
		else
			not_ok "$rel $scn: m.bin's F positions are on v.bin's blocks (FIEMAP: m.bin at '$mphys', P $P)"
		fi
	done
}
