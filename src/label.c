/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One index block, one label: their field tables (label.h), parsers and
 * the label encoder, the sequence-number rules and the area geometry.
 * Facts used here were checked in the kernel's drivers/nvdimm/label.[ch]
 * (v4.17-era and current), ndctl's ndctl/dimm.c and ndctl/lib/dimm.c;
 * see docs in label.h.
 */
#include "label.h"
#include "err.h"
#include "fletcher.h"
#include "le.h"
#include "units.h"
#include <stdio.h>
#include <string.h>

PS_NSINDEX_FIELDS(PS_FIELD_CHECK, PS_NSINDEX)
PS_NSLABEL_FIELDS(PS_FIELD_CHECK, PS_NSLABEL)
_Static_assert(PS_NSINDEX_OFF_free == PS_NSINDEX_SIZE,
	       "the free bitmap follows the 72-byte header");
_Static_assert(PS_NSLABEL_OFF_checksum + PS_NSLABEL_LEN_checksum == PS_NSLABEL_SIZE,
	       "the checksum ends a v1.2 label");
_Static_assert(PS_NSLABEL_OFF_slot + PS_NSLABEL_LEN_slot <= PS_NSLABEL_V11_SIZE,
	       "every v1.1 field lies in 128 bytes");

static const struct ps_field nsindex_fields[] = {
	PS_NSINDEX_FIELDS(PS_FIELD_ENTRY, PS_NSINDEX)
};
const struct ps_layout ps_nsindex_layout =
	PS_LAYOUT(PS_NSINDEX, "nd_namespace_index", nsindex_fields);
static const struct ps_field nslabel_fields[] = {
	PS_NSLABEL_FIELDS(PS_FIELD_ENTRY, PS_NSLABEL)
};
const struct ps_layout ps_nslabel_layout =
	PS_LAYOUT(PS_NSLABEL, "nvdimm_efi_label", nslabel_fields);

/* Field f of the index block or label at b, and f's image offset and
 * name for a diagnostic (abs: where b lies in the image). */
#define ILOAD(f, dst) PS_FIELD_LOAD(PS_NSINDEX, b, f, dst)
#define LLOAD(f, dst) PS_FIELD_LOAD(PS_NSLABEL, b, f, dst)
#define LSTORE(f, src) PS_FIELD_STORE(PS_NSLABEL, b, f, src)
#define IAT(f) PS_FIELD_AT(PS_NSINDEX, abs, f)
#define LAT(f) PS_FIELD_AT(PS_NSLABEL, abs, f)

/* Abstraction GUIDs in on-media (guid_t) byte order, from label.h text. */
static const uint8_t guid_btt[16] = { 0xa2, 0x63, 0xed, 0x8a, 0xa2, 0x29, 0x66, 0x4c,
	0x8b, 0x12, 0xf0, 0x5d, 0x15, 0xd3, 0x92, 0x2a };
static const uint8_t guid_btt2[16] = { 0xfc, 0x3b, 0x63, 0x18, 0x35, 0x17, 0x17, 0x42,
	0x8a, 0xc9, 0x17, 0x23, 0x92, 0x82, 0xd3, 0xf8 };
static const uint8_t guid_pfn[16] = { 0xba, 0x00, 0x64, 0x26, 0x9f, 0xfb, 0x77, 0x46,
	0xbc, 0xb0, 0x96, 0x8f, 0x11, 0xd0, 0xd2, 0x25 };
static const uint8_t guid_dax[16] = { 0x9c, 0x6d, 0xa8, 0x97, 0xdd, 0x3c, 0xda, 0x4e,
	0x98, 0x6f, 0x50, 0x68, 0xb4, 0xf8, 0x00, 0x88 };

const char *ps_claim_name(enum ps_claim c)
{
	switch (c) {
	case PS_CLAIM_NONE: return "none";
	case PS_CLAIM_BTT: return "btt";
	case PS_CLAIM_BTT2: return "btt2";
	case PS_CLAIM_PFN: return "pfn";
	case PS_CLAIM_DAX: return "dax";
	case PS_CLAIM_V11: return "v1.1";
	default: return "unknown";
	}
}

