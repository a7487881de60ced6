// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The XFS log, read-only: head, tail, clean or dirty, and what recovery
 * would replay (xfs_log.h). Written from the project's specification
 * (xfs-log-recovery.md "Where the log is" to "Operations, transactions, passes"), which states in its own
 * words what the kernel's fs/xfs/xfs_log_recover.c does; no code was
 * taken from it. The function names below echo the spec's section names
 * so a reader can follow one beside the other.
 *
 * Conventions: a "bb" is a 512-byte basic block, numbered from the start
 * of the log (0 .. size_bb-1). Block numbers fit in 31 bits (the
 * geometry is refused otherwise), so signed 64-bit arithmetic on them
 * never overflows.
 */
#include "config.h"
#include "be.h"
#include "xfs_log.h"
#include "crc32c.h"
#include "err.h"
#include "le.h"
#include "xfs_sb.h"
#include <stdlib.h>
#include <string.h>

#define BB 512u
#define XLOG_MAGIC 0xFEEDBABEu
#define XLOG_VERSION_OKBITS 3u
#define XLOG_CYCLE_SIZE 32768u		/* data bytes per header block */
#define XLOG_MAX_RECORD 262144u		/* largest iclog (256 KiB) */
#define XLOG_REC_SIZE 328u		/* sizeof(xlog_rec_header) on x86-64 */
#define XLOG_REC_SIZE_OTHER 324u	/* ... on i386 */
#define XLOG_MAX_ICLOGS 8
#define CLIENT_TRANS 0x69
#define CLIENT_LOG 0xAA
#define CACHE_BBS 128u			/* read 64 KiB at a time */
#define MAX_OPEN 1024			/* transactions tracked at once */

/* record header fields (xfs-log-recovery.md "struct xlog_rec_header") */
#define H_MAGIC 0
#define H_CYCLE 4
#define H_VERSION 8
#define H_LEN 12
#define H_LSN 16
#define H_TAIL_LSN 24
#define H_CRC 32
#define H_NUM_LOGOPS 40
#define H_CYCLE_DATA 44
#define H_UUID 304
#define H_SIZE 320

static uint64_t btobb(uint64_t bytes) { return (bytes + BB - 1) / BB; }

int ps_xfs_log_geom(const uint8_t *sb, size_t len, struct ps_xfs_log_geom *g,
		    const char **bad_field)
{
	if (bad_field)
		*bad_field = NULL;
	memset(g, 0, sizeof(*g));
	if (len < 256)
		return PS_ETRUNC;
	/* (the fields the log uses end before byte 256; the decoder reads
	 * the whole table, so a shorter buffer is read as zero-padded) */
	uint8_t pad[PS_XSB_SIZE] = { 0 };
	if (len < sizeof(pad))
		sb = memcpy(pad, sb, len);
	struct ps_xsb x;
	ps_xsb_decode(sb, &x);
	return ps_xfs_log_geom_sb(&x, g, bad_field);
}

int ps_xfs_log_geom_sb(const struct ps_xsb *x, struct ps_xfs_log_geom *g,
		       const char **bad_field)
{
	const char *dummy;
	if (!bad_field)
		bad_field = &dummy;
	*bad_field = NULL;
	memset(g, 0, sizeof(*g));
	if (x->magicnum != PS_XSB_MAGIC)
		return PS_ENOTFOUND;
	uint32_t agblocks = x->agblocks, agcount = x->agcount;
	uint32_t logblocks = x->logblocks;
	uint16_t versionnum = x->versionnum;
	uint8_t blocklog = x->blocklog, agblklog = x->agblklog;
	uint8_t logsectlog = x->logsectlog;
	uint64_t logstart = x->logstart;
	unsigned version = x->version;
#define BAD(f) do { *bad_field = f; return PS_EFORMAT; } while (0)
	if (version < 4 || version > 5)
		BAD("sb_versionnum");
	if (blocklog < 9 || blocklog > 16)
		BAD("sb_blocklog");
	if (agblklog > 31 || (agblklog < 31 && agblocks > (1u << agblklog)))
		BAD("sb_agblklog");
	g->v5 = version == 5;
	g->v2 = g->v5 || (versionnum & 0x0400);
	g->sunit = x->logsunit;
	memcpy(g->uuid, x->uuid, sizeof(g->uuid));
	g->sect_bb = 1;
	if (versionnum & 0x0800 || g->v5) {
		if (logsectlog && (logsectlog < 9 || logsectlog > 15))
			BAD("sb_logsectlog");
		if (logsectlog)
			g->sect_bb = 1u << (logsectlog - 9);
	}
	if (!logblocks)
		BAD("sb_logblocks");
	/* the log's length in bbs must fit in 31 bits, as the kernel's */
	uint64_t size = (uint64_t)logblocks << (blocklog - 9);
	if (size > 0x7fffffff)
		BAD("sb_logblocks");
	g->size_bb = (uint32_t)size;
	if (!logstart) {
		g->external = true;
		return PS_OK;
	}
	uint64_t agno = agblklog ? logstart >> agblklog : 0;
	uint64_t agbno = agblklog ? logstart & ((1ULL << agblklog) - 1) : logstart;
	if (agno >= agcount || agbno >= agblocks)
		BAD("sb_logstart");
	/* agno < 2^32, agblocks < 2^32, blocklog <= 16: no overflow past 2^80?
	 * agno * agblocks < 2^64; then the shift: check it */
	uint64_t fsb = agno * agblocks + agbno;
	if (fsb > (UINT64_MAX >> 8) >> (blocklog - 9))
		BAD("sb_logstart");
	g->start_bb = fsb << (blocklog - 9);
#undef BAD
	return PS_OK;
}

