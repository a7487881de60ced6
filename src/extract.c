/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Extraction: name sanitiser, tree walker, directory/archive/null writers. */
#include "extract.h"
#include "err.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>

/* ---- names ---- */

static uint64_t fnv1a(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int bad_byte(unsigned char c)
{
	return c == '/' || c < 0x20 || c == 0x7f;
}

int ps_name_sanitize(const char *name, size_t len, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	int dots = (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
	int need = dots || len == 0 || len > PS_NAME_MAX;
	for (size_t i = 0; i < len && !need; i++)
		need = bad_byte((unsigned char)name[i]);
	if (!need) {
		memcpy(out, name, len);
		out[len] = 0;
		return 0;
	}
	if (len == 0) {
		strcpy(out, "%");
		return 1;
	}
	/* Encode; stop early when it would not fit, then add the hash. */
	char buf[3 * 4096 + 1];
	size_t o = 0;
	for (size_t i = 0; i < len && o + 3 < sizeof(buf); i++) {
		unsigned char c = (unsigned char)name[i];
		if (bad_byte(c) || c == '%' || dots) {
			buf[o++] = '%';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		} else {
			buf[o++] = (char)c;
		}
	}
	if (o <= PS_NAME_MAX && len <= 4096) {
		memcpy(out, buf, o);
		out[o] = 0;
		return 1;
	}
	size_t keep = PS_NAME_MAX - 18;	/* "%~" + 16 hex digits */
	/* do not cut a %XX in the middle */
	if (keep >= 1 && buf[keep - 1] == '%')
		keep -= 1;
	else if (keep >= 2 && buf[keep - 2] == '%')
		keep -= 2;
	memcpy(out, buf, keep);
	snprintf(out + keep, PS_NAME_MAX + 1 - keep, "%%~%016llx",
		 (unsigned long long)fnv1a(name, len));
	return 1;
}

void ps_name_escape(const char *name, size_t len, char *out, size_t outlen)
{
	size_t o = 0;
	if (!outlen)
		return;
	for (size_t i = 0; i < len && o + 5 < outlen; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x20 || c == 0x7f || c == '\\' || c == '\'')
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = 0;
}

/* ---- small hash tables ---- */

struct inomap {			/* ino -> string (or "" as a mark) */
	uint64_t *k;
	char **v;
	size_t cap, n;
};

static size_t im_slot(const struct inomap *m, uint64_t ino)
{
	size_t i = (size_t)(ino * 0x9E3779B97F4A7C15ULL) & (m->cap - 1);
	while (m->k[i] && m->k[i] != ino + 1)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static const char *im_get(const struct inomap *m, uint64_t ino)
{
	if (!m->cap)
		return NULL;
	size_t i = im_slot(m, ino);
	return m->k[i] ? m->v[i] : NULL;
}

static int im_put(struct inomap *m, uint64_t ino, const char *val)
{
	if ((m->n + 1) * 2 > m->cap) {
		struct inomap nm = { NULL, NULL, m->cap ? m->cap * 2 : 64, 0 };
		nm.k = calloc(nm.cap, sizeof(*nm.k));
		nm.v = calloc(nm.cap, sizeof(*nm.v));
		if (!nm.k || !nm.v) {
			free(nm.k);
			free(nm.v);
			return PS_ENOMEM;
		}
		for (size_t i = 0; i < m->cap; i++)
			if (m->k[i]) {
				size_t j = im_slot(&nm, m->k[i] - 1);
				nm.k[j] = m->k[i];
				nm.v[j] = m->v[i];
			}
		nm.n = m->n;
		free(m->k);
		free(m->v);
		*m = nm;
	}
	size_t i = im_slot(m, ino);
	char *s = strdup(val);
	if (!s)
		return PS_ENOMEM;
	if (m->k[i])
		free(m->v[i]);
	else
		m->n++;
	m->k[i] = ino + 1;
	m->v[i] = s;
	return PS_OK;
}

static void im_free(struct inomap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->k[i])
			free(m->v[i]);
	free(m->k);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

struct nameset {
	char **v;
	size_t cap, n;
};

static size_t ns_slot(const struct nameset *s, const char *name)
{
	size_t i = (size_t)fnv1a(name, strlen(name)) & (s->cap - 1);
	while (s->v[i] && strcmp(s->v[i], name))
		i = (i + 1) & (s->cap - 1);
	return i;
}

static int ns_has(const struct nameset *s, const char *name)
{
	return s->cap && s->v[ns_slot(s, name)];
}

static int ns_add(struct nameset *s, const char *name)
{
	if ((s->n + 1) * 2 > s->cap) {
		struct nameset ns = { NULL, s->cap ? s->cap * 2 : 16, 0 };
		ns.v = calloc(ns.cap, sizeof(*ns.v));
		if (!ns.v)
			return PS_ENOMEM;
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i])
				ns.v[ns_slot(&ns, s->v[i])] = s->v[i];
		ns.n = s->n;
		free(s->v);
		*s = ns;
	}
	char *d = strdup(name);
	if (!d)
		return PS_ENOMEM;
	s->v[ns_slot(s, name)] = d;
	s->n++;
	return PS_OK;
}

static void ns_free(struct nameset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* ---- the walker ---- */

struct walk {
	struct ps_fs *fs;
	struct ps_writer *w;
	const struct ps_extract_opts *o;
	struct ps_extract_stats *s;
	char *path;		/* current directory, relative to OUT */
	size_t plen, pcap;
	struct inomap links, dirs;
	unsigned depth, max_depth;
	uint64_t files_seen;
};

static void wlog(struct walk *wk, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void wlog(struct walk *wk, const char *what, const char *fmt, ...)
{
	if (!wk->o->log)
		return;
	va_list ap;
	fprintf(wk->o->log, "%s: %s: ", wk->o->prog ? wk->o->prog : "pmemscan",
		what[0] ? what : "/");
	va_start(ap, fmt);
	vfprintf(wk->o->log, fmt, ap);
	va_end(ap);
	fputc('\n', wk->o->log);
}

static int path_push(struct walk *wk, const char *name, size_t *old)
{
	size_t n = strlen(name);
	*old = wk->plen;
	if (wk->plen + n + 2 > wk->pcap) {
		size_t cap = (wk->plen + n + 2) * 2;
		char *p = realloc(wk->path, cap);
		if (!p)
			return PS_ENOMEM;
		wk->path = p;
		wk->pcap = cap;
	}
	if (wk->plen)
		wk->path[wk->plen++] = '/';
	memcpy(wk->path + wk->plen, name, n + 1);
	wk->plen += n;
	return PS_OK;
}

static void path_pop(struct walk *wk, size_t old)
{
	wk->plen = old;
	wk->path[old] = 0;
}

static int data_cb(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct walk *wk = ctx;
	int r = wk->w->ops->file_data(wk->w, off, buf, len);
	if (r)
		return r;
	wk->s->bytes += len;
	if (wk->o->progress)
		wk->o->progress(wk->o->progress_ctx, wk->s->bytes, wk->s->files);
	return PS_OK;
}

static void take_warning(struct walk *wk, uint64_t before)
{
	if (wk->w->nwarn != before) {
		wk->s->warnings++;
		wlog(wk, wk->path, "%s", wk->w->warn);
	}
}

static int walk_dir(struct walk *wk, uint64_t dir);

struct rmap {
	struct ps_range *v;
	size_t n, cap;
};

#define MAP_MAX 65536		/* more fragments than this: no sparse map */

static int map_cb(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct rmap *m = ctx;
	(void)buf;
	if (m->n && m->v[m->n - 1].off + m->v[m->n - 1].len == off) {
		m->v[m->n - 1].len += len;
		return 0;
	}
	if (m->n == MAP_MAX)
		return PS_ERANGE;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct ps_range *v = realloc(m->v, cap * sizeof(*v));
		if (!v)
			return PS_ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n++] = (struct ps_range){ off, len };
	return 0;
}

/* The data map of a regular file for writers that want it; on any
 * trouble, no map (the file is then stored whole). */
static void file_map(struct walk *wk, const struct ps_fs_stat *st, struct rmap *m)
{
	struct ps_writer *w = wk->w;
	w->map = NULL;
	w->nmap = 0;
	if (!w->wants_map || !st->size)
		return;
	if (ps_fs_map(wk->fs, st, map_cb, m) == PS_OK) {
		w->map = m->v;
		w->nmap = m->n;
	}
}

static int do_entry(struct walk *wk, const char *raw, size_t rawlen, uint64_t ino,
		    struct nameset *names)
{
	struct ps_writer *w = wk->w;
	char name[PS_NAME_MAX + 1], esc[1024];
	int mapped = ps_name_sanitize(raw, rawlen, name);
	if (ns_has(names, name)) {
		char base[PS_NAME_MAX + 1];
		strcpy(base, name);
		for (unsigned i = 1; ns_has(names, name); i++) {
			char suf[16];
			int sl = snprintf(suf, sizeof(suf), "~%u", i);
			size_t bl = strlen(base);
			if (bl + (size_t)sl > PS_NAME_MAX)
				bl = PS_NAME_MAX - (size_t)sl;
			snprintf(name, sizeof(name), "%.*s%s", (int)bl, base, suf);
		}
		mapped = 1;
	}
	if (ns_add(names, name))
		return PS_ENOMEM;
	size_t old;
	if (path_push(wk, name, &old))
		return PS_ENOMEM;
	if (mapped) {
		ps_name_escape(raw, rawlen, esc, sizeof(esc));
		wk->s->renamed++;
		wlog(wk, wk->path, "renamed: the image's name is '%s'", esc);
	}
	struct ps_fs_stat st;
	int r = ps_fs_stat(wk->fs, ino, &st);
	if (r) {
		wlog(wk, wk->path, "skipped: %s", ps_fs_error(wk->fs));
		wk->s->errors++;
		path_pop(wk, old);
		return PS_OK;
	}
	if (st.note[0]) {
		wk->s->warnings++;
		wlog(wk, wk->path, "%s", st.note);
	}
	if (st.nxattrs && !w->can_xattr) {
		wk->s->warnings++;
		wlog(wk, wk->path, "%zu xattr(s) not kept: the output format cannot hold them",
		     st.nxattrs);
	}
	uint64_t nw = w->nwarn;
	unsigned type = st.mode & 0170000;
	const char *link = NULL;
	int made = 0;
	if (type != 0040000 && st.nlink > 1 && w->ops->hardlink)
		link = im_get(&wk->links, ino);
	if (link) {
		r = w->ops->hardlink(w, name, &st, link);
		if (!r)
			wk->s->hardlinks++;
	} else if (type == 0040000) {
		if (wk->depth >= wk->max_depth) {
			wlog(wk, wk->path, "skipped: deeper than %u levels", wk->max_depth);
			wk->s->errors++;
		} else if (im_get(&wk->dirs, ino)) {
			wlog(wk, wk->path, "skipped: directory inode %llu already extracted (directory loop or cross-linked directory in the image)",
			     (unsigned long long)ino);
			wk->s->errors++;
		} else if ((r = im_put(&wk->dirs, ino, ""))) {
			/* out of memory */
		} else if (!(r = w->ops->dir_enter(w, name, &st))) {
			wk->s->dirs++;
			wk->depth++;
			r = walk_dir(wk, ino);
			wk->depth--;
			if (!r && !w->fatal) {
				nw = w->nwarn;
				r = w->ops->dir_leave(w, &st);
			}
		}
	} else if (type == 0100000) {
		const struct ps_extract_source *src = wk->o->source;
		const char *suffix[2] = { "", "" };
		unsigned nv = src ? src->versions(src->ctx, wk->path, &st, suffix) : 1;
		for (unsigned v = 0; v < nv && !r && !w->fatal; v++) {
		char vname[PS_NAME_MAX + 1];
		size_t sl = strlen(suffix[v]), bl = strlen(name);
		if (bl + sl > PS_NAME_MAX)
			bl = PS_NAME_MAX - sl;
		snprintf(vname, sizeof(vname), "%.*s%s", (int)bl, name, suffix[v]);
		struct rmap m = { 0 };
		file_map(wk, &st, &m);
		r = w->ops->file_begin(w, vname, &st);
		w->map = NULL;
		free(m.v);
		if (!r) {
			r = src ? src->read(src->ctx, wk->fs, &st, v, data_cb, wk) :
				  ps_fs_read(wk->fs, &st, data_cb, wk);
			int rr = PS_OK;
			if (r && !w->fatal) {
				wlog(wk, wk->path, "content not extracted: %s",
				     w->err[0] ? w->err : ps_fs_error(wk->fs));
				wk->s->errors++;
				w->err[0] = 0;
			}
			if (!w->fatal)
				rr = w->ops->file_end(w, r == PS_OK);
			else if (w->ops->file_abort)
				w->ops->file_abort(w);
			if (!r && !rr) {
				wk->s->files++;
				made = 1;
			} else if (!r) {
				r = rr;
			} else {
				r = w->fatal ? r : PS_OK;
			}
		}
		}
	} else if (type == 0120000) {
		if (!(r = w->ops->symlink(w, name, &st))) {
			wk->s->symlinks++;
			made = 1;
		}
	} else {
		if (!(r = w->ops->special(w, name, &st))) {
			wk->s->specials++;
			made = 1;
		}
	}
	if (made && st.nlink > 1 && w->ops->hardlink)
		r = im_put(&wk->links, ino, wk->path);
	if (r == PS_EUNSUPP && !w->fatal) {
		/* a limit of the output (format, privileges), not of the image */
		wlog(wk, wk->path, "skipped: %s", w->err[0] ? w->err : ps_strerror(r));
		wk->s->warnings++;
		w->err[0] = 0;
		r = PS_OK;
	} else if (r && !w->fatal && r != PS_ENOMEM) {
		wlog(wk, wk->path, "not extracted: %s", w->err[0] ? w->err : ps_strerror(r));
		wk->s->errors++;
		w->err[0] = 0;
		r = PS_OK;
	}
	take_warning(wk, nw);
	ps_fs_stat_free(&st);
	path_pop(wk, old);
	return r;
}

static int walk_dir(struct walk *wk, uint64_t dir)
{
	struct ps_fs_dirlist l;
	int r = ps_fs_list(wk->fs, dir, &l);
	if (r == PS_ENOMEM)
		goto out;
	if (r) {
		wlog(wk, wk->path, "directory not read completely: %s", ps_fs_error(wk->fs));
		wk->s->errors++;
		r = PS_OK;
	}
	struct nameset names = { 0 };
	for (size_t i = 0; i < l.n && !r && !wk->w->fatal; i++)
		r = do_entry(wk, l.v[i].name, l.v[i].len, l.v[i].ino, &names);
	ns_free(&names);
out:
	ps_fs_dirlist_free(&l);
	return r;
}

int ps_extract(struct ps_fs *fs, uint64_t ino, const char *top_name,
	       struct ps_writer *w, const struct ps_extract_opts *o,
	       struct ps_extract_stats *stats)
{
	struct walk wk = { .fs = fs, .w = w, .o = o, .s = stats };
	memset(stats, 0, sizeof(*stats));
	wk.max_depth = o->max_depth ? o->max_depth : 1024;
	wk.path = calloc(1, 256);
	int r = wk.path ? PS_OK : PS_ENOMEM;
	wk.pcap = 256;
	struct ps_fs_stat st;
	if (!r) {
		r = ps_fs_stat(fs, ino, &st);
		if (r) {
			wlog(&wk, "", "%s", ps_fs_error(fs));
		} else {
			if ((st.mode & 0170000) == 0040000) {
				r = im_put(&wk.dirs, ino, "");
				if (!r)
					r = walk_dir(&wk, ino);
			} else {
				struct nameset names = { 0 };
				const char *n = top_name && *top_name ? top_name : "file";
				r = do_entry(&wk, n, strlen(n), ino, &names);
				ns_free(&names);
			}
			ps_fs_stat_free(&st);
		}
	}
	if (w->fatal && w->err[0])
		wlog(&wk, wk.path, "%s", w->err);
	int ok = !r && !w->fatal;
	int fr = w->ops->finish(w, ok);
	if (fr && ok) {
		wlog(&wk, "", "%s", w->err);
		r = fr;
	}
	if (!r && w->fatal)
		r = PS_EIO;
	im_free(&wk.links);
	im_free(&wk.dirs);
	free(wk.path);
	return r;
}

/* ---- writers: common ---- */

static void werr(struct ps_writer *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void werr(struct ps_writer *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->err, sizeof(w->err), fmt, ap);
	va_end(ap);
}

static void wwarn(struct ps_writer *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void wwarn(struct ps_writer *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->warn, sizeof(w->warn), fmt, ap);
	va_end(ap);
	w->nwarn++;
}

static int fatal_errno(int e)
{
	return e == ENOSPC || e == EDQUOT || e == EIO || e == EROFS ||
	       e == ENOMEM || e == EMFILE || e == ENFILE || e == EBADF;
}

/* errno-based failure: sets w->fatal for the errors that stop a run */
static int wfail(struct ps_writer *w, int e, const char *what, const char *name)
{
	werr(w, "%s %s: %s", what, name, strerror(e));
	if (fatal_errno(e))
		w->fatal = 1;
	return PS_EIO;
}

void ps_writer_free(struct ps_writer *w)
{
	if (!w)
		return;
	if (w->ops && w->ops->free)
		w->ops->free(w);
	free(w);
}

const char *ps_archive_kind(const char *out)
{
	static const char *const sfx[][2] = {
		{ ".tar", "tar" }, { ".tar.gz", "tar.gz" }, { ".tgz", "tar.gz" },
		{ ".tar.zst", "tar.zst" }, { ".tzst", "tar.zst" },
		{ ".tar.xz", "tar.xz" }, { ".txz", "tar.xz" }, { ".zip", "zip" },
	};
	size_t n = strlen(out);
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		size_t l = strlen(sfx[i][0]);
		if (n > l && !strcmp(out + n - l, sfx[i][0]))
			return sfx[i][1];
	}
	return NULL;
}

int ps_writer_open(const char *out, int force, struct ps_writer **w, char *err,
		   size_t errlen)
{
	if (ps_archive_kind(out))
		return ps_writer_archive_open(out, force, w, err, errlen);
	return ps_writer_dir_open(out, w, err, errlen);
}

/* ---- directory writer ---- */

struct dirw {
	int *fds;		/* fds[0]: OUT; fds[n-1]: current directory */
	size_t n, cap;
	int fd;			/* file being written */
	char name[PS_NAME_MAX + 1];
	const struct ps_fs_stat *st;
	int root;		/* running as root: owners and devices */
};

static int cur_dir(struct dirw *d) { return d->fds[d->n - 1]; }

static void apply_xattrs(struct ps_writer *w, int fd, const struct ps_fs_stat *st,
			 const char *name)
{
	for (size_t i = 0; i < st->nxattrs; i++) {
		const struct ps_xattr *x = &st->xattrs[i];
		if (fsetxattr(fd, x->name, x->value, x->len, 0) < 0)
			wwarn(w, "xattr %s not set on %s: %s", x->name, name, strerror(errno));
	}
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
		wwarn(w, "owner of %s not set: %s", name, strerror(errno));
	if (fchmod(fd, st->mode & 07777) < 0)
		wwarn(w, "mode of %s not set: %s", name, strerror(errno));
	times_of(st, ts);
	if (futimens(fd, ts) < 0)
		wwarn(w, "times of %s not set: %s", name, strerror(errno));
}

/* The same for an entry that cannot be opened (symlink, device, fifo). */
static void apply_meta_at(struct ps_writer *w, struct dirw *d, const char *name,
			  const struct ps_fs_stat *st, int is_link)
{
	struct timespec ts[2];
	if (d->root && fchownat(cur_dir(d), name, st->uid, st->gid,
				AT_SYMLINK_NOFOLLOW) < 0)
		wwarn(w, "owner of %s not set: %s", name, strerror(errno));
	if (!is_link && fchmodat(cur_dir(d), name, st->mode & 07777, 0) < 0)
		wwarn(w, "mode of %s not set: %s", name, strerror(errno));
	times_of(st, ts);
	if (utimensat(cur_dir(d), name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		wwarn(w, "times of %s not set: %s", name, strerror(errno));
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
		d->cap = cap;
	}
	if (mkdirat(cur_dir(d), name, 0700) < 0)
		return wfail(w, errno, "cannot create directory", name);
	int fd = openat(cur_dir(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return wfail(w, errno, "cannot open directory", name);
	d->fds[d->n++] = fd;
	return PS_OK;
}

static int dw_dir_leave(struct ps_writer *w, const struct ps_fs_stat *st)
{
	struct dirw *d = w->priv;
	if (d->n <= 1)
		return PS_EINVAL;
	int fd = d->fds[--d->n];
	apply_meta(w, d, fd, st, "directory");
	close(fd);
	return PS_OK;
}

static int dw_file_begin(struct ps_writer *w, const char *name,
			 const struct ps_fs_stat *st)
{
	struct dirw *d = w->priv;
	d->fd = openat(cur_dir(d), name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		       O_CLOEXEC, 0600);
	if (d->fd < 0)
		return wfail(w, errno, "cannot create", name);
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->st = st;
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
			return wfail(w, errno, "write error on", d->name);
		}
		b += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return PS_OK;
}

static int dw_file_end(struct ps_writer *w, int complete)
{
	struct dirw *d = w->priv;
	int r = PS_OK;
	if (!complete) {
		unlinkat(cur_dir(d), d->name, 0);
	} else if (ftruncate(d->fd, (off_t)d->st->size) < 0) {
		r = wfail(w, errno, "cannot set size of", d->name);
		unlinkat(cur_dir(d), d->name, 0);
	} else {
		apply_meta(w, d, d->fd, d->st, d->name);
	}
	if (close(d->fd) < 0 && complete && !r) {
		r = wfail(w, errno, "write error on", d->name);
		unlinkat(cur_dir(d), d->name, 0);
	}
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
	unlinkat(cur_dir(d), d->name, 0);
}

static int dw_symlink(struct ps_writer *w, const char *name,
		      const struct ps_fs_stat *st)
{
	struct dirw *d = w->priv;
	if (!st->symlink)
		return PS_EINVAL;
	if (symlinkat(st->symlink, cur_dir(d), name) < 0)
		return wfail(w, errno, "cannot create symlink", name);
	apply_meta_at(w, d, name, st, 1);
	if (st->nxattrs)
		wwarn(w, "%zu xattr(s) of symlink %s not kept", st->nxattrs, name);
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
		return wfail(w, errno, "cannot reach hard link target", target);
	int r = linkat(pfd, base, cur_dir(d), name, 0);
	int e = errno;
	close(pfd);
	if (r < 0)
		return wfail(w, e, "cannot create hard link", name);
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
			werr(w, "device node %s not created: needs root", name);
			return PS_EUNSUPP;
		}
		r = mknodat(cur_dir(d), name, (mode_t)type | 0600,
			    makedev((unsigned)st->rdev_major, (unsigned)st->rdev_minor));
	} else if (type == 0140000) {
		werr(w, "socket %s not created (a socket cannot be restored)", name);
		return PS_EUNSUPP;
	} else {
		werr(w, "%s: unknown file type 0%o", name, type);
		return PS_EFORMAT;
	}
	if (r < 0)
		return wfail(w, errno, "cannot create", name);
	apply_meta_at(w, d, name, st, 0);
	return PS_OK;
}

static int dw_finish(struct ps_writer *w, int ok)
{
	struct dirw *d = w->priv;
	(void)ok;
	/* no fsync: like cp and tar, the tree is left to writeback (an fsync
	 * of OUT forces out every file's data on ext4 and costs ~1.5x) */
	while (d->n > 1)
		close(d->fds[--d->n]);
	return PS_OK;
}

static void dw_free(struct ps_writer *w)
{
	struct dirw *d = w->priv;
	if (!d)
		return;
	if (d->fd >= 0)
		close(d->fd);
	for (size_t i = 0; i < d->n; i++)
		close(d->fds[i]);
	free(d->fds);
	free(d);
}

static const struct ps_writer_ops dir_ops = {
	dw_dir_enter, dw_dir_leave, dw_file_begin, dw_file_data, dw_file_end,
	dw_symlink, dw_hardlink, dw_special, dw_finish, dw_free, dw_file_abort,
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

int ps_writer_dir_open(const char *out, struct ps_writer **wp, char *err,
		       size_t errlen)
{
	*wp = NULL;
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
	int e = dir_is_empty(fd);
	if (e != 1) {
		snprintf(err, errlen, "%s: output directory %s", out,
			 e == 0 ? "exists and is not empty" : "unreadable");
		close(fd);
		return PS_EEXIST;
	}
	struct ps_writer *w = calloc(1, sizeof(*w));
	struct dirw *d = calloc(1, sizeof(*d));
	if (d)
		d->fds = calloc(16, sizeof(int));
	if (!w || !d || !d->fds) {
		free(w);
		if (d)
			free(d->fds);
		free(d);
		close(fd);
		snprintf(err, errlen, "out of memory");
		return PS_ENOMEM;
	}
	d->cap = 16;
	d->fds[d->n++] = fd;
	d->fd = -1;
	d->root = geteuid() == 0;
	w->ops = &dir_ops;
	w->priv = d;
	w->can_xattr = 1;
	*wp = w;
	return PS_OK;
}

/* ---- archive writer (libarchive) ---- */

struct arw {
	struct archive *a;
	int fd;
	char *out, *partial;
	int zip;
	char *path;
	size_t plen, pcap;
	struct archive_entry *e;
	uint64_t pos, size;
	uint64_t data_end;	/* end of the last data range (holes after it) */
	char name[PS_NAME_MAX + 1];
};

static const uint8_t zeros[1 << 20];
#define ZIP_MAX_HOLES (1ULL << 30)	/* more holes than this: not zipped */

static int aw_fail(struct ps_writer *w, const char *what)
{
	struct arw *a = w->priv;
	int en = archive_errno(a->a);
	werr(w, "%s: %s: %s", a->partial, what,
	     archive_error_string(a->a) ? archive_error_string(a->a) : strerror(en));
	w->fatal = 1;		/* an archive cannot be repaired midway */
	return PS_EIO;
}

static int aw_push(struct arw *a, const char *name, size_t *old)
{
	size_t n = strlen(name);
	*old = a->plen;
	if (a->plen + n + 2 > a->pcap) {
		size_t cap = (a->plen + n + 2) * 2;
		char *p = realloc(a->path, cap);
		if (!p)
			return PS_ENOMEM;
		a->path = p;
		a->pcap = cap;
	}
	if (a->plen)
		a->path[a->plen++] = '/';
	memcpy(a->path + a->plen, name, n + 1);
	a->plen += n;
	return PS_OK;
}

/* pax times are decimal numbers; libarchive 3.6 prints seconds and
 * nanoseconds side by side, so -5 s + 0.5 s would read as -5.5: hand it
 * the next second up for negative times with a fraction (-4.5). */
static void pax_time(const struct ps_ts *t, time_t *s, long *ns)
{
	*s = (time_t)t->sec;
	*ns = (long)t->nsec;
	if (t->sec < 0 && t->nsec)
		*s += 1;
}

static struct archive_entry *aw_entry(struct ps_writer *w, const struct ps_fs_stat *st)
{
	struct arw *a = w->priv;
	struct archive_entry *e = archive_entry_new();
	if (!e)
		return NULL;
	archive_entry_copy_pathname(e, a->path);
	archive_entry_set_mode(e, (mode_t)st->mode);
	archive_entry_set_uid(e, st->uid);
	archive_entry_set_gid(e, st->gid);
	time_t s;
	long ns;
	if (a->zip) {
		archive_entry_set_mtime(e, (time_t)st->mtime.sec, 0);
	} else {
		pax_time(&st->mtime, &s, &ns);
		archive_entry_set_mtime(e, s, ns);
		pax_time(&st->atime, &s, &ns);
		archive_entry_set_atime(e, s, ns);
		pax_time(&st->ctime, &s, &ns);
		archive_entry_set_ctime(e, s, ns);
		for (size_t i = 0; i < st->nxattrs; i++)
			archive_entry_xattr_add_entry(e, st->xattrs[i].name,
						      st->xattrs[i].value, st->xattrs[i].len);
	}
	return e;
}

static int aw_header(struct ps_writer *w, struct archive_entry *e)
{
	struct arw *a = w->priv;
	int r = archive_write_header(a->a, e);
	if (r == ARCHIVE_WARN) {
		wwarn(w, "%s: %s", a->path, archive_error_string(a->a));
		return PS_OK;
	}
	return r == ARCHIVE_OK ? PS_OK : aw_fail(w, "writing header");
}

static int aw_simple(struct ps_writer *w, const char *name, const struct ps_fs_stat *st,
		     const char *hardlink, int pop)
{
	struct arw *a = w->priv;
	size_t old;
	if (aw_push(a, name, &old))
		return PS_ENOMEM;
	struct archive_entry *e = aw_entry(w, st);
	if (!e)
		return PS_ENOMEM;
	unsigned type = st->mode & 0170000;
	if (hardlink) {
		archive_entry_copy_hardlink(e, hardlink);
		archive_entry_set_size(e, 0);
	} else if (type == 0120000) {
		archive_entry_copy_symlink(e, st->symlink ? st->symlink : "");
	} else if (type == 0020000 || type == 0060000) {
		archive_entry_set_rdevmajor(e, (dev_t)st->rdev_major);
		archive_entry_set_rdevminor(e, (dev_t)st->rdev_minor);
	}
	int r = aw_header(w, e);
	archive_entry_free(e);
	if (pop || r) {
		a->plen = old;
		a->path[old] = 0;
	}
	return r;
}

static int aw_dir_enter(struct ps_writer *w, const char *name,
			const struct ps_fs_stat *st)
{
	return aw_simple(w, name, st, NULL, 0);
}

static int aw_dir_leave(struct ps_writer *w, const struct ps_fs_stat *st)
{
	(void)st;
	struct arw *a = w->priv;
	char *s = strrchr(a->path, '/');
	a->plen = s ? (size_t)(s - a->path) : 0;
	a->path[a->plen] = 0;
	return PS_OK;
}

static int aw_write(struct ps_writer *w, const void *buf, size_t len)
{
	struct arw *a = w->priv;
	const uint8_t *b = buf;
	while (len) {
		la_ssize_t n = archive_write_data(a->a, b, len);
		if (n <= 0)
			return aw_fail(w, "writing data");
		b += n;
		len -= (size_t)n;
		a->pos += (uint64_t)n;
	}
	return PS_OK;
}

static int aw_zeros(struct ps_writer *w, uint64_t n)
{
	while (n) {
		size_t k = n < sizeof(zeros) ? (size_t)n : sizeof(zeros);
		int r = aw_write(w, zeros, k);
		if (r)
			return r;
		n -= k;
	}
	return PS_OK;
}

static int aw_file_begin(struct ps_writer *w, const char *name,
			 const struct ps_fs_stat *st)
{
	struct arw *a = w->priv;
	size_t old;
	if (aw_push(a, name, &old))
		return PS_ENOMEM;
	uint64_t data = 0;
	for (size_t i = 0; i < w->nmap; i++)
		data += w->map[i].len;
	if (a->zip && w->map && data < st->size && st->size - data > ZIP_MAX_HOLES) {
		/* zip has no holes: every zero would be deflated */
		a->plen = old;
		a->path[old] = 0;
		werr(w, "%s: %llu GiB of holes cannot go into a zip (use .tar)", name,
		     (unsigned long long)((st->size - data) >> 30));
		return PS_EUNSUPP;
	}
	struct archive_entry *e = aw_entry(w, st);
	if (!e)
		return PS_ENOMEM;
	archive_entry_set_size(e, (la_int64_t)st->size);
	/* holes: pax (GNU sparse 1.0) keeps them; libarchive drops the
	 * zeros we stream through for them */
	a->data_end = st->size;
	if (!a->zip && w->map && data < st->size) {
		for (size_t i = 0; i < w->nmap; i++)
			archive_entry_sparse_add_entry(e, (la_int64_t)w->map[i].off,
						       (la_int64_t)w->map[i].len);
		/* libarchive needs the bytes of holes between data (it drops
		 * them), not those of a trailing hole */
		a->data_end = w->nmap ? w->map[w->nmap - 1].off + w->map[w->nmap - 1].len : 0;
	}
	int r = aw_header(w, e);
	archive_entry_free(e);
	a->pos = 0;
	a->size = st->size;
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->plen = old;
	a->path[old] = 0;
	return r;
}

static int aw_file_data(struct ps_writer *w, uint64_t off, const void *buf,
			size_t len)
{
	struct arw *a = w->priv;
	if (off < a->pos || off >= a->size)
		return PS_OK;
	if (len > a->size - off)
		len = (size_t)(a->size - off);
	int r = aw_zeros(w, off - a->pos);
	return r ? r : aw_write(w, buf, len);
}

static int aw_file_end(struct ps_writer *w, int complete)
{
	struct arw *a = w->priv;
	if (!complete)
		wwarn(w, "%s: content unreadable past byte %llu: zero-filled in the archive",
		      a->name, (unsigned long long)a->pos);
	int r = a->pos < a->data_end ? aw_zeros(w, a->data_end - a->pos) : PS_OK;
	if (r)
		return r;
	if (archive_write_finish_entry(a->a) != ARCHIVE_OK)
		return aw_fail(w, "finishing entry");
	return PS_OK;
}

static int aw_symlink(struct ps_writer *w, const char *name, const struct ps_fs_stat *st)
{
	return aw_simple(w, name, st, NULL, 1);
}

static int aw_hardlink(struct ps_writer *w, const char *name,
		       const struct ps_fs_stat *st, const char *target)
{
	return aw_simple(w, name, st, target, 1);
}

static int aw_special(struct ps_writer *w, const char *name, const struct ps_fs_stat *st)
{
	struct arw *a = w->priv;
	if ((st->mode & 0170000) == 0140000 || a->zip) {
		werr(w, "%s %s not archived: the format cannot hold it",
		     (st->mode & 0170000) == 0140000 ? "socket" : "special file", name);
		return PS_EUNSUPP;
	}
	return aw_simple(w, name, st, NULL, 1);
}

static int aw_finish(struct ps_writer *w, int ok)
{
	struct arw *a = w->priv;
	int r = PS_OK;
	if (a->a) {
		if (ok && archive_write_close(a->a) != ARCHIVE_OK)
			r = aw_fail(w, "closing archive");
		archive_write_free(a->a);
		a->a = NULL;
	}
	if (a->fd >= 0) {
		if (!r && ok && fsync(a->fd) < 0 && errno != EINVAL)
			r = wfail(w, errno, "sync of", a->partial);
		if (close(a->fd) < 0 && !r && ok)
			r = wfail(w, errno, "write error on", a->partial);
		a->fd = -1;
	}
	if (ok && !r) {
		if (rename(a->partial, a->out) < 0)
			r = wfail(w, errno, "cannot rename to final name", a->partial);
	} else {
		wwarn(w, "incomplete archive left as %s", a->partial);
		if (!w->err[0])
			werr(w, "incomplete archive left as %s", a->partial);
	}
	return r;
}

static void aw_free(struct ps_writer *w)
{
	struct arw *a = w->priv;
	if (!a)
		return;
	if (a->a)
		archive_write_free(a->a);
	if (a->fd >= 0)
		close(a->fd);
	free(a->out);
	free(a->partial);
	free(a->path);
	free(a);
}

static const struct ps_writer_ops tar_ops = {
	aw_dir_enter, aw_dir_leave, aw_file_begin, aw_file_data, aw_file_end,
	aw_symlink, aw_hardlink, aw_special, aw_finish, aw_free, NULL,
};

/* zip has no hard links: each link is stored as a full copy */
static const struct ps_writer_ops zip_ops = {
	aw_dir_enter, aw_dir_leave, aw_file_begin, aw_file_data, aw_file_end,
	aw_symlink, NULL, aw_special, aw_finish, aw_free, NULL,
};

/* pax and zip store UTF-8 names; libarchive converts from the locale's
 * charset, which in the C locale cannot carry them. (A name that is not
 * valid UTF-8 is still stored, as raw bytes, with a warning.) */
static void ensure_utf8_ctype(void)
{
	const char *c = setlocale(LC_CTYPE, NULL);
	if (!c || !strcmp(c, "C") || !strcmp(c, "POSIX"))
		setlocale(LC_CTYPE, "C.UTF-8");
}

int ps_writer_archive_open(const char *out, int force, struct ps_writer **wp,
			   char *err, size_t errlen)
{
	*wp = NULL;
	const char *kind = ps_archive_kind(out);
	struct stat sb;
	if (!kind) {
		snprintf(err, errlen, "%s: unknown archive suffix", out);
		return PS_EINVAL;
	}
	if (!force && lstat(out, &sb) == 0) {
		snprintf(err, errlen, "%s: exists (use --force to replace it)", out);
		return PS_EEXIST;
	}
	struct ps_writer *w = calloc(1, sizeof(*w));
	struct arw *a = calloc(1, sizeof(*a));
	if (!w || !a) {
		free(w);
		free(a);
		snprintf(err, errlen, "out of memory");
		return PS_ENOMEM;
	}
	a->fd = -1;
	w->priv = a;
	w->ops = !strcmp(kind, "zip") ? &zip_ops : &tar_ops;
	a->zip = !strcmp(kind, "zip");
	w->can_xattr = !a->zip;
	w->wants_map = 1;	/* tar: sparse entries; zip: refuse huge holes */
	a->out = strdup(out);
	a->path = calloc(1, 256);
	a->pcap = 256;
	if (!a->out || !a->path || asprintf(&a->partial, "%s.partial", out) < 0) {
		a->partial = NULL;
		ps_writer_free(w);
		snprintf(err, errlen, "out of memory");
		return PS_ENOMEM;
	}
	if (force)
		unlink(a->partial);
	a->fd = open(a->partial, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (a->fd < 0) {
		snprintf(err, errlen, "%s: cannot create: %s%s", a->partial, strerror(errno),
			 errno == EEXIST ? " (left by an earlier run? use --force)" : "");
		ps_writer_free(w);
		return errno == EEXIST ? PS_EEXIST : PS_EIO;
	}
	a->a = archive_write_new();
	int r = a->a ? ARCHIVE_OK : ARCHIVE_FATAL;
	if (r == ARCHIVE_OK)
		r = a->zip ? archive_write_set_format_zip(a->a) :
			     archive_write_set_format_pax(a->a);
	if (r == ARCHIVE_OK && !strcmp(kind, "tar.gz"))
		r = archive_write_add_filter_gzip(a->a);
	else if (r == ARCHIVE_OK && !strcmp(kind, "tar.zst"))
		r = archive_write_add_filter_zstd(a->a);
	else if (r == ARCHIVE_OK && !strcmp(kind, "tar.xz"))
		r = archive_write_add_filter_xz(a->a);
	if (r == ARCHIVE_OK)
		ensure_utf8_ctype();
	if (r == ARCHIVE_OK && !a->zip)
		r = archive_write_set_bytes_in_last_block(a->a, 1);
	if (r == ARCHIVE_OK)
		r = archive_write_open_fd(a->a, a->fd);
	if (r != ARCHIVE_OK) {
		snprintf(err, errlen, "%s: cannot start a %s archive: %s", out, kind,
			 a->a && archive_error_string(a->a) ? archive_error_string(a->a) :
			 "libarchive failed");
		unlink(a->partial);
		ps_writer_free(w);
		return PS_EUNSUPP;
	}
	*wp = w;
	return PS_OK;
}

/* ---- null writer ---- */

static int nw_dir_enter(struct ps_writer *w, const char *n, const struct ps_fs_stat *s)
{ (void)w; (void)n; (void)s; return PS_OK; }
static int nw_dir_leave(struct ps_writer *w, const struct ps_fs_stat *s)
{ (void)w; (void)s; return PS_OK; }
static int nw_file_begin(struct ps_writer *w, const char *n, const struct ps_fs_stat *s)
{ (void)w; (void)n; (void)s; return PS_OK; }
static int nw_file_data(struct ps_writer *w, uint64_t off, const void *b, size_t len)
{
	(void)off;
	/* touch the data so a reader's bad buffer shows up under ASan */
	volatile uint8_t x = 0;
	const uint8_t *p = b;
	for (size_t i = 0; i < len; i += 4096)
		x ^= p[i];
	if (len)
		x ^= p[len - 1];
	(void)x;
	(void)w;
	return PS_OK;
}
static int nw_file_end(struct ps_writer *w, int c) { (void)w; (void)c; return PS_OK; }
static int nw_entry(struct ps_writer *w, const char *n, const struct ps_fs_stat *s)
{ (void)w; (void)n; (void)s; return PS_OK; }
static int nw_hardlink(struct ps_writer *w, const char *n, const struct ps_fs_stat *s,
		       const char *t)
{ (void)w; (void)n; (void)s; (void)t; return PS_OK; }
static int nw_finish(struct ps_writer *w, int ok) { (void)w; (void)ok; return PS_OK; }
static void nw_free(struct ps_writer *w) { (void)w; }

static const struct ps_writer_ops null_ops = {
	nw_dir_enter, nw_dir_leave, nw_file_begin, nw_file_data, nw_file_end,
	nw_entry, nw_hardlink, nw_entry, nw_finish, nw_free, NULL,
};

int ps_writer_null_open(struct ps_writer **wp)
{
	*wp = calloc(1, sizeof(**wp));
	if (!*wp)
		return PS_ENOMEM;
	(*wp)->ops = &null_ops;
	(*wp)->can_xattr = 1;
	return PS_OK;
}
