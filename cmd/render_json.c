/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The scan report as JSON (schema in docs/json-schema.md), and the
 * diagnostics array every JSON report shares. */
#include "config.h"
#include "render.h"
#include "split_cli.h"
#include "err.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static int rec_namespace(const struct ps_analysis *a, size_t ri)
{
	for (size_t i = 0; i < a->nns; i++)
		if (a->ns[i].info_rec == (int)ri)
			return (int)i;
	return -1;
}

static json_object *j_u64(uint64_t v)
{
	return json_object_new_uint64(v);
}

static json_object *j_str(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

json_object *render_json_diags(const struct ps_diags *d)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < d->n; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "severity", j_str(ps_sev_name(d->v[i].sev)));
		json_object_object_add(o, "offset", j_u64(d->v[i].off));
		json_object_object_add(o, "field", j_str(d->v[i].field));
		json_object_object_add(o, "message", j_str(d->v[i].msg));
		json_object_array_add(arr, o);
	}
	return arr;
}

/*
 * An info block's fields under the keys `ndctl read-infoblock -j` prints,
 * in its order: walked from the structure's field table (the ndctl
 * column) over the block as encoded from the parse, so a field the
 * block's version does not have reads 0, as the parser stored it. ndctl
 * prints version_major and version_minor as one "version": "major.minor";
 * the checksum is the stored one (the encoder's would be recomputed).
 */
static json_object *j_info(const struct ps_layout *l, const uint8_t *b, uint64_t checksum)
{
	json_object *o = json_object_new_object();
	const char *prev = NULL;
	for (size_t i = 0; i < l->nfields; i++) {
		const struct ps_field *f = &l->fields[i];
		if (!f->ndctl || (prev && !strcmp(prev, f->ndctl)))
			continue;
		prev = f->ndctl;
		if (!strcmp(f->name, "version_major")) {
			char v[16];
			snprintf(v, sizeof(v), "%u.%u", (unsigned)ps_field_get(f, b),
				 (unsigned)ps_field_get(ps_field_find(l, "version_minor"), b));
			json_object_object_add(o, f->ndctl, j_str(v));
		} else if (ps_field_is_int(f)) {
			json_object_object_add(o, f->ndctl, j_u64(ps_field_get(f, b)));
		} else if (!strcmp(f->name, "signature")) {
			char sig[64];
			snprintf(sig, sizeof(sig), "%.*s", (int)strnlen((const char *)b + f->off, f->len),
				 (const char *)b + f->off);
			json_object_object_add(o, f->ndctl, j_str(sig));
		} else {	/* uuid, parent_uuid */
			char u[37];
			ps_uuid_str(b + f->off, u);
			json_object_object_add(o, f->ndctl, j_str(u));
		}
	}
	char cs[24];
	snprintf(cs, sizeof(cs), "0x%016" PRIx64, checksum);
	json_object_object_add(o, "checksum", j_str(cs));
	return o;
}

static json_object *j_pfn(const struct ps_pfn_sb *sb)
{
	uint8_t b[PS_PFN_SIZE];
	ps_pfn_encode(sb, b);
	return j_info(&ps_pfn_layout, b, sb->checksum);
}

static json_object *j_btt(const struct ps_btt_sb *sb)
{
	uint8_t b[PS_BTT_SIZE];
	ps_btt_info_encode(sb, b);
	return j_info(&ps_btt_layout, b, sb->checksum);
}

/*
 * The pieces written by render_facts.c, as JSON strings: RENDERED(j,
 * null_if_empty, call) runs call with j->m as its stream and takes what
 * it wrote. A failure to allocate is remembered in j->oom.
 */
struct jctx {
	const struct ps_report *in;
	struct render_str b;
	FILE *m;
	bool oom;
};

static bool j_open(struct jctx *j)
{
	j->m = render_str_open(&j->b);
	if (!j->m) {
		render_str_close(&j->b);
		j->oom = true;
	}
	return j->m != NULL;
}

static json_object *j_take(struct jctx *j, bool null_if_empty)
{
	char *s = render_str_close(&j->b);
	json_object *o = NULL;
	if (!s)
		j->oom = true;
	else if (*s || !null_if_empty)
		o = json_object_new_string(s);
	free(s);
	return o;
}

