/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The jbd2 recovery (src/jbd2.c) on journals written by
 * tests/support/jbd2_writer.c: what the kernel's recovery would replay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "err.h"
#include "jbd2.h"
#include "../support/jbd2_writer.h"

#define BS 1024
#define JLEN 64
#define FSBLOCKS 100000

static int rd(void *ctx, uint64_t jblk, void *buf)
{
	struct jw *w = ctx;
	if (jblk >= w->maxlen)
		return PS_ERANGE;
	memcpy(buf, w->img + jblk * w->bs, w->bs);
	return PS_OK;
}

static uint8_t blk[8][BS];

static void fill(void)
{
	for (int i = 0; i < 8; i++)
		memset(blk[i], 0x11 * (i + 1), BS);
}

static const uint8_t *const D[8] = { blk[0], blk[1], blk[2], blk[3],
				     blk[4], blk[5], blk[6], blk[7] };

static int recover(struct jw *w, struct ps_jbd2 *j)
{
	assert_int_equal(ps_jbd2_sb_parse(w->img, BS, w->maxlen, j), PS_OK);
	return ps_jbd2_recover(j, rd, w, FSBLOCKS);
}

/* the journal block the map gives for home, or 0 */
static uint64_t at(const struct ps_jbd2 *j, uint64_t home)
{
	const struct ps_jbd2_ent *e = ps_jbd2_lookup(j, home);
	return e ? e->jblk : 0;
}

/* Two transactions; the second rewrites a block: the last copy wins. */
static void t_basic(uint32_t compat, uint32_t incompat, uint64_t hi)
{
	struct jw w;
	struct ps_jbd2 j;
	fill();
	assert_int_equal(jw_init(&w, BS, JLEN, compat, incompat), 0);
	jw_sb(&w, 1, 7);
	uint64_t h1[] = { 10 + hi, 11 + hi, 12 + hi }, h2[] = { 11 + hi };
	jw_desc(&w, 7, 3, h1, D);	/* blocks 1..4 */
	jw_commit(&w, 7, 100);		/* 5 */
	jw_desc(&w, 8, 1, h2, D + 5);	/* 6, 7 */
	jw_commit(&w, 8, 101);		/* 8 */
	assert_int_equal(recover(&w, &j), PS_OK);
	assert_int_equal(j.st.transactions, 2);
	assert_int_equal(j.st.seq_start, 7);
	assert_int_equal(j.st.seq_end, 9);
	assert_int_equal(j.st.blocks, 4);
	assert_int_equal(j.nmap, 3);
	assert_int_equal(at(&j, 10 + hi), 2);
	assert_int_equal(at(&j, 11 + hi), 7);
	assert_int_equal(at(&j, 12 + hi), 4);
	assert_false(j.st.mount_fails);
	assert_int_equal(j.st.stop, PS_JSTOP_END);
	assert_int_equal(j.st.stop_jblk, 9);
	ps_jbd2_free(&j);
	jw_free(&w);
}

static void test_none_32(void **s) { (void)s; t_basic(0, 0, 0); }
static void test_none_64(void **s) { (void)s; t_basic(0, PS_JBD2_INCOMPAT_64BIT, 0); }
static void test_v1_32(void **s) { (void)s; t_basic(PS_JBD2_COMPAT_CHECKSUM, 0, 0); }
static void test_v2_32(void **s) { (void)s; t_basic(0, PS_JBD2_INCOMPAT_CSUM_V2, 0); }
static void test_v2_64(void **s)
{
	(void)s;
	t_basic(0, PS_JBD2_INCOMPAT_CSUM_V2 | PS_JBD2_INCOMPAT_64BIT, 0);
}
static void test_v3_32(void **s) { (void)s; t_basic(0, PS_JBD2_INCOMPAT_CSUM_V3, 0); }
static void test_v3_64(void **s)
{
	(void)s;
	t_basic(0, PS_JBD2_INCOMPAT_CSUM_V3 | PS_JBD2_INCOMPAT_64BIT, 0);
}

/* 64-bit tags carry the high word; a 32-bit journal drops it (the home
 * numbers are then beyond no filesystem but low ones) */