/* ---- reading the log ---- */

struct xl {
	struct ps_src *dev;
	const struct ps_xfs_log_geom *g;
	int64_t n;			/* log size in bbs */
	uint64_t base;			/* byte offset of the log */
	uint8_t *cache;
	int64_t cache_first, cache_n;
	uint8_t *rec;			/* one record: headers + data */
	size_t rec_cap;
	struct ps_xfs_log_info *out;
	/* the tid table of the counting walk */
	uint32_t open_tid[MAX_OPEN];
	size_t nopen;
	uint64_t open_dropped;
	/* ps_xfs_log_walk: each record's unpacked data, in log order */
	ps_xlog_rec_cb rec_cb;
	void *rec_ctx;
	int cb_rc;
};

enum { XL_OK = 0, XL_BAD = -1, XL_NOMEM = -2, XL_CB = -3 };

static int fail(struct xl *x, enum ps_xlog_why why, int64_t bb, const char *field)
{
	if (x->out->why == PS_XLOG_WHY_NONE) {
		x->out->why = why;
		x->out->bad_bb = bb >= 0 ? (uint32_t)bb : 0;
		x->out->bad_field = field;
	}
	return XL_BAD;
}

/* The 512 bytes of log block blk (0 <= blk < n), or NULL (x->out says
 * why). The pointer is valid until the next call. */
static const uint8_t *bb(struct xl *x, int64_t blk)
{
	if (blk < 0 || blk >= x->n) {
		fail(x, PS_XLOG_WHY_HEADER, blk < 0 ? 0 : blk, "h_len");
		return NULL;
	}
	if (blk >= x->cache_first && blk < x->cache_first + x->cache_n)
		return x->cache + (size_t)(blk - x->cache_first) * BB;
	int64_t first = blk - blk % CACHE_BBS;
	int64_t cnt = x->n - first < CACHE_BBS ? x->n - first : CACHE_BBS;
	int rc = ps_src_pread(x->dev, x->cache, (size_t)cnt * BB,
			      x->base + (uint64_t)first * BB);
	if (rc) {
		x->cache_n = 0;
		x->out->err = rc;
		fail(x, PS_XLOG_WHY_UNREADABLE, blk, NULL);
		return NULL;
	}
	x->cache_first = first;
	x->cache_n = cnt;
	return x->cache + (size_t)(blk - first) * BB;
}

static int cycle(struct xl *x, int64_t blk, uint32_t *c)
{
	const uint8_t *p = bb(x, blk);
	if (!p)
		return XL_BAD;
	*c = ps_be32(p) == XLOG_MAGIC ? ps_be32(p + 4) : ps_be32(p);
	return XL_OK;
}

static int is_header(struct xl *x, int64_t blk, bool *yes)
{
	const uint8_t *p = bb(x, blk);
	if (!p)
		return XL_BAD;
	*yes = ps_be32(p) == XLOG_MAGIC;
	return XL_OK;
}

/* header blocks of a record (xfs-log-recovery.md "Header blocks (hblks) and cycle stamping") */
static int64_t hblks_of(const struct xl *x, const uint8_t *h)
{
	uint32_t size = ps_be32(h + H_SIZE);
	if (x->g->v2 && (ps_be32(h + H_VERSION) & 2) && size > XLOG_CYCLE_SIZE)
		return (int64_t)((size + XLOG_CYCLE_SIZE - 1) / XLOG_CYCLE_SIZE);
	return 1;
}

static bool uuid_ok(const struct xl *x, const uint8_t *h, bool allow_zero)
{
	static const uint8_t zero[16];
	if (allow_zero && !memcmp(h + H_UUID, zero, 16))
		return true;
	return !memcmp(h + H_UUID, x->g->uuid, 16);
}

/* xfs-log-recovery.md "xlog_find_cycle_start" */
static int find_cycle_start(struct xl *x, int64_t first, int64_t *last, uint32_t cyc)
{
	int64_t end = *last, mid = (first + end) / 2;
	while (mid != first && mid != end) {
		uint32_t c;
		if (cycle(x, mid, &c))
			return XL_BAD;
		if (c == cyc)
			end = mid;
		else
			first = mid;
		mid = (first + end) / 2;
	}
	*last = end;
	return XL_OK;
}

