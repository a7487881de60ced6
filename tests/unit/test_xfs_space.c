/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * XFS's space maps (src/xfs_space.c) on filesystems made by mkfs.xfs (a
 * protofile of a few thousand files, so the inode btrees grow past one
 * level): v5 with finobt and refcountbt, v5 with rmapbt and 4 KiB sectors,
 * v4 with 1 KiB blocks, and (as root, through a loop mount) v5 with sparse
 * inode chunks and a many-level bnobt (tests/support/mkxfs-sparse.sh). The
 * expected kind of every block is xfs_db's own (blockget, blockuse), never
 * the reader's. Then damaged copies: a bnobt block failing its CRC, a
 * free extent over the AG headers (v4, no CRC), a bad superblock, an
 * image cut short. Skipped without mkfs.xfs/xfs_db.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "err.h"
#include "fs.h"
#include "imgsrc.h"
#include "xfs_space.h"

static char dir[64];
static int have_tools;

static void sh(const char *fmt, const char *a, const char *b)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), fmt, a, b);
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	(void)state;
	have_tools = !system("command -v mkfs.xfs >/dev/null 2>&1 && command -v xfs_db >/dev/null 2>&1");
	if (!have_tools)
		return 0;
	snprintf(dir, sizeof(dir), "/tmp/ps-xspace-XXXXXX");
	assert_non_null(mkdtemp(dir));
	/* the protofile: 9000 files of 0, 5000 and 70000 bytes in 9 dirs
	 * (over 2 AGs, an inobt of two levels with 1 KiB blocks) */
	sh("cd %s && head -c 5000 /dev/urandom >a && head -c 70000 /dev/urandom >b && : >z%s", dir, "");
	char p[128];
	snprintf(p, sizeof(p), "%s/proto", dir);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fprintf(f, "/dev/null\n0 0\nd--755 0 0\n");
	for (int d = 0; d < 9; d++) {
		fprintf(f, "d%d d--755 0 0\n", d);
		for (int i = 0; i < 1000; i++)
			fprintf(f, "f%d ---644 0 0 %s/%c\n", i, dir, "zzazab"[i % 6]);
		fprintf(f, "$\n");
	}
	fprintf(f, "$\n");
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (have_tools && dir[0])
		sh("rm -rf %s%s", dir, "");
	return 0;
}

