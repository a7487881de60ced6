/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "pfn" repair kind: pfn (fsdax) and dax (devdax) info blocks. What it
 * rewrites and refuses, with the kernel facts behind each rule, is in
 * docs/repair.md; the specification is cited by
 * section title (nvdimm-formats.md, the project's specification).
 *
 * The block is edited as a whole (4096 bytes, old -> b) and then cut into
 * one patch per changed field, so the plan and the undo file name fields,
 * not byte ranges.
 */
#include "repair_priv.h"
#include "err.h"
#include "fletcher.h"
#include "le.h"
#include "units.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- the pfn / dax info block ---- */

/* The block's fields are nd_pfn_sb's table (pfn.h) as version 1.4 lays it
 * out: the repair writes 1.4 and cuts its patches along these rows. */
#define pfn_fields (ps_pfn_layout.fields)
#define ONE_FIELD(P, name, off, len, type, since, ndctl) + 1
enum { NFIELDS = 0 PS_PFN_FIELDS(ONE_FIELD, PS_PFN) };
#undef ONE_FIELD

/* Why each field changes. The first rule that changes a field gives the
 * reason (why() keeps it), so a specific reason is never replaced by the
 * generic ones the version 1.4 rewrite states for every field. */
struct pfn_edit {
	struct ps_repair_why reason[NFIELDS];	/* kind 0: none yet */
};

static int field_index(const char *name)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (!strcmp(pfn_fields[i].name, name))
			return (int)i;
	return -1;
}

static void why(struct pfn_edit *e, const char *field, struct ps_repair_why w)
{
	int i = field_index(field);
	if (i < 0 || e->reason[i].kind)
		return;
	e->reason[i] = w;
}

/* A why of kind k with data a (and b, c, code: see repair.h). */
#define W(k, ...) ((struct ps_repair_why){ .kind = (k), __VA_ARGS__ })

static void fmt_field(const uint8_t *b, const struct ps_field *f, char *out,
		      size_t n)
{
	if (f->type == PS_FIELD_INT) {
		snprintf(out, n, "0x%" PRIx64, ps_field_get(f, b));
		return;
	}
	size_t nz = 0;
	for (uint32_t i = 0; i < f->len; i++)
		nz += b[f->off + i] != 0;
	snprintf(out, n, "%zu non-zero byte%s", nz, nz == 1 ? "" : "s");
}

/* Turn the differences between old and new into one patch per field.
 * Numeric fields are patched whole, so the plan can show old -> new as
 * values; byte fields (uuid, padding) only where they differ, so clearing
 * one stray padding byte is a 1-byte patch, not a 4 KiB one. The checksum
 * is a kind of its own: it follows every change. */
static int emit_block(struct ps_plan *plan, int ns, uint64_t boff,
		      const uint8_t *old, const uint8_t *b,
		      const struct pfn_edit *e, const char *kind,
		      enum ps_repair_why_kind dflt)
{
	for (size_t i = 0; i < NFIELDS; i++) {
		const struct ps_field *f = &pfn_fields[i];
		uint32_t lo = f->off, hi = f->off + f->len;
		while (lo < hi && old[lo] == b[lo])
			lo++;
		while (hi > lo && old[hi - 1] == b[hi - 1])
			hi--;
		if (lo == hi)
			continue;
		if (f->type == PS_FIELD_INT) {	/* numbers: the whole field */
			lo = f->off;
			hi = f->off + f->len;
		}
		char ov[64], nv[64];
		fmt_field(old, f, ov, sizeof(ov));
		fmt_field(b, f, nv, sizeof(nv));
		const char *k = !strcmp(f->name, "checksum") ? "pfn-checksum" : kind;
		const struct ps_repair_why dw = { .kind = dflt };
		int rc = ps_plan_add(plan, ns, k, boff + lo, old + lo, b + lo,
				     hi - lo, f->name, ov, nv,
				     e->reason[i].kind ? &e->reason[i] : &dw);
		if (rc)
			return rc;
	}
	return PS_OK;
}

/* The dataoff nd_pfn_init (v5.3+) and ndctl write-infoblock choose for a
 * namespace of size S at an a-aligned base, pmem mode with 64-byte struct
 * pages or ram mode (nvdimm-formats.md "nd_pfn_init formulas" F6-F8). */
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

