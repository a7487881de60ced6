/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What every renderer shares and none of them owns: the scan's exit code
 * from the analysis, and a name from the image printed or put in JSON
 * with its control bytes escaped. */
#include "config.h"
#include "render.h"
#include "err.h"
#include "util.h"
#include <stdlib.h>
#include <string.h>

int render_exit_code(const struct ps_analysis *a)
{
	/* a filesystem the current metadata does not explain is a problem
	 * to look at, not "nothing found" */
	if (a->earlier.n)
		return 1;
	if (a->nns == 0 && a->scan.nrecs == 0 && a->labels.n == 0)
		return 2;
	int bad = ps_diags_count(&a->scan.diags, PS_SEV_ERR) > 0 ||
		  ps_diags_count(&a->diags, PS_SEV_ERR) > 0;
	for (size_t i = 0; i < a->scan.nrecs; i++)
		if (ps_diags_count(&a->scan.recs[i].diags, PS_SEV_ERR))
			bad = 1;
	for (size_t i = 0; i < a->nns; i++) {
		const struct ps_ns *ns = &a->ns[i];
		if (ps_diags_count(&ns->diags, PS_SEV_ERR))
			bad = 1;
		if (ns->nested_in < 0 && ns->verdict != PS_V_PROVEN &&
		    ns->verdict != PS_V_NODATA)
			bad = 1;
	}
	return bad;
}

json_object *render_jstr_img(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s), cap = 4 * n + 1;
	char *b = malloc(cap);
	if (!b)
		return NULL;
	ps_str_escape(s, n, 0, NULL, b, cap);
	json_object *o = json_object_new_string(b);
	free(b);
	return o;
}

void render_text_img(FILE *f, const char *s, const char *also)
{
	size_t n = strlen(s), cap = 4 * n + 1;
	char *b = malloc(cap);
	if (!b)
		return;
	ps_str_escape(s, n, PS_ESC_CONTROL, also, b, cap);
	fputs(b, f);
	free(b);
}
