/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The owned one-line message (src/line.h): whole however long, the old
 * line quotable in the new one, freed to NULL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "line.h"

static void test_set_free(void **state)
{
	(void)state;
	char *l = NULL;
	ps_line_set(&l, "%s: offset 0x%x", "a.img", 0x1000);
	assert_string_equal(l, "a.img: offset 0x1000");
	ps_line_set(&l, "second");
	assert_string_equal(l, "second");
	ps_line_free(&l);
	assert_null(l);
	ps_line_free(&l);	/* NULL again: nothing */
	assert_null(l);
}

/* a path longer than any fixed buffer the project had (4096) is whole */
static void test_long_line_whole(void **state)
{
	(void)state;
	size_t n = 3 * 4096;
	char *path = malloc(n + 1);
	assert_non_null(path);
	for (size_t i = 0; i < n; i++)
		path[i] = i % 64 == 63 ? '/' : 'd';
	path[n] = 0;
	char *l = NULL;
	ps_line_set(&l, "%s: cannot open (field x)", path);
	assert_int_equal(strlen(l), n + strlen(": cannot open (field x)"));
	assert_memory_equal(l, path, n);
	ps_line_free(&l);
	free(path);
}

/* the new line may quote the old one (a view repeating its parent's) */
static void test_quotes_old(void **state)
{
	(void)state;
	char *l = NULL;
	ps_line_set(&l, "inner %d", 1);
	ps_line_set(&l, "outer (%s)", l);
	assert_string_equal(l, "outer (inner 1)");
	ps_line_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_free),
		cmocka_unit_test(test_long_line_whole),
		cmocka_unit_test(test_quotes_old),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
