#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench: scan and extract of an ext4 whose journal needs recovery (the
# recovered view, read through the journal overlay) next to the same
# filesystem clean (a copy the kernel recovered at mount), same files:
# seconds (best of 3, alternated) and peak RSS. Needs root (loop mount, and
# the goingdown ioctl via xfs_io); skipped otherwise.
# BENCH_DIR: where the images are cached (built once); BENCH_MD: markdown.
# The work: journal.inc.
J_NAME=journal J_WHAT=journal J_FS=ext4 J_LOG=journal J_MKFS="mkfs.ext4 -q -F"
j_md_intro() {
	echo "## Journal replay: a dirty ext4 next to the same one clean"
	echo
	echo "A 1 GiB ext4 left with a dirty journal by the kernel (2,000 files created"
	echo "and 256 renamed after the last sync, fsynced, then shut down without a log"
	echo "flush): $jline. Clean: the same image after the kernel recovered it."
}
. "$(dirname "$0")/journal.inc"
