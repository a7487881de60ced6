/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The journal of a filesystem in words (src/journal.h): one line for the
 * commands that read files, a block for the scan's text and HTML reports,
 * an object for its JSON (docs/json-schema.md, docs/journal.md).
 */
#include "render.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const char *render_journal_stop_name(enum ps_journal_stop s)
{
	switch (s) {
	case PS_JSTOP_NONE: return "not walked";
	case PS_JSTOP_END: return "end of the log (a block without the journal magic)";
	case PS_JSTOP_SEQ: return "end of the log (a block of another transaction)";
	case PS_JSTOP_BLOCKTYPE: return "a block of an unknown type in the log";
	case PS_JSTOP_COMMIT_CSUM: return "a commit block with a bad checksum (that transaction is not replayed)";
	case PS_JSTOP_STALE: return "a bad checksum in an older, stale transaction (end of the log)";
	case PS_JSTOP_DESC_CSUM: return "a descriptor or revoke block with a bad checksum in a live transaction (the kernel replays nothing)";
	case PS_JSTOP_REVOKE_SIZE: return "a revoke block whose record count is larger than the block (the kernel replays nothing)";
	case PS_JSTOP_READ: return "a journal block that cannot be read or lies outside the filesystem";
	case PS_JSTOP_TOO_LONG: return "the log runs on longer than the journal (a corrupt journal going round)";
	case PS_JSTOP_XLOG_RECORD: return "a log record the kernel refuses (bad header, CRC or operations)";
	case PS_JSTOP_XLOG_ITEM: return "a log item the kernel's recovery rejects";
	case PS_JSTOP_XLOG_OUTSIDE: return "a log item pointing outside the filesystem";
	case PS_JSTOP_XLOG_TOO_BIG: return "open transactions larger than the log itself (a corrupt log)";
	}
	return "?";
}

/* why a BUI is left unfinished in the view */
const char *render_xintent_why(enum ps_xintent_why w)
{
	switch (w) {
	case PS_XIW_KERNEL: return "the kernel's work on space metadata";
	case PS_XIW_FULL: return "the kernel converts the fork to a btree";
	case PS_XIW_BT_SPLIT: return "bmbt split needed (a full leaf: the kernel allocates a block)";
	case PS_XIW_BT_REBAL: return "bmbt rebalance needed (a leaf under its minimum borrows from or joins a sibling)";
	case PS_XIW_BT_TOEXT: return "the kernel turns the btree fork back into extents (its leaf freed)";
	case PS_XIW_AFTER: return "an earlier change to the same file is in the read view only";
	case PS_XIW_NOT_HOLE: return "the range to map is not a hole";
	case PS_XIW_INODE: return "the inode is not in use";
	case PS_XIW_FORK: return "no such fork, or not in extents format";
	case PS_XIW_REALTIME: return "a realtime extent (not done here)";
	case PS_XIW_BAD: return "it fails the kernel's checks: its mount fails";
	case PS_XIW_STOPPED: return "the kernel's recovery stops before it";
	}
	return "?";
}

static const char *xintent_kind(enum ps_xintent_kind k)
{
	switch (k) {
	case PS_XINT_BUI: return "BUI";
	case PS_XINT_EFI: return "EFI";
	case PS_XINT_RUI: return "RUI";
	case PS_XINT_CUI: return "CUI";
	case PS_XINT_OTHER: break;
	}
	return "other";
}

/* one intent left unfinished: what it names and what the kernel does */
void render_xintent_line(const struct ps_xintent *e, char *buf, size_t len)
{
	static const char *const rmap_op[] = { "?", "map", "map shared", "unmap", "unmap shared",
					       "convert", "convert shared", "alloc", "free" };
	static const char *const refc_op[] = { "?", "increase", "decrease", "alloc cow", "free cow" };
	uint32_t t = e->op & 0xff;
	switch (e->kind) {
	case PS_XINT_BUI:
		if (e->in_view) {
			snprintf(buf, len, "BUI %s inode %" PRIu64 " data fork, file block %" PRIu64 ", %" PRIu64 " block(s) at filesystem block %" PRIu64 "%s: done in the read view only, %s; the file reads as the kernel shows it, its on-disk block map is not the kernel's",
				 t == 1 ? "map" : "unmap", e->owner, e->offset, e->len, e->start,
				 e->op & (1u << 30) ? " (unwritten)" : "", render_xintent_why(e->why));
			break;
		}
		snprintf(buf, len, "BUI %s inode %" PRIu64 " %s fork, file block %" PRIu64 ", %" PRIu64 " block(s) at filesystem block %" PRIu64 "%s: left unfinished, %s; the file's blocks in that range may differ from what the kernel shows",
			 t == 1 ? "map" : t == 2 ? "unmap" : "(bad type)", e->owner,
			 e->op & (1u << 31) ? "attribute" : "data", e->offset, e->len, e->start,
			 e->op & (1u << 30) ? " (unwritten)" : "", render_xintent_why(e->why));
		break;
	case PS_XINT_EFI:
		snprintf(buf, len, "EFI %" PRIu32 " extent(s), %" PRIu64 " block(s) (the first: filesystem block %" PRIu64 ", %" PRIu64 " block(s)): the kernel frees them at mount; here they stay allocated",
			 e->nextents, e->blocks, e->start, e->len);
		break;
	case PS_XINT_RUI:
		snprintf(buf, len, "RUI %" PRIu32 " rmap update(s) (the first: %s, owner %" PRIu64 ", filesystem block %" PRIu64 ", %" PRIu64 " block(s)): the kernel updates the rmap btree at mount",
			 e->nextents, t < 9 ? rmap_op[t] : "?", e->owner, e->start, e->len);
		break;
	case PS_XINT_CUI:
		snprintf(buf, len, "CUI %" PRIu32 " refcount update(s) (the first: %s, filesystem block %" PRIu64 ", %" PRIu64 " block(s)): the kernel updates the refcount btree at mount",
			 e->nextents, t < 5 ? refc_op[t] : "?", e->start, e->len);
		break;
	case PS_XINT_OTHER:
		snprintf(buf, len, "intent item 0x%04x: the kernel finishes it at mount; not done here",
			 e->log_type);
		break;
	}
}

