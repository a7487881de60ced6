// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * guest-io: the file I/O the kernel harness does inside the guest, and the
 * pattern search it does on the host. Built with `gcc -static`; no library
 * beyond libc (sha256 is implemented here, FIPS 180-4).
 *
 *   guest-io write  FILE SIZE TAG [--min-phys N]   data only through write()
 *   guest-io mmap   FILE SIZE TAG [--min-phys N]   like a PMDK pool: ftruncate,
 *                    fallocate, then stores through a shared mapping + msync;
 *                    never write()
 *   guest-io mixed  FILE SIZE TAG [--min-phys N]   the first half of the pages
 *                    through write(), the rest through the mapping
 *   guest-io devdax DEV SIZE TAG                   stores through a device-dax
 *                    mapping (no msync: device dax refuses it)
 *   guest-io sum    FILE [SIZE]     "sha256_read sha256_mmap size" ("-" where a
 *                    path is not possible: read() on device dax); SIZE for devices
 *   guest-io extents FILE           FIEMAP: "logical physical length flags" (bytes)
 *   guest-io find   IMAGE           every 4 KiB-aligned page that starts with a
 *                    pattern header: "offset tag how page"
 *   guest-io pattern TAG HOW SIZE [FIRSTPAGE]   the pattern bytes on stdout
 *   guest-io nonzero IMAGE START END   the 4 KiB pages of [START, END) that hold
 *                    a non-zero byte, merged into ranges: "start end" per line
 *   guest-io fsync  PATH...         fsync(2) each file or directory
 *   guest-io setxattr PATH NAME SIZE TAG   lsetxattr NAME = SIZE pattern bytes
 *   guest-io tree   DIR             every entry under DIR (not DIR itself), through
 *                    lstat/read()/readlink/llistxattr, never a mapping, one line:
 *                    "path type mode uid gid size nlink sha256 target xattrs"
 *                    (type f d l c b p s; mode octal; sha256 and target "-" where
 *                    none; xattrs "name=sha256(value),..." sorted, or "-"; bytes
 *                    <= ' ', '%', '=', ',' and >= 0x7f in names as %XX); unsorted
 *
 * Pattern: page p (4096 bytes) of a file tagged TAG, written by HOW ('w'
 * write(), 'm' mapping), is the line "PMEMSCAN-KT TAG HOW page %08u\n"
 * repeated and cut at 4096 bytes; a file's last page is cut at its size.
 *
 * --min-phys N: the file's blocks must all lie at or above byte N of the
 * filesystem's device (FIEMAP). A try that lands lower is renamed to
 * FILE.spill.K (its blocks stay taken) and the allocation is tried again, up
 * to 256 times. Used on a legacy start_pad namespace, where a DAX fault on a
 * block below start_pad - dataoff oopses the kernel and a store below
 * start_pad lands in the struct-page area (spec §7.2).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <dirent.h>
#include <unistd.h>

#define PAGE 4096u
#define HDR "PMEMSCAN-KT "

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("guest-io: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ---- sha256 (FIPS 180-4) ---- */
struct sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
	size_t n;
};

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

static void sha_block(struct sha256 *s, const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3];
	e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
		uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		h = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
	s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

static void sha_init(struct sha256 *s)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};
	memcpy(s->h, iv, sizeof iv);
	s->len = 0;
	s->n = 0;
}

static void sha_update(struct sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->len += len;
	if (s->n) {
		size_t k = 64 - s->n < len ? 64 - s->n : len;
		memcpy(s->buf + s->n, p, k);
		s->n += k; p += k; len -= k;
		if (s->n < 64)
			return;
		sha_block(s, s->buf);
		s->n = 0;
	}
	for (; len >= 64; p += 64, len -= 64)
		sha_block(s, p);
	memcpy(s->buf, p, len);
	s->n = len;
}

