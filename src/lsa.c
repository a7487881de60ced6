/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A whole label storage area: which index block the kernel uses and the
 * labels it names (nd_label_validate, slot_valid), what `ndctl
 * read-labels` would list, the rebuild of namespaces from several DIMMs'
 * labels (namespace_devs.c), and finding an area in a DIMM image (QEMU's
 * hw/mem/nvdimm.c keeps it at the end). See docs in label.h.
 */
#include "label.h"
#include "err.h"
#include "le.h"
#include "util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The image offset and name of field f of the index block / label that
 * lies at image offset base, for a diagnostic. */
#define IX_AT(base, f) PS_FIELD_AT(PS_NSINDEX, base, f)
#define LB_AT(base, f) PS_FIELD_AT(PS_NSLABEL, base, f)

/* ------------------------------------------------------------------ */
/* whole LSA                                                            */

void ps_lsa_free(struct ps_lsa *lsa)
{
	free(lsa->recs);
	lsa->recs = NULL;
	lsa->nrecs = 0;
}

/* ndctl's guess (ndctl_dimm_sizeof_namespace_label): 256 only if more of
 * the two 256-byte-spaced headers say v1.2 than v1.1. */
static uint32_t ndctl_guess_lsz(const uint8_t *b, size_t len)
{
	int v1 = 0, v2 = 0;
	for (size_t off = 0; off < 2 * PS_NSINDEX_ALIGN; off += PS_NSINDEX_ALIGN) {
		if (off + PS_NSINDEX_HDR > len)
			break;
		if (PS_FIELD_GET(PS_NSINDEX, b + off, major) == 1) {
			uint64_t mi = PS_FIELD_GET(PS_NSINDEX, b + off, minor);
			if (mi == 1)
				v1++;
			else if (mi == 2)
				v2++;
		}
	}
	return v2 > v1 ? 256 : 128;
}

struct attempt {
	struct ps_nsindex ix[2];
	bool present[2];
	int nvalid;
	uint64_t isz;
	struct ps_diags d;
};

/* Validate both blocks as the kernel does for one probed label size. */
static void try_label_size(const uint8_t *b, size_t len, uint64_t abs,
			   uint32_t lsz, struct attempt *a)
{
	memset(a, 0, sizeof(*a));
	ps_diags_init(&a->d);
	uint64_t isz;
	uint32_t ns;
	if (!ps_lsa_geometry(len, lsz, false, &isz, &ns) &&
	    !ps_lsa_geometry(len, lsz, true, &isz, &ns))
		isz = PS_NSINDEX_ALIGN;	/* still look where blocks would be */
	a->isz = isz;
	for (int i = 0; i < 2; i++) {
		uint64_t off = i * isz;
		if (off >= len)
			continue;
		int rc = ps_nsindex_parse(b + off, len - off, abs + off, i, len, lsz,
					  &a->ix[i], &a->d);
		a->present[i] = rc == PS_OK || (rc == PS_ETRUNC && a->ix[i].sig_ok);
		if (rc == PS_ENOTFOUND)
			ps_diag_add(&a->d, PS_SEV_ERR, abs + off, "sig",
				    "index block %d: no NAMESPACE_INDEX signature", i);
		if (a->ix[i].valid)
			a->nvalid++;
	}
	/* an index written in the other era's geometry has a different
	 * block-1 offset: the kernel reads block 1 at the computed size
	 * only, so we do the same */
}

static int add_rec(struct ps_lsa *lsa, size_t *cap, uint32_t slot, uint64_t abs,
		   struct ps_label_rec **out)
{
	for (size_t i = 0; i < lsa->nrecs; i++)
		if (lsa->recs[i].abs_off == abs) {
			*out = &lsa->recs[i];
			return PS_OK;
		}
	if (lsa->nrecs == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct ps_label_rec *nr = realloc(lsa->recs, nc * sizeof(*nr));
		if (!nr)
			return PS_ENOMEM;
		lsa->recs = nr;
		*cap = nc;
	}
	struct ps_label_rec *r = &lsa->recs[lsa->nrecs++];
	memset(r, 0, sizeof(*r));
	r->slot = slot;
	r->abs_off = abs;
	*out = r;
	return PS_OK;
}

