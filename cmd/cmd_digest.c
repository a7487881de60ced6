/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pmemscan digest IMAGE [--sha256|--sparse]: a content digest of the
 * decoded image. --sha256 (default) equals sha256sum of the decoded image;
 * --sparse is the sparse-cheap digest of docs/digest.md (holes and written
 * zeros give the same value; time proportional to the non-zero data).
 * Output: "HEX  IMAGE", as sha256sum prints.
 */
#include "docdir.h"
#include "cli.h"
#include "digest.h"
#include "err.h"
#include "imgsrc.h"
#include "imgsrc_open.h"
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: pmemscan digest IMAGE [--sha256|--sparse] [--threads N] [--cache [--cache-dir DIR]]\n"
		   "  --sha256  SHA-256 of the decoded image, as sha256sum prints it (default)\n"
		   "  --sparse  pmemscan-sparse-sha256-v1 (" PS_DOC("digest.md") "): the same whether\n"
		   "            zeros are holes or written, cost proportional to the data,\n"
		   "            hashed on every core\n"
		   "  --threads N  hashing threads (default: 1 for sha256, which overlaps\n"
		   "            reading; one per CPU for sparse; 0: no threads)\n"
		   CLI_CACHE_USAGE);
}

/* The name the digest line gives what was hashed. */
static void digest_name(const char *path, const struct ps_container_info *ci,
			enum ps_digest_kind kind, char *out, size_t len)
{
	static const char *const sfx[] = { ".gz", ".xz", ".zst", ".bz2", ".lz4" };
	(void)kind;
	snprintf(out, len, "%s", path);
	if (ci->kind == PS_CONT_PLAIN)
		return;
	snprintf(out, len, "-");
	if (ci->kind != PS_CONT_COMPRESSED)
		return;
	size_t n = strlen(path);
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		size_t l = strlen(sfx[i]);
		const char *base = strrchr(path, '/');
		base = base ? base + 1 : path;
		if (n > l && strlen(base) > l && !strcmp(path + n - l, sfx[i])) {
			snprintf(out, len, "%.*s", (int)(n - l), path);
			return;
		}
	}
}

int cmd_digest(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "sha256", no_argument, NULL, 's' },
		{ "sparse", no_argument, NULL, 'S' },
		{ "threads", required_argument, NULL, 'T' },
		CLI_CACHE_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum ps_digest_kind kind = PS_DIGEST_SHA256;
	int threads = -1;	/* --threads, or -1: the default for the kind */
	struct ps_open_opts oo = { .mode = PS_OPEN_STREAM, .msg = cli_open_notice,
				   .verify = true };
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (cli_cache_option(c, optarg, &oo))
			continue;
		switch (c) {
		case 's': kind = PS_DIGEST_SHA256; break;
		case 'S': kind = PS_DIGEST_SPARSE; break;
		case 'T':
			if (cli_parse_threads(optarg, &threads))
				return EXIT_USAGE;
			break;
		case 'h': usage(stdout); return EXIT_OK;
		default: return cli_bad_option("digest", argv);
		}
	}
	if (optind != argc - 1) {
		cli_err("digest: %s (see 'pmemscan digest --help')",
			optind >= argc ? "IMAGE missing" : "one IMAGE at a time");
		return EXIT_USAGE;
	}
	const char *path = argv[optind];
	char err[PS_ERR_LINE_MAX], hex[2 * PS_DIGEST_SIZE + 1];
	uint8_t dig[PS_DIGEST_SIZE];
	struct ps_src *s;
	if (ps_src_open_auto(path, &oo, &s, err, sizeof(err))) {
		cli_err("%s", err);
		return EXIT_USAGE;
	}
	if (ps_digest_src(s, kind, threads >= 0 ? (unsigned)threads :
			  ps_digest_default_threads(kind), dig, hex, NULL)) {
		cli_err("%s", ps_src_error(s));
		ps_src_close(s);
		return EXIT_USAGE;
	}
	/* an EWF image read in full was checked against its stored hashes
	 * on the way (a notice says how it went): a mismatch is a problem */
	struct ps_container_info ci;
	ps_src_container_info(s, &ci);
	int code = ci.verify == PS_VERIFY_MISMATCH ? EXIT_PROBLEMS : EXIT_OK;
	/* bytes that could not be read are zeros in the digest: said, exit 1 */
	if (cli_report_damage(path, s))
		code = EXIT_PROBLEMS;
	/* sha256sum -c must check what was hashed (issue 26 item 15): a
	 * decoded content is named as the decompressor names its output
	 * (dump.img.xz: dump.img), or "-" (the content on standard input,
	 * 'pmemscan cat IMAGE | sha256sum -c') when it has no file of its
	 * own (EWF, split segments, a suffix no decompressor strips); a
	 * notice on stderr says so (stdout stays one sha256sum line) */
	char name[4096];
	digest_name(path, &ci, kind, name, sizeof(name));
	if (ci.kind != PS_CONT_PLAIN)
		fprintf(stderr, "pmemscan: digest: the %s is that of the content of %s decoded (%s), not of the file itself; %s%s%s\n",
			kind == PS_DIGEST_SPARSE ? "pmemscan-sparse-sha256-v1" : "sha256",
			path, ci.format ? ci.format : "decoded",
			strcmp(name, "-") ? "the line names it as the decompressor names its output, " : "",
			strcmp(name, "-") ? name : "the line names it '-' (standard input): check it with 'pmemscan cat IMAGE | sha256sum -c FILE'",
			strcmp(name, "-") && kind != PS_DIGEST_SPARSE ? " (sha256sum -c checks that file)" : "");
	ps_src_close(s);
	printf("%s  %s\n", hex, name);
	return code;
}
