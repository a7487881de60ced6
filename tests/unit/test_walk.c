/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The directory-tree walker (src/walk.h) on a small hostile synthetic
 * filesystem: the callbacks' order, the depth limit, loops and
 * cross-linked directories, errors, stopping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "err.h"
#include "fs.h"
#include "line.h"
#include "walk.h"

/* ---- the filesystem ----
 * 1 /            dir: a, f, bad, x
 * 2 /a           dir: self (2: itself), up (1: the root), b
 * 5 /a/b         dir: g (3), c
 * 6 /a/b/c       dir: d
 * 7 /a/b/c/d     dir: h (3)
 * 3 /f           file
 * 99 /bad        an inode that cannot be read
 * 4 /x           dir: a2 (2: /a cross-linked), then its read fails
 */
static const struct { uint64_t dir; const char *name; uint64_t ino; } ents[] = {
	{ 1, "a", 2 }, { 1, "f", 3 }, { 1, "bad", 99 }, { 1, "x", 4 },
	{ 2, "self", 2 }, { 2, "up", 1 }, { 2, "b", 5 },
	{ 5, "g", 3 }, { 5, "c", 6 }, { 6, "d", 7 }, { 7, "h", 3 },
	{ 4, "a2", 2 },
};

static int fake_stat(struct ps_fs *fs, uint64_t ino, struct ps_fs_stat *st)
{
	st->ino = ino;
	switch (ino) {
	case 1: case 2: case 4: case 5: case 6: case 7: st->mode = 0040755; break;
	case 3: st->mode = 0100644; st->size = 3; break;
	default:
		ps_fs_set_error(fs, "inode %llu: synthetic stat error", (unsigned long long)ino);
		return PS_EFORMAT;
	}
	return PS_OK;
}

static int fake_readdir(struct ps_fs *fs, uint64_t dir, ps_fs_dir_cb cb, void *ctx)
{
	for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
		if (ents[i].dir == dir) {
			int r = cb(ctx, ents[i].name, strlen(ents[i].name), ents[i].ino);
			if (r)
				return r == PS_FS_STOP ? PS_OK : r;
		}
	if (dir == 4) {
		ps_fs_set_error(fs, "directory 4: synthetic read error");
		return PS_EIO;
	}
	return PS_OK;
}

static const struct ps_fs_ops fake_ops = { .stat = fake_stat, .readdir = fake_readdir };

/* ---- what the callbacks saw, one line each ---- */

struct rec {
	char log[4096];
	size_t len;
	const char *stop_at;	/* entry path: return PS_FS_STOP there */
	int error_rc;		/* what error() returns */
	unsigned deep, loops;	/* refusals seen */
};

static void say(struct rec *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(r->log + r->len, sizeof(r->log) - r->len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(r->log) - r->len);
	r->len += (size_t)n;
}

static int rec_dir_enter(void *ctx, uint64_t dir, const struct ps_fs_dirlist *l,
			 void **dirp)
{
	say(ctx, "enter %llu (%zu)\n", (unsigned long long)dir, l->n);
	*dirp = (void *)(uintptr_t)(dir + 1000);
	return PS_OK;
}

static void rec_dir_leave(void *ctx, uint64_t dir, void *dirp)
{
	/* the caller's data for the directory comes back to it */
	assert_int_equal((uintptr_t)dirp, dir + 1000);
	say(ctx, "leave %llu\n", (unsigned long long)dir);
}

static int rec_entry(void *ctx, struct ps_walk *w, const struct ps_walk_entry *e)
{
	struct rec *r = ctx;
	assert_non_null(e->dir);
	assert_int_equal(e->list->v[e->index].ino, e->ino);
	say(r, "%s d%u%s\n", e->path, e->depth, e->st ? "" : " unreadable");
	if (r->stop_at && !strcmp(e->path, r->stop_at))
		return PS_FS_STOP;
	if (e->st && (e->st->mode & 0170000) == 0040000)
		return ps_walk_enter(w, e);
	return PS_OK;
}

static int rec_error(void *ctx, const struct ps_walk_error *err)
{
	struct rec *r = ctx;
	if (err->kind == PS_WALK_READ) {
		say(r, "read error %s %llu code %d\n", err->path,
		    (unsigned long long)err->dir, err->code);
	} else {
		say(r, "refused %s%s%s\n", err->path, err->why & PS_WALK_DEEP ? " deep" : "",
		    err->why & PS_WALK_LOOP ? " loop" : "");
		r->deep += !!(err->why & PS_WALK_DEEP);
		r->loops += !!(err->why & PS_WALK_LOOP);
		assert_string_equal(err->path, err->entry->path);
	}
	return r->error_rc;
}

static const struct ps_walk_ops rec_ops = {
	.dir_enter = rec_dir_enter, .entry = rec_entry, .dir_leave = rec_dir_leave,
	.error = rec_error,
};

