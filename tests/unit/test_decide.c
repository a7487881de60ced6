/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The single decision functions: which candidate a --semantics choice
 * reads (ps_ns_pick) and when the split check applies (ps_split_applies,
 * ps_split_span), on namespaces built by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "err.h"
#include "imgsrc.h"
#include "ns.h"
#include "split_ns.h"

static void cand(struct ps_ns *n, enum ps_sem sem, const char *name, uint64_t off,
		 const char *fstype)
{
	struct ps_cand *c = &n->cand[n->ncand++];
	c->sem = sem;
	c->name = name;
	c->off = off;
	c->size = 64 << 20;
	if (fstype) {
		c->probed = true;
		c->probe.found = true;
		strcpy(c->probe.type, fstype);
	}
}

/* a legacy start_pad namespace: a legacy and a fixed reading */
static void legacy_ns(struct ps_ns *n, const char *legacy_fs, const char *fixed_fs)
{
	memset(n, 0, sizeof(*n));
	n->mode = PS_NS_FSDAX;
	n->nested_in = -1;
	n->start_pad = 4 << 20;
	n->dataoff = 6 << 20;
	n->chosen = -1;
	n->damaged = -1;
	cand(n, PS_SEM_LEGACY, "legacy", 10 << 20, legacy_fs);
	cand(n, PS_SEM_FIXED, "fixed", 6 << 20, fixed_fs);
}

static void pick_auto_takes_chosen(void **state)
{
	(void)state;
	struct ps_ns n;
	legacy_ns(&n, "ext4", NULL);
	n.verdict = PS_V_PROVEN;
	n.chosen = 0;
	int c;
	assert_int_equal(ps_ns_pick(&n, PS_SEM_AUTO, &c), PS_OK);
	assert_int_equal(c, 0);
	/* nothing chosen, not ambiguous, no damage: nothing to read */
	n.chosen = -1;
	n.verdict = PS_V_NOFS;
	assert_int_equal(ps_ns_pick(&n, PS_SEM_AUTO, &c), PS_ENOTFOUND);
	assert_int_equal(c, -1);
}

static void pick_auto_ambiguous(void **state)
{
	(void)state;
	struct ps_ns n;
	legacy_ns(&n, "ext4", "ext4");
	n.verdict = PS_V_AMBIGUOUS;
	n.chosen = 1;
	n.weigh.decisive = PS_DECISIVE_NO;
	int c;
	/* the recommended reading is not decisive: no pick */
	assert_int_equal(ps_ns_pick(&n, PS_SEM_AUTO, &c), PS_EAMBIG);
	assert_int_equal(c, -1);
	/* decisive: the recommended one */
	n.weigh.decisive = PS_DECISIVE_START_PAD;
	assert_int_equal(ps_ns_pick(&n, PS_SEM_AUTO, &c), PS_OK);
	assert_int_equal(c, 1);
	/* --semantics picks either reading whatever the weighing says */
	n.weigh.decisive = PS_DECISIVE_NO;
	assert_int_equal(ps_ns_pick(&n, PS_SEM_LEGACY, &c), PS_OK);
	assert_int_equal(c, 0);
	assert_int_equal(ps_ns_pick(&n, PS_SEM_FIXED, &c), PS_OK);
	assert_int_equal(c, 1);
}

static void pick_auto_damaged_one_start(void **state)
{
	(void)state;
	struct ps_ns n;
	memset(&n, 0, sizeof(n));
	n.mode = PS_NS_FSDAX;
	n.nested_in = -1;
	n.chosen = -1;
	cand(&n, PS_SEM_AUTO, "data", 2 << 20, NULL);
	n.verdict = PS_V_DAMAGED;
	n.damaged = 0;
	int c;
	/* one data start: its damaged filesystem is what is read */
	assert_int_equal(ps_ns_pick(&n, PS_SEM_AUTO, &c), PS_OK);
	assert_int_equal(c, 0);
	/* a damaged filesystem under one of two readings is not picked */
	legacy_ns(&n, NULL, NULL);
	n.verdict = PS_V_DAMAGED;
	n.damaged = 0;
	assert_int_equal(ps_ns_pick(&n, PS_SEM_AUTO, &c), PS_ENOTFOUND);
}

