/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pmemscan cat IMAGE [-o OUT]: write the decoded image (a compressed dump
 * decoded, a plain image as is). OUT is created (never overwritten) and
 * written sparse; on any error it is removed, so nothing is left behind.
 * pmemscan cat IMAGE PATH: one file of the filesystem in a namespace's
 * data, read as extract reads it (fs_cli.h); extract -o - writes it too.
 */
#include "outfile.h"
#include "cli.h"
#include "fs_cli.h"
#include "render.h"
#include "err.h"
#include "imgsrc.h"
#include "imgsrc_open.h"
#include "le.h"
#include "util.h"
#include "view.h"
#include "interrupt.h"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>	/* optind */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (4u * 1024 * 1024)
#define BLK 4096u


static const struct cli_option cat_opts[] = {
	{ "output", 'o', "OUT", 'o', CLI_COMP_FILE, NULL,
	  "  -o, --output OUT  the file to write (default, or '-': standard output)\n" },
	{ "path", 0, "PATH", OPT_PATH, CLI_COMP_VALUE, NULL,
	  "  --path PATH       the same as the PATH operand\n" },
	{ "namespace", 0, "N", CLI_OPT_NAMESPACE, CLI_COMP_VALUE, NULL,
	  "  --namespace N     the namespace numbered N in 'pmemscan IMAGE' (default: the\n"
	  "                    only one found)\n" },
	{ "semantics", 0, "S", CLI_OPT_SEMANTICS, CLI_COMP_ENUM, "legacy fixed auto",
	  "  --semantics S     where a pfn/dax namespace's data starts: legacy, fixed or\n"
	  "                    auto (default: the one the scan proves)\n" },
	{ "offset", 0, "N", CLI_OPT_OFFSET, CLI_COMP_VALUE, NULL,
	  "  --offset N        no scan: the data starts N bytes into IMAGE\n" },
	{ "size", 0, "M", CLI_OPT_SIZE, CLI_COMP_VALUE, NULL,
	  "  --size M          with --offset: the data is M bytes long (default: to the end)\n" },
	CLI_OPTS_JOURNAL,
	FS_OPTS_FSTYPE,
	{ "view", 0, "V", OPT_VIEW, CLI_COMP_ENUM, "read mmap merged auto",
	  "  --view V          read, mmap, merged or auto, as for extract; under auto a\n"
	  "                    file with both contents (mixed) comes out as its merged\n"
	  "                    view (its read view: --view read)\n" },
	{ "quiet", 'q', NULL, 'q', CLI_COMP_NONE, NULL,
	  "  -q, --quiet       no notices on stderr\n" },
	CLI_OPTS_CACHE,
	CLI_OPT_END,
};

#define CAT_HEAD \
	"pmemscan cat IMAGE [-o OUT] [--cache | --cache-dir DIR]\n" \
	"       pmemscan cat IMAGE PATH [-o OUT] [--namespace N] [--semantics legacy|fixed|auto] [--offset N [--size M]] [--journal replay|ignore] [--fs-type ext|xfs|auto] [--view read|mmap|merged|auto] [--quiet] [--cache | --cache-dir DIR]\n" \
	"  Without PATH: write the decoded image (compressed dumps, EWF evidence and\n" \
	"  split raw segments decoded) to OUT (created, never overwritten, written\n" \
	"  sparse) or to standard output (never a terminal).\n" \
	"  With PATH: write that regular file of the filesystem in a namespace's data,\n" \
	"  read as extract reads it, to standard output (or OUT), for a pipe\n" \
	"  (man pmemscan-cat).\n"
#define CAT_TAIL \
	"Exit: 0 written, 1 written but in doubt (EWF chunks unreadable, metadata that\n" \
	"failed its checksum, a stale view), 2 no filesystem, 3 usage or I/O error\n" \
	"(a read or write that failed after bytes went out: one line says how many).\n"

static const struct cli_cmdline cat_cl = { "cat", CAT_HEAD, cat_opts, CAT_TAIL };

/* cat IMAGE, without PATH: of the options above, these */
static const struct cli_option cat_image_opts[] = {
	{ "output", 'o', "OUT", 'o', CLI_COMP_FILE, NULL, NULL },
	CLI_OPTS_CACHE,
	CLI_OPT_END,
};

static const struct cli_cmdline cat_image_cl = { "cat", CAT_HEAD, cat_image_opts, CAT_TAIL };

struct cat_image_args {
	const char *outpath;
	struct ps_open_opts oo;
};

static int cat_image_option(void *ctx, int c, const char *optarg)
{
	struct cat_image_args *a = ctx;
	if (cli_cache_option(c, optarg, &a->oo))
		return 0;
	if (c == 'o')
		a->outpath = strcmp(optarg, "-") ? optarg : NULL;
	return 0;
}

