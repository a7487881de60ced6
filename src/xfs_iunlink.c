// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The AGI unlinked lists processed after log recovery (xfs_iunlink.h,
 * docs/journal.md "XFS"). Written from the facts of the kernel's
 * xlog_recover_process_iunlinks, xfs_inactive / xfs_ifree, xfs_difree and
 * the free-extent path of the allocator (read for facts only; no code
 * taken):
 *
 * - every AG's 64 buckets are walked, each chain by di_next_unlinked;
 * - an inode on them (nlink 0) has its data fork's extents freed: each
 *   extent joins the by-block and by-size free space btrees, merged with a
 *   free neighbour on either side; the AGF's freeblks and longest follow
 *   (the AGFL is kept as it is only when it already holds exactly what the
 *   allocator wants for these btree heights);
 * - the inode is freed: its bit set in its inobt record (ir_free,
 *   ir_freecount), the finobt record updated, or inserted when the chunk had
 *   no free inode; the AGI's freecount; the dinode reset (mode 0, size 0,
 *   no blocks, no extents, no attribute fork, flags cleared, generation
 *   plus one, di_next_unlinked NULLAGINO);
 * - the bucket ends empty. The superblock's counters are recomputed from
 *   the AG headers afterwards by the replay (sb_counters).
 *
 * Exactly only: btrees of one level (the root is the leaf) with room in
 * the leaf, extents-format or local data forks, no attribute blocks, no
 * reflink flag, no realtime, no rmapbt, an inode chunk that stays
 * allocated. Anything else leaves that inode whole on its list (reported
 * with why); the staged changes of an inode are written only when all of
 * them could be made.
 */
#include "config.h"
#include "be.h"
#include "xfs_iunlink.h"
#include "crc32c.h"
#include "err.h"
#include "le.h"
#include "xfs_dinode.h"
#include "xfs_sb.h"
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NULLAGINO 0xffffffffu
#define STAGE_MAX 64

struct sbx {
	uint32_t blocksize, sectsize, agblocks, agcount;
	uint16_t inodesize;
	uint8_t blocklog, agblklog, inopblog;
	uint64_t dblocks;
	bool sparse, finobt, rmapbt, nrext64, bigtime;
	uint8_t meta_uuid[16];
};

enum kind { K_AGF, K_AGI, K_BTREE, K_INODE };

struct staged {
	uint64_t off;		/* byte offset in the filesystem */
	uint32_t len;
	enum kind kind;
	uint8_t *b;
};

struct iu {
	const struct ps_xiu_io *io;
	struct sbx s;
	uint64_t lsn;
	struct staged st[STAGE_MAX];
	int n;
	const char *why;	/* why the current inode is left */
};

static void stage_drop(struct iu *u)
{
	for (int i = 0; i < u->n; i++)
		free(u->st[i].b);
	u->n = 0;
}

/* the staged copy of len bytes at off (read from the view on first use);
 * NULL with u->why set, or on PS_ENOMEM/PS_EIO in *err */
static uint8_t *stage(struct iu *u, uint64_t off, uint32_t len, enum kind k, int *err)
{
	for (int i = 0; i < u->n; i++)
		if (u->st[i].off == off && u->st[i].len == len)
			return u->st[i].b;
	if (u->n == STAGE_MAX) {
		u->why = "too many blocks";
		return NULL;
	}
	if (off + len > u->s.dblocks << u->s.blocklog) {
		u->why = "outside the filesystem";
		return NULL;
	}
	uint8_t *b = malloc(len);
	if (!b) {
		*err = PS_ENOMEM;
		return NULL;
	}
	int r = u->io->rd(u->io->ctx, b, len, off);
	if (r) {
		free(b);
		*err = r;
		return NULL;
	}
	u->st[u->n++] = (struct staged){ off, len, k, b };
	return b;
}

static void seal(uint8_t *b, size_t span, size_t crc_off)
{
	memset(b + crc_off, 0, 4);
	ps_put_le32(b + crc_off, ~ps_crc32c(~0u, b, span));
}

