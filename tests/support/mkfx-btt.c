/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mkfx-btt: make a sparse namespace image holding a BTT laid out as the
 * kernel does, optionally import a filesystem image through it (LBA by LBA
 * in a shuffled order, as btt_write_pg() would), and inject faults.
 *
 *   mkfx-btt -o OUT -s SIZE [-v 1.1|2.0] [-b LBASIZE] [-i IMAGE] [-S SEED]
 *            [--skip-zero] [--log02] [--fault F]...
 * faults:
 *   torn:LBA        write LBA again (block filled with "TORN<lba>") but stop
 *                   after the flog update: the map still has the old block
 *   bad-primary     corrupt arena 0's primary info block (backup stays good)
 *   bad-both        corrupt arena 0's primary and backup info blocks
 *   map-oor:LBA     map entry of LBA points past internal_nlba
 *   dup:A,B         map entry of B points at the same block as A's
 *   err:LBA         map entry of LBA gets the error flag only
 *   trim:LBA        map entry of LBA gets the zero (trim) flag only
 *   seq-eq:LANE     arena 0 flog lane: both slots get the same seq
 * It prints "nlba N sector_size S arenas K" on success.
 */
#include "btt.h"
#include "err.h"
#include "le.h"
#include "btt_writer.h"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int parse_size(const char *s, uint64_t *out)
{
	char *e;
	errno = 0;
	unsigned long long v = strtoull(s, &e, 0);
	if (errno || e == s)
		return -1;
	unsigned sh = 0;
	switch (*e) {
	case 'k': case 'K': sh = 10; e++; break;
	case 'm': case 'M': sh = 20; e++; break;
	case 'g': case 'G': sh = 30; e++; break;
	case 't': case 'T': sh = 40; e++; break;
	default: break;
	}
	if (*e)
		return -1;
	*out = (uint64_t)v << sh;
	return 0;
}

static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void die(const char *m)
{
	fprintf(stderr, "mkfx-btt: %s\n", m);
	exit(1);
}

