/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The scan report as one self-contained HTML page (pmemscan IMAGE --html
 * FILE): inline CSS and SVG, no script, no URL; a Content-Security-Policy
 * of default-src 'none' makes the browser refuse any load should one slip
 * in. A map of the image and of each namespace to scale, with zoomed
 * insets where regions are small, and next to it the verdict, evidence,
 * notes and next commands in the words of render_facts.c.
 *
 * Every string that comes from the image or the user (paths, label names,
 * filesystem types, uuids and labels, diagnostics) goes through esc().
 * The elements a test or a script may look for carry data- attributes
 * (docs/cli.md, "HTML report"): data-ns, data-cand, data-verdict.
 */
#include "docdir.h"
#include "config.h"
#include "render.h"
#include "util.h"
#include "render_map.h"
#include "split_cli.h"
#include "err.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define HUMAN(v) ps_human((v), (char[32]){ 0 }, 32)

/* a + b, or UINT64_MAX where it would wrap: offsets and sizes come from
 * the image */
static uint64_t sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* s as HTML text or a double-quoted attribute value. Control characters
 * (which no report needs) become U+FFFD; bytes >= 0x80 pass: the page is
 * UTF-8 and a browser shows invalid sequences as U+FFFD itself. */
static void esc(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		case '\n': case '\t': fputc(*p, f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fputs("&#xfffd;", f);
			else
				fputc(*p, f);
		}
	}
}

/* What a render_facts.c function writes, escaped. CALL writes to m. */
#define PIECE(f, oom, CALL) do {						\
		struct render_str b_;						\
		FILE *m = render_str_open(&b_);					\
		if (m) { CALL; }						\
		char *s_ = render_str_close(&b_);				\
		if (!s_) (oom) = true; else { esc((f), s_); free(s_); }	\
	} while (0)

static const char css[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222;background:#fff;overflow-wrap:anywhere}"
	"h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.15em;margin:1.2em 0 .3em}"
	"h3{font-size:1em;margin:.6em 0 .2em}"
	"dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.1em 1em;margin:.3em 0}"
	"dl.kv dt{color:#555}dl.kv dd{margin:0;word-break:break-all}"
	"section.ns{border-top:2px solid #ccc;margin-top:1.2em;padding-top:.4em}"
	".cols{display:grid;grid-template-columns:minmax(0,6fr) minmax(0,5fr);gap:1.5em}"
	"@media (max-width:900px){.cols{grid-template-columns:1fr}}"
	"svg{width:100%;height:auto;display:block;margin:.3em 0}#image-map svg{max-width:1100px}"
	"svg text{font:12px system-ui,sans-serif;fill:#222}svg text.t{font-weight:600}"
	"svg .k-data{fill:#9ecae1}svg .k-start_pad{fill:#fdd0a2}svg .k-info{fill:#d62728}"
	"svg .k-memmap{fill:#bcbddc}svg .k-reserved{fill:#dadaeb}svg .k-end_trunc{fill:#fdae6b}"
	"svg .k-btt_info{fill:#d62728}svg .k-btt_data{fill:#9ecae1}svg .k-btt_map{fill:#31a354}"
	"svg .k-btt_log{fill:#e6550d}svg .k-labels{fill:#756bb1}svg .k-index{fill:#54278f}"
	"svg .k-slots{fill:#bcbddc}svg .k-ns{fill:#c6dbef;stroke:#3182bd}svg .bg{fill:#f3f3f3;stroke:#bbb}"
	"svg .c-fs{fill:#74c476}svg .c-damaged{fill:#fd8d3c}svg .c-none{fill:#d9d9d9}"
	"svg .fs-fits{stroke:#238b45;stroke-width:3}svg .fs-overruns{stroke:#cb181d;stroke-width:3}"
	"svg .zoom{fill:#ffeda0;fill-opacity:.45;stroke:#e6a800;stroke-dasharray:3 2}"
	".verdict{font-weight:600;padding:.3em .5em;border-radius:4px;display:inline-block}"
	".v-proven{background:#c7e9c0}.v-ambiguous,.v-damaged{background:#fdd0a2}"
	".v-no-filesystem,.v-none,.v-nested,.v-unknown{background:#eee}.v-no-filesystem-expected{background:#deebf7}"
	".v-mismatch{background:#fcbba1}.v-match{background:#c7e9c0}"
	"ul{margin:.2em 0;padding-left:1.3em}li{margin:.15em 0}"
	"code,pre{font:12px/1.35 ui-monospace,monospace}pre.cmd{background:#f6f6f6;padding:.3em .5em;margin:.2em 0;white-space:pre-wrap;word-break:break-all}"
	".legend span{display:inline-block;margin-right:1em}.legend i{display:inline-block;width:.9em;height:.9em;vertical-align:-.1em;margin-right:.3em;border:1px solid #999}"
	".small{color:#555;font-size:.9em}"
	"svg .s-l{fill:#3182bd}svg .s-f{fill:#e6550d}svg .s-pad{fill:#fdd0a2}"
	"table.split-files{border-collapse:collapse;margin:.3em 0}table.split-files td,table.split-files th{border-top:1px solid #ddd;padding:.2em .5em;vertical-align:top;text-align:left;overflow-wrap:anywhere;word-break:break-all}"
	".c-mmap,.c-mixed{font-weight:600;color:#a63603}"
	"pre.split-cmd{background:#f6f6f6;padding:.3em .5em;margin:.2em 0;white-space:pre-wrap;word-break:break-all}";

/* ---- drawing to scale ---- */

#define SVG_W 760
#define LABEL_W 110		/* the row names on the left */
#define BAR_W (SVG_W - LABEL_W - 6)
#define ROW_H 24
#define MIN_W 2.0		/* a region is never thinner than this */

struct scale {
	uint64_t lo, hi;	/* the byte range drawn over BAR_W */
};

static double sx(const struct scale *s, uint64_t v)
{
	if (v <= s->lo)
		return LABEL_W;
	if (v >= s->hi)
		return LABEL_W + BAR_W;
	return LABEL_W + (double)((long double)(v - s->lo) * BAR_W / (long double)(s->hi - s->lo));
}

/* A rectangle for [a, b) (absolute), clipped to the scale, at least
 * MIN_W wide; class cls, a tooltip (title, escaped) and data- attributes
 * given as a preformatted, already escaped string. */
static void rect(FILE *f, const struct scale *s, uint64_t a, uint64_t b, double y,
		 double h, const char *cls, const char *title, const char *attrs)
{
	if (b <= s->lo || a >= s->hi || b <= a)
		return;
	double x0 = sx(s, a), x1 = sx(s, b);
	if (x1 - x0 < MIN_W) {
		x1 = x0 + MIN_W;
		if (x1 > LABEL_W + BAR_W) {
			x1 = LABEL_W + BAR_W;
			x0 = x1 - MIN_W;
		}
	}
	fprintf(f, "<rect class=\"%s\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" data-off=\"%" PRIu64 "\" data-end=\"%" PRIu64 "\"%s><title>",
		cls, x0, y, x1 - x0, h, a, b, attrs ? attrs : "");
	esc(f, title);
	fprintf(f, " [0x%" PRIx64 ", 0x%" PRIx64 "), %s</title></rect>\n", a, b, HUMAN(b - a));
}

static void row_name(FILE *f, double y, const char *name)
{
	fprintf(f, "<text class=\"t\" x=\"4\" y=\"%.1f\">", y + ROW_H * 0.65);
	esc(f, name);
	fputs("</text>\n", f);
}

static void bg(FILE *f, double y)
{
	fprintf(f, "<rect class=\"bg\" x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\"/>\n",
		LABEL_W, y, BAR_W, ROW_H - 4);
}

/* Offsets at the ends of a scale, under its last row. */
static void axis(FILE *f, const struct scale *s, double y, uint64_t rel)
{
	fprintf(f, "<text x=\"%d\" y=\"%.1f\">0x%" PRIx64 "</text>", LABEL_W, y + 12, s->lo - rel);
	fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">0x%" PRIx64 " (%s)</text>\n",
		LABEL_W + BAR_W, y + 12, s->hi - rel, HUMAN(s->hi - s->lo));
}

