/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The XFS log of a filesystem, read-only (xfs-log-recovery.md "Where the log is" to "Operations, transactions, passes",
 * docs/journal.md, "XFS"): where it is, its head and tail found as the kernel
 * finds them at mount (cycle numbers of every 512-byte block, the binary
 * search for the cycle change, the scan windows, the record checks, the
 * torn-write trimming), whether it is clean (an unmount record at the head)
 * or needs recovery, and for a dirty log what recovery would replay: the
 * records from the tail to the head, the committed transactions among them,
 * the log blocks, the LSN range. Nothing is replayed here.
 *
 * Pure over a ps_src (the filesystem's device, the log inside it); memory
 * is bounded by one log record (at most 256 KiB plus its headers) and a
 * read buffer, whatever the log's size (up to 2 GiB).
 */
#ifndef PS_XFS_LOG_H
#define PS_XFS_LOG_H
#include "imgsrc.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the log needs from the superblock (xfs-log-recovery.md "Where the log is"). */
struct ps_xfs_log_geom {
	bool external;		/* sb_logstart 0: the log is on another device */
	uint64_t start_bb;	/* first 512-byte block of the log on the device */
	uint32_t size_bb;	/* log length in 512-byte blocks */
	uint32_t sect_bb;	/* log sector size in 512-byte blocks */
	uint32_t sunit;		/* log stripe unit in bytes (sb_logsunit) */
	bool v2;		/* a v2 log (LOGV2BIT, or any v5 filesystem) */
	bool v5;		/* a v5 (CRC) filesystem */
	uint8_t uuid[16];	/* sb_uuid: every record's h_fs_uuid */
};

/* The primary superblock (at least 256 bytes from the start of the
 * filesystem): PS_OK, PS_ETRUNC, PS_ENOTFOUND (no XFSB) or PS_EFORMAT (a
 * field out of range; *bad_field names it). Pure. */
int ps_xfs_log_geom(const uint8_t *sb, size_t len, struct ps_xfs_log_geom *g,
		    const char **bad_field);
/* The same from a decoded superblock (ps_xsb_read). */
struct ps_xsb;
int ps_xfs_log_geom_sb(const struct ps_xsb *x, struct ps_xfs_log_geom *g,
		       const char **bad_field);

enum ps_xlog_state {
	PS_XLOG_UNKNOWN = 0,	/* not examined */
	PS_XLOG_CLEAN,		/* unmount record at the head: tail == head */
	PS_XLOG_DIRTY,		/* tail != head: mount would run recovery */
	PS_XLOG_EMPTY,		/* totally zeroed (cycle 0 at block 0) */
	PS_XLOG_EXTERNAL,	/* on another device: not in this image */
	PS_XLOG_BAD,		/* the kernel would refuse to mount (why) */
};

/* Why a log is PS_XLOG_BAD (and where: bad_bb, a log block). */
enum ps_xlog_why {
	PS_XLOG_WHY_NONE = 0,
	PS_XLOG_WHY_SB,		/* a superblock field placing it is out of
				 * range (bad_field names it) */
	PS_XLOG_WHY_OUTSIDE,	/* the log lies past the end of the device */
	PS_XLOG_WHY_UNREADABLE,	/* a read failed (err holds the code) */
	PS_XLOG_WHY_NO_HEADER,	/* no record header before the head */
	PS_XLOG_WHY_HEADER,	/* a record header fails its checks (field) */
	PS_XLOG_WHY_UUID,	/* a record of another filesystem */
	PS_XLOG_WHY_CRC,	/* a record's CRC fails far from the head */
	PS_XLOG_WHY_OPS,	/* a record's operations run past its data */
};

struct ps_xfs_log_info {
	enum ps_xlog_state state;
	enum ps_xlog_why why;	/* PS_XLOG_BAD */
	int err;		/* PS_XLOG_WHY_UNREADABLE: the PS_E* code */
	uint32_t bad_bb;	/* the log block concerned */
	const char *bad_field;	/* the record header field, or NULL */
	uint64_t log_off;	/* byte offset of the log on the device */
	uint32_t log_bbs;	/* its length in 512-byte blocks */
	bool v5;		/* record CRCs were checked (always when set) */
	/* head and tail, as LSNs (cycle << 32 | block) */
	uint64_t head_lsn, tail_lsn;
	/* torn writes: the head the cycle search found, before trimming */
	bool head_trimmed;
	uint32_t found_head_bb;
	bool tail_moved;	/* the tail was overwritten and moved forward */
	uint32_t found_tail_bb;
	/* DIRTY: what recovery would walk and replay */
	uint64_t records;	/* record headers from the tail to the head */
	uint64_t blocks;	/* log blocks from the tail to the head */
	uint64_t ops;		/* operations in them */
	uint64_t trans;		/* committed transactions (a COMMIT op of a
				 * transaction whose START is in the range) */
	uint64_t trans_open;	/* started, never committed: discarded */
	uint64_t first_lsn, last_lsn;	/* first and last record replayed */
	uint64_t bad_crc;	/* records whose CRC fails (v4: warnings) */
};

#define PS_XLOG_CYCLE(lsn) ((uint32_t)((lsn) >> 32))
#define PS_XLOG_BLOCK(lsn) ((uint32_t)(lsn))

/* Examine the log of geometry g on dev (the filesystem's device: its
 * byte 0 is daddr 0). PS_OK with out->state set (a log the kernel would
 * refuse is PS_XLOG_BAD, not an error); PS_ENOMEM. Reads go through dev;
 * a failed read makes the state BAD/UNREADABLE. */
int ps_xfs_log_examine(struct ps_src *dev, const struct ps_xfs_log_geom *g,
		       struct ps_xfs_log_info *out);

/* One record of a dirty log, walked from the tail to the head:
 * its LSN, its log block, its data with the cycle stamping undone (len
 * bytes; the operations were checked to lie inside it) and its op count.
 * Nonzero stops the walk, and ps_xfs_log_walk returns it. */
typedef int (*ps_xlog_rec_cb)(void *ctx, uint64_t lsn, uint32_t blk, const uint8_t *data,
			      uint32_t len, uint32_t nops);

/* Walk the records of a log that ps_xfs_log_examine found DIRTY (info),
 * from its tail to its head, as the kernel's recovery passes do, handing
 * each to cb. out gets the counts of this walk (and, when a record fails
 * the checks, state BAD with why and bad_bb). PS_OK; PS_EINVAL (not a
 * dirty log); PS_EFORMAT (a bad record: out says which); PS_ENOMEM; or
 * cb's code. Memory: one record and a read buffer. */
int ps_xfs_log_walk(struct ps_src *dev, const struct ps_xfs_log_geom *g,
		    const struct ps_xfs_log_info *info, ps_xlog_rec_cb cb, void *ctx,
		    struct ps_xfs_log_info *out);

/* The superblock at dev's byte 0, then the log: PS_OK (out->state set;
 * superblock fields out of range make it BAD/SB), PS_ENOTFOUND (not XFS,
 * state UNKNOWN), PS_EIO (state BAD/UNREADABLE), PS_ENOMEM. */
int ps_xfs_log_probe(struct ps_src *dev, struct ps_xfs_log_info *out);

const char *ps_xlog_state_name(enum ps_xlog_state s);
const char *ps_xlog_why_name(enum ps_xlog_why w);

/* A log operation header (xlog_op_header, 12 bytes) and its flags, shared
 * by the head/tail search (xfs_log.c) and the replay (xfs_logrec.c). */
#define PS_XLOG_OP_HDR 12u
#define PS_XLOG_OP_START 0x01
#define PS_XLOG_OP_COMMIT 0x02
#define PS_XLOG_OP_CONTINUE 0x04
#define PS_XLOG_OP_WAS_CONT 0x08
#define PS_XLOG_OP_END 0x10
#define PS_XLOG_OP_UNMOUNT 0x20

#endif
