/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A compressed dump decoded once for random access (ps_src_open_auto with
 * PS_OPEN_RANDOM): into a nameless temporary sparse file, or into a kept
 * cache named after the dump's identity and content (--cache), shared
 * safely between concurrent pmemscan runs. Either is then presented as a
 * view that remembers the dump it came from. See imgsrc_open.h and
 * docs/input.md.
 */
#include "imgsrc_open.h"
#include "interrupt.h"
#include "imgsrc_container.h"
#include "err.h"
#include "le.h"
#include "units.h"
#include "util.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static void hash_u64(struct sha256_ctx *c, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	sha256_update(c, 8, b);
}

/*
 * Cache file stem "pmemscan-cache-<id>-<key>": id = 8 hex of SHA-256 over
 * (device, inode), key = 32 hex of SHA-256 over ("pmemscan-cache-v1",
 * device, inode, size, mtime s, mtime ns, first MiB, last MiB).
 */
static int cache_stem(int fd, const struct stat *st, char id[17], char key[33])
{
	struct sha256_ctx c;
	uint8_t dig[SHA256_DIGEST_SIZE];
	uint8_t *buf = malloc(SZ_1M);
	size_t got;
	if (!buf)
		return PS_ENOMEM;
	sha256_init(&c);
	hash_u64(&c, (uint64_t)st->st_dev);
	hash_u64(&c, (uint64_t)st->st_ino);
	sha256_digest(&c, sizeof(dig), dig);
	ps_hex(dig, 4, id);

	sha256_init(&c);
	sha256_update(&c, 17, (const uint8_t *)"pmemscan-cache-v1");
	hash_u64(&c, (uint64_t)st->st_dev);
	hash_u64(&c, (uint64_t)st->st_ino);
	hash_u64(&c, (uint64_t)st->st_size);
	hash_u64(&c, (uint64_t)st->st_mtim.tv_sec);
	hash_u64(&c, (uint64_t)st->st_mtim.tv_nsec);
	uint64_t size = (uint64_t)st->st_size;
	if (ps_pread_upto(fd, buf, SZ_1M, 0, &got)) {
		free(buf);
		return PS_EIO;
	}
	sha256_update(&c, got, buf);
	uint64_t last = size > SZ_1M ? size - SZ_1M : 0;
	if (ps_pread_upto(fd, buf, SZ_1M, last, &got)) {
		free(buf);
		return PS_EIO;
	}
	sha256_update(&c, got, buf);
	sha256_digest(&c, sizeof(dig), dig);
	ps_hex(dig, 16, key);
	free(buf);
	return PS_OK;
}

/* Is this cache file one we may trust (ours, regular, not writable by others)? */
static int cache_trusted(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return 0;
	return S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
	       !(st.st_mode & (S_IWGRP | S_IWOTH));
}

static void remove_stale(const char *dir, const char *id, const char *keep,
			 const struct ps_open_opts *opts)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "pmemscan-cache-%s-", id);
	DIR *dp = opendir(dir);
	struct dirent *e;
	if (!dp)
		return;
	while ((e = readdir(dp))) {
		size_t n = strlen(e->d_name);
		if (strncmp(e->d_name, prefix, strlen(prefix)) ||
		    !strcmp(e->d_name, keep) || n < 4 ||
		    strcmp(e->d_name + n - 4, ".img"))
			continue;
		struct stat st;
		if (fstatat(dirfd(dp), e->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(st.st_mode) || st.st_uid != geteuid())
			continue;
		if (!unlinkat(dirfd(dp), e->d_name, 0))
			ps_open_note(opts, &(struct ps_notice){ .kind = PS_NOTICE_CACHE_STALE,
								.dir = dir, .cache = e->d_name });
	}
	closedir(dp);
}

/* Tell opts->fill_progress how far the decoding got (last: see
 * ps_fill_progress_fn). */
static void fill_report(const struct ps_open_opts *opts, struct ps_src *src,
			uint64_t off, int last)
{
	if (!opts->fill_progress)
		return;
	struct ps_stream_stats ss;
	if (ps_src_stream_stats(src, &ss))
		memset(&ss, 0, sizeof(ss));
	opts->fill_progress(opts->fill_progress_arg, "decoding", off, ss.compressed_pos,
			    ss.compressed_size, last);
}

/* The directory a decoded copy goes to: the caller's cache_dir, $TMPDIR
 * or /tmp, and which of them it is. */