static void test_64bit_high(void **s)
{
	(void)s;
	struct jw w;
	struct ps_jbd2 j;
	fill();
	jw_init(&w, BS, JLEN, 0, PS_JBD2_INCOMPAT_CSUM_V3 | PS_JBD2_INCOMPAT_64BIT);
	jw_sb(&w, 1, 1);
	uint64_t h[] = { (1ull << 32) + 5 };
	jw_desc(&w, 1, 1, h, D);
	jw_commit(&w, 1, 1);
	assert_int_equal(ps_jbd2_sb_parse(w.img, BS, JLEN, &j), PS_OK);
	assert_int_equal(ps_jbd2_recover(&j, rd, &w, (1ull << 33)), PS_OK);
	assert_int_equal(at(&j, (1ull << 32) + 5), 2);
	assert_int_equal(at(&j, 5), 0);
	ps_jbd2_free(&j);
	/* the same home in a filesystem of 2^32 blocks: beyond it, kept out */
	assert_int_equal(ps_jbd2_sb_parse(w.img, BS, JLEN, &j), PS_OK);
	assert_int_equal(ps_jbd2_recover(&j, rd, &w, 1ull << 32), PS_OK);
	assert_int_equal(j.nmap, 0);
	assert_int_equal(j.st.beyond_fs, 1);
	assert_int_equal(j.st.beyond_fs_jblk, 2);
	ps_jbd2_free(&j);
	jw_free(&w);
}

/* A revoke in a later transaction suppresses the earlier copy; a copy
 * after the revoke is replayed. */
static void test_revoke(void **s)
{
	(void)s;
	struct jw w;
	struct ps_jbd2 j;
	fill();
	jw_init(&w, BS, JLEN, 0, PS_JBD2_INCOMPAT_CSUM_V3 | PS_JBD2_INCOMPAT_64BIT);
	jw_sb(&w, 1, 1);
	uint64_t h1[] = { 20, 21, 22 }, r[] = { 20, 22 }, h3[] = { 22 };
	jw_desc(&w, 1, 3, h1, D);	/* 1..4 */
	jw_commit(&w, 1, 1);		/* 5 */
	jw_revoke(&w, 2, 2, r);		/* 6 */
	jw_commit(&w, 2, 2);		/* 7 */
	jw_desc(&w, 3, 1, h3, D + 6);	/* 8, 9 */
	jw_commit(&w, 3, 3);		/* 10 */
	assert_int_equal(recover(&w, &j), PS_OK);
	assert_int_equal(j.st.transactions, 3);
	assert_int_equal(j.st.revokes, 2);
	assert_int_equal(j.st.revoke_hits, 2);
	assert_int_equal(at(&j, 20), 0);
	assert_int_equal(at(&j, 21), 3);
	assert_int_equal(at(&j, 22), 9);
	ps_jbd2_free(&j);
	jw_free(&w);
}

/* The log starts near the end of the journal and wraps to s_first, inside
 * a transaction; the tid wraps through 0 too. */
static void test_wrap(void **s)
{
	(void)s;
	struct jw w;
	struct ps_jbd2 j;
	fill();
	jw_init(&w, BS, JLEN, 0, PS_JBD2_INCOMPAT_CSUM_V3);
	jw_sb(&w, JLEN - 2, 0xffffffffu);
	jw_seek(&w, JLEN - 2);
	uint64_t h[] = { 30, 31, 32 }, h2[] = { 33 };
	jw_desc(&w, 0xffffffffu, 3, h, D);	/* 62, 63, 1, 2 */
	jw_commit(&w, 0xffffffffu, 5);		/* 3 */
	jw_desc(&w, 0, 1, h2, D + 3);		/* 4, 5 */
	jw_commit(&w, 0, 6);			/* 6 */
	assert_int_equal(recover(&w, &j), PS_OK);
	assert_int_equal(j.st.transactions, 2);
	assert_int_equal(at(&j, 30), JLEN - 1);
	assert_int_equal(at(&j, 31), 1);
	assert_int_equal(at(&j, 32), 2);
	assert_int_equal(at(&j, 33), 5);
	assert_int_equal(j.st.seq_end, 1);
	ps_jbd2_free(&j);
	jw_free(&w);
}

/* A torn last transaction (no commit) is not replayed; the walk stops at
 * the journal block where the commit should have been. */
