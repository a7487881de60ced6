/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The total of extract's progress bar: see extract_total.h. */
#include "extract_total.h"
#include "progress.h"
#include <stdlib.h>
#include <string.h>

/* inodes already counted (directories entered, files with links) */
struct seen {
	uint64_t *k;		/* ino + 1; 0 is empty */
	size_t cap, n;
};

/* 1 if ino was there already, 0 if added now, -1 out of memory */
static int seen_add(struct seen *s, uint64_t ino)
{
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		uint64_t *k = calloc(cap, sizeof(*k));
		if (!k)
			return -1;
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->k[i])
				continue;
			size_t j = (size_t)((s->k[i] - 1) * 0x9E3779B97F4A7C15ULL) & (cap - 1);
			while (k[j])
				j = (j + 1) & (cap - 1);
			k[j] = s->k[i];
		}
		free(s->k);
		s->k = k;
		s->cap = cap;
	}
	size_t i = (size_t)(ino * 0x9E3779B97F4A7C15ULL) & (s->cap - 1);
	while (s->k[i]) {
		if (s->k[i] == ino + 1)
			return 1;
		i = (i + 1) & (s->cap - 1);
	}
	s->k[i] = ino + 1;
	s->n++;
	return 0;
}

struct tw {
	struct ps_fs *fs;
	const struct cli_extract_total_opts *o;
	struct cli_extract_total *t;
	struct seen dirs, links;
	unsigned depth, max_depth;
	struct ps_progress pg;
	uint64_t bytes;		/* of the file being mapped */
};

static int map_cb(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct tw *w = ctx;
	(void)off;
	(void)buf;
	w->bytes += len;
	return 0;
}

static void count_entry(struct tw *w, uint64_t ino, int top);

static void count_dir(struct tw *w, uint64_t dir)
{
	struct ps_fs_dirlist l;
	ps_fs_list(w->fs, dir, &l);	/* on error: the entries read */
	for (size_t i = 0; i < l.n; i++)
		count_entry(w, l.v[i].ino, 0);
	ps_fs_dirlist_free(&l);
}

static void count_entry(struct tw *w, uint64_t ino, int top)
{
	struct ps_fs_stat st;
	if (ps_fs_stat(w->fs, ino, &st))
		return;
	unsigned type = st.mode & 0170000;
	if (type == 0040000) {
		/* the top directory is not a level of its own */
		if ((top || w->depth < w->max_depth) && seen_add(&w->dirs, ino) == 0) {
			w->depth += !top;
			count_dir(w, ino);
			w->depth -= !top;
		}
	} else if (type == 0100000 &&
		   !(w->o->hardlinks && seen_add(&w->links, ino))) {
		unsigned nv = w->o->versions ? w->o->versions(w->o->ctx, &st) : 1;
		w->bytes = 0;
		if (st.size && ps_fs_map(w->fs, &st, map_cb, w))
			w->bytes = st.size;	/* no map: all of it */
		if (w->bytes > st.size)
			w->bytes = st.size;
		w->t->bytes += w->bytes * nv;
		w->t->files += nv;
		ps_progress_update(&w->pg, w->t->bytes, w->t->files);
	}
	ps_fs_stat_free(&st);
}

void cli_extract_total(struct ps_fs *fs, uint64_t ino,
		       const struct cli_extract_total_opts *o,
		       struct cli_extract_total *t)
{
	struct tw w = { .fs = fs, .o = o, .t = t };
	memset(t, 0, sizeof(*t));
	w.max_depth = o->max_depth ? o->max_depth : 1024;
	ps_progress_init(&w.pg, "counting what to extract", 0, o->quiet);
	count_entry(&w, ino, 1);
	ps_progress_end(&w.pg);
	free(w.dirs.k);
	free(w.links.k);
}
