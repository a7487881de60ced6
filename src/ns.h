/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Namespaces and their layouts: groups what the scanner found into
 * namespaces, computes the data start under each start_pad interpretation
 * (nvdimm-formats.md "Where data starts (per personality)" to "start_pad semantics by kernel era"), probes every candidate, and reaches a verdict with its
 * evidence. Pure analysis over a ps_src; nothing is written.
 */
#ifndef PS_NS_H
#define PS_NS_H
#include "diag.h"
#include "earlier.h"
#include "facts.h"
#include "imgsrc.h"
#include "label.h"
#include "pfn.h"
#include "phys.h"
#include "probe.h"
#include "scan.h"
#include "weigh.h"
#include "xfs_log.h"
#include "util.h"	/* ps_human, which every size in a report goes through */
#include <stdbool.h>
#include <stdint.h>

#define PS_SECTION_SIZE ((uint64_t)128 << 20)	/* x86_64 memory-hotplug section */
#define PS_COMPAT_ALIGN ((uint64_t)2 << 20)	/* x86_64 memremap_compat_align() */

enum ps_ns_mode { PS_NS_RAW = 1, PS_NS_FSDAX, PS_NS_DEVDAX, PS_NS_SECTOR };

enum ps_verdict {
	PS_V_NONE = 0,		/* not probed: inside another namespace's data */
	PS_V_PROVEN,		/* exactly one candidate holds a valid filesystem */
	PS_V_AMBIGUOUS,		/* more than one does: never resolved silently */
	PS_V_DAMAGED,		/* only a filesystem with bad checksums was found */
	PS_V_NOFS,		/* no candidate holds a filesystem */
	PS_V_NODATA,		/* devdax / nothing expected to hold a filesystem */
	PS_V_TRUNCATED,		/* exactly one candidate holds a valid filesystem,
				 * but the image ends inside it: the data start
				 * is found, the filesystem is not all there */
};

/* What made the analysis see a namespace here. */
enum ps_found_by {
	PS_FOUND_INFO_BLOCK = 1,	/* a pfn/dax info block or a BTT */
	PS_FOUND_LABELS,		/* a placed namespace label, no info block */
	PS_FOUND_LABELS_INFO,		/* both, agreeing on the offset */
	PS_FOUND_FS_SIGNATURE,		/* a filesystem where nothing else is */
};

/* Where the namespace's size comes from. */
enum ps_size_source {
	PS_SIZE_INFO_BLOCK = 1,	/* npfns and the padding of the pfn block */
	PS_SIZE_IMAGE,		/* the rest of the image */
	PS_SIZE_LABELS,		/* the namespace labels' rawsize */
	PS_SIZE_BTT,		/* the BTT's arenas */
	PS_SIZE_GAP,		/* the space up to the next namespace */
};

/* Why the kernel will not use a namespace's info block: it then returns
 * ENODEV for the pfn/dax device and sees a raw namespace, so the data
 * behind the block is not where the kernel reads (nd_pfn_validate). */
enum ps_kernel_refusal {
	PS_REFUSE_NONE = 0,
	PS_REFUSE_CHECKSUM,	/* the block's checksum is wrong */
	PS_REFUSE_PARENT_UUID,	/* parent_uuid is not the label's uuid */
};

/* Where the namespace labels of the analysis come from. */
enum ps_labels_from {
	PS_LABELS_NONE = 0,
	PS_LABELS_GIVEN,	/* label areas passed apart from the image */
	PS_LABELS_IN_IMAGE,	/* a label area found in the image, at labels_off */
};

#define PS_MAX_CAND 3	/* legacy and fixed; or data; or btt */

struct ps_cand {
	enum ps_sem sem;	/* LEGACY, FIXED, or AUTO when both agree (P == 0) */
	bool btt;		/* data is the BTT translation of the namespace */
	const char *name;	/* "legacy", "fixed", "data", "btt" */
	uint64_t off;		/* absolute image offset of the first data byte */
	uint64_t size;		/* bytes of data under this interpretation */
	bool truncated;		/* the image ends before off + size */
	uint64_t present;	/* bytes of [off, off + size) the image holds */
	bool probed;
	struct ps_probe probe;
	int nevidence;
	struct ps_evidence evidence[PS_MAX_EVIDENCE];
	struct ps_sb_facts sb;	/* read when both readings hold a filesystem */
	struct ps_xfs_log_info xlog;	/* an xfs filesystem: its log (docs/journal.md "XFS: the log replayed read-only";
					 * state UNKNOWN when not xfs) */
};

