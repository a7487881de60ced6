/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Repair planners on in-memory images: a sparse virtual image (zeros with
 * a few written extents) holding a pfn info block and an ext2 superblock
 * where the data starts, so the analysis proves the layout as it does on a
 * real image, for sizes up to the 16 GiB of the spec's §7.1 example.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "err.h"
#include "fletcher.h"
#include "le.h"
#include "ns.h"
#include "pfn.h"
#include "repair.h"
#include "repair_render.h"
#include "repair_fx.h"

/* ---- a sparse virtual image ---- */

struct ext {
	uint64_t off;
	uint8_t b[4096];
};

struct vimg {
	uint64_t size;
	struct ext e[8];
	int n;
};

/* a patch's why, where the test needs none */
static const struct ps_repair_why NOWHY = { .kind = PS_RW_PATCH_NONE };

static struct ext *vimg_ext(struct vimg *v, uint64_t off)
{
	for (int i = 0; i < v->n; i++)
		if (v->e[i].off == off)
			return &v->e[i];
	assert_true(v->n < 8);
	struct ext *x = &v->e[v->n++];
	memset(x, 0, sizeof(*x));
	x->off = off;
	return x;
}

static int vimg_pread(struct ps_src *s, void *buf, size_t len, uint64_t off)
{
	struct vimg *v = s->priv;
	memset(buf, 0, len);
	for (int i = 0; i < v->n; i++) {
		uint64_t lo = v->e[i].off > off ? v->e[i].off : off;
		uint64_t hi = v->e[i].off + 4096 < off + len ? v->e[i].off + 4096 : off + len;
		if (lo < hi)
			memcpy((uint8_t *)buf + (lo - off), v->e[i].b + (lo - v->e[i].off), hi - lo);
	}
	return PS_OK;
}

static int vimg_next_data(struct ps_src *s, uint64_t off, uint64_t *out)
{
	struct vimg *v = s->priv;
	uint64_t d = v->size;
	for (int i = 0; i < v->n; i++) {
		uint64_t end = v->e[i].off + 4096;
		if (end > off) {
			uint64_t st = v->e[i].off > off ? v->e[i].off : off;
			if (st < d)
				d = st;
		}
	}
	*out = d;
	return PS_OK;
}

static int vimg_next_hole(struct ps_src *s, uint64_t off, uint64_t *out)
{
	struct vimg *v = s->priv;
	uint64_t h = off;
	for (int moved = 1; moved;) {
		moved = 0;
		for (int i = 0; i < v->n; i++)
			if (v->e[i].off <= h && h < v->e[i].off + 4096) {
				h = v->e[i].off + 4096;
				moved = 1;
			}
	}
	*out = h;
	return PS_OK;
}

static const struct ps_src_ops vimg_ops = {
	.pread = vimg_pread,
	.next_data = vimg_next_data,
	.next_hole = vimg_next_hole,
};

static struct ps_src *vimg_src(struct vimg *v)
{
	struct ps_src *s = ps_src_new(&vimg_ops, v, v->size, "vimg");
	assert_non_null(s);
	return s;
}

/* A pfn block at ns+4096 (ns at image offset 0). */
static void put_block(struct vimg *v, const struct ps_pfn_sb *sb)
{
	ps_pfn_encode(sb, vimg_ext(v, 4096)->b);
}

static uint8_t *block(struct vimg *v)
{
	return vimg_ext(v, 4096)->b;
}

static void reseal(uint8_t *b)
{
	ps_put_le64(b + 0xff8, ps_fletcher64(b, 4096, 0xff8, 8));
}

/* An ext2 superblock (no journal, 4 KiB blocks) at image offset off. */
static void put_ext2(struct vimg *v, uint64_t off, uint64_t bytes, uint8_t uuid0)
{
	fx_ext2(vimg_ext(v, off)->b, bytes, uuid0);
}

struct run {
	struct ps_src *src;
	struct ps_analysis a, after;
	int have_after;
	struct ps_plan plan;
};

static void run_plan(struct vimg *v, const struct ps_repair_opts *o, struct run *r)
{
	memset(r, 0, sizeof(*r));
	r->src = vimg_src(v);
	struct ps_analysis_opts ao;
	memset(&ao, 0, sizeof(ao));
	ao.have_phys_base = o->have_phys_base;
	ao.phys_base = o->phys_base;
	assert_int_equal(ps_analyze(r->src, &ao, &r->a), PS_OK);
	ps_plan_init(&r->plan);
	assert_int_equal(ps_repair_plan(r->src, &r->a, o, &r->plan), PS_OK);
	if (r->plan.n) {
		assert_int_equal(ps_repair_verify(r->src, &r->a, o, &r->plan, &r->after), PS_OK);
		r->have_after = 1;
	}
}

