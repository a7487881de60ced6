/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Two views of one filesystem compared (fs_diff.h). */
#include "fs_diff.h"
#include "err.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ent {
	char *path;
	uint64_t ino;
	uint32_t mode;
	uint64_t size;
	bool matched;
};

struct tree {
	struct ent *v;
	size_t n, cap;
};

static void tree_free(struct tree *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].path);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static int tree_add(struct tree *t, char *path, const struct ps_fs_stat *st)
{
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 256;
		struct ent *v = realloc(t->v, nc * sizeof(*v));
		if (!v)
			return PS_ENOMEM;
		t->v = v;
		t->cap = nc;
	}
	t->v[t->n++] = (struct ent){ path, st->ino, st->mode, st->size, false };
	return PS_OK;
}

/* Every entry under the root, breadth first: the directories are the
 * entries already collected, so no stack is needed. *bad set when a
 * directory could not be read; PS_ERANGE over max entries. */
static int walk(struct ps_fs *fs, size_t max, struct tree *t, bool *bad)
{
	struct ps_fs_stat st;
	memset(&st, 0, sizeof(st));
	if (ps_fs_stat(fs, ps_fs_root(fs), &st)) {
		*bad = true;
		return PS_OK;
	}
	char *root = strdup("");
	if (!root || tree_add(t, root, &st)) {
		free(root);
		ps_fs_stat_free(&st);
		return PS_ENOMEM;
	}
	ps_fs_stat_free(&st);
	for (size_t d = 0; d < t->n; d++) {
		if ((t->v[d].mode & 0170000) != 0040000)
			continue;
		struct ps_fs_dirlist l;
		memset(&l, 0, sizeof(l));
		if (ps_fs_list(fs, t->v[d].ino, &l))
			*bad = true;
		for (size_t i = 0; i < l.n; i++) {
			if (t->n >= max) {
				ps_fs_dirlist_free(&l);
				return PS_ERANGE;
			}
			memset(&st, 0, sizeof(st));
			if (ps_fs_stat(fs, l.v[i].ino, &st)) {
				*bad = true;
				continue;
			}
			char *p = NULL;
			if (asprintf(&p, "%s/%s", t->v[d].path, l.v[i].name) < 0) {
				ps_fs_stat_free(&st);
				ps_fs_dirlist_free(&l);
				return PS_ENOMEM;
			}
			int r = tree_add(t, p, &st);
			ps_fs_stat_free(&st);
			if (r) {
				free(p);
				ps_fs_dirlist_free(&l);
				return r;
			}
		}
		ps_fs_dirlist_free(&l);
	}
	return PS_OK;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct ent *)a)->path, ((const struct ent *)b)->path);
}

static int by_ino(const void *a, const void *b)
{
	const struct ent *x = *(const struct ent *const *)a, *y = *(const struct ent *const *)b;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return strcmp(x->path, y->path);
}

static int add(struct ps_changes *c, enum ps_change_kind k, const char *path,
	       const char *old_path, uint32_t mode, uint64_t old_size, uint64_t size)
{
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 32;
		struct ps_change *v = realloc(c->v, nc * sizeof(*v));
		if (!v)
			return PS_ENOMEM;
		c->v = v;
		c->cap = nc;
	}
	struct ps_change *x = &c->v[c->n];
	memset(x, 0, sizeof(*x));
	x->kind = k;
	x->path = strdup(path);
	x->old_path = old_path ? strdup(old_path) : NULL;
	if (!x->path || (old_path && !x->old_path)) {
		free(x->path);
		free(x->old_path);
		return PS_ENOMEM;
	}
	x->mode = mode;
	x->old_size = old_size;
	x->size = size;
	c->n++;
	return PS_OK;
}

static int by_change_path(const void *a, const void *b)
{
	return strcmp(((const struct ps_change *)a)->path, ((const struct ps_change *)b)->path);
}

