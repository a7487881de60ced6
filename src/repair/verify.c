/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Checking a plan before anything is written: the overlay source (the image
 * as it would be, in memory), the rules that say a repaired unit is valid,
 * and ps_repair_verify, which withdraws the patches of every unit that does
 * not pass. apply.c uses the same rules on the file written.
 */
#include "repair_priv.h"
#include "btt.h"
#include "err.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- overlay source ---- */

/*
 * Reads the parent and lays every patch over the bytes, in plan order (a
 * later patch over the same bytes wins, as when the plan is written). Its
 * fd is -1: the analysis then reads through the patches everywhere, also
 * in the probes that would otherwise use a file descriptor (libblkid).
 */
struct ovl_priv {
	const struct ps_plan *plan;
	bool old;	/* lay the old bytes (what an undo writes back) */
};

static int ovl_pread(struct ps_src *s, void *buf, size_t len, uint64_t off)
{
	struct ovl_priv *p = s->priv;
	int rc = ps_src_pread(s->parent, buf, len, off);
	if (rc) {
		ps_src_set_error(s, "%s", ps_src_error(s->parent));
		return rc;
	}
	uint64_t end = off + len;
	for (size_t i = 0; i < p->plan->n; i++) {
		const struct ps_patch *x = &p->plan->p[i];
		uint64_t lo = x->off > off ? x->off : off;
		uint64_t hi = x->off + x->len < end ? x->off + x->len : end;
		if (lo < hi)
			memcpy((uint8_t *)buf + (lo - off),
			       (p->old ? x->old : x->new_) + (lo - x->off), hi - lo);
	}
	return PS_OK;
}

static int ovl_next_data(struct ps_src *s, uint64_t off, uint64_t *out)
{
	struct ovl_priv *p = s->priv;
	uint64_t d;
	int rc = ps_src_next_data(s->parent, off, &d);
	if (rc)
		return rc;
	for (size_t i = 0; i < p->plan->n; i++) {
		const struct ps_patch *x = &p->plan->p[i];
		if (x->off + x->len > off) {
			uint64_t st = x->off > off ? x->off : off;
			if (st < d)
				d = st;
		}
	}
	*out = d;
	return PS_OK;
}

static int ovl_next_hole(struct ps_src *s, uint64_t off, uint64_t *out)
{
	struct ovl_priv *p = s->priv;
	uint64_t h = off;
	for (;;) {
		int rc = ps_src_next_hole(s->parent, h, &h);
		if (rc)
			return rc;
		bool moved = false;
		for (size_t i = 0; i < p->plan->n; i++) {
			const struct ps_patch *x = &p->plan->p[i];
			if (x->off <= h && h < x->off + x->len) {
				h = x->off + x->len;
				moved = true;
			}
		}
		if (!moved || h >= s->size)
			break;
	}
	*out = h;
	return PS_OK;
}

static void ovl_close(struct ps_src *s)
{
	free(s->priv);
}

static const struct ps_src_ops ovl_ops = {
	.pread = ovl_pread,
	.next_data = ovl_next_data,
	.next_hole = ovl_next_hole,
	.close = ovl_close,
};

static int overlay(struct ps_src *parent, const struct ps_plan *plan, bool old,
		   struct ps_src **out)
{
	*out = NULL;
	for (size_t i = 0; i < plan->n; i++)
		if (plan->p[i].off + plan->p[i].len > parent->size)
			return PS_ERANGE;
	struct ovl_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return PS_ENOMEM;
	p->plan = plan;
	p->old = old;
	struct ps_src *s = ps_src_new(&ovl_ops, p, parent->size, parent->name);
	if (!s) {
		free(p);
		return PS_ENOMEM;
	}
	s->parent = parent;
	*out = s;
	return PS_OK;
}

int ps_src_overlay(struct ps_src *parent, const struct ps_plan *plan,
		   struct ps_src **out)
{
	return overlay(parent, plan, false, out);
}

int ps_src_overlay_old(struct ps_src *parent, const struct ps_plan *plan,
		       struct ps_src **out)
{
	return overlay(parent, plan, true, out);
}

/* ---- the validity rules (docs/repair.md, "How a repair is made") ---- */

/* Namespaces are matched by base: a repair may renumber them (a label area
 * repaired can add or drop one), never move them. */
static const struct ps_ns *ns_at(const struct ps_analysis *a, uint64_t base)
{
	for (size_t i = 0; i < a->nns; i++)
		if (a->ns[i].base == base && a->ns[i].nested_in < 0)
			return &a->ns[i];
	return NULL;
}

/* The namespace after the repair is what a current kernel accepts and shows
 * the data where it was: the same mode, a sound info block, no error left
 * (no warning either for a sector namespace, whose BTT is the repair), no
 * start_pad, and the proven filesystem at want_off. */
