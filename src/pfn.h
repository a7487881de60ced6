/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pfn (fsdax) and dax (devdax) info block, struct nd_pfn_sb. */
#ifndef PS_PFN_H
#define PS_PFN_H
#include "diag.h"
#include <stdbool.h>
#include <stdint.h>

#define PS_INFO_BLOCK_SIZE 4096u
#define PS_PFN_SIG "NVDIMM_PFN_INFO\0"
#define PS_DAX_SIG "NVDIMM_DAX_INFO\0"

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

const char *ps_pfn_kind_name(enum ps_pfn_kind k);
const char *ps_pfn_mode_name(uint32_t mode);

#endif
