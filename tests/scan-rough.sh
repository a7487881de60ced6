#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 15, the scan and report side: truncated dumps, standard input and
# pipes, an image that changes during the run, and the small things a
# support engineer trips over.
. "$top_srcdir/tests/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"

# the bundled fixture: a 132 MiB fsdax namespace, start_pad 64 MiB, a 64 MiB
# ext4 at the legacy data start (0x4400000 = 68 MiB .. 132 MiB)
xz -dc "$top_srcdir/fixtures/legacy-fsdax-ext4.img.xz" >"$T/fx.img"

# ---- truncated dumps (item 3) ----
# cut 22 MiB into the filesystem: found where it is, but not all there
head -c 90M "$T/fx.img" >"$T/cut.img"
"$PMEMSCAN" --json "$T/cut.img" >"$T/cut.json"; rc=$?
"$PMEMSCAN" "$T/cut.img" >"$T/cut.txt"
check "cut dump: verdict is truncated, not proven" \
	test "$(jq -r '.namespaces[0].verdict.result' "$T/cut.json")" = truncated
check "cut dump: exit 1 (problems)" test "$rc" -eq 1
check "cut dump: the namespace's bytes present (90 MiB of 132)" \
	test "$(jq '.namespaces[0] | "\(.present) \(.size)"' "$T/cut.json")" = '"94371840 138412032"'
check "cut dump: the legacy candidate's bytes present (22 MiB of 64)" \
	test "$(jq '.namespaces[0].candidates[0].present' "$T/cut.json")" = 23068672
check "cut dump: text never says proven or fits" \
	sh -c "! grep -Eq 'proven|fits in' '$T/cut.txt'"
check "cut dump: namespace line says 90 MiB (68%) in the image" \
	grep -q "132 MiB (size from info block), only 90 MiB (68%) in the image" "$T/cut.txt"
check "cut dump: the evidence says how much of the filesystem is there" \
	grep -q "the image holds only its first 22 MiB (34%): the end of the file cuts it" "$T/cut.txt"
check "cut dump: the verdict says 22 MiB of 64 MiB" \
	grep -q "verdict: truncated, semantics legacy: .*only 22 MiB of its 64 MiB are in the image (34%; namespace: 90 MiB of 132 MiB)" "$T/cut.txt"
# every suggested command fits the file: no mount past its end (the kernel
# refuses a filesystem larger than its loop device anyway), no repair
check "cut dump: no mount suggested" sh -c "! grep -q 'next: mount' '$T/cut.txt'"
check "cut dump: no repair suggested" sh -c "! grep -q 'next: pmemscan repair' '$T/cut.txt'"
check "cut dump: carve says what it writes and how to pad it" \
	grep -q "carve .* -o ns0.img   (writes the 22 MiB the file holds of the 64 MiB filesystem; 'truncate -s 67108864 ns0.img'" "$T/cut.txt"
# the carve suggested writes exactly the bytes the file holds
"$PMEMSCAN" carve "$T/cut.img" --namespace 0 -o "$T/ns0.img" >/dev/null 2>&1
check "cut dump: carve writes the 22 MiB present" test "$(stat -c %s "$T/ns0.img")" -eq 23068672
"$PMEMSCAN" repair "$T/cut.img" --plan >"$T/cut-plan.txt" 2>&1
check "cut dump: repair --plan refuses, naming the truncation" \
	grep -q "REFUSED \[pfn\]: namespace 0: the image ends inside the filesystem at the legacy data start (a truncated dump)" "$T/cut-plan.txt"
# cut before the filesystem: no filesystem, and the report says why it may be
head -c 40M "$T/fx.img" >"$T/cut40.img"
"$PMEMSCAN" "$T/cut40.img" >"$T/cut40.txt"
check "cut before the data: the candidate keeps its size, none present" \
	grep -q "candidate legacy data at 0x4400000 (ns+0x4400000), 64 MiB, only 0 B in the image" "$T/cut40.txt"
check "cut before the data: the verdict says the filesystem may be in the missing part" \
	grep -q "the image holds only 40 MiB of the 132 MiB namespace (30%): a filesystem may be in the part the file lacks" "$T/cut40.txt"
# the whole image: still proven, no "present" words
"$PMEMSCAN" "$T/fx.img" >"$T/fx.txt"
check "whole dump: proven, nothing said about missing bytes" \
	sh -c "grep -q 'verdict: proven, semantics legacy' '$T/fx.txt' && ! grep -q 'in the image (' '$T/fx.txt'"

# ---- the image changes during the run (item 8) ----
# --iomem from a FIFO holds the scan after it opened the image: the test
# appends to the image (or only touches it), then lets the scan go on
changed_run() {	# changed_run NAME CHANGE-COMMAND...
	_n=$1; shift
	cp "$T/fx.img" "$T/$_n.img"
	touch -d '2020-01-01 00:00:00' "$T/$_n.img"
	rm -f "$T/$_n.fifo"; mkfifo "$T/$_n.fifo"
	"$PMEMSCAN" "$@" "$T/$_n.img" --iomem "$T/$_n.fifo" --phys-base 0 \
		>"$T/$_n.out" 2>"$T/$_n.err" &
	_pid=$!
	sleep 1
	case $_n in
	grow) truncate -s +1M "$T/$_n.img" ;;
	touch) touch "$T/$_n.img" ;;
	esac
	echo "0-ffffffffff : Persistent Memory" >"$T/$_n.fifo"
	wait "$_pid"
}
changed_run grow
check "image grown during the scan: one warning on stderr with both sizes" \
	grep -q "^pmemscan: warning: .*grow.img: its size changed during the run, from 138412032 to 139460608 bytes" "$T/grow.err"
check "image grown during the scan: the report says so" \
	grep -q "^WARNING: .*grow.img changed while pmemscan read it: its size changed" "$T/grow.out"
changed_run touch --json
check "image touched during the scan: JSON image.changed names the mtime" \
	sh -c "jq -r .image.changed '$T/touch.out' | grep -q '^its mtime changed during the run, from 2020-01-01 00:00:00.000000000 UTC to '"
"$PMEMSCAN" --json "$T/fx.img" >"$T/still.json" 2>"$T/still.err"
check "image left alone: changed is null, no warning" \
	sh -c "test \"\$(jq -r .image.changed '$T/still.json')\" = null && ! grep -q warning '$T/still.err'"

done_testing
