/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The field tables (src/field.h) of every on-media structure: each field
 * lies inside its structure, fields are sorted and do not overlap, the
 * fixed structures are covered without gaps, names are unique and fit a
 * diagnostic, the run-time accessors touch exactly the field's bytes, and
 * the ndctl keys are the ones `ndctl read-infoblock -j` / `read-labels -j`
 * print. Each format's own test (test_pfn, test_btt, test_label) checks
 * that its parser and encoder round-trip every field of its table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "btt.h"
#include "diag.h"
#include "field.h"
#include "label.h"
#include "pfn.h"

static const struct ps_layout *const layouts[] = {
	&ps_pfn_layout, &ps_btt_layout, &ps_btt_log_layout,
	&ps_nsindex_layout, &ps_nslabel_layout,
};
#define NLAYOUTS (sizeof(layouts) / sizeof(layouts[0]))

static void test_inside_sorted_disjoint(void **state)
{
	(void)state;
	for (size_t k = 0; k < NLAYOUTS; k++) {
		const struct ps_layout *l = layouts[k];
		assert_true(l->nfields > 0);
		for (size_t i = 0; i < l->nfields; i++) {
			const struct ps_field *f = &l->fields[i];
			if ((uint64_t)f->off + f->len > l->size)
				fail_msg("%s.%s: 0x%x + %u runs past %u bytes", l->name,
					 f->name, f->off, f->len, l->size);
			/* only a flexible array at the very end has length 0 */
			if (!f->len && (i + 1 != l->nfields || f->off != l->size))
				fail_msg("%s.%s: empty field", l->name, f->name);
			if (f->type == PS_FIELD_INT && f->len != 1 && f->len != 2 &&
			    f->len != 4 && f->len != 8)
				fail_msg("%s.%s: %u-byte integer", l->name, f->name, f->len);
			if (i && l->fields[i - 1].off + l->fields[i - 1].len > f->off)
				fail_msg("%s.%s overlaps or precedes %s", l->name,
					 f->name, l->fields[i - 1].name);
		}
	}
}

/* The fields of a version cover [0, end) with no gap. */
static void assert_tiles(const struct ps_layout *l, unsigned version, uint32_t end)
{
	uint32_t at = 0;
	for (size_t i = 0; i < l->nfields; i++) {
		const struct ps_field *f = &l->fields[i];
		if (!ps_field_in(f, version) || f->off >= end)
			continue;
		if (f->off != at)
			fail_msg("%s v%u: gap before %s at 0x%x (covered to 0x%x)",
				 l->name, version, f->name, f->off, at);
		at = f->off + f->len;
	}
	if (at != end)
		fail_msg("%s v%u: covered to 0x%x, not 0x%x", l->name, version, at, end);
}

static void test_no_gaps(void **state)
{
	(void)state;
	assert_tiles(&ps_pfn_layout, 4, PS_PFN_SIZE);
	assert_tiles(&ps_btt_layout, 0, PS_BTT_SIZE);
	assert_tiles(&ps_btt_log_layout, 0, PS_BTT_LOG_SIZE);
	assert_tiles(&ps_nsindex_layout, 2, PS_NSINDEX_SIZE);
	assert_tiles(&ps_nslabel_layout, 2, PS_NSLABEL_SIZE);
	/* v1.1 labels: every field up to slot; the last 4 bytes are unused */
	assert_tiles(&ps_nslabel_layout, 1, PS_NSLABEL_OFF_slot + PS_NSLABEL_LEN_slot);
	for (size_t i = 0; i < ps_nslabel_layout.nfields; i++) {
		const struct ps_field *f = &ps_nslabel_layout.fields[i];
		if (ps_field_in(f, 1))
			assert_true(f->off + f->len <= PS_NSLABEL_V11_SIZE);
	}
	/* pfn: padding starts where the newest version's last field ends */
	const struct ps_field *pad = ps_field_find(&ps_pfn_layout, "padding");
	const struct ps_field *pss = ps_field_find(&ps_pfn_layout, "page_struct_size");
	assert_non_null(pad);
	assert_non_null(pss);
	assert_int_equal(pad->off, pss->off + pss->len);
}

