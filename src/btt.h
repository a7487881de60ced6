/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * BTT (Block Translation Table, "sector mode"), in three parts:
 *   btt_info.c   the on-media structures: info block (struct btt_sb) and
 *                flog entry (struct log_entry), their field tables, the
 *                flog slot rules. Pure: bytes in, struct + diagnostics out.
 *   btt_open.c,  the reader: arena discovery, LBA translation as the
 *   btt_view.c   kernel does it, a translated ps_src view.
 *   btt_check.c  the consistency checks of 'ndctl check-namespace'.
 * (A writer that lays arenas out as the kernel's create_arenas() does is
 * test support: tests/support/btt_writer.h.)
 *
 * Facts are from drivers/nvdimm/btt.c, btt.h, btt_devs.c and ndctl's
 * ndctl/check.c (see docs in src/btt_open.c). Offsets in this API are
 * namespace-relative (bytes from the start of the ps_src handed to
 * ps_btt_open); diagnostics carry them as given (the caller's source is
 * the namespace, so they are "absolute" in it).
 *
 * Memory: reading never holds a whole map or flog; the map is read in
 * chunks of PS_BTT_MAP_CHUNK entries, the flog lane by lane (only the
 * resolved newest entry of each lane is kept: 20 bytes x nfree). The one
 * exception is ps_btt_check(), which needs one bit per internal block of
 * the arena being checked (internal_nlba / 8 bytes: 16 MiB for a full
 * 512 GiB arena of 4 KiB blocks, 128 MiB for 512-byte blocks).
 *
 * A struct ps_btt (and the views made from it) is not thread-safe: it
 * keeps one map chunk buffer. Open one per thread.
 */
#ifndef PS_BTT_H
#define PS_BTT_H
#include "diag.h"
#include "field.h"
#include "imgsrc.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PS_BTT_SIG "BTT_ARENA_INFO\0\0"
#define PS_BTT_INFO_SIZE 4096u
#define PS_BTT1_OFFSET 4096u		/* v1.1 arena 0 (Linux) */
#define PS_BTT2_OFFSET 0u		/* v2.0 arena 0 (UEFI) */
#define PS_BTT_ARENA_MAX (1ull << 39)	/* 512 GiB */
#define PS_BTT_ARENA_MIN (1ull << 24)	/* 16 MiB */
#define PS_BTT_NFREE_DEFAULT 256u	/* ND_MAX_LANES */
#define PS_BTT_MAX_ARENAS 65536u	/* hard cap on a nextoff chain (32 PiB) */
#define PS_BTT_MAX_NFREE 65536u		/* refuse larger free pools */
#define PS_BTT_MAX_LBASIZE 65536u	/* refuse larger blocks */
#define PS_BTT_MAP_CHUNK 16384u		/* map entries read at once */

/* ---- the on-media structures (btt_info.c) ---- */

/*
 * struct btt_sb (drivers/nvdimm/btt.h), one row per member (field.h):
 * name, offset, length, type, version, ndctl read-infoblock's key (it
 * prints version_major and version_minor together as "version").
 */