static void run_free(struct run *r)
{
	if (r->have_after)
		ps_analysis_free(&r->after);
	ps_analysis_free(&r->a);
	ps_plan_free(&r->plan);
	ps_src_close(r->src);
}

static const struct ps_patch *patch(const struct run *r, const char *field)
{
	for (size_t i = 0; i < r->plan.n; i++)
		if (!strcmp(r->plan.p[i].field, field))
			return &r->plan.p[i];
	return NULL;
}

static uint64_t patched_u64(const struct run *r, const char *field)
{
	const struct ps_patch *p = patch(r, field);
	assert_non_null(p);
	switch (p->len) {
	case 2: return ps_le16(p->new_);
	case 4: return ps_le32(p->new_);
	default: return ps_le64(p->new_);
	}
}

static void opts(struct ps_repair_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->ns = -1;
}

/* The repaired image (overlay) as one ns: valid, data where it was. */
static const struct ps_ns *after_ns(struct run *r)
{
	assert_true(r->have_after);
	const struct ps_ns *n = ps_repair_ns_at(&r->after, 0);
	assert_non_null(n);
	return n;
}

/* ---- tests ---- */

static void test_checksum_reseal(void **state)
{
	(void)state;
	struct vimg v = { .size = 512 * MiB };
	struct ps_pfn_sb sb = fx_sb14(512 * MiB, 10 * MiB, PS_PFN_MODE_PMEM);
	put_block(&v, &sb);
	put_ext2(&v, 10 * MiB, 256 * MiB, 1);
	uint8_t good[8];
	memcpy(good, block(&v) + 0xff8, 8);
	block(&v)[0xff8] ^= 0x5a;	/* one flipped checksum byte */
	struct ps_repair_opts o;
	opts(&o);
	struct run r;
	run_plan(&v, &o, &r);
	assert_int_equal(r.plan.nr, 0);
	assert_int_equal(r.plan.n, 1);
	assert_string_equal(r.plan.p[0].field, "checksum");
	assert_string_equal(r.plan.p[0].kind, "pfn-checksum");
	assert_int_equal(r.plan.p[0].off, 4096 + 0xff8);
	assert_memory_equal(r.plan.p[0].new_, good, 8);
	assert_true(after_ns(&r)->pfn.checksum_ok);
	assert_int_equal(after_ns(&r)->verdict, PS_V_PROVEN);
	run_free(&r);
}

static void test_intact_block_nothing_to_do(void **state)
{
	(void)state;
	struct vimg v = { .size = 512 * MiB };
	struct ps_pfn_sb sb = fx_sb14(512 * MiB, 10 * MiB, PS_PFN_MODE_PMEM);
	put_block(&v, &sb);
	put_ext2(&v, 10 * MiB, 256 * MiB, 1);
	struct ps_repair_opts o;
	opts(&o);
	struct run r;
	run_plan(&v, &o, &r);
	assert_int_equal(r.plan.n, 0);
	assert_int_equal(r.plan.nr, 0);
	run_free(&r);
}

static void test_derivable_fields(void **state)
{
	(void)state;
	/* flags, padding, page_size, page_struct_size: each wrong in a 1.4
	 * block (resealed, so only the field is wrong), each repaired. */
	static const struct { const char *field; uint32_t off, len; uint64_t bad, good; } c[] = {
		{ "flags", 0x30, 4, 0x10, 0 },
		{ "page_size", 0x58, 4, 0, 4096 },
		{ "page_struct_size", 0x5c, 2, 0, 64 },
		{ "padding", 0x100, 4, 0xdeadbeef, 0 },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct vimg v = { .size = 512 * MiB };
		struct ps_pfn_sb sb = fx_sb14(512 * MiB, 10 * MiB, PS_PFN_MODE_PMEM);
		put_block(&v, &sb);
		put_ext2(&v, 10 * MiB, 256 * MiB, 1);
		uint8_t *b = block(&v);
		if (c[i].len == 2)
			ps_put_le16(b + c[i].off, (uint16_t)c[i].bad);
		else
			ps_put_le32(b + c[i].off, (uint32_t)c[i].bad);
		reseal(b);
		struct ps_repair_opts o;
		opts(&o);
		struct run r;
		run_plan(&v, &o, &r);
		assert_int_equal(r.plan.nr, 0);
		assert_int_equal(r.plan.n, 2);	/* the field and the checksum */
		const struct ps_patch *p = patch(&r, c[i].field);
		assert_non_null(p);
		if (strcmp(c[i].field, "padding"))
			assert_int_equal(patched_u64(&r, c[i].field), c[i].good);
		else
			assert_true(ps_is_zero(p->new_, p->len));
		assert_non_null(patch(&r, "checksum"));
		assert_true(after_ns(&r)->pfn.checksum_ok);
		assert_int_equal(after_ns(&r)->pfn.flags, 0);
		assert_true(after_ns(&r)->pfn.padding_zero);
		run_free(&r);
	}
}

