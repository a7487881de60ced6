/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Forensic containers: the split raw name logic and source, EWF segment
 * names and section tails, and the lz4 frame decoder on buffers made here
 * with liblz4 (independent/linked blocks, block and content checksums,
 * several frames, skippable frames). EWF images themselves come from the
 * real ewfacquire in tests/cli/ewf.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <fcntl.h>
#include <lz4frame.h>
#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "err.h"
#include "imgsrc.h"
#include "imgsrc_container.h"
#include "imgsrc_open.h"

#define KiB 1024ULL
#define MiB (1024ULL * 1024)

static char tmpdir[256];

struct msgs {
	int n;
	char last[1024];
};

static void on_msg(void *arg, const struct ps_notice *n)
{
	struct msgs *ms = arg;
	ms->n++;
	snprintf(ms->last, sizeof(ms->last), "%s", n->text ? n->text : "");
}

static void write_file(const char *path, const void *b, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b, n), (ssize_t)n);
	close(fd);
}

/* pseudo-random, compressible, never all zero per 4 KiB */
static uint8_t *make_data(size_t n, uint64_t seed)
{
	uint8_t *b = malloc(n);
	assert_non_null(b);
	uint64_t x = seed | 1;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		b[i] = (uint8_t)(x & 0x1f) | 0x20;
	}
	return b;
}

/* ---- split names ---- */

static void next_is(const char *name, const char *want, const char *wide)
{
	char out[256], w[256];
	int r = ps_split_next_name(name, out, sizeof(out), w, sizeof(w));
	if (!want) {
		assert_int_equal(r, -1);
		return;
	}
	assert_int_equal(r, 0);
	assert_string_equal(out, want);
	assert_string_equal(w, wide ? wide : "");
}

static void test_split_names(void **state)
{
	(void)state;
	/* first segments */
	assert_true(ps_split_is_first_name("dump.001"));
	assert_true(ps_split_is_first_name("dir.d/dump.img.000"));
	assert_true(ps_split_is_first_name("/a/b/dump.00"));
	assert_true(ps_split_is_first_name("dump.01"));
	assert_true(ps_split_is_first_name("x00"));
	assert_true(ps_split_is_first_name("xaa"));
	assert_true(ps_split_is_first_name("/e/xaaa"));
	assert_true(ps_split_is_first_name("dump.img.aa"));
	assert_false(ps_split_is_first_name("dump.002"));
	assert_false(ps_split_is_first_name("dump.011"));
	assert_false(ps_split_is_first_name("xab"));
	assert_false(ps_split_is_first_name("dump.1"));	/* one digit */
	assert_false(ps_split_is_first_name("dump.a"));
	assert_false(ps_split_is_first_name("dump001"));	/* no dot */
	assert_false(ps_split_is_first_name("dimm-01"));
	assert_false(ps_split_is_first_name("region01"));
	assert_false(ps_split_is_first_name("xa"));	/* x + one letter */
	assert_false(ps_split_is_first_name("dump.img"));
	assert_false(ps_split_is_first_name("d.aa/dump.img"));	/* dir, not name */
	assert_false(ps_split_is_first_name("d.001/"));
	assert_false(ps_split_is_first_name(""));
	assert_false(ps_split_is_first_name("dump.E01"));
	/* the next name, same width */
	next_is("dump.001", "dump.002", NULL);
	next_is("dump.009", "dump.010", NULL);
	next_is("dump.099", "dump.100", NULL);
	next_is("dump.999", NULL, NULL);
	next_is("a/b.aa", "a/b.ab", NULL);
	next_is("b.az", "b.ba", NULL);
	next_is("b.zz", NULL, NULL);
	next_is("xaa", "xab", NULL);
	next_is("dir/xaz", "dir/xba", NULL);
	next_is("x00", "x01", NULL);
	/* GNU split without -a widens: yz -> zaaa, 89 -> 9000, zyzz -> zzaaaa */
	next_is("xyz", "xza", "xzaaa");
	next_is("x89", "x90", "x9000");
	next_is("xzyzz", "xzzaa", "xzzaaaa");
	next_is("x9899", "x9900", "x990000");
	next_is("d.yz", "d.za", "d.zaaa");
	next_is("dump.not-split", NULL, NULL);
	char small[4];
	assert_int_equal(ps_split_next_name("dump.001", small, sizeof(small), NULL, 0), -1);
}