/* xfs-log-recovery.md "xlog_find_verify_cycle": *found = the first block in [start, start + n) of cycle stop, or -1 */
static int verify_cycle(struct xl *x, int64_t start, int64_t n, uint32_t stop,
			int64_t *found)
{
	*found = -1;
	for (int64_t i = start; i < start + n; i++) {
		uint32_t c;
		if (cycle(x, i, &c))
			return XL_BAD;
		if (c == stop) {
			*found = i;
			break;
		}
	}
	return XL_OK;
}

/* xfs-log-recovery.md "xlog_find_verify_log_record": 1 when the walk back reached block -1 without a header */
static int verify_log_record(struct xl *x, int64_t start, int64_t *last, int64_t extra)
{
	int64_t i;
	const uint8_t *h = NULL;
	for (i = *last - 1; i >= 0; i--) {
		if (i < start)
			return fail(x, PS_XLOG_WHY_NO_HEADER, start, NULL);
		if (!(h = bb(x, i)))
			return XL_BAD;
		if (ps_be32(h) == XLOG_MAGIC)
			break;
	}
	if (i == -1)
		return 1;
	if (!uuid_ok(x, h, true))
		return fail(x, PS_XLOG_WHY_UUID, i, "h_fs_uuid");
	if (*last - i + extra != (int64_t)btobb(ps_be32(h + H_LEN)) + hblks_of(x, h))
		*last = i;
	return XL_OK;
}

/* xfs-log-recovery.md "xlog_find_zeroed": 1 (head in *blk) when the log is not fully written since mkfs */
static int find_zeroed(struct xl *x, int64_t *blk)
{
	uint32_t c0, cl;
	*blk = 0;
	if (cycle(x, 0, &c0))
		return XL_BAD;
	if (c0 == 0)
		return 1;
	if (cycle(x, x->n - 1, &cl))
		return XL_BAD;
	if (cl != 0)
		return 0;
	int64_t last = x->n - 1, found;
	if (find_cycle_start(x, 0, &last, 0))
		return XL_BAD;
	int64_t n = last < 4096 ? last : 4096, start = last - n;
	if (verify_cycle(x, start, n, 0, &found))
		return XL_BAD;
	if (found != -1)
		last = found;
	int r = verify_log_record(x, start, &last, 0);
	if (r == 1)
		return fail(x, PS_XLOG_WHY_NO_HEADER, start, NULL);
	if (r)
		return r;
	*blk = last;
	return 1;
}

/* xfs-log-recovery.md "xlog_find_head" */
static int find_head(struct xl *x, int64_t *head_out)
{
	int64_t head, found;
	int r = find_zeroed(x, &head);
	if (r < 0)
		return r;
	if (r == 1) {
		*head_out = head;
		return XL_OK;
	}
	int64_t n_all = x->n;
	uint32_t c0, cl, stop;
	if (cycle(x, 0, &c0) || cycle(x, n_all - 1, &cl))
		return XL_BAD;
	head = n_all - 1;
	if (c0 == cl) {
		head = n_all;
		stop = cl - 1;
	} else {
		stop = cl;
		if (find_cycle_start(x, 0, &head, cl))
			return XL_BAD;
	}
	int64_t n = x->g->v2 ? 4096 : 512;	/* XLOG_TOTAL_REC_SHIFT */
	if (n > n_all)
		n = n_all;
	if (head >= n) {
		if (verify_cycle(x, head - n, n, stop, &found))
			return XL_BAD;
		if (found != -1)
			head = found;
	} else {
		if (verify_cycle(x, n_all - (n - head), n - head, stop - 1, &found))
			return XL_BAD;
		if (found != -1) {
			head = found;
		} else {
			if (verify_cycle(x, 0, head, stop, &found))
				return XL_BAD;
			if (found != -1)
				head = found;
		}
	}
	/* move back off a partly written record */
	n = x->g->v2 ? 512 : 64;	/* XLOG_REC_SHIFT */
	if (head >= n) {
		r = verify_log_record(x, head - n, &head, 0);
		if (r == 1)
			return fail(x, PS_XLOG_WHY_NO_HEADER, head - n, NULL);
		if (r)
			return r;
	} else {
		r = verify_log_record(x, 0, &head, 0);
		if (r < 0)
			return r;
		if (r == 1) {
			int64_t nb = n_all;
			int64_t start = n_all - (n - head);
			if (start < 0)
				start = 0;
			r = verify_log_record(x, start, &nb, head);
			if (r == 1)
				return fail(x, PS_XLOG_WHY_NO_HEADER, start, NULL);
			if (r)
				return r;
			if (nb != n_all)
				head = nb;
		}
	}
	*head_out = head == n_all ? 0 : head;
	return XL_OK;
}

