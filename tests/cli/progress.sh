#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 15, items 6 and 8 for extract, carve and the cache fill: the bar's
# total is what the command will copy and it reaches 100%; decoding a
# compressed dump (or reading a pipe) into the cache has a bar; an image
# that changes while extract or carve reads it is warned about.
. "$top_srcdir/tests/support/lib.sh"
: "${MKE2FS:=mke2fs}"
command -v "$MKE2FS" >/dev/null || skip_all "mke2fs not installed"
python3 -c 'import pty' 2>/dev/null || skip_all "python3 with pty needed (the bar is shown on a terminal only)"

# tests/support/pty-run.py puts stderr on a pseudo-terminal of the given
# width, as a user sees it; PMEMSCAN_PROGRESS_AFTER=0 shows the bar of these
# short runs (a real one appears after a second)
PTY="python3 $top_srcdir/tests/support/pty-run.py"
export PMEMSCAN_PROGRESS_AFTER=0
# bar_lines FILE LABEL: LABEL's redraws, one a line (escape sequences dropped)
bar_lines() { tr '\r' '\n' <"$1" | sed 's/\x1b\[K//g' | grep "^$2: "; }
# human BYTES: as the bar writes sizes ("5.8 MiB")
human() {
	awk -v n="$1" 'BEGIN { split("B KiB MiB GiB TiB", u, " "); i = 1
		while (n >= 1024 && i < 5) { n /= 1024; i++ }
		if (i == 1) printf "%d B\n", n; else printf "%.1f %s\n", n, u[i] }'
}
# last_bar FILE LABEL: the last redraw of LABEL's bar before the summary
last_bar() { bar_lines "$1" "$2" | tail -n 1; }

# ---- extract: the total is the data of the files it writes ----
# random files, a hard link (its data is copied once), a sparse file (1 MiB
# of data in 8 MiB: only the data is read), on a 64 MiB ext4 whose used
# bytes (metadata, journal) are far more than the files
SRC=$T/src
mkdir -p "$SRC/d"
head -c 3145728 /dev/urandom >"$SRC/a"
head -c 1048576 /dev/urandom >"$SRC/b"
head -c 524288 /dev/urandom >"$SRC/c"
head -c 300001 /dev/urandom >"$SRC/d/e"
ln "$SRC/a" "$SRC/d/a-link"
head -c 1048576 /dev/urandom | dd of="$SRC/sparse" bs=1M seek=4 conv=notrunc 2>/dev/null
truncate -s 8M "$SRC/sparse"
truncate -s 64M "$T/fs.img"
"$MKE2FS" -q -F -t ext4 -d "$SRC" "$T/fs.img" >/dev/null 2>&1 || skip_all "mke2fs -d failed"
# what extract copies: a, b, c, d/e and the sparse file's 1 MiB of data
want=$(( $(stat -c %s "$SRC/a") + $(stat -c %s "$SRC/b") + $(stat -c %s "$SRC/c") + \
	$(stat -c %s "$SRC/d/e") + 1048576 ))
W=$(human "$want")
$PTY 120 "$PMEMSCAN" extract "$T/fs.img" -o "$T/out" >"$T/ext.tty"
bar_lines "$T/ext.tty" extract >"$T/ext.bars"
check "extract: the bar is drawn on a terminal (more than one redraw)" \
	test "$(wc -l <"$T/ext.bars")" -ge 2
check "extract: every redraw's total is the files' data ($W), not the filesystem's used bytes" \
	sh -c "! grep -v '^extract: [0-9.]* [KMG]*i*B of $W (' '$T/ext.bars'"
same_value "extract: the last bar before the summary is at 100%, bytes = the files' total" \
	"$(last_bar "$T/ext.tty" extract | sed 's/%).*/%)/')" "extract: $W of $W (100%)"
check "extract: the summary says the same bytes" \
	grep -q "extract: 5 files, .*; $W in " "$T/ext.tty"
