/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The archive writer (libarchive): tar (pax, sparse entries for holes)
 * and zip, optionally compressed, chosen by the output's name. */
#include "outfile.h"
#include "extract_int.h"
#include "err.h"
#include "interrupt.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>


/* ---- archive writer (libarchive) ---- */

struct arw {
	struct archive *a;
	int fd;			/* of.fd while open */
	struct ps_outfile of;	/* OUT.partial, renamed to OUT when complete */
	char *out, *partial;
	int zip;
	char *path;
	size_t plen, pcap;
	struct archive_entry *e;
	uint64_t pos, size;
	uint64_t data_end;	/* end of the last data range (holes after it) */
	char name[PS_NAME_MAX + 1];
};

static const uint8_t zeros[1 << 20];
#define ZIP_MAX_HOLES (1ULL << 30)	/* more holes than this: not zipped */

static int aw_fail(struct ps_writer *w, const char *what)
{
	struct arw *a = w->priv;
	int en = archive_errno(a->a);
	const char *es = archive_error_string(a->a);
	if (en > 0 && strerrorname_np(en))	/* e.g. "Write error": give the cause */
		ps_werr(w, "%s: %s: %s%s%s (%s)", a->partial, what, es ? es : "",
		     es ? ": " : "", strerror(en), strerrorname_np(en));
	else
		ps_werr(w, "%s: %s: %s", a->partial, what, es ? es : "libarchive failed");
	w->fatal = 1;		/* an archive cannot be repaired midway */
	return PS_EIO;
}

static int aw_push(struct arw *a, const char *name, size_t *old)
{
	size_t n = strlen(name);
	*old = a->plen;
	if (a->plen + n + 2 > a->pcap) {
		size_t cap = (a->plen + n + 2) * 2;
		char *p = realloc(a->path, cap);
		if (!p)
			return PS_ENOMEM;
		a->path = p;
		a->pcap = cap;
	}
	if (a->plen)
		a->path[a->plen++] = '/';
	memcpy(a->path + a->plen, name, n + 1);
	a->plen += n;
	return PS_OK;
}

/* pax times are decimal numbers; libarchive 3.6 prints seconds and
 * nanoseconds side by side, so -5 s + 0.5 s would read as -5.5: hand it
 * the next second up for negative times with a fraction (-4.5). */
static void pax_time(const struct ps_ts *t, time_t *s, long *ns)
{
	*s = (time_t)t->sec;
	*ns = (long)t->nsec;
	if (t->sec < 0 && t->nsec)
		*s += 1;
}

static struct archive_entry *aw_entry(struct ps_writer *w, const struct ps_fs_stat *st)
{
	struct arw *a = w->priv;
	struct archive_entry *e = archive_entry_new();
	if (!e)
		return NULL;
	archive_entry_copy_pathname(e, a->path);
	archive_entry_set_mode(e, (mode_t)st->mode);
	archive_entry_set_uid(e, st->uid);
	archive_entry_set_gid(e, st->gid);
	time_t s;
	long ns;
	if (a->zip) {
		archive_entry_set_mtime(e, (time_t)st->mtime.sec, 0);
	} else {
		pax_time(&st->mtime, &s, &ns);
		archive_entry_set_mtime(e, s, ns);
		pax_time(&st->atime, &s, &ns);
		archive_entry_set_atime(e, s, ns);
		pax_time(&st->ctime, &s, &ns);
		archive_entry_set_ctime(e, s, ns);
		for (size_t i = 0; i < st->nxattrs; i++)
			archive_entry_xattr_add_entry(e, st->xattrs[i].name,
						      st->xattrs[i].value, st->xattrs[i].len);
	}
	return e;
}

/* What libarchive 3.6.2 copies into places of fixed size, checked before
 * it is handed an entry (a name it cannot take is refused here, with an
 * error, and the run goes on):
 * - zip: the entry's path (a directory's with the '/' libarchive adds) goes
 *   into 16-bit length fields and into one 64 KiB segment of the central
 *   directory: a longer one overflows that buffer (heap corruption). A
 *   symlink's target is the entry's data, of any length.
 * - pax: path and link target go into an extended header when they do not
 *   fit the ustar fields, which libarchive fills with a cut copy: no limit. */
#define ZIP_PATH_MAX 65535

static int aw_fits(struct ps_writer *w, int dir)
{
	struct arw *a = w->priv;
	size_t n = a->plen + (dir && a->plen && a->path[a->plen - 1] != '/');
	if (!a->zip || n <= ZIP_PATH_MAX)
		return PS_OK;
	ps_werr(w, "its path is %zu bytes long, over the %u a zip entry can hold%s (use .tar)",
		n, ZIP_PATH_MAX, dir ? "; nothing under it archived" : "");
	return PS_ERANGE;
}

