/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The XFS superblock, struct xfs_dsb (fs/xfs/libxfs/xfs_format.h), all
 * big-endian: the one place its layout is written (field.h). Every reader
 * of a filesystem's primary superblock (the XFS reader fs_xfs.c, the log,
 * replay, intent, unlinked-list and space code, the probe) reads it
 * through ps_xsb_read() below, which decodes it into struct ps_xsb; the
 * scan, which meets superblocks in the buffers it reads, and the replay's
 * counter update read fields through PS_FIELD_GET(PS_XSB, sb, sb_...).
 * The names are the kernel's (xfs_db
 * prints them without the "sb_"); tests/unit/test_xfs_sb compares every
 * field with what xfs_db prints for a filesystem mkfs.xfs made.
 */
#ifndef PS_XFS_SB_H
#define PS_XFS_SB_H
#include "field.h"

#define PS_XSB_SIZE 264u	/* up to and including sb_meta_uuid */
#define PS_XSB_MAGIC 0x58465342u	/* "XFSB" */
#define PS_XSB_FIELDS(X, P) \
	X(P, sb_magicnum,          0x00,  4, BE,    0, NULL) \
	X(P, sb_blocksize,         0x04,  4, BE,    0, NULL) \
	X(P, sb_dblocks,           0x08,  8, BE,    0, NULL) \
	X(P, sb_rblocks,           0x10,  8, BE,    0, NULL) \
	X(P, sb_rextents,          0x18,  8, BE,    0, NULL) \
	X(P, sb_uuid,              0x20, 16, BYTES, 0, NULL) \
	X(P, sb_logstart,          0x30,  8, BE,    0, NULL) \
	X(P, sb_rootino,           0x38,  8, BE,    0, NULL) \
	X(P, sb_rbmino,            0x40,  8, BE,    0, NULL) \
	X(P, sb_rsumino,           0x48,  8, BE,    0, NULL) \
	X(P, sb_rextsize,          0x50,  4, BE,    0, NULL) \
	X(P, sb_agblocks,          0x54,  4, BE,    0, NULL) \
	X(P, sb_agcount,           0x58,  4, BE,    0, NULL) \
	X(P, sb_rbmblocks,         0x5c,  4, BE,    0, NULL) \
	X(P, sb_logblocks,         0x60,  4, BE,    0, NULL) \
	X(P, sb_versionnum,        0x64,  2, BE,    0, NULL) \
	X(P, sb_sectsize,          0x66,  2, BE,    0, NULL) \
	X(P, sb_inodesize,         0x68,  2, BE,    0, NULL) \
	X(P, sb_inopblock,         0x6a,  2, BE,    0, NULL) \
	X(P, sb_fname,             0x6c, 12, BYTES, 0, NULL) \
	X(P, sb_blocklog,          0x78,  1, BE,    0, NULL) \
	X(P, sb_sectlog,           0x79,  1, BE,    0, NULL) \
	X(P, sb_inodelog,          0x7a,  1, BE,    0, NULL) \
	X(P, sb_inopblog,          0x7b,  1, BE,    0, NULL) \
	X(P, sb_agblklog,          0x7c,  1, BE,    0, NULL) \
	X(P, sb_rextslog,          0x7d,  1, BE,    0, NULL) \
	X(P, sb_inprogress,        0x7e,  1, BE,    0, NULL) \
	X(P, sb_imax_pct,          0x7f,  1, BE,    0, NULL) \
	X(P, sb_icount,            0x80,  8, BE,    0, NULL) \
	X(P, sb_ifree,             0x88,  8, BE,    0, NULL) \
	X(P, sb_fdblocks,          0x90,  8, BE,    0, NULL) \
	X(P, sb_frextents,         0x98,  8, BE,    0, NULL) \
	X(P, sb_uquotino,          0xa0,  8, BE,    0, NULL) \
	X(P, sb_gquotino,          0xa8,  8, BE,    0, NULL) \
	X(P, sb_qflags,            0xb0,  2, BE,    0, NULL) \
	X(P, sb_flags,             0xb2,  1, BE,    0, NULL) \
	X(P, sb_shared_vn,         0xb3,  1, BE,    0, NULL) \
	X(P, sb_inoalignmt,        0xb4,  4, BE,    0, NULL) \
	X(P, sb_unit,              0xb8,  4, BE,    0, NULL) \
	X(P, sb_width,             0xbc,  4, BE,    0, NULL) \
	X(P, sb_dirblklog,         0xc0,  1, BE,    0, NULL) \
	X(P, sb_logsectlog,        0xc1,  1, BE,    0, NULL) \
	X(P, sb_logsectsize,       0xc2,  2, BE,    0, NULL) \
	X(P, sb_logsunit,          0xc4,  4, BE,    0, NULL) \
	X(P, sb_features2,         0xc8,  4, BE,    0, NULL) \
	X(P, sb_bad_features2,     0xcc,  4, BE,    0, NULL) \
	X(P, sb_features_compat,   0xd0,  4, BE,    5, NULL) \
	X(P, sb_features_ro_compat, 0xd4, 4, BE,    5, NULL) \
	X(P, sb_features_incompat, 0xd8,  4, BE,    5, NULL) \
	X(P, sb_features_log_incompat, 0xdc, 4, BE, 5, NULL) \
	X(P, sb_crc,               0xe0,  4, BE,    5, NULL) \
	X(P, sb_spino_align,       0xe4,  4, BE,    5, NULL) \
	X(P, sb_pquotino,          0xe8,  8, BE,    5, NULL) \
	X(P, sb_lsn,               0xf0,  8, BE,    5, NULL) \
	X(P, sb_meta_uuid,         0xf8, 16, BYTES, 5, NULL)
