/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one place where what the analysis found becomes words: the scan's
 * text report, its JSON report (docs/json-schema.md), and the commands
 * suggested next, quoted for a POSIX shell. The analysis (src/ns.h,
 * src/facts.h) hands over data only. Nothing here is cut to a fixed size:
 * every piece is written to a stream (a string, when the JSON needs one).
 */
#ifndef PS_CLI_RENDER_H
#define PS_CLI_RENDER_H
#include "imgsrc_open.h"
#include "journal.h"
#include "fs_diff.h"
#include "ns.h"
#include "triage.h"
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

/* The report the renderers take is the library's (src/triage.h: struct
 * ps_report): the analysis and what the scan learnt about the input. */

/* The words for why the report has no sha256 (ps_report.hash_note);
 * NULL for PS_HASH_WHY_NONE. */
const char *render_hash_note(enum ps_hash_why w);

/* ---- journals (render_journal.c) ---- */
const char *render_journal_stop_name(enum ps_journal_stop s);
/* an XFS intent the view leaves unfinished, in words (scan, warnings) */
void render_xintent_line(const struct ps_xintent *e, char *buf, size_t len);
const char *render_xintent_why(enum ps_xintent_why w);
const char *render_journal_bad_name(enum ps_journal_bad b);
/* One line (no newline) about the journal of the data a command reads,
 * or "" when there is nothing to say. */
void render_journal_line(const struct ps_journal *j, char *buf, size_t len);
void render_journal_text(FILE *f, const struct ps_journal *j, const char *indent);
json_object *render_journal_json(const struct ps_journal *j);
/* What recovery changes in the tree: text lines (at most max, then a
 * count), and the JSON array. */
void render_changes_text(FILE *f, const struct ps_changes *c, const char *indent, size_t max);
json_object *render_changes_json(const struct ps_changes *c);
/* Exit 1: the files are stale (a journal needing recovery that cannot be
 * replayed) or the kernel would not mount what recovery leaves. */
bool render_journal_problem(const struct ps_journal *j);
/* namespace k's XFS log was replayed: its on-disk log state is not the
 * view the files come from */
bool render_xlog_replayed(const struct ps_report *in, size_t k);

/* ---- the scan report (render_text.c, render_json.c) ---- */

/* Exit code the report stands for (cmd/cli.h): 0 valid, 1 problems, 2 nothing. */
int render_exit_code(const struct ps_analysis *a);
/* filesystems left by an earlier layout (render_earlier.c, src/earlier.h) */
bool render_earlier_cmd(FILE *f, const struct ps_report *in, const struct ps_earlier *e,
			size_t n, int i);
void render_earlier_summary(FILE *f, const struct ps_report *in, const struct ps_earlier *e,
			    size_t n);
void render_earlier_text(FILE *f, const struct ps_report *in, const struct ps_analysis *a);
json_object *render_earlier_json(const struct ps_report *in, const struct ps_analysis *a);
/* PS_OK, or PS_EIO when f could not be written. */
int render_scan_text(FILE *f, const struct ps_report *in,
		     const struct ps_analysis *a);
/* PS_OK, PS_EIO, or PS_ENOMEM. */
int render_scan_json(FILE *f, const struct ps_report *in,
		     const struct ps_analysis *a);
/* The scan report as one self-contained HTML page (render_html.c):
 * PS_OK, PS_EIO, or PS_ENOMEM. */
int render_scan_html(FILE *f, const struct ps_report *in,
		     const struct ps_analysis *a);
/* render_exit_code, and 1 when an EWF image's data does not match the
 * hashes stored in it (render_container.c; docs/json-schema.md). */
int render_scan_exit_code(const struct ps_report *in, const struct ps_analysis *a);
/* The container block of the reports (EWF, split raw; nothing, NULL for
 * a plain file or a compressed dump) and the words for the state of the
 * check against the stored hashes. */
void render_text_container(FILE *f, const struct ps_report *in);
json_object *render_json_container(const struct ps_report *in);
void render_container_verify(FILE *f, const struct ps_container_info *ci);
/* Diagnostics as the JSON array every report uses: severity, offset,
 * field, message. */
json_object *render_json_diags(const struct ps_diags *d);
/* A string read from the image (a label name, a volume label, a PMDK
 * layout or poolset path) as a JSON string that is valid UTF-8 (bytes that
 * are not, as \xNN: ps_str_escape), and as text for a terminal (control
 * characters and the characters of `also` escaped too). NULL: JSON null. */
json_object *render_jstr_img(const char *s);
void render_text_img(FILE *f, const char *s, const char *also);

/* ---- the findings in words (render_facts.c) ---- */

void render_evidence(FILE *f, const struct ps_ns *ns, const struct ps_cand *c,
		     const struct ps_evidence *e);
void render_note(FILE *f, const struct ps_note *n);
/* Which kernels or tools write a namespace like this; false (nothing
 * written) when there is nothing to say. */
