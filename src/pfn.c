/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pfn.h"
#include "err.h"
#include "fletcher.h"
#include "le.h"
#include <string.h>

/* Field offsets in struct nd_pfn_sb (drivers/nvdimm/pfn.h). */
enum {
	O_SIG = 0x00, O_UUID = 0x10, O_PARENT = 0x20, O_FLAGS = 0x30,
	O_MAJOR = 0x34, O_MINOR = 0x36, O_DATAOFF = 0x38, O_NPFNS = 0x40,
	O_MODE = 0x48, O_START_PAD = 0x4c, O_END_TRUNC = 0x50, O_ALIGN = 0x54,
	O_PAGE_SIZE = 0x58, O_PSS = 0x5c, O_PAD = 0x5e, O_CSUM = 0xff8,
};

#define SZ_4K 4096u
#define SZ_8K 8192u

const char *ps_pfn_kind_name(enum ps_pfn_kind k)
{
	return k == PS_PFN_DEVDAX ? "devdax" : "fsdax";
}

const char *ps_pfn_mode_name(uint32_t mode)
{
	switch (mode) {
	case PS_PFN_MODE_NONE: return "none";
	case PS_PFN_MODE_RAM: return "ram";
	case PS_PFN_MODE_PMEM: return "pmem";
	default: return "invalid";
	}
}

static int is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

int ps_pfn_parse(const uint8_t *b, size_t len, uint64_t abs, uint64_t ns_size,
		 struct ps_pfn_sb *sb, struct ps_diags *d)
{
	memset(sb, 0, sizeof(*sb));
	if (len < 16)
		return PS_ETRUNC;
	if (memcmp(b + O_SIG, PS_PFN_SIG, 16) == 0)
		sb->kind = PS_PFN_FSDAX;
	else if (memcmp(b + O_SIG, PS_DAX_SIG, 16) == 0)
		sb->kind = PS_PFN_DEVDAX;
	else
		return PS_ENOTFOUND;
	if (len < PS_INFO_BLOCK_SIZE) {
		ps_diag_add(d, PS_SEV_ERR, abs, "signature",
			    "info block truncated: %zu of 4096 bytes present", len);
		return PS_ETRUNC;
	}

	memcpy(sb->uuid, b + O_UUID, 16);
	memcpy(sb->parent_uuid, b + O_PARENT, 16);
	sb->flags = ps_le32(b + O_FLAGS);
	sb->version_major = ps_le16(b + O_MAJOR);
	sb->version_minor = ps_le16(b + O_MINOR);
	sb->dataoff = ps_le64(b + O_DATAOFF);
	sb->npfns = ps_le64(b + O_NPFNS);
	sb->mode = ps_le32(b + O_MODE);
	unsigned minor = sb->version_minor;
	if (minor >= 1) {
		sb->start_pad = ps_le32(b + O_START_PAD);
		sb->end_trunc = ps_le32(b + O_END_TRUNC);
	}
	if (minor >= 2)
		sb->align = ps_le32(b + O_ALIGN);
	if (minor >= 4) {
		sb->page_size = ps_le32(b + O_PAGE_SIZE);
		sb->page_struct_size = ps_le16(b + O_PSS);
	}
	sb->checksum = ps_le64(b + O_CSUM);
	sb->checksum_calc = ps_fletcher64(b, PS_INFO_BLOCK_SIZE, O_CSUM, 8);
	sb->checksum_ok = sb->checksum == sb->checksum_calc;

	/* Padding starts where this version's fields end. */
	size_t pad_start = minor >= 4 ? O_PAD : minor >= 2 ? O_PAGE_SIZE :
			   minor == 1 ? O_ALIGN : O_START_PAD;
	sb->padding_zero = ps_is_zero(b + pad_start, O_CSUM - pad_start);

