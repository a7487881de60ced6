/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Applying a checked plan: the one place where repair writes to a disk.
 * Two targets, one shape: write, re-scan the written file from disk with
 * the rules of verify.c, keep it only if it comes out valid.
 *
 * The overlay check (ps_repair_verify) already proved the plan on the
 * bytes in memory; the re-scan from disk is there because what reached
 * the disk is what a kernel will read (a short write, a file changed
 * under us, a cache file that is not the image), and it costs one more
 * analysis.
 *
 * In place, the order is what makes a crash at any point recoverable: the
 * undo file is complete and durable (file and directory fsync'd) before
 * the image is even opened for writing, and the undo file accepts a patch
 * whose bytes are still the old ones, so `undo` restores a repair that
 * died after any number of patches.
 */
#include "outfile.h"
#include "line.h"
#include "interrupt.h"
#include "repair_priv.h"
#include "digest.h"
#include "err.h"
#include "imgsrc_open.h"
#include "le.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* ---- messages ---- */

void ps_repair_vmsg(char **msg, const char *fmt, va_list ap)
{
	ps_line_vset(msg, fmt, ap);
}

void ps_repair_msg_free(char **msg)
{
	ps_line_free(msg);
}

/* Record where the apply stopped; returns rc, for `return fail(...)`. */
static int fail(struct ps_apply_result *r, enum ps_repair_step step, int rc,
		int err, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail(struct ps_apply_result *r, enum ps_repair_step step, int rc,
		int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ps_repair_vmsg(&r->msg, fmt, ap);
	va_end(ap);
	r->rc = rc;
	r->step = step;
	r->sys_errno = err;
	return rc;
}

/* ---- file I/O ---- */

int ps_repair_write_patches(int fd, const struct ps_plan *p, bool use_new,
			    enum ps_repair_write w,
			    const struct ps_repair_faults *faults, size_t *done)
{
	*done = 0;
	for (size_t i = 0;; i++) {
		if (faults && faults->at_write) {
			int e = faults->at_write(faults->arg, w, i);
			if (e) {
				errno = e;
				return -1;
			}
		}
		if (i == p->n)
			break;
		const struct ps_patch *x = &p->p[i];
		if (ps_pwrite_all(fd, use_new ? x->new_ : x->old, x->len, x->off))
			return -1;
		*done = i + 1;
	}
	return fsync(fd);
}

/* A new file's name is durable only once its directory is synced. */
static int fsync_dir_of(const char *path)
{
	char *d = strdup(path);
	if (!d)
		return -1;
	int fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(d);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

/*
 * Reflink, else copy the data extents only. A reflink shares the blocks
 * (instant, no space); the fallback keeps a sparse image sparse, and also
 * leaves all-zero blocks inside data extents as holes, so a copy of a
 * 252 GiB region costs what its data costs.
 */
static int copy_fd(int in, int out, uint64_t size, bool *reflinked)
{
	*reflinked = false;
	if (ioctl(out, FICLONE, in) == 0) {
		*reflinked = true;
		return 0;
	}
	if (ftruncate(out, (off_t)size))
		return -1;
	size_t bl = 1 << 20;
	uint8_t *buf = malloc(bl);
	if (!buf)
		return -1;
	uint64_t off = 0;
	int rc = 0;
	while (off < size) {
		off_t d = lseek(in, (off_t)off, SEEK_DATA);
		if (d < 0 && errno == ENXIO)
			break;
		uint64_t h;
		if (d < 0) {	/* no SEEK_DATA: copy everything */
			d = (off_t)off;
			h = size;
		} else {
			off_t hh = lseek(in, d, SEEK_HOLE);
			h = hh < 0 ? size : (uint64_t)hh;
		}
		for (uint64_t x = (uint64_t)d; x < h;) {
			size_t k = h - x < bl ? (size_t)(h - x) : bl;
			if (ps_intr_check()) {	/* Ctrl-C: the copy is removed */
				errno = EINTR;
				rc = -1;
				goto out;
			}
			if (ps_pread_all(in, buf, k, x)) {
				rc = -1;
				goto out;
			}
			if (!ps_is_zero(buf, k) && ps_pwrite_all(out, buf, k, x)) {
				rc = -1;
				goto out;
			}
			x += k;
		}
		off = h;
	}
out:
	free(buf);
	return rc;
}

/*
 * The same from a source without a file of its own (an EWF or split raw
 * image): its sparse map and its reads. -2 (message in ps_src_error) if
 * reading fails, -1 (errno) if writing does.
 */
static int copy_src(struct ps_src *in, int out)
{
	if (ftruncate(out, (off_t)in->size))
		return -1;
	size_t bl = 1 << 20;
	uint8_t *buf = malloc(bl);
	if (!buf)
		return -1;
	uint64_t off = 0;
	int rc = 0;
	while (off < in->size && !rc) {
		uint64_t d, h;
		if (ps_src_next_data(in, off, &d) || ps_src_next_hole(in, d, &h)) {
			rc = -2;
			break;
		}
		if (h <= d)
			h = in->size;
		for (uint64_t x = d; x < h && !rc;) {
			size_t k = h - x < bl ? (size_t)(h - x) : bl;
			if (ps_intr_check()) {	/* Ctrl-C: the copy is removed */
				errno = EINTR;
				rc = -1;
				break;
			}
			if (ps_src_pread(in, buf, k, x))
				rc = -2;
			else if (!ps_is_zero(buf, k) && ps_pwrite_all(out, buf, k, x))
				rc = -1;
			x += k;
		}
		off = h;
	}
	free(buf);
	return rc;
}

/* The image the source reads, into out: -1 (errno) or -2 (ps_src_error). */
static int copy_image(struct ps_src *src, int out, bool *reflinked)
{
	*reflinked = false;
	if (src->fd >= 0 && src->fd_off == 0)
		return copy_fd(src->fd, out, src->size, reflinked);
	return copy_src(src, out);
}

/* ---- the re-scan ---- */

/*
 * Analyse path again from disk and check every unit the plan touched, in
 * plan order, stopping at the first that is not valid (res->checks,
 * res->rescan_why). 0 if every unit is valid.
 */
static int rescan(const char *path, const struct ps_analysis *before,
		  const struct ps_repair_opts *ro, const struct ps_plan *plan,
		  const struct ps_repair_faults *faults, struct ps_apply_result *res)
{
	char *why = res->rescan_why;
	size_t whylen = sizeof(res->rescan_why);
	struct ps_src *s;
	char err[PS_ERR_LINE_MAX];
	if (ps_src_open_file(path, &s, err, sizeof(err))) {
		snprintf(why, whylen, "%s", err);
		return -1;
	}
	struct ps_analysis_opts ao;
	memset(&ao, 0, sizeof(ao));
	ao.have_phys_base = ro->have_phys_base;
	ao.phys_base = ro->phys_base;
	int rc = ps_analyze(s, &ao, &res->rescan);
	if (rc) {
		snprintf(why, whylen, "re-scan of %s failed: %s", path, ps_strerror(rc));
		ps_analysis_free(&res->rescan);
		ps_src_close(s);
		return -1;
	}
	res->rescanned = true;
	int bad = 0;
	if (faults && faults->fail_rescan) {
		snprintf(why, whylen, "%s", faults->fail_rescan);
		bad = 1;
	}
	/* at most one check per patch: units are runs of patches */
	res->checks = plan->n && !bad ? calloc(plan->n, sizeof(*res->checks)) : NULL;
	if (plan->n && !bad && !res->checks) {
		snprintf(why, whylen, "out of memory");
		bad = 1;
	}
	int last = -1000000;	/* no unit has this number */
	for (size_t k = 0; k < plan->n && !bad; k++) {
		int u = plan->p[k].ns;
		if (u == last)
			continue;
		last = u;
		struct ps_unit_check *c = &res->checks[res->nchecks++];
		c->unit = u;
		c->valid = ps_repair_unit_valid(before, u, &res->rescan, s, ro, why, whylen);
		if (!c->valid) {
			c->why = strdup(why);
			bad = 1;
		}
	}
	/* --merge-mmap: every file reads as planned (docs/start_pad.md "Files with two contents: the split check") */
	for (size_t i = 0; i < plan->nmerge && !bad; i++)
		bad = ps_merge_verify(s, &plan->merge[i], why, whylen) ? 1 : 0;
	ps_src_close(s);
	return bad ? -1 : 0;
}

/* ---- the two targets ---- */

int ps_repair_can_apply(struct ps_src *src, const char *path, bool in_place,
			char *msg, size_t msglen)
{
	if (in_place) {
		uint8_t magic[8];
		size_t k = src->size < sizeof(magic) ? (size_t)src->size : sizeof(magic);
		enum ps_compression comp = k && !ps_src_pread(src, magic, k, 0) ?
					   ps_detect_compression(magic, k) : PS_COMP_NONE;
		if (comp != PS_COMP_NONE) {
			snprintf(msg, msglen, "%s: a %s-compressed dump cannot be repaired in place; use -o FIXED.img for a decoded, repaired copy",
				 path, ps_compression_name(comp));
			return PS_EUNSUPP;
		}
	}
	if (in_place) {
		/* an EWF or split raw set is read through ps_src_open_auto:
		 * its bytes are not those of the file opened for writing */
		struct ps_open_opts po = { .mode = PS_OPEN_STREAM };
		struct ps_src *probe;
		struct ps_container_info ci;
		char err[PS_ERR_LINE_MAX];
		if (ps_src_open_auto(path, &po, &probe, err, sizeof(err))) {
			snprintf(msg, msglen, "%s", err);
			return PS_EIO;
		}
		ps_src_container_info(probe, &ci);
		/* (ci points into the source: used before it is closed) */
		bool refuse = ci.kind == PS_CONT_EWF || ci.kind == PS_CONT_SPLIT;
		if (refuse)
			snprintf(msg, msglen, "%s: %s image in %zu segment%s: cannot be repaired in place; use -o FIXED.img for a repaired raw copy",
				 path, ci.format, ci.nsegments, ci.nsegments == 1 ? "" : "s");
		ps_src_close(probe);
		if (refuse)
			return PS_EUNSUPP;
		if (src->fd < 0) {
			snprintf(msg, msglen, "%s: no file descriptor for the image; cannot repair it in place", path);
			return PS_EUNSUPP;
		}
	}
	return PS_OK;
}

static int apply_copy(struct ps_src *src, const struct ps_analysis *before,
		      const struct ps_repair_opts *ro, const struct ps_plan *plan,
		      const struct ps_apply_opts *o, struct ps_apply_result *res)
{
	const char *out = o->output;
	/* never one of the image's files, never an existing file; written
	 * as OUT.partial, re-scanned there and only then renamed to OUT
	 * (src/outfile.h) */
	char m[4096 + 512];
	struct stat sb;
	if (lstat(out, &sb) == 0)
		return fail(res, PS_STEP_OPEN, PS_EEXIST, EEXIST,
			    "%s: cannot create: %s", out, strerror(EEXIST));
	if (ps_output_check(out, m, sizeof(m)))
		return fail(res, PS_STEP_OPEN, PS_EISINPUT, 0, "%s", m);
	struct ps_outfile of;
	int r = ps_outfile_open(&of, out, 0, 0644, m, sizeof(m));
	if (r)
		return fail(res, PS_STEP_OPEN, r, 0, "%s", m);
	int ofd = of.fd;
	int crc = copy_image(src, ofd, &res->reflinked);
	if (crc || ps_repair_write_patches(ofd, plan, true, PS_WRITE_PATCH, o->faults,
					   &res->written)) {
		int e = errno;
		ps_outfile_discard(&of);
		if (crc == -2)
			return fail(res, PS_STEP_WRITE, PS_EIO, 0, "%s: %s", out, ps_src_error(src));
		if (ps_intr_pending())
			return fail(res, PS_STEP_WRITE, PS_EIO, EINTR,
				    "%s: interrupted by %s while copying; the partial copy was removed",
				    out, ps_intr_name(ps_intr_pending()));
		return fail(res, PS_STEP_WRITE, PS_EIO, e, "%s: writing the copy failed: %s",
			    out, strerror(e));
	}
	close(ofd);
	of.fd = -1;
	if (rescan(of.tmp, before, ro, plan, o->faults, res)) {
		ps_outfile_discard(&of);
		res->state = PS_APPLY_ROLLED_BACK;
		return fail(res, PS_STEP_RESCAN, PS_EFORMAT, 0,
			    "%s: the repaired copy did not re-scan valid (%s); copy deleted",
			    out, res->rescan_why);
	}
	if ((r = ps_outfile_commit(&of, m, sizeof(m))))
		return fail(res, PS_STEP_WRITE, r, 0, "%s", m);
	res->state = PS_APPLY_KEPT;
	return PS_OK;
}

/* The undo file, complete and durable; nothing of the image written yet. */
static int write_undo_file(struct ps_src *src, const struct ps_plan *plan,
			   const struct ps_apply_opts *o, struct ps_apply_result *res)
{
	const char *up = o->undo_file;
	/* never one of the image's files (the image itself least of all),
	 * never an existing file, never through a symlink (src/outfile.h) */
	char m[4096 + 512];
	if (ps_output_check(up, m, sizeof(m)))
		return fail(res, PS_STEP_UNDO_FILE, PS_EISINPUT, 0, "%s", m);
	int ufd = open(up, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (ufd < 0) {
		int e = errno;
		return fail(res, PS_STEP_UNDO_FILE, e == EEXIST ? PS_EEXIST : PS_EIO, e,
			    "%s: cannot create the undo file: %s", up, strerror(e));
	}
	int rc = ps_undo_write_fd(ufd, o->image, src->size,
				  res->have_sha256 ? res->sha256 : NULL, plan);
	int e = errno;
	if (!rc && fsync(ufd)) {
		rc = PS_EIO;
		e = errno;
	}
	if (close(ufd) && !rc) {
		rc = PS_EIO;
		e = errno;
	}
	if (!rc && fsync_dir_of(up)) {
		rc = PS_EIO;
		e = errno;
	}
	if (rc) {
		unlink(up);
		return fail(res, PS_STEP_UNDO_FILE, rc, e,
			    "%s: writing the undo file failed: %s; the image was not touched",
			    up, strerror(e));
	}
	res->undo_written = true;
	return PS_OK;
}

/* The undo file goes again: the image is the original (nothing was
 * written, or every old byte was written back). */
static void drop_undo_file(const struct ps_apply_opts *o, struct ps_apply_result *res)
{
	unlink(o->undo_file);
	res->undo_removed = true;
}

static int apply_in_place(struct ps_src *src, const struct ps_analysis *before,
			  const struct ps_repair_opts *ro, const struct ps_plan *plan,
			  const struct ps_apply_opts *o, struct ps_apply_result *res)
{
	const char *path = o->image;
	int rc;
	if (!o->no_image_hash) {
		rc = ps_digest_src_progress(src, PS_DIGEST_SHA256,
					    ps_digest_default_threads(PS_DIGEST_SHA256),
					    res->sha256, res->sha256_hex, NULL,
					    o->hash_progress, o->hash_progress_ctx);
		if (rc)
			return fail(res, PS_STEP_HASH, rc, 0, "%s", ps_src_error(src));
		res->have_sha256 = true;
	}
	if ((rc = write_undo_file(src, plan, o, res)))
		return rc;
	int ifd = open(path, O_RDWR | O_CLOEXEC);
	if (ifd < 0) {
		int e = errno;
		drop_undo_file(o, res);
		return fail(res, PS_STEP_OPEN, PS_EIO, e,
			    "%s: cannot open for writing: %s; the image was not touched",
			    path, strerror(e));
	}
	/* The bytes must still be what the plan was made from: another
	 * writer, or a different file under the same name, would otherwise
	 * get bytes the undo file cannot account for. */
	for (size_t i = 0; i < plan->n; i++) {
		const struct ps_patch *x = &plan->p[i];
		uint8_t cur[PS_PATCH_MAX_LEN];
		bool unread = ps_pread_all(ifd, cur, x->len, x->off) != 0;
		if (unread || memcmp(cur, x->old, x->len)) {
			int e = unread ? errno : 0;
			close(ifd);
			drop_undo_file(o, res);
			return fail(res, unread ? PS_STEP_READ : PS_STEP_CHECK,
				    unread ? PS_EIO : PS_EFORMAT, e,
				    "%s: bytes at 0x%" PRIx64 " (%s) changed while planning; the image was not touched",
				    path, x->off, x->field);
		}
	}
	size_t undone;
	if (ps_repair_write_patches(ifd, plan, true, PS_WRITE_PATCH, o->faults,
				    &res->written)) {
		int e = errno;
		bool back = !ps_repair_write_patches(ifd, plan, false, PS_WRITE_ROLLBACK,
						     o->faults, &undone);
		close(ifd);
		res->state = back ? PS_APPLY_ROLLED_BACK : PS_APPLY_ROLLBACK_FAILED;
		/* (the undo file stays either way: it costs nothing and the
		 * message has always promised it) */
		return fail(res, PS_STEP_WRITE, PS_EIO, e,
			    "%s: writing a patch failed: %s; the original bytes were written back (undo file %s kept)",
			    path, strerror(e), o->undo_file);
	}
	if (rescan(path, before, ro, plan, o->faults, res)) {
		bool back = !ps_repair_write_patches(ifd, plan, false, PS_WRITE_ROLLBACK,
						     o->faults, &undone);
		close(ifd);
		if (back)
			drop_undo_file(o, res);
		res->state = back ? PS_APPLY_ROLLED_BACK : PS_APPLY_ROLLBACK_FAILED;
		return fail(res, PS_STEP_RESCAN, PS_EFORMAT, 0,
			    "%s: the repaired image did not re-scan valid (%s); %s", path,
			    res->rescan_why, back ? "rolled back to the original bytes (undo file removed)" :
			    "ROLLBACK FAILED");
	}
	close(ifd);
	res->state = PS_APPLY_KEPT;
	return PS_OK;
}

int ps_repair_apply(struct ps_src *src, const struct ps_analysis *before,
		    const struct ps_repair_opts *ro, const struct ps_plan *plan,
		    const struct ps_apply_opts *o, struct ps_apply_result *res)
{
	memset(res, 0, sizeof(*res));
	res->state = PS_APPLY_UNTOUCHED;
	if (!o->image || (!o->output && !o->undo_file))
		return fail(res, PS_STEP_OPEN, PS_EINVAL, 0,
			    "repair: no %s given", o->image ? "output or undo file" : "image");
	char msg[8192];
	int rc = ps_repair_can_apply(src, o->image, !o->output, msg, sizeof(msg));
	if (rc)
		return fail(res, PS_STEP_OPEN, rc, 0, "%s", msg);
	return o->output ? apply_copy(src, before, ro, plan, o, res) :
			   apply_in_place(src, before, ro, plan, o, res);
}

void ps_apply_result_free(struct ps_apply_result *res)
{
	ps_repair_msg_free(&res->msg);
	if (res->rescanned)
		ps_analysis_free(&res->rescan);
	for (size_t k = 0; k < res->nchecks; k++)
		free(res->checks[k].why);
	free(res->checks);
	memset(res, 0, sizeof(*res));
}
