/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * EWF evidence (EnCase E01, SMART S01, EWF2 Ex01 where libewf reads it)
 * as an image source. libewf decodes chunks at any offset, so the source
 * reads through it directly: no decoded copy, no cache. See imgsrc_open.h
 * for the contract and docs/input.md for what the user sees.
 *
 * What libewf does not say by itself, and is checked here:
 * - a segment set with a segment missing opens without error (libewf's
 *   glob stops at the gap and the missing chunks read as zeros flagged as
 *   checksum errors): libewf_handle_segment_files_corrupted() says so, and
 *   the last segment's final section descriptor tells a missing next
 *   segment ("next") from a file cut short (no valid descriptor);
 * - a chunk whose checksum fails is returned (zeroed) with the error only
 *   counted: every read checks the count, and remembers the bad ranges so
 *   a re-read of a cached chunk fails too;
 * - segments renamed out of order: each file header's segment number.
 */
#include "imgsrc_container.h"
#include "digest.h"
#include "err.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libewf.h>
#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_BAD 256		/* checksum-error ranges remembered */
#define VQ_SLOTS 8		/* verification queue: copies of the data read */
#define VQ_SLOT (1u << 20)	/* ... of at most this many bytes each */
#define META_VALUE_MAX 4096	/* longer acquisition values are cut */

enum ps_ewf_sig ps_ewf_signature(const uint8_t *b, size_t n)
{
	if (n < 8)
		return PS_EWF_NONE;
	if (!memcmp(b, "EVF\x09\x0d\x0a\xff\x00", 8))
		return PS_EWF1;
	if (!memcmp(b, "LVF\x09\x0d\x0a\xff\x00", 8))
		return PS_EWF1_LOGICAL;
	if (!memcmp(b, "EVF2\x0d\x0a\x81\x00", 8))
		return PS_EWF2;
	if (!memcmp(b, "LEF2\x0d\x0a\x81\x00", 8))
		return PS_EWF2_LOGICAL;
	return PS_EWF_NONE;
}

enum ps_ewf_tail ps_ewf1_tail(const uint8_t *b, size_t n)
{
	if (n < PS_EWF1_SECTION_DESC)
		return PS_EWF_TAIL_BAD;
	b += n - PS_EWF1_SECTION_DESC;
	uint32_t want = (uint32_t)b[72] | (uint32_t)b[73] << 8 |
			(uint32_t)b[74] << 16 | (uint32_t)b[75] << 24;
	if (adler32(1, b, 72) != want)
		return PS_EWF_TAIL_BAD;
	/* the type is a NUL-padded 16-byte string */
	if (!memcmp(b, "next", 5))
		return PS_EWF_TAIL_NEXT;
	if (!memcmp(b, "done", 5))
		return PS_EWF_TAIL_DONE;
	return PS_EWF_TAIL_BAD;
}

/*
 * Extensions: a letter, then two characters counting 01..99 then AA..ZZ,
 * with the letter going on from there (E01..E99, EAA..EZZ, FAA..ZZZ);
 * EWF2 has a fixed 'x' after the first letter (Ex01.., ExAA..ExZZ,
 * EyAA..EzZZ: the 'x' counts on instead of the first letter).
 */
int ps_ewf_next_segment_name(const char *name, char *out, size_t outlen)
{
	const char *dot = strrchr(name, '.');
	size_t n = strlen(name);
	if (!dot || strchr(dot, '/') || (n - (size_t)(dot - name)) < 4 ||
	    n + 1 > outlen)
		return -1;
	size_t el = n - (size_t)(dot - name) - 1;
	if (el != 3 && el != 4)
		return -1;
	memcpy(out, name, n + 1);
	char *e = out + (dot - name) + 1;
	int lower = e[0] >= 'a' && e[0] <= 'z';
	char A = lower ? 'a' : 'A', Z = lower ? 'z' : 'Z';
	/* lead: the letter that counts on after ZZ (e[0], or e[1] in EWF2) */
	char *lead = el == 4 ? e + 1 : e;
	char *d = lead + 1;	/* the two counting characters */
	if (!((e[0] >= 'a' && e[0] <= 'z') || (e[0] >= 'A' && e[0] <= 'Z')))
		return -1;
	if (el == 4 && !(*lead == 'x' || *lead == 'y' || *lead == 'z' ||
			 *lead == 'X' || *lead == 'Y' || *lead == 'Z'))
		return -1;
	if (d[0] >= '0' && d[0] <= '9' && d[1] >= '0' && d[1] <= '9') {
		int v = (d[0] - '0') * 10 + (d[1] - '0');
		if (v == 0)
			return -1;
		if (v < 99) {
			v++;
			d[0] = (char)('0' + v / 10);
			d[1] = (char)('0' + v % 10);
		} else {
			d[0] = d[1] = A;
		}
		return 0;
	}
	if (!(d[0] >= A && d[0] <= Z && d[1] >= A && d[1] <= Z))
		return -1;
	if (d[1] < Z) {
		d[1]++;
		return 0;
	}
	d[1] = A;
	if (d[0] < Z) {
		d[0]++;
		return 0;
	}
	d[0] = A;
	if (*lead == Z || *lead == 'z' || *lead == 'Z')
		return -1;	/* ZZZ, EzZZ: the last name there is */
	(*lead)++;
	return 0;
}

