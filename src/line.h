/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A line of words kept by the object it is about (src/err.h rule 2: a
 * handle's line is sized to fit, never cut): made from a format, freed
 * with its owner. When memory runs out the line says so and needs none.
 */
#ifndef PS_LINE_H
#define PS_LINE_H
#include <stdarg.h>

/* *slot = the formatted line, whole; the old line is freed after the new
 * one is made (the arguments may quote it). */
void ps_line_set(char **slot, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ps_line_vset(char **slot, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Free *slot (NULL is fine) and set it to NULL. */
void ps_line_free(char **slot);

#endif
