/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "imgsrc.h"
#include "line.h"
#include "err.h"
#include "outfile.h"
#include <errno.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>

struct ps_src *ps_src_new(const struct ps_src_ops *ops, void *priv,
			  uint64_t size, const char *name)
{
	struct ps_src *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->name = strdup(name ? name : "(image)");
	if (!s->name) {
		free(s);
		return NULL;
	}
	s->ops = ops;
	s->priv = priv;
	s->size = size;
	s->fd = -1;
	return s;
}

void ps_src_set_error(struct ps_src *s, const char *fmt, ...)
{
	/* the new line may quote the old one (a view repeating its
	 * parent's): ps_line_vset frees the old only after */
	va_list ap;
	va_start(ap, fmt);
	ps_line_vset(&s->err, fmt, ap);
	va_end(ap);
}

const char *ps_src_error(const struct ps_src *s)
{
	return s->err && s->err[0] ? s->err : "no error";
}

const char *ps_src_strerror(const struct ps_src *s, int rc)
{
	/* A parser that finds an offset out of range returns PS_ERANGE
	 * without touching the source, so its message would be a stale one
	 * or none: only a source that said something is quoted. */
	if ((rc == PS_EIO || rc == PS_ERANGE || rc == PS_EBADBLK) && s && s->err && s->err[0])
		return s->err;
	return ps_strerror(rc);
}

void ps_src_close(struct ps_src *s)
{
	if (!s)
		return;
	if (s->ops && s->ops->close)
		s->ops->close(s);
	if (s->memo_free)
		s->memo_free(s->memo);
	free(s->name);
	ps_line_free(&s->err);
	free(s);
}

int ps_src_pread(struct ps_src *s, void *buf, size_t len, uint64_t off)
{
	uint64_t end;
	if (__builtin_add_overflow(off, (uint64_t)len, &end) || end > s->size) {
		ps_src_set_error(s, "%s: read of %zu bytes at offset %llu is past the end (size %llu)",
				 s->name, len, (unsigned long long)off,
				 (unsigned long long)s->size);
		return PS_ERANGE;
	}
	if (len == 0)
		return PS_OK;
	return s->ops->pread(s, buf, len, off);
}

int ps_src_read_upto(struct ps_src *s, void *buf, size_t len, uint64_t off,
		     size_t *got)
{
	*got = 0;
	if (off >= s->size)
		return PS_OK;
	if (len > s->size - off)
		len = (size_t)(s->size - off);
	int was_unknown = !ps_src_size_known(s);
	int r = ps_src_pread(s, buf, len, off);
	if (r == PS_OK) {
		*got = len;
		return PS_OK;
	}
	/* A stream that just found its end: the prefix is in buf. */
	if (r == PS_ERANGE && was_unknown && ps_src_size_known(s)) {
		*got = s->size > off ? (size_t)(s->size - off) : 0;
		if (*got > len)		/* cannot happen; be safe */
			*got = len;
		return PS_OK;
	}
	return r;
}

int ps_src_next_data(struct ps_src *s, uint64_t off, uint64_t *out)
{
	if (off >= s->size) {
		*out = s->size;
		return PS_OK;
	}
	if (!s->ops->next_data) {
		*out = off;
		return PS_OK;
	}
	int r = s->ops->next_data(s, off, out);
	if (r == PS_OK && *out > s->size)
		*out = s->size;
	return r;
}

int ps_src_next_hole(struct ps_src *s, uint64_t off, uint64_t *out)
{
	if (off >= s->size || !s->ops->next_hole) {
		*out = s->size;
		return PS_OK;
	}
	int r = s->ops->next_hole(s, off, out);
	if (r == PS_OK && *out > s->size)
		*out = s->size;
	return r;
}

/*
 * Bytes the file system has allocated to the image's range. From FIEMAP
 * where the file system has it: it counts unwritten (fallocated) extents
 * as allocated whatever the page cache holds, while SEEK_DATA reports
 * such an extent as data only once its pages happen to be cached (ext4,
 * xfs), which made the figure change from one run to the next.
 */
