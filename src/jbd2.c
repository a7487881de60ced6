/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * jbd2 recovery, read-only (jbd2.h; docs/journal.md). The walk follows
 * what Linux 6.12's fs/jbd2/recovery.c does (6.1's where j->kernel says
 * so; they differ only in accepting a commit block damaged after its
 * header), as written down in jbd2-recovery.md "Journal superblock" to "Recovery"
 * and jbd2-recovery.md "Version differences": three passes over the same
 * log, the first finding where it ends, the second collecting revoke
 * records, the third "writing" each surviving copy, which here only
 * records where that copy lies in the journal.
 */
#include "jbd2.h"
#include "be.h"
#include "err.h"
#include <stdlib.h>
#include <string.h>

uint32_t ps_crc32_be(uint32_t crc, const void *buf, size_t n)
{
	static uint32_t tab[256];
	const uint8_t *p = buf;
	if (!tab[1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i << 24;
			for (int k = 0; k < 8; k++)
				c = c & 0x80000000u ? (c << 1) ^ 0x04C11DB7u : c << 1;
			tab[i] = c;
		}
	}
	while (n--)
		crc = (crc << 8) ^ tab[((crc >> 24) ^ *p++) & 0xff];
	return crc;
}

static int tid_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static int tid_geq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

int ps_jbd2_sb_parse(const uint8_t *sb, uint32_t fs_blocksize,
		     uint64_t total_len, struct ps_jbd2 *j)
{
	memset(j, 0, sizeof(*j));
	j->st.kind = PS_JOURNAL_JBD2;
	j->kernel = 612;
	if (ps_be32(sb) != PS_JBD2_MAGIC) {
		j->st.bad = PS_JBAD_MAGIC;
		return PS_EFORMAT;
	}
	j->blocktype = ps_be32(sb + PS_JSB_BLOCKTYPE);
	j->blocksize = ps_be32(sb + PS_JSB_BLOCKSIZE);
	j->maxlen = ps_be32(sb + PS_JSB_MAXLEN);
	j->first = ps_be32(sb + PS_JSB_FIRST);
	j->sequence = ps_be32(sb + PS_JSB_SEQUENCE);
	j->start = ps_be32(sb + PS_JSB_START);
	j->s_errno = (int32_t)ps_be32(sb + PS_JSB_ERRNO);
	j->st.seq_start = j->st.seq_end = j->sequence;
	j->st.log_start = j->start;
	j->st.log_present = j->start != 0;
	if (j->blocktype != PS_JBD2_SB_V1 && j->blocktype != PS_JBD2_SB_V2) {
		j->st.bad = PS_JBAD_BLOCKTYPE;
		return PS_EFORMAT;
	}
	j->st.jsb_version = j->blocktype == PS_JBD2_SB_V2 ? 2 : 1;
	if (j->blocktype == PS_JBD2_SB_V2) {
		j->compat = ps_be32(sb + PS_JSB_COMPAT);
		j->incompat = ps_be32(sb + PS_JSB_INCOMPAT);
		j->rocompat = ps_be32(sb + PS_JSB_ROCOMPAT);
		memcpy(j->uuid, sb + PS_JSB_UUID, 16);
		j->csum_type = sb[PS_JSB_CSUM_TYPE];
		j->num_fc = ps_be32(sb + PS_JSB_NUM_FC);
	}
	j->st.jsb_incompat = j->incompat;
	j->st.jsb_compat = j->compat;
	if (j->blocksize != fs_blocksize || j->blocksize < 1024 ||
	    j->blocksize > 65536) {
		j->st.bad = PS_JBAD_BLOCKSIZE;
		return PS_EFORMAT;
	}
	if (j->maxlen > total_len) {
		j->st.bad = PS_JBAD_TOO_SHORT;
		return PS_EFORMAT;
	}
	j->total_len = j->maxlen < total_len ? j->maxlen : total_len;
	if (j->first < 1 || j->first >= j->total_len) {
		j->st.bad = PS_JBAD_FIRST;
		return PS_EFORMAT;
	}
	if ((j->incompat & ~PS_JBD2_INCOMPAT_KNOWN) || j->rocompat) {
		j->st.bad = PS_JBAD_FEATURES;
		return PS_EFORMAT;
	}
	int v2 = !!(j->incompat & PS_JBD2_INCOMPAT_CSUM_V2);
	int v3 = !!(j->incompat & PS_JBD2_INCOMPAT_CSUM_V3);
	if ((v2 && v3) || ((v2 || v3) && (j->compat & PS_JBD2_COMPAT_CHECKSUM))) {
		j->st.bad = PS_JBAD_CSUM_MIX;
		return PS_EFORMAT;
	}
	if (v2 || v3) {
		uint8_t tmp[1024];
		memcpy(tmp, sb, sizeof(tmp));
		memset(tmp + PS_JSB_CHECKSUM, 0, 4);
		if (j->csum_type != 4 ||
		    ps_crc32c(~0u, tmp, sizeof(tmp)) != ps_be32(sb + PS_JSB_CHECKSUM)) {
			j->st.bad = PS_JBAD_CSUM;
			return PS_EFORMAT;
		}
		j->csum_v23 = v3 ? 3 : 2;
		j->seed = ps_crc32c(~0u, j->uuid, 16);
	}
	int b64 = !!(j->incompat & PS_JBD2_INCOMPAT_64BIT);
	if (v3)
		j->tag_bytes = 16;
	else if (v2)
		j->tag_bytes = b64 ? 14 : 10;
	else
		j->tag_bytes = b64 ? 12 : 8;
	j->jfirst = j->first;
	j->jlast = j->maxlen;
	if (j->incompat & PS_JBD2_INCOMPAT_FAST_COMMIT) {
		uint32_t nfc = j->num_fc ? j->num_fc : 256;
		if (j->maxlen > nfc && j->maxlen - nfc >= 1024)
			j->jlast = j->maxlen - nfc;
	}
	if (j->jlast > j->total_len)
		j->jlast = j->total_len;
	if (j->jfirst >= j->jlast) {
		j->st.bad = PS_JBAD_FIRST;
		return PS_EFORMAT;
	}
	return PS_OK;
}

