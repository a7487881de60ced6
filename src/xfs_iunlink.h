/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * After the XFS log replay (xfs_logrec.c), what the kernel's mount does
 * next to the inodes on the AGI unlinked lists (files unlinked while open
 * at the crash): each one inactivated, its data blocks freed into the free
 * space btrees, the inode freed in the inode btrees, the bucket emptied.
 * Done here in the overlay, for the cases that can be done exactly; an
 * inode that cannot is left on its list, whole, and reported.
 */
#ifndef PS_XFS_IUNLINK_H
#define PS_XFS_IUNLINK_H
#include "journal.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* a file mapping change done in the read view only (xfs_intent.c): reads
 * of inode ino's data in [off, off + len) blocks come from filesystem block
 * start on (map), or read as a hole (unmap, or an unwritten map) */
struct ps_xremap {
	uint64_t ino, off, len, start;
	bool map, unwritten;
};

/* read and write the recovered view (byte offsets of the filesystem); remap
 * (may be NULL) records a mapping change the reads of the view follow */
struct ps_xiu_io {
	void *ctx;
	int (*rd)(void *ctx, uint8_t *buf, size_t len, uint64_t off);
	int (*wr)(void *ctx, const uint8_t *buf, size_t len, uint64_t off);
	int (*remap)(void *ctx, const struct ps_xremap *r);
};

/* Walk every AG's unlinked buckets and free what can be freed exactly;
 * blocks changed get LSN lsn and their CRC. Fills st's iunlink_* fields.
 * PS_OK (also when nothing could be freed), PS_EIO, PS_ENOMEM. */
int ps_xfs_iunlink_process(const struct ps_xiu_io *io, uint64_t lsn, struct ps_journal *st);

#endif
