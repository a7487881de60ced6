/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pmemscan: forensic triage and recovery for NVDIMM namespace images. */
#include "cli.h"
#include "interrupt.h"
#include "progress.h"
#include "imgsrc_open.h"
#include "err.h"
#include <inttypes.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio_ext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"

static const struct cli_cmd commands[] = {
	{ "scan", "find and triage every namespace in an image (default)", cmd_scan },
	{ "extract", "copy the files of a namespace's filesystem to a directory or archive", cmd_extract },
	{ "ls", "list the files of a namespace's filesystem", cmd_ls },
	{ "carve", "write a namespace's data as a mountable image file", cmd_carve },
	{ "labels", "dump and check namespace label areas (LSA) of DIMM images or ndctl dumps", cmd_labels },
	{ "check", "check a sector-mode (BTT) namespace image like ndctl check-namespace", cmd_check },
	{ "btt-cat", "write the BTT-translated block device to a file (testing aid)", cmd_btt_cat },
	{ "cat", "write the decoded image (compressed dumps decoded), sparse", cmd_cat },
	{ "digest", "SHA-256 or sparse digest of the decoded image", cmd_digest },
	{ "repair", "rewrite namespace metadata so a current kernel mounts it (--plan first)", cmd_repair },
	{ "undo", "restore an image from a repair's undo file, byte for byte", cmd_undo },
	{ "collect", "gather a live machine's pmem facts (ndctl, labels, iomem, dmesg) into a bundle", cmd_collect },
};

/* Levenshtein distance, for names of at most 63 characters (longer ones
 * are compared by their first 63). */
static size_t distance(const char *a, const char *b)
{
	size_t la = strnlen(a, 63), lb = strnlen(b, 63);
	size_t row[64];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static const char *closest_command(const char *word)
{
	const char *best = commands[0].name;
	size_t bd = (size_t)-1;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		size_t d = distance(word, commands[i].name);
		if (d < bd) {
			bd = d;
			best = commands[i].name;
		}
	}
	return best;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: pmemscan [scan] IMAGE [options]\n"
		   "       pmemscan COMMAND [options]\n"
		   "       pmemscan help COMMAND | --help | --version\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'pmemscan COMMAND --help' for a command's options. "
		   "Exit codes: 0 ok, 1 problems found, 2 nothing found, 3 usage or I/O error,\n"
		   "4 (repair) repaired but the report could not be written.\n");
}

/* Every command's report goes to stdout through stdio: a write error
 * (ENOSPC, EIO, a full pipe's end gone with SIGPIPE ignored) may only show
 * when the buffer is flushed, at the close. Checked here once, after the
 * command returned, so that no command can forget it: a report that did not
 * reach its reader turns a success into exit 3 with one line naming the
 * stream. A command that already failed keeps its own code (and, if it
 * noticed the error itself, its own line: exit 3 or above says it did). */
static int close_stdout(const char *cmd, int rc)
{
	errno = 0;
	bool earlier = ferror(stdout) != 0;
	bool pending = __fpending(stdout) != 0;
	bool close_failed = fclose(stdout) != 0;
	int e = errno;
	/* (a stdout closed by the caller, >&-, with nothing written to it is
	 * no loss: its close fails with EBADF) */
	if (close_failed && !pending && e == EBADF)
		close_failed = false;
	if (!(earlier || close_failed) || rc > EXIT_NOTHING)
		return rc;
	if (close_failed)
		cli_err("%s: standard output: %s", cmd, strerror(e));
	else	/* an earlier write failed, its errno is gone */
		cli_err("%s: standard output: write error", cmd);
	return rc == EXIT_OK ? EXIT_USAGE : rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* pmemscan help COMMAND: that command's --help */
	if (!strcmp(argv[1], "help") && argc > 2) {
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (!strcmp(argv[2], commands[i].name)) {
				char prog[64], opt[] = "--help";
				snprintf(prog, sizeof(prog), "pmemscan %s", commands[i].name);
				char *hv[] = { prog, opt, NULL };
				return close_stdout(commands[i].name, commands[i].run(2, hv));
			}
		cli_err("help: no command '%s'; the closest is '%s' ('pmemscan --help' lists them)",
			argv[2], closest_command(argv[2]));
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return close_stdout("--help", EXIT_OK);
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("pmemscan %s\n", PACKAGE_VERSION);
		return close_stdout("--version", EXIT_OK);
	}
	/* the test suites' interrupt hook (tests/cli/extract-output.sh): a real
	 * SIGINT at the N-th poll of a copy loop */
	const char *test_signal = getenv("PMEMSCAN_TEST_SIGNAL");
	if (test_signal && *test_signal)
		ps_intr_test_at(strtoul(test_signal, NULL, 10));
	/* getopt's own messages start with argv[0]: "pmemscan CMD: ..." */
	char prog[64];
	const char *cmd = "scan";
	int rc = -1;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name)) {
			snprintf(prog, sizeof(prog), "pmemscan %s", commands[i].name);
			argv[1] = prog;
			cmd = commands[i].name;
			rc = commands[i].run(argc - 1, argv + 1);
			break;
		}
	if (rc < 0) {
		/* pmemscan WORD, where WORD is no file and looks like no path: a
		 * mistyped command, not an image that cannot be opened */
		struct stat st;
		if (argv[1][0] != '-' && !strpbrk(argv[1], "/.") && stat(argv[1], &st) &&
		    errno == ENOENT) {
			cli_err("%s: no such command, and no such file; the closest command is '%s' ('pmemscan --help' lists them)",
				argv[1], closest_command(argv[1]));
			return EXIT_USAGE;
		}
		/* pmemscan IMAGE ...: scan is the default command */
		argv[0] = (char *)"pmemscan scan";
		rc = cmd_scan(argc, argv);
	}
	/* a signal stopped the output (src/interrupt.h): the command cleaned up
	 * and said so; the status is the shell's 128 + signal */
	if (ps_intr_pending())
		rc = 128 + ps_intr_pending();
	return close_stdout(cmd, rc);
}