static void sha_hex(struct sha256 *s, char out[65])
{
	uint64_t bits = s->len * 8;
	uint8_t pad = 0x80, zero = 0, lenb[8];

	sha_update(s, &pad, 1);
	while (s->n != 56)
		sha_update(s, &zero, 1);
	for (int i = 0; i < 8; i++)
		lenb[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha_update(s, lenb, 8);
	for (int i = 0; i < 8; i++)
		snprintf(out + 8 * i, 9, "%08" PRIx32, s->h[i]);
}

/* ---- helpers ---- */
static uint64_t num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		die("not a number: %s", s);
	switch (*end) {
	case 'K': v <<= 10; end++; break;
	case 'M': v <<= 20; end++; break;
	case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end)
		die("not a number: %s", s);
	return v;
}

static void fill_page(uint8_t *p, const char *tag, char how, uint64_t page)
{
	char line[128];
	int n = snprintf(line, sizeof line, HDR "%s %c page %08" PRIu64 "\n", tag, how, page);

	if (n <= 0 || (size_t)n >= sizeof line)
		die("tag too long: %s", tag);
	for (unsigned off = 0; off < PAGE; off += (unsigned)n)
		memcpy(p + off, line, PAGE - off < (unsigned)n ? PAGE - off : (unsigned)n);
}

static void write_all(int fd, const void *buf, size_t len, off_t off)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t r = pwrite(fd, p, len, off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("write: %s", strerror(errno));
		}
		p += r; len -= (size_t)r; off += r;
	}
}

/* lowest physical byte of FD's extents; UINT64_MAX when it has none */
static uint64_t min_phys(int fd)
{
	union {
		struct fiemap fm;
		uint8_t raw[sizeof(struct fiemap) + 64 * sizeof(struct fiemap_extent)];
	} u;
	uint64_t start = 0, lo = UINT64_MAX;

	for (;;) {
		memset(&u, 0, sizeof u);
		u.fm.fm_start = start;
		u.fm.fm_length = FIEMAP_MAX_OFFSET;
		u.fm.fm_flags = FIEMAP_FLAG_SYNC;
		u.fm.fm_extent_count = 64;
		if (ioctl(fd, FS_IOC_FIEMAP, &u.fm) < 0)
			die("FIEMAP: %s", strerror(errno));
		if (!u.fm.fm_mapped_extents)
			return lo;
		for (unsigned i = 0; i < u.fm.fm_mapped_extents; i++) {
			struct fiemap_extent *e = &u.fm.fm_extents[i];
			if (e->fe_physical < lo)
				lo = e->fe_physical;
			start = e->fe_logical + e->fe_length;
			if (e->fe_flags & FIEMAP_EXTENT_LAST)
				return lo;
		}
	}
}

static int cmd_extents(const char *path)
{
	int fd = open(path, O_RDONLY);
	union {
		struct fiemap fm;
		uint8_t raw[sizeof(struct fiemap) + 64 * sizeof(struct fiemap_extent)];
	} u;
	uint64_t start = 0;

	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	for (;;) {
		memset(&u, 0, sizeof u);
		u.fm.fm_start = start;
		u.fm.fm_length = FIEMAP_MAX_OFFSET;
		u.fm.fm_flags = FIEMAP_FLAG_SYNC;
		u.fm.fm_extent_count = 64;
		if (ioctl(fd, FS_IOC_FIEMAP, &u.fm) < 0)
			die("%s: FIEMAP: %s", path, strerror(errno));
		if (!u.fm.fm_mapped_extents)
			break;
		for (unsigned i = 0; i < u.fm.fm_mapped_extents; i++) {
			struct fiemap_extent *e = &u.fm.fm_extents[i];
			printf("%llu %llu %llu 0x%x\n", (unsigned long long)e->fe_logical,
			       (unsigned long long)e->fe_physical,
			       (unsigned long long)e->fe_length, e->fe_flags);
			start = e->fe_logical + e->fe_length;
			if (e->fe_flags & FIEMAP_EXTENT_LAST)
				goto out;
		}
	}
out:
	close(fd);
	return 0;
}

