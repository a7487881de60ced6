/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pmemscan extract / ls / carve: getting the customer's files out. */
#include "docdir.h"
#include "cli.h"
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
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

enum { OPT_FSTYPE = CLI_OPT_CMD, OPT_PATH, OPT_JSON, OPT_FORCE, OPT_QUIET, OPT_VIEW, OPT_RAWNAMES };

static const struct option common_opts[] = {
	CLI_VIEW_LONGOPTS,
	CLI_JOURNAL_LONGOPTS,
	{ "fs-type", required_argument, NULL, OPT_FSTYPE },
	{ "path", required_argument, NULL, OPT_PATH },
	{ "output", required_argument, NULL, 'o' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "view", required_argument, NULL, OPT_VIEW },
	{ "raw-names", no_argument, NULL, OPT_RAWNAMES },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* --view (issue 16): which content of a file split by a legacy start_pad
 * namespace under DAX; VIEW_DEFAULT: auto when the split check finds
 * mmap-written files, else read. */
enum view_mode { VIEW_DEFAULT = 0, VIEW_READ, VIEW_MMAP, VIEW_AUTO, VIEW_MERGED };

struct args {
	struct cli_view_opts vo;
	enum view_mode view;
	enum ps_fs_type fstype;
	const char *path, *out, *image, *operand;
	int json, force, quiet, raw_names;
};

/* --help text of the options above that extract, ls and carve share: which
 * namespace's data (NSDATA_HELP), which content of a split file (VIEWMODE_HELP) */
#define NSDATA_HELP \
	"  --namespace N     the namespace numbered N in 'pmemscan IMAGE' (default: the\n" \
	"                    only one found)\n" \
	"  --semantics S     where a pfn/dax namespace's data starts: legacy (base +\n" \
	"                    start_pad + dataoff), fixed (base + dataoff), or auto\n" \
	"                    (default: the one the scan proves)\n" \
	"  --offset N        no scan: the data starts N bytes into IMAGE (read as is,\n" \
	"                    no BTT translation); not with --namespace or --semantics\n" \
	"  --size M          with --offset: the data is M bytes long (default: to the end)\n"
#define VIEWMODE_HELP \
	"  --view V          read, mmap, merged or auto: on a legacy start_pad namespace\n" \
	"                    mounted with -o dax a file can have two contents\n" \
	"                    (" PS_DOC("start_pad.md") "): read = what read() returned,\n" \
	"                    mmap = what a mapping showed, merged = each block from\n" \
	"                    where its provenance says (the file as its writer last\n" \
	"                    saw it), auto = merged for mmap-written and mixed files\n" \
	"                    (a mixed file's read view too, as NAME.read-view), read\n" \
	"                    for others\n" \
	"                    (default: auto where mmap-written files are found, else read)\n"
#define FSTYPE_HELP \
	"  --fs-type T       ext, xfs, or auto (default: whichever the data holds)\n"

/* Returns -1 to go on, or an exit code. */
static int parse(int argc, char **argv, struct args *a, const char *usage,
		 int want_operand)
{
	memset(a, 0, sizeof(*a));
	cli_view_opts_init(&a->vo);
	/* argv[0] is "pmemscan extract" (for getopt's messages): the word */
	const char *cmd = strrchr(argv[0], ' ') ? strrchr(argv[0], ' ') + 1 : argv[0];
	optind = 1;
	opterr = 0;
	int c, li;
	while ((li = -1, c = getopt_long(argc, argv, "o:qh", common_opts, &li)) != -1) {
		/* extract, ls and carve share one option table: an option is
		 * taken only by the commands whose --help names it */
		if (c != '?' && c != ':' && c != 'h') {
			char opt[40];
			snprintf(opt, sizeof(opt), "--%s", li >= 0 ? common_opts[li].name :
				 c == 'o' ? "output" : "quiet");
			if (!strstr(usage, opt)) {
				cli_err("%s: unknown option or missing value '%s' (see 'pmemscan %s --help')",
					cmd, opt, cmd);
				return EXIT_USAGE;
			}
		}
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
				cli_err("%s: bad --view '%s' (read, mmap, merged or auto)", argv[0], optarg);
				return EXIT_USAGE;
			}
			break;
		case 'o': a->out = optarg; break;
		case OPT_JSON: a->json = 1; break;
		case OPT_FORCE: a->force = 1; break;
		case OPT_RAWNAMES: a->raw_names = 1; break;
		case 'q': case OPT_QUIET: a->quiet = 1; a->vo.quiet = true; break;
		case 'h':
			printf("usage: %s\n", usage);
			return EXIT_OK;
		default:
			switch (cli_view_option(c, optarg, &a->vo)) {
			case 1: continue;
			case -1: return EXIT_USAGE;
			default: break;
			}
			return cli_bad_option(cmd, argv);
		}
	}
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

