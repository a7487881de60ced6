/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the files of src/repair/ share among themselves; not for callers. */
#ifndef PS_REPAIR_PRIV_H
#define PS_REPAIR_PRIV_H
#include "repair.h"
#include <stdarg.h>

/* The repair kinds' planners (the table is in plan.c). */
int ps_plan_pfn(struct ps_src *src, const struct ps_analysis *a,
		const struct ps_ns *ns, const struct ps_repair_opts *o,
		struct ps_plan *plan);
int ps_plan_lsa(struct ps_src *src, const struct ps_analysis *a,
		const struct ps_repair_opts *o, struct ps_plan *plan);
int ps_plan_btt(struct ps_src *src, const struct ps_analysis *a,
		const struct ps_ns *ns, const struct ps_repair_opts *o,
		struct ps_plan *plan);
int ps_plan_btt_orphans(struct ps_src *src, const struct ps_analysis *a,
			const struct ps_repair_opts *o, struct ps_plan *plan);

/* The candidate whose filesystem a repair of ns must keep where it is:
 * the proven one, or for an ambiguous namespace the one --semantics
 * chose; NULL if none. */
const struct ps_cand *ps_repair_fs_cand(const struct ps_ns *ns,
					const struct ps_repair_opts *o);

/* ---- file I/O of the transaction (apply.c) ---- */

/* Whole-buffer pread/pwrite, restarted on EINTR; -1 with errno set. A
 * short pread (end of file) fails with EIO. */
/*
 * Write each patch's new bytes (use_new) or old bytes into fd, in plan
 * order, then fsync; faults->at_write sees every point between (as w).
 * *done gets the patches written. -1 with errno set on the first failure.
 */
int ps_repair_write_patches(int fd, const struct ps_plan *p, bool use_new,
			    enum ps_repair_write w,
			    const struct ps_repair_faults *faults, size_t *done);

/* *msg = the formatted line, allocated (a result's message has no length
 * limit), replacing one set before; "out of memory" (static, never
 * freed) if it cannot be. */
void ps_repair_vmsg(char **msg, const char *fmt, va_list ap);
/* The image as an undo would leave it: every patch's old bytes laid over
 * it, in plan order, as ps_repair_write_patches(use_new false) writes. */
int ps_src_overlay_old(struct ps_src *parent, const struct ps_plan *plan,
		       struct ps_src **out);
void ps_repair_msg_free(char **msg);

#endif
