/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The scanner: one pass over an image's data extents (holes skipped),
 * matching each known on-media signature at the offsets where it can
 * start, then handing the bytes to that structure's parser. Table-driven:
 * one small prober per format, as libblkid does. Memory does not depend
 * on the image size (a fixed read buffer plus one record per hit, capped).
 */
#ifndef PS_SCAN_H
#define PS_SCAN_H
#include "diag.h"
#include "btt.h"
#include "imgsrc.h"
#include "digest.h"
#include "label.h"
#include "pfn.h"
#include "pmdk.h"
#include <stdbool.h>
#include <stdint.h>

enum ps_rec_kind {
	PS_REC_PFN = 1,		/* NVDIMM_PFN_INFO */
	PS_REC_DAX,		/* NVDIMM_DAX_INFO */
	PS_REC_BTT,		/* BTT_ARENA_INFO */
	PS_REC_NSINDEX,		/* NAMESPACE_INDEX */
	PS_REC_PMDK,		/* a PMDK pool header: PMEMBLK, PMEMOBJ, PMEMLOG */
	PS_REC_POOLSET,		/* a PMDK poolset file (PMEMPOOLSET text) */
};

/* What a BTT info block found by the scan is, once the analysis has
 * placed it in an arena. */
enum ps_rec_role {
	PS_ROLE_UNCLAIMED = 0,	/* in no arena (yet) */
	PS_ROLE_PRIMARY,	/* an arena's info block */
	PS_ROLE_BACKUP,		/* an arena's backup info block (at its end) */
};

struct ps_rec {
	enum ps_rec_kind kind;
	uint64_t off;		/* absolute offset of the structure */
	bool checksum_ok;
	bool truncated;		/* the image ends inside the structure */
	enum ps_rec_role role;	/* BTT: which copy of an arena's info block (set by the analysis) */
	/* PMDK, POOLSET: the namespace whose data holds it, -1 if none (set
	 * by the analysis, ps_pmdk_place says how) */
	int ns;
	int pmdk_place;
	struct ps_diags diags;	/* everything its parser said */
	union {
		struct ps_pfn_sb pfn;	/* PFN and DAX */
		struct ps_btt_sb btt;	/* BTT (primary or backup) */
		struct {		/* NSINDEX: a whole label storage area */
			struct ps_lsa_loc loc;
			struct ps_lsa *lsa;	/* parsed; NULL if unreadable */
		} lsa;
		/* PMDK: parsed (size: up to the end of the image, until the
		 * analysis knows the namespace); NULL only when out of memory */
		struct ps_pmdk_pool *pmdk;
		struct ps_pmdk_poolset *poolset;	/* POOLSET */
	} u;
};

#define PS_SCAN_MAX_RECS 65536	/* more hits than this: reported, not kept */

/*
 * A filesystem superblock (or a copy of one) at a 4 KiB-aligned offset,
 * with the filesystem start it implies: ext2/3/4 primary superblocks
 * (magic at +1080), ext backup superblocks at the start of a block group
 * (block size >= 2 KiB; start = copy - group's first byte), XFS
 * superblocks ("XFSB"; a secondary one's AG number from the AGF behind
 * it). Collected in the same pass, no extra reads; the analysis uses them
 * to find filesystems that the metadata now in the image does not
 * explain (earlier.c).
 */
enum ps_fs_hit_kind {
	PS_FSHIT_EXT = 1,	/* ext primary superblock at start + 1024 */
	PS_FSHIT_EXT_BACKUP,	/* ext backup superblock of group `group` */
	PS_FSHIT_XFS,		/* XFS superblock of AG `group` (0: primary) */
};
struct ps_fs_hit {
	enum ps_fs_hit_kind kind;
	uint64_t start;		/* absolute offset of the filesystem it implies */
	uint64_t at;		/* absolute offset of the block holding the copy */
	uint32_t group;
	uint64_t fs_size;	/* bytes the superblock says, 0 if implausible */
	uint32_t block_size;
};
#define PS_SCAN_MAX_FSHITS 4096

struct ps_scan_opts {
	size_t chunk;		/* read size, 0 = default (2 MiB) */
	/* Called for every byte range in order: data as read, holes as
	 * lengths, so a digest can be computed in the same pass. */
	void (*on_data)(void *ctx, uint64_t off, const uint8_t *buf, size_t len);
	void (*on_hole)(void *ctx, uint64_t off, uint64_t len);
	void (*on_progress)(void *ctx, uint64_t done, uint64_t total);
	void *ctx;
	/* Fed every byte range in order in the same pass, without waiting:
	 * the scan reads ahead into a few buffers while the digest's workers
	 * hash the ones behind (see ps_digest_data_async). */
	struct ps_digest *digest;
};

struct ps_scan {
	struct ps_rec *recs;
	size_t nrecs, cap;
	size_t dropped;		/* hits beyond PS_SCAN_MAX_RECS */
	uint64_t image_size;
	uint64_t bytes_read;	/* allocated (non-hole) bytes read */
	struct ps_diags diags;	/* scan-level problems */
	struct ps_fs_hit *fshits;	/* in offset order */
	size_t nfshits, fshits_cap;
	size_t fshits_dropped;		/* beyond PS_SCAN_MAX_FSHITS */
};

/* Scan src; fills *out (free with ps_scan_free). Returns PS_OK or PS_EIO
 * (with ps_src_error(src) saying where). */
int ps_scan_run(struct ps_src *src, const struct ps_scan_opts *opts,
		struct ps_scan *out);
void ps_scan_free(struct ps_scan *s);
const char *ps_rec_kind_name(enum ps_rec_kind k);

/* Read and parse the label storage area at loc (bounded to 16 MiB);
 * *out is allocated (ps_lsa_free + free) when the area could be parsed. */
int ps_scan_read_lsa(struct ps_src *src, const struct ps_lsa_loc *loc,
		     struct ps_lsa **out, struct ps_diags *d);

#endif
