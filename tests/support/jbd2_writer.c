// SPDX-License-Identifier: GPL-2.0-or-later
/* Test support: the jbd2 journal writer (jbd2_writer.h). */
#include "jbd2_writer.h"
#include "jbd2.h"
#include <stdlib.h>
#include <string.h>

static void pbe32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void pbe16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static int v23(const struct jw *w)
{
	return !!(w->incompat & (PS_JBD2_INCOMPAT_CSUM_V2 | PS_JBD2_INCOMPAT_CSUM_V3));
}

int jw_init(struct jw *w, uint32_t bs, uint32_t maxlen, uint32_t compat,
	    uint32_t incompat)
{
	memset(w, 0, sizeof(*w));
	w->bs = bs;
	w->maxlen = maxlen;
	w->first = 1;
	w->compat = compat;
	w->incompat = incompat;
	for (int i = 0; i < 16; i++)
		w->uuid[i] = (uint8_t)(0xa0 + i);
	w->seed = ps_crc32c(~0u, w->uuid, 16);
	w->img = calloc(maxlen, bs);
	w->pos = 1;
	w->crc1 = ~0u;
	return w->img ? 0 : -1;
}

void jw_free(struct jw *w)
{
	free(w->img);
	w->img = NULL;
}

void jw_sb(struct jw *w, uint32_t start, uint32_t seq)
{
	uint8_t *b = w->img;
	memset(b, 0, 1024);
	pbe32(b, PS_JBD2_MAGIC);
	pbe32(b + 4, PS_JBD2_SB_V2);
	pbe32(b + PS_JSB_BLOCKSIZE, w->bs);
	pbe32(b + PS_JSB_MAXLEN, w->maxlen);
	pbe32(b + PS_JSB_FIRST, w->first);
	pbe32(b + PS_JSB_SEQUENCE, seq);
	pbe32(b + PS_JSB_START, start);
	pbe32(b + PS_JSB_COMPAT, w->compat);
	pbe32(b + PS_JSB_INCOMPAT, w->incompat);
	memcpy(b + PS_JSB_UUID, w->uuid, 16);
	pbe32(b + 0x40, 1);
	if (v23(w)) {
		b[PS_JSB_CSUM_TYPE] = 4;
		pbe32(b + PS_JSB_CHECKSUM, ps_crc32c(~0u, b, 1024));
	}
}

void jw_seek(struct jw *w, uint64_t pos)
{
	w->pos = pos;
}

/* The next log block, wrapping at the end of the journal. */
static uint8_t *next(struct jw *w, uint64_t *at)
{
	if (w->pos >= w->maxlen)
		w->pos = w->first;
	*at = w->pos++;
	uint8_t *b = w->img + *at * w->bs;
	memset(b, 0, w->bs);
	return b;
}

static void header(uint8_t *b, uint32_t type, uint32_t tid)
{
	pbe32(b, PS_JBD2_MAGIC);
	pbe32(b + 4, type);
	pbe32(b + 8, tid);
}

static void tail_csum(const struct jw *w, uint8_t *b)
{
	if (v23(w))
		pbe32(b + w->bs - 4, ps_crc32c(w->seed, b, w->bs));
}

static unsigned tag_bytes(const struct jw *w)
{
	int b64 = !!(w->incompat & PS_JBD2_INCOMPAT_64BIT);
	if (w->incompat & PS_JBD2_INCOMPAT_CSUM_V3)
		return 16;
	if (w->incompat & PS_JBD2_INCOMPAT_CSUM_V2)
		return b64 ? 14 : 10;
	return b64 ? 12 : 8;
}

uint64_t jw_desc(struct jw *w, uint32_t tid, size_t n, const uint64_t *homes,
		 const uint8_t *const *data)
{
	uint64_t at;
	uint8_t *d = next(w, &at);
	header(d, PS_JBD2_DESCRIPTOR, tid);
	unsigned tb = tag_bytes(w);
	size_t p = 12;
	uint8_t *copy = malloc(w->bs);
	for (size_t i = 0; i < n; i++) {
		uint8_t *t = d + p;
		uint16_t fl = 0;
		memcpy(copy, data[i], w->bs);
		if (copy[0] == 0xC0 && copy[1] == 0x3B && copy[2] == 0x39 && copy[3] == 0x98) {
			memset(copy, 0, 4);
			fl |= PS_JBD2_FLAG_ESCAPE;
		}
		if (i)
			fl |= PS_JBD2_FLAG_SAME_UUID;
		if (i + 1 == n)
			fl |= PS_JBD2_FLAG_LAST_TAG;
		pbe32(t, (uint32_t)homes[i]);
		if (w->incompat & PS_JBD2_INCOMPAT_64BIT)
			pbe32(t + 8, (uint32_t)(homes[i] >> 32));
		uint8_t sq[4];
		pbe32(sq, tid);
		uint32_t c = ps_crc32c(ps_crc32c(w->seed, sq, 4), copy, w->bs);
		if (w->incompat & PS_JBD2_INCOMPAT_CSUM_V3) {
			pbe32(t + 4, fl);
			pbe32(t + 12, c);
		} else {
			pbe16(t + 6, fl);
			if (w->incompat & PS_JBD2_INCOMPAT_CSUM_V2)
				pbe16(t + 4, (uint16_t)c);
		}
		p += tb;
		if (!i) {
			memcpy(d + p, w->uuid, 16);
			p += 16;
		}
		uint64_t dat;
		uint8_t *b = next(w, &dat);
		memcpy(b, copy, w->bs);
	}
	free(copy);
	tail_csum(w, d);
	if (w->compat & PS_JBD2_COMPAT_CHECKSUM) {
		w->crc1 = ps_crc32_be(w->crc1, d, w->bs);
		uint64_t q = at;
		for (size_t i = 0; i < n; i++) {
			q = q + 1 >= w->maxlen ? w->first : q + 1;
			w->crc1 = ps_crc32_be(w->crc1, w->img + q * w->bs, w->bs);
		}
	}
	return at;
}

uint64_t jw_revoke(struct jw *w, uint32_t tid, size_t n, const uint64_t *blocks)
{
	uint64_t at;
	uint8_t *b = next(w, &at);
	header(b, PS_JBD2_REVOKE, tid);
	size_t rl = (w->incompat & PS_JBD2_INCOMPAT_64BIT) ? 8 : 4, off = 16;
	for (size_t i = 0; i < n; i++, off += rl) {
		if (rl == 8) {
			pbe32(b + off, (uint32_t)(blocks[i] >> 32));
			pbe32(b + off + 4, (uint32_t)blocks[i]);
		} else {
			pbe32(b + off, (uint32_t)blocks[i]);
		}
	}
	pbe32(b + 12, (uint32_t)off);
	tail_csum(w, b);
	return at;
}

uint64_t jw_commit(struct jw *w, uint32_t tid, uint64_t sec)
{
	uint64_t at;
	uint8_t *b = next(w, &at);
	header(b, PS_JBD2_COMMIT, tid);
	pbe32(b + 0x30, (uint32_t)(sec >> 32));
	pbe32(b + 0x34, (uint32_t)sec);
	if (w->compat & PS_JBD2_COMPAT_CHECKSUM) {
		b[0x0c] = 1;
		b[0x0d] = 4;
		pbe32(b + 0x10, w->crc1);
		w->crc1 = ~0u;
	}
	if (v23(w))
		pbe32(b + 0x10, ps_crc32c(w->seed, b, w->bs));
	return at;
}
