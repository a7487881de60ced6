/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "util.h"
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
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
