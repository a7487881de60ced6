/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ext4's journal: where it is (the journal inode, mapped from the
 * pre-replay image as the kernel does), whether the kernel would recover
 * it, the recovery itself (jbd2.c), and the recovered view: an overlay
 * source over the filesystem's source. The overlay holds only the map
 * {fs block -> journal block} and two patched blocks (the ext4 and the
 * journal superblock, as a read-only mount leaves them); everything is
 * read from the source when asked for. docs/journal.md.
 */
#include "ext_journal.h"
#include "err.h"
#include "ext_sb.h"
#include "fs_ext_int.h"
#include "jbd2.h"
#include "le.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SB(b, f) PS_FIELD_GET(PS_EXTSB, (b), f)
#define GD(b, f) PS_FIELD_GET(PS_EXTGD, (b), f)

struct jrun {
	uint64_t lblk, pblk, len;
};

struct ovl {
	struct ps_src *parent;
	uint32_t bs;
	uint64_t fs_blocks;
	struct jrun *runs;
	size_t nruns, cap;
	struct ps_jbd2 j;
	/* blocks held in memory, sorted by home: the two patched
	 * superblocks, and what the orphan cleanup changed */
	struct memblk {
		uint64_t home;
		uint8_t *buf;
	} *mem;
	size_t nmem, capmem;
	uint8_t *tmp;
};

static void ovl_free(struct ovl *o)
{
	if (!o)
		return;
	free(o->runs);
	ps_jbd2_free(&o->j);
	for (size_t i = 0; i < o->nmem; i++)
		free(o->mem[i].buf);
	free(o->mem);
	free(o->tmp);
	free(o);
}

/* Journal logical block -> filesystem block; PS_ERANGE if unmapped or
 * outside the filesystem. */
static int jmap(const struct ovl *o, uint64_t jblk, uint64_t *fsblk)
{
	size_t lo = 0, hi = o->nruns;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct jrun *r = &o->runs[mid];
		if (jblk < r->lblk) {
			hi = mid;
		} else if (jblk >= r->lblk + r->len) {
			lo = mid + 1;
		} else {
			uint64_t b = r->pblk + (jblk - r->lblk);
			if (b >= o->fs_blocks)
				return PS_ERANGE;
			*fsblk = b;
			return PS_OK;
		}
	}
	return PS_ERANGE;
}

static int jread_cb(void *ctx, uint64_t jblk, void *buf)
{
	struct ovl *o = ctx;
	uint64_t b;
	if (jmap(o, jblk, &b))
		return PS_ERANGE;
	return ps_src_pread(o->parent, buf, o->bs, b * o->bs);
}

struct it_ctx {
	struct ovl *o;
	int err;
};

static int jrun_cb(ext2_filsys efs, blk64_t *blocknr, e2_blkcnt_t blockcnt,
		   blk64_t ref_blk, int ref_offset, void *priv)
{
	(void)efs; (void)ref_blk; (void)ref_offset;
	struct it_ctx *c = priv;
	struct ovl *o = c->o;
	if (blockcnt < 0)
		return 0;
	uint64_t l = (uint64_t)blockcnt, p = *blocknr;
	if (o->nruns) {
		struct jrun *r = &o->runs[o->nruns - 1];
		if (r->lblk + r->len == l && r->pblk + r->len == p) {
			r->len++;
			return 0;
		}
		if (l < r->lblk + r->len) {	/* not increasing: corrupt map */
			c->err = PS_EFORMAT;
			return BLOCK_ABORT;
		}
	}
	if (o->nruns == o->cap) {
		size_t nc = o->cap ? o->cap * 2 : 16;
		struct jrun *n = realloc(o->runs, nc * sizeof(*n));
		if (!n) {
			c->err = PS_ENOMEM;
			return BLOCK_ABORT;
		}
		o->runs = n;
		o->cap = nc;
	}
	o->runs[o->nruns++] = (struct jrun){ l, p, 1 };
	return 0;
}

/* Where the journal inode lies: its inode table block and offset. */
static void jinode_where(ext2_filsys efs, uint32_t ino, struct ps_journal *st)
{
	uint32_t ipg = efs->super->s_inodes_per_group;
	if (ino < 1 || ino > efs->super->s_inodes_count || !ipg)
		return;
	dgrp_t g = (ino - 1) / ipg;
	if (g >= efs->group_desc_count)
		return;
	uint64_t byte = (uint64_t)((ino - 1) % ipg) * EXT2_INODE_SIZE(efs->super);
	st->jinode_blk = ext2fs_inode_table_loc(efs, g) + byte / efs->blocksize;
	st->jinode_off = (uint32_t)(byte % efs->blocksize);
}

/* The journal inode's block map, from the pre-replay image; with
 * stand_in, from that inode instead of the one on disk (the superblock's
 * backup, e2fsck's fallback). */
struct standin {
	ext2_ino_t ino;
	struct ext2_inode in;
};

static errcode_t standin_read(ext2_filsys efs, ext2_ino_t ino, struct ext2_inode *in)
{
	const struct standin *sd = efs->priv_data;
	if (!sd || ino != sd->ino)
		return EXT2_ET_CALLBACK_NOTHANDLED;
	*in = sd->in;
	return 0;
}

