/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Namespace label storage areas (LSA): index blocks (struct
 * nd_namespace_index), labels (v1.1 128 bytes, v1.2 256 bytes) and the
 * rebuild of pmem namespaces from the labels of one or more DIMMs.
 *   label.c  one index block, one label: field tables, parse, encode
 *   lsa.c    a whole area: choosing the current index, its labels, what
 *            ndctl read-labels lists, the namespace rebuild, locating an
 *            area in an image
 * (Writing a whole area is test support: tests/support/lsa_writer.h.)
 *
 * Rules follow drivers/nvdimm/label.c (__nd_label_validate, slot_valid,
 * nd_label_write_index, init_labels) and namespace_devs.c
 * (has_uuid_at_pos) as read in the kernel sources; ndctl read-labels
 * behaviour follows ndctl/dimm.c (dump_index_json, dump_label_json).
 * All parsers are pure: bytes in, struct + diagnostics out.
 */
#ifndef PS_LABEL_H
#define PS_LABEL_H
#include "diag.h"
#include "field.h"
#include "imgsrc.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PS_NSINDEX_SIG "NAMESPACE_INDEX\0"
#define PS_NSINDEX_HDR 72u	/* sizeof(struct nd_namespace_index) */

/*
 * struct nd_namespace_index (drivers/nvdimm/label.h), one row per member
 * (field.h): name, offset, length, type, the index minor version that
 * gave it meaning, ndctl read-labels' key ("signature" for sig; it prints
 * labelsize decoded, 128 << labelsize). free[] is the slot bitmap, bit set
 * = slot free, filling the block to mysize.
 */
#define PS_NSINDEX_SIZE PS_NSINDEX_HDR
#define PS_NSINDEX_FIELDS(X, P) \
	X(P, sig,       0x00, 16, BYTES, 0, "signature") \
	X(P, flags,     0x10,  3, BYTES, 0, NULL) \
	X(P, labelsize, 0x13,  1, INT,   2, "labelsize") \
	X(P, seq,       0x14,  4, INT,   0, "seq") \
	X(P, myoff,     0x18,  8, INT,   0, NULL) \
	X(P, mysize,    0x20,  8, INT,   0, NULL) \
	X(P, otheroff,  0x28,  8, INT,   0, NULL) \
	X(P, labeloff,  0x30,  8, INT,   0, NULL) \
	X(P, nslot,     0x38,  4, INT,   0, "nslot") \
	X(P, major,     0x3c,  2, INT,   0, "major") \
	X(P, minor,     0x3e,  2, INT,   0, "minor") \
	X(P, checksum,  0x40,  8, INT,   0, NULL) \
	X(P, free,      0x48,  0, BYTES, 0, NULL)
enum { PS_NSINDEX_FIELDS(PS_FIELD_CONST, PS_NSINDEX) };
extern const struct ps_layout ps_nsindex_layout;

/*
 * A namespace label: struct nd_namespace_label (v1.1, 128 bytes; its
 * last 4 bytes, "unused", are not listed) and struct nvdimm_efi_label
 * (v1.2, 256 bytes: the fields with version 2). ndctl read-labels' keys.
 */
#define PS_NSLABEL_SIZE 256u
#define PS_NSLABEL_V11_SIZE 128u
#define PS_NSLABEL_FIELDS(X, P) \
	X(P, uuid,             0x00, 16, BYTES, 0, "uuid") \
	X(P, name,             0x10, 64, BYTES, 0, "name") \
	X(P, flags,            0x50,  4, INT,   0, "flags") \
	X(P, nlabel,           0x54,  2, INT,   0, "nlabel") \
	X(P, position,         0x56,  2, INT,   0, "position") \
	X(P, isetcookie,       0x58,  8, INT,   0, "isetcookie") \
	X(P, lbasize,          0x60,  8, INT,   0, "lbasize") \
	X(P, dpa,              0x68,  8, INT,   0, "dpa") \
	X(P, rawsize,          0x70,  8, INT,   0, "rawsize") \
	X(P, slot,             0x78,  4, INT,   0, "slot") \
	X(P, align,            0x7c,  1, INT,   2, NULL) \
	X(P, reserved,         0x7d,  3, BYTES, 2, NULL) \
	X(P, type_guid,        0x80, 16, BYTES, 2, "type_guid") \
	X(P, abstraction_guid, 0x90, 16, BYTES, 2, "abstraction_guid") \
	X(P, reserved2,        0xa0, 88, BYTES, 2, NULL) \
	X(P, checksum,         0xf8,  8, INT,   2, NULL)