#define PS_BTT_SIZE PS_BTT_INFO_SIZE
#define PS_BTT_FIELDS(X, P) \
	X(P, signature,        0x000,   16, BYTES, 0, "signature") \
	X(P, uuid,             0x010,   16, BYTES, 0, "uuid") \
	X(P, parent_uuid,      0x020,   16, BYTES, 0, "parent_uuid") \
	X(P, flags,            0x030,    4, INT,   0, "flags") \
	X(P, version_major,    0x034,    2, INT,   0, "version") \
	X(P, version_minor,    0x036,    2, INT,   0, "version") \
	X(P, external_lbasize, 0x038,    4, INT,   0, "external_lbasize") \
	X(P, external_nlba,    0x03c,    4, INT,   0, "external_nlba") \
	X(P, internal_lbasize, 0x040,    4, INT,   0, "internal_lbasize") \
	X(P, internal_nlba,    0x044,    4, INT,   0, "internal_nlba") \
	X(P, nfree,            0x048,    4, INT,   0, "nfree") \
	X(P, infosize,         0x04c,    4, INT,   0, "infosize") \
	X(P, nextoff,          0x050,    8, INT,   0, "nextoff") \
	X(P, dataoff,          0x058,    8, INT,   0, "dataoff") \
	X(P, mapoff,           0x060,    8, INT,   0, "mapoff") \
	X(P, logoff,           0x068,    8, INT,   0, "logoff") \
	X(P, info2off,         0x070,    8, INT,   0, "info2off") \
	X(P, padding,          0x078, 3968, BYTES, 0, NULL) \
	X(P, checksum,         0xff8,    8, INT,   0, NULL)
enum { PS_BTT_FIELDS(PS_FIELD_CONST, PS_BTT) };
extern const struct ps_layout ps_btt_layout;

/*
 * struct log_entry (drivers/nvdimm/btt.h): one flog slot. A lane (struct
 * log_group) is four slots, two of them live (ps_btt_log_indices). ndctl
 * prints no flog.
 */
#define PS_BTT_LOG_SIZE 16u
#define PS_BTT_LOG_FIELDS(X, P) \
	X(P, lba,     0x0, 4, INT, 0, NULL) \
	X(P, old_map, 0x4, 4, INT, 0, NULL) \
	X(P, new_map, 0x8, 4, INT, 0, NULL) \
	X(P, seq,     0xc, 4, INT, 0, NULL)
enum { PS_BTT_LOG_FIELDS(PS_FIELD_CONST, PS_BTT_LOG) };
extern const struct ps_layout ps_btt_log_layout;
#define PS_BTT_LOG_GROUP (4 * PS_BTT_LOG_SIZE)	/* one lane */

/* A map entry is one little-endian u32 per external LBA at mapoff (the
 * kernel has no struct for it): the post-map block and two flag bits. */
#define PS_BTT_MAP_ENT_SIZE 4u
/* Map entry bits (btt.h MAP_*). */
#define PS_BTT_MAP_LBA_MASK 0x3fffffffu
#define PS_BTT_MAP_E (1u << 30)		/* error */
#define PS_BTT_MAP_Z (1u << 31)		/* zero / trim */
#define PS_BTT_MAP_NORMAL 0xc0000000u	/* both set: a plain mapping */
#define PS_BTT_FLAG_ERROR 1u		/* info block flags bit 0 */
/* The post-map block of the map entry raw for arena LBA premap
 * (btt_map_read: neither flag set means "never written", the identity). */
uint32_t ps_btt_map_lookup(uint32_t premap, uint32_t raw);

/* One info block as stored (struct btt_sb), plus what the parser found. */
struct ps_btt_sb {
	uint8_t uuid[16];
	uint8_t parent_uuid[16];
	uint32_t flags;
	uint16_t version_major, version_minor;
	uint32_t external_lbasize, external_nlba;
	uint32_t internal_lbasize, internal_nlba;
	uint32_t nfree, infosize;
	uint64_t nextoff, dataoff, mapoff, logoff, info2off;
	uint64_t checksum, checksum_calc;
	bool checksum_ok;
	bool padding_zero;
	/* Kernel acceptance (nd_btt_arena_is_valid): signature + checksum
	 * (+ parent_uuid when the caller gave one). */
	bool valid;
	/* The layout is safe to read: sizes sane, regions ordered and
	 * inside the arena (and inside 'room' when given). */
	bool layout_ok;
	uint32_t sector_size;	/* 512 or 4096 (btt_init) */
	uint64_t arena_size;	/* nextoff, or info2off + 4096 when last */
};

