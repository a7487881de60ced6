// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The XFS log replayed read-only into an overlay (xfs_logrec.h). Written
 * from the project's specification (xfs-log-recovery.md, "Operations,
 * transactions, passes" to "Edge cases and hard rules"), which states in
 * its own words what the kernel's
 * fs/xfs/xfs_log_recover.c and xfs_*_item_recover.c do; no code was taken
 * from them.
 *
 * The overlay: a map {512-byte block of the filesystem -> slot}, the
 * slots in memory up to OVL_MEM bytes and in an unnamed temporary file
 * beyond; every read of the view takes a changed block from its slot and
 * the rest from the source. Memory: the map (16 bytes a block), the
 * transactions open at once (bounded: a log's checkpoint cannot exceed
 * it), one record and one buffer.
 *
 * Byte order: item formats are in the writer's order; pmemscan reads the
 * logs of little-endian machines (x86, arm64), as their kernels do.
 */
#include "config.h"
#include "be.h"
#include "xfs_logrec.h"
#include "crc32c.h"
#include "xfs_intent.h"
#include "xfs_iunlink.h"
#include "err.h"
#include "le.h"
#include "xfs_dinode.h"
#include "xfs_sb.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BB 512u
#define OVL_CHUNK 2048u			/* slots per memory chunk (1 MiB) */
#define OVL_MEM (256u << 20)		/* slots kept in memory */

#define TRANS_MAGIC 0x5452414Eu		/* "TRAN", host order */
#define MAX_REGIONS 257u

#define LI_EFI 0x1236
#define LI_EFD 0x1237
#define LI_IUNLINK 0x1238
#define LI_INODE 0x123B
#define LI_BUF 0x123C
#define LI_DQUOT 0x123D
#define LI_QUOTAOFF 0x123E
#define LI_ICREATE 0x123F
#define LI_RUI 0x1240
#define LI_RUD 0x1241
#define LI_CUI 0x1242
#define LI_CUD 0x1243
#define LI_BUI 0x1244
#define LI_BUD 0x1245
#define LI_ATTRI 0x1246
#define LI_ATTRD 0x1247
#define LI_XMI 0x1248
#define LI_XMD 0x1249

#define BLF_INODE_BUF 0x1
#define BLF_CANCEL 0x2
#define BLF_DQUOT 0x1c
#define BLF_CHUNK 128u

#define ILOG_DDATA 0x002
#define ILOG_DEXT 0x004
#define ILOG_DBROOT 0x008
#define ILOG_DEV 0x010
#define ILOG_ADATA 0x040
#define ILOG_AEXT 0x080
#define ILOG_ABROOT 0x100
#define ILOG_DFORK (ILOG_DDATA | ILOG_DEXT | ILOG_DBROOT)
#define ILOG_AFORK (ILOG_ADATA | ILOG_AEXT | ILOG_ABROOT)

/* ---- the overlay ---- */

struct hent {
	uint64_t key;		/* 0: empty; else daddr + 1 */
	uint32_t slot;
};

struct ovl {
	struct ps_src *parent;
	struct hent *h;
	size_t hcap, hn;
	uint8_t **chunks;
	size_t nchunks;
	uint32_t nslots;
	int fd;			/* slots past the memory bound; -1 until needed */
	uint32_t mem_slots;
	/* file mapping changes in the read view only (xfs_intent.c), in
	 * the order they were made */
	struct ps_xremap *rm;
	size_t nrm;
};

static size_t hslot(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

static struct hent *ovl_find(const struct ovl *o, uint64_t daddr)
{
	if (!o->hcap)
		return NULL;
	for (size_t i = hslot(daddr + 1, o->hcap);; i = (i + 1) & (o->hcap - 1)) {
		if (!o->h[i].key)
			return NULL;
		if (o->h[i].key == daddr + 1)
			return &o->h[i];
	}
}

static int ovl_grow(struct ovl *o)
{
	size_t nc = o->hcap ? o->hcap * 2 : 1024;
	struct hent *n = calloc(nc, sizeof(*n));
	if (!n)
		return PS_ENOMEM;
	for (size_t i = 0; i < o->hcap; i++)
		if (o->h[i].key) {
			size_t j = hslot(o->h[i].key, nc);
			while (n[j].key)
				j = (j + 1) & (nc - 1);
			n[j] = o->h[i];
		}
	free(o->h);
	o->h = n;
	o->hcap = nc;
	return PS_OK;
}

static int slot_rw(struct ovl *o, uint32_t slot, uint8_t *buf, bool write)
{
	if (slot < o->mem_slots) {
		uint8_t *p = o->chunks[slot / OVL_CHUNK] + (size_t)(slot % OVL_CHUNK) * BB;
		if (write)
			memcpy(p, buf, BB);
		else
			memcpy(buf, p, BB);
		return PS_OK;
	}
	off_t off = (off_t)(slot - o->mem_slots) * BB;
	ssize_t n = write ? pwrite(o->fd, buf, BB, off) : pread(o->fd, buf, BB, off);
	return n == (ssize_t)BB ? PS_OK : PS_EIO;
}

static int tmpfd(void)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
#ifdef O_TMPFILE
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
#endif
	char path[4096];
	snprintf(path, sizeof(path), "%s/pmemscan-xlog-XXXXXX", dir);
	fd = mkstemp(path);
	if (fd >= 0)
		unlink(path);
	return fd;
}

/* a new slot for daddr, or the one it has */
static int ovl_slot(struct ovl *o, uint64_t daddr, uint32_t *slot, bool *fresh)
{
	struct hent *e = ovl_find(o, daddr);
	*fresh = false;
	if (e) {
		*slot = e->slot;
		return PS_OK;
	}
	if ((o->hn + 1) * 2 > o->hcap && ovl_grow(o))
		return PS_ENOMEM;
	if (o->nslots == UINT32_MAX)
		return PS_ENOMEM;
	uint32_t s = o->nslots;
	if (s < OVL_MEM / BB) {
		if (s / OVL_CHUNK >= o->nchunks) {
			uint8_t **nc = realloc(o->chunks, (o->nchunks + 1) * sizeof(*nc));
			if (!nc)
				return PS_ENOMEM;
			o->chunks = nc;
			if (!(nc[o->nchunks] = malloc((size_t)OVL_CHUNK * BB)))
				return PS_ENOMEM;
			o->nchunks++;
		}
		o->mem_slots = s + 1;
	} else if (o->fd < 0 && (o->fd = tmpfd()) < 0) {
		return PS_EIO;
	}
	o->nslots++;
	size_t i = hslot(daddr + 1, o->hcap);
	while (o->h[i].key)
		i = (i + 1) & (o->hcap - 1);
	o->h[i].key = daddr + 1;
	o->h[i].slot = s;
	o->hn++;
	*slot = s;
	*fresh = true;
	return PS_OK;
}

/* len bytes at byte off of the view */
static int ovl_read(struct ovl *o, uint8_t *buf, size_t len, uint64_t off)
{
	uint8_t tmp[BB];
	while (len) {
		uint64_t d = off / BB;
		size_t in = (size_t)(off % BB), n = BB - in < len ? BB - in : len;
		struct hent *e = ovl_find(o, d);
		if (e) {
			int r = slot_rw(o, e->slot, tmp, false);
			if (r)
				return r;
			memcpy(buf, tmp + in, n);
		} else {
			/* a run of unchanged blocks in one read */
			size_t run = n;
			while (run < len && !ovl_find(o, (off + run) / BB))
				run += len - run < BB ? len - run : BB;
			int r = ps_src_pread(o->parent, buf, run, off);
			if (r)
				return r;
			n = run;
		}
		buf += n;
		off += n;
		len -= n;
	}
	return PS_OK;
}

static int ovl_write(struct ovl *o, const uint8_t *buf, size_t len, uint64_t off)
{
	uint8_t tmp[BB];
	while (len) {
		uint64_t d = off / BB;
		size_t in = (size_t)(off % BB), n = BB - in < len ? BB - in : len;
		uint32_t s;
		bool fresh;
		int r = ovl_slot(o, d, &s, &fresh);
		if (r)
			return r;
		if (n < BB) {
			if (fresh)
				r = ps_src_pread(o->parent, tmp, BB, d * BB);
			else
				r = slot_rw(o, s, tmp, false);
			if (r)
				return r;
		}
		memcpy(tmp + in, buf, n);
		if ((r = slot_rw(o, s, tmp, true)))
			return r;
		buf += n;
		off += n;
		len -= n;
	}
	return PS_OK;
}

