/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test support: the BTT writer (btt_writer.h). Written from the layout
 * facts in drivers/nvdimm/btt.c (alloc_arena, create_arenas,
 * btt_arena_write_layout, btt_freelist_init, btt_write_pg); the on-media
 * encodings come from src/btt_info.c.
 */
#include "btt_writer.h"
#include "err.h"
#include "le.h"
#include "units.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The flog sequence number after seq: 1 -> 2 -> 3 -> 1 (0: unused). */
static uint32_t next_seq(uint32_t seq)
{
	static const uint32_t nxt[4] = { 0, 2, 3, 1 };
	return nxt[seq & 3];
}

struct w_lane {
	uint32_t block;
	uint8_t sub, seq;
};

struct w_arena {
	uint64_t off;
	uint64_t ext_start;
	struct ps_btt_geom g;
	struct w_lane *fl;
};

struct ps_btt_writer {
	struct ps_btt_sink s;
	uint32_t lbasize, ss;
	uint64_t nlba;
	unsigned n;
	struct w_arena *a;
	unsigned rr;
	int log_index[2];
};

static int sink_io(const struct ps_btt_sink *s, bool wr, void *buf, size_t len,
		   uint64_t off)
{
	uint64_t end;
	if (ps_add_ovf(off, len, &end) || end > s->ns_size)
		return PS_ERANGE;
	if (s->fd < 0) {
		if (wr)
			memcpy(s->buf + s->base + off, buf, len);
		else
			memcpy(buf, s->buf + s->base + off, len);
		return PS_OK;
	}
	uint8_t *p = buf;
	off += s->base;
	while (len) {
		ssize_t k = wr ? pwrite(s->fd, p, len, (off_t)off) :
				 pread(s->fd, p, len, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return PS_EIO;
		if (k == 0) {
			if (wr)
				return PS_EIO;
			memset(p, 0, len);	/* past EOF of a short file: zeros */
			return PS_OK;
		}
		p += k;
		len -= (size_t)k;
		off += (uint64_t)k;
	}
	return PS_OK;
}

int ps_btt_geometry(uint64_t size, uint32_t lbasize, uint32_t nfree,
		    struct ps_btt_geom *g)
{
	memset(g, 0, sizeof(*g));
	if (lbasize < 512 || lbasize > PS_BTT_MAX_LBASIZE || !nfree ||
	    nfree > PS_BTT_MAX_NFREE || size > PS_BTT_ARENA_MAX)
		return PS_EINVAL;
	uint64_t il = (lbasize + 63u) / 64u * 64u;
	uint64_t avail = ps_align_down(size, SZ_4K);
	uint64_t logsize = ps_align_up((uint64_t)nfree * PS_BTT_LOG_GROUP, SZ_4K);
	if (avail < 2 * SZ_4K + logsize + SZ_4K)
		return PS_EINVAL;
	avail -= 2 * SZ_4K + logsize;
	/* each internal block costs its data plus one map entry */
	uint64_t inlba = (avail - SZ_4K) / (il + PS_BTT_MAP_ENT_SIZE);
	if (inlba <= nfree || inlba > PS_BTT_MAP_LBA_MASK + 1ull)
		return PS_EINVAL;
	uint64_t ext = inlba - nfree;
	uint64_t mapsize = ps_align_up(ext * PS_BTT_MAP_ENT_SIZE, SZ_4K);
	uint64_t datasize = avail - mapsize;
	g->internal_lbasize = (uint32_t)il;
	g->internal_nlba = (uint32_t)inlba;
	g->external_nlba = (uint32_t)ext;
	g->nfree = nfree;
	g->dataoff = SZ_4K;
	g->mapoff = SZ_4K + datasize;
	g->logoff = g->mapoff + mapsize;
	g->info2off = g->logoff + logsize;
	return PS_OK;
}

void ps_btt_writer_free(struct ps_btt_writer *w)
{
	if (!w)
		return;
	for (unsigned i = 0; i < w->n; i++)
		free(w->a[i].fl);
	free(w->a);
	free(w);
}

static int write_zeros(const struct ps_btt_sink *s, uint64_t off, uint64_t len)
{
	static const uint8_t z[65536];
	while (len) {
		size_t k = len > sizeof(z) ? sizeof(z) : (size_t)len;
		int r = sink_io(s, true, (void *)z, k, off);
		if (r)
			return r;
		off += k;
		len -= k;
	}
	return PS_OK;
}

int ps_btt_format(const struct ps_btt_sink *s, const struct ps_btt_fmt *f,
		  struct ps_btt_writer **out, char *err, size_t errlen)
{
	*out = NULL;
	uint64_t io = f->version_major == 2 ? PS_BTT2_OFFSET : PS_BTT1_OFFSET;
	uint32_t nfree = f->nfree ? f->nfree : PS_BTT_NFREE_DEFAULT;
	if (f->version_major != 1 && f->version_major != 2) {
		snprintf(err, errlen, "BTT version must be 1 (1.1) or 2 (2.0)");
		return PS_EINVAL;
	}
	if (s->ns_size < io + PS_BTT_ARENA_MIN) {
		snprintf(err, errlen, "namespace of %llu bytes is too small for a BTT (needs %llu)",
			 (unsigned long long)s->ns_size,
			 (unsigned long long)(io + PS_BTT_ARENA_MIN));
		return PS_EINVAL;
	}
	struct ps_btt_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return PS_ENOMEM;
	w->s = *s;
	w->lbasize = f->lbasize;
	w->ss = f->lbasize >= 4096 ? 4096 : 512;
	w->log_index[0] = 0;
	w->log_index[1] = f->log_index1 == 2 ? 2 : 1;
	/* create_arenas() */
	uint64_t rem = s->ns_size - io, cur = io;
	while (rem) {
		uint64_t asz = rem < PS_BTT_ARENA_MAX ? rem : PS_BTT_ARENA_MAX;
		rem -= asz;
		if (asz < PS_BTT_ARENA_MIN)
			break;
		struct w_arena *na = realloc(w->a, (w->n + 1) * sizeof(*na));
		if (!na) {
			ps_btt_writer_free(w);
			return PS_ENOMEM;
		}
		w->a = na;
		struct w_arena *A = &w->a[w->n];
		memset(A, 0, sizeof(*A));
		w->n++;
		A->off = cur;
		A->ext_start = w->nlba;
		int r = ps_btt_geometry(asz, f->lbasize, nfree, &A->g);
		if (r) {
			snprintf(err, errlen, "cannot lay out an arena of %llu bytes with %u-byte blocks",
				 (unsigned long long)asz, f->lbasize);
			ps_btt_writer_free(w);
			return r;
		}
		w->nlba += A->g.external_nlba;
		uint64_t nextoff = rem >= PS_BTT_ARENA_MIN ? asz : 0;
		/* btt_arena_write_layout(): map, flog, info2 then info */
		r = PS_OK;
		if (f->zero_meta)
			r = write_zeros(s, cur + A->g.mapoff, A->g.logoff - A->g.mapoff);
		if (!r)
			r = write_zeros(s, cur + A->g.logoff, A->g.info2off - A->g.logoff);
		for (uint32_t i = 0; !r && i < nfree; i++) {
			uint8_t e[PS_BTT_LOG_SIZE];
			struct ps_btt_log_ent le = { i, A->g.external_nlba + i,
						     A->g.external_nlba + i, 1 };
			ps_btt_log_ent_encode(&le, e);
			r = sink_io(s, true, e, sizeof(e),
				    cur + A->g.logoff + (uint64_t)i * PS_BTT_LOG_GROUP);
		}
		struct ps_btt_sb sb;
		memset(&sb, 0, sizeof(sb));
		memcpy(sb.uuid, f->uuid, 16);
		memcpy(sb.parent_uuid, f->parent_uuid, 16);
		sb.version_major = (uint16_t)f->version_major;
		sb.version_minor = f->version_major == 1 ? 1 : 0;
		sb.external_lbasize = f->lbasize;
		sb.external_nlba = A->g.external_nlba;
		sb.internal_lbasize = A->g.internal_lbasize;
		sb.internal_nlba = A->g.internal_nlba;
		sb.nfree = nfree;
		sb.infosize = PS_BTT_INFO_SIZE;
		sb.nextoff = nextoff;
		sb.dataoff = A->g.dataoff;
		sb.mapoff = A->g.mapoff;
		sb.logoff = A->g.logoff;
		sb.info2off = A->g.info2off;
		uint8_t blk[PS_BTT_INFO_SIZE];
		ps_btt_info_encode(&sb, blk);
		if (!r)
			r = sink_io(s, true, blk, sizeof(blk), cur + A->g.info2off);
		if (!r)
			r = sink_io(s, true, blk, sizeof(blk), cur);
		if (r) {
			snprintf(err, errlen, "write error laying out arena %u at %llu: %s",
				 w->n - 1, (unsigned long long)cur, strerror(errno));
			ps_btt_writer_free(w);
			return r;
		}
		/* btt_freelist_init() on the fresh layout */
		A->fl = calloc(nfree, sizeof(*A->fl));
		if (!A->fl) {
			ps_btt_writer_free(w);
			return PS_ENOMEM;
		}
		for (uint32_t i = 0; i < nfree; i++) {
			A->fl[i].block = A->g.external_nlba + i;
			A->fl[i].sub = 1;
			A->fl[i].seq = 2;
		}
		cur += asz;
	}
	*out = w;
	return PS_OK;
}

static struct w_arena *w_arena(struct ps_btt_writer *w, uint64_t lba, uint32_t *p)
{
	if (lba >= w->nlba)
		return NULL;
	for (unsigned i = 0; i < w->n; i++)
		if (lba - w->a[i].ext_start < w->a[i].g.external_nlba) {
			*p = (uint32_t)(lba - w->a[i].ext_start);
			return &w->a[i];
		}
	return NULL;
}

int ps_btt_writer_get_map(struct ps_btt_writer *w, uint64_t lba, uint32_t *raw)
{
	uint32_t p;
	struct w_arena *A = w_arena(w, lba, &p);
	uint8_t e[PS_BTT_MAP_ENT_SIZE];
	if (!A)
		return PS_ERANGE;
	int r = sink_io(&w->s, false, e, sizeof(e),
			A->off + A->g.mapoff + (uint64_t)p * PS_BTT_MAP_ENT_SIZE);
	*raw = (uint32_t)ps_get_le(e, sizeof(e));
	return r;
}

int ps_btt_writer_set_map(struct ps_btt_writer *w, uint64_t lba, uint32_t raw)
{
	uint32_t p;
	struct w_arena *A = w_arena(w, lba, &p);
	uint8_t e[PS_BTT_MAP_ENT_SIZE];
	if (!A)
		return PS_ERANGE;
	ps_put_le(e, sizeof(e), raw);
	return sink_io(&w->s, true, e, sizeof(e),
		       A->off + A->g.mapoff + (uint64_t)p * PS_BTT_MAP_ENT_SIZE);
}

int ps_btt_write_lba(struct ps_btt_writer *w, uint64_t lba, const void *data,
		     int lane, unsigned flags)
{
	uint32_t p;
	struct w_arena *A = w_arena(w, lba, &p);
	if (!A)
		return PS_ERANGE;
	uint32_t L = lane < 0 ? w->rr++ % A->g.nfree : (uint32_t)lane % A->g.nfree;
	struct w_lane *fl = &A->fl[L];
	uint32_t newp = fl->block;
	if (newp >= A->g.internal_nlba)
		return PS_EIO;
	int r = sink_io(&w->s, true, (void *)data, w->ss,
			A->off + A->g.dataoff + (uint64_t)newp * A->g.internal_lbasize);
	if (r)
		return r;
	uint32_t raw;
	r = ps_btt_writer_get_map(w, lba, &raw);
	if (r)
		return r;
	uint32_t oldp = ps_btt_map_lookup(p, raw);
	if (oldp >= A->g.internal_nlba)
		return PS_EIO;
	if ((raw & PS_BTT_MAP_NORMAL) == PS_BTT_MAP_E)
		oldp |= PS_BTT_MAP_E;
	uint8_t e[PS_BTT_LOG_SIZE];
	struct ps_btt_log_ent le = { p, oldp, newp, fl->seq };
	ps_btt_log_ent_encode(&le, e);
	r = sink_io(&w->s, true, e, sizeof(e), A->off + A->g.logoff +
		    (uint64_t)L * PS_BTT_LOG_GROUP +
		    (uint64_t)w->log_index[fl->sub] * PS_BTT_LOG_SIZE);
	if (r)
		return r;
	fl->sub = (uint8_t)(1 - fl->sub);
	fl->seq = (uint8_t)next_seq(fl->seq);
	fl->block = oldp & PS_BTT_MAP_LBA_MASK;
	if (flags & PS_BTT_W_TORN)
		return PS_OK;
	return ps_btt_writer_set_map(w, lba, newp | PS_BTT_MAP_NORMAL);
}

uint64_t ps_btt_writer_nlba(const struct ps_btt_writer *w) { return w->nlba; }
uint32_t ps_btt_writer_sector_size(const struct ps_btt_writer *w) { return w->ss; }
unsigned ps_btt_writer_narenas(const struct ps_btt_writer *w) { return w->n; }

int ps_btt_writer_arena(const struct ps_btt_writer *w, unsigned i,
			uint64_t *info_off, uint64_t *info2_off,
			uint64_t *mapoff, uint64_t *logoff)
{
	if (i >= w->n)
		return PS_ERANGE;
	const struct w_arena *A = &w->a[i];
	if (info_off)
		*info_off = A->off;
	if (info2_off)
		*info2_off = A->off + A->g.info2off;
	if (mapoff)
		*mapoff = A->off + A->g.mapoff;
	if (logoff)
		*logoff = A->off + A->g.logoff;
	return PS_OK;
}
