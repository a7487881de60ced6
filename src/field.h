/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Field tables: every on-media structure is declared once, in its format
 * module's header, as a list of its fields in offset order:
 *
 *   #define PS_PFN_FIELDS(X, P) \
 *	X(P, signature, 0x000, 16, BYTES, 0, "signature") \
 *	X(P, flags,     0x030,  4, INT,   0, "flags") ...
 *
 * that is: the member's name as the kernel spells it (diagnostics use it),
 * offset and length in bytes, INT (unsigned little-endian, 1/2/4/8 bytes),
 * BE (the same, big-endian: XFS and jbd2 structures) or BYTES, the first version (minor) that has the field (0: all), and the
 * key `ndctl read-infoblock -j` / `read-labels -j` prints it under (NULL
 * if ndctl does not print it).
 *
 * The list is expanded three ways, so nothing else repeats an offset:
 *   enum { PS_PFN_FIELDS(PS_FIELD_CONST, PS_PFN) };
 *	compile-time constants PS_PFN_OFF_flags, _LEN_, _SINCE_, _TYPE_
 *	for the parser and the encoder (through PS_FIELD_LOAD/STORE below);
 *   PS_PFN_FIELDS(PS_FIELD_CHECK, PS_PFN)
 *	static assertions: each field lies inside the structure (P_SIZE)
 *	and each integer has a width ps_get_le handles;
 *   { PS_PFN_FIELDS(PS_FIELD_ENTRY, PS_PFN) }
 *	the run-time table (struct ps_layout) that renderers, repair and
 *	tests walk.
 */
#ifndef PS_FIELD_H
#define PS_FIELD_H
#include "be.h"
#include "le.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum ps_field_type {
	PS_FIELD_INT,	/* unsigned little-endian integer of 1, 2, 4 or 8 bytes */
	PS_FIELD_BYTES,	/* byte string: signature, uuid, name, padding */
	PS_FIELD_BE,	/* unsigned big-endian integer of 1, 2, 4 or 8 bytes */
};

struct ps_field {
	const char *name;	/* the kernel's member name */
	const char *ndctl;	/* ndctl's JSON key, NULL if ndctl omits it */
	uint32_t off;		/* from the start of the structure */
	uint32_t len;		/* 0: a flexible array up to the block's end */
	enum ps_field_type type;
	unsigned since;		/* first version (minor) with the field, 0: all */
};

struct ps_layout {
	const char *name;	/* the kernel's struct name */
	uint32_t size;		/* bytes, the fixed part for a flexible array */
	const struct ps_field *fields;	/* by offset, none overlapping */
	size_t nfields;
};

/* The field called name, or NULL. */
const struct ps_field *ps_field_find(const struct ps_layout *l, const char *name);
/* Is the field an integer (INT or BE)? */
static inline bool ps_field_is_int(const struct ps_field *f)
{
	return f->type != PS_FIELD_BYTES;
}
/* An integer field's value in the structure at block (0 for a BYTES field). */
uint64_t ps_field_get(const struct ps_field *f, const uint8_t *block);
/* Store v (truncated to the field's width) into an integer field; a BYTES
 * field is left alone. */
void ps_field_put(const struct ps_field *f, uint8_t *block, uint64_t v);
/* Does a structure of this version (minor) have the field? */
bool ps_field_in(const struct ps_field *f, unsigned version);

/* ---- expanding a field list (see the top of this file) ---- */

#define PS_FIELD_CONST(P, name, off, len, type, since, ndctl) \
	P##_OFF_##name = (off), P##_LEN_##name = (len), \
	P##_SINCE_##name = (since), P##_TYPE_##name = PS_FIELD_##type,

#define PS_FIELD_CHECK(P, name, off, len, type, since, ndctl) \
	_Static_assert((off) + (len) <= P##_SIZE, \
		       #P "." #name " lies inside the structure"); \
	_Static_assert(PS_FIELD_##type == PS_FIELD_BYTES || (len) == 1 || \
		       (len) == 2 || (len) == 4 || (len) == 8, \
		       #P "." #name " is a 1, 2, 4 or 8-byte integer");

#define PS_FIELD_ENTRY(P, name, off, len, type, since, ndctl) \
	{ #name, ndctl, (off), (len), PS_FIELD_##type, (since) },

#define PS_LAYOUT(P, kname, list) { kname, P##_SIZE, list, \
	sizeof(list) / sizeof((list)[0]) }

/* ---- reading and writing one field by name, checked at compile time ---- */

/* Integer field f of structure P in the buffer b, in the field's byte
 * order; a BYTES field does not compile (the array size goes negative). */
#define PS_FIELD_INT_LEN(P, f) \
	(sizeof(char[P##_TYPE_##f != (int)PS_FIELD_BYTES ? 1 : -1]) * P##_LEN_##f)
#define PS_FIELD_GET(P, b, f) \
	(P##_TYPE_##f == (int)PS_FIELD_BE ? \
	 ps_get_be((b) + P##_OFF_##f, PS_FIELD_INT_LEN(P, f)) : \
	 ps_get_le((b) + P##_OFF_##f, PS_FIELD_INT_LEN(P, f)))
#define PS_FIELD_PUT(P, b, f, v) do { \
	if (P##_TYPE_##f == (int)PS_FIELD_BE) \
		ps_put_be((b) + P##_OFF_##f, PS_FIELD_INT_LEN(P, f), (v)); \
	else \
		ps_put_le((b) + P##_OFF_##f, PS_FIELD_INT_LEN(P, f), (v)); \
} while (0)
/* A BYTES field's first byte in the buffer b (an integer field does not
 * compile). */
#define PS_FIELD_PTR(P, b, f) \
	((b) + P##_OFF_##f + 0 * sizeof(char[P##_TYPE_##f == (int)PS_FIELD_BYTES ? 1 : -1]))

/* dst = field f, and the reverse; both refuse to compile unless the
 * struct member has exactly the field's width. */
#define PS_FIELD_LOAD(P, b, f, dst) do { \
	_Static_assert(sizeof(dst) == P##_LEN_##f, #f ": member and field widths"); \
	(dst) = (__typeof__(dst))PS_FIELD_GET(P, b, f); \
} while (0)
#define PS_FIELD_STORE(P, b, f, src) do { \
	_Static_assert(sizeof(src) == P##_LEN_##f, #f ": member and field widths"); \
	PS_FIELD_PUT(P, b, f, src); \
} while (0)

/* A byte-string field to or from an array member of the same size. */
#define PS_FIELD_LOAD_BYTES(P, b, f, arr) do { \
	_Static_assert(sizeof(arr) == P##_LEN_##f, #f ": member and field sizes"); \
	memcpy((arr), (b) + P##_OFF_##f, sizeof(arr)); \
} while (0)
#define PS_FIELD_STORE_BYTES(P, b, f, arr) do { \
	_Static_assert(sizeof(arr) == P##_LEN_##f, #f ": member and field sizes"); \
	memcpy((b) + P##_OFF_##f, (arr), sizeof(arr)); \
} while (0)

/* Has a structure of this version (minor) field f? (A function, so that
 * a field every version has does not compare an unsigned with 0.) */
#define PS_FIELD_IN(P, f, version) ps_version_has((version), P##_SINCE_##f)
static inline bool ps_version_has(unsigned version, unsigned since)
{
	return version >= since;
}

/* The absolute offset and the name of field f of a structure P found at
 * image offset base: the (off, field) argument pair of ps_diag_add(). */
#define PS_FIELD_AT(P, base, f) ((base) + (uint64_t)P##_OFF_##f), #f

#endif
