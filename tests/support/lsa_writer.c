/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test support: the label-area writer (lsa_writer.h). The index block's
 * layout is the field table in src/label.h; labels are encoded by
 * ps_label_encode().
 */
#include "lsa_writer.h"
#include "err.h"
#include "fletcher.h"
#include "le.h"
#include <stdlib.h>
#include <string.h>

#define PUT(f, v) PS_FIELD_PUT(PS_NSINDEX, b, f, v)

/* One index block of isz bytes (nd_label_write_index); used[s] marks the
 * slots in use, every other slot's free bit is set. */
static void write_index(uint8_t *b, uint64_t isz, int which, uint32_t seq,
			uint32_t lsz, uint32_t nslot, const uint8_t *used)
{
	memset(b, 0, isz);
	memcpy(b + PS_NSINDEX_OFF_sig, PS_NSINDEX_SIG, PS_NSINDEX_LEN_sig);
	PUT(labelsize, lsz >> 8);	/* 128 << labelsize: 128 -> 0, 256 -> 1 */
	PUT(seq, seq);
	PUT(myoff, which ? isz : 0);
	PUT(mysize, isz);
	PUT(otheroff, which ? 0 : isz);
	PUT(labeloff, 2 * isz);
	PUT(nslot, nslot);
	PUT(major, 1);
	PUT(minor, lsz < 256 ? 1 : 2);
	for (uint32_t s = 0; s < nslot; s++)
		if (!used[s])
			b[PS_NSINDEX_OFF_free + s / 8] |= (uint8_t)(1u << (s % 8));
	PUT(checksum, ps_fletcher64(b, isz, PS_NSINDEX_OFF_checksum,
				    PS_NSINDEX_LEN_checksum));
}

int ps_lsa_format(uint8_t *buf, uint64_t c, uint32_t lsz, const struct ps_label *labels,
		  size_t n, const struct ps_lsa_layout *layout)
{
	struct ps_lsa_layout def = { { 3, 2 }, false };
	if (!layout)
		layout = &def;
	uint64_t isz;
	uint32_t nslot;
	if ((lsz != 128 && lsz != 256) ||
	    !ps_lsa_geometry(c, lsz, layout->old_nslot_formula, &isz, &nslot))
		return PS_EINVAL;
	uint8_t *used = calloc(nslot, 1);
	if (!used)
		return PS_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (labels[i].slot >= nslot || used[labels[i].slot]) {
			free(used);
			return PS_EINVAL;
		}
		used[labels[i].slot] = 1;
	}
	memset(buf, 0, c);
	for (int i = 0; i < 2; i++)
		write_index(buf + i * isz, isz, i, layout->seq[i], lsz, nslot, used);
	for (size_t i = 0; i < n; i++)
		ps_label_encode(&labels[i], lsz, buf + 2 * isz + (uint64_t)labels[i].slot * lsz);
	free(used);
	return PS_OK;
}
