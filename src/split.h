/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The split check (docs/start_pad.md "Files with two contents: the split check", nvdimm-formats.md "Observed on a real kernel"): on an fsdax namespace whose legacy
 * info block has start_pad P != 0 and whose filesystem sits at the legacy
 * data start L0 = base + P + dataoff, a kernel that mounted it with -o dax
 * put each file block g twice: what write() wrote went to L = L0 + g (the
 * block path), what was stored through a shared mapping went to
 * F = base + dataoff + g, P bytes lower (the DAX pfn). This module walks
 * every regular file's block map, reads each written block at L and at F
 * once, and says per file which way it was written, with the evidence,
 * and what its F positions land on (the victims). It also reads a file in
 * either view for extract.
 *
 * Pure analysis over a ps_src: data out, no words (cmd/render_split.c
 * writes them).
 */
#ifndef PS_SPLIT_H
#define PS_SPLIT_H
#include "fs.h"
#include "imgsrc.h"
#include <stdbool.h>
#include <stdint.h>

/* How a file was written, as its blocks say. */
enum ps_split_class {
	PS_SPLIT_WRITE = 0,	/* data at L only: write() (the block path) */
	PS_SPLIT_MMAP,		/* data at F only (or a PMDK pool header at F):
				 * stores through a mapping; also every L
				 * block zero while F holds data, whoever owns
				 * F now (the victim rule, docs/start_pad.md "Files with two contents: the split check") */
	PS_SPLIT_MIXED,		/* both: some blocks by write(), some mapped,
				 * or blocks with data at L and F */
	PS_SPLIT_UNKNOWN,	/* no evidence either way (zeros, no block
				 * map) */
};
#define PS_SPLIT_NCLASS 4

/* What lies at a file block's F position. */
enum ps_split_where {
	PS_SW_PAD = 0,		/* the start_pad area [base, base + P): a DAX
				 * fault there oopses the kernel (D + g < P) */
	PS_SW_MEMMAP,		/* the struct-page area [base + P, L0) */
	PS_SW_FREE,		/* a block free in the filesystem's own map */
	PS_SW_FILE,		/* a written block of a regular file (file) */
	PS_SW_FILE_UNWRITTEN,	/* a block of a file's unwritten extent (file) */
	PS_SW_METADATA,		/* allocated, in no regular file: metadata,
				 * a directory, the journal */
	PS_SW_NOT_FILE,		/* in no regular file; the free map was not
				 * read (XFS): free or metadata */
};
#define PS_SPLIT_NWHERE 7

/*
 * Per written block of a file (docs/start_pad.md "Files with two contents: the split check"): what its two positions hold, the
 * evidence its merged view (the file as its writer last saw it) is taken
 * from. PS_PV_* and which position wins (ps_split_block_src):
 */
enum ps_split_prov {
	PS_PV_ZERO = 0,		/* L and F zero, or F in the start_pad area
				 * (no store lands there): L */
	PS_PV_WRITE,		/* data at L, F zero: write(): L */
	PS_PV_WRITE_FOTHER,	/* data at L, F on another file's data,
				 * metadata or the memmap: L, ambiguous in a
				 * mixed file (a store there cannot be told
				 * from the owner's bytes) */
	PS_PV_STORE,		/* L zero, F non-zero where nobody else's
				 * data is (free, unwritten): a store: F */
	PS_PV_BOTH,		/* both written: write() data at L, a store
				 * at F where nobody else's data is: F */
	PS_PV_OVER,		/* L zero, F non-zero on another file's block,
				 * metadata or the memmap: the victim rule:
				 * F in a file written through a mapping,
				 * ambiguous in any other */
};
#define PS_SPLIT_NPROV 6
/* Where a block of the merged view comes from. */
enum ps_split_src { PS_SRC_L = 0, PS_SRC_F, PS_SRC_AMBIG };

struct ps_split_victim {
	enum ps_split_where where;
	size_t file;		/* PS_SW_FILE*: index into ps_split.files */
	uint64_t blocks;	/* blocks whose F lands there, non-zero */
	uint64_t first;		/* image offset of the first such F position */
};

