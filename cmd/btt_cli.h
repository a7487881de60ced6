/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What check and btt-cat share (cmd_check.c defines it): IMAGE opened and
 * the BTT in it found, at --offset, at --namespace N or in a PMDK pmemblk
 * pool.
 */
#ifndef PMEMSCAN_BTT_CLI_H
#define PMEMSCAN_BTT_CLI_H

#include "btt.h"
#include "err.h"
#include "imgsrc.h"
#include <stdbool.h>
#include <stdint.h>

struct common {
	const char *path;
	uint64_t offset;
	bool have_offset;	/* --offset given */
	bool pmemblk;		/* a PMDK pmemblk pool: its BTT at 0x2000, arena 0 at +0 */
	int ns;			/* check --namespace N, or -1 */
	uint64_t size;		/* of the namespace; 0: to the end of the image */
	struct ps_src *file, *nsv;
	struct ps_btt *btt;
	struct ps_diags d;
};

void common_close(struct common *c);
/* Open IMAGE and the BTT in it; returns an exit code, EXIT_OK on success. */
int common_open(struct common *c, bool quiet_diags);

#endif
