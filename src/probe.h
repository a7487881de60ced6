/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What lies at a candidate data start: libblkid (superblock checksums on,
 * then once more accepting bad checksums to spot a damaged filesystem),
 * the size the filesystem claims (ext2/3/4, xfs), and a rough description
 * of the bytes when no filesystem is there (zeros, struct-page memmap,
 * high-entropy, other).
 */
#ifndef PS_PROBE_H
#define PS_PROBE_H
#include "imgsrc.h"
#include <stdbool.h>
#include <stdint.h>

enum ps_content {
	PS_CONTENT_FS = 1,	/* libblkid identified something */
	PS_CONTENT_ZEROS,	/* zeros (hole: never written at all) */
	PS_CONTENT_MEMMAP,	/* looks like an array of struct page */
	PS_CONTENT_ENTROPY,	/* high-entropy bytes */
	PS_CONTENT_OTHER,	/* something else (unreadable: could not tell) */
};

struct ps_probe {
	bool found;		/* libblkid found it with checksums enforced */
	bool bad_csum;		/* found only when bad checksums are allowed */
	bool ambivalent;	/* libblkid saw more than one signature */
	char type[32];		/* "ext4", "xfs", "gpt", ... */
	char usage[32];		/* "filesystem", "raid", "partition table" ... */
	char uuid[64];
	char label[128];
	char version[32];
	uint32_t block_size;	/* filesystem block size, 0 if unknown */
	uint64_t fs_size;	/* bytes the filesystem claims, 0 if unknown */
	uint64_t room;		/* bytes available at this candidate */
	/* what the bytes look like, when not a filesystem (a sample of the
	 * first 256 KiB) */
	enum ps_content content;
	bool hole;		/* ZEROS: not even allocated */
	bool unreadable;	/* OTHER: the sample could not be read */
	double entropy;		/* bits per byte (MEMMAP, ENTROPY, OTHER) */
	unsigned nonzero_pct;	/* OTHER: share of non-zero bytes, % */
	size_t nonzero, sampled;	/* non-zero bytes of the sample, its size */
	size_t memmap_recs;	/* MEMMAP: non-zero 64-byte records ... */
	size_t memmap_ptrs;	/* ... and those holding kernel addresses */
	/* libblkid took an ext2/3/4 backup superblock (s_block_group_nr
	 * not 0: 1 KiB blocks put group g's copy 1024 bytes into its first
	 * block) for a filesystem here: it is not one's start, so the probe
	 * reports no filesystem; the group it belongs to */
	uint32_t ext_backup_group;
};

/* Probe the whole of view (which may be a window or a BTT view). */
int ps_probe_view(struct ps_src *view, struct ps_probe *out);
/*
 * Between these two calls, a view of src (or of a view of it) that shows
 * the same bytes of src's file descriptor as one probed before gets that
 * probe's result: for one analysis, while the bytes cannot change. Begin
 * does nothing on a source without a file descriptor; its error
 * (PS_ENOMEM) only means every view is probed.
 */
int ps_probe_memo_begin(struct ps_src *src);
void ps_probe_memo_end(struct ps_src *src);
const char *ps_content_name(enum ps_content c);

#endif