/* One namespace's plan in the making: what the steps below share. */
struct pfn_job {
	struct ps_src *src;
	const struct ps_analysis *a;
	const struct ps_ns *ns;
	const struct ps_repair_opts *o;
	struct ps_plan *plan;
	const struct ps_pfn_sb *sb;
	int n;				/* the namespace's index */
	uint64_t boff;			/* the block's offset */
	const struct ps_cand *fc;	/* the proven filesystem (fsdax) */
	uint64_t S;			/* the namespace size */
	enum ps_repair_size_src S_src;
	bool npfns_wrong;
	uint8_t old[PS_PFN_SIZE], b[PS_PFN_SIZE];	/* the block, as read and edited */
	struct pfn_edit e;
	const char *kind;		/* the patches' kind */
	enum ps_repair_why_kind dflt;	/* the why of a field no rule names */
};

/* A step's result besides PS_OK and the PS_E* codes: the unit is refused
 * (the refusal is in the plan) and the plan of this namespace ends. */
enum { PFN_REFUSED = -1 };

static int refuse(struct pfn_job *j, const char *kind, struct ps_repair_why w)
{
	ps_plan_refuse(j->plan, j->n, kind, &w);
	return PFN_REFUSED;
}

/* Fields whose wrong value has more than one reading: refuse. */
static int check_block(struct pfn_job *j)
{
	static const char *K = "pfn";
	const struct ps_pfn_sb *sb = j->sb;
	const struct ps_ns *ns = j->ns;
	if (sb->version_minor > 4)
		return refuse(j, K, W(PS_RW_PFN_MINOR, .off = j->boff, .a = sb->version_minor));
	if (sb->mode != PS_PFN_MODE_RAM && sb->mode != PS_PFN_MODE_PMEM)
		return refuse(j, K, W(PS_RW_PFN_MODE, .off = j->boff + PS_PFN_OFF_mode, .a = sb->mode));
	if (sb->dataoff % SZ_4K || sb->dataoff < SZ_8K)
		return refuse(j, K, W(PS_RW_PFN_DATAOFF, .off = j->boff + PS_PFN_OFF_dataoff,
				      .a = sb->dataoff));
	if (sb->eff_page_size != SZ_4K)
		return refuse(j, K, W(PS_RW_PFN_PAGE_SIZE, .off = j->boff + PS_PFN_OFF_page_size,
				      .a = sb->eff_page_size));
	if (ns->start_pad % SZ_4K || ns->end_trunc % SZ_4K)
		return refuse(j, K, W(PS_RW_PFN_PAD_UNALIGNED, .off = j->boff + PS_PFN_OFF_start_pad,
				      .a = ns->start_pad, .b = ns->end_trunc));
	return PS_OK;
}

/* Where the data is proven to be (fsdax): j->fc. */
static int proven_start(struct pfn_job *j)
{
	static const char *K = "pfn";
	const struct ps_ns *ns = j->ns;
	const int n = j->n;
	if (ns->mode != PS_NS_FSDAX)
		return PS_OK;
	switch (ns->verdict) {
	case PS_V_PROVEN:
		j->fc = ps_repair_fs_cand(ns, j->o);
		if (j->fc && ns->start_pad && j->o->sem != PS_SEM_AUTO && j->fc->sem != j->o->sem)
			return refuse(j, K, W(PS_RW_SEM_NOT_PROVEN, .ns = n, .name = j->fc->name,
					      .off = j->fc->off, .sem = j->o->sem));
		return PS_OK;
	case PS_V_AMBIGUOUS:
		j->fc = ps_repair_fs_cand(ns, j->o);
		if (!j->fc)
			return refuse(j, K, W(PS_RW_AMBIGUOUS, .ns = n, .a = ns->cand[0].off,
					      .b = ns->ncand > 1 ? ns->cand[1].off : 0));
		ps_plan_note(j->plan, &W(PS_RW_NOTE_SEM_CHOSEN, .ns = n, .sem = j->o->sem,
					 .a = j->fc->off,
					 .b = j->fc == &ns->cand[0] ? ns->cand[1].off : ns->cand[0].off));
		return PS_OK;
	case PS_V_TRUNCATED:
		return refuse(j, K, W(PS_RW_TRUNCATED, .ns = n,
				      .name = ns->chosen >= 0 ? ns->cand[ns->chosen].name : NULL));
	case PS_V_DAMAGED:
		return refuse(j, K, W(PS_RW_DAMAGED, .ns = n, .off = ns->ncand ? ns->cand[0].off : 0));
	default:
		return refuse(j, K, W(PS_RW_NO_FS, .ns = n));
	}
}