/* ---- the revoke table: home block -> newest revoking tid ---- */

struct revtab {
	uint64_t *key;
	uint32_t *tid;
	uint8_t *used;
	size_t cap, n;
};

static size_t rt_hash(uint64_t k, size_t cap)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return (size_t)k & (cap - 1);
}

static int rt_grow(struct revtab *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 1024;
	struct revtab n = { calloc(ncap, 8), calloc(ncap, 4), calloc(ncap, 1), ncap, 0 };
	if (!n.key || !n.tid || !n.used) {
		free(n.key);
		free(n.tid);
		free(n.used);
		return PS_ENOMEM;
	}
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->used[i])
			continue;
		size_t h = rt_hash(t->key[i], ncap);
		while (n.used[h])
			h = (h + 1) & (ncap - 1);
		n.used[h] = 1;
		n.key[h] = t->key[i];
		n.tid[h] = t->tid[i];
		n.n++;
	}
	free(t->key);
	free(t->tid);
	free(t->used);
	*t = n;
	return PS_OK;
}

static int rt_set(struct revtab *t, uint64_t k, uint32_t tid)
{
	if ((t->n + 1) * 2 > t->cap && rt_grow(t))
		return PS_ENOMEM;
	size_t h = rt_hash(k, t->cap);
	while (t->used[h]) {
		if (t->key[h] == k) {
			if (tid_gt(tid, t->tid[h]))
				t->tid[h] = tid;
			return PS_OK;
		}
		h = (h + 1) & (t->cap - 1);
	}
	t->used[h] = 1;
	t->key[h] = k;
	t->tid[h] = tid;
	t->n++;
	return PS_OK;
}

/* Is the copy of block k in transaction tid revoked? */
static int rt_test(const struct revtab *t, uint64_t k, uint32_t tid)
{
	if (!t->cap)
		return 0;
	size_t h = rt_hash(k, t->cap);
	while (t->used[h]) {
		if (t->key[h] == k)
			return !tid_gt(tid, t->tid[h]);
		h = (h + 1) & (t->cap - 1);
	}
	return 0;
}

/* ---- the passes ---- */

enum { PASS_SCAN, PASS_REVOKE, PASS_REPLAY };
#define ABORT 1000	/* recovery fails: the kernel's mount writes nothing more */

