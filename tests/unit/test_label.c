/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "err.h"
#include "fletcher.h"
#include "imgsrc.h"
#include "label.h"
#include "le.h"
#include "../support/lsa_writer.h"

#define KiB 1024ULL
#define MiB (1024ULL * 1024)
#define LSA (128 * KiB)

/* Offsets in this file are written out as the spec gives them, on
 * purpose: they check label.h's field tables from outside. */

static struct ps_label mk(uint32_t slot, uint8_t id, uint16_t pos, uint16_t nlabel,
			  uint64_t dpa, uint64_t rawsize, enum ps_claim claim)
{
	struct ps_label l;
	memset(&l, 0, sizeof(l));
	for (int i = 0; i < 16; i++)
		l.uuid[i] = (uint8_t)(id * 16 + i);
	snprintf(l.name, sizeof(l.name), "ns-%u", id);
	l.slot = slot;
	l.position = pos;
	l.nlabel = nlabel;
	l.dpa = dpa;
	l.rawsize = rawsize;
	l.isetcookie = 0x1122334455667788ULL;
	l.claim = claim;
	return l;
}

/* Recompute an index block's checksum after editing a field. */
static void reseal_index(uint8_t *ix, uint64_t isz)
{
	ps_put_le64(ix + 0x40, ps_fletcher64(ix, isz, 0x40, 8));
}

static uint8_t *fresh(uint32_t lsz, const struct ps_label *l, size_t n)
{
	uint8_t *b = malloc(LSA);
	assert_non_null(b);
	assert_int_equal(ps_lsa_format(b, LSA, lsz, l, n, NULL), PS_OK);
	return b;
}

static void test_seq(void **state)
{
	(void)state;
	assert_int_equal(ps_nsindex_best_seq(1, 2), 2);
	assert_int_equal(ps_nsindex_best_seq(2, 1), 2);
	assert_int_equal(ps_nsindex_best_seq(2, 3), 3);
	assert_int_equal(ps_nsindex_best_seq(3, 2), 3);
	assert_int_equal(ps_nsindex_best_seq(3, 1), 1);
	assert_int_equal(ps_nsindex_best_seq(1, 3), 1);
	assert_int_equal(ps_nsindex_best_seq(2, 2), 2);
	assert_int_equal(ps_nsindex_best_seq(0, 2), 2);
	assert_int_equal(ps_nsindex_best_seq(3, 0), 3);
	assert_int_equal(ps_nsindex_best_seq(0, 0), 0);
	assert_int_equal(ps_nsindex_best_seq(0x7, 0x5), 1);	/* low bits 3 vs 1 */
	assert_int_equal(ps_nsindex_next_seq(1), 2);
	assert_int_equal(ps_nsindex_next_seq(2), 3);
	assert_int_equal(ps_nsindex_next_seq(3), 1);
	assert_int_equal(ps_nsindex_next_seq(0), 0);
}

static void test_geometry(void **state)
{
	(void)state;
	uint64_t isz;
	uint32_t ns;
	assert_true(ps_lsa_geometry(LSA, 256, false, &isz, &ns));
	assert_int_equal(isz, 256);
	assert_int_equal(ns, 510);
	assert_true(ps_lsa_geometry(LSA, 128, false, &isz, &ns));
	assert_int_equal(isz, 256);
	assert_int_equal(ns, 1020);
	assert_true(ps_lsa_geometry(LSA, 128, true, &isz, &ns));
	assert_int_equal(ns, 1016);
	assert_true(ps_lsa_geometry(1024, 256, false, &isz, &ns));	/* UEFI minimum */
	assert_int_equal(ns, 2);
	assert_false(ps_lsa_geometry(768, 256, false, &isz, &ns));
	assert_true(ps_lsa_geometry(1024 * KiB, 128, false, &isz, &ns));
	assert_int_equal(isz, 1280);	/* 72 + 1024 bytes of bitmap, 256-aligned */
	assert_int_equal(ns, (1024 * KiB - 2560) / 128);
}

