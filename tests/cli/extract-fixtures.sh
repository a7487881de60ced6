#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pmemscan extract on the shared fixtures (fixtures/gen.sh): pfn namespaces
# of both start_pad eras, current-era and raw namespaces, ext4 and XFS, to a
# directory and to a tar; every file of each fixture's manifest comes out
# with the right sha256, mode, mtime and owner. And hostile-ext4 extracts
# safely.
. "$top_srcdir/tests/support/lib.sh"
[ -x "$top_builddir/tests/support/fxmanifest" ] || skip_all "fxmanifest not built"
[ "$(id -u)" -eq 0 ] || skip_all "needs root (owners)"
# a name with a control byte comes out mapped (reported); put the image's
# name back so the manifest can be checked
unmap() { find "$1" -name 'new%0Aline' | while read -r f; do mv "$f" "${f%/*}/new
line"; done; }
untar() { mkdir -p "$2" && tar --xattrs --xattrs-include='*' --warning=none -xpf "$1" -C "$2"; }
# have_fixture NAME: img=its image; a tool missing is a skip line, any
# other generator failure a not ok (never a silent pass)
have_fixture() {
	img=$(fixture "$1"); _rc=$?
	if [ $_rc -eq 77 ]; then skip "$1: fixture generated" "a generator tool is missing"; return 1; fi
	if [ $_rc -ne 0 ]; then not_ok "$1: fixture generated (gen.sh exit $_rc)"; return 1; fi
	nfx=$((nfx + 1))
}
nfx=0
for name in legacy-f4-fsdax-ext4 legacy-f4-fsdax-xfs legacy-f2-fsdax-ext4 \
	    legacy-f5-fsdax-ext4 current-f8-fsdax-ext4 current-f8-fsdax-xfs \
	    ndctl-fsdax-ext4 raw-ext4 raw-xfs; do
	have_fixture "$name" || continue
	man=${img%.img}.manifest
	"$PMEMSCAN" extract "$img" -o "$T/$name" --quiet 2>"$T/err"; rc=$?
	[ $rc -eq 0 ] || head -3 "$T/err"
	check "$name: extract to a directory exits 0" test "$rc" -eq 0
	check "$name: a name with a newline is mapped, not kept" \
		sh -c "! grep -q 'new.line' '$man' || find '$T/$name' -name 'new%0Aline' | grep -q ."
	unmap "$T/$name"
	check "$name: directory matches the manifest (sha256, mode, owner, mtime, links, xattrs)" \
		manifest_match -x lost+found "$man" "$T/$name"
	"$PMEMSCAN" extract "$img" -o "$T/$name.tar" --quiet 2>"$T/err"; rc=$?
	untar "$T/$name.tar" "$T/$name.un"
	unmap "$T/$name.un"
	check "$name: tar exits 0" test "$rc" -eq 0
	check "$name: tar matches the manifest" manifest_match -x lost+found "$man" "$T/$name.un"
done
# (only when every fixture was a skip: a failed one has failed above)
[ $nfx -gt 0 ] || [ $nfail -gt 0 ] || skip_all "no fixture could be built (a generator tool is missing)"

# two namespaces in one dump: each by --namespace
if have_fixture region-two-ns; then
	for n in 0 1; do
		"$PMEMSCAN" extract "$img" --namespace $n -o "$T/two$n" --quiet 2>"$T/err"
		unmap "$T/two$n"
		check "region-two-ns: --namespace $n matches its manifest" \
			manifest_match -x lost+found "${img%.img}.ns$n.manifest" "$T/two$n"
	done
fi

# the state of the places a followed symlink would write to: a line each,
# "absent" or its identity (so that two states compare as non-empty text)
outside() {
	for p in /tmp/pmemscan-hostile /tmp/x /tmp/pwned.txt; do
		if [ -e "$p" ] || [ -L "$p" ]; then stat -c '%n %F %i %s %Y' "$p"; else echo "$p absent"; fi
	done
	sha256sum </etc/passwd
}
# hostile-ext4: nothing outside OUT, no symlink followed, the run completes
if have_fixture hostile-ext4; then
	rm -rf /tmp/pmemscan-hostile "$T/escape-target"
	before=$(outside)
	for o in dir tar zip; do
		out=$T/hostile.$o; [ $o = dir ] && out=$T/hostile-out
		timeout 120 "$PMEMSCAN" extract "$img" -o "$out" 2>"$T/herr.$o"; rc=$?
		check "hostile-ext4 ($o): the run completes (exit 0 or 1)" test "$rc" -le 1
	done
	same_value "hostile-ext4: /tmp/pmemscan-hostile not created, /etc/passwd untouched, /tmp/x and /tmp/pwned.txt as they were" \
		"$(outside)" "$before"
	find "$T/hostile-out" -type l >"$T/links"
	check "hostile-ext4: no symlink in OUT ($(wc -l <"$T/links") of them) was written through" \
		sh -c "[ -s '$T/links' ] && while read -r l; do [ ! -d \"\$l\" ] || [ -z \"\$(ls -A \"\$l\" 2>/dev/null | grep pwned)\" ] || exit 1; done <'$T/links'"
	check "hostile-ext4: the 1 TiB bomb is a sparse file, not 1 TiB of disk" \
		sh -c "f=\$(find '$T/hostile-out' -name bomb | head -1); [ -n \"\$f\" ] && [ \$(du -k \"\$f\" | cut -f1) -lt 1024 ]"
	check "hostile-ext4: renames and the directory cycle are reported" \
		sh -c "grep -q renamed '$T/herr.dir' && grep -q 'already extracted' '$T/herr.dir'"
	check "hostile-ext4 tar: listed, no absolute or '..' member names" \
		sh -c "tar -tf '$T/hostile.tar' >'$T/names' && [ -s '$T/names' ] && ! grep -E '^/|(^|/)\.\.(/|\$)' '$T/names'"
fi
done_testing
