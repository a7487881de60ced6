/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: arbitrary bytes as a (compressed) dump, opened in
 * stream mode and read to the end; must not crash, leak or hang.
 * The first byte picks a magic to prepend (0: none, 1 gzip, 2 xz,
 * 3 zstd, 4 bzip2, 5 lz4) so most inputs reach a decoder.
 * Built by tests/fuzz/build.sh, with every source of src/ and the libraries
 * they need; explored by make fuzz, its seeds replayed by make check
 * (tests/fuzz/README.md).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "digest.h"
#include "err.h"
#include "imgsrc.h"
#include "imgsrc_open.h"

#define MAX_DECODED (64u << 20)	/* bound decompression bombs */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct { const char *m; size_t n; } magic[] = {
		{ "", 0 }, { "\x1f\x8b\x08", 3 }, { "\xfd" "7zXZ\0", 6 },
		{ "\x28\xb5\x2f\xfd", 4 }, { "BZh9", 4 }, { "\x04\x22\x4d\x18", 4 },
	};
	static uint8_t buf[1 << 16];
	if (size < 1)
		return 0;
	unsigned sel = data[0] % 6;
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	if (write(fd, magic[sel].m, magic[sel].n) != (ssize_t)magic[sel].n ||
	    write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	char path[64], err[512];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct ps_open_opts o = { .mode = PS_OPEN_STREAM, .lookbehind = 1 << 20 };
	struct ps_src *s;
	if (ps_src_open_auto(path, &o, &s, err, sizeof(err)) == PS_OK) {
		uint64_t off = 0, d, h;
		size_t got;
		ps_src_next_data(s, 0, &d);
		ps_src_next_hole(s, d, &h);
		while (off < MAX_DECODED &&
		       ps_src_read_upto(s, buf, sizeof(buf), off, &got) == PS_OK && got)
			off += got;
		(void)ps_src_pread(s, buf, 16, 0);	/* far back: restart */
		ps_src_next_data(s, off / 2, &d);
		ps_src_close(s);
	}
	close(fd);
	return 0;
}
