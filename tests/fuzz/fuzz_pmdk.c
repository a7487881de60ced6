/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the PMDK pool header/descriptor parser and the poolset text
 * parser on arbitrary bytes; the bytes are also tried behind each pool
 * signature, so the descriptor checks run. */
#include "diag.h"
#include "le.h"
#include "pmdk.h"
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t b[PS_PMDK_PARSE_LEN];
	static struct ps_pmdk_pool p;
	static struct ps_pmdk_poolset ps;
	static const char *const sigs[] = { PS_PMDK_BLK_SIG, PS_PMDK_OBJ_SIG, PS_PMDK_LOG_SIG };
	struct ps_diags d;
	uint64_t pool_size = size >= 16 ? ps_le64(data + 8) : 0;

	ps_diags_init(&d);
	ps_pmdk_parse(data, size, 0x2000, pool_size, &p, &d);
	ps_pmdk_poolset_parse(data, size, 0, &ps, &d);
	ps_diags_free(&d);
	if (p.layout[sizeof(p.layout) - 1])
		__builtin_trap();	/* the layout name is always terminated */

	memset(b, 0, sizeof(b));
	memcpy(b, sigs[size ? data[0] % 3 : 0], 8);
	memcpy(b + 8, data, size < sizeof(b) - 8 ? size : sizeof(b) - 8);
	ps_diags_init(&d);
	if (ps_pmdk_parse(b, sizeof(b), 0, pool_size, &p, &d) != 0 || !p.desc_read)
		__builtin_trap();
	/* the checksum decision agrees with a reseal */
	ps_put_le64(b + 0xff8, ps_pmdk_hdr_checksum(b));
	ps_diags_free(&d);
	if (ps_pmdk_parse(b, sizeof(b), 0, pool_size, &p, NULL) != 0 || !p.checksum_ok)
		__builtin_trap();
	memcpy(b, PS_PMDK_POOLSET_SIG "\n", 12);
	ps_diags_init(&d);
	ps_pmdk_poolset_parse(b, sizeof(b), 0, &ps, &d);
	if (ps.nkept > PS_PMDK_POOLSET_MAX_PARTS || ps.text_len > sizeof(b))
		__builtin_trap();
	ps_diags_free(&d);
	return 0;
}
