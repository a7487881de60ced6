/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Repair: plan, check, apply, undo. The CLI (cmd/cmd_repair.c) only parses
 * options and renders what these return; nothing here prints.
 *
 * 1. Plan (src/repair/plan*.c). Each "repair kind" inspects the analysis of
 *    an image and proposes byte patches (offset, old bytes, new bytes,
 *    reason), or refuses with an explanation. Planners are pure: analysis +
 *    source in, plan out; nothing is written.
 * 2. Verify (src/repair/verify.c). The plan is applied to an overlay source
 *    (the image with the patches laid over it, in memory) and ps_analyze
 *    runs on that: a unit that does not come out valid has its patches
 *    withdrawn and is reported.
 * 3. Apply (src/repair/apply.c). ps_repair_apply writes a checked plan to
 *    a copy or, after an undo file is durable, into the image itself, and
 *    re-scans the written file from disk; a result that is not valid is
 *    rolled back. ps_repair_undo (src/repair/undo.c) puts an undo file's
 *    old bytes back and checks the image's sha256.
 *
 * Errors: the house style (src/err.h codes) plus, in the results, a
 * one-line message naming the file, the offset and the field.
 */
#ifndef PS_REPAIR_H
#define PS_REPAIR_H
#include "err.h"
#include "imgsrc.h"
#include "ns.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the plan (src/repair/plan.c; the planners: plan_*.c) ---- */

#define PS_PATCH_MAX_LEN 4096u

/*
 * Why a planner refuses a unit, or an assumption a plan rests on (a note):
 * a kind and the data its sentence needs. The words are the CLI's
 * (cmd/repair_render.c); the data fields each kind uses are listed with it.
 * ns is the namespace index the sentence names (for PS_RW_ROLLED_BACK:
 * the unit); off an image offset. path, path2 and detail are owned by the
 * plan once stored (whole: never cut); name is a static word of the
 * library (a candidate's name).
 */
