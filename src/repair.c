/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "repair.h"
#include "btt.h"
#include "err.h"
#include "fletcher.h"
#include "le.h"
#include <errno.h>
#include <inttypes.h>
#include <nettle/sha2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SZ_4K ((uint64_t)4096)
#define SZ_8K ((uint64_t)8192)
#define SZ_2M ((uint64_t)2 << 20)

/* ---- plan bookkeeping ---- */

void ps_plan_init(struct ps_plan *p)
{
	memset(p, 0, sizeof(*p));
}

void ps_plan_free(struct ps_plan *p)
{
	free(p->p);
	free(p->r);
	memset(p, 0, sizeof(*p));
}

int ps_plan_add(struct ps_plan *p, int ns, const char *kind, uint64_t off,
		const uint8_t *old, const uint8_t *new_, uint32_t len,
		const char *field, const char *oldv, const char *newv,
		const char *fmt, ...)
{
	uint64_t end;
	if (!len || len > PS_PATCH_MAX_LEN || ps_add_ovf(off, len, &end))
		return PS_EINVAL;
	if (p->n == p->cap) {
		size_t nc = p->cap ? 2 * p->cap : 8;
		struct ps_patch *v = realloc(p->p, nc * sizeof(*v));
		if (!v)
			return PS_ENOMEM;
		p->p = v;
		p->cap = nc;
	}
	struct ps_patch *x = &p->p[p->n++];
	memset(x, 0, sizeof(*x));
	x->off = off;
	x->len = len;
	memcpy(x->old, old, len);
	memcpy(x->new_, new_, len);
	x->ns = ns;
	x->kind = kind;
	snprintf(x->field, sizeof(x->field), "%s", field ? field : "bytes");
	snprintf(x->oldv, sizeof(x->oldv), "%s", oldv ? oldv : "");
	snprintf(x->newv, sizeof(x->newv), "%s", newv ? newv : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->reason, sizeof(x->reason), fmt, ap);
	va_end(ap);
	return PS_OK;
}

void ps_plan_refuse(struct ps_plan *p, int ns, const char *kind,
		    const char *fmt, ...)
{
	if (p->nr == p->capr) {
		size_t nc = p->capr ? 2 * p->capr : 4;
		struct ps_refusal *v = realloc(p->r, nc * sizeof(*v));
		if (!v)
			return;
		p->r = v;
		p->capr = nc;
	}
	struct ps_refusal *r = &p->r[p->nr++];
	r->ns = ns;
	r->kind = kind;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
}

void ps_plan_note(struct ps_plan *p, const char *fmt, ...)
{
	if (p->nnotes >= (int)(sizeof(p->notes) / sizeof(p->notes[0])))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->notes[p->nnotes++], sizeof(p->notes[0]), fmt, ap);
	va_end(ap);
}

void ps_plan_withdraw(struct ps_plan *p, int ns)
{
	size_t j = 0;
	for (size_t i = 0; i < p->n; i++)
		if (p->p[i].ns != ns)
			p->p[j++] = p->p[i];
	p->n = j;
}

/* ---- the pfn / dax info block ---- */

struct pfn_field {
	const char *name;
	uint32_t off, len;
	int numeric;
};

/* struct nd_pfn_sb as version 1.4 lays it out (drivers/nvdimm/pfn.h). */
static const struct pfn_field pfn_fields[] = {
	{ "signature", 0x00, 16, 0 },
	{ "uuid", 0x10, 16, 0 },
	{ "parent_uuid", 0x20, 16, 0 },
	{ "flags", 0x30, 4, 1 },
	{ "version_major", 0x34, 2, 1 },
	{ "version_minor", 0x36, 2, 1 },
	{ "dataoff", 0x38, 8, 1 },
	{ "npfns", 0x40, 8, 1 },
	{ "mode", 0x48, 4, 1 },
	{ "start_pad", 0x4c, 4, 1 },
	{ "end_trunc", 0x50, 4, 1 },
	{ "align", 0x54, 4, 1 },
	{ "page_size", 0x58, 4, 1 },
	{ "page_struct_size", 0x5c, 2, 1 },
	{ "padding", 0x5e, 0xff8 - 0x5e, 0 },
	{ "checksum", 0xff8, 8, 1 },
};
#define NFIELDS (sizeof(pfn_fields) / sizeof(pfn_fields[0]))

struct pfn_edit {
	char reason[NFIELDS][400];
};

static int field_index(const char *name)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (!strcmp(pfn_fields[i].name, name))
			return (int)i;
	return -1;
}

