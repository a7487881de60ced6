/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The directory writer: every entry created under one directory fd chain
 * (openat/mkdirat with O_NOFOLLOW), so no name from the image can lead
 * outside the output directory. Only the deepest levels' fds are held
 * (a window): a level that had to be closed is opened again, one
 * component at a time from OUT's fd, when the walk comes back up to it,
 * so a tree deeper than the open-file limit does not run out of fds. */
#include "outfile.h"
#include "extract_int.h"
#include "err.h"
#include "le.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>


/* ---- directory writer ---- */

struct dirw {
	int *fds;		/* fds[0]: OUT; fds[n-1]: current directory;
				 * -1: a level closed to save fds (1 .. lo-1) */
	char **names;		/* names[i]: level i's name in level i-1 */
	size_t n, cap;
	size_t lo;		/* the lowest level >= 1 that is open */
	size_t window;		/* at most this many levels >= 1 open */
	int fd;			/* file being written */
	uint64_t end;		/* ... the end of the data written to it */
	char name[PS_NAME_MAX + 1];
	const struct ps_fs_stat *st;
	int root;		/* running as root: owners and devices */
	int merge;		/* --force into a non-empty OUT */
	uint8_t *kept;		/* kept[i]: fds[i] was there before (merge) */
	/* a --force merge: the file there being compared with the image's */
	int cmpfd;
	uint64_t cmppos, cmpsize;
	/* file_rewrite: the temporary name written, renamed over name */
	char tmp[PS_NAME_MAX + 1];
};

static int cur_dir(struct dirw *d) { return d->fds[d->n - 1]; }

/* Sets st's xattrs on fd, or (fd < 0) on path without following it. Each
 * one that cannot be set is a loss: listed in one line (w->lost). */
static void set_xattrs(struct ps_writer *w, int fd, const char *path,
		       const struct ps_fs_stat *st, const char *name)
{
	char *list = NULL;
	size_t llen = 0, bad = 0;
	FILE *m = open_memstream(&list, &llen);	/* every name, whole */
	for (size_t i = 0; i < st->nxattrs; i++) {
		const struct ps_xattr *x = &st->xattrs[i];
		int r = fd >= 0 ? fsetxattr(fd, x->name, x->value, x->len, 0) :
				  lsetxattr(path, x->name, x->value, x->len, 0);
		if (r == 0)
			continue;
		const char *en = strerrorname_np(errno);
		if (m)
			fprintf(m, "%s%s (%s%s%s)", bad ? ", " : "", x->name, strerror(errno),
				en ? ", " : "", en ? en : "");
		bad++;
	}
	if (m && fclose(m)) {
		free(list);
		list = NULL;
	}
	if (bad)
		ps_wlost(w, "%zu of %zu xattr(s) not set on %s: %s", bad, st->nxattrs, name,
			 list ? list : "out of memory");
	free(list);
}

static void apply_xattrs(struct ps_writer *w, int fd, const struct ps_fs_stat *st,
			 const char *name)
{
	set_xattrs(w, fd, NULL, st, name);
}

/* xattrs of an entry that is not opened (symlink, fifo, device): through
 * the directory's /proc/self/fd path, its own name never followed */
static void apply_xattrs_at(struct ps_writer *w, int dirfd, const char *name,
			    const struct ps_fs_stat *st)
{
	if (!st->nxattrs)
		return;
	char p[64 + PS_NAME_MAX];
	snprintf(p, sizeof(p), "/proc/self/fd/%d/%s", dirfd, name);
	set_xattrs(w, -1, p, st, name);
}

static void times_of(const struct ps_fs_stat *st, struct timespec ts[2])
{
	ts[0].tv_sec = (time_t)st->atime.sec;
	ts[0].tv_nsec = st->atime.nsec;
	ts[1].tv_sec = (time_t)st->mtime.sec;
	ts[1].tv_nsec = st->mtime.nsec;
}

/* Owner, mode, xattrs, times on an open fd (in that order: chown clears
 * set-id bits, and times last). */
static void apply_meta(struct ps_writer *w, struct dirw *d, int fd,
		       const struct ps_fs_stat *st, const char *name)
{
	struct timespec ts[2];
	apply_xattrs(w, fd, st, name);
	if (d->root && fchown(fd, st->uid, st->gid) < 0)
		ps_wwarn(w, "owner of %s not set: %s", name, strerror(errno));
	if (fchmod(fd, st->mode & 07777) < 0)
		ps_wwarn(w, "mode of %s not set: %s", name, strerror(errno));
	times_of(st, ts);
	if (futimens(fd, ts) < 0)
		ps_wwarn(w, "times of %s not set: %s", name, strerror(errno));
}

