// SPDX-License-Identifier: GPL-2.0-or-later
/* The words for an XFS log (src/xfs_log.h, docs/journal.md "XFS: the log replayed read-only"): one detail line for
 * the candidate, one part of the summary, the JSON object, and the lines
 * extract and ls print. */
#include "config.h"
#include "render.h"
#include <inttypes.h>

#define LSN_FMT "%" PRIu32 ":%" PRIu32
#define LSN_ARGS(l) PS_XLOG_CYCLE(l), PS_XLOG_BLOCK(l)

static const char *why_words(const struct ps_xfs_log_info *l)
{
	switch (l->why) {
	case PS_XLOG_WHY_SB: return "a superblock field that places it is out of range";
	case PS_XLOG_WHY_OUTSIDE: return "it lies past the end of the data in the image";
	case PS_XLOG_WHY_UNREADABLE: return "a read failed";
	case PS_XLOG_WHY_NO_HEADER: return "no record header was found before the head";
	case PS_XLOG_WHY_HEADER: return "a record header fails its checks";
	case PS_XLOG_WHY_UUID: return "a record belongs to another filesystem (h_fs_uuid)";
	case PS_XLOG_WHY_CRC: return "a record's CRC fails away from the head, where no torn write explains it";
	case PS_XLOG_WHY_OPS: return "a record's operations run past its data";
	default: return "it is inconsistent";
	}
}

void render_xlog_detail(FILE *f, const struct ps_xfs_log_info *l)
{
	char h[32];
	fprintf(f, "xfs log at filesystem offset 0x%" PRIx64 " (%s): ", l->log_off,
		ps_human((uint64_t)l->log_bbs * 512, h, sizeof(h)));
	switch (l->state) {
	case PS_XLOG_CLEAN:
		fprintf(f, "clean (an unmount record at the head, LSN " LSN_FMT "): nothing to recover",
			LSN_ARGS(l->head_lsn));
		break;
	case PS_XLOG_EMPTY:
		fputs("never written (all zero): nothing to recover", f);
		break;
	case PS_XLOG_EXTERNAL:
		fputs("on an external log device, not in this image: whether it needs recovery is unknown", f);
		break;
	case PS_XLOG_DIRTY:
		fprintf(f, "DIRTY, needs recovery: tail LSN " LSN_FMT ", head LSN " LSN_FMT
			"; a mount would replay %" PRIu64 " committed transaction%s from %" PRIu64
			" record%s (LSN " LSN_FMT " to " LSN_FMT "), %" PRIu64 " log blocks (%s)",
			LSN_ARGS(l->tail_lsn), LSN_ARGS(l->head_lsn), l->trans,
			l->trans == 1 ? "" : "s", l->records, l->records == 1 ? "" : "s",
			LSN_ARGS(l->first_lsn), LSN_ARGS(l->last_lsn), l->blocks,
			ps_human(l->blocks * 512, h, sizeof(h)));
		if (l->trans_open)
			fprintf(f, "; %" PRIu64 " transaction%s never committed would be discarded",
				l->trans_open, l->trans_open == 1 ? "" : "s");
		if (l->bad_crc)
			fprintf(f, "; %" PRIu64 " record%s with a wrong CRC (a v4 log: the kernel warns and replays)",
				l->bad_crc, l->bad_crc == 1 ? "" : "s");
		break;
	case PS_XLOG_BAD:
		fprintf(f, "%s: %s", l->why == PS_XLOG_WHY_OUTSIDE || l->why == PS_XLOG_WHY_UNREADABLE ?
			"NOT READ" : "UNUSABLE", why_words(l));
		if (l->why != PS_XLOG_WHY_SB && l->why != PS_XLOG_WHY_OUTSIDE)
			fprintf(f, " (log block %" PRIu32 ", byte 0x%" PRIx64 " of the filesystem%s%s)",
				l->bad_bb, l->log_off + (uint64_t)l->bad_bb * 512,
				l->bad_field ? ", field " : "", l->bad_field ? l->bad_field : "");
		else if (l->bad_field)
			fprintf(f, " (%s)", l->bad_field);
		if (l->why != PS_XLOG_WHY_OUTSIDE && l->why != PS_XLOG_WHY_UNREADABLE)
			fputs("; a mount would most likely fail", f);
		break;
	default:
		fputs("not examined", f);
	}
	if (l->head_trimmed)
		fprintf(f, "; a torn write at the head: the cycle search found the head at block %" PRIu32
			", the last complete record ends at %" PRIu32, l->found_head_bb,
			PS_XLOG_BLOCK(l->head_lsn));
	if (l->tail_moved)
		fprintf(f, "; the tail record was overwritten: the tail moved from block %" PRIu32
			" to %" PRIu32, l->found_tail_bb, PS_XLOG_BLOCK(l->tail_lsn));
}

