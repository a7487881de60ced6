/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PMDK pools in the analysis (docs/pmdk.md): a PMEMBLK pool's BTT is read
 * like a sector namespace whose arena 0 starts at pool + 8 KiB; a pool at
 * a devdax namespace's data start is what that namespace holds; any other
 * pool header or poolset file lies inside a namespace's data (a file in
 * its filesystem) or is the image itself.
 */
#include "ns_internal.h"
#include <string.h>

int ns_pmdk_blk_for_btt(const struct ps_analysis *a, uint64_t btt_off)
{
	if (btt_off < PS_PMDK_BLK_DATA_OFF)
		return -1;
	for (size_t i = 0; i < a->scan.nrecs; i++) {
		const struct ps_rec *r = &a->scan.recs[i];
		if (r->kind == PS_REC_PMDK && r->u.pmdk && r->u.pmdk->type == PS_PMDK_BLK &&
		    r->off + PS_PMDK_BLK_DATA_OFF == btt_off)
			return (int)i;
	}
	return -1;
}

void ns_pmdk_blk_attach(struct ps_analysis *a, int rec, struct ps_ns *ns,
			const struct ps_btt_sb *sb)
{
	struct ps_rec *r = &a->scan.recs[rec];
	const struct ps_pmdk_pool *p = r->u.pmdk;
	ns->pmdk_rec = rec;
	r->pmdk_place = PS_PMDK_BLK_BTT;
	/* libpmemblk names the pool set in every arena (btt_init) */
	if (memcmp(sb->parent_uuid, p->poolset_uuid, 16))
		ps_diag_add(&ns->diags, PS_SEV_WARN, ns->base + PS_BTT_OFF_parent_uuid, "parent_uuid",
			    "the BTT's parent uuid is not the pool set uuid of the PMEMBLK pool at 0x%llx",
			    (unsigned long long)r->off);
	if (p->desc_read && p->bsize && sb->external_lbasize != p->bsize)
		ps_diag_add(&ns->diags, PS_SEV_WARN, ns->base + PS_BTT_OFF_external_lbasize,
			    "external_lbasize",
			    "the BTT's block size %u is not the pool's %u",
			    sb->external_lbasize, p->bsize);
}

void ns_pmdk_place(struct ps_analysis *a)
{
	for (size_t i = 0; i < a->nns; i++) {
		struct ps_ns *ns = &a->ns[i];
		if (ns->pmdk_rec >= 0)
			a->scan.recs[ns->pmdk_rec].ns = (int)i;
	}
	for (size_t r = 0; r < a->scan.nrecs; r++) {
		struct ps_rec *rec = &a->scan.recs[r];
		if ((rec->kind != PS_REC_PMDK && rec->kind != PS_REC_POOLSET) ||
		    rec->pmdk_place == PS_PMDK_BLK_BTT)
			continue;
		/* a pmemblk pool in a namespace's data whose size its BTT
		 * gave (btt_namespaces): kept */
		bool own_size = rec->pmdk_place == PS_PMDK_IN_DATA && rec->kind == PS_REC_PMDK &&
				rec->u.pmdk && rec->u.pmdk->type == PS_PMDK_BLK;
		for (size_t i = 0; i < a->nns; i++) {
			struct ps_ns *ns = &a->ns[i];
			if (ns->mode == PS_NS_DEVDAX && ns->ncand && rec->kind == PS_REC_PMDK &&
			    ns->cand[0].off == rec->off) {
				rec->pmdk_place = PS_PMDK_DEVDAX_DATA;
				rec->ns = (int)i;
				ns->pmdk_rec = (int)r;
				/* the pool spans the device: the data area */
				if (rec->u.pmdk)
					rec->u.pmdk->size = ns->cand[0].size;
				break;
			}
			if (ns->nested_in < 0 && rec->off >= ns->base &&
			    rec->off - ns->base < ns->size) {
				rec->pmdk_place = PS_PMDK_IN_DATA;
				rec->ns = (int)i;
				/* a file: its size is in the filesystem (ls) */
				if (rec->kind == PS_REC_PMDK && rec->u.pmdk && !own_size)
					rec->u.pmdk->size = 0;
			}
		}
	}
}