enum { PS_NSLABEL_FIELDS(PS_FIELD_CONST, PS_NSLABEL) };
extern const struct ps_layout ps_nslabel_layout;
#define PS_NSINDEX_ALIGN 256u
#define PS_LSA_MIN 1024u	/* ND_LABEL_MIN_SIZE: 2 index blocks + 2 labels */
/* Largest LSA pmemscan reads (the kernel's config_size is a u32; real
 * DIMMs use 128 KiB, QEMU label-size is usually 128 KiB .. a few MiB). */
#define PS_LSA_MAX (256u << 20)

enum {
	PS_NSLABEL_ROLABEL = 0x1,
	PS_NSLABEL_LOCAL = 0x2,
	PS_NSLABEL_BTT = 0x4,
	PS_NSLABEL_UPDATING = 0x8,
};

/* Claim class pinned by a v1.2 label's abstraction_guid (to_nvdimm_cclass). */
enum ps_claim {
	PS_CLAIM_NONE = 0,	/* all-zero guid: kernel probes btt, pfn, dax */
	PS_CLAIM_BTT,		/* Linux BTT 1.1, info block at ns+4096 */
	PS_CLAIM_BTT2,		/* UEFI BTT 2.0, info block at ns+0 */
	PS_CLAIM_PFN,		/* fsdax */
	PS_CLAIM_DAX,		/* devdax */
	PS_CLAIM_UNKNOWN,	/* guid not known to Linux */
	PS_CLAIM_V11,		/* 128-byte label: no abstraction guid at all */
};

/* One index block. */
struct ps_nsindex {
	uint64_t abs_off;	/* image offset of the block */
	bool sig_ok;		/* "NAMESPACE_INDEX\0" present */
	bool checksum_ok;
	bool valid;		/* the kernel would accept this block */
	uint8_t flags[3];
	uint8_t labelsize_raw;	/* byte 0x13 */
	uint32_t label_size;	/* effective: 128, or 128 << labelsize_raw from v1.2 */
	uint32_t seq;
	uint64_t myoff, mysize, otheroff, labeloff;
	uint32_t nslot;
	uint16_t major, minor;
	uint64_t checksum, checksum_calc;
	uint64_t size;		/* bytes the checksum covers (kernel's sizeof_namespace_index) */
	uint64_t config_size_est; /* 2*size + nslot*label_size */
	/* free bitmap: free_bytes bytes at abs_off + PS_NSINDEX_OFF_free
	 * (inside the buffer passed to the parser); bit set = slot free */
	uint64_t free_bytes;
};

struct ps_label {
	uint32_t label_size;	/* 128 or 256 */
	uint8_t uuid[16];
	char name[65];		/* NUL-terminated copy of the 64-byte field */
	uint32_t flags;
	uint16_t nlabel, position;
	uint64_t isetcookie, lbasize, dpa, rawsize;
	uint32_t slot;
	uint8_t align;		/* v1.2 */
	uint8_t type_guid[16];	/* v1.2, raw on-media (guid_t) bytes */
	uint8_t abstraction_guid[16];
	uint64_t checksum, checksum_calc;	/* v1.2 */
	bool checksum_ok;	/* always true for v1.1 */
	enum ps_claim claim;
	bool valid;		/* kernel slot_valid(): slot, 4K alignment, checksum */
};

/* A label slot of interest in an LSA. */
struct ps_label_rec {
	uint32_t slot;		/* slot index in the LSA */
	uint64_t abs_off;	/* image offset of the label */
	bool in_use;		/* free bit clear in the current index (slot < nslot) */
	bool active;		/* in_use and valid: the kernel uses it */
	bool ndctl_listed;	/* `ndctl read-labels` lists it (slot field == index) */
	bool in_use_other;	/* free bit clear in the other (non-current) index */
	struct ps_label label;
};

