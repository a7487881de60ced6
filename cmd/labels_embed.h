/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The label areas' report (cmd_labels.c) for a report that embeds it
 * (the bundle triage; the scan's is in scan_report.h). */
#ifndef PS_CLI_LABELS_EMBED_H
#define PS_CLI_LABELS_EMBED_H
#include <json-c/json.h>
#include <stdbool.h>

/* `pmemscan labels` of the file at path, shown as name: the text report
 * on stdout, or with json the JSON report in *jout (left NULL when there
 * is none). Its exit code. */
int labels_embedded(const char *path, const char *name, bool json, json_object **jout);

#endif