static int map_journal_from(struct ps_src *src, uint32_t ino, const struct standin *sd,
			    struct ovl *o, uint64_t *total_len, struct ps_journal *st)
{
	struct ps_fs *fs = NULL;
	char e[PS_ERR_LINE_MAX];
	if (ps_fs_ext_open(src, &fs, e, sizeof(e))) {
		st->bad = PS_JBAD_INODE;
		st->jinode_why = PS_JINO_READ;
		return PS_OK;
	}
	ext2_filsys efs = ps_fs_ext_efs(fs);
	void *old_priv = efs->priv_data;
	errcode_t (*old_read)(ext2_filsys, ext2_ino_t, struct ext2_inode *) = efs->read_inode;
	if (sd) {
		efs->priv_data = (void *)sd;
		efs->read_inode = standin_read;
	}
	struct ext2_inode in;
	int r = PS_OK;
	if (!sd)
		jinode_where(efs, ino, st);
	if (ino < 1 || ino > efs->super->s_inodes_count) {
		st->bad = PS_JBAD_INODE;
		st->jinode_why = PS_JINO_RANGE;
		goto out;
	}
	if (ext2fs_read_inode(efs, ino, &in)) {
		st->bad = PS_JBAD_INODE;
		st->jinode_why = PS_JINO_READ;
		goto out;
	}
	if (!in.i_links_count || !LINUX_S_ISREG(in.i_mode)) {
		st->bad = PS_JBAD_INODE;
		st->jinode_why = in.i_links_count ? PS_JINO_MODE : PS_JINO_LINKS;
		goto out;
	}
	uint64_t size = EXT2_I_SIZE(&in);
	*total_len = size / o->bs;
	if (*total_len > o->fs_blocks || *total_len < 2) {
		st->bad = PS_JBAD_INODE;
		st->jinode_why = PS_JINO_SIZE;
		goto out;
	}
	struct it_ctx c = { o, 0 };
	errcode_t ee = ext2fs_block_iterate3(efs, ino,
					     BLOCK_FLAG_READ_ONLY | BLOCK_FLAG_DATA_ONLY,
					     NULL, jrun_cb, &c);
	if (c.err == PS_ENOMEM) {
		r = PS_ENOMEM;
	} else if (ee || c.err) {
		st->bad = PS_JBAD_MAP;
		st->jinode_why = PS_JINO_MAP;
	} else {
		uint64_t b;
		if (jmap(o, 0, &b)) {
			st->bad = PS_JBAD_MAP;
			st->jinode_why = PS_JINO_MAP;
		}
	}
out:
	efs->priv_data = old_priv;
	efs->read_inode = old_read;
	ps_fs_close(fs);
	return r;
}

static int map_journal(struct ps_src *src, uint32_t ino, struct ovl *o,
		       uint64_t *total_len, struct ps_journal *st)
{
	return map_journal_from(src, ino, NULL, o, total_len, st);
}

/* The superblock's backup of the journal inode (s_jnl_blocks, ext_sb.h),
 * as e2fsck uses it when the inode is damaged: mapped, its journal
 * superblock checked and its recovery walked, for the report only. The
 * kernel never reads it. */
static uint32_t jnl_word(const uint8_t *sb, int i)
{
	return ps_le32(PS_FIELD_PTR(PS_EXTSB, sb, s_jnl_blocks) + 4 * i);
}

static void backup_standin(const uint8_t *sb, uint32_t jino, struct standin *sd)
{
	memset(sd, 0, sizeof(*sd));
	sd->ino = jino;
	for (int i = 0; i < EXT2_N_BLOCKS; i++)
		sd->in.i_block[i] = jnl_word(sb, i);
	sd->in.i_size_high = jnl_word(sb, PS_EXTSB_JNL_SIZE_HIGH);
	sd->in.i_size = jnl_word(sb, PS_EXTSB_JNL_SIZE);
	sd->in.i_mode = LINUX_S_IFREG | 0600;
	sd->in.i_links_count = 1;
	/* an extent tree's header in i_block: the inode uses extents (the
	 * backup keeps no flags) */
	if ((sd->in.i_block[0] & 0xffff) == EXT3_EXT_MAGIC)
		sd->in.i_flags |= EXT4_EXTENTS_FL;
}

