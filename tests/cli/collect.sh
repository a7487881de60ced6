#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pmemscan collect and the triage of its bundle, on a stand-in machine: a
# directory standing for / (--root: proc/iomem, sys/bus/nd, dev/pmem0 as
# a plain file) and an ndctl script answering as ndctl does. The real
# machine is tests/kernel (make check-kernel): collect inside the guest.
. "$top_srcdir/tests/support/lib.sh"
MKFX=$top_builddir/tests/support/mkfx-labels
[ -x "$MKFX" ] || skip_all "tests/support/mkfx-labels not built"
command -v mkfs.ext4 >/dev/null || skip_all "mkfs.ext4 not installed"
command -v zstd >/dev/null || skip_all "zstd not installed"

R=$T/root
mkdir -p "$R/proc" "$R/dev" "$R/sys/bus/nd/devices/namespace0.0" "$R/sys/bus/nd/devices/pfn0.1" "$T/bin" "$T/lsa"
"$MKFX" "$T/lsa" >/dev/null || { echo "mkfx-labels failed"; exit 1; }
printf '%s\n' "00000000-0009ffff : System RAM" "140000000-17fffffff : Persistent Memory" \
	"  140000000-17fffffff : namespace0.0" >"$R/proc/iomem"
echo "Linux version stand-in" >"$R/proc/version"
echo 0x140000000 >"$R/sys/bus/nd/devices/namespace0.0/resource"
echo pfn0.1 >"$R/sys/bus/nd/devices/namespace0.0/holder"
echo 0x141200000 >"$R/sys/bus/nd/devices/pfn0.1/resource"
# the fsdax block device's bytes: an ext4 filesystem with one file
truncate -s 64M "$R/dev/pmem0"
mkfs.ext4 -q -F -d "$top_srcdir/docs" "$R/dev/pmem0" || { echo "mkfs.ext4 failed"; exit 1; }
dev_sum=$(sha256sum <"$R/dev/pmem0")
dev_mtime=$(stat -c %Y "$R/dev/pmem0")
# ndctl: list, read-labels -o FILE NMEM (nmem1 refuses), --version
cat >"$T/bin/ndctl" <<EOF
#!/bin/sh
case \$1 in
--version) echo 76.1 ;;
list) echo '{"dimms":[{"dev":"nmem0"},{"dev":"nmem1"}],"regions":[{"dev":"region0","namespaces":[{"dev":"namespace0.0","mode":"fsdax","blockdev":"pmem0","size":67108864,"uuid":"5e2ad2a6-0000-4000-8000-000000000001"},{"dev":"namespace0.1","mode":"devdax","size":4194304,"daxregion":{"id":0,"devices":[{"chardev":"dax0.1","size":4194304}]}}]}]}' ;;
read-labels) [ "\$4" = nmem1 ] && { echo "nmem1: Permission denied" >&2; exit 1; }; cat "$T/lsa/v12.lsa" >"\$3" ;;
*) exit 1 ;;
esac
EOF
chmod +x "$T/bin/ndctl"
# a device-dax stand-in: /dev/zero's device number, which maps as dax does
# (read-only, shared), its size and alignment in sysfs
mkdir -p "$R/sys/bus/dax/devices/dax0.1"
echo 4194304 >"$R/sys/bus/dax/devices/dax0.1/size"
echo 2097152 >"$R/sys/bus/dax/devices/dax0.1/align"
have_dax=0
mknod "$R/dev/dax0.1" c 1 5 2>/dev/null && have_dax=1
collect() { "$PMEMSCAN" collect --ndctl "$T/bin/ndctl" --root "$R" "$@"; }

collect -o "$T/b.tar.zst" --image namespace0.0 --image namespace9.9 >"$T/c.out" 2>"$T/c.err"; rc=$?
check "collect: exit 1 when a piece could not be collected" test "$rc" -eq 1
check "collect: says which pieces are missing and why (the DIMM ndctl refused, the unknown namespace)" \
	sh -c "grep -q 'not collected: labels/nmem1.bin .*Permission denied' '$T/c.err' && grep -q 'not collected: images/namespace9.9.img.*no such namespace' '$T/c.err'"
