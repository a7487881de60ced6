/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The XFS superblock's field table (xfs_sb.h). */
#include "xfs_sb.h"
#include "err.h"
#include "imgsrc.h"

PS_XSB_FIELDS(PS_FIELD_CHECK, PS_XSB)

static const struct ps_field xsb_fields[] = { PS_XSB_FIELDS(PS_FIELD_ENTRY, PS_XSB) };
const struct ps_layout ps_xfs_sb_layout = PS_LAYOUT(PS_XSB, "xfs_dsb", xsb_fields);

void ps_xsb_decode(const uint8_t *sb, struct ps_xsb *x)
{
	memset(x, 0, sizeof(*x));
#define SB(f, m) PS_FIELD_LOAD(PS_XSB, sb, sb_##f, x->m)
	SB(magicnum, magicnum);
	SB(blocksize, blocksize);
	SB(dblocks, dblocks);
	SB(logstart, logstart);
	SB(agblocks, agblocks);
	SB(agcount, agcount);
	SB(logblocks, logblocks);
	SB(versionnum, versionnum);
	SB(sectsize, sectsize);
	SB(inodesize, inodesize);
	SB(inopblock, inopblock);
	SB(blocklog, blocklog);
	SB(inopblog, inopblog);
	SB(agblklog, agblklog);
	SB(dirblklog, dirblklog);
	SB(logsectlog, logsectlog);
	SB(inoalignmt, inoalignmt);
	SB(logsunit, logsunit);
	PS_FIELD_LOAD_BYTES(PS_XSB, sb, sb_uuid, x->uuid);
	x->version = PS_XSB_VERSION(sb);
	if (x->version == 5) {
		SB(features_ro_compat, features_ro_compat);
		SB(features_incompat, features_incompat);
		SB(features_log_incompat, features_log_incompat);
		SB(spino_align, spino_align);
		PS_FIELD_LOAD_BYTES(PS_XSB, sb, sb_meta_uuid, x->meta_uuid);
	}
#undef SB
}

int ps_xsb_read(int (*rd)(void *ctx, uint8_t *buf, size_t len, uint64_t off), void *ctx,
		struct ps_xsb *x)
{
	uint8_t sb[PS_XSB_READ];
	_Static_assert(PS_XSB_READ >= PS_XSB_SIZE, "the read holds the table");
	memset(x, 0, sizeof(*x));
	int r = rd(ctx, sb, sizeof(sb), 0);
	if (r)
		return r;
	ps_xsb_decode(sb, x);
	return PS_OK;
}

static int src_rd(void *ctx, uint8_t *buf, size_t len, uint64_t off)
{
	return ps_src_pread(ctx, buf, len, off);
}

int ps_xsb_read_src(struct ps_src *src, struct ps_xsb *x)
{
	if (src->size < PS_XSB_READ) {
		memset(x, 0, sizeof(*x));
		return PS_ETRUNC;
	}
	return ps_xsb_read(src_rd, src, x);
}