static void check_roundtrip(uint32_t lsz)
{
	struct ps_label in[3] = {
		mk(0, 1, 0, 1, 0, 16 * MiB, PS_CLAIM_PFN),
		mk(1, 2, 0, 1, 16 * MiB, 32 * MiB, PS_CLAIM_DAX),
		mk(7, 3, 0, 1, 48 * MiB, 8 * MiB, PS_CLAIM_BTT),
	};
	uint8_t *b = fresh(lsz, in, 3);
	struct ps_lsa lsa;
	struct ps_diags d;
	ps_diags_init(&d);
	assert_int_equal(ps_lsa_parse(b, LSA, 0x1000, &lsa, &d), PS_OK);
	assert_int_equal(ps_diags_count(&d, PS_SEV_WARN), 0);
	assert_int_equal(lsa.label_size, lsz);
	assert_int_equal(lsa.current, 0);		/* seq 3 beats seq 2 */
	assert_int_equal(lsa.why, PS_LSA_BEST_SEQ);
	assert_int_equal(lsa.index[0].seq, 3);
	assert_int_equal(lsa.index[1].seq, 2);
	assert_int_equal(lsa.index[1].abs_off, 0x1000 + 256);
	assert_int_equal(lsa.nslot, lsz == 256 ? 510 : 1020);
	assert_int_equal(lsa.index[0].minor, lsz == 256 ? 2 : 1);
	assert_int_equal(lsa.nactive, 3);
	size_t seen = 0;
	for (size_t i = 0; i < lsa.nrecs; i++) {
		const struct ps_label_rec *r = &lsa.recs[i];
		if (!r->active)
			continue;
		const struct ps_label *want = NULL;
		for (int k = 0; k < 3; k++)
			if (in[k].slot == r->slot)
				want = &in[k];
		assert_non_null(want);
		assert_true(r->ndctl_listed);
		assert_int_equal(r->abs_off, 0x1000 + 512 + (uint64_t)r->slot * lsz);
		assert_memory_equal(r->label.uuid, want->uuid, 16);
		assert_string_equal(r->label.name, want->name);
		assert_int_equal(r->label.dpa, want->dpa);
		assert_int_equal(r->label.rawsize, want->rawsize);
		assert_int_equal(r->label.isetcookie, want->isetcookie);
		assert_int_equal(r->label.claim, lsz == 256 ? want->claim : PS_CLAIM_V11);
		seen++;
	}
	assert_int_equal(seen, 3);
	ps_lsa_free(&lsa);
	ps_diags_free(&d);
	free(b);
}

static void test_roundtrip_v11(void **state)
{
	(void)state;
	check_roundtrip(128);
}

static void test_roundtrip_v12(void **state)
{
	(void)state;
	check_roundtrip(256);
}

static void test_label_encode_roundtrip(void **state)
{
	(void)state;
	struct ps_label in = mk(5, 9, 1, 2, 0x40000000, 0x10000000, PS_CLAIM_BTT2), out;
	in.flags = PS_NSLABEL_ROLABEL;
	in.lbasize = 4096;
	in.align = 3;
	memset(in.type_guid, 0x5a, 16);
	uint8_t b[256];
	assert_int_equal(ps_label_encode(&in, 256, b), PS_OK);
	assert_int_equal(ps_label_parse(b, 256, 0, 256, 5, &out, NULL), PS_OK);
	assert_true(out.valid);
	assert_true(out.checksum_ok);
	assert_int_equal(out.claim, PS_CLAIM_BTT2);
	assert_memory_equal(out.abstraction_guid,
			    "\xfc\x3b\x63\x18\x35\x17\x17\x42\x8a\xc9\x17\x23\x92\x82\xd3\xf8", 16);
	assert_memory_equal(out.type_guid, in.type_guid, 16);
	assert_int_equal(out.flags, PS_NSLABEL_ROLABEL);
	assert_int_equal(out.lbasize, 4096);
	assert_int_equal(out.align, 3);
	assert_int_equal(out.position, 1);
	assert_int_equal(out.nlabel, 2);
	assert_int_equal(ps_label_encode(&in, 512, b), PS_EINVAL);
	char g[37];
	ps_guid_str(out.abstraction_guid, g);
	assert_string_equal(g, "18633bfc-1735-4217-8ac9-17239282d3f8");
}

static void test_claim_classes(void **state)
{
	(void)state;
	const enum ps_claim cls[] = { PS_CLAIM_NONE, PS_CLAIM_BTT, PS_CLAIM_BTT2,
				      PS_CLAIM_PFN, PS_CLAIM_DAX };
	const char *txt[] = { "00000000-0000-0000-0000-000000000000",
			      "8aed63a2-29a2-4c66-8b12-f05d15d3922a",
			      "18633bfc-1735-4217-8ac9-17239282d3f8",
			      "266400ba-fb9f-4677-bcb0-968f11d0d225",
			      "97a86d9c-3cdd-4eda-986f-5068b4f80088" };
	for (int i = 0; i < 5; i++) {
		struct ps_label in = mk(0, 1, 0, 1, 0, 4096, cls[i]), out;
		uint8_t b[256];
		char g[37];
		ps_label_encode(&in, 256, b);
		ps_label_parse(b, 256, 0, 256, 0, &out, NULL);
		assert_int_equal(out.claim, cls[i]);
		ps_guid_str(out.abstraction_guid, g);
		assert_string_equal(g, txt[i]);
	}
	/* unknown guid */
	struct ps_label in = mk(0, 1, 0, 1, 0, 4096, PS_CLAIM_UNKNOWN), out;
	memset(in.abstraction_guid, 0xee, 16);
	uint8_t b[256];
	struct ps_diags d;
	ps_diags_init(&d);
	ps_label_encode(&in, 256, b);
	ps_label_parse(b, 256, 0, 256, 0, &out, &d);
	assert_int_equal(out.claim, PS_CLAIM_UNKNOWN);
	assert_true(out.valid);		/* the kernel still uses it */
	assert_true(ps_diags_has(&d, "abstraction_guid", PS_SEV_WARN));
	ps_diags_free(&d);
}

