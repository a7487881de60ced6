/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pmemscan [scan] IMAGE: find every namespace, rebuild its layout, verdict. */
#include "docdir.h"
#include "bundle.h"
#include "cli.h"
#include "opts.h"
#include "err.h"
#include "imgsrc_open.h"
#include "ns.h"
#include "triage.h"
#include "scan_report.h"
#include "view.h"
#include <errno.h>
#include <getopt.h>	/* optind */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { OPT_HTML = CLI_OPT_CMD, OPT_PHYS_BASE, OPT_HASH, OPT_THREADS, OPT_IOMEM,
       OPT_NDCTL_JSON, OPT_LABELS };

static const struct cli_option scan_opts[] = {
	{ "json", 'j', NULL, 'j', CLI_COMP_NONE, NULL,
	  "  -j, --json        machine-readable report (" PS_DOC("json-schema.md") ")\n" },
	{ "html", 0, "FILE", OPT_HTML, CLI_COMP_FILE, NULL,
	  "  --html FILE       also write the report as one self-contained HTML page: a map\n"
	  "                    of the image and of each namespace to scale, verdicts,\n"
	  "                    evidence and next commands (loads nothing from the network)\n" },
	{ "phys-base", 0, "ADDR", OPT_PHYS_BASE, CLI_COMP_VALUE, NULL,
	  "  --phys-base ADDR  physical address of the image's first byte (checks section\n"
	  "                    and 2 MiB alignment the way the kernel does)\n" },
	{ "iomem", 0, "FILE", OPT_IOMEM, CLI_COMP_FILE, NULL,
	  "  --iomem FILE      a saved /proc/iomem: who shared the namespace's sections;\n"
	  "                    without --phys-base, the entry as large as the image places it\n" },
	{ "ndctl-json", 0, "FILE", OPT_NDCTL_JSON, CLI_COMP_FILE, NULL,
	  "  --ndctl-json FILE saved 'ndctl list -R -N -v' output with \"resource\" keys (same use)\n" },
	{ "labels", 0, "FILE", OPT_LABELS, CLI_COMP_FILE, NULL,
	  "  --labels FILE     a DIMM's label area ('ndctl read-labels -o' dump, or a DIMM\n"
	  "                    file with it at the end); repeat once per DIMM of the\n"
	  "                    interleave set; IMAGE is then that region's data\n" },
	{ "hash", 0, "MODE", OPT_HASH, CLI_COMP_ENUM, "auto sha256 sparse none",
	  "  --hash MODE       the image's digest in the report: sha256 (as sha256sum\n"
	  "                    prints it; one stream, one core), sparse (" PS_DOC("digest.md") ":\n"
	  "                    holes cost nothing, hashed on every core), none, or auto\n"
	  "                    (default): sha256 up to 4 GiB, sparse above\n" },
	{ "threads", 0, "N", OPT_THREADS, CLI_COMP_VALUE, NULL,
	  "  --threads N       hashing threads (default: 1 for sha256, one per CPU for\n"
	  "                    sparse; 0 hashes in the scanning thread)\n" },
	CLI_OPTS_JOURNAL,
	{ "quiet", 'q', NULL, 'q', CLI_COMP_NONE, NULL,
	  "  -q, --quiet       no progress bar (it is shown on a terminal, on stderr,\n"
	  "                    when the scan takes more than a second)\n" },
	CLI_OPTS_CACHE,
	CLI_OPT_END,
};

static const struct cli_cmdline scan_cl = {
	"scan",
	"pmemscan [scan] IMAGE [--json] [--html FILE] [--phys-base ADDR] [--hash MODE] [--threads N] [--journal replay|ignore|backup]\n"
	"  Finds pfn/dax/btt info blocks and label areas, groups them into namespaces,\n"
	"  computes the data start under the legacy and the fixed start_pad semantics,\n"
	"  probes each with libblkid and prints a verdict with the next commands.\n",
	scan_opts,
	"",
};

/* The scan's options: what only the CLI uses, and the triage's own */
struct scan_args {
	int json, quiet;
	const char *iomem, *ndjson, *html;
	const char *lfiles[16];
	struct ps_triage_opts to;
};

static int scan_option(void *ctx, int c, const char *optarg)
{
	struct scan_args *a = ctx;
	switch (c) {
	case 'j':
		a->json = 1;
		break;
	case 'q':
		a->quiet = 1;
		break;
	case OPT_PHYS_BASE:
		if (cli_parse_u64(optarg, &a->to.phys_base)) {
			cli_err("--phys-base: '%s' is not an address", optarg);
			return EXIT_USAGE;
		}
		a->to.have_phys_base = true;
		break;
	case OPT_HASH:
		if (!strcmp(optarg, "auto"))
			a->to.hash = PS_HASH_AUTO;
		else if (!strcmp(optarg, "sha256"))
			a->to.hash = PS_HASH_SHA256;
		else if (!strcmp(optarg, "sparse"))
			a->to.hash = PS_HASH_SPARSE;
		else if (!strcmp(optarg, "none"))
			a->to.hash = PS_HASH_NONE;
		else {
			cli_err("--hash: '%s' is not auto, sha256, sparse or none", optarg);
			return EXIT_USAGE;
		}
		break;
	case OPT_THREADS:
		if (cli_parse_threads(optarg, &a->to.threads))
			return EXIT_USAGE;
		break;
	case OPT_HTML:
		a->html = optarg;
		break;
	case OPT_IOMEM:
		a->iomem = optarg;
		break;
	case OPT_NDCTL_JSON:
		a->ndjson = optarg;
		break;
	case CLI_OPT_CACHE:
	case CLI_OPT_CACHE_DIR:
		cli_cache_option(c, optarg, &a->to.open);
		break;
	case CLI_OPT_JOURNAL:
		if (cli_journal_option(optarg, &a->to.journal_ignore, &a->to.journal_backup))
			return EXIT_USAGE;
		break;
	case OPT_LABELS:
		if (a->to.nlabel_files == 16) {
			cli_err("--labels: at most 16 DIMMs");
			return EXIT_USAGE;
		}
		a->lfiles[a->to.nlabel_files++] = optarg;
		break;
	}
	return 0;
}

int cmd_scan(int argc, char **argv)
{
	struct scan_args sa = {
		.to = {
			.open = { .mode = PS_OPEN_RANDOM, .msg = cli_open_notice,
				  .hint = cli_open_hint, .verify = true },
			.hash = PS_HASH_AUTO,
			.threads = -1,	/* --threads, or the default for the kind */
		},
	};
	int orc = cli_opts_parse(&scan_cl, argc, argv, scan_option, &sa);
	if (orc >= 0)
		return orc;
	const char *path = cli_one_image("scan", argc, argv, optind);
	if (!path)
		return EXIT_USAGE;
	/* a bundle from `pmemscan collect`: its images, labels and iomem
	 * are triaged together, with the places the kernel gave them */
	if (bundle_is(path))
		return bundle_triage(path, sa.json);
	sa.to.label_files = sa.lfiles;
	sa.to.map_file = sa.iomem ? sa.iomem : sa.ndjson;
	sa.to.map_is_ndctl = !sa.iomem && sa.ndjson;
	return scan_run(path, &sa.to, sa.quiet, sa.html, sa.json, NULL);
}