static int jnl_backup(struct ps_src *src, const uint8_t *sb, uint32_t jino, uint32_t bs,
		      uint64_t fs_blocks, struct ps_journal *st)
{
	struct ps_jnl_backup *bk = &st->backup;
	if (SB(sb, s_jnl_backup_type) != PS_EXTSB_JNL_BACKUP_BLOCKS)
		return PS_OK;
	bk->present = true;
	struct standin sd;
	backup_standin(sb, jino, &sd);
	/* the damaged inode, compared where it can be read */
	{
		struct ps_fs *fs = NULL;
		char e[PS_ERR_LINE_MAX];
		if (!ps_fs_ext_open(src, &fs, e, sizeof(e))) {
			struct ext2_inode in;
			ext2_filsys efs = ps_fs_ext_efs(fs);
			if (jino > efs->super->s_inodes_count || ext2fs_read_inode(efs, jino, &in) ||
			    memcmp(in.i_block, sd.in.i_block, sizeof(in.i_block)) ||
			    in.i_size != sd.in.i_size || in.i_size_high != sd.in.i_size_high)
				bk->differs = true;
			ps_fs_close(fs);
		}
	}
	struct ovl *o = calloc(1, sizeof(*o));
	uint8_t *jb = malloc(bs);
	if (!o || !jb) {
		free(o);
		free(jb);
		return PS_ENOMEM;
	}
	o->parent = src;
	o->bs = bs;
	o->fs_blocks = fs_blocks;
	struct ps_journal tmp;
	memset(&tmp, 0, sizeof(tmp));
	uint64_t total_len = 0;
	int r = map_journal_from(src, jino, &sd, o, &total_len, &tmp);
	if (!r && !tmp.bad && !jread_cb(o, 0, jb) && !ps_jbd2_sb_parse(jb, bs, total_len, &o->j)) {
		bk->usable = true;
		bk->log_present = o->j.start != 0;
		bk->seq_start = bk->seq_end = o->j.sequence;
		if (o->j.start) {
			r = ps_jbd2_recover(&o->j, jread_cb, o, fs_blocks);
			if (!r) {
				bk->seq_end = o->j.st.seq_end;
				bk->transactions = o->j.st.transactions;
				bk->blocks = o->j.st.blocks;
				bk->distinct = o->j.st.distinct;
				bk->mount_fails = o->j.st.mount_fails;
			}
		}
	}
	free(jb);
	ovl_free(o);
	return r;
}

/* first memory block with home >= blk */
static size_t mem_lower(const struct ovl *o, uint64_t blk)
{
	size_t lo = 0, hi = o->nmem;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (o->mem[mid].home < blk)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int mem_find(const struct ovl *o, uint64_t blk)
{
	size_t i = mem_lower(o, blk);
	return i < o->nmem && o->mem[i].home == blk ? (int)i : -1;
}

/* Hold buf (bs bytes, taken over) as block home. */
static int mem_put(struct ovl *o, uint64_t home, uint8_t *buf)
{
	size_t i = mem_lower(o, home);
	if (i < o->nmem && o->mem[i].home == home) {
		free(o->mem[i].buf);
		o->mem[i].buf = buf;
		return PS_OK;
	}
	if (o->nmem == o->capmem) {
		size_t nc = o->capmem ? o->capmem * 2 : 8;
		struct memblk *m = realloc(o->mem, nc * sizeof(*m));
		if (!m)
			return PS_ENOMEM;
		o->mem = m;
		o->capmem = nc;
	}
	memmove(o->mem + i + 1, o->mem + i, (o->nmem - i) * sizeof(*o->mem));
	o->mem[i].home = home;
	o->mem[i].buf = buf;
	o->nmem++;
	return PS_OK;
}

/* One block of the recovered view into buf (bs bytes). */
static int ovl_block(struct ps_src *s, struct ovl *o, uint64_t blk, uint8_t *buf)
{
	int m = mem_find(o, blk);
	if (m >= 0) {
		memcpy(buf, o->mem[m].buf, o->bs);
		return PS_OK;
	}
	const struct ps_jbd2_ent *e = ps_jbd2_lookup(&o->j, blk);
	int r;
	if (e) {
		r = jread_cb(o, e->jblk, buf);
		if (!r && e->escape)	/* the magic the escape hid */
			ps_put_be32(buf, PS_JBD2_MAGIC);
	} else {
		r = ps_src_pread(o->parent, buf, o->bs, blk * o->bs);
	}
	if (r)
		ps_src_set_error(s, "%s", ps_src_error(o->parent));
	return r;
}

static int ovl_pread(struct ps_src *s, void *vbuf, size_t len, uint64_t off)
{
	struct ovl *o = s->priv;
	uint8_t *buf = vbuf;
	while (len) {
		uint64_t blk = off / o->bs;
		size_t in = (size_t)(off % o->bs);
		size_t n = o->bs - in;
		if (n > len)
			n = len;
		int overlaid = mem_find(o, blk) >= 0 || ps_jbd2_lookup(&o->j, blk);
		if (!overlaid) {
			/* a run of blocks nobody replayed: one read */
			uint64_t end = off + len;
			size_t lo = 0, hi = o->j.nmap;
			while (lo < hi) {	/* first replayed block > blk */
				size_t mid = lo + (hi - lo) / 2;
				if (o->j.map[mid].home <= blk)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo < o->j.nmap && o->j.map[lo].home * o->bs < end)
				end = o->j.map[lo].home * o->bs;
			size_t mi = mem_lower(o, blk + 1);
			if (mi < o->nmem && o->mem[mi].home * o->bs < end)
				end = o->mem[mi].home * o->bs;
			n = (size_t)(end - off);
			int r = ps_src_pread(o->parent, buf, n, off);
			if (r) {
				ps_src_set_error(s, "%s", ps_src_error(o->parent));
				return r;
			}
		} else {
			int r = ovl_block(s, o, blk, o->tmp);
			if (r)
				return r;
			memcpy(buf, o->tmp + in, n);
		}
		buf += n;
		off += n;
		len -= n;
	}
	return PS_OK;
}

static void ovl_close(struct ps_src *s)
{
	ovl_free(s->priv);
}

/* The first block >= blk the overlay serves itself (replayed or held in
 * memory), or UINT64_MAX. */
static uint64_t ovl_next_own(const struct ovl *o, uint64_t blk)
{
	uint64_t best = UINT64_MAX;
	size_t lo = 0, hi = o->j.nmap;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (o->j.map[mid].home < blk)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < o->j.nmap)
		best = o->j.map[lo].home;
	size_t mi = mem_lower(o, blk);
	if (mi < o->nmem && o->mem[mi].home < best)
		best = o->mem[mi].home;
	return best;
}

