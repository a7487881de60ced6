/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Option tables (opts.h): the getopt_long arrays and the short-option
 * string built from a command's table, the one parsing loop, --help's
 * options part and the table as the tests read it.
 */
#include "opts.h"
#include "cli.h"
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* ids of the two options every command has; above any table's id */
enum { OPT_HELP_ID = 'h', OPT_LIST_ID = 0x1fff };

static size_t count(const struct cli_option *t)
{
	size_t n = 0;
	while (t[n].name)
		n++;
	return n;
}

int cli_opts_parse(const struct cli_cmdline *cl, int argc, char **argv,
		   cli_opt_fn fn, void *ctx)
{
	size_t n = count(cl->opts);
	struct option *lo = calloc(n + 3, sizeof(*lo));
	char *shorts = calloc(2 * n + 3, 1);
	if (!lo || !shorts) {
		free(lo);
		free(shorts);
		cli_err("out of memory");
		return EXIT_USAGE;
	}
	size_t s = 0;
	for (size_t i = 0; i < n; i++) {
		const struct cli_option *o = &cl->opts[i];
		lo[i] = (struct option){ o->name, o->arg ? required_argument : no_argument,
					 NULL, o->id };
		if (o->letter) {
			shorts[s++] = o->letter;
			if (o->arg)
				shorts[s++] = ':';
		}
	}
	lo[n] = (struct option){ "help", no_argument, NULL, OPT_HELP_ID };
	lo[n + 1] = (struct option){ "list-options", no_argument, NULL, OPT_LIST_ID };
	shorts[s++] = 'h';
	int rc = -1, c;
	optind = 1;
	opterr = 0;
	while (rc < 0 && (c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		if (c == OPT_HELP_ID) {
			cli_opts_help(stdout, cl);
			rc = EXIT_OK;
		} else if (c == OPT_LIST_ID) {
			cli_opts_list(stdout, cl);
			rc = EXIT_OK;
		} else if (c == '?' || c == ':') {
			rc = cli_bad_option(cl->cmd, argv);
		} else {
			int r = fn(ctx, c, optarg);
			if (r)
				rc = r;
		}
	}
	free(lo);
	free(shorts);
	return rc;
}

void cli_opts_help(FILE *f, const struct cli_cmdline *cl)
{
	fprintf(f, "usage: %s", cl->head);
	for (const struct cli_option *o = cl->opts; o->name; o++)
		if (o->help)
			fputs(o->help, f);
	fputs(cl->tail, f);
}

void cli_opts_list(FILE *f, const struct cli_cmdline *cl)
{
	static const char *const comp[] = { "none", "file", "dir", "enum", "value" };
	for (const struct cli_option *o = cl->opts; o->name; o++) {
		fprintf(f, "--%s\t", o->name);
		if (o->letter)
			fprintf(f, "-%c", o->letter);
		else
			fputc('-', f);
		fprintf(f, "\t%s\t%s\t%s\t%s\n", o->arg ? o->arg : "-", comp[o->comp],
			o->values ? o->values : "-", o->help ? "listed" : "hidden");
	}
}
