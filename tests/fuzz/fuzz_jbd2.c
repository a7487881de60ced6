/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the jbd2 journal superblock and recovery (src/jbd2.c) on
 * arbitrary bytes read as a journal of 1 KiB blocks; a filesystem size
 * taken from the bytes bounds the home blocks. Every mapped block must lie
 * inside the journal and the filesystem. */
#include "err.h"
#include "jbd2.h"
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct in {
	const uint8_t *p;
	size_t n;
};

static int rd(void *ctx, uint64_t jblk, void *buf)
{
	const struct in *in = ctx;
	if (jblk >= in->n / 1024)
		return PS_ERANGE;
	memcpy(buf, in->p + jblk * 1024, 1024);
	return PS_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct ps_jbd2 j;
	if (size < 1024)
		return 0;
	uint64_t total = size / 1024;
	/* bytes 0x3f0.. of the superblock's padding choose the fs size */
	uint64_t fsb = 1 + ((uint64_t)data[0x3f0] << 16 | (uint64_t)data[0x3f1] << 8 | data[0x3f2]);
	if (ps_jbd2_sb_parse(data, 1024, total, &j))
		return 0;
	if (ps_jbd2_recover(&j, rd, &in, fsb))
		return 0;
	for (size_t i = 0; i < j.nmap; i++) {
		if (j.map[i].home >= fsb || j.map[i].jblk >= total ||
		    (i && j.map[i].home <= j.map[i - 1].home))
			__builtin_trap();
		if (ps_jbd2_lookup(&j, j.map[i].home) != &j.map[i])
			__builtin_trap();
	}
	if (j.nmap > j.st.blocks)
		__builtin_trap();
	uint8_t sb[1024];
	memcpy(sb, data, sizeof(sb));
	ps_jbd2_sb_recovered(&j, sb);
	ps_jbd2_free(&j);
	return 0;
}
