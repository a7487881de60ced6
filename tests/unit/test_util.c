/* SPDX-License-Identifier: GPL-2.0-or-later */
/* src/util.c: the helpers every layer shares (hex, UUIDs, sizes, I/O loops). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>
#include "le.h"
#include "util.h"

static void test_hex_roundtrip(void **state)
{
	(void)state;
	const uint8_t b[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
	char h[2 * sizeof(b) + 1];
	memset(h, 'x', sizeof(h));
	ps_hex(b, sizeof(b), h);
	assert_string_equal(h, "00017f80abff");
	uint8_t back[sizeof(b)];
	assert_int_equal(ps_unhex(h, sizeof(b), back), 0);
	assert_memory_equal(back, b, sizeof(b));
	ps_hex(b, 0, h);
	assert_string_equal(h, "");
}

static void test_unhex_refuses(void **state)
{
	(void)state;
	uint8_t o[2];
	assert_int_equal(ps_unhex("0g12", 2, o), -1);	/* not hex */
	assert_int_equal(ps_unhex("AB12", 2, o), -1);	/* upper case: not ours */
	assert_int_equal(ps_unhex("ab1", 2, o), -1);	/* too short: NUL */
}

/* strings from an image: valid UTF-8 kept, the rest as \xNN, never cut
 * inside an escape or a character */
static void test_str_escape(void **state)
{
	(void)state;
	char out[64];
	/* plain ASCII and a two- and a four-byte character pass */
	assert_int_equal(ps_str_escape("app \xc3\xa9\xf0\x9f\x98\x80", 64, 0, NULL, out, sizeof(out)), 10);
	assert_string_equal(out, "app \xc3\xa9\xf0\x9f\x98\x80");
	/* a lone continuation byte, a truncated sequence, an overlong '/', a
	 * surrogate, 0xff */
	ps_str_escape("a\x87" "b\xe2\x82", 64, 0, NULL, out, sizeof(out));
	assert_string_equal(out, "a\\x87b\\xe2\\x82");
	ps_str_escape("\xc0\xaf|\xed\xa0\x80|\xff", 64, 0, NULL, out, sizeof(out));
	assert_string_equal(out, "\\xc0\\xaf|\\xed\\xa0\\x80|\\xff");
	/* control characters only for a terminal; `also` escapes a quote */
	ps_str_escape("x\ty\x1b[0m\"", 64, 0, NULL, out, sizeof(out));
	assert_string_equal(out, "x\ty\x1b[0m\"");
	ps_str_escape("x\ty\x1b[0m\"", 64, PS_ESC_CONTROL, "\"\\", out, sizeof(out));
	assert_string_equal(out, "x\\x09y\\x1b[0m\\x22");
	/* a C1 control (U+0085, c2 85) under PS_ESC_CONTROL */
	ps_str_escape("\xc2\x85", 64, PS_ESC_CONTROL, NULL, out, sizeof(out));
	assert_string_equal(out, "\\xc2\\x85");
	/* len bounds the read; a NUL ends it */
	ps_str_escape("abcdef", 3, 0, NULL, out, sizeof(out));
	assert_string_equal(out, "abc");
	ps_str_escape("ab\0cd", 5, 0, NULL, out, sizeof(out));
	assert_string_equal(out, "ab");
	/* a small buffer cuts before an escape or a character, never inside */
	char small[6];
	ps_str_escape("ab\x87" "c", 64, 0, NULL, small, sizeof(small));
	assert_string_equal(small, "ab");
	ps_str_escape("abcd\xc3\xa9", 64, 0, NULL, small, sizeof(small));
	assert_string_equal(small, "abcd");
	assert_int_equal(ps_str_escape("x", 1, 0, NULL, small, 1), 0);
	assert_string_equal(small, "");
}

static void test_uuid(void **state)
{
	(void)state;
	uint8_t u[16];
	for (int i = 0; i < 16; i++)
		u[i] = (uint8_t)(0x01 + i);
	char s[37];
	ps_uuid_str(u, s);
	assert_string_equal(s, "01020304-0506-0708-090a-0b0c0d0e0f10");
}

static const char *ex(uint64_t v)
{
	static char b[32];
	return ps_human(v, b, sizeof(b));
}

static const char *te(uint64_t v)
{
	static char b[32];
	return ps_human_fmt(v, PS_HUMAN_TENTHS, b, sizeof(b));
}