/* The parsed label member that field f fills (0 when absent). */
static uint64_t label_member(const struct ps_label *l, const char *f)
{
#define M(x) if (!strcmp(f, #x)) return l->x
	M(flags); M(nlabel); M(position); M(isetcookie); M(lbasize); M(dpa);
	M(rawsize); M(slot); M(align); M(checksum);
#undef M
	fail_msg("label.%s: no struct member", f);
	return 0;
}

/* Every label field of both versions: a value written at its offset is
 * what the parser reads, encoding what was parsed gives the label back,
 * and a v1.2 field in a v1.1 label is neither read nor written. */
static void test_every_label_field_roundtrips(void **state)
{
	(void)state;
	for (unsigned version = 1; version <= 2; version++) {
		uint32_t lsz = version == 1 ? PS_NSLABEL_V11_SIZE : PS_NSLABEL_SIZE;
		struct ps_label in = mk(3, 7, 0, 1, 0x200000, 0x400000, PS_CLAIM_PFN), out;
		uint8_t good[256], b[256], b2[256];
		ps_label_encode(&in, lsz, good);
		for (size_t i = 0; i < ps_nslabel_layout.nfields; i++) {
			const struct ps_field *f = &ps_nslabel_layout.fields[i];
			/* the encoder zeroes reserved bytes, computes the checksum */
			if (strstr(f->name, "reserved") || !strcmp(f->name, "checksum"))
				continue;
			memcpy(b, good, sizeof(b));
			bool in_v = ps_field_in(f, version);
			if (!in_v && f->off >= lsz)
				continue;	/* beyond a v1.1 label */
			uint64_t v = 0x8877665544332211ull + i;
			if (f->type == PS_FIELD_INT) {
				ps_field_put(f, b, v);
				v = ps_field_get(f, b);
			} else {
				memset(b + f->off, (int)('A' + i), f->len);
			}
			if (version == 2)
				ps_put_le64(b + 0xf8, ps_fletcher64(b, 256, 0xf8, 8));
			assert_int_equal(ps_label_parse(b, lsz, 0, lsz, UINT32_MAX, &out, NULL), PS_OK);
			assert_true(out.checksum_ok);
			if (!in_v) {
				/* v1.1's "unused" bytes: not align */
				assert_int_equal(label_member(&out, f->name), 0);
				ps_label_encode(&out, lsz, b2);
				assert_true(ps_is_zero(b2 + f->off, f->len));
				continue;
			}
			if (f->type == PS_FIELD_INT)
				assert_int_equal(label_member(&out, f->name), v);
			else if (!strcmp(f->name, "uuid"))
				assert_memory_equal(out.uuid, b + f->off, f->len);
			else if (!strcmp(f->name, "name"))
				assert_memory_equal(out.name, b + f->off, f->len);
			else if (!strcmp(f->name, "type_guid"))
				assert_memory_equal(out.type_guid, b + f->off, f->len);
			else if (!strcmp(f->name, "abstraction_guid"))
				assert_memory_equal(out.abstraction_guid, b + f->off, f->len);
			else
				fail_msg("label.%s: not checked", f->name);
			ps_label_encode(&out, lsz, b2);
			if (memcmp(b, b2, lsz))
				fail_msg("label v1.%u .%s: encode(parse(label)) differs",
					 version, f->name);
		}
	}
}

/* The parsed index member that field f fills. */
static uint64_t index_member(const struct ps_nsindex *ix, const char *f)
{
#define M(x) if (!strcmp(f, #x)) return ix->x
	M(seq); M(myoff); M(mysize); M(otheroff); M(labeloff); M(nslot);
	M(major); M(minor); M(checksum);
#undef M
	if (!strcmp(f, "labelsize"))
		return ix->labelsize_raw;
	fail_msg("nd_namespace_index.%s: no struct member", f);
	return 0;
}

/* Every index field: a value written at its offset is what the parser
 * reads (the index is only written by test support, lsa_writer.c). */
static void test_every_index_field_parses(void **state)
{
	(void)state;
	struct ps_label l = mk(0, 1, 0, 1, 0, 16 * MiB, PS_CLAIM_PFN);
	for (size_t i = 0; i < ps_nsindex_layout.nfields; i++) {
		const struct ps_field *f = &ps_nsindex_layout.fields[i];
		if (!strcmp(f->name, "sig") || !strcmp(f->name, "free"))
			continue;	/* the signature test; the bitmap's own tests */
		uint8_t *b = fresh(256, &l, 1);
		uint64_t v = 0x8877665544332211ull + i;
		if (f->type == PS_FIELD_INT) {
			ps_field_put(f, b, v);
			v = ps_field_get(f, b);
		} else {
			memset(b + f->off, (int)(0x40 + i), f->len);
		}
		if (strcmp(f->name, "checksum"))
			reseal_index(b, 256);
		struct ps_nsindex ix;
		assert_int_equal(ps_nsindex_parse(b, 256, 0, -1, 0, 0, &ix, NULL), PS_OK);
		if (f->type == PS_FIELD_INT)
			assert_int_equal(index_member(&ix, f->name), v);
		else if (!strcmp(f->name, "flags"))
			assert_memory_equal(ix.flags, b + f->off, f->len);
		else
			fail_msg("nd_namespace_index.%s: not checked", f->name);
		free(b);
	}
}

