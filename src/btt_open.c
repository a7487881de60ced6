/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * BTT reader, part one: find arena 0, follow the nextoff chain, fall back
 * to backup info blocks, and load each arena's flog. Written from the
 * on-media facts in drivers/nvdimm/btt.c (btt_map_read, btt_log_get_old,
 * log_set_indices, btt_freelist_init, alloc_arena, create_arenas,
 * discover_arenas, btt_read_pg, btt_write_pg), btt.h, btt_devs.c
 * (nd_btt_arena_is_valid, nd_btt_version) and ndctl/check.c
 * (btt_check_arenas and helpers, btt_recover_first_sb). No code was taken
 * from them.
 *
 * Where this reader deliberately differs from the kernel:
 *  - a mapping to a post-map block >= internal_nlba is refused (the
 *    kernel would read whatever lies at that offset; btt_view.c);
 *  - a later arena with no usable info block ends the chain with an
 *    error instead of failing the whole namespace, so the arenas before
 *    it can still be read (forensics); the kernel refuses the namespace;
 *  - a flog lane the kernel calls corrupt (which makes it refuse the
 *    arena) is reported and skipped; its in-flight write is not resolved.
 */
#include "btt_int.h"
#include "err.h"
#include "le.h"
#include "units.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	ps_btt_report_add(&b->load, sev, "info", arena, -1, -1, -1, off, "%s", msg);
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
	ps_btt_cache_free(b);
	free(b->mapbuf);
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

/* Load the flog of an arena: padding scheme, newest entries, in-flight
 * writes (btt_freelist_init, in memory only). */
static int load_flog(struct ps_btt *b, struct ps_btt_arena *a, struct ps_diags *d)
{
	uint32_t nfree = a->sb.nfree;
	uint64_t logoff = a->off + a->sb.logoff;
	uint8_t *g = malloc((size_t)nfree * PS_BTT_LOG_GROUP);
	if (!g)
		return PS_ENOMEM;
	int r = ps_src_pread(b->ns, g, (size_t)nfree * PS_BTT_LOG_GROUP, logoff);
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
		const uint8_t *grp = g + (size_t)i * PS_BTT_LOG_GROUP;
		ps_btt_log_ent_parse(grp + a->log_index[0] * PS_BTT_LOG_SIZE, &L->slot[0]);
		ps_btt_log_ent_parse(grp + a->log_index[1] * PS_BTT_LOG_SIZE, &L->slot[1]);
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
		if (ps_btt_read_map_raw(b, a, L->newest.lba, 1, &raw) != PS_OK)
			continue;
		/* an earlier lane may already have resolved this LBA */
		for (size_t k = 0; k < a->nfix; k++)
			if (a->fix_lba[k] == L->newest.lba)
				raw = a->fix_map[k] | PS_BTT_MAP_NORMAL;
		uint32_t cur = ps_btt_map_lookup(L->newest.lba, raw);
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

/*
 * Arena 0 at initial offset io: its primary block or, when backups is set,
 * a backup. The location decides the version the block must have (1.1 at
 * 4096, 2.0 at 0, nd_btt_version). *bad_sig: a primary signature was seen
 * (so "not found" becomes "found but unusable").
 */
static int try_first(struct ps_btt *b, uint64_t io, const uint8_t *puuid,
		     bool backups, struct ps_btt_sb *sb, uint64_t *where,
		     bool *bad_sig)
{
	unsigned em = io == PS_BTT1_OFFSET ? 1 : io == PS_BTT2_OFFSET ? 2 : 0;
	if (b->any_version)
		em = 0;
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
	/* find_backup overwrites sb; it needs the bad primary's info2off */
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
	b->any_version = o && o->any_version;

	struct ps_btt_sb sb0;
	uint64_t where = 0;
	bool found = false, used_backup = false, sig_seen = false;
	/* Every candidate's primary before any backup: a good primary at
	 * one offset must win over a backup guessed at the other. */
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
			if (b->any_version)
				em = 0;
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
		if (idx == 0 && !b->any_version &&
		    (b->io == PS_BTT1_OFFSET || b->io == PS_BTT2_OFFSET)) {
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
			load_note(b, d, PS_SEV_ERR, (int)idx, off + PS_BTT_OFF_nextoff, "nextoff",
				  "arena %u: nextoff 0x%llx points past the end of the namespace; chain cut",
				  idx, (unsigned long long)A.sb.nextoff);
			break;
		}
		off = nx;	/* strictly increasing: nextoff >= info2off + 4096 */
	}
	b->nlba = ext;
	b->mapbuf = malloc(PS_BTT_MAP_CHUNK * sizeof(uint32_t));
	if (!b->mapbuf) {
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