static void test_npfns_from_image_size(void **state)
{
	(void)state;
	/* npfns too small in a namespace image: dataoff and end_trunc are
	 * what nd_pfn_init writes for the image size, so npfns is wrong. */
	struct vimg v = { .size = 512 * MiB };
	struct ps_pfn_sb sb = fx_sb14(512 * MiB, 10 * MiB, PS_PFN_MODE_PMEM);
	assert_int_equal(sb.npfns, 128512);	/* spec §8 checked vector */
	sb.npfns = 1000;
	put_block(&v, &sb);
	put_ext2(&v, 10 * MiB, 256 * MiB, 1);
	struct ps_repair_opts o;
	opts(&o);
	struct run r;
	run_plan(&v, &o, &r);
	assert_int_equal(r.plan.nr, 0);
	assert_int_equal(patched_u64(&r, "npfns"), 128512);
	assert_int_equal(after_ns(&r)->size, 512 * MiB);
	run_free(&r);

	/* npfns too large for the image: a truncated dump or a wrong npfns */
	sb.npfns = 200000;
	put_block(&v, &sb);
	run_plan(&v, &o, &r);
	assert_int_equal(r.plan.n, 0);
	assert_int_equal(r.plan.nr, 1);
	assert_int_equal(r.plan.r[0].why.kind, PS_RW_NPFNS_PAST_END);
	assert_int_equal(r.plan.r[0].why.a, 200000);
	run_free(&r);

	/* ... which --ns-size settles */
	o.ns_size = 512 * MiB;
	run_plan(&v, &o, &r);
	assert_int_equal(r.plan.nr, 0);
	assert_int_equal(patched_u64(&r, "npfns"), 128512);
	run_free(&r);
}

static void test_bad_checksum_and_bad_mode_refused(void **state)
{
	(void)state;
	struct vimg v = { .size = 512 * MiB };
	struct ps_pfn_sb sb = fx_sb14(512 * MiB, 10 * MiB, PS_PFN_MODE_PMEM);
	put_block(&v, &sb);
	put_ext2(&v, 10 * MiB, 256 * MiB, 1);
	ps_put_le32(block(&v) + 0x48, 7);	/* mode 7, checksum now wrong */
	struct ps_repair_opts o;
	opts(&o);
	struct run r;
	run_plan(&v, &o, &r);
	assert_int_equal(r.plan.n, 0);
	assert_int_equal(r.plan.nr, 1);
	assert_int_equal(r.plan.r[0].why.kind, PS_RW_PFN_MODE);
	assert_int_equal(r.plan.r[0].why.a, 7);
	run_free(&r);
}

