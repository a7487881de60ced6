/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Extraction writers: what they share, the choice by the output's name,
 * and the null writer (ls, and extract's dry runs). The directory writer
 * is extract_dir.c, the archive writer extract_archive.c. */
#include "extract_int.h"
#include "line.h"
#include "err.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writers: common ---- */

/* the writer's lines are line.h's: whole, freed with the writer */
#define wset ps_line_vset
#define wfree ps_line_free

void ps_werr(struct ps_writer *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	wset(&w->err, fmt, ap);
	va_end(ap);
}

void ps_wleft(struct ps_writer *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	wset(&w->left, fmt, ap);
	va_end(ap);
}

void ps_wwarn(struct ps_writer *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	wset(&w->warn, fmt, ap);
	va_end(ap);
	w->nwarn++;
}

void ps_wlost(struct ps_writer *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	wset(&w->lost, fmt, ap);
	va_end(ap);
	w->nlost++;
}

void ps_writer_err_clear(struct ps_writer *w)
{
	wfree(&w->err);
}

int ps_fatal_errno(int e)
{
	return e == ENOSPC || e == EDQUOT || e == EIO || e == EROFS ||
	       e == ENOMEM || e == EMFILE || e == ENFILE || e == EBADF;
}

/* errno-based failure: sets w->fatal for the errors that stop a run
 * (those name the errno too: "No space left on device (ENOSPC)") */
int ps_wfail(struct ps_writer *w, int e, const char *what, const char *name)
{
	if (ps_fatal_errno(e)) {
		const char *en = strerrorname_np(e);
		ps_werr(w, "%s %s: %s (%s)", what, name, strerror(e), en ? en : "?");
		w->fatal = 1;
	} else {
		ps_werr(w, "%s %s: %s", what, name, strerror(e));
	}
	return e == EEXIST ? PS_EEXIST : PS_EIO;
}

void ps_writer_free(struct ps_writer *w)
{
	if (!w)
		return;
	if (w->ops && w->ops->free)
		w->ops->free(w);
	wfree(&w->err);
	wfree(&w->warn);
	wfree(&w->lost);
	wfree(&w->left);
	free(w);
}

const char *ps_archive_kind(const char *out)
{
	static const char *const sfx[][2] = {
		{ ".tar", "tar" }, { ".tar.gz", "tar.gz" }, { ".tgz", "tar.gz" },
		{ ".tar.zst", "tar.zst" }, { ".tzst", "tar.zst" },
		{ ".tar.xz", "tar.xz" }, { ".txz", "tar.xz" }, { ".zip", "zip" },
	};
	size_t n = strlen(out);
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		size_t l = strlen(sfx[i][0]);
		if (n > l && !strcmp(out + n - l, sfx[i][0]))
			return sfx[i][1];
	}
	return NULL;
}

int ps_writer_open(const char *out, int force, struct ps_writer **w, char *err,
		   size_t errlen)
{
	if (ps_archive_kind(out))
		return ps_writer_archive_open(out, force, w, err, errlen);
	return ps_writer_dir_open_flags(out, force ? PS_WRITE_FORCE : 0, w, err, errlen);
}


/* ---- null writer ---- */

static int nw_dir_enter(struct ps_writer *w, const char *n, const struct ps_fs_stat *s)
{ (void)w; (void)n; (void)s; return PS_OK; }
static int nw_dir_leave(struct ps_writer *w, const struct ps_fs_stat *s)
{ (void)w; (void)s; return PS_OK; }
static int nw_file_begin(struct ps_writer *w, const char *n, const struct ps_fs_stat *s)
{ (void)w; (void)n; (void)s; return PS_OK; }
static int nw_file_data(struct ps_writer *w, uint64_t off, const void *b, size_t len)
{
	(void)off;
	/* touch the data so a reader's bad buffer shows up under ASan */
	volatile uint8_t x = 0;
	const uint8_t *p = b;
	for (size_t i = 0; i < len; i += 4096)
		x ^= p[i];
	if (len)
		x ^= p[len - 1];
	(void)x;
	(void)w;
	return PS_OK;
}
static int nw_file_end(struct ps_writer *w, int c) { (void)w; (void)c; return PS_OK; }
static int nw_entry(struct ps_writer *w, const char *n, const struct ps_fs_stat *s)
{ (void)w; (void)n; (void)s; return PS_OK; }
static int nw_hardlink(struct ps_writer *w, const char *n, const struct ps_fs_stat *s,
		       const char *t)
{ (void)w; (void)n; (void)s; (void)t; return PS_OK; }
static int nw_finish(struct ps_writer *w, int ok) { (void)w; (void)ok; return PS_OK; }
static void nw_free(struct ps_writer *w) { (void)w; }

static const struct ps_writer_ops null_ops = {
	nw_dir_enter, nw_dir_leave, nw_file_begin, nw_file_data, nw_file_end,
	nw_entry, nw_hardlink, nw_entry, nw_finish, nw_free, NULL,
	NULL, NULL, NULL, NULL,
};

int ps_writer_null_open(struct ps_writer **wp)
{
	*wp = calloc(1, sizeof(**wp));
	if (!*wp)
		return PS_ENOMEM;
	(*wp)->ops = &null_ops;
	(*wp)->can_xattr = 1;
	return PS_OK;
}

