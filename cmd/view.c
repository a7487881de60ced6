/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "view.h"
#include "cli.h"
#include "err.h"
#include "ext_journal.h"
#include "xfs_logrec.h"
#include "imgsrc_open.h"
#include "progress.h"
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_view_opts_init(struct cli_view_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->ns = -1;
	o->sem = PS_SEM_AUTO;
}

int cli_view_option(int c, const char *arg, struct cli_view_opts *o)
{
	uint64_t v;
	if (cli_cache_option(c, arg, &o->open))
		return 1;
	switch (c) {
	case CLI_OPT_NAMESPACE:
		if (cli_parse_u64(arg, &v) || v > 1000000) {
			cli_err("--namespace: '%s' is not a namespace number (see 'pmemscan IMAGE')", arg);
			return -1;
		}
		o->ns = (int)v;
		return 1;
	case CLI_OPT_SEMANTICS:
		if (!strcmp(arg, "legacy"))
			o->sem = PS_SEM_LEGACY;
		else if (!strcmp(arg, "fixed"))
			o->sem = PS_SEM_FIXED;
		else if (!strcmp(arg, "auto"))
			o->sem = PS_SEM_AUTO;
		else {
			cli_err("--semantics: '%s' is not legacy, fixed or auto", arg);
			return -1;
		}
		return 1;
	case CLI_OPT_OFFSET:
		if (cli_parse_u64(arg, &o->offset)) {
			cli_err("--offset: '%s' is not an offset", arg);
			return -1;
		}
		o->have_offset = true;
		return 1;
	case CLI_OPT_JOURNAL:
		return cli_journal_option(arg, &o->journal_ignore, &o->journal_backup) ? -1 : 1;
	case CLI_OPT_SIZE:
		if (cli_parse_u64(arg, &o->size) || !o->size) {
			cli_err("--size: '%s' is not a size", arg);
			return -1;
		}
		o->have_size = true;
		return 1;
	}
	return 0;
}

int cli_journal_option(const char *arg, bool *ignore, bool *backup)
{
	*ignore = *backup = false;
	if (!strcmp(arg, "replay"))
		;
	else if (!strcmp(arg, "ignore"))
		*ignore = true;
	else if (!strcmp(arg, "backup"))
		*backup = true;
	else {
		cli_err("--journal: '%s' is not replay, ignore or backup", arg);
		return -1;
	}
	return 0;
}

/* The journal step: an ext4 whose journal the kernel would recover is
 * read through the recovered view unless --journal ignore. */
static int view_journal(struct cli_view *v, const struct cli_view_opts *o)
{
	char err[PS_ERR_LINE_MAX];
	struct ps_src *rv = NULL;
	int r = ps_ext_journal_open_mode(v->data, o->journal_ignore ? PS_JMODE_IGNORE :
					 o->journal_backup ? PS_JMODE_BACKUP : PS_JMODE_REPLAY,
					 &v->journal, &rv, err, sizeof(err));
	/* not an ext4 with a journal: an XFS and its log */
	if (!r && v->journal.kind == PS_JOURNAL_NONE)
		r = ps_xfs_journal_open(v->data, !o->journal_ignore, &v->journal, &rv,
					err, sizeof(err));
	if (r) {
		cli_err("%s", err);
		cli_view_close(v);
		return EXIT_USAGE;
	}
	if (rv) {
		v->ondisk = v->data;
		v->data = rv;
	}
	return EXIT_OK;
}

