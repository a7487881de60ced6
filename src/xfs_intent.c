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
 *   by the kernel: not done here.
 *
 * Done only on a fork in extents format that stays so; the inode is
 * written whole with its CRC, or not at all.
 */
#include "config.h"
#include "be.h"
#include "xfs_intent.h"
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

/* One BUI: finished in the view (PS_XIW_KERNEL), or why not. */
static enum ps_xintent_why bui_finish(const struct ps_xiu_io *io, const struct geo *g,
				      const struct ps_xintent *e, int *err)
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
	if (fmt == 3)
		return PS_XIW_BTREE;
	if (fmt != 2)
		return PS_XIW_FORK;
	uint32_t cap = (uint32_t)(fsz / 16);
	if (cnt > cap)
		return PS_XIW_BAD;
	struct ext v[EXT_MAX + 1];
	uint32_t n = (uint32_t)cnt;
	for (uint32_t i = 0; i < n; i++)
		ext_get(fork + 16 * i, &v[i]);
	uint64_t nblocks = ps_be64(di + 64);
	enum ps_xintent_why why;
	if (type == BMAP_MAP) {
		struct ext ne = { e->offset, e->start, e->len, (e->op & BMAP_UNWRITTEN) != 0 };
		why = do_map(v, &n, cap, &ne, &nblocks);
	} else {
		why = do_unmap(v, &n, cap, e->offset, e->offset + e->len, &nblocks);
	}
	if (why)
		return why;
	for (uint32_t i = 0; i < n; i++)
		ext_put(fork + 16 * i, &v[i]);
	if (cnt > n)
		memset(fork + 16 * n, 0, (size_t)(cnt - n) * 16);
	if (attr) {
		if (nrext64)
			ps_put_be32(di + 76, n);
		else
			ps_put_be16(di + 80, (uint16_t)n);
	} else if (nrext64) {
		ps_put_be64(di + 24, n);
	} else {
		ps_put_be32(di + 76, n);
	}
	ps_put_be64(di + 64, nblocks);
	if (v3) {
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
	for (size_t i = 0; i < n; i++) {
		struct ps_xintent e;
		describe(&v[i], &e);
		if (e.kind == PS_XINT_BUI) {
			if (!io) {
				e.why = PS_XIW_STOPPED;
			} else if (!have_geo) {
				e.why = PS_XIW_BAD;
			} else {
				int err = 0;
				e.why = bui_finish(io, &g, &e, &err);
				if (err)
					return err;
				if (!e.why) {
					st->intents_finished++;
					if (g.rmapbt)
						st->intents_rmap_followup = true;
					continue;
				}
			}
		}
		left(st, &e);
	}
	return PS_OK;
}
