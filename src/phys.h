/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Physical placement: what the user saved from the machine (/proc/iomem,
 * `ndctl list` JSON) tells where the image sat in physical memory and who
 * shared its 128 MiB memory-hotplug sections.
 */
#ifndef PS_PHYS_H
#define PS_PHYS_H
#include <stddef.h>
#include <stdint.h>

struct ps_phys_range {
	uint64_t start, end;	/* inclusive, as /proc/iomem prints them */
	char *name;		/* "System RAM", "Persistent Memory", "namespace1.0" ... */
	char *uuid;		/* ndctl JSON only, else NULL */
};

struct ps_phys_map {
	struct ps_phys_range *r;
	size_t n;
};

/* Parse the text of /proc/iomem (any indentation level). */
int ps_iomem_parse(const char *text, struct ps_phys_map *out, char *err,
		   size_t errlen);
/* Parse `ndctl list` JSON: every object (at any depth) with a "resource"
 * (hex string or number) and a "size" becomes a range named by its "dev".
 * PS_ENOTFOUND: no such object; PS_EFORMAT: not JSON, or a bad range. */
int ps_ndctl_json_parse(const char *text, struct ps_phys_map *out, char *err,
			size_t errlen);
void ps_phys_map_free(struct ps_phys_map *m);

/* The ranges other than [start, end] itself that intersect [lo, hi]. */
size_t ps_phys_overlaps(const struct ps_phys_map *m, uint64_t lo, uint64_t hi,
			uint64_t self_start, const struct ps_phys_range **out,
			size_t max);
/*
 * The entry that places an image of size bytes: the one range exactly
 * that large (a namespace or region the image is a dump of). PS_OK with
 * *hit set; PS_ENOTFOUND when no range is that large, PS_EAMBIG when more
 * than one is (then only --phys-base can tell).
 */
int ps_phys_match_size(const struct ps_phys_map *m, uint64_t size,
		       const struct ps_phys_range **hit);
/* Read a whole small text file (at most max bytes) into a NUL-terminated
 * buffer; one-line error in err. */
char *ps_read_text_file(const char *path, size_t max, char *err, size_t errlen);

#endif