static void corrupt(int fd, uint64_t off)
{
	uint8_t b;
	if (pread(fd, &b, 1, (off_t)off) != 1)
		die("read for corruption failed");
	b ^= 0x01;
	if (pwrite(fd, &b, 1, (off_t)off) != 1)
		die("write for corruption failed");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "skip-zero", no_argument, NULL, 'z' },
		{ "log02", no_argument, NULL, 'L' },
		{ "fault", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *img = NULL, *faults[32];
	int nf = 0, skip_zero = 0, log02 = 0, c;
	uint64_t size = 0, seed = 1;
	unsigned major = 1;
	uint32_t lbasize = 4096;
	while ((c = getopt_long(argc, argv, "o:s:v:b:i:S:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 's': if (parse_size(optarg, &size)) die("bad -s"); break;
		case 'v':
			if (!strcmp(optarg, "1.1"))
				major = 1;
			else if (!strcmp(optarg, "2.0"))
				major = 2;
			else
				die("-v must be 1.1 or 2.0");
			break;
		case 'b': lbasize = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'i': img = optarg; break;
		case 'S': seed = strtoull(optarg, NULL, 0); break;
		case 'z': skip_zero = 1; break;
		case 'L': log02 = 1; break;
		case 'f':
			if (nf == 32)
				die("too many faults");
			faults[nf++] = optarg;
			break;
		default: die("usage: mkfx-btt -o OUT -s SIZE [-v 1.1|2.0] [-b LBASIZE] [-i IMAGE] [-S SEED] [--skip-zero] [--log02] [--fault F]");
		}
	}
	if (!out || !size)
		die("-o OUT and -s SIZE are required");
	int fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		die("cannot create the output");
	struct ps_btt_sink sink = { .fd = fd, .base = 0, .ns_size = size };
	struct ps_btt_fmt f;
	memset(&f, 0, sizeof(f));
	f.lbasize = lbasize;
	f.version_major = major;
	for (int i = 0; i < 16; i++)
		f.uuid[i] = (uint8_t)(0xa0 + i);
	f.log_index1 = log02 ? 2 : 1;
	struct ps_btt_writer *w;
	char err[256];
	if (ps_btt_format(&sink, &f, &w, err, sizeof(err)))
		die(err);
	uint32_t ss = ps_btt_writer_sector_size(w);
	uint64_t nlba = ps_btt_writer_nlba(w);
	uint8_t *blk = calloc(1, ss);
	rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
	if (img) {
		int ifd = open(img, O_RDONLY);
		struct stat st;
		if (ifd < 0 || fstat(ifd, &st) < 0)
			die("cannot open the import image");
		uint64_t nb = ((uint64_t)st.st_size + ss - 1) / ss;
		if (nb > nlba)
			die("import image larger than the BTT");
		uint64_t *order = malloc(nb * sizeof(*order));
		if (!order && nb)
			die("out of memory");
		for (uint64_t i = 0; i < nb; i++)
			order[i] = i;
		for (uint64_t i = nb; i > 1; i--) {
			uint64_t j = rnd() % i, t = order[i - 1];
			order[i - 1] = order[j];
			order[j] = t;
		}
		for (uint64_t i = 0; i < nb; i++) {
			memset(blk, 0, ss);
			ssize_t k = pread(ifd, blk, ss, (off_t)(order[i] * ss));
			if (k < 0)
				die("read error on the import image");
			if (skip_zero && ps_is_zero(blk, ss))
				continue;
			if (ps_btt_write_lba(w, order[i], blk, -1, 0))
				die("BTT write failed");
		}
		free(order);
		close(ifd);
	}
	for (int i = 0; i < nf; i++) {
		const char *F = faults[i];
		uint64_t a = 0, b2 = 0;
		uint32_t raw;
		if (!strncmp(F, "torn:", 5)) {
			a = strtoull(F + 5, NULL, 0);
			memset(blk, 0, ss);
			snprintf((char *)blk, ss, "TORN%" PRIu64, a);
			if (ps_btt_write_lba(w, a, blk, -1, PS_BTT_W_TORN))
				die("torn write failed");
		} else if (!strcmp(F, "bad-primary") || !strcmp(F, "bad-both")) {
			uint64_t io, i2;
			ps_btt_writer_arena(w, 0, &io, &i2, NULL, NULL);
			corrupt(fd, io + PS_BTT_OFF_internal_lbasize);
			if (!strcmp(F, "bad-both"))
				corrupt(fd, i2 + PS_BTT_OFF_internal_lbasize);
		} else if (!strncmp(F, "map-oor:", 8)) {
			a = strtoull(F + 8, NULL, 0);
			if (ps_btt_writer_set_map(w, a, PS_BTT_MAP_NORMAL | 0x3ffffff0u))
				die("map poke failed");
		} else if (!strncmp(F, "dup:", 4)) {
			char *e;
			a = strtoull(F + 4, &e, 0);
			if (*e != ',')
				die("dup:A,B");
			b2 = strtoull(e + 1, NULL, 0);
			if (ps_btt_writer_get_map(w, a, &raw))
				die("map read failed");
			if (!(raw & PS_BTT_MAP_NORMAL))
				raw = (uint32_t)a | PS_BTT_MAP_NORMAL;	/* identity, made explicit */
			if (ps_btt_writer_set_map(w, b2, raw))
				die("map poke failed");
		} else if (!strncmp(F, "err:", 4) || !strncmp(F, "trim:", 5)) {
			int is_err = F[0] == 'e';
			a = strtoull(F + (is_err ? 4 : 5), NULL, 0);
			if (ps_btt_writer_get_map(w, a, &raw))
				die("map read failed");
			uint32_t post = (raw & PS_BTT_MAP_NORMAL) ? raw & PS_BTT_MAP_LBA_MASK : (uint32_t)a;
			if (ps_btt_writer_set_map(w, a, post | (is_err ? PS_BTT_MAP_E : PS_BTT_MAP_Z)))
				die("map poke failed");
		} else if (!strncmp(F, "seq-eq:", 7)) {
			a = strtoull(F + 7, NULL, 0);
			uint64_t lo;
			ps_btt_writer_arena(w, 0, NULL, NULL, NULL, &lo);
			uint8_t s[4];
			if (pread(fd, s, 4, (off_t)(lo + a * 64 + 12)) != 4 ||
			    pwrite(fd, s, 4, (off_t)(lo + a * 64 + (log02 ? 32 : 16) + 12)) != 4)
				die("flog poke failed");
		} else {
			die("unknown fault");
		}
	}
	printf("nlba %" PRIu64 " sector_size %u arenas %u\n", nlba, ss,
	       ps_btt_writer_narenas(w));
	ps_btt_writer_free(w);
	free(blk);
	if (close(fd) < 0)
		die("close failed");
	return 0;
}
