/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Name sanitiser and output writers, on a tiny synthetic filesystem. */
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
#include <archive.h>
#include <archive_entry.h>
#include "err.h"
#include "extract.h"
#include "fs.h"

static void expect_name(const char *in, size_t len, int mapped, const char *out)
{
	char buf[PS_NAME_MAX + 1];
	assert_int_equal(ps_name_sanitize(in, len, buf), mapped);
	assert_string_equal(buf, out);
}

static void test_sanitize(void **state)
{
	(void)state;
	expect_name("hello.txt", 9, 0, "hello.txt");
	expect_name("50% off", 7, 0, "50% off");	/* kept names keep their % */
	expect_name(".", 1, 1, "%2E");
	expect_name("..", 2, 1, "%2E%2E");
	expect_name("...", 3, 0, "...");
	expect_name("", 0, 1, "%");
	expect_name("a/b", 3, 1, "a%2Fb");
	expect_name("../../etc", 9, 1, "..%2F..%2Fetc");
	expect_name("a\x01" "b", 3, 1, "a%01b");
	expect_name("x\ny", 3, 1, "x%0Ay");
	expect_name("del\x7f", 4, 1, "del%7F");
	expect_name("50%/x", 5, 1, "50%25%2Fx");	/* mapped: % escaped, reversible */
	expect_name("a\0b", 3, 1, "a%00b");
	expect_name("\xc3\xbc", 2, 0, "\xc3\xbc");	/* UTF-8 kept */
}

static void test_sanitize_long(void **state)
{
	(void)state;
	char in[600], a[PS_NAME_MAX + 1], b[PS_NAME_MAX + 1], c[PS_NAME_MAX + 1];
	memset(in, '/', sizeof(in));
	assert_int_equal(ps_name_sanitize(in, 300, a), 1);
	assert_true(strlen(a) <= PS_NAME_MAX);
	assert_non_null(strstr(a, "%~"));
	assert_int_equal(strlen(strstr(a, "%~")), 18);
	assert_int_equal(ps_name_sanitize(in, 300, b), 1);
	assert_string_equal(a, b);			/* deterministic */
	assert_int_equal(ps_name_sanitize(in, 301, c), 1);
	assert_string_not_equal(a, c);			/* distinct names stay distinct */
	assert_null(strchr(a, '/'));
	/* 255 bytes plain: kept; 256: cut with a hash */
	memset(in, 'n', sizeof(in));
	assert_int_equal(ps_name_sanitize(in, 255, a), 0);
	assert_int_equal(ps_name_sanitize(in, 256, a), 1);
	assert_true(strlen(a) <= PS_NAME_MAX);
}

/* ---- a synthetic filesystem ----
 * 1 /           dir
 * 2 /file       1 MiB + 10 bytes, data at [0, 4096) and [1 MiB, +10), nlink 2
 * 3 /../evil    raw name with '/' and ".."
 * 4 /link       symlink to /etc/passwd
 * 5 /dir        dir with "hard" (ino 2) and "loop" (ino 1: a directory loop)
 * 6 /bad        a file whose read fails
 */
#define FSIZE (1048576 + 10)
static const struct { uint64_t dir; const char *name; uint64_t ino; } ents[] = {
	{ 1, "file", 2 }, { 1, "../evil", 3 }, { 1, "link", 4 }, { 1, "dir", 5 },
	{ 1, "bad", 6 }, { 5, "hard", 2 }, { 5, "loop", 1 },
};

static int fake_stat(struct ps_fs *fs, uint64_t ino, struct ps_fs_stat *st)
{
	(void)fs;
	st->ino = ino;
	st->uid = (uint32_t)getuid();
	st->gid = (uint32_t)getgid();
	st->nlink = 1;
	st->mtime.sec = 1000000000 + (int64_t)ino;
	st->mtime.nsec = 123;
	st->atime = st->mtime;
	switch (ino) {
	case 1: case 5: st->mode = 0040750; break;
	case 2: st->mode = 0100640; st->size = FSIZE; st->nlink = 2; break;
	case 3: st->mode = 0100600; st->size = 5; break;
	case 4:
		st->mode = 0120777;
		st->symlink = strdup("/etc/passwd");
		st->symlink_len = 11;
		st->size = 11;
		break;
	case 6: st->mode = 0100644; st->size = 100; break;
	default: return PS_ENOTFOUND;
	}
	return PS_OK;
}

