#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# PMDK pools (docs/pmdk.md), made here by the real pmempool (pmdk-tools)
# and written through the real libpmemblk (tests/support/pmdk-blkwrite.c, built
# when libpmemblk-dev is installed): pmemscan's report of each pool (type,
# uuid, layout, size, header checksum) is compared with `pmempool info`,
# its BTT check with `pmempool check`; ls/extract/check read a pmemblk
# pool with no --offset; a devdax namespace holding a pool says so and
# carves to a file pmempool accepts; pools and poolsets stored as files
# in a filesystem are found by the scan and flagged by ls.
. "$top_srcdir/tests/support/lib.sh"
for t in pmempool jq mkfs.ext4 cmp; do
	command -v $t >/dev/null 2>&1 || skip_all "$t not installed"
done
P=$PMEMSCAN
# info FILE LABEL: the value pmempool info prints for LABEL (the first)
info() { pmempool info "$1" 2>/dev/null | sed -n "s/^$2 *: //p" | head -n 1; }
# js FILE JQ: one value of pmemscan's JSON report of FILE
js() { "$P" --json "$1" 2>/dev/null | jq -r "$2"; }

# ---- obj and log pools made by pmempool: the header as pmempool reads it ----
pmempool create obj --layout "support-17 app" -s 24M "$T/obj.pool"
pmempool create log -s 4M "$T/log.pool"
for t in obj log; do
	f=$T/$t.pool
	"$P" --json "$f" >"$T/$t.json"
	echo "--- pmempool info $t.pool"; pmempool info "$f" | sed -n '1,/^$/p;/POOL Header/,/Checksum/p'
	echo "--- pmemscan $t.pool"; "$P" "$f" | sed -n '/^structures/,/^$/p'
	same_value "$t: type as pmempool's signature" \
		"$(jq -r '.pmdk_pools[0].signature' "$T/$t.json")" "$(info "$f" Signature)"
	same_value "$t: type" "$(jq -r '.pmdk_pools[0].type' "$T/$t.json")" "$t"
	same_value "$t: uuid as pmempool info prints it" \
		"$(jq -r '.pmdk_pools[0].uuid' "$T/$t.json")" "$(info "$f" UUID)"
	same_value "$t: pool set uuid" \
		"$(jq -r '.pmdk_pools[0].poolset_uuid' "$T/$t.json")" "$(info "$f" 'Pool set UUID')"
	same_value "$t: size as pmempool info's part file size" \
		"$(jq -r '.pmdk_pools[0].size' "$T/$t.json")" "$(info "$f" size)"
	# (pmempool prints the number without leading zeros)
	same_value "$t: header checksum value" \
		"$(jq -r '.pmdk_pools[0].checksum_stored' "$T/$t.json" | sed 's/^0x0*/0x/')" \
		"$(info "$f" Checksum | cut -d' ' -f1 | sed 's/^0x0*/0x/')"
	same_value "$t: header checksum valid, as pmempool says [OK]" \
		"$(jq -r '.pmdk_pools[0].checksum' "$T/$t.json"),$(info "$f" Checksum | cut -d' ' -f2)" "valid,[OK]"
	same_value "$t: the image is the pool file" "$(jq -r '.pmdk_pools[0].place' "$T/$t.json")" image
done
same_value "obj: layout name as pmempool info's" \
	"$(jq -r '.pmdk_pools[0].layout' "$T/obj.json")" "$(info "$T/obj.pool" Layout)"
same_value "obj: heap offset as pmempool info's" \
	"$(printf '0x%x' "$(jq -r '.pmdk_pools[0].descriptor.heap_offset' "$T/obj.json")")" \
	"$(info "$T/obj.pool" 'Heap offset')"
same_value "log: end offset as pmempool info's" \
	"$(printf '0x%x' "$(jq -r '.pmdk_pools[0].descriptor.end_offset' "$T/log.json")")" \
	"$(info "$T/log.pool" 'End offset')"