static void ovl_free(struct ovl *o)
{
	if (!o)
		return;
	free(o->rm);
	free(o->h);
	for (size_t i = 0; i < o->nchunks; i++)
		free(o->chunks[i]);
	free(o->chunks);
	if (o->fd >= 0)
		close(o->fd);
	free(o);
}

static int v_pread(struct ps_src *s, void *buf, size_t len, uint64_t off)
{
	struct ovl *o = s->priv;
	int r = ovl_read(o, buf, len, off);
	if (r == PS_EIO && o->parent->err && o->parent->err[0])
		ps_src_set_error(s, "%s", o->parent->err);
	return r;
}

static void v_close(struct ps_src *s) { ovl_free(s->priv); }

static const struct ps_src_ops ovl_ops = { .pread = v_pread, .close = v_close };

/* ---- the superblock's facts ---- */

struct sbi {
	uint32_t blocksize, sectsize, agblocks, agcount, inoalignmt, spino_align;
	uint8_t blocklog, agblklog, inopblog, dirblklog;
	uint16_t inodesize, inopblock;
	uint64_t dblocks, fs_bb;
	bool v5;
	uint32_t log_incompat;
	uint8_t uuid[16], meta_uuid[16];
	uint32_t cluster_bbs;		/* an inode cluster, in 512-byte blocks */
	uint32_t blocks_per_cluster;
};

static int sb_parse(const struct ps_xsb *sb, struct sbi *s)
{
	memset(s, 0, sizeof(*s));
	s->blocksize = sb->blocksize;
	s->dblocks = sb->dblocks;
	s->agblocks = sb->agblocks;
	s->agcount = sb->agcount;
	s->sectsize = sb->sectsize;
	s->inodesize = sb->inodesize;
	s->inopblock = sb->inopblock;
	s->blocklog = sb->blocklog;
	s->inopblog = sb->inopblog;
	s->agblklog = sb->agblklog;
	s->inoalignmt = sb->inoalignmt;
	s->dirblklog = sb->dirblklog;
	s->v5 = sb->version == 5;
	s->log_incompat = sb->features_log_incompat;	/* 0 before v5 */
	s->spino_align = sb->spino_align;
	memcpy(s->uuid, sb->uuid, sizeof(s->uuid));
	memcpy(s->meta_uuid, sb->features_incompat & PS_XSB_IN_META_UUID ? sb->meta_uuid :
	       sb->uuid, sizeof(s->meta_uuid));
	if (s->blocklog < 9 || s->blocklog > 16 || s->blocksize != 1u << s->blocklog ||
	    s->inodesize < 256 || s->inodesize > 2048 || (s->inodesize & (s->inodesize - 1)) ||
	    s->inopblock != s->blocksize / s->inodesize || (1u << s->inopblog) != s->inopblock ||
	    s->sectsize < 512 || s->sectsize > 32768 || !s->agcount || !s->agblocks ||
	    s->agblklog > 31 || s->dirblklog > 8 || s->dblocks > (UINT64_MAX >> 17))
		return PS_EFORMAT;
	s->fs_bb = s->dblocks << (s->blocklog - 9);
	/* inode cluster geometry (xfs-log-recovery.md "ICREATE") */
	uint32_t cb = 8192;
	if (s->v5) {
		uint32_t n = cb * (s->inodesize / 256);
		if (s->inoalignmt && s->inoalignmt >= (n >> s->blocklog))
			cb = n;
	}
	s->blocks_per_cluster = cb >> s->blocklog ? cb >> s->blocklog : 1;
	s->cluster_bbs = s->blocks_per_cluster << (s->blocklog - 9);
	return PS_OK;
}

static uint64_t agb_daddr(const struct sbi *s, uint64_t ag, uint64_t agbno)
{
	return (ag * s->agblocks + agbno) << (s->blocklog - 9);
}

/* ---- small tables ---- */

/* (blkno, len) -> count or LSN: the cancel table and the buffers replayed */
struct bkey {
	uint64_t blkno;
	uint32_t len;
	uint32_t used;
	uint64_t val;
};
struct btab {
	struct bkey *v;
	size_t cap, n;
};

static size_t bhash(uint64_t b, uint32_t l, size_t cap)
{
	return hslot(b * 31 + l + 1, cap);
}

static struct bkey *btab_get(struct btab *t, uint64_t blkno, uint32_t len, bool add)
{
	if (t->cap) {
		for (size_t i = bhash(blkno, len, t->cap);; i = (i + 1) & (t->cap - 1)) {
			if (!t->v[i].used)
				break;
			if (t->v[i].blkno == blkno && t->v[i].len == len)
				return &t->v[i];
		}
	}
	if (!add)
		return NULL;
	if ((t->n + 1) * 2 > t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 256;
		struct bkey *n = calloc(nc, sizeof(*n));
		if (!n)
			return NULL;
		for (size_t i = 0; i < t->cap; i++)
			if (t->v[i].used) {
				size_t j = bhash(t->v[i].blkno, t->v[i].len, nc);
				while (n[j].used)
					j = (j + 1) & (nc - 1);
				n[j] = t->v[i];
			}
		free(t->v);
		t->v = n;
		t->cap = nc;
	}
	size_t i = bhash(blkno, len, t->cap);
	while (t->v[i].used)
		i = (i + 1) & (t->cap - 1);
	t->v[i] = (struct bkey){ blkno, len, 1, 0 };
	t->n++;
	return &t->v[i];
}

/* ---- transactions ---- */

struct region {
	uint8_t *p;
	uint32_t len;
};
struct item {
	struct region *r;
	uint32_t n, total;
};
struct trans {
	uint32_t tid;
	uint64_t lsn;		/* of the record holding its START */
	uint8_t hdr[16];
	uint32_t hdrlen;
	struct item *it;
	size_t nit, capit;
	uint64_t bytes;
};

struct intent {
	uint16_t type;
	uint64_t id;
	uint8_t *fmt;		/* its first region (xfs_intent.c reads it) */
	uint32_t len;
};

struct rx {
	struct ps_src *src;
	struct ovl *o;
	struct sbi sb;
	struct ps_journal *st;
	int pass;
	struct trans *tr;
	size_t ntr, captr;
	uint64_t held, held_max;
	struct btab cancel, bufs;
	struct intent *in;
	size_t nin, capin;
	uint64_t rec_lsn;
	uint32_t rec_blk;
	uint8_t *buf;		/* one buffer being replayed */
	bool stopped;
};

enum { RX_OK = 0, RX_STOP = 101, RX_NOMEM = 102, RX_IO = 103 };

static int stop(struct rx *x, enum ps_journal_stop why, const char *field)
{
	if (!x->stopped) {
		x->stopped = true;
		x->st->stop = why;
		x->st->stop_jblk = x->rec_blk;
		x->st->stop_lsn = x->rec_lsn;
		x->st->stop_field = field;
		x->st->mount_fails = true;
	}
	return RX_STOP;
}

static void trans_free(struct trans *t)
{
	for (size_t i = 0; i < t->nit; i++) {
		for (uint32_t j = 0; j < t->it[i].n; j++)
			free(t->it[i].r[j].p);
		free(t->it[i].r);
	}
	free(t->it);
}

static void trans_forget(struct rx *x, size_t i)
{
	x->held -= x->tr[i].bytes;
	trans_free(&x->tr[i]);
	x->tr[i] = x->tr[--x->ntr];
}

static int hold(struct rx *x, struct trans *t, uint32_t len)
{
	t->bytes += len;
	x->held += len;
	if (x->held > x->held_max)
		return stop(x, PS_JSTOP_XLOG_TOO_BIG, NULL);
	return RX_OK;
}

