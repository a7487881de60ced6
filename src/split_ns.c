/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The split check applied to a namespace, and the split-aware data
 * source (split_ns.h). */
#include "split_ns.h"
#include "err.h"
#include <stdlib.h>
#include <string.h>

int ps_split_applies(const struct ps_ns *n)
{
	if (n->mode != PS_NS_FSDAX || !n->start_pad || n->nested_in >= 0)
		return -1;
	for (int i = 0; i < n->ncand; i++) {
		const struct ps_cand *c = &n->cand[i];
		if (c->sem == PS_SEM_LEGACY && c->probed &&
		    (c->probe.found || c->probe.bad_csum) &&
		    (!strcmp(c->probe.type, "ext4") || !strcmp(c->probe.type, "ext3") ||
		     !strcmp(c->probe.type, "ext2") || !strcmp(c->probe.type, "xfs")))
			return i;
	}
	return -1;
}

uint64_t ps_split_span(const struct ps_src *image, const struct ps_cand *c)
{
	uint64_t size = c->size;
	if (image->size != PS_SIZE_UNKNOWN && c->off < image->size &&
	    size > image->size - c->off)
		size = image->size - c->off;
	return size;
}

int ps_split_run_cand(struct ps_src *image, const struct ps_ns *n,
		      const struct ps_cand *c, struct ps_split *out)
{
	return ps_split_check(image, n->base, n->start_pad, n->dataoff, c->off,
			      ps_split_span(image, c), PS_FS_AUTO, out);
}

struct ps_split *ps_split_run_ns(struct ps_src *image, const struct ps_analysis *a,
				 size_t ns)
{
	const struct ps_ns *n = &a->ns[ns];
	int ci = ps_split_applies(n);
	if (ci < 0)
		return NULL;
	struct ps_split *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	ps_split_run_cand(image, n, &n->cand[ci], s);
	return s;
}

void ps_split_destroy(struct ps_split *s)
{
	if (!s)
		return;
	ps_split_free(s);
	free(s);
}

uint64_t ps_split_mapped(const struct ps_split *s)
{
	return s ? s->count[PS_SPLIT_MMAP] + s->count[PS_SPLIT_MIXED] : 0;
}

/* ---- ambiguous runs ---- */

struct amb_runs {
	int (*cb)(void *ctx, uint64_t lo, uint64_t hi);
	void *ctx;
	uint64_t bs, lo, hi;
};

static int amb_flush(struct amb_runs *a)
{
	if (a->hi == a->lo)
		return PS_OK;
	int r = a->cb(a->ctx, a->lo, a->hi);
	a->lo = a->hi;
	return r;
}

static int amb_block(void *ctx, uint64_t logical, uint64_t g, enum ps_split_prov p,
		     enum ps_split_src src)
{
	struct amb_runs *a = ctx;
	(void)g;
	(void)p;
	if (src != PS_SRC_AMBIG)
		return PS_OK;
	if (logical != a->hi) {
		int r = amb_flush(a);
		if (r)
			return r;
	}
	if (a->hi == a->lo)
		a->lo = a->hi = logical;
	a->hi = logical + a->bs;
	return PS_OK;
}

int ps_split_ambig_runs(const struct ps_split *s, const struct ps_split_file *f,
			int (*cb)(void *ctx, uint64_t lo, uint64_t hi), void *ctx)
{
	struct amb_runs a = { .cb = cb, .ctx = ctx, .bs = s->blocksize };
	int r = ps_split_each_block(s, f, amb_block, &a);
	return r ? r : amb_flush(&a);
}

/* ---- the split-aware data source ---- */

bool ps_split_source_open(struct ps_split_source *x, struct ps_src *image,
			  const struct ps_analysis *a, int ns, enum ps_sem sem)
{
	memset(x, 0, sizeof(*x));
	x->image = image;
	x->mode = PS_VIEWS_READ;
	if (ns < 0 || (size_t)ns >= a->nns)
		return false;
	int ci = ps_split_applies(&a->ns[ns]), chosen;
	if (ci < 0 || ps_ns_pick(&a->ns[ns], sem, &chosen) || chosen != ci)
		return false;
	x->split = ps_split_run_ns(image, a, (size_t)ns);
	return true;
}

void ps_split_source_close(struct ps_split_source *x)
{
	ps_split_destroy(x->split);
	x->split = NULL;
}

unsigned ps_split_source_views(const struct ps_split_source *x, const struct ps_fs_stat *st,
			       const struct ps_split_file **f)
{
	*f = x->split ? ps_split_find(x->split, st->ino) : NULL;
	switch (x->mode) {
	case PS_VIEWS_MMAP: return PS_VIEW_MMAP;
	case PS_VIEWS_AUTO: return *f ? ps_split_auto_views(*f) : PS_VIEW_READ;
	case PS_VIEWS_MERGED:
		return *f && (*f)->prov ? PS_VIEW_MERGED : PS_VIEW_READ;
	default: return PS_VIEW_READ;
	}
}

int ps_split_source_read(const struct ps_split_source *x, struct ps_fs *fs,
			 const struct ps_fs_stat *st, unsigned v, ps_fs_data_cb cb, void *cbctx)
{
	const struct ps_split_file *f;
	unsigned views = ps_split_source_views(x, st, &f);
	/* copy 0: the merged view where given, else the only view; copy 1:
	 * a mixed file's read view */
	enum ps_view which = v == 1 ? PS_VIEW_READ : (views & PS_VIEW_MERGED) ? PS_VIEW_MERGED :
			     views == PS_VIEW_MMAP ? PS_VIEW_MMAP : PS_VIEW_READ;
	if (which == PS_VIEW_READ)
		return ps_fs_read(fs, st, cb, cbctx);
	if (!f) {
		ps_fs_set_error(fs, "inode %llu: not in the split check: no %s view",
				(unsigned long long)st->ino, which == PS_VIEW_MMAP ? "mmap" : "merged");
		return PS_ENOTFOUND;
	}
	int r = ps_split_read(x->image, x->split, f, which, cb, cbctx);
	if (r && r != PS_ENOMEM)
		ps_fs_set_error(fs, "%s", ps_src_error(x->image));
	return r;
}
