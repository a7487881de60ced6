/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pmemscan extract: getting the customer's files out (fs_cli.c has what
 * it shares with ls, carve and cat). */
#include "docdir.h"
#include "cli.h"
#include "fs_cli.h"
#include "carve.h"
#include "err.h"
#include "extract.h"
#include "pmdk.h"
#include "extract_total.h"
#include "render.h"
#include "fs.h"
#include "imgsrc.h"
#include "interrupt.h"
#include "progress.h"
#include "render.h"
#include "split_cli.h"
#include "split_ns.h"
#include "util.h"
#include "outfile.h"
#include "view.h"
#include <errno.h>
#include <getopt.h>	/* optind */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

/* the name a mixed file's read view gets under --view auto (docs/cli.md):
 * its merged view has its name */
#define READ_VIEW_SUFFIX ".read-view"

static void extract_csum_cb(void *ctx, const char *path, const struct ps_fs_stat *st)
{
	(void)ctx;
	char *p = NULL;
	if (asprintf(&p, "/%s", path) < 0)	/* whole: no depth cuts it */
		p = NULL;
	csum_line("extract", p ? p : path, st);
	free(p);
}

static unsigned xv_versions(void *ctx, const char *path, const struct ps_fs_stat *st,
			    const char *suffix[2])
{
	struct xview *x = ctx;
	const struct ps_split_file *f;
	unsigned views = xview_of(x, st, &f);
	if (views == PS_VIEW_READ) {
		x->nread++;
		return 1;
	}
	char **p = realloc(x->paths, (x->n + 1) * sizeof(*p));
	if (p)
		x->paths = p;
	char **mp = p ? realloc(x->mpaths, (x->n + 1) * sizeof(*mp)) : NULL;
	if (mp)
		x->mpaths = mp;
	unsigned *vv = mp ? realloc(x->views, (x->n + 1) * sizeof(*vv)) : NULL;
	if (vv)
		x->views = vv;
	uint64_t *am = vv ? realloc(x->amb, (x->n + 1) * sizeof(*am)) : NULL;
	if (am) {
		x->amb = am;
		am[x->n] = f && (views & PS_VIEW_MERGED) ? f->ambiguous : 0;
		x->paths[x->n] = strdup(path);
		x->mpaths[x->n] = NULL;
		if (x->paths[x->n])
			x->views[x->n++] = views;
	}
	if (views == (PS_VIEW_MERGED | PS_VIEW_READ)) {
		suffix[1] = READ_VIEW_SUFFIX;
		return 2;
	}
	return 1;
}

/* the name the read view of the file last given to xv_versions got */
static void xv_placed(void *ctx, unsigned v, const char *path)
{
	struct xview *x = ctx;
	if (v != 1 || !x->n || x->mpaths[x->n - 1])
		return;
	x->mpaths[x->n - 1] = strdup(path);
}

/* how many times extract writes this file: twice for a mixed file under
 * --view auto (the merged view and the read view) */
static unsigned xv_count(void *ctx, const struct ps_fs_stat *st)
{
	const struct ps_split_file *f;
	return xview_of(ctx, st, &f) == (PS_VIEW_MERGED | PS_VIEW_READ) ? 2 : 1;
}

/* ---- extract ---- */

static void extract_progress(void *ctx, uint64_t bytes, uint64_t files)
{
	ps_progress_update(ctx, bytes, files);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	while (s && !s[1] && s > p) {	/* trailing slash */
		const char *t = s - 1;
		while (t > p && *t != '/')
			t--;
		return *t == '/' ? t + 1 : t;
	}
	return s ? s + 1 : p;
}

static const struct cli_option extract_opts[] = {
	{ "output", 'o', "OUT", 'o', CLI_COMP_FILE, NULL,
	  "  -o, --output OUT  a directory (created, or an existing empty one), or an\n"
	  "                    archive by its suffix: .tar .tar.gz .tgz .tar.zst .tar.xz .zip;\n"
	  "                    '-': the one file --path names, to standard output\n" },
	{ "path", 0, "PATH", OPT_PATH, CLI_COMP_VALUE, NULL,
	  "  --path /sub/dir   only this directory (or file) of the filesystem\n" },
	FS_OPTS_NSDATA,
	CLI_OPTS_JOURNAL,
	FS_OPTS_VIEWMODE,
	FS_OPTS_FSTYPE,
	{ "force", 0, NULL, OPT_FORCE, CLI_COMP_NONE, NULL,
	  "  --force           replace an existing archive OUT; extract into a non-empty\n"
	  "                    directory (nothing there is overwritten, followed or removed)\n" },
	{ "raw-names", 0, NULL, OPT_RAWNAMES, CLI_COMP_NONE, NULL,
	  "  --raw-names       keep control bytes in names (only '/', '.', '..', empty\n"
	  "                    and over-long names are still mapped)\n" },
	{ "quiet", 'q', NULL, 'q', CLI_COMP_NONE, NULL,
	  "  -q, --quiet       no progress bar and no notices on stderr\n" },
	CLI_OPTS_CACHE,
	CLI_OPT_END,
};

