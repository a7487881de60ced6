/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CRC-32C, table-driven (a byte at a time): see crc32c.h. */
#include "crc32c.h"
#include "le.h"
#include <pthread.h>

static uint32_t tab[256];
static pthread_once_t tab_once = PTHREAD_ONCE_INIT;

static void tab_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		tab[i] = c;
	}
}

uint32_t ps_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	pthread_once(&tab_once, tab_init);
	while (len--)
		crc = tab[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

int ps_xfs_crc_ok(const uint8_t *buf, size_t len, size_t crc_off)
{
	static const uint8_t zero[4];
	if (crc_off > len || len - crc_off < 4)
		return 0;
	uint32_t c = ps_crc32c(~0u, buf, crc_off);
	c = ps_crc32c(c, zero, 4);
	c = ps_crc32c(c, buf + crc_off + 4, len - crc_off - 4);
	return ~c == ps_le32(buf + crc_off);
}