bool render_era(FILE *f, const struct ps_ns *ns);
/* The weighing of an ambiguous namespace (render_weigh.c): a reason, the
 * names of reason kinds and decisive rules for the JSON, and the
 * recommendation with why it is or is not decisive. */
void render_reason(FILE *f, const struct ps_reason *r);
const char *render_why_name(enum ps_why_kind k);
const char *render_decisive_name(enum ps_decisive d);
void render_recommendation(FILE *f, const struct ps_weighing *w);
/* The namespace in plain words for someone who has never heard of
 * start_pad: what it is, where the files are, whether they can be got out
 * and the command to run (the first suggested). *told: whether legacy and
 * fixed were already explained in this report (set when this does). False
 * (nothing written) for a namespace nested in another's data. */
bool render_overview(FILE *f, const struct ps_report *in, const struct ps_ns *ns,
		     bool *told);
/* What must be known first (bad checksums, a parent_uuid mismatch, a
 * damaged filesystem, files with two contents, a PMDK pool on devdax, a
 * dirty journal; in that order): one line each through put. The text
 * report and the HTML page open with them. Returns the number of lines,
 * -1 when out of memory. */
int render_attention(const struct ps_report *in, const struct ps_analysis *a,
		     void (*put)(void *ctx, const char *line), void *ctx);
/* What legacy and fixed mean, in a few words, and where to read more. */
void render_legacy_fixed(FILE *f);
/* The verdict in plain words; nothing for a namespace without candidates. */
void render_summary(FILE *f, const struct ps_ns *ns);
/* What the bytes of a candidate are when no filesystem is there; false
 * (nothing written) when a filesystem is. */
bool render_probe_detail(FILE *f, const struct ps_probe *p);
/* A suggested command line, with the image path quoted for the shell and
 * any remark after three spaces in parentheses; false (nothing written)
 * when the command does not apply to this input. */
bool render_action(FILE *f, const struct ps_report *in, const struct ps_action *x);
/* Where the physical base and the namespace labels came from; false
 * (nothing written) when they did not. */
bool render_phys_source(FILE *f, const struct ps_report *in,
			const struct ps_analysis *a);
bool render_labels_source(FILE *f, const struct ps_report *in,
			  const struct ps_analysis *a);
/* The image as an operand of a suggested command: its path as one shell
 * word (./ before a leading '-'); after standard input or a pipe, whose
 * copy is gone, DUMP.img, the file the remark says to save it to. */
void render_image_word(FILE *f, const struct ps_report *in);
/* s as one word of a POSIX shell command: unchanged when it needs no
 * quoting, else in single quotes (a ' inside as '\''). */
void render_shell_word(FILE *f, const char *s);

/* A string of any length written with stdio (open_memstream), for the
 * pieces the JSON needs as strings. render_str_open returns the stream
 * to write to (NULL when out of memory); render_str_close returns the
 * string, "" when nothing was written, NULL when anything failed (the
 * caller frees it). Close it even when open returned NULL. */
struct render_str {
	char *s;
	size_t len;
	FILE *f;
};
FILE *render_str_open(struct render_str *b);
char *render_str_close(struct render_str *b);

/* part of whole as "34%", rounded down; from 99% up to just short of whole,
 * what is missing instead ("all but 4 KiB") */
const char *render_pct(uint64_t part, uint64_t whole, char *buf, size_t n);
/* ---- PMDK pools (render_pmdk.c, docs/pmdk.md) ---- */
/* A pool header or poolset file of the structures list, as text lines. */
void render_pmdk_rec_text(FILE *f, const struct ps_analysis *a, const struct ps_rec *r);
/* What a namespace's data is in PMDK's terms (a pmemblk pool's BTT, what
 * a devdax namespace holds), as a text line; false when nothing. */
bool render_pmdk_ns_text(FILE *f, const struct ps_analysis *a, const struct ps_ns *ns);
/* The same as JSON: one pool or poolset; every one found; a namespace's
 * "data_holds" (NULL when nothing to say). */
json_object *render_pmdk_rec_json(const struct ps_analysis *a, const struct ps_rec *r);
json_object *render_pmdk_pools_json(const struct ps_analysis *a);
json_object *render_pmdk_ns_json(const struct ps_analysis *a, const struct ps_ns *ns);

/* An XFS log (render_xlog.c): the candidate's detail line; the summary's
 * sentence (false: nothing to say); the line extract and ls print when
 * the view is stale; whether it makes extract and ls exit 1; JSON (NULL
 * when not examined). */
void render_xlog_detail(FILE *f, const struct ps_xfs_log_info *l);
bool render_xlog_summary(FILE *f, const struct ps_xfs_log_info *l);
void render_xlog_stale(FILE *f, const struct ps_xfs_log_info *l);
bool render_xlog_problem(const struct ps_xfs_log_info *l);
json_object *render_xlog_json(const struct ps_xfs_log_info *l);

/* "01020304-0506-..." (36 chars + NUL) */
void render_uuid(const uint8_t u[16], char out[37]);

#endif