static void svg_open(FILE *f, int rows, const char *id, const char *title)
{
	fprintf(f, "<svg viewBox=\"0 0 %d %d\" role=\"img\" id=\"%s\"><title>", SVG_W,
		rows * ROW_H + 30, id);
	esc(f, title);
	fputs("</title>\n", f);
}

/* ---- a namespace ---- */

static const char *cand_class(const struct ps_cand *c)
{
	if (!c->probed)
		return "c-none";
	return c->probe.found ? "c-fs" : c->probe.bad_csum ? "c-damaged" : "c-none";
}

/* The rows of a namespace over scale s: its layout, then one per
 * candidate (what the probe found there, and the size the filesystem
 * claims as a line under it). */
static void ns_rows(FILE *f, const struct ps_analysis *a, const struct ps_ns *ns,
		    const struct scale *s, const struct map_region *rg, size_t n)
{
	double y = 0;
	char at[160];
	row_name(f, y, "layout");
	bg(f, y);
	for (size_t k = 0; k < n; k++) {
		snprintf(at, sizeof(at), " data-kind=\"%s\"", map_kind_name(rg[k].kind));
		char cls[32];
		snprintf(cls, sizeof(cls), "k-%s", map_kind_name(rg[k].kind));
		rect(f, s, sat(ns->base, rg[k].a), sat(ns->base, rg[k].b), y, ROW_H - 4, cls,
		     map_kind_words(rg[k].kind), at);
	}
	(void)a;
	for (int c = 0; c < ns->ncand; c++) {
		const struct ps_cand *cd = &ns->cand[c];
		y += ROW_H;
		char name[48];
		snprintf(name, sizeof(name), "%s%s", cd->name, c == ns->chosen ? " (chosen)" : "");
		row_name(f, y, name);
		bg(f, y);
		if (cd->btt) {
			fprintf(f, "<text x=\"%d\" y=\"%.1f\" data-cand=\"btt\">through the BTT map: %s</text>\n",
				LABEL_W + 6, y + ROW_H * 0.65, HUMAN(cd->size));
			continue;
		}
		char title[160];
		snprintf(title, sizeof(title), "%s candidate: %s", cd->name,
			 cd->probed && cd->probe.type[0] ? cd->probe.type :
			 cd->probed ? ps_content_name(cd->probe.content) : "not probed");
		snprintf(at, sizeof(at), " data-cand=\"%s\" data-ns=\"%d\"", cd->name, ns->index);
		rect(f, s, cd->off, sat(cd->off, cd->size),
		     y, ROW_H - 8, cand_class(cd), title, at);
		if (cd->probed && cd->probe.fs_size) {
			double x0 = sx(s, cd->off), x1 = sx(s, sat(cd->off, cd->probe.fs_size));
			fprintf(f, "<line class=\"%s\" x1=\"%.2f\" x2=\"%.2f\" y1=\"%.1f\" y2=\"%.1f\"><title>the filesystem claims %s</title></line>\n",
				cd->probe.fs_size > cd->size ? "fs-overruns" : "fs-fits",
				x0, x1 < x0 + MIN_W ? x0 + MIN_W : x1, y + ROW_H - 6, y + ROW_H - 6,
				HUMAN(cd->probe.fs_size));
		}
		if (cd->off >= s->lo && cd->off < s->hi) {
			fprintf(f, "<text x=\"%.2f\" y=\"%.1f\">", sx(s, cd->off) + 3, y + ROW_H * 0.5);
			esc(f, cd->probed && cd->probe.type[0] ? cd->probe.type :
			    cd->probed ? ps_content_name(cd->probe.content) : "");
			fputs("</text>\n", f);
		}
	}
}

