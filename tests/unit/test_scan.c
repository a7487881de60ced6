/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "err.h"
#include "imgsrc.h"
#include "ns.h"
#include "pfn.h"
#include "scan.h"

#define MiB (1024ULL * 1024)

static void put_block(uint8_t *img, uint64_t off, enum ps_pfn_kind kind,
		      uint64_t dataoff, uint64_t npfns, uint32_t pad)
{
	struct ps_pfn_sb sb;
	memset(&sb, 0, sizeof(sb));
	sb.kind = kind;
	sb.version_major = 1;
	sb.version_minor = 2;
	sb.dataoff = dataoff;
	sb.npfns = npfns;
	sb.mode = PS_PFN_MODE_PMEM;
	sb.start_pad = pad;
	sb.align = 2 * MiB;
	ps_pfn_encode(&sb, img + off);
}

/* A memory source with a hole map: [hole_start, hole_end) reads as holes. */
struct holey {
	const uint8_t *buf;
	uint64_t hs, he;
};

static int h_pread(struct ps_src *s, void *b, size_t n, uint64_t off)
{
	struct holey *h = s->priv;
	memcpy(b, h->buf + off, n);
	return PS_OK;
}
static int h_next_data(struct ps_src *s, uint64_t off, uint64_t *out)
{
	struct holey *h = s->priv;
	*out = off >= h->hs && off < h->he ? h->he : off;
	return PS_OK;
}
static int h_next_hole(struct ps_src *s, uint64_t off, uint64_t *out)
{
	struct holey *h = s->priv;
	*out = off < h->hs ? h->hs : s->size;
	return PS_OK;
}
static void h_close(struct ps_src *s) { free(s->priv); }
static const struct ps_src_ops holey_ops = { h_pread, h_next_data, h_next_hole, h_close };

struct counts {
	uint64_t data, hole, next;
	int in_order;
};
static void c_data(void *ctx, uint64_t off, const uint8_t *b, size_t n)
{
	struct counts *c = ctx;
	(void)b;
	c->in_order &= off == c->next;
	c->data += n;
	c->next = off + n;
}
static void c_hole(void *ctx, uint64_t off, uint64_t n)
{
	struct counts *c = ctx;
	c->in_order &= off == c->next;
	c->hole += n;
	c->next = off + n;
}

/* Blocks anywhere at 4 KiB steps are found at their exact offsets, across
 * chunk boundaries; unaligned copies are not info blocks. */
static void test_finds_every_block(void **state)
{
	(void)state;
	size_t size = 4 * MiB;
	uint8_t *img = calloc(1, size);
	uint64_t offs[] = { 4096, 8192 * 3, MiB - 4096, MiB, 3 * MiB + 4096, size - 4096 };
	for (size_t i = 0; i < 6; i++)
		put_block(img, offs[i], i % 2 ? PS_PFN_DEVDAX : PS_PFN_FSDAX, 2 * MiB, 1, 0);
	/* an unaligned signature is not a block */
	memcpy(img + 2 * MiB + 512, "NVDIMM_PFN_INFO\0", 16);
	struct ps_src *src;
	assert_int_equal(ps_src_open_mem(img, size, "mem", &src), PS_OK);
	struct ps_scan_opts o = { .chunk = 8192 };
	struct ps_scan s;
	assert_int_equal(ps_scan_run(src, &o, &s), PS_OK);
	assert_int_equal(s.nrecs, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(s.recs[i].off, offs[i]);
		assert_int_equal(s.recs[i].kind, i % 2 ? PS_REC_DAX : PS_REC_PFN);
		assert_true(s.recs[i].checksum_ok);
	}
	assert_int_equal(s.bytes_read, size);
	ps_scan_free(&s);
	ps_src_close(src);
	free(img);
}

/* Holes are skipped, not read; every byte is reported once, in order. */
static void test_skips_holes(void **state)
{
	(void)state;
	size_t size = 8 * MiB;
	uint8_t *img = calloc(1, size);
	put_block(img, 4096, PS_PFN_FSDAX, 2 * MiB, 100, 0);
	put_block(img, 2 * MiB, PS_PFN_FSDAX, 2 * MiB, 100, 0);	/* inside the hole */
	put_block(img, 7 * MiB, PS_PFN_FSDAX, 2 * MiB, 100, 0);
	struct holey *h = calloc(1, sizeof(*h));
	h->buf = img;
	h->hs = MiB;
	h->he = 6 * MiB;
	struct ps_src *src = ps_src_new(&holey_ops, h, size, "holey");
	struct counts c = { .in_order = 1 };
	struct ps_scan_opts o = { .chunk = 65536, .on_data = c_data, .on_hole = c_hole, .ctx = &c };
	struct ps_scan s;
	assert_int_equal(ps_scan_run(src, &o, &s), PS_OK);
	assert_int_equal(s.nrecs, 2);
	assert_int_equal(s.recs[0].off, 4096);
	assert_int_equal(s.recs[1].off, 7 * MiB);
	assert_int_equal(s.bytes_read, 3 * MiB);
	assert_int_equal(c.data, 3 * MiB);
	assert_int_equal(c.hole, 5 * MiB);
	assert_true(c.in_order);
	assert_int_equal(c.next, size);
	ps_scan_free(&s);
	ps_src_close(src);
	free(img);
}