enum ps_lsa_why {
	PS_LSA_NO_INDEX = 0,	/* neither block valid: the kernel ignores all labels */
	PS_LSA_ONLY_VALID,	/* one block valid */
	PS_LSA_BEST_SEQ,	/* both valid, newer by sequence number */
	PS_LSA_EQUAL_SEQ,	/* both valid, same seq: kernel takes index 1 */
};

struct ps_lsa {
	uint64_t abs_off;	/* image offset of the LSA */
	uint64_t size;		/* config size (bytes given) */
	uint32_t label_size;	/* chosen by the kernel's 128-then-256 probe; ndctl guess if no index */
	uint64_t index_size;	/* sizeof_namespace_index */
	struct ps_nsindex index[2];
	bool index_present[2];	/* signature found */
	int current;		/* 0, 1, or -1 */
	enum ps_lsa_why why;
	uint32_t nslot;		/* of the current index */
	uint32_t ndctl_label_size; /* ndctl's label-size guess */
	struct ps_label_rec *recs;
	size_t nrecs;
	size_t nactive;
};

/* ---- parsers ---- */

/*
 * One index block at buf (len bytes available from it). which: 0 or 1
 * (the block's position in the LSA), or -1 if unknown. config_size: the
 * LSA size if known (then the kernel's exact rules apply), 0 if not (then
 * mysize is trusted within the buffer, as for probing). label_size: the
 * size the kernel is probing with (128/256), or 0 to take it from the
 * header. Returns PS_OK if the signature is there (ix->valid says whether
 * the kernel accepts it), PS_ENOTFOUND if not, PS_ETRUNC if len < 72.
 */
int ps_nsindex_parse(const uint8_t *buf, size_t len, uint64_t abs_off,
		     int which, uint64_t config_size, uint32_t label_size,
		     struct ps_nsindex *ix, struct ps_diags *d);

/* Is slot free in the bitmap of an index parsed from buf? Out-of-range
 * slots (>= nslot or beyond the block) are reported free. */
bool ps_nsindex_slot_free(const uint8_t *index_buf, const struct ps_nsindex *ix,
			  uint32_t slot);

/*
 * One label slot. label_size 128 (v1.1) or 256 (v1.2). slot_index: the
 * slot this label occupies (the slot field must equal it), or UINT32_MAX
 * if unknown. Returns PS_OK, PS_ETRUNC, or PS_EINVAL for a bad label_size.
 */
int ps_label_parse(const uint8_t *buf, size_t len, uint64_t abs_off,
		   uint32_t label_size, uint32_t slot_index,
		   struct ps_label *l, struct ps_diags *d);

/*
 * A whole LSA of len bytes (len = config size) at image offset abs_off.
 * Always fills lsa (free it with ps_lsa_free). Returns PS_OK if a valid
 * current index was found, PS_ENOTFOUND if no index signature at all,
 * PS_EFORMAT if signatures exist but no block is valid (labels ndctl would
 * list are still in recs), PS_ETRUNC if len < 2*256, PS_ENOMEM.
 */
int ps_lsa_parse(const uint8_t *buf, size_t len, uint64_t abs_off,
		 struct ps_lsa *lsa, struct ps_diags *d);
void ps_lsa_free(struct ps_lsa *lsa);

/* kernel best_seq(): the newer of two sequence numbers (low 2 bits). */
uint32_t ps_nsindex_best_seq(uint32_t a, uint32_t b);
/* kernel nd_inc_seq(): 1 -> 2 -> 3 -> 1, 0 stays 0. */
uint32_t ps_nsindex_next_seq(uint32_t seq);
/* The kernel's (v4.17+, UEFI 2.7) geometry for a config size and label
 * size: index block size and slot count. Returns 0 if the area is too
 * small (then *index_size = *nslot = 0). old_formula: pre-4.17
 * nslot = config / (label_size + 1). */
int ps_lsa_geometry(uint64_t config_size, uint32_t label_size, bool old_formula,
		    uint64_t *index_size, uint32_t *nslot);

