/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pmdk.h"
#include "err.h"
#include "fletcher.h"
#include "le.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

PS_PMDK_HDR_FIELDS(PS_FIELD_CHECK, PS_PMDK_HDR)
PS_PMDK_BLK_FIELDS(PS_FIELD_CHECK, PS_PMDK_BLK)
PS_PMDK_OBJ_FIELDS(PS_FIELD_CHECK, PS_PMDK_OBJ)
PS_PMDK_LOG_FIELDS(PS_FIELD_CHECK, PS_PMDK_LOG)
_Static_assert(PS_PMDK_HDR_OFF_checksum + PS_PMDK_HDR_LEN_checksum == PS_PMDK_HDR_SIZE,
	       "the checksum ends the pool header");
_Static_assert(PS_PMDK_OBJ_OFF_checksum + PS_PMDK_OBJ_LEN_checksum == PS_PMDK_OBJ_SIZE,
	       "the checksum ends the obj descriptor");
_Static_assert(PS_PMDK_HDR_OFF_unused2 == PS_PMDK_CSUM_2K_END,
	       "CKSUM_2K stops where unused2 starts");

static const struct ps_field hdr_fields[] = { PS_PMDK_HDR_FIELDS(PS_FIELD_ENTRY, PS_PMDK_HDR) };
static const struct ps_field blk_fields[] = { PS_PMDK_BLK_FIELDS(PS_FIELD_ENTRY, PS_PMDK_BLK) };
static const struct ps_field obj_fields[] = { PS_PMDK_OBJ_FIELDS(PS_FIELD_ENTRY, PS_PMDK_OBJ) };
static const struct ps_field log_fields[] = { PS_PMDK_LOG_FIELDS(PS_FIELD_ENTRY, PS_PMDK_LOG) };
const struct ps_layout ps_pmdk_hdr_layout = PS_LAYOUT(PS_PMDK_HDR, "pool_hdr", hdr_fields);
const struct ps_layout ps_pmdk_blk_layout = PS_LAYOUT(PS_PMDK_BLK, "pmemblk", blk_fields);
const struct ps_layout ps_pmdk_obj_layout = PS_LAYOUT(PS_PMDK_OBJ, "pmemobjpool", obj_fields);
const struct ps_layout ps_pmdk_log_layout = PS_LAYOUT(PS_PMDK_LOG, "pmemlog", log_fields);

/* the format major each library of PMDK 1.x writes and reads */
static const struct {
	enum ps_pmdk_type type;
	const char *sig, *name;
	uint32_t major;
} types[] = {
	{ PS_PMDK_BLK, PS_PMDK_BLK_SIG, "blk", 1 },
	{ PS_PMDK_OBJ, PS_PMDK_OBJ_SIG, "obj", 6 },
	{ PS_PMDK_LOG, PS_PMDK_LOG_SIG, "log", 1 },
};

const char *ps_pmdk_type_name(enum ps_pmdk_type t)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == t)
			return types[i].name;
	return "unknown";
}

const char *ps_pmdk_sig_name(enum ps_pmdk_type t)
{
	switch (t) {
	case PS_PMDK_BLK: return "PMEMBLK";
	case PS_PMDK_OBJ: return "PMEMOBJ";
	case PS_PMDK_LOG: return "PMEMLOG";
	}
	return "unknown";
}

void ps_pmdk_uuid_str(const uint8_t u[16], char out[37])
{
	snprintf(out, 37, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 ps_le32(u), ps_le16(u + 4), ps_le16(u + 6), u[8], u[9], u[10], u[11],
		 u[12], u[13], u[14], u[15]);
}

bool ps_pmdk_is_pool(const uint8_t *buf, size_t len)
{
	if (len < PS_PMDK_SIG_LEN)
		return false;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!memcmp(buf, types[i].sig, PS_PMDK_SIG_LEN))
			return true;
	return false;
}

static uint32_t checksum_end(uint32_t incompat)
{
	return incompat & PS_PMDK_FEAT_CKSUM_2K ? PS_PMDK_CSUM_2K_END :
						  PS_PMDK_HDR_OFF_checksum;
}

uint64_t ps_pmdk_hdr_checksum(const uint8_t *hdr)
{
	uint32_t end = checksum_end((uint32_t)PS_FIELD_GET(PS_PMDK_HDR, hdr, incompat));
	/* everything from end on (the checksum included) reads as zero */
	return ps_fletcher64(hdr, PS_PMDK_HDR_SIZE, end, PS_PMDK_HDR_SIZE - end);
}

#define LOADH(f, dst) PS_FIELD_LOAD(PS_PMDK_HDR, b, f, dst)
#define LOADHB(f, dst) PS_FIELD_LOAD_BYTES(PS_PMDK_HDR, b, f, dst)
#define AT(f) PS_FIELD_AT(PS_PMDK_HDR, abs, f)