/* xfs-log-recovery.md "Record seekers", backwards: the count-th header before head (*found = how many) */
static int rseek(struct xl *x, int64_t head, int64_t tail, int count,
		 int64_t *rblk, int *found, bool *wrapped)
{
	bool yes;
	*found = 0;
	*wrapped = false;
	int64_t end = head > tail ? tail : 0;
	for (int64_t i = head - 1; i >= end; i--) {
		if (is_header(x, i, &yes))
			return XL_BAD;
		if (yes) {
			*rblk = i;
			if (++*found == count)
				return XL_OK;
		}
	}
	if (tail >= head)
		for (int64_t i = x->n - 1; i >= tail; i--) {
			if (is_header(x, i, &yes))
				return XL_BAD;
			if (yes) {
				*wrapped = true;
				*rblk = i;
				if (++*found == count)
					return XL_OK;
			}
		}
	return XL_OK;
}

/* xfs-log-recovery.md "Record seekers", forwards from tail */
static int seek(struct xl *x, int64_t head, int64_t tail, int count,
		int64_t *rblk, int *found)
{
	bool yes;
	*found = 0;
	int64_t end = head > tail ? head : x->n - 1;
	for (int64_t i = tail; i <= end; i++) {
		if (is_header(x, i, &yes))
			return XL_BAD;
		if (yes) {
			*rblk = i;
			if (++*found == count)
				return XL_OK;
		}
	}
	if (tail > head)
		for (int64_t i = 0; i < head; i++) {
			if (is_header(x, i, &yes))
				return XL_BAD;
			if (yes) {
				*rblk = i;
				if (++*found == count)
					return XL_OK;
			}
		}
	return XL_OK;
}

/* A copy of the header block at blk (512 bytes). */
static int header_at(struct xl *x, int64_t blk, uint8_t *h)
{
	const uint8_t *p = bb(x, blk);
	if (!p)
		return XL_BAD;
	memcpy(h, p, BB);
	return XL_OK;
}

/* ---- walking records tail -> head (xfs-log-recovery.md "Walking records tail -> head") ---- */

/* xfs-log-recovery.md "Record validity" xlog_valid_rec_header, with h_size bounded (see the docs) */
static const char *rec_header_bad(const struct xl *x, const uint8_t *h, int64_t blk,
				  uint32_t bufsize)
{
	uint32_t ver = ps_be32(h + H_VERSION), len = ps_be32(h + H_LEN);
	if (ps_be32(h) != XLOG_MAGIC)
		return "h_magicno";
	if (!ver || (ver & ~XLOG_VERSION_OKBITS))
		return "h_version";
	if (!len || len > bufsize || len > XLOG_MAX_RECORD)
		return "h_len";
	if (blk > x->n)
		return "h_lsn";
	return NULL;
}

/* the record CRC as stored: rec holds hblks header blocks then data */
static bool crc_ok(const uint8_t *rec, int64_t hblks, uint32_t len, bool v2, size_t hsize)
{
	uint8_t h[XLOG_REC_SIZE];
	memcpy(h, rec, hsize);
	memset(h + H_CRC, 0, 4);
	uint32_t crc = ps_crc32c(~0u, h, hsize);
	if (v2) {
		uint64_t xheads = (len + XLOG_CYCLE_SIZE - 1) / XLOG_CYCLE_SIZE;
		for (uint64_t i = 1; i < xheads && (int64_t)i < hblks; i++)
			crc = ps_crc32c(crc, rec + i * BB, 260);
	}
	crc = ps_crc32c(crc, rec + (size_t)hblks * BB, len);
	return ps_le32(rec + H_CRC) == ~crc;
}

static bool tid_take(struct xl *x, uint32_t tid, bool remove)
{
	for (size_t i = 0; i < x->nopen; i++)
		if (x->open_tid[i] == tid) {
			if (remove)
				x->open_tid[i] = x->open_tid[--x->nopen];
			return true;
		}
	return false;
}

/* xfs-log-recovery.md "Op header" and "Assembly", counting only: START opens a tid, COMMIT of an open tid
 * counts one transaction, UNMOUNT forgets it */
