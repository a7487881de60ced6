/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fletcher.h"
#include "le.h"

uint64_t ps_fletcher64(const uint8_t *buf, size_t len, size_t skip_off,
		       size_t skip_len)
{
	uint32_t lo = 0;
	uint64_t hi = 0;

	for (size_t i = 0; i + 4 <= len; i += 4) {
		uint32_t w = 0;
		if (i + 4 <= skip_off || i >= skip_off + skip_len)
			w = ps_le32(buf + i);
		lo += w;
		hi += lo;
	}
	return (hi << 32) | lo;
}
