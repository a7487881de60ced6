/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * jbd2 (the ext3/ext4 journal): the journal superblock and a read-only
 * recovery that does what the kernel's mount does (scan, revoke and
 * replay passes over the log from s_start), but writes nothing: its
 * result is a map {filesystem block -> journal block (+ escape)} that an
 * overlay serves reads through (docs/journal.md). Only the mapping is
 * held, never block data. Journal blocks are read through a callback.
 */
#ifndef PS_JBD2_H
#define PS_JBD2_H
#include "crc32c.h"	/* ps_crc32c: jbd2 checksums are CRC-32C */
#include "journal.h"
#include <stddef.h>
#include <stdint.h>

#define PS_JBD2_MAGIC 0xC03B3998u
#define PS_JBD2_DESCRIPTOR 1
#define PS_JBD2_COMMIT 2
#define PS_JBD2_SB_V1 3
#define PS_JBD2_SB_V2 4
#define PS_JBD2_REVOKE 5

#define PS_JBD2_COMPAT_CHECKSUM 0x1u
#define PS_JBD2_INCOMPAT_REVOKE 0x1u
#define PS_JBD2_INCOMPAT_64BIT 0x2u
#define PS_JBD2_INCOMPAT_ASYNC_COMMIT 0x4u
#define PS_JBD2_INCOMPAT_CSUM_V2 0x8u
#define PS_JBD2_INCOMPAT_CSUM_V3 0x10u
#define PS_JBD2_INCOMPAT_FAST_COMMIT 0x20u
#define PS_JBD2_INCOMPAT_KNOWN 0x3fu

#define PS_JBD2_FLAG_ESCAPE 0x1
#define PS_JBD2_FLAG_SAME_UUID 0x2
#define PS_JBD2_FLAG_LAST_TAG 0x8

/* journal superblock field offsets (big-endian) */
#define PS_JSB_BLOCKTYPE 0x04
#define PS_JSB_BLOCKSIZE 0x0c
#define PS_JSB_MAXLEN 0x10
#define PS_JSB_FIRST 0x14
#define PS_JSB_SEQUENCE 0x18
#define PS_JSB_START 0x1c
#define PS_JSB_ERRNO 0x20
#define PS_JSB_COMPAT 0x24
#define PS_JSB_INCOMPAT 0x28
#define PS_JSB_ROCOMPAT 0x2c
#define PS_JSB_UUID 0x30
#define PS_JSB_CSUM_TYPE 0x50
#define PS_JSB_NUM_FC 0x54
#define PS_JSB_CHECKSUM 0xfc

/* Read journal logical block jblk (blocksize bytes) into buf: PS_OK or
 * an error code (the reader keeps its own message). */
typedef int (*ps_jbd2_read_fn)(void *ctx, uint64_t jblk, void *buf);

struct ps_jbd2_ent {
	uint64_t home;		/* filesystem block */
	uint64_t jblk;		/* journal block holding its new content */
	uint32_t order;		/* position in log order (last wins) */
	uint8_t escape;		/* restore the magic in bytes 0-3 */
};

struct ps_jbd2 {
	/* superblock */
	uint32_t blocksize, blocktype, maxlen, first, sequence, start;
	int32_t s_errno;
	uint32_t compat, incompat, rocompat, num_fc;
	uint8_t uuid[16];
	uint8_t csum_type;
	/* geometry */
	uint64_t total_len;	/* usable journal length in blocks */
	uint64_t jfirst, jlast;	/* log blocks [jfirst, jlast) */
	unsigned tag_bytes;
	int csum_v23;		/* 2, 3, or 0 */
	uint32_t seed;		/* checksum seed from s_uuid */
	/* which kernel's rules recovery follows where 6.1 and 6.12 differ
	 * (a commit block damaged after its first 64 bytes): 612, set by
	 * sb_parse; 601 for 6.1's */
	unsigned kernel;
	/* recovery result (ps_jbd2_recover) */
	struct ps_journal st;	/* counters, stop, sequence range */
	struct ps_jbd2_ent *map;	/* sorted by home, one per home */
	size_t nmap;
	uint64_t fc_blocks;	/* fast-commit blocks holding a HEAD of the
				 * transaction that follows the log */
};

/* CRC-32 big-endian (Linux crc32_be), no inversions: v1 commit checksums. */
uint32_t ps_crc32_be(uint32_t crc, const void *p, size_t n);

/* Parse and validate the journal superblock (the first 1024 bytes of
 * journal block 0) against the filesystem's block size and the journal's
 * length in blocks. PS_OK, or PS_EFORMAT with j->st.bad saying why. */
int ps_jbd2_sb_parse(const uint8_t *sb, uint32_t fs_blocksize,
		     uint64_t total_len, struct ps_jbd2 *j);

/* Recover: the three passes from s_start/s_sequence. fs_blocks bounds
 * home block numbers. PS_OK when the walk could be made (j->st says what
 * was found, where it stopped and whether the kernel's mount would fail;
 * j->map holds what replay writes), PS_ENOMEM. Call after sb_parse. */
int ps_jbd2_recover(struct ps_jbd2 *j, ps_jbd2_read_fn rd, void *ctx,
		    uint64_t fs_blocks);

/* The replayed copy of a filesystem block, or NULL. */
const struct ps_jbd2_ent *ps_jbd2_lookup(const struct ps_jbd2 *j,
					 uint64_t home);
void ps_jbd2_free(struct ps_jbd2 *j);

/* The journal superblock as the kernel leaves it after recovery and a
 * read-only mount's flush: log empty (s_start 0), s_sequence end + 1,
 * no fast-commit feature, checksum recomputed. sb is blocksize bytes. */
void ps_jbd2_sb_recovered(const struct ps_jbd2 *j, uint8_t *sb);

#endif
