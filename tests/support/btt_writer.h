/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test support: a BTT writer that lays arenas out as the kernel's
 * create_arenas()/alloc_arena() do and writes LBAs as btt_write_pg()
 * does, so tests and tests/support/mkfx-btt can build BTTs (fresh, written,
 * torn, damaged) for the reader and the checker in src/btt*.c to read.
 * pmemscan itself never formats a BTT.
 */
#ifndef PS_TEST_BTT_WRITER_H
#define PS_TEST_BTT_WRITER_H
#include "btt.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the writer writes: a file descriptor, or a caller buffer. */
struct ps_btt_sink {
	int fd;			/* >= 0: the namespace is at fd offset 'base' */
	uint8_t *buf;		/* else: the namespace is buf[base ...] */
	uint64_t base;
	uint64_t ns_size;	/* namespace size in bytes */
};

struct ps_btt_fmt {
	uint32_t lbasize;	/* external_lbasize, e.g. 512 or 4096 */
	unsigned version_major;	/* 1 (v1.1 at 4096) or 2 (v2.0 at 0) */
	uint8_t uuid[16];
	uint8_t parent_uuid[16];
	uint32_t nfree;		/* 0: 256 */
	int log_index1;		/* 0/1: slots (0,1); 2: pre-4.15 (0,2) */
	bool zero_meta;		/* write zeros over map and flog first
				 * (else the target must read as zero) */
};

struct ps_btt_writer;

/*
 * Lay out the arenas as create_arenas()/alloc_arena() and write each
 * arena's metadata as btt_arena_write_layout() (map zeroed, flog lane i =
 * {i, external_nlba+i, external_nlba+i, seq 1}, backup info block written
 * before the primary). Returns a writer whose free lists are those
 * btt_freelist_init() builds for a fresh layout.
 */
int ps_btt_format(const struct ps_btt_sink *s, const struct ps_btt_fmt *f,
		  struct ps_btt_writer **out, char *err, size_t errlen);

#define PS_BTT_W_TORN 1u	/* stop after the flog write (no map update) */
/*
 * Write one external LBA as btt_write_pg(): data into the lane's free
 * block, flog entry {lba, old, new, next seq} into the lane's next slot,
 * then the map entry. data is sector_size bytes. lane < 0: round robin.
 */
int ps_btt_write_lba(struct ps_btt_writer *w, uint64_t lba, const void *data,
		     int lane, unsigned flags);
/* Raw map entry access (fault injection): arena-local via external LBA. */
int ps_btt_writer_get_map(struct ps_btt_writer *w, uint64_t lba, uint32_t *raw);
int ps_btt_writer_set_map(struct ps_btt_writer *w, uint64_t lba, uint32_t raw);
uint64_t ps_btt_writer_nlba(const struct ps_btt_writer *w);
uint32_t ps_btt_writer_sector_size(const struct ps_btt_writer *w);
unsigned ps_btt_writer_narenas(const struct ps_btt_writer *w);
/* Namespace offsets of arena i's primary and backup info blocks. */
int ps_btt_writer_arena(const struct ps_btt_writer *w, unsigned i,
			uint64_t *info_off, uint64_t *info2_off,
			uint64_t *mapoff, uint64_t *logoff);
void ps_btt_writer_free(struct ps_btt_writer *w);

/* Kernel geometry of one arena of 'size' bytes (alloc_arena). */
struct ps_btt_geom {
	uint32_t internal_lbasize, internal_nlba, external_nlba, nfree;
	uint64_t dataoff, mapoff, logoff, info2off;	/* arena-relative */
};
int ps_btt_geometry(uint64_t arena_size, uint32_t lbasize, uint32_t nfree,
		    struct ps_btt_geom *g);

#endif
