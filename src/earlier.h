/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Filesystems left by an earlier layout (docs/cli.md "scan"): a namespace
 * re-created in another mode (fsdax -> sector, map=dev -> map=mem), or an
 * info block wiped, leaves the old filesystem where the old layout put
 * its data, which the metadata now in the image does not explain. Where
 * the current analysis finds no filesystem (a namespace with no
 * filesystem at its data start, or an image with nothing at all), this
 * looks for filesystem superblocks (the scan's pass collects them: ext
 * primary and backup superblocks, XFS superblocks) and probes the data
 * starts the kernel's layouts would have used for that size (every
 * nd_pfn_init formula era, map=dev and map=mem, the start_pad readings,
 * raw and BTT starts). Each filesystem found is reported with the
 * layouts that put data there, what of it the current metadata has
 * overwritten (info block, memmap, BTT map/flog/info blocks) and which
 * of its files have blocks there. Data only; the words are cmd/'s.
 */
#ifndef PS_EARLIER_H
#define PS_EARLIER_H
#include "imgsrc.h"
#include "probe.h"
#include <stdbool.h>
#include <stdint.h>

/* The layouts whose data start is this offset (bits of ps_earlier.layouts). */
enum {
	PS_LAY_RAW = 1 << 0,		/* a raw namespace: data at +0 */
	PS_LAY_BTT = 1 << 1,		/* a sector namespace (BTT 1.1), LBA 0 while
					 * its map is the identity: +8192 */
	PS_LAY_BTT2 = 1 << 2,		/* BTT 2.0 (UEFI, at +0), LBA 0: +4096 */
	PS_LAY_DEV_V53 = 1 << 3,	/* fsdax/devdax map=dev, v5.3+ and ndctl */
	PS_LAY_DEV_PS128 = 1 << 4,	/* map=dev with 128-byte struct pages (v6.1) */
	PS_LAY_DEV_V418 = 1 << 5,	/* fsdax map=dev, v4.14-v5.2 (section-rounded npfns) */
	PS_LAY_DAX_V418 = 1 << 6,	/* devdax map=dev, v4.14-v5.0 (+128 KiB) */
	PS_LAY_DEV_V410 = 1 << 7,	/* map=dev, v4.10-v4.13 (memmap rounded to 2 MiB) */
	PS_LAY_DEV_V46 = 1 << 8,	/* map=dev, v4.4-v4.9 */
	PS_LAY_MEM = 1 << 9,		/* fsdax/devdax map=mem (memmap in RAM) */
	PS_LAY_START_PAD = 1 << 10,	/* one of the above behind the current
					 * info block's start_pad (legacy reading) */
};
#define PS_LAY_BITS 11

/* What of the current metadata lies over the old filesystem. */
enum ps_over_kind {
	PS_OVER_INFO = 1,	/* the current pfn/dax info block */
	PS_OVER_MEMMAP,		/* its struct-page memmap (map=dev), written when
				 * the kernel enables the namespace */
	PS_OVER_BTT_INFO,	/* a BTT info block (primary or backup) */
	PS_OVER_BTT_MAP,	/* a BTT map (zeroed when the BTT was made) */
	PS_OVER_BTT_FLOG,	/* a BTT flog */
};

#define PS_EARLIER_MAX_OVER 8
#define PS_EARLIER_MAX_FILES 8
#define PS_EARLIER_MAX 16	/* filesystems reported per analysis */

struct ps_over {
	enum ps_over_kind kind;
	uint64_t off, len;	/* absolute, clipped to the filesystem */
};

struct ps_earlier {
	int ns;			/* the namespace it lies in, -1: the image (no
				 * namespace found at all) */
	uint64_t region;	/* absolute start of that namespace (0: image) */
	uint64_t off;		/* absolute offset of the filesystem's start */
	unsigned layouts;	/* PS_LAY_* bits; 0: found only by its superblock */
	/* how it was found */
	bool by_primary;	/* a primary superblock at off */
	uint32_t backup_group;	/* ext backup superblock / XFS AG that also
				 * name this start, 0 if none */
	uint64_t backup_at;	/* where that copy is */
	uint32_t backup_bs;	/* the block size it gives */
	bool primary_lost;	/* only a backup names it: no filesystem
				 * libblkid can read at off */
	char fstype[32];	/* "ext4", "xfs", ... (or "ext2/3/4") */
	struct ps_probe probe;	/* at off (probe.type empty if primary_lost) */
	uint64_t fs_size;	/* bytes the superblock says */
	uint64_t room;		/* bytes of the image from off to the region's end */
	/* the current metadata over it */
	int nover;
	struct ps_over over[PS_EARLIER_MAX_OVER];
	/* its files with blocks in those ranges (walked with the filesystem
	 * opened at off; files_walked 0 if it could not be opened) */
	uint64_t files_walked, files_hit;
	int nfiles;
	char *files[PS_EARLIER_MAX_FILES];	/* the first paths hit */
	bool meta_hit;		/* a range also covers its superblock or group 0 */
};

struct ps_earlier_set {
	struct ps_earlier *v;
	size_t n;
	size_t dropped;		/* found beyond PS_EARLIER_MAX */
};

struct ps_analysis;
/* Fill *out from the analysis a of src (the same source it ran on). */
int ps_earlier_find(struct ps_src *src, const struct ps_analysis *a,
		    struct ps_earlier_set *out);
void ps_earlier_free(struct ps_earlier_set *s);
/* "raw", "btt", ... a short stable key for JSON */
const char *ps_layout_key(unsigned bit);

#endif
