/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The state of a filesystem's journal (ext4's jbd2) or log (XFS), as the
 * reports show it: common to both kinds so that scan, ls, extract and
 * carve say the same things whichever filesystem it is. Data only; the
 * words are the CLI's (cmd/render_journal.c).
 */
#ifndef PS_JOURNAL_H
#define PS_JOURNAL_H
#include <stdbool.h>
#include <stdint.h>

enum ps_journal_kind {
	PS_JOURNAL_NONE = 0,	/* no journal (ext2), or not looked at */
	PS_JOURNAL_JBD2,	/* ext3/ext4 journal in an inode */
	PS_JOURNAL_JBD2_EXTERNAL,	/* ext3/ext4 journal on another device */
	PS_JOURNAL_XFS,		/* XFS log (filled by src/xfs_log*.c) */
};

/* Where and why the log walk ended (the kernel's recovery ends there too). */
enum ps_journal_stop {
	PS_JSTOP_NONE = 0,	/* nothing walked (clean, or not replayed) */
	PS_JSTOP_END,		/* end of the log: a block without the magic */
	PS_JSTOP_SEQ,		/* end of the log: a block of another sequence */
	PS_JSTOP_BLOCKTYPE,	/* a block of an unknown type inside the log */
	PS_JSTOP_COMMIT_CSUM,	/* a commit block with a bad checksum */
	PS_JSTOP_STALE,		/* bad checksum in an older (stale) transaction */
	PS_JSTOP_DESC_CSUM,	/* descriptor/revoke checksum bad in a live
				 * transaction: the kernel replays nothing */
	PS_JSTOP_REVOKE_SIZE,	/* revoke block's r_count beyond its block */
	PS_JSTOP_READ,		/* a journal block could not be read / mapped */
	PS_JSTOP_TOO_LONG,	/* the log runs longer than the journal */
	/* XFS (stop_jblk is then a log block, stop_lsn its record) */
	PS_JSTOP_XLOG_RECORD,	/* a record the kernel refuses (stop_field) */
	PS_JSTOP_XLOG_ITEM,	/* an item the kernel's recovery rejects */
	PS_JSTOP_XLOG_OUTSIDE,	/* an item pointing outside the filesystem */
	PS_JSTOP_XLOG_TOO_BIG,	/* open transactions beyond the memory bound */
};

/* Why a journal could not be replayed at all (journal_bad). */
enum ps_journal_bad {
	PS_JBAD_NONE = 0,
	PS_JBAD_INODE,		/* journal inode unusable (deleted, not a file) */
	PS_JBAD_MAP,		/* journal inode maps a block outside the fs */
	PS_JBAD_MAGIC,		/* journal superblock: bad magic */
	PS_JBAD_BLOCKTYPE,	/* journal superblock: not v1/v2 */
	PS_JBAD_BLOCKSIZE,	/* journal block size != fs block size */
	PS_JBAD_TOO_SHORT,	/* s_maxlen beyond the journal inode */
	PS_JBAD_FIRST,		/* s_first out of range */
	PS_JBAD_START,		/* s_start out of range */
	PS_JBAD_FEATURES,	/* unknown incompat or ro_compat features */
	PS_JBAD_CSUM_MIX,	/* contradictory checksum features */
	PS_JBAD_CSUM,		/* journal superblock checksum bad */
	PS_JBAD_EXTERNAL,	/* an external journal device: not in the image */
	PS_JBAD_READ,		/* the journal superblock could not be read */
};

/* Which view of an ext4 with a journal to recover (--journal). */
enum ps_journal_mode {
	PS_JMODE_IGNORE,	/* the on-disk view */
	PS_JMODE_REPLAY,	/* the kernel's: the journal replayed */
	PS_JMODE_BACKUP,	/* as REPLAY; when the journal inode is damaged,
				 * the journal mapped by the superblock's
				 * backup (s_jnl_blocks) is replayed */
};

/* What is wrong with an ext4 journal inode (bad INODE or MAP). */
enum ps_jinode_why {
	PS_JINO_OK = 0,
	PS_JINO_RANGE,		/* s_journal_inum outside the inode table */
	PS_JINO_READ,		/* the inode cannot be read */
	PS_JINO_LINKS,		/* i_links_count 0: deleted */
	PS_JINO_MODE,		/* not a regular file */
	PS_JINO_SIZE,		/* i_size under 2 blocks or beyond the fs */
	PS_JINO_MAP,		/* its block map is corrupt, or block 0 unmapped */
};

/* The superblock's backup of the journal inode's block map (s_jnl_blocks,
 * s_jnl_backup_type 1): what e2fsck uses when the inode is damaged; the
 * kernel never reads it. Evidence only: nothing is replayed from it. */
struct ps_jnl_backup {
	bool present;		/* s_jnl_backup_type says it holds the map */
	bool differs;		/* its i_block/i_size differ from the inode's */
	bool usable;		/* it maps a journal whose superblock is valid */
	bool log_present;	/* that journal's log is not empty */
	uint32_t seq_start, seq_end;
	uint64_t transactions, blocks, distinct;
	bool mount_fails;	/* its recovery would fail */
};

