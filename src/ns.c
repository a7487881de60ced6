/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The analysis: from the scanner's records to namespaces (pfn/dax info
 * blocks, BTTs, labels, filesystems in the gaps), their candidate data
 * starts, and then, per namespace, the probes and conclusions of
 * ns_facts.c. Label areas are gathered by ns_labels.c.
 */
#include "docdir.h"
#include "ns_internal.h"
#include "err.h"
#include "units.h"
#include "le.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


const char *ps_ns_mode_name(enum ps_ns_mode m)
{
	switch (m) {
	case PS_NS_RAW: return "raw";
	case PS_NS_FSDAX: return "fsdax";
	case PS_NS_DEVDAX: return "devdax";
	case PS_NS_SECTOR: return "sector";
	}
	return "unknown";
}

const char *ps_sem_name(enum ps_sem s)
{
	switch (s) {
	case PS_SEM_LEGACY: return "legacy";
	case PS_SEM_FIXED: return "fixed";
	default: return "auto";
	}
}

const char *ps_verdict_name(enum ps_verdict v)
{
	switch (v) {
	case PS_V_PROVEN: return "proven";
	case PS_V_AMBIGUOUS: return "ambiguous";
	case PS_V_DAMAGED: return "damaged";
	case PS_V_NOFS: return "no-filesystem";
	case PS_V_NODATA: return "no-filesystem-expected";
	case PS_V_TRUNCATED: return "truncated";
	case PS_V_NONE: break;
	}
	return "unknown";
}

const char *ps_found_by_name(enum ps_found_by f)
{
	switch (f) {
	case PS_FOUND_INFO_BLOCK: return "info block";
	case PS_FOUND_LABELS: return "labels";
	case PS_FOUND_LABELS_INFO: return "labels + info block";
	case PS_FOUND_FS_SIGNATURE: return "filesystem signature";
	}
	return "unknown";
}

const char *ps_size_source_name(enum ps_size_source s)
{
	switch (s) {
	case PS_SIZE_INFO_BLOCK: return "info block";
	case PS_SIZE_IMAGE: return "image";
	case PS_SIZE_LABELS: return "labels";
	case PS_SIZE_BTT: return "BTT arenas";
	case PS_SIZE_GAP: return "gap between namespaces";
	}
	return "unknown";
}

static struct ps_ns *add_ns(struct ps_analysis *a, uint64_t base,
			    enum ps_ns_mode mode)
{
	if (a->nns >= PS_MAX_NS) {
		a->ns_dropped++;	/* not an error: reported at the end */
		return NULL;
	}
	if (a->nns == a->ns_cap) {
		size_t cap = a->ns_cap ? a->ns_cap * 2 : 8;
		if (cap > PS_MAX_NS)
			cap = PS_MAX_NS;
		struct ps_ns *n = realloc(a->ns, cap * sizeof(*n));
		if (!n)
			return NULL;
		a->ns = n;
		a->ns_cap = cap;
	}
	struct ps_ns *ns = &a->ns[a->nns];
	memset(ns, 0, sizeof(*ns));
	ns->index = (int)a->nns++;
	ns->base = base;
	ns->mode = mode;
	ns->info_rec = -1;
	ns->nested_in = -1;
	ns->label = -1;
	ns->chosen = -1;
	ns->damaged = -1;
	ns->pmdk_rec = -1;
	ps_diags_init(&ns->diags);
	return ns;
}

static void add_cand(struct ps_ns *ns, const struct ps_src *src, enum ps_sem sem,
		     const char *name, uint64_t rel_off, uint64_t size)
{
	struct ps_cand *c = &ns->cand[ns->ncand++];
	memset(c, 0, sizeof(*c));
	c->sem = sem;
	c->name = name;
	c->off = ns->base + rel_off;
	c->size = size;
	/* the size stays what the layout says: the report tells how much of
	 * it the image holds (present) */
	if (c->off >= src->size || src->size - c->off < size)
		c->truncated = true;
	c->present = ns_cand_room(src, c);
}

uint64_t ns_cand_room(const struct ps_src *src, const struct ps_cand *c)
{
	if (c->off >= src->size)
		return 0;
	uint64_t avail = src->size - c->off;
	return avail < c->size ? avail : c->size;
}

/* ---- sector mode: a view that owns the BTT under it ---- */

struct btt_owner {
	struct ps_src *win, *view;
	struct ps_btt *btt;
};

