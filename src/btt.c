/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * BTT reader, checker and writer. Written from the on-media facts in
 * drivers/nvdimm/btt.c (btt_map_read, btt_log_get_old, log_set_indices,
 * btt_freelist_init, alloc_arena, create_arenas, discover_arenas,
 * btt_read_pg, btt_write_pg), btt.h, btt_devs.c (nd_btt_arena_is_valid,
 * nd_btt_version) and ndctl/check.c (btt_check_arenas and helpers,
 * btt_recover_first_sb). No code was taken from them.
 *
 * Where this reader deliberately differs from the kernel:
 *  - a mapping to a post-map block >= internal_nlba is refused (the
 *    kernel would read whatever lies at that offset);
 *  - a later arena with no usable info block ends the chain with an
 *    error instead of failing the whole namespace, so the arenas before
 *    it can still be read (forensics); the kernel refuses the namespace;
 *  - a flog lane the kernel calls corrupt (which makes it refuse the
 *    arena) is reported and skipped; its in-flight write is not resolved.
 */
#include "btt.h"
#include "err.h"
#include "fletcher.h"
#include "le.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	O_SIG = 0x00, O_UUID = 0x10, O_PARENT = 0x20, O_FLAGS = 0x30,
	O_MAJOR = 0x34, O_MINOR = 0x36, O_EXT_LBASIZE = 0x38,
	O_EXT_NLBA = 0x3c, O_INT_LBASIZE = 0x40, O_INT_NLBA = 0x44,
	O_NFREE = 0x48, O_INFOSIZE = 0x4c, O_NEXTOFF = 0x50,
	O_DATAOFF = 0x58, O_MAPOFF = 0x60, O_LOGOFF = 0x68,
	O_INFO2OFF = 0x70, O_PAD = 0x78, O_CSUM = 0xff8,
};

#define SZ_4K 4096u
#define LOG_GRP 64u
#define LOG_ENT 16u

static const uint32_t supported_lbasize[] = {
	512, 520, 528, 4096, 4104, 4160, 4224,
};

static uint32_t next_seq(uint32_t seq)
{
	static const uint32_t nxt[4] = { 0, 2, 3, 1 };
	return nxt[seq & 3];
}

/* ------------------------------------------------------------------ */
/* Info block                                                          */
/* ------------------------------------------------------------------ */

int ps_btt_info_parse(const uint8_t *b, size_t len, uint64_t abs,
		      uint64_t room, const uint8_t *parent_uuid,
		      unsigned em, unsigned en, struct ps_btt_sb *sb,
		      struct ps_diags *d)
{
	memset(sb, 0, sizeof(*sb));
	if (len < 16)
		return PS_ETRUNC;
	if (memcmp(b + O_SIG, PS_BTT_SIG, 16) != 0)
		return PS_ENOTFOUND;
	if (len < PS_BTT_INFO_SIZE) {
		ps_diag_add(d, PS_SEV_ERR, abs, "signature",
			    "BTT info block truncated: %zu of 4096 bytes present", len);
		return PS_ETRUNC;
	}
	memcpy(sb->uuid, b + O_UUID, 16);
	memcpy(sb->parent_uuid, b + O_PARENT, 16);
	sb->flags = ps_le32(b + O_FLAGS);
	sb->version_major = ps_le16(b + O_MAJOR);
	sb->version_minor = ps_le16(b + O_MINOR);
	sb->external_lbasize = ps_le32(b + O_EXT_LBASIZE);
	sb->external_nlba = ps_le32(b + O_EXT_NLBA);
	sb->internal_lbasize = ps_le32(b + O_INT_LBASIZE);
	sb->internal_nlba = ps_le32(b + O_INT_NLBA);
	sb->nfree = ps_le32(b + O_NFREE);
	sb->infosize = ps_le32(b + O_INFOSIZE);
	sb->nextoff = ps_le64(b + O_NEXTOFF);
	sb->dataoff = ps_le64(b + O_DATAOFF);
	sb->mapoff = ps_le64(b + O_MAPOFF);
	sb->logoff = ps_le64(b + O_LOGOFF);
	sb->info2off = ps_le64(b + O_INFO2OFF);
	sb->checksum = ps_le64(b + O_CSUM);
	sb->checksum_calc = ps_fletcher64(b, PS_BTT_INFO_SIZE, O_CSUM, 8);
	sb->checksum_ok = sb->checksum == sb->checksum_calc;
	sb->padding_zero = ps_is_zero(b + O_PAD, O_CSUM - O_PAD);
	sb->valid = sb->checksum_ok;
	bool lay = true;

	if (!sb->checksum_ok)
		ps_diag_add(d, PS_SEV_ERR, abs + O_CSUM, "checksum",
			    "checksum mismatch: stored 0x%016llx, computed 0x%016llx",
			    (unsigned long long)sb->checksum,
			    (unsigned long long)sb->checksum_calc);
	if (parent_uuid && !ps_is_zero(parent_uuid, 16) &&
	    !ps_is_zero(sb->parent_uuid, 16) &&
	    memcmp(parent_uuid, sb->parent_uuid, 16) != 0) {
		sb->valid = false;
		ps_diag_add(d, PS_SEV_ERR, abs + O_PARENT, "parent_uuid",
			    "parent_uuid does not match the namespace uuid (the kernel ignores this block)");
	}
	bool v11 = sb->version_major == 1 && sb->version_minor == 1;
	bool v20 = sb->version_major == 2 && sb->version_minor == 0;
	if (!v11 && !v20)
		ps_diag_add(d, PS_SEV_ERR, abs + O_MAJOR, "version_major",
			    "unknown BTT version %u.%u (known: 1.1 Linux, 2.0 UEFI)",
			    sb->version_major, sb->version_minor);
	if (em && (sb->version_major != em || sb->version_minor != en)) {
		sb->valid = false;
		ps_diag_add(d, PS_SEV_ERR, abs + O_MAJOR, "version_major",
			    "version %u.%u does not match the block's location (a BTT at this offset must be %u.%u)",
			    sb->version_major, sb->version_minor, em, en);
	}
	if (sb->flags & PS_BTT_FLAG_ERROR)
		ps_diag_add(d, PS_SEV_WARN, abs + O_FLAGS, "flags",
			    "IB_FLAG_ERROR set: arena in error state (the kernel only logs it and refuses writes; ndctl check-namespace aborts)");
	if (sb->flags & ~PS_BTT_FLAG_ERROR)
		ps_diag_add(d, PS_SEV_WARN, abs + O_FLAGS, "flags",
			    "unknown flags 0x%x", sb->flags & ~PS_BTT_FLAG_ERROR);
	if (!sb->padding_zero)
		ps_diag_add(d, PS_SEV_WARN, abs + O_PAD, "padding",
			    "padding is not zero");
	if (sb->infosize != PS_BTT_INFO_SIZE)
		ps_diag_add(d, PS_SEV_WARN, abs + O_INFOSIZE, "infosize",
			    "infosize %u (Linux writes 4096)", sb->infosize);

	/* Block sizes. */
	uint32_t ext = sb->external_lbasize, il = sb->internal_lbasize;
	if (ext < 512 || ext > PS_BTT_MAX_LBASIZE) {
		lay = false;
		ps_diag_add(d, PS_SEV_ERR, abs + O_EXT_LBASIZE, "external_lbasize",
			    "external_lbasize %u is outside 512..%u", ext,
			    PS_BTT_MAX_LBASIZE);
	} else {
		bool known = false;
		for (size_t i = 0; i < sizeof(supported_lbasize) / sizeof(supported_lbasize[0]); i++)
			known |= supported_lbasize[i] == ext;
		if (!known)
			ps_diag_add(d, PS_SEV_WARN, abs + O_EXT_LBASIZE, "external_lbasize",
				    "external_lbasize %u is not one Linux supports (512, 520, 528, 4096, 4104, 4160, 4224)",
				    ext);
		sb->sector_size = ext >= 4096 ? 4096 : 512;
		uint32_t want = (ext + 63) / 64 * 64;
		if (il != want)
			ps_diag_add(d, PS_SEV_ERR, abs + O_INT_LBASIZE, "internal_lbasize",
				    "internal_lbasize %u is not external_lbasize %u rounded up to 64 (%u)",
				    il, ext, want);
		else if (il != ext)
			ps_diag_add(d, PS_SEV_INFO, abs + O_INT_LBASIZE, "internal_lbasize",
				    "internal_lbasize %u differs from external_lbasize %u: valid for the kernel, but ndctl check-namespace refuses it",
				    il, ext);
		if (il < ext || il > PS_BTT_MAX_LBASIZE + 64)
			lay = false;
	}
	/* Block counts. */
	if (sb->external_nlba == 0) {
		lay = false;
		ps_diag_add(d, PS_SEV_ERR, abs + O_EXT_NLBA, "external_nlba",
			    "external_nlba is 0");
	}
	if (sb->internal_nlba < sb->external_nlba ||
	    sb->internal_nlba - sb->external_nlba != sb->nfree) {
		lay = false;
		ps_diag_add(d, PS_SEV_ERR, abs + O_NFREE, "nfree",
			    "internal_nlba %u - external_nlba %u != nfree %u",
			    sb->internal_nlba, sb->external_nlba, sb->nfree);
	}
	if (sb->nfree == 0 || sb->nfree > PS_BTT_MAX_NFREE) {
		lay = false;
		ps_diag_add(d, PS_SEV_ERR, abs + O_NFREE, "nfree",
			    "nfree %u is outside 1..%u", sb->nfree, PS_BTT_MAX_NFREE);
	} else if (sb->nfree != PS_BTT_NFREE_DEFAULT) {
		ps_diag_add(d, PS_SEV_INFO, abs + O_NFREE, "nfree",
			    "nfree %u (Linux writes 256)", sb->nfree);
	}
	if (sb->internal_nlba > PS_BTT_MAP_LBA_MASK + 1u) {
		lay = false;
		ps_diag_add(d, PS_SEV_ERR, abs + O_INT_NLBA, "internal_nlba",
			    "internal_nlba %u exceeds the 30-bit post-map block number",
			    sb->internal_nlba);
	}