struct rec {
	struct ps_jbd2 *j;
	ps_jbd2_read_fn rd;
	void *ctx;
	uint8_t *blk, *dblk;
	uint64_t fs_blocks;
	uint32_t end_tid;	/* 0: not known yet (the kernel's sentinel) */
	uint32_t failed_commit;
	struct revtab rt;
	struct ps_jbd2_ent *ents;
	size_t n, cap;
};

static uint64_t wrap(const struct ps_jbd2 *j, uint64_t x)
{
	if (x >= j->jlast)
		x -= j->jlast - j->jfirst;
	return x;
}

static int jread(struct rec *r, uint64_t x, uint8_t *buf)
{
	if (x >= r->j->total_len)
		return PS_ERANGE;
	return r->rd(r->ctx, x, buf);
}

/* Checksum in the last 4 bytes of a descriptor or revoke block. */
static int tail_csum_ok(const struct ps_jbd2 *j, uint8_t *b)
{
	if (!j->csum_v23)
		return 1;
	uint8_t *t = b + j->blocksize - 4;
	uint32_t want = ps_be32(t);
	memset(t, 0, 4);
	uint32_t got = ps_crc32c(j->seed, b, j->blocksize);
	ps_put_be32(t, want);
	return got == want;
}

static int commit_csum_ok(const struct ps_jbd2 *j, uint8_t *b)
{
	if (!j->csum_v23)
		return 1;
	uint32_t want = ps_be32(b + 0x10);
	memset(b + 0x10, 0, 4);
	uint32_t got = ps_crc32c(j->seed, b, j->blocksize);
	ps_put_be32(b + 0x10, want);
	return got == want;
}

/* Linux 6.12's second chance for a commit block whose checksum fails
 * (jbd2_commit_block_csum_verify_partial, added after 6.1): the checksum
 * of its first 64 bytes (the commit header) followed by zeros. A commit
 * torn after its first sector is accepted that way. */
static int commit_csum_partial_ok(const struct ps_jbd2 *j, const uint8_t *b,
				  uint8_t *tmp)
{
	if (!j->csum_v23)
		return 0;
	memset(tmp, 0, j->blocksize);
	memcpy(tmp, b, 64);
	uint32_t want = ps_be32(tmp + 0x10);
	memset(tmp + 0x10, 0, 4);
	return ps_crc32c(j->seed, tmp, j->blocksize) == want;
}

static unsigned count_tags(const struct ps_jbd2 *j, const uint8_t *b)
{
	size_t size = j->blocksize - (j->csum_v23 ? 4 : 0);
	size_t p = 12;
	unsigned n = 0;
	while (p + j->tag_bytes <= size) {
		uint16_t fl = ps_be16(b + p + 6);
		n++;
		p += j->tag_bytes;
		if (!(fl & PS_JBD2_FLAG_SAME_UUID))
			p += 16;
		if (fl & PS_JBD2_FLAG_LAST_TAG)
			break;
	}
	return n;
}

static void scan_stop(struct rec *r, int pass, enum ps_journal_stop why,
		      uint64_t at, uint32_t tid)
{
	if (pass != PASS_SCAN && why != PS_JSTOP_READ && why != PS_JSTOP_DESC_CSUM)
		return;
	/* the end of what is replayed is the bad commit, whatever the scan
	 * meets after it */
	if (r->j->st.stop == PS_JSTOP_COMMIT_CSUM && why != PS_JSTOP_READ &&
	    why != PS_JSTOP_DESC_CSUM)
		return;
	r->j->st.stop = why;
	r->j->st.stop_jblk = at;
	r->j->st.stop_seq = tid;
}

static int add_ent(struct rec *r, uint64_t home, uint64_t jblk, int esc)
{
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 256;
		struct ps_jbd2_ent *e = realloc(r->ents, nc * sizeof(*e));
		if (!e)
			return PS_ENOMEM;
		r->ents = e;
		r->cap = nc;
	}
	r->ents[r->n].home = home;
	r->ents[r->n].jblk = jblk;
	r->ents[r->n].order = (uint32_t)r->n;
	r->ents[r->n].escape = (uint8_t)esc;
	r->n++;
	return PS_OK;
}

