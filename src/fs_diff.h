/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What differs between two views of one filesystem (the on-disk and the
 * journal-recovered view, docs/journal.md): entries created, removed,
 * renamed (the same inode under another path), resized or replaced by
 * another inode or type. Paths are raw name bytes joined with '/'.
 */
#ifndef PS_FS_DIFF_H
#define PS_FS_DIFF_H
#include "fs.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ps_change_kind {
	PS_CH_CREATED,
	PS_CH_REMOVED,
	PS_CH_RENAMED,
	PS_CH_RESIZED,
	PS_CH_REPLACED,	/* another inode or type under the same path */
};

struct ps_change {
	enum ps_change_kind kind;
	char *path;		/* in the new view (the old one for REMOVED) */
	char *old_path;		/* RENAMED: where it was */
	uint32_t mode;		/* type and permissions in the new view */
	uint64_t old_size, size;
};

struct ps_changes {
	struct ps_change *v;
	size_t n, cap;
	bool too_many;		/* a tree had more than max entries: not compared */
	bool unreadable;	/* a tree could not be walked whole */
};

/* Compare the trees of old and new (at most max entries each), in path
 * order. PS_OK (out filled, flags set when not compared), PS_ENOMEM. */
int ps_fs_diff(struct ps_fs *old, struct ps_fs *new, size_t max,
	       struct ps_changes *out);
void ps_changes_free(struct ps_changes *c);

/* The path of each inode inos[0..n) in fs's tree of at most max entries
 * (the first in path order when it has several names): paths[i] is
 * allocated ("/a/b"), NULL when the inode is not in the tree (a tree
 * over max entries is searched as far as it was walked). PS_OK, PS_ENOMEM
 * (paths all NULL). */
int ps_fs_paths(struct ps_fs *fs, const uint64_t *inos, size_t n, size_t max, char **paths);

#endif