static int cmp_rec(const void *x, const void *y)
{
	const struct ps_label_rec *a = x, *b = y;
	return a->abs_off < b->abs_off ? -1 : a->abs_off > b->abs_off;
}

int ps_lsa_parse(const uint8_t *b, size_t len, uint64_t abs, struct ps_lsa *lsa,
		 struct ps_diags *d)
{
	memset(lsa, 0, sizeof(*lsa));
	lsa->abs_off = abs;
	lsa->size = len;
	lsa->current = -1;
	if (len < 2 * PS_NSINDEX_ALIGN) {
		ps_diag_add(d, PS_SEV_ERR, abs, "sig",
			    "label area truncated: %zu bytes, less than two index blocks", len);
		return PS_ETRUNC;
	}
	if (len > PS_LSA_MAX) {
		ps_diag_add(d, PS_SEV_ERR, abs, "sig",
			    "label area of %zu bytes exceeds the %u-byte limit", len, PS_LSA_MAX);
		return PS_ERANGE;
	}
	lsa->ndctl_label_size = ndctl_guess_lsz(b, len);

	/* nd_label_validate(): 128-byte labels first, then 256 */
	struct attempt at[2];
	const uint32_t sizes[2] = { 128, 256 };
	int pick = -1;
	for (int k = 0; k < 2; k++) {
		try_label_size(b, len, abs, sizes[k], &at[k]);
		if (pick < 0 && at[k].nvalid)
			pick = k;
	}
	bool any_sig = false;
	int show = pick;
	if (show < 0) {
		/* report the attempt matching what the headers declare */
		show = lsa->ndctl_label_size == 256 ? 1 : 0;
	}
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < 2; i++)
			any_sig |= at[k].present[i];
	struct attempt *a = &at[show];
	if (d)
		ps_diags_merge(d, &a->d);
	for (int k = 0; k < 2; k++)
		ps_diags_free(&at[k].d);
	lsa->index[0] = a->ix[0];
	lsa->index[1] = a->ix[1];
	lsa->index_present[0] = a->present[0];
	lsa->index_present[1] = a->present[1];
	lsa->index_size = a->isz;
	lsa->label_size = pick >= 0 ? sizes[pick] : lsa->ndctl_label_size;

	if (!any_sig) {
		ps_diag_add(d, PS_SEV_ERR, abs, "sig",
			    "no NAMESPACE_INDEX signature at 0 or at the second index block");
		return PS_ENOTFOUND;
	}

	const struct ps_nsindex *ix0 = &lsa->index[0], *ix1 = &lsa->index[1];
	if (ix0->valid && ix1->valid) {
		uint32_t best = ps_nsindex_best_seq(ix0->seq, ix1->seq);
		lsa->current = best == (ix1->seq & 3) ? 1 : 0;
		lsa->why = (ix0->seq & 3) == (ix1->seq & 3) ? PS_LSA_EQUAL_SEQ : PS_LSA_BEST_SEQ;
		if (lsa->why == PS_LSA_EQUAL_SEQ)
			ps_diag_add(d, PS_SEV_WARN, IX_AT(ix1->abs_off, seq),
				    "both index blocks have sequence number %u; the kernel uses index 1",
				    ix1->seq & 3);
	} else if (ix0->valid || ix1->valid) {
		lsa->current = ix0->valid ? 0 : 1;
		lsa->why = PS_LSA_ONLY_VALID;
		if (lsa->index_present[!lsa->current]) {
			/* say why, not just that: the first cause the kernel
			 * checks for (the errors above give every detail) */
			const struct ps_nsindex *bad = &lsa->index[!lsa->current];
			const char *why = !bad->sig_ok ? "no NAMESPACE_INDEX signature" :
				!bad->checksum_ok ? "its checksum is wrong" :
				(bad->seq & 3) == 0 ? "its sequence number is 0, which the kernel ignores (older kernels initialised index 0 so)" :
				"its fields are inconsistent (see the errors above)";
			ps_diag_add(d, PS_SEV_WARN, bad->abs_off, "sig",
				    "index block %d is invalid: %s; the kernel uses index block %d",
				    !lsa->current, why, lsa->current);
		}
	} else {
		lsa->why = PS_LSA_NO_INDEX;
		ps_diag_add(d, PS_SEV_ERR, abs, "sig",
			    "no valid index block: the kernel treats this DIMM as having no labels");
	}

	size_t cap = 0;
	uint32_t lsz = lsa->label_size;
	int rc;
	if (lsa->current >= 0) {
		const struct ps_nsindex *cur = &lsa->index[lsa->current];
		const struct ps_nsindex *oth = &lsa->index[!lsa->current];
		const uint8_t *cb = b + (cur->abs_off - abs);
		const uint8_t *ob = b + (oth->abs_off - abs);
		bool oth_ok = oth->valid && oth->nslot == cur->nslot;
		lsa->nslot = cur->nslot;

		/* disagreement between the copies (normal after an update:
		 * the non-current block is the state before it) */
		if (lsa->index_present[!lsa->current] && oth->valid) {
			if (oth->nslot != cur->nslot)
				ps_diag_add(d, PS_SEV_WARN, IX_AT(oth->abs_off, nslot),
					    "index blocks disagree on nslot: %u (current) vs %u",
					    cur->nslot, oth->nslot);
			if (oth->free_bytes == cur->free_bytes &&
			    memcmp(cb + PS_NSINDEX_OFF_free, ob + PS_NSINDEX_OFF_free, cur->free_bytes)) {
				uint32_t added = 0, freed = 0;
				for (uint32_t s = 0; s < cur->nslot; s++) {
					bool fc = ps_nsindex_slot_free(cb, cur, s);
					bool fo = ps_nsindex_slot_free(ob, oth, s);
					added += !fc && fo;
					freed += fc && !fo;
				}
				ps_diag_add(d, PS_SEV_INFO, IX_AT(oth->abs_off, free),
					    "free bitmaps differ: %u slot(s) in use only in the current block %d, %u only in the older block %d (labels freed by the last update may still be readable)",
					    added, lsa->current, freed, !lsa->current);
			}
		}

		uint64_t base = cur->labeloff;
		for (uint32_t s = 0; s < cur->nslot; s++) {
			uint64_t off = base + (uint64_t)s * lsz;
			bool fr = ps_nsindex_slot_free(cb, cur, s);
			bool fo = oth_ok ? ps_nsindex_slot_free(ob, oth, s) : true;
			if (fr && fo)
				continue;
			if (off + lsz > len) {
				ps_diag_add(d, PS_SEV_ERR, abs + off, "nslot",
					    "slot %u lies past the end of the %zu-byte area", s, len);
				break;
			}
			struct ps_label_rec *r;
			if ((rc = add_rec(lsa, &cap, s, abs + off, &r)))
				return rc;
			r->in_use = !fr;
			r->in_use_other = !fo;
			ps_label_parse(b + off, len - off, abs + off, lsz, s, &r->label,
				       r->in_use ? d : NULL);
			r->active = r->in_use && r->label.valid;
			if (!r->in_use && r->label.valid && !ps_is_zero(r->label.uuid, 16)) {
				char u[37];
				ps_uuid_str(r->label.uuid, u);
				ps_diag_add(d, PS_SEV_INFO, abs + off, "free",
					    "slot %u is free in the current index but in use in the older one: label of %s freed by the last update",
					    s, u);
			}
			if (r->active)
				lsa->nactive++;
		}
	}

	/* What `ndctl read-labels` lists: from offset 512, its guessed label
	 * size, every slot whose slot field equals its index, to the end of
	 * the area, ignoring the free bitmap. */
	uint32_t nl = lsa->ndctl_label_size;
	if (lsa->current >= 0 &&
	    (lsa->index[lsa->current].labeloff != 2 * PS_NSINDEX_ALIGN || nl != lsz))
		ps_diag_add(d, PS_SEV_INFO, abs, "labeloff",
			    "ndctl read-labels would read %u-byte labels from offset 512, not %u-byte labels from 0x%llx",
			    nl, lsz, (unsigned long long)lsa->index[lsa->current].labeloff);
	for (uint64_t off = 2 * PS_NSINDEX_ALIGN, s = 0; off + nl <= len; off += nl, s++) {
		if (PS_FIELD_GET(PS_NSLABEL, b + off, slot) != s)
			continue;
		struct ps_label_rec *r;
		if ((rc = add_rec(lsa, &cap, (uint32_t)s, abs + off, &r)))
			return rc;
		if (!r->in_use && !r->in_use_other)
			ps_label_parse(b + off, len - off, abs + off, nl, (uint32_t)s,
				       &r->label, NULL);
		r->ndctl_listed = true;
	}
	if (lsa->nrecs > 1)
		qsort(lsa->recs, lsa->nrecs, sizeof(*lsa->recs), cmp_rec);
	return lsa->current >= 0 ? PS_OK : PS_EFORMAT;
}

