/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The scan as one library call: ps_triage opens the image as the user
 * named it (a file, a compressed dump, an EWF or split raw set, standard
 * input or a pipe), digests it during the analysis' single pass, places it
 * physically from a saved memory map, analyses it, runs the split check and
 * reads the journal of each namespace, and keeps only the repair
 * suggestions the planner would carry out. The result is one report model
 * (struct ps_report) that the scan's text, JSON and HTML renderers and the
 * bundle triage (cmd/) all take. Data and codes only: the words are in
 * cmd/ (cmd_scan.c, render_*.c).
 */
#ifndef PS_TRIAGE_H
#define PS_TRIAGE_H
#include "err.h"
#include "digest.h"
#include "fs_diff.h"
#include "imgsrc_open.h"
#include "journal.h"
#include "ns.h"
#include "phys.h"
#include "split.h"
#include <stdbool.h>
#include <stdint.h>

/* Which digest of the image the scan's pass computes. */
enum ps_hash_mode { PS_HASH_AUTO = 0, PS_HASH_SHA256, PS_HASH_SPARSE, PS_HASH_NONE };
/* Why the report has no sha256 (PS_HASH_WHY_NONE: it has one). */
enum ps_hash_why {
	PS_HASH_WHY_NONE = 0,
	PS_HASH_WHY_ASKED_NONE,		/* --hash none */
	PS_HASH_WHY_ASKED_SPARSE,	/* --hash sparse: sparse_sha256 instead */
	PS_HASH_WHY_LARGE,		/* auto, larger than PS_HASH_AUTO_SHA256_MAX */
};
/* auto: sha256 up to this size, the sparse digest (parallel, and cheap on
 * holes) above it */
#define PS_HASH_AUTO_SHA256_MAX (4ull << 30)

#define PS_TRIAGE_MAX_LABELS 16

/* Where ps_triage stopped (nothing to report), with ps_report.err. */
enum ps_triage_fail {
	PS_TRIAGE_OK = 0,
	PS_TRIAGE_OPEN,		/* the image could not be opened or read: err */
	PS_TRIAGE_EMPTY,	/* 0 bytes */
	/* label file label_files[fail_index]: could not be opened (err); has
	 * no label area; its area at fail_off has no valid index block (err:
	 * the first diagnostic, or "") */
	PS_TRIAGE_LABELS_OPEN,
	PS_TRIAGE_LABELS_NONE,
	PS_TRIAGE_LABELS_BAD,
	PS_TRIAGE_MAP_READ,	/* the memory map file could not be read: err */
	PS_TRIAGE_MAP_PARSE,	/* ... nor parsed: err (the parser's) */
	PS_TRIAGE_MAP_NO_ENTRY,	/* no entry exactly as large as the image */
	PS_TRIAGE_MAP_AMBIG,	/* more than one */
	PS_TRIAGE_NOMEM,
	PS_TRIAGE_ANALYZE,	/* the analysis failed: err */
};

/* Progress of the scan's pass: START (total: the image's size), STEP,
 * DONE (the pass went through) or FAIL. */
enum ps_triage_progress { PS_TRIAGE_START, PS_TRIAGE_STEP, PS_TRIAGE_DONE, PS_TRIAGE_FAIL };

struct ps_triage_opts {
	struct ps_open_opts open;	/* how the image is opened */
	/* what the image is called in the report and in the source's
	 * messages (a bundle's piece by its name in the bundle); NULL: the
	 * path as given */
	const char *name;
	enum ps_hash_mode hash;
	int threads;			/* digest threads, -1: the kind's default */
	bool have_phys_base;
	uint64_t phys_base;
	/* a saved memory map (/proc/iomem text, or `ndctl list` JSON when
	 * map_is_ndctl) placing the image, or NULL */
	const char *map_file;
	bool map_is_ndctl;
	const char *map_name;		/* what the report calls it; NULL: map_file */
	/* files holding a DIMM's namespace label area, read apart from the
	 * image (a dump: area at 0, or a DIMM file with it at the end); at
	 * most PS_TRIAGE_MAX_LABELS */
	const char *const *label_files;
	size_t nlabel_files;
	bool journal_ignore;		/* --journal ignore: the on-disk view */
	bool journal_backup;		/* --journal backup */
	void (*progress)(void *ctx, enum ps_triage_progress what, uint64_t done,
			 uint64_t total);
	void *progress_ctx;
};