check "extract: the sparse file came out whole (8 MiB) with its data" \
	cmp -s "$SRC/sparse" "$T/out/sparse"

# ---- carve: 100% on a sparse source and through a BTT ----
# the ext4 image is sparse: its data ends long before its end
$PTY 120 "$PMEMSCAN" carve "$T/fs.img" -o "$T/c1.img" >"$T/carve1.tty"
same_value "carve of a sparse source: the last bar is 64 MiB of 64 MiB (100%)" \
	"$(last_bar "$T/carve1.tty" carve | sed 's/%).*/%)/')" "carve: 64.0 MiB of 64.0 MiB (100%)"
MKFX=$top_builddir/tests/support/mkfx-btt
if [ -x "$MKFX" ]; then
	"$MKFX" -o "$T/btt.img" -s 128M -i "$T/fs.img" >/dev/null
	$PTY 120 "$PMEMSCAN" carve "$T/btt.img" -o "$T/c2.img" >"$T/carve2.tty"
	sz=$(stat -c %s "$T/c2.img" 2>/dev/null)
	same_value "carve through a BTT: the last bar is the whole view at 100%" \
		"$(last_bar "$T/carve2.tty" carve | sed 's/%).*/%)/')" "carve: $(human "${sz:-0}") of $(human "${sz:-0}") (100%)"
	check "carve through a BTT: the carved image is the filesystem" \
		cmp -s -n "$(stat -c %s "$T/fs.img")" "$T/fs.img" "$T/c2.img"
else
	skip "carve through a BTT: 100%" "mkfx-btt not built"
	skip "carve through a BTT: the carved image" "mkfx-btt not built"
fi

# ---- the cache fill: decoding an xz dump, reading a pipe ----
xz -T1 -c "$T/fs.img" >"$T/fs.img.xz"
$PTY 120 "$PMEMSCAN" ls "$T/fs.img.xz" / >"$T/xz.tty"
bar_lines "$T/xz.tty" decoding >"$T/xz.bars"
check "xz dump on a terminal: decoding has a bar (bytes written, % of the input, rate)" \
	grep -Eq '^decoding: [0-9.]+ [KMG]?i?B written \([0-9]+% of the input\)  [0-9.]+ [KMG]?i?B/s' "$T/xz.bars"
same_value "xz dump: the decoding bar ends at 64 MiB written, 100% of the input" \
	"$(tail -n 1 "$T/xz.bars" | sed 's/input).*/input)/')" "decoding: 64.0 MiB written (100% of the input)"
"$PMEMSCAN" ls "$T/fs.img.xz" / >"$T/xz-notty.out" 2>"$T/xz-notty.err"; rc=$?
check "xz dump, stderr not a terminal: ls works (exit $rc, a listing), with no decoding bar" \
	sh -c "[ $rc -eq 0 ] && [ -s '$T/xz-notty.out' ] && ! grep -q '^decoding: ' '$T/xz-notty.err' && ! grep -q \"\$(printf '\r')\" '$T/xz-notty.err'"
$PTY 120 "$PMEMSCAN" ls --quiet "$T/fs.img.xz" / >"$T/xz-quiet.tty"
check "xz dump, --quiet: no decoding bar" sh -c "! tr '\r' '\n' <'$T/xz-quiet.tty' | grep -q '^decoding: '"
$PTY 40 "$PMEMSCAN" ls "$T/fs.img.xz" / >"$T/xz40.tty"
bar_lines "$T/xz40.tty" decoding >"$T/xz40.bars"
check "xz dump on a 40-column terminal: every decoding redraw fits in 39 columns" \
	sh -c "test -s '$T/xz40.bars' && ! awk 'length(\$0) > 39 { bad = 1 } END { exit !bad }' '$T/xz40.bars'"
