/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Filesystem reader: a small read-only interface over well-kept libraries,
 * reading a namespace's data through a struct ps_src (the block view).
 *   ext2/3/4: libext2fs, through an io_manager over the ps_src (fs_ext.c)
 *   XFS:      libfsxfs, through a libbfio handle over the ps_src (fs_xfs.c)
 * Entries are named by inode number. Names are raw bytes from the image
 * (never trusted: they may hold '/', control bytes, "..").
 */
#ifndef PS_FS_H
#define PS_FS_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "imgsrc.h"
#include "xfs_log.h"

enum ps_fs_type { PS_FS_AUTO = 0, PS_FS_EXT, PS_FS_XFS };

struct ps_fs;

struct ps_ts {
	int64_t sec;
	uint32_t nsec;
};

struct ps_xattr {
	char *name;		/* full name with namespace: "user.foo" */
	uint8_t *value;
	size_t len;
};

struct ps_fs_stat {
	uint64_t ino;
	uint32_t mode;		/* type and permission bits, as st_mode */
	uint32_t uid, gid;
	uint32_t nlink;
	uint64_t size;
	uint64_t rdev_major, rdev_minor;
	struct ps_ts atime, mtime, ctime, crtime;
	int has_crtime;
	char *symlink;		/* target (NUL-terminated) for symlinks */
	size_t symlink_len;
	struct ps_xattr *xattrs;
	size_t nxattrs;
	/* set when the library could not give all xattrs (reason in note) */
	int xattrs_incomplete;
	char note[160];		/* non-fatal remark about this inode, or "" */
	/* checksums (docs/cli.md "extract"): the structures of this inode whose
	 * checksum the format has and did not match (PS_CSUM_* bits), read
	 * leniently all the same; csum_off: device offset of the first */
	unsigned csum_bad;
	uint64_t csum_off;
};

/* What failed its checksum: bits of ps_fs_stat.csum_bad (an inode's own
 * structures) and of ps_fs_csum (the filesystem's headers). */
enum {
	PS_CSUM_INODE = 1 << 0,		/* the inode (ext4 i_checksum, XFS di_crc) */
	PS_CSUM_EXTENT = 1 << 1,	/* extent tree block (ext4), bmbt block (XFS) */
	PS_CSUM_DIR = 1 << 2,		/* directory block (data, leaf, node, free) */
	PS_CSUM_XATTR = 1 << 3,		/* xattr block (ext4), attr leaf/node/remote (XFS) */
	PS_CSUM_SYMLINK = 1 << 4,	/* remote symlink block (XFS) */
	PS_CSUM_SUPER = 1 << 5,		/* the superblock */
	PS_CSUM_GROUP = 1 << 6,		/* group descriptor (ext4), AG header (XFS) */
};
#define PS_CSUM_KINDS 7

/* Open the filesystem on src (which must outlive it). type PS_FS_AUTO
 * detects ext2/3/4 or XFS from the superblock magic. On failure *out is
 * NULL and err holds one line naming the source. */
int ps_fs_open(struct ps_src *src, enum ps_fs_type type, struct ps_fs **out,
	       char *err, size_t errlen);
void ps_fs_close(struct ps_fs *fs);
enum ps_fs_type ps_fs_get_type(const struct ps_fs *fs);
const char *ps_fs_type_name(enum ps_fs_type t);
const char *ps_fs_error(const struct ps_fs *fs);
uint64_t ps_fs_root(const struct ps_fs *fs);
/* One-line warning about the filesystem as a whole (e.g. journal needs
 * recovery), or NULL. */
const char *ps_fs_warning(const struct ps_fs *fs);
/* The filesystem's own headers whose checksum failed when it was opened
 * (PS_CSUM_SUPER, PS_CSUM_GROUP; 0 when all matched or the format has
 * none): *ngroups group descriptors (ext4) or AGs (XFS: AGF, AGI or AGFL)
 * failed, the first at device offset *off. Either pointer may be NULL. */
unsigned ps_fs_csum(const struct ps_fs *fs, uint64_t *ngroups, uint64_t *off);

/* XFS: its log, examined at open (xfs_log.h); NULL for other types. */
const struct ps_xfs_log_info *ps_fs_xfs_log(const struct ps_fs *fs);

int ps_fs_stat(struct ps_fs *fs, uint64_t ino, struct ps_fs_stat *st);
void ps_fs_stat_free(struct ps_fs_stat *st);

/* Callbacks return 0 to go on, PS_FS_STOP to end the walk early (the walk
 * then returns PS_OK), or a ps_err code, which ends it and is returned. */
#define PS_FS_STOP (-1)

/* Directory walk: cb is called for every entry but "." and "..", with the
 * raw name bytes (namelen, also NUL-terminated in name). */
typedef int (*ps_fs_dir_cb)(void *ctx, const char *name, size_t namelen,
			    uint64_t ino);
int ps_fs_readdir(struct ps_fs *fs, uint64_t dir, ps_fs_dir_cb cb, void *ctx);

