/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * BTT reader, part two: map reads, LBA translation as btt_map_read() and
 * btt_read_pg() do it, and the translated LBA space as a ps_src view
 * whose sparse map (next_data / next_hole) follows the map and the
 * namespace image's own holes.
 */
#include "btt_int.h"
#include "err.h"
#include "le.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The data extents of an arena's data area in the namespace image, listed
 * once (bounded by EXT_MAX; beyond that the scan asks the image block by
 * block): a shuffled map makes neighbouring LBAs land anywhere, so the
 * sparse scan would otherwise lseek for every block.
 */
#define EXT_MAX 65536
struct ext_cache {
	int state;		/* 0 not built, 1 built, -1 unusable */
	uint64_t start, end;	/* the data area */
	uint64_t *lo, *hi;
	size_t n;
};

static void ec_build(struct ps_btt *b, const struct ps_btt_arena *a,
		     struct ext_cache *c)
{
	c->state = -1;
	c->start = a->off + a->sb.dataoff;
	c->end = a->off + a->sb.mapoff;
	size_t cap = 0;
	uint64_t off = c->start;
	while (off < c->end) {
		uint64_t q, h;
		if (ps_src_next_data(b->ns, off, &q) || q >= c->end)
			break;
		if (ps_src_next_hole(b->ns, q, &h))
			return;
		if (h > c->end)
			h = c->end;
		if (h <= q)
			return;
		if (c->n == cap) {
			if (cap >= EXT_MAX)
				return;
			size_t nc = cap ? cap * 2 : 64;
			uint64_t *nl = realloc(c->lo, nc * sizeof(*nl));
			if (!nl)
				return;
			c->lo = nl;
			uint64_t *nh = realloc(c->hi, nc * sizeof(*nh));
			if (!nh)
				return;
			c->hi = nh;
			cap = nc;
		}
		c->lo[c->n] = q;
		c->hi[c->n] = h;
		c->n++;
		off = h;
	}
	c->state = 1;
}

