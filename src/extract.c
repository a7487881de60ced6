/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Extraction: the name sanitiser and the tree walker that feeds a writer
 * (extract_writer.c, extract_dir.c, extract_archive.c). */
#include "extract.h"
#include "extract_int.h"
#include "util.h"
#include "imgsrc_open.h"
#include "err.h"
#include "interrupt.h"
#include "walk.h"
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

/* name -> index (of the entry in its directory listing) */
struct namemap {
	char **k;
	size_t *v;
	size_t cap, n;
};

static size_t nm_slot(const struct namemap *s, const char *name)
{
	size_t i = (size_t)fnv1a(name, strlen(name)) & (s->cap - 1);
	while (s->k[i] && strcmp(s->k[i], name))
		i = (i + 1) & (s->cap - 1);
	return i;
}

/* the entry's key (owned by the map), or NULL */
static const char *nm_get(const struct namemap *s, const char *name, size_t *v)
{
	if (!s->cap)
		return NULL;
	size_t i = nm_slot(s, name);
	if (s->k[i] && v)
		*v = s->v[i];
	return s->k[i];
}

/* Adds name (if not there) and returns its key, NULL when out of memory */
static const char *nm_add(struct namemap *s, const char *name, size_t v)
{
	const char *k = nm_get(s, name, NULL);
	if (k)
		return k;
	if ((s->n + 1) * 2 > s->cap) {
		struct namemap ns = { NULL, NULL, s->cap ? s->cap * 2 : 16, 0 };
		ns.k = calloc(ns.cap, sizeof(*ns.k));
		ns.v = calloc(ns.cap, sizeof(*ns.v));
		if (!ns.k || !ns.v) {
			free(ns.k);
			free(ns.v);
			return NULL;
		}
		for (size_t i = 0; i < s->cap; i++)
			if (s->k[i]) {
				size_t j = nm_slot(&ns, s->k[i]);
				ns.k[j] = s->k[i];
				ns.v[j] = s->v[i];
			}
		ns.n = s->n;
		free(s->k);
		free(s->v);
		*s = ns;
	}
	char *d = strdup(name);
	if (!d)
		return NULL;
	size_t i = nm_slot(s, name);
	s->k[i] = d;
	s->v[i] = v;
	s->n++;
	return d;
}

static void nm_free(struct namemap *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->k[i]);
	free(s->k);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* ASCII case folded (what a case-insensitive output's filesystem, vfat,
 * exfat, ntfs3 or ext4 casefold, takes as the same name at the least) */
static void fold(const char *name, char *out)
{
	size_t i = 0;
	for (; name[i]; i++)
		out[i] = name[i] >= 'A' && name[i] <= 'Z' ? (char)(name[i] - 'A' + 'a') : name[i];
	out[i] = 0;
}

/* The names of one directory's entries in the output, chosen before any
 * is written (docs/cli.md): first every name the image has that can be
 * kept as it is, then the mapped ones and repeats ("~1", "~2"...), then,
 * as each file is written, its generated names (NAME.mmap-view) among
 * what is left, so a generated name never takes an entry's name and no
 * entry's name is taken by a generated one. */
struct dirnames {
	struct namemap exact;	/* names in the output -> entry index */
	struct namemap folded;	/* fold(name) -> the lowest entry index */
	const char **name;	/* per entry: its output name (a key of exact) */
	uint8_t *mapped;	/* per entry: not the image's own name */
	size_t n;
};

static void dn_free(struct dirnames *d)
{
	nm_free(&d->exact);
	nm_free(&d->folded);
	free(d->name);
	free(d->mapped);
	memset(d, 0, sizeof(*d));
}

/* Reserves name for entry i in both maps; NULL when out of memory */
static const char *dn_take(struct dirnames *d, const char *name, size_t i)
{
	char f[PS_NAME_MAX + 1];
	size_t j;
	fold(name, f);
	if (nm_get(&d->folded, f, &j)) {
		if (i < j)
			d->folded.v[nm_slot(&d->folded, f)] = i;
	} else if (!nm_add(&d->folded, f, i)) {
		return NULL;
	}
	return nm_add(&d->exact, name, i);
}

/* name with "~k" added, cut to PS_NAME_MAX before the "~k" */
static void name_tilde(const char *base, unsigned k, char *out)
{
	char suf[16];
	int sl = snprintf(suf, sizeof(suf), "~%u", k);
	size_t bl = strlen(base);
	if (bl + (size_t)sl > PS_NAME_MAX)
		bl = PS_NAME_MAX - (size_t)sl;
	snprintf(out, PS_NAME_MAX + 1, "%.*s%s", (int)bl, base, suf);
}

