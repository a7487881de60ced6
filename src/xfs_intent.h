/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * After the XFS log replay (xfs_logrec.c): the intents the log holds
 * without their done item, as the kernel's mount finishes them before it
 * processes the unlinked lists (docs/journal.md "XFS: intents"). A BUI
 * (a file mapping change: reflink remap, copy-on-write completion) is
 * finished in the view when the inode's fork is in extents format and
 * stays so; everything else is left and reported: a BUI the view cannot
 * finish (a btree fork, a fork that would need converting), and every EFI,
 * RUI and CUI (free space, rmap and refcount btrees: no file read depends
 * on them).
 */
#ifndef PS_XFS_INTENT_H
#define PS_XFS_INTENT_H
#include "journal.h"
#include "xfs_iunlink.h"
#include <stddef.h>
#include <stdint.h>

/* one intent left without its done item: its item type (0x12xx) and its
 * first region as logged (the writer's byte order, little-endian) */
struct ps_xint {
	uint16_t type;
	const uint8_t *fmt;
	uint32_t len;
};

/* Finish or report v[0..n) in that order (the log's), reading and writing
 * the view through io; io NULL: report only (the replay stopped, the
 * kernel's mount fails before the intents). Fills st's intents_* fields.
 * PS_OK, PS_EIO, PS_ENOMEM. */
int ps_xfs_intents_finish(const struct ps_xiu_io *io, const struct ps_xint *v, size_t n,
			  struct ps_journal *st);

#endif
