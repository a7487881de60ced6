/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ext2/3/4 through libext2fs, read-only. The library reads the image
 * through an io_manager of our own whose channel reads a struct ps_src, so
 * it works on any block view (window, BTT) without a file of its own.
 */
#include "fs.h"
#include "fs_ext_int.h"
#include "err.h"
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ext2fs/ext2fs.h>

/* ---- io_manager over a ps_src ---- */

static struct struct_io_manager ps_io_manager;

/* A channel of manager m whose private data is the pointer the name
 * carries ("ps_src:%p", "ps_rw:%p"). */
static errcode_t chan_open(const char *name, const char *fmt, io_manager m,
			   io_channel *channel)
{
	void *p = NULL;
	if (!name || sscanf(name, fmt, &p) != 1 || !p)
		return EXT2_ET_BAD_DEVICE_NAME;
	io_channel io = calloc(1, sizeof(*io));
	if (!io)
		return EXT2_ET_NO_MEMORY;
	io->name = strdup(name);
	if (!io->name) {
		free(io);
		return EXT2_ET_NO_MEMORY;
	}
	io->magic = EXT2_ET_MAGIC_IO_CHANNEL;
	io->manager = m;
	io->block_size = 1024;
	io->refcount = 1;
	io->private_data = p;
	*channel = io;
	return 0;
}

static errcode_t psio_open(const char *name, int flags, io_channel *channel)
{
	if (flags & IO_FLAG_RW)
		return EXT2_ET_RO_FILSYS;
	return chan_open(name, "ps_src:%p", &ps_io_manager, channel);
}

static errcode_t psio_close(io_channel io)
{
	if (--io->refcount > 0)
		return 0;
	free(io->name);
	free(io);
	return 0;
}

static errcode_t psio_set_blksize(io_channel io, int blksize)
{
	if (blksize <= 0)
		return EXT2_ET_INVALID_ARGUMENT;
	io->block_size = blksize;
	return 0;
}

static errcode_t psio_read_blk64(io_channel io, unsigned long long block,
				 int count, void *data)
{
	struct ps_src *src = io->private_data;
	uint64_t len, off;
	if (count < 0)
		len = (uint64_t)(-(int64_t)count);
	else if (__builtin_mul_overflow((uint64_t)count, (uint64_t)io->block_size, &len))
		return EXT2_ET_SHORT_READ;
	if (__builtin_mul_overflow((uint64_t)block, (uint64_t)io->block_size, &off) ||
	    ps_src_pread(src, data, (size_t)len, off) != PS_OK) {
		memset(data, 0, (size_t)len);
		if (io->read_error)
			return io->read_error(io, (unsigned long)block, count, data,
					      (size_t)len, 0, EXT2_ET_SHORT_READ);
		return EXT2_ET_SHORT_READ;
	}
	return 0;
}

static errcode_t psio_read_blk(io_channel io, unsigned long block, int count,
			       void *data)
{
	return psio_read_blk64(io, block, count, data);
}

static errcode_t psio_write_blk(io_channel io, unsigned long block, int count,
				const void *data)
{
	(void)io; (void)block; (void)count; (void)data;
	return EXT2_ET_RO_FILSYS;
}

static errcode_t psio_write_blk64(io_channel io, unsigned long long block,
				  int count, const void *data)
{
	(void)io; (void)block; (void)count; (void)data;
	return EXT2_ET_RO_FILSYS;
}

static errcode_t psio_write_byte(io_channel io, unsigned long off, int count,
				 const void *data)
{
	(void)io; (void)off; (void)count; (void)data;
	return EXT2_ET_RO_FILSYS;
}

static errcode_t psio_flush(io_channel io)
{
	(void)io;
	return 0;
}

static errcode_t psio_set_option(io_channel io, const char *opt, const char *arg)
{
	(void)io; (void)opt; (void)arg;
	return EXT2_ET_INVALID_ARGUMENT;
}

static struct struct_io_manager ps_io_manager = {
	.magic = EXT2_ET_MAGIC_IO_MANAGER,
	.name = "pmemscan ps_src I/O manager",
	.open = psio_open,
	.close = psio_close,
	.set_blksize = psio_set_blksize,
	.read_blk = psio_read_blk,
	.write_blk = psio_write_blk,
	.flush = psio_flush,
	.write_byte = psio_write_byte,
	.set_option = psio_set_option,
	.read_blk64 = psio_read_blk64,
	.write_blk64 = psio_write_blk64,
};

/* ---- a writable io_manager whose writes go to a callback ---- */

struct rw_chan {
	struct ps_src *src;
	ps_ext_write_fn wr;
	void *ctx;
};

static struct struct_io_manager ps_rw_manager;

static errcode_t rwio_open(const char *name, int flags, io_channel *channel)
{
	(void)flags;
	return chan_open(name, "ps_rw:%p", &ps_rw_manager, channel);
}

static errcode_t rw_len(io_channel io, unsigned long long block, int count,
			uint64_t *len, uint64_t *off)
{
	if (count < 0)
		*len = (uint64_t)(-(int64_t)count);
	else if (__builtin_mul_overflow((uint64_t)count, (uint64_t)io->block_size, len))
		return EXT2_ET_SHORT_READ;
	if (__builtin_mul_overflow((uint64_t)block, (uint64_t)io->block_size, off))
		return EXT2_ET_SHORT_READ;
	return 0;
}