/* The namespace size S: given, or the image when the namespace is the
 * whole image and the block's own formula agrees; else the block's. */
static int ns_size(struct pfn_job *j)
{
	static const char *K = "pfn";
	const struct ps_pfn_sb *sb = j->sb;
	const struct ps_ns *ns = j->ns;
	struct ps_src *src = j->src;
	const int n = j->n;
	uint64_t pages, S_blk = 0;
	bool S_ovf = ps_mul_ovf(sb->npfns, SZ_4K, &pages) ||
		     ps_add_ovf(pages, ns->start_pad + ns->end_trunc, &S_blk) ||
		     ps_add_ovf(S_blk, sb->dataoff, &S_blk);
	j->S = S_ovf ? ns->size : S_blk;
	j->S_src = PS_SIZE_FROM_BLOCK;
	if (j->o->ns_size) {
		j->S = j->o->ns_size;
		j->S_src = PS_SIZE_FROM_OPTION;
		j->npfns_wrong = S_ovf || S_blk != j->S;
	} else if (ns->base == 0 && last_in_image(j->a, ns) &&
		   (S_ovf || S_blk != src->size)) {
		uint64_t Si = src->size - src->size % SZ_4K;
		uint64_t al = sb->eff_align > SZ_2M ? sb->eff_align : SZ_2M;
		if (!S_ovf && S_blk > src->size)
			return refuse(j, K, W(PS_RW_NPFNS_PAST_END, .ns = n, .a = sb->npfns,
					      .b = S_blk, .c = src->size));
		if (!S_ovf && src->size - S_blk < SZ_4K) {
			/* a partial page at the end: npfns is right */
		} else if (sb->version_minor >= 3 && ns->start_pad == 0 &&
			   kernel_dataoff(Si, sb->mode, al) == sb->dataoff &&
			   ns->end_trunc == Si % al) {
			j->S = Si;
			j->S_src = PS_SIZE_FROM_IMAGE;
			j->npfns_wrong = true;
		} else {
			return refuse(j, K, W(PS_RW_NPFNS_UNPROVEN, .ns = n, .a = sb->npfns,
					      .c = src->size));
		}
	}
	if (j->S < sb->dataoff + ns->start_pad + ns->end_trunc + SZ_4K)
		return refuse(j, K, W(PS_RW_NS_TOO_SMALL, .ns = n, .a = j->S, .b = ns->start_pad,
				      .c = sb->dataoff, .d = ns->end_trunc));
	return PS_OK;
}

/* devdax holds no filesystem to prove dataoff; accept the block's fields
 * only when they are exactly what nd_pfn_init writes. */
static int check_devdax(struct pfn_job *j)
{
	static const char *K = "pfn";
	const struct ps_pfn_sb *sb = j->sb;
	const struct ps_ns *ns = j->ns;
	if (ns->mode != PS_NS_DEVDAX)
		return PS_OK;
	uint64_t al = sb->eff_align > SZ_2M ? sb->eff_align : SZ_2M;
	bool formula = sb->version_minor >= 3 && ns->start_pad == 0 &&
		       kernel_dataoff(j->S, sb->mode, al) == sb->dataoff;
	if (ns->start_pad)
		return refuse(j, K, W(PS_RW_DEVDAX_PAD, .ns = j->n, .a = ns->start_pad));
	if ((!sb->checksum_ok || j->npfns_wrong) && !formula)
		return refuse(j, K, W(PS_RW_DEVDAX_DAMAGED, .ns = j->n, .a = j->S));
	return PS_OK;
}

/* start_pad 0: the derivable fields, in place. */
static void fix_in_place(struct pfn_job *j)
{
	const struct ps_pfn_sb *sb = j->sb;
	const struct ps_ns *ns = j->ns;
	uint8_t *b = j->b;
	struct pfn_edit *e = &j->e;
	if (sb->version_minor >= 3 && sb->flags) {
		PS_FIELD_PUT(PS_PFN, b, flags, 0);
		why(e, "flags", W(PS_RW_PATCH_FLAGS_CORRUPT, .a = sb->version_minor));
	}
	if (sb->version_minor >= 3 && !sb->padding_zero) {
		size_t ps = ps_pfn_pad_start(sb->version_minor);
		memset(b + ps, 0, PS_PFN_OFF_checksum - ps);
		why(e, "padding", W(PS_RW_PATCH_PADDING_CORRUPT, .a = sb->version_minor));
	}
	if (sb->version_minor >= 4 && sb->page_size == 0) {
		PS_FIELD_PUT(PS_PFN, b, page_size, SZ_4K);
		why(e, "page_size", W(PS_RW_PATCH_PAGE_SIZE_MISSING));
	}
	if (sb->version_minor >= 4 && sb->page_struct_size < 64) {
		PS_FIELD_PUT(PS_PFN, b, page_struct_size, 64);
		why(e, "page_struct_size", W(PS_RW_PATCH_PAGE_STRUCT_SMALL));
	}
	if (j->npfns_wrong) {
		uint64_t want = (j->S - ns->start_pad - ns->end_trunc - sb->dataoff) / SZ_4K;
		PS_FIELD_PUT(PS_PFN, b, npfns, want);
		why(e, "npfns", W(PS_RW_PATCH_NPFNS, .a = want, .b = j->S, .code = j->S_src));
	}
}