/* ------------------------------------------------------------------ */
/* namespaces                                                           */

void ps_ns_set_free(struct ps_ns_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->ns[i].extents);
	free(s->ns);
	s->ns = NULL;
	s->n = 0;
}

struct lref {
	size_t dimm;
	const struct ps_label_rec *r;
};

static int cmp_lref(const void *x, const void *y)
{
	const struct lref *a = x, *b = y;
	int c = memcmp(a->r->label.uuid, b->r->label.uuid, 16);
	if (c)
		return c;
	if (a->r->label.position != b->r->label.position)
		return a->r->label.position < b->r->label.position ? -1 : 1;
	if (a->dimm != b->dimm)
		return a->dimm < b->dimm ? -1 : 1;
	return a->r->slot < b->r->slot ? -1 : a->r->slot > b->r->slot;
}

int ps_label_namespaces(const struct ps_lsa *const *lsas, size_t n,
			const uint64_t *start_dpa, struct ps_ns_set *out,
			struct ps_diags *d)
{
	memset(out, 0, sizeof(*out));
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += lsas[i]->nactive;
	if (!total)
		return PS_OK;
	struct lref *v = calloc(total, sizeof(*v));
	uint64_t *mindpa = calloc(n ? n : 1, sizeof(*mindpa));
	if (!v || !mindpa) {
		free(v);
		free(mindpa);
		return PS_ENOMEM;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		mindpa[i] = UINT64_MAX;
		for (size_t j = 0; j < lsas[i]->nrecs; j++) {
			const struct ps_label_rec *r = &lsas[i]->recs[j];
			if (!r->active)
				continue;
			if (r->label.flags & PS_NSLABEL_LOCAL) {
				char u[37];
				ps_uuid_str(r->label.uuid, u);
				ps_diag_add(d, PS_SEV_INFO, LB_AT(r->abs_off, flags),
					    "DIMM %zu slot %u: blk (LOCAL) namespace %s, not rebuilt (blk support was removed from Linux in 5.18)",
					    i, r->slot, u);
				continue;
			}
			if (r->label.dpa < mindpa[i])
				mindpa[i] = r->label.dpa;
			v[k].dimm = i;
			v[k].r = r;
			k++;
		}
	}
	qsort(v, k, sizeof(*v), cmp_lref);

