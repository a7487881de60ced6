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
#include "err.h"
#include "imgsrc.h"
#include "util.h"
#include "xfs_dinode.h"
#include "xfs_sb.h"
#include <time.h>

#define UUID "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
#define LABEL "pmsb"
#define MAXLINES 128

struct dbline {
	char name[64];
	char value[256];
};

static char dir[64];
static uint8_t sb[512], di[512];
static struct dbline lines[MAXLINES], ilines[MAXLINES];
static size_t nlines, nilines;

/* Runs xfs_db with the commands cmds on the image; its "name = value"
 * lines into out. */
static int xfs_db(const char *cmds, struct dbline *out, size_t *n)
{
	char cmd[512], buf[512];
	snprintf(cmd, sizeof(cmd), "TZ=UTC xfs_db -r %s %s/x.img", cmds, dir);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	while (*n < MAXLINES && fgets(buf, sizeof(buf), p)) {
		char *eq = strstr(buf, " = ");
		if (!eq)
			continue;
		*eq = 0;
		eq[3 + strcspn(eq + 3, "\n")] = 0;
		snprintf(out[*n].name, sizeof(out[0].name), "%.63s", buf);
		snprintf(out[*n].value, sizeof(out[0].value), "%.255s", eq + 3);
		(*n)++;
	}
	return pclose(p) ? -1 : 0;
}

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
	if (xfs_db("-c 'sb 0' -c print", lines, &nlines) ||
	    xfs_db("-c 'inode 128' -c print", ilines, &nilines))
		return -1;
	/* the root inode: sb_rootino's inode, at its place in AG 0 */
	uint64_t root = PS_FIELD_GET(PS_XSB, sb, sb_rootino);
	uint64_t isz = PS_FIELD_GET(PS_XSB, sb, sb_inodesize);
	uint64_t agino = root & ((1ull << (PS_FIELD_GET(PS_XSB, sb, sb_agblklog) +
					   PS_FIELD_GET(PS_XSB, sb, sb_inopblog))) - 1);
	f = fopen(cmd, "rb");
	if (!f || isz > sizeof(di) || root != agino ||
	    fseeko(f, (off_t)(agino * isz), SEEK_SET) || fread(di, 1, isz, f) != isz)
		return -1;
	fclose(f);
	return 0;
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

static const char *db_find(const struct dbline *l, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(l[i].name, name))
			return l[i].value;
	return NULL;
}