static int aw_header(struct ps_writer *w, struct archive_entry *e)
{
	struct arw *a = w->priv;
	int r = archive_write_header(a->a, e);
	if (r == ARCHIVE_WARN) {
		ps_wwarn(w, "%s: %s", a->path, archive_error_string(a->a));
		return PS_OK;
	}
	return r == ARCHIVE_OK ? PS_OK : aw_fail(w, "writing header");
}

static int aw_simple(struct ps_writer *w, const char *name, const struct ps_fs_stat *st,
		     const char *hardlink, int pop)
{
	struct arw *a = w->priv;
	size_t old;
	if (aw_push(a, name, &old))
		return PS_ENOMEM;
	unsigned type = st->mode & 0170000;
	int r = aw_fits(w, type == 0040000);
	struct archive_entry *e = r ? NULL : aw_entry(w, st);
	if (!e) {
		a->plen = old;
		a->path[old] = 0;
		return r ? r : PS_ENOMEM;
	}
	if (hardlink) {
		archive_entry_copy_hardlink(e, hardlink);
		archive_entry_set_size(e, 0);
	} else if (type == 0120000) {
		archive_entry_copy_symlink(e, st->symlink ? st->symlink : "");
	} else if (type == 0020000 || type == 0060000) {
		archive_entry_set_rdevmajor(e, (dev_t)st->rdev_major);
		archive_entry_set_rdevminor(e, (dev_t)st->rdev_minor);
	}
	r = aw_header(w, e);
	archive_entry_free(e);
	if (pop || r) {
		a->plen = old;
		a->path[old] = 0;
	}
	return r;
}

static int aw_dir_enter(struct ps_writer *w, const char *name,
			const struct ps_fs_stat *st)
{
	return aw_simple(w, name, st, NULL, 0);
}

static int aw_dir_leave(struct ps_writer *w, const struct ps_fs_stat *st)
{
	(void)st;
	struct arw *a = w->priv;
	char *s = strrchr(a->path, '/');
	a->plen = s ? (size_t)(s - a->path) : 0;
	a->path[a->plen] = 0;
	return PS_OK;
}

static int aw_write(struct ps_writer *w, const void *buf, size_t len)
{
	struct arw *a = w->priv;
	const uint8_t *b = buf;
	while (len) {
		la_ssize_t n = archive_write_data(a->a, b, len);
		if (n <= 0)
			return aw_fail(w, "writing data");
		b += n;
		len -= (size_t)n;
		a->pos += (uint64_t)n;
	}
	return PS_OK;
}

static int aw_zeros(struct ps_writer *w, uint64_t n)
{
	while (n) {
		int sig = ps_intr_check();	/* zip: holes can be long */
		if (sig) {
			ps_werr(w, "interrupted by %s", ps_intr_name(sig));
			w->fatal = 1;
			return PS_EIO;
		}
		size_t k = n < sizeof(zeros) ? (size_t)n : sizeof(zeros);
		int r = aw_write(w, zeros, k);
		if (r)
			return r;
		n -= k;
	}
	return PS_OK;
}

static int aw_file_begin(struct ps_writer *w, const char *name,
			 const struct ps_fs_stat *st)
{
	struct arw *a = w->priv;
	size_t old;
	if (aw_push(a, name, &old))
		return PS_ENOMEM;
	int r = aw_fits(w, 0);
	if (r) {
		a->plen = old;
		a->path[old] = 0;
		return r;
	}
	uint64_t data = 0;
	for (size_t i = 0; i < w->nmap; i++)
		data += w->map[i].len;
	if (a->zip && w->has_map && data < st->size && st->size - data > ZIP_MAX_HOLES) {
		/* zip has no holes: every zero would be deflated */
		a->plen = old;
		a->path[old] = 0;
		ps_werr(w, "%s: %llu GiB of holes cannot go into a zip (use .tar)", name,
		     (unsigned long long)((st->size - data) >> 30));
		return PS_EUNSUPP;
	}
	struct archive_entry *e = aw_entry(w, st);
	if (!e)
		return PS_ENOMEM;
	archive_entry_set_size(e, (la_int64_t)st->size);
	/* holes: pax (GNU sparse 1.0) keeps them; libarchive drops the
	 * zeros we stream through for them */
	a->data_end = st->size;
	if (!a->zip && w->has_map && data < st->size) {
		for (size_t i = 0; i < w->nmap; i++)
			archive_entry_sparse_add_entry(e, (la_int64_t)w->map[i].off,
						       (la_int64_t)w->map[i].len);
		/* all holes: an empty data run at the end makes it a sparse
		 * entry (as GNU tar writes it); without one libarchive would
		 * store the whole size as zeros */
		if (!w->nmap)
			archive_entry_sparse_add_entry(e, (la_int64_t)st->size, 0);
		/* libarchive needs the bytes of holes between data (it drops
		 * them), not those of a trailing hole */
		a->data_end = w->nmap ? w->map[w->nmap - 1].off + w->map[w->nmap - 1].len : 0;
	}
	r = aw_header(w, e);
	archive_entry_free(e);
	/* libarchive writes the GNU sparse map with the first data; a file
	 * of holes only has none, so hand it an empty piece */
	if (!r && !a->zip && w->has_map && !w->nmap && st->size &&
	    archive_write_data(a->a, zeros, 0) < 0)
		r = aw_fail(w, "writing data");
	a->pos = 0;
	a->size = st->size;
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->plen = old;
	a->path[old] = 0;
	return r;
}

