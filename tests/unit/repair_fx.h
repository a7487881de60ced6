/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Building blocks of the repair unit tests' images: pfn info blocks of the
 * current (1.4) and the legacy (1.2, start_pad) kind, and a minimal ext2
 * superblock that the probe accepts, so the analysis proves where a
 * filesystem starts as it does on a real image.
 */
#ifndef PS_TEST_REPAIR_FX_H
#define PS_TEST_REPAIR_FX_H
#include "pfn.h"
#include <stdint.h>

#define KiB 1024ULL
#define MiB (1024ULL * 1024)
#define GiB (1024ULL * MiB)

/* A 1.4 block for a namespace of S bytes, dataoff D, start_pad 0. */
struct ps_pfn_sb fx_sb14(uint64_t S, uint64_t D, uint32_t mode);
/* A legacy (v4.18-v5.0, version 1.2) block with start_pad P, end_trunc T. */
struct ps_pfn_sb fx_sb12(uint64_t S, uint64_t P, uint64_t T, uint64_t D);
/* An ext2 superblock (4 KiB blocks, no journal) of a bytes-long filesystem
 * into the filesystem's first 4 KiB block b. */
void fx_ext2(uint8_t b[4096], uint64_t bytes, uint8_t uuid0);

#endif
