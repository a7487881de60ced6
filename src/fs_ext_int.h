/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fs_ext.c's libext2fs handle, for the other ext4 modules (ext_journal.c). */
#ifndef PS_FS_EXT_INT_H
#define PS_FS_EXT_INT_H
#include "fs.h"
#include <ext2fs/ext2fs.h>

ext2_filsys ps_fs_ext_efs(struct ps_fs *fs);

/* A writable libext2fs handle over src whose writes go to wr (never to
 * src): for changing an in-memory view (ext_journal.c's orphan cleanup).
 * The handle must be closed before ctx goes. */
typedef int (*ps_ext_write_fn)(void *ctx, uint64_t off, const void *buf, size_t len);
errcode_t ps_fs_ext_open_rw(struct ps_src *src, ps_ext_write_fn wr, void *ctx,
			    ext2_filsys *out);
/* Flush (writes through wr) and free the handle. */
void ps_fs_ext_close_rw(ext2_filsys *efs);

#endif
