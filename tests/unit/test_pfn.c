/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "err.h"
#include "fletcher.h"
#include "le.h"
#include "pfn.h"

#define MiB (1024ULL * 1024)

/* Offsets in this file are written out as the spec gives them, on
 * purpose: they check pfn.h's field table from outside. */

static struct ps_pfn_sb make_sb(unsigned minor)
{
	struct ps_pfn_sb sb;
	memset(&sb, 0, sizeof(sb));
	sb.kind = PS_PFN_FSDAX;
	for (int i = 0; i < 16; i++)
		sb.uuid[i] = (uint8_t)(i + 1);
	sb.version_major = 1;
	sb.version_minor = (uint16_t)minor;
	sb.dataoff = 10 * MiB;
	sb.npfns = 128512;
	sb.mode = PS_PFN_MODE_PMEM;
	if (minor >= 2)
		sb.align = 2 * MiB;
	if (minor >= 4) {
		sb.page_size = 4096;
		sb.page_struct_size = 64;
	}
	return sb;
}

static void reseal(uint8_t *b)
{
	ps_put_le64(b + 0xff8, ps_fletcher64(b, 4096, 0xff8, 8));
}

/* Every version 1.0 .. 1.4 round-trips and validates clean. */
static void test_each_version_valid(void **state)
{
	(void)state;
	for (unsigned minor = 0; minor <= 4; minor++) {
		struct ps_pfn_sb in = make_sb(minor), out;
		uint8_t b[4096];
		struct ps_diags d;
		ps_diags_init(&d);
		ps_pfn_encode(&in, b);
		assert_int_equal(ps_pfn_parse(b, sizeof(b), 4096, 512 * MiB, &out, &d), PS_OK);
		assert_int_equal(ps_diags_count(&d, PS_SEV_WARN), 0);
		assert_true(out.checksum_ok);
		assert_int_equal(out.version_minor, minor);
		assert_int_equal(out.dataoff, 10 * MiB);
		assert_int_equal(out.eff_page_size, 4096);
		assert_int_equal(out.eff_page_struct_size, 64);
		/* align 0 before 1.2: largest power of two <= dataoff */
		assert_int_equal(out.eff_align, minor >= 2 ? 2 * MiB : 8 * MiB);
		ps_diags_free(&d);
	}
}

/* Fields a version does not have are ignored even if bytes are there. */
static void test_version_gating(void **state)
{
	(void)state;
	struct ps_pfn_sb in = make_sb(0), out;
	uint8_t b[4096];
	struct ps_diags d;
	ps_diags_init(&d);
	ps_pfn_encode(&in, b);
	ps_put_le32(b + 0x4c, 64 * MiB);	/* start_pad bytes in a 1.0 block */
	ps_put_le32(b + 0x54, 4096);		/* align bytes in a 1.0 block */
	reseal(b);
	assert_int_equal(ps_pfn_parse(b, 4096, 4096, 0, &out, &d), PS_OK);
	assert_int_equal(out.start_pad, 0);
	assert_int_equal(out.align, 0);
	assert_false(out.padding_zero);
	/* stale padding in a pre-1.3 block is only informational */
	assert_int_equal(ps_diags_count(&d, PS_SEV_WARN), 0);
	assert_true(ps_diags_has(&d, "padding", PS_SEV_INFO));
	ps_diags_free(&d);

	in = make_sb(1);
	in.start_pad = 64 * MiB;
	ps_pfn_encode(&in, b);
	ps_diags_init(&d);
	ps_pfn_parse(b, 4096, 4096, 1024 * MiB, &out, &d);
	assert_int_equal(out.start_pad, 64 * MiB);
	assert_int_equal(out.align, 0);
	ps_diags_free(&d);
}

static void test_devdax_signature(void **state)
{
	(void)state;
	struct ps_pfn_sb in = make_sb(4), out;
	in.kind = PS_PFN_DEVDAX;
	uint8_t b[4096];
	ps_pfn_encode(&in, b);
	assert_memory_equal(b, "NVDIMM_DAX_INFO\0", 16);
	assert_int_equal(ps_pfn_parse(b, 4096, 0, 0, &out, NULL), PS_OK);
	assert_int_equal(out.kind, PS_PFN_DEVDAX);
}

