/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fxplace SRC DST OFFSET [SRC_OFFSET LENGTH]: copy the data extents of SRC
 * (or of its range [SRC_OFFSET, SRC_OFFSET + LENGTH)) into DST at OFFSET,
 * leaving SRC's holes and all-zero 4 KiB blocks as they are in DST
 * (SEEK_DATA/SEEK_HOLE), so a 16 GiB
 * sparse filesystem image is placed in (or cut out of) a sparse fixture in
 * milliseconds. DST is extended to OFFSET + length if shorter; nothing else
 * is touched.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "fxplace: %s: %s: %s\n", path, what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 4 && argc != 6) {
		fprintf(stderr, "usage: fxplace SRC DST OFFSET [SRC_OFFSET LENGTH]\n");
		return 2;
	}
	unsigned long long v[3] = { 0, 0, 0 };
	for (int i = 3; i < argc; i++) {
		char *end;
		errno = 0;
		v[i - 3] = strtoull(argv[i], &end, 0);
		if (errno || *end || end == argv[i] || v[i - 3] > (1ull << 52)) {
			fprintf(stderr, "fxplace: bad number %s\n", argv[i]);
			return 2;
		}
	}
	unsigned long long off = v[0];
	int in = open(argv[1], O_RDONLY), out = open(argv[2], O_RDWR | O_CREAT, 0644);
	struct stat si, so;
	if (in < 0 || fstat(in, &si))
		return fail("open", argv[1]);
	if (out < 0 || fstat(out, &so))
		return fail("open", argv[2]);
	off_t from = argc == 6 ? (off_t)v[1] : 0;
	off_t to = argc == 6 ? (off_t)(v[1] + v[2]) : si.st_size;
	if (to > si.st_size || from > to) {
		fprintf(stderr, "fxplace: %s: range beyond its end\n", argv[1]);
		return 2;
	}
	unsigned long long len = (unsigned long long)(to - from);
	if ((unsigned long long)so.st_size < off + len &&
	    ftruncate(out, (off_t)(off + len)))
		return fail("extend", argv[2]);
	static char buf[1 << 20];
	off_t pos = from;
	while (pos < to) {
		off_t d = lseek(in, pos, SEEK_DATA);
		if (d < 0) {
			if (errno == ENXIO)
				break;
			return fail("SEEK_DATA", argv[1]);
		}
		if (d >= to)
			break;
		off_t h = lseek(in, d, SEEK_HOLE);
		if (h < 0)
			return fail("SEEK_HOLE", argv[1]);
		if (h > to)
			h = to;
		for (off_t p = d; p < h;) {
			size_t n = (size_t)(h - p) < sizeof(buf) ? (size_t)(h - p) : sizeof(buf);
			ssize_t r = pread(in, buf, n, p);
			if (r <= 0)
				return fail("read", argv[1]);
			/* All-zero 4 KiB blocks are holes too: whether SEEK_DATA
			 * calls an unwritten extent data depends on the page cache,
			 * and a fixture's allocation must not. */
			for (ssize_t b = 0; b < r; b += 4096) {
				ssize_t bl = r - b < 4096 ? r - b : 4096;
				ssize_t z = 0;
				while (z < bl && !buf[b + z])
					z++;
				if (z == bl)
					continue;
				if (pwrite(out, buf + b, (size_t)bl, (off_t)off + (p - from) + b) != bl)
					return fail("write", argv[2]);
			}
			p += r;
		}
		pos = h;
	}
	if (close(out))
		return fail("close", argv[2]);
	close(in);
	return 0;
}