/* xfs_db's words for a block, as our kinds */
static int db_kind(const char *t)
{
	static const struct { const char *t; int k; } m[] = {
		{ "sb", PS_XS_HEADER }, { "agf", PS_XS_HEADER }, { "agi", PS_XS_HEADER },
		{ "agfl", PS_XS_HEADER }, { "btbno", PS_XS_BTREE }, { "btcnt", PS_XS_BTREE },
		{ "btino", PS_XS_BTREE }, { "btfino", PS_XS_BTREE }, { "btrmap", PS_XS_BTREE },
		{ "btrefcnt", PS_XS_BTREE }, { "freelist", PS_XS_FREELIST },
		{ "inode", PS_XS_INODES }, { "log", PS_XS_LOG }, { "free1", PS_XS_FREE },
		{ "free2", PS_XS_FREE }, { "data", PS_XS_USED }, { "dir", PS_XS_USED },
		{ "attr", PS_XS_USED }, { "btbmapa", PS_XS_USED }, { "btbmapd", PS_XS_USED },
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (!strcmp(t, m[i].t))
			return m[i].k;
	return -1;	/* "multiple", "unknown": xfs_db itself is unsure */
}

static uint64_t db_num(const char *img, const char *cmds)
{
	char cmd[512], line[256];
	snprintf(cmd, sizeof(cmd), "xfs_db -r %s %s", cmds, img);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	uint64_t v = UINT64_MAX;
	if (fgets(line, sizeof(line), p)) {
		char *eq = strchr(line, '=');
		if (eq)
			v = strtoull(eq + 1, NULL, 0);
	}
	pclose(p);
	assert_true(v != UINT64_MAX);
	return v;
}

/* Every block of img: its kind per xfs_db against the reader's. Returns
 * the space read (the caller frees it). */
static void compare(const char *img, struct ps_xfs_space *s, uint64_t *per_kind)
{
	uint64_t agcount = db_num(img, "-c 'sb 0' -c 'p agcount'");
	uint64_t agblocks = db_num(img, "-c 'sb 0' -c 'p agblocks'");
	uint64_t agblklog = db_num(img, "-c 'sb 0' -c 'p agblklog'");
	uint64_t dblocks = db_num(img, "-c 'sb 0' -c 'p dblocks'");
	struct ps_src *src;
	char err[256];
	assert_int_equal(ps_src_open_file(img, &src, err, sizeof(err)), PS_OK);
	assert_int_equal(ps_xfs_space_read(src, s), PS_OK);
	if (s->diags.n)
		print_message("diag: %s\n", s->diags.v[0].msg);
	assert_int_equal(s->ags_ok, agcount);
	assert_int_equal(s->diags.n, 0);
	uint64_t checked = 0, bad = 0;
	for (uint64_t ag = 0; ag < agcount; ag++) {
		uint64_t n = ag + 1 < agcount ? agblocks : dblocks - ag * agblocks;
		char cmd[512], line[256];
		snprintf(cmd, sizeof(cmd), "xfs_db -r -c 'blockget -n' -c 'fsblock %llu' -c 'blockuse -c %llu' %s 2>/dev/null",
			 (unsigned long long)(ag << agblklog), (unsigned long long)n, img);
		FILE *p = popen(cmd, "r");
		assert_non_null(p);
		while (fgets(line, sizeof(line), p)) {
			unsigned long long fsb, a, b;
			char t[32];
			if (sscanf(line, "block %llu (%llu/%llu) type %31s", &fsb, &a, &b, t) != 4)
				continue;
			int want = db_kind(t);
			assert_true(want >= 0);
			uint64_t off = (a * agblocks + b) * s->blocksize;
			int got = ps_xfs_space_kind(s, off);
			per_kind[want]++;
			checked++;
			if (got != want && bad++ < 5)
				print_message("block %llu/%llu: xfs_db %s, read %s\n", a, b, t,
					      ps_xfs_space_kind_name(got));
		}
		pclose(p);
	}
	assert_int_equal(checked, dblocks);
	assert_int_equal(bad, 0);
	ps_src_close(src);
}

static void mkimg(const char *name, const char *opts)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "cd %s && rm -f %s && truncate -s 320M %s && mkfs.xfs -q -f %s -p proto %s >/dev/null 2>&1",
		 dir, name, name, opts, name);
	assert_int_equal(system(cmd), 0);
}

static void one(const char *name, const char *opts, unsigned want_btree_kinds)
{
	if (!have_tools)
		skip();
	mkimg(name, opts);
	char img[128];
	snprintf(img, sizeof(img), "%s/%s", dir, name);
	struct ps_xfs_space s;
	uint64_t k[PS_XS_NKINDS] = { 0 };
	compare(img, &s, k);
	/* what the image must have had, or the comparison proved little */
	assert_true(k[PS_XS_FREE] && k[PS_XS_INODES] && k[PS_XS_HEADER] && k[PS_XS_LOG] &&
		    k[PS_XS_USED] && k[PS_XS_FREELIST]);
	assert_true(k[PS_XS_BTREE] >= want_btree_kinds);
	ps_xfs_space_free(&s);
}

static void test_v5_default(void **state)
{
	(void)state;
	/* bnobt, cntbt, inobt, finobt, refcountbt in each of 4 AGs */
	one("v5.img", "", 5 * 4);
}

static void test_v5_rmap_4k_sectors(void **state)
{
	(void)state;
	one("rmap.img", "-m rmapbt=1 -s size=4096 -d agcount=3", 6 * 3);
}

static void test_v4_1k(void **state)
{
	(void)state;
	one("v4.img", "-m crc=0 -b size=1024 -d agcount=2", 3 * 2);
	/* an inobt of two levels somewhere */
	char img[128], c[64];
	snprintf(img, sizeof(img), "%s/v4.img", dir);
	uint64_t lv = 0;
	for (int ag = 0; ag < 2; ag++) {
		snprintf(c, sizeof(c), "-c 'agi %d' -c 'p level'", ag);
		uint64_t l = db_num(img, c);
		lv = l > lv ? l : lv;
	}
	assert_true(lv >= 2);
}

