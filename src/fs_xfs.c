/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * XFS through libfsxfs (read-only, forensic), reading the image through a
 * libbfio handle of our own over a struct ps_src.
 *
 * libfsxfs 20201117 (Debian 12) gives names, modes, owners, sizes, inode
 * numbers, symlink targets and file content. It has no API for xattrs,
 * link counts or the extent map, and it decodes bigtime timestamps
 * (xfsprogs >= 5.15 default) as legacy ones. So for each inode we also read
 * the on-disk inode core ourselves (struct xfs_dinode, big-endian) and take
 * from it: the times (legacy or bigtime), di_nlink, the data fork extent
 * map (for holes) and short-form xattrs.
 */
#include "fs.h"
#include "be.h"
#include "crc32c.h"
#include "err.h"
#include "le.h"
#include "xfs_dinode.h"
#include "xfs_logrec.h"
#include "xfs_sb.h"
#include "xfs_space.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libbfio.h>
#include <libfsxfs.h>

/* ---- libbfio handle over a ps_src ---- */

struct bio {
	struct ps_src *src;
	uint64_t off;
	int open;
};

static int bio_free(intptr_t **h, libbfio_error_t **e)
{
	(void)e;
	free(*h);
	*h = NULL;
	return 1;
}

static int bio_clone(intptr_t **dst, intptr_t *src, libbfio_error_t **e)
{
	(void)e;
	struct bio *b = malloc(sizeof(*b));
	if (!b)
		return -1;
	memcpy(b, src, sizeof(*b));
	*dst = (intptr_t *)b;
	return 1;
}

static int bio_open(intptr_t *h, int flags, libbfio_error_t **e)
{
	(void)e;
	if (flags & LIBBFIO_ACCESS_FLAG_WRITE)
		return -1;
	((struct bio *)h)->open = 1;
	return 1;
}

static int bio_close(intptr_t *h, libbfio_error_t **e)
{
	(void)e;
	((struct bio *)h)->open = 0;
	return 0;
}

static ssize_t bio_read(intptr_t *h, uint8_t *buf, size_t size, libbfio_error_t **e)
{
	(void)e;
	struct bio *b = (struct bio *)h;
	if (b->off >= b->src->size)
		return 0;
	if (size > b->src->size - b->off)
		size = (size_t)(b->src->size - b->off);
	if (size > SSIZE_MAX)
		size = SSIZE_MAX;
	if (ps_src_pread(b->src, buf, size, b->off) != PS_OK)
		return -1;
	b->off += size;
	return (ssize_t)size;
}

static ssize_t bio_write(intptr_t *h, const uint8_t *buf, size_t size,
			 libbfio_error_t **e)
{
	(void)h; (void)buf; (void)size; (void)e;
	return -1;
}

static off64_t bio_seek(intptr_t *h, off64_t off, int whence, libbfio_error_t **e)
{
	(void)e;
	struct bio *b = (struct bio *)h;
	int64_t base = whence == SEEK_CUR ? (int64_t)b->off :
		       whence == SEEK_END ? (int64_t)b->src->size : 0;
	if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END)
		return -1;
	int64_t n;
	if (__builtin_add_overflow(base, (int64_t)off, &n) || n < 0)
		return -1;
	b->off = (uint64_t)n;
	return (off64_t)n;
}

static int bio_exists(intptr_t *h, libbfio_error_t **e)
{
	(void)h; (void)e;
	return 1;
}

static int bio_is_open(intptr_t *h, libbfio_error_t **e)
{
	(void)e;
	return ((struct bio *)h)->open;
}

static int bio_get_size(intptr_t *h, size64_t *size, libbfio_error_t **e)
{
	(void)e;
	*size = ((struct bio *)h)->src->size;
	return 1;
}

/* ---- the backend ---- */

struct xfs_geo {
	uint32_t blocksize, agblocks, agcount;
	uint16_t inodesize, sectsize;
	uint8_t inopblog, agblklog, dirblklog;
	int crc;		/* a v5 filesystem: metadata has CRCs */
	uint64_t dblocks;
};

struct xfs_priv {
	libbfio_handle_t *bfio;
	libfsxfs_volume_t *vol;
	struct xfs_geo g;
	uint8_t *buf;		/* PS_FS_CHUNK */
	uint8_t *ibuf;		/* one raw inode */
	uint64_t ioff;		/* its device offset */
	uint8_t *dbuf;		/* one directory block (blocksize << dirblklog) */
	struct ps_xfs_space *space;	/* its space maps, read on first use */
};

/* The first line of libfsxfs's message for *e, whole (owned; NULL when
 * there is none or no memory), and *e freed. */
static char *lib_message(libfsxfs_error_t **e)
{
	char *lib = NULL;
	if (!e || !*e)
		return NULL;
	for (size_t n = 1024; n <= ((size_t)1 << 20) && !lib; n *= 4) {
		char *b = malloc(n);
		if (!b)
			break;
		int k = libfsxfs_error_sprint(*e, b, n);
		if (k >= 0 && (size_t)k + 1 < n)
			lib = b;	/* it fitted with room to spare */
		else
			free(b);
	}
	libfsxfs_error_free(e);
	char *nl = lib ? strchr(lib, '\n') : NULL;
	if (nl)
		*nl = 0;
	return lib;
}

static void set_lib_error(struct ps_fs *fs, libfsxfs_error_t **e, const char *fmt,
			  unsigned long long v)
{
	char what[128];
	snprintf(what, sizeof(what), fmt, v);
	char *lib = lib_message(e);
	ps_fs_set_error(fs, "%s: %s: libfsxfs: %s", fs->src->name, what,
			lib && lib[0] ? lib : "failed");
	free(lib);
}

static void xfs_close(struct ps_fs *fs)
{
	struct xfs_priv *p = fs->priv;
	if (!p)
		return;
	if (p->vol) {
		libfsxfs_volume_close(p->vol, NULL);
		libfsxfs_volume_free(&p->vol, NULL);
	}
	if (p->bfio)
		libbfio_handle_free(&p->bfio, NULL);
	free(p->buf);
	free(p->ibuf);
	free(p->dbuf);
	if (p->space)
		ps_xfs_space_free(p->space);
	free(p->space);
	free(p);
}

/* The raw on-disk inode ino into p->ibuf. */
static int raw_inode(struct ps_fs *fs, uint64_t ino)
{
	struct xfs_priv *p = fs->priv;
	const struct xfs_geo *g = &p->g;
	unsigned shift = g->agblklog + g->inopblog;
	uint64_t agno = ino >> shift;
	uint64_t agino = ino & ((1ULL << shift) - 1);
	uint64_t agbno = agino >> g->inopblog;
	uint64_t idx = agino & ((1ULL << g->inopblog) - 1);
	uint64_t off;
	if (agno >= g->agcount || agbno >= g->agblocks ||
	    __builtin_mul_overflow(agno * g->agblocks + agbno, (uint64_t)g->blocksize, &off) ||
	    __builtin_add_overflow(off, idx * g->inodesize, &off)) {
		ps_fs_set_error(fs, "%s: XFS inode %llu outside the filesystem",
				fs->src->name, (unsigned long long)ino);
		return PS_ERANGE;
	}
	if (ps_src_pread(fs->src, p->ibuf, g->inodesize, off) != PS_OK) {
		ps_fs_set_error(fs, "%s", ps_src_error(fs->src));
		return PS_EIO;
	}
	p->ioff = off;
	if (ps_be16(p->ibuf) != 0x494e) {
		ps_fs_set_error(fs, "%s: XFS inode %llu at offset %llu: bad di_magic",
				fs->src->name, (unsigned long long)ino,
				(unsigned long long)off);
		return PS_EFORMAT;
	}
	return PS_OK;
}

