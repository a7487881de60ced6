/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The layout of a namespace as byte ranges (render_map.h), and the text
 * report's one-line map of it. */
#include "render_map.h"
#include "render.h"
#include <inttypes.h>
#include <string.h>

#define SZ_4K 4096u
#define SZ_8K 8192u

struct regs {
	struct map_region *v;
	size_t n;
	uint64_t size;
};

/* [a, b) clipped to the namespace; nothing for an empty range. b is
 * computed by the caller from image values: a + len may have wrapped. */
static void add(struct regs *r, uint64_t a, uint64_t b, enum map_kind k)
{
	if (b > r->size)
		b = r->size;
	if (a >= b || r->n >= MAP_MAX_REGIONS)
		return;
	r->v[r->n++] = (struct map_region){ a, b, k };
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* The data range to draw: the chosen candidate's, else the legacy one's
 * (what every kernel reads), else the first. */
static const struct ps_cand *data_cand(const struct ps_ns *ns)
{
	if (ns->chosen >= 0 && !ns->cand[ns->chosen].btt)
		return &ns->cand[ns->chosen];
	for (int c = 0; c < ns->ncand; c++)
		if (ns->cand[c].sem == PS_SEM_LEGACY)
			return &ns->cand[c];
	for (int c = 0; c < ns->ncand; c++)
		if (!ns->cand[c].btt)
			return &ns->cand[c];
	return NULL;
}

size_t map_ns_layout(const struct ps_analysis *a, const struct ps_ns *ns,
		     struct map_region *out, unsigned *arenas)
{
	struct regs r = { out, 0, ns->size };
	*arenas = 0;
	if (!ns->size)
		return 0;
	const struct ps_cand *dc = data_cand(ns);
	uint64_t end = sat_add(ns->base, ns->size);
	switch (ns->mode) {
	case PS_NS_FSDAX:
	case PS_NS_DEVDAX: {
		uint64_t P = ns->start_pad, D = ns->dataoff, T = ns->end_trunc;
		if (dc && dc->off >= ns->base)
			add(&r, dc->off - ns->base, sat_add(dc->off - ns->base, dc->size), MK_DATA);
		else if (!dc && T < ns->size)
			add(&r, sat_add(P, D), ns->size - T, MK_DATA);
		add(&r, 0, P, MK_PAD);
		add(&r, P, sat_add(P, D), MK_RESERVED);
		if (ns->pfn.mode == PS_PFN_MODE_PMEM)
			add(&r, sat_add(P, SZ_8K), sat_add(P, D), MK_MEMMAP);
		if (T && T < ns->size)
			add(&r, ns->size - T, ns->size, MK_TRUNC);
		break;
	}
	case PS_NS_SECTOR:
		for (size_t i = 0; i < a->scan.nrecs; i++) {
			const struct ps_rec *rec = &a->scan.recs[i];
			if (rec->kind != PS_REC_BTT || rec->role != PS_ROLE_PRIMARY || rec->truncated ||
			    rec->off < ns->base || rec->off >= end)
				continue;
			++*arenas;
			const struct ps_btt_sb *sb = &rec->u.btt;
			if (*arenas > MAP_MAX_ARENAS || !sb->layout_ok)
				continue;
			uint64_t o = rec->off - ns->base;
			add(&r, o, sat_add(o, SZ_4K), MK_BTT_INFO);
			add(&r, sat_add(o, sb->dataoff), sat_add(o, sb->mapoff), MK_BTT_DATA);
			add(&r, sat_add(o, sb->mapoff), sat_add(o, sb->logoff), MK_BTT_MAP);
			add(&r, sat_add(o, sb->logoff), sat_add(o, sb->info2off), MK_BTT_LOG);
			add(&r, sat_add(o, sb->info2off), sat_add(o, sb->info2off + SZ_4K), MK_BTT_INFO);
		}
		if (!*arenas)
			add(&r, 0, ns->size, MK_DATA);
		break;
	case PS_NS_RAW:
		if (dc && dc->off >= ns->base)
			add(&r, dc->off - ns->base, sat_add(dc->off - ns->base, dc->size), MK_DATA);
		else
			add(&r, 0, ns->size, MK_DATA);
		break;
	}
	if (ns->info_rec >= 0 && ns->mode != PS_NS_SECTOR) {
		uint64_t io = a->scan.recs[ns->info_rec].off;
		if (io >= ns->base && io < end)
			add(&r, io - ns->base, sat_add(io - ns->base, SZ_4K), MK_INFO);
	}
	return r.n;
}

static const struct {
	const char *name, *words;
	char ch;
} kinds[] = {
	[MK_DATA] = { "data", "data", '=' },
	[MK_PAD] = { "start_pad", "start_pad", 'p' },
	[MK_INFO] = { "info", "info block", 'I' },
	[MK_MEMMAP] = { "memmap", "struct-page memmap", 'm' },
	[MK_RESERVED] = { "reserved", "other reserved (dataoff)", ':' },
	[MK_TRUNC] = { "end_trunc", "end_trunc", 't' },
	[MK_BTT_INFO] = { "btt_info", "BTT info block", 'B' },
	[MK_BTT_DATA] = { "btt_data", "BTT data blocks", '=' },
	[MK_BTT_MAP] = { "btt_map", "BTT map", 'M' },
	[MK_BTT_LOG] = { "btt_log", "BTT flog", 'f' },
};

const char *map_kind_name(enum map_kind k)
{
	return k >= MK_DATA && k <= MK_BTT_LOG ? kinds[k].name : "unknown";
}

const char *map_kind_words(enum map_kind k)
{
	return k >= MK_DATA && k <= MK_BTT_LOG ? kinds[k].words : "unknown";
}

char map_kind_char(enum map_kind k)
{
	return k >= MK_DATA && k <= MK_BTT_LOG ? kinds[k].ch : '?';
}

char map_cand_char(const struct ps_cand *c)
{
	return c->btt ? 0 : c->sem == PS_SEM_LEGACY ? 'L' : c->sem == PS_SEM_FIXED ? 'F' : 'D';
}

#define BAR 64

/* The column x (of size) falls in; end: the first column after a range
 * ending at x. Computed in long double: sizes go up to 2^64. */
static int col(uint64_t x, uint64_t size, bool end)
{
	long double c = (long double)x * BAR / (long double)size;
	int i = end ? (int)(c + 0.999999L) : (int)c;
	return i < 0 ? 0 : i > BAR ? BAR : i;
}

void render_text_map(FILE *f, const struct ps_analysis *a, size_t i)
{
	const struct ps_ns *ns = &a->ns[i];
	struct map_region rg[MAP_MAX_REGIONS];
	unsigned arenas;
	char h[32];
	if (i == 0)
		fputs("  map legend (one line per namespace, to scale, a region at least one column):"
		      " p start_pad, I info block, : reserved, m struct-page memmap, = data,"
		      " t end_trunc, B BTT info block, M BTT map, f BTT flog, - nothing known;"
		      " L/F/D a candidate's data start (legacy/fixed/the only one)\n", f);
	size_t n = map_ns_layout(a, ns, rg, &arenas);
	if (!ns->size)
		return;
	char bar[BAR + 1];
	memset(bar, '-', BAR);
	bar[BAR] = 0;
	for (size_t k = 0; k < n; k++) {
		int c0 = col(rg[k].a, ns->size, false), c1 = col(rg[k].b, ns->size, true);
		if (c0 >= BAR)
			c0 = BAR - 1;
		if (c1 <= c0)
			c1 = c0 + 1;
		memset(bar + c0, map_kind_char(rg[k].kind), (size_t)(c1 - c0));
	}
	for (int c = 0; c < ns->ncand; c++) {
		const struct ps_cand *cd = &ns->cand[c];
		char m = map_cand_char(cd);
		if (m && cd->off >= ns->base && cd->off - ns->base < ns->size) {
			int c0 = col(cd->off - ns->base, ns->size, false);
			bar[c0 >= BAR ? BAR - 1 : c0] = m;
		}
	}
	fprintf(f, "  map: [%s] a column %s", bar, ps_human(ns->size / BAR ? ns->size / BAR : 1, h, sizeof(h)));
	for (int c = 0; c < ns->ncand; c++) {
		const struct ps_cand *cd = &ns->cand[c];
		char m = map_cand_char(cd);
		if (!m)
			continue;
		fprintf(f, "; %c %s at ns+0x%" PRIx64 "%s%s", m, cd->name, cd->off - ns->base,
			cd->probed && cd->probe.type[0] ? ": " : "",
			cd->probed ? cd->probe.type : "");
	}
	if (arenas > MAP_MAX_ARENAS)
		fprintf(f, "; %u BTT arenas, the first %d drawn", arenas, MAP_MAX_ARENAS);
	fputc('\n', f);
}