static void test_not_an_info_block(void **state)
{
	(void)state;
	uint8_t b[4096] = { 0 };
	struct ps_pfn_sb out;
	assert_int_equal(ps_pfn_parse(b, 4096, 0, 0, &out, NULL), PS_ENOTFOUND);
	memcpy(b, "BTT_ARENA_INFO\0\0", 16);
	assert_int_equal(ps_pfn_parse(b, 4096, 0, 0, &out, NULL), PS_ENOTFOUND);
	memcpy(b, "NVDIMM_PFN_INFO", 15);
	b[15] = 'X';	/* the NUL is part of the signature */
	assert_int_equal(ps_pfn_parse(b, 4096, 0, 0, &out, NULL), PS_ENOTFOUND);
}

static void test_truncated(void **state)
{
	(void)state;
	struct ps_pfn_sb in = make_sb(4), out;
	uint8_t b[4096];
	struct ps_diags d;
	ps_pfn_encode(&in, b);
	ps_diags_init(&d);
	assert_int_equal(ps_pfn_parse(b, 4095, 12288, 0, &out, &d), PS_ETRUNC);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].off, 12288);
	assert_int_equal(ps_pfn_parse(b, 3, 0, 0, &out, &d), PS_ETRUNC);
	ps_diags_free(&d);
}

static void test_checksum_one_bit(void **state)
{
	(void)state;
	struct ps_pfn_sb in = make_sb(4), out;
	uint8_t b[4096];
	struct ps_diags d;
	ps_pfn_encode(&in, b);
	for (int bit = 0; bit < 64; bit += 21) {
		uint8_t c[4096];
		memcpy(c, b, sizeof(c));
		c[0xff8 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		ps_diags_init(&d);
		assert_int_equal(ps_pfn_parse(c, 4096, 1 << 20, 0, &out, &d), PS_OK);
		assert_false(out.checksum_ok);
		assert_true(ps_diags_has(&d, "checksum", PS_SEV_ERR));
		/* the diagnostic names the absolute offset of the field */
		assert_int_equal(d.v[0].off, (1 << 20) + 0xff8);
		ps_diags_free(&d);
	}
	/* a bit flipped in the body also breaks it */
	b[100] ^= 1;
	ps_diags_init(&d);
	ps_pfn_parse(b, 4096, 0, 0, &out, &d);
	assert_false(out.checksum_ok);
	ps_diags_free(&d);
}

/* Every diagnostic names a field of the table, at its offset. */
static void assert_fields_known(const struct ps_diags *d, uint64_t abs)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct ps_field *f = ps_field_find(&ps_pfn_layout, d->v[i].field);
		if (!f)
			fail_msg("diagnostic field \"%s\" is not in nd_pfn_sb", d->v[i].field);
		/* padding starts where the block's version ends */
		if (strcmp(f->name, "padding") && d->v[i].off != abs + f->off)
			fail_msg("%s at 0x%llx, not 0x%llx", f->name,
				 (unsigned long long)d->v[i].off,
				 (unsigned long long)(abs + f->off));
	}
}

struct bad_case {
	const char *field;
	void (*mutate)(struct ps_pfn_sb *);
	enum ps_sev sev;
};

static void m_mode(struct ps_pfn_sb *s) { s->mode = 7; }
static void m_dataoff_unaligned(struct ps_pfn_sb *s) { s->dataoff += 512; }
static void m_dataoff_small(struct ps_pfn_sb *s) { s->dataoff = 4096; }
static void m_dataoff_huge(struct ps_pfn_sb *s) { s->dataoff = 1ULL << 62; }
static void m_align(struct ps_pfn_sb *s) { s->align = 3 * MiB; }
static void m_page_size(struct ps_pfn_sb *s) { s->page_size = 65536; }
static void m_page_size_bad(struct ps_pfn_sb *s) { s->page_size = 1000; }
static void m_pss(struct ps_pfn_sb *s) { s->page_struct_size = 32; }
static void m_flags(struct ps_pfn_sb *s) { s->flags = 1; }
static void m_major(struct ps_pfn_sb *s) { s->version_major = 2; }
static void m_minor(struct ps_pfn_sb *s) { s->version_minor = 9; }
static void m_pad(struct ps_pfn_sb *s) { s->start_pad = 503 * MiB; }
static void m_npfns(struct ps_pfn_sb *s) { s->npfns = 1ULL << 40; }

