/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ps_src_open_auto(): what an IMAGE argument is and which source reads
 * it. EWF by its signature, split raw by its name, a compressed dump by
 * its magic (then streamed, imgsrc_stream.c, or decoded for random
 * access, imgsrc_cache.c), anything else as a plain file. Also what the
 * opened source is stored as (ps_src_container_info) and the notices the
 * openers give. See imgsrc_open.h for the contract.
 */
#include "imgsrc_open.h"
#include "imgsrc_container.h"
#include "err.h"
#include "outfile.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void ps_open_notice(const struct ps_open_opts *o, const char *fmt, ...)
{
	char *buf = NULL;
	va_list ap;
	if (!o || !o->msg)
		return;
	va_start(ap, fmt);
	int n = vasprintf(&buf, fmt, ap);	/* whole: paths are never cut */
	va_end(ap);
	if (n < 0)
		return;
	o->msg(o->msg_arg, &(struct ps_notice){ .kind = PS_NOTICE_LINE, .text = buf });
	free(buf);
}

void ps_open_note(const struct ps_open_opts *o, const struct ps_notice *n)
{
	if (o && o->msg)
		o->msg(o->msg_arg, n);
}

enum ps_compression ps_detect_compression(const uint8_t *b, size_t n)
{
	if (n >= 3 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8)
		return PS_COMP_GZIP;
	if (n >= 6 && !memcmp(b, "\xfd" "7zXZ\0", 6))
		return PS_COMP_XZ;
	if (n >= 4 && !memcmp(b, "\x28\xb5\x2f\xfd", 4))
		return PS_COMP_ZSTD;
	/* a zstd file may begin with a skippable frame (0x184D2A5?) */
	if (n >= 4 && (b[0] & 0xf0) == 0x50 && b[1] == 0x2a && b[2] == 0x4d &&
	    b[3] == 0x18)
		return PS_COMP_ZSTD;
	if (n >= 4 && b[0] == 'B' && b[1] == 'Z' && b[2] == 'h' &&
	    b[3] >= '1' && b[3] <= '9')
		return PS_COMP_BZIP2;
	/* lz4 frame (0x184D2204 LE), and the legacy format (lz4 -l,
	 * 0x184C2102), recognised so that it is refused by name */
	if (n >= 4 && (!memcmp(b, "\x04\x22\x4d\x18", 4) ||
		       !memcmp(b, "\x02\x21\x4c\x18", 4)))
		return PS_COMP_LZ4;
	return PS_COMP_NONE;
}

const char *ps_compression_name(enum ps_compression c)
{
	switch (c) {
	case PS_COMP_NONE: return "none";
	case PS_COMP_GZIP: return "gzip";
	case PS_COMP_XZ: return "xz";
	case PS_COMP_ZSTD: return "zstd";
	case PS_COMP_BZIP2: return "bzip2";
	case PS_COMP_LZ4: return "lz4";
	}
	return "?";
}

const char *ps_verify_name(enum ps_verify_state v)
{
	switch (v) {
	case PS_VERIFY_NONE: return "none";
	case PS_VERIFY_PENDING: return "pending";
	case PS_VERIFY_MATCH: return "match";
	case PS_VERIFY_MISMATCH: return "mismatch";
	case PS_VERIFY_OFF: return "off";
	}
	return "?";
}

static const struct ps_src *src_root(const struct ps_src *s)
{
	while (s && s->parent)
		s = s->parent;
	return s;
}

int ps_src_damage(const struct ps_src *s, size_t i, struct ps_damage *d)
{
	int r = ps_ewf_damage(src_root(s), i, d, NULL);
	return r == PS_EINVAL ? PS_ENOTFOUND : r;
}

uint64_t ps_src_damage_reads(const struct ps_src *s)
{
	uint64_t n = 0;
	if (ps_ewf_damage(src_root(s), 0, NULL, &n))
		return 0;
	return n;
}

