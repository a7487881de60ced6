/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The layout of a namespace as a list of byte ranges, for the pictures of
 * it: the one-line bar of the text report (render_text_map) and the SVG
 * map of the HTML report (render_html.c). Computed from the analysis'
 * facts only (src/ns.h): the info block and BTT arenas found, start_pad,
 * dataoff and end_trunc in effect, the candidates and what they hold.
 */
#ifndef PS_CLI_RENDER_MAP_H
#define PS_CLI_RENDER_MAP_H
#include "ns.h"
#include <stdint.h>
#include <stdio.h>

enum map_kind {
	MK_DATA = 1,	/* the data the chosen (or legacy) reading exports */
	MK_PAD,		/* start_pad: [0, start_pad) */
	MK_INFO,	/* the pfn/dax info block (4 KiB) */
	MK_MEMMAP,	/* struct-page memmap (pfn mode pmem), legacy reading */
	MK_RESERVED,	/* the rest of [start_pad, start_pad + dataoff) */
	MK_TRUNC,	/* end_trunc: the namespace's last bytes, unused */
	MK_BTT_INFO,	/* a BTT arena's info block or its backup */
	MK_BTT_DATA,	/* a BTT arena's data blocks */
	MK_BTT_MAP,	/* a BTT arena's map */
	MK_BTT_LOG,	/* a BTT arena's flog */
};

/* A range of the namespace, relative to its base; the ranges are given
 * in painting order: later ones drawn over earlier ones. */
struct map_region {
	uint64_t a, b;
	enum map_kind kind;
};

/* Arenas of a BTT drawn at most (the rest are listed, not drawn). */
#define MAP_MAX_ARENAS 32
#define MAP_MAX_REGIONS (8 + 5 * MAP_MAX_ARENAS)

/* The regions of ns (clipped to its size); returns how many. *arenas is
 * set to the number of BTT arenas found in the namespace (may exceed
 * MAP_MAX_ARENAS). */
size_t map_ns_layout(const struct ps_analysis *a, const struct ps_ns *ns,
		     struct map_region *out, unsigned *arenas);
/* A short name (CSS class, data-kind), the words for the legend, and the
 * character of the text bar. */
const char *map_kind_name(enum map_kind k);
const char *map_kind_words(enum map_kind k);
char map_kind_char(enum map_kind k);
/* The character marking candidate c's data start in the text bar. */
char map_cand_char(const struct ps_cand *c);

/* The text report's map of namespace i: one line, a bar of the
 * namespace to scale; before the first namespace, the legend. */
void render_text_map(FILE *f, const struct ps_analysis *a, size_t i);

#endif
