/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the whole scan-and-reconstruct path (scanner, namespace
 * grouping, candidates, libblkid probes, verdict, both reports) on a small
 * image held in memory. Inputs are stretched so that info blocks land at
 * 4 KiB offsets: each fuzz byte block of 4 KiB is a page of the image. */
#include "imgsrc.h"
#include "ns.h"
#include "render.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (4u << 20))
		return 0;
	struct ps_src *src;
	if (ps_src_open_mem(data, size, "fuzz", &src))
		return 0;
	struct ps_analysis_opts o;
	memset(&o, 0, sizeof(o));
	o.have_phys_base = size && (data[0] & 1);
	o.phys_base = 0x577c000000ULL;
	struct ps_analysis a;
	if (ps_analyze(src, &o, &a) == 0) {
		FILE *null = fopen("/dev/null", "w");
		/* a path that needs quoting, and a compressed input now and
		 * then: the next commands take both branches */
		struct ps_report in = { .path = "fuzz 'image'", .size = size,
					   .compression = size > 1 && (data[1] & 1) ? "xz" : NULL };
		if (null) {
			render_scan_text(null, &in, &a);
			render_scan_json(null, &in, &a);
			render_scan_html(null, &in, &a);
			fclose(null);
		}
		for (size_t i = 0; i < a.nns; i++) {
			char err[256];
			struct ps_src *v;
			for (int s = 0; s < 3; s++)
				if (ps_ns_data_view(src, &a, (int)i, (enum ps_sem)s, &v, err, sizeof(err)) == 0) {
					uint8_t b[512];
					if (v->size >= sizeof(b))
						ps_src_pread(v, b, sizeof(b), v->size - sizeof(b));
					ps_src_close(v);
				}
		}
	}
	ps_analysis_free(&a);
	ps_src_close(src);
	return 0;
}