check "collect: the summary counts them ($(cat "$T/c.out"))" grep -q '7 of 9 pieces collected' "$T/c.out"
check "collect: the bundle is a zstd-compressed tar" sh -c "zstd -dc '$T/b.tar.zst' | tar -tf - >'$T/list'"
for f in BUNDLE ndctl-list.json labels/nmem0.bin iomem.txt dmesg.txt versions.txt images/namespace0.0.img manifest.json SHA256SUMS; do
	check "collect: the bundle holds $f" grep -qx "pmemscan-bundle/$f" "$T/list"
done
mkdir "$T/x"
zstd -dc "$T/b.tar.zst" | tar -C "$T/x" -xf -
check "collect: sha256sum -c accepts every piece's sum (7 pieces and the manifest)" \
	sh -c "cd '$T/x/pmemscan-bundle' && sha256sum -c SHA256SUMS >'$T/sums' && [ \$(grep -c ': OK\$' '$T/sums') -eq 8 ]"
same_value "collect: the manifest's sha256 of the image is sha256sum's" \
	"$(jq -r '.pieces[] | select(.name == "images/namespace0.0.img") | .sha256' "$T/x/pmemscan-bundle/manifest.json")" \
	"$(sha256sum <"$T/x/pmemscan-bundle/images/namespace0.0.img" | cut -d' ' -f1)"
check "collect: the image is the device, byte for byte" cmp -s "$T/x/pmemscan-bundle/images/namespace0.0.img" "$R/dev/pmem0"
check "collect: the label area is what read-labels wrote" cmp -s "$T/x/pmemscan-bundle/labels/nmem0.bin" "$T/lsa/v12.lsa"
check "collect: the manifest says where the image's data sits and what view it is" \
	test "$(jq -r '.images[0] | "\(.mode) \(.namespace_resource) \(.data_resource) \(.collected)"' "$T/x/pmemscan-bundle/manifest.json")" = \
	"fsdax 0x140000000 0x141200000 true"
check "collect: the failed pieces are in the manifest with their reason" \
	test "$(jq -r '[.pieces[] | select(.error) | .name] | join(",")' "$T/x/pmemscan-bundle/manifest.json")" = \
	"labels/nmem1.bin,images/namespace9.9.img"
check "collect: iomem as the machine had it" cmp -s "$T/x/pmemscan-bundle/iomem.txt" "$R/proc/iomem"
check "collect: the device was not changed" \
	test "$(sha256sum <"$R/dev/pmem0") $(stat -c %Y "$R/dev/pmem0")" = "$dev_sum $dev_mtime"
if command -v strace >/dev/null; then
	traced -f -qq -e trace=open,openat,openat2,creat,truncate -o "$T/trace" \
		"$PMEMSCAN" collect --ndctl "$T/bin/ndctl" --root "$R" -o "$T/traced.tar" --image namespace0.0 >/dev/null 2>&1
	opens=$(grep -c 'dev/pmem0"' "$T/trace")
	bad=$(grep 'dev/pmem0"' "$T/trace" | grep -E 'O_WRONLY|O_RDWR|O_TRUNC|O_CREAT' | head -1)
	check "collect: the device opened $opens time(s), always read-only${bad:+ (not: $bad)}" \
		test "$opens" -gt 0 -a -z "$bad"
else
	skip "collect: the device opened read-only" "strace not installed"
fi
s0=$(sha256sum <"$T/b.tar.zst")
expect_exit 3 "collect: an existing bundle is refused without --force" collect -o "$T/b.tar.zst" 2>"$T/e"
check "collect: ... and left as it was, with a hint" \
	sh -c "[ \"\$(sha256sum <'$T/b.tar.zst')\" = '$s0' ] && grep -q -- '--force' '$T/e'"
expect_exit 3 "collect: -o is required" collect
collect -o "$T/b.tar.zst" --force --image namespace0.0 >/dev/null 2>&1
differ_value "collect: --force replaces it" "$(sha256sum <"$T/b.tar.zst" 2>/dev/null)" "$s0"
same_value "collect: ... with the bundle asked for this time (only nmem1 failed, no namespace9.9)" \
	"$(zstd -dc "$T/b.tar.zst" 2>/dev/null | tar -xOf - pmemscan-bundle/manifest.json 2>/dev/null | jq -r '[.pieces[] | select(.error) | .name] | join(",")')" \
	labels/nmem1.bin

