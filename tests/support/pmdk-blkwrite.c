/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pmdk-blkwrite POOL [IMAGE]: write IMAGE into the PMDK pmemblk pool POOL
 * through libpmemblk (the real writer: its BTT, its flog), one block per
 * LBA, skipping all-zero blocks; print the pool's block count and size.
 * Built by tests/cli/pmdk.sh when libpmemblk-dev is installed.
 */
#include <libpmemblk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: pmdk-blkwrite POOL [IMAGE]\n");
		return 2;
	}
	PMEMblkpool *p = pmemblk_open(argv[1], 0);
	if (!p) {
		fprintf(stderr, "pmemblk_open %s: %s\n", argv[1], pmemblk_errormsg());
		return 1;
	}
	size_t bs = pmemblk_bsize(p), n = pmemblk_nblock(p);
	printf("nblock %zu\nbsize %zu\n", n, bs);
	int rc = 0;
	if (argc == 3) {
		FILE *f = fopen(argv[2], "rb");
		char *buf = calloc(1, bs), *zero = calloc(1, bs);
		size_t got;
		long long lba = 0, written = 0;
		if (!f || !buf || !zero) {
			perror(argv[2]);
			return 1;
		}
		while ((got = fread(buf, 1, bs, f)) > 0) {
			if (got < bs)
				memset(buf + got, 0, bs - got);
			if ((size_t)lba >= n) {
				fprintf(stderr, "%s is larger than the pool's %zu blocks\n", argv[2], n);
				rc = 1;
				break;
			}
			if (memcmp(buf, zero, bs)) {
				if (pmemblk_write(p, buf, lba)) {
					fprintf(stderr, "pmemblk_write %lld: %s\n", lba, pmemblk_errormsg());
					rc = 1;
					break;
				}
				written++;
			}
			lba++;
		}
		printf("written %lld\n", written);
		fclose(f);
		free(buf);
		free(zero);
	}
	pmemblk_close(p);
	return rc;
}
