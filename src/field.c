/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "field.h"
#include <string.h>

const struct ps_field *ps_field_find(const struct ps_layout *l, const char *name)
{
	for (size_t i = 0; i < l->nfields; i++)
		if (!strcmp(l->fields[i].name, name))
			return &l->fields[i];
	return NULL;
}

uint64_t ps_field_get(const struct ps_field *f, const uint8_t *block)
{
	if (f->type == PS_FIELD_BE)
		return ps_get_be(block + f->off, f->len);
	return f->type == PS_FIELD_INT ? ps_get_le(block + f->off, f->len) : 0;
}

void ps_field_put(const struct ps_field *f, uint8_t *block, uint64_t v)
{
	if (f->type == PS_FIELD_BE)
		ps_put_be(block + f->off, f->len, v);
	else if (f->type == PS_FIELD_INT)
		ps_put_le(block + f->off, f->len, v);
}

bool ps_field_in(const struct ps_field *f, unsigned version)
{
	return ps_version_has(version, f->since);
}
