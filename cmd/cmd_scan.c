/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pmemscan [scan] IMAGE: find every namespace, rebuild its layout, verdict. */
#include "docdir.h"
#include "bundle.h"
#include "cli.h"
#include "err.h"
#include "imgsrc_open.h"
#include "ns.h"
#include "triage.h"
#include "scan_report.h"
#include "view.h"
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum hash_mode { HASH_AUTO, HASH_SHA256, HASH_SPARSE, HASH_NONE };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pmemscan [scan] IMAGE [--json] [--html FILE] [--phys-base ADDR] [--hash MODE] [--threads N] [--journal replay|ignore|backup]\n"
		"  Finds pfn/dax/btt info blocks and label areas, groups them into namespaces,\n"
		"  computes the data start under the legacy and the fixed start_pad semantics,\n"
		"  probes each with libblkid and prints a verdict with the next commands.\n"
		"  -j, --json        machine-readable report (" PS_DOC("json-schema.md") ")\n"
		"  --html FILE       also write the report as one self-contained HTML page: a map\n"
		"                    of the image and of each namespace to scale, verdicts,\n"
		"                    evidence and next commands (loads nothing from the network)\n"
		"  --phys-base ADDR  physical address of the image's first byte (checks section\n"
		"                    and 2 MiB alignment the way the kernel does)\n"
		"  --iomem FILE      a saved /proc/iomem: who shared the namespace's sections;\n"
		"                    without --phys-base, the entry as large as the image places it\n"
		"  --ndctl-json FILE saved 'ndctl list -R -N -v' output with \"resource\" keys (same use)\n"
		"  --labels FILE     a DIMM's label area ('ndctl read-labels -o' dump, or a DIMM\n"
		"                    file with it at the end); repeat once per DIMM of the\n"
		"                    interleave set; IMAGE is then that region's data\n"
		"  --hash MODE       the image's digest in the report: sha256 (as sha256sum\n"
		"                    prints it; one stream, one core), sparse (" PS_DOC("digest.md") ":\n"
		"                    holes cost nothing, hashed on every core), none, or auto\n"
		"                    (default): sha256 up to 4 GiB, sparse above\n"
		"  --threads N       hashing threads (default: 1 for sha256, one per CPU for\n"
		"                    sparse; 0 hashes in the scanning thread)\n"
		CLI_JOURNAL_HELP
		"  -q, --quiet       no progress bar (it is shown on a terminal, on stderr,\n"
		"                    when the scan takes more than a second)\n"
		CLI_CACHE_USAGE);
}

int cmd_scan(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "html", required_argument, NULL, 'W' },
		{ "phys-base", required_argument, NULL, 'p' },
		{ "hash", required_argument, NULL, 'H' },
		{ "threads", required_argument, NULL, 'T' },
		{ "iomem", required_argument, NULL, 'I' },
		{ "ndctl-json", required_argument, NULL, 'N' },
		{ "labels", required_argument, NULL, 'L' },
		{ "quiet", no_argument, NULL, 'q' },
		CLI_CACHE_LONGOPTS,
		CLI_JOURNAL_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int json = 0, quiet = 0, c;
	const char *iomem = NULL, *ndjson = NULL, *html = NULL;
	struct ps_open_opts oo = { .mode = PS_OPEN_RANDOM, .msg = cli_open_notice,
				   .verify = true };
	const char *lfiles[16];
	int nlfiles = 0;
	enum hash_mode hm = HASH_AUTO;
	int threads = -1;	/* --threads, or -1: the default for the kind */
	bool jignore = false;	/* --journal ignore */
	bool jbackup = false;	/* --journal backup */
	struct ps_analysis_opts ao;
	memset(&ao, 0, sizeof(ao));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "jqh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'p':
			if (cli_parse_u64(optarg, &ao.phys_base)) {
				cli_err("--phys-base: '%s' is not an address", optarg);
				return EXIT_USAGE;
			}
			ao.have_phys_base = true;
			break;
		case 'H':
			if (!strcmp(optarg, "auto"))
				hm = HASH_AUTO;
			else if (!strcmp(optarg, "sha256"))
				hm = HASH_SHA256;
			else if (!strcmp(optarg, "sparse"))
				hm = HASH_SPARSE;
			else if (!strcmp(optarg, "none"))
				hm = HASH_NONE;
			else {
				cli_err("--hash: '%s' is not auto, sha256, sparse or none", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'T':
			if (cli_parse_threads(optarg, &threads))
				return EXIT_USAGE;
			break;
		case 'W':
			html = optarg;
			break;
		case 'I':
			iomem = optarg;
			break;
		case 'N':
			ndjson = optarg;
			break;
		case CLI_OPT_CACHE:
		case CLI_OPT_CACHE_DIR:
			cli_cache_option(c, optarg, &oo);
			break;
		case CLI_OPT_JOURNAL:
			if (cli_journal_option(optarg, &jignore, &jbackup))
				return EXIT_USAGE;
			break;
		case 'L':
			if (nlfiles == 16) {
				cli_err("--labels: at most 16 DIMMs");
				return EXIT_USAGE;
			}
			lfiles[nlfiles++] = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return cli_bad_option("scan", argv);
		}
	}
	const char *path = cli_one_image("scan", argc, argv, optind);
	if (!path)
		return EXIT_USAGE;
	/* a bundle from `pmemscan collect`: its images, labels and iomem
	 * are triaged together, with the places the kernel gave them */
	if (bundle_is(path))
		return bundle_triage(path, json);
	struct ps_triage_opts to = {
		.open = oo,
		.hash = hm == HASH_SHA256 ? PS_HASH_SHA256 : hm == HASH_SPARSE ? PS_HASH_SPARSE :
			hm == HASH_NONE ? PS_HASH_NONE : PS_HASH_AUTO,
		.threads = threads,
		.have_phys_base = ao.have_phys_base,
		.phys_base = ao.phys_base,
		.journal_ignore = jignore,
		.journal_backup = jbackup,
	};
	to.label_files = lfiles;
	to.nlabel_files = (size_t)nlfiles;
	to.map_file = iomem ? iomem : ndjson;
	to.map_is_ndctl = !iomem && ndjson;
	return scan_run(path, &to, quiet, html, json, NULL);
}
