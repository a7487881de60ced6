// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Intents left unfinished by the XFS log, finished or reported after the
 * replay (xfs_intent.h, docs/journal.md "XFS: intents"). Written from the
 * facts of the kernel's xfs_bmap_item.c (BUI checks and recovery) and
 * libxfs/xfs_bmap.c (the remap into a hole, the unmap of a range with the
 * REMAP flag); read for facts only, no code taken:
 *
 * - a BUI names one extent: owner (inode), file block, filesystem block,
 *   length, and a type (1 map, 2 unmap) with the attribute-fork,
 *   unwritten and realtime bits; the kernel refuses one that names more
 *   extents, another type, unknown bits, an inode, file range or block
 *   range outside the filesystem;
 * - map: the range must be a hole; the new extent (unwritten when the bit
 *   says so) joins a neighbour it continues on disk and in the file, in
 *   the same state, when the sum stays under the longest extent; di_nblocks
 *   grows by its length;
 * - unmap: every mapping in the range goes (an extent cut at either end
 *   keeps its outer part; one cut in the middle becomes two); the blocks
 *   are not freed here (the remap path queues the refcount or free-space
 *   work as intents of their own); di_nblocks shrinks by what went;
 * - the inode's extent count follows; a fork in extents format that would
 *   need more records than its literal area holds is converted to a btree
 *   by the kernel.
 *
 * Done on disk on a fork in extents format that stays so, and on a btree
 * fork within its blocks (bt_*); the inode and blocks are written whole
 * with their CRCs, or not at all. What needs a block the kernel's
 * allocator picks or frees (a split, a rebalance, a conversion either way)
 * and every later BUI on that data fork is done in the read view only
 * (io->remap, followed by src/fs_xfs.c); on the attribute fork it is left.
 */
#include "config.h"
#include "be.h"
#include "xfs_intent.h"
#include "xfs_dinode.h"
#include "field.h"
#include <stdlib.h>
#include "crc32c.h"
#include "err.h"
#include "le.h"
#include "xfs_sb.h"
#include <stdbool.h>
#include <string.h>

#define LI_EFI 0x1236
#define LI_RUI 0x1240
#define LI_CUI 0x1242
#define LI_BUI 0x1244

#define BMAP_MAP 1u
#define BMAP_UNMAP 2u
#define BMAP_TYPE_MASK 0xffu
#define BMAP_ATTR (1u << 31)
#define BMAP_UNWRITTEN (1u << 30)
#define BMAP_REALTIME (1u << 29)
#define MAXEXTLEN ((1u << 21) - 1)
#define MAXFILEOFF ((1ull << 54) - 1)
#define EXT_MAX 128u		/* a 2048-byte inode's literal area / 16 */

struct geo {
	uint32_t blocksize, agblocks, agcount;
	uint16_t inodesize;
	uint8_t blocklog, agblklog, inopblog;
	uint64_t dblocks;
	bool rmapbt;
};

struct ext {
	uint64_t off, start, len;
	bool unw;
};

static bool geo_read(const struct ps_xsb *sb, struct geo *g)
{
	memset(g, 0, sizeof(*g));
	if (sb->magicnum != PS_XSB_MAGIC)
		return false;
	g->blocksize = sb->blocksize;
	g->dblocks = sb->dblocks;
	g->agblocks = sb->agblocks;
	g->agcount = sb->agcount;
	g->inodesize = sb->inodesize;
	g->blocklog = sb->blocklog;
	g->inopblog = sb->inopblog;
	g->agblklog = sb->agblklog;
	g->rmapbt = sb->features_ro_compat & PS_XSB_RO_RMAPBT;	/* 0 before v5 */
	return g->blocklog >= 9 && g->blocklog <= 16 && g->blocksize == 1u << g->blocklog &&
	       g->inodesize >= 256 && g->inodesize <= 2048 &&
	       !(g->inodesize & (g->inodesize - 1)) &&
	       g->inopblog == g->blocklog - __builtin_ctz(g->inodesize) &&
	       g->agcount && g->agblocks && g->agblklog <= 31 &&
	       g->agblocks <= (1ull << g->agblklog) && g->dblocks <= (UINT64_MAX >> 17);
}

/* a filesystem block range inside one AG's blocks */
static bool fsb_ok(const struct geo *g, uint64_t fsb, uint64_t len)
{
	uint64_t ag = fsb >> g->agblklog, agbno = fsb & ((1ull << g->agblklog) - 1);
	return len && ag < g->agcount && agbno < g->agblocks && len <= g->agblocks - agbno;
}