static void test_v5_sparse(void **state)
{
	(void)state;
	if (!have_tools || geteuid() != 0 ||
	    system("command -v python3 >/dev/null 2>&1 && command -v xfs_io >/dev/null 2>&1"))
		skip();
	char img[128], mnt[128], cmd[512];
	snprintf(img, sizeof(img), "%s/sparse.img", dir);
	snprintf(mnt, sizeof(mnt), "%s/mnt", dir);
	const char *top = getenv("top_srcdir");
	snprintf(cmd, sizeof(cmd), "sh %s/tests/support/mkxfs-sparse.sh %s %s >/dev/null 2>&1",
		 top ? top : ".", img, mnt);
	if (system(cmd))
		skip();		/* no loop mount here */
	/* the image has sparse chunks (a holemask) and a bnobt of 2 levels */
	snprintf(cmd, sizeof(cmd), "xfs_db -r -c 'agi 0' -c 'addr root' -c 'p recs' %s | grep -q ',0xff'", img);
	assert_int_equal(system(cmd), 0);
	assert_true(db_num(img, "-c 'agf 0' -c 'p bnolevel'") >= 2);
	struct ps_xfs_space s;
	uint64_t k[PS_XS_NKINDS] = { 0 };
	compare(img, &s, k);
	ps_xfs_space_free(&s);
}

/* a copy of the v5 image with AG 1's bnobt root (v5) or a bnobt record
 * (v4) changed */
static void test_damaged(void **state)
{
	(void)state;
	if (!have_tools)
		skip();
	mkimg("d5.img", "-d agcount=4");
	char img[128];
	snprintf(img, sizeof(img), "%s/d5.img", dir);
	uint64_t bs = db_num(img, "-c 'sb 0' -c 'p blocksize'");
	uint64_t agblocks = db_num(img, "-c 'sb 0' -c 'p agblocks'");
	uint64_t root = db_num(img, "-c 'agf 1' -c 'p bnoroot'");
	int fd = open(img, O_RDWR);
	assert_true(fd >= 0);
	uint64_t off = (agblocks + root) * bs + 100;
	uint8_t c;
	assert_int_equal(pread(fd, &c, 1, (off_t)off), 1);
	c ^= 0x40;
	assert_int_equal(pwrite(fd, &c, 1, (off_t)off), 1);
	close(fd);
	struct ps_src *src;
	char err[256];
	assert_int_equal(ps_src_open_file(img, &src, err, sizeof(err)), PS_OK);
	struct ps_xfs_space s;
	assert_int_equal(ps_xfs_space_read(src, &s), PS_OK);
	for (size_t i = 0; i < s.diags.n; i++)
		print_message("diag: %s\n", s.diags.v[i].msg);
	assert_int_equal(s.ags_ok, 3);
	assert_int_equal(s.ag_ok[1], 0);
	assert_true(s.crc_bad >= 1);
	assert_true(ps_diags_has(&s.diags, "bb_crc", PS_SEV_WARN));
	assert_int_equal(s.diags.v[0].off, (agblocks + root) * bs + 52);
	assert_int_equal(ps_xfs_space_kind(&s, (agblocks + 10) * bs), PS_XS_UNKNOWN);
	assert_int_equal(ps_xfs_space_kind(&s, 0), PS_XS_HEADER);
	/* through the filesystem: AG 1 unknown, AG 0's header allocated */
	struct ps_fs *fs;
	assert_int_equal(ps_fs_open(src, PS_FS_XFS, &fs, err, sizeof(err)), PS_OK);
	assert_int_equal(ps_fs_block_allocated(fs, 0), 1);
	assert_int_equal(ps_fs_block_allocated(fs, (agblocks + 10) * bs), PS_EUNSUPP);
	assert_int_equal(ps_fs_block_allocated(fs, 4 * agblocks * bs), PS_ERANGE);
	ps_fs_close(fs);
	ps_xfs_space_free(&s);
	ps_src_close(src);

	/* v4: AG 0's first free extent moved onto block 0 (no CRC to fail):
	 * the extent overlaps the headers */
	mkimg("d4.img", "-m crc=0");
	snprintf(img, sizeof(img), "%s/d4.img", dir);
	bs = db_num(img, "-c 'sb 0' -c 'p blocksize'");
	root = db_num(img, "-c 'agf 0' -c 'p bnoroot'");
	assert_int_equal(db_num(img, "-c 'agf 0' -c 'p bnolevel'"), 1);
	fd = open(img, O_RDWR);
	assert_true(fd >= 0);
	uint8_t z[4] = { 0, 0, 0, 0 };
	assert_int_equal(pwrite(fd, z, 4, (off_t)(root * bs + 16)), 4);
	close(fd);
	assert_int_equal(ps_src_open_file(img, &src, err, sizeof(err)), PS_OK);
	assert_int_equal(ps_xfs_space_read(src, &s), PS_OK);
	assert_int_equal(s.ag_ok[0], 0);
	assert_int_equal(s.ags_ok, s.agcount - 1);
	assert_true(s.diags.n >= 1);
	ps_xfs_space_free(&s);
	ps_src_close(src);
}

