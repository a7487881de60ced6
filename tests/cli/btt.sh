#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pmemscan check / btt-cat over BTT namespace images made by mkfx-btt:
# single and multi-arena (> 512 GiB, sparse), both versions and block
# sizes, an ext4 imported through the BTT and read back file by file, and
# each injected fault diagnosed with the right arena, lane and LBA.
. "$top_srcdir/tests/support/lib.sh"
MKFX=$top_builddir/tests/support/mkfx-btt
[ -x "$MKFX" ] || skip_all "mkfx-btt not built"
command -v jq >/dev/null || skip_all "jq not installed"
: "${MKE2FS:=mke2fs}"
: "${DEBUGFS:=debugfs}"
command -v "$MKE2FS" >/dev/null || skip_all "mke2fs not installed"

sha() { sha256sum "$1" | cut -d' ' -f1; }
# first N bytes of a file, hashed
shan() { head -c "$2" "$1" | sha256sum | cut -d' ' -f1; }

# ---- the source tree and its ext4 image ----
SRC=$T/src
mkdir -p "$SRC/dir/sub"
i=1
while [ $i -le 40 ]; do
	head -c $((i * 5003 + 17)) /dev/urandom >"$SRC/file$i"
	i=$((i + 1))
done
head -c 3000000 /dev/urandom >"$SRC/dir/sub/big"
echo hello >"$SRC/dir/small.txt"
FS=$T/fs.img
"$MKE2FS" -q -F -t ext4 -b 4096 -d "$SRC" "$FS" 24M >/dev/null 2>&1 ||
	skip_all "mke2fs -d failed"
FSLEN=$(stat -c %s "$FS")
FSSHA=$(sha "$FS")

# compare every file of the source tree with the one debugfs extracts
# (the caller checks that debugfs is there: without it, nothing is compared)
tree_matches() {
	img=$1; out=$2
	mkdir -p "$out"
	"$DEBUGFS" -R "rdump / $out" "$img" >/dev/null 2>&1 || return 1
	(cd "$SRC" && find . -type f | sort | xargs sha256sum) >"$out.want"
	(cd "$out" && find . -type f ! -path './lost+found/*' | sort | xargs sha256sum) >"$out.got"
	same "$out.want" "$out.got"
}

# ---- single arena, v1.1, 4 KiB blocks, shuffled import ----
NS=$T/ns11.img
check "mkfx: v1.1 4096 import" sh -c "'$MKFX' -o '$NS' -s 64M -i '$FS' -S 11 >'$T/mk.out'"
"$PMEMSCAN" check "$NS" >"$T/c.out"; rc=$?
[ $rc -eq 0 ] && grep -q 'consistent: 0 errors, 0 warnings' "$T/c.out" &&
	ok "check: clean v1.1 BTT is consistent" || not_ok "check: clean v1.1 (exit $rc)"
"$PMEMSCAN" check --json "$NS" >"$T/c.json"
check "check --json: version 1.1 at 4096, one arena" \
	sh -c "jq -e '.btt.version == \"1.1\" and .btt.info_offset == 4096 and (.btt.arenas|length) == 1 and .errors == 0 and .exit_code == 0' '$T/c.json' >/dev/null"
NLBA=$(awk '{print $2}' "$T/mk.out")
check "check --json: nlba agrees with the formatter" \
	sh -c "jq -e '.btt.nlba == $NLBA' '$T/c.json' >/dev/null"
if [ -n "${NDCTL:-}" ] && [ -x "$NDCTL" ]; then
	# ndctl parses the block our formatter wrote the same way (a failing
	# read-infoblock is a failure, not a reason to drop the check; two
	# failed jq runs print nothing alike)
	"$NDCTL" read-infoblock -i "$NS" -j >"$T/nd.json" 2>/dev/null; ndrc=$?
	check "ndctl read-infoblock reads the BTT info block (exit $ndrc)" test "$ndrc" -eq 0
	jq -c '.[0] | [.version, .external_nlba, .internal_nlba, .internal_lbasize, .nfree, .dataoff, .nextoff]' "$T/nd.json" >"$T/nd.geo"
	jq -c '.btt as $b | .btt.arenas[0] | [$b.version, .external_nlba, .internal_nlba, .internal_lbasize, .nfree, 4096, 0]' "$T/c.json" >"$T/c.geo"
	same_output "ndctl read-infoblock agrees on the geometry" "$T/nd.geo" "$T/c.geo"
