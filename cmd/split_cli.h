/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The words of the split check (src/split.h; when it applies and running
 * it: src/split_ns.h) for the scan report (text and JSON) and the
 * extract/ls summaries.
 */
#ifndef PS_CLI_SPLIT_H
#define PS_CLI_SPLIT_H
#include "ns.h"
#include "render.h"
#include "split.h"
#include "split_ns.h"
#include <json-c/json.h>
#include <stdio.h>

/* Does the report suggest render_split_next's command `which` (0 extract,
 * 1 repair --merge-mmap)? Only where files have two contents; the repair
 * only where the planner would carry it out (ps_report.split_repair_ok). */
bool cli_split_suggests(const struct ps_report *in, int ns, const struct ps_split *s,
			int which);

/* The scan report's split section of namespace ns (text, indented two
 * spaces) and its JSON object. */
void render_split_text(FILE *f, const struct ps_report *in, int ns,
		       const struct ps_split *s);
json_object *render_split_json(const struct ps_report *in, int ns,
			       const struct ps_split *s);
/* The files a listing shows (text report, HTML page), in its order: mmap,
 * mixed, write, unknown, each class in the check's order, at most cap write
 * and cap unknown files; idx[n] (free it) indexes s->files, more[class]
 * counts the files left out. PS_ENOMEM. */
struct cli_split_listing {
	size_t *idx, n;
	size_t more[PS_SPLIT_NCLASS];
};
int cli_split_listing(const struct ps_split *s, size_t cap, struct cli_split_listing *out);

/* Their pieces, for the HTML page: a file's evidence and one of its
 * victims as one line, the DAX note, and next command `which` (0 extract,
 * 1 repair --merge-mmap; the latter only when ps_split_mapped(s)). */
void render_split_evidence(FILE *f, const struct ps_split_file *x);
void render_split_victim(FILE *f, const struct ps_split *s, const struct ps_split_victim *v);
void render_split_dax_note(FILE *f, const struct ps_split *s);
/* A mixed file's blocks of ambiguous provenance (kept from L), as runs. */
void render_split_ambiguous(FILE *f, const struct ps_split *s, const struct ps_split_file *x);
void render_split_next(FILE *f, const struct ps_report *in, int ns,
		       const struct ps_split *s, int which);
#endif