const char *ps_lsa_why_name(enum ps_lsa_why w)
{
	switch (w) {
	case PS_LSA_ONLY_VALID: return "only valid index block";
	case PS_LSA_BEST_SEQ: return "both valid, newer sequence number";
	case PS_LSA_EQUAL_SEQ: return "both valid, equal sequence numbers (kernel takes index 1)";
	default: return "no valid index block";
	}
}


void ps_guid_str(const uint8_t g[16], char out[37])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x", g[3], g[2], g[1], g[0], g[5], g[4],
		 g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

static enum ps_claim claim_of(const uint8_t g[16])
{
	if (!memcmp(g, guid_btt, 16))
		return PS_CLAIM_BTT;
	if (!memcmp(g, guid_btt2, 16))
		return PS_CLAIM_BTT2;
	if (!memcmp(g, guid_pfn, 16))
		return PS_CLAIM_PFN;
	if (!memcmp(g, guid_dax, 16))
		return PS_CLAIM_DAX;
	if (ps_is_zero(g, 16))
		return PS_CLAIM_NONE;
	return PS_CLAIM_UNKNOWN;
}

static const uint8_t *claim_guid(enum ps_claim c)
{
	switch (c) {
	case PS_CLAIM_BTT: return guid_btt;
	case PS_CLAIM_BTT2: return guid_btt2;
	case PS_CLAIM_PFN: return guid_pfn;
	case PS_CLAIM_DAX: return guid_dax;
	default: return NULL;
	}
}

uint32_t ps_nsindex_next_seq(uint32_t seq)
{
	static const uint32_t next[4] = { 0, 2, 3, 1 };
	return next[seq & 3];
}

uint32_t ps_nsindex_best_seq(uint32_t a, uint32_t b)
{
	a &= 3;
	b &= 3;
	if (a == 0 || a == b)
		return b;
	if (b == 0)
		return a;
	if (ps_nsindex_next_seq(a) == b)
		return b;
	return a;
}

static uint64_t index_size_for(uint64_t nslot)
{
	return ps_align_up(PS_NSINDEX_HDR + (nslot + 7) / 8, PS_NSINDEX_ALIGN);
}

int ps_lsa_geometry(uint64_t c, uint32_t lsz, bool old_formula,
		    uint64_t *index_size, uint32_t *nslot)
{
	*index_size = 0;
	*nslot = 0;
	if (!lsz || c > UINT32_MAX)
		return 0;
	uint64_t ns, isz;
	if (old_formula) {
		/* v4.x: nslot = config_size / (labelsize + 1) */
		ns = c / (lsz + 1);
		isz = index_size_for(ns);
		if (2 * isz > c - ns * lsz)
			return 0;
	} else {
		/* UEFI 2.7 (kernel >= 4.17): index sized from config/label,
		 * slots from what remains after both index blocks */
		uint64_t tmp = c / lsz;
		isz = index_size_for(tmp);
		if (2 * isz > c)
			return 0;
		ns = (c - 2 * isz) / lsz;
		if (ns < 2 || 2 * isz > c - ns * lsz)
			return 0;
	}
	*index_size = isz;
	*nslot = (uint32_t)ns;
	return 1;
}

/* ------------------------------------------------------------------ */
/* index block                                                          */

static uint32_t eff_label_size(uint16_t major, uint16_t minor, uint8_t raw)
{
	unsigned version = (unsigned)major * 100 + minor;
	if (version >= 102)
		return raw < 8 ? 128u << raw : 0;	/* 0: absurd size */
	return 128;
}

int ps_nsindex_parse(const uint8_t *b, size_t len, uint64_t abs, int which,
		     uint64_t config_size, uint32_t probe_lsz,
		     struct ps_nsindex *ix, struct ps_diags *d)
{
	memset(ix, 0, sizeof(*ix));
	ix->abs_off = abs;
	if (len < PS_NSINDEX_LEN_sig)
		return PS_ETRUNC;
	if (memcmp(b + PS_NSINDEX_OFF_sig, PS_NSINDEX_SIG, PS_NSINDEX_LEN_sig) != 0)
		return PS_ENOTFOUND;
	ix->sig_ok = true;
	if (len < PS_NSINDEX_SIZE) {
		ps_diag_add(d, PS_SEV_ERR, IAT(sig),
			    "index block truncated: %zu of %u header bytes present",
			    len, PS_NSINDEX_HDR);
		return PS_ETRUNC;
	}
	PS_FIELD_LOAD_BYTES(PS_NSINDEX, b, flags, ix->flags);
	/* read in every version: a v1.1 block with it set gets a note */
	ILOAD(labelsize, ix->labelsize_raw);
	ILOAD(seq, ix->seq);
	ILOAD(myoff, ix->myoff);
	ILOAD(mysize, ix->mysize);
	ILOAD(otheroff, ix->otheroff);
	ILOAD(labeloff, ix->labeloff);
	ILOAD(nslot, ix->nslot);
	ILOAD(major, ix->major);
	ILOAD(minor, ix->minor);
	ILOAD(checksum, ix->checksum);
	ix->label_size = eff_label_size(ix->major, ix->minor, ix->labelsize_raw);

