/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Opening an image whatever it is stored as: a plain file or block device,
 * a compressed dump (gzip, xz, zstd, bzip2, lz4), recognised by its
 * magic bytes, never by its name, or a forensic container (below).
 *
 * PS_OPEN_STREAM: a compressed dump is decoded on the fly, once, forward
 * (for the scanner). Small backward re-reads (within the look-behind,
 * default 8 MiB) are served from memory; a read further back restarts the
 * decoder from the beginning (correct but slow; counted in
 * ps_stream_stats.restarts and announced once through the message
 * callback). The decoded size is known up front only for xz (from the
 * index at the end of the file, checked again when decoding ends); for
 * gzip, zstd, bzip2 and lz4 s->size is PS_SIZE_UNKNOWN until the decoder
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
 *
 * Forensic containers (docs/input.md), in both modes, with no decoded copy:
 * - an EWF set (EnCase E01/Ex01, SMART, ...; recognised by the segment
 *   file signature, as libewf_check_file_signature does) is read through
 *   libewf, which has random access: every segment is opened given any one
 *   of them. Its stored MD5/SHA1 and acquisition metadata are in
 *   ps_src_container_info(); the data is checked against them as it is
 *   read front to back (see ps_verify_state).
 * - split raw segments (NAME.001 NAME.002 ..., NAME.000 ..., xaa xab ...,
 *   x00 x01 ..., NAME.aa ...), recognised by the name of the first segment
 *   and the existence of the second, are read as one image.
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

/*
 * A notice for the user: what an opener did that the user should know. The
 * decoded copy's notices are kinds with their data, which the CLI words
 * (cmd/cli.c); the other openers' are one line of text (PS_NOTICE_LINE,
 * no trailing newline). The strings live for the call only.
 */
enum ps_notice_kind {
	PS_NOTICE_LINE = 0,	/* text */
	PS_NOTICE_DECODE_TEMP,	/* path, comp, dir: decoding into a temporary
				 * file there, gone at exit (no cache kept) */
	PS_NOTICE_CACHE_FILL,	/* path, comp, cache: decoding into that cache */
	PS_NOTICE_CACHE_REUSE,	/* path, cache: a cache kept earlier is read */
	PS_NOTICE_CACHE_WAIT,	/* path, cache: another process fills it */
	PS_NOTICE_CACHE_STALE,	/* dir, cache (its name in dir): removed, its
				 * input changed */
	PS_NOTICE_CACHE_NOT_KEPT,	/* path: a truncated dump's copy */
};
struct ps_notice {
	enum ps_notice_kind kind;
	const char *text;
	const char *path, *dir, *cache;
	enum ps_compression comp;
};
typedef void (*ps_open_msg_fn)(void *arg, const struct ps_notice *n);

/*
 * What settles an error of the decoded copy, which the caller words after
 * the error line (the CLI names its options; cmd/cli.c): the line in err
 * ends with the error itself.
 */
enum ps_open_hint_kind {
	PS_HINT_ROOM = 1,	/* out of room in dir: need (size_known: the
				 * decoded size, else more than done bytes),
				 * dir and where dir comes from (dir_src) */
	PS_HINT_CACHE_NOT_OURS,	/* a cache file that is not ours: remove it or
				 * choose another cache directory */
};
enum ps_dir_src {
	PS_DIR_FROM_OPTION = 0,	/* ps_open_opts.cache_dir */
	PS_DIR_FROM_TMPDIR,	/* $TMPDIR */
	PS_DIR_DEFAULT,		/* /tmp, TMPDIR being unset */
};
struct ps_open_hint {
	enum ps_open_hint_kind kind;
	bool size_known;
	uint64_t size, done;
	const char *dir;
	enum ps_dir_src dir_src;
};
/* Append the words for h to the line out (len bytes, NUL-terminated,
 * room left after its end: never cut, at worst shortened). */
typedef void (*ps_open_hint_fn)(char *out, size_t len, const struct ps_open_hint *h);

/* Progress of filling the decoded copy (decoding a compressed dump, or
 * reading a pipe, into the cache or temporary file): what ("decoding",
 * "reading"), bytes written so far, the input's position and size (0:
 * unknown, a pipe); last is 0 while it runs, then once 1 (the copy is
 * complete) or -1 (an error stopped it). */
typedef void (*ps_fill_progress_fn)(void *arg, const char *what, uint64_t written,
				    uint64_t in_pos, uint64_t in_total, int last);

