/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The analysis returns facts, not sentences: for each verdict (proven,
 * ambiguous, damaged, no filesystem) the kinds and numbers of the
 * evidence, notes and next actions, checked without reading any text.
 * Also: diagnostics and the rendered JSON keep a message of any length.
 *
 * The images are built in memory: a v1.2 fsdax info block at ns + 4096
 * with start_pad 2 MiB and dataoff 4 MiB, so the legacy data start is at
 * 6 MiB and the fixed one at 4 MiB (inside the legacy reading's memmap),
 * and ext2/ext4 superblocks wherever a case wants a filesystem.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "err.h"
#include "le.h"
#include "ns.h"
#include "pfn.h"
#include "render.h"

#define MiB (1024ULL * 1024)
#define SIZE (64 * MiB)
#define PAD (2 * MiB)
#define DATAOFF (4 * MiB)
#define LEGACY (PAD + DATAOFF)	/* image offset of the legacy data start */
#define FIXED DATAOFF

struct img {
	uint8_t *b;
	struct ps_src *src;
	struct ps_analysis a;
};

static void put_pfn(uint8_t *img, uint32_t pad, uint64_t dataoff, uint32_t minor)
{
	struct ps_pfn_sb sb;
	memset(&sb, 0, sizeof(sb));
	sb.kind = PS_PFN_FSDAX;
	for (int i = 0; i < 16; i++)
		sb.uuid[i] = (uint8_t)(0x10 + i);
	sb.version_major = 1;
	sb.version_minor = minor;
	sb.dataoff = dataoff;
	sb.npfns = (SIZE - pad - dataoff) / 4096;
	sb.mode = PS_PFN_MODE_PMEM;
	sb.start_pad = pad;
	sb.align = 2 * MiB;
	if (minor >= 4) {
		sb.page_size = 4096;
		sb.page_struct_size = 64;
	}
	ps_pfn_encode(&sb, img + 4096);
}

/* An ext2 superblock (4 KiB blocks, 32 MiB) at image offset off; csum:
 * make it ext4 with metadata_csum and a wrong checksum (damaged). */
static void put_fs(uint8_t *img, uint64_t off, uint8_t uuid0, int csum)
{
	uint8_t *sb = img + off + 1024;
	ps_put_le32(sb + 0x00, 8192);		/* inodes */
	ps_put_le32(sb + 0x04, 8192);		/* blocks: 32 MiB */
	ps_put_le32(sb + 0x0c, 4096);		/* free blocks */
	ps_put_le32(sb + 0x10, 8000);		/* free inodes */
	ps_put_le32(sb + 0x18, 2);		/* 4 KiB blocks */
	ps_put_le32(sb + 0x1c, 2);
	ps_put_le32(sb + 0x20, 32768);		/* blocks per group */
	ps_put_le32(sb + 0x24, 32768);
	ps_put_le32(sb + 0x28, 8192);		/* inodes per group */
	ps_put_le16(sb + 0x38, 0xEF53);
	ps_put_le16(sb + 0x3a, 1);		/* clean */
	ps_put_le32(sb + 0x4c, 1);		/* dynamic rev */
	ps_put_le32(sb + 0x54, 11);		/* first inode */
	ps_put_le16(sb + 0x58, 256);		/* inode size */
	for (int i = 0; i < 16; i++)
		sb[0x68 + i] = (uint8_t)(uuid0 + i);
	if (csum) {
		ps_put_le32(sb + 0x60, 0x40);	/* INCOMPAT_EXTENTS */
		ps_put_le32(sb + 0x64, 0x400);	/* RO_COMPAT_METADATA_CSUM */
		ps_put_le32(sb + 0x3fc, 0xdeadbeef);	/* not the crc32c */
	}
}

static void analyse(struct img *m, const struct ps_analysis_opts *o)
{
	struct ps_analysis_opts none;
	memset(&none, 0, sizeof(none));
	assert_int_equal(ps_src_open_mem(m->b, SIZE, "facts", &m->src), PS_OK);
	assert_int_equal(ps_analyze(m->src, o ? o : &none, &m->a), PS_OK);
}

static void done(struct img *m)
{
	ps_analysis_free(&m->a);
	ps_src_close(m->src);
	free(m->b);
}

static struct img *new_img(uint32_t pad, uint32_t minor)
{
	struct img *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	m->b = calloc(1, SIZE);
	assert_non_null(m->b);
	put_pfn(m->b, pad, DATAOFF, minor);
	return m;
}

/* Does the candidate carry evidence of this kind? Its record, or NULL. */
static const struct ps_evidence *ev(const struct ps_cand *c, enum ps_ev_kind k)
{
	for (int i = 0; i < c->nevidence; i++)
		if (c->evidence[i].kind == k)
			return &c->evidence[i];
	return NULL;
}

static const struct ps_note *note(const struct ps_ns *ns, enum ps_note_kind k)
{
	for (size_t i = 0; i < ns->nnotes; i++)
		if (ns->notes[i].kind == k)
			return &ns->notes[i];
	return NULL;
}

static void expect_actions(const struct ps_ns *ns, const enum ps_act_kind *k, int n)
{
	assert_int_equal(ns->nactions, n);
	for (int i = 0; i < n; i++) {
		assert_int_equal(ns->actions[i].kind, k[i]);
		assert_int_equal(ns->actions[i].ns, ns->index);
	}
}

/* Proven legacy: the filesystem at base + start_pad + dataoff only. */
static void test_proven_legacy(void **state)
{
	(void)state;
	struct img *m = new_img(PAD, 2);
	put_fs(m->b, LEGACY, 0xa0, 0);
	analyse(m, NULL);
	assert_int_equal(m->a.nns, 1);
	const struct ps_ns *ns = &m->a.ns[0];
	assert_int_equal(ns->found_by, PS_FOUND_INFO_BLOCK);
	assert_int_equal(ns->size_source, PS_SIZE_INFO_BLOCK);
	assert_int_equal(ns->verdict, PS_V_PROVEN);
	assert_int_equal(ns->ncand, 2);
	const struct ps_cand *l = &ns->cand[0], *f = &ns->cand[1];
	assert_int_equal(l->sem, PS_SEM_LEGACY);
	assert_int_equal(ns->chosen, 0);
	assert_int_equal(ns->damaged, -1);
	/* the legacy candidate: a valid filesystem that fits, 2 MiB into the
	 * fixed reading's data area */
	assert_non_null(ev(l, PS_EV_FS_VALID));
	assert_null(ev(l, PS_EV_FS_BAD_CSUM));
	const struct ps_evidence *e = ev(l, PS_EV_FS_FITS);
	assert_non_null(e);
	assert_int_equal(e->a, 32 * MiB);
	assert_int_equal(e->b, SIZE - LEGACY);
	assert_int_equal(ev(l, PS_EV_INTO_DATA)->a, PAD);
	/* the fixed candidate: nothing there, and it lies in the memmap the
	 * legacy reading's kernel rewrites */
	e = ev(f, PS_EV_NO_FS);
	assert_non_null(e);
	assert_int_equal(f->probe.content, PS_CONTENT_ZEROS);
	e = ev(f, PS_EV_IN_MEMMAP);
	assert_non_null(e);
	assert_int_equal(e->a, DATAOFF);
	assert_int_equal(e->b, PAD + 8192);
	assert_int_equal(e->c, PAD + DATAOFF);
	/* kernels: block I/O reads it; DAX computes pfns start_pad too low;
	 * a 1.2 block without a physical address: the 2 MiB rule */
	assert_non_null(note(ns, PS_NOTE_BLOCKIO_READS_LEGACY));
	assert_int_equal(note(ns, PS_NOTE_DAX_PFN_TOO_LOW)->a, PAD);
	assert_null(note(ns, PS_NOTE_DAX_PFN_BEFORE_RANGE));
	assert_non_null(note(ns, PS_NOTE_COMPAT_ALIGN_RULE));
	assert_null(note(ns, PS_NOTE_PLACEMENT));
	/* next: extract, mount the legacy range, carve, plan a repair */
	static const enum ps_act_kind want[] = {
		PS_ACT_EXTRACT, PS_ACT_MOUNT, PS_ACT_CARVE, PS_ACT_REPAIR_PLAN,
	};
	expect_actions(ns, want, 4);
	for (int i = 0; i < 3; i++)
		assert_int_equal(ns->actions[i].sem, PS_SEM_LEGACY);
	assert_int_equal(ns->actions[3].sem, PS_SEM_AUTO);	/* repair decides */
	assert_int_equal(ns->actions[1].off, LEGACY);
	assert_int_equal(ns->actions[1].size, SIZE - LEGACY);
	assert_false(ns->actions[2].carved_only);
	done(m);
	free(m);
}

/* Ambiguous: a valid filesystem under both readings; nothing is chosen
 * and every command names a reading. */
static void test_ambiguous(void **state)
{
	(void)state;
	struct img *m = new_img(PAD, 2);
	put_fs(m->b, LEGACY, 0xa0, 0);
	put_fs(m->b, FIXED, 0xb0, 0);
	analyse(m, NULL);
	const struct ps_ns *ns = &m->a.ns[0];
	assert_int_equal(ns->verdict, PS_V_AMBIGUOUS);
	assert_int_equal(ns->chosen, -1);
	assert_non_null(ev(&ns->cand[0], PS_EV_FS_VALID));
	assert_non_null(ev(&ns->cand[1], PS_EV_FS_VALID));
	assert_null(note(ns, PS_NOTE_BLOCKIO_READS_LEGACY));
	assert_null(note(ns, PS_NOTE_BLOCKIO_MISSES_FIXED));
	static const enum ps_act_kind want[] = {
		PS_ACT_EXTRACT, PS_ACT_MOUNT, PS_ACT_CARVE, PS_ACT_REPAIR_PLAN,
	};
	expect_actions(ns, want, 4);
	assert_int_not_equal(ns->actions[0].sem, PS_SEM_AUTO);
	assert_int_equal(ns->actions[1].off,
			 ns->actions[0].sem == PS_SEM_FIXED ? FIXED : LEGACY);
	done(m);
	free(m);
}

/* Damaged: only a superblock with a wrong checksum; the fsck of the
 * carved image against ext's first backup is suggested. */
static void test_damaged(void **state)
{
	(void)state;
	struct img *m = new_img(PAD, 2);
	put_fs(m->b, LEGACY, 0xa0, 1);
	analyse(m, NULL);
	const struct ps_ns *ns = &m->a.ns[0];
	assert_int_equal(ns->verdict, PS_V_DAMAGED);
	assert_int_equal(ns->chosen, -1);
	assert_int_equal(ns->damaged, 0);
	assert_non_null(ev(&ns->cand[0], PS_EV_FS_BAD_CSUM));
	assert_null(ev(&ns->cand[0], PS_EV_FS_VALID));
	assert_non_null(ev(&ns->cand[1], PS_EV_NO_FS));
	static const enum ps_act_kind want[] = {
		/* no mount (the kernel refuses a bad superblock checksum), no
		 * repair (the planner refuses a damaged filesystem) */
		PS_ACT_EXTRACT, PS_ACT_CARVE, PS_ACT_FSCK,
	};
	expect_actions(ns, want, 3);
	assert_int_equal(ns->actions[0].sem, PS_SEM_LEGACY);
	assert_int_equal(ns->actions[0].exit_code, 1);	/* read as it is */
	assert_int_equal(ns->actions[2].fsck, PS_FSCK_EXT);
	assert_int_equal(ns->actions[2].backup_block, 32768);
	assert_int_equal(ns->actions[2].exit_code, 4);
	done(m);
	free(m);
}

/* No filesystem anywhere: evidence says what the bytes are, no command. */
static void test_nofs(void **state)
{
	(void)state;
	struct img *m = new_img(PAD, 2);
	analyse(m, NULL);
	const struct ps_ns *ns = &m->a.ns[0];
	assert_int_equal(ns->verdict, PS_V_NOFS);
	assert_int_equal(ns->chosen, -1);
	for (int c = 0; c < ns->ncand; c++) {
		assert_non_null(ev(&ns->cand[c], PS_EV_NO_FS));
		assert_null(ev(&ns->cand[c], PS_EV_FS_VALID));
	}
	assert_int_equal(ns->nactions, 0);
	done(m);
	free(m);
}

/* start_pad 0 (a v1.4 block): one data start, proven without naming a
 * reading; nothing to repair. */
static void test_proven_one_start(void **state)
{
	(void)state;
	struct img *m = new_img(0, 4);
	put_fs(m->b, DATAOFF, 0xc0, 0);
	analyse(m, NULL);
	const struct ps_ns *ns = &m->a.ns[0];
	assert_int_equal(ns->verdict, PS_V_PROVEN);
	assert_int_equal(ns->ncand, 1);
	assert_int_equal(ns->cand[0].sem, PS_SEM_AUTO);
	assert_null(ev(&ns->cand[0], PS_EV_INTO_DATA));
	assert_int_equal(ns->nnotes, 0);
	static const enum ps_act_kind want[] = { PS_ACT_EXTRACT, PS_ACT_MOUNT, PS_ACT_CARVE };
	expect_actions(ns, want, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(ns->actions[i].sem, PS_SEM_AUTO);
	done(m);
	free(m);
}

/* Placed in physical memory by a saved map: the placement notes carry the
 * numbers, and the neighbour's name is the analysis' own copy (the map is
 * gone before it is read). */
static void test_placement(void **state)
{
	(void)state;
	struct img *m = new_img(PAD, 2);
	put_fs(m->b, LEGACY, 0xa0, 0);
	/* 2 MiB below a section boundary: start_pad is the distance to it */
	const uint64_t B = 0x5778000000ULL + 126 * MiB;	/* 0x5778000000: a section start */
	char *text;
	assert_true(asprintf(&text, "%llx-%llx : System RAM\n%llx-%llx : namespace1.0\n",
			     0x1000ULL, (unsigned long long)B - 1, (unsigned long long)B,
			     (unsigned long long)(B + SIZE - 1)) > 0);
	struct ps_phys_map map;
	char err[128];
	assert_int_equal(ps_iomem_parse(text, &map, err, sizeof(err)), PS_OK);
	free(text);
	const struct ps_phys_range *hit;
	assert_int_equal(ps_phys_match_size(&map, SIZE, &hit), PS_OK);
	assert_int_equal(hit->start, B);
	struct ps_analysis_opts o;
	memset(&o, 0, sizeof(o));
	o.have_phys_base = true;
	o.phys_base = hit->start;
	o.phys_entry = hit;
	o.phys_map = &map;
	analyse(m, &o);
	ps_phys_map_free(&map);
	assert_true(m->a.have_phys_entry);
	assert_string_equal(m->a.phys_entry.name, "namespace1.0");
	const struct ps_ns *ns = &m->a.ns[0];
	const struct ps_note *n = note(ns, PS_NOTE_PLACEMENT);
	assert_non_null(n);
	assert_int_equal(n->a, B);
	assert_int_equal(n->b, 126 * MiB);
	assert_int_equal(n->c, B + SIZE);
	assert_int_equal(note(ns, PS_NOTE_PAD_IS_COLLISION)->a, PAD);
	n = note(ns, PS_NOTE_FIRST_SECTION_SHARED);
	assert_non_null(n);
	assert_string_equal(n->name, "System RAM");
	assert_int_equal(n->b, B - 1);
	assert_non_null(note(ns, PS_NOTE_ALIGN_ACCEPTED));
	n = note(ns, PS_NOTE_DAX_PFNS);
	assert_int_equal(n->a, (B + DATAOFF) / 4096);
	assert_int_equal(n->b, (B + PAD + DATAOFF) / 4096);
	/* the 2 MiB rule is checked, not just stated */
	assert_null(note(ns, PS_NOTE_COMPAT_ALIGN_RULE));
	done(m);
	free(m);
}

/* Every neighbour in the first section is named, and the next actions
 * are all there however many notes come before them (the report used to
 * keep 12 notes, commands included, and 8 neighbours). */
static void test_many_neighbours(void **state)
{
	(void)state;
	struct img *m = new_img(PAD, 2);
	put_fs(m->b, LEGACY, 0xa0, 0);
	const uint64_t B = 0x5778000000ULL + 126 * MiB, sec = 0x5778000000ULL;
	struct ps_phys_map map = { 0 };
	size_t n = 0;
	char *text = NULL;
	FILE *f = open_memstream(&text, &n);
	assert_non_null(f);
	/* the region around it (no neighbour), then 20 small ranges */
	fprintf(f, "%llx-%llx : region\n", (unsigned long long)sec,
		(unsigned long long)(B + SIZE + MiB));
	for (int i = 0; i < 20; i++)
		fprintf(f, "%llx-%llx : r%d\n", (unsigned long long)(sec + (uint64_t)i * MiB),
			(unsigned long long)(sec + (uint64_t)i * MiB + 4095), i);
	fclose(f);
	char err[128];
	assert_int_equal(ps_iomem_parse(text, &map, err, sizeof(err)), PS_OK);
	free(text);
	struct ps_analysis_opts o;
	memset(&o, 0, sizeof(o));
	o.have_phys_base = true;
	o.phys_base = B;
	o.phys_map = &map;
	analyse(m, &o);
	ps_phys_map_free(&map);
	const struct ps_ns *ns = &m->a.ns[0];
	size_t shared = 0;
	uint64_t seen = 0;
	for (size_t i = 0; i < ns->nnotes; i++)
		if (ns->notes[i].kind == PS_NOTE_FIRST_SECTION_SHARED) {
			shared++;
			seen |= 1ULL << ((ns->notes[i].a - sec) / MiB);
		}
	assert_int_equal(shared, 20);
	assert_int_equal(seen, (1ULL << 20) - 1);
	assert_true(ns->nnotes > 12);
	static const enum ps_act_kind want[] = {
		PS_ACT_EXTRACT, PS_ACT_MOUNT, PS_ACT_CARVE, PS_ACT_REPAIR_PLAN,
	};
	expect_actions(ns, want, 4);
	done(m);
	free(m);
}

/* A saved map places the image only by an entry exactly its size. */
static void test_phys_match(void **state)
{
	(void)state;
	struct ps_phys_map map;
	char err[128];
	const struct ps_phys_range *hit;
	assert_int_equal(ps_iomem_parse("1000-1fff : a\n2000-2fff : b\n3000-4fff : c\n",
					&map, err, sizeof(err)), PS_OK);
	assert_int_equal(ps_phys_match_size(&map, 0x2000, &hit), PS_OK);
	assert_string_equal(hit->name, "c");
	assert_int_equal(ps_phys_match_size(&map, 0x1000, &hit), PS_EAMBIG);
	assert_null(hit);
	assert_int_equal(ps_phys_match_size(&map, 0x3000, &hit), PS_ENOTFOUND);
	assert_null(hit);
	ps_phys_map_free(&map);
}

/* A diagnostic far longer than the 192 bytes messages used to be cut at
 * is kept whole, through a merge and into the JSON. */
static void test_long_diagnostic(void **state)
{
	(void)state;
	char word[1100];
	for (size_t i = 0; i < sizeof(word) - 1; i++)
		word[i] = (char)('a' + i % 26);
	word[sizeof(word) - 1] = 0;
	struct ps_diags d, d2;
	ps_diags_init(&d);
	ps_diags_init(&d2);
	ps_diag_add(&d, PS_SEV_ERR, 0x1234, "field", "start %s end", word);
	assert_int_equal(d.n, 1);
	assert_int_equal(strlen(d.v[0].msg), strlen(word) + 10);
	assert_memory_equal(d.v[0].msg + strlen(d.v[0].msg) - 4, " end", 4);
	ps_diags_merge(&d2, &d);
	assert_string_equal(d2.v[0].msg, d.v[0].msg);
	json_object *j = render_json_diags(&d2);
	const char *msg = json_object_get_string(
		json_object_object_get(json_object_array_get_idx(j, 0), "message"));
	assert_string_equal(msg, d.v[0].msg);
	json_object_put(j);
	ps_diags_free(&d);
	ps_diags_free(&d2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proven_legacy),
		cmocka_unit_test(test_ambiguous),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_nofs),
		cmocka_unit_test(test_proven_one_start),
		cmocka_unit_test(test_placement),
		cmocka_unit_test(test_many_neighbours),
		cmocka_unit_test(test_phys_match),
		cmocka_unit_test(test_long_diagnostic),
	};
	return cmocka_run_group_tests_name("analysis facts", tests, NULL, NULL);
}
