// SPDX-License-Identifier: GPL-2.0-or-later
/* CRC-32C, one byte at a time through a 256-entry table built on first
 * use (thread-safe: building it twice writes the same values). */
#include "config.h"
#include "crc32c.h"

static uint32_t table[256];
static volatile int table_ready;

static void build(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		table[i] = c;
	}
	table_ready = 1;
}

uint32_t ps_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	if (!table_ready)
		build();
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}
