# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Sourced by tests/kernel/run: the checks of the crash and recover boots
# (scn-crash.sh; issues 22 and 24). The truth is the recover boot's view:
# the kernel mounted COPIES of the crashed DIMMs, recovering each journal or
# log, and recorded every entry (guest-io tree). On the ORIGINAL crashed
# images:
#   - the guest really reset: the kernel's "sysrq: Resetting", no power-off,
#     the guest's stages stop at "reset";
#     dumpe2fs -h shows needs_recovery, xfs_logprint -t a dirty log;
#   - pmemscan --json says the journal/log needs recovery, transactions > 0;
#   - pmemscan extract (default --journal replay) = the recovered view, file
#     for file (type, mode, owner, size, sha256, symlink target, xattrs, link
#     counts of non-directories), nothing extra, nothing missing;
#   - extract --journal ignore gives a view that differs from it (the
#     scenario needed recovery);
#   - carve writes an image e2fsck -fn (ext4) / xfs_repair -n (xfs) accepts,
#     with no journal to recover.
# Uses run's ok/not_ok/check/is/diag/fact/ns_index, $T, $rel, $PMEMSCAN.
# shellcheck source=scn-crash.sh
. "$K/scn-crash.sh"

# crash_project TREE: the fields compared, one line per entry; a directory's
# size and link count depend on the filesystem holding it (not compared)
crash_project() {
	awk '{ if ($2 == "d") { $6 = "-"; $7 = "-" } print }' "$1"
}

# crash_diff TRUTH GOT: the differences in words, one line each
crash_diff() {
	awk 'BEGIN { split("path type mode uid gid size nlink sha256 target xattrs", F, " ") }
		FNR == NR { t[$1] = $0; next }
		{ g[$1] = $0 }
		END {
			for (p in t) if (!(p in g)) print "missing: " t[p]
			for (p in g) if (!(p in t)) print "extra: " g[p]
			for (p in t) if ((p in g) && t[p] != g[p]) {
				split(t[p], a, " "); split(g[p], b, " "); s = ""
				for (i = 2; i <= 10; i++) if (a[i] != b[i]) s = s " " F[i] " " a[i] " -> " b[i]
				print "differs: " p ":" s
			}
		}' "$1" "$2" | LC_ALL=C sort
}

# crash_dirty FS IMAGE OFFSET SIZE: does e2fsprogs / xfsprogs see a journal
# or log that needs recovery (read-only loop device over the filesystem)?
crash_dirty() {
	local dev rc=1
	dev=$(losetup -f --show -r -o "$3" --sizelimit "$4" "$2" 2>/dev/null) || return 2
	case $1 in
	ext4) dumpe2fs -h "$dev" 2>/dev/null | grep -q '^Filesystem features:.*needs_recovery' && rc=0 ;;
	xfs) xfs_logprint -t "$dev" 2>/dev/null | tee "$T/logprint" | grep -q 'state: *<DIRTY>' && rc=0 ;;
	esac
	losetup -d "$dev"
	return $rc
}