	bool ok = true;
	uint32_t lsz = ix->label_size;

	if (ix->major != 1 || (ix->minor != 1 && ix->minor != 2))
		ps_diag_add(d, PS_SEV_WARN, IAT(major),
			    "version %u.%u (EFI label areas are 1.1 or 1.2%s)", ix->major, ix->minor,
			    ix->major == 2 ? "; 2.1 is a CXL label area, whose labels are not read here" : "");
	if (ix->minor < 2 && ix->major <= 1 && ix->labelsize_raw)
		ps_diag_add(d, PS_SEV_INFO, IAT(labelsize),
			    "labelsize byte %u ignored: version %u.%u implies 128-byte labels",
			    ix->labelsize_raw, ix->major, ix->minor);
	if (lsz != 128 && lsz != 256) {
		ps_diag_add(d, PS_SEV_ERR, IAT(labelsize),
			    "labelsize byte %u (%u-byte labels): the kernel only accepts 128 and 256",
			    ix->labelsize_raw, lsz);
		ok = false;
		lsz = 0;
	} else if (probe_lsz && lsz != probe_lsz) {
		ps_diag_add(d, PS_SEV_ERR, IAT(labelsize),
			    "index declares %u-byte labels, the label area is read with %u-byte labels",
			    lsz, probe_lsz);
		ok = false;
	}
	if (ix->flags[0] | ix->flags[1] | ix->flags[2])
		ps_diag_add(d, PS_SEV_WARN, IAT(flags),
			    "flags %02x%02x%02x are not zero", ix->flags[0],
			    ix->flags[1], ix->flags[2]);

	/* Which size does the checksum cover? The kernel uses its computed
	 * sizeof_namespace_index(config_size, labelsize); mysize must be in
	 * [72, that]. Without a config size, trust mysize within the buffer. */
	uint64_t isz = 0;
	if (config_size && lsz) {
		uint32_t ns;
		uint64_t cand[2];
		int nc = 0;
		if (ps_lsa_geometry(config_size, lsz, false, &cand[0], &ns))
			nc++;
		if (ps_lsa_geometry(config_size, lsz, true, &cand[nc], &ns) &&
		    (nc == 0 || cand[1] != cand[0]))
			nc++;
		if (!nc) {
			ps_diag_add(d, PS_SEV_ERR, abs, "mysize",
				    "a %llu-byte label area is too small for %u-byte labels",
				    (unsigned long long)config_size, lsz);
			ok = false;
		} else {
			isz = cand[0];
			/* pick the era whose index size makes the sum match */
			for (int k = 0; k < nc; k++) {
				if (cand[k] <= len &&
				    ps_fletcher64(b, cand[k], PS_NSINDEX_OFF_checksum,
						  PS_NSINDEX_LEN_checksum) == ix->checksum) {
					isz = cand[k];
					if (k)
						ps_diag_add(d, PS_SEV_INFO, IAT(mysize),
							    "index size %llu follows the pre-4.17 slot formula",
							    (unsigned long long)isz);
					break;
				}
			}
		}
	} else if (!config_size) {
		if (ix->mysize < PS_NSINDEX_HDR || ix->mysize > len ||
		    ix->mysize % PS_NSINDEX_ALIGN || ix->mysize > PS_LSA_MAX / 2) {
			ps_diag_add(d, PS_SEV_ERR, IAT(mysize),
				    "mysize %llu is not a multiple of 256 within the %zu bytes available",
				    (unsigned long long)ix->mysize, len);
			ok = false;
		} else {
			isz = ix->mysize;
		}
	}
	ix->size = isz;

