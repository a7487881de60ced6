/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "err.h"
#include "phys.h"

static void test_iomem(void **state)
{
	(void)state;
	const char *t =
		"00000000-00000fff : Reserved\n"
		"00001000-0009fbff : System RAM\n"
		"187c000000-967bffffff : Persistent Memory\n"
		"  577c000000-767bffffff : namespace1.0\n"
		"\n";
	struct ps_phys_map m;
	char err[128];
	assert_int_equal(ps_iomem_parse(t, &m, err, sizeof(err)), PS_OK);
	assert_int_equal(m.n, 4);
	assert_int_equal(m.r[3].start, 0x577c000000ULL);
	assert_int_equal(m.r[3].end, 0x767bffffffULL);
	assert_string_equal(m.r[3].name, "namespace1.0");
	assert_string_equal(m.r[1].name, "System RAM");
	const struct ps_phys_range *hit[4];
	/* who overlaps the first section of namespace1.0, itself excluded */
	size_t k = ps_phys_overlaps(&m, 0x5778000000ULL, 0x577bffffffULL,
				    0x577c000000ULL, hit, 4);
	assert_int_equal(k, 1);
	assert_string_equal(hit[0]->name, "Persistent Memory");
	ps_phys_map_free(&m);
}

static void test_iomem_bad(void **state)
{
	(void)state;
	struct ps_phys_map m;
	char err[128];
	assert_int_equal(ps_iomem_parse("hello world\n", &m, err, sizeof(err)), PS_EFORMAT);
	assert_non_null(strstr(err, "line 1"));
	assert_int_equal(ps_iomem_parse("1000-0fff : backwards\n", &m, err, sizeof(err)), PS_EFORMAT);
	assert_int_equal(ps_iomem_parse("1000-1fff\n", &m, err, sizeof(err)), PS_EFORMAT);
	assert_int_equal(ps_iomem_parse("", &m, err, sizeof(err)), PS_EFORMAT);
}

static void test_ndctl_json(void **state)
{
	(void)state;
	const char *j =
		"{\"regions\":[{\"dev\":\"region1\",\"size\":270582939648,"
		"\"resource\":\"0x577c000000\",\"namespaces\":[{\"dev\":\"namespace1.0\","
		"\"mode\":\"fsdax\",\"size\":17179869184,\"resource\":375809638400,"
		"\"uuid\":\"0f5a0b2c-0000-0000-0000-000000000001\"}]}]}";
	struct ps_phys_map m;
	char err[200];
	assert_int_equal(ps_ndctl_json_parse(j, &m, err, sizeof(err)), PS_OK);
	assert_int_equal(m.n, 2);
	assert_string_equal(m.r[0].name, "region1");
	assert_int_equal(m.r[0].start, 0x577c000000ULL);
	assert_int_equal(m.r[1].end, 375809638400ULL + 17179869184ULL - 1);
	assert_string_equal(m.r[1].uuid, "0f5a0b2c-0000-0000-0000-000000000001");
	ps_phys_map_free(&m);
	/* no range at all: PS_ENOTFOUND, the CLI says how to save one */
	assert_int_equal(ps_ndctl_json_parse("[{\"dev\":\"namespace0.0\",\"size\":1}]", &m, err, sizeof(err)), PS_ENOTFOUND);
	assert_non_null(strstr(err, "resource"));
	assert_int_equal(ps_ndctl_json_parse("{nope", &m, err, sizeof(err)), PS_EFORMAT);
}

/* Each field of a range in place of the right type: null, a number, an
 * array, an object, a boolean (a string for the numbers): an error naming
 * where it is and the field, never a crash or a range silently dropped. */
