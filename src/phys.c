/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "phys.h"
#include "err.h"
#include "outfile.h"
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RANGES 4096

/* A range's names, copied whole: they end up in the report's notes. */
struct ps_range_text {
	char *name, *uuid;
};

static int add_range(struct ps_phys_map *m, uint64_t s, uint64_t e,
		     const char *name, size_t namelen, const char *uuid)
{
	if (m->n >= MAX_RANGES)
		return PS_ERANGE;
	struct ps_phys_range *n = realloc(m->r, (m->n + 1) * sizeof(*n));
	if (!n)
		return PS_ENOMEM;
	m->r = n;
	struct ps_range_text t = { strndup(name, namelen), uuid ? strdup(uuid) : NULL };
	if (!t.name || (uuid && !t.uuid)) {
		free(t.name);
		free(t.uuid);
		return PS_ENOMEM;
	}
	struct ps_phys_range *r = &m->r[m->n++];
	memset(r, 0, sizeof(*r));
	r->start = s;
	r->end = e;
	r->name = t.name;
	r->uuid = t.uuid;
	return PS_OK;
}

int ps_iomem_parse(const char *text, struct ps_phys_map *m, char *err,
		   size_t errlen)
{
	memset(m, 0, sizeof(*m));
	int lineno = 0;
	for (const char *p = text; *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		lineno++;
		const char *q = p;
		while (q < p + len && isspace((unsigned char)*q))
			q++;
		if (q < p + len) {
			char *end;
			errno = 0;
			uint64_t s = strtoull(q, &end, 16);
			uint64_t e = 0;
			int okl = !errno && end > q && *end == '-';
			if (okl) {
				q = end + 1;
				e = strtoull(q, &end, 16);
				okl = !errno && end > q && e >= s;
			}
			if (okl) {
				q = end;
				while (q < p + len && (isspace((unsigned char)*q) || *q == ':'))
					q++;
				okl = q < p + len;
			}
			if (!okl) {
				snprintf(err, errlen, "line %d: not an iomem line (want 'START-END : NAME')",
					 lineno);
				ps_phys_map_free(m);
				return PS_EFORMAT;
			}
			int rc = add_range(m, s, e, q, (size_t)(p + len - q), NULL);
			if (rc) {
				snprintf(err, errlen, "line %d: %s", lineno, ps_strerror(rc));
				ps_phys_map_free(m);
				return rc;
			}
		}
		p = eol ? eol + 1 : p + len;
	}
	if (!m->n) {
		snprintf(err, errlen, "no ranges found");
		return PS_EFORMAT;
	}
	return PS_OK;
}

static int json_u64(json_object *o, uint64_t *v)
{
	if (json_object_is_type(o, json_type_int)) {
		*v = json_object_get_uint64(o);
		return 0;
	}
	if (json_object_is_type(o, json_type_string)) {
		const char *s = json_object_get_string(o);
		char *end;
		errno = 0;
		*v = strtoull(s, &end, 0);
		return errno || end == s || *end;
	}
	return -1;
}

static int walk(json_object *o, struct ps_phys_map *m, int depth)
{
	if (depth > 16)
		return PS_OK;
	if (json_object_is_type(o, json_type_array)) {
		size_t n = json_object_array_length(o);
		for (size_t i = 0; i < n; i++) {
			int rc = walk(json_object_array_get_idx(o, i), m, depth + 1);
			if (rc)
				return rc;
		}
		return PS_OK;
	}
	if (!json_object_is_type(o, json_type_object))
		return PS_OK;
	json_object *res, *size, *dev, *uuid;
	uint64_t s, z;
	if (json_object_object_get_ex(o, "resource", &res) &&
	    json_object_object_get_ex(o, "size", &size) &&
	    !json_u64(res, &s) && !json_u64(size, &z) && z) {
		const char *name = json_object_object_get_ex(o, "dev", &dev) ?
				   json_object_get_string(dev) : "ndctl object";
		const char *u = json_object_object_get_ex(o, "uuid", &uuid) ?
				json_object_get_string(uuid) : NULL;
		int rc = add_range(m, s, s + z - 1, name, strlen(name), u);
		if (rc)
			return rc;
	}
	json_object_object_foreach(o, key, val) {
		(void)key;
		int rc = walk(val, m, depth + 1);
		if (rc)
			return rc;
	}
	return PS_OK;
}

int ps_ndctl_json_parse(const char *text, struct ps_phys_map *m, char *err,
			size_t errlen)
{
	memset(m, 0, sizeof(*m));
	enum json_tokener_error jerr;
	json_object *root = json_tokener_parse_verbose(text, &jerr);
	if (!root) {
		snprintf(err, errlen, "not JSON: %s", json_tokener_error_desc(jerr));
		return PS_EFORMAT;
	}
	int rc = walk(root, m, 0);
	json_object_put(root);
	if (rc) {
		snprintf(err, errlen, "%s", ps_strerror(rc));
		ps_phys_map_free(m);
		return rc;
	}
	if (!m->n) {
		snprintf(err, errlen, "no object with \"resource\" and \"size\" (save it with 'ndctl list -R -N -v', or pass --phys-base)");
		return PS_EFORMAT;
	}
	return PS_OK;
}

void ps_phys_map_free(struct ps_phys_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->r[i].name);
		free(m->r[i].uuid);
	}
	free(m->r);
	memset(m, 0, sizeof(*m));
}

size_t ps_phys_overlaps(const struct ps_phys_map *m, uint64_t lo, uint64_t hi,
			uint64_t self_start, const struct ps_phys_range **out,
			size_t max)
{
	size_t k = 0;
	for (size_t i = 0; m && i < m->n && k < max; i++) {
		const struct ps_phys_range *r = &m->r[i];
		if (r->start == self_start)
			continue;
		if (r->start <= hi && r->end >= lo)
			out[k++] = r;
	}
	return k;
}

int ps_phys_match_size(const struct ps_phys_map *m, uint64_t size,
		       const struct ps_phys_range **hit)
{
	int n = 0;
	*hit = NULL;
	for (size_t i = 0; m && i < m->n; i++)
		if (m->r[i].end - m->r[i].start + 1 == size) {
			if (!n++)
				*hit = &m->r[i];
		}
	if (n != 1)
		*hit = NULL;
	return n == 1 ? PS_OK : n ? PS_EAMBIG : PS_ENOTFOUND;
}

char *ps_read_text_file(const char *path, size_t max, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	ps_input_note(fileno(f), path);
	char *buf = malloc(max + 1);
	size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
	int bad = !buf || ferror(f);
	fclose(f);
	if (bad) {
		snprintf(err, errlen, "%s: read error", path);
		free(buf);
		return NULL;
	}
	if (n > max) {
		snprintf(err, errlen, "%s: larger than %zu bytes; not a saved iomem/ndctl file",
			 path, max);
		free(buf);
		return NULL;
	}
	if (memchr(buf, 0, n)) {
		snprintf(err, errlen, "%s: contains NUL bytes at offset %zu; not a text file",
			 path, (size_t)((char *)memchr(buf, 0, n) - buf));
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	return buf;
}