static int own_pread(struct ps_src *s, void *buf, size_t len, uint64_t off)
{
	struct btt_owner *o = s->priv;
	int rc = ps_src_pread(o->view, buf, len, off);
	if (rc)
		ps_src_set_error(s, "%s", ps_src_error(o->view));
	return rc;
}

static int own_next_data(struct ps_src *s, uint64_t off, uint64_t *out)
{
	struct btt_owner *o = s->priv;
	return ps_src_next_data(o->view, off, out);
}

static int own_next_hole(struct ps_src *s, uint64_t off, uint64_t *out)
{
	struct btt_owner *o = s->priv;
	return ps_src_next_hole(o->view, off, out);
}

static void own_close(struct ps_src *s)
{
	struct btt_owner *o = s->priv;
	ps_src_close(o->view);
	ps_btt_close(o->btt);
	ps_src_close(o->win);
	free(o);
}

static const struct ps_src_ops own_ops = {
	own_pread, own_next_data, own_next_hole, own_close,
};

int ns_btt_view(struct ps_src *src, const struct ps_ns *ns, struct ps_src **out)
{
	struct btt_owner *o = calloc(1, sizeof(*o));
	char *name = NULL;
	*out = NULL;
	if (!o)
		return PS_ENOMEM;
	uint64_t len = src->size - ns->base < ns->size ? src->size - ns->base : ns->size;
	int rc = ps_src_window(src, ns->base, len, &o->win);
	struct ps_btt_open_opts bo = { .initial_offset = ns->btt_initial,
				       .any_version = ns->pmdk_rec >= 0 };
	if (!rc)
		rc = ps_btt_open(o->win, &bo, &o->btt, NULL);
	if (!rc)
		rc = ps_btt_view(o->btt, &o->view);
	if (!rc && asprintf(&name, "%s (BTT of namespace %d)", src->name, ns->index) < 0) {
		name = NULL;
		rc = PS_ENOMEM;
	}
	if (!rc && !(*out = ps_src_new(&own_ops, o, o->view->size, name)))
		rc = PS_ENOMEM;
	free(name);
	if (rc) {
		ps_src_close(o->view);
		ps_btt_close(o->btt);
		ps_src_close(o->win);
		free(o);
	}
	return rc;
}

