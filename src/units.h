/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sizes the on-media formats are built from, defined once. They are
 * uint64_t so that arithmetic with image offsets is done in 64 bits
 * whatever the other operand's type.
 */
#ifndef PS_UNITS_H
#define PS_UNITS_H
#include <stdint.h>

#define SZ_4K ((uint64_t)4096)
#define SZ_1M ((uint64_t)1 << 20)
#define SZ_8K ((uint64_t)8192)
#define SZ_2M ((uint64_t)2 << 20)

#endif