/* ---- checksums (issue 21 item 7) ---- */

/* PS_CSUM_* bit i: in words, and as JSON names it */
static const char *const csum_word[PS_CSUM_KINDS] = {
	"inode", "extent tree block", "directory block", "xattr block",
	"symlink block", "superblock", "group descriptor",
};
static const char *const csum_json[PS_CSUM_KINDS] = {
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
static void csum_line(const char *cmd, const char *path, const struct ps_fs_stat *st)
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
static uint64_t fs_csum_report(const char *cmd, const char *image, struct ps_fs *fs)
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
 * (issue 22). */
static void xlog_line(const char *cmd, const struct ps_fs *fs)
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
static void journal_warn(const struct ps_journal *j)
{
	if (j->kind == PS_JOURNAL_XFS) {
		if (j->mount_fails)
			cli_err("warning: xfs log: the kernel's recovery stops at log block %" PRIu64 " (record LSN %" PRIu32 ":%" PRIu32 "%s): %s (%s); its mount fails%s",
				j->stop_jblk, (uint32_t)(j->stop_lsn >> 32), (uint32_t)j->stop_lsn,
				j->stop_lsn ? "" : ", no record header there",
				render_journal_stop_name(j->stop), j->stop_field ? j->stop_field : "?",
				j->replayed ? ": the view holds what it replays before that" : "");
		if (j->intents_bmap)
			cli_err("warning: xfs log: %" PRIu64 " file mapping change(s) (BUI intents) left unfinished: the kernel finishes them after recovery, this view does not; a reflinked or remapped file may differ from what the kernel shows",
				j->intents_bmap);
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

static int open_fs(const struct args *a, struct cli_view *v, struct ps_fs **fs)
{
	char err[512];
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

/* ---- views of a split file (issue 16) ---- */

/* the name a mixed file's read view gets under --view auto (docs/cli.md):
 * its merged view has its name */
#define READ_VIEW_SUFFIX ".read-view"

struct xview {
	enum view_mode mode;	/* READ, MMAP or AUTO once chosen */
	const char *why;	/* why this view */
	struct ps_split_source src;	/* the split-aware data source */
	struct ps_split *split;	/* src.split: the check, when it ran */
	/* the files not given in the read view alone, for the summary, and
	 * where a mixed file's read view went (NAME.read-view, or
	 * NAME.read-view~N where the image has that name) */
	char **paths, **mpaths;
	unsigned *views;
	uint64_t *amb;		/* their blocks of ambiguous provenance */
	size_t n;
	uint64_t nread;		/* files given in the read view only */
};

/* The view for this run: the split check when it applies to the data
 * chosen; one line and an exit code when --view asks for what is not
 * there. Returns -1 to go on. */
static int xview_setup(const struct args *a, struct cli_view *v, struct xview *x)
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

static void xview_free(struct xview *x)
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

static unsigned xview_of(const struct xview *x, const struct ps_fs_stat *st,
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

static int xv_read(void *ctx, struct ps_fs *fs, const struct ps_fs_stat *st,
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

static const char *view_name(unsigned views)
{
	switch (views) {
	case PS_VIEW_READ: return "read";
	case PS_VIEW_MMAP: return "mmap";
	case PS_VIEW_MERGED: return "merged";
	default: return "merged+read";
	}
}

static const char *mode_name(enum view_mode m)
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

static int cat_file(const char *cmd, const struct args *a, const char *fspath, const char *out);

int cmd_extract(int argc, char **argv)
{
	static const char usage[] =
		"pmemscan extract IMAGE -o OUT [--path /sub/dir] [--namespace N] [--semantics legacy|fixed|auto] [--offset N [--size M]] [--journal replay|ignore|backup] "
		"[--fs-type ext|xfs|auto] [--view read|mmap|merged|auto] [--force] [--raw-names] [--quiet] [--cache | --cache-dir DIR]\n"
		"  Copies the files of the ext2/3/4 or XFS filesystem in a namespace's data\n"
		"  to OUT, never writing outside it (man pmemscan-extract).\n"
		"  -o, --output OUT  a directory (created, or an existing empty one), or an\n"
		"                    archive by its suffix: .tar .tar.gz .tgz .tar.zst .tar.xz .zip;\n"
		"                    '-': the one file --path names, to standard output\n"
		"  --path /sub/dir   only this directory (or file) of the filesystem\n"
		NSDATA_HELP CLI_JOURNAL_HELP VIEWMODE_HELP FSTYPE_HELP
		"  --force           replace an existing archive OUT; extract into a non-empty\n"
		"                    directory (nothing there is overwritten, followed or removed)\n"
		"  --raw-names       keep control bytes in names (only '/', '.', '..', empty\n"
		"                    and over-long names are still mapped)\n"
		"  -q, --quiet       no progress bar and no notices on stderr\n"
		CLI_CACHE_USAGE
		"  Ctrl-C (SIGINT), SIGTERM, SIGHUP stop cleanly (the partial file removed,\n"
		"  an archive left as OUT.partial), exit 128 + signal (130 for Ctrl-C).\n"
		"Exit: 0 done, 1 some entries not extracted or read from metadata that failed\n"
		"its checksum (or the data start not proven),\n"
		"2 no namespace or filesystem, 3 usage or I/O error.";
	struct args a;
	int rc = parse(argc, argv, &a, usage, 0);
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
	char err[512];
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
	/* the image still being written (issue 15 item 8) */
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
	/* which view each file got (issue 16) */
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
	 * gave nothing at all (issue 22: a dirty log once gave just that) */
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

/* ---- one file to standard output: cat IMAGE PATH, extract -o - ---- */

struct catw {
	int fd;
	int seekable;		/* OUT (holes left as holes), not a pipe */
	uint64_t pos;		/* bytes of the file written (holes included) */
	uint64_t size;
	int werr;		/* errno of a failed write, or 0 */
};

static int cat_zeros(struct catw *c, uint64_t to)
{
	static const uint8_t z[65536];
	if (c->seekable) {
		c->pos = to;
		return 0;
	}
	while (c->pos < to) {
		size_t n = to - c->pos < sizeof(z) ? (size_t)(to - c->pos) : sizeof(z);
		if (ps_write_all(c->fd, z, n)) {
			c->werr = errno ? errno : EIO;
			return -1;
		}
		c->pos += n;
	}
	return 0;
}

static int cat_cb(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct catw *c = ctx;
	int sig = ps_intr_check();
	if (sig)
		return PS_EIO;
	if (off < c->pos || off >= c->size)
		return PS_OK;
	if (len > c->size - off)
		len = (size_t)(c->size - off);
	if (cat_zeros(c, off))
		return PS_EIO;
	if (c->seekable ? ps_pwrite_all(c->fd, buf, len, off) : ps_write_all(c->fd, buf, len)) {
		c->werr = errno ? errno : EIO;
		return PS_EIO;
	}
	c->pos = off + len;
	return PS_OK;
}

/* Writes the regular file at fspath, through the view, semantics and
 * journal chosen as for extract, to standard output (out NULL or "-") or
 * to OUT (through OUT.partial). cmd: "cat" or "extract", for messages.
 * Exit: 0 written whole; 1 written, but from metadata that failed its
 * checksum, damaged EWF chunks or a stale view; 2 no filesystem; 3 usage,
 * a path that is no regular file, or a read or write that failed (after
 * bytes went out, one line says how many). */
static int cat_file(const char *cmd, const struct args *a, const char *fspath, const char *out)
{
	if (out && !strcmp(out, "-"))
		out = NULL;
	struct cli_view v;
	struct ps_fs *fs;
	struct cli_watch watch;
	cli_watch_start(&watch, a->image);
	ps_intr_enter();	/* Ctrl-C: OUT removed, exit 130 */
	int rc = open_fs(a, &v, &fs);
	if (rc)
		return rc;
	cli_watch_test_pause();
	uint64_t ino;
	struct ps_fs_stat st;
	if (ps_fs_lookup(fs, fspath, &ino) || ps_fs_stat(fs, ino, &st)) {
		cli_err("%s: %s: %s: %s", cmd, a->image, fspath, ps_fs_error(fs));
		ps_fs_close(fs);
		cli_view_close(&v);
		return EXIT_USAGE;
	}
	const char *why = NULL;
	switch (st.mode & 0170000) {
	case 0100000: break;
	case 0040000: why = "a directory: one file at a time (extract -o DIR or -o FILE.tar for a tree)"; break;
	case 0120000: why = "a symlink (not followed): give the path of its target"; break;
	default: why = "not a regular file"; break;
	}
	struct xview xv;
	memset(&xv, 0, sizeof(xv));
	if (!why && (rc = xview_setup(a, &v, &xv)) >= 0)
		goto out;
	rc = EXIT_USAGE;
	const struct ps_split_file *sf;
	unsigned views = why ? PS_VIEW_READ : xview_of(&xv, &st, &sf);
	if (views == (PS_VIEW_READ | PS_VIEW_MMAP))
		why = "a file with two contents under --view auto (what read() returned and what a mapping showed): choose --view read or --view mmap";
	if (why) {
		cli_err("%s: %s: %s: %s", cmd, a->image, fspath, why);
		goto out;
	}
	struct ps_outfile of = { .fd = -1 };
	struct catw c = { .fd = STDOUT_FILENO, .size = st.size };
	if (out) {
		char oerr[4096 + 512];
		if (ps_outfile_open(&of, out, a->force ? PS_OUT_REPLACE | PS_OUT_CLEAR_STALE : 0,
				    0644, oerr, sizeof(oerr))) {
			cli_err("%s", oerr);
			goto out;
		}
		c.fd = of.fd;
		c.seekable = 1;
	}
	if (st.csum_bad)
		csum_line(cmd, fspath, &st);
	fflush(stdout);		/* (nothing of ours is in it: the bytes go to fd 1) */
	int r = xv.mode == VIEW_READ ? ps_fs_read(fs, &st, cat_cb, &c) :
		xv_read(&xv, fs, &st, 0, cat_cb, &c);
	if (!r && !c.werr)
		cat_zeros(&c, st.size);
	if (!r && !c.werr && c.seekable && ftruncate(c.fd, (off_t)st.size) < 0)
		c.werr = errno;
	const char *dest = out ? out : "standard output";
	int sig = ps_intr_pending();
	if (sig)
		cli_err("%s: %s: interrupted by %s after %" PRIu64 " of %" PRIu64 " bytes; %s",
			cmd, fspath, ps_intr_name(sig), c.pos, st.size,
			out ? "OUT removed (incomplete)" : "the output is incomplete");
	else if (c.werr)
		cli_err("%s: %s: write error after %" PRIu64 " of %" PRIu64 " bytes of %s: %s",
			cmd, dest, c.pos, st.size, fspath, strerror(c.werr));
	else if (r)
		cli_err("%s: %s: %s: read failed after %" PRIu64 " of %" PRIu64 " bytes were written to %s: %s; the output is incomplete",
			cmd, a->image, fspath, c.pos, st.size, dest, ps_fs_error(fs));
	if (out) {
		char oerr[4096 + 512];
		if (!r && !c.werr && !sig && ps_outfile_commit(&of, oerr, sizeof(oerr))) {
			cli_err("%s", oerr);
			r = PS_EIO;
		}
		if (r || c.werr || sig)
			ps_outfile_discard(&of);
	}
	char changed[512];
	if (cli_watch_changed_for(&watch, "the bytes written are what was read while it changed",
				  changed, sizeof(changed)))
		cli_err("warning: %s: %s", a->image, changed);
	if (r || c.werr || sig)
		rc = EXIT_USAGE;
	else if (st.csum_bad || render_xlog_problem(ps_fs_xfs_log(fs)) ||
		 render_journal_problem(&v.journal))
		rc = EXIT_PROBLEMS;
	else
		rc = EXIT_OK;
	xlog_line(cmd, fs);
	if (cli_report_damage(a->image, v.image) && rc == EXIT_OK)
		rc = EXIT_PROBLEMS;
out:
	xview_free(&xv);
	ps_fs_stat_free(&st);
	ps_fs_close(fs);
	cli_view_close(&v);
	return rc;
}

/* pmemscan cat IMAGE PATH: the file mode of cat (cmd_cat.c keeps the
 * image mode, cat IMAGE). Returns -1 when no PATH is given (cmd_cat then
 * parses its arguments itself), else an exit code. */
int cmd_cat_file(int argc, char **argv, const char *usage)
{
	struct args a;
	int rc = parse(argc, argv, &a, usage, 1);
	if (rc >= 0)
		return rc;
	if (!a.operand && !a.path)
		return -1;
	if (a.operand && a.path) {
		cli_err("cat: PATH given twice (the operand and --path)");
		return EXIT_USAGE;
	}
	return cat_file("cat", &a, a.operand ? a.operand : a.path, a.out);
}

/* ---- ls ---- */

struct ls_ctx {
	struct ps_fs *fs;
	const struct xview *xv;	/* the view each regular file gets */
	int json, first;
	uint64_t errors;
	uint64_t stack[1024];
	unsigned depth;
};

static char type_char(uint32_t mode)
{
	switch (mode & 0170000) {
	case 0100000: return 'r';
	case 0040000: return 'd';
	case 0120000: return 'l';
	case 0020000: return 'c';
	case 0060000: return 'b';
	case 0010000: return 'p';
	case 0140000: return 's';
	default: return '-';
	}
}

static const char *type_name(uint32_t mode)
{
	switch (mode & 0170000) {
	case 0100000: return "file";
	case 0040000: return "dir";
	case 0120000: return "symlink";
	case 0020000: return "chardev";
	case 0060000: return "blockdev";
	case 0010000: return "fifo";
	case 0140000: return "socket";
	default: return "unknown";
	}
}

static void fmt_time(const struct ps_ts *t, char *buf, size_t len)
{
	struct tm tm;
	time_t s = (time_t)t->sec;
	if (!gmtime_r(&s, &tm)) {
		snprintf(buf, len, "%lld.%09u", (long long)t->sec, t->nsec);
		return;
	}
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%09uZ", t->nsec);
}

/* ---- PMDK pool files and poolsets among the files (docs/pmdk.md) ---- */

struct sniff {
	uint8_t buf[PS_PMDK_PARSE_LEN];	/* holes read as zeros */
	size_t have;
};

static int sniff_cb(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct sniff *s = ctx;
	if (off >= sizeof(s->buf))
		return PS_FS_STOP;
	size_t n = len < sizeof(s->buf) - off ? len : sizeof(s->buf) - (size_t)off;
	memcpy(s->buf + off, buf, n);
	s->have = (size_t)off + n;
	return s->have >= sizeof(s->buf) ? PS_FS_STOP : 0;
}

/* What a regular file is in PMDK's terms, as a JSON object (NULL: not a
 * pool). Cheap: only files as large as the smallest pool (2 MiB) are read,
 * and poolsets named *.set, and only their first 6 KiB. */
static json_object *ls_pmdk(struct ls_ctx *c, const char *path, const struct ps_fs_stat *st)
{
	size_t pl = strlen(path);
	bool set = pl > 4 && !strcmp(path + pl - 4, ".set") && st->size < 65536;
	if ((st->mode & 0170000) != 0100000 || (st->size < ((uint64_t)2 << 20) && !set))
		return NULL;
	struct sniff *s = calloc(1, sizeof(*s));
	if (!s || ps_fs_read(c->fs, st, sniff_cb, s)) {
		free(s);
		return NULL;
	}
	json_object *o = NULL;
	char u[37];
	struct ps_pmdk_pool p;
	struct ps_pmdk_poolset *ps = malloc(sizeof(*ps));
	/* what the file holds of the first 6 KiB (holes are zeros) */
	size_t len = st->size < sizeof(s->buf) ? (size_t)st->size : sizeof(s->buf);
	if (ps_pmdk_parse(s->buf, len, 0, st->size, &p, NULL) == PS_OK) {
		o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string(ps_pmdk_type_name(p.type)));
		ps_pmdk_uuid_str(p.uuid, u);
		json_object_object_add(o, "uuid", json_object_new_string(u));
		json_object_object_add(o, "layout", p.type == PS_PMDK_OBJ && p.desc_read ?
				       render_jstr_img(p.layout) : NULL);
		json_object_object_add(o, "checksum", json_object_new_string(p.checksum_ok ? "valid" : "bad"));
	} else if (ps && ps_pmdk_poolset_parse(s->buf, len, 0, ps, NULL) == PS_OK) {
		o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string("poolset"));
		json_object_object_add(o, "parts", json_object_new_uint64(ps->nparts));
		json_object_object_add(o, "size", json_object_new_uint64(ps->size));
	}
	free(ps);
	free(s);
	return o;
}

/* Each name in a listed path is the one extract gives it (ps_name_sanitize:
 * "/", ".", "..", control bytes as %XX), so no path can read as another;
 * raw, rawlen: the image's own name when it was mapped (else NULL). */
static void ls_print(struct ls_ctx *c, const char *path, const struct ps_fs_stat *st,
		     const char *raw, size_t rawlen)
{
	char mt[64];
	json_object *pm = ls_pmdk(c, path, st);
	fmt_time(&st->mtime, mt, sizeof(mt));
	if (c->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "path", json_object_new_string(path));
		json_object_object_add(o, "type", json_object_new_string(type_name(st->mode)));
		json_object_object_add(o, "inode", json_object_new_uint64(st->ino));
		char m[8];
		snprintf(m, sizeof(m), "%04o", st->mode & 07777);
		json_object_object_add(o, "mode", json_object_new_string(m));
		json_object_object_add(o, "uid", json_object_new_int64(st->uid));
		json_object_object_add(o, "gid", json_object_new_int64(st->gid));
		json_object_object_add(o, "size", json_object_new_uint64(st->size));
		json_object_object_add(o, "nlink", json_object_new_int64(st->nlink));
		json_object_object_add(o, "mtime", json_object_new_string(mt));
		json_object_object_add(o, "mtime_sec", json_object_new_int64(st->mtime.sec));
		json_object_object_add(o, "mtime_nsec", json_object_new_int64(st->mtime.nsec));
		if (st->symlink)
			json_object_object_add(o, "target", json_object_new_string(st->symlink));
		if (raw)
			json_object_object_add(o, "raw_name", json_object_new_string_len(raw, (int)rawlen));
		if (st->nxattrs) {
			json_object *x = json_object_new_array();
			for (size_t i = 0; i < st->nxattrs; i++)
				json_object_array_add(x, json_object_new_string(st->xattrs[i].name));
			json_object_object_add(o, "xattrs", x);
		}
		if (st->note[0])
			json_object_object_add(o, "note", json_object_new_string(st->note));
		if (st->csum_bad) {
			json_object *k = json_object_new_array();
			for (unsigned i = 0; i < PS_CSUM_KINDS; i++)
				if (st->csum_bad & (1u << i))
					json_object_array_add(k, json_object_new_string(csum_json[i]));
			json_object_object_add(o, "checksum_failed", k);
			json_object_object_add(o, "checksum_offset", json_object_new_uint64(st->csum_off));
		}
		if ((st->mode & 0170000) == 0100000) {
			const struct ps_split_file *sf;
			unsigned views = xview_of(c->xv, st, &sf);
			json_object_object_add(o, "view", json_object_new_string(view_name(views)));
			if (sf)
				json_object_object_add(o, "split_class",
					json_object_new_string(ps_split_class_name(sf->cls)));
		}
		if (pm)
			json_object_object_add(o, "pmdk", pm);
		printf("%s\n  %s", c->first ? "" : ",",
		       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		c->first = 0;
		json_object_put(o);
		return;
	}
	char tgt[1100] = "";
	if (st->symlink) {
		char e[1024];
		ps_name_escape(st->symlink, st->symlink_len, e, sizeof(e));
		snprintf(tgt, sizeof(tgt), " -> %s", e);
	}
	printf("%c/%c %04o %5u %5u %12llu %s %8llu %s%s", type_char(st->mode),
	       type_char(st->mode), st->mode & 07777, st->uid, st->gid,
	       (unsigned long long)st->size, mt, (unsigned long long)st->ino, path, tgt);
	if (raw) {
		char e[1100];
		ps_name_escape(raw, rawlen, e, sizeof(e));
		printf("   [name in the image: '%s']", e);
	}
	if (pm) {
		json_object *t = json_object_object_get(pm, "type");
		json_object *l = json_object_object_get(pm, "layout");
		json_object *k = json_object_object_get(pm, "checksum");
		printf("   [PMDK %s%s%s%s%s%s]", json_object_get_string(t),
		       strcmp(json_object_get_string(t), "poolset") ? " pool" : "",
		       l ? ", layout \"" : "", l ? json_object_get_string(l) : "", l ? "\"" : "",
		       k && strcmp(json_object_get_string(k), "valid") ? ", header checksum BAD" : "");
		json_object_put(pm);
	}
	putchar('\n');
}

static void ls_walk(struct ls_ctx *c, uint64_t dir, char *path, size_t plen, size_t pcap)
{
	struct ps_fs_dirlist l;
	if (ps_fs_list(c->fs, dir, &l)) {
		cli_err("ls: %s: %s", plen ? path : "/", ps_fs_error(c->fs));
		c->errors++;
	}
	for (size_t i = 0; i < l.n; i++) {
		char name[PS_NAME_MAX + 1];
		int mapped = ps_name_sanitize(l.v[i].name, l.v[i].len, name);
		int n = snprintf(path + plen, pcap - plen, "/%s", name);
		if (n < 0 || (size_t)n >= pcap - plen) {
			cli_err("ls: %s...: path too long", path);
			c->errors++;
			continue;
		}
		struct ps_fs_stat st;
		if (ps_fs_stat(c->fs, l.v[i].ino, &st)) {
			cli_err("ls: %s: %s", path, ps_fs_error(c->fs));
			c->errors++;
			continue;
		}
		if (st.csum_bad) {
			csum_line("ls", path, &st);
			c->errors++;
		}
		ls_print(c, path, &st, mapped ? l.v[i].name : NULL, l.v[i].len);
		if ((st.mode & 0170000) == 0040000) {
			int loop = 0;
			for (unsigned k = 0; k < c->depth; k++)
				loop |= c->stack[k] == l.v[i].ino;
			if (loop || c->depth >= sizeof(c->stack) / sizeof(c->stack[0])) {
				cli_err("ls: %s: %s", path, loop ? "directory loop, not entered" :
					"too deep, not entered");
				c->errors++;
			} else {
				c->stack[c->depth++] = l.v[i].ino;
				ls_walk(c, l.v[i].ino, path, plen + (size_t)n, pcap);
				c->depth--;
			}
		}
		ps_fs_stat_free(&st);
	}
	path[plen] = 0;
	ps_fs_dirlist_free(&l);
}

int cmd_ls(int argc, char **argv)
{
	static const char usage[] =
		"pmemscan ls IMAGE [PATH] [--namespace N] [--semantics legacy|fixed|auto] [--offset N [--size M]] [--journal replay|ignore|backup] [--fs-type ext|xfs|auto] [--view read|mmap|merged|auto] [--json] [--cache | --cache-dir DIR]\n"
		"  Lists the tree under PATH (default /) of the filesystem in a namespace's\n"
		"  data, one line per entry (man pmemscan-ls).\n"
		"  --json            one JSON object: the filesystem type and every entry\n"
		"  --path PATH       the same as the PATH operand\n"
		NSDATA_HELP CLI_JOURNAL_HELP VIEWMODE_HELP FSTYPE_HELP
		"  -q, --quiet       no notices on stderr\n"
		CLI_CACHE_USAGE
		"Exit: 0 done, 1 some entries unreadable or read from metadata that failed its\n"
		"checksum (or the data start not proven),\n"
		"2 no namespace or filesystem, 3 usage or I/O error.";
	struct args a;
	int rc = parse(argc, argv, &a, usage, 1);
	if (rc >= 0)
		return rc;
	struct cli_view v;
	struct ps_fs *fs;
	rc = open_fs(&a, &v, &fs);
	if (rc)
		return rc;
	const char *p = a.operand ? a.operand : a.path ? a.path : "/";
	uint64_t ino;
	int lrc = ps_fs_lookup(fs, p, &ino);
	if (lrc) {
		/* a path not found: the error names it already */
		if (lrc == PS_ENOTFOUND)
			cli_err("%s: %s", a.image, ps_fs_error(fs));
		else
			cli_err("%s: %s: %s", a.image, p, ps_fs_error(fs));
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
	struct ls_ctx c = { .fs = fs, .xv = &xv, .json = a.json, .first = 1 };
	c.errors = fs_csum_report("ls", a.image, fs);
	size_t pcap = 65536;
	char *path = calloc(1, pcap);
	if (!path) {
		xview_free(&xv);
		cli_err("out of memory");
		return EXIT_USAGE;
	}
	snprintf(path, pcap, "%s", p);
	size_t plen = strlen(path);
	while (plen && path[plen - 1] == '/')
		path[--plen] = 0;
	if (a.json)
		printf("{\"filesystem\":\"%s\",\"view\":\"%s\",\"entries\":[",
		       ps_fs_type_name(ps_fs_get_type(fs)), mode_name(xv.mode));
	struct ps_fs_stat st;
	if (ps_fs_stat(fs, ino, &st)) {
		cli_err("%s: %s", a.image, ps_fs_error(fs));
		c.errors++;
	} else {
		if (st.csum_bad) {
			csum_line("ls", path[0] ? path : "/", &st);
			c.errors++;
		}
		if ((st.mode & 0170000) == 0040000) {
			c.stack[c.depth++] = ino;
			ls_walk(&c, ino, path, plen, pcap);
		} else {
			ls_print(&c, path, &st, NULL, 0);
		}
		ps_fs_stat_free(&st);
	}
	if (a.json)
		printf("\n]}\n");
	bool stale = render_xlog_problem(ps_fs_xfs_log(fs));
	xlog_line("ls", fs);
	xview_free(&xv);
	free(path);
	ps_fs_close(fs);
	size_t damaged = cli_report_damage(a.image, v.image);
	bool jprob = render_journal_problem(&v.journal);
	cli_view_close(&v);
	if (fflush(stdout) != 0) {
		cli_err("ls: write error on standard output");
		return EXIT_USAGE;
	}
	return c.errors || stale || damaged || jprob ? EXIT_PROBLEMS : EXIT_OK;
}

/* ---- carve ---- */

static void carve_progress(void *ctx, uint64_t done)
{
	ps_progress_update(ctx, done, 0);
}

int cmd_carve(int argc, char **argv)
{
	static const char usage[] =
		"pmemscan carve IMAGE -o FS.img [--namespace N] [--semantics legacy|fixed|auto] [--offset N [--size M]] [--journal replay|ignore|backup] [--force] [--quiet] [--cache | --cache-dir DIR]\n"
		"  Writes a namespace's data (BTT-translated in sector mode) as an image file\n"
		"  to mount or fsck; zero blocks stay holes (man pmemscan-carve).\n"
		"  -o, --output FS.img  the image file to write (through FS.img.partial)\n"
		NSDATA_HELP CLI_JOURNAL_HELP
		"  --force           replace an existing FS.img\n"
		"  -q, --quiet       no progress bar and no notices on stderr\n"
		CLI_CACHE_USAGE
		"Exit: 0 written, 1 the data start not proven or EWF chunks unreadable,\n"
		"2 no namespace, 3 usage or I/O error.";
	struct args a;
	int rc = parse(argc, argv, &a, usage, 0);
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
	/* an XFS inode the kernel frees at mount but the view could not: no
	 * file reads differ, but the carved image is not the filesystem the
	 * kernel leaves (xfs_repair -n reports it): partly done */
	bool jprob = render_journal_problem(&v.journal) ||
		     (v.journal.kind == PS_JOURNAL_XFS && v.journal.iunlink_left);
	struct ps_progress pg;
	ps_progress_init(&pg, "carve", view->size, a.quiet);
	struct ps_carve_stats cs;
	char err[512], h1[32], h2[32];
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
		cli_err("%s", err);
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
			ps_human_fmt(cs.bad_bytes, PS_HUMAN_TENTHS, h1, sizeof(h1)), cs.bad_first);
	}
	return cs.bad_bytes || damaged || jprob ? EXIT_PROBLEMS : EXIT_OK;
}