static int pfn_namespace(struct ps_analysis *a, struct ps_src *src, size_t ri)
{
	struct ps_rec *r = &a->scan.recs[ri];
	if (r->off < PS_PFN_OFFSET || r->truncated)
		return PS_OK;	/* cannot be at ns + 4096, or nothing to go on */
	uint64_t base = r->off - PS_PFN_OFFSET;
	struct ps_ns *ns = add_ns(a, base, r->kind == PS_REC_DAX ? PS_NS_DEVDAX :
				  PS_NS_FSDAX);
	if (!ns)
		return a->ns_dropped ? PS_OK : PS_ENOMEM;
	ns->info_rec = (int)ri;
	ns->found_by = PS_FOUND_INFO_BLOCK;
	if (!r->checksum_ok)
		ns->refusal = PS_REFUSE_CHECKSUM;
	ns->pfn = r->u.pfn;
	ns->start_pad = ns->pfn.start_pad;
	ns->end_trunc = ns->pfn.end_trunc;
	ns->dataoff = ns->pfn.dataoff;

	/* Namespace size: the block says P + T + D + npfns pages (exact for
	 * every era's formula); the image bounds it. */
	uint64_t pages, sz = 0;
	int ovf = ps_mul_ovf(ns->pfn.npfns, ns->pfn.eff_page_size, &pages) ||
		  ps_add_ovf(pages, ns->start_pad, &sz) || ps_add_ovf(sz, ns->end_trunc, &sz) ||
		  ps_add_ovf(sz, ns->dataoff, &sz);
	uint64_t avail = src->size - base;
	if (ovf || sz == 0) {
		ps_diag_add(&ns->diags, PS_SEV_ERR, PS_FIELD_AT(PS_PFN, r->off, npfns),
			    "npfns %" PRIu64 " gives an impossible namespace size; using the rest of the image",
			    ns->pfn.npfns);
		ns->size = avail;
		ns->size_source = PS_SIZE_IMAGE;
	} else {
		ns->size = sz;
		ns->size_source = PS_SIZE_INFO_BLOCK;
		if (base == 0 && avail > sz && avail - sz < ns->pfn.eff_align) {
			ns->size = avail;	/* partial trailing page */
			ns->size_source = PS_SIZE_IMAGE;
		}
		if (sz > avail && !r->checksum_ok) {
			/* a block whose checksum is wrong proves nothing
			 * about the dump's length: its npfns is as likely
			 * the damaged field */
			char h1[32], h2[32];
			ps_diag_add(&ns->diags, PS_SEV_ERR, PS_FIELD_AT(PS_PFN, r->off, npfns),
				    "npfns %" PRIu64 " gives a %s namespace but only %s of the image follow its start, and the block's checksum is wrong: npfns is taken as damaged (not the dump as truncated); using the rest of the image",
				    ns->pfn.npfns, ps_human(sz, h1, sizeof(h1)),
				    ps_human(avail, h2, sizeof(h2)));
			ns->size = avail;
			ns->size_source = PS_SIZE_IMAGE;
		} else if (sz > avail) {
			char h1[32], h2[32];
			ps_diag_add(&ns->diags, PS_SEV_ERR, PS_FIELD_AT(PS_PFN, r->off, npfns),
				    "the info block describes a %s namespace but only %s of the image follow its start: the dump is truncated",
				    ps_human(sz, h1, sizeof(h1)), ps_human(avail, h2, sizeof(h2)));
		}
	}
	/* A label for this namespace is the authority on its size and uuid. */
	ns->label = ns_label_at(a, base);
	if (ns->label >= 0) {
		const struct ps_namespace *ln = &a->labels.ns[ns->label];
		char h1[32], h2[32];
		ns->found_by = PS_FOUND_LABELS_INFO;
		if (memcmp(ln->uuid, ns->pfn.parent_uuid, 16)) {
			if (!ns->refusal)
				ns->refusal = PS_REFUSE_PARENT_UUID;
			ps_diag_add(&ns->diags, PS_SEV_ERR, PS_FIELD_AT(PS_PFN, r->off, parent_uuid),
				    "parent_uuid does not match the uuid of the namespace label at this offset: the kernel ignores this info block (ENODEV) and sees a raw namespace");
		}
		if ((ln->claim == PS_CLAIM_PFN && ns->mode != PS_NS_FSDAX) ||
		    (ln->claim == PS_CLAIM_DAX && ns->mode != PS_NS_DEVDAX) ||
		    ln->claim == PS_CLAIM_BTT || ln->claim == PS_CLAIM_BTT2)
			ps_diag_add(&ns->diags, PS_SEV_WARN, r->off, "signature",
				    "the label claims this namespace for %s, but the info block is %s",
				    ps_claim_name(ln->claim), ps_ns_mode_name(ns->mode));
		if (!ovf && sz && ln->size != sz)
			ps_diag_add(&ns->diags, ln->size < sz ? PS_SEV_ERR : PS_SEV_INFO,
				    PS_FIELD_AT(PS_PFN, r->off, npfns),
				    "the labels give the namespace %s, the info block implies %s%s",
				    ps_human(ln->size, h1, sizeof(h1)),
				    ps_human(sz, h2, sizeof(h2)),
				    ln->size < sz ? ": the block describes more than the namespace has" : "");
		ns->size = ln->size;
		ns->size_source = PS_SIZE_LABELS;
		if (ns->size > avail)
			ns->size = avail;
	}
	/* Re-parse with the size known: catches dataoff/start_pad overruns. */
	{
		struct ps_pfn_sb tmp;
		uint8_t blk[PS_INFO_BLOCK_SIZE];
		if (ps_src_pread(src, blk, sizeof(blk), r->off) == PS_OK) {
			struct ps_diags d2;
			ps_diags_init(&d2);
			ps_pfn_parse(blk, sizeof(blk), r->off, ns->size, &tmp, &d2);
			for (size_t i = 0; i < d2.n; i++)
				if (!ps_diags_has(&r->diags, d2.v[i].field, d2.v[i].sev))
					ps_diag_add(&ns->diags, d2.v[i].sev, d2.v[i].off,
						    d2.v[i].field, "%s", d2.v[i].msg);
			ps_diags_free(&d2);
		}
	}
	uint64_t used;
	if (ps_add_ovf(ns->start_pad, ns->end_trunc, &used) || ps_add_ovf(used, ns->dataoff, &used) ||
	    used >= ns->size) {
		ps_diag_add(&ns->diags, PS_SEV_ERR, PS_FIELD_AT(PS_PFN, r->off, dataoff),
			    "start_pad + end_trunc + dataoff leave no data; no candidate computed");
		return PS_OK;
	}
	if (ns->start_pad) {
		add_cand(ns, src, PS_SEM_LEGACY, "legacy", ns->start_pad + ns->dataoff, ns->size - used);
		add_cand(ns, src, PS_SEM_FIXED, "fixed", ns->dataoff, ns->size - ns->end_trunc - ns->dataoff);
	} else {
		add_cand(ns, src, PS_SEM_AUTO, "data", ns->dataoff, ns->size - used);
	}
	return PS_OK;
}