/* Each rule of slot_valid() rejects; the diagnostic names the field. */
static void test_label_rejects(void **state)
{
	(void)state;
	struct ps_label in = mk(4, 1, 0, 1, 0x200000, 0x400000, PS_CLAIM_PFN), out;
	uint8_t good[256], b[256];
	ps_label_encode(&in, 256, good);
	struct { size_t off; uint8_t x; const char *field; bool reseal; size_t at; } cases[] = {
		{ 0x78, 0x01, "slot", true, 0x78 },		/* slot 5 in slot 4 */
		{ 0x68, 0x08, "dpa", true, 0x68 },		/* dpa + 8 */
		{ 0x71, 0x02, "rawsize", true, 0x70 },		/* rawsize + 512 */
		{ 0x00, 0x01, "checksum", false, 0xf8 },	/* uuid bit, sum stale */
		{ 0xf8, 0x80, "checksum", false, 0xf8 },	/* checksum field bit */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ps_diags d;
		ps_diags_init(&d);
		memcpy(b, good, 256);
		b[cases[i].off] ^= cases[i].x;
		if (cases[i].reseal)
			ps_put_le64(b + 0xf8, ps_fletcher64(b, 256, 0xf8, 8));
		assert_int_equal(ps_label_parse(b, 256, 0x9000, 256, 4, &out, &d), PS_OK);
		assert_false(out.valid);
		assert_true(ps_diags_has(&d, cases[i].field, PS_SEV_ERR));
		bool off_ok = false;
		for (size_t k = 0; k < d.n; k++)
			if (!strcmp(d.v[k].field, cases[i].field) &&
			    d.v[k].off == 0x9000 + cases[i].at)
				off_ok = true;
		assert_true(off_ok);
		/* every diagnostic names a label field, at its offset */
		for (size_t k = 0; k < d.n; k++) {
			const struct ps_field *f = ps_field_find(&ps_nslabel_layout, d.v[k].field);
			if (!f || d.v[k].off != 0x9000 + f->off)
				fail_msg("case %zu: diagnostic on \"%s\" at 0x%llx", i,
					 d.v[k].field, (unsigned long long)d.v[k].off);
		}
		ps_diags_free(&d);
	}
	/* v1.1 labels carry no checksum: a flipped uuid bit is just data */
	uint8_t v1[128];
	ps_label_encode(&in, 128, v1);
	v1[0] ^= 1;
	assert_int_equal(ps_label_parse(v1, 128, 0, 128, 4, &out, NULL), PS_OK);
	assert_true(out.valid);
	assert_int_equal(out.claim, PS_CLAIM_V11);
	/* UPDATING is reported, not rejected */
	in.flags = PS_NSLABEL_UPDATING;
	ps_label_encode(&in, 256, b);
	struct ps_diags d;
	ps_diags_init(&d);
	ps_label_parse(b, 256, 0, 256, 4, &out, &d);
	assert_true(out.valid);
	assert_true(ps_diags_has(&d, "flags", PS_SEV_INFO));
	ps_diags_free(&d);
	assert_int_equal(ps_label_parse(b, 255, 0, 256, 4, &out, NULL), PS_ETRUNC);
	assert_int_equal(ps_label_parse(b, 256, 0, 200, 4, &out, NULL), PS_EINVAL);
}

/* Corrupt index 0 in one field (checksum re-sealed where the field is not
 * the checksum): it is rejected, the kernel falls back to index 1. */
static void test_index_field_rejects(void **state)
{
	(void)state;
	struct ps_label l = mk(0, 1, 0, 1, 0, 16 * MiB, PS_CLAIM_PFN);
	struct { size_t off; uint64_t val; int width; const char *field; } cases[] = {
		{ 0x13, 2, 1, "labelsize" },		/* 512-byte labels */
		{ 0x14, 4, 4, "seq" },			/* low bits 0 */
		{ 0x18, 256, 8, "myoff" },
		{ 0x28, 0, 8, "otheroff" },
		{ 0x30, 0x100000, 8, "labeloff" },	/* past the end */
		{ 0x20, 4096, 8, "mysize" },
		{ 0x20, 16, 8, "mysize" },
		{ 0x38, 0xffffffffu, 4, "nslot" },	/* huge */
		{ 0x38, 511, 4, "nslot" },		/* one too many */
		{ 0x40, 0, 0, "checksum" },		/* one bit, not resealed */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *b = fresh(256, &l, 1);
		switch (cases[i].width) {
		case 1: b[cases[i].off] = (uint8_t)cases[i].val; break;
		case 4: ps_put_le32(b + cases[i].off, (uint32_t)cases[i].val); break;
		case 8: ps_put_le64(b + cases[i].off, cases[i].val); break;
		default: b[0x40] ^= 0x10; break;
		}
		if (cases[i].width)
			reseal_index(b, 256);
		struct ps_lsa lsa;
		struct ps_diags d;
		ps_diags_init(&d);
		assert_int_equal(ps_lsa_parse(b, LSA, 0, &lsa, &d), PS_OK);
		assert_false(lsa.index[0].valid);
		assert_true(lsa.index[1].valid);
		assert_int_equal(lsa.current, 1);
		assert_int_equal(lsa.why, PS_LSA_ONLY_VALID);
		assert_int_equal(lsa.nactive, 1);	/* labels still found */
		assert_true(ps_diags_has(&d, cases[i].field,
					 strcmp(cases[i].field, "seq") ? PS_SEV_ERR : PS_SEV_WARN));
		/* every diagnostic names a field of an index block or label */
		for (size_t k = 0; k < d.n; k++)
			if (!ps_field_find(&ps_nsindex_layout, d.v[k].field) &&
			    !ps_field_find(&ps_nslabel_layout, d.v[k].field))
				fail_msg("case %zu: diagnostic on \"%s\"", i, d.v[k].field);
		ps_lsa_free(&lsa);
		ps_diags_free(&d);
		free(b);
	}
}