/* every staged block gets its LSN and CRC, then goes to the view */
static int stage_commit(struct iu *u)
{
	for (int i = 0; i < u->n; i++) {
		struct staged *t = &u->st[i];
		switch (t->kind) {
		case K_AGF: ps_put_be64(t->b + 208, u->lsn); seal(t->b, t->len, 216); break;
		case K_AGI: ps_put_be64(t->b + 320, u->lsn); seal(t->b, t->len, 312); break;
		case K_BTREE: ps_put_be64(t->b + 24, u->lsn); seal(t->b, t->len, 52); break;
		case K_INODE:
			PS_FIELD_PUT(PS_XDI, t->b, di_lsn, u->lsn);
			seal(t->b, t->len, PS_XDI_OFF_di_crc);
			break;
		}
		int r = u->io->wr(u->io->ctx, t->b, t->len, t->off);
		if (r)
			return r;
	}
	stage_drop(u);
	return PS_OK;
}

static uint64_t agb_off(const struct sbx *s, uint32_t ag, uint32_t agbno)
{
	return ((uint64_t)ag * s->agblocks + agbno) << s->blocklog;
}

/* ---- short-form btree leaves that are also roots (level 0) ---- */

#define BT_HDR 56u

static bool bt_leaf(struct iu *u, const uint8_t *b, uint32_t magic)
{
	if (ps_be32(b) != magic || memcmp(b + 32, u->s.meta_uuid, 16)) {
		u->why = "btree block";
		return false;
	}
	if (ps_be16(b + 4) != 0) {
		u->why = "btree of more than one level";
		return false;
	}
	if (ps_be32(b + 8) != 0xffffffffu || ps_be32(b + 12) != 0xffffffffu) {
		u->why = "btree block";
		return false;
	}
	uint32_t n = ps_be16(b + 6);
	if (n > (u->s.blocksize - BT_HDR) / 8) {
		u->why = "btree block";
		return false;
	}
	return true;
}

/* remove record i of size rs */
static void bt_del(uint8_t *b, uint32_t rs, uint32_t i)
{
	uint32_t n = ps_be16(b + 6);
	uint8_t *p = b + BT_HDR + (size_t)i * rs;
	memmove(p, p + rs, (size_t)(n - i - 1) * rs);
	memset(b + BT_HDR + (size_t)(n - 1) * rs, 0, rs);
	ps_put_be16(b + 6, (uint16_t)(n - 1));
}

/* insert rec (size rs) at position i; the caller checked the room */
static void bt_ins(uint8_t *b, uint32_t rs, uint32_t i, const uint8_t *rec)
{
	uint32_t n = ps_be16(b + 6);
	uint8_t *p = b + BT_HDR + (size_t)i * rs;
	memmove(p + rs, p, (size_t)(n - i) * rs);
	memcpy(p, rec, rs);
	ps_put_be16(b + 6, (uint16_t)(n + 1));
}

/* cntbt order: (blockcount, startblock) */
static bool cnt_before(uint32_t l1, uint32_t s1, uint32_t l2, uint32_t s2)
{
	return l1 < l2 || (l1 == l2 && s1 < s2);
}

static int cnt_find(const uint8_t *b, uint32_t st, uint32_t len)
{
	uint32_t n = ps_be16(b + 6);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *r = b + BT_HDR + (size_t)i * 8;
		if (ps_be32(r) == st && ps_be32(r + 4) == len)
			return (int)i;
	}
	return -1;
}

static void cnt_insert(uint8_t *b, uint32_t st, uint32_t len)
{
	uint32_t n = ps_be16(b + 6), i = 0;
	while (i < n && cnt_before(ps_be32(b + BT_HDR + i * 8 + 4), ps_be32(b + BT_HDR + i * 8), len, st))
		i++;
	uint8_t rec[8];
	ps_put_be32(rec, st);
	ps_put_be32(rec + 4, len);
	bt_ins(b, 8, i, rec);
}