struct ps_open_opts {
	enum ps_open_mode mode;
	const char *cache_dir;	/* NULL: $TMPDIR, else /tmp */
	bool keep_cache;	/* RANDOM: keep the decoded image as a cache */
	ps_open_msg_fn msg;	/* may be NULL: no notices */
	ps_open_hint_fn hint;	/* may be NULL: an error line says no more */
	void *msg_arg;		/* must outlive a stream source (restart and
				 * trailing-data notices come later) */
	size_t lookbehind;	/* stream look-behind in bytes; 0: 8 MiB */
	bool verify;		/* EWF: check the data read front to back
				 * against the stored MD5/SHA1 (see
				 * ps_verify_state; costs MD5 + SHA1 time) */
	ps_fill_progress_fn fill_progress;	/* may be NULL */
	void *fill_progress_arg;
};

/*
 * Damage: a range of the image that could not be read and was read as
 * zeros instead (an EWF chunk failing its checksum), so that the rest of
 * the image stays usable. Ranges are found as they are read: a command
 * lists them at its end, and compares ps_src_damage_reads() before and
 * after reading something to know whether its bytes met one. Both take
 * the opened image or any view of it.
 */
struct ps_damage {
	uint64_t off, len;	/* in the image */
	const char *file;	/* the file holding it (an EWF segment) or NULL;
				 * valid while the image is open */
};
/* The i-th range found so far: PS_OK, or PS_ENOTFOUND past the last. */
int ps_src_damage(const struct ps_src *s, size_t i, struct ps_damage *d);
/* How many reads so far returned zeros for damaged bytes. */
uint64_t ps_src_damage_reads(const struct ps_src *s);

/* Which compression do these first bytes (up to 6 needed) announce? */
enum ps_compression ps_detect_compression(const uint8_t *buf, size_t len);
const char *ps_compression_name(enum ps_compression c);

/* Open path as described above. opts may be NULL (stream mode, defaults). */
int ps_src_open_auto(const char *path, const struct ps_open_opts *opts,
		     struct ps_src **out, char *err, size_t errlen);

/* ---- standard input and pipes (imgsrc_pipe.c) ---- */

/* "-" (standard input), or a path that is a FIFO or socket (/dev/stdin
 * when it is a pipe, a named pipe): bytes that can be read only once. */
bool ps_path_is_pipe(const char *path);

struct ps_pipe_info {
	bool is_stdin;		/* "-" */
	uint64_t size;		/* bytes read from it */
	char sha256[65];	/* of those bytes, hex */
	enum ps_compression comp;	/* what they were (decoded after) */
};

/*
 * Read such a pipe to its end, once, into a nameless sparse temporary file
 * in opts->cache_dir, $TMPDIR or /tmp (deleted when the source is closed
 * or the process dies; keep_cache is ignored: nothing names the stream
 * again), hashing the bytes as they come (info, may be NULL); then open
 * that file as ps_src_open_auto does (a compressed stream is decoded).
 * The source is named "standard input" or path. ps_src_open_auto calls
 * this for such a path.
 */
int ps_src_open_pipe(const char *path, const struct ps_open_opts *opts,
		     struct ps_src **out, struct ps_pipe_info *info,
		     char *err, size_t errlen);

struct ps_stream_stats {
	enum ps_compression comp;
	uint64_t compressed_size;	/* size of the compressed file */
	uint64_t compressed_pos;	/* compressed bytes fed to the decoder */
	uint64_t decoded_pos;		/* decoded bytes produced so far */
	unsigned restarts;		/* backward reads that restarted */
};
/* Progress and counters of a stream source; PS_EINVAL if s is not one. */
int ps_src_stream_stats(const struct ps_src *s, struct ps_stream_stats *st);

/*
 * Where a compressed dump stops decoding because the compressed file ends
 * inside a member/stream/frame (a truncated .gz/.xz/.zst/.bz2/.lz4). In
 * PS_OPEN_RANDOM mode such a dump is not refused: the bytes that decode
 * (decoded, from offset 0) become the image, which then reads as a
 * truncated image, and ps_src_container_info says where it broke. A dump
 * that is corrupt (a checksum, a bad block) is still refused, in both
 * modes, and so is a truncated one in stream mode (digest, cat).
 */