static errcode_t rwio_read_blk64(io_channel io, unsigned long long block, int count,
				 void *data)
{
	struct rw_chan *c = io->private_data;
	uint64_t len, off;
	if (rw_len(io, block, count, &len, &off) ||
	    ps_src_pread(c->src, data, (size_t)len, off) != PS_OK) {
		memset(data, 0, (size_t)(count < 0 ? -count : count * io->block_size));
		return EXT2_ET_SHORT_READ;
	}
	return 0;
}

static errcode_t rwio_read_blk(io_channel io, unsigned long block, int count, void *data)
{
	return rwio_read_blk64(io, block, count, data);
}

static errcode_t rwio_write_blk64(io_channel io, unsigned long long block, int count,
				  const void *data)
{
	struct rw_chan *c = io->private_data;
	uint64_t len, off;
	if (rw_len(io, block, count, &len, &off) || off + len > c->src->size ||
	    c->wr(c->ctx, off, data, (size_t)len))
		return EXT2_ET_SHORT_WRITE;
	return 0;
}

static errcode_t rwio_write_blk(io_channel io, unsigned long block, int count,
				const void *data)
{
	return rwio_write_blk64(io, block, count, data);
}

static errcode_t rwio_write_byte(io_channel io, unsigned long off, int count,
				 const void *data)
{
	struct rw_chan *c = io->private_data;
	if (count < 0 || off + (uint64_t)count > c->src->size ||
	    c->wr(c->ctx, off, data, (size_t)count))
		return EXT2_ET_SHORT_WRITE;
	return 0;
}

static struct struct_io_manager ps_rw_manager = {
	.magic = EXT2_ET_MAGIC_IO_MANAGER,
	.name = "pmemscan in-memory view I/O manager",
	.open = rwio_open,
	.close = psio_close,
	.set_blksize = psio_set_blksize,
	.read_blk = rwio_read_blk,
	.write_blk = rwio_write_blk,
	.flush = psio_flush,
	.write_byte = rwio_write_byte,
	.set_option = psio_set_option,
	.read_blk64 = rwio_read_blk64,
	.write_blk64 = rwio_write_blk64,
};

errcode_t ps_fs_ext_open_rw(struct ps_src *src, ps_ext_write_fn wr, void *ctx,
			    ext2_filsys *out)
{
	char name[64];
	*out = NULL;
	struct rw_chan *c = malloc(sizeof(*c));
	if (!c)
		return EXT2_ET_NO_MEMORY;
	c->src = src;
	c->wr = wr;
	c->ctx = ctx;
	initialize_ext2_error_table();
	snprintf(name, sizeof(name), "ps_rw:%p", (void *)c);
	errcode_t e = ext2fs_open2(name, NULL,
				   EXT2_FLAG_RW | EXT2_FLAG_64BITS | EXT2_FLAG_SKIP_MMP |
				   EXT2_FLAG_MASTER_SB_ONLY,
				   0, 0, &ps_rw_manager, out);
	/* the channel keeps c as its private data until it is closed: freed
	 * with the handle by ps_fs_ext_close_rw */
	if (e) {
		free(c);
		*out = NULL;
	}
	return e;
}

void ps_fs_ext_close_rw(ext2_filsys *efs)
{
	if (!*efs)
		return;
	void *c = (*efs)->io ? (*efs)->io->private_data : NULL;
	ext2fs_close_free(efs);
	free(c);
}

/* ---- the backend ---- */

struct ext_priv {
	ext2_filsys efs;
	uint8_t *buf;		/* PS_FS_CHUNK bytes */
	uint8_t *ibuf;		/* one whole on-disk inode (s_inode_size) */
	uint8_t *cbuf;		/* one block, for checksum checks */
};

static ext2_filsys EFS(struct ps_fs *fs)
{
	return ((struct ext_priv *)fs->priv)->efs;
}

ext2_filsys ps_fs_ext_efs(struct ps_fs *fs)
{
	return EFS(fs);
}

static void ext_close(struct ps_fs *fs)
{
	struct ext_priv *p = fs->priv;
	if (!p)
		return;
	if (p->efs)
		ext2fs_close_free(&p->efs);
	free(p->buf);
	free(p->ibuf);
	free(p->cbuf);
	free(p);
}

static int check_ino(struct ps_fs *fs, uint64_t ino)
{
	if (ino < 1 || ino > EFS(fs)->super->s_inodes_count) {
		ps_fs_set_error(fs, "%s: inode %llu out of range (s_inodes_count %u)",
				fs->src->name, (unsigned long long)ino,
				EFS(fs)->super->s_inodes_count);
		return PS_ERANGE;
	}
	return PS_OK;
}

static int read_inode(struct ps_fs *fs, uint64_t ino, struct ext2_inode_large *in)
{
	int r = check_ino(fs, ino);
	if (r)
		return r;
	struct ext_priv *p = fs->priv;
	size_t isz = EXT2_INODE_SIZE(p->efs->super);
	memset(in, 0, sizeof(*in));
	errcode_t e = ext2fs_read_inode_full(p->efs, (ext2_ino_t)ino,
					     (struct ext2_inode *)p->ibuf, (int)isz);
	if (!e)
		memcpy(in, p->ibuf, isz < sizeof(*in) ? isz : sizeof(*in));
	if (e) {
		ps_fs_set_error(fs, "%s: inode %llu: %s", fs->src->name,
				(unsigned long long)ino, error_message(e));
		return PS_EIO;
	}
	return PS_OK;
}

