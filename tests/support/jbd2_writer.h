/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test support: a jbd2 journal writer that lays out a log the way the
 * kernel's commit code does (descriptor, data blocks, revoke blocks,
 * commit; escaped blocks; v1/v2/v3 checksums; 32- or 64-bit tags; a log
 * that wraps), into a buffer, for the reader in src/jbd2.c to recover.
 * pmemscan itself never writes a journal.
 */
#ifndef PS_TEST_JBD2_WRITER_H
#define PS_TEST_JBD2_WRITER_H
#include <stddef.h>
#include <stdint.h>

struct jw {
	uint32_t bs, maxlen, first;
	uint32_t compat, incompat;
	uint8_t uuid[16];
	uint8_t *img;		/* maxlen * bs bytes: journal block N at N * bs */
	uint64_t pos;		/* where the next log block goes */
	uint32_t seed;
	uint32_t crc1;		/* v1: running crc32_be of the transaction */
};

/* A journal of maxlen blocks of bs bytes, v2 superblock with the features
 * given (PS_JBD2_*), log from block 1. */
int jw_init(struct jw *w, uint32_t bs, uint32_t maxlen, uint32_t compat,
	    uint32_t incompat);
void jw_free(struct jw *w);
/* (Re)write the superblock: s_start, s_sequence (and its checksum). */
void jw_sb(struct jw *w, uint32_t start, uint32_t seq);
void jw_seek(struct jw *w, uint64_t pos);
/* A descriptor of tid with n tags for homes[] and their data blocks
 * (bs bytes each; one starting with the magic is escaped); returns the
 * journal block of the descriptor. */
uint64_t jw_desc(struct jw *w, uint32_t tid, size_t n, const uint64_t *homes,
		 const uint8_t *const *data);
/* A revoke block of tid revoking blocks[]. */
uint64_t jw_revoke(struct jw *w, uint32_t tid, size_t n, const uint64_t *blocks);
/* The commit block of tid, commit time sec. */
uint64_t jw_commit(struct jw *w, uint32_t tid, uint64_t sec);

#endif
