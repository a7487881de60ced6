/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Split raw images: NAME.001 NAME.002 ... (or .000, .00, ...), NAME.aa
 * NAME.ab ..., and GNU split's default xaa xab ... / x00 x01 ..., read as
 * one image with random access (no joined copy). Recognised by the name of
 * the first segment and the existence of the second; every segment but the
 * last must have the first one's size, the last at most that.
 * See imgsrc_open.h and docs/input.md.
 */
#include "imgsrc_container.h"
#include "err.h"
#include "outfile.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SEGMENTS 100000	/* more than that: refused, memory bounded */
#define MAX_OPEN 128		/* more segments: opened on demand, this many kept */
#define GAP_LOOKAHEAD 16	/* names after a missing one checked for a gap */

/* ---- names ---- */

struct sname {
	size_t at;		/* offset of the suffix in the path */
	size_t width;
	int numeric;
};

/* Does path end in a split suffix? (see ps_split_is_first_name) */
static int parse_name(const char *path, struct sname *sn)
{
	size_t len = strlen(path);
	const char *slash = strrchr(path, '/');
	size_t b = slash ? (size_t)(slash - path) + 1 : 0;	/* basename */
	size_t kd = 0, ka = 0;
	while (kd < len - b && path[len - 1 - kd] >= '0' && path[len - 1 - kd] <= '9')
		kd++;
	while (ka < len - b && path[len - 1 - ka] >= 'a' && path[len - 1 - ka] <= 'z')
		ka++;
	if (kd >= 2) {
		size_t pos = len - kd;
		if ((pos > b && path[pos - 1] == '.') || (pos == b + 1 && path[b] == 'x')) {
			sn->at = pos;
			sn->width = kd;
			sn->numeric = 1;
			return 1;
		}
		return 0;
	}
	if (ka >= 2) {
		size_t pos = len - ka;
		if (pos > b && path[pos - 1] == '.') {
			sn->at = pos;
			sn->width = ka;
			sn->numeric = 0;
			return 1;
		}
		if (pos == b && path[b] == 'x' && ka >= 3) {	/* xaa: prefix "x" */
			sn->at = b + 1;
			sn->width = ka - 1;
			sn->numeric = 0;
			return 1;
		}
	}
	return 0;
}

int ps_split_is_first_name(const char *path)
{
	struct sname sn;
	if (!parse_name(path, &sn))
		return 0;
	const char *s = path + sn.at;
	char zero = sn.numeric ? '0' : 'a';
	size_t i = 0;
	while (i < sn.width && s[i] == zero)
		i++;
	if (i == sn.width)
		return 1;
	/* NAME.001: numbered from 1 (split --numeric-suffixes=1, FTK) */
	return sn.numeric && i == sn.width - 1 && s[i] == '1';
}

int ps_split_next_name(const char *path, char *out, size_t outlen, char *wide,
		       size_t widelen)
{
	struct sname sn;
	size_t len = strlen(path);
	if (wide && widelen)
		wide[0] = 0;
	if (!parse_name(path, &sn) || len + 1 > outlen)
		return -1;
	char lo = sn.numeric ? '0' : 'a', hi = sn.numeric ? '9' : 'z';
	const char *old = path + sn.at;
	size_t run_old = 0;
	while (run_old < sn.width && old[run_old] == hi)
		run_old++;
	memcpy(out, path, len + 1);
	char *s = out + sn.at;
	size_t i = sn.width;
	while (i > 0) {
		if (s[i - 1] != hi) {
			s[i - 1]++;
			break;
		}
		s[i - 1] = lo;
		i--;
	}
	if (i == 0)
		return -1;	/* dump.999, xzz: no further name of this width */
	/* GNU split without -a widens the suffix by two where its first
	 * character would reach the last symbol: yz -> zaaa, 89 -> 9000 */
	size_t run_new = 0;
	while (run_new < sn.width && s[run_new] == hi)
		run_new++;
	if (wide && run_new > run_old && len + 3 <= widelen) {
		size_t rest = 1;
		for (size_t k = run_new; k < sn.width; k++)
			rest &= s[k] == lo;
		if (rest) {
			memcpy(wide, out, sn.at + run_new);
			memset(wide + sn.at + run_new, lo, sn.width - run_new + 2);
			wide[sn.at + sn.width + 2] = 0;
		}
	}
	return 0;
}

/* ---- the source ---- */

struct seg {
	char *path;
	uint64_t start, size;
	dev_t dev;
	ino_t ino;
	int fd;
};