/* A block cut off by the end of the image is reported as truncated. */
static void test_truncated_at_end(void **state)
{
	(void)state;
	uint8_t img[8192 + 100];
	memset(img, 0, sizeof(img));
	uint8_t blk[4096];
	put_block(blk, 0, PS_PFN_FSDAX, 2 * MiB, 1, 0);
	memcpy(img + 8192, blk, 100);
	struct ps_src *src;
	ps_src_open_mem(img, sizeof(img), "short", &src);
	struct ps_scan s;
	assert_int_equal(ps_scan_run(src, NULL, &s), PS_OK);
	assert_int_equal(s.nrecs, 1);
	assert_true(s.recs[0].truncated);
	assert_false(s.recs[0].checksum_ok);
	assert_true(ps_diags_has(&s.recs[0].diags, "signature", PS_SEV_ERR));
	ps_scan_free(&s);
	ps_src_close(src);
}

/* Two namespaces in one region image: each size comes from its block,
 * candidates follow the start_pad rule, the nested copy is recognised. */
static void test_namespaces_and_candidates(void **state)
{
	(void)state;
	size_t size = 64 * MiB;
	uint8_t *img = calloc(1, size);
	/* ns0 at 0: 16 MiB, P = 4 MiB, D = 2 MiB: npfns = (16-4-2)/4K */
	put_block(img, 4096, PS_PFN_FSDAX, 2 * MiB, (10 * MiB) / 4096, 4 * MiB);
	/* ns1 at 16 MiB: 32 MiB, P = 0, D = 2 MiB */
	put_block(img, 16 * MiB + 4096, PS_PFN_FSDAX, 2 * MiB, (30 * MiB) / 4096, 0);
	/* a copy of a namespace stored inside ns1's data */
	put_block(img, 20 * MiB + 4096, PS_PFN_FSDAX, 2 * MiB, 256, 0);
	struct ps_src *src;
	ps_src_open_mem(img, size, "region", &src);
	struct ps_analysis_opts ao;
	memset(&ao, 0, sizeof(ao));
	struct ps_analysis a;
	assert_int_equal(ps_analyze(src, &ao, &a), PS_OK);
	assert_int_equal(a.nns, 3);
	assert_int_equal(a.ns[0].base, 0);
	assert_int_equal(a.ns[0].size, 16 * MiB);
	assert_int_equal(a.ns[0].ncand, 2);
	assert_int_equal(a.ns[0].cand[0].sem, PS_SEM_LEGACY);
	assert_int_equal(a.ns[0].cand[0].off, 6 * MiB);
	assert_int_equal(a.ns[0].cand[0].size, 10 * MiB);
	assert_int_equal(a.ns[0].cand[1].sem, PS_SEM_FIXED);
	assert_int_equal(a.ns[0].cand[1].off, 2 * MiB);
	assert_int_equal(a.ns[0].cand[1].size, 14 * MiB);
	assert_int_equal(a.ns[0].verdict, PS_V_NOFS);
	assert_int_equal(a.ns[1].base, 16 * MiB);
	assert_int_equal(a.ns[1].size, 32 * MiB);
	assert_int_equal(a.ns[1].ncand, 1);
	assert_int_equal(a.ns[1].cand[0].off, 18 * MiB);
	assert_int_equal(a.ns[2].nested_in, 1);
	/* nothing is proven: auto refuses, an explicit reading works */
	char err[PS_ERR_LINE_MAX];
	struct ps_src *v;
	assert_int_equal(ps_ns_data_view(src, &a, 0, PS_SEM_AUTO, &v, err, sizeof(err)), PS_ENOTFOUND);
	/* what settles it is a code (a reading of start_pad: one candidate
	 * under each), the CLI's words, not the library's line */
	assert_int_equal(ps_ns_view_hint(&a.ns[0], PS_SEM_AUTO), PS_NS_HINT_SEMANTICS);
	assert_null(strstr(err, "--"));
	assert_int_equal(ps_ns_data_view(src, &a, 0, PS_SEM_FIXED, &v, err, sizeof(err)), PS_OK);
	assert_int_equal(v->size, 14 * MiB);
	ps_src_close(v);
	assert_int_equal(ps_ns_data_view(src, &a, 7, PS_SEM_FIXED, &v, err, sizeof(err)), PS_EINVAL);
	ps_analysis_free(&a);
	ps_src_close(src);
	free(img);
}

/* Hostile sizes: npfns that overflow, blocks claiming more than the image. */
static void test_hostile_sizes(void **state)
{
	(void)state;
	size_t size = 4 * MiB;
	uint8_t *img = calloc(1, size);
	put_block(img, 4096, PS_PFN_FSDAX, 2 * MiB, UINT64_MAX / 2, 0);
	put_block(img, MiB + 4096, PS_PFN_FSDAX, 1ULL << 40, 10, 0x7ffff000);
	struct ps_src *src;
	ps_src_open_mem(img, size, "hostile", &src);
	struct ps_analysis_opts ao;
	memset(&ao, 0, sizeof(ao));
	struct ps_analysis a;
	assert_int_equal(ps_analyze(src, &ao, &a), PS_OK);
	assert_int_equal(a.nns, 2);
	assert_true(ps_diags_has(&a.ns[0].diags, "npfns", PS_SEV_ERR));
	for (size_t i = 0; i < a.nns; i++)
		for (int c = 0; c < a.ns[i].ncand; c++)
			assert_true(a.ns[i].cand[c].off <= size || a.ns[i].cand[c].truncated);
	ps_analysis_free(&a);
	ps_src_close(src);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_every_block),
		cmocka_unit_test(test_skips_holes),
		cmocka_unit_test(test_truncated_at_end),
		cmocka_unit_test(test_namespaces_and_candidates),
		cmocka_unit_test(test_hostile_sizes),
	};
	return cmocka_run_group_tests_name("scanner and namespaces", tests, NULL, NULL);
}