enum ps_repair_why_kind {
	/* refusals of kind "pfn" and its start_pad rewrites */
	PS_RW_PFN_READ = 1,		/* off: the block; detail: the source's error */
	PS_RW_PFN_MINOR,		/* off: the block; a: version_minor */
	PS_RW_PFN_MODE,		/* off: the field; a: mode */
	PS_RW_PFN_DATAOFF,		/* off: the field; a: dataoff */
	PS_RW_PFN_PAGE_SIZE,		/* off: the field; a: page size */
	PS_RW_PFN_PAD_UNALIGNED,	/* off: the field; a: start_pad; b: end_trunc */
	PS_RW_SEM_NOT_PROVEN,		/* ns; name: the proven start; off: it; sem: the choice */
	PS_RW_AMBIGUOUS,		/* ns; a, b: the legacy and fixed data starts */
	PS_RW_TRUNCATED,		/* ns; name: the data start */
	PS_RW_DAMAGED,			/* ns; off: the only filesystem */
	PS_RW_NO_FS,			/* ns */
	PS_RW_NPFNS_PAST_END,		/* ns; a: npfns; b: the size it gives; c: image size */
	PS_RW_NPFNS_UNPROVEN,		/* ns; a: npfns; c: image size */
	PS_RW_NS_TOO_SMALL,		/* ns; a: size; b: start_pad; c: dataoff; d: end_trunc */
	PS_RW_DEVDAX_PAD,		/* ns; a: start_pad */
	PS_RW_DEVDAX_DAMAGED,		/* ns; a: size */
	PS_RW_INTERNAL_START,		/* off: the proven data start; a: new dataoff */
	PS_RW_PHYS_MISALIGNED,		/* ns; a: physical base; b: the legacy data start */
	PS_RW_PHYS_UNKNOWN,		/* ns; a: start_pad */
	PS_RW_DATAOFF_MISALIGNED,	/* ns; a: base + dataoff; b: align; code: phys base known */
	PS_RW_NO_DATA_LEFT,		/* ns; a: dataoff; b: end_trunc; c: size */
	PS_RW_FS_PAST_END,		/* ns; a: fs size; off: data start; b: new data end;
					 * c: end_trunc */
	/* "label-index" */
	PS_RW_LSA_SAME_SEQ,		/* off: the area; a: the sequence number */
	PS_RW_LSA_NO_INDEX,		/* off: the area */
	PS_RW_LSA_INVALID_NEWER,	/* off: the area; a: the invalid index; b: its seq;
					 * c: the valid index; d: its seq */
	PS_RW_LSA_READ,		/* off: the area; detail: the source's error */
	/* "btt-info" */
	PS_RW_BTT_PAST_END,		/* ns */
	PS_RW_BTT_NO_OPEN,		/* ns; code: the ps_err */
	PS_RW_BTT_NOT_OWN_BACKUP,	/* ns; a: arena; off: primary; b: the block used */
	PS_RW_BTT_NO_ARENA,		/* off: the first info block */
	/* "merge-mmap" (the split check of a legacy rewrite) */
	PS_RW_SPLIT_UNREAD,		/* ns; a: files not checked; detail: the first error */
	PS_RW_SPLIT_MAPPED,		/* ns; a: mmap-written; b: mixed; path: an example */
	PS_RW_JOURNAL_NO_REPLAY,	/* ns; code: 0 kernel's recovery fails, 1 fast
					 * commits, 2 journal unusable, 3 external */
	PS_RW_MERGE_TOO_LARGE,		/* ns; a: the most blocks a plan merges */
	PS_RW_MERGE_JOURNAL_BLOCK,	/* ns; path; a: inode; b: byte offset in the file;
					 * off: the block at L; c: filesystem block;
					 * d: journal sequence first; e: last */
	/* "verify" */
	PS_RW_ROLLED_BACK,		/* ns: the unit; detail: why it is not valid */
	/* notes */
	PS_RW_NOTE_SEM_CHOSEN,		/* ns; sem; a: the chosen start; b: the other */
	PS_RW_NOTE_ASSUME_ALIGNED,	/* ns; a: the alignment assumed */
	PS_RW_NOTE_AFTER_REWRITE,	/* ns; a: data bytes; off: data start; b: new dataoff */
	PS_RW_NOTE_AMBIGUOUS_KEPT,	/* ns; path; a: inode; b: blocks; detail: the byte ranges */
	PS_RW_NOTE_VICTIM,		/* ns; path; a: inode; code: its split class; b: blocks;
					 * path2: the victim; off: from offset */
	PS_RW_NOTE_SPLIT_NOT_RUN,	/* ns; detail: why (an error line), or code: the ps_err */
	PS_RW_NOTE_SPLIT_NONE,		/* ns; a: files */
	PS_RW_NOTE_MERGED,		/* ns; a: blocks; b: mmap-written; c: mixed */
	PS_RW_NOTE_JOURNAL_REPLAYED,	/* ns; a: transactions; b: sequence first; c: last */
	/* why a patch changes its field ("pfn": the in-place fixes) */
	PS_RW_PATCH_NONE,		/* no sentence */
	PS_RW_PATCH_FLAGS_CORRUPT,	/* a: version_minor */
	PS_RW_PATCH_PADDING_CORRUPT,	/* a: version_minor */
	PS_RW_PATCH_PAGE_SIZE_MISSING,
	PS_RW_PATCH_PAGE_STRUCT_SMALL,
	PS_RW_PATCH_NPFNS,		/* a: npfns; b: the size; code: where the size
					 * comes from (enum ps_repair_size_src) */
	PS_RW_PATCH_RESEAL,		/* a: the stored checksum; code: 1 the filesystem
					 * proves the data start, 0 dataoff is nd_pfn_init's;
					 * b: the size; c: where it comes from */
	PS_RW_PATCH_CHECKSUM,		/* (the rewritten block's fletcher64) */
	/* ... the version 1.4 rewrite of a start_pad */
	PS_RW_PATCH_MODE_RAM,		/* a: size; b: pages; c: memmap bytes; d: dataoff' */
	PS_RW_PATCH_PAD_LEGACY,		/* a: start_pad; b: dataoff' */
	PS_RW_PATCH_DATAOFF_LEGACY,	/* a: start_pad; b: dataoff */
	PS_RW_PATCH_PAD_FIXED,
	PS_RW_PATCH_DATAOFF_FIXED,	/* a: dataoff' */
	PS_RW_PATCH_END_TRUNC,		/* code: the physical base is known */
	PS_RW_PATCH_NPFNS_REWRITE,	/* a: npfns' */
	PS_RW_PATCH_VERSION,
	PS_RW_PATCH_V14_PAGE_SIZE,
	PS_RW_PATCH_V14_PAGE_STRUCT,	/* a: the memmap bytes below dataoff' */
	PS_RW_PATCH_ALIGN,		/* a: align */
	PS_RW_PATCH_V13_FLAGS,
	PS_RW_PATCH_V13_PADDING,
	PS_RW_PATCH_REWRITE_PART,	/* any other field of the rewrite */
	/* "label-index" */
	PS_RW_PATCH_LSA_INDEX,		/* a: the invalid index; b: the valid one; c: its
					 * seq; d: the seq written; code: 0 bad checksum,
					 * 1 no signature, 2 otherwise invalid */
	/* "btt-info" */
	PS_RW_PATCH_BTT_PRIMARY,	/* a: arena; off: primary; b: backup; c: info2off */
	PS_RW_PATCH_BTT_BACKUP,		/* a: arena; b: backup; off: primary; code:
					 * the backup is valid (only differs) */
	/* "merge-mmap" */
	PS_RW_PATCH_MERGE,		/* path; a: inode; code: its split class; b, c:
					 * the file's byte range; off: F */
	/* an undo file's patch */
	PS_RW_PATCH_UNDO,
};