if [ "$have_dax" -eq 1 ]; then
	collect -o "$T/dax.tar" --image namespace0.1 >/dev/null 2>"$T/dax.err"
	mkdir "$T/dx"
	tar -C "$T/dx" -xf "$T/dax.tar"
	check "collect: a devdax namespace's character device (nested in ndctl's daxregion) is mapped, its sysfs size long" \
		sh -c "[ \$(stat -c %s '$T/dx/pmemscan-bundle/images/namespace0.1.img') -eq 4194304 ] && cmp -s -n 4194304 /dev/zero '$T/dx/pmemscan-bundle/images/namespace0.1.img'"
	rm "$R/sys/bus/dax/devices/dax0.1/size"
	collect -o "$T/dax2.tar" --image namespace0.1 >/dev/null 2>"$T/dax2.err"
	check "collect: a character device of unknown size is not stored empty: it is named as not collected" \
		grep -q 'not collected: images/namespace0.1.img.*size' "$T/dax2.err"
else
	skip "collect: a devdax namespace's character device is mapped" "cannot mknod here"
fi

# ---- stopped midway (issue 15): no half bundle is left under its name ----
# PMEMSCAN_TEST_SIGNAL=N raises SIGINT at the N-th poll (no timing): the
# 3rd falls while the 64 MiB image is read
rc=0
PMEMSCAN_TEST_SIGNAL=3 collect -o "$T/int.tar" --image namespace0.0 >/dev/null 2>"$T/int.err" || rc=$?
same_value "collect: SIGINT exits 130" "$rc" 130
check "collect: ... one line says so, the bundle is removed" \
	sh -c "grep -q 'collect: interrupted by SIGINT while collecting .*int.tar removed (incomplete)' '$T/int.err' && [ ! -e '$T/int.tar' ]"
# disk full: room for the image's temporary copy (64 MiB, mostly holes) but
# not for the bundle too
if [ "$(id -u)" -eq 0 ] && mkdir "$T/full" && mount -t tmpfs -o size=24m tmpfs "$T/full" 2>/dev/null; then
	rc=0
	collect -o "$T/full/b.tar" --image namespace0.0 >/dev/null 2>"$T/full.err" || rc=$?
	umount "$T/full"
	same_value "collect on a full disk: exit 3" "$rc" 3
	check "collect: ... one line names the piece and ENOSPC, and says the bundle is removed" \
		sh -c "grep -q 'collect: writing .* into the bundle: .*(ENOSPC); .*b.tar removed (incomplete)' '$T/full.err'"
else
	skip "collect on a full disk" "needs root for a tmpfs"
fi

# ---- triage of the bundle, no flag ----
collect -o "$T/t.tar.zst" --image namespace0.0 >/dev/null 2>&1
"$PMEMSCAN" "$T/t.tar.zst" >"$T/t.txt" 2>"$T/t.err"; rc=$?
check "triage: exit 0 (the filesystem is proven, the bundle verified)" test "$rc" -eq 0
check "triage: every sha256 matches the manifest" grep -q 'every sha256 matches the manifest' "$T/t.txt"
check "triage: the machine's namespaces, as its ndctl listed them" \
	grep -q 'namespace0.0: mode fsdax, size 67108864, device /dev/pmem0' "$T/t.txt"
check "triage: a devdax namespace's device, from where ndctl nests it" \
	grep -q 'namespace0.1: mode devdax, size 4194304, device /dev/dax0.1' "$T/t.txt"
check "triage: the image placed at the data start the kernel gave, without --phys-base" \
	grep -q 'physical address of offset 0: 0x141200000' "$T/t.txt"
check "triage: the ext4 in the image is found and proven" grep -q 'verdict: proven' "$T/t.txt"
check "triage: the label area is read like 'pmemscan labels'" \
	test "$(sed -n '/^== label area labels\/nmem0.bin ==$/,/^== /p' "$T/t.txt" | sed '1d;$d' | sed '/^$/d')" = \
	"$("$PMEMSCAN" labels "$T/lsa/v12.lsa" | sed "s|$T/lsa/v12.lsa|pmemscan-bundle/labels/nmem0.bin|g" | sed '/^$/d')"