static void parse_blk(const uint8_t *dsc, uint64_t abs, struct ps_pmdk_pool *p,
		      struct ps_diags *d)
{
	uint64_t at = abs + PS_PMDK_DESC_OFF;
	PS_FIELD_LOAD(PS_PMDK_BLK, dsc, bsize, p->bsize);
	PS_FIELD_LOAD(PS_PMDK_BLK, dsc, is_zeroed, p->is_zeroed);
	p->data_off = PS_PMDK_BLK_DATA_OFF;
	/* libpmemblk refuses blocks under 512 bytes; 0 is a pool never
	 * opened after its header was written */
	if (p->bsize == 0)
		ps_diag_add(d, PS_SEV_ERR, PS_FIELD_AT(PS_PMDK_BLK, at, bsize),
			    "block size is 0");
	if (p->is_zeroed > 1)
		ps_diag_add(d, PS_SEV_WARN, PS_FIELD_AT(PS_PMDK_BLK, at, is_zeroed),
			    "is_zeroed is %u, not 0 or 1", p->is_zeroed);
	if (p->size && p->size < PS_PMDK_BLK_DATA_OFF)
		ps_diag_add(d, PS_SEV_ERR, PS_FIELD_AT(PS_PMDK_HDR, abs, signature),
			    "the pool spans %llu bytes, less than the %u before its BTT",
			    (unsigned long long)p->size, PS_PMDK_BLK_DATA_OFF);
}

static void parse_obj(const uint8_t *dsc, uint64_t abs, struct ps_pmdk_pool *p,
		      struct ps_diags *d)
{
	uint64_t at = abs + PS_PMDK_DESC_OFF;
	const uint8_t *lay = dsc + PS_PMDK_OBJ_OFF_layout;
	size_t n = 0;
	while (n < PS_PMDK_OBJ_LEN_layout && lay[n])
		n++;
	memcpy(p->layout, lay, n);
	p->layout[n] = 0;
	if (n == PS_PMDK_OBJ_LEN_layout)
		ps_diag_add(d, PS_SEV_ERR, PS_FIELD_AT(PS_PMDK_OBJ, at, layout),
			    "layout name is not NUL-terminated in its %u bytes",
			    (unsigned)PS_PMDK_OBJ_LEN_layout);
	PS_FIELD_LOAD(PS_PMDK_OBJ, dsc, lanes_offset, p->lanes_offset);
	PS_FIELD_LOAD(PS_PMDK_OBJ, dsc, nlanes, p->nlanes);
	PS_FIELD_LOAD(PS_PMDK_OBJ, dsc, heap_offset, p->heap_offset);
	PS_FIELD_LOAD(PS_PMDK_OBJ, dsc, checksum, p->obj_checksum);
	p->obj_checksum_calc = ps_fletcher64(dsc, PS_PMDK_OBJ_SIZE, PS_PMDK_OBJ_OFF_checksum,
					     PS_PMDK_OBJ_LEN_checksum);
	p->obj_checksum_ok = p->obj_checksum == p->obj_checksum_calc;
	if (!p->obj_checksum_ok)
		ps_diag_add(d, PS_SEV_ERR, PS_FIELD_AT(PS_PMDK_OBJ, at, checksum),
			    "descriptor checksum 0x%016llx, computed 0x%016llx",
			    (unsigned long long)p->obj_checksum,
			    (unsigned long long)p->obj_checksum_calc);
	if (p->size && (p->lanes_offset >= p->size || p->heap_offset >= p->size))
		ps_diag_add(d, PS_SEV_ERR, PS_FIELD_AT(PS_PMDK_OBJ, at, heap_offset),
			    "lanes at 0x%llx, heap at 0x%llx: past the pool's %llu bytes",
			    (unsigned long long)p->lanes_offset,
			    (unsigned long long)p->heap_offset,
			    (unsigned long long)p->size);
}

static void parse_log(const uint8_t *dsc, uint64_t abs, struct ps_pmdk_pool *p,
		      struct ps_diags *d)
{
	uint64_t at = abs + PS_PMDK_DESC_OFF;
	PS_FIELD_LOAD(PS_PMDK_LOG, dsc, start_offset, p->start_offset);
	PS_FIELD_LOAD(PS_PMDK_LOG, dsc, end_offset, p->end_offset);
	PS_FIELD_LOAD(PS_PMDK_LOG, dsc, write_offset, p->write_offset);
	if (p->start_offset > p->write_offset || p->write_offset > p->end_offset)
		ps_diag_add(d, PS_SEV_ERR, PS_FIELD_AT(PS_PMDK_LOG, at, write_offset),
			    "offsets out of order: start 0x%llx, write 0x%llx, end 0x%llx",
			    (unsigned long long)p->start_offset,
			    (unsigned long long)p->write_offset,
			    (unsigned long long)p->end_offset);
	if (p->size && p->end_offset > p->size)
		ps_diag_add(d, PS_SEV_ERR, PS_FIELD_AT(PS_PMDK_LOG, at, end_offset),
			    "log ends at 0x%llx, past the pool's %llu bytes",
			    (unsigned long long)p->end_offset, (unsigned long long)p->size);
}