static const char *db_value(const char *name)
{
	return db_find(lines, nlines, name);
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

/* xfs_db's name for each inode core field; flags and pad are checked
 * from xfs_db's flag bits and as zero */
static const char *const di_names[][2] = {
	{ "di_magic", "core.magic" }, { "di_mode", "core.mode" },
	{ "di_version", "core.version" }, { "di_format", "core.format" },
	{ "di_onlink", "core.onlink" }, { "di_uid", "core.uid" }, { "di_gid", "core.gid" },
	{ "di_nlink", "core.nlinkv2" }, { "di_projid_lo", "core.projid_lo" },
	{ "di_projid_hi", "core.projid_hi" }, { "di_atime", "core.atime" },
	{ "di_mtime", "core.mtime" }, { "di_ctime", "core.ctime" }, { "di_size", "core.size" },
	{ "di_nblocks", "core.nblocks" }, { "di_extsize", "core.extsize" },
	{ "di_nextents", "core.nextents" }, { "di_anextents", "core.naextents" },
	{ "di_forkoff", "core.forkoff" }, { "di_aformat", "core.aformat" },
	{ "di_dmevmask", "core.dmevmask" }, { "di_dmstate", "core.dmstate" },
	{ "di_gen", "core.gen" }, { "di_next_unlinked", "next_unlinked" },
	{ "di_crc", "v3.crc" }, { "di_changecount", "v3.change_count" }, { "di_lsn", "v3.lsn" },
	{ "di_flags2", "v3.flags2" }, { "di_cowextsize", "v3.cowextsize" },
	{ "di_crtime", "v3.crtime" }, { "di_ino", "v3.inumber" }, { "di_uuid", "v3.uuid" },
};
static const char *const di_flag_bits[] = {	/* di_flags, bit 0 up */
	"realtime", "prealloc", "newrtbm", "immutable", "append", "sync", "noatime",
	"nodump", "rtinherit", "projinherit", "nosymlinks", "extsz", "extszinherit",
	"nodefrag", "filestream",
};

static uint64_t di_db(const char *name)
{
	const char *v = db_find(ilines, nilines, name);
	if (!v)
		fail_msg("xfs_db prints no %s for the root inode", name);
	return !strcmp(v, "null") ? UINT32_MAX : strtoull(v, NULL, 0);
}

static void test_inode_core_as_xfs_db_prints_it(void **state)
{
	(void)state;
	if (!nilines)
		skip();
	static const struct ps_field fields[] = { PS_XDI_FIELDS(PS_FIELD_ENTRY, PS_XDI) };
	assert_int_equal(di_db("v3.bigtime"), 1);	/* the times below are bigtime */
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const struct ps_field *f = &fields[i];
		const char *db = NULL;
		for (size_t k = 0; k < sizeof(di_names) / sizeof(di_names[0]); k++)
			if (!strcmp(di_names[k][0], f->name))
				db = di_names[k][1];
		uint64_t want, got = ps_field_get(f, di);
		if (!strcmp(f->name, "di_flags")) {
			want = 0;
			for (size_t b = 0; b < sizeof(di_flag_bits) / sizeof(di_flag_bits[0]); b++) {
				char n[64];
				snprintf(n, sizeof(n), "core.%s", di_flag_bits[b]);
				want |= di_db(n) << b;
			}
		} else if (!strcmp(f->name, "di_big_nextents") || !strcmp(f->name, "di_pad2")) {
			/* without NREXT64 both are padding: zero */
			assert_int_equal(di_db("v3.nrext64"), 0);
			for (uint32_t b = 0; b < f->len; b++)
				if (di[f->off + b])
					fail_msg("%s at 0x%x is not zero", f->name, f->off);
			continue;
		} else if (!db) {
			fail_msg("%s: no xfs_db name", f->name);
			continue;
		} else if (!strcmp(f->name, "di_uuid")) {
			char u[37];
			ps_uuid_str(di + f->off, u);
			assert_string_equal(u, db_find(ilines, nilines, db));
			continue;
		} else if (f->len == 8 && f->type == PS_FIELD_BYTES) {
			/* a bigtime timestamp: nanoseconds since 1901-12-13 */
			char n[64];
			uint64_t ns = ps_get_be(di + f->off, 8);
			snprintf(n, sizeof(n), "%s.nsec", db);
			assert_int_equal(ns % 1000000000u, di_db(n));
			snprintf(n, sizeof(n), "%s.sec", db);
			struct tm tm;
			memset(&tm, 0, sizeof(tm));
			const char *v = db_find(ilines, nilines, n);
			assert_non_null(v);
			assert_non_null(strptime(v, "%a %b %e %H:%M:%S %Y", &tm));
			if ((int64_t)(ns / 1000000000u) - 2147483648LL != (int64_t)timegm(&tm))
				fail_msg("%s at 0x%x: %llu ns, xfs_db says %s", f->name, f->off,
					 (unsigned long long)ns, v);
			continue;
		} else {
			want = di_db(db);
		}
		if (got != want)
			fail_msg("%s at 0x%x (%u bytes): 0x%llx, xfs_db says 0x%llx", f->name, f->off,
				 f->len, (unsigned long long)got, (unsigned long long)want);
	}
	assert_int_equal(PS_FIELD_GET(PS_XDI, di, di_magic), 0x494e);
	assert_int_equal(PS_FIELD_GET(PS_XDI, di, di_mode) & 0170000, 0040000);
	assert_int_equal(PS_FIELD_GET(PS_XDI, di, di_ino), PS_FIELD_GET(PS_XSB, sb, sb_rootino));
}

/* xfs_db's value of member name (without "sb_") as a number */
static uint64_t db_num(const char *name)
{
	const char *v = db_value(name);
	if (!v)
		fail_msg("xfs_db prints no %s", name);
	return strtoull(v, NULL, 0);
}

static int mem_rd(void *ctx, uint8_t *buf, size_t len, uint64_t off)
{
	if (off > sizeof(sb) || len > sizeof(sb) - off)
		return PS_ERANGE;
	memcpy(buf, (const uint8_t *)ctx + off, len);
	return PS_OK;
}

/* The one read the XFS code makes of the superblock (ps_xsb_read_src)
 * gives, member by member, what xfs_db prints for the same field. */
