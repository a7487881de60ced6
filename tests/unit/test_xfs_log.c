/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The XFS log reader (src/xfs_log.c) on logs built here by a small writer
 * that lays records out as the spec (xfs-log-recovery.md §2, §4.1-4.2)
 * says the kernel does: header block, cycle-stamped data blocks, ops,
 * crc32c. The expected heads, tails and counts come from the writer's own
 * bookkeeping, never from the reader. Real kernel-written logs are tested
 * in tests/cli/journal-xfs.sh against xfs_logprint.
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
#include "le.h"
#include "xfs_log.h"

#define BB 512

struct lw {
	uint8_t *buf;
	uint32_t n;		/* log size in bbs */
	uint32_t blk, cycle;	/* where the next record goes */
	uint8_t uuid[16];
	uint64_t lsn[256];	/* each record written */
	uint32_t nrec;
};

static void lw_init(struct lw *w, uint32_t n)
{
	memset(w, 0, sizeof(*w));
	w->n = n;
	w->buf = calloc(n, BB);
	assert_non_null(w->buf);
	w->cycle = 1;
	for (int i = 0; i < 16; i++)
		w->uuid[i] = (uint8_t)(0xA0 + i);
}

struct op {
	uint32_t tid;
	uint8_t client, flags;
	uint32_t len;		/* payload bytes (filled with 0x5A, or "TRAN") */
};

/* One record of ops at the writer's position, tail LSN tail. crc: store
 * the record CRC (else 0, as mkfs does). Returns its LSN. */
static uint64_t lw_rec(struct lw *w, uint64_t tail, const struct op *ops, int nops,
		       int crc)
{
	uint8_t data[8 * BB];
	size_t len = 0;
	memset(data, 0, sizeof(data));
	for (int i = 0; i < nops; i++) {
		uint8_t *o = data + len;
		ps_put_be32(o, ops[i].tid);
		ps_put_be32(o + 4, ops[i].len);
		o[8] = ops[i].client;
		o[9] = ops[i].flags;
		len += 12;
		memset(data + len, 0x5A, ops[i].len);
		if (ops[i].len >= 4 && ops[i].client == 0x69 && !(ops[i].flags & 1))
			memcpy(data + len, "NART", 4);	/* host-order "TRAN" */
		len += ops[i].len;
		assert_true(len <= sizeof(data));
	}
	uint32_t hlen = (uint32_t)((len + BB - 1) / BB * BB);
	uint32_t dbbs = hlen / BB;
	uint8_t h[BB] = { 0 };
	uint64_t lsn = (uint64_t)w->cycle << 32 | w->blk;
	ps_put_be32(h, 0xFEEDBABE);
	ps_put_be32(h + 4, w->cycle);
	ps_put_be32(h + 8, 2);
	ps_put_be32(h + 12, hlen);
	ps_put_be64(h + 16, lsn);
	ps_put_be64(h + 24, tail);
	ps_put_be32(h + 40, (uint32_t)nops);
	ps_put_be32(h + 300, 1);
	memcpy(h + 304, w->uuid, 16);
	ps_put_be32(h + 320, 32768);
	/* cycle stamping */
	for (uint32_t i = 0; i < dbbs; i++) {
		memcpy(h + 44 + 4 * i, data + i * BB, 4);
		ps_put_be32(data + i * BB, w->cycle);
	}
	/* the part past the physical end carries the next cycle (the kernel
	 * bumps it when it splits the write), before the CRC is taken */
	for (uint32_t i = 0; i < dbbs; i++)
		if (w->blk + 1 + i >= w->n)
			ps_put_be32(data + i * BB, w->cycle + 1);
	if (crc) {
		uint32_t c = ps_crc32c(~0u, h, 328);
		c = ps_crc32c(c, data, hlen);
		ps_put_le32(h + 32, ~c);
	}
	memcpy(w->buf + (size_t)w->blk * BB, h, BB);
	for (uint32_t i = 0; i < dbbs; i++)
		memcpy(w->buf + (size_t)((w->blk + 1 + i) % w->n) * BB, data + i * BB, BB);
	w->blk += 1 + dbbs;
	if (w->blk >= w->n) {
		w->blk -= w->n;
		w->cycle++;
	}
	w->lsn[w->nrec++] = lsn;
	return lsn;
}

