/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to the btt_*.c files: the open BTT handle, and the few helpers
 * the reader (btt_open.c, btt_view.c) and the checker (btt_check.c)
 * share. Callers outside use btt.h only.
 */
#ifndef PS_BTT_INT_H
#define PS_BTT_INT_H
#include "btt.h"

struct ext_cache;	/* btt_view.c */

struct ps_btt {
	struct ps_src *ns;
	uint64_t io;		/* initial offset */
	bool any_version;	/* the location does not decide the version */
	uint32_t ss, lbasize;
	uint64_t nlba;
	unsigned n;
	struct ps_btt_arena *a;
	struct ps_btt_report load;	/* problems found while opening */
	uint32_t *mapbuf;	/* PS_BTT_MAP_CHUNK entries */
	bool map_identity;	/* the last read_map() chunk was all 0,0 */
	/* the namespace's sparse map, last extents seen: [d_lo, d_hi) is
	 * all data, [h_lo, h_hi) all hole (so a scan does not lseek per block) */
	uint64_t d_lo, d_hi, h_lo, h_hi;
	struct ext_cache *ec;	/* per arena, built on first scan */
};

/* ---- btt_view.c ---- */

/* Map entries first .. first+n-1 of arena a into out, as stored (raw) or
 * as the kernel reads them after completing in-flight writes. Sets
 * b->map_identity when the chunk was a hole of the image (all 0,0). */
int ps_btt_read_map_raw(struct ps_btt *b, const struct ps_btt_arena *a,
			uint32_t first, uint32_t n, uint32_t *out);
int ps_btt_read_map(struct ps_btt *b, const struct ps_btt_arena *a,
		    uint32_t first, uint32_t n, uint32_t *out);
/* Free the extent caches the view built (ps_btt_close). */
void ps_btt_cache_free(struct ps_btt *b);

/* ---- btt_check.c ---- */

/* Add one finding to r (counted even when beyond PS_BTT_REPORT_MAX). */
void ps_btt_report_add(struct ps_btt_report *r, enum ps_sev sev,
		       const char *check, int arena, int64_t lane, int64_t lba,
		       int64_t block, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 9, 10)));

#endif