/* ndctl init-labels (76.1) writes the free bitmap in whole 0xff bytes: the
 * bits from nslot up to the next 64-bit boundary are set (spec 7.2: 2 past
 * 510 for v1.2, 4 past 1020 for v1.1) and the kernel accepts the index. No
 * diagnostic for those; a bit set past that boundary still gets one. */
static size_t free_diags(const uint8_t *b, int *worst)
{
	struct ps_lsa lsa;
	struct ps_diags d;
	size_t n = 0;
	ps_diags_init(&d);
	assert_int_equal(ps_lsa_parse(b, LSA, 0, &lsa, &d), PS_OK);
	assert_true(lsa.index[0].valid);
	assert_true(lsa.index[1].valid);
	*worst = -1;
	for (size_t k = 0; k < d.n; k++)
		if (strstr(d.v[k].msg, "free-bitmap")) {
			n++;
			if ((int)d.v[k].sev > *worst)
				*worst = (int)d.v[k].sev;
		}
	ps_lsa_free(&lsa);
	ps_diags_free(&d);
	return n;
}

static void test_free_bits_past_nslot(void **state)
{
	(void)state;
	struct ps_label l = mk(0, 1, 0, 1, 0, 16 * MiB, PS_CLAIM_PFN);
	const uint32_t lszs[2] = { 256, 128 }, nslots[2] = { 510, 1020 };
	for (int v = 0; v < 2; v++) {
		uint8_t *b = fresh(lszs[v], &l, 1);
		int worst;
		/* set every bit from nslot to the 64-bit boundary, as ndctl does */
		for (uint64_t ix = 0; ix < 2; ix++) {
			uint8_t *x = b + ix * 256;
			for (uint32_t bit = nslots[v]; bit % 64; bit++)
				x[0x48 + bit / 8] |= (uint8_t)(1u << (bit % 8));
			reseal_index(x, 256);
		}
		assert_int_equal(free_diags(b, &worst), 0);
		/* one bit past the boundary: a warning naming the free field */
		b[0x48 + (nslots[v] + 63) / 64 * 8] |= 1;
		reseal_index(b, 256);
		assert_int_equal(free_diags(b, &worst), 1);
		assert_int_equal(worst, PS_SEV_WARN);
		free(b);
	}
}

static void set_seqs(uint8_t *b, uint32_t s0, uint32_t s1)
{
	ps_put_le32(b + 0x14, s0);
	reseal_index(b, 256);
	ps_put_le32(b + 256 + 0x14, s1);
	reseal_index(b + 256, 256);
}

static void test_lsa_best_seq(void **state)
{
	(void)state;
	struct ps_label l = mk(0, 1, 0, 1, 0, 16 * MiB, PS_CLAIM_PFN);
	struct { uint32_t s0, s1; int cur; enum ps_lsa_why why; } c[] = {
		{ 1, 2, 1, PS_LSA_BEST_SEQ }, { 2, 1, 0, PS_LSA_BEST_SEQ },
		{ 2, 3, 1, PS_LSA_BEST_SEQ }, { 3, 1, 1, PS_LSA_BEST_SEQ },
		{ 1, 3, 0, PS_LSA_BEST_SEQ }, { 2, 2, 1, PS_LSA_EQUAL_SEQ },
		{ 0, 2, 1, PS_LSA_ONLY_VALID },	/* pre-4.17 init: index 0 seq 0 */
		{ 3, 0, 0, PS_LSA_ONLY_VALID },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint8_t *b = fresh(128, &l, 1);
		set_seqs(b, c[i].s0, c[i].s1);
		struct ps_lsa lsa;
		struct ps_diags d;
		ps_diags_init(&d);
		assert_int_equal(ps_lsa_parse(b, LSA, 0, &lsa, &d), PS_OK);
		assert_int_equal(lsa.current, c[i].cur);
		assert_int_equal(lsa.why, c[i].why);
		if (c[i].why == PS_LSA_EQUAL_SEQ)
			assert_true(ps_diags_has(&d, "seq", PS_SEV_WARN));
		ps_lsa_free(&lsa);
		ps_diags_free(&d);
		free(b);
	}
	/* both seq 0: nothing valid */
	uint8_t *b = fresh(128, &l, 1);
	set_seqs(b, 0, 0);
	struct ps_lsa lsa;
	assert_int_equal(ps_lsa_parse(b, LSA, 0, &lsa, NULL), PS_EFORMAT);
	assert_int_equal(lsa.current, -1);
	assert_int_equal(lsa.nactive, 0);
	/* ndctl still lists slot 0 (slot field == index) */
	assert_int_equal(lsa.nrecs, 1);
	assert_true(lsa.recs[0].ndctl_listed);
	assert_false(lsa.recs[0].active);
	ps_lsa_free(&lsa);
	free(b);
}

