/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Image source: the one interface through which pmemscan reads bytes.
 * A source is a file, a memory buffer, or a view onto another source
 * (a window at an offset, a BTT translation, a decompressed stream).
 * Parsers never touch files; they get bytes read through a source.
 * Errors are carried in the handle (ps_src_error()), libarchive style.
 */
#ifndef PS_IMGSRC_H
#define PS_IMGSRC_H
#include <stddef.h>
#include <stdint.h>

struct ps_src;

struct ps_src_ops {
	/* Read exactly len bytes at off; off + len <= size is guaranteed. */
	int (*pread)(struct ps_src *s, void *buf, size_t len, uint64_t off);
	/*
	 * Sparse map: first offset >= off that may hold data (s->size if
	 * none), and first offset >= off that is surely a hole (s->size if
	 * none). NULL means "everything is data".
	 */
	int (*next_data)(struct ps_src *s, uint64_t off, uint64_t *out);
	int (*next_hole)(struct ps_src *s, uint64_t off, uint64_t *out);
	void (*close)(struct ps_src *s);
};

struct ps_src {
	const struct ps_src_ops *ops;
	void *priv;
	uint64_t size;		/* apparent size in bytes, or PS_SIZE_UNKNOWN */
	char *name;		/* for messages: path or description */
	/* A file descriptor and offset that show the same bytes, when such
	 * exist (for libblkid and other fd-based readers); fd < 0 if not. */
	int fd;
	uint64_t fd_off;
	struct ps_src *parent;	/* views: the source they read */
	/* results a reader keeps for this source's bytes (probe.c: the
	 * probe of each view onto this fd); freed by ps_src_close */
	void *memo;
	void (*memo_free)(void *memo);
	char *err;		/* last error, one line, names file/offset;
				 * NULL if none (owned, sized to fit: never cut) */
};

/*
 * A forward stream (a compressed dump read once) may not know its size
 * until it reaches its end. Such a source has size == PS_SIZE_UNKNOWN;
 * when a read reaches the true end, the source sets s->size to the real
 * size and that read fails with PS_ERANGE, with the bytes that did exist
 * ([off, new size)) already copied into buf. ps_src_read_upto() turns
 * this into a short read. Sources of known size never change size.
 */
#define PS_SIZE_UNKNOWN UINT64_MAX
static inline int ps_src_size_known(const struct ps_src *s)
{
	return s->size != PS_SIZE_UNKNOWN;
}

/* Open a regular file or block device read-only (O_RDONLY | O_CLOEXEC). */
int ps_src_open_file(const char *path, struct ps_src **out, char *err,
		     size_t errlen);
/* Wrap a caller-owned buffer (not copied; must outlive the source). */
int ps_src_open_mem(const void *buf, size_t len, const char *name,
		    struct ps_src **out);
/* A window [off, off+len) of parent; parent must outlive the window. */
int ps_src_window(struct ps_src *parent, uint64_t off, uint64_t len,
		  struct ps_src **out);
void ps_src_close(struct ps_src *s);

/* Read exactly len bytes at off; PS_ERANGE beyond the end, PS_EIO on error. */
int ps_src_pread(struct ps_src *s, void *buf, size_t len, uint64_t off);
/*
 * Read up to len bytes at off: *got < len only at the end of the image
 * (0 at or past it). The way to read forward through a source whose size
 * may be unknown (a stream); works on every source.
 */
int ps_src_read_upto(struct ps_src *s, void *buf, size_t len, uint64_t off,
		     size_t *got);
/* Sparse map helpers; both clamp to size. */
int ps_src_next_data(struct ps_src *s, uint64_t off, uint64_t *out);
int ps_src_next_hole(struct ps_src *s, uint64_t off, uint64_t *out);
const char *ps_src_error(const struct ps_src *s);
/*
 * The one line for an error code that a call reading through s returned
 * (the rule in err.h): the source's own message, which names the file and
 * offset, when rc is one a source sets a message for (PS_EIO, PS_ERANGE)
 * and s has one; ps_strerror(rc) otherwise.
 */
const char *ps_src_strerror(const struct ps_src *s, int rc);
void ps_src_set_error(struct ps_src *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Generic constructor for other views (BTT, decompressors). Takes
 * ownership of priv (ops->close frees it). */
/* Bytes allocated to the source by its file system (FIEMAP, so the same
 * whatever the page cache holds), or in its sparse map's data runs. */
int ps_src_allocated(struct ps_src *s, uint64_t *out);

struct ps_src *ps_src_new(const struct ps_src_ops *ops, void *priv,
			  uint64_t size, const char *name);

#endif