static int fake_readdir(struct ps_fs *fs, uint64_t dir, ps_fs_dir_cb cb, void *ctx)
{
	(void)fs;
	for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
		if (ents[i].dir == dir) {
			int r = cb(ctx, ents[i].name, strlen(ents[i].name), ents[i].ino);
			if (r)
				return r == PS_FS_STOP ? PS_OK : r;
		}
	return PS_OK;
}

static int fake_read(struct ps_fs *fs, const struct ps_fs_stat *st, ps_fs_data_cb cb,
		     void *ctx)
{
	static uint8_t buf[4096];
	if (st->ino == 6) {
		ps_fs_set_error(fs, "inode 6: synthetic read error");
		return PS_EIO;
	}
	if (st->ino == 3)
		return cb(ctx, 0, "evil\n", 5);
	for (int i = 0; i < 4096; i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	int r = cb(ctx, 0, buf, 4096);
	return r ? r : cb(ctx, 1048576, "0123456789", 10);
}

static const struct ps_fs_ops fake_ops = {
	.stat = fake_stat, .readdir = fake_readdir, .read = fake_read,
};

static struct ps_fs fake_fs = { .ops = &fake_ops, .root = 1 };

static void test_dir_writer(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/ps-test-extract.XXXXXX", out[256], p[512];
	assert_non_null(mkdtemp(tmpl));
	snprintf(out, sizeof(out), "%s/out", tmpl);
	struct ps_writer *w;
	char err[512];
	assert_int_equal(ps_writer_open(out, 0, &w, err, sizeof(err)), PS_OK);
	struct ps_extract_opts o = { 0 };
	struct ps_extract_stats s;
	assert_int_equal(ps_extract(&fake_fs, 1, NULL, w, &o, &s), PS_OK);
	ps_writer_free(w);
	assert_int_equal(s.files, 2);		/* file, ../evil (bad fails) */
	assert_int_equal(s.hardlinks, 1);
	assert_int_equal(s.symlinks, 1);
	assert_int_equal(s.dirs, 1);
	assert_int_equal(s.errors, 2);		/* the loop and the bad file */
	assert_int_equal(s.renamed, 1);
	assert_int_equal(s.bytes, 4096 + 10 + 5);

	struct stat a, b;
	snprintf(p, sizeof(p), "%s/file", out);
	assert_int_equal(stat(p, &a), 0);
	assert_int_equal(a.st_size, FSIZE);
	assert_int_equal(a.st_mode & 07777, 0640);
	assert_int_equal(a.st_mtim.tv_sec, 1000000002);
	assert_int_equal(a.st_mtim.tv_nsec, 123);
	assert_true(a.st_blocks * 512 < 256 * 1024);	/* the hole stayed a hole */
	int fd = open(p, O_RDONLY);
	uint8_t buf[16];
	assert_int_equal(pread(fd, buf, 10, 1048576), 10);
	assert_memory_equal(buf, "0123456789", 10);
	assert_int_equal(pread(fd, buf, 2, 4096), 2);
	assert_int_equal(buf[0] | buf[1], 0);
	close(fd);
	snprintf(p, sizeof(p), "%s/dir/hard", out);
	assert_int_equal(stat(p, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	snprintf(p, sizeof(p), "%s/..%%2Fevil", out);
	assert_int_equal(lstat(p, &a), 0);
	snprintf(p, sizeof(p), "%s/../evil", out);
	assert_int_not_equal(lstat(p, &a), 0);		/* nothing outside OUT */
	snprintf(p, sizeof(p), "%s/link", out);
	char t[64] = "";
	assert_int_equal(readlink(p, t, sizeof(t) - 1), 11);
	assert_string_equal(t, "/etc/passwd");
	snprintf(p, sizeof(p), "%s/bad", out);
	assert_int_not_equal(lstat(p, &a), 0);		/* no half-written file */
	snprintf(p, sizeof(p), "%s/dir", out);
	assert_int_equal(stat(p, &a), 0);
	assert_int_equal(a.st_mode & 07777, 0750);	/* applied after the children */
	assert_int_equal(a.st_mtim.tv_sec, 1000000005);

	/* a non-empty output directory is refused */
	assert_int_equal(ps_writer_open(out, 0, &w, err, sizeof(err)), PS_ENOTEMPTY);
	assert_non_null(strstr(err, "not empty"));
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	assert_int_equal(system(cmd), 0);
}

static void test_tar_writer(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/ps-test-extract.XXXXXX", out[256], partial[300];
	assert_non_null(mkdtemp(tmpl));
	snprintf(out, sizeof(out), "%s/o.tar", tmpl);
	snprintf(partial, sizeof(partial), "%s.partial", out);
	assert_string_equal(ps_archive_kind(out), "tar");
	assert_string_equal(ps_archive_kind("x.tar.zst"), "tar.zst");
	assert_null(ps_archive_kind("dir.d"));
	struct ps_writer *w;
	char err[512];
	assert_int_equal(ps_writer_open(out, 0, &w, err, sizeof(err)), PS_OK);
	struct ps_extract_opts o = { 0 };
	struct ps_extract_stats s;
	assert_int_equal(ps_extract(&fake_fs, 1, NULL, w, &o, &s), PS_OK);
	ps_writer_free(w);
	assert_int_equal(access(partial, F_OK), -1);

	struct archive *a = archive_read_new();
	archive_read_support_format_all(a);
	assert_int_equal(archive_read_open_filename(a, out, 10240), ARCHIVE_OK);
	struct archive_entry *e;
	int seen_file = 0, seen_hard = 0, seen_evil = 0, seen_link = 0, n = 0;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		n++;
		assert_null(strstr(name, "../"));
		if (!strcmp(name, "file")) {
			seen_file = 1;
			assert_int_equal(archive_entry_size(e), FSIZE);
			assert_int_equal(archive_entry_mtime_nsec(e), 123);
		} else if (!strcmp(name, "dir/hard")) {
			seen_hard = 1;
			assert_string_equal(archive_entry_hardlink(e), "file");
		} else if (!strcmp(name, "..%2Fevil")) {
			seen_evil = 1;
		} else if (!strcmp(name, "link")) {
			seen_link = 1;
			assert_string_equal(archive_entry_symlink(e), "/etc/passwd");
		}
	}
	archive_read_free(a);
	assert_true(seen_file && seen_hard && seen_evil && seen_link);
	/* + "dir/" and "bad": a stream cannot take a header back, so the
	 * unreadable file is zero-filled (and reported); not "loop" */
	assert_int_equal(n, 6);
	/* an existing archive is refused without force */
	assert_int_equal(ps_writer_open(out, 0, &w, err, sizeof(err)), PS_EEXIST);
	assert_int_equal(ps_writer_open(out, 1, &w, err, sizeof(err)), PS_OK);
	ps_writer_free(w);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	assert_int_equal(system(cmd), 0);
}

static void test_null_writer(void **state)
{
	(void)state;
	struct ps_writer *w;
	assert_int_equal(ps_writer_null_open(&w), PS_OK);
	struct ps_extract_opts o = { 0 };
	struct ps_extract_stats s;
	assert_int_equal(ps_extract(&fake_fs, 5, "dir", w, &o, &s), PS_OK);
	ps_writer_free(w);
	/* the subtree of /dir: "hard" (ino 2), then "loop" leads back to /,
	 * entered once (its "dir" is not entered again): /file is a hard
	 * link to dir/hard there, and ../evil is read */
	assert_int_equal(s.files, 2);
	assert_int_equal(s.hardlinks, 1);
	assert_int_equal(s.errors, 2);		/* dir again, bad */
	assert_int_equal(s.bytes, 4096 + 10 + 5);
}

/* ---- names: the image's own first, generated ones last (issue 21) ----
 * root 1: "a/b" (2, mapped to a%2Fb), "a%2Fb" (3), "x" (4: two versions),
 * "x.mmap-view" (5), "X.MMAP-VIEW~1" (6); each file holds "<ino>" */
static const struct { const char *name; uint64_t ino; } nents[] = {
	{ "a/b", 2 }, { "a%2Fb", 3 }, { "x", 4 }, { "x.mmap-view", 5 },
	{ "X.MMAP-VIEW~1", 6 },
};

static int nfake_stat(struct ps_fs *fs, uint64_t ino, struct ps_fs_stat *st)
{
	(void)fs;
	st->ino = ino;
	st->nlink = 1;
	st->mode = ino == 1 ? 0040755 : 0100644;
	st->size = ino == 1 ? 0 : 1;
	return ino <= 6 ? PS_OK : PS_ENOTFOUND;
}

static int nfake_readdir(struct ps_fs *fs, uint64_t dir, ps_fs_dir_cb cb, void *ctx)
{
	(void)fs;
	for (size_t i = 0; dir == 1 && i < sizeof(nents) / sizeof(nents[0]); i++) {
		int r = cb(ctx, nents[i].name, strlen(nents[i].name), nents[i].ino);
		if (r)
			return r == PS_FS_STOP ? PS_OK : r;
	}
	return PS_OK;
}

static int nfake_read(struct ps_fs *fs, const struct ps_fs_stat *st, ps_fs_data_cb cb,
		      void *ctx)
{
	(void)fs;
	char c = (char)('0' + st->ino);
	return cb(ctx, 0, &c, 1);
}

static const struct ps_fs_ops nfake_ops = {
	.stat = nfake_stat, .readdir = nfake_readdir, .read = nfake_read,
};

static char placed_path[64];

static unsigned nv_versions(void *ctx, const char *path, const struct ps_fs_stat *st,
			    const char *suffix[2])
{
	(void)ctx;
	(void)path;
	if (st->ino != 4)
		return 1;
	suffix[1] = ".mmap-view";
	return 2;
}

static int nv_read(void *ctx, struct ps_fs *fs, const struct ps_fs_stat *st,
		   unsigned v, ps_fs_data_cb cb, void *cbctx)
{
	(void)ctx;
	if (st->ino != 4)
		return ps_fs_read(fs, st, cb, cbctx);
	char c = v ? 'm' : 'r';
	return cb(cbctx, 0, &c, 1);
}

static void nv_placed(void *ctx, unsigned v, const char *path)
{
	(void)ctx;
	if (v == 1)
		snprintf(placed_path, sizeof(placed_path), "%s", path);
}

static char file_byte(const char *dir, const char *name)
{
	char p[512], c = 0;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	int fd = open(p, O_RDONLY | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c;
}

static void test_name_order(void **state)
{
	(void)state;
	struct ps_fs nfs = { .ops = &nfake_ops, .root = 1 };
	char tmpl[] = "/tmp/ps-test-extract.XXXXXX", out[256];
	assert_non_null(mkdtemp(tmpl));
	snprintf(out, sizeof(out), "%s/out", tmpl);
	struct ps_writer *w;
	char err[512];
	assert_int_equal(ps_writer_open(out, 0, &w, err, sizeof(err)), PS_OK);
	struct ps_extract_source src = { nv_versions, nv_read, nv_placed, NULL };
	struct ps_extract_opts o = { .source = &src };
	struct ps_extract_stats s;
	assert_int_equal(ps_extract(&nfs, 1, NULL, w, &o, &s), PS_OK);
	ps_writer_free(w);
	assert_int_equal(s.errors, 0);
	assert_int_equal(s.existing, 0);
	assert_int_equal(s.files, 6);
	assert_int_equal(s.renamed, 2);		/* a/b, and x's mmap view */
	assert_int_equal(file_byte(out, "a%2Fb"), '3');		/* the image's own name */
	assert_int_equal(file_byte(out, "a%2Fb~1"), '2');	/* the mapped one after it */
	assert_int_equal(file_byte(out, "x"), 'r');
	assert_int_equal(file_byte(out, "x.mmap-view"), '5');
	assert_int_equal(file_byte(out, "X.MMAP-VIEW~1"), '6');
	/* ~1 is taken with case folded: the generated name is ~2 */
	assert_int_equal(file_byte(out, "x.mmap-view~2"), 'm');
	assert_string_equal(placed_path, "x.mmap-view~2");
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_sanitize_long),
		cmocka_unit_test(test_dir_writer),
		cmocka_unit_test(test_tar_writer),
		cmocka_unit_test(test_null_writer),
		cmocka_unit_test(test_name_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
