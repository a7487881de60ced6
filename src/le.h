/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Little-endian on-media accessors; never cast image bytes to structs. */
#ifndef PS_LE_H
#define PS_LE_H
#include <stdint.h>
#include <string.h>

static inline uint16_t ps_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t ps_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}
static inline uint64_t ps_le64(const uint8_t *p)
{
	return (uint64_t)ps_le32(p) | ((uint64_t)ps_le32(p + 4) << 32);
}
static inline void ps_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static inline void ps_put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline void ps_put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
/* An unsigned little-endian integer of n bytes (n <= 8): the width comes
 * from a field table (field.h), so one call serves every field. */
static inline uint64_t ps_get_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}
static inline void ps_put_le(uint8_t *p, size_t n, uint64_t v)
{
	for (size_t i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}
/* Compares the buffer with itself shifted by one byte, so that the
 * library's vectorised memcmp does the scan: carve and cat call this on
 * every 4 KiB block they copy. */
static inline int ps_is_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && !memcmp(p, p + 1, n - 1));
}
/* Overflow-checked arithmetic for sizes read from an image. */
static inline int ps_add_ovf(uint64_t a, uint64_t b, uint64_t *r)
{
	return __builtin_add_overflow(a, b, r);
}
static inline int ps_mul_ovf(uint64_t a, uint64_t b, uint64_t *r)
{
	return __builtin_mul_overflow(a, b, r);
}
static inline uint64_t ps_align_up(uint64_t v, uint64_t a)
{
	return a ? (v + a - 1) / a * a : v;
}
static inline uint64_t ps_align_down(uint64_t v, uint64_t a)
{
	return a ? v / a * a : v;
}
#endif
