/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Compressed dumps (stream and cache sources) and the content digests.
 * Fixtures are compressed here, in memory, with the format libraries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bzlib.h>
#include <dirent.h>
#include <fcntl.h>
#include <lz4frame.h>
#include <lzma.h>
#include <nettle/sha2.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include "digest.h"
#include "err.h"
#include "imgsrc.h"
#include "imgsrc_open.h"

#define MiB (1024ULL * 1024)

static char tmpdir[256];

/* A test image: 40 MiB + 1234 bytes (not a 4 KiB multiple): pseudo-random
 * bytes in [0, 3 MiB), zeros in [3 MiB, 19 MiB + 100), data again after,
 * and a zero 8 KiB block inside the data at 25 MiB. */
#define IMG_SIZE (40 * MiB + 1234)
#define ZERO_START (3 * MiB)
#define ZERO_END (19 * MiB + 100)
static uint8_t *img;

static void make_img(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	img = malloc(IMG_SIZE);
	assert_non_null(img);
	for (size_t i = 0; i < IMG_SIZE; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* compressible but not trivially: few distinct bytes */
		img[i] = (uint8_t)(x & 0x0f) | 1;
	}
	memset(img + ZERO_START, 0, ZERO_END - ZERO_START);
	memset(img + 25 * MiB, 0, 8192);
}

static void write_file(const char *path, const void *b, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b, n), (ssize_t)n);
	close(fd);
}