/* Where the namespace size of a "pfn" patch comes from. */
enum ps_repair_size_src {
	PS_SIZE_FROM_BLOCK = 0,	/* start_pad + end_trunc + dataoff + npfns pages */
	PS_SIZE_FROM_OPTION,	/* the caller's ps_repair_opts.ns_size */
	PS_SIZE_FROM_IMAGE,	/* the image: the namespace is the whole image */
};

struct ps_repair_why {
	enum ps_repair_why_kind kind;
	int ns;
	int code;
	enum ps_sem sem;
	uint64_t off, a, b, c, d, e;
	const char *name;
	const char *path, *path2, *detail;
};

struct ps_patch {
	uint64_t off;		/* absolute image offset */
	uint32_t len;
	uint8_t old[PS_PATCH_MAX_LEN];
	uint8_t new_[PS_PATCH_MAX_LEN];
	int ns;			/* namespace index in the analysis */
	const char *kind;	/* repair kind */
	char field[32];		/* on-media field name */
	char oldv[64], newv[64];	/* values, for humans */
	struct ps_repair_why why;	/* why it changes (a PS_RW_PATCH_* kind);
					 * its strings owned by the plan */
};

struct ps_refusal {
	int ns;			/* the unit */
	const char *kind;
	struct ps_repair_why why;
};

/* --merge-mmap (docs/start_pad.md "Files with two contents: the split check", src/repair/plan_merge.c): what the re-scan of
 * the written file must find on a namespace whose mmap-written files were
 * merged: every regular file's read view (by inode) with the sha256 given,
 * that of its former mmap view for a merged file, its former read view
 * for every other (nothing else changed). */
struct ps_merge_file {
	uint64_t ino;
	uint8_t sha256[32];
	bool merged;
	char *path;		/* owned; never cut */
};
struct ps_merge_expect {
	int ns;
	uint64_t data_off, data_size;	/* the filesystem in the image */
	struct ps_merge_file *f;
	size_t n;
};

struct ps_plan {
	struct ps_merge_expect *merge;	/* one per merged namespace */
	size_t nmerge;
	struct ps_patch *p;
	size_t n, cap;
	struct ps_refusal *r;
	size_t nr, capr;
	int nnotes;
	struct ps_repair_why *notes;	/* assumptions the plan rests on */
	int notes_lost;		/* notes (and refusals) that could not be kept
				 * (out of memory) */
};

struct ps_repair_opts {
	int ns;			/* -1: every namespace */
	enum ps_sem sem;	/* AUTO, or the user's choice for an ambiguous one */
	bool have_phys_base;
	uint64_t phys_base;	/* physical address of image offset 0 */
	bool assume_aligned;	/* take the namespace base as max(align, 2 MiB) aligned */
	uint64_t ns_size;	/* namespace size given by the user, 0 = unknown */
	/* a legacy start_pad rewrite where the split check (src/split.h)
	 * found mmap-written files: refused unless merge_mmap, which copies
	 * the blocks each such file's merged view takes from F (its stores)
	 * into its L blocks first */
	bool merge_mmap;
};

