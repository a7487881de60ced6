/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Extraction: a walker over a struct ps_fs that hands every entry to an
 * output writer (libarchive style: writers plugged in behind one interface).
 *   - directory writer: everything relative to OUT's fd (openat/mkdirat,
 *     O_NOFOLLOW|O_EXCL), never following a symlink, holes kept;
 *   - archive writer (libarchive), format from OUT's suffix, written to
 *     OUT.partial and renamed when complete;
 *   - null writer (counts bytes; benchmarks and fuzzing).
 * Names reach writers already sanitised: one path component each, never
 * "", "." or "..", no '/', no control bytes (unless raw_names).
 */
#ifndef PS_EXTRACT_H
#define PS_EXTRACT_H
#include <stdint.h>
#include <stdio.h>
#include "fs.h"

#define PS_NAME_MAX 255

/* Map a raw name from the image to a safe single component in out
 * (PS_NAME_MAX + 1 bytes). Returns 0 if the name was kept as is, 1 if it
 * was mapped: bytes '/', < 0x20 and 0x7f (and '%' in a mapped name) become
 * %XX; "." and ".." become "%2E" and "%2E%2E"; "" becomes "%"; names too
 * long after mapping are cut and end in "%~" and a hash of the original. */
int ps_name_sanitize(const char *name, size_t len, char *out);

struct ps_writer;

struct ps_writer_ops {
	int (*dir_enter)(struct ps_writer *w, const char *name,
			 const struct ps_fs_stat *st);
	/* Metadata of the directory being left (after its children). */
	int (*dir_leave)(struct ps_writer *w, const struct ps_fs_stat *st);
	int (*file_begin)(struct ps_writer *w, const char *name,
			  const struct ps_fs_stat *st);
	/* Data in increasing offset order; gaps are holes. */
	int (*file_data)(struct ps_writer *w, uint64_t off, const void *buf,
			 size_t len);
	/* complete == 0: the content could not be read completely. */
	int (*file_end)(struct ps_writer *w, int complete);
	int (*symlink)(struct ps_writer *w, const char *name,
		       const struct ps_fs_stat *st);
	/* target: earlier entry's path relative to OUT ('/'-separated). */
	int (*hardlink)(struct ps_writer *w, const char *name,
			const struct ps_fs_stat *st, const char *target);
	int (*special)(struct ps_writer *w, const char *name,
		       const struct ps_fs_stat *st);
	/* ok == 0: a fatal error stopped the run. */
	int (*finish)(struct ps_writer *w, int ok);
	void (*free)(struct ps_writer *w);
	/* Optional: a fatal error (disk full) stopped the file being written;
	 * drop it rather than leave it truncated under its real name. */
	void (*file_abort)(struct ps_writer *w);
	/* Optional, a --force merge (docs/cli.md "extract"): name is already in
	 * the output. cmp_begin: 0 when it is a regular file of st->size
	 * bytes, opened for comparing; 1 when it is a regular file of
	 * another size (differs); PS_EEXIST when it is anything else (kept
	 * as it is). cmp_data: 0 when the bytes at off (and the zeros of the
	 * holes before off) are what the file has there, 1 when they differ.
	 * cmp_end: the same for the holes up to st->size; ends the
	 * comparison. file_rewrite: like file_begin, for a regular file
	 * there that differs: written under a new temporary name and renamed
	 * over name by file_end (never through a symlink; a hard link of it
	 * elsewhere keeps its own content). */
	int (*cmp_begin)(struct ps_writer *w, const char *name,
			 const struct ps_fs_stat *st);
	int (*cmp_data)(struct ps_writer *w, uint64_t off, const void *buf,
			size_t len);
	int (*cmp_end)(struct ps_writer *w);
	int (*file_rewrite)(struct ps_writer *w, const char *name,
			    const struct ps_fs_stat *st);
};

struct ps_range {
	uint64_t off, len;
};

struct ps_writer {
	const struct ps_writer_ops *ops;
	void *priv;
	/* the writer wants a regular file's data map before file_begin
	 * (archives store holes in their header); the walker then sets map
	 * (NULL when there is none: all data) */
	int wants_map;
	const struct ps_range *map;
	size_t nmap;
	int has_map;		/* map is valid (nmap may be 0: all holes) */
	int fatal;		/* a write failed in a way that stops the run */
	/* The writer's words, each NULL (none) or one whole line, owned by
	 * the writer (set through extract_int.h; never cut: they name paths
	 * in the output and names from the image). */
	/* after a fatal stop: what the writer left behind, one phrase */
	char *left;
	int can_xattr;		/* the output can hold xattrs */
	char *err;		/* last error, one line */
	char *warn;		/* last non-fatal remark (owner not set...) */
	uint64_t nwarn;
	/* metadata of an entry that was written but not kept whole (an
	 * xattr that could not be set): an error of that entry, not fatal */
	char *lost;
	uint64_t nlost;
	/* --force into a non-empty directory: PS_EEXIST from the writer means
	 * "already there, kept"; without it PS_EEXIST is an error */
	int merge;
	/* set by dir_enter when it entered a directory that was there */
	int entered_existing;
};

