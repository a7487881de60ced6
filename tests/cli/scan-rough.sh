#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 15, the scan and report side: truncated dumps, standard input and
# pipes, an image that changes during the run, and the small things a
# support engineer trips over.
. "$top_srcdir/tests/support/lib.sh"
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

# ---- a plain summary first (item 11) ----
check "the report opens with a summary, before the structures" \
	sh -c "awk '/^summary:/ { s = NR } /^structures found/ { t = NR } END { exit !(s && t && s < t) }' '$T/fx.txt'"
check "summary: what it is, where the files are, the command to get them" \
	grep -q '^  namespace 0, an fsdax namespace (a filesystem.s disk, DAX-capable) of 132 MiB at image offset 0x0: it holds an ext4 filesystem labelled "pmemscan-fx" of 64 MiB at image offset 0x4400000 (the legacy reading of start_pad, see below). Its files can be copied out: pmemscan extract .*fx.img --namespace 0 --semantics legacy -o OUTDIR.$' "$T/fx.txt"
check "the first use of legacy/fixed is explained, pointing to the installed start_pad.md" \
	sh -c "awk '/legacy/ { print; exit }' '$T/fx.txt' | grep -q 'see below' && grep -q '^  legacy and fixed: .*base + start_pad + dataoff.*base + dataoff.*/share/doc/pmemscan/start_pad.md' '$T/fx.txt'"
check "docs/start_pad.md, which the report points to, exists" test -s "$top_srcdir/docs/start_pad.md"
check "cut dump: the summary says what is lost" \
	grep -q "^  namespace 0, .*it holds the start of an ext4 filesystem .*but the file ends inside it: 22 MiB of its 64 MiB are here" "$T/cut.txt"

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

check "JSON: the summary per namespace (verdict.overview) and the terms" \
	sh -c "jq -e '(.namespaces[0].verdict.overview | test(\"^namespace 0, an fsdax namespace\")) and (.terms | test(\"^legacy and fixed\"))' '$T/still.json' >/dev/null"

# ---- standard input and pipes (item 7) ----
want_sha=$(sha256sum "$T/fx.img" | cut -d' ' -f1)
"$PMEMSCAN" --json - <"$T/fx.img" >"$T/stdin.json" 2>"$T/stdin.err"; rc=$?
check "pmemscan - <IMAGE: scanned, proven legacy, exit 0" \
	test "$(jq -r '.namespaces[0].verdict | "\(.result) \(.chosen)"' "$T/stdin.json") $rc" = "proven legacy 0"
check "pmemscan -: the report says standard input, its size and sha256 as read" \
	test "$(jq -r '.image.pipe | "\(.kind) \(.size) \(.sha256)"' "$T/stdin.json")" = "stdin 138412032 $want_sha"
xz -c "$T/fx.img" >"$T/fx.img.xz"
xz -dc "$T/fx.img.xz" | "$PMEMSCAN" /dev/stdin >"$T/devstdin.txt" 2>&1; rc=$?
check "xz -dc | pmemscan /dev/stdin: scanned (exit 0), the text says a pipe was read" \
	sh -c "test $rc -eq 0 && grep -q '^input: /dev/stdin, a pipe read once into a temporary file: 138412032 bytes read, sha256 $want_sha' '$T/devstdin.txt' && grep -q 'verdict: proven, semantics legacy' '$T/devstdin.txt'"
xz_sha=$(sha256sum "$T/fx.img.xz" | cut -d' ' -f1)
"$PMEMSCAN" --json - <"$T/fx.img.xz" >"$T/stdinxz.json" 2>/dev/null
check "a compressed stream on stdin is decoded once: pipe and compressed are the xz bytes, sha256 the image's" \
	test "$(jq -r '.image | "\(.pipe.size) \(.pipe.sha256) \(.compressed.format) \(.compressed.sha256) \(.sha256)"' "$T/stdinxz.json")" = \
	"$(stat -c %s "$T/fx.img.xz") $xz_sha xz $xz_sha $want_sha"
rm -f "$T/fifo"; mkfifo "$T/fifo"
cat "$T/fx.img" >"$T/fifo" &
"$PMEMSCAN" --json "$T/fifo" >"$T/fifo.json" 2>/dev/null
wait
check "a named FIFO: scanned, kind pipe" \
	test "$(jq -r '"\(.image.pipe.kind) \(.image.pipe.size) \(.namespaces[0].verdict.result)"' "$T/fifo.json")" = "pipe 138412032 proven"
xz -dc "$T/fx.img.xz" | "$PMEMSCAN" ls - /README.txt >"$T/lsstdin.txt" 2>/dev/null
check "ls - reads standard input too" grep -q ' /README.txt$' "$T/lsstdin.txt"
"$PMEMSCAN" - </dev/null >/dev/null 2>"$T/empty.err"; rc=$?
check "empty standard input: one line, exit 3" \
	sh -c "test $rc -eq 3 && test \$(wc -l <'$T/empty.err') -le 2 && grep -q 'standard input: empty (0 bytes read)' '$T/empty.err'"

