/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pmemscan carve IMAGE -o FS.img: a namespace's data (BTT-translated in
 * sector mode) as an image file to mount or fsck.
 */
#include "carve.h"
#include "cli.h"
#include "err.h"
#include "fs_cli.h"
#include "interrupt.h"
#include "progress.h"
#include "render.h"
#include "util.h"
#include "view.h"
#include "xfs_log.h"
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

/* ---- carve ---- */

static void carve_progress(void *ctx, uint64_t done)
{
	ps_progress_update(ctx, done, 0);
}

static const struct cli_option carve_opts[] = {
	{ "output", 'o', "FS.img", 'o', CLI_COMP_FILE, NULL,
	  "  -o, --output FS.img  the image file to write (through FS.img.partial)\n" },
	FS_OPTS_NSDATA,
	CLI_OPTS_JOURNAL,
	{ "force", 0, NULL, OPT_FORCE, CLI_COMP_NONE, NULL,
	  "  --force           replace an existing FS.img\n" },
	{ "quiet", 'q', NULL, 'q', CLI_COMP_NONE, NULL,
	  "  -q, --quiet       no progress bar and no notices on stderr\n" },
	CLI_OPTS_CACHE,
	CLI_OPT_END,
};

static const struct cli_cmdline carve_cl = {
	"carve",
	"pmemscan carve IMAGE -o FS.img [--namespace N] [--semantics legacy|fixed|auto] [--offset N [--size M]] [--journal replay|ignore|backup] [--force] [--quiet] [--cache | --cache-dir DIR]\n"
	"  Writes a namespace's data (BTT-translated in sector mode) as an image file\n"
	"  to mount or fsck; zero blocks stay holes (man pmemscan-carve).\n",
	carve_opts,
	"Exit: 0 written, 1 the data start not proven or EWF chunks unreadable,\n"
	"2 no namespace, 3 usage or I/O error.\n",
};

int cmd_carve(int argc, char **argv)
{
	struct args a;
	int rc = parse(argc, argv, &a, &carve_cl, 0);
	if (rc >= 0)
		return rc;
	if (!a.out) {
		cli_err("carve: -o FS.img is required (see 'pmemscan carve --help')");
		return EXIT_USAGE;
	}
	struct cli_view v;
	struct cli_watch watch;
	cli_watch_start(&watch, a.image);
	ps_intr_enter();	/* Ctrl-C: FS.img.partial removed, exit 130 */
	rc = cli_view_open(a.image, &a.vo, &v);
	if (rc)
		return rc;
	cli_watch_test_pause();
	struct ps_src *view = v.data;
	char jl[512];
	render_journal_line(&v.journal, jl, sizeof(jl));
	journal_warn(&v.journal);
	/* the carved image is not the filesystem the kernel's mount leaves
	 * (the library's predicate): partly done. For unfinished space
	 * intents and a stale rmap btree, no file reads differ but
	 * xfs_repair -n of the carved image reports them: said here */
	bool jprob = ps_journal_image_unfinished(&v.journal);
	const struct ps_journal *xj = &v.journal;
	uint64_t xspace = ps_journal_xfs_space_left(xj);
	if (xspace || ps_journal_xfs_rmap_stale(xj)) {
		cli_err("warning: xfs log: the carved image is not the filesystem the kernel's mount leaves: %" PRIu64 " intent(s) left unfinished (%" PRIu64 " EFI, %" PRIu64 " RUI, %" PRIu64 " CUI, %" PRIu64 " other)%s; no file reads differ, but xfs_repair -n reports the space they name",
			xspace, xj->intents_efi, xj->intents_rmap, xj->intents_refc, xj->intents_other,
			xj->intents_rmap_followup ? " and the rmap updates of the BUIs finished here" : "");
	}
	/* BUIs whose on-disk bmbt change needs a block the kernel's allocator
	 * picks: the files read as the kernel shows them, the image is not */
	if (ps_journal_xfs_map_view_only(xj)) {
		char l[512];
		render_xintent_line(&xj->intents_view_v[0], l, sizeof(l));
		cli_err("warning: xfs log: the carved image is not the kernel's: %" PRIu64 " file mapping change(s) (BUI) done in the read view only (the first: %s); its files read as the kernel shows them, its block map of them does not",
			xj->intents_view_only, l);
	}
	struct ps_progress pg;
	ps_progress_init(&pg, "carve", view->size, a.quiet);
	struct ps_carve_stats cs;
	char err[PS_ERR_LINE_MAX], h1[32], h2[32];
	struct ps_xfs_log_info xl;
	if (ps_xfs_log_probe(view, &xl) == PS_ENOMEM)
		xl.state = PS_XLOG_UNKNOWN;
	int r = ps_carve(view, a.out, a.force, carve_progress, &pg, &cs, err, sizeof(err));
	if (!r)		/* (a hole at the end is done without a callback) */
		ps_progress_finish(&pg, view->size);
	else
		ps_progress_end(&pg);
	size_t damaged = cli_report_damage(a.image, v.image);
	/* the BTT's sector: unreadable bytes counted in its blocks */
	uint32_t sector = v.analysed && v.ns >= 0 && (size_t)v.ns < v.an.nns &&
			  v.an.ns[v.ns].mode == PS_NS_SECTOR ? v.an.ns[v.ns].btt_sector : 0;
	bool jreplayed = v.journal.replayed;
	cli_view_close(&v);
	char changed[512];
	if (cli_watch_changed_for(&watch, r ? "what was read changed while it was read" :
				  "the image written is what was read while it changed",
				  changed, sizeof(changed)))
		cli_err("warning: %s: %s", a.image, changed);
	if (r) {
		/* the two the user settles with --force */
		cli_err("%s%s", err, r == PS_EEXIST ? " (use --force to overwrite it)" :
			r == PS_EPARTIAL ? " or use --force" : "");
		ps_carve_stats_free(&cs);
		return EXIT_USAGE;
	}
	if (!a.quiet)
		fprintf(stderr, "pmemscan: carve: %s written to %s (%s of data, the rest holes)\n",
			ps_human_fmt(cs.size, PS_HUMAN_TENTHS, h1, sizeof(h1)), a.out,
			ps_human_fmt(cs.data, PS_HUMAN_TENTHS, h2, sizeof(h2)));
	if (jl[0] && !a.quiet)
		fprintf(stderr, "pmemscan: carve: %s%s\n", jl,
			jreplayed ? " (the image written is that view: the kernel mounts it without recovery)" : "");
	/* the image is exact, log included: mounting it replays the log */
	if (xl.state == PS_XLOG_DIRTY)
		fprintf(stderr, "pmemscan: carve: note: its XFS log needs recovery (%" PRIu64 " committed transactions): mounting %s replays the log (even with -o ro, unless -o norecovery), so mount a copy to see the recovered files\n",
			xl.trans, a.out);
	if (cs.bad_bytes) {
		/* partly done: the image is kept, the blocks named (even
		 * with --quiet: the exit status alone would not say which) */
		uint64_t nb = sector && cs.bad_bytes % sector == 0 ? cs.bad_bytes / sector : cs.bad_runs;
		cli_err("carve: %s: %llu block%s unreadable (%s), written as zeros; the first: %s",
			a.out, (unsigned long long)nb, nb == 1 ? "" : "s",
			ps_human_fmt(cs.bad_bytes, PS_HUMAN_TENTHS, h1, sizeof(h1)),
			cs.bad_first ? cs.bad_first : "out of memory");
	}
	ps_carve_stats_free(&cs);
	return cs.bad_bytes || damaged || jprob ? EXIT_PROBLEMS : EXIT_OK;
}