/* a payload that is not a continuation (xfs-log-recovery.md "Assembly" add) */
static int trans_add(struct rx *x, struct trans *t, const uint8_t *p, uint32_t len)
{
	if (!len)
		return RX_OK;
	if (t->hdrlen < 16 && !t->nit) {
		if (t->hdrlen == 0 && (len < 4 || ps_le32(p) != TRANS_MAGIC))
			return stop(x, PS_JSTOP_XLOG_ITEM, "th_magic");
		if (len > 16 - t->hdrlen)
			return stop(x, PS_JSTOP_XLOG_ITEM, "th_magic");
		memcpy(t->hdr + t->hdrlen, p, len);
		t->hdrlen += len;
		return RX_OK;
	}
	struct item *it = t->nit ? &t->it[t->nit - 1] : NULL;
	if (!it || (it->total && it->n == it->total)) {
		if (t->nit == t->capit) {
			size_t nc = t->capit ? t->capit * 2 : 16;
			struct item *n = realloc(t->it, nc * sizeof(*n));
			if (!n)
				return RX_NOMEM;
			t->it = n;
			t->capit = nc;
		}
		it = &t->it[t->nit++];
		memset(it, 0, sizeof(*it));
	}
	if (!it->total) {
		if (len < 4)
			return stop(x, PS_JSTOP_XLOG_ITEM, "item size");
		it->total = ps_le16(p + 2);
		if (!it->total || it->total > MAX_REGIONS)
			return stop(x, PS_JSTOP_XLOG_ITEM, "item size");
		if (!(it->r = calloc(it->total, sizeof(*it->r))))
			return RX_NOMEM;
	}
	if (it->n >= it->total)
		return stop(x, PS_JSTOP_XLOG_ITEM, "item size");
	if (hold(x, t, len))
		return RX_STOP;
	uint8_t *c = malloc(len);
	if (!c)
		return RX_NOMEM;
	memcpy(c, p, len);
	it->r[it->n++] = (struct region){ c, len };
	return RX_OK;
}

/* a WAS_CONT payload: the rest of the last region (or of the header) */
static int trans_cont(struct rx *x, struct trans *t, const uint8_t *p, uint32_t len)
{
	if (!t->nit) {
		if (len > 16 - t->hdrlen)
			return stop(x, PS_JSTOP_XLOG_ITEM, "th_magic");
		memcpy(t->hdr + t->hdrlen, p, len);
		t->hdrlen += len;
		return RX_OK;
	}
	struct item *it = &t->it[t->nit - 1];
	if (!it->n)
		return stop(x, PS_JSTOP_XLOG_ITEM, "oh_flags");
	struct region *r = &it->r[it->n - 1];
	if (hold(x, t, len))
		return RX_STOP;
	uint8_t *n = realloc(r->p, (size_t)r->len + len);
	if (!n)
		return RX_NOMEM;
	memcpy(n + r->len, p, len);
	r->p = n;
	r->len += len;
	return RX_OK;
}

/* ---- replay of the items (pass 2) ---- */

static bool in_fs(const struct rx *x, uint64_t blkno, uint64_t len)
{
	return len && blkno < x->sb.fs_bb && len <= x->sb.fs_bb - blkno;
}

static void seal(uint8_t *b, size_t span, size_t crc_off)
{
	memset(b + crc_off, 0, 4);
	ps_put_le32(b + crc_off, ~ps_crc32c(~0u, b, span));
}

static void seal_inode(const struct rx *x, uint8_t *di)
{
	if (x->sb.v5 && PS_FIELD_GET(PS_XDI, di, di_version) >= 3)
		seal(di, x->sb.inodesize, PS_XDI_OFF_di_crc);
}

/* what a v5 block is by its magic (xfs-log-recovery.md "LSN gate (v5 only)", xfs-log-recovery.md "CRC recomputation table (v5)"): LSN and UUID offsets, CRC
 * offset; false when it has none (or is not this filesystem's) */
struct bkind {
	int lsn_off, uuid_off, crc_off;
	bool per_block;		/* remote attr: one CRC per fs block */
	bool no_lsn;
};

static bool block_kind(const struct rx *x, const uint8_t *b, size_t len, struct bkind *k)
{
	memset(k, 0, sizeof(*k));
	k->lsn_off = k->uuid_off = k->crc_off = -1;
	uint32_t m = ps_be32(b);
	switch (m) {
	case 0x41423342: case 0x41423343: case 0x49414233: case 0x46494233:
	case 0x524d4233: case 0x52334643:	/* AB3B AB3C IAB3 FIB3 RMB3 R3FC */
		*k = (struct bkind){ 24, 32, 52, false, false };
		break;
	case 0x424d4133:			/* BMA3 */
		*k = (struct bkind){ 32, 40, 64, false, false };
		break;
	case 0x58414746: *k = (struct bkind){ 208, 64, 216, false, false }; break; /* XAGF */
	case 0x5841464c: *k = (struct bkind){ 24, 8, 32, false, false }; break;   /* XAFL */
	case 0x58414749: *k = (struct bkind){ 320, 296, 312, false, false }; break; /* XAGI */
	case 0x58534c4d: *k = (struct bkind){ 48, 16, 12, false, false }; break;  /* XSLM */
	case 0x58444233: case 0x58444433: case 0x58444633:	/* XDB3 XDD3 XDF3 */
		*k = (struct bkind){ 16, 24, 4, false, false };
		break;
	case 0x58465342:			/* XFSB */
		*k = (struct bkind){ 240, (ps_be32(b + 216) & 4) ? 248 : 32, 224, false, false };
		break;
	case 0x5841524d:			/* XARM: no LSN gate */
		*k = (struct bkind){ -1, 16, 12, true, true };
		break;
	default: {
		uint16_t m8 = ps_be16(b + 8);
		if (m8 == 0x3DF1 || m8 == 0x3DFF || m8 == 0x3BEE || m8 == 0x3EBE) {
			*k = (struct bkind){ 24, 32, 12, false, false };
			break;
		}
		return false;
	}
	}
	if (!x->sb.v5 || len < 512)
		return false;
	if (memcmp(b + k->uuid_off, m == 0x58465342 ? b + k->uuid_off : x->sb.meta_uuid, 16))
		return false;
	return true;
}

