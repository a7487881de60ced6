/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The XFS on-disk inode core, struct xfs_dinode (fs/xfs/libxfs/
 * xfs_format.h), big-endian, as a field table (field.h): the one place its
 * offsets are written, for fs_xfs.c, xfs_iunlink.c and xfs_logrec.c (whose
 * log copy of the core, xfs_log_dinode, has the same offsets in the
 * writer's byte order). Version 3 inodes (di_version >= 3,
 * the table's "since") have the fields from di_changecount on and a
 * 176-byte core; older ones a 100-byte core. With the NREXT64 flag
 * (di_flags2) the data fork's extent count is di_big_nextents and
 * di_nextents's bytes hold the attribute fork's (di_big_anextents).
 */
#ifndef PS_XFS_DINODE_H
#define PS_XFS_DINODE_H
#include "field.h"

#define PS_XDI_SIZE 176u		/* the v3 core; the literal area follows */
#define PS_XDI_V2_SIZE 100u		/* the core before version 3 */
#define PS_XDI_FIELDS(X, P) \
	X(P, di_magic,         0x00,  2, BE, 0, NULL) \
	X(P, di_mode,          0x02,  2, BE, 0, NULL) \
	X(P, di_version,       0x04,  1, BE, 0, NULL) \
	X(P, di_format,        0x05,  1, BE, 0, NULL) \
	X(P, di_onlink,        0x06,  2, BE, 0, NULL) \
	X(P, di_uid,           0x08,  4, BE, 0, NULL) \
	X(P, di_gid,           0x0c,  4, BE, 0, NULL) \
	X(P, di_nlink,         0x10,  4, BE, 0, NULL) \
	X(P, di_projid_lo,     0x14,  2, BE, 0, NULL) \
	X(P, di_projid_hi,     0x16,  2, BE, 0, NULL) \
	X(P, di_big_nextents,  0x18,  8, BE, 3, NULL) \
	X(P, di_atime,         0x20,  8, BYTES, 0, NULL) \
	X(P, di_mtime,         0x28,  8, BYTES, 0, NULL) \
	X(P, di_ctime,         0x30,  8, BYTES, 0, NULL) \
	X(P, di_size,          0x38,  8, BE, 0, NULL) \
	X(P, di_nblocks,       0x40,  8, BE, 0, NULL) \
	X(P, di_extsize,       0x48,  4, BE, 0, NULL) \
	X(P, di_nextents,      0x4c,  4, BE, 0, NULL) \
	X(P, di_anextents,     0x50,  2, BE, 0, NULL) \
	X(P, di_forkoff,       0x52,  1, BE, 0, NULL) \
	X(P, di_aformat,       0x53,  1, BE, 0, NULL) \
	X(P, di_dmevmask,      0x54,  4, BE, 0, NULL) \
	X(P, di_dmstate,       0x58,  2, BE, 0, NULL) \
	X(P, di_flags,         0x5a,  2, BE, 0, NULL) \
	X(P, di_gen,           0x5c,  4, BE, 0, NULL) \
	X(P, di_next_unlinked, 0x60,  4, BE, 0, NULL) \
	X(P, di_crc,           0x64,  4, BE, 3, NULL) \
	X(P, di_changecount,   0x68,  8, BE, 3, NULL) \
	X(P, di_lsn,           0x70,  8, BE, 3, NULL) \
	X(P, di_flags2,        0x78,  8, BE, 3, NULL) \
	X(P, di_cowextsize,    0x80,  4, BE, 3, NULL) \
	X(P, di_pad2,          0x84, 12, BYTES, 3, NULL) \
	X(P, di_crtime,        0x90,  8, BYTES, 3, NULL) \
	X(P, di_ino,           0x98,  8, BE, 3, NULL) \
	X(P, di_uuid,          0xa0, 16, BYTES, 3, NULL)
enum { PS_XDI_FIELDS(PS_FIELD_CONST, PS_XDI) };

#define PS_XDI_MAGIC 0x494eu	/* "IN" */
/* di_format, di_aformat (xfs_dinode_fmt) */
#define PS_XDI_FMT_LOCAL 1u
#define PS_XDI_FMT_EXTENTS 2u
#define PS_XDI_FMT_BTREE 3u
/* di_flags, di_flags2 bits (XFS_DIFLAG_*, XFS_DIFLAG2_*) */
#define PS_XDI_FLAG_REALTIME 0x1u
#define PS_XDI_FLAG2_REFLINK 0x2u
#define PS_XDI_FLAG2_BIGTIME 0x8u
#define PS_XDI_FLAG2_NREXT64 0x10u
/* A version 2 inode's di_flushiter: the last 2 bytes of the 8 that are
 * di_big_nextents in version 3 (the fields may not overlap in the table). */
#define PS_XDI_OFF_di_flushiter (PS_XDI_OFF_di_big_nextents + 6)

#endif