	int rc = PS_OK;
	size_t cap = 0;
	for (size_t s = 0; s < k;) {
		size_t e = s + 1;
		while (e < k && !memcmp(v[e].r->label.uuid, v[s].r->label.uuid, 16))
			e++;
		const struct ps_label *l0 = &v[s].r->label;
		char u[37];
		ps_uuid_str(l0->uuid, u);
		if (out->n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct ps_namespace *nn = realloc(out->ns, nc * sizeof(*nn));
			if (!nn) {
				rc = PS_ENOMEM;
				break;
			}
			out->ns = nn;
			cap = nc;
		}
		struct ps_namespace *ns = &out->ns[out->n++];
		memset(ns, 0, sizeof(*ns));
		ns->extents = calloc(e - s, sizeof(*ns->extents));
		if (!ns->extents) {
			out->n--;
			rc = PS_ENOMEM;
			break;
		}
		memcpy(ns->uuid, l0->uuid, 16);
		ns->nlabel = l0->nlabel;
		ns->label_size = l0->label_size;
		ns->isetcookie = l0->isetcookie;
		bool complete = ns->nlabel > 0;
		bool cookie_mixed = false, nlabel_mixed = false, size_mixed = false;
		const struct ps_label *pos0 = NULL;
		size_t pos0_dimm = 0;
		for (size_t i = s; i < e; i++) {
			const struct ps_label *l = &v[i].r->label;
			struct ps_ns_extent *x = &ns->extents[ns->nextents++];
			x->dimm = v[i].dimm;
			x->position = l->position;
			x->slot = v[i].r->slot;
			x->dpa = l->dpa;
			x->rawsize = l->rawsize;
			uint64_t sum;
			if (ps_add_ovf(ns->size, l->rawsize, &sum))
				sum = UINT64_MAX;
			ns->size = sum;
			if (l->nlabel != ns->nlabel)
				nlabel_mixed = true;
			if (l->isetcookie != ns->isetcookie)
				cookie_mixed = true;
			if (l->rawsize != l0->rawsize)
				size_mixed = true;
			if (l->position == 0 && !pos0) {
				pos0 = l;
				pos0_dimm = v[i].dimm;
			}
			/* has_uuid_at_pos(): a second label of the uuid on one
			 * DIMM makes the kernel give up on the namespace */
			for (size_t j = s; j < i; j++)
				if (v[j].dimm == v[i].dimm) {
					ps_diag_add(d, PS_SEV_ERR, v[i].r->abs_off, "uuid",
						    "namespace %s: DIMM %zu holds two labels (slots %u and %u); the kernel rejects duplicate entries",
						    u, v[i].dimm, v[j].r->slot, v[i].r->slot);
					complete = false;
					break;
				}
		}
		if (nlabel_mixed) {
			ps_diag_add(d, PS_SEV_ERR, LB_AT(v[s].r->abs_off, nlabel),
				    "namespace %s: labels disagree on nlabel", u);
			complete = false;
		}
		if (cookie_mixed)
			ps_diag_add(d, PS_SEV_WARN, LB_AT(v[s].r->abs_off, isetcookie),
				    "namespace %s: labels carry different interleave-set cookies", u);
		size_t upd = 0;
		for (size_t i = s; i < e; i++)
			upd += !!(v[i].r->label.flags & PS_NSLABEL_UPDATING);
		if (upd && upd < e - s)
			ps_diag_add(d, PS_SEV_WARN, LB_AT(v[s].r->abs_off, flags),
				    "namespace %s: UPDATING set on %zu of %zu labels: an update stopped between DIMMs",
				    u, upd, e - s);
		if (size_mixed && ns->nlabel > 1)
			ps_diag_add(d, PS_SEV_WARN, LB_AT(v[s].r->abs_off, rawsize),
				    "namespace %s: rawsize differs between DIMMs of the interleave set", u);
		/* every position 0..nlabel-1 exactly once (extents are sorted
		 * by position) */
		if (!nlabel_mixed) {
			uint32_t want = 0, missing = 0, first_missing = 0;
			for (size_t i = 0; i < ns->nextents; i++) {
				uint32_t p = ns->extents[i].position;
				if (i && p == ns->extents[i - 1].position) {
					ps_diag_add(d, PS_SEV_ERR, LB_AT(v[s + i].r->abs_off, position),
						    "namespace %s: position %u appears more than once", u, p);
					complete = false;
					continue;
				}
				if (p >= ns->nlabel) {
					ps_diag_add(d, PS_SEV_ERR, LB_AT(v[s + i].r->abs_off, position),
						    "namespace %s: label position %u is beyond nlabel %u",
						    u, p, ns->nlabel);
					complete = false;
					continue;
				}
				if (p > want) {
					if (!missing)
						first_missing = want;
					missing += p - want;
				}
				want = p + 1;
			}
			if (want < ns->nlabel) {
				if (!missing)
					first_missing = want;
				missing += ns->nlabel - want;
			}
			if (missing) {
				ps_diag_add(d, PS_SEV_ERR, LB_AT(v[s].r->abs_off, position),
					    "namespace %s: %u of %u positions missing (first: %u); DIMM not given or label lost",
					    u, missing, ns->nlabel, first_missing);
				complete = false;
			}
		}
		ns->complete = complete;
		const struct ps_label *ref = pos0 ? pos0 : l0;
		memcpy(ns->name, ref->name, sizeof(ns->name));
		ns->claim = ref->claim;
		ns->flags = ref->flags;
		ns->lbasize = ref->lbasize;
		for (size_t i = s; i < e; i++) {
			const struct ps_label *l = &v[i].r->label;
			if (l->claim != ns->claim || strcmp(l->name, ns->name))
				ps_diag_add(d, PS_SEV_WARN, v[i].r->abs_off, "abstraction_guid",
					    "namespace %s: labels disagree on name or claim class", u);
		}
		if (pos0) {
			size_t dm = pos0_dimm;
			uint64_t sd = start_dpa && start_dpa[dm] != UINT64_MAX ? start_dpa[dm] : mindpa[dm];
			ns->region_offset_assumed = !(start_dpa && start_dpa[dm] != UINT64_MAX);
			uint64_t off;
			if (pos0->dpa < sd) {
				ps_diag_add(d, PS_SEV_ERR, LB_AT(v[s].r->abs_off, dpa),
					    "namespace %s: dpa 0x%llx is below the region start dpa 0x%llx",
					    u, (unsigned long long)pos0->dpa, (unsigned long long)sd);
			} else if (ps_mul_ovf(pos0->dpa - sd, ns->nlabel ? ns->nlabel : 1, &off)) {
				ps_diag_add(d, PS_SEV_ERR, LB_AT(v[s].r->abs_off, dpa),
					    "namespace %s: region offset overflows", u);
			} else {
				ns->region_offset = off;
			}
		}
		s = e;
	}
	free(v);
	free(mindpa);
	return rc;
}