/* store pages [first, npages) of the pattern through a shared mapping */
static void map_store(int fd, uint64_t size, uint64_t first, const char *tag, int sync)
{
	uint64_t npages = (size + PAGE - 1) / PAGE;
	uint8_t page[PAGE];
	uint8_t *m;

	if (first >= npages)
		return;
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	for (uint64_t p = first; p < npages; p++) {
		uint64_t len = size - p * PAGE < PAGE ? size - p * PAGE : PAGE;
		fill_page(page, tag, 'm', p);
		memcpy(m + p * PAGE, page, len);
	}
	if (sync && msync(m, size, MS_SYNC) < 0)
		die("msync: %s", strerror(errno));
	munmap(m, size);
}

enum how { HOW_WRITE, HOW_MMAP, HOW_MIXED };

/* allocate FILE's blocks the way HOW does (write() data for the write()
 * part, ftruncate + fallocate for the mapped part), fsync'd */
static void allocate(int fd, enum how how, uint64_t size, const char *tag)
{
	uint64_t npages = (size + PAGE - 1) / PAGE;
	uint64_t wpages = how == HOW_WRITE ? npages : how == HOW_MIXED ? npages / 2 : 0;
	uint8_t page[PAGE];
	int r;

	for (uint64_t p = 0; p < wpages; p++) {
		uint64_t len = size - p * PAGE < PAGE ? size - p * PAGE : PAGE;
		fill_page(page, tag, 'w', p);
		write_all(fd, page, len, (off_t)(p * PAGE));
	}
	if (how != HOW_WRITE) {
		if (ftruncate(fd, (off_t)size) < 0)
			die("ftruncate: %s", strerror(errno));
		r = posix_fallocate(fd, (off_t)(wpages * PAGE), (off_t)(size - wpages * PAGE));
		if (r)
			die("fallocate: %s", strerror(r));
	}
	if (fsync(fd) < 0)
		die("fsync: %s", strerror(errno));
}

static int cmd_file(enum how how, int argc, char **argv)
{
	const char *path, *tag;
	uint64_t size, need = 0;
	char tmp[4096], spill[4096];
	int fd, tries = 0;

	if (argc != 3 && !(argc == 5 && !strcmp(argv[3], "--min-phys")))
		die("usage: write|mmap|mixed FILE SIZE TAG [--min-phys N]");
	path = argv[0];
	size = num(argv[1]);
	tag = argv[2];
	if (argc == 5)
		need = num(argv[4]);
	snprintf(tmp, sizeof tmp, "%s.try", path);
	for (;;) {
		uint64_t lo;

		fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			die("%s: %s", tmp, strerror(errno));
		allocate(fd, how, size, tag);
		if (!need)
			break;
		lo = min_phys(fd);
		fprintf(stderr, "guest-io: %s: try %d: lowest block at byte %llu (0x%llx)\n", path,
			tries, (unsigned long long)lo, (unsigned long long)lo);
		if (lo >= need)
			break;
		close(fd);
		snprintf(spill, sizeof spill, "%s.spill.%d", path, tries);
		if (rename(tmp, spill) < 0)
			die("rename %s: %s", tmp, strerror(errno));
		if (++tries >= 256)
			die("%s: 256 tries, still placed below %llu", path, (unsigned long long)need);
	}
	if (how != HOW_WRITE)
		map_store(fd, size, how == HOW_MIXED ? (size + PAGE - 1) / PAGE / 2 : 0, tag, 1);
	if (fsync(fd) < 0)
		die("fsync: %s", strerror(errno));
	close(fd);
	if (rename(tmp, path) < 0)
		die("rename %s: %s", tmp, strerror(errno));
	if (tries)
		fprintf(stderr, "guest-io: %s: %d tries placed below %llu kept as %s.spill.*\n",
			path, tries, (unsigned long long)need, path);
	return 0;
}

static int cmd_devdax(int argc, char **argv)
{
	int fd;

	if (argc != 3)
		die("usage: devdax DEV SIZE TAG");
	fd = open(argv[0], O_RDWR);
	if (fd < 0)
		die("%s: %s", argv[0], strerror(errno));
	/* device dax has no msync (EINVAL): its stores go straight to the media */
	map_store(fd, num(argv[1]), 0, argv[2], 0);
	close(fd);
	return 0;
}

