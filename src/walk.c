/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The directory-tree walker (walk.h). */
#include "walk.h"
#include "err.h"
#include "util.h"
#include <stdlib.h>
#include <string.h>

void ps_walk_init(struct ps_walk *w, struct ps_fs *fs, const struct ps_walk_opts *o,
		  const struct ps_walk_ops *ops, void *ctx)
{
	memset(w, 0, sizeof(*w));
	w->fs = fs;
	w->ops = ops;
	w->ctx = ctx;
	w->max_depth = o && o->max_depth ? o->max_depth : PS_WALK_DEPTH_DEFAULT;
	w->loops = o ? o->loops : PS_WALK_ANCESTORS;
}

void ps_walk_free(struct ps_walk *w)
{
	free(w->anc);
	ps_inoset_free(&w->seen);
	free(w->path);
	memset(w, 0, sizeof(*w));
}

/* ---- sets of inode numbers ---- */

static size_t slot(uint64_t ino, size_t cap)
{
	return (size_t)(ino * 0x9E3779B97F4A7C15ULL) & (cap - 1);
}

int ps_inoset_has(const struct ps_inoset *s, uint64_t ino)
{
	if (ino == UINT64_MAX)
		return s->has_max;
	if (!s->cap)
		return 0;
	for (size_t i = slot(ino, s->cap); s->k[i]; i = (i + 1) & (s->cap - 1))
		if (s->k[i] == ino + 1)
			return 1;
	return 0;
}

int ps_inoset_add(struct ps_inoset *s, uint64_t ino)
{
	if (ps_inoset_has(s, ino))
		return PS_EEXIST;
	if (ino == UINT64_MAX) {
		s->has_max = 1;
		s->n++;
		return PS_OK;
	}
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		uint64_t *k = calloc(cap, sizeof(*k));
		if (!k)
			return PS_ENOMEM;
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->k[i])
				continue;
			size_t j = slot(s->k[i] - 1, cap);
			while (k[j])
				j = (j + 1) & (cap - 1);
			k[j] = s->k[i];
		}
		free(s->k);
		s->k = k;
		s->cap = cap;
	}
	size_t i = slot(ino, s->cap);
	while (s->k[i])
		i = (i + 1) & (s->cap - 1);
	s->k[i] = ino + 1;
	s->n++;
	return PS_OK;
}

void ps_inoset_free(struct ps_inoset *s)
{
	free(s->k);
	memset(s, 0, sizeof(*s));
}

/* ---- the open directories (PS_WALK_ANCESTORS) ---- */

static int anc_push(struct ps_walk *w, uint64_t ino)
{
	if (w->nanc == w->canc) {
		size_t cap = w->canc ? w->canc * 2 : 64;
		uint64_t *a = realloc(w->anc, cap * sizeof(*a));
		if (!a)
			return PS_ENOMEM;
		w->anc = a;
		w->canc = cap;
	}
	w->anc[w->nanc++] = ino;
	return PS_OK;
}

static int anc_has(const struct ps_walk *w, uint64_t ino)
{
	for (size_t k = 0; k < w->nanc; k++)
		if (w->anc[k] == ino)
			return 1;
	return 0;
}

/* Mark dir as entered: in the set (ONCE) or on the open list (ANCESTORS,
 * taken off by the caller after its walk). */
static int mark(struct ps_walk *w, uint64_t dir)
{
	return w->loops == PS_WALK_ONCE ? ps_inoset_add(&w->seen, dir) : anc_push(w, dir);
}

/* ---- the path for messages ---- */

static int path_push(struct ps_walk *w, const char *name, size_t len, size_t *old)
{
	char esc[1100];	/* a name of 255 bytes, all escaped */
	ps_name_escape(name, len, esc, sizeof(esc));
	size_t n = strlen(esc);
	*old = w->plen;
	if (w->plen + n + 2 > w->pcap) {
		size_t cap = (w->plen + n + 2) * 2;
		char *p = realloc(w->path, cap);
		if (!p)
			return PS_ENOMEM;
		w->path = p;
		w->pcap = cap;
	}
	w->path[w->plen++] = '/';
	memcpy(w->path + w->plen, esc, n + 1);
	w->plen += n;
	return PS_OK;
}

