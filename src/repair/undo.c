/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Undo files (format: docs/repair.md) and undoing with one: text, so an
 * examiner can read what a repair changed; its last line is the sha256 of
 * every byte before it, so a file cut short by a crash, or edited, is
 * refused rather than half applied.
 */
#include "repair_priv.h"
#include "digest.h"
#include "err.h"
#include "le.h"
#include "imgsrc.h"
#include "phys.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the undo file format ---- */

struct sbuf {
	char *s;
	size_t n, cap;
	int oom;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		if (b->oom)
			return;
		size_t room = b->cap - b->n;
		va_start(ap, fmt);
		int k = vsnprintf(b->s ? b->s + b->n : NULL, room, fmt, ap);
		va_end(ap);
		if (k < 0) {
			b->oom = 1;
			return;
		}
		if ((size_t)k < room) {
			b->n += (size_t)k;
			return;
		}
		size_t nc = (b->cap + (size_t)k + 1) * 2;
		char *v = realloc(b->s, nc);
		if (!v) {
			b->oom = 1;
			return;
		}
		b->s = v;
		b->cap = nc;
	}
}

#define UNDO_MAGIC "PMEMSCAN-UNDO 1\n"

/* sha256 of a buffer, for the file's own "end" line. */
static int sha256_buf(const void *b, size_t n, uint8_t out[PS_DIGEST_SIZE])
{
	struct ps_digest *d;
	int rc = ps_digest_new(PS_DIGEST_SHA256, &d);
	if (rc)
		return rc;
	rc = ps_digest_data(d, b, n);
	if (!rc)
		rc = ps_digest_final(d, out, NULL);
	ps_digest_free(d);
	return rc;
}

int ps_undo_write_fd(int fd, const char *image, uint64_t image_size,
		     const uint8_t sha[32], const struct ps_plan *plan)
{
	struct sbuf b = { 0 };
	char h[2 * PS_PATCH_MAX_LEN + 1];
	sb_printf(&b, "%s", UNDO_MAGIC);
	sb_printf(&b, "image ");
	for (const char *p = image; *p; p++)	/* informational; one line */
		sb_printf(&b, "%c", *p == '\n' || *p == '\r' ? '?' : *p);
	sb_printf(&b, "\nsize %" PRIu64 "\n", image_size);
	if (sha)
		ps_hex(sha, 32, h);
	else
		snprintf(h, sizeof(h), "none");
	sb_printf(&b, "sha256 %s\npatches %zu\n", h, plan->n);
	for (size_t i = 0; i < plan->n; i++) {
		const struct ps_patch *x = &plan->p[i];
		char fld[sizeof(x->field)];
		size_t fi = 0;
		for (; x->field[fi] && fi < sizeof(fld) - 1; fi++)	/* one word */
			fld[fi] = x->field[fi] > ' ' && x->field[fi] < 127 ? x->field[fi] : '_';
		fld[fi] = 0;
		sb_printf(&b, "patch 0x%" PRIx64 " %u %s ", x->off, x->len, fi ? fld : "bytes");
		ps_hex(x->old, x->len, h);
		sb_printf(&b, "%s ", h);
		ps_hex(x->new_, x->len, h);
		sb_printf(&b, "%s\n", h);
	}
	uint8_t dg[32];
	if (b.oom || sha256_buf(b.s, b.n, dg)) {
		free(b.s);
		return PS_ENOMEM;
	}
	ps_hex(dg, 32, h);
	sb_printf(&b, "end %s\n", h);
	if (b.oom) {
		free(b.s);
		return PS_ENOMEM;
	}
	int w = ps_write_all(fd, b.s, b.n);
	free(b.s);
	return w ? PS_EIO : PS_OK;
}

void ps_undo_free(struct ps_undo *u)
{
	free(u->image);
	u->image = NULL;
	ps_plan_free(&u->plan);
}

/* Next line of text [*pos, len) without its newline; NULL at the end. */
static const char *next_line(const char *t, size_t len, size_t *pos, size_t *ll)
{
	if (*pos >= len)
		return NULL;
	const char *s = t + *pos;
	const char *nl = memchr(s, '\n', len - *pos);
	if (!nl)
		return NULL;	/* every line ends in a newline */
	*ll = (size_t)(nl - s);
	*pos += *ll + 1;
	return s;
}

