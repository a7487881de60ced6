/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "carve.h"
#include "outfile.h"
#include "err.h"
#include "le.h"
#include "util.h"
#include "interrupt.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CARVE_CHUNK (4u << 20)
/* Zero blocks are left as holes at this granularity: the smallest block
 * a filesystem the carved image lands on can leave unallocated, so a
 * hole never costs a partial-block write. */
#define BADBLK_UNIT 512u

static int copy(struct ps_src *src, int fd, uint8_t *buf,
		void (*progress)(void *, uint64_t), void *ctx,
		struct ps_carve_stats *st, char *err, size_t errlen, const char *out)
{
	uint64_t off = 0, size = src->size, bad_end = UINT64_MAX;
	while (off < size) {
		uint64_t d, h;
		if (ps_src_next_data(src, off, &d) || (d < size && ps_src_next_hole(src, d, &h))) {
			snprintf(err, errlen, "%s", ps_src_error(src));
			return PS_EIO;
		}
		if (d >= size)
			break;
		/* a source without a hole after d (a stream) is data to the end */
		if (h <= d)
			h = size;
		for (uint64_t p = d; p < h;) {
			int sig = ps_intr_check();
			if (sig) {
				snprintf(err, errlen, "%s: interrupted by %s at offset %llu of %llu",
					 out, ps_intr_name(sig), (unsigned long long)p,
					 (unsigned long long)size);
				return PS_EIO;
			}
			size_t len = h - p < CARVE_CHUNK ? (size_t)(h - p) : CARVE_CHUNK;
			int rr = ps_src_pread(src, buf, len, p);
			/* a block marked unreadable: the chunk again in 512-byte
			 * pieces (the smallest sector), those marked as zeros */
			for (size_t k = 0; rr == PS_EBADBLK && k < len; k += BADBLK_UNIT) {
				size_t m = len - k < BADBLK_UNIT ? len - k : BADBLK_UNIT;
				int r2 = ps_src_pread(src, buf + k, m, p + k);
				if (r2 == PS_EBADBLK) {
					if (!st->bad_bytes && !st->bad_first)
						st->bad_first = strdup(ps_src_error(src));
					if (p + k != bad_end)
						st->bad_runs++;
					st->bad_bytes += m;
					bad_end = p + k + m;
					memset(buf + k, 0, m);
				} else if (r2) {
					rr = r2;
					break;
				}
				if (k + m >= len)
					rr = PS_OK;
			}
			if (rr) {
				snprintf(err, errlen, "%s", ps_src_error(src));
				return PS_EIO;
			}
			/* runs of non-zero 4 KiB blocks (aligned to the view) */
			uint64_t at;
			if (ps_pwrite_sparse_runs(fd, buf, len, p, &st->data, &at)) {
				const char *en = strerrorname_np(errno);
				snprintf(err, errlen, "%s: write error at offset %llu: %s (%s)",
					 out, (unsigned long long)at, strerror(errno),
					 en ? en : "?");
				return PS_EIO;
			}
			p += len;
			if (progress)
				progress(ctx, p);
		}
		off = h;
	}
	/* the holes at the end are done too: the bar reaches 100% now, not
	 * after the fsync of what was written */
	if (progress)
		progress(ctx, size);
	/* the holes at the end were never written: the size says they exist */
	if (ftruncate(fd, (off_t)size) < 0) {
		snprintf(err, errlen, "%s: cannot set size: %s", out, strerror(errno));
		return PS_EIO;
	}
	st->size = size;
	return PS_OK;
}

void ps_carve_stats_free(struct ps_carve_stats *st)
{
	free(st->bad_first);
	st->bad_first = NULL;
}

int ps_carve(struct ps_src *src, const char *out, int force,
	     void (*progress)(void *ctx, uint64_t done), void *ctx,
	     struct ps_carve_stats *st, char *err, size_t errlen)
{
	struct stat sb;
	memset(st, 0, sizeof(*st));
	/* OUT is never one of the files the image is read from, --force or
	 * not (src/outfile.h) */
	int r = ps_output_check(out, err, errlen);
	if (r)
		return r;
	if (!force && lstat(out, &sb) == 0) {
		snprintf(err, errlen, "%s: exists", out);
		return PS_EEXIST;
	}
	/* Written as OUT.partial and renamed at the end, so that OUT either
	 * does not exist or is the whole image: a run cut short never leaves
	 * a truncated image under the name the user will mount. */
	struct ps_outfile o;
	r = ps_outfile_open(&o, out, force ? PS_OUT_REPLACE | PS_OUT_CLEAR_STALE : 0,
			    0644, err, errlen);
	if (r == PS_EEXIST)
		r = PS_EPARTIAL;	/* forcing removes a stale one */
	if (r)
		return r;
	uint8_t *buf = NULL;
	r = posix_memalign((void **)&buf, 4096, CARVE_CHUNK) ? PS_ENOMEM : PS_OK;
	if (r)
		snprintf(err, errlen, "out of memory");
	if (!r)
		r = copy(src, o.fd, buf, progress, ctx, st, err, errlen, out);
	free(buf);
	/* on disk before the rename makes it visible under its real name */
	if (!r && fsync(o.fd) < 0) {
		snprintf(err, errlen, "%s: sync: %s", o.tmp, strerror(errno));
		r = PS_EIO;
	}
	if (!r) {
		/* without --force, an OUT created meanwhile by someone else is
		 * not replaced: the check at the start is not enough alone */
		r = ps_outfile_commit(&o, err, errlen);
	} else {
		/* nothing half-written is left under any name; say so */
		size_t n = strlen(err);
		char *tmp = strdup(o.tmp);
		int gone = ps_outfile_discard(&o) == 0;
		if (n + 1 < errlen)
			snprintf(err + n, errlen - n, "; %s %s", tmp ? tmp : "the partial copy",
				 gone ? "removed" : "could not be removed: delete it");
		free(tmp);
	}
	return r;
}
