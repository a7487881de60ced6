/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The scan of one image as a report (scan_report.c): for `pmemscan scan`
 * and for the bundle triage, which embeds the reports. */
#ifndef PS_CLI_SCAN_REPORT_H
#define PS_CLI_SCAN_REPORT_H
#include "triage.h"
#include <json-c/json.h>
#include <stdbool.h>

/* The scan of path with options o (its progress fields are set here):
 * the report on stdout (json: as JSON; jout: the JSON report as an object
 * there instead), the HTML page also written when html is given; one
 * line on stderr for each failure and warning. The exit code. */
int scan_run(const char *path, struct ps_triage_opts *o, int quiet, const char *html,
	     bool json, json_object **jout);
/* The scan of the image at path with the default options, shown as name
 * (in the report and in its messages on stderr); phys_base (an address as
 * --phys-base takes it) and iomem (a saved /proc/iomem, shown as
 * iomem_name) when given. The text report on stdout, or with json the
 * JSON report as an object in *jout (NULL when none). Its exit code. */
int scan_embedded(const char *path, const char *name, const char *phys_base,
		  const char *iomem, const char *iomem_name, bool json, json_object **jout);

#endif
