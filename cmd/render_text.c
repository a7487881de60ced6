/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The scan report as text: the structures found, the namespace labels,
 * and per namespace its layout, candidates, evidence, verdict, notes and
 * next commands. */
#include "config.h"
#include "render.h"
#include "split_cli.h"
#include "render_map.h"
#include "err.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void text_diags(FILE *f, const struct ps_diags *d, const char *indent)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(f, "%s%s at 0x%" PRIx64 " [%s]: %s\n", indent,
			ps_sev_name(d->v[i].sev), d->v[i].off, d->v[i].field,
			d->v[i].msg);
	if (d->dropped)
		fprintf(f, "%s(%zu more diagnostics not shown)\n", indent, d->dropped);
}

static void text_pfn(FILE *f, const struct ps_rec *r)
{
	const struct ps_pfn_sb *sb = &r->u.pfn;
	char u[37], pu[37], h[32], h2[32];
	ps_uuid_str(sb->uuid, u);
	ps_uuid_str(sb->parent_uuid, pu);
	fprintf(f, "  0x%012" PRIx64 "  %-15s v%u.%u  checksum %s  %s\n", r->off,
		sb->kind == PS_PFN_DEVDAX ? "NVDIMM_DAX_INFO" : "NVDIMM_PFN_INFO",
		sb->version_major, sb->version_minor,
		sb->checksum_ok ? "valid" : "BAD", ps_pfn_kind_name(sb->kind));
	fprintf(f, "      uuid %s  parent_uuid %s\n", u, pu);
	fprintf(f, "      dataoff 0x%" PRIx64 " (%s)  npfns %" PRIu64 "  mode %u (%s)\n",
		sb->dataoff, ps_human(sb->dataoff, h, sizeof(h)), sb->npfns,
		sb->mode, ps_pfn_mode_name(sb->mode));
	fprintf(f, "      start_pad 0x%x (%s)  end_trunc 0x%x (%s)  align 0x%x%s  page_size %u  page_struct_size %u%s\n",
		sb->start_pad, ps_human(sb->start_pad, h, sizeof(h)), sb->end_trunc,
		ps_human(sb->end_trunc, h2, sizeof(h2)), sb->align,
		sb->version_minor < 2 ? " (field absent before 1.2)" : "",
		sb->eff_page_size, sb->eff_page_struct_size,
		sb->version_minor < 4 ? " (implied: fields absent before 1.4)" : "");
}

struct text_put {
	FILE *f;
	bool any;
};

static void text_put_line(void *ctx, const char *line)
{
	struct text_put *tp = ctx;
	fprintf(tp->f, "%s  %s\n", tp->any ? "" : "\nsummary:\n", line);
	tp->any = true;
}