static int replay_desc(struct rec *r, uint8_t *blk, uint64_t *pos, uint32_t tid,
		       int *bad_block)
{
	struct ps_jbd2 *j = r->j;
	size_t size = j->blocksize - (j->csum_v23 ? 4 : 0);
	int b64 = !!(j->incompat & PS_JBD2_INCOMPAT_64BIT);
	size_t p = 12;
	while (p + j->tag_bytes <= size) {
		const uint8_t *tag = blk + p;
		uint16_t fl = ps_be16(tag + 6);
		uint64_t src = *pos;
		*pos = wrap(j, *pos + 1);
		if (jread(r, src, r->dblk)) {
			/* the kernel goes on and fails at the end */
			*bad_block = 1;
		} else {
			uint64_t home = ps_be32(tag);
			if (b64)
				home |= (uint64_t)ps_be32(tag + 8) << 32;
			if (rt_test(&r->rt, home, tid)) {
				j->st.revoke_hits++;
			} else {
				int ok = 1;
				if (j->csum_v23) {
					uint8_t sq[4];
					ps_put_be32(sq, tid);
					uint32_t c = ps_crc32c(j->seed, sq, 4);
					c = ps_crc32c(c, r->dblk, j->blocksize);
					if (j->csum_v23 == 3)
						ok = ps_be32(tag + 12) == c;
					else
						ok = ps_be16(tag + 4) == (c & 0xffff);
				}
				if (!ok) {
					j->st.bad_data++;
					*bad_block = 1;
				} else if (home >= r->fs_blocks) {
					/* the kernel writes it past the fs (or
					 * fails); we keep nothing, and say so */
					if (!j->st.beyond_fs++)
						j->st.beyond_fs_jblk = src;
				} else {
					if (add_ent(r, home, src, fl & PS_JBD2_FLAG_ESCAPE))
						return PS_ENOMEM;
					j->st.blocks++;
					if (fl & PS_JBD2_FLAG_ESCAPE)
						j->st.escaped++;
				}
			}
		}
		p += j->tag_bytes;
		if (!(fl & PS_JBD2_FLAG_SAME_UUID))
			p += 16;
		if (fl & PS_JBD2_FLAG_LAST_TAG)
			break;
	}
	return PS_OK;
}

static int scan_revokes(struct rec *r, const uint8_t *blk, uint32_t tid)
{
	struct ps_jbd2 *j = r->j;
	uint32_t rcount = ps_be32(blk + 12);
	size_t reclen = (j->incompat & PS_JBD2_INCOMPAT_64BIT) ? 8 : 4;
	if (rcount > j->blocksize - (j->csum_v23 ? 4u : 0u))
		return ABORT;
	for (size_t off = 16; off + reclen <= rcount; off += reclen) {
		uint64_t b = reclen == 8 ? ps_be64(blk + off) : ps_be32(blk + off);
		if (rt_set(&r->rt, b, tid))
			return PS_ENOMEM;
		j->st.revokes++;
	}
	return PS_OK;
}

