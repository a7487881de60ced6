/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Extraction: the name sanitiser and the tree walker that feeds a writer
 * (extract_writer.c, extract_dir.c, extract_archive.c). */
#include "extract.h"
#include "imgsrc_open.h"
#include "err.h"
#include "interrupt.h"
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

static int raw_mode;		/* set for one ps_name_map call */

static int bad(unsigned char c)
{
	return raw_mode ? c == '/' : bad_byte(c);
}

static int name_map(const char *name, size_t len, char *out);

/* raw: only '/', "", ".", ".." and over-long names are mapped */
static int ps_name_map(const char *name, size_t len, char *out, int raw)
{
	raw_mode = raw;
	int r = name_map(name, len, out);
	raw_mode = 0;
	return r;
}

int ps_name_sanitize(const char *name, size_t len, char *out)
{
	return ps_name_map(name, len, out, 0);
}

static int name_map(const char *name, size_t len, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	int dots = (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
	int need = dots || len == 0 || len > PS_NAME_MAX;
	for (size_t i = 0; i < len && !need; i++)
		need = bad((unsigned char)name[i]);
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
		if (bad(c) || c == '%' || dots) {
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
	char *fatal_path;	/* the entry a fatal error stopped at */
};

/* A signal asked to stop (src/interrupt.h): make it a fatal stop of the
 * writer, so the normal error path cleans up. */
static int intr_stop(struct walk *wk)
{
	int sig = ps_intr_check();
	if (!sig)
		return 0;
	if (!wk->w->fatal) {
		wk->w->fatal = 1;
		snprintf(wk->w->err, sizeof(wk->w->err), "interrupted by %s",
			 ps_intr_name(sig));
	}
	wk->s->interrupted = sig;
	return 1;
}

static void note_fatal(struct walk *wk)
{
	if (wk->w->fatal && !wk->fatal_path)
		wk->fatal_path = strdup(wk->path[0] ? wk->path : "/");
}

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

/* The last component becomes name (a file's second version, NAME.mmap-view,
 * is named as itself in messages and in the fatal line). */
static int path_last(struct walk *wk, size_t old, const char *name)
{
	size_t o;
	path_pop(wk, old);
	return path_push(wk, name, &o);
}

static int data_cb(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct walk *wk = ctx;
	if (intr_stop(wk))
		return PS_EIO;
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

/* Metadata that failed its checksum was read all the same: the entry is
 * extracted, and counted as an error (issue 21 item 7). */
static void take_csum(struct walk *wk, const struct ps_fs_stat *st)
{
	if (!st->csum_bad)
		return;
	wk->s->errors++;
	wk->s->csum++;
	if (wk->o->csum_bad)
		wk->o->csum_bad(wk->o->csum_ctx, wk->path, st);
}

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
	w->has_map = 0;
	if (!w->wants_map || !st->size)
		return;
	if (ps_fs_map(wk->fs, st, map_cb, m) == PS_OK) {
		w->map = m->v;
		w->nmap = m->n;
		w->has_map = 1;	/* nmap == 0: all holes (no or unwritten extents) */
	}
}

static int do_entry(struct walk *wk, const char *raw, size_t rawlen, uint64_t ino,
		    struct nameset *names)
{
	struct ps_writer *w = wk->w;
	char name[PS_NAME_MAX + 1], esc[1024];
	int mapped = ps_name_map(raw, rawlen, name, wk->o->raw_names);
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
	take_csum(wk, &st);
	if (st.xattrs_incomplete) {
		/* a lossy extraction must not look complete: an error */
		wk->s->errors++;
		wlog(wk, wk->path, "xattrs of %s not extracted: %s", wk->path,
		     st.note[0] ? st.note : "not readable");
	} else if (st.note[0]) {
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
		if (v && (r = path_last(wk, old, vname)))
			break;
		struct rmap m = { 0 };
		file_map(wk, &st, &m);
		r = w->ops->file_begin(w, vname, &st);
		w->map = NULL;
		w->has_map = 0;
		free(m.v);
		if (r == PS_EEXIST && !w->fatal) {
			/* --force merge: this version is kept as it is; the
			 * other one may still be missing (an interrupted run) */
			wlog(wk, wk->path, "kept: already in the output, not overwritten");
			wk->s->existing++;
			w->err[0] = 0;
			r = PS_OK;
			continue;
		}
		if (!r) {
			uint64_t dmg = ps_src_damage_reads(wk->fs->src);
			r = src ? src->read(src->ctx, wk->fs, &st, v, data_cb, wk) :
				  ps_fs_read(wk->fs, &st, data_cb, wk);
			int rr = PS_OK;
			if (r && !w->fatal) {
				wlog(wk, wk->path, "content not extracted: %s",
				     w->err[0] ? w->err : ps_fs_error(wk->fs));
				wk->s->errors++;
				w->err[0] = 0;
			} else if (!r && ps_src_damage_reads(wk->fs->src) != dmg) {
				/* written, but not as it was: an error */
				wlog(wk, wk->path, "content damaged: part of it lies where the image could not be read, written as zeros there (the damaged ranges are listed at the end)");
				wk->s->errors++;
			}
			if (!w->fatal)
				rr = w->ops->file_end(w, r == PS_OK);
			note_fatal(wk);
			if (w->fatal && w->ops->file_abort)
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
		/* back to the file's own name (shorter: cannot fail), which
		 * hard links to it are made against */
		if (nv > 1 && r != PS_ENOMEM)
			path_last(wk, old, name);
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
	note_fatal(wk);
	if (r == PS_EEXIST && !w->fatal) {
		/* --force into a non-empty directory: what is there is kept */
		wlog(wk, wk->path, "kept: already in the output, not overwritten");
		wk->s->existing++;
		w->err[0] = 0;
		r = PS_OK;
	} else if (r == PS_EUNSUPP && !w->fatal) {
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
	for (size_t i = 0; i < l.n && !r && !wk->w->fatal; i++) {
		if (intr_stop(wk)) {	/* between entries: name the directory */
			note_fatal(wk);
			break;
		}
		r = do_entry(wk, l.v[i].name, l.v[i].len, l.v[i].ino, &names);
	}
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
				take_csum(&wk, &st);
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
	int ok = !r && !w->fatal;
	char cause[sizeof(w->err)];
	snprintf(cause, sizeof(cause), "%s", w->err);
	int fr = w->ops->finish(w, ok);
	if (fr && ok) {
		wlog(&wk, "", "%s", w->err);
		r = fr;
	}
	if (!ok && w->fatal) {
		/* one line: where it stopped, why, and what is left behind */
		if (!stats->interrupted)
			stats->errors++;
		wlog(&wk, wk.fatal_path ? wk.fatal_path : "", "%s %s; %s",
		     stats->interrupted ? "stopped here:" : "stopped here by a fatal error:",
		     cause[0] ? cause : "write failed",
		     w->left[0] ? w->left : "the entries before it are complete");
	}
	if (!r && w->fatal)
		r = PS_EIO;
	im_free(&wk.links);
	im_free(&wk.dirs);
	free(wk.path);
	free(wk.fatal_path);
	return r;
}