static int do_buf(struct rx *x, struct trans *t, struct item *it)
{
	const uint8_t *f = it->r[0].p;
	uint32_t flen = it->r[0].len;
	if (flen < 20)
		return stop(x, PS_JSTOP_XLOG_ITEM, "blf_size");
	uint16_t flags = ps_le16(f + 4), blen = ps_le16(f + 6);
	uint64_t blkno = ps_le64(f + 8);
	uint32_t mapsize = ps_le32(f + 16);
	if (mapsize > (flen - 20) / 4)
		return stop(x, PS_JSTOP_XLOG_ITEM, "blf_map_size");
	if (flags & BLF_CANCEL) {
		struct bkey *k = btab_get(&x->cancel, blkno, blen, false);
		if (k && --k->val == 0)
			k->used = 2;	/* gone (a tombstone keeps the chain) */
		return RX_OK;
	}
	struct bkey *ck = btab_get(&x->cancel, blkno, blen, false);
	if (ck && ck->used == 1) {
		x->st->cancelled++;
		return RX_OK;
	}
	if (flags & BLF_DQUOT) {
		x->st->skipped_quota++;
		return RX_OK;
	}
	if (!in_fs(x, blkno, blen))
		return stop(x, PS_JSTOP_XLOG_OUTSIDE, "blf_blkno");
	size_t bytes = (size_t)blen * BB;
	if (ovl_read(x->o, x->buf, bytes, blkno * BB))
		return RX_IO;
	const uint8_t *map = f + 20;
	uint32_t nbits = mapsize * 32;
#define BIT(b) (ps_le32(map + 4 * ((b) >> 5)) >> ((b) & 31) & 1)
	if (flags & BLF_INODE_BUF) {
		/* only the di_next_unlinked fields in logged chunks (xfs-log-recovery.md "Buffer items, Replay") */
		uint32_t isz = x->sb.inodesize;
		uint32_t ri = 1, bit = 0;
		uint64_t reg_start = 0, reg_end = 0;	/* bytes of the buffer */
		bool changed = false;
		const unsigned nu = PS_XDI_OFF_di_next_unlinked, nulen = PS_XDI_LEN_di_next_unlinked;
		for (uint32_t ino = 0; (uint64_t)ino * isz + nu + nulen <= bytes; ino++) {
			uint64_t off = (uint64_t)ino * isz + nu;
			while (off >= reg_end) {
				while (bit < nbits && !BIT(bit))
					bit++;
				if (bit >= nbits)
					goto ibuf_done;
				uint32_t n = 0;
				while (bit + n < nbits && BIT(bit + n))
					n++;
				if (ri >= it->n)
					return stop(x, PS_JSTOP_XLOG_ITEM, "blf_data_map");
				reg_start = (uint64_t)bit * BLF_CHUNK;
				reg_end = reg_start + (uint64_t)n * BLF_CHUNK;
				/* the region holds this run */
				if (it->r[ri].len < (uint64_t)n * BLF_CHUNK)
					return stop(x, PS_JSTOP_XLOG_ITEM, "blf_data_map");
				bit += n;
				ri++;
			}
			if (off < reg_start)
				continue;
			if (reg_end > bytes || off + nulen > reg_end)
				return stop(x, PS_JSTOP_XLOG_ITEM, "blf_data_map");
			const uint8_t *src = it->r[ri - 1].p + (off - reg_start);
			if (!ps_be32(src))
				return stop(x, PS_JSTOP_XLOG_ITEM, "di_next_unlinked");
			memcpy(x->buf + off, src, nulen);
			uint8_t *di = x->buf + (size_t)ino * isz;
			if (PS_FIELD_GET(PS_XDI, di, di_magic) == PS_XDI_MAGIC)
				seal_inode(x, di);
			changed = true;
		}
ibuf_done:
		if (changed && ovl_write(x->o, x->buf, bytes, blkno * BB))
			return RX_IO;
		x->st->buf_items++;
		x->st->items++;
		return RX_OK;
	}
	/* the LSN gate of v5 metadata (xfs-log-recovery.md "LSN gate (v5 only)") */
	struct bkind k;
	if (block_kind(x, x->buf, bytes, &k) && k.lsn_off >= 0) {
		uint64_t lsn = ps_be64(x->buf + k.lsn_off);
		if (lsn && lsn != UINT64_MAX && lsn >= t->lsn) {
			x->st->lsn_newer++;
			return RX_OK;
		}
	}
	uint32_t ri = 1, bit = 0;
	for (;;) {
		while (bit < nbits && !BIT(bit))
			bit++;
		if (bit >= nbits)
			break;
		uint32_t n = 0;
		while (bit + n < nbits && BIT(bit + n))
			n++;
		if (ri >= it->n)
			return stop(x, PS_JSTOP_XLOG_ITEM, "blf_data_map");
		if (it->r[ri].len < (uint64_t)n * BLF_CHUNK)
			n = it->r[ri].len / BLF_CHUNK;
		if ((uint64_t)(bit + n) * BLF_CHUNK > bytes)
			return stop(x, PS_JSTOP_XLOG_ITEM, "blf_data_map");
		memcpy(x->buf + (size_t)bit * BLF_CHUNK, it->r[ri].p, (size_t)n * BLF_CHUNK);
		ri++;
		bit += n;
	}
#undef BIT
	if (ovl_write(x->o, x->buf, bytes, blkno * BB))
		return RX_IO;
	struct bkey *b = btab_get(&x->bufs, blkno, blen, true);
	if (!b)
		return RX_NOMEM;
	b->val = t->lsn;
	x->st->buf_items++;
	x->st->items++;
	return RX_OK;
}

/* the in-core bmbt root (a long btree block) as the on-disk bmdr root */
static int broot_to_disk(struct rx *x, uint8_t *dst, size_t dsz, const uint8_t *src, uint32_t slen)
{
	size_t hdr = x->sb.v5 ? 72 : 24;
	if (slen < hdr || dsz < 4)
		return stop(x, PS_JSTOP_XLOG_ITEM, "ilf_dsize");
	uint16_t level = ps_be16(src + 4), nrecs = ps_be16(src + 6);
	size_t smax = (slen - hdr) / 16, dmax = (dsz - 4) / 16;
	if (nrecs > smax || nrecs > dmax)
		return stop(x, PS_JSTOP_XLOG_ITEM, "bb_numrecs");
	ps_put_be16(dst, level);
	ps_put_be16(dst + 2, nrecs);
	memcpy(dst + 4, src + hdr, (size_t)nrecs * 8);
	memcpy(dst + 4 + dmax * 8, src + hdr + smax * 8, (size_t)nrecs * 8);
	return RX_OK;
}

static int copy_fork(struct rx *x, uint32_t fields, uint32_t data, uint32_t ext, uint32_t broot,
		     uint8_t *dst, size_t dsz, const struct region *r)
{
	if (fields & (data | ext)) {
		if (r->len > dsz)
			return stop(x, PS_JSTOP_XLOG_ITEM, "ilf_dsize");
		memcpy(dst, r->p, r->len);
		return RX_OK;
	}
	if (fields & broot)
		return broot_to_disk(x, dst, dsz, r->p, r->len);
	return RX_OK;
}

static void put_ts(uint8_t *d, const uint8_t *l, bool big)
{
	if (big) {
		ps_put_be64(d, ps_le64(l));
	} else {
		ps_put_be32(d, ps_le32(l));
		ps_put_be32(d + 4, ps_le32(l + 4));
	}
}

