#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench: scan and extract of an XFS whose log needs recovery (the log
# replayed read-only into the overlay, issue 24) next to the same filesystem
# clean (a copy the kernel recovered at mount), same files: seconds (best of
# 3, alternated) and peak RSS. Needs root (loop mount, and the goingdown
# ioctl via xfs_io); skipped otherwise. (The ext4 journal: journal.sh.)
# BENCH_DIR: where the images are cached (built once); BENCH_MD: markdown.
# The work: journal.inc.
J_NAME=xlog J_WHAT="xfs log" J_FS=XFS J_LOG=log J_MKFS="mkfs.xfs -q -f"
j_md_intro() {
	echo "## Log replay: a dirty XFS next to the same one clean"
	echo
	echo "A 1 GiB XFS (mkfs.xfs defaults) left with a dirty log by the kernel (2,000"
	echo "files created and 256 renamed after the last sync, fsynced, then shut down"
	echo "without a log flush): $jline. Clean: the same image after the kernel"
	echo "recovered it."
}
. "$(dirname "$0")/journal.inc"