static void test_torn(void **s)
{
	(void)s;
	struct jw w;
	struct ps_jbd2 j;
	fill();
	jw_init(&w, BS, JLEN, 0, PS_JBD2_INCOMPAT_CSUM_V3 | PS_JBD2_INCOMPAT_64BIT);
	jw_sb(&w, 1, 4);
	uint64_t h[] = { 40 }, h2[] = { 41, 40 };
	jw_desc(&w, 4, 1, h, D);	/* 1, 2 */
	jw_commit(&w, 4, 1);		/* 3 */
	jw_desc(&w, 5, 2, h2, D + 1);	/* 4, 5, 6; no commit at 7 */
	assert_int_equal(recover(&w, &j), PS_OK);
	assert_int_equal(j.st.transactions, 1);
	assert_int_equal(at(&j, 40), 2);
	assert_int_equal(at(&j, 41), 0);
	assert_int_equal(j.st.stop, PS_JSTOP_END);
	assert_int_equal(j.st.stop_jblk, 7);
	assert_false(j.st.mount_fails);
	ps_jbd2_free(&j);
	/* a stale block of an old transaction there instead: the same */
	jw_seek(&w, 7);
	jw_commit(&w, 2, 0);
	assert_int_equal(recover(&w, &j), PS_OK);
	assert_int_equal(j.st.transactions, 1);
	assert_int_equal(j.st.stop, PS_JSTOP_SEQ);
	ps_jbd2_free(&j);
	jw_free(&w);
}

/* Two transactions: block 50 (descriptor 1, data 2, commit 3), block 51
 * (descriptor 4, data 5, commit 6); returns the second commit's block. */
static uint64_t two_commits(struct jw *w, uint32_t incompat)
{
	jw_init(w, BS, JLEN, 0, incompat);
	jw_sb(w, 1, 1);
	uint64_t h[] = { 50 }, h2[] = { 51 };
	jw_desc(w, 1, 1, h, D);
	jw_commit(w, 1, 10);
	jw_desc(w, 2, 1, h2, D + 1);
	return jw_commit(w, 2, 11);
}

/* A commit with a bad checksum: that transaction and what follows is not
 * replayed; without async_commit the kernel's mount fails, with it not. */
static void t_bad_commit(uint32_t extra, int fails)
{
	struct jw w;
	struct ps_jbd2 j;
	fill();
	uint64_t c = two_commits(&w, PS_JBD2_INCOMPAT_CSUM_V3 | extra);
	w.img[c * BS + 0x3a] ^= 1;	/* in the header (commit nsec) */
	assert_int_equal(recover(&w, &j), PS_OK);
	assert_int_equal(j.st.transactions, 1);
	assert_int_equal(at(&j, 50), 2);
	assert_int_equal(at(&j, 51), 0);
	assert_int_equal(j.st.stop, PS_JSTOP_COMMIT_CSUM);
	assert_int_equal(j.st.stop_jblk, 6);
	assert_int_equal(j.st.mount_fails, fails);
	ps_jbd2_free(&j);
	jw_free(&w);
}

static void test_bad_commit(void **s) { (void)s; t_bad_commit(0, 1); }

/* A commit block damaged after its first 64 bytes (a torn commit sector
 * past the header): Linux 6.12 accepts it by the header's checksum, 6.1
 * ends the log there and its mount fails. The default rules are 6.12's. */
static void test_partial_commit(void **s)
{
	(void)s;
	struct jw w;
	struct ps_jbd2 j;
	fill();
	uint64_t c = two_commits(&w, PS_JBD2_INCOMPAT_CSUM_V3);
	w.img[c * BS + 0x40] ^= 1;
	assert_int_equal(recover(&w, &j), PS_OK);
	assert_int_equal(j.st.kernel_rules, 612);
	assert_int_equal(j.st.transactions, 2);
	assert_int_equal(at(&j, 51), 5);
	assert_int_equal(j.st.partial_commit_jblk, 6);
	assert_int_equal(j.st.partial_commit_seq, 2);
	assert_false(j.st.mount_fails);
	ps_jbd2_free(&j);
	/* 6.1's rules: the log ends at that commit, the mount fails */
	assert_int_equal(ps_jbd2_sb_parse(w.img, BS, w.maxlen, &j), PS_OK);
	j.kernel = 601;
	assert_int_equal(ps_jbd2_recover(&j, rd, &w, FSBLOCKS), PS_OK);
	assert_int_equal(j.st.kernel_rules, 601);
	assert_int_equal(j.st.transactions, 1);
	assert_int_equal(at(&j, 51), 0);
	assert_int_equal(j.st.stop, PS_JSTOP_COMMIT_CSUM);
	assert_int_equal(j.st.stop_jblk, 6);
	assert_int_equal(j.st.partial_commit_jblk, 0);
	assert_true(j.st.mount_fails);
	ps_jbd2_free(&j);
	/* damage in the header itself: neither accepts it */
	w.img[c * BS + 0x40] ^= 1;
	w.img[c * BS + 0x3a] ^= 1;
	assert_int_equal(recover(&w, &j), PS_OK);
	assert_int_equal(j.st.transactions, 1);
	assert_int_equal(j.st.partial_commit_jblk, 0);
	assert_true(j.st.mount_fails);
	ps_jbd2_free(&j);
	jw_free(&w);
}
static void test_bad_commit_async(void **s)
{
	(void)s;
	t_bad_commit(PS_JBD2_INCOMPAT_ASYNC_COMMIT, 0);
}