static int count_ops(struct xl *x, uint8_t *data, uint32_t len, uint32_t nops, int64_t blk)
{
	uint32_t off = 0;
	while (off < len && nops) {
		if (len - off < PS_XLOG_OP_HDR)
			return fail(x, PS_XLOG_WHY_OPS, blk, "oh_len");
		const uint8_t *o = data + off;
		uint32_t tid = ps_be32(o), olen = ps_be32(o + 4);
		uint8_t client = o[8], flags = o[9];
		off += PS_XLOG_OP_HDR;
		if (client != CLIENT_TRANS && client != CLIENT_LOG)
			return fail(x, PS_XLOG_WHY_OPS, blk, "oh_clientid");
		if (olen > len - off)
			return fail(x, PS_XLOG_WHY_OPS, blk, "oh_len");
		off += olen;
		nops--;
		x->out->ops++;
		if (!tid_take(x, tid, false)) {
			if (flags & PS_XLOG_OP_START) {
				if (x->nopen < MAX_OPEN)
					x->open_tid[x->nopen++] = tid;
				else
					x->open_dropped++;
			}
			continue;
		}
		uint8_t f = flags & (uint8_t)~PS_XLOG_OP_END;
		if (f & PS_XLOG_OP_WAS_CONT)
			f &= (uint8_t)~PS_XLOG_OP_CONTINUE;
		switch (f) {
		case 0:
		case PS_XLOG_OP_CONTINUE:
		case PS_XLOG_OP_WAS_CONT:
			break;
		case PS_XLOG_OP_COMMIT:
			x->out->trans++;
			tid_take(x, tid, true);
			break;
		case PS_XLOG_OP_UNMOUNT:
			tid_take(x, tid, true);
			break;
		default:
			return fail(x, PS_XLOG_WHY_OPS, blk, "oh_flags");
		}
	}
	return XL_OK;
}

/* Read the record at blk (modulo the log) into x->rec: hblks header
 * blocks, then btobb(len) data blocks. */
static int read_record(struct xl *x, int64_t blk, int64_t hblks, uint32_t len)
{
	int64_t total = hblks + (int64_t)btobb(len);
	for (int64_t i = 0; i < total; i++) {
		const uint8_t *p = bb(x, (blk + i) % x->n);
		if (!p)
			return XL_BAD;
		memcpy(x->rec + i * BB, p, BB);
	}
	return XL_OK;
}

enum walk_mode { WALK_CRC, WALK_COUNT };

/*
 * xlog_do_recovery_pass from tail to head. WALK_CRC stops at the first
 * record whose header is bad or whose non-zero CRC fails: XL_BAD with
 * *first_bad its block. WALK_COUNT fills the counts; a bad record there is
 * what makes the kernel's mount fail.
 */
static int walk(struct xl *x, int64_t head, int64_t tail, enum walk_mode mode,
		int64_t *first_bad)
{
	uint8_t h0[BB];
	*first_bad = -1;
	if (header_at(x, tail, h0))
		return XL_BAD;
	uint32_t hsize = XLOG_CYCLE_SIZE;
	int64_t hblks = 1;
	if (x->g->v2) {
		hsize = ps_be32(h0 + H_SIZE);
		uint32_t len = ps_be32(h0 + H_LEN);
		uint32_t logbsize = x->g->sunit > XLOG_CYCLE_SIZE ? x->g->sunit : XLOG_CYCLE_SIZE;
		if (len > hsize && len <= logbsize && ps_be32(h0 + H_NUM_LOGOPS) == 1)
			hsize = logbsize;
		const char *bad = rec_header_bad(x, h0, tail, hsize);
		if (bad) {
			*first_bad = tail;
			return fail(x, PS_XLOG_WHY_HEADER, tail, bad);
		}
		hblks = hblks_of(x, h0);
		if (hblks > (int64_t)(XLOG_MAX_RECORD / XLOG_CYCLE_SIZE)) {
			*first_bad = tail;
			return fail(x, PS_XLOG_WHY_HEADER, tail, "h_size");
		}
	}
	size_t need = (size_t)(hblks * BB) + XLOG_MAX_RECORD;
	if (x->rec_cap < need) {
		uint8_t *r = realloc(x->rec, need);
		if (!r)
			return XL_NOMEM;
		x->rec = r;
		x->rec_cap = need;
	}
	int64_t blk = tail;
	for (int round = tail > head ? 0 : 1; round < 2; round++) {
		int64_t end = round == 0 ? x->n : head;
		while (blk < end) {
			int64_t at = blk;
			const uint8_t *h = bb(x, at);
			if (!h)
				return XL_BAD;
			const char *bad = rec_header_bad(x, h, at, hsize);
			if (bad) {
				*first_bad = at;
				return fail(x, PS_XLOG_WHY_HEADER, at, bad);
			}
			uint32_t len = ps_be32(h + H_LEN);
			/* the second round reads no block past the log's end */
			if (round == 1 && at + hblks + (int64_t)btobb(len) > x->n) {
				*first_bad = at;
				return fail(x, PS_XLOG_WHY_HEADER, at, "h_len");
			}
			if (read_record(x, at, hblks, len))
				return XL_BAD;
			uint8_t *r = x->rec;
			/* a zero CRC (mkfs writes one) passes the torn-write
			 * check, and a v4 replay, which only warns about a
			 * non-zero one; a v5 replay refuses it */
			bool ok = ps_be32(r + H_CRC) == 0 && (mode == WALK_CRC || !x->g->v5);
			if (!ok)
				ok = crc_ok(r, hblks, len, x->g->v2, XLOG_REC_SIZE) ||
				     crc_ok(r, hblks, len, x->g->v2, XLOG_REC_SIZE_OTHER);
			if (mode == WALK_CRC) {
				if (!ok) {
					*first_bad = at;
					return fail(x, PS_XLOG_WHY_CRC, at, "h_crc");
				}
			} else {
				if (!ok) {
					x->out->bad_crc++;
					if (x->g->v5) {
						*first_bad = at;
						return fail(x, PS_XLOG_WHY_CRC, at, "h_crc");
					}
				}
				if (!uuid_ok(x, r, false)) {
					*first_bad = at;
					return fail(x, PS_XLOG_WHY_UUID, at, "h_fs_uuid");
				}
				/* undo the cycle stamping (xfs-log-recovery.md "Header blocks (hblks) and cycle stamping") */
				uint64_t dbbs = btobb(len);
				uint8_t *data = r + hblks * BB;
				for (uint64_t i = 0; i < dbbs; i++) {
					uint64_t j = i / 64, k = i % 64;
					if ((int64_t)j >= hblks) {
						*first_bad = at;
						return fail(x, PS_XLOG_WHY_HEADER, at, "h_size");
					}
					const uint8_t *src = j == 0 ? r + H_CYCLE_DATA + 4 * k :
							     r + j * BB + 4 + 4 * k;
					memcpy(data + i * BB, src, 4);
				}
				uint64_t lsn = ps_be64(r + H_LSN);
				if (!x->out->records)
					x->out->first_lsn = lsn;
				x->out->last_lsn = lsn;
				x->out->records++;
				if (count_ops(x, data, len, ps_be32(r + H_NUM_LOGOPS), at)) {
					*first_bad = at;
					return XL_BAD;
				}
				if (x->rec_cb) {
					int cr = x->rec_cb(x->rec_ctx, lsn, (uint32_t)at, data, len,
							   ps_be32(r + H_NUM_LOGOPS));
					if (cr) {
						x->cb_rc = cr;
						*first_bad = at;
						return XL_CB;
					}
				}
			}
			blk = at + hblks + (int64_t)btobb(len);
		}
		if (round == 0)
			blk -= x->n;
	}
	return XL_OK;
}

