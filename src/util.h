/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers every layer uses, written once: hex text, UUID text,
 * human-readable sizes, and read/write loops that survive short transfers
 * and EINTR. Nothing here knows an on-media format or an image source
 * (those are le.h and imgsrc.h); util sits at the bottom of the layers
 * with le.h and err.h (docs/architecture.md).
 */
#ifndef PS_UTIL_H
#define PS_UTIL_H
#include <stddef.h>
#include <stdint.h>

/* ---- text ---- */

/* n bytes as 2n lower-case hex digits and a NUL (out holds 2n + 1). */
void ps_hex(const void *b, size_t n, char *out);
/* The reverse: exactly 2n hex digits (lower case) from s into n bytes;
 * -1 (out partly written) at the first character that is not one. */
int ps_unhex(const char *s, size_t n, uint8_t *out);
/* A 16-byte UUID in byte order as "01020304-0506-0708-090a-0b0c0d0e0f10"
 * (36 characters and a NUL). Label UUIDs are stored this way; the EFI
 * GUIDs of label.c are not (they swap the first three groups). */
void ps_uuid_str(const uint8_t u[16], char out[37]);

/*
 * A string read from an image (a label name, a volume label, a PMDK layout
 * or poolset path) as text that is safe to print and valid UTF-8: up to len
 * bytes of s, stopping at a NUL; well-formed UTF-8 sequences are copied,
 * every byte that is not part of one becomes "\xNN", and so do C0/C1 control
 * characters and DEL when PS_ESC_CONTROL is set (for a terminal; JSON
 * escapes those itself) and the characters of `also` (a quote, a
 * backslash). Always NUL-terminated (outlen >= 1); an escape or a
 * character is never cut in two. Returns the bytes written.
 */
#define PS_ESC_CONTROL 1
size_t ps_str_escape(const char *s, size_t len, unsigned flags, const char *also,
		     char *out, size_t outlen);

/*
 * v bytes for a human, in B/KiB/MiB/GiB/TiB/PiB/EiB, into buf (n bytes;
 * 24 is always enough); returns buf. Two styles of the one formatter:
 *
 * PS_HUMAN_EXACT: whole units as long as the value divides evenly, so a
 *   size the kernel aligned reads as it was made ("2014 MiB", "128 KiB");
 *   a value that does not divide and is at least 1 MiB gets one decimal in
 *   the largest unit ("1.5 GiB" for 1.5 GiB + 1 byte). Used wherever a size
 *   is evidence (analysis, repair, labels): rounding there would hide the
 *   misalignment the reader is looking for.
 * PS_HUMAN_TENTHS: always the largest unit with one decimal ("2.0 GiB"),
 *   plain bytes below 1 KiB. Used for amounts of work done (progress,
 *   extract and carve totals), where the magnitude is what matters.
 */
enum ps_human_style { PS_HUMAN_EXACT, PS_HUMAN_TENTHS };
const char *ps_human_fmt(uint64_t v, enum ps_human_style style, char *buf,
			 size_t n);
static inline const char *ps_human(uint64_t v, char *buf, size_t n)
{
	return ps_human_fmt(v, PS_HUMAN_EXACT, buf, n);
}

/* CPUs this process may run on (its affinity mask), 1..64: how many
 * hashing workers are worth starting (digest, EWF verification). */
unsigned ps_cpu_count(void);

/* ---- I/O loops ---- */

/*
 * Write all n bytes (at off for the p-variant), retrying short writes and
 * EINTR. 0, or -1 with errno set (ENOSPC when the kernel accepted nothing
 * without saying why). Callers map -1 to PS_EIO and name the file.
 */
int ps_pwrite_all(int fd, const void *b, size_t n, uint64_t off);
int ps_write_all(int fd, const void *b, size_t n);
/* The same, but n bytes that are all zero are not written: a file made
 * this way (and ftruncate'd to its size at the end) has holes where its
 * source had zeros. */
int ps_pwrite_nonzero(int fd, const void *b, size_t n, uint64_t off);
/* Write b[0..n), file offset off, as runs of the 4 KiB blocks (aligned to
 * the file's offsets, the first and last ones possibly partial) that are
 * not all zero; zero blocks are not written (holes, once the file is
 * ftruncate'd to its size). *written (may be NULL) adds the bytes of each
 * run written. 0, or -1 with errno and *fail_off the offset of the run
 * that failed. (The decode cache and carve write their images so.) */
int ps_pwrite_sparse_runs(int fd, const uint8_t *b, size_t n, uint64_t off,
			  uint64_t *written, uint64_t *fail_off);
/* Read exactly n bytes at off; -1 with errno (EIO at end of file). */
int ps_pread_all(int fd, void *b, size_t n, uint64_t off);
/* Read up to n bytes at off, fewer only at end of file (*got says how
 * many); -1 with errno on an error. */
int ps_pread_upto(int fd, void *b, size_t n, uint64_t off, size_t *got);

/* Printable form of a raw name from an image for messages (C-style
 * escapes for control bytes, backslash and quote). */
void ps_name_escape(const char *name, size_t len, char *out, size_t outlen);
/* The same, whole, in a new string (free it); NULL when out of memory.
 * For what can be longer than a name: a symlink's target. */
char *ps_name_escape_alloc(const char *name, size_t len);

#endif
