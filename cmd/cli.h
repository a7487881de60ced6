/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared declarations for the pmemscan subcommands. */
#ifndef PS_CLI_H
#define PS_CLI_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Exit codes (docs/cli.md). */
enum {
	EXIT_OK = 0,		/* found, valid / command succeeded */
	EXIT_PROBLEMS = 1,	/* found with problems / partial success */
	EXIT_NOTHING = 2,	/* nothing found */
	EXIT_USAGE = 3,		/* usage or I/O error */
	EXIT_UNREPORTED = 4,	/* repair: written and kept, but its report on
				 * stdout could not be written (docs/cli.md) */
};

struct cli_cmd {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);	/* argv[0] is the subcommand */
};

/*
 * The one id convention of the option tables (opts.h): an option with a
 * short letter has that letter as its id; every other one has an id from
 * here: the shared ones named for every command, so that the shared table
 * fragments (CLI_OPTS_CACHE, CLI_OPTS_JOURNAL, FS_OPTS_NSDATA) never
 * collide with a command's own ids, which start at CLI_OPT_CMD; all are
 * above any char getopt can return for a short option.
 */
enum cli_opt {
	CLI_OPT_NAMESPACE = 0x1001,	/* view.h */
	CLI_OPT_SEMANTICS,
	CLI_OPT_OFFSET,
	CLI_OPT_SIZE,
	CLI_OPT_JOURNAL,		/* --journal replay|ignore (view.h) */
	CLI_OPT_CACHE = 0x1101,		/* --cache, --cache-dir */
	CLI_OPT_CACHE_DIR,
	CLI_OPT_CMD = 0x1201,		/* first id a command may use for its own */
};

/* One-line error on stderr: "pmemscan: <msg>". */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Parse a size/offset: decimal, 0x-hex, optional K/M/G/T suffix (powers of 2). */
int cli_parse_u64(const char *s, uint64_t *out);
/* --threads N: 0..64 into *out; a one-line error and -1 otherwise. */
int cli_parse_threads(const char *arg, int *out);

/* The single IMAGE operand after the options: its path, or NULL after a
 * one-line usage error naming the command. */
const char *cli_one_image(const char *cmd, int argc, char **argv, int optind);

/* Create a user-named directory (mode 0700) if it does not exist;
 * one-line error and -1 if that fails. NULL is fine. */
int cli_ensure_dir(const char *dir);

/*
 * What every command does when getopt_long returns '?' (an unknown option,
 * or one whose value is missing; the command sets opterr = 0 so getopt
 * says nothing itself): one line, "pmemscan: CMD: unknown option or
 * missing value 'WORD' (see 'pmemscan CMD --help')", and EXIT_USAGE to
 * return. No usage text: it would bury the line that says what is wrong.
 */
int cli_bad_option(const char *cmd, char **argv);

int cmd_scan(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_carve(int argc, char **argv);
int cmd_labels(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_btt_cat(int argc, char **argv);
int cmd_cat(int argc, char **argv);
/* cat IMAGE PATH (cmd_cat.c): -1 when there is no PATH */
struct cli_cmdline;
int cmd_cat_file(int argc, char **argv, const struct cli_cmdline *cl);
int cmd_digest(int argc, char **argv);
/* ps_open_opts.msg for the CLI: the notice on stderr as "pmemscan: MSG". */
struct ps_notice;
void cli_open_notice(void *arg, const struct ps_notice *n);
/* ps_open_opts.hint for the CLI: how --cache-dir or TMPDIR settles an
 * error of the decoded copy, appended to its line. */
struct ps_open_hint;
void cli_open_hint(char *err, size_t errlen, const struct ps_open_hint *h);
/* One line for each damaged range of the image (ps_src_damage: an EWF
 * chunk failing its checksum, read as zeros); returns how many. Every
 * command that reads an image calls it at its end and exits 1 (not 0)
 * when there were any. */
struct ps_src;
size_t cli_report_damage(const char *path, const struct ps_src *s);

/* --cache / --cache-dir, the same on every command that opens an image
 * (the table entries: CLI_OPTS_CACHE in opts.h): their handler, which
 * returns 1 when c was one of them (applied to *oo), 0 otherwise. A
 * compressed dump is decoded into a nameless temporary file unless one of
 * them asks for a kept cache (docs/input.md). cat and digest stream unless
 * given one. */
struct ps_open_opts;
int cli_cache_option(int c, const char *arg, struct ps_open_opts *oo);
/* The input file's size and mtime when a command opened it, to warn when
 * either changed by the end (something still writing the image). */
struct cli_watch {
	bool active;		/* a regular file: watched */
	const char *path;
	uint64_t size;
	struct timespec mtime;
};
void cli_watch_start(struct cli_watch *w, const char *path);
/* true, with what changed in msg, when the file is not as it was */
bool cli_watch_changed(const struct cli_watch *w, char *msg, size_t n);
/* The same, the message ending in what the change means for this command
 * ("the files written are what was read while it changed"). */
bool cli_watch_changed_for(const struct cli_watch *w, const char *consequence,
			   char *msg, size_t n);
/* Tests only: sleep $PMEMSCAN_TEST_PAUSE_AFTER_OPEN seconds (0-60). */
void cli_watch_test_pause(void);

int cmd_repair(int argc, char **argv);
int cmd_undo(int argc, char **argv);
int cmd_collect(int argc, char **argv);

#endif