check "log: no layout (null)" jq -e '.pmdk_pools[0] | has("layout") and .layout == null' "$T/log.json" >/dev/null
expect_exit 0 "a healthy obj pool file: exit 0" "$P" "$T/obj.pool" >/dev/null

# ---- the header checksum, judged by pmempool check ----
# a byte in the first 2 KiB is summed; one in [2K, 4K) is not (CKSUM_2K)
for at in 256 2400; do
	cp "$T/obj.pool" "$T/dmg.pool"
	printf 'x' | dd of="$T/dmg.pool" bs=1 seek=$at conv=notrunc status=none
	if pmempool check "$T/dmg.pool" >/dev/null 2>&1; then want=valid; else want=bad; fi
	same_value "byte $at changed: pmemscan's checksum verdict is pmempool check's ($want)" \
		"$(js "$T/dmg.pool" '.pmdk_pools[0].checksum')" "$want"
	[ $at = 256 ] && expect_exit 1 "a pool header with a bad checksum: exit 1, problems" \
		"$P" "$T/dmg.pool" >/dev/null
done
differ_value "...and the two changes were judged differently by pmempool" \
	"$(cp "$T/obj.pool" "$T/d1"; printf x | dd of="$T/d1" bs=1 seek=256 conv=notrunc status=none; pmempool check "$T/d1" >/dev/null 2>&1; echo $?)" \
	"$(cp "$T/obj.pool" "$T/d2"; printf x | dd of="$T/d2" bs=1 seek=2400 conv=notrunc status=none; pmempool check "$T/d2" >/dev/null 2>&1; echo $?)"
rm -f "$T/d1" "$T/d2" "$T/dmg.pool"

# ---- pmemblk: a pool never written has no BTT yet ----
pmempool create blk 4096 "$T/blk.pool"
same_value "blk: a fresh pool is found, its block size as pmempool's" \
	"$(js "$T/blk.pool" '.pmdk_pools[0].descriptor.bsize')" "$(info "$T/blk.pool" 'Block size')"
expect_exit 2 "check on a pmemblk pool with no BTT yet: exit 2 (nothing found)" \
	"$P" check "$T/blk.pool" 2>"$T/err" >/dev/null
check "... saying it is a pmemblk pool with no BTT" grep -q "pmemblk pool with no usable BTT" "$T/err"

# ---- pmemblk written through libpmemblk: an ext4 image as its blocks ----
if ! pkg-config --exists libpmemblk 2>/dev/null ||
   ! cc -o "$T/blkwrite" "$top_srcdir/tests/support/pmdk-blkwrite.c" $(pkg-config --cflags --libs libpmemblk) 2>"$T/cc.err"; then
	skip "pmemblk written through libpmemblk" "libpmemblk-dev not installed ($(head -c 200 "$T/cc.err" 2>/dev/null))"
	done_testing
	exit
fi
nblock=$("$T/blkwrite" "$T/blk.pool" | sed -n 's/^nblock //p')
check "libpmemblk opened the pool ($nblock blocks)" [ "${nblock:-0}" -gt 1000 ]
mkdir -p "$T/tree/sub"
printf 'pmemblk pool file\n' >"$T/tree/hello.txt"
head -c 300000 /dev/urandom >"$T/tree/sub/random.bin"
truncate -s $((nblock * 4096)) "$T/fs.img"
mkfs.ext4 -q -F -b 4096 -d "$T/tree" "$T/fs.img"
"$T/blkwrite" "$T/blk.pool" "$T/fs.img" >"$T/w.out"
check "libpmemblk wrote the filesystem's blocks" grep -q '^written [1-9]' "$T/w.out"
echo "--- pmempool info blk.pool"; pmempool info "$T/blk.pool" | sed -n '/PMEM BLK Header/,$p'
echo "--- pmemscan blk.pool"; "$P" "$T/blk.pool"
"$P" --json "$T/blk.pool" >"$T/blk.json"
same_value "blk: uuid as pmempool info's" "$(jq -r '.pmdk_pools[0].uuid' "$T/blk.json")" \
	"$(info "$T/blk.pool" UUID)"
