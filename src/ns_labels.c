/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Namespace labels for the analysis: which label areas speak for the
 * image, where their region starts, and finding a DIMM's label area in a
 * file of its own (an `ndctl read-labels` dump or a DIMM backing file).
 */
#include "ns_internal.h"
#include "err.h"
#include "units.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>


int ns_label_at(const struct ps_analysis *a, uint64_t base)
{
	if (!a->labels_placed)
		return -1;
	for (size_t i = 0; i < a->labels.n; i++)
		if (a->labels.ns[i].complete && a->labels.ns[i].region_offset == base)
			return (int)i;
	return -1;
}

/*
 * Without the NFIT, the region's start dpa on each DIMM is not on the media:
 * the labels alone place the region at the smallest dpa in use, which is
 * wrong once the first namespace has been deleted. An info block whose
 * parent_uuid names a labelled namespace shows where that namespace really
 * starts; from it the start dpa of its position-0 DIMM follows. *out gets
 * per-DIMM start dpas (UINT64_MAX: keep assuming), or stays NULL when no
 * evidence moves anything. Evidence that disagrees is reported and unused.
 */
static int cmp_parent(const void *x, const void *y)
{
	const struct ps_rec *const *a = x, *const *b = y;
	int c = memcmp((*a)->u.pfn.parent_uuid, (*b)->u.pfn.parent_uuid, 16);
	if (c)
		return c;
	return (*a)->off < (*b)->off ? -1 : (*a)->off > (*b)->off;
}

