/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bundles written by `pmemscan collect` (cmd/cmd_collect.c, docs/collect.md). */
#ifndef PS_CLI_BUNDLE_H
#define PS_CLI_BUNDLE_H
#include <stdbool.h>

/* Is path a regular file holding a collect bundle (any compression)? */
bool bundle_is(const char *path);
/* The scan of a bundle: verify it, report the machine's view, its label
 * areas and its namespace images. Returns the exit code (cmd/cli.h). */
int bundle_triage(const char *path, bool json);

#endif
