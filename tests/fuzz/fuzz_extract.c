/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: a small ext2/3/4 or XFS image in memory -> open, walk every
 * directory, stat every entry and read every file into a null writer
 * (the whole extract path through libext2fs / libfsxfs). */
#include "err.h"
#include "extract.h"
#include "fs.h"
#include "imgsrc.h"
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ps_src *src;
	struct ps_fs *fs;
	char err[512];
	if (ps_src_open_mem(data, size, "fuzz", &src))
		return 0;
	if (ps_fs_open(src, PS_FS_AUTO, &fs, err, sizeof(err)) == PS_OK) {
		struct ps_writer *w;
		if (ps_writer_null_open(&w) == PS_OK) {
			struct ps_extract_opts o = { .max_depth = 64 };
			struct ps_extract_stats s;
			ps_extract(fs, ps_fs_root(fs), NULL, w, &o, &s);
			ps_writer_free(w);
		}
		uint64_t ino;
		ps_fs_lookup(fs, "/lost+found/../a", &ino);
		ps_fs_close(fs);
	}
	ps_src_close(src);
	return 0;
}
