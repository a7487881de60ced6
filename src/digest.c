/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Plain and sparse-cheap SHA-256 digests of an image (docs/digest.md). */
#include "digest.h"
#include "err.h"
#include "util.h"
#include <nettle/sha2.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#define SPARSE_TAG "pmemscan-sparse-sha256-v1"

/*
 * The work is cut into tasks, numbered in feeding order and kept in a ring.
 * With no worker threads a task runs as it is submitted; with workers it
 * runs on one of them while the caller reads on. Results are folded into
 * the outer hash strictly in task order ("combined"), so the digest never
 * depends on the number of threads or on scheduling.
 *   sha256: one worker at most (the hash is one sequential stream); the
 *     gain is that hashing overlaps the caller's reading and scanning.
 *   sparse: every whole, 1 MiB-aligned chunk is a task of its own, so
 *     the chunks are hashed on all the workers at once; the partial chunks
 *     at the edges of data runs are hashed by the caller.
 */
enum task_type { T_SHA_DATA, T_SHA_ZERO, T_CHUNK, T_REC };

#define REC_SIZE (16 + SHA256_DIGEST_SIZE)
#define QCAP 256u		/* tasks in flight at most (a power of two) */
#define MAX_THREADS 64u

struct task {
	enum task_type type;
	int done;
	int has_rec;
	const uint8_t *p;	/* T_SHA_DATA, T_CHUNK: the caller's bytes */
	uint64_t pos, len;
	uint8_t rec[REC_SIZE];
};

struct ps_digest {
	enum ps_digest_kind kind;
	struct sha256_ctx outer;	/* the whole digest */
	struct sha256_ctx chunk;	/* sparse: the current partial chunk */
	uint64_t pos;			/* bytes fed */
	size_t clen;			/* sparse: bytes of the current chunk fed */
	int cnz;			/* sparse: current chunk has a non-zero byte */
	int finished;

