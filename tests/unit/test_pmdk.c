/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The PMDK pool header, descriptor and poolset parsers (src/pmdk.c).
 * The known answers are the first 6 KiB of pools `pmempool create` (PMDK
 * 1.12.1) made, kept in tests/fuzz/seeds/pmdk/; offsets are written out
 * as numbers on purpose, to check pmdk.h's tables from outside. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "err.h"
#include "le.h"
#include "pmdk.h"
#include "imgsrc.h"
#include "ns.h"
#include "../support/btt_writer.h"

static uint8_t blk[6144], obj[6144], lg[6144];

static void load(const char *name, uint8_t *buf)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	snprintf(path, sizeof(path), "%s/tests/fuzz/seeds/pmdk/%s", top ? top : ".", name);
	FILE *f = fopen(path, "rb");
	if (!f || fread(buf, 1, 6144, f) != 6144) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
}

/* PMDK's sum written out from its description, word by word: lo and hi
 * 32-bit, the checksum and everything from end on read as zero. */
static uint64_t ref_sum(const uint8_t *b, size_t len, size_t end, size_t csum_off)
{
	uint32_t lo = 0, hi = 0;
	for (size_t i = 0; i < len; i += 4) {
		uint32_t w = (uint32_t)b[i] | (uint32_t)b[i + 1] << 8 |
			     (uint32_t)b[i + 2] << 16 | (uint32_t)b[i + 3] << 24;
		if (i >= end || (i >= csum_off && i < csum_off + 8))
			w = 0;
		lo += w;
		hi += lo;
	}
	return (uint64_t)hi << 32 | lo;
}

/* The three headers pmempool made parse, with their stored checksums
 * valid, and the descriptors pmempool info printed. */
static void test_real_pools(void **state)
{
	(void)state;
	struct ps_pmdk_pool p;
	struct ps_diags d;
	ps_diags_init(&d);
	assert_int_equal(ps_pmdk_parse(blk, sizeof(blk), 0, 16785408, &p, &d), PS_OK);
	assert_int_equal(p.type, PS_PMDK_BLK);
	assert_int_equal(p.major, 1);
	assert_int_equal(p.incompat, 0x6);
	assert_true(p.checksum_ok);
	assert_int_equal(p.checksum_end, 0x800);
	assert_int_equal(p.checksum, ps_le64(blk + 0xff8));
	assert_int_equal(p.bsize, 4096);
	assert_int_equal(p.is_zeroed, 1);
	assert_int_equal(p.data_off, 0x2000);
	assert_true(p.single_part);
	assert_memory_equal(p.uuid, blk + 0x28, 16);
	assert_memory_equal(p.poolset_uuid, blk + 0x18, 16);
	assert_int_equal(ps_diags_count(&d, PS_SEV_INFO), 0);
	/* as `pmempool info` printed them for this pool */
	char u[37];
	ps_pmdk_uuid_str(p.uuid, u);
	assert_string_equal(u, "aaa4f25c-d45e-4f06-ab2c-4ece6bf76f48");
	ps_pmdk_uuid_str(p.poolset_uuid, u);
	assert_string_equal(u, "f2d45995-fc27-4bf0-afe0-a0ccabe7ed71");

	assert_int_equal(ps_pmdk_parse(obj, sizeof(obj), 0, 20971520, &p, &d), PS_OK);
	assert_int_equal(p.type, PS_PMDK_OBJ);
	assert_int_equal(p.major, 6);
	assert_true(p.checksum_ok);
	assert_string_equal(p.layout, "mylayout");
	assert_int_equal(p.lanes_offset, 0x2000);
	assert_int_equal(p.nlanes, 1024);
	assert_int_equal(p.heap_offset, 0x302000);
	assert_true(p.obj_checksum_ok);

	assert_int_equal(ps_pmdk_parse(lg, sizeof(lg), 0, 2097152, &p, &d), PS_OK);
	assert_int_equal(p.type, PS_PMDK_LOG);
	assert_true(p.checksum_ok);
	assert_int_equal(p.start_offset, 0x2000);
	assert_int_equal(p.write_offset, 0x2000);
	assert_int_equal(p.end_offset, 0x200000);
	assert_int_equal(ps_diags_count(&d, PS_SEV_INFO), 0);
	ps_diags_free(&d);
}

/* The checksum is the sum over all 4 KiB with [2K, 4K) read as zero, not
 * the sum of the first 2 KiB alone (the high half goes on adding). */