/* A directory's entries collected into memory (names NUL-terminated), for
 * walkers that recurse while iterating. On error the entries read so far
 * are kept; free with ps_fs_dirlist_free in every case. */
struct ps_fs_dirent {
	char *name;
	size_t len;
	uint64_t ino;
};
struct ps_fs_dirlist {
	struct ps_fs_dirent *v;
	size_t n, cap;
};
int ps_fs_list(struct ps_fs *fs, uint64_t dir, struct ps_fs_dirlist *l);
void ps_fs_dirlist_free(struct ps_fs_dirlist *l);

/* Resolve a '/'-separated path from the root (no symlinks followed). */
int ps_fs_lookup(struct ps_fs *fs, const char *path, uint64_t *ino);

/* Stream a regular file's content: cb(ctx, off, buf, len) for each piece of
 * data in increasing offset order; ranges not passed are holes (zeros). The
 * file's size is st->size. Memory does not grow with the file size. */
typedef int (*ps_fs_data_cb)(void *ctx, uint64_t off, const void *buf,
			     size_t len);
int ps_fs_read(struct ps_fs *fs, const struct ps_fs_stat *st, ps_fs_data_cb cb,
	       void *ctx);

/* The file's data map without reading it: cb(ctx, off, NULL, len) for each
 * range that may hold data (the rest are holes), in increasing order. A
 * backend that cannot tell gives one range for the whole file. */
int ps_fs_map(struct ps_fs *fs, const struct ps_fs_stat *st, ps_fs_data_cb cb,
	      void *ctx);

/* The file's block map (the split check, docs/start_pad.md "Files with two contents: the split check"): cb(ctx, e) for each
 * extent in increasing logical order, in bytes: logical offset in the file,
 * physical offset on the filesystem's device (the ps_src it was opened
 * on), length; an unwritten (preallocated) extent reads as zeros.
 * PS_EUNSUPP when the backend cannot map this file (inline data, an XFS
 * data fork in btree format). */
struct ps_fs_extent {
	uint64_t logical, physical, len;
	int unwritten;
};
typedef int (*ps_fs_extent_cb)(void *ctx, const struct ps_fs_extent *e);
int ps_fs_bmap(struct ps_fs *fs, const struct ps_fs_stat *st,
	       ps_fs_extent_cb cb, void *ctx);
/* Is the filesystem block holding device byte off allocated in the
 * filesystem's own free-space map? 1 yes, 0 free, PS_EUNSUPP when the
 * backend does not read that map, PS_ERANGE beyond the filesystem. */
int ps_fs_block_allocated(struct ps_fs *fs, uint64_t off);
/* Bytes per filesystem block. */
uint32_t ps_fs_block_size(const struct ps_fs *fs);

/* ---- backends (fs_ext.c, fs_xfs.c) ---- */
struct ps_fs_ops {
	void (*close)(struct ps_fs *fs);
	int (*stat)(struct ps_fs *fs, uint64_t ino, struct ps_fs_stat *st);
	int (*readdir)(struct ps_fs *fs, uint64_t dir, ps_fs_dir_cb cb, void *ctx);
	int (*read)(struct ps_fs *fs, const struct ps_fs_stat *st,
		    ps_fs_data_cb cb, void *ctx);
	int (*map)(struct ps_fs *fs, const struct ps_fs_stat *st,
		   ps_fs_data_cb cb, void *ctx);	/* may be NULL */
	int (*bmap)(struct ps_fs *fs, const struct ps_fs_stat *st,
		    ps_fs_extent_cb cb, void *ctx);	/* may be NULL */
	int (*block_allocated)(struct ps_fs *fs, uint64_t off);	/* may be NULL */
};

struct ps_fs {
	const struct ps_fs_ops *ops;
	enum ps_fs_type type;
	struct ps_src *src;
	void *priv;
	uint64_t root;
	uint32_t blocksize;
	char *warning;		/* ps_fs_warning's line, NULL if none (owned) */
	char *err;		/* ps_fs_error's line, whole (owned; set with
				 * ps_fs_set_error) */
	unsigned csum_bad;	/* PS_CSUM_SUPER, PS_CSUM_GROUP */
	uint64_t csum_groups, csum_off;
	struct ps_xfs_log_info xlog;	/* XFS: its log (state UNKNOWN else) */
};
/* Record a failed checksum: in st (st->csum_bad) or, st NULL, in fs. */
void ps_fs_csum_fail(struct ps_fs *fs, struct ps_fs_stat *st, unsigned kind,
		     uint64_t off);

void ps_fs_set_error(struct ps_fs *fs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int ps_fs_ext_open(struct ps_src *src, struct ps_fs **out, char *err,
		   size_t errlen);
int ps_fs_xfs_open(struct ps_src *src, struct ps_fs **out, char *err,
		   size_t errlen);
/* Add an xattr (copies name and value). */
int ps_fs_stat_add_xattr(struct ps_fs_stat *st, const char *name,
			 size_t namelen, const void *value, size_t len);

/* Largest piece a backend hands to ps_fs_data_cb. */
#define PS_FS_CHUNK (1024 * 1024)

#endif