#define XFS_DIFLAG2_BIGTIME (1ULL << 3)
#define XFS_DIFLAG2_NREXT64 (1ULL << 4)

/* XFS time: legacy is be32 signed seconds + be32 nanoseconds; bigtime
 * (di_flags2 XFS_DIFLAG2_BIGTIME) is a be64 count of nanoseconds since
 * the bigtime epoch, 2^31 seconds before the Unix epoch. */
static struct ps_ts xfs_time(const uint8_t *p, int bigtime)
{
	struct ps_ts t;
	if (bigtime) {
		uint64_t v = ps_be64(p);
		t.sec = (int64_t)(v / 1000000000ULL) - (1LL << 31);
		t.nsec = (uint32_t)(v % 1000000000ULL);
	} else {
		t.sec = (int32_t)ps_be32(p);
		t.nsec = ps_be32(p + 4);
		if (t.nsec > 999999999)
			t.nsec = 0;
	}
	return t;
}

PS_XDI_FIELDS(PS_FIELD_CHECK, PS_XDI)
#define DI(di, f) PS_FIELD_GET(PS_XDI, di, f)

/* Where the inode's literal area (its forks) starts. */
static size_t lit_off(const uint8_t *di)
{
	return DI(di, di_version) >= 3 ? PS_XDI_SIZE : PS_XDI_V2_SIZE;
}

/* di_flags2: version 3 inodes only. */
static uint64_t di_flags2(const uint8_t *di)
{
	return PS_FIELD_IN(PS_XDI, di_flags2, DI(di, di_version)) ? DI(di, di_flags2) : 0;
}

/* The data fork's extent count, and the attribute fork's. */
static uint64_t di_nextents(const uint8_t *di)
{
	return (di_flags2(di) & XFS_DIFLAG2_NREXT64) ? DI(di, di_big_nextents) :
						       DI(di, di_nextents);
}

static uint32_t di_anextents(const uint8_t *di)
{
	return (uint32_t)((di_flags2(di) & XFS_DIFLAG2_NREXT64) ? DI(di, di_nextents) :
								    DI(di, di_anextents));
}

/* Where the data fork ends: at the attribute fork, or the inode's end. */
static size_t di_fork_end(const uint8_t *di, size_t inodesize)
{
	size_t forkoff = (size_t)DI(di, di_forkoff) * 8;
	return forkoff ? lit_off(di) + forkoff : inodesize;
}

/* ---- xattrs in attribute blocks (attr fork in extents format) ----
 * libfsxfs has no xattr API, so the leaf blocks are read here: from block 0
 * of the attr fork (a leaf, or a da-btree node whose first entries lead
 * down to the leftmost leaf), then along the leaves' forward links. Every
 * block number, count and offset comes from the image and is checked. */

#define XATTR_VALUE_MAX 65536	/* XATTR_SIZE_MAX: no value is longer */

struct afork {
	uint64_t off[64], blk[64], cnt[64];	/* startoff, fsblock, count */
	size_t n;
	uint64_t nblocks;
	int v3;
	uint8_t *b;		/* one block */
	struct ps_fs_stat *st;	/* where a failed CRC is recorded */
};

static int xattr_ns(uint8_t fl, const char **ns)
{
	/* LOCAL (1) and INCOMPLETE (0x80) are not namespaces */
	uint8_t f = fl & (uint8_t)~0x81u;
	*ns = f == 0 ? "user." : f == 2 ? "trusted." : f == 4 ? "security." : NULL;
	return *ns != NULL;
}

/* Byte offset of attr-fork block dablk, or UINT64_MAX. */
static uint64_t afork_byte(const struct xfs_priv *p, const struct afork *af, uint64_t dablk)
{
	const struct xfs_geo *g = &p->g;
	for (size_t i = 0; i < af->n; i++) {
		if (dablk < af->off[i] || dablk - af->off[i] >= af->cnt[i])
			continue;
		uint64_t fsb = af->blk[i] + (dablk - af->off[i]);
		uint64_t agno = fsb >> g->agblklog, agbno = fsb & ((1ULL << g->agblklog) - 1);
		uint64_t off;
		if (agno >= g->agcount || agbno >= g->agblocks ||
		    __builtin_mul_overflow(agno * g->agblocks + agbno,
					   (uint64_t)g->blocksize, &off))
			return UINT64_MAX;
		return off;
	}
	return UINT64_MAX;
}

static int afork_read(struct ps_fs *fs, const struct afork *af, uint64_t dablk)
{
	struct xfs_priv *p = fs->priv;
	uint64_t off = afork_byte(p, af, dablk);
	if (off == UINT64_MAX || ps_src_pread(fs->src, af->b, p->g.blocksize, off) != PS_OK)
		return -1;
	/* v5: attr3 leaf and da3 node (blkinfo magic at 8) and each block of
	 * a remote value (XARM) carry a CRC at 12 over the block; a block of
	 * another kind is the parser's to reject */
	uint16_t m = ps_be16(af->b + 8);
	if (p->g.crc && (!memcmp(af->b, "XARM", 4) || m == 0x3bee || m == 0x3ebe) &&
	    !ps_xfs_crc_ok(af->b, p->g.blocksize, 12))
		ps_fs_csum_fail(fs, af->st, PS_CSUM_XATTR, off);
	return 0;
}

/* A remote value of len bytes starting at attr-fork block dablk into v. */
static int remote_value(struct ps_fs *fs, const struct afork *af, uint64_t dablk,
			uint8_t *v, size_t len)
{
	struct xfs_priv *p = fs->priv;
	size_t hdr = af->v3 ? 56 : 0, per = p->g.blocksize - hdr, got = 0;
	while (got < len) {
		if (afork_read(fs, af, dablk))
			return -1;
		if (af->v3 && memcmp(af->b, "XARM", 4))
			return -1;
		size_t k = len - got < per ? len - got : per;
		memcpy(v + got, af->b + hdr, k);
		got += k;
		dablk++;
	}
	return 0;
}

#define NOTE(...) do { st->xattrs_incomplete = 1; \
	snprintf(st->note, sizeof(st->note), __VA_ARGS__); } while (0)