static const char *decode_dir(const struct ps_open_opts *opts, enum ps_dir_src *why)
{
	const char *dir = opts->cache_dir;
	*why = PS_DIR_FROM_OPTION;
	if (!dir || !*dir) {
		dir = getenv("TMPDIR");
		*why = PS_DIR_FROM_TMPDIR;
	}
	if (!dir || !*dir) {
		dir = "/tmp";
		*why = PS_DIR_DEFAULT;
	}
	return dir;
}

/* Out of room while decoding (docs/input.md "Random access"): where, and
 * how much the decoded image needs; the caller words how to put it
 * elsewhere (opts->hint). */
static void room_hint(char *err, size_t errlen, const struct ps_src *src,
		      const struct ps_open_opts *opts, uint64_t done)
{
	if (!opts->hint)
		return;
	struct ps_open_hint h = { .kind = PS_HINT_ROOM, .size_known = ps_src_size_known(src),
				  .size = src->size, .done = done };
	h.dir = decode_dir(opts, &h.dir_src);
	opts->hint(err, errlen, &h);
}

/* Write buf[0..got), image offset off, into wfd: runs of non-zero 4 KiB
 * blocks, zero ones left as holes. */
static int write_runs(int wfd, const char *wpath, const uint8_t *buf, size_t got,
		      uint64_t off, const struct ps_src *src, const struct ps_open_opts *opts,
		      char *err, size_t errlen)
{
	uint64_t at;
	if (ps_pwrite_sparse_runs(wfd, buf, got, off, NULL, &at)) {
		int e = errno;
		int n = snprintf(err, errlen, "%s: cannot write the cache at offset %" PRIu64 ": %s",
				 wpath, at, strerror(e));
		if ((e == ENOSPC || e == EDQUOT) && n > 0 && (size_t)n < errlen)
			room_hint(err, errlen, src, opts, at);
		return PS_EIO;
	}
	return PS_OK;
}

/*
 * Decode src (a stream) into the open file wfd, leaving zero blocks as
 * holes. A stream whose compressed input ends early (a truncated dump)
 * gives what decoded, and *brk says where it broke (brk->decoded > 0
 * then; 0 when it decoded to its end).
 */
static int inflate_into(struct ps_src *src, int wfd, const char *wpath,
			const struct ps_open_opts *opts, uint64_t *size_out,
			struct ps_stream_break *brk, char *err, size_t errlen)
{
	const size_t chunk = 4 * SZ_1M;
	uint8_t *buf = malloc(chunk);
	uint64_t off = 0;
	int r = PS_OK;
	memset(brk, 0, sizeof(*brk));
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", src->name);
		return PS_ENOMEM;
	}
	ps_intr_enter();	/* Ctrl-C: stop, the caller removes what was written */
	for (;;) {
		size_t got;
		int sig = ps_intr_check();
		if (sig) {
			snprintf(err, errlen, "%s: interrupted by %s while decoding into %s (%" PRIu64 " bytes done)",
				 src->name, ps_intr_name(sig), wpath, off);
			r = PS_EIO;
			break;
		}
		r = ps_src_read_upto(src, buf, chunk, off, &got);
		if (r && ps_src_stream_break(src, brk) == PS_OK &&
		    brk->decoded >= off && brk->decoded - off < chunk) {
			/* truncated: what decoded up to the break is still
			 * in the stream's look-behind */
			got = (size_t)(brk->decoded - off);
			if (got && (r = ps_src_pread(src, buf, got, off))) {
				snprintf(err, errlen, "%s", ps_src_error(src));
				break;
			}
			r = write_runs(wfd, wpath, buf, got, off, src, opts, err, errlen);
			if (r)
				break;
			off += got;
			if (off == 0) {
				snprintf(err, errlen, "%s", ps_src_error(src));
				r = PS_EIO;
			}
			break;
		}
		ps_stream_break_free(brk);
		if (r) {
			snprintf(err, errlen, "%s", ps_src_error(src));
			break;
		}
		r = write_runs(wfd, wpath, buf, got, off, src, opts, err, errlen);
		if (r)
			break;
		off += got;
		if (got < chunk)
			break;
		fill_report(opts, src, off, 0);
	}
	free(buf);
	fill_report(opts, src, off, r ? -1 : 1);
	ps_intr_leave();
	if (r) {
		ps_stream_break_free(brk);
		return r;
	}
	if (ftruncate(wfd, (off_t)off) < 0) {
		snprintf(err, errlen, "%s: cannot set the cache size to %" PRIu64 ": %s",
			 wpath, off, strerror(errno));
		ps_stream_break_free(brk);
		return PS_EIO;
	}
	*size_out = off;
	return PS_OK;
}