/* xfs-log-recovery.md "xlog_find_tail" xlog_check_unmount_rec */
static int check_unmount(struct xl *x, int64_t head, int64_t rblk, int64_t *tail,
			 bool *clean)
{
	uint8_t h[BB];
	*clean = false;
	if (header_at(x, rblk, h))
		return XL_BAD;
	int64_t hb = hblks_of(x, h);
	int64_t after = (int64_t)(((uint64_t)rblk + (uint64_t)hb + btobb(ps_be32(h + H_LEN))) %
				  (uint64_t)x->n);
	if (head == after && ps_be32(h + H_NUM_LOGOPS) == 1) {
		const uint8_t *d = bb(x, (rblk + hb) % x->n);
		if (!d)
			return XL_BAD;
		if (d[9] & PS_XLOG_OP_UNMOUNT) {
			*tail = after;
			*clean = true;
		}
	}
	return XL_OK;
}

static int tail_of(struct xl *x, int64_t rblk, int64_t *tail, uint32_t *tcycle)
{
	uint8_t h[BB];
	if (header_at(x, rblk, h))
		return XL_BAD;
	uint64_t tl = ps_be64(h + H_TAIL_LSN);
	*tail = PS_XLOG_BLOCK(tl);
	*tcycle = PS_XLOG_CYCLE(tl);
	if (*tail >= x->n)
		return fail(x, PS_XLOG_WHY_HEADER, rblk, "h_tail_lsn");
	return XL_OK;
}

/* xfs-log-recovery.md "Torn writes" xlog_verify_tail */
static int verify_tail(struct xl *x, int64_t head, int64_t *tail, uint32_t hsize)
{
	int64_t rblk = *tail, first_bad;
	int found;
	if (seek(x, head, *tail, 1, &rblk, &found))
		return XL_BAD;
	if (found)
		*tail = rblk;
	int r = walk(x, head, *tail, WALK_CRC, &first_bad);
	/* at most 8 iclogs were in flight, so a few overwritten records at
	 * most: a bound (the kernel has none) keeps a hostile log from
	 * costing thousands of walks over the whole log */
	int tries = 0;
	while (r == XL_BAD && first_bad > 0 && ++tries <= 8 * XLOG_MAX_ICLOGS &&
	       (x->out->why == PS_XLOG_WHY_CRC || x->out->why == PS_XLOG_WHY_HEADER)) {
		int64_t dist = head < first_bad ? first_bad - head : first_bad + (x->n - head);
		if (dist > (int64_t)btobb((uint64_t)XLOG_MAX_ICLOGS * hsize))
			break;
		if (seek(x, head, first_bad, 2, &rblk, &found))
			return XL_BAD;
		/* no header after the bad one: nothing to move the tail to
		 * (the kernel would retry the same block for ever) */
		if (found < 2 || rblk == *tail)
			break;
		x->out->why = PS_XLOG_WHY_NONE;
		*tail = rblk;
		r = walk(x, head, *tail, WALK_CRC, &first_bad);
	}
	return r;
}