/* the extent (ag, agbno, len) freed into the AG's free space btrees */
static bool free_extent(struct iu *u, uint32_t ag, uint32_t agbno, uint32_t len, int *err)
{
	const struct sbx *s = &u->s;
	if (ag >= s->agcount || !len || agbno >= s->agblocks || len > s->agblocks - agbno) {
		u->why = "extent outside its AG";
		return false;
	}
	uint8_t *agf = stage(u, agb_off(s, ag, 0) + s->sectsize, s->sectsize, K_AGF, err);
	if (!agf)
		return false;
	if (ps_be32(agf) != 0x58414746 || ps_be32(agf + 8) != ag || memcmp(agf + 64, s->meta_uuid, 16)) {
		u->why = "AGF";
		return false;
	}
	uint32_t lbno = ps_be32(agf + 28), lcnt = ps_be32(agf + 32);
	if (lbno != 1 || lcnt != 1) {
		u->why = "free space btree of more than one level";
		return false;
	}
	/* the allocator first fixes the AGFL to what these heights need
	 * (two blocks a btree here); any other count would change it */
	if (ps_be32(agf + 48) != 4) {
		u->why = "AGFL not at its minimum";
		return false;
	}
	uint32_t rbno = ps_be32(agf + 16), rcnt = ps_be32(agf + 20);
	if (!rbno || rbno >= s->agblocks || !rcnt || rcnt >= s->agblocks || rbno == rcnt) {
		u->why = "AGF";
		return false;
	}
	uint8_t *bno = stage(u, agb_off(s, ag, rbno), s->blocksize, K_BTREE, err);
	if (!bno)
		return false;
	uint8_t *cnt = stage(u, agb_off(s, ag, rcnt), s->blocksize, K_BTREE, err);
	if (!cnt)
		return false;
	if (!bt_leaf(u, bno, 0x41423342) || !bt_leaf(u, cnt, 0x41423343))
		return false;
	uint32_t n = ps_be16(bno + 6), maxr = (s->blocksize - BT_HDR) / 8;
	if (ps_be16(cnt + 6) != n) {
		u->why = "free space btrees differ";
		return false;
	}
	/* neighbours in the by-block tree */
	uint32_t i = 0;
	while (i < n && ps_be32(bno + BT_HDR + i * 8) < agbno)
		i++;
	bool hl = false, hr = false;
	uint32_t ls = 0, ll = 0, rs = 0, rl = 0;
	if (i > 0) {
		ls = ps_be32(bno + BT_HDR + (i - 1) * 8);
		ll = ps_be32(bno + BT_HDR + (i - 1) * 8 + 4);
		if ((uint64_t)ls + ll > agbno) {
			u->why = "extent already free";
			return false;
		}
		hl = ls + ll == agbno;
	}
	if (i < n) {
		rs = ps_be32(bno + BT_HDR + i * 8);
		rl = ps_be32(bno + BT_HDR + i * 8 + 4);
		if ((uint64_t)agbno + len > rs) {
			u->why = "extent already free";
			return false;
		}
		hr = agbno + len == rs;
	}
	uint32_t ns = hl ? ls : agbno;
	uint64_t nl = (uint64_t)len + (hl ? ll : 0) + (hr ? rl : 0);
	if (nl > s->agblocks) {
		u->why = "free space btrees";
		return false;
	}
	uint32_t after = n + 1 - hl - hr;
	if (after > maxr) {
		u->why = "free space btree leaf full (a split)";
		return false;
	}
	int cl = hl ? cnt_find(cnt, ls, ll) : 0, cr = hr ? cnt_find(cnt, rs, rl) : 0;
	if (cl < 0 || cr < 0) {
		u->why = "free space btrees differ";
		return false;
	}
	/* by block: the neighbours go, the merged record takes their place */
	if (hr)
		bt_del(bno, 8, i);
	if (hl)
		bt_del(bno, 8, --i);
	uint8_t rec[8];
	ps_put_be32(rec, ns);
	ps_put_be32(rec + 4, (uint32_t)nl);
	bt_ins(bno, 8, i, rec);
	/* by size: removed and reinserted in (length, block) order */
	if (hl)
		bt_del(cnt, 8, (uint32_t)cnt_find(cnt, ls, ll));
	if (hr)
		bt_del(cnt, 8, (uint32_t)cnt_find(cnt, rs, rl));
	cnt_insert(cnt, ns, (uint32_t)nl);
	/* the AGF: free blocks, and the longest is the by-size tree's last */
	ps_put_be32(agf + 52, ps_be32(agf + 52) + len);
	uint32_t m = ps_be16(cnt + 6);
	ps_put_be32(agf + 56, m ? ps_be32(cnt + BT_HDR + (m - 1) * 8 + 4) : 0);
	return true;
}

/* ---- inodes ---- */

struct irec {			/* an inobt record, either layout */
	uint32_t start;
	uint16_t hole;
	uint8_t count, fcount;
	uint64_t free;
};

