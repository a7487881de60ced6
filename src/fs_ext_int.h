/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fs_ext.c's libext2fs handle, for the other ext4 modules (ext_journal.c). */
#ifndef PS_FS_EXT_INT_H
#define PS_FS_EXT_INT_H
#include "fs.h"
#include <ext2fs/ext2fs.h>

ext2_filsys ps_fs_ext_efs(struct ps_fs *fs);

#endif
