/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Filesystems left by an earlier layout: see earlier.h. The data starts
 * of the layouts follow the nd_pfn_init formulas of each kernel era
 * (nvdimm-formats.md "nd_pfn_init formulas"), computed for the region's size with start_pad 0 and a
 * 2 MiB alignment, the x86_64 default; a filesystem anywhere else is
 * still found by its superblock (the scan's 4 KiB pass), so the formulas
 * only name the layout, they do not limit the search.
 */
#include "earlier.h"
#include "err.h"
#include "fs.h"
#include "ns.h"
#include "units.h"
#include "walk.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_CAND 64		/* offsets probed per region */
#define WALK_MAX 200000		/* entries walked per filesystem */

const char *ps_layout_key(unsigned bit)
{
	switch (bit) {
	case PS_LAY_RAW: return "raw";
	case PS_LAY_BTT: return "sector";
	case PS_LAY_BTT2: return "sector-btt2";
	case PS_LAY_DEV_V53: return "map-dev";
	case PS_LAY_DEV_PS128: return "map-dev-struct-page-128";
	case PS_LAY_DEV_V418: return "map-dev-v4.14-v5.2";
	case PS_LAY_DAX_V418: return "devdax-map-dev-v4.14-v5.0";
	case PS_LAY_DEV_V410: return "map-dev-v4.10-v4.13";
	case PS_LAY_DEV_V46: return "map-dev-v4.4-v4.9";
	case PS_LAY_MEM: return "map-mem";
	case PS_LAY_START_PAD: return "behind-start-pad";
	}
	return "unknown";
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

struct cand {
	uint64_t rel;		/* offset in the region */
	unsigned layouts;
	const struct ps_fs_hit *hit;	/* a superblock copy naming it */
};

static void add(struct cand *c, size_t *n, uint64_t rel, unsigned lay,
		const struct ps_fs_hit *hit)
{
	for (size_t i = 0; i < *n; i++)
		if (c[i].rel == rel) {
			c[i].layouts |= lay;
			if (hit && (!c[i].hit || (c[i].hit->kind != PS_FSHIT_EXT &&
						  hit->group == 0)))
				c[i].hit = hit;
			return;
		}
	if (*n == MAX_CAND)
		return;
	c[(*n)++] = (struct cand){ rel, lay, hit };
}

/* The data starts (region-relative) of every layout for a region of S
 * bytes; with pad, each pfn one also behind a start_pad of pad bytes. */
static void layouts(struct cand *c, size_t *n, uint64_t S, uint64_t pad)
{
	add(c, n, 0, PS_LAY_RAW, NULL);
	add(c, n, 2 * SZ_4K, PS_LAY_BTT, NULL);
	add(c, n, SZ_4K, PS_LAY_BTT2, NULL);
	if (S <= SZ_8K + SZ_2M)
		return;
	uint64_t npfns = (S - SZ_8K) / SZ_4K;
	uint64_t secup = align_up(npfns, 32768);
	struct { uint64_t d; unsigned bit; } f[] = {
		{ align_up(SZ_8K + 64 * npfns, SZ_2M), PS_LAY_DEV_V53 },
		{ align_up(SZ_8K + 128 * npfns, SZ_2M), PS_LAY_DEV_PS128 },
		{ align_up(SZ_8K + 64 * secup, SZ_2M), PS_LAY_DEV_V418 },
		{ align_up(SZ_8K + 64 * secup + 128 * 1024, SZ_2M), PS_LAY_DAX_V418 },
		{ align_up(SZ_8K + align_up(64 * npfns, SZ_2M), SZ_2M), PS_LAY_DEV_V410 },
		{ align_up(SZ_8K + 64 * npfns, SZ_2M), PS_LAY_DEV_V46 },
		{ align_up(SZ_8K, SZ_2M), PS_LAY_MEM },
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (f[i].d >= S)
			continue;
		add(c, n, f[i].d, f[i].bit, NULL);
		if (pad && pad < S - f[i].d)
			add(c, n, pad + f[i].d, f[i].bit | PS_LAY_START_PAD, NULL);
	}
}

/* The current metadata of namespace ns, as ranges. */
static int current_meta(const struct ps_analysis *a, const struct ps_ns *ns,
			struct ps_over *o, int max)
{
	int n = 0;
	if (!ns)
		return 0;
	if (ns->info_rec >= 0 && (ns->mode == PS_NS_FSDAX || ns->mode == PS_NS_DEVDAX)) {
		o[n++] = (struct ps_over){ PS_OVER_INFO, ns->base + SZ_4K, SZ_4K };
		if (ns->pfn.mode == 2 && ns->dataoff > SZ_8K && n < max)
			o[n++] = (struct ps_over){ PS_OVER_MEMMAP, ns->base + ns->start_pad + SZ_8K,
						   ns->dataoff - SZ_8K };
	}
	if (ns->mode != PS_NS_SECTOR)
		return n;
	for (size_t i = 0; i < a->scan.nrecs && n < max; i++) {
		const struct ps_rec *r = &a->scan.recs[i];
		if (r->kind != PS_REC_BTT || r->off < ns->base || r->off >= ns->base + ns->size)
			continue;
		o[n++] = (struct ps_over){ PS_OVER_BTT_INFO, r->off, SZ_4K };
		const struct ps_btt_sb *b = &r->u.btt;
		if (r->role != PS_ROLE_PRIMARY || !b->layout_ok)
			continue;
		if (n < max)
			o[n++] = (struct ps_over){ PS_OVER_BTT_MAP, r->off + b->mapoff,
						   align_up((uint64_t)b->external_nlba * 4, SZ_4K) };
		if (n < max)
			o[n++] = (struct ps_over){ PS_OVER_BTT_FLOG, r->off + b->logoff,
						   align_up((uint64_t)b->nfree * 64, SZ_4K) };
	}
	return n;
}

/* ---- which files have blocks in the overwritten ranges ---- */

struct walk {
	struct ps_fs *fs;
	struct ps_earlier *e;
	uint64_t entries;
	char *path;		/* the raw path of the entry at hand (owned,
				 * grown to fit: no depth cuts it) */
	size_t plen;		/* of its directory */
	size_t pcap;
	bool hit;
};

static int ext_cb(void *ctx, const struct ps_fs_extent *x)
{
	struct walk *w = ctx;
	for (int i = 0; i < w->e->nover; i++) {
		const struct ps_over *o = &w->e->over[i];
		uint64_t s = w->e->off + x->physical;
		if (s < o->off + o->len && o->off < s + x->len) {
			w->hit = true;
			return PS_FS_STOP;
		}
	}
	return 0;
}

/* One entry of the tree (walk.c bounds the walk: depth, loops). */
static int walk_entry(void *ctx, struct ps_walk *pw, const struct ps_walk_entry *d)
{
	struct walk *w = ctx;
	if (w->entries >= WALK_MAX)
		return PS_FS_STOP;
	w->entries++;
	size_t plen = w->plen;
	if (!d->st)
		return 0;
	if (d->namelen > SIZE_MAX / 2 - plen - 2)
		return PS_ERANGE;
	size_t need = plen + 1 + d->namelen + 1;
	if (need > w->pcap) {
		size_t cap = w->pcap ? w->pcap : 256;
		while (cap < need)
			cap *= 2;
		char *np = realloc(w->path, cap);
		if (!np)
			return PS_ENOMEM;
		w->path = np;
		w->pcap = cap;
	}
	w->path[plen] = '/';
	memcpy(w->path + plen + 1, d->name, d->namelen);
	w->path[plen + 1 + d->namelen] = 0;
	if (S_ISDIR(d->st->mode)) {
		w->plen = plen + 1 + d->namelen;
		int r = ps_walk_enter(pw, d);
		w->plen = plen;
		return r;
	}
	if (S_ISREG(d->st->mode)) {
		w->e->files_walked++;
		w->hit = false;
		ps_fs_bmap(w->fs, d->st, ext_cb, w);
		if (w->hit) {
			w->e->files_hit++;
			if (w->e->nfiles < PS_EARLIER_MAX_FILES)
				w->e->files[w->e->nfiles++] = strdup(w->path);
		}
	}
	return 0;
}

static const struct ps_walk_ops walk_ops = { .entry = walk_entry };

static void files_hit(struct ps_src *src, struct ps_earlier *e)
{
	if (!e->nover || e->primary_lost)
		return;
	uint64_t len = e->fs_size && e->fs_size < e->room ? e->fs_size : e->room;
	struct ps_src *v;
	struct ps_fs *fs;
	char err[PS_ERR_LINE_MAX];
	if (ps_src_window(src, e->off, len, &v))
		return;
	if (ps_fs_open(v, PS_FS_AUTO, &fs, err, sizeof(err)) == PS_OK) {
		struct walk w = { .fs = fs, .e = e };
		/* the bounds extract walks with: each directory once, its
		 * default depth */
		struct ps_walk pw;
		ps_walk_init(&pw, fs, &(struct ps_walk_opts){ .loops = PS_WALK_ONCE }, &walk_ops, &w);
		ps_walk_tree(&pw, ps_fs_root(fs));
		ps_walk_free(&pw);
		free(w.path);
		ps_fs_close(fs);
	}
	ps_src_close(v);
}

/* ---- one region ---- */

static int cmp_cand(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;
	return a->rel < b->rel ? -1 : a->rel > b->rel;
}

static int region(struct ps_src *src, const struct ps_analysis *a, int nsi,
		  uint64_t B, uint64_t S, struct ps_earlier_set *out)
{
	const struct ps_ns *ns = nsi >= 0 ? &a->ns[nsi] : NULL;
	uint64_t end = B + S < src->size ? B + S : src->size;
	if (end <= B)
		return PS_OK;
	struct cand *c = calloc(MAX_CAND, sizeof(*c));
	if (!c)
		return PS_ENOMEM;
	size_t n = 0;
	layouts(c, &n, S, ns ? ns->start_pad : 0);
	for (size_t i = 0; i < a->scan.nfshits; i++) {
		const struct ps_fs_hit *h = &a->scan.fshits[i];
		if (h->start >= B && h->start < end)
			add(c, &n, h->start - B, 0, h);
	}
	qsort(c, n, sizeof(*c), cmp_cand);
	struct ps_over cur[PS_EARLIER_MAX_OVER];
	int ncur = current_meta(a, ns, cur, PS_EARLIER_MAX_OVER);
	for (size_t i = 0; i < n; i++) {
		uint64_t X = B + c[i].rel;
		if (X >= end)
			continue;
		/* a data start the current layout already probed */
		bool current = false;
		for (int k = 0; ns && k < ns->ncand; k++)
			if (ns->cand[k].off == X && ns->cand[k].probe.type[0])
				current = true;
		if (current)
			continue;
		/* inside a filesystem found just before: its content */
		bool inside = false;
		for (size_t k = 0; k < out->n; k++) {
			const struct ps_earlier *p = &out->v[k];
			if (!p->primary_lost && X > p->off && X < p->off + p->fs_size)
				inside = true;
		}
		if (inside)
			continue;
		struct ps_probe p;
		struct ps_src *v;
		memset(&p, 0, sizeof(p));
		if (ps_src_window(src, X, end - X, &v))
			continue;
		int rc = ps_probe_view(v, &p);
		ps_src_close(v);
		if (rc == PS_ENOMEM) {
			free(c);
			return rc;
		}
		bool fs = !rc && p.type[0] && !strcmp(p.usage, "filesystem");
		const struct ps_fs_hit *h = c[i].hit;
		if (!fs && !h)
			continue;
		if (out->n == PS_EARLIER_MAX) {
			out->dropped++;
			continue;
		}
		struct ps_earlier *e = &out->v[out->n++];
		memset(e, 0, sizeof(*e));
		e->ns = nsi;
		e->region = B;
		e->off = X;
		e->layouts = c[i].layouts;
		e->room = end - X;
		if (fs) {
			e->probe = p;
			e->by_primary = true;
			snprintf(e->fstype, sizeof(e->fstype), "%s", p.type);
			e->fs_size = p.fs_size;
		} else {
			e->primary_lost = true;
			snprintf(e->fstype, sizeof(e->fstype), "%s",
				 h->kind == PS_FSHIT_XFS ? "xfs" : "ext2/3/4");
			e->fs_size = h->fs_size;
		}
		/* a copy beyond the primary that names the same start */
		for (size_t k = 0; k < a->scan.nfshits; k++) {
			const struct ps_fs_hit *b = &a->scan.fshits[k];
			if (b->start == X && b->group) {
				e->backup_group = b->group;
				e->backup_at = b->at;
				e->backup_bs = b->block_size;
				break;
			}
		}
		if (!e->fs_size)
			e->fs_size = e->room;
		for (int k = 0; k < ncur && e->nover < PS_EARLIER_MAX_OVER; k++) {
			uint64_t s = cur[k].off > X ? cur[k].off : X;
			uint64_t t = cur[k].off + cur[k].len;
			if (t > X + e->fs_size)
				t = X + e->fs_size;
			if (s >= t)
				continue;
			e->over[e->nover++] = (struct ps_over){ cur[k].kind, s, t - s };
			/* the superblock and group 0's descriptors */
			if (s < X + 64 * 1024)
				e->meta_hit = true;
		}
		files_hit(src, e);
	}
	free(c);
	return PS_OK;
}

int ps_earlier_find(struct ps_src *src, const struct ps_analysis *a,
		    struct ps_earlier_set *out)
{
	memset(out, 0, sizeof(*out));
	out->v = calloc(PS_EARLIER_MAX, sizeof(*out->v));
	if (!out->v)
		return PS_ENOMEM;
	int rc = PS_OK;
	if (!a->nns)
		return region(src, a, -1, 0, src->size, out);
	for (size_t i = 0; i < a->nns && !rc; i++) {
		const struct ps_ns *ns = &a->ns[i];
		if (ns->nested_in >= 0 || ns->verdict != PS_V_NOFS)
			continue;
		rc = region(src, a, (int)i, ns->base, ns->size, out);
	}
	return rc;
}

void ps_earlier_free(struct ps_earlier_set *s)
{
	for (size_t i = 0; s->v && i < s->n; i++)
		for (int k = 0; k < s->v[i].nfiles; k++)
			free(s->v[i].files[k]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}
