/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * No output may be an input. Every file the process reads as evidence
 * (an image, each segment of a split or EWF set, a compressed dump, a
 * cache, a label-area dump, a saved iomem or ndctl listing) is noted by
 * its (device, inode) when it is opened; every output is checked against
 * that list before anything is written and again before it is renamed
 * into place, so that no name, symlink or hard link leads a writer onto
 * the evidence, with or without --force.
 *
 * Outputs are written through one helper: PATH.partial created with
 * O_CREAT | O_EXCL | O_NOFOLLOW (never an existing file, never through a
 * symlink planted there), renamed to PATH once complete, and removed on
 * failure only if it is still the file this process created.
 */
#ifndef PS_OUTFILE_H
#define PS_OUTFILE_H
#include <stddef.h>
#include <sys/types.h>

/* Note the file open on fd (regular file or block device) as an input;
 * name is for messages. Anything else (a pipe, a tty) is ignored. */
void ps_input_note(int fd, const char *name);
/* The same from a stat of the file (a segment measured, not yet opened). */
struct stat;
void ps_input_note_st(const struct stat *st, const char *name);
/* Forget every noted input (tests). */
void ps_input_forget_all(void);

/*
 * PS_OK if path, followed through symlinks (and so also through a hard
 * link, which is the same inode), is no noted input or does not exist;
 * PS_EISINPUT with one line in err naming path and the input otherwise.
 */
int ps_output_check(const char *path, char *err, size_t errlen);

enum {
	PS_OUT_REPLACE = 1,	/* the rename may replace an existing PATH */
	PS_OUT_CLEAR_STALE = 2,	/* remove a PATH.partial an earlier run left */
};

struct ps_outfile {
	char *path;	/* the name the file gets when complete */
	char *tmp;	/* PATH.partial while it is written */
	int fd;		/* open for writing; -1 once closed */
	unsigned flags;
	dev_t dev;	/* of the temporary this process created */
	ino_t ino;
};

/*
 * Check path and PATH.partial against the inputs, then create PATH.partial
 * (mode) exclusively, not through a symlink. On error o holds nothing to
 * free and err one line: PS_EISINPUT, PS_EEXIST (PATH.partial exists and
 * PS_OUT_CLEAR_STALE was not given), PS_EIO, PS_ENOMEM.
 */
int ps_outfile_open(struct ps_outfile *o, const char *path, unsigned flags,
		    mode_t mode, char *err, size_t errlen);
/*
 * Close the descriptor if still open (its error is reported), check PATH
 * against the inputs again, and rename the temporary to PATH (without
 * PS_OUT_REPLACE, an existing PATH is not replaced: PS_EEXIST). On any
 * error the temporary is removed. o is freed either way.
 */
int ps_outfile_commit(struct ps_outfile *o, char *err, size_t errlen);
/*
 * Close and remove the temporary (only if it is still the file this
 * process created) and free o. Returns 0 if it was removed (or never
 * existed), -1 if it could not be (errno set).
 */
int ps_outfile_discard(struct ps_outfile *o);
/* Close the descriptor and free o, leaving the temporary where it is (an
 * incomplete archive kept on purpose). */
void ps_outfile_release(struct ps_outfile *o);

#endif
