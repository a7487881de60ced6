/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "scan.h"
#include "be.h"
#include "err.h"
#include "ext_sb.h"
#include "le.h"
#include "xfs_sb.h"
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CHUNK (2u << 20)	/* the copy target stays in cache */
#define BLK 4096u	/* info blocks are 4 KiB aligned; so are reads */
#define RING_MAX 16	/* read buffers at most when a digest hashes behind */

const char *ps_rec_kind_name(enum ps_rec_kind k)
{
	switch (k) {
	case PS_REC_PFN: return "pfn-info";
	case PS_REC_DAX: return "dax-info";
	case PS_REC_BTT: return "btt-info";
	case PS_REC_NSINDEX: return "namespace-index";
	case PS_REC_PMDK: return "pmdk-pool";
	case PS_REC_POOLSET: return "pmdk-poolset";
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
	r->ns = -1;
	ps_diags_init(&r->diags);
	return r;
}

/* ---- probers: one per on-media structure ---- */

typedef void (*prober_fn)(struct ps_src *src, struct ps_scan *s,
			  const uint8_t *b, size_t len, uint64_t off);

static void probe_pfn(struct ps_src *src, struct ps_scan *s, const uint8_t *b,
		      size_t len, uint64_t off)
{
	(void)src;
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

static void probe_btt(struct ps_src *src, struct ps_scan *s, const uint8_t *b,
		      size_t len, uint64_t off)
{
	struct ps_btt_sb sb;
	struct ps_diags d;
	(void)src;
	ps_diags_init(&d);
	int r = ps_btt_info_parse(b, len, off, 0, NULL, 0, 0, &sb, &d);
	if (r == PS_ENOTFOUND) {
		ps_diags_free(&d);
		return;
	}
	struct ps_rec *rec = new_rec(s, PS_REC_BTT, off);
	if (!rec) {
		ps_diags_free(&d);
		return;
	}
	rec->u.btt = sb;
	rec->truncated = r == PS_ETRUNC;
	rec->checksum_ok = r == PS_OK && sb.checksum_ok;
	rec->diags = d;
}

#define LSA_MAX ((uint64_t)16 << 20)	/* larger than any config area */

/* Read and parse a whole label storage area found at loc. */
int ps_scan_read_lsa(struct ps_src *src, const struct ps_lsa_loc *loc,
		     struct ps_lsa **out, struct ps_diags *d)
{
	*out = NULL;
	uint64_t size = loc->size;
	if (loc->off >= src->size)
		return PS_ERANGE;
	if (size > src->size - loc->off)
		size = src->size - loc->off;
	if (size > LSA_MAX)
		size = LSA_MAX;
	uint8_t *buf = malloc(size ? size : 1);
	struct ps_lsa *lsa = calloc(1, sizeof(*lsa));
	int rc = buf && lsa ? ps_src_pread(src, buf, size, loc->off) : PS_ENOMEM;
	if (rc == PS_OK) {
		rc = ps_lsa_parse(buf, size, loc->off, lsa, d);
		if (rc == PS_OK || rc == PS_EFORMAT) {
			*out = lsa;
			lsa = NULL;
		}
	}
	free(buf);
	free(lsa);
	return rc;
}

static void probe_nsindex(struct ps_src *src, struct ps_scan *s,
			  const uint8_t *b, size_t len, uint64_t off)
{
	/* the second index block of an area already found */
	for (size_t i = s->nrecs; i-- > 0;) {
		struct ps_rec *r = &s->recs[i];
		if (r->kind == PS_REC_NSINDEX && off >= r->off &&
		    off < r->off + r->u.lsa.loc.size)
			return;
		if (r->off + LSA_MAX < off)
			break;
	}
	struct ps_lsa_loc loc;
	if (ps_lsa_probe(b, len, off, &loc) != PS_OK)
		return;
	struct ps_rec *rec = new_rec(s, PS_REC_NSINDEX, loc.off);
	if (!rec)
		return;
	rec->u.lsa.loc = loc;
	int rc = ps_scan_read_lsa(src, &loc, &rec->u.lsa.lsa, &rec->diags);
	rec->checksum_ok = rc == PS_OK && rec->u.lsa.lsa && rec->u.lsa.lsa->current >= 0;
	rec->truncated = rc == PS_ETRUNC || rc == PS_ERANGE;
}

/* PMDK pool headers start a pool file or a devdax device: 4 KiB aligned
 * in any image, in a namespace, in a filesystem's blocks. */
static void probe_pmdk(struct ps_src *src, struct ps_scan *s, const uint8_t *b,
		       size_t len, uint64_t off)
{
	(void)src;
	struct ps_pmdk_pool *p = malloc(sizeof(*p));
	struct ps_diags d;
	ps_diags_init(&d);
	if (!p) {
		s->dropped++;
		return;
	}
	int r = ps_pmdk_parse(b, len, off, s->image_size - off, p, &d);
	struct ps_rec *rec = r == PS_ENOTFOUND ? NULL : new_rec(s, PS_REC_PMDK, off);
	if (!rec) {
		ps_diags_free(&d);
		free(p);
		return;
	}
	rec->u.pmdk = p;
	rec->truncated = r == PS_ETRUNC || !p->desc_read;
	rec->checksum_ok = r == PS_OK && p->checksum_ok;
	rec->diags = d;
}

static void probe_poolset(struct ps_src *src, struct ps_scan *s, const uint8_t *b,
			  size_t len, uint64_t off)
{
	(void)src;
	struct ps_pmdk_poolset *ps = malloc(sizeof(*ps));
	struct ps_diags d;
	ps_diags_init(&d);
	if (!ps) {
		s->dropped++;
		return;
	}
	int r = ps_pmdk_poolset_parse(b, len, off, ps, &d);
	struct ps_rec *rec = r == PS_ENOTFOUND ? NULL : new_rec(s, PS_REC_POOLSET, off);
	if (!rec) {
		ps_diags_free(&d);
		free(ps);
		return;
	}
	rec->u.poolset = ps;
	rec->checksum_ok = ps->nparts > 0;
	rec->diags = d;
}

struct prober {
	const char *magic;	/* mlen bytes */
	unsigned step;		/* alignment at which the structure can start */
	unsigned need;		/* bytes the parser wants */
	prober_fn fn;
	unsigned mlen;
};

static const struct prober probers[] = {
	{ PS_PFN_SIG, BLK, PS_PFN_SIZE, probe_pfn, 16 },
	{ PS_DAX_SIG, BLK, PS_PFN_SIZE, probe_pfn, 16 },
	{ PS_NSINDEX_SIG, PS_NSINDEX_ALIGN, PS_LSA_MIN, probe_nsindex, 16 },
	{ PS_BTT_SIG, BLK, PS_BTT_SIZE, probe_btt, 16 },
	{ PS_PMDK_BLK_SIG, BLK, PS_PMDK_PARSE_LEN, probe_pmdk, PS_PMDK_SIG_LEN },
	{ PS_PMDK_OBJ_SIG, BLK, PS_PMDK_PARSE_LEN, probe_pmdk, PS_PMDK_SIG_LEN },
	{ PS_PMDK_LOG_SIG, BLK, PS_PMDK_PARSE_LEN, probe_pmdk, PS_PMDK_SIG_LEN },
	{ PS_PMDK_POOLSET_SIG, BLK, BLK, probe_poolset, PS_PMDK_POOLSET_SIG_LEN },
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
	/* cheap first test: one 8-byte load against each magic's first 8
	 * bytes (distinct for every prober), then the whole magic */
	uint64_t pfx[NPROBERS];
	for (size_t i = 0; i < NPROBERS; i++)
		memcpy(&pfx[i], probers[i].magic, 8);
	for (size_t o = 0; o + 16 <= len; o += step) {
		uint64_t abs = base + o, w;
		int hit = 0;
		memcpy(&w, buf + o, 8);
		for (size_t i = 0; i < NPROBERS; i++)
			hit |= w == pfx[i];
		if (!hit)
			continue;
		for (size_t i = 0; i < NPROBERS; i++) {
			const struct prober *p = &probers[i];
			if (abs % p->step ||
			    memcmp(buf + o, p->magic, p->mlen))
				continue;
			if (o + p->need <= len) {
				p->fn(src, s, buf + o, p->need, abs);
			} else {
				uint8_t *tmp = malloc(p->need);
				if (!tmp)
					return PS_ENOMEM;
				size_t have = p->need;
				if (abs + have > s->image_size)
					have = (size_t)(s->image_size - abs);
				if (ps_src_pread(src, tmp, have, abs) == PS_OK)
					p->fn(src, s, tmp, have, abs);
				free(tmp);
			}
		}
	}
	return PS_OK;
}

/* ---- filesystem superblocks (struct ps_fs_hit) ---- */

static void add_fshit(struct ps_scan *s, enum ps_fs_hit_kind kind, uint64_t start,
		      uint64_t at, uint32_t group, uint64_t fs_size, uint32_t bs)
{
	if (s->nfshits >= PS_SCAN_MAX_FSHITS) {
		s->fshits_dropped++;
		return;
	}
	if (s->nfshits == s->fshits_cap) {
		size_t ncap = s->fshits_cap ? s->fshits_cap * 2 : 16;
		struct ps_fs_hit *n = realloc(s->fshits, ncap * sizeof(*n));
		if (!n) {
			s->fshits_dropped++;
			return;
		}
		s->fshits = n;
		s->fshits_cap = ncap;
	}
	s->fshits[s->nfshits++] = (struct ps_fs_hit){ kind, start, at, group, fs_size, bs };
}

/* An ext2/3/4 superblock at sb: plausible fields; its size in bytes and
 * block size, or 0. */
#define EXTSB(b, f) PS_FIELD_GET(PS_EXTSB, (b), f)
static uint64_t ext_sb_size(const uint8_t *sb, uint32_t *bs)
{
	uint32_t log = EXTSB(sb, s_log_block_size);
	if (EXTSB(sb, s_magic) != PS_EXTSB_MAGIC || log > 6 || !EXTSB(sb, s_inodes_count) ||
	    !EXTSB(sb, s_blocks_per_group) || !EXTSB(sb, s_inodes_per_group) ||
	    EXTSB(sb, s_rev_level) > 1)
		return 0;
	*bs = 1024u << log;
	uint64_t blocks = EXTSB(sb, s_blocks_count_lo);
	if (EXTSB(sb, s_feature_incompat) & PS_EXTSB_INCOMPAT_64BIT)
		blocks |= (uint64_t)EXTSB(sb, s_blocks_count_hi) << 32;
	if (!blocks || blocks > (UINT64_MAX >> 16))
		return 0;
	return blocks * *bs;
}

static void fs_hits(struct ps_scan *s, const uint8_t *buf, size_t len, uint64_t base)
{
	size_t o = (size_t)((BLK - base % BLK) % BLK);
	for (; o + BLK <= len; o += BLK) {
		const uint8_t *b = buf + o;
		const uint8_t *esb = b + PS_EXTSB_OFFSET;
		uint64_t abs = base + o;
		uint32_t bs;
		uint64_t sz;
		/* the primary: group 0's copy, 1024 bytes into the filesystem;
		 * with 1 KiB blocks a backup sits there too (block 8192g + 1) */
		if (EXTSB(esb, s_magic) == PS_EXTSB_MAGIC && (sz = ext_sb_size(esb, &bs))) {
			uint64_t g = EXTSB(esb, s_block_group_nr);
			uint64_t back = ((uint64_t)EXTSB(esb, s_first_data_block) +
					 g * EXTSB(esb, s_blocks_per_group)) * bs;
			if (g == 0)
				add_fshit(s, PS_FSHIT_EXT, abs, abs, 0, sz, bs);
			else if (bs == 1024 && back <= abs + PS_EXTSB_OFFSET &&
				 (abs + PS_EXTSB_OFFSET - back) % BLK == 0)
				add_fshit(s, PS_FSHIT_EXT_BACKUP, abs + PS_EXTSB_OFFSET - back,
					  abs + PS_EXTSB_OFFSET, (uint32_t)g, sz, bs);
		}
		/* a backup: the first bytes of its group's first block */
		if (EXTSB(b, s_magic) == PS_EXTSB_MAGIC && EXTSB(b, s_block_group_nr) != 0 &&
		    (sz = ext_sb_size(b, &bs)) && bs >= 2048) {
			uint64_t g = EXTSB(b, s_block_group_nr);
			uint64_t first = EXTSB(b, s_first_data_block) + g * EXTSB(b, s_blocks_per_group);
			uint64_t back = first <= abs / bs ? first * bs : abs + 1;
			if (back <= abs && (abs - back) % BLK == 0)
				add_fshit(s, PS_FSHIT_EXT_BACKUP, abs - back, abs,
					  (uint32_t)g, sz, bs);
		}
		/* XFS: the superblock, and the AGF one sector on: "XAGF",
		 * agf_seqno at +8 */
		if (PS_FIELD_GET(PS_XSB, b, sb_magicnum) == PS_XSB_MAGIC) {
			uint32_t xbs = PS_FIELD_GET(PS_XSB, b, sb_blocksize);
			uint32_t agb = PS_FIELD_GET(PS_XSB, b, sb_agblocks);
			uint32_t sect = PS_FIELD_GET(PS_XSB, b, sb_sectsize);
			uint64_t dblocks = PS_FIELD_GET(PS_XSB, b, sb_dblocks);
			if (xbs < 512 || xbs > 65536 || (xbs & (xbs - 1)) || !agb ||
			    sect < 512 || sect > 32768 || (sect & (sect - 1)) ||
			    !dblocks || dblocks > (UINT64_MAX >> 17))
				continue;
			uint64_t g = 0;
			if (sect + 12 <= BLK && !memcmp(b + sect, "XAGF", 4))
				g = ps_be32(b + sect + 8);
			if (g > abs / ((uint64_t)agb * xbs))
				continue;	/* before the image's start */
			uint64_t back = g * agb * (uint64_t)xbs;
			if (back <= abs && (abs - back) % BLK == 0)
				add_fshit(s, PS_FSHIT_XFS, abs - back, abs, (uint32_t)g,
					  dblocks * xbs, xbs);
		}
	}
}
#undef EXTSB

static void feed_hole(const struct ps_scan_opts *o, uint64_t off, uint64_t len)
{
	if (o->on_hole)
		o->on_hole(o->ctx, off, len);
	if (o->digest)
		ps_digest_zero(o->digest, len);
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
	/* with a digest that has workers, a ring of buffers: the scan reads
	 * and probes one while the digest hashes the others */
	unsigned nbuf = 1;
	if (opts->digest && ps_digest_threads(opts->digest)) {
		/* enough buffers to keep every worker busy while one is read */
		nbuf = ps_digest_threads(opts->digest) / 2 + 2;
		if (nbuf < 3)
			nbuf = 3;
		if (nbuf > RING_MAX)
			nbuf = RING_MAX;
	}
	uint64_t ticket[RING_MAX] = { 0 };
	unsigned slot = 0;
	uint8_t *ring = NULL;
	if (posix_memalign((void **)&ring, BLK, chunk * nbuf))
		return PS_ENOMEM;

	/* one pass front to back: let the kernel read ahead further */
	if (src->fd >= 0)
		posix_fadvise(src->fd, 0, 0, POSIX_FADV_SEQUENTIAL);

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
			if (size > off)
				feed_hole(opts, off, size - off);
			break;
		}
		rc = ps_src_next_hole(src, d, &h);
		if (rc)
			break;
		if (h <= d)
			h = size;
		if (d > off)
			feed_hole(opts, off, d - off);
		for (uint64_t p = d; p < h;) {
			/* reads end on chunk boundaries of the image, so a
			 * digest's aligned pieces are whole inside one read */
			size_t n = chunk - (size_t)(p % chunk);
			if (h - p < n)
				n = (size_t)(h - p);
			uint8_t *buf = ring + (size_t)slot * chunk;
			if (opts->digest)
				ps_digest_wait(opts->digest, ticket[slot]);
			rc = ps_src_pread(src, buf, n, p);
			if (rc)
				goto out;
			if (opts->on_data)
				opts->on_data(opts->ctx, p, buf, n);
			if (opts->digest)
				ps_digest_data_async(opts->digest, buf, n, &ticket[slot]);
			rc = scan_buf(src, s, buf, n, p, step);
			if (rc)
				goto out;
			fs_hits(s, buf, n, p);
			slot = (slot + 1) % nbuf;
			s->bytes_read += n;
			p += n;
			if (opts->on_progress)
				opts->on_progress(opts->ctx, p, size);
		}
		off = h;
	}
out:
	/* nothing may still read the ring when it is freed */
	for (unsigned i = 0; opts->digest && i < nbuf; i++)
		ps_digest_wait(opts->digest, ticket[i]);
	free(ring);
	if (s->dropped)
		ps_diag_add(&s->diags, PS_SEV_WARN, 0, "scan",
			    "%zu more signature hits than the %u kept were ignored",
			    s->dropped, PS_SCAN_MAX_RECS);
	return rc;
}

void ps_scan_free(struct ps_scan *s)
{
	for (size_t i = 0; i < s->nrecs; i++) {
		ps_diags_free(&s->recs[i].diags);
		if (s->recs[i].kind == PS_REC_NSINDEX && s->recs[i].u.lsa.lsa) {
			ps_lsa_free(s->recs[i].u.lsa.lsa);
			free(s->recs[i].u.lsa.lsa);
		}
		if (s->recs[i].kind == PS_REC_PMDK)
			free(s->recs[i].u.pmdk);
		if (s->recs[i].kind == PS_REC_POOLSET)
			free(s->recs[i].u.poolset);
	}
	free(s->recs);
	free(s->fshits);
	ps_diags_free(&s->diags);
	memset(s, 0, sizeof(*s));
}