/* The two copies disagree: a label freed in the current block is still
 * in use in the older one -> reported, with the freed slot kept. */
static void test_index_disagree(void **state)
{
	(void)state;
	struct ps_label l[2] = { mk(0, 1, 0, 1, 0, 16 * MiB, PS_CLAIM_PFN),
				 mk(1, 2, 0, 1, 16 * MiB, 16 * MiB, PS_CLAIM_DAX) };
	uint8_t *b = fresh(256, l, 2);
	b[0x48] |= 0x2;		/* slot 1 free in index 0 (current, seq 3) */
	reseal_index(b, 256);
	struct ps_lsa lsa;
	struct ps_diags d;
	ps_diags_init(&d);
	assert_int_equal(ps_lsa_parse(b, LSA, 0, &lsa, &d), PS_OK);
	assert_int_equal(lsa.current, 0);
	assert_int_equal(lsa.nactive, 1);
	assert_true(ps_diags_has(&d, "free", PS_SEV_INFO));
	bool found = false;
	for (size_t i = 0; i < lsa.nrecs; i++)
		if (lsa.recs[i].slot == 1) {
			assert_false(lsa.recs[i].in_use);
			assert_true(lsa.recs[i].in_use_other);
			assert_true(lsa.recs[i].ndctl_listed);
			found = true;
		}
	assert_true(found);
	ps_lsa_free(&lsa);
	ps_diags_free(&d);
	free(b);
}

static void test_truncated(void **state)
{
	(void)state;
	struct ps_label l = mk(0, 1, 0, 1, 0, 16 * MiB, PS_CLAIM_PFN);
	uint8_t *b = fresh(256, &l, 1);
	struct ps_lsa lsa;
	struct ps_nsindex ix;
	struct ps_diags d;
	ps_diags_init(&d);
	assert_int_equal(ps_lsa_parse(b, 300, 0, &lsa, &d), PS_ETRUNC);
	ps_lsa_free(&lsa);
	assert_int_equal(ps_nsindex_parse(b, 40, 0, 0, 0, 0, &ix, &d), PS_ETRUNC);
	assert_int_equal(ps_nsindex_parse(b, 8, 0, 0, 0, 0, &ix, &d), PS_ETRUNC);
	/* half the area: nslot no longer fits, both blocks rejected */
	assert_int_equal(ps_lsa_parse(b, 64 * KiB, 0, &lsa, &d), PS_EFORMAT);
	assert_true(ps_diags_has(&d, "nslot", PS_SEV_ERR));
	ps_lsa_free(&lsa);
	ps_diags_free(&d);
	/* no signature at all */
	memset(b, 0, LSA);
	ps_diags_init(&d);
	assert_int_equal(ps_lsa_parse(b, LSA, 0, &lsa, &d), PS_ENOTFOUND);
	ps_lsa_free(&lsa);
	ps_diags_free(&d);
	free(b);
}

/* Labels whose slot lies past the end of a short area are bounded. */
static void test_bounds(void **state)
{
	(void)state;
	uint8_t b[2048];
	struct ps_nsindex ix;
	memset(b, 0, sizeof(b));
	memcpy(b, PS_NSINDEX_SIG, 16);
	ps_put_le64(b + 0x20, 1ULL << 62);	/* mysize absurd, config unknown */
	ps_put_le32(b + 0x14, 3);
	ps_put_le16(b + 0x3c, 1);
	ps_put_le16(b + 0x3e, 1);
	assert_int_equal(ps_nsindex_parse(b, sizeof(b), 0, -1, 0, 0, &ix, NULL), PS_OK);
	assert_false(ix.valid);
	ps_put_le64(b + 0x20, 256);
	ps_put_le64(b + 0x28, 256);
	ps_put_le64(b + 0x30, 512);
	ps_put_le32(b + 0x38, 0xffffffffu);
	reseal_index(b, 256);
	assert_int_equal(ps_nsindex_parse(b, sizeof(b), 0, 0, 0, 0, &ix, NULL), PS_OK);
	assert_false(ix.valid);		/* nslot beyond any label area */
	assert_true(ps_nsindex_slot_free(b, &ix, 0xfffffff0u));	/* out of block */
	struct ps_lsa_loc loc;
	assert_int_equal(ps_lsa_probe(b, sizeof(b), 0, &loc), PS_ENOTFOUND);
}

