/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli.h"
int cmd_scan(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_err("scan: under construction");
	return EXIT_USAGE;
}