same_value "blk: size as pmempool info's" "$(jq -r '.pmdk_pools[0].size' "$T/blk.json")" \
	"$(info "$T/blk.pool" size)"
same_value "blk: the BTT is one namespace at 0x2000 inside the pool, not a sector namespace at 0x1000" \
	"$(jq -r '[.namespaces[] | .offset] | join(",")' "$T/blk.json")" 8192
same_value "blk: its LBAs as pmempool info's External LBA count" \
	"$(jq -r '.structures[] | select(.kind == "btt-info" and .role == "primary") | .fields.external_nlba' "$T/blk.json")" \
	"$(info "$T/blk.pool" 'External LBA count')"
same_value "blk: the namespace is the pool's BTT" \
	"$(jq -r '.namespaces[0].data_holds.kind + " " + .namespaces[0].data_holds.pool.uuid' "$T/blk.json")" \
	"pmemblk-btt $(info "$T/blk.pool" UUID)"
same_value "blk: the ext4 inside is proven" "$(jq -r '.namespaces[0].verdict.result + " " + .namespaces[0].candidates[0].probe.type' "$T/blk.json")" \
	"proven ext4"
# check with no --offset, judged by pmempool check
pmempool check "$T/blk.pool" >"$T/pc.out" 2>&1; prc=$?
"$P" check "$T/blk.pool" >"$T/sc.out" 2>&1; src=$?
echo "--- pmempool check"; cat "$T/pc.out"; echo "--- pmemscan check"; cat "$T/sc.out"
same_value "check with no --offset agrees with pmempool check (exit codes)" "$src" "$prc"
check "pmemscan check read the BTT at 0x2000: consistent" grep -q '^consistent' "$T/sc.out"
same_value "check --json: pmemblk pool, BTT at 8192, LBAs as pmempool's" \
	"$("$P" check --json "$T/blk.pool" | jq -r '[.pmdk_pool, .offset, .btt.nlba] | join(" ")')" \
	"blk 8192 $(info "$T/blk.pool" 'External LBA count')"
# the pool's BTT selected as the scan lists it (issue 26): --namespace 0
# and --offset 8192 take the pool's version 1.1 BTT at its place
"$P" check --namespace 0 "$T/blk.pool" >"$T/scn.out" 2>&1; rc=$?
same_value "check --namespace 0 on the pool: exit as pmempool check's ($(head -1 "$T/scn.out"))" "$rc" "$prc"
"$P" check --offset 8192 "$T/blk.pool" >"$T/sco.out" 2>&1; rc=$?
same_value "check --offset 8192 on the pool: exit as pmempool check's ($(head -1 "$T/sco.out"))" "$rc" "$prc"
check "... both read the BTT: consistent" sh -c "grep -q '^consistent' '$T/scn.out' && grep -q '^consistent' '$T/sco.out'"
"$P" btt-cat --offset 8192 "$T/blk.pool" -o "$T/cat.img" >/dev/null 2>"$T/cat.err"; rc=$?
same_value "btt-cat --offset 8192: exit 0 ($(head -1 "$T/cat.err"))" "$rc" 0
same_output "btt-cat --offset 8192: the blocks libpmemblk wrote (the ext4 image)" "$T/cat.img" "$T/fs.img"
# ls and extract with no --offset
"$P" ls "$T/blk.pool" >"$T/ls.out" 2>/dev/null
check "ls lists the files written through libpmemblk" grep -q ' /sub/random.bin$' "$T/ls.out"
# the pool descriptor's block size (pool + 4 KiB, made 8192 here) disagrees with the BTT's:
# the warning must point at the BTT's external_lbasize (struct btt_sb +
# 0x38 at pool + 0x2000), the bytes that hold the BTT's block size, not at
# its flags (+ 0x30: a wrong offset the scan used to print)
cp "$T/blk.pool" "$T/blk-bs.pool"
printf '\000\040\000\000' | dd of="$T/blk-bs.pool" bs=1 seek=4096 conv=notrunc 2>/dev/null
"$P" --json "$T/blk-bs.pool" >"$T/blk-bs.json"
same_value "blk: a block size mismatch is reported at the BTT's external_lbasize (0x2000 + 0x38)" \
	"$(jq -r '[.. | objects | select(.field? == "external_lbasize") | .offset] | join(",")' "$T/blk-bs.json")" \
	$((0x2000 + 0x38))