static void test_ndctl_json_types(void **state)
{
	(void)state;
	static const char *const wrong[] = { "null", "17", "[]", "[\"a\"]", "{}", "{\"x\":1}", "true", "1.5" };
	static const char *const field[] = { "dev", "uuid", "resource", "size" };
	struct ps_phys_map m;
	char err[300], j[400], want[64];
	for (size_t f = 0; f < 4; f++) {
		for (size_t w = 0; w < sizeof(wrong) / sizeof(wrong[0]); w++) {
			const char *v[4] = { "\"namespace1.0\"", "\"0f5a0b2c-0000-0000-0000-000000000001\"",
					     "\"0x577c000000\"", "17179869184" };
			/* a number is right for resource and size */
			if (f >= 2 && !strcmp(wrong[w], "17"))
				continue;
			v[f] = wrong[w];
			snprintf(j, sizeof(j),
				 "{\"regions\":[{\"dev\":\"region1\",\"namespaces\":[{\"dev\":%s,"
				 "\"uuid\":%s,\"resource\":%s,\"size\":%s}]}]}",
				 v[0], v[1], v[2], v[3]);
			memset(err, 0, sizeof(err));
			int rc = ps_ndctl_json_parse(j, &m, err, sizeof(err));
			if (rc != PS_EFORMAT)
				fail_msg("%s: rc %d, not PS_EFORMAT", j, rc);
			snprintf(want, sizeof(want), "regions[0].namespaces[0]: \"%s\": ", field[f]);
			if (strncmp(err, want, strlen(want)))
				fail_msg("%s: error '%s' does not start with '%s'", j, err, want);
		}
	}
	/* numbers that are not: a human size, a sign, blanks, a negative integer */
	static const char *const notnum[] = { "\"16.00 GiB (17.18 GB)\"", "\"-1\"", "\" 5\"", "\"\"",
					      "\"0x\"", "-4096", "\"99999999999999999999\"" };
	for (size_t i = 0; i < sizeof(notnum) / sizeof(notnum[0]); i++) {
		snprintf(j, sizeof(j), "[{\"dev\":\"namespace0.0\",\"resource\":4096,\"size\":%s}]", notnum[i]);
		assert_int_equal(ps_ndctl_json_parse(j, &m, err, sizeof(err)), PS_EFORMAT);
		assert_non_null(strstr(err, "[0]: \"size\": "));
	}
	/* a range past 2^64, a resource without a size */
	assert_int_equal(ps_ndctl_json_parse("[{\"resource\":\"0xfffffffffffff000\",\"size\":8192}]",
					     &m, err, sizeof(err)), PS_EFORMAT);
	assert_non_null(strstr(err, "passes the end of the address space"));
	assert_int_equal(ps_ndctl_json_parse("{\"namespaces\":[{\"resource\":4096}]}", &m, err, sizeof(err)),
			 PS_EFORMAT);
	assert_string_equal(err, "namespaces[0]: \"resource\" without \"size\"");
	/* the last byte of the address space is a range's last byte */
	assert_int_equal(ps_ndctl_json_parse("[{\"resource\":\"0xfffffffffffff000\",\"size\":4096}]",
					     &m, err, sizeof(err)), PS_OK);
	assert_int_equal(m.r[0].end, UINT64_MAX);
	assert_string_equal(m.r[0].name, "ndctl object");
	ps_phys_map_free(&m);
	/* an idle namespace (size 0) places nothing; the others are kept */
	assert_int_equal(ps_ndctl_json_parse("[{\"dev\":\"namespace0.1\",\"resource\":0,\"size\":0},"
					     "{\"dev\":\"namespace0.0\",\"resource\":4096,\"size\":4096}]",
					     &m, err, sizeof(err)), PS_OK);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.r[0].name, "namespace0.0");
	ps_phys_map_free(&m);
	/* the top level null; nested deeper than any ndctl list */
	assert_int_equal(ps_ndctl_json_parse("null", &m, err, sizeof(err)), PS_EFORMAT);
	assert_int_equal(ps_ndctl_json_parse("[[[[[[[[[[[[[[[[[[[{\"resource\":1,\"size\":1}]]]]]]]]]]]]]]]]]]]",
					     &m, err, sizeof(err)), PS_EFORMAT);
	assert_non_null(strstr(err, "nested deeper"));
}

/* iomem: each field must be what /proc/iomem prints */
static void test_iomem_fields(void **state)
{
	(void)state;
	static const struct {
		const char *line, *field;
	} bad[] = {
		{ "-1000-1fff : x\n", "field START" },
		{ "+1000-1fff : x\n", "field START" },
		{ "0x1000-1fff : x\n", "field START" },
		{ "10000000000000000-1fff : x\n", "field START" },
		{ "1000 -1fff : x\n", "field START" },
		{ "1000--1fff : x\n", "field END" },
		{ "1000-0x1fff : x\n", "field END" },
		{ "1000-fff : x\n", "field END" },
		{ "1000-1fff\n", "field NAME" },
		{ "1000-1fff : \n", "field NAME" },
		{ "1000-1fffx : y\n", "field NAME" },
		{ "1000-1fff : a\033[2Jb\n", "field NAME (holds a control byte)" },
	};
	struct ps_phys_map m;
	char err[200];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(err, 0, sizeof(err));
		if (ps_iomem_parse(bad[i].line, &m, err, sizeof(err)) != PS_EFORMAT)
			fail_msg("'%s' accepted", bad[i].line);
		if (!strstr(err, "line 1: not an iomem line") || !strstr(err, bad[i].field))
			fail_msg("'%s': error '%s' does not name %s", bad[i].line, err, bad[i].field);
	}
	/* CRLF line ends (a copy saved on another system): names without the CR */
	assert_int_equal(ps_iomem_parse("1000-1fff : System RAM\r\n  1000-17ff : Kernel code\r\n",
					&m, err, sizeof(err)), PS_OK);
	assert_int_equal(m.n, 2);
	assert_string_equal(m.r[0].name, "System RAM");
	assert_string_equal(m.r[1].name, "Kernel code");
	ps_phys_map_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iomem),
		cmocka_unit_test(test_iomem_bad),
		cmocka_unit_test(test_ndctl_json),
		cmocka_unit_test(test_ndctl_json_types),
		cmocka_unit_test(test_iomem_fields),
	};
	return cmocka_run_group_tests_name("physical placement inputs", tests, NULL, NULL);
}
