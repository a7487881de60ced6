/* SPDX-License-Identifier: GPL-2.0-or-later */
/* XFS's own space accounting (xfs_space.h). */
#include "xfs_space.h"
#include "be.h"
#include "crc32c.h"
#include "err.h"
#include "xfs_sb.h"
#include <stdlib.h>
#include <string.h>

#define MAXLEVELS 9		/* the deepest short-form btree the format allows */

const char *ps_xfs_space_kind_name(enum ps_xfs_space_kind k)
{
	switch (k) {
	case PS_XS_UNKNOWN: return "unknown";
	case PS_XS_FREE: return "free";
	case PS_XS_USED: return "used";
	case PS_XS_HEADER: return "ag-header";
	case PS_XS_FREELIST: return "agfl";
	case PS_XS_LOG: return "log";
	case PS_XS_INODES: return "inodes";
	case PS_XS_BTREE: return "btree";
	}
	return "?";
}

struct ctx {
	struct ps_src *src;
	struct ps_xfs_space *s;
	uint8_t uuid[16];
	uint8_t inopblog;
	bool sparse;
	uint32_t agno, aglen;
	uint64_t agbyte;	/* device offset of the AG */
	size_t first;		/* the AG's first range in s->r */
	uint64_t visits;	/* btree blocks read in this AG */
	uint64_t prev_end;	/* bnobt: end of the last free extent */
	uint64_t free_bno, free_cnt;
	int bad;		/* this AG is not trusted */
	int nomem;
	uint8_t *lvl[MAXLEVELS];	/* one block buffer per btree level */
};

static void bad(struct ctx *c, uint64_t off, const char *field, const char *what, uint64_t v)
{
	if (c->bad)
		return;
	c->bad = 1;
	ps_diag_add(&c->s->diags, PS_SEV_WARN, off, field,
		    "XFS AG %u: %s (%llu): its space maps are not used", c->agno, what,
		    (unsigned long long)v);
}

static void add(struct ctx *c, uint32_t agbno, uint32_t len, enum ps_xfs_space_kind k)
{
	struct ps_xfs_space *s = c->s;
	if (c->bad || !len)
		return;
	uint64_t start = (uint64_t)c->agno * s->agblocks + agbno;
	if (s->n > c->first) {
		struct ps_xfs_space_range *l = &s->r[s->n - 1];
		if (l->kind == k && l->start + l->len == start && l->len <= UINT32_MAX - len) {
			l->len += len;
			return;
		}
	}
	if (s->n == s->cap) {
		if (s->cap >= PS_XS_MAX_RANGES) {
			bad(c, c->agbyte, "agf_length", "more extents than are kept", s->n);
			return;
		}
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct ps_xfs_space_range *r = realloc(s->r, cap * sizeof(*r));
		if (!r) {
			c->nomem = 1;
			c->bad = 1;
			return;
		}
		s->r = r;
		s->cap = cap;
	}
	s->r[s->n++] = (struct ps_xfs_space_range){ start, len, (uint8_t)k };
}

/* ---- short-form btrees ---- */

struct bt {
	const char *name;	/* diagnostic field: "bnobt" */
	char m4[4], m5[4];	/* magic, v4 and v5 ("" none) */
	unsigned recsz, keysz;	/* leaf record, node key (both keys of an
				 * overlapping btree) */
	void (*rec)(struct ctx *c, const uint8_t *r, uint64_t off);
};

static void bno_rec(struct ctx *c, const uint8_t *r, uint64_t off)
{
	uint32_t start = ps_be32(r), len = ps_be32(r + 4);
	if (!len || start >= c->aglen || len > c->aglen - start) {
		bad(c, off, "ar_blockcount", "a free extent beyond the AG, at block", start);
		return;
	}
	if (start < c->prev_end) {
		bad(c, off, "ar_startblock", "free extents out of order, at block", start);
		return;
	}
	c->prev_end = (uint64_t)start + len;
	c->free_bno += len;
	add(c, start, len, PS_XS_FREE);
}

static void cnt_rec(struct ctx *c, const uint8_t *r, uint64_t off)
{
	uint32_t start = ps_be32(r), len = ps_be32(r + 4);
	if (!len || start >= c->aglen || len > c->aglen - start)
		bad(c, off, "ar_blockcount", "a free extent beyond the AG, at block", start);
	c->free_cnt += len;
}