static int fiemap_allocated(int fd, uint64_t start, uint64_t size, uint64_t *out)
{
	enum { NEXT = 256 };
	union {
		struct fiemap fm;
		uint8_t raw[sizeof(struct fiemap) + NEXT * sizeof(struct fiemap_extent)];
	} u;
	uint64_t pos = start, end = start + size, total = 0;
	for (;;) {
		memset(&u.fm, 0, sizeof(u.fm));
		u.fm.fm_start = pos;
		u.fm.fm_length = end - pos;
		u.fm.fm_extent_count = NEXT;
		if (ioctl(fd, FS_IOC_FIEMAP, &u.fm) < 0)
			return -1;
		if (!u.fm.fm_mapped_extents)
			break;
		const struct fiemap_extent *e = u.fm.fm_extents;
		int last = 0;
		for (unsigned i = 0; i < u.fm.fm_mapped_extents; i++) {
			uint64_t a = e[i].fe_logical, b = a + e[i].fe_length;
			if (a < pos)
				a = pos;
			if (b > end)
				b = end;
			if (b > a)
				total += b - a;
			if (b > pos)
				pos = b;
			if (e[i].fe_flags & FIEMAP_EXTENT_LAST)
				last = 1;
		}
		if (last || pos >= end)
			break;
	}
	*out = total;
	return 0;
}

int ps_src_allocated(struct ps_src *s, uint64_t *out)
{
	*out = 0;
	if (s->fd >= 0 && s->size != PS_SIZE_UNKNOWN &&
	    fiemap_allocated(s->fd, s->fd_off, s->size, out) == 0)
		return PS_OK;
	/* no FIEMAP (tmpfs, NFS, a stream): the sparse map */
	uint64_t off = 0, total = 0;
	while (off < s->size) {
		uint64_t d, h;
		int r = ps_src_next_data(s, off, &d);
		if (r)
			return r;
		if (d >= s->size)
			break;
		r = ps_src_next_hole(s, d, &h);
		if (r)
			return r;
		if (h <= d)
			h = s->size;
		total += h - d;
		off = h;
	}
	*out = total;
	return PS_OK;
}

/* ---- file ---- */

struct file_priv {
	int fd;
	int can_seek_data;
};

static int file_pread(struct ps_src *s, void *buf, size_t len, uint64_t off)
{
	struct file_priv *p = s->priv;
	uint8_t *b = buf;
	while (len) {
		ssize_t n = pread(p->fd, b, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ps_src_set_error(s, "%s: read error at offset %llu: %s",
					 s->name, (unsigned long long)off,
					 strerror(errno));
			return PS_EIO;
		}
		if (n == 0) {
			ps_src_set_error(s, "%s: unexpected end of file at offset %llu (file shrank?)",
					 s->name, (unsigned long long)off);
			return PS_EIO;
		}
		b += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return PS_OK;
}

static int file_seek(struct ps_src *s, uint64_t off, int whence, uint64_t *out)
{
	struct file_priv *p = s->priv;
	if (!p->can_seek_data) {
		*out = whence == SEEK_DATA ? off : s->size;
		return PS_OK;
	}
	off_t r = lseek(p->fd, (off_t)off, whence);
	if (r < 0) {
		if (errno == ENXIO) {	/* no more data after off */
			*out = s->size;
			return PS_OK;
		}
		if (errno == EINVAL || errno == EOPNOTSUPP) {
			p->can_seek_data = 0;
			*out = whence == SEEK_DATA ? off : s->size;
			return PS_OK;
		}
		ps_src_set_error(s, "%s: lseek at offset %llu: %s", s->name,
				 (unsigned long long)off, strerror(errno));
		return PS_EIO;
	}
	*out = (uint64_t)r;
	return PS_OK;
}

static int file_next_data(struct ps_src *s, uint64_t off, uint64_t *out)
{
	return file_seek(s, off, SEEK_DATA, out);
}

static int file_next_hole(struct ps_src *s, uint64_t off, uint64_t *out)
{
	return file_seek(s, off, SEEK_HOLE, out);
}

static void file_close(struct ps_src *s)
{
	struct file_priv *p = s->priv;
	if (p) {
		close(p->fd);
		free(p);
	}
}

static const struct ps_src_ops file_ops = {
	.pread = file_pread,
	.next_data = file_next_data,
	.next_hole = file_next_hole,
	.close = file_close,
};

int ps_src_open_file(const char *path, struct ps_src **out, char *err,
		     size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	*out = NULL;
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return PS_EIO;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
		close(fd);
		return PS_EIO;
	}
	ps_input_note_st(&st, path);
	uint64_t size;
	int seekable = 0;
	if (S_ISREG(st.st_mode)) {
		size = (uint64_t)st.st_size;
		seekable = 1;
	} else if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &size) < 0) {
			snprintf(err, errlen, "%s: cannot get block device size: %s",
				 path, strerror(errno));
			close(fd);
			return PS_EIO;
		}
	} else if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, not an image", path);
		close(fd);
		return PS_EINVAL;
	} else {
		snprintf(err, errlen, "%s: not a regular file or block device", path);
		close(fd);
		return PS_EINVAL;
	}
	struct file_priv *p = calloc(1, sizeof(*p));
	struct ps_src *s = p ? ps_src_new(&file_ops, p, size, path) : NULL;
	if (!s) {
		free(p);
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return PS_ENOMEM;
	}
	p->fd = fd;
	p->can_seek_data = seekable;
	s->fd = fd;
	s->fd_off = 0;
	*out = s;
	return PS_OK;
}