/* ---- the source ---- */

struct bad_range {
	uint64_t a, b;		/* media offsets [a, b) */
};

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

struct ewf_priv {
	libewf_handle_t *h;
	pthread_mutex_t lock;
	char *path;
	char **segs;		/* from libewf_glob, or our own one-entry list */
	int nsegs, globbed;
	char format[64];
	uint32_t bps, chunk, acq_errors;
	/* checksum errors libewf counted, and the ranges we keep */
	uint32_t nerr_seen;
	struct bad_range bad[MAX_BAD];
	unsigned nbad;
	int bad_overflow;	/* more ranges than kept: refuse every read */
	/* verification */
	enum ps_verify_state verify;
	uint64_t vpos;
	struct md5_ctx md5;
	struct sha1_ctx sha1;
	struct vq *vq;		/* NULL: hash in the reader */
	int vq_tried;
	char stored_md5[33], stored_sha1[41];
	char data_md5[33], data_sha1[41];
	int have_md5, have_sha1;
	/* metadata */
	size_t nmeta;
	struct ps_container_meta meta[PS_CONT_META_MAX];
	char *metaval[PS_CONT_META_MAX];
	struct ps_open_opts opts;
};

static void notice(const struct ps_open_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void notice(const struct ps_open_opts *o, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	if (!o || !o->msg)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	o->msg(o->msg_arg, buf);
}

/* libewf's error as one line: the innermost cause of its backtrace,
 * without the function name, then freed. */
static void ewf_errstr(libewf_error_t **e, char *out, size_t outlen)
{
	char buf[2048];
	snprintf(out, outlen, "libewf error");
	if (!e || !*e)
		return;
	if (libewf_error_backtrace_sprint(*e, buf, sizeof(buf)) > 0) {
		char *nl = strchr(buf, '\n');
		if (nl)
			*nl = 0;
		char *m = strstr(buf, ": ");
		m = m ? m + 2 : buf;
		size_t l = strlen(m);
		while (l && (m[l - 1] == '.' || m[l - 1] == ' ' || m[l - 1] == '\r'))
			m[--l] = 0;
		snprintf(out, outlen, "%s", m);
	}
	libewf_error_free(e);
}

static void *vq_worker(void *arg);

static uint64_t vq_min_done(const struct vq *q)
{
	return q->done[0] < q->done[1] ? q->done[0] : q->done[1];
}

static void vq_free(struct vq *q)
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
			vq_free(q);
			return NULL;
		}
	for (int i = 0; i < 2; i++) {
		if (pthread_create(&q->th[i], NULL, vq_worker, q)) {
			vq_free(q);
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

static void verify_finish(struct ps_src *s, struct ewf_priv *p)
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
		notice(&p->opts, "%s: verified: the data matches the %s stored in the EWF image",
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
		notice(&p->opts, "%s: the data does NOT match the %s stored in the EWF image: %s",
		       s->name, which, what);
	}
}

/* The bytes [off, off+len) were read: hash what continues the prefix. */
static void verify_feed(struct ps_src *s, struct ewf_priv *p, const uint8_t *b,
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
		verify_finish(s, p);
}

/* Name of the segment file holding media offset off (libewf's current
 * chunk after a seek), into out; "a segment file" if libewf cannot say. */
static void segment_of(struct ewf_priv *p, uint64_t off, char *out, size_t outlen)
{
	libewf_error_t *e = NULL;
	snprintf(out, outlen, "a segment file");
	if (libewf_handle_seek_offset(p->h, (off64_t)off, SEEK_SET, &e) < 0) {
		libewf_error_free(&e);
		return;
	}
	char buf[4096];
	if (libewf_handle_get_filename(p->h, buf, sizeof(buf), &e) == 1)
		snprintf(out, outlen, "%.300s", buf);
	else
		libewf_error_free(&e);
}

/* New checksum errors libewf counted: remember their ranges. */
static void collect_bad(struct ewf_priv *p)
{
	libewf_error_t *e = NULL;
	uint32_t n = 0;
	if (libewf_handle_get_number_of_checksum_errors(p->h, &n, &e) != 1) {
		libewf_error_free(&e);
		return;
	}
	for (; p->nerr_seen < n; p->nerr_seen++) {
		uint64_t first = 0, count = 0;
		if (libewf_handle_get_checksum_error(p->h, p->nerr_seen, &first, &count, &e) != 1) {
			libewf_error_free(&e);
			p->bad_overflow = 1;
			continue;
		}
		if (p->nbad == MAX_BAD) {
			p->bad_overflow = 1;
			continue;
		}
		uint64_t a = first * p->bps, b = (first + count) * p->bps;
		if (first > UINT64_MAX / p->bps || count > UINT64_MAX / p->bps - first)
			a = 0, b = UINT64_MAX;	/* nonsense: cover everything */
		p->bad[p->nbad].a = a;
		p->bad[p->nbad].b = b;
		p->nbad++;
	}
}

/* A remembered bad range meeting [off, off+len), or NULL. */
static const struct bad_range *bad_in(const struct ewf_priv *p, uint64_t off, size_t len)
{
	static const struct bad_range all = { 0, UINT64_MAX };
	if (p->bad_overflow)
		return &all;
	for (unsigned i = 0; i < p->nbad; i++)
		if (p->bad[i].a < off + len && p->bad[i].b > off)
			return &p->bad[i];
	return NULL;
}

static int ewf_pread(struct ps_src *s, void *buf, size_t len, uint64_t off)
{
	struct ewf_priv *p = s->priv;
	uint8_t *b = buf;
	size_t done = 0;
	int r = PS_OK;
	pthread_mutex_lock(&p->lock);
	while (done < len) {
		libewf_error_t *e = NULL;
		ssize_t n = libewf_handle_read_random(p->h, b + done, len - done,
						      (off64_t)(off + done), &e);
		if (n <= 0) {
			char why[300];
			if (n < 0)
				ewf_errstr(&e, why, sizeof(why));
			else
				snprintf(why, sizeof(why), "no data (media size %" PRIu64 ")", s->size);
			ps_src_set_error(s, "%s: EWF read failed at media offset %" PRIu64 ": %s",
					 s->name, off + done, why);
			r = PS_EIO;
			goto out;
		}
		done += (size_t)n;
	}
	collect_bad(p);
	const struct bad_range *bad = bad_in(p, off, len);
	if (bad) {
		char seg[512];
		if (bad->b == UINT64_MAX) {
			ps_src_set_error(s, "%s: EWF chunks fail their checksums at more than %d places; the evidence is damaged (first read refused at media offset %" PRIu64 ")",
					 s->name, MAX_BAD, off);
		} else {
			segment_of(p, bad->a, seg, sizeof(seg));
			ps_src_set_error(s, "%s: EWF chunk at media offset %" PRIu64 " (%" PRIu64 " bytes, in %s) fails its checksum: the evidence is damaged there",
					 s->name, bad->a, bad->b - bad->a, seg);
		}
		r = PS_EIO;
		goto out;
	}
	verify_feed(s, p, b, len, off);
out:
	pthread_mutex_unlock(&p->lock);
	return r;
}

static void ewf_close(struct ps_src *s)
{
	struct ewf_priv *p = s->priv;
	if (!p)
		return;
	libewf_error_t *e = NULL;
	if (p->h) {
		libewf_handle_close(p->h, &e);
		libewf_error_free(&e);
		libewf_handle_free(&p->h, &e);
		libewf_error_free(&e);
	}
	if (p->segs) {
		if (p->globbed) {
			libewf_glob_free(p->segs, p->nsegs, &e);
			libewf_error_free(&e);
		} else {
			for (int i = 0; i < p->nsegs; i++)
				free(p->segs[i]);
			free(p->segs);
		}
	}
	for (size_t i = 0; i < PS_CONT_META_MAX; i++)
		free(p->metaval[i]);
	vq_free(p->vq);
	pthread_mutex_destroy(&p->lock);
	free(p->path);
	free(p);
}

static const struct ps_src_ops ewf_ops = {
	.pread = ewf_pread,
	.close = ewf_close,
};

static const char *format_name(uint8_t f, enum ps_ewf_sig sig)
{
	if (sig == PS_EWF2)
		return "EWF2 (Ex01)";
	switch (f) {
	case LIBEWF_FORMAT_ENCASE1: return "EnCase 1 (E01)";
	case LIBEWF_FORMAT_ENCASE2: return "EnCase 2 (E01)";
	case LIBEWF_FORMAT_ENCASE3: return "EnCase 3 (E01)";
	case LIBEWF_FORMAT_ENCASE4: return "EnCase 4 (E01)";
	case LIBEWF_FORMAT_ENCASE5: return "EnCase 5 (E01)";
	case LIBEWF_FORMAT_ENCASE6: return "EnCase 6 (E01)";
	case LIBEWF_FORMAT_ENCASE7: return "EnCase 7 (E01)";
	case LIBEWF_FORMAT_SMART: return "SMART (S01)";
	case LIBEWF_FORMAT_FTK_IMAGER: return "FTK Imager (E01)";
	case LIBEWF_FORMAT_LINEN5: return "linen 5 (E01)";
	case LIBEWF_FORMAT_LINEN6: return "linen 6 (E01)";
	case LIBEWF_FORMAT_LINEN7: return "linen 7 (E01)";
	case LIBEWF_FORMAT_EWF: return "EWF (E01)";
	case LIBEWF_FORMAT_EWFX: return "EWFX (libewf's extended E01)";
	default: return "EWF";
	}
}

/* Acquisition metadata: libewf header identifier, our key, our label. */
static const struct { const char *id, *key, *label; } meta_ids[PS_CONT_META_MAX] = {
	{ "case_number", "case_number", "case number" },
	{ "evidence_number", "evidence_number", "evidence number" },
	{ "examiner_name", "examiner", "examiner" },
	{ "description", "description", "description" },
	{ "notes", "notes", "notes" },
	{ "acquiry_date", "acquisition_date", "acquisition date" },
	{ "system_date", "system_date", "system date" },
	{ "acquiry_operating_system", "acquisition_os", "acquisition OS" },
	{ "acquiry_software_version", "acquisition_software", "acquisition software version" },
	{ "model", "model", "device model" },
	{ "serial_number", "serial_number", "device serial number" },
	{ "device_label", "device_label", "device label" },
};

/* Values for one-line reports: control characters become spaces. */
static void sanitize(char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			*v = ' ';
}

static void read_meta(struct ewf_priv *p)
{
	for (size_t i = 0; i < PS_CONT_META_MAX; i++) {
		libewf_error_t *e = NULL;
		const uint8_t *id = (const uint8_t *)meta_ids[i].id;
		size_t idl = strlen(meta_ids[i].id), sz = 0;
		if (libewf_handle_get_utf8_header_value_size(p->h, id, idl, &sz, &e) != 1 ||
		    sz <= 1) {
			libewf_error_free(&e);
			continue;
		}
		size_t cap = sz > META_VALUE_MAX ? sz : sz + 1;
		char *v = calloc(1, cap);
		if (!v)
			continue;
		if (libewf_handle_get_utf8_header_value(p->h, id, idl, (uint8_t *)v, cap, &e) != 1) {
			libewf_error_free(&e);
			free(v);
			continue;
		}
		v[cap - 1] = 0;
		if (strlen(v) > META_VALUE_MAX)
			v[META_VALUE_MAX] = 0;
		sanitize(v);
		if (!*v) {
			free(v);
			continue;
		}
		p->metaval[i] = v;
		p->meta[p->nmeta].key = meta_ids[i].key;
		p->meta[p->nmeta].label = meta_ids[i].label;
		p->meta[p->nmeta].value = v;
		p->nmeta++;
	}
}

/* A stored hash: want hex digits exactly, lower-cased into out. */
static int read_hash(struct ewf_priv *p, const char *id, size_t hexlen, char *out)
{
	libewf_error_t *e = NULL;
	uint8_t buf[160];
	memset(buf, 0, sizeof(buf));
	if (libewf_handle_get_utf8_hash_value(p->h, (const uint8_t *)id, strlen(id), buf,
					      sizeof(buf), &e) != 1) {
		libewf_error_free(&e);
		return 0;
	}
	buf[sizeof(buf) - 1] = 0;
	if (strlen((char *)buf) != hexlen)
		return 0;
	for (size_t i = 0; i < hexlen; i++) {
		int c = buf[i];
		if (c >= 'A' && c <= 'F')
			c += 'a' - 'A';
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
		out[i] = (char)c;
	}
	out[hexlen] = 0;
	/* an all-zero hash is what libewf writes when none was computed */
	return strspn(out, "0") != hexlen;
}

/* Read the first bytes of a file; 0 on success. */
static int read_head(const char *path, uint8_t *b, size_t n, uint64_t at, int from_end)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	int r = -1;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0) {
		off_t o = (off_t)at;
		if (from_end)
			o = st.st_size >= (off_t)n ? st.st_size - (off_t)n : -1;
		if (o >= 0 && pread(fd, b, n, o) == (ssize_t)n)
			r = 0;
	}
	close(fd);
	return r;
}

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* The set is incomplete or cut short: the one line that says how. */
static void incomplete_msg(struct ewf_priv *p, enum ps_ewf_sig sig, char *err, size_t errlen)
{
	const char *last = p->segs[p->nsegs - 1];
	uint8_t tail[PS_EWF1_SECTION_DESC];
	char next[4096];
	struct stat st;
	uint64_t tsize = stat(last, &st) == 0 ? (uint64_t)st.st_size : 0;
	enum ps_ewf_tail t = PS_EWF_TAIL_BAD;
	if (sig == PS_EWF1 && !read_head(last, tail, sizeof(tail), 0, 1))
		t = ps_ewf1_tail(tail, sizeof(tail));
	if (t == PS_EWF_TAIL_NEXT) {
		if (p->globbed && ps_ewf_next_segment_name(last, next, sizeof(next)) == 0)
			snprintf(err, errlen, "%s: the EWF set is incomplete: segment %d (%s) is missing (%s ends at offset %" PRIu64 " with a 'next' section; %d segment%s found)",
				 p->path, p->nsegs + 1, base(next), base(last),
				 tsize, p->nsegs, p->nsegs == 1 ? "" : "s");
		else
			snprintf(err, errlen, "%s: the EWF set is incomplete: segment %d is missing (%s ends at offset %" PRIu64 " with a 'next' section)",
				 p->path, p->nsegs + 1, base(last), tsize);
	} else if (sig == PS_EWF1) {
		snprintf(err, errlen, "%s: the EWF set is damaged: its last segment %s (%" PRIu64 " bytes) does not end with a valid 'done' or 'next' section at offset %" PRIu64 " (truncated?)",
			 p->path, base(last), tsize,
			 tsize >= PS_EWF1_SECTION_DESC ? tsize - PS_EWF1_SECTION_DESC : 0);
	} else {
		snprintf(err, errlen, "%s: the EWF set is incomplete or damaged (libewf: segment files corrupted; %d segment%s found, the last %s of %" PRIu64 " bytes)",
			 p->path, p->nsegs, p->nsegs == 1 ? "" : "s", base(last), tsize);
	}
}

