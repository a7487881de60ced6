/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pmemscan extract / ls / carve: getting the customer's files out. */
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

struct fs_parse {
	struct args *a;
	const char *cmd;	/* "extract" */
	const char *argv0;	/* "pmemscan extract" */
};

static int fs_option(void *ctx, int c, const char *optarg)
{
	struct fs_parse *p = ctx;
	struct args *a = p->a;
	const char *cmd = p->cmd;
	switch (c) {
	case OPT_FSTYPE:
		if (!strcmp(optarg, "ext") || !strcmp(optarg, "ext4") ||
		    !strcmp(optarg, "ext3") || !strcmp(optarg, "ext2"))
			a->fstype = PS_FS_EXT;
		else if (!strcmp(optarg, "xfs"))
			a->fstype = PS_FS_XFS;
		else if (!strcmp(optarg, "auto"))
			a->fstype = PS_FS_AUTO;
		else {
			cli_err("%s: bad --fs-type '%s' (ext, xfs or auto)", cmd, optarg);
			return EXIT_USAGE;
		}
		break;
	case OPT_PATH: a->path = optarg; break;
	case OPT_VIEW:
		if (!strcmp(optarg, "read"))
			a->view = VIEW_READ;
		else if (!strcmp(optarg, "mmap"))
			a->view = VIEW_MMAP;
		else if (!strcmp(optarg, "auto"))
			a->view = VIEW_AUTO;
		else if (!strcmp(optarg, "merged"))
			a->view = VIEW_MERGED;
		else {
			cli_err("%s: bad --view '%s' (read, mmap, merged or auto)", p->argv0, optarg);
			return EXIT_USAGE;
		}
		break;
	case 'o': a->out = optarg; break;
	case OPT_JSON: a->json = 1; break;
	case OPT_FORCE: a->force = 1; break;
	case OPT_RAWNAMES: a->raw_names = 1; break;
	case 'q': a->quiet = 1; a->vo.quiet = true; break;
	default:
		if (cli_view_option(c, optarg, &a->vo) < 0)
			return EXIT_USAGE;
		break;
	}
	return 0;
}

/* Returns -1 to go on, or an exit code. */
int parse(int argc, char **argv, struct args *a, const struct cli_cmdline *cl,
		 int want_operand)
{
	memset(a, 0, sizeof(*a));
	cli_view_opts_init(&a->vo);
	const char *cmd = cl->cmd;
	struct fs_parse p = { a, cmd, argv[0] };
	int rc = cli_opts_parse(cl, argc, argv, fs_option, &p);
	if (rc >= 0)
		return rc;
	int left = argc - optind;
	if (left < 1 || left > 1 + want_operand) {
		cli_err("%s: %s (see 'pmemscan %s --help')", cmd,
			left < 1 ? "IMAGE missing" : "too many arguments", cmd);
		return EXIT_USAGE;
	}
	a->image = argv[optind];
	if (left == 2)
		a->operand = argv[optind + 1];
	return -1;
}

/* ---- checksums (docs/cli.md "extract") ---- */

/* PS_CSUM_* bit i: in words, and as JSON names it */
static const char *const csum_word[PS_CSUM_KINDS] = {
	"inode", "extent tree block", "directory block", "xattr block",
	"symlink block", "superblock", "group descriptor",
};
const char *const csum_json[PS_CSUM_KINDS] = {
	"inode", "extent", "dir", "xattr", "symlink", "superblock", "group",
};

static void csum_words(unsigned bits, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = 0;
	for (unsigned i = 0; i < PS_CSUM_KINDS && o < len; i++)
		if (bits & (1u << i))
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "",
					      csum_word[i]);
}

/* One line for an entry whose metadata failed its checksum. */
void csum_line(const char *cmd, const char *path, const struct ps_fs_stat *st)
{
	char k[160];
	csum_words(st->csum_bad, k, sizeof(k));
	cli_err("%s: %s: inode %llu: checksum mismatch: %s (the first at byte %llu of the filesystem); read as it is, so its size, content or names may be wrong",
		cmd, path[0] ? path : "/", (unsigned long long)st->ino, k,
		(unsigned long long)st->csum_off);
}

static void extract_csum_cb(void *ctx, const char *path, const struct ps_fs_stat *st)
{
	char p[4200];
	(void)ctx;
	snprintf(p, sizeof(p), "/%s", path);
	csum_line("extract", p, st);
}

/* The filesystem's headers that failed their checksum at open: one line
 * each kind; returns the number of lines (errors). */