/* xfs-log-recovery.md "Torn writes" xlog_verify_head: trims a torn record at the head */
static int verify_head(struct xl *x, int64_t *head, int64_t *tail, int64_t *rblk,
		       bool *wrapped)
{
	int64_t tmp = *tail, first_bad;
	int found;
	bool w;
	if (rseek(x, *head, *tail, XLOG_MAX_ICLOGS, &tmp, &found, &w))
		return XL_BAD;
	int r = walk(x, *head, tmp, WALK_CRC, &first_bad);
	if (r == XL_BAD && first_bad > 0 &&
	    (x->out->why == PS_XLOG_WHY_CRC || x->out->why == PS_XLOG_WHY_HEADER)) {
		x->out->why = PS_XLOG_WHY_NONE;
		if (rseek(x, first_bad, *tail, 1, rblk, &found, wrapped))
			return XL_BAD;
		if (!found)
			return fail(x, PS_XLOG_WHY_NO_HEADER, first_bad, NULL);
		uint32_t tc;
		*head = first_bad;
		if (tail_of(x, *rblk, tail, &tc))
			return XL_BAD;
		if (*head == *tail)
			return XL_OK;
		r = XL_OK;
	}
	if (r)
		return r;
	uint8_t h[BB];
	if (header_at(x, *rblk, h))
		return XL_BAD;
	return verify_tail(x, *head, tail, ps_be32(h + H_SIZE));
}

static int find_tail(struct xl *x)
{
	struct ps_xfs_log_info *o = x->out;
	int64_t head, tail, rblk = 0;
	int r = find_head(x, &head);
	if (r)
		return r;
	if (head == 0) {
		uint32_t c;
		if (cycle(x, 0, &c))
			return XL_BAD;
		if (c == 0) {
			o->state = PS_XLOG_EMPTY;
			return XL_OK;
		}
	}
	int found;
	bool wrapped;
	if (rseek(x, head, head, 1, &rblk, &found, &wrapped))
		return XL_BAD;
	if (!found)
		return fail(x, PS_XLOG_WHY_NO_HEADER, head, NULL);
	uint32_t tcycle;
	if (tail_of(x, rblk, &tail, &tcycle))
		return XL_BAD;
	bool clean;
	if (check_unmount(x, head, rblk, &tail, &clean))
		return XL_BAD;
	if (!clean) {
		int64_t orig_head = head, orig_tail = tail;
		r = verify_head(x, &head, &tail, &rblk, &wrapped);
		if (r)
			return r;
		if (head != orig_head) {
			o->head_trimmed = true;
			o->found_head_bb = (uint32_t)orig_head;
			if (check_unmount(x, head, rblk, &tail, &clean))
				return XL_BAD;
		}
		if (tail != orig_tail && !clean && head != tail) {
			int64_t t2;
			uint32_t c2;
			if (tail_of(x, rblk, &t2, &c2))
				return XL_BAD;
			if (t2 != tail) {
				o->tail_moved = true;
				o->found_tail_bb = (uint32_t)t2;
			}
		}
	}
	uint8_t h[BB];
	if (header_at(x, rblk, h))
		return XL_BAD;
	uint32_t hcycle = ps_be32(h + H_CYCLE) + (wrapped ? 1 : 0);
	o->head_lsn = (uint64_t)hcycle << 32 | (uint64_t)head;
	if (clean || head == tail) {
		o->state = PS_XLOG_CLEAN;
		o->tail_lsn = o->head_lsn;
		return XL_OK;
	}
	/* the tail's cycle: the record there says it */
	uint8_t th[BB];
	if (header_at(x, tail, th))
		return XL_BAD;
	o->tail_lsn = (ps_be32(th) == XLOG_MAGIC ? (uint64_t)ps_be32(th + H_CYCLE) : tcycle) << 32 |
		      (uint64_t)tail;
	o->state = PS_XLOG_DIRTY;
	o->blocks = (uint64_t)(head > tail ? head - tail : x->n - tail + head);
	int64_t first_bad;
	r = walk(x, head, tail, WALK_COUNT, &first_bad);
	if (r)
		return r;
	o->trans_open = x->nopen + x->open_dropped;
	return XL_OK;
}