/*
 * Parse one 4096-byte BTT info block found at abs_off. room, if non-zero,
 * is the number of bytes from the block (arena start) to the end of the
 * namespace; parent_uuid, if non-NULL and not all-zero, is the namespace
 * uuid the block must name (an all-zero parent_uuid in the block is
 * accepted, as the kernel does). expect_major/minor, if non-zero, is the
 * version its location demands (1.1 at ns+4096, 2.0 at ns+0).
 * PS_OK when the signature is there (problems are in diags and in
 * sb->valid / sb->layout_ok), PS_ENOTFOUND when not, PS_ETRUNC if short.
 */
int ps_btt_info_parse(const uint8_t *buf, size_t len, uint64_t abs_off,
		      uint64_t room, const uint8_t *parent_uuid,
		      unsigned expect_major, unsigned expect_minor,
		      struct ps_btt_sb *sb, struct ps_diags *d);
/* Serialise sb (checksum recomputed) into 4096 bytes. */
void ps_btt_info_encode(const struct ps_btt_sb *sb, uint8_t *out);

/* One flog slot, decoded. */
struct ps_btt_log_ent {
	uint32_t lba, old_map, new_map, seq;
};
/* One 16-byte slot from and to its on-media form. */
void ps_btt_log_ent_parse(const uint8_t *p, struct ps_btt_log_ent *e);
void ps_btt_log_ent_encode(const struct ps_btt_log_ent *e, uint8_t *p);

/*
 * Which of a lane's two live slots is the older (btt_log_get_old): 0 or 1
 * (index into the two live slots), or -1 when the kernel calls the lane
 * corrupt (equal sequence numbers or seq0 + seq1 > 5). seq0 == 0 means
 * "slot 0 never written": slot 0 is the old one.
 */
int ps_btt_log_old(uint32_t seq0, uint32_t seq1);

/*
 * Detect the live slot pair from the lanes' 64-byte groups (log_set_indices):
 * groups is nlanes x 64 bytes. idx[1] = 1 (current, UEFI) or 2 (pre-4.15
 * Linux). PS_EFORMAT for an unknown padding scheme.
 */
int ps_btt_log_indices(const uint8_t *groups, size_t nlanes, int idx[2]);

/* ---- reading (btt_open.c: arenas and flog; btt_view.c: translation) ---- */

struct ps_btt_lane {
	struct ps_btt_log_ent slot[2];	/* the two live slots */
	struct ps_btt_log_ent newest;	/* copy of the newer one */
	int newest_slot;		/* 0/1, or -1 when corrupt */
	bool pending;			/* in-flight write resolved in memory */
};

struct ps_btt_arena {
	unsigned idx;
	uint64_t off;		/* arena start (namespace-relative) */
	uint64_t size;
	uint64_t ext_start;	/* first external LBA of this arena */
	struct ps_btt_sb sb;	/* the block in use */
	uint64_t sb_off;	/* where that block was read */
	bool used_backup;	/* primary unusable, a backup was used */
	bool backup_ok;		/* the backup at info2off verifies */
	bool backup_differs;	/* backup bytes differ from the primary */
	int log_index[2];
	bool log_ok;		/* padding scheme understood */
	struct ps_btt_lane *lanes;	/* nfree entries, NULL if !log_ok */
	/* In-flight writes completed in memory (btt_freelist_init):
	 * map[fix_lba[i]] reads as fix_map[i] | NORMAL. */
	uint32_t *fix_lba, *fix_map;
	size_t nfix;
};

struct ps_btt;

struct ps_btt_open_opts {
	/* Where arena 0 starts: PS_BTT_OFF_AUTO tries 4096 (v1.1) then 0
	 * (v2.0), as ndctl check-namespace does. */
	uint64_t initial_offset;
	const uint8_t *parent_uuid;	/* optional namespace uuid */
	/* accept version 1.1 or 2.0 wherever arena 0 starts: libpmemblk
	 * writes a 1.1 BTT at +0 of its pool's data area (docs/pmdk.md) */
	bool any_version;
};
#define PS_BTT_OFF_AUTO UINT64_MAX