/* ---- EWF names and section tails ---- */

static void ewf_next_is(const char *name, const char *want)
{
	char out[256];
	int r = ps_ewf_next_segment_name(name, out, sizeof(out));
	if (!want) {
		assert_int_equal(r, -1);
		return;
	}
	assert_int_equal(r, 0);
	assert_string_equal(out, want);
}

static void test_ewf_names(void **state)
{
	(void)state;
	ewf_next_is("case/dump.E01", "case/dump.E02");
	ewf_next_is("dump.E09", "dump.E10");
	ewf_next_is("dump.E99", "dump.EAA");
	ewf_next_is("dump.EAZ", "dump.EBA");
	ewf_next_is("dump.EZZ", "dump.FAA");
	ewf_next_is("dump.ZZZ", NULL);
	ewf_next_is("dump.e01", "dump.e02");	/* ewfacquire -f ewfx */
	ewf_next_is("dump.e99", "dump.eaa");
	ewf_next_is("dump.s01", "dump.s02");	/* SMART */
	ewf_next_is("dump.Ex01", "dump.Ex02");	/* EWF2 */
	ewf_next_is("dump.Ex99", "dump.ExAA");
	ewf_next_is("dump.ExZZ", "dump.EyAA");
	ewf_next_is("dump.EzZZ", NULL);
	ewf_next_is("dump.E00", NULL);
	ewf_next_is("dump.IMG", "dump.IMH");	/* (a late segment, by the rules) */
	ewf_next_is("dump", NULL);
	ewf_next_is("a.E01/dump", NULL);
	ewf_next_is("dump.E1", NULL);

	uint8_t b[200];
	memset(b, 0x5a, sizeof(b));
	uint8_t *d = b + sizeof(b) - PS_EWF1_SECTION_DESC;
	memset(d, 0, PS_EWF1_SECTION_DESC);
	memcpy(d, "done", 4);
	uint32_t a = (uint32_t)adler32(1, d, 72);
	d[72] = (uint8_t)a;
	d[73] = (uint8_t)(a >> 8);
	d[74] = (uint8_t)(a >> 16);
	d[75] = (uint8_t)(a >> 24);
	assert_int_equal(ps_ewf1_tail(b, sizeof(b)), PS_EWF_TAIL_DONE);
	memcpy(d, "next", 4);
	assert_int_equal(ps_ewf1_tail(b, sizeof(b)), PS_EWF_TAIL_BAD);	/* checksum */
	a = (uint32_t)adler32(1, d, 72);
	d[72] = (uint8_t)a;
	d[73] = (uint8_t)(a >> 8);
	d[74] = (uint8_t)(a >> 16);
	d[75] = (uint8_t)(a >> 24);
	assert_int_equal(ps_ewf1_tail(b, sizeof(b)), PS_EWF_TAIL_NEXT);
	assert_int_equal(ps_ewf1_tail(d, PS_EWF1_SECTION_DESC - 1), PS_EWF_TAIL_BAD);
	memcpy(d, "table", 6);
	a = (uint32_t)adler32(1, d, 72);
	d[72] = (uint8_t)a;
	d[73] = (uint8_t)(a >> 8);
	d[74] = (uint8_t)(a >> 16);
	d[75] = (uint8_t)(a >> 24);
	assert_int_equal(ps_ewf1_tail(b, sizeof(b)), PS_EWF_TAIL_BAD);

	assert_int_equal(ps_ewf_signature((const uint8_t *)"EVF\x09\x0d\x0a\xff\x00", 8), PS_EWF1);
	assert_int_equal(ps_ewf_signature((const uint8_t *)"LVF\x09\x0d\x0a\xff\x00", 8), PS_EWF1_LOGICAL);
	assert_int_equal(ps_ewf_signature((const uint8_t *)"EVF2\x0d\x0a\x81\x00", 8), PS_EWF2);
	assert_int_equal(ps_ewf_signature((const uint8_t *)"LEF2\x0d\x0a\x81\x00", 8), PS_EWF2_LOGICAL);
	assert_int_equal(ps_ewf_signature((const uint8_t *)"EVF\x09\x0d\x0a\xff", 7), PS_EWF_NONE);
	assert_int_equal(ps_ewf_signature((const uint8_t *)"EVF\x09\x0d\x0a\xff\x01", 8), PS_EWF_NONE);
}

