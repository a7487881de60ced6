/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The BTT's on-media structures: the info block (struct btt_sb) and the
 * flog slot (struct log_entry), declared once as field tables in btt.h,
 * and the kernel's rules for reading them (nd_btt_arena_is_valid,
 * btt_log_get_old, log_set_indices, btt_map_read). Pure: no I/O.
 */
#include "btt.h"
#include "err.h"
#include "fletcher.h"
#include "le.h"
#include "units.h"
#include <string.h>

PS_BTT_FIELDS(PS_FIELD_CHECK, PS_BTT)
PS_BTT_LOG_FIELDS(PS_FIELD_CHECK, PS_BTT_LOG)
_Static_assert(PS_BTT_OFF_checksum + PS_BTT_LEN_checksum == PS_BTT_SIZE,
	       "the checksum ends the info block");
_Static_assert(PS_BTT_LOG_OFF_seq + PS_BTT_LOG_LEN_seq == PS_BTT_LOG_SIZE,
	       "seq ends the flog slot");

static const struct ps_field btt_fields[] = { PS_BTT_FIELDS(PS_FIELD_ENTRY, PS_BTT) };
const struct ps_layout ps_btt_layout = PS_LAYOUT(PS_BTT, "btt_sb", btt_fields);
static const struct ps_field log_fields[] = {
	PS_BTT_LOG_FIELDS(PS_FIELD_ENTRY, PS_BTT_LOG)
};
const struct ps_layout ps_btt_log_layout =
	PS_LAYOUT(PS_BTT_LOG, "log_entry", log_fields);

/* Field f of the info block b, and f's image offset and name. */
#define LOAD(f, dst) PS_FIELD_LOAD(PS_BTT, b, f, dst)
#define STORE(f, src) PS_FIELD_STORE(PS_BTT, b, f, src)
#define AT(f) PS_FIELD_AT(PS_BTT, abs, f)

/* The external block sizes Linux formats (btt_lbasize_supported). */
static const uint32_t supported_lbasize[] = {
	512, 520, 528, 4096, 4104, 4160, 4224,
};

/* ------------------------------------------------------------------ */
/* Info block                                                          */
/* ------------------------------------------------------------------ */

int ps_btt_info_parse(const uint8_t *b, size_t len, uint64_t abs,
		      uint64_t room, const uint8_t *parent_uuid,
		      unsigned em, unsigned en, struct ps_btt_sb *sb,
		      struct ps_diags *d)
{
	memset(sb, 0, sizeof(*sb));
	if (len < PS_BTT_LEN_signature)
		return PS_ETRUNC;
	if (memcmp(b + PS_BTT_OFF_signature, PS_BTT_SIG, PS_BTT_LEN_signature) != 0)
		return PS_ENOTFOUND;
	if (len < PS_BTT_SIZE) {
		ps_diag_add(d, PS_SEV_ERR, AT(signature),
			    "BTT info block truncated: %zu of 4096 bytes present", len);
		return PS_ETRUNC;
	}
	PS_FIELD_LOAD_BYTES(PS_BTT, b, uuid, sb->uuid);
	PS_FIELD_LOAD_BYTES(PS_BTT, b, parent_uuid, sb->parent_uuid);
	LOAD(flags, sb->flags);
	LOAD(version_major, sb->version_major);
	LOAD(version_minor, sb->version_minor);
	LOAD(external_lbasize, sb->external_lbasize);
	LOAD(external_nlba, sb->external_nlba);
	LOAD(internal_lbasize, sb->internal_lbasize);
	LOAD(internal_nlba, sb->internal_nlba);
	LOAD(nfree, sb->nfree);
	LOAD(infosize, sb->infosize);
	LOAD(nextoff, sb->nextoff);
	LOAD(dataoff, sb->dataoff);
	LOAD(mapoff, sb->mapoff);
	LOAD(logoff, sb->logoff);
	LOAD(info2off, sb->info2off);
	LOAD(checksum, sb->checksum);
	sb->checksum_calc = ps_fletcher64(b, PS_BTT_SIZE, PS_BTT_OFF_checksum,
					  PS_BTT_LEN_checksum);
	sb->checksum_ok = sb->checksum == sb->checksum_calc;
	sb->padding_zero = ps_is_zero(b + PS_BTT_OFF_padding, PS_BTT_LEN_padding);
	sb->valid = sb->checksum_ok;
	bool lay = true;

