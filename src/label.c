/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Namespace label storage area parsing, namespace rebuild and encoding.
 * Facts used here were checked in the kernel's drivers/nvdimm/label.[ch]
 * (v4.17-era and current), namespace_devs.c, ndctl's ndctl/dimm.c and
 * ndctl/lib/dimm.c, and QEMU's hw/mem/nvdimm.c; see docs in label.h.
 */
#include "label.h"
#include "err.h"
#include "fletcher.h"
#include "le.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* struct nd_namespace_index field offsets */
enum {
	I_SIG = 0x00, I_FLAGS = 0x10, I_LABELSIZE = 0x13, I_SEQ = 0x14,
	I_MYOFF = 0x18, I_MYSIZE = 0x20, I_OTHEROFF = 0x28, I_LABELOFF = 0x30,
	I_NSLOT = 0x38, I_MAJOR = 0x3c, I_MINOR = 0x3e, I_CSUM = 0x40,
	I_FREE = 0x48,
};

/* struct nvdimm_efi_label (v1.2) / nd_namespace_label (v1.1) offsets */
enum {
	L_UUID = 0x00, L_NAME = 0x10, L_FLAGS = 0x50, L_NLABEL = 0x54,
	L_POSITION = 0x56, L_COOKIE = 0x58, L_LBASIZE = 0x60, L_DPA = 0x68,
	L_RAWSIZE = 0x70, L_SLOT = 0x78, L_ALIGN = 0x7c, L_RESERVED = 0x7d,
	L_TYPE_GUID = 0x80, L_ABS_GUID = 0x90, L_RESERVED2 = 0xa0,
	L_CSUM = 0xf8,
};

#define SZ_4K 4096u

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