/* the byte offset of inode ino, or false */
static bool ino_off(const struct geo *g, uint64_t ino, uint64_t *off)
{
	unsigned sh = g->agblklog + g->inopblog;
	if (sh >= 64)
		return false;
	uint64_t ag = ino >> sh, agino = ino & ((1ull << sh) - 1);
	uint64_t agbno = agino >> g->inopblog, idx = agino & ((1ull << g->inopblog) - 1);
	if (ag >= g->agcount || agbno >= g->agblocks || (!ag && !agbno) ||
	    ag * g->agblocks + agbno >= g->dblocks)
		return false;
	*off = ((ag * g->agblocks + agbno) << g->blocklog) + idx * g->inodesize;
	return *off + g->inodesize <= g->dblocks << g->blocklog;
}

static void ext_get(const uint8_t *p, struct ext *e)
{
	uint64_t l0 = ps_be64(p), l1 = ps_be64(p + 8);
	e->unw = l0 >> 63;
	e->off = (l0 >> 9) & MAXFILEOFF;
	e->start = (l0 & 0x1ff) << 43 | l1 >> 21;
	e->len = l1 & MAXEXTLEN;
}

static void ext_put(uint8_t *p, const struct ext *e)
{
	ps_put_be64(p, (uint64_t)e->unw << 63 | (e->off & MAXFILEOFF) << 9 | e->start >> 43);
	ps_put_be64(p + 8, (e->start & ((1ull << 43) - 1)) << 21 | (e->len & MAXEXTLEN));
}

/* mappable: e continues a on disk and in the file, in a's state */
static bool joins(const struct ext *a, const struct ext *e)
{
	return a->off + a->len == e->off && a->start + a->len == e->start && a->unw == e->unw;
}

/* the map into a hole; PS_XIW_KERNEL (0) when done */
static enum ps_xintent_why do_map(struct ext *v, uint32_t *n, uint32_t cap, const struct ext *ne,
				  uint64_t *nblocks)
{
	uint32_t i = 0;
	while (i < *n && v[i].off < ne->off)
		i++;
	if ((i > 0 && v[i - 1].off + v[i - 1].len > ne->off) ||
	    (i < *n && v[i].off < ne->off + ne->len))
		return PS_XIW_NOT_HOLE;
	bool left = i > 0 && joins(&v[i - 1], ne) && v[i - 1].len + ne->len <= MAXEXTLEN;
	bool right = i < *n && joins(ne, &v[i]) && ne->len + v[i].len <= MAXEXTLEN;
	if (left && right && v[i - 1].len + ne->len + v[i].len > MAXEXTLEN)
		right = false;
	if (left && right) {
		v[i - 1].len += ne->len + v[i].len;
		memmove(v + i, v + i + 1, (*n - i - 1) * sizeof(*v));
		(*n)--;
	} else if (left) {
		v[i - 1].len += ne->len;
	} else if (right) {
		v[i].off = ne->off;
		v[i].start = ne->start;
		v[i].len += ne->len;
	} else {
		if (*n + 1 > cap)
			return PS_XIW_FULL;
		memmove(v + i + 1, v + i, (*n - i) * sizeof(*v));
		v[i] = *ne;
		(*n)++;
	}
	*nblocks += ne->len;
	return PS_XIW_KERNEL;
}

/* the unmap of [a, b) */
static enum ps_xintent_why do_unmap(struct ext *v, uint32_t *n, uint32_t cap, uint64_t a, uint64_t b,
				    uint64_t *nblocks)
{
	struct ext out[EXT_MAX + 1];
	uint32_t m = 0;
	uint64_t gone = 0;
	for (uint32_t i = 0; i < *n; i++) {
		const struct ext *e = &v[i];
		uint64_t end = e->off + e->len;
		if (end <= a || e->off >= b) {
			out[m++] = *e;
			continue;
		}
		uint64_t lo = e->off > a ? e->off : a, hi = end < b ? end : b;
		gone += hi - lo;
		/* only the first extent cut keeps a left part, the last a
		 * right part: m stays within n + 1 */
		if (e->off < a)
			out[m++] = (struct ext){ e->off, e->start, a - e->off, e->unw };
		if (end > b)
			out[m++] = (struct ext){ b, e->start + (b - e->off), end - b, e->unw };
	}
	if (m > cap)
		return PS_XIW_FULL;
	memcpy(v, out, m * sizeof(*v));
	*n = m;
	*nblocks = *nblocks >= gone ? *nblocks - gone : 0;
	return PS_XIW_KERNEL;
}

