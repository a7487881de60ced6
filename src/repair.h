/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Repair planning: each "repair kind" inspects the analysis of an image and
 * proposes byte patches (offset, old bytes, new bytes, reason), or refuses
 * with an explanation. Planners are pure: analysis + source in, plan out;
 * nothing is written here. A plan is checked by applying it to an overlay
 * source (the image with the patches laid over it, in memory) and
 * re-running ps_analyze on that: a namespace whose verdict does not become
 * valid has its patches withdrawn and is reported.
 *
 * The undo file format and the execution (copy, in place, undo) are also
 * here so that tests can drive them without the CLI.
 */
#ifndef PS_REPAIR_H
#define PS_REPAIR_H
#include "imgsrc.h"
#include "ns.h"
#include <stdbool.h>
#include <stdint.h>

#define PS_PATCH_MAX_LEN 4096u

struct ps_patch {
	uint64_t off;		/* absolute image offset */
	uint32_t len;
	uint8_t old[PS_PATCH_MAX_LEN];
	uint8_t new_[PS_PATCH_MAX_LEN];
	int ns;			/* namespace index in the analysis */
	const char *kind;	/* repair kind */
	char field[32];		/* on-media field name */
	char oldv[64], newv[64];	/* values, for humans */
	char reason[400];
};

struct ps_refusal {
	int ns;
	const char *kind;
	char msg[720];
};

struct ps_plan {
	struct ps_patch *p;
	size_t n, cap;
	struct ps_refusal *r;
	size_t nr, capr;
	int nnotes;
	char notes[16][400];	/* assumptions the plan rests on */
};

struct ps_repair_opts {
	int ns;			/* -1: every namespace */
	enum ps_sem sem;	/* AUTO, or the user's choice for an ambiguous one */
	bool have_phys_base;
	uint64_t phys_base;	/* physical address of image offset 0 */
	bool assume_aligned;	/* take the namespace base as max(align, 2 MiB) aligned */
	uint64_t ns_size;	/* namespace size given by the user, 0 = unknown */
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
/* Add a patch; new/old of len bytes. Returns PS_OK or PS_ENOMEM/PS_EINVAL. */
int ps_plan_add(struct ps_plan *p, int ns, const char *kind, uint64_t off,
		const uint8_t *old, const uint8_t *new_, uint32_t len,
		const char *field, const char *oldv, const char *newv,
		const char *reason_fmt, ...) __attribute__((format(printf, 11, 12)));
void ps_plan_refuse(struct ps_plan *p, int ns, const char *kind,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void ps_plan_note(struct ps_plan *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Drop every patch of namespace ns. */
void ps_plan_withdraw(struct ps_plan *p, int ns);

/* Run every repair kind over every (selected) namespace of a. */
int ps_repair_plan(struct ps_src *src, const struct ps_analysis *a,
		   const struct ps_repair_opts *o, struct ps_plan *plan);

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

/* sha256 of a whole source (holes read as zeros). */
int ps_src_sha256(struct ps_src *src, uint8_t out[32]);

/* ---- undo files ---- */

struct ps_undo {
	char image[512];
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

#endif
