/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The split check for the CLI, and its words (split_cli.h). */
#include "docdir.h"
#include "split_cli.h"
#include "err.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

int cli_split_listing(const struct ps_split *s, size_t cap, struct cli_split_listing *out)
{
	static const enum ps_split_class order[] = { PS_SPLIT_MMAP, PS_SPLIT_MIXED,
						     PS_SPLIT_WRITE, PS_SPLIT_UNKNOWN };
	memset(out, 0, sizeof(*out));
	out->idx = s->nfiles ? malloc(s->nfiles * sizeof(*out->idx)) : NULL;
	if (s->nfiles && !out->idx)
		return PS_ENOMEM;
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		size_t shown = 0;
		for (size_t i = 0; i < s->nfiles; i++) {
			if (s->files[i].cls != order[k])
				continue;
			if ((order[k] == PS_SPLIT_WRITE || order[k] == PS_SPLIT_UNKNOWN) &&
			    shown >= cap) {
				out->more[order[k]]++;
				continue;
			}
			shown++;
			out->idx[out->n++] = i;
		}
	}
	return PS_OK;
}

/* ---- words ---- */

void render_split_evidence(FILE *f, const struct ps_split_file *x)
{
	if (x->unmapped) {
		fputs("no block map: not checked", f);
		return;
	}
	fprintf(f, "%" PRIu64 " written blocks: %" PRIu64 " with data at L only, %" PRIu64
		" with data only at F, %" PRIu64 " at both, %" PRIu64 " zero at both",
		x->blocks, x->w_blocks, x->m_blocks, x->both_blocks, x->zero_blocks);
	if (x->over_blocks)
		fprintf(f, ", %" PRIu64 " zero at L with data at F on another file's block or metadata",
			x->over_blocks);
	if (x->f_free_nonzero)
		fprintf(f, "; %" PRIu64 " F positions are free blocks yet hold data", x->f_free_nonzero);
	if (x->f_unwritten_nonzero)
		fprintf(f, "; %" PRIu64 " F positions lie in unwritten (preallocated) extents yet hold data",
			x->f_unwritten_nonzero);
	if (x->header[0])
		fprintf(f, "; a PMDK %s pool header at F of block 0%s", x->header,
			x->header_at_l ? " (and at L)" : "");
	if (x->unwritten)
		fprintf(f, "; %" PRIu64 " unwritten blocks (zeros in both views)", x->unwritten);
	if (x->prov)
		fprintf(f, "; merged view: %" PRIu64 " blocks from F (stores), %" PRIu64 " from L, %" PRIu64 " ambiguous (kept from L)",
			x->from_f, x->blocks - x->from_f - x->ambiguous, x->ambiguous);
	else if (x->ambiguous)
		fprintf(f, "; %" PRIu64 " ambiguous (no store proven in this file: read as L)", x->ambiguous);
}

/* the ambiguous blocks of a file as runs of byte offsets
 * (ps_split_ambig_runs): at most max of them written to f, or every one
 * added to arr */
struct amb_runs {
	FILE *f;
	uint64_t runs, shown, max;
	json_object *arr;
};

static int amb_run(void *ctx, uint64_t lo, uint64_t hi)
{
	struct amb_runs *a = ctx;
	if (a->arr) {
		json_object *r = json_object_new_array();
		json_object_array_add(r, json_object_new_uint64(lo));
		json_object_array_add(r, json_object_new_uint64(hi));
		json_object_array_add(a->arr, r);
	} else if (a->shown < a->max) {
		fprintf(a->f, "%s%" PRIu64 "-%" PRIu64, a->shown ? ", " : "", lo, hi);
		a->shown++;
	}
	a->runs++;
	return PS_OK;
}

void render_split_ambiguous(FILE *f, const struct ps_split *s, const struct ps_split_file *x)
{
	struct amb_runs a = { .f = f, .max = 8 };
	fputs("ambiguous blocks kept from L (write() data at L, F on another file's block or metadata: a store there cannot be told from its owner's bytes), bytes ", f);
	ps_split_ambig_runs(s, x, amb_run, &a);
	if (a.runs > a.shown)
		fprintf(f, " and %" PRIu64 " more runs (--json lists all)", a.runs - a.shown);
}