$PTY 120 sh -c "cat '$T/fs.img' | '$PMEMSCAN' carve - -o '$T/c3.img'" >"$T/pipe.tty"
same_value "a pipe on a terminal: reading it has a bar, to its 64 MiB" \
	"$(last_bar "$T/pipe.tty" 'reading the pipe' | sed 's/%).*/%)/')" "reading the pipe: 64.0 MiB of 64.0 MiB (100%)"

# ---- the image changes while extract, carve, cat or repair -o reads it (item 8) ----
# PMEMSCAN_TEST_PAUSE_AFTER_OPEN holds the command after it opened the
# image; the test appends to it (or touches it) meanwhile
IMG=$T/fs.img	# the image changed_run copies to NAME.img
changed_run() {	# changed_run NAME CHANGE COMMAND...: stderr in $T/NAME.err
	_n=$1 _c=$2; shift 2
	cp "$IMG" "$T/$_n.img"
	touch -d '2020-01-01 00:00:00' "$T/$_n.img"
	PMEMSCAN_TEST_PAUSE_AFTER_OPEN=3 "$PMEMSCAN" "$@" >/dev/null 2>"$T/$_n.err" &
	_pid=$!
	sleep 1
	case $_c in
	grow) truncate -s +1M "$T/$_n.img" ;;
	touch) touch "$T/$_n.img" ;;
	esac
	wait "$_pid"
	echo $? >"$T/$_n.rc"
}
# the four runs, each paused for 3 s, at the same time (each has its own
# files; their checks follow, one run after another)
xz -dc "$top_srcdir/fixtures/legacy-fsdax-ext4.img.xz" >"$T/fx.img"
changed_run xgrow grow extract "$T/xgrow.img" -o "$T/xgrow-out" &
changed_run ctouch touch carve "$T/ctouch.img" -o "$T/ctouch-out.img" &
changed_run cgrow grow cat "$T/cgrow.img" -o "$T/cgrow-out.img" &
# repair -o copies the image: the bundled fixture has something to repair
IMG=$T/fx.img
changed_run rgrow grow repair "$T/rgrow.img" -o "$T/rgrow-out.img" --assume-aligned &
wait
check "image grown during extract: one warning naming the file and both sizes" \
	sh -c "test \$(grep -c 'warning: ' '$T/xgrow.err') -eq 1 && grep -q '^pmemscan: warning: .*xgrow.img: its size changed during the run, from 67108864 to 68157440 bytes' '$T/xgrow.err'"
check "image grown during extract: the summary says so" \
	grep -q "^pmemscan: extract: 5 files, .*(the image changed while it was read: see the warning)" "$T/xgrow.err"
same_value "image grown during extract: exit status unchanged (0)" "$(cat "$T/xgrow.rc")" 0
check "image touched during carve: the warning names the mtime change" \
	grep -q "^pmemscan: warning: .*ctouch.img: its mtime changed during the run, from 2020-01-01 00:00:00.000000000 UTC to " "$T/ctouch.err"
same_value "image touched during carve: exit status unchanged (0)" "$(cat "$T/ctouch.rc")" 0
check "image grown during cat -o: the warning names both sizes" \
	grep -q "^pmemscan: warning: .*cgrow.img: its size changed during the run, from 67108864 to 68157440 bytes" "$T/cgrow.err"
check "image grown during repair -o: the warning names both sizes, the copy is written" \
	sh -c "grep -q '^pmemscan: warning: .*rgrow.img: its size changed during the run, from 138412032 to 139460608 bytes' '$T/rgrow.err' && test -s '$T/rgrow-out.img'"
same_value "image grown during repair -o: exit status unchanged (0)" "$(cat "$T/rgrow.rc")" 0
"$PMEMSCAN" extract "$T/fs.img" -o "$T/still-out" 2>"$T/still.err"
check "image left alone: no warning, no remark in the summary" \
	sh -c "grep -q '^pmemscan: extract: 5 files' '$T/still.err' && ! grep -q 'pmemscan: warning:\|changed while it was read' '$T/still.err'"

done_testing
