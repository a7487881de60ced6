/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The inputs a process read, and the one way its outputs are created
 * (outfile.h says why).
 */
#include "outfile.h"
#include "err.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct input {
	dev_t dev;
	ino_t ino;
	dev_t rdev;	/* a block device: any node of the same device */
	int blk;
	char *name;
};

static pthread_mutex_t in_lock = PTHREAD_MUTEX_INITIALIZER;
static struct input *inputs;
static size_t ninputs, cap;

void ps_input_note(int fd, const char *name)
{
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) == 0)
		ps_input_note_st(&st, name);
}

void ps_input_note_st(const struct stat *sp, const char *name)
{
	const struct stat st = *sp;
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return;
	pthread_mutex_lock(&in_lock);
	for (size_t i = 0; i < ninputs; i++)
		if (inputs[i].dev == st.st_dev && inputs[i].ino == st.st_ino)
			goto out;
	if (ninputs == cap) {
		size_t nc = cap ? cap * 2 : 16;
		struct input *v = realloc(inputs, nc * sizeof(*v));
		if (!v)
			goto out;	/* only the message would lack it: see below */
		inputs = v;
		cap = nc;
	}
	struct input *x = &inputs[ninputs];
	x->dev = st.st_dev;
	x->ino = st.st_ino;
	x->blk = S_ISBLK(st.st_mode);
	x->rdev = st.st_rdev;
	x->name = strdup(name ? name : "(input)");
	if (x->name)
		ninputs++;
out:
	pthread_mutex_unlock(&in_lock);
}

void ps_input_forget_all(void)
{
	pthread_mutex_lock(&in_lock);
	for (size_t i = 0; i < ninputs; i++)
		free(inputs[i].name);
	free(inputs);
	inputs = NULL;
	ninputs = cap = 0;
	pthread_mutex_unlock(&in_lock);
}

/* The noted input that st is, or NULL. Caller holds in_lock. */
static const struct input *find(const struct stat *st)
{
	for (size_t i = 0; i < ninputs; i++) {
		const struct input *x = &inputs[i];
		if (x->dev == st->st_dev && x->ino == st->st_ino)
			return x;
		if (x->blk && S_ISBLK(st->st_mode) && x->rdev == st->st_rdev)
			return x;
	}
	return NULL;
}

/* what: "" for the output itself, else how it relates ("its temporary ") */
static int check_one(const char *path, const char *shown, const char *what,
		     char *err, size_t errlen)
{
	struct stat st, lst;
	int r = PS_OK;
	int have = stat(path, &st) == 0;	/* through symlinks */
	int lhave = lstat(path, &lst) == 0;	/* the name itself */
	pthread_mutex_lock(&in_lock);
	const struct input *x = have ? find(&st) : NULL;
	if (!x && lhave)
		x = find(&lst);
	if (x) {
		const char *how = have && lhave && S_ISLNK(lst.st_mode) ? " (through a symlink)" :
				  strcmp(path, x->name) ? " (another name for the same file)" : "";
		if (*what)
			snprintf(err, errlen, "%s: %s%s is the input %s%s; refusing to write over it, nothing written",
				 shown, what, path, x->name, how);
		else
			snprintf(err, errlen, "%s: is the input %s%s; refusing to write over it, nothing written",
				 shown, x->name, how);
		r = PS_EISINPUT;
	}
	pthread_mutex_unlock(&in_lock);
	return r;
}

int ps_output_check(const char *path, char *err, size_t errlen)
{
	return check_one(path, path, "", err, errlen);
}

static void clear(struct ps_outfile *o)
{
	free(o->path);
	free(o->tmp);
	memset(o, 0, sizeof(*o));
	o->fd = -1;
}

int ps_outfile_open(struct ps_outfile *o, const char *path, unsigned flags,
		    mode_t mode, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->flags = flags;
	o->path = strdup(path);
	if (!o->path || asprintf(&o->tmp, "%s.partial", path) < 0) {
		o->tmp = NULL;
		clear(o);
		snprintf(err, errlen, "%s: out of memory", path);
		return PS_ENOMEM;
	}
	int r = check_one(o->path, o->path, "", err, errlen);
	if (!r)
		r = check_one(o->tmp, o->path, "its temporary ", err, errlen);
	if (r) {
		clear(o);
		return r;
	}
	/* a name left by an earlier run (checked above: not an input; a
	 * symlink is removed, never followed) */
	if ((flags & PS_OUT_CLEAR_STALE) && unlink(o->tmp) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: cannot remove the stale %s: %s", o->path,
			 o->tmp, strerror(errno));
		clear(o);
		return PS_EIO;
	}
	o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	struct stat st;
	if (o->fd < 0 || fstat(o->fd, &st) < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: cannot create %s: %s%s", o->path, o->tmp,
			 strerror(e), e == EEXIST ?
			 " (left by an earlier run, or not ours); delete it" : "");
		if (o->fd >= 0) {
			close(o->fd);
			unlink(o->tmp);
		}
		clear(o);
		return e == EEXIST ? PS_EEXIST : PS_EIO;
	}
	o->dev = st.st_dev;
	o->ino = st.st_ino;
	return PS_OK;
}

/* Remove the temporary only if it is still the file created here. */
static int remove_ours(struct ps_outfile *o)
{
	struct stat st;
	if (lstat(o->tmp, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (st.st_dev != o->dev || st.st_ino != o->ino) {
		errno = EEXIST;
		return -1;
	}
	return unlink(o->tmp);
}

int ps_outfile_commit(struct ps_outfile *o, char *err, size_t errlen)
{
	int r = PS_OK;
	if (o->fd >= 0 && close(o->fd) < 0) {
		snprintf(err, errlen, "%s: write error on %s: %s", o->path, o->tmp,
			 strerror(errno));
		r = PS_EIO;
	}
	o->fd = -1;
	if (!r)
		r = ps_output_check(o->path, err, errlen);
	if (!r) {
		int rr = (o->flags & PS_OUT_REPLACE) ? rename(o->tmp, o->path) :
			 renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->path, RENAME_NOREPLACE);
		if (rr < 0) {
			int e = errno;
			snprintf(err, errlen, "%s: cannot rename %s to it: %s", o->path,
				 o->tmp, strerror(e));
			r = e == EEXIST ? PS_EEXIST : PS_EIO;
		}
	}
	if (r)
		remove_ours(o);
	clear(o);
	return r;
}

int ps_outfile_discard(struct ps_outfile *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	int rc = o->tmp ? remove_ours(o) : 0;
	int e = errno;
	clear(o);
	errno = e;
	return rc;
}

void ps_outfile_release(struct ps_outfile *o)
{
	if (o->fd >= 0)
		close(o->fd);
	clear(o);
}
