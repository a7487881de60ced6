/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared between the files of the analysis (ns.c: namespaces and
 * candidates; ns_labels.c: label areas; ns_facts.c: evidence, verdict,
 * notes, actions). Not part of the library's interface.
 */
#ifndef PS_NS_INTERNAL_H
#define PS_NS_INTERNAL_H
#include "ns.h"

/* Bytes of the candidate the image holds (less than c->size when the
 * image is truncated). */
uint64_t ns_cand_room(const struct ps_src *src, const struct ps_cand *c);
/* The BTT-translated data of a sector-mode namespace, as a source that
 * owns the BTT under it; a PS_E* code on failure. */
int ns_btt_view(struct ps_src *src, const struct ps_ns *ns, struct ps_src **out);

/* Probe one candidate and record its evidence. PS_OK (a failed probe is
 * evidence, not an error) or PS_ENOMEM. */
int ns_probe_cand(struct ps_src *src, struct ps_ns *ns, struct ps_cand *c);
/* Verdict, notes and next actions from the probed candidates. */
int ns_decide(struct ps_src *src, struct ps_ns *ns, const struct ps_phys_map *map);
/* Free what the facts of ns own (evidence texts, notes). */
void ns_free_facts(struct ps_ns *ns);

/* The label namespaces of the analysis: from opts' label areas, else from
 * one found in the image (ns_labels.c). *data gets the source namespaces
 * are read from when it is not src: the image before a label area at its
 * end (a QEMU-style DIMM file), so the area's bytes are never a
 * namespace's; else NULL. The caller closes it. */
int ns_gather_labels(struct ps_analysis *a, struct ps_src *src,
		     const struct ps_analysis_opts *opts, struct ps_src **data);
/* The placed, complete label namespace starting at image offset base, or -1. */
int ns_label_at(const struct ps_analysis *a, uint64_t base);

/* ---- PMDK pools (ns_pmdk.c) ---- */
/* The PMEMBLK pool header (index into scan.recs) whose BTT starts at
 * image offset btt_off, or -1. */
int ns_pmdk_blk_for_btt(const struct ps_analysis *a, uint64_t btt_off);
/* ns is the BTT of pool rec: tie them, and say where they disagree. */
void ns_pmdk_blk_attach(struct ps_analysis *a, int rec, struct ps_ns *ns,
			const struct ps_btt_sb *sb);
/* After the namespaces are decided: place every pool header and poolset
 * file (a devdax namespace's data, inside a namespace, loose). */
void ns_pmdk_place(struct ps_analysis *a);

#endif