int ps_pmdk_parse(const uint8_t *b, size_t len, uint64_t abs, uint64_t size,
		  struct ps_pmdk_pool *p, struct ps_diags *d)
{
	memset(p, 0, sizeof(*p));
	if (len < PS_PMDK_SIG_LEN)
		return PS_ETRUNC;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!memcmp(b, types[i].sig, PS_PMDK_SIG_LEN))
			p->type = types[i].type;
	if (!p->type)
		return PS_ENOTFOUND;
	if (len < PS_PMDK_HDR_SIZE) {
		ps_diag_add(d, PS_SEV_ERR, AT(signature),
			    "%s pool header cut short: %zu of %u bytes",
			    ps_pmdk_sig_name(p->type), len, PS_PMDK_HDR_SIZE);
		return PS_ETRUNC;
	}
	p->size = size;
	LOADH(major, p->major);
	LOADH(compat, p->compat);
	LOADH(incompat, p->incompat);
	LOADH(ro_compat, p->ro_compat);
	LOADHB(poolset_uuid, p->poolset_uuid);
	LOADHB(uuid, p->uuid);
	LOADHB(prev_part_uuid, p->prev_part_uuid);
	LOADHB(next_part_uuid, p->next_part_uuid);
	LOADHB(prev_repl_uuid, p->prev_repl_uuid);
	LOADHB(next_repl_uuid, p->next_repl_uuid);
	LOADH(crtime, p->crtime);
	LOADH(alignment_desc, p->alignment_desc);
	LOADH(machine_class, p->machine_class);
	LOADH(data, p->data);
	LOADH(machine, p->machine);
	LOADH(sds_dirty, p->sds_dirty);
	LOADH(checksum, p->checksum);
	p->checksum_end = checksum_end(p->incompat);
	p->checksum_calc = ps_pmdk_hdr_checksum(b);
	p->checksum_ok = p->checksum == p->checksum_calc;
	p->single_part = !memcmp(p->uuid, p->prev_part_uuid, 16) &&
			 !memcmp(p->uuid, p->next_part_uuid, 16) &&
			 !memcmp(p->uuid, p->prev_repl_uuid, 16) &&
			 !memcmp(p->uuid, p->next_repl_uuid, 16);

	if (!p->checksum_ok)
		ps_diag_add(d, PS_SEV_ERR, AT(checksum),
			    "header checksum 0x%016llx, computed 0x%016llx (over 0x0-0x%x)",
			    (unsigned long long)p->checksum,
			    (unsigned long long)p->checksum_calc, p->checksum_end);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == p->type && p->major != types[i].major)
			ps_diag_add(d, PS_SEV_WARN, AT(major),
				    "format major %u; PMDK 1.x writes %u for %s pools",
				    p->major, types[i].major, types[i].name);
	if (p->incompat & ~(PS_PMDK_FEAT_SINGLEHDR | PS_PMDK_FEAT_CKSUM_2K | PS_PMDK_FEAT_SDS))
		ps_diag_add(d, PS_SEV_WARN, AT(incompat),
			    "unknown mandatory features 0x%x", p->incompat);
	if (p->machine_class != 2 || p->data != 1)
		ps_diag_add(d, PS_SEV_WARN, AT(machine_class),
			    "written by a machine of class %u, data encoding %u (this reads 64-bit little-endian pools)",
			    p->machine_class, p->data);
	if (!ps_is_zero(b + PS_PMDK_HDR_OFF_unused, PS_PMDK_HDR_LEN_unused))
		ps_diag_add(d, PS_SEV_WARN, AT(unused), "reserved bytes are not zero");
	if (!p->single_part)
		ps_diag_add(d, PS_SEV_INFO, AT(next_part_uuid),
			    "one part or replica of a poolset: the others are in other files");

	if (len < PS_PMDK_PARSE_LEN)
		return PS_OK;
	p->desc_read = true;
	const uint8_t *dsc = b + PS_PMDK_DESC_OFF;
	switch (p->type) {
	case PS_PMDK_BLK: parse_blk(dsc, abs, p, d); break;
	case PS_PMDK_OBJ: parse_obj(dsc, abs, p, d); break;
	case PS_PMDK_LOG: parse_log(dsc, abs, p, d); break;
	}
	return PS_OK;
}

