/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The scan as one library call (triage.h). */
#include "triage.h"
#include "err.h"
#include "ext_journal.h"
#include "repair.h"
#include "split_ns.h"
#include "xfs_logrec.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The paths of the files of the BUIs the report lists, in the recovered
 * tree (best effort: left NULL when not found or out of memory). */
static void intent_paths(struct ps_fs *fr, struct ps_journal *j)
{
	enum { NL = sizeof(j->intents_v) / sizeof(j->intents_v[0]),
	       NV = sizeof(j->intents_view_v) / sizeof(j->intents_view_v[0]) };
	struct ps_xintent *e[NL + NV];
	uint64_t ino[NL + NV];
	char *path[NL + NV];
	size_t n = 0;
	for (uint64_t i = 0; i < j->intents_v_n && i < NL; i++)
		if (j->intents_v[i].kind == PS_XINT_BUI)
			e[n++] = &j->intents_v[i];
	for (uint64_t i = 0; i < j->intents_view_v_n && i < NV; i++)
		e[n++] = &j->intents_view_v[i];
	if (!n)
		return;
	for (size_t i = 0; i < n; i++)
		ino[i] = e[i]->owner;
	if (ps_fs_paths(fr, ino, n, 200000, path))
		return;
	for (size_t i = 0; i < n; i++)
		e[i]->path = path[i];
}

static void intent_paths_free(struct ps_journal *j)
{
	for (size_t i = 0; i < sizeof(j->intents_v) / sizeof(j->intents_v[0]); i++)
		free(j->intents_v[i].path);
	for (size_t i = 0; i < sizeof(j->intents_view_v) / sizeof(j->intents_view_v[0]); i++)
		free(j->intents_view_v[i].path);
}

/* The journal of namespace i's filesystem (the data the proven start
 * gives), as extract would read it; what recovery changes in the tree. */
static struct ps_changes *triage_journal(struct ps_src *src, const struct ps_analysis *a,
					 size_t i, bool backup, struct ps_journal *j)
{
	struct ps_src *view = NULL, *rv = NULL;
	struct ps_changes *ch = NULL;
	char err[PS_ERR_LINE_MAX];
	memset(j, 0, sizeof(*j));
	if (a->ns[i].ncand == 0 ||
	    ps_ns_data_view(src, a, (int)i, PS_SEM_AUTO, &view, err, sizeof(err)))
		return NULL;
	/* always the recovered view here: the report lists what it changes */
	if (ps_ext_journal_open_mode(view, backup ? PS_JMODE_BACKUP : PS_JMODE_REPLAY, j, &rv,
				     err, sizeof(err)))
		memset(j, 0, sizeof(*j));
	if (j->kind == PS_JOURNAL_NONE &&
	    ps_xfs_journal_open(view, true, j, &rv, err, sizeof(err)))
		memset(j, 0, sizeof(*j));
	enum ps_fs_type ft = j->kind == PS_JOURNAL_XFS ? PS_FS_XFS : PS_FS_EXT;
	if (rv && j->blocks) {
		struct ps_fs *fo = NULL, *fr = NULL;
		if (!ps_fs_open(view, ft, &fo, err, sizeof(err)) &&
		    !ps_fs_open(rv, ft, &fr, err, sizeof(err))) {
			ch = calloc(1, sizeof(*ch));
			if (ch && ps_fs_diff(fo, fr, 200000, ch)) {
				free(ch);
				ch = NULL;
			}
			if (j->kind == PS_JOURNAL_XFS)
				intent_paths(fr, j);
		}
		ps_fs_close(fo);
		ps_fs_close(fr);
	}
	ps_src_close(rv);
	ps_src_close(view);
	return ch;
}

/* A suggested `pmemscan repair --plan` must be one repair carries out:
 * ask the planner, as the suggested command would (that namespace, that
 * reading, no --phys-base); it works where it refuses nothing and
 * changes something (docs/cli.md, next commands). */
static bool repair_works(struct ps_src *src, const struct ps_analysis *a, int i,
			 enum ps_sem sem, bool merge_mmap)
{
	struct ps_repair_opts ro;
	memset(&ro, 0, sizeof(ro));
	ro.ns = i;
	ro.sem = sem;
	ro.merge_mmap = merge_mmap;
	struct ps_plan plan;
	ps_plan_init(&plan);
	bool works = !ps_repair_plan(src, a, &ro, &plan);
	size_t patches = 0;
	for (size_t p = 0; works && p < plan.n; p++)
		patches += plan.p[p].ns == i;
	for (size_t r = 0; works && r < plan.nr; r++)
		works = plan.r[r].ns != i;
	ps_plan_free(&plan);
	return works && patches;
}