static int cmd_sum(int argc, char **argv)
{
	struct sha256 s;
	char hr[65] = "-", hm[65] = "-";
	uint64_t size;
	struct stat st;
	int fd;

	if (argc < 1 || argc > 2)
		die("usage: sum FILE [SIZE]");
	fd = open(argv[0], O_RDONLY);
	if (fd < 0)
		die("%s: %s", argv[0], strerror(errno));
	if (fstat(fd, &st) < 0)
		die("%s: %s", argv[0], strerror(errno));
	size = argc == 2 ? num(argv[1]) : (uint64_t)st.st_size;
	if (S_ISREG(st.st_mode)) {
		static uint8_t buf[1 << 16];
		uint64_t done = 0;

		sha_init(&s);
		while (done < size) {
			ssize_t r = pread(fd, buf, size - done < sizeof buf ? size - done : sizeof buf,
					  (off_t)done);
			if (r < 0)
				die("read: %s", strerror(errno));
			if (r == 0)
				break;
			sha_update(&s, buf, (size_t)r);
			done += (uint64_t)r;
		}
		sha_hex(&s, hr);
	}
	sha_init(&s);
	if (size) {
		uint8_t *m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED)
			die("mmap: %s", strerror(errno));
		sha_update(&s, m, size);
		munmap(m, size);
	}
	sha_hex(&s, hm);
	close(fd);
	printf("%s %s %llu\n", hr, hm, (unsigned long long)size);
	return 0;
}

static int cmd_find(int argc, char **argv)
{
	static uint8_t buf[1 << 20];
	int fd;
	off_t pos = 0, end;

	if (argc != 1)
		die("usage: find IMAGE");
	fd = open(argv[0], O_RDONLY);
	if (fd < 0)
		die("%s: %s", argv[0], strerror(errno));
	end = lseek(fd, 0, SEEK_END);
	while (pos < end) {
		off_t d = lseek(fd, pos, SEEK_DATA);
		ssize_t r;

		if (d < 0)
			break;
		pos = d & ~(off_t)(PAGE - 1);
		r = pread(fd, buf, sizeof buf, pos);
		if (r <= 0)
			break;
		for (ssize_t o = 0; o + (ssize_t)PAGE <= r; o += PAGE) {
			char tag[80], how;
			unsigned long long page;
			const char *nl = memchr(buf + o, '\n', 128);

			if (memcmp(buf + o, HDR, strlen(HDR)) || !nl)
				continue;
			if (sscanf((const char *)buf + o + strlen(HDR), "%79s %c page %llu", tag, &how,
				   &page) == 3)
				printf("%lld %s %c %llu\n", (long long)(pos + o), tag, how, page);
		}
		pos += r & ~(ssize_t)(PAGE - 1);
		if (r < (ssize_t)PAGE)
			break;
	}
	close(fd);
	return 0;
}

static int cmd_pattern(int argc, char **argv)
{
	uint8_t page[PAGE];
	uint64_t size, first;

	if (argc < 3 || argc > 4 || strlen(argv[1]) != 1)
		die("usage: pattern TAG HOW SIZE [FIRSTPAGE]");
	size = num(argv[2]);
	first = argc == 4 ? num(argv[3]) : 0;
	for (uint64_t p = first; p * PAGE < size; p++) {
		uint64_t len = size - p * PAGE < PAGE ? size - p * PAGE : PAGE;
		fill_page(page, argv[0], argv[1][0], p);
		if (fwrite(page, 1, len, stdout) != len)
			die("write: %s", strerror(errno));
	}
	return 0;
}