static void irec_get(const struct sbx *s, const uint8_t *p, struct irec *r)
{
	r->start = ps_be32(p);
	if (s->sparse) {
		r->hole = ps_be16(p + 4);
		r->count = p[6];
		r->fcount = p[7];
	} else {
		r->hole = 0;
		r->count = 64;
		r->fcount = (uint8_t)(ps_be32(p + 4) > 255 ? 255 : ps_be32(p + 4));
	}
	r->free = ps_be64(p + 8);
}

static void irec_put(const struct sbx *s, uint8_t *p, const struct irec *r)
{
	ps_put_be32(p, r->start);
	if (s->sparse) {
		ps_put_be16(p + 4, r->hole);
		p[6] = r->count;
		p[7] = r->fcount;
	} else {
		ps_put_be32(p + 4, r->fcount);
	}
	ps_put_be64(p + 8, r->free);
}

/* the inode agino of AG ag freed in the inode btrees and the AGI */
static bool free_inode(struct iu *u, uint8_t *agi, uint32_t ag, uint32_t agino, int *err)
{
	const struct sbx *s = &u->s;
	if (ps_be32(agi + 24) != 1 || (s->finobt && ps_be32(agi + 332) != 1)) {
		u->why = "inode btree of more than one level";
		return false;
	}
	uint32_t root = ps_be32(agi + 20);
	if (!root || root >= s->agblocks) {
		u->why = "AGI";
		return false;
	}
	uint8_t *ib = stage(u, agb_off(s, ag, root), s->blocksize, K_BTREE, err);
	if (!ib)
		return false;
	if (!bt_leaf(u, ib, 0x49414233))
		return false;
	uint32_t n = ps_be16(ib + 6), i;
	struct irec r;
	if (n > (s->blocksize - BT_HDR) / 16) {
		u->why = "btree block";
		return false;
	}
	for (i = 0; i < n; i++) {
		irec_get(s, ib + BT_HDR + i * 16, &r);
		if (agino >= r.start && agino - r.start < 64)
			break;
	}
	if (i == n) {
		u->why = "no inobt record";
		return false;
	}
	uint32_t bit = agino - r.start;
	uint64_t holes = 0;
	for (int h = 0; h < 16; h++)
		if (r.hole & (1u << h))
			holes |= 0xfULL << (4 * h);
	if ((r.free >> bit & 1) || (holes >> bit & 1)) {
		u->why = "inode already free";
		return false;
	}
	bool was_full = r.fcount == 0;
	r.free |= 1ULL << bit;
	r.fcount++;
	if (r.fcount > r.count) {
		u->why = "inobt record";
		return false;
	}
	if ((r.free | holes) == ~0ULL) {
		/* the kernel would free the whole chunk */
		u->why = "its inode chunk would be freed";
		return false;
	}
	irec_put(s, ib + BT_HDR + i * 16, &r);
	if (s->finobt) {
		uint32_t froot = ps_be32(agi + 328);
		if (!froot || froot >= s->agblocks || froot == root) {
			u->why = "AGI";
			return false;
		}
		uint8_t *fb = stage(u, agb_off(s, ag, froot), s->blocksize, K_BTREE, err);
		if (!fb)
			return false;
		if (!bt_leaf(u, fb, 0x46494233))
			return false;
		uint32_t fn = ps_be16(fb + 6), j;
		if (fn > (s->blocksize - BT_HDR) / 16) {
			u->why = "btree block";
			return false;
		}
		for (j = 0; j < fn && ps_be32(fb + BT_HDR + j * 16) < r.start; j++)
			;
		bool found = j < fn && ps_be32(fb + BT_HDR + j * 16) == r.start;
		if (found == was_full) {
			u->why = "finobt disagrees with inobt";
			return false;
		}
		if (found) {
			irec_put(s, fb + BT_HDR + j * 16, &r);
		} else {
			if (fn + 1 > (s->blocksize - BT_HDR) / 16) {
				u->why = "finobt leaf full (a split)";
				return false;
			}
			uint8_t rec[16];
			irec_put(s, rec, &r);
			bt_ins(fb, 16, j, rec);
		}
	}
	ps_put_be32(agi + 28, ps_be32(agi + 28) + 1);
	return true;
}

/* an extent record of a data fork */
static void bmx(const uint8_t *p, uint64_t *fsb, uint32_t *len)
{
	uint64_t l0 = ps_be64(p), l1 = ps_be64(p + 8);
	*fsb = (l0 & 0x1ff) << 43 | l1 >> 21;
	*len = (uint32_t)(l1 & 0x1fffff);
}

