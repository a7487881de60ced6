/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Big-endian fields (jbd2 and XFS store theirs big-endian; le.h has the
 * little-endian ones). One definition for every reader and writer of
 * such structures; never cast image bytes to a struct.
 */
#ifndef PS_BE_H
#define PS_BE_H
#include <stddef.h>
#include <stdint.h>

static inline uint16_t ps_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t ps_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t ps_be64(const uint8_t *p)
{
	return (uint64_t)ps_be32(p) << 32 | ps_be32(p + 4);
}

static inline void ps_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void ps_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void ps_put_be64(uint8_t *p, uint64_t v)
{
	ps_put_be32(p, (uint32_t)(v >> 32));
	ps_put_be32(p + 4, (uint32_t)v);
}

/* An unsigned big-endian integer of n bytes (n <= 8): the width comes
 * from a field table (field.h), as ps_get_le's does. */
static inline uint64_t ps_get_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static inline void ps_put_be(uint8_t *p, size_t n, uint64_t v)
{
	for (size_t i = n; i-- > 0; v >>= 8)
		p[i] = (uint8_t)v;
}
#endif
