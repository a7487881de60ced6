/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ext4 journal of a filesystem on a source: its state (needs
 * recovery, what recovery applies, where it stops) and, when asked, the
 * recovered view: a source that serves every block the kernel's journal
 * recovery would write from its copy in the journal, and the rest from
 * the source. Nothing is copied, nothing written (docs/journal.md).
 */
#ifndef PS_EXT_JOURNAL_H
#define PS_EXT_JOURNAL_H
#include "imgsrc.h"
#include "journal.h"
#include <stdbool.h>

/*
 * Look at the ext2/3/4 filesystem on src. st is always filled (kind NONE
 * when src holds no ext4 superblock or no journal). With replay set and a
 * journal the kernel would recover (RECOVER set), *view is the recovered
 * view of src (src must outlive it; close it with ps_src_close); else
 * *view is NULL and the source is what the kernel would see. PS_OK also
 * when the journal is unusable (st->bad says why, the on-disk view stays);
 * PS_ENOMEM; PS_EIO when src itself cannot be read (message in err).
 */
int ps_ext_journal_open(struct ps_src *src, bool replay, struct ps_journal *st,
			struct ps_src **view, char *err, size_t errlen);
/* The same with the mode of --journal: IGNORE is replay false, REPLAY
 * replay true; BACKUP also replays, from the journal the superblock's
 * backup of the journal inode's map (s_jnl_blocks) gives, when the inode
 * itself is damaged and that journal is valid (st->from_backup). */
int ps_ext_journal_open_mode(struct ps_src *src, enum ps_journal_mode mode,
			     struct ps_journal *st, struct ps_src **view, char *err,
			     size_t errlen);

/*
 * Does view, a recovered view from ps_ext_journal_open, serve filesystem
 * block blk itself (a copy replayed from the journal, or a block the
 * mount's orphan cleanup changes) instead of reading it from its source?
 * Those are the blocks the kernel writes when it mounts the filesystem:
 * a write into the image there is overwritten at the next mount. false
 * for any other source.
 */
bool ps_ext_journal_serves(const struct ps_src *view, uint64_t blk);

#endif