/* one inode of the lists: freed (true, its changes staged) or left */
static bool inactivate(struct iu *u, uint8_t *agi, uint32_t ag, uint32_t agino, uint64_t *blocks,
		       int *err)
{
	const struct sbx *s = &u->s;
	uint64_t ino = (uint64_t)ag << (s->agblklog + s->inopblog) | agino;
	uint64_t agbno = agino >> s->inopblog;
	uint64_t off = agb_off(s, ag, (uint32_t)agbno) + (uint64_t)(agino & ((1u << s->inopblog) - 1)) * s->inodesize;
	if (s->rmapbt) {
		/* each free would also delete an rmap record: not done */
		u->why = "rmapbt";
		return false;
	}
	uint8_t *di = stage(u, off, s->inodesize, K_INODE, err);
	if (!di)
		return false;
#define DI(f) PS_FIELD_GET(PS_XDI, di, f)
#define DI_PUT(f, v) PS_FIELD_PUT(PS_XDI, di, f, v)
	if (DI(di_magic) != PS_XDI_MAGIC || DI(di_version) != 3 || DI(di_ino) != ino) {
		u->why = "not an inode";
		return false;
	}
	if (DI(di_nlink) != 0 || DI(di_mode) == 0) {
		u->why = "linked or unallocated inode";
		return false;
	}
	uint16_t flags = DI(di_flags);
	uint64_t flags2 = DI(di_flags2);
	if (flags & PS_XDI_FLAG_REALTIME) {
		u->why = "realtime file";
		return false;
	}
	if (flags2 & PS_XDI_FLAG2_REFLINK) {
		u->why = "reflinked file";
		return false;
	}
	uint8_t fmt = DI(di_format), forkoff = DI(di_forkoff), afmt = DI(di_aformat);
	/* with NREXT64, di_nextents's bytes hold the attribute fork's count */
	uint64_t next = s->nrext64 ? DI(di_big_nextents) : DI(di_nextents);
	uint32_t anext = s->nrext64 ? DI(di_nextents) : DI(di_anextents);
	if (forkoff && !(afmt == PS_XDI_FMT_LOCAL || (afmt == PS_XDI_FMT_EXTENTS && anext == 0))) {
		u->why = "attribute blocks";
		return false;
	}
	uint32_t lit = s->inodesize - PS_XDI_SIZE;
	uint32_t dsize = forkoff ? forkoff * 8u : lit;
	if (dsize > lit) {
		u->why = "di_forkoff";
		return false;
	}
	uint64_t total = 0;
	if (fmt == PS_XDI_FMT_EXTENTS) {
		if (next > dsize / 16) {
			u->why = "di_nextents";
			return false;
		}
		for (uint64_t e = 0; e < next; e++) {
			uint64_t fsb;
			uint32_t len;
			bmx(di + PS_XDI_SIZE + e * 16, &fsb, &len);
			uint64_t eag = fsb >> s->agblklog;
			uint32_t eb = (uint32_t)(fsb & ((1ULL << s->agblklog) - 1));
			if (eag >= s->agcount) {
				u->why = "extent outside the filesystem";
				return false;
			}
			if (!free_extent(u, (uint32_t)eag, eb, len, err))
				return false;
			total += len;
		}
	} else if (fmt == PS_XDI_FMT_BTREE) {
		u->why = "btree-format data fork";
		return false;
	} else if (fmt > PS_XDI_FMT_BTREE || next) {
		u->why = "di_format";
		return false;
	}
	if (total != DI(di_nblocks)) {
		u->why = "di_nblocks is not its extents";
		return false;
	}
	if (!free_inode(u, agi, ag, agino, err))
		return false;
	/* the dinode as the kernel leaves a freed one */
	DI_PUT(di_mode, 0);
	DI_PUT(di_format, PS_XDI_FMT_EXTENTS);
	DI_PUT(di_size, 0);
	DI_PUT(di_nblocks, 0);
	if (s->nrext64)
		DI_PUT(di_big_nextents, 0);
	DI_PUT(di_nextents, 0);
	DI_PUT(di_anextents, 0);
	DI_PUT(di_forkoff, 0);
	DI_PUT(di_aformat, PS_XDI_FMT_EXTENTS);
	DI_PUT(di_dmevmask, 0);
	DI_PUT(di_dmstate, 0);
	DI_PUT(di_flags, 0);
	DI_PUT(di_gen, DI(di_gen) + 1);
	DI_PUT(di_next_unlinked, NULLAGINO);
	DI_PUT(di_flags2, (s->bigtime ? PS_XDI_FLAG2_BIGTIME : 0) |
		(s->nrext64 ? PS_XDI_FLAG2_NREXT64 : 0));
#undef DI
#undef DI_PUT
	memset(di + PS_XDI_SIZE, 0, lit);
	*blocks = total;
	return true;
}

