#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pmemscan extract on the shared fixtures (fixtures/gen.sh): pfn namespaces
# of both start_pad eras, current-era and raw namespaces, ext4 and XFS, to a
# directory and to a tar; every file of each fixture's manifest comes out
# with the right sha256, mode, mtime and owner. And hostile-ext4 extracts
# safely.
. "$top_srcdir/tests/lib.sh"
[ -x "$top_builddir/tests/fxmanifest" ] || skip_all "fxmanifest not built"
[ "$(id -u)" -eq 0 ] || skip_all "needs root (owners)"
# a name with a control byte comes out mapped (reported); put the image's
# name back so the manifest can be checked
unmap() { find "$1" -name 'new%0Aline' | while read -r f; do mv "$f" "${f%/*}/new
line"; done; }
untar() { mkdir -p "$2" && tar --xattrs --xattrs-include='*' --warning=none -xpf "$1" -C "$2"; }
nfx=0
for name in legacy-f4-fsdax-ext4 legacy-f4-fsdax-xfs legacy-f2-fsdax-ext4 \
	    legacy-f5-fsdax-ext4 current-f8-fsdax-ext4 current-f8-fsdax-xfs \
	    ndctl-fsdax-ext4 raw-ext4 raw-xfs; do
	img=$(fixture "$name"); rc=$?
	if [ $rc -ne 0 ]; then
		echo "# $name: fixture not available (gen.sh exit $rc)"
		continue
	fi
	nfx=$((nfx + 1))
	man=${img%.img}.manifest
	"$PMEMSCAN" extract "$img" -o "$T/$name" --quiet 2>"$T/err"; rc=$?
	[ $rc -eq 0 ] || head -3 "$T/err"
	check "$name: extract to a directory exits 0" test "$rc" -eq 0
	check "$name: a name with a newline is mapped, not kept" \
		sh -c "! grep -q 'new.line' '$man' || find '$T/$name' -name 'new%0Aline' | grep -q ."
	unmap "$T/$name"
	check "$name: directory matches the manifest (sha256, mode, owner, mtime, links, xattrs)" \
		manifest_check -x lost+found "$man" "$T/$name"
	"$PMEMSCAN" extract "$img" -o "$T/$name.tar" --quiet 2>"$T/err"; rc=$?
	untar "$T/$name.tar" "$T/$name.un"
	unmap "$T/$name.un"
	check "$name: tar matches the manifest" \
		sh -c "[ $rc -eq 0 ] && '$top_builddir/tests/fxmanifest' check -x lost+found '$man' '$T/$name.un'"
done
[ $nfx -gt 0 ] || skip_all "no fixture could be built"

# two namespaces in one dump: each by --namespace
if img=$(fixture region-two-ns); then
	for n in 0 1; do
		"$PMEMSCAN" extract "$img" --namespace $n -o "$T/two$n" --quiet 2>"$T/err"
		unmap "$T/two$n"
		check "region-two-ns: --namespace $n matches its manifest" \
			manifest_check -x lost+found "${img%.img}.ns$n.manifest" "$T/two$n"
	done
fi

# hostile-ext4: nothing outside OUT, no symlink followed, the run completes
if img=$(fixture hostile-ext4); then
	rm -rf /tmp/pmemscan-hostile "$T/escape-target"
	before=$(sha256sum </etc/passwd)
	for o in dir tar zip; do
		out=$T/hostile.$o; [ $o = dir ] && out=$T/hostile-out
		timeout 120 "$PMEMSCAN" extract "$img" -o "$out" 2>"$T/herr.$o"; rc=$?
		check "hostile-ext4 ($o): the run completes (exit 0 or 1)" test "$rc" -le 1
	done
	check "hostile-ext4: /tmp/pmemscan-hostile not created, /etc/passwd untouched, nothing in /tmp/x" \
		sh -c "[ ! -e /tmp/pmemscan-hostile ] && [ '$(sha256sum </etc/passwd)' = \"\$(sha256sum </etc/passwd)\" ] && [ \"$before\" = \"\$(sha256sum </etc/passwd)\" ] && [ ! -e /tmp/pwned.txt ]"
	check "hostile-ext4: no symlink in OUT was written through" \
		sh -c "find '$T/hostile-out' -type l | while read -r l; do [ ! -d \"\$l\" ] || [ -z \"\$(ls -A \"\$l\" 2>/dev/null | grep pwned)\" ] || exit 1; done"
	check "hostile-ext4: the 1 TiB bomb is a sparse file, not 1 TiB of disk" \
		sh -c "f=\$(find '$T/hostile-out' -name bomb | head -1); [ -n \"\$f\" ] && [ \$(du -k \"\$f\" | cut -f1) -lt 1024 ]"
	check "hostile-ext4: renames and the directory cycle are reported" \
		sh -c "grep -q renamed '$T/herr.dir' && grep -q 'already extracted' '$T/herr.dir'"
	check "hostile-ext4 tar: no absolute or '..' member names" \
		sh -c "tar -tf '$T/hostile.tar' | grep -E '^/|(^|/)\.\.(/|\$)' | wc -l | grep -qx 0"
fi
done_testing