/* The two styles of the one formatter, on the values where they differ. */
static void test_human(void **state)
{
	(void)state;
	const uint64_t M = 1024 * 1024;
	assert_string_equal(ex(0), "0 B");
	assert_string_equal(ex(1023), "1023 B");
	assert_string_equal(ex(1025), "1025 B");
	assert_string_equal(ex(128 * 1024), "128 KiB");
	assert_string_equal(ex(2014 * M), "2014 MiB");
	assert_string_equal(ex(16ULL << 30), "16 GiB");
	assert_string_equal(ex(1536 * M + 1), "1.5 GiB");
	assert_string_equal(ex(UINT64_MAX), "16.0 EiB");
	assert_string_equal(te(0), "0 B");
	assert_string_equal(te(1023), "1023 B");
	assert_string_equal(te(128 * 1024), "128.0 KiB");
	assert_string_equal(te(2014 * M), "2.0 GiB");
	assert_string_equal(te(3 * M), "3.0 MiB");
	/* a buffer too small is cut, never overrun */
	char small[4];
	ps_human(2014 * M, small, sizeof(small));
	assert_string_equal(small, "201");
}

static void test_is_zero(void **state)
{
	(void)state;
	uint8_t b[4096] = { 0 };
	assert_true(ps_is_zero(b, 0));
	assert_true(ps_is_zero(b, sizeof(b)));
	b[4095] = 1;
	assert_false(ps_is_zero(b, sizeof(b)));
	assert_true(ps_is_zero(b, 4095));
	b[0] = 1;
	assert_false(ps_is_zero(b, 1));
}

static void test_io_loops(void **state)
{
	(void)state;
	char path[] = "/tmp/test_util.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	static uint8_t big[1 << 20];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	assert_int_equal(ps_pwrite_all(fd, big, sizeof(big), 4096), 0);
	assert_int_equal(ps_write_all(fd, "ab", 2), 0);	/* at the file offset, 0 */
	static uint8_t back[1 << 20];
	assert_int_equal(ps_pread_all(fd, back, sizeof(back), 4096), 0);
	assert_memory_equal(back, big, sizeof(big));
	assert_int_equal(ps_pread_all(fd, back, 2, 0), 0);
	assert_memory_equal(back, "ab", 2);
	/* past the end: -1 with EIO, not a short success */
	errno = 0;
	assert_int_equal(ps_pread_all(fd, back, 16, 4096 + sizeof(big) - 8), -1);
	assert_int_equal(errno, EIO);
	close(fd);
	/* a closed descriptor: -1 with the kernel's errno */
	assert_int_equal(ps_pwrite_all(fd, big, 1, 0), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(ps_write_all(fd, big, 1), -1);
}

/* Only the 4 KiB blocks (aligned to the file's offsets) that hold a
 * non-zero byte are written, as runs: the file is filled with 0xAA first,
 * and what is not written keeps it. */
static void test_sparse_runs(void **state)
{
	(void)state;
	char path[] = "/tmp/ps-test-runs.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const uint64_t off = 3 * 4096 + 1000;	/* file blocks start at buf[3096 + k*4096] */
	const size_t n = 5 * 4096;
	uint8_t *fill = malloc(off + n), *buf = calloc(1, n), *back = malloc(off + n);
	assert_non_null(fill);
	assert_non_null(buf);
	assert_non_null(back);
	memset(fill, 0xAA, off + n);
	assert_int_equal(ps_pwrite_all(fd, fill, off + n, 0), 0);
	buf[5000] = 1;		/* file block [3096, 7192) of buf */
	buf[7192] = 2;		/* the next one: the same run */
	buf[n - 1] = 3;		/* the last, partial block [19480, 20480) */
	uint64_t written = 0, at = 0;
	assert_int_equal(ps_pwrite_sparse_runs(fd, buf, n, off, &written, &at), 0);
	assert_int_equal(written, 8192 + 1000);
	assert_int_equal(ps_pread_all(fd, back, off + n, 0), 0);
	const uint8_t *f = back + off;
	for (size_t i = 0; i < n; i++) {
		int kept = i < 3096 || (i >= 11288 && i < 19480);
		if (f[i] != (kept ? 0xAA : buf[i]))
			fail_msg("byte %zu of the buffer: 0x%02x", i, f[i]);
	}
	assert_memory_equal(back, fill, off);	/* nothing before off */
	close(fd);
	/* a write that fails: -1, errno, and where */
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	written = 0;
	assert_int_equal(ps_pwrite_sparse_runs(fd, buf, n, off, &written, &at), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(at, off + 3096);
	assert_int_equal(written, 0);
	/* all zero: nothing to write, so nothing fails */
	memset(buf, 0, n);
	assert_int_equal(ps_pwrite_sparse_runs(fd, buf, n, off, NULL, &at), 0);
	close(fd);
	unlink(path);
	free(fill);
	free(buf);
	free(back);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_hex_roundtrip),
		cmocka_unit_test(test_unhex_refuses),
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_str_escape),
		cmocka_unit_test(test_human),
		cmocka_unit_test(test_is_zero),
		cmocka_unit_test(test_io_loops),
		cmocka_unit_test(test_sparse_runs),
	};
	return cmocka_run_group_tests(t, NULL, NULL);
}