int cli_view_open(const char *path, const struct cli_view_opts *o,
		  struct cli_view *v)
{
	char err[PS_ERR_LINE_MAX];
	memset(v, 0, sizeof(*v));
	v->ns = -1;
	if (o->have_offset && (o->ns >= 0 || o->sem != PS_SEM_AUTO)) {
		cli_err("--offset selects the data by hand; it cannot be combined with --namespace or --semantics");
		return EXIT_USAGE;
	}
	if (o->have_size && !o->have_offset) {
		cli_err("--size goes with --offset");
		return EXIT_USAGE;
	}
	if (cli_ensure_dir(o->open.cache_dir))
		return EXIT_USAGE;
	struct ps_open_opts oo = o->open;
	/* the analysis and the filesystem readers seek back and forth: a
	 * compressed dump is decoded once rather than streamed */
	oo.mode = PS_OPEN_RANDOM;
	oo.msg = o->quiet ? NULL : cli_open_notice;
	oo.hint = cli_open_hint;
	cli_fill_progress_attach(&oo, o->quiet);
	if (ps_src_open_auto(path, &oo, &v->image, err, sizeof(err))) {
		cli_err("%s", err);
		return EXIT_USAGE;
	}
	/* --offset trusts the user and skips the analysis entirely, so that a
	 * namespace the scan cannot find (wiped metadata) can still be read */
	if (o->have_offset) {
		uint64_t size = o->have_size ? o->size :
				o->offset < v->image->size ? v->image->size - o->offset : 0;
		if (!size || ps_src_window(v->image, o->offset, size, &v->data)) {
			cli_err("%s: --offset %" PRIu64 " --size %" PRIu64 " is outside the image (%" PRIu64 " bytes)",
				path, o->offset, size, v->image->size);
			cli_view_close(v);
			return EXIT_USAGE;
		}
		if (asprintf(&v->what, "bytes %" PRIu64 "-%" PRIu64 " of %s (--offset)",
			     o->offset, o->offset + size, path) < 0) {
			v->what = NULL;
			cli_err("out of memory");
			cli_view_close(v);
			return EXIT_USAGE;
		}
		return view_journal(v, o);
	}
	struct ps_analysis_opts ao;
	memset(&ao, 0, sizeof(ao));
	int rc = ps_analyze(v->image, &ao, &v->an);
	v->analysed = true;
	if (rc) {
		cli_err("%s", ps_src_strerror(v->image, rc));
		cli_view_close(v);
		return EXIT_USAGE;
	}
	int ns = o->ns;
	/* Without --namespace, pick one only when there is nothing to choose:
	 * nested namespaces (a BTT inside a pfn's data) are not candidates of
	 * their own; two or more real ones are the user's choice, not ours. */
	if (ns < 0) {
		int candidates = 0;
		for (size_t i = 0; i < v->an.nns; i++)
			if (v->an.ns[i].nested_in < 0) {
				candidates++;
				ns = (int)i;
			}
		if (candidates == 0) {
			cli_err("%s: no namespace or filesystem found (run 'pmemscan %s' for the report)",
				path, path);
			cli_view_close(v);
			return EXIT_NOTHING;
		}
		if (candidates > 1) {
			cli_err("%s: %d namespaces found; choose one with --namespace N (run 'pmemscan %s')",
				path, candidates, path);
			cli_view_close(v);
			return EXIT_USAGE;
		}
	}
	/* the message names the image: room for all of its name */
	size_t dlen = strlen(v->image->name) + sizeof(err);
	char *derr = malloc(dlen);
	if (!derr) {
		cli_err("out of memory");
		cli_view_close(v);
		return EXIT_USAGE;
	}
	rc = ps_ns_data_view(v->image, &v->an, ns, o->sem, &v->data, derr, dlen);
	if (rc) {
		enum ps_ns_hint h = rc == PS_EINVAL ? PS_NS_HINT_NONE :
				    ps_ns_view_hint(&v->an.ns[ns], o->sem);
		cli_err("%s%s", derr,
			h == PS_NS_HINT_SEMANTICS ? "; choose with --semantics legacy or --semantics fixed" :
			h == PS_NS_HINT_OFFSET ? "; give --offset to read elsewhere" : "");
	}
	free(derr);
	if (rc) {
		cli_view_close(v);
		/* PS_EINVAL: a namespace number that does not exist; otherwise
		 * the analysis could not prove a data start (exit 1, as scan) */
		return rc == PS_EINVAL ? EXIT_USAGE : EXIT_PROBLEMS;
	}
	v->ns = ns;
	const struct ps_ns *n = &v->an.ns[ns];
	/* the candidate the view was built from, to say which reading of
	 * start_pad the data start comes from */
	const char *cname = "data";
	uint64_t off = 0;
	int pick;
	if (!ps_ns_pick(n, o->sem, &pick)) {
		cname = n->cand[pick].name;
		off = n->cand[pick].off;
	}
	int len;
	if (n->mode == PS_NS_SECTOR)
		len = asprintf(&v->what,
			       "namespace %d (sector) at offset %" PRIu64 ", %" PRIu64 " bytes translated through its BTT%s",
			       ns, n->base, v->data->size, o->sem == PS_SEM_AUTO ? " (proven)" : "");
	else
		/* "legacy data start", "fixed data start"; a namespace with one
		 * data start (its candidate is called "data") has just a "data start" */
		len = asprintf(&v->what,
			       "namespace %d (%s), %s%sdata start at offset %" PRIu64 ", %" PRIu64 " bytes%s",
			       ns, ps_ns_mode_name(n->mode), strcmp(cname, "data") ? cname : "",
			       strcmp(cname, "data") ? " " : "", off, v->data->size,
			       o->sem != PS_SEM_AUTO ? " (forced by --semantics)" :
			       n->verdict == PS_V_TRUNCATED ? " (found, but the image ends inside the filesystem: a truncated dump)" :
			       n->verdict == PS_V_AMBIGUOUS ? " (ambiguous; the evidence weighed decides it: see the scan)" :
			       " (proven)");
	if (len < 0) {
		v->what = NULL;
		cli_err("out of memory");
		cli_view_close(v);
		return EXIT_USAGE;
	}
	return view_journal(v, o);
}

void cli_view_close(struct cli_view *v)
{
	ps_src_close(v->data);
	ps_src_close(v->ondisk);
	if (v->analysed)
		ps_analysis_free(&v->an);
	ps_src_close(v->image);
	free(v->what);
	memset(v, 0, sizeof(*v));
}