static void ns_svg(FILE *f, const struct ps_analysis *a, const struct ps_ns *ns,
		   const struct scale *s, const struct map_region *rg, size_t n,
		   const char *id, const char *title, const struct scale *zoom, int nzoom)
{
	int rows = 1 + ns->ncand;
	svg_open(f, rows, id, title);
	ns_rows(f, a, ns, s, rg, n);
	for (int k = 0; k < nzoom; k++) {
		double x0 = sx(s, zoom[k].lo), w = sx(s, zoom[k].hi) - x0;
		fprintf(f, "<rect class=\"zoom\" x=\"%.2f\" y=\"0\" width=\"%.2f\" height=\"%d\"><title>zoom %d: drawn larger below</title></rect>\n",
			x0, w < MIN_W ? MIN_W : w, rows * ROW_H - 4, k + 1);
		fprintf(f, "<text x=\"%.2f\" y=\"%d\" font-weight=\"600\">%d</text>\n",
			x0, rows * ROW_H + 26, k + 1);
	}
	axis(f, s, rows * ROW_H - 4, ns->base);
	fputs("</svg>\n", f);
}

#define MAX_ZOOM 3

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

/* Where the small things of a namespace are: the boundaries of its
 * regions and the candidates' data starts (namespace-relative), grouped
 * where they lie closer than 1/50 of the namespace; a group of two or
 * more spanning less than 1/8 of it gets a zoomed inset. Returns the
 * number of windows (absolute offsets) put in z. */
static int zooms(const struct ps_ns *ns, const struct map_region *rg, size_t n,
		 struct scale *z)
{
	uint64_t pts[2 * MAP_MAX_REGIONS + PS_MAX_CAND];
	size_t np = 0;
	uint64_t S = ns->size;
	if (S < 64)
		return 0;
	for (size_t k = 0; k < n; k++) {
		pts[np++] = rg[k].a;
		pts[np++] = rg[k].b;
	}
	for (int c = 0; c < ns->ncand; c++)
		if (!ns->cand[c].btt && ns->cand[c].off >= ns->base && ns->cand[c].off - ns->base < S)
			pts[np++] = ns->cand[c].off - ns->base;
	qsort(pts, np, sizeof(pts[0]), cmp_u64);
	int nz = 0;
	size_t i = 0;
	while (i < np && nz < MAX_ZOOM) {
		size_t j = i, distinct = 1;
		while (j + 1 < np && pts[j + 1] - pts[j] < S / 50) {
			if (pts[j + 1] != pts[j])
				distinct++;
			j++;
		}
		uint64_t lo = pts[i], hi = pts[j], span = hi - lo;
		/* small: neighbours closer than a hundredth, which the map
		 * draws a few pixels apart at most */
		bool small = false;
		for (size_t k = i; k < j; k++)
			if (pts[k + 1] != pts[k] && pts[k + 1] - pts[k] < S / 100)
				small = true;
		if (distinct >= 2 && small && span < S / 8) {
			uint64_t pad = span / 4 > 4096 ? span / 4 : 4096;
			lo = lo > pad ? lo - pad : 0;
			hi = S - hi > pad ? hi + pad : S;
			z[nz].lo = sat(ns->base, lo);
			z[nz].hi = sat(ns->base, hi);
			nz++;
		}
		i = j + 1;
	}
	return nz;
}

static void cmd_list(FILE *f, const struct ps_report *in, const struct ps_ns *ns, bool *oom)
{
	int shown = 0;
	for (int k = 0; k < ns->nactions; k++) {
		struct render_str b;
		FILE *m = render_str_open(&b);
		if (m)
			render_action(m, in, &ns->actions[k]);
		char *cmd = render_str_close(&b);
		if (!cmd) {
			*oom = true;
			continue;
		}
		if (*cmd) {
			if (!shown++)
				fputs("<h3>Next commands</h3>\n", f);
			fprintf(f, "<pre class=\"cmd\" data-ns=\"%d\" data-action=\"%d\">", ns->index, k);
			esc(f, cmd);
			fputs("</pre>\n", f);
		}
		free(cmd);
	}
}

static void diags_list(FILE *f, const struct ps_diags *d)
{
	if (!d->n)
		return;
	fputs("<ul class=\"diags\">\n", f);
	for (size_t i = 0; i < d->n; i++) {
		fprintf(f, "<li data-severity=\"%s\">%s at 0x%" PRIx64 " [", ps_sev_name(d->v[i].sev),
			ps_sev_name(d->v[i].sev), d->v[i].off);
		esc(f, d->v[i].field);
		fputs("]: ", f);
		esc(f, d->v[i].msg);
		fputs("</li>\n", f);
	}
	if (d->dropped)
		fprintf(f, "<li>(%zu more diagnostics not shown)</li>\n", d->dropped);
	fputs("</ul>\n", f);
}

/* ---- the split check of a legacy start_pad namespace (docs/start_pad.md "Files with two contents: the split check") ---- */

#define SPLIT_RECTS_MAX 4096	/* extents drawn per namespace */
#define SPLIT_ROWS_MAX 200	/* write and unknown files listed */

/* Where the mmap and mixed files' blocks are read (L) and where their
 * stores through a mapping went (F), over the namespace to scale, with the
 * start_pad area; returns the extents not drawn. */