/* Spec §7.1, 16 GiB: P = 64 MiB, D = 0x10200000, npfns 4111872. */
static void test_legacy_16g(void **state)
{
	(void)state;
	struct vimg v = { .size = 16 * GiB };
	struct ps_pfn_sb sb = fx_sb12(16 * GiB, 0x4000000, 0, 0x10200000);
	assert_int_equal(sb.npfns, 4111872);
	put_block(&v, &sb);
	put_ext2(&v, 0x14200000, 8 * GiB, 3);	/* legacy: base + P + D */
	struct ps_repair_opts o;
	opts(&o);
	o.have_phys_base = true;
	o.phys_base = 0x577c000000;	/* ndctl issue 76: 64 MiB into its section */
	struct run r;
	run_plan(&v, &o, &r);
	assert_int_equal(r.plan.nr, 0);
	assert_int_equal(patched_u64(&r, "dataoff"), 0x14200000);
	assert_int_equal(patched_u64(&r, "start_pad"), 0);
	assert_int_equal(patched_u64(&r, "version_minor"), 4);
	assert_int_equal(patched_u64(&r, "page_size"), 4096);
	assert_int_equal(patched_u64(&r, "page_struct_size"), 64);
	assert_null(patch(&r, "npfns"));	/* (S - D') / 4096 = 4111872 already */
	assert_null(patch(&r, "end_trunc"));	/* 0x577c000000 + 16 GiB is 2 MiB aligned */
	assert_null(patch(&r, "mode"));
	assert_string_equal(patch(&r, "dataoff")->kind, "start-pad-legacy");
	const struct ps_ns *n = after_ns(&r);
	assert_int_equal(n->start_pad, 0);
	assert_int_equal(n->dataoff, 0x14200000);
	assert_int_equal(n->pfn.version_minor, 4);
	assert_int_equal(n->pfn.npfns, 4111872);
	assert_int_equal(n->verdict, PS_V_PROVEN);
	assert_int_equal(n->cand[n->chosen].off, 0x14200000);	/* did not move */
	assert_int_equal(n->size, 16 * GiB);
	run_free(&r);
}

/* Spec §7.1, 132 MiB: P = 64 MiB, D = 0x400000, npfns 16384; both the
 * legacy-placed and the fixed-placed filesystem. */
static void test_132m(void **state)
{
	(void)state;
	struct ps_repair_opts o;
	opts(&o);
	o.have_phys_base = true;
	o.phys_base = 0x577c000000;
	struct run r;

	struct vimg v = { .size = 132 * MiB };
	struct ps_pfn_sb sb = fx_sb12(132 * MiB, 0x4000000, 0, 0x400000);
	assert_int_equal(sb.npfns, 16384);
	put_block(&v, &sb);
	put_ext2(&v, 0x4400000, 32 * MiB, 4);
	run_plan(&v, &o, &r);
	assert_int_equal(r.plan.nr, 0);
	assert_int_equal(patched_u64(&r, "dataoff"), 0x4400000);
	assert_int_equal(after_ns(&r)->pfn.npfns, 16384);
	assert_int_equal(after_ns(&r)->cand[0].off, 0x4400000);
	run_free(&r);

	struct vimg w = { .size = 132 * MiB };
	put_block(&w, &sb);
	put_ext2(&w, 0x400000, 32 * MiB, 5);	/* fixed: base + D */
	run_plan(&w, &o, &r);
	assert_int_equal(r.plan.nr, 0);
	assert_null(patch(&r, "dataoff"));	/* stays 0x400000 */
	assert_string_equal(patch(&r, "start_pad")->kind, "start-pad-fixed");
	assert_int_equal(patched_u64(&r, "npfns"), (132 * MiB - 0x400000) / 4096);
	assert_null(patch(&r, "mode"));	/* 8 KiB + 64 x 33790 fits in 4 MiB */
	assert_int_equal(after_ns(&r)->cand[0].off, 0x400000);
	assert_int_equal(after_ns(&r)->pfn.mode, PS_PFN_MODE_PMEM);
	run_free(&r);
}

static void test_fixed_switches_to_ram_mode(void **state)
{
	(void)state;
	/* 1 GiB, P = 64 MiB, D = 4 MiB, fs at base + D: the memmap of a
	 * 1 GiB namespace (16 MiB) does not fit below 4 MiB. */
	struct vimg v = { .size = 1 * GiB };
	struct ps_pfn_sb sb = fx_sb12(1 * GiB, 64 * MiB, 0, 4 * MiB);
	put_block(&v, &sb);
	put_ext2(&v, 4 * MiB, 512 * MiB, 6);
	struct ps_repair_opts o;
	opts(&o);
	o.assume_aligned = true;
	struct run r;
	run_plan(&v, &o, &r);
	assert_int_equal(r.plan.nr, 0);
	assert_int_equal(patched_u64(&r, "mode"), PS_PFN_MODE_RAM);
	assert_int_equal(patch(&r, "mode")->why.kind, PS_RW_PATCH_MODE_RAM);
	assert_int_equal(patch(&r, "mode")->why.d, 4 * MiB);
	assert_true(r.plan.nnotes >= 1);
	assert_int_equal(r.plan.notes[0].kind, PS_RW_NOTE_ASSUME_ALIGNED);
	assert_int_equal(after_ns(&r)->pfn.mode, PS_PFN_MODE_RAM);
	assert_int_equal(after_ns(&r)->cand[0].off, 4 * MiB);
	run_free(&r);
}

