/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PMDK pools (libpmemblk, libpmemobj, libpmemlog 1.x): the 4 KiB pool
 * header every pool file (or device-dax device) starts with, the pool
 * descriptor that follows it, and poolset text files. Pure: bytes in,
 * struct and diagnostics out (docs/pmdk.md).
 *
 * The layouts were read from PMDK 1.12's headers (struct pool_hdr,
 * struct pmemblk / pmemobjpool / pmemlog) and checked against pools made
 * by `pmempool create`; the tables below are the only place the offsets
 * are written. The last column (field.h's "ndctl" key) holds the label
 * `pmempool info` prints the field under, NULL where it prints none.
 */
#ifndef PS_PMDK_H
#define PS_PMDK_H
#include "diag.h"
#include "field.h"
#include <stdbool.h>
#include <stdint.h>

#define PS_PMDK_HDR_SIZE 4096u		/* struct pool_hdr (4 KiB pages) */
#define PS_PMDK_SIG_LEN 8u
#define PS_PMDK_BLK_SIG "PMEMBLK\0"
#define PS_PMDK_OBJ_SIG "PMEMOBJ\0"
#define PS_PMDK_LOG_SIG "PMEMLOG\0"
#define PS_PMDK_POOLSET_SIG "PMEMPOOLSET"	/* first word of a poolset file */
#define PS_PMDK_POOLSET_SIG_LEN 11u

/*
 * struct pool_hdr. The header checksum is PMDK's fletcher64 variant over
 * all 4096 bytes, little-endian 32-bit words, with the checksum field
 * and, when the CKSUM_2K incompat feature is set (every pool PMDK >= 1.3
 * makes), every byte from 0x800 on read as zero: the sums still run over
 * those words, so it is not the checksum of the first 2 KiB alone.
 */
#define PS_PMDK_HDR_FIELDS(X, P) \
	X(P, signature,      0x000,    8, BYTES, 0, "Signature") \
	X(P, major,          0x008,    4, INT,   0, "Major") \
	X(P, compat,         0x00c,    4, INT,   0, "Not mandatory features") \
	X(P, incompat,       0x010,    4, INT,   0, "Mandatory features") \
	X(P, ro_compat,      0x014,    4, INT,   0, "Forced RO") \
	X(P, poolset_uuid,   0x018,   16, BYTES, 0, "Pool set UUID") \
	X(P, uuid,           0x028,   16, BYTES, 0, "UUID") \
	X(P, prev_part_uuid, 0x038,   16, BYTES, 0, "Previous part UUID") \
	X(P, next_part_uuid, 0x048,   16, BYTES, 0, "Next part UUID") \
	X(P, prev_repl_uuid, 0x058,   16, BYTES, 0, "Previous replica UUID") \
	X(P, next_repl_uuid, 0x068,   16, BYTES, 0, "Next replica UUID") \
	X(P, crtime,         0x078,    8, INT,   0, "Creation Time") \
	X(P, alignment_desc, 0x080,    8, INT,   0, "Alignment Descriptor") \
	X(P, machine_class,  0x088,    1, INT,   0, "Class") \
	X(P, data,           0x089,    1, INT,   0, "Data") \
	X(P, reserved,       0x08a,    4, BYTES, 0, NULL) \
	X(P, machine,        0x08e,    2, INT,   0, "Machine") \
	X(P, unused,         0x090, 1904, BYTES, 0, NULL) \
	X(P, unused2,        0x800, 1976, BYTES, 0, NULL) \
	X(P, sds_usc,        0xfb8,    8, INT,   0, NULL) \
	X(P, sds_uuid,       0xfc0,    8, INT,   0, NULL) \
	X(P, sds_dirty,      0xfc8,    1, INT,   0, "Last shutdown") \
	X(P, sds_reserved,   0xfc9,   39, BYTES, 0, NULL) \
	X(P, sds_checksum,   0xff0,    8, INT,   0, NULL) \
	X(P, checksum,       0xff8,    8, INT,   0, "Checksum")
enum { PS_PMDK_HDR_FIELDS(PS_FIELD_CONST, PS_PMDK_HDR) };
extern const struct ps_layout ps_pmdk_hdr_layout;

/* incompat features (pool_hdr.h) */
#define PS_PMDK_FEAT_SINGLEHDR 0x1u
#define PS_PMDK_FEAT_CKSUM_2K 0x2u
#define PS_PMDK_FEAT_SDS 0x4u
#define PS_PMDK_CSUM_2K_END 0x800u	/* where CKSUM_2K stops summing */

/* The pool descriptors, from the end of the header (pool offset 4096). */
#define PS_PMDK_DESC_OFF 4096u

/* struct pmemblk: the two persistent members. The BTT starts at the
 * first 4 KiB boundary after the whole (run-time) struct: pool + 8 KiB. */
#define PS_PMDK_BLK_SIZE 8
#define PS_PMDK_BLK_FIELDS(X, P) \
	X(P, bsize,     0x000, 4, INT, 0, "Block size") \
	X(P, is_zeroed, 0x004, 4, INT, 0, "Is zeroed")
enum { PS_PMDK_BLK_FIELDS(PS_FIELD_CONST, PS_PMDK_BLK) };
extern const struct ps_layout ps_pmdk_blk_layout;
#define PS_PMDK_BLK_DATA_OFF 0x2000u

/* struct pmemobjpool: the checksummed 2 KiB descriptor. Its checksum is
 * the same fletcher64 variant over these 2048 bytes. */
#define PS_PMDK_OBJ_SIZE 2048
#define PS_PMDK_OBJ_FIELDS(X, P) \
	X(P, layout,       0x000, 1024, BYTES, 0, "Layout") \
	X(P, lanes_offset, 0x400,    8, INT,   0, "Lanes offset") \
	X(P, nlanes,       0x408,    8, INT,   0, "Number of lanes") \
	X(P, heap_offset,  0x410,    8, INT,   0, "Heap offset") \
	X(P, unused3,      0x418,    8, INT,   0, NULL) \
	X(P, unused,       0x420,  984, BYTES, 0, NULL) \
	X(P, checksum,     0x7f8,    8, INT,   0, "Checksum")
enum { PS_PMDK_OBJ_FIELDS(PS_FIELD_CONST, PS_PMDK_OBJ) };
extern const struct ps_layout ps_pmdk_obj_layout;

/* struct pmemlog: the three persistent offsets (from the pool start). */
#define PS_PMDK_LOG_SIZE 24
#define PS_PMDK_LOG_FIELDS(X, P) \
	X(P, start_offset, 0x000, 8, INT, 0, "Start offset") \
	X(P, end_offset,   0x008, 8, INT, 0, "End offset") \
	X(P, write_offset, 0x010, 8, INT, 0, "Write offset")
enum { PS_PMDK_LOG_FIELDS(PS_FIELD_CONST, PS_PMDK_LOG) };
extern const struct ps_layout ps_pmdk_log_layout;

/* What ps_pmdk_parse wants: the header and the largest descriptor. */
#define PS_PMDK_PARSE_LEN (PS_PMDK_DESC_OFF + PS_PMDK_OBJ_SIZE)

enum ps_pmdk_type { PS_PMDK_BLK = 1, PS_PMDK_OBJ, PS_PMDK_LOG };

struct ps_pmdk_pool {
	enum ps_pmdk_type type;
	uint32_t major, compat, incompat, ro_compat;
	uint8_t poolset_uuid[16], uuid[16];
	uint8_t prev_part_uuid[16], next_part_uuid[16];
	uint8_t prev_repl_uuid[16], next_repl_uuid[16];
	uint64_t crtime, alignment_desc;
	uint8_t machine_class, data;
	uint16_t machine;
	uint8_t sds_dirty;
	uint64_t checksum, checksum_calc;	/* stored, computed */
	bool checksum_ok;
	uint32_t checksum_end;	/* 0x800 (CKSUM_2K) or 0xff8: summed up to */
	/* one part, one replica: every part and replica uuid is its own */
	bool single_part;
	bool desc_read;		/* the buffer held the descriptor */
	uint64_t size;		/* bytes the pool spans (given by the caller);
				 * 0: unknown (a file inside a filesystem) */
	/* blk */
	uint32_t bsize, is_zeroed;
	uint64_t data_off;	/* blk: the BTT's place in the pool */
	/* obj */
	char layout[1025];	/* NUL-terminated */
	uint64_t lanes_offset, nlanes, heap_offset;
	uint64_t obj_checksum, obj_checksum_calc;
	bool obj_checksum_ok;
	/* log */
	uint64_t start_offset, end_offset, write_offset;
};

/*
 * Parse a pool header (and its descriptor when len covers it: PS_PMDK_PARSE_LEN
 * bytes) found at image offset abs; size, if non-zero, is how many bytes
 * the pool can span from there (the file, device or namespace), and the
 * descriptor's offsets are checked against it. PS_OK when the signature
 * is one of the three (problems in diags), PS_ENOTFOUND when not,
 * PS_ETRUNC when len is short of the 4 KiB header.
 */
int ps_pmdk_parse(const uint8_t *buf, size_t len, uint64_t abs, uint64_t size,
		  struct ps_pmdk_pool *p, struct ps_diags *d);
/* The header checksum PMDK stores, computed over the 4096 bytes at hdr. */
uint64_t ps_pmdk_hdr_checksum(const uint8_t *hdr);
/* Does buf (len bytes) start with one of the three pool signatures? */
bool ps_pmdk_is_pool(const uint8_t *buf, size_t len);
/* A uuid as PMDK stores and prints it: its first three fields are
 * little-endian integers (struct uuid's time_low, time_mid,
 * time_hi_and_ver), so the bytes on media are not in printed order. */
void ps_pmdk_uuid_str(const uint8_t u[16], char out[37]);
/* "blk", "obj", "log" */
const char *ps_pmdk_type_name(enum ps_pmdk_type t);
/* "PMEMBLK", ... */
const char *ps_pmdk_sig_name(enum ps_pmdk_type t);

/* ---- poolset files ---- */

#define PS_PMDK_POOLSET_MAX_PARTS 64	/* kept; more are counted */
#define PS_PMDK_POOLSET_PATH_MAX 256

struct ps_pmdk_part {
	unsigned replica;	/* 0: the master replica */
	uint64_t size;		/* 0 for a directory part */
	char path[PS_PMDK_POOLSET_PATH_MAX];
};

struct ps_pmdk_poolset {
	unsigned nreplicas;	/* counting the master */
	unsigned nparts;	/* over every replica */
	unsigned nremote;	/* REPLICA lines naming a host */
	uint64_t size;		/* the master replica's parts added up */
	bool singlehdr, nohdrs;	/* OPTION lines */
	size_t nkept;
	struct ps_pmdk_part part[PS_PMDK_POOLSET_MAX_PARTS];
	size_t text_len;	/* bytes of text parsed (up to a NUL) */
};

/*
 * Parse poolset text found at image offset abs: it ends at len or at the
 * first NUL byte. PS_OK (problems in diags), PS_ENOTFOUND when it does
 * not start with PMEMPOOLSET and a line end.
 */
int ps_pmdk_poolset_parse(const uint8_t *buf, size_t len, uint64_t abs,
			  struct ps_pmdk_poolset *ps, struct ps_diags *d);

#endif
