/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PS_FLETCHER_H
#define PS_FLETCHER_H
#include <stddef.h>
#include <stdint.h>
/*
 * fletcher64 as libnvdimm computes it: 32-bit little-endian words, a 32-bit
 * low sum and a high sum of the low sums; len must be a multiple of 4.
 * skip_off/skip_len name a field (the stored checksum) read as zero.
 */
uint64_t ps_fletcher64(const uint8_t *buf, size_t len, size_t skip_off,
		       size_t skip_len);
#endif