/* mkfs's record: an unmount op, tid 0xB0C0D0D0, CRC 0 */
static uint64_t lw_unmount(struct lw *w, uint64_t tail, uint32_t tid)
{
	struct op o = { tid, 0xAA, 0x20, 8 };
	return lw_rec(w, tail, &o, 1, tid != 0xB0C0D0D0);
}

/* a whole checkpoint in one record: START, TRAN header, two regions, COMMIT */
static uint64_t lw_trans(struct lw *w, uint64_t tail, uint32_t tid)
{
	struct op o[5] = {
		{ tid, 0x69, 0x01, 0 }, { tid, 0x69, 0, 16 }, { tid, 0x69, 0, 24 },
		{ tid, 0x69, 0, 128 }, { tid, 0x69, 0x02, 0 },
	};
	return lw_rec(w, tail, o, 5, 1);
}

static void examine(struct lw *w, struct ps_xfs_log_info *out)
{
	struct ps_src *s;
	assert_int_equal(ps_src_open_mem(w->buf, (size_t)w->n * BB, "log", &s), 0);
	struct ps_xfs_log_geom g = { 0 };
	g.size_bb = w->n;
	g.sect_bb = 1;
	g.v2 = g.v5 = true;
	memcpy(g.uuid, w->uuid, 16);
	assert_int_equal(ps_xfs_log_examine(s, &g, out), PS_OK);
	ps_src_close(s);
}

#define BLK(l) PS_XLOG_BLOCK(l)

static void test_crc32c_vector(void **state)
{
	(void)state;
	/* the standard check value of CRC-32C */
	assert_int_equal(~ps_crc32c(~0u, "123456789", 9), 0xE3069283u);
	assert_int_equal(ps_crc32c(7, "", 0), 7);
}

static void test_zeroed(void **state)
{
	(void)state;
	struct lw w;
	lw_init(&w, 1024);
	struct ps_xfs_log_info i;
	examine(&w, &i);
	assert_int_equal(i.state, PS_XLOG_EMPTY);
	free(w.buf);
}

static void test_clean_mkfs(void **state)
{
	(void)state;
	struct lw w;
	lw_init(&w, 1024);
	uint64_t u = lw_unmount(&w, 1ULL << 32, 0xB0C0D0D0);
	struct ps_xfs_log_info i;
	examine(&w, &i);
	assert_int_equal(i.state, PS_XLOG_CLEAN);
	assert_int_equal(BLK(u), 0);
	assert_int_equal(BLK(i.head_lsn), 2);	/* just after the unmount record */
	assert_int_equal(i.head_lsn, i.tail_lsn);
	assert_int_equal(i.trans, 0);
	free(w.buf);
}

static void test_clean_after_use(void **state)
{
	(void)state;
	struct lw w;
	lw_init(&w, 1024);
	lw_unmount(&w, 1ULL << 32, 0xB0C0D0D0);
	uint64_t t1 = lw_trans(&w, (1ULL << 32) | 2, 11);
	lw_trans(&w, t1, 12);
	/* the kernel's unmount record: the tail at itself */
	uint64_t at = (uint64_t)w.cycle << 32 | w.blk;
	lw_unmount(&w, at, 13);
	struct ps_xfs_log_info i;
	examine(&w, &i);
	assert_int_equal(i.state, PS_XLOG_CLEAN);
	assert_int_equal(BLK(i.head_lsn), w.blk);
	free(w.buf);
}

static void test_dirty(void **state)
{
	(void)state;
	struct lw w;
	lw_init(&w, 1024);
	lw_unmount(&w, 1ULL << 32, 0xB0C0D0D0);
	uint64_t first = lw_trans(&w, (1ULL << 32) | 2, 21);
	lw_trans(&w, first, 22);
	/* a checkpoint split over two records, its COMMIT in the second */
	struct op a[3] = { { 23, 0x69, 0x01, 0 }, { 23, 0x69, 0, 16 }, { 23, 0x69, 0x04, 600 } };
	lw_rec(&w, first, a, 3, 1);
	struct op b[2] = { { 23, 0x69, 0x08 | 0x10, 100 }, { 23, 0x69, 0x02, 0 } };
	uint64_t last = lw_rec(&w, first, b, 2, 1);
	/* a checkpoint started, never committed */
	struct op c[2] = { { 24, 0x69, 0x01, 0 }, { 24, 0x69, 0, 16 } };
	last = lw_rec(&w, first, c, 2, 1);
	struct ps_xfs_log_info i;
	examine(&w, &i);
	assert_int_equal(i.state, PS_XLOG_DIRTY);
	assert_int_equal(BLK(i.tail_lsn), 2);
	assert_int_equal(BLK(i.head_lsn), w.blk);
	assert_int_equal(i.records, 5);
	assert_int_equal(i.trans, 3);
	assert_int_equal(i.trans_open, 1);
	assert_int_equal(i.blocks, w.blk - 2);
	assert_int_equal(i.first_lsn, first);
	assert_int_equal(i.last_lsn, last);
	assert_false(i.head_trimmed);
	free(w.buf);
}