# ... and says what mkfx-labels wrote into v12.lsa (its table: uuid, name,
# claim, size), not only what 'pmemscan labels' says
same_value "triage: the label area's namespaces are the ones mkfx-labels wrote" \
	"$(sed -n '/^== label area labels\/nmem0.bin ==$/,/^== /p' "$T/t.txt" |
		sed -n 's/^  \([0-9a-f-]\{36\}\) \("[^"]*"\) \([a-z0-9]*\), 1-way, .* (\([0-9]*\) bytes), complete$/\1 \2 \3 \4/p' | tr '\n' ' ')" \
	"f4d5c3a8-1111-4a2b-9c3d-000000000001 \"fsdax0\" pfn $((1024 * 1048576)) f4d5c3a8-2222-4a2b-9c3d-000000000002 \"devdax0\" dax $((2048 * 1048576)) f4d5c3a8-3333-4a2b-9c3d-000000000003 \"sector0\" btt $((512 * 1048576)) f4d5c3a8-4444-4a2b-9c3d-000000000004 \"uefi-btt\" btt2 $((256 * 1048576)) "
check "triage: no temporary path in the report" sh -c "! grep -q 'pmemscan-bundle\.' '$T/t.txt' '$T/t.err'"
"$PMEMSCAN" "$T/t.tar.zst" >"$T/t2.txt" 2>/dev/null
same_output "triage: the same bundle, the same report" "$T/t.txt" "$T/t2.txt"
"$PMEMSCAN" --json "$T/t.tar.zst" >"$T/t.json"
check "triage --json: verified, the image's report embedded with its physical base" \
	test "$(jq -r '.bundle | "\(.verified) \(.images[0].phys_base) \(.images[0].report.namespaces[0].verdict.result) \(.ndctl)"' "$T/t.json")" = \
	"true 0x141200000 proven 76.1"
check "triage --json: the label area's report embedded" \
	test "$(jq -r '.bundle.labels[0].name' "$T/t.json")" = labels/nmem0.bin -a "$(jq '.bundle.labels[0].report | length' "$T/t.json")" -gt 0

# ---- collect --image FILE (issue 26): a plain file holding a namespace
# (ndctl write-infoblock + mkfs.ext4 at its data offset), named by a path
# under the root; the bundle's iomem has no entry as large as it ----
NDCTL_REAL=$(command -v ndctl || true)
if [ -n "$NDCTL_REAL" ]; then
	truncate -s 64M "$R/ns.img"
	"$NDCTL_REAL" write-infoblock -o "$R/ns.img" >/dev/null 2>&1
	at=$("$NDCTL_REAL" read-infoblock -j -i "$R/ns.img" 2>/dev/null | jq '.[0].dataoff')
	check "fixture: ndctl wrote an info block with a data offset ($at)" test "${at:-0}" -gt 0
	truncate -s $((64 * 1048576 - at)) "$T/ns.fs"
	mkfs.ext4 -q -F -d "$top_srcdir/docs" "$T/ns.fs"
	dd if="$T/ns.fs" of="$R/ns.img" bs=4096 seek=$((at / 4096)) conv=notrunc,sparse status=none
	collect -o "$T/f.tar" --image /ns.img >/dev/null 2>"$T/f.err"
	tar -tf "$T/f.tar" >"$T/f.list"
	check "collect --image FILE: stored as images/ns.img (the suffix not doubled)" \
		sh -c "grep -qx 'pmemscan-bundle/images/ns.img' '$T/f.list' && ! grep -q 'ns.img.img' '$T/f.list'"
	"$PMEMSCAN" "$T/f.tar" >"$T/f.txt" 2>"$T/f.terr"; rc=$?
	same_value "triage of it: exit 0, the scan's own verdict for a proven namespace ($(head -1 "$T/f.terr"))" "$rc" 0
	check "triage of it: one line says no iomem entry fits and it is scanned without a physical base" \
		sh -c "[ \$(grep -c '^no physical base: iomem.txt has no entry exactly as large as the image (67108864 bytes); scanned without one' '$T/f.txt') -eq 1 ]"
	check "triage of it: the ext4 behind the info block is found and proven" \
		sh -c "grep -q 'verdict: proven' '$T/f.txt' && grep -qi 'ext4' '$T/f.txt'"
	"$PMEMSCAN" --json "$T/f.tar" >"$T/f.json"; rc=$?
	same_value "triage --json of it: exit 0" "$rc" 0
	check "triage --json of it: the report is there (not null), proven, and why there is no physical base" \
		test "$(jq -r '.bundle.images[0] | "\(.report != null) \(.report.namespaces[0].verdict.result) \(.phys_base) \(.no_phys_base)"' "$T/f.json")" = \
		"true proven null iomem.txt has no entry exactly as large as the image (67108864 bytes)"