	/* The kernel's reader back-fill (nd_pfn_validate). */
	/* page_size 0 in a 1.4 block: missing; the layout is 4 KiB arithmetic
	 * either way (the kernel only refuses page_size > PAGE_SIZE). */
	sb->eff_page_size = minor >= 4 && sb->page_size ? sb->page_size : SZ_4K;
	sb->eff_page_struct_size = minor >= 4 ? sb->page_struct_size : 64;
	sb->eff_align = sb->align;
	if (!sb->eff_align && sb->dataoff) {
		uint64_t a = 1;
		while (a <= sb->dataoff / 2 && a < (1ull << 31))
			a <<= 1;
		sb->eff_align = (uint32_t)a;
	}

	if (!sb->checksum_ok)
		ps_diag_add(d, PS_SEV_ERR, abs + O_CSUM, "checksum",
			    "checksum mismatch: stored 0x%016llx, computed 0x%016llx",
			    (unsigned long long)sb->checksum,
			    (unsigned long long)sb->checksum_calc);
	if (sb->version_major != 1)
		ps_diag_add(d, PS_SEV_WARN, abs + O_MAJOR, "version_major",
			    "version_major %u (Linux writes 1; not checked by the kernel)",
			    sb->version_major);
	if (minor > 4)
		ps_diag_add(d, PS_SEV_WARN, abs + O_MINOR, "version_minor",
			    "unknown version_minor %u (newest known is 4); read as 4",
			    minor);
	if (sb->flags)
		ps_diag_add(d, minor >= 3 ? PS_SEV_WARN : PS_SEV_INFO,
			    abs + O_FLAGS, "flags",
			    "flags 0x%x set (Linux never sets flags)", sb->flags);
	if (!sb->padding_zero)
		ps_diag_add(d, minor >= 3 ? PS_SEV_WARN : PS_SEV_INFO,
			    abs + pad_start, "padding",
			    "padding is not zero%s", minor >= 3 ?
			    " (version 1.3+ guarantees zero)" :
			    " (kernels before 5.3 left stale bytes here)");
	if (sb->mode != PS_PFN_MODE_RAM && sb->mode != PS_PFN_MODE_PMEM)
		ps_diag_add(d, PS_SEV_ERR, abs + O_MODE, "mode",
			    "mode %u is neither 1 (ram) nor 2 (pmem); the kernel refuses it (ENXIO)",
			    sb->mode);
	if (sb->dataoff % SZ_4K)
		ps_diag_add(d, PS_SEV_ERR, abs + O_DATAOFF, "dataoff",
			    "dataoff 0x%llx is not page aligned",
			    (unsigned long long)sb->dataoff);
	if (sb->mode == PS_PFN_MODE_PMEM && sb->dataoff < SZ_8K)
		ps_diag_add(d, PS_SEV_ERR, abs + O_DATAOFF, "dataoff",
			    "dataoff 0x%llx leaves no room for the info block and memmap (pmem mode needs >= 8 KiB)",
			    (unsigned long long)sb->dataoff);
	if (sb->mode == PS_PFN_MODE_RAM && sb->dataoff < SZ_8K)
		ps_diag_add(d, PS_SEV_ERR, abs + O_DATAOFF, "dataoff",
			    "dataoff 0x%llx is below the 8 KiB info-block reserve (ram mode)",
			    (unsigned long long)sb->dataoff);
	if (minor >= 2 && sb->align && !is_pow2(sb->align))
		ps_diag_add(d, PS_SEV_ERR, abs + O_ALIGN, "align",
			    "align 0x%x is not a power of two", sb->align);
	if (sb->kind == PS_PFN_DEVDAX && minor >= 2 && sb->align &&
	    sb->align != SZ_4K && sb->align != (2u << 20) && sb->align != (1u << 30))
		ps_diag_add(d, PS_SEV_WARN, abs + O_ALIGN, "align",
			    "devdax align 0x%x is not 4 KiB, 2 MiB or 1 GiB; an x86_64 kernel refuses it",
			    sb->align);
	if (minor >= 4) {
		if (!is_pow2(sb->page_size) || sb->page_size < SZ_4K)
			ps_diag_add(d, PS_SEV_ERR, abs + O_PAGE_SIZE, "page_size",
				    "page_size %u is not a power of two >= 4096",
				    sb->page_size);
		else if (sb->page_size > SZ_4K)
			ps_diag_add(d, PS_SEV_WARN, abs + O_PAGE_SIZE, "page_size",
				    "page_size %u: written by a kernel with larger pages; a 4 KiB-page kernel refuses it",
				    sb->page_size);
		if (sb->page_struct_size < 64)
			ps_diag_add(d, PS_SEV_ERR, abs + O_PSS, "page_struct_size",
				    "page_struct_size %u is below sizeof(struct page) (64)",
				    sb->page_struct_size);
	}
	if (minor >= 1 && (sb->start_pad % SZ_4K || sb->end_trunc % SZ_4K))
		ps_diag_add(d, PS_SEV_ERR, abs + (sb->start_pad % SZ_4K ? O_START_PAD : O_END_TRUNC),
			    sb->start_pad % SZ_4K ? "start_pad" : "end_trunc",
			    "start_pad 0x%x / end_trunc 0x%x not page aligned",
			    sb->start_pad, sb->end_trunc);