static void test_each_rejected_field(void **state)
{
	(void)state;
	const struct bad_case cases[] = {
		{ "mode", m_mode, PS_SEV_ERR },
		{ "dataoff", m_dataoff_unaligned, PS_SEV_ERR },
		{ "dataoff", m_dataoff_small, PS_SEV_ERR },
		{ "dataoff", m_dataoff_huge, PS_SEV_ERR },
		{ "align", m_align, PS_SEV_ERR },
		{ "page_size", m_page_size, PS_SEV_WARN },
		{ "page_size", m_page_size_bad, PS_SEV_ERR },
		{ "page_struct_size", m_pss, PS_SEV_ERR },
		{ "flags", m_flags, PS_SEV_WARN },
		{ "version_major", m_major, PS_SEV_WARN },
		{ "version_minor", m_minor, PS_SEV_WARN },
		{ "start_pad", m_pad, PS_SEV_ERR },
		{ "npfns", m_npfns, PS_SEV_WARN },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ps_pfn_sb in = make_sb(4), out;
		uint8_t b[4096];
		struct ps_diags d;
		cases[i].mutate(&in);
		ps_pfn_encode(&in, b);
		if (in.version_minor > 4) {	/* encode gates by version: write the 1.4 fields by hand */
			ps_put_le32(b + 0x58, 4096);
			ps_put_le16(b + 0x5c, 64);
			reseal(b);
		}
		ps_diags_init(&d);
		assert_int_equal(ps_pfn_parse(b, 4096, 4096, 512 * MiB, &out, &d), PS_OK);
		if (!ps_diags_has(&d, cases[i].field, cases[i].sev))
			fail_msg("case %zu: no %s diagnostic for field %s", i,
				 ps_sev_name(cases[i].sev), cases[i].field);
		assert_fields_known(&d, 4096);
		/* the checksum is still good: the problem is the field */
		assert_true(out.checksum_ok);
		ps_diags_free(&d);
	}
}

/* Several problems at once: every one is reported, not just the first. */
static void test_reports_all_problems(void **state)
{
	(void)state;
	struct ps_pfn_sb in = make_sb(4), out;
	uint8_t b[4096];
	struct ps_diags d;
	in.mode = 9;
	in.dataoff = 12345;
	in.page_struct_size = 8;
	ps_pfn_encode(&in, b);
	b[0xffa] ^= 4;
	ps_diags_init(&d);
	ps_pfn_parse(b, 4096, 0, 0, &out, &d);
	assert_true(ps_diags_has(&d, "mode", PS_SEV_ERR));
	assert_true(ps_diags_has(&d, "dataoff", PS_SEV_ERR));
	assert_true(ps_diags_has(&d, "page_struct_size", PS_SEV_ERR));
	assert_true(ps_diags_has(&d, "checksum", PS_SEV_ERR));
	assert_fields_known(&d, 0);
	ps_diags_free(&d);
}

/* The parsed struct member that field f fills; fails the test for a
 * field the table has and the parser does not fill. */
static uint64_t member(const struct ps_pfn_sb *sb, const char *f)
{
#define M(x) if (!strcmp(f, #x)) return sb->x
	M(flags); M(version_major); M(version_minor); M(dataoff); M(npfns);
	M(mode); M(start_pad); M(end_trunc); M(align); M(page_size);
	M(page_struct_size); M(checksum);
#undef M
	fail_msg("nd_pfn_sb.%s: no struct member", f);
	return 0;
}

/* Every field of the table: a value written at its offset is what the
 * parser reads, and encoding what was parsed gives the same block back. */
static void test_every_field_roundtrips(void **state)
{
	(void)state;
	struct ps_pfn_sb in = make_sb(4), out;
	uint8_t good[4096], b[4096], b2[4096];
	ps_pfn_encode(&in, good);
	for (size_t i = 0; i < ps_pfn_layout.nfields; i++) {
		const struct ps_field *f = &ps_pfn_layout.fields[i];
		/* the encoder zeroes padding and computes the checksum; a
		 * version_minor change is test_every_field_version_gated's */
		if (!strcmp(f->name, "padding") || !strcmp(f->name, "checksum") ||
		    !strcmp(f->name, "version_minor"))
			continue;
		memcpy(b, good, sizeof(b));
		uint64_t v = 0x8877665544332211ull + i;
		if (f->type == PS_FIELD_INT) {
			ps_field_put(f, b, v);
			v = ps_field_get(f, b);
		} else if (!strcmp(f->name, "signature")) {
			memcpy(b + f->off, PS_DAX_SIG, f->len);
		} else {
			memset(b + f->off, (int)(0x40 + i), f->len);
		}
		reseal(b);
		assert_int_equal(ps_pfn_parse(b, 4096, 0, 0, &out, NULL), PS_OK);
		assert_true(out.checksum_ok);
		if (f->type == PS_FIELD_INT)
			assert_int_equal(member(&out, f->name), v);
		else if (!strcmp(f->name, "uuid"))
			assert_memory_equal(out.uuid, b + f->off, f->len);
		else if (!strcmp(f->name, "parent_uuid"))
			assert_memory_equal(out.parent_uuid, b + f->off, f->len);
		else if (!strcmp(f->name, "signature"))
			assert_int_equal(out.kind, PS_PFN_DEVDAX);
		else
			fail_msg("nd_pfn_sb.%s: not checked", f->name);
		ps_pfn_encode(&out, b2);
		if (memcmp(b, b2, sizeof(b)))
			fail_msg("nd_pfn_sb.%s: encode(parse(block)) differs", f->name);
	}
}

