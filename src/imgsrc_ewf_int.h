/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal to the EWF source: its handle, shared by the reader and opener
 * (imgsrc_ewf.c) and the verification (imgsrc_ewf_verify.c).
 */
#ifndef PS_IMGSRC_EWF_INT_H
#define PS_IMGSRC_EWF_INT_H
#include "imgsrc.h"
#include "imgsrc_container.h"
#include <libewf.h>
#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <pthread.h>

#define MAX_BAD 256		/* checksum-error ranges remembered */

struct bad_range {
	uint64_t a, b;		/* media offsets [a, b) */
	char *seg;		/* the segment file holding it (NULL: unknown) */
};

struct vq;	/* the verification queue (imgsrc_ewf_verify.c) */

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
	/* chunks from this media offset on are in no table of the segments,
	 * or the table points outside its file (UINT64_MAX: all are listed):
	 * refused before libewf is asked, see ewf1_listed_end() */
	uint64_t listed_end;
	uint64_t nchunks, nlisted;
	uint64_t damaged_reads;	/* reads that met a bad range (zeros there) */
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

/* The bytes [off, off+len) were read: hash what continues the prefix
 * (the stored MD5/SHA1 are compared, and a notice given, once the last
 * byte is in). */
void ps_ewf_verify_feed(struct ps_src *s, struct ewf_priv *p, const uint8_t *b,
			size_t len, uint64_t off);
/* Compare what was hashed with what is stored; sets p->verify. */
void ps_ewf_verify_finish(struct ps_src *s, struct ewf_priv *p);
/* Stop the hashing workers and free the queue (NULL is fine). */
void ps_ewf_vq_free(struct vq *q);

#endif
