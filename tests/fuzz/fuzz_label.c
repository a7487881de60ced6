/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer entry point for the label-area parsers (src/label.c, lsa.c).
 * Built and run by tests/fuzz/run.sh (make fuzz), with the library and
 * tests/support/lsa_writer.c; seeds: tests/support/mkfx-labels output.
 * Inputs whose size is 1 mod 4 lose that last byte and get their
 * index-block and v1.2 label checksums recomputed first, so the fuzzer
 * reaches the logic behind the checksum checks (index choice, slot walk,
 * namespace rebuild).
 */
#include "diag.h"
#include "err.h"
#include "fletcher.h"
#include "imgsrc.h"
#include "label.h"
#include "le.h"
#include "../support/lsa_writer.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int ps_fuzz_label(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void reseal(uint8_t *b, size_t len)
{
	/* index blocks at 0 and at mysize (or 256), labels of 256 bytes */
	uint64_t isz = len >= PS_NSINDEX_OFF_mysize + PS_NSINDEX_LEN_mysize ?
		       PS_FIELD_GET(PS_NSINDEX, b, mysize) : 0;
	if (isz < 256 || isz > 4096 || isz % 256)
		isz = 256;
	for (int i = 0; i < 2; i++)
		if ((i + 1) * isz <= len)
			PS_FIELD_PUT(PS_NSINDEX, b + i * isz, checksum,
				     ps_fletcher64(b + i * isz, isz, PS_NSINDEX_OFF_checksum,
						   PS_NSINDEX_LEN_checksum));
	for (size_t off = 2 * isz; off + 256 <= len && off < 2 * isz + 64 * 256; off += 256)
		PS_FIELD_PUT(PS_NSLABEL, b + off, checksum,
			     ps_fletcher64(b + off, 256, PS_NSLABEL_OFF_checksum,
					   PS_NSLABEL_LEN_checksum));
}

int ps_fuzz_label(const uint8_t *data, size_t size)
{
	if (size > PS_LSA_MAX)
		return 0;
	uint8_t *b = malloc(size ? size : 1);
	if (!b)
		return 0;
	memcpy(b, data, size);
	if (size % 4 == 1) {
		size--;
		reseal(b, size);
	}

	struct ps_diags d;
	ps_diags_init(&d);

	struct ps_nsindex ix;
	ps_nsindex_parse(b, size, 0, -1, 0, 0, &ix, &d);
	ps_nsindex_parse(b, size, 0, 0, size, 256, &ix, &d);
	if (ix.sig_ok)
		(void)ps_nsindex_slot_free(b, &ix, size ? b[size - 1] : 0);
	struct ps_label l;
	ps_label_parse(b, size, 0, 128, 0, &l, &d);
	ps_label_parse(b, size, 0, 256, UINT32_MAX, &l, &d);

	struct ps_lsa_loc loc;
	ps_lsa_probe(b, size, 0x1000, &loc);

	/* the whole input as one LSA, and its two halves as two DIMMs */
	struct ps_lsa a, h1, h2;
	ps_lsa_parse(b, size, 0, &a, &d);
	size_t half = (size / 2) & ~(size_t)255;
	ps_lsa_parse(b, half, 0, &h1, &d);
	ps_lsa_parse(b + half, size - half, half, &h2, &d);
	const struct ps_lsa *v[3] = { &a, &h1, &h2 };
	uint64_t sd[3] = { UINT64_MAX, size >= 8 ? ps_le64(b) & ~0xfffULL : 0, UINT64_MAX };
	struct ps_ns_set set;
	if (ps_label_namespaces(v, 3, sd, &set, &d) == PS_OK)
		ps_ns_set_free(&set);
	if (ps_label_namespaces(v, 1, NULL, &set, &d) == PS_OK)
		ps_ns_set_free(&set);

	/* round trip: re-encode what was found */
	if (a.nactive && a.label_size) {
		struct ps_label *ls = calloc(a.nactive, sizeof(*ls));
		size_t n = 0;
		for (size_t i = 0; ls && i < a.nrecs; i++)
			if (a.recs[i].active)
				ls[n++] = a.recs[i].label;
		uint8_t *out = ls ? malloc(a.size) : NULL;
		if (out && ps_lsa_format(out, a.size, a.label_size, ls, n, NULL) == PS_OK) {
			struct ps_lsa r;
			if (ps_lsa_parse(out, a.size, 0, &r, NULL) != PS_OK || r.nactive != n)
				abort();	/* encoder and parser disagree */
			ps_lsa_free(&r);
		}
		free(out);
		free(ls);
	}
	ps_lsa_free(&a);
	ps_lsa_free(&h1);
	ps_lsa_free(&h2);

	struct ps_src *src;
	if (ps_src_open_mem(b, size, "fuzz", &src) == PS_OK) {
		ps_lsa_locate_tail(src, &loc);
		ps_src_close(src);
	}
	ps_diags_free(&d);
	free(b);
	return 0;
}

#ifndef PS_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return ps_fuzz_label(data, size);
}
#endif
