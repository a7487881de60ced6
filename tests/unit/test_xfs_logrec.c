/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The XFS log replay (src/xfs_logrec.c) on small filesystems built here: a
 * v5 superblock, a few metadata blocks and an internal log whose records a
 * writer lays out as the spec (xfs-log-recovery.md §2, §4, §5) says the
 * kernel does. The expected bytes come from the test's own items, never
 * from the reader. Real kernel-written logs are tested against the
 * kernel's recovery in tests/cli/journal-xfs.sh.
 */
#include <setjmp.h>
#include "be.h"
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "crc32c.h"
#include "err.h"
#include "imgsrc.h"
#include "journal.h"
#include "le.h"
#include "xfs_log.h"
#include "xfs_logrec.h"

#define BB 512
#define BS 4096
#define FSBLOCKS 256
#define LOGSTART 128		/* fs block of the log */
#define LOGBLOCKS 64		/* 512 log blocks */
#define LOGBB (LOGBLOCKS * BS / BB)
#define ISIZE 512
#define DATA_BLK 10		/* a block with no magic */
#define BT_BLK 11		/* an AB3B btree block (v5, LSN gate) */
#define INO_BLK 16		/* an inode cluster: 8 inodes a block */

static const uint8_t UUID[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

struct fsw {
	uint8_t *img;
	uint8_t *log;		/* img + the log's offset */
	uint32_t blk, cycle;	/* where the next record goes */
	uint64_t tail;		/* the tail LSN written in records */
};

static void fs_init(struct fsw *w)
{
	memset(w, 0, sizeof(*w));
	w->img = calloc(FSBLOCKS, BS);
	assert_non_null(w->img);
	w->log = w->img + (size_t)LOGSTART * BS;
	uint8_t *sb = w->img;
	ps_put_be32(sb, 0x58465342);
	ps_put_be32(sb + 4, BS);
	ps_put_be64(sb + 8, FSBLOCKS);
	memcpy(sb + 32, UUID, 16);
	ps_put_be64(sb + 48, LOGSTART);
	ps_put_be64(sb + 56, 128);
	ps_put_be32(sb + 84, FSBLOCKS);
	ps_put_be32(sb + 88, 1);
	ps_put_be32(sb + 96, LOGBLOCKS);
	ps_put_be16(sb + 100, 0xB4A5);	/* v5 */
	ps_put_be16(sb + 102, 512);
	ps_put_be16(sb + 104, ISIZE);
	ps_put_be16(sb + 106, BS / ISIZE);
	sb[120] = 12;
	sb[121] = 9;
	sb[122] = 9;
	sb[123] = 3;
	sb[124] = 8;
	ps_put_be32(sb + 180, 4);	/* inoalignmt */
	ps_put_be32(sb + 228, 0);
	ps_put_le32(sb + 224, ~ps_crc32c(~0u, sb, 512));
	/* a metadata-less block and a v5 btree block (LSN 1:4) */
	memset(w->img + DATA_BLK * BS, 0x11, BS);
	uint8_t *bt = w->img + BT_BLK * BS;
	ps_put_be32(bt, 0x41423342);
	ps_put_be64(bt + 24, 1ULL << 32 | 4);
	memcpy(bt + 32, UUID, 16);
	/* an inode cluster: "IN" v3 inodes */
	for (int i = 0; i < BS / ISIZE; i++) {
		uint8_t *di = w->img + INO_BLK * BS + i * ISIZE;
		ps_put_be16(di, 0x494e);
		di[4] = 3;
		ps_put_be32(di + 96, 0xffffffffu);
		ps_put_be64(di + 152, (uint64_t)INO_BLK * 8 + (uint64_t)i);
		memcpy(di + 160, UUID, 16);
		ps_put_le32(di + 100, ~ps_crc32c(~0u, di, ISIZE));
	}
	w->cycle = 1;
	w->tail = 1ULL << 32;
}

struct wop {
	uint32_t tid;
	uint8_t flags;
	const void *p;
	uint32_t len;
};

/* one record of ops at the writer's position; its LSN */
static uint64_t rec(struct fsw *w, const struct wop *ops, int nops)
{
	uint8_t data[16 * BB];
	size_t len = 0;
	memset(data, 0, sizeof(data));
	for (int i = 0; i < nops; i++) {
		uint8_t *o = data + len;
		ps_put_be32(o, ops[i].tid);
		ps_put_be32(o + 4, ops[i].len);
		o[8] = ops[i].tid == 0xB0C0D0D0 ? 0xAA : 0x69;
		o[9] = ops[i].flags;
		len += 12;
		assert_true(len + ops[i].len <= sizeof(data));
		if (ops[i].len)
			memcpy(data + len, ops[i].p, ops[i].len);
		len += ops[i].len;
	}
	uint32_t hlen = (uint32_t)((len + BB - 1) / BB * BB), dbbs = hlen / BB;
	uint8_t h[BB] = { 0 };
	uint64_t lsn = (uint64_t)w->cycle << 32 | w->blk;
	ps_put_be32(h, 0xFEEDBABE);
	ps_put_be32(h + 4, w->cycle);
	ps_put_be32(h + 8, 2);
	ps_put_be32(h + 12, hlen);
	ps_put_be64(h + 16, lsn);
	ps_put_be64(h + 24, w->tail);
	ps_put_be32(h + 40, (uint32_t)nops);
	ps_put_be32(h + 300, 1);
	memcpy(h + 304, UUID, 16);
	ps_put_be32(h + 320, 32768);
	for (uint32_t i = 0; i < dbbs; i++) {
		memcpy(h + 44 + 4 * i, data + i * BB, 4);
		ps_put_be32(data + i * BB, w->cycle);
	}
	for (uint32_t i = 0; i < dbbs; i++)
		if (w->blk + 1 + i >= LOGBB)
			ps_put_be32(data + i * BB, w->cycle + 1);
	uint32_t c = ps_crc32c(~0u, h, 328);
	c = ps_crc32c(c, data, hlen);
	ps_put_le32(h + 32, ~c);
	memcpy(w->log + (size_t)w->blk * BB, h, BB);
	for (uint32_t i = 0; i < dbbs; i++)
		memcpy(w->log + (size_t)((w->blk + 1 + i) % LOGBB) * BB, data + i * BB, BB);
	w->blk += 1 + dbbs;
	if (w->blk >= LOGBB) {
		w->blk -= LOGBB;
		w->cycle++;
	}
	return lsn;
}

static const uint8_t TRAN[16] = { 'N', 'A', 'R', 'T', 40, 0, 0, 0 };

/* a buffer item's format region: blkno (daddr), len (bbs), one run of
 * chunks [bit, bit + nbits) */
static size_t blf(uint8_t *f, uint16_t flags, uint64_t daddr, uint16_t len, uint32_t bit,
		  uint32_t nbits, uint16_t nregions)
{
	memset(f, 0, 20 + 4 * 17);
	ps_put_le16(f, 0x123C);
	ps_put_le16(f + 2, nregions);
	ps_put_le16(f + 4, flags);
	ps_put_le16(f + 6, len);
	ps_put_le64(f + 8, daddr);
	ps_put_le32(f + 16, 17);
	for (uint32_t b = bit; b < bit + nbits; b++)
		f[20 + b / 8] |= (uint8_t)(1u << (b % 8));
	return 20 + 4 * 17;
}

/* one checkpoint in one record: a buffer item writing 128 bytes of pat at
 * chunk bit of block fsb */
static uint64_t buf_trans(struct fsw *w, uint32_t tid, uint32_t fsb, uint32_t bit, uint8_t pat,
			  bool commit)
{
	uint8_t f[100], d[128];
	size_t fl = blf(f, 0, (uint64_t)fsb * 8, 8, bit, 1, 2);
	memset(d, pat, sizeof(d));
	struct wop o[5] = {
		{ tid, 0x01, NULL, 0 }, { tid, 0, TRAN, 16 }, { tid, 0, f, (uint32_t)fl },
		{ tid, 0, d, 128 }, { tid, 0x02, NULL, 0 },
	};
	return rec(w, o, commit ? 5 : 4);
}

struct res {
	struct ps_journal st;
	struct ps_src *base, *view;
	uint8_t *out;		/* the view's bytes */
};

static void replay(struct fsw *w, struct res *r)
{
	char err[256];
	memset(r, 0, sizeof(*r));
	assert_int_equal(ps_src_open_mem(w->img, (size_t)FSBLOCKS * BS, "fs", &r->base), 0);
	assert_int_equal(ps_xfs_journal_open(r->base, true, &r->st, &r->view, err, sizeof(err)),
			 PS_OK);
	r->out = malloc((size_t)FSBLOCKS * BS);
	assert_non_null(r->out);
	struct ps_src *s = r->view ? r->view : r->base;
	assert_int_equal(ps_src_pread(s, r->out, (size_t)FSBLOCKS * BS, 0), 0);
}

static void res_free(struct res *r, struct fsw *w)
{
	ps_src_close(r->view);
	ps_src_close(r->base);
	free(r->out);
	free(w->img);
}

static void mkfs_unmount(struct fsw *w)
{
	uint8_t um[8] = { 0x6e, 0x55 };
	struct wop o = { 0xB0C0D0D0, 0x20, um, 8 };
	rec(w, &o, 1);
	w->tail = 1ULL << 32 | w->blk;
}

static const uint8_t *blk(const struct res *r, uint32_t fsb) { return r->out + (size_t)fsb * BS; }

static void test_buffer_replayed(void **state)
{
	(void)state;
	struct fsw w;
	fs_init(&w);
	mkfs_unmount(&w);
	buf_trans(&w, 7, DATA_BLK, 3, 0xAB, true);
	struct res r;
	replay(&w, &r);
	assert_int_equal(r.st.kind, PS_JOURNAL_XFS);
	assert_true(r.st.needs_recovery);
	assert_true(r.st.replayed);
	assert_int_equal(r.st.transactions, 1);
	assert_int_equal(r.st.buf_items, 1);
	/* chunk 3 (bytes 384..511) has the pattern, the rest is untouched */
	assert_int_equal(blk(&r, DATA_BLK)[383], 0x11);
	assert_int_equal(blk(&r, DATA_BLK)[384], 0xAB);
	assert_int_equal(blk(&r, DATA_BLK)[511], 0xAB);
	assert_int_equal(blk(&r, DATA_BLK)[512], 0x11);
	/* the source is never written */
	assert_int_equal(w.img[DATA_BLK * BS + 384], 0x11);
	/* the view's log is clean: examined again, an unmount record at the head */
	struct ps_xfs_log_info li;
	assert_int_equal(ps_xfs_log_probe(r.view, &li), PS_OK);
	assert_int_equal(li.state, PS_XLOG_CLEAN);
	res_free(&r, &w);
}

static void test_uncommitted_not_replayed(void **state)
{
	(void)state;
	struct fsw w;
	fs_init(&w);
	mkfs_unmount(&w);
	buf_trans(&w, 7, DATA_BLK, 0, 0xAB, true);
	buf_trans(&w, 8, DATA_BLK, 1, 0xCD, false);	/* no COMMIT: at the head */
	struct res r;
	replay(&w, &r);
	assert_int_equal(r.st.transactions, 1);
	assert_int_equal(r.st.trans_open, 1);
	assert_int_equal(blk(&r, DATA_BLK)[0], 0xAB);
	assert_int_equal(blk(&r, DATA_BLK)[128], 0x11);
	res_free(&r, &w);
}

static void test_split_region(void **state)
{
	(void)state;
	struct fsw w;
	fs_init(&w);
	mkfs_unmount(&w);
	/* a 256-byte region (two chunks) split across two records:
	 * CONTINUE, then WAS_CONT|END */
	uint8_t f[100], d[256];
	size_t fl = blf(f, 0, (uint64_t)DATA_BLK * 8, 8, 4, 2, 2);
	for (int i = 0; i < 256; i++)
		d[i] = (uint8_t)i;
	struct wop a[4] = {
		{ 9, 0x01, NULL, 0 }, { 9, 0, TRAN, 16 }, { 9, 0, f, (uint32_t)fl },
		{ 9, 0x04, d, 100 },
	};
	rec(&w, a, 4);
	struct wop b[2] = { { 9, 0x08 | 0x10, d + 100, 156 }, { 9, 0x02, NULL, 0 } };
	rec(&w, b, 2);
	struct res r;
	replay(&w, &r);
	assert_int_equal(r.st.transactions, 1);
	assert_memory_equal(blk(&r, DATA_BLK) + 4 * 128, d, 256);
	res_free(&r, &w);
}

static void test_cancelled_buffer(void **state)
{
	(void)state;
	struct fsw w;
	fs_init(&w);
	mkfs_unmount(&w);
	buf_trans(&w, 7, DATA_BLK, 0, 0xAB, true);
	/* a later transaction cancels the buffer (it was freed) */
	uint8_t f[100];
	size_t fl = blf(f, 2, (uint64_t)DATA_BLK * 8, 8, 0, 0, 1);
	struct wop o[4] = { { 8, 0x01, NULL, 0 }, { 8, 0, TRAN, 16 }, { 8, 0, f, (uint32_t)fl },
			    { 8, 0x02, NULL, 0 } };
	rec(&w, o, 4);
	/* and a copy logged after the cancel is replayed */
	buf_trans(&w, 9, DATA_BLK, 5, 0xEF, true);
	struct res r;
	replay(&w, &r);
	assert_int_equal(r.st.transactions, 3);
	assert_int_equal(r.st.cancelled, 1);
	assert_int_equal(blk(&r, DATA_BLK)[0], 0x11);
	assert_int_equal(blk(&r, DATA_BLK)[5 * 128], 0xEF);
	res_free(&r, &w);
}

static void test_torn_record(void **state)
{
	(void)state;
	struct fsw w;
	fs_init(&w);
	mkfs_unmount(&w);
	buf_trans(&w, 7, DATA_BLK, 0, 0xAB, true);
	uint32_t at = w.blk;
	buf_trans(&w, 8, DATA_BLK, 1, 0xCD, true);
	/* the last record's data is torn: its CRC fails */
	w.log[(size_t)(at + 1) * BB + 100] ^= 0xFF;
	struct res r;
	replay(&w, &r);
	assert_int_equal(r.st.transactions, 1);
	assert_int_equal(blk(&r, DATA_BLK)[0], 0xAB);
	assert_int_equal(blk(&r, DATA_BLK)[128], 0x11);
	/* the view's log is clean despite the torn blocks after the head */
	struct ps_xfs_log_info li;
	assert_int_equal(ps_xfs_log_probe(r.view, &li), PS_OK);
	assert_int_equal(li.state, PS_XLOG_CLEAN);
	res_free(&r, &w);
}

static void test_wrapped_log(void **state)
{
	(void)state;
	struct fsw w;
	fs_init(&w);
	/* a log that went round: the last records straddle the physical end.
	 * Older cycle-1 blocks fill the log; cycle 2 starts at block 0. */
	for (uint32_t b = 0; b < LOGBB; b++)
		ps_put_be32(w.log + (size_t)b * BB, 1);
	w.blk = LOGBB - 3;
	w.cycle = 1;
	w.tail = 1ULL << 32 | (LOGBB - 3);
	buf_trans(&w, 21, DATA_BLK, 2, 0x77, true);	/* wraps */
	buf_trans(&w, 22, DATA_BLK, 6, 0x66, true);
	struct res r;
	replay(&w, &r);
	assert_int_equal(r.st.transactions, 2);
	assert_int_equal(PS_XLOG_CYCLE(r.st.head_lsn), 2);
	assert_int_equal(blk(&r, DATA_BLK)[2 * 128], 0x77);
	assert_int_equal(blk(&r, DATA_BLK)[6 * 128], 0x66);
	res_free(&r, &w);
}

static void test_lsn_gate(void **state)
{
	(void)state;
	struct fsw w;
	fs_init(&w);
	mkfs_unmount(&w);
	/* the btree block on disk has LSN 1:4: a transaction at 1:2 is older
	 * (not replayed), one at or after 1:4 is replayed and the block gets
	 * its LSN and a CRC */
	buf_trans(&w, 7, BT_BLK, 2, 0xAB, true);	/* at 1:2 */
	buf_trans(&w, 8, BT_BLK, 3, 0xCD, true);	/* at 1:4 */
	buf_trans(&w, 9, BT_BLK, 4, 0xEF, true);	/* at 1:6 */
	struct res r;
	replay(&w, &r);
	assert_int_equal(r.st.transactions, 3);
	assert_int_equal(r.st.lsn_newer, 2);	/* 1:2 and 1:4 (>=) skipped */
	const uint8_t *b = blk(&r, BT_BLK);
	assert_int_equal(b[2 * 128], 0);
	assert_int_equal(b[3 * 128], 0);
	assert_int_equal(b[4 * 128], 0xEF);
	assert_int_equal(ps_be64(b + 24), 1ULL << 32 | 6);
	uint8_t c[BS];
	memcpy(c, b, BS);
	memset(c + 52, 0, 4);
	assert_int_equal(ps_le32(b + 52), ~ps_crc32c(~0u, c, BS));
	res_free(&r, &w);
}

static void test_inode_item(void **state)
{
	(void)state;
	struct fsw w;
	fs_init(&w);
	mkfs_unmount(&w);
	uint8_t f[56] = { 0 }, ld[176] = { 0 }, ext[16];
	ps_put_le16(f, 0x123B);
	ps_put_le16(f + 2, 3);
	ps_put_le32(f + 4, 0x1 | 0x4);	/* CORE, DEXT */
	ps_put_le16(f + 10, 16);
	ps_put_le64(f + 16, (uint64_t)INO_BLK * 8 + 2);
	ps_put_le64(f + 40, (uint64_t)INO_BLK * 8);
	ps_put_le32(f + 48, 8);
	ps_put_le32(f + 52, 2 * ISIZE);
	ps_put_le16(ld, 0x494e);
	ps_put_le16(ld + 2, 0100644);
	ld[4] = 3;
	ld[5] = 2;
	ps_put_le32(ld + 8, 1000);
	ps_put_le32(ld + 16, 1);
	ps_put_le64(ld + 32, 0x0000000112345678ULL);	/* legacy {sec, nsec} */
	ps_put_le64(ld + 56, 12345);
	ps_put_le64(ld + 64, 4);
	ps_put_le32(ld + 76, 1);
	ps_put_le32(ld + 92, 77);
	ps_put_le64(ld + 112, 0xDEADDEADDEADDEADULL);	/* garbage, not replayed */
	ps_put_le64(ld + 152, (uint64_t)INO_BLK * 8 + 2);
	memcpy(ld + 160, UUID, 16);
	memset(ext, 0x42, sizeof(ext));
	struct wop o[7] = { { 5, 0x01, NULL, 0 }, { 5, 0, TRAN, 16 }, { 5, 0, f, 56 },
			    { 5, 0, ld, 176 }, { 5, 0, ext, 16 }, { 5, 0x02, NULL, 0 } };
	uint64_t lsn = rec(&w, o, 6);
	struct res r;
	replay(&w, &r);
	assert_int_equal(r.st.inode_items, 1);
	const uint8_t *di = blk(&r, INO_BLK) + 2 * ISIZE;
	assert_int_equal(ps_be32(di + 8), 1000);
	assert_int_equal(ps_be32(di + 16), 1);
	assert_int_equal(di[0], 0x49);
	assert_int_equal(ps_be32(di + 32), 0x12345678);	/* sec, BE */
	assert_int_equal(ps_be32(di + 36), 1);		/* nsec */
	assert_int_equal(ps_be64(di + 56), 12345);
	assert_int_equal(ps_be32(di + 76), 1);
	assert_int_equal(ps_be32(di + 96), 0xffffffffu);	/* kept from disk */
	assert_int_equal(ps_be64(di + 112), lsn);		/* di_lsn := the transaction's */
	assert_memory_equal(di + 176, ext, 16);
	uint8_t c[ISIZE];
	memcpy(c, di, ISIZE);
	memset(c + 100, 0, 4);
	assert_int_equal(ps_le32(di + 100), ~ps_crc32c(~0u, c, ISIZE));
	res_free(&r, &w);
}

static void test_icreate_and_intents(void **state)
{
	(void)state;
	struct fsw w;
	fs_init(&w);
	mkfs_unmount(&w);
	/* a new chunk of 64 inodes (8 blocks) at AG block 32 */
	uint8_t ic[28] = { 0 };
	ps_put_le16(ic, 0x123F);
	ps_put_le16(ic + 2, 1);
	ps_put_be32(ic + 4, 0);
	ps_put_be32(ic + 8, 32);
	ps_put_be32(ic + 12, 64);
	ps_put_be32(ic + 16, ISIZE);
	ps_put_be32(ic + 20, 8);
	ps_put_be32(ic + 24, 99);
	/* a BUI without its BUD, an EFI with its EFD */
	uint8_t bui[48] = { 0 }, efi[32] = { 0 }, efd[32] = { 0 };
	ps_put_le16(bui, 0x1244);
	ps_put_le16(bui + 2, 1);
	ps_put_le64(bui + 8, 0x1111);
	ps_put_le16(efi, 0x1236);
	ps_put_le16(efi + 2, 1);
	ps_put_le64(efi + 8, 0x2222);
	ps_put_le16(efd, 0x1237);
	ps_put_le16(efd + 2, 1);
	ps_put_le64(efd + 8, 0x2222);
	struct wop o[7] = { { 5, 0x01, NULL, 0 }, { 5, 0, TRAN, 16 }, { 5, 0, ic, 28 },
			    { 5, 0, bui, 48 }, { 5, 0, efi, 32 }, { 5, 0, efd, 32 },
			    { 5, 0x02, NULL, 0 } };
	rec(&w, o, 7);
	struct res r;
	replay(&w, &r);
	assert_int_equal(r.st.icreate_items, 1);
	assert_int_equal(r.st.intents_open, 1);
	assert_int_equal(r.st.intents_bmap, 1);
	for (int i = 0; i < 64; i++) {
		const uint8_t *di = blk(&r, 32) + i * ISIZE;
		assert_int_equal(di[0], 0x49);
		assert_int_equal(ps_be32(di + 92), 99);
		assert_int_equal(ps_be64(di + 152), 32 * 8 + (uint64_t)i);
	}
	res_free(&r, &w);
}

static void test_bad_item_stops(void **state)
{
	(void)state;
	struct fsw w;
	fs_init(&w);
	mkfs_unmount(&w);
	buf_trans(&w, 7, DATA_BLK, 0, 0xAB, true);
	/* a buffer beyond the filesystem: the kernel's recovery fails there */
	uint8_t f[100], d[128] = { 0 };
	size_t fl = blf(f, 0, (uint64_t)FSBLOCKS * 8 + 64, 8, 0, 1, 2);
	struct wop o[5] = { { 8, 0x01, NULL, 0 }, { 8, 0, TRAN, 16 }, { 8, 0, f, (uint32_t)fl },
			    { 8, 0, d, 128 }, { 8, 0x02, NULL, 0 } };
	uint64_t lsn = rec(&w, o, 5);
	struct res r;
	replay(&w, &r);
	assert_true(r.st.mount_fails);
	assert_int_equal(r.st.stop, PS_JSTOP_XLOG_OUTSIDE);
	assert_int_equal(r.st.stop_lsn, lsn);
	assert_int_equal(r.st.stop_jblk, PS_XLOG_BLOCK(lsn));
	/* what came before is replayed */
	assert_int_equal(blk(&r, DATA_BLK)[0], 0xAB);
	res_free(&r, &w);
}

static void test_ignore_is_on_disk(void **state)
{
	(void)state;
	struct fsw w;
	fs_init(&w);
	mkfs_unmount(&w);
	buf_trans(&w, 7, DATA_BLK, 0, 0xAB, true);
	struct ps_src *s, *v = NULL;
	struct ps_journal st;
	char err[128];
	assert_int_equal(ps_src_open_mem(w.img, (size_t)FSBLOCKS * BS, "fs", &s), 0);
	assert_int_equal(ps_xfs_journal_open(s, false, &st, &v, err, sizeof(err)), PS_OK);
	assert_null(v);
	assert_true(st.needs_recovery);
	assert_true(st.ignored);
	assert_false(st.replayed);
	assert_int_equal(st.transactions, 1);
	ps_src_close(s);
	free(w.img);
}

/* ---- intents left without their done item (src/xfs_intent.c) ---- */

struct xe { uint64_t off, start, len; };

#define FILE_INO ((uint64_t)INO_BLK * 8 + 5)

/* inode FILE_INO on disk: a regular file whose data fork (format fmt)
 * holds the n extents of v; nblocks blocks */
static uint8_t *file_inode(struct fsw *w, uint8_t fmt, const struct xe *v, int n, uint64_t nblocks)
{
	uint8_t *di = w->img + INO_BLK * BS + 5 * ISIZE;
	ps_put_be16(di + 2, 0100644);
	di[5] = fmt;
	ps_put_be32(di + 16, 1);
	ps_put_be64(di + 56, 1 << 20);
	ps_put_be64(di + 64, nblocks);
	ps_put_be32(di + 76, (uint32_t)n);
	for (int i = 0; i < n; i++) {
		ps_put_be64(di + 176 + 16 * i, v[i].off << 9 | v[i].start >> 43);
		ps_put_be64(di + 184 + 16 * i, v[i].start << 21 | v[i].len);
	}
	memset(di + 100, 0, 4);
	ps_put_le32(di + 100, ~ps_crc32c(~0u, di, ISIZE));
	return di;
}

/* a BUI (id, type 1 map / 2 unmap) on FILE_INO's data fork */
static void bui(uint8_t *b, uint64_t id, uint32_t type, uint64_t off, uint64_t start, uint32_t len)
{
	memset(b, 0, 48);
	ps_put_le16(b, 0x1244);
	ps_put_le16(b + 2, 1);
	ps_put_le32(b + 4, 1);
	ps_put_le64(b + 8, id);
	ps_put_le64(b + 16, FILE_INO);
	ps_put_le64(b + 24, start);
	ps_put_le64(b + 32, off);
	ps_put_le32(b + 40, len);
	ps_put_le32(b + 44, type);
}

/* one committed transaction of n items */
static void items_trans(struct fsw *w, uint32_t tid, const uint8_t *const *p, const uint32_t *len, int n)
{
	struct wop o[8];
	o[0] = (struct wop){ tid, 0x01, NULL, 0 };
	o[1] = (struct wop){ tid, 0, TRAN, 16 };
	for (int i = 0; i < n; i++)
		o[2 + i] = (struct wop){ tid, 0, p[i], len[i] };
	o[2 + n] = (struct wop){ tid, 0x02, NULL, 0 };
	rec(w, o, 3 + n);
}

static void check_file_crc(const uint8_t *di)
{
	uint8_t c[ISIZE];
	memcpy(c, di, ISIZE);
	memset(c + 100, 0, 4);
	assert_int_equal(ps_le32(di + 100), ~ps_crc32c(~0u, c, ISIZE));
}

/* the extents of the view's FILE_INO, checked against want; its CRC */
static const uint8_t *check_file(const struct res *r, const struct xe *want, int n, uint64_t nblocks)
{
	const uint8_t *di = blk(r, INO_BLK) + 5 * ISIZE;
	assert_int_equal(ps_be32(di + 76), n);
	assert_int_equal(ps_be64(di + 64), nblocks);
	for (int i = 0; i < n; i++) {
		uint64_t l0 = ps_be64(di + 176 + 16 * i), l1 = ps_be64(di + 184 + 16 * i);
		assert_int_equal((l0 >> 9) & ((1ULL << 54) - 1), want[i].off);
		assert_int_equal((l0 & 0x1ff) << 43 | l1 >> 21, want[i].start);
		assert_int_equal(l1 & ((1u << 21) - 1), want[i].len);
	}
	check_file_crc(di);
	return di;
}

static void test_bui_map_finished(void **state)
{
	(void)state;
	struct fsw w;
	fs_init(&w);
	const struct xe v[1] = { { 0, 40, 2 } };
	file_inode(&w, 2, v, 1, 2);
	mkfs_unmount(&w);
	/* [4, 7) -> 60 into the hole; then [2, 4) -> 42, which continues the
	 * first extent on disk: the two become one */
	uint8_t b1[48], b2[48];
	bui(b1, 0x51, 1, 4, 60, 3);
	bui(b2, 0x52, 1, 2, 42, 2);
	const uint8_t *p1[1] = { b1 }, *p2[1] = { b2 };
	const uint32_t l[1] = { 48 };
	items_trans(&w, 5, p1, l, 1);
	items_trans(&w, 6, p2, l, 1);
	struct res r;
	replay(&w, &r);
	assert_int_equal(r.st.intents_finished, 2);
	assert_int_equal(r.st.intents_open, 0);
	assert_int_equal(r.st.intents_bmap, 0);
	const struct xe want[2] = { { 0, 40, 4 }, { 4, 60, 3 } };
	check_file(&r, want, 2, 7);
	res_free(&r, &w);
}

static void test_bui_unmap_finished(void **state)
{
	(void)state;
	struct fsw w;
	fs_init(&w);
	const struct xe v[2] = { { 0, 40, 10 }, { 20, 80, 4 } };
	file_inode(&w, 2, v, 2, 14);
	mkfs_unmount(&w);
	/* [3, 7) out of the middle of the first extent: it splits; [18, 22)
	 * cuts the head of the second */
	uint8_t b1[48], b2[48];
	bui(b1, 0x61, 2, 3, 43, 4);
	bui(b2, 0x62, 2, 18, 78, 4);
	const uint8_t *p[2] = { b1, b2 };
	const uint32_t l[2] = { 48, 48 };
	items_trans(&w, 5, p, l, 2);
	struct res r;
	replay(&w, &r);
	assert_int_equal(r.st.intents_finished, 2);
	assert_int_equal(r.st.intents_open, 0);
	const struct xe want[3] = { { 0, 40, 3 }, { 7, 47, 3 }, { 22, 82, 2 } };
	check_file(&r, want, 3, 8);
	res_free(&r, &w);
}

static void test_bui_with_bud_nothing_to_do(void **state)
{
	(void)state;
	struct fsw w;
	fs_init(&w);
	const struct xe v[1] = { { 0, 40, 2 } };
	file_inode(&w, 2, v, 1, 2);
	uint8_t before[ISIZE];
	memcpy(before, w.img + INO_BLK * BS + 5 * ISIZE, ISIZE);
	mkfs_unmount(&w);
	uint8_t b1[48], bud[16] = { 0 };
	bui(b1, 0x71, 1, 4, 60, 3);
	ps_put_le16(bud, 0x1245);
	ps_put_le16(bud + 2, 1);
	ps_put_le64(bud + 8, 0x71);
	const uint8_t *p1[1] = { b1 }, *p2[1] = { bud };
	const uint32_t l1[1] = { 48 }, l2[1] = { 16 };
	items_trans(&w, 5, p1, l1, 1);
	items_trans(&w, 6, p2, l2, 1);
	struct res r;
	replay(&w, &r);
	assert_int_equal(r.st.intents_finished, 0);
	assert_int_equal(r.st.intents_open, 0);
	assert_memory_equal(blk(&r, INO_BLK) + 5 * ISIZE, before, ISIZE);
	res_free(&r, &w);
}

/* ---- a data fork in btree format: a root in the inode, leaves below ---- */

#define RMAX ((ISIZE - 176 - 4) / 16)		/* keys/pointers in the inode root */
#define LMAX ((BS - 72) / 16)			/* records in a leaf */

static void bt_seal(uint8_t *b)
{
	memset(b + 64, 0, 4);
	ps_put_le32(b + 64, ~ps_crc32c(~0u, b, BS));
}

/* block fsb: a bmbt block of FILE_INO at level lvl, n entries (records
 * of a leaf from v, or keys/pointers of a node), its siblings */
static void bt_block(struct fsw *w, uint32_t fsb, uint16_t lvl, const struct xe *v, const uint64_t *ptr,
		     int n, uint64_t left, uint64_t right)
{
	uint8_t *b = w->img + (size_t)fsb * BS;
	memset(b, 0, BS);
	ps_put_be32(b, 0x424d4133);
	ps_put_be16(b + 4, lvl);
	ps_put_be16(b + 6, (uint16_t)n);
	ps_put_be64(b + 8, left);
	ps_put_be64(b + 16, right);
	ps_put_be64(b + 24, (uint64_t)fsb * 8);
	ps_put_be64(b + 32, 1ULL << 32 | 1);
	memcpy(b + 40, UUID, 16);
	ps_put_be64(b + 56, FILE_INO);
	for (int i = 0; i < n; i++) {
		if (lvl) {
			ps_put_be64(b + 72 + 8 * i, v[i].off);
			ps_put_be64(b + 72 + 8 * LMAX + 8 * i, ptr[i]);
		} else {
			ps_put_be64(b + 72 + 16 * i, v[i].off << 9 | v[i].start >> 43);
			ps_put_be64(b + 80 + 16 * i, v[i].start << 21 | v[i].len);
		}
	}
	bt_seal(b);
}

/* FILE_INO with a btree data fork: a root of level lvl whose n keys are
 * the offsets of v and pointers ptr; nextents, nblocks */
static uint8_t *bt_inode(struct fsw *w, uint16_t lvl, const struct xe *v, const uint64_t *ptr, int n,
			 uint32_t nextents, uint64_t nblocks)
{
	uint8_t *di = file_inode(w, 3, NULL, 0, nblocks);
	ps_put_be32(di + 76, nextents);
	ps_put_be16(di + 176, lvl);
	ps_put_be16(di + 178, (uint16_t)n);
	for (int i = 0; i < n; i++) {
		ps_put_be64(di + 180 + 8 * i, v[i].off);
		ps_put_be64(di + 180 + 8 * RMAX + 8 * i, ptr[i]);
	}
	memset(di + 100, 0, 4);
	ps_put_le32(di + 100, ~ps_crc32c(~0u, di, ISIZE));
	return di;
}

/* n records from offset off0, one every 4 blocks, 2 blocks long, at
 * filesystem blocks 40 + 2 * (i % 100) */
static void recs(struct xe *v, int n, uint64_t off0)
{
	for (int i = 0; i < n; i++)
		v[i] = (struct xe){ off0 + 4 * (uint64_t)i, 40 + 2 * (uint64_t)(i % 100), 2 };
}

/* record i of leaf fsb in the view; its count; its CRC checked */
static struct xe leaf_rec(const struct res *r, uint32_t fsb, int i, int *n)
{
	const uint8_t *b = blk(r, fsb);
	uint8_t c[BS];
	memcpy(c, b, BS);
	bt_seal(c);
	assert_memory_equal(c, b, BS);
	*n = ps_be16(b + 6);
	uint64_t l0 = ps_be64(b + 72 + 16 * i), l1 = ps_be64(b + 80 + 16 * i);
	return (struct xe){ (l0 >> 9) & ((1ULL << 54) - 1), (l0 & 0x1ff) << 43 | l1 >> 21,
			    l1 & ((1u << 21) - 1) };
}

static void assert_xe(struct xe a, uint64_t off, uint64_t start, uint64_t len)
{
	assert_int_equal(a.off, off);
	assert_int_equal(a.start, start);
	assert_int_equal(a.len, len);
}

/* two leaves (blocks 30 and 31) of 130 records under the inode's root */
static void two_leaves(struct fsw *w, struct xe *a, struct xe *b)
{
	recs(a, 130, 0);
	recs(b, 130, 1000);
	bt_block(w, 30, 0, a, NULL, 130, UINT64_MAX, 31);
	bt_block(w, 31, 0, b, NULL, 130, 30, UINT64_MAX);
	const struct xe k[2] = { { 0, 0, 0 }, { 1000, 0, 0 } };
	const uint64_t p[2] = { 30, 31 };
	bt_inode(w, 1, k, p, 2, 260, 522);
}

static void test_bui_btree_map_finished(void **state)
{
	(void)state;
	struct fsw w;
	fs_init(&w);
	struct xe a[130], b[130];
	two_leaves(&w, a, b);
	mkfs_unmount(&w);
	uint8_t b1[48], b2[48], b3[48];
	bui(b1, 0x81, 1, 2, 200, 1);	/* into the hole after record 0: inserted */
	/* [996, 1000) ending where leaf 31's first record starts and
	 * continuing it on disk (40): it joins it, whose key becomes 996 */
	bui(b2, 0x82, 1, 996, 36, 4);
	bui(b3, 0x83, 1, 6, 44, 1);	/* continues record 1 (4, 42, 2): joined */
	const uint8_t *p[3] = { b1, b2, b3 };
	const uint32_t l[3] = { 48, 48, 48 };
	items_trans(&w, 5, p, l, 3);
	struct res r;
	replay(&w, &r);
	assert_int_equal(r.st.intents_finished, 3);
	assert_int_equal(r.st.intents_view_only, 0);
	assert_int_equal(r.st.intents_open, 0);
	int n;
	assert_xe(leaf_rec(&r, 30, 1, &n), 2, 200, 1);
	assert_int_equal(n, 131);
	assert_xe(leaf_rec(&r, 30, 2, &n), 4, 42, 3);
	assert_xe(leaf_rec(&r, 31, 0, &n), 996, 36, 6);
	assert_int_equal(n, 130);
	const uint8_t *di = blk(&r, INO_BLK) + 5 * ISIZE;
	/* the root's key of leaf 31 follows its first record */
	assert_int_equal(ps_be64(di + 180 + 8), 996);
	assert_int_equal(ps_be32(di + 76), 261);
	assert_int_equal(ps_be64(di + 64), 522 + 6);
	/* the changed blocks and the inode: the LSN of the head */
	assert_int_equal(ps_be64(blk(&r, 30) + 32), r.st.head_lsn);
	assert_int_equal(ps_be64(di + 112), r.st.head_lsn);
	check_file_crc(di);
	res_free(&r, &w);
}

static void test_bui_btree_unmap_finished(void **state)
{
	(void)state;
	struct fsw w;
	fs_init(&w);
	struct xe a[130], b[130];
	two_leaves(&w, a, b);
	/* record 5 of leaf 30 made 3 long: (20, 50, 3) */
	a[5].len = 3;
	bt_block(&w, 30, 0, a, NULL, 130, UINT64_MAX, 31);
	mkfs_unmount(&w);
	uint8_t b1[48], b2[48], b3[48];
	bui(b1, 0x91, 2, 21, 51, 1);	/* the middle of (20, 50, 3): two records */
	bui(b2, 0x92, 2, 1000, 40, 1);	/* the head of leaf 31's first: key 1001 */
	bui(b3, 0x93, 2, 8, 44, 2);	/* record 2 whole */
	const uint8_t *p[3] = { b1, b2, b3 };
	const uint32_t l[3] = { 48, 48, 48 };
	items_trans(&w, 5, p, l, 3);
	struct res r;
	replay(&w, &r);
	assert_int_equal(r.st.intents_finished, 3);
	assert_int_equal(r.st.intents_view_only, 0);
	int n;
	assert_xe(leaf_rec(&r, 30, 2, &n), 12, 46, 2);
	assert_int_equal(n, 130);
	assert_xe(leaf_rec(&r, 30, 4, &n), 20, 50, 1);
	assert_xe(leaf_rec(&r, 30, 5, &n), 22, 52, 1);
	assert_xe(leaf_rec(&r, 31, 0, &n), 1001, 41, 1);
	const uint8_t *di = blk(&r, INO_BLK) + 5 * ISIZE;
	assert_int_equal(ps_be64(di + 180 + 8), 1001);
	assert_int_equal(ps_be32(di + 76), 260);
	assert_int_equal(ps_be64(di + 64), 522 - 4);
	check_file_crc(di);
	res_free(&r, &w);
}

/* a full leaf: the kernel splits it into a block its allocator picks; done
 * in the read view only, the on-disk fork untouched */
static void test_bui_btree_leaf_full_view_only(void **state)
{
	(void)state;
	struct fsw w;
	fs_init(&w);
	static struct xe a[LMAX];
	recs(a, LMAX, 0);
	bt_block(&w, 30, 0, a, NULL, LMAX, UINT64_MAX, UINT64_MAX);
	const struct xe k[1] = { { 0, 0, 0 } };
	const uint64_t p[1] = { 30 };
	bt_inode(&w, 1, k, p, 1, LMAX, 2 * LMAX + 1);
	uint8_t before[ISIZE], leaf[BS];
	memcpy(before, w.img + INO_BLK * BS + 5 * ISIZE, ISIZE);
	memcpy(leaf, w.img + 30 * BS, BS);
	mkfs_unmount(&w);
	uint8_t b1[48], b2[48];
	bui(b1, 0xA1, 1, 2, 200, 1);
	bui(b2, 0xA2, 2, 8, 44, 2);	/* after it, the same file: in the view too */
	const uint8_t *pp[2] = { b1, b2 };
	const uint32_t l[2] = { 48, 48 };
	items_trans(&w, 5, pp, l, 2);
	struct res r;
	replay(&w, &r);
	assert_int_equal(r.st.intents_finished, 2);
	assert_int_equal(r.st.intents_view_only, 2);
	assert_int_equal(r.st.intents_open, 0);
	assert_int_equal(r.st.intents_bmap, 0);
	assert_int_equal(r.st.intents_view_v[0].why, PS_XIW_BT_SPLIT);
	assert_int_equal(r.st.intents_view_v[1].why, PS_XIW_AFTER);
	assert_true(r.st.intents_view_v[0].in_view);
	assert_memory_equal(blk(&r, INO_BLK) + 5 * ISIZE, before, ISIZE);
	assert_memory_equal(blk(&r, 30), leaf, BS);
	const struct ps_xremap *rm;
	assert_int_equal(ps_xfs_view_remaps(r.view, &rm), 2);
	assert_int_equal(rm[0].ino, FILE_INO);
	assert_int_equal(rm[0].off, 2);
	assert_int_equal(rm[0].start, 200);
	assert_true(rm[0].map);
	assert_false(rm[1].map);
	res_free(&r, &w);
}

/* hostile forks: the BUI is left with a reason, nothing is changed */
static void hostile(void (*make)(struct fsw *w))
{
	struct fsw w;
	fs_init(&w);
	make(&w);
	uint8_t before[ISIZE];
	memcpy(before, w.img + INO_BLK * BS + 5 * ISIZE, ISIZE);
	mkfs_unmount(&w);
	uint8_t b1[48];
	bui(b1, 0xB1, 1, 2, 200, 1);
	const uint8_t *p[1] = { b1 };
	const uint32_t l[1] = { 48 };
	items_trans(&w, 5, p, l, 1);
	struct res r;
	replay(&w, &r);
	assert_int_equal(r.st.intents_finished, 0);
	assert_int_equal(r.st.intents_bmap, 1);
	assert_int_equal(r.st.intents_v[0].why, PS_XIW_BAD);
	assert_memory_equal(blk(&r, INO_BLK) + 5 * ISIZE, before, ISIZE);
	res_free(&r, &w);
}
static void mk_deep(struct fsw *w)	/* a root level past the most */
{
	const struct xe k[1] = { { 0, 0, 0 } };
	const uint64_t p[1] = { 30 };
	bt_inode(w, 13, k, p, 1, 300, 10);
}
static void mk_outside(struct fsw *w)	/* a pointer outside the filesystem */
{
	const struct xe k[1] = { { 0, 0, 0 } };
	const uint64_t p[1] = { 99999 };
	bt_inode(w, 1, k, p, 1, 300, 10);
}
static void mk_loop(struct fsw *w)	/* a node pointing at itself */
{
	const struct xe k[1] = { { 0, 0, 0 } };
	const uint64_t p[1] = { 30 };
	bt_block(w, 30, 1, k, p, 1, UINT64_MAX, UINT64_MAX);
	bt_inode(w, 2, k, p, 1, 300, 10);
}
static void mk_numrecs(struct fsw *w)	/* more records than a leaf holds */
{
	struct xe a[2];
	recs(a, 2, 0);
	bt_block(w, 30, 0, a, NULL, 2, UINT64_MAX, UINT64_MAX);
	uint8_t *b = w->img + 30 * BS;
	ps_put_be16(b + 6, LMAX + 1);
	bt_seal(b);
	const struct xe k[1] = { { 0, 0, 0 } };
	const uint64_t p[1] = { 30 };
	bt_inode(w, 1, k, p, 1, 300, 10);
}
static void mk_badcrc(struct fsw *w)	/* a leaf whose CRC fails */
{
	struct xe a[2];
	recs(a, 2, 0);
	bt_block(w, 30, 0, a, NULL, 2, UINT64_MAX, UINT64_MAX);
	w->img[30 * BS + 100] ^= 1;
	const struct xe k[1] = { { 0, 0, 0 } };
	const uint64_t p[1] = { 30 };
	bt_inode(w, 1, k, p, 1, 300, 10);
}
static void test_bui_btree_hostile(void **state)
{
	(void)state;
	hostile(mk_deep);
	hostile(mk_outside);
	hostile(mk_loop);
	hostile(mk_numrecs);
	hostile(mk_badcrc);
}

static void test_bui_fork_full_view_only(void **state)
{
	(void)state;
	struct fsw w;
	fs_init(&w);
	/* (512 - 176) / 16 = 21 records fill the literal area */
	struct xe v[21];
	for (int i = 0; i < 21; i++)
		v[i] = (struct xe){ (uint64_t)i * 4, 40 + (uint64_t)i * 3, 1 };
	file_inode(&w, 2, v, 21, 21);
	mkfs_unmount(&w);
	uint8_t b1[48], b2[48];
	bui(b1, 0x91, 2, 8, 46, 1);	/* one record fewer: done */
	bui(b2, 0x92, 1, 1, 200, 1);	/* then one more fits */
	const uint8_t *p[2] = { b1, b2 };
	const uint32_t l[2] = { 48, 48 };
	items_trans(&w, 5, p, l, 2);
	uint8_t b3[48];
	bui(b3, 0x93, 1, 2, 210, 1);	/* and a 22nd would need a btree */
	const uint8_t *p3[1] = { b3 };
	items_trans(&w, 6, p3, l, 1);
	struct res r;
	replay(&w, &r);
	/* the 22nd: in the read view only (the kernel's conversion to a
	 * btree allocates a block); the inode stays as it was */
	assert_int_equal(r.st.intents_finished, 3);
	assert_int_equal(r.st.intents_bmap, 0);
	assert_int_equal(r.st.intents_view_only, 1);
	assert_int_equal(r.st.intents_view_v[0].why, PS_XIW_FULL);
	assert_int_equal(r.st.intents_view_v[0].offset, 2);
	const uint8_t *di = blk(&r, INO_BLK) + 5 * ISIZE;
	assert_int_equal(ps_be32(di + 76), 21);
	res_free(&r, &w);
}

static void test_efi_left_reported(void **state)
{
	(void)state;
	struct fsw w;
	fs_init(&w);
	mkfs_unmount(&w);
	uint8_t efi[48] = { 0 };
	ps_put_le16(efi, 0x1236);
	ps_put_le16(efi + 2, 1);
	ps_put_le32(efi + 4, 2);
	ps_put_le64(efi + 8, 0xA1);
	ps_put_le64(efi + 16, 70);
	ps_put_le32(efi + 24, 5);
	ps_put_le64(efi + 32, 90);
	ps_put_le32(efi + 40, 2);
	const uint8_t *p[1] = { efi };
	const uint32_t l[1] = { 48 };
	items_trans(&w, 5, p, l, 1);
	struct res r;
	replay(&w, &r);
	assert_int_equal(r.st.intents_open, 1);
	assert_int_equal(r.st.intents_efi, 1);
	assert_int_equal(r.st.intents_bmap, 0);
	assert_int_equal(r.st.intents_v[0].kind, PS_XINT_EFI);
	assert_int_equal(r.st.intents_v[0].nextents, 2);
	assert_int_equal(r.st.intents_v[0].start, 70);
	assert_int_equal(r.st.intents_v[0].len, 5);
	assert_int_equal(r.st.intents_v[0].blocks, 7);
	res_free(&r, &w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buffer_replayed),
		cmocka_unit_test(test_uncommitted_not_replayed),
		cmocka_unit_test(test_split_region),
		cmocka_unit_test(test_cancelled_buffer),
		cmocka_unit_test(test_torn_record),
		cmocka_unit_test(test_wrapped_log),
		cmocka_unit_test(test_lsn_gate),
		cmocka_unit_test(test_inode_item),
		cmocka_unit_test(test_icreate_and_intents),
		cmocka_unit_test(test_bad_item_stops),
		cmocka_unit_test(test_ignore_is_on_disk),
		cmocka_unit_test(test_bui_map_finished),
		cmocka_unit_test(test_bui_unmap_finished),
		cmocka_unit_test(test_bui_with_bud_nothing_to_do),
		cmocka_unit_test(test_bui_btree_map_finished),
		cmocka_unit_test(test_bui_btree_unmap_finished),
		cmocka_unit_test(test_bui_btree_leaf_full_view_only),
		cmocka_unit_test(test_bui_btree_hostile),
		cmocka_unit_test(test_bui_fork_full_view_only),
		cmocka_unit_test(test_efi_left_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