/* The parent's sparse map, with every block the overlay serves counted
 * as data (a replayed block may land in a hole of the image). */
static int ovl_next_data(struct ps_src *s, uint64_t off, uint64_t *out)
{
	struct ovl *o = s->priv;
	int r = ps_src_next_data(o->parent, off, out);
	if (r)
		return r;
	uint64_t own = ovl_next_own(o, off / o->bs);
	if (own != UINT64_MAX) {
		uint64_t at = own * o->bs < off ? off : own * o->bs;
		if (at < *out)
			*out = at;
	}
	return PS_OK;
}

static int ovl_next_hole(struct ps_src *s, uint64_t off, uint64_t *out)
{
	struct ovl *o = s->priv;
	uint64_t h = off;
	for (;;) {
		int r = ps_src_next_hole(o->parent, h, &h);
		if (r)
			return r;
		if (h >= s->size)
			break;
		/* a block the overlay serves is no hole: skip past it */
		uint64_t own = ovl_next_own(o, h / o->bs);
		if (own == UINT64_MAX || own * o->bs >= h + 1 + (o->bs - 1 - h % o->bs))
			break;
		h = (own + 1) * o->bs;
		if (h >= s->size) {
			h = s->size;
			break;
		}
	}
	*out = h;
	return PS_OK;
}

static const struct ps_src_ops ovl_ops = {
	.pread = ovl_pread,
	.next_data = ovl_next_data,
	.next_hole = ovl_next_hole,
	.close = ovl_close,
};

bool ps_ext_journal_serves(const struct ps_src *view, uint64_t blk)
{
	if (!view || view->ops != &ovl_ops)
		return false;
	return ovl_next_own(view->priv, blk) == blk;
}

/* The free block and inode counts the kernel's mount computes from the
 * group descriptors (and a read-only mount's superblock commit writes):
 * the replayed superblock's own are stale. Left as they are when the
 * descriptors cannot be read or the geometry is odd. */
static void recount(struct ps_src *view, struct ovl *o, uint8_t *sb)
{
	uint32_t bpg = SB(sb, s_blocks_per_group), ipg = SB(sb, s_inodes_per_group);
	uint32_t first = SB(sb, s_first_data_block);
	int b64 = !!(SB(sb, s_feature_incompat) & PS_EXTSB_INCOMPAT_64BIT);
	uint32_t dsz = b64 ? SB(sb, s_desc_size) : PS_EXTGD_SIZE_32;
	if (!bpg || !ipg || first >= o->fs_blocks || dsz < 32 || dsz > 1024 ||
	    (dsz & (dsz - 1)) || dsz > o->bs)
		return;
	uint64_t groups = (o->fs_blocks - first + bpg - 1) / bpg;
	uint64_t gdt_blocks = (groups * dsz + o->bs - 1) / o->bs;
	if (first + 1 + gdt_blocks > o->fs_blocks)
		return;
	uint8_t *b = malloc(o->bs);
	if (!b)
		return;
	uint64_t fb = 0, fi = 0;
	for (uint64_t g = 0; g < groups; g++) {
		uint64_t off = g * dsz;
		if (off % o->bs == 0 && ovl_block(view, o, first + 1 + off / o->bs, b)) {
			free(b);
			return;
		}
		const uint8_t *d = b + off % o->bs;
		bool hi = dsz >= PS_EXTGD_SIZE;
		fb += GD(d, bg_free_blocks_count_lo) |
		      (hi ? (uint32_t)GD(d, bg_free_blocks_count_hi) << 16 : 0);
		fi += GD(d, bg_free_inodes_count_lo) |
		      (hi ? (uint32_t)GD(d, bg_free_inodes_count_hi) << 16 : 0);
	}
	free(b);
	if (fb > o->fs_blocks || fi > SB(sb, s_inodes_count))
		return;
	PS_FIELD_PUT(PS_EXTSB, sb, s_free_blocks_count_lo, (uint32_t)fb);
	if (b64)
		PS_FIELD_PUT(PS_EXTSB, sb, s_free_blocks_count_hi, (uint32_t)(fb >> 32));
	PS_FIELD_PUT(PS_EXTSB, sb, s_free_inodes_count, (uint32_t)fi);
}

/* Patched copies of the ext4 superblock's block and the journal
 * superblock's block, as a read-only mount after recovery leaves them. */
