/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Progress bar on stderr for long runs: bytes done, rate, time left. It
 * appears once a run has taken a second, fits the terminal's width
 * (TIOCGWINSZ on stderr, else $COLUMNS, else 80), and is off when stderr
 * is not a terminal or when asked to be (--quiet). The CLI's, not the
 * library's: the library reports progress through callbacks.
 */
#ifndef PS_PROGRESS_H
#define PS_PROGRESS_H
#include <stddef.h>
#include <stdint.h>

struct ps_progress {
	int enabled;
	const char *label;
	uint64_t total;		/* 0: unknown (no percentage, no time left) */
	uint64_t done, files;
	double start, last;
	int drawn;
	unsigned width;		/* columns of the terminal, at init */
	double after;		/* seconds before the first draw: 1, or
				 * $PMEMSCAN_PROGRESS_AFTER (tests) */
	/* input mode (ps_progress_update_input): done is the output written,
	 * the percentage and time left come from the input's position */
	int input;
	uint64_t in_pos, in_total;	/* in_total 0: unknown */
	int full_drawn;		/* the 100% line is on screen */
};

void ps_progress_init(struct ps_progress *p, const char *label, uint64_t total,
		      int quiet);
/* Redraws at most a few times a second. */
void ps_progress_update(struct ps_progress *p, uint64_t done, uint64_t files);
/* Input mode, for a decoder: done bytes written, the percentage and time
 * left from the input's position in_pos of in_total (0: unknown). */
void ps_progress_update_input(struct ps_progress *p, uint64_t done, uint64_t in_pos,
			      uint64_t in_total);
/* Erase the bar (before printing the summary). */
void ps_progress_end(struct ps_progress *p);
/* The run is complete: done becomes the total (the estimate is replaced
 * by what was really done), and a bar already on screen is drawn once
 * more at 100% before it is erased. */
void ps_progress_finish(struct ps_progress *p, uint64_t done);
/* The line the bar would show (for tests of its layout): into buf, at
 * most width - 1 characters. */
void ps_progress_line(const struct ps_progress *p, double now, char *buf,
		      size_t len, unsigned width);
/* ps_open_opts.fill_progress for the CLI: a bar for decoding a compressed
 * dump or reading a pipe into the cache (off with quiet or without a
 * terminal). */
struct ps_open_opts;
void cli_fill_progress_attach(struct ps_open_opts *oo, int quiet);
/* Erase the bar on screen, if one is: before any line to stderr (cli_err
 * calls it; it is drawn again at its next update). */
void cli_progress_erase(void);
/* A stream for lines to stderr written while a bar may be on screen (the
 * extract walker's log): each line erases the bar first. */
#include <stdio.h>
FILE *cli_progress_log(void);
/* Format n bytes as "12.3 MiB" into buf. */
const char *ps_human_bytes(uint64_t n, char *buf, unsigned len);
double ps_now(void);

#endif
