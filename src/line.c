/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The owned line of words every handle keeps its error in (line.h). */
#include "line.h"
#include <stdio.h>
#include <stdlib.h>

/* the line when memory for the real one runs out (never freed) */
static char line_oom[] = "out of memory";

void ps_line_vset(char **slot, const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	ps_line_free(slot);
	*slot = s ? s : line_oom;
}

void ps_line_set(char **slot, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ps_line_vset(slot, fmt, ap);
	va_end(ap);
}

void ps_line_free(char **slot)
{
	if (*slot != line_oom)
		free(*slot);
	*slot = NULL;
}