/*
 * Patches and refusals belong to a unit: a namespace (ns >= 0, its index
 * in the analysis) or a scan record that is no namespace, such as a label
 * storage area (ns = PS_UNIT_REC(record index)).
 */
#define PS_UNIT_REC(ri) (-2 - (int)(ri))
#define PS_UNIT_IS_REC(u) ((u) <= -2)
#define PS_UNIT_REC_INDEX(u) ((size_t)(-2 - (u)))

struct ps_repair_kind {
	const char *name;
	const char *summary;
	/* Append patches and refusals for namespace ns to plan (may be NULL). */
	int (*plan)(struct ps_src *src, const struct ps_analysis *a,
		    const struct ps_ns *ns, const struct ps_repair_opts *o,
		    struct ps_plan *plan);
	/* Once per image, for structures that are no namespace (may be NULL). */
	int (*plan_image)(struct ps_src *src, const struct ps_analysis *a,
			  const struct ps_repair_opts *o, struct ps_plan *plan);
};

/* The table of repair kinds (NULL-terminated name). */
extern const struct ps_repair_kind ps_repair_kinds[];

void ps_plan_init(struct ps_plan *p);
void ps_plan_free(struct ps_plan *p);
/* Add a patch; new/old of len bytes; why is copied, its strings too.
 * Returns PS_OK or PS_ENOMEM/PS_EINVAL. */
int ps_plan_add(struct ps_plan *p, int ns, const char *kind, uint64_t off,
		const uint8_t *old, const uint8_t *new_, uint32_t len,
		const char *field, const char *oldv, const char *newv,
		const struct ps_repair_why *why);
/* Record a refusal of unit ns, a note: w is copied, its strings too. */
void ps_plan_refuse(struct ps_plan *p, int ns, const char *kind,
		    const struct ps_repair_why *w);
void ps_plan_note(struct ps_plan *p, const struct ps_repair_why *w);
/* Drop every patch of namespace ns. */
void ps_plan_withdraw(struct ps_plan *p, int ns);

/*
 * The split check of a legacy start_pad rewrite (plan_pfn.c calls it
 * once all other checks pass): PS_OK to go on (no mmap-written file, or
 * o->merge_mmap and the merge patches added with their expectation);
 * PS_EAMBIG when it refused (recorded in plan); other codes on failure.
 */
int ps_plan_merge_mmap(struct ps_src *src, const struct ps_ns *ns,
		       const struct ps_cand *legacy, const struct ps_repair_opts *o,
		       struct ps_plan *plan);
/* Is every file of m what it must be in after (an image source)? 0 yes;
 * -1 with a one-line reason. */
int ps_merge_verify(struct ps_src *after, const struct ps_merge_expect *m,
		    char *why, size_t whylen);

/* Run every repair kind over every (selected) namespace of a. */
int ps_repair_plan(struct ps_src *src, const struct ps_analysis *a,
		   const struct ps_repair_opts *o, struct ps_plan *plan);

/* ---- checking a plan before it is written (src/repair/verify.c) ---- */

/* The image with the plan's patches laid over it (reads only; the plan
 * must outlive the source). fd is -1 so every reader sees the patches. */
int ps_src_overlay(struct ps_src *parent, const struct ps_plan *plan,
		   struct ps_src **out);

/*
 * Is a unit of a plan (a namespace or a label area) valid in after, the
 * analysis of the repaired bytes (after_src: those bytes)? A namespace:
 * its info block's checksum is good and the block has no problems, no
 * error diagnostics, start_pad 0, verdict proven (or devdax), the data
 * start where the filesystem was; a sector namespace's BTT opens from every
 * arena's primary with equal backups. A label area: both index blocks
 * valid, the same one current, the same labels active. why gets a one-line
 * reason when not.
 */
bool ps_repair_unit_valid(const struct ps_analysis *before, int unit,
			  const struct ps_analysis *after, struct ps_src *after_src,
			  const struct ps_repair_opts *o, char *why, size_t whylen);
/* "namespace 2", "label area at 0x..." */
const char *ps_repair_unit_name(const struct ps_analysis *a, int unit, char *buf,
				size_t n);
/* The top-level namespace of a at image offset base, NULL if none. */
const struct ps_ns *ps_repair_ns_at(const struct ps_analysis *a, uint64_t base);
/* The data start a repair of ns must keep (0 if none is proven / chosen). */
uint64_t ps_repair_keep_off(const struct ps_ns *ns, const struct ps_repair_opts *o);