static void test_start_pad_refusals(void **state)
{
	(void)state;
	struct vimg v = { .size = 132 * MiB };
	struct ps_pfn_sb sb = fx_sb12(132 * MiB, 0x4000000, 0, 0x400000);
	put_block(&v, &sb);
	put_ext2(&v, 0x4400000, 32 * MiB, 4);
	struct ps_repair_opts o;
	opts(&o);
	struct run r;

	/* no physical base, no --assume-aligned */
	run_plan(&v, &o, &r);
	assert_int_equal(r.plan.n, 0);
	assert_int_equal(r.plan.nr, 1);
	assert_int_equal(r.plan.r[0].why.kind, PS_RW_PHYS_UNKNOWN);
	run_free(&r);

	/* --semantics contradicting the proven reading */
	o.assume_aligned = true;
	o.sem = PS_SEM_FIXED;
	run_plan(&v, &o, &r);
	assert_int_equal(r.plan.n, 0);
	assert_int_equal(r.plan.r[0].why.kind, PS_RW_SEM_NOT_PROVEN);
	assert_int_equal(r.plan.r[0].why.sem, PS_SEM_FIXED);
	run_free(&r);
	o.assume_aligned = false;
	o.sem = PS_SEM_AUTO;

	/* a base that is not 2 MiB aligned */
	o.have_phys_base = true;
	o.phys_base = 0x577c001000;
	run_plan(&v, &o, &r);
	assert_int_equal(r.plan.n, 0);
	assert_int_equal(r.plan.r[0].why.kind, PS_RW_PHYS_MISALIGNED);
	assert_int_equal(r.plan.r[0].why.a, 0x577c001000);
	run_free(&r);

	/* ambiguous: a filesystem at both readings */
	put_ext2(&v, 0x400000, 32 * MiB, 7);
	o.phys_base = 0x577c000000;
	run_plan(&v, &o, &r);
	assert_int_equal(r.a.ns[0].verdict, PS_V_AMBIGUOUS);
	assert_int_equal(r.plan.n, 0);
	assert_int_equal(r.plan.r[0].why.kind, PS_RW_AMBIGUOUS);
	run_free(&r);

	/* ... unless the user chooses */
	o.sem = PS_SEM_LEGACY;
	run_plan(&v, &o, &r);
	assert_int_equal(r.plan.nr, 0);
	assert_int_equal(patched_u64(&r, "dataoff"), 0x4400000);
	assert_int_equal(after_ns(&r)->cand[after_ns(&r)->chosen].off, 0x4400000);
	run_free(&r);
}

static void test_nofs_refused(void **state)
{
	(void)state;
	struct vimg v = { .size = 132 * MiB };
	struct ps_pfn_sb sb = fx_sb12(132 * MiB, 0x4000000, 0, 0x400000);
	put_block(&v, &sb);
	block(&v)[0xff8] ^= 1;
	struct ps_repair_opts o;
	opts(&o);
	o.assume_aligned = true;
	struct run r;
	run_plan(&v, &o, &r);
	assert_int_equal(r.plan.n, 0);
	assert_int_equal(r.plan.nr, 1);
	assert_int_equal(r.plan.r[0].why.kind, PS_RW_NO_FS);
	run_free(&r);
}