static size_t compress_buf(enum ps_compression c, const uint8_t *in, size_t n,
			   uint8_t **out)
{
	size_t cap = n + n / 2 + 65536, len = 0;
	*out = malloc(cap);
	assert_non_null(*out);
	switch (c) {
	case PS_COMP_GZIP: {
		z_stream z;
		memset(&z, 0, sizeof(z));
		assert_int_equal(deflateInit2(&z, 1, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
		z.next_in = (uint8_t *)in;
		z.avail_in = (uInt)n;
		z.next_out = *out;
		z.avail_out = (uInt)cap;
		assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
		len = z.total_out;
		deflateEnd(&z);
		break;
	}
	case PS_COMP_XZ:
		assert_int_equal(lzma_easy_buffer_encode(0, LZMA_CHECK_CRC64, NULL, in, n,
							 *out, &len, cap), LZMA_OK);
		break;
	case PS_COMP_ZSTD: {
		ZSTD_CCtx *cc = ZSTD_createCCtx();
		ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
		len = ZSTD_compress2(cc, *out, cap, in, n);
		assert_false(ZSTD_isError(len));
		ZSTD_freeCCtx(cc);
		break;
	}
	case PS_COMP_BZIP2: {
		unsigned ol = (unsigned)cap;
		assert_int_equal(BZ2_bzBuffToBuffCompress((char *)*out, &ol, (char *)in,
							  (unsigned)n, 1, 0, 0), BZ_OK);
		len = ol;
		break;
	}
	case PS_COMP_LZ4: {
		/* as the lz4 tool writes it: linked blocks, content checksum */
		LZ4F_preferences_t pr;
		memset(&pr, 0, sizeof(pr));
		pr.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
		free(*out);
		cap = LZ4F_compressFrameBound(n, &pr);
		*out = malloc(cap);
		assert_non_null(*out);
		len = LZ4F_compressFrame(*out, cap, in, n, &pr);
		assert_false(LZ4F_isError(len));
		break;
	}
	default:
		fail();
	}
	return len;
}

static const enum ps_compression comps[] = {
	PS_COMP_GZIP, PS_COMP_XZ, PS_COMP_ZSTD, PS_COMP_BZIP2, PS_COMP_LZ4,
};
#define NCOMPS (sizeof(comps) / sizeof(comps[0]))
static char cpath[NCOMPS][300];
static uint8_t *cdata[NCOMPS];
static size_t clen[NCOMPS];

static int setup(void **state)
{
	(void)state;
	const char *t = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/pmemscan-test_input.XXXXXX", t ? t : "/tmp");
	if (!mkdtemp(tmpdir))
		return -1;
	make_img();
	for (size_t i = 0; i < NCOMPS; i++) {
		clen[i] = compress_buf(comps[i], img, IMG_SIZE, &cdata[i]);
		snprintf(cpath[i], sizeof(cpath[i]), "%s/img.%s", tmpdir,
			 ps_compression_name(comps[i]));
		write_file(cpath[i], cdata[i], clen[i]);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		return -1;
	free(img);
	for (size_t i = 0; i < NCOMPS; i++)
		free(cdata[i]);
	return 0;
}

struct msgs {
	int n;
	char last[1024];
	int inflating, reusing, stale, restart;
	enum ps_notice_kind last_kind;
};

/* the notice's text, or for a kind the file it names (the cache, else
 * the input), its kind counted */
static void on_msg(void *arg, const struct ps_notice *n)
{
	struct msgs *ms = arg;
	ms->n++;
	ms->last_kind = n->kind;
	snprintf(ms->last, sizeof(ms->last), "%s",
		 n->kind == PS_NOTICE_LINE ? n->text : n->cache ? n->cache : n->path);
	if (n->kind == PS_NOTICE_CACHE_FILL)
		ms->inflating++;
	if (n->kind == PS_NOTICE_CACHE_REUSE)
		ms->reusing++;
	if (n->kind == PS_NOTICE_CACHE_STALE)
		ms->stale++;
	if (n->kind == PS_NOTICE_LINE && strstr(n->text, "restarting"))
		ms->restart++;
}

static void test_detect(void **state)
{
	(void)state;
	assert_int_equal(ps_detect_compression((const uint8_t *)"\x1f\x8b\x08\0", 4), PS_COMP_GZIP);
	assert_int_equal(ps_detect_compression((const uint8_t *)"\xfd" "7zXZ\0", 6), PS_COMP_XZ);
	assert_int_equal(ps_detect_compression((const uint8_t *)"\x28\xb5\x2f\xfd", 4), PS_COMP_ZSTD);
	assert_int_equal(ps_detect_compression((const uint8_t *)"\x50\x2a\x4d\x18", 4), PS_COMP_ZSTD);
	assert_int_equal(ps_detect_compression((const uint8_t *)"BZh9", 4), PS_COMP_BZIP2);
	assert_int_equal(ps_detect_compression((const uint8_t *)"\x04\x22\x4d\x18", 4), PS_COMP_LZ4);
	assert_int_equal(ps_detect_compression((const uint8_t *)"\x04\x22\x4d", 3), PS_COMP_NONE);
	assert_int_equal(ps_detect_compression((const uint8_t *)"BZh0", 4), PS_COMP_NONE);
	assert_int_equal(ps_detect_compression((const uint8_t *)"\x1f\x8b", 2), PS_COMP_NONE);
	assert_int_equal(ps_detect_compression((const uint8_t *)"\xfd" "7zX", 4), PS_COMP_NONE);
	assert_int_equal(ps_detect_compression((const uint8_t *)"", 0), PS_COMP_NONE);
}

/* Forward reads in odd sizes give back exactly the image; the size is
 * unknown until the end, then exact; read_upto is short only at the end. */
static void test_stream_reads_equal_plain(void **state)
{
	(void)state;
	static const size_t steps[] = { 1, 4095, 65537, 3 * MiB + 5, 7 * MiB };
	uint8_t *buf = malloc(8 * MiB);
	assert_non_null(buf);
	for (size_t i = 0; i < NCOMPS; i++) {
		struct ps_src *s;
		char err[512];
		assert_int_equal(ps_src_open_auto(cpath[i], NULL, &s, err, sizeof(err)), PS_OK);
		/* xz: from its index, without decoding; the others: at the end */
		if (comps[i] == PS_COMP_XZ)
			assert_int_equal(s->size, IMG_SIZE);
		else
			assert_false(ps_src_size_known(s));
		uint64_t off = 0;
		size_t k = 0;
		for (;;) {
			size_t want = steps[k++ % 5], got;
			assert_int_equal(ps_src_read_upto(s, buf, want, off, &got), PS_OK);
			assert_true(off + got <= IMG_SIZE);
			assert_memory_equal(buf, img + off, got);
			off += got;
			if (got < want)
				break;
		}
		assert_int_equal(off, IMG_SIZE);
		assert_true(ps_src_size_known(s));
		assert_int_equal(s->size, IMG_SIZE);
		/* a read past the end is refused, a read at the end is empty */
		size_t got = 1;
		assert_int_equal(ps_src_pread(s, buf, 2, IMG_SIZE - 1), PS_ERANGE);
		assert_int_equal(ps_src_read_upto(s, buf, 10, IMG_SIZE, &got), PS_OK);
		assert_int_equal(got, 0);
		struct ps_stream_stats st;
		assert_int_equal(ps_src_stream_stats(s, &st), PS_OK);
		assert_int_equal(st.comp, comps[i]);
		assert_int_equal(st.compressed_size, clen[i]);
		assert_int_equal(st.compressed_pos, clen[i]);
		assert_int_equal(st.restarts, 0);
		ps_src_close(s);
	}
	free(buf);
}

/* Backward reads within the look-behind are served without restarting;
 * further back restarts (counted, announced once) and is still right. */
static void test_stream_lookbehind_and_restart(void **state)
{
	(void)state;
	struct msgs ms = { 0 };
	struct ps_open_opts o = { .mode = PS_OPEN_STREAM, .msg = on_msg, .msg_arg = &ms,
				  .lookbehind = 4 * MiB };
	uint8_t buf[8192];
	struct ps_src *s;
	struct ps_stream_stats st;
	char err[512];
	assert_int_equal(ps_src_open_auto(cpath[2], &o, &s, err, sizeof(err)), PS_OK);
	assert_int_equal(ps_src_pread(s, buf, sizeof(buf), 30 * MiB), PS_OK);
	assert_memory_equal(buf, img + 30 * MiB, sizeof(buf));
	assert_int_equal(ps_src_pread(s, buf, sizeof(buf), 28 * MiB), PS_OK);	/* 2 MiB back */
	assert_memory_equal(buf, img + 28 * MiB, sizeof(buf));
	assert_int_equal(ps_src_stream_stats(s, &st), PS_OK);
	assert_int_equal(st.restarts, 0);
	assert_int_equal(ms.restart, 0);
	assert_int_equal(ps_src_pread(s, buf, sizeof(buf), 100), PS_OK);	/* far back */
	assert_memory_equal(buf, img + 100, sizeof(buf));
	assert_int_equal(ps_src_pread(s, buf, sizeof(buf), 35 * MiB), PS_OK);
	assert_int_equal(ps_src_pread(s, buf, sizeof(buf), 200), PS_OK);
	assert_memory_equal(buf, img + 200, sizeof(buf));
	assert_int_equal(ps_src_stream_stats(s, &st), PS_OK);
	assert_int_equal(st.restarts, 2);
	assert_int_equal(ms.restart, 1);	/* announced once */
	assert_non_null(strstr(ms.last, cpath[2]));
	ps_src_close(s);
}

/* The zero run the decoder produced is reported as a hole. */
static void test_stream_sparse_map(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCOMPS; i++) {
		struct ps_src *s;
		char err[512];
		uint64_t d, h;
		assert_int_equal(ps_src_open_auto(cpath[i], NULL, &s, err, sizeof(err)), PS_OK);
		assert_int_equal(ps_src_next_data(s, 0, &d), PS_OK);
		assert_int_equal(d, 0);
		assert_int_equal(ps_src_next_hole(s, 0, &h), PS_OK);
		assert_int_equal(h, ZERO_START);
		assert_int_equal(ps_src_next_data(s, h, &d), PS_OK);
		/* ZERO_END is 100 bytes into a block: that block holds data */
		assert_int_equal(d, ZERO_END & ~4095ULL);
		uint8_t b[4096];
		assert_int_equal(ps_src_pread(s, b, sizeof(b), d), PS_OK);
		assert_memory_equal(b, img + d, sizeof(b));
		assert_int_equal(ps_src_next_hole(s, 24 * MiB, &h), PS_OK);
		assert_int_equal(h, 25 * MiB);
		assert_int_equal(ps_src_next_data(s, h, &d), PS_OK);
		assert_int_equal(d, 25 * MiB + 8192);
		ps_src_close(s);
	}
}

static void expect_failure(const char *path, const char *what)
{
	struct ps_src *s;
	char err[512];
	uint8_t *buf = malloc(4 * MiB);
	assert_non_null(buf);
	int r = ps_src_open_auto(path, NULL, &s, err, sizeof(err));
	if (r == PS_OK) {
		uint64_t off = 0;
		size_t got;
		while ((r = ps_src_read_upto(s, buf, 4 * MiB, off, &got)) == PS_OK && got)
			off += got;
		snprintf(err, sizeof(err), "%s", ps_src_error(s));
		ps_src_close(s);
	}
	free(buf);
	assert_int_not_equal(r, PS_OK);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "compressed offset"));
	assert_non_null(strstr(err, what));
	assert_null(strchr(err, '\n'));
}