/* One leaf block (in af->b, copied to leaf): its entries into st. */
static int leaf_xattrs(struct ps_fs *fs, struct afork *af, const uint8_t *leaf,
		       struct ps_fs_stat *st)
{
	struct xfs_priv *p = fs->priv;
	size_t bs = p->g.blocksize, hdr = af->v3 ? 80 : 32;
	size_t cnt = ps_be16(leaf + (af->v3 ? 56 : 12));
	if (hdr + cnt * 8 > bs)
		return -1;
	for (size_t i = 0; i < cnt; i++) {
		const uint8_t *e = leaf + hdr + i * 8;
		size_t ni = ps_be16(e + 4);
		uint8_t fl = e[6];
		if (fl & 0x80)		/* INCOMPLETE: a set that never finished */
			continue;
		const char *ns;
		const uint8_t *name, *val;
		size_t nl, vl;
		uint8_t *rv = NULL;
		if (fl & 1) {		/* local: valuelen, namelen, name, value */
			if (ni + 3 > bs)
				return -1;
			vl = ps_be16(leaf + ni);
			nl = leaf[ni + 2];
			name = leaf + ni + 3;
			val = name + nl;
			if (ni + 3 + nl + vl > bs)
				return -1;
		} else {		/* remote: valueblk, valuelen, namelen, name */
			if (ni + 9 > bs)
				return -1;
			uint64_t vb = ps_be32(leaf + ni);
			vl = ps_be32(leaf + ni + 4);
			nl = leaf[ni + 8];
			name = leaf + ni + 9;
			if (ni + 9 + nl > bs || vl > XATTR_VALUE_MAX)
				return -1;
			rv = malloc(vl ? vl : 1);
			if (!rv)
				return PS_ENOMEM;
			if (remote_value(fs, af, vb, rv, vl)) {
				free(rv);
				NOTE("xattr value in remote attribute blocks unreadable");
				continue;
			}
			val = rv;
		}
		char full[300];
		if (!xattr_ns(fl, &ns)) {
			NOTE("xattr with namespace flags 0x%x skipped", fl);
		} else if (nl && !memchr(name, 0, nl)) {
			int n = snprintf(full, sizeof(full), "%s%.*s", ns, (int)nl,
					 (const char *)name);
			if (!strncmp(full, "trusted.SGI_ACL_", 16)) {
				NOTE("XFS ACL (%.40s) not converted", full + 8);
			} else if (ps_fs_stat_add_xattr(st, full, (size_t)n, val, vl)) {
				free(rv);
				return PS_ENOMEM;
			}
		}
		free(rv);
	}
	return 0;
}

static void block_xattrs(struct ps_fs *fs, const uint8_t *di, size_t a, uint32_t anext,
			 struct ps_fs_stat *st)
{
	struct xfs_priv *p = fs->priv;
	size_t isz = p->g.inodesize, bs = p->g.blocksize;
	struct afork af = { .v3 = DI(di, di_version) >= 3, .st = st };
	if (anext > sizeof(af.off) / sizeof(af.off[0]) || a + (size_t)anext * 16 > isz) {
		NOTE("attribute fork of %u extents: xattrs not read", anext);
		return;
	}
	for (uint32_t i = 0; i < anext; i++) {
		uint64_t l0 = ps_be64(di + a + i * 16), l1 = ps_be64(di + a + i * 16 + 8);
		af.off[af.n] = (l0 & ((1ULL << 63) - 1)) >> 9;
		af.blk[af.n] = ((l0 & 0x1ff) << 43) | (l1 >> 21);
		af.cnt[af.n] = l1 & ((1ULL << 21) - 1);
		af.nblocks += af.cnt[af.n];
		af.n++;
	}
	uint8_t *leaf = malloc(bs);
	af.b = malloc(bs);
	if (!leaf || !af.b) {
		NOTE("xattrs not read: out of memory");
		goto out;
	}
	uint16_t leafm = af.v3 ? 0x3bee : 0xfbee, nodem = af.v3 ? 0x3ebe : 0xfebe;
	size_t nhdr = af.v3 ? 64 : 16;
	uint64_t blk = 0, steps = 0;
	/* down the first entries of the da-btree to the leftmost leaf */
	for (;;) {
		if (steps++ > 8 || afork_read(fs, &af, blk))
			goto bad;
		uint16_t m = ps_be16(af.b + 8);
		if (m == leafm)
			break;
		if (m != nodem || ps_be16(af.b + nhdr - (af.v3 ? 8 : 4)) == 0)
			goto bad;
		blk = ps_be32(af.b + nhdr + 4);	/* entry 0: hashval, before */
	}
	/* along the leaves: forw links, at most as many as the fork's blocks */
	for (steps = 0; ; steps++) {
		if (steps > af.nblocks || ps_be16(af.b + 8) != leafm)
			goto bad;
		memcpy(leaf, af.b, bs);
		int r = leaf_xattrs(fs, &af, leaf, st);
		if (r == PS_ENOMEM) {
			NOTE("xattrs not read: out of memory");
			goto out;
		}
		if (r)
			goto bad;
		uint64_t forw = ps_be32(leaf);
		if (!forw)
			break;
		if (afork_read(fs, &af, forw))
			goto bad;
	}
	goto out;
bad:
	NOTE("attribute blocks corrupt or unreadable: xattrs not all read");
out:
	free(leaf);
	free(af.b);
}

static void short_xattrs(struct ps_fs *fs, const uint8_t *di, struct ps_fs_stat *st)
{
	struct xfs_priv *p = fs->priv;
	size_t isz = p->g.inodesize, lo = lit_off(di);
	uint8_t forkoff = DI(di, di_forkoff), aformat = DI(di, di_aformat);
	uint32_t anext = di_anextents(di);
	if (!forkoff)
		return;
	/* an attr fork set up at create time but never used (no extents) */
	if (aformat == 2 && anext == 0)
		return;
	size_t a = lo + (size_t)forkoff * 8;
	if (aformat == 2) {	/* extents: leaf or node attribute blocks */
		block_xattrs(fs, di, a, anext, st);
		return;
	}
	if (aformat != 1) {
		st->xattrs_incomplete = 1;
		snprintf(st->note, sizeof(st->note),
			 "xattrs stored in attribute blocks (di_aformat %u): not read (only short-form xattrs are supported)",
			 aformat);
		return;
	}
	if (a + 4 > isz)
		goto bad;
	size_t tot = ps_be16(di + a), cnt = di[a + 2];
	if (tot < 4 || a + tot > isz)
		goto bad;
	size_t q = a + 4, end = a + tot;
	for (size_t i = 0; i < cnt; i++) {
		if (q + 3 > end)
			goto bad;
		size_t nl = di[q], vl = di[q + 1];
		uint8_t fl = di[q + 2];
		if (q + 3 + nl + vl > end)
			goto bad;
		const char *ns = (fl & 2) ? "trusted." : (fl & 4) ? "security." :
				 (fl & ~1) ? NULL : "user.";
		char name[300];
		if (ns && nl && !memchr(di + q + 3, 0, nl)) {
			int n = snprintf(name, sizeof(name), "%s%.*s", ns, (int)nl,
					 (const char *)di + q + 3);
			if (!strncmp(name, "trusted.SGI_ACL_", 16)) {
				st->xattrs_incomplete = 1;
				snprintf(st->note, sizeof(st->note),
					 "XFS ACL (%.40s) not converted", name + 8);
			} else if (ps_fs_stat_add_xattr(st, name, (size_t)n,
							di + q + 3 + nl, vl)) {
				return;
			}
		} else if (!ns) {
			st->xattrs_incomplete = 1;
			snprintf(st->note, sizeof(st->note),
				 "xattr with namespace flags 0x%x skipped", fl);
		}
		q += 3 + nl + vl;
	}
	return;
bad:
	st->xattrs_incomplete = 1;
	snprintf(st->note, sizeof(st->note), "short-form xattr fork corrupt");
}

/* ---- checksums of v5 metadata (docs/cli.md "extract") ----
 * libfsxfs reads without looking at CRCs, and so do the readers above;
 * here every CRC an inode owns is checked (crc32c, crc32c.h; offsets in
 * xfs-log-recovery.md "CRC recomputation table (v5)"): the inode, the bmbt blocks of
 * a fork in btree format, directory blocks, remote symlink blocks. Attr
 * blocks are checked as they are read (afork_read). A mismatch is
 * recorded in the stat (ps_fs_csum_fail), the reading goes on. */