bool render_xlog_summary(FILE *f, const struct ps_xfs_log_info *l)
{
	if (l->state == PS_XLOG_DIRTY) {
		fprintf(f, "Its XFS log needs recovery (the machine stopped without unmounting it): a mount would replay %" PRIu64
			" committed transaction%s (%" PRIu64 " log blocks, LSN " LSN_FMT " to " LSN_FMT "). It is not replayed in this view (--journal ignore, or a log the kernel's recovery would stop in), so the files it copies out are the STALE on-disk state, without those changes (extract and ls exit 1); without --journal ignore pmemscan replays the log read-only, as the kernel's mount does",
			l->trans, l->trans == 1 ? "" : "s", l->blocks, LSN_ARGS(l->first_lsn),
			LSN_ARGS(l->last_lsn));
		return true;
	}
	if (l->state == PS_XLOG_BAD && (l->why == PS_XLOG_WHY_OUTSIDE ||
					 l->why == PS_XLOG_WHY_UNREADABLE)) {
		fputs("Its XFS log is not all in the image (or could not be read), so whether it needs recovery is unknown: the files copied out are the on-disk state, which may be stale (extract and ls exit 1)", f);
		return true;
	}
	if (l->state == PS_XLOG_BAD) {
		fputs("Its XFS log is unusable, so a mount would most likely fail and what the log held is lost; the files copied out are the on-disk state (extract and ls exit 1)", f);
		return true;
	}
	return false;
}

void render_xlog_stale(FILE *f, const struct ps_xfs_log_info *l)
{
	if (l->state == PS_XLOG_DIRTY)
		fprintf(f, "the XFS log needs recovery (%" PRIu64 " committed transaction%s, tail LSN "
			LSN_FMT ", head LSN " LSN_FMT "), not replayed in this view: this is the STALE on-disk view; the changes in the log are not in it (without --journal ignore pmemscan replays the log as the kernel's mount does)",
			l->trans, l->trans == 1 ? "" : "s", LSN_ARGS(l->tail_lsn), LSN_ARGS(l->head_lsn));
	else if (l->why == PS_XLOG_WHY_OUTSIDE || l->why == PS_XLOG_WHY_UNREADABLE)
		fputs("the XFS log is not all in the image (or could not be read): whether it needs recovery is unknown, so this on-disk view may be stale", f);
	else
		fputs("the XFS log is unusable: this is the on-disk view, and whatever the log held is not in it", f);
}

bool render_xlog_problem(const struct ps_xfs_log_info *l)
{
	return l && (l->state == PS_XLOG_DIRTY || l->state == PS_XLOG_BAD);
}

json_object *render_xlog_json(const struct ps_xfs_log_info *l)
{
	if (l->state == PS_XLOG_UNKNOWN)
		return NULL;
	json_object *o = json_object_new_object();
	char b[32];
#define LSN(k, v) do { snprintf(b, sizeof(b), LSN_FMT, LSN_ARGS(v)); \
		json_object_object_add(o, k, json_object_new_string(b)); } while (0)
	json_object_object_add(o, "state", json_object_new_string(ps_xlog_state_name(l->state)));
	json_object_object_add(o, "needs_recovery", json_object_new_boolean(l->state == PS_XLOG_DIRTY));
	json_object_object_add(o, "offset", json_object_new_uint64(l->log_off));
	json_object_object_add(o, "blocks_total", json_object_new_uint64(l->log_bbs));
	if (l->state == PS_XLOG_CLEAN || l->state == PS_XLOG_DIRTY) {
		LSN("head_lsn", l->head_lsn);
		LSN("tail_lsn", l->tail_lsn);
	}
	if (l->state == PS_XLOG_DIRTY) {
		json_object_object_add(o, "records", json_object_new_uint64(l->records));
		json_object_object_add(o, "transactions", json_object_new_uint64(l->trans));
		json_object_object_add(o, "uncommitted", json_object_new_uint64(l->trans_open));
		json_object_object_add(o, "blocks", json_object_new_uint64(l->blocks));
		LSN("first_lsn", l->first_lsn);
		LSN("last_lsn", l->last_lsn);
		json_object_object_add(o, "bad_crc", json_object_new_uint64(l->bad_crc));
	}
	if (l->state == PS_XLOG_BAD) {
		json_object_object_add(o, "why", json_object_new_string(ps_xlog_why_name(l->why)));
		json_object_object_add(o, "bad_block", json_object_new_uint64(l->bad_bb));
		json_object_object_add(o, "bad_field", l->bad_field ? json_object_new_string(l->bad_field) : NULL);
	}
	json_object_object_add(o, "torn_head", json_object_new_boolean(l->head_trimmed));
	json_object_object_add(o, "tail_overwritten", json_object_new_boolean(l->tail_moved));
#undef LSN
	return o;
}
