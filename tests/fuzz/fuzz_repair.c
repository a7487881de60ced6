/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the repair planner on a hostile image held in memory: scan,
 * plan every repair kind (with and without an assumed alignment or a
 * physical base, chosen by the first byte), verify the plan on an
 * overlay, and read the repaired bytes back through it. The image is
 * never written; the seeds are the scan harness's (tests/fuzz/run.sh). */
#include "imgsrc.h"
#include "ns.h"
#include "repair.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (4u << 20))
		return 0;
	struct ps_src *src;
	if (ps_src_open_mem(data, size, "fuzz", &src))
		return 0;
	struct ps_repair_opts ro;
	memset(&ro, 0, sizeof(ro));
	ro.ns = -1;
	if (size) {
		ro.assume_aligned = data[0] & 1;
		ro.have_phys_base = !ro.assume_aligned && (data[0] & 2);
		ro.phys_base = 0x577c000000ULL + ((uint64_t)(data[0] >> 2) << 20);
		ro.sem = (enum ps_sem)((data[0] >> 6) % 3);
	}
	struct ps_analysis_opts ao;
	memset(&ao, 0, sizeof(ao));
	ao.have_phys_base = ro.have_phys_base;
	ao.phys_base = ro.phys_base;
	struct ps_analysis a, after;
	struct ps_plan plan;
	ps_plan_init(&plan);
	if (ps_analyze(src, &ao, &a) == 0 && ps_repair_plan(src, &a, &ro, &plan) == 0 &&
	    plan.n && ps_repair_verify(src, &a, &ro, &plan, &after) == 0) {
		struct ps_src *ov;
		if (ps_src_overlay(src, &plan, &ov) == 0) {
			static uint8_t b[PS_PATCH_MAX_LEN];
			for (size_t k = 0; k < plan.n; k++) {
				const struct ps_patch *x = &plan.p[k];
				int later = 0;	/* a later patch over the same bytes wins */
				for (size_t j = k + 1; j < plan.n; j++)
					later |= plan.p[j].off < x->off + x->len &&
						 x->off < plan.p[j].off + plan.p[j].len;
				if (!later && x->len <= sizeof(b) &&
				    ps_src_pread(ov, b, x->len, x->off) == 0 &&
				    memcmp(b, x->new_, x->len))
					abort();	/* the overlay must show the patch */
			}
			ps_src_close(ov);
		}
		ps_analysis_free(&after);
	}
	ps_plan_free(&plan);
	ps_analysis_free(&a);
	ps_src_close(src);
	return 0;
}