static int aw_file_data(struct ps_writer *w, uint64_t off, const void *buf,
			size_t len)
{
	struct arw *a = w->priv;
	if (off < a->pos || off >= a->size)
		return PS_OK;
	if (len > a->size - off)
		len = (size_t)(a->size - off);
	int r = aw_zeros(w, off - a->pos);
	return r ? r : aw_write(w, buf, len);
}

static int aw_file_end(struct ps_writer *w, int complete)
{
	struct arw *a = w->priv;
	if (!complete)
		ps_wwarn(w, "%s: content unreadable past byte %llu: zero-filled in the archive",
		      a->name, (unsigned long long)a->pos);
	int r = a->pos < a->data_end ? aw_zeros(w, a->data_end - a->pos) : PS_OK;
	if (r)
		return r;
	if (archive_write_finish_entry(a->a) != ARCHIVE_OK)
		return aw_fail(w, "finishing entry");
	return PS_OK;
}

static int aw_symlink(struct ps_writer *w, const char *name, const struct ps_fs_stat *st)
{
	return aw_simple(w, name, st, NULL, 1);
}

static int aw_hardlink(struct ps_writer *w, const char *name,
		       const struct ps_fs_stat *st, const char *target)
{
	return aw_simple(w, name, st, target, 1);
}

static int aw_special(struct ps_writer *w, const char *name, const struct ps_fs_stat *st)
{
	struct arw *a = w->priv;
	if ((st->mode & 0170000) == 0140000 || a->zip) {
		ps_werr(w, "%s %s not archived: the format cannot hold it",
		     (st->mode & 0170000) == 0140000 ? "socket" : "special file", name);
		return PS_EUNSUPP;
	}
	return aw_simple(w, name, st, NULL, 1);
}

static int aw_finish(struct ps_writer *w, int ok)
{
	struct arw *a = w->priv;
	int r = PS_OK;
	if (a->a) {
		if (ok && archive_write_close(a->a) != ARCHIVE_OK)
			r = aw_fail(w, "closing archive");
		archive_write_free(a->a);
		a->a = NULL;
	}
	if (a->fd >= 0) {
		if (!r && ok && fsync(a->fd) < 0 && errno != EINVAL)
			r = ps_wfail(w, errno, "sync of", a->partial);
		if (close(a->fd) < 0 && !r && ok)
			r = ps_wfail(w, errno, "write error on", a->partial);
		a->fd = a->of.fd = -1;
	}
	if (ok && !r) {
		/* OUT checked again: never one of the input's files */
		char e[PS_ERR_LINE_MAX];	/* names OUT and OUT.partial whole */
		if (ps_outfile_commit(&a->of, e, sizeof(e))) {
			ps_werr(w, "%s", e);
			r = PS_EIO;
		}
	} else {
		ps_outfile_release(&a->of);	/* kept on purpose, named below */
		struct stat sb;
		char sz[48] = "";
		if (stat(a->partial, &sb) == 0)
			snprintf(sz, sizeof(sz), ", %llu bytes",
				 (unsigned long long)sb.st_size);
		ps_wleft(w, "the incomplete archive is left as %s%s (the entries before this one are whole in it; delete it if not wanted)",
			 a->partial, sz);
		if (!w->err)
			ps_werr(w, "incomplete archive left as %s", a->partial);
	}
	return r;
}

static void aw_free(struct ps_writer *w)
{
	struct arw *a = w->priv;
	if (!a)
		return;
	if (a->a)
		archive_write_free(a->a);
	a->of.fd = a->fd;
	ps_outfile_release(&a->of);
	free(a->out);
	free(a->partial);
	free(a->path);
	free(a);
}

static const struct ps_writer_ops tar_ops = {
	aw_dir_enter, aw_dir_leave, aw_file_begin, aw_file_data, aw_file_end,
	aw_symlink, aw_hardlink, aw_special, aw_finish, aw_free, NULL,
	NULL, NULL, NULL, NULL,
};

