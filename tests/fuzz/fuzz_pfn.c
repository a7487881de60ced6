/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the pfn/dax info-block parser on arbitrary bytes, with and
 * without a namespace size. */
#include "diag.h"
#include "le.h"
#include "pfn.h"
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t blk[4096];
	struct ps_pfn_sb sb;
	struct ps_diags d;
	uint64_t ns_size = size >= 8 ? ps_le64(data) : 0;

	ps_diags_init(&d);
	ps_pfn_parse(data, size, 4096, ns_size, &sb, &d);
	ps_diags_free(&d);
	/* the same bytes behind a valid signature, so the field checks run */
	memset(blk, 0, sizeof(blk));
	memcpy(blk, size && (data[0] & 1) ? PS_DAX_SIG : PS_PFN_SIG, 16);
	memcpy(blk + 16, data, size < sizeof(blk) - 16 ? size : sizeof(blk) - 16);
	ps_diags_init(&d);
	if (ps_pfn_parse(blk, sizeof(blk), 4096, ns_size, &sb, &d) == 0) {
		uint8_t again[4096];
		ps_pfn_encode(&sb, again);
		struct ps_pfn_sb sb2;
		ps_pfn_parse(again, sizeof(again), 0, 0, &sb2, NULL);
		/* encode/parse round trip keeps every field the version has */
		if (sb2.dataoff != sb.dataoff || sb2.start_pad != sb.start_pad ||
		    sb2.npfns != sb.npfns || !sb2.checksum_ok)
			__builtin_trap();
	}
	ps_diags_free(&d);
	return 0;
}