else
	skip "collect --image FILE and its triage" "ndctl not installed"
fi

# a piece changed after collection: the manifest says otherwise
rm -rf "$T/x" && mkdir "$T/x"
zstd -dc "$T/t.tar.zst" | tar -C "$T/x" -xf -
echo "tampered" >>"$T/x/pmemscan-bundle/iomem.txt"
(cd "$T/x" && tar -cf - pmemscan-bundle/BUNDLE $(find pmemscan-bundle -type f ! -name BUNDLE | sort)) >"$T/bad.tar"
"$PMEMSCAN" "$T/bad.tar" >"$T/bad.txt" 2>&1; rc=$?
check "triage: a changed piece is named (MISMATCH iomem.txt) and the exit is 1 (got $rc)" \
	sh -c "[ $rc -eq 1 ] && grep -q 'MISMATCH: iomem.txt' '$T/bad.txt'"
# a bundle whose manifest is gone is refused as incomplete
(cd "$T/x" && tar -cf - pmemscan-bundle/BUNDLE pmemscan-bundle/iomem.txt) >"$T/nomani.tar"
expect_exit 3 "triage: a bundle without its manifest is refused" "$PMEMSCAN" "$T/nomani.tar" 2>"$T/nm.err"
check "triage: ... saying so in one line" sh -c "[ \$(wc -l <'$T/nm.err') -eq 1 ] && grep -q 'manifest.json is missing' '$T/nm.err'"
# a tar that is not a bundle is scanned as an image, as before
tar -C "$T/lsa" -cf "$T/plain.tar" v12.lsa
"$PMEMSCAN" "$T/plain.tar" >"$T/plain.txt" 2>&1
check "triage: another tar is not taken for a bundle: scanned, its label area after the 512-byte tar header" \
	sh -c "grep -q '^  0x000000000200  NAMESPACE_INDEX label area' '$T/plain.txt' && ! grep -q '^bundle:' '$T/plain.txt'"

# an ndctl whose list has "dev": null (a DIMM, a namespace) before the real
# ones: not a crash (issue 21), those entries name nothing
sed 's/"dimms":\[{"dev":"nmem0"},{"dev":"nmem1"}\]/"dimms":[{"dev":null},{"dev":"nmem0"}]/; s/"namespaces":\[/"namespaces":[{"dev":null,"mode":"fsdax","size":1},/' \
	"$T/bin/ndctl" >"$T/bin/ndctl-null"
chmod +x "$T/bin/ndctl-null"
check "fixture: the list holds \"dev\":null twice" \
	test "$("$T/bin/ndctl-null" list | grep -o '"dev":null' | wc -l)" -eq 2
"$PMEMSCAN" collect --ndctl "$T/bin/ndctl-null" --root "$R" -o "$T/null.tar.zst" --image namespace0.0 \
	>/dev/null 2>"$T/null.err"; rc=$?
same_value "collect: \"dev\": null in ndctl's list is no crash, the rest is collected (exit 0)" "$rc" 0
check "collect: the namespace and the DIMM named by strings are in the bundle, nothing for the nulls" \
	sh -c "zstd -dc '$T/null.tar.zst' | tar -tf - >'$T/null.list' && grep -q 'images/namespace0.0.img' '$T/null.list' &&
		grep -q 'labels/nmem0.bin' '$T/null.list' && [ \$(grep -c 'labels/' '$T/null.list') -eq 1 ]"