static bool ns_valid(const struct ps_analysis *aa, const struct ps_ns *before,
		     const struct ps_ns *after, uint64_t want_off, char *why_,
		     size_t n)
{
	if (!after) {
		snprintf(why_, n, "the re-scan finds no namespace at 0x%" PRIx64, before->base);
		return false;
	}
	if (after->mode != before->mode) {
		snprintf(why_, n, "the re-scan finds a %s namespace where a %s one was",
			 ps_ns_mode_name(after->mode), ps_ns_mode_name(before->mode));
		return false;
	}
	if (after->info_rec >= 0) {
		const struct ps_rec *r = &aa->scan.recs[after->info_rec];
		if (!r->checksum_ok) {
			snprintf(why_, n, "the info block's checksum is still wrong");
			return false;
		}
		if (ps_diags_count(&r->diags, PS_SEV_WARN)) {
			snprintf(why_, n, "the info block still has problems: %s", r->diags.v[0].msg);
			return false;
		}
	}
	for (size_t i = 0; i < after->diags.n; i++)
		if (after->diags.v[i].sev >= (after->mode == PS_NS_SECTOR ? PS_SEV_WARN : PS_SEV_ERR)) {
			snprintf(why_, n, "re-scan: %s", after->diags.v[i].msg);
			return false;
		}
	if (after->start_pad) {
		snprintf(why_, n, "start_pad is still 0x%" PRIx64, after->start_pad);
		return false;
	}
	if (after->mode == PS_NS_DEVDAX)
		return true;
	if (after->mode == PS_NS_SECTOR && before->verdict != PS_V_PROVEN)
		return true;	/* no filesystem to keep in place (the BTT is checked apart) */
	if (after->verdict != PS_V_PROVEN || after->chosen < 0) {
		snprintf(why_, n, "the re-scan verdict is %s, not proven",
			 ps_verdict_name(after->verdict));
		return false;
	}
	if (want_off && after->cand[after->chosen].off != want_off) {
		snprintf(why_, n, "the re-scan finds the filesystem at 0x%" PRIx64 ", not at 0x%" PRIx64 " where it was",
			 after->cand[after->chosen].off, want_off);
		return false;
	}
	return true;
}

/* A label area after the repair: both index blocks valid, the same one
 * current, and the same labels (slot and uuid) in use: the repair must not
 * change which namespaces the kernel builds from it. */
static bool lsa_valid(const struct ps_analysis *before, const struct ps_rec *br,
		      const struct ps_analysis *aa, char *why_, size_t n)
{
	(void)before;
	const struct ps_lsa *bl = br->u.lsa.lsa, *al = NULL;
	for (size_t i = 0; i < aa->scan.nrecs; i++)
		if (aa->scan.recs[i].kind == PS_REC_NSINDEX && aa->scan.recs[i].off == br->off)
			al = aa->scan.recs[i].u.lsa.lsa;
	if (!bl || !al) {
		snprintf(why_, n, "the re-scan finds no label area at 0x%" PRIx64, br->off);
		return false;
	}
	if (!al->index[0].valid || !al->index[1].valid) {
		snprintf(why_, n, "index block %d is still invalid", al->index[0].valid ? 1 : 0);
		return false;
	}
	if (al->current != bl->current) {
		snprintf(why_, n, "the current index moved from %d to %d", bl->current, al->current);
		return false;
	}
	size_t nb = 0, na = 0;
	for (size_t i = 0; i < bl->nrecs; i++)
		nb += bl->recs[i].active;
	for (size_t i = 0; i < al->nrecs; i++)
		na += al->recs[i].active;
	bool same = nb == na;
	for (size_t i = 0; i < bl->nrecs && same; i++) {
		if (!bl->recs[i].active)
			continue;
		same = false;
		for (size_t j = 0; j < al->nrecs; j++)
			if (al->recs[j].active && al->recs[j].slot == bl->recs[i].slot &&
			    !memcmp(al->recs[j].label.uuid, bl->recs[i].label.uuid, 16))
				same = true;
	}
	if (!same) {
		snprintf(why_, n, "the set of active labels changed (%zu before, %zu after)", nb, na);
		return false;
	}
	return true;
}

/* The BTT of a repaired sector namespace: every arena from its primary,
 * every backup equal to it. */