/* ---- a fork in btree format (bmbt) ----
 * Facts from the kernel's libxfs/xfs_btree.c and xfs_bmap_btree.c (no code
 * taken): the root lives in the inode's fork (level, numrecs, then the keys
 * and the pointers, placed by the most the fork holds); the blocks below
 * have a long-format header (magic, level, numrecs, left and right sibling;
 * on v5 also the block's daddr, LSN, uuid, owner inode and CRC), then
 * 16-byte records (a leaf) or 8-byte keys and then 8-byte pointers (a
 * node), (blocksize - header) / 16 of either, at least half that in every
 * block but the root's only leaf. A lookup takes at each node the last key
 * <= the offset (the first when none is); the first record's offset of a
 * block is its key in its parent, and up to the root while it is first
 * there too. An insert into a full leaf moves a record to a sibling with
 * room or splits the leaf (a new block, the allocator's choice); a delete
 * that leaves fewer than the minimum borrows from a sibling or joins it
 * (a block freed). */

#define BT_MAXLVL 12u
#define BT_CACHE 32u
#define BMA3 0x424d4133u
#define BMAP 0x424d4150u
#define BT_NULL UINT64_MAX

struct bt {
	const struct ps_xiu_io *io;
	const struct geo *g;
	uint64_t ino, lsn;
	bool v5;
	uint8_t *root;		/* the fork in the inode buffer */
	uint32_t rmax, hs, bmax;
	unsigned nlev;		/* levels, the root's included */
	/* the blocks read and changed, staged until the whole BUI is done */
	uint64_t cfsb[BT_CACHE];
	uint8_t *cbuf[BT_CACHE];
	bool cdirty[BT_CACHE];
	unsigned nc;
	int err;		/* PS_EIO, PS_ENOMEM */
};

/* a path from the root: the block (its cache slot) and index at each level
 * below the root (0 the leaf), and the index in the root (level nlev - 1) */
struct bcur {
	unsigned ci[BT_MAXLVL];
	uint32_t idx[BT_MAXLVL];
};

static uint64_t fsb_byte(const struct geo *g, uint64_t fsb)
{
	uint64_t ag = fsb >> g->agblklog, agbno = fsb & ((1ull << g->agblklog) - 1);
	return (ag * g->agblocks + agbno) << g->blocklog;
}

static uint8_t *bt_blk(const struct bt *t, const struct bcur *c, unsigned l)
{
	return l == t->nlev - 1 ? t->root : t->cbuf[c->ci[l]];
}
/* the count of level l's block; its fields start 4 bytes in below the root */
static uint32_t bt_n(const struct bt *t, const struct bcur *c, unsigned l)
{
	return l == t->nlev - 1 ? ps_be16(t->root + 2) : ps_be16(bt_blk(t, c, l) + 6);
}
static void bt_touch(struct bt *t, const struct bcur *c, unsigned l)
{
	if (l != t->nlev - 1)
		t->cdirty[c->ci[l]] = true;
}
static void bt_setn(struct bt *t, const struct bcur *c, unsigned l, uint32_t n)
{
	if (l == t->nlev - 1)
		ps_put_be16(t->root + 2, (uint16_t)n);
	else
		ps_put_be16(bt_blk(t, c, l) + 6, (uint16_t)n);
	bt_touch(t, c, l);
}
static uint8_t *bt_key(const struct bt *t, const struct bcur *c, unsigned l, uint32_t i)
{
	return l == t->nlev - 1 ? t->root + 4 + 8 * (size_t)i :
				  bt_blk(t, c, l) + t->hs + 8 * (size_t)i;
}
static uint8_t *bt_ptr(const struct bt *t, const struct bcur *c, unsigned l, uint32_t i)
{
	return l == t->nlev - 1 ? t->root + 4 + 8 * ((size_t)t->rmax + i) :
				  bt_blk(t, c, l) + t->hs + 8 * ((size_t)t->bmax + i);
}
static uint8_t *bt_rec(const struct bt *t, const struct bcur *c, uint32_t i)
{
	return bt_blk(t, c, 0) + t->hs + 16 * (size_t)i;
}
static bool bt_has_sib(const struct bt *t, const struct bcur *c)
{
	const uint8_t *b = bt_blk(t, c, 0);
	return ps_be64(b + 8) != BT_NULL || ps_be64(b + 16) != BT_NULL;
}

/* block fsb, expected at level lvl, checked as the kernel's verifier checks
 * it (magic, level, count, and on v5 its daddr, owner and CRC); from the
 * staging cache when read before. false: why (or t->err) says why not. */