/* Files that only start with an EWF signature are refused with one line
 * (libewf cannot open them), never read as raw; EWF2 and logical evidence
 * are named. */
static void test_ewf_refusals(void **state)
{
	(void)state;
	static const struct { const char *magic, *want; } c[] = {
		{ "EVF\x09\x0d\x0a\xff\x00", "EWF" },
		{ "EVF2\x0d\x0a\x81\x00", "EWF2 (Ex01)" },
		{ "LVF\x09\x0d\x0a\xff\x00", "logical evidence file (L01)" },
		{ "LEF2\x0d\x0a\x81\x00", "logical evidence file (Lx01)" },
	};
	uint8_t b[4096];
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char p[400], err[512];
		struct ps_src *s = NULL;
		memset(b, 0, sizeof(b));
		memcpy(b, c[i].magic, 8);
		b[9] = 1;
		snprintf(p, sizeof(p), "%s/bad%zu.E01", tmpdir, i);
		write_file(p, b, sizeof(b));
		assert_int_not_equal(ps_src_open_auto(p, NULL, &s, err, sizeof(err)), PS_OK);
		assert_null(s);
		assert_non_null(strstr(err, p));
		assert_non_null(strstr(err, c[i].want));
		assert_null(strchr(err, '\n'));
	}
}

/*
 * Verification against the stored hashes, on an E01 that the real
 * ewfacquire makes of a generated image (skipped without ewf-tools):
 * the hashed prefix grows only with reads that continue it; random reads
 * around it change nothing; ps_src_verify() completes it on request.
 */
