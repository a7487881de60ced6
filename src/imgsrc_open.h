/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Opening an image whatever it is stored as: a plain file or block device,
 * or a compressed dump (gzip, xz, zstd, bzip2, lz4), recognised by its
 * magic bytes, never by its name.
 *
 * PS_OPEN_STREAM: a compressed dump is decoded on the fly, once, forward
 * (for the scanner). Small backward re-reads (within the look-behind,
 * default 8 MiB) are served from memory; a read further back restarts the
 * decoder from the beginning (correct but slow; counted in
 * ps_stream_stats.restarts and announced once through the message
 * callback). The decoded size is known up front only for xz (from the
 * index at the end of the file, checked again when decoding ends); for
 * gzip, zstd and bzip2 s->size is PS_SIZE_UNKNOWN until the decoder
 * reaches the end (see imgsrc.h): gzip's ISIZE is modulo 2^32, a zstd
 * frame's content size covers that frame only and counting frames would
 * need a pass over the whole file. Read forward with ps_src_read_upto(). A corrupt or truncated dump makes
 * the read fail (PS_EIO) with a one-line error naming the file, the
 * compressed offset and the decoded offset.
 *
 * PS_OPEN_RANDOM: a compressed dump is decoded once into a sparse file
 * (zero 4 KiB blocks left as holes). Without keep_cache that file has no
 * name (O_TMPFILE, or unlinked at once) and is gone when the source is
 * closed or the process dies. With keep_cache it is the cache file
 * CACHE_DIR/pmemscan-cache-<id>-<key>.img, written as .partial, fsync'd
 * and renamed; the next open of the same unchanged input reuses it (with
 * or without keep_cache). The key covers the input's device,
 * inode, size, mtime and a SHA-256 of its first and last MiB; caches of an
 * earlier version of the same input (same device and inode) are removed.
 * A lock file next to the cache serialises concurrent pmemscan runs. The
 * returned source is a plain file source on the cache (known size,
 * SEEK_DATA/SEEK_HOLE sparse map), named after the input.
 *
 * A plain (uncompressed) input is opened with ps_src_open_file() in both
 * modes.
 */
#ifndef PS_IMGSRC_OPEN_H
#define PS_IMGSRC_OPEN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "imgsrc.h"

enum ps_open_mode { PS_OPEN_STREAM = 0, PS_OPEN_RANDOM = 1 };

enum ps_compression {
	PS_COMP_NONE = 0,
	PS_COMP_GZIP,
	PS_COMP_XZ,
	PS_COMP_ZSTD,
	PS_COMP_BZIP2,
	PS_COMP_LZ4,
};

/* A notice for the user ("inflating ...", "reusing cache ..."); one line,
 * no trailing newline. */
typedef void (*ps_open_msg_fn)(void *arg, const char *msg);

struct ps_open_opts {
	enum ps_open_mode mode;
	const char *cache_dir;	/* NULL: $TMPDIR, else /tmp */
	bool keep_cache;	/* RANDOM: keep the decoded image as a cache */
	ps_open_msg_fn msg;	/* may be NULL: no notices */
	void *msg_arg;		/* must outlive a stream source (restart and
				 * trailing-data notices come later) */
	size_t lookbehind;	/* stream look-behind in bytes; 0: 8 MiB */
};

/* Which compression do these first bytes (up to 6 needed) announce? */
enum ps_compression ps_detect_compression(const uint8_t *buf, size_t len);
const char *ps_compression_name(enum ps_compression c);

/* Open path as described above. opts may be NULL (stream mode, defaults). */
int ps_src_open_auto(const char *path, const struct ps_open_opts *opts,
		     struct ps_src **out, char *err, size_t errlen);

struct ps_stream_stats {
	enum ps_compression comp;
	uint64_t compressed_size;	/* size of the compressed file */
	uint64_t compressed_pos;	/* compressed bytes fed to the decoder */
	uint64_t decoded_pos;		/* decoded bytes produced so far */
	unsigned restarts;		/* backward reads that restarted */
};
/* Progress and counters of a stream source; PS_EINVAL if s is not one. */
int ps_src_stream_stats(const struct ps_src *s, struct ps_stream_stats *st);

#endif