static size_t split_map(FILE *f, const struct ps_ns *ns, const struct ps_split *sp)
{
	struct scale s = { ns->base, sat(ns->base, ns->size) };
	if (s.hi == s.lo)
		s.hi = sat(s.lo, 1);
	char at[96];
	char id[48];
	snprintf(id, sizeof(id), "split-map-ns-%d", ns->index);
	svg_open(f, 3, id, "where the files written through a mapping are read and where their stores went");
	row_name(f, 0, "start_pad");
	bg(f, 0);
	rect(f, &s, ns->base, sat(ns->base, sp->start_pad), 0, ROW_H - 4, "s-pad",
	     "the start_pad area", " data-kind=\"start_pad\"");
	row_name(f, ROW_H, "read() (L)");
	bg(f, ROW_H);
	row_name(f, 2 * ROW_H, "mmap (F)");
	bg(f, 2 * ROW_H);
	size_t drawn = 0, skipped = 0;
	for (size_t i = 0; i < sp->nfiles; i++) {
		const struct ps_split_file *x = &sp->files[i];
		if (x->cls != PS_SPLIT_MMAP && x->cls != PS_SPLIT_MIXED)
			continue;
		for (size_t e = 0; e < x->next; e++) {
			const struct ps_fs_extent *ex = &x->ext[e];
			if (drawn + 2 > SPLIT_RECTS_MAX) {
				skipped++;
				continue;
			}
			/* an attribute value: the path escaped by esc() below */
			snprintf(at, sizeof(at), " data-split-file=\"%zu\"", i);
			char title[64];
			snprintf(title, sizeof(title), "%s file, its blocks read at L",
				 ps_split_class_name(x->cls));
			rect(f, &s, sat(sp->l_off, ex->physical),
			     sat(sat(sp->l_off, ex->physical), ex->len), ROW_H, ROW_H - 4, "s-l",
			     title, at);
			snprintf(title, sizeof(title), "%s file, its mapping's stores at F",
				 ps_split_class_name(x->cls));
			rect(f, &s, sat(sp->f_off, ex->physical),
			     sat(sat(sp->f_off, ex->physical), ex->len), 2 * ROW_H, ROW_H - 4, "s-f",
			     title, at);
			drawn += 2;
		}
	}
	axis(f, &s, 3 * ROW_H - 4, ns->base);
	fputs("</svg>\n", f);
	return skipped;
}

static void split_block(FILE *f, const struct ps_report *in, const struct ps_ns *ns,
			const struct ps_split *sp, bool *oom)
{
	fprintf(f, "<div class=\"split\" id=\"split-ns-%d\" data-split-ns=\"%d\" data-split-ran=\"%s\"",
		ns->index, ns->index, sp->blocksize ? "true" : "false");
	if (sp->blocksize)
		for (int c = 0; c < PS_SPLIT_NCLASS; c++)
			fprintf(f, " data-split-%s=\"%" PRIu64 "\"",
				ps_split_class_name((enum ps_split_class)c), sp->count[c]);
	fprintf(f, " data-default-view=\"%s\">\n", ps_split_mapped(sp) ? "auto" : "read");
	fprintf(f, "<h3>Split check: files with two contents (start_pad %s under DAX)</h3>\n",
		HUMAN(sp->start_pad));
	if (!sp->blocksize) {
		fputs("<p class=\"split-error\">not run: ", f);
		esc(f, sp->err ? sp->err : "no filesystem");
		fputs("</p>\n</div>\n", f);
		return;
	}
	fprintf(f, "<p>%zu regular files on %s: %" PRIu64 " written through write(), %" PRIu64
		" through mmap, %" PRIu64 " mixed, %" PRIu64 " unknown (%s read). "
		"L = offset 0x%" PRIx64 " + g (the legacy data start, what block I/O and read() see), "
		"F = offset 0x%" PRIx64 " + g (where stores through a DAX mapping went).</p>\n",
		sp->nfiles, ps_fs_type_name(sp->fstype), sp->count[PS_SPLIT_WRITE],
		sp->count[PS_SPLIT_MMAP], sp->count[PS_SPLIT_MIXED], sp->count[PS_SPLIT_UNKNOWN],
		HUMAN(sp->bytes_read), sp->l_off, sp->f_off);
	if (sp->errors) {
		fprintf(f, "<p class=\"split-error\">%" PRIu64 " entries not checked; first: ", sp->errors);
		esc(f, sp->err ? sp->err : "");
		fputs("</p>\n", f);
	}
	if (ps_split_mapped(sp)) {
		size_t skipped = split_map(f, ns, sp);
		if (skipped)
			fprintf(f, "<p class=\"small\">%zu more extents are not drawn.</p>\n", skipped);
	}
	fputs("<table class=\"split-files\"><tr><th>class</th><th>file</th><th>bytes</th><th>evidence</th></tr>\n", f);
	struct cli_split_listing ls;
	if (cli_split_listing(sp, SPLIT_ROWS_MAX, &ls))
		*oom = true;
	size_t more = ls.more[PS_SPLIT_WRITE] + ls.more[PS_SPLIT_UNKNOWN];
	for (size_t j = 0; j < ls.n; j++) {
		size_t i = ls.idx[j];
		const struct ps_split_file *x = &sp->files[i];
		const char *cn = ps_split_class_name(x->cls);
		fprintf(f, "<tr data-split-file=\"%zu\" data-split-class=\"%s\" data-split-path=\"", i, cn);
		esc(f, x->path);
		fprintf(f, "\"><td class=\"c-%s\">%s</td><td><code>", cn, cn);
		esc(f, x->path);
		fprintf(f, "</code></td><td>%" PRIu64 "</td><td>", x->size);
		PIECE(f, *oom, render_split_evidence(m, x));
		if (x->nvictims)
			fputs("<ul>", f);
		for (size_t v = 0; v < x->nvictims; v++) {
			fputs("<li class=\"victim\">its stores through a mapping landed on ", f);
			PIECE(f, *oom, render_split_victim(m, sp, &x->victims[v]));
			fputs("</li>", f);
		}
		if (x->prov && x->ambiguous) {
			fputs(x->nvictims ? "<li class=\"ambiguous\">" : "<p class=\"ambiguous\">", f);
			PIECE(f, *oom, render_split_ambiguous(m, sp, x));
			fputs(x->nvictims ? "</li>" : "</p>", f);
		}
		fputs(x->nvictims ? "</ul></td></tr>\n" : "</td></tr>\n", f);
	}
	free(ls.idx);
	fputs("</table>\n", f);
	if (more)
		fprintf(f, "<p class=\"small\">... and %zu more write() or unknown files (--json lists all).</p>\n", more);
	fputs("<p class=\"dax-note\">DAX: ", f);
	PIECE(f, *oom, render_split_dax_note(m, sp));
	fputs("</p>\n", f);
	for (int k = 0; k < 2 && cli_split_suggests(in, ns->index, sp, k); k++) {
		fputs("<pre class=\"split-cmd\">", f);
		PIECE(f, *oom, render_split_next(m, in, ns->index, sp, k));
		fputs("</pre>\n", f);
	}
	fputs("</div>\n", f);
}