static int patch_blocks(struct ps_src *view, struct ovl *o, const uint8_t *pre_sb)
{
	uint64_t sbblk = PS_EXTSB_OFFSET / o->bs;
	uint32_t in = PS_EXTSB_OFFSET % o->bs;
	uint8_t *b = malloc(o->bs);
	if (!b)
		return PS_ENOMEM;
	int r = ovl_block(view, o, sbblk, b);
	if (r) {
		free(b);
		return r;
	}
	uint8_t *sb = b + in;
	if (ps_jbd2_lookup(&o->j, sbblk))
		memcpy(sb + PS_EXTSB_ERRORS_START, pre_sb + PS_EXTSB_ERRORS_START,
		       PS_EXTSB_ERRORS_END - PS_EXTSB_ERRORS_START);
	PS_FIELD_PUT(PS_EXTSB, sb, s_feature_incompat,
		     SB(sb, s_feature_incompat) & ~PS_EXTSB_INCOMPAT_RECOVER);
	recount(view, o, sb);
	if (SB(sb, s_feature_ro_compat) & PS_EXTSB_RO_METADATA_CSUM)
		PS_FIELD_PUT(PS_EXTSB, sb, s_checksum,
			     ps_crc32c(~0u, sb, PS_EXTSB_OFF_s_checksum));
	if (mem_put(o, sbblk, b)) {
		free(b);
		return PS_ENOMEM;
	}
	if (!o->j.start)
		return PS_OK;
	uint64_t jsb;
	if (jmap(o, 0, &jsb))
		return PS_OK;
	b = malloc(o->bs);
	if (!b)
		return PS_ENOMEM;
	r = ovl_block(view, o, jsb, b);
	if (r) {
		free(b);
		return r;
	}
	ps_jbd2_sb_recovered(&o->j, b);
	if (mem_put(o, jsb, b)) {
		free(b);
		return PS_ENOMEM;
	}
	return PS_OK;
}

/* libext2fs writes into the view: each block touched is held in memory
 * (its current content first), never written to the source. */
struct wr_ctx {
	struct ps_src *view;
	struct ovl *o;
};

static int ovl_write(void *ctx, uint64_t off, const void *vbuf, size_t len)
{
	struct wr_ctx *w = ctx;
	struct ovl *o = w->o;
	const uint8_t *buf = vbuf;
	while (len) {
		uint64_t blk = off / o->bs;
		size_t in = (size_t)(off % o->bs), n = o->bs - in;
		if (n > len)
			n = len;
		int m = mem_find(o, blk);
		if (m < 0) {
			uint8_t *b = malloc(o->bs);
			if (!b)
				return PS_ENOMEM;
			if (ovl_block(w->view, o, blk, b) || mem_put(o, blk, b)) {
				free(b);
				return PS_EIO;
			}
			m = mem_find(o, blk);
		}
		memcpy(o->mem[m].buf + in, buf, n);
		buf += n;
		off += n;
		len -= n;
	}
	return PS_OK;
}

/* The orphan file (ext4 orphan_file, kernels 5.15+): an inode whose
 * blocks each hold (blocksize - 8) / 4 little-endian inode numbers (0 =
 * free) and a tail of magic and checksum. Its blocks, in order, into
 * *blks (*n of them); PS_OK also when the feature is off (*n = 0);
 * PS_EFORMAT when the inode or its map is unusable. */
#define ORPHAN_BLOCK_MAGIC 0x0B10CA04u
struct ofile_ctx {
	blk64_t *b;
	size_t n, max;
	int err;
};

static int ofile_cb(ext2_filsys efs, blk64_t *blocknr, e2_blkcnt_t blockcnt,
		    blk64_t ref_blk, int ref_offset, void *priv)
{
	(void)efs; (void)ref_blk; (void)ref_offset;
	struct ofile_ctx *c = priv;
	if (blockcnt < 0)
		return 0;
	if ((size_t)blockcnt != c->n || c->n >= c->max) {
		c->err = PS_EFORMAT;	/* a hole, or beyond i_size */
		return BLOCK_ABORT;
	}
	c->b[c->n++] = *blocknr;
	return 0;
}

static int orphan_file_blocks(ext2_filsys efs, blk64_t **blks, size_t *n)
{
	*blks = NULL;
	*n = 0;
	if (!ext2fs_has_feature_orphan_file(efs->super))
		return PS_OK;
	ext2_ino_t ino = efs->super->s_orphan_file_inum;
	struct ext2_inode in;
	if (ino < 1 || ino > efs->super->s_inodes_count || ext2fs_read_inode(efs, ino, &in))
		return PS_EFORMAT;
	uint64_t size = EXT2_I_SIZE(&in);
	/* bounded: mke2fs makes a few hundred blocks at most; 2^20 blocks
	 * (8 MiB of block numbers) is far beyond any real orphan file */
	if (size % efs->blocksize || size / efs->blocksize > ext2fs_blocks_count(efs->super) ||
	    size / efs->blocksize > (1u << 20))
		return PS_EFORMAT;
	struct ofile_ctx c = { NULL, 0, (size_t)(size / efs->blocksize), 0 };
	if (!c.max)
		return PS_OK;
	c.b = malloc(c.max * sizeof(*c.b));
	if (!c.b)
		return PS_ENOMEM;
	if (ext2fs_block_iterate3(efs, ino, BLOCK_FLAG_READ_ONLY | BLOCK_FLAG_DATA_ONLY,
				  NULL, ofile_cb, &c) || c.err || c.n != c.max) {
		free(c.b);
		return PS_EFORMAT;
	}
	*blks = c.b;
	*n = c.n;
	return PS_OK;
}