static const struct cli_cmdline extract_cl = {
	"extract",
	"pmemscan extract IMAGE -o OUT [--path /sub/dir] [--namespace N] [--semantics legacy|fixed|auto] [--offset N [--size M]] [--journal replay|ignore|backup] "
	"[--fs-type ext|xfs|auto] [--view read|mmap|merged|auto] [--force] [--raw-names] [--quiet] [--cache | --cache-dir DIR]\n"
	"  Copies the files of the ext2/3/4 or XFS filesystem in a namespace's data\n"
	"  to OUT, never writing outside it (man pmemscan-extract).\n",
	extract_opts,
	"  Ctrl-C (SIGINT), SIGTERM, SIGHUP stop cleanly (the partial file removed,\n"
	"  an archive left as OUT.partial), exit 128 + signal (130 for Ctrl-C).\n"
	"Exit: 0 done, 1 some entries not extracted or read from metadata that failed\n"
	"its checksum (or the data start not proven),\n"
	"2 no namespace or filesystem, 3 usage or I/O error.\n",
};

int cmd_extract(int argc, char **argv)
{
	struct args a;
	int rc = parse(argc, argv, &a, &extract_cl, 0);
	if (rc >= 0)
		return rc;
	if (!a.out) {
		cli_err("extract: -o OUT is required (see 'pmemscan extract --help')");
		return EXIT_USAGE;
	}
	/* -o -: one file to standard output, never a directory named "-" */
	if (!strcmp(a.out, "-")) {
		if (!a.path) {
			cli_err("extract: -o - writes one file to standard output: give its --path (or use 'pmemscan cat IMAGE PATH')");
			return EXIT_USAGE;
		}
		return cat_file("extract", &a, a.path, NULL);
	}
	struct cli_view v;
	struct ps_fs *fs;
	struct cli_watch watch;
	cli_watch_start(&watch, a.image);
	ps_intr_enter();	/* also covers the cache fill of a compressed dump */
	rc = open_fs(&a, &v, &fs);
	if (rc)
		return rc;
	cli_watch_test_pause();
	uint64_t ino = ps_fs_root(fs);
	if (a.path && ps_fs_lookup(fs, a.path, &ino)) {
		cli_err("%s: --path %s: %s", a.image, a.path, ps_fs_error(fs));
		ps_fs_close(fs);
		cli_view_close(&v);
		return EXIT_USAGE;
	}
	struct xview xv;
	rc = xview_setup(&a, &v, &xv);
	if (rc >= 0) {
		xview_free(&xv);
		ps_fs_close(fs);
		cli_view_close(&v);
		return rc;
	}
	struct ps_extract_source xsrc = { xv_versions, xv_read, xv_placed, &xv };
	char err[PS_ERR_LINE_MAX];
	struct ps_writer *w;
	int r = ps_writer_open(a.out, a.force, &w, err, sizeof(err));
	if (r) {
		/* the three the user settles with --force */
		cli_err("%s%s", err,
			r == PS_EEXIST && ps_archive_kind(a.out) ? " (use --force to replace it)" :
			r == PS_EPARTIAL ? " or use --force" :
			r == PS_ENOTEMPTY ? " (--force extracts into it: directories there are "
					    "entered, nothing there is overwritten, followed or removed)" : "");
		xview_free(&xv);
		ps_fs_close(fs);
		cli_view_close(&v);
		return EXIT_USAGE;
	}
	/* the bar's total: the data of the files it will write (not the
	 * filesystem's used bytes, which count metadata and the journal) */
	struct cli_extract_total_opts to = {
		.hardlinks = w->ops->hardlink != NULL, .quiet = a.quiet,
		.versions = xv.mode == VIEW_READ ? NULL : xv_count, .ctx = &xv,
	};
	struct cli_extract_total tot;
	cli_extract_total(fs, ino, &to, &tot);
	struct ps_progress pg;
	ps_progress_init(&pg, "extract", tot.bytes, a.quiet);
	struct ps_extract_opts o = {
		.log = cli_progress_log(), .prog = "pmemscan: extract",
		.progress = extract_progress, .progress_ctx = &pg,
		.source = xv.mode == VIEW_READ ? NULL : &xsrc,
		.raw_names = a.raw_names,
		.csum_bad = extract_csum_cb,
	};
	uint64_t fscsum = fs_csum_report("extract", a.image, fs);
	struct ps_extract_stats s;
	double t0 = ps_now();
	r = ps_extract(fs, ino, a.path ? base_name(a.path) : NULL, w, &o, &s);
	double dt = ps_now() - t0;
	s.errors += fscsum;
	if (!r)		/* a file not read completely: end at what was copied */
		ps_progress_finish(&pg, s.bytes);
	else
		ps_progress_end(&pg);
	/* the image still being written (docs/cli.md "scan") */
	char changed[512];
	bool chg = cli_watch_changed_for(&watch, "the files written are what was read while it changed",
					 changed, sizeof(changed));
	if (chg)
		cli_err("warning: %s: %s", a.image, changed);
	char hb[32], kept[160] = "", stop[64] = "";
	if (s.existing || s.rewritten)
		snprintf(kept, sizeof(kept), ", %llu already there (kept: the image's size and content), %llu rewritten (what was there differed)",
			 (unsigned long long)s.existing, (unsigned long long)s.rewritten);
	if (s.interrupted)
		snprintf(stop, sizeof(stop), " (INCOMPLETE: interrupted by %s)",
			 ps_intr_name(s.interrupted));
	else if (r)
		snprintf(stop, sizeof(stop), " (INCOMPLETE: stopped by a fatal error)");
	fprintf(stderr, "pmemscan: extract: %s%llu files, %llu directories, %llu symlinks, "
		"%llu hard links, %llu special; %s in %.2f s; %llu errors, %llu warnings, "
		"%llu renamed%s -> %s%s%s\n", s.interrupted ? "interrupted: so far " : "",
		(unsigned long long)s.files, (unsigned long long)s.dirs,
		(unsigned long long)s.symlinks, (unsigned long long)s.hardlinks,
		(unsigned long long)s.specials, ps_human_fmt(s.bytes, PS_HUMAN_TENTHS, hb, sizeof(hb)), dt,
		(unsigned long long)s.errors, (unsigned long long)s.warnings,
		(unsigned long long)s.renamed, kept, a.out, stop,
		chg ? " (the image changed while it was read: see the warning)" : "");
	if (s.dropped)
		fprintf(stderr, "pmemscan: extract: %llu entr%s not extracted: the output cannot hold %s (each named above; counted in the errors)\n",
			(unsigned long long)s.dropped, s.dropped == 1 ? "y" : "ies",
			s.dropped == 1 ? "it" : "them");
	if (s.csum)
		fprintf(stderr, "pmemscan: extract: %llu files came from metadata that failed its checksum (written as read: see the lines above)\n",
			(unsigned long long)s.csum);
	if (!r && geteuid() != 0 && !ps_archive_kind(a.out))
		fprintf(stderr, "pmemscan: extract: not running as root: owners and device nodes not restored\n");
	/* which view each file got (docs/start_pad.md "Files with two contents: the split check") */
	fprintf(stderr, "pmemscan: extract: view %s (%s)", mode_name(xv.mode), xv.why);
	if (xv.split)
		fprintf(stderr, "; split check: %" PRIu64 " write, %" PRIu64 " mmap, %" PRIu64 " mixed, %" PRIu64 " unknown",
			xv.split->count[PS_SPLIT_WRITE], xv.split->count[PS_SPLIT_MMAP],
			xv.split->count[PS_SPLIT_MIXED], xv.split->count[PS_SPLIT_UNKNOWN]);
	fputc('\n', stderr);
	for (size_t i = 0; i < xv.n; i++) {
		int both = xv.views[i] == (PS_VIEW_MERGED | PS_VIEW_READ);
		/* the name the walker gave the read view; when it did not get
		 * that far (a fatal stop), the name it would have had */
		fprintf(stderr, "pmemscan: extract: view %s: /%s%s%s%s%s\n", view_name(xv.views[i]),
			xv.paths[i], both ? " (merged view; read view as /" : "",
			!both ? "" : xv.mpaths[i] ? xv.mpaths[i] : xv.paths[i],
			both && !xv.mpaths[i] ? READ_VIEW_SUFFIX : "", both ? ")" : "");
		/* the blocks the merged view could not tell (kept from L) */
		if (xv.amb[i])
			fprintf(stderr, "pmemscan: extract: view merged: /%s: %" PRIu64 " block(s) of ambiguous provenance kept from L (the scan's split section lists them)\n",
				xv.paths[i], xv.amb[i]);
	}
	if (xv.mode != VIEW_READ)
		fprintf(stderr, "pmemscan: extract: view read: the other %" PRIu64 " file(s)\n", xv.nread);
	/* never an exit 0 for an XFS view that is stale, nor for an XFS that
	 * gave nothing at all (docs/journal.md "XFS: the log replayed read-only": a dirty log once gave just that) */
	bool stale = render_xlog_problem(ps_fs_xfs_log(fs));
	xlog_line("extract", fs);
	bool empty = !r && !s.interrupted && ps_fs_get_type(fs) == PS_FS_XFS &&
		     !s.files && !s.dirs && !s.symlinks && !s.specials && !s.hardlinks &&
		     !s.existing;
	if (empty)
		fprintf(stderr, "pmemscan: extract: nothing came out of this XFS filesystem: its root directory is empty as read%s\n",
			stale ? " (the stale view: its entries may be only in the log)" : "");
	{
		char jl[512];
		render_journal_line(&v.journal, jl, sizeof(jl));
		if (jl[0])
			fprintf(stderr, "pmemscan: extract: %s\n", jl);
	}
	bool jprob = render_journal_problem(&v.journal);
	xview_free(&xv);
	ps_writer_free(w);
	ps_fs_close(fs);
	size_t damaged = cli_report_damage(a.image, v.image);
	cli_view_close(&v);
	if (r)
		return EXIT_USAGE;
	return s.errors || stale || empty || damaged || jprob ? EXIT_PROBLEMS : EXIT_OK;
}
