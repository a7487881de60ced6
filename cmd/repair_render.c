/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rendering what the repair library returns: the plan as text and as JSON
 * (schema pmemscan-repair-plan/1, docs/repair.md), and the re-scan of a
 * written repair. Output only; every decision is the library's.
 */
#include "config.h"
#include "repair_render.h"
#include "util.h"
#include <inttypes.h>
#include <json-c/json.h>
#include <string.h>

static int plan_has_ns(const struct ps_plan *p, int ns)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->p[i].ns == ns)
			return 1;
	return 0;
}

void repair_ns_line(FILE *f, const char *when, const struct ps_ns *ns)
{
	if (!ns) {
		fprintf(f, "    %s: no namespace\n", when);
		return;
	}
	fprintf(f, "    %s: %s", when, ps_verdict_name(ns->verdict));
	if (ns->mode == PS_NS_SECTOR)
		fprintf(f, ", BTT %u arena%s, %" PRIu64 " LBAs of %u bytes%s", ns->btt_narenas,
			ns->btt_narenas == 1 ? "" : "s", ns->btt_nlba, ns->btt_lbasize,
			ns->btt_used_backup ? ", a primary info block unusable (backup used)" : "");
	else if (ns->info_rec >= 0)
		fprintf(f, ", info block v%u.%u start_pad 0x%" PRIx64 " dataoff 0x%" PRIx64 " end_trunc 0x%" PRIx64 " npfns %" PRIu64 " mode %s checksum %s",
			ns->pfn.version_major, ns->pfn.version_minor, ns->start_pad, ns->dataoff,
			ns->end_trunc, ns->pfn.npfns, ps_pfn_mode_name(ns->pfn.mode),
			ns->pfn.checksum_ok ? "ok" : "BAD");
	if (ns->chosen >= 0 && ns->chosen < ns->ncand)
		fprintf(f, "; data at 0x%" PRIx64 "%s%s", ns->cand[ns->chosen].off,
			ns->cand[ns->chosen].probe.type[0] ? " holds " : "",
			ns->cand[ns->chosen].probe.type);
	fputc('\n', f);
}

void repair_print_plan(FILE *f, const char *path, const struct ps_analysis *a,
		       const struct ps_analysis *after, const struct ps_plan *p)
{
	fprintf(f, "repair plan for %s\n", path);
	for (size_t i = 0; i < a->nns; i++) {
		const struct ps_ns *ns = &a->ns[i];
		int has = plan_has_ns(p, (int)i);
		int refused = 0;
		for (size_t k = 0; k < p->nr; k++)
			if (p->r[k].ns == (int)i)
				refused = 1;
		if (!has && !refused)
			continue;
		fprintf(f, "\nnamespace %zu (%s) at 0x%" PRIx64 ", %" PRIu64 " bytes\n", i,
			ps_ns_mode_name(ns->mode), ns->base, ns->size);
		repair_ns_line(f, "before", ns);
		if (has) {
			repair_ns_line(f, "after ", after ? ps_repair_ns_at(after, ns->base) : NULL);
			for (size_t k = 0; k < p->n; k++) {
				const struct ps_patch *x = &p->p[k];
				if (x->ns != (int)i)
					continue;
				fprintf(f, "  patch 0x%" PRIx64 " (%u byte%s) %s [%s]: %s -> %s\n",
					x->off, x->len, x->len == 1 ? "" : "s", x->field,
					x->kind, x->oldv, x->newv);
				fprintf(f, "        why: %s\n", x->reason);
			}
		}
		for (size_t k = 0; k < p->nr; k++)
			if (p->r[k].ns == (int)i)
				fprintf(f, "  REFUSED [%s]: %s\n", p->r[k].kind, p->r[k].msg);
	}
	for (size_t ri = 0; ri < a->scan.nrecs; ri++) {
		int u = PS_UNIT_REC(ri);
		int has = plan_has_ns(p, u), refused = 0;
		for (size_t k = 0; k < p->nr; k++)
			if (p->r[k].ns == u)
				refused = 1;
		if (!has && !refused)
			continue;
		const struct ps_rec *r = &a->scan.recs[ri];
		char un[96];
		fprintf(f, "\n%s\n", ps_repair_unit_name(a, u, un, sizeof(un)));
		if (r->kind == PS_REC_NSINDEX && r->u.lsa.lsa) {
			const struct ps_lsa *l = r->u.lsa.lsa;
			fprintf(f, "    before: index 0 %s seq %u, index 1 %s seq %u, current %d\n",
				l->index[0].valid ? "valid" : "INVALID", l->index[0].seq,
				l->index[1].valid ? "valid" : "INVALID", l->index[1].seq, l->current);
		}
		for (size_t k = 0; k < p->n; k++) {
			const struct ps_patch *x = &p->p[k];
			if (x->ns != u)
				continue;
			fprintf(f, "  patch 0x%" PRIx64 " (%u byte%s) %s [%s]%s%s%s%s\n", x->off, x->len,
				x->len == 1 ? "" : "s", x->field, x->kind, x->oldv[0] ? ": " : "",
				x->oldv, x->oldv[0] ? " -> " : "", x->newv);
			fprintf(f, "        why: %s\n", x->reason);
		}
		for (size_t k = 0; k < p->nr; k++)
			if (p->r[k].ns == u)
				fprintf(f, "  REFUSED [%s]: %s\n", p->r[k].kind, p->r[k].msg);
	}
	for (int k = 0; k < p->nnotes; k++)
		fprintf(f, "\nnote: %s\n", p->notes[k]);
	if (p->notes_lost)
		fprintf(f, "\nnote: %d more note(s) could not be kept (out of memory)\n", p->notes_lost);
	fprintf(f, "\n%zu patch%s, %zu refusal%s\n", p->n, p->n == 1 ? "" : "es",
		p->nr, p->nr == 1 ? "" : "s");
}