static void ino_rec(struct ctx *c, const uint8_t *r, uint64_t off)
{
	uint32_t startino = ps_be32(r);
	uint16_t holes = c->sparse ? ps_be16(r + 4) : 0;
	uint64_t last = (uint64_t)c->aglen << c->inopblog;
	if ((uint64_t)startino + 64 > last) {
		bad(c, off, "ir_startino", "an inode chunk beyond the AG, at inode", startino);
		return;
	}
	/* each holemask bit: 4 inodes not allocated (a sparse chunk) */
	uint64_t prev = UINT64_MAX;
	for (unsigned i = 0; i < 64; i++) {
		if (holes & (1u << (i / 4)))
			continue;
		uint64_t b = ((uint64_t)startino + i) >> c->inopblog;
		if (b != prev)
			add(c, (uint32_t)b, 1, PS_XS_INODES);
		prev = b;
	}
}

static const struct bt BNOBT = { "bnobt", "ABTB", "AB3B", 8, 8, bno_rec };
static const struct bt CNTBT = { "cntbt", "ABTC", "AB3C", 8, 8, cnt_rec };
static const struct bt INOBT = { "inobt", "IABT", "IAB3", 16, 4, ino_rec };
static const struct bt FINOBT = { "finobt", "FIBT", "FIB3", 16, 4, NULL };
static const struct bt RMAPBT = { "rmapbt", "", "RMB3", 24, 40, NULL };
static const struct bt REFCBT = { "refcountbt", "", "R3FC", 12, 4, NULL };

static void walk(struct ctx *c, const struct bt *t, uint32_t agbno, unsigned level)
{
	struct ps_xfs_space *s = c->s;
	uint64_t off = c->agbyte + (uint64_t)agbno * s->blocksize;
	if (c->bad)
		return;
	if (!agbno || agbno >= c->aglen) {
		bad(c, off, t->name, "a btree pointer outside the AG, to block", agbno);
		return;
	}
	if (++c->visits > c->aglen) {
		bad(c, off, t->name, "more btree blocks than the AG has (a loop), at block", agbno);
		return;
	}
	uint8_t *b = c->lvl[level];
	if (ps_src_pread(c->src, b, s->blocksize, off) != PS_OK) {
		bad(c, off, t->name, "a btree block cannot be read, block", agbno);
		return;
	}
	size_t hdr = s->v5 ? 56 : 16;
	if (memcmp(b, s->v5 ? t->m5 : t->m4, 4)) {
		bad(c, off, "bb_magic", "a btree block without its magic, block", agbno);
		return;
	}
	if (ps_be16(b + 4) != level) {
		bad(c, off + 4, "bb_level", "a btree block at the wrong level, block", agbno);
		return;
	}
	if (s->v5) {
		if (!ps_xfs_crc_ok(b, s->blocksize, 52)) {
			s->crc_bad++;
			bad(c, off + 52, "bb_crc", "a btree block fails its CRC, block", agbno);
			return;
		}
		if (ps_be64(b + 16) != off / 512 || ps_be32(b + 48) != c->agno ||
		    memcmp(b + 32, c->uuid, 16)) {
			bad(c, off + 16, "bb_blkno", "a btree block of another place or filesystem, block", agbno);
			return;
		}
	}
	add(c, agbno, 1, PS_XS_BTREE);
	unsigned n = ps_be16(b + 6);
	if (!level) {
		size_t max = (s->blocksize - hdr) / t->recsz;
		if (n > max) {
			bad(c, off + 6, "bb_numrecs", "a btree leaf with more records than fit, block", agbno);
			return;
		}
		for (unsigned i = 0; i < n && t->rec && !c->bad; i++)
			t->rec(c, b + hdr + i * t->recsz, off + hdr + i * t->recsz);
		return;
	}
	size_t max = (s->blocksize - hdr) / (t->keysz + 4);
	if (!n || n > max) {
		bad(c, off + 6, "bb_numrecs", "a btree node with no records or more than fit, block", agbno);
		return;
	}
	const uint8_t *ptr = b + hdr + max * t->keysz;
	for (unsigned i = 0; i < n && !c->bad; i++)
		walk(c, t, ps_be32(ptr + 4 * i), level - 1);
}