static int cmp_ns(const void *x, const void *y)
{
	const struct ps_ns *a = x, *b = y;
	return a->base < b->base ? -1 : a->base > b->base;
}

/* Does a BTT namespace claim the block at off (an arena's primary or
 * backup)? */
static void claim_btt_recs(struct ps_analysis *a, const struct ps_btt *b,
			   uint64_t base, int nsi)
{
	for (unsigned i = 0; i < ps_btt_narenas(b); i++) {
		const struct ps_btt_arena *ar = ps_btt_arena(b, i);
		uint64_t start = base + ar->off;	/* off includes the initial offset */
		for (size_t r = 0; r < a->scan.nrecs; r++) {
			struct ps_rec *rec = &a->scan.recs[r];
			if (rec->kind != PS_REC_BTT || rec->role != PS_ROLE_UNCLAIMED)
				continue;
			if (rec->off == start)
				rec->role = PS_ROLE_PRIMARY;
			else if (rec->off == start + ar->sb.info2off)
				rec->role = PS_ROLE_BACKUP;
			else
				continue;
			(void)nsi;
		}
	}
}

/*
 * Sector-mode namespaces: every BTT block not yet explained is tried as
 * arena 0 of a namespace (v1.1 at ns + 4096, v2.0 at ns + 0), then as the
 * backup at the end of arena 0 (a destroyed primary). The namespace runs
 * to the next known namespace or the end of the image; the BTT's arenas
 * say how much of it they use.
 *
 * A PMEMBLK pool's BTT is a "namespace" when the pool is the image (its
 * header at 0) or lies in no namespace found otherwise (pass 1, after the
 * filesystems in the gaps): a pool inside a namespace's data is a file in
 * its filesystem, listed with its own size (8 KiB + its BTT's arenas), not
 * a namespace cutting that filesystem short.
 */
/* Open the pool's BTT at btt_off: its arenas' blocks are claimed (so a
 * backup is not tried as a namespace of its own); with pr, the pool's
 * size is set from them. */
static void pool_btt(struct ps_analysis *a, struct ps_src *src, struct ps_rec *pr,
		     uint64_t btt_off)
{
	struct ps_src *win;
	if (ps_src_window(src, btt_off, src->size - btt_off, &win))
		return;
	struct ps_btt *b = NULL;
	struct ps_btt_open_opts bo = { .initial_offset = 0, .any_version = true };
	if (ps_btt_open(win, &bo, &b, NULL) == PS_OK) {
		uint64_t used = 0;
		for (unsigned i = 0; i < ps_btt_narenas(b); i++) {
			const struct ps_btt_arena *ar = ps_btt_arena(b, i);
			used = ar->off + ar->size;
		}
		claim_btt_recs(a, b, btt_off, -1);
		if (pr && pr->u.pmdk)
			pr->u.pmdk->size = PS_PMDK_BLK_DATA_OFF + used;
		ps_btt_close(b);
	}
	ps_src_close(win);
}

