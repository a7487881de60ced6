/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "btt.h"
#include "err.h"
#include "fletcher.h"
#include "imgsrc.h"
#include "le.h"
#include "../support/btt_writer.h"

#define MiB (1024ULL * 1024)

/* Offsets in this file are written out as the spec gives them, on
 * purpose: they check btt.h's field tables from outside. */

/* A kernel-layout info block for an arena of 'size' bytes. */
static struct ps_btt_sb make_sb(unsigned major, uint64_t size, uint32_t lbasize)
{
	struct ps_btt_geom g;
	struct ps_btt_sb sb;
	assert_int_equal(ps_btt_geometry(size, lbasize, 256, &g), PS_OK);
	memset(&sb, 0, sizeof(sb));
	for (int i = 0; i < 16; i++)
		sb.uuid[i] = (uint8_t)(i + 1);
	sb.version_major = (uint16_t)major;
	sb.version_minor = major == 1 ? 1 : 0;
	sb.external_lbasize = lbasize;
	sb.external_nlba = g.external_nlba;
	sb.internal_lbasize = g.internal_lbasize;
	sb.internal_nlba = g.internal_nlba;
	sb.nfree = 256;
	sb.infosize = 4096;
	sb.dataoff = g.dataoff;
	sb.mapoff = g.mapoff;
	sb.logoff = g.logoff;
	sb.info2off = g.info2off;
	return sb;
}

static void reseal(uint8_t *b)
{
	ps_put_le64(b + 0xff8, ps_fletcher64(b, 4096, 0xff8, 8));
}

static int parse(const uint8_t *b, uint64_t room, unsigned em, struct ps_btt_sb *o,
		 struct ps_diags *d)
{
	return ps_btt_info_parse(b, 4096, 4096, room, NULL, em, em == 1 ? 1 : 0, o, d);
}

/* Kernel geometry, checked by hand for a 64 MiB - 4 KiB arena of 4 KiB
 * blocks: avail = 67104768 - 8192 - 16384; nlba = (avail-4096)/4100. */
static void test_geometry(void **state)
{
	(void)state;
	struct ps_btt_geom g;
	assert_int_equal(ps_btt_geometry(64 * MiB - 4096, 4096, 256, &g), PS_OK);
	uint64_t avail = 64 * MiB - 4096 - 8192 - 16384;
	assert_int_equal(g.internal_nlba, (avail - 4096) / 4100);
	assert_int_equal(g.external_nlba, g.internal_nlba - 256);
	assert_int_equal(g.dataoff, 4096);
	assert_int_equal(g.info2off + 4096, 64 * MiB - 4096);
	assert_int_equal(g.logoff - g.mapoff, (g.external_nlba * 4 + 4095) / 4096 * 4096);
	/* 520-byte sectors are padded to 576 internally */
	assert_int_equal(ps_btt_geometry(32 * MiB, 520, 256, &g), PS_OK);
	assert_int_equal(g.internal_lbasize, 576);
	/* too small or too large */
	assert_int_equal(ps_btt_geometry(16384, 4096, 256, &g), PS_EINVAL);
	assert_int_equal(ps_btt_geometry(PS_BTT_ARENA_MAX + 4096, 4096, 256, &g), PS_EINVAL);
}

static void test_info_valid(void **state)
{
	(void)state;
	for (unsigned major = 1; major <= 2; major++) {
		struct ps_btt_sb in = make_sb(major, 64 * MiB, 512), out;
		uint8_t b[4096];
		struct ps_diags d;
		ps_diags_init(&d);
		ps_btt_info_encode(&in, b);
		assert_memory_equal(b, "BTT_ARENA_INFO\0\0", 16);
		assert_int_equal(parse(b, 64 * MiB, major, &out, &d), PS_OK);
		assert_int_equal(ps_diags_count(&d, PS_SEV_WARN), 0);
		assert_true(out.valid);
		assert_true(out.layout_ok);
		assert_int_equal(out.sector_size, 512);
		assert_int_equal(out.arena_size, in.info2off + 4096);
		assert_int_equal(out.version_major, major);
		ps_diags_free(&d);
	}
}