uint64_t fs_csum_report(const char *cmd, const char *image, struct ps_fs *fs)
{
	uint64_t ng, off;
	unsigned bits = ps_fs_csum(fs, &ng, &off);
	if (bits & PS_CSUM_SUPER)
		cli_err("%s: %s: the superblock failed its checksum; read as it is",
			cmd, image);
	if (bits & PS_CSUM_GROUP)
		cli_err("%s: %s: %llu %s failed %s checksum (the first at byte %llu of the filesystem); read as %s",
			cmd, image, (unsigned long long)ng,
			ps_fs_get_type(fs) == PS_FS_XFS ?
			(ng == 1 ? "AG (its AGF, AGI or AGFL)" : "AGs (their AGF, AGI or AGFL)") :
			(ng == 1 ? "group descriptor" : "group descriptors"),
			ng == 1 ? "its" : "their", (unsigned long long)off,
			ng == 1 ? "it is" : "they are");
	return !!(bits & PS_CSUM_SUPER) + !!(bits & PS_CSUM_GROUP);
}

/* An XFS whose log needs recovery (or cannot be read) gives the stale
 * on-disk view: one line saying so, before and after the work, and exit 1
 * (docs/journal.md "XFS: the log replayed read-only"). */
void xlog_line(const char *cmd, const struct ps_fs *fs)
{
	const struct ps_xfs_log_info *l = ps_fs_xfs_log(fs);
	if (!render_xlog_problem(l))
		return;
	fprintf(stderr, "pmemscan: %s: ", cmd);
	render_xlog_stale(stderr, l);
	fputc('\n', stderr);
}
#define xlog_warn(cmd) xlog_line(cmd, *fs)

/* What the kernel would say about the journal that the view cannot
 * hide: a mount that fails, blocks left out, fast commits not replayed. */
void journal_warn(const struct ps_journal *j)
{
	if (j->kind == PS_JOURNAL_XFS) {
		if (j->mount_fails)
			cli_err("warning: xfs log: the kernel's recovery stops at log block %" PRIu64 " (record LSN %" PRIu32 ":%" PRIu32 "%s): %s (%s); its mount fails%s",
				j->stop_jblk, (uint32_t)(j->stop_lsn >> 32), (uint32_t)j->stop_lsn,
				j->stop_lsn ? "" : ", no record header there",
				render_journal_stop_name(j->stop), j->stop_field ? j->stop_field : "?",
				j->replayed ? ": the view holds what it replays before that" : "");
		for (uint64_t i = 0; i < j->intents_v_n; i++)
			if (j->intents_v[i].kind == PS_XINT_BUI) {
				char l[512];
				render_xintent_line(&j->intents_v[i], l, sizeof(l));
				cli_err("warning: xfs log: %" PRIu64 " file mapping change(s) (BUI intents) left unfinished in this view (the first: %s)",
					j->intents_bmap, l);
				break;
			}
		if (j->iunlink_left)
			cli_err("warning: xfs log: %" PRIu64 " unlinked inodes the kernel frees at mount were left on their lists (the first: inode %" PRIu64 ", %s): no file reads differ, but xfs_repair -n of a carved image reports them",
				j->iunlink_left, j->iunlink_left_v[0].ino, j->iunlink_left_v[0].why);
		return;
	}
	if (j->from_backup)
		cli_err("warning: journal: the journal inode %" PRIu32 " is damaged (filesystem block %" PRIu64 "): the kernel refuses to mount this filesystem; the view replays the journal the superblock's backup of its map names",
			j->journal_ino, j->jinode_blk);
	if (j->orphan_file_bad)
		cli_err("warning: journal: the orphan file (inode %" PRIu32 ") has a block with a bad magic or checksum at filesystem block %" PRIu64 ": the kernel's mount fails; its orphans are not processed",
			j->orphan_file_ino, j->orphan_file_bad);
	if (j->mount_fails && (j->backup.mount_fails || !j->from_backup) && !j->orphan_file_bad)
		cli_err("warning: journal: the log stops at journal block %" PRIu64 " (transaction %" PRIu32 "): %s; the kernel's mount would fail after replaying what comes before",
			j->stop_jblk, j->stop_seq, render_journal_stop_name(j->stop));
	if (j->bad_data)
		cli_err("warning: journal: %" PRIu64 " block copies with a bad checksum were not replayed", j->bad_data);
	if (j->beyond_fs)
		cli_err("warning: journal: %" PRIu64 " block copies name a block beyond the filesystem (the first at journal block %" PRIu64 "): not replayed",
			j->beyond_fs, j->beyond_fs_jblk);
	if (j->fast_commit)
		cli_err("warning: journal: fast commits follow the log and were NOT replayed: changes made durable only by fsync after the last full commit (new or removed names, sizes, appended extents) are missing");
	if (j->orphans && !j->orphans_done)
		cli_err("warning: journal: %" PRIu32 " inode(s) on the orphan list (%" PRIu32 " unlinked while open, the rest truncated in progress) NOT processed: the kernel frees them at mount; their names are already gone or their sizes final",
			j->orphans, j->orphans_deleted);
}