/* Is field (offset off, size sz) of the large inode present on disk? */
static int has_extra(ext2_filsys efs, const struct ext2_inode_large *in,
		     size_t off, size_t sz)
{
	if (EXT2_INODE_SIZE(efs->super) <= EXT2_GOOD_OLD_INODE_SIZE)
		return 0;
	return (size_t)EXT2_GOOD_OLD_INODE_SIZE + in->i_extra_isize >= off + sz &&
	       (size_t)EXT2_INODE_SIZE(efs->super) >= off + sz;
}

#define HAS_EXTRA(efs, in, f) \
	has_extra(efs, in, offsetof(struct ext2_inode_large, f), sizeof((in)->f))

/* ---- checksums (docs/cli.md "extract") ----
 * The filesystem is opened with EXT2_FLAG_IGNORE_CSUM_ERRORS, so libext2fs
 * reads on whatever the checksums say; here each checksummed structure of
 * an inode is checked with libext2fs's own verifiers and a mismatch is
 * recorded in the stat (ps_fs_csum_fail), not made an error. */

/* Device offset of inode ino in its inode table. */
static uint64_t inode_off(ext2_filsys efs, uint64_t ino)
{
	uint64_t ipg = efs->super->s_inodes_per_group;
	if (!ipg)
		return 0;
	dgrp_t g = (dgrp_t)((ino - 1) / ipg);
	return (uint64_t)ext2fs_inode_table_loc(efs, g) * efs->blocksize +
	       ((ino - 1) % ipg) * EXT2_INODE_SIZE(efs->super);
}

/* Block blk into p->cbuf; 0 if read. */
static int csum_block(struct ps_fs *fs, uint64_t blk)
{
	struct ext_priv *p = fs->priv;
	if (blk >= ext2fs_blocks_count(p->efs->super))
		return -1;
	return io_channel_read_blk64(p->efs->io, blk, 1, p->cbuf) ? -1 : 0;
}

/* An extent tree block's checksum covers its eh_max entries and the tail
 * after them; a header whose eh_max does not fit the block is checked by
 * no verifier and fails. */
static int extent_block_ok(ext2_filsys efs, uint64_t ino, uint8_t *b)
{
	struct ext3_extent_header *eh = (struct ext3_extent_header *)b;
	uint64_t max = ext2fs_le16_to_cpu(eh->eh_max);
	if (ext2fs_le16_to_cpu(eh->eh_magic) != EXT3_EXT_MAGIC ||
	    sizeof(*eh) + max * sizeof(struct ext3_extent) +
	    sizeof(struct ext3_extent_tail) > efs->blocksize)
		return 0;
	return ext2fs_extent_block_csum_verify(efs, (ext2_ino_t)ino, eh);
}

static void csum_extents(struct ps_fs *fs, uint64_t ino, struct ext2_inode_large *in,
			 struct ps_fs_stat *st)
{
	ext2_filsys efs = EFS(fs);
	ext2_extent_handle_t h;
	if (ext2fs_extent_open2(efs, (ext2_ino_t)ino, (struct ext2_inode *)in, &h))
		return;		/* the reader reports a tree it cannot open */
	struct ext2fs_extent ex;
	int op = EXT2_EXTENT_ROOT;
	for (uint64_t steps = 0; steps < (1ULL << 32); steps++) {
		if (ext2fs_extent_get(h, op, &ex))
			break;
		op = EXT2_EXTENT_NEXT;
		if ((ex.e_flags & EXT2_EXTENT_FLAGS_LEAF) ||
		    (ex.e_flags & EXT2_EXTENT_FLAGS_SECOND_VISIT))
			continue;
		/* an index entry: the block it leads to */
		if (csum_block(fs, ex.e_pblk) ||
		    !extent_block_ok(efs, ino, ((struct ext_priv *)fs->priv)->cbuf))
			ps_fs_csum_fail(fs, st, PS_CSUM_EXTENT, ex.e_pblk * efs->blocksize);
	}
	ext2fs_extent_free(h);
}

struct dircsum {
	struct ps_fs *fs;
	struct ps_fs_stat *st;
	uint64_t ino;
};

static int dircsum_cb(ext2_filsys efs, blk64_t *blocknr, e2_blkcnt_t blockcnt,
		      blk64_t ref_blk, int ref_offset, void *priv)
{
	(void)ref_blk; (void)ref_offset;
	struct dircsum *d = priv;
	if (blockcnt < 0 || !*blocknr)
		return 0;
	if (csum_block(d->fs, *blocknr) ||
	    !ext2fs_dir_block_csum_verify(efs, (ext2_ino_t)d->ino,
					  (struct ext2_dir_entry *)((struct ext_priv *)d->fs->priv)->cbuf))
		ps_fs_csum_fail(d->fs, d->st, PS_CSUM_DIR, *blocknr * efs->blocksize);
	return 0;
}

/* Every checksummed structure of inode ino (in, read already, whose raw
 * bytes are in p->ibuf) into st->csum_bad. */