# ---- progress on a terminal (item 6) ----
# tests/support/pty-run.py puts stderr on a pseudo-terminal of the given width, as
# a user sees it; PMEMSCAN_PROGRESS_AFTER=0 shows the bar of these short
# runs (a real one appears after a second)
PTY="python3 $top_srcdir/tests/support/pty-run.py"
# bar_lines FILE: the bar's redraws, one a line (escape sequences dropped)
bar_lines() { tr '\r' '\n' <"$1" | sed 's/\x1b\[K//g' | grep -v '^$'; }
fits() {	# fits FILE WIDTH LABEL: every redraw of LABEL's bar within WIDTH - 1
	bar_lines "$1" | grep "^$3: " >"$1.bars" || return 1
	! awk -v w="$2" 'length($0) > w - 1 { bad = 1 } END { exit !bad }' "$1.bars"
}
if python3 -c 'import pty' 2>/dev/null; then
	PMEMSCAN_PROGRESS_AFTER=0 $PTY 40 "$PMEMSCAN" --hash sha256 "$T/fx.img" >"$T/p-scan.tty"
	check "scan on a 40-column terminal: every redraw fits in 39 columns" fits "$T/p-scan.tty" 40 scan
	check "scan: the bar reaches 100% of the image" \
		sh -c "tail -n 1 '$T/p-scan.tty.bars' | grep -q '^scan: 132.0 MiB (100%)'"
	check "scan: bytes done, percentage and time left while it runs" \
		sh -c "grep -Eq '^scan: [0-9.]+ [KMG]?i?B \([0-9]+%\)  [0-9]+:[0-9]{2} left' '$T/p-scan.tty.bars'"
	PMEMSCAN_PROGRESS_AFTER=0 $PTY 200 "$PMEMSCAN" --quiet "$T/fx.img" >"$T/p-quiet.tty"
	check "scan --quiet: no bar" sh -c "! grep -q 'scan: ' '$T/p-quiet.tty'"
	PMEMSCAN_PROGRESS_AFTER=0 "$PMEMSCAN" "$T/fx.img" >/dev/null 2>"$T/p-notty.err"
	check "stderr not a terminal: no bar" sh -c "! grep -q 'scan: ' '$T/p-notty.err'"
	PMEMSCAN_PROGRESS_AFTER=0 $PTY 120 "$PMEMSCAN" carve "$T/fx.img" -o "$T/p.img" >"$T/p-carve.tty"
	check "carve: the bar reaches 100% although the image ends in a hole" \
		sh -c "tr '\r' '\n' <'$T/p-carve.tty' | grep -q '^carve: 64.0 MiB of 64.0 MiB (100%)'"
	PMEMSCAN_PROGRESS_AFTER=0 $PTY 120 "$PMEMSCAN" extract "$T/fx.img" -o "$T/p-out" >"$T/p-ext.tty"
	check "extract: the bar ends at 100% of what was copied" \
		sh -c "tr '\r' '\n' <'$T/p-ext.tty' | grep -Eq '^extract: 19.6 KiB of 19.6 KiB \(100%\)'"
	cp "$T/fx.img" "$T/rp.img"
	PMEMSCAN_PROGRESS_AFTER=0 $PTY 120 "$PMEMSCAN" repair "$T/rp.img" --in-place --assume-aligned >"$T/p-rep.tty"
	check "repair --in-place: the sha256 before it has a bar, to 100%" \
		sh -c "tr '\r' '\n' <'$T/p-rep.tty' | grep -q '^hashing the image before the repair: 132.0 MiB of 132.0 MiB (100%)'"
	COLUMNS=50 PMEMSCAN_PROGRESS_AFTER=0 script -qec "'$PMEMSCAN' --hash sha256 '$T/fx.img' >/dev/null" /dev/null >"$T/p-script.tty" 2>&1 </dev/null
	if [ -s "$T/p-script.tty" ]; then
		check "under script(1) (a pty with no size): \$COLUMNS=50 is the width" fits "$T/p-script.tty" 50 scan
	else
		skip "under script(1): \$COLUMNS is the width" "script gave no output here"
	fi
else
	skip_n=9
	while [ $skip_n -gt 0 ]; do skip "progress bar on a terminal" "python3 pty missing"; skip_n=$((skip_n - 1)); done
fi

# ---- small things (item 10) ----
# a raw namespace (a bare ext4): its one data start is "data start", not
# "data data start"
truncate -s 32M "$T/raw.img"
$MKE2FS -q -F -t ext4 -L 'my"lab' "$T/raw.img" >/dev/null 2>&1
"$PMEMSCAN" ls "$T/raw.img" >/dev/null 2>"$T/ls.err"
check "ls on a raw namespace: 'data start at offset 0', no 'data data'" \
	sh -c "grep -q 'namespace 0 (raw), data start at offset 0, ' '$T/ls.err' && ! grep -q 'data data' '$T/ls.err'"