static void hexof(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void test_ewf_verify(void **state)
{
	(void)state;
	if (system("command -v ewfacquire >/dev/null 2>&1")) {
		skip();
		return;
	}
	const size_t n = 3 * MiB + 4096;
	uint8_t *img = make_data(n, 5);
	char p[400], cmd[1200], e01[400], err[512];
	snprintf(p, sizeof(p), "%s/v.img", tmpdir);
	write_file(p, img, n);
	snprintf(cmd, sizeof(cmd), "ewfacquire -u -q -t %s/v -c fast -d sha1 %s >/dev/null 2>&1",
		 tmpdir, p);
	assert_int_equal(system(cmd), 0);
	snprintf(e01, sizeof(e01), "%s/v.E01", tmpdir);
	uint8_t m[MD5_DIGEST_SIZE], h[SHA1_DIGEST_SIZE];
	char md5[33], sha1[41];
	struct md5_ctx mc;
	struct sha1_ctx sc;
	md5_init(&mc);
	md5_update(&mc, n, img);
	md5_digest(&mc, sizeof(m), m);
	sha1_init(&sc);
	sha1_update(&sc, n, img);
	sha1_digest(&sc, sizeof(h), h);
	hexof(m, sizeof(m), md5);
	hexof(h, sizeof(h), sha1);

	struct msgs ms = { 0 };
	struct ps_open_opts o = { .mode = PS_OPEN_RANDOM, .verify = true, .msg = on_msg,
				  .msg_arg = &ms };
	struct ps_src *s;
	struct ps_container_info ci;
	uint8_t *buf = malloc(n);
	assert_non_null(buf);
	assert_int_equal(ps_src_open_auto(e01, &o, &s, err, sizeof(err)), PS_OK);
	assert_int_equal(ps_src_container_info(s, &ci), PS_OK);
	assert_int_equal(ci.kind, PS_CONT_EWF);
	assert_int_equal(ci.media_size, n);
	assert_string_equal(ci.stored_md5, md5);
	assert_string_equal(ci.stored_sha1, sha1);
	assert_int_equal(ci.verify, PS_VERIFY_PENDING);
	assert_null(ci.data_md5);
	/* reads ahead of the prefix, then the prefix in overlapping pieces,
	 * a read far back in between: still pending until the end */
	assert_int_equal(ps_src_pread(s, buf, 4096, 2 * MiB), PS_OK);
	assert_memory_equal(buf, img + 2 * MiB, 4096);
	assert_int_equal(ps_src_pread(s, buf, 1000, 0), PS_OK);
	assert_int_equal(ps_src_pread(s, buf, 5000, 500), PS_OK);
	assert_memory_equal(buf, img + 500, 5000);
	assert_int_equal(ps_src_pread(s, buf, 10, 100), PS_OK);
	assert_int_equal(ps_src_pread(s, buf, n - 5500, 5500), PS_OK);
	assert_memory_equal(buf, img + 5500, n - 5500);
	assert_int_equal(ps_src_container_info(s, &ci), PS_OK);
	assert_int_equal(ci.verify, PS_VERIFY_MATCH);
	assert_string_equal(ci.data_md5, md5);
	assert_string_equal(ci.data_sha1, sha1);
	assert_non_null(strstr(ms.last, "verified: the data matches the MD5 and SHA1"));
	ps_src_close(s);

	/* a gap in the reads: pending; ps_src_verify() reads on from there */
	assert_int_equal(ps_src_open_auto(e01, &o, &s, err, sizeof(err)), PS_OK);
	assert_int_equal(ps_src_pread(s, buf, MiB, 0), PS_OK);
	assert_int_equal(ps_src_pread(s, buf, MiB, 2 * MiB), PS_OK);
	assert_int_equal(ps_src_container_info(s, &ci), PS_OK);
	assert_int_equal(ci.verify, PS_VERIFY_PENDING);
	assert_int_equal(ps_src_verify(s), PS_OK);
	assert_int_equal(ps_src_container_info(s, &ci), PS_OK);
	assert_int_equal(ci.verify, PS_VERIFY_MATCH);
	ps_src_close(s);

	/* not asked for at open: off, no notice; on request from 0 */
	o.verify = false;
	ms.n = 0;
	assert_int_equal(ps_src_open_auto(e01, &o, &s, err, sizeof(err)), PS_OK);
	assert_int_equal(ps_src_pread(s, buf, n, 0), PS_OK);
	assert_int_equal(ps_src_container_info(s, &ci), PS_OK);
	assert_int_equal(ci.verify, PS_VERIFY_OFF);
	assert_int_equal(ms.n, 0);
	assert_int_equal(ps_src_verify(s), PS_OK);
	assert_int_equal(ps_src_container_info(s, &ci), PS_OK);
	assert_int_equal(ci.verify, PS_VERIFY_MATCH);
	assert_string_equal(ci.data_sha1, sha1);
	assert_int_equal(ms.n, 1);
	ps_src_close(s);
	free(buf);
	free(img);
}

/* ---- split raw source ---- */

static void seg_path(char *out, size_t n, const char *stem, int i)
{
	snprintf(out, n, "%s/%s.%03d", tmpdir, stem, i);
}

/* Segments of one image: reads across every boundary equal the image,
 * the sparse map crosses segments, the info names every segment. */
static void test_split_source(void **state)
{
	(void)state;
	const size_t seg = 256 * KiB, last = 100 * KiB + 7;
	const int n = 5;
	size_t size = seg * (n - 1) + last;
	uint8_t *img = make_data(size, 7);
	/* zeros from inside segment 2 to inside segment 4, as holes */
	memset(img + seg + 64 * KiB, 0, 2 * seg);
	char p[400];
	for (int i = 0; i < n; i++) {
		seg_path(p, sizeof(p), "img", i + 1);
		size_t at = (size_t)i * seg, len = i == n - 1 ? last : seg;
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, (off_t)len), 0);
		for (size_t o = 0; o < len; o += 4096) {
			size_t k = len - o < 4096 ? len - o : 4096;
			int zero = 1;
			for (size_t j = 0; j < k; j++)
				zero &= img[at + o + j] == 0;
			if (!zero)
				assert_int_equal(pwrite(fd, img + at + o, k, (off_t)o), (ssize_t)k);
		}
		close(fd);
	}
	struct msgs ms = { 0 };
	struct ps_open_opts o = { .mode = PS_OPEN_RANDOM, .msg = on_msg, .msg_arg = &ms };
	struct ps_src *s;
	char err[512];
	seg_path(p, sizeof(p), "img", 1);
	assert_int_equal(ps_src_open_auto(p, &o, &s, err, sizeof(err)), PS_OK);
	assert_int_equal(s->size, size);
	assert_true(s->fd < 0);	/* several files: no single fd */
	assert_non_null(strstr(ms.last, "split raw image: 5 segments"));
	uint8_t *buf = malloc(size);
	assert_non_null(buf);
	assert_int_equal(ps_src_pread(s, buf, size, 0), PS_OK);
	assert_memory_equal(buf, img, size);
	/* every boundary, odd lengths */
	for (int i = 1; i < n; i++) {
		uint64_t b = (uint64_t)i * seg;
		assert_int_equal(ps_src_pread(s, buf, 777, b - 333), PS_OK);
		assert_memory_equal(buf, img + b - 333, 777);
	}
	assert_int_equal(ps_src_pread(s, buf, 2, size - 1), PS_ERANGE);
	struct ps_container_info ci;
	assert_int_equal(ps_src_container_info(s, &ci), PS_OK);
	assert_int_equal(ci.kind, PS_CONT_SPLIT);
	assert_string_equal(ci.format, "split raw");
	assert_int_equal(ci.nsegments, n);
	assert_int_equal(ci.segment_size, seg);
	seg_path(p, sizeof(p), "img", 5);
	assert_string_equal(ci.segments[4], p);
	assert_int_equal(ci.verify, PS_VERIFY_NONE);
	/* the holes of the segment files, as one map (tmpfs and ext4 have
	 * SEEK_HOLE; elsewhere everything is data, which is also right) */
	uint64_t d, h;
	assert_int_equal(ps_src_next_hole(s, 0, &h), PS_OK);
	if (h < size) {
		assert_int_equal(h, seg + 64 * KiB);
		assert_int_equal(ps_src_next_data(s, h, &d), PS_OK);
		assert_int_equal(d, 3 * seg + 64 * KiB);
		assert_int_equal(ps_src_next_hole(s, d, &h), PS_OK);
		assert_int_equal(h, size);
	}
	ps_src_close(s);

	/* the same set opened from a later segment: refused, naming the first */
	seg_path(p, sizeof(p), "img", 3);
	assert_int_not_equal(ps_src_open_auto(p, &o, &s, err, sizeof(err)), PS_OK);
	assert_non_null(strstr(err, "give the first segment"));
	assert_non_null(strstr(err, "img.001"));
	/* a short middle segment */
	seg_path(p, sizeof(p), "img", 2);
	assert_int_equal(truncate(p, (off_t)(seg - 1)), 0);
	seg_path(p, sizeof(p), "img", 1);
	assert_int_not_equal(ps_src_open_auto(p, &o, &s, err, sizeof(err)), PS_OK);
	assert_non_null(strstr(err, "img.002 is 262143 bytes"));
	assert_non_null(strstr(err, "truncated"));
	/* a missing middle segment */
	seg_path(p, sizeof(p), "img", 3);
	assert_int_equal(unlink(p), 0);
	seg_path(p, sizeof(p), "img", 1);
	assert_int_not_equal(ps_src_open_auto(p, &o, &s, err, sizeof(err)), PS_OK);
	assert_non_null(strstr(err, "segment img.003 is missing"));
	assert_non_null(strstr(err, "img.004 exists"));
	assert_null(strchr(err, '\n'));
	/* a last segment larger than the others */
	seg_path(p, sizeof(p), "big", 1);
	write_file(p, img, 1000);
	seg_path(p, sizeof(p), "big", 2);
	write_file(p, img, 1001);
	seg_path(p, sizeof(p), "big", 1);
	assert_int_not_equal(ps_src_open_auto(p, &o, &s, err, sizeof(err)), PS_OK);
	assert_non_null(strstr(err, "larger"));
	/* one .001 alone: a plain image, said so */
	seg_path(p, sizeof(p), "alone", 1);
	write_file(p, img, 5000);
	ms.n = 0;
	assert_int_equal(ps_src_open_auto(p, &o, &s, err, sizeof(err)), PS_OK);
	assert_int_equal(s->size, 5000);
	assert_true(s->fd >= 0);
	assert_int_equal(ms.n, 1);
	assert_non_null(strstr(ms.last, "no alone.002"));
	assert_non_null(strstr(ms.last, "one plain image"));
	assert_int_equal(ps_src_container_info(s, &ci), PS_OK);
	assert_int_equal(ci.kind, PS_CONT_PLAIN);
	ps_src_close(s);
	free(buf);
	free(img);
}

