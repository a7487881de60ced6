/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the extraction writers share (src/extract_writer.c), private to
 * the writers: one-line errors and warnings carried in the handle, and
 * which errno values stop a run (a full disk stops it; a name the output
 * cannot take does not).
 */
#ifndef PS_EXTRACT_INT_H
#define PS_EXTRACT_INT_H
#include "extract.h"

void ps_werr(struct ps_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* what a fatal stop left behind (w->left) */
void ps_wleft(struct ps_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ps_wwarn(struct ps_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* metadata of an entry written that could not be kept (an xattr): the
 * walker counts it as an error of that entry */
void ps_wlost(struct ps_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* e stops the run (ENOSPC, EIO, EROFS, ...) */
int ps_fatal_errno(int e);
/* errno-based failure: "WHAT NAME: strerror", w->fatal for the errors
 * that stop a run (then "strerror (ENAME)"); returns PS_EEXIST for
 * EEXIST (a --force merge keeps what is there), else PS_EIO */
int ps_wfail(struct ps_writer *w, int e, const char *what, const char *name);

#endif
