/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * BTT checker: the consistency checks of 'ndctl check-namespace'
 * (ndctl/check.c: btt_parse_meta, btt_check_log_entries,
 * btt_check_log_map, btt_check_map_entries, btt_check_bitmap) over an
 * opened BTT, reading the map in chunks and keeping one bit per internal
 * block of the arena being checked.
 */
#include "btt_int.h"
#include "err.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ps_btt_report_add(struct ps_btt_report *r, enum ps_sev sev,
		       const char *check, int arena, int64_t lane, int64_t lba,
		       int64_t block, uint64_t off, const char *fmt, ...)
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
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
}

void ps_btt_report_free(struct ps_btt_report *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

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
		ps_btt_report_add(r, PS_SEV_ERR, "info", ai, -1, -1, -1, a->sb_off + PS_BTT_OFF_flags,
			"arena %d: info block error flag (IB_FLAG_ERROR) is set", ai);
	if (sb->internal_lbasize != sb->external_lbasize)
		ps_btt_report_add(r, PS_SEV_INFO, "info", ai, -1, -1, -1, a->sb_off + PS_BTT_OFF_internal_lbasize,
			"arena %d: internal_lbasize %u != external_lbasize %u (kernel-valid padding to 64 bytes; ndctl check-namespace refuses it)",
			ai, sb->internal_lbasize, sb->external_lbasize);

	/* Flog entries (btt_check_log_entries). */
	if (!a->log_ok) {
		ps_btt_report_add(r, PS_SEV_ERR, "flog", ai, -1, -1, -1, logoff,
			"arena %d: flog padding scheme not recognised; flog checks skipped", ai);
	} else {
		for (uint32_t i = 0; i < sb->nfree; i++) {
			const struct ps_btt_lane *L = &a->lanes[i];
			uint64_t lo = logoff + (uint64_t)i * PS_BTT_LOG_GROUP;
			uint32_t s0 = L->slot[0].seq, s1 = L->slot[1].seq;
			if (s0 == s1)
				ps_btt_report_add(r, PS_SEV_ERR, "flog", ai, i, -1, -1, lo,
					"arena %d lane %u: both flog entries have sequence number %u", ai, i, s0);
			else if (s0 > 3 || s1 > 3)
				ps_btt_report_add(r, PS_SEV_ERR, "flog", ai, i, -1, -1, lo,
					"arena %d lane %u: sequence number out of range (%u, %u)", ai, i, s0, s1);
			else if (L->newest_slot < 0)
				ps_btt_report_add(r, PS_SEV_ERR, "flog", ai, i, -1, -1, lo,
					"arena %d lane %u: sequence numbers (%u, %u) are not a valid pair; the kernel refuses the arena",
					ai, i, s0, s1);
			if (L->newest_slot < 0)
				continue;
			const struct ps_btt_log_ent *e = &L->newest;
			if (e->lba >= sb->external_nlba)
				ps_btt_report_add(r, PS_SEV_ERR, "flog", ai, i, e->lba, -1, lo,
					"arena %d lane %u: newest flog entry LBA %u >= external_nlba %u",
					ai, i, e->lba, sb->external_nlba);
			if ((e->old_map & PS_BTT_MAP_LBA_MASK) >= sb->internal_nlba)
				ps_btt_report_add(r, PS_SEV_ERR, "flog", ai, i, -1, e->old_map & PS_BTT_MAP_LBA_MASK, lo,
					"arena %d lane %u: flog old_map %u >= internal_nlba %u",
					ai, i, e->old_map & PS_BTT_MAP_LBA_MASK, sb->internal_nlba);
			if ((e->new_map & PS_BTT_MAP_LBA_MASK) >= sb->internal_nlba)
				ps_btt_report_add(r, PS_SEV_ERR, "flog", ai, i, -1, e->new_map & PS_BTT_MAP_LBA_MASK, lo,
					"arena %d lane %u: flog new_map %u >= internal_nlba %u",
					ai, i, e->new_map & PS_BTT_MAP_LBA_MASK, sb->internal_nlba);
			/* btt_check_log_map */
			if (L->pending)
				ps_btt_report_add(r, PS_SEV_WARN, "log-map", ai, i, (int64_t)(a->ext_start + e->lba),
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
		if (ps_btt_read_map(b, a, p, n, b->mapbuf) != PS_OK) {
			ps_btt_report_add(r, PS_SEV_ERR, "map", ai, -1, -1, -1, mapoff + (uint64_t)p * PS_BTT_MAP_ENT_SIZE,
				"arena %d: cannot read the map: %s", ai, ps_src_error(b->ns));
			free(bm);
			return PS_EIO;
		}
		if (b->map_identity && range_clear_set(bm, p, n)) {
			p += n;
			continue;	/* identity chunk, no block seen before */
		}
		for (uint32_t i = 0; i < n; i++) {
			uint32_t raw = b->mapbuf[i], pm = ps_btt_map_lookup(p + i, raw);
			uint64_t lba = a->ext_start + p + i;
			if (pm >= inlba) {
				ps_btt_report_add(r, PS_SEV_ERR, "map", ai, -1, (int64_t)lba, pm,
					mapoff + (uint64_t)(p + i) * PS_BTT_MAP_ENT_SIZE,
					"arena %d LBA %llu: map entry 0x%08x points to internal block %u >= internal_nlba %u",
					ai, (unsigned long long)lba, raw, pm, sb->internal_nlba);
				continue;
			}
			if ((raw & PS_BTT_MAP_NORMAL) == PS_BTT_MAP_E)
				ps_btt_report_add(r, PS_SEV_WARN, "map", ai, -1, (int64_t)lba, pm,
					mapoff + (uint64_t)(p + i) * PS_BTT_MAP_ENT_SIZE,
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
			if (ps_btt_read_map(b, a, p, n, b->mapbuf) != PS_OK)
				break;
			for (uint32_t i = 0; i < n; i++) {
				uint32_t pm = ps_btt_map_lookup(p + i, b->mapbuf[i]);
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
			ps_btt_report_add(r, PS_SEV_ERR, "bitmap", ai, dup_lane[k], lba, dup[k],
				a->off + sb->dataoff + (uint64_t)dup[k] * sb->internal_lbasize,
				"arena %d: internal block %u is referenced more than once: by %s",
				ai, dup[k], list);
		}
		if (more_dup)
			ps_btt_report_add(r, PS_SEV_ERR, "bitmap", ai, -1, -1, -1, mapoff,
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
				ps_btt_report_add(r, PS_SEV_ERR, "bitmap", ai, -1, -1, (int64_t)blk,
					a->off + sb->dataoff + blk * sb->internal_lbasize,
					"arena %d: internal block %llu is referenced by neither the map nor the flog (lost block)",
					ai, (unsigned long long)blk);
		}
		if (unref > LIST_MAX)
			ps_btt_report_add(r, PS_SEV_ERR, "bitmap", ai, -1, -1, -1, mapoff,
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
		ps_btt_report_add(r, f->sev, f->check, f->arena, f->lane, f->lba, f->block,
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