static void ns_section(FILE *f, const struct ps_report *in, const struct ps_analysis *a,
		       const struct ps_ns *ns, bool *oom)
{
	struct map_region rg[MAP_MAX_REGIONS];
	unsigned arenas;
	size_t n = map_ns_layout(a, ns, rg, &arenas);
	const char *verdict = ns->ncand ? ps_verdict_name(ns->verdict) :
			      ns->nested_in >= 0 ? "nested" : "none";
	fprintf(f, "<section class=\"ns\" id=\"ns-%d\" data-ns=\"%d\" data-mode=\"%s\" data-offset=\"%" PRIu64 "\" data-size=\"%" PRIu64 "\" data-verdict=\"%s\">\n",
		ns->index, ns->index, ps_ns_mode_name(ns->mode), ns->base, ns->size, verdict);
	fprintf(f, "<h2>Namespace %d: %s at image offset 0x%" PRIx64 ", %s</h2>\n", ns->index,
		ps_ns_mode_name(ns->mode), ns->base, HUMAN(ns->size));
	fputs("<div class=\"cols\"><div class=\"maps\">\n", f);
	char id[48], title[128];
	struct scale s = { ns->base, sat(ns->base, ns->size) };
	if (s.hi == s.lo)
		s.hi = sat(s.lo, 1);
	struct scale z[MAX_ZOOM];
	int nz = zooms(ns, rg, n, z);
	snprintf(id, sizeof(id), "map-ns-%d", ns->index);
	snprintf(title, sizeof(title), "namespace %d to scale", ns->index);
	fputs("<h3>To scale</h3>\n", f);
	ns_svg(f, a, ns, &s, rg, n, id, title, z, nz);
	for (int k = 0; k < nz; k++) {
		snprintf(id, sizeof(id), "zoom-ns-%d-%d", ns->index, k + 1);
		snprintf(title, sizeof(title), "namespace %d, zoom %d", ns->index, k + 1);
		fprintf(f, "<h3>Zoom %d: [ns+0x%" PRIx64 ", ns+0x%" PRIx64 "), %s, %.0f times larger</h3>\n",
			k + 1, z[k].lo - ns->base, z[k].hi - ns->base, HUMAN(z[k].hi - z[k].lo),
			(double)ns->size / (double)(z[k].hi - z[k].lo));
		ns_svg(f, a, ns, &z[k], rg, n, id, title, NULL, 0);
	}
	if (arenas > MAP_MAX_ARENAS)
		fprintf(f, "<p class=\"small\">%u BTT arenas; the first %d are drawn.</p>\n",
			arenas, MAP_MAX_ARENAS);
	fputs("<p class=\"legend small\">", f);
	bool seen[MK_BTT_LOG + 1] = { false };
	for (size_t k = 0; k < n; k++) {
		if (seen[rg[k].kind])
			continue;
		seen[rg[k].kind] = true;
		fprintf(f, "<span><svg viewBox=\"0 0 10 10\" style=\"width:.9em;display:inline;margin:0 .3em 0 0\"><rect class=\"k-%s\" width=\"10\" height=\"10\"/></svg>%s</span>",
			map_kind_name(rg[k].kind), map_kind_words(rg[k].kind));
	}
	fputs("<span>candidate rows: green a valid filesystem, orange a damaged one, grey none; the line under it: the size the filesystem claims (red: more than the candidate has)</span></p>\n", f);

	/* the same text the text report has, next to the map */
	fputs("</div><div class=\"facts\">\n", f);
	fprintf(f, "<p class=\"verdict v-%s\" data-ns=\"%d\" data-verdict=\"%s\"", verdict,
		ns->index, verdict);
	if (ns->chosen >= 0)
		fprintf(f, " data-chosen=\"%s\"", ns->cand[ns->chosen].name);
	fprintf(f, ">verdict: %s", verdict);
	if (ns->verdict == PS_V_PROVEN && ns->chosen >= 0 && ns->cand[ns->chosen].sem != PS_SEM_AUTO)
		fprintf(f, ", semantics %s", ns->cand[ns->chosen].name);
	fputs("</p>\n<p class=\"summary\">", f);
	PIECE(f, *oom, render_summary(m, ns));
	fputs("</p>\n", f);
	if (ns->chosen >= 0 && render_xlog_problem(&ns->cand[ns->chosen].xlog)) {
		fprintf(f, "<p class=\"summary xfs-log\" data-xfs-log=\"%s\">",
			ps_xlog_state_name(ns->cand[ns->chosen].xlog.state));
		if (render_xlog_replayed(in, (size_t)ns->index))
			fputs("Its XFS log needs recovery: the files come from the recovered view (the log replayed read-only, as the kernel's mount replays it); see the journal lines", f);
		else
			PIECE(f, *oom, render_xlog_summary(m, &ns->cand[ns->chosen].xlog));
		fputs("</p>\n", f);
	}
	fputs("<dl class=\"kv\">\n", f);
	if (ns->label >= 0) {
		const struct ps_namespace *ln = &a->labels.ns[ns->label];
		char u[37];
		ps_uuid_str(ln->uuid, u);
		fprintf(f, "<dt>label</dt><dd data-label-uuid=\"%s\">uuid %s &quot;", u, u);
		esc(f, ln->name);
		fprintf(f, "&quot;, claim %s, %u-way</dd>\n", ps_claim_name(ln->claim), ln->nlabel);
	}
	fputs("<dt>written by</dt><dd>", f);
	PIECE(f, *oom, render_era(m, ns));
	fputs("</dd>\n", f);
	if (ns->info_rec >= 0)
		fprintf(f, "<dt>info block</dt><dd>0x%" PRIx64 "</dd>\n", a->scan.recs[ns->info_rec].off);
	if (ns->mode == PS_NS_FSDAX || ns->mode == PS_NS_DEVDAX)
		fprintf(f, "<dt>layout</dt><dd>start_pad 0x%" PRIx64 " (%s), dataoff 0x%" PRIx64 ", end_trunc 0x%" PRIx64 "</dd>\n",
			ns->start_pad, HUMAN(ns->start_pad), ns->dataoff, ns->end_trunc);
	if (ns->mode == PS_NS_SECTOR)
		fprintf(f, "<dt>sector mode</dt><dd>%u-byte sectors, %" PRIu64 " LBAs, %u arena(s)</dd>\n",
			ns->btt_sector, ns->btt_nlba, arenas);
	fputs("</dl>\n", f);
	diags_list(f, &ns->diags);
	if (ns->ncand)
		fputs("<h3>Candidates and evidence</h3>\n<ul class=\"cands\">\n", f);
	for (int c = 0; c < ns->ncand; c++) {
		const struct ps_cand *cd = &ns->cand[c];
		fprintf(f, "<li class=\"cand\" data-ns=\"%d\" data-cand=\"%s\" data-semantics=\"%s\" data-offset=\"%" PRIu64 "\" data-size=\"%" PRIu64 "\"",
			ns->index, cd->name, ps_sem_name(cd->sem), cd->off, cd->size);
		if (cd->probed && cd->probe.type[0]) {
			fputs(" data-fs=\"", f);
			esc(f, cd->probe.type);
			fputc('"', f);
		}
		fprintf(f, "><b>%s</b> ", cd->name);
		if (cd->btt)
			fprintf(f, "data translated through the BTT map, %s", HUMAN(cd->size));
		else
			fprintf(f, "data at 0x%" PRIx64 " (ns+0x%" PRIx64 "), %s%s", cd->off,
				cd->off - ns->base, HUMAN(cd->size),
				cd->sem == PS_SEM_LEGACY ? " [base + start_pad + dataoff]" :
				cd->sem == PS_SEM_FIXED ? " [base + dataoff]" : "");
		if (cd->probed && cd->probe.type[0]) {
			fputs("<br><span class=\"small\">found: ", f);
			esc(f, cd->probe.type);
			if (cd->probe.uuid[0]) {
				fputs(" uuid ", f);
				esc(f, cd->probe.uuid);
			}
			if (cd->probe.label[0]) {
				fputs(" label &quot;", f);
				esc(f, cd->probe.label);
				fputs("&quot;", f);
			}
			fputs("</span>", f);
		}
		if (cd->nevidence)
			fputs("<ul>", f);
		bool xl = cd->xlog.state != PS_XLOG_UNKNOWN;
		if (!cd->nevidence && xl)
			fputs("<ul>", f);
		for (int e = 0; e < cd->nevidence; e++) {
			fputs("<li class=\"evidence\">", f);
			PIECE(f, *oom, render_evidence(m, ns, cd, &cd->evidence[e]));
			fputs("</li>", f);
		}
		if (xl) {
			fprintf(f, "<li class=\"evidence xfs-log\" data-xfs-log=\"%s\">",
				ps_xlog_state_name(cd->xlog.state));
			PIECE(f, *oom, render_xlog_detail(m, &cd->xlog));
			fputs("</li>", f);
		}
		fputs(cd->nevidence || xl ? "</ul></li>\n" : "</li>\n", f);
	}
	if (ns->ncand)
		fputs("</ul>\n", f);
	if (ns->nnotes)
		fputs("<h3>What kernels do with it</h3>\n<ul class=\"notes\">\n", f);
	for (size_t k = 0; k < ns->nnotes; k++) {
		fputs("<li class=\"note\">", f);
		PIECE(f, *oom, render_note(m, &ns->notes[k]));
		fputs("</li>\n", f);
	}
	if (ns->nnotes)
		fputs("</ul>\n", f);
	cmd_list(f, in, ns, oom);
	fputs("</div></div>\n", f);
	size_t k = (size_t)(ns - a->ns);
	if (in->splits && k < in->nsplits && in->splits[k])
		split_block(f, in, ns, in->splits[k], oom);
	if (in->journals && k < in->njournals && in->journals[k].kind != PS_JOURNAL_NONE) {
		fputs("<div class=\"journal\"><h3>Journal</h3>\n<pre>", f);
		PIECE(f, *oom, render_journal_text(m, &in->journals[k], ""));
		if (in->jchanges && in->jchanges[k])
			PIECE(f, *oom, render_changes_text(m, in->jchanges[k], "", 200));
		fputs("</pre></div>\n", f);
	}
	fputs("</section>\n", f);
}

