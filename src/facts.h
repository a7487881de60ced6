/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the analysis concludes about a namespace, as data: the evidence
 * about each candidate data start, what kernels do with the namespace, and
 * the commands worth running next. Nothing here is a sentence: the CLI's
 * rendering layer (cmd/render.h) turns every record into words, for the
 * text and the JSON report alike, so the analysis needs neither the name
 * the user typed for the image nor a way to quote it for a shell.
 *
 * Each record is a kind and the numbers it needs (a, b, c: their meaning
 * is given per kind below, in that order); a name is copied into the
 * record (owned by the analysis, freed with it).
 */
#ifndef PS_FACTS_H
#define PS_FACTS_H
#include <stdbool.h>
#include <stdint.h>

/* Which interpretation of start_pad (nvdimm-formats.md "start_pad semantics by kernel era"). */
enum ps_sem {
	PS_SEM_AUTO = 0,	/* the proven one; refuse if none is */
	PS_SEM_LEGACY,		/* data at base + start_pad + dataoff */
	PS_SEM_FIXED,		/* data at base + dataoff */
};

/* ---- evidence about one candidate data start ---- */

enum ps_ev_kind {
	PS_EV_TRUNCATED = 1,	/* the image ends a bytes into the candidate's b
				 * (a = 0: before the candidate starts) */
	PS_EV_BTT_UNREADABLE,	/* the BTT could not be opened; text: the error */
	PS_EV_PROBE_FAILED,	/* err: the PS_E* code of the failed probe */
	PS_EV_AMBIVALENT,	/* libblkid found more than one signature */
	/* what libblkid found (details in the candidate's probe): */
	PS_EV_FS_VALID,		/* a filesystem or partition table, checksums valid */
	PS_EV_FS_BAD_CSUM,	/* a superblock whose checksum is wrong (damaged) */
	PS_EV_SIGNATURE,	/* a type without a usable superblock */
	PS_EV_NO_FS,		/* nothing: probe.content says what the bytes are */
	/* the size the filesystem claims (a) against the candidate's (b): */
	PS_EV_FS_OVERRUNS,	/* a > b: it would run past the namespace */
	PS_EV_FS_FITS,		/* a <= b; c = the candidate's bytes in the image
				 * (all of the filesystem is there: a <= c) */
	PS_EV_FS_CUT,		/* a <= b, but the image ends c bytes into the
				 * filesystem (c < a): only its start is there */
	/* geometry: where this candidate lies in the other reading's layout */
	PS_EV_IN_START_PAD,	/* fixed candidate at ns + a, inside the legacy
				 * reading's start_pad area [0, b) */
	PS_EV_IN_MEMMAP,	/* fixed candidate at ns + a, inside the legacy
				 * reading's struct-page reservation [b, c):
				 * the kernel writes only part of it
				 * (measured: from start_pad + 2 MiB on; a
				 * 1 GiB namespace up to start_pad + 16 MiB,
				 * not start_pad + dataoff) */
	PS_EV_PAST_DATA_END,	/* legacy candidate: past the fixed data end */
	PS_EV_INTO_DATA,	/* legacy candidate: a bytes into the fixed
				 * reading's data area */
};

struct ps_evidence {
	enum ps_ev_kind kind;
	uint64_t a, b, c;
	int err;
	char *text;
};

/* At most one of each group above applies to a candidate, so five
 * records are the most one can hold; the array has room to spare. */
#define PS_MAX_EVIDENCE 8

/* ---- weighing two readings that both hold a filesystem ----
 * (docs/start_pad.md "Weighing"). Each reason favours one reading (or
 * none: a fact said for completeness); the numbers per kind: */

enum ps_why_kind {
	PS_WHY_IN_START_PAD = 1, /* the fixed reading's filesystem [a, a + b)
				  * (namespace offsets) lies entirely inside
				  * the start_pad area [0, c), which the kernel
				  * never writes under this block: it predates
				  * the block (favours legacy) */
	PS_WHY_SIZE_IS_ROOM,	/* the favoured reading's filesystem claims
				 * a bytes, exactly the room that reading
				 * gives (b = the other's claim, c = its room) */
	PS_WHY_NEWER,		/* ext: the favoured filesystem was last
				 * written or mounted at a (unix seconds),
				 * the other at b */
	PS_WHY_NEEDS_RECOVERY,	/* ext: the favoured filesystem's journal
				 * needs recovery (it was mounted when the
				 * image was taken); the other's is clean */
	PS_WHY_JOURNAL_USED,	/* ext: the favoured filesystem's journal
				 * has committed transactions (its sequence
				 * a > 1); the other's never did (b <= 1) */
	PS_WHY_NO_TIMES,	/* favours none: the filesystem of reading
				 * "sem" (xfs) keeps no last-write or
				 * last-mount time in its superblock */
};

struct ps_reason {
	enum ps_why_kind kind;
	enum ps_sem favours;	/* PS_SEM_AUTO: favours neither */
	enum ps_sem about;	/* NO_TIMES: the reading it is about */
	uint64_t a, b, c;
};