int render_scan_text(FILE *f, const struct ps_report *in,
		     const struct ps_analysis *a)
{
	char h[32], h2[32];
	fprintf(f, "pmemscan %s: %s\n", PACKAGE_VERSION, in->path);
	fprintf(f, "image: %" PRIu64 " bytes (%s), %s allocated\n", in->size,
		ps_human(in->size, h, sizeof(h)), ps_human(in->allocated, h2, sizeof(h2)));
	if (in->pipe)
		fprintf(f, "input: %s, a pipe read once into a temporary file: %" PRIu64 " bytes read, sha256 %s%s\n",
			in->pipe->is_stdin ? "standard input" : in->path, in->pipe->size,
			in->pipe->sha256, in->compression ? " (compressed: decoded below)" :
			" (the image below)");
	if (in->compression)
		fprintf(f, "input: %s-compressed, %" PRIu64 " bytes, sha256 %s (the image below is its decoded content)\n",
			in->compression, in->compressed_size, in->compressed_sha256);
	if (in->compression && in->container && in->container->cut) {
		const struct ps_stream_break *b = in->container->cut;
		fprintf(f, "input: TRUNCATED: the %s stream breaks at compressed offset %" PRIu64 " of %" PRIu64 " (%s); the %" PRIu64 " bytes decoded before it are the image below, read as a truncated dump\n",
			in->compression, b->compressed_off, b->compressed_size, b->msg ? b->msg : "",
			b->decoded);
	}
	render_text_container(f, in);	/* EWF, split raw (render_container.c) */
	if (in->sha256)
		fprintf(f, "sha256: %s\n", in->sha256);
	else if (in->hash_note)
		fprintf(f, "sha256: not computed (%s)\n", in->hash_note);
	if (in->sparse_sha256)
		fprintf(f, "sparse_sha256: %s\n", in->sparse_sha256);
	if (in->changed)
		fprintf(f, "WARNING: %s changed while pmemscan read it: %s\n", in->path, in->changed);
	if (a->have_phys) {
		fprintf(f, "physical address of offset 0: 0x%" PRIx64 " (", a->phys_base);
		render_phys_source(f, in, a);
		fputs(")\n", f);
	}
	text_diags(f, &a->scan.diags, "  ");

	/* first what must be known first (render_attention), then in plain
	 * words what each namespace is and what to do; the details follow as
	 * evidence */
	bool told = false, any = false;
	struct text_put tp = { f, false };
	if (render_attention(in, a, text_put_line, &tp) < 0)
		return PS_ENOMEM;
	any = tp.any;
	for (size_t i = 0; i < a->nns; i++) {
		struct render_str b;
		FILE *m = render_str_open(&b);
		if (m)
			render_overview(m, in, &a->ns[i], &told);
		char *o = render_str_close(&b);
		if (!o)
			return PS_ENOMEM;
		if (*o)
			fprintf(f, "%s  %s\n", any ? "" : "\nsummary:\n", o);
		any |= *o != 0;
		free(o);
	}
	for (size_t i = 0; i < a->earlier.n; i++) {
		fputs(any ? "  " : "\nsummary:\n  ", f);
		render_earlier_summary(f, in, &a->earlier.v[i], i);
		fputc('\n', f);
		any = true;
	}
	if (told) {
		fputs("  ", f);
		render_legacy_fixed(f);
		fputc('\n', f);
	}
	if (any)
		fputs("\nthe details (the evidence for the summary):\n", f);

	fprintf(f, "\nstructures found: %zu\n", a->scan.nrecs);
	for (size_t i = 0; i < a->scan.nrecs; i++) {
		const struct ps_rec *r = &a->scan.recs[i];
		switch (r->kind) {
		case PS_REC_PFN:
		case PS_REC_DAX:
			if (r->truncated)
				fprintf(f, "  0x%012" PRIx64 "  %s  TRUNCATED by the end of the image\n",
					r->off, ps_rec_kind_name(r->kind));
			else
				text_pfn(f, r);
			break;
		case PS_REC_BTT:
			if (r->truncated) {
				fprintf(f, "  0x%012" PRIx64 "  btt-info  TRUNCATED by the end of the image\n", r->off);
				break;
			}
			fprintf(f, "  0x%012" PRIx64 "  BTT_ARENA_INFO  v%u.%u  checksum %s  %s\n", r->off,
				r->u.btt.version_major, r->u.btt.version_minor,
				r->checksum_ok ? "valid" : "BAD",
				r->role == PS_ROLE_PRIMARY ? "arena info block" : r->role == PS_ROLE_BACKUP ? "arena backup info block" :
				"not part of a readable BTT");
			fprintf(f, "      lbasize %u (internal %u)  nlba %u (internal %u)  nfree %u  nextoff 0x%" PRIx64 "  info2off 0x%" PRIx64 "\n",
				r->u.btt.external_lbasize, r->u.btt.internal_lbasize,
				r->u.btt.external_nlba, r->u.btt.internal_nlba, r->u.btt.nfree,
				r->u.btt.nextoff, r->u.btt.info2off);
			break;
		case PS_REC_NSINDEX:
			fprintf(f, "  0x%012" PRIx64 "  NAMESPACE_INDEX label area, %s, %u-byte labels, current index %d%s\n",
				r->off, ps_human(r->u.lsa.loc.size, h, sizeof(h)),
				r->u.lsa.loc.label_size,
				r->u.lsa.lsa ? r->u.lsa.lsa->current : -1,
				r->checksum_ok ? "" : " (NO VALID INDEX)");
			break;
		case PS_REC_PMDK:
		case PS_REC_POOLSET:
			render_pmdk_rec_text(f, a, r);
			break;
		default:
			fprintf(f, "  0x%012" PRIx64 "  %s  checksum %s\n", r->off,
				ps_rec_kind_name(r->kind), r->checksum_ok ? "valid" : "BAD");
		}
		text_diags(f, &r->diags, "      ");
	}

	if (a->labels.n || a->labels_from != PS_LABELS_NONE) {
		fprintf(f, "\nnamespace labels: %zu namespace(s) from the ", a->labels.n);
		render_labels_source(f, in, a);
		fputc('\n', f);
		for (size_t i = 0; i < a->labels.n; i++) {
			const struct ps_namespace *ln = &a->labels.ns[i];
			char u[37];
			ps_uuid_str(ln->uuid, u);
			fprintf(f, "  %s \"", u);
			render_text_img(f, ln->name, "\"\\");
			fprintf(f, "\" %s, %u-way, %s, region offset 0x%" PRIx64 "%s%s\n",
				ps_claim_name(ln->claim), ln->nlabel,
				ps_human(ln->size, h, sizeof(h)), ln->region_offset,
				ln->region_offset_assumed ? " (assuming the region starts at the lowest dpa)" : "",
				ln->complete ? "" : ", INCOMPLETE set");
		}
	}
	text_diags(f, &a->diags, "  ");

	fprintf(f, "\nnamespaces: %zu\n", a->nns);
	for (size_t i = 0; i < a->nns; i++) {
		const struct ps_ns *ns = &a->ns[i];
		fprintf(f, "\nnamespace %d: %s at image offset 0x%" PRIx64 ", %s (size from %s)",
			ns->index, ps_ns_mode_name(ns->mode), ns->base,
			ps_human(ns->size, h, sizeof(h)), ps_size_source_name(ns->size_source));
		if (ns->present < ns->size)
			fprintf(f, ", only %s (%s) in the image", ps_human(ns->present, h, sizeof(h)),
				render_pct(ns->present, ns->size, h2, sizeof(h2)));
		fputc('\n', f);
		render_text_map(f, a, i);	/* the layout to scale (render_map.c) */
		if (ns->label >= 0) {
			const struct ps_namespace *ln = &a->labels.ns[ns->label];
			char u[37];
			ps_uuid_str(ln->uuid, u);
			fprintf(f, "  label: uuid %s \"", u);
			render_text_img(f, ln->name, "\"\\");
			fprintf(f, "\", claim %s, %u-way, %s\n",
				ps_claim_name(ln->claim), ln->nlabel, ps_human(ln->size, h, sizeof(h)));
		}
		if (ns->info_rec >= 0) {
			fprintf(f, "  info block at 0x%" PRIx64 ", written by ",
				a->scan.recs[ns->info_rec].off);
			render_era(f, ns);
			fputc('\n', f);
		} else {
			struct render_str b;
			FILE *m = render_str_open(&b);
			if (m)
				render_era(m, ns);
			char *era = render_str_close(&b);
			if (!era)
				return PS_ENOMEM;
			if (*era)
				fprintf(f, "  %s\n", era);
			free(era);
		}
		render_pmdk_ns_text(f, a, ns);
		if (ns->mode == PS_NS_SECTOR)
			fprintf(f, "  sector mode: %u-byte sectors, %" PRIu64 " LBAs (%s) through the BTT map\n",
				ns->btt_sector, ns->btt_nlba,
				ps_human(ns->btt_nlba * ns->btt_sector, h, sizeof(h)));
		if (ns->mode == PS_NS_FSDAX || ns->mode == PS_NS_DEVDAX)
			fprintf(f, "  layout: start_pad 0x%" PRIx64 " (%s), dataoff 0x%" PRIx64 ", end_trunc 0x%" PRIx64 "\n",
				ns->start_pad, ps_human(ns->start_pad, h, sizeof(h)), ns->dataoff, ns->end_trunc);
		text_diags(f, &ns->diags, "  ");
		for (int c = 0; c < ns->ncand; c++) {
			const struct ps_cand *cd = &ns->cand[c];
			if (cd->btt)
				fprintf(f, "  candidate btt    data translated through the BTT map, %s\n",
					ps_human(cd->size, h, sizeof(h)));
			else
			fprintf(f, "  candidate %-6s data at 0x%" PRIx64 " (ns+0x%" PRIx64 "), %s%s%s%s%s\n",
				cd->name, cd->off, cd->off - ns->base,
				ps_human(cd->size, h, sizeof(h)),
				cd->present < cd->size ? ", only " : "",
				cd->present < cd->size ? ps_human(cd->present, h2, sizeof(h2)) : "",
				cd->present < cd->size ? " in the image" : "",
				cd->sem == PS_SEM_LEGACY ? "  [base + start_pad + dataoff]" :
				cd->sem == PS_SEM_FIXED ? "  [base + dataoff]" : "");
			for (int e = 0; e < cd->nevidence; e++) {
				fputs("      - ", f);
				render_evidence(f, ns, cd, &cd->evidence[e]);
				fputc('\n', f);
			}
			if (cd->xlog.state != PS_XLOG_UNKNOWN) {
				fputs("      - ", f);
				render_xlog_detail(f, &cd->xlog);
				fputc('\n', f);
			}
		}
		if (ns->ncand || ns->nested_in >= 0) {
			const char *ch = ns->chosen >= 0 ? ns->cand[ns->chosen].name : "none";
			const struct ps_cand *cc = ns->chosen >= 0 ? &ns->cand[ns->chosen] : NULL;
			bool located = ns->verdict == PS_V_PROVEN || ns->verdict == PS_V_TRUNCATED;
			fprintf(f, "  verdict: %s%s%s: ", ps_verdict_name(ns->verdict),
				!located ? "" :
				cc && cc->sem != PS_SEM_AUTO ? ", semantics " :
				ns->verdict == PS_V_PROVEN ? " (one data start)" : "",
				located && cc && cc->sem != PS_SEM_AUTO ? ch : "");
			render_summary(f, ns);
			fputc('\n', f);
		}
		if (i < in->njournals && in->journals)
			render_journal_text(f, &in->journals[i], "  ");
		if (i < in->njournals && in->jchanges && in->jchanges[i])
			render_changes_text(f, in->jchanges[i], "    ", 50);
		if (ns->weigh.weighed) {
			fputs("  weighing: ", f);
			render_recommendation(f, &ns->weigh);
			fputc('\n', f);
			for (int r = 0; r < ns->weigh.nreasons; r++) {
				fputs("    + ", f);
				render_reason(f, &ns->weigh.reasons[r]);
				fputc('\n', f);
			}
		}
		for (size_t n = 0; n < ns->nnotes; n++) {
			fputs("  * ", f);
			render_note(f, &ns->notes[n]);
			fputc('\n', f);
		}
		if (i < in->nsplits && in->splits[i])
			render_split_text(f, in, (int)i, in->splits[i]);
		for (int k = 0; k < ns->nactions; k++) {
			/* an action that does not apply to this input (an empty
			 * string) leaves no "next:" line behind */
			struct render_str b;
			FILE *m = render_str_open(&b);
			if (m)
				render_action(m, in, &ns->actions[k]);
			char *cmd = render_str_close(&b);
			if (!cmd)
				return PS_ENOMEM;
			if (*cmd)
				fprintf(f, "  > next: %s\n", cmd);
			free(cmd);
		}
	}
	render_earlier_text(f, in, a);
	if (!a->nns && !a->scan.nrecs && !a->earlier.n)
		fprintf(f, "\nnothing found: no info block, label area or filesystem in this image\n");
	return ferror(f) ? PS_EIO : PS_OK;
}