/* zip has no hard links: each link is stored as a full copy */
static const struct ps_writer_ops zip_ops = {
	aw_dir_enter, aw_dir_leave, aw_file_begin, aw_file_data, aw_file_end,
	aw_symlink, NULL, aw_special, aw_finish, aw_free, NULL,
	NULL, NULL, NULL, NULL,
};

/* pax and zip store UTF-8 names; libarchive converts from the locale's
 * charset, which in the C locale cannot carry them. (A name that is not
 * valid UTF-8 is still stored, as raw bytes, with a warning.) */
static void ensure_utf8_ctype(void)
{
	const char *c = setlocale(LC_CTYPE, NULL);
	if (!c || !strcmp(c, "C") || !strcmp(c, "POSIX"))
		setlocale(LC_CTYPE, "C.UTF-8");
}

int ps_writer_archive_open(const char *out, int force, struct ps_writer **wp,
			   char *err, size_t errlen)
{
	*wp = NULL;
	const char *kind = ps_archive_kind(out);
	struct stat sb;
	if (!kind) {
		snprintf(err, errlen, "%s: unknown archive suffix", out);
		return PS_EINVAL;
	}
	int r = ps_output_check(out, err, errlen);
	if (r)
		return r;
	if (!force && lstat(out, &sb) == 0) {
		snprintf(err, errlen, "%s: exists", out);
		return PS_EEXIST;
	}
	struct ps_writer *w = calloc(1, sizeof(*w));
	struct arw *a = calloc(1, sizeof(*a));
	if (!w || !a) {
		free(w);
		free(a);
		snprintf(err, errlen, "out of memory");
		return PS_ENOMEM;
	}
	a->fd = -1;
	w->priv = a;
	w->ops = !strcmp(kind, "zip") ? &zip_ops : &tar_ops;
	a->zip = !strcmp(kind, "zip");
	w->can_xattr = !a->zip;
	w->wants_map = 1;	/* tar: sparse entries; zip: refuse huge holes */
	a->out = strdup(out);
	a->path = calloc(1, 256);
	a->pcap = 256;
	if (!a->out || !a->path || asprintf(&a->partial, "%s.partial", out) < 0) {
		a->partial = NULL;
		ps_writer_free(w);
		snprintf(err, errlen, "out of memory");
		return PS_ENOMEM;
	}
	/* OUT and OUT.partial are never one of the input's files (with
	 * --force neither is replaced or removed then); OUT.partial is made
	 * new, never through a symlink (src/outfile.h) */
	r = ps_outfile_open(&a->of, out, force ? PS_OUT_REPLACE | PS_OUT_CLEAR_STALE : 0,
				0644, err, errlen);
	if (r == PS_EEXIST)
		r = PS_EPARTIAL;	/* forcing removes a stale one */
	if (r) {
		ps_writer_free(w);
		return r;
	}
	a->fd = a->of.fd;
	a->a = archive_write_new();
	r = a->a ? ARCHIVE_OK : ARCHIVE_FATAL;
	if (r == ARCHIVE_OK)
		r = a->zip ? archive_write_set_format_zip(a->a) :
			     archive_write_set_format_pax(a->a);
	/* xattrs as SCHILY.xattr.NAME only, the form GNU tar reads (by
	 * default libarchive adds LIBARCHIVE.xattr.NAME, which GNU tar warns
	 * about as an unknown keyword); libarchive reads SCHILY too */
	if (r == ARCHIVE_OK && !a->zip)
		r = archive_write_set_format_option(a->a, "pax", "xattrheader", "SCHILY");
	if (r == ARCHIVE_OK && !strcmp(kind, "tar.gz"))
		r = archive_write_add_filter_gzip(a->a);
	else if (r == ARCHIVE_OK && !strcmp(kind, "tar.zst"))
		r = archive_write_add_filter_zstd(a->a);
	else if (r == ARCHIVE_OK && !strcmp(kind, "tar.xz"))
		r = archive_write_add_filter_xz(a->a);
	if (r == ARCHIVE_OK)
		ensure_utf8_ctype();
	if (r == ARCHIVE_OK && !a->zip)
		r = archive_write_set_bytes_in_last_block(a->a, 1);
	if (r == ARCHIVE_OK)
		r = archive_write_open_fd(a->a, a->fd);
	if (r != ARCHIVE_OK) {
		snprintf(err, errlen, "%s: cannot start a %s archive: %s", out, kind,
			 a->a && archive_error_string(a->a) ? archive_error_string(a->a) :
			 "libarchive failed");
		a->of.fd = a->fd;
		a->fd = -1;
		ps_outfile_discard(&a->of);
		ps_writer_free(w);
		return PS_EUNSUPP;
	}
	*wp = w;
	return PS_OK;
}