else
	skip "ndctl read-infoblock agrees on the geometry" "ndctl not installed"
fi
expect_exit 0 "btt-cat: v1.1" "$PMEMSCAN" btt-cat "$NS" -o "$T/out11.img"
check "btt-cat: ext4 comes back bit-identical" \
	test "$(shan "$T/out11.img" "$FSLEN")" = "$FSSHA"
check "btt-cat: output is the BTT's size" \
	test "$(stat -c %s "$T/out11.img")" -eq $((NLBA * 4096))
head -c "$FSLEN" "$T/out11.img" >"$T/fs11.img"
if command -v e2fsck >/dev/null 2>&1; then
	check "e2fsck -fn is clean on the read-back filesystem" \
		sh -c "e2fsck -fn '$T/fs11.img' >/dev/null 2>&1"
else
	skip "e2fsck -fn is clean on the read-back filesystem" "e2fsck not installed"
fi
if command -v "$DEBUGFS" >/dev/null 2>&1; then
	check "every file's sha256 matches the source tree" tree_matches "$T/fs11.img" "$T/rd11"
else
	skip "every file's sha256 matches the source tree" "debugfs not installed"
fi
expect_exit 3 "btt-cat refuses to overwrite an existing output" \
	"$PMEMSCAN" btt-cat "$NS" -o "$T/out11.img"
check "the refused output is untouched" \
	test "$(shan "$T/out11.img" "$FSLEN")" = "$FSSHA"

# ---- v2.0 at ns+0, 512-byte sectors; and the old (0,2) flog layout ----
NS2=$T/ns20.img
check "mkfx: v2.0 512 import" sh -c "'$MKFX' -o '$NS2' -s 40M -v 2.0 -b 512 -i '$FS' -S 5 >/dev/null"
"$PMEMSCAN" check --json "$NS2" >"$T/c2.json"; rc=$?
check "check: v2.0 found at offset 0, clean" sh -c \
	"[ $rc -eq 0 ] && jq -e '.btt.version == \"2.0\" and .btt.info_offset == 0 and .btt.sector_size == 512' '$T/c2.json' >/dev/null"
"$PMEMSCAN" btt-cat "$NS2" -o "$T/out20.img"
check "btt-cat: v2.0/512 round trip" test "$(shan "$T/out20.img" "$FSLEN")" = "$FSSHA"
NS3=$T/ns02.img
"$MKFX" -o "$NS3" -s 40M -i "$FS" -S 9 --log02 >/dev/null
"$PMEMSCAN" check --json "$NS3" >"$T/c3.json"; rc=$?
check "check: pre-4.15 flog layout (slots 0,2) detected, clean" sh -c \
	"[ $rc -eq 0 ] && jq -e '.btt.arenas[0].flog_slots == \"0,2\"' '$T/c3.json' >/dev/null"
"$PMEMSCAN" btt-cat "$NS3" -o "$T/out02.img"
check "btt-cat: (0,2) flog round trip" test "$(shan "$T/out02.img" "$FSLEN")" = "$FSSHA"

# ---- 520-byte sectors: 576-byte internal blocks, 8 bytes of integrity
# metadata per block skipped on read ----
NS5=$T/ns520.img
"$MKFX" -o "$NS5" -s 40M -b 520 -i "$FS" -S 8 >/dev/null
"$PMEMSCAN" check --json "$NS5" >"$T/c5.json"; rc=$?
check "check: 520-byte BTT clean, internal 576, 512-byte sectors" sh -c \
	"[ $rc -eq 0 ] && jq -e '.btt.external_lbasize == 520 and .btt.sector_size == 512 and .btt.arenas[0].internal_lbasize == 576' '$T/c5.json' >/dev/null"
"$PMEMSCAN" btt-cat "$NS5" -o "$T/out520.img"
check "btt-cat: 520-byte round trip" test "$(shan "$T/out520.img" "$FSLEN")" = "$FSSHA"

# ---- a namespace inside a larger image: --offset ----
EMB=$T/embedded.img
truncate -s 1M "$EMB" && cat "$NS" >>"$EMB"
expect_exit 0 "check --offset 1M finds the embedded BTT" \
	sh -c "'$PMEMSCAN' check --offset 1M '$EMB' >/dev/null"