/* ---- poolset files ---- */

/* PMDK's size words: a number and an optional unit, nothing else. */
static int parse_size(const char *w, uint64_t *out)
{
	static const struct {
		const char *unit;
		uint64_t mul;
	} units[] = {
		{ "", 1 }, { "B", 1 },
		{ "K", 1ull << 10 }, { "M", 1ull << 20 }, { "G", 1ull << 30 },
		{ "T", 1ull << 40 }, { "P", 1ull << 50 },
		{ "KiB", 1ull << 10 }, { "MiB", 1ull << 20 }, { "GiB", 1ull << 30 },
		{ "TiB", 1ull << 40 }, { "PiB", 1ull << 50 },
		{ "kB", 1000ull }, { "MB", 1000000ull }, { "GB", 1000000000ull },
		{ "TB", 1000000000000ull }, { "PB", 1000000000000000ull },
	};
	uint64_t v = 0;
	size_t i = 0;
	if (w[0] < '0' || w[0] > '9')
		return -1;
	for (; w[i] >= '0' && w[i] <= '9'; i++)
		if (ps_mul_ovf(v, 10, &v) || ps_add_ovf(v, (uint64_t)(w[i] - '0'), &v))
			return -1;
	for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++)
		if (!strcmp(w + i, units[u].unit))
			return ps_mul_ovf(v, units[u].mul, out) ? -1 : 0;
	return -1;
}

int ps_pmdk_poolset_parse(const uint8_t *buf, size_t len, uint64_t abs,
			  struct ps_pmdk_poolset *ps, struct ps_diags *d)
{
	memset(ps, 0, sizeof(*ps));
	size_t n = 0;
	while (n < len && buf[n])
		n++;
	ps->text_len = n;
	const size_t sl = PS_PMDK_POOLSET_SIG_LEN;
	if (n < sl + 1 || memcmp(buf, PS_PMDK_POOLSET_SIG, sl) ||
	    (buf[sl] != '\n' && buf[sl] != '\r'))
		return PS_ENOTFOUND;
	ps->nreplicas = 1;
	size_t pos = sl;
	unsigned lineno = 1;
	while (pos < n) {
		/* one line, without its end */
		size_t s = pos;
		while (pos < n && buf[pos] != '\n')
			pos++;
		size_t e = pos;
		if (pos < n)
			pos++;
		if (s == sl)
			continue;	/* the rest of the signature line */
		lineno++;
		if (e > s && buf[e - 1] == '\r')
			e--;
		char line[512];
		size_t ll = e - s;
		if (ll >= sizeof(line)) {
			ps_diag_add(d, PS_SEV_WARN, abs + s, "poolset",
				    "line %u is longer than %zu bytes: ignored", lineno,
				    sizeof(line) - 1);
			continue;
		}
		memcpy(line, buf + s, ll);
		line[ll] = 0;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char *sv = NULL;
		char *w1 = strtok_r(line, " \t", &sv);
		if (!w1)
			continue;
		char *w2 = strtok_r(NULL, " \t", &sv);
		char *w3 = strtok_r(NULL, " \t", &sv);
		if (!strcmp(w1, "REPLICA")) {
			ps->nreplicas++;
			if (w2)
				ps->nremote++;
			continue;
		}
		if (!strcmp(w1, "OPTION")) {
			if (w2 && !strcmp(w2, "SINGLEHDR"))
				ps->singlehdr = true;
			else if (w2 && !strcmp(w2, "NOHDRS"))
				ps->nohdrs = true;
			else
				ps_diag_add(d, PS_SEV_WARN, abs + s, "poolset",
					    "line %u: unknown option '%s'", lineno, w2 ? w2 : "");
			continue;
		}
		uint64_t size;
		if (parse_size(w1, &size) || !w2 || w3) {
			ps_diag_add(d, PS_SEV_ERR, abs + s, "poolset",
				    "line %u is not SIZE PATH, REPLICA or OPTION", lineno);
			continue;
		}
		ps->nparts++;
		if (ps->nreplicas == 1 && ps_add_ovf(ps->size, size, &ps->size))
			ps->size = UINT64_MAX;
		if (ps->nkept < PS_PMDK_POOLSET_MAX_PARTS) {
			struct ps_pmdk_part *pt = &ps->part[ps->nkept++];
			pt->replica = ps->nreplicas - 1;
			pt->size = size;
			snprintf(pt->path, sizeof(pt->path), "%s", w2);
		}
	}
	if (!ps->nparts)
		ps_diag_add(d, PS_SEV_ERR, abs, "poolset", "no part (SIZE PATH line)");
	return PS_OK;
}