static void test_decoded_superblock_as_xfs_db_prints_it(void **state)
{
	(void)state;
	if (!nlines)
		skip();
	char path[96], err[256];
	snprintf(path, sizeof(path), "%s/x.img", dir);
	struct ps_src *src;
	assert_int_equal(ps_src_open_file(path, &src, err, sizeof(err)), PS_OK);
	struct ps_xsb x;
	assert_int_equal(ps_xsb_read_src(src, &x), PS_OK);
	ps_src_close(src);
	struct { uint64_t got; const char *name; } m[] = {
		{ x.magicnum, "magicnum" }, { x.blocksize, "blocksize" }, { x.dblocks, "dblocks" },
		{ x.logstart, "logstart" }, { x.agblocks, "agblocks" }, { x.agcount, "agcount" },
		{ x.logblocks, "logblocks" }, { x.versionnum, "versionnum" },
		{ x.sectsize, "sectsize" }, { x.inodesize, "inodesize" },
		{ x.inopblock, "inopblock" }, { x.blocklog, "blocklog" }, { x.inopblog, "inopblog" },
		{ x.agblklog, "agblklog" }, { x.dirblklog, "dirblklog" },
		{ x.logsectlog, "logsectlog" }, { x.inoalignmt, "inoalignmt" },
		{ x.logsunit, "logsunit" }, { x.features_ro_compat, "features_ro_compat" },
		{ x.features_incompat, "features_incompat" },
		{ x.features_log_incompat, "features_log_incompat" },
		{ x.spino_align, "spino_align" },
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (m[i].got != db_num(m[i].name))
			fail_msg("ps_xsb.%s: 0x%llx, xfs_db says %s", m[i].name,
				 (unsigned long long)m[i].got, db_value(m[i].name));
	char u[37];
	ps_uuid_str(x.uuid, u);
	assert_string_equal(u, UUID);
	ps_uuid_str(x.meta_uuid, u);
	assert_string_equal(u, db_value("meta_uuid"));
	assert_int_equal(x.version, 5);
	assert_int_equal(x.blocksize, 4096);
	assert_true(x.logstart && x.agcount && x.features_incompat);
	/* the same through a reader callback */
	struct ps_xsb y;
	assert_int_equal(ps_xsb_read(mem_rd, sb, &y), PS_OK);
	assert_memory_equal(&x, &y, sizeof(x));
	/* a version 4 superblock: the v5 members read as 0 */
	uint8_t v4[sizeof(sb)];
	memcpy(v4, sb, sizeof(v4));
	PS_FIELD_PUT(PS_XSB, v4, sb_versionnum, (x.versionnum & ~0xfu) | 4);
	ps_xsb_decode(v4, &y);
	assert_int_equal(y.version, 4);
	assert_int_equal(y.features_incompat, 0);
	assert_int_equal(y.features_ro_compat, 0);
	assert_int_equal(y.blocksize, 4096);
	/* a source shorter than a sector: PS_ETRUNC, nothing decoded */
	assert_int_equal(ps_src_open_mem(sb, PS_XSB_READ - 1, "short", &src), PS_OK);
	assert_int_equal(ps_xsb_read_src(src, &y), PS_ETRUNC);
	assert_int_equal(y.magicnum, 0);
	ps_src_close(src);
}

/* A version 2 inode (mkfs.xfs -m crc=0): di_flushiter, which is not in the
 * table (its bytes are di_big_nextents's in version 3), where xfs_db
 * writes and prints it. */
static void test_v2_flushiter_where_xfs_db_writes_it(void **state)
{
	(void)state;
	if (!nlines)
		skip();
	char cmd[512], img[96];
	snprintf(img, sizeof(img), "%s/v4.img", dir);
	snprintf(cmd, sizeof(cmd), "truncate -s 320M %s && mkfs.xfs -q -f -m crc=0 %s 2>/dev/null &&"
		 " xfs_db -x -c 'inode 128' -c 'write core.flushiter 0x1234' %s >/dev/null 2>&1",
		 img, img, img);
	if (system(cmd))
		skip();	/* an xfsprogs without version 4 */
	snprintf(cmd, sizeof(cmd), "xfs_db -r -c 'inode 128' -c 'p core.version core.flushiter' %s",
		 img);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char buf[256];
	unsigned long version = 0, flushiter = 0;
	while (fgets(buf, sizeof(buf), p)) {
		sscanf(buf, "core.version = %lu", &version);
		sscanf(buf, "core.flushiter = %lu", &flushiter);
	}
	assert_int_equal(pclose(p), 0);
	assert_int_equal(version, 2);
	assert_int_equal(flushiter, 0x1234);
	/* the root inode's bytes: inode 128 at 128 * 256 in AG 0 */
	uint8_t v2[PS_XDI_V2_SIZE];
	FILE *f = fopen(img, "rb");
	assert_non_null(f);
	assert_int_equal(fseeko(f, 128 * 256, SEEK_SET), 0);
	assert_int_equal(fread(v2, 1, sizeof(v2), f), sizeof(v2));
	fclose(f);
	assert_int_equal(PS_FIELD_GET(PS_XDI, v2, di_magic), 0x494e);
	assert_int_equal(PS_FIELD_GET(PS_XDI, v2, di_version), 2);
	assert_int_equal(ps_get_be(v2 + PS_XDI_OFF_di_flushiter, 2), 0x1234);
	snprintf(cmd, sizeof(cmd), "rm -f %s", img);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_field_as_xfs_db_prints_it),
		cmocka_unit_test(test_decoded_superblock_as_xfs_db_prints_it),
		cmocka_unit_test(test_inode_core_as_xfs_db_prints_it),
		cmocka_unit_test(test_v2_flushiter_where_xfs_db_writes_it),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