/* v1 checksums: a transaction whose data changed after the commit's crc
 * ends the log there. */
static void test_v1_bad(void **s)
{
	(void)s;
	struct jw w;
	struct ps_jbd2 j;
	fill();
	jw_init(&w, BS, JLEN, PS_JBD2_COMPAT_CHECKSUM, 0);
	jw_sb(&w, 1, 1);
	uint64_t h[] = { 50 }, h2[] = { 51 };
	jw_desc(&w, 1, 1, h, D);
	jw_commit(&w, 1, 10);
	jw_desc(&w, 2, 1, h2, D + 1);	/* 4, 5 */
	jw_commit(&w, 2, 11);
	w.img[5 * BS + 100] ^= 1;
	assert_int_equal(recover(&w, &j), PS_OK);
	assert_int_equal(j.st.transactions, 1);
	assert_int_equal(at(&j, 51), 0);
	assert_true(j.st.mount_fails);
	ps_jbd2_free(&j);
	jw_free(&w);
}

/* A bad descriptor checksum in a live transaction: the kernel replays
 * nothing at all; in an older (stale) one: the log ends before it. */
static void test_bad_descriptor(void **s)
{
	(void)s;
	struct jw w;
	struct ps_jbd2 j;
	fill();
	jw_init(&w, BS, JLEN, 0, PS_JBD2_INCOMPAT_CSUM_V3);
	jw_sb(&w, 1, 1);
	uint64_t h[] = { 60 }, h2[] = { 61 };
	jw_desc(&w, 1, 1, h, D);
	jw_commit(&w, 1, 10);
	uint64_t d = jw_desc(&w, 2, 1, h2, D + 1);
	jw_commit(&w, 2, 11);
	w.img[d * BS + 40] ^= 1;
	assert_int_equal(recover(&w, &j), PS_OK);
	assert_int_equal(j.nmap, 0);
	assert_int_equal(j.st.stop, PS_JSTOP_DESC_CSUM);
	assert_int_equal(j.st.stop_jblk, d);
	assert_true(j.st.mount_fails);
	ps_jbd2_free(&j);
	/* commit time older than the previous commit: stale, log ends */
	jw_seek(&w, d);
	jw_desc(&w, 2, 1, h2, D + 1);
	jw_commit(&w, 2, 9);
	w.img[d * BS + 40] ^= 1;
	assert_int_equal(recover(&w, &j), PS_OK);
	assert_int_equal(j.nmap, 1);
	assert_int_equal(at(&j, 60), 2);
	assert_int_equal(j.st.stop, PS_JSTOP_STALE);
	assert_false(j.st.mount_fails);
	ps_jbd2_free(&j);
	jw_free(&w);
}

/* A data block with a bad checksum is skipped, the rest replayed, and
 * the kernel's mount fails at the end. */
static void test_bad_data(void **s)
{
	(void)s;
	struct jw w;
	struct ps_jbd2 j;
	fill();
	jw_init(&w, BS, JLEN, 0, PS_JBD2_INCOMPAT_CSUM_V2);
	jw_sb(&w, 1, 1);
	uint64_t h[] = { 70, 71 };
	jw_desc(&w, 1, 2, h, D);
	jw_commit(&w, 1, 1);
	w.img[3 * BS + 7] ^= 1;
	assert_int_equal(recover(&w, &j), PS_OK);
	assert_int_equal(at(&j, 70), 2);
	assert_int_equal(at(&j, 71), 0);
	assert_int_equal(j.st.bad_data, 1);
	assert_true(j.st.mount_fails);
	ps_jbd2_free(&j);
	jw_free(&w);
}