/* ------------------------------------------------------------------ */
/* locating                                                             */

int ps_lsa_probe(const uint8_t *b, size_t len, uint64_t abs, struct ps_lsa_loc *loc)
{
	struct ps_nsindex ix;
	memset(loc, 0, sizeof(*loc));
	if (ps_nsindex_parse(b, len, abs, 0, 0, 0, &ix, NULL) == PS_OK && ix.valid) {
		loc->off = abs;
		loc->size = ix.config_size_est;
		loc->label_size = ix.label_size;
		loc->found_index = 0;
		loc->where = PS_LSA_AT_OFFSET;
		return PS_OK;
	}
	/* index 0 damaged: block 1 at +256, +512, ... names its own offset */
	for (uint64_t off = PS_NSINDEX_ALIGN; off + PS_NSINDEX_HDR <= len && off <= 64 * 1024;
	     off += PS_NSINDEX_ALIGN) {
		if (memcmp(b + off, PS_NSINDEX_SIG, 16))
			continue;
		if (ps_nsindex_parse(b + off, len - off, abs + off, 1, 0, 0, &ix, NULL) == PS_OK &&
		    ix.valid && ix.myoff == off && ix.mysize == off) {
			loc->off = abs;
			loc->size = ix.config_size_est;
			loc->label_size = ix.label_size;
			loc->found_index = 1;
			loc->where = PS_LSA_AT_OFFSET;
			return PS_OK;
		}
	}
	return PS_ENOTFOUND;
}

