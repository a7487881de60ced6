/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Weighing a namespace whose two readings of start_pad (legacy and fixed)
 * both hold a valid filesystem: what each superblock says (ext: last
 * write and mount times, journal state), where each lies, what size each
 * claims, turned into reasons (src/facts.h), a recommendation, and whether
 * it is decisive (docs/start_pad.md "Weighing"). The words are the CLI's.
 */
#ifndef PS_WEIGH_H
#define PS_WEIGH_H
#include "imgsrc.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a superblock says about when and how a filesystem was last used. */
struct ps_sb_facts {
	bool ext;		/* an ext2/3/4 superblock was read */
	bool xfs;		/* xfs: no times in its superblock */
	uint64_t wtime;		/* s_wtime (last write), 0 = never */
	uint64_t mtime;		/* s_mtime (last mount), 0 = never */
	uint64_t mkfs_time;	/* s_mkfs_time, 0 = unknown */
	bool has_journal;	/* compat has_journal, internal (inode 8) */
	bool needs_recovery;	/* incompat recover: mounted when imaged */
	bool have_jseq;		/* the journal superblock was read */
	uint32_t jseq;		/* its s_sequence (mke2fs writes 1) */
	uint32_t jstart;	/* its s_start (0: the log is empty) */
};

/* Parse an ext2/3/4 superblock (the 1024 bytes at offset 1024): pure.
 * PS_OK, PS_ETRUNC (len < 1024) or PS_EFORMAT (no ext magic). */
int ps_ext_sb_facts(const uint8_t *sb, size_t len, struct ps_sb_facts *out);
/* Parse a jbd2 journal superblock (first block of the journal): pure;
 * sets have_jseq, jseq, jstart. PS_OK, PS_ETRUNC or PS_EFORMAT. */
int ps_jbd2_sb_facts(const uint8_t *b, size_t len, struct ps_sb_facts *out);

struct ps_ns;
/* Read the superblock facts of every candidate holding a valid filesystem
 * and weigh them into ns->weigh (both readings must hold one). PS_OK
 * (an unreadable superblock only weighs nothing) or PS_ENOMEM. */
int ps_weigh(struct ps_src *src, struct ps_ns *ns);

#endif