	if (!sb->checksum_ok)
		ps_diag_add(d, PS_SEV_ERR, AT(checksum),
			    "checksum mismatch: stored 0x%016llx, computed 0x%016llx",
			    (unsigned long long)sb->checksum,
			    (unsigned long long)sb->checksum_calc);
	if (parent_uuid && !ps_is_zero(parent_uuid, 16) &&
	    !ps_is_zero(sb->parent_uuid, 16) &&
	    memcmp(parent_uuid, sb->parent_uuid, 16) != 0) {
		sb->valid = false;
		ps_diag_add(d, PS_SEV_ERR, AT(parent_uuid),
			    "parent_uuid does not match the namespace uuid (the kernel ignores this block)");
	}
	bool v11 = sb->version_major == 1 && sb->version_minor == 1;
	bool v20 = sb->version_major == 2 && sb->version_minor == 0;
	if (!v11 && !v20)
		ps_diag_add(d, PS_SEV_ERR, AT(version_major),
			    "unknown BTT version %u.%u (known: 1.1 Linux, 2.0 UEFI)",
			    sb->version_major, sb->version_minor);
	if (em && (sb->version_major != em || sb->version_minor != en)) {
		sb->valid = false;
		ps_diag_add(d, PS_SEV_ERR, AT(version_major),
			    "version %u.%u does not match the block's location (a BTT at this offset must be %u.%u)",
			    sb->version_major, sb->version_minor, em, en);
	}
	if (sb->flags & PS_BTT_FLAG_ERROR)
		ps_diag_add(d, PS_SEV_WARN, AT(flags),
			    "IB_FLAG_ERROR set: arena in error state (the kernel only logs it and refuses writes; ndctl check-namespace aborts)");
	if (sb->flags & ~PS_BTT_FLAG_ERROR)
		ps_diag_add(d, PS_SEV_WARN, AT(flags),
			    "unknown flags 0x%x", sb->flags & ~PS_BTT_FLAG_ERROR);
	if (!sb->padding_zero)
		ps_diag_add(d, PS_SEV_WARN, AT(padding),
			    "padding is not zero");
	if (sb->infosize != PS_BTT_INFO_SIZE)
		ps_diag_add(d, PS_SEV_WARN, AT(infosize),
			    "infosize %u (Linux writes 4096)", sb->infosize);

	/* Block sizes. */
	uint32_t ext = sb->external_lbasize, il = sb->internal_lbasize;
	if (ext < 512 || ext > PS_BTT_MAX_LBASIZE) {
		lay = false;
		ps_diag_add(d, PS_SEV_ERR, AT(external_lbasize),
			    "external_lbasize %u is outside 512..%u", ext,
			    PS_BTT_MAX_LBASIZE);
	} else {
		bool known = false;
		for (size_t i = 0; i < sizeof(supported_lbasize) / sizeof(supported_lbasize[0]); i++)
			known |= supported_lbasize[i] == ext;
		if (!known)
			ps_diag_add(d, PS_SEV_WARN, AT(external_lbasize),
				    "external_lbasize %u is not one Linux supports (512, 520, 528, 4096, 4104, 4160, 4224)",
				    ext);
		sb->sector_size = ext >= 4096 ? 4096 : 512;
		uint32_t want = (ext + 63) / 64 * 64;
		if (il != want)
			ps_diag_add(d, PS_SEV_ERR, AT(internal_lbasize),
				    "internal_lbasize %u is not external_lbasize %u rounded up to 64 (%u)",
				    il, ext, want);
		else if (il != ext)
			ps_diag_add(d, PS_SEV_INFO, AT(internal_lbasize),
				    "internal_lbasize %u differs from external_lbasize %u: valid for the kernel, but ndctl check-namespace refuses it",
				    il, ext);
		if (il < ext || il > PS_BTT_MAX_LBASIZE + 64)
			lay = false;
	}
	/* Block counts. */
	if (sb->external_nlba == 0) {
		lay = false;
		ps_diag_add(d, PS_SEV_ERR, AT(external_nlba),
			    "external_nlba is 0");
	}
	if (sb->internal_nlba < sb->external_nlba ||
	    sb->internal_nlba - sb->external_nlba != sb->nfree) {
		lay = false;
		ps_diag_add(d, PS_SEV_ERR, AT(nfree),
			    "internal_nlba %u - external_nlba %u != nfree %u",
			    sb->internal_nlba, sb->external_nlba, sb->nfree);
	}
	if (sb->nfree == 0 || sb->nfree > PS_BTT_MAX_NFREE) {
		lay = false;
		ps_diag_add(d, PS_SEV_ERR, AT(nfree),
			    "nfree %u is outside 1..%u", sb->nfree, PS_BTT_MAX_NFREE);
	} else if (sb->nfree != PS_BTT_NFREE_DEFAULT) {
		ps_diag_add(d, PS_SEV_INFO, AT(nfree),
			    "nfree %u (Linux writes 256)", sb->nfree);
	}
	if (sb->internal_nlba > PS_BTT_MAP_LBA_MASK + 1u) {
		lay = false;
		ps_diag_add(d, PS_SEV_ERR, AT(internal_nlba),
			    "internal_nlba %u exceeds the 30-bit post-map block number",
			    sb->internal_nlba);
	}

