/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pmemscan undo UNDOFILE IMAGE: put back what 'repair --in-place' changed,
 * from the undo file it wrote first (the checks are the library's,
 * src/repair.h; docs/repair.md).
 */
#include "docdir.h"
#include "cli.h"
#include "opts.h"
#include "err.h"
#include "repair.h"
#include <stdio.h>
#include <string.h>

/* undo has no options: the table is empty, for --help and --list-options */
static const struct cli_option undo_opts[] = { CLI_OPT_END };

static const struct cli_cmdline undo_cl = {
	"undo",
	"pmemscan undo UNDOFILE IMAGE\n"
	"  Puts back, byte for byte, what 'pmemscan repair IMAGE --in-place' changed,\n"
	"  from the undo file it wrote first (default IMAGE.pmemscan-undo).\n"
	"  Before writing, it checks the undo file's own checksum, IMAGE's size, that\n"
	"  every patched range holds the new or the old bytes, and that IMAGE with the\n"
	"  old bytes put back would have the sha256 recorded before the repair (refused\n"
	"  otherwise, nothing written); after, that sha256 again (only the patched bytes\n"
	"  are checked when the repair ran with --no-image-hash).\n"
	"  Running it twice is harmless.\n"
	"  Exit: 0 restored, 1 IMAGE is not what the undo file can restore (nothing\n"
	"  written), 3 usage or I/O error (" PS_DOC("repair.md") ").\n",
	undo_opts,
	"",
};

int cmd_undo(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		cli_opts_help(stdout, &undo_cl);
		return EXIT_OK;
	}
	if (argc == 2 && !strcmp(argv[1], "--list-options")) {
		cli_opts_list(stdout, &undo_cl);
		return EXIT_OK;
	}
	/* undo has no options: a word that looks like one is a mistake, not
	 * an undo file to read or an image to write */
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1]) {
			cli_err("undo: unknown option or missing value '%s' (see 'pmemscan undo --help')",
				argv[i]);
			return EXIT_USAGE;
		}
	if (argc != 3) {
		cli_err("undo: usage: pmemscan undo UNDOFILE IMAGE");
		return EXIT_USAGE;
	}
	const char *path = argv[2];
	struct ps_undo_result r;
	int code = EXIT_OK;
	if (ps_repair_undo(argv[1], path, NULL, &r)) {
		cli_err("%s", r.msg);
		/* 1: the image is not what the undo file can restore (changed
		 * since, or not the recorded sha256 after it); 3: it could not run */
		code = r.step == PS_STEP_CHECK || r.step == PS_STEP_VERIFY ?
		       EXIT_PROBLEMS : EXIT_USAGE;
	} else if (!r.have_sha256) {
		printf("restored %s: %zu of %zu patch%s had been applied and were reverted; every patched byte is the original again (no image sha256 was recorded: --no-image-hash)\n",
		       path, r.reverted, r.npatches, r.npatches == 1 ? "" : "es");
	} else {
		printf("restored %s: %zu of %zu patch%s had been applied and were reverted; sha256 %s matches the undo file\n",
		       path, r.reverted, r.npatches, r.npatches == 1 ? "" : "es", r.sha256_hex);
	}
	ps_undo_result_free(&r);
	return code;
}