/* Truncated and corrupt inputs fail with one line naming the file and
 * the compressed offset; the corruption is caught by each format's own
 * checks (for gzip the CRC32, which libarchive would not verify). */
static void test_stream_truncated_corrupt(void **state)
{
	(void)state;
	char p[400];
	for (size_t i = 0; i < NCOMPS; i++) {
		snprintf(p, sizeof(p), "%s/trunc.%s", tmpdir, ps_compression_name(comps[i]));
		write_file(p, cdata[i], clen[i] / 2);
		expect_failure(p, "truncated");
		char off[64];
		snprintf(off, sizeof(off), "compressed offset %zu ", clen[i] / 2);
		/* the offset is where the input ends */
		struct ps_src *s;
		char err[512];
		assert_int_equal(ps_src_open_auto(p, NULL, &s, err, sizeof(err)), PS_OK);
		uint8_t *b = malloc(IMG_SIZE);
		size_t got;
		assert_int_not_equal(ps_src_read_upto(s, b, IMG_SIZE, 0, &got), PS_OK);
		assert_non_null(strstr(ps_src_error(s), off));
		free(b);
		ps_src_close(s);

		uint8_t *c = malloc(clen[i]);
		memcpy(c, cdata[i], clen[i]);
		c[clen[i] / 2] ^= 0x55;
		c[clen[i] / 2 + 1] ^= 0x55;
		snprintf(p, sizeof(p), "%s/corrupt.%s", tmpdir, ps_compression_name(comps[i]));
		write_file(p, c, clen[i]);
		free(c);
		expect_failure(p, "corrupt");
	}
	/* a gzip whose only damage is its CRC32 */
	uint8_t *c = malloc(clen[0]);
	memcpy(c, cdata[0], clen[0]);
	c[clen[0] - 6] ^= 1;
	snprintf(p, sizeof(p), "%s/crc.gzip", tmpdir);
	write_file(p, c, clen[0]);
	free(c);
	expect_failure(p, "incorrect data check");
}