static void csum_inode(struct ps_fs *fs, uint64_t ino, struct ext2_inode_large *in,
		       struct ps_fs_stat *st)
{
	struct ext_priv *p = fs->priv;
	ext2_filsys efs = p->efs;
	if (!ext2fs_has_feature_metadata_csum(efs->super))
		return;
	if (!ext2fs_inode_csum_verify(efs, (ext2_ino_t)ino,
				      (struct ext2_inode_large *)p->ibuf))
		ps_fs_csum_fail(fs, st, PS_CSUM_INODE, inode_off(efs, ino));
	blk64_t acl = ext2fs_file_acl_block(efs, (struct ext2_inode *)in);
	if (acl && (csum_block(fs, acl) ||
		    !ext2fs_ext_attr_block_csum_verify(efs, (ext2_ino_t)ino, acl,
						       (struct ext2_ext_attr_header *)p->cbuf)))
		ps_fs_csum_fail(fs, st, PS_CSUM_XATTR, acl * efs->blocksize);
	if (in->i_flags & EXT4_INLINE_DATA_FL)
		return;		/* in the inode: its checksum covers it */
	if ((in->i_flags & EXT4_EXTENTS_FL) && !ext2fs_is_fast_symlink((struct ext2_inode *)in))
		csum_extents(fs, ino, in, st);
	if (LINUX_S_ISDIR(in->i_mode)) {
		struct dircsum d = { fs, st, ino };
		ext2fs_block_iterate3(efs, (ext2_ino_t)ino,
				      BLOCK_FLAG_READ_ONLY | BLOCK_FLAG_DATA_ONLY,
				      NULL, dircsum_cb, &d);
	}
}

/* ext4 time: signed 32-bit seconds; the extra word holds 2 epoch bits
 * (added above bit 31) and 30 bits of nanoseconds. */
static struct ps_ts ext_time(uint32_t base, uint32_t extra, int has)
{
	struct ps_ts t = { (int32_t)base, 0 };
	if (has) {
		t.sec += (int64_t)(extra & 3) << 32;
		t.nsec = extra >> 2;
		if (t.nsec > 999999999)
			t.nsec = 0;
	}
	return t;
}

struct xa_ctx {
	struct ps_fs_stat *st;
	int err;
};

static int xattr_cb(char *name, char *value, size_t len, void *data)
{
	struct xa_ctx *x = data;
	if (!strcmp(name, "system.data"))	/* inline data, not an xattr */
		return 0;
	if (ps_fs_stat_add_xattr(x->st, name, strlen(name), value, len)) {
		x->err = PS_ENOMEM;
		return XATTR_ABORT;
	}
	return 0;
}

static void read_xattrs(struct ps_fs *fs, uint64_t ino, struct ps_fs_stat *st)
{
	struct ext2_xattr_handle *h = NULL;
	errcode_t e = ext2fs_xattrs_open(EFS(fs), (ext2_ino_t)ino, &h);
	if (!e)
		e = ext2fs_xattrs_read(h);
	if (!e) {
		struct xa_ctx x = { st, 0 };
		e = ext2fs_xattrs_iterate(h, xattr_cb, &x);
		if (!e && x.err)
			e = EXT2_ET_NO_MEMORY;
	}
	if (h)
		ext2fs_xattrs_close(&h);
	if (e && e != EXT2_ET_MISSING_EA_FEATURE) {
		st->xattrs_incomplete = 1;
		snprintf(st->note, sizeof(st->note), "xattrs unreadable: %s",
			 error_message(e));
	}
}

static int read_symlink(struct ps_fs *fs, uint64_t ino,
			struct ext2_inode_large *in, struct ps_fs_stat *st)
{
	ext2_filsys efs = EFS(fs);
	uint64_t size = EXT2_I_SIZE(in);
	size_t bs = efs->blocksize;
	if (size == 0 || size >= bs || size > 4095) {
		ps_fs_set_error(fs, "%s: inode %llu: symlink size %llu out of range",
				fs->src->name, (unsigned long long)ino,
				(unsigned long long)size);
		return PS_EFORMAT;
	}
	char *t = calloc(1, bs + 1);
	if (!t)
		return PS_ENOMEM;
	errcode_t e = 0;
	if (in->i_flags & EXT4_INLINE_DATA_FL) {
		size_t isz = 0;
		e = ext2fs_inline_data_size(efs, (ext2_ino_t)ino, &isz);
		if (!e && isz > bs)
			e = EXT2_ET_INLINE_DATA_NO_SPACE;
		if (!e)
			e = ext2fs_inline_data_get(efs, (ext2_ino_t)ino,
						   (struct ext2_inode *)in, t, &isz);
	} else if (ext2fs_is_fast_symlink((struct ext2_inode *)in)) {
		memcpy(t, in->i_block, size < sizeof(in->i_block) ? size : sizeof(in->i_block));
	} else {
		blk64_t pblk = 0;
		e = ext2fs_bmap2(efs, (ext2_ino_t)ino, (struct ext2_inode *)in,
				 NULL, 0, 0, NULL, &pblk);
		if (!e && !pblk)
			e = EXT2_ET_BAD_BLOCK_NUM;
		if (!e)
			e = io_channel_read_blk64(efs->io, pblk, 1, t);
	}
	if (e) {
		free(t);
		ps_fs_set_error(fs, "%s: inode %llu: symlink target unreadable: %s",
				fs->src->name, (unsigned long long)ino, error_message(e));
		return PS_EIO;
	}
	t[size] = 0;
	st->symlink = t;
	st->symlink_len = strnlen(t, (size_t)size);
	return PS_OK;
}