same_value "... whose bytes are the BTT's block size, as pmempool info reads it" \
	"$(od -An -tu4 -j $((0x2000 + 0x38)) -N4 "$T/blk-bs.pool" | tr -d ' ')" \
	"$(info "$T/blk.pool" 'External LBA size')"
"$P" extract "$T/blk.pool" -o "$T/out" >/dev/null 2>&1
same_output "extract: hello.txt as written" "$T/out/hello.txt" "$T/tree/hello.txt"
same_output "extract: sub/random.bin as written" "$T/out/sub/random.bin" "$T/tree/sub/random.bin"
# a write pmempool check sees: the BTT's flog is changed, both tools say so
cp "$T/blk.pool" "$T/bad.pool"
flog=$(pmempool info "$T/blk.pool" | sed -n 's/^Area flog offset *: //p' | head -n 1)
if [ -n "$flog" ]; then
	printf '\377\377\377\377\377\377\377\377' | dd of="$T/bad.pool" bs=1 seek=$((8192 + flog + 8)) conv=notrunc status=none
	pmempool check "$T/bad.pool" >/dev/null 2>&1; prc=$?
	"$P" check "$T/bad.pool" >/dev/null 2>&1; src=$?
	same_value "a damaged flog: pmempool check fails, pmemscan check says errors found (exit 1, docs/cli.md)" \
		"$( [ $prc -ne 0 ] && echo fail || echo ok) $src" "fail 1"
else
	not_ok "pmempool info printed the BTT's flog offset"
fi