void render_split_victim(FILE *f, const struct ps_split *s, const struct ps_split_victim *v)
{
	switch (v->where) {
	case PS_SW_FILE:
		fprintf(f, "%s (its data: the victim; its current bytes there are these stores, its earlier content is not recoverable from this image)",
			s->files[v->file].path);
		break;
	case PS_SW_FILE_UNWRITTEN:
		fprintf(f, "%s (its unwritten extent)", s->files[v->file].path);
		break;
	case PS_SW_FREE: fputs("free blocks", f); break;
	case PS_SW_METADATA: fputs("filesystem metadata or directories", f); break;
	case PS_SW_NOT_FILE: fputs("blocks of no regular file (free or metadata: the free map was not read or not trusted)", f); break;
	case PS_SW_MEMMAP: fputs("the struct-page (memmap) area", f); break;
	case PS_SW_PAD: fputs("the start_pad area (a DAX fault there oopses the kernel)", f); break;
	}
	fprintf(f, ": %" PRIu64 " block%s from offset 0x%" PRIx64, v->blocks,
		v->blocks == 1 ? "" : "s", v->first);
}

void render_split_dax_note(FILE *f, const struct ps_split *s)
{
	char h[32], h2[32];
	fprintf(f, "current kernels (Debian 6.1 and 6.12 seen) mount this namespace with -o dax without a warning: "
		"write() data goes to L = base + start_pad + dataoff + g, stores through a shared mapping to "
		"F = base + dataoff + g, %s lower, over whatever lies there; if start_pad > dataoff + g "
		"(here: file blocks below %s of the filesystem) the first DAX fault oopses the kernel",
		ps_human(s->start_pad, h, sizeof(h)), ps_human(s->start_pad > s->dataoff ? s->start_pad - s->dataoff : 0, h2, sizeof(h2)));
}

/* Would `repair --merge-mmap` as suggested be carried out (the planner,
 * asked by cmd_scan.c)? Not asked: suggested. */
static bool split_repair_ok(const struct ps_report *in, int ns)
{
	return !in->split_repair_ok || ns < 0 || (size_t)ns >= in->nsplits ||
	       in->split_repair_ok[ns];
}

bool cli_split_suggests(const struct ps_report *in, int ns, const struct ps_split *s,
			int which)
{
	return ps_split_mapped(s) && (which == 0 || split_repair_ok(in, ns));
}

void render_split_next(FILE *f, const struct ps_report *in, int ns,
		       const struct ps_split *s, int which)
{
	/* which 0: extract, 1: repair */
	if (which == 0) {
		fputs("pmemscan extract ", f);
		render_image_word(f, in);
		fprintf(f, " --namespace %d --view %s -o OUT", ns, ps_split_mapped(s) ? "auto" : "read");
	} else {
		fputs("pmemscan repair ", f);
		render_image_word(f, in);
		fprintf(f, " --namespace %d --merge-mmap -o COPY", ns);
	}
	if (in->pipe)
		fputs("   (DUMP.img: save the dump to a file first and run it on that: the input was read once into a temporary copy, deleted when the scan ended)", f);
}

#define TEXT_LIST_MAX 20