enum { PS_XSB_FIELDS(PS_FIELD_CONST, PS_XSB) };
extern const struct ps_layout ps_xfs_sb_layout;

/* The version (sb_versionnum's low 4 bits, the field table's "since"):
 * the fields from sb_features_compat on exist in version 5 only. */
#define PS_XSB_VERSION(sb) ((unsigned)PS_FIELD_GET(PS_XSB, (sb), sb_versionnum) & 0xf)

/* Feature bits (xfs_format.h XFS_SB_FEAT_*). */
#define PS_XSB_RO_FINOBT 0x1u
#define PS_XSB_RO_RMAPBT 0x2u
#define PS_XSB_RO_REFLINK 0x4u
#define PS_XSB_IN_SPINODES 0x2u
#define PS_XSB_IN_META_UUID 0x4u
#define PS_XSB_IN_BIGTIME 0x8u
#define PS_XSB_IN_NREXT64 0x20u

/* The superblock's members the XFS code uses, decoded (host order). The
 * version 5 fields (the table's "since") are 0 in an older superblock. */
struct ps_xsb {
	uint32_t magicnum;
	uint32_t blocksize;
	uint64_t dblocks;
	uint64_t logstart;
	uint32_t agblocks, agcount, logblocks;
	uint16_t versionnum;
	unsigned version;	/* PS_XSB_VERSION */
	uint16_t sectsize, inodesize, inopblock;
	uint8_t blocklog, inopblog, agblklog, dirblklog, logsectlog;
	uint32_t inoalignmt, logsunit;
	uint32_t features_ro_compat, features_incompat, features_log_incompat;
	uint32_t spino_align;
	uint8_t uuid[16];
	uint8_t meta_uuid[16];	/* the field itself: see PS_XSB_IN_META_UUID */
};

/* Bytes ps_xsb_read reads: the smallest sector, the superblock's first. */
#define PS_XSB_READ 512u

/* Decode the superblock at sb (PS_XSB_SIZE bytes at least). Pure. */
void ps_xsb_decode(const uint8_t *sb, struct ps_xsb *x);

/* The primary superblock (the filesystem's first PS_XSB_READ bytes) read
 * through rd (ctx, buffer, length, offset: 0 or a ps_err code) and decoded;
 * PS_OK or rd's code. Nothing is checked: x->magicnum says whether it is
 * one, and each reader checks the geometry it relies on. */
int ps_xsb_read(int (*rd)(void *ctx, uint8_t *buf, size_t len, uint64_t off), void *ctx,
		struct ps_xsb *x);
struct ps_src;
/* The same from a source: PS_ETRUNC when it is shorter than PS_XSB_READ. */
int ps_xsb_read_src(struct ps_src *src, struct ps_xsb *x);

#endif
