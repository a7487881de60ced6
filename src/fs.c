/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Filesystem reader: type detection and the backend-independent parts. */
#include "fs.h"
#include "line.h"
#include "err.h"
#include "ext_sb.h"
#include "le.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ps_fs_set_error(struct ps_fs *fs, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ps_line_vset(&fs->err, fmt, ap);	/* whole: it names paths */
	va_end(ap);
}

const char *ps_fs_error(const struct ps_fs *fs)
{
	return fs->err && fs->err[0] ? fs->err : "no error";
}

const char *ps_fs_type_name(enum ps_fs_type t)
{
	switch (t) {
	case PS_FS_EXT: return "ext";
	case PS_FS_XFS: return "xfs";
	default: return "unknown";
	}
}

enum ps_fs_type ps_fs_get_type(const struct ps_fs *fs) { return fs->type; }
uint64_t ps_fs_root(const struct ps_fs *fs) { return fs->root; }

const char *ps_fs_warning(const struct ps_fs *fs)
{
	return fs->warning && fs->warning[0] ? fs->warning : NULL;
}

unsigned ps_fs_csum(const struct ps_fs *fs, uint64_t *ngroups, uint64_t *off)
{
	if (ngroups)
		*ngroups = fs->csum_groups;
	if (off)
		*off = fs->csum_off;
	return fs->csum_bad;
}

void ps_fs_csum_fail(struct ps_fs *fs, struct ps_fs_stat *st, unsigned kind,
		     uint64_t off)
{
	if (st) {
		if (!st->csum_bad)
			st->csum_off = off;
		st->csum_bad |= kind;
		return;
	}
	fs->csum_bad |= kind;
	if (kind & PS_CSUM_GROUP) {	/* the superblock's place is known */
		if (!fs->csum_groups)
			fs->csum_off = off;
		fs->csum_groups++;
	}
}

const struct ps_xfs_log_info *ps_fs_xfs_log(const struct ps_fs *fs)
{
	return fs->type == PS_FS_XFS ? &fs->xlog : NULL;
}

int ps_fs_open(struct ps_src *src, enum ps_fs_type type, struct ps_fs **out,
	       char *err, size_t errlen)
{
	*out = NULL;
	if (type == PS_FS_AUTO) {
		uint8_t b[4];
		if (src->size >= 4096 && ps_src_pread(src, b, 4, 0) == PS_OK &&
		    !memcmp(b, "XFSB", 4)) {
			type = PS_FS_XFS;
		} else if (src->size >= 2048 &&
			   ps_src_pread(src, b, PS_EXTSB_LEN_s_magic,
					PS_EXTSB_OFFSET + PS_EXTSB_OFF_s_magic) == PS_OK &&
			   ps_le16(b) == PS_EXTSB_MAGIC) {
			type = PS_FS_EXT;
		} else {
			snprintf(err, errlen, "%s: no ext2/3/4 or XFS superblock "
				 "(s_magic at offset 1080, sb_magicnum at offset 0)",
				 src->name);
			return PS_ENOTFOUND;
		}
	}
	if (type == PS_FS_EXT)
		return ps_fs_ext_open(src, out, err, errlen);
	if (type == PS_FS_XFS)
		return ps_fs_xfs_open(src, out, err, errlen);
	snprintf(err, errlen, "%s: unknown filesystem type", src->name);
	return PS_EINVAL;
}

void ps_fs_close(struct ps_fs *fs)
{
	if (!fs)
		return;
	if (fs->ops && fs->ops->close)
		fs->ops->close(fs);
	ps_line_free(&fs->err);
	free(fs->warning);
	free(fs);
}

void ps_fs_stat_free(struct ps_fs_stat *st)
{
	free(st->symlink);
	for (size_t i = 0; i < st->nxattrs; i++) {
		free(st->xattrs[i].name);
		free(st->xattrs[i].value);
	}
	free(st->xattrs);
	memset(st, 0, sizeof(*st));
}

int ps_fs_stat_add_xattr(struct ps_fs_stat *st, const char *name,
			 size_t namelen, const void *value, size_t len)
{
	struct ps_xattr *v = realloc(st->xattrs, (st->nxattrs + 1) * sizeof(*v));
	if (!v)
		return PS_ENOMEM;
	st->xattrs = v;
	struct ps_xattr *x = &v[st->nxattrs];
	x->name = strndup(name, namelen);
	x->value = malloc(len ? len : 1);
	if (!x->name || !x->value) {
		free(x->name);
		free(x->value);
		return PS_ENOMEM;
	}
	if (len)
		memcpy(x->value, value, len);
	x->len = len;
	st->nxattrs++;
	return PS_OK;
}

