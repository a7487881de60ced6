/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "diag.h"
#include "err.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ps_diags_init(struct ps_diags *d)
{
	memset(d, 0, sizeof(*d));
}

void ps_diags_free(struct ps_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].msg);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

void ps_diag_add(struct ps_diags *d, enum ps_sev sev, uint64_t off,
		 const char *field, const char *fmt, ...)
{
	if (!d)
		return;
	/* A hostile image can make a parser complain about every one of
	 * millions of slots: the list is bounded, and the count of what was
	 * left out is kept so a report can say that it is incomplete. */
	if (d->n >= PS_DIAG_MAX) {
		d->dropped++;
		return;
	}
	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 8;
		struct ps_diag *nv = realloc(d->v, ncap * sizeof(*nv));
		if (!nv) {
			d->dropped++;
			return;
		}
		d->v = nv;
		d->cap = ncap;
	}
	/* allocated at its full length: a diagnostic is evidence, and a
	 * message cut at a fixed size can lose the value or offset at its end */
	char *msg;
	va_list ap;
	va_start(ap, fmt);
	int len = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (len < 0) {
		d->dropped++;
		return;
	}
	struct ps_diag *e = &d->v[d->n++];
	memset(e, 0, sizeof(*e));
	e->sev = sev;
	e->off = off;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	e->msg = msg;
}

size_t ps_diags_count(const struct ps_diags *d, enum ps_sev min)
{
	size_t c = 0;
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].sev >= min)
			c++;
	return c;
}

/* Through ps_diag_add, so the merged list keeps its bound and what did
 * not fit is counted, not lost silently. */
void ps_diags_merge(struct ps_diags *dst, const struct ps_diags *src)
{
	for (size_t i = 0; i < src->n; i++)
		ps_diag_add(dst, src->v[i].sev, src->v[i].off, src->v[i].field,
			    "%s", src->v[i].msg);
	dst->dropped += src->dropped;
}

int ps_diags_has(const struct ps_diags *d, const char *field, enum ps_sev min)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].sev >= min && strcmp(d->v[i].field, field) == 0)
			return 1;
	return 0;
}

const char *ps_sev_name(enum ps_sev s)
{
	switch (s) {
	case PS_SEV_INFO: return "info";
	case PS_SEV_WARN: return "warning";
	default: return "error";
	}
}

const char *ps_strerror(int err)
{
	switch (err) {
	case PS_OK: return "success";
	case PS_ENOTFOUND: return "structure not found";
	case PS_ETRUNC: return "truncated";
	case PS_EFORMAT: return "malformed structure";
	case PS_ERANGE: return "offset or size out of range";
	case PS_EIO: return "I/O error";
	case PS_ENOMEM: return "out of memory";
	case PS_EINVAL: return "invalid argument";
	case PS_EUNSUPP: return "not supported";
	case PS_EEXIST: return "output already exists";
	case PS_EAMBIG: return "ambiguous: more than one reading is possible";
	case PS_EISINPUT: return "the output is an input";
	case PS_EBADBLK: return "a block marked unreadable";
	case PS_EPARTIAL: return "the output's temporary file exists";
	case PS_ENOTEMPTY: return "the output directory is not empty";
	default: return "unknown error";
	}
}
