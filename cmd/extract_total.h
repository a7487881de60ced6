/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What extract will copy, counted before it starts (docs/cli.md "Progress"): the
 * data bytes of the regular files it will write, so that its progress bar
 * has an honest total and reaches 100% as the last file is written. The
 * walk is extract's (src/walk.h, as src/extract.c sets it up): a directory
 * entered once, no deeper than max_depth, a hard link's data once when the
 * output keeps hard links, a file written in as many views as it gets.
 */
#ifndef PS_EXTRACT_TOTAL_H
#define PS_EXTRACT_TOTAL_H
#include <stdint.h>
#include "fs.h"

struct cli_extract_total_opts {
	int hardlinks;		/* the writer makes hard links */
	unsigned max_depth;	/* 0: the walker's default, 1024 */
	/* how many times this regular file is written (its views; NULL: 1) */
	unsigned (*versions)(void *ctx, const struct ps_fs_stat *st);
	void *ctx;
	int quiet;		/* no bar while counting */
};

struct cli_extract_total {
	uint64_t bytes;		/* data bytes extract will read and write */
	uint64_t files;		/* regular files (versions) it will write */
};

/* Count the tree at ino as ps_extract will walk it. Entries that cannot
 * be read count nothing (extract will not copy them either). */
void cli_extract_total(struct ps_fs *fs, uint64_t ino,
		       const struct cli_extract_total_opts *o,
		       struct cli_extract_total *t);

#endif