const char *render_journal_bad_name(enum ps_journal_bad b)
{
	switch (b) {
	case PS_JBAD_NONE: return "usable";
	case PS_JBAD_INODE: return "the journal inode is unusable (deleted, not a regular file, or a bad size)";
	case PS_JBAD_MAP: return "the journal inode's block map is corrupt or has a hole";
	case PS_JBAD_MAGIC: return "the journal superblock has no jbd2 magic";
	case PS_JBAD_BLOCKTYPE: return "the journal superblock is neither version 1 nor 2";
	case PS_JBAD_BLOCKSIZE: return "the journal's block size is not the filesystem's";
	case PS_JBAD_TOO_SHORT: return "the journal superblock's s_maxlen is beyond the journal inode";
	case PS_JBAD_FIRST: return "the journal superblock's s_first is out of range";
	case PS_JBAD_START: return "the journal superblock's s_start is out of range";
	case PS_JBAD_FEATURES: return "the journal has features this reader (and the kernel) does not know";
	case PS_JBAD_CSUM_MIX: return "the journal superblock names contradictory checksum features";
	case PS_JBAD_CSUM: return "the journal superblock's checksum is bad";
	case PS_JBAD_EXTERNAL: return "the journal is on an external device, not in this image";
	case PS_JBAD_READ: return "the journal superblock cannot be read";
	}
	return "?";
}

#define LSNF "%" PRIu32 ":%" PRIu32
#define LSNA(l) (uint32_t)((l) >> 32), (uint32_t)(l)
static void render_xlog_journal_what(const struct ps_journal *j, char *w, size_t len)
{
	if (!j->replayed) {
		snprintf(w, len, "needs recovery: %" PRIu64 " committed transaction%s (tail LSN " LSNF ", head LSN " LSNF ")",
			 j->transactions, j->transactions == 1 ? "" : "s", LSNA(j->tail_lsn), LSNA(j->head_lsn));
		return;
	}
	snprintf(w, len, "needs recovery: %" PRIu64 " transaction%s (LSN " LSNF " to " LSNF "), %" PRIu64 " items (%" PRIu64 " buffers, %" PRIu64 " inodes, %" PRIu64 " inode chunks) changing %" PRIu64 " blocks",
		 j->transactions, j->transactions == 1 ? "" : "s", LSNA(j->lsn_first), LSNA(j->lsn_last),
		 j->items, j->buf_items, j->inode_items, j->icreate_items, j->distinct);
}