/* Multi-member gzip and multi-frame zstd decode as one image. */
static void test_stream_concatenated(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCOMPS; i++) {
		uint8_t *a, *b;
		size_t la = compress_buf(comps[i], img, 5 * MiB, &a);
		size_t lb = compress_buf(comps[i], img + 5 * MiB, IMG_SIZE - 5 * MiB, &b);
		uint8_t *cat = malloc(la + lb);
		memcpy(cat, a, la);
		memcpy(cat + la, b, lb);
		char p[400];
		snprintf(p, sizeof(p), "%s/cat.%s", tmpdir, ps_compression_name(comps[i]));
		write_file(p, cat, la + lb);
		struct ps_src *s;
		char err[512];
		uint8_t dig[32], want[32];
		uint64_t size;
		assert_int_equal(ps_src_open_auto(p, NULL, &s, err, sizeof(err)), PS_OK);
		assert_int_equal(ps_digest_src(s, PS_DIGEST_SHA256, i % 2, dig, NULL, &size), PS_OK);
		assert_int_equal(size, IMG_SIZE);
		struct sha256_ctx c;
		sha256_init(&c);
		sha256_update(&c, IMG_SIZE, img);
		sha256_digest(&c, 32, want);
		assert_memory_equal(dig, want, 32);
		ps_src_close(s);
		free(a);
		free(b);
		free(cat);
	}
}

static uint64_t file_mtime_ns(const char *p)
{
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	return (uint64_t)st.st_mtim.tv_sec * 1000000000ULL + (uint64_t)st.st_mtim.tv_nsec;
}

static int count_caches(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	assert_non_null(d);
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "pmemscan-cache-", 15) &&
		    strstr(e->d_name, ".img") && !strstr(e->d_name, ".partial"))
			n++;
	closedir(d);
	return n;
}

/* Random access: inflated once into a sparse cache, equal to the image,
 * reused next time, replaced when the input changes. */
