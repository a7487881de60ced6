/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Plain and sparse-cheap SHA-256 digests of an image (docs/digest.md). */
#include "digest.h"
#include "err.h"
#include <nettle/sha2.h>
#include <stdlib.h>
#include <string.h>

#define SPARSE_TAG "pmemscan-sparse-sha256-v1"

struct ps_digest {
	enum ps_digest_kind kind;
	struct sha256_ctx outer;	/* the whole digest */
	struct sha256_ctx chunk;	/* sparse: the current chunk */
	uint64_t pos;			/* bytes fed */
	size_t clen;			/* sparse: bytes of the current chunk fed */
	int cnz;			/* sparse: current chunk has a non-zero byte */
	int finished;
};

static const uint8_t zeros[64 * 1024];

static void put_le64(uint8_t *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static void sha_zeros(struct sha256_ctx *c, uint64_t n)
{
	while (n) {
		size_t k = n < sizeof(zeros) ? (size_t)n : sizeof(zeros);
		sha256_update(c, k, zeros);
		n -= k;
	}
}

static int all_zero(const uint8_t *b, size_t n)
{
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		uint64_t w[4];
		memcpy(w, b + i, 32);
		if (w[0] | w[1] | w[2] | w[3])
			return 0;
	}
	for (; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

int ps_digest_new(enum ps_digest_kind kind, struct ps_digest **out)
{
	*out = NULL;
	if (kind != PS_DIGEST_SHA256 && kind != PS_DIGEST_SPARSE)
		return PS_EINVAL;
	struct ps_digest *d = calloc(1, sizeof(*d));
	if (!d)
		return PS_ENOMEM;
	d->kind = kind;
	sha256_init(&d->outer);
	if (kind == PS_DIGEST_SPARSE)
		sha256_update(&d->outer, strlen(SPARSE_TAG), (const uint8_t *)SPARSE_TAG);
	*out = d;
	return PS_OK;
}

/* End of the current sparse chunk: one record if it was not all zero. */
static void chunk_flush(struct ps_digest *d)
{
	if (d->clen && d->cnz) {
		uint8_t rec[16 + SHA256_DIGEST_SIZE];
		put_le64(rec, d->pos - d->clen);
		put_le64(rec + 8, d->clen);
		sha256_digest(&d->chunk, SHA256_DIGEST_SIZE, rec + 16);
		sha256_update(&d->outer, sizeof(rec), rec);
	}
	d->clen = 0;
	d->cnz = 0;
}

int ps_digest_data(struct ps_digest *d, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	if (d->finished)
		return PS_EINVAL;
	if (d->kind == PS_DIGEST_SHA256) {
		sha256_update(&d->outer, len, b);
		d->pos += len;
		return PS_OK;
	}
	while (len) {
		size_t n = PS_DIGEST_CHUNK - d->clen;
		if (n > len)
			n = len;
		if (!d->cnz && !all_zero(b, n)) {
			/* first non-zero byte of this chunk: hash its zero prefix */
			d->cnz = 1;
			sha256_init(&d->chunk);
			sha_zeros(&d->chunk, d->clen);
		}
		if (d->cnz)
			sha256_update(&d->chunk, n, b);
		d->clen += n;
		d->pos += n;
		b += n;
		len -= n;
		if (d->clen == PS_DIGEST_CHUNK)
			chunk_flush(d);
	}
	return PS_OK;
}

int ps_digest_zero(struct ps_digest *d, uint64_t len)
{
	if (d->finished)
		return PS_EINVAL;
	if (d->kind == PS_DIGEST_SHA256) {
		sha_zeros(&d->outer, len);
		d->pos += len;
		return PS_OK;
	}
	if (d->clen) {
		uint64_t n = PS_DIGEST_CHUNK - d->clen;
		if (n > len)
			n = len;
		if (d->cnz)
			sha_zeros(&d->chunk, n);
		d->clen += (size_t)n;
		d->pos += n;
		len -= n;
		if (d->clen == PS_DIGEST_CHUNK)
			chunk_flush(d);
	}
	/* whole zero chunks leave no record: skip them at no cost */
	uint64_t whole = len - len % PS_DIGEST_CHUNK;
	d->pos += whole;
	len -= whole;
	d->clen = (size_t)len;	/* cnz is 0 here */
	d->pos += len;
	return PS_OK;
}

uint64_t ps_digest_pos(const struct ps_digest *d)
{
	return d->pos;
}

int ps_digest_final(struct ps_digest *d, uint8_t out[PS_DIGEST_SIZE], char *hexout)
{
	if (d->finished)
		return PS_EINVAL;
	if (d->kind == PS_DIGEST_SPARSE) {
		uint8_t b[8];
		chunk_flush(d);
		put_le64(b, d->pos);
		sha256_update(&d->outer, 8, b);
	}
	sha256_digest(&d->outer, PS_DIGEST_SIZE, out);
	d->finished = 1;
	if (hexout) {
		static const char x[] = "0123456789abcdef";
		for (int i = 0; i < PS_DIGEST_SIZE; i++) {
			hexout[2 * i] = x[out[i] >> 4];
			hexout[2 * i + 1] = x[out[i] & 15];
		}
		hexout[2 * PS_DIGEST_SIZE] = 0;
	}
	return PS_OK;
}

void ps_digest_free(struct ps_digest *d)
{
	free(d);
}

int ps_digest_src(struct ps_src *s, enum ps_digest_kind kind,
		  uint8_t out[PS_DIGEST_SIZE], char *hexout, uint64_t *size_out)
{
	const size_t bufsz = 4 * 1024 * 1024;
	struct ps_digest *d;
	uint8_t *buf = malloc(bufsz);
	uint64_t off = 0;
	int r = buf ? ps_digest_new(kind, &d) : PS_ENOMEM;
	if (r) {
		free(buf);
		ps_src_set_error(s, "%s: out of memory", s->name);
		return r;
	}
	for (;;) {
		uint64_t dat, hole;
		if (off >= s->size)
			break;
		r = ps_src_next_data(s, off, &dat);
		if (r)
			goto out;
		if (dat > off) {
			ps_digest_zero(d, dat - off);
			off = dat;
			if (off >= s->size)
				break;
		}
		r = ps_src_next_hole(s, off, &hole);
		if (r)
			goto out;
		if (hole <= off)	/* be robust: always make progress */
			hole = off + bufsz;
		int eof = 0;
		while (off < hole) {
			size_t want = hole - off < bufsz ? (size_t)(hole - off) : bufsz;
			size_t got;
			r = ps_src_read_upto(s, buf, want, off, &got);
			if (r)
				goto out;
			ps_digest_data(d, buf, got);
			off += got;
			if (got < want) {
				eof = 1;
				break;
			}
		}
		if (eof)
			break;
	}
	if (size_out)
		*size_out = off;
	r = ps_digest_final(d, out, hexout);
out:
	ps_digest_free(d);
	free(buf);
	return r;
}
