/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Both readings of start_pad hold a valid filesystem: weigh what each one
 * shows (docs/start_pad.md "Weighing"). The rules, each giving a reason
 * that favours one reading:
 *   - start_pad: the fixed filesystem lies entirely inside [0, start_pad),
 *     which the kernel never writes under this block: it predates the block;
 *   - size: a filesystem claims exactly the room its reading gives (mkfs on
 *     that block device); when both do, they cancel out;
 *   - times (ext): the later of last write and last mount is newer;
 *   - journal (ext): needs recovery (it was mounted when the image was
 *     taken) on one only; committed transactions on one only.
 * A recommendation needs reasons on one side only. It is decisive (auto
 * takes it) with the start_pad reason, or with two reasons of different
 * kinds.
 */
#include "weigh.h"
#include "be.h"
#include "ns_internal.h"
#include "err.h"
#include "fs.h"
#include "le.h"
#include "ext_sb.h"
#include <stdlib.h>
#include <string.h>

#define JBD2_MAGIC 0xC03B3998u

int ps_ext_sb_facts(const uint8_t *sb, size_t len, struct ps_sb_facts *out)
{
	memset(out, 0, sizeof(*out));
#define EXTSB(f) PS_FIELD_GET(PS_EXTSB, sb, f)
	if (len < PS_EXTSB_SIZE)
		return PS_ETRUNC;
	if (EXTSB(s_magic) != PS_EXTSB_MAGIC)
		return PS_EFORMAT;
	out->ext = true;
	/* the 32-bit times and their high bytes (ext4) */
	out->mtime = EXTSB(s_mtime) | EXTSB(s_mtime_hi) << 32;
	out->wtime = EXTSB(s_wtime) | EXTSB(s_wtime_hi) << 32;
	out->mkfs_time = EXTSB(s_mkfs_time) | EXTSB(s_mkfs_time_hi) << 32;
	/* an internal journal: has_journal, an inode, no external device */
	out->has_journal = (EXTSB(s_feature_compat) & PS_EXTSB_COMPAT_HAS_JOURNAL) &&
			   EXTSB(s_journal_inum) && !EXTSB(s_journal_dev);
	out->needs_recovery = (EXTSB(s_feature_incompat) & PS_EXTSB_INCOMPAT_RECOVER) != 0;
#undef EXTSB
	return PS_OK;
}

int ps_jbd2_sb_facts(const uint8_t *b, size_t len, struct ps_sb_facts *out)
{
	if (len < 0x20)
		return PS_ETRUNC;
	uint32_t type = ps_be32(b + 4);
	if (ps_be32(b) != JBD2_MAGIC || (type != 3 && type != 4))
		return PS_EFORMAT;
	out->have_jseq = true;
	out->jseq = ps_be32(b + 0x18);
	out->jstart = ps_be32(b + 0x1c);
	return PS_OK;
}

/* the first bytes of the journal inode's data */
struct jread {
	uint8_t b[1024];
	size_t n;
};

static int jread_cb(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct jread *j = ctx;
	if (off != 0)
		return PS_FS_STOP;	/* a hole at 0: no superblock */
	j->n = len < sizeof(j->b) ? len : sizeof(j->b);
	memcpy(j->b, buf, j->n);
	return PS_FS_STOP;
}

/* The superblock facts of candidate c (a valid filesystem). Unreadable
 * parts simply stay unknown. */
static void read_facts(struct ps_src *src, const struct ps_cand *c,
		       struct ps_sb_facts *f)
{
	memset(f, 0, sizeof(*f));
	if (!strcmp(c->probe.type, "xfs")) {
		f->xfs = true;
		return;
	}
	if (strncmp(c->probe.type, "ext", 3))
		return;
	uint64_t room = ns_cand_room(src, c);
	struct ps_src *v;
	if (room < 2048 || ps_src_window(src, c->off, room, &v))
		return;
	uint8_t sb[1024];
	if (ps_src_pread(v, sb, sizeof(sb), PS_EXTSB_OFFSET) || ps_ext_sb_facts(sb, sizeof(sb), f)) {
		ps_src_close(v);
		return;
	}
	if (f->has_journal) {
		struct ps_fs *fs = NULL;
		char err[PS_ERR_LINE_MAX];
		struct ps_fs_stat st;
		struct jread j = { .n = 0 };
		if (!ps_fs_open(v, PS_FS_EXT, &fs, err, sizeof(err)) &&
		    !ps_fs_stat(fs, PS_FIELD_GET(PS_EXTSB, sb, s_journal_inum), &st)) {
			ps_fs_read(fs, &st, jread_cb, &j);
			ps_fs_stat_free(&st);
			if (j.n)
				ps_jbd2_sb_facts(j.b, j.n, f);
		}
		ps_fs_close(fs);
	}
	ps_src_close(v);
}

