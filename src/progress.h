/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Progress bar on stderr for long runs: bytes done, rate, time left.
 * Quiet when stderr is not a terminal or when asked to be.
 */
#ifndef PS_PROGRESS_H
#define PS_PROGRESS_H
#include <stdint.h>

struct ps_progress {
	int enabled;
	const char *label;
	uint64_t total;		/* 0: unknown (no percentage, no time left) */
	uint64_t done, files;
	double start, last;
	int drawn;
};

void ps_progress_init(struct ps_progress *p, const char *label, uint64_t total,
		      int quiet);
/* Redraws at most a few times a second. */
void ps_progress_update(struct ps_progress *p, uint64_t done, uint64_t files);
/* Erase the bar (before printing the summary). */
void ps_progress_end(struct ps_progress *p);
double ps_now(void);

#endif
