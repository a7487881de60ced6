/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: a small ext2/3/4 or XFS image in memory -> open, walk every
 * directory, stat every entry and read every file into a null writer
 * (the whole extract path through libext2fs / libfsxfs); then the split
 * check (issue 16) with the image as the legacy data of a namespace whose
 * start_pad and dataoff are 4 KiB each (every block map, L and F reads). */
#include "err.h"
#include "extract.h"
#include "fs.h"
#include "imgsrc.h"
#include "split.h"
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sink(void *ctx, uint64_t off, const void *buf, size_t len)
{
	(void)ctx; (void)off; (void)buf; (void)len;
	return 0;
}

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
		uint8_t *ns = size <= (64u << 20) ? calloc(1, size + 8192) : NULL;
		struct ps_src *nsrc;
		if (ns && ps_src_open_mem(ns, size + 8192, "fuzz-ns", &nsrc) == PS_OK) {
			memcpy(ns + 8192, data, size);
			struct ps_split sp;
			ps_split_check(nsrc, 0, 4096, 4096, 8192, size, PS_FS_AUTO, &sp);
			for (size_t i = 0; i < sp.nfiles; i++)
				ps_split_read(nsrc, &sp, &sp.files[i], PS_VIEW_MMAP, sink, NULL);
			ps_split_free(&sp);
			ps_src_close(nsrc);
		}
		free(ns);
	}
	ps_src_close(src);
	return 0;
}
