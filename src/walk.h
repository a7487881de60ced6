/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The directory-tree walker: the one loop over a filesystem's tree (fs.h)
 * that extract, its progress total, ls and the split check share, and the
 * one place where a walk is bounded. An image is hostile input: a
 * directory may list itself, an ancestor or a directory listed elsewhere,
 * and a tree may be deeper than any real one. The walker refuses to enter
 * such a directory and says so through the error callback, so no walk is
 * ever endless.
 *
 * Order: depth first, each directory's entries in the order the
 * filesystem lists them (ps_fs_list), a directory's subtree visited when
 * its entry's callback asks for it (ps_walk_enter), so a caller can do its
 * work for a directory before and after its contents.
 *
 * How a walk goes:
 *   ps_walk_tree(top):  top marked, then its directory walked
 *   a directory:        read (ps_fs_list); a failed read: error(READ)
 *                       with the entries read so far kept; dir_enter;
 *                       for each entry: stat, entry(); dir_leave
 *   entry() on a directory may call ps_walk_enter (or ps_walk_check, then
 *   its own work, then ps_walk_descend): a directory past the depth limit
 *   or a loop is refused, error(REFUSED) is called once for it and it is
 *   not entered.
 */
#ifndef PS_WALK_H
#define PS_WALK_H
#include <stddef.h>
#include <stdint.h>
#include "fs.h"

/* Which directories count as a loop. */
enum ps_walk_loops {
	/* a directory that is its own ancestor (listed in itself or in a
	 * directory below it); a directory listed twice elsewhere is
	 * walked twice */
	PS_WALK_ANCESTORS = 0,
	/* a directory entered before, anywhere in this walk: a loop or a
	 * cross-linked directory (what extract writes: each directory once) */
	PS_WALK_ONCE,
};

#define PS_WALK_DEPTH_DEFAULT 1024

struct ps_walk_opts {
	/* levels of directories below the top that are entered; the top's
	 * own entries are at level 0, so 0 here means PS_WALK_DEPTH_DEFAULT
	 * and a subdirectory at level d is entered while d < max_depth */
	unsigned max_depth;
	enum ps_walk_loops loops;
};

/* One entry of a directory, as the entry callback sees it. */
struct ps_walk_entry {
	const char *name;	/* raw bytes from the image, NUL-terminated */
	size_t namelen;
	uint64_t ino;
	size_t index;		/* its place in its directory's list */
	const struct ps_fs_dirlist *list;	/* its directory's entries */
	void *dir;		/* what dir_enter gave for its directory */
	unsigned depth;		/* directories between the top and it */
	/* its path from the top for messages: "/" and the names, escaped
	 * for printing (ps_name_escape); valid during the callback */
	const char *path;
	struct ps_fs_stat *st;	/* NULL when it could not be read: then */
	int stat_err;		/* the code, and ps_fs_error has the line */
};

enum ps_walk_error_kind {
	PS_WALK_READ,		/* a directory not read completely */
	PS_WALK_REFUSED,	/* a directory not entered: why says why */
};

/* bits of ps_walk_error.why (both may hold) */
enum {
	PS_WALK_DEEP = 1 << 0,	/* deeper than max_depth */
	PS_WALK_LOOP = 1 << 1,	/* a loop (ps_walk_loops says what counts) */
};

struct ps_walk_error {
	enum ps_walk_error_kind kind;
	/* READ: the directory, the code of ps_fs_list (ps_fs_error has the
	 * line), path its path; REFUSED: entry is the directory refused */
	uint64_t dir;
	int code;
	unsigned why;
	unsigned max_depth;
	const char *path;
	const struct ps_walk_entry *entry;	/* REFUSED only */
};

/* A set of inode numbers: the directories a PS_WALK_ONCE walk entered,
 * or a caller's own marks (a file counted once). Zeroed: empty. */
struct ps_inoset {
	uint64_t *k;		/* ino + 1; 0 is an empty slot */
	size_t n, cap;
	int has_max;		/* UINT64_MAX, which has no ino + 1 */
};
/* PS_OK when added now, PS_EEXIST when there already, PS_ENOMEM */
int ps_inoset_add(struct ps_inoset *s, uint64_t ino);
int ps_inoset_has(const struct ps_inoset *s, uint64_t ino);
void ps_inoset_free(struct ps_inoset *s);

struct ps_walk;

/* Callbacks return 0 to go on, PS_FS_STOP to end the whole walk (it then
 * returns PS_OK), or a ps_err code that ends it and is returned. Any may
 * be NULL (error NULL: every error ignored, the walk goes on). */
struct ps_walk_ops {
	/* A directory's entries were read (after error(READ) if the read
	 * failed part-way). *dirp: the caller's data for this directory,
	 * passed in each entry and to dir_leave. dir_leave is called
	 * exactly when dir_enter returned 0. */
	int (*dir_enter)(void *ctx, uint64_t dir, const struct ps_fs_dirlist *l,
			 void **dirp);
	int (*entry)(void *ctx, struct ps_walk *w, const struct ps_walk_entry *e);
	void (*dir_leave)(void *ctx, uint64_t dir, void *dirp);
	int (*error)(void *ctx, const struct ps_walk_error *err);
};

/* The walk's state; fields are the walker's own. */
struct ps_walk {
	struct ps_fs *fs;
	const struct ps_walk_ops *ops;
	void *ctx;
	unsigned max_depth;
	enum ps_walk_loops loops;
	unsigned depth;		/* directories entered below the top */
	uint64_t *anc;		/* ANCESTORS: the open directories, top first */
	size_t nanc, canc;
	struct ps_inoset seen;	/* ONCE: the directories entered */
	char *path;
	size_t plen, pcap;
	int stopped;
};

void ps_walk_init(struct ps_walk *w, struct ps_fs *fs, const struct ps_walk_opts *o,
		  const struct ps_walk_ops *ops, void *ctx);
void ps_walk_free(struct ps_walk *w);

/* Walk the directory top (the caller has found it is one): it is marked
 * as entered, then its entries visited. */
int ps_walk_tree(struct ps_walk *w, uint64_t top);

/* From the entry callback, for e a directory: enter it now (its entries
 * are visited before this returns). Refused (error callback called):
 * PS_OK unless the error callback returned a code. */
int ps_walk_enter(struct ps_walk *w, const struct ps_walk_entry *e);

/* ps_walk_enter in two steps, for a caller with work of its own between
 * the decision and the descent: ps_walk_check returns 0 when e may be
 * entered (it is then marked as entered: with PS_WALK_ONCE never again),
 * PS_WALK_NOT_ENTERED when not (error callback called and returned 0),
 * or a code; ps_walk_descend then walks it. */
#define PS_WALK_NOT_ENTERED 1000
int ps_walk_check(struct ps_walk *w, const struct ps_walk_entry *e);
int ps_walk_descend(struct ps_walk *w, const struct ps_walk_entry *e);

#endif