static int ext_stat(struct ps_fs *fs, uint64_t ino, struct ps_fs_stat *st)
{
	ext2_filsys efs = EFS(fs);
	struct ext2_inode_large in;
	int r = read_inode(fs, ino, &in);
	if (r)
		return r;
	csum_inode(fs, ino, &in, st);	/* p->ibuf: the raw inode just read */
	st->ino = ino;
	st->mode = in.i_mode;
	st->uid = inode_uid(in);
	st->gid = inode_gid(in);
	st->nlink = in.i_links_count;
	st->size = EXT2_I_SIZE(&in);
	st->atime = ext_time(in.i_atime, in.i_atime_extra, HAS_EXTRA(efs, &in, i_atime_extra));
	st->mtime = ext_time(in.i_mtime, in.i_mtime_extra, HAS_EXTRA(efs, &in, i_mtime_extra));
	st->ctime = ext_time(in.i_ctime, in.i_ctime_extra, HAS_EXTRA(efs, &in, i_ctime_extra));
	if (HAS_EXTRA(efs, &in, i_crtime)) {
		st->has_crtime = 1;
		st->crtime = ext_time(in.i_crtime, in.i_crtime_extra,
				      HAS_EXTRA(efs, &in, i_crtime_extra));
	}
	switch (st->mode & 0170000) {
	case 0020000:
	case 0060000:
		if (in.i_block[0]) {
			st->rdev_major = (in.i_block[0] >> 8) & 0xff;
			st->rdev_minor = in.i_block[0] & 0xff;
		} else {
			uint32_t d = in.i_block[1];
			st->rdev_major = (d & 0xfff00) >> 8;
			st->rdev_minor = (d & 0xff) | ((d >> 12) & 0xfff00);
		}
		break;
	case 0120000:
		r = read_symlink(fs, ino, &in, st);
		if (r)
			return r;
		break;
	default:
		break;
	}
	if (in.i_flags & EXT4_ENCRYPT_FL)
		snprintf(st->note, sizeof(st->note),
			 "encrypted inode: content and names are ciphertext");
	read_xattrs(fs, ino, st);
	return PS_OK;
}

struct dir_ctx {
	ps_fs_dir_cb cb;
	void *ctx;
	int ret;
};

static int dir_cb(ext2_ino_t dir, int entry, struct ext2_dir_entry *de,
		  int offset, int blocksize, char *buf, void *priv)
{
	(void)dir; (void)offset; (void)blocksize; (void)buf;
	struct dir_ctx *d = priv;
	char name[EXT2_NAME_LEN + 1];
	if (entry == DIRENT_DOT_FILE || entry == DIRENT_DOT_DOT_FILE || !de->inode)
		return 0;
	size_t len = (size_t)ext2fs_dirent_name_len(de);
	memcpy(name, de->name, len);
	name[len] = 0;
	int r = d->cb(d->ctx, name, len, de->inode);
	if (r) {
		d->ret = r;
		return DIRENT_ABORT;
	}
	return 0;
}

static int ext_readdir(struct ps_fs *fs, uint64_t dir, ps_fs_dir_cb cb, void *ctx)
{
	int r = check_ino(fs, dir);
	if (r)
		return r;
	struct dir_ctx d = { cb, ctx, 0 };
	errcode_t e = ext2fs_dir_iterate2(EFS(fs), (ext2_ino_t)dir, 0, NULL,
					  dir_cb, &d);
	if (d.ret)
		return d.ret == PS_FS_STOP ? PS_OK : d.ret;
	if (e) {
		ps_fs_set_error(fs, "%s: directory inode %llu: %s", fs->src->name,
				(unsigned long long)dir, error_message(e));
		return PS_EIO;
	}
	return PS_OK;
}

/* ---- file content, by runs of physical blocks ---- */

struct run_ctx {
	struct ps_fs *fs;
	const struct ps_fs_stat *st;
	ps_fs_data_cb cb;
	void *ctx;
	int ret;
	int map_only;		/* ranges only, nothing read */
	/* pending run for block-mapped files */
	uint64_t lblk, pblk, count;
	uint64_t next_lblk;
};

/* Hand count blocks at lblk (stored at pblk) to the callback, clamped to
 * the file size, in pieces of at most PS_FS_CHUNK. */