int ps_undo_parse(const char *t, size_t len, struct ps_undo *u, char *err,
		  size_t errlen)
{
	memset(u, 0, sizeof(*u));
	ps_plan_init(&u->plan);
	size_t ml = strlen(UNDO_MAGIC);
	if (len < ml || memcmp(t, UNDO_MAGIC, ml)) {
		snprintf(err, errlen, "not a pmemscan undo file (no '%.*s' line)",
			 (int)ml - 1, UNDO_MAGIC);
		return PS_EFORMAT;
	}
	/* The checksum line covers every byte before it. */
	const char *endl = NULL;
	for (size_t i = len >= 5 ? len - 4 : 0; i > 0; i--)	/* t[i-1 .. i+3] */
		if (!memcmp(t + i - 1, "\nend ", 5)) {
			endl = t + i;
			break;
		}
	if (!endl || (size_t)(t + len - endl) != 4 + 64 + 1 || t[len - 1] != '\n') {
		snprintf(err, errlen, "undo file is incomplete (no final 'end' checksum line): it was not fully written; the image was not touched by that run");
		return PS_EFORMAT;
	}
	size_t body = (size_t)(endl - t);
	uint8_t want[32], dg[32];
	if (ps_unhex(endl + 4, 32, want)) {
		snprintf(err, errlen, "undo file: bad 'end' checksum line");
		return PS_EFORMAT;
	}
	if (sha256_buf(t, body, dg)) {
		snprintf(err, errlen, "undo file: out of memory");
		return PS_ENOMEM;
	}
	if (memcmp(dg, want, 32)) {
		snprintf(err, errlen, "undo file checksum mismatch: the file is damaged; refusing to use it");
		return PS_EFORMAT;
	}
	size_t pos = ml, ll;
	const char *l;
	int have = 0;
	size_t npatch = 0;
	while ((l = next_line(t, body, &pos, &ll))) {
		char line[2 * (2 * PS_PATCH_MAX_LEN + 1) + 128];
		if (ll >= sizeof(line)) {
			snprintf(err, errlen, "undo file: line too long at byte %zu", pos - ll - 1);
			goto bad;
		}
		memcpy(line, l, ll);
		line[ll] = 0;
		if (!strncmp(line, "image ", 6)) {
			free(u->image);
			u->image = strndup(line + 6, ll - 6);
			if (!u->image) {
				snprintf(err, errlen, "out of memory");
				ps_undo_free(u);
				return PS_ENOMEM;
			}
			have |= 1;
		} else if (!strncmp(line, "size ", 5)) {
			char *e;
			errno = 0;
			u->image_size = strtoull(line + 5, &e, 10);
			if (errno || *e) {
				snprintf(err, errlen, "undo file: bad size line");
				goto bad;
			}
			have |= 2;
		} else if (!strncmp(line, "sha256 ", 7)) {
			if (!strcmp(line + 7, "none")) {
				u->have_sha256 = false;
			} else if (strlen(line + 7) != 64 || ps_unhex(line + 7, 32, u->sha256)) {
				snprintf(err, errlen, "undo file: bad sha256 line");
				goto bad;
			} else {
				u->have_sha256 = true;
			}
			have |= 4;
		} else if (!strncmp(line, "patches ", 8)) {
			char *e;
			errno = 0;
			npatch = strtoull(line + 8, &e, 10);
			if (errno || *e || npatch > 100000) {
				snprintf(err, errlen, "undo file: bad patches line");
				goto bad;
			}
			have |= 8;
		} else if (!strncmp(line, "patch ", 6)) {
			char field[32], *oh, *nh, *e;
			uint64_t off;
			unsigned long l2;
			errno = 0;
			off = strtoull(line + 6, &e, 16);
			if (errno || *e != ' ')
				goto badpatch;
			l2 = strtoul(e + 1, &e, 10);
			if (errno || *e != ' ' || !l2 || l2 > PS_PATCH_MAX_LEN)
				goto badpatch;
			char *f = e + 1, *sp = strchr(f, ' ');
			if (!sp || (size_t)(sp - f) >= sizeof(field))
				goto badpatch;
			memcpy(field, f, (size_t)(sp - f));
			field[sp - f] = 0;
			oh = sp + 1;
			if (strlen(oh) != 2 * (2 * l2) + 1 || oh[2 * l2] != ' ')
				goto badpatch;
			nh = oh + 2 * l2 + 1;
			uint8_t ob[PS_PATCH_MAX_LEN], nb[PS_PATCH_MAX_LEN];
			if (ps_unhex(oh, l2, ob) || ps_unhex(nh, l2, nb))
				goto badpatch;
			uint64_t end;
			if (ps_add_ovf(off, l2, &end) || (have & 2 && end > u->image_size))
				goto badpatch;
			if (ps_plan_add(&u->plan, -1, "undo", off, ob, nb, (uint32_t)l2,
					field, NULL, NULL,
					&(struct ps_repair_why){ .kind = PS_RW_PATCH_UNDO }))
				goto badpatch;
		} else {
			snprintf(err, errlen, "undo file: unknown line '%.40s'", line);
			goto bad;
		}
		continue;
badpatch:
		snprintf(err, errlen, "undo file: bad patch line %zu", u->plan.n + 1);
		goto bad;
	}
	if (have != 15 || u->plan.n != npatch) {
		snprintf(err, errlen, "undo file: missing header lines or patch count %zu != %zu",
			 u->plan.n, npatch);
		goto bad;
	}
	for (size_t i = 0; i < u->plan.n; i++)
		if (u->plan.p[i].off + u->plan.p[i].len > u->image_size) {
			snprintf(err, errlen, "undo file: patch %zu beyond the image size", i + 1);
			goto bad;
		}
	return PS_OK;
bad:
	ps_undo_free(u);
	return PS_EFORMAT;
}