int ps_fs_stat(struct ps_fs *fs, uint64_t ino, struct ps_fs_stat *st)
{
	memset(st, 0, sizeof(*st));
	int r = fs->ops->stat(fs, ino, st);
	if (r)
		ps_fs_stat_free(st);
	return r;
}

int ps_fs_readdir(struct ps_fs *fs, uint64_t dir, ps_fs_dir_cb cb, void *ctx)
{
	return fs->ops->readdir(fs, dir, cb, ctx);
}

int ps_fs_read(struct ps_fs *fs, const struct ps_fs_stat *st, ps_fs_data_cb cb,
	       void *ctx)
{
	return fs->ops->read(fs, st, cb, ctx);
}

int ps_fs_map(struct ps_fs *fs, const struct ps_fs_stat *st, ps_fs_data_cb cb,
	      void *ctx)
{
	if (fs->ops->map)
		return fs->ops->map(fs, st, cb, ctx);
	int r = st->size ? cb(ctx, 0, NULL, (size_t)st->size) : PS_OK;
	return r == PS_FS_STOP ? PS_OK : r;
}

int ps_fs_bmap(struct ps_fs *fs, const struct ps_fs_stat *st,
	       ps_fs_extent_cb cb, void *ctx)
{
	if (!fs->ops->bmap) {
		ps_fs_set_error(fs, "%s: %s: no block map reader", fs->src->name,
				ps_fs_type_name(fs->type));
		return PS_EUNSUPP;
	}
	int r = fs->ops->bmap(fs, st, cb, ctx);
	return r == PS_FS_STOP ? PS_OK : r;
}

int ps_fs_block_allocated(struct ps_fs *fs, uint64_t off)
{
	if (!fs->ops->block_allocated)
		return PS_EUNSUPP;
	return fs->ops->block_allocated(fs, off);
}

uint32_t ps_fs_block_size(const struct ps_fs *fs)
{
	return fs->blocksize;
}

struct lookup_ctx {
	const char *name;
	size_t len;
	uint64_t ino;
	int found;
};

static int lookup_cb(void *ctx, const char *name, size_t namelen, uint64_t ino)
{
	struct lookup_ctx *l = ctx;
	if (namelen == l->len && !memcmp(name, l->name, namelen)) {
		l->ino = ino;
		l->found = 1;
		return PS_FS_STOP;
	}
	return 0;
}

int ps_fs_lookup(struct ps_fs *fs, const char *path, uint64_t *ino)
{
	uint64_t cur = fs->root;
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (!(len == 1 && p[0] == '.')) {
			struct ps_fs_stat st;
			int r = ps_fs_stat(fs, cur, &st);
			if (r)
				return r;
			int isdir = (st.mode & 0170000) == 0040000;
			ps_fs_stat_free(&st);
			if (!isdir) {
				ps_fs_set_error(fs, "%.*s: not a directory in the image",
						(int)(p - path), path);
				return PS_ENOTFOUND;
			}
			struct lookup_ctx l = { p, len, 0, 0 };
			r = ps_fs_readdir(fs, cur, lookup_cb, &l);
			if (r)
				return r;
			if (!l.found) {
				ps_fs_set_error(fs, "%.*s: no such file or directory in the image",
						(int)(p - path + len), path);
				return PS_ENOTFOUND;
			}
			cur = l.ino;
		}
		p += len;
	}
	*ino = cur;
	return PS_OK;
}

static int dirlist_add(void *ctx, const char *name, size_t len, uint64_t ino)
{
	struct ps_fs_dirlist *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct ps_fs_dirent *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return PS_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	char *d = malloc(len + 1);
	if (!d)
		return PS_ENOMEM;
	memcpy(d, name, len);
	d[len] = 0;
	l->v[l->n++] = (struct ps_fs_dirent){ d, len, ino };
	return 0;
}

int ps_fs_list(struct ps_fs *fs, uint64_t dir, struct ps_fs_dirlist *l)
{
	memset(l, 0, sizeof(*l));
	return ps_fs_readdir(fs, dir, dirlist_add, l);
}

void ps_fs_dirlist_free(struct ps_fs_dirlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof(*l));
}
