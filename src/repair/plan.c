/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The plan type and the table of repair kinds; the planners themselves are
 * in plan_pfn.c, plan_lsa.c and plan_btt.c. */
#include "config.h"
#include "repair_priv.h"
#include "err.h"
#include "le.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- plan bookkeeping ---- */

/* A plan is growing arrays of patches, refusals and notes. A refusal or
 * note that cannot be stored (no memory) is counted in notes_lost rather
 * than failing the plan: they explain, they do not write (a planner that
 * refuses adds no patch either way). */

void ps_plan_init(struct ps_plan *p)
{
	memset(p, 0, sizeof(*p));
}

static void merge_expect_free(struct ps_merge_expect *m)
{
	for (size_t k = 0; k < m->n; k++)
		free(m->f[k].path);
	free(m->f);
}

static void why_free(struct ps_repair_why *w)
{
	free((void *)w->path);
	free((void *)w->path2);
	free((void *)w->detail);
}

void ps_plan_free(struct ps_plan *p)
{
	for (size_t i = 0; i < p->nmerge; i++)
		merge_expect_free(&p->merge[i]);
	for (int k = 0; k < p->nnotes; k++)
		why_free(&p->notes[k]);
	free(p->notes);
	for (size_t k = 0; k < p->nr; k++)
		why_free(&p->r[k].why);
	for (size_t k = 0; k < p->n; k++)
		why_free(&p->p[k].why);
	free(p->merge);
	free(p->p);
	free(p->r);
	memset(p, 0, sizeof(*p));
}

/* w's strings copied: false (nothing kept) when one cannot be. */
static bool why_copy(struct ps_repair_why *to, const struct ps_repair_why *w)
{
	*to = *w;
	to->path = w->path ? strdup(w->path) : NULL;
	to->path2 = w->path2 ? strdup(w->path2) : NULL;
	to->detail = w->detail ? strdup(w->detail) : NULL;
	if ((w->path && !to->path) || (w->path2 && !to->path2) ||
	    (w->detail && !to->detail)) {
		why_free(to);
		return false;
	}
	return true;
}

int ps_plan_add(struct ps_plan *p, int ns, const char *kind, uint64_t off,
		const uint8_t *old, const uint8_t *new_, uint32_t len,
		const char *field, const char *oldv, const char *newv,
		const struct ps_repair_why *why)
{
	uint64_t end;
	if (!len || len > PS_PATCH_MAX_LEN || ps_add_ovf(off, len, &end))
		return PS_EINVAL;
	if (p->n == p->cap) {
		size_t nc = p->cap ? 2 * p->cap : 8;
		struct ps_patch *v = realloc(p->p, nc * sizeof(*v));
		if (!v)
			return PS_ENOMEM;
		p->p = v;
		p->cap = nc;
	}
	struct ps_patch *x = &p->p[p->n++];
	memset(x, 0, sizeof(*x));
	x->off = off;
	x->len = len;
	memcpy(x->old, old, len);
	memcpy(x->new_, new_, len);
	x->ns = ns;
	x->kind = kind;
	snprintf(x->field, sizeof(x->field), "%s", field ? field : "bytes");
	snprintf(x->oldv, sizeof(x->oldv), "%s", oldv ? oldv : "");
	snprintf(x->newv, sizeof(x->newv), "%s", newv ? newv : "");
	if (!why_copy(&x->why, why)) {
		p->n--;
		return PS_ENOMEM;
	}
	return PS_OK;
}

void ps_plan_refuse(struct ps_plan *p, int ns, const char *kind,
		    const struct ps_repair_why *w)
{
	if (p->nr == p->capr) {
		size_t nc = p->capr ? 2 * p->capr : 4;
		struct ps_refusal *v = realloc(p->r, nc * sizeof(*v));
		if (!v) {
			p->notes_lost++;
			return;
		}
		p->r = v;
		p->capr = nc;
	}
	struct ps_refusal *r = &p->r[p->nr];
	r->ns = ns;
	r->kind = kind;
	if (!why_copy(&r->why, w)) {
		p->notes_lost++;
		return;
	}
	p->nr++;
}

void ps_plan_note(struct ps_plan *p, const struct ps_repair_why *w)
{
	struct ps_repair_why *v = realloc(p->notes, (size_t)(p->nnotes + 1) * sizeof(*v));
	if (!v) {
		p->notes_lost++;
		return;
	}
	p->notes = v;
	if (!why_copy(&p->notes[p->nnotes], w)) {
		p->notes_lost++;
		return;
	}
	p->nnotes++;
}

/* Keeps the order of the other patches: the plan is written in order. */
void ps_plan_withdraw(struct ps_plan *p, int ns)
{
	size_t j = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (p->p[i].ns != ns)
			p->p[j++] = p->p[i];
		else
			why_free(&p->p[i].why);
	}
	p->n = j;
	j = 0;
	for (size_t i = 0; i < p->nmerge; i++) {
		if (p->merge[i].ns != ns)
			p->merge[j++] = p->merge[i];
		else
			merge_expect_free(&p->merge[i]);
	}
	p->nmerge = j;
}

/* ---- what a repair keeps ---- */

const struct ps_cand *ps_repair_fs_cand(const struct ps_ns *ns,
					const struct ps_repair_opts *o)
{
	if (ns->verdict == PS_V_PROVEN && ns->chosen >= 0)
		return &ns->cand[ns->chosen];
	if (ns->verdict == PS_V_AMBIGUOUS && o->sem != PS_SEM_AUTO)
		for (int i = 0; i < ns->ncand; i++)
			if (ns->cand[i].sem == o->sem && ns->cand[i].probe.found)
				return &ns->cand[i];
	return NULL;
}

/* ---- the repair kinds, in the order they plan ---- */

const struct ps_repair_kind ps_repair_kinds[] = {
	{ "pfn", "pfn/dax info block: checksum, derivable fields, start_pad layouts", ps_plan_pfn, NULL },
	{ "label-index", "label storage area: an invalid index block rebuilt from the valid one", NULL, ps_plan_lsa },
	{ "btt-info", "BTT arena info blocks: primary restored from its backup, and the reverse", ps_plan_btt, ps_plan_btt_orphans },
	{ NULL, NULL, NULL, NULL },
};

/* Every kind over every selected namespace, then its once-per-image part;
 * so the patches come grouped by kind, and a unit's patches in the order
 * its planner made them (the undo file and the output keep that order). */
int ps_repair_plan(struct ps_src *src, const struct ps_analysis *a,
		   const struct ps_repair_opts *o, struct ps_plan *plan)
{
	for (const struct ps_repair_kind *k = ps_repair_kinds; k->name; k++) {
		int rc = PS_OK;
		for (size_t i = 0; i < a->nns && k->plan && !rc; i++)
			if (o->ns < 0 || (size_t)o->ns == i)
				rc = k->plan(src, a, &a->ns[i], o, plan);
		if (!rc && k->plan_image)
			rc = k->plan_image(src, a, o, plan);
		if (rc)
			return rc;
	}
	return PS_OK;
}