"$PMEMSCAN" "$T/raw.img" >"$T/raw.txt"
check "the evidence names the filesystem label (a quote in it escaped)" \
	grep -q 'libblkid: ext4 filesystem uuid [0-9a-f-]* label "my\\x22lab", superblock checksums valid' "$T/raw.txt"
"$PMEMSCAN" ls "$T/fx.img" /nonexistent >/dev/null 2>"$T/lsx.err"
check "ls IMAGE /nonexistent names the path once" \
	test "$(grep -c 'nonexistent' "$T/lsx.err") $(grep -o '/nonexistent' "$T/lsx.err" | wc -l)" = "1 1"
"$PMEMSCAN" lables >/dev/null 2>"$T/cmd.err"; rc=$?
want="lables: no such command, and no such file; the closest command is 'labels'"
check "pmemscan lables: no such command or file, the closest command is 'labels', exit 3" \
	sh -c 'grep -qF "$1" "$2" && test "$3" -eq 3' _ "$want" "$T/cmd.err" "$rc"
"$PMEMSCAN" frobnicate >/dev/null 2>"$T/cmd2.err"
check "pmemscan frobnicate: suggests a command, does not try to open an image" \
	sh -c "grep -q 'the closest command is' '$T/cmd2.err' && ! grep -q 'cannot open' '$T/cmd2.err'"
"$PMEMSCAN" check --bogus >/dev/null 2>"$T/opt.err"
check "a bad option is one line naming the command, not argv[0] ('pmemscan: check: ...')" \
	sh -c "[ \$(wc -l <'$T/opt.err') -eq 1 ] && grep -q \"^pmemscan: check: unknown option or missing value '--bogus'\" '$T/opt.err'"
"$PMEMSCAN" "$T/fx.img" --bogus >/dev/null 2>"$T/opt2.err"
check "a bad option of the default scan names 'scan', not argv[0]" \
	sh -c "[ \$(wc -l <'$T/opt2.err') -eq 1 ] && grep -q \"^pmemscan: scan: unknown option or missing value '--bogus'\" '$T/opt2.err'"
"$PMEMSCAN" undo --help >"$T/undo.txt"
check "undo --help is undo's own help, not repair's" \
	sh -c "head -1 '$T/undo.txt' | grep -q '^usage: pmemscan undo UNDOFILE IMAGE' && ! grep -q -- '--in-place \[' '$T/undo.txt'"
if [ -n "$NDCTL" ]; then
	# ndctl write-infoblock -O 8K writes a version 1.4 block with a start_pad
	truncate -s 1G "$T/o8k.img"
	$NDCTL write-infoblock -o "$T/o8k.img" -O 8K >/dev/null 2>&1
	"$PMEMSCAN" --hash none "$T/o8k.img" >"$T/o8k.txt"
	check "ndctl -O 8K block: start_pad from a tool, not 'only written by v4.6-v5.2'" \
		sh -c "grep -q 'this non-zero one comes from a tool (ndctl write-infoblock --offset writes such blocks)' '$T/o8k.txt' && ! grep -q 'only written by v4.6-v5.2' '$T/o8k.txt'"
	# a data area of zeros but for 16 bytes: not "unrecognised data (0.00 bits/byte)"
	truncate -s 64M "$T/z.img"
	$NDCTL write-infoblock -o "$T/z.img" >/dev/null 2>&1
	printf 'GARBAGEGARBAGE12' | dd of="$T/z.img" bs=1 seek=$((2097152 + 100)) conv=notrunc 2>/dev/null
	"$PMEMSCAN" --hash none "$T/z.img" >"$T/z.txt"
	check "a data area of zeros but 16 bytes says so" \
		grep -q "no filesystem or partition table: all zeros but 16 bytes in the first 256 KiB sampled" "$T/z.txt"
else
	skip "ndctl -O 8K block: start_pad from a tool" "ndctl not installed"
	skip "a data area of zeros but 16 bytes says so" "ndctl not installed"
fi
if [ -x "$top_builddir/tests/support/mkfx-labels" ]; then
	mkdir -p "$T/lfx"
	"$top_builddir/tests/support/mkfx-labels" "$T/lfx" >/dev/null
	"$PMEMSCAN" labels "$T/lfx/old-kernel.lsa" >"$T/lab.txt"
	check "labels: the invalid index block's cause is named (sequence number 0)" \
		grep -q "index block 0 is invalid: its sequence number is 0, which the kernel ignores" "$T/lab.txt"
	"$PMEMSCAN" labels --json "$T/lfx/v11.lsa" >"$T/lab.json"
	check "labels --json: schema pmemscan-labels/2, checksums and isetcookie as 0x + 16 hex digits" \
		test "$(jq -r '[.schema, .dimms[0].pmemscan.index_blocks[0].checksum, .dimms[0].pmemscan.index_blocks[0].checksum_calc, .namespaces[0].isetcookie] | map(tostring | test("^(pmemscan-labels/2|0x[0-9a-f]{16})$")) | all' "$T/lab.json")" = true
else
	skip "labels: the invalid index block's cause is named" "mkfx-labels not built"
	skip "labels --json: hex strings" "mkfx-labels not built"
fi

done_testing