static void path_pop(struct ps_walk *w, size_t old)
{
	w->plen = old;
	w->path[old] = 0;
}

static const char *path_of(const struct ps_walk *w)
{
	return w->plen ? w->path : "/";
}

static int report(struct ps_walk *w, const struct ps_walk_error *err)
{
	return w->ops->error ? w->ops->error(w->ctx, err) : PS_OK;
}

/* ---- the walk ---- */

static int walk_dir(struct ps_walk *w, uint64_t dir)
{
	struct ps_fs_dirlist l;
	int r = ps_fs_list(w->fs, dir, &l);
	if (r) {
		struct ps_walk_error err = { .kind = PS_WALK_READ, .dir = dir, .code = r,
					     .max_depth = w->max_depth, .path = path_of(w) };
		r = report(w, &err);
		if (r)
			goto out;
	}
	void *dp = NULL;
	if (w->ops->dir_enter && (r = w->ops->dir_enter(w->ctx, dir, &l, &dp)))
		goto out;
	for (size_t i = 0; i < l.n && !w->stopped; i++) {
		size_t old;
		if ((r = path_push(w, l.v[i].name, l.v[i].len, &old)))
			break;
		struct ps_fs_stat st;
		struct ps_walk_entry e = {
			.name = l.v[i].name, .namelen = l.v[i].len, .ino = l.v[i].ino,
			.index = i, .list = &l, .dir = dp, .depth = w->depth, .path = w->path,
		};
		e.stat_err = ps_fs_stat(w->fs, e.ino, &st);
		if (!e.stat_err)
			e.st = &st;
		r = w->ops->entry ? w->ops->entry(w->ctx, w, &e) : PS_OK;
		if (e.st)
			ps_fs_stat_free(&st);
		path_pop(w, old);
		if (r)
			break;
	}
	if (w->ops->dir_leave)
		w->ops->dir_leave(w->ctx, dir, dp);
out:
	ps_fs_dirlist_free(&l);
	if (r == PS_FS_STOP) {
		w->stopped = 1;
		r = PS_OK;
	}
	return r;
}

int ps_walk_tree(struct ps_walk *w, uint64_t top)
{
	size_t nanc = w->nanc;
	unsigned depth = w->depth;
	int r = mark(w, top);
	if (!r)
		r = walk_dir(w, top);
	w->nanc = nanc;
	w->depth = depth;
	return r;
}

int ps_walk_check(struct ps_walk *w, const struct ps_walk_entry *e)
{
	unsigned why = 0;
	if (e->depth >= w->max_depth)
		why |= PS_WALK_DEEP;
	if (w->loops == PS_WALK_ONCE ? ps_inoset_has(&w->seen, e->ino) : anc_has(w, e->ino))
		why |= PS_WALK_LOOP;
	if (why) {
		struct ps_walk_error err = { .kind = PS_WALK_REFUSED, .dir = e->ino,
					     .why = why, .max_depth = w->max_depth,
					     .path = e->path, .entry = e };
		int r = report(w, &err);
		return r ? r : PS_WALK_NOT_ENTERED;
	}
	/* ONCE: marked now, so that a directory the caller then fails to
	 * enter is not tried again under another name */
	return w->loops == PS_WALK_ONCE ? ps_inoset_add(&w->seen, e->ino) : PS_OK;
}

int ps_walk_descend(struct ps_walk *w, const struct ps_walk_entry *e)
{
	if (w->stopped)
		return PS_OK;
	size_t nanc = w->nanc;
	int r = w->loops == PS_WALK_ANCESTORS ? anc_push(w, e->ino) : PS_OK;
	if (r)
		return r;
	w->depth++;
	r = walk_dir(w, e->ino);
	w->depth--;
	w->nanc = nanc;
	return r;
}

int ps_walk_enter(struct ps_walk *w, const struct ps_walk_entry *e)
{
	int r = ps_walk_check(w, e);
	if (r == PS_WALK_NOT_ENTERED)
		return PS_OK;
	return r ? r : ps_walk_descend(w, e);
}
