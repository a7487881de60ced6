/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the XFS log replay (src/xfs_logrec.c) on arbitrary bytes taken
 * as the internal log of a small v5 filesystem built around it (its uuid
 * taken from the first block's record header, so records can pass; the
 * xfs_log seeds are real logs). Whatever is replayed must read back, and a
 * view whose log was made clean must examine as clean. */
#include "err.h"
#include "be.h"
#include "imgsrc.h"
#include "journal.h"
#include "le.h"
#include "crc32c.h"
#include "xfs_log.h"
#include "xfs_logrec.h"
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BS 4096u
#define LOGSTART 16u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size / 512;
	if (n < 8 || n > 4096)
		return 0;
	uint32_t logblocks = (uint32_t)((n + 7) / 8);
	uint32_t dblocks = LOGSTART + logblocks + 48;
	uint8_t agblklog = 0;
	while ((1u << agblklog) < dblocks)
		agblklog++;
	size_t isz = (size_t)dblocks * BS;
	uint8_t *img = calloc(1, isz);
	if (!img)
		return 0;
	memcpy(img + (size_t)LOGSTART * BS, data, n * 512);
	uint8_t *sb = img;
	ps_put_be32(sb, 0x58465342);
	ps_put_be32(sb + 4, BS);
	ps_put_be64(sb + 8, dblocks);
	if (size >= 320)
		memcpy(sb + 32, data + 304, 16);
	ps_put_be64(sb + 48, LOGSTART);
	ps_put_be64(sb + 56, 128);
	ps_put_be32(sb + 84, dblocks);
	ps_put_be32(sb + 88, 1);
	ps_put_be32(sb + 96, logblocks);
	ps_put_be16(sb + 100, 0xB4A5);
	ps_put_be16(sb + 102, 512);
	ps_put_be16(sb + 104, 512);
	ps_put_be16(sb + 106, 8);
	sb[120] = 12;
	sb[123] = 3;
	sb[124] = agblklog;
	ps_put_be32(sb + 180, 4);
	ps_put_le32(sb + 224, ~ps_crc32c(~0u, sb, 512));
	/* the log's length in bbs is what the data gives: the tail of the last
	 * fs block of the log stays zero (cycle 0) */
	struct ps_src *s, *v = NULL;
	if (ps_src_open_mem(img, isz, "fuzz", &s)) {
		free(img);
		return 0;
	}
	struct ps_journal st;
	char err[256];
	int r = ps_xfs_journal_open(s, true, &st, &v, err, sizeof(err));
	if (r == PS_OK && v) {
		uint8_t *out = malloc(isz);
		if (out) {
			if (ps_src_pread(v, out, isz, 0) != PS_OK)
				__builtin_trap();
			free(out);
		}
		if (st.log_cleaned) {
			struct ps_xfs_log_info li;
			if (ps_xfs_log_probe(v, &li) == PS_OK && li.state != PS_XLOG_CLEAN)
				__builtin_trap();
		}
		if (st.transactions && st.lsn_first > st.lsn_last)
			__builtin_trap();
	}
	ps_src_close(v);
	ps_src_close(s);
	free(img);
	return 0;
}