/* More segments than are kept open at once (GNU split's xaa.. names):
 * opened on demand, still the right bytes in any order. */
static void test_split_many(void **state)
{
	(void)state;
	const int n = 300;
	const size_t seg = 4096;
	uint8_t *img = make_data(seg * n, 11);
	char dir[300], p[400];
	snprintf(dir, sizeof(dir), "%s/many", tmpdir);
	assert_int_equal(mkdir(dir, 0700), 0);
	/* xaa .. xyz is 650 names: 300 fit without widening */
	for (int i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s/x%c%c", dir, 'a' + i / 26, 'a' + i % 26);
		write_file(p, img + (size_t)i * seg, seg);
	}
	struct ps_src *s;
	char err[512];
	snprintf(p, sizeof(p), "%s/xaa", dir);
	assert_int_equal(ps_src_open_auto(p, NULL, &s, err, sizeof(err)), PS_OK);
	assert_int_equal(s->size, seg * n);
	uint8_t buf[3 * 4096];
	for (int k = 0; k < 2000; k++) {
		uint64_t off = ((uint64_t)k * 7919 * 4099) % (seg * n - sizeof(buf));
		assert_int_equal(ps_src_pread(s, buf, sizeof(buf), off), PS_OK);
		assert_memory_equal(buf, img + off, sizeof(buf));
	}
	ps_src_close(s);
	free(img);
}