static int cmd_nonzero(int argc, char **argv)
{
	static uint8_t buf[1 << 20];
	static const uint8_t zero[PAGE];
	uint64_t pos, end, run = UINT64_MAX;
	int fd;

	if (argc != 3)
		die("usage: nonzero IMAGE START END");
	fd = open(argv[0], O_RDONLY);
	if (fd < 0)
		die("%s: %s", argv[0], strerror(errno));
	pos = num(argv[1]) & ~(uint64_t)(PAGE - 1);
	end = num(argv[2]);
	while (pos < end) {
		uint64_t want = end - pos < sizeof buf ? end - pos : sizeof buf;
		ssize_t r = pread(fd, buf, want, (off_t)pos);

		if (r <= 0)
			break;
		for (uint64_t o = 0; o < (uint64_t)r; o += PAGE) {
			uint64_t len = (uint64_t)r - o < PAGE ? (uint64_t)r - o : PAGE;
			int nz = memcmp(buf + o, zero, len) != 0;

			if (nz && run == UINT64_MAX)
				run = pos + o;
			if (!nz && run != UINT64_MAX) {
				printf("%llu %llu\n", (unsigned long long)run, (unsigned long long)(pos + o));
				run = UINT64_MAX;
			}
		}
		pos += (uint64_t)r;
	}
	if (run != UINT64_MAX)
		printf("%llu %llu\n", (unsigned long long)run, (unsigned long long)pos);
	close(fd);
	return 0;
}

static int cmd_fsync(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY | O_NOFOLLOW);

		if (fd < 0)
			die("%s: %s", argv[i], strerror(errno));
		if (fsync(fd) < 0)
			die("fsync %s: %s", argv[i], strerror(errno));
		close(fd);
	}
	return 0;
}

static int cmd_setxattr(int argc, char **argv)
{
	uint64_t size;
	uint8_t *v, page[PAGE];

	if (argc != 4)
		die("usage: setxattr PATH NAME SIZE TAG");
	size = num(argv[2]);
	if (size > 65536)
		die("xattr too large: %s", argv[2]);
	v = malloc(size ? size : 1);
	if (!v)
		die("out of memory");
	for (uint64_t o = 0; o < size; o += PAGE) {
		fill_page(page, argv[3], 'x', o / PAGE);
		memcpy(v + o, page, size - o < PAGE ? size - o : PAGE);
	}
	if (lsetxattr(argv[0], argv[1], v, size, 0) < 0)
		die("setxattr %s %s: %s", argv[0], argv[1], strerror(errno));
	free(v);
	return 0;
}

/* print S with the bytes a tree line cannot hold as %XX */
static void put_esc(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= ' ' || c >= 0x7f || c == '%' || c == '=' || c == ',')
			printf("%%%02X", c);
		else
			putchar(c);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sha_fd(int fd, char out[65])
{
	static uint8_t buf[1 << 16];
	struct sha256 s;
	ssize_t r;

	sha_init(&s);
	while ((r = read(fd, buf, sizeof buf)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("read: %s", strerror(errno));
		}
		sha_update(&s, buf, (size_t)r);
	}
	sha_hex(&s, out);
}

static void tree_xattrs(const char *path)
{
	char *names, *list[1024];
	ssize_t len = llistxattr(path, NULL, 0);
	size_t n = 0;

	if (len < 0 && (errno == ENOTSUP || errno == ENODATA))
		len = 0;
	if (len < 0)
		die("listxattr %s: %s", path, strerror(errno));
	if (len == 0) {
		fputs(" -", stdout);
		return;
	}
	names = malloc((size_t)len + 1);
	if (!names)
		die("out of memory");
	len = llistxattr(path, names, (size_t)len);
	if (len < 0)
		die("listxattr %s: %s", path, strerror(errno));
	for (ssize_t o = 0; o < len && n < 1024; o += (ssize_t)strlen(names + o) + 1)
		list[n++] = names + o;
	qsort(list, n, sizeof *list, cmp_str);
	for (size_t i = 0; i < n; i++) {
		ssize_t vl = lgetxattr(path, list[i], NULL, 0);
		uint8_t *v;
		struct sha256 s;
		char h[65];

		if (vl < 0)
			die("getxattr %s %s: %s", path, list[i], strerror(errno));
		v = malloc((size_t)vl + 1);
		if (!v)
			die("out of memory");
		vl = lgetxattr(path, list[i], v, (size_t)vl);
		if (vl < 0)
			die("getxattr %s %s: %s", path, list[i], strerror(errno));
		sha_init(&s);
		sha_update(&s, v, (size_t)vl);
		sha_hex(&s, h);
		fputs(i ? "," : " ", stdout);
		put_esc(list[i]);
		printf("=%s", h);
		free(v);
	}
	free(names);
}