static void uuid_text(const uint8_t u[16], char out[37])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3], u[4], u[5],
		 u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
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
	if (len < 16)
		return PS_ETRUNC;
	if (memcmp(b + I_SIG, PS_NSINDEX_SIG, 16) != 0)
		return PS_ENOTFOUND;
	ix->sig_ok = true;
	if (len < PS_NSINDEX_HDR) {
		ps_diag_add(d, PS_SEV_ERR, abs, "sig",
			    "index block truncated: %zu of %u header bytes present",
			    len, PS_NSINDEX_HDR);
		return PS_ETRUNC;
	}
	memcpy(ix->flags, b + I_FLAGS, 3);
	ix->labelsize_raw = b[I_LABELSIZE];
	ix->seq = ps_le32(b + I_SEQ);
	ix->myoff = ps_le64(b + I_MYOFF);
	ix->mysize = ps_le64(b + I_MYSIZE);
	ix->otheroff = ps_le64(b + I_OTHEROFF);
	ix->labeloff = ps_le64(b + I_LABELOFF);
	ix->nslot = ps_le32(b + I_NSLOT);
	ix->major = ps_le16(b + I_MAJOR);
	ix->minor = ps_le16(b + I_MINOR);
	ix->checksum = ps_le64(b + I_CSUM);
	ix->label_size = eff_label_size(ix->major, ix->minor, ix->labelsize_raw);

	bool ok = true;
	uint32_t lsz = ix->label_size;

	if (ix->major != 1 || (ix->minor != 1 && ix->minor != 2))
		ps_diag_add(d, PS_SEV_WARN, abs + I_MAJOR, "major",
			    "version %u.%u (EFI label areas are 1.1 or 1.2%s)", ix->major, ix->minor,
			    ix->major == 2 ? "; 2.1 is a CXL label area, whose labels are not read here" : "");
	if (ix->minor < 2 && ix->major <= 1 && ix->labelsize_raw)
		ps_diag_add(d, PS_SEV_INFO, abs + I_LABELSIZE, "labelsize",
			    "labelsize byte %u ignored: version %u.%u implies 128-byte labels",
			    ix->labelsize_raw, ix->major, ix->minor);
	if (lsz != 128 && lsz != 256) {
		ps_diag_add(d, PS_SEV_ERR, abs + I_LABELSIZE, "labelsize",
			    "labelsize byte %u (%u-byte labels): the kernel only accepts 128 and 256",
			    ix->labelsize_raw, lsz);
		ok = false;
		lsz = 0;
	} else if (probe_lsz && lsz != probe_lsz) {
		ps_diag_add(d, PS_SEV_ERR, abs + I_LABELSIZE, "labelsize",
			    "index declares %u-byte labels, the label area is read with %u-byte labels",
			    lsz, probe_lsz);
		ok = false;
	}
	if (ix->flags[0] | ix->flags[1] | ix->flags[2])
		ps_diag_add(d, PS_SEV_WARN, abs + I_FLAGS, "flags",
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
				    ps_fletcher64(b, cand[k], I_CSUM, 8) == ix->checksum) {
					isz = cand[k];
					if (k)
						ps_diag_add(d, PS_SEV_INFO, abs + I_MYSIZE, "mysize",
							    "index size %llu follows the pre-4.17 slot formula",
							    (unsigned long long)isz);
					break;
				}
			}
		}
	} else if (!config_size) {
		if (ix->mysize < PS_NSINDEX_HDR || ix->mysize > len ||
		    ix->mysize % PS_NSINDEX_ALIGN || ix->mysize > PS_LSA_MAX / 2) {
			ps_diag_add(d, PS_SEV_ERR, abs + I_MYSIZE, "mysize",
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
			ix->checksum_calc = ps_fletcher64(b, isz, I_CSUM, 8);
			ix->checksum_ok = ix->checksum_calc == ix->checksum;
			if (!ix->checksum_ok) {
				ps_diag_add(d, PS_SEV_ERR, abs + I_CSUM, "checksum",
					    "checksum mismatch: stored 0x%016llx, computed 0x%016llx over %llu bytes",
					    (unsigned long long)ix->checksum,
					    (unsigned long long)ix->checksum_calc,
					    (unsigned long long)isz);
				ok = false;
			}
		}
		ix->free_bytes = isz - I_FREE;
	}
	if ((ix->seq & 3) == 0) {
		/* an error, unless it is the pattern older kernels' init_labels()
		 * left (index 0 written with seq 0, the block otherwise sound) */
		ps_diag_add(d, ix->checksum_ok ? PS_SEV_WARN : PS_SEV_ERR, abs + I_SEQ, "seq",
			    "sequence number 0x%x has low bits 0: the kernel ignores this block (older kernels initialised index 0 with seq 0)",
			    ix->seq);
		ok = false;
	} else if (ix->seq > 3) {
		ps_diag_add(d, PS_SEV_INFO, abs + I_SEQ, "seq",
			    "sequence number 0x%x: only the low 2 bits count", ix->seq);
	}
	if (isz) {
		uint64_t want_my = which == 1 ? isz : 0;
		if (which >= 0 ? ix->myoff != want_my :
		    (ix->myoff != 0 && ix->myoff != isz)) {
			ps_diag_add(d, PS_SEV_ERR, abs + I_MYOFF, "myoff",
				    "myoff 0x%llx, expected 0x%llx",
				    (unsigned long long)ix->myoff,
				    (unsigned long long)want_my);
			ok = false;
		}
		uint64_t my = which >= 0 ? want_my : ix->myoff;
		uint64_t want_other = my == 0 ? isz : 0;
		if (ix->otheroff != want_other) {
			ps_diag_add(d, PS_SEV_ERR, abs + I_OTHEROFF, "otheroff",
				    "otheroff 0x%llx, expected 0x%llx",
				    (unsigned long long)ix->otheroff,
				    (unsigned long long)want_other);
			ok = false;
		}
		if (ix->labeloff != 2 * isz) {
			ps_diag_add(d, PS_SEV_ERR, abs + I_LABELOFF, "labeloff",
				    "labeloff 0x%llx, expected 0x%llx (current kernels reject it)",
				    (unsigned long long)ix->labeloff,
				    (unsigned long long)(2 * isz));
			ok = false;
		}
		if (config_size && (ix->mysize > isz || ix->mysize < PS_NSINDEX_HDR)) {
			ps_diag_add(d, PS_SEV_ERR, abs + I_MYSIZE, "mysize",
				    "mysize %llu is outside [72, %llu]",
				    (unsigned long long)ix->mysize,
				    (unsigned long long)isz);
			ok = false;
		} else if (config_size && ix->mysize != isz) {
			ps_diag_add(d, PS_SEV_WARN, abs + I_MYSIZE, "mysize",
				    "mysize %llu, the kernel writes %llu",
				    (unsigned long long)ix->mysize,
				    (unsigned long long)isz);
		}
		if (lsz) {
			uint64_t need = (uint64_t)ix->nslot * lsz + 2 * isz;
			uint64_t cap = config_size ? config_size : (uint64_t)PS_LSA_MAX;
			if (need > cap) {
				ps_diag_add(d, PS_SEV_ERR, abs + I_NSLOT, "nslot",
					    "nslot %u: %u-byte slots after 2 index blocks need %llu bytes, the area has %llu",
					    ix->nslot, lsz, (unsigned long long)need,
					    (unsigned long long)cap);
				ok = false;
			}
			if (ix->nslot < 2)
				ps_diag_add(d, PS_SEV_WARN, abs + I_NSLOT, "nslot",
					    "nslot %u: UEFI 2.7 requires room for 2 labels",
					    ix->nslot);
			ix->config_size_est = need;
			/* bitmap must describe nslot bits; bits beyond are zero */
			if (ix->free_bytes * 8 < ix->nslot) {
				ps_diag_add(d, PS_SEV_ERR, abs + I_NSLOT, "nslot",
					    "free bitmap (%llu bytes) too small for %u slots",
					    (unsigned long long)ix->free_bytes, ix->nslot);
				ok = false;
			} else if (isz <= len) {
				uint64_t stray = 0, first = 0;
				for (uint64_t bit = ix->nslot; bit < ix->free_bytes * 8; bit++) {
					if (b[I_FREE + bit / 8] & (1u << (bit % 8))) {
						if (!stray++)
							first = bit;
					}
				}
				if (stray)
					ps_diag_add(d, PS_SEV_WARN, abs + I_FREE + first / 8, "free",
						    "%llu free-bitmap bits at or beyond nslot %u are set (must be zero)",
						    (unsigned long long)stray, ix->nslot);
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
	return (b[I_FREE + slot / 8] >> (slot % 8)) & 1;
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
	memcpy(l->uuid, b + L_UUID, 16);
	memcpy(l->name, b + L_NAME, 64);
	l->name[64] = 0;
	l->flags = ps_le32(b + L_FLAGS);
	l->nlabel = ps_le16(b + L_NLABEL);
	l->position = ps_le16(b + L_POSITION);
	l->isetcookie = ps_le64(b + L_COOKIE);
	l->lbasize = ps_le64(b + L_LBASIZE);
	l->dpa = ps_le64(b + L_DPA);
	l->rawsize = ps_le64(b + L_RAWSIZE);
	l->slot = ps_le32(b + L_SLOT);
	l->checksum_ok = true;
	l->claim = PS_CLAIM_V11;
	if (lsz >= 256) {
		l->align = b[L_ALIGN];
		memcpy(l->type_guid, b + L_TYPE_GUID, 16);
		memcpy(l->abstraction_guid, b + L_ABS_GUID, 16);
		l->checksum = ps_le64(b + L_CSUM);
		l->checksum_calc = ps_fletcher64(b, lsz, L_CSUM, 8);
		l->checksum_ok = l->checksum == l->checksum_calc;
		l->claim = claim_of(l->abstraction_guid);
	}

	bool ok = true;
	if (slot_index != UINT32_MAX && l->slot != slot_index) {
		ps_diag_add(d, PS_SEV_ERR, abs + L_SLOT, "slot",
			    "slot field %u, label sits in slot %u", l->slot, slot_index);
		ok = false;
	}
	if (l->dpa % SZ_4K) {
		ps_diag_add(d, PS_SEV_ERR, abs + L_DPA, "dpa",
			    "dpa 0x%llx is not 4 KiB aligned", (unsigned long long)l->dpa);
		ok = false;
	}
	if (l->rawsize % SZ_4K) {
		ps_diag_add(d, PS_SEV_ERR, abs + L_RAWSIZE, "rawsize",
			    "rawsize 0x%llx is not 4 KiB aligned",
			    (unsigned long long)l->rawsize);
		ok = false;
	}
	if (!l->checksum_ok) {
		ps_diag_add(d, PS_SEV_ERR, abs + L_CSUM, "checksum",
			    "checksum mismatch: stored 0x%016llx, computed 0x%016llx",
			    (unsigned long long)l->checksum,
			    (unsigned long long)l->checksum_calc);
		ok = false;
	}
	uint64_t end;
	if (ps_add_ovf(l->dpa, l->rawsize, &end))
		ps_diag_add(d, PS_SEV_ERR, abs + L_RAWSIZE, "rawsize",
			    "dpa 0x%llx + rawsize 0x%llx overflows",
			    (unsigned long long)l->dpa, (unsigned long long)l->rawsize);
	if (!l->rawsize)
		ps_diag_add(d, PS_SEV_WARN, abs + L_RAWSIZE, "rawsize", "rawsize is 0");
	if (l->flags & ~0xfu)
		ps_diag_add(d, PS_SEV_WARN, abs + L_FLAGS, "flags",
			    "unknown flag bits 0x%x", l->flags & ~0xfu);
	if (l->flags & PS_NSLABEL_UPDATING)
		ps_diag_add(d, PS_SEV_INFO, abs + L_FLAGS, "flags",
			    "UPDATING set: an interrupted update, or a kernel that never cleared it (current kernels write every DIMM with UPDATING, then again with 0)");
	if ((l->flags & PS_NSLABEL_BTT) && lsz >= 256)
		ps_diag_add(d, PS_SEV_INFO, abs + L_FLAGS, "flags",
			    "BTT flag in a v1.2 label (deprecated; the abstraction guid decides)");
	if (!(l->flags & PS_NSLABEL_LOCAL) &&
	    (l->nlabel == 0 || l->position >= l->nlabel))
		ps_diag_add(d, PS_SEV_WARN, abs + L_POSITION, "position",
			    "position %u with nlabel %u: not a usable pmem label",
			    l->position, l->nlabel);
	if (memchr(b + L_NAME, 0, 64) == NULL)
		ps_diag_add(d, PS_SEV_WARN, abs + L_NAME, "name",
			    "name is not NUL-terminated");
	if (lsz >= 256 && l->claim == PS_CLAIM_UNKNOWN) {
		char g[37];
		ps_guid_str(l->abstraction_guid, g);
		ps_diag_add(d, PS_SEV_WARN, abs + L_ABS_GUID, "abstraction_guid",
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
	memcpy(b + L_UUID, l->uuid, 16);
	memcpy(b + L_NAME, l->name, strnlen(l->name, 64));
	ps_put_le32(b + L_FLAGS, l->flags);
	ps_put_le16(b + L_NLABEL, l->nlabel);
	ps_put_le16(b + L_POSITION, l->position);
	ps_put_le64(b + L_COOKIE, l->isetcookie);
	ps_put_le64(b + L_LBASIZE, l->lbasize);
	ps_put_le64(b + L_DPA, l->dpa);
	ps_put_le64(b + L_RAWSIZE, l->rawsize);
	ps_put_le32(b + L_SLOT, l->slot);
	if (lsz >= 256) {
		b[L_ALIGN] = l->align;
		memcpy(b + L_TYPE_GUID, l->type_guid, 16);
		const uint8_t *g = claim_guid(l->claim);
		memcpy(b + L_ABS_GUID, g ? g : l->abstraction_guid, 16);
		ps_put_le64(b + L_CSUM, ps_fletcher64(b, lsz, L_CSUM, 8));
	}
	return PS_OK;
}

/* ------------------------------------------------------------------ */
/* whole LSA                                                            */

void ps_lsa_free(struct ps_lsa *lsa)
{
	free(lsa->recs);
	lsa->recs = NULL;
	lsa->nrecs = 0;
}

/* ndctl's guess (ndctl_dimm_sizeof_namespace_label): 256 only if more of
 * the two 256-byte-spaced headers say v1.2 than v1.1. */
static uint32_t ndctl_guess_lsz(const uint8_t *b, size_t len)
{
	int v1 = 0, v2 = 0;
	for (size_t off = 0; off < 2 * PS_NSINDEX_ALIGN; off += PS_NSINDEX_ALIGN) {
		if (off + PS_NSINDEX_HDR > len)
			break;
		if (ps_le16(b + off + I_MAJOR) == 1) {
			uint16_t mi = ps_le16(b + off + I_MINOR);
			if (mi == 1)
				v1++;
			else if (mi == 2)
				v2++;
		}
	}
	return v2 > v1 ? 256 : 128;
}

struct attempt {
	struct ps_nsindex ix[2];
	bool present[2];
	int nvalid;
	uint64_t isz;
	struct ps_diags d;
};

/* Validate both blocks as the kernel does for one probed label size. */
static void try_label_size(const uint8_t *b, size_t len, uint64_t abs,
			   uint32_t lsz, struct attempt *a)
{
	memset(a, 0, sizeof(*a));
	ps_diags_init(&a->d);
	uint64_t isz;
	uint32_t ns;
	if (!ps_lsa_geometry(len, lsz, false, &isz, &ns) &&
	    !ps_lsa_geometry(len, lsz, true, &isz, &ns))
		isz = PS_NSINDEX_ALIGN;	/* still look where blocks would be */
	a->isz = isz;
	for (int i = 0; i < 2; i++) {
		uint64_t off = i * isz;
		if (off >= len)
			continue;
		int rc = ps_nsindex_parse(b + off, len - off, abs + off, i, len, lsz,
					  &a->ix[i], &a->d);
		a->present[i] = rc == PS_OK || (rc == PS_ETRUNC && a->ix[i].sig_ok);
		if (rc == PS_ENOTFOUND)
			ps_diag_add(&a->d, PS_SEV_ERR, abs + off, "sig",
				    "index block %d: no NAMESPACE_INDEX signature", i);
		if (a->ix[i].valid)
			a->nvalid++;
	}
	/* an index written in the other era's geometry has a different
	 * block-1 offset: the kernel reads block 1 at the computed size
	 * only, so we do the same */
}

static int add_rec(struct ps_lsa *lsa, size_t *cap, uint32_t slot, uint64_t abs,
		   struct ps_label_rec **out)
{
	for (size_t i = 0; i < lsa->nrecs; i++)
		if (lsa->recs[i].abs_off == abs) {
			*out = &lsa->recs[i];
			return PS_OK;
		}
	if (lsa->nrecs == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct ps_label_rec *nr = realloc(lsa->recs, nc * sizeof(*nr));
		if (!nr)
			return PS_ENOMEM;
		lsa->recs = nr;
		*cap = nc;
	}
	struct ps_label_rec *r = &lsa->recs[lsa->nrecs++];
	memset(r, 0, sizeof(*r));
	r->slot = slot;
	r->abs_off = abs;
	*out = r;
	return PS_OK;
}

static int cmp_rec(const void *x, const void *y)
{
	const struct ps_label_rec *a = x, *b = y;
	return a->abs_off < b->abs_off ? -1 : a->abs_off > b->abs_off;
}

int ps_lsa_parse(const uint8_t *b, size_t len, uint64_t abs, struct ps_lsa *lsa,
		 struct ps_diags *d)
{
	memset(lsa, 0, sizeof(*lsa));
	lsa->abs_off = abs;
	lsa->size = len;
	lsa->current = -1;
	if (len < 2 * PS_NSINDEX_ALIGN) {
		ps_diag_add(d, PS_SEV_ERR, abs, "sig",
			    "label area truncated: %zu bytes, less than two index blocks", len);
		return PS_ETRUNC;
	}
	if (len > PS_LSA_MAX) {
		ps_diag_add(d, PS_SEV_ERR, abs, "sig",
			    "label area of %zu bytes exceeds the %u-byte limit", len, PS_LSA_MAX);
		return PS_ERANGE;
	}
	lsa->ndctl_label_size = ndctl_guess_lsz(b, len);

	/* nd_label_validate(): 128-byte labels first, then 256 */
	struct attempt at[2];
	const uint32_t sizes[2] = { 128, 256 };
	int pick = -1;
	for (int k = 0; k < 2; k++) {
		try_label_size(b, len, abs, sizes[k], &at[k]);
		if (pick < 0 && at[k].nvalid)
			pick = k;
	}
	bool any_sig = false;
	int show = pick;
	if (show < 0) {
		/* report the attempt matching what the headers declare */
		show = lsa->ndctl_label_size == 256 ? 1 : 0;
	}
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < 2; i++)
			any_sig |= at[k].present[i];
	struct attempt *a = &at[show];
	if (d)
		ps_diags_merge(d, &a->d);
	for (int k = 0; k < 2; k++)
		ps_diags_free(&at[k].d);
	lsa->index[0] = a->ix[0];
	lsa->index[1] = a->ix[1];
	lsa->index_present[0] = a->present[0];
	lsa->index_present[1] = a->present[1];
	lsa->index_size = a->isz;
	lsa->label_size = pick >= 0 ? sizes[pick] : lsa->ndctl_label_size;

	if (!any_sig) {
		ps_diag_add(d, PS_SEV_ERR, abs, "sig",
			    "no NAMESPACE_INDEX signature at 0 or at the second index block");
		return PS_ENOTFOUND;
	}

	const struct ps_nsindex *ix0 = &lsa->index[0], *ix1 = &lsa->index[1];
	if (ix0->valid && ix1->valid) {
		uint32_t best = ps_nsindex_best_seq(ix0->seq, ix1->seq);
		lsa->current = best == (ix1->seq & 3) ? 1 : 0;
		lsa->why = (ix0->seq & 3) == (ix1->seq & 3) ? PS_LSA_EQUAL_SEQ : PS_LSA_BEST_SEQ;
		if (lsa->why == PS_LSA_EQUAL_SEQ)
			ps_diag_add(d, PS_SEV_WARN, ix1->abs_off + I_SEQ, "seq",
				    "both index blocks have sequence number %u; the kernel uses index 1",
				    ix1->seq & 3);
	} else if (ix0->valid || ix1->valid) {
		lsa->current = ix0->valid ? 0 : 1;
		lsa->why = PS_LSA_ONLY_VALID;
		if (lsa->index_present[!lsa->current])
			ps_diag_add(d, PS_SEV_WARN, lsa->index[!lsa->current].abs_off, "sig",
				    "index block %d is invalid; the kernel uses index block %d",
				    !lsa->current, lsa->current);
	} else {
		lsa->why = PS_LSA_NO_INDEX;
		ps_diag_add(d, PS_SEV_ERR, abs, "sig",
			    "no valid index block: the kernel treats this DIMM as having no labels");
	}

	size_t cap = 0;
	uint32_t lsz = lsa->label_size;
	int rc;
	if (lsa->current >= 0) {
		const struct ps_nsindex *cur = &lsa->index[lsa->current];
		const struct ps_nsindex *oth = &lsa->index[!lsa->current];
		const uint8_t *cb = b + (cur->abs_off - abs);
		const uint8_t *ob = b + (oth->abs_off - abs);
		bool oth_ok = oth->valid && oth->nslot == cur->nslot;
		lsa->nslot = cur->nslot;

		/* disagreement between the copies (normal after an update:
		 * the non-current block is the state before it) */
		if (lsa->index_present[!lsa->current] && oth->valid) {
			if (oth->nslot != cur->nslot)
				ps_diag_add(d, PS_SEV_WARN, oth->abs_off + I_NSLOT, "nslot",
					    "index blocks disagree on nslot: %u (current) vs %u",
					    cur->nslot, oth->nslot);
			if (oth->free_bytes == cur->free_bytes &&
			    memcmp(cb + I_FREE, ob + I_FREE, cur->free_bytes)) {
				uint32_t added = 0, freed = 0;
				for (uint32_t s = 0; s < cur->nslot; s++) {
					bool fc = ps_nsindex_slot_free(cb, cur, s);
					bool fo = ps_nsindex_slot_free(ob, oth, s);
					added += !fc && fo;
					freed += fc && !fo;
				}
				ps_diag_add(d, PS_SEV_INFO, oth->abs_off + I_FREE, "free",
					    "free bitmaps differ: %u slot(s) in use only in the current block %d, %u only in the older block %d (labels freed by the last update may still be readable)",
					    added, lsa->current, freed, !lsa->current);
			}
		}

		uint64_t base = cur->labeloff;
		for (uint32_t s = 0; s < cur->nslot; s++) {
			uint64_t off = base + (uint64_t)s * lsz;
			bool fr = ps_nsindex_slot_free(cb, cur, s);
			bool fo = oth_ok ? ps_nsindex_slot_free(ob, oth, s) : true;
			if (fr && fo)
				continue;
			if (off + lsz > len) {
				ps_diag_add(d, PS_SEV_ERR, abs + off, "nslot",
					    "slot %u lies past the end of the %zu-byte area", s, len);
				break;
			}
			struct ps_label_rec *r;
			if ((rc = add_rec(lsa, &cap, s, abs + off, &r)))
				return rc;
			r->in_use = !fr;
			r->in_use_other = !fo;
			ps_label_parse(b + off, len - off, abs + off, lsz, s, &r->label,
				       r->in_use ? d : NULL);
			r->active = r->in_use && r->label.valid;
			if (!r->in_use && r->label.valid && !ps_is_zero(r->label.uuid, 16)) {
				char u[37];
				uuid_text(r->label.uuid, u);
				ps_diag_add(d, PS_SEV_INFO, abs + off, "free",
					    "slot %u is free in the current index but in use in the older one: label of %s freed by the last update",
					    s, u);
			}
			if (r->active)
				lsa->nactive++;
		}
	}

	/* What `ndctl read-labels` lists: from offset 512, its guessed label
	 * size, every slot whose slot field equals its index, to the end of
	 * the area, ignoring the free bitmap. */
	uint32_t nl = lsa->ndctl_label_size;
	if (lsa->current >= 0 &&
	    (lsa->index[lsa->current].labeloff != 2 * PS_NSINDEX_ALIGN || nl != lsz))
		ps_diag_add(d, PS_SEV_INFO, abs, "labeloff",
			    "ndctl read-labels would read %u-byte labels from offset 512, not %u-byte labels from 0x%llx",
			    nl, lsz, (unsigned long long)lsa->index[lsa->current].labeloff);
	for (uint64_t off = 2 * PS_NSINDEX_ALIGN, s = 0; off + nl <= len; off += nl, s++) {
		if (ps_le32(b + off + L_SLOT) != s)
			continue;
		struct ps_label_rec *r;
		if ((rc = add_rec(lsa, &cap, (uint32_t)s, abs + off, &r)))
			return rc;
		if (!r->in_use && !r->in_use_other)
			ps_label_parse(b + off, len - off, abs + off, nl, (uint32_t)s,
				       &r->label, NULL);
		r->ndctl_listed = true;
	}
	if (lsa->nrecs > 1)
		qsort(lsa->recs, lsa->nrecs, sizeof(*lsa->recs), cmp_rec);
	return lsa->current >= 0 ? PS_OK : PS_EFORMAT;
}

/* ------------------------------------------------------------------ */
/* encoder                                                              */

static void write_index(uint8_t *b, uint64_t isz, int which, uint32_t seq,
			uint32_t lsz, uint32_t nslot, const uint8_t *used)
{
	memset(b, 0, isz);
	memcpy(b + I_SIG, PS_NSINDEX_SIG, 16);
	b[I_LABELSIZE] = (uint8_t)(lsz >> 8);	/* 128 -> 0, 256 -> 1 */
	ps_put_le32(b + I_SEQ, seq);
	ps_put_le64(b + I_MYOFF, which ? isz : 0);
	ps_put_le64(b + I_MYSIZE, isz);
	ps_put_le64(b + I_OTHEROFF, which ? 0 : isz);
	ps_put_le64(b + I_LABELOFF, 2 * isz);
	ps_put_le32(b + I_NSLOT, nslot);
	ps_put_le16(b + I_MAJOR, 1);
	ps_put_le16(b + I_MINOR, lsz < 256 ? 1 : 2);
	for (uint32_t s = 0; s < nslot; s++)
		if (!used[s])
			b[I_FREE + s / 8] |= (uint8_t)(1u << (s % 8));
	ps_put_le64(b + I_CSUM, ps_fletcher64(b, isz, I_CSUM, 8));
}

int ps_lsa_format(uint8_t *buf, uint64_t c, uint32_t lsz, const struct ps_label *labels,
		  size_t n, const struct ps_lsa_layout *layout)
{
	struct ps_lsa_layout def = { { 3, 2 }, false };
	if (!layout)
		layout = &def;
	uint64_t isz;
	uint32_t nslot;
	if ((lsz != 128 && lsz != 256) ||
	    !ps_lsa_geometry(c, lsz, layout->old_nslot_formula, &isz, &nslot))
		return PS_EINVAL;
	uint8_t *used = calloc(nslot, 1);
	if (!used)
		return PS_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (labels[i].slot >= nslot || used[labels[i].slot]) {
			free(used);
			return PS_EINVAL;
		}
		used[labels[i].slot] = 1;
	}
	memset(buf, 0, c);
	for (int i = 0; i < 2; i++)
		write_index(buf + i * isz, isz, i, layout->seq[i], lsz, nslot, used);
	for (size_t i = 0; i < n; i++)
		ps_label_encode(&labels[i], lsz, buf + 2 * isz + (uint64_t)labels[i].slot * lsz);
	free(used);
	return PS_OK;
}

/* ------------------------------------------------------------------ */
/* namespaces                                                           */

void ps_ns_set_free(struct ps_ns_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->ns[i].extents);
	free(s->ns);
	s->ns = NULL;
	s->n = 0;
}

struct lref {
	size_t dimm;
	const struct ps_label_rec *r;
};

static int cmp_lref(const void *x, const void *y)
{
	const struct lref *a = x, *b = y;
	int c = memcmp(a->r->label.uuid, b->r->label.uuid, 16);
	if (c)
		return c;
	if (a->r->label.position != b->r->label.position)
		return a->r->label.position < b->r->label.position ? -1 : 1;
	if (a->dimm != b->dimm)
		return a->dimm < b->dimm ? -1 : 1;
	return a->r->slot < b->r->slot ? -1 : a->r->slot > b->r->slot;
}

int ps_label_namespaces(const struct ps_lsa *const *lsas, size_t n,
			const uint64_t *start_dpa, struct ps_ns_set *out,
			struct ps_diags *d)
{
	memset(out, 0, sizeof(*out));
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += lsas[i]->nactive;
	if (!total)
		return PS_OK;
	struct lref *v = calloc(total, sizeof(*v));
	uint64_t *mindpa = calloc(n ? n : 1, sizeof(*mindpa));
	if (!v || !mindpa) {
		free(v);
		free(mindpa);
		return PS_ENOMEM;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		mindpa[i] = UINT64_MAX;
		for (size_t j = 0; j < lsas[i]->nrecs; j++) {
			const struct ps_label_rec *r = &lsas[i]->recs[j];
			if (!r->active)
				continue;
			if (r->label.flags & PS_NSLABEL_LOCAL) {
				char u[37];
				uuid_text(r->label.uuid, u);
				ps_diag_add(d, PS_SEV_INFO, r->abs_off + L_FLAGS, "flags",
					    "DIMM %zu slot %u: blk (LOCAL) namespace %s, not rebuilt (blk support was removed from Linux in 5.18)",
					    i, r->slot, u);
				continue;
			}
			if (r->label.dpa < mindpa[i])
				mindpa[i] = r->label.dpa;
			v[k].dimm = i;
			v[k].r = r;
			k++;
		}
	}
	qsort(v, k, sizeof(*v), cmp_lref);

	int rc = PS_OK;
	size_t cap = 0;
	for (size_t s = 0; s < k;) {
		size_t e = s + 1;
		while (e < k && !memcmp(v[e].r->label.uuid, v[s].r->label.uuid, 16))
			e++;
		const struct ps_label *l0 = &v[s].r->label;
		char u[37];
		uuid_text(l0->uuid, u);
		if (out->n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct ps_namespace *nn = realloc(out->ns, nc * sizeof(*nn));
			if (!nn) {
				rc = PS_ENOMEM;
				break;
			}
			out->ns = nn;
			cap = nc;
		}
		struct ps_namespace *ns = &out->ns[out->n++];
		memset(ns, 0, sizeof(*ns));
		ns->extents = calloc(e - s, sizeof(*ns->extents));
		if (!ns->extents) {
			out->n--;
			rc = PS_ENOMEM;
			break;
		}
		memcpy(ns->uuid, l0->uuid, 16);
		ns->nlabel = l0->nlabel;
		ns->label_size = l0->label_size;
		ns->isetcookie = l0->isetcookie;
		bool complete = ns->nlabel > 0;
		bool cookie_mixed = false, nlabel_mixed = false, size_mixed = false;
		const struct ps_label *pos0 = NULL;
		size_t pos0_dimm = 0;
		for (size_t i = s; i < e; i++) {
			const struct ps_label *l = &v[i].r->label;
			struct ps_ns_extent *x = &ns->extents[ns->nextents++];
			x->dimm = v[i].dimm;
			x->position = l->position;
			x->slot = v[i].r->slot;
			x->dpa = l->dpa;
			x->rawsize = l->rawsize;
			uint64_t sum;
			if (ps_add_ovf(ns->size, l->rawsize, &sum))
				sum = UINT64_MAX;
			ns->size = sum;
			if (l->nlabel != ns->nlabel)
				nlabel_mixed = true;
			if (l->isetcookie != ns->isetcookie)
				cookie_mixed = true;
			if (l->rawsize != l0->rawsize)
				size_mixed = true;
			if (l->position == 0 && !pos0) {
				pos0 = l;
				pos0_dimm = v[i].dimm;
			}
			/* has_uuid_at_pos(): a second label of the uuid on one
			 * DIMM makes the kernel give up on the namespace */
			for (size_t j = s; j < i; j++)
				if (v[j].dimm == v[i].dimm) {
					ps_diag_add(d, PS_SEV_ERR, v[i].r->abs_off, "uuid",
						    "namespace %s: DIMM %zu holds two labels (slots %u and %u); the kernel rejects duplicate entries",
						    u, v[i].dimm, v[j].r->slot, v[i].r->slot);
					complete = false;
					break;
				}
		}
		if (nlabel_mixed) {
			ps_diag_add(d, PS_SEV_ERR, v[s].r->abs_off + L_NLABEL, "nlabel",
				    "namespace %s: labels disagree on nlabel", u);
			complete = false;
		}
		if (cookie_mixed)
			ps_diag_add(d, PS_SEV_WARN, v[s].r->abs_off + L_COOKIE, "isetcookie",
				    "namespace %s: labels carry different interleave-set cookies", u);
		size_t upd = 0;
		for (size_t i = s; i < e; i++)
			upd += !!(v[i].r->label.flags & PS_NSLABEL_UPDATING);
		if (upd && upd < e - s)
			ps_diag_add(d, PS_SEV_WARN, v[s].r->abs_off + L_FLAGS, "flags",
				    "namespace %s: UPDATING set on %zu of %zu labels: an update stopped between DIMMs",
				    u, upd, e - s);
		if (size_mixed && ns->nlabel > 1)
			ps_diag_add(d, PS_SEV_WARN, v[s].r->abs_off + L_RAWSIZE, "rawsize",
				    "namespace %s: rawsize differs between DIMMs of the interleave set", u);
		/* every position 0..nlabel-1 exactly once (extents are sorted
		 * by position) */
		if (!nlabel_mixed) {
			uint32_t want = 0, missing = 0, first_missing = 0;
			for (size_t i = 0; i < ns->nextents; i++) {
				uint32_t p = ns->extents[i].position;
				if (i && p == ns->extents[i - 1].position) {
					ps_diag_add(d, PS_SEV_ERR, v[s + i].r->abs_off + L_POSITION, "position",
						    "namespace %s: position %u appears more than once", u, p);
					complete = false;
					continue;
				}
				if (p >= ns->nlabel) {
					ps_diag_add(d, PS_SEV_ERR, v[s + i].r->abs_off + L_POSITION, "position",
						    "namespace %s: label position %u is beyond nlabel %u",
						    u, p, ns->nlabel);
					complete = false;
					continue;
				}
				if (p > want) {
					if (!missing)
						first_missing = want;
					missing += p - want;
				}
				want = p + 1;
			}
			if (want < ns->nlabel) {
				if (!missing)
					first_missing = want;
				missing += ns->nlabel - want;
			}
			if (missing) {
				ps_diag_add(d, PS_SEV_ERR, v[s].r->abs_off + L_POSITION, "position",
					    "namespace %s: %u of %u positions missing (first: %u); DIMM not given or label lost",
					    u, missing, ns->nlabel, first_missing);
				complete = false;
			}
		}
		ns->complete = complete;
		const struct ps_label *ref = pos0 ? pos0 : l0;
		memcpy(ns->name, ref->name, sizeof(ns->name));
		ns->claim = ref->claim;
		ns->flags = ref->flags;
		ns->lbasize = ref->lbasize;
		for (size_t i = s; i < e; i++) {
			const struct ps_label *l = &v[i].r->label;
			if (l->claim != ns->claim || strcmp(l->name, ns->name))
				ps_diag_add(d, PS_SEV_WARN, v[i].r->abs_off, "abstraction_guid",
					    "namespace %s: labels disagree on name or claim class", u);
		}
		if (pos0) {
			size_t dm = pos0_dimm;
			uint64_t sd = start_dpa && start_dpa[dm] != UINT64_MAX ? start_dpa[dm] : mindpa[dm];
			ns->region_offset_assumed = !(start_dpa && start_dpa[dm] != UINT64_MAX);
			uint64_t off;
			if (pos0->dpa < sd) {
				ps_diag_add(d, PS_SEV_ERR, v[s].r->abs_off + L_DPA, "dpa",
					    "namespace %s: dpa 0x%llx is below the region start dpa 0x%llx",
					    u, (unsigned long long)pos0->dpa, (unsigned long long)sd);
			} else if (ps_mul_ovf(pos0->dpa - sd, ns->nlabel ? ns->nlabel : 1, &off)) {
				ps_diag_add(d, PS_SEV_ERR, v[s].r->abs_off + L_DPA, "dpa",
					    "namespace %s: region offset overflows", u);
			} else {
				ns->region_offset = off;
			}
		}
		s = e;
	}
	free(v);
	free(mindpa);
	return rc;
}

/* ------------------------------------------------------------------ */
/* locating                                                             */

int ps_lsa_probe(const uint8_t *b, size_t len, uint64_t abs, struct ps_lsa_loc *loc)
{
	struct ps_nsindex ix;
	memset(loc, 0, sizeof(*loc));
	if (ps_nsindex_parse(b, len, abs, 0, 0, 0, &ix, NULL) == PS_OK && ix.valid) {
		loc->off = abs;
		loc->size = ix.config_size_est;
		loc->label_size = ix.label_size;
		loc->found_index = 0;
		loc->where = PS_LSA_AT_OFFSET;
		return PS_OK;
	}
	/* index 0 damaged: block 1 at +256, +512, ... names its own offset */
	for (uint64_t off = PS_NSINDEX_ALIGN; off + PS_NSINDEX_HDR <= len && off <= 64 * 1024;
	     off += PS_NSINDEX_ALIGN) {
		if (memcmp(b + off, PS_NSINDEX_SIG, 16))
			continue;
		if (ps_nsindex_parse(b + off, len - off, abs + off, 1, 0, 0, &ix, NULL) == PS_OK &&
		    ix.valid && ix.myoff == off && ix.mysize == off) {
			loc->off = abs;
			loc->size = ix.config_size_est;
			loc->label_size = ix.label_size;
			loc->found_index = 1;
			loc->where = PS_LSA_AT_OFFSET;
			return PS_OK;
		}
	}
	return PS_ENOTFOUND;
}

/* Does a kernel-valid index exist for an LSA of config size c at buf? */
static int valid_at(const uint8_t *b, size_t c, uint64_t abs, int *which, uint32_t *lsz)
{
	for (int k = 0; k < 2; k++) {
		uint32_t sz = k ? 256 : 128;
		struct attempt a;
		try_label_size(b, c, abs, sz, &a);
		ps_diags_free(&a.d);
		if (a.nvalid) {
			*which = a.ix[0].valid ? 0 : 1;
			*lsz = sz;
			return 1;
		}
	}
	return 0;
}

int ps_lsa_locate_tail(struct ps_src *src, struct ps_lsa_loc *loc)
{
	memset(loc, 0, sizeof(*loc));
	uint64_t size = src->size;
	if (size < PS_LSA_MIN)
		return PS_ENOTFOUND;
	uint64_t w = size < PS_LSA_TAIL_WINDOW ? size : PS_LSA_TAIL_WINDOW;
	uint64_t base = size - w;
	uint8_t *buf = malloc(w);
	if (!buf)
		return PS_ENOMEM;
	int rc = ps_src_pread(src, buf, w, base);
	if (rc) {
		free(buf);
		return rc;
	}
	/* Candidates: index 0 at size - L for L >= 1 KiB, a multiple of
	 * 256; nearest to the end first (smallest L). */
	rc = PS_ENOTFOUND;
	for (uint64_t lsa_len = PS_LSA_MIN; lsa_len <= w; lsa_len += PS_NSINDEX_ALIGN) {
		uint64_t p = w - lsa_len;
		int which;
		uint32_t lsz;
		bool sig0 = !memcmp(buf + p, PS_NSINDEX_SIG, 16);
		/* index 0 lost: block 1 lies 256 or more bytes later */
		bool sig1 = false;
		for (uint64_t o = PS_NSINDEX_ALIGN; !sig0 && o <= 4 * PS_NSINDEX_ALIGN &&
		     p + o + 16 <= w; o += PS_NSINDEX_ALIGN)
			if (!memcmp(buf + p + o, PS_NSINDEX_SIG, 16) &&
			    ps_le64(buf + p + o + I_MYOFF) == o)
				sig1 = true;
		if (!sig0 && !sig1)
			continue;
		if (valid_at(buf + p, lsa_len, base + p, &which, &lsz)) {
			loc->off = base + p;
			loc->size = lsa_len;
			loc->label_size = lsz;
			loc->found_index = which;
			loc->where = base + p == 0 ? PS_LSA_AT_START : PS_LSA_AT_END;
			rc = PS_OK;
			break;
		}
	}
	free(buf);
	if (rc == PS_OK)
		return rc;
	/* an LSA at offset 0 of a larger file (dump with trailing bytes) */
	uint8_t head[64 * 1024 + 512];
	uint64_t hl = size < sizeof(head) ? size : sizeof(head);
	if (ps_src_pread(src, head, hl, 0))
		return PS_EIO;
	if (ps_lsa_probe(head, hl, 0, loc) == PS_OK && loc->size <= size &&
	    loc->size >= PS_LSA_MIN) {
		loc->where = PS_LSA_AT_START;
		return PS_OK;
	}
	memset(loc, 0, sizeof(*loc));
	return PS_ENOTFOUND;
}