/* ---- lz4 ---- */

static size_t lz4_frame(const uint8_t *in, size_t n, int block_cs, int content_cs,
			int independent, LZ4F_blockSizeID_t bs, uint8_t **out)
{
	LZ4F_preferences_t pr;
	memset(&pr, 0, sizeof(pr));
	pr.frameInfo.blockSizeID = bs;
	pr.frameInfo.blockMode = independent ? LZ4F_blockIndependent : LZ4F_blockLinked;
	pr.frameInfo.contentChecksumFlag = content_cs ? LZ4F_contentChecksumEnabled : 0;
	pr.frameInfo.blockChecksumFlag = block_cs ? LZ4F_blockChecksumEnabled : 0;
	pr.frameInfo.contentSize = n;
	size_t cap = LZ4F_compressFrameBound(n, &pr);
	*out = malloc(cap);
	assert_non_null(*out);
	size_t len = LZ4F_compressFrame(*out, cap, in, n, &pr);
	assert_false(LZ4F_isError(len));
	return len;
}

static void read_all_equal(const char *path, const uint8_t *want, size_t n, int mode)
{
	struct ps_open_opts o = { .mode = mode, .cache_dir = tmpdir };
	struct ps_src *s;
	char err[512];
	assert_int_equal(ps_src_open_auto(path, &o, &s, err, sizeof(err)), PS_OK);
	uint8_t *b = malloc(n + 1);
	assert_non_null(b);
	size_t got;
	assert_int_equal(ps_src_read_upto(s, b, n + 1, 0, &got), PS_OK);
	assert_int_equal(got, n);
	assert_memory_equal(b, want, n);
	struct ps_container_info ci;
	assert_int_equal(ps_src_container_info(s, &ci), PS_OK);
	assert_int_equal(ci.kind, PS_CONT_COMPRESSED);
	assert_string_equal(ci.format, "lz4");
	assert_string_equal(ci.segments[0], path);
	ps_src_close(s);
	free(b);
}