/* A log that has gone round: cycle 2 from block 0 to the head, cycle 1
 * after it, the tail in cycle 1, a record split across the end. */
static void test_wrapped(void **state)
{
	(void)state;
	struct lw w;
	lw_init(&w, 64);
	/* a 3-block record first, so 2-block records end at 63: the one at
	 * block 63 has its data at block 0 of the next cycle */
	struct op big = { 1, 0x69, 0x01 | 0x02, 600 };	/* START|COMMIT: no trans */
	lw_rec(&w, 1ULL << 32, &big, 1, 1);
	uint32_t k = 0;
	while (w.cycle == 1 || w.blk < 16) {
		/* the tail: the record 12 back (or the first) */
		uint64_t tail = w.nrec > 12 ? w.lsn[w.nrec - 12] : w.lsn[0];
		lw_trans(&w, tail, 100 + k++);
	}
	/* the last record was written with nrec one less */
	uint64_t tail = w.lsn[w.nrec - 13];
	struct ps_xfs_log_info i;
	examine(&w, &i);
	assert_int_equal(i.state, PS_XLOG_DIRTY);
	assert_int_equal(i.head_lsn, (uint64_t)w.cycle << 32 | w.blk);
	assert_int_equal(i.tail_lsn, tail);
	assert_int_equal(i.records, 13);
	assert_int_equal(i.trans, 13);
	assert_int_equal(i.blocks, 26);
	assert_int_equal(i.first_lsn, tail);
	assert_int_equal(i.last_lsn, w.lsn[w.nrec - 1]);
	/* the tail is in cycle 1, past the head */
	assert_int_equal(PS_XLOG_CYCLE(i.tail_lsn), 1);
	assert_true(BLK(i.tail_lsn) > BLK(i.head_lsn));
	free(w.buf);
}

/* The last record's data never fully reached the media: the head moves
 * back to its start; its commit is not counted. */
static void test_torn_head(void **state)
{
	(void)state;
	struct lw w;
	lw_init(&w, 1024);
	lw_unmount(&w, 1ULL << 32, 0xB0C0D0D0);
	uint64_t first = lw_trans(&w, (1ULL << 32) | 2, 31);
	uint64_t good = lw_trans(&w, first, 32);
	uint32_t good_end = w.blk;
	uint64_t torn = lw_trans(&w, first, 33);
	/* one data byte of the last record differs from what was summed */
	w.buf[(size_t)(BLK(torn) + 1) * BB + 40] ^= 0x01;
	struct ps_xfs_log_info i;
	examine(&w, &i);
	assert_int_equal(i.state, PS_XLOG_DIRTY);
	assert_true(i.head_trimmed);
	assert_int_equal(i.found_head_bb, w.blk);
	assert_int_equal(BLK(i.head_lsn), good_end);
	assert_int_equal(i.records, 2);
	assert_int_equal(i.trans, 2);
	assert_int_equal(i.last_lsn, good);
	free(w.buf);
}

/* A bad CRC far from the head is no torn write: the mount would fail. */
static void test_bad_crc_at_tail(void **state)
{
	(void)state;
	struct lw w;
	lw_init(&w, 4096);
	lw_unmount(&w, 1ULL << 32, 0xB0C0D0D0);
	uint64_t first = lw_trans(&w, (1ULL << 32) | 2, 41);
	for (int k = 0; k < 40; k++) {
		struct op o[3] = { { 50 + k, 0x69, 1, 0 }, { 50 + k, 0x69, 0, 2000 },
				   { 50 + k, 0x69, 2, 0 } };
		lw_rec(&w, first, o, 3, 1);
	}
	w.buf[(size_t)(BLK(first) + 1) * BB + 40] ^= 0x01;
	struct ps_xfs_log_info i;
	examine(&w, &i);
	assert_int_equal(i.state, PS_XLOG_BAD);
	assert_int_equal(i.why, PS_XLOG_WHY_CRC);
	assert_int_equal(i.bad_bb, BLK(first));
	free(w.buf);
}