/* ---- the image as a whole ---- */

static void image_map(FILE *f, const struct ps_report *in, const struct ps_analysis *a)
{
	uint64_t size = in->size ? in->size : 1;
	struct scale s = { 0, size };
	char at[96];
	svg_open(f, 2, "map-image", "the image to scale");
	row_name(f, 0, "namespaces");
	bg(f, 0);
	for (size_t i = 0; i < a->nns; i++) {
		const struct ps_ns *ns = &a->ns[i];
		char t[64];
		snprintf(t, sizeof(t), "namespace %d (%s)", ns->index, ps_ns_mode_name(ns->mode));
		snprintf(at, sizeof(at), " data-ns=\"%d\"", ns->index);
		uint64_t e = ns->base + ns->size < ns->base ? UINT64_MAX : ns->base + ns->size;
		rect(f, &s, ns->base, e, 0, ROW_H - 4, "k-ns", t, at);
		fprintf(f, "<text x=\"%.2f\" y=\"%.1f\">ns%d %s</text>\n", sx(&s, ns->base) + 3,
			ROW_H * 0.65, ns->index, ps_ns_mode_name(ns->mode));
	}
	row_name(f, ROW_H, "structures");
	bg(f, ROW_H);
	size_t drawn = 0;
	for (size_t i = 0; i < a->scan.nrecs && drawn < 4096; i++) {
		const struct ps_rec *r = &a->scan.recs[i];
		uint64_t len = r->kind == PS_REC_NSINDEX ? r->u.lsa.loc.size : 4096;
		const char *cls = r->kind == PS_REC_NSINDEX ? "k-labels" :
				  r->kind == PS_REC_BTT ? "k-btt_info" : "k-info";
		snprintf(at, sizeof(at), " data-structure=\"%s\"", ps_rec_kind_name(r->kind));
		rect(f, &s, r->off, r->off + len < r->off ? UINT64_MAX : r->off + len, ROW_H,
		     ROW_H - 4, cls, ps_rec_kind_name(r->kind), at);
		drawn++;
	}
	axis(f, &s, 2 * ROW_H - 4, 0);
	fputs("</svg>\n", f);
	if (drawn < a->scan.nrecs)
		fprintf(f, "<p class=\"small\">%zu structures; the first %zu are drawn.</p>\n",
			a->scan.nrecs, drawn);

	/* label areas are small: each drawn on its own, index blocks and
	 * label slots to scale */
	for (size_t i = 0; i < a->scan.nrecs; i++) {
		const struct ps_rec *r = &a->scan.recs[i];
		if (r->kind != PS_REC_NSINDEX || !r->u.lsa.lsa || !r->u.lsa.loc.size)
			continue;
		const struct ps_lsa *l = r->u.lsa.lsa;
		uint64_t lo = r->off, hi = r->off + r->u.lsa.loc.size;
		if (hi < lo)
			continue;
		struct scale z = { lo, hi };
		char id[48];
		snprintf(id, sizeof(id), "zoom-labels-%zu", i);
		fprintf(f, "<h3>Zoomed: the label area at 0x%" PRIx64 ", %s</h3>\n", lo, HUMAN(hi - lo));
		svg_open(f, 1, id, "label area, zoomed");
		row_name(f, 0, "label area");
		bg(f, 0);
		uint64_t is = l->index_size, slots = (uint64_t)l->nslot * l->label_size;
		if (is && is <= (hi - lo) / 2) {
			rect(f, &z, lo, lo + is, 0, ROW_H - 4, "k-index", "index block 0", NULL);
			rect(f, &z, lo + is, lo + 2 * is, 0, ROW_H - 4, "k-index", "index block 1", NULL);
			if (slots && slots <= hi - lo - 2 * is) {
				char t[96];
				snprintf(t, sizeof(t), "%u label slots of %u bytes (%zu active labels)",
					 l->nslot, l->label_size, l->nactive);
				rect(f, &z, lo + 2 * is, lo + 2 * is + slots, 0, ROW_H - 4, "k-slots", t, NULL);
			}
		}
		axis(f, &z, ROW_H - 4, 0);
		fputs("</svg>\n", f);
	}
}

