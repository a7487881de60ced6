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

/* An iomem address: 1 to 16 hex digits, nothing else (strtoull alone
 * would take a sign, blanks or "0x"). The end of the digits in *end. */
static int iomem_hex(const char *p, const char *lim, uint64_t *v, const char **end)
{
	const char *q = p;
	uint64_t x = 0;
	while (q < lim && isxdigit((unsigned char)*q) && q - p < 17) {
		int c = (unsigned char)*q;
		x = x << 4 | (uint64_t)(isdigit(c) ? c - '0' : tolower(c) - 'a' + 10);
		q++;
	}
	*v = x;
	*end = q;
	return q > p && q - p <= 16 ? 0 : -1;
}

/* what stands at q, for an error line: up to 16 bytes, printable only */
static void iomem_show(const char *q, const char *lim, char *out, size_t outlen)
{
	size_t o = 0;
	while (q < lim && o + 1 < outlen && o < 16) {
		unsigned char c = (unsigned char)*q++;
		out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[o] = 0;
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
		const char *lim = p + len;
		if (lim > p && lim[-1] == '\r')	/* saved with CRLF line ends */
			lim--;
		const char *q = p;
		while (q < lim && (*q == ' ' || *q == '\t'))
			q++;
		if (q < lim) {
			uint64_t s, e;
			const char *end, *what = NULL;
			char got[17];
			if (iomem_hex(q, lim, &s, &end) || end >= lim || *end != '-')
				what = "START (1 to 16 hex digits, then '-')";
			else if (iomem_hex(end + 1, lim, &e, &end))
				what = "END (1 to 16 hex digits)";
			else if (e < s)
				what = "END (below START)";
			if (!what) {
				q = end;
				while (q < lim && (*q == ' ' || *q == '\t' || *q == ':'))
					q++;
				if (q == end || q >= lim)
					what = "NAME (after ' : ')";
			}
			for (const char *c = q; !what && c < lim; c++)
				if ((unsigned char)*c < 0x20 || *c == 0x7f)
					what = "NAME (holds a control byte)";
			if (what) {
				iomem_show(q, lim, got, sizeof(got));
				snprintf(err, errlen, "line %d: not an iomem line (want 'START-END : NAME'): field %s, got '%s'",
					 lineno, what, got);
				ps_phys_map_free(m);
				return PS_EFORMAT;
			}
			int rc = add_range(m, s, e, q, (size_t)(lim - q), NULL);
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

/* ---- ndctl list JSON ---- */

#define JSON_DEPTH 16

struct jwalk {
	struct ps_phys_map *m;
	char *err;
	size_t errlen;
	char path[256];	/* where the walk is: regions[0].namespaces[1] */
};

/* Append ".key" or "[i]" to the path (cut with "..." when too long;
 * bytes that are not printable become '?'); returns the old length. */
static size_t jpath_push(struct jwalk *j, const char *key, size_t idx)
{
	size_t old = strlen(j->path), cap = sizeof(j->path) - 4;
	char buf[64];
	if (key) {
		size_t o = 0;
		if (old)
			buf[o++] = '.';
		for (; *key && o < sizeof(buf) - 1; key++)
			buf[o++] = (unsigned char)*key >= 0x20 && (unsigned char)*key < 0x7f ? *key : '?';
		buf[o] = 0;
	} else {
		snprintf(buf, sizeof(buf), "[%zu]", idx);
	}
	size_t n = strlen(buf);
	if (old + n > cap) {
		if (old < cap)
			strcpy(j->path + old, "...");
		return old;
	}
	memcpy(j->path + old, buf, n + 1);
	return old;
}

static int jbad(struct jwalk *j, const char *field, json_object *v, const char *want)
{
	char val[40];
	if (json_object_is_type(v, json_type_string))
		snprintf(val, sizeof(val), "a string");
	else
		snprintf(val, sizeof(val), "%s", json_type_to_name(json_object_get_type(v)));
	snprintf(j->err, j->errlen, "%s%s\"%s\": %s, not %s", j->path, j->path[0] ? ": " : "",
		 field, val, want);
	return PS_EFORMAT;
}

/* A number ndctl prints: an integer, or a string of one ("0x577c000000",
 * as --human prints an address); a human size ("16.00 GiB") is not. */
static int json_u64(struct jwalk *j, json_object *o, const char *field, uint64_t *v)
{
	static const char want[] = "an integer or a string of one (ndctl list without -u/--human)";
	if (json_object_is_type(o, json_type_int)) {
		if (json_object_get_int64(o) < 0)
			return jbad(j, field, o, "a negative integer: want one of 0 or more");
		*v = json_object_get_uint64(o);
		return PS_OK;
	}
	if (json_object_is_type(o, json_type_string)) {
		const char *s = json_object_get_string(o);
		char *end;
		errno = 0;
		*v = strtoull(s, &end, 0);
		if (isdigit((unsigned char)s[0]) && !errno && end != s && !*end)
			return PS_OK;
		/* name the string: printable bytes only, cut */
		char shown[40];
		size_t k = 0;
		for (; s[k] && k < sizeof(shown) - 1; k++)
			shown[k] = (unsigned char)s[k] >= 0x20 && (unsigned char)s[k] < 0x7f ? s[k] : '?';
		shown[k] = 0;
		snprintf(j->err, j->errlen, "%s%s\"%s\": \"%s%s\" is not %s", j->path,
			 j->path[0] ? ": " : "", field, shown, s[k] ? "..." : "", want);
		return PS_EFORMAT;
	}
	return jbad(j, field, o, want);
}

/* An optional string field: absent gives NULL; any other type is an error. */
static int json_str(struct jwalk *j, json_object *o, const char *field, const char **v)
{
	json_object *f;
	*v = NULL;
	if (!json_object_object_get_ex(o, field, &f))
		return PS_OK;
	if (!json_object_is_type(f, json_type_string))
		return jbad(j, field, f, "a string");
	*v = json_object_get_string(f);
	return PS_OK;
}

/* An object with a "resource" is a range: "size" must be there too and
 * every field read must have its type (a wrong one is an error, never a
 * range skipped). */
static int json_range(struct jwalk *j, json_object *o, json_object *res)
{
	json_object *size;
	uint64_t s, z;
	const char *dev, *u;
	int rc;
	if (!json_object_object_get_ex(o, "size", &size)) {
		snprintf(j->err, j->errlen, "%s%s\"resource\" without \"size\"", j->path,
			 j->path[0] ? ": " : "");
		return PS_EFORMAT;
	}
	if ((rc = json_u64(j, res, "resource", &s)) || (rc = json_u64(j, size, "size", &z)) ||
	    (rc = json_str(j, o, "dev", &dev)) || (rc = json_str(j, o, "uuid", &u)))
		return rc;
	if (!z)
		return PS_OK;	/* an idle namespace: nothing to place */
	if (z - 1 > UINT64_MAX - s) {
		snprintf(j->err, j->errlen, "%s%s\"resource\" + \"size\" (%#" PRIx64 " + %#" PRIx64 ") passes the end of the address space",
			 j->path, j->path[0] ? ": " : "", s, z);
		return PS_EFORMAT;
	}
	if (!dev)
		dev = "ndctl object";
	rc = add_range(j->m, s, s + z - 1, dev, strlen(dev), u);
	if (rc)
		snprintf(j->err, j->errlen, "%s: %s", j->path[0] ? j->path : "(top)", ps_strerror(rc));
	return rc;
}

static int walk(struct jwalk *j, json_object *o, int depth)
{
	if (depth > JSON_DEPTH) {
		snprintf(j->err, j->errlen, "%s: nested deeper than %d levels; not ndctl list output",
			 j->path, JSON_DEPTH);
		return PS_EFORMAT;
	}
	if (json_object_is_type(o, json_type_array)) {
		size_t n = json_object_array_length(o);
		for (size_t i = 0; i < n; i++) {
			size_t old = jpath_push(j, NULL, i);
			int rc = walk(j, json_object_array_get_idx(o, i), depth + 1);
			if (rc)
				return rc;
			j->path[old] = 0;
		}
		return PS_OK;
	}
	if (!json_object_is_type(o, json_type_object))
		return PS_OK;
	json_object *res;
	if (json_object_object_get_ex(o, "resource", &res)) {
		int rc = json_range(j, o, res);
		if (rc)
			return rc;
	}
	json_object_object_foreach(o, key, val) {
		size_t old = jpath_push(j, key, 0);
		int rc = walk(j, val, depth + 1);
		if (rc)
			return rc;
		j->path[old] = 0;
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
		snprintf(err, errlen, "not JSON: %s", jerr == json_tokener_success ?
			 "the top level is null" : json_tokener_error_desc(jerr));
		return PS_EFORMAT;
	}
	struct jwalk j = { .m = m, .err = err, .errlen = errlen };
	int rc = walk(&j, root, 0);
	json_object_put(root);
	if (rc) {
		ps_phys_map_free(m);
		return rc;
	}
	if (!m->n) {
		/* PS_ENOTFOUND: the CLI says how to get a file that has them */
		snprintf(err, errlen, "no object with \"resource\" and \"size\"");
		return PS_ENOTFOUND;
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