static int do_inode(struct rx *x, struct trans *t, struct item *it)
{
	const uint8_t *f = it->r[0].p;
	uint32_t flen = it->r[0].len;
	uint32_t fields;
	uint64_t blkno;
	int32_t ilen, boff;
	uint32_t rdev;
	if (flen == 56) {
		fields = ps_le32(f + 4);
		rdev = ps_le32(f + 24);
		blkno = ps_le64(f + 40);
		ilen = (int32_t)ps_le32(f + 48);
		boff = (int32_t)ps_le32(f + 52);
	} else if (flen == 52) {	/* the packed 32-bit layout */
		fields = ps_le32(f + 4);
		rdev = ps_le32(f + 20);
		blkno = ps_le64(f + 36);
		ilen = (int32_t)ps_le32(f + 44);
		boff = (int32_t)ps_le32(f + 48);
	} else {
		return stop(x, PS_JSTOP_XLOG_ITEM, "ilf_size");
	}
	if (it->n < 2)
		return stop(x, PS_JSTOP_XLOG_ITEM, "ilf_size");
	struct bkey *ck = btab_get(&x->cancel, blkno, (uint32_t)ilen, false);
	if (ck && ck->used == 1) {
		x->st->cancelled++;
		return RX_OK;
	}
	uint32_t isz = x->sb.inodesize;
	if (ilen <= 0 || boff < 0 || !in_fs(x, blkno, (uint64_t)ilen) ||
	    (uint64_t)boff + isz > (uint64_t)ilen * BB)
		return stop(x, PS_JSTOP_XLOG_OUTSIDE, "ilf_blkno");
	uint8_t *di = x->buf;
	uint64_t at = blkno * BB + (uint64_t)boff;
	if (ovl_read(x->o, di, isz, at))
		return RX_IO;
	const uint8_t *ld = it->r[1].p;
	uint32_t ldlen = it->r[1].len;
	/* the log's copy of the core (xfs_log_dinode) has the disk core's
	 * offsets (xfs_dinode.h) in the writer's byte order: little-endian */
#define LD(f) ps_get_le(ld + PS_XDI_OFF_##f, PS_FIELD_INT_LEN(PS_XDI, f))
#define DI(f) PS_FIELD_GET(PS_XDI, di, f)
#define DI_PUT(f, v) PS_FIELD_PUT(PS_XDI, di, f, v)
#define DI_COPY(f) DI_PUT(f, LD(f))
#define DI_TS(f) put_ts(PS_FIELD_PTR(PS_XDI, di, f), ld + PS_XDI_OFF_##f, big)
	if (DI(di_magic) != PS_XDI_MAGIC)
		return stop(x, PS_JSTOP_XLOG_ITEM, "di_magic (on disk)");
	if (ldlen < PS_XDI_OFF_di_next_unlinked || LD(di_magic) != PS_XDI_MAGIC)
		return stop(x, PS_JSTOP_XLOG_ITEM, "di_magic (log)");
	bool v3 = LD(di_version) >= 3;
	if ((v3 && ldlen < PS_XDI_SIZE) || ldlen > (v3 ? PS_XDI_SIZE : PS_XDI_V2_SIZE) ||
	    ldlen > isz)
		return stop(x, PS_JSTOP_XLOG_ITEM, "log dinode size");
	/* the LSN gate (v3) or the flush counter (v1/v2) */
	bool skip = false;
	if (DI(di_version) >= 3) {
		uint64_t dl = DI(di_lsn);
		if (dl && dl != UINT64_MAX && dl > t->lsn)
			skip = true;
	}
	uint8_t lcopy[PS_XDI_SIZE];
	memcpy(lcopy, ld, ldlen < sizeof(lcopy) ? ldlen : sizeof(lcopy));
	if (!x->sb.v5) {
		uint16_t lf = ps_le16(lcopy + PS_XDI_OFF_di_flushiter);
		uint16_t df = ps_be16(di + PS_XDI_OFF_di_flushiter);
		if (lf < df && !(df == 0xffff && lf < 0x8000))
			skip = true;
		ps_put_le16(lcopy + PS_XDI_OFF_di_flushiter, 0);
	}
	if (skip) {
		x->st->lsn_newer++;
		seal_inode(x, di);
		return ovl_write(x->o, di, isz, at) ? RX_IO : RX_OK;
	}
	ld = lcopy;
	uint16_t mode = LD(di_mode);
	uint8_t fmt = LD(di_format);
	uint64_t flags2 = v3 ? LD(di_flags2) : 0;
	bool nrext64 = v3 && (flags2 & PS_XDI_FLAG2_NREXT64);
	bool big = v3 && (flags2 & PS_XDI_FLAG2_BIGTIME);
	if ((mode & 0170000) == 0100000 && fmt != PS_XDI_FMT_EXTENTS && fmt != PS_XDI_FMT_BTREE)
		return stop(x, PS_JSTOP_XLOG_ITEM, "di_format");
	if ((mode & 0170000) == 0040000 && fmt != PS_XDI_FMT_LOCAL &&
	    fmt != PS_XDI_FMT_EXTENTS && fmt != PS_XDI_FMT_BTREE)
		return stop(x, PS_JSTOP_XLOG_ITEM, "di_format");
	/* with NREXT64, di_nextents's bytes hold the attribute fork's count */
	uint64_t next = nrext64 ? LD(di_big_nextents) : LD(di_nextents);
	uint64_t anext = nrext64 ? LD(di_nextents) : LD(di_anextents);
	if (next + anext > LD(di_nblocks))
		return stop(x, PS_JSTOP_XLOG_ITEM, "di_nextents");
	uint8_t forkoff = LD(di_forkoff);
	size_t core = v3 ? PS_XDI_SIZE : PS_XDI_V2_SIZE;
	if ((size_t)forkoff * 8 > isz - core)
		return stop(x, PS_JSTOP_XLOG_ITEM, "di_forkoff");
	/* the core, log dinode -> disk dinode (xfs-log-recovery.md "Inode items, Replay steps" step 6) */
	DI_PUT(di_magic, PS_XDI_MAGIC);
	DI_PUT(di_mode, mode);
	DI_COPY(di_version);
	DI_PUT(di_format, fmt);
	DI_PUT(di_onlink, 0);
	DI_COPY(di_uid);
	DI_COPY(di_gid);
	DI_COPY(di_nlink);
	DI_COPY(di_projid_lo);
	DI_COPY(di_projid_hi);
	if (v3) {
		DI_PUT(di_big_nextents, nrext64 ? LD(di_big_nextents) : 0);
	} else {
		DI_PUT(di_big_nextents, 0);
		ps_put_be16(di + PS_XDI_OFF_di_flushiter, ps_le16(ld + PS_XDI_OFF_di_flushiter));
	}
	DI_TS(di_atime);
	DI_TS(di_mtime);
	DI_TS(di_ctime);
	DI_COPY(di_size);
	DI_COPY(di_nblocks);
	DI_COPY(di_extsize);
	DI_COPY(di_nextents);
	DI_COPY(di_anextents);
	DI_PUT(di_forkoff, forkoff);
	DI_COPY(di_aformat);
	DI_COPY(di_dmevmask);
	DI_COPY(di_dmstate);
	DI_COPY(di_flags);
	DI_COPY(di_gen);
	if (v3) {
		DI_COPY(di_changecount);
		DI_PUT(di_lsn, t->lsn);
		DI_PUT(di_flags2, flags2);
		DI_COPY(di_cowextsize);
		memset(PS_FIELD_PTR(PS_XDI, di, di_pad2), 0, PS_XDI_LEN_di_pad2);
		DI_TS(di_crtime);
		DI_COPY(di_ino);
		memcpy(PS_FIELD_PTR(PS_XDI, di, di_uuid), ld + PS_XDI_OFF_di_uuid, PS_XDI_LEN_di_uuid);
	}
#undef LD
#undef DI
#undef DI_PUT
#undef DI_COPY
#undef DI_TS
	/* the forks (step 7) */
	uint8_t *dfork = di + core;
	size_t litino = isz - core;
	size_t dsz = forkoff ? (size_t)forkoff * 8 : litino;
	uint8_t *afork = dfork + (size_t)forkoff * 8;
	size_t asz = litino - (size_t)forkoff * 8;
	uint32_t ri = 2;
	if (fields & ILOG_DFORK) {
		if (ri >= it->n)
			return stop(x, PS_JSTOP_XLOG_ITEM, "ilf_size");
		int r = copy_fork(x, fields, ILOG_DDATA, ILOG_DEXT, ILOG_DBROOT, dfork, dsz,
				  &it->r[ri]);
		if (r)
			return r;
		ri++;
	}
	if (fields & ILOG_DEV)
		ps_put_be32(dfork, rdev);
	if (fields & ILOG_AFORK) {
		if (ri >= it->n || !forkoff)
			return stop(x, PS_JSTOP_XLOG_ITEM, "ilf_size");
		int r = copy_fork(x, fields, ILOG_ADATA, ILOG_AEXT, ILOG_ABROOT, afork, asz,
				  &it->r[ri]);
		if (r)
			return r;
	}
	seal_inode(x, di);
	if (ovl_write(x->o, di, isz, at))
		return RX_IO;
	x->st->inode_items++;
	x->st->items++;
	return RX_OK;
}

static int do_icreate(struct rx *x, struct item *it)
{
	const uint8_t *f = it->r[0].p;
	if (it->r[0].len < 28)
		return stop(x, PS_JSTOP_XLOG_ITEM, "icl_size");
	const struct sbi *s = &x->sb;
	uint32_t ag = ps_be32(f + 4), agbno = ps_be32(f + 8), count = ps_be32(f + 12);
	uint32_t isize = ps_be32(f + 16), length = ps_be32(f + 20), gen = ps_be32(f + 24);
	uint32_t chunk = (64u > s->inopblock ? 64u : s->inopblock) >> s->inopblog;
	if (ag >= s->agcount || !agbno || agbno >= s->agblocks || isize != s->inodesize ||
	    !count || !length || length >= s->agblocks ||
	    (length != chunk && length != s->spino_align) || count >> s->inopblog != length ||
	    (uint64_t)agbno + length > s->agblocks)
		return stop(x, PS_JSTOP_XLOG_ITEM, "icreate");
	uint32_t bpc = s->blocks_per_cluster;
	for (uint32_t j = 0; j < length / bpc; j++) {
		struct bkey *ck = btab_get(&x->cancel, agb_daddr(s, ag, agbno + j * bpc),
					   s->cluster_bbs, false);
		if (ck && ck->used == 1) {
			x->st->cancelled++;
			return RX_OK;
		}
	}
	uint64_t first = (uint64_t)ag << (s->inopblog + s->agblklog) |
			 (uint64_t)agbno << s->inopblog;
	uint64_t base = agb_daddr(s, ag, agbno) * BB;
	uint32_t n = length << s->inopblog;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *di = x->buf;
		memset(di, 0, s->inodesize);
		PS_FIELD_PUT(PS_XDI, di, di_magic, PS_XDI_MAGIC);
		PS_FIELD_PUT(PS_XDI, di, di_version, s->v5 ? 3 : 2);
		PS_FIELD_PUT(PS_XDI, di, di_gen, gen);
		PS_FIELD_PUT(PS_XDI, di, di_next_unlinked, 0xffffffffu);
		if (s->v5) {
			PS_FIELD_PUT(PS_XDI, di, di_ino, first + i);
			PS_FIELD_STORE_BYTES(PS_XDI, di, di_uuid, s->meta_uuid);
			seal(di, s->inodesize, PS_XDI_OFF_di_crc);
		}
		if (ovl_write(x->o, di, s->inodesize, base + (uint64_t)i * s->inodesize))
			return RX_IO;
	}
	x->st->icreate_items++;
	x->st->items++;
	return RX_OK;
}