static int btt_namespaces(struct ps_analysis *a, struct ps_src *src, int pass)
{
	for (size_t r = 0; r < a->scan.nrecs; r++) {
		struct ps_rec *rec = &a->scan.recs[r];
		if (rec->kind != PS_REC_BTT || rec->role != PS_ROLE_UNCLAIMED || rec->truncated)
			continue;
		const struct ps_btt_sb *sb = &rec->u.btt;
		uint64_t linux_init = sb->version_major == 2 ? PS_BTT2_OFFSET : PS_BTT1_OFFSET;
		uint64_t tries[3], inits[3];
		int ntries = 0;
		/* libpmemblk's BTT: arena 0 right at pool + 8 KiB */
		int pool = ns_pmdk_blk_for_btt(a, rec->off);
		bool later = pool >= 0 && a->scan.recs[pool].off > 0;
		if (later && pass == 0) {
			/* its backup is not a namespace of its own meanwhile */
			pool_btt(a, src, NULL, rec->off);
			rec->role = PS_ROLE_UNCLAIMED;
		}
		if (later != (pass == 1))
			continue;
		if (later) {
			struct ps_rec *pr = &a->scan.recs[pool];
			bool inside = false;
			for (size_t j = 0; j < a->nns && !inside; j++) {
				const struct ps_ns *o = &a->ns[j];
				if (o->nested_in < 0 && pr->off >= o->base && pr->off - o->base < o->size) {
					inside = true;
					pr->pmdk_place = PS_PMDK_IN_DATA;
					pr->ns = (int)j;
				}
			}
			if (inside) {
				pool_btt(a, src, pr, rec->off);
				continue;
			}
		}
		if (pool >= 0) {
			inits[ntries] = 0;
			tries[ntries++] = rec->off;
		}
		if (rec->off >= linux_init) {
			inits[ntries] = linux_init;
			tries[ntries++] = rec->off - linux_init;
		}
		if (sb->info2off && rec->off >= sb->info2off + linux_init) {
			inits[ntries] = linux_init;
			tries[ntries++] = rec->off - sb->info2off - linux_init;
		}
		for (int t = 0; t < ntries; t++) {
			uint64_t base = tries[t], limit = src->size, init = inits[t];
			bool taken = false;
			for (size_t j = 0; j < a->nns; j++) {
				if (a->ns[j].base == base)
					taken = true;
				if (a->ns[j].base > base && a->ns[j].base < limit)
					limit = a->ns[j].base;
			}
			int li = ns_label_at(a, base);
			if (li >= 0 && a->labels.ns[li].size < limit - base)
				limit = base + a->labels.ns[li].size;
			if (taken)
				continue;
			struct ps_src *win;
			if (ps_src_window(src, base, limit - base, &win))
				continue;
			struct ps_diags d;
			ps_diags_init(&d);
			struct ps_btt *b = NULL;
			struct ps_btt_open_opts bo = { .initial_offset = init,
						       .any_version = pool >= 0 && t == 0 };
			int rc = ps_btt_open(win, &bo, &b, &d);
			if (rc) {
				ps_diags_free(&d);
				ps_src_close(win);
				continue;
			}
			struct ps_ns *ns = add_ns(a, base, PS_NS_SECTOR);
			if (!ns) {
				ps_btt_close(b);
				ps_diags_free(&d);
				ps_src_close(win);
				if (a->ns_dropped)
					continue;
				return PS_ENOMEM;
			}
			ns->found_by = PS_FOUND_INFO_BLOCK;
			ns->btt_initial = init;
			if (pool >= 0 && t == 0)
				ns_pmdk_blk_attach(a, pool, ns, sb);
			ns->btt_narenas = ps_btt_narenas(b);
			ns->btt_nlba = ps_btt_nlba(b);
			ns->btt_lbasize = ps_btt_lbasize(b);
			ns->btt_sector = ps_btt_sector_size(b);
			uint64_t used = init;
			for (unsigned i = 0; i < ns->btt_narenas; i++) {
				const struct ps_btt_arena *ar = ps_btt_arena(b, i);
				ns->btt_used_backup |= ar->used_backup;
				used = ar->off + ar->size;
			}
			ns->size = used;
			ns->size_source = PS_SIZE_BTT;
			if (li >= 0) {
				ns->label = li;
				ns->size = a->labels.ns[li].size;
				ns->size_source = PS_SIZE_LABELS;
				ns->found_by = PS_FOUND_LABELS_INFO;
			}
			ns->info_rec = -1;
			claim_btt_recs(a, b, base, ns->index);
			for (size_t r2 = 0; r2 < a->scan.nrecs; r2++)
				if (a->scan.recs[r2].kind == PS_REC_BTT &&
				    a->scan.recs[r2].off == base + init && ns->info_rec < 0)
					ns->info_rec = (int)r2;
			ps_diags_merge(&ns->diags, &d);
			ps_diags_free(&d);
			struct ps_cand *c = &ns->cand[ns->ncand++];
			memset(c, 0, sizeof(*c));
			c->sem = PS_SEM_AUTO;
			c->name = "btt";
			c->btt = true;
			c->off = base;
			c->size = ns->btt_nlba * ns->btt_sector;
			c->present = c->size;	/* the BTT opened: its map is there */
			ps_btt_close(b);
			ps_src_close(win);
			break;
		}
	}
	return PS_OK;
}