/* Is orphan file block buf (at fs block blk) one the kernel's mount
 * accepts: its magic, and with metadata_csum its checksum? */
static bool orphan_block_ok(ext2_filsys efs, blk64_t blk, char *buf)
{
	const uint8_t *t = (const uint8_t *)buf + efs->blocksize - 8;
	if (ps_le32(t) != ORPHAN_BLOCK_MAGIC)
		return false;
	return ext2fs_orphan_file_block_csum_verify(efs, efs->super->s_orphan_file_inum,
						    blk, buf);
}

/* What the mount does to one orphan (ext4_process_orphan): one with links
 * is truncated to its i_size, one without is freed. */
static int process_orphan(ext2_filsys efs, ext2_ino_t ino, struct ext2_inode *in,
			  uint32_t now)
{
	if (in->i_links_count) {
		uint64_t keepb = (EXT2_I_SIZE(in) + efs->blocksize - 1) / efs->blocksize;
		if (ext2fs_punch(efs, ino, in, NULL, keepb, ~0ULL))
			return PS_EFORMAT;
		in->i_dtime = 0;
	} else {
		if (ext2fs_punch(efs, ino, in, NULL, 0, ~0ULL))
			return PS_EFORMAT;
		if (ext2fs_file_acl_block(efs, in)) {
			blk64_t b = ext2fs_file_acl_block(efs, in);
			__u32 cnt = 1;
			if (!ext2fs_adjust_ea_refcount3(efs, b, NULL, -1, &cnt, ino) && !cnt)
				ext2fs_block_alloc_stats2(efs, b, -1);
			ext2fs_file_acl_block_set(efs, in, 0);
		}
		in->i_size = 0;
		in->i_size_high = 0;
		in->i_dtime = now;
		ext2fs_inode_alloc_stats2(efs, ino, -1, LINUX_S_ISDIR(in->i_mode));
	}
	return ext2fs_write_inode(efs, ino, in) ? PS_EFORMAT : PS_OK;
}

/* An orphan entry the kernel accepts (ext4_orphan_get): the number in
 * range, in use in the inode bitmap, readable. */
static bool orphan_valid(ext2_filsys efs, ext2_ino_t ino, struct ext2_inode *in)
{
	return ino >= EXT2_FIRST_INO(efs->super) && ino <= efs->super->s_inodes_count &&
	       ext2fs_test_inode_bitmap2(efs->inode_map, ino) &&
	       !ext2fs_read_inode(efs, ino, in);
}

/* The orphan cleanup the kernel's mount does after recovery (jbd2-recovery.md "Orphan cleanup",
 * the kernel's fs/ext4/orphan.c ext4_orphan_cleanup): first the chain from
 * s_last_orphan (next in i_dtime), then every entry of the orphan file
 * (an entry the kernel cannot take is skipped; each processed one is
 * cleared from its block, the block's checksum resealed); then the list
 * is empty. Done through libext2fs on the view, its writes held in memory.
 * The file tree does not change (an unlinked inode has no name, a
 * truncated one already its size); free space and the orphans' own
 * metadata do. On any failure the view is left as it was before. */
static void orphan_cleanup(struct ps_src *view, struct ovl *o, struct ps_journal *st)
{
	struct wr_ctx w = { view, o };
	ext2_filsys efs = NULL;
	blk64_t *ob = NULL;
	size_t nob = 0;
	char *obuf = NULL;
	/* a failure half-way must not leave half a cleanup: keep the blocks
	 * held before, and drop what the cleanup added or changed */
	size_t keep_n = o->nmem;
	struct memblk *keep = malloc((keep_n ? keep_n : 1) * sizeof(*keep));
	if (!keep)
		return;
	for (size_t i = 0; i < keep_n; i++) {
		keep[i].home = o->mem[i].home;
		keep[i].buf = malloc(o->bs);
		if (!keep[i].buf) {
			for (size_t k = 0; k < i; k++)
				free(keep[k].buf);
			free(keep);
			return;
		}
		memcpy(keep[i].buf, o->mem[i].buf, o->bs);
	}
	int ok = 0;
	if (ps_fs_ext_open_rw(view, ovl_write, &w, &efs) || ext2fs_read_bitmaps(efs))
		goto out;
	if (efs->super->s_state & EXT2_ERROR_FS)
		goto out;	/* the kernel skips the cleanup then */
	uint32_t ino = efs->super->s_last_orphan, n = 0;
	uint32_t now = efs->super->s_mtime ? efs->super->s_mtime : efs->super->s_wtime;
	while (ino) {
		struct ext2_inode in;
		if (n++ >= efs->super->s_inodes_count || !orphan_valid(efs, ino, &in))
			goto out;	/* the kernel abandons the chain: leave it */
		uint32_t next = in.i_dtime;
		if (process_orphan(efs, ino, &in, now))
			goto out;
		ino = next;
	}
	if (orphan_file_blocks(efs, &ob, &nob))
		goto out;
	obuf = malloc(efs->blocksize);
	if (!obuf)
		goto out;
	int per = ext2fs_inodes_per_orphan_block(efs);
	for (size_t b = 0; b < nob; b++) {
		if (io_channel_read_blk64(efs->io, ob[b], 1, obuf) ||
		    !orphan_block_ok(efs, ob[b], obuf))
			goto out;	/* the kernel's mount fails: left as it is */
		int changed = 0;
		for (int k = 0; k < per; k++) {
			struct ext2_inode in;
			ext2_ino_t e = ps_le32((const uint8_t *)obuf + 4 * k);
			if (!e || !orphan_valid(efs, e, &in))
				continue;
			if (process_orphan(efs, e, &in, now))
				goto out;
			ps_put_le32((uint8_t *)obuf + 4 * k, 0);
			changed = 1;
		}
		if (changed &&
		    (ext2fs_orphan_file_block_csum_set(efs, efs->super->s_orphan_file_inum,
						       ob[b], obuf) ||
		     io_channel_write_blk64(efs->io, ob[b], 1, obuf)))
			goto out;
	}
	efs->super->s_last_orphan = 0;
	ext2fs_clear_feature_orphan_present(efs->super);
	ext2fs_mark_super_dirty(efs);
	ext2fs_mark_bb_dirty(efs);
	ext2fs_mark_ib_dirty(efs);
	ok = 1;
out:
	free(ob);
	free(obuf);
	if (ok) {
		ps_fs_ext_close_rw(&efs);	/* flushes into memory */
		st->orphans_done = true;
	} else {
		if (efs) {
			efs->flags &= ~EXT2_FLAG_DIRTY;
			efs->flags &= ~(EXT2_FLAG_BB_DIRTY | EXT2_FLAG_IB_DIRTY);
			ps_fs_ext_close_rw(&efs);
		}
		for (size_t i = 0; i < o->nmem; i++)
			free(o->mem[i].buf);
		free(o->mem);
		o->mem = keep;
		o->nmem = o->capmem = keep_n;
		keep = NULL;
	}
	if (keep) {
		for (size_t i = 0; i < keep_n; i++)
			free(keep[i].buf);
		free(keep);
	}
}