struct ps_split_file {
	char *path;		/* from the root, names escaped (C style) */
	uint64_t ino, size;
	enum ps_split_class cls;
	uint64_t blocks;	/* written blocks inside the size */
	uint64_t unwritten;	/* unwritten blocks inside the size */
	uint64_t w_blocks;	/* L holds data, F zero or another's data */
	uint64_t m_blocks;	/* L zero, F non-zero where no other data is */
	uint64_t both_blocks;	/* L and F hold data, F where no other data is */
	uint64_t zero_blocks;	/* both zero */
	uint64_t ambiguous;	/* blocks whose merged view cannot tell L
				 * from F (PS_SRC_AMBIG: kept from L) */
	uint64_t over_blocks;	/* L zero, F non-zero on another file's block,
				 * metadata or the memmap (PS_PV_OVER) */
	uint64_t lfo_blocks;	/* data at L, F on another's (PS_PV_WRITE_FOTHER) */
	uint64_t from_f;	/* blocks the merged view takes from F */
	uint8_t *prov;		/* enum ps_split_prov per written block, in
				 * the order of ext (block by block); only
				 * for MMAP and MIXED files, else NULL */
	uint64_t f_free_nonzero;	/* of m/both: F free in the fs map */
	uint64_t f_unwritten_nonzero;	/* of m/both: F in an unwritten extent */
	char header[8];		/* PMDK pool signature at F of block 0, or "" */
	bool header_at_l;	/* the same signature at L of block 0 */
	bool unmapped;		/* no block map (inline data, XFS btree fork) */
	struct ps_split_victim *victims;	/* of the blocks the merged
						 * view takes from F (real
						 * stores); only for MMAP and
						 * MIXED files */
	size_t nvictims;
	struct ps_fs_extent *ext;	/* written extents, cut to the size */
	size_t next;
};

struct ps_split {
	uint64_t base, start_pad, dataoff;	/* the namespace */
	uint64_t l_off;		/* image offset of L0, the filesystem start */
	uint64_t f_off;		/* image offset of F0 = base + D */
	uint32_t blocksize;
	enum ps_fs_type fstype;
	bool have_bitmap;	/* the filesystem's free map was read */
	struct ps_split_file *files;
	size_t nfiles;
	uint64_t count[PS_SPLIT_NCLASS];
	/* over MMAP and MIXED files: blocks whose stores landed on each kind */
	uint64_t ambiguous;	/* over all files: blocks of ambiguous provenance */
	uint64_t victim_blocks[PS_SPLIT_NWHERE];
	uint64_t dirs, errors;	/* directories walked; entries not checked */
	uint64_t bytes_read;	/* at L and at F */
	char *err;		/* first error met (entries are skipped), whole;
				 * NULL if none (owned: ps_split_free) */
};

/*
 * Run the check on the filesystem at [l_off, l_off + l_size) of image,
 * for a namespace at base with start_pad P and dataoff D (l_off must be
 * base + P + D). PS_OK with out filled (errors on single entries are
 * counted); PS_EINVAL when P is 0; the fs open error otherwise (out->err
 * says it). out is always safe to ps_split_free.
 */
int ps_split_check(struct ps_src *image, uint64_t base, uint64_t P, uint64_t D,
		   uint64_t l_off, uint64_t l_size, enum ps_fs_type type,
		   struct ps_split *out);
void ps_split_free(struct ps_split *s);
const char *ps_split_class_name(enum ps_split_class c);
const char *ps_split_where_name(enum ps_split_where w);
/* The file record of inode ino, or NULL. */
const struct ps_split_file *ps_split_find(const struct ps_split *s, uint64_t ino);

/* Which content of a file: what read() returned, what a mapping showed,
 * the merged view (each block from L or F by its provenance: the file as
 * its writer last saw it; an ambiguous block from L). */
enum ps_view { PS_VIEW_READ = 1, PS_VIEW_MMAP = 2, PS_VIEW_MERGED = 4 };
/* The views auto gives a file: PS_VIEW_MERGED for an mmap-written one,
 * PS_VIEW_MERGED | PS_VIEW_READ for a mixed one (its read view kept too),
 * PS_VIEW_READ for any other. */
unsigned ps_split_auto_views(const struct ps_split_file *f);
/* Where block i (in ext order) of f comes from in the merged view. */
enum ps_split_src ps_split_block_src(const struct ps_split_file *f, size_t i);
const char *ps_split_prov_name(enum ps_split_prov p);
/* Every written block of f in order: cb(ctx, logical offset, device offset
 * g, its provenance, its source); a non-zero return stops and is returned.
 * A file without provenance (not MMAP nor MIXED) gives PS_PV_WRITE, L. */
int ps_split_each_block(const struct ps_split *s, const struct ps_split_file *f,
			int (*cb)(void *ctx, uint64_t logical, uint64_t g,
				  enum ps_split_prov p, enum ps_split_src src),
			void *ctx);
/* Read file f in view v from image, as ps_fs_read does (increasing
 * offsets, holes not passed): its written extents at L, at F, or each
 * block where its provenance says (merged). */
int ps_split_read(struct ps_src *image, const struct ps_split *s,
		  const struct ps_split_file *f, enum ps_view v,
		  ps_fs_data_cb cb, void *ctx);

#endif
