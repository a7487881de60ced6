/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * XFS's own space accounting, read-only (docs/start_pad.md "Files with two contents: the split check"): for every AG the
 * header sectors (sb, AGF, AGI, AGFL), the blocks on the AGFL, the by-block
 * free-space btree (bnobt: the free extents), the inode btree (inobt: the
 * inode chunks, sparse ones block by block), and the blocks of every AG
 * btree (bnobt, cntbt, inobt, finobt, rmapbt, refcountbt); and the internal
 * log. Short-form btree blocks are checked as the format has them: magic
 * (v4 or v5), level, record count, and on v5 the CRC, the block's own
 * address, its AG and the filesystem uuid. So a block of the filesystem
 * can be told free, metadata of a named kind, or otherwise allocated
 * (file data, directories, bmbt and xattr blocks).
 *
 * An AG whose structures fail a check, or whose extents overlap, is not
 * trusted: its blocks are PS_XS_UNKNOWN and a diagnostic says why (offset
 * and field). Memory grows with the number of extents recorded, capped
 * (PS_XS_MAX_RANGES). Pure over a ps_src holding the filesystem at 0.
 */
#ifndef PS_XFS_SPACE_H
#define PS_XFS_SPACE_H
#include "diag.h"
#include "imgsrc.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ps_xfs_space_kind {
	PS_XS_UNKNOWN = 0,	/* its AG was not read, or not trusted */
	PS_XS_FREE,		/* a free extent of the bnobt */
	PS_XS_USED,		/* allocated, none of the kinds below: file
				 * data, directories, bmbt or xattr blocks */
	PS_XS_HEADER,		/* the AG's header sectors (sb, AGF, AGI, AGFL) */
	PS_XS_FREELIST,		/* a block on the AGFL (reserved for btrees) */
	PS_XS_LOG,		/* the internal log */
	PS_XS_INODES,		/* an inode chunk (the inobt) */
	PS_XS_BTREE,		/* a block of an AG btree */
};
#define PS_XS_NKINDS 8

#define PS_XS_MAX_RANGES ((size_t)1 << 22)

struct ps_xfs_space_range {
	uint64_t start;		/* filesystem block, linear: agno * agblocks + agbno */
	uint32_t len;		/* blocks */
	uint8_t kind;		/* enum ps_xfs_space_kind */
};

struct ps_xfs_space {
	uint32_t blocksize, agblocks, agcount, sectsize;
	uint64_t dblocks;
	bool v5;
	struct ps_xfs_space_range *r;	/* sorted by start, no overlaps */
	size_t n, cap;
	uint8_t *ag_ok;			/* per AG: 1 read and consistent */
	uint32_t ags_read;		/* AGs looked at (in the image): ag_ok's length */
	uint32_t ags_ok;
	uint64_t blocks[PS_XS_NKINDS];	/* over the trusted AGs */
	uint64_t crc_bad;		/* btree/header blocks whose CRC failed */
	struct ps_diags diags;		/* why an AG is not trusted */
};

/*
 * Read the space maps of the XFS at offset 0 of src. PS_OK with out filled
 * (AGs that fail are left untrusted, diags say why); PS_ENOTFOUND (no
 * XFSB), PS_EFORMAT (a superblock field out of range: diags say which),
 * PS_ENOMEM. out is always safe to ps_xfs_space_free.
 */
int ps_xfs_space_read(struct ps_src *src, struct ps_xfs_space *out);
void ps_xfs_space_free(struct ps_xfs_space *s);
/* What the filesystem block holding device byte off is. */
enum ps_xfs_space_kind ps_xfs_space_kind(const struct ps_xfs_space *s, uint64_t off);
/* A short name for a kind: "free", "inodes", "log", ... */
const char *ps_xfs_space_kind_name(enum ps_xfs_space_kind k);

#endif