/* The rule the third copy (cmd_extract.c's view) broke: a namespace with
 * one data start has it under either reading, so --semantics legacy or
 * fixed picks its AUTO candidate, as ps_ns_data_view reads it. */
static void pick_semantics_takes_auto_candidate(void **state)
{
	(void)state;
	struct ps_ns n;
	memset(&n, 0, sizeof(n));
	n.mode = PS_NS_FSDAX;
	n.nested_in = -1;
	n.chosen = 0;
	n.damaged = -1;
	cand(&n, PS_SEM_AUTO, "data", 2 << 20, "ext4");
	int c;
	assert_int_equal(ps_ns_pick(&n, PS_SEM_LEGACY, &c), PS_OK);
	assert_int_equal(c, 0);
	assert_int_equal(ps_ns_pick(&n, PS_SEM_FIXED, &c), PS_OK);
	assert_int_equal(c, 0);
	/* a sector namespace's BTT candidate has no legacy reading */
	memset(&n, 0, sizeof(n));
	n.mode = PS_NS_SECTOR;
	cand(&n, PS_SEM_FIXED, "btt", 4096, "ext4");
	assert_int_equal(ps_ns_pick(&n, PS_SEM_LEGACY, &c), PS_ENOTFOUND);
	assert_int_equal(c, -1);
}

static void split_applies_rules(void **state)
{
	(void)state;
	struct ps_ns n;
	legacy_ns(&n, "ext4", NULL);
	assert_int_equal(ps_split_applies(&n), 0);
	legacy_ns(&n, "xfs", NULL);
	assert_int_equal(ps_split_applies(&n), 0);
	legacy_ns(&n, "ext2", "ext4");
	assert_int_equal(ps_split_applies(&n), 0);
	/* a bad superblock checksum still has its files at L and F */
	legacy_ns(&n, "ext4", NULL);
	n.cand[0].probe.found = false;
	n.cand[0].probe.bad_csum = true;
	assert_int_equal(ps_split_applies(&n), 0);
	/* no filesystem pmemscan walks at the legacy start */
	legacy_ns(&n, "btrfs", "ext4");
	assert_int_equal(ps_split_applies(&n), -1);
	legacy_ns(&n, NULL, "ext4");
	assert_int_equal(ps_split_applies(&n), -1);
	/* start_pad 0: one data start, no second view */
	legacy_ns(&n, "ext4", NULL);
	n.start_pad = 0;
	assert_int_equal(ps_split_applies(&n), -1);
	/* devdax: no DAX filesystem mount */
	legacy_ns(&n, "ext4", NULL);
	n.mode = PS_NS_DEVDAX;
	assert_int_equal(ps_split_applies(&n), -1);
	/* nested in another namespace's data */
	legacy_ns(&n, "ext4", NULL);
	n.nested_in = 0;
	assert_int_equal(ps_split_applies(&n), -1);
}

static void split_span_clamps_to_image(void **state)
{
	(void)state;
	struct ps_src img;
	memset(&img, 0, sizeof(img));
	struct ps_cand c = { .off = 10 << 20, .size = 64 << 20 };
	img.size = 100 << 20;
	assert_true(ps_split_span(&img, &c) == 64 << 20);
	img.size = 30 << 20;	/* a truncated image: what it holds */
	assert_true(ps_split_span(&img, &c) == 20 << 20);
	img.size = 10 << 20;	/* nothing held past off: not cut */
	assert_true(ps_split_span(&img, &c) == 64 << 20);
	img.size = PS_SIZE_UNKNOWN;
	assert_true(ps_split_span(&img, &c) == 64 << 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pick_auto_takes_chosen),
		cmocka_unit_test(pick_auto_ambiguous),
		cmocka_unit_test(pick_auto_damaged_one_start),
		cmocka_unit_test(pick_semantics_takes_auto_candidate),
		cmocka_unit_test(split_applies_rules),
		cmocka_unit_test(split_span_clamps_to_image),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