static int do_pass(struct rec *r, int pass)
{
	struct ps_jbd2 *j = r->j;
	uint8_t *blk = r->blk;
	uint64_t pos = j->start;
	uint32_t tid = j->sequence;
	uint32_t crc1 = ~0u;
	int need_time = 0, bad_block = 0, res = PS_OK;
	uint64_t last_time = 0;
	/* a log never holds more blocks than the journal: a longer walk is
	 * a corrupt journal going round (the kernel would not stop) */
	uint64_t budget = j->jlast - j->jfirst + 1, used = 0;
	int v1csum = !!(j->compat & PS_JBD2_COMPAT_CHECKSUM) && j->blocktype == PS_JBD2_SB_V2;

	for (;;) {
		if (pass != PASS_SCAN && tid_geq(tid, r->end_tid))
			break;
		if (used++ >= budget) {
			scan_stop(r, pass, PS_JSTOP_TOO_LONG, pos, tid);
			j->st.mount_fails = true;
			break;
		}
		uint64_t here = pos;
		if (jread(r, pos, blk)) {
			scan_stop(r, pass, PS_JSTOP_READ, here, tid);
			return ABORT;
		}
		pos = wrap(j, pos + 1);
		if (ps_be32(blk) != PS_JBD2_MAGIC) {
			scan_stop(r, pass, PS_JSTOP_END, here, tid);
			break;
		}
		if (ps_be32(blk + 8) != tid) {
			scan_stop(r, pass, PS_JSTOP_SEQ, here, tid);
			break;
		}
		uint32_t type = ps_be32(blk + 4);
		if (type == PS_JBD2_DESCRIPTOR) {
			if (!tail_csum_ok(j, blk)) {
				if (pass != PASS_SCAN) {
					scan_stop(r, pass, PS_JSTOP_DESC_CSUM, here, tid);
					return ABORT;
				}
				need_time = 1;
				if (!r->j->st.stop_jblk)
					r->j->st.stop_jblk = here;	/* remembered for the report */
			}
			if (pass != PASS_REPLAY) {
				if (pass == PASS_SCAN && v1csum && !need_time && !r->end_tid) {
					unsigned n = count_tags(j, blk);
					crc1 = ps_crc32_be(crc1, blk, j->blocksize);
					for (unsigned i = 0; i < n; i++) {
						uint64_t io = pos;
						pos = wrap(j, pos + 1);
						if (jread(r, io, r->dblk))
							break;
						crc1 = ps_crc32_be(crc1, r->dblk, j->blocksize);
					}
					continue;
				}
				pos = wrap(j, pos + count_tags(j, blk));
				continue;
			}
			int e = replay_desc(r, blk, &pos, tid, &bad_block);
			if (e)
				return e;
			continue;
		}
		if (type == PS_JBD2_COMMIT) {
			uint64_t t = ps_be64(blk + 0x30);
			if (need_time) {
				if (t >= last_time) {
					scan_stop(r, pass, PS_JSTOP_DESC_CSUM, j->st.stop_jblk, tid);
					return ABORT;
				}
				scan_stop(r, pass, PS_JSTOP_STALE, here, tid);
				goto done;
			}
			int err = 0;
			if (pass == PASS_SCAN && v1csum) {
				if (r->end_tid) {
					r->failed_commit = r->end_tid;
					continue;
				}
				uint32_t found = ps_be32(blk + 0x10);
				if (!((crc1 == found && blk[0x0c] == 1 && blk[0x0d] == 4) ||
				      (blk[0x0c] == 0 && blk[0x0d] == 0 && found == 0)))
					err = 1;
				crc1 = ~0u;
			}
			if (pass == PASS_SCAN && !err && !commit_csum_ok(j, blk)) {
				if (j->kernel >= 612 && commit_csum_partial_ok(j, blk, r->dblk)) {
					if (!j->st.partial_commit_jblk) {
						j->st.partial_commit_jblk = here;
						j->st.partial_commit_seq = tid;
					}
				} else {
					err = 1;
				}
			}
			if (err) {
				if (t < last_time) {
					scan_stop(r, pass, PS_JSTOP_STALE, here, tid);
					goto done;
				}
				r->end_tid = tid;
				scan_stop(r, pass, PS_JSTOP_COMMIT_CSUM, here, tid);
				if (!(j->incompat & PS_JBD2_INCOMPAT_ASYNC_COMMIT)) {
					r->failed_commit = tid;
					j->st.mount_fails = true;
					continue;
				}
			}
			if (pass == PASS_SCAN)
				last_time = t;
			tid++;
			continue;
		}
		if (type == PS_JBD2_REVOKE) {
			if (pass == PASS_SCAN && !tail_csum_ok(j, blk)) {
				need_time = 1;
				if (!r->j->st.stop_jblk)
					r->j->st.stop_jblk = here;
			}
			if (pass != PASS_REVOKE)
				continue;
			int e = scan_revokes(r, blk, tid);
			if (e == ABORT) {
				j->st.stop = PS_JSTOP_REVOKE_SIZE;
				j->st.stop_jblk = here;
				j->st.stop_seq = tid;
			}
			if (e)
				return e;
			continue;
		}
		scan_stop(r, pass, PS_JSTOP_BLOCKTYPE, here, tid);
		break;
	}
done:
	if (pass == PASS_SCAN) {
		if (!r->end_tid)
			r->end_tid = tid;
	} else if (r->end_tid != tid) {
		j->st.mount_fails = true;
	}
	if (bad_block)
		j->st.mount_fails = true;
	return res;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct ps_jbd2_ent *x = a, *y = b;
	if (x->home != y->home)
		return x->home < y->home ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* A fast commit the kernel would replay after the log: the first block of
 * the area starts with a HEAD tag (9) of the transaction after the log. */
static void look_fast_commit(struct rec *r)
{
	struct ps_jbd2 *j = r->j;
	if (!(j->incompat & PS_JBD2_INCOMPAT_FAST_COMMIT) || j->jlast + 1 >= j->maxlen)
		return;
	if (jread(r, j->jlast + 1, r->dblk))
		return;
	const uint8_t *b = r->dblk;
	uint16_t tag = (uint16_t)(b[0] | b[1] << 8), len = (uint16_t)(b[2] | b[3] << 8);
	uint32_t tid = (uint32_t)b[8] | (uint32_t)b[9] << 8 | (uint32_t)b[10] << 16 |
		       (uint32_t)b[11] << 24;
	if (tag == 9 && len >= 8 && tid == r->end_tid) {
		j->fc_blocks = 1;
		j->st.fast_commit = true;
	}
}

int ps_jbd2_recover(struct ps_jbd2 *j, ps_jbd2_read_fn rd, void *ctx,
		    uint64_t fs_blocks)
{
	struct rec r;
	memset(&r, 0, sizeof(r));
	r.j = j;
	r.rd = rd;
	r.ctx = ctx;
	r.fs_blocks = fs_blocks;
	free(j->map);
	j->map = NULL;
	j->nmap = 0;
	if (!j->start)
		return PS_OK;	/* log empty: nothing to do */
	r.blk = malloc(j->blocksize);
	r.dblk = malloc(j->blocksize);
	if (!r.blk || !r.dblk) {
		free(r.blk);
		free(r.dblk);
		return PS_ENOMEM;
	}
	j->st.kernel_rules = j->kernel;
	int e = do_pass(&r, PASS_SCAN);
	uint32_t scan_end = r.end_tid;
	if (!e)
		e = do_pass(&r, PASS_REVOKE);
	if (!e)
		e = do_pass(&r, PASS_REPLAY);
	if (e == ABORT) {
		j->st.mount_fails = true;
		e = PS_OK;
	}
	j->st.seq_start = j->sequence;
	j->st.seq_end = scan_end;
	j->st.transactions = (uint32_t)(scan_end - j->sequence);
	if (r.failed_commit)
		j->st.mount_fails = true;
	if (!e)
		look_fast_commit(&r);
	free(r.blk);
	free(r.dblk);
	free(r.rt.key);
	free(r.rt.tid);
	free(r.rt.used);
	if (e) {
		free(r.ents);
		return e;
	}
	/* last copy wins: sort by (home, log order), keep the last of each */
	if (r.n) {
		qsort(r.ents, r.n, sizeof(*r.ents), ent_cmp);
		size_t k = 0;
		for (size_t i = 0; i < r.n; i++) {
			if (i + 1 < r.n && r.ents[i + 1].home == r.ents[i].home)
				continue;
			r.ents[k++] = r.ents[i];
		}
		j->map = r.ents;
		j->nmap = k;
	} else {
		free(r.ents);
	}
	j->st.distinct = j->nmap;
	return PS_OK;
}

const struct ps_jbd2_ent *ps_jbd2_lookup(const struct ps_jbd2 *j, uint64_t home)
{
	size_t lo = 0, hi = j->nmap;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (j->map[mid].home == home)
			return &j->map[mid];
		if (j->map[mid].home < home)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void ps_jbd2_free(struct ps_jbd2 *j)
{
	free(j->map);
	j->map = NULL;
	j->nmap = 0;
}

void ps_jbd2_sb_recovered(const struct ps_jbd2 *j, uint8_t *sb)
{
	ps_put_be32(sb + PS_JSB_SEQUENCE, j->st.seq_end + 1);
	ps_put_be32(sb + PS_JSB_START, 0);
	if (j->blocktype == PS_JBD2_SB_V2) {
		ps_put_be32(sb + PS_JSB_INCOMPAT, j->incompat & ~PS_JBD2_INCOMPAT_FAST_COMMIT);
		if (j->csum_v23) {
			memset(sb + PS_JSB_CHECKSUM, 0, 4);
			ps_put_be32(sb + PS_JSB_CHECKSUM, ps_crc32c(~0u, sb, 1024));
		}
	}
}