static void walk_root(struct ctx *c, const struct bt *t, uint32_t root, uint32_t levels,
		      uint64_t field_off)
{
	if (!levels || levels > MAXLEVELS) {
		bad(c, field_off, t->name, "a btree height out of range", levels);
		return;
	}
	walk(c, t, root, levels - 1);
}

/* ---- the AGs ---- */

static int range_cmp(const void *a, const void *b)
{
	const struct ps_xfs_space_range *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

struct geo {
	uint64_t logstart;	/* linear block of the internal log, or UINT64_MAX */
	uint32_t logblocks;
	bool finobt, rmapbt, reflink;
};

/* The AG's maps into s->r from c->first on; c->bad when not to be trusted. */
static void ag_maps(struct ctx *c, const struct geo *g, uint8_t *sec)
{
	struct ps_xfs_space *s = c->s;
	uint32_t ss = s->sectsize;
	uint64_t a = c->agbyte;
	/* the AGF */
	if (ps_src_pread(c->src, sec, ss, a + ss) != PS_OK) {
		bad(c, a + ss, "agf_magicnum", "the AGF cannot be read", 0);
		return;
	}
	uint8_t agf[224];
	memcpy(agf, sec, sizeof(agf));
	if (memcmp(agf, "XAGF", 4) || ps_be32(agf + 8) != c->agno) {
		bad(c, a + ss, "agf_magicnum", "no AGF of this AG (magic, agf_seqno)", ps_be32(agf + 8));
		return;
	}
	if (s->v5 && !ps_xfs_crc_ok(sec, ss, 216)) {
		s->crc_bad++;
		bad(c, a + ss + 216, "agf_crc", "the AGF fails its CRC", 0);
		return;
	}
	if (ps_be32(agf + 12) != c->aglen) {
		bad(c, a + ss + 12, "agf_length", "the AGF's length is not the AG's", ps_be32(agf + 12));
		return;
	}
	/* the AGI */
	uint8_t agi[344];
	if (ps_src_pread(c->src, sec, ss, a + 2 * ss) != PS_OK) {
		bad(c, a + 2 * ss, "agi_magicnum", "the AGI cannot be read", 0);
		return;
	}
	memcpy(agi, sec, sizeof(agi));
	if (memcmp(agi, "XAGI", 4) || ps_be32(agi + 8) != c->agno) {
		bad(c, a + 2 * ss, "agi_magicnum", "no AGI of this AG (magic, agi_seqno)", ps_be32(agi + 8));
		return;
	}
	if (s->v5 && !ps_xfs_crc_ok(sec, ss, 312)) {
		s->crc_bad++;
		bad(c, a + 2 * ss + 312, "agi_crc", "the AGI fails its CRC", 0);
		return;
	}
	/* the AGFL: the free list, flcount entries from flfirst, wrapping */
	if (ps_src_pread(c->src, sec, ss, a + 3 * ss) != PS_OK) {
		bad(c, a + 3 * ss, "agfl_magicnum", "the AGFL cannot be read", 0);
		return;
	}
	size_t flhdr = s->v5 ? 36 : 0;
	uint32_t flsize = (uint32_t)((ss - flhdr) / 4);
	if (s->v5 && (memcmp(sec, "XAFL", 4) || ps_be32(sec + 4) != c->agno)) {
		bad(c, a + 3 * ss, "agfl_magicnum", "no AGFL of this AG (magic, agfl_seqno)", ps_be32(sec + 4));
		return;
	}
	if (s->v5 && !ps_xfs_crc_ok(sec, ss, 32)) {
		s->crc_bad++;
		bad(c, a + 3 * ss + 32, "agfl_crc", "the AGFL fails its CRC", 0);
		return;
	}
	uint32_t flfirst = ps_be32(agf + 40), flcount = ps_be32(agf + 48);
	if (flcount > flsize || (flcount && flfirst >= flsize)) {
		bad(c, a + ss + 40, "agf_flfirst", "the free list's bounds are out of range", flfirst);
		return;
	}
	/* the header sectors: the blocks holding sectors 0 to 3 */
	uint32_t hdr = (uint32_t)((4ULL * ss + s->blocksize - 1) / s->blocksize);
	if (hdr > c->aglen) {
		bad(c, a, "agf_length", "an AG too short for its headers", c->aglen);
		return;
	}
	add(c, 0, hdr, PS_XS_HEADER);
	for (uint32_t i = 0; i < flcount; i++) {
		uint32_t e = (flfirst + i) % flsize;
		uint32_t bno = ps_be32(sec + flhdr + 4 * e);
		if (bno < hdr || bno >= c->aglen) {
			bad(c, a + 3 * ss + flhdr + 4 * e, "agfl_bno", "a free-list block outside the AG", bno);
			return;
		}
		add(c, bno, 1, PS_XS_FREELIST);
	}
	/* the internal log, when it is in this AG */
	if (g->logstart != UINT64_MAX && g->logstart / s->agblocks == c->agno) {
		uint32_t lb = (uint32_t)(g->logstart % s->agblocks);
		if (lb >= c->aglen || g->logblocks > c->aglen - lb) {
			bad(c, a, "sb_logstart", "the log does not fit in its AG, at block", lb);
			return;
		}
		add(c, lb, g->logblocks, PS_XS_LOG);
	}
	walk_root(c, &BNOBT, ps_be32(agf + 16), ps_be32(agf + 28), a + ss + 28);
	walk_root(c, &CNTBT, ps_be32(agf + 20), ps_be32(agf + 32), a + ss + 32);
	if (!c->bad && c->free_bno != c->free_cnt)
		bad(c, a + ss + 16, "agf_roots", "the by-block and by-size free-space btrees disagree, blocks", c->free_bno);
	if (!c->bad && c->free_bno != ps_be32(agf + 52))
		bad(c, a + ss + 52, "agf_freeblks", "agf_freeblks is not what the free-space btree holds", ps_be32(agf + 52));
	walk_root(c, &INOBT, ps_be32(agi + 20), ps_be32(agi + 24), a + 2 * ss + 24);
	if (g->finobt)
		walk_root(c, &FINOBT, ps_be32(agi + 328), ps_be32(agi + 332), a + 2 * ss + 332);
	if (g->rmapbt)
		walk_root(c, &RMAPBT, ps_be32(agf + 24), ps_be32(agf + 36), a + ss + 36);
	if (g->reflink)
		walk_root(c, &REFCBT, ps_be32(agf + 88), ps_be32(agf + 92), a + ss + 92);
}

static void read_ag(struct ctx *c, const struct geo *g, uint8_t *sec)
{
	struct ps_xfs_space *s = c->s;
	c->first = s->n;
	c->visits = c->prev_end = c->free_bno = c->free_cnt = 0;
	c->bad = 0;
	ag_maps(c, g, sec);
	size_t n = s->n - c->first;
	if (!n)
		c->bad = 1;	/* (no AG is without its header blocks) */
	struct ps_xfs_space_range *r = n ? s->r + c->first : NULL;
	if (!c->bad) {
		/* every block is one thing: sorted, no extent may overlap another */
		qsort(r, n, sizeof(*r), range_cmp);
		for (size_t i = 1; i < n && !c->bad; i++) {
			uint64_t agbno = r[i].start - (uint64_t)c->agno * s->agblocks;
			if (r[i].start < r[i - 1].start + r[i - 1].len)
				bad(c, c->agbyte + agbno * s->blocksize,
				    ps_xfs_space_kind_name(r[i].kind),
				    "two of the AG's maps claim one block", agbno);
		}
	}
	if (c->bad) {
		s->n = c->first;
		return;
	}
	for (size_t i = 0; i < n; i++)
		s->blocks[r[i].kind] += r[i].len;
	s->ag_ok[c->agno] = 1;
	s->ags_ok++;
}

int ps_xfs_space_read(struct ps_src *src, struct ps_xfs_space *out)
{
	memset(out, 0, sizeof(*out));
	ps_diags_init(&out->diags);
	struct ps_xsb sb;
	if (ps_xsb_read_src(src, &sb) != PS_OK || sb.magicnum != PS_XSB_MAGIC)
		return PS_ENOTFOUND;
	struct ps_xfs_space *s = out;
	s->blocksize = sb.blocksize;
	s->dblocks = sb.dblocks;
	s->agblocks = sb.agblocks;
	s->agcount = sb.agcount;
	s->sectsize = sb.sectsize;
	s->v5 = sb.version == 5;
	uint16_t isize = sb.inodesize;
	uint8_t inopblog = sb.inopblog, agblklog = sb.agblklog;
	const char *field = NULL;
	if (s->blocksize < 512 || s->blocksize > 65536 || (s->blocksize & (s->blocksize - 1)))
		field = "sb_blocksize";
	else if (s->sectsize < 512 || s->sectsize > s->blocksize || (s->sectsize & (s->sectsize - 1)))
		field = "sb_sectsize";
	else if (!s->agblocks || agblklog > 31 || ((uint64_t)1 << agblklog) < s->agblocks)
		field = "sb_agblocks";
	else if (!s->agcount || s->dblocks > (uint64_t)s->agcount * s->agblocks ||
		 s->dblocks <= (uint64_t)(s->agcount - 1) * s->agblocks)
		field = "sb_agcount";
	else if (isize < 256 || isize > s->blocksize || inopblog > 7 ||
		 (1u << inopblog) != s->blocksize / isize)
		field = "sb_inopblog";
	if (field) {
		ps_diag_add(&s->diags, PS_SEV_ERR, 0, field,
			    "XFS superblock geometry out of range: no space maps read");
		return PS_EFORMAT;
	}
	struct geo g = { .logstart = UINT64_MAX };
	uint64_t logstart = sb.logstart;
	if (logstart) {
		uint64_t agno = logstart >> agblklog, agbno = logstart & ((1ULL << agblklog) - 1);
		g.logstart = agno < s->agcount && agbno < s->agblocks ?
			     agno * s->agblocks + agbno : (uint64_t)s->agcount * s->agblocks;
		g.logblocks = sb.logblocks;
	}
	struct ctx c = { .src = src, .s = s, .inopblog = inopblog };
	if (s->v5) {
		uint32_t ro = sb.features_ro_compat, in = sb.features_incompat;
		g.finobt = ro & PS_XSB_RO_FINOBT;
		g.rmapbt = ro & PS_XSB_RO_RMAPBT;
		g.reflink = ro & PS_XSB_RO_REFLINK;
		c.sparse = in & PS_XSB_IN_SPINODES;
		memcpy(c.uuid, in & PS_XSB_IN_META_UUID ? sb.meta_uuid : sb.uuid, sizeof(c.uuid));
	}
	/* only the AGs whose headers are in the image are looked at */
	uint64_t agbytes = (uint64_t)s->agblocks * s->blocksize;
	uint64_t nag = src->size / agbytes + 1;
	if (nag > s->agcount)
		nag = s->agcount;
	if (nag < s->agcount)
		ps_diag_add(&s->diags, PS_SEV_WARN, nag * agbytes, "sb_agcount",
			    "XFS AGs %llu to %u lie beyond the image: their space maps are not read",
			    (unsigned long long)nag, s->agcount - 1);
	s->ag_ok = calloc((size_t)nag, 1);
	s->ags_read = (uint32_t)nag;
	uint8_t *sec = malloc(s->sectsize);
	int r = s->ag_ok && sec ? PS_OK : PS_ENOMEM;
	for (unsigned i = 0; i < MAXLEVELS && !r; i++)
		if (!(c.lvl[i] = malloc(s->blocksize)))
			r = PS_ENOMEM;
	for (uint64_t ag = 0; ag < nag && !r; ag++) {
		c.agno = (uint32_t)ag;
		c.agbyte = ag * agbytes;
		c.aglen = ag + 1 < s->agcount ? s->agblocks : (uint32_t)(s->dblocks - ag * s->agblocks);
		read_ag(&c, &g, sec);
		if (c.nomem)
			r = PS_ENOMEM;
	}
	for (unsigned i = 0; i < MAXLEVELS; i++)
		free(c.lvl[i]);
	free(sec);
	return r;
}

void ps_xfs_space_free(struct ps_xfs_space *s)
{
	free(s->r);
	free(s->ag_ok);
	ps_diags_free(&s->diags);
	memset(s, 0, sizeof(*s));
}

enum ps_xfs_space_kind ps_xfs_space_kind(const struct ps_xfs_space *s, uint64_t off)
{
	if (!s->blocksize || !s->ag_ok)
		return PS_XS_UNKNOWN;
	uint64_t b = off / s->blocksize;
	if (b >= s->dblocks)
		return PS_XS_UNKNOWN;
	uint64_t ag = b / s->agblocks;
	if (ag >= s->ags_read || !s->ag_ok[ag])
		return PS_XS_UNKNOWN;
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->r[mid].start <= b)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && b < s->r[lo - 1].start + s->r[lo - 1].len)
		return (enum ps_xfs_space_kind)s->r[lo - 1].kind;
	return PS_XS_USED;
}