/* ---- the plan as JSON (--plan --json; docs/repair.md) ---- */

static json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *j_ns_state(const struct ps_ns *ns)
{
	if (!ns)
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "verdict", jstr(ps_verdict_name(ns->verdict)));
	const struct ps_cand *c = ns->chosen >= 0 && ns->chosen < ns->ncand ?
				  &ns->cand[ns->chosen] : NULL;
	json_object_object_add(o, "data_offset", c ? json_object_new_uint64(c->off) : NULL);
	json_object_object_add(o, "filesystem", c && c->probe.type[0] ? jstr(c->probe.type) : NULL);
	if (ns->mode != PS_NS_SECTOR && ns->info_rec >= 0) {
		json_object_object_add(o, "start_pad", json_object_new_uint64(ns->start_pad));
		json_object_object_add(o, "dataoff", json_object_new_uint64(ns->dataoff));
		json_object_object_add(o, "end_trunc", json_object_new_uint64(ns->end_trunc));
		json_object_object_add(o, "info_checksum", jstr(ns->pfn.checksum_ok ? "valid" : "bad"));
	}
	return o;
}

/* The patches and refusals of one unit; NULL if it has neither. */
static json_object *j_unit(const struct ps_plan *p, int u, const char *name,
			   int ns, const struct ps_ns *before, const struct ps_ns *after)
{
	json_object *patches = json_object_new_array(), *refusals = json_object_new_array();
	for (size_t k = 0; k < p->n; k++) {
		const struct ps_patch *x = &p->p[k];
		if (x->ns != u)
			continue;
		char oh[2 * PS_PATCH_MAX_LEN + 1], nh[2 * PS_PATCH_MAX_LEN + 1];
		ps_hex(x->old, x->len, oh);
		ps_hex(x->new_, x->len, nh);
		json_object *o = json_object_new_object();
		json_object_object_add(o, "offset", json_object_new_uint64(x->off));
		json_object_object_add(o, "length", json_object_new_uint64(x->len));
		json_object_object_add(o, "field", jstr(x->field));
		json_object_object_add(o, "kind", jstr(x->kind));
		json_object_object_add(o, "old", jstr(x->oldv));
		json_object_object_add(o, "new", jstr(x->newv));
		json_object_object_add(o, "old_bytes", jstr(oh));
		json_object_object_add(o, "new_bytes", jstr(nh));
		json_object_object_add(o, "why", jstr(x->reason));
		json_object_array_add(patches, o);
	}
	for (size_t k = 0; k < p->nr; k++) {
		if (p->r[k].ns != u)
			continue;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "kind", jstr(p->r[k].kind));
		json_object_object_add(o, "why", jstr(p->r[k].msg));
		json_object_array_add(refusals, o);
	}
	if (!json_object_array_length(patches) && !json_object_array_length(refusals)) {
		json_object_put(patches);
		json_object_put(refusals);
		return NULL;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "unit", jstr(name));
	json_object_object_add(o, "namespace", ns >= 0 ? json_object_new_int(ns) : NULL);
	json_object_object_add(o, "before", j_ns_state(before));
	json_object_object_add(o, "after", j_ns_state(after));
	json_object_object_add(o, "patches", patches);
	json_object_object_add(o, "refusals", refusals);
	return o;
}

