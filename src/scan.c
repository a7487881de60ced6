/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "scan.h"
#include "err.h"
#include "le.h"
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CHUNK (8u << 20)
#define BLK 4096u

const char *ps_rec_kind_name(enum ps_rec_kind k)
{
	switch (k) {
	case PS_REC_PFN: return "pfn-info";
	case PS_REC_DAX: return "dax-info";
	case PS_REC_BTT: return "btt-info";
	case PS_REC_NSINDEX: return "namespace-index";
	}
	return "unknown";
}

static struct ps_rec *new_rec(struct ps_scan *s, enum ps_rec_kind kind,
			      uint64_t off)
{
	if (s->nrecs >= PS_SCAN_MAX_RECS) {
		s->dropped++;
		return NULL;
	}
	if (s->nrecs == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		struct ps_rec *n = realloc(s->recs, ncap * sizeof(*n));
		if (!n) {
			s->dropped++;
			return NULL;
		}
		s->recs = n;
		s->cap = ncap;
	}
	struct ps_rec *r = &s->recs[s->nrecs++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->off = off;
	ps_diags_init(&r->diags);
	return r;
}

/* ---- probers: one per on-media structure ---- */

typedef void (*prober_fn)(struct ps_scan *s, const uint8_t *b, size_t len,
			  uint64_t off);

static void probe_pfn(struct ps_scan *s, const uint8_t *b, size_t len,
		      uint64_t off)
{
	struct ps_pfn_sb sb;
	struct ps_diags d;
	ps_diags_init(&d);
	int r = ps_pfn_parse(b, len, off, 0, &sb, &d);
	if (r == PS_ENOTFOUND) {
		ps_diags_free(&d);
		return;
	}
	struct ps_rec *rec = new_rec(s, sb.kind == PS_PFN_DEVDAX ? PS_REC_DAX :
				     PS_REC_PFN, off);
	if (!rec) {
		ps_diags_free(&d);
		return;
	}
	rec->u.pfn = sb;
	rec->truncated = r == PS_ETRUNC;
	rec->checksum_ok = r == PS_OK && sb.checksum_ok;
	rec->diags = d;
}

struct prober {
	const char *magic;	/* 16 bytes */
	unsigned step;		/* alignment at which the structure can start */
	unsigned need;		/* bytes the parser wants */
	prober_fn fn;
};

static const struct prober probers[] = {
	{ "NVDIMM_PFN_INFO\0", BLK, BLK, probe_pfn },
	{ "NVDIMM_DAX_INFO\0", BLK, BLK, probe_pfn },
};
#define NPROBERS (sizeof(probers) / sizeof(probers[0]))

static unsigned min_step(void)
{
	unsigned m = BLK;
	for (size_t i = 0; i < NPROBERS; i++)
		if (probers[i].step < m)
			m = probers[i].step;
	return m;
}

/*
 * Examine every candidate offset in buf (which holds image bytes starting
 * at base). A structure that runs past the buffer is read on its own.
 */
static int scan_buf(struct ps_src *src, struct ps_scan *s, const uint8_t *buf,
		    size_t len, uint64_t base, unsigned step)
{
	for (size_t o = 0; o + 16 <= len; o += step) {
		uint64_t abs = base + o;
		/* cheap first test: 8 bytes against each magic */
		for (size_t i = 0; i < NPROBERS; i++) {
			const struct prober *p = &probers[i];
			if (abs % p->step || memcmp(buf + o, p->magic, 16))
				continue;
			if (o + p->need <= len) {
				p->fn(s, buf + o, p->need, abs);
			} else {
				uint8_t *tmp = malloc(p->need);
				if (!tmp)
					return PS_ENOMEM;
				size_t have = p->need;
				if (abs + have > s->image_size)
					have = (size_t)(s->image_size - abs);
				if (ps_src_pread(src, tmp, have, abs) == PS_OK)
					p->fn(s, tmp, have, abs);
				free(tmp);
			}
		}
	}
	return PS_OK;
}

int ps_scan_run(struct ps_src *src, const struct ps_scan_opts *opts,
		struct ps_scan *s)
{
	static const struct ps_scan_opts defaults;
	if (!opts)
		opts = &defaults;
	memset(s, 0, sizeof(*s));
	ps_diags_init(&s->diags);
	s->image_size = src->size;
	size_t chunk = opts->chunk ? opts->chunk : DEFAULT_CHUNK;
	chunk = chunk / BLK * BLK;
	if (chunk < BLK)
		chunk = BLK;
	unsigned step = min_step();
	uint8_t *buf = NULL;
	if (posix_memalign((void **)&buf, BLK, chunk))
		return PS_ENOMEM;

	int rc = PS_OK;
	uint64_t off = 0, size = src->size;
	while (off < size) {
		uint64_t d, h;
		rc = ps_src_next_data(src, off, &d);
		if (rc)
			break;
		d = d / BLK * BLK;	/* data extents start block aligned */
		if (d < off)
			d = off;
		if (d >= size) {
			if (opts->on_hole && size > off)
				opts->on_hole(opts->ctx, off, size - off);
			break;
		}
		rc = ps_src_next_hole(src, d, &h);
		if (rc)
			break;
		if (h <= d)
			h = size;
		if (d > off && opts->on_hole)
			opts->on_hole(opts->ctx, off, d - off);
		for (uint64_t p = d; p < h;) {
			size_t n = (size_t)((h - p) < chunk ? (h - p) : chunk);
			rc = ps_src_pread(src, buf, n, p);
			if (rc)
				goto out;
			if (opts->on_data)
				opts->on_data(opts->ctx, p, buf, n);
			rc = scan_buf(src, s, buf, n, p, step);
			if (rc)
				goto out;
			s->bytes_read += n;
			p += n;
			if (opts->on_progress)
				opts->on_progress(opts->ctx, p, size);
		}
		off = h;
	}
out:
	free(buf);
	if (s->dropped)
		ps_diag_add(&s->diags, PS_SEV_WARN, 0, "scan",
			    "%zu more signature hits than the %u kept were ignored",
			    s->dropped, PS_SCAN_MAX_RECS);
	return rc;
}

int ps_scan_probe_at(struct ps_src *src, uint64_t off, struct ps_scan *s)
{
	uint8_t b[BLK];
	size_t n = BLK;
	if (off >= src->size)
		return PS_ERANGE;
	if (src->size - off < n)
		n = (size_t)(src->size - off);
	int rc = ps_src_pread(src, b, n, off);
	if (rc)
		return rc;
	s->image_size = src->size;
	return scan_buf(src, s, b, n, off, min_step());
}

void ps_scan_free(struct ps_scan *s)
{
	for (size_t i = 0; i < s->nrecs; i++)
		ps_diags_free(&s->recs[i].diags);
	free(s->recs);
	ps_diags_free(&s->diags);
	memset(s, 0, sizeof(*s));
}
