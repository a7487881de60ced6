/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pmemscan collect (cmd/cmd_collect.c): the pieces of a bundle and how
 * each is gathered (cmd/collect_pieces.c). Private to the two files. */
#ifndef PS_CLI_COLLECT_H
#define PS_CLI_COLLECT_H
#include "outfile.h"
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define BUNDLE_DIR "pmemscan-bundle/"

struct piece {
	char *name;		/* inside BUNDLE_DIR */
	char *source;		/* the command or file it came from */
	char *error;		/* NULL: collected */
	uint64_t size;
	char sha256[65];
	char *note;		/* what the piece is, when that needs saying */
};

struct collect {
	struct archive *a;
	const char *root;	/* "" or a directory standing for / (tests) */
	const char *ndctl;
	struct piece *p;
	size_t n, cap;
	char tmpdir[4096];
	time_t now;
	const char *out;	/* the bundle, as the user named it */
	struct ps_outfile *of;	/* BUNDLE.partial, removed when the run stops midway */
};

struct image_info {
	char *ns, *device, *mode, *view;
	char ns_resource[64], data_resource[64];
};

/*
 * --image NS: the namespace's device, read front to back into a sparse
 * temporary file (all-zero 64 KiB runs stay holes), read-only. A block
 * device is read with read(); a device-dax character device only maps,
 * so it is mapped read-only a window at a time.
 */

/* allocation that cannot fail quietly: one line and exit 3 */
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
struct piece *add_piece(struct collect *c, const char *name, const char *source);
void set_error(struct piece *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The bundle cannot be finished (a write failed, or a signal stopped the
 * run: sig, else 0): one line, the bundle removed, exit 3 or 128 + sig. */
void bundle_abort(struct collect *c, int sig, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
/* Ctrl-C, SIGTERM, SIGHUP (src/interrupt.h) while piece name is read or stored */
void collect_poll(struct collect *c, const char *name);
/* a private temporary file next to the bundle */
int tmp_file(struct collect *c);
/* the temporary file fd (all of it) as piece p, hashed; 0 or -1 */
int store_fd(struct collect *c, struct piece *p, int fd);
void store_buf(struct collect *c, struct piece *p, const void *buf, size_t n);
/* argv's stdout in a temporary file (or -1, *err saying why) */
int run_cmd(struct collect *c, char *const argv[], char **err);
void collect_file(struct collect *c, const char *name, const char *path);
void collect_dmesg(struct collect *c);
void collect_versions(struct collect *c);
size_t find_dimms(struct collect *c, struct json_object *list, char ***out);
void collect_image(struct collect *c, struct json_object *list, const char *arg,
		   struct image_info *ii);

/* ndctl's JSON: a key's string value in o, or anywhere inside o (ndctl
 * nests a devdax namespace's chardev in daxregion.devices); NULL if none */
const char *jstr(struct json_object *o, const char *key);
const char *jfind(struct json_object *o, const char *key);

#endif
