/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pfn (fsdax) and dax (devdax) info block, struct nd_pfn_sb. */
#ifndef PS_PFN_H
#define PS_PFN_H
#include "diag.h"
#include "field.h"
#include <stdbool.h>
#include <stdint.h>

#define PS_INFO_BLOCK_SIZE 4096u
#define PS_PFN_OFFSET 4096u	/* the block's place in its namespace (SZ_4K) */
#define PS_PFN_SIG "NVDIMM_PFN_INFO\0"
#define PS_DAX_SIG "NVDIMM_DAX_INFO\0"

/*
 * struct nd_pfn_sb (drivers/nvdimm/pfn.h), one row per member (field.h):
 * name, offset, length, type, the version_minor that added it, ndctl's
 * key. ndctl prints version_major and version_minor together as
 * "version": "major.minor". A version's padding starts where its last
 * field ends (0x4c in 1.0 ... 0x5e in 1.4) and runs to the checksum.
 */
#define PS_PFN_SIZE PS_INFO_BLOCK_SIZE
#define PS_PFN_FIELDS(X, P) \
	X(P, signature,        0x000,   16, BYTES, 0, "signature") \
	X(P, uuid,             0x010,   16, BYTES, 0, "uuid") \
	X(P, parent_uuid,      0x020,   16, BYTES, 0, "parent_uuid") \
	X(P, flags,            0x030,    4, INT,   0, "flags") \
	X(P, version_major,    0x034,    2, INT,   0, "version") \
	X(P, version_minor,    0x036,    2, INT,   0, "version") \
	X(P, dataoff,          0x038,    8, INT,   0, "dataoff") \
	X(P, npfns,            0x040,    8, INT,   0, "npfns") \
	X(P, mode,             0x048,    4, INT,   0, "mode") \
	X(P, start_pad,        0x04c,    4, INT,   1, "start_pad") \
	X(P, end_trunc,        0x050,    4, INT,   1, "end_trunc") \
	X(P, align,            0x054,    4, INT,   2, "align") \
	X(P, page_size,        0x058,    4, INT,   4, "page_size") \
	X(P, page_struct_size, 0x05c,    2, INT,   4, "page_struct_size") \
	X(P, padding,          0x05e, 3994, BYTES, 0, NULL) \
	X(P, checksum,         0xff8,    8, INT,   0, NULL)
enum { PS_PFN_FIELDS(PS_FIELD_CONST, PS_PFN) };
extern const struct ps_layout ps_pfn_layout;

enum ps_pfn_kind { PS_PFN_FSDAX = 1, PS_PFN_DEVDAX = 2 };
enum ps_pfn_mode { PS_PFN_MODE_NONE = 0, PS_PFN_MODE_RAM = 1, PS_PFN_MODE_PMEM = 2 };

struct ps_pfn_sb {
	enum ps_pfn_kind kind;
	uint8_t uuid[16];
	uint8_t parent_uuid[16];
	uint32_t flags;
	uint16_t version_major, version_minor;
	uint64_t dataoff;
	uint64_t npfns;
	uint32_t mode;
	/* As stored (0 where the version predates the field) ... */
	uint32_t start_pad, end_trunc, align, page_size;
	uint16_t page_struct_size;
	/* ... and as the kernel reads them after its version back-fill. */
	uint32_t eff_align;		/* 0 → largest power of two <= dataoff */
	uint32_t eff_page_size;		/* minor < 4 → 4096 */
	uint16_t eff_page_struct_size;	/* minor < 4 → 64 */
	uint64_t checksum;		/* stored */
	uint64_t checksum_calc;		/* computed */
	bool checksum_ok;
	bool padding_zero;
};

/*
 * Parse a 4096-byte info block. abs_off is the block's offset in the image
 * (for diagnostics). ns_size, if non-zero, is the namespace size the block
 * claims to describe; fields are then checked against it.
 * Returns PS_OK when the signature is one of the two (even if the block has
 * problems: they are in diags), PS_ENOTFOUND when not, PS_ETRUNC if len is
 * short of 4096.
 */
int ps_pfn_parse(const uint8_t *buf, size_t len, uint64_t abs_off,
		 uint64_t ns_size, struct ps_pfn_sb *sb, struct ps_diags *diags);

/* Serialise sb into a 4096-byte block with a correct checksum. Fields the
 * version does not have are written as zero. */
void ps_pfn_encode(const struct ps_pfn_sb *sb, uint8_t *out);

/* Where a block of this version_minor has its padding: from the end of
 * its last field (0x4c in 1.0 ... 0x5e in 1.4) up to the checksum. */
uint32_t ps_pfn_pad_start(unsigned version_minor);

const char *ps_pfn_kind_name(enum ps_pfn_kind k);
const char *ps_pfn_mode_name(uint32_t mode);

#endif