/* A block starting with the jbd2 magic is escaped in the log. */
static void test_escape(void **s)
{
	(void)s;
	struct jw w;
	struct ps_jbd2 j;
	fill();
	blk[1][0] = 0xC0; blk[1][1] = 0x3B; blk[1][2] = 0x39; blk[1][3] = 0x98;
	jw_init(&w, BS, JLEN, 0, PS_JBD2_INCOMPAT_CSUM_V3);
	jw_sb(&w, 1, 1);
	uint64_t h[] = { 80, 81 };
	jw_desc(&w, 1, 2, h, D);
	jw_commit(&w, 1, 1);
	assert_int_equal(w.img[3 * BS], 0);	/* stored with zeros */
	assert_int_equal(recover(&w, &j), PS_OK);
	const struct ps_jbd2_ent *e = ps_jbd2_lookup(&j, 81);
	assert_non_null(e);
	assert_int_equal(e->escape, 1);
	assert_int_equal(ps_jbd2_lookup(&j, 80)->escape, 0);
	assert_int_equal(j.st.escaped, 1);
	ps_jbd2_free(&j);
	jw_free(&w);
}

/* An empty log (s_start 0) replays nothing. */
static void test_empty(void **s)
{
	(void)s;
	struct jw w;
	struct ps_jbd2 j;
	fill();
	jw_init(&w, BS, JLEN, 0, PS_JBD2_INCOMPAT_CSUM_V3);
	jw_sb(&w, 0, 9);
	uint64_t h[] = { 80 };
	jw_desc(&w, 9, 1, h, D);
	jw_commit(&w, 9, 1);
	assert_int_equal(recover(&w, &j), PS_OK);
	assert_int_equal(j.nmap, 0);
	assert_int_equal(j.st.transactions, 0);
	ps_jbd2_free(&j);
	jw_free(&w);
}

/* A revoke block whose count runs past its block: nothing replayed. */
static void test_revoke_size(void **s)
{
	(void)s;
	struct jw w;
	struct ps_jbd2 j;
	fill();
	jw_init(&w, BS, JLEN, 0, 0);
	jw_sb(&w, 1, 1);
	uint64_t h[] = { 90 }, r[] = { 5 };
	jw_desc(&w, 1, 1, h, D);
	uint64_t rb = jw_revoke(&w, 1, 1, r);
	jw_commit(&w, 1, 1);
	w.img[rb * BS + 12] = 0x7f;	/* r_count huge */
	assert_int_equal(recover(&w, &j), PS_OK);
	assert_int_equal(j.nmap, 0);
	assert_int_equal(j.st.stop, PS_JSTOP_REVOKE_SIZE);
	assert_int_equal(j.st.stop_jblk, rb);
	assert_true(j.st.mount_fails);
	ps_jbd2_free(&j);
	jw_free(&w);
}

/* A descriptor whose tags skip the walk round the journal onto itself:
 * the walk stops instead of going round for ever. */
static void test_loop(void **s)
{
	(void)s;
	struct jw w;
	struct ps_jbd2 j;
	jw_init(&w, BS, 8, 0, 0);
	jw_sb(&w, 1, 1);
	uint8_t *d = w.img + BS;
	d[0] = 0xC0; d[1] = 0x3B; d[2] = 0x39; d[3] = 0x98;
	d[7] = 1;	/* descriptor */
	d[11] = 1;	/* tid 1 */
	/* 6 tags, SAME_UUID: 6 data blocks, back to block 1 */
	for (int i = 0; i < 6; i++)
		d[12 + i * 8 + 7] = PS_JBD2_FLAG_SAME_UUID | (i == 5 ? PS_JBD2_FLAG_LAST_TAG : 0);
	assert_int_equal(ps_jbd2_sb_parse(w.img, BS, 8, &j), PS_OK);
	assert_int_equal(ps_jbd2_recover(&j, rd, &w, FSBLOCKS), PS_OK);
	assert_int_equal(j.st.stop, PS_JSTOP_TOO_LONG);
	assert_int_equal(j.nmap, 0);
	ps_jbd2_free(&j);
	jw_free(&w);
}