static bool bt_load(struct bt *t, uint64_t fsb, unsigned lvl, unsigned *ci,
		    enum ps_xintent_why *why)
{
	for (unsigned i = 0; i < t->nc; i++)
		if (t->cfsb[i] == fsb) {
			/* the same block at two levels: a loop */
			if (ps_be16(t->cbuf[i] + 4) != lvl) {
				*why = PS_XIW_BAD;
				return false;
			}
			*ci = i;
			return true;
		}
	*why = PS_XIW_BAD;
	if (!fsb_ok(t->g, fsb, 1))
		return false;
	if (t->nc == BT_CACHE) {
		*why = PS_XIW_BT_REBAL;	/* more blocks than a BUI changes */
		return false;
	}
	uint8_t *b = malloc(t->g->blocksize);
	if (!b) {
		t->err = PS_ENOMEM;
		return false;
	}
	uint64_t at = fsb_byte(t->g, fsb);
	if ((t->err = t->io->rd(t->io->ctx, b, t->g->blocksize, at))) {
		free(b);
		return false;
	}
	uint32_t n = ps_be16(b + 6);
	bool ok = ps_be32(b) == (t->v5 ? BMA3 : BMAP) && ps_be16(b + 4) == lvl && n >= 1 &&
		  n <= t->bmax;
	if (ok && t->v5) {
		uint32_t crc = ps_le32(b + 64);
		memset(b + 64, 0, 4);
		ok = ps_be64(b + 24) == at >> 9 && ps_be64(b + 56) == t->ino &&
		     crc == ~ps_crc32c(~0u, b, t->g->blocksize);
		ps_put_le32(b + 64, crc);
	}
	if (!ok) {
		free(b);
		return false;
	}
	t->cfsb[t->nc] = fsb;
	t->cbuf[t->nc] = b;
	t->cdirty[t->nc] = false;
	*ci = t->nc++;
	return true;
}

/* the path to the last record whose offset is <= off (LE lookup); *found
 * false when every record starts after off (the path then points at the
 * first). PS_XIW_KERNEL when the path is read. */
static enum ps_xintent_why bt_lookup(struct bt *t, struct bcur *c, uint64_t off, bool *found)
{
	for (unsigned l = t->nlev - 1; l > 0; l--) {
		uint32_t n = bt_n(t, c, l), i = 0;
		/* keys ascending, checked on the way */
		for (uint32_t k = 1; k < n; k++) {
			if (ps_be64(bt_key(t, c, l, k)) <= ps_be64(bt_key(t, c, l, k - 1)))
				return PS_XIW_BAD;
			if (ps_be64(bt_key(t, c, l, k)) <= off)
				i = k;
		}
		c->idx[l] = i;
		enum ps_xintent_why why = PS_XIW_BAD;
		if (!bt_load(t, ps_be64(bt_ptr(t, c, l, i)), l - 1, &c->ci[l - 1], &why))
			return why;
	}
	uint32_t n = bt_n(t, c, 0), i = 0;
	*found = false;
	for (uint32_t k = 0; k < n; k++) {
		struct ext e;
		ext_get(bt_rec(t, c, k), &e);
		if (k) {
			struct ext p;
			ext_get(bt_rec(t, c, k - 1), &p);
			if (e.off < p.off + p.len)
				return PS_XIW_BAD;
		}
		if (e.off <= off) {
			i = k;
			*found = true;
		}
	}
	c->idx[0] = i;
	return PS_XIW_KERNEL;
}

/* the first record of the leaf changed to key: the keys above follow while
 * the block is the first of its parent */
static void bt_keys_up(struct bt *t, const struct bcur *c, uint64_t key)
{
	for (unsigned l = 1; l < t->nlev; l++) {
		ps_put_be64(bt_key(t, c, l, c->idx[l]), key);
		bt_touch(t, c, l);
		if (c->idx[l])
			break;
	}
}

static void bt_set(struct bt *t, const struct bcur *c, uint32_t i, const struct ext *e)
{
	ext_put(bt_rec(t, c, i), e);
	bt_touch(t, c, 0);
	if (!i)
		bt_keys_up(t, c, e->off);
}

static enum ps_xintent_why bt_insert(struct bt *t, const struct bcur *c, uint32_t i,
				     const struct ext *e)
{
	uint32_t n = bt_n(t, c, 0);
	if (n >= t->bmax)
		return PS_XIW_BT_SPLIT;
	uint8_t *r = bt_rec(t, c, 0);
	memmove(r + 16 * ((size_t)i + 1), r + 16 * (size_t)i, 16 * (size_t)(n - i));
	bt_setn(t, c, 0, n + 1);
	bt_set(t, c, i, e);
	return PS_XIW_KERNEL;
}