expect_exit 2 "check without --offset: no BTT at 4096/0" \
	sh -c "'$PMEMSCAN' check '$EMB' 2>/dev/null"

# ---- multi-arena, > 512 GiB, sparse ----
BIG=$T/big.img
if "$MKFX" -o "$BIG" -s 513G -i "$FS" -S 3 --skip-zero >"$T/mkbig.out" 2>"$T/mkbig.err"; then
	check "mkfx: 513 GiB namespace has 2 arenas" grep -q 'arenas 2' "$T/mkbig.out"
	check "the big image is sparse (< 64 MiB allocated)" \
		test "$(du -k "$BIG" | cut -f1)" -lt 65536
	"$PMEMSCAN" check --json "$BIG" >"$T/cbig.json"; rc=$?
	check "check: two arenas, arena 1 at 512 GiB + 4096, clean" sh -c \
		"[ $rc -eq 0 ] && jq -e '(.btt.arenas|length) == 2 and .btt.arenas[1].offset == 549755817984 and .btt.arenas[0].size == 549755813888' '$T/cbig.json' >/dev/null"
	expect_exit 0 "btt-cat: multi-arena" "$PMEMSCAN" btt-cat "$BIG" -o "$T/outbig.img"
	check "btt-cat: multi-arena ext4 bit-identical" \
		test "$(shan "$T/outbig.img" "$FSLEN")" = "$FSSHA"
	BIGN=$(awk '{print $2}' "$T/mkbig.out")
	check "btt-cat: multi-arena size is nlba x 4096, sparse" sh -c \
		"[ \$(stat -c %s '$T/outbig.img') -eq $((BIGN * 4096)) ] && [ \$(du -k '$T/outbig.img' | cut -f1) -lt 65536 ]"
	rm -f "$BIG" "$T/outbig.img"
else
	not_ok "mkfx: 513 GiB sparse namespace ($(cat "$T/mkbig.err"))"
fi

# ---- faults ----
F=$T/f.img
mkf() { rm -f "$F"; "$MKFX" -o "$F" -s 64M -i "$FS" -S 4 "$@" >/dev/null; }

mkf --fault torn:100
fsha=$(sha "$F")
"$PMEMSCAN" check --json "$F" >"$T/ct.json"; rc=$?
check "torn write: check exits 0 and names lane 0, LBA 100" sh -c \
	"[ $rc -eq 0 ] && jq -e '[.findings[] | select(.check == \"log-map\" and .lba == 100 and .lane == 0 and .severity == \"warning\")] | length == 1' '$T/ct.json' >/dev/null"
"$PMEMSCAN" btt-cat "$F" -o "$T/ot.img"
check "torn write: the read sees the new data, as the kernel would" sh -c \
	"dd if='$T/ot.img' bs=4096 skip=100 count=1 2>/dev/null | head -c 7 | grep -q TORN100"
check "torn write: nothing written to the image" sh -c \
	"'$PMEMSCAN' check --json '$F' | jq -e '.findings[0].check == \"log-map\"' >/dev/null"
same_value "torn write: the image's sha256 unchanged by check and btt-cat" "$(sha "$F")" "$fsha"

mkf --fault bad-primary
"$PMEMSCAN" check "$F" >"$T/cb.out"; rc=$?
check "corrupt primary: check exits 1 and reports the backup used" sh -c \
	"[ $rc -eq 1 ] && grep -q 'arena 0: primary info block at 0x1000 is corrupt.*using the backup' '$T/cb.out'"
"$PMEMSCAN" btt-cat "$F" -o "$T/ob.img" 2>/dev/null
check "corrupt primary: data still read through the backup" \
	test "$(shan "$T/ob.img" "$FSLEN")" = "$FSSHA"
mkf --fault bad-both
expect_exit 2 "primary and backup corrupt: no BTT (exit 2)" \
	sh -c "'$PMEMSCAN' check '$F' >/dev/null 2>&1"

mkf --fault map-oor:200
"$PMEMSCAN" check --json "$F" >"$T/cm.json"; rc=$?
check "map entry out of range: exit 1, arena 0 LBA 200" sh -c \
	"[ $rc -eq 1 ] && jq -e '[.findings[] | select(.check == \"map\" and .arena == 0 and .lba == 200 and .severity == \"error\")] | length == 1' '$T/cm.json' >/dev/null"