/* Placed, complete label namespaces with no info block at their start. */
static int label_only_namespaces(struct ps_analysis *a, struct ps_src *src)
{
	for (size_t i = 0; a->labels_placed && i < a->labels.n; i++) {
		const struct ps_namespace *ln = &a->labels.ns[i];
		if (!ln->complete)
			continue;
		bool have = false;
		for (size_t j = 0; j < a->nns; j++)
			if (a->ns[j].label == (int)i)
				have = true;
		if (have)
			continue;
		struct ps_ns *ns = add_ns(a, ln->region_offset, PS_NS_RAW);
		if (!ns) {
			if (a->ns_dropped)
				continue;
			return PS_ENOMEM;
		}
		ns->label = (int)i;
		ns->found_by = PS_FOUND_LABELS;
		/* the labels' size: what the image holds of it is ns->present
		 * (a namespace past the image's end is all truncated) */
		ns->size = ln->size;
		ns->size_source = PS_SIZE_LABELS;
		switch (ln->claim) {
		case PS_CLAIM_PFN:
		case PS_CLAIM_DAX:
			ps_diag_add(&ns->diags, PS_SEV_ERR,
				    PS_FIELD_AT(PS_PFN, ln->region_offset + PS_PFN_OFFSET, signature),
				    "the label claims this namespace for %s but there is no valid info block at +4096: the kernel will not enable it; probing its start as raw",
				    ps_claim_name(ln->claim));
			break;
		case PS_CLAIM_BTT:
		case PS_CLAIM_BTT2:
			ps_diag_add(&ns->diags, PS_SEV_WARN, ln->region_offset, "signature",
				    "the label claims this namespace for %s (sector mode); its BTT is not read by this build, probing its start as raw",
				    ps_claim_name(ln->claim));
			break;
		default:
			break;
		}
		add_cand(ns, src, PS_SEM_AUTO, "data", 0, ns->size);
	}
	return PS_OK;
}

/*
 * Index the (sorted) namespaces; one that starts inside another's data
 * area (from base + dataoff, the earliest data start of either reading)
 * is a copy stored in that namespace (an image file in its filesystem)
 * or a stale block.
 */
static void mark_nested(struct ps_analysis *a)
{
	for (size_t i = 0; i < a->nns; i++) {
		a->ns[i].index = (int)i;
		a->ns[i].nested_in = -1;
		for (size_t j = 0; j < i; j++) {
			struct ps_ns *o = &a->ns[j];
			if (o->nested_in < 0 && o->ncand && o->mode != PS_NS_RAW &&
			    a->ns[i].base >= o->base + o->dataoff &&
			    a->ns[i].base < o->base + o->size) {
				a->ns[i].nested_in = (int)j;
				break;
			}
		}
	}
}

#define GAP_MIN ((uint64_t)1 << 20)

static int try_raw(struct ps_analysis *a, struct ps_src *src, uint64_t lo,
		   uint64_t hi)
{
	if (hi <= lo || hi - lo < GAP_MIN)
		return PS_OK;
	struct ps_src *v;
	struct ps_probe p;
	if (ps_src_window(src, lo, hi - lo, &v))
		return PS_OK;
	int rc = ps_probe_view(v, &p);
	ps_src_close(v);
	if (rc || !p.type[0])
		return PS_OK;
	struct ps_ns *ns = add_ns(a, lo, PS_NS_RAW);
	if (!ns)
		return a->ns_dropped ? PS_OK : PS_ENOMEM;
	ns->size = hi - lo;
	ns->found_by = PS_FOUND_FS_SIGNATURE;
	ns->size_source = lo || hi != src->size ? PS_SIZE_GAP : PS_SIZE_IMAGE;
	memcpy(ns->fs_signature, p.type, sizeof(ns->fs_signature));
	add_cand(ns, src, PS_SEM_AUTO, "data", 0, hi - lo);
	return PS_OK;
}

static int raw_gaps(struct ps_analysis *a, struct ps_src *src)
{
	size_t n = a->nns;
	uint64_t pos = 0;
	for (size_t i = 0; i < n; i++) {
		const struct ps_ns *ns = &a->ns[i];
		if (ns->nested_in >= 0)
			continue;
		uint64_t base = ns->base, end = ns->base + ns->size;
		int rc = try_raw(a, src, pos, base);
		if (rc)
			return rc;
		if (end > pos)
			pos = end;
	}
	int rc = try_raw(a, src, pos, src->size);
	if (rc)
		return rc;
	if (a->nns != n)
		qsort(a->ns, a->nns, sizeof(*a->ns), cmp_ns);
	return PS_OK;
}