void render_split_text(FILE *f, const struct ps_report *in, int ns,
		       const struct ps_split *s)
{
	char h[32];
	fprintf(f, "  split check (start_pad %s under DAX; " PS_DOC("start_pad.md") ", \"Files with two contents\"):", ps_human(s->start_pad, h, sizeof(h)));
	if (!s->blocksize) {
		fprintf(f, " not run: %s\n", s->err ? s->err : "no filesystem");
		return;
	}
	fprintf(f, " %zu regular files on %s: %" PRIu64 " written through write(), %" PRIu64
		" through mmap, %" PRIu64 " mixed, %" PRIu64 " unknown (%s read)\n",
		s->nfiles, ps_fs_type_name(s->fstype), s->count[PS_SPLIT_WRITE],
		s->count[PS_SPLIT_MMAP], s->count[PS_SPLIT_MIXED], s->count[PS_SPLIT_UNKNOWN],
		ps_human(s->bytes_read, h, sizeof(h)));
	fprintf(f, "    L = offset 0x%" PRIx64 " + g (the legacy data start, block I/O), F = offset 0x%" PRIx64
		" + g (where DAX stores went)\n", s->l_off, s->f_off);
	if (s->errors)
		fprintf(f, "    %" PRIu64 " entries not checked; first: %s\n", s->errors,
			s->err ? s->err : "");
	struct cli_split_listing ls;
	if (cli_split_listing(s, TEXT_LIST_MAX, &ls))
		fputs("    (out of memory: the files are not listed)\n", f);
	for (size_t j = 0; j < ls.n; j++) {
		const struct ps_split_file *x = &s->files[ls.idx[j]];
		fprintf(f, "    %-7s %s (%" PRIu64 " bytes): ", ps_split_class_name(x->cls),
			x->path, x->size);
		render_split_evidence(f, x);
		fputc('\n', f);
		for (size_t v = 0; v < x->nvictims; v++) {
			fputs("            its stores through a mapping landed on ", f);
			render_split_victim(f, s, &x->victims[v]);
			fputc('\n', f);
		}
		if (x->prov && x->ambiguous) {
			fputs("            ", f);
			render_split_ambiguous(f, s, x);
			fputc('\n', f);
		}
		/* after the last one listed of its class, how many were not */
		if ((j + 1 == ls.n || s->files[ls.idx[j + 1]].cls != x->cls) && ls.more[x->cls])
			fprintf(f, "    ... and %zu more %s files (--json lists all)\n", ls.more[x->cls],
				ps_split_class_name(x->cls));
	}
	free(ls.idx);
	fputs("    DAX: ", f);
	render_split_dax_note(f, s);
	fputs("\n", f);
	if (ps_split_mapped(s)) {
		fprintf(f, "    these files have two contents: read() gives L, a mapping gave F; "
			"extract gives each file its merged view by default (--view auto: each block from L or F by its provenance, "
			"the file as its writer last saw it), a mixed file's read view too as NAME.read-view; exit 1\n");
		if (s->ambiguous)
			fprintf(f, "    %" PRIu64 " block(s) of ambiguous provenance are kept from L in the merged view (listed above)\n",
				s->ambiguous);
		fputs("    next: ", f);
		render_split_next(f, in, ns, s, 0);
		fputc('\n', f);
		if (cli_split_suggests(in, ns, s, 1)) {
			fputs("    next: ", f);
			render_split_next(f, in, ns, s, 1);
			fputs("   (copies the blocks each file's merged view takes from F into its L blocks, then rewrites the block)\n", f);
		}
	} else {
		fputs("    no file holds data only at F: extract's read view (the default here) gives every file\n", f);
	}
}

static json_object *ju(uint64_t v) { return json_object_new_uint64(v); }
static json_object *js(const char *s) { return json_object_new_string(s); }

static json_object *str_of(void (*fn)(FILE *, const struct ps_split *), const struct ps_split *s)
{
	struct render_str b;
	FILE *f = render_str_open(&b);
	if (f)
		fn(f, s);
	char *t = render_str_close(&b);
	json_object *o = t ? js(t) : NULL;
	free(t);
	return o;
}

