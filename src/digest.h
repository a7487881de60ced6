/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Content digests of an image, fed in order as data chunks and zero runs
 * (docs/digest.md gives the exact definitions and a reference script).
 *
 * PS_DIGEST_SHA256: plain SHA-256 of the image bytes, equal to
 *   sha256sum(1) of the decoded image; zero runs are hashed as zeros
 *   (costs time proportional to the apparent size).
 * PS_DIGEST_SPARSE: "pmemscan-sparse-sha256-v1": SHA-256 over a header
 *   and one record per 1 MiB-aligned chunk that is not all zero, so it is
 *   the same for the same content whether zeros are holes or written,
 *   and costs time proportional to the non-zero data only.
 */
#ifndef PS_DIGEST_H
#define PS_DIGEST_H
#include <stddef.h>
#include <stdint.h>
#include "imgsrc.h"
#include "util.h"

enum ps_digest_kind { PS_DIGEST_SHA256 = 0, PS_DIGEST_SPARSE = 1 };

#define PS_DIGEST_SIZE 32
#define PS_DIGEST_CHUNK (1024 * 1024)	/* sparse digest chunk size */

struct ps_digest;

int ps_digest_new(enum ps_digest_kind kind, struct ps_digest **out);
/*
 * Threads: n workers hash while the caller goes on reading (sha256 uses
 * one at most: it is a single stream; sparse hashes its 1 MiB chunks on
 * all of them at once). 0, the default, hashes in the caller. Call before
 * the first byte; the digest is the same whatever n is.
 */
int ps_digest_set_threads(struct ps_digest *d, unsigned n);
unsigned ps_digest_threads(const struct ps_digest *d);
/* ps_cpu_count() (util.h) says how many CPUs there are to use. */
/* Workers worth having for kind on this machine: none on one CPU; else
 * one for sha256 (overlap with the reader), one per CPU for sparse. */
unsigned ps_digest_default_threads(enum ps_digest_kind kind);

/* The next len bytes of the image. */
int ps_digest_data(struct ps_digest *d, const void *buf, size_t len);
/*
 * The same without waiting: the digest may read buf until
 * ps_digest_wait(d, *ticket) returns, so the caller must not change or
 * free buf before. A ticket of 0 means buf is already free.
 */
int ps_digest_data_async(struct ps_digest *d, const void *buf, size_t len,
			 uint64_t *ticket);
void ps_digest_wait(struct ps_digest *d, uint64_t ticket);
/* The next len bytes of the image are all zero. */
int ps_digest_zero(struct ps_digest *d, uint64_t len);
/* Bytes fed so far (the image size at the end). */
uint64_t ps_digest_pos(const struct ps_digest *d);
/* Finish: 32 bytes into out, and lower-case hex into hexout (65 bytes) if
 * not NULL. The digest cannot be fed afterwards. */
int ps_digest_final(struct ps_digest *d, uint8_t out[PS_DIGEST_SIZE],
		    char *hexout);
/* Waits for every task first, so it is safe on an unfinished digest. */
void ps_digest_free(struct ps_digest *d);

/*
 * Digest a whole source, using its sparse map (holes are fed as zero runs
 * without reading them) and reading forward only (works on streams of
 * unknown size), hashing on `threads` workers (ps_digest_set_threads).
 * *size_out gets the image size. Errors: the source's own (message in
 * ps_src_error(s)).
 */
int ps_digest_src(struct ps_src *s, enum ps_digest_kind kind, unsigned threads,
		  uint8_t out[PS_DIGEST_SIZE], char *hexout, uint64_t *size_out);
/* The same, telling progress (may be NULL) how far it got: done is the
 * offset hashed up to (holes count as done), from the hashing thread. */
int ps_digest_src_progress(struct ps_src *s, enum ps_digest_kind kind, unsigned threads,
			   uint8_t out[PS_DIGEST_SIZE], char *hexout, uint64_t *size_out,
			   void (*progress)(void *ctx, uint64_t done), void *ctx);

#endif
