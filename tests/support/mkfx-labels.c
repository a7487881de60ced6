/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mkfx-labels OUTDIR: write label-area fixtures for tests/cli/labels.sh.
 * Everything follows the kernel's formulas (ps_lsa_format: UEFI 2.7 slot
 * count, index 0 seq 3 / index 1 seq 2 as init_labels() writes them,
 * v1.2 checksums), with the variations a support engineer meets:
 *   v11.lsa          128 KiB dump, v1.1 (128-byte) labels, 2 namespaces
 *   v12.lsa          128 KiB dump, v1.2 labels: fsdax, devdax, sector (btt), btt2
 *   il-dimm0.lsa,
 *   il-dimm1.lsa     2-way interleave set, 2 namespaces, positions 0/1
 *   badprimary.lsa   newest index (block 1) corrupt: the kernel falls back to
 *                    block 0, which lacks the newest namespace
 *   disagree.lsa     both blocks valid, bitmaps differ (one label freed, one
 *                    added by the last update)
 *   old-kernel.lsa   pre-4.17 layout: nslot = config/(labelsize+1), seq 0/2
 *   qemu.img         QEMU nvdimm backing file: 64 MiB data (fsdax info block
 *                    at 4096) + 128 KiB label area in the last bytes (sparse)
 *   qemu-deleted0.img  128 MiB data whose first namespace was destroyed: one
 *                    label left, dpa 64 MiB, its fsdax block at 64 MiB + 4096
 *   qemu-short.img   64 MiB of data + 128 KiB label area whose labels say
 *                    more: a raw namespace of 2 GiB at dpa 0 (the DIMM's
 *                    data cut short, the label area kept at the end)
 *   qemu-two.img     64 MiB of data + 128 KiB label area, two raw
 *                    namespaces: 64 MiB at dpa 0 (it fits) and 2 GiB at
 *                    dpa 64 MiB (none of it in the image)
 * Not installed; built by make check.
 */
#include "err.h"
#include "fletcher.h"
#include "label.h"
#include "le.h"
#include "lsa_writer.h"
#include "pfn.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KiB 1024ULL
#define MiB (1024ULL * 1024)
#define LSA (128 * KiB)

static const char *outdir;

static void die(const char *what)
{
	fprintf(stderr, "mkfx-labels: %s: %s\n", what, strerror(errno ? errno : EINVAL));
	exit(1);
}

static void parse_uuid(const char *s, uint8_t u[16])
{
	int k = 0;
	for (const char *p = s; *p && k < 16; p++) {
		if (*p == '-')
			continue;
		unsigned v;
		if (sscanf(p, "%2x", &v) != 1)
			die("uuid");
		u[k++] = (uint8_t)v;
		p++;
	}
}

static struct ps_label lab(const char *uuid, const char *name, uint32_t slot,
			   uint16_t pos, uint16_t nlabel, uint64_t dpa, uint64_t rawsize,
			   enum ps_claim claim, uint64_t lbasize)
{
	struct ps_label l;
	memset(&l, 0, sizeof(l));
	parse_uuid(uuid, l.uuid);
	snprintf(l.name, sizeof(l.name), "%s", name);
	l.slot = slot;
	l.position = pos;
	l.nlabel = nlabel;
	l.dpa = dpa;
	l.rawsize = rawsize;
	l.lbasize = lbasize;
	l.isetcookie = 0x4c8b7a3ed1a6f0b2ULL;
	l.claim = claim;
	/* NFIT persistent-memory range type guid 66f0d379-b4f3-4074-ac43-0d3318b78cdb */
	static const uint8_t pm[16] = { 0x79, 0xd3, 0xf0, 0x66, 0xf3, 0xb4, 0x74, 0x40,
					0xac, 0x43, 0x0d, 0x33, 0x18, 0xb7, 0x8c, 0xdb };
	memcpy(l.type_guid, pm, 16);
	return l;
}

static void put(const char *name, const uint8_t *b, size_t len)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/%s", outdir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die(p);
	if (write(fd, b, len) != (ssize_t)len)
		die(p);
	close(fd);
}

static void reseal(uint8_t *ix, uint64_t isz)
{
	PS_FIELD_PUT(PS_NSINDEX, ix, checksum,
		     ps_fletcher64(ix, isz, PS_NSINDEX_OFF_checksum, PS_NSINDEX_LEN_checksum));
}

static void format(uint8_t *b, uint64_t size, uint32_t lsz, const struct ps_label *l,
		   size_t n, const struct ps_lsa_layout *lay)
{
	if (ps_lsa_format(b, size, lsz, l, n, lay) != PS_OK)
		die("ps_lsa_format");
}

/* Index 0 describes label set A, index 1 set B; both sets' labels are in
 * the slots. seq0/seq1 decide which block is newest. */