static void test_cache(void **state)
{
	(void)state;
	char cdir[300], in[400], cache[600];
	snprintf(cdir, sizeof(cdir), "%s/cache", tmpdir);
	assert_int_equal(mkdir(cdir, 0700), 0);
	snprintf(in, sizeof(in), "%s/cached.xz", tmpdir);
	write_file(in, cdata[1], clen[1]);

	struct msgs ms = { 0 };
	struct ps_open_opts o = { .mode = PS_OPEN_RANDOM, .cache_dir = cdir,
				  .keep_cache = true, .msg = on_msg, .msg_arg = &ms };
	struct ps_src *s;
	char err[512];
	assert_int_equal(ps_src_open_auto(in, &o, &s, err, sizeof(err)), PS_OK);
	assert_int_equal(ms.inflating, 1);
	assert_int_equal(ms.reusing, 0);
	assert_true(ps_src_size_known(s));
	assert_int_equal(s->size, IMG_SIZE);
	assert_string_equal(s->name, in);
	uint8_t *b = malloc(IMG_SIZE);
	assert_int_equal(ps_src_pread(s, b, IMG_SIZE, 0), PS_OK);
	assert_memory_equal(b, img, IMG_SIZE);
	/* random order reads */
	assert_int_equal(ps_src_pread(s, b, 100, IMG_SIZE - 100), PS_OK);
	assert_memory_equal(b, img + IMG_SIZE - 100, 100);
	/* sparse: the 16 MiB zero run is a hole in the cache */
	uint64_t h;
	assert_int_equal(ps_src_next_hole(s, 0, &h), PS_OK);
	assert_int_equal(h, ZERO_START);
	ps_src_close(s);
	assert_int_equal(count_caches(cdir), 1);

	DIR *d = opendir(cdir);
	struct dirent *e;
	cache[0] = 0;
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".img"))
			snprintf(cache, sizeof(cache), "%s/%s", cdir, e->d_name);
	closedir(d);
	struct stat st;
	assert_int_equal(stat(cache, &st), 0);
	assert_int_equal(st.st_size, IMG_SIZE);
	assert_true((uint64_t)st.st_blocks * 512 < IMG_SIZE - 15 * MiB);
	assert_int_equal(st.st_mode & 0777, 0600);
	uint64_t mt = file_mtime_ns(cache);

	/* second open: reused, untouched */
	assert_int_equal(ps_src_open_auto(in, &o, &s, err, sizeof(err)), PS_OK);
	assert_int_equal(ms.inflating, 1);
	assert_int_equal(ms.reusing, 1);
	assert_non_null(strstr(ms.last, cache));
	assert_int_equal(ps_src_pread(s, b, IMG_SIZE, 0), PS_OK);
	assert_memory_equal(b, img, IMG_SIZE);
	ps_src_close(s);
	assert_int_equal(file_mtime_ns(cache), mt);

	/* the input changes (another content, same file): new cache, old removed */
	img[5] ^= 0xff;
	uint8_t *c2;
	size_t l2 = compress_buf(PS_COMP_XZ, img, IMG_SIZE, &c2);
	int fd = open(in, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, c2, l2), (ssize_t)l2);
	close(fd);
	free(c2);
	assert_int_equal(ps_src_open_auto(in, &o, &s, err, sizeof(err)), PS_OK);
	assert_int_equal(ms.inflating, 2);
	assert_int_equal(ms.stale, 1);
	assert_int_equal(ps_src_pread(s, b, IMG_SIZE, 0), PS_OK);
	assert_memory_equal(b, img, IMG_SIZE);
	ps_src_close(s);
	img[5] ^= 0xff;
	assert_int_equal(count_caches(cdir), 1);
	assert_int_not_equal(access(cache, F_OK), 0);

	/* a corrupt input leaves no cache and no partial file */
	uint8_t *c = malloc(clen[1]);
	memcpy(c, cdata[1], clen[1]);
	c[clen[1] / 2] ^= 0x55;
	snprintf(in, sizeof(in), "%s/bad.xz", tmpdir);
	write_file(in, c, clen[1]);
	free(c);
	assert_int_not_equal(ps_src_open_auto(in, &o, &s, err, sizeof(err)), PS_OK);
	assert_non_null(strstr(err, in));
	assert_non_null(strstr(err, "compressed offset"));
	assert_int_equal(count_caches(cdir), 1);
	d = opendir(cdir);
	while ((e = readdir(d)))
		assert_null(strstr(e->d_name, ".partial"));
	closedir(d);
	free(b);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* Random access without keep_cache: decoded into a file with no name, so
 * nothing is left in the directory, not even while the source is open;
 * a cache an earlier keep_cache run left is used instead. */