int cmd_cat(int argc, char **argv)
{
	/* cat IMAGE PATH: one file of the filesystem (below) */
	int frc = cmd_cat_file(argc, argv, &cat_cl);
	if (frc >= 0)
		return frc;
	struct cat_image_args ca = {
		.oo = { .mode = PS_OPEN_STREAM, .msg = cli_open_notice, .hint = cli_open_hint,
			.verify = true },
	};
	int orc = cli_opts_parse(&cat_image_cl, argc, argv, cat_image_option, &ca);
	if (orc >= 0)
		return orc;
	const char *outpath = ca.outpath;
	struct ps_open_opts oo = ca.oo;
	if (optind != argc - 1) {	/* (cmd_cat_file has said it already) */
		cli_err("cat: %s (see 'pmemscan cat --help')",
			optind >= argc ? "IMAGE missing" : "too many arguments");
		return EXIT_USAGE;
	}
	const char *path = argv[optind];
	if (!outpath && isatty(STDOUT_FILENO)) {
		cli_err("cat: refusing to write an image to a terminal (use -o OUT or a pipe)");
		return EXIT_USAGE;
	}
	char err[PS_ERR_LINE_MAX];
	struct ps_src *s;
	struct cli_watch watch;
	cli_watch_start(&watch, path);
	ps_intr_enter();	/* Ctrl-C: OUT removed, exit 130 */
	if (ps_src_open_auto(path, &oo, &s, err, sizeof(err))) {
		cli_err("%s", err);
		return EXIT_USAGE;
	}
	cli_watch_test_pause();
	int fd = STDOUT_FILENO, seekable = 0;
	/* OUT: never an existing file nor one the image is read from; written
	 * as OUT.partial and renamed when whole (src/outfile.h) */
	struct ps_outfile o = { .fd = -1 };
	if (outpath) {
		char oerr[4096 + 512];
		if (ps_outfile_open(&o, outpath, 0, 0644, oerr, sizeof(oerr))) {
			cli_err("%s", oerr);
			ps_src_close(s);
			return EXIT_USAGE;
		}
		fd = o.fd;
		seekable = 1;
	}
	uint8_t *buf = malloc(CHUNK);
	uint64_t off = 0;
	int rc = EXIT_OK, eof = 0;
	if (!buf) {
		cli_err("out of memory");
		rc = EXIT_USAGE;
	}
	/* Walk the sparse map: holes (and, for a compressed dump, the zero
	 * runs the decoder produced) are skipped, not read. */
	while (!rc && !eof && off < s->size) {
		uint64_t d, h;
		if (ps_src_next_data(s, off, &d) || ps_src_next_hole(s, d, &h)) {
			cli_err("%s", ps_src_error(s));
			rc = EXIT_USAGE;
			break;
		}
		if (d > off && !seekable) {	/* a pipe gets the zeros */
			memset(buf, 0, CHUNK);
			for (uint64_t z = off; z < d && !rc;) {
				size_t n = d - z < CHUNK ? (size_t)(d - z) : CHUNK;
				if (ps_write_all(fd, buf, n)) {
					cli_err("(stdout): write error at offset %" PRIu64 ": %s",
						z, strerror(errno));
					rc = EXIT_USAGE;
				}
				z += n;
			}
		}
		off = d;
		if (rc || off >= s->size)
			break;
		if (h <= off)
			h = off + CHUNK;
		while (!rc && off < h) {
			int sig = ps_intr_check();
			if (sig) {
				/* one line: OUT is removed below, as on any error */
				cli_err("cat: interrupted by %s after %" PRIu64 " bytes; %s%s", ps_intr_name(sig),
					off, outpath ? o.tmp : "the output on stdout is incomplete",
					outpath ? " removed (incomplete)" : "");
				rc = EXIT_USAGE;
				break;
			}
			size_t want = h - off < CHUNK ? (size_t)(h - off) : CHUNK, got;
			if (ps_src_read_upto(s, buf, want, off, &got)) {
				cli_err("%s", ps_src_error(s));
				rc = EXIT_USAGE;
				break;
			}
			for (size_t i = 0; i < got;) {
				size_t n = got - i < BLK ? got - i : BLK;
				size_t j = i;
				if (seekable) {	/* leave zero blocks as holes */
					if (ps_is_zero(buf + i, n)) {
						i += n;
						continue;
					}
					while (j < got && !ps_is_zero(buf + j, got - j < BLK ? got - j : BLK))
						j += got - j < BLK ? got - j : BLK;
				} else {
					j = got;
				}
				if (seekable ? ps_pwrite_all(fd, buf + i, j - i, off + i) :
				    ps_write_all(fd, buf + i, j - i)) {
					cli_err("%s: write error at offset %" PRIu64 ": %s",
						outpath ? outpath : "(stdout)", off + i, strerror(errno));
					rc = EXIT_USAGE;
					break;
				}
				i = j;
			}
			off += got;
			if (got < want) {
				eof = 1;
				break;
			}
		}
	}
	if (!rc && seekable && ftruncate(fd, (off_t)off) < 0) {
		cli_err("%s: cannot set size %" PRIu64 ": %s", outpath, off, strerror(errno));
		rc = EXIT_USAGE;
	}
	if (!rc && seekable && fsync(fd) < 0) {
		cli_err("%s: sync failed: %s", outpath, strerror(errno));
		rc = EXIT_USAGE;
	}
	if (outpath) {
		char oerr[4096 + 512];
		if (!rc && ps_outfile_commit(&o, oerr, sizeof(oerr))) {
			cli_err("%s", oerr);
			rc = EXIT_USAGE;
		}
		/* nothing written on error (silently: a bad input's error stays
		 * one line); said only when it cannot be done */
		if (rc && o.tmp) {
			char *t = strdup(o.tmp);
			if (ps_outfile_discard(&o) < 0 && errno != ENOENT)
				cli_err("cat: %s could not be removed (%s): delete it",
					t ? t : outpath, strerror(errno));
			free(t);
		}
	}
	/* the image still being written (docs/cli.md "scan") */
	char changed[512];
	if (cli_watch_changed_for(&watch, "the bytes written are what was read while it changed",
				  changed, sizeof(changed)))
		cli_err("warning: %s: %s", path, changed);
	/* bytes that could not be read were written as zeros: said, exit 1 */
	if (cli_report_damage(path, s) && !rc)
		rc = EXIT_PROBLEMS;
	free(buf);
	ps_src_close(s);
	return rc;
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
int cat_file(const char *cmd, const struct args *a, const char *fspath, const char *out)
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
int cmd_cat_file(int argc, char **argv, const struct cli_cmdline *cl)
{
	struct args a;
	int rc = parse(argc, argv, &a, cl, 1);
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
