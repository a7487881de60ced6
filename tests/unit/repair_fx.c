/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "repair_fx.h"
#include "le.h"
#include <string.h>

struct ps_pfn_sb fx_sb14(uint64_t S, uint64_t D, uint32_t mode)
{
	struct ps_pfn_sb sb;
	memset(&sb, 0, sizeof(sb));
	sb.kind = PS_PFN_FSDAX;
	for (int i = 0; i < 16; i++)
		sb.uuid[i] = (uint8_t)(0xa0 + i);
	sb.version_major = 1;
	sb.version_minor = 4;
	sb.dataoff = D;
	sb.npfns = (S - D) / 4096;
	sb.mode = mode;
	sb.align = 2 * MiB;
	sb.page_size = 4096;
	sb.page_struct_size = 64;
	return sb;
}

struct ps_pfn_sb fx_sb12(uint64_t S, uint64_t P, uint64_t T, uint64_t D)
{
	struct ps_pfn_sb sb = fx_sb14(S, D, PS_PFN_MODE_PMEM);
	sb.version_minor = 2;
	sb.start_pad = (uint32_t)P;
	sb.end_trunc = (uint32_t)T;
	sb.npfns = (S - P - T - D) / 4096;
	sb.page_size = 0;
	sb.page_struct_size = 0;
	return sb;
}

void fx_ext2(uint8_t b[4096], uint64_t bytes, uint8_t uuid0)
{
	uint8_t *sb = b + 1024;
	ps_put_le32(sb + 0x00, 16384);		/* s_inodes_count */
	ps_put_le32(sb + 0x04, (uint32_t)(bytes / 4096));
	ps_put_le32(sb + 0x0c, (uint32_t)(bytes / 4096 / 2));	/* free blocks */
	ps_put_le32(sb + 0x10, 16000);		/* free inodes */
	ps_put_le32(sb + 0x18, 2);		/* 4 KiB blocks */
	ps_put_le32(sb + 0x1c, 2);
	ps_put_le32(sb + 0x20, 32768);		/* blocks per group */
	ps_put_le32(sb + 0x24, 32768);
	ps_put_le32(sb + 0x28, 8192);		/* inodes per group */
	ps_put_le16(sb + 0x38, 0xEF53);
	ps_put_le16(sb + 0x3a, 1);		/* clean */
	ps_put_le32(sb + 0x4c, 1);		/* dynamic rev */
	ps_put_le32(sb + 0x54, 11);		/* first inode */
	ps_put_le16(sb + 0x58, 256);		/* inode size */
	for (int i = 0; i < 16; i++)
		sb[0x68 + i] = (uint8_t)(uuid0 + i);
}