/* The same for an entry that cannot be opened (symlink, device, fifo). */
static void apply_meta_at(struct ps_writer *w, struct dirw *d, const char *name,
			  const struct ps_fs_stat *st, int is_link)
{
	struct timespec ts[2];
	if (d->root && fchownat(cur_dir(d), name, st->uid, st->gid,
				AT_SYMLINK_NOFOLLOW) < 0)
		ps_wwarn(w, "owner of %s not set: %s", name, strerror(errno));
	if (!is_link && fchmodat(cur_dir(d), name, st->mode & 07777, 0) < 0)
		ps_wwarn(w, "mode of %s not set: %s", name, strerror(errno));
	times_of(st, ts);
	if (utimensat(cur_dir(d), name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		ps_wwarn(w, "times of %s not set: %s", name, strerror(errno));
}

/* Closes the lowest open level above OUT while more than the window are
 * open (never the current one). */
static void trim_window(struct dirw *d)
{
	while (d->n - d->lo > d->window && d->lo < d->n - 1) {
		close(d->fds[d->lo]);
		d->fds[d->lo++] = -1;
	}
}

/* Opens level t again (it and the levels just above the closed ones up to
 * the window), one component at a time from OUT's fd, never following a
 * symlink. */
static int reopen_level(struct ps_writer *w, struct dirw *d, size_t t)
{
	size_t keep = t + 1 > d->window ? t + 1 - d->window : 1;
	int fd = d->fds[0];
	for (size_t i = 1; i <= t; i++) {
		int nfd = d->fds[i] >= 0 ? d->fds[i] :
			openat(fd, d->names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			int e = errno;
			if (fd != d->fds[0] && fd != d->fds[i - 1])
				close(fd);
			ps_wfail(w, e, "cannot open again directory", d->names[i]);
			w->fatal = 1;	/* nothing more can go into it */
			return PS_EIO;
		}
		if (fd != d->fds[0] && fd != d->fds[i - 1])
			close(fd);
		if (i >= keep && d->fds[i] < 0) {
			d->fds[i] = nfd;
			if (i < d->lo)
				d->lo = i;
		}
		fd = nfd;
	}
	return PS_OK;
}

static int dw_dir_enter(struct ps_writer *w, const char *name,
			const struct ps_fs_stat *st)
{
	(void)st;
	struct dirw *d = w->priv;
	if (d->n == d->cap) {
		size_t cap = d->cap * 2;
		int *v = realloc(d->fds, cap * sizeof(*v));
		if (!v)
			return PS_ENOMEM;
		d->fds = v;
		uint8_t *k = realloc(d->kept, cap);
		if (!k)
			return PS_ENOMEM;
		d->kept = k;
		char **nm = realloc(d->names, cap * sizeof(*nm));
		if (!nm)
			return PS_ENOMEM;
		d->names = nm;
		d->cap = cap;
	}
	int old = 0;
	w->entered_existing = 0;
	if (mkdirat(cur_dir(d), name, 0700) < 0) {
		if (errno != EEXIST || !d->merge)
			return ps_wfail(w, errno, "cannot create directory", name);
		old = 1;	/* merge: enter a directory already there (never a symlink) */
	}
	int fd = openat(cur_dir(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (old && (errno == ENOTDIR || errno == ELOOP)) {
			/* what is there is kept, but the image's directory
			 * cannot go into it: its whole subtree is lost */
			struct stat sb;
			int lnk = fstatat(cur_dir(d), name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
				  S_ISLNK(sb.st_mode);
			ps_werr(w, "the output has %s named %s (kept, not followed) where the image has a directory: its contents not extracted",
				lnk ? "a symlink" : "a file that is not a directory", name);
			return PS_EIO;
		}
		return ps_wfail(w, errno, "cannot open directory", name);
	}
	char *nm = strdup(name);
	if (!nm) {
		close(fd);
		return PS_ENOMEM;
	}
	d->kept[d->n] = (uint8_t)old;
	d->names[d->n] = nm;
	d->fds[d->n++] = fd;
	w->entered_existing = old;
	trim_window(d);
	return PS_OK;
}

static int dw_dir_leave(struct ps_writer *w, const struct ps_fs_stat *st)
{
	struct dirw *d = w->priv;
	if (d->n <= 1)
		return PS_EINVAL;
	int fd = d->fds[--d->n];
	if (!d->kept[d->n])	/* a directory that was there keeps its own */
		apply_meta(w, d, fd, st, d->names[d->n]);
	close(fd);
	free(d->names[d->n]);
	d->names[d->n] = NULL;
	if (d->lo > d->n - 1 && d->n > 1) {
		d->lo = d->n;	/* all of 1 .. n-1 closed */
		return reopen_level(w, d, d->n - 1);
	}
	if (d->lo > d->n)
		d->lo = d->n;
	return PS_OK;
}

static int dw_file_begin(struct ps_writer *w, const char *name,
			 const struct ps_fs_stat *st)
{
	struct dirw *d = w->priv;
	d->fd = openat(cur_dir(d), name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		       O_CLOEXEC, 0600);
	if (d->fd < 0)
		return ps_wfail(w, errno, "cannot create", name);
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->st = st;
	d->end = 0;
	return PS_OK;
}

/* ---- a --force merge: is the regular file there the image's? ---- */

static int dw_cmp_begin(struct ps_writer *w, const char *name,
			const struct ps_fs_stat *st)
{
	struct dirw *d = w->priv;
	struct stat sb;
	/* (a fifo or device node there is never opened) */
	if (fstatat(cur_dir(d), name, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(sb.st_mode))
		return PS_EEXIST;
	int fd = openat(cur_dir(d), name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		if (fd >= 0)
			close(fd);
		return fd < 0 && errno != ELOOP ? 1 : PS_EEXIST;
	}
	if ((uint64_t)sb.st_size != st->size) {
		close(fd);
		return 1;
	}
	d->cmpfd = fd;
	d->cmppos = 0;
	d->cmpsize = st->size;
	return 0;
}

/* 0 when the file has buf (NULL: zeros) at off, len bytes; else 1 */
static int cmp_range(struct dirw *d, uint64_t off, const uint8_t *buf, uint64_t len)
{
	uint8_t b[65536];
	while (len) {
		size_t k = len < sizeof(b) ? (size_t)len : sizeof(b);
		ssize_t n = pread(d->cmpfd, b, k, (off_t)off);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return 1;
		}
		if (buf ? memcmp(b, buf, (size_t)n) : !ps_is_zero(b, (size_t)n))
			return 1;
		if (buf)
			buf += n;
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return 0;
}

static int dw_cmp_data(struct ps_writer *w, uint64_t off, const void *buf, size_t len)
{
	struct dirw *d = w->priv;
	if (off < d->cmppos || off > d->cmpsize)
		return 1;
	if (len > d->cmpsize - off)
		len = (size_t)(d->cmpsize - off);
	if (cmp_range(d, d->cmppos, NULL, off - d->cmppos) || cmp_range(d, off, buf, len))
		return 1;
	d->cmppos = off + len;
	return 0;
}

static int dw_cmp_end(struct ps_writer *w)
{
	struct dirw *d = w->priv;
	int r = d->cmpfd < 0 || cmp_range(d, d->cmppos, NULL, d->cmpsize - d->cmppos);
	if (d->cmpfd >= 0)
		close(d->cmpfd);
	d->cmpfd = -1;
	return r;
}

/* the name the file being written has now (its temporary one while it is
 * rewritten) */
static const char *cur_name(struct dirw *d)
{
	return d->tmp[0] ? d->tmp : d->name;
}

static int dw_file_rewrite(struct ps_writer *w, const char *name,
			   const struct ps_fs_stat *st)
{
	struct dirw *d = w->priv;
	d->fd = -1;
	for (unsigned k = 0; k < 1000 && d->fd < 0; k++) {
		snprintf(d->tmp, sizeof(d->tmp), ".pmemscan-rewrite.%u.%u", (unsigned)getpid(), k);
		d->fd = openat(cur_dir(d), d->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			       O_CLOEXEC, 0600);
		if (d->fd < 0 && errno != EEXIST)
			break;
	}
	if (d->fd < 0) {
		int e = errno;
		d->tmp[0] = 0;
		return ps_wfail(w, e, "cannot create a new copy of", name);
	}
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->st = st;
	d->end = 0;
	return PS_OK;
}

static int dw_file_data(struct ps_writer *w, uint64_t off, const void *buf,
			size_t len)
{
	struct dirw *d = w->priv;
	const uint8_t *b = buf;
	while (len) {
		ssize_t n = pwrite(d->fd, b, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ps_wfail(w, errno, "write error on", d->name);
		}
		b += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	if (off > d->end)
		d->end = off;
	return PS_OK;
}

static int dw_file_end(struct ps_writer *w, int complete)
{
	struct dirw *d = w->priv;
	int r = PS_OK;
	if (!complete) {
		unlinkat(cur_dir(d), cur_name(d), 0);
	} else if (d->end != d->st->size && ftruncate(d->fd, (off_t)d->st->size) < 0) {
		/* (only a trailing hole needs it: fusefat has no truncate) */
		r = ps_wfail(w, errno, "cannot set size of", d->name);
		unlinkat(cur_dir(d), cur_name(d), 0);
	} else {
		apply_meta(w, d, d->fd, d->st, d->name);
	}
	if (close(d->fd) < 0 && complete && !r) {
		r = ps_wfail(w, errno, "write error on", d->name);
		unlinkat(cur_dir(d), cur_name(d), 0);
	}
	/* a rewritten file: the new copy takes the old one's name */
	if (complete && !r && d->tmp[0] &&
	    renameat(cur_dir(d), d->tmp, cur_dir(d), d->name) < 0) {
		r = ps_wfail(w, errno, "cannot replace", d->name);
		unlinkat(cur_dir(d), d->tmp, 0);
	}
	d->tmp[0] = 0;
	d->fd = -1;
	return r;
}

static void dw_file_abort(struct ps_writer *w)
{
	struct dirw *d = w->priv;
	if (d->fd < 0)
		return;
	close(d->fd);
	d->fd = -1;
	int u = unlinkat(cur_dir(d), cur_name(d), 0);
	d->tmp[0] = 0;
	if (u == 0)
		ps_wleft(w, "its partial copy was removed; the entries before it are complete");
	else
		ps_wleft(w, "its partial copy could not be removed (%s): delete it; the entries before it are complete",
			 strerror(errno));
}

static int dw_symlink(struct ps_writer *w, const char *name,
		      const struct ps_fs_stat *st)
{
	struct dirw *d = w->priv;
	if (!st->symlink)
		return PS_EINVAL;
	if (symlinkat(st->symlink, cur_dir(d), name) < 0)
		return ps_wfail(w, errno, "cannot create symlink", name);
	/* xattrs on the link itself, as tar does (Linux takes trusted.* and
	 * security.* on a symlink, not user.*: a user.* one is a loss) */
	apply_xattrs_at(w, cur_dir(d), name, st);
	apply_meta_at(w, d, name, st, 1);
	return PS_OK;
}

/* Open the directory holding target (a path relative to OUT) without
 * following any symlink; *base points at its last component. */
static int open_parent(struct dirw *d, const char *target, const char **base)
{
	int fd = dup(d->fds[0]);
	const char *p = target;
	for (;;) {
		const char *s = strchr(p, '/');
		if (!s)
			break;
		char comp[PS_NAME_MAX + 1];
		size_t n = (size_t)(s - p);
		if (fd < 0 || n == 0 || n > PS_NAME_MAX) {
			if (fd >= 0)
				close(fd);
			errno = EINVAL;
			return -1;
		}
		memcpy(comp, p, n);
		comp[n] = 0;
		int nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = nfd;
		p = s + 1;
	}
	*base = p;
	return fd;
}

static int dw_hardlink(struct ps_writer *w, const char *name,
		       const struct ps_fs_stat *st, const char *target)
{
	(void)st;
	struct dirw *d = w->priv;
	const char *base;
	int pfd = open_parent(d, target, &base);
	if (pfd < 0)
		return ps_wfail(w, errno, "cannot reach hard link target", target);
	int r = linkat(pfd, base, cur_dir(d), name, 0);
	int e = errno;
	close(pfd);
	if (r < 0)
		return ps_wfail(w, e, "cannot create hard link", name);
	return PS_OK;
}

static int dw_special(struct ps_writer *w, const char *name,
		      const struct ps_fs_stat *st)
{
	struct dirw *d = w->priv;
	unsigned type = st->mode & 0170000;
	int r;
	if (type == 0010000) {
		r = mkfifoat(cur_dir(d), name, 0600);
	} else if (type == 0020000 || type == 0060000) {
		if (!d->root) {
			ps_werr(w, "device node %s not created: needs root", name);
			return PS_EUNSUPP;
		}
		r = mknodat(cur_dir(d), name, (mode_t)type | 0600,
			    makedev((unsigned)st->rdev_major, (unsigned)st->rdev_minor));
	} else if (type == 0140000) {
		ps_werr(w, "socket %s not created (a socket cannot be restored)", name);
		return PS_EUNSUPP;
	} else {
		ps_werr(w, "%s: unknown file type 0%o", name, type);
		return PS_EFORMAT;
	}
	if (r < 0)
		return ps_wfail(w, errno, "cannot create", name);
	/* (Linux refuses user.* xattrs on fifos and devices: a loss) */
	apply_xattrs_at(w, cur_dir(d), name, st);
	apply_meta_at(w, d, name, st, 0);
	return PS_OK;
}

static int dw_finish(struct ps_writer *w, int ok)
{
	struct dirw *d = w->priv;
	(void)ok;
	/* no fsync: like cp and tar, the tree is left to writeback (an fsync
	 * of OUT forces out every file's data on ext4 and costs ~1.5x) */
	while (d->n > 1) {
		if (d->fds[--d->n] >= 0)
			close(d->fds[d->n]);
		free(d->names[d->n]);
		d->names[d->n] = NULL;
	}
	return PS_OK;
}

static void dw_free(struct ps_writer *w)
{
	struct dirw *d = w->priv;
	if (!d)
		return;
	if (d->fd >= 0)
		close(d->fd);
	if (d->cmpfd >= 0)
		close(d->cmpfd);
	for (size_t i = 0; i < d->n; i++) {
		if (d->fds[i] >= 0)
			close(d->fds[i]);
		if (i)
			free(d->names[i]);
	}
	free(d->fds);
	free(d->kept);
	free(d->names);
	free(d);
}

static const struct ps_writer_ops dir_ops = {
	dw_dir_enter, dw_dir_leave, dw_file_begin, dw_file_data, dw_file_end,
	dw_symlink, dw_hardlink, dw_special, dw_finish, dw_free, dw_file_abort,
	dw_cmp_begin, dw_cmp_data, dw_cmp_end, dw_file_rewrite,
};

static int dir_is_empty(int fd)
{
	int dfd = dup(fd);
	DIR *dir = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!dir) {
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	struct dirent *e;
	int empty = 1;
	while ((e = readdir(dir)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			empty = 0;
			break;
		}
	closedir(dir);
	return empty;
}

int ps_writer_dir_open_flags(const char *out, int flags, struct ps_writer **wp,
			     char *err, size_t errlen)
{
	*wp = NULL;
	int r = ps_output_check(out, err, errlen);	/* src/outfile.h */
	if (r)
		return r;
	if (mkdir(out, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot create output directory: %s", out,
			 strerror(errno));
		return PS_EIO;
	}
	int fd = open(out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open output directory: %s", out,
			 errno == ENOTDIR || errno == ELOOP ?
			 "exists and is not a directory" : strerror(errno));
		return errno == ENOTDIR || errno == ELOOP ? PS_EEXIST : PS_EIO;
	}
	/* one up-front error rather than one per entry */
	if (faccessat(fd, ".", W_OK | X_OK, AT_EACCESS) < 0) {
		snprintf(err, errlen, "%s: output directory not writable: %s", out,
			 strerror(errno));
		close(fd);
		return PS_EIO;
	}
	int e = dir_is_empty(fd);
	if (e == -1 || (e == 0 && !(flags & PS_WRITE_FORCE))) {
		snprintf(err, errlen, "%s: output directory %s", out,
			 e == 0 ? "exists and is not empty" : "unreadable");
		close(fd);
		return e == 0 ? PS_ENOTEMPTY : PS_EEXIST;
	}
	struct ps_writer *w = calloc(1, sizeof(*w));
	struct dirw *d = calloc(1, sizeof(*d));
	if (d) {
		d->fds = calloc(16, sizeof(int));
		d->kept = calloc(16, 1);
		d->names = calloc(16, sizeof(char *));
	}
	if (!w || !d || !d->fds || !d->kept || !d->names) {
		free(w);
		if (d) {
			free(d->fds);
			free(d->kept);
			free(d->names);
		}
		free(d);
		close(fd);
		snprintf(err, errlen, "out of memory");
		return PS_ENOMEM;
	}
	d->cap = 16;
	d->fds[d->n++] = fd;
	d->fd = -1;
	d->cmpfd = -1;
	d->root = geteuid() == 0;
	d->merge = e == 0;
	w->merge = d->merge;
	/* the levels held open: a quarter of the open-file limit, at most 64 */
	struct rlimit rl;
	d->window = 64;
	d->lo = 1;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 4 < d->window)
		d->window = rl.rlim_cur / 4 < 2 ? 2 : (size_t)(rl.rlim_cur / 4);
	w->ops = &dir_ops;
	w->priv = d;
	w->can_xattr = 1;
	*wp = w;
	return PS_OK;
}

