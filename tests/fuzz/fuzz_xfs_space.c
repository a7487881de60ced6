/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: XFS's space maps (src/xfs_space.c) on arbitrary bytes taken as
 * the start of an XFS (the seeds: the first AG's first blocks of mkfs.xfs
 * images, where the AG headers and the btree roots are). Whatever it reads
 * must hold together: ranges sorted, not overlapping, inside the
 * filesystem, in trusted AGs only; the per-kind counts their sum; every
 * lookup inside a range gives its kind. */
#include "err.h"
#include "imgsrc.h"
#include "xfs_space.h"
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ps_src *src;
	if (ps_src_open_mem(data, size, "fuzz", &src))
		return 0;
	struct ps_xfs_space s;
	int r = ps_xfs_space_read(src, &s);
	if (r != PS_OK) {
		if (s.n || s.ags_ok || ps_xfs_space_kind(&s, 0) != PS_XS_UNKNOWN)
			__builtin_trap();
		goto out;
	}
	if (s.ags_ok > s.ags_read || s.ags_read > s.agcount)
		__builtin_trap();
	uint64_t sum[PS_XS_NKINDS] = { 0 };
	for (size_t i = 0; i < s.n; i++) {
		const struct ps_xfs_space_range *x = &s.r[i];
		uint64_t ag = x->start / s.agblocks;
		if (!x->len || x->start + x->len > s.dblocks || ag >= s.ags_read ||
		    !s.ag_ok[ag] || (x->start + x->len - 1) / s.agblocks != ag ||
		    x->kind == PS_XS_UNKNOWN || x->kind == PS_XS_USED || x->kind >= PS_XS_NKINDS)
			__builtin_trap();
		if (i && x->start < s.r[i - 1].start + s.r[i - 1].len)
			__builtin_trap();
		sum[x->kind] += x->len;
		uint64_t b[2] = { x->start, x->start + x->len - 1 };
		for (int k = 0; k < 2; k++)
			if (ps_xfs_space_kind(&s, b[k] * s.blocksize) != x->kind)
				__builtin_trap();
	}
	for (int k = 0; k < PS_XS_NKINDS; k++)
		if (sum[k] != s.blocks[k])
			__builtin_trap();
	ps_xfs_space_kind(&s, UINT64_MAX);
out:
	ps_xfs_space_free(&s);
	ps_src_close(src);
	return 0;
}
