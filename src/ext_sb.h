/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ext2/3/4 superblock, struct ext4_super_block (fs/ext4/ext4.h),
 * little-endian, 1024 bytes at byte 1024 of the filesystem: the one place
 * the offsets pmemscan reads from it are written (field.h). probe.c and
 * weigh.c, scan.c, fs.c and ext_journal.c read it through
 * PS_FIELD_GET(PS_EXTSB, sb, s_...); the rest of the ext4 code goes
 * through libext2fs. Only the fields pmemscan reads,
 * or that tests/unit/test_ext_sb compares with `dumpe2fs -h` to pin the
 * table down, are listed; the gaps are the members nothing here reads.
 */
#ifndef PS_EXT_SB_H
#define PS_EXT_SB_H
#include "field.h"

#define PS_EXTSB_SIZE 1024u
#define PS_EXTSB_OFFSET 1024u	/* from the start of the filesystem */
#define PS_EXTSB_MAGIC 0xEF53u
#define PS_EXTSB_FIELDS(X, P) \
	X(P, s_inodes_count,         0x000,  4, INT,   0, NULL) \
	X(P, s_blocks_count_lo,      0x004,  4, INT,   0, NULL) \
	X(P, s_r_blocks_count_lo,    0x008,  4, INT,   0, NULL) \
	X(P, s_free_blocks_count_lo, 0x00c,  4, INT,   0, NULL) \
	X(P, s_free_inodes_count,    0x010,  4, INT,   0, NULL) \
	X(P, s_first_data_block,     0x014,  4, INT,   0, NULL) \
	X(P, s_log_block_size,       0x018,  4, INT,   0, NULL) \
	X(P, s_blocks_per_group,     0x020,  4, INT,   0, NULL) \
	X(P, s_inodes_per_group,     0x028,  4, INT,   0, NULL) \
	X(P, s_mtime,                0x02c,  4, INT,   0, NULL) \
	X(P, s_wtime,                0x030,  4, INT,   0, NULL) \
	X(P, s_mnt_count,            0x034,  2, INT,   0, NULL) \
	X(P, s_max_mnt_count,        0x036,  2, INT,   0, NULL) \
	X(P, s_magic,                0x038,  2, INT,   0, NULL) \
	X(P, s_rev_level,            0x04c,  4, INT,   0, NULL) \
	X(P, s_first_ino,            0x054,  4, INT,   0, NULL) \
	X(P, s_inode_size,           0x058,  2, INT,   0, NULL) \
	X(P, s_block_group_nr,       0x05a,  2, INT,   0, NULL) \
	X(P, s_feature_compat,       0x05c,  4, INT,   0, NULL) \
	X(P, s_feature_incompat,     0x060,  4, INT,   0, NULL) \
	X(P, s_feature_ro_compat,    0x064,  4, INT,   0, NULL) \
	X(P, s_uuid,                 0x068, 16, BYTES, 0, NULL) \
	X(P, s_volume_name,          0x078, 16, BYTES, 0, NULL) \
	X(P, s_journal_uuid,         0x0d0, 16, BYTES, 0, NULL) \
	X(P, s_journal_inum,         0x0e0,  4, INT,   0, NULL) \
	X(P, s_journal_dev,          0x0e4,  4, INT,   0, NULL) \
	X(P, s_jnl_backup_type,      0x0fd,  1, INT,   0, NULL) \
	X(P, s_desc_size,            0x0fe,  2, INT,   0, NULL) \
	X(P, s_mkfs_time,            0x108,  4, INT,   0, NULL) \
	X(P, s_jnl_blocks,           0x10c, 68, BYTES, 0, NULL) \
	X(P, s_blocks_count_hi,      0x150,  4, INT,   0, NULL) \
	X(P, s_free_blocks_count_hi, 0x158,  4, INT,   0, NULL) \
	X(P, s_error_count,          0x194,  4, INT,   0, NULL) \
	X(P, s_last_error_func,      0x1e0, 32, BYTES, 0, NULL) \
	X(P, s_wtime_hi,             0x274,  1, INT,   0, NULL) \
	X(P, s_mtime_hi,             0x275,  1, INT,   0, NULL) \
	X(P, s_mkfs_time_hi,         0x276,  1, INT,   0, NULL) \
	X(P, s_checksum,             0x3fc,  4, INT,   0, NULL)
enum { PS_EXTSB_FIELDS(PS_FIELD_CONST, PS_EXTSB) };
extern const struct ps_layout ps_ext_sb_layout;

/* The error-tracking fields the kernel keeps (s_error_count up to and
 * including s_last_error_func), as one byte range. */
#define PS_EXTSB_ERRORS_START PS_EXTSB_OFF_s_error_count
#define PS_EXTSB_ERRORS_END (PS_EXTSB_OFF_s_last_error_func + PS_EXTSB_LEN_s_last_error_func)
/* s_jnl_blocks: the journal inode's i_block[15], then its i_size_high and
 * i_size (each a 32-bit little-endian word), when s_jnl_backup_type is
 * PS_EXTSB_JNL_BACKUP_BLOCKS */
#define PS_EXTSB_JNL_BACKUP_BLOCKS 1u
#define PS_EXTSB_JNL_SIZE_HIGH 15
#define PS_EXTSB_JNL_SIZE 16

/* Feature bits (ext4.h EXT4_FEATURE_*). */
#define PS_EXTSB_COMPAT_HAS_JOURNAL 0x4u
#define PS_EXTSB_INCOMPAT_RECOVER 0x4u
#define PS_EXTSB_INCOMPAT_JOURNAL_DEV 0x8u
#define PS_EXTSB_INCOMPAT_64BIT 0x80u
#define PS_EXTSB_RO_METADATA_CSUM 0x400u

/*
 * The group descriptor, struct ext4_group_desc (ext4.h), little-endian:
 * s_desc_size bytes with the 64bit feature (the _hi halves are in the
 * bytes from 32 on), else 32; group g's at byte g * size of the blocks
 * after the one holding the superblock (flex_bg or not; meta_bg differs).
 * tests/unit/test_ext_sb compares the fields with `dumpe2fs`.
 */
#define PS_EXTGD_SIZE 64u
#define PS_EXTGD_SIZE_32 32u	/* without the 64bit feature */
#define PS_EXTGD_FIELDS(X, P) \
	X(P, bg_block_bitmap_lo,      0x00, 4, INT, 0, NULL) \
	X(P, bg_inode_bitmap_lo,      0x04, 4, INT, 0, NULL) \
	X(P, bg_inode_table_lo,       0x08, 4, INT, 0, NULL) \
	X(P, bg_free_blocks_count_lo, 0x0c, 2, INT, 0, NULL) \
	X(P, bg_free_inodes_count_lo, 0x0e, 2, INT, 0, NULL) \
	X(P, bg_used_dirs_count_lo,   0x10, 2, INT, 0, NULL) \
	X(P, bg_free_blocks_count_hi, 0x2c, 2, INT, 0, NULL) \
	X(P, bg_free_inodes_count_hi, 0x2e, 2, INT, 0, NULL) \
	X(P, bg_used_dirs_count_hi,   0x30, 2, INT, 0, NULL)
enum { PS_EXTGD_FIELDS(PS_FIELD_CONST, PS_EXTGD) };
extern const struct ps_layout ps_ext_gd_layout;

#endif
