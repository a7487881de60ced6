/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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
	assert_int_equal(ps_ndctl_json_parse("[{\"dev\":\"namespace0.0\",\"size\":1}]", &m, err, sizeof(err)), PS_EFORMAT);
	assert_non_null(strstr(err, "resource"));
	assert_int_equal(ps_ndctl_json_parse("{nope", &m, err, sizeof(err)), PS_EFORMAT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iomem),
		cmocka_unit_test(test_iomem_bad),
		cmocka_unit_test(test_ndctl_json),
	};
	return cmocka_run_group_tests_name("physical placement inputs", tests, NULL, NULL);
}
