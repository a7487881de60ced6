/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Namespaces and their layouts: groups what the scanner found into
 * namespaces, computes the data start under each start_pad interpretation
 * (spec §6-§7), probes every candidate, and reaches a verdict with its
 * evidence. Pure analysis over a ps_src; nothing is written.
 */
#ifndef PS_NS_H
#define PS_NS_H
#include "diag.h"
#include "imgsrc.h"
#include "label.h"
#include "pfn.h"
#include "phys.h"
#include "probe.h"
#include "scan.h"
#include <stdbool.h>
#include <stdint.h>

#define PS_SECTION_SIZE ((uint64_t)128 << 20)	/* x86_64 memory-hotplug section */
#define PS_COMPAT_ALIGN ((uint64_t)2 << 20)	/* x86_64 memremap_compat_align() */

enum ps_ns_mode { PS_NS_RAW = 1, PS_NS_FSDAX, PS_NS_DEVDAX, PS_NS_SECTOR };

/* Which interpretation of start_pad (spec §7). */
enum ps_sem {
	PS_SEM_AUTO = 0,	/* the proven one; refuse if none is */
	PS_SEM_LEGACY,		/* data at base + start_pad + dataoff */
	PS_SEM_FIXED,		/* data at base + dataoff */
};

enum ps_verdict {
	PS_V_PROVEN = 1,	/* exactly one candidate holds a valid filesystem */
	PS_V_AMBIGUOUS,		/* more than one does: never resolved silently */
	PS_V_DAMAGED,		/* only a filesystem with bad checksums was found */
	PS_V_NOFS,		/* no candidate holds a filesystem */
	PS_V_NODATA,		/* devdax / nothing expected to hold a filesystem */
};

#define PS_MAX_CAND 3
#define PS_MAX_EVIDENCE 8

struct ps_cand {
	enum ps_sem sem;	/* LEGACY, FIXED, or AUTO when both agree (P == 0) */
	bool btt;		/* data is the BTT translation of the namespace */
	const char *name;	/* "legacy", "fixed", "data" */
	uint64_t off;		/* absolute image offset of the first data byte */
	uint64_t size;		/* bytes of data under this interpretation */
	bool truncated;		/* the image ends before off + size */
	bool probed;
	struct ps_probe probe;
	int nevidence;
	char evidence[PS_MAX_EVIDENCE][240];
};

struct ps_ns {
	int index;
	enum ps_ns_mode mode;
	uint64_t base;		/* absolute image offset of the namespace */
	uint64_t size;
	const char *size_source;
	int info_rec;		/* index into scan.recs, -1 if none */
	int nested_in;		/* namespace whose data holds this one, or -1 */
	struct ps_pfn_sb pfn;	/* PFN/DAX */
	uint64_t P, T, D;	/* start_pad, end_trunc, dataoff as in effect */
	int ncand;
	struct ps_cand cand[PS_MAX_CAND];
	enum ps_verdict verdict;
	int chosen;		/* candidate auto selects, -1 if none */
	char era[160];		/* which kernels write this block */
	char summary[400];	/* verdict in plain words */
	int nnotes;
	char notes[12][320];	/* kernel behaviour, placement, next commands */
	struct ps_diags diags;
	/* sector mode */
	uint64_t btt_initial;	/* 4096 (v1.1) or 0 (v2.0) */
	unsigned btt_narenas;
	uint64_t btt_nlba;
	uint32_t btt_lbasize, btt_sector;
	bool btt_used_backup;
	/* the namespace label describing it, if any (index into
	 * ps_analysis.labels.ns) */
	int label;
	const char *found_by;	/* "info block", "labels", "labels + info block", "filesystem signature" */
	/* physical placement, when --phys-base was given */
	bool have_phys;
	uint64_t phys;
};

struct ps_analysis_opts {
	bool have_phys_base;
	uint64_t phys_base;	/* physical address of image offset 0 */
	const char *phys_source;	/* where phys_base came from, for the report */
	const struct ps_phys_map *phys_map;	/* saved /proc/iomem or ndctl list */
	/* label areas given apart from the image (--labels), one per DIMM of
	 * the interleave set the image is the region of */
	const struct ps_lsa *const *ext_lsas;
	size_t next_lsas;
	const char *ext_lsas_desc;
	const char *image_arg;	/* the path as the user typed it, for commands */
	bool compressed;	/* image_arg is a compressed dump: no loop mounts */
	struct ps_scan_opts scan;
};

struct ps_analysis {
	bool have_phys;
	uint64_t phys_base;
	char phys_source[160];
	struct ps_scan scan;
	struct ps_ns *ns;
	size_t nns, ns_cap;
	size_t ns_dropped;	/* candidates beyond PS_MAX_NS, reported */
	/* namespaces rebuilt from label areas */
	struct ps_ns_set labels;
	bool labels_placed;	/* their region_offset is an image offset */
	char labels_source[200];
	struct ps_diags diags;
};

/* Namespaces one analysis keeps at most: more than any label area holds
 * (a few hundred slots per DIMM), few enough that an image tiled with
 * info blocks stays within constant memory (about 12 KiB each). */
#define PS_MAX_NS 1024

int ps_analyze(struct ps_src *src, const struct ps_analysis_opts *opts,
	       struct ps_analysis *out);
void ps_analysis_free(struct ps_analysis *a);

/*
 * The data of namespace ns_index as a view (free with ps_src_close before
 * the analysis' source). sem AUTO takes the proven candidate and fails
 * with PS_EAMBIG / PS_ENOTFOUND (and a message in err) otherwise.
 */
int ps_ns_data_view(struct ps_src *src, const struct ps_analysis *a,
		    int ns_index, enum ps_sem sem, struct ps_src **view,
		    char *err, size_t errlen);

const char *ps_ns_mode_name(enum ps_ns_mode m);
const char *ps_sem_name(enum ps_sem s);
const char *ps_verdict_name(enum ps_verdict v);
/* Human units: "64 MiB", "16 GiB", "1.5 KiB"; buf of 32 bytes. */
const char *ps_human(uint64_t v, char *buf, size_t n);

#endif
