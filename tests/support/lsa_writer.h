/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test support: write a whole label storage area as the kernel's
 * init_labels() and nd_label_write_index() lay it out, so tests,
 * tests/support/mkfx-labels and the label fuzzer's seeds have areas to parse.
 * pmemscan itself never writes labels.
 */
#ifndef PS_TEST_LSA_WRITER_H
#define PS_TEST_LSA_WRITER_H
#include "label.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ps_lsa_layout {
	uint32_t seq[2];	/* default {3, 2}: init_labels() in current kernels */
	bool old_nslot_formula;	/* pre-4.17 nslot = config / (label_size + 1) */
};

/*
 * Write a complete LSA of config_size bytes into buf: both index blocks
 * (same free bitmap: the given labels' slots in use), the labels at their
 * l->slot. layout may be NULL. Returns PS_OK, PS_EINVAL (bad size, slot
 * out of range or used twice).
 */
int ps_lsa_format(uint8_t *buf, uint64_t config_size, uint32_t label_size,
		  const struct ps_label *labels, size_t n,
		  const struct ps_lsa_layout *layout);

#endif