static void test_probe(void **state)
{
	(void)state;
	struct ps_label l = mk(0, 1, 0, 1, 0, 16 * MiB, PS_CLAIM_PFN);
	uint8_t *b = fresh(256, &l, 1);
	struct ps_lsa_loc loc;
	assert_int_equal(ps_lsa_probe(b, LSA, 0x5000, &loc), PS_OK);
	assert_int_equal(loc.off, 0x5000);
	assert_int_equal(loc.size, LSA);
	assert_int_equal(loc.label_size, 256);
	assert_int_equal(loc.found_index, 0);
	memset(b, 0xa5, 64);	/* index 0 gone */
	assert_int_equal(ps_lsa_probe(b, LSA, 0x5000, &loc), PS_OK);
	assert_int_equal(loc.found_index, 1);
	assert_int_equal(loc.off, 0x5000);
	memset(b, 0xa5, 512);
	assert_int_equal(ps_lsa_probe(b, LSA, 0, &loc), PS_ENOTFOUND);
	free(b);
}

static void test_locate_tail(void **state)
{
	(void)state;
	size_t img = 2 * MiB + 128 * KiB;
	uint8_t *b = calloc(1, img);
	assert_non_null(b);
	struct ps_label l = mk(0, 1, 0, 1, 0, 2 * MiB, PS_CLAIM_PFN);
	assert_int_equal(ps_lsa_format(b + 2 * MiB, LSA, 256, &l, 1, NULL), PS_OK);
	struct ps_src *src;
	struct ps_lsa_loc loc;
	assert_int_equal(ps_src_open_mem(b, img, "img", &src), PS_OK);
	assert_int_equal(ps_lsa_locate_tail(src, &loc), PS_OK);
	assert_int_equal(loc.off, 2 * MiB);
	assert_int_equal(loc.size, LSA);
	assert_int_equal(loc.where, PS_LSA_AT_END);
	ps_src_close(src);
	/* primary index corrupt: still located through index 1 */
	b[2 * MiB + 3] ^= 0xff;
	assert_int_equal(ps_src_open_mem(b, img, "img", &src), PS_OK);
	assert_int_equal(ps_lsa_locate_tail(src, &loc), PS_OK);
	assert_int_equal(loc.off, 2 * MiB);
	assert_int_equal(loc.found_index, 1);
	ps_src_close(src);
	/* a dump: the whole file */
	assert_int_equal(ps_src_open_mem(b + 2 * MiB, LSA, "dump", &src), PS_OK);
	assert_int_equal(ps_lsa_locate_tail(src, &loc), PS_OK);
	assert_int_equal(loc.off, 0);
	assert_int_equal(loc.where, PS_LSA_AT_START);
	ps_src_close(src);
	/* nothing */
	memset(b, 0, img);
	assert_int_equal(ps_src_open_mem(b, img, "zero", &src), PS_OK);
	assert_int_equal(ps_lsa_locate_tail(src, &loc), PS_ENOTFOUND);
	ps_src_close(src);
	free(b);
}

static void test_namespaces_interleave(void **state)
{
	(void)state;
	/* 2-way set: namespace A on both DIMMs, B only on DIMM 0 (lost half) */
	struct ps_label d0[2] = { mk(0, 1, 0, 2, 0x10000000, 64 * MiB, PS_CLAIM_PFN),
				  mk(1, 2, 0, 2, 0x14000000, 32 * MiB, PS_CLAIM_DAX) };
	struct ps_label d1[1] = { mk(3, 1, 1, 2, 0x10000000, 64 * MiB, PS_CLAIM_PFN) };
	uint8_t *b0 = fresh(256, d0, 2), *b1 = fresh(256, d1, 1);
	struct ps_lsa l0, l1;
	assert_int_equal(ps_lsa_parse(b0, LSA, 0, &l0, NULL), PS_OK);
	assert_int_equal(ps_lsa_parse(b1, LSA, 0, &l1, NULL), PS_OK);
	const struct ps_lsa *v[2] = { &l1, &l0 };	/* order does not matter */
	struct ps_ns_set set;
	struct ps_diags d;
	ps_diags_init(&d);
	assert_int_equal(ps_label_namespaces(v, 2, NULL, &set, &d), PS_OK);
	assert_int_equal(set.n, 2);
	const struct ps_namespace *a = NULL, *bb = NULL;
	for (size_t i = 0; i < set.n; i++) {
		if (set.ns[i].uuid[0] == 16)
			a = &set.ns[i];
		if (set.ns[i].uuid[0] == 32)
			bb = &set.ns[i];
	}
	assert_non_null(a);
	assert_non_null(bb);
	assert_true(a->complete);
	assert_int_equal(a->size, 128 * MiB);
	assert_int_equal(a->nlabel, 2);
	assert_int_equal(a->nextents, 2);
	assert_int_equal(a->extents[0].position, 0);
	assert_int_equal(a->extents[0].dimm, 1);	/* l0 is v[1] */
	assert_int_equal(a->extents[1].dimm, 0);
	assert_int_equal(a->claim, PS_CLAIM_PFN);
	assert_int_equal(a->region_offset, 0);
	assert_true(a->region_offset_assumed);
	assert_false(bb->complete);
	assert_true(ps_diags_has(&d, "position", PS_SEV_ERR));
	/* B starts 64 MiB into DIMM 0's part: 128 MiB into the region */
	assert_int_equal(bb->region_offset, 0x4000000ULL * 2);
	ps_ns_set_free(&set);
	ps_diags_free(&d);
	/* caller-given start dpa */
	uint64_t sd[2] = { UINT64_MAX, 0x0f000000 };
	assert_int_equal(ps_label_namespaces(v, 2, sd, &set, NULL), PS_OK);
	for (size_t i = 0; i < set.n; i++)
		if (set.ns[i].uuid[0] == 16) {
			assert_int_equal(set.ns[i].region_offset, 0x1000000ULL * 2);
			assert_false(set.ns[i].region_offset_assumed);
		}
	ps_ns_set_free(&set);
	ps_lsa_free(&l0);
	ps_lsa_free(&l1);
	free(b0);
	free(b1);
}

