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
#include "opts.h"
#include "digest.h"
#include "err.h"
#include "imgsrc.h"
#include "imgsrc_open.h"
#include <getopt.h>	/* optind */
#include <stdio.h>
#include <string.h>

enum { OPT_SHA256 = CLI_OPT_CMD, OPT_SPARSE, OPT_THREADS };

static const struct cli_option digest_opts[] = {
	{ "sha256", 0, NULL, OPT_SHA256, CLI_COMP_NONE, NULL,
	  "  --sha256  SHA-256 of the decoded image, as sha256sum prints it (default)\n" },
	{ "sparse", 0, NULL, OPT_SPARSE, CLI_COMP_NONE, NULL,
	  "  --sparse  pmemscan-sparse-sha256-v1 (" PS_DOC("digest.md") "): the same whether\n"
	  "            zeros are holes or written, cost proportional to the data,\n"
	  "            hashed on every core\n" },
	{ "threads", 0, "N", OPT_THREADS, CLI_COMP_VALUE, NULL,
	  "  --threads N  hashing threads (default: 1 for sha256, which overlaps\n"
	  "            reading; one per CPU for sparse; 0: no threads)\n" },
	CLI_OPTS_CACHE,
	CLI_OPT_END,
};

static const struct cli_cmdline digest_cl = {
	"digest",
	"pmemscan digest IMAGE [--sha256|--sparse] [--threads N] [--cache [--cache-dir DIR]]\n",
	digest_opts,
	"",
};

struct digest_args {
	enum ps_digest_kind kind;
	int threads;		/* --threads, or -1: the default for the kind */
	struct ps_open_opts oo;
};

static int digest_option(void *ctx, int id, const char *arg)
{
	struct digest_args *a = ctx;
	if (cli_cache_option(id, arg, &a->oo))
		return 0;
	switch (id) {
	case OPT_SHA256: a->kind = PS_DIGEST_SHA256; break;
	case OPT_SPARSE: a->kind = PS_DIGEST_SPARSE; break;
	case OPT_THREADS:
		if (cli_parse_threads(arg, &a->threads))
			return EXIT_USAGE;
		break;
	}
	return 0;
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
	struct digest_args da = {
		.kind = PS_DIGEST_SHA256, .threads = -1,
		.oo = { .mode = PS_OPEN_STREAM, .msg = cli_open_notice, .hint = cli_open_hint,
			.verify = true },
	};
	int prc = cli_opts_parse(&digest_cl, argc, argv, digest_option, &da);
	if (prc >= 0)
		return prc;
	enum ps_digest_kind kind = da.kind;
	int threads = da.threads;
	struct ps_open_opts oo = da.oo;
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
	/* sha256sum -c must check what was hashed (docs/input.md "Streaming (cat, digest)"): a
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