/* The orphans, read through the view the caller will use: the chain
 * (s_last_orphan, next in i_dtime), bounded by s_inodes_count, and the
 * orphan file's entries; a block of the orphan file the kernel's mount
 * refuses (bad magic or checksum) is reported, and the mount fails. */
static void count_orphans(struct ps_src *src, struct ps_journal *st)
{
	struct ps_fs *fs = NULL;
	char e[PS_ERR_LINE_MAX];
	if (ps_fs_ext_open(src, &fs, e, sizeof(e)))
		return;
	ext2_filsys efs = ps_fs_ext_efs(fs);
	uint32_t ino = efs->super->s_last_orphan;
	uint32_t n = 0;
	while (ino && ino >= EXT2_FIRST_INO(efs->super) &&
	       ino <= efs->super->s_inodes_count && n < efs->super->s_inodes_count) {
		struct ext2_inode in;
		if (ext2fs_read_inode(efs, ino, &in))
			break;
		n++;
		if (!in.i_links_count)
			st->orphans_deleted++;
		ino = in.i_dtime;
	}
	blk64_t *ob = NULL;
	size_t nob = 0;
	char *buf = malloc(efs->blocksize);
	if (ext2fs_has_feature_orphan_file(efs->super))
		st->orphan_file_ino = efs->super->s_orphan_file_inum;
	if (buf && !orphan_file_blocks(efs, &ob, &nob)) {
		int per = ext2fs_inodes_per_orphan_block(efs);
		for (size_t b = 0; b < nob; b++) {
			if (io_channel_read_blk64(efs->io, ob[b], 1, buf) ||
			    !orphan_block_ok(efs, ob[b], buf)) {
				st->orphan_file_bad = ob[b];
				st->mount_fails = true;
				break;
			}
			for (int k = 0; k < per; k++) {
				struct ext2_inode in;
				ext2_ino_t x = ps_le32((const uint8_t *)buf + 4 * k);
				if (!x || x > efs->super->s_inodes_count ||
				    ext2fs_read_inode(efs, x, &in))
					continue;
				n++;
				st->orphan_file_entries++;
				if (!in.i_links_count)
					st->orphans_deleted++;
			}
		}
	}
	free(ob);
	free(buf);
	st->orphans = n;
	ps_fs_close(fs);
}

int ps_ext_journal_open(struct ps_src *src, bool replay, struct ps_journal *st,
			struct ps_src **view, char *err, size_t errlen)
{
	return ps_ext_journal_open_mode(src, replay ? PS_JMODE_REPLAY : PS_JMODE_IGNORE,
					st, view, err, errlen);
}