static int analyze_data(struct ps_analysis *a, struct ps_src *src,
			const struct ps_analysis_opts *opts);

int ps_analyze(struct ps_src *src, const struct ps_analysis_opts *opts,
	       struct ps_analysis *a)
{
	memset(a, 0, sizeof(*a));
	ps_diags_init(&a->diags);
	if (opts->have_phys_base) {
		a->have_phys = true;
		a->phys_base = opts->phys_base;
	}
	if (opts->have_phys_base && opts->phys_entry) {
		/* copied: the report outlives the caller's map */
		const struct ps_phys_range *e = opts->phys_entry;
		a->have_phys_entry = true;
		a->phys_entry.start = e->start;
		a->phys_entry.end = e->end;
		a->phys_entry.name = strdup(e->name ? e->name : "");
		if (!a->phys_entry.name)
			return PS_ENOMEM;
	}
	int rc = ps_scan_run(src, &opts->scan, &a->scan);
	if (rc)
		return rc;
	struct ps_src *data = NULL;
	rc = ns_gather_labels(a, src, opts, &data);
	if (rc)
		return rc;
	/* (without a memo every view is probed: the same result, slower) */
	struct ps_src *d = data ? data : src;
	(void)ps_probe_memo_begin(d);
	rc = analyze_data(a, d, opts);
	ps_probe_memo_end(d);
	if (data)
		ps_src_close(data);
	return rc;
}

/* The namespaces in src (the region: the image, or the part of it before
 * a label area at its end), from the scan's records and the labels. */
static int analyze_data(struct ps_analysis *a, struct ps_src *src,
			const struct ps_analysis_opts *opts)
{
	int rc;
	for (size_t i = 0; i < a->scan.nrecs; i++) {
		struct ps_rec *r = &a->scan.recs[i];
		if (r->kind == PS_REC_PFN || r->kind == PS_REC_DAX) {
			rc = pfn_namespace(a, src, i);
			if (rc)
				return rc;
		}
	}
	rc = btt_namespaces(a, src, 0);
	if (rc)
		return rc;
	rc = label_only_namespaces(a, src);
	if (rc)
		return rc;
	if (a->nns)
		qsort(a->ns, a->nns, sizeof(*a->ns), cmp_ns);
	mark_nested(a);
	/* Stretches no info block claims (all of a raw namespace image; the
	 * space before, between or after pfn namespaces in a region image):
	 * a filesystem there is a raw namespace, data at its offset 0. */
	rc = raw_gaps(a, src);
	if (rc)
		return rc;
	size_t before = a->nns;
	rc = btt_namespaces(a, src, 1);
	if (rc)
		return rc;
	if (a->nns != before)
		qsort(a->ns, a->nns, sizeof(*a->ns), cmp_ns);
	mark_nested(a);
	if (a->ns_dropped)
		ps_diag_add(&a->diags, PS_SEV_WARN, 0, "namespaces",
			    "%zu more namespace(s) found (info blocks, labels or filesystems) than the %u analysed: an image tiled with info blocks? the first %u by offset of each kind are reported",
			    a->ns_dropped, PS_MAX_NS, PS_MAX_NS);
	for (size_t i = 0; i < a->nns; i++) {
		struct ps_ns *ns = &a->ns[i];
		ns->present = ns->base >= src->size ? 0 :
			      src->size - ns->base < ns->size ? src->size - ns->base :
			      ns->size;
		if (opts->have_phys_base) {
			ns->have_phys = true;
			ns->phys = opts->phys_base + ns->base;
		}
		/* a copy inside another namespace's filesystem is that
		 * filesystem's content, not a namespace of this image */
		if (ns->nested_in >= 0)
			continue;
		for (int c = 0; c < ns->ncand && !rc; c++)
			rc = ns_probe_cand(src, ns, &ns->cand[c]);
		if (!rc && ns->ncand)
			rc = ns_decide(src, ns, opts->phys_map);
		if (rc)
			return rc;
	}
	ns_pmdk_place(a);
	return ps_earlier_find(src, a, &a->earlier);
}

void ps_analysis_free(struct ps_analysis *a)
{
	for (size_t i = 0; i < a->nns; i++) {
		ps_diags_free(&a->ns[i].diags);
		ns_free_facts(&a->ns[i]);
	}
	free(a->ns);
	free(a->phys_entry.name);
	ps_ns_set_free(&a->labels);
	ps_scan_free(&a->scan);
	ps_earlier_free(&a->earlier);
	ps_diags_free(&a->diags);
	memset(a, 0, sizeof(*a));
}

