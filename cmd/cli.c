/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The helpers every command shares (cli.h): one-line errors, numbers and
 * sizes from the command line, the image operand, the cache options. */
#include "cli.h"
#include "imgsrc_open.h"
#include "progress.h"
#include "err.h"
#include "util.h"
#include <inttypes.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void cli_err(const char *fmt, ...)
{
	va_list ap;
	cli_progress_erase();	/* the bar on screen, if any, first */
	fputs("pmemscan: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Notices from opening a compressed dump ("inflating ... into cache"). */
void cli_open_notice(void *arg, const struct ps_notice *n)
{
	(void)arg;
	switch (n->kind) {
	case PS_NOTICE_DECODE_TEMP:
		cli_err("decoding %s (%s) into a temporary sparse file in %s, deleted at exit (--cache keeps it for the next command)",
			n->path, ps_compression_name(n->comp), n->dir);
		break;
	case PS_NOTICE_CACHE_FILL:
		cli_err("inflating %s (%s) into cache %s", n->path,
			ps_compression_name(n->comp), n->cache);
		break;
	case PS_NOTICE_CACHE_REUSE:
		cli_err("reusing cache %s for %s", n->cache, n->path);
		break;
	case PS_NOTICE_CACHE_WAIT:
		cli_err("waiting for another pmemscan inflating %s into %s", n->path, n->cache);
		break;
	case PS_NOTICE_CACHE_STALE:
		cli_err("removed stale cache %s/%s (its input changed)", n->dir, n->cache);
		break;
	case PS_NOTICE_CACHE_NOT_KEPT:
		cli_err("not keeping the cache of %s: the dump is truncated", n->path);
		break;
	default:
		cli_err("%s", n->text ? n->text : "");
		break;
	}
}

void cli_open_hint(char *err, size_t errlen, const struct ps_open_hint *h)
{
	size_t n = strlen(err);
	if (n + 1 >= errlen)
		return;
	if (h->kind == PS_HINT_CACHE_NOT_OURS) {
		snprintf(err + n, errlen - n, " (remove it or choose --cache-dir)");
		return;
	}
	char need[128], hs[32];
	if (h->size_known)
		snprintf(need, sizeof(need), "up to %" PRIu64 " bytes (%s; its zero blocks are left as holes)",
			 h->size, ps_human_fmt(h->size, PS_HUMAN_TENTHS, hs, sizeof(hs)));
	else
		snprintf(need, sizeof(need), "more than the %" PRIu64 " bytes written (its size is known only at its end)",
			 h->done);
	snprintf(err + n, errlen - n, "; the decoded image needs %s in %s (%s): free room there, or set TMPDIR or give --cache-dir DIR on a filesystem with room",
		 need, h->dir, h->dir_src == PS_DIR_FROM_OPTION ? "--cache-dir" :
		 h->dir_src == PS_DIR_FROM_TMPDIR ? "TMPDIR" : "the default, TMPDIR being unset");
}

size_t cli_report_damage(const char *path, const struct ps_src *s)
{
	struct ps_damage d;
	size_t i;
	for (i = 0; s && ps_src_damage(s, i, &d) == PS_OK; i++)
		cli_err("%s: damaged: bytes %" PRIu64 "-%" PRIu64 " (%" PRIu64 " bytes, an EWF chunk in %s) fail their checksum and were read as zeros; only these bytes are in doubt",
			path, d.off, d.off + d.len, d.len, d.file ? d.file : "a segment file");
	return i;
}

int cli_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	unsigned shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: break;
	}
	if (shift && (*end == 'i' || *end == 'I'))
		end++;
	if (shift && (*end == 'b' || *end == 'B'))
		end++;
	if (*end)
		return -1;
	if (shift && v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

int cli_parse_threads(const char *arg, int *out)
{
	uint64_t n;
	if (cli_parse_u64(arg, &n) || n > 64) {
		cli_err("--threads: '%s' is not a number from 0 to 64", arg);
		return -1;
	}
	*out = (int)n;
	return 0;
}

int cli_cache_option(int c, const char *arg, struct ps_open_opts *oo)
{
	switch (c) {
	case CLI_OPT_CACHE:
		oo->mode = PS_OPEN_RANDOM;
		oo->keep_cache = true;
		return 1;
	case CLI_OPT_CACHE_DIR:
		oo->mode = PS_OPEN_RANDOM;
		oo->keep_cache = true;
		oo->cache_dir = arg;
		return 1;
	}
	return 0;
}

const char *cli_one_image(const char *cmd, int argc, char **argv, int optind)
{
	if (optind == argc - 1)
		return argv[optind];
	if (optind >= argc)
		cli_err("%s: no IMAGE given (pmemscan %s --help)", cmd, cmd);
	else
		cli_err("%s: one IMAGE at a time (got %d)", cmd, argc - optind);
	return NULL;
}

int cli_ensure_dir(const char *dir)
{
	struct stat st;
	if (!dir || (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)))
		return 0;
	if (mkdir(dir, 0700) < 0) {
		cli_err("%s: cannot create directory: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int cli_bad_option(const char *cmd, char **argv)
{
	/* getopt_long has stepped past the word it choked on (for a short
	 * option inside a bundle, the word before: close enough to find) */
	cli_err("%s: unknown option or missing value '%s' (see 'pmemscan %s --help')",
		cmd, optind > 0 ? argv[optind - 1] : "", cmd);
	return EXIT_USAGE;
}
