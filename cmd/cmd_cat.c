/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pmemscan cat IMAGE [-o OUT]: write the decoded image (a compressed dump
 * decoded, a plain image as is). OUT is created (never overwritten) and
 * written sparse; on any error it is removed, so nothing is left behind.
 */
#include "outfile.h"
#include "cli.h"
#include "err.h"
#include "imgsrc.h"
#include "imgsrc_open.h"
#include "le.h"
#include "util.h"
#include "view.h"
#include "interrupt.h"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (4u * 1024 * 1024)
#define BLK 4096u


static const char cat_usage[] =
	"pmemscan cat IMAGE [-o OUT] [--cache | --cache-dir DIR]\n"
	"       pmemscan cat IMAGE PATH [-o OUT] [--namespace N] [--semantics legacy|fixed|auto] [--offset N [--size M]] [--journal replay|ignore] [--fs-type ext|xfs|auto] [--view read|mmap|auto] [--quiet] [--cache | --cache-dir DIR]\n"
	"  Without PATH: write the decoded image (compressed dumps, EWF evidence and\n"
	"  split raw segments decoded) to OUT (created, never overwritten, written\n"
	"  sparse) or to standard output (never a terminal).\n"
	"  With PATH: write that regular file of the filesystem in a namespace's data,\n"
	"  read as extract reads it, to standard output (or OUT), for a pipe\n"
	"  (man pmemscan-cat).\n"
	"  -o, --output OUT  the file to write (default, or '-': standard output)\n"
	"  --path PATH       the same as the PATH operand\n"
	"  --namespace N     the namespace numbered N in 'pmemscan IMAGE' (default: the\n"
	"                    only one found)\n"
	"  --semantics S     where a pfn/dax namespace's data starts: legacy, fixed or\n"
	"                    auto (default: the one the scan proves)\n"
	"  --offset N        no scan: the data starts N bytes into IMAGE\n"
	"  --size M          with --offset: the data is M bytes long (default: to the end)\n"
	CLI_JOURNAL_HELP
	"  --fs-type T       ext, xfs, or auto (default: whichever the data holds)\n"
	"  --view V          read, mmap or auto, as for extract; a file with both\n"
	"                    contents needs read or mmap\n"
	"  -q, --quiet       no notices on stderr\n"
	CLI_CACHE_USAGE
	"Exit: 0 written, 1 written but in doubt (EWF chunks unreadable, metadata that\n"
	"failed its checksum, a stale view), 2 no filesystem, 3 usage or I/O error\n"
	"(a read or write that failed after bytes went out: one line says how many).";

int cmd_cat(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' },
		CLI_CACHE_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* cat IMAGE PATH: one file of the filesystem (cmd_extract.c) */
	int frc = cmd_cat_file(argc, argv, cat_usage);
	if (frc >= 0)
		return frc;
	const char *outpath = NULL;
	struct ps_open_opts oo = { .mode = PS_OPEN_STREAM, .msg = cli_open_notice,
				   .verify = true };
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		if (cli_cache_option(c, optarg, &oo))
			continue;
		switch (c) {
		case 'o': outpath = strcmp(optarg, "-") ? optarg : NULL; break;
		case 'h': printf("usage: %s\n", cat_usage); return EXIT_OK;
		default: return cli_bad_option("cat", argv);
		}
	}
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
	/* the image still being written (issue 15 item 8) */
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