static void left(struct ps_journal *st, uint64_t ino, const char *why)
{
	if (st->iunlink_left < sizeof(st->iunlink_left_v) / sizeof(st->iunlink_left_v[0])) {
		st->iunlink_left_v[st->iunlink_left].ino = ino;
		st->iunlink_left_v[st->iunlink_left].why = why;
	}
	st->iunlink_left++;
}

/* the next agino on a list, from the view (not staged) */
static int next_of(struct iu *u, uint32_t ag, uint32_t agino, uint32_t *next, bool *ok)
{
	const struct sbx *s = &u->s;
	uint8_t d[256];
	uint64_t off = agb_off(s, ag, agino >> s->inopblog) +
		       (uint64_t)(agino & ((1u << s->inopblog) - 1)) * s->inodesize;
	*ok = false;
	if ((agino >> s->inopblog) >= s->agblocks || off + sizeof(d) > s->dblocks << s->blocklog)
		return PS_OK;
	int r = u->io->rd(u->io->ctx, d, sizeof(d), off);
	if (r)
		return r;
	if (PS_FIELD_GET(PS_XDI, d, di_magic) != PS_XDI_MAGIC)
		return PS_OK;
	*next = (uint32_t)PS_FIELD_GET(PS_XDI, d, di_next_unlinked);
	*ok = true;
	return PS_OK;
}

/* di_next_unlinked of the inode from (kept on a list) set to to */
static int relink(struct iu *u, uint32_t ag, uint32_t from, uint32_t to)
{
	const struct sbx *s = &u->s;
	uint64_t o = agb_off(s, ag, from >> s->inopblog) +
		     (uint64_t)(from & ((1u << s->inopblog) - 1)) * s->inodesize;
	int err = PS_OK;
	uint8_t *d = stage(u, o, s->inodesize, K_INODE, &err);
	if (!d) {
		stage_drop(u);
		return err;	/* checked by next_of: cannot be outside */
	}
	int r = PS_OK;
	if (PS_FIELD_GET(PS_XDI, d, di_next_unlinked) != to) {
		PS_FIELD_PUT(PS_XDI, d, di_next_unlinked, to);
		r = stage_commit(u);
	}
	stage_drop(u);
	return r;
}

