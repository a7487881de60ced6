/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Scan reports: human text and JSON (schema in docs/json-schema.md). */
#ifndef PS_REPORT_H
#define PS_REPORT_H
#include "ns.h"
#include <stdio.h>

struct ps_report_input {
	const char *path;	/* as given by the user */
	uint64_t size;
	uint64_t allocated;	/* bytes in data extents */
	const char *sha256;	/* hex, or NULL when not computed */
	const char *sparse_sha256;	/* pmemscan-sparse-sha256-v1 (docs/digest.md) */
	const char *hash_note;	/* why not, when NULL */
	/* a compressed dump: the file as given */
	const char *compression;	/* "gzip", "xz", ... or NULL */
	uint64_t compressed_size;
	const char *compressed_sha256;
};

/* Exit code the report stands for (cmd/cli.h): 0 valid, 1 problems, 2 nothing. */
int ps_report_exit_code(const struct ps_analysis *a);
void ps_report_text(FILE *f, const struct ps_report_input *in,
		    const struct ps_analysis *a);
int ps_report_json(FILE *f, const struct ps_report_input *in,
		   const struct ps_analysis *a);
/* "01020304-0506-..." (36 chars + NUL) */
void ps_uuid_str(const uint8_t u[16], char out[37]);

#endif
