/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "progress.h"
#include "imgsrc_open.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

double ps_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *ps_human_bytes(uint64_t n, char *buf, unsigned len)
{
	static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)n;
	unsigned i = 0;
	while (v >= 1024 && i < 5) {
		v /= 1024;
		i++;
	}
	snprintf(buf, len, i ? "%.1f %s" : "%.0f %s", v, u[i]);
	return buf;
}

/* The terminal's width: stderr's window size, else $COLUMNS, else 80. */
static unsigned term_width(void)
{
	struct winsize ws;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	const char *c = getenv("COLUMNS");
	char *end;
	long v = c ? strtol(c, &end, 10) : 0;
	if (c && *c && !*end && v > 0 && v < 10000)
		return (unsigned)v;
	return 80;
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
	p->input = 0;
	p->in_pos = p->in_total = 0;
	p->full_drawn = 0;
	p->width = p->enabled ? term_width() : 80;
	/* a test sees the bar of a short run with PMEMSCAN_PROGRESS_AFTER=0 */
	const char *a = getenv("PMEMSCAN_PROGRESS_AFTER");
	char *end;
	double v = a ? strtod(a, &end) : 1.0;
	p->after = a && *a && !*end && v >= 0 && v < 3600 ? v : 1.0;
}

static void add(char *buf, size_t len, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void add(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
	if (*n >= len)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(buf + *n, len - *n, fmt, ap);
	va_end(ap);
	if (k > 0)
		*n = *n + (size_t)k < len ? *n + (size_t)k : len - 1;
}

/* The line with some of its parts: bit 0 the total, bit 1 the file
 * count, bit 2 the rate. In input mode the percentage and the time left
 * are the input's (in_pos of in_total), the bytes are the output's. */
static size_t line_parts(const struct ps_progress *p, double now, char *buf,
			 size_t len, unsigned parts)
{
	double el = now - p->start;
	double rate = el > 0 ? (double)p->done / el : 0;
	uint64_t num = p->input ? p->in_pos : p->done;
	uint64_t den = p->input ? p->in_total : p->total;
	double nrate = el > 0 ? (double)num / el : 0;
	char d[32], t[32], r[32];
	size_t n = 0;
	buf[0] = 0;
	add(buf, len, &n, "%s: %s", p->label, ps_human_bytes(p->done, d, sizeof(d)));
	if (p->input && (parts & 1))
		add(buf, len, &n, " written");
	if (den) {
		/* an estimate can be passed: never 100% before the end */
		unsigned pct = num >= den ? 100 :
			       (unsigned)((double)num * 100.0 / (double)den);
		if ((pct >= 100 && num < den) || num > den)
			pct = 99;
		if (p->input)
			add(buf, len, &n, (parts & 1) ? " (%u%% of the input)" : " (%u%%)", pct);
		else if (parts & 1)
			add(buf, len, &n, " of %s (%u%%)", ps_human_bytes(den, t, sizeof(t)), pct);
		else
			add(buf, len, &n, " (%u%%)", pct);
	}
	if (parts & 4)
		add(buf, len, &n, "  %s/s", ps_human_bytes((uint64_t)rate, r, sizeof(r)));
	if (p->files && (parts & 2))
		add(buf, len, &n, "  %llu files", (unsigned long long)p->files);
	if (den && num < den && nrate > 0) {
		uint64_t left = (uint64_t)((double)(den - num) / nrate);
		if (left >= 3600)
			add(buf, len, &n, "  %llu:%02llu:%02llu left", (unsigned long long)(left / 3600),
			    (unsigned long long)(left / 60 % 60), (unsigned long long)(left % 60));
		else
			add(buf, len, &n, "  %llu:%02llu left", (unsigned long long)(left / 60),
			    (unsigned long long)(left % 60));
	}
	return n;
}

void ps_progress_line(const struct ps_progress *p, double now, char *buf,
		      size_t len, unsigned width)
{
	/* one column short of the width: a full line wraps on some terminals
	 * and every redraw would start a new line. Narrow: the total goes
	 * first, then the file count, then the rate, then the end is cut. */
	size_t max = width > 1 ? width - 1 : 1;
	static const unsigned tries[] = { 7, 6, 4, 0 };
	size_t n = 0;
	for (size_t k = 0; k < sizeof(tries) / sizeof(tries[0]); k++) {
		n = line_parts(p, now, buf, len, tries[k]);
		if (n <= max)
			return;
	}
	if (n > max && max < len)
		buf[max] = 0;
}

/* the bar on screen, if any: a line written to stderr erases it first */
static struct ps_progress *shown;

void cli_progress_erase(void)
{
	if (shown && shown->enabled && shown->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		shown->drawn = 0;	/* drawn again at its next update */
	}
}

static ssize_t log_write(void *c, const char *buf, size_t len)
{
	(void)c;
	cli_progress_erase();
	size_t n = fwrite(buf, 1, len, stderr);
	fflush(stderr);
	return n ? (ssize_t)n : -1;
}

FILE *cli_progress_log(void)
{
	static FILE *f;
	if (!f) {
		cookie_io_functions_t io = { .write = log_write };
		f = fopencookie(NULL, "w", io);
		if (!f)
			return stderr;
		setvbuf(f, NULL, _IOLBF, 0);	/* one write a line */
	}
	return f;
}

static void draw(struct ps_progress *p, double now)
{
	char line[256];
	unsigned w = p->width < sizeof(line) ? p->width : (unsigned)sizeof(line);
	ps_progress_line(p, now, line, sizeof(line), w);
	/* \r, the line, then clear to the end of the line (what a longer
	 * earlier line left) */
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	p->drawn = 1;
	shown = p;
}

static void maybe_draw(struct ps_progress *p)
{
	if (!p->enabled)
		return;
	double now = ps_now();
	uint64_t num = p->input ? p->in_pos : p->done;
	uint64_t den = p->input ? p->in_total : p->total;
	/* the moment the known total is reached is drawn at once: the bar
	 * shows 100% as the last byte is written, not only at the end */
	int full = den && num >= den;
	/* nothing for runs under a second; then a few redraws a second */
	if (now - p->start < p->after)
		return;
	if (p->drawn && now - p->last < 0.25 && !(full && !p->full_drawn))
		return;
	p->last = now;
	draw(p, now);
	p->full_drawn = full;
}

void ps_progress_update(struct ps_progress *p, uint64_t done, uint64_t files)
{
	p->done = done;
	p->files = files;
	maybe_draw(p);
}

void ps_progress_update_input(struct ps_progress *p, uint64_t done, uint64_t in_pos,
			      uint64_t in_total)
{
	p->input = 1;
	p->done = done;
	p->in_pos = in_pos;
	p->in_total = in_total;
	maybe_draw(p);
}

void ps_progress_end(struct ps_progress *p)
{
	if (p->enabled && p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->drawn = 0;
	if (shown == p)
		shown = NULL;
}

void ps_progress_finish(struct ps_progress *p, uint64_t done)
{
	/* the 100% line of this count is on screen already */
	int same = p->full_drawn && p->done == done;
	p->done = done;
	p->total = done;
	if (p->input)
		p->in_total = p->in_pos = p->in_total ? p->in_total : p->in_pos;
	if (p->enabled && p->drawn && !same)
		draw(p, ps_now());
	ps_progress_end(p);
}

/* ---- the bar of the cache fill (decoding a dump, reading a pipe) ---- */

struct fill_bar {
	struct ps_progress pg;
	int quiet, on;
	char label[40];
};

static void fill_cb(void *arg, const char *what, uint64_t written, uint64_t in_pos,
		    uint64_t in_total, int last)
{
	struct fill_bar *f = arg;
	if (!f->on) {
		snprintf(f->label, sizeof(f->label), "%s",
			 !strcmp(what, "reading") ? "reading the pipe" : what);
		ps_progress_init(&f->pg, f->label, 0, f->quiet);
		f->on = 1;
	}
	if (in_total)
		ps_progress_update_input(&f->pg, written, in_pos, in_total);
	else
		ps_progress_update(&f->pg, written, 0);
	if (last > 0)
		ps_progress_finish(&f->pg, written);
	else if (last < 0)
		ps_progress_end(&f->pg);
	if (last)
		f->on = 0;
}

void cli_fill_progress_attach(struct ps_open_opts *oo, int quiet)
{
	/* one fill at a time: a pipe is read, then its copy decoded */
	static struct fill_bar fill;
	fill.quiet = quiet;
	fill.on = 0;
	oo->fill_progress = fill_cb;
	oo->fill_progress_arg = &fill;
}
