/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "label-index" repair kind: a label storage area whose two index
 * blocks disagree (nvdimm-formats.md "Index block"). Only the case with one reading is repaired:
 * exactly one block valid and older-or-equal by sequence number; the
 * invalid one becomes a copy of the valid one (docs/repair.md).
 */
#include "repair_priv.h"
#include "err.h"
#include "fletcher.h"
#include "le.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- label storage areas: index blocks that disagree ---- */

/* The sequence number the kernel's nd_inc_seq() steps from to reach s. */
static uint32_t prev_seq(uint32_t s)
{
	switch (s & 3) {
	case 1: return 3;
	case 2: return 1;
	case 3: return 2;
	}
	return 0;
}

static int plan_lsa_one(struct ps_src *src, size_t ri, const struct ps_rec *r,
			struct ps_plan *plan)
{
	static const char *K = "label-index";
	const struct ps_lsa *l = r->u.lsa.lsa;
	int unit = PS_UNIT_REC(ri);
	if (!l || !l->index_size || l->index_size > PS_LSA_MAX / 2)
		return PS_OK;
	uint64_t isz = l->index_size;
	bool v0 = l->index[0].valid, v1 = l->index[1].valid;
	if (v0 && v1) {
		if (l->why != PS_LSA_EQUAL_SEQ)
			return PS_OK;	/* current + previous generation: normal */
		uint8_t *b0 = malloc(isz), *b1 = malloc(isz);
		int diff = 1;	/* unreadable counts as different: refuse */
		/* the header differs by design (myoff, otheroff); the free
		 * bitmap after it is what says which labels are in use */
		if (b0 && b1 && !ps_src_pread(src, b0, isz, l->abs_off) &&
		    !ps_src_pread(src, b1, isz, l->abs_off + isz))
			diff = memcmp(b0 + PS_NSINDEX_OFF_free, b1 + PS_NSINDEX_OFF_free,
				      isz - PS_NSINDEX_OFF_free) != 0;
		free(b0);
		free(b1);
		if (diff)
			ps_plan_refuse(plan, unit, K, &(struct ps_repair_why){ .kind = PS_RW_LSA_SAME_SEQ,
								 .off = l->abs_off,
								 .a = l->index[0].seq & 3 });
		return PS_OK;
	}
	if (!v0 && !v1) {
		if (l->index_present[0] || l->index_present[1])
			ps_plan_refuse(plan, unit, K, &(struct ps_repair_why){ .kind = PS_RW_LSA_NO_INDEX,
								 .off = l->abs_off });
		return PS_OK;
	}
	int good = v0 ? 0 : 1, bad = 1 - good;
	const struct ps_nsindex *bi = &l->index[bad];
	if (bi->sig_ok && bi->checksum_ok && (bi->seq & 3) == 0)
		return PS_OK;	/* older kernels' init pattern (seq 0): not damage */
	if (bi->sig_ok && (bi->seq & 3) &&
	    ps_nsindex_best_seq(bi->seq & 3, l->index[good].seq & 3) == (bi->seq & 3)) {
		ps_plan_refuse(plan, unit, K, &(struct ps_repair_why){ .kind = PS_RW_LSA_INVALID_NEWER,
							 .off = l->abs_off, .a = (uint64_t)bad,
							 .b = bi->seq & 3, .c = (uint64_t)good,
							 .d = l->index[good].seq & 3 });
		return PS_OK;
	}
	uint64_t goff = l->abs_off + (uint64_t)good * isz;
	uint64_t boff = l->abs_off + (uint64_t)bad * isz;
	uint8_t *old = malloc(isz), *b = malloc(isz);
	int rc = PS_OK;
	if (!old || !b) {
		rc = PS_ENOMEM;
		goto out;
	}
	if (ps_src_pread(src, b, isz, goff) || ps_src_pread(src, old, isz, boff)) {
		ps_plan_refuse(plan, unit, K, &(struct ps_repair_why){ .kind = PS_RW_LSA_READ,
							 .off = l->abs_off,
							 .detail = ps_src_error(src) });
		goto out;
	}
	/* the copy of the valid block, made to be the older generation: its
	 * own position, and the sequence number just before the valid one's,
	 * so the kernel keeps choosing the valid block as current */
	uint32_t gseq = l->index[good].seq & 3;
	PS_FIELD_PUT(PS_NSINDEX, b, seq, prev_seq(gseq));
	PS_FIELD_PUT(PS_NSINDEX, b, myoff, (uint64_t)bad * isz);
	PS_FIELD_PUT(PS_NSINDEX, b, otheroff, (uint64_t)good * isz);
	PS_FIELD_PUT(PS_NSINDEX, b, checksum,
		     ps_fletcher64(b, isz, PS_NSINDEX_OFF_checksum, PS_NSINDEX_LEN_checksum));
	const struct ps_repair_why reason = {
		.kind = PS_RW_PATCH_LSA_INDEX, .a = (uint64_t)bad, .b = (uint64_t)good,
		.c = gseq, .d = prev_seq(gseq),
		.code = !l->index[bad].sig_ok ? 1 : !l->index[bad].checksum_ok ? 0 : 2,
	};
	/* one patch per header field, then the bitmap in runs <= 4 KiB; the
	 * header fields are the table's rows with a length (free[] has none:
	 * it runs to the block's end) */
	for (size_t i = 0; i < ps_nsindex_layout.nfields; i++) {
		const struct ps_field *f = &ps_nsindex_layout.fields[i];
		if (!f->len || !memcmp(old + f->off, b + f->off, f->len))
			continue;
		char ov[64] = "", nv[64] = "";
		if (f->len == 4 || f->len == 8) {
			snprintf(ov, sizeof(ov), "0x%" PRIx64, f->len == 4 ? ps_le32(old + f->off) : ps_le64(old + f->off));
			snprintf(nv, sizeof(nv), "0x%" PRIx64, f->len == 4 ? ps_le32(b + f->off) : ps_le64(b + f->off));
		}
		if ((rc = ps_plan_add(plan, unit, K, boff + f->off, old + f->off, b + f->off,
				      f->len, f->name, ov, nv, &reason)))
			goto out;
	}
	for (uint64_t x = PS_NSINDEX_OFF_free; x < isz;) {
		if (old[x] == b[x]) {
			x++;
			continue;
		}
		uint64_t e = x;
		while (e < isz && e - x < PS_PATCH_MAX_LEN && old[e] != b[e])
			e++;
		if ((rc = ps_plan_add(plan, unit, K, boff + x, old + x, b + x,
				      (uint32_t)(e - x), "free", "", "", &reason)))
			goto out;
		x = e;
	}
out:
	free(old);
	free(b);
	return rc;
}

int ps_plan_lsa(struct ps_src *src, const struct ps_analysis *a,
		const struct ps_repair_opts *o, struct ps_plan *plan)
{
	if (o->ns >= 0)
		return PS_OK;	/* --namespace: that namespace only */
	for (size_t i = 0; i < a->scan.nrecs; i++) {
		const struct ps_rec *r = &a->scan.recs[i];
		if (r->kind != PS_REC_NSINDEX || !r->u.lsa.lsa)
			continue;
		int rc = plan_lsa_one(src, i, r, plan);
		if (rc)
			return rc;
	}
	return PS_OK;
}