struct ps_ns {
	int index;
	enum ps_ns_mode mode;
	uint64_t base;		/* absolute image offset of the namespace */
	uint64_t size;
	uint64_t present;	/* bytes of [base, base + size) the image holds */
	enum ps_size_source size_source;
	int info_rec;		/* index into scan.recs, -1 if none */
	enum ps_kernel_refusal refusal;	/* the kernel will not use the info block */
	int nested_in;		/* namespace whose data holds this one, or -1 */
	struct ps_pfn_sb pfn;	/* PFN/DAX */
	uint64_t start_pad, end_trunc, dataoff;	/* as in effect */
	int ncand;
	struct ps_cand cand[PS_MAX_CAND];
	enum ps_verdict verdict;
	int chosen;		/* candidate auto selects, -1 if none (an
				 * ambiguous namespace: the recommended one
				 * when weigh.decisive) */
	struct ps_weighing weigh;	/* AMBIGUOUS: what the evidence says */
	int damaged;		/* the candidate with the damaged filesystem
				 * (verdict DAMAGED), -1 if none */
	/* what kernels do with it and where it sat, in that order */
	struct ps_note *notes;
	size_t nnotes, notes_cap;
	/* what to run next, in the order to try them */
	int nactions;
	struct ps_action actions[PS_MAX_ACTIONS];
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
	enum ps_found_by found_by;
	/* found by a filesystem signature: libblkid's name for it */
	char fs_signature[sizeof(((struct ps_probe *)0)->type)];
	/* physical placement, when the physical base is known */
	bool have_phys;
	uint64_t phys;
	/* PMDK (docs/pmdk.md): the pool header (index into scan.recs) this
	 * namespace's data is: the PMEMBLK pool whose BTT this sector
	 * "namespace" is, or the pool a devdax namespace's data starts
	 * with; -1 if none */
	int pmdk_rec;
};

/* Where the analysis placed a PMDK pool header or poolset file
 * (ps_rec.pmdk_place). */
enum ps_pmdk_place {
	PS_PMDK_LOOSE = 0,	/* in no namespace: the image is the pool file */
	PS_PMDK_BLK_BTT,	/* a PMEMBLK pool whose BTT is namespace rec.ns */
	PS_PMDK_DEVDAX_DATA,	/* the data of devdax namespace rec.ns */
	PS_PMDK_IN_DATA,	/* inside namespace rec.ns's data: a file in
				 * its filesystem, most likely */
};

struct ps_analysis_opts {
	bool have_phys_base;
	uint64_t phys_base;	/* physical address of image offset 0 */
	/* the entry of phys_map phys_base was taken from (ps_phys_match_size),
	 * or NULL when it was given as a number */
	const struct ps_phys_range *phys_entry;
	const struct ps_phys_map *phys_map;	/* saved /proc/iomem or ndctl list */
	/* label areas given apart from the image (--labels), one per DIMM of
	 * the interleave set the image is the region of */
	const struct ps_lsa *const *ext_lsas;
	size_t next_lsas;
	struct ps_scan_opts scan;
};

struct ps_analysis {
	bool have_phys;
	uint64_t phys_base;
	/* phys_base came from this entry of the saved map (copied), when
	 * have_phys_entry; else it was given as a number */
	bool have_phys_entry;
	struct ps_phys_range phys_entry;
	struct ps_scan scan;
	struct ps_ns *ns;
	size_t nns, ns_cap;
	size_t ns_dropped;	/* candidates beyond PS_MAX_NS, reported */
	/* namespaces rebuilt from label areas */
	struct ps_ns_set labels;
	bool labels_placed;	/* their region_offset is an image offset */
	enum ps_labels_from labels_from;
	uint64_t labels_off;	/* PS_LABELS_IN_IMAGE: the area's offset */
	struct ps_diags diags;
	/* filesystems the current metadata does not explain (earlier.h) */
	struct ps_earlier_set earlier;
};

/* Namespaces one analysis keeps at most: more than any label area holds
 * (a few hundred slots per DIMM), few enough that an image tiled with
 * info blocks stays within constant memory (about 12 KiB each). */
#define PS_MAX_NS 1024