	/* Regions: info | data | map | flog | info2, inside the arena. */
	uint64_t end;
	if (sb->nextoff) {
		sb->arena_size = sb->nextoff;
		if (sb->nextoff > PS_BTT_ARENA_MAX) {
			lay = false;
			ps_diag_add(d, PS_SEV_ERR, AT(nextoff),
				    "nextoff 0x%llx exceeds the 512 GiB arena limit",
				    (unsigned long long)sb->nextoff);
		}
		if (sb->nextoff % SZ_4K)
			ps_diag_add(d, PS_SEV_WARN, AT(nextoff),
				    "nextoff 0x%llx is not 4 KiB aligned",
				    (unsigned long long)sb->nextoff);
	} else if (ps_add_ovf(sb->info2off, PS_BTT_SIZE, &sb->arena_size)) {
		sb->arena_size = UINT64_MAX;
	}
	uint64_t asz = sb->arena_size;
	if (room && asz > room) {
		lay = false;
		/* named after the field that sets the arena's size */
#define ROOM_MSG "arena of 0x%llx bytes runs past the end of the namespace (0x%llx bytes left)"
		if (sb->nextoff)
			ps_diag_add(d, PS_SEV_ERR, AT(nextoff), ROOM_MSG,
				    (unsigned long long)asz, (unsigned long long)room);
		else
			ps_diag_add(d, PS_SEV_ERR, AT(info2off), ROOM_MSG,
				    (unsigned long long)asz, (unsigned long long)room);
#undef ROOM_MSG
	}
	if (sb->dataoff < PS_BTT_INFO_SIZE) {
		lay = false;
		ps_diag_add(d, PS_SEV_ERR, AT(dataoff),
			    "dataoff 0x%llx overlaps the info block",
			    (unsigned long long)sb->dataoff);
	}
	uint64_t t;
	if (ps_mul_ovf(sb->internal_nlba, sb->internal_lbasize, &t) ||
	    ps_add_ovf(sb->dataoff, t, &end) || end > sb->mapoff) {
		lay = false;
		ps_diag_add(d, PS_SEV_ERR, AT(mapoff),
			    "mapoff 0x%llx is inside the data area (dataoff 0x%llx + %u blocks of %u)",
			    (unsigned long long)sb->mapoff,
			    (unsigned long long)sb->dataoff, sb->internal_nlba,
			    sb->internal_lbasize);
	}
	if (ps_add_ovf(sb->mapoff, (uint64_t)sb->external_nlba * PS_BTT_MAP_ENT_SIZE, &end) ||
	    end > sb->logoff) {
		lay = false;
		ps_diag_add(d, PS_SEV_ERR, AT(logoff),
			    "logoff 0x%llx is inside the map (mapoff 0x%llx + %u entries)",
			    (unsigned long long)sb->logoff,
			    (unsigned long long)sb->mapoff, sb->external_nlba);
	}
	if (ps_add_ovf(sb->logoff, (uint64_t)sb->nfree * PS_BTT_LOG_GROUP, &end) ||
	    end > sb->info2off) {
		lay = false;
		ps_diag_add(d, PS_SEV_ERR, AT(info2off),
			    "info2off 0x%llx is inside the flog (logoff 0x%llx + %u lanes)",
			    (unsigned long long)sb->info2off,
			    (unsigned long long)sb->logoff, sb->nfree);
	}
	if (ps_add_ovf(sb->info2off, PS_BTT_INFO_SIZE, &end) || end > asz) {
		lay = false;
		ps_diag_add(d, PS_SEV_ERR, AT(info2off),
			    "backup info block at 0x%llx does not fit in the arena (size 0x%llx)",
			    (unsigned long long)sb->info2off, (unsigned long long)asz);
	}
	if ((sb->dataoff | sb->mapoff | sb->logoff | sb->info2off) % 512)
		ps_diag_add(d, PS_SEV_WARN, AT(dataoff),
			    "an arena offset is not 512-byte aligned (the kernel always aligns them)");
	sb->layout_ok = lay;
	return PS_OK;
}