	if (isz) {
		if (isz > len) {
			ps_diag_add(d, PS_SEV_ERR, abs, "mysize",
				    "index block truncated: %zu of %llu bytes present",
				    len, (unsigned long long)isz);
			ok = false;
		} else {
			ix->checksum_calc = ps_fletcher64(b, isz, PS_NSINDEX_OFF_checksum,
							  PS_NSINDEX_LEN_checksum);
			ix->checksum_ok = ix->checksum_calc == ix->checksum;
			if (!ix->checksum_ok) {
				ps_diag_add(d, PS_SEV_ERR, IAT(checksum),
					    "checksum mismatch: stored 0x%016llx, computed 0x%016llx over %llu bytes",
					    (unsigned long long)ix->checksum,
					    (unsigned long long)ix->checksum_calc,
					    (unsigned long long)isz);
				ok = false;
			}
		}
		ix->free_bytes = isz - PS_NSINDEX_OFF_free;
	}
	if ((ix->seq & 3) == 0) {
		/* an error, unless it is the pattern older kernels' init_labels()
		 * left (index 0 written with seq 0, the block otherwise sound) */
		ps_diag_add(d, ix->checksum_ok ? PS_SEV_WARN : PS_SEV_ERR, IAT(seq),
			    "sequence number 0x%x has low bits 0: the kernel ignores this block (older kernels initialised index 0 with seq 0)",
			    ix->seq);
		ok = false;
	} else if (ix->seq > 3) {
		ps_diag_add(d, PS_SEV_INFO, IAT(seq),
			    "sequence number 0x%x: only the low 2 bits count", ix->seq);
	}
	if (isz) {
		uint64_t want_my = which == 1 ? isz : 0;
		if (which >= 0 ? ix->myoff != want_my :
		    (ix->myoff != 0 && ix->myoff != isz)) {
			ps_diag_add(d, PS_SEV_ERR, IAT(myoff),
				    "myoff 0x%llx, expected 0x%llx",
				    (unsigned long long)ix->myoff,
				    (unsigned long long)want_my);
			ok = false;
		}
		uint64_t my = which >= 0 ? want_my : ix->myoff;
		uint64_t want_other = my == 0 ? isz : 0;
		if (ix->otheroff != want_other) {
			ps_diag_add(d, PS_SEV_ERR, IAT(otheroff),
				    "otheroff 0x%llx, expected 0x%llx",
				    (unsigned long long)ix->otheroff,
				    (unsigned long long)want_other);
			ok = false;
		}
		if (ix->labeloff != 2 * isz) {
			ps_diag_add(d, PS_SEV_ERR, IAT(labeloff),
				    "labeloff 0x%llx, expected 0x%llx (current kernels reject it)",
				    (unsigned long long)ix->labeloff,
				    (unsigned long long)(2 * isz));
			ok = false;
		}
		if (config_size && (ix->mysize > isz || ix->mysize < PS_NSINDEX_HDR)) {
			ps_diag_add(d, PS_SEV_ERR, IAT(mysize),
				    "mysize %llu is outside [72, %llu]",
				    (unsigned long long)ix->mysize,
				    (unsigned long long)isz);
			ok = false;
		} else if (config_size && ix->mysize != isz) {
			ps_diag_add(d, PS_SEV_WARN, IAT(mysize),
				    "mysize %llu, the kernel writes %llu",
				    (unsigned long long)ix->mysize,
				    (unsigned long long)isz);
		}
		if (lsz) {
			uint64_t need = (uint64_t)ix->nslot * lsz + 2 * isz;
			uint64_t cap = config_size ? config_size : (uint64_t)PS_LSA_MAX;
			if (need > cap) {
				ps_diag_add(d, PS_SEV_ERR, IAT(nslot),
					    "nslot %u: %u-byte slots after 2 index blocks need %llu bytes, the area has %llu",
					    ix->nslot, lsz, (unsigned long long)need,
					    (unsigned long long)cap);
				ok = false;
			}
			if (ix->nslot < 2)
				ps_diag_add(d, PS_SEV_WARN, IAT(nslot),
					    "nslot %u: UEFI 2.7 requires room for 2 labels",
					    ix->nslot);
			ix->config_size_est = need;
			/* bitmap must describe nslot bits. Bits at and beyond
			 * nslot: the kernel ignores them, and ndctl init-labels
			 * (76.1) writes the bitmap in whole 0xff bytes, setting
			 * the bits up to the next 64-bit boundary (nvdimm-formats.md "Observed on a real kernel":
			 * 2 past 510, 4 past 1020) -- not worth a word. Bits
			 * set past that boundary no known writer sets. */
			if (ix->free_bytes * 8 < ix->nslot) {
				ps_diag_add(d, PS_SEV_ERR, IAT(nslot),
					    "free bitmap (%llu bytes) too small for %u slots",
					    (unsigned long long)ix->free_bytes, ix->nslot);
				ok = false;
			} else if (isz <= len) {
				uint64_t stray = 0, first = 0;
				uint64_t from = ((uint64_t)ix->nslot + 63) / 64 * 64;
				for (uint64_t bit = from; bit < ix->free_bytes * 8; bit++) {
					if (b[PS_NSINDEX_OFF_free + bit / 8] & (1u << (bit % 8))) {
						if (!stray++)
							first = bit;
					}
				}
				if (stray)
					ps_diag_add(d, PS_SEV_WARN, abs + PS_NSINDEX_OFF_free + first / 8, "free",
						    "%llu free-bitmap bits past bit %llu are set (nslot %u; ndctl sets bits only up to there; the kernel ignores them)",
						    (unsigned long long)stray,
						    (unsigned long long)from - 1, ix->nslot);
			}
		}
	}
	ix->valid = ok;
	return PS_OK;
}

