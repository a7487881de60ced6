/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What extract, ls, carve and cat share (fs_cli.h): their option parsing,
 * opening the filesystem of the namespace's data through the view and the
 * journal chosen, checksum and log lines, and the view of split files.
 */
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
			x->split && x->split->err ? x->split->err : "out of memory");
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

int xv_read(void *ctx, struct ps_fs *fs, const struct ps_fs_stat *st,
		   unsigned v, ps_fs_data_cb cb, void *cbctx)
{
	const struct xview *x = ctx;
	return ps_split_source_read(&x->src, fs, st, v, cb, cbctx);
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