/* Which rule made a recommendation decisive (--semantics auto takes it). */
enum ps_decisive {
	PS_DECISIVE_NO = 0,	/* not decisive: auto refuses */
	PS_DECISIVE_START_PAD,	/* the start_pad reason, nothing against it */
	PS_DECISIVE_TWO_KINDS,	/* two reasons of different kinds agree,
				 * nothing against them */
};

#define PS_MAX_REASONS 8

struct ps_weighing {
	bool weighed;		/* both readings hold a valid filesystem */
	int nreasons;
	struct ps_reason reasons[PS_MAX_REASONS];
	enum ps_sem recommend;	/* PS_SEM_AUTO: no recommendation (no
				 * reason, or reasons on both sides) */
	bool conflict;		/* reasons favour both readings */
	enum ps_decisive decisive;
};

/* ---- what kernels do with a namespace, where it sat ---- */

enum ps_note_kind {
	/* fsdax with start_pad, legacy layout proven */
	PS_NOTE_BLOCKIO_READS_LEGACY = 1, /* block I/O finds the filesystem */
	PS_NOTE_DAX_PFN_BEFORE_RANGE,	/* a = start_pad; dataoff < start_pad:
					 * the first data pfn lies before the
					 * mapped range */
	PS_NOTE_DAX_PFN_TOO_LOW,	/* a = start_pad; dataoff >= start_pad */
	/* fsdax with start_pad, fixed layout proven */
	PS_NOTE_BLOCKIO_MISSES_FIXED,	/* a = start_pad, b = the image offset
					 * every kernel reads instead */
	PS_NOTE_UNAWARE_WRITER,		/* a start_pad-unaware writer put it there */
	/* a pre-1.3 block, no physical address known */
	PS_NOTE_COMPAT_ALIGN_RULE,	/* v5.7+ need 2 MiB aligned edges */
	/* physical placement (--phys-base, --iomem, --ndctl-json) */
	PS_NOTE_PLACEMENT,		/* a = physical base, b = its offset into
					 * its section, c = physical end */
	PS_NOTE_PAD_IS_COLLISION,	/* a = start_pad, exactly the distance to
					 * the next section boundary */
	PS_NOTE_PAD_MISMATCH,		/* a = start_pad, b = that distance */
	PS_NOTE_FIRST_SECTION_SHARED,	/* name [a, b] shares the first section */
	PS_NOTE_FIRST_SECTION_ALONE,	/* nothing in the map within [a, b) */
	PS_NOTE_LAST_SECTION_SHARED,	/* name [a, b] shares the last section */
	PS_NOTE_ALIGN_ACCEPTED,		/* base + start_pad, end - end_trunc aligned */
	PS_NOTE_ALIGN_REFUSED,		/* a = base + start_pad, b = end - end_trunc,
					 * c = 1 if a is aligned (the end is not) */
	PS_NOTE_DAX_PFNS,		/* a = the pfn v4.6-v5.0 compute, b = the
					 * real pfn of the first data page */
};

struct ps_note {
	enum ps_note_kind kind;
	uint64_t a, b, c;
	char *name;
};

/* ---- the commands worth running next ---- */

enum ps_act_kind {
	PS_ACT_EXTRACT = 1,	/* pmemscan extract: the files, into a new directory */
	PS_ACT_MOUNT,		/* a read-only loop mount of the image's bytes
				 * [off, off + size): only where the image file
				 * holds the data as it is (not compressed, no
				 * BTT), which the renderer knows for the input */
	PS_ACT_CARVE,		/* pmemscan carve: the data as a new image file */
	PS_ACT_FSCK,		/* a read-only check of the carved image against
				 * a backup superblock */
	PS_ACT_REPAIR_PLAN,	/* pmemscan repair --plan */
};

enum ps_fsck_kind {
	PS_FSCK_EXT = 1,	/* e2fsck -b backup_block */
	PS_FSCK_XFS,		/* xfs_repair -n: finds secondary superblocks */
};

struct ps_action {
	enum ps_act_kind kind;
	int ns;			/* the namespace index */
	enum ps_sem sem;	/* the reading to ask for (--semantics);
				 * PS_SEM_AUTO: none needed */
	uint64_t off, size;	/* MOUNT: the byte range of the image (never
				 * past its end); CARVE: see need */
	bool carved_only;	/* CARVE: the carved image is the only thing
				 * to mount (the data is behind a BTT) */
	uint64_t need;		/* CARVE of a truncated namespace (verdict
				 * TRUNCATED): the filesystem's size, of which
				 * the carved image holds only size bytes;
				 * 0 otherwise. No MOUNT is suggested then:
				 * the kernel refuses a filesystem larger
				 * than its device */
	int exit_code;		/* the exit code the command ends with on this
				 * input when it works as it should (0; 1 for
				 * an extract of a damaged filesystem, which
				 * reads it as it is; 4 for e2fsck -n of one) */
	enum ps_fsck_kind fsck;	/* FSCK */
	uint32_t backup_block;	/* FSCK of ext: the first backup superblock */
};

/* Extract, mount, carve, fsck, repair at most. */
#define PS_MAX_ACTIONS 5

#endif