static enum ps_xintent_why bt_delete(struct bt *t, const struct bcur *c, uint32_t i)
{
	uint32_t n = bt_n(t, c, 0);
	/* under the minimum in a leaf with a sibling: the kernel borrows or
	 * joins (a block freed) */
	if (n - 1 < t->bmax / 2 && bt_has_sib(t, c))
		return PS_XIW_BT_REBAL;
	uint8_t *r = bt_rec(t, c, 0);
	memmove(r + 16 * (size_t)i, r + 16 * ((size_t)i + 1), 16 * (size_t)(n - i - 1));
	memset(r + 16 * (size_t)(n - 1), 0, 16);
	bt_setn(t, c, 0, n - 1);
	if (!i && n > 1) {
		struct ext f;
		ext_get(r, &f);
		bt_keys_up(t, c, f.off);
	}
	return PS_XIW_KERNEL;
}

/* the map into a hole, as xfs_bmap_add_extent_hole_real does on a btree */
static enum ps_xintent_why bt_map(struct bt *t, const struct ext *ne, int64_t *dn)
{
	struct bcur c;
	bool found;
	enum ps_xintent_why why;
	/* a hole: nothing starts in [off, end), nothing before runs into it */
	if ((why = bt_lookup(t, &c, ne->off + ne->len - 1, &found)))
		return why;
	struct ext a, r;
	if (found) {
		ext_get(bt_rec(t, &c, c.idx[0]), &a);
		if (a.off + a.len > ne->off)
			return PS_XIW_NOT_HOLE;
	}
	if ((why = bt_lookup(t, &c, ne->off, &found)))
		return why;
	bool left = false, right = false;
	if (found) {
		ext_get(bt_rec(t, &c, c.idx[0]), &a);
		left = joins(&a, ne) && a.len + ne->len <= MAXEXTLEN;
	}
	struct bcur rc;
	bool rfound;
	if ((why = bt_lookup(t, &rc, ne->off + ne->len, &rfound)))
		return why;
	if (rfound) {
		ext_get(bt_rec(t, &rc, rc.idx[0]), &r);
		right = r.off == ne->off + ne->len && joins(ne, &r) && ne->len + r.len <= MAXEXTLEN;
	}
	if (left && right && a.len + ne->len + r.len > MAXEXTLEN)
		right = false;
	if (left && right) {
		/* the right record goes, the left takes all three */
		if ((why = bt_delete(t, &rc, rc.idx[0])))
			return why;
		if ((why = bt_lookup(t, &c, ne->off, &found)))
			return why;
		a.len += ne->len + r.len;
		bt_set(t, &c, c.idx[0], &a);
		*dn = -1;
	} else if (left) {
		a.len += ne->len;
		bt_set(t, &c, c.idx[0], &a);
	} else if (right) {
		r.off = ne->off;
		r.start = ne->start;
		r.len += ne->len;
		bt_set(t, &rc, rc.idx[0], &r);
	} else {
		if ((why = bt_insert(t, &c, found ? c.idx[0] + 1 : 0, ne)))
			return why;
		*dn = 1;
	}
	return PS_XIW_KERNEL;
}

/* the unmap of [a, b), from its end, as __xfs_bunmapi does */
static enum ps_xintent_why bt_unmap(struct bt *t, uint64_t a, uint64_t b, int64_t *dn,
				    uint64_t *gone)
{
	uint64_t at = b - 1;
	for (;;) {
		struct bcur c;
		bool found;
		enum ps_xintent_why why = bt_lookup(t, &c, at, &found);
		if (why)
			return why;
		if (!found)
			return PS_XIW_KERNEL;
		struct ext e;
		uint32_t i = c.idx[0];
		ext_get(bt_rec(t, &c, i), &e);
		uint64_t end = e.off + e.len;
		if (end <= a)
			return PS_XIW_KERNEL;
		if (end > b || e.off < a) {
			uint64_t lo = e.off > a ? e.off : a, hi = end < b ? end : b;
			*gone += hi - lo;
			if (e.off < a && end > b) {
				/* cut in the middle: two records */
				struct ext l = { e.off, e.start, a - e.off, e.unw };
				struct ext rr = { b, e.start + (b - e.off), end - b, e.unw };
				if (bt_n(t, &c, 0) >= t->bmax)
					return PS_XIW_BT_SPLIT;
				bt_set(t, &c, i, &l);
				if ((why = bt_insert(t, &c, i + 1, &rr)))
					return why;
				(*dn)++;
			} else if (e.off < a) {
				e.len = a - e.off;
				bt_set(t, &c, i, &e);
			} else {
				struct ext rr = { b, e.start + (b - e.off), end - b, e.unw };
				bt_set(t, &c, i, &rr);
			}
		} else {
			*gone += e.len;
			if ((why = bt_delete(t, &c, i)))
				return why;
			(*dn)--;
		}
		if (e.off <= a)
			return PS_XIW_KERNEL;
		at = e.off - 1;
	}
}