void render_journal_line(const struct ps_journal *j, char *buf, size_t len)
{
	buf[0] = 0;
	if (j->kind == PS_JOURNAL_NONE)
		return;
	if (j->bad && !j->needs_recovery) {
		snprintf(buf, len, "journal: %s (the filesystem is clean: nothing to replay)",
			 render_journal_bad_name(j->bad));
		return;
	}
	if (j->bad) {
		snprintf(buf, len, "journal: %s%s: not replayed; the files come from the on-disk view%s",
			 render_journal_bad_name(j->bad),
			 j->needs_recovery ? " and it needs recovery" : "",
			 j->needs_recovery ? ", which is stale" : "");
		return;
	}
	if (!j->needs_recovery) {
		if (j->discarded)
			snprintf(buf, len, "journal: clean (a log is present but the filesystem does not ask for recovery: the kernel discards it)");
		return;
	}
	char what[256];
	if (j->kind == PS_JOURNAL_XFS) {
		render_xlog_journal_what(j, what, sizeof(what));
		if (j->replayed && !j->mount_fails)
			snprintf(buf, len, "xfs log: %s; replayed: the files come from the recovered view, what the kernel shows after mounting it (--journal ignore for the on-disk view)", what);
		else if (j->replayed)
			snprintf(buf, len, "xfs log: %s; the kernel's recovery stops at log block %" PRIu64 " (%s: %s) and its mount fails: the view holds what it replays before that", what,
				 j->stop_jblk, render_journal_stop_name(j->stop), j->stop_field ? j->stop_field : "?");
		else if (j->mount_fails)
			snprintf(buf, len, "xfs log: needs recovery, but the kernel's recovery fails at log block %" PRIu64 " (%s: %s): NOT replayed; the files come from the on-disk view, which is stale",
				 j->stop_jblk, render_journal_stop_name(j->stop), j->stop_field ? j->stop_field : "?");
		else if (j->bad)
			snprintf(buf, len, "xfs log: %s: not replayed; the files come from the on-disk view%s",
				 render_journal_bad_name(j->bad), j->needs_recovery ? ", which is stale" : "");
		else
			snprintf(buf, len, "xfs log: %s; NOT replayed (--journal ignore): the files come from the on-disk view, which is stale", what);
		return;
	}
	if (!j->log_present) {
		snprintf(buf, len, "journal: needs recovery (the flag is set), but its log is empty: nothing to replay, the on-disk view is what the kernel shows");
		return;
	}
		snprintf(what, sizeof(what),
			 "needs recovery: %" PRIu64 " transaction%s (sequence %" PRIu32 "-%" PRIu32 "), %" PRIu64 " block copies of %" PRIu64 " blocks",
			 j->transactions, j->transactions == 1 ? "" : "s", j->seq_start,
			 j->seq_end - 1, j->blocks, j->distinct);
	if (j->replayed && j->from_backup)
		snprintf(buf, len, "journal: %s; replayed from the superblock's backup of the damaged journal inode's map (--journal backup): the files hold the journal's changes, but the kernel refuses to mount this filesystem", what);
	else if (j->replayed)
		snprintf(buf, len, "journal: %s; replayed: the files come from the recovered view, what the kernel shows after mounting it (--journal ignore for the on-disk view)", what);
	else
		snprintf(buf, len, "journal: %s; NOT replayed (--journal ignore): the files come from the on-disk view, which is stale", what);
}


static const char *jino_why(enum ps_jinode_why w)
{
	switch (w) {
	case PS_JINO_OK: return "usable";
	case PS_JINO_RANGE: return "its number is outside the inode table";
	case PS_JINO_READ: return "it cannot be read";
	case PS_JINO_LINKS: return "its link count is 0 (deleted)";
	case PS_JINO_MODE: return "it is not a regular file";
	case PS_JINO_SIZE: return "its size is under 2 blocks or beyond the filesystem";
	case PS_JINO_MAP: return "its block map is corrupt or leaves block 0 unmapped";
	}
	return "?";
}

static const char *jino_key(enum ps_jinode_why w)
{
	static const char *const k[] = { NULL, "range", "read", "links", "mode", "size", "map" };
	return (unsigned)w < sizeof(k) / sizeof(k[0]) ? k[w] : "?";
}

/* The damaged journal inode and the superblock's backup of its map. */
static void journal_inode_text(FILE *f, const struct ps_journal *j, const char *indent)
{
	if (!j->jinode_why)
		return;
	fprintf(f, "%s  journal inode %" PRIu32 " (filesystem block %" PRIu64 ", byte %" PRIu32 " in it): %s; the kernel refuses to mount the filesystem\n",
		indent, j->journal_ino, j->jinode_blk, j->jinode_off, jino_why(j->jinode_why));
	const struct ps_jnl_backup *b = &j->backup;
	if (!b->present) {
		fprintf(f, "%s  the superblock holds no backup of its block map (s_jnl_backup_type is not 1)\n", indent);
		return;
	}
	if (!b->usable) {
		fprintf(f, "%s  the superblock's backup of its block map (s_jnl_blocks)%s does not map a valid journal either\n",
			indent, b->differs ? ", which differs from the inode," : "");
		return;
	}
	if (!b->log_present) {
		fprintf(f, "%s  the superblock's backup of its block map (s_jnl_blocks)%s maps a valid journal whose log is empty: nothing to replay from it\n",
			indent, b->differs ? ", which differs from the inode," : "");
		return;
	}
	fprintf(f, "%s  the superblock's backup of its block map (s_jnl_blocks)%s maps a valid journal: %" PRIu64 " transaction%s (sequence %" PRIu32 "-%" PRIu32 "), %" PRIu64 " block copies of %" PRIu64 " blocks%s; the kernel never reads it%s\n",
		indent, b->differs ? ", which differs from the inode," : "",
		b->transactions, b->transactions == 1 ? "" : "s", b->seq_start, b->seq_end - 1,
		b->blocks, b->distinct, b->mount_fails ? "; its recovery would fail part-way" : "",
		j->from_backup ? "; replayed here (--journal backup)" :
		"; not replayed here: --journal backup replays it");
}