static void drop_refused_repairs(struct ps_src *src, struct ps_analysis *a)
{
	for (size_t i = 0; i < a->nns; i++) {
		struct ps_ns *ns = &a->ns[i];
		for (int k = 0; k < ns->nactions; k++) {
			if (ns->actions[k].kind != PS_ACT_REPAIR_PLAN)
				continue;
			if (repair_works(src, a, (int)i, ns->actions[k].sem, false))
				continue;
			memmove(&ns->actions[k], &ns->actions[k + 1],
				(size_t)(ns->nactions - k - 1) * sizeof(ns->actions[0]));
			ns->nactions--;
			k--;
		}
	}
}

static enum ps_triage_fail fail(struct ps_report *r, enum ps_triage_fail f, int rc)
{
	r->rc = rc;
	return f;
}

/* Open the image as named; a compressed file's own size and sha256 (the
 * evidence is the compressed file). */
static enum ps_triage_fail triage_open(const char *path, const struct ps_triage_opts *o,
				       struct ps_report *r)
{
	if (ps_path_is_pipe(path)) {
		int rc = ps_src_open_pipe(path, &o->open, &r->src, &r->pipe_info, r->err,
					  sizeof(r->err));
		if (rc)
			return fail(r, PS_TRIAGE_OPEN, rc);
		r->pipe = &r->pipe_info;
		if (r->pipe_info.comp != PS_COMP_NONE) {
			r->compression = ps_compression_name(r->pipe_info.comp);
			r->compressed_size = r->pipe_info.size;
			r->compressed_sha256 = r->pipe_info.sha256;
		}
		return PS_TRIAGE_OK;
	}
	struct ps_src *raw;
	uint8_t magic[16];
	int rc = ps_src_open_file(path, &raw, r->err, sizeof(r->err));
	if (rc)
		return fail(r, PS_TRIAGE_OPEN, rc);
	size_t got = 0;
	ps_src_read_upto(raw, magic, sizeof(magic), 0, &got);
	enum ps_compression comp = ps_detect_compression(magic, got);
	if (comp != PS_COMP_NONE) {
		uint8_t dg[PS_DIGEST_SIZE];
		rc = ps_digest_src(raw, PS_DIGEST_SHA256, ps_digest_default_threads(PS_DIGEST_SHA256),
				   dg, r->zhex, NULL);
		if (rc) {
			snprintf(r->err, sizeof(r->err), "%s", ps_src_error(raw));
			ps_src_close(raw);
			return fail(r, PS_TRIAGE_OPEN, rc);
		}
		r->compression = ps_compression_name(comp);
		r->compressed_size = raw->size;
		r->compressed_sha256 = r->zhex;
	}
	ps_src_close(raw);
	rc = ps_src_open_auto(path, &o->open, &r->src, r->err, sizeof(r->err));
	return rc ? fail(r, PS_TRIAGE_OPEN, rc) : PS_TRIAGE_OK;
}

/* The saved memory map: the analysis checks the placement against it, and
 * without a physical base its entry exactly as large as the image gives
 * one. */
static enum ps_triage_fail triage_map(const struct ps_triage_opts *o, struct ps_report *r,
				      struct ps_analysis_opts *ao)
{
	char perr[PS_ERR_LINE_MAX];
	char *text = ps_read_text_file(o->map_file, 16 << 20, r->err, sizeof(r->err));
	if (!text)
		return fail(r, PS_TRIAGE_MAP_READ, PS_EIO);
	int prc = o->map_is_ndctl ? ps_ndctl_json_parse(text, &r->map, perr, sizeof(perr)) :
		  ps_iomem_parse(text, &r->map, perr, sizeof(perr));
	free(text);
	if (prc) {
		if (prc == PS_EIO)
			return fail(r, PS_TRIAGE_MAP_READ, prc);
		snprintf(r->err, sizeof(r->err), "%s", perr);
		return fail(r, PS_TRIAGE_MAP_PARSE, prc);
	}
	if (!ao->have_phys_base) {
		const struct ps_phys_range *hit;
		int mrc = ps_phys_match_size(&r->map, r->src->size, &hit);
		if (mrc)
			return fail(r, mrc == PS_EAMBIG ? PS_TRIAGE_MAP_AMBIG :
				    PS_TRIAGE_MAP_NO_ENTRY, mrc);
		ao->have_phys_base = true;
		ao->phys_base = hit->start;
		ao->phys_entry = hit;
		r->phys_map_path = o->map_name ? o->map_name : o->map_file;
	}
	ao->phys_map = &r->map;
	return PS_TRIAGE_OK;
}