/* The superblock checks the kernel makes before recovering. */
static void test_sb_checks(void **s)
{
	(void)s;
	struct jw w;
	struct ps_jbd2 j;
	jw_init(&w, BS, JLEN, 0, PS_JBD2_INCOMPAT_CSUM_V3);
	jw_sb(&w, 1, 1);
	assert_int_equal(ps_jbd2_sb_parse(w.img, BS, JLEN, &j), PS_OK);
	assert_int_equal(ps_jbd2_sb_parse(w.img, 4096, JLEN, &j), PS_EFORMAT);
	assert_int_equal(j.st.bad, PS_JBAD_BLOCKSIZE);
	assert_int_equal(ps_jbd2_sb_parse(w.img, BS, JLEN - 1, &j), PS_EFORMAT);
	assert_int_equal(j.st.bad, PS_JBAD_TOO_SHORT);
	w.img[0x60] ^= 1;	/* checksummed padding */
	assert_int_equal(ps_jbd2_sb_parse(w.img, BS, JLEN, &j), PS_EFORMAT);
	assert_int_equal(j.st.bad, PS_JBAD_CSUM);
	w.incompat |= 0x100;
	jw_sb(&w, 1, 1);
	assert_int_equal(ps_jbd2_sb_parse(w.img, BS, JLEN, &j), PS_EFORMAT);
	assert_int_equal(j.st.bad, PS_JBAD_FEATURES);
	w.incompat = PS_JBD2_INCOMPAT_CSUM_V3 | PS_JBD2_INCOMPAT_CSUM_V2;
	jw_sb(&w, 1, 1);
	assert_int_equal(ps_jbd2_sb_parse(w.img, BS, JLEN, &j), PS_EFORMAT);
	assert_int_equal(j.st.bad, PS_JBAD_CSUM_MIX);
	w.img[0] = 0;
	assert_int_equal(ps_jbd2_sb_parse(w.img, BS, JLEN, &j), PS_EFORMAT);
	assert_int_equal(j.st.bad, PS_JBAD_MAGIC);
	jw_free(&w);
}

/* The superblock after recovery: log empty, next sequence, checksum good. */
static void test_sb_recovered(void **s)
{
	(void)s;
	struct jw w;
	struct ps_jbd2 j, j2;
	fill();
	jw_init(&w, BS, JLEN, 0, PS_JBD2_INCOMPAT_CSUM_V3);
	jw_sb(&w, 1, 3);
	uint64_t h[] = { 10 };
	jw_desc(&w, 3, 1, h, D);
	jw_commit(&w, 3, 1);
	assert_int_equal(recover(&w, &j), PS_OK);
	ps_jbd2_sb_recovered(&j, w.img);
	assert_int_equal(ps_jbd2_sb_parse(w.img, BS, JLEN, &j2), PS_OK);
	assert_int_equal(j2.start, 0);
	assert_int_equal(j2.sequence, 5);
	ps_jbd2_free(&j);
	jw_free(&w);
}

/* The checksum primitives against their check values. */
static void test_crc(void **s)
{
	(void)s;
	assert_int_equal(ps_crc32c(~0u, "123456789", 9) ^ ~0u, 0xE3069283u);
	/* CRC-32/MPEG-2 (crc32_be from ~0, no inversion) check value */
	assert_int_equal(ps_crc32_be(~0u, "123456789", 9), 0x0376E6E7u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc),
		cmocka_unit_test(test_none_32),
		cmocka_unit_test(test_none_64),
		cmocka_unit_test(test_v1_32),
		cmocka_unit_test(test_v2_32),
		cmocka_unit_test(test_v2_64),
		cmocka_unit_test(test_v3_32),
		cmocka_unit_test(test_v3_64),
		cmocka_unit_test(test_64bit_high),
		cmocka_unit_test(test_revoke),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_torn),
		cmocka_unit_test(test_bad_commit),
		cmocka_unit_test(test_partial_commit),
		cmocka_unit_test(test_bad_commit_async),
		cmocka_unit_test(test_v1_bad),
		cmocka_unit_test(test_bad_descriptor),
		cmocka_unit_test(test_bad_data),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_revoke_size),
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_sb_checks),
		cmocka_unit_test(test_sb_recovered),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