struct split_priv {
	struct seg *seg;
	const char **names;	/* seg[i].path, for ps_container_info */
	size_t n;
	uint64_t segsize;	/* size of every segment but the last */
	int lazy;		/* more segments than MAX_OPEN: open on demand */
	pthread_mutex_t lock;	/* lazy: the fd cache and reads through it */
	size_t nopen, hand;
};

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* Open segment i (lazy mode: evict another first); the same file we
 * measured at open time, or an error. */
static int seg_fd(struct ps_src *s, struct split_priv *p, size_t i)
{
	struct seg *g = &p->seg[i];
	if (g->fd >= 0)
		return g->fd;
	while (p->nopen >= MAX_OPEN) {
		struct seg *v = &p->seg[p->hand];
		p->hand = (p->hand + 1) % p->n;
		if (v->fd >= 0 && v != g) {
			close(v->fd);
			v->fd = -1;
			p->nopen--;
		}
	}
	int fd = open(g->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		ps_src_set_error(s, "%s: cannot open split segment %s: %s", s->name, g->path,
				 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (st.st_dev != g->dev || st.st_ino != g->ino || (uint64_t)st.st_size != g->size) {
		ps_src_set_error(s, "%s: split segment %s changed since it was opened", s->name,
				 g->path);
		close(fd);
		return -1;
	}
	g->fd = fd;
	p->nopen++;
	return fd;
}

static size_t seg_index(const struct split_priv *p, uint64_t off)
{
	if (!p->segsize)
		return p->n - 1;
	uint64_t i = off / p->segsize;
	return i >= p->n ? p->n - 1 : (size_t)i;
}

static int split_pread_locked(struct ps_src *s, struct split_priv *p, uint8_t *b,
			      size_t len, uint64_t off)
{
	while (len) {
		size_t i = seg_index(p, off);
		struct seg *g = &p->seg[i];
		uint64_t in = off - g->start;
		size_t k = g->size - in < len ? (size_t)(g->size - in) : len;
		int fd = seg_fd(s, p, i);
		if (fd < 0)
			return PS_EIO;
		ssize_t n = pread(fd, b, k, (off_t)in);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				ps_src_set_error(s, "%s: read error in split segment %s at offset %" PRIu64 " (image offset %" PRIu64 "): %s",
						 s->name, g->path, in, off, strerror(errno));
			else
				ps_src_set_error(s, "%s: split segment %s ends early at offset %" PRIu64 " (image offset %" PRIu64 "; file shrank?)",
						 s->name, g->path, in, off);
			return PS_EIO;
		}
		b += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return PS_OK;
}

static int split_pread(struct ps_src *s, void *buf, size_t len, uint64_t off)
{
	struct split_priv *p = s->priv;
	if (!p->lazy)
		return split_pread_locked(s, p, buf, len, off);
	pthread_mutex_lock(&p->lock);
	int r = split_pread_locked(s, p, buf, len, off);
	pthread_mutex_unlock(&p->lock);
	return r;
}

/* SEEK_DATA/SEEK_HOLE in segment i from in: *out (segment-relative),
 * the segment size if none. Without SEEK_DATA: all data. */
static int seg_seek(struct ps_src *s, struct split_priv *p, size_t i, uint64_t in,
		    int whence, uint64_t *out)
{
	struct seg *g = &p->seg[i];
	int fd = seg_fd(s, p, i);
	if (fd < 0)
		return PS_EIO;
	off_t r = lseek(fd, (off_t)in, whence);
	if (r < 0) {
		if (errno == ENXIO) {
			*out = g->size;
			return PS_OK;
		}
		if (errno == EINVAL || errno == EOPNOTSUPP) {
			*out = whence == SEEK_DATA ? in : g->size;
			return PS_OK;
		}
		ps_src_set_error(s, "%s: lseek in split segment %s at offset %" PRIu64 ": %s",
				 s->name, g->path, in, strerror(errno));
		return PS_EIO;
	}
	*out = (uint64_t)r > g->size ? g->size : (uint64_t)r;
	return PS_OK;
}

static int split_next(struct ps_src *s, uint64_t off, int whence, uint64_t *out)
{
	struct split_priv *p = s->priv;
	int r = PS_OK;
	if (p->lazy)
		pthread_mutex_lock(&p->lock);
	*out = s->size;
	for (size_t i = seg_index(p, off); i < p->n; i++) {
		struct seg *g = &p->seg[i];
		uint64_t in = off > g->start ? off - g->start : 0, x;
		r = seg_seek(s, p, i, in, whence, &x);
		if (r)
			break;
		if (x < g->size) {
			*out = g->start + x;
			break;
		}
	}
	if (p->lazy)
		pthread_mutex_unlock(&p->lock);
	return r;
}

static int split_next_data(struct ps_src *s, uint64_t off, uint64_t *out)
{
	return split_next(s, off, SEEK_DATA, out);
}

static int split_next_hole(struct ps_src *s, uint64_t off, uint64_t *out)
{
	return split_next(s, off, SEEK_HOLE, out);
}

static void split_free(struct split_priv *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		if (p->seg[i].fd >= 0)
			close(p->seg[i].fd);
		free(p->seg[i].path);
	}
	free(p->seg);
	free(p->names);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static void split_close(struct ps_src *s)
{
	split_free(s->priv);
}

static const struct ps_src_ops split_ops = {
	.pread = split_pread,
	.next_data = split_next_data,
	.next_hole = split_next_hole,
	.close = split_close,
};

int ps_split_container_info(const struct ps_src *s, struct ps_container_info *ci)
{
	if (!s || s->ops != &split_ops)
		return PS_EINVAL;
	const struct split_priv *p = s->priv;
	memset(ci, 0, sizeof(*ci));
	ci->kind = PS_CONT_SPLIT;
	ci->format = "split raw";
	ci->nsegments = p->n;
	ci->segments = p->names;
	ci->segment_size = p->segsize;
	ci->media_size = s->size;
	return PS_OK;
}

/* A regular file (after symlinks) at path? Its stat in *st. */
static int is_file(const char *path, struct stat *st)
{
	return stat(path, st) == 0 && S_ISREG(st->st_mode);
}

/* The name of the segment after cur that exists (fixed width, else GNU's
 * widened form) into next; 0 if there is one, 1 if not (next then holds
 * the fixed-width name, or is empty when the suffix cannot grow). */
static int next_existing(const char *cur, char *next, size_t len, struct stat *st)
{
	char wide[4096];
	if (ps_split_next_name(cur, next, len, wide, sizeof(wide))) {
		next[0] = 0;
		return 1;
	}
	if (is_file(next, st))
		return 0;
	if (wide[0] && is_file(wide, st)) {
		snprintf(next, len, "%s", wide);
		return 0;
	}
	return 1;
}

/*
 * missing (the name after last) does not exist: if one of the names after
 * it does, the set has a gap; the one-line error and PS_EIO.
 */
static int find_gap(const char *path, const char *last, const char *missing,
		    char *err, size_t errlen)
{
	char *look = malloc(4096), *cur = malloc(4096);
	int r = PS_OK;
	if (!look || !cur) {
		snprintf(err, errlen, "%s: out of memory", path);
		r = PS_ENOMEM;
		goto out;
	}
	snprintf(look, 4096, "%s", missing);
	for (int k = 0; k < GAP_LOOKAHEAD; k++) {
		struct stat ls;
		if (next_existing(look, cur, 4096, &ls) == 0) {
			snprintf(err, errlen, "%s: split raw image segment %s is missing (%s is the last before the gap, and %s exists)",
				 path, base(missing), base(last), base(cur));
			r = PS_EIO;
			goto out;
		}
		if (!cur[0])
			break;
		snprintf(look, 4096, "%s", cur);
	}
out:
	free(look);
	free(cur);
	return r;
}

int ps_open_split(const char *path, const char *compressed,
		  const struct ps_open_opts *opts, struct ps_src **out,
		  char *err, size_t errlen)
{
	struct sname sn;
	struct stat st;
	char *cur = NULL, *next = NULL;
	struct split_priv *p = NULL;
	size_t plen = strlen(path), cap = 0;
	int r = PS_OK;
	*out = NULL;
	if (!parse_name(path, &sn) || plen > 4000)
		return PS_OK;
	cur = malloc(4096);
	next = malloc(4096);
	if (!cur || !next) {
		r = PS_ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (!ps_split_is_first_name(path)) {
		/* a later segment given: refuse if the first one is there */
		memcpy(cur, path, plen + 1);
		memset(cur + sn.at, sn.numeric ? '0' : 'a', sn.width);
		int found = is_file(cur, &st);
		if (!found && sn.numeric) {
			cur[sn.at + sn.width - 1] = '1';
			found = is_file(cur, &st);
		}
		if (found) {
			snprintf(err, errlen, "%s: a later segment of a split raw image (%s exists): give the first segment, %s",
				 path, base(cur), cur);
			r = PS_EINVAL;
		}
		goto out;
	}
	/* NAME.001 next to a NAME.000: the set starts at .000 */
	if (sn.numeric && path[sn.at + sn.width - 1] == '1') {
		memcpy(cur, path, plen + 1);
		cur[sn.at + sn.width - 1] = '0';
		if (is_file(cur, &st)) {
			snprintf(err, errlen, "%s: a later segment of a split raw image (%s exists): give the first segment, %s",
				 path, base(cur), cur);
			r = PS_EINVAL;
			goto out;
		}
	}
	if (!is_file(path, &st))
		goto out;
	if (next_existing(path, next, 4096, &st)) {
		if (next[0] && (r = find_gap(path, path, next, err, errlen)))
			goto out;
		if (next[0])
			ps_open_notice(opts, "%s: named like the first segment of a split raw image, but there is no %s: read as one plain image",
			       path, base(next));
		goto out;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		r = PS_ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	pthread_mutex_init(&p->lock, NULL);
	/* the segments, in order, until a name that does not exist */
	memcpy(cur, path, plen + 1);
	for (;;) {
		struct stat cs;
		if (!is_file(cur, &cs)) {
			snprintf(err, errlen, "%s: split segment %s is not a regular file", path, cur);
			r = PS_EIO;
			goto out;
		}
		if (p->n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct seg *v = realloc(p->seg, nc * sizeof(*v));
			if (!v) {
				r = PS_ENOMEM;
				snprintf(err, errlen, "%s: out of memory", path);
				goto out;
			}
			p->seg = v;
			cap = nc;
		}
		struct seg *g = &p->seg[p->n];
		memset(g, 0, sizeof(*g));
		g->fd = -1;
		g->path = strdup(cur);
		if (!g->path) {
			r = PS_ENOMEM;
			snprintf(err, errlen, "%s: out of memory", path);
			goto out;
		}
		g->size = (uint64_t)cs.st_size;
		g->dev = cs.st_dev;
		g->ino = cs.st_ino;
		ps_input_note_st(&cs, cur);	/* every segment, opened or not yet */
		p->n++;
		if (p->n > MAX_SEGMENTS) {
			snprintf(err, errlen, "%s: more than %d split segments", path, MAX_SEGMENTS);
			r = PS_EUNSUPP;
			goto out;
		}
		if (next_existing(cur, next, 4096, &st))
			break;
		memcpy(cur, next, strlen(next) + 1);
	}
	/* a gap: a later name exists after the missing one */
	if (next[0] && (r = find_gap(path, p->seg[p->n - 1].path, next, err, errlen)))
		goto out;
	/* every segment but the last as large as the first, the last no larger */
	p->segsize = p->seg[0].size;
	uint64_t total = 0;
	for (size_t i = 0; i < p->n; i++) {
		struct seg *g = &p->seg[i];
		if (i + 1 < p->n && g->size != p->segsize) {
			snprintf(err, errlen, "%s: split segment %s is %" PRIu64 " bytes where %s is %" PRIu64 ": %s (every segment but the last must be as large as the first)",
				 path, base(g->path), g->size, base(p->seg[0].path), p->segsize,
				 g->size < p->segsize ? "truncated" : "not part of the same set");
			r = PS_EIO;
			goto out;
		}
		if (i + 1 == p->n && (g->size > p->segsize || g->size == 0)) {
			snprintf(err, errlen, "%s: the last split segment %s is %" PRIu64 " bytes, the others %" PRIu64 ": %s",
				 path, base(g->path), g->size, p->segsize,
				 g->size ? "larger than them, so not part of the same set" :
				 "empty (remove it if the set really ends before it)");
			r = PS_EIO;
			goto out;
		}
		g->start = total;
		total += g->size;
	}
	if (p->segsize == 0) {
		snprintf(err, errlen, "%s: the first split segment is empty", path);
		r = PS_EIO;
		goto out;
	}
	p->lazy = p->n > MAX_OPEN;
	for (size_t i = 0; !p->lazy && i < p->n; i++) {
		struct ps_src t = { .name = (char *)path };
		if (seg_fd(&t, p, i) < 0) {
			snprintf(err, errlen, "%s", t.err);
			r = PS_EIO;
			goto out;
		}
	}
	p->names = calloc(p->n, sizeof(*p->names));
	if (!p->names) {
		r = PS_ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	for (size_t i = 0; i < p->n; i++)
		p->names[i] = p->seg[i].path;
	if (compressed) {
		snprintf(err, errlen, "%s: the first of %zu split segments of a %s-compressed dump: join them first (cat %s ... %s > FILE) and give FILE",
			 path, p->n, compressed, path, p->seg[p->n - 1].path);
		r = PS_EUNSUPP;
		goto out;
	}
	struct ps_src *s = ps_src_new(&split_ops, p, total, path);
	if (!s) {
		r = PS_ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	ps_open_notice(opts, "%s: split raw image: %zu segments (%s ... %s), %" PRIu64 " bytes each, the last %" PRIu64 "; %" PRIu64 " bytes in all",
	       path, p->n, base(p->seg[0].path), base(p->seg[p->n - 1].path), p->segsize,
	       p->seg[p->n - 1].size, total);
	*out = s;
	p = NULL;
out:
	split_free(p);
	free(cur);
	free(next);
	return r;
}