/* Open the writer OUT's name asks for: an archive for .tar, .tar.gz,
 * .tgz, .tar.zst, .tar.xz, .zip; otherwise a directory (which must not
 * exist or be empty, and must be writable). force (PS_WRITE_FORCE): an
 * existing archive is replaced; a non-empty directory is merged into:
 * directories already there are entered, anything else already there is
 * kept and reported (PS_EEXIST from the writer), nothing is overwritten
 * or followed. Without force: PS_EEXIST for an existing archive,
 * PS_EPARTIAL for its OUT.partial left by an earlier run, PS_ENOTEMPTY
 * for a directory that is not empty (the line says which; the CLI adds
 * how forcing settles it). */
#define PS_WRITE_FORCE 1
int ps_writer_open(const char *out, int force, struct ps_writer **w,
		   char *err, size_t errlen);
int ps_writer_dir_open_flags(const char *out, int flags, struct ps_writer **w,
			     char *err, size_t errlen);
int ps_writer_archive_open(const char *out, int force, struct ps_writer **w,
			   char *err, size_t errlen);
int ps_writer_null_open(struct ps_writer **w);
/* libarchive format name for OUT, or NULL when OUT is a directory. */
const char *ps_archive_kind(const char *out);
void ps_writer_free(struct ps_writer *w);
/* Forget w->err (the walker has said it). */
void ps_writer_err_clear(struct ps_writer *w);

struct ps_extract_stats {
	uint64_t files, dirs, symlinks, hardlinks, specials;
	uint64_t bytes;		/* file content bytes read */
	uint64_t errors;	/* entries not (fully) extracted */
	uint64_t warnings;	/* metadata not fully kept */
	uint64_t renamed;
	uint64_t existing;	/* already in OUT (--force merge), kept: a
				 * regular file there only when its size and
				 * content are the image's */
	uint64_t rewritten;	/* --force merge: a regular file there that
				 * differed from the image's, written anew */
	/* entries the output cannot hold (a fifo or device in a zip, a file
	 * with over 1 GiB of holes in a zip, a device node without root, a
	 * socket): not extracted, each named on the log; also in errors */
	uint64_t dropped;
	/* entries whose own metadata failed its checksum (ps_fs_stat.csum_bad),
	 * extracted as read all the same; each is also one of errors */
	uint64_t csum;
	int interrupted;	/* the signal that stopped the run, or 0 */
};

/* A per-file block source (docs/start_pad.md "Files with two contents: the split check"): which versions of a regular file
 * to write and how to read each. versions() returns 1 or 2 and sets each
 * version's name suffix ("" keeps the file's name); read() reads version
 * v as ps_fs_read does. path: the entry's path relative to OUT. */
struct ps_extract_source {
	unsigned (*versions)(void *ctx, const char *path,
			     const struct ps_fs_stat *st, const char *suffix[2]);
	int (*read)(void *ctx, struct ps_fs *fs, const struct ps_fs_stat *st,
		    unsigned v, ps_fs_data_cb cb, void *cbctx);
	/* optional: version v (v >= 1) of the file last given to versions()
	 * is written as path (relative to OUT): its suffix may have been
	 * followed by "~N" where the plain name is an entry of the image */
	void (*placed)(void *ctx, unsigned v, const char *path);
	void *ctx;
};

struct ps_extract_opts {
	FILE *log;		/* messages, one line each (NULL: silent) */
	const char *prog;	/* prefix for messages */
	void (*progress)(void *ctx, uint64_t bytes, uint64_t files);
	void *progress_ctx;
	unsigned max_depth;	/* 0: default 1024 */
	const struct ps_extract_source *source;	/* NULL: ps_fs_read */
	/* names as the image has them, control bytes included; only "",
	 * ".", "..", '/' and names over 255 bytes are still mapped */
	int raw_names;
	/* an entry whose metadata failed its checksum (st->csum_bad != 0):
	 * path relative to OUT ("" for the top directory); the walker counts
	 * it in errors and csum and goes on */
	void (*csum_bad)(void *ctx, const char *path, const struct ps_fs_stat *st);
	void *csum_ctx;
};

/* Extract the tree at ino (a directory: its contents go to OUT's top
 * level; anything else: that one entry, under top_name). Returns PS_OK when
 * the run went through (per-entry errors are counted in stats->errors), or
 * the fatal error that stopped it. Calls w->ops->finish either way. */
int ps_extract(struct ps_fs *fs, uint64_t ino, const char *top_name,
	       struct ps_writer *w, const struct ps_extract_opts *o,
	       struct ps_extract_stats *stats);

#endif