	struct task q[QCAP];
	uint64_t head;			/* tasks submitted */
	uint64_t taken;			/* tasks handed to a worker */
	uint64_t combined;		/* tasks done and folded in, in order */
	unsigned nthreads;
	pthread_t th[MAX_THREADS];
	pthread_mutex_t mu;
	pthread_cond_t work;		/* a task was submitted, or stop */
	pthread_cond_t progress;	/* combined moved */
	int stop;
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
	for (; i + 64 <= n; i += 64) {
		uint64_t w[8];
		memcpy(w, b + i, 64);
		if (w[0] | w[1] | w[2] | w[3] | w[4] | w[5] | w[6] | w[7])
			return 0;
	}
	for (; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

unsigned ps_digest_default_threads(enum ps_digest_kind kind)
{
	unsigned n = ps_cpu_count();
	if (n < 2)
		return 0;
	return kind == PS_DIGEST_SHA256 ? 1 : n;
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
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->work, NULL);
	pthread_cond_init(&d->progress, NULL);
	*out = d;
	return PS_OK;
}

/* Run task t (no lock held): its effect on outer happens here only for the
 * sequential kinds, which have one runner at a time. */
static void run_task(struct ps_digest *d, struct task *t)
{
	switch (t->type) {
	case T_SHA_DATA:
		sha256_update(&d->outer, (size_t)t->len, t->p);
		break;
	case T_SHA_ZERO:
		sha_zeros(&d->outer, t->len);
		break;
	case T_CHUNK:
		t->has_rec = !all_zero(t->p, (size_t)t->len);
		if (t->has_rec) {
			struct sha256_ctx c;
			sha256_init(&c);
			sha256_update(&c, (size_t)t->len, t->p);
			put_le64(t->rec, t->pos);
			put_le64(t->rec + 8, t->len);
			sha256_digest(&c, SHA256_DIGEST_SIZE, t->rec + 16);
		}
		break;
	case T_REC:
		break;
	}
}

/* Fold finished tasks into outer in order (lock held). */
static void combine(struct ps_digest *d)
{
	uint64_t c0 = d->combined;
	while (d->combined < d->head) {
		struct task *t = &d->q[d->combined % QCAP];
		if (!t->done)
			break;
		if (t->has_rec)
			sha256_update(&d->outer, REC_SIZE, t->rec);
		d->combined++;
	}
	if (d->combined != c0)
		pthread_cond_broadcast(&d->progress);
}

/* Run task t with the lock dropped, then mark it done and fold in what is
 * ready (lock held on entry and on return). */
static void run_unlocked(struct ps_digest *d, struct task *t)
{
	pthread_mutex_unlock(&d->mu);
	run_task(d, t);
	pthread_mutex_lock(&d->mu);
	t->done = 1;
	combine(d);
}

static void *worker(void *arg)
{
	struct ps_digest *d = arg;
	pthread_mutex_lock(&d->mu);
	for (;;) {
		while (!d->stop && d->taken == d->head)
			pthread_cond_wait(&d->work, &d->mu);
		if (d->taken == d->head)
			break;		/* stop, and nothing left */
		run_unlocked(d, &d->q[d->taken++ % QCAP]);
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

int ps_digest_set_threads(struct ps_digest *d, unsigned n)
{
	if (d->head || d->nthreads)
		return PS_EINVAL;	/* only before the first byte */
	if (d->kind == PS_DIGEST_SHA256 && n > 1)
		n = 1;
	if (n > MAX_THREADS)
		n = MAX_THREADS;
	for (unsigned i = 0; i < n; i++) {
		if (pthread_create(&d->th[i], NULL, worker, d))
			break;		/* fewer workers, or inline: same digest */
		d->nthreads++;
	}
	return PS_OK;
}

unsigned ps_digest_threads(const struct ps_digest *d)
{
	return d->nthreads;
}

/* Queue a task; returns its ticket (its number + 1). Without workers it
 * runs here and now. */
static uint64_t submit(struct ps_digest *d, const struct task *tmpl)
{
	pthread_mutex_lock(&d->mu);
	while (d->head - d->combined >= QCAP)
		pthread_cond_wait(&d->progress, &d->mu);
	struct task *t = &d->q[d->head % QCAP];
	*t = *tmpl;
	t->done = 0;
	uint64_t ticket = ++d->head;
	if (d->nthreads) {
		/* even a T_REC goes through a worker, so that nothing is
		 * combined (and its slot reused) before it has been taken */
		pthread_cond_signal(&d->work);
	} else {
		d->taken = d->head;
		run_unlocked(d, t);	/* the only thread running tasks */
	}
	pthread_mutex_unlock(&d->mu);
	return ticket;
}

void ps_digest_wait(struct ps_digest *d, uint64_t ticket)
{
	pthread_mutex_lock(&d->mu);
	while (d->combined < ticket)
		pthread_cond_wait(&d->progress, &d->mu);
	pthread_mutex_unlock(&d->mu);
}

/* End of the current sparse chunk: one record if it was not all zero. */
static void chunk_flush(struct ps_digest *d)
{
	if (d->clen && d->cnz) {
		struct task t = { .type = T_REC, .has_rec = 1 };
		put_le64(t.rec, d->pos - d->clen);
		put_le64(t.rec + 8, d->clen);
		sha256_digest(&d->chunk, SHA256_DIGEST_SIZE, t.rec + 16);
		submit(d, &t);	/* only to keep its place in the order */
	}
	d->clen = 0;
	d->cnz = 0;
}

int ps_digest_data_async(struct ps_digest *d, const void *buf, size_t len,
			 uint64_t *ticket)
{
	const uint8_t *b = buf;
	*ticket = 0;
	if (d->finished)
		return PS_EINVAL;
	if (!len)
		return PS_OK;
	if (d->kind == PS_DIGEST_SHA256) {
		struct task t = { .type = T_SHA_DATA, .p = b, .len = len };
		*ticket = submit(d, &t);
		d->pos += len;
		return PS_OK;
	}
	while (len) {
		if (d->clen == 0 && len >= PS_DIGEST_CHUNK) {
			/* a whole aligned chunk: a task of its own */
			struct task t = { .type = T_CHUNK, .p = b, .pos = d->pos,
					  .len = PS_DIGEST_CHUNK };
			*ticket = submit(d, &t);
			d->pos += PS_DIGEST_CHUNK;
			b += PS_DIGEST_CHUNK;
			len -= PS_DIGEST_CHUNK;
			continue;
		}
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
			chunk_flush(d);	/* hashed here: buf is no longer needed */
	}
	return PS_OK;
}

int ps_digest_data(struct ps_digest *d, const void *buf, size_t len)
{
	uint64_t ticket;
	int r = ps_digest_data_async(d, buf, len, &ticket);
	ps_digest_wait(d, ticket);
	return r;
}

int ps_digest_zero(struct ps_digest *d, uint64_t len)
{
	if (d->finished)
		return PS_EINVAL;
	if (!len)
		return PS_OK;
	if (d->kind == PS_DIGEST_SHA256) {
		struct task t = { .type = T_SHA_ZERO, .len = len };
		submit(d, &t);
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
		if (!len)
			return PS_OK;	/* the run ended inside the chunk: keep it open */
	}
	/* here the current chunk is empty (clen == 0): whole zero chunks leave
	 * no record, skip them at no cost; the rest opens the next chunk */
	uint64_t whole = len - len % PS_DIGEST_CHUNK;
	d->pos += whole;
	len -= whole;
	d->clen = (size_t)len;	/* cnz is 0 here */
	d->pos += len;
	return PS_OK;
}

static void stop_workers(struct ps_digest *d)
{
	pthread_mutex_lock(&d->mu);
	d->stop = 1;
	pthread_cond_broadcast(&d->work);
	pthread_mutex_unlock(&d->mu);
	for (unsigned i = 0; i < d->nthreads; i++)
		pthread_join(d->th[i], NULL);
	d->nthreads = 0;
}

uint64_t ps_digest_pos(const struct ps_digest *d)
{
	return d->pos;
}

int ps_digest_final(struct ps_digest *d, uint8_t out[PS_DIGEST_SIZE], char *hexout)
{
	if (d->finished)
		return PS_EINVAL;
	if (d->kind == PS_DIGEST_SPARSE)
		chunk_flush(d);
	ps_digest_wait(d, d->head);
	stop_workers(d);
	if (d->kind == PS_DIGEST_SPARSE) {
		uint8_t b[8];
		put_le64(b, d->pos);
		sha256_update(&d->outer, 8, b);
	}
	sha256_digest(&d->outer, PS_DIGEST_SIZE, out);
	d->finished = 1;
	if (hexout)
		ps_hex(out, PS_DIGEST_SIZE, hexout);
	return PS_OK;
}

void ps_digest_free(struct ps_digest *d)
{
	if (!d)
		return;
	ps_digest_wait(d, d->head);	/* no task may outlive its buffer */
	stop_workers(d);
	pthread_cond_destroy(&d->work);
	pthread_cond_destroy(&d->progress);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

#define SRC_BUFS 4		/* buffers in flight: reading overlaps hashing */
#define SRC_BUFSZ (4u << 20)

int ps_digest_src(struct ps_src *s, enum ps_digest_kind kind, unsigned threads,
		  uint8_t out[PS_DIGEST_SIZE], char *hexout, uint64_t *size_out)
{
	return ps_digest_src_progress(s, kind, threads, out, hexout, size_out, NULL, NULL);
}

int ps_digest_src_progress(struct ps_src *s, enum ps_digest_kind kind, unsigned threads,
			   uint8_t out[PS_DIGEST_SIZE], char *hexout, uint64_t *size_out,
			   void (*progress)(void *ctx, uint64_t done), void *ctx)
{
	struct ps_digest *d = NULL;
	uint8_t *buf = malloc((size_t)SRC_BUFS * SRC_BUFSZ);
	uint64_t ticket[SRC_BUFS] = { 0 };
	unsigned slot = 0;
	uint64_t off = 0;
	int r = buf ? ps_digest_new(kind, &d) : PS_ENOMEM;
	if (r) {
		free(buf);
		ps_src_set_error(s, "%s: out of memory", s->name);
		return r;
	}
	ps_digest_set_threads(d, threads);
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
			if (progress)
				progress(ctx, off);
			if (off >= s->size)
				break;
		}
		r = ps_src_next_hole(s, off, &hole);
		if (r)
			goto out;
		if (hole <= off)	/* be robust: always make progress */
			hole = off + SRC_BUFSZ;
		int eof = 0;
		while (off < hole) {
			/* reads end on buffer-size boundaries, so the sparse
			 * digest's 1 MiB chunks are whole inside one buffer */
			size_t want = SRC_BUFSZ - (size_t)(off % SRC_BUFSZ);
			if (hole - off < want)
				want = (size_t)(hole - off);
			size_t got;
			uint8_t *b = buf + (size_t)slot * SRC_BUFSZ;
			ps_digest_wait(d, ticket[slot]);
			r = ps_src_read_upto(s, b, want, off, &got);
			if (r)
				goto out;
			ps_digest_data_async(d, b, got, &ticket[slot]);
			slot = (slot + 1) % SRC_BUFS;
			off += got;
			if (progress)
				progress(ctx, off);
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
	ps_digest_free(d);	/* waits: no task still reads buf */
	free(buf);
	return r;
}