int ps_open_ewf(const char *path, enum ps_ewf_sig sig,
		const struct ps_open_opts *opts, struct ps_src **out,
		char *err, size_t errlen)
{
	libewf_error_t *e = NULL;
	char why[300];
	int r = PS_EFORMAT;
	*out = NULL;
	if (sig == PS_EWF1_LOGICAL || sig == PS_EWF2_LOGICAL) {
		snprintf(err, errlen, "%s: an EWF logical evidence file (%s) holds files, not a media image: export the files with ewfexport and scan them",
			 path, sig == PS_EWF1_LOGICAL ? "L01" : "Lx01");
		return PS_EUNSUPP;
	}
	if (libewf_check_file_signature(path, &e) != 1) {
		libewf_error_free(&e);
		if (sig == PS_EWF2)
			snprintf(err, errlen, "%s: an EWF2 (Ex01) image, which the installed libewf %s cannot read: convert it to E01 or raw with a newer ewfexport",
				 path, libewf_get_version());
		else
			snprintf(err, errlen, "%s: starts with an EWF signature, but libewf %s does not recognise it",
				 path, libewf_get_version());
		return PS_EUNSUPP;
	}
	struct ewf_priv *p = calloc(1, sizeof(*p));
	if (!p || !(p->path = strdup(path))) {
		free(p);
		snprintf(err, errlen, "%s: out of memory", path);
		return PS_ENOMEM;
	}
	pthread_mutex_init(&p->lock, NULL);
	if (opts)
		p->opts = *opts;
	p->opts.cache_dir = NULL;
	struct ps_src tmp = { .priv = p };

	/* every segment, given any one (a name without an EWF extension, such
	 * as /proc/self/fd/N, is opened alone) */
	if (libewf_glob(path, strlen(path), LIBEWF_FORMAT_UNKNOWN, &p->segs, &p->nsegs, &e) == 1 &&
	    p->nsegs > 0) {
		p->globbed = 1;
	} else {
		libewf_error_free(&e);
		p->segs = calloc(1, sizeof(char *));
		if (!p->segs || !(p->segs[0] = strdup(path))) {
			snprintf(err, errlen, "%s: out of memory", path);
			r = PS_ENOMEM;
			goto fail;
		}
		p->nsegs = 1;
	}
	/* each file's header: same kind of signature, segment numbers 1, 2, ... */
	for (int i = 0; i < p->nsegs; i++) {
		uint8_t hd[16];
		if (read_head(p->segs[i], hd, sizeof(hd), 0, 0)) {
			snprintf(err, errlen, "%s: cannot read the EWF segment %s: %s", path,
				 p->segs[i], errno ? strerror(errno) : "too short");
			r = PS_EIO;
			goto fail;
		}
		uint32_t num = sig == PS_EWF2 ?
			(uint32_t)hd[12] | (uint32_t)hd[13] << 8 | (uint32_t)hd[14] << 16 | (uint32_t)hd[15] << 24 :
			(uint32_t)hd[9] | (uint32_t)hd[10] << 8;
		if (ps_ewf_signature(hd, 8) != sig) {
			snprintf(err, errlen, "%s: %s is not an EWF segment of the same kind (file signature at offset 0)",
				 path, p->segs[i]);
			goto fail;
		}
		if (num != (uint32_t)i + 1) {
			snprintf(err, errlen, "%s: %s holds segment %" PRIu32 " of its set, not %d (header offset %d): segments renamed or mixed up",
				 path, p->segs[i], num, i + 1, sig == PS_EWF2 ? 12 : 9);
			goto fail;
		}
	}
	if (libewf_handle_initialize(&p->h, &e) != 1) {
		ewf_errstr(&e, why, sizeof(why));
		snprintf(err, errlen, "%s: %s", path, why);
		r = PS_ENOMEM;
		goto fail;
	}
	libewf_handle_set_header_values_date_format(p->h, LIBEWF_DATE_FORMAT_ISO8601, &e);
	libewf_error_free(&e);
	if (libewf_handle_open(p->h, p->segs, p->nsegs, LIBEWF_OPEN_READ, &e) != 1) {
		ewf_errstr(&e, why, sizeof(why));
		snprintf(err, errlen, "%s: cannot open the EWF image (%d segment%s, the last %s): %s",
			 path, p->nsegs, p->nsegs == 1 ? "" : "s", base(p->segs[p->nsegs - 1]), why);
		goto fail;
	}
	int corrupted = libewf_handle_segment_files_corrupted(p->h, &e);
	libewf_error_free(&e);
	if (corrupted != 0) {
		incomplete_msg(p, sig, err, errlen);
		goto fail;
	}
	size64_t msize = 0;
	uint8_t fmt = 0;
	if (libewf_handle_get_media_size(p->h, &msize, &e) != 1 ||
	    libewf_handle_get_bytes_per_sector(p->h, &p->bps, &e) != 1) {
		ewf_errstr(&e, why, sizeof(why));
		snprintf(err, errlen, "%s: EWF media values: %s", path, why);
		goto fail;
	}
	if (!p->bps)
		p->bps = 512;
	if (libewf_handle_get_format(p->h, &fmt, &e) != 1)
		libewf_error_free(&e);
	if (fmt == LIBEWF_FORMAT_LOGICAL_ENCASE5 || fmt == LIBEWF_FORMAT_LOGICAL_ENCASE6 ||
	    fmt == LIBEWF_FORMAT_LOGICAL_ENCASE7) {
		snprintf(err, errlen, "%s: an EWF logical evidence file holds files, not a media image",
			 path);
		r = PS_EUNSUPP;
		goto fail;
	}
	snprintf(p->format, sizeof(p->format), "%s", format_name(fmt, sig));
	if (libewf_handle_get_chunk_size(p->h, &p->chunk, &e) != 1)
		libewf_error_free(&e);
	if (libewf_handle_get_number_of_acquiry_errors(p->h, &p->acq_errors, &e) != 1)
		libewf_error_free(&e);
	read_meta(p);
	p->have_md5 = read_hash(p, "MD5", 32, p->stored_md5);
	p->have_sha1 = read_hash(p, "SHA1", 40, p->stored_sha1);
	if (p->have_md5 || p->have_sha1)
		p->verify = opts && opts->verify ? PS_VERIFY_PENDING : PS_VERIFY_OFF;
	md5_init(&p->md5);
	sha1_init(&p->sha1);
	struct ps_src *s = ps_src_new(&ewf_ops, p, (uint64_t)msize, path);
	if (!s) {
		snprintf(err, errlen, "%s: out of memory", path);
		r = PS_ENOMEM;
		goto fail;
	}
	if (p->verify == PS_VERIFY_PENDING && s->size == 0)
		verify_finish(s, p);
	if (p->nsegs > 1)
		notice(opts, "%s: %s image in %d segments (%s ... %s), %" PRIu64 " bytes of media data",
		       path, p->format, p->nsegs, base(p->segs[0]), base(p->segs[p->nsegs - 1]),
		       s->size);
	*out = s;
	return PS_OK;
fail:
	ewf_close(&tmp);
	return r;
}

