/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pfn.h"
#include "err.h"
#include "fletcher.h"
#include "le.h"
#include "units.h"
#include <string.h>

PS_PFN_FIELDS(PS_FIELD_CHECK, PS_PFN)
_Static_assert(PS_PFN_OFF_checksum + PS_PFN_LEN_checksum == PS_PFN_SIZE,
	       "the checksum ends the info block");

static const struct ps_field pfn_fields[] = { PS_PFN_FIELDS(PS_FIELD_ENTRY, PS_PFN) };
const struct ps_layout ps_pfn_layout = PS_LAYOUT(PS_PFN, "nd_pfn_sb", pfn_fields);

/*
 * Field f of the block b, for a block of version minor: a field the
 * version does not have is neither read (its bytes are that version's
 * padding) nor written. AT(f) is f's offset in the image and its name.
 */
#define HAS(f) PS_FIELD_IN(PS_PFN, f, minor)
#define LOAD(f, dst) do { if (HAS(f)) PS_FIELD_LOAD(PS_PFN, b, f, dst); } while (0)
#define STORE(f, src) do { if (HAS(f)) PS_FIELD_STORE(PS_PFN, b, f, src); } while (0)
#define AT(f) PS_FIELD_AT(PS_PFN, abs, f)

uint32_t ps_pfn_pad_start(unsigned minor)
{
	uint32_t end = 0;
	for (size_t i = 0; pfn_fields[i].off < PS_PFN_OFF_padding; i++)
		if (ps_field_in(&pfn_fields[i], minor))
			end = pfn_fields[i].off + pfn_fields[i].len;
	return end;
}

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
	if (len < PS_PFN_LEN_signature)
		return PS_ETRUNC;
	if (memcmp(b + PS_PFN_OFF_signature, PS_PFN_SIG, PS_PFN_LEN_signature) == 0)
		sb->kind = PS_PFN_FSDAX;
	else if (memcmp(b + PS_PFN_OFF_signature, PS_DAX_SIG, PS_PFN_LEN_signature) == 0)
		sb->kind = PS_PFN_DEVDAX;
	else
		return PS_ENOTFOUND;
	if (len < PS_PFN_SIZE) {
		ps_diag_add(d, PS_SEV_ERR, AT(signature),
			    "info block truncated: %zu of 4096 bytes present", len);
		return PS_ETRUNC;
	}

	PS_FIELD_LOAD(PS_PFN, b, version_minor, sb->version_minor);
	unsigned minor = sb->version_minor;
	PS_FIELD_LOAD_BYTES(PS_PFN, b, uuid, sb->uuid);
	PS_FIELD_LOAD_BYTES(PS_PFN, b, parent_uuid, sb->parent_uuid);
	LOAD(flags, sb->flags);
	LOAD(version_major, sb->version_major);
	LOAD(dataoff, sb->dataoff);
	LOAD(npfns, sb->npfns);
	LOAD(mode, sb->mode);
	LOAD(start_pad, sb->start_pad);
	LOAD(end_trunc, sb->end_trunc);
	LOAD(align, sb->align);
	LOAD(page_size, sb->page_size);
	LOAD(page_struct_size, sb->page_struct_size);
	LOAD(checksum, sb->checksum);
	sb->checksum_calc = ps_fletcher64(b, PS_PFN_SIZE, PS_PFN_OFF_checksum,
					  PS_PFN_LEN_checksum);
	sb->checksum_ok = sb->checksum == sb->checksum_calc;

	uint32_t pad = ps_pfn_pad_start(minor);
	sb->padding_zero = ps_is_zero(b + pad, PS_PFN_OFF_checksum - pad);

	/* The kernel's reader back-fill (nd_pfn_validate). */
	/* page_size 0 in a 1.4 block: missing; the layout is 4 KiB arithmetic
	 * either way (the kernel only refuses page_size > PAGE_SIZE). */
	sb->eff_page_size = HAS(page_size) && sb->page_size ? sb->page_size : SZ_4K;
	sb->eff_page_struct_size = HAS(page_struct_size) ? sb->page_struct_size : 64;
	sb->eff_align = sb->align;
	if (!sb->eff_align && sb->dataoff) {
		uint64_t a = 1;
		while (a <= sb->dataoff / 2 && a < (1ull << 31))
			a <<= 1;
		sb->eff_align = (uint32_t)a;
	}

	if (!sb->checksum_ok)
		ps_diag_add(d, PS_SEV_ERR, AT(checksum),
			    "checksum mismatch: stored 0x%016llx, computed 0x%016llx",
			    (unsigned long long)sb->checksum,
			    (unsigned long long)sb->checksum_calc);
	if (sb->version_major != 1)
		ps_diag_add(d, PS_SEV_WARN, AT(version_major),
			    "version_major %u (Linux writes 1; not checked by the kernel)",
			    sb->version_major);
	if (minor > 4)
		ps_diag_add(d, PS_SEV_WARN, AT(version_minor),
			    "unknown version_minor %u (newest known is 4); read as 4",
			    minor);
	if (sb->flags)
		ps_diag_add(d, minor >= 3 ? PS_SEV_WARN : PS_SEV_INFO, AT(flags),
			    "flags 0x%x set (Linux never sets flags)", sb->flags);
	if (!sb->padding_zero)
		ps_diag_add(d, minor >= 3 ? PS_SEV_WARN : PS_SEV_INFO,
			    abs + pad, "padding",
			    "padding is not zero%s", minor >= 3 ?
			    " (version 1.3+ guarantees zero)" :
			    " (kernels before 5.3 left stale bytes here)");
	if (sb->mode != PS_PFN_MODE_RAM && sb->mode != PS_PFN_MODE_PMEM)
		ps_diag_add(d, PS_SEV_ERR, AT(mode),
			    "mode %u is neither 1 (ram) nor 2 (pmem); the kernel refuses it (ENXIO)",
			    sb->mode);
	if (sb->dataoff % SZ_4K)
		ps_diag_add(d, PS_SEV_ERR, AT(dataoff),
			    "dataoff 0x%llx is not page aligned",
			    (unsigned long long)sb->dataoff);
	if (sb->mode == PS_PFN_MODE_PMEM && sb->dataoff < SZ_8K)
		ps_diag_add(d, PS_SEV_ERR, AT(dataoff),
			    "dataoff 0x%llx leaves no room for the info block and memmap (pmem mode needs >= 8 KiB)",
			    (unsigned long long)sb->dataoff);
	if (sb->mode == PS_PFN_MODE_RAM && sb->dataoff < SZ_8K)
		ps_diag_add(d, PS_SEV_ERR, AT(dataoff),
			    "dataoff 0x%llx is below the 8 KiB info-block reserve (ram mode)",
			    (unsigned long long)sb->dataoff);
	if (HAS(align) && sb->align && !is_pow2(sb->align))
		ps_diag_add(d, PS_SEV_ERR, AT(align),
			    "align 0x%x is not a power of two", sb->align);
	if (sb->kind == PS_PFN_DEVDAX && HAS(align) && sb->align &&
	    sb->align != SZ_4K && sb->align != (2u << 20) && sb->align != (1u << 30))
		ps_diag_add(d, PS_SEV_WARN, AT(align),
			    "devdax align 0x%x is not 4 KiB, 2 MiB or 1 GiB; an x86_64 kernel refuses it",
			    sb->align);
	if (HAS(page_size)) {
		if (!is_pow2(sb->page_size) || sb->page_size < SZ_4K)
			ps_diag_add(d, PS_SEV_ERR, AT(page_size),
				    "page_size %u is not a power of two >= 4096",
				    sb->page_size);
		else if (sb->page_size > SZ_4K)
			ps_diag_add(d, PS_SEV_WARN, AT(page_size),
				    "page_size %u: written by a kernel with larger pages; a 4 KiB-page kernel refuses it",
				    sb->page_size);
		if (sb->page_struct_size < 64)
			ps_diag_add(d, PS_SEV_ERR, AT(page_struct_size),
				    "page_struct_size %u is below sizeof(struct page) (64)",
				    sb->page_struct_size);
	}
	/* one diagnostic, on the first of the two that is misaligned */
