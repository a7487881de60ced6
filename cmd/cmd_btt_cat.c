/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pmemscan btt-cat IMAGE -o OUT: write the BTT-translated LBA space to a
 * new file (temporary, for testing translation until namespace detection
 * feeds the block-view layer).
 */
#include "outfile.h"
#include "cli.h"
#include "btt.h"
#include "btt_cli.h"
#include "opts.h"
#include "err.h"
#include "imgsrc.h"
#include "util.h"
#include <errno.h>
#include <getopt.h>	/* optind */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct cli_option btt_cat_opts[] = {
	{ "offset", 0, "N", CLI_OPT_OFFSET, CLI_COMP_VALUE, NULL,
	  "  --offset N         the namespace starts N bytes into IMAGE (default 0)\n" },
	{ "output", 'o', "OUT", 'o', CLI_COMP_FILE, NULL,
	  "  -o, --output OUT   the file to write; it must not exist\n" },
	CLI_OPT_END,
};

static const struct cli_cmdline btt_cat_cl = {
	"btt-cat",
	"pmemscan btt-cat IMAGE [--offset N] -o OUT\n"
	"  Write the BTT-translated block device of a namespace image to OUT\n"
	"  (a new file; sparse where blocks are trimmed or never written).\n",
	btt_cat_opts,
	"Exit: 0 ok, 1 some blocks unreadable (zero-filled, each reported),\n"
	"2 no BTT, 3 usage or I/O error.\n",
};

struct btt_cat_args {
	struct common c;
	const char *outp;
};

static int btt_cat_option(void *ctx, int id, const char *arg)
{
	struct btt_cat_args *a = ctx;
	switch (id) {
	case CLI_OPT_OFFSET:
		a->c.have_offset = true;
		if (cli_parse_u64(arg, &a->c.offset)) {
			cli_err("btt-cat: --offset: '%s' is not a byte offset", arg);
			return EXIT_USAGE;
		}
		break;
	case 'o':
		a->outp = arg;
		break;
	}
	return 0;
}

int cmd_btt_cat(int argc, char **argv)
{
	struct btt_cat_args ba;
	memset(&ba, 0, sizeof(ba));
	ba.c.ns = -1;
	int prc = cli_opts_parse(&btt_cat_cl, argc, argv, btt_cat_option, &ba);
	if (prc >= 0)
		return prc;
	struct common c = ba.c;
	const char *outp = ba.outp;
	if (optind != argc - 1 || !outp) {
		cli_err(!outp ? "btt-cat: no output file given (-o OUT)" :
			"btt-cat: exactly one IMAGE expected (pmemscan btt-cat --help)");
		return EXIT_USAGE;
	}
	c.path = argv[optind];
	int rc = common_open(&c, false);
	if (rc != EXIT_OK) {
		common_close(&c);
		return rc;
	}
	for (size_t i = 0; i < c.d.n; i++)
		if (c.d.v[i].sev >= PS_SEV_WARN)
			fprintf(stderr, "pmemscan: %s: offset %llu: %s: %s: %s\n", c.path,
				(unsigned long long)(c.offset + c.d.v[i].off),
				ps_sev_name(c.d.v[i].sev), c.d.v[i].field, c.d.v[i].msg);
	struct ps_src *v;
	if (ps_btt_view(c.btt, &v)) {
		cli_err("%s: out of memory", c.path);
		common_close(&c);
		return EXIT_USAGE;
	}
	/* OUT: never an existing file nor the image; written as OUT.partial
	 * and renamed when whole (src/outfile.h) */
	struct ps_outfile o;
	char oerr[4096 + 512];
	if (ps_outfile_open(&o, outp, 0, 0644, oerr, sizeof(oerr))) {
		cli_err("%s", oerr);
		ps_src_close(v);
		common_close(&c);
		return EXIT_USAGE;
	}
	int fd = o.fd;
	const size_t CH = 1u << 20;
	uint8_t *buf = malloc(CH);
	uint32_t ss = ps_btt_sector_size(c.btt);
	uint64_t off = 0, bad = 0;
	rc = EXIT_OK;
	while (buf && off < v->size) {
		uint64_t d, h;
		if (ps_src_next_data(v, off, &d) || (d < v->size && ps_src_next_hole(v, d, &h))) {
			cli_err("%s", ps_src_error(v));
			rc = EXIT_USAGE;
			break;
		}
		if (d >= v->size)
			break;
		for (uint64_t p = d; p < h;) {
			size_t n = h - p > CH ? CH : (size_t)(h - p);
			if (ps_src_pread(v, buf, n, p)) {
				/* fall back to block by block; report bad blocks */
				for (size_t k = 0; k < n; k += ss) {
					size_t m = n - k < ss ? n - k : ss;
					if (ps_src_pread(v, buf + k, m, p + k)) {
						if (bad++ < 20)
							fprintf(stderr, "pmemscan: %s\n", ps_src_error(v));
						memset(buf + k, 0, m);
						rc = EXIT_PROBLEMS;
					}
				}
			}
			if (!ps_is_zero(buf, n) && ps_pwrite_all(fd, buf, n, p)) {
				cli_err("%s: write error at offset %llu: %s", outp,
					(unsigned long long)p, strerror(errno));
				rc = EXIT_USAGE;
				break;
			}
			p += n;
		}
		if (rc == EXIT_USAGE)
			break;
		off = h;
	}
	if (!buf) {
		cli_err("out of memory");
		rc = EXIT_USAGE;
	}
	if (rc != EXIT_USAGE && ftruncate(fd, (off_t)v->size) < 0) {
		cli_err("%s: cannot set size: %s", outp, strerror(errno));
		rc = EXIT_USAGE;
	}
	if (rc != EXIT_USAGE && ps_outfile_commit(&o, oerr, sizeof(oerr))) {
		cli_err("%s", oerr);
		rc = EXIT_USAGE;
	}
	if (bad > 20)
		fprintf(stderr, "pmemscan: ... %llu unreadable blocks in all\n",
			(unsigned long long)bad);
	if (bad)
		fprintf(stderr, "pmemscan: %s: %llu block%s unreadable, written as zeros\n",
			outp, (unsigned long long)bad, bad == 1 ? "" : "s");
	if (o.path)
		ps_outfile_discard(&o);	/* nothing half-written is left behind */
	else if (cli_report_damage(c.path, c.file) && rc == EXIT_OK)
		rc = EXIT_PROBLEMS;	/* zeros where the image could not be read */
	free(buf);
	ps_src_close(v);
	common_close(&c);
	return rc;
}
