/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The XFS superblock field table (src/xfs_sb.h) against a real
 * filesystem: mkfs.xfs makes one on a file, `xfs_db -r -c 'sb 0' -c print`
 * prints every member, and each field of the table, read from the image's
 * bytes at its offset and width, must give what xfs_db prints under the
 * same name. Every field of the table must be printed by xfs_db, so a
 * field added to the table is compared too. Skips without mkfs.xfs/xfs_db.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "util.h"
#include "xfs_sb.h"

#define UUID "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
#define LABEL "pmsb"
#define MAXLINES 128

struct dbline {
	char name[64];
	char value[256];
};

static char dir[64];
static uint8_t sb[512];
static struct dbline lines[MAXLINES];
static size_t nlines;

static int setup(void **state)
{
	(void)state;
	if (system("command -v mkfs.xfs >/dev/null 2>&1 && command -v xfs_db >/dev/null 2>&1"))
		return 0;	/* the tests skip */
	snprintf(dir, sizeof(dir), "/tmp/ps-xsb-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "truncate -s 320M %s/x.img && mkfs.xfs -q -f -L " LABEL
		 " -m uuid=" UUID " %s/x.img", dir, dir);
	if (system(cmd))
		return -1;
	snprintf(cmd, sizeof(cmd), "%s/x.img", dir);
	FILE *f = fopen(cmd, "rb");
	if (!f || fread(sb, 1, sizeof(sb), f) != sizeof(sb))
		return -1;
	fclose(f);
	snprintf(cmd, sizeof(cmd), "xfs_db -r -c 'sb 0' -c print %s/x.img", dir);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	char buf[512];
	while (nlines < MAXLINES && fgets(buf, sizeof(buf), p)) {
		char *eq = strstr(buf, " = ");
		if (!eq)
			continue;
		*eq = 0;
		eq[3 + strcspn(eq + 3, "\n")] = 0;
		snprintf(lines[nlines].name, sizeof(lines[0].name), "%.63s", buf);
		snprintf(lines[nlines].value, sizeof(lines[0].value), "%.255s", eq + 3);
		nlines++;
	}
	return pclose(p) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	if (dir[0]) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			return -1;
	}
	return 0;
}

static const char *db_value(const char *name)
{
	for (size_t i = 0; i < nlines; i++)
		if (!strcmp(lines[i].name, name))
			return lines[i].value;
	return NULL;
}

/* xfs_db's way of printing a char array: "abc\000..." */
static void db_string(const uint8_t *b, size_t n, char *out, size_t outlen)
{
	size_t o = 0;
	out[o++] = '"';
	for (size_t i = 0; i < n && o + 6 < outlen; i++)
		o += (size_t)(b[i] >= 0x20 && b[i] < 0x7f && b[i] != '"' && b[i] != '\\' ?
			      snprintf(out + o, outlen - o, "%c", b[i]) :
			      snprintf(out + o, outlen - o, "\\%03o", b[i]));
	snprintf(out + o, outlen - o, "\"");
}

static void test_every_field_as_xfs_db_prints_it(void **state)
{
	(void)state;
	if (!nlines)
		skip();
	const struct ps_layout *l = &ps_xfs_sb_layout;
	assert_true(l->nfields >= 50);
	for (size_t i = 0; i < l->nfields; i++) {
		const struct ps_field *f = &l->fields[i];
		assert_memory_equal(f->name, "sb_", 3);
		const char *v = db_value(f->name + 3);
		if (!v)
			fail_msg("xfs_db prints no %s", f->name + 3);
		if (ps_field_is_int(f)) {
			uint64_t want = !strcmp(v, "null") ? UINT64_MAX >> (64 - 8 * f->len) :
				       strtoull(v, NULL, 0);
			if (ps_field_get(f, sb) != want)
				fail_msg("%s at 0x%x (%u bytes): 0x%llx, xfs_db says %s", f->name,
					 f->off, f->len, (unsigned long long)ps_field_get(f, sb), v);
		} else if (f->len == 16) {	/* a uuid */
			char u[37];
			ps_uuid_str(sb + f->off, u);
			if (strcmp(u, v))
				fail_msg("%s at 0x%x: %s, xfs_db says %s", f->name, f->off, u, v);
		} else {
			char s[128];
			db_string(sb + f->off, f->len, s, sizeof(s));
			if (strcmp(s, v))
				fail_msg("%s at 0x%x: %s, xfs_db says %s", f->name, f->off, s, v);
		}
	}
	/* the values the image was made with, so a misread is not both
	 * sides agreeing on nothing */
	assert_string_equal(db_value("uuid"), UUID);
	assert_int_equal(PS_FIELD_GET(PS_XSB, sb, sb_magicnum), PS_XSB_MAGIC);
	assert_int_equal(PS_XSB_VERSION(sb), 5);
	assert_memory_equal(PS_FIELD_PTR(PS_XSB, sb, sb_fname), LABEL, sizeof(LABEL));
	assert_int_equal(PS_FIELD_GET(PS_XSB, sb, sb_blocksize), 4096);
	/* the table ends where xfs_db's list of v5 members does */
	assert_int_equal(l->fields[l->nfields - 1].off + l->fields[l->nfields - 1].len, l->size);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_field_as_xfs_db_prints_it),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