static void test_names(void **state)
{
	(void)state;
	struct ps_diag dg;
	for (size_t k = 0; k < NLAYOUTS; k++) {
		const struct ps_layout *l = layouts[k];
		for (size_t i = 0; i < l->nfields; i++) {
			const struct ps_field *f = &l->fields[i];
			assert_true(f->name[0]);
			/* a diagnostic carries the name whole */
			assert_true(strlen(f->name) < sizeof(dg.field));
			assert_ptr_equal(ps_field_find(l, f->name), f);
			for (size_t j = 0; j < i; j++)
				if (!strcmp(l->fields[j].name, f->name))
					fail_msg("%s: %s twice", l->name, f->name);
		}
		assert_null(ps_field_find(l, "no_such_field"));
	}
	assert_string_equal(ps_pfn_layout.name, "nd_pfn_sb");
	assert_string_equal(ps_btt_layout.name, "btt_sb");
	assert_string_equal(ps_nsindex_layout.name, "nd_namespace_index");
}

/* ps_field_put/get write and read exactly the field's bytes, LE. */
static void test_get_put(void **state)
{
	(void)state;
	uint8_t buf[4096], ref[4096];
	for (size_t k = 0; k < NLAYOUTS; k++) {
		const struct ps_layout *l = layouts[k];
		for (size_t i = 0; i < l->nfields; i++) {
			const struct ps_field *f = &l->fields[i];
			memset(buf, 0xa5, sizeof(buf));
			memcpy(ref, buf, sizeof(buf));
			ps_field_put(f, buf, 0x0807060504030201ull);
			if (f->type != PS_FIELD_INT) {
				assert_memory_equal(buf, ref, sizeof(buf));
				assert_int_equal(ps_field_get(f, buf), 0);
				continue;
			}
			for (uint32_t b = 0; b < sizeof(buf); b++) {
				bool in = b >= f->off && b < f->off + f->len;
				if (in && buf[b] != (uint8_t)(b - f->off + 1))
					fail_msg("%s.%s: byte %u", l->name, f->name, b);
				if (!in && buf[b] != ref[b])
					fail_msg("%s.%s: wrote outside, byte %u", l->name, f->name, b);
			}
			uint64_t want = f->len == 8 ? 0x0807060504030201ull :
				0x0807060504030201ull & ((1ull << (8 * f->len)) - 1);
			assert_int_equal(ps_field_get(f, buf), want);
		}
	}
}

/* Keys of ndctl read-infoblock -j and read-labels -j, as ndctl prints
 * them (ndctl/namespace.c, ndctl/dimm.c); "version" stands for
 * version_major and version_minor. NULL-terminated. */
static const char *const ndctl_pfn[] = { "signature", "uuid", "parent_uuid",
	"flags", "version", "dataoff", "npfns", "mode", "start_pad", "end_trunc",
	"align", "page_size", "page_struct_size", NULL };
static const char *const ndctl_btt[] = { "signature", "uuid", "parent_uuid",
	"flags", "version", "external_lbasize", "external_nlba",
	"internal_lbasize", "internal_nlba", "nfree", "infosize", "nextoff",
	"dataoff", "mapoff", "logoff", "info2off", NULL };
static const char *const ndctl_index[] = { "signature", "major", "minor",
	"labelsize", "seq", "nslot", NULL };
static const char *const ndctl_label[] = { "uuid", "name", "slot", "position",
	"nlabel", "flags", "isetcookie", "lbasize", "dpa", "rawsize", "type_guid",
	"abstraction_guid", NULL };

/* The table's ndctl keys, first occurrences in table order, are exactly
 * the list (in_order: and in the list's order, which is ndctl's). */