int ps_analyze(struct ps_src *src, const struct ps_analysis_opts *opts,
	       struct ps_analysis *out);
void ps_analysis_free(struct ps_analysis *a);

/*
 * Which candidate of ns a --semantics choice reads (the one
 * ps_ns_data_view opens, and what extract, ls and the split check take):
 * PS_OK with its index in *cand, else PS_EAMBIG or PS_ENOTFOUND (*cand -1).
 * sem AUTO: the chosen candidate, unless the namespace is ambiguous and the
 * weighing is not decisive (PS_EAMBIG); with none chosen, a damaged
 * filesystem at the one data start there is (a candidate of AUTO
 * semantics); else PS_ENOTFOUND. LEGACY or FIXED: the last candidate of
 * that semantics or of AUTO (a namespace with one data start has it under
 * either reading); none: PS_ENOTFOUND.
 */
int ps_ns_pick(const struct ps_ns *ns, enum ps_sem sem, int *cand);

/* When ps_ns_data_view(sem) refuses ns for want of a proven data start,
 * what the user can give to read it anyway (the CLI words it): */
enum ps_ns_hint {
	PS_NS_HINT_NONE = 0,	/* nothing refused, or nothing helps */
	PS_NS_HINT_SEMANTICS,	/* a reading of start_pad (legacy or fixed):
				 * the namespace has a candidate under each */
	PS_NS_HINT_OFFSET,	/* another offset: the one data start there is
				 * holds no filesystem (its cand[0].off) */
};
enum ps_ns_hint ps_ns_view_hint(const struct ps_ns *ns, enum ps_sem sem);

/*
 * The data of namespace ns_index as a view (free with ps_src_close before
 * the analysis' source). sem AUTO takes the proven candidate and fails
 * with PS_EAMBIG / PS_ENOTFOUND (and a message in err) otherwise; what
 * settles that is ps_ns_view_hint's.
 */
int ps_ns_data_view(struct ps_src *src, const struct ps_analysis *a,
		    int ns_index, enum ps_sem sem, struct ps_src **view,
		    char *err, size_t errlen);

/* ---- a DIMM's label area in a file of its own ---- */

/* Where the area was found in its file. */
enum ps_lsa_place {
	PS_LSA_PLACE_GIVEN = 1,	/* at the offset the caller gave */
	PS_LSA_PLACE_END,	/* at the end (QEMU nvdimm label-size area) */
	PS_LSA_PLACE_DUMP,	/* the whole file ('ndctl read-labels -o') */
	PS_LSA_PLACE_START,	/* at the start of a larger file */
	PS_LSA_PLACE_DAMAGED,	/* the whole file: index signatures, none valid */
};

struct ps_lsa_find_opts {
	bool have_offset;	/* the area starts at offset (no search) */
	uint64_t offset;
	uint64_t size;		/* the config size; 0: from the index block */
	bool damaged_dump;	/* take a small file with index signatures but
				 * no valid index block as the area, so it can
				 * be shown and its damage reported */
};

struct ps_lsa_area {
	uint64_t off, size;
	enum ps_lsa_place place;
};

/*
 * Find the label area in src: at o->offset, else at the end or the start
 * (ps_lsa_locate_tail). PS_OK; PS_ERANGE when o->offset is past the end;
 * PS_ENOTFOUND; PS_EIO/PS_ENOMEM. The size is not bounded here: callers
 * refuse or cut an area larger than they read.
 */
int ps_lsa_find(struct ps_src *src, const struct ps_lsa_find_opts *o,
		struct ps_lsa_area *out);
/* Read at most max bytes of the area and parse them (ps_lsa_parse's
 * codes, or PS_EIO/PS_ENOMEM/PS_ERANGE). *out is always safe to
 * ps_lsa_free. */
int ps_lsa_load(struct ps_src *src, const struct ps_lsa_area *area, uint64_t max,
		struct ps_lsa *out, struct ps_diags *d);
/* What the analysis reads of a label area: more than any config area. */
#define PS_LSA_READ_MAX ((uint64_t)16 << 20)

const char *ps_ns_mode_name(enum ps_ns_mode m);
const char *ps_sem_name(enum ps_sem s);
const char *ps_verdict_name(enum ps_verdict v);
const char *ps_found_by_name(enum ps_found_by f);
const char *ps_size_source_name(enum ps_size_source s);

#endif