static int infer_region_start(struct ps_analysis *a, const struct ps_lsa *const *lsas,
			      size_t n, uint64_t **out)
{
	struct ps_ns_set guess = { 0 };
	struct ps_diags scratch;
	ps_diags_init(&scratch);
	int rc = ps_label_namespaces(lsas, n, NULL, &guess, &scratch);
	ps_diags_free(&scratch);
	uint64_t *sd = calloc(n, sizeof(*sd));
	uint64_t *why = calloc(n, sizeof(*why));	/* record offset that told */
	const struct ps_rec **recs = NULL;
	bool moved = false;
	if (rc || !sd || !why) {
		rc = rc ? rc : PS_ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < n; k++)
		sd[k] = why[k] = UINT64_MAX;
	/* the usable info blocks, sorted by parent_uuid: one lookup per
	 * namespace, however many of either a hostile image holds */
	size_t nb = 0;
	recs = malloc((a->scan.nrecs ? a->scan.nrecs : 1) * sizeof(*recs));
	if (!recs) {
		rc = PS_ENOMEM;
		goto out;
	}
	for (size_t r = 0; r < a->scan.nrecs; r++) {
		const struct ps_rec *rec = &a->scan.recs[r];
		if ((rec->kind == PS_REC_PFN || rec->kind == PS_REC_DAX) &&
		    rec->checksum_ok && !rec->truncated && rec->off >= SZ_4K)
			recs[nb++] = rec;
	}
	qsort(recs, nb, sizeof(*recs), cmp_parent);
	for (size_t i = 0; i < guess.n; i++) {
		const struct ps_namespace *ln = &guess.ns[i];
		if (!ln->complete || !ln->nextents || !ln->nlabel ||
		    ln->extents[0].position != 0 || ln->extents[0].dimm >= n)
			continue;
		const struct ps_ns_extent *e0 = &ln->extents[0];
		size_t lo = 0, hi = nb;
		while (lo < hi) {	/* first block whose parent >= the uuid */
			size_t mid = lo + (hi - lo) / 2;
			if (memcmp(recs[mid]->u.pfn.parent_uuid, ln->uuid, 16) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t r = lo; r < nb; r++) {
			const struct ps_rec *rec = recs[r];
			if (memcmp(rec->u.pfn.parent_uuid, ln->uuid, 16))
				break;
			uint64_t base = rec->off - SZ_4K;
			if (base % ln->nlabel || base / ln->nlabel > e0->dpa)
				continue;
			uint64_t cand = e0->dpa - base / ln->nlabel;
			size_t dm = e0->dimm;
			if (sd[dm] == UINT64_MAX - 1)
				continue;	/* already found inconsistent */
			if (sd[dm] == UINT64_MAX) {
				sd[dm] = cand;
				why[dm] = rec->off;
				if (base != ln->region_offset)
					moved = true;
			} else if (sd[dm] != cand) {
				ps_diag_add(&a->diags, PS_SEV_WARN, PS_FIELD_AT(PS_PFN, rec->off, parent_uuid),
					    "info blocks disagree on where DIMM %zu's region starts (dpa 0x%" PRIx64 " from 0x%" PRIx64 ", 0x%" PRIx64 " from here): labels keep their own placement",
					    dm, sd[dm], why[dm], cand);
				sd[dm] = why[dm] = UINT64_MAX - 1;	/* poisoned */
			}
		}
	}
	for (size_t k = 0; k < n; k++) {
		if (sd[k] == UINT64_MAX - 1) {
			sd[k] = UINT64_MAX;
			continue;
		}
		if (sd[k] != UINT64_MAX && moved)
			ps_diag_add(&a->diags, PS_SEV_INFO, PS_FIELD_AT(PS_PFN, why[k], parent_uuid),
				    "DIMM %zu's region starts at dpa 0x%" PRIx64 ", not at the smallest dpa in its labels: this block's parent_uuid names a labelled namespace; none is left before it",
				    k, sd[k]);
	}
out:
	ps_ns_set_free(&guess);
	free(recs);
	free(why);
	if (rc == PS_OK && moved) {
		*out = sd;
		return PS_OK;
	}
	free(sd);
	return rc;
}

/*
 * Namespace labels: from label areas given apart (the image is then the
 * region they describe), else from a label area found in the image. An
 * area at the very end of the image is a QEMU-style DIMM backing file: the
 * region is the image before it. Elsewhere (an ndctl read-labels dump, an
 * area inside other data) the labels are reported but not placed.
 */
int ns_gather_labels(struct ps_analysis *a, struct ps_src *src,
		     const struct ps_analysis_opts *opts, struct ps_src **data)
{
	*data = NULL;
	const struct ps_lsa *one[1];
	const struct ps_lsa *const *lsas = NULL;
	size_t n = 0;
	uint64_t region_end = src->size;
	if (opts->next_lsas) {
		lsas = opts->ext_lsas;
		n = opts->next_lsas;
		a->labels_placed = true;
		a->labels_from = PS_LABELS_GIVEN;
	} else {
		for (size_t i = 0; i < a->scan.nrecs; i++) {
			const struct ps_rec *r = &a->scan.recs[i];
			if (r->kind != PS_REC_NSINDEX || !r->u.lsa.lsa ||
			    r->u.lsa.lsa->current < 0)
				continue;
			one[0] = r->u.lsa.lsa;
			lsas = one;
			n = 1;
			bool at_end = r->off + r->u.lsa.loc.size == src->size && r->off > 0;
			a->labels_placed = at_end;
			a->labels_from = PS_LABELS_IN_IMAGE;
			a->labels_off = r->off;
			region_end = r->off;
			break;	/* one DIMM per image */
		}
	}
	if (!n)
		return PS_OK;
	uint64_t *sd = NULL;
	int rc = a->labels_placed ? infer_region_start(a, lsas, n, &sd) : PS_OK;
	if (rc == PS_OK)
		rc = ps_label_namespaces(lsas, n, sd, &a->labels, &a->diags);
	free(sd);
	if (rc)
		return rc;
	for (size_t i = 0; a->labels_placed && i < a->labels.n; i++) {
		const struct ps_namespace *ln = &a->labels.ns[i];
		char h[32];
		if (ln->complete && (ln->region_offset > region_end ||
				     ln->size > region_end - ln->region_offset))
			ps_diag_add(&a->diags, PS_SEV_ERR, ln->region_offset, "rawsize",
				    "a labelled namespace (%s at region offset 0x%" PRIx64 ") runs past the data in this image: truncated dump or wrong region start",
				    ps_human(ln->size, h, sizeof(h)), ln->region_offset);
	}
	/* the region is the image before its label area: a namespace the
	 * labels size past it is cut there (truncated), never continued
	 * into the area's own bytes */
	if (a->labels_placed && a->labels_from == PS_LABELS_IN_IMAGE && region_end < src->size) {
		struct ps_src *w;
		rc = ps_src_window(src, 0, region_end, &w);
		if (rc)
			return rc;
		char *nm = strdup(src->name);	/* same offsets: the image's name */
		if (!nm) {
			ps_src_close(w);
			return PS_ENOMEM;
		}
		free(w->name);
		w->name = nm;
		*data = w;
	}
	return PS_OK;
}


/* ---- a DIMM's label area in a file of its own ---- */

/* Bytes read at a given offset to learn the area's size from its index
 * block: block 1 may lie up to 64 KiB in (ps_lsa_probe). */
#define HEAD_PROBE (64 * 1024 + 512)
/* The size assumed at a given offset when no index block there says one:
 * the config size most platforms and QEMU use. */
#define DEFAULT_CONFIG_SIZE ((uint64_t)128 * 1024)

/* A damaged dump: index signatures at the 256-byte steps where index
 * blocks start, though none of them is one the kernel takes. */
static int damaged_dump(struct ps_src *src)
{
	uint8_t h[512 + 16];
	uint64_t hl = src->size < sizeof(h) ? src->size : sizeof(h);
	bool sig = false;
	if (!ps_src_pread(src, h, hl, 0))
		for (uint64_t o = 0; o + 16 <= hl; o += 256)
			sig |= !memcmp(h + o, PS_NSINDEX_SIG, 16);
	return sig && src->size <= PS_LSA_MAX;
}

int ps_lsa_find(struct ps_src *src, const struct ps_lsa_find_opts *o,
		struct ps_lsa_area *out)
{
	uint64_t fsize = src->size;
	memset(out, 0, sizeof(*out));
	if (o->have_offset) {
		if (o->offset >= fsize)
			return PS_ERANGE;
		out->off = o->offset;
		out->size = o->size;
		out->place = PS_LSA_PLACE_GIVEN;
		if (!out->size) {
			uint8_t head[HEAD_PROBE];
			uint64_t hl = fsize - o->offset < sizeof(head) ? fsize - o->offset :
				      sizeof(head);
			struct ps_lsa_loc loc;
			if (ps_src_pread(src, head, hl, o->offset))
				return PS_EIO;
			out->size = ps_lsa_probe(head, hl, o->offset, &loc) == PS_OK ?
				    loc.size : DEFAULT_CONFIG_SIZE;
		}
		if (out->size > fsize - o->offset)
			out->size = fsize - o->offset;
		return PS_OK;
	}
	struct ps_lsa_loc loc;
	int rc = ps_lsa_locate_tail(src, &loc);
	if (rc == PS_OK) {
		out->off = loc.off;
		out->size = o->size && o->size <= fsize - loc.off ? o->size : loc.size;
		out->place = loc.where == PS_LSA_AT_END ? PS_LSA_PLACE_END :
			     fsize == loc.size ? PS_LSA_PLACE_DUMP : PS_LSA_PLACE_START;
		return PS_OK;
	}
	if (rc == PS_ENOMEM || rc == PS_EIO || rc == PS_ERANGE)
		return rc;
	if (!o->damaged_dump || !damaged_dump(src))
		return PS_ENOTFOUND;
	out->off = 0;
	out->size = o->size && o->size <= fsize ? o->size : fsize;
	out->place = PS_LSA_PLACE_DAMAGED;
	return PS_OK;
}

int ps_lsa_load(struct ps_src *src, const struct ps_lsa_area *area, uint64_t max,
		struct ps_lsa *out, struct ps_diags *d)
{
	memset(out, 0, sizeof(*out));
	out->current = -1;
	if (area->off >= src->size)
		return PS_ERANGE;
	uint64_t size = area->size;
	if (size > src->size - area->off)
		size = src->size - area->off;
	if (size > max)
		size = max;
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return PS_ENOMEM;
	int rc = ps_src_pread(src, buf, size, area->off);
	if (rc == PS_OK)
		rc = ps_lsa_parse(buf, size, area->off, out, d);
	free(buf);
	return rc;
}