/*
 * Find and load a BTT in the namespace 'ns' (not copied; must outlive the
 * handle). Never writes. PS_ENOTFOUND: no BTT info block (primary or
 * backup) at the tried offsets. PS_EFORMAT: arena 0 found but unusable.
 * Later arenas that cannot be read end the chain (an error in d; the view
 * covers the arenas before it).
 */
int ps_btt_open(struct ps_src *ns, const struct ps_btt_open_opts *o,
		struct ps_btt **out, struct ps_diags *d);
void ps_btt_close(struct ps_btt *b);

uint64_t ps_btt_initial_offset(const struct ps_btt *b);
unsigned ps_btt_narenas(const struct ps_btt *b);
const struct ps_btt_arena *ps_btt_arena(const struct ps_btt *b, unsigned i);
uint64_t ps_btt_nlba(const struct ps_btt *b);		/* external LBAs */
uint32_t ps_btt_sector_size(const struct ps_btt *b);	/* 512 or 4096 */
uint32_t ps_btt_lbasize(const struct ps_btt *b);	/* external_lbasize */

enum ps_btt_state {
	PS_BTT_NORMAL = 0,	/* Z,E = 1,1: a plain mapping */
	PS_BTT_IDENTITY,	/* Z,E = 0,0: never written, post = pre */
	PS_BTT_ZERO,		/* Z only: reads as zeros (trimmed) */
	PS_BTT_ERROR,		/* E only: the kernel returns EIO */
	PS_BTT_BADMAP,		/* post-map block beyond internal_nlba */
};

struct ps_btt_xlat {
	unsigned arena;
	uint32_t premap;	/* arena-relative LBA */
	uint32_t raw;		/* effective map entry (after in-flight fix) */
	uint32_t postmap;
	enum ps_btt_state state;
	bool fixed;		/* entry comes from an in-flight resolution */
	uint64_t data_off;	/* namespace offset of the block's data */
};

/* Translate one external LBA exactly as btt_map_read()/btt_read_pg(). */
int ps_btt_translate(struct ps_btt *b, uint64_t lba, struct ps_btt_xlat *x);

/*
 * A read-only view of the translated LBA space (size = nlba x
 * sector_size); it reads through b (which must outlive it). Zero-flagged
 * blocks are holes for next_data/next_hole (as are blocks whose data lies
 * in a hole of the namespace); error-flagged or out-of-range blocks fail
 * the read with PS_EBADBLK and an error naming arena, LBA and map entry.
 */
int ps_btt_view(struct ps_btt *b, struct ps_src **view);

/* ---- checking, as ndctl check-namespace (btt_check.c) ---- */

struct ps_btt_finding {
	enum ps_sev sev;
	char check[16];		/* info, info2, flog, map, log-map, bitmap */
	int arena;		/* -1 if not arena specific */
	int64_t lane;		/* -1 if none */
	int64_t lba;		/* external LBA, -1 if none */
	int64_t block;		/* internal (post-map) block, -1 if none */
	uint64_t off;		/* namespace offset of the structure */
	char msg[224];
};

struct ps_btt_report {
	struct ps_btt_finding *v;
	size_t n, cap;
	size_t dropped;		/* findings beyond PS_BTT_REPORT_MAX */
	size_t nerr, nwarn;	/* counts, including dropped ones */
};
#define PS_BTT_REPORT_MAX 2000

void ps_btt_report_free(struct ps_btt_report *r);
/*
 * Run the checks over every arena. Also copies the problems that
 * ps_btt_open found (bad primary info block, chain ended early) into the
 * report. Returns PS_OK (findings are in r), PS_ENOMEM, or PS_EIO.
 */
int ps_btt_check(struct ps_btt *b, struct ps_btt_report *r);

#endif