static void test_checksum_definition(void **state)
{
	(void)state;
	assert_int_equal(ps_pmdk_hdr_checksum(blk), ps_le64(blk + 0xff8));
	assert_int_equal(ref_sum(blk, 4096, 0x800, 0xff8), ps_le64(blk + 0xff8));
	assert_int_not_equal(ref_sum(blk, 2048, 0x800, 0xff8), ps_le64(blk + 0xff8));
	assert_int_equal(ref_sum(obj + 4096, 2048, 2048, 0x7f8), ps_le64(obj + 4096 + 0x7f8));
}

/* With CKSUM_2K a byte past 2 KiB is not summed, one before is; without
 * the feature every byte up to the checksum is. */
static void test_checksum_coverage(void **state)
{
	(void)state;
	uint8_t b[6144];
	struct ps_pmdk_pool p;
	struct ps_diags d;
	memcpy(b, blk, sizeof(b));
	b[0x900] ^= 1;		/* unused2: not summed */
	ps_diags_init(&d);
	ps_pmdk_parse(b, sizeof(b), 0, 0, &p, &d);
	assert_true(p.checksum_ok);
	b[0x7ff] ^= 0x80;	/* the last byte of unused: summed */
	ps_pmdk_parse(b, sizeof(b), 0, 0, &p, &d);
	assert_false(p.checksum_ok);
	assert_true(ps_diags_has(&d, "checksum", PS_SEV_ERR));
	ps_diags_free(&d);

	/* the same header without CKSUM_2K, resealed over 4 KiB */
	memcpy(b, blk, sizeof(b));
	ps_put_le32(b + 0x10, 0x4);
	ps_put_le64(b + 0xff8, ref_sum(b, 4096, 0xff8, 0xff8));
	ps_diags_init(&d);
	ps_pmdk_parse(b, sizeof(b), 0, 0, &p, &d);
	assert_true(p.checksum_ok);
	assert_int_equal(p.checksum_end, 0xff8);
	b[0x900] ^= 1;
	ps_pmdk_parse(b, sizeof(b), 0, 0, &p, &d);
	assert_false(p.checksum_ok);
	ps_diags_free(&d);
}

static void test_not_a_pool(void **state)
{
	(void)state;
	uint8_t b[6144];
	struct ps_pmdk_pool p;
	memcpy(b, blk, sizeof(b));
	memcpy(b, "PMEMBLX\0", 8);
	assert_int_equal(ps_pmdk_parse(b, sizeof(b), 0, 0, &p, NULL), PS_ENOTFOUND);
	assert_false(ps_pmdk_is_pool(b, sizeof(b)));
	assert_true(ps_pmdk_is_pool(obj, 8));
	assert_false(ps_pmdk_is_pool(obj, 7));
	memcpy(b, "PMEMBLK", 7);	/* no NUL: not the signature */
	b[7] = 'X';
	assert_int_equal(ps_pmdk_parse(b, sizeof(b), 0, 0, &p, NULL), PS_ENOTFOUND);
}

/* A short buffer: the header cut is an error naming where; the header
 * alone (no descriptor) parses without reading the descriptor. */
static void test_truncated(void **state)
{
	(void)state;
	struct ps_pmdk_pool p;
	struct ps_diags d;
	ps_diags_init(&d);
	assert_int_equal(ps_pmdk_parse(blk, 4095, 0x10000, 0, &p, &d), PS_ETRUNC);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].off, 0x10000);
	assert_string_equal(d.v[0].field, "signature");
	assert_int_equal(ps_pmdk_parse(blk, 4096, 0, 0, &p, &d), PS_OK);
	assert_false(p.desc_read);
	assert_true(p.checksum_ok);
	assert_int_equal(p.bsize, 0);
	ps_diags_free(&d);
}

/* Each damaged descriptor field is named, at its absolute offset. */
static void test_descriptor_problems(void **state)
{
	(void)state;
	uint8_t b[6144];
	struct ps_pmdk_pool p;
	struct ps_diags d;

	memcpy(b, blk, sizeof(b));
	ps_put_le32(b + 4096, 0);
	ps_diags_init(&d);
	ps_pmdk_parse(b, sizeof(b), 0x100000, 0, &p, &d);
	assert_true(ps_diags_has(&d, "bsize", PS_SEV_ERR));
	assert_int_equal(d.v[0].off, 0x100000 + 4096);
	ps_diags_free(&d);

	memcpy(b, obj, sizeof(b));
	memset(b + 4096, 'A', 1024);	/* layout without a NUL */
	ps_diags_init(&d);
	ps_pmdk_parse(b, sizeof(b), 0, 0, &p, &d);
	assert_true(ps_diags_has(&d, "layout", PS_SEV_ERR));
	assert_int_equal(strlen(p.layout), 1024);
	assert_false(p.obj_checksum_ok);
	assert_true(ps_diags_has(&d, "checksum", PS_SEV_ERR));
	ps_diags_free(&d);

	/* obj offsets past the pool's size */
	ps_diags_init(&d);
	ps_pmdk_parse(obj, sizeof(obj), 0, 0x300000, &p, &d);
	assert_true(ps_diags_has(&d, "heap_offset", PS_SEV_ERR));
	ps_diags_free(&d);

	memcpy(b, lg, sizeof(b));
	ps_put_le64(b + 4096 + 16, 0x1000);	/* write before start */
	ps_diags_init(&d);
	ps_pmdk_parse(b, sizeof(b), 0, 0, &p, &d);
	assert_true(ps_diags_has(&d, "write_offset", PS_SEV_ERR));
	ps_diags_free(&d);
	ps_diags_init(&d);
	ps_pmdk_parse(lg, sizeof(lg), 0, 0x100000, &p, &d);
	assert_true(ps_diags_has(&d, "end_offset", PS_SEV_ERR));
	ps_diags_free(&d);
}