json_object *render_split_json(const struct ps_report *in, int ns,
			       const struct ps_split *s)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "start_pad", ju(s->start_pad));
	json_object_object_add(o, "dataoff", ju(s->dataoff));
	json_object_object_add(o, "l_offset", ju(s->l_off));
	json_object_object_add(o, "f_offset", ju(s->f_off));
	json_object_object_add(o, "ran", json_object_new_boolean(s->blocksize != 0));
	json_object_object_add(o, "error", s->err ? js(s->err) : NULL);
	if (!s->blocksize)
		return o;
	json_object_object_add(o, "filesystem", js(ps_fs_type_name(s->fstype)));
	json_object_object_add(o, "block_size", ju(s->blocksize));
	json_object_object_add(o, "free_map_read", json_object_new_boolean(s->have_bitmap));
	json_object_object_add(o, "bytes_read", ju(s->bytes_read));
	json_object_object_add(o, "entries_not_checked", ju(s->errors));
	json_object *cnt = json_object_new_object();
	for (int c = 0; c < PS_SPLIT_NCLASS; c++)
		json_object_object_add(cnt, ps_split_class_name((enum ps_split_class)c), ju(s->count[c]));
	json_object_object_add(o, "counts", cnt);
	json_object *vb = json_object_new_object();
	for (int w = 0; w < PS_SPLIT_NWHERE; w++)
		json_object_object_add(vb, ps_split_where_name((enum ps_split_where)w), ju(s->victim_blocks[w]));
	json_object_object_add(o, "victim_blocks", vb);
	json_object_object_add(o, "ambiguous_blocks", ju(s->ambiguous));
	json_object_object_add(o, "default_view", js(ps_split_mapped(s) ? "auto" : "read"));
	json_object *files = json_object_new_array();
	for (size_t i = 0; i < s->nfiles; i++) {
		const struct ps_split_file *x = &s->files[i];
		json_object *fo = json_object_new_object();
		json_object_object_add(fo, "path", js(x->path));
		json_object_object_add(fo, "inode", ju(x->ino));
		json_object_object_add(fo, "size", ju(x->size));
		json_object_object_add(fo, "class", js(ps_split_class_name(x->cls)));
		unsigned v = ps_split_auto_views(x);
		json_object *va = json_object_new_array();
		if (v & PS_VIEW_READ)
			json_object_array_add(va, js("read"));
		if (v & PS_VIEW_MERGED)
			json_object_array_add(va, js("merged"));
		if (v & PS_VIEW_MMAP)
			json_object_array_add(va, js("mmap"));
		json_object_object_add(fo, "auto_views", va);
		json_object *ev = json_object_new_object();
		json_object_object_add(ev, "mapped", json_object_new_boolean(!x->unmapped));
		json_object_object_add(ev, "blocks", ju(x->blocks));
		json_object_object_add(ev, "unwritten_blocks", ju(x->unwritten));
		json_object_object_add(ev, "l_only_blocks", ju(x->w_blocks));
		json_object_object_add(ev, "f_only_blocks", ju(x->m_blocks));
		json_object_object_add(ev, "both_blocks", ju(x->both_blocks));
		json_object_object_add(ev, "zero_blocks", ju(x->zero_blocks));
		json_object_object_add(ev, "ambiguous_blocks", ju(x->ambiguous));
		json_object_object_add(ev, "f_over_other_blocks", ju(x->over_blocks));
		json_object_object_add(ev, "l_data_f_other_blocks", ju(x->lfo_blocks));
		json_object_object_add(ev, "f_free_nonzero", ju(x->f_free_nonzero));
		json_object_object_add(ev, "f_unwritten_nonzero", ju(x->f_unwritten_nonzero));
		json_object_object_add(ev, "pmdk_header", x->header[0] ? js(x->header) : NULL);
		json_object_object_add(ev, "pmdk_header_at_l", json_object_new_boolean(x->header_at_l));
		json_object_object_add(fo, "evidence", ev);
		/* the merged view, block by block (docs/start_pad.md "Files with two contents: the split check") */
		json_object *pv = NULL;
		if (x->prov) {
			uint64_t n[PS_SPLIT_NPROV] = { 0 };
			for (uint64_t b = 0; b < x->blocks; b++)
				if (x->prov[b] < PS_SPLIT_NPROV)
					n[x->prov[b]]++;
			pv = json_object_new_object();
			json_object_object_add(pv, "from_f", ju(x->from_f));
			json_object_object_add(pv, "from_l", ju(x->blocks - x->from_f - x->ambiguous));
			json_object_object_add(pv, "ambiguous", ju(x->ambiguous));
			json_object *rules = json_object_new_object();
			for (int k = 0; k < PS_SPLIT_NPROV; k++)
				json_object_object_add(rules, ps_split_prov_name((enum ps_split_prov)k), ju(n[k]));
			json_object_object_add(pv, "rules", rules);
			struct amb_runs a = { .arr = json_object_new_array() };
			ps_split_ambig_runs(s, x, amb_run, &a);
			json_object_object_add(pv, "ambiguous_ranges", a.arr);
		}
		json_object_object_add(fo, "provenance", pv);
		json_object *vs = json_object_new_array();
		for (size_t k = 0; k < x->nvictims; k++) {
			const struct ps_split_victim *vv = &x->victims[k];
			json_object *vo = json_object_new_object();
			json_object_object_add(vo, "kind", js(ps_split_where_name(vv->where)));
			json_object_object_add(vo, "path", vv->where == PS_SW_FILE ||
					       vv->where == PS_SW_FILE_UNWRITTEN ?
					       js(s->files[vv->file].path) : NULL);
			json_object_object_add(vo, "blocks", ju(vv->blocks));
			/* a file under stores: what it holds there now is them */
			json_object_object_add(vo, "victim_bytes_are_stores",
					       json_object_new_boolean(vv->where == PS_SW_FILE));
			json_object_object_add(vo, "first_offset", ju(vv->first));
			json_object_array_add(vs, vo);
		}
		json_object_object_add(fo, "victims", vs);
		json_object_array_add(files, fo);
	}
	json_object_object_add(o, "files", files);
	json_object_object_add(o, "dax_note", str_of(render_split_dax_note, s));
	/* the commands the text suggests: only where files have two
	 * contents; the repair only where it would be carried out */
	json_object *next = json_object_new_array();
	for (int k = 0; k < 2 && cli_split_suggests(in, ns, s, k); k++) {
		struct render_str b;
		FILE *f = render_str_open(&b);
		if (f)
			render_split_next(f, in, ns, s, k);
		char *t = render_str_close(&b);
		if (t)
			json_object_array_add(next, js(t));
		free(t);
	}
	json_object_object_add(o, "next", next);
	return o;
}
