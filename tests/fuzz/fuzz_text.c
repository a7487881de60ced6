/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer entry point for the text parsers of files a user hands over:
 * a saved /proc/iomem (--iomem), `ndctl list` JSON (--ndctl-json) and a
 * repair undo file (pmemscan undo). The first byte picks the parser (mod
 * 3); the rest is the file. Built and run by tests/fuzz/run.sh.
 */
#include "phys.h"
#include "repair.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	/* the parsers take NUL-terminated text, as the CLI reads it */
	char *text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	char err[512];
	switch (data[0] % 3) {
	case 0: {
		struct ps_phys_map m = { 0 };
		if (ps_iomem_parse(text, &m, err, sizeof(err)) == 0)
			ps_phys_map_free(&m);
		break;
	}
	case 1: {
		struct ps_phys_map m = { 0 };
		if (ps_ndctl_json_parse(text, &m, err, sizeof(err)) == 0)
			ps_phys_map_free(&m);
		break;
	}
	default: {
		struct ps_undo u;
		memset(&u, 0, sizeof(u));
		if (ps_undo_parse(text, size - 1, &u, err, sizeof(err)) == 0)
			ps_undo_free(&u);
		break;
	}
	}
	free(text);
	return 0;
}