	if (ns_size) {
		uint64_t used = (uint64_t)sb->start_pad + sb->end_trunc;
		if (sb->dataoff >= ns_size)
			ps_diag_add(d, PS_SEV_ERR, abs + O_DATAOFF, "dataoff",
				    "dataoff 0x%llx is beyond the namespace size 0x%llx",
				    (unsigned long long)sb->dataoff,
				    (unsigned long long)ns_size);
		else if (used >= ns_size - sb->dataoff)
			ps_diag_add(d, PS_SEV_ERR, abs + O_START_PAD, "start_pad",
				    "start_pad 0x%x + end_trunc 0x%x + dataoff 0x%llx leave no data in a 0x%llx-byte namespace",
				    sb->start_pad, sb->end_trunc,
				    (unsigned long long)sb->dataoff,
				    (unsigned long long)ns_size);
		else if (sb->eff_page_size >= SZ_4K && is_pow2(sb->eff_page_size)) {
			uint64_t want = (ns_size - used - sb->dataoff) / sb->eff_page_size;
			if (sb->npfns > want)
				ps_diag_add(d, PS_SEV_WARN, abs + O_NPFNS, "npfns",
					    "npfns %llu exceeds the %llu pages that fit (namespace truncated?)",
					    (unsigned long long)sb->npfns,
					    (unsigned long long)want);
		}
		if (sb->align && sb->align > ns_size)
			ps_diag_add(d, PS_SEV_ERR, abs + O_ALIGN, "align",
				    "align 0x%x exceeds the namespace size", sb->align);
	}
	return PS_OK;
}

void ps_pfn_encode(const struct ps_pfn_sb *sb, uint8_t *b)
{
	memset(b, 0, PS_INFO_BLOCK_SIZE);
	memcpy(b + O_SIG, sb->kind == PS_PFN_DEVDAX ? PS_DAX_SIG : PS_PFN_SIG, 16);
	memcpy(b + O_UUID, sb->uuid, 16);
	memcpy(b + O_PARENT, sb->parent_uuid, 16);
	ps_put_le32(b + O_FLAGS, sb->flags);
	ps_put_le16(b + O_MAJOR, sb->version_major);
	ps_put_le16(b + O_MINOR, sb->version_minor);
	ps_put_le64(b + O_DATAOFF, sb->dataoff);
	ps_put_le64(b + O_NPFNS, sb->npfns);
	ps_put_le32(b + O_MODE, sb->mode);
	if (sb->version_minor >= 1) {
		ps_put_le32(b + O_START_PAD, sb->start_pad);
		ps_put_le32(b + O_END_TRUNC, sb->end_trunc);
	}
	if (sb->version_minor >= 2)
		ps_put_le32(b + O_ALIGN, sb->align);
	if (sb->version_minor >= 4) {
		ps_put_le32(b + O_PAGE_SIZE, sb->page_size);
		ps_put_le16(b + O_PSS, sb->page_struct_size);
	}
	ps_put_le64(b + O_CSUM, ps_fletcher64(b, PS_INFO_BLOCK_SIZE, O_CSUM, 8));
}
