/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table driven.
 * No pre- or post-inversion: callers seed and finish as their format
 * says (XFS: seed ~0, store ~crc). */
#ifndef PS_CRC32C_H
#define PS_CRC32C_H
#include <stddef.h>
#include <stdint.h>

uint32_t ps_crc32c(uint32_t crc, const void *buf, size_t len);

#endif
