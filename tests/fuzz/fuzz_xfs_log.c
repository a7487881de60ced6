/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the XFS log reader (src/xfs_log.c) on arbitrary bytes taken as
 * a log of size/512 blocks (its uuid taken from the first block, so record
 * headers can pass), as a v5 and as a v4 log, and the superblock parser
 * that places it. Whatever it finds must hold together. */
#include "err.h"
#include "imgsrc.h"
#include "xfs_log.h"
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(struct ps_src *s, uint32_t n, const uint8_t *uuid, bool v5)
{
	struct ps_xfs_log_geom g;
	memset(&g, 0, sizeof(g));
	g.size_bb = n;
	g.sect_bb = 1;
	g.v2 = v5;
	g.v5 = v5;
	memcpy(g.uuid, uuid, 16);
	struct ps_xfs_log_info i;
	if (ps_xfs_log_examine(s, &g, &i) != PS_OK)
		return;
	if (i.state == PS_XLOG_DIRTY) {
		uint32_t h = PS_XLOG_BLOCK(i.head_lsn), t = PS_XLOG_BLOCK(i.tail_lsn);
		if (h >= n || t >= n || h == t || !i.records || i.blocks >= n ||
		    i.trans > i.ops)
			__builtin_trap();
	}
	if (i.state == PS_XLOG_CLEAN && i.head_lsn != i.tail_lsn)
		__builtin_trap();
	if (i.state == PS_XLOG_UNKNOWN)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ps_xfs_log_geom g;
	const char *bad;
	ps_xfs_log_geom(data, size, &g, &bad);
	size_t n = size / 512;
	if (!n || n > 4096)
		return 0;
	uint8_t uuid[16] = { 0 };
	if (size >= 320)
		memcpy(uuid, data + 304, 16);
	struct ps_src *s;
	if (ps_src_open_mem(data, n * 512, "fuzz", &s))
		return 0;
	one(s, (uint32_t)n, uuid, true);
	one(s, (uint32_t)n, uuid, false);
	ps_src_close(s);
	return 0;
}