/*
 * Decode into a file that has no name: O_TMPFILE where the file system has
 * it, else a mkstemp file unlinked at once. Whatever happens to this
 * process, nothing is left behind in dir. The source reopens it through
 * /proc/self/fd, so it is a plain file source (sparse map, fd for blkid).
 */
static int open_temp_decoded(int fd, const struct stat *st, const char *path,
			     const char *dir, enum ps_compression comp,
			     const struct ps_open_opts *opts, struct ps_src **out,
			     struct ps_stream_break *brk, char *err, size_t errlen)
{
	char *tpath = NULL;
	int wfd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (wfd < 0) {
		if (asprintf(&tpath, "%s/pmemscan-decode-XXXXXX", dir) < 0) {
			snprintf(err, errlen, "%s: out of memory", path);
			close(fd);
			return PS_ENOMEM;
		}
		wfd = mkostemp(tpath, O_CLOEXEC);
		if (wfd >= 0)
			unlink(tpath);
	}
	free(tpath);
	if (wfd < 0) {
		snprintf(err, errlen, "%s: cannot create a temporary file in %s: %s",
			 path, dir, strerror(errno));
		close(fd);
		return PS_EIO;
	}
	ps_open_note(opts, &(struct ps_notice){ .kind = PS_NOTICE_DECODE_TEMP, .path = path,
						.comp = comp, .dir = dir });
	struct ps_src *ss = NULL;
	uint64_t dsize = 0;
	int r = ps_open_stream_fd(fd, path, (uint64_t)st->st_size, comp, opts, &ss,
			       err, errlen);
	if (!r)
		r = inflate_into(ss, wfd, "the temporary decoded image", opts, &dsize,
				 brk, err, errlen);
	ps_src_close(ss);
	if (!r) {
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", wfd);
		r = ps_src_open_file(proc, out, err, errlen);
		if (!r) {
			char *n = strdup(path);
			if (n) {
				free((*out)->name);
				(*out)->name = n;
			}
		}
	}
	close(wfd);
	return r;
}

