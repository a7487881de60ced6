/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ps_triage's report is what the scan prints: the report the library
 * returns, rendered by the CLI's renderers, equals `pmemscan --json` and
 * `pmemscan` (text) byte for byte, with the same exit code, for the
 * committed fixture (an xz-compressed legacy start_pad namespace: the
 * compressed digest, the analysis, the journal and the suggestions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "err.h"
#include "render.h"
#include "triage.h"

/* everything cmd prints on stdout for `pmemscan ARGS`, and its exit code */
static char *run_cli(const char *args, int *code)
{
	const char *bin = getenv("PMEMSCAN");
	assert_non_null(bin);
	char *cmd;
	assert_true(asprintf(&cmd, "'%s' %s 2>/dev/null", bin, args) > 0);
	FILE *p = popen(cmd, "r");
	free(cmd);
	assert_non_null(p);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(m);
	int st = pclose(p);
	assert_true(WIFEXITED(st));
	*code = WEXITSTATUS(st);
	return buf;
}

static char *render(const struct ps_report *r, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	assert_non_null(m);
	int rc = json ? render_scan_json(m, r, &r->a) : render_scan_text(m, r, &r->a);
	assert_int_equal(rc, PS_OK);
	fclose(m);
	return buf;
}

static void report_is_the_scan(const char *path, const char *hash_arg, enum ps_hash_mode hm)
{
	struct ps_triage_opts o;
	memset(&o, 0, sizeof(o));
	o.open.mode = PS_OPEN_RANDOM;
	o.open.verify = true;
	o.hash = hm;
	o.threads = -1;
	struct ps_report r;
	assert_int_equal(ps_triage(path, &o, &r), PS_TRIAGE_OK);
	r.hash_note = render_hash_note(r.hash_why);
	int vrc;
	assert_int_equal(ps_triage_verify(&r, &vrc), PS_OK);
	/* not an empty comparison: a report with a namespace in it */
	assert_true(r.a.nns > 0);
	char *args;
	for (int json = 0; json < 2; json++) {
		assert_true(asprintf(&args, "%s %s '%s'", json ? "--json" : "", hash_arg, path) > 0);
		int code;
		char *cli = run_cli(args, &code);
		char *lib = render(&r, json);
		assert_true(strlen(lib) > 100);
		assert_string_equal(lib, cli);
		assert_int_equal(render_scan_exit_code(&r, &r.a), code);
		free(cli);
		free(lib);
		free(args);
	}
	ps_report_free(&r);
}

static char *fixture(void)
{
	const char *top = getenv("top_srcdir");
	char *p;
	assert_true(asprintf(&p, "%s/fixtures/legacy-fsdax-ext4.img.xz", top ? top : ".") > 0);
	return p;
}

static void triage_equals_scan(void **state)
{
	(void)state;
	char *p = fixture();
	report_is_the_scan(p, "", PS_HASH_AUTO);
	free(p);
}

static void triage_equals_scan_sparse(void **state)
{
	(void)state;
	char *p = fixture();
	report_is_the_scan(p, "--hash sparse", PS_HASH_SPARSE);
	free(p);
}

/* where it stops, it says where: an empty file, a missing one */
static void triage_fail_kinds(void **state)
{
	(void)state;
	struct ps_triage_opts o;
	memset(&o, 0, sizeof(o));
	o.threads = -1;
	struct ps_report r;
	assert_int_equal(ps_triage("/nonexistent/x.img", &o, &r), PS_TRIAGE_OPEN);
	assert_true(strstr(r.err, "/nonexistent/x.img") != NULL);
	ps_report_free(&r);
	char tmpl[] = "/tmp/test_triage.XXXXXX";
	int fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(ps_triage(tmpl, &o, &r), PS_TRIAGE_EMPTY);
	ps_report_free(&r);
	unlink(tmpl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(triage_equals_scan),
		cmocka_unit_test(triage_equals_scan_sparse),
		cmocka_unit_test(triage_fail_kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