static int emit_run(struct run_ctx *rc, uint64_t lblk, uint64_t pblk,
		    uint64_t count)
{
	struct ext_priv *p = rc->fs->priv;
	ext2_filsys efs = p->efs;
	uint64_t bs = efs->blocksize, size = rc->st->size;
	uint64_t per = PS_FS_CHUNK / bs;
	if (rc->map_only) {
		uint64_t off, len;
		if (__builtin_mul_overflow(lblk, bs, &off) || off >= size)
			return PS_OK;
		len = count > (size - off) / bs ? size - off : count * bs;
		return rc->cb(rc->ctx, off, NULL, (size_t)len);
	}
	while (count) {
		uint64_t off;
		if (__builtin_mul_overflow(lblk, bs, &off) || off >= size)
			return PS_OK;
		uint64_t n = count < per ? count : per;
		uint64_t len = n * bs;
		if (len > size - off)
			len = size - off;
		if (pblk >= ext2fs_blocks_count(efs->super) ||
		    n > ext2fs_blocks_count(efs->super) - pblk) {
			ps_fs_set_error(rc->fs, "%s: inode %llu: block %llu beyond the filesystem (%llu blocks)",
					rc->fs->src->name, (unsigned long long)rc->st->ino,
					(unsigned long long)pblk,
					(unsigned long long)ext2fs_blocks_count(efs->super));
			return PS_EFORMAT;
		}
		errcode_t e = io_channel_read_blk64(efs->io, pblk, -(int)len, p->buf);
		if (e) {
			ps_fs_set_error(rc->fs, "%s: inode %llu: reading block %llu: %s",
					rc->fs->src->name, (unsigned long long)rc->st->ino,
					(unsigned long long)pblk, error_message(e));
			return PS_EIO;
		}
		int r = rc->cb(rc->ctx, off, p->buf, (size_t)len);
		if (r)
			return r;
		lblk += n;
		pblk += n;
		count -= n;
	}
	return PS_OK;
}

static int blk_cb(ext2_filsys efs, blk64_t *blocknr, e2_blkcnt_t blockcnt,
		  blk64_t ref_blk, int ref_offset, void *priv)
{
	(void)efs; (void)ref_blk; (void)ref_offset;
	struct run_ctx *rc = priv;
	if (blockcnt < 0 || !*blocknr)
		return 0;
	uint64_t l = (uint64_t)blockcnt;
	if (rc->count && l == rc->lblk + rc->count && *blocknr == rc->pblk + rc->count &&
	    rc->count < PS_FS_CHUNK / efs->blocksize) {
		rc->count++;
		return 0;
	}
	if (rc->count) {
		int r = emit_run(rc, rc->lblk, rc->pblk, rc->count);
		if (r) {
			rc->ret = r;
			return BLOCK_ABORT;
		}
	}
	rc->lblk = l;
	rc->pblk = *blocknr;
	rc->count = 1;
	return 0;
}

static int read_extents(struct ps_fs *fs, struct ext2_inode_large *in,
			struct run_ctx *rc)
{
	ext2_extent_handle_t h;
	ext2_filsys efs = EFS(fs);
	errcode_t e = ext2fs_extent_open2(efs, (ext2_ino_t)rc->st->ino,
					  (struct ext2_inode *)in, &h);
	if (e)
		goto fail;
	struct ext2fs_extent ex;
	int op = EXT2_EXTENT_ROOT;
	uint64_t next = 0, steps = 0;
	int r = PS_OK;
	for (;;) {
		e = ext2fs_extent_get(h, op, &ex);
		if (e == EXT2_ET_EXTENT_NO_NEXT) {
			e = 0;
			break;
		}
		if (e)
			break;
		op = EXT2_EXTENT_NEXT;
		if (++steps > (1ULL << 32)) {
			e = EXT2_ET_EXTENT_HEADER_BAD;
			break;
		}
		if (!(ex.e_flags & EXT2_EXTENT_FLAGS_LEAF) ||
		    (ex.e_flags & EXT2_EXTENT_FLAGS_SECOND_VISIT))
			continue;
		if (ex.e_lblk < next) {
			ps_fs_set_error(fs, "%s: inode %llu: extent at logical block %llu overlaps the previous one (corrupt extent tree)",
					fs->src->name, (unsigned long long)rc->st->ino,
					(unsigned long long)ex.e_lblk);
			r = PS_EFORMAT;
			break;
		}
		next = ex.e_lblk + ex.e_len;
		if (ex.e_flags & EXT2_EXTENT_FLAGS_UNINIT)
			continue;	/* unwritten: reads as zeros */
		r = emit_run(rc, ex.e_lblk, ex.e_pblk, ex.e_len);
		if (r)
			break;
		if ((uint64_t)ex.e_lblk * efs->blocksize >= rc->st->size)
			break;
	}
	ext2fs_extent_free(h);
	if (r)
		return r;
	if (!e)
		return PS_OK;
fail:
	ps_fs_set_error(fs, "%s: inode %llu: extent tree: %s", fs->src->name,
			(unsigned long long)rc->st->ino, error_message(e));
	return PS_EIO;
}

