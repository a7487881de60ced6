/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Carve: copy a block view (namespace data) to a new image file, sparse. */
#ifndef PS_CARVE_H
#define PS_CARVE_H
#include <stddef.h>
#include <stdint.h>
#include "imgsrc.h"

struct ps_carve_stats {
	uint64_t size;		/* apparent size written */
	uint64_t data;		/* bytes actually written (the rest are holes) */
	/* blocks the source marks unreadable (PS_EBADBLK: a BTT block with
	 * its error flag), written as zeros: their bytes, the stretches of
	 * them, and the source's error for the first */
	uint64_t bad_bytes, bad_runs;
	char *bad_first;	/* whole; owned: ps_carve_stats_free */
};
void ps_carve_stats_free(struct ps_carve_stats *st);

/* Copy src to out: holes in src (and all-zero 4 KiB blocks) stay holes.
 * Written to out.partial, renamed to out at the end; an existing out is
 * refused unless force (PS_EEXIST), and so is an out.partial left by an
 * earlier run (PS_EPARTIAL; force removes it). progress may be NULL. A block the source marks
 * unreadable (PS_EBADBLK) is written as zeros and counted in st, the copy
 * goes on and succeeds; any other read error fails it. */
int ps_carve(struct ps_src *src, const char *out, int force,
	     void (*progress)(void *ctx, uint64_t done), void *ctx,
	     struct ps_carve_stats *st, char *err, size_t errlen);

#endif