static int intent_add(struct rx *x, uint16_t type, const struct item *it)
{
	if (it->r[0].len < 16)
		return stop(x, PS_JSTOP_XLOG_ITEM, "intent size");
	if (x->nin == x->capin) {
		size_t nc = x->capin ? x->capin * 2 : 16;
		struct intent *n = realloc(x->in, nc * sizeof(*n));
		if (!n)
			return RX_NOMEM;
		x->in = n;
		x->capin = nc;
	}
	uint8_t *c = malloc(it->r[0].len);
	if (!c)
		return RX_NOMEM;
	memcpy(c, it->r[0].p, it->r[0].len);
	x->in[x->nin++] = (struct intent){ type, ps_le64(it->r[0].p + 8), c, it->r[0].len };
	x->st->items++;
	return RX_OK;
}

static int intent_done(struct rx *x, uint16_t intent_type, const struct item *it)
{
	if (it->r[0].len < 16)
		return stop(x, PS_JSTOP_XLOG_ITEM, "done item size");
	uint64_t id = ps_le64(it->r[0].p + 8);
	for (size_t i = x->nin; i-- > 0;)
		if (x->in[i].type == intent_type && x->in[i].id == id) {
			/* the rest stay in log order: finished in that order */
			free(x->in[i].fmt);
			memmove(x->in + i, x->in + i + 1, (x->nin - i - 1) * sizeof(*x->in));
			x->nin--;
			break;
		}
	x->st->items++;
	return RX_OK;
}

static uint16_t item_type(const struct item *it) { return ps_le16(it->r[0].p); }

/* 0 buffers and icreate, 1 other items, 2 inode buffers, 3 cancels (xfs-log-recovery.md "Item ordering inside one transaction") */
static int item_list(const struct item *it)
{
	uint16_t type = item_type(it);
	if (type == LI_ICREATE)
		return 0;
	if (type != LI_BUF)
		return 1;
	uint16_t fl = it->r[0].len >= 6 ? ps_le16(it->r[0].p + 4) : 0;
	if (fl & BLF_CANCEL)
		return 3;
	if (fl & BLF_INODE_BUF)
		return 2;
	return 0;
}

static int replay_item(struct rx *x, struct trans *t, struct item *it)
{
	uint16_t type = item_type(it);
	switch (type) {
	case LI_BUF: return do_buf(x, t, it);
	case LI_INODE: return do_inode(x, t, it);
	case LI_ICREATE: return do_icreate(x, it);
	case LI_EFI: case LI_RUI: case LI_CUI: case LI_BUI: case LI_ATTRI: case LI_XMI:
		return intent_add(x, type, it);
	case LI_EFD: case LI_RUD: case LI_CUD: case LI_BUD: case LI_ATTRD: case LI_XMD:
		return intent_done(x, (uint16_t)(type - 1), it);
	case LI_DQUOT: case LI_QUOTAOFF:
		x->st->skipped_quota++;
		return RX_OK;
	default:
		return stop(x, PS_JSTOP_XLOG_ITEM, type == LI_IUNLINK ? "item type (iunlink)" : "item type");
	}
}

static int commit(struct rx *x, struct trans *t)
{
	for (size_t i = 0; i < t->nit; i++) {
		struct item *it = &t->it[i];
		if (!it->n || it->r[0].len < 4)
			return stop(x, PS_JSTOP_XLOG_ITEM, "item size");
	}
	if (x->pass == 1) {
		for (size_t i = 0; i < t->nit; i++) {
			struct item *it = &t->it[i];
			if (item_type(it) == LI_BUF && item_list(it) == 3 && it->r[0].len >= 16) {
				struct bkey *k = btab_get(&x->cancel, ps_le64(it->r[0].p + 8),
							  ps_le16(it->r[0].p + 6), true);
				if (!k)
					return RX_NOMEM;
				if (k->used == 2) {
					k->used = 1;
					k->val = 0;
				}
				k->val++;
			}
		}
		return RX_OK;
	}
	for (int list = 0; list < 4; list++) {
		bool rev = list >= 2;
		for (size_t n = 0; n < t->nit; n++) {
			struct item *it = &t->it[rev ? t->nit - 1 - n : n];
			if (item_list(it) != list)
				continue;
			int r = replay_item(x, t, it);
			if (r)
				return r;
		}
	}
	if (!x->st->transactions)
		x->st->lsn_first = t->lsn;
	x->st->lsn_last = t->lsn;
	x->st->transactions++;
	return RX_OK;
}

/* one record's operations (xfs-log-recovery.md "Op header", xfs-log-recovery.md "Assembly") */
static int rec_cb(void *ctx, uint64_t lsn, uint32_t blk, const uint8_t *data, uint32_t len,
		  uint32_t nops)
{
	struct rx *x = ctx;
	x->rec_lsn = lsn;
	x->rec_blk = blk;
	uint32_t off = 0;
	while (off < len && nops) {
		const uint8_t *o = data + off;
		uint32_t tid = ps_be32(o), olen = ps_be32(o + 4);
		uint8_t flags = o[9];
		off += PS_XLOG_OP_HDR;
		const uint8_t *p = data + off;
		off += olen;	/* checked by the walk to lie in the record */
		nops--;
		size_t i;
		for (i = 0; i < x->ntr && x->tr[i].tid != tid; i++)
			;
		if (i == x->ntr) {
			if (!(flags & PS_XLOG_OP_START))
				continue;
			if (x->ntr == x->captr) {
				size_t nc = x->captr ? x->captr * 2 : 8;
				struct trans *n = realloc(x->tr, nc * sizeof(*n));
				if (!n)
					return RX_NOMEM;
				x->tr = n;
				x->captr = nc;
			}
			memset(&x->tr[x->ntr], 0, sizeof(x->tr[0]));
			x->tr[x->ntr].tid = tid;
			x->tr[x->ntr].lsn = lsn;
			x->ntr++;
			continue;
		}
		struct trans *t = &x->tr[i];
		uint8_t fl = flags & (uint8_t)~PS_XLOG_OP_END;
		if (fl & PS_XLOG_OP_WAS_CONT)
			fl &= (uint8_t)~PS_XLOG_OP_CONTINUE;
		int r = RX_OK;
		switch (fl) {
		case 0:
		case PS_XLOG_OP_CONTINUE:
			r = trans_add(x, t, p, olen);
			break;
		case PS_XLOG_OP_WAS_CONT:
			r = trans_cont(x, t, p, olen);
			break;
		case PS_XLOG_OP_COMMIT:
			r = commit(x, t);
			trans_forget(x, i);
			break;
		case PS_XLOG_OP_UNMOUNT:
			trans_forget(x, i);
			break;
		default:
			r = stop(x, PS_JSTOP_XLOG_ITEM, "oh_flags");
		}
		if (r)
			return r;
	}
	return RX_OK;
}

/* ---- after the replay ---- */

