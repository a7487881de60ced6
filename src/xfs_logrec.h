/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The XFS log replayed read-only (docs/journal.md "XFS: the log replayed read-only"): the
 * committed transactions from the tail to the head, their buffer, inode
 * and inode-create items applied as the kernel's recovery applies them,
 * into an overlay over the filesystem's source; the blocks changed
 * resealed (LSN and CRC), the superblock's counters recomputed, and the
 * log made clean in the overlay, as a mount and unmount would leave it.
 * Nothing is written to the source.
 */
#ifndef PS_XFS_LOGREC_H
#define PS_XFS_LOGREC_H
#include "imgsrc.h"
#include "journal.h"
#include "xfs_iunlink.h"
#include "xfs_log.h"
#include <stdbool.h>
#include <stddef.h>

/*
 * Look at the XFS filesystem on src (byte 0 = its superblock). st is
 * always filled (kind NONE when src holds no XFS). With replay set and a
 * dirty log, *view is the recovered view of src (src must outlive it;
 * close it with ps_src_close); else *view is NULL. PS_OK also when the
 * log cannot be replayed (st says why; the on-disk view stays);
 * PS_ENOMEM; PS_EIO when src cannot be read (message in err).
 */
int ps_xfs_journal_open(struct ps_src *src, bool replay, struct ps_journal *st,
			struct ps_src **view, char *err, size_t errlen);

/* The file mapping changes of the view under s (s or a source it reads
 * through) made in the read view only, in order (*v, their count; 0 when
 * s is no replayed XFS view): the XFS reader follows them
 * (docs/journal.md "Intents"). */
size_t ps_xfs_view_remaps(const struct ps_src *s, const struct ps_xremap **v);

/* The same over a log already examined (info, geometry g): for tests. */
int ps_xfs_journal_replay(struct ps_src *src, const struct ps_xfs_log_geom *g,
			  const struct ps_xfs_log_info *info, struct ps_journal *st,
			  struct ps_src **view);

#endif