bool ps_nsindex_slot_free(const uint8_t *b, const struct ps_nsindex *ix, uint32_t slot)
{
	if (slot >= ix->nslot || (uint64_t)slot / 8 >= ix->free_bytes)
		return true;
	return (b[PS_NSINDEX_OFF_free + slot / 8] >> (slot % 8)) & 1;
}

/* ------------------------------------------------------------------ */
/* labels                                                               */

int ps_label_parse(const uint8_t *b, size_t len, uint64_t abs, uint32_t lsz,
		   uint32_t slot_index, struct ps_label *l, struct ps_diags *d)
{
	memset(l, 0, sizeof(*l));
	if (lsz != 128 && lsz != 256)
		return PS_EINVAL;
	l->label_size = lsz;
	if (len < lsz) {
		ps_diag_add(d, PS_SEV_ERR, abs, "slot",
			    "label truncated: %zu of %u bytes present", len, lsz);
		return PS_ETRUNC;
	}
	PS_FIELD_LOAD_BYTES(PS_NSLABEL, b, uuid, l->uuid);
	/* the name field need not hold a NUL: the struct has room for one */
	memcpy(l->name, b + PS_NSLABEL_OFF_name, PS_NSLABEL_LEN_name);
	l->name[PS_NSLABEL_LEN_name] = 0;
	LLOAD(flags, l->flags);
	LLOAD(nlabel, l->nlabel);
	LLOAD(position, l->position);
	LLOAD(isetcookie, l->isetcookie);
	LLOAD(lbasize, l->lbasize);
	LLOAD(dpa, l->dpa);
	LLOAD(rawsize, l->rawsize);
	LLOAD(slot, l->slot);
	l->checksum_ok = true;
	l->claim = PS_CLAIM_V11;
	if (lsz >= PS_NSLABEL_SIZE) {
		LLOAD(align, l->align);
		PS_FIELD_LOAD_BYTES(PS_NSLABEL, b, type_guid, l->type_guid);
		PS_FIELD_LOAD_BYTES(PS_NSLABEL, b, abstraction_guid, l->abstraction_guid);
		LLOAD(checksum, l->checksum);
		l->checksum_calc = ps_fletcher64(b, lsz, PS_NSLABEL_OFF_checksum,
						 PS_NSLABEL_LEN_checksum);
		l->checksum_ok = l->checksum == l->checksum_calc;
		l->claim = claim_of(l->abstraction_guid);
	}

	bool ok = true;
	if (slot_index != UINT32_MAX && l->slot != slot_index) {
		ps_diag_add(d, PS_SEV_ERR, LAT(slot),
			    "slot field %u, label sits in slot %u", l->slot, slot_index);
		ok = false;
	}
	if (l->dpa % SZ_4K) {
		ps_diag_add(d, PS_SEV_ERR, LAT(dpa),
			    "dpa 0x%llx is not 4 KiB aligned", (unsigned long long)l->dpa);
		ok = false;
	}
	if (l->rawsize % SZ_4K) {
		ps_diag_add(d, PS_SEV_ERR, LAT(rawsize),
			    "rawsize 0x%llx is not 4 KiB aligned",
			    (unsigned long long)l->rawsize);
		ok = false;
	}
	if (!l->checksum_ok) {
		ps_diag_add(d, PS_SEV_ERR, LAT(checksum),
			    "checksum mismatch: stored 0x%016llx, computed 0x%016llx",
			    (unsigned long long)l->checksum,
			    (unsigned long long)l->checksum_calc);
		ok = false;
	}
	uint64_t end;
	if (ps_add_ovf(l->dpa, l->rawsize, &end))
		ps_diag_add(d, PS_SEV_ERR, LAT(rawsize),
			    "dpa 0x%llx + rawsize 0x%llx overflows",
			    (unsigned long long)l->dpa, (unsigned long long)l->rawsize);
	if (!l->rawsize)
		ps_diag_add(d, PS_SEV_WARN, LAT(rawsize), "rawsize is 0");
	if (l->flags & ~0xfu)
		ps_diag_add(d, PS_SEV_WARN, LAT(flags),
			    "unknown flag bits 0x%x", l->flags & ~0xfu);
	if (l->flags & PS_NSLABEL_UPDATING)
		ps_diag_add(d, PS_SEV_INFO, LAT(flags),
			    "UPDATING set: an interrupted update, or a kernel that never cleared it (current kernels write every DIMM with UPDATING, then again with 0)");
	if ((l->flags & PS_NSLABEL_BTT) && lsz >= PS_NSLABEL_SIZE)
		ps_diag_add(d, PS_SEV_INFO, LAT(flags),
			    "BTT flag in a v1.2 label (deprecated; the abstraction guid decides)");
	if (!(l->flags & PS_NSLABEL_LOCAL) &&
	    (l->nlabel == 0 || l->position >= l->nlabel))
		ps_diag_add(d, PS_SEV_WARN, LAT(position),
			    "position %u with nlabel %u: not a usable pmem label",
			    l->position, l->nlabel);
	if (memchr(b + PS_NSLABEL_OFF_name, 0, PS_NSLABEL_LEN_name) == NULL)
		ps_diag_add(d, PS_SEV_WARN, LAT(name),
			    "name is not NUL-terminated");
	if (lsz >= PS_NSLABEL_SIZE && l->claim == PS_CLAIM_UNKNOWN) {
		char g[37];
		ps_guid_str(l->abstraction_guid, g);
		ps_diag_add(d, PS_SEV_WARN, LAT(abstraction_guid),
			    "unknown abstraction guid %s", g);
	}
	l->valid = ok;
	return PS_OK;
}