/* the buffers replayed: the LSN of their last transaction, and the CRC */
static int reseal(struct rx *x)
{
	for (size_t i = 0; i < x->bufs.cap; i++) {
		struct bkey *b = &x->bufs.v[i];
		if (b->used != 1)
			continue;
		size_t bytes = (size_t)b->len * BB;
		if (ovl_read(x->o, x->buf, bytes, b->blkno * BB))
			return RX_IO;
		struct bkind k;
		if (!block_kind(x, x->buf, bytes, &k))
			continue;
		if (k.per_block) {
			for (size_t off = 0; off + x->sb.blocksize <= bytes; off += x->sb.blocksize)
				if (ps_be32(x->buf + off) == 0x5841524d)
					seal(x->buf + off, x->sb.blocksize, 12);
		} else {
			if (!k.no_lsn)
				ps_put_be64(x->buf + k.lsn_off, b->val);
			seal(x->buf, bytes, (size_t)k.crc_off);
		}
		if (ovl_write(x->o, x->buf, bytes, b->blkno * BB))
			return RX_IO;
	}
	return RX_OK;
}

/* the superblock's counters from the AG headers, as a mount after
 * recovery recomputes them (lazy counters, v5) */
static int sb_counters(struct rx *x)
{
	const struct sbi *s = &x->sb;
	if (!s->v5)
		return RX_OK;
	uint64_t icount = 0, ifree = 0, fdblocks = 0;
	uint8_t h[512];
	for (uint32_t ag = 0; ag < s->agcount; ag++) {
		uint64_t base = agb_daddr(s, ag, 0) * BB;
		if (base + 3ull * s->sectsize > x->sb.fs_bb * BB)
			return RX_OK;
		if (ovl_read(x->o, h, sizeof(h), base + s->sectsize))
			return RX_IO;
		if (ps_be32(h) != 0x58414746)
			return RX_OK;
		fdblocks += (uint64_t)ps_be32(h + 52) + ps_be32(h + 48) + ps_be32(h + 60);
		if (ovl_read(x->o, h, sizeof(h), base + 2ull * s->sectsize))
			return RX_IO;
		if (ps_be32(h) != 0x58414749)
			return RX_OK;
		icount += ps_be32(h + 16);
		ifree += ps_be32(h + 28);
	}
	uint8_t *sb = x->buf;
	if (ovl_read(x->o, sb, s->sectsize, 0))
		return RX_IO;
	if (PS_FIELD_GET(PS_XSB, sb, sb_icount) == icount &&
	    PS_FIELD_GET(PS_XSB, sb, sb_ifree) == ifree &&
	    PS_FIELD_GET(PS_XSB, sb, sb_fdblocks) == fdblocks)
		return RX_OK;
	PS_FIELD_PUT(PS_XSB, sb, sb_icount, icount);
	PS_FIELD_PUT(PS_XSB, sb, sb_ifree, ifree);
	PS_FIELD_PUT(PS_XSB, sb, sb_fdblocks, fdblocks);
	seal(sb, s->sectsize, PS_XSB_OFF_sb_crc);
	return ovl_write(x->o, sb, s->sectsize, 0) ? RX_IO : RX_OK;
}

/* The log made clean in the view: an unmount record at the head, as an
 * unmount after the mount's recovery would leave it; the blocks of a torn
 * record after it get the older cycle. */
static int clean_log(struct rx *x, const struct ps_xfs_log_geom *g,
		     const struct ps_xfs_log_info *info)
{
	uint32_t n = g->size_bb, head = PS_XLOG_BLOCK(info->head_lsn);
	uint32_t cyc = PS_XLOG_CYCLE(info->head_lsn);
	uint32_t unit = g->sect_bb;
	if (g->sunit > 1 && g->sunit / BB > unit)
		unit = g->sunit / BB;
	if (unit > 64)
		unit = 64;
	if (unit < 2)
		unit = 2;
	uint32_t total = (2 + unit - 1) / unit * unit;
	if ((uint64_t)head + total > n || !cyc)
		return RX_OK;	/* a record that would wrap: left as it is */
	uint64_t base = g->start_bb * BB;
	uint8_t *rec = calloc(total, BB);
	if (!rec)
		return RX_NOMEM;
	uint8_t *h = rec, *d = rec + BB;
	ps_put_be32(h, 0xFEEDBABEu);
	ps_put_be32(h + 4, cyc);
	ps_put_be32(h + 8, g->v2 ? 2 : 1);
	ps_put_be32(h + 12, (total - 1) * BB);
	uint64_t lsn = (uint64_t)cyc << 32 | head;
	ps_put_be64(h + 16, lsn);
	ps_put_be64(h + 24, lsn);
	ps_put_be32(h + 36, head);
	ps_put_be32(h + 40, 1);
	ps_put_be32(h + 300, 1);
	memcpy(h + 304, g->uuid, 16);
	ps_put_be32(h + 320, 32768);
	/* the op: tid, 8 bytes, XFS_LOG, UNMOUNT; the "Un" payload */
	ps_put_be32(d, 0xB0C0D0D0u);
	ps_put_be32(d + 4, 8);
	d[8] = 0xAA;
	d[9] = PS_XLOG_OP_UNMOUNT;
	ps_put_le16(d + 12, 0x556e);
	for (uint32_t i = 0; i < total - 1; i++) {
		memcpy(h + 44 + 4 * i, d + (size_t)i * BB, 4);
		ps_put_be32(d + (size_t)i * BB, cyc);
	}
	if (g->v5) {
		uint32_t crc = ps_crc32c(~0u, h, 328);
		crc = ps_crc32c(crc, d, (size_t)(total - 1) * BB);
		ps_put_le32(h + 32, ~crc);
	}
	int r = ovl_write(x->o, rec, (size_t)total * BB, base + (uint64_t)head * BB);
	free(rec);
	if (r)
		return RX_IO;
	/* a torn record after the head: its blocks of this cycle would be
	 * taken for the head; they get the older cycle (0: never written) */
	uint32_t from = head + total, to = info->head_trimmed ? info->found_head_bb : from;
	if (to < from)
		to += n;
	uint8_t z[BB];
	memset(z, 0, sizeof(z));
	if (cyc > 1)
		ps_put_be32(z, cyc - 1);
	for (uint32_t b = from; b < to; b++)
		if (ovl_write(x->o, z, BB, base + (uint64_t)(b % n) * BB))
			return RX_IO;
	x->st->log_cleaned = true;
	return RX_OK;
}

/* the overlay as the unlinked-list pass reads and writes it */
static int iu_rd(void *ctx, uint8_t *buf, size_t len, uint64_t off)
{
	return ovl_read(ctx, buf, len, off);
}
static int iu_wr(void *ctx, const uint8_t *buf, size_t len, uint64_t off)
{
	return ovl_write(ctx, buf, len, off);
}

/* what the mount does after recovery to the inodes on the AGI unlinked
 * lists (xfs_iunlink.c), before the superblock's counters are taken */
static int iunlinks(struct rx *x)
{
	struct ps_xiu_io io = { x->o, iu_rd, iu_wr, NULL };
	int r = ps_xfs_iunlink_process(&io, x->st->lsn_last, x->st);
	return r == PS_ENOMEM ? RX_NOMEM : r ? RX_IO : RX_OK;
}

static int iu_remap(void *ctx, const struct ps_xremap *r)
{
	struct ovl *o = ctx;
	struct ps_xremap *n = realloc(o->rm, (o->nrm + 1) * sizeof(*n));
	if (!n)
		return PS_ENOMEM;
	o->rm = n;
	o->rm[o->nrm++] = *r;
	return PS_OK;
}

size_t ps_xfs_view_remaps(const struct ps_src *s, const struct ps_xremap **v)
{
	for (; s; s = s->parent)
		if (s->ops == &ovl_ops) {
			const struct ovl *o = s->priv;
			*v = o->rm;
			return o->nrm;
		}
	*v = NULL;
	return 0;
}

/* the intents left without their done item, in log order: BUIs finished
 * as the mount finishes them before the unlinked lists (finish set), the
 * rest reported (xfs_intent.c) */