/* Byte offset of filesystem block fsb, or UINT64_MAX outside the fs. */
static uint64_t fsb_byte(const struct xfs_geo *g, uint64_t fsb)
{
	uint64_t agno = fsb >> g->agblklog, agbno = fsb & ((1ULL << g->agblklog) - 1);
	uint64_t off;
	if (agno >= g->agcount || agbno >= g->agblocks ||
	    __builtin_mul_overflow(agno * g->agblocks + agbno, (uint64_t)g->blocksize, &off))
		return UINT64_MAX;
	return off;
}

struct xext {
	uint64_t off, blk, cnt;		/* startoff, fsblock, count */
};

struct xexts {
	struct xext *v;
	size_t n, cap;
	int lost;			/* some not kept (memory, the cap) */
};

#define XEXTS_MAX (1u << 20)

static void xexts_add(struct xexts *x, const uint8_t *rec)
{
	uint64_t l0 = ps_be64(rec), l1 = ps_be64(rec + 8);
	if (!x || (l0 >> 63))		/* unwritten: nothing there to check */
		return;
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 16;
		struct xext *v = cap <= XEXTS_MAX ? realloc(x->v, cap * sizeof(*v)) : NULL;
		if (!v) {
			x->lost = 1;
			return;
		}
		x->v = v;
		x->cap = cap;
	}
	x->v[x->n++] = (struct xext){ (l0 & ((1ULL << 63) - 1)) >> 9,
				      ((l0 & 0x1ff) << 43) | (l1 >> 21),
				      l1 & ((1ULL << 21) - 1) };
}

/* A bmbt block (long-form btree, v5 header of 72 bytes, CRC at 64) and
 * what it leads to; leaf records into x (may be NULL: only checked). */
static void bmbt_block(struct ps_fs *fs, uint64_t fsb, unsigned depth, struct xexts *x,
		       struct ps_fs_stat *st, uint64_t *budget)
{
	struct xfs_priv *p = fs->priv;
	size_t bs = p->g.blocksize, maxrecs = (bs - 72) / 16;
	if (depth > 9 || !*budget)
		return;
	(*budget)--;
	uint64_t off = fsb_byte(&p->g, fsb);
	uint8_t *b = malloc(bs);
	if (!b) {
		if (x)
			x->lost = 1;
		return;
	}
	if (off == UINT64_MAX || ps_src_pread(fs->src, b, bs, off) != PS_OK ||
	    memcmp(b, "BMA3", 4) || !ps_xfs_crc_ok(b, bs, 64)) {
		ps_fs_csum_fail(fs, st, PS_CSUM_EXTENT, off == UINT64_MAX ? 0 : off);
		if (off == UINT64_MAX || memcmp(b, "BMA3", 4))
			goto out;	/* nothing to follow */
	}
	size_t level = ps_be16(b + 4), n = ps_be16(b + 6);
	if (n > maxrecs)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (level == 0)
			xexts_add(x, b + 72 + i * 16);
		else
			bmbt_block(fs, ps_be64(b + 72 + maxrecs * 8 + i * 8), depth + 1, x,
				   st, budget);
	}
out:
	free(b);
}

/* The extents of the fork at di + a (fsz bytes, format fmt): in-inode
 * records, or the bmbt walked from its root in the inode. */
static void fork_extents(struct ps_fs *fs, const uint8_t *di, size_t a, size_t fsz,
			 uint8_t fmt, uint64_t nex, struct xexts *x, struct ps_fs_stat *st)
{
	struct xfs_priv *p = fs->priv;
	if (fmt == 2) {
		for (uint64_t i = 0; i < nex && (i + 1) * 16 <= fsz; i++)
			xexts_add(x, di + a + i * 16);
	} else if (fmt == 3 && fsz >= 4) {
		size_t n = ps_be16(di + a + 2), maxrecs = (fsz - 4) / 16;
		/* a bmbt block read at most once in a sane tree; a looping
		 * one is cut at 2^18 blocks (a file of 2^26 extents) */
		uint64_t budget = p->g.dblocks < (1u << 18) ? p->g.dblocks : (1u << 18);
		for (size_t i = 0; i < n && i < maxrecs; i++)
			bmbt_block(fs, ps_be64(di + a + 4 + maxrecs * 8 + i * 8), 0, x, st,
				   &budget);
	}
}

/* The block at logical fs block l of the fork, or UINT64_MAX. */
static uint64_t xexts_find(const struct xexts *x, uint64_t l)
{
	size_t lo = 0, hi = x->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct xext *e = &x->v[mid];
		if (l < e->off)
			hi = mid;
		else if (l - e->off >= e->cnt)
			lo = mid + 1;
		else
			return e->blk + (l - e->off);
	}
	return UINT64_MAX;
}