int ps_label_encode(const struct ps_label *l, uint32_t lsz, uint8_t *b)
{
	if (lsz != 128 && lsz != 256)
		return PS_EINVAL;
	memset(b, 0, lsz);
	PS_FIELD_STORE_BYTES(PS_NSLABEL, b, uuid, l->uuid);
	memcpy(b + PS_NSLABEL_OFF_name, l->name, strnlen(l->name, PS_NSLABEL_LEN_name));
	LSTORE(flags, l->flags);
	LSTORE(nlabel, l->nlabel);
	LSTORE(position, l->position);
	LSTORE(isetcookie, l->isetcookie);
	LSTORE(lbasize, l->lbasize);
	LSTORE(dpa, l->dpa);
	LSTORE(rawsize, l->rawsize);
	LSTORE(slot, l->slot);
	if (lsz >= PS_NSLABEL_SIZE) {
		LSTORE(align, l->align);
		PS_FIELD_STORE_BYTES(PS_NSLABEL, b, type_guid, l->type_guid);
		/* a known claim class writes its GUID; else the one given */
		const uint8_t *g = claim_guid(l->claim);
		memcpy(b + PS_NSLABEL_OFF_abstraction_guid, g ? g : l->abstraction_guid,
		       PS_NSLABEL_LEN_abstraction_guid);
		LSTORE(checksum, ps_fletcher64(b, lsz, PS_NSLABEL_OFF_checksum,
					       PS_NSLABEL_LEN_checksum));
	}
	return PS_OK;
}