/* ---- undoing a repair ---- */

static int ufail(struct ps_undo_result *r, enum ps_repair_step step, int rc,
		 int err, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int ufail(struct ps_undo_result *r, enum ps_repair_step step, int rc,
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

/* Does the image hold the recorded sha256 again? */
static int check_sha256(const char *image, const struct ps_undo *u,
			struct ps_undo_result *res)
{
	struct ps_src *s;
	char err[PS_ERR_LINE_MAX];
	if (ps_src_open_file(image, &s, err, sizeof(err)))
		return ufail(res, PS_STEP_HASH, PS_EIO, 0, "%s", err);
	uint8_t sha[PS_DIGEST_SIZE];
	int rc = ps_digest_src(s, PS_DIGEST_SHA256,
			       ps_digest_default_threads(PS_DIGEST_SHA256), sha,
			       res->sha256_hex, NULL);
	ps_src_close(s);
	if (rc || memcmp(sha, u->sha256, sizeof(sha))) {
		char want[2 * PS_DIGEST_SIZE + 1];
		ps_hex(u->sha256, sizeof(u->sha256), want);
		return ufail(res, PS_STEP_VERIFY, rc ? rc : PS_EFORMAT, 0,
			     "%s: restored %zu patch%s but the sha256 is %s, not the recorded %s",
			     image, u->plan.n, u->plan.n == 1 ? "" : "es",
			     rc ? "unreadable" : res->sha256_hex, want);
	}
	return PS_OK;
}

/*
 * Would putting the old bytes back give the sha256 recorded before the
 * repair? Asked of the image as it would be (the old bytes laid over it in
 * memory), before anything is written: an undo file applied to another
 * image, even one repaired the same way (the same new bytes at the same
 * offsets), is refused and that image is left as it was.
 */
static int check_before(const char *image, const struct stat *wst,
			const struct ps_undo *u, struct ps_undo_result *res)
{
	struct ps_src *s, *ov = NULL;
	char err[PS_ERR_LINE_MAX];
	if (ps_src_open_file(image, &s, err, sizeof(err)))
		return ufail(res, PS_STEP_HASH, PS_EIO, 0, "%s", err);
	struct stat rst;
	if (s->fd < 0 || fstat(s->fd, &rst) || rst.st_dev != wst->st_dev ||
	    rst.st_ino != wst->st_ino) {
		ps_src_close(s);
		return ufail(res, PS_STEP_OPEN, PS_EIO, 0,
			     "%s: replaced while it was being opened; refusing (nothing written)", image);
	}
	uint8_t sha[PS_DIGEST_SIZE];
	char hex[2 * PS_DIGEST_SIZE + 1];
	int rc = ps_src_overlay_old(s, &u->plan, &ov);
	if (!rc)
		rc = ps_digest_src(ov, PS_DIGEST_SHA256,
				   ps_digest_default_threads(PS_DIGEST_SHA256), sha, hex, NULL);
	if (rc) {
		ufail(res, PS_STEP_HASH, rc, 0, "%s: %s; nothing written", image,
		      ps_src_strerror(ov ? ov : s, rc));
		ps_src_close(ov);
		ps_src_close(s);
		return rc;
	}
	ps_src_close(ov);
	ps_src_close(s);
	if (memcmp(sha, u->sha256, sizeof(sha))) {
		char want[2 * PS_DIGEST_SIZE + 1];
		ps_hex(u->sha256, sizeof(u->sha256), want);
		return ufail(res, PS_STEP_CHECK, PS_EFORMAT, 0,
			     "%s: with the undo file's %zu patch%s put back its sha256 would be %s, not the recorded %s: not the image the undo file was made for, or changed since; refusing (nothing written)",
			     image, u->plan.n, u->plan.n == 1 ? "" : "es", hex, want);
	}
	return PS_OK;
}

int ps_repair_undo(const char *undo_file, const char *image,
		   const struct ps_repair_faults *faults, struct ps_undo_result *res)
{
	memset(res, 0, sizeof(*res));
	char err[PS_ERR_LINE_MAX];
	/* 64 MiB: far more than any plan (patches are <= 4 KiB, a few per
	 * unit), little enough to read whole */
	char *text = ps_read_text_file(undo_file, 64 << 20, err, sizeof(err));
	if (!text)
		return ufail(res, PS_STEP_UNDO_FILE, PS_EIO, 0, "%s", err);
	struct ps_undo u;
	int rc = ps_undo_parse(text, strlen(text), &u, err, sizeof(err));
	free(text);
	if (rc)
		return ufail(res, PS_STEP_UNDO_FILE, rc, 0, "%s: %s", undo_file, err);
	res->npatches = u.plan.n;
	res->have_sha256 = u.have_sha256;
	int fd = open(image, O_RDWR | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st)) {
		int e = errno;
		ufail(res, PS_STEP_OPEN, PS_EIO, e, "%s: cannot open for writing: %s",
		      image, strerror(e));
		goto out;
	}
	if ((uint64_t)st.st_size != u.image_size) {
		ufail(res, PS_STEP_OPEN, PS_EINVAL, 0,
		      "%s: size %" PRIu64 " is not the %" PRIu64 " bytes the undo file was made for; refusing",
		      image, (uint64_t)st.st_size, u.image_size);
		goto out;
	}
	/* Every patch either applied (new bytes) or not yet (old bytes, a
	 * repair that died midway); anything else means the image changed
	 * since, and writing the old bytes would not give the original. */
	for (size_t i = 0; i < u.plan.n; i++) {
		const struct ps_patch *x = &u.plan.p[i];
		uint8_t cur[PS_PATCH_MAX_LEN];
		if (ps_pread_all(fd, cur, x->len, x->off)) {
			int e = errno;
			ufail(res, PS_STEP_READ, PS_EIO, e, "%s: read error at 0x%" PRIx64 ": %s",
			      image, x->off, strerror(e));
			goto out;
		}
		if (!memcmp(cur, x->new_, x->len))
			res->reverted++;
		else if (memcmp(cur, x->old, x->len)) {
			ufail(res, PS_STEP_CHECK, PS_EFORMAT, 0,
			      "%s: bytes at 0x%" PRIx64 " (%s) are neither the repair's nor the original: the image changed since; refusing (nothing written)",
			      image, x->off, x->field);
			goto out;
		}
	}
	if (u.have_sha256 && check_before(image, &st, &u, res))
		goto out;
	size_t done;
	if (ps_repair_write_patches(fd, &u.plan, false, PS_WRITE_UNDO, faults, &done)) {
		int e = errno;
		ufail(res, PS_STEP_WRITE, PS_EIO, e, "%s: writing failed: %s", image, strerror(e));
		goto out;
	}
	close(fd);
	fd = -1;
	if (u.have_sha256)
		check_sha256(image, &u, res);
out:
	if (fd >= 0)
		close(fd);
	ps_undo_free(&u);
	return res->rc;
}

void ps_undo_result_free(struct ps_undo_result *res)
{
	ps_repair_msg_free(&res->msg);
	memset(res, 0, sizeof(*res));
}