/*
 * start_pad != 0: rewrite as a v5.7+ kernel would have written it, keeping
 * the proven data start (nvdimm-formats.md "start_pad semantics by kernel
 * era", "nd_pfn_init formulas" F8, "Validation rules the kernel applies").
 */
static int rewrite_v14(struct pfn_job *j)
{
	const struct ps_pfn_sb *sb = j->sb;
	const struct ps_ns *ns = j->ns;
	const struct ps_repair_opts *o = j->o;
	const struct ps_cand *fc = j->fc;
	const uint64_t S = j->S;
	const int n = j->n;
	struct pfn_edit *e = &j->e;
	bool legacy = fc->sem == PS_SEM_LEGACY;
	j->kind = legacy ? "start-pad-legacy" : "start-pad-fixed";
	uint64_t Dn = legacy ? ns->start_pad + sb->dataoff : sb->dataoff;
	uint64_t fs_rel = fc->off - ns->base;
	if (fs_rel != Dn)
		return refuse(j, j->kind, W(PS_RW_INTERNAL_START, .off = fc->off, .a = Dn));
	uint64_t align = sb->version_minor >= 2 && sb->align ? sb->align : SZ_2M;
	uint64_t ca = align > SZ_2M ? align : SZ_2M;
	uint64_t B;
	if (o->have_phys_base) {
		B = o->phys_base + ns->base;
		if (B % SZ_2M)
			return refuse(j, j->kind, W(PS_RW_PHYS_MISALIGNED, .ns = n, .a = B,
						    .b = B + ns->start_pad));
	} else if (o->assume_aligned) {
		B = 0;	/* aligned to ca: only B mod ca matters below */
	} else {
		return refuse(j, j->kind, W(PS_RW_PHYS_UNKNOWN, .ns = n, .a = ns->start_pad));
	}
	uint64_t Tn = (B + S) - ps_align_down(B + S, ca);
	if ((B + Dn) % align)
		return refuse(j, j->kind, W(PS_RW_DATAOFF_MISALIGNED, .ns = n, .a = B + Dn,
					    .b = align, .code = o->have_phys_base));
	if (Dn + Tn + SZ_4K > S)
		return refuse(j, j->kind, W(PS_RW_NO_DATA_LEFT, .ns = n, .a = Dn, .b = Tn, .c = S));
	if (fc->probe.fs_size && Dn + fc->probe.fs_size > S - Tn)
		return refuse(j, j->kind, W(PS_RW_FS_PAST_END, .ns = n, .a = fc->probe.fs_size,
					    .off = Dn, .b = S - Tn, .c = Tn));
	/* the split check: files written through a mapping under DAX keep
	 * their data start_pad lower (docs/start_pad.md "Files with two
	 * contents: the split check", plan_merge.c) */
	if (legacy) {
		int mr = ps_plan_merge_mmap(j->src, ns, fc, o, j->plan);
		if (mr == PS_EAMBIG)
			return PFN_REFUSED;
		if (mr)
			return mr;
	}
	uint32_t mode = sb->mode;
	uint64_t need = SZ_8K + 64 * ((S - SZ_8K) / SZ_4K);
	if (mode == PS_PFN_MODE_PMEM && need > Dn) {
		mode = PS_PFN_MODE_RAM;
		why(e, "mode", W(PS_RW_PATCH_MODE_RAM, .a = S, .b = (S - SZ_8K) / SZ_4K,
				 .c = need, .d = Dn));
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
	ps_pfn_encode(&nsb, j->b);
	if (legacy) {
		why(e, "start_pad", W(PS_RW_PATCH_PAD_LEGACY, .a = ns->start_pad, .b = Dn));
		why(e, "dataoff", W(PS_RW_PATCH_DATAOFF_LEGACY, .a = ns->start_pad,
				    .b = sb->dataoff));
	} else {
		why(e, "start_pad", W(PS_RW_PATCH_PAD_FIXED));
		why(e, "dataoff", W(PS_RW_PATCH_DATAOFF_FIXED, .a = Dn));
	}
	why(e, "end_trunc", W(PS_RW_PATCH_END_TRUNC, .code = o->have_phys_base));
	why(e, "npfns", W(PS_RW_PATCH_NPFNS_REWRITE, .a = nsb.npfns));
	why(e, "version_minor", W(PS_RW_PATCH_VERSION));
	why(e, "page_size", W(PS_RW_PATCH_V14_PAGE_SIZE));
	why(e, "page_struct_size", W(PS_RW_PATCH_V14_PAGE_STRUCT, .a = Dn - SZ_8K));
	why(e, "align", W(PS_RW_PATCH_ALIGN, .a = align));
	why(e, "flags", W(PS_RW_PATCH_V13_FLAGS));
	why(e, "padding", W(PS_RW_PATCH_V13_PADDING));
	j->dflt = PS_RW_PATCH_REWRITE_PART;
	if (!o->have_phys_base)
		ps_plan_note(j->plan, &W(PS_RW_NOTE_ASSUME_ALIGNED, .ns = n, .a = ca));
	ps_plan_note(j->plan, &W(PS_RW_NOTE_AFTER_REWRITE, .ns = n, .a = S - Dn - Tn,
				 .off = ns->base + Dn, .b = Dn));
	return PS_OK;
}

/* The checksum last, over the edited block, then the patches; nothing
 * when the block is unchanged and its checksum right. */
static int seal_and_emit(struct pfn_job *j)
{
	bool changed = memcmp(j->old, j->b, sizeof(j->b)) != 0;
	if (!changed && j->sb->checksum_ok)
		return PS_OK;	/* nothing to do */
	PS_FIELD_PUT(PS_PFN, j->b, checksum,
		     ps_fletcher64(j->b, PS_PFN_SIZE, PS_PFN_OFF_checksum, PS_PFN_LEN_checksum));
	if (!changed)
		why(&j->e, "checksum", W(PS_RW_PATCH_RESEAL, .a = j->sb->checksum,
					 .code = j->fc != NULL, .b = j->S, .c = j->S_src));
	else
		why(&j->e, "checksum", W(PS_RW_PATCH_CHECKSUM));
	return emit_block(j->plan, j->n, j->boff, j->old, j->b, &j->e, j->kind, j->dflt);
}

/*
 * Checks first, each refusing with the one reason a user can act on (the
 * first that applies); then the size S of the namespace; then the edit of
 * the block (derivable fields in place, or the start_pad rewrite); the
 * checksum last, over the edited block.
 */
int ps_plan_pfn(struct ps_src *src, const struct ps_analysis *a,
		const struct ps_ns *ns, const struct ps_repair_opts *o,
		struct ps_plan *plan)
{
	if (ns->mode != PS_NS_FSDAX && ns->mode != PS_NS_DEVDAX)
		return PS_OK;
	if (ns->info_rec < 0 || ns->nested_in >= 0)
		return PS_OK;
	struct pfn_job job = { .src = src, .a = a, .ns = ns, .o = o, .plan = plan,
			       .sb = &ns->pfn, .n = ns->index,
			       .boff = a->scan.recs[ns->info_rec].off,
			       .kind = "pfn-field", .dflt = PS_RW_PATCH_NONE };
	struct pfn_job *j = &job;
	int rc;
	if (ps_src_pread(src, j->old, sizeof(j->old), j->boff)) {
		ps_plan_refuse(plan, j->n, "pfn", &W(PS_RW_PFN_READ, .off = j->boff,
						     .detail = ps_src_error(src)));
		rc = PFN_REFUSED;
	} else {
		memcpy(j->b, j->old, sizeof(j->b));
		rc = check_block(j);
	}
	if (!rc)
		rc = proven_start(j);
	if (!rc)
		rc = ns_size(j);
	if (!rc)
		rc = check_devdax(j);
	if (!rc && ns->start_pad == 0)
		fix_in_place(j);
	else if (!rc)
		rc = rewrite_v14(j);
	if (!rc)
		rc = seal_and_emit(j);
	return rc == PFN_REFUSED ? PS_OK : rc;
}
