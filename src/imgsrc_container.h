/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal to the image openers (imgsrc_open.c, imgsrc_stream.c,
 * imgsrc_cache.c, imgsrc_ewf*.c, imgsrc_split.c): the container sources
 * behind ps_src_open_auto().
 * The public side (ps_container_info, the split-name helpers) is in
 * imgsrc_open.h.
 */
#ifndef PS_IMGSRC_CONTAINER_H
#define PS_IMGSRC_CONTAINER_H
#include "imgsrc_open.h"
#include <sys/stat.h>

/* ---- EWF (imgsrc_ewf.c) ---- */

enum ps_ewf_sig { PS_EWF_NONE = 0, PS_EWF1, PS_EWF1_LOGICAL, PS_EWF2, PS_EWF2_LOGICAL };
/* Which EWF segment file signature do these first 8 bytes carry? */
enum ps_ewf_sig ps_ewf_signature(const uint8_t *b, size_t n);

/*
 * The last section descriptor of an EWF1 segment file: its last 76 bytes
 * (type string, next offset, size, padding, Adler-32 of the first 72).
 * "next": more segments follow; "done": the set ends here; anything else
 * (bad checksum, another type, too short): the file was cut short.
 */
enum ps_ewf_tail { PS_EWF_TAIL_BAD = 0, PS_EWF_TAIL_NEXT, PS_EWF_TAIL_DONE };
#define PS_EWF1_SECTION_DESC 76
enum ps_ewf_tail ps_ewf1_tail(const uint8_t *b, size_t n);

/*
 * The segment file name after name in an EWF set: .E01 ... .E99, .EAA ...
 * .EZZ, .FAA ... .ZZZ (case kept; .s01 for SMART, .Ex01 for EWF2, .L01,
 * .Lx01 alike). 0 and the name in out, or -1 if name has no such
 * extension or it is the last one.
 */
int ps_ewf_next_segment_name(const char *name, char *out, size_t outlen);

/* Open an EWF set given any of its segments (sig from its first bytes). */
int ps_open_ewf(const char *path, enum ps_ewf_sig sig,
		const struct ps_open_opts *opts, struct ps_src **out,
		char *err, size_t errlen);
/* Fill ci if s is an EWF source; PS_EINVAL otherwise. */
int ps_ewf_container_info(const struct ps_src *s, struct ps_container_info *ci);
/* The i-th bad range found so far into d (PS_ENOTFOUND past the last;
 * d may be NULL), and the count of reads that met one into reads (may be
 * NULL); PS_EINVAL if s is not an EWF source. */
int ps_ewf_damage(const struct ps_src *s, size_t i, struct ps_damage *d,
		  uint64_t *reads);
/* Where the verification hashing stopped (the next offset to hash;
 * starting it at 0 if it was off), or UINT64_MAX when nothing is left to
 * hash (done, nothing stored, or not an EWF source). */
uint64_t ps_ewf_verify_pos(const struct ps_src *s);

/* ---- split raw (imgsrc_split.c) ---- */

/*
 * path names the first segment of a split raw image and its second
 * segment exists: open the whole set as one source (*out set, PS_OK).
 * compressed names the first segment's compression (from its magic), or
 * is NULL: the segments of a compressed dump are refused (join them).
 * path is not a first segment, or has no sibling: *out stays NULL, PS_OK
 * (a notice says so when the name looked like one). A gap, a short
 * segment, or path being a later segment: one-line error, non-zero.
 */
int ps_open_split(const char *path, const char *compressed,
		  const struct ps_open_opts *opts, struct ps_src **out,
		  char *err, size_t errlen);
int ps_split_container_info(const struct ps_src *s, struct ps_container_info *ci);

/* ---- compressed dumps ---- */

/* A notice for the user through opts->msg (nothing when it is NULL):
 * what an opener did that the user should know (imgsrc_open.c); a line
 * of text (PS_NOTICE_LINE), or a kind with its data. */
void ps_open_notice(const struct ps_open_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ps_open_note(const struct ps_open_opts *o, const struct ps_notice *n);

/* The streaming decoder source over fd (taken, closed on failure), csize
 * bytes of comp-compressed data (imgsrc_stream.c). */
int ps_open_stream_fd(int fd, const char *path, uint64_t csize,
		      enum ps_compression comp, const struct ps_open_opts *opts,
		      struct ps_src **out, char *err, size_t errlen);
int ps_stream_container_info(const struct ps_src *s, struct ps_container_info *ci);

/* The dump behind fd (taken) decoded into a temporary sparse file, or
 * into the kept cache when opts asks for one (imgsrc_cache.c); *out is
 * that file, to be wrapped by ps_dec_view_new. A truncated dump gives what
 * decoded, *brk says where it broke (brk->decoded 0: it did not), and is
 * never kept as a cache. */
int ps_open_cached(int fd, const struct stat *st, const char *path,
		   enum ps_compression comp, const struct ps_open_opts *opts,
		   struct ps_src **out, struct ps_stream_break *brk,
		   char *err, size_t errlen);
/* in (taken, closed on failure) as the decoded image of the comp dump at
 * path: reads are in's, ps_src_container_info names the dump and, when
 * cut->decoded is not 0, where its stream broke (cut may be NULL). */
int ps_dec_view_new(struct ps_src *in, const char *path, enum ps_compression comp,
		    const struct ps_stream_break *cut, struct ps_src **out,
		    char *err, size_t errlen);
int ps_dec_view_container_info(const struct ps_src *s, struct ps_container_info *ci);

#endif