int ps_ext_journal_open_mode(struct ps_src *src, enum ps_journal_mode mode,
			     struct ps_journal *st, struct ps_src **view, char *err,
			     size_t errlen)
{
	bool replay = mode != PS_JMODE_IGNORE;
	uint8_t sb[PS_EXTSB_SIZE];
	memset(st, 0, sizeof(*st));
	*view = NULL;
	if (src->size < PS_EXTSB_OFFSET + sizeof(sb))
		return PS_OK;
	int r = ps_src_pread(src, sb, sizeof(sb), PS_EXTSB_OFFSET);
	if (r) {
		snprintf(err, errlen, "%s", ps_src_strerror(src, r));
		return r;
	}
	if (SB(sb, s_magic) != PS_EXTSB_MAGIC)
		return PS_OK;
	uint32_t compat = SB(sb, s_feature_compat), incompat = SB(sb, s_feature_incompat);
	uint32_t log = SB(sb, s_log_block_size);
	if (!(compat & PS_EXTSB_COMPAT_HAS_JOURNAL) ||
	    (incompat & PS_EXTSB_INCOMPAT_JOURNAL_DEV) || log > 6)
		return PS_OK;
	uint32_t bs = 1024u << log;
	uint64_t blocks = SB(sb, s_blocks_count_lo);
	if (incompat & PS_EXTSB_INCOMPAT_64BIT)
		blocks |= (uint64_t)SB(sb, s_blocks_count_hi) << 32;
	if (blocks > src->size / bs)
		blocks = src->size / bs;
	st->kind = PS_JOURNAL_JBD2;
	st->needs_recovery = !!(incompat & PS_EXTSB_INCOMPAT_RECOVER);
	st->fast_commit = false;
	uint32_t jino = SB(sb, s_journal_inum), jdev = SB(sb, s_journal_dev);
	st->journal_ino = jino;
	if (!jino) {
		st->kind = PS_JOURNAL_JBD2_EXTERNAL;
		st->bad = PS_JBAD_EXTERNAL;
		st->ext_dev = jdev;
		PS_FIELD_LOAD_BYTES(PS_EXTSB, sb, s_journal_uuid, st->ext_uuid);
		return PS_OK;
	}
	struct ovl *o = calloc(1, sizeof(*o));
	if (!o)
		return PS_ENOMEM;
	o->parent = src;
	o->bs = bs;
	o->fs_blocks = blocks;
	o->tmp = malloc(bs);
	uint8_t *jb = malloc(bs);
	uint64_t total_len = 0;
	if (!o->tmp || !jb) {
		r = PS_ENOMEM;
		goto fail;
	}
	r = map_journal(src, jino, o, &total_len, st);
	if (!r && st->bad)
		r = jnl_backup(src, sb, jino, bs, blocks, st);
	if (!r && st->bad && mode == PS_JMODE_BACKUP && st->backup.usable) {
		/* asked for: the journal the backup maps, in place of the
		 * damaged inode's (the kernel refuses to mount this) */
		struct standin sd;
		struct ps_journal tmp;
		memset(&tmp, 0, sizeof(tmp));
		backup_standin(sb, jino, &sd);
		free(o->runs);
		o->runs = NULL;
		o->nruns = o->cap = 0;
		r = map_journal_from(src, jino, &sd, o, &total_len, &tmp);
		if (!r && !tmp.bad) {
			st->bad = PS_JBAD_NONE;
			st->from_backup = true;
		}
	}
	if (r)
		goto fail;
	if (st->bad)
		goto done;
	if (jread_cb(o, 0, jb)) {
		st->bad = PS_JBAD_READ;
		goto done;
	}
	if (ps_jbd2_sb_parse(jb, bs, total_len, &o->j)) {
		st->bad = o->j.st.bad;
		st->jsb_version = o->j.st.jsb_version;
		goto done;
	}
	/* what the kernel's mount does (jbd2-recovery.md "Decision: is a replay due?"): replay only with RECOVER
	 * set and a log; a log without RECOVER is discarded */
	bool rec = st->needs_recovery;
	if (rec && o->j.start) {
		r = ps_jbd2_recover(&o->j, jread_cb, o, blocks);
		if (r)
			goto fail;
	}
	{
		struct ps_journal keep = *st;
		*st = o->j.st;
		st->kind = keep.kind;
		st->needs_recovery = keep.needs_recovery;
		st->journal_ino = keep.journal_ino;
		st->jinode_why = keep.jinode_why;
		st->jinode_blk = keep.jinode_blk;
		st->jinode_off = keep.jinode_off;
		st->backup = keep.backup;
		st->from_backup = keep.from_backup;
		if (st->from_backup)
			st->mount_fails = true;	/* the kernel refuses it */
	}
	st->discarded = !rec && o->j.start;
	if (rec && !replay)
		st->ignored = true;
	if (rec && replay) {
		struct ps_src *v = ps_src_new(&ovl_ops, o, src->size, src->name);
		if (!v) {
			r = PS_ENOMEM;
			goto fail;
		}
		v->parent = src;
		r = patch_blocks(v, o, sb);
		if (r) {
			snprintf(err, errlen, "%s", ps_src_strerror(v, r));
			ps_src_close(v);	/* frees o */
			free(jb);
			return r;
		}
		st->replayed = true;
		o->j.st = *st;
		free(jb);
		count_orphans(v, st);
		if (st->orphans)
			orphan_cleanup(v, o, st);
		*view = v;
		return PS_OK;
	}
done:
	free(jb);
	ovl_free(o);
	count_orphans(src, st);
	return PS_OK;
fail:
	free(jb);
	ovl_free(o);
	if (r == PS_ENOMEM)
		snprintf(err, errlen, "%s: out of memory reading the ext4 journal", src->name);
	else
		snprintf(err, errlen, "%s", ps_src_strerror(src, r));
	return r;
}