static void test_overlay(void **state)
{
	(void)state;
	uint8_t img[64];
	for (int i = 0; i < 64; i++)
		img[i] = (uint8_t)i;
	struct ps_src *m;
	assert_int_equal(ps_src_open_mem(img, sizeof(img), "m", &m), PS_OK);
	struct ps_plan p;
	ps_plan_init(&p);
	uint8_t n1[4] = { 0xa0, 0xa1, 0xa2, 0xa3 }, n2[2] = { 0xb0, 0xb1 };
	assert_int_equal(ps_plan_add(&p, 0, "t", 10, img + 10, n1, 4, "f", "", "", &NOWHY), PS_OK);
	assert_int_equal(ps_plan_add(&p, 0, "t", 62, img + 62, n2, 2, "g", "", "", &NOWHY), PS_OK);
	struct ps_src *ov;
	assert_int_equal(ps_src_overlay(m, &p, &ov), PS_OK);
	assert_int_equal(ov->fd, -1);
	uint8_t b[64];
	assert_int_equal(ps_src_pread(ov, b, 64, 0), PS_OK);
	assert_memory_equal(b, img, 10);
	assert_memory_equal(b + 10, n1, 4);
	assert_memory_equal(b + 14, img + 14, 48);
	assert_memory_equal(b + 62, n2, 2);
	/* a read that starts inside a patch */
	assert_int_equal(ps_src_pread(ov, b, 3, 12), PS_OK);
	assert_int_equal(b[0], 0xa2);
	assert_int_equal(b[1], 0xa3);
	assert_int_equal(b[2], 14);
	assert_int_equal(img[10], 10);	/* parent untouched */
	assert_int_equal(img[13], 13);
	ps_src_close(ov);
	/* a patch past the end is refused */
	assert_int_equal(ps_plan_add(&p, 0, "t", 63, img, n2, 2, "h", "", "", &NOWHY), PS_OK);
	assert_int_equal(ps_src_overlay(m, &p, &ov), PS_ERANGE);
	ps_plan_free(&p);
	ps_src_close(m);
}