	/* Regions: info | data | map | flog | info2, inside the arena. */
	uint64_t end;
	if (sb->nextoff) {
		sb->arena_size = sb->nextoff;
		if (sb->nextoff > PS_BTT_ARENA_MAX) {
			lay = false;
			ps_diag_add(d, PS_SEV_ERR, abs + O_NEXTOFF, "nextoff",
				    "nextoff 0x%llx exceeds the 512 GiB arena limit",
				    (unsigned long long)sb->nextoff);
		}
		if (sb->nextoff % SZ_4K)
			ps_diag_add(d, PS_SEV_WARN, abs + O_NEXTOFF, "nextoff",
				    "nextoff 0x%llx is not 4 KiB aligned",
				    (unsigned long long)sb->nextoff);
	} else if (ps_add_ovf(sb->info2off, PS_BTT_INFO_SIZE, &sb->arena_size)) {
		sb->arena_size = UINT64_MAX;
	}
	uint64_t asz = sb->arena_size;
	if (room && asz > room) {
		lay = false;
		ps_diag_add(d, PS_SEV_ERR, abs + (sb->nextoff ? O_NEXTOFF : O_INFO2OFF),
			    sb->nextoff ? "nextoff" : "info2off",
			    "arena of 0x%llx bytes runs past the end of the namespace (0x%llx bytes left)",
			    (unsigned long long)asz, (unsigned long long)room);
	}
	if (sb->dataoff < PS_BTT_INFO_SIZE) {
		lay = false;
		ps_diag_add(d, PS_SEV_ERR, abs + O_DATAOFF, "dataoff",
			    "dataoff 0x%llx overlaps the info block",
			    (unsigned long long)sb->dataoff);
	}
	uint64_t t;
	if (ps_mul_ovf(sb->internal_nlba, sb->internal_lbasize, &t) ||
	    ps_add_ovf(sb->dataoff, t, &end) || end > sb->mapoff) {
		lay = false;
		ps_diag_add(d, PS_SEV_ERR, abs + O_MAPOFF, "mapoff",
			    "mapoff 0x%llx is inside the data area (dataoff 0x%llx + %u blocks of %u)",
			    (unsigned long long)sb->mapoff,
			    (unsigned long long)sb->dataoff, sb->internal_nlba,
			    sb->internal_lbasize);
	}
	if (ps_add_ovf(sb->mapoff, (uint64_t)sb->external_nlba * 4, &end) ||
	    end > sb->logoff) {
		lay = false;
		ps_diag_add(d, PS_SEV_ERR, abs + O_LOGOFF, "logoff",
			    "logoff 0x%llx is inside the map (mapoff 0x%llx + %u entries)",
			    (unsigned long long)sb->logoff,
			    (unsigned long long)sb->mapoff, sb->external_nlba);
	}
	if (ps_add_ovf(sb->logoff, (uint64_t)sb->nfree * LOG_GRP, &end) ||
	    end > sb->info2off) {
		lay = false;
		ps_diag_add(d, PS_SEV_ERR, abs + O_INFO2OFF, "info2off",
			    "info2off 0x%llx is inside the flog (logoff 0x%llx + %u lanes)",
			    (unsigned long long)sb->info2off,
			    (unsigned long long)sb->logoff, sb->nfree);
	}
	if (ps_add_ovf(sb->info2off, PS_BTT_INFO_SIZE, &end) || end > asz) {
		lay = false;
		ps_diag_add(d, PS_SEV_ERR, abs + O_INFO2OFF, "info2off",
			    "backup info block at 0x%llx does not fit in the arena (size 0x%llx)",
			    (unsigned long long)sb->info2off, (unsigned long long)asz);
	}
	if ((sb->dataoff | sb->mapoff | sb->logoff | sb->info2off) % 512)
		ps_diag_add(d, PS_SEV_WARN, abs + O_DATAOFF, "dataoff",
			    "an arena offset is not 512-byte aligned (the kernel always aligns them)");
	sb->layout_ok = lay;
	return PS_OK;
}

void ps_btt_info_encode(const struct ps_btt_sb *sb, uint8_t *b)
{
	memset(b, 0, PS_BTT_INFO_SIZE);
	memcpy(b + O_SIG, PS_BTT_SIG, 16);
	memcpy(b + O_UUID, sb->uuid, 16);
	memcpy(b + O_PARENT, sb->parent_uuid, 16);
	ps_put_le32(b + O_FLAGS, sb->flags);
	ps_put_le16(b + O_MAJOR, sb->version_major);
	ps_put_le16(b + O_MINOR, sb->version_minor);
	ps_put_le32(b + O_EXT_LBASIZE, sb->external_lbasize);
	ps_put_le32(b + O_EXT_NLBA, sb->external_nlba);
	ps_put_le32(b + O_INT_LBASIZE, sb->internal_lbasize);
	ps_put_le32(b + O_INT_NLBA, sb->internal_nlba);
	ps_put_le32(b + O_NFREE, sb->nfree);
	ps_put_le32(b + O_INFOSIZE, sb->infosize);
	ps_put_le64(b + O_NEXTOFF, sb->nextoff);
	ps_put_le64(b + O_DATAOFF, sb->dataoff);
	ps_put_le64(b + O_MAPOFF, sb->mapoff);
	ps_put_le64(b + O_LOGOFF, sb->logoff);
	ps_put_le64(b + O_INFO2OFF, sb->info2off);
	ps_put_le64(b + O_CSUM, ps_fletcher64(b, PS_BTT_INFO_SIZE, O_CSUM, 8));
}

/* ------------------------------------------------------------------ */
/* Flog                                                                */
/* ------------------------------------------------------------------ */

int ps_btt_log_old(uint32_t s0, uint32_t s1)
{
	if (s0 == 0)
		return 0;
	if (s0 == s1 || (uint64_t)s0 + s1 > 5)
		return -1;
	if (s0 < s1)
		return s1 - s0 == 1 ? 0 : 1;
	return s0 - s1 == 1 ? 1 : 0;
}

static void get_ent(const uint8_t *p, struct ps_btt_log_ent *e)
{
	e->lba = ps_le32(p);
	e->old_map = ps_le32(p + 4);
	e->new_map = ps_le32(p + 8);
	e->seq = ps_le32(p + 12);
}

int ps_btt_log_indices(const uint8_t *groups, size_t nlanes, int idx[2])
{
	bool set = false, initial = true;
	int li[2] = { -1, -1 };
	int next = 0;

	for (size_t i = 0; i < nlanes; i++) {
		const uint8_t *g = groups + i * LOG_GRP;
		unsigned pad = 0;
		for (int j = 0; j < 4; j++) {
			bool padding = ps_is_zero(g + j * LOG_ENT, LOG_ENT);
			if (!set) {
				if (padding) {
					pad++;
					continue;
				}
				if (next == 1 && j == li[0])
					continue;
				li[next++] = j;
				if (next == 2)
					set = true;
			} else if (j == li[0]) {
				if (padding)
					return PS_EFORMAT;
			} else if (j != li[1]) {
				if (!padding)
					return PS_EFORMAT;
			}
		}
		if (pad < 3)
			initial = false;
	}
	if (!initial && !set)
		return PS_EFORMAT;
	if (initial)
		li[1] = 1;
	if (li[0] != 0 || (li[1] != 1 && li[1] != 2))
		return PS_EFORMAT;
	idx[0] = li[0];
	idx[1] = li[1];
	return PS_OK;
}

/* ------------------------------------------------------------------ */
/* Reader                                                              */
/* ------------------------------------------------------------------ */

struct ps_btt {
	struct ps_src *ns;
	uint64_t io;		/* initial offset */
	uint32_t ss, lbasize;
	uint64_t nlba;
	unsigned n;
	struct ps_btt_arena *a;
	struct ps_btt_report load;	/* problems found while opening */
	uint32_t *mapbuf;	/* PS_BTT_MAP_CHUNK entries */
	uint8_t *bounce;	/* one sector */
	bool map_identity;	/* the last read_map() chunk was all 0,0 */
	/* the namespace's sparse map, last extents seen: [d_lo, d_hi) is
	 * all data, [h_lo, h_hi) all hole (so a scan does not lseek per block) */
	uint64_t d_lo, d_hi, h_lo, h_hi;
	struct ext_cache *ec;	/* per arena, built on first scan */
};

/*
 * The data extents of an arena's data area in the namespace image, listed
 * once (bounded by EXT_MAX; beyond that the scan asks the image block by
 * block): a shuffled map makes neighbouring LBAs land anywhere, so the
 * sparse scan would otherwise lseek for every block.
 */
#define EXT_MAX 65536
struct ext_cache {
	int state;		/* 0 not built, 1 built, -1 unusable */
	uint64_t start, end;	/* the data area */
	uint64_t *lo, *hi;
	size_t n;
};