static void container_block(FILE *f, const struct ps_report *in)
{
	const struct ps_container_info *ci = in->container;
	if (!ci || ci->kind == PS_CONT_PLAIN || ci->kind == PS_CONT_COMPRESSED)
		return;
	fputs("<dt>container</dt><dd data-container=\"", f);
	esc(f, ci->format ? ci->format : "");
	fputs("\">", f);
	esc(f, ci->format ? ci->format : "");
	fprintf(f, ", %zu segment(s): ", ci->nsegments);
	for (size_t i = 0; i < ci->nsegments; i++) {
		if (i)
			fputs(", ", f);
		esc(f, ci->segments[i]);
	}
	fputs("</dd>\n", f);
	if (ci->kind != PS_CONT_EWF)
		return;
	fputs("<dt>stored MD5</dt><dd>", f);
	esc(f, ci->stored_md5 ? ci->stored_md5 : "none");
	fputs("</dd>\n<dt>stored SHA1</dt><dd>", f);
	esc(f, ci->stored_sha1 ? ci->stored_sha1 : "none");
	fprintf(f, "</dd>\n<dt>verification</dt><dd data-verify=\"%s\"><span class=\"verdict v-%s\">",
		ps_verify_name(ci->verify), ps_verify_name(ci->verify));
	struct render_str b;
	FILE *m = render_str_open(&b);
	if (m)
		render_container_verify(m, ci);
	char *s = render_str_close(&b);
	esc(f, s ? s : "");
	free(s);
	fputs("</span></dd>\n", f);
	for (size_t i = 0; i < ci->nmeta; i++) {
		fputs("<dt>", f);
		esc(f, ci->meta[i].label);
		fputs("</dt><dd>", f);
		esc(f, ci->meta[i].value);
		fputs("</dd>\n", f);
	}
	for (size_t i = 0; i < in->ndamage; i++) {
		const struct ps_damage *d = &in->damage[i];
		fprintf(f, "<dt>damaged</dt><dd class=\"damaged\">bytes %" PRIu64 "-%" PRIu64 " (%" PRIu64 " bytes, a chunk in ",
			d->off, d->off + d->len, d->len);
		esc(f, d->file ? d->file : "a segment file");
		fputs(") fail their checksum: read as zeros</dd>\n", f);
	}
}

/* one line of the plain summary (render_attention, render_overview) */
static void html_put_line(void *ctx, const char *line)
{
	FILE *f = ctx;
	fputs("<li class=\"summary-line\">", f);
	esc(f, line);
	fputs("</li>\n", f);
}