/* A part of a multi-part poolset says so; a big-endian pool is flagged. */
static void test_header_notes(void **state)
{
	(void)state;
	uint8_t b[6144];
	struct ps_pmdk_pool p;
	struct ps_diags d;
	memcpy(b, blk, sizeof(b));
	b[0x48] ^= 0xff;	/* next_part_uuid another file's */
	b[0x89] = 2;		/* data: big endian */
	ps_put_le64(b + 0xff8, ps_pmdk_hdr_checksum(b));
	ps_diags_init(&d);
	ps_pmdk_parse(b, sizeof(b), 0, 0, &p, &d);
	assert_true(p.checksum_ok);
	assert_false(p.single_part);
	assert_true(ps_diags_has(&d, "next_part_uuid", PS_SEV_INFO));
	assert_true(ps_diags_has(&d, "machine_class", PS_SEV_WARN));
	ps_diags_free(&d);
}

/* The tables: every field in order, none overlapping, each with the
 * width at the offset PMDK 1.12's structs give. */
static void test_tables(void **state)
{
	(void)state;
	const struct ps_layout *ls[] = { &ps_pmdk_hdr_layout, &ps_pmdk_blk_layout,
					 &ps_pmdk_obj_layout, &ps_pmdk_log_layout };
	for (size_t i = 0; i < 4; i++) {
		uint32_t end = 0;
		for (size_t f = 0; f < ls[i]->nfields; f++) {
			assert_true(ls[i]->fields[f].off >= end);
			end = ls[i]->fields[f].off + ls[i]->fields[f].len;
		}
		assert_true(end <= ls[i]->size);
	}
	assert_int_equal(ps_pmdk_hdr_layout.size, 4096);
	assert_int_equal(ps_field_find(&ps_pmdk_hdr_layout, "uuid")->off, 40);
	assert_int_equal(ps_field_find(&ps_pmdk_hdr_layout, "crtime")->off, 120);
	assert_int_equal(ps_field_find(&ps_pmdk_hdr_layout, "unused2")->off, 2048);
	assert_int_equal(ps_field_find(&ps_pmdk_hdr_layout, "checksum")->off, 4088);
	assert_int_equal(ps_field_find(&ps_pmdk_obj_layout, "heap_offset")->off, 1040);
	assert_int_equal(ps_field_find(&ps_pmdk_obj_layout, "checksum")->off, 2040);
	assert_int_equal(ps_field_get(ps_field_find(&ps_pmdk_log_layout, "end_offset"), lg + 4096),
			 0x200000);
}

static void test_poolset(void **state)
{
	(void)state;
	const char *t = "PMEMPOOLSET\n# comment\nOPTION SINGLEHDR\n20M /a/p0\n1G /a/p1 # x\n"
			"\nREPLICA\n1056M /b/r0\nREPLICA host.example /set\n";
	struct ps_pmdk_poolset ps;
	struct ps_diags d;
	ps_diags_init(&d);
	assert_int_equal(ps_pmdk_poolset_parse((const uint8_t *)t, strlen(t), 0, &ps, &d), PS_OK);
	assert_int_equal(d.n, 0);
	assert_int_equal(ps.nreplicas, 3);
	assert_int_equal(ps.nremote, 1);
	assert_int_equal(ps.nparts, 3);
	assert_true(ps.singlehdr);
	assert_int_equal(ps.size, (20ull << 20) + (1ull << 30));
	assert_string_equal(ps.part[1].path, "/a/p1");
	assert_int_equal(ps.part[2].replica, 1);
	assert_int_equal(ps.part[2].size, 1056ull << 20);

	/* a bad line is named; the text ends at a NUL */
	const uint8_t bad[] = "PMEMPOOLSET\r\n20Q /x\n10M /y\n\0" "99M /after-nul\n";
	ps_pmdk_poolset_parse(bad, sizeof(bad), 0x5000, &ps, &d);
	assert_int_equal(ps.nparts, 1);
	assert_int_equal(ps.size, 10ull << 20);
	assert_true(ps_diags_has(&d, "poolset", PS_SEV_ERR));
	assert_int_equal(d.v[0].off, 0x5000 + 13);
	ps_diags_free(&d);

	assert_int_equal(ps_pmdk_poolset_parse((const uint8_t *)"PMEMPOOLSETX\n", 13, 0, &ps, NULL),
			 PS_ENOTFOUND);
	/* a size that overflows is a bad line, not a wrapped number */
	const char *ovf = "PMEMPOOLSET\n99999999999999999999 /z\n17179869184P /w\n";
	ps_diags_init(&d);
	ps_pmdk_poolset_parse((const uint8_t *)ovf, strlen(ovf), 0, &ps, &d);
	assert_int_equal(ps.nparts, 0);
	assert_int_equal(ps_diags_count(&d, PS_SEV_ERR), 3);
	ps_diags_free(&d);
}