static int do_ag(struct iu *u, uint32_t ag, struct ps_journal *st)
{
	const struct sbx *s = &u->s;
	uint64_t agi_off = agb_off(s, ag, 0) + 2ull * s->sectsize;
	uint8_t *agi = malloc(s->sectsize);
	if (!agi)
		return PS_ENOMEM;
	int r = u->io->rd(u->io->ctx, agi, s->sectsize, agi_off);
	if (r || ps_be32(agi) != 0x58414749 || ps_be32(agi + 8) != ag) {
		free(agi);
		return r;
	}
	uint32_t icount = ps_be32(agi + 16);
	for (int bk = 0; bk < 64; bk++) {
		uint32_t head = ps_be32(agi + 40 + bk * 4);
		uint32_t keep_head = NULLAGINO, keep_tail = NULLAGINO;
		bool changed = false;
		uint32_t steps = 0;
		while (head != NULLAGINO) {
			uint64_t ino = (uint64_t)ag << (s->agblklog + s->inopblog) | head;
			uint32_t next = NULLAGINO;
			bool ok;
			if ((r = next_of(u, ag, head, &next, &ok)))
				goto out;
			if (!ok || ++steps > icount + 1) {
				/* a broken list: the rest stays as it is */
				left(st, ino, "broken unlinked list");
				if (keep_tail == NULLAGINO)
					keep_head = head;
				else if ((r = relink(u, ag, keep_tail, head)))
					goto out;
				keep_tail = NULLAGINO;
				break;
			}
			/* this inode's changes, with the AGI staged apart */
			uint8_t *agi2 = malloc(s->sectsize);
			if (!agi2) {
				r = PS_ENOMEM;
				goto out;
			}
			memcpy(agi2, agi, s->sectsize);
			uint64_t blocks = 0;
			int err = PS_OK;
			u->why = NULL;
			bool done = inactivate(u, agi2, ag, head, &blocks, &err);
			if (err) {
				free(agi2);
				stage_drop(u);
				r = err;
				goto out;
			}
			if (done) {
				r = stage_commit(u);
				memcpy(agi, agi2, s->sectsize);
				free(agi2);
				if (r)
					goto out;
				st->iunlink_freed++;
				st->iunlink_blocks += blocks;
				changed = true;
			} else {
				free(agi2);
				stage_drop(u);
				left(st, ino, u->why ? u->why : "?");
				/* kept on the list: linked after the last one kept */
				if (keep_tail == NULLAGINO)
					keep_head = head;
				else if ((r = relink(u, ag, keep_tail, head)))
					goto out;
				keep_tail = head;
			}
			head = next;
		}
		/* the last one kept ends the list */
		if (keep_tail != NULLAGINO && (r = relink(u, ag, keep_tail, NULLAGINO)))
			goto out;
		if (changed)
			ps_put_be32(agi + 40 + bk * 4, keep_head);
	}
	/* the AGI (its freecount and buckets) */
	uint8_t *cur = malloc(s->sectsize);
	if (!cur) {
		r = PS_ENOMEM;
		goto out;
	}
	r = u->io->rd(u->io->ctx, cur, s->sectsize, agi_off);
	bool diff = !r && memcmp(cur, agi, s->sectsize);
	free(cur);
	if (diff) {
		ps_put_be64(agi + 320, u->lsn);
		seal(agi, s->sectsize, 312);
		r = u->io->wr(u->io->ctx, agi, s->sectsize, agi_off);
	}
out:
	stage_drop(u);
	free(agi);
	return r;
}

int ps_xfs_iunlink_process(const struct ps_xiu_io *io, uint64_t lsn, struct ps_journal *st)
{
	struct ps_xsb sb;
	int r = ps_xsb_read(io->rd, io->ctx, &sb);
	if (r)
		return r;
	if (sb.magicnum != PS_XSB_MAGIC || sb.version != 5)
		return PS_OK;	/* v5 only: the counters are recomputed after */
	struct iu u;
	memset(&u, 0, sizeof(u));
	u.io = io;
	u.lsn = lsn;
	struct sbx *s = &u.s;
	s->blocksize = sb.blocksize;
	s->dblocks = sb.dblocks;
	s->agblocks = sb.agblocks;
	s->agcount = sb.agcount;
	s->sectsize = sb.sectsize;
	s->inodesize = sb.inodesize;
	s->blocklog = sb.blocklog;
	s->inopblog = sb.inopblog;
	s->agblklog = sb.agblklog;
	uint32_t ro = sb.features_ro_compat, inc = sb.features_incompat;
	s->finobt = ro & PS_XSB_RO_FINOBT;
	s->rmapbt = ro & PS_XSB_RO_RMAPBT;
	s->sparse = inc & PS_XSB_IN_SPINODES;
	s->bigtime = inc & PS_XSB_IN_BIGTIME;
	s->nrext64 = inc & PS_XSB_IN_NREXT64;
	memcpy(s->meta_uuid, inc & PS_XSB_IN_META_UUID ? sb.meta_uuid : sb.uuid,
	       sizeof(s->meta_uuid));
	if (s->blocklog < 9 || s->blocklog > 16 || s->blocksize != 1u << s->blocklog ||
	    s->sectsize < 512 || s->sectsize > 32768 || s->sectsize > s->blocksize ||
	    s->inodesize < 512 || s->inodesize > 2048 || s->inopblog != s->blocklog - __builtin_ctz(s->inodesize) ||
	    !s->agcount || !s->agblocks || s->agblklog > 31 || s->agblocks > (1u << s->agblklog) ||
	    s->dblocks > (UINT64_MAX >> 17))
		return PS_OK;
	for (uint32_t ag = 0; ag < s->agcount; ag++) {
		if (agb_off(s, ag, 0) + 3ull * s->sectsize > s->dblocks << s->blocklog)
			break;
		if ((r = do_ag(&u, ag, st)))
			return r;
	}
	return PS_OK;
}