int open_fs(const struct args *a, struct cli_view *v, struct ps_fs **fs)
{
	char err[PS_ERR_LINE_MAX];
	int rc = cli_view_open(a->image, &a->vo, v);
	if (rc)
		return rc;
	int r = ps_fs_open(v->data, a->fstype, fs, err, sizeof(err));
	if (r) {
		cli_err("%s (%s)", err, v->what);
		cli_view_close(v);
		return r == PS_ENOTFOUND || r == PS_EFORMAT ? EXIT_NOTHING : EXIT_USAGE;
	}
	if (!a->quiet)
		fprintf(stderr, "pmemscan: reading %s (%s)\n", v->what,
			ps_fs_type_name(ps_fs_get_type(*fs)));
	char jl[512];
	render_journal_line(&v->journal, jl, sizeof(jl));
	if (jl[0] && !a->quiet)
		fprintf(stderr, "pmemscan: %s\n", jl);
	journal_warn(&v->journal);
	/* the recovered view has RECOVER clear: libext2fs's warning is only
	 * for the on-disk view, which the journal line already explains */
	if (ps_fs_warning(*fs) && !v->journal.needs_recovery)
		cli_err("warning: %s", ps_fs_warning(*fs));
	xlog_warn("warning");
	return EXIT_OK;
}

/* ---- views of a split file (docs/start_pad.md "Files with two contents: the split check") ---- */

/* the name a mixed file's read view gets under --view auto (docs/cli.md):
 * its merged view has its name */
#define READ_VIEW_SUFFIX ".read-view"

/* The view for this run: the split check when it applies to the data
 * chosen; one line and an exit code when --view asks for what is not
 * there. Returns -1 to go on. */
int xview_setup(const struct args *a, struct cli_view *v, struct xview *x)
{
	memset(x, 0, sizeof(*x));
	x->src.image = v->image;
	if (a->view == VIEW_READ) {
		x->mode = VIEW_READ;
		x->why = "--view read";
		return -1;
	}
	if (!v->analysed ||
	    !ps_split_source_open(&x->src, v->image, &v->an, v->ns, a->vo.sem)) {
		if (a->view == VIEW_MMAP || a->view == VIEW_MERGED) {
			cli_err("%s: --view %s: the data chosen is not a filesystem at the legacy data start of an fsdax namespace with start_pad != 0, so no file has a separate %s view (" PS_DOC("start_pad.md") ", \"Files with two contents\")",
				a->image, a->view == VIEW_MMAP ? "mmap" : "merged",
				a->view == VIEW_MMAP ? "mmap" : "merged");
			return EXIT_USAGE;
		}
		x->mode = VIEW_READ;
		x->why = a->view == VIEW_AUTO ? "--view auto: no start_pad split here" :
			 "default: no start_pad split here";
		return -1;
	}
	x->split = x->src.split;
	if (!x->split || !x->split->blocksize) {
		cli_err("%s: namespace %d: split check failed: %s", a->image, v->ns,
			x->split && x->split->err[0] ? x->split->err : "out of memory");
		return EXIT_USAGE;
	}
	if (a->view == VIEW_MMAP) {
		x->mode = VIEW_MMAP;
		x->why = "--view mmap";
	} else if (a->view == VIEW_MERGED) {
		x->mode = VIEW_MERGED;
		x->why = "--view merged";
	} else if (a->view == VIEW_AUTO) {
		x->mode = VIEW_AUTO;
		x->why = "--view auto";
	} else if (ps_split_mapped(x->split)) {
		x->mode = VIEW_AUTO;
		x->why = "default: the split check found mmap-written files";
	} else {
		x->mode = VIEW_READ;
		x->why = "default: the split check found no mmap-written file";
	}
	x->src.mode = x->mode == VIEW_MMAP ? PS_VIEWS_MMAP : x->mode == VIEW_MERGED ? PS_VIEWS_MERGED :
		      x->mode == VIEW_AUTO ? PS_VIEWS_AUTO : PS_VIEWS_READ;
	return -1;
}

void xview_free(struct xview *x)
{
	for (size_t i = 0; i < x->n; i++) {
		free(x->paths[i]);
		free(x->mpaths[i]);
	}
	free(x->paths);
	free(x->mpaths);
	free(x->views);
	free(x->amb);
	ps_split_source_close(&x->src);
}

unsigned xview_of(const struct xview *x, const struct ps_fs_stat *st,
			 const struct ps_split_file **f)
{
	return ps_split_source_views(&x->src, st, f);
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

int xv_read(void *ctx, struct ps_fs *fs, const struct ps_fs_stat *st,
		   unsigned v, ps_fs_data_cb cb, void *cbctx)
{
	const struct xview *x = ctx;
	return ps_split_source_read(&x->src, fs, st, v, cb, cbctx);
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

const char *view_name(unsigned views)
{
	switch (views) {
	case PS_VIEW_READ: return "read";
	case PS_VIEW_MMAP: return "mmap";
	case PS_VIEW_MERGED: return "merged";
	default: return "merged+read";
	}
}

const char *mode_name(enum view_mode m)
{
	return m == VIEW_MMAP ? "mmap" : m == VIEW_AUTO ? "auto" : m == VIEW_MERGED ? "merged" : "read";
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
		cli_err("%s", err);
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