int repair_print_plan_json(FILE *f, const char *path, uint64_t size,
			   const struct ps_analysis *a, const struct ps_analysis *after,
			   const struct ps_plan *p)
{
	json_object *root = json_object_new_object(), *units = json_object_new_array();
	json_object_object_add(root, "schema", jstr("pmemscan-repair-plan/1"));
	json_object_object_add(root, "version", jstr(PACKAGE_VERSION));
	json_object *img = json_object_new_object();
	json_object_object_add(img, "path", jstr(path));
	json_object_object_add(img, "size", json_object_new_uint64(size));
	json_object_object_add(root, "image", img);
	char name[96];
	for (size_t i = 0; i < a->nns; i++) {
		const struct ps_ns *ns = &a->ns[i];
		snprintf(name, sizeof(name), "namespace %zu (%s) at 0x%" PRIx64, i,
			 ps_ns_mode_name(ns->mode), ns->base);
		json_object *u = j_unit(p, (int)i, name, (int)i, ns,
					after && plan_has_ns(p, (int)i) ?
					ps_repair_ns_at(after, ns->base) : NULL);
		if (u)
			json_object_array_add(units, u);
	}
	for (size_t ri = 0; ri < a->scan.nrecs; ri++) {
		int un = PS_UNIT_REC(ri);
		json_object *u = j_unit(p, un, ps_repair_unit_name(a, un, name, sizeof(name)),
					-1, NULL, NULL);
		if (u)
			json_object_array_add(units, u);
	}
	json_object_object_add(root, "units", units);
	json_object *notes = json_object_new_array();
	for (int k = 0; k < p->nnotes; k++)
		json_object_array_add(notes, jstr(p->notes[k]));
	json_object_object_add(root, "notes", notes);
	json_object_object_add(root, "patches", json_object_new_uint64(p->n));
	json_object_object_add(root, "refusals", json_object_new_uint64(p->nr));
	json_object_object_add(root, "result", jstr(p->n ? (p->nr ? "partial" : "plan") :
						    p->nr ? "refused" : "nothing-to-repair"));
	const char *js = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	int rc = fprintf(f, "%s\n", js) < 0 ? -1 : 0;
	json_object_put(root);
	return rc;
}

void repair_print_rescan(FILE *f, const char *path, const struct ps_analysis *before,
			 const struct ps_apply_result *res)
{
	for (size_t k = 0; k < res->nchecks; k++) {
		const struct ps_unit_check *c = &res->checks[k];
		if (!c->valid)
			break;
		if (c->unit >= 0) {
			fprintf(f, "re-scan of %s: namespace %d is valid\n", path, c->unit);
			repair_ns_line(f, "now", ps_repair_ns_at(&res->rescan,
								 before->ns[c->unit].base));
		} else {
			fprintf(f, "re-scan of %s: label area at 0x%" PRIx64 " is valid (both index blocks, same labels in use)\n",
				path, before->scan.recs[PS_UNIT_REC_INDEX(c->unit)].off);
		}
	}
}