/* ---- namespaces (nvdimm-formats.md "Rebuilding pmem namespaces of a region") ---- */

struct ps_ns_extent {
	size_t dimm;		/* index into the lsas[] passed in */
	uint16_t position;
	uint32_t slot;
	uint64_t dpa, rawsize;
};

struct ps_namespace {
	uint8_t uuid[16];
	char name[65];
	enum ps_claim claim;
	uint32_t label_size;
	uint16_t nlabel;
	uint32_t flags;		/* of the position-0 label */
	uint64_t lbasize;
	uint64_t isetcookie;
	uint64_t size;		/* sum of rawsize */
	bool complete;		/* every position 0..nlabel-1 exactly once */
	/*
	 * Offset of the namespace in the region's (interleaved) address
	 * space: (dpa of position 0 - region start dpa of that DIMM) * nlabel.
	 * UNVERIFIED assumption without the NFIT: the region starts at the
	 * smallest dpa among that DIMM's active labels, unless the caller
	 * passed the start dpa (the scan infers it from an info block whose
	 * parent_uuid is the namespace's uuid). For a 1-way region image (one DIMM, QEMU) this
	 * is the offset in the DIMM's data image.
	 */
	uint64_t region_offset;
	bool region_offset_assumed;
	size_t nextents;
	struct ps_ns_extent *extents;	/* sorted by position */
};

struct ps_ns_set {
	size_t n;
	struct ps_namespace *ns;
};

/*
 * Rebuild pmem namespaces from the active labels of n DIMMs (lsas[i] for
 * DIMM i; all DIMMs of one interleave set, in any order). start_dpa[i] is
 * the region start DPA on DIMM i, or NULL/UINT64_MAX entries to assume it.
 * Blk (LOCAL) labels are reported, not rebuilt. Returns PS_OK or PS_ENOMEM.
 */
int ps_label_namespaces(const struct ps_lsa *const *lsas, size_t n,
			const uint64_t *start_dpa, struct ps_ns_set *out,
			struct ps_diags *d);
void ps_ns_set_free(struct ps_ns_set *s);

/* ---- encoders ---- */

/* Serialise one label (128 or 256 bytes; v1.2 gets its checksum). */
int ps_label_encode(const struct ps_label *l, uint32_t label_size, uint8_t *out);

/* ---- locating an LSA in an image ---- */

struct ps_lsa_loc {
	uint64_t off;		/* image offset of the LSA (index block 0) */
	uint64_t size;		/* config size */
	uint32_t label_size;
	int found_index;	/* which index block validated (0/1) */
	enum { PS_LSA_AT_OFFSET, PS_LSA_AT_START, PS_LSA_AT_END } where;
};

/*
 * Cheap check: does an LSA start at buf (image offset abs_off)? A valid
 * index block 0 at +0, or a valid block 1 at +mysize (256, 512, ...) with
 * myoff == its offset. Config size unknown: mysize is trusted. On success
 * fills loc (size = 2*mysize + nslot*label_size, an estimate).
 * Returns PS_OK or PS_ENOTFOUND.
 */
int ps_lsa_probe(const uint8_t *buf, size_t len, uint64_t abs_off,
		 struct ps_lsa_loc *loc);

/*
 * Find the LSA of a DIMM image: at the end (QEMU's nvdimm keeps the label
 * area in the last label-size bytes of the backing file, label-size >=
 * 128 KiB; hw/mem/nvdimm.c) or at offset 0 (an `ndctl read-labels -o`
 * dump: exactly the config area). The last PS_LSA_TAIL_WINDOW bytes are
 * searched. Returns PS_OK, PS_ENOTFOUND, PS_EIO/PS_ENOMEM.
 */
#define PS_LSA_TAIL_WINDOW (16u << 20)
int ps_lsa_locate_tail(struct ps_src *src, struct ps_lsa_loc *loc);

/* ---- names ---- */
const char *ps_claim_name(enum ps_claim c);
/* GUID bytes in EFI/guid_t order to text (first three groups LE). */
void ps_guid_str(const uint8_t g[16], char out[37]);
const char *ps_lsa_why_name(enum ps_lsa_why w);

#endif
