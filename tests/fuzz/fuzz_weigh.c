/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the superblock readers the weighing of an ambiguous namespace
 * uses (src/weigh.c): an ext2/3/4 superblock and a jbd2 journal superblock,
 * on arbitrary bytes and behind valid magics. */
#include "err.h"
#include "le.h"
#include "weigh.h"
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ps_sb_facts f;
	ps_ext_sb_facts(data, size, &f);
	ps_jbd2_sb_facts(data, size, &f);
	uint8_t sb[1024];
	memset(sb, 0, sizeof(sb));
	memcpy(sb, data, size < sizeof(sb) ? size : sizeof(sb));
	ps_put_le16(sb + 0x38, 0xEF53);
	if (ps_ext_sb_facts(sb, sizeof(sb), &f) != PS_OK || !f.ext)
		__builtin_trap();
	/* a journal superblock: the magic and a v2 block type */
	sb[0] = 0xc0; sb[1] = 0x3b; sb[2] = 0x39; sb[3] = 0x98;
	sb[4] = 0; sb[5] = 0; sb[6] = 0; sb[7] = 4;
	if (ps_jbd2_sb_facts(sb, size < sizeof(sb) ? (size > 0x20 ? size : 0x20) : sizeof(sb), &f) != PS_OK ||
	    !f.have_jseq)
		__builtin_trap();
	return 0;
}