/* The read error of a whole-file read, or "" if it read fine. */
static void read_error(const char *path, char *err, size_t errlen)
{
	struct ps_src *s;
	err[0] = 0;
	if (ps_src_open_auto(path, NULL, &s, err, errlen))
		return;
	uint8_t *b = malloc(MiB);
	uint64_t off = 0;
	size_t got;
	int r;
	while ((r = ps_src_read_upto(s, b, MiB, off, &got)) == PS_OK && got)
		off += got;
	if (r)
		snprintf(err, errlen, "%s", ps_src_error(s));
	free(b);
	ps_src_close(s);
}

static void test_lz4(void **state)
{
	(void)state;
	const size_t n = 9 * MiB + 123;
	uint8_t *img = make_data(n, 3);
	memset(img + 2 * MiB, 0, 3 * MiB);
	char p[400], err[512];
	/* every frame flavour, stream and random (temporary file) */
	static const struct { int bcs, ccs, ind; LZ4F_blockSizeID_t bs; } f[] = {
		{ 0, 1, 0, LZ4F_max4MB }, { 1, 1, 1, LZ4F_max64KB },
		{ 1, 0, 0, LZ4F_max256KB }, { 0, 0, 1, LZ4F_max1MB },
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		uint8_t *c;
		size_t cl = lz4_frame(img, n, f[i].bcs, f[i].ccs, f[i].ind, f[i].bs, &c);
		snprintf(p, sizeof(p), "%s/f%zu.lz4", tmpdir, i);
		write_file(p, c, cl);
		read_all_equal(p, img, n, PS_OPEN_STREAM);
		read_all_equal(p, img, n, PS_OPEN_RANDOM);
		free(c);
	}
	/* two frames with a skippable frame between them, then zero padding:
	 * one image, the padding ignored with a notice */
	uint8_t *a, *b;
	size_t la = lz4_frame(img, 3 * MiB, 1, 1, 0, LZ4F_max1MB, &a);
	size_t lb = lz4_frame(img + 3 * MiB, n - 3 * MiB, 0, 1, 0, LZ4F_max4MB, &b);
	static const uint8_t skip[] = { 0x5a, 0x2a, 0x4d, 0x18, 5, 0, 0, 0, 1, 2, 3, 4, 5 };
	uint8_t *cat = calloc(1, la + sizeof(skip) + lb + 512);
	assert_non_null(cat);
	memcpy(cat, a, la);
	memcpy(cat + la, skip, sizeof(skip));
	memcpy(cat + la + sizeof(skip), b, lb);
	snprintf(p, sizeof(p), "%s/two.lz4", tmpdir);
	write_file(p, cat, la + sizeof(skip) + lb + 512);
	read_all_equal(p, img, n, PS_OPEN_STREAM);

	/* damage: a block checksum, the content checksum, a truncation */
	uint8_t *c;
	size_t cl = lz4_frame(img, n, 1, 1, 1, LZ4F_max64KB, &c);
	c[cl / 2] ^= 0x55;
	snprintf(p, sizeof(p), "%s/bcs.lz4", tmpdir);
	write_file(p, c, cl);
	read_error(p, err, sizeof(err));
	assert_non_null(strstr(err, p));
	assert_non_null(strstr(err, "lz4 decompression failed at compressed offset "));
	assert_non_null(strstr(err, "block checksum mismatch"));
	assert_null(strchr(err, '\n'));
	free(c);
	/* the content checksum (the frame's last 4 bytes) disagrees: found
	 * where the frame ends */
	cl = lz4_frame(img, n, 0, 1, 0, LZ4F_max4MB, &c);
	c[cl - 1] ^= 0x01;
	snprintf(p, sizeof(p), "%s/ccs.lz4", tmpdir);
	write_file(p, c, cl);
	read_error(p, err, sizeof(err));
	assert_non_null(strstr(err, "content checksum mismatch"));
	char off[64];
	snprintf(off, sizeof(off), "compressed offset %zu ", cl);
	assert_non_null(strstr(err, off));
	c[cl - 1] ^= 0x01;
	snprintf(p, sizeof(p), "%s/cut.lz4", tmpdir);
	write_file(p, c, cl - 3);
	read_error(p, err, sizeof(err));
	assert_non_null(strstr(err, "truncated lz4 data"));
	snprintf(off, sizeof(off), "compressed offset %zu ", cl - 3);
	assert_non_null(strstr(err, off));
	free(c);
	/* the legacy format (lz4 -l) is refused by name, never read as raw */
	static const uint8_t legacy[] = { 0x02, 0x21, 0x4c, 0x18, 4, 0, 0, 0, 0x40, 'a', 'b', 'c', 'd' };
	snprintf(p, sizeof(p), "%s/legacy.lz4", tmpdir);
	write_file(p, legacy, sizeof(legacy));
	read_error(p, err, sizeof(err));
	assert_non_null(strstr(err, "lz4 legacy format"));
	free(a);
	free(b);
	free(cat);
	free(img);
}