/* The label areas given in files of their own. */
static enum ps_triage_fail triage_labels(const struct ps_triage_opts *o, struct ps_report *r)
{
	for (size_t i = 0; i < o->nlabel_files && i < PS_TRIAGE_MAX_LABELS; i++) {
		struct ps_src *s;
		r->fail_index = i;
		int rc = ps_src_open_file(o->label_files[i], &s, r->err, sizeof(r->err));
		if (rc)
			return fail(r, PS_TRIAGE_LABELS_OPEN, rc);
		struct ps_lsa_find_opts fo = { 0 };
		struct ps_lsa_area area;
		if (ps_lsa_find(s, &fo, &area)) {
			ps_src_close(s);
			return fail(r, PS_TRIAGE_LABELS_NONE, PS_ENOTFOUND);
		}
		struct ps_diags d;
		ps_diags_init(&d);
		struct ps_lsa *lsa = calloc(1, sizeof(*lsa));
		rc = lsa ? ps_lsa_load(s, &area, PS_LSA_READ_MAX, lsa, &d) : PS_ENOMEM;
		if ((rc != PS_OK && rc != PS_EFORMAT) || lsa->current < 0) {
			r->fail_off = area.off;
			snprintf(r->err, sizeof(r->err), "%s", d.n ? d.v[0].msg : "");
			if (lsa)
				ps_lsa_free(lsa);
			free(lsa);
			ps_diags_free(&d);
			ps_src_close(s);
			return fail(r, PS_TRIAGE_LABELS_BAD, rc ? rc : PS_EFORMAT);
		}
		r->lsa_v[i] = lsa;
		ps_diags_free(&d);
		ps_src_close(s);
	}
	return PS_TRIAGE_OK;
}

static void pass_progress(void *ctx, uint64_t done, uint64_t total)
{
	const struct ps_triage_opts *o = ctx;
	o->progress(o->progress_ctx, PS_TRIAGE_STEP, done, total);
}

/* Per namespace: the split check, the journal, and whether the split
 * check's repair --merge-mmap would be carried out. */
static enum ps_triage_fail triage_namespaces(const struct ps_triage_opts *o,
					     struct ps_report *r)
{
	struct ps_analysis *a = &r->a;
	struct ps_src *src = r->src;
	r->split_v = a->nns ? calloc(a->nns, sizeof(*r->split_v)) : NULL;
	if (r->split_v) {
		for (size_t i = 0; i < a->nns; i++)
			r->split_v[i] = ps_split_run_ns(src, a, i);
		r->splits = r->split_v;
		r->nsplits = a->nns;
	}
	r->journal_v = a->nns ? calloc(a->nns, sizeof(*r->journal_v)) : NULL;
	r->jchange_v = a->nns ? calloc(a->nns, sizeof(*r->jchange_v)) : NULL;
	if (r->journal_v && r->jchange_v) {
		for (size_t i = 0; i < a->nns; i++) {
			r->jchange_v[i] = triage_journal(src, a, i, o->journal_backup,
							 &r->journal_v[i]);
			/* --journal ignore: the files are the on-disk view */
			if (o->journal_ignore && r->journal_v[i].replayed) {
				r->journal_v[i].replayed = false;
				r->journal_v[i].ignored = true;
			}
		}
		r->journals = r->journal_v;
		r->njournals = a->nns;
		r->jchanges = r->jchange_v;
	}
	r->journal_ignore = o->journal_ignore;
	drop_refused_repairs(src, a);
	r->split_ok_v = r->split_v ? calloc(a->nns, sizeof(*r->split_ok_v)) : NULL;
	for (size_t i = 0; r->split_ok_v && i < a->nns; i++)
		r->split_ok_v[i] = r->split_v[i] && ps_split_mapped(r->split_v[i]) &&
				   repair_works(src, a, (int)i, PS_SEM_AUTO, true);
	if (r->split_ok_v)
		r->split_repair_ok = r->split_ok_v;
	return PS_TRIAGE_OK;
}

enum ps_triage_fail ps_triage(const char *path, const struct ps_triage_opts *o,
			      struct ps_report *r)
{
	memset(r, 0, sizeof(*r));
	r->path = o->name ? o->name : path;
	enum ps_triage_fail f = triage_open(path, o, r);
	if (f)
		return f;
	struct ps_src *src = r->src;
	if (o->name) {
		char *n = strdup(o->name);
		if (!n)
			return fail(r, PS_TRIAGE_NOMEM, PS_ENOMEM);
		free(src->name);
		src->name = n;
	}
	if (src->size == 0)
		return fail(r, PS_TRIAGE_EMPTY, PS_EINVAL);
	struct ps_analysis_opts ao;
	memset(&ao, 0, sizeof(ao));
	ao.have_phys_base = o->have_phys_base;
	ao.phys_base = o->phys_base;
	if (o->nlabel_files > PS_TRIAGE_MAX_LABELS)
		return fail(r, PS_TRIAGE_LABELS_OPEN, PS_EINVAL);
	r->label_files = o->label_files;
	r->nlabel_files = o->nlabel_files;
	if ((f = triage_labels(o, r)))
		return f;
	ao.ext_lsas = (const struct ps_lsa *const *)r->lsa_v;
	ao.next_lsas = o->nlabel_files;
	if (o->map_file && (f = triage_map(o, r, &ao)))
		return f;

