/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Verifying EWF evidence: the MD5 and SHA1 of the media data, fed by the
 * reader in order (a prefix that grows as the image is read front to
 * back) and compared with the hashes stored at acquisition.
 */
#include "imgsrc_ewf_int.h"
#include "err.h"
#include "util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VQ_SLOTS 8		/* verification queue: copies of the data read */
#define VQ_SLOT (1u << 20)	/* ... of at most this many bytes each */

/*
 * MD5 and SHA1 of the data read, each on its own thread: the reader
 * copies what it read into a slot of a ring and goes on (decoding is the
 * reader's work, MD5 and SHA1 cost about as much again each), the two
 * workers hash every slot in order; a slot is reused once both are done.
 * Without threads (one CPU, or none could be created) the reader hashes.
 */
struct vq {
	pthread_t th[2];
	int nth;
	pthread_mutex_t m;
	pthread_cond_t work, space;
	uint8_t *buf[VQ_SLOTS];
	size_t len[VQ_SLOTS];
	uint64_t head;		/* slots filled */
	uint64_t done[2];	/* slots hashed by each worker */
	int stop;
	int ids;		/* workers started: the first hashes MD5 */
	struct md5_ctx *md5;
	struct sha1_ctx *sha1;
};

static void *vq_worker(void *arg);

static uint64_t vq_min_done(const struct vq *q)
{
	return q->done[0] < q->done[1] ? q->done[0] : q->done[1];
}

void ps_ewf_vq_free(struct vq *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->m);
	q->stop = 1;
	pthread_cond_broadcast(&q->work);
	pthread_mutex_unlock(&q->m);
	for (int i = 0; i < q->nth; i++)
		pthread_join(q->th[i], NULL);
	for (int i = 0; i < VQ_SLOTS; i++)
		free(q->buf[i]);
	pthread_cond_destroy(&q->work);
	pthread_cond_destroy(&q->space);
	pthread_mutex_destroy(&q->m);
	free(q);
}

/* The workers, on the first data to hash; NULL (hash in the reader) on
 * one CPU or if they cannot be had. */
static struct vq *vq_new(struct ewf_priv *p)
{
	if (ps_cpu_count() < 2)
		return NULL;
	struct vq *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	pthread_mutex_init(&q->m, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->space, NULL);
	q->md5 = &p->md5;
	q->sha1 = &p->sha1;
	for (int i = 0; i < VQ_SLOTS; i++)
		if (!(q->buf[i] = malloc(VQ_SLOT))) {
			ps_ewf_vq_free(q);
			return NULL;
		}
	for (int i = 0; i < 2; i++) {
		if (pthread_create(&q->th[i], NULL, vq_worker, q)) {
			ps_ewf_vq_free(q);
			return NULL;
		}
		q->nth++;
	}
	return q;
}

/* The first worker to start hashes MD5, the second SHA1. */
static void *vq_worker(void *arg)
{
	struct vq *q = arg;
	pthread_mutex_lock(&q->m);
	int me = q->ids++;
	for (;;) {
		while (q->done[me] == q->head && !q->stop)
			pthread_cond_wait(&q->work, &q->m);
		if (q->done[me] == q->head)
			break;		/* stop, and nothing left */
		unsigned slot = (unsigned)(q->done[me] % VQ_SLOTS);
		size_t len = q->len[slot];
		pthread_mutex_unlock(&q->m);
		if (me == 0)
			md5_update(q->md5, len, q->buf[slot]);
		else
			sha1_update(q->sha1, len, q->buf[slot]);
		pthread_mutex_lock(&q->m);
		q->done[me]++;
		pthread_cond_broadcast(&q->space);
	}
	pthread_mutex_unlock(&q->m);
	return NULL;
}

static void vq_put(struct vq *q, const uint8_t *b, size_t len)
{
	while (len) {
		size_t n = len < VQ_SLOT ? len : VQ_SLOT;
		pthread_mutex_lock(&q->m);
		while (q->head - vq_min_done(q) >= VQ_SLOTS)
			pthread_cond_wait(&q->space, &q->m);
		unsigned slot = (unsigned)(q->head % VQ_SLOTS);
		pthread_mutex_unlock(&q->m);
		memcpy(q->buf[slot], b, n);	/* free: both workers are past it */
		pthread_mutex_lock(&q->m);
		q->len[slot] = n;
		q->head++;
		pthread_cond_broadcast(&q->work);
		pthread_mutex_unlock(&q->m);
		b += n;
		len -= n;
	}
}

/* Wait until both workers have hashed everything put. */
static void vq_drain(struct vq *q)
{
	pthread_mutex_lock(&q->m);
	while (vq_min_done(q) < q->head)
		pthread_cond_wait(&q->space, &q->m);
	pthread_mutex_unlock(&q->m);
}

void ps_ewf_verify_finish(struct ps_src *s, struct ewf_priv *p)
{
	if (p->vq)
		vq_drain(p->vq);
	uint8_t m[MD5_DIGEST_SIZE], h[SHA1_DIGEST_SIZE];
	md5_digest(&p->md5, sizeof(m), m);
	sha1_digest(&p->sha1, sizeof(h), h);
	ps_hex(m, sizeof(m), p->data_md5);
	ps_hex(h, sizeof(h), p->data_sha1);
	int md5_ok = !p->have_md5 || !strcmp(p->stored_md5, p->data_md5);
	int sha1_ok = !p->have_sha1 || !strcmp(p->stored_sha1, p->data_sha1);
	const char *which = p->have_md5 && p->have_sha1 ? "MD5 and SHA1" :
			    p->have_md5 ? "MD5" : "SHA1";
	if (md5_ok && sha1_ok) {
		p->verify = PS_VERIFY_MATCH;
		ps_open_notice(&p->opts, "%s: verified: the data matches the %s stored in the EWF image",
		       s->name, which);
	} else {
		char what[300] = "";
		size_t l = 0;
		p->verify = PS_VERIFY_MISMATCH;
		if (!md5_ok)
			l += (size_t)snprintf(what, sizeof(what), "MD5 stored %s, read %s",
					      p->stored_md5, p->data_md5);
		if (!sha1_ok)
			snprintf(what + l, sizeof(what) - l, "%sSHA1 stored %s, read %s",
				 l ? "; " : "", p->stored_sha1, p->data_sha1);
		ps_open_notice(&p->opts, "%s: the data does NOT match the %s stored in the EWF image: %s",
		       s->name, which, what);
	}
}

void ps_ewf_verify_feed(struct ps_src *s, struct ewf_priv *p, const uint8_t *b,
			size_t len, uint64_t off)
{
	if (p->verify != PS_VERIFY_PENDING || off > p->vpos || off + len <= p->vpos)
		return;
	size_t skip = (size_t)(p->vpos - off);
	if (!p->vq_tried) {
		p->vq = vq_new(p);
		p->vq_tried = 1;
	}
	if (p->vq) {
		vq_put(p->vq, b + skip, len - skip);
	} else {
		md5_update(&p->md5, len - skip, b + skip);
		sha1_update(&p->sha1, len - skip, b + skip);
	}
	p->vpos = off + len;
	if (p->vpos == s->size)
		ps_ewf_verify_finish(s, p);
}