/* ---- memory ---- */

static int mem_pread(struct ps_src *s, void *buf, size_t len, uint64_t off)
{
	memcpy(buf, (const uint8_t *)s->priv + off, len);
	return PS_OK;
}

static const struct ps_src_ops mem_ops = {
	.pread = mem_pread,
};

int ps_src_open_mem(const void *buf, size_t len, const char *name,
		    struct ps_src **out)
{
	*out = ps_src_new(&mem_ops, (void *)buf, len, name ? name : "(memory)");
	return *out ? PS_OK : PS_ENOMEM;
}

/* ---- window ---- */

struct win_priv {
	uint64_t off;
};

static int win_pread(struct ps_src *s, void *buf, size_t len, uint64_t off)
{
	struct win_priv *w = s->priv;
	int r = ps_src_pread(s->parent, buf, len, w->off + off);
	if (r)
		ps_src_set_error(s, "%s", ps_src_error(s->parent));
	return r;
}

static int win_next_data(struct ps_src *s, uint64_t off, uint64_t *out)
{
	struct win_priv *w = s->priv;
	uint64_t o;
	int r = ps_src_next_data(s->parent, w->off + off, &o);
	if (r) {
		ps_src_set_error(s, "%s", ps_src_error(s->parent));
		return r;
	}
	*out = o - w->off;
	return PS_OK;
}

static int win_next_hole(struct ps_src *s, uint64_t off, uint64_t *out)
{
	struct win_priv *w = s->priv;
	uint64_t o;
	int r = ps_src_next_hole(s->parent, w->off + off, &o);
	if (r) {
		ps_src_set_error(s, "%s", ps_src_error(s->parent));
		return r;
	}
	*out = o - w->off;
	return PS_OK;
}

static void win_close(struct ps_src *s)
{
	free(s->priv);
}

static const struct ps_src_ops win_ops = {
	.pread = win_pread,
	.next_data = win_next_data,
	.next_hole = win_next_hole,
	.close = win_close,
};

int ps_src_window(struct ps_src *parent, uint64_t off, uint64_t len,
		  struct ps_src **out)
{
	uint64_t end;
	*out = NULL;
	if (__builtin_add_overflow(off, len, &end) || end > parent->size) {
		ps_src_set_error(parent, "%s: window [%llu, +%llu) exceeds image size %llu",
				 parent->name, (unsigned long long)off,
				 (unsigned long long)len,
				 (unsigned long long)parent->size);
		return PS_ERANGE;
	}
	struct win_priv *w = calloc(1, sizeof(*w));
	if (!w)
		return PS_ENOMEM;
	w->off = off;
	char *name = NULL;	/* whole: every error of the window names it */
	if (asprintf(&name, "%s@%llu", parent->name, (unsigned long long)off) < 0)
		name = NULL;
	struct ps_src *s = name ? ps_src_new(&win_ops, w, len, name) : NULL;
	free(name);
	if (!s) {
		free(w);
		return PS_ENOMEM;
	}
	s->parent = parent;
	if (parent->fd >= 0) {
		s->fd = parent->fd;
		s->fd_off = parent->fd_off + off;
	}
	*out = s;
	return PS_OK;
}
