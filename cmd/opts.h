/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A command's options as one table (docs/cli.md, "Option tables"): the
 * getopt_long arrays, the options part of --help, the hidden list the man
 * page and bash-completion tests read (pmemscan CMD --list-options), all
 * made from it. A shared group (the cache, the journal, the data a
 * namespace gives) is a fragment of entries each table includes.
 */
#ifndef PS_CLI_OPTS_H
#define PS_CLI_OPTS_H
#include <stdio.h>

/* What a shell completes after the option (bash-completion/pmemscan) */
enum cli_comp {
	CLI_COMP_NONE,		/* no value */
	CLI_COMP_FILE,		/* a file name */
	CLI_COMP_DIR,		/* a directory */
	CLI_COMP_ENUM,		/* one of the words in values */
	CLI_COMP_VALUE,		/* a number, a name: nothing to complete */
};

struct cli_option {
	const char *name;	/* the long name without "--"; NULL ends a table */
	char letter;		/* the short option, or 0 */
	const char *arg;	/* its value's name in --help, NULL: takes none */
	int id;			/* what the command's handler gets: the short letter
				 * when there is one, else a CLI_OPT_* id (cli.h) */
	enum cli_comp comp;
	const char *values;	/* CLI_COMP_ENUM: the words, separated by spaces */
	const char *help;	/* its lines in --help as printed (the commands
				 * align their columns differently); NULL: listed
				 * in another entry's lines or not at all */
};

#define CLI_OPT_END { NULL, 0, NULL, 0, CLI_COMP_NONE, NULL, NULL }

/* One command's command line: --help is "usage: " head, the options'
 * lines in table order, tail. */
struct cli_cmdline {
	const char *cmd;		/* "ls" */
	const char *head;		/* the usage lines and what it does */
	const struct cli_option *opts;
	const char *tail;		/* "Exit: ..." */
};

/* Called once per option given, in order; returns 0 to go on, or an exit
 * code (after a one-line error). */
typedef int (*cli_opt_fn)(void *ctx, int id, const char *arg);

/*
 * The one getopt_long loop: argv[0] is the command ("pmemscan ls"), the
 * table's ids go to fn. -h/--help prints the help to stdout: EXIT_OK;
 * --list-options prints the table (cli_opts_list): EXIT_OK; an unknown
 * option or a missing value: one line (cli_bad_option), EXIT_USAGE.
 * Returns -1 when the options are parsed (optind: the first operand), else
 * the exit code.
 */
int cli_opts_parse(const struct cli_cmdline *cl, int argc, char **argv,
		   cli_opt_fn fn, void *ctx);
void cli_opts_help(FILE *f, const struct cli_cmdline *cl);
/* The table, one option a line, for tests/cli/man.sh and
 * tests/cli/completion.sh (docs/cli.md, "Option tables"), tab-separated:
 * --NAME, -L or -, ARG or -, none|file|dir|enum|value, the enum's values
 * or -, listed (in --help) or hidden. */
void cli_opts_list(FILE *f, const struct cli_cmdline *cl);

/* --cache, --cache-dir (cli_cache_option) */
#define CLI_OPTS_CACHE \
	{ "cache", 0, NULL, CLI_OPT_CACHE, CLI_COMP_NONE, NULL, \
	  "  --cache           keep a compressed dump's decoded image as a cache for the\n" \
	  "                    next command (sparse, in $TMPDIR or /tmp; reused while the\n" \
	  "                    dump is unchanged); without it the decoded copy is deleted\n" }, \
	{ "cache-dir", 0, "DIR", CLI_OPT_CACHE_DIR, CLI_COMP_DIR, NULL, \
	  "  --cache-dir DIR   keep that cache in DIR (implies --cache)\n" }

#endif