/* the end of an intent's line: the file of a BUI, by its path in the
 * recovered tree, when the report found it */
static void xintent_path(FILE *f, const struct ps_xintent *e)
{
	if (e->kind == PS_XINT_BUI && e->path) {
		fputs("; the file: ", f);
		render_text_img(f, e->path, NULL);
	}
	fputc('\n', f);
}

/* Text report lines under a namespace. */
void render_journal_text(FILE *f, const struct ps_journal *j, const char *indent)
{
	char line[512];
	if (j->kind == PS_JOURNAL_NONE)
		return;
	render_journal_line(j, line, sizeof(line));
	if (!line[0])
		snprintf(line, sizeof(line), "journal: clean (nothing to recover)");
	fprintf(f, "%s%s\n", indent, line);
	if (j->kind == PS_JOURNAL_XFS) {
		if (j->needs_recovery && j->replayed)
			fprintf(f, "%s  log from tail LSN " LSNF " to head LSN " LSNF "; %" PRIu64 " items not replayed (buffer cancelled), %" PRIu64 " not replayed (the disk is newer), %" PRIu64 " quota items ignored, %" PRIu64 " transactions never committed (discarded); the view's log is %s\n",
				indent, LSNA(j->tail_lsn), LSNA(j->head_lsn), j->cancelled, j->lsn_newer,
				j->skipped_quota, j->trans_open, j->log_cleaned ? "clean (as a mount and unmount leave it)" : "left as it was");
		if (j->intents_finished)
			fprintf(f, "%s  %" PRIu64 " file mapping change(s) (BUI) the log left unfinished were finished here as the kernel finishes them at mount%s\n",
				indent, j->intents_finished,
				j->intents_rmap_followup ? " (their rmap btree updates were not)" : "");
		if (j->intents_view_only) {
			fprintf(f, "%s  of those, %" PRIu64 " in the read view only: the files read as the kernel shows them, but the on-disk block map is not the kernel's (a carved image is not):\n",
				indent, j->intents_view_only);
			for (uint64_t i = 0; i < j->intents_view_v_n; i++) {
				render_xintent_line(&j->intents_view_v[i], line, sizeof(line));
				fprintf(f, "%s    %s", indent, line);
				xintent_path(f, &j->intents_view_v[i]);
			}
		}
		if (j->intents_open) {
			fprintf(f, "%s  %" PRIu64 " intent(s) left unfinished, which the kernel finishes after recovery and this view does NOT: %" PRIu64 " file mapping change(s) (BUI: a file's blocks may differ from what the kernel shows), %" PRIu64 " extent free(s) (EFI), %" PRIu64 " rmap and %" PRIu64 " refcount update(s), %" PRIu64 " other\n",
				indent, j->intents_open, j->intents_bmap, j->intents_efi, j->intents_rmap,
				j->intents_refc, j->intents_other);
			for (uint64_t i = 0; i < j->intents_v_n; i++) {
				render_xintent_line(&j->intents_v[i], line, sizeof(line));
				fprintf(f, "%s    %s", indent, line);
				xintent_path(f, &j->intents_v[i]);
			}
			if (j->intents_open > j->intents_v_n)
				fprintf(f, "%s    ... (%" PRIu64 " more)\n", indent, j->intents_open - j->intents_v_n);
		}
		if (j->iunlink_freed)
			fprintf(f, "%s  %" PRIu64 " unlinked inode(s) (open but deleted at the crash) freed as the kernel frees them at mount, with %" PRIu64 " data block(s)\n",
				indent, j->iunlink_freed, j->iunlink_blocks);
		if (j->iunlink_left) {
			fprintf(f, "%s  %" PRIu64 " unlinked inodes the kernel frees at mount were left:", indent, j->iunlink_left);
			size_t nv = sizeof(j->iunlink_left_v) / sizeof(j->iunlink_left_v[0]);
			for (uint64_t i = 0; i < j->iunlink_left && i < nv; i++)
				fprintf(f, "%s inode %" PRIu64 " (%s)", i ? "," : "", j->iunlink_left_v[i].ino,
					j->iunlink_left_v[i].why);
			fprintf(f, "%s; xfs_repair -n of a carved image reports them\n", j->iunlink_left > nv ? ", ..." : "");
		}
		if (j->mount_fails)
			fprintf(f, "%s  the kernel's recovery stops at log block %" PRIu64 " (LSN " LSNF "): %s (%s); its mount fails\n",
				indent, j->stop_jblk, LSNA(j->stop_lsn), render_journal_stop_name(j->stop),
				j->stop_field ? j->stop_field : "?");
		return;
	}
	if (j->needs_recovery && j->log_present && !j->bad)
		fprintf(f, "%s  log from journal block %" PRIu64 "; %" PRIu64 " revoke records (%" PRIu64 " copies revoked), %" PRIu64 " escaped; ends at journal block %" PRIu64 ": %s\n",
			indent, j->log_start, j->revokes, j->revoke_hits, j->escaped,
			j->stop_jblk, render_journal_stop_name(j->stop));
	journal_inode_text(f, j, indent);
	if (j->bad == PS_JBAD_EXTERNAL) {
		const uint8_t *u = j->ext_uuid;
		/* Linux's old dev_t encoding, as s_journal_dev stores it */
		fprintf(f, "%s  the journal device: s_journal_dev %" PRIu32 " (major %" PRIu32 ", minor %" PRIu32 " on the crashed machine), journal UUID %02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x (blkid shows it as that device's UUID): pmemscan reads no journal device; image that device too, and replay with the kernel or e2fsck on copies of both\n",
			indent, j->ext_dev, (j->ext_dev >> 8) & 0xfff, (j->ext_dev & 0xff) | ((j->ext_dev >> 12) & 0xfff00),
			u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
	}
	if (j->needs_recovery && j->log_present && !j->bad && j->kernel_rules)
		fprintf(f, "%s  recovered by Linux %u.%u's rules%s\n", indent,
			j->kernel_rules / 100, j->kernel_rules % 100,
			j->kernel_rules >= 612 ? " (6.1 differs only for a commit block damaged after its first 64 bytes)" : "");
	if (j->partial_commit_jblk)
		fprintf(f, "%s  the commit block of transaction %" PRIu32 " (journal block %" PRIu64 ") is damaged after its first 64 bytes: accepted by its header's checksum, as Linux 6.12 does; Linux 6.1 would end the log there (transactions from %" PRIu32 " on not replayed) and fail to mount\n",
			indent, j->partial_commit_seq, j->partial_commit_jblk, j->partial_commit_seq);
	if (j->mount_fails && !j->from_backup && !j->orphan_file_bad)
		fprintf(f, "%s  the kernel's mount would fail after recovery (transaction %" PRIu32 ", journal block %" PRIu64 "): the view holds what it replays before that\n",
			indent, j->stop_seq, j->stop_jblk);
	if (j->bad_data)
		fprintf(f, "%s  %" PRIu64 " block copies with a bad checksum not replayed\n", indent, j->bad_data);
	if (j->beyond_fs)
		fprintf(f, "%s  %" PRIu64 " block copies name blocks beyond the filesystem (first at journal block %" PRIu64 "): not replayed\n",
			indent, j->beyond_fs, j->beyond_fs_jblk);
	if (j->fast_commit)
		fprintf(f, "%s  fast commits follow the log: NOT replayed (changes made durable only by fsync after the last full commit are missing)\n", indent);
	if (j->orphans) {
		char of[96] = "";
		if (j->orphan_file_entries)
			snprintf(of, sizeof(of), " (%" PRIu32 " of them in the orphan file, inode %" PRIu32 ")",
				 j->orphan_file_entries, j->orphan_file_ino);
		fprintf(f, "%s  orphan list: %" PRIu32 " inode(s)%s: %" PRIu32 " unlinked while open (freed), %" PRIu32 " truncated in progress (cut to their size)%s\n",
			indent, j->orphans, of, j->orphans_deleted, j->orphans - j->orphans_deleted,
			j->orphans_done ? ", processed in the recovered view as the kernel's mount does" :
			": NOT processed (the kernel does it at mount; names and sizes are already final)");
	}
	if (j->orphan_file_bad)
		fprintf(f, "%s  the orphan file (inode %" PRIu32 ") has a block with a bad magic or checksum at filesystem block %" PRIu64 ": the kernel's mount fails; its orphans are not processed\n",
			indent, j->orphan_file_ino, j->orphan_file_bad);
}

static const char *kind_name(enum ps_journal_kind k)
{
	switch (k) {
	case PS_JOURNAL_NONE: return "none";
	case PS_JOURNAL_JBD2: return "jbd2";
	case PS_JOURNAL_JBD2_EXTERNAL: return "jbd2-external";
	case PS_JOURNAL_XFS: return "xfs-log";
	}
	return "?";
}

static const char *stop_key(enum ps_journal_stop s)
{
	static const char *const k[] = { "none", "end", "sequence", "block-type",
		"commit-checksum", "stale", "descriptor-checksum", "revoke-size",
		"read", "too-long", "xlog-record", "xlog-item", "xlog-outside", "xlog-too-big" };
	return (unsigned)s < sizeof(k) / sizeof(k[0]) ? k[s] : "?";
}

static const char *bad_key(enum ps_journal_bad b)
{
	static const char *const k[] = { NULL, "inode", "map", "magic", "block-type",
		"block-size", "too-short", "first", "start", "features", "checksum-features",
		"checksum", "external", "read" };
	return (unsigned)b < sizeof(k) / sizeof(k[0]) ? k[b] : "?";
}

#define I64(v) json_object_new_int64((int64_t)(v))
json_object *render_journal_json(const struct ps_journal *j)
{
	json_object *o = json_object_new_object();
	char line[512];
	json_object_object_add(o, "kind", json_object_new_string(kind_name(j->kind)));
	json_object_object_add(o, "needs_recovery", json_object_new_boolean(j->needs_recovery));
	json_object_object_add(o, "log_present", json_object_new_boolean(j->log_present));
	json_object_object_add(o, "discarded", json_object_new_boolean(j->discarded));
	json_object_object_add(o, "unusable", bad_key(j->bad) ? json_object_new_string(bad_key(j->bad)) : NULL);
	json_object_object_add(o, "view", json_object_new_string(
		j->replayed ? "recovered" : j->needs_recovery ? "on-disk-stale" : "on-disk"));
	json_object_object_add(o, "sequence_first", I64(j->seq_start));
	json_object_object_add(o, "sequence_end", I64(j->seq_end));
	json_object_object_add(o, "log_start", I64(j->log_start));
	json_object_object_add(o, "transactions", I64(j->transactions));
	json_object_object_add(o, "block_copies", I64(j->blocks));
	json_object_object_add(o, "blocks", I64(j->distinct));
	json_object_object_add(o, "revoke_records", I64(j->revokes));
	json_object_object_add(o, "revoked_copies", I64(j->revoke_hits));
	json_object_object_add(o, "escaped", I64(j->escaped));
	json_object_object_add(o, "bad_checksum_copies", I64(j->bad_data));
	json_object_object_add(o, "beyond_fs_copies", I64(j->beyond_fs));
	json_object *st = json_object_new_object();
	json_object_object_add(st, "reason", json_object_new_string(stop_key(j->stop)));
	json_object_object_add(st, "journal_block", I64(j->stop_jblk));
	json_object_object_add(st, "sequence", I64(j->stop_seq));
	json_object_object_add(o, "stop", st);
	json_object_object_add(o, "mount_fails", json_object_new_boolean(j->mount_fails));
	if (j->kernel_rules) {
		char kv[16];
		snprintf(kv, sizeof(kv), "%u.%u", j->kernel_rules / 100, j->kernel_rules % 100);
		json_object_object_add(o, "kernel_rules", json_object_new_string(kv));
	} else {
		json_object_object_add(o, "kernel_rules", NULL);
	}
	if (j->partial_commit_jblk) {
		json_object *pc = json_object_new_object();
		json_object_object_add(pc, "journal_block", I64(j->partial_commit_jblk));
		json_object_object_add(pc, "sequence", I64(j->partial_commit_seq));
		json_object_object_add(o, "partial_commit", pc);
	} else {
		json_object_object_add(o, "partial_commit", NULL);
	}
	json_object_object_add(o, "fast_commit_not_replayed", json_object_new_boolean(j->fast_commit));
	json_object_object_add(o, "orphans", I64(j->orphans));
	json_object_object_add(o, "orphans_unlinked", I64(j->orphans_deleted));
	json_object_object_add(o, "orphans_processed", json_object_new_boolean(j->orphans_done));
	json_object_object_add(o, "orphan_file_inode", j->orphan_file_ino ? I64(j->orphan_file_ino) : NULL);
	json_object_object_add(o, "orphan_file_entries", I64(j->orphan_file_entries));
	json_object_object_add(o, "orphan_file_bad_block", j->orphan_file_bad ? I64(j->orphan_file_bad) : NULL);
	if (j->bad == PS_JBAD_EXTERNAL) {
		char uu[40];
		const uint8_t *u = j->ext_uuid;
		snprintf(uu, sizeof(uu), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
		json_object *ex = json_object_new_object();
		json_object_object_add(ex, "device", I64(j->ext_dev));
		json_object_object_add(ex, "uuid", json_object_new_string(uu));
		json_object_object_add(o, "external", ex);
	} else {
		json_object_object_add(o, "external", NULL);
	}
	if (j->jinode_why) {
		json_object *ji = json_object_new_object();
		json_object_object_add(ji, "inode", I64(j->journal_ino));
		json_object_object_add(ji, "problem", json_object_new_string(jino_key(j->jinode_why)));
		json_object_object_add(ji, "block", I64(j->jinode_blk));
		json_object_object_add(ji, "offset", I64(j->jinode_off));
		const struct ps_jnl_backup *b = &j->backup;
		json_object *bk = json_object_new_object();
		json_object_object_add(bk, "present", json_object_new_boolean(b->present));
		json_object_object_add(bk, "differs", json_object_new_boolean(b->differs));
		json_object_object_add(bk, "usable", json_object_new_boolean(b->usable));
		json_object_object_add(bk, "log_present", json_object_new_boolean(b->log_present));
		json_object_object_add(bk, "sequence_first", I64(b->seq_start));
		json_object_object_add(bk, "sequence_end", I64(b->seq_end));
		json_object_object_add(bk, "transactions", I64(b->transactions));
		json_object_object_add(bk, "block_copies", I64(b->blocks));
		json_object_object_add(bk, "blocks", I64(b->distinct));
		json_object_object_add(bk, "mount_fails", json_object_new_boolean(b->mount_fails));
		json_object_object_add(bk, "replayed", json_object_new_boolean(j->from_backup));
		json_object_object_add(ji, "backup", bk);
		json_object_object_add(o, "journal_inode", ji);
	} else {
		json_object_object_add(o, "journal_inode", NULL);
	}
	if (j->kind == PS_JOURNAL_XFS) {
		char b[48];
		json_object *x = json_object_new_object();
#define LSNJ(k, l) do { snprintf(b, sizeof(b), LSNF, LSNA(l)); \
			json_object_object_add(x, k, json_object_new_string(b)); } while (0)
		LSNJ("tail_lsn", j->tail_lsn);
		LSNJ("head_lsn", j->head_lsn);
		LSNJ("first_lsn", j->lsn_first);
		LSNJ("last_lsn", j->lsn_last);
		LSNJ("stop_lsn", j->stop_lsn);
#undef LSNJ
		json_object_object_add(x, "stop_field", j->stop_field ? json_object_new_string(j->stop_field) : NULL);
		json_object_object_add(x, "items", I64(j->items));
		json_object_object_add(x, "buffer_items", I64(j->buf_items));
		json_object_object_add(x, "inode_items", I64(j->inode_items));
		json_object_object_add(x, "icreate_items", I64(j->icreate_items));
		json_object_object_add(x, "cancelled", I64(j->cancelled));
		json_object_object_add(x, "disk_newer", I64(j->lsn_newer));
		json_object_object_add(x, "quota_items_ignored", I64(j->skipped_quota));
		json_object_object_add(x, "uncommitted", I64(j->trans_open));
		json_object_object_add(x, "intents_unfinished", I64(j->intents_open));
		json_object_object_add(x, "intents_bmap", I64(j->intents_bmap));
		json_object_object_add(x, "intents_efi", I64(j->intents_efi));
		json_object_object_add(x, "intents_rmap", I64(j->intents_rmap));
		json_object_object_add(x, "intents_refcount", I64(j->intents_refc));
		json_object_object_add(x, "intents_other", I64(j->intents_other));
		json_object_object_add(x, "intents_finished", I64(j->intents_finished));
		json_object_object_add(x, "intents_rmap_not_updated", json_object_new_boolean(j->intents_rmap_followup));
		json_object_object_add(x, "intents_view_only", I64(j->intents_view_only));
		json_object *iv = json_object_new_array();
		for (uint64_t i = 0; i < j->intents_view_v_n; i++) {
			const struct ps_xintent *e = &j->intents_view_v[i];
			json_object *ie = json_object_new_object();
			json_object_object_add(ie, "owner", I64(e->owner));
			json_object_object_add(ie, "path", e->path ? render_jstr_img(e->path) : NULL);
			json_object_object_add(ie, "offset", I64(e->offset));
			json_object_object_add(ie, "length", I64(e->len));
			json_object_object_add(ie, "start", I64(e->start));
			json_object_object_add(ie, "op", I64(e->op));
			json_object_object_add(ie, "why", json_object_new_string(render_xintent_why(e->why)));
			json_object_array_add(iv, ie);
		}
		json_object_object_add(x, "intents_view_only_list", iv);
		json_object *il = json_object_new_array();
		for (uint64_t i = 0; i < j->intents_v_n; i++) {
			const struct ps_xintent *e = &j->intents_v[i];
			json_object *ie = json_object_new_object();
			json_object_object_add(ie, "kind", json_object_new_string(xintent_kind(e->kind)));
			json_object_object_add(ie, "item_type", I64(e->log_type));
			json_object_object_add(ie, "extents", I64(e->nextents));
			json_object_object_add(ie, "blocks", I64(e->blocks));
			json_object_object_add(ie, "start", I64(e->start));
			json_object_object_add(ie, "length", I64(e->len));
			if (e->kind == PS_XINT_BUI || e->kind == PS_XINT_RUI) {
				json_object_object_add(ie, "owner", I64(e->owner));
				json_object_object_add(ie, "offset", I64(e->offset));
			}
			if (e->kind == PS_XINT_BUI)
				json_object_object_add(ie, "path", e->path ? render_jstr_img(e->path) : NULL);
			if (e->kind != PS_XINT_EFI && e->kind != PS_XINT_OTHER)
				json_object_object_add(ie, "op", I64(e->op));
			json_object_object_add(ie, "why", e->kind == PS_XINT_BUI ?
					       json_object_new_string(render_xintent_why(e->why)) : NULL);
			char lb[512];
			render_xintent_line(e, lb, sizeof(lb));
			json_object_object_add(ie, "text", json_object_new_string(lb));
			json_object_array_add(il, ie);
		}
		json_object_object_add(x, "intents_left", il);
		json_object_object_add(x, "log_cleaned", json_object_new_boolean(j->log_cleaned));
		json_object_object_add(x, "unlinked_freed", I64(j->iunlink_freed));
		json_object_object_add(x, "unlinked_blocks_freed", I64(j->iunlink_blocks));
		json_object *lv = json_object_new_array();
		size_t nv = sizeof(j->iunlink_left_v) / sizeof(j->iunlink_left_v[0]);
		for (uint64_t i = 0; i < j->iunlink_left && i < nv; i++) {
			json_object *e = json_object_new_object();
			json_object_object_add(e, "ino", I64(j->iunlink_left_v[i].ino));
			json_object_object_add(e, "why", json_object_new_string(j->iunlink_left_v[i].why));
			json_object_array_add(lv, e);
		}
		json_object_object_add(x, "unlinked_left", I64(j->iunlink_left));
		json_object_object_add(x, "unlinked_left_inodes", lv);
		json_object_object_add(o, "xfs", x);
	}
	render_journal_line(j, line, sizeof(line));
	json_object_object_add(o, "summary", line[0] ? json_object_new_string(line) : NULL);
	return o;
}

bool render_journal_problem(const struct ps_journal *j)
{
	return ps_journal_view_differs(j);
}

static const char *change_word(enum ps_change_kind k)
{
	switch (k) {
	case PS_CH_CREATED: return "created";
	case PS_CH_REMOVED: return "removed";
	case PS_CH_RENAMED: return "renamed";
	case PS_CH_RESIZED: return "resized";
	case PS_CH_REPLACED: return "replaced";
	}
	return "?";
}

static const char *type_word(uint32_t mode)
{
	switch (mode & 0170000) {
	case 0040000: return "directory";
	case 0100000: return "file";
	case 0120000: return "symlink";
	default: return "special";
	}
}

void render_changes_text(FILE *f, const struct ps_changes *c, const char *indent, size_t max)
{
	if (c->too_many) {
		fprintf(f, "%swhat recovery changes: not compared (too many files)\n", indent);
		return;
	}
	fprintf(f, "%swhat recovery changes in the file tree (the on-disk view lacks it): %zu change%s%s\n",
		indent, c->n, c->n == 1 ? "" : "s",
		c->unreadable ? " (some entries could not be read)" : "");
	for (size_t i = 0; i < c->n && i < max; i++) {
		const struct ps_change *x = &c->v[i];
		fprintf(f, "%s  %-8s %s ", indent, change_word(x->kind), type_word(x->mode));
		if (x->kind == PS_CH_RENAMED) {
			render_text_img(f, x->old_path, NULL);
			fputs(" -> ", f);
		}
		render_text_img(f, x->path, NULL);
		if (x->kind == PS_CH_RESIZED)
			fprintf(f, " (%" PRIu64 " -> %" PRIu64 " bytes)", x->old_size, x->size);
		else if (x->kind == PS_CH_CREATED && (x->mode & 0170000) == 0100000)
			fprintf(f, " (%" PRIu64 " bytes)", x->size);
		fputc('\n', f);
	}
	if (c->n > max)
		fprintf(f, "%s  ... and %zu more (--json lists all)\n", indent, c->n - max);
}

json_object *render_changes_json(const struct ps_changes *c)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "compared", json_object_new_boolean(!c->too_many));
	json_object_object_add(o, "complete", json_object_new_boolean(!c->too_many && !c->unreadable));
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < c->n; i++) {
		const struct ps_change *x = &c->v[i];
		json_object *e = json_object_new_object();
		json_object_object_add(e, "change", json_object_new_string(change_word(x->kind)));
		json_object_object_add(e, "type", json_object_new_string(type_word(x->mode)));
		json_object_object_add(e, "path", render_jstr_img(x->path));
		json_object_object_add(e, "old_path", render_jstr_img(x->old_path));
		json_object_object_add(e, "old_size", I64(x->old_size));
		json_object_object_add(e, "size", I64(x->size));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "entries", a);
	return o;
}

bool render_xlog_replayed(const struct ps_report *in, size_t k)
{
	return in->journals && k < in->njournals && in->journals[k].kind == PS_JOURNAL_XFS &&
	       in->journals[k].replayed && !in->journals[k].mount_fails;
}