static int dn_build(struct dirnames *d, const struct ps_fs_dirent *v, size_t n,
		    int raw)
{
	memset(d, 0, sizeof(*d));
	d->n = n;
	d->name = calloc(n ? n : 1, sizeof(*d->name));
	d->mapped = calloc(n ? n : 1, 1);
	if (!d->name || !d->mapped)
		return PS_ENOMEM;
	char name[PS_NAME_MAX + 1];
	/* pass 1: the names kept as they are, the first of each */
	for (size_t i = 0; i < n; i++) {
		d->mapped[i] = (uint8_t)ps_name_map(v[i].name, v[i].len, name, raw);
		if (d->mapped[i] || nm_get(&d->exact, name, NULL))
			continue;
		if (!(d->name[i] = dn_take(d, name, i)))
			return PS_ENOMEM;
	}
	/* pass 2: mapped names and repeats, against all of pass 1 */
	for (size_t i = 0; i < n; i++) {
		if (d->name[i])
			continue;
		char base[PS_NAME_MAX + 1];
		ps_name_map(v[i].name, v[i].len, base, raw);
		snprintf(name, sizeof(name), "%s", base);
		if (nm_get(&d->exact, name, NULL)) {
			d->mapped[i] = 1;
			for (unsigned k = 1; nm_get(&d->exact, name, NULL); k++)
				name_tilde(base, k, name);
		}
		if (!(d->name[i] = dn_take(d, name, i)))
			return PS_ENOMEM;
	}
	return PS_OK;
}

/* A generated name for entry i (NAME + suffix): the first of NAME+suffix,
 * NAME+suffix~1, ... that no other name takes, even with case folded. */
static const char *dn_generate(struct dirnames *d, size_t i, const char *suffix,
			       int *renamed)
{
	char base[PS_NAME_MAX + 1], name[PS_NAME_MAX + 1], f[PS_NAME_MAX + 1];
	const char *own = d->name[i];
	size_t sl = strlen(suffix), bl = strlen(own);
	if (bl + sl > PS_NAME_MAX)
		bl = PS_NAME_MAX - sl;
	snprintf(base, sizeof(base), "%.*s%s", (int)bl, own, suffix);
	snprintf(name, sizeof(name), "%s", base);
	*renamed = 0;
	for (unsigned k = 1;; k++) {
		fold(name, f);
		if (!nm_get(&d->exact, name, NULL) && !nm_get(&d->folded, f, NULL))
			break;
		name_tilde(base, k, name);
		*renamed = 1;
	}
	return dn_take(d, name, i);
}

/* ---- the walker ---- */