/* Padding per version, as the spec lists it: 1.0 from 0x4c, 1.1 from
 * 0x54, 1.2 and 1.3 from 0x58, 1.4 (and newer, read as 1.4) from 0x5e. */
static void test_padding_start(void **state)
{
	(void)state;
	const uint32_t want[] = { 0x4c, 0x54, 0x58, 0x58, 0x5e, 0x5e };
	for (unsigned minor = 0; minor < 6; minor++)
		assert_int_equal(ps_pfn_pad_start(minor), want[minor]);
	/* a stray byte at the padding's first or last byte is seen */
	for (unsigned minor = 0; minor <= 4; minor++) {
		struct ps_pfn_sb in = make_sb(minor), out;
		uint8_t b[4096];
		ps_pfn_encode(&in, b);
		b[want[minor]] = 1;
		reseal(b);
		ps_pfn_parse(b, 4096, 0, 0, &out, NULL);
		assert_false(out.padding_zero);
		ps_pfn_encode(&in, b);
		b[0xff7] = 1;
		reseal(b);
		ps_pfn_parse(b, 4096, 0, 0, &out, NULL);
		assert_false(out.padding_zero);
	}
}

/* A field newer than the block's version is neither read nor written:
 * its bytes are that version's padding. */
static void test_every_field_version_gated(void **state)
{
	(void)state;
	for (unsigned minor = 0; minor < 4; minor++) {
		for (size_t i = 0; i < ps_pfn_layout.nfields; i++) {
			const struct ps_field *f = &ps_pfn_layout.fields[i];
			if (ps_field_in(f, minor))
				continue;
			struct ps_pfn_sb in = make_sb(minor), out;
			uint8_t b[4096], b2[4096];
			ps_pfn_encode(&in, b);
			ps_field_put(f, b, 0x5a5a5a5a5a5a5a5aull);
			reseal(b);
			assert_int_equal(ps_pfn_parse(b, 4096, 0, 0, &out, NULL), PS_OK);
			assert_int_equal(member(&out, f->name), 0);
			assert_false(out.padding_zero);
			ps_pfn_encode(&out, b2);
			assert_true(ps_is_zero(b2 + f->off, f->len));
		}
	}
}

/* The ndctl-verified 512 MiB layout (basics.md), field for field. */
static void test_ndctl_vector(void **state)
{
	(void)state;
	struct ps_pfn_sb in = make_sb(4), out;
	uint8_t b[4096];
	ps_pfn_encode(&in, b);
	assert_int_equal(ps_le64(b + 0x38), 10485760);
	assert_int_equal(ps_le64(b + 0x40), 128512);
	assert_int_equal(ps_le32(b + 0x54), 2097152);
	struct ps_diags d;
	ps_diags_init(&d);
	ps_pfn_parse(b, 4096, 4096, 512 * MiB, &out, &d);
	assert_int_equal(d.n, 0);
	ps_diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_version_valid),
		cmocka_unit_test(test_version_gating),
		cmocka_unit_test(test_devdax_signature),
		cmocka_unit_test(test_not_an_info_block),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_checksum_one_bit),
		cmocka_unit_test(test_each_rejected_field),
		cmocka_unit_test(test_reports_all_problems),
		cmocka_unit_test(test_ndctl_vector),
		cmocka_unit_test(test_every_field_roundtrips),
		cmocka_unit_test(test_every_field_version_gated),
		cmocka_unit_test(test_padding_start),
	};
	return cmocka_run_group_tests_name("pfn info block", tests, NULL, NULL);
}