static int ext_walk(struct ps_fs *fs, const struct ps_fs_stat *st,
		    ps_fs_data_cb cb, void *ctx, int map_only)
{
	struct ext_priv *p = fs->priv;
	ext2_filsys efs = p->efs;
	struct ext2_inode_large in;
	int r = read_inode(fs, st->ino, &in);
	if (r)
		return r;
	if (!LINUX_S_ISREG(in.i_mode)) {
		ps_fs_set_error(fs, "%s: inode %llu is not a regular file",
				fs->src->name, (unsigned long long)st->ino);
		return PS_EINVAL;
	}
	struct run_ctx rc = { .fs = fs, .st = st, .cb = cb, .ctx = ctx,
			      .map_only = map_only };
	if ((in.i_flags & EXT4_INLINE_DATA_FL) && map_only) {
		r = st->size ? cb(ctx, 0, NULL, (size_t)st->size) : PS_OK;
		return r == PS_FS_STOP ? PS_OK : r;
	}
	if (in.i_flags & EXT4_INLINE_DATA_FL) {
		size_t isz = 0;
		errcode_t e = ext2fs_inline_data_size(efs, (ext2_ino_t)st->ino, &isz);
		if (!e && isz > PS_FS_CHUNK)
			e = EXT2_ET_INLINE_DATA_NO_SPACE;
		if (!e)
			e = ext2fs_inline_data_get(efs, (ext2_ino_t)st->ino,
						   (struct ext2_inode *)&in, p->buf, &isz);
		if (e) {
			ps_fs_set_error(fs, "%s: inode %llu: inline data: %s",
					fs->src->name, (unsigned long long)st->ino,
					error_message(e));
			return PS_EIO;
		}
		if (isz > st->size)
			isz = (size_t)st->size;
		r = isz ? cb(ctx, 0, p->buf, isz) : PS_OK;
		return r == PS_FS_STOP ? PS_OK : r;
	}
	if (in.i_flags & EXT4_EXTENTS_FL) {
		r = read_extents(fs, &in, &rc);
		return r == PS_FS_STOP ? PS_OK : r;
	}
	errcode_t e = ext2fs_block_iterate3(efs, (ext2_ino_t)st->ino,
					    BLOCK_FLAG_READ_ONLY | BLOCK_FLAG_DATA_ONLY,
					    NULL, blk_cb, &rc);
	if (!rc.ret && rc.count)
		rc.ret = emit_run(&rc, rc.lblk, rc.pblk, rc.count);
	if (rc.ret)
		return rc.ret == PS_FS_STOP ? PS_OK : rc.ret;
	if (e) {
		ps_fs_set_error(fs, "%s: inode %llu: block map: %s", fs->src->name,
				(unsigned long long)st->ino, error_message(e));
		return PS_EIO;
	}
	return PS_OK;
}

static int ext_read(struct ps_fs *fs, const struct ps_fs_stat *st,
		    ps_fs_data_cb cb, void *ctx)
{
	return ext_walk(fs, st, cb, ctx, 0);
}

static int ext_map(struct ps_fs *fs, const struct ps_fs_stat *st,
		   ps_fs_data_cb cb, void *ctx)
{
	return ext_walk(fs, st, cb, ctx, 1);
}

/* ---- block map and block bitmap (the split check, docs/start_pad.md "Files with two contents: the split check") ---- */

struct bmap_ctx {
	struct ps_fs *fs;
	ps_fs_extent_cb cb;
	void *ctx;
	int ret;
	struct ps_fs_extent run;	/* pending run of a block-mapped file */
};

static int bmap_emit(struct bmap_ctx *b, const struct ps_fs_extent *e)
{
	int r = b->cb(b->ctx, e);
	if (r)
		b->ret = r;
	return r;
}

static int bmap_blk_cb(ext2_filsys efs, blk64_t *blocknr, e2_blkcnt_t blockcnt,
		       blk64_t ref_blk, int ref_offset, void *priv)
{
	(void)ref_blk; (void)ref_offset;
	struct bmap_ctx *b = priv;
	uint64_t bs = efs->blocksize;
	if (blockcnt < 0 || !*blocknr)
		return 0;
	uint64_t l = (uint64_t)blockcnt * bs, ph = (uint64_t)*blocknr * bs;
	if (b->run.len && l == b->run.logical + b->run.len &&
	    ph == b->run.physical + b->run.len) {
		b->run.len += bs;
		return 0;
	}
	if (b->run.len && bmap_emit(b, &b->run))
		return BLOCK_ABORT;
	b->run = (struct ps_fs_extent){ l, ph, bs, 0 };
	return 0;
}

static int ext_bmap(struct ps_fs *fs, const struct ps_fs_stat *st,
		    ps_fs_extent_cb cb, void *ctx)
{
	ext2_filsys efs = EFS(fs);
	struct ext2_inode_large in;
	int r = read_inode(fs, st->ino, &in);
	if (r)
		return r;
	if (in.i_flags & EXT4_INLINE_DATA_FL) {
		ps_fs_set_error(fs, "%s: inode %llu: inline data has no block map",
				fs->src->name, (unsigned long long)st->ino);
		return PS_EUNSUPP;
	}
	uint64_t bs = efs->blocksize, nblk = ext2fs_blocks_count(efs->super);
	struct bmap_ctx b = { .fs = fs, .cb = cb, .ctx = ctx };
	errcode_t e;
	if (in.i_flags & EXT4_EXTENTS_FL) {
		ext2_extent_handle_t h;
		e = ext2fs_extent_open2(efs, (ext2_ino_t)st->ino, (struct ext2_inode *)&in, &h);
		if (e)
			goto fail;
		struct ext2fs_extent ex;
		int op = EXT2_EXTENT_ROOT;
		uint64_t next = 0;
		for (;;) {
			e = ext2fs_extent_get(h, op, &ex);
			if (e == EXT2_ET_EXTENT_NO_NEXT) {
				e = 0;
				break;
			}
			if (e)
				break;
			op = EXT2_EXTENT_NEXT;
			if (!(ex.e_flags & EXT2_EXTENT_FLAGS_LEAF) ||
			    (ex.e_flags & EXT2_EXTENT_FLAGS_SECOND_VISIT))
				continue;
			if (ex.e_lblk < next || ex.e_pblk >= nblk || ex.e_len > nblk - ex.e_pblk) {
				ps_fs_set_error(fs, "%s: inode %llu: extent at logical block %llu (physical %llu, %u blocks) overlaps the previous one or lies beyond the filesystem",
						fs->src->name, (unsigned long long)st->ino,
						(unsigned long long)ex.e_lblk,
						(unsigned long long)ex.e_pblk, ex.e_len);
				ext2fs_extent_free(h);
				return PS_EFORMAT;
			}
			next = ex.e_lblk + ex.e_len;
			struct ps_fs_extent x = { ex.e_lblk * bs, ex.e_pblk * bs,
						  (uint64_t)ex.e_len * bs,
						  !!(ex.e_flags & EXT2_EXTENT_FLAGS_UNINIT) };
			if (bmap_emit(&b, &x))
				break;
		}
		ext2fs_extent_free(h);
		if (b.ret)
			return b.ret;
		if (e)
			goto fail;
		return PS_OK;
	}
	e = ext2fs_block_iterate3(efs, (ext2_ino_t)st->ino,
				  BLOCK_FLAG_READ_ONLY | BLOCK_FLAG_DATA_ONLY,
				  NULL, bmap_blk_cb, &b);
	if (!b.ret && !e && b.run.len)
		bmap_emit(&b, &b.run);
	if (b.ret)
		return b.ret;
	if (!e)
		return PS_OK;
fail:
	ps_fs_set_error(fs, "%s: inode %llu: block map: %s", fs->src->name,
			(unsigned long long)st->ino, error_message(e));
	return PS_EIO;
}