static void assert_ndctl(const struct ps_layout *l, const char *const *want,
			 bool in_order)
{
	const char *got[64];
	size_t n = 0, nw = 0;
	for (size_t i = 0; i < l->nfields; i++) {
		const char *k = l->fields[i].ndctl;
		bool dup = false;
		for (size_t j = 0; k && j < n; j++)
			dup |= !strcmp(got[j], k);
		if (k && !dup)
			got[n++] = k;
	}
	while (want[nw])
		nw++;
	if (n != nw)
		fail_msg("%s: %zu ndctl keys, ndctl prints %zu", l->name, n, nw);
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (size_t j = 0; j < nw; j++)
			found |= !strcmp(got[i], want[j]);
		if (!found)
			fail_msg("%s: ndctl prints no \"%s\"", l->name, got[i]);
		if (in_order && strcmp(got[i], want[i]))
			fail_msg("%s: key %zu is \"%s\", ndctl's is \"%s\"", l->name, i,
				 got[i], want[i]);
	}
}

static void test_ndctl_keys(void **state)
{
	(void)state;
	/* the info blocks: ndctl prints the members in struct order */
	assert_ndctl(&ps_pfn_layout, ndctl_pfn, true);
	assert_ndctl(&ps_btt_layout, ndctl_btt, true);
	/* read-labels picks its own order */
	assert_ndctl(&ps_nsindex_layout, ndctl_index, false);
	assert_ndctl(&ps_nslabel_layout, ndctl_label, false);
	/* where the key is not the kernel's name, and why */
	assert_string_equal(ps_field_find(&ps_nsindex_layout, "sig")->ndctl, "signature");
	assert_string_equal(ps_field_find(&ps_pfn_layout, "version_minor")->ndctl, "version");
	for (size_t k = 0; k < NLAYOUTS; k++)
		for (size_t i = 0; i < layouts[k]->nfields; i++) {
			const struct ps_field *f = &layouts[k]->fields[i];
			if (f->ndctl && strcmp(f->ndctl, f->name) &&
			    strcmp(f->ndctl, "version") && strcmp(f->name, "sig"))
				fail_msg("%s.%s: ndctl key %s", layouts[k]->name, f->name, f->ndctl);
		}
}

/* The compile-time constants are the run-time table's numbers. */
static void test_constants(void **state)
{
	(void)state;
#define SAME(L, P, f) do { \
		const struct ps_field *x = ps_field_find(&L, #f); \
		assert_non_null(x); \
		assert_int_equal(x->off, P##_OFF_##f); \
		assert_int_equal(x->len, P##_LEN_##f); \
		assert_int_equal(x->since, P##_SINCE_##f); \
	} while (0)
	SAME(ps_pfn_layout, PS_PFN, align);
	SAME(ps_pfn_layout, PS_PFN, page_struct_size);
	SAME(ps_btt_layout, PS_BTT, info2off);
	SAME(ps_btt_log_layout, PS_BTT_LOG, seq);
	SAME(ps_nsindex_layout, PS_NSINDEX, labelsize);
	SAME(ps_nslabel_layout, PS_NSLABEL, abstraction_guid);
#undef SAME
	/* versions: what pfn.h and label.h say came when */
	assert_int_equal(PS_PFN_SINCE_start_pad, 1);
	assert_int_equal(PS_PFN_SINCE_align, 2);
	assert_int_equal(PS_PFN_SINCE_page_size, 4);
	assert_int_equal(PS_NSLABEL_SINCE_checksum, 2);
	assert_false(ps_field_in(ps_field_find(&ps_pfn_layout, "align"), 1));
	assert_true(ps_field_in(ps_field_find(&ps_pfn_layout, "align"), 2));
	assert_true(ps_field_in(ps_field_find(&ps_pfn_layout, "mode"), 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inside_sorted_disjoint),
		cmocka_unit_test(test_no_gaps),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_get_put),
		cmocka_unit_test(test_ndctl_keys),
		cmocka_unit_test(test_constants),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
