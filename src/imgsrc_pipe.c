/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Standard input and pipes as an image (docs/input.md "Standard input and pipes"): the bytes are
 * read once, as they come, into a nameless sparse temporary file (zero
 * 4 KiB blocks left as holes), hashed on the way; that file is then opened
 * like any other input, so a compressed stream is decoded from it as a
 * compressed file would be. See imgsrc_open.h.
 */
#include "imgsrc_open.h"
#include "imgsrc_container.h"
#include "err.h"
#include "outfile.h"
#include "interrupt.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPOOL_CHUNK ((size_t)4 << 20)
#define SPOOL_BLK 4096

bool ps_path_is_pipe(const char *path)
{
	struct stat st;
	if (!strcmp(path, "-"))
		return true;
	/* /dev/stdin, /proc/self/fd/N and named FIFOs resolve to the pipe */
	return stat(path, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

static bool all_zero(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static int temp_file(const char *dir, char *err, size_t errlen, const char *name)
{
	int wfd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (wfd >= 0)
		return wfd;
	char *tpath = NULL;
	if (asprintf(&tpath, "%s/pmemscan-pipe-XXXXXX", dir) < 0) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	wfd = mkostemp(tpath, O_CLOEXEC);
	if (wfd >= 0)
		unlink(tpath);
	else
		snprintf(err, errlen, "%s: cannot create a temporary file in %s: %s",
			 name, dir, strerror(errno));
	free(tpath);
	return wfd;
}

/* Read fd to its end into wfd, holes for zero blocks; size and sha256. */
static int spool(int fd, int wfd, const char *name, struct ps_pipe_info *info,
		 const struct ps_open_opts *opts, char *err, size_t errlen)
{
	uint8_t *buf = malloc(SPOOL_CHUNK);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", name);
		return PS_ENOMEM;
	}
	struct sha256_ctx h;
	sha256_init(&h);
	uint64_t off = 0;
	int rc = PS_OK;
	bool first = true;
	for (;;) {
		/* fill the chunk (a pipe hands over at most 64 KiB a read) */
		size_t got = 0;
		while (got < SPOOL_CHUNK) {
			/* extract, carve, cat: Ctrl-C stops the copy (src/interrupt.h);
			 * the temporary file has no name, nothing is left */
			int sig = ps_intr_check();
			if (sig) {
				snprintf(err, errlen, "%s: interrupted by %s after %" PRIu64 " bytes read (its temporary copy is gone)",
					 name, ps_intr_name(sig), off + got);
				rc = PS_EIO;
				break;
			}
			ssize_t n = read(fd, buf + got, SPOOL_CHUNK - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				snprintf(err, errlen, "%s: read error at offset %" PRIu64 ": %s",
					 name, off + got, strerror(errno));
				rc = PS_EIO;
				break;
			}
			if (n == 0)
				break;
			got += (size_t)n;
		}
		if (rc)
			break;
		if (first && got)
			info->comp = ps_detect_compression(buf, got);
		first = false;
		sha256_update(&h, got, buf);
		for (size_t i = 0; i < got; i += SPOOL_BLK) {
			size_t bl = got - i < SPOOL_BLK ? got - i : SPOOL_BLK;
			if (all_zero(buf + i, bl))
				continue;
			size_t w = 0;
			while (w < bl) {
				ssize_t n = pwrite(wfd, buf + i + w, bl - w, (off_t)(off + i + w));
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0) {
					snprintf(err, errlen, "%s: cannot write its temporary copy at offset %" PRIu64 ": %s",
						 name, off + i + w, n < 0 ? strerror(errno) : "short write");
					rc = PS_EIO;
					break;
				}
				w += (size_t)n;
			}
			if (rc)
				break;
		}
		if (rc)
			break;
		off += got;
		if (got < SPOOL_CHUNK)
			break;
		if (opts->fill_progress)
			opts->fill_progress(opts->fill_progress_arg, "reading", off, 0, 0, 0);
	}
	free(buf);
	if (opts->fill_progress)
		opts->fill_progress(opts->fill_progress_arg, "reading", off, 0, 0, rc ? -1 : 1);
	if (!rc && ftruncate(wfd, (off_t)off) < 0) {
		snprintf(err, errlen, "%s: cannot set the size of its temporary copy to %" PRIu64 ": %s",
			 name, off, strerror(errno));
		rc = PS_EIO;
	}
	if (rc)
		return rc;
	uint8_t d[SHA256_DIGEST_SIZE];
	sha256_digest(&h, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++)
		snprintf(info->sha256 + 2 * i, 3, "%02x", d[i]);
	info->size = off;
	return PS_OK;
}

static int rename_src(struct ps_src *s, const char *name)
{
	for (; s; s = s->parent) {
		char *n = strdup(name);
		if (!n)
			return PS_ENOMEM;
		free(s->name);
		s->name = n;
	}
	return PS_OK;
}

int ps_src_open_pipe(const char *path, const struct ps_open_opts *opts,
		     struct ps_src **out, struct ps_pipe_info *info,
		     char *err, size_t errlen)
{
	static const struct ps_open_opts defaults = { .mode = PS_OPEN_STREAM };
	struct ps_pipe_info dummy;
	if (!info)
		info = &dummy;
	if (!opts)
		opts = &defaults;
	memset(info, 0, sizeof(*info));
	*out = NULL;
	bool std = !strcmp(path, "-");
	info->is_stdin = std;
	const char *name = std ? "standard input" : path;
	int fd = std ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return PS_EIO;
	}
	ps_input_note(fd, name);
	const char *dir = opts->cache_dir;
	if (!dir || !*dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	int wfd = temp_file(dir, err, errlen, name);
	if (wfd < 0) {
		if (!std)
			close(fd);
		return PS_EIO;
	}
	ps_open_notice(opts, "reading %s (a pipe) once into a temporary sparse file in %s, deleted at exit",
		       name, dir);
	int rc = spool(fd, wfd, name, info, opts, err, errlen);
	if (!std)
		close(fd);
	if (!rc && info->size == 0) {
		snprintf(err, errlen, "%s: empty (0 bytes read)", name);
		rc = PS_EFORMAT;
	}
	if (!rc) {
		/* the copy is an input like any other: a compressed stream is
		 * decoded from it; no cache is kept of a copy that dies with
		 * this process */
		struct ps_open_opts o = *opts;
		o.keep_cache = false;
		/* its notices would name /proc/self/fd/N: say it here instead */
		o.msg = NULL;
		if (info->comp != PS_COMP_NONE)
			ps_open_notice(opts, "%s: %s-compressed; decoding it", name,
				       ps_compression_name(info->comp));
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", wfd);
		rc = ps_src_open_auto(proc, &o, out, err, errlen);
		if (!rc && rename_src(*out, name)) {
			ps_src_close(*out);
			*out = NULL;
			snprintf(err, errlen, "%s: out of memory", name);
			rc = PS_ENOMEM;
		}
		/* a stream cut short: the notice the opener gave no one */
		struct ps_container_info ci;
		if (!rc && opts->msg && !ps_src_container_info(*out, &ci) && ci.cut)
			ps_open_notice(opts, "%s: the %s stream breaks at compressed offset %" PRIu64 " of %" PRIu64 " (%s), after %" PRIu64 " decoded bytes: reading those as a truncated image",
				       name, ci.format, ci.cut->compressed_off, ci.cut->compressed_size,
				       ci.cut->msg ? ci.cut->msg : "", ci.cut->decoded);
	}
	close(wfd);
	return rc;
}
