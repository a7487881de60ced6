#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The next commands a scan suggests are shell commands: an image path with
# spaces, quotes or other shell metacharacters, or one starting with '-',
# reaches the program as exactly that file when the line is run by sh; a
# long path is never cut; text and JSON suggest the same commands.
. "$top_srcdir/tests/support/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"
command -v xz >/dev/null || skip_all "xz not installed"

# Stand-ins on PATH: pmemscan records its arguments (one per line, the
# first line its cwd) and runs the real one; mount only records.
mkdir -p "$T/bin" "$T/d"
cat >"$T/bin/pmemscan" <<EOF
#!/bin/sh
{ pwd; printf '%s\n' "\$@"; } >"$T/argv"
exec "$PMEMSCAN" "\$@"
EOF
cat >"$T/bin/mount" <<EOF
#!/bin/sh
{ pwd; printf '%s\n' "\$@"; } >"$T/argv"
EOF
chmod +x "$T/bin/pmemscan" "$T/bin/mount"

xz -dc "$top_srcdir/fixtures/legacy-fsdax-ext4.img.xz" >"$T/ref.img"
# the reference for the carve commands: the legacy data the fixture was
# made with (its .layout: legacy_data, legacy_size), cut out by dd, not
# pmemscan's own carve
lay=$top_srcdir/fixtures/legacy-fsdax-ext4.layout
dd if="$T/ref.img" of="$T/ref-ns0.img" bs=1048576 status=none \
	skip=$(($(sed -n 's/^legacy_data=//p' "$lay") / 1048576)) count=$(($(sed -n 's/^legacy_size=//p' "$lay") / 1048576))
same_value "the reference: the fixture's legacy data" \
	"$(stat -c %s "$T/ref-ns0.img")" "$(sed -n 's/^legacy_size=//p' "$lay")"

# run_next NAME DESC: scan NAME (as typed, from $T/d), run every suggested
# command through sh -c and check that the program got NAME as one word
run_next() {
	name=$1 desc=$2
	rm -rf "$T/d"/OUTDIR "$T/d"/ns0.img
	(cd "$T/d" && "$PMEMSCAN" --json --hash none -- "$name") >"$T/scan.json" 2>"$T/scan.err"
	(cd "$T/d" && "$PMEMSCAN" --hash none -- "$name") >"$T/scan.txt" 2>/dev/null
	jq -r '.namespaces[0].verdict.next_commands[]' "$T/scan.json" >"$T/next"
	check "$desc: text and JSON suggest the same commands" \
		sh -c "sed -n 's/^  > next: //p' '$T/scan.txt' | cmp -s - '$T/next'"
	# (no repair: its planner refuses this namespace without --phys-base,
	# and a refused repair is no command to suggest: next-run-all.sh)
	check "$desc: extract, mount and carve suggested" \
		test "$(cut -d' ' -f1-2 "$T/next" | tr '\n' ,)" = \
		"pmemscan extract,mount -o,pmemscan carve,"
	while IFS= read -r line; do
		# a remark in parentheses after three spaces is for the reader
		cmd=${line%%   (*}
		rm -f "$T/argv"
		(cd "$T/d" && PATH="$T/bin:$PATH" sh -c "$cmd") >"$T/out" 2>&1
		rc=$?
		prog=${cmd%% *}
		# the image is the word after the subcommand, or mount's last but one
		if [ "$prog" = mount ]; then
			got=$(tail -n 2 "$T/argv" | head -n 1)
		else
			got=$(sed -n 3p "$T/argv")
		fi
		check "$desc: '$prog' got the image as one word ($cmd)" \
			test -f "$T/argv" -a "$T/d/$got" -ef "$T/d/$name"
		case $cmd in
		"pmemscan extract"*)
			check "$desc: the extract command extracted the files (exit $rc)" \
				manifest_check -x lost+found -i links \
				"$top_srcdir/fixtures/legacy-fsdax-ext4.manifest" "$T/d/OUTDIR" ;;
		"pmemscan carve"*)
			check "$desc: the carve command wrote the namespace's data (exit $rc)" \
				cmp -s "$T/d/ns0.img" "$T/ref-ns0.img" ;;
		"pmemscan repair"*)
			check "$desc: the repair plan ran on the image (exit $rc)" \
				test "$(head -n 1 "$T/out")" = "repair plan for $got" ;;
		mount*)
			check "$desc: mount got the proven data range" \
				grep -qx 'ro,loop,offset=71303168,sizelimit=67108864' "$T/argv" ;;
		esac
	done <"$T/next"
}

subst='x $(touch PWNED) `touch PWNED`.img' ops='y;*&|<>"q"\t#.img'
for name in "my image.img" "a'b.img" '-dash.img' "$subst" "$ops"; do
	cp --sparse=always "$T/ref.img" "$T/d/$name"
done
run_next "my image.img" "a path with a space"
run_next "a'b.img" "a path with a single quote"
run_next "-dash.img" "a path starting with '-'"
run_next "$subst" "a path with command substitutions"
check "no command substitution ran" test ! -e "$T/d/PWNED"
run_next "$ops" "a path with shell operators"

# a long path is suggested whole (next commands were cut at 320 bytes)
long=$(printf 'a%.0s' $(seq 200))/$(printf 'b%.0s' $(seq 200))
mkdir -p "$T/d/$(dirname "$long")"
cp --sparse=always "$T/ref.img" "$T/d/$long.img"
run_next "$long.img" "a 405-byte path"

# a compressed dump: no loop mount of the file; carve, then mount the image
cp "$top_srcdir/fixtures/legacy-fsdax-ext4.img.xz" "$T/d/c d.img.xz"
(cd "$T/d" && "$PMEMSCAN" --json --hash none "c d.img.xz") >"$T/z.json" 2>/dev/null
check "compressed dump: no mount of the file suggested" \
	sh -c "! jq -r '.namespaces[0].verdict.next_commands[]' '$T/z.json' | grep -q '^mount'"
cmd=$(jq -r '.namespaces[0].verdict.next_commands[] | select(startswith("pmemscan carve"))' "$T/z.json")
check "compressed dump: carve, then mount the carved image" \
	test "$cmd" = "pmemscan carve 'c d.img.xz' --namespace 0 --semantics legacy -o ns0.img   (then: mount -o ro,loop ns0.img /mnt)"
rm -f "$T/d/ns0.img"
(cd "$T/d" && PATH="$T/bin:$PATH" sh -c "${cmd%%   (*}") >/dev/null 2>&1
check "compressed dump: the carve command ran on the dump" cmp -s "$T/d/ns0.img" "$T/ref-ns0.img"
done_testing