static void why(struct pfn_edit *e, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void why(struct pfn_edit *e, const char *field, const char *fmt, ...)
{
	int i = field_index(field);
	if (i < 0 || e->reason[i][0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->reason[i], sizeof(e->reason[i]), fmt, ap);
	va_end(ap);
}

static uint64_t get_field(const uint8_t *b, const struct pfn_field *f)
{
	switch (f->len) {
	case 2: return ps_le16(b + f->off);
	case 4: return ps_le32(b + f->off);
	case 8: return ps_le64(b + f->off);
	}
	return 0;
}

static void fmt_field(const uint8_t *b, const struct pfn_field *f, char *out,
		      size_t n)
{
	if (f->numeric) {
		snprintf(out, n, "0x%" PRIx64, get_field(b, f));
		return;
	}
	size_t nz = 0;
	for (uint32_t i = 0; i < f->len; i++)
		nz += b[f->off + i] != 0;
	snprintf(out, n, "%zu non-zero byte%s", nz, nz == 1 ? "" : "s");
}

/* Turn the differences between old and new into one patch per field. */
static int emit_block(struct ps_plan *plan, int ns, uint64_t boff,
		      const uint8_t *old, const uint8_t *b,
		      const struct pfn_edit *e, const char *kind,
		      const char *dflt_reason)
{
	for (size_t i = 0; i < NFIELDS; i++) {
		const struct pfn_field *f = &pfn_fields[i];
		uint32_t lo = f->off, hi = f->off + f->len;
		while (lo < hi && old[lo] == b[lo])
			lo++;
		while (hi > lo && old[hi - 1] == b[hi - 1])
			hi--;
		if (lo == hi)
			continue;
		if (f->numeric) {	/* numeric fields: the whole field */
			lo = f->off;
			hi = f->off + f->len;
		}
		char ov[64], nv[64];
		fmt_field(old, f, ov, sizeof(ov));
		fmt_field(b, f, nv, sizeof(nv));
		const char *k = !strcmp(f->name, "checksum") ? "pfn-checksum" : kind;
		int rc = ps_plan_add(plan, ns, k, boff + lo, old + lo, b + lo,
				     hi - lo, f->name, ov, nv, "%s",
				     e->reason[i][0] ? e->reason[i] : dflt_reason);
		if (rc)
			return rc;
	}
	return PS_OK;
}

/* The dataoff nd_pfn_init (v5.3+) and ndctl write-infoblock choose for a
 * namespace of size S at an a-aligned base, pmem mode with 64-byte struct
 * pages or ram mode (spec §8 F6-F8). */
static uint64_t kernel_dataoff(uint64_t S, uint32_t mode, uint64_t a)
{
	if (S < SZ_8K)
		return 0;
	uint64_t npfns0 = (S - SZ_8K) / SZ_4K;
	if (mode == PS_PFN_MODE_PMEM)
		return ps_align_up(SZ_8K + 64 * npfns0, a);
	return ps_align_up(SZ_8K, a);
}

/* Is the namespace alone from its base to the end of the image? */
static bool last_in_image(const struct ps_analysis *a, const struct ps_ns *ns)
{
	for (size_t i = 0; i < a->nns; i++)
		if (a->ns[i].nested_in < 0 && a->ns[i].base > ns->base)
			return false;
	return true;
}

static const struct ps_cand *fs_cand(const struct ps_ns *ns,
				     const struct ps_repair_opts *o)
{
	if (ns->verdict == PS_V_PROVEN && ns->chosen >= 0)
		return &ns->cand[ns->chosen];
	if (ns->verdict == PS_V_AMBIGUOUS && o->sem != PS_SEM_AUTO)
		for (int i = 0; i < ns->ncand; i++)
			if (ns->cand[i].sem == o->sem && ns->cand[i].probe.found)
				return &ns->cand[i];
	return NULL;
}

static int plan_pfn(struct ps_src *src, const struct ps_analysis *a,
		    const struct ps_ns *ns, const struct ps_repair_opts *o,
		    struct ps_plan *plan)
{
	static const char *K = "pfn";
	char h1[32], h2[32];
	if (ns->mode != PS_NS_FSDAX && ns->mode != PS_NS_DEVDAX)
		return PS_OK;
	if (ns->info_rec < 0 || ns->nested_in >= 0)
		return PS_OK;
	const struct ps_rec *r = &a->scan.recs[ns->info_rec];
	const struct ps_pfn_sb *sb = &ns->pfn;
	const int n = ns->index;
	uint64_t boff = r->off;
	uint8_t old[4096], b[4096];
	if (ps_src_pread(src, old, sizeof(old), boff)) {
		ps_plan_refuse(plan, n, K, "cannot read the info block at 0x%" PRIx64 ": %s",
			       boff, ps_src_error(src));
		return PS_OK;
	}
	memcpy(b, old, sizeof(b));

	/* Fields whose wrong value has more than one reading: refuse. */
	if (sb->version_minor > 4) {
		ps_plan_refuse(plan, n, K, "info block at 0x%" PRIx64 ": version_minor %u is newer than any known (1.4): its fields may mean something else; not touching it",
			       boff, sb->version_minor);
		return PS_OK;
	}
	if (sb->mode != PS_PFN_MODE_RAM && sb->mode != PS_PFN_MODE_PMEM) {
		ps_plan_refuse(plan, n, K, "info block at 0x%" PRIx64 ": mode %u is neither ram (1) nor pmem (2), and either could be right (the memmap area alone does not tell): choose by re-creating the block with 'ndctl write-infoblock -M'",
			       boff + 0x48, sb->mode);
		return PS_OK;
	}
	if (sb->dataoff % SZ_4K || sb->dataoff < SZ_8K) {
		ps_plan_refuse(plan, n, K, "info block at 0x%" PRIx64 ": dataoff 0x%" PRIx64 " is impossible and cannot be derived from the other fields (several era formulas give different values): extract the data with --offset instead",
			       boff + 0x38, sb->dataoff);
		return PS_OK;
	}
	if (sb->eff_page_size != SZ_4K) {
		ps_plan_refuse(plan, n, K, "info block at 0x%" PRIx64 ": page_size %u: written by a kernel with other pages (or corrupt); a repair for a 4 KiB-page kernel would change the layout",
			       boff + 0x58, sb->eff_page_size);
		return PS_OK;
	}
	if (ns->P % SZ_4K || ns->T % SZ_4K) {
		ps_plan_refuse(plan, n, K, "info block at 0x%" PRIx64 ": start_pad 0x%" PRIx64 " / end_trunc 0x%" PRIx64 " not page aligned: cannot tell which is corrupt",
			       boff + 0x4c, ns->P, ns->T);
		return PS_OK;
	}

	/* Where the data is proven to be. */
	const struct ps_cand *fc = NULL;
	if (ns->mode == PS_NS_FSDAX) {
		switch (ns->verdict) {
		case PS_V_PROVEN:
			fc = fs_cand(ns, o);
			if (fc && ns->P && o->sem != PS_SEM_AUTO && fc->sem != o->sem) {
				ps_plan_refuse(plan, n, K, "namespace %d: the filesystem is proven at the %s data start (0x%" PRIx64 "); --semantics %s would point the kernel at bytes that hold no filesystem: refusing",
					       n, fc->name, fc->off, ps_sem_name(o->sem));
				return PS_OK;
			}
			break;
		case PS_V_AMBIGUOUS:
			fc = fs_cand(ns, o);
			if (!fc) {
				ps_plan_refuse(plan, n, K, "namespace %d is AMBIGUOUS: a valid filesystem at both the legacy (0x%" PRIx64 ") and the fixed (0x%" PRIx64 ") data start; a repair would make the kernel read one and overwrite part of the other with its memmap. Extract both first ('pmemscan extract --semantics legacy|fixed'), then choose with --semantics",
					       n, ns->cand[0].off, ns->ncand > 1 ? ns->cand[1].off : 0);
				return PS_OK;
			}
			ps_plan_note(plan, "namespace %d: --semantics %s chose the filesystem at 0x%" PRIx64 "; the other one (at 0x%" PRIx64 ") is NOT kept: extract it before using the repaired namespace",
				     n, ps_sem_name(o->sem), fc->off,
				     fc == &ns->cand[0] ? ns->cand[1].off : ns->cand[0].off);
			break;
		case PS_V_DAMAGED:
			ps_plan_refuse(plan, n, K, "namespace %d: the only filesystem found (at 0x%" PRIx64 ") has a bad superblock checksum, so nothing proves which data start is right; carve it ('pmemscan carve') and run fsck on the copy first",
				       n, ns->ncand ? ns->cand[0].off : 0);
			return PS_OK;
		default:
			ps_plan_refuse(plan, n, K, "namespace %d: no filesystem at any data start, so nothing proves what the info block should say; pmemscan repairs only a layout it can prove (try 'pmemscan carve' or --offset to look by hand)",
				       n);
			return PS_OK;
		}
	}

	/* The namespace size: given, or the image when the namespace is the
	 * whole image and the block's own formula agrees. */
	uint64_t pages, S_blk = 0;
	bool S_ovf = ps_mul_ovf(sb->npfns, SZ_4K, &pages) ||
		     ps_add_ovf(pages, ns->P + ns->T, &S_blk) ||
		     ps_add_ovf(S_blk, sb->dataoff, &S_blk);
	uint64_t S = S_ovf ? ns->size : S_blk;
	bool npfns_wrong = false;
	const char *S_src = "the info block (start_pad + end_trunc + dataoff + npfns pages)";
	if (o->ns_size) {
		S = o->ns_size;
		S_src = "--ns-size";
		npfns_wrong = S_ovf || S_blk != S;
	} else if (ns->base == 0 && last_in_image(a, ns) &&
		   (S_ovf || S_blk != src->size)) {
		uint64_t Si = src->size - src->size % SZ_4K;
		uint64_t al = sb->eff_align > SZ_2M ? sb->eff_align : SZ_2M;
		if (!S_ovf && S_blk > src->size) {
			ps_plan_refuse(plan, n, K, "namespace %d: npfns %" PRIu64 " makes the namespace %s but the image holds %s: either the dump is truncated or npfns is wrong; give the namespace size with --ns-size (from 'ndctl list')",
				       n, sb->npfns, ps_human(S_blk, h1, sizeof(h1)),
				       ps_human(src->size, h2, sizeof(h2)));
			return PS_OK;
		}
		if (!S_ovf && src->size - S_blk < SZ_4K) {
			/* a partial page at the end: npfns is right */
		} else if (sb->version_minor >= 3 && ns->P == 0 &&
			   kernel_dataoff(Si, sb->mode, al) == sb->dataoff &&
			   ns->T == Si % al) {
			S = Si;
			S_src = "the image size (the namespace is the whole image: dataoff and end_trunc are exactly what nd_pfn_init writes for that size)";
			npfns_wrong = true;
		} else {
			ps_plan_refuse(plan, n, K, "namespace %d: npfns %" PRIu64 " does not describe the whole image (%s), and nothing proves whether npfns is wrong or the image holds more than this namespace; give --ns-size to repair npfns",
				       n, sb->npfns, ps_human(src->size, h1, sizeof(h1)));
			return PS_OK;
		}
	}
	if (S < sb->dataoff + ns->P + ns->T + SZ_4K) {
		ps_plan_refuse(plan, n, K, "namespace %d: a %s namespace cannot hold start_pad 0x%" PRIx64 " + dataoff 0x%" PRIx64 " + end_trunc 0x%" PRIx64 "; refusing",
			       n, ps_human(S, h1, sizeof(h1)), ns->P, sb->dataoff, ns->T);
		return PS_OK;
	}

	/* devdax holds no filesystem to prove dataoff; accept the block's
	 * fields only when they are exactly what nd_pfn_init writes. */
	if (ns->mode == PS_NS_DEVDAX) {
		uint64_t al = sb->eff_align > SZ_2M ? sb->eff_align : SZ_2M;
		bool formula = sb->version_minor >= 3 && ns->P == 0 &&
			       kernel_dataoff(S, sb->mode, al) == sb->dataoff;
		if (ns->P) {
			ps_plan_refuse(plan, n, K, "devdax namespace %d has start_pad 0x%" PRIx64 ": with no filesystem in it nothing proves where its data begins; not converting",
				       n, ns->P);
			return PS_OK;
		}
		if ((!sb->checksum_ok || npfns_wrong) && !formula) {
			ps_plan_refuse(plan, n, K, "devdax namespace %d: the info block is damaged and its dataoff is not what nd_pfn_init would write for a %s namespace, so nothing proves the other fields; not resealing",
				       n, ps_human(S, h1, sizeof(h1)));
			return PS_OK;
		}
	}

	struct pfn_edit e;
	memset(&e, 0, sizeof(e));
	const char *kind = "pfn-field";
	const char *dflt = "";
	bool convert = ns->P != 0;

	if (!convert) {
		/* Derivable fields, in place. */
		if (sb->version_minor >= 3 && sb->flags) {
			ps_put_le32(b + 0x30, 0);
			why(&e, "flags", "version 1.%u guarantees flags 0 and Linux never sets one: these bits are corruption",
			    sb->version_minor);
		}
		if (sb->version_minor >= 3 && !sb->padding_zero) {
			size_t ps = sb->version_minor >= 4 ? 0x5e : 0x58;
			memset(b + ps, 0, 0xff8 - ps);
			why(&e, "padding", "version 1.%u guarantees zero padding (v5.3 \"Fix fsdax-mode namespace info-block zero-fields\"): stray bytes are corruption",
			    sb->version_minor);
		}
		if (sb->version_minor >= 4 && sb->page_size == 0) {
			ps_put_le32(b + 0x58, 4096);
			why(&e, "page_size", "version 1.4 records the creating kernel's PAGE_SIZE; 0 is missing, and dataoff is 4 KiB-page arithmetic, so 4096");
		}
		if (sb->version_minor >= 4 && sb->page_struct_size < 64) {
			ps_put_le16(b + 0x5c, 64);
			why(&e, "page_struct_size", "version 1.4 records the struct page reservation; below 64 a pmem-mode namespace is refused (\"struct page size mismatch\"); 64 is MAX_STRUCT_PAGE_SIZE of current kernels");
		}
		if (npfns_wrong) {
			uint64_t want = (S - ns->P - ns->T - sb->dataoff) / SZ_4K;
			ps_put_le64(b + 0x40, want);
			why(&e, "npfns", "npfns must be (size - start_pad - end_trunc - dataoff) / 4096 = %" PRIu64 " for the %s namespace (size from %s)",
			    want, ps_human(S, h1, sizeof(h1)), S_src);
		}
	} else {
		/* start_pad != 0: rewrite as a v5.7+ kernel would have written
		 * it, keeping the proven data start (spec §7, §8 F8, §9). */
		bool legacy = fc->sem == PS_SEM_LEGACY;
		kind = legacy ? "start-pad-legacy" : "start-pad-fixed";
		uint64_t Dn = legacy ? ns->P + sb->dataoff : sb->dataoff;
		uint64_t fs_rel = fc->off - ns->base;
		if (fs_rel != Dn) {
			ps_plan_refuse(plan, n, kind, "internal: proven data start 0x%" PRIx64 " is not base + 0x%" PRIx64,
				       fc->off, Dn);
			return PS_OK;
		}
		uint64_t align = sb->version_minor >= 2 && sb->align ? sb->align : SZ_2M;
		uint64_t ca = align > SZ_2M ? align : SZ_2M;
		uint64_t B;
		if (o->have_phys_base) {
			B = o->phys_base + ns->base;
			if (B % SZ_2M) {
				ps_plan_refuse(plan, n, kind, "namespace %d starts at physical 0x%" PRIx64 ", not 2 MiB aligned: a current kernel (v5.7+) refuses start_pad 0 there (\"resource start misaligned\"); the legacy block, which pads to 0x%" PRIx64 ", is the only form it accepts: leave it",
					       n, B, B + ns->P);
				return PS_OK;
			}
		} else if (o->assume_aligned) {
			B = 0;	/* aligned to ca: only B mod ca matters below */
		} else {
			ps_plan_refuse(plan, n, kind, "namespace %d has start_pad 0x%" PRIx64 ": a current kernel accepts start_pad 0 only if the namespace's physical base is 2 MiB aligned, and the end_trunc it needs depends on that base too. The image does not say where it sat: give --phys-base (from 'ndctl list -N -v' resource, or --iomem with 'pmemscan scan'), or --assume-aligned to take it as aligned",
				       n, ns->P);
			return PS_OK;
		}
		uint64_t Tn = (B + S) - ps_align_down(B + S, ca);
		if ((B + Dn) % align) {
			ps_plan_refuse(plan, n, kind, "namespace %d: base + new dataoff = 0x%" PRIx64 "%s is not aligned to align 0x%" PRIx64 ": the kernel would refuse it (\"bad offset\") and the data cannot move",
				       n, B + Dn, o->have_phys_base ? " (physical)" : " (relative to an aligned base)", align);
			return PS_OK;
		}
		if (Dn + Tn + SZ_4K > S) {
			ps_plan_refuse(plan, n, kind, "namespace %d: dataoff 0x%" PRIx64 " + end_trunc 0x%" PRIx64 " leave no data in %s",
				       n, Dn, Tn, ps_human(S, h1, sizeof(h1)));
			return PS_OK;
		}
		if (fc->probe.fs_size && Dn + fc->probe.fs_size > S - Tn) {
			ps_plan_refuse(plan, n, kind, "namespace %d: the filesystem (%s from 0x%" PRIx64 ") would extend past the new data end 0x%" PRIx64 " (end_trunc 0x%" PRIx64 "): refusing to cut it",
				       n, ps_human(fc->probe.fs_size, h1, sizeof(h1)),
				       Dn, S - Tn, Tn);
			return PS_OK;
		}
		uint32_t mode = sb->mode;
		uint64_t need = SZ_8K + 64 * ((S - SZ_8K) / SZ_4K);
		if (mode == PS_PFN_MODE_PMEM && need > Dn) {
			mode = PS_PFN_MODE_RAM;
			why(&e, "mode", "the memmap a pmem-mode namespace of %s needs (8 KiB + 64 bytes x %" PRIu64 " pages = 0x%" PRIx64 ") does not fit below dataoff 0x%" PRIx64 "; the data cannot move, so the struct pages go to DRAM (map=mem) instead",
			    ps_human(S, h1, sizeof(h1)), (S - SZ_8K) / SZ_4K, need, Dn);
		}
		struct ps_pfn_sb nsb;
		memset(&nsb, 0, sizeof(nsb));
		nsb.kind = sb->kind;
		memcpy(nsb.uuid, sb->uuid, 16);
		memcpy(nsb.parent_uuid, sb->parent_uuid, 16);
		nsb.version_major = 1;
		nsb.version_minor = 4;
		nsb.dataoff = Dn;
		nsb.npfns = (S - Dn - Tn) / SZ_4K;
		nsb.mode = mode;
		nsb.start_pad = 0;
		nsb.end_trunc = (uint32_t)Tn;
		nsb.align = (uint32_t)align;
		nsb.page_size = 4096;
		nsb.page_struct_size = 64;
		ps_pfn_encode(&nsb, b);
		if (legacy) {
			why(&e, "start_pad", "start_pad is deprecated (v5.3+ never pads); the %s pad moves into dataoff so the data start stays at base + 0x%" PRIx64 " (the filesystem does not move)",
			    ps_human(ns->P, h1, sizeof(h1)), Dn);
			why(&e, "dataoff", "dataoff' = start_pad + dataoff = 0x%" PRIx64 " + 0x%" PRIx64 ": every kernel reads data at base + start_pad + dataoff, so the filesystem is found at the same bytes",
			    ns->P, sb->dataoff);
		} else {
			why(&e, "start_pad", "the filesystem was written at base + dataoff (start_pad-unaware); with start_pad 0 every kernel reads it there");
			why(&e, "dataoff", "dataoff stays 0x%" PRIx64 ": the proven filesystem is at base + dataoff", Dn);
		}
		why(&e, "end_trunc", "end_trunc' = (base + size) - ALIGN_DOWN(base + size, max(align, 2 MiB)) as nd_pfn_init writes it (%s): base + size - end_trunc must be 2 MiB aligned (\"resource end misaligned\")",
		    o->have_phys_base ? "physical base known" : "base assumed aligned");
		why(&e, "npfns", "npfns' = (size - dataoff' - end_trunc') / 4096 = %" PRIu64 " (the kernel recomputes it; written for ndctl and older readers)",
		    nsb.npfns);
		why(&e, "version_minor", "version 1.4, the current format: page_size and page_struct_size recorded, padding guaranteed zero");
		why(&e, "page_size", "version 1.4 field: PAGE_SIZE 4096");
		why(&e, "page_struct_size", "version 1.4 field: 64 (MAX_STRUCT_PAGE_SIZE); dataoff' - 8 KiB holds 0x%" PRIx64 " bytes of memmap",
		    Dn - SZ_8K);
		why(&e, "align", "version 1.2+ field: the mapping alignment (0x%" PRIx64 ")", align);
		why(&e, "flags", "version 1.3+ guarantees flags 0");
		why(&e, "padding", "version 1.3+ guarantees zero padding; stale bytes from the old block's era are cleared");
		dflt = "part of the version 1.4 rewrite";
		if (!o->have_phys_base)
			ps_plan_note(plan, "namespace %d: ASSUMPTION (--assume-aligned): its physical base is %s aligned; a current kernel refuses the rewritten block (\"resource start misaligned\" or \"bad offset\") if it is not. Check with 'ndctl list -N -v' (resource) before using it",
				     n, ps_human(ca, h1, sizeof(h1)));
		ps_plan_note(plan, "namespace %d: after the rewrite a current kernel (v5.7+) exposes %s of data from image offset 0x%" PRIx64 " (the filesystem's bytes stay where they are); the area [base + 8 KiB, base + 0x%" PRIx64 ") becomes the memmap the kernel rewrites at every enable",
			     n, ps_human(S - Dn - Tn, h1, sizeof(h1)), ns->base + Dn, Dn);
	}

	bool changed = memcmp(old, b, sizeof(b)) != 0;
	if (!changed && sb->checksum_ok)
		return PS_OK;	/* nothing to do */
	ps_put_le64(b + 0xff8, ps_fletcher64(b, 4096, 0xff8, 8));
	if (!changed)
		why(&e, "checksum", "stored checksum 0x%016" PRIx64 " is wrong and every field checks out (%s; size %s from %s): the kernel ignores a block with a bad checksum (ENODEV), so it is re-sealed",
		    sb->checksum,
		    fc ? "the filesystem is at the data start the block gives" :
			 "dataoff is what nd_pfn_init writes for this size",
		    ps_human(S, h1, sizeof(h1)), S_src);
	else
		why(&e, "checksum", "fletcher64 of the rewritten block");
	return emit_block(plan, n, boff, old, b, &e, kind, dflt);
}

/* ---- label storage areas: index blocks that disagree ---- */

struct ix_field {
	const char *name;
	uint32_t off, len;
};

/* struct nd_namespace_index (drivers/nvdimm/label.h) */
static const struct ix_field ix_fields[] = {
	{ "sig", 0x00, 16 }, { "flags", 0x10, 3 }, { "labelsize", 0x13, 1 },
	{ "seq", 0x14, 4 }, { "myoff", 0x18, 8 }, { "mysize", 0x20, 8 },
	{ "otheroff", 0x28, 8 }, { "labeloff", 0x30, 8 }, { "nslot", 0x38, 4 },
	{ "major", 0x3c, 2 }, { "minor", 0x3e, 2 }, { "checksum", 0x40, 8 },
};

/* The sequence number the kernel's nd_inc_seq() steps from to reach s. */
static uint32_t prev_seq(uint32_t s)
{
	switch (s & 3) {
	case 1: return 3;
	case 2: return 1;
	case 3: return 2;
	}
	return 0;
}

static int plan_lsa_one(struct ps_src *src, size_t ri, const struct ps_rec *r,
			struct ps_plan *plan)
{
	static const char *K = "label-index";
	const struct ps_lsa *l = r->u.lsa.lsa;
	int unit = PS_UNIT_REC(ri);
	if (!l || !l->index_size || l->index_size > PS_LSA_MAX / 2)
		return PS_OK;
	uint64_t isz = l->index_size;
	bool v0 = l->index[0].valid, v1 = l->index[1].valid;
	if (v0 && v1) {
		if (l->why != PS_LSA_EQUAL_SEQ)
			return PS_OK;	/* current + previous generation: normal */
		uint8_t *b0 = malloc(isz), *b1 = malloc(isz);
		int diff = 1;
		if (b0 && b1 && !ps_src_pread(src, b0, isz, l->abs_off) &&
		    !ps_src_pread(src, b1, isz, l->abs_off + isz))
			diff = memcmp(b0 + 0x48, b1 + 0x48, isz - 0x48) != 0;
		free(b0);
		free(b1);
		if (diff)
			ps_plan_refuse(plan, unit, K, "label area at 0x%" PRIx64 ": both index blocks are valid with the same sequence number %u but different free bitmaps: the kernel takes index 1, but nothing proves which generation is right; compare 'pmemscan labels' output of both and rewrite with ndctl",
				       l->abs_off, l->index[0].seq & 3);
		return PS_OK;
	}
	if (!v0 && !v1) {
		if (l->index_present[0] || l->index_present[1])
			ps_plan_refuse(plan, unit, K, "label area at 0x%" PRIx64 ": neither index block is valid, so which labels are in use is unknown (the kernel ignores every label); not rebuilding",
				       l->abs_off);
		return PS_OK;
	}
	int good = v0 ? 0 : 1, bad = 1 - good;
	const struct ps_nsindex *bi = &l->index[bad];
	if (bi->sig_ok && bi->checksum_ok && (bi->seq & 3) == 0)
		return PS_OK;	/* older kernels' init pattern (seq 0): not damage */
	if (bi->sig_ok && (bi->seq & 3) &&
	    ps_nsindex_best_seq(bi->seq & 3, l->index[good].seq & 3) == (bi->seq & 3)) {
		ps_plan_refuse(plan, unit, K, "label area at 0x%" PRIx64 ": index %d is invalid but its sequence number %u says it is NEWER than the valid index %d (seq %u): it may be a torn label update (the kernel then rightly uses index %d) or a newer state with a damaged byte. Two readings: not rewriting; compare both with 'pmemscan labels'",
			       l->abs_off, bad, bi->seq & 3, good, l->index[good].seq & 3, good);
		return PS_OK;
	}
	uint64_t goff = l->abs_off + (uint64_t)good * isz;
	uint64_t boff = l->abs_off + (uint64_t)bad * isz;
	uint8_t *old = malloc(isz), *b = malloc(isz);
	int rc = PS_OK;
	if (!old || !b) {
		rc = PS_ENOMEM;
		goto out;
	}
	if (ps_src_pread(src, b, isz, goff) || ps_src_pread(src, old, isz, boff)) {
		ps_plan_refuse(plan, unit, K, "label area at 0x%" PRIx64 ": cannot read the index blocks: %s",
			       l->abs_off, ps_src_error(src));
		goto out;
	}
	uint32_t gseq = l->index[good].seq & 3;
	ps_put_le32(b + 0x14, prev_seq(gseq));
	ps_put_le64(b + 0x18, (uint64_t)bad * isz);
	ps_put_le64(b + 0x28, (uint64_t)good * isz);
	ps_put_le64(b + 0x40, ps_fletcher64(b, isz, 0x40, 8));
	char reason[400];
	snprintf(reason, sizeof(reason),
		 "index %d is invalid%s while index %d (seq %u) is valid and is what the kernel uses: index %d is rewritten as its copy (same free bitmap, so the same labels stay in use), seq %u so index %d stays current",
		 bad, l->index[bad].sig_ok ? (l->index[bad].checksum_ok ? "" : " (bad checksum)") :
		 " (no signature)", good, gseq, bad, prev_seq(gseq), good);
	/* one patch per header field, then the bitmap in runs <= 4 KiB */
	for (size_t i = 0; i < sizeof(ix_fields) / sizeof(ix_fields[0]); i++) {
		const struct ix_field *f = &ix_fields[i];
		if (!memcmp(old + f->off, b + f->off, f->len))
			continue;
		char ov[64] = "", nv[64] = "";
		if (f->len == 4 || f->len == 8) {
			snprintf(ov, sizeof(ov), "0x%" PRIx64, f->len == 4 ? ps_le32(old + f->off) : ps_le64(old + f->off));
			snprintf(nv, sizeof(nv), "0x%" PRIx64, f->len == 4 ? ps_le32(b + f->off) : ps_le64(b + f->off));
		}
		if ((rc = ps_plan_add(plan, unit, K, boff + f->off, old + f->off, b + f->off,
				      f->len, f->name, ov, nv, "%s", reason)))
			goto out;
	}
	for (uint64_t x = 0x48; x < isz;) {
		if (old[x] == b[x]) {
			x++;
			continue;
		}
		uint64_t e = x;
		while (e < isz && e - x < PS_PATCH_MAX_LEN && old[e] != b[e])
			e++;
		if ((rc = ps_plan_add(plan, unit, K, boff + x, old + x, b + x,
				      (uint32_t)(e - x), "free", "", "", "%s", reason)))
			goto out;
		x = e;
	}
out:
	free(old);
	free(b);
	return rc;
}

static int plan_lsa(struct ps_src *src, const struct ps_analysis *a,
		    const struct ps_repair_opts *o, struct ps_plan *plan)
{
	if (o->ns >= 0)
		return PS_OK;	/* --namespace: that namespace only */
	for (size_t i = 0; i < a->scan.nrecs; i++) {
		const struct ps_rec *r = &a->scan.recs[i];
		if (r->kind != PS_REC_NSINDEX || !r->u.lsa.lsa)
			continue;
		int rc = plan_lsa_one(src, i, r, plan);
		if (rc)
			return rc;
	}
	return PS_OK;
}

/* ---- BTT info blocks: primary from backup, backup from primary ---- */

/*
 * A sector-mode namespace (the analysis found its BTT). The kernel reads
 * only the primary info block of each arena (a bad arena-0 primary means
 * "no existing arenas": a writable namespace would get a fresh BTT over
 * the data); the backup at info2off is a byte copy, which ndctl
 * check-namespace restores either way.
 */
static int plan_btt(struct ps_src *src, const struct ps_analysis *a,
		    const struct ps_ns *ns, const struct ps_repair_opts *o,
		    struct ps_plan *plan)
{
	static const char *K = "btt-info";
	(void)a;
	(void)o;
	if (ns->mode != PS_NS_SECTOR || ns->nested_in >= 0)
		return PS_OK;
	const int n = ns->index;
	struct ps_src *win;
	if (ns->base > src->size || ns->size > src->size - ns->base ||
	    ps_src_window(src, ns->base, ns->size, &win)) {
		ps_plan_refuse(plan, n, K, "namespace %d: its BTT extends past the image end: the dump is truncated", n);
		return PS_OK;
	}
	struct ps_btt *b;
	struct ps_diags d;
	ps_diags_init(&d);
	struct ps_btt_open_opts bo = { .initial_offset = ns->btt_initial };
	int rc = ps_btt_open(win, &bo, &b, &d);
	ps_diags_free(&d);
	if (rc) {
		ps_src_close(win);
		if (rc == PS_ENOMEM)
			return rc;
		ps_plan_refuse(plan, n, K, "namespace %d: its BTT cannot be opened (%s): nothing to restore from",
			       n, ps_strerror(rc));
		return PS_OK;
	}
	uint8_t from[PS_BTT_INFO_SIZE], to[PS_BTT_INFO_SIZE];
	for (unsigned i = 0; i < ps_btt_narenas(b) && !rc; i++) {
		const struct ps_btt_arena *ar = ps_btt_arena(b, i);
		uint64_t prim = ns->base + ar->off, bak = prim + ar->sb.info2off;
		if (ar->used_backup) {
			if (ns->base + ar->sb_off != bak) {
				ps_plan_refuse(plan, n, K, "namespace %d, BTT arena %u: the primary info block at 0x%" PRIx64 " is bad and the block used instead (0x%" PRIx64 ") is not this arena's own backup: not restoring from it",
					       n, i, prim, ns->base + ar->sb_off);
				continue;
			}
			if (ps_src_pread(src, from, sizeof(from), bak) ||
			    ps_src_pread(src, to, sizeof(to), prim))
				continue;
			rc = ps_plan_add(plan, n, K, prim, to, from, PS_BTT_INFO_SIZE,
					 "btt_sb", "primary (bad)", "copy of the backup",
					 "BTT arena %u: the primary info block at 0x%" PRIx64 " is unusable and its backup at 0x%" PRIx64 " (info2off 0x%" PRIx64 ") verifies; the kernel reads only the primary (a bad arena-0 primary means \"no existing arenas\" and a fresh BTT over the data when writable), so the primary becomes a byte copy of the backup, as ndctl check-namespace --repair does",
					 i, prim, bak, ar->sb.info2off);
		} else if (ar->backup_differs) {
			if (ps_src_pread(src, from, sizeof(from), prim) ||
			    ps_src_pread(src, to, sizeof(to), bak))
				continue;
			rc = ps_plan_add(plan, n, K, bak, to, from, PS_BTT_INFO_SIZE,
					 "btt_sb.info2", ar->backup_ok ? "differs" : "bad",
					 "copy of the primary",
					 "BTT arena %u: the backup info block at 0x%" PRIx64 " %s the valid primary at 0x%" PRIx64 "; it must be its byte copy (btt_check_info2), so a later loss of the primary can be recovered",
					 i, bak, ar->backup_ok ? "differs from" : "is invalid and differs from", prim);
		}
	}
	ps_btt_close(b);
	ps_src_close(win);
	return rc;
}

/* BTT blocks no sector namespace took: the analysis could not open them. */
static int plan_btt_orphans(struct ps_src *src, const struct ps_analysis *a,
			    const struct ps_repair_opts *o, struct ps_plan *plan)
{
	(void)src;
	if (o->ns >= 0)
		return PS_OK;
	for (size_t i = 0; i < a->nns; i++)
		if (a->ns[i].mode == PS_NS_SECTOR)
			return PS_OK;
	for (size_t ri = 0; ri < a->scan.nrecs; ri++)
		if (a->scan.recs[ri].kind == PS_REC_BTT) {
			ps_plan_refuse(plan, PS_UNIT_REC(ri), "btt-info", "BTT info block(s) found (first at 0x%" PRIx64 ") but no arena opens: neither a primary nor its own backup is valid, so there is nothing to restore from (ndctl check-namespace --repair has further heuristics; 'pmemscan check' shows the details)",
				       a->scan.recs[ri].off);
			break;
		}
	return PS_OK;
}

/* The BTT of a repaired sector namespace: every arena from its primary,
 * every backup equal to it. */
static bool btt_valid(const struct ps_ns *after, struct ps_src *after_src,
		      char *why_, size_t n)
{
	if (!after_src) {
		snprintf(why_, n, "no repaired image to check");
		return false;
	}
	struct ps_src *win;
	if (ps_src_window(after_src, after->base, after->size, &win)) {
		snprintf(why_, n, "the namespace no longer fits the image");
		return false;
	}
	struct ps_btt *b;
	struct ps_diags d;
	ps_diags_init(&d);
	struct ps_btt_open_opts bo = { .initial_offset = after->btt_initial };
	int rc = ps_btt_open(win, &bo, &b, &d);
	ps_diags_free(&d);
	if (rc) {
		ps_src_close(win);
		snprintf(why_, n, "the re-scan finds no usable BTT: %s", ps_strerror(rc));
		return false;
	}
	bool ok = true;
	for (unsigned i = 0; i < ps_btt_narenas(b) && ok; i++) {
		const struct ps_btt_arena *ar = ps_btt_arena(b, i);
		if (ar->used_backup) {
			snprintf(why_, n, "BTT arena %u's primary info block is still unusable", i);
			ok = false;
		} else if (ar->backup_differs || !ar->backup_ok) {
			snprintf(why_, n, "BTT arena %u's backup info block still differs from the primary", i);
			ok = false;
		}
	}
	ps_btt_close(b);
	ps_src_close(win);
	return ok;
}

const struct ps_repair_kind ps_repair_kinds[] = {
	{ "pfn", "pfn/dax info block: checksum, derivable fields, start_pad layouts", plan_pfn, NULL },
	{ "label-index", "label storage area: an invalid index block rebuilt from the valid one", NULL, plan_lsa },
	{ "btt-info", "BTT arena info blocks: primary restored from its backup, and the reverse", plan_btt, plan_btt_orphans },
	{ NULL, NULL, NULL, NULL },
};

int ps_repair_plan(struct ps_src *src, const struct ps_analysis *a,
		   const struct ps_repair_opts *o, struct ps_plan *plan)
{
	for (const struct ps_repair_kind *k = ps_repair_kinds; k->name; k++) {
		int rc = PS_OK;
		for (size_t i = 0; i < a->nns && k->plan && !rc; i++)
			if (o->ns < 0 || (size_t)o->ns == i)
				rc = k->plan(src, a, &a->ns[i], o, plan);
		if (!rc && k->plan_image)
			rc = k->plan_image(src, a, o, plan);
		if (rc)
			return rc;
	}
	return PS_OK;
}

/* ---- overlay source ---- */

struct ovl_priv {
	const struct ps_plan *plan;
};

static int ovl_pread(struct ps_src *s, void *buf, size_t len, uint64_t off)
{
	struct ovl_priv *p = s->priv;
	int rc = ps_src_pread(s->parent, buf, len, off);
	if (rc) {
		ps_src_set_error(s, "%s", ps_src_error(s->parent));
		return rc;
	}
	uint64_t end = off + len;
	for (size_t i = 0; i < p->plan->n; i++) {
		const struct ps_patch *x = &p->plan->p[i];
		uint64_t lo = x->off > off ? x->off : off;
		uint64_t hi = x->off + x->len < end ? x->off + x->len : end;
		if (lo < hi)
			memcpy((uint8_t *)buf + (lo - off), x->new_ + (lo - x->off),
			       hi - lo);
	}
	return PS_OK;
}

static int ovl_next_data(struct ps_src *s, uint64_t off, uint64_t *out)
{
	struct ovl_priv *p = s->priv;
	uint64_t d;
	int rc = ps_src_next_data(s->parent, off, &d);
	if (rc)
		return rc;
	for (size_t i = 0; i < p->plan->n; i++) {
		const struct ps_patch *x = &p->plan->p[i];
		if (x->off + x->len > off) {
			uint64_t st = x->off > off ? x->off : off;
			if (st < d)
				d = st;
		}
	}
	*out = d;
	return PS_OK;
}

static int ovl_next_hole(struct ps_src *s, uint64_t off, uint64_t *out)
{
	struct ovl_priv *p = s->priv;
	uint64_t h = off;
	for (;;) {
		int rc = ps_src_next_hole(s->parent, h, &h);
		if (rc)
			return rc;
		bool moved = false;
		for (size_t i = 0; i < p->plan->n; i++) {
			const struct ps_patch *x = &p->plan->p[i];
			if (x->off <= h && h < x->off + x->len) {
				h = x->off + x->len;
				moved = true;
			}
		}
		if (!moved || h >= s->size)
			break;
	}
	*out = h;
	return PS_OK;
}

static void ovl_close(struct ps_src *s)
{
	free(s->priv);
}

static const struct ps_src_ops ovl_ops = {
	.pread = ovl_pread,
	.next_data = ovl_next_data,
	.next_hole = ovl_next_hole,
	.close = ovl_close,
};

int ps_src_overlay(struct ps_src *parent, const struct ps_plan *plan,
		   struct ps_src **out)
{
	*out = NULL;
	for (size_t i = 0; i < plan->n; i++)
		if (plan->p[i].off + plan->p[i].len > parent->size)
			return PS_ERANGE;
	struct ovl_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return PS_ENOMEM;
	p->plan = plan;
	struct ps_src *s = ps_src_new(&ovl_ops, p, parent->size, parent->name);
	if (!s) {
		free(p);
		return PS_ENOMEM;
	}
	s->parent = parent;
	*out = s;
	return PS_OK;
}

/* ---- verification ---- */

static const struct ps_ns *ns_at(const struct ps_analysis *a, uint64_t base)
{
	for (size_t i = 0; i < a->nns; i++)
		if (a->ns[i].base == base && a->ns[i].nested_in < 0)
			return &a->ns[i];
	return NULL;
}

static bool ns_valid(const struct ps_analysis *aa, const struct ps_ns *before,
		     const struct ps_ns *after, uint64_t want_off, char *why_,
		     size_t n)
{
	if (!after) {
		snprintf(why_, n, "the re-scan finds no namespace at 0x%" PRIx64, before->base);
		return false;
	}
	if (after->mode != before->mode) {
		snprintf(why_, n, "the re-scan finds a %s namespace where a %s one was",
			 ps_ns_mode_name(after->mode), ps_ns_mode_name(before->mode));
		return false;
	}
	if (after->info_rec >= 0) {
		const struct ps_rec *r = &aa->scan.recs[after->info_rec];
		if (!r->checksum_ok) {
			snprintf(why_, n, "the info block's checksum is still wrong");
			return false;
		}
		if (ps_diags_count(&r->diags, PS_SEV_WARN)) {
			snprintf(why_, n, "the info block still has problems: %s", r->diags.v[0].msg);
			return false;
		}
	}
	for (size_t i = 0; i < after->diags.n; i++)
		if (after->diags.v[i].sev >= (after->mode == PS_NS_SECTOR ? PS_SEV_WARN : PS_SEV_ERR)) {
			snprintf(why_, n, "re-scan: %s", after->diags.v[i].msg);
			return false;
		}
	if (after->P) {
		snprintf(why_, n, "start_pad is still 0x%" PRIx64, after->P);
		return false;
	}
	if (after->mode == PS_NS_DEVDAX)
		return true;
	if (after->mode == PS_NS_SECTOR && before->verdict != PS_V_PROVEN)
		return true;	/* no filesystem to keep in place (the BTT is checked apart) */
	if (after->verdict != PS_V_PROVEN || after->chosen < 0) {
		snprintf(why_, n, "the re-scan verdict is %s, not proven",
			 ps_verdict_name(after->verdict));
		return false;
	}
	if (want_off && after->cand[after->chosen].off != want_off) {
		snprintf(why_, n, "the re-scan finds the filesystem at 0x%" PRIx64 ", not at 0x%" PRIx64 " where it was",
			 after->cand[after->chosen].off, want_off);
		return false;
	}
	return true;
}

static bool lsa_valid(const struct ps_analysis *before, const struct ps_rec *br,
		      const struct ps_analysis *aa, char *why_, size_t n)
{
	(void)before;
	const struct ps_lsa *bl = br->u.lsa.lsa, *al = NULL;
	for (size_t i = 0; i < aa->scan.nrecs; i++)
		if (aa->scan.recs[i].kind == PS_REC_NSINDEX && aa->scan.recs[i].off == br->off)
			al = aa->scan.recs[i].u.lsa.lsa;
	if (!bl || !al) {
		snprintf(why_, n, "the re-scan finds no label area at 0x%" PRIx64, br->off);
		return false;
	}
	if (!al->index[0].valid || !al->index[1].valid) {
		snprintf(why_, n, "index block %d is still invalid", al->index[0].valid ? 1 : 0);
		return false;
	}
	if (al->current != bl->current) {
		snprintf(why_, n, "the current index moved from %d to %d", bl->current, al->current);
		return false;
	}
	size_t nb = 0, na = 0;
	for (size_t i = 0; i < bl->nrecs; i++)
		nb += bl->recs[i].active;
	for (size_t i = 0; i < al->nrecs; i++)
		na += al->recs[i].active;
	bool same = nb == na;
	for (size_t i = 0; i < bl->nrecs && same; i++) {
		if (!bl->recs[i].active)
			continue;
		same = false;
		for (size_t j = 0; j < al->nrecs; j++)
			if (al->recs[j].active && al->recs[j].slot == bl->recs[i].slot &&
			    !memcmp(al->recs[j].label.uuid, bl->recs[i].label.uuid, 16))
				same = true;
	}
	if (!same) {
		snprintf(why_, n, "the set of active labels changed (%zu before, %zu after)", nb, na);
		return false;
	}
	return true;
}

bool ps_repair_unit_valid(const struct ps_analysis *before, int unit,
			  const struct ps_analysis *after, struct ps_src *after_src,
			  const struct ps_repair_opts *o, char *why_, size_t n)
{
	if (PS_UNIT_IS_REC(unit)) {
		size_t ri = PS_UNIT_REC_INDEX(unit);
		if (ri >= before->scan.nrecs) {
			snprintf(why_, n, "no such record");
			return false;
		}
		return lsa_valid(before, &before->scan.recs[ri], after, why_, n);
	}
	if (unit < 0 || (size_t)unit >= before->nns) {
		snprintf(why_, n, "no such namespace");
		return false;
	}
	const struct ps_ns *b = &before->ns[unit];
	const struct ps_ns *an = ns_at(after, b->base);
	if (!ns_valid(after, b, an, ps_repair_keep_off(b, o), why_, n))
		return false;
	if (b->mode == PS_NS_SECTOR)
		return btt_valid(an, after_src, why_, n);
	return true;
}

const char *ps_repair_unit_name(const struct ps_analysis *a, int unit, char *buf,
				size_t n)
{
	if (PS_UNIT_IS_REC(unit) && PS_UNIT_REC_INDEX(unit) < a->scan.nrecs) {
		const struct ps_rec *r = &a->scan.recs[PS_UNIT_REC_INDEX(unit)];
		snprintf(buf, n, "%s at 0x%" PRIx64, r->kind == PS_REC_NSINDEX ?
			 "label area" : ps_rec_kind_name(r->kind), r->off);
	}
	else
		snprintf(buf, n, "namespace %d", unit);
	return buf;
}

const struct ps_ns *ps_repair_ns_at(const struct ps_analysis *a, uint64_t base)
{
	return ns_at(a, base);
}

uint64_t ps_repair_keep_off(const struct ps_ns *ns, const struct ps_repair_opts *o)
{
	const struct ps_cand *c = fs_cand(ns, o);
	return c ? c->off : 0;
}

int ps_repair_verify(struct ps_src *src, const struct ps_analysis *before,
		     const struct ps_repair_opts *o, struct ps_plan *plan,
		     struct ps_analysis *after)
{
	struct ps_analysis aa;
	memset(&aa, 0, sizeof(aa));
	for (;;) {	/* each pass withdraws one unit or ends */
		struct ps_src *ov;
		int rc = ps_src_overlay(src, plan, &ov);
		if (rc)
			return rc;
		struct ps_analysis_opts ao;
		memset(&ao, 0, sizeof(ao));
		ao.have_phys_base = o->have_phys_base;
		ao.phys_base = o->phys_base;
		rc = ps_analyze(ov, &ao, &aa);
		if (rc) {
			ps_analysis_free(&aa);
			ps_src_close(ov);
			return rc;
		}
		int bad_unit = 0;
		char w[320];
		for (size_t k = 0; k < plan->n && !bad_unit; k++) {
			int u = plan->p[k].ns;
			if (k && plan->p[k - 1].ns == u)
				continue;
			if (!ps_repair_unit_valid(before, u, &aa, ov, o, w, sizeof(w)))
				bad_unit = u ? u : INT32_MIN;
		}
		ps_src_close(ov);
		if (!bad_unit)
			break;
		int u = bad_unit == INT32_MIN ? 0 : bad_unit;
		char name[96];
		ps_plan_withdraw(plan, u);
		ps_plan_refuse(plan, u, "verify",
			       "%s: the planned repair was checked on an in-memory copy and rolled back: %s",
			       ps_repair_unit_name(before, u, name, sizeof(name)), w);
		ps_analysis_free(&aa);
		memset(&aa, 0, sizeof(aa));
	}
	if (after)
		*after = aa;
	else
		ps_analysis_free(&aa);
	return PS_OK;
}

/* ---- hashing ---- */

int ps_src_sha256(struct ps_src *src, uint8_t out[32])
{
	static const uint8_t zeros[65536];
	struct sha256_ctx c;
	sha256_init(&c);
	size_t bl = 1 << 20;
	uint8_t *buf = malloc(bl);
	if (!buf)
		return PS_ENOMEM;
	uint64_t off = 0;
	int rc = PS_OK;
	while (off < src->size) {
		uint64_t d, h;
		if ((rc = ps_src_next_data(src, off, &d)))
			break;
		for (uint64_t z = off; z < d;) {	/* hole: zeros */
			size_t k = d - z < sizeof(zeros) ? (size_t)(d - z) : sizeof(zeros);
			sha256_update(&c, k, zeros);
			z += k;
		}
		if (d >= src->size)
			break;
		if ((rc = ps_src_next_hole(src, d, &h)))
			break;
		if (h <= d)
			h = src->size;
		for (uint64_t x = d; x < h;) {
			size_t k = h - x < bl ? (size_t)(h - x) : bl;
			if ((rc = ps_src_pread(src, buf, k, x)))
				goto out;
			sha256_update(&c, k, buf);
			x += k;
		}
		off = h;
	}
out:
	free(buf);
	if (!rc)
		sha256_digest(&c, 32, out);
	return rc;
}

/* ---- undo files ---- */

static const char hexd[] = "0123456789abcdef";

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexd[b[i] >> 4];
		out[2 * i + 1] = hexd[b[i] & 15];
	}
	out[2 * n] = 0;
}