int ps_src_container_info(const struct ps_src *s, struct ps_container_info *ci)
{
	if (!s)
		return PS_EINVAL;
	/* each container module recognises its own sources */
	if (ps_ewf_container_info(s, ci) == PS_OK || ps_split_container_info(s, ci) == PS_OK ||
	    ps_stream_container_info(s, ci) == PS_OK ||
	    ps_dec_view_container_info(s, ci) == PS_OK)
		return PS_OK;
	memset(ci, 0, sizeof(*ci));
	ci->media_size = s->size;
	ci->nsegments = 1;
	ci->kind = PS_CONT_PLAIN;
	ci->format = "raw";
	ci->segments = (const char *const *)&s->name;
	return PS_OK;
}

int ps_src_verify(struct ps_src *s)
{
	uint64_t pos = ps_ewf_verify_pos(s);
	if (pos == UINT64_MAX)
		return PS_OK;
	const size_t chunk = 1 << 20;
	uint8_t *buf = malloc(chunk);
	if (!buf) {
		ps_src_set_error(s, "%s: out of memory", s->name);
		return PS_ENOMEM;
	}
	int r = PS_OK;
	while (pos < s->size) {
		size_t n = s->size - pos < chunk ? (size_t)(s->size - pos) : chunk;
		r = ps_src_pread(s, buf, n, pos);
		if (r)
			break;
		pos += n;
	}
	free(buf);
	return r;
}

int ps_src_open_auto(const char *path, const struct ps_open_opts *opts,
		     struct ps_src **out, char *err, size_t errlen)
{
	static const struct ps_open_opts defaults = { .mode = PS_OPEN_STREAM };
	uint8_t magic[8];
	struct stat st;
	size_t got = 0;
	if (!opts)
		opts = &defaults;
	*out = NULL;
	if (ps_path_is_pipe(path))	/* read once into a temporary file */
		return ps_src_open_pipe(path, opts, out, NULL, err, errlen);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return PS_EIO;
	}
	ps_input_note(fd, path);
	if (fstat(fd, &st) < 0 || ps_pread_upto(fd, magic, sizeof(magic), 0, &got)) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		close(fd);
		return PS_EIO;
	}
	enum ps_compression c = S_ISREG(st.st_mode) ?
		ps_detect_compression(magic, got) : PS_COMP_NONE;
	if (S_ISREG(st.st_mode)) {
		/* containers: EWF by its signature, split raw by its name */
		enum ps_ewf_sig es = ps_ewf_signature(magic, got);
		if (es != PS_EWF_NONE) {
			close(fd);
			return ps_open_ewf(path, es, opts, out, err, errlen);
		}
		struct ps_src *sp = NULL;
		int r = ps_open_split(path, c != PS_COMP_NONE ? ps_compression_name(c) : NULL,
				      opts, &sp, err, errlen);
		if (r || sp) {
			close(fd);
			*out = sp;
			return r;
		}
	}
	if (c == PS_COMP_NONE) {
		close(fd);
		return ps_src_open_file(path, out, err, errlen);
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (opts->mode == PS_OPEN_RANDOM) {
		struct ps_src *f = NULL;
		struct ps_stream_break brk;
		memset(&brk, 0, sizeof(brk));
		int r = ps_open_cached(fd, &st, path, c, opts, &f, &brk, err, errlen);
		if (r) {
			ps_stream_break_free(&brk);
			return r;
		}
		if (brk.decoded)
			ps_open_notice(opts, "%s: the %s stream breaks at compressed offset %" PRIu64 " of %" PRIu64 " (%s), after %" PRIu64 " decoded bytes: reading those as a truncated image",
				       path, ps_compression_name(c), brk.compressed_off,
				       brk.compressed_size, brk.msg ? brk.msg : "", brk.decoded);
		r = ps_dec_view_new(f, path, c, &brk, out, err, errlen);
		ps_stream_break_free(&brk);
		return r;
	}
	return ps_open_stream_fd(fd, path, (uint64_t)st.st_size, c, opts, out, err, errlen);
}