struct ps_journal {
	enum ps_journal_kind kind;
	bool needs_recovery;	/* the fs says the journal is in use
				 * (ext4 RECOVER) and the log is not empty */
	bool log_present;	/* the log is not empty (jbd2 s_start != 0) */
	bool discarded;		/* log present but RECOVER clear: the kernel
				 * discards it, replays nothing */
	enum ps_journal_bad bad;	/* the journal could not be used */
	bool replayed;		/* the view serves the recovered blocks */
	bool ignored;		/* --journal ignore: the on-disk view */
	uint32_t seq_start;	/* first sequence (tid) of the log */
	uint32_t seq_end;	/* first sequence not recovered */
	uint64_t log_start;	/* journal block the log starts at */
	uint64_t transactions;	/* committed transactions recovery applies */
	uint64_t blocks;	/* block copies written by recovery */
	uint64_t distinct;	/* distinct filesystem blocks they change */
	uint64_t revokes;	/* revoke records */
	uint64_t revoke_hits;	/* copies skipped because revoked */
	uint64_t escaped;	/* copies whose magic was escaped */
	uint64_t bad_data;	/* copies skipped: data checksum bad */
	uint64_t beyond_fs;	/* copies skipped: home block beyond the fs */
	uint64_t beyond_fs_jblk;	/* journal block of the first of those */
	enum ps_journal_stop stop;
	uint64_t stop_jblk;	/* journal block where the walk ended */
	uint32_t stop_seq;	/* sequence expected there */
	bool mount_fails;	/* the kernel's mount would fail after recovery */
	unsigned kernel_rules;	/* the Linux version whose recovery rules were
				 * applied: 612 (6.12) or 601 (6.1) */
	uint64_t partial_commit_jblk;	/* a commit block damaged after its first
					 * 64 bytes, accepted as 6.12 does (6.1
					 * ends the log there and its mount
					 * fails); 0: none */
	uint32_t partial_commit_seq;
	/* ext4 after the journal */
	bool fast_commit;	/* fast-commit blocks the kernel would replay:
				 * not replayed here */
	uint32_t orphans;	/* inodes on the orphan list */
	uint32_t orphans_deleted;	/* of those: unlinked (no links) */
	bool orphans_done;	/* the view has them processed as the mount does */
	uint32_t orphan_file_ino;	/* the orphan file (orphan_file feature), 0: none */
	uint32_t orphan_file_entries;	/* of orphans: the orphan file's entries */
	uint64_t orphan_file_bad;	/* fs block of an orphan file block with a bad
					 * magic or checksum (the kernel's mount
					 * fails), 0: none */
	uint32_t journal_ino;	/* journal inode (ext4) */
	enum ps_jinode_why jinode_why;	/* bad INODE/MAP: what is wrong */
	uint64_t jinode_blk;	/* the fs block holding the journal inode */
	uint32_t jinode_off;	/* its byte offset in that block */
	struct ps_jnl_backup backup;	/* s_jnl_blocks, when the inode is bad */
	uint32_t ext_dev;	/* external journal: s_journal_dev (dev_t) */
	uint8_t ext_uuid[16];	/* external journal: s_journal_uuid */
	bool from_backup;	/* PS_JMODE_BACKUP: replayed from the journal
				 * the backup maps (the kernel refuses to
				 * mount: mount_fails is set) */
	uint32_t jsb_version;	/* journal superblock version (1 or 2) */
	uint32_t jsb_incompat;	/* journal incompat features */
	uint32_t jsb_compat;
	/* XFS (kind PS_JOURNAL_XFS; src/xfs_logrec.c) */
	uint64_t tail_lsn, head_lsn;	/* the log's tail and head */
	uint64_t lsn_first, lsn_last;	/* LSNs of the first and last
					 * transaction replayed */
	uint64_t stop_lsn;		/* the record where replay stopped */
	const char *stop_field;		/* the field or item type at fault */
	uint64_t items;			/* log items replayed */
	uint64_t buf_items, inode_items, icreate_items;
	uint64_t cancelled;		/* items not replayed: buffer cancelled */
	uint64_t lsn_newer;		/* not replayed: the disk is newer */
	uint64_t trans_open;		/* transactions never committed */
	uint64_t intents_open;		/* intents without their done item that
					 * the view leaves unfinished */
	uint64_t intents_bmap;		/* of those: BUI (file mappings) */
	uint64_t intents_efi, intents_rmap, intents_refc, intents_other;
	uint64_t intents_finished;	/* BUIs without their done item finished
					 * in the view as the kernel finishes
					 * them (src/xfs_intent.c) */
	bool intents_rmap_followup;	/* rmapbt: those BUIs' rmap updates,
					 * which the kernel makes too, are not */
	struct ps_xintent {
		enum ps_xintent_kind {
			PS_XINT_BUI = 1, PS_XINT_EFI, PS_XINT_RUI, PS_XINT_CUI, PS_XINT_OTHER
		} kind;
		enum ps_xintent_why {
			PS_XIW_KERNEL = 0,	/* EFI/RUI/CUI: space metadata only */
			PS_XIW_FULL,		/* BUI: the fork would need a btree
						 * (read view only) */
			PS_XIW_NOT_HOLE,	/* BUI map: the range is mapped */
			PS_XIW_INODE,		/* BUI: no such inode in use */
			PS_XIW_FORK,		/* BUI: no such fork (attr), or local */
			PS_XIW_REALTIME,	/* BUI: a realtime extent */
			PS_XIW_BAD,		/* BUI: fails the kernel's checks */
			PS_XIW_STOPPED,		/* BUI: the kernel's recovery stops
						 * before the intents */
			/* BUI done in the read view only (src/xfs_intent.c):
			 * the on-disk bmbt change needs a block the kernel
			 * allocates or frees */
			PS_XIW_BT_SPLIT,	/* a full leaf splits */
			PS_XIW_BT_REBAL,	/* a leaf under its minimum
						 * borrows or joins */
			PS_XIW_BT_TOEXT,	/* the fork turns back into
						 * extents (its leaf freed) */
			PS_XIW_AFTER,		/* an earlier change to the same
						 * fork is in the read view only */
		} why;
		uint16_t log_type;	/* the item type (0x12xx) */
		uint32_t op;		/* BUI/RUI/CUI: type byte and flags */
		uint32_t nextents;	/* extents the intent names */
		uint64_t owner;		/* BUI/RUI: inode (or owner code) */
		uint64_t offset;	/* BUI/RUI: file block */
		uint64_t start;		/* first extent: filesystem block */
		uint64_t len;		/* first extent: blocks */
		uint64_t blocks;	/* all its extents: blocks */
		bool in_view;		/* BUI: done in the read view only */
		char *path;		/* BUI: the owner's path in the
					 * recovered tree ("/a/b"), NULL when
					 * not known; the scan's report
					 * (triage.c) fills and frees it */
	} intents_v[8];			/* the first left unfinished */
	uint64_t intents_v_n;		/* entries of intents_v in use */
	uint64_t intents_view_only;	/* of intents_finished: done in the
					 * read view only (why PS_XIW_FULL or
					 * PS_XIW_BT_*): the on-disk fork is
					 * not the kernel's */
	struct ps_xintent intents_view_v[8];	/* the first of those */
	uint64_t intents_view_v_n;
	uint64_t skipped_quota;		/* dquot items (quotas not replayed) */
	bool log_cleaned;		/* the view's log is clean */
	/* the AGI unlinked lists, processed after recovery as the mount
	 * does (src/xfs_iunlink.c) */
	uint64_t iunlink_freed;		/* inodes freed */
	uint64_t iunlink_blocks;	/* their data blocks freed */
	uint64_t iunlink_left;		/* left on their lists */
	struct {
		uint64_t ino;
		const char *why;	/* what could not be done exactly */
	} iunlink_left_v[8];		/* the first of them */
};