static void reason(struct ps_weighing *w, enum ps_why_kind kind, enum ps_sem favours,
		   enum ps_sem about, uint64_t a, uint64_t b, uint64_t c)
{
	if (w->nreasons >= PS_MAX_REASONS)
		return;	/* cannot happen: one of each kind, NO_TIMES twice */
	struct ps_reason *r = &w->reasons[w->nreasons++];
	r->kind = kind;
	r->favours = favours;
	r->about = about;
	r->a = a;
	r->b = b;
	r->c = c;
}

static uint64_t last_used(const struct ps_sb_facts *f)
{
	return f->wtime > f->mtime ? f->wtime : f->mtime;
}

int ps_weigh(struct ps_src *src, struct ps_ns *ns)
{
	struct ps_weighing *w = &ns->weigh;
	memset(w, 0, sizeof(*w));
	struct ps_cand *l = NULL, *x = NULL;
	for (int i = 0; i < ns->ncand; i++) {
		struct ps_cand *c = &ns->cand[i];
		if (!c->probed || !c->probe.found || c->btt)
			continue;
		if (c->sem == PS_SEM_LEGACY)
			l = c;
		else if (c->sem == PS_SEM_FIXED)
			x = c;
	}
	if (!l || !x)
		return PS_OK;
	w->weighed = true;
	read_facts(src, l, &l->sb);
	read_facts(src, x, &x->sb);

	/* start_pad: the fixed filesystem [D, D + claim) inside [0, P) */
	uint64_t xrel = x->off - ns->base, xclaim = x->probe.fs_size;
	if (xclaim && xrel < ns->start_pad && xclaim <= ns->start_pad - xrel)
		reason(w, PS_WHY_IN_START_PAD, PS_SEM_LEGACY, PS_SEM_AUTO, xrel, xclaim, ns->start_pad);

	/* size: a claim equal to its own reading's room */
	bool lfit = l->probe.fs_size && l->probe.fs_size == l->size;
	bool xfit = x->probe.fs_size && x->probe.fs_size == x->size;
	if (lfit)
		reason(w, PS_WHY_SIZE_IS_ROOM, PS_SEM_LEGACY, PS_SEM_AUTO, l->size,
		       x->probe.fs_size, x->size);
	if (xfit)
		reason(w, PS_WHY_SIZE_IS_ROOM, PS_SEM_FIXED, PS_SEM_AUTO, x->size,
		       l->probe.fs_size, l->size);

	/* times */
	if (l->sb.xfs)
		reason(w, PS_WHY_NO_TIMES, PS_SEM_AUTO, PS_SEM_LEGACY, 0, 0, 0);
	if (x->sb.xfs)
		reason(w, PS_WHY_NO_TIMES, PS_SEM_AUTO, PS_SEM_FIXED, 0, 0, 0);
	uint64_t lt = l->sb.ext ? last_used(&l->sb) : 0;
	uint64_t xt = x->sb.ext ? last_used(&x->sb) : 0;
	if (lt && xt && lt != xt)
		reason(w, PS_WHY_NEWER, lt > xt ? PS_SEM_LEGACY : PS_SEM_FIXED, PS_SEM_AUTO,
		       lt > xt ? lt : xt, lt > xt ? xt : lt, 0);

	/* journal */
	if (l->sb.ext && x->sb.ext && l->sb.needs_recovery != x->sb.needs_recovery)
		reason(w, PS_WHY_NEEDS_RECOVERY,
		       l->sb.needs_recovery ? PS_SEM_LEGACY : PS_SEM_FIXED, PS_SEM_AUTO, 0, 0, 0);
	if (l->sb.have_jseq && x->sb.have_jseq && (l->sb.jseq > 1) != (x->sb.jseq > 1)) {
		bool lu = l->sb.jseq > 1;
		reason(w, PS_WHY_JOURNAL_USED, lu ? PS_SEM_LEGACY : PS_SEM_FIXED, PS_SEM_AUTO,
		       lu ? l->sb.jseq : x->sb.jseq, lu ? x->sb.jseq : l->sb.jseq, 0);
	}

	/* the recommendation and whether it is decisive */
	int nl = 0, nx = 0;
	unsigned lkinds = 0, xkinds = 0;
	bool pad = false;
	for (int i = 0; i < w->nreasons; i++) {
		const struct ps_reason *r = &w->reasons[i];
		if (r->favours == PS_SEM_LEGACY) {
			nl++;
			lkinds |= 1u << r->kind;
		} else if (r->favours == PS_SEM_FIXED) {
			nx++;
			xkinds |= 1u << r->kind;
		}
		if (r->kind == PS_WHY_IN_START_PAD)
			pad = true;
	}
	w->conflict = nl && nx;
	if (w->conflict || (!nl && !nx))
		return PS_OK;
	w->recommend = nl ? PS_SEM_LEGACY : PS_SEM_FIXED;
	unsigned kinds = nl ? lkinds : xkinds;
	if (pad)
		w->decisive = PS_DECISIVE_START_PAD;
	else if (kinds & (kinds - 1))	/* two different kinds */
		w->decisive = PS_DECISIVE_TWO_KINDS;
	return PS_OK;
}