#define RENDERED(j, null_if_empty, call) \
	(j_open(j) ? ((void)(call), j_take((j), (null_if_empty))) : NULL)

/* An ambiguous namespace's weighing (docs/json-schema.md). */
static json_object *j_weighing(struct jctx *j, const struct ps_ns *ns)
{
	const struct ps_weighing *w = &ns->weigh;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "recommended", w->recommend == PS_SEM_AUTO ? NULL :
			       j_str(ps_sem_name(w->recommend)));
	const char *d = render_decisive_name(w->decisive);
	json_object_object_add(o, "decisive", d ? j_str(d) : NULL);
	json_object_object_add(o, "conflict", json_object_new_boolean(w->conflict));
	json_object_object_add(o, "summary", RENDERED(j, false, render_recommendation(j->m, w)));
	json_object *ra = json_object_new_array();
	for (int i = 0; i < w->nreasons; i++) {
		const struct ps_reason *r = &w->reasons[i];
		json_object *ro = json_object_new_object();
		json_object_object_add(ro, "rule", j_str(render_why_name(r->kind)));
		json_object_object_add(ro, "favours", r->favours == PS_SEM_AUTO ? NULL :
				       j_str(ps_sem_name(r->favours)));
		json_object_object_add(ro, "text", RENDERED(j, false, render_reason(j->m, r)));
		json_object_array_add(ra, ro);
	}
	json_object_object_add(o, "reasons", ra);
	return o;
}

static json_object *j_probe(struct jctx *j, const struct ps_cand *c)
{
	const struct ps_probe *p = &c->probe;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "content", j_str(ps_content_name(p->content)));
	json_object_object_add(o, "type", p->type[0] ? j_str(p->type) : NULL);
	json_object_object_add(o, "usage", p->usage[0] ? j_str(p->usage) : NULL);
	json_object_object_add(o, "uuid", p->uuid[0] ? j_str(p->uuid) : NULL);
	json_object_object_add(o, "label", p->label[0] ? render_jstr_img(p->label) : NULL);
	json_object_object_add(o, "version", p->version[0] ? j_str(p->version) : NULL);
	json_object_object_add(o, "checksum", p->type[0] ?
		j_str(p->bad_csum ? "bad" : "valid") : NULL);
	json_object_object_add(o, "ambivalent", json_object_new_boolean(p->ambivalent));
	json_object_object_add(o, "block_size", p->block_size ? j_u64(p->block_size) : NULL);
	json_object_object_add(o, "fs_size", p->fs_size ? j_u64(p->fs_size) : NULL);
	json_object_object_add(o, "fits", p->fs_size ?
		json_object_new_boolean(p->fs_size <= c->size) : NULL);
	json_object_object_add(o, "detail", RENDERED(j, true, render_probe_detail(j->m, p)));
	return o;
}

#define STRUCTS_MARK "\x01pmemscan-structures\x01"
#define STRUCTS_MARK_JSON "\"\\u0001pmemscan-structures\\u0001\""

static json_object *j_structure(const struct ps_analysis *a, size_t i)
{
	const struct ps_rec *r = &a->scan.recs[i];
	json_object *o = json_object_new_object();
	json_object_object_add(o, "offset", j_u64(r->off));
	json_object_object_add(o, "kind", j_str(ps_rec_kind_name(r->kind)));
	json_object_object_add(o, "checksum", j_str(r->checksum_ok ? "valid" : "bad"));
	int nsi = rec_namespace(a, i);
	json_object_object_add(o, "namespace", nsi >= 0 ? json_object_new_int(nsi) : NULL);
	json_object_object_add(o, "truncated", json_object_new_boolean(r->truncated));
	if ((r->kind == PS_REC_PFN || r->kind == PS_REC_DAX) && !r->truncated)
		json_object_object_add(o, "fields", j_pfn(&r->u.pfn));
	if (r->kind == PS_REC_BTT && !r->truncated) {
		json_object_object_add(o, "role", j_str(r->role == PS_ROLE_PRIMARY ? "primary" :
			r->role == PS_ROLE_BACKUP ? "backup" : "unclaimed"));
		json_object_object_add(o, "fields", j_btt(&r->u.btt));
	}
	if (r->kind == PS_REC_PMDK || r->kind == PS_REC_POOLSET)
		json_object_object_add(o, "fields", render_pmdk_rec_json(a, r));
	json_object_object_add(o, "diagnostics", render_json_diags(&r->diags));
	return o;
}