static int walk(struct rec *r, enum ps_walk_loops loops, unsigned max_depth)
{
	struct ps_fs fs = { .ops = &fake_ops, .root = 1 };
	struct ps_walk w;
	ps_walk_init(&w, &fs, &(struct ps_walk_opts){ .max_depth = max_depth, .loops = loops },
		     &rec_ops, r);
	int rc = ps_walk_tree(&w, 1);
	ps_walk_free(&w);
	ps_line_free(&fs.err);	/* the fake's errors (the fs is not ps_fs_open's) */
	return rc;
}

/* what the walk of /a (ino 2) says, found at path p, its entries at level d */
static void a_tree(char *buf, size_t len, const char *p, unsigned d)
{
	snprintf(buf, len,
		 "enter 2 (3)\n"
		 "%s/self d%u\nrefused %s/self loop\n"
		 "%s/up d%u\nrefused %s/up loop\n"
		 "%s/b d%u\nenter 5 (2)\n"
		 "%s/b/g d%u\n"
		 "%s/b/c d%u\nenter 6 (1)\n"
		 "%s/b/c/d d%u\nenter 7 (1)\n"
		 "%s/b/c/d/h d%u\n"
		 "leave 7\nleave 6\nleave 5\nleave 2\n",
		 p, d, p, p, d, p, p, d, p, d + 1, p, d + 1, p, d + 2, p, d + 3);
}

/* depth first, in the directory's order, enter before the entries and
 * leave after; a directory that lists itself or the root is refused once
 * where it is met; the cross-linked /x/a2 is no loop for ANCESTORS */
static void test_order_ancestors(void **state)
{
	(void)state;
	struct rec r = { .len = 0 };
	assert_int_equal(walk(&r, PS_WALK_ANCESTORS, 0), PS_OK);
	char a1[1024], a2[1024], want[4096];
	a_tree(a1, sizeof(a1), "/a", 1);
	a_tree(a2, sizeof(a2), "/x/a2", 2);
	snprintf(want, sizeof(want),
		 "enter 1 (4)\n"
		 "/a d0\n%s"
		 "/f d0\n"
		 "/bad d0 unreadable\n"
		 "/x d0\n"
		 "read error /x 4 code %d\n"
		 "enter 4 (1)\n"
		 "/x/a2 d1\n%s"
		 "leave 4\n"
		 "leave 1\n", a1, PS_EIO, a2);
	assert_string_equal(r.log, want);
	assert_int_equal(r.deep, 0);
	assert_int_equal(r.loops, 4);
}

/* ONCE: the cross-linked directory is refused as a loop, once */
static void test_once(void **state)
{
	(void)state;
	struct rec r = { .len = 0 };
	assert_int_equal(walk(&r, PS_WALK_ONCE, 0), PS_OK);
	assert_non_null(strstr(r.log, "/x/a2 d1\nrefused /x/a2 loop\nleave 4\n"));
	assert_null(strstr(r.log, "/x/a2/"));
	assert_int_equal(r.loops, 3);	/* /a/self, /a/up, /x/a2 */
	assert_int_equal(r.deep, 0);
}

/* the depth limit: max_depth 2 enters /a (level 0) and /a/b (level 1), not
 * /a/b/c, which is reported once with its path; nothing below it is seen */
static void test_depth(void **state)
{
	(void)state;
	struct rec r = { .len = 0 };
	assert_int_equal(walk(&r, PS_WALK_ONCE, 2), PS_OK);
	assert_non_null(strstr(r.log, "/a/b/c d2\nrefused /a/b/c deep\nleave 5\n"));
	assert_null(strstr(r.log, "/a/b/c/"));
	assert_null(strstr(r.log, "enter 6"));
	assert_int_equal(r.deep, 1);
	/* max_depth 1 stops one level higher */
	struct rec r1 = { .len = 0 };
	assert_int_equal(walk(&r1, PS_WALK_ANCESTORS, 1), PS_OK);
	assert_non_null(strstr(r1.log, "/a/b d1\nrefused /a/b deep\n"));
	assert_null(strstr(r1.log, "enter 5"));
	assert_int_equal(r1.deep, 4);	/* /a/self, /a/up, /a/b, /x/a2 */
}

/* a directory past the limit that is also a loop: both reasons given */
static void test_deep_loop(void **state)
{
	(void)state;
	struct rec r = { .len = 0 };
	assert_int_equal(walk(&r, PS_WALK_ANCESTORS, 1), PS_OK);
	assert_non_null(strstr(r.log, "refused /a/self deep loop\n"));
}

/* PS_FS_STOP from an entry ends the whole walk (every level) with PS_OK;
 * the directories open are left */