/*
 * The report: what the scan found and how the input came. The pointers
 * point into the report itself (or to the caller's strings: path,
 * label_files); hash_note and changed are set by the caller (words).
 */
struct ps_report {
	const char *path;	/* the image as the user typed it */
	uint64_t size;
	uint64_t allocated;	/* bytes in data extents */
	const char *sha256;	/* hex, or NULL when not computed */
	const char *sparse_sha256;	/* pmemscan-sparse-sha256-v1 (docs/digest.md) */
	enum ps_hash_why hash_why;	/* why no sha256 */
	const char *hash_note;	/* its words (cmd/), when NULL */
	/* the file's size or mtime changed between open and the end of the
	 * run: what changed (the caller's words), else NULL */
	const char *changed;
	/* standard input or a pipe, read once into a temporary file: what
	 * was read (the bytes as they came, before any decoding); or NULL */
	const struct ps_pipe_info *pipe;
	/* a compressed dump: the file as given. The image file is then not
	 * the data, so nothing suggests loop-mounting a range of it. */
	const char *compression;	/* "gzip", "xz", ... or NULL */
	uint64_t compressed_size;
	const char *compressed_sha256;
	/* what the image is stored as (ps_src_container_info), or NULL for
	 * a plain file: an EWF or split raw set is no loop-mountable file
	 * either */
	const struct ps_container_info *container;
	/* ranges that could not be read and were read as zeros (an EWF
	 * chunk failing its checksum; ps_src_damage) */
	const struct ps_damage *damage;
	size_t ndamage;
	/* the saved memory map whose entry placed the image
	 * (ps_analysis.have_phys_entry) */
	const char *phys_map_path;
	/* the label area files given apart (PS_LABELS_GIVEN) */
	const char *const *label_files;
	size_t nlabel_files;
	/* the split check per namespace (src/split_ns.h): NULL where it does
	 * not apply */
	struct ps_split *const *splits;
	size_t nsplits;
	/* per namespace (nsplits of them): whether `repair --merge-mmap`, as
	 * the split check suggests it, would be carried out (the planner
	 * refuses none of it); NULL: not asked, suggested */
	const bool *split_repair_ok;
	/* the journal of each namespace's filesystem (docs/journal.md), kind
	 * NONE where there is none; NULL when not looked at */
	const struct ps_journal *journals;
	size_t njournals;
	/* per namespace: what recovery changes in the file tree (NULL
	 * entries where not compared) */
	struct ps_changes *const *jchanges;
	bool journal_ignore;	/* --journal ignore */

	/* ---- filled by ps_triage ---- */
	struct ps_analysis a;	/* valid when ps_triage returned PS_TRIAGE_OK */
	bool analysed;
	struct ps_src *src;	/* the image, open until ps_report_free */
	char err[PS_ERR_LINE_MAX];		/* what failed (enum ps_triage_fail) */
	int rc;			/* its error code */
	size_t fail_index;	/* the label file that failed */
	uint64_t fail_off;	/* where its area is */
	/* storage the pointers above point into */
	struct ps_pipe_info pipe_info;
	struct ps_container_info container_info;
	struct ps_phys_map map;
	struct ps_lsa *lsa_v[PS_TRIAGE_MAX_LABELS];
	char hex[2 * PS_DIGEST_SIZE + 1], zhex[2 * PS_DIGEST_SIZE + 1];
	struct ps_split **split_v;
	bool *split_ok_v;
	struct ps_journal *journal_v;
	struct ps_changes **jchange_v;
	struct ps_damage *damage_v;
};

/* Scan the image at path (standard input: "-") into r (free with
 * ps_report_free, whatever it returns): PS_TRIAGE_OK, or where it stopped
 * (r->err, r->rc). */
enum ps_triage_fail ps_triage(const char *path, const struct ps_triage_opts *o,
			      struct ps_report *r);
/* After the run: an EWF image's check against its stored hashes read to
 * the end where the scan's pass could not (PS_OK, or its error code:
 * ps_src_error(r->src) says it), then the container info and the damaged
 * ranges found (r->damage) brought up to date. PS_ENOMEM. */
int ps_triage_verify(struct ps_report *r, int *verify_rc);
void ps_report_free(struct ps_report *r);

#endif