	/* Decide on hashing before the pass, which feeds the digest as it
	 * reads. sha256 is one sequential stream and hashes holes as zeros;
	 * the sparse digest skips holes and hashes its chunks in parallel. */
	struct ps_digest *dg = NULL;
	bool full = o->hash == PS_HASH_SHA256 ||
		    (o->hash == PS_HASH_AUTO && src->size <= PS_HASH_AUTO_SHA256_MAX);
	r->hash_why = o->hash == PS_HASH_NONE ? PS_HASH_WHY_ASKED_NONE :
		      o->hash == PS_HASH_SPARSE ? PS_HASH_WHY_ASKED_SPARSE :
		      !full ? PS_HASH_WHY_LARGE : PS_HASH_WHY_NONE;
	if (o->hash != PS_HASH_NONE) {
		enum ps_digest_kind kind = full ? PS_DIGEST_SHA256 : PS_DIGEST_SPARSE;
		if (ps_digest_new(kind, &dg))
			return fail(r, PS_TRIAGE_NOMEM, PS_ENOMEM);
		ps_digest_set_threads(dg, o->threads >= 0 ? (unsigned)o->threads :
				      ps_digest_default_threads(kind));
	}
	ao.scan.digest = dg;
	/* a compressed dump, an EWF or split raw set: no loop mount of it */
	ps_src_container_info(src, &r->container_info);
	r->container = &r->container_info;

	if (o->progress) {
		o->progress(o->progress_ctx, PS_TRIAGE_START, 0, src->size);
		ao.scan.on_progress = pass_progress;
		ao.scan.ctx = (void *)o;
	}
	int rc = ps_analyze(src, &ao, &r->a);
	r->analysed = true;
	if (o->progress)
		o->progress(o->progress_ctx, rc ? PS_TRIAGE_FAIL : PS_TRIAGE_DONE, src->size,
			    src->size);
	if (rc) {
		snprintf(r->err, sizeof(r->err), "%s", ps_src_strerror(src, rc));
		ps_digest_free(dg);
		return fail(r, PS_TRIAGE_ANALYZE, rc);
	}
	if (dg) {
		uint8_t bin[PS_DIGEST_SIZE];
		ps_digest_final(dg, bin, r->hex);
		ps_digest_free(dg);
		if (full)
			r->sha256 = r->hex;
		else
			r->sparse_sha256 = r->hex;
	}
	r->size = src->size;
	if (ps_src_allocated(src, &r->allocated))
		r->allocated = r->a.scan.bytes_read;
	return triage_namespaces(o, r);
}

int ps_triage_verify(struct ps_report *r, int *verify_rc)
{
	*verify_rc = PS_OK;
	/* the scan's pass has verified an EWF image against its stored
	 * hashes; if it could not (not read in order to the end), read the
	 * rest now: the report says match or mismatch */
	if (r->container_info.kind == PS_CONT_EWF &&
	    r->container_info.verify == PS_VERIFY_PENDING)
		*verify_rc = ps_src_verify(r->src);
	ps_src_container_info(r->src, &r->container_info);
	struct ps_damage d;
	size_t n = 0;
	while (ps_src_damage(r->src, n, &d) == PS_OK)
		n++;
	if (!n)
		return PS_OK;
	if (!(r->damage_v = calloc(n, sizeof(*r->damage_v))))
		return PS_ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (ps_src_damage(r->src, i, &r->damage_v[i]))
			n = i;
	r->damage = r->damage_v;
	r->ndamage = n;
	return PS_OK;
}

void ps_report_free(struct ps_report *r)
{
	size_t n = r->analysed ? r->a.nns : 0;
	for (size_t i = 0; r->split_v && i < n; i++)
		ps_split_destroy(r->split_v[i]);
	free(r->split_v);
	free(r->split_ok_v);
	for (size_t i = 0; r->jchange_v && i < n; i++)
		if (r->jchange_v[i]) {
			ps_changes_free(r->jchange_v[i]);
			free(r->jchange_v[i]);
		}
	free(r->jchange_v);
	for (size_t i = 0; r->journal_v && i < n; i++)
		intent_paths_free(&r->journal_v[i]);
	free(r->journal_v);
	if (r->analysed)
		ps_analysis_free(&r->a);
	ps_phys_map_free(&r->map);
	for (size_t i = 0; i < PS_TRIAGE_MAX_LABELS; i++)
		if (r->lsa_v[i]) {
			ps_lsa_free(r->lsa_v[i]);
			free(r->lsa_v[i]);
		}
	ps_src_close(r->src);
	free(r->damage_v);
	memset(r, 0, sizeof(*r));
}
