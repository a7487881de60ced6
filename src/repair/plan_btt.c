/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "btt-info" repair kind: BTT arena info blocks restored from their
 * byte copies (docs/repair.md). Map, flog and data are never written. */
#include "repair_priv.h"
#include "btt.h"
#include "err.h"
#include <inttypes.h>
#include <stdio.h>

/* ---- BTT info blocks: primary from backup, backup from primary ---- */

/*
 * A sector-mode namespace (the analysis found its BTT). The kernel reads
 * only the primary info block of each arena (a bad arena-0 primary means
 * "no existing arenas": a writable namespace would get a fresh BTT over
 * the data); the backup at info2off is a byte copy, which ndctl
 * check-namespace restores either way.
 */
int ps_plan_btt(struct ps_src *src, const struct ps_analysis *a,
		const struct ps_ns *ns, const struct ps_repair_opts *o,
		struct ps_plan *plan)
{
	static const char *K = "btt-info";
	(void)a;
	(void)o;
	if (ns->mode != PS_NS_SECTOR || ns->nested_in >= 0)
		return PS_OK;
	const int n = ns->index;
	struct ps_src *win;
	if (ns->base > src->size || ns->size > src->size - ns->base ||
	    ps_src_window(src, ns->base, ns->size, &win)) {
		ps_plan_refuse(plan, n, K, &(struct ps_repair_why){ .kind = PS_RW_BTT_PAST_END, .ns = n });
		return PS_OK;
	}
	struct ps_btt *b;
	struct ps_diags d;
	ps_diags_init(&d);
	struct ps_btt_open_opts bo = { .initial_offset = ns->btt_initial };
	int rc = ps_btt_open(win, &bo, &b, &d);
	ps_diags_free(&d);
	if (rc) {
		ps_src_close(win);
		if (rc == PS_ENOMEM)
			return rc;
		ps_plan_refuse(plan, n, K, &(struct ps_repair_why){ .kind = PS_RW_BTT_NO_OPEN, .ns = n,
							    .code = rc });
		return PS_OK;
	}
	uint8_t from[PS_BTT_INFO_SIZE], to[PS_BTT_INFO_SIZE];
	for (unsigned i = 0; i < ps_btt_narenas(b) && !rc; i++) {
		const struct ps_btt_arena *ar = ps_btt_arena(b, i);
		uint64_t prim = ns->base + ar->off, bak = prim + ar->sb.info2off;
		if (ar->used_backup) {
			if (ns->base + ar->sb_off != bak) {
				ps_plan_refuse(plan, n, K, &(struct ps_repair_why){ .kind = PS_RW_BTT_NOT_OWN_BACKUP,
								    .ns = n, .a = i, .off = prim,
								    .b = ns->base + ar->sb_off });
				continue;
			}
			if (ps_src_pread(src, from, sizeof(from), bak) ||
			    ps_src_pread(src, to, sizeof(to), prim))
				continue;
			rc = ps_plan_add(plan, n, K, prim, to, from, PS_BTT_INFO_SIZE,
					 "btt_sb", "primary (bad)", "copy of the backup",
					 &(struct ps_repair_why){ .kind = PS_RW_PATCH_BTT_PRIMARY, .a = i,
								  .off = prim, .b = bak,
								  .c = ar->sb.info2off });
		} else if (ar->backup_differs) {
			if (ps_src_pread(src, from, sizeof(from), prim) ||
			    ps_src_pread(src, to, sizeof(to), bak))
				continue;
			rc = ps_plan_add(plan, n, K, bak, to, from, PS_BTT_INFO_SIZE,
					 "btt_sb.info2", ar->backup_ok ? "differs" : "bad",
					 "copy of the primary",
					 &(struct ps_repair_why){ .kind = PS_RW_PATCH_BTT_BACKUP, .a = i,
								  .b = bak, .off = prim,
								  .code = ar->backup_ok });
		}
	}
	ps_btt_close(b);
	ps_src_close(win);
	return rc;
}

/* BTT blocks no sector namespace took: the analysis could not open them. */
int ps_plan_btt_orphans(struct ps_src *src, const struct ps_analysis *a,
			const struct ps_repair_opts *o, struct ps_plan *plan)
{
	(void)src;
	if (o->ns >= 0)
		return PS_OK;
	for (size_t i = 0; i < a->nns; i++)
		if (a->ns[i].mode == PS_NS_SECTOR)
			return PS_OK;
	for (size_t ri = 0; ri < a->scan.nrecs; ri++)
		if (a->scan.recs[ri].kind == PS_REC_BTT) {
			ps_plan_refuse(plan, PS_UNIT_REC(ri), "btt-info",
				       &(struct ps_repair_why){ .kind = PS_RW_BTT_NO_ARENA,
							 .off = a->scan.recs[ri].off });
			break;
		}
	return PS_OK;
}