# crash_journal JSON IDX: "needs_recovery transactions" of the namespace's
# journal (ext4) or log (xfs: the journal object, or the chosen candidate's
# xfs_log)
crash_journal() {
	jq -r --argjson i "$2" '.namespaces[$i] as $n |
		([$n.journal // empty] + [$n.candidates[]? | select(.name == ($n.verdict.chosen // $n.candidates[0].name)) | .xfs_log // empty])[0] |
		"\(.needs_recovery) \(.transactions)"' "$1" 2>/dev/null
}

check_crash() {
	local dir=$1 c=$1/crash r=$1/recover gio=$1/guest-io
	local scn dimm fs mkfs where f base nsoff doff dsize img json idx x n rc jr jt what
	if [ ! -d "$c/out/scn" ]; then
		not_ok "$rel crash: the guest left its output ($c/out/scn)"
		return
	fi
	[ -s "$c/out/failures.txt" ] && diag "crash boot failures: $(tr '\n' ' ' <"$c/out/failures.txt")"
	[ -s "$r/out/failures.txt" ] && diag "recover boot failures: $(tr '\n' ' ' <"$r/out/failures.txt")"
	check "$rel crash: the guest reset itself (sysrq b) after sending its results, never powered off" \
		sh -c "grep -q 'sysrq: Resetting' '$c/console.log' &&
			! grep -q -e 'powering off' -e 'reboot: Power down' '$c/console.log'"
	check "$rel crash: the guest's last stage was the reset (no unmount, no sync after the changes)" \
		test "$(tail -n 1 "$c/out/times.txt" | cut -d' ' -f1)" = reset
	check "$rel crash: no failure inside the crash guest" test ! -s "$c/out/failures.txt"
	if [ ! -d "$r/out/scn" ]; then
		not_ok "$rel recover: the guest left its output ($r/out/scn)"
	else
		check "$rel recover: no failure inside the recover guest" test ! -s "$r/out/failures.txt"
	fi
	while read -r scn dimm fs mkfs where; do
		f=$c/out/scn/$scn.facts
		if [ ! -f "$f" ] || [ -z "$(fact "$f" blockdev)" ]; then
			not_ok "$rel $scn: the crash guest made the filesystem ($f)"
			continue
		fi
		cat "$c/out/scn/$scn.did" >"$dir/crash-$scn.did" 2>/dev/null
		base=$(fact "$f" dimm_phys_base)
		nsoff=$(($(fact "$f" ns_resource) - base))
		doff=$(($(fact "$f" seed_resource) - base))
		dsize=$(fact "$f" seed_size)
		img=$c/dimm$dimm.img
		what="$fs ($mkfs, $where)"
		# the reset left the journal or log dirty, as the tools that own the format see it
		rc=0
		crash_dirty "$fs" "$img" "$doff" "$dsize" || rc=$?
		case $fs in
		ext4) is "$rel $scn: dumpe2fs -h on the crashed image shows needs_recovery" "$rc" 0 ;;
		xfs) is "$rel $scn: xfs_logprint -t on the crashed image shows a dirty log" "$rc" 0
			diag "$scn: $(grep -m1 'log tail' "$T/logprint" 2>/dev/null)" ;;
		esac
		# the kernel recovered it at the next mount (the recover boot, on a copy)
		case $fs in
		ext4) check "$rel $scn: the kernel recovered the journal when mounting the copy (dmesg)" \
			grep -q 'recovery complete' "$r/out/scn/$scn.mount-dmesg" ;;
		xfs) check "$rel $scn: the kernel recovered the log when mounting the copy (dmesg)" \
			grep -q 'Ending recovery' "$r/out/scn/$scn.mount-dmesg" ;;
		esac
		sed "s/^/$scn mount dmesg: /" "$r/out/scn/$scn.mount-dmesg" >>"$dir/observed.txt" 2>/dev/null
		local truth=$r/out/scn/$scn.tree
		n=0
		[ -f "$truth" ] && n=$(wc -l <"$truth")
		# 400 entries in grow-b alone: fewer is no tree
		if [ "$n" -lt 430 ]; then
			not_ok "$rel $scn: the recover guest recorded the recovered tree ($truth: $n entries)"
			continue
		fi
		crash_project "$truth" >"$T/truth"
		crash_project "$c/out/scn/$scn.tree-before-reset" >"$T/before" 2>/dev/null
		crash_diff "$T/truth" "$T/before" >"$T/d"
		check "$rel $scn: the kernel's recovered tree is what the guest saw before the reset ($n entries)" \
			test ! -s "$T/d" -a -s "$T/before"
		sed "s/^/# $scn kernel recovery vs before the reset: /" "$T/d" | head -n 20

		json=$T/crash-$scn.json
		"$PMEMSCAN" --json --hash none "$img" >"$json" 2>/dev/null
		idx=$(ns_index "$json" "$nsoff")
		if [ -z "$idx" ]; then
			not_ok "$rel $scn: pmemscan finds the namespace at $(hex "$nsoff")"
			continue
		fi
		read -r jr jt <<-EOF
		$(crash_journal "$json" "$idx")
		EOF
		echo "$scn pmemscan journal: $(jq -c ".namespaces[$idx].journal // [.namespaces[$idx].candidates[].xfs_log]" "$json" | cut -c1-600)" >>"$dir/observed.txt"
		check "$rel $scn: pmemscan --json: the $fs journal/log needs recovery, with transactions ($jr, ${jt:-none})" \
			test "$jr" = true -a "${jt:-0}" -gt 0 2>/dev/null

		if [ "$fs" = ext4 ]; then
			# what the scenario exercises: the two files unlinked while
			# open are on the orphan list; the removed directory's
			# journaled blocks were revoked
			is "$rel $scn: the 2 files unlinked while open are on the recovered orphan list" \
				"$(jq -r ".namespaces[$idx].journal.orphans_unlinked" "$json")" 2
			check "$rel $scn: the journal holds revoke records (the removed directory's blocks)" \
				test "$(jq -r ".namespaces[$idx].journal.revoke_records" "$json")" -gt 0
		fi

		# the default extract (--journal replay) = the kernel's recovered view
		x=$T/cx-$scn
		rm -rf "$x" "$x.ign"
		rc=0
		"$PMEMSCAN" extract "$img" --namespace "$idx" -o "$x" --quiet >"$T/cx.log" 2>&1 || rc=$?
		sed "s/^/# $scn extract: /" "$T/cx.log" | head -n 8
		is "$rel $scn: extract (default --journal replay) exits 0" "$rc" 0
		if [ -d "$x" ]; then
			"$gio" tree "$x" | LC_ALL=C sort >"$T/got.raw"
			crash_project "$T/got.raw" >"$T/got"
		else
			: >"$T/got"
		fi
		crash_diff "$T/truth" "$T/got" >"$T/d"
		check "$rel $scn $what: extract = the kernel's recovered view, file for file ($n entries; $(wc -l <"$T/d") differ)" \
			test ! -s "$T/d" -a -s "$T/got"
		cp "$T/d" "$dir/crash-$scn.mismatch"
		sed "s/^/# $scn replay vs kernel: /" "$T/d" | head -n 40
		# --journal ignore: the stale on-disk view, which must not be the truth
		"$PMEMSCAN" extract "$img" --namespace "$idx" --journal ignore -o "$x.ign" --quiet >/dev/null 2>&1
		if [ -d "$x.ign" ]; then
			"$gio" tree "$x.ign" | LC_ALL=C sort >"$T/ign.raw"
			crash_project "$T/ign.raw" >"$T/ign"
		else
			: >"$T/ign"
		fi
		crash_diff "$T/truth" "$T/ign" >"$T/d"
		check "$rel $scn: extract --journal ignore (stale) differs from the recovered view ($(wc -l <"$T/d") entries differ)" \
			test -s "$T/d"
		echo "$scn stale view (--journal ignore) vs kernel: $(wc -l <"$T/d") entries differ: $(grep -c '^missing' "$T/d") missing, $(grep -c '^extra' "$T/d") extra, $(grep -c '^differs' "$T/d") differ" >>"$dir/observed.txt"
		rm -rf "$x" "$x.ign"

		# carve: the recovered filesystem, which its own checker accepts
		rm -f "$T/carve.img"
		rc=0
		"$PMEMSCAN" carve "$img" --namespace "$idx" -o "$T/carve.img" >"$T/carve.log" 2>&1 || rc=$?
		is "$rel $scn: carve exits 0" "$rc" 0
		if [ -s "$T/carve.img" ]; then
			case $fs in
			ext4)
				rc=0
				e2fsck -fn "$T/carve.img" >"$T/fsck.log" 2>&1 || rc=$?
				is "$rel $scn: e2fsck -fn passes on the carved image" "$rc" 0
				check "$rel $scn: the carved ext4 has no journal to recover (dumpe2fs -h)" \
					sh -c "dumpe2fs -h '$T/carve.img' 2>/dev/null | grep '^Filesystem features:' | grep -qv needs_recovery"
				;;
			xfs)
				rc=0
				xfs_repair -n -f "$T/carve.img" >"$T/fsck.log" 2>&1 || rc=$?
				is "$rel $scn: xfs_repair -n passes on the carved image" "$rc" 0
				;;
			esac
			[ "$rc" -eq 0 ] || tail -n 8 "$T/fsck.log" | sed "s/^/# $scn checker: /"
		else
			not_ok "$rel $scn: carve wrote an image ($(tail -n 1 "$T/carve.log"))"
		fi
		rm -f "$T/carve.img"
	done <<-EOF
	$(crash_table)
	EOF
}