"$PMEMSCAN" btt-cat "$F" -o "$T/om.img" 2>"$T/om.err"; rc=$?
check "map entry out of range: btt-cat exits 1 naming LBA 200" sh -c \
	"[ $rc -eq 1 ] && grep -q 'arena 0 LBA 200 ' '$T/om.err'"

mkf --fault dup:10,20
"$PMEMSCAN" check --json "$F" >"$T/cd.json"; rc=$?
check "duplicated postmap block: exit 1, names LBA 10 and LBA 20" sh -c \
	"[ $rc -eq 1 ] && jq -e '[.findings[] | select(.check == \"bitmap\" and .lba == 20 and (.message | test(\"by LBA 10, LBA 20\")))] | length == 1' '$T/cd.json' >/dev/null"
check "duplicated postmap block: the orphaned block is reported" sh -c \
	"jq -e '[.findings[] | select(.check == \"bitmap\" and (.message | test(\"neither the map nor the flog\")))] | length == 1' '$T/cd.json' >/dev/null"

mkf --fault err:30
"$PMEMSCAN" btt-cat "$F" -o "$T/oe.img" 2>"$T/oe.err"; rc=$?
check "error-flagged LBA: btt-cat exits 1 and names arena 0 LBA 30" sh -c \
	"[ $rc -eq 1 ] && grep -q 'arena 0 LBA 30 .*error flag' '$T/oe.err'"
"$PMEMSCAN" check --json "$F" >"$T/ce.json"
check "error-flagged LBA: check warns about LBA 30" sh -c \
	"jq -e '[.findings[] | select(.lba == 30 and .severity == \"warning\")] | length == 1' '$T/ce.json' >/dev/null"

mkf --fault seq-eq:5
"$PMEMSCAN" check --json "$F" >"$T/cs.json"; rc=$?
check "flog lane with equal sequence numbers: exit 1, lane 5" sh -c \
	"[ $rc -eq 1 ] && jq -e '[.findings[] | select(.check == \"flog\" and .lane == 5)] | length >= 1' '$T/cs.json' >/dev/null"

mkf --fault trim:40
"$PMEMSCAN" btt-cat "$F" -o "$T/oz.img"
# (a missing output reads as no bytes at all: the 4096 must be read)
dd if="$T/oz.img" of="$T/oz.blk" bs=4096 skip=40 count=1 2>/dev/null
check "trimmed LBA reads as zeros" sh -c \
	"[ \$(stat -c %s '$T/oz.blk') -eq 4096 ] && [ \$(tr -d '\\000' <'$T/oz.blk' | wc -c) -eq 0 ]"

# ---- bad input ----
expect_exit 3 "missing image" sh -c "'$PMEMSCAN' check '$T/nope' 2>/dev/null"
expect_exit 3 "a directory" sh -c "'$PMEMSCAN' check '$T' 2>/dev/null"
expect_exit 3 "no IMAGE" sh -c "'$PMEMSCAN' check 2>/dev/null"
expect_exit 3 "bad --offset" sh -c "'$PMEMSCAN' check --offset x '$NS' 2>/dev/null"
expect_exit 3 "--offset past the end" sh -c "'$PMEMSCAN' check --offset 1T '$NS' 2>/dev/null"
expect_exit 3 "btt-cat without -o" sh -c "'$PMEMSCAN' btt-cat '$NS' 2>/dev/null"
truncate -s 32M "$T/zero.img"
"$PMEMSCAN" check "$T/zero.img" 2>"$T/z.err"; rc=$?
check "no BTT: exit 2 with a one-line error naming the file" sh -c \
	"[ $rc -eq 2 ] && [ \$(wc -l <'$T/z.err') -eq 1 ] && grep -q 'zero.img' '$T/z.err'"
expect_exit 2 "btt-cat, no BTT: exit 2, nothing written" sh -c \
	"'$PMEMSCAN' btt-cat '$T/zero.img' -o '$T/never.img' 2>/dev/null"
check "btt-cat wrote nothing when there is no BTT" test ! -e "$T/never.img"
head -c 6000 "$NS" >"$T/short.img"
expect_exit 2 "truncated namespace (info block cut): exit 2" \
	sh -c "'$PMEMSCAN' check '$T/short.img' 2>/dev/null"

done_testing