int ps_xfs_log_examine(struct ps_src *dev, const struct ps_xfs_log_geom *g,
		       struct ps_xfs_log_info *out)
{
	memset(out, 0, sizeof(*out));
	out->log_bbs = g->size_bb;
	out->log_off = g->start_bb * BB;
	out->v5 = g->v5;
	if (g->external) {
		out->state = PS_XLOG_EXTERNAL;
		return PS_OK;
	}
	if (!g->size_bb || g->size_bb > 0x7fffffff ||
	    g->start_bb > dev->size / BB || dev->size / BB - g->start_bb < g->size_bb) {
		out->state = PS_XLOG_BAD;
		out->why = PS_XLOG_WHY_OUTSIDE;
		return PS_OK;
	}
	struct xl *x = calloc(1, sizeof(*x));
	if (!x)
		return PS_ENOMEM;
	x->dev = dev;
	x->g = g;
	x->n = g->size_bb;
	x->base = g->start_bb * BB;
	x->out = out;
	x->cache_first = -1;
	x->cache = malloc((size_t)CACHE_BBS * BB);
	int rc = PS_OK;
	if (!x->cache) {
		rc = PS_ENOMEM;
	} else {
		int r = find_tail(x);
		if (r == XL_NOMEM) {
			rc = PS_ENOMEM;
		} else if (r) {
			/* keep what was found, but the verdict is the fault */
			out->state = PS_XLOG_BAD;
			if (out->why == PS_XLOG_WHY_NONE)
				out->why = PS_XLOG_WHY_HEADER;
		}
	}
	free(x->cache);
	free(x->rec);
	free(x);
	return rc;
}

int ps_xfs_log_walk(struct ps_src *dev, const struct ps_xfs_log_geom *g,
		    const struct ps_xfs_log_info *info, ps_xlog_rec_cb cb, void *ctx,
		    struct ps_xfs_log_info *out)
{
	memset(out, 0, sizeof(*out));
	*out = *info;
	out->records = out->ops = out->trans = out->trans_open = out->bad_crc = 0;
	out->why = PS_XLOG_WHY_NONE;
	if (info->state != PS_XLOG_DIRTY || g->external || !g->size_bb ||
	    PS_XLOG_BLOCK(info->tail_lsn) >= g->size_bb ||
	    PS_XLOG_BLOCK(info->head_lsn) >= g->size_bb)
		return PS_EINVAL;
	struct xl *x = calloc(1, sizeof(*x));
	if (!x)
		return PS_ENOMEM;
	x->dev = dev;
	x->g = g;
	x->n = g->size_bb;
	x->base = g->start_bb * BB;
	x->out = out;
	x->cache_first = -1;
	x->rec_cb = cb;
	x->rec_ctx = ctx;
	x->cache = malloc((size_t)CACHE_BBS * BB);
	int rc = PS_OK;
	if (!x->cache) {
		rc = PS_ENOMEM;
	} else {
		int64_t first_bad;
		int r = walk(x, PS_XLOG_BLOCK(info->head_lsn), PS_XLOG_BLOCK(info->tail_lsn),
			     WALK_COUNT, &first_bad);
		if (r == XL_NOMEM)
			rc = PS_ENOMEM;
		else if (r == XL_CB)
			rc = x->cb_rc;
		else if (r) {
			out->state = PS_XLOG_BAD;
			if (out->why == PS_XLOG_WHY_NONE)
				out->why = PS_XLOG_WHY_HEADER;
			rc = PS_EFORMAT;
		}
		out->trans_open = x->nopen + x->open_dropped;
	}
	free(x->cache);
	free(x->rec);
	free(x);
	return rc;
}

int ps_xfs_log_probe(struct ps_src *dev, struct ps_xfs_log_info *out)
{
	struct ps_xsb sb;
	struct ps_xfs_log_geom g;
	memset(out, 0, sizeof(*out));
	int rc = ps_xsb_read_src(dev, &sb);
	if (rc == PS_ETRUNC)
		return PS_ENOTFOUND;
	if (rc) {
		out->state = PS_XLOG_BAD;
		out->why = PS_XLOG_WHY_UNREADABLE;
		out->err = rc;
		return PS_EIO;
	}
	rc = ps_xfs_log_geom_sb(&sb, &g, &out->bad_field);
	if (rc == PS_EFORMAT) {
		out->state = PS_XLOG_BAD;
		out->why = PS_XLOG_WHY_SB;
		return PS_OK;
	}
	if (rc)
		return rc;
	return ps_xfs_log_examine(dev, &g, out);
}

const char *ps_xlog_state_name(enum ps_xlog_state s)
{
	switch (s) {
	case PS_XLOG_CLEAN: return "clean";
	case PS_XLOG_DIRTY: return "dirty";
	case PS_XLOG_EMPTY: return "empty";
	case PS_XLOG_EXTERNAL: return "external";
	case PS_XLOG_BAD: return "bad";
	default: return "unknown";
	}
}

const char *ps_xlog_why_name(enum ps_xlog_why w)
{
	switch (w) {
	case PS_XLOG_WHY_SB: return "superblock";
	case PS_XLOG_WHY_OUTSIDE: return "outside";
	case PS_XLOG_WHY_UNREADABLE: return "unreadable";
	case PS_XLOG_WHY_NO_HEADER: return "no-header";
	case PS_XLOG_WHY_HEADER: return "header";
	case PS_XLOG_WHY_UUID: return "uuid";
	case PS_XLOG_WHY_CRC: return "crc";
	case PS_XLOG_WHY_OPS: return "ops";
	default: return "none";
	}
}