static void test_undo_roundtrip(void **state)
{
	(void)state;
	struct ps_plan p;
	ps_plan_init(&p);
	uint8_t o1[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, n1[8] = { 9, 9, 9, 9, 9, 9, 9, 9 };
	assert_int_equal(ps_plan_add(&p, 0, "pfn", 0x1ff8, o1, n1, 8, "checksum", "", "", &NOWHY), PS_OK);
	assert_int_equal(ps_plan_add(&p, 0, "pfn", 0x104c, o1, n1, 4, "start_pad", "", "", &NOWHY), PS_OK);
	uint8_t sha[32];
	for (int i = 0; i < 32; i++)
		sha[i] = (uint8_t)(i * 7);
	char path[] = "/tmp/ps-undo-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ps_undo_write_fd(fd, "img\nname", 1 << 20, sha, &p), PS_OK);
	off_t len = lseek(fd, 0, SEEK_END);
	char *t = malloc((size_t)len + 1);
	assert_int_equal(pread(fd, t, (size_t)len, 0), len);
	t[len] = 0;
	close(fd);
	unlink(path);
	struct ps_undo u;
	char err[256];
	assert_int_equal(ps_undo_parse(t, (size_t)len, &u, err, sizeof(err)), PS_OK);
	assert_string_equal(u.image, "img?name");
	assert_int_equal(u.image_size, 1 << 20);
	assert_true(u.have_sha256);
	assert_memory_equal(u.sha256, sha, 32);
	assert_int_equal(u.plan.n, 2);
	assert_int_equal(u.plan.p[0].off, 0x1ff8);
	assert_memory_equal(u.plan.p[0].old, o1, 8);
	assert_memory_equal(u.plan.p[0].new_, n1, 8);
	assert_int_equal(u.plan.p[1].len, 4);
	assert_string_equal(u.plan.p[1].field, "start_pad");
	ps_undo_free(&u);
	/* one changed byte: the file's checksum catches it */
	char *x = strstr(t, "patch 0x1ff8");
	x[strlen("patch 0x1ff8 8 checksum ")] ^= 1;
	assert_int_equal(ps_undo_parse(t, (size_t)len, &u, err, sizeof(err)), PS_EFORMAT);
	assert_non_null(strstr(err, "checksum mismatch"));
	/* cut short: incomplete */
	assert_int_equal(ps_undo_parse(t, (size_t)len / 2, &u, err, sizeof(err)), PS_EFORMAT);
	assert_non_null(strstr(err, "incomplete"));
	/* cut inside the last line, in a buffer exactly that long: the search
	 * for "\nend " must not read past the end (ASan in check-asan; the
	 * first version read up to 4 bytes beyond, found by fuzz_text) */
	char *end = strstr(t, "\nend ");
	assert_non_null(end);
	for (size_t cut = (size_t)(end - t) + 1; cut <= (size_t)(end - t) + 6; cut++) {
		char *exact = malloc(cut);
		memcpy(exact, t, cut);
		assert_int_equal(ps_undo_parse(exact, cut, &u, err, sizeof(err)), PS_EFORMAT);
		assert_non_null(strstr(err, "incomplete"));
		free(exact);
	}
	free(t);
	ps_plan_free(&p);
}

/* An undo file names its image whole: the name was cut at 500 bytes. */
static void test_undo_long_image(void **state)
{
	(void)state;
	struct ps_plan p;
	ps_plan_init(&p);
	uint8_t o = 1, n = 2;
	assert_int_equal(ps_plan_add(&p, 0, "pfn", 4096, &o, &n, 1, "flags", "0x1", "0x2",
				     &NOWHY), PS_OK);
	char img[4001];
	for (size_t i = 0; i < sizeof(img) - 1; i++)
		img[i] = i % 100 == 0 ? '/' : (char)('a' + i % 26);
	img[sizeof(img) - 1] = 0;
	char path[] = "/tmp/ps-undo-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ps_undo_write_fd(fd, img, 1 << 20, NULL, &p), PS_OK);
	off_t len = lseek(fd, 0, SEEK_END);
	char *t = malloc((size_t)len + 1);
	assert_int_equal(pread(fd, t, (size_t)len, 0), len);
	t[len] = 0;
	close(fd);
	unlink(path);
	struct ps_undo u;
	char err[256];
	assert_int_equal(ps_undo_parse(t, (size_t)len, &u, err, sizeof(err)), PS_OK);
	assert_string_equal(u.image, img);
	ps_undo_free(&u);
	assert_null(u.image);
	free(t);
	ps_plan_free(&p);
}

/* A plan keeps every note and refusal whole, its paths too: notes were
 * once cut at 399 bytes (and the 17th dropped), a refusal at 719; the
 * sentences are the CLI's (cmd/repair_render.c), and carry the whole path. */
static void test_plan_notes_kept(void **state)
{
	(void)state;
	struct ps_plan p;
	memset(&p, 0, sizeof(p));
	char big[4001];
	for (size_t i = 0; i < sizeof(big) - 1; i++)
		big[i] = i % 100 == 0 ? '/' : (char)('a' + i % 26);
	big[sizeof(big) - 1] = 0;
	for (int i = 0; i < 20; i++)
		ps_plan_note(&p, &(struct ps_repair_why){ .kind = PS_RW_NOTE_AMBIGUOUS_KEPT,
							   .ns = i, .path = big, .a = 12,
							   .b = 1, .detail = "0-4096" });
	ps_plan_refuse(&p, 3, "merge-mmap",
		       &(struct ps_repair_why){ .kind = PS_RW_MERGE_JOURNAL_BLOCK, .ns = 3,
						.path = big, .a = 12, .b = 8192,
						.off = 0x100000, .c = 256, .d = 5, .e = 9 });
	assert_int_equal(p.nnotes, 20);
	assert_int_equal(p.notes_lost, 0);
	assert_int_equal(p.nr, 1);
	/* the plan owns a copy */
	assert_ptr_not_equal(p.r[0].why.path, big);
	assert_string_equal(p.r[0].why.path, big);
	assert_string_equal(p.notes[19].path, big);

	struct ps_analysis a;
	memset(&a, 0, sizeof(a));
	char *s = repair_why_str(&a, &p.r[0].why);
	assert_non_null(s);
	char want[5000];
	snprintf(want, sizeof(want), "namespace 3: %s (inode 12) bytes from 8192: its block at L = 0x100000", big);
	assert_memory_equal(s, want, strlen(want));
	assert_true(strlen(s) > 4000 + 300);
	free(s);
	s = repair_why_str(&a, &p.notes[17]);
	assert_non_null(s);
	snprintf(want, sizeof(want), "namespace 17: %s (inode 12): 1 block(s) of ambiguous provenance", big);
	assert_memory_equal(s, want, strlen(want));
	assert_non_null(strstr(s, ": bytes 0-4096"));
	free(s);
	ps_plan_free(&p);
	assert_null(p.notes);
	assert_null(p.r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksum_reseal),
		cmocka_unit_test(test_intact_block_nothing_to_do),
		cmocka_unit_test(test_derivable_fields),
		cmocka_unit_test(test_npfns_from_image_size),
		cmocka_unit_test(test_bad_checksum_and_bad_mode_refused),
		cmocka_unit_test(test_legacy_16g),
		cmocka_unit_test(test_132m),
		cmocka_unit_test(test_fixed_switches_to_ram_mode),
		cmocka_unit_test(test_start_pad_refusals),
		cmocka_unit_test(test_nofs_refused),
		cmocka_unit_test(test_overlay),
		cmocka_unit_test(test_undo_roundtrip),
		cmocka_unit_test(test_plan_notes_kept),
		cmocka_unit_test(test_undo_long_image),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