static int unhex(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char c = s[2 * i + k];
			int d = c >= '0' && c <= '9' ? c - '0' :
				c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
			if (d < 0)
				return -1;
			v = v * 16 + d;
		}
		out[i] = (uint8_t)v;
	}
	return 0;
}

struct sbuf {
	char *s;
	size_t n, cap;
	int oom;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		if (b->oom)
			return;
		size_t room = b->cap - b->n;
		va_start(ap, fmt);
		int k = vsnprintf(b->s ? b->s + b->n : NULL, room, fmt, ap);
		va_end(ap);
		if (k < 0) {
			b->oom = 1;
			return;
		}
		if ((size_t)k < room) {
			b->n += (size_t)k;
			return;
		}
		size_t nc = (b->cap + (size_t)k + 1) * 2;
		char *v = realloc(b->s, nc);
		if (!v) {
			b->oom = 1;
			return;
		}
		b->s = v;
		b->cap = nc;
	}
}

#define UNDO_MAGIC "PMEMSCAN-UNDO 1\n"

int ps_undo_write_fd(int fd, const char *image, uint64_t image_size,
		     const uint8_t sha[32], const struct ps_plan *plan)
{
	struct sbuf b = { 0 };
	char h[2 * PS_PATCH_MAX_LEN + 1];
	sb_printf(&b, "%s", UNDO_MAGIC);
	sb_printf(&b, "image ");
	for (const char *p = image; *p; p++)	/* informational; one line */
		sb_printf(&b, "%c", *p == '\n' || *p == '\r' ? '?' : *p);
	sb_printf(&b, "\nsize %" PRIu64 "\n", image_size);
	if (sha)
		hex(sha, 32, h);
	else
		snprintf(h, sizeof(h), "none");
	sb_printf(&b, "sha256 %s\npatches %zu\n", h, plan->n);
	for (size_t i = 0; i < plan->n; i++) {
		const struct ps_patch *x = &plan->p[i];
		char fld[sizeof(x->field)];
		size_t fi = 0;
		for (; x->field[fi] && fi < sizeof(fld) - 1; fi++)	/* one word */
			fld[fi] = x->field[fi] > ' ' && x->field[fi] < 127 ? x->field[fi] : '_';
		fld[fi] = 0;
		sb_printf(&b, "patch 0x%" PRIx64 " %u %s ", x->off, x->len, fi ? fld : "bytes");
		hex(x->old, x->len, h);
		sb_printf(&b, "%s ", h);
		hex(x->new_, x->len, h);
		sb_printf(&b, "%s\n", h);
	}
	uint8_t dg[32];
	struct sha256_ctx c;
	sha256_init(&c);
	if (!b.oom)
		sha256_update(&c, b.n, (const uint8_t *)b.s);
	sha256_digest(&c, 32, dg);
	hex(dg, 32, h);
	sb_printf(&b, "end %s\n", h);
	if (b.oom) {
		free(b.s);
		return PS_ENOMEM;
	}
	size_t done = 0;
	while (done < b.n) {
		ssize_t k = write(fd, b.s + done, b.n - done);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			free(b.s);
			return PS_EIO;
		}
		done += (size_t)k;
	}
	free(b.s);
	return PS_OK;
}

