/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PS_CRC32C_H
#define PS_CRC32C_H
#include <stddef.h>
#include <stdint.h>
/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) as ext4 and XFS use
 * it: the caller gives the running value (no inversion here), so
 * crc32c(~0, "123456789", 9) ^ ~0 is the check value 0xE3069283.
 */
uint32_t ps_crc32c(uint32_t crc, const void *buf, size_t len);

/* An XFS v5 metadata CRC: crc32c seeded with ~0 over len bytes with the
 * 4-byte field at crc_off read as zero, inverted, stored little-endian at
 * crc_off. 1 if it matches, 0 if not (or crc_off + 4 > len). */
int ps_xfs_crc_ok(const uint8_t *buf, size_t len, size_t crc_off);
#endif
