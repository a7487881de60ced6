/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Explicit error codes for the pmemscan library (e2fsprogs style). */
#ifndef PS_ERR_H
#define PS_ERR_H

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
};

const char *ps_strerror(int err);

#endif