int ps_open_cached(int fd, const struct stat *st, const char *path,
		       enum ps_compression comp, const struct ps_open_opts *opts,
		       struct ps_src **out, struct ps_stream_break *brk,
		       char *err, size_t errlen)
{
	const char *dir = opts->cache_dir;
	char id[17], key[33];
	char *lpath = NULL, *cpath = NULL, *ppath = NULL, *cname = NULL;
	int lfd = -1, r, locked = 0;
	struct stat dst;

	if (!dir || !*dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	if (stat(dir, &dst) < 0) {
		snprintf(err, errlen, "%s: cache directory %s: %s", path, dir,
			 strerror(errno));
		close(fd);
		return PS_EIO;
	}
	if (!S_ISDIR(dst.st_mode)) {
		snprintf(err, errlen, "%s: cache directory %s: not a directory", path, dir);
		close(fd);
		return PS_EIO;
	}
	r = cache_stem(fd, st, id, key);
	if (r) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		close(fd);
		return r;
	}
	if (asprintf(&cname, "pmemscan-cache-%s-%s.img", id, key) < 0 ||
	    asprintf(&cpath, "%s/%s", dir, cname) < 0 ||
	    asprintf(&lpath, "%s/pmemscan-cache-%s-%s.lock", dir, id, key) < 0 ||
	    asprintf(&ppath, "%s.partial", cpath) < 0) {
		snprintf(err, errlen, "%s: out of memory", path);
		r = PS_ENOMEM;
		goto out;
	}
	if (!opts->keep_cache) {
		/* A cache an earlier --cache run kept is still used; otherwise
		 * decode into a nameless file and keep nothing. */
		int cfd = open(cpath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		int trusted = cfd >= 0 && cache_trusted(cfd);
		if (cfd >= 0)
			close(cfd);
		if (!trusted) {
			r = open_temp_decoded(fd, st, path, dir, comp, opts, out,
					      brk, err, errlen);
			fd = -1;
			goto out;
		}
	}
	/* A run that fails removes the lock file it holds (nothing of a
	 * failed run is left in the directory), so the lock taken must be
	 * checked to be the file still named lpath; if not, take it again. */
	for (int tries = 0;; tries++) {
		struct stat lst, pst;
		lfd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (lfd < 0) {
			snprintf(err, errlen, "%s: cannot create the cache lock %s: %s", path,
				 lpath, strerror(errno));
			r = PS_EIO;
			goto out;
		}
		if (flock(lfd, LOCK_EX | LOCK_NB) < 0) {
			if (tries == 0)
				ps_open_note(opts, &(struct ps_notice){ .kind = PS_NOTICE_CACHE_WAIT,
									.path = path, .cache = cpath });
			/* poll, so that Ctrl-C (src/interrupt.h) ends the wait */
			while (flock(lfd, LOCK_EX | LOCK_NB) < 0) {
				int sig = ps_intr_check();
				if (sig) {
					snprintf(err, errlen, "%s: interrupted by %s while waiting for the cache lock %s",
						 path, ps_intr_name(sig), lpath);
					r = PS_EIO;
					goto out;
				}
				if (errno == EWOULDBLOCK || errno == EINTR) {
					usleep(100000);
					continue;
				}
				snprintf(err, errlen, "%s: cannot lock %s: %s", path, lpath,
					 strerror(errno));
				r = PS_EIO;
				goto out;
			}
		}
		if (fstat(lfd, &lst) == 0 && stat(lpath, &pst) == 0 &&
		    lst.st_dev == pst.st_dev && lst.st_ino == pst.st_ino)
			break;
		close(lfd);	/* removed by the run that held it */
		lfd = -1;
		if (tries == 100) {
			snprintf(err, errlen, "%s: cannot lock %s: it keeps being removed", path,
				 lpath);
			r = PS_EIO;
			goto out;
		}
	}
	locked = 1;
	int cfd = open(cpath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (cfd >= 0) {
		int trusted = cache_trusted(cfd);
		close(cfd);
		if (!trusted) {
			snprintf(err, errlen, "%s: refusing the cache %s: not a regular file of ours",
				 path, cpath);
			if (opts->hint)
				opts->hint(err, errlen, &(struct ps_open_hint){
						   .kind = PS_HINT_CACHE_NOT_OURS, .dir = dir });
			r = PS_EIO;
			goto out;
		}
		ps_open_note(opts, &(struct ps_notice){ .kind = PS_NOTICE_CACHE_REUSE,
							.path = path, .cache = cpath });
	} else {
		if (errno != ENOENT) {
			snprintf(err, errlen, "%s: cannot open the cache %s: %s", path,
				 cpath, strerror(errno));
			r = PS_EIO;
			goto out;
		}
		remove_stale(dir, id, cname, opts);
		unlink(ppath);	/* left by a crashed run; we hold the lock */
		int wfd = open(ppath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (wfd < 0) {
			snprintf(err, errlen, "%s: cannot create the cache %s: %s", path,
				 ppath, strerror(errno));
			r = PS_EIO;
			goto out;
		}
		ps_open_note(opts, &(struct ps_notice){ .kind = PS_NOTICE_CACHE_FILL, .path = path,
							.comp = comp, .cache = cpath });
		struct ps_src *ss = NULL;
		int sfd = dup(fd);
		r = sfd < 0 ? PS_EIO : ps_open_stream_fd(sfd, path, (uint64_t)st->st_size,
						      comp, opts, &ss, err, errlen);
		if (sfd < 0)
			snprintf(err, errlen, "%s: dup: %s", path, strerror(errno));
		uint64_t dsize = 0;
		if (!r)
			r = inflate_into(ss, wfd, ppath, opts, &dsize, brk, err, errlen);
		ps_src_close(ss);
		if (!r && brk->decoded) {
			/* a truncated dump is not kept: a later run reusing it
			 * would not know where the stream broke */
			char proc[64];
			snprintf(proc, sizeof(proc), "/proc/self/fd/%d", wfd);
			ps_open_note(opts, &(struct ps_notice){ .kind = PS_NOTICE_CACHE_NOT_KEPT,
								.path = path });
			r = ps_src_open_file(proc, out, err, errlen);
			unlink(ppath);
			unlink(lpath);	/* nothing of it is left in dir */
			close(wfd);
			if (!r) {
				char *n = strdup(path);
				if (n) {
					free((*out)->name);
					(*out)->name = n;
				}
			}
			goto out;
		}
		if (!r && fsync(wfd) < 0) {
			snprintf(err, errlen, "%s: cannot sync the cache %s: %s", path,
				 ppath, strerror(errno));
			r = PS_EIO;
		}
		close(wfd);
		if (!r && rename(ppath, cpath) < 0) {
			snprintf(err, errlen, "%s: cannot rename %s to %s: %s", path,
				 ppath, cpath, strerror(errno));
			r = PS_EIO;
		}
		if (r) {
			size_t n = strlen(err);
			if (unlink(ppath) == 0 && n + 1 < errlen)
				snprintf(err + n, errlen - n, "; %s removed", ppath);
			goto out;
		}
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	r = ps_src_open_file(cpath, out, err, errlen);
	if (!r) {
		char *n = strdup(path);
		if (n) {
			free((*out)->name);
			(*out)->name = n;
		}
	}
out:
	if (locked && r)
		unlink(lpath);	/* still ours: no run waits on another file */
	if (lfd >= 0)
		close(lfd);	/* releases the lock */
	if (fd >= 0)
		close(fd);
	free(lpath);
	free(cpath);
	free(ppath);
	free(cname);
	return r;
}

/*
 * The decoded temporary file or cache of a compressed dump, as a view that
 * remembers what it was decoded from (ps_src_container_info): reads, the
 * sparse map and the fd are the file's.
 */
struct dec_view {
	struct ps_src *in;
	enum ps_compression comp;
	char *path;
	struct ps_stream_break cut;	/* cut.decoded 0: decoded in full */
};

static int dv_pread(struct ps_src *s, void *buf, size_t len, uint64_t off)
{
	struct dec_view *v = s->priv;
	int r = ps_src_pread(v->in, buf, len, off);
	if (r)
		ps_src_set_error(s, "%s", ps_src_error(v->in));
	return r;
}

static int dv_next_data(struct ps_src *s, uint64_t off, uint64_t *out)
{
	struct dec_view *v = s->priv;
	int r = ps_src_next_data(v->in, off, out);
	if (r)
		ps_src_set_error(s, "%s", ps_src_error(v->in));
	return r;
}

static int dv_next_hole(struct ps_src *s, uint64_t off, uint64_t *out)
{
	struct dec_view *v = s->priv;
	int r = ps_src_next_hole(v->in, off, out);
	if (r)
		ps_src_set_error(s, "%s", ps_src_error(v->in));
	return r;
}

static void dv_close(struct ps_src *s)
{
	struct dec_view *v = s->priv;
	ps_src_close(v->in);
	free(v->path);
	ps_stream_break_free(&v->cut);
	free(v);
}

static const struct ps_src_ops dec_view_ops = {
	.pread = dv_pread,
	.next_data = dv_next_data,
	.next_hole = dv_next_hole,
	.close = dv_close,
};

/* Takes in (closed on failure). */
int ps_dec_view_new(struct ps_src *in, const char *path, enum ps_compression comp,
		    const struct ps_stream_break *cut, struct ps_src **out,
		    char *err, size_t errlen)
{
	struct dec_view *v = calloc(1, sizeof(*v));
	struct ps_src *s = NULL;
	if (v && (v->path = strdup(path)))
		s = ps_src_new(&dec_view_ops, v, in->size, path);
	if (!s) {
		if (v)
			free(v->path);
		free(v);
		ps_src_close(in);
		snprintf(err, errlen, "%s: out of memory", path);
		return PS_ENOMEM;
	}
	v->in = in;
	v->comp = comp;
	if (cut && cut->decoded) {
		v->cut = *cut;
		v->cut.msg = cut->msg ? strdup(cut->msg) : NULL;	/* the view's own */
	}
	s->fd = in->fd;
	s->fd_off = in->fd_off;
	*out = s;
	return PS_OK;
}

int ps_dec_view_container_info(const struct ps_src *s, struct ps_container_info *ci)
{
	if (s->ops != &dec_view_ops)
		return PS_EINVAL;
	const struct dec_view *v = s->priv;
	memset(ci, 0, sizeof(*ci));
	ci->media_size = s->size;
	ci->nsegments = 1;
	ci->kind = PS_CONT_COMPRESSED;
	ci->format = ps_compression_name(v->comp);
	ci->segments = (const char *const *)&v->path;
	ci->cut = v->cut.decoded ? &v->cut : NULL;
	return PS_OK;
}