static void two_states(uint8_t *b, uint32_t lsz, const struct ps_label *a, size_t na,
		       uint32_t seq0, const struct ps_label *bl, size_t nb, uint32_t seq1)
{
	uint8_t *t = malloc(LSA);
	if (!t)
		die("malloc");
	format(t, LSA, lsz, bl, nb, NULL);
	format(b, LSA, lsz, a, na, NULL);
	memcpy(b + 256, t + 256, 256);			/* index 1 from state B */
	for (size_t i = 0; i < nb; i++)
		memcpy(b + 512 + (uint64_t)bl[i].slot * lsz,
		       t + 512 + (uint64_t)bl[i].slot * lsz, lsz);
	PS_FIELD_PUT(PS_NSINDEX, b, seq, seq0);
	reseal(b, 256);
	PS_FIELD_PUT(PS_NSINDEX, b + 256, seq, seq1);
	reseal(b + 256, 256);
	free(t);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkfx-labels OUTDIR\n");
		return 2;
	}
	outdir = argv[1];
	uint8_t *b = calloc(1, LSA);
	if (!b)
		die("calloc");

	/* v1.1: two namespaces on one DIMM */
	struct ps_label v11[2] = {
		lab("1b4e28ba-2fa1-11d2-883f-0016d3cca427", "legacy0", 0, 0, 1, 0, 256 * MiB, PS_CLAIM_V11, 0),
		lab("6fa459ea-ee8a-3ca4-894e-db77e160355e", "legacy1", 1, 0, 1, 256 * MiB, 512 * MiB, PS_CLAIM_V11, 0),
	};
	format(b, LSA, 128, v11, 2, NULL);
	put("v11.lsa", b, LSA);

	/* v1.2: one namespace per claim class */
	struct ps_label v12[4] = {
		lab("f4d5c3a8-1111-4a2b-9c3d-000000000001", "fsdax0", 0, 0, 1, 0, 1024 * MiB, PS_CLAIM_PFN, 0),
		lab("f4d5c3a8-2222-4a2b-9c3d-000000000002", "devdax0", 1, 0, 1, 1024 * MiB, 2048 * MiB, PS_CLAIM_DAX, 0),
		lab("f4d5c3a8-3333-4a2b-9c3d-000000000003", "sector0", 2, 0, 1, 3072 * MiB, 512 * MiB, PS_CLAIM_BTT, 4096),
		lab("f4d5c3a8-4444-4a2b-9c3d-000000000004", "uefi-btt", 5, 0, 1, 3584 * MiB, 256 * MiB, PS_CLAIM_BTT2, 512),
	};
	format(b, LSA, 256, v12, 4, NULL);
	put("v12.lsa", b, LSA);

	/* 2-way interleave: DIMM 0 holds position 0, DIMM 1 position 1 */
	struct ps_label il0[2] = {
		lab("a0a0a0a0-0000-4000-8000-00000000000a", "il-fsdax", 0, 0, 2, 0x10000000, 8 * 1024 * MiB, PS_CLAIM_PFN, 0),
		lab("b0b0b0b0-0000-4000-8000-00000000000b", "il-devdax", 1, 0, 2, 0x10000000 + 8 * 1024 * MiB, 4 * 1024 * MiB, PS_CLAIM_DAX, 0),
	};
	struct ps_label il1[2] = {
		lab("b0b0b0b0-0000-4000-8000-00000000000b", "il-devdax", 0, 1, 2, 0x10000000 + 8 * 1024 * MiB, 4 * 1024 * MiB, PS_CLAIM_DAX, 0),
		lab("a0a0a0a0-0000-4000-8000-00000000000a", "il-fsdax", 3, 1, 2, 0x10000000, 8 * 1024 * MiB, PS_CLAIM_PFN, 0),
	};
	format(b, LSA, 256, il0, 2, NULL);
	put("il-dimm0.lsa", b, LSA);
	format(b, LSA, 256, il1, 2, NULL);
	put("il-dimm1.lsa", b, LSA);

	/* Newest block (index 1, seq 1 after 3) adds "newest"; then it is
	 * corrupted: the kernel falls back to block 0 with only "older". */
	struct ps_label older[1] = {
		lab("c1c1c1c1-0000-4000-8000-000000000001", "older", 0, 0, 1, 0, 64 * MiB, PS_CLAIM_PFN, 0),
	};
	struct ps_label newer[2] = {
		older[0],
		lab("c2c2c2c2-0000-4000-8000-000000000002", "newest", 1, 0, 1, 64 * MiB, 64 * MiB, PS_CLAIM_DAX, 0),
	};
	two_states(b, 256, older, 1, 3, newer, 2, 1);
	b[256 + PS_NSINDEX_OFF_free] ^= 0x04;		/* one bit of block 1's bitmap: checksum fails */
	put("badprimary.lsa", b, LSA);

	/* Both valid; block 0 (seq 2) is newest: it freed slot 2 ("gone")
	 * and added slot 3 ("added") relative to block 1 (seq 1). */
	struct ps_label keep = lab("d1d1d1d1-0000-4000-8000-000000000001", "keep", 0, 0, 1, 0, 32 * MiB, PS_CLAIM_PFN, 0);
	struct ps_label gone = lab("d2d2d2d2-0000-4000-8000-000000000002", "gone", 2, 0, 1, 32 * MiB, 32 * MiB, PS_CLAIM_PFN, 0);
	struct ps_label added = lab("d3d3d3d3-0000-4000-8000-000000000003", "added", 3, 0, 1, 32 * MiB, 32 * MiB, PS_CLAIM_DAX, 0);
	struct ps_label now[2] = { keep, added }, before[2] = { keep, gone };
	two_states(b, 256, now, 2, 2, before, 2, 1);
	put("disagree.lsa", b, LSA);

	/* pre-4.17 kernel: index 0 written with seq 0, slots config/(129) */
	struct ps_lsa_layout old = { { 0, 2 }, true };
	format(b, LSA, 128, v11, 2, &old);
	put("old-kernel.lsa", b, LSA);

	/* QEMU: -object memory-backend-file,size=64M+128K -device nvdimm,label-size=128K */
	{
		char p[4096];
		snprintf(p, sizeof(p), "%s/qemu.img", outdir);
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || ftruncate(fd, 64 * MiB + LSA))
			die(p);
		struct ps_pfn_sb sb;
		memset(&sb, 0, sizeof(sb));
		sb.kind = PS_PFN_FSDAX;
		struct ps_label q = lab("e5e5e5e5-0000-4000-8000-0000000000e5", "qemu-fsdax", 0, 0, 1, 0, 64 * MiB, PS_CLAIM_PFN, 0);
		memcpy(sb.uuid, "\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff\x00", 16);
		memcpy(sb.parent_uuid, q.uuid, 16);
		sb.version_major = 1;
		sb.version_minor = 4;
		sb.dataoff = 2 * MiB;
		sb.npfns = (64 * MiB - 2 * MiB) / 4096;
		sb.mode = PS_PFN_MODE_PMEM;
		sb.align = 2 * MiB;
		sb.page_size = 4096;
		sb.page_struct_size = 64;
		uint8_t blk[4096];
		ps_pfn_encode(&sb, blk);
		if (pwrite(fd, blk, sizeof(blk), 4096) != (ssize_t)sizeof(blk))
			die(p);
		format(b, LSA, 256, &q, 1, NULL);
		if (pwrite(fd, b, LSA, 64 * MiB) != (ssize_t)LSA)
			die(p);
		close(fd);

		/* the same DIMM after "ndctl destroy-namespace namespace0.0":
		 * 128 MiB of data, the first namespace's label freed, the
		 * second one's (dpa 64 MiB) left with its info block */
		snprintf(p, sizeof(p), "%s/qemu-deleted0.img", outdir);
		fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || ftruncate(fd, 128 * MiB + LSA))
			die(p);
		struct ps_label q2 = lab("e6e6e6e6-0000-4000-8000-0000000000e6", "second", 1, 0, 1,
					 64 * MiB, 64 * MiB, PS_CLAIM_PFN, 0);
		memcpy(sb.parent_uuid, q2.uuid, 16);
		ps_pfn_encode(&sb, blk);
		if (pwrite(fd, blk, sizeof(blk), 64 * MiB + 4096) != (ssize_t)sizeof(blk))
			die(p);
		format(b, LSA, 256, &q2, 1, NULL);
		if (pwrite(fd, b, LSA, 128 * MiB) != (ssize_t)LSA)
			die(p);
		close(fd);

		/* labels that say more than the data holds */
		struct ps_label big = lab("e7e7e7e7-0000-4000-8000-0000000000e7", "big", 0, 0, 1, 0,
					  2048 * MiB, PS_CLAIM_NONE, 0);
		struct ps_label two[2] = {
			lab("e8e8e8e8-0000-4000-8000-0000000000e8", "fits", 0, 0, 1, 0, 64 * MiB, PS_CLAIM_NONE, 0),
			lab("e9e9e9e9-0000-4000-8000-0000000000e9", "beyond", 1, 0, 1, 64 * MiB, 2048 * MiB,
			    PS_CLAIM_NONE, 0),
		};
		const char *names[2] = { "qemu-short.img", "qemu-two.img" };
		for (int k = 0; k < 2; k++) {
			snprintf(p, sizeof(p), "%s/%s", outdir, names[k]);
			fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd < 0 || ftruncate(fd, 64 * MiB + LSA))
				die(p);
			if (k == 0)
				format(b, LSA, 256, &big, 1, NULL);
			else
				format(b, LSA, 256, two, 2, NULL);
			if (pwrite(fd, b, LSA, 64 * MiB) != (ssize_t)LSA)
				die(p);
			close(fd);
		}
	}
	free(b);
	return 0;
}