# one block with its map entry's error flag (issue 26): carve writes zeros
# for it as btt-cat does, names its LBA, exits 1 and keeps the image
mapoff=$(pmempool info "$T/blk.pool" | sed -n 's/^Area map offset *: //p' | head -n 1)
# an LBA whose block holds data (from the ext4 image libpmemblk wrote),
# past the filesystem's first blocks so that the scan still finds it
lba=$(python3 -c '
import sys
f = open(sys.argv[1], "rb").read()
for i in range(len(f) // 4096 - 1, 64, -1):
    if any(f[i * 4096:(i + 1) * 4096]):
        print(i); break' "$T/fs.img")
if [ -n "$mapoff" ] && [ -n "$lba" ]; then
	cp "$T/blk.pool" "$T/eflag.pool"
	at=$((8192 + mapoff + lba * 4 + 3))	# the entry's top byte: Z (bit 31) off, E (bit 30) on
	top=$(od -An -tu1 -j $at -N1 "$T/eflag.pool" | tr -d ' ')
	printf "$(printf '\\%03o' $(((top & 63) | 64)))" | dd of="$T/eflag.pool" bs=1 seek=$at conv=notrunc status=none
	check "fixture: LBA $lba's block holds data, its map entry now error-flagged" \
		sh -c "[ '$top' -ge 192 ] && [ \$(od -An -tu1 -j $at -N1 '$T/eflag.pool' | tr -d ' ') -eq $(((top & 63) | 64)) ]"
	cp "$T/fs.img" "$T/eflag.want"
	dd if=/dev/zero of="$T/eflag.want" bs=4096 seek="$lba" count=1 conv=notrunc status=none
	"$P" carve "$T/eflag.pool" -o "$T/eflag.img" >/dev/null 2>"$T/eflag.err"; rc=$?
	same_value "carve of a BTT with one error-flagged block: exit 1, partly done ($(tail -1 "$T/eflag.err"))" "$rc" 1
	check "... one line names the one block and its LBA" \
		grep -q "carve: .*eflag.img: 1 block unreadable (4[.0]* KiB), written as zeros; the first: .*LBA $lba .*error flag" "$T/eflag.err"
	same_output "... the image is kept: the blocks written, zeros for the flagged one" "$T/eflag.img" "$T/eflag.want"
	"$P" btt-cat "$T/eflag.pool" -o "$T/eflag.cat" >/dev/null 2>&1
	same_output "... as btt-cat writes it" "$T/eflag.img" "$T/eflag.cat"
else
	not_ok "pmempool info printed the BTT's map offset, the ext4 image has a data block ($mapoff, $lba)"
fi

# ---- a pmemblk pool file in an ext4 filesystem (issue 26): listed with its
# own size (the pool file's, as stat gives it), not promoted to a sector
# namespace cutting the filesystem short; on a raw ext4 image and on an
# fsdax namespace (ndctl write-infoblock) holding the ext4 ----
if [ "$(id -u)" -eq 0 ] && command -v ndctl >/dev/null 2>&1; then
	for kind in raw fsdax; do
		img=$T/fs-$kind.img; mnt=$T/mnt-$kind
		truncate -s 640M "$img"; mkdir -p "$mnt"; at=0
		if [ $kind = fsdax ]; then
			ndctl write-infoblock -o "$img" >/dev/null 2>&1
			at=$(ndctl read-infoblock -j -i "$img" 2>/dev/null | jq '.[0].dataoff')
		fi
		mkfs.ext4 -q -F -b 4096 -E offset="$at" "$img" $(((640 * 1048576 - at) / 4096)) >/dev/null 2>&1
		if ! mount -o loop,offset="$at" "$img" "$mnt" 2>/dev/null; then
			skip "a pmemblk pool file in ext4 ($kind)" "mount -o loop failed"
			continue
		fi
		pmempool create blk 4096 "$mnt/blk.pool" && "$T/blkwrite" "$mnt/blk.pool" "$T/fs.img" >/dev/null
		psize=$(stat -c %s "$mnt/blk.pool")
		umount "$mnt"
		"$P" --json "$img" >"$T/fs-$kind.json"
		same_value "pool file in ext4 ($kind): its size is the pool file's ($psize), placed in the namespace's data" \
			"$(jq -r '.pmdk_pools[0] | "\(.size) \(.place) \(.namespace)"' "$T/fs-$kind.json")" "$psize in-namespace-data 0"
		same_value "pool file in ext4 ($kind): one namespace, no sector namespace of the pool's BTT, its ext4 whole and proven" \
			"$(jq -r '[.namespaces[] | "\(.mode) \(.verdict.result) \(.candidates[.chosen // 0].probe.type)"] | join(";")' "$T/fs-$kind.json")" \
			"$kind proven ext4"
	done
else
	skip "a pmemblk pool file in ext4" "needs root (mount -o loop) and ndctl"
fi

# ---- devdax namespaces: what their data holds ----
command -v ndctl >/dev/null 2>&1 || { skip "devdax namespaces" "ndctl not installed"; done_testing; exit; }
for what in pool zeros random; do
	img=$T/dax-$what.img
	truncate -s 64M "$img"
	ndctl write-infoblock -o "$img" -m devdax -a 2097152 >/dev/null 2>&1
	# the data start and size by the spec's formula (spec basics.md: start
	# 0, align 2 MiB, 64-byte page structs), not from pmemscan's report
	npfns0=$(((64 * 1048576 - 8192) / 4096))
	dataoff=$(((8192 + 64 * npfns0 + 2097151) / 2097152 * 2097152))
	datasz=$((64 * 1048576 - dataoff))
	same_value "devdax $what: pmemscan's data start and size are the spec's ($dataoff, $datasz)" \
		"$(js "$img" '.namespaces[0].candidates[0] | "\(.offset) \(.size)"')" "$dataoff $datasz"
	case $what in
	pool)
		pmempool create obj --layout devdax-app -s "$datasz" "$T/dax.pool"
		dd if="$T/dax.pool" of="$img" bs=4096 seek=$((dataoff / 4096)) conv=notrunc,sparse status=none
		want="pmdk-pool $(info "$T/dax.pool" UUID) devdax-app" ;;
	zeros) want="zeros null null" ;;
	random)
		head -c 1048576 /dev/urandom | dd of="$img" bs=4096 seek=$((dataoff / 4096)) conv=notrunc status=none
		want="unknown null null" ;;
	esac
	same_value "devdax holding $what: data_holds says so" \
		"$(js "$img" '[.namespaces[0].data_holds.kind, .namespaces[0].data_holds.pool.uuid, .namespaces[0].data_holds.pool.layout] | map(tostring) | join(" ")')" "$want"
done
echo "--- pmemscan dax-pool.img"; "$P" "$T/dax-pool.img" | sed -n '/^namespace 0/,$p'
"$P" carve "$T/dax-pool.img" -o "$T/carved.pool" >/dev/null 2>&1
echo "--- pmempool info carved.pool"; pmempool info "$T/carved.pool" | sed -n '1,/Checksum/p'
expect_exit 0 "pmempool info accepts the carved devdax data" pmempool info "$T/carved.pool" >/dev/null
expect_exit 0 "pmempool check: the carved pool is consistent" pmempool check "$T/carved.pool" >/dev/null
same_value "the carved pool is the pool written (uuid)" "$(info "$T/carved.pool" UUID)" "$(info "$T/dax.pool" UUID)"
same_output "the carved pool is the pool written (bytes)" "$T/carved.pool" "$T/dax.pool"
same_value "the devdax pool's size is the namespace's data, as pmempool sees the carved file" \
	"$(js "$T/dax-pool.img" '.pmdk_pools[0].size')" "$(info "$T/carved.pool" size)"

# ---- pools and poolsets as files in a filesystem ----
mkdir -p "$T/files"
cp "$T/obj.pool" "$T/files/app.pool"
printf 'PMEMPOOLSET\n# the app'"'"'s pool\n24M /mnt/pmem0/app.part0\n8M /mnt/pmem0/app.part1\nREPLICA\n32M /mnt/pmem1/app.r0\n' >"$T/files/app.set"
printf 'not a pool\n' >"$T/files/readme"
truncate -s 96M "$T/files.img"
mkfs.ext4 -q -F -b 4096 -d "$T/files" "$T/files.img"
"$P" --json "$T/files.img" >"$T/files.json"
same_value "a pool file in ext4: found, inside namespace 0's data, uuid as pmempool's" \
	"$(jq -r '.pmdk_pools[] | select(.type == "obj") | [.place, .namespace, .uuid] | map(tostring) | join(" ")' "$T/files.json")" \
	"in-namespace-data 0 $(info "$T/obj.pool" UUID)"
same_value "a poolset file in ext4: 3 parts, 2 replicas, 32 MiB in the master" \
	"$(jq -r '.pmdk_pools[] | select(.type == "poolset") | [.parts, .replicas, .size] | join(" ")' "$T/files.json")" \
	"3 2 33554432"
"$P" ls "$T/files.img" >"$T/fls.out" 2>/dev/null
check "ls flags the pool file" grep -q '/app.pool   \[PMDK obj pool, layout "support-17 app"\]$' "$T/fls.out"
check "ls flags the poolset" grep -q '/app.set   \[PMDK poolset\]$' "$T/fls.out"
check "ls flags nothing else" [ "$(grep -c PMDK "$T/fls.out")" -eq 2 ]
same_value "ls --json: the pool file's uuid as pmempool's" \
	"$("$P" ls --json "$T/files.img" 2>/dev/null | jq -r '.entries[] | select(.path == "/app.pool") | .pmdk.uuid')" \
	"$(info "$T/obj.pool" UUID)"
done_testing
