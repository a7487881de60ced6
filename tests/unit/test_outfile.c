/* SPDX-License-Identifier: GPL-2.0-or-later */
/* src/outfile.c: no output is an input; outputs through an exclusive
 * temporary that is renamed into place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "err.h"
#include "imgsrc.h"
#include "outfile.h"

static char dir[] = "/tmp/ps-outfile-XXXXXX";
static char p_in[256], p_hard[256], p_sym[256], p_out[256], p_tmp[256], p_victim[256];

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int slurp_is(const char *path, const char *text)
{
	char b[256] = "";
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(b, 1, sizeof(b) - 1, f);
	fclose(f);
	b[n] = 0;
	return !strcmp(b, text);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(p_in, sizeof(p_in), "%s/in.img", dir);
	snprintf(p_hard, sizeof(p_hard), "%s/hard.img", dir);
	snprintf(p_sym, sizeof(p_sym), "%s/sym.img", dir);
	snprintf(p_out, sizeof(p_out), "%s/out.img", dir);
	snprintf(p_tmp, sizeof(p_tmp), "%s/out.img.partial", dir);
	snprintf(p_victim, sizeof(p_victim), "%s/victim", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	const char *all[] = { p_in, p_hard, p_sym, p_out, p_tmp, p_victim };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		unlink(all[i]);
	rmdir(dir);
	ps_input_forget_all();
	return 0;
}

/* An image opened through a source is an input under every name. */
static void test_input_names(void **state)
{
	(void)state;
	char err[512];
	put(p_in, "evidence");
	assert_int_equal(link(p_in, p_hard), 0);
	assert_int_equal(symlink(p_in, p_sym), 0);
	/* not yet read: anything goes */
	assert_int_equal(ps_output_check(p_in, err, sizeof(err)), PS_OK);
	struct ps_src *s;
	assert_int_equal(ps_src_open_file(p_in, &s, err, sizeof(err)), PS_OK);
	ps_src_close(s);	/* still an input once closed */
	assert_int_equal(ps_output_check(p_in, err, sizeof(err)), PS_EISINPUT);
	assert_non_null(strstr(err, "is the input"));
	assert_int_equal(ps_output_check(p_hard, err, sizeof(err)), PS_EISINPUT);
	assert_non_null(strstr(err, "another name for the same file"));
	assert_int_equal(ps_output_check(p_sym, err, sizeof(err)), PS_EISINPUT);
	assert_non_null(strstr(err, "through a symlink"));
	assert_int_equal(ps_output_check(p_out, err, sizeof(err)), PS_OK);	/* absent */

	/* the helper refuses the input as output and as the temporary */
	struct ps_outfile o;
	assert_int_equal(ps_outfile_open(&o, p_hard, PS_OUT_REPLACE | PS_OUT_CLEAR_STALE, 0644,
					 err, sizeof(err)), PS_EISINPUT);
	assert_int_equal(rename(p_hard, p_tmp), 0);	/* the input named OUT.partial */
	assert_int_equal(ps_outfile_open(&o, p_out, PS_OUT_REPLACE | PS_OUT_CLEAR_STALE, 0644,
					 err, sizeof(err)), PS_EISINPUT);
	assert_non_null(strstr(err, "its temporary"));
	assert_true(slurp_is(p_tmp, "evidence"));	/* not removed by CLEAR_STALE */
	assert_true(slurp_is(p_in, "evidence"));
	unlink(p_tmp);
	unlink(p_sym);
	ps_input_forget_all();
	assert_int_equal(ps_output_check(p_in, err, sizeof(err)), PS_OK);
}

/* A symlink planted at OUT.partial is never followed. */
static void test_planted_symlink(void **state)
{
	(void)state;
	char err[512];
	put(p_victim, "victim");
	assert_int_equal(symlink(p_victim, p_tmp), 0);
	struct ps_outfile o;
	assert_int_equal(ps_outfile_open(&o, p_out, PS_OUT_REPLACE, 0644, err, sizeof(err)),
			 PS_EEXIST);
	assert_true(slurp_is(p_victim, "victim"));
	/* a stale name may be cleared (the link itself, not its target) */
	assert_int_equal(ps_outfile_open(&o, p_out, PS_OUT_REPLACE | PS_OUT_CLEAR_STALE, 0644,
					 err, sizeof(err)), PS_OK);
	assert_int_equal(write(o.fd, "new", 3), 3);
	assert_int_equal(ps_outfile_commit(&o, err, sizeof(err)), PS_OK);
	assert_true(slurp_is(p_out, "new"));
	assert_true(slurp_is(p_victim, "victim"));
	struct stat st;
	assert_int_equal(lstat(p_tmp, &st), -1);
	unlink(p_out);
	unlink(p_victim);
}

/* Commit without REPLACE keeps an existing OUT; discard removes only the
 * temporary this process made. */
static void test_commit_discard(void **state)
{
	(void)state;
	char err[512];
	struct ps_outfile o;
	put(p_out, "old");
	assert_int_equal(ps_outfile_open(&o, p_out, 0, 0644, err, sizeof(err)), PS_OK);
	assert_int_equal(write(o.fd, "new", 3), 3);
	assert_int_equal(ps_outfile_commit(&o, err, sizeof(err)), PS_EEXIST);
	assert_true(slurp_is(p_out, "old"));
	struct stat st;
	assert_int_equal(lstat(p_tmp, &st), -1);	/* removed */

	assert_int_equal(ps_outfile_open(&o, p_out, 0, 0644, err, sizeof(err)), PS_OK);
	/* someone replaces the temporary meanwhile: not ours, kept */
	assert_int_equal(unlink(p_tmp), 0);
	put(p_tmp, "theirs");
	assert_int_equal(ps_outfile_discard(&o), -1);
	assert_true(slurp_is(p_tmp, "theirs"));
	unlink(p_tmp);

	assert_int_equal(ps_outfile_open(&o, p_out, 0, 0644, err, sizeof(err)), PS_OK);
	assert_int_equal(ps_outfile_discard(&o), 0);
	assert_int_equal(lstat(p_tmp, &st), -1);
	assert_true(slurp_is(p_out, "old"));
	unlink(p_out);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_input_names),
		cmocka_unit_test(test_planted_symlink),
		cmocka_unit_test(test_commit_discard),
	};
	return cmocka_run_group_tests(t, setup, teardown);
}
