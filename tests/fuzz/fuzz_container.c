/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness for the forensic containers: the split raw and EWF
 * segment name logic (the input's first bytes as a path), the EWF1
 * section-tail check, and the bytes as one EWF segment (the E01 file
 * header, then the input) opened through ps_src_open_auto and read to the
 * end, checked against its stored hashes: libewf parses it, our wrapper
 * must neither crash, leak nor hang whatever libewf says.
 * Built and run by tests/fuzz/run.sh (make fuzz).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "err.h"
#include "imgsrc.h"
#include "imgsrc_container.h"
#include "imgsrc_open.h"

#define MAX_READ (16u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[1 << 16];
	char name[80], out[96], wide[96];
	size_t nl = size < 64 ? size : 64;
	memcpy(name, data, nl);
	name[nl] = 0;
	(void)ps_split_is_first_name(name);
	if (ps_split_next_name(name, out, sizeof(out), wide, sizeof(wide)) == 0 &&
	    (strlen(out) != strlen(name) || (wide[0] && strlen(wide) != strlen(name) + 2)))
		abort();	/* the next name keeps the width; GNU's adds two */
	if (ps_ewf_next_segment_name(name, out, sizeof(out)) == 0 && strlen(out) != strlen(name))
		abort();
	(void)ps_ewf1_tail(data, size);
	(void)ps_ewf_signature(data, size);

	/* one EWF1 segment: signature, fields start, segment 1, fields end */
	static const uint8_t hdr[13] = { 'E', 'V', 'F', 0x09, 0x0d, 0x0a, 0xff, 0x00,
					 0x01, 0x01, 0x00, 0x00, 0x00 };
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	if (write(fd, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr) ||
	    write(fd, data, size) != (ssize_t)size)
		abort();
	char path[64], err[512];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct ps_open_opts o = { .mode = PS_OPEN_RANDOM, .verify = true };
	struct ps_src *s;
	if (ps_src_open_auto(path, &o, &s, err, sizeof(err)) == PS_OK) {
		struct ps_container_info ci;
		if (ps_src_container_info(s, &ci) || ci.kind != PS_CONT_EWF)
			abort();
		uint64_t off = 0;
		while (off < s->size && off < MAX_READ) {
			size_t n = s->size - off < sizeof(buf) ? (size_t)(s->size - off) : sizeof(buf);
			if (ps_src_pread(s, buf, n, off))
				break;
			off += n;
		}
		(void)ps_src_pread(s, buf, 16, 0);
		ps_src_close(s);
	} else if (strchr(err, '\n')) {
		abort();	/* errors are one line */
	}
	close(fd);
	return 0;
}