#define PAD_MSG "start_pad 0x%x / end_trunc 0x%x not page aligned"
	if (HAS(start_pad) && sb->start_pad % SZ_4K)
		ps_diag_add(d, PS_SEV_ERR, AT(start_pad), PAD_MSG, sb->start_pad, sb->end_trunc);
	else if (HAS(end_trunc) && sb->end_trunc % SZ_4K)
		ps_diag_add(d, PS_SEV_ERR, AT(end_trunc), PAD_MSG, sb->start_pad, sb->end_trunc);
#undef PAD_MSG

	if (ns_size) {
		uint64_t used = (uint64_t)sb->start_pad + sb->end_trunc;
		if (sb->dataoff >= ns_size)
			ps_diag_add(d, PS_SEV_ERR, AT(dataoff),
				    "dataoff 0x%llx is beyond the namespace size 0x%llx",
				    (unsigned long long)sb->dataoff,
				    (unsigned long long)ns_size);
		else if (used >= ns_size - sb->dataoff)
			ps_diag_add(d, PS_SEV_ERR, AT(start_pad),
				    "start_pad 0x%x + end_trunc 0x%x + dataoff 0x%llx leave no data in a 0x%llx-byte namespace",
				    sb->start_pad, sb->end_trunc,
				    (unsigned long long)sb->dataoff,
				    (unsigned long long)ns_size);
		else if (sb->eff_page_size >= SZ_4K && is_pow2(sb->eff_page_size)) {
			uint64_t want = (ns_size - used - sb->dataoff) / sb->eff_page_size;
			if (sb->npfns > want)
				ps_diag_add(d, PS_SEV_WARN, AT(npfns),
					    "npfns %llu exceeds the %llu pages that fit (%s)",
					    (unsigned long long)sb->npfns,
					    (unsigned long long)want,
					    sb->checksum_ok ? "namespace truncated?" :
					    "npfns damaged? the checksum is wrong");
		}
		if (sb->align && sb->align > ns_size)
			ps_diag_add(d, PS_SEV_ERR, AT(align),
				    "align 0x%x exceeds the namespace size", sb->align);
	}
	return PS_OK;
}

void ps_pfn_encode(const struct ps_pfn_sb *sb, uint8_t *b)
{
	unsigned minor = sb->version_minor;
	memset(b, 0, PS_PFN_SIZE);
	memcpy(b + PS_PFN_OFF_signature, sb->kind == PS_PFN_DEVDAX ? PS_DAX_SIG : PS_PFN_SIG,
	       PS_PFN_LEN_signature);
	PS_FIELD_STORE_BYTES(PS_PFN, b, uuid, sb->uuid);
	PS_FIELD_STORE_BYTES(PS_PFN, b, parent_uuid, sb->parent_uuid);
	STORE(flags, sb->flags);
	STORE(version_major, sb->version_major);
	STORE(version_minor, sb->version_minor);
	STORE(dataoff, sb->dataoff);
	STORE(npfns, sb->npfns);
	STORE(mode, sb->mode);
	STORE(start_pad, sb->start_pad);
	STORE(end_trunc, sb->end_trunc);
	STORE(align, sb->align);
	STORE(page_size, sb->page_size);
	STORE(page_struct_size, sb->page_struct_size);
	STORE(checksum, ps_fletcher64(b, PS_PFN_SIZE, PS_PFN_OFF_checksum,
				      PS_PFN_LEN_checksum));
}