void ps_btt_info_encode(const struct ps_btt_sb *sb, uint8_t *b)
{
	memset(b, 0, PS_BTT_SIZE);
	memcpy(b + PS_BTT_OFF_signature, PS_BTT_SIG, PS_BTT_LEN_signature);
	PS_FIELD_STORE_BYTES(PS_BTT, b, uuid, sb->uuid);
	PS_FIELD_STORE_BYTES(PS_BTT, b, parent_uuid, sb->parent_uuid);
	STORE(flags, sb->flags);
	STORE(version_major, sb->version_major);
	STORE(version_minor, sb->version_minor);
	STORE(external_lbasize, sb->external_lbasize);
	STORE(external_nlba, sb->external_nlba);
	STORE(internal_lbasize, sb->internal_lbasize);
	STORE(internal_nlba, sb->internal_nlba);
	STORE(nfree, sb->nfree);
	STORE(infosize, sb->infosize);
	STORE(nextoff, sb->nextoff);
	STORE(dataoff, sb->dataoff);
	STORE(mapoff, sb->mapoff);
	STORE(logoff, sb->logoff);
	STORE(info2off, sb->info2off);
	STORE(checksum, ps_fletcher64(b, PS_BTT_SIZE, PS_BTT_OFF_checksum,
				      PS_BTT_LEN_checksum));
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

void ps_btt_log_ent_parse(const uint8_t *p, struct ps_btt_log_ent *e)
{
	PS_FIELD_LOAD(PS_BTT_LOG, p, lba, e->lba);
	PS_FIELD_LOAD(PS_BTT_LOG, p, old_map, e->old_map);
	PS_FIELD_LOAD(PS_BTT_LOG, p, new_map, e->new_map);
	PS_FIELD_LOAD(PS_BTT_LOG, p, seq, e->seq);
}

void ps_btt_log_ent_encode(const struct ps_btt_log_ent *e, uint8_t *p)
{
	PS_FIELD_STORE(PS_BTT_LOG, p, lba, e->lba);
	PS_FIELD_STORE(PS_BTT_LOG, p, old_map, e->old_map);
	PS_FIELD_STORE(PS_BTT_LOG, p, new_map, e->new_map);
	PS_FIELD_STORE(PS_BTT_LOG, p, seq, e->seq);
}

int ps_btt_log_indices(const uint8_t *groups, size_t nlanes, int idx[2])
{
	bool set = false, initial = true;
	int li[2] = { -1, -1 };
	int next = 0;

	for (size_t i = 0; i < nlanes; i++) {
		const uint8_t *g = groups + i * PS_BTT_LOG_GROUP;
		unsigned pad = 0;
		for (int j = 0; j < 4; j++) {
			bool padding = ps_is_zero(g + j * PS_BTT_LOG_SIZE, PS_BTT_LOG_SIZE);
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


/* btt_map_read(): a raw entry with neither flag set is the identity. */
uint32_t ps_btt_map_lookup(uint32_t premap, uint32_t raw)
{
	return (raw & PS_BTT_MAP_NORMAL) ? (raw & PS_BTT_MAP_LBA_MASK) : premap;
}