# --- the kernel log: only lines about pmem (docs/collect.md), tried on the
# real kernel log with lines written into it through /dev/kmsg ---
if [ -w /dev/kmsg ] && echo "pmemscan-test-$$: start" 2>/dev/null >/dev/kmsg; then
	tag=pmemscan-test-$$
	for l in "TCP bind hash table entries and found 2 devices" "last_pfn = 0x640000 max_arch_pfn" \
		"HugeTLB: 28 KiB vmemmap can be freed" "pmemscan[999]: segfault at 0" \
		"PCI: host bridge region reserved" "Command line: root=/dev/sda1 secret=hunter2 memmap=4G!12G nd_pmem.x=1 quiet" \
		"nd_pmem namespace0.0: unable to guarantee persistence of writes" \
		"EXT4-fs (pmem0): DAX enabled. Warning: EXPERIMENTAL" "XFS (pmem1s): Mounting V5 Filesystem" \
		"nfit ACPI0012:00: found a zero length table" "dax_pmem dax0.1: ready" "libnvdimm: loaded"; do
		echo "$tag: $l" >/dev/kmsg
	done
	collect -o "$T/klog.tar" >/dev/null 2>&1
	tar -xOf "$T/klog.tar" pmemscan-bundle/dmesg.txt >"$T/dmesg.txt" 2>/dev/null
	grep "$tag" "$T/dmesg.txt" | sed "s/.*$tag: //" >"$T/ours"
	printf '%s\n' "Command line: memmap=4G!12G nd_pmem.x=1" \
		"nd_pmem namespace0.0: unable to guarantee persistence of writes" \
		"EXT4-fs (pmem0): DAX enabled. Warning: EXPERIMENTAL" "XFS (pmem1s): Mounting V5 Filesystem" \
		"nfit ACPI0012:00: found a zero length table" "dax_pmem dax0.1: ready" "libnvdimm: loaded" >"$T/want"
	same_output "collect: of the lines written to the kernel log, exactly the pmem ones (the command line cut to its pmem parameters)" \
		"$T/ours" "$T/want"
	check "collect: no kernel log line without a pmem word (checked by a separate word list)" python3 -c '
import re, sys
word = re.compile(r"^(nvdimm|libnvdimm|nfit|pmem|dax|fsdax|devdax|btt|pfn|memmap|nd_\S+|dax_\S+|pmem\d+s?|nmem\d+|region\d+|ndbus\d+|(namespace|pfn|dax|btt)\d+\.\d+)$", re.I)
lines = open(sys.argv[1]).read().splitlines()
bad = [l for l in lines if "command line:" not in l.lower()
       and not any(word.match(w.rstrip(".")) for w in re.split(r"[\s:,;()\[\]{}<>=\"\x27/|!@+*]+", l))]
print("\n".join(bad), file=sys.stderr)
sys.exit(1 if bad or not lines else 0)' "$T/dmesg.txt"
	check "collect: no secret from the kernel command line" sh -c "! grep -q hunter2 '$T/dmesg.txt' && grep -q 'memmap=4G!12G' '$T/dmesg.txt'"
else
	skip "collect: the kernel log filter" "/dev/kmsg is not writable here"
fi

# the bundle is never one of the files read into it (issue 21 item 3): a
# BUNDLE that is a hard link to the namespace's device, --force or not, is
# refused with one line and exit 3, and the device keeps every byte
ln "$R/dev/pmem0" "$T/dev.tar"
collect -o "$T/dev.tar" --force --image namespace0.0 >/dev/null 2>"$T/dev.err"; rc=$?
check "collect -o a hard link to the imaged device --force: exit 3, one line says it is the input" \
	sh -c "[ $rc -eq 3 ] && [ \$(grep -c 'is the input' '$T/dev.err') -eq 1 ] && grep -q '^pmemscan: collect: $T/dev.tar: is the input $R/dev/pmem0' '$T/dev.err'"
check "... the device is byte-identical and no dev.tar.partial is left" \
	sh -c "[ \"\$(sha256sum <'$R/dev/pmem0')\" = '$dev_sum' ] && [ ! -e '$T/dev.tar.partial' ]"
done_testing
