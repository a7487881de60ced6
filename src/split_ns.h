/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The split check (src/split.h) as a decision about a namespace of the
 * analysis: when it applies, running it on the namespace, a file's
 * ambiguous blocks as byte ranges, and the split-aware data source that
 * extract, ls and the merge read files through. One place for each rule;
 * no words (cmd/split_cli.c says them).
 */
#ifndef PS_SPLIT_NS_H
#define PS_SPLIT_NS_H
#include "ns.h"
#include "split.h"

/* The candidate of namespace n the split check runs on: n is fsdax, not
 * nested in another's data, with start_pad != 0, and its legacy reading
 * holds an ext2/3/4 or XFS filesystem (proven, or with a bad checksum).
 * Its index in n->cand, or -1 when the check does not apply. */
int ps_split_applies(const struct ps_ns *n);
/* The bytes of candidate c the check reads: its size, cut to what the
 * image holds from c->off (an image of unknown size: not cut). */
uint64_t ps_split_span(const struct ps_src *image, const struct ps_cand *c);
/* Run the check on candidate c of namespace n (ps_split_check at
 * ps_split_span): its return; out is always safe to ps_split_free. */
int ps_split_run_cand(struct ps_src *image, const struct ps_ns *n,
		      const struct ps_cand *c, struct ps_split *out);
/* Run it on namespace n of a when it applies: a new result (free with
 * ps_split_destroy), or NULL (not applicable, or out of memory). A failed
 * check is a result with its error in err. */
struct ps_split *ps_split_run_ns(struct ps_src *image, const struct ps_analysis *a,
				 size_t n);
void ps_split_destroy(struct ps_split *s);
/* mmap-written or mixed files found (0 for NULL) */
uint64_t ps_split_mapped(const struct ps_split *s);

/* The ambiguous blocks of f (PS_SRC_AMBIG in the merged view) as runs of
 * logical byte offsets [lo, hi), in order: cb(ctx, lo, hi) per run; a
 * non-zero return stops and is returned. */
int ps_split_ambig_runs(const struct ps_split *s, const struct ps_split_file *f,
			int (*cb)(void *ctx, uint64_t lo, uint64_t hi), void *ctx);

/* ---- the split-aware data source ---- */

/* Which views a run gives (docs/cli.md, --view): each file's read view;
 * every file's mmap view; the merged view where a file has provenance;
 * auto (ps_split_auto_views). */
enum ps_view_mode { PS_VIEWS_READ = 0, PS_VIEWS_MMAP, PS_VIEWS_MERGED, PS_VIEWS_AUTO };

struct ps_split_source {
	struct ps_src *image;	/* not owned */
	struct ps_split *split;	/* the check, when it ran (owned) */
	enum ps_view_mode mode;
};
/* Set x up for namespace ns of a read under --semantics sem: the check
 * runs when it applies to the candidate that choice reads (ps_ns_pick),
 * and x->split is then set (a failed check: x->split NULL or its
 * blocksize 0, its err set). Returns whether it applies; x->mode is
 * PS_VIEWS_READ until the caller chooses. */
bool ps_split_source_open(struct ps_split_source *x, struct ps_src *image,
			  const struct ps_analysis *a, int ns, enum ps_sem sem);
void ps_split_source_close(struct ps_split_source *x);
/* The views file st gets (PS_VIEW_* bits) and its record in the check
 * (*f, NULL when none). */
unsigned ps_split_source_views(const struct ps_split_source *x, const struct ps_fs_stat *st,
			       const struct ps_split_file **f);
/* Read copy v of file st (0: the merged view where given, else its only
 * view; 1: a mixed file's read view), as ps_fs_read does; an error is set
 * on fs. */
int ps_split_source_read(const struct ps_split_source *x, struct ps_fs *fs,
			 const struct ps_fs_stat *st, unsigned v, ps_fs_data_cb cb, void *cbctx);

#endif