static void bt_free(struct bt *t)
{
	for (unsigned i = 0; i < t->nc; i++)
		free(t->cbuf[i]);
	t->nc = 0;
}

/* the BUI on the fork at fork (fsz bytes, cnt extents) of the inode di:
 * done in the staged blocks and in di; written by the caller when
 * PS_XIW_KERNEL */
static enum ps_xintent_why bt_finish(struct bt *t, uint8_t *fork, size_t fsz, uint64_t cnt,
				     const struct ps_xintent *e, uint64_t *ncnt, uint64_t *nblocks)
{
	if (fsz < 4 + 16)
		return PS_XIW_BAD;
	t->root = fork;
	t->rmax = (uint32_t)((fsz - 4) / 16);
	t->hs = t->v5 ? 72 : 24;
	t->bmax = (t->g->blocksize - t->hs) / 16;
	uint32_t lvl = ps_be16(fork), rn = ps_be16(fork + 2);
	/* the deepest tree the extent count allows: each level below the root
	 * holds at least half the most a block holds */
	unsigned maxlvl = 1;
	for (uint64_t cap = t->rmax; cap < (1ull << 48) && maxlvl < BT_MAXLVL; maxlvl++)
		cap *= t->bmax / 2;
	if (!lvl || lvl >= maxlvl || !rn || rn > t->rmax)
		return PS_XIW_BAD;
	t->nlev = lvl + 1;
	uint32_t type = e->op & BMAP_TYPE_MASK;
	int64_t dn = 0;
	enum ps_xintent_why why;
	if (type == BMAP_MAP) {
		struct ext ne = { e->offset, e->start, e->len, (e->op & BMAP_UNWRITTEN) != 0 };
		why = bt_map(t, &ne, &dn);
		if (!why)
			*nblocks += e->len;
	} else {
		uint64_t gone = 0;
		why = bt_unmap(t, e->offset, e->offset + e->len, &dn, &gone);
		if (!why)
			*nblocks = *nblocks >= gone ? *nblocks - gone : 0;
	}
	if (why)
		return why;
	*ncnt = dn < 0 && (uint64_t)-dn > cnt ? 0 : cnt + (uint64_t)dn;
	/* few enough for the inode: the kernel turns the fork back into
	 * extents and frees the leaf (a free-space change not made here) */
	if (*ncnt <= fsz / 16)
		return PS_XIW_BT_TOEXT;
	return PS_XIW_KERNEL;
}

/* the staged blocks that changed, with the LSN and CRC the kernel's first
 * write after recovery gives them */
static int bt_write(struct bt *t)
{
	for (unsigned i = 0; i < t->nc; i++) {
		if (!t->cdirty[i])
			continue;
		uint8_t *b = t->cbuf[i];
		if (t->v5) {
			ps_put_be64(b + 32, t->lsn);
			memset(b + 64, 0, 4);
			ps_put_le32(b + 64, ~ps_crc32c(~0u, b, t->g->blocksize));
		}
		int r = t->io->wr(t->io->ctx, b, t->g->blocksize, fsb_byte(t->g, t->cfsb[i]));
		if (r)
			return r;
	}
	return PS_OK;
}