static void test_other_uuid(void **state)
{
	(void)state;
	struct lw w;
	lw_init(&w, 1024);
	lw_unmount(&w, 1ULL << 32, 0xB0C0D0D0);
	lw_trans(&w, (1ULL << 32) | 2, 61);
	struct ps_src *s;
	assert_int_equal(ps_src_open_mem(w.buf, (size_t)w.n * BB, "log", &s), 0);
	struct ps_xfs_log_geom g = { 0 };
	g.size_bb = w.n;
	g.v2 = g.v5 = true;
	memset(g.uuid, 0x11, 16);
	struct ps_xfs_log_info i;
	assert_int_equal(ps_xfs_log_examine(s, &g, &i), PS_OK);
	assert_int_equal(i.state, PS_XLOG_BAD);
	assert_int_equal(i.why, PS_XLOG_WHY_UUID);
	ps_src_close(s);
	free(w.buf);
}

/* The log's place: AG number and AG block packed by agblklog (§1.2). */
static void test_geom(void **state)
{
	(void)state;
	uint8_t sb[512] = { 0 };
	memcpy(sb, "XFSB", 4);
	ps_put_be32(sb + 4, 4096);
	ps_put_be64(sb + 48, (2ULL << 16) | 8);	/* AG 2, block 8 */
	ps_put_be32(sb + 84, 64384);		/* agblocks */
	ps_put_be32(sb + 88, 4);			/* agcount */
	ps_put_be32(sb + 96, 16384);		/* logblocks */
	sb[100] = 0xb4; sb[101] = 0xa5;		/* v5 */
	sb[120] = 12;				/* blocklog */
	sb[124] = 16;				/* agblklog */
	sb[193] = 12;				/* logsectlog */
	struct ps_xfs_log_geom g;
	const char *bad;
	assert_int_equal(ps_xfs_log_geom(sb, sizeof(sb), &g, &bad), PS_OK);
	assert_int_equal(g.start_bb, (2ULL * 64384 + 8) * 8);
	assert_int_equal(g.size_bb, 16384 * 8);
	assert_int_equal(g.sect_bb, 8);
	assert_true(g.v5 && g.v2 && !g.external);
	/* an AG past agcount */
	ps_put_be64(sb + 48, (9ULL << 16) | 8);
	assert_int_equal(ps_xfs_log_geom(sb, sizeof(sb), &g, &bad), PS_EFORMAT);
	assert_string_equal(bad, "sb_logstart");
	/* external log */
	ps_put_be64(sb + 48, 0);
	assert_int_equal(ps_xfs_log_geom(sb, sizeof(sb), &g, &bad), PS_OK);
	assert_true(g.external);
	/* a log longer than 2^31 bbs */
	ps_put_be32(sb + 96, 0x10000000);
	assert_int_equal(ps_xfs_log_geom(sb, sizeof(sb), &g, &bad), PS_EFORMAT);
	assert_int_equal(ps_xfs_log_geom(sb, 100, &g, &bad), PS_ETRUNC);
	memcpy(sb, "XFSC", 4);
	assert_int_equal(ps_xfs_log_geom(sb, sizeof(sb), &g, &bad), PS_ENOTFOUND);
}

/* A log said to lie past the end of the device is refused, not read. */
static void test_outside(void **state)
{
	(void)state;
	uint8_t buf[4 * BB] = { 0 };
	struct ps_src *s;
	assert_int_equal(ps_src_open_mem(buf, sizeof(buf), "dev", &s), 0);
	struct ps_xfs_log_geom g = { 0 };
	g.start_bb = 2;
	g.size_bb = 3;
	struct ps_xfs_log_info i;
	assert_int_equal(ps_xfs_log_examine(s, &g, &i), PS_OK);
	assert_int_equal(i.state, PS_XLOG_BAD);
	assert_int_equal(i.why, PS_XLOG_WHY_OUTSIDE);
	ps_src_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_vector),
		cmocka_unit_test(test_zeroed),
		cmocka_unit_test(test_clean_mkfs),
		cmocka_unit_test(test_clean_after_use),
		cmocka_unit_test(test_dirty),
		cmocka_unit_test(test_wrapped),
		cmocka_unit_test(test_torn_head),
		cmocka_unit_test(test_bad_crc_at_tail),
		cmocka_unit_test(test_other_uuid),
		cmocka_unit_test(test_geom),
		cmocka_unit_test(test_outside),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