struct ps_stream_break {
	uint64_t compressed_off;	/* compressed bytes read when it broke */
	uint64_t compressed_size;	/* the compressed file's size */
	uint64_t decoded;		/* bytes that decoded: the image */
	char *msg;			/* the decoder's words, whole (owned:
					 * ps_stream_break_free) */
};
/* Free b->msg and clear b. */
void ps_stream_break_free(struct ps_stream_break *b);
/* PS_OK and *b if the stream source s failed because its compressed input
 * ended; PS_ENOTFOUND if it did not (or has not yet); PS_EINVAL if s is
 * not a stream source. */
int ps_src_stream_break(const struct ps_src *s, struct ps_stream_break *b);

/* ---- what an image is stored as ---- */

enum ps_container_kind {
	PS_CONT_PLAIN = 0,	/* a file or block device, read as it is */
	PS_CONT_COMPRESSED,	/* gzip, xz, zstd, bzip2 or lz4, decoded */
	PS_CONT_EWF,		/* EWF evidence (E01, Ex01, S01) through libewf */
	PS_CONT_SPLIT,		/* split raw segments, concatenated */
};

/*
 * Checking an EWF image against the MD5/SHA1 stored in it (opened with
 * ps_open_opts.verify, or from ps_src_verify() on). The source hashes
 * (MD5 and SHA1, in the reading thread) the bytes it is asked for as long
 * as they continue the bytes it hashed before, starting at 0: a
 * front-to-back pass that happens anyway (the scan's, digest's, cat's)
 * verifies the image at no extra I/O; random reads before, between or
 * after do not disturb it. When the hashed prefix reaches the end the
 * state becomes MATCH or MISMATCH and a notice says so (opts->msg).
 */
enum ps_verify_state {
	PS_VERIFY_NONE = 0,	/* no stored hash to check (or not an EWF source) */
	PS_VERIFY_PENDING,	/* not read in full, in order, yet */
	PS_VERIFY_MATCH,	/* every stored hash equals the data's */
	PS_VERIFY_MISMATCH,	/* a stored hash differs from the data's */
	PS_VERIFY_OFF,		/* hashes stored, checking not asked for */
};
const char *ps_verify_name(enum ps_verify_state v);	/* "match", ... */

#define PS_CONT_META_MAX 12
struct ps_container_meta {
	const char *key;	/* JSON key: "case_number", "examiner", ... */
	const char *label;	/* for text: "case number", "examiner", ... */
	const char *value;
};

/* Valid while the source is open. */
struct ps_container_info {
	enum ps_container_kind kind;
	const char *format;	/* "raw", "gzip", ..., "EnCase 6", "split raw" */
	size_t nsegments;	/* the files the image is read from, in order */
	const char *const *segments;
	uint64_t segment_size;	/* split: size of each segment but the last */
	uint64_t media_size;	/* bytes of image data (s->size when known) */
	/* EWF */
	const char *stored_md5, *stored_sha1;	/* lower-case hex; NULL: absent */
	const char *data_md5, *data_sha1;	/* of the data, once read in full */
	enum ps_verify_state verify;
	uint32_t bytes_per_sector, chunk_size;
	uint32_t acquisition_errors;	/* sector runs unreadable when acquired */
	size_t nmeta;			/* acquisition metadata present */
	struct ps_container_meta meta[PS_CONT_META_MAX];
	/* compressed: the dump's stream breaks (truncated), see
	 * ps_stream_break; NULL when it decoded to its end */
	const struct ps_stream_break *cut;
};

/* What s (as returned by ps_src_open_auto, or any other source: "raw") is
 * stored as. */
int ps_src_container_info(const struct ps_src *s, struct ps_container_info *ci);

/* Verification on request: read an EWF image front to back from where
 * the hashing stopped (from 0 if it was not asked for at open) so that
 * its verification completes; a no-op for other sources, without stored
 * hashes, and when done. Errors: the source's. */
int ps_src_verify(struct ps_src *s);

/*
 * Split raw segment names. A first segment is NAME.001 / NAME.000 /
 * NAME.00 ... (two or more digits after a dot, value 0 or 1), NAME.aa /
 * NAME.aaa ... (two or more letters after a dot, all 'a'), or GNU split's
 * default names x00 / xaa. ps_split_next_name() gives the name that
 * follows name with the same suffix width (dump.009 -> dump.010, xaz ->
 * xba) into out, and GNU split's widened name (xyz -> xzaaa, x89 -> x9000)
 * into wide (empty when not at such a step). 0 on success, -1 if name has
 * no split suffix or the suffix cannot grow.
 */
int ps_split_is_first_name(const char *path);
int ps_split_next_name(const char *path, char *out, size_t outlen,
		       char *wide, size_t widelen);

#endif
