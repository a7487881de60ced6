/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Choosing the data a command works on: a namespace found by the scan
 * (--namespace N, --semantics legacy|fixed|auto) or an explicit window
 * (--offset N [--size M]). Shared by extract, ls, carve and repair.
 */
#ifndef PS_CLI_VIEW_H
#define PS_CLI_VIEW_H
#include "docdir.h"
#include "imgsrc.h"
#include "imgsrc_open.h"
#include "journal.h"
#include "ns.h"
#include <stdbool.h>
#include <stdint.h>

struct cli_view_opts {
	int ns;			/* -1: the only namespace, or the one proven */
	enum ps_sem sem;
	bool have_offset;
	uint64_t offset;
	bool have_size;
	uint64_t size;
	bool quiet;
	struct ps_open_opts open;	/* --cache, --cache-dir (CLI_OPTS_CACHE) */
	bool journal_ignore;	/* --journal ignore: the on-disk view */
	bool journal_backup;	/* --journal backup (docs/journal.md) */
};

struct cli_view {
	struct ps_src *image;	/* the opened input */
	struct ps_src *data;	/* the namespace's data (a view of image) */
	struct ps_analysis an;	/* when a scan was needed */
	bool analysed;
	int ns;			/* the namespace chosen, -1 for a raw window */
	char *what;		/* one line saying what was chosen and why */
	/* the filesystem's journal (docs/journal.md): with a journal the
	 * kernel would recover, data is the recovered view and ondisk the
	 * view as the bytes lie (NULL when data is already that) */
	struct ps_journal journal;
	struct ps_src *ondisk;
};

/* Parse --namespace/--semantics/--offset/--size into o; returns 1 if the
 * option was one of these (and consumed optarg), 0 if not, -1 on a bad
 * value (after printing a one-line error). */
int cli_view_option(int c, const char *optarg, struct cli_view_opts *o);
void cli_view_opts_init(struct cli_view_opts *o);
/* --journal, for the commands that read a filesystem (extract, ls,
 * carve, cat, scan): an option table's entry (opts.h), parsed by
 * cli_view_option */
#define CLI_OPTS_JOURNAL \
	{ "journal", 0, "J", CLI_OPT_JOURNAL, CLI_COMP_ENUM, "replay ignore backup", \
	  "  --journal J       replay (default) or ignore: read an ext4 journal or XFS\n" \
	  "                    log that needs recovery as the kernel's mount recovers\n" \
	  "                    it, or as its bytes lie (stale; " PS_DOC("journal.md") ");\n" \
	  "                    backup (ext4): as replay, and when the journal inode\n" \
	  "                    is damaged, replay the journal the superblock's\n" \
	  "                    backup of its map names\n" }
int cli_journal_option(const char *arg, bool *ignore, bool *backup);

/* Open path and select the data; on error prints one line and returns
 * an exit code (3 usage/I-O, 2 nothing found, 1 ambiguous/unproven). */
int cli_view_open(const char *path, const struct cli_view_opts *o,
		  struct cli_view *v);
void cli_view_close(struct cli_view *v);

#endif