static bool btt_valid(const struct ps_ns *after, struct ps_src *after_src,
		      char *why_, size_t n)
{
	if (!after_src) {
		snprintf(why_, n, "no repaired image to check");
		return false;
	}
	struct ps_src *win;
	if (ps_src_window(after_src, after->base, after->size, &win)) {
		snprintf(why_, n, "the namespace no longer fits the image");
		return false;
	}
	struct ps_btt *b;
	struct ps_diags d;
	ps_diags_init(&d);
	struct ps_btt_open_opts bo = { .initial_offset = after->btt_initial };
	int rc = ps_btt_open(win, &bo, &b, &d);
	ps_diags_free(&d);
	if (rc) {
		ps_src_close(win);
		snprintf(why_, n, "the re-scan finds no usable BTT: %s", ps_strerror(rc));
		return false;
	}
	bool ok = true;
	for (unsigned i = 0; i < ps_btt_narenas(b) && ok; i++) {
		const struct ps_btt_arena *ar = ps_btt_arena(b, i);
		if (ar->used_backup) {
			snprintf(why_, n, "BTT arena %u's primary info block is still unusable", i);
			ok = false;
		} else if (ar->backup_differs || !ar->backup_ok) {
			snprintf(why_, n, "BTT arena %u's backup info block still differs from the primary", i);
			ok = false;
		}
	}
	ps_btt_close(b);
	ps_src_close(win);
	return ok;
}

bool ps_repair_unit_valid(const struct ps_analysis *before, int unit,
			  const struct ps_analysis *after, struct ps_src *after_src,
			  const struct ps_repair_opts *o, char *why_, size_t n)
{
	if (PS_UNIT_IS_REC(unit)) {
		size_t ri = PS_UNIT_REC_INDEX(unit);
		if (ri >= before->scan.nrecs) {
			snprintf(why_, n, "no such record");
			return false;
		}
		return lsa_valid(before, &before->scan.recs[ri], after, why_, n);
	}
	if (unit < 0 || (size_t)unit >= before->nns) {
		snprintf(why_, n, "no such namespace");
		return false;
	}
	const struct ps_ns *b = &before->ns[unit];
	const struct ps_ns *an = ns_at(after, b->base);
	if (!ns_valid(after, b, an, ps_repair_keep_off(b, o), why_, n))
		return false;
	if (b->mode == PS_NS_SECTOR)
		return btt_valid(an, after_src, why_, n);
	return true;
}

const char *ps_repair_unit_name(const struct ps_analysis *a, int unit, char *buf,
				size_t n)
{
	if (PS_UNIT_IS_REC(unit) && PS_UNIT_REC_INDEX(unit) < a->scan.nrecs) {
		const struct ps_rec *r = &a->scan.recs[PS_UNIT_REC_INDEX(unit)];
		snprintf(buf, n, "%s at 0x%" PRIx64, r->kind == PS_REC_NSINDEX ?
			 "label area" : ps_rec_kind_name(r->kind), r->off);
	}
	else
		snprintf(buf, n, "namespace %d", unit);
	return buf;
}

const struct ps_ns *ps_repair_ns_at(const struct ps_analysis *a, uint64_t base)
{
	return ns_at(a, base);
}

uint64_t ps_repair_keep_off(const struct ps_ns *ns, const struct ps_repair_opts *o)
{
	const struct ps_cand *c = ps_repair_fs_cand(ns, o);
	return c ? c->off : 0;
}

int ps_repair_verify(struct ps_src *src, const struct ps_analysis *before,
		     const struct ps_repair_opts *o, struct ps_plan *plan,
		     struct ps_analysis *after)
{
	struct ps_analysis aa;
	memset(&aa, 0, sizeof(aa));
	/* Each pass re-analyses the overlay and withdraws the first unit
	 * that is not valid, until every unit left is. One at a time, since
	 * units can interact (a label area describes the namespaces). */
	for (;;) {
		struct ps_src *ov;
		int rc = ps_src_overlay(src, plan, &ov);
		if (rc)
			return rc;
		struct ps_analysis_opts ao;
		memset(&ao, 0, sizeof(ao));
		ao.have_phys_base = o->have_phys_base;
		ao.phys_base = o->phys_base;
		rc = ps_analyze(ov, &ao, &aa);
		if (rc) {
			ps_analysis_free(&aa);
			ps_src_close(ov);
			return rc;
		}
		int bad_unit = 0;	/* 0: none; unit 0 itself is INT32_MIN */
		char w[PS_ERR_LINE_MAX];
		for (size_t k = 0; k < plan->n && !bad_unit; k++) {
			int u = plan->p[k].ns;
			if (k && plan->p[k - 1].ns == u)
				continue;
			if (!ps_repair_unit_valid(before, u, &aa, ov, o, w, sizeof(w)))
				bad_unit = u ? u : INT32_MIN;
		}
		ps_src_close(ov);
		if (!bad_unit)
			break;
		int u = bad_unit == INT32_MIN ? 0 : bad_unit;
		ps_plan_withdraw(plan, u);
		ps_plan_refuse(plan, u, "verify", &(struct ps_repair_why){ .kind = PS_RW_ROLLED_BACK, .ns = u,
								  .detail = w });
		ps_analysis_free(&aa);
		memset(&aa, 0, sizeof(aa));
	}
	if (after)
		*after = aa;
	else
		ps_analysis_free(&aa);
	return PS_OK;
}