/* One BUI: finished in the view (PS_XIW_KERNEL), or why not. */
static enum ps_xintent_why bui_finish(const struct ps_xiu_io *io, const struct geo *g,
				      const struct ps_xintent *e, uint64_t lsn, bool pending, int *err)
{
	uint32_t type = e->op & BMAP_TYPE_MASK;
	if (e->nextents != 1 || (type != BMAP_MAP && type != BMAP_UNMAP) ||
	    (e->op & ~(BMAP_TYPE_MASK | BMAP_ATTR | BMAP_UNWRITTEN | BMAP_REALTIME)) ||
	    !e->len || e->len > MAXEXTLEN || e->offset > MAXFILEOFF ||
	    e->len > MAXFILEOFF + 1 - e->offset)
		return PS_XIW_BAD;
	if (e->op & BMAP_REALTIME)
		return PS_XIW_REALTIME;
	if (!fsb_ok(g, e->start, e->len))
		return PS_XIW_BAD;
	uint64_t at;
	if (!ino_off(g, e->owner, &at))
		return PS_XIW_BAD;
	uint8_t di[2048];
	if ((*err = io->rd(io->ctx, di, g->inodesize, at)))
		return PS_XIW_BAD;
	if (ps_be16(di) != 0x494e || !ps_be16(di + 2))
		return PS_XIW_INODE;
	bool v3 = di[4] >= 3;
	size_t core = v3 ? 176 : 100, litino = g->inodesize - core;
	size_t foff = (size_t)di[82] * 8;
	if (foff > litino)
		return PS_XIW_BAD;
	bool attr = e->op & BMAP_ATTR;
	bool nrext64 = v3 && (ps_be64(di + 120) & (1u << 4));
	uint8_t *fork;
	size_t fsz;
	uint8_t fmt;
	uint64_t cnt;
	if (attr) {
		if (!foff)
			return PS_XIW_FORK;
		fork = di + core + foff;
		fsz = litino - foff;
		fmt = di[83];
		cnt = nrext64 ? ps_be32(di + 76) : ps_be16(di + 80);
	} else {
		fork = di + core;
		fsz = foff ? foff : litino;
		fmt = di[5];
		cnt = nrext64 ? ps_be64(di + 24) : ps_be32(di + 76);
	}
	/* an earlier change to this fork is in the read view only: so are
	 * the later ones, in order */
	if (pending && !attr)
		return PS_XIW_AFTER;
	uint64_t nblocks = PS_FIELD_GET(PS_XDI, di, di_nblocks);
	uint64_t n = cnt;
	enum ps_xintent_why why;
	struct bt t = { .io = io, .g = g, .ino = e->owner, .lsn = lsn, .v5 = v3 };
	if (fmt == 3) {
		why = bt_finish(&t, fork, fsz, cnt, e, &n, &nblocks);
		if (!why && !t.err)
			t.err = bt_write(&t);
		bt_free(&t);
		if (t.err) {
			*err = t.err;
			return PS_XIW_BAD;
		}
		if (why)
			return why;
	} else if (fmt != 2) {
		return PS_XIW_FORK;
	} else {
		uint32_t cap = (uint32_t)(fsz / 16);
		if (cnt > cap)
			return PS_XIW_BAD;
		struct ext v[EXT_MAX + 1];
		uint32_t m = (uint32_t)cnt;
		for (uint32_t i = 0; i < m; i++)
			ext_get(fork + 16 * i, &v[i]);
		if (type == BMAP_MAP) {
			struct ext ne = { e->offset, e->start, e->len, (e->op & BMAP_UNWRITTEN) != 0 };
			why = do_map(v, &m, cap, &ne, &nblocks);
		} else {
			why = do_unmap(v, &m, cap, e->offset, e->offset + e->len, &nblocks);
		}
		if (why)
			return why;
		for (uint32_t i = 0; i < m; i++)
			ext_put(fork + 16 * i, &v[i]);
		if (cnt > m)
			memset(fork + 16 * m, 0, (size_t)(cnt - m) * 16);
		n = m;
	}
	if (attr) {
		if (nrext64)
			ps_put_be32(di + 76, (uint32_t)n);
		else
			ps_put_be16(di + 80, (uint16_t)n);
	} else if (nrext64) {
		ps_put_be64(di + 24, n);
	} else {
		ps_put_be32(di + 76, (uint32_t)n);
	}
	PS_FIELD_PUT(PS_XDI, di, di_nblocks, nblocks);
	if (v3) {
		if (fmt == 3)
			PS_FIELD_PUT(PS_XDI, di, di_lsn, lsn);
		memset(di + 100, 0, 4);
		ps_put_le32(di + 100, ~ps_crc32c(~0u, di, g->inodesize));
	}
	if ((*err = io->wr(io->ctx, di, g->inodesize, at)))
		return PS_XIW_BAD;
	return PS_XIW_KERNEL;
}

