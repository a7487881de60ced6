/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "progress.h"
#include "util.h"
#include <stdio.h>
#include <time.h>
#include <unistd.h>

double ps_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ps_progress_init(struct ps_progress *p, const char *label, uint64_t total,
		      int quiet)
{
	p->enabled = !quiet && isatty(STDERR_FILENO);
	p->label = label;
	p->total = total;
	p->done = p->files = 0;
	p->start = p->last = ps_now();
	p->drawn = 0;
}

void ps_progress_update(struct ps_progress *p, uint64_t done, uint64_t files)
{
	p->done = done;
	p->files = files;
	if (!p->enabled)
		return;
	double now = ps_now();
	if (now - p->last < 0.25)
		return;
	p->last = now;
	double el = now - p->start;
	double rate = el > 0 ? (double)done / el : 0;
	char d[32], r[32], line[160];
	int n = snprintf(line, sizeof(line), "%s: %s", p->label,
			 ps_human_fmt(done, PS_HUMAN_TENTHS, d, sizeof(d)));
	if (p->total && done <= p->total) {
		n += snprintf(line + n, sizeof(line) - (size_t)n, " (%.0f%%)",
			      100.0 * (double)done / (double)p->total);
	}
	n += snprintf(line + n, sizeof(line) - (size_t)n, "  %s/s",
		      ps_human_fmt((uint64_t)rate, PS_HUMAN_TENTHS, r, sizeof(r)));
	if (files)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "  %llu files",
			      (unsigned long long)files);
	if (p->total && done < p->total && rate > 0) {
		uint64_t left = (uint64_t)((double)(p->total - done) / rate);
		snprintf(line + n, sizeof(line) - (size_t)n, "  %llu:%02llu left",
			 (unsigned long long)(left / 60), (unsigned long long)(left % 60));
	}
	fprintf(stderr, "\r%-78.78s", line);
	fflush(stderr);
	p->drawn = 1;
}

void ps_progress_end(struct ps_progress *p)
{
	if (p->enabled && p->drawn) {
		fprintf(stderr, "\r%78s\r", "");
		fflush(stderr);
	}
	p->drawn = 0;
}