static void test_bad_sb_and_short(void **state)
{
	(void)state;
	uint8_t img[8192] = { 0 };
	struct ps_src *src;
	struct ps_xfs_space s;
	assert_int_equal(ps_src_open_mem(img, sizeof(img), "mem", &src), PS_OK);
	assert_int_equal(ps_xfs_space_read(src, &s), PS_ENOTFOUND);
	ps_xfs_space_free(&s);
	ps_src_close(src);
	/* XFSB with agcount 0 */
	memcpy(img, "XFSB", 4);
	img[6] = 0x10;			/* blocksize 4096 */
	img[15] = 64;			/* dblocks 64 */
	img[87] = 64;			/* agblocks 64 */
	img[102] = 2;			/* sectsize 512 */
	img[104] = 2;			/* inodesize 512 */
	img[123] = 3;			/* inopblog */
	img[124] = 6;			/* agblklog */
	assert_int_equal(ps_src_open_mem(img, sizeof(img), "mem", &src), PS_OK);
	assert_int_equal(ps_xfs_space_read(src, &s), PS_EFORMAT);
	assert_true(ps_diags_has(&s.diags, "sb_agcount", PS_SEV_ERR));
	assert_int_equal(ps_xfs_space_kind(&s, 0), PS_XS_UNKNOWN);
	ps_xfs_space_free(&s);
	ps_src_close(src);
	/* a real filesystem cut after its first AG and a half */
	if (!have_tools)
		return;
	mkimg("cut.img", "-d agcount=4");
	char p[128];
	snprintf(p, sizeof(p), "%s/cut.img", dir);
	uint64_t bs = db_num(p, "-c 'sb 0' -c 'p blocksize'");
	uint64_t agblocks = db_num(p, "-c 'sb 0' -c 'p agblocks'");
	assert_int_equal(truncate(p, (off_t)(agblocks * bs * 3 / 2)), 0);
	char err[256];
	assert_int_equal(ps_src_open_file(p, &src, err, sizeof(err)), PS_OK);
	assert_int_equal(ps_xfs_space_read(src, &s), PS_OK);
	assert_int_equal(s.ag_ok[0], 1);
	assert_int_equal(s.ags_read, 2);
	assert_int_equal(ps_xfs_space_kind(&s, 3 * agblocks * bs), PS_XS_UNKNOWN);
	assert_true(ps_diags_has(&s.diags, "sb_agcount", PS_SEV_WARN));
	ps_xfs_space_free(&s);
	ps_src_close(src);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_v5_default),
		cmocka_unit_test(test_v5_rmap_4k_sectors),
		cmocka_unit_test(test_v4_1k),
		cmocka_unit_test(test_v5_sparse),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_bad_sb_and_short),
	};
	return cmocka_run_group_tests(t, setup, teardown);
}