static void tree_walk(const char *dir, const char *rel)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		die("%s: %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		char path[4096], rpath[4096], h[65] = "-", target[4096];
		struct stat st;
		char type = '?';

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path ||
		    (size_t)snprintf(rpath, sizeof rpath, "%s/%s", rel, e->d_name) >= sizeof rpath)
			die("path too long under %s", dir);
		if (lstat(path, &st) < 0)
			die("%s: %s", path, strerror(errno));
		switch (st.st_mode & S_IFMT) {
		case S_IFREG: type = 'f'; break;
		case S_IFDIR: type = 'd'; break;
		case S_IFLNK: type = 'l'; break;
		case S_IFCHR: type = 'c'; break;
		case S_IFBLK: type = 'b'; break;
		case S_IFIFO: type = 'p'; break;
		case S_IFSOCK: type = 's'; break;
		default: break;
		}
		if (type == 'f') {
			int fd = open(path, O_RDONLY | O_NOFOLLOW);

			if (fd < 0)
				die("%s: %s", path, strerror(errno));
			sha_fd(fd, h);
			close(fd);
		}
		put_esc(rpath);
		printf(" %c %04o %u %u %llu %llu %s ", type, (unsigned)(st.st_mode & 07777),
		       (unsigned)st.st_uid, (unsigned)st.st_gid, (unsigned long long)st.st_size,
		       (unsigned long long)st.st_nlink, h);
		if (type == 'l') {
			ssize_t n = readlink(path, target, sizeof target - 1);

			if (n < 0)
				die("readlink %s: %s", path, strerror(errno));
			target[n] = 0;
			put_esc(target);
		} else {
			putchar('-');
		}
		tree_xattrs(path);
		putchar('\n');
		if (type == 'd')
			tree_walk(path, rpath);
	}
	closedir(d);
}

static int cmd_tree(int argc, char **argv)
{
	if (argc != 1)
		die("usage: tree DIR");
	tree_walk(argv[0], "");
	return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: guest-io write|mmap|mixed|devdax|sum|extents|find|pattern|nonzero|fsync|setxattr|tree ...\n", stderr);
		return 2;
	}
	if (!strcmp(argv[1], "write"))
		return cmd_file(HOW_WRITE, argc - 2, argv + 2);
	if (!strcmp(argv[1], "mmap"))
		return cmd_file(HOW_MMAP, argc - 2, argv + 2);
	if (!strcmp(argv[1], "mixed"))
		return cmd_file(HOW_MIXED, argc - 2, argv + 2);
	if (!strcmp(argv[1], "devdax"))
		return cmd_devdax(argc - 2, argv + 2);
	if (!strcmp(argv[1], "sum"))
		return cmd_sum(argc - 2, argv + 2);
	if (!strcmp(argv[1], "extents") && argc == 3)
		return cmd_extents(argv[2]);
	if (!strcmp(argv[1], "find"))
		return cmd_find(argc - 2, argv + 2);
	if (!strcmp(argv[1], "pattern"))
		return cmd_pattern(argc - 2, argv + 2);
	if (!strcmp(argv[1], "nonzero"))
		return cmd_nonzero(argc - 2, argv + 2);
	if (!strcmp(argv[1], "fsync"))
		return cmd_fsync(argc - 2, argv + 2);
	if (!strcmp(argv[1], "setxattr"))
		return cmd_setxattr(argc - 2, argv + 2);
	if (!strcmp(argv[1], "tree"))
		return cmd_tree(argc - 2, argv + 2);
	fprintf(stderr, "guest-io: unknown command %s\n", argv[1]);
	return 2;
}
