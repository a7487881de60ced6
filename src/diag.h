/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Diagnostics: every problem a parser finds, with the absolute byte offset
 * of the field and its name. Parsers never stop at the first problem.
 */
#ifndef PS_DIAG_H
#define PS_DIAG_H
#include <stddef.h>
#include <stdint.h>

enum ps_sev { PS_SEV_INFO = 0, PS_SEV_WARN = 1, PS_SEV_ERR = 2 };

struct ps_diag {
	enum ps_sev sev;
	uint64_t off;		/* absolute offset in the image of the field */
	char field[32];		/* field name as in the kernel struct */
	char *msg;		/* whole, however long; owned by the list */
};

#define PS_DIAG_MAX 512		/* beyond this, counted in dropped */

struct ps_diags {
	struct ps_diag *v;
	size_t n, cap;
	size_t dropped;
};

/* Append one entry; fmt is printf's. An entry that cannot be stored (the
 * list is full, or memory ran out) is counted in dropped, never cut. */
void ps_diag_add(struct ps_diags *d, enum ps_sev sev, uint64_t off,
		 const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void ps_diags_init(struct ps_diags *d);
void ps_diags_free(struct ps_diags *d);
size_t ps_diags_count(const struct ps_diags *d, enum ps_sev min);
/* Append all of src into dst. */
void ps_diags_merge(struct ps_diags *dst, const struct ps_diags *src);
const char *ps_sev_name(enum ps_sev s);
/* Does d hold an entry with this field name at or above min severity? */
int ps_diags_has(const struct ps_diags *d, const char *field, enum ps_sev min);

#endif
