# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the tests that lay a filesystem out as the kernel does under
# DAX through a loop device at the legacy data start (dax-split-layout.sh,
# dax-split-self.sh), after lib.sh: skips unless the tools, root and
# tests/support/mkfx-pfn are there; sets mkfx, BS, dev (empty: the test
# sets it to its loop device), makes $T/mnt and a cleanup that unmounts it,
# detaches dev and removes $T; defines sha FILE (a file's sha256).
for t in jq losetup mkfs.ext4 debugfs mount; do
	command -v $t >/dev/null 2>&1 || skip_all "$t not installed"
done
[ "$(id -u)" -eq 0 ] || skip_all "needs root (a loop device at the legacy data start)"
mkfx=$top_builddir/tests/support/mkfx-pfn
[ -x "$mkfx" ] || skip_all "tests/support/mkfx-pfn not built"
BS=4096
dev=
mkdir "$T/mnt"
cleanup() {
	umount "$T/mnt" 2>/dev/null
	[ -n "$dev" ] && losetup -d "$dev" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
sha() { sha256sum <"$1" | cut -d' ' -f1; }