/* Each damaged field is rejected and named. */
static void test_info_rejects(void **state)
{
	(void)state;
	struct ps_btt_sb in = make_sb(1, 64 * MiB, 4096), out;
	uint8_t b[4096], good[4096];
	struct ps_diags d;
	ps_btt_info_encode(&in, good);
	struct {
		unsigned off, width;
		uint64_t val;
		const char *field;
		int kills_valid, kills_layout;
	} cases[] = {
		{ 0x34, 2, 2, "version_major", 1, 0 },		/* 2.1 at 4096 */
		{ 0x38, 4, 100, "external_lbasize", 0, 1 },
		{ 0x40, 4, 4160, "internal_lbasize", 0, 1 },
		{ 0x40, 4, 4096 + 64, "internal_lbasize", 0, 1 },
		{ 0x48, 4, 255, "nfree", 0, 1 },
		{ 0x3c, 4, 5, "nfree", 0, 1 },			/* external_nlba vs nfree */
		{ 0x60, 8, 8192, "mapoff", 0, 1 },		/* map inside data */
		{ 0x68, 8, 0, "logoff", 0, 1 },
		{ 0x70, 8, 4096, "info2off", 0, 1 },
		{ 0x70, 8, 128 * MiB, "info2off", 0, 1 },	/* beyond room */
		{ 0x50, 8, PS_BTT_ARENA_MAX + 4096, "nextoff", 0, 1 },
		{ 0x58, 8, 0, "dataoff", 0, 1 },
		{ 0x30, 4, 1, "flags", 0, 0 },
		{ 0x4c, 4, 512, "infosize", 0, 0 },
		{ 0x100, 1, 0xff, "padding", 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(b, good, sizeof(b));
		if (cases[i].width == 1)
			b[cases[i].off] = (uint8_t)cases[i].val;
		else if (cases[i].width == 2)
			ps_put_le16(b + cases[i].off, (uint16_t)cases[i].val);
		else if (cases[i].width == 4)
			ps_put_le32(b + cases[i].off, (uint32_t)cases[i].val);
		else
			ps_put_le64(b + cases[i].off, cases[i].val);
		reseal(b);
		ps_diags_init(&d);
		assert_int_equal(parse(b, 64 * MiB, 1, &out, &d), PS_OK);
		if (!ps_diags_has(&d, cases[i].field, PS_SEV_WARN))
			fail_msg("case %zu: no diagnostic for %s", i, cases[i].field);
		/* every diagnostic names a field of btt_sb, at its offset */
		for (size_t k = 0; k < d.n; k++) {
			const struct ps_field *f = ps_field_find(&ps_btt_layout, d.v[k].field);
			if (!f || d.v[k].off != 4096 + f->off)
				fail_msg("case %zu: diagnostic on \"%s\" at 0x%llx", i,
					 d.v[k].field, (unsigned long long)d.v[k].off);
		}
		assert_true(out.checksum_ok);
		if (cases[i].kills_valid)
			assert_false(out.valid);
		if (cases[i].kills_layout)
			assert_false(out.layout_ok);
		else
			assert_true(out.layout_ok);
		ps_diags_free(&d);
	}
}

static void test_info_checksum_and_trunc(void **state)
{
	(void)state;
	struct ps_btt_sb in = make_sb(2, 64 * MiB, 4096), out;
	uint8_t b[4096];
	struct ps_diags d;
	ps_btt_info_encode(&in, b);
	/* single-bit flips spread over the whole block (every 977th bit) are caught */
	for (unsigned bit = 128; bit < 4096 * 8; bit += 977) {
		uint8_t c[4096];
		memcpy(c, b, sizeof(c));
		c[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		ps_diags_init(&d);
		assert_int_equal(parse(c, 64 * MiB, 2, &out, &d), PS_OK);
		assert_false(out.checksum_ok);
		assert_false(out.valid);
		assert_true(ps_diags_has(&d, "checksum", PS_SEV_ERR));
		ps_diags_free(&d);
	}
	/* a v2.0 block where v1.1 must be (ns+4096) is not valid */
	ps_diags_init(&d);
	parse(b, 64 * MiB, 1, &out, &d);
	assert_false(out.valid);
	ps_diags_free(&d);
	/* truncated, not a BTT, parent uuid mismatch */
	ps_diags_init(&d);
	assert_int_equal(ps_btt_info_parse(b, 4000, 0, 0, NULL, 0, 0, &out, &d), PS_ETRUNC);
	ps_diags_free(&d);
	uint8_t z[4096] = { 0 };
	assert_int_equal(ps_btt_info_parse(z, 4096, 0, 0, NULL, 0, 0, &out, NULL), PS_ENOTFOUND);
	uint8_t other[16] = { 9 };
	in.parent_uuid[0] = 1;
	ps_btt_info_encode(&in, b);
	assert_int_equal(ps_btt_info_parse(b, 4096, 0, 0, other, 2, 0, &out, NULL), PS_OK);
	assert_false(out.valid);
	memset(other, 0, sizeof(other));	/* zero ns uuid: not checked */
	assert_int_equal(ps_btt_info_parse(b, 4096, 0, 0, other, 2, 0, &out, NULL), PS_OK);
	assert_true(out.valid);
}

/* The parsed struct member that field f fills; fails the test for a
 * field the table has and the parser does not fill. */
static uint64_t sb_member(const struct ps_btt_sb *sb, const char *f)
{
#define M(x) if (!strcmp(f, #x)) return sb->x
	M(flags); M(version_major); M(version_minor); M(external_lbasize);
	M(external_nlba); M(internal_lbasize); M(internal_nlba); M(nfree);
	M(infosize); M(nextoff); M(dataoff); M(mapoff); M(logoff); M(info2off);
	M(checksum);
#undef M
	fail_msg("btt_sb.%s: no struct member", f);
	return 0;
}

/* Every field of btt_sb and log_entry: a value written at its offset is
 * what the parser reads, and encoding what was parsed gives the bytes back. */
static void test_every_field_roundtrips(void **state)
{
	(void)state;
	struct ps_btt_sb in = make_sb(1, 64 * MiB, 4096), out;
	uint8_t good[4096], b[4096], b2[4096];
	ps_btt_info_encode(&in, good);
	for (size_t i = 0; i < ps_btt_layout.nfields; i++) {
		const struct ps_field *f = &ps_btt_layout.fields[i];
		/* the encoder zeroes padding, computes the checksum and
		 * writes the one signature */
		if (!strcmp(f->name, "padding") || !strcmp(f->name, "checksum") ||
		    !strcmp(f->name, "signature"))
			continue;
		memcpy(b, good, sizeof(b));
		uint64_t v = 0x8877665544332211ull + i;
		if (f->type == PS_FIELD_INT) {
			ps_field_put(f, b, v);
			v = ps_field_get(f, b);
		} else {
			memset(b + f->off, (int)(0x40 + i), f->len);
		}
		reseal(b);
		assert_int_equal(ps_btt_info_parse(b, 4096, 0, 0, NULL, 0, 0, &out, NULL), PS_OK);
		assert_true(out.checksum_ok);
		if (f->type == PS_FIELD_INT)
			assert_int_equal(sb_member(&out, f->name), v);
		else if (!strcmp(f->name, "uuid"))
			assert_memory_equal(out.uuid, b + f->off, f->len);
		else if (!strcmp(f->name, "parent_uuid"))
			assert_memory_equal(out.parent_uuid, b + f->off, f->len);
		else
			fail_msg("btt_sb.%s: not checked", f->name);
		ps_btt_info_encode(&out, b2);
		if (memcmp(b, b2, sizeof(b)))
			fail_msg("btt_sb.%s: encode(parse(block)) differs", f->name);
	}
	for (size_t i = 0; i < ps_btt_log_layout.nfields; i++) {
		const struct ps_field *f = &ps_btt_log_layout.fields[i];
		uint8_t e[PS_BTT_LOG_SIZE] = { 0 }, e2[PS_BTT_LOG_SIZE];
		struct ps_btt_log_ent le;
		ps_field_put(f, e, 0xc0000000u + (uint32_t)i);
		ps_btt_log_ent_parse(e, &le);
		uint32_t got = !strcmp(f->name, "lba") ? le.lba :
			       !strcmp(f->name, "old_map") ? le.old_map :
			       !strcmp(f->name, "new_map") ? le.new_map :
			       !strcmp(f->name, "seq") ? le.seq : 0;
		assert_int_equal(got, 0xc0000000u + (uint32_t)i);
		assert_int_equal(le.lba + le.old_map + le.new_map + le.seq, got);
		ps_btt_log_ent_encode(&le, e2);
		assert_memory_equal(e, e2, sizeof(e));
	}
	/* the spec's slot layout: {lba, old_map, new_map, seq}, le32 each */
	uint8_t raw[16] = { 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0 };
	struct ps_btt_log_ent le;
	ps_btt_log_ent_parse(raw, &le);
	assert_int_equal(le.lba, 1);
	assert_int_equal(le.old_map, 2);
	assert_int_equal(le.new_map, 3);
	assert_int_equal(le.seq, 4);
}

/* btt_log_get_old: which slot is older. */
static void test_log_seq(void **state)
{
	(void)state;
	assert_int_equal(ps_btt_log_old(1, 0), 1);	/* fresh lane: slot 0 new */
	assert_int_equal(ps_btt_log_old(1, 2), 0);
	assert_int_equal(ps_btt_log_old(2, 1), 1);
	assert_int_equal(ps_btt_log_old(2, 3), 0);
	assert_int_equal(ps_btt_log_old(3, 1), 0);	/* 3 -> 1 wraps: 1 newer */
	assert_int_equal(ps_btt_log_old(1, 3), 1);
	assert_int_equal(ps_btt_log_old(0, 2), 0);	/* slot 0 unused */
	assert_int_equal(ps_btt_log_old(2, 2), -1);	/* equal */
	assert_int_equal(ps_btt_log_old(3, 3), -1);
	assert_int_equal(ps_btt_log_old(3, 4), -1);	/* sum > 5 */
	assert_int_equal(ps_btt_log_old(7, 1), -1);
	/* the kernel's arithmetic accepts (4,1): the 1 is newer */
	assert_int_equal(ps_btt_log_old(4, 1), 0);
}

static void put_slot(uint8_t *g, size_t lane, int slot, uint32_t lba, uint32_t seq)
{
	uint8_t *p = g + lane * 64 + slot * 16;
	ps_put_le32(p, lba);
	ps_put_le32(p + 4, 100 + lba);
	ps_put_le32(p + 8, 100 + lba);
	ps_put_le32(p + 12, seq);
}

static void test_log_indices(void **state)
{
	(void)state;
	uint8_t g[4 * 64];
	int idx[2];
	memset(g, 0, sizeof(g));
	for (int i = 0; i < 4; i++)
		put_slot(g, i, 0, i, 1);
	assert_int_equal(ps_btt_log_indices(g, 4, idx), PS_OK);	/* all initial */
	assert_int_equal(idx[0], 0);
	assert_int_equal(idx[1], 1);
	put_slot(g, 2, 2, 2, 2);				/* old layout */
	assert_int_equal(ps_btt_log_indices(g, 4, idx), PS_OK);
	assert_int_equal(idx[1], 2);
	put_slot(g, 3, 1, 3, 2);				/* mixed: refused */
	assert_int_equal(ps_btt_log_indices(g, 4, idx), PS_EFORMAT);
	memset(g, 0, sizeof(g));
	for (int i = 0; i < 4; i++)
		put_slot(g, i, 0, i, 1);
	put_slot(g, 1, 1, 1, 2);				/* new layout */
	assert_int_equal(ps_btt_log_indices(g, 4, idx), PS_OK);
	assert_int_equal(idx[1], 1);
	put_slot(g, 1, 3, 1, 3);				/* three live slots */
	assert_int_equal(ps_btt_log_indices(g, 4, idx), PS_EFORMAT);
	memset(g, 0, sizeof(g));
	put_slot(g, 0, 1, 0, 1);				/* (1,2): unknown */
	put_slot(g, 0, 2, 0, 2);
	assert_int_equal(ps_btt_log_indices(g, 1, idx), PS_EFORMAT);
	memset(g, 0, sizeof(g));
	put_slot(g, 0, 0, 0, 1);				/* live slot 0 padding later */
	put_slot(g, 0, 1, 0, 2);
	put_slot(g, 1, 1, 1, 2);
	assert_int_equal(ps_btt_log_indices(g, 2, idx), PS_EFORMAT);
}

/* ---- in-memory namespaces ---- */

struct mem_ns {
	uint8_t *buf;
	uint64_t size;
	struct ps_btt_writer *w;
};

static void mem_format(struct mem_ns *m, uint64_t size, uint32_t lbasize,
		       unsigned major, int log02)
{
	m->size = size;
	m->buf = calloc(1, size);
	assert_non_null(m->buf);
	struct ps_btt_sink s = { .fd = -1, .buf = m->buf, .base = 0, .ns_size = size };
	struct ps_btt_fmt f;
	memset(&f, 0, sizeof(f));
	f.lbasize = lbasize;
	f.version_major = major;
	f.log_index1 = log02 ? 2 : 1;
	char err[128];
	assert_int_equal(ps_btt_format(&s, &f, &m->w, err, sizeof(err)), PS_OK);
}

static void fill(uint8_t *b, size_t n, uint64_t tag)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(tag * 31 + i / 7);
}

/* Translation of each map-entry state, read through the view. */
static void test_translate_flags(void **state)
{
	(void)state;
	struct mem_ns m;
	mem_format(&m, 17 * MiB, 512, 1, 0);
	uint32_t ss = ps_btt_writer_sector_size(m.w);
	assert_int_equal(ss, 512);
	uint8_t blk[512], rd[4096];
	for (uint64_t lba = 0; lba < 40; lba++) {
		fill(blk, ss, lba);
		assert_int_equal(ps_btt_write_lba(m.w, lba, blk, -1, 0), PS_OK);
	}
	/* identity: never written LBA 100; put bytes where the identity
	 * mapping says its data is (data block 100) */
	uint64_t io, i2, mo, lo;
	ps_btt_writer_arena(m.w, 0, &io, &i2, &mo, &lo);
	memset(m.buf + io + 4096 + 100 * 512, 0x5a, 512);
	uint32_t raw;
	assert_int_equal(ps_btt_writer_get_map(m.w, 5, &raw), PS_OK);
	assert_int_equal(raw & PS_BTT_MAP_NORMAL, PS_BTT_MAP_NORMAL);
	ps_btt_writer_set_map(m.w, 6, (raw & PS_BTT_MAP_LBA_MASK) | PS_BTT_MAP_Z);
	/* (an identity-valued E entry would look like an in-flight write
	 * to the kernel's btt_freelist_init, which strips the flags) */
	assert_int_equal(ps_btt_writer_get_map(m.w, 7, &raw), PS_OK);
	ps_btt_writer_set_map(m.w, 7, (raw & PS_BTT_MAP_LBA_MASK) | PS_BTT_MAP_E);
	assert_int_equal(ps_btt_writer_get_map(m.w, 5, &raw), PS_OK);
	ps_btt_writer_set_map(m.w, 8, PS_BTT_MAP_NORMAL | 0x3fffff00u);

	struct ps_src *ns, *v;
	struct ps_btt *b;
	struct ps_diags d;
	ps_diags_init(&d);
	assert_int_equal(ps_src_open_mem(m.buf, m.size, "ns", &ns), PS_OK);
	assert_int_equal(ps_btt_open(ns, NULL, &b, &d), PS_OK);
	assert_int_equal(ps_btt_initial_offset(b), 4096);
	assert_int_equal(ps_btt_nlba(b), ps_btt_writer_nlba(m.w));
	struct ps_btt_xlat x;
	assert_int_equal(ps_btt_translate(b, 5, &x), PS_OK);
	assert_int_equal(x.state, PS_BTT_NORMAL);
	assert_int_equal(ps_btt_translate(b, 6, &x), PS_OK);
	assert_int_equal(x.state, PS_BTT_ZERO);
	assert_int_equal(ps_btt_translate(b, 7, &x), PS_OK);
	assert_int_equal(x.state, PS_BTT_ERROR);
	assert_int_equal(ps_btt_translate(b, 8, &x), PS_OK);
	assert_int_equal(x.state, PS_BTT_BADMAP);
	assert_int_equal(ps_btt_translate(b, 100, &x), PS_OK);
	assert_int_equal(x.state, PS_BTT_IDENTITY);
	assert_int_equal(x.postmap, 100);
	assert_int_equal(ps_btt_translate(b, ps_btt_nlba(b), &x), PS_ERANGE);

	assert_int_equal(ps_btt_view(b, &v), PS_OK);
	assert_int_equal(v->size, ps_btt_nlba(b) * 512);
	/* a multi-block read of written LBAs, unaligned start */
	assert_int_equal(ps_src_pread(v, rd, 1000, 3 * 512 + 100), PS_OK);
	fill(blk, ss, 3);
	assert_memory_equal(rd, blk + 100, 412);
	fill(blk, ss, 4);
	assert_memory_equal(rd + 412, blk, 512);
	fill(blk, ss, 5);
	assert_memory_equal(rd + 924, blk, 76);
	/* zero flag reads zeros and is a hole */
	assert_int_equal(ps_src_pread(v, rd, 512, 6 * 512), PS_OK);
	assert_true(ps_is_zero(rd, 512));
	uint64_t h;
	assert_int_equal(ps_src_next_hole(v, 0, &h), PS_OK);
	assert_int_equal(h, 6 * 512);
	assert_int_equal(ps_src_next_data(v, 6 * 512, &h), PS_OK);
	assert_int_equal(h, 7 * 512);
	/* error flag: reported, with arena and LBA, as a block marked
	 * unreadable (PS_EBADBLK: the blocks around it read) */
	assert_int_equal(ps_src_pread(v, rd, 512, 7 * 512), PS_EBADBLK);
	assert_non_null(strstr(ps_src_error(v), "arena 0 LBA 7"));
	assert_non_null(strstr(ps_src_error(v), "error flag"));
	assert_int_equal(ps_src_pread(v, rd, 2048, 6 * 512), PS_EBADBLK);
	assert_int_equal(ps_src_pread(v, rd, 512, 8 * 512), PS_EBADBLK);
	assert_non_null(strstr(ps_src_error(v), "LBA 8"));
	/* identity */
	assert_int_equal(ps_src_pread(v, rd, 512, 100 * 512), PS_OK);
	memset(blk, 0x5a, 512);
	assert_memory_equal(rd, blk, 512);

	struct ps_btt_report r;
	memset(&r, 0, sizeof(r));
	assert_int_equal(ps_btt_check(b, &r), PS_OK);
	int saw_oor = 0, saw_err = 0;
	for (size_t i = 0; i < r.n; i++) {
		if (!strcmp(r.v[i].check, "map") && r.v[i].lba == 8 && r.v[i].sev == PS_SEV_ERR)
			saw_oor = 1;
		if (!strcmp(r.v[i].check, "map") && r.v[i].lba == 7 && r.v[i].sev == PS_SEV_WARN)
			saw_err = 1;
	}
	assert_true(saw_oor);
	assert_true(saw_err);
	/* LBA 6 was pointed at LBA 5's block: both named, one error */
	int saw_dup = 0;
	for (size_t i = 0; i < r.n; i++)
		if (!strcmp(r.v[i].check, "bitmap") && r.v[i].lba == 6 &&
		    strstr(r.v[i].msg, "by LBA 5, LBA 6"))
			saw_dup++;
	assert_int_equal(saw_dup, 1);
	ps_btt_report_free(&r);
	ps_src_close(v);
	ps_btt_close(b);
	ps_src_close(ns);
	ps_diags_free(&d);
	ps_btt_writer_free(m.w);
	free(m.buf);
}

/* A write torn after the flog update is completed in memory only; the
 * old (0,2) flog layout reads the same; seq numbers wrap 3 -> 1. */
static void test_torn_write(void **state)
{
	(void)state;
	for (int log02 = 0; log02 <= 1; log02++) {
		struct mem_ns m;
		mem_format(&m, 17 * MiB, 4096, 2, log02);
		uint8_t blk[4096], rd[4096];
		/* lane 3 written 7 times: seq 2,3,1,2,3,1,2 */
		for (int i = 0; i < 7; i++) {
			fill(blk, 4096, 50 + i);
			assert_int_equal(ps_btt_write_lba(m.w, 10 + i, blk, 3, 0), PS_OK);
		}
		fill(blk, 4096, 999);
		assert_int_equal(ps_btt_write_lba(m.w, 12, blk, 3, PS_BTT_W_TORN), PS_OK);
		uint8_t *copy = malloc(m.size);
		memcpy(copy, m.buf, m.size);
		struct ps_src *ns, *v;
		struct ps_btt *b;
		struct ps_diags d;
		ps_diags_init(&d);
		assert_int_equal(ps_src_open_mem(m.buf, m.size, "ns", &ns), PS_OK);
		assert_int_equal(ps_btt_open(ns, NULL, &b, &d), PS_OK);
		assert_int_equal(ps_btt_initial_offset(b), 0);
		const struct ps_btt_arena *a = ps_btt_arena(b, 0);
		assert_int_equal(a->log_index[1], log02 ? 2 : 1);
		assert_true(a->lanes[3].pending);
		assert_int_equal(a->lanes[3].newest.seq, 3);
		assert_int_equal(a->lanes[3].newest.lba, 12);
		struct ps_btt_xlat x;
		assert_int_equal(ps_btt_translate(b, 12, &x), PS_OK);
		assert_true(x.fixed);
		assert_int_equal(ps_btt_view(b, &v), PS_OK);
		assert_int_equal(ps_src_pread(v, rd, 4096, 12 * 4096), PS_OK);
		assert_memory_equal(rd, blk, 4096);
		fill(blk, 4096, 55);
		assert_int_equal(ps_src_pread(v, rd, 4096, 15 * 4096), PS_OK);
		assert_memory_equal(rd, blk, 4096);
		assert_memory_equal(copy, m.buf, m.size);	/* nothing written */
		struct ps_btt_report r;
		memset(&r, 0, sizeof(r));
		assert_int_equal(ps_btt_check(b, &r), PS_OK);
		assert_int_equal(r.nerr, 0);
		assert_int_equal(r.nwarn, 1);
		assert_int_equal(r.v[0].lane, 3);
		assert_int_equal(r.v[0].lba, 12);
		ps_btt_report_free(&r);
		ps_src_close(v);
		ps_btt_close(b);
		ps_src_close(ns);
		ps_diags_free(&d);
		ps_btt_writer_free(m.w);
		free(copy);
		free(m.buf);
	}
}

/* A map entry pointing at a lane's free block: the bitmap check names
 * the LBA and the flog lane, and the block the map lost. */
static void test_free_block_dup(void **state)
{
	(void)state;
	struct mem_ns m;
	mem_format(&m, 17 * MiB, 4096, 1, 0);
	uint8_t blk[4096];
	for (uint64_t lba = 0; lba < 10; lba++) {
		fill(blk, 4096, lba);
		assert_int_equal(ps_btt_write_lba(m.w, lba, blk, (int)lba, 0), PS_OK);
	}
	/* lane 5 wrote LBA 5 (identity block 5), so block 5 is its free block */
	ps_btt_writer_set_map(m.w, 20, 5 | PS_BTT_MAP_NORMAL);
	struct ps_src *ns;
	struct ps_btt *b;
	assert_int_equal(ps_src_open_mem(m.buf, m.size, "ns", &ns), PS_OK);
	assert_int_equal(ps_btt_open(ns, NULL, &b, NULL), PS_OK);
	struct ps_btt_report r;
	memset(&r, 0, sizeof(r));
	assert_int_equal(ps_btt_check(b, &r), PS_OK);
	assert_int_equal(r.nerr, 2);
	int dup = 0, lost = 0;
	for (size_t i = 0; i < r.n; i++) {
		if (r.v[i].block == 5 && r.v[i].lane == 5 && r.v[i].lba == 20 &&
		    strstr(r.v[i].msg, "by LBA 20, flog lane 5"))
			dup++;
		if (r.v[i].block == 20 && strstr(r.v[i].msg, "neither"))
			lost++;
	}
	assert_int_equal(dup, 1);
	assert_int_equal(lost, 1);
	ps_btt_report_free(&r);
	ps_btt_close(b);
	ps_src_close(ns);
	ps_btt_writer_free(m.w);
	free(m.buf);
}

/*
 * next_data/next_hole of the view over a sparse file: a block is a hole
 * iff it is zero-flagged or its data lies in a hole of the file. Compared
 * block by block with what the buffer says, for a shuffled map.
 */
static void test_view_sparse_map(void **state)
{
	(void)state;
	struct mem_ns m;
	mem_format(&m, 17 * MiB, 4096, 1, 0);
	uint8_t blk[4096];
	uint64_t nlba = ps_btt_writer_nlba(m.w);
	/* write every third LBA of the first 600, in a scrambled order */
	for (uint64_t i = 0; i < 600; i++) {
		uint64_t lba = (i * 7919) % 600;
		if (lba % 3)
			continue;
		fill(blk, 4096, lba + 1);
		assert_int_equal(ps_btt_write_lba(m.w, lba, blk, -1, 0), PS_OK);
	}
	uint32_t raw;
	assert_int_equal(ps_btt_writer_get_map(m.w, 30, &raw), PS_OK);
	ps_btt_writer_set_map(m.w, 30, (raw & PS_BTT_MAP_LBA_MASK) | PS_BTT_MAP_Z);
	/* the file: only non-zero 4 KiB pages are written (holes elsewhere) */
	char path[] = "/tmp/test_btt.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)m.size), 0);
	for (uint64_t pg = 0; pg < m.size / 4096; pg++)
		if (!ps_is_zero(m.buf + pg * 4096, 4096))
			assert_int_equal(pwrite(fd, m.buf + pg * 4096, 4096, (off_t)(pg * 4096)), 4096);
	close(fd);
	struct ps_src *ns, *v;
	struct ps_btt *b;
	char err[256];
	assert_int_equal(ps_src_open_file(path, &ns, err, sizeof(err)), PS_OK);
	assert_int_equal(ps_btt_open(ns, NULL, &b, NULL), PS_OK);
	assert_int_equal(ps_btt_view(b, &v), PS_OK);
	/* expected, from the buffer */
	uint8_t *hole = calloc(nlba, 1);
	for (uint64_t lba = 0; lba < nlba; lba++) {
		struct ps_btt_xlat x;
		assert_int_equal(ps_btt_translate(b, lba, &x), PS_OK);
		hole[lba] = x.state == PS_BTT_ZERO ||
			    ps_is_zero(m.buf + x.data_off, 4096);
	}
	assert_true(hole[30]);
	assert_false(hole[0]);
	assert_true(hole[1]);
	/* walk the view's sparse map and compare block by block */
	uint64_t off = 0, seen = 0;
	while (off < v->size) {
		uint64_t d, h;
		assert_int_equal(ps_src_next_data(v, off, &d), PS_OK);
		for (uint64_t lba = off / 4096; lba < d / 4096; lba++)
			if (!hole[lba])
				fail_msg("LBA %llu has data but was skipped", (unsigned long long)lba);
		if (d >= v->size)
			break;
		assert_int_equal(ps_src_next_hole(v, d, &h), PS_OK);
		assert_true(h > d);
		for (uint64_t lba = d / 4096; lba < h / 4096; lba++, seen++)
			;
		assert_false(hole[d / 4096]);
		if (h < v->size)
			assert_true(hole[h / 4096]);
		off = h;
	}
	/* every data block was inside some data interval */
	uint64_t ndata = 0;
	for (uint64_t lba = 0; lba < nlba; lba++)
		ndata += !hole[lba];
	assert_true(seen >= ndata);
	assert_int_equal(ndata, 199);	/* 200 written, LBA 30 trimmed */
	free(hole);
	ps_src_close(v);
	ps_btt_close(b);
	ps_src_close(ns);
	unlink(path);
	ps_btt_writer_free(m.w);
	free(m.buf);
}

/* Hand-built chain of three 16 MiB arenas; then broken chains. */
static void test_chain(void **state)
{
	(void)state;
	const uint64_t A = 16 * MiB, size = 4096 + 3 * A;
	uint8_t *buf = calloc(1, size);
	assert_non_null(buf);
	uint8_t blk[4096];
	struct ps_btt_sb sb[3];
	for (int i = 0; i < 3; i++) {
		sb[i] = make_sb(1, A, 4096);
		sb[i].nextoff = i < 2 ? A : 0;
		ps_btt_info_encode(&sb[i], blk);
		memcpy(buf + 4096 + i * A, blk, 4096);
		memcpy(buf + 4096 + i * A + sb[i].info2off, blk, 4096);
		for (int l = 0; l < 256; l++) {
			uint8_t *e = buf + 4096 + i * A + sb[i].logoff + l * 64;
			ps_put_le32(e, (uint32_t)l);
			ps_put_le32(e + 4, sb[i].external_nlba + (uint32_t)l);
			ps_put_le32(e + 8, sb[i].external_nlba + (uint32_t)l);
			ps_put_le32(e + 12, 1);
		}
	}
	/* identity-mapped first block of arena 2 */
	memset(buf + 4096 + 2 * A + 4096, 0x77, 4096);
	struct ps_src *ns, *v;
	struct ps_btt *b;
	struct ps_diags d;
	ps_diags_init(&d);
	assert_int_equal(ps_src_open_mem(buf, size, "ns", &ns), PS_OK);
	assert_int_equal(ps_btt_open(ns, NULL, &b, &d), PS_OK);
	assert_int_equal(ps_btt_narenas(b), 3);
	assert_int_equal(ps_btt_nlba(b), 3ull * sb[0].external_nlba);
	assert_int_equal(ps_btt_arena(b, 2)->ext_start, 2ull * sb[0].external_nlba);
	assert_int_equal(ps_btt_view(b, &v), PS_OK);
	uint8_t rd[4096];
	assert_int_equal(ps_src_pread(v, rd, 4096, 2ull * sb[0].external_nlba * 4096), PS_OK);
	assert_int_equal(rd[0], 0x77);
	assert_int_equal(rd[4095], 0x77);
	uint64_t dd;
	assert_int_equal(ps_src_next_data(v, 0, &dd), PS_OK);	/* all else a hole? no: mem has no holes */
	assert_int_equal(dd, 0);
	struct ps_btt_report r;
	memset(&r, 0, sizeof(r));
	assert_int_equal(ps_btt_check(b, &r), PS_OK);
	assert_int_equal(r.nerr, 0);
	ps_btt_report_free(&r);
	ps_src_close(v);
	ps_btt_close(b);
	ps_diags_free(&d);

	/* arena 1 points past the end: chain cut after arena 1 */
	uint64_t bad_next[] = { 4 * A, UINT64_MAX - A, 0 };
	for (int k = 0; k < 2; k++) {
		struct ps_btt_sb s1 = sb[1];
		s1.nextoff = bad_next[k];
		ps_btt_info_encode(&s1, blk);
		memcpy(buf + 4096 + A, blk, 4096);
		ps_diags_init(&d);
		assert_int_equal(ps_btt_open(ns, NULL, &b, &d), PS_OK);
		/* the primary of arena 1 is refused; its good backup
		 * (nextoff A) is used, so the chain still has 3 arenas */
		assert_true(ps_btt_arena(b, 1)->used_backup);
		assert_int_equal(ps_btt_narenas(b), 3);
		ps_btt_close(b);
		ps_diags_free(&d);
		/* with the backup damaged too, reading stops at arena 0 */
		uint8_t saved[4096];
		memcpy(saved, buf + 4096 + A + sb[1].info2off, 4096);
		buf[4096 + A + sb[1].info2off + 0x100] ^= 1;
		ps_diags_init(&d);
		assert_int_equal(ps_btt_open(ns, NULL, &b, &d), PS_OK);
		assert_int_equal(ps_btt_narenas(b), 1);
		assert_true(ps_diags_has(&d, "signature", PS_SEV_ERR));
		ps_btt_close(b);
		ps_diags_free(&d);
		memcpy(buf + 4096 + A + sb[1].info2off, saved, 4096);
	}
	/* a chain that would loop back (arena 2 -> arena 0 by wrapping):
	 * nextoff is unsigned and > 512 GiB, refused; terminates */
	struct ps_btt_sb s2 = sb[2];
	s2.nextoff = UINT64_MAX - 2 * A + 1;
	ps_btt_info_encode(&s2, blk);
	memcpy(buf + 4096 + 2 * A, blk, 4096);
	memcpy(buf + 4096 + 2 * A + sb[2].info2off, blk, 4096);
	ps_diags_init(&d);
	assert_int_equal(ps_btt_open(ns, NULL, &b, &d), PS_OK);
	assert_int_equal(ps_btt_narenas(b), 2);
	ps_btt_close(b);
	ps_diags_free(&d);
	ps_src_close(ns);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_info_valid),
		cmocka_unit_test(test_info_rejects),
		cmocka_unit_test(test_info_checksum_and_trunc),
		cmocka_unit_test(test_every_field_roundtrips),
		cmocka_unit_test(test_log_seq),
		cmocka_unit_test(test_log_indices),
		cmocka_unit_test(test_translate_flags),
		cmocka_unit_test(test_torn_write),
		cmocka_unit_test(test_free_block_dup),
		cmocka_unit_test(test_view_sparse_map),
		cmocka_unit_test(test_chain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