/*
 * Check the plan on an overlay: re-analyse, and for every namespace with
 * patches that does not come out valid, withdraw its patches and record a
 * refusal ("rolled back"). after (optional) receives the analysis of the
 * overlay with the surviving patches (free with ps_analysis_free).
 */
int ps_repair_verify(struct ps_src *src, const struct ps_analysis *before,
		     const struct ps_repair_opts *o, struct ps_plan *plan,
		     struct ps_analysis *after);

/* ---- undo files (src/repair/undo.c; the format: docs/repair.md) ---- */

struct ps_undo {
	char *image;		/* as recorded, whole (owned; NULL if none) */
	uint64_t image_size;
	bool have_sha256;	/* false: written with --no-image-hash */
	uint8_t sha256[32];	/* of the image before any patch */
	struct ps_plan plan;	/* offsets, old and new bytes, field names */
};

/* Serialise (text, docs/repair.md) and parse; parse verifies the file's
 * own checksum and every bound. err gets a one-line message. sha NULL:
 * no image hash recorded ("sha256 none"). */
int ps_undo_write_fd(int fd, const char *image, uint64_t image_size,
		     const uint8_t sha[32], const struct ps_plan *plan);
int ps_undo_parse(const char *text, size_t len, struct ps_undo *u, char *err,
		  size_t errlen);
void ps_undo_free(struct ps_undo *u);

/* ---- applying a plan (src/repair/apply.c) and undoing it (undo.c) ---- */

/* The writes a fault hook sees. */
enum ps_repair_write {
	PS_WRITE_PATCH,		/* a patch's new bytes, into the copy or the image */
	PS_WRITE_ROLLBACK,	/* a patch's old bytes, written back after a failure */
	PS_WRITE_UNDO,		/* ps_repair_undo: a patch's old bytes */
};

/*
 * Fault injection, for the tests only: the CLI passes none, and nothing
 * in the library reads the environment. The promises of the transaction
 * are about a write that fails and a process that dies midway, which a
 * test cannot provoke otherwise.
 */
struct ps_repair_faults {
	/* Called at every point of a run of writes of kind w, with the
	 * number of patches written so far: 0 before the first, ...,
	 * plan->n after the last (before the fsync). A non-zero return makes
	 * the run fail there with that errno (the next write, or the fsync,
	 * fails; nothing more is written). The hook may also end the
	 * process: a crash after `written` patches. */
	int (*at_write)(void *arg, enum ps_repair_write w, size_t written);
	void *arg;
	/* Non-NULL: the re-scan counts as not valid, for this reason, before
	 * any unit is checked (the rollback paths). */
	const char *fail_rescan;
};

struct ps_apply_opts {
	const char *image;	/* the image's path: patched in place, named in the undo file */
	const char *output;	/* non-NULL: write a repaired copy there (must not exist) */
	const char *undo_file;	/* in place: the undo file (must not exist) */
	bool no_image_hash;	/* in place: record no whole-image sha256 */
	/* in place: how far the whole-image sha256 got (may be NULL) */
	void (*hash_progress)(void *ctx, uint64_t done);
	void *hash_progress_ctx;
	const struct ps_repair_faults *faults;	/* NULL but in tests */
};

/* Where a transaction stopped: the step that failed, or DONE. */
enum ps_repair_step {
	PS_STEP_DONE = 0,
	PS_STEP_HASH,		/* the sha256 of the image */
	PS_STEP_UNDO_FILE,	/* creating, writing, syncing or reading the undo file */
	PS_STEP_OPEN,		/* creating the copy, opening the image for writing;
				 * undo: the image is not the size the file was made for */
	PS_STEP_READ,		/* reading the bytes under a patch */
	PS_STEP_CHECK,		/* those bytes are not what they must be */
	PS_STEP_WRITE,		/* copying the image, writing patches, fsync */
	PS_STEP_RESCAN,		/* the written file did not re-scan valid */
	PS_STEP_VERIFY,		/* undo: the image's sha256 is not the recorded one */
};