static void test_stop(void **state)
{
	(void)state;
	struct rec r = { .stop_at = "/a/b/g" };
	assert_int_equal(walk(&r, PS_WALK_ANCESTORS, 0), PS_OK);
	const char *tail = "/a/b/g d2\nleave 5\nleave 2\nleave 1\n";
	size_t n = strlen(tail);
	assert_true(r.len >= n);
	assert_string_equal(r.log + r.len - n, tail);
	assert_null(strstr(r.log, "/f d0"));
}

/* an error callback's code ends the walk and is the walk's result */
static void test_error_code(void **state)
{
	(void)state;
	struct rec r = { .error_rc = PS_ENOMEM };
	assert_int_equal(walk(&r, PS_WALK_ANCESTORS, 0), PS_ENOMEM);
	assert_int_equal(r.loops, 1);	/* the first refusal, /a/self */
	assert_null(strstr(r.log, "/a/up"));
	assert_null(strstr(r.log, "/x"));
}

/* every directory of a long cycle is entered once at most: a chain of
 * CHAIN directories (deeper than the old fixed stacks of 256 and 1024)
 * whose last lists the first; with the depth limit out of reach the walk
 * ends all the same, the loop reported once. (The walk recurses: a chain
 * much longer overflows an ASan build's stack.) */
#define CHAIN 1500
static int chain_stat(struct ps_fs *fs, uint64_t ino, struct ps_fs_stat *st)
{
	(void)fs;
	st->ino = ino;
	st->mode = 0040755;
	return PS_OK;
}

static int chain_readdir(struct ps_fs *fs, uint64_t dir, ps_fs_dir_cb cb, void *ctx)
{
	(void)fs;
	int r = cb(ctx, "n", 1, dir == CHAIN ? 1 : dir + 1);
	return r == PS_FS_STOP ? PS_OK : r;
}

struct chain {
	unsigned entries, refused, deepest;
};

static int chain_entry(void *ctx, struct ps_walk *w, const struct ps_walk_entry *e)
{
	struct chain *c = ctx;
	c->entries++;
	if (e->depth > c->deepest)
		c->deepest = e->depth;
	return ps_walk_enter(w, e);
}

static int chain_error(void *ctx, const struct ps_walk_error *err)
{
	struct chain *c = ctx;
	c->refused++;
	assert_int_equal(err->kind, PS_WALK_REFUSED);
	assert_int_equal(err->why, PS_WALK_LOOP);
	assert_int_equal(err->dir, 1);
	return PS_OK;
}

static void test_long_cycle(void **state)
{
	(void)state;
	static const struct ps_fs_ops ops = { .stat = chain_stat, .readdir = chain_readdir };
	static const struct ps_walk_ops wops = { .entry = chain_entry, .error = chain_error };
	for (int loops = PS_WALK_ANCESTORS; loops <= PS_WALK_ONCE; loops++) {
		struct ps_fs fs = { .ops = &ops, .root = 1 };
		struct chain c = { 0 };
		struct ps_walk w;
		ps_walk_init(&w, &fs, &(struct ps_walk_opts){ .max_depth = 2 * CHAIN,
			     .loops = (enum ps_walk_loops)loops }, &wops, &c);
		assert_int_equal(ps_walk_tree(&w, 1), PS_OK);
		ps_walk_free(&w);
		ps_line_free(&fs.err);
		assert_int_equal(c.entries, CHAIN);
		assert_int_equal(c.refused, 1);
		assert_int_equal(c.deepest, CHAIN - 1);
	}
}

static void test_inoset(void **state)
{
	(void)state;
	struct ps_inoset s = { 0 };
	assert_false(ps_inoset_has(&s, 0));
	for (uint64_t i = 0; i < 10000; i += 2)
		assert_int_equal(ps_inoset_add(&s, i << 20), PS_OK);
	for (uint64_t i = 0; i < 10000; i++)
		assert_int_equal(ps_inoset_has(&s, i << 20), i % 2 == 0);
	assert_int_equal(ps_inoset_add(&s, 4 << 20), PS_EEXIST);
	/* the largest numbers too (ino + 1 would wrap to the empty mark) */
	assert_int_equal(ps_inoset_add(&s, UINT64_MAX - 1), PS_OK);
	assert_false(ps_inoset_has(&s, UINT64_MAX));
	assert_int_equal(ps_inoset_add(&s, UINT64_MAX), PS_OK);
	assert_int_equal(ps_inoset_add(&s, UINT64_MAX), PS_EEXIST);
	assert_true(ps_inoset_has(&s, UINT64_MAX - 1));
	assert_true(ps_inoset_has(&s, UINT64_MAX));
	assert_int_equal(s.n, 5002);
	ps_inoset_free(&s);
	assert_false(ps_inoset_has(&s, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_ancestors),
		cmocka_unit_test(test_once),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_deep_loop),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_error_code),
		cmocka_unit_test(test_long_cycle),
		cmocka_unit_test(test_inoset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