static int xext_cmp(const void *a, const void *b)
{
	const struct xext *x = a, *y = b;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* Every directory block of a directory in block, leaf or node form: data,
 * block and free blocks (XDB3, XDD3, XDF3: CRC at 4), leaf and node
 * blocks (da3 blkinfo magic at 8: CRC at 12), each over the whole
 * directory block (blocksize << dirblklog, perhaps in several extents). */
static void csum_dir(struct ps_fs *fs, struct xexts *x, struct ps_fs_stat *st)
{
	struct xfs_priv *p = fs->priv;
	size_t bs = p->g.blocksize;
	uint64_t per = 1ULL << p->g.dirblklog, done = 0;
	int any = 0;
	if (x->n)	/* (qsort takes no NULL, even for none) */
		qsort(x->v, x->n, sizeof(*x->v), xext_cmp);
	for (size_t i = 0; i < x->n; i++) {
		const struct xext *e = &x->v[i];
		for (uint64_t d = e->off & ~(per - 1); d < e->off + e->cnt; d += per) {
			if (any && d <= done)
				continue;
			any = 1;
			done = d;
			uint64_t first = UINT64_MAX;
			int whole = 1;
			for (uint64_t k = 0; k < per && whole; k++) {
				uint64_t fsb = xexts_find(x, d + k);
				uint64_t off = fsb == UINT64_MAX ? UINT64_MAX : fsb_byte(&p->g, fsb);
				if (off == UINT64_MAX ||
				    ps_src_pread(fs->src, p->dbuf + k * bs, bs, off) != PS_OK)
					whole = 0;
				else if (!k)
					first = off;
			}
			if (!whole)
				continue;	/* a hole or beyond: the reader's to say */
			size_t dbs = (size_t)(per * bs);
			uint32_t m32 = ps_be32(p->dbuf);
			uint16_t m16 = ps_be16(p->dbuf + 8);
			int ok;
			if (m32 == 0x58444233 || m32 == 0x58444433 || m32 == 0x58444633)
				ok = ps_xfs_crc_ok(p->dbuf, dbs, 4);
			else if (m16 == 0x3df1 || m16 == 0x3dff || m16 == 0x3ebe)
				ok = ps_xfs_crc_ok(p->dbuf, dbs, 12);
			else
				ok = 0;		/* no v5 directory block at all */
			if (!ok)
				ps_fs_csum_fail(fs, st, PS_CSUM_DIR, first);
		}
	}
}

/* A remote symlink's blocks (v5): each extent of the data fork is one
 * buffer that starts with a 56-byte header, magic XSLM, the offset and
 * length of the piece of the target it holds (be32 at 4 and 8), its CRC
 * at 12 over the whole extent, the owning inode at 32; the piece runs on
 * across the extent's blocks (measured: a 1000-byte target in one 2-block
 * extent of a 1 KiB-block filesystem has one header, sl_bytes 1000).
 * libfsxfs 20201117 reads the header as the target ("XSLM..."), so the
 * target is read here, each piece checked against its header: a CRC that
 * fails is recorded and the piece used as it is; an extent that is no
 * piece of this inode's target (magic, owner, offset, length) ends the
 * target there, and the inode is marked. */
#define XFS_SYMLINK_MAXLEN 1024u
#define XFS_SYMLINK_HDR 56u
static void remote_symlink(struct ps_fs *fs, struct xexts *x, uint64_t ino, uint64_t size,
			   struct ps_fs_stat *st)
{
	struct xfs_priv *p = fs->priv;
	size_t bs = p->g.blocksize;
	/* the most blocks one piece can need, header included */
	uint64_t maxblk = (XFS_SYMLINK_MAXLEN + XFS_SYMLINK_HDR + bs - 1) / bs;
	if (size == 0 || size > XFS_SYMLINK_MAXLEN)
		return;
	char *t = calloc(1, (size_t)size + 1);
	uint8_t *b = malloc((size_t)(maxblk * bs));
	if (!t || !b) {
		free(t);
		free(b);
		return;
	}
	size_t have = 0;
	uint64_t bad_off = 0;
	if (x->n)	/* (qsort takes no NULL, even for none) */
		qsort(x->v, x->n, sizeof(*x->v), xext_cmp);
	for (size_t i = 0; i < x->n && have < size; i++) {
		const struct xext *e = &x->v[i];
		uint64_t off = fsb_byte(&p->g, e->blk);
		size_t len = (size_t)(e->cnt * bs);
		if (off == UINT64_MAX || e->cnt == 0 || e->cnt > maxblk ||
		    ps_src_pread(fs->src, b, len, off) != PS_OK) {
			bad_off = off == UINT64_MAX ? 0 : off;
			break;
		}
		uint32_t poff = ps_be32(b + 4), plen = ps_be32(b + 8);
		if (!ps_xfs_crc_ok(b, len, 12))
			ps_fs_csum_fail(fs, st, PS_CSUM_SYMLINK, off);
		if (memcmp(b, "XSLM", 4) || ps_be64(b + 32) != ino || poff != have ||
		    plen == 0 || plen > len - XFS_SYMLINK_HDR || plen > size - have) {
			bad_off = off;
			break;
		}
		memcpy(t + have, b + XFS_SYMLINK_HDR, plen);
		have += plen;
	}
	if (have < size) {
		/* what could not be read stays out of the target: a shorter
		 * target, never the header's bytes */
		ps_fs_csum_fail(fs, st, PS_CSUM_SYMLINK, bad_off);
		snprintf(st->note, sizeof(st->note),
			 "symlink target: %zu of its %llu bytes readable", have,
			 (unsigned long long)size);
	}
	t[have] = 0;
	free(b);
	free(st->symlink);
	st->symlink = t;
	st->symlink_len = strlen(t);
}

/* The CRCs of the inode in p->ibuf and of what its forks hold. */
static void csum_inode(struct ps_fs *fs, uint32_t mode, struct ps_fs_stat *st)
{
	struct xfs_priv *p = fs->priv;
	const uint8_t *di = p->ibuf;
	size_t isz = p->g.inodesize, lo = lit_off(di);
	if (!p->g.crc)
		return;
	if (DI(di, di_version) < 3 || !ps_xfs_crc_ok(di, isz, PS_XDI_OFF_di_crc))
		ps_fs_csum_fail(fs, st, PS_CSUM_INODE, p->ioff);
	if (DI(di, di_version) < 3)
		return;		/* no v3 inode core: its forks are not to be trusted either */
	size_t forkoff = (size_t)DI(di, di_forkoff) * 8;
	if (lo + forkoff > isz)
		return;
	size_t dsz = forkoff ? forkoff : isz - lo;
	uint64_t nex = di_nextents(di);
	unsigned type = mode & 0170000;
	struct xexts x = { 0 };
	int want = type == 0040000 || type == 0120000;
	fork_extents(fs, di, lo, dsz, DI(di, di_format), nex, want ? &x : NULL, st);
	if (type == 0040000)
		csum_dir(fs, &x, st);
	else if (type == 0120000 && DI(di, di_format) == 2)	/* remote: the target is in blocks */
		remote_symlink(fs, &x, st->ino, DI(di, di_size), st);
	free(x.v);
	if (forkoff && DI(di, di_aformat) == 3)	/* attr fork in btree form: its bmbt */
		fork_extents(fs, di, lo + forkoff, isz - lo - forkoff, 3, 0, NULL, st);
}

static int get_entry(struct ps_fs *fs, uint64_t ino, libfsxfs_file_entry_t **fe)
{
	struct xfs_priv *p = fs->priv;
	libfsxfs_error_t *e = NULL;
	*fe = NULL;
	if (libfsxfs_volume_get_file_entry_by_inode(p->vol, ino, fe, &e) != 1) {
		set_lib_error(fs, &e, "inode %llu", (unsigned long long)ino);
		return PS_EIO;
	}
	return PS_OK;
}

static int xfs_stat(struct ps_fs *fs, uint64_t ino, struct ps_fs_stat *st)
{
	struct xfs_priv *p = fs->priv;
	libfsxfs_file_entry_t *fe;
	libfsxfs_error_t *e = NULL;
	int r = get_entry(fs, ino, &fe);
	if (r)
		return r;
	uint16_t mode = 0;
	uint32_t uid = 0, gid = 0;
	size64_t size = 0;
	if (libfsxfs_file_entry_get_file_mode(fe, &mode, &e) != 1 ||
	    libfsxfs_file_entry_get_owner_identifier(fe, &uid, &e) != 1 ||
	    libfsxfs_file_entry_get_group_identifier(fe, &gid, &e) != 1 ||
	    libfsxfs_file_entry_get_size(fe, &size, &e) != 1) {
		set_lib_error(fs, &e, "inode %llu", (unsigned long long)ino);
		r = PS_EIO;
		goto out;
	}
	st->ino = ino;
	st->mode = mode;
	st->uid = uid;
	st->gid = gid;
	st->size = size;
	if ((mode & 0170000) == 0120000) {
		size_t n = 0;
		if (libfsxfs_file_entry_get_utf8_symbolic_link_target_size(fe, &n, &e) != 1 ||
		    n == 0 || n > 4097) {
			set_lib_error(fs, &e, "inode %llu: symlink target", (unsigned long long)ino);
			r = PS_EIO;
			goto out;
		}
		st->symlink = calloc(1, n + 1);
		if (!st->symlink) {
			r = PS_ENOMEM;
			goto out;
		}
		if (libfsxfs_file_entry_get_utf8_symbolic_link_target(fe, (uint8_t *)st->symlink,
								      n, &e) != 1) {
			set_lib_error(fs, &e, "inode %llu: symlink target", (unsigned long long)ino);
			r = PS_EIO;
			goto out;
		}
		st->symlink_len = strlen(st->symlink);
	}
	/* What libfsxfs does not give: from the on-disk inode core. */
	r = raw_inode(fs, ino);
	if (r)
		goto out;
	const uint8_t *di = p->ibuf;
	csum_inode(fs, mode, st);
	int v3 = DI(di, di_version) >= 3;
	int big = (di_flags2(di) & XFS_DIFLAG2_BIGTIME) != 0;
	st->nlink = DI(di, di_version) == 1 ? DI(di, di_onlink) : DI(di, di_nlink);
	st->atime = xfs_time(PS_FIELD_PTR(PS_XDI, di, di_atime), big);
	st->mtime = xfs_time(PS_FIELD_PTR(PS_XDI, di, di_mtime), big);
	st->ctime = xfs_time(PS_FIELD_PTR(PS_XDI, di, di_ctime), big);
	if (v3) {
		st->has_crtime = 1;
		st->crtime = xfs_time(PS_FIELD_PTR(PS_XDI, di, di_crtime), big);
	}
	if ((mode & 0170000) == 0020000 || (mode & 0170000) == 0060000) {
		/* data fork holds the xfs_dev_t: sysv-style 14-bit major, 18-bit minor */
		uint32_t d = ps_be32(di + lit_off(di));
		st->rdev_major = d >> 18;
		st->rdev_minor = d & 0x3ffff;
	}
	short_xattrs(fs, di, st);
out:
	libfsxfs_file_entry_free(&fe, NULL);
	return r;
}

static int xfs_readdir(struct ps_fs *fs, uint64_t dir, ps_fs_dir_cb cb, void *ctx)
{
	libfsxfs_file_entry_t *fe;
	libfsxfs_error_t *e = NULL;
	int r = get_entry(fs, dir, &fe);
	if (r)
		return r;
	int n = 0;
	if (libfsxfs_file_entry_get_number_of_sub_file_entries(fe, &n, &e) != 1) {
		set_lib_error(fs, &e, "directory inode %llu", (unsigned long long)dir);
		libfsxfs_file_entry_free(&fe, NULL);
		return PS_EIO;
	}
	for (int i = 0; i < n && !r; i++) {
		libfsxfs_file_entry_t *sub = NULL;
		uint64_t ino = 0;
		size_t len = 0;
		uint8_t name[1024];
		if (libfsxfs_file_entry_get_sub_file_entry_by_index(fe, i, &sub, &e) != 1 ||
		    libfsxfs_file_entry_get_inode_number(sub, &ino, &e) != 1 ||
		    libfsxfs_file_entry_get_utf8_name_size(sub, &len, &e) != 1 ||
		    len == 0 || len > sizeof(name) ||
		    libfsxfs_file_entry_get_utf8_name(sub, name, len, &e) != 1) {
			set_lib_error(fs, &e, "directory inode %llu: entry", (unsigned long long)dir);
			r = PS_EIO;
		} else {
			name[len - 1] = 0;
			size_t nl = strlen((char *)name);
			if (!(nl == 1 && name[0] == '.') && !(nl == 2 && !memcmp(name, "..", 2)))
				r = cb(ctx, (char *)name, nl, ino);
		}
		libfsxfs_file_entry_free(&sub, NULL);
	}
	libfsxfs_file_entry_free(&fe, NULL);
	return r == PS_FS_STOP ? PS_OK : r;
}

struct xread {
	struct ps_fs *fs;
	libfsxfs_file_entry_t *fe;
	const struct ps_fs_stat *st;
	ps_fs_data_cb cb;
	void *ctx;
};

/* The mapping changes of a replayed log done in the read view only
 * (src/xfs_intent.c: a BUI whose on-disk bmbt change needs a block the
 * kernel allocates): laid over [off, off + len) of inode ino's data in buf,
 * in the order they were made. */
static int remap_range(struct ps_fs *fs, uint64_t ino, uint8_t *buf, uint64_t off, size_t len)
{
	struct xfs_priv *p = fs->priv;
	const struct ps_xremap *v;
	size_t n = ps_xfs_view_remaps(fs->src, &v);
	uint64_t bs = p->g.blocksize;
	for (size_t i = 0; i < n; i++) {
		const struct ps_xremap *r = &v[i];
		if (r->ino != ino || r->off > UINT64_MAX / bs || r->len > UINT64_MAX / bs - r->off)
			continue;
		uint64_t a = r->off * bs, b = (r->off + r->len) * bs;
		uint64_t lo = a > off ? a : off, hi = b < off + len ? b : off + len;
		if (lo >= hi)
			continue;
		uint8_t *d = buf + (lo - off);
		if (!r->map || r->unwritten) {
			memset(d, 0, (size_t)(hi - lo));
			continue;
		}
		uint64_t ag = r->start >> p->g.agblklog, agbno = r->start & ((1ull << p->g.agblklog) - 1);
		uint64_t at = ((ag * p->g.agblocks + agbno) * bs) + (lo - a);
		int rc = ps_src_pread(fs->src, d, (size_t)(hi - lo), at);
		if (rc) {
			ps_fs_set_error(fs, "%s: XFS inode %llu: reading the blocks a log intent maps",
					fs->src->name, (unsigned long long)ino);
			return rc;
		}
	}
	return PS_OK;
}

static bool has_remaps(const struct ps_fs *fs, uint64_t ino)
{
	const struct ps_xremap *v;
	size_t n = ps_xfs_view_remaps(fs->src, &v);
	for (size_t i = 0; i < n; i++)
		if (v[i].ino == ino)
			return true;
	return false;
}

/* Read [off, end) through libfsxfs and hand it on; with skip_zero, blocks
 * of zeros are left out (become holes), for files whose map we lack. */
static int read_range(struct xread *x, uint64_t off, uint64_t end, int skip_zero)
{
	struct xfs_priv *p = x->fs->priv;
	uint32_t bs = p->g.blocksize;
	while (off < end) {
		size_t len = end - off < PS_FS_CHUNK ? (size_t)(end - off) : PS_FS_CHUNK;
		libfsxfs_error_t *e = NULL;
		ssize_t n = libfsxfs_file_entry_read_buffer_at_offset(x->fe, p->buf, len,
								      (off64_t)off, &e);
		if (n != (ssize_t)len) {
			set_lib_error(x->fs, &e, "inode %llu: reading content",
				      (unsigned long long)x->st->ino);
			return PS_EIO;
		}
		int rr = remap_range(x->fs, x->st->ino, p->buf, off, len);
		if (rr)
			return rr;
		if (!skip_zero) {
			int r = x->cb(x->ctx, off, p->buf, len);
			if (r)
				return r;
		} else {
			size_t i = 0;
			while (i < len) {
				size_t j = i;
				while (j < len && ps_is_zero(p->buf + j, len - j < bs ? len - j : bs))
					j += bs;
				i = j;
				while (j < len && !ps_is_zero(p->buf + j, len - j < bs ? len - j : bs))
					j += bs;
				if (j > len)
					j = len;
				if (j > i) {
					int r = x->cb(x->ctx, off + i, p->buf + i, j - i);
					if (r)
						return r;
				}
				i = j;
			}
		}
		off += len;
	}
	return PS_OK;
}

static int xfs_walk(struct ps_fs *fs, const struct ps_fs_stat *st,
		    ps_fs_data_cb cb, void *ctx, int map_only)
{
	struct xfs_priv *p = fs->priv;
	if ((st->mode & 0170000) != 0100000) {
		ps_fs_set_error(fs, "%s: inode %llu is not a regular file",
				fs->src->name, (unsigned long long)st->ino);
		return PS_EINVAL;
	}
	int r = raw_inode(fs, st->ino);
	if (r)
		return r;
	const uint8_t *di = p->ibuf;
	uint8_t fmt = DI(di, di_format);
	uint64_t nex = di_nextents(di);
	size_t lo = lit_off(di), fork_end = di_fork_end(di, p->g.inodesize);
	/* copy the extent list out of p->ibuf: reading goes through libfsxfs */
	uint8_t recs[2048];	/* in-inode extents of inodes up to 2 KiB */
	size_t nrec = 0;
	if (fmt == 2 && nex <= (fork_end - lo) / 16 && nex * 16 <= sizeof(recs)) {
		nrec = (size_t)nex;
		memcpy(recs, di + lo, nrec * 16);
	} else if (fmt == 2) {
		fmt = 3;	/* implausible count: read it all */
	}
	if (fmt == 2 && has_remaps(fs, st->ino))
		fmt = 3;	/* its map changed in the read view: read it all */
	if (map_only && fmt != 2) {	/* no map at hand: all of it */
		r = st->size ? cb(ctx, 0, NULL, (size_t)st->size) : PS_OK;
		return r == PS_FS_STOP ? PS_OK : r;
	}
	struct xread x = { fs, NULL, st, cb, ctx };
	r = map_only ? PS_OK : get_entry(fs, st->ino, &x.fe);
	if (r)
		return r;
	uint64_t size = st->size, bs = p->g.blocksize;
	if (fmt == 2) {
		uint64_t next = 0;
		for (size_t i = 0; i < nrec && !r; i++) {
			uint64_t l0 = ps_be64(recs + i * 16), l1 = ps_be64(recs + i * 16 + 8);
			int unwritten = (int)(l0 >> 63);
			uint64_t soff = (l0 & ((1ULL << 63) - 1)) >> 9;
			uint64_t cnt = l1 & ((1ULL << 21) - 1);
			if (soff < next || soff > UINT64_MAX / bs) {
				ps_fs_set_error(fs, "%s: XFS inode %llu: extent %zu out of order (corrupt data fork)",
						fs->src->name, (unsigned long long)st->ino, i);
				r = PS_EFORMAT;
				break;
			}
			next = soff + cnt;
			uint64_t a = soff * bs, b = (soff + cnt) * bs;
			if (a >= size)
				break;
			if (b > size)
				b = size;
			if (!unwritten)
				r = map_only ? cb(ctx, a, NULL, (size_t)(b - a)) :
					       read_range(&x, a, b, 0);
		}
	} else if (fmt == 3) {
		r = read_range(&x, 0, size, 1);
	} else {
		r = read_range(&x, 0, size, 0);	/* local (in-inode) data */
	}
	if (x.fe)
		libfsxfs_file_entry_free(&x.fe, NULL);
	return r == PS_FS_STOP ? PS_OK : r;
}

static int xfs_read(struct ps_fs *fs, const struct ps_fs_stat *st,
		    ps_fs_data_cb cb, void *ctx)
{
	return xfs_walk(fs, st, cb, ctx, 0);
}

static int xfs_map(struct ps_fs *fs, const struct ps_fs_stat *st,
		   ps_fs_data_cb cb, void *ctx)
{
	return xfs_walk(fs, st, cb, ctx, 1);
}

/* The block map of an extent-format data fork (docs/start_pad.md "Files with two contents: the split check"): the records
 * are decoded from the raw inode; a btree-format fork is not mapped. */
static int xfs_bmap(struct ps_fs *fs, const struct ps_fs_stat *st,
		    ps_fs_extent_cb cb, void *ctx)
{
	struct xfs_priv *p = fs->priv;
	if ((st->mode & 0170000) != 0100000) {
		ps_fs_set_error(fs, "%s: inode %llu is not a regular file",
				fs->src->name, (unsigned long long)st->ino);
		return PS_EINVAL;
	}
	int r = raw_inode(fs, st->ino);
	if (r)
		return r;
	const uint8_t *di = p->ibuf;
	uint64_t nex = di_nextents(di);
	size_t lo = lit_off(di), fork_end = di_fork_end(di, p->g.inodesize);
	if (DI(di, di_format) != 2 || fork_end > p->g.inodesize || lo > fork_end ||
	    nex > (fork_end - lo) / 16) {
		ps_fs_set_error(fs, "%s: XFS inode %llu: data fork not in extent format (format %u, %llu extents): no block map",
				fs->src->name, (unsigned long long)st->ino, (unsigned)DI(di, di_format),
				(unsigned long long)nex);
		return PS_EUNSUPP;
	}
	uint8_t recs[2048];
	size_t nrec = (size_t)nex;
	memcpy(recs, di + lo, nrec * 16);
	uint64_t bs = p->g.blocksize, next = 0;
	for (size_t i = 0; i < nrec; i++) {
		uint64_t l0 = ps_be64(recs + i * 16), l1 = ps_be64(recs + i * 16 + 8);
		uint64_t soff = (l0 & ((1ULL << 63) - 1)) >> 9;
		uint64_t fsb = ((l0 & 0x1ff) << 43) | (l1 >> 21);
		uint64_t cnt = l1 & ((1ULL << 21) - 1);
		uint64_t agno = fsb >> p->g.agblklog;
		uint64_t agbno = fsb & ((1ULL << p->g.agblklog) - 1);
		uint64_t pb = agno * p->g.agblocks + agbno;
		if (soff < next || soff > UINT64_MAX / bs / 2 || agno >= p->g.agcount ||
		    agbno >= p->g.agblocks || pb + cnt > p->g.dblocks) {
			ps_fs_set_error(fs, "%s: XFS inode %llu: extent %zu out of order or beyond the filesystem (corrupt data fork)",
					fs->src->name, (unsigned long long)st->ino, i);
			return PS_EFORMAT;
		}
		next = soff + cnt;
		struct ps_fs_extent x = { soff * bs, pb * bs, cnt * bs, (int)(l0 >> 63) };
		r = cb(ctx, &x);
		if (r)
			return r;
	}
	return PS_OK;
}

/* The superblock (CRC at 224 over the sector) and each AG's AGF, AGI and
 * AGFL (sectors 1 to 3 of the AG; CRC at 216, 312, 32). */
static void csum_headers(struct ps_fs *fs)
{
	struct xfs_priv *p = fs->priv;
	const struct xfs_geo *g = &p->g;
	static const struct { char magic[5]; size_t crc; } hdr[3] = {
		{ "XAGF", 216 }, { "XAGI", 312 }, { "XAFL", 32 },
	};
	if (!g->crc)
		return;
	uint8_t *b = malloc(g->sectsize);
	if (!b)
		return;
	if (ps_src_pread(fs->src, b, g->sectsize, 0) == PS_OK &&
	    !ps_xfs_crc_ok(b, g->sectsize, 224))
		ps_fs_csum_fail(fs, NULL, PS_CSUM_SUPER, 0);
	for (uint64_t ag = 0; ag < g->agcount; ag++) {
		uint64_t base = ag * g->agblocks * (uint64_t)g->blocksize;
		if (base >= fs->src->size)
			break;
		int bad = 0;
		uint64_t at = 0;
		for (int i = 0; i < 3; i++) {
			uint64_t off = base + (uint64_t)(i + 1) * g->sectsize;
			if (off + g->sectsize > fs->src->size ||
			    ps_src_pread(fs->src, b, g->sectsize, off) != PS_OK)
				continue;	/* the reader says what it cannot read */
			if (memcmp(b, hdr[i].magic, 4) || !ps_xfs_crc_ok(b, g->sectsize, hdr[i].crc)) {
				if (!bad)
					at = off;
				bad = 1;
			}
		}
		if (bad)
			ps_fs_csum_fail(fs, NULL, PS_CSUM_GROUP, at);
	}
	free(b);
}

/* The space maps (xfs_space.h), read once; NULL when out of memory. */
static const struct ps_xfs_space *space(struct ps_fs *fs)
{
	struct xfs_priv *p = fs->priv;
	if (!p->space) {
		p->space = calloc(1, sizeof(*p->space));
		if (!p->space)
			return NULL;
		if (ps_xfs_space_read(fs->src, p->space) == PS_ENOMEM) {
			ps_xfs_space_free(p->space);
			free(p->space);
			p->space = NULL;
			return NULL;
		}
	}
	return p->space;
}

/* Free (0) or allocated (1) as XFS's own maps say (docs/start_pad.md "Files with two contents: the split check"): free only
 * in the bnobt; PS_EUNSUPP where the AG's maps could not be trusted. */
static int xfs_block_allocated(struct ps_fs *fs, uint64_t off)
{
	struct xfs_priv *p = fs->priv;
	if (off / p->g.blocksize >= p->g.dblocks)
		return PS_ERANGE;
	const struct ps_xfs_space *s = space(fs);
	if (!s) {
		ps_fs_set_error(fs, "%s: out of memory reading the XFS space maps", fs->src->name);
		return PS_ENOMEM;
	}
	enum ps_xfs_space_kind k = ps_xfs_space_kind(s, off);
	if (k == PS_XS_UNKNOWN) {
		ps_fs_set_error(fs, "%s: XFS space maps of the AG holding offset %llu not read",
				fs->src->name, (unsigned long long)off);
		return PS_EUNSUPP;
	}
	return k != PS_XS_FREE;
}

static const struct ps_fs_ops xfs_ops = {
	.close = xfs_close,
	.stat = xfs_stat,
	.readdir = xfs_readdir,
	.read = xfs_read,
	.map = xfs_map,
	.bmap = xfs_bmap,
	.block_allocated = xfs_block_allocated,
};

int ps_fs_xfs_open(struct ps_src *src, struct ps_fs **out, char *err,
		   size_t errlen)
{
	struct ps_xsb sb;
	*out = NULL;
	if (ps_xsb_read_src(src, &sb) != PS_OK || sb.magicnum != PS_XSB_MAGIC) {
		snprintf(err, errlen, "%s: no XFS superblock (sb_magicnum at offset 0)",
			 src->name);
		return PS_ENOTFOUND;
	}
	struct xfs_geo g = {
		.blocksize = sb.blocksize, .dblocks = sb.dblocks,
		.agblocks = sb.agblocks, .agcount = sb.agcount,
		.inodesize = sb.inodesize, .inopblog = sb.inopblog,
		.agblklog = sb.agblklog, .sectsize = sb.sectsize,
		.dirblklog = sb.dirblklog, .crc = sb.version == 5,
	};
	if (g.blocksize < 512 || g.blocksize > 65536 || (g.blocksize & (g.blocksize - 1)) ||
	    g.inodesize < 256 || g.inodesize > 2048 || g.inodesize > g.blocksize ||
	    !g.agblocks || !g.agcount || g.agblklog > 31 || g.inopblog > 7 ||
	    (1U << g.inopblog) != g.blocksize / g.inodesize ||
	    (uint64_t)1 << g.agblklog < g.agblocks ||
	    g.sectsize < 512 || g.sectsize > 32768 || (g.sectsize & (g.sectsize - 1)) ||
	    g.dirblklog > 16 || (uint64_t)g.blocksize << g.dirblklog > 65536) {
		snprintf(err, errlen, "%s: XFS superblock geometry implausible (sb_blocksize %u, sb_inodesize %u, sb_agblocks %u, sb_agblklog %u, sb_sectsize %u, sb_dirblklog %u)",
			 src->name, g.blocksize, g.inodesize, g.agblocks, g.agblklog,
			 g.sectsize, g.dirblklog);
		return PS_EFORMAT;
	}
	struct ps_fs *fs = calloc(1, sizeof(*fs));
	struct xfs_priv *p = calloc(1, sizeof(*p));
	struct bio *b = calloc(1, sizeof(*b));
	if (p) {
		p->buf = malloc(PS_FS_CHUNK);
		p->ibuf = malloc(g.inodesize);
		p->dbuf = malloc((size_t)g.blocksize << g.dirblklog);
	}
	if (!fs || !p || !b || !p->buf || !p->ibuf || !p->dbuf) {
		if (p) {
			free(p->buf);
			free(p->ibuf);
			free(p->dbuf);
		}
		free(p);
		free(fs);
		free(b);
		snprintf(err, errlen, "%s: out of memory", src->name);
		return PS_ENOMEM;
	}
	fs->ops = &xfs_ops;
	fs->type = PS_FS_XFS;
	fs->blocksize = g.blocksize;
	fs->src = src;
	fs->priv = p;
	p->g = g;
	b->src = src;
	libbfio_error_t *be = NULL;
	if (libbfio_handle_initialize(&p->bfio, (intptr_t *)b, bio_free, bio_clone,
				      bio_open, bio_close, bio_read, bio_write,
				      bio_seek, bio_exists, bio_is_open, bio_get_size,
				      LIBBFIO_FLAG_IO_HANDLE_MANAGED |
				      LIBBFIO_FLAG_IO_HANDLE_CLONE_BY_FUNCTION, &be) != 1) {
		libbfio_error_free(&be);
		free(b);
		ps_fs_close(fs);
		snprintf(err, errlen, "%s: libbfio handle setup failed", src->name);
		return PS_ENOMEM;
	}
	libfsxfs_error_t *e = NULL;
	if (libfsxfs_volume_initialize(&p->vol, &e) != 1 ||
	    libfsxfs_volume_open_file_io_handle(p->vol, p->bfio, LIBFSXFS_OPEN_READ, &e) != 1) {
		char *lib = lib_message(&e);
		if (p->vol)
			libfsxfs_volume_free(&p->vol, NULL);
		ps_fs_close(fs);
		snprintf(err, errlen, "%s: libfsxfs cannot open this XFS: %s", src->name,
			 lib && lib[0] ? lib : "failed");
		free(lib);
		return PS_EFORMAT;
	}
	libfsxfs_file_entry_t *root = NULL;
	uint64_t rootino = 0;
	if (libfsxfs_volume_get_root_directory(p->vol, &root, &e) != 1 ||
	    libfsxfs_file_entry_get_inode_number(root, &rootino, &e) != 1) {
		libfsxfs_error_free(&e);
		libfsxfs_file_entry_free(&root, NULL);
		ps_fs_close(fs);
		snprintf(err, errlen, "%s: XFS root directory unreadable", src->name);
		return PS_EFORMAT;
	}
	libfsxfs_file_entry_free(&root, NULL);
	fs->root = rootino;
	csum_headers(fs);
	/* the log: a dirty one means the files read here are the stale
	 * on-disk state (docs/journal.md "XFS: the log replayed read-only"); a log that cannot be examined is said in
	 * the info, not an error: the on-disk files are still readable */
	if (ps_xfs_log_probe(src, &fs->xlog) == PS_ENOMEM) {
		ps_fs_close(fs);
		snprintf(err, errlen, "%s: out of memory reading the XFS log", src->name);
		return PS_ENOMEM;
	}
	*out = fs;
	return PS_OK;
}