/* Index of the first extent with hi > x (c->n if none). */
static size_t ec_find(const struct ext_cache *c, uint64_t x)
{
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->hi[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static struct ext_cache *ec_get(struct ps_btt *b, const struct ps_btt_arena *a,
				uint64_t x)
{
	if (!b->ec) {
		b->ec = calloc(b->n, sizeof(*b->ec));
		if (!b->ec)
			return NULL;
	}
	struct ext_cache *c = &b->ec[a->idx];
	if (!c->state)
		ec_build(b, a, c);
	if (c->state != 1 || x < c->start || x >= c->end)
		return NULL;
	return c;
}

/* First offset >= off of the namespace that may hold data. */
static int par_data(struct ps_btt *b, const struct ps_btt_arena *a,
		    uint64_t off, uint64_t *q)
{
	struct ext_cache *c = ec_get(b, a, off);
	if (c) {
		size_t i = ec_find(c, off);
		*q = i == c->n ? c->end : c->lo[i] > off ? c->lo[i] : off;
		return PS_OK;
	}
	if (off >= b->d_lo && off < b->d_hi) {
		*q = off;
		return PS_OK;
	}
	if (off >= b->h_lo && off < b->h_hi && b->h_hi >= b->ns->size) {
		*q = b->ns->size;
		return PS_OK;
	}
	int r = ps_src_next_data(b->ns, off, q);
	if (r)
		return r;
	b->h_lo = off;
	b->h_hi = *q;
	if (*q < b->ns->size) {
		uint64_t h;
		r = ps_src_next_hole(b->ns, *q, &h);
		if (r)
			return r;
		b->d_lo = *q;
		b->d_hi = h;
	}
	return PS_OK;
}

/* First offset >= off of the namespace that is surely a hole. */
static int par_hole(struct ps_btt *b, const struct ps_btt_arena *a,
		    uint64_t off, uint64_t *h)
{
	struct ext_cache *c = ec_get(b, a, off);
	if (c) {
		size_t i = ec_find(c, off);
		*h = i < c->n && c->lo[i] <= off ? c->hi[i] : off;
		return PS_OK;
	}
	if (off >= b->h_lo && off < b->h_hi) {
		*h = off;
		return PS_OK;
	}
	if (off >= b->d_lo && off < b->d_hi) {
		*h = b->d_hi;
		return PS_OK;
	}
	int r = ps_src_next_hole(b->ns, off, h);
	if (r)
		return r;
	b->d_lo = off;
	b->d_hi = *h;
	return PS_OK;
}

void ps_btt_cache_free(struct ps_btt *b)
{
	if (b->ec)
		for (unsigned i = 0; i < b->n; i++) {
			free(b->ec[i].lo);
			free(b->ec[i].hi);
		}
	free(b->ec);
	b->ec = NULL;
}

int ps_btt_read_map_raw(struct ps_btt *b, const struct ps_btt_arena *a,
			uint32_t first, uint32_t n, uint32_t *out)
{
	uint64_t off = a->off + a->sb.mapoff + (uint64_t)first * PS_BTT_MAP_ENT_SIZE;
	uint64_t len = (uint64_t)n * PS_BTT_MAP_ENT_SIZE, dat;
	/* A map chunk in a hole of a sparse image is all zero: skip the read. */
	b->map_identity = false;
	if (ps_src_next_data(b->ns, off, &dat) == PS_OK && dat >= off + len) {
		memset(out, 0, len);
		b->map_identity = true;
		return PS_OK;
	}
	int r = ps_src_pread(b->ns, out, (size_t)len, off);
	if (r)
		return r;
	/* in place: entry i's bytes are read before out[i] is written */
	for (uint32_t i = 0; i < n; i++)
		out[i] = ps_le32((const uint8_t *)&out[i]);
	return PS_OK;
}

/* Effective map entries (in-flight writes resolved). */
int ps_btt_read_map(struct ps_btt *b, const struct ps_btt_arena *a,
		    uint32_t first, uint32_t n, uint32_t *out)
{
	int r = ps_btt_read_map_raw(b, a, first, n, out);
	if (r)
		return r;
	for (size_t i = 0; i < a->nfix; i++)
		if (a->fix_lba[i] >= first && a->fix_lba[i] - first < n) {
			out[a->fix_lba[i] - first] = a->fix_map[i] | PS_BTT_MAP_NORMAL;
			b->map_identity = false;
		}
	return PS_OK;
}

static void classify(const struct ps_btt_arena *a, uint32_t premap, uint32_t raw,
		     struct ps_btt_xlat *x)
{
	unsigned ze = ((raw >> 31) << 1) | ((raw >> 30) & 1);
	x->arena = a->idx;
	x->premap = premap;
	x->raw = raw;
	x->postmap = ps_btt_map_lookup(premap, raw);
	switch (ze) {
	case 0: x->state = PS_BTT_IDENTITY; break;
	case 1: x->state = PS_BTT_ERROR; break;
	case 2: x->state = PS_BTT_ZERO; break;
	default: x->state = PS_BTT_NORMAL; break;
	}
	if ((x->state == PS_BTT_NORMAL || x->state == PS_BTT_IDENTITY) &&
	    x->postmap >= a->sb.internal_nlba)
		x->state = PS_BTT_BADMAP;
	x->data_off = a->off + a->sb.dataoff +
		      (uint64_t)x->postmap * a->sb.internal_lbasize;
	x->fixed = false;
}

/* Arena holding external LBA lba (binary search). */
static struct ps_btt_arena *lba_arena(struct ps_btt *b, uint64_t lba)
{
	if (lba >= b->nlba)
		return NULL;
	unsigned lo = 0, hi = b->n;
	while (hi - lo > 1) {
		unsigned mid = lo + (hi - lo) / 2;
		if (b->a[mid].ext_start <= lba)
			lo = mid;
		else
			hi = mid;
	}
	return &b->a[lo];
}

int ps_btt_translate(struct ps_btt *b, uint64_t lba, struct ps_btt_xlat *x)
{
	struct ps_btt_arena *a = lba_arena(b, lba);
	if (!a)
		return PS_ERANGE;
	uint32_t p = (uint32_t)(lba - a->ext_start), raw;
	int r = ps_btt_read_map(b, a, p, 1, &raw);
	if (r)
		return r;
	classify(a, p, raw, x);
	for (size_t i = 0; i < a->nfix; i++)
		if (a->fix_lba[i] == p)
			x->fixed = true;
	return PS_OK;
}

/* ---- the view ---- */

static const char *state_why(enum ps_btt_state s)
{
	return s == PS_BTT_ERROR ?
		"has the error flag set (the kernel returns EIO for this block)" :
		"points beyond internal_nlba";
}

static int view_pread(struct ps_src *s, void *buf, size_t len, uint64_t off)
{
	struct ps_btt *b = s->priv;
	uint8_t *out = buf;
	uint32_t ss = b->ss;
	while (len) {
		uint64_t lba = off / ss;
		uint32_t within = (uint32_t)(off % ss);
		struct ps_btt_arena *a = lba_arena(b, lba);
		if (!a)
			return PS_ERANGE;
		uint32_t p = (uint32_t)(lba - a->ext_start);
		uint64_t want = ((uint64_t)within + len + ss - 1) / ss;
		uint64_t n = a->sb.external_nlba - p;
		if (n > want)
			n = want;
		if (n > PS_BTT_MAP_CHUNK)
			n = PS_BTT_MAP_CHUNK;
		int r = ps_btt_read_map(b, a, p, (uint32_t)n, b->mapbuf);
		if (r) {
			ps_src_set_error(s, "%s", ps_src_error(b->ns));
			return r;
		}
		/* a pending contiguous run of reads straight into out */
		uint64_t run_off = 0;
		uint8_t *run_dst = NULL;
		size_t run_len = 0;
		for (uint64_t i = 0; i < n && len; i++) {
			struct ps_btt_xlat x;
			classify(a, (uint32_t)(p + i), b->mapbuf[i], &x);
			uint32_t w = i == 0 ? within : 0;
			size_t take = ss - w;
			if (take > len)
				take = len;
			bool direct = x.state == PS_BTT_NORMAL || x.state == PS_BTT_IDENTITY;
			if (run_len && (!direct || run_off + run_len != x.data_off + w ||
					run_dst + run_len != out)) {
				r = ps_src_pread(b->ns, run_dst, run_len, run_off);
				if (r) {
					ps_src_set_error(s, "%s", ps_src_error(b->ns));
					return r;
				}
				run_len = 0;
			}
			if (x.state == PS_BTT_ZERO) {
				memset(out, 0, take);
			} else if (!direct) {
				ps_src_set_error(s, "%s: BTT arena %u LBA %llu (arena LBA %u): map entry 0x%08x %s",
						 s->name, a->idx,
						 (unsigned long long)(lba + i), x.premap,
						 x.raw, state_why(x.state));
				return PS_EBADBLK;
			} else {
				if (!run_len) {
					run_off = x.data_off + w;
					run_dst = out;
				}
				run_len += take;
			}
			out += take;
			off += take;
			len -= take;
		}
		if (run_len) {
			r = ps_src_pread(b->ns, run_dst, run_len, run_off);
			if (r) {
				ps_src_set_error(s, "%s", ps_src_error(b->ns));
				return r;
			}
		}
	}
	return PS_OK;
}

/*
 * Scan for the first block at or after lba that may hold data (want_data)
 * or is surely a hole (!want_data). Zero-flagged blocks are holes; so are
 * blocks whose data lies in a hole of the namespace image. Error and
 * out-of-range blocks count as data (reading them reports the problem).
 */
static int view_scan(struct ps_src *s, uint64_t off, bool want_data, uint64_t *res)
{
	struct ps_btt *b = s->priv;
	uint32_t ss = b->ss;
	uint64_t lba = off / ss;
	while (lba < b->nlba) {
		struct ps_btt_arena *a = lba_arena(b, lba);
		uint32_t p = (uint32_t)(lba - a->ext_start);
		uint64_t n = a->sb.external_nlba - p;
		if (n > PS_BTT_MAP_CHUNK)
			n = PS_BTT_MAP_CHUNK;
		int r = ps_btt_read_map(b, a, p, (uint32_t)n, b->mapbuf);
		if (r) {
			ps_src_set_error(s, "%s", ps_src_error(b->ns));
			return r;
		}
		uint64_t i = 0;
		while (i < n) {
			struct ps_btt_xlat x;
			classify(a, (uint32_t)(p + i), b->mapbuf[i], &x);
			if (x.state == PS_BTT_ZERO) {
				if (!want_data)
					goto found;
				i++;
				continue;
			}
			if (x.state != PS_BTT_NORMAL && x.state != PS_BTT_IDENTITY) {
				if (want_data)
					goto found;
				i++;
				continue;
			}
			/* maximal run of physically consecutive blocks (a
			 * chunk read from a hole is one identity run) */
			uint64_t j = b->map_identity ? n : i + 1;
			uint32_t il = a->sb.internal_lbasize;
			while (j < n) {
				struct ps_btt_xlat y;
				classify(a, (uint32_t)(p + j), b->mapbuf[j], &y);
				if ((y.state != PS_BTT_NORMAL && y.state != PS_BTT_IDENTITY) ||
				    y.postmap != x.postmap + (j - i))
					break;
				j++;
			}
			uint64_t start = x.data_off;
			uint64_t end = start + (j - i - 1) * il + ss;
			uint64_t q;
			if (want_data) {
				r = par_data(b, a, start, &q);
				if (r) {
					ps_src_set_error(s, "%s", ps_src_error(b->ns));
					return r;
				}
				if (q < end) {
					i += (q - start) / il;
					goto found;
				}
				i = j;
				continue;
			}
			/* want a hole: a block whose data range is all hole */
			uint64_t k = i;
			while (k < j) {
				uint64_t bs = start + (k - i) * il;
				r = par_data(b, a, bs, &q);
				if (r) {
					ps_src_set_error(s, "%s", ps_src_error(b->ns));
					return r;
				}
				if (q >= bs + ss) {
					i = k;
					goto found;
				}
				/* data at q: skip to the first block after it
				 * that could start a hole */
				uint64_t h;
				r = par_hole(b, a, q, &h);
				if (r) {
					ps_src_set_error(s, "%s", ps_src_error(b->ns));
					return r;
				}
				uint64_t nk = h <= start ? k + 1 : i + (h - start + il - 1) / il;
				k = nk > k ? nk : k + 1;
			}
			i = j;
		}
		lba += n;
		continue;
found:
		{
			uint64_t at = (lba + i) * ss;
			*res = at > off ? at : off;
			return PS_OK;
		}
	}
	*res = s->size;
	return PS_OK;
}

static int view_next_data(struct ps_src *s, uint64_t off, uint64_t *out)
{
	return view_scan(s, off, true, out);
}

static int view_next_hole(struct ps_src *s, uint64_t off, uint64_t *out)
{
	return view_scan(s, off, false, out);
}

static const struct ps_src_ops view_ops = {
	.pread = view_pread,
	.next_data = view_next_data,
	.next_hole = view_next_hole,
	.close = NULL,	/* the view does not own the ps_btt */
};

int ps_btt_view(struct ps_btt *b, struct ps_src **view)
{
	char *name = NULL;	/* whole: every error of the view names it */
	uint64_t size;
	*view = NULL;
	if (ps_mul_ovf(b->nlba, b->ss, &size))
		return PS_ERANGE;
	if (asprintf(&name, "%s[btt@%llu]", b->ns->name, (unsigned long long)b->io) < 0)
		return PS_ENOMEM;
	struct ps_src *v = ps_src_new(&view_ops, b, size, name);
	free(name);
	if (!v)
		return PS_ENOMEM;
	v->parent = b->ns;
	*view = v;
	return PS_OK;
}