int ps_ns_pick(const struct ps_ns *ns, enum ps_sem sem, int *cand)
{
	*cand = -1;
	if (sem == PS_SEM_AUTO) {
		if (ns->chosen >= 0 && (ns->verdict != PS_V_AMBIGUOUS ||
					ns->weigh.decisive != PS_DECISIVE_NO))
			*cand = ns->chosen;
		else if (ns->verdict == PS_V_AMBIGUOUS)
			return PS_EAMBIG;
		else if (ns->verdict == PS_V_DAMAGED && ns->damaged >= 0 &&
			 ns->cand[ns->damaged].sem == PS_SEM_AUTO)
			/* one data start (start_pad 0, a raw namespace): the
			 * damaged filesystem is the only thing to read, as it
			 * is (the filesystem layer says its checksum fails) */
			*cand = ns->damaged;
	} else {
		for (int i = 0; i < ns->ncand; i++)
			if (ns->cand[i].sem == sem || ns->cand[i].sem == PS_SEM_AUTO)
				*cand = i;
	}
	return *cand >= 0 ? PS_OK : PS_ENOTFOUND;
}

enum ps_ns_hint ps_ns_view_hint(const struct ps_ns *ns, enum ps_sem sem)
{
	int pick;
	if (sem != PS_SEM_AUTO || ps_ns_pick(ns, sem, &pick) == PS_OK)
		return PS_NS_HINT_NONE;
	if (ns->verdict != PS_V_AMBIGUOUS && ns->ncand == 1 &&
	    ns->cand[0].sem == PS_SEM_AUTO)
		return PS_NS_HINT_OFFSET;
	return PS_NS_HINT_SEMANTICS;
}

int ps_ns_data_view(struct ps_src *src, const struct ps_analysis *a,
		    int idx, enum ps_sem sem, struct ps_src **view, char *err,
		    size_t errlen)
{
	*view = NULL;
	if (idx < 0 || (size_t)idx >= a->nns) {
		snprintf(err, errlen, "%s: no namespace %d (found %zu)", src->name,
			 idx, a->nns);
		return PS_EINVAL;
	}
	const struct ps_ns *ns = &a->ns[idx];
	const struct ps_cand *c = NULL;
	int pick;
	if (ps_ns_pick(ns, sem, &pick) == PS_OK) {
		c = &ns->cand[pick];
	} else if (sem == PS_SEM_AUTO) {
		if (ns->verdict == PS_V_AMBIGUOUS) {
			snprintf(err, errlen, "%s: namespace %d is ambiguous (a filesystem at both data starts)%s%s%s",
				 src->name, idx,
				 ns->weigh.recommend != PS_SEM_AUTO ? ": the evidence favours the " : "",
				 ns->weigh.recommend != PS_SEM_AUTO ? ps_sem_name(ns->weigh.recommend) : "",
				 ns->weigh.recommend != PS_SEM_AUTO ? " reading, but not decisively (" PS_DOC("start_pad.md") ")" : "");
			return PS_EAMBIG;
		} else if (ns->ncand == 1 && ns->cand[0].sem == PS_SEM_AUTO) {
			/* nothing to choose between: only another offset helps */
			snprintf(err, errlen, "%s: namespace %d: no filesystem at its data start 0x%" PRIx64 " (%s)",
				 src->name, idx, ns->cand[0].off, ps_verdict_name(ns->verdict));
			return PS_ENOTFOUND;
		} else {
			snprintf(err, errlen, "%s: namespace %d: no candidate data start is proven (%s)",
				 src->name, idx, ps_verdict_name(ns->verdict));
			return PS_ENOTFOUND;
		}
	}
	if (!c) {
		snprintf(err, errlen, "%s: namespace %d has no data start under the %s semantics",
			 src->name, idx, ps_sem_name(sem));
		return PS_ENOTFOUND;
	}
	if (c->btt) {
		int rc = ns_btt_view(src, ns, view);
		if (rc)
			snprintf(err, errlen, "%s: namespace %d: BTT: %s", src->name, ns->index,
				 ps_strerror(rc));
		return rc;
	}
	uint64_t room = ns_cand_room(src, c);
	int rc = ps_src_window(src, c->off, room, view);
	if (rc)
		snprintf(err, errlen, "%s", ps_src_error(src));
	return rc;
}