/* Does a kernel-valid index exist for an LSA of config size c at buf? */
static int valid_at(const uint8_t *b, size_t c, uint64_t abs, int *which, uint32_t *lsz)
{
	for (int k = 0; k < 2; k++) {
		uint32_t sz = k ? 256 : 128;
		struct attempt a;
		try_label_size(b, c, abs, sz, &a);
		ps_diags_free(&a.d);
		if (a.nvalid) {
			*which = a.ix[0].valid ? 0 : 1;
			*lsz = sz;
			return 1;
		}
	}
	return 0;
}

int ps_lsa_locate_tail(struct ps_src *src, struct ps_lsa_loc *loc)
{
	memset(loc, 0, sizeof(*loc));
	uint64_t size = src->size;
	if (size < PS_LSA_MIN)
		return PS_ENOTFOUND;
	uint64_t w = size < PS_LSA_TAIL_WINDOW ? size : PS_LSA_TAIL_WINDOW;
	uint64_t base = size - w;
	uint8_t *buf = malloc(w);
	if (!buf)
		return PS_ENOMEM;
	int rc = ps_src_pread(src, buf, w, base);
	if (rc) {
		free(buf);
		return rc;
	}
	/* Candidates: index 0 at size - L for L >= 1 KiB, a multiple of
	 * 256; nearest to the end first (smallest L). */
	rc = PS_ENOTFOUND;
	for (uint64_t lsa_len = PS_LSA_MIN; lsa_len <= w; lsa_len += PS_NSINDEX_ALIGN) {
		uint64_t p = w - lsa_len;
		int which;
		uint32_t lsz;
		bool sig0 = !memcmp(buf + p, PS_NSINDEX_SIG, 16);
		/* index 0 lost: block 1 lies 256 or more bytes later */
		bool sig1 = false;
		for (uint64_t o = PS_NSINDEX_ALIGN; !sig0 && o <= 4 * PS_NSINDEX_ALIGN &&
		     p + o + 16 <= w; o += PS_NSINDEX_ALIGN)
			if (!memcmp(buf + p + o, PS_NSINDEX_SIG, 16) &&
			    PS_FIELD_GET(PS_NSINDEX, buf + p + o, myoff) == o)
				sig1 = true;
		if (!sig0 && !sig1)
			continue;
		if (valid_at(buf + p, lsa_len, base + p, &which, &lsz)) {
			loc->off = base + p;
			loc->size = lsa_len;
			loc->label_size = lsz;
			loc->found_index = which;
			loc->where = base + p == 0 ? PS_LSA_AT_START : PS_LSA_AT_END;
			rc = PS_OK;
			break;
		}
	}
	free(buf);
	if (rc == PS_OK)
		return rc;
	/* an LSA at offset 0 of a larger file (dump with trailing bytes) */
	uint8_t head[64 * 1024 + 512];
	uint64_t hl = size < sizeof(head) ? size : sizeof(head);
	if (ps_src_pread(src, head, hl, 0))
		return PS_EIO;
	if (ps_lsa_probe(head, hl, 0, loc) == PS_OK && loc->size <= size &&
	    loc->size >= PS_LSA_MIN) {
		loc->where = PS_LSA_AT_START;
		return PS_OK;
	}
	memset(loc, 0, sizeof(*loc));
	return PS_ENOTFOUND;
}