/* ---- decisions on a journal's state (the words are cmd/render_journal.c's) ---- */

/* Does the view differ from what the kernel's mount shows, in the files it
 * reads: the mount fails, a needed recovery could not be done, fast
 * commits not replayed, or BUIs (file mappings) left unfinished? */
static inline bool ps_journal_view_differs(const struct ps_journal *j)
{
	return j->mount_fails || (j->needs_recovery && j->bad) || (j->fast_commit && j->replayed) ||
	       (j->kind == PS_JOURNAL_XFS && j->replayed && j->intents_bmap);
}

/* XFS, replayed: the intents left unfinished that name space, not files
 * (EFI, RUI, CUI and others: all but the BUIs). */
static inline uint64_t ps_journal_xfs_space_left(const struct ps_journal *j)
{
	return j->kind == PS_JOURNAL_XFS && j->replayed ? j->intents_open - j->intents_bmap : 0;
}

/* XFS, replayed: the rmap btree lacks the updates of the BUIs finished
 * here. */
static inline bool ps_journal_xfs_rmap_stale(const struct ps_journal *j)
{
	return j->kind == PS_JOURNAL_XFS && j->replayed && j->intents_rmap_followup;
}

/* XFS, replayed: BUIs done in the read view only (their on-disk bmbt
 * change needs a block the kernel's allocator picks): the files read as
 * the kernel shows them, the inode's block map on disk is not the
 * kernel's. */
static inline bool ps_journal_xfs_map_view_only(const struct ps_journal *j)
{
	return j->kind == PS_JOURNAL_XFS && j->replayed && j->intents_view_only;
}

/* Does an image written from the view (carve) still need the kernel's
 * recovery or xfs_repair to be the filesystem the mount leaves: the view
 * differs, or metadata the mount would mend is left as the log found it
 * (XFS unlinked inodes not freed, space intents unfinished, a stale
 * rmap btree, a block map changed in the read view only)? No file read
 * from it differs in the latter cases. */
static inline bool ps_journal_image_unfinished(const struct ps_journal *j)
{
	return ps_journal_view_differs(j) ||
	       (j->kind == PS_JOURNAL_XFS && j->iunlink_left) ||
	       ps_journal_xfs_space_left(j) || ps_journal_xfs_rmap_stale(j) ||
	       ps_journal_xfs_map_view_only(j);
}

#endif
