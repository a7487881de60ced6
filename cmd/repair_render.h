/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rendering the repair library's plans and results (cmd/repair_render.c). */
#ifndef PS_CLI_REPAIR_RENDER_H
#define PS_CLI_REPAIR_RENDER_H
#include "ns.h"
#include "repair.h"
#include <stdint.h>
#include <stdio.h>

/* The sentence of a refusal's or note's reason w, of a plan made from a. */
void repair_why_print(FILE *f, const struct ps_analysis *a, const struct ps_repair_why *w);
/* The same as a string (the caller frees it); NULL when out of memory. */
char *repair_why_str(const struct ps_analysis *a, const struct ps_repair_why *w);
/* "    WHEN: proven, info block v1.4 ...; data at 0x... holds ext4" */
void repair_ns_line(FILE *f, const char *when, const struct ps_ns *ns);
/* The plan (--plan): every unit with patches or refusals, before and after
 * (after: the overlay's analysis, NULL if none), notes, the totals. */
void repair_print_plan(FILE *f, const char *path, const struct ps_analysis *a,
		       const struct ps_analysis *after, const struct ps_plan *p);
/* The same as JSON, schema pmemscan-repair-plan/1; -1 if writing failed. */
int repair_print_plan_json(FILE *f, const char *path, uint64_t size,
			   const struct ps_analysis *a, const struct ps_analysis *after,
			   const struct ps_plan *p);
/* The units a written repair re-scanned valid, with their state now. */
void repair_print_rescan(FILE *f, const char *path, const struct ps_analysis *before,
			 const struct ps_apply_result *res);

#endif