void ps_undo_free(struct ps_undo *u)
{
	ps_plan_free(&u->plan);
}

/* Next line of text [*pos, len) without its newline; NULL at the end. */
static const char *next_line(const char *t, size_t len, size_t *pos, size_t *ll)
{
	if (*pos >= len)
		return NULL;
	const char *s = t + *pos;
	const char *nl = memchr(s, '\n', len - *pos);
	if (!nl)
		return NULL;	/* every line ends in a newline */
	*ll = (size_t)(nl - s);
	*pos += *ll + 1;
	return s;
}

int ps_undo_parse(const char *t, size_t len, struct ps_undo *u, char *err,
		  size_t errlen)
{
	memset(u, 0, sizeof(*u));
	ps_plan_init(&u->plan);
	size_t ml = strlen(UNDO_MAGIC);
	if (len < ml || memcmp(t, UNDO_MAGIC, ml)) {
		snprintf(err, errlen, "not a pmemscan undo file (no '%.*s' line)",
			 (int)ml - 1, UNDO_MAGIC);
		return PS_EFORMAT;
	}
	/* The checksum line covers every byte before it. */
	const char *endl = NULL;
	for (size_t i = len >= 5 ? len - 4 : 0; i > 0; i--)	/* t[i-1 .. i+3] */
		if (!memcmp(t + i - 1, "\nend ", 5)) {
			endl = t + i;
			break;
		}
	if (!endl || (size_t)(t + len - endl) != 4 + 64 + 1 || t[len - 1] != '\n') {
		snprintf(err, errlen, "undo file is incomplete (no final 'end' checksum line): it was not fully written; the image was not touched by that run");
		return PS_EFORMAT;
	}
	size_t body = (size_t)(endl - t);
	uint8_t want[32], dg[32];
	if (unhex(endl + 4, 32, want)) {
		snprintf(err, errlen, "undo file: bad 'end' checksum line");
		return PS_EFORMAT;
	}
	struct sha256_ctx c;
	sha256_init(&c);
	sha256_update(&c, body, (const uint8_t *)t);
	sha256_digest(&c, 32, dg);
	if (memcmp(dg, want, 32)) {
		snprintf(err, errlen, "undo file checksum mismatch: the file is damaged; refusing to use it");
		return PS_EFORMAT;
	}
	size_t pos = ml, ll;
	const char *l;
	int have = 0;
	size_t npatch = 0;
	while ((l = next_line(t, body, &pos, &ll))) {
		char line[2 * (2 * PS_PATCH_MAX_LEN + 1) + 128];
		if (ll >= sizeof(line)) {
			snprintf(err, errlen, "undo file: line too long at byte %zu", pos - ll - 1);
			goto bad;
		}
		memcpy(line, l, ll);
		line[ll] = 0;
		if (!strncmp(line, "image ", 6)) {
			snprintf(u->image, sizeof(u->image), "%.500s", line + 6);
			have |= 1;
		} else if (!strncmp(line, "size ", 5)) {
			char *e;
			errno = 0;
			u->image_size = strtoull(line + 5, &e, 10);
			if (errno || *e) {
				snprintf(err, errlen, "undo file: bad size line");
				goto bad;
			}
			have |= 2;
		} else if (!strncmp(line, "sha256 ", 7)) {
			if (!strcmp(line + 7, "none")) {
				u->have_sha256 = false;
			} else if (strlen(line + 7) != 64 || unhex(line + 7, 32, u->sha256)) {
				snprintf(err, errlen, "undo file: bad sha256 line");
				goto bad;
			} else {
				u->have_sha256 = true;
			}
			have |= 4;
		} else if (!strncmp(line, "patches ", 8)) {
			char *e;
			errno = 0;
			npatch = strtoull(line + 8, &e, 10);
			if (errno || *e || npatch > 100000) {
				snprintf(err, errlen, "undo file: bad patches line");
				goto bad;
			}
			have |= 8;
		} else if (!strncmp(line, "patch ", 6)) {
			char field[32], *oh, *nh, *e;
			uint64_t off;
			unsigned long l2;
			errno = 0;
			off = strtoull(line + 6, &e, 16);
			if (errno || *e != ' ')
				goto badpatch;
			l2 = strtoul(e + 1, &e, 10);
			if (errno || *e != ' ' || !l2 || l2 > PS_PATCH_MAX_LEN)
				goto badpatch;
			char *f = e + 1, *sp = strchr(f, ' ');
			if (!sp || (size_t)(sp - f) >= sizeof(field))
				goto badpatch;
			memcpy(field, f, (size_t)(sp - f));
			field[sp - f] = 0;
			oh = sp + 1;
			if (strlen(oh) != 2 * (2 * l2) + 1 || oh[2 * l2] != ' ')
				goto badpatch;
			nh = oh + 2 * l2 + 1;
			uint8_t ob[PS_PATCH_MAX_LEN], nb[PS_PATCH_MAX_LEN];
			if (unhex(oh, l2, ob) || unhex(nh, l2, nb))
				goto badpatch;
			uint64_t end;
			if (ps_add_ovf(off, l2, &end) || (have & 2 && end > u->image_size))
				goto badpatch;
			if (ps_plan_add(&u->plan, -1, "undo", off, ob, nb, (uint32_t)l2,
					field, NULL, NULL, "undo"))
				goto badpatch;
		} else {
			snprintf(err, errlen, "undo file: unknown line '%.40s'", line);
			goto bad;
		}
		continue;
badpatch:
		snprintf(err, errlen, "undo file: bad patch line %zu", u->plan.n + 1);
		goto bad;
	}
	if (have != 15 || u->plan.n != npatch) {
		snprintf(err, errlen, "undo file: missing header lines or patch count %zu != %zu",
			 u->plan.n, npatch);
		goto bad;
	}
	for (size_t i = 0; i < u->plan.n; i++)
		if (u->plan.p[i].off + u->plan.p[i].len > u->image_size) {
			snprintf(err, errlen, "undo file: patch %zu beyond the image size", i + 1);
			goto bad;
		}
	return PS_OK;
bad:
	ps_undo_free(u);
	return PS_EFORMAT;
}