static void ec_build(struct ps_btt *b, const struct ps_btt_arena *a,
		     struct ext_cache *c)
{
	c->state = -1;
	c->start = a->off + a->sb.dataoff;
	c->end = a->off + a->sb.mapoff;
	size_t cap = 0;
	uint64_t off = c->start;
	while (off < c->end) {
		uint64_t q, h;
		if (ps_src_next_data(b->ns, off, &q) || q >= c->end)
			break;
		if (ps_src_next_hole(b->ns, q, &h))
			return;
		if (h > c->end)
			h = c->end;
		if (h <= q)
			return;
		if (c->n == cap) {
			if (cap >= EXT_MAX)
				return;
			size_t nc = cap ? cap * 2 : 64;
			uint64_t *nl = realloc(c->lo, nc * sizeof(*nl));
			if (!nl)
				return;
			c->lo = nl;
			uint64_t *nh = realloc(c->hi, nc * sizeof(*nh));
			if (!nh)
				return;
			c->hi = nh;
			cap = nc;
		}
		c->lo[c->n] = q;
		c->hi[c->n] = h;
		c->n++;
		off = h;
	}
	c->state = 1;
}

/* Index of the first extent with hi > x (c->n if none). */
static size_t ec_find(const struct ext_cache *c, uint64_t x)
{
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->hi[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static struct ext_cache *ec_get(struct ps_btt *b, const struct ps_btt_arena *a,
				uint64_t x)
{
	if (!b->ec) {
		b->ec = calloc(b->n, sizeof(*b->ec));
		if (!b->ec)
			return NULL;
	}
	struct ext_cache *c = &b->ec[a->idx];
	if (!c->state)
		ec_build(b, a, c);
	if (c->state != 1 || x < c->start || x >= c->end)
		return NULL;
	return c;
}

/* First offset >= off of the namespace that may hold data. */
static int par_data(struct ps_btt *b, const struct ps_btt_arena *a,
		    uint64_t off, uint64_t *q)
{
	struct ext_cache *c = ec_get(b, a, off);
	if (c) {
		size_t i = ec_find(c, off);
		*q = i == c->n ? c->end : c->lo[i] > off ? c->lo[i] : off;
		return PS_OK;
	}
	if (off >= b->d_lo && off < b->d_hi) {
		*q = off;
		return PS_OK;
	}
	if (off >= b->h_lo && off < b->h_hi && b->h_hi >= b->ns->size) {
		*q = b->ns->size;
		return PS_OK;
	}
	int r = ps_src_next_data(b->ns, off, q);
	if (r)
		return r;
	b->h_lo = off;
	b->h_hi = *q;
	if (*q < b->ns->size) {
		uint64_t h;
		r = ps_src_next_hole(b->ns, *q, &h);
		if (r)
			return r;
		b->d_lo = *q;
		b->d_hi = h;
	}
	return PS_OK;
}

/* First offset >= off of the namespace that is surely a hole. */
static int par_hole(struct ps_btt *b, const struct ps_btt_arena *a,
		    uint64_t off, uint64_t *h)
{
	struct ext_cache *c = ec_get(b, a, off);
	if (c) {
		size_t i = ec_find(c, off);
		*h = i < c->n && c->lo[i] <= off ? c->hi[i] : off;
		return PS_OK;
	}
	if (off >= b->h_lo && off < b->h_hi) {
		*h = off;
		return PS_OK;
	}
	if (off >= b->d_lo && off < b->d_hi) {
		*h = b->d_hi;
		return PS_OK;
	}
	int r = ps_src_next_hole(b->ns, off, h);
	if (r)
		return r;
	b->d_lo = off;
	b->d_hi = *h;
	return PS_OK;
}

static void rep_addv(struct ps_btt_report *r, enum ps_sev sev, const char *check,
		     int arena, int64_t lane, int64_t lba, int64_t block,
		     uint64_t off, const char *fmt, va_list ap)
{
	if (sev >= PS_SEV_ERR)
		r->nerr++;
	else if (sev == PS_SEV_WARN)
		r->nwarn++;
	if (r->n >= PS_BTT_REPORT_MAX) {
		r->dropped++;
		return;
	}
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 16;
		struct ps_btt_finding *nv = realloc(r->v, nc * sizeof(*nv));
		if (!nv) {
			r->dropped++;
			return;
		}
		r->v = nv;
		r->cap = nc;
	}
	struct ps_btt_finding *f = &r->v[r->n++];
	memset(f, 0, sizeof(*f));
	f->sev = sev;
	snprintf(f->check, sizeof(f->check), "%s", check);
	f->arena = arena;
	f->lane = lane;
	f->lba = lba;
	f->block = block;
	f->off = off;
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
}

static void __attribute__((format(printf, 9, 10)))
rep_add(struct ps_btt_report *r, enum ps_sev sev, const char *check, int arena,
	int64_t lane, int64_t lba, int64_t block, uint64_t off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rep_addv(r, sev, check, arena, lane, lba, block, off, fmt, ap);
	va_end(ap);
}

void ps_btt_report_free(struct ps_btt_report *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* Record a load problem both as a diagnostic and as a check finding. */
static void __attribute__((format(printf, 7, 8)))
load_note(struct ps_btt *b, struct ps_diags *d, enum ps_sev sev, int arena,
	  uint64_t off, const char *field, const char *fmt, ...)
{
	char msg[224];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ps_diag_add(d, sev, off, field, "%s", msg);
	rep_add(&b->load, sev, "info", arena, -1, -1, -1, off, "%s", msg);
}

uint64_t ps_btt_initial_offset(const struct ps_btt *b) { return b->io; }
unsigned ps_btt_narenas(const struct ps_btt *b) { return b->n; }
uint64_t ps_btt_nlba(const struct ps_btt *b) { return b->nlba; }
uint32_t ps_btt_sector_size(const struct ps_btt *b) { return b->ss; }
uint32_t ps_btt_lbasize(const struct ps_btt *b) { return b->lbasize; }

const struct ps_btt_arena *ps_btt_arena(const struct ps_btt *b, unsigned i)
{
	return i < b->n ? &b->a[i] : NULL;
}

static void arena_free(struct ps_btt_arena *a)
{
	free(a->lanes);
	free(a->fix_lba);
	free(a->fix_map);
}

void ps_btt_close(struct ps_btt *b)
{
	if (!b)
		return;
	for (unsigned i = 0; i < b->n; i++)
		arena_free(&b->a[i]);
	free(b->a);
	if (b->ec)
		for (unsigned i = 0; i < b->n; i++) {
			free(b->ec[i].lo);
			free(b->ec[i].hi);
		}
	free(b->ec);
	free(b->mapbuf);
	free(b->bounce);
	ps_btt_report_free(&b->load);
	free(b);
}

/* Read and parse the block at off; PS_ENOTFOUND if unreadable/absent. */
static int read_info(struct ps_src *ns, uint64_t off, uint64_t arena_off,
		     const uint8_t *puuid, unsigned em, unsigned en, uint8_t *raw,
		     struct ps_btt_sb *sb, struct ps_diags *d)
{
	uint64_t end;
	if (ps_add_ovf(off, PS_BTT_INFO_SIZE, &end) || end > ns->size)
		return PS_ENOTFOUND;
	int r = ps_src_pread(ns, raw, PS_BTT_INFO_SIZE, off);
	if (r)
		return r;
	return ps_btt_info_parse(raw, PS_BTT_INFO_SIZE, off, ns->size - arena_off,
				 puuid, em, en, sb, d);
}

static bool sb_usable(const struct ps_btt_sb *sb)
{
	return sb->valid && sb->layout_ok;
}

/*
 * Backup candidates for the arena at 'off' whose primary is bad: where
 * the kernel's layout puts the backup (end of an arena of min(512 GiB,
 * remaining) bytes, which is also ndctl's first attempt), then the
 * damaged primary's own info2off (ndctl's last attempt).
 */
static int find_backup(struct ps_btt *b, uint64_t off, const struct ps_btt_sb *bad,
		       bool bad_has_sig, unsigned em, unsigned en,
		       const uint8_t *puuid, struct ps_btt_sb *sb,
		       uint64_t *where)
{
	uint64_t cand[2];
	int nc = 0;
	uint64_t rem = b->ns->size - off;
	uint64_t asz = rem < PS_BTT_ARENA_MAX ? rem : PS_BTT_ARENA_MAX;
	asz = ps_align_down(asz, SZ_4K);
	if (asz >= 2 * PS_BTT_INFO_SIZE)
		cand[nc++] = off + asz - PS_BTT_INFO_SIZE;
	if (bad_has_sig && bad->info2off >= PS_BTT_INFO_SIZE &&
	    bad->info2off <= rem - PS_BTT_INFO_SIZE && bad->info2off < PS_BTT_ARENA_MAX &&
	    (nc == 0 || off + bad->info2off != cand[0]))
		cand[nc++] = off + bad->info2off;
	uint8_t raw[PS_BTT_INFO_SIZE];
	for (int i = 0; i < nc; i++) {
		struct ps_diags tmp;
		ps_diags_init(&tmp);
		int r = read_info(b->ns, cand[i], off, puuid, em, en, raw, sb, &tmp);
		ps_diags_free(&tmp);
		if (r == PS_OK && sb_usable(sb) && cand[i] - off == sb->info2off) {
			*where = cand[i];
			return PS_OK;
		}
	}
	return PS_ENOTFOUND;
}

static int read_map_raw(struct ps_btt *b, const struct ps_btt_arena *a,
			uint32_t first, uint32_t n, uint32_t *out)
{
	uint64_t off = a->off + a->sb.mapoff + (uint64_t)first * 4;
	uint64_t len = (uint64_t)n * 4, dat;
	/* A map chunk in a hole of a sparse image is all zero: skip the read. */
	b->map_identity = false;
	if (ps_src_next_data(b->ns, off, &dat) == PS_OK && dat >= off + len) {
		memset(out, 0, len);
		b->map_identity = true;
		return PS_OK;
	}
	int r = ps_src_pread(b->ns, out, (size_t)len, off);
	if (r)
		return r;
	for (uint32_t i = 0; i < n; i++)
		out[i] = ps_le32((const uint8_t *)&out[i]);
	return PS_OK;
}

/* Effective map entries (in-flight writes resolved). */
static int read_map(struct ps_btt *b, const struct ps_btt_arena *a,
		    uint32_t first, uint32_t n, uint32_t *out)
{
	int r = read_map_raw(b, a, first, n, out);
	if (r)
		return r;
	for (size_t i = 0; i < a->nfix; i++)
		if (a->fix_lba[i] >= first && a->fix_lba[i] - first < n) {
			out[a->fix_lba[i] - first] = a->fix_map[i] | PS_BTT_MAP_NORMAL;
			b->map_identity = false;
		}
	return PS_OK;
}

/* btt_map_read(): the post-map block for a raw entry (identity if 0,0). */
static uint32_t map_lookup(uint32_t premap, uint32_t raw)
{
	return (raw & PS_BTT_MAP_NORMAL) ? (raw & PS_BTT_MAP_LBA_MASK) : premap;
}

static void classify(const struct ps_btt_arena *a, uint32_t premap, uint32_t raw,
		     struct ps_btt_xlat *x)
{
	unsigned ze = ((raw >> 31) << 1) | ((raw >> 30) & 1);
	x->arena = a->idx;
	x->premap = premap;
	x->raw = raw;
	x->postmap = map_lookup(premap, raw);
	switch (ze) {
	case 0: x->state = PS_BTT_IDENTITY; break;
	case 1: x->state = PS_BTT_ERROR; break;
	case 2: x->state = PS_BTT_ZERO; break;
	default: x->state = PS_BTT_NORMAL; break;
	}
	if ((x->state == PS_BTT_NORMAL || x->state == PS_BTT_IDENTITY) &&
	    x->postmap >= a->sb.internal_nlba)
		x->state = PS_BTT_BADMAP;
	x->data_off = a->off + a->sb.dataoff +
		      (uint64_t)x->postmap * a->sb.internal_lbasize;
	x->fixed = false;
}

/* Load the flog of an arena: padding scheme, newest entries, in-flight
 * writes (btt_freelist_init, in memory only). */
static int load_flog(struct ps_btt *b, struct ps_btt_arena *a, struct ps_diags *d)
{
	uint32_t nfree = a->sb.nfree;
	uint64_t logoff = a->off + a->sb.logoff;
	uint8_t *g = malloc((size_t)nfree * LOG_GRP);
	if (!g)
		return PS_ENOMEM;
	int r = ps_src_pread(b->ns, g, (size_t)nfree * LOG_GRP, logoff);
	if (r) {
		free(g);
		load_note(b, d, PS_SEV_ERR, (int)a->idx, logoff, "logoff",
			  "arena %u: cannot read the flog: %s", a->idx, ps_src_error(b->ns));
		return PS_OK;
	}
	if (ps_btt_log_indices(g, nfree, a->log_index) != PS_OK) {
		free(g);
		a->log_ok = false;
		load_note(b, d, PS_SEV_ERR, (int)a->idx, logoff, "logoff",
			  "arena %u: unknown flog padding scheme (live slots are neither (0,1) nor (0,2)); the kernel refuses this arena",
			  a->idx);
		return PS_OK;
	}
	a->log_ok = true;
	if (a->log_index[1] == 2)
		ps_diag_add(d, PS_SEV_INFO, logoff, "logoff",
			    "arena %u: flog uses the pre-4.15 layout (live slots 0 and 2)", a->idx);
	a->lanes = calloc(nfree, sizeof(*a->lanes));
	a->fix_lba = calloc(nfree, sizeof(uint32_t));
	a->fix_map = calloc(nfree, sizeof(uint32_t));
	if (!a->lanes || !a->fix_lba || !a->fix_map) {
		free(g);
		return PS_ENOMEM;
	}
	for (uint32_t i = 0; i < nfree; i++) {
		struct ps_btt_lane *L = &a->lanes[i];
		const uint8_t *grp = g + (size_t)i * LOG_GRP;
		get_ent(grp + a->log_index[0] * LOG_ENT, &L->slot[0]);
		get_ent(grp + a->log_index[1] * LOG_ENT, &L->slot[1]);
		int old = ps_btt_log_old(L->slot[0].seq, L->slot[1].seq);
		if (old < 0) {
			L->newest_slot = -1;
			continue;
		}
		L->newest_slot = 1 - old;
		L->newest = L->slot[L->newest_slot];
		uint32_t om = L->newest.old_map & PS_BTT_MAP_LBA_MASK;
		uint32_t nm = L->newest.new_map & PS_BTT_MAP_LBA_MASK;
		if (om == nm || L->newest.lba >= a->sb.external_nlba)
			continue;
		uint32_t raw;
		if (read_map_raw(b, a, L->newest.lba, 1, &raw) != PS_OK)
			continue;
		/* an earlier lane may already have resolved this LBA */
		for (size_t k = 0; k < a->nfix; k++)
			if (a->fix_lba[k] == L->newest.lba)
				raw = a->fix_map[k] | PS_BTT_MAP_NORMAL;
		uint32_t cur = map_lookup(L->newest.lba, raw);
		if (nm != cur && om == cur) {
			L->pending = true;
			size_t k;
			for (k = 0; k < a->nfix; k++)
				if (a->fix_lba[k] == L->newest.lba)
					break;
			a->fix_lba[k] = L->newest.lba;
			a->fix_map[k] = nm;
			if (k == a->nfix)
				a->nfix++;
		}
	}
	free(g);
	return PS_OK;
}

static int try_first(struct ps_btt *b, uint64_t io, const uint8_t *puuid,
		     bool backups, struct ps_btt_sb *sb, uint64_t *where,
		     bool *bad_sig)
{
	unsigned em = io == PS_BTT1_OFFSET ? 1 : io == PS_BTT2_OFFSET ? 2 : 0;
	unsigned en = em == 1 ? 1 : 0;
	uint8_t raw[PS_BTT_INFO_SIZE];
	struct ps_diags tmp;
	ps_diags_init(&tmp);
	int r = read_info(b->ns, io, io, puuid, em, en, raw, sb, &tmp);
	ps_diags_free(&tmp);
	if (r == PS_OK)
		*bad_sig = true;
	if (!backups) {
		if (r == PS_OK && sb_usable(sb)) {
			*where = io;
			return PS_OK;
		}
		return PS_ENOTFOUND;
	}
	if (io >= b->ns->size)
		return PS_ENOTFOUND;
	struct ps_btt_sb bad = *sb;
	return find_backup(b, io, &bad, r == PS_OK, em, en, puuid, sb, where);
}

static int open_impl(struct ps_src *ns, const struct ps_btt_open_opts *o,
		     struct ps_btt **out, struct ps_diags *d)
{
	*out = NULL;
	uint64_t want = o ? o->initial_offset : PS_BTT_OFF_AUTO;
	const uint8_t *puuid = o ? o->parent_uuid : NULL;
	uint64_t cands[2];
	int nc = 0;
	if (want == PS_BTT_OFF_AUTO) {
		cands[nc++] = PS_BTT1_OFFSET;
		cands[nc++] = PS_BTT2_OFFSET;
	} else {
		cands[nc++] = want;
	}
	struct ps_btt *b = calloc(1, sizeof(*b));
	if (!b)
		return PS_ENOMEM;
	b->ns = ns;

	struct ps_btt_sb sb0;
	uint64_t where = 0;
	bool found = false, used_backup = false, sig_seen = false;
	for (int pass = 0; pass < 2 && !found; pass++)
		for (int i = 0; i < nc && !found; i++) {
			bool s = false;
			if (try_first(b, cands[i], puuid, pass == 1, &sb0, &where, &s) == PS_OK) {
				found = true;
				used_backup = pass == 1;
				b->io = cands[i];
			}
			sig_seen |= s;
		}
	if (!found) {
		/* Say why, with the primary's own diagnostics. */
		for (int i = 0; i < nc; i++) {
			uint8_t raw[PS_BTT_INFO_SIZE];
			unsigned em = cands[i] == PS_BTT1_OFFSET ? 1 : cands[i] == PS_BTT2_OFFSET ? 2 : 0;
			struct ps_btt_sb s;
			read_info(ns, cands[i], cands[i], puuid, em, em == 1 ? 1 : 0, raw, &s, d);
		}
		ps_btt_close(b);
		return sig_seen ? PS_EFORMAT : PS_ENOTFOUND;
	}

	if (ns->size - b->io < PS_BTT_ARENA_MIN)
		load_note(b, d, PS_SEV_WARN, -1, b->io, "signature",
			  "namespace leaves %llu bytes for the BTT, less than the 16 MiB the kernel requires (it would not attach this BTT)",
			  (unsigned long long)(ns->size - b->io));
	uint64_t off = b->io, ext = 0;
	b->a = NULL;
	for (unsigned idx = 0;; idx++) {
		if (idx >= PS_BTT_MAX_ARENAS) {
			load_note(b, d, PS_SEV_ERR, -1, off, "nextoff",
				  "more than %u arenas: nextoff chain cut there", PS_BTT_MAX_ARENAS);
			break;
		}
		struct ps_btt_arena A;
		memset(&A, 0, sizeof(A));
		A.idx = idx;
		A.off = off;
		uint8_t raw[PS_BTT_INFO_SIZE], raw2[PS_BTT_INFO_SIZE];
		unsigned em = 0, en = 0;
		if (idx == 0 && (b->io == PS_BTT1_OFFSET || b->io == PS_BTT2_OFFSET)) {
			em = b->io == PS_BTT1_OFFSET ? 1 : 2;
			en = em == 1 ? 1 : 0;
		}
		struct ps_diags pd;
		ps_diags_init(&pd);
		int r = read_info(ns, off, off, puuid, em, en, raw, &A.sb, &pd);
		bool prim_sig = r == PS_OK;
		if (r == PS_OK && sb_usable(&A.sb)) {
			A.sb_off = off;
			ps_diags_merge(d, &pd);
		} else {
			struct ps_btt_sb bad = A.sb;
			uint64_t bw;
			if (idx == 0 && used_backup) {
				A.sb = sb0;
				bw = where;
				r = PS_OK;
			} else {
				r = find_backup(b, off, &bad, prim_sig, em, en, puuid, &A.sb, &bw);
			}
			ps_diags_merge(d, &pd);
			if (r != PS_OK) {
				ps_diags_free(&pd);
				load_note(b, d, PS_SEV_ERR, (int)idx, off, "signature",
					  "arena %u at 0x%llx: no valid info block (primary %s, no valid backup): corrupted metadata, the kernel refuses the namespace; only arenas 0..%d are read",
					  idx, (unsigned long long)off,
					  prim_sig ? "invalid" : "missing", (int)idx - 1);
				break;
			}
			A.used_backup = true;
			A.sb_off = bw;
			load_note(b, d, PS_SEV_ERR, (int)idx, off, "signature",
				  "arena %u: primary info block at 0x%llx is %s; using the backup at 0x%llx",
				  idx, (unsigned long long)off,
				  prim_sig ? (bad.checksum_ok ? "inconsistent" : "corrupt (checksum mismatch)") : "missing",
				  (unsigned long long)bw);
		}
		ps_diags_free(&pd);
		if (idx > 0 && A.sb.external_lbasize != b->lbasize) {
			load_note(b, d, PS_SEV_ERR, (int)idx, off, "external_lbasize",
				  "arena %u: external_lbasize %u differs from arena 0's %u; chain cut",
				  idx, A.sb.external_lbasize, b->lbasize);
			break;
		}
		if (idx > 0 && (A.sb.version_major != b->a[0].sb.version_major ||
				A.sb.version_minor != b->a[0].sb.version_minor))
			load_note(b, d, PS_SEV_WARN, (int)idx, off, "version_major",
				  "arena %u: version %u.%u differs from arena 0's", idx,
				  A.sb.version_major, A.sb.version_minor);
		A.size = A.sb.arena_size;
		A.ext_start = ext;
		/* The backup: compare with the primary (ndctl btt_check_info2). */
		if (!A.used_backup) {
			struct ps_btt_sb s2;
			struct ps_diags t2;
			ps_diags_init(&t2);
			int r2 = read_info(ns, off + A.sb.info2off, off, puuid, 0, 0, raw2, &s2, &t2);
			ps_diags_free(&t2);
			A.backup_ok = r2 == PS_OK && sb_usable(&s2);
			if (r2 != PS_OK)
				A.backup_differs = true;
			else
				A.backup_differs = memcmp(raw, raw2, PS_BTT_INFO_SIZE) != 0;
			if (A.backup_differs)
				load_note(b, d, PS_SEV_WARN, (int)idx, off + A.sb.info2off, "info2off",
					  "arena %u: backup info block at 0x%llx %s the primary (ndctl check-namespace would restore it)",
					  idx, (unsigned long long)(off + A.sb.info2off),
					  r2 != PS_OK ? "is missing; it should copy" :
					  A.backup_ok ? "differs from" : "is invalid and differs from");
		} else {
			A.backup_ok = true;
		}
		if (idx == 0) {
			b->lbasize = A.sb.external_lbasize;
			b->ss = A.sb.sector_size;
		}
		struct ps_btt_arena *na = realloc(b->a, (idx + 1) * sizeof(*na));
		if (!na) {
			ps_btt_close(b);
			return PS_ENOMEM;
		}
		b->a = na;
		b->a[idx] = A;
		b->n = idx + 1;
		int fr = load_flog(b, &b->a[idx], d);
		if (fr) {
			ps_btt_close(b);
			return fr;
		}
		ext += A.sb.external_nlba;
		if (!A.sb.nextoff)
			break;
		uint64_t nx;
		if (ps_add_ovf(off, A.sb.nextoff, &nx) || nx >= ns->size ||
		    ns->size - nx < PS_BTT_INFO_SIZE) {
			load_note(b, d, PS_SEV_ERR, (int)idx, off + O_NEXTOFF, "nextoff",
				  "arena %u: nextoff 0x%llx points past the end of the namespace; chain cut",
				  idx, (unsigned long long)A.sb.nextoff);
			break;
		}
		off = nx;	/* strictly increasing: nextoff >= info2off + 4096 */
	}
	b->nlba = ext;
	b->mapbuf = malloc(PS_BTT_MAP_CHUNK * sizeof(uint32_t));
	b->bounce = malloc(b->ss ? b->ss : 4096);
	if (!b->mapbuf || !b->bounce) {
		ps_btt_close(b);
		return PS_ENOMEM;
	}
	*out = b;
	return PS_OK;
}

int ps_btt_open(struct ps_src *ns, const struct ps_btt_open_opts *o,
		struct ps_btt **out, struct ps_diags *d)
{
	if (d)
		return open_impl(ns, o, out, d);
	struct ps_diags tmp;
	ps_diags_init(&tmp);
	int r = open_impl(ns, o, out, &tmp);
	ps_diags_free(&tmp);
	return r;
}

/* Arena holding external LBA lba (binary search). */
static struct ps_btt_arena *lba_arena(struct ps_btt *b, uint64_t lba)
{
	if (lba >= b->nlba)
		return NULL;
	unsigned lo = 0, hi = b->n;
	while (hi - lo > 1) {
		unsigned mid = lo + (hi - lo) / 2;
		if (b->a[mid].ext_start <= lba)
			lo = mid;
		else
			hi = mid;
	}
	return &b->a[lo];
}

int ps_btt_translate(struct ps_btt *b, uint64_t lba, struct ps_btt_xlat *x)
{
	struct ps_btt_arena *a = lba_arena(b, lba);
	if (!a)
		return PS_ERANGE;
	uint32_t p = (uint32_t)(lba - a->ext_start), raw;
	int r = read_map(b, a, p, 1, &raw);
	if (r)
		return r;
	classify(a, p, raw, x);
	for (size_t i = 0; i < a->nfix; i++)
		if (a->fix_lba[i] == p)
			x->fixed = true;
	return PS_OK;
}

/* ---- the view ---- */

static const char *state_why(enum ps_btt_state s)
{
	return s == PS_BTT_ERROR ?
		"has the error flag set (the kernel returns EIO for this block)" :
		"points beyond internal_nlba";
}

static int view_pread(struct ps_src *s, void *buf, size_t len, uint64_t off)
{
	struct ps_btt *b = s->priv;
	uint8_t *out = buf;
	uint32_t ss = b->ss;
	while (len) {
		uint64_t lba = off / ss;
		uint32_t within = (uint32_t)(off % ss);
		struct ps_btt_arena *a = lba_arena(b, lba);
		if (!a)
			return PS_ERANGE;
		uint32_t p = (uint32_t)(lba - a->ext_start);
		uint64_t want = ((uint64_t)within + len + ss - 1) / ss;
		uint64_t n = a->sb.external_nlba - p;
		if (n > want)
			n = want;
		if (n > PS_BTT_MAP_CHUNK)
			n = PS_BTT_MAP_CHUNK;
		int r = read_map(b, a, p, (uint32_t)n, b->mapbuf);
		if (r) {
			ps_src_set_error(s, "%s", ps_src_error(b->ns));
			return r;
		}
		/* a pending contiguous run of reads straight into out */
		uint64_t run_off = 0;
		uint8_t *run_dst = NULL;
		size_t run_len = 0;
		for (uint64_t i = 0; i < n && len; i++) {
			struct ps_btt_xlat x;
			classify(a, (uint32_t)(p + i), b->mapbuf[i], &x);
			uint32_t w = i == 0 ? within : 0;
			size_t take = ss - w;
			if (take > len)
				take = len;
			bool direct = x.state == PS_BTT_NORMAL || x.state == PS_BTT_IDENTITY;
			if (run_len && (!direct || run_off + run_len != x.data_off + w ||
					run_dst + run_len != out)) {
				r = ps_src_pread(b->ns, run_dst, run_len, run_off);
				if (r) {
					ps_src_set_error(s, "%s", ps_src_error(b->ns));
					return r;
				}
				run_len = 0;
			}
			if (x.state == PS_BTT_ZERO) {
				memset(out, 0, take);
			} else if (!direct) {
				ps_src_set_error(s, "%s: BTT arena %u LBA %llu (arena LBA %u): map entry 0x%08x %s",
						 s->name, a->idx,
						 (unsigned long long)(lba + i), x.premap,
						 x.raw, state_why(x.state));
				return PS_EIO;
			} else {
				if (!run_len) {
					run_off = x.data_off + w;
					run_dst = out;
				}
				run_len += take;
			}
			out += take;
			off += take;
			len -= take;
		}
		if (run_len) {
			r = ps_src_pread(b->ns, run_dst, run_len, run_off);
			if (r) {
				ps_src_set_error(s, "%s", ps_src_error(b->ns));
				return r;
			}
		}
	}
	return PS_OK;
}

/*
 * Scan for the first block at or after lba that may hold data (want_data)
 * or is surely a hole (!want_data). Zero-flagged blocks are holes; so are
 * blocks whose data lies in a hole of the namespace image. Error and
 * out-of-range blocks count as data (reading them reports the problem).
 */
static int view_scan(struct ps_src *s, uint64_t off, bool want_data, uint64_t *res)
{
	struct ps_btt *b = s->priv;
	uint32_t ss = b->ss;
	uint64_t lba = off / ss;
	while (lba < b->nlba) {
		struct ps_btt_arena *a = lba_arena(b, lba);
		uint32_t p = (uint32_t)(lba - a->ext_start);
		uint64_t n = a->sb.external_nlba - p;
		if (n > PS_BTT_MAP_CHUNK)
			n = PS_BTT_MAP_CHUNK;
		int r = read_map(b, a, p, (uint32_t)n, b->mapbuf);
		if (r) {
			ps_src_set_error(s, "%s", ps_src_error(b->ns));
			return r;
		}
		uint64_t i = 0;
		while (i < n) {
			struct ps_btt_xlat x;
			classify(a, (uint32_t)(p + i), b->mapbuf[i], &x);
			if (x.state == PS_BTT_ZERO) {
				if (!want_data)
					goto found;
				i++;
				continue;
			}
			if (x.state != PS_BTT_NORMAL && x.state != PS_BTT_IDENTITY) {
				if (want_data)
					goto found;
				i++;
				continue;
			}
			/* maximal run of physically consecutive blocks (a
			 * chunk read from a hole is one identity run) */
			uint64_t j = b->map_identity ? n : i + 1;
			uint32_t il = a->sb.internal_lbasize;
			while (j < n) {
				struct ps_btt_xlat y;
				classify(a, (uint32_t)(p + j), b->mapbuf[j], &y);
				if ((y.state != PS_BTT_NORMAL && y.state != PS_BTT_IDENTITY) ||
				    y.postmap != x.postmap + (j - i))
					break;
				j++;
			}
			uint64_t start = x.data_off;
			uint64_t end = start + (j - i - 1) * il + ss;
			uint64_t q;
			if (want_data) {
				r = par_data(b, a, start, &q);
				if (r) {
					ps_src_set_error(s, "%s", ps_src_error(b->ns));
					return r;
				}
				if (q < end) {
					i += (q - start) / il;
					goto found;
				}
				i = j;
				continue;
			}
			/* want a hole: a block whose data range is all hole */
			uint64_t k = i;
			while (k < j) {
				uint64_t bs = start + (k - i) * il;
				r = par_data(b, a, bs, &q);
				if (r) {
					ps_src_set_error(s, "%s", ps_src_error(b->ns));
					return r;
				}
				if (q >= bs + ss) {
					i = k;
					goto found;
				}
				/* data at q: skip to the first block after it
				 * that could start a hole */
				uint64_t h;
				r = par_hole(b, a, q, &h);
				if (r) {
					ps_src_set_error(s, "%s", ps_src_error(b->ns));
					return r;
				}
				uint64_t nk = h <= start ? k + 1 : i + (h - start + il - 1) / il;
				k = nk > k ? nk : k + 1;
			}
			i = j;
		}
		lba += n;
		continue;
found:
		{
			uint64_t at = (lba + i) * ss;
			*res = at > off ? at : off;
			return PS_OK;
		}
	}
	*res = s->size;
	return PS_OK;
}

static int view_next_data(struct ps_src *s, uint64_t off, uint64_t *out)
{
	return view_scan(s, off, true, out);
}

static int view_next_hole(struct ps_src *s, uint64_t off, uint64_t *out)
{
	return view_scan(s, off, false, out);
}

static const struct ps_src_ops view_ops = {
	.pread = view_pread,
	.next_data = view_next_data,
	.next_hole = view_next_hole,
	.close = NULL,	/* the view does not own the ps_btt */
};

int ps_btt_view(struct ps_btt *b, struct ps_src **view)
{
	char name[512];
	uint64_t size;
	*view = NULL;
	if (ps_mul_ovf(b->nlba, b->ss, &size))
		return PS_ERANGE;
	snprintf(name, sizeof(name), "%s[btt@%llu]", b->ns->name,
		 (unsigned long long)b->io);
	struct ps_src *v = ps_src_new(&view_ops, b, size, name);
	if (!v)
		return PS_ENOMEM;
	v->parent = b->ns;
	*view = v;
	return PS_OK;
}

/* ------------------------------------------------------------------ */
/* Checks (ndctl check-namespace)                                      */
/* ------------------------------------------------------------------ */

#define DUP_MAX 64

/* If bits [first, first+n) are all clear, set them and return true. */
static bool range_clear_set(uint64_t *bm, uint64_t first, uint64_t n)
{
	for (uint64_t k = first; k < first + n;) {
		if (!(k % 64) && k + 64 <= first + n) {
			if (bm[k / 64])
				return false;
			k += 64;
		} else {
			if (bm[k / 64] & (1ull << (k % 64)))
				return false;
			k++;
		}
	}
	for (uint64_t k = first; k < first + n;) {
		if (!(k % 64) && k + 64 <= first + n) {
			bm[k / 64] = UINT64_MAX;
			k += 64;
		} else {
			bm[k / 64] |= 1ull << (k % 64);
			k++;
		}
	}
	return true;
}
#define LIST_MAX 8

static int check_arena(struct ps_btt *b, struct ps_btt_arena *a,
		       struct ps_btt_report *r)
{
	const struct ps_btt_sb *sb = &a->sb;
	int ai = (int)a->idx;
	uint64_t mapoff = a->off + sb->mapoff, logoff = a->off + sb->logoff;

	/* Arena metadata (btt_parse_meta). */
	if (sb->flags & PS_BTT_FLAG_ERROR)
		rep_add(r, PS_SEV_ERR, "info", ai, -1, -1, -1, a->sb_off + O_FLAGS,
			"arena %d: info block error flag (IB_FLAG_ERROR) is set", ai);
	if (sb->internal_lbasize != sb->external_lbasize)
		rep_add(r, PS_SEV_INFO, "info", ai, -1, -1, -1, a->sb_off + O_INT_LBASIZE,
			"arena %d: internal_lbasize %u != external_lbasize %u (kernel-valid padding to 64 bytes; ndctl check-namespace refuses it)",
			ai, sb->internal_lbasize, sb->external_lbasize);

	/* Flog entries (btt_check_log_entries). */
	if (!a->log_ok) {
		rep_add(r, PS_SEV_ERR, "flog", ai, -1, -1, -1, logoff,
			"arena %d: flog padding scheme not recognised; flog checks skipped", ai);
	} else {
		for (uint32_t i = 0; i < sb->nfree; i++) {
			const struct ps_btt_lane *L = &a->lanes[i];
			uint64_t lo = logoff + (uint64_t)i * LOG_GRP;
			uint32_t s0 = L->slot[0].seq, s1 = L->slot[1].seq;
			if (s0 == s1)
				rep_add(r, PS_SEV_ERR, "flog", ai, i, -1, -1, lo,
					"arena %d lane %u: both flog entries have sequence number %u", ai, i, s0);
			else if (s0 > 3 || s1 > 3)
				rep_add(r, PS_SEV_ERR, "flog", ai, i, -1, -1, lo,
					"arena %d lane %u: sequence number out of range (%u, %u)", ai, i, s0, s1);
			else if (L->newest_slot < 0)
				rep_add(r, PS_SEV_ERR, "flog", ai, i, -1, -1, lo,
					"arena %d lane %u: sequence numbers (%u, %u) are not a valid pair; the kernel refuses the arena",
					ai, i, s0, s1);
			if (L->newest_slot < 0)
				continue;
			const struct ps_btt_log_ent *e = &L->newest;
			if (e->lba >= sb->external_nlba)
				rep_add(r, PS_SEV_ERR, "flog", ai, i, e->lba, -1, lo,
					"arena %d lane %u: newest flog entry LBA %u >= external_nlba %u",
					ai, i, e->lba, sb->external_nlba);
			if ((e->old_map & PS_BTT_MAP_LBA_MASK) >= sb->internal_nlba)
				rep_add(r, PS_SEV_ERR, "flog", ai, i, -1, e->old_map & PS_BTT_MAP_LBA_MASK, lo,
					"arena %d lane %u: flog old_map %u >= internal_nlba %u",
					ai, i, e->old_map & PS_BTT_MAP_LBA_MASK, sb->internal_nlba);
			if ((e->new_map & PS_BTT_MAP_LBA_MASK) >= sb->internal_nlba)
				rep_add(r, PS_SEV_ERR, "flog", ai, i, -1, e->new_map & PS_BTT_MAP_LBA_MASK, lo,
					"arena %d lane %u: flog new_map %u >= internal_nlba %u",
					ai, i, e->new_map & PS_BTT_MAP_LBA_MASK, sb->internal_nlba);
			/* btt_check_log_map */
			if (L->pending)
				rep_add(r, PS_SEV_WARN, "log-map", ai, i, (int64_t)(a->ext_start + e->lba),
					e->new_map & PS_BTT_MAP_LBA_MASK, lo,
					"arena %d lane %u: in-flight write pending for LBA %llu: flog new_map %u, map still old_map %u; the kernel completes it on load (resolved in memory, nothing written)",
					ai, i, (unsigned long long)(a->ext_start + e->lba),
					e->new_map & PS_BTT_MAP_LBA_MASK, e->old_map & PS_BTT_MAP_LBA_MASK);
		}
	}

	/* Map entries (btt_check_map_entries) and the bitmap (btt_check_bitmap),
	 * over the effective map: pending writes resolved as the kernel does. */
	uint64_t inlba = sb->internal_nlba;
	uint64_t *bm = calloc((inlba + 63) / 64 ? (inlba + 63) / 64 : 1, sizeof(uint64_t));
	if (!bm)
		return PS_ENOMEM;
	uint32_t dup[DUP_MAX];
	size_t ndup = 0, more_dup = 0;
	for (uint32_t p = 0; p < sb->external_nlba;) {
		uint32_t n = sb->external_nlba - p;
		if (n > PS_BTT_MAP_CHUNK)
			n = PS_BTT_MAP_CHUNK;
		if (read_map(b, a, p, n, b->mapbuf) != PS_OK) {
			rep_add(r, PS_SEV_ERR, "map", ai, -1, -1, -1, mapoff + (uint64_t)p * 4,
				"arena %d: cannot read the map: %s", ai, ps_src_error(b->ns));
			free(bm);
			return PS_EIO;
		}
		if (b->map_identity && range_clear_set(bm, p, n)) {
			p += n;
			continue;	/* identity chunk, no block seen before */
		}
		for (uint32_t i = 0; i < n; i++) {
			uint32_t raw = b->mapbuf[i], pm = map_lookup(p + i, raw);
			uint64_t lba = a->ext_start + p + i;
			if (pm >= inlba) {
				rep_add(r, PS_SEV_ERR, "map", ai, -1, (int64_t)lba, pm,
					mapoff + (uint64_t)(p + i) * 4,
					"arena %d LBA %llu: map entry 0x%08x points to internal block %u >= internal_nlba %u",
					ai, (unsigned long long)lba, raw, pm, sb->internal_nlba);
				continue;
			}
			if ((raw & PS_BTT_MAP_NORMAL) == PS_BTT_MAP_E)
				rep_add(r, PS_SEV_WARN, "map", ai, -1, (int64_t)lba, pm,
					mapoff + (uint64_t)(p + i) * 4,
					"arena %d LBA %llu: map entry 0x%08x has the error flag: reads of this block fail (EIO)",
					ai, (unsigned long long)lba, raw);
			if (bm[pm / 64] & (1ull << (pm % 64))) {
				size_t k;
				for (k = 0; k < ndup && dup[k] != pm; k++)
					;
				if (k == ndup) {
					if (ndup < DUP_MAX)
						dup[ndup++] = pm;
					else
						more_dup++;
				}
			}
			bm[pm / 64] |= 1ull << (pm % 64);
		}
		p += n;
	}
	/* free blocks: each lane's newest old_map */
	int64_t dup_lane[DUP_MAX];
	for (size_t k = 0; k < DUP_MAX; k++)
		dup_lane[k] = -1;
	if (a->log_ok) {
		for (uint32_t i = 0; i < sb->nfree; i++) {
			const struct ps_btt_lane *L = &a->lanes[i];
			if (L->newest_slot < 0)
				continue;
			uint32_t om = L->newest.old_map & PS_BTT_MAP_LBA_MASK;
			if (om >= inlba)
				continue;
			if (bm[om / 64] & (1ull << (om % 64))) {
				size_t k;
				for (k = 0; k < ndup && dup[k] != om; k++)
					;
				if (k == ndup) {
					if (ndup < DUP_MAX)
						dup[ndup++] = om;
					else
						more_dup++;
				}
				if (k < DUP_MAX && dup_lane[k] < 0)
					dup_lane[k] = i;
			}
			bm[om / 64] |= 1ull << (om % 64);
		}
	}
	/* Name every referrer of a duplicated block (second pass over the map). */
	if (ndup) {
		uint64_t who[DUP_MAX][LIST_MAX];
		size_t nwho[DUP_MAX] = { 0 };
		for (uint32_t p = 0; p < sb->external_nlba;) {
			uint32_t n = sb->external_nlba - p;
			if (n > PS_BTT_MAP_CHUNK)
				n = PS_BTT_MAP_CHUNK;
			if (read_map(b, a, p, n, b->mapbuf) != PS_OK)
				break;
			for (uint32_t i = 0; i < n; i++) {
				uint32_t pm = map_lookup(p + i, b->mapbuf[i]);
				for (size_t k = 0; k < ndup; k++)
					if (dup[k] == pm && nwho[k] < LIST_MAX)
						who[k][nwho[k]++] = a->ext_start + p + i;
			}
			p += n;
		}
		for (size_t k = 0; k < ndup; k++) {
			char list[160] = "";
			size_t used = 0;
			for (size_t j = 0; j < nwho[k] && used < sizeof(list) - 24; j++)
				used += (size_t)snprintf(list + used, sizeof(list) - used,
							 "%sLBA %llu", j ? ", " : "",
							 (unsigned long long)who[k][j]);
			if (dup_lane[k] >= 0 && used < sizeof(list) - 24)
				snprintf(list + used, sizeof(list) - used, "%sflog lane %lld",
					 nwho[k] ? ", " : "", (long long)dup_lane[k]);
			int64_t lba = nwho[k] ? (int64_t)who[k][nwho[k] - 1] : -1;
			rep_add(r, PS_SEV_ERR, "bitmap", ai, dup_lane[k], lba, dup[k],
				a->off + sb->dataoff + (uint64_t)dup[k] * sb->internal_lbasize,
				"arena %d: internal block %u is referenced more than once: by %s",
				ai, dup[k], list);
		}
		if (more_dup)
			rep_add(r, PS_SEV_ERR, "bitmap", ai, -1, -1, -1, mapoff,
				"arena %d: %zu more internal blocks are referenced more than once",
				ai, more_dup);
	}
	if (a->log_ok) {
		uint64_t unref = 0;
		for (uint64_t blk = 0; blk < inlba; blk++) {
			if (!(blk % 64) && blk + 64 <= inlba && bm[blk / 64] == UINT64_MAX) {
				blk += 63;
				continue;
			}
			if (bm[blk / 64] & (1ull << (blk % 64)))
				continue;
			if (unref++ < LIST_MAX)
				rep_add(r, PS_SEV_ERR, "bitmap", ai, -1, -1, (int64_t)blk,
					a->off + sb->dataoff + blk * sb->internal_lbasize,
					"arena %d: internal block %llu is referenced by neither the map nor the flog (lost block)",
					ai, (unsigned long long)blk);
		}
		if (unref > LIST_MAX)
			rep_add(r, PS_SEV_ERR, "bitmap", ai, -1, -1, -1, mapoff,
				"arena %d: %llu internal blocks in all are unreferenced",
				ai, (unsigned long long)unref);
	}
	free(bm);
	return PS_OK;
}

int ps_btt_check(struct ps_btt *b, struct ps_btt_report *r)
{
	for (size_t i = 0; i < b->load.n; i++) {
		const struct ps_btt_finding *f = &b->load.v[i];
		rep_add(r, f->sev, f->check, f->arena, f->lane, f->lba, f->block,
			f->off, "%s", f->msg);
	}
	r->dropped += b->load.dropped;
	for (unsigned i = 0; i < b->n; i++) {
		int rc = check_arena(b, &b->a[i], r);
		if (rc == PS_ENOMEM)
			return rc;
	}
	return PS_OK;
}

/* ------------------------------------------------------------------ */
/* Writer                                                              */
/* ------------------------------------------------------------------ */

struct w_lane {
	uint32_t block;
	uint8_t sub, seq;
};

struct w_arena {
	uint64_t off;
	uint64_t ext_start;
	struct ps_btt_geom g;
	struct w_lane *fl;
};

struct ps_btt_writer {
	struct ps_btt_sink s;
	uint32_t lbasize, ss;
	uint64_t nlba;
	unsigned n;
	struct w_arena *a;
	unsigned rr;
	int log_index[2];
};

static int sink_io(const struct ps_btt_sink *s, bool wr, void *buf, size_t len,
		   uint64_t off)
{
	uint64_t end;
	if (ps_add_ovf(off, len, &end) || end > s->ns_size)
		return PS_ERANGE;
	if (s->fd < 0) {
		if (wr)
			memcpy(s->buf + s->base + off, buf, len);
		else
			memcpy(buf, s->buf + s->base + off, len);
		return PS_OK;
	}
	uint8_t *p = buf;
	off += s->base;
	while (len) {
		ssize_t k = wr ? pwrite(s->fd, p, len, (off_t)off) :
				 pread(s->fd, p, len, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return PS_EIO;
		if (k == 0) {
			if (wr)
				return PS_EIO;
			memset(p, 0, len);	/* past EOF of a short file: zeros */
			return PS_OK;
		}
		p += k;
		len -= (size_t)k;
		off += (uint64_t)k;
	}
	return PS_OK;
}

int ps_btt_geometry(uint64_t size, uint32_t lbasize, uint32_t nfree,
		    struct ps_btt_geom *g)
{
	memset(g, 0, sizeof(*g));
	if (lbasize < 512 || lbasize > PS_BTT_MAX_LBASIZE || !nfree ||
	    nfree > PS_BTT_MAX_NFREE || size > PS_BTT_ARENA_MAX)
		return PS_EINVAL;
	uint64_t il = (lbasize + 63u) / 64u * 64u;
	uint64_t avail = ps_align_down(size, SZ_4K);
	uint64_t logsize = ps_align_up((uint64_t)nfree * LOG_GRP, SZ_4K);
	if (avail < 2 * SZ_4K + logsize + SZ_4K)
		return PS_EINVAL;
	avail -= 2 * SZ_4K + logsize;
	uint64_t inlba = (avail - SZ_4K) / (il + 4);
	if (inlba <= nfree || inlba > PS_BTT_MAP_LBA_MASK + 1ull)
		return PS_EINVAL;
	uint64_t ext = inlba - nfree;
	uint64_t mapsize = ps_align_up(ext * 4, SZ_4K);
	uint64_t datasize = avail - mapsize;
	g->internal_lbasize = (uint32_t)il;
	g->internal_nlba = (uint32_t)inlba;
	g->external_nlba = (uint32_t)ext;
	g->nfree = nfree;
	g->dataoff = SZ_4K;
	g->mapoff = SZ_4K + datasize;
	g->logoff = g->mapoff + mapsize;
	g->info2off = g->logoff + logsize;
	return PS_OK;
}

void ps_btt_writer_free(struct ps_btt_writer *w)
{
	if (!w)
		return;
	for (unsigned i = 0; i < w->n; i++)
		free(w->a[i].fl);
	free(w->a);
	free(w);
}

static int write_zeros(const struct ps_btt_sink *s, uint64_t off, uint64_t len)
{
	static const uint8_t z[65536];
	while (len) {
		size_t k = len > sizeof(z) ? sizeof(z) : (size_t)len;
		int r = sink_io(s, true, (void *)z, k, off);
		if (r)
			return r;
		off += k;
		len -= k;
	}
	return PS_OK;
}

int ps_btt_format(const struct ps_btt_sink *s, const struct ps_btt_fmt *f,
		  struct ps_btt_writer **out, char *err, size_t errlen)
{
	*out = NULL;
	uint64_t io = f->version_major == 2 ? PS_BTT2_OFFSET : PS_BTT1_OFFSET;
	uint32_t nfree = f->nfree ? f->nfree : PS_BTT_NFREE_DEFAULT;
	if (f->version_major != 1 && f->version_major != 2) {
		snprintf(err, errlen, "BTT version must be 1 (1.1) or 2 (2.0)");
		return PS_EINVAL;
	}
	if (s->ns_size < io + PS_BTT_ARENA_MIN) {
		snprintf(err, errlen, "namespace of %llu bytes is too small for a BTT (needs %llu)",
			 (unsigned long long)s->ns_size,
			 (unsigned long long)(io + PS_BTT_ARENA_MIN));
		return PS_EINVAL;
	}
	struct ps_btt_writer *w = calloc(1, sizeof(*w));
	if (!w)
		return PS_ENOMEM;
	w->s = *s;
	w->lbasize = f->lbasize;
	w->ss = f->lbasize >= 4096 ? 4096 : 512;
	w->log_index[0] = 0;
	w->log_index[1] = f->log_index1 == 2 ? 2 : 1;
	/* create_arenas() */
	uint64_t rem = s->ns_size - io, cur = io;
	while (rem) {
		uint64_t asz = rem < PS_BTT_ARENA_MAX ? rem : PS_BTT_ARENA_MAX;
		rem -= asz;
		if (asz < PS_BTT_ARENA_MIN)
			break;
		struct w_arena *na = realloc(w->a, (w->n + 1) * sizeof(*na));
		if (!na) {
			ps_btt_writer_free(w);
			return PS_ENOMEM;
		}
		w->a = na;
		struct w_arena *A = &w->a[w->n];
		memset(A, 0, sizeof(*A));
		w->n++;
		A->off = cur;
		A->ext_start = w->nlba;
		int r = ps_btt_geometry(asz, f->lbasize, nfree, &A->g);
		if (r) {
			snprintf(err, errlen, "cannot lay out an arena of %llu bytes with %u-byte blocks",
				 (unsigned long long)asz, f->lbasize);
			ps_btt_writer_free(w);
			return r;
		}
		w->nlba += A->g.external_nlba;
		uint64_t nextoff = rem >= PS_BTT_ARENA_MIN ? asz : 0;
		/* btt_arena_write_layout(): map, flog, info2 then info */
		r = PS_OK;
		if (f->zero_meta)
			r = write_zeros(s, cur + A->g.mapoff, A->g.logoff - A->g.mapoff);
		if (!r)
			r = write_zeros(s, cur + A->g.logoff, A->g.info2off - A->g.logoff);
		for (uint32_t i = 0; !r && i < nfree; i++) {
			uint8_t e[LOG_ENT];
			ps_put_le32(e, i);
			ps_put_le32(e + 4, A->g.external_nlba + i);
			ps_put_le32(e + 8, A->g.external_nlba + i);
			ps_put_le32(e + 12, 1);
			r = sink_io(s, true, e, LOG_ENT, cur + A->g.logoff + (uint64_t)i * LOG_GRP);
		}
		struct ps_btt_sb sb;
		memset(&sb, 0, sizeof(sb));
		memcpy(sb.uuid, f->uuid, 16);
		memcpy(sb.parent_uuid, f->parent_uuid, 16);
		sb.version_major = (uint16_t)f->version_major;
		sb.version_minor = f->version_major == 1 ? 1 : 0;
		sb.external_lbasize = f->lbasize;
		sb.external_nlba = A->g.external_nlba;
		sb.internal_lbasize = A->g.internal_lbasize;
		sb.internal_nlba = A->g.internal_nlba;
		sb.nfree = nfree;
		sb.infosize = PS_BTT_INFO_SIZE;
		sb.nextoff = nextoff;
		sb.dataoff = A->g.dataoff;
		sb.mapoff = A->g.mapoff;
		sb.logoff = A->g.logoff;
		sb.info2off = A->g.info2off;
		uint8_t blk[PS_BTT_INFO_SIZE];
		ps_btt_info_encode(&sb, blk);
		if (!r)
			r = sink_io(s, true, blk, sizeof(blk), cur + A->g.info2off);
		if (!r)
			r = sink_io(s, true, blk, sizeof(blk), cur);
		if (r) {
			snprintf(err, errlen, "write error laying out arena %u at %llu: %s",
				 w->n - 1, (unsigned long long)cur, strerror(errno));
			ps_btt_writer_free(w);
			return r;
		}
		/* btt_freelist_init() on the fresh layout */
		A->fl = calloc(nfree, sizeof(*A->fl));
		if (!A->fl) {
			ps_btt_writer_free(w);
			return PS_ENOMEM;
		}
		for (uint32_t i = 0; i < nfree; i++) {
			A->fl[i].block = A->g.external_nlba + i;
			A->fl[i].sub = 1;
			A->fl[i].seq = 2;
		}
		cur += asz;
	}
	*out = w;
	return PS_OK;
}

static struct w_arena *w_arena(struct ps_btt_writer *w, uint64_t lba, uint32_t *p)
{
	if (lba >= w->nlba)
		return NULL;
	for (unsigned i = 0; i < w->n; i++)
		if (lba - w->a[i].ext_start < w->a[i].g.external_nlba) {
			*p = (uint32_t)(lba - w->a[i].ext_start);
			return &w->a[i];
		}
	return NULL;
}

int ps_btt_writer_get_map(struct ps_btt_writer *w, uint64_t lba, uint32_t *raw)
{
	uint32_t p;
	struct w_arena *A = w_arena(w, lba, &p);
	uint8_t e[4];
	if (!A)
		return PS_ERANGE;
	int r = sink_io(&w->s, false, e, 4, A->off + A->g.mapoff + (uint64_t)p * 4);
	*raw = ps_le32(e);
	return r;
}

int ps_btt_writer_set_map(struct ps_btt_writer *w, uint64_t lba, uint32_t raw)
{
	uint32_t p;
	struct w_arena *A = w_arena(w, lba, &p);
	uint8_t e[4];
	if (!A)
		return PS_ERANGE;
	ps_put_le32(e, raw);
	return sink_io(&w->s, true, e, 4, A->off + A->g.mapoff + (uint64_t)p * 4);
}

int ps_btt_write_lba(struct ps_btt_writer *w, uint64_t lba, const void *data,
		     int lane, unsigned flags)
{
	uint32_t p;
	struct w_arena *A = w_arena(w, lba, &p);
	if (!A)
		return PS_ERANGE;
	uint32_t L = lane < 0 ? w->rr++ % A->g.nfree : (uint32_t)lane % A->g.nfree;
	struct w_lane *fl = &A->fl[L];
	uint32_t newp = fl->block;
	if (newp >= A->g.internal_nlba)
		return PS_EIO;
	int r = sink_io(&w->s, true, (void *)data, w->ss,
			A->off + A->g.dataoff + (uint64_t)newp * A->g.internal_lbasize);
	if (r)
		return r;
	uint32_t raw;
	r = ps_btt_writer_get_map(w, lba, &raw);
	if (r)
		return r;
	uint32_t oldp = map_lookup(p, raw);
	if (oldp >= A->g.internal_nlba)
		return PS_EIO;
	if ((raw & PS_BTT_MAP_NORMAL) == PS_BTT_MAP_E)
		oldp |= PS_BTT_MAP_E;
	uint8_t e[LOG_ENT];
	ps_put_le32(e, p);
	ps_put_le32(e + 4, oldp);
	ps_put_le32(e + 8, newp);
	ps_put_le32(e + 12, fl->seq);
	r = sink_io(&w->s, true, e, LOG_ENT, A->off + A->g.logoff +
		    (uint64_t)L * LOG_GRP + (uint64_t)w->log_index[fl->sub] * LOG_ENT);
	if (r)
		return r;
	fl->sub = (uint8_t)(1 - fl->sub);
	fl->seq = (uint8_t)next_seq(fl->seq);
	fl->block = oldp & PS_BTT_MAP_LBA_MASK;
	if (flags & PS_BTT_W_TORN)
		return PS_OK;
	return ps_btt_writer_set_map(w, lba, newp | PS_BTT_MAP_NORMAL);
}

uint64_t ps_btt_writer_nlba(const struct ps_btt_writer *w) { return w->nlba; }
uint32_t ps_btt_writer_sector_size(const struct ps_btt_writer *w) { return w->ss; }
unsigned ps_btt_writer_narenas(const struct ps_btt_writer *w) { return w->n; }

int ps_btt_writer_arena(const struct ps_btt_writer *w, unsigned i,
			uint64_t *info_off, uint64_t *info2_off,
			uint64_t *mapoff, uint64_t *logoff)
{
	if (i >= w->n)
		return PS_ERANGE;
	const struct w_arena *A = &w->a[i];
	if (info_off)
		*info_off = A->off;
	if (info2_off)
		*info2_off = A->off + A->g.info2off;
	if (mapoff)
		*mapoff = A->off + A->g.mapoff;
	if (logoff)
		*logoff = A->off + A->g.logoff;
	return PS_OK;
}