/* what an intent names, from its first region */
static void describe(const struct ps_xint *in, struct ps_xintent *e)
{
	memset(e, 0, sizeof(*e));
	e->log_type = in->type;
	const uint8_t *p = in->fmt;
	uint32_t n = in->len >= 8 ? ps_le32(p + 4) : 0;
	size_t esz;
	switch (in->type) {
	case LI_BUI: e->kind = PS_XINT_BUI; esz = 32; break;
	case LI_RUI: e->kind = PS_XINT_RUI; esz = 32; break;
	case LI_CUI: e->kind = PS_XINT_CUI; esz = 16; break;
	case LI_EFI:
		e->kind = PS_XINT_EFI;
		esz = in->len >= 16 && n && (in->len - 16) / n == 12 && (in->len - 16) % n == 0 ? 12 : 16;
		break;
	default: e->kind = PS_XINT_OTHER; return;
	}
	e->nextents = n;
	for (uint32_t i = 0; i < n && 16 + (uint64_t)(i + 1) * esz <= in->len; i++) {
		const uint8_t *x = p + 16 + (size_t)i * esz;
		uint64_t len;
		switch (e->kind) {
		case PS_XINT_BUI: case PS_XINT_RUI:
			len = ps_le32(x + 24);
			if (!i) {
				e->owner = ps_le64(x);
				e->start = ps_le64(x + 8);
				e->offset = ps_le64(x + 16);
				e->op = ps_le32(x + 28);
			}
			break;
		case PS_XINT_CUI:
			len = ps_le32(x + 8);
			if (!i) {
				e->start = ps_le64(x);
				e->op = ps_le32(x + 12);
			}
			break;
		default:
			len = ps_le32(x + 8);
			if (!i)
				e->start = ps_le64(x);
		}
		if (!i)
			e->len = len;
		e->blocks += len;
	}
	if (e->kind == PS_XINT_BUI && in->len != 16 + 32 * (uint64_t)n)
		e->nextents = 0;	/* a size the kernel refuses */
}

static void left(struct ps_journal *st, const struct ps_xintent *e)
{
	st->intents_open++;
	switch (e->kind) {
	case PS_XINT_BUI: st->intents_bmap++; break;
	case PS_XINT_EFI: st->intents_efi++; break;
	case PS_XINT_RUI: st->intents_rmap++; break;
	case PS_XINT_CUI: st->intents_refc++; break;
	default: st->intents_other++;
	}
	if (st->intents_v_n < sizeof(st->intents_v) / sizeof(st->intents_v[0]))
		st->intents_v[st->intents_v_n++] = *e;
}

/* done in the read view only: the on-disk change needs a block the
 * kernel's allocator picks (or frees) */
static bool view_only(enum ps_xintent_why why)
{
	return why == PS_XIW_FULL || why == PS_XIW_BT_SPLIT || why == PS_XIW_BT_REBAL ||
	       why == PS_XIW_BT_TOEXT || why == PS_XIW_AFTER;
}

int ps_xfs_intents_finish(const struct ps_xiu_io *io, const struct ps_xint *v, size_t n,
			  struct ps_journal *st)
{
	struct geo g;
	bool have_geo = false;
	if (io) {
		struct ps_xsb sb;
		int r = ps_xsb_read(io->rd, io->ctx, &sb);
		if (r)
			return r;
		have_geo = geo_read(&sb, &g);
	}
	/* the inodes with a change in the read view only */
	uint64_t *pend = NULL;
	size_t npend = 0;
	int rc = PS_OK;
	for (size_t i = 0; i < n && !rc; i++) {
		struct ps_xintent e;
		describe(&v[i], &e);
		if (e.kind == PS_XINT_BUI) {
			if (!io) {
				e.why = PS_XIW_STOPPED;
			} else if (!have_geo) {
				e.why = PS_XIW_BAD;
			} else {
				bool pending = false;
				for (size_t k = 0; k < npend && !pending; k++)
					pending = pend[k] == e.owner;
				int err = 0;
				e.why = bui_finish(io, &g, &e, st->head_lsn, pending, &err);
				if (err) {
					rc = err;
					break;
				}
				if (!e.why) {
					st->intents_finished++;
					if (g.rmapbt)
						st->intents_rmap_followup = true;
					continue;
				}
				if (view_only(e.why) && io->remap && !(e.op & BMAP_ATTR)) {
					struct ps_xremap rm = {
						e.owner, e.offset, e.len, e.start,
						(e.op & BMAP_TYPE_MASK) == BMAP_MAP,
						(e.op & BMAP_UNWRITTEN) != 0,
					};
					if ((rc = io->remap(io->ctx, &rm)))
						break;
					if (!pending) {
						uint64_t *np = realloc(pend, (npend + 1) * sizeof(*pend));
						if (!np) {
							rc = PS_ENOMEM;
							break;
						}
						pend = np;
						pend[npend++] = e.owner;
					}
					e.in_view = true;
					st->intents_finished++;
					st->intents_view_only++;
					if (g.rmapbt)
						st->intents_rmap_followup = true;
					if (st->intents_view_v_n < sizeof(st->intents_view_v) /
								   sizeof(st->intents_view_v[0]))
						st->intents_view_v[st->intents_view_v_n++] = e;
					continue;
				}
			}
		}
		left(st, &e);
	}
	free(pend);
	return rc;
}