/* Any source says what it is stored as. */
static void test_info_plain(void **state)
{
	(void)state;
	static const uint8_t m[100];
	struct ps_src *s;
	struct ps_container_info ci;
	assert_int_equal(ps_src_open_mem(m, sizeof(m), "mem", &s), PS_OK);
	assert_int_equal(ps_src_container_info(s, &ci), PS_OK);
	assert_int_equal(ci.kind, PS_CONT_PLAIN);
	assert_string_equal(ci.format, "raw");
	assert_int_equal(ci.nsegments, 1);
	assert_string_equal(ci.segments[0], "mem");
	assert_int_equal(ci.media_size, 100);
	assert_int_equal(ci.verify, PS_VERIFY_NONE);
	assert_int_equal(ps_src_verify(s), PS_OK);	/* nothing to do */
	ps_src_close(s);
	assert_string_equal(ps_verify_name(PS_VERIFY_MATCH), "match");
	assert_string_equal(ps_verify_name(PS_VERIFY_MISMATCH), "mismatch");
}

static int setup(void **state)
{
	(void)state;
	const char *t = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/pmemscan-test_container.XXXXXX", t ? t : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_names),
		cmocka_unit_test(test_ewf_names),
		cmocka_unit_test(test_ewf_refusals),
		cmocka_unit_test(test_ewf_verify),
		cmocka_unit_test(test_split_source),
		cmocka_unit_test(test_split_many),
		cmocka_unit_test(test_lz4),
		cmocka_unit_test(test_info_plain),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