int render_scan_html(FILE *f, const struct ps_report *in, const struct ps_analysis *a)
{
	bool oom = false;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width\">\n<title>pmemscan: ", f);
	esc(f, in->path);
	fprintf(f, "</title>\n<style>%s</style></head>\n<body data-exit-code=\"%d\">\n", css,
		render_scan_exit_code(in, a));
	fputs("<h1>pmemscan report: <span id=\"image-path\">", f);
	esc(f, in->path);
	fprintf(f, "</span></h1>\n<dl class=\"kv\" id=\"image\">\n<dt>pmemscan</dt><dd>%s</dd>\n",
		PACKAGE_VERSION);
	fprintf(f, "<dt>image</dt><dd>%" PRIu64 " bytes (%s), %s allocated</dd>\n", in->size,
		HUMAN(in->size), HUMAN(in->allocated));
	if (in->compression)
		fprintf(f, "<dt>input</dt><dd>%s-compressed, %" PRIu64 " bytes, sha256 %s</dd>\n",
			in->compression, in->compressed_size, in->compressed_sha256);
	if (in->compression && in->container && in->container->cut) {
		const struct ps_stream_break *b = in->container->cut;
		fprintf(f, "<dt>truncated</dt><dd id=\"stream-cut\">the %s stream breaks at compressed offset %" PRIu64 " of %" PRIu64 " (",
			in->compression, b->compressed_off, b->compressed_size);
		esc(f, b->msg ? b->msg : "");
		fprintf(f, "); the %" PRIu64 " bytes decoded before it are the image, read as a truncated dump</dd>\n",
			b->decoded);
	}
	if (in->sha256)
		fprintf(f, "<dt>sha256</dt><dd>%s</dd>\n", in->sha256);
	else if (in->hash_note) {
		fputs("<dt>sha256</dt><dd>not computed (", f);
		esc(f, in->hash_note);
		fputs(")</dd>\n", f);
	}
	if (in->sparse_sha256)
		fprintf(f, "<dt>sparse_sha256</dt><dd>%s</dd>\n", in->sparse_sha256);
	container_block(f, in);
	if (a->have_phys) {
		fprintf(f, "<dt>physical base</dt><dd>0x%" PRIx64 " (", a->phys_base);
		PIECE(f, oom, render_phys_source(m, in, a));
		fputs(")</dd>\n", f);
	}
	fprintf(f, "<dt>namespaces</dt><dd>%zu</dd>\n<dt>structures</dt><dd>%zu</dd>\n</dl>\n",
		a->nns, a->scan.nrecs);
	diags_list(f, &a->scan.diags);
	diags_list(f, &a->diags);

	/* the same plain summary the text report opens with: what must be
	 * known first, then each namespace's overview */
	fputs("<section id=\"summary\"><h2>Summary</h2>\n<ul>\n", f);
	if (render_attention(in, a, html_put_line, f) < 0)
		oom = true;
	bool told = false;
	for (size_t i = 0; i < a->nns; i++) {
		struct render_str b;
		FILE *m = render_str_open(&b);
		if (m)
			render_overview(m, in, &a->ns[i], &told);
		char *o = render_str_close(&b);
		if (!o)
			oom = true;
		else if (*o)
			html_put_line(f, o);
		free(o);
	}
	if (told) {
		struct render_str b;
		FILE *m = render_str_open(&b);
		if (m)
			render_legacy_fixed(m);
		char *o = render_str_close(&b);
		if (o)
			html_put_line(f, o);
		oom |= !o;
		free(o);
	}
	fputs("</ul></section>\n", f);

	fputs("<section id=\"image-map\"><h2>The image to scale</h2>\n", f);
	image_map(f, in, a);
	fputs("</section>\n", f);
	if (a->labels.n) {
		fputs("<section id=\"labels\"><h2>Namespace labels</h2>\n<p class=\"small\">from the ", f);
		PIECE(f, oom, render_labels_source(m, in, a));
		fputs("</p>\n<ul>\n", f);
		for (size_t i = 0; i < a->labels.n; i++) {
			const struct ps_namespace *ln = &a->labels.ns[i];
			char u[37];
			ps_uuid_str(ln->uuid, u);
			fprintf(f, "<li class=\"label\" data-label-uuid=\"%s\">%s &quot;", u, u);
			esc(f, ln->name);
			fprintf(f, "&quot; %s, %u-way, %s, region offset 0x%" PRIx64 "%s</li>\n",
				ps_claim_name(ln->claim), ln->nlabel, HUMAN(ln->size),
				ln->region_offset, ln->complete ? "" : ", INCOMPLETE set");
		}
		fputs("</ul></section>\n", f);
	}
	for (size_t i = 0; i < a->nns; i++)
		ns_section(f, in, a, &a->ns[i], &oom);
	if (a->earlier.n) {
		fputs("<section id=\"earlier\"><h2>Filesystems left by an earlier layout</h2>\n", f);
		for (size_t i = 0; i < a->earlier.n; i++) {
			fprintf(f, "<p class=\"earlier summary\" data-offset=\"0x%" PRIx64 "\">",
				a->earlier.v[i].off);
			PIECE(f, oom, render_earlier_summary(m, in, &a->earlier.v[i], i));
			fputs("</p>\n", f);
		}
		fputs("<pre class=\"earlier-details\">", f);
		PIECE(f, oom, render_earlier_text(m, in, a));
		fputs("</pre></section>\n", f);
	}
	if (!a->nns && !a->scan.nrecs && !a->earlier.n)
		fputs("<p id=\"nothing\">nothing found: no info block, label area or filesystem in this image</p>\n", f);
	/* the split check: where it ran, or why it did not */
	size_t nsplit = 0;
	for (size_t i = 0; in->splits && i < in->nsplits; i++)
		nsplit += in->splits[i] != NULL;
	fprintf(f, "<section id=\"split-check\" data-split-check=\"%s\"><h2>Split check</h2>\n",
		nsplit ? "present" : "none");
	if (!nsplit)
		fputs("<p class=\"small\">No namespace has a start_pad with a filesystem at its legacy "
		      "data start: no file can have two contents (" PS_DOC("start_pad.md") ").</p>\n", f);
	else
		fputs("<ul>\n", f);
	for (size_t i = 0; nsplit && i < in->nsplits; i++) {
		const struct ps_split *sp = in->splits[i];
		if (!sp)
			continue;
		int idx = a->ns[i].index;
		fprintf(f, "<li><a href=\"#split-ns-%d\">namespace %d</a>: ", idx, idx);
		if (!sp->blocksize)
			fputs("not run", f);
		else
			fprintf(f, "%" PRIu64 " through mmap, %" PRIu64 " mixed, %" PRIu64
				" written through write(), %" PRIu64 " unknown",
				sp->count[PS_SPLIT_MMAP], sp->count[PS_SPLIT_MIXED],
				sp->count[PS_SPLIT_WRITE], sp->count[PS_SPLIT_UNKNOWN]);
		fputs("</li>\n", f);
	}
	if (nsplit)
		fputs("</ul>\n", f);
	fputs("</section>\n", f);
	fputs("</body></html>\n", f);
	if (oom)
		return PS_ENOMEM;
	return ferror(f) ? PS_EIO : PS_OK;
}
