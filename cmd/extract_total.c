/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The total of extract's progress bar: see extract_total.h. */
#include "extract_total.h"
#include "progress.h"
#include "err.h"
#include "walk.h"
#include <stdlib.h>
#include <string.h>

struct tw {
	struct ps_fs *fs;
	const struct cli_extract_total_opts *o;
	struct cli_extract_total *t;
	struct ps_inoset links;	/* with hard links kept: one data copy */
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

static void count_file(struct tw *w, uint64_t ino, const struct ps_fs_stat *st)
{
	if (w->o->hardlinks && ps_inoset_add(&w->links, ino) != PS_OK)
		return;
	unsigned nv = w->o->versions ? w->o->versions(w->o->ctx, st) : 1;
	w->bytes = 0;
	if (st->size && ps_fs_map(w->fs, st, map_cb, w))
		w->bytes = st->size;	/* no map: all of it */
	if (w->bytes > st->size)
		w->bytes = st->size;
	w->t->bytes += w->bytes * nv;
	w->t->files += nv;
	ps_progress_update(&w->pg, w->t->bytes, w->t->files);
}

/* The walk extract makes (PS_WALK_ONCE, its depth); entries and
 * directories that cannot be read count nothing. */
static int count_entry(void *ctx, struct ps_walk *wk, const struct ps_walk_entry *e)
{
	struct tw *w = ctx;
	if (!e->st)
		return PS_OK;
	unsigned type = e->st->mode & 0170000;
	if (type == 0040000)
		ps_walk_enter(wk, e);
	else if (type == 0100000)
		count_file(w, e->ino, e->st);
	return PS_OK;
}

static const struct ps_walk_ops count_walk = { .entry = count_entry };

void cli_extract_total(struct ps_fs *fs, uint64_t ino,
		       const struct cli_extract_total_opts *o,
		       struct cli_extract_total *t)
{
	struct tw w = { .fs = fs, .o = o, .t = t };
	memset(t, 0, sizeof(*t));
	ps_progress_init(&w.pg, "counting what to extract", 0, o->quiet);
	struct ps_fs_stat st;
	if (!ps_fs_stat(fs, ino, &st)) {
		unsigned type = st.mode & 0170000;
		if (type == 0040000) {
			struct ps_walk wk;
			ps_walk_init(&wk, fs, &(struct ps_walk_opts){ .max_depth = o->max_depth,
				     .loops = PS_WALK_ONCE }, &count_walk, &w);
			ps_walk_tree(&wk, ino);
			ps_walk_free(&wk);
		} else if (type == 0100000) {
			count_file(&w, ino, &st);
		}
		ps_fs_stat_free(&st);
	}
	ps_progress_end(&w.pg);
	ps_inoset_free(&w.links);
}