static void test_temp_decode(void **state)
{
	(void)state;
	char dir[300], in[400];
	snprintf(dir, sizeof(dir), "%s/tmpdec", tmpdir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(in, sizeof(in), "%s/temp.zst", tmpdir);
	write_file(in, cdata[2], clen[2]);

	struct msgs ms = { 0 };
	struct ps_open_opts o = { .mode = PS_OPEN_RANDOM, .cache_dir = dir,
				  .msg = on_msg, .msg_arg = &ms };
	struct ps_src *s;
	char err[512];
	assert_int_equal(ps_src_open_auto(in, &o, &s, err, sizeof(err)), PS_OK);
	assert_int_equal(ms.last_kind, PS_NOTICE_DECODE_TEMP);
	assert_string_equal(ms.last, in);
	assert_int_equal(ms.inflating, 0);
	assert_int_equal(count_entries(dir), 0);
	assert_true(ps_src_size_known(s));
	assert_int_equal(s->size, IMG_SIZE);
	assert_string_equal(s->name, in);
	uint8_t *b = malloc(IMG_SIZE);
	assert_int_equal(ps_src_pread(s, b, IMG_SIZE, 0), PS_OK);
	assert_memory_equal(b, img, IMG_SIZE);
	uint64_t h;
	assert_int_equal(ps_src_next_hole(s, 0, &h), PS_OK);
	assert_int_equal(h, ZERO_START);
	ps_src_close(s);
	assert_int_equal(count_entries(dir), 0);

	/* keep it once; the next plain open reuses that cache */
	o.keep_cache = true;
	assert_int_equal(ps_src_open_auto(in, &o, &s, err, sizeof(err)), PS_OK);
	ps_src_close(s);
	assert_int_equal(count_caches(dir), 1);
	assert_int_equal(ms.inflating, 1);
	o.keep_cache = false;
	assert_int_equal(ps_src_open_auto(in, &o, &s, err, sizeof(err)), PS_OK);
	assert_int_equal(ms.reusing, 1);
	assert_int_equal(ps_src_pread(s, b, IMG_SIZE, 0), PS_OK);
	assert_memory_equal(b, img, IMG_SIZE);
	ps_src_close(s);
	free(b);
}

/* Plain files open as plain file sources in both modes, no cache. */
static void test_plain_passthrough(void **state)
{
	(void)state;
	char p[400];
	snprintf(p, sizeof(p), "%s/plain.img", tmpdir);
	write_file(p, img, 5 * MiB + 7);
	struct msgs ms = { 0 };
	struct ps_open_opts o = { .mode = PS_OPEN_RANDOM, .cache_dir = tmpdir,
				  .msg = on_msg, .msg_arg = &ms };
	struct ps_src *s;
	char err[512];
	assert_int_equal(ps_src_open_auto(p, &o, &s, err, sizeof(err)), PS_OK);
	assert_int_equal(s->size, 5 * MiB + 7);
	assert_true(s->fd >= 0);
	assert_int_equal(ms.n, 0);
	struct ps_stream_stats st;
	assert_int_equal(ps_src_stream_stats(s, &st), PS_EINVAL);
	uint8_t buf[100];
	size_t got;
	assert_int_equal(ps_src_read_upto(s, buf, 100, 5 * MiB - 10, &got), PS_OK);
	assert_int_equal(got, 17);
	assert_memory_equal(buf, img + 5 * MiB - 10, 17);
	ps_src_close(s);
	assert_int_not_equal(ps_src_open_auto("/nonexistent/x.gz", NULL, &s, err, sizeof(err)), PS_OK);
	assert_non_null(strstr(err, "/nonexistent/x.gz"));
}

static unsigned digest_threads;	/* workers for digest_of */

static void digest_of(enum ps_digest_kind k, const uint8_t *b, size_t n,
		      const size_t *cuts, int holes, uint8_t out[32])
{
	/* feed b in pieces at the given cut points; with holes, feed every
	 * all-zero piece as a zero run instead of data */
	struct ps_digest *d;
	assert_int_equal(ps_digest_new(k, &d), PS_OK);
	assert_int_equal(ps_digest_set_threads(d, digest_threads), PS_OK);
	size_t off = 0;
	for (int i = 0; off < n; i++) {
		size_t end = cuts[i] && cuts[i] < n ? cuts[i] : n;
		size_t len = end - off, z = 0;
		while (z < len && !b[off + z])
			z++;
		if (holes && z == len)
			assert_int_equal(ps_digest_zero(d, len), PS_OK);
		else
			assert_int_equal(ps_digest_data(d, b + off, len), PS_OK);
		off = end;
	}
	assert_int_equal(ps_digest_pos(d), n);
	assert_int_equal(ps_digest_final(d, out, NULL), PS_OK);
	assert_int_equal(ps_digest_data(d, b, 1), PS_EINVAL);
	ps_digest_free(d);
}

/* docs/digest.md's sparse formula computed straight from the bytes: a
 * reference that shares no code with the fed digest */
static void sparse_ref(const uint8_t *b, size_t n, uint8_t out[32])
{
	struct sha256_ctx o;
	sha256_init(&o);
	sha256_update(&o, 25, (const uint8_t *)"pmemscan-sparse-sha256-v1");
	for (size_t off = 0; off < n; off += MiB) {
		size_t len = n - off < MiB ? n - off : MiB, i = 0;
		while (i < len && !b[off + i])
			i++;
		if (i == len)
			continue;
		uint8_t rec[48];
		for (int k = 0; k < 8; k++) {
			rec[k] = (uint8_t)((uint64_t)off >> (8 * k));
			rec[8 + k] = (uint8_t)((uint64_t)len >> (8 * k));
		}
		struct sha256_ctx c;
		sha256_init(&c);
		sha256_update(&c, len, b + off);
		sha256_digest(&c, 32, rec + 16);
		sha256_update(&o, 48, rec);
	}
	uint8_t sz[8];
	for (int k = 0; k < 8; k++)
		sz[k] = (uint8_t)((uint64_t)n >> (8 * k));
	sha256_update(&o, 8, sz);
	sha256_digest(&o, 32, out);
}

/* Two data runs at many positions and spacings, fed as the image source
 * feeds them (data runs as data, the gaps as zero runs): several runs and
 * holes inside one 1 MiB chunk must all count (a hole that ended inside a
 * chunk used to close it and lose the runs before it). */
static void test_digest_runs(void **state)
{
	(void)state;
	const size_t n = 4 * MiB;
	uint8_t *b = malloc(n);
	assert_non_null(b);
	static const size_t starts[] = { 0, 4096, MiB - 8192, MiB, MiB + 4096, 3 * MiB - 4096 };
	static const size_t lens[] = { 1, 8192, 65536 };
	static const size_t gaps[] = { 1, 4096, 49152, MiB - 4096, MiB + 4096 };
	unsigned cases = 0;
	for (size_t si = 0; si < sizeof(starts) / sizeof(*starts); si++)
	for (size_t li = 0; li < sizeof(lens) / sizeof(*lens); li++)
	for (size_t gi = 0; gi < sizeof(gaps) / sizeof(*gaps); gi++) {
		size_t s1 = starts[si], l = lens[li], s2 = s1 + l + gaps[gi];
		if (s2 + l > n)
			continue;
		memset(b, 0, n);
		for (size_t i = 0; i < l; i++) {
			b[s1 + i] = (uint8_t)(i * 7 + 1);
			b[s2 + i] = (uint8_t)(i * 13 + 3);
		}
		size_t cuts[] = { s1, s1 + l, s2, s2 + l, 0 };
		size_t *c = cuts + (s1 == 0);	/* no empty first piece */
		uint8_t want[32], got[32];
		sparse_ref(b, n, want);
		for (unsigned t = 0; t < 3; t += 2) {
			digest_threads = t;
			digest_of(PS_DIGEST_SPARSE, b, n, c, 1, got);
			assert_memory_equal(got, want, 32);
			digest_of(PS_DIGEST_SPARSE, b, n, c, 0, got);
			assert_memory_equal(got, want, 32);
		}
		cases++;
	}
	digest_threads = 0;
	assert_true(cases > 50);
	free(b);
}

static void test_digest(void **state)
{
	(void)state;
	/* plain SHA-256: the FIPS 180-2 "abc" vector */
	struct ps_digest *d;
	uint8_t out[32], a[32], b2[32];
	char hexs[65];
	assert_int_equal(ps_digest_new(PS_DIGEST_SHA256, &d), PS_OK);
	ps_digest_data(d, "abc", 3);
	ps_digest_final(d, out, hexs);
	ps_digest_free(d);
	assert_string_equal(hexs, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

	/* cut points: the zero run fed as holes in odd pieces, or as data */
	static const size_t cuts1[] = { ZERO_START, ZERO_START + 12345, 7 * MiB,
					ZERO_END, 25 * MiB, 25 * MiB + 8192, 0 };
	static const size_t cuts2[] = { 1000, 2 * MiB + 1, 0 };
	for (int k = 0; k < 2; k++) {
		digest_of(k, img, IMG_SIZE, cuts1, 1, a);
		digest_of(k, img, IMG_SIZE, cuts2, 0, b2);
		assert_memory_equal(a, b2, 32);
		img[ZERO_END + 5] ^= 1;
		digest_of(k, img, IMG_SIZE, cuts1, 1, b2);
		img[ZERO_END + 5] ^= 1;
		assert_memory_not_equal(a, b2, 32);
		/* trailing zeros are content too */
		digest_of(k, img, IMG_SIZE - 1, cuts1, 1, b2);
		assert_memory_not_equal(a, b2, 32);
	}
	/* sparse of all-zero images depends on the size only */
	static const size_t none[] = { 0 };
	uint8_t *z = calloc(1, 3 * MiB);
	digest_of(PS_DIGEST_SPARSE, z, 3 * MiB, none, 1, a);
	digest_of(PS_DIGEST_SPARSE, z, 3 * MiB, none, 0, b2);
	assert_memory_equal(a, b2, 32);
	digest_of(PS_DIGEST_SPARSE, z, 3 * MiB - 1, none, 0, b2);
	assert_memory_not_equal(a, b2, 32);
	free(z);
}

/* Fed asynchronously through a ring of scratch buffers that are
 * overwritten as soon as their ticket is waited for: the digest must equal
 * the one-thread digest for every thread count, so no worker may read a
 * buffer after its ticket (and the result cannot depend on scheduling). */
static void async_digest(enum ps_digest_kind k, unsigned threads, size_t piece,
			 uint8_t out[32])
{
	enum { NB = 3 };
	struct ps_digest *d;
	uint8_t *ring = malloc(NB * piece);
	uint64_t t[NB] = { 0 };
	assert_non_null(ring);
	assert_int_equal(ps_digest_new(k, &d), PS_OK);
	assert_int_equal(ps_digest_set_threads(d, threads), PS_OK);
	assert_int_equal(ps_digest_threads(d),
			 k == PS_DIGEST_SHA256 && threads > 1 ? 1 : threads);
	size_t off = 0;
	for (unsigned i = 0; off < IMG_SIZE; i++) {
		uint8_t *b = ring + (i % NB) * piece;
		size_t len = IMG_SIZE - off < piece ? IMG_SIZE - off : piece;
		ps_digest_wait(d, t[i % NB]);
		memset(b, 0xa5, piece);		/* poison what was there */
		memcpy(b, img + off, len);
		assert_int_equal(ps_digest_data_async(d, b, len, &t[i % NB]), PS_OK);
		off += len;
	}
	/* a digest with workers cannot be reconfigured once fed */
	assert_int_equal(ps_digest_set_threads(d, 2), PS_EINVAL);
	assert_int_equal(ps_digest_final(d, out, NULL), PS_OK);
	ps_digest_free(d);
	memset(ring, 0x5a, NB * piece);
	free(ring);
}

static void test_digest_threads(void **state)
{
	(void)state;
	static const size_t cuts1[] = { ZERO_START, ZERO_START + 12345, 7 * MiB,
					ZERO_END, 25 * MiB, 25 * MiB + 8192, 0 };
	static const unsigned nth[] = { 1, 2, 3, 8 };
	static const size_t pieces[] = { MiB, 4 * MiB, 3 * MiB + 4096, 65536 };
	for (int k = 0; k < 2; k++) {
		uint8_t ref[32], got[32];
		digest_threads = 0;
		digest_of(k, img, IMG_SIZE, cuts1, 1, ref);
		for (size_t i = 0; i < sizeof(nth) / sizeof(nth[0]); i++) {
			digest_threads = nth[i];
			digest_of(k, img, IMG_SIZE, cuts1, 1, got);
			assert_memory_equal(ref, got, 32);
			for (size_t j = 0; j < sizeof(pieces) / sizeof(pieces[0]); j++) {
				async_digest(k, nth[i], pieces[j], got);
				assert_memory_equal(ref, got, 32);
			}
		}
		digest_threads = 0;
	}
	/* freeing a digest with work in flight waits for it */
	struct ps_digest *d;
	uint64_t t;
	assert_int_equal(ps_digest_new(PS_DIGEST_SPARSE, &d), PS_OK);
	assert_int_equal(ps_digest_set_threads(d, 2), PS_OK);
	assert_int_equal(ps_digest_data_async(d, img, 8 * MiB, &t), PS_OK);
	assert_true(t > 0);
	ps_digest_free(d);
	assert_true(ps_cpu_count() >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_digest_threads),
		cmocka_unit_test(test_stream_reads_equal_plain),
		cmocka_unit_test(test_stream_lookbehind_and_restart),
		cmocka_unit_test(test_stream_sparse_map),
		cmocka_unit_test(test_stream_truncated_corrupt),
		cmocka_unit_test(test_stream_concatenated),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_temp_decode),
		cmocka_unit_test(test_plain_passthrough),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_digest_runs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