static int intents(struct rx *x, bool finish)
{
	struct ps_xint *v = calloc(x->nin ? x->nin : 1, sizeof(*v));
	if (!v)
		return RX_NOMEM;
	for (size_t i = 0; i < x->nin; i++)
		v[i] = (struct ps_xint){ x->in[i].type, x->in[i].fmt, x->in[i].len };
	struct ps_xiu_io io = { x->o, iu_rd, iu_wr, iu_remap };
	int r = ps_xfs_intents_finish(finish ? &io : NULL, v, x->nin, x->st);
	free(v);
	return r == PS_ENOMEM ? RX_NOMEM : r ? RX_IO : RX_OK;
}

static void rx_free(struct rx *x)
{
	for (size_t i = 0; i < x->ntr; i++)
		trans_free(&x->tr[i]);
	free(x->tr);
	x->tr = NULL;
	x->ntr = x->captr = 0;
	x->held = 0;
}

/* the LSN of the record whose header is at log block blk, or 0 */
static uint64_t rec_lsn_at(struct ps_src *src, const struct ps_xfs_log_geom *g, uint32_t blk)
{
	uint8_t h[24];
	if (blk >= g->size_bb || ps_src_pread(src, h, sizeof(h), (g->start_bb + blk) * BB) ||
	    ps_be32(h) != 0xFEEDBABEu)
		return 0;
	return ps_be64(h + 16);
}

static void journal_base(struct ps_journal *st, const struct ps_xfs_log_info *info)
{
	memset(st, 0, sizeof(*st));
	st->kind = PS_JOURNAL_XFS;
	st->needs_recovery = info->state == PS_XLOG_DIRTY;
	st->log_present = info->state == PS_XLOG_DIRTY;
	st->tail_lsn = info->tail_lsn;
	st->head_lsn = info->head_lsn;
	st->log_start = PS_XLOG_BLOCK(info->tail_lsn);
}

int ps_xfs_journal_replay(struct ps_src *src, const struct ps_xfs_log_geom *g,
			  const struct ps_xfs_log_info *info, struct ps_journal *st,
			  struct ps_src **view)
{
	*view = NULL;
	journal_base(st, info);
	if (info->state != PS_XLOG_DIRTY)
		return PS_OK;
	struct ps_xsb sbuf;
	int rc = ps_xsb_read_src(src, &sbuf);
	if (rc)
		return rc;
	struct rx x;
	memset(&x, 0, sizeof(x));
	x.src = src;
	x.st = st;
	if (sb_parse(&sbuf, &x.sb)) {
		st->stop = PS_JSTOP_XLOG_ITEM;
		st->stop_field = "superblock";
		return PS_OK;
	}
	if (x.sb.log_incompat & ~1u) {
		/* the kernel refuses a log with features it does not know */
		st->bad = PS_JBAD_FEATURES;
		return PS_OK;
	}
	x.o = calloc(1, sizeof(*x.o));
	size_t bufmax = 65535u * BB;
	x.buf = malloc(bufmax);
	if (!x.o || !x.buf) {
		free(x.o);
		free(x.buf);
		return PS_ENOMEM;
	}
	x.o->parent = src;
	x.o->fd = -1;
	/* what a checkpoint can hold: the log itself, at most */
	x.held_max = (uint64_t)g->size_bb * BB + (64u << 20);
	struct ps_xfs_log_info w;
	rc = PS_OK;
	for (x.pass = 1; x.pass <= 2 && !x.stopped; x.pass++) {
		int r = ps_xfs_log_walk(src, g, info, rec_cb, &x, &w);
		if (x.pass == 2)
			st->trans_open = x.ntr;
		rx_free(&x);
		if (r == RX_NOMEM || r == PS_ENOMEM) {
			rc = PS_ENOMEM;
			break;
		}
		if (r == RX_IO) {
			rc = PS_EIO;
			break;
		}
		if (r == PS_EFORMAT) {
			/* a record the kernel refuses: replay stops there */
			x.stopped = true;
			st->stop = PS_JSTOP_XLOG_RECORD;
			st->stop_jblk = w.bad_bb;
			st->stop_lsn = rec_lsn_at(src, g, w.bad_bb);
			st->stop_field = w.bad_field ? w.bad_field : ps_xlog_why_name(w.why);
			st->mount_fails = true;
		}
		if (x.stopped && x.pass == 1) {
			/* the kernel fails in pass 1: nothing replayed */
			break;
		}
	}
	if (!rc && !x.stopped) {
		int r = reseal(&x);
		if (!r)
			r = intents(&x, true);
		if (!r)
			r = iunlinks(&x);
		if (!r)
			r = sb_counters(&x);
		if (!r)
			r = clean_log(&x, g, info);
		if (r)
			rc = r == RX_NOMEM ? PS_ENOMEM : PS_EIO;
	} else if (!rc && x.st->transactions) {
		if (reseal(&x))
			rc = PS_EIO;
	}
	if (!rc && x.stopped && intents(&x, false) == RX_NOMEM)
		rc = PS_ENOMEM;	/* the mount fails: nothing is finished */
	for (size_t i = 0; i < x.nin; i++)
		free(x.in[i].fmt);
	free(x.cancel.v);
	free(x.bufs.v);
	free(x.in);
	free(x.buf);
	if (rc) {
		ovl_free(x.o);
		return rc;
	}
	struct ps_src *v = ps_src_new(&ovl_ops, x.o, src->size, src->name);
	if (!v) {
		ovl_free(x.o);
		return PS_ENOMEM;
	}
	v->parent = src;
	if (st->log_cleaned) {
		/* the clean log as the kernel's head search will see it: a log
		 * inconsistent beyond what recovery reads may still hide the new
		 * head; then the view's log is not called clean */
		struct ps_xfs_log_info li;
		int er = ps_xfs_log_examine(v, g, &li);
		if (er == PS_ENOMEM) {
			ps_src_close(v);
			return PS_ENOMEM;
		}
		if (er || li.state != PS_XLOG_CLEAN)
			st->log_cleaned = false;
	}
	st->replayed = true;
	st->blocks = x.o->hn;
	st->distinct = x.o->hn;
	*view = v;
	return PS_OK;
}

int ps_xfs_journal_open(struct ps_src *src, bool replay, struct ps_journal *st,
			struct ps_src **view, char *err, size_t errlen)
{
	struct ps_xsb sb;
	memset(st, 0, sizeof(*st));
	*view = NULL;
	int r = ps_xsb_read_src(src, &sb);
	if (r == PS_ETRUNC)
		return PS_OK;
	if (r) {
		snprintf(err, errlen, "%s", ps_src_strerror(src, r));
		return r;
	}
	struct ps_xfs_log_geom g;
	const char *bad = NULL;
	r = ps_xfs_log_geom_sb(&sb, &g, &bad);
	if (r == PS_ENOTFOUND || r == PS_ETRUNC)
		return PS_OK;
	struct ps_xfs_log_info info;
	memset(&info, 0, sizeof(info));
	if (r == PS_OK) {
		r = ps_xfs_log_examine(src, &g, &info);
		if (r == PS_ENOMEM) {
			snprintf(err, errlen, "%s: out of memory reading the XFS log", src->name);
			return r;
		}
	}
	journal_base(st, &info);
	if (info.state == PS_XLOG_EXTERNAL) {
		st->bad = PS_JBAD_EXTERNAL;
		return PS_OK;
	}
	if (info.state == PS_XLOG_BAD || r) {
		/* the kernel's mount fails before replaying anything */
		st->needs_recovery = true;
		st->log_present = true;
		st->stop = PS_JSTOP_XLOG_RECORD;
		st->stop_jblk = info.bad_bb;
		if (r == PS_OK)
			st->stop_lsn = rec_lsn_at(src, &g, info.bad_bb);
		st->stop_field = info.bad_field ? info.bad_field :
				 r ? "superblock" : ps_xlog_why_name(info.why);
		st->mount_fails = true;
		return PS_OK;
	}
	if (info.state != PS_XLOG_DIRTY)
		return PS_OK;
	if (!replay) {
		st->ignored = true;
		st->transactions = info.trans;
		return PS_OK;
	}
	r = ps_xfs_journal_replay(src, &g, &info, st, view);
	if (r) {
		if (r == PS_ENOMEM)
			snprintf(err, errlen, "%s: out of memory replaying the XFS log", src->name);
		else
			snprintf(err, errlen, "%s", ps_src_strerror(src, r));
	}
	return r;
}