static int ext_block_allocated(struct ps_fs *fs, uint64_t off)
{
	ext2_filsys efs = EFS(fs);
	uint64_t blk = off / efs->blocksize;
	if (blk >= ext2fs_blocks_count(efs->super))
		return PS_ERANGE;
	if (blk < efs->super->s_first_data_block)
		return 1;	/* the boot block of a 1 KiB-block filesystem */
	if (!efs->block_map) {
		errcode_t e = ext2fs_read_block_bitmap(efs);
		if (e) {
			ps_fs_set_error(fs, "%s: block bitmap: %s", fs->src->name,
					error_message(e));
			return PS_EIO;
		}
	}
	return ext2fs_test_block_bitmap2(efs->block_map, blk) ? 1 : 0;
}

static const struct ps_fs_ops ext_ops = {
	.close = ext_close,
	.stat = ext_stat,
	.readdir = ext_readdir,
	.read = ext_read,
	.map = ext_map,
	.bmap = ext_bmap,
	.block_allocated = ext_block_allocated,
};

int ps_fs_ext_open(struct ps_src *src, struct ps_fs **out, char *err,
		   size_t errlen)
{
	char name[64];
	*out = NULL;
	struct ps_fs *fs = calloc(1, sizeof(*fs));
	struct ext_priv *p = calloc(1, sizeof(*p));
	if (p)
		p->buf = malloc(PS_FS_CHUNK);
	if (!fs || !p || !p->buf) {
		free(fs);
		if (p)
			free(p->buf);
		free(p);
		snprintf(err, errlen, "%s: out of memory", src->name);
		return PS_ENOMEM;
	}
	fs->ops = &ext_ops;
	fs->type = PS_FS_EXT;
	fs->src = src;
	fs->priv = p;
	initialize_ext2_error_table();
	snprintf(name, sizeof(name), "ps_src:%p", (void *)src);
	errcode_t e = ext2fs_open2(name, NULL,
				   EXT2_FLAG_64BITS | EXT2_FLAG_IGNORE_CSUM_ERRORS |
				   EXT2_FLAG_SKIP_MMP,
				   0, 0, &ps_io_manager, &p->efs);
	if (e) {
		snprintf(err, errlen, "%s: not a usable ext2/3/4 filesystem: %s",
			 src->name, error_message(e));
		p->efs = NULL;
		ps_fs_close(fs);
		return PS_EFORMAT;
	}
	ext2_filsys efs = p->efs;
	p->ibuf = calloc(1, EXT2_INODE_SIZE(efs->super));
	p->cbuf = malloc(efs->blocksize);
	if (!p->ibuf || !p->cbuf) {
		snprintf(err, errlen, "%s: out of memory", src->name);
		ps_fs_close(fs);
		return PS_ENOMEM;
	}
	if (ext2fs_has_feature_metadata_csum(efs->super) &&
	    !ext2fs_superblock_csum_verify(efs, efs->super))
		ps_fs_csum_fail(fs, NULL, PS_CSUM_SUPER, 1024);
	if (ext2fs_has_group_desc_csum(efs))
		for (dgrp_t g = 0; g < efs->group_desc_count; g++)
			if (!ext2fs_group_desc_csum_verify(efs, g))
				ps_fs_csum_fail(fs, NULL, PS_CSUM_GROUP,
						((uint64_t)efs->super->s_first_data_block + 1) *
						efs->blocksize +
						(uint64_t)g * EXT2_DESC_SIZE(efs->super));
	fs->root = EXT2_ROOT_INO;
	fs->blocksize = efs->blocksize;
	if (ext2fs_has_feature_journal_needs_recovery(efs->super))
		if (asprintf(&fs->warning, "%s: the ext4 journal needs recovery (not replayed): recently written files may be stale or missing",
			     src->name) < 0)
			fs->warning = NULL;
	*out = fs;
	return PS_OK;
}