int ps_ewf_container_info(const struct ps_src *s, struct ps_container_info *ci)
{
	if (!s || s->ops != &ewf_ops)
		return PS_EINVAL;
	struct ewf_priv *p = s->priv;
	pthread_mutex_lock(&p->lock);
	memset(ci, 0, sizeof(*ci));
	ci->kind = PS_CONT_EWF;
	ci->format = p->format;
	ci->nsegments = (size_t)p->nsegs;
	ci->segments = (const char *const *)p->segs;
	ci->media_size = s->size;
	ci->stored_md5 = p->have_md5 ? p->stored_md5 : NULL;
	ci->stored_sha1 = p->have_sha1 ? p->stored_sha1 : NULL;
	int done = p->verify == PS_VERIFY_MATCH || p->verify == PS_VERIFY_MISMATCH;
	ci->data_md5 = done ? p->data_md5 : NULL;
	ci->data_sha1 = done ? p->data_sha1 : NULL;
	ci->verify = p->verify;
	ci->bytes_per_sector = p->bps;
	ci->chunk_size = p->chunk;
	ci->acquisition_errors = p->acq_errors;
	ci->nmeta = p->nmeta;
	memcpy(ci->meta, p->meta, sizeof(ci->meta));
	pthread_mutex_unlock(&p->lock);
	return PS_OK;
}

uint64_t ps_ewf_verify_pos(const struct ps_src *s)
{
	if (!s || s->ops != &ewf_ops)
		return UINT64_MAX;
	struct ewf_priv *p = s->priv;
	pthread_mutex_lock(&p->lock);
	if (p->verify == PS_VERIFY_OFF) {	/* asked for now: from the start */
		p->verify = PS_VERIFY_PENDING;
		p->vpos = 0;
		md5_init(&p->md5);
		sha1_init(&p->sha1);
	}
	uint64_t v = p->verify == PS_VERIFY_PENDING ? p->vpos : UINT64_MAX;
	pthread_mutex_unlock(&p->lock);
	return v;
}