struct walk {
	struct ps_fs *fs;
	struct ps_writer *w;
	const struct ps_extract_opts *o;
	struct ps_extract_stats *s;
	char *path;		/* current directory, relative to OUT */
	size_t plen, pcap;
	struct inomap links;
	struct ps_walk *walk;	/* the tree: depth and loops (walk.h) */
	uint64_t files_seen;
	char *fatal_path;	/* the entry a fatal error stopped at */
	int differs;		/* merge_file: the comparison found a difference */
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
		ps_werr(wk->w, "interrupted by %s", ps_intr_name(sig));
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

static void take_warning(struct walk *wk, uint64_t before, uint64_t lost)
{
	if (wk->w->nwarn != before) {
		wk->s->warnings++;
		wlog(wk, wk->path, "%s", wk->w->warn);
	}
	if (wk->w->nlost != lost) {
		/* written, but not whole: an error of the entry */
		wk->s->errors++;
		wlog(wk, wk->path, "%s", wk->w->lost);
	}
}

/* Metadata that failed its checksum was read all the same: the entry is
 * extracted, and counted as an error (docs/cli.md "extract"). */
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

/* Entry i's name folds (ASCII case) to that of an entry before it in
 * this directory: on an output that folds case both are one file. Returns
 * that entry's index, or i. */
static size_t fold_clash(struct dirnames *dn, size_t i, const char *name)
{
	char f[PS_NAME_MAX + 1];
	size_t j = i;
	fold(name, f);
	nm_get(&dn->folded, f, &j);
	return j < i && strcmp(dn->name[j], name) ? j : i;
}

/* The writer said PS_EEXIST for name (entry i's own or generated name):
 * kept only in a --force merge, and only when no entry before it in this
 * directory has the same name with case folded (then the output's
 * filesystem folds case and this entry would be lost); else an error.
 * What is kept is counted for the summary, not named one by one. */
static void name_exists(struct walk *wk, struct dirnames *dn, size_t i,
			const char *name, int dir)
{
	const char *sub = dir ? "; its contents not extracted" : "";
	struct ps_writer *w = wk->w;
	size_t j = fold_clash(dn, i, name);
	if (j < i) {
		wlog(wk, wk->path, "not extracted: the output's filesystem takes '%s' and '%s' (both in the image) as one name (it folds case)%s",
		     name, dn->name[j], sub);
		wk->s->errors++;
	} else if (w->merge) {
		wk->s->existing++;
	} else {
		wlog(wk, wk->path, "not extracted: %s (not written by this run: the output's filesystem may fold case or normalise names, or something else writes there)%s",
		     w->err ? w->err : "already in the output", sub);
		wk->s->errors++;
	}
	ps_writer_err_clear(w);
}

static int cmp_cb(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct walk *wk = ctx;
	if (intr_stop(wk))
		return PS_EIO;
	if (wk->w->ops->cmp_data(wk->w, off, buf, len)) {
		wk->differs = 1;
		return PS_FS_STOP;
	}
	return PS_OK;
}

enum { MERGE_KEPT, MERGE_REWRITE, MERGE_DONE };

/* file_begin said PS_EEXIST for version v of a regular file (docs/cli.md
 * "extract"): in a --force merge a regular file there is kept only when its size
 * and content are the image's; one that differs (a partial copy an
 * earlier run left) is written anew (file_rewrite has begun it: *r is its
 * result). Anything else there goes to name_exists. */
static int merge_file(struct walk *wk, struct dirnames *dn, size_t i, const char *name,
		      const struct ps_fs_stat *st, unsigned v, int *r)
{
	struct ps_writer *w = wk->w;
	*r = PS_OK;
	if (!w->merge || !w->ops->cmp_begin || fold_clash(dn, i, name) < i) {
		name_exists(wk, dn, i, name, 0);
		return MERGE_DONE;
	}
	ps_writer_err_clear(w);
	int c = w->ops->cmp_begin(w, name, st);
	if (c == PS_EEXIST) {
		wlog(wk, wk->path, "not extracted: the output has something other than a regular file named so (kept as it is, not followed)");
		wk->s->errors++;
		return MERGE_DONE;
	}
	if (c == 0) {
		const struct ps_extract_source *src = wk->o->source;
		wk->differs = 0;
		int rr = src ? src->read(src->ctx, wk->fs, st, v, cmp_cb, wk) :
			       ps_fs_read(wk->fs, st, cmp_cb, wk);
		c = w->ops->cmp_end(w) || wk->differs;
		if (wk->s->interrupted) {
			*r = PS_EIO;
			return MERGE_DONE;
		}
		if (!c && !rr) {
			wk->s->existing++;
			return MERGE_KEPT;
		}
	}
	wk->s->rewritten++;
	*r = w->ops->file_rewrite(w, name, st);
	return MERGE_REWRITE;
}

/* Entry idx of its directory (names dn), stat result e->st. */
static int do_entry(struct walk *wk, const struct ps_walk_entry *e,
		    struct dirnames *dn, size_t idx)
{
	const char *raw = e->name;
	size_t rawlen = e->namelen;
	uint64_t ino = e->ino;
	struct ps_writer *w = wk->w;
	char esc[1024];
	const char *name = dn->name[idx];
	size_t old;
	if (path_push(wk, name, &old))
		return PS_ENOMEM;
	if (dn->mapped[idx]) {
		ps_name_escape(raw, rawlen, esc, sizeof(esc));
		wk->s->renamed++;
		wlog(wk, wk->path, "renamed: the image's name is '%s'", esc);
	}
	if (!e->st) {
		wlog(wk, wk->path, "skipped: %s", ps_fs_error(wk->fs));
		wk->s->errors++;
		path_pop(wk, old);
		return PS_OK;
	}
	const struct ps_fs_stat st = *e->st;	/* the walker frees it */
	int r = PS_OK;
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
	uint64_t nw = w->nwarn, nl = w->nlost;
	unsigned type = st.mode & 0170000;
	const char *link = NULL;
	int made = 0;
	/* a second name of an inode already written is a hard link to it,
	 * whatever its link count says (a name deleted while the inode's
	 * count was not updated, or the other way round: docs/cli.md "extract") */
	if (type != 0040000 && w->ops->hardlink)
		link = im_get(&wk->links, ino);
	if (link) {
		r = w->ops->hardlink(w, name, &st, link);
		if (!r)
			wk->s->hardlinks++;
	} else if (type == 0040000) {
		/* too deep or entered before: reported by walk_error */
		if ((r = ps_walk_check(wk->walk, e))) {
			if (r == PS_WALK_NOT_ENTERED)
				r = PS_OK;
		} else if (!(r = w->ops->dir_enter(w, name, &st))) {
			char f[PS_NAME_MAX + 1];
			size_t j = idx;
			fold(name, f);
			nm_get(&dn->folded, f, &j);
			if (w->entered_existing && j < idx && strcmp(dn->name[j], name)) {
				/* a merge on a filesystem that folds case: the
				 * directory there is the one written for name j */
				r = w->ops->dir_leave(w, &st);
				wlog(wk, wk->path, "not extracted: the output's filesystem takes '%s' and '%s' (both in the image) as one name (it folds case); its contents not extracted",
				     name, dn->name[j]);
				wk->s->errors++;
			} else {
				wk->s->dirs++;
				r = ps_walk_descend(wk->walk, e);
				if (!r && !w->fatal) {
					nw = w->nwarn;
					nl = w->nlost;
					r = w->ops->dir_leave(w, &st);
				}
			}
		}
	} else if (type == 0100000) {
		const struct ps_extract_source *src = wk->o->source;
		const char *suffix[2] = { "", "" };
		unsigned nv = src ? src->versions(src->ctx, wk->path, &st, suffix) : 1;
		for (unsigned v = 0; v < nv && !r && !w->fatal; v++) {
		const char *vname = name;
		if (v) {
			int ren;
			if (!(vname = dn_generate(dn, idx, suffix[v], &ren)) ||
			    (r = path_last(wk, old, vname))) {
				r = PS_ENOMEM;
				break;
			}
			if (ren) {
				wk->s->renamed++;
				wlog(wk, wk->path, "renamed: '%s%s' is a name of the image (or the same with case folded); this copy of '%s' takes this name",
				     name, suffix[v], name);
			}
			if (src->placed)
				src->placed(src->ctx, v, wk->path);
		}
		struct rmap m = { 0 };
		file_map(wk, &st, &m);
		r = w->ops->file_begin(w, vname, &st);
		w->map = NULL;
		w->has_map = 0;
		free(m.v);
		if (r == PS_EEXIST && !w->fatal) {
			/* a --force merge: this version is kept when it is
			 * the image's, else written anew; the other one may
			 * still be missing (an interrupted run) */
			int mr = merge_file(wk, dn, idx, vname, &st, v, &r);
			if (mr == MERGE_KEPT && !v)
				made = 1;	/* hard links to it are made */
			if (mr != MERGE_REWRITE) {
				if (r)
					break;
				continue;
			}
		}
		if (!r) {
			uint64_t dmg = ps_src_damage_reads(wk->fs->src);
			r = src ? src->read(src->ctx, wk->fs, &st, v, data_cb, wk) :
				  ps_fs_read(wk->fs, &st, data_cb, wk);
			int rr = PS_OK;
			if (r && !w->fatal) {
				wlog(wk, wk->path, "content not extracted: %s",
				     w->err ? w->err : ps_fs_error(wk->fs));
				wk->s->errors++;
				ps_writer_err_clear(w);
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
		/* each copy's lost xattrs, under its own name */
		take_warning(wk, nw, nl);
		nw = w->nwarn;
		nl = w->nlost;
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
	if (made && type != 0040000 && w->ops->hardlink && !r)
		r = im_put(&wk->links, ino, wk->path);
	note_fatal(wk);
	if (r == PS_EEXIST && !w->fatal) {
		name_exists(wk, dn, idx, name, type == 0040000);
		r = PS_OK;
	} else if (r == PS_EUNSUPP && !w->fatal) {
		/* a limit of the output (format, privileges), not of the
		 * image: the entry is not there all the same (exit 1) */
		wlog(wk, wk->path, "not extracted (the output cannot hold it): %s",
		     w->err ? w->err : ps_strerror(r));
		wk->s->dropped++;
		wk->s->errors++;
		ps_writer_err_clear(w);
		r = PS_OK;
	} else if (r && !w->fatal && r != PS_ENOMEM) {
		wlog(wk, wk->path, "not extracted: %s", w->err ? w->err : ps_strerror(r));
		wk->s->errors++;
		ps_writer_err_clear(w);
		r = PS_OK;
	}
	take_warning(wk, nw, nl);
	path_pop(wk, old);
	return r;
}

/* ---- the walk's callbacks (walk.h) ---- */

/* A directory's output names, made from all its entries before the first
 * is written. */
static int ex_dir_enter(void *ctx, uint64_t dir, const struct ps_fs_dirlist *l,
			void **dirp)
{
	struct walk *wk = ctx;
	(void)dir;
	struct dirnames *dn = calloc(1, sizeof(*dn));
	if (!dn)
		return PS_ENOMEM;
	int r = dn_build(dn, l->v, l->n, wk->o->raw_names);
	if (r) {
		dn_free(dn);
		free(dn);
		return r;
	}
	*dirp = dn;
	return PS_OK;
}

static void ex_dir_leave(void *ctx, uint64_t dir, void *dirp)
{
	(void)ctx;
	(void)dir;
	dn_free(dirp);
	free(dirp);
}

static int ex_entry(void *ctx, struct ps_walk *w, const struct ps_walk_entry *e)
{
	struct walk *wk = ctx;
	(void)w;
	if (wk->w->fatal)
		return PS_FS_STOP;
	if (intr_stop(wk)) {	/* between entries: name the directory */
		note_fatal(wk);
		return PS_FS_STOP;
	}
	int r = do_entry(wk, e, e->dir, e->index);
	return !r && wk->w->fatal ? PS_FS_STOP : r;
}

static int ex_error(void *ctx, const struct ps_walk_error *err)
{
	struct walk *wk = ctx;
	if (err->kind == PS_WALK_READ) {
		if (err->code == PS_ENOMEM)
			return err->code;
		wlog(wk, wk->path, "directory not read completely: %s", ps_fs_error(wk->fs));
	} else if (err->why & PS_WALK_DEEP) {
		wlog(wk, wk->path, "skipped: deeper than %u levels", err->max_depth);
	} else {
		wlog(wk, wk->path, "skipped: directory inode %llu already extracted (directory loop or cross-linked directory in the image)",
		     (unsigned long long)err->dir);
	}
	wk->s->errors++;
	return PS_OK;
}

static const struct ps_walk_ops ex_walk = {
	.dir_enter = ex_dir_enter, .entry = ex_entry, .dir_leave = ex_dir_leave,
	.error = ex_error,
};

int ps_extract(struct ps_fs *fs, uint64_t ino, const char *top_name,
	       struct ps_writer *w, const struct ps_extract_opts *o,
	       struct ps_extract_stats *stats)
{
	struct walk wk = { .fs = fs, .w = w, .o = o, .s = stats };
	memset(stats, 0, sizeof(*stats));
	/* each directory once: a loop or a cross-linked directory is written
	 * where it is met first */
	struct ps_walk walker;
	ps_walk_init(&walker, fs, &(struct ps_walk_opts){ .max_depth = o->max_depth,
		     .loops = PS_WALK_ONCE }, &ex_walk, &wk);
	wk.walk = &walker;
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
				r = ps_walk_tree(&walker, ino);
			} else {
				struct dirnames dn;
				const char *n = top_name && *top_name ? top_name : "file";
				struct ps_fs_dirent one = { (char *)n, strlen(n), ino };
				struct ps_walk_entry e = { .name = n, .namelen = strlen(n),
							   .ino = ino, .st = &st };
				r = dn_build(&dn, &one, 1, o->raw_names);
				if (!r)
					r = do_entry(&wk, &e, &dn, 0);
				dn_free(&dn);
			}
			ps_fs_stat_free(&st);
		}
	}
	int ok = !r && !w->fatal;
	char *cause = w->err ? strdup(w->err) : NULL;	/* the stop's own */
	int fr = w->ops->finish(w, ok);
	if (fr && ok) {
		wlog(&wk, "", "%s", w->err ? w->err : ps_strerror(fr));
		r = fr;
	}
	if (!ok && w->fatal) {
		/* one line: where it stopped, why, and what is left behind */
		if (!stats->interrupted)
			stats->errors++;
		wlog(&wk, wk.fatal_path ? wk.fatal_path : "", "%s %s; %s",
		     stats->interrupted ? "stopped here:" : "stopped here by a fatal error:",
		     cause ? cause : "write failed",
		     w->left ? w->left : "the entries before it are complete");
	}
	free(cause);
	if (!r && w->fatal)
		r = PS_EIO;
	im_free(&wk.links);
	ps_walk_free(&walker);
	free(wk.path);
	free(wk.fatal_path);
	return r;
}