/* Print s with every line prefixed by ind spaces. */
static int put_indented(FILE *f, const char *s, int ind)
{
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		if (fprintf(f, "%*s%.*s%s", ind, "", (int)n, s, nl ? "\n" : "") < 0)
			return -1;
		s += n + (nl ? 1 : 0);
	}
	return 0;
}

int render_scan_json(FILE *f, const struct ps_report *in,
		     const struct ps_analysis *a)
{
	struct jctx jc = { .in = in }, *j = &jc;
	json_object *root = json_object_new_object();
	json_object_object_add(root, "schema", j_str("pmemscan-scan/2"));
	json_object_object_add(root, "version", j_str(PACKAGE_VERSION));
	json_object *img = json_object_new_object();
	json_object_object_add(img, "path", j_str(in->path));
	json_object_object_add(img, "size", j_u64(in->size));
	json_object_object_add(img, "allocated", j_u64(in->allocated));
	json_object_object_add(img, "sha256", in->sha256 ? j_str(in->sha256) : NULL);
	json_object_object_add(img, "sparse_sha256", in->sparse_sha256 ? j_str(in->sparse_sha256) : NULL);
	if (in->compression) {
		json_object *z = json_object_new_object();
		json_object_object_add(z, "format", j_str(in->compression));
		json_object_object_add(z, "size", j_u64(in->compressed_size));
		json_object_object_add(z, "sha256", j_str(in->compressed_sha256));
		const struct ps_stream_break *b = in->container ? in->container->cut : NULL;
		json_object *cut = NULL;
		if (b) {
			cut = json_object_new_object();
			json_object_object_add(cut, "compressed_offset", j_u64(b->compressed_off));
			json_object_object_add(cut, "decoded_bytes", j_u64(b->decoded));
			json_object_object_add(cut, "detail", j_str(b->msg));
		}
		json_object_object_add(z, "truncated", cut);
		json_object_object_add(img, "compressed", z);
	} else {
		json_object_object_add(img, "compressed", NULL);
	}
	json_object_object_add(img, "container", render_json_container(in));
	if (!in->sha256 && in->hash_note)
		json_object_object_add(img, "hash_note", j_str(in->hash_note));
	json_object_object_add(img, "phys_base", a->have_phys ? j_u64(a->phys_base) : NULL);
	json_object_object_add(img, "phys_source", a->have_phys ?
		RENDERED(j, false, render_phys_source(j->m, in, a)) : NULL);
	json_object_object_add(img, "changed", j_str(in->changed));
	if (in->pipe) {
		json_object *pi = json_object_new_object();
		json_object_object_add(pi, "kind", j_str(in->pipe->is_stdin ? "stdin" : "pipe"));
		json_object_object_add(pi, "size", j_u64(in->pipe->size));
		json_object_object_add(pi, "sha256", j_str(in->pipe->sha256));
		json_object_object_add(img, "pipe", pi);
	} else {
		json_object_object_add(img, "pipe", NULL);
	}
	json_object_object_add(root, "image", img);

	/* The structures are written one at a time (below), not kept in the
	 * tree: an image tiled with info blocks has up to 65536 of them. A
	 * placeholder element marks where they go. */
	json_object *st = json_object_new_array();
	if (a->scan.nrecs)
		json_object_array_add(st, j_str(STRUCTS_MARK));
	json_object_object_add(root, "structures", st);

	json_object *nsa = json_object_new_array();
	for (size_t i = 0; i < a->nns; i++) {
		const struct ps_ns *ns = &a->ns[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "index", json_object_new_int(ns->index));
		json_object_object_add(o, "mode", j_str(ps_ns_mode_name(ns->mode)));
		json_object_object_add(o, "offset", j_u64(ns->base));
		json_object_object_add(o, "size", j_u64(ns->size));
		json_object_object_add(o, "present", j_u64(ns->present));
		json_object_object_add(o, "size_source", j_str(ps_size_source_name(ns->size_source)));
		json_object_object_add(o, "found_by", j_str(ps_found_by_name(ns->found_by)));
		json_object_object_add(o, "kernel_refuses",
				       ns->refusal == PS_REFUSE_CHECKSUM ? j_str("checksum") :
				       ns->refusal == PS_REFUSE_PARENT_UUID ? j_str("parent_uuid") : NULL);
		json_object_object_add(o, "label", ns->label >= 0 ?
			json_object_new_int(ns->label) : NULL);
		json_object_object_add(o, "info_offset", ns->info_rec >= 0 ?
			j_u64(a->scan.recs[ns->info_rec].off) : NULL);
		json_object_object_add(o, "nested_in", ns->nested_in >= 0 ?
			json_object_new_int(ns->nested_in) : NULL);
		json_object_object_add(o, "written_by", RENDERED(j, true, render_era(j->m, ns)));
		json_object_object_add(o, "start_pad", j_u64(ns->start_pad));
		json_object_object_add(o, "end_trunc", j_u64(ns->end_trunc));
		json_object_object_add(o, "dataoff", j_u64(ns->dataoff));
		json_object_object_add(o, "phys_base", ns->have_phys ? j_u64(ns->phys) : NULL);
		json_object_object_add(o, "data_holds", render_pmdk_ns_json(a, ns));
		json_object *ca = json_object_new_array();
		for (int c = 0; c < ns->ncand; c++) {
			const struct ps_cand *cd = &ns->cand[c];
			json_object *co = json_object_new_object();
			json_object_object_add(co, "name", j_str(cd->name));
			json_object_object_add(co, "semantics", j_str(ps_sem_name(cd->sem)));
			json_object_object_add(co, "offset", j_u64(cd->off));
			json_object_object_add(co, "size", j_u64(cd->size));
			json_object_object_add(co, "truncated", json_object_new_boolean(cd->truncated));
			json_object_object_add(co, "present", j_u64(cd->present));
			json_object_object_add(co, "probe", cd->probed ? j_probe(j, cd) : NULL);
			json_object *ev = json_object_new_array();
			for (int e = 0; e < cd->nevidence; e++)
				json_object_array_add(ev, RENDERED(j, false,
					render_evidence(j->m, ns, cd, &cd->evidence[e])));
			json_object_object_add(co, "evidence", ev);
			json_object_object_add(co, "xfs_log", render_xlog_json(&cd->xlog));
			json_object_array_add(ca, co);
		}
		json_object_object_add(o, "candidates", ca);
		json_object *v = json_object_new_object();
		json_object_object_add(v, "result", ns->ncand ? j_str(ps_verdict_name(ns->verdict)) : NULL);
		json_object_object_add(v, "chosen", ns->chosen >= 0 ?
			j_str(ns->cand[ns->chosen].name) : NULL);
		json_object_object_add(v, "semantics", ns->chosen >= 0 &&
			(ns->verdict == PS_V_PROVEN || ns->verdict == PS_V_TRUNCATED) ?
			j_str(ps_sem_name(ns->cand[ns->chosen].sem)) : NULL);
		json_object_object_add(v, "summary", RENDERED(j, false, render_summary(j->m, ns)));
		json_object_object_add(v, "weighing", ns->weigh.weighed ? j_weighing(j, ns) : NULL);
		/* (the JSON defines legacy and fixed once, in "terms") */
		bool told = true;
		json_object_object_add(v, "overview", RENDERED(j, true,
			render_overview(j->m, in, ns, &told)));
		json_object *notes = json_object_new_array(), *next = json_object_new_array();
		for (size_t n = 0; n < ns->nnotes; n++)
			json_object_array_add(notes, RENDERED(j, false,
				render_note(j->m, &ns->notes[n])));
		for (int k = 0; k < ns->nactions; k++) {
			/* an action that does not apply to this input: none */
			json_object *cmd = RENDERED(j, true,
				render_action(j->m, in, &ns->actions[k]));
			if (cmd)
				json_object_array_add(next, cmd);
		}
		json_object_object_add(v, "notes", notes);
		json_object_object_add(v, "next_commands", next);
		json_object_object_add(o, "verdict", v);
		json_object_object_add(o, "diagnostics", render_json_diags(&ns->diags));
		if (i < in->nsplits && in->splits[i])
			json_object_object_add(o, "split", render_split_json(in, (int)i, in->splits[i]));
		if (i < in->njournals && in->journals && in->journals[i].kind != PS_JOURNAL_NONE)
		{
			json_object *jo = render_journal_json(&in->journals[i]);
			if (in->jchanges && in->jchanges[i])
				json_object_object_add(jo, "changes", render_changes_json(in->jchanges[i]));
			json_object_object_add(o, "journal", jo);
		}
		json_object_array_add(nsa, o);
	}
	json_object_object_add(root, "namespaces", nsa);
	json_object_object_add(root, "pmdk_pools", render_pmdk_pools_json(a));
	json_object_object_add(root, "earlier", render_earlier_json(in, a));
	json_object *lb = json_object_new_object();
	json_object_object_add(lb, "source", RENDERED(j, true, render_labels_source(j->m, in, a)));
	json_object_object_add(lb, "placed", json_object_new_boolean(a->labels_placed));
	json_object *lna = json_object_new_array();
	for (size_t i = 0; i < a->labels.n; i++) {
		const struct ps_namespace *ln = &a->labels.ns[i];
		char u[37];
		json_object *lo = json_object_new_object();
		ps_uuid_str(ln->uuid, u);
		json_object_object_add(lo, "uuid", j_str(u));
		json_object_object_add(lo, "name", render_jstr_img(ln->name));
		json_object_object_add(lo, "claim", j_str(ps_claim_name(ln->claim)));
		json_object_object_add(lo, "nlabel", json_object_new_int(ln->nlabel));
		json_object_object_add(lo, "size", j_u64(ln->size));
		json_object_object_add(lo, "region_offset", j_u64(ln->region_offset));
		json_object_object_add(lo, "region_offset_assumed",
				       json_object_new_boolean(ln->region_offset_assumed));
		json_object_object_add(lo, "complete", json_object_new_boolean(ln->complete));
		json_object_array_add(lna, lo);
	}
	json_object_object_add(lb, "namespaces", lna);
	json_object_object_add(root, "labels", lb);
	json_object_object_add(root, "terms", RENDERED(j, false, render_legacy_fixed(j->m)));
	json_object *dg = render_json_diags(&a->scan.diags), *dg2 = render_json_diags(&a->diags);
	for (size_t i = 0; i < json_object_array_length(dg2); i++)
		json_object_array_add(dg, json_object_get(json_object_array_get_idx(dg2, i)));
	json_object_put(dg2);
	json_object_object_add(root, "diagnostics", dg);
	json_object_object_add(root, "exit_code", json_object_new_int(render_scan_exit_code(in, a)));
	if (j->oom) {
		json_object_put(root);
		return PS_ENOMEM;
	}
	const int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *s = json_object_to_json_string_ext(root, flags);
	const char *mark = a->scan.nrecs ? strstr(s, STRUCTS_MARK_JSON) : NULL;
	int bad = 0;
	if (!mark) {
		bad = fputs(s, f) < 0;
	} else {
		/* the placeholder's line: its indent is the elements' */
		const char *ls = mark;
		while (ls > s && ls[-1] != '\n')
			ls--;
		int ind = (int)(mark - ls);
		const char *rest = strchr(mark, '\n');
		bad = fwrite(s, 1, (size_t)(ls - s), f) != (size_t)(ls - s);
		for (size_t i = 0; i < a->scan.nrecs && !bad; i++) {
			json_object *o = j_structure(a, i);
			bad = (i && fputs(",\n", f) < 0) ||
			      put_indented(f, json_object_to_json_string_ext(o, flags), ind);
			json_object_put(o);
		}
		bad = bad || !rest || fputs(rest, f) < 0;
	}
	int rc = bad || fputc('\n', f) < 0 ? PS_EIO : PS_OK;
	json_object_put(root);
	return rc;
}
