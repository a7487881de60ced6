/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "util.h"
#include "le.h"
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char hexdigits[] = "0123456789abcdef";

void ps_hex(const void *b, size_t n, char *out)
{
	const uint8_t *p = b;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdigits[p[i] >> 4];
		out[2 * i + 1] = hexdigits[p[i] & 15];
	}
	out[2 * n] = 0;
}

int ps_unhex(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char c = s[2 * i + k];
			/* lower case only: every hex text we read back is one
			 * we wrote with ps_hex, and an upper-case digit means
			 * the file was edited */
			int d = c >= '0' && c <= '9' ? c - '0' :
				c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
			if (d < 0)
				return -1;
			v = v * 16 + d;
		}
		out[i] = (uint8_t)v;
	}
	return 0;
}

void ps_uuid_str(const uint8_t u[16], char out[37])
{
	int o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hexdigits[u[i] >> 4];
		out[o++] = hexdigits[u[i] & 15];
	}
	out[o] = 0;
}

/* the length of the well-formed UTF-8 sequence at p (n bytes there), or 0
 * (overlong forms, surrogates and code points past U+10FFFF are not) */
static size_t utf8_len(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned char c = p[0];
	size_t k;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		k = 2, v = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		k = 3, v = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4, v = c & 0x07, min = 0x10000;
	else
		return 0;
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return k;
}

size_t ps_str_escape(const char *s, size_t len, unsigned flags, const char *also,
		     char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, n = 0;
	if (!outlen)
		return 0;
	while (n < len && p[n])
		n++;
	for (size_t i = 0; i < n;) {
		uint32_t cp = 0;
		size_t k = utf8_len(p + i, n - i, &cp);
		bool esc = !k || (k == 1 && also && cp && strchr(also, (int)cp)) ||
			   ((flags & PS_ESC_CONTROL) && (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)));
		if (esc) {
			if (o + 4 >= outlen)
				break;
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", p[i]);
			i++;
			continue;
		}
		if (o + k >= outlen)
			break;
		memcpy(out + o, p + i, k);
		o += k;
		i += k;
	}
	out[o] = 0;
	return o;
}

static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };

/* The largest unit with one decimal ("%.1f"), bytes as a whole number. */
static const char *tenths(uint64_t v, char *buf, size_t n)
{
	double d = (double)v;
	int j = 0;
	while (d >= 1024 && j < 6) {
		d /= 1024;
		j++;
	}
	snprintf(buf, n, j ? "%.1f %s" : "%.0f %s", d, units[j]);
	return buf;
}

const char *ps_human_fmt(uint64_t v, enum ps_human_style style, char *buf,
			 size_t n)
{
	if (style == PS_HUMAN_TENTHS)
		return tenths(v, buf, n);
	int i = 0;
	uint64_t x = v;
	/* Divide while the unit stays whole. Below 1 MiB of the current
	 * unit a remainder is shown in the smaller unit ("1025 KiB"), not
	 * rounded away; from there on it is one decimal of the largest. */
	while (x >= 1024 && i < 6 && (x % 1024 == 0 || x >= 1024 * 1024)) {
		if (x % 1024)
			return tenths(v, buf, n);
		x /= 1024;
		i++;
	}
	snprintf(buf, n, "%" PRIu64 " %s", x, units[i]);
	return buf;
}

int ps_pwrite_all(int fd, const void *b, size_t n, uint64_t off)
{
	const uint8_t *p = b;
	while (n) {
		ssize_t k = pwrite(fd, p, n, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = ENOSPC;
			return -1;
		}
		p += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

int ps_pwrite_nonzero(int fd, const void *b, size_t n, uint64_t off)
{
	return ps_is_zero(b, n) ? 0 : ps_pwrite_all(fd, b, n, off);
}

int ps_pwrite_sparse_runs(int fd, const uint8_t *b, size_t n, uint64_t off,
			  uint64_t *written, uint64_t *fail_off)
{
	const size_t blk = 4096;
	size_t i = 0;
	while (i < n) {
		size_t bl = blk - (size_t)((off + i) % blk);
		if (bl > n - i)
			bl = n - i;
		if (ps_is_zero(b + i, bl)) {
			i += bl;
			continue;
		}
		/* the run goes on to the next zero block (or the end) */
		size_t j = i + bl;
		while (j < n) {
			size_t b2 = n - j < blk ? n - j : blk;
			if (ps_is_zero(b + j, b2))
				break;
			j += b2;
		}
		if (ps_pwrite_all(fd, b + i, j - i, off + i)) {
			*fail_off = off + i;
			return -1;
		}
		if (written)
			*written += j - i;
		i = j;
	}
	return 0;
}

int ps_write_all(int fd, const void *b, size_t n)
{
	const uint8_t *p = b;
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = ENOSPC;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int ps_pread_all(int fd, void *b, size_t n, uint64_t off)
{
	uint8_t *p = b;
	while (n) {
		ssize_t k = pread(fd, p, n, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = EIO;
			return -1;
		}
		p += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

int ps_pread_upto(int fd, void *b, size_t n, uint64_t off, size_t *got)
{
	uint8_t *p = b;
	size_t done = 0;
	while (done < n) {
		ssize_t k = pread(fd, p + done, n - done, (off_t)(off + done));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		done += (size_t)k;
	}
	*got = done;
	return 0;
}

unsigned ps_cpu_count(void)
{
	cpu_set_t set;
	long n = 0;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n <= 0)
		n = 1;
	return n > 64 ? 64 : (unsigned)n;	/* the digest's worker limit */
}

char *ps_name_escape_alloc(const char *name, size_t len)
{
	if (len > (SIZE_MAX - 6) / 4)
		return NULL;
	size_t n = 4 * len + 6;	/* every byte as \xNN, and the loop's margin */
	char *out = malloc(n);
	if (out)
		ps_name_escape(name, len, out, n);
	return out;
}

void ps_name_escape(const char *name, size_t len, char *out, size_t outlen)
{
	size_t o = 0;
	if (!outlen)
		return;
	for (size_t i = 0; i < len && o + 5 < outlen; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x20 || c == 0x7f || c == '\\' || c == '\'')
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = 0;
}
