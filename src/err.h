/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Explicit error codes for the pmemscan library (e2fsprogs style), and the
 * rule for how an error travels, which every module follows:
 *
 * 1. The code. A library function returns an enum ps_err (PS_OK is 0).
 *    Never -1 with errno: the util.h I/O loops, which do, sit below this
 *    rule and their callers turn -1 into PS_EIO.
 * 2. The words travel with the object that failed, as one line naming the
 *    file, offset and field:
 *    - a read through an image source: the source keeps it (ps_src_error;
 *      ps_src_strerror(s, rc) gives that line or ps_strerror(rc));
 *    - a filesystem, a writer, a repair: its handle or result keeps it
 *      (ps_fs.err, ps_writer.err, ps_apply_result.msg,
 *      ps_undo_result.msg);
 *    - a call that creates the handle (ps_src_open_auto, the container
 *      openers, ps_fs_open, ps_ns_data_view) or writes a file the caller
 *      named (ps_carve) has no handle to keep it in yet, so it takes the
 *      caller's buffer (char *err, size_t errlen). Only these.
 *    No fixed buffer cuts the line: a handle's is sized to fit (line.h),
 *    a caller's is PS_ERR_LINE_MAX. The line names no option or command of the CLI
 *    (tests/cli/words.sh): a case the user can settle with an option gets
 *    its own code or kind, and cmd/ adds the words (repair's refusals and
 *    notes: struct ps_repair_why, said by cmd/repair_render.c).
 * 3. What is wrong in the bytes is not an error. A parser that finds a bad
 *    checksum or an impossible field records a diagnostic (diag.h: offset,
 *    field, message) and goes on; its code says only whether it could
 *    produce a result at all.
 * 4. The CLI turns the code into an exit code (cmd/cli.h) and prints the
 *    line from 2 once: "pmemscan: LINE".
 */
#ifndef PS_ERR_H
#define PS_ERR_H
#include <limits.h>

enum ps_err {
	PS_OK = 0,
	PS_ENOTFOUND,	/* the structure's signature is not there */
	PS_ETRUNC,	/* buffer or image too short for the structure */
	PS_EFORMAT,	/* structure found but unusable */
	PS_ERANGE,	/* an offset or size points outside its container */
	PS_EIO,		/* read or write failed (errno kept by the caller) */
	PS_ENOMEM,
	PS_EINVAL,	/* bad argument from the caller */
	PS_EUNSUPP,	/* valid but not supported by this build */
	PS_EEXIST,	/* output exists */
	PS_EAMBIG,	/* two readings possible, refusing to guess */
	PS_EISINPUT,	/* an output is one of the files read as input (outfile.h) */
	PS_EBADBLK,	/* a block its source marks unreadable (a BTT map
			 * entry's error flag: the kernel's EIO); the blocks
			 * around it read. The source's error names it */
	PS_EPARTIAL,	/* an output's temporary OUT.partial exists (left
			 * by an earlier run; outfile.h): forcing removes it */
	PS_ENOTEMPTY,	/* an output directory exists and is not empty:
			 * forcing merges into it (extract.h) */
};

/* The size of a caller's buffer for rule 2's line (char *err, size_t
 * errlen): two whole paths and the words around them, so no path is cut.
 * A handle's line (ps_src_error) is sized to fit. */
#define PS_ERR_LINE_MAX (2 * PATH_MAX + 1024)

/* A short generic phrase for the code, when no line from rule 2 exists. */
const char *ps_strerror(int err);

#endif