/* The analysis: a BTT at 0x2000 behind a PMEMBLK header is the pool's
 * (arena 0 at +0 of a "namespace" at 0x2000), a pmemblk pool holds no
 * filesystem by design; the same BTT without the header is read as
 * Linux's (a sector namespace at 0x1000). */
static void analyze_blk(bool with_header, struct ps_analysis *a, uint8_t **img)
{
	const size_t size = 20u << 20;
	uint8_t *b = calloc(1, size);
	assert_non_null(b);
	struct ps_btt_sink sink = { .fd = -1, .buf = b, .base = 0x1000, .ns_size = size - 0x1000 };
	struct ps_btt_fmt fmt = { .lbasize = 4096, .version_major = 1 };
	memcpy(fmt.parent_uuid, blk + 0x18, 16);	/* the pool set uuid */
	struct ps_btt_writer *w = NULL;
	char err[256];
	assert_int_equal(ps_btt_format(&sink, &fmt, &w, err, sizeof(err)), PS_OK);
	ps_btt_writer_free(w);
	if (with_header)
		memcpy(b, blk, sizeof(blk));	/* header and descriptor: 6 KiB */
	struct ps_src *src;
	assert_int_equal(ps_src_open_mem(b, size, "blk", &src), PS_OK);
	struct ps_analysis_opts o;
	memset(&o, 0, sizeof(o));
	assert_int_equal(ps_analyze(src, &o, a), PS_OK);
	ps_src_close(src);
	*img = b;
}

static void test_analysis_blk(void **state)
{
	(void)state;
	struct ps_analysis a;
	uint8_t *img;
	analyze_blk(true, &a, &img);
	assert_int_equal(a.nns, 1);
	assert_int_equal(a.ns[0].mode, PS_NS_SECTOR);
	assert_int_equal(a.ns[0].base, 0x2000);
	assert_int_equal(a.ns[0].btt_initial, 0);
	assert_true(a.ns[0].pmdk_rec >= 0);
	const struct ps_rec *r = &a.scan.recs[a.ns[0].pmdk_rec];
	assert_int_equal(r->kind, PS_REC_PMDK);
	assert_int_equal(r->off, 0);
	assert_int_equal(r->pmdk_place, PS_PMDK_BLK_BTT);
	assert_int_equal(r->ns, 0);
	assert_int_equal(a.ns[0].verdict, PS_V_NODATA);
	assert_int_equal(ps_diags_count(&a.ns[0].diags, PS_SEV_WARN), 0);
	ps_analysis_free(&a);
	free(img);

	analyze_blk(false, &a, &img);
	assert_int_equal(a.nns, 1);
	assert_int_equal(a.ns[0].base, 0x1000);
	assert_int_equal(a.ns[0].btt_initial, 4096);
	assert_int_equal(a.ns[0].pmdk_rec, -1);
	assert_int_equal(a.ns[0].verdict, PS_V_NOFS);
	ps_analysis_free(&a);
	free(img);
}

int main(void)
{
	load("blk-pool-header", blk);
	load("obj-pool-header", obj);
	load("log-pool-header", lg);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_pools),
		cmocka_unit_test(test_checksum_definition),
		cmocka_unit_test(test_checksum_coverage),
		cmocka_unit_test(test_not_a_pool),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_descriptor_problems),
		cmocka_unit_test(test_header_notes),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_poolset),
		cmocka_unit_test(test_analysis_blk),
	};
	return cmocka_run_group_tests_name("pmdk pools", tests, NULL, NULL);
}