int ps_fs_diff(struct ps_fs *old, struct ps_fs *new, size_t max,
	       struct ps_changes *out)
{
	struct tree a = { 0 }, b = { 0 };
	memset(out, 0, sizeof(*out));
	int r = walk(old, max, &a, &out->unreadable);
	if (!r)
		r = walk(new, max, &b, &out->unreadable);
	if (r == PS_ERANGE) {
		out->too_many = true;
		r = PS_OK;
		goto done;
	}
	if (r)
		goto done;
	if (a.n)
		qsort(a.v, a.n, sizeof(*a.v), by_path);
	if (b.n)
		qsort(b.v, b.n, sizeof(*b.v), by_path);
	/* same path: resized or replaced */
	size_t i = 0, k = 0;
	while (i < a.n && k < b.n) {
		int c = strcmp(a.v[i].path, b.v[k].path);
		if (c < 0) {
			i++;
		} else if (c > 0) {
			k++;
		} else {
			struct ent *x = &a.v[i++], *y = &b.v[k++];
			x->matched = y->matched = true;
			if (x->ino != y->ino || (x->mode & 0170000) != (y->mode & 0170000))
				r = add(out, PS_CH_REPLACED, y->path, NULL, y->mode, x->size, y->size);
			else if (x->size != y->size && (y->mode & 0170000) != 0040000)
				r = add(out, PS_CH_RESIZED, y->path, NULL, y->mode, x->size, y->size);
			if (r)
				goto done;
		}
	}
	/* the same inode under another path: renamed (one rename per inode
	 * that left its old path; other names of it are created/removed).
	 * The old entries left over, by inode, searched by halving. */
	size_t nl = 0;
	struct ent **left = a.n ? malloc(a.n * sizeof(*left)) : NULL;
	if (a.n && !left) {
		r = PS_ENOMEM;
		goto done;
	}
	for (i = 0; i < a.n; i++)
		if (!a.v[i].matched)
			left[nl++] = &a.v[i];
	if (nl)
		qsort(left, nl, sizeof(*left), by_ino);
	for (k = 0; k < b.n; k++) {
		struct ent *y = &b.v[k];
		if (y->matched)
			continue;
		size_t lo = 0, hi = nl;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (left[mid]->ino < y->ino)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < nl && left[lo]->ino == y->ino; lo++) {
			struct ent *x = left[lo];
			if (!x->matched && (x->mode & 0170000) == (y->mode & 0170000)) {
				x->matched = y->matched = true;
				r = add(out, PS_CH_RENAMED, y->path, x->path, y->mode, x->size, y->size);
				break;
			}
		}
		if (!r && !y->matched)
			r = add(out, PS_CH_CREATED, y->path, NULL, y->mode, 0, y->size);
		if (r) {
			free(left);
			goto done;
		}
	}
	free(left);
	for (i = 0; i < a.n; i++)
		if (!a.v[i].matched &&
		    (r = add(out, PS_CH_REMOVED, a.v[i].path, NULL, a.v[i].mode, a.v[i].size, 0)))
			goto done;
	if (out->n)
		qsort(out->v, out->n, sizeof(*out->v), by_change_path);
done:
	tree_free(&a);
	tree_free(&b);
	if (r)
		ps_changes_free(out);
	return r;
}

void ps_changes_free(struct ps_changes *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].path);
		free(c->v[i].old_path);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

int ps_fs_paths(struct ps_fs *fs, const uint64_t *inos, size_t n, size_t max, char **paths)
{
	struct tree t = { 0 };
	bool bad = false;
	for (size_t i = 0; i < n; i++)
		paths[i] = NULL;
	int r = walk(fs, max, &t, &bad);
	if (r == PS_ERANGE)
		r = PS_OK;
	if (!r && t.n)
		qsort(t.v, t.n, sizeof(*t.v), by_path);
	for (size_t k = 0; !r && k < t.n; k++)
		for (size_t i = 0; i < n; i++)
			if (!paths[i] && t.v[k].ino == inos[i] && t.v[k].path[0]) {
				paths[i] = strdup(t.v[k].path);
				if (!paths[i])
					r = PS_ENOMEM;
			}
	if (r)
		for (size_t i = 0; i < n; i++) {
			free(paths[i]);
			paths[i] = NULL;
		}
	tree_free(&t);
	return r;
}