/* What the file written holds when ps_repair_apply returns. */
enum ps_apply_state {
	PS_APPLY_UNTOUCHED,	/* nothing written: the image as it was, no copy left */
	PS_APPLY_KEPT,		/* every patch written, re-scanned valid, kept */
	PS_APPLY_ROLLED_BACK,	/* written, then undone: the copy deleted, or the
				 * old bytes written back (and the undo file
				 * removed if the re-scan was what failed) */
	PS_APPLY_ROLLBACK_FAILED,	/* in place: the old bytes could not all be
					 * written back; the undo file is kept */
};

/* A unit the re-scan checked; in plan order, up to the first not valid. */
struct ps_unit_check {
	int unit;		/* as in the plan (ps_patch.ns) */
	bool valid;
	char *why;		/* not valid: the reason (owned; NULL if out
				 * of memory), whole */
};

struct ps_apply_result {
	int rc;			/* PS_OK, or the code of the failure */
	enum ps_repair_step step;
	enum ps_apply_state state;
	char *msg;		/* rc != PS_OK: one line, names file, offset, field */
	int sys_errno;		/* of the failed system call, 0 if none */
	size_t written;		/* patches written (before any rollback) */
	bool reflinked;		/* copy: FICLONE shared the extents (else sparse) */
	bool have_sha256;	/* in place: the image's sha256 before any patch */
	uint8_t sha256[32];
	char sha256_hex[65];
	bool undo_written;	/* in place: the undo file was made durable */
	bool undo_removed;	/* ... and removed again (the image is the original) */
	bool rescanned;		/* the written file was analysed again */
	struct ps_analysis rescan;	/* that analysis (when rescanned) */
	struct ps_unit_check *checks;
	size_t nchecks;
	char rescan_why[PS_ERR_LINE_MAX];	/* step RESCAN: why the result is not valid */
};

/*
 * Can src, opened from path, be applied from? Copies are read through its
 * file descriptor; in place, the file is patched as stored, so a
 * compressed dump cannot be. PS_OK, or PS_EUNSUPP with a one-line msg.
 */
int ps_repair_can_apply(struct ps_src *src, const char *path, bool in_place,
			char *msg, size_t msglen);

/*
 * The one way a plan (checked by ps_repair_verify on src) reaches a disk.
 * before is the analysis the plan was made from; ro the options it was
 * made with.
 *
 * Copy (o->output): the output is created (O_EXCL), the image reflinked
 * into it (FICLONE) or copied as its data extents only (zero blocks stay
 * holes), the patches written and fsync'd, and the copy re-scanned from
 * disk; a copy that is not valid is deleted.
 *
 * In place: the image's sha256 (unless no_image_hash), then the undo file
 * written (O_EXCL), fsync'd with its directory; only then is the image
 * opened for writing. The bytes under every patch must still be the
 * planned old bytes; the patches are written and fsync'd and the image
 * re-scanned from disk. A failed write or an invalid re-scan writes the
 * old bytes back; after an invalid re-scan rolled back, the undo file is
 * removed (the image is the original again).
 *
 * Returns res->rc; res says what was written and what the re-scan found
 * (free with ps_apply_result_free).
 */
int ps_repair_apply(struct ps_src *src, const struct ps_analysis *before,
		    const struct ps_repair_opts *ro, const struct ps_plan *plan,
		    const struct ps_apply_opts *o, struct ps_apply_result *res);
void ps_apply_result_free(struct ps_apply_result *res);

struct ps_undo_result {
	int rc;			/* PS_OK, or the code of the failure */
	enum ps_repair_step step;
	char *msg;		/* rc != PS_OK: one line */
	int sys_errno;
	size_t npatches;	/* in the undo file */
	size_t reverted;	/* of them, applied (held the new bytes) and reverted */
	bool have_sha256;	/* the undo file records the image's sha256 */
	char sha256_hex[65];	/* the restored image's (when have_sha256) */
};

/*
 * Undo a repair: the undo file is read and checked (its own checksum,
 * every bound); the image must have the recorded size, and the bytes under
 * every patch must be the new bytes (applied) or the old ones (a repair
 * stopped midway); anything else refuses with nothing written. Then the
 * old bytes are written and fsync'd, and the image's sha256 compared with
 * the recorded one. Running it twice is harmless. Returns res->rc (free
 * with ps_undo_result_free).
 */
int ps_repair_undo(const char *undo_file, const char *image,
		   const struct ps_repair_faults *faults, struct ps_undo_result *res);
void ps_undo_result_free(struct ps_undo_result *res);

#endif