static void test_namespaces_duplicate(void **state)
{
	(void)state;
	struct ps_label d0[2] = { mk(0, 1, 0, 1, 0, 16 * MiB, PS_CLAIM_PFN),
				  mk(1, 1, 0, 1, 16 * MiB, 16 * MiB, PS_CLAIM_PFN) };
	uint8_t *b = fresh(256, d0, 2);
	struct ps_lsa l;
	assert_int_equal(ps_lsa_parse(b, LSA, 0, &l, NULL), PS_OK);
	const struct ps_lsa *v[1] = { &l };
	struct ps_ns_set set;
	struct ps_diags d;
	ps_diags_init(&d);
	assert_int_equal(ps_label_namespaces(v, 1, NULL, &set, &d), PS_OK);
	assert_int_equal(set.n, 1);
	assert_false(set.ns[0].complete);
	assert_true(ps_diags_has(&d, "uuid", PS_SEV_ERR));
	ps_ns_set_free(&set);
	ps_diags_free(&d);
	ps_lsa_free(&l);
	free(b);
}

static void test_format_rejects(void **state)
{
	(void)state;
	uint8_t b[1024];
	struct ps_label l[2] = { mk(2, 1, 0, 1, 0, 4096, PS_CLAIM_NONE),
				 mk(2, 2, 0, 1, 4096, 4096, PS_CLAIM_NONE) };
	assert_int_equal(ps_lsa_format(b, sizeof(b), 256, l, 1, NULL), PS_EINVAL); /* slot 2 >= nslot 2 */
	l[0].slot = 1;
	l[1].slot = 1;
	assert_int_equal(ps_lsa_format(b, sizeof(b), 256, l, 2, NULL), PS_EINVAL); /* twice */
	l[1].slot = 0;
	assert_int_equal(ps_lsa_format(b, sizeof(b), 256, l, 2, NULL), PS_OK);
	assert_int_equal(ps_lsa_format(b, 512, 256, l, 0, NULL), PS_EINVAL);
	assert_int_equal(ps_lsa_format(b, sizeof(b), 300, l, 0, NULL), PS_EINVAL);
	struct ps_lsa lsa;
	assert_int_equal(ps_lsa_parse(b, sizeof(b), 0, &lsa, NULL), PS_OK);
	assert_int_equal(lsa.nslot, 2);
	assert_int_equal(lsa.nactive, 2);
	ps_lsa_free(&lsa);
	/* legacy layout: old slot formula and seq 0/2 */
	uint8_t *big = malloc(LSA);
	struct ps_lsa_layout old = { { 0, 2 }, true };
	assert_int_equal(ps_lsa_format(big, LSA, 128, l, 2, &old), PS_OK);
	assert_int_equal(ps_lsa_parse(big, LSA, 0, &lsa, NULL), PS_OK);
	assert_int_equal(lsa.nslot, 1016);
	assert_int_equal(lsa.current, 1);
	assert_int_equal(lsa.nactive, 2);
	ps_lsa_free(&lsa);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seq),
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_roundtrip_v11),
		cmocka_unit_test(test_roundtrip_v12),
		cmocka_unit_test(test_label_encode_roundtrip),
		cmocka_unit_test(test_every_label_field_roundtrips),
		cmocka_unit_test(test_every_index_field_parses),
		cmocka_unit_test(test_claim_classes),
		cmocka_unit_test(test_label_rejects),
		cmocka_unit_test(test_index_field_rejects),
		cmocka_unit_test(test_free_bits_past_nslot),
		cmocka_unit_test(test_lsa_best_seq),
		cmocka_unit_test(test_index_disagree),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_locate_tail),
		cmocka_unit_test(test_namespaces_interleave),
		cmocka_unit_test(test_namespaces_duplicate),
		cmocka_unit_test(test_format_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
