/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pmemscan ls IMAGE [PATH]: the tree of the filesystem in a namespace's
 * data, one line (or JSON object) per entry, through the view extract
 * reads (fs_cli.h).
 */
#include "cli.h"
#include "err.h"
#include "extract.h"
#include "fs.h"
#include "fs_cli.h"
#include "pmdk.h"
#include "render.h"
#include "util.h"
#include "view.h"
#include "walk.h"
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- ls ---- */

struct ls_ctx {
	struct ps_fs *fs;
	const struct xview *xv;	/* the view each regular file gets */
	int json, first;
	uint64_t errors;
	char *path;		/* the entry's path as printed */
	size_t plen, pcap;
};

static char type_char(uint32_t mode)
{
	switch (mode & 0170000) {
	case 0100000: return 'r';
	case 0040000: return 'd';
	case 0120000: return 'l';
	case 0020000: return 'c';
	case 0060000: return 'b';
	case 0010000: return 'p';
	case 0140000: return 's';
	default: return '-';
	}
}

static const char *type_name(uint32_t mode)
{
	switch (mode & 0170000) {
	case 0100000: return "file";
	case 0040000: return "dir";
	case 0120000: return "symlink";
	case 0020000: return "chardev";
	case 0060000: return "blockdev";
	case 0010000: return "fifo";
	case 0140000: return "socket";
	default: return "unknown";
	}
}

static void fmt_time(const struct ps_ts *t, char *buf, size_t len)
{
	struct tm tm;
	time_t s = (time_t)t->sec;
	if (!gmtime_r(&s, &tm)) {
		snprintf(buf, len, "%lld.%09u", (long long)t->sec, t->nsec);
		return;
	}
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%09uZ", t->nsec);
}

/* ---- PMDK pool files and poolsets among the files (docs/pmdk.md) ---- */

struct sniff {
	uint8_t buf[PS_PMDK_PARSE_LEN];	/* holes read as zeros */
	size_t have;
};

static int sniff_cb(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct sniff *s = ctx;
	if (off >= sizeof(s->buf))
		return PS_FS_STOP;
	size_t n = len < sizeof(s->buf) - off ? len : sizeof(s->buf) - (size_t)off;
	memcpy(s->buf + off, buf, n);
	s->have = (size_t)off + n;
	return s->have >= sizeof(s->buf) ? PS_FS_STOP : 0;
}

/* What a regular file is in PMDK's terms, as a JSON object (NULL: not a
 * pool). Cheap: only files as large as the smallest pool (2 MiB) are read,
 * and poolsets named *.set, and only their first 6 KiB. */
static json_object *ls_pmdk(struct ls_ctx *c, const char *path, const struct ps_fs_stat *st)
{
	size_t pl = strlen(path);
	bool set = pl > 4 && !strcmp(path + pl - 4, ".set") && st->size < 65536;
	if ((st->mode & 0170000) != 0100000 || (st->size < ((uint64_t)2 << 20) && !set))
		return NULL;
	struct sniff *s = calloc(1, sizeof(*s));
	if (!s || ps_fs_read(c->fs, st, sniff_cb, s)) {
		free(s);
		return NULL;
	}
	json_object *o = NULL;
	char u[37];
	struct ps_pmdk_pool p;
	struct ps_pmdk_poolset *ps = malloc(sizeof(*ps));
	/* what the file holds of the first 6 KiB (holes are zeros) */
	size_t len = st->size < sizeof(s->buf) ? (size_t)st->size : sizeof(s->buf);
	if (ps_pmdk_parse(s->buf, len, 0, st->size, &p, NULL) == PS_OK) {
		o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string(ps_pmdk_type_name(p.type)));
		ps_pmdk_uuid_str(p.uuid, u);
		json_object_object_add(o, "uuid", json_object_new_string(u));
		json_object_object_add(o, "layout", p.type == PS_PMDK_OBJ && p.desc_read ?
				       render_jstr_img(p.layout) : NULL);
		json_object_object_add(o, "checksum", json_object_new_string(p.checksum_ok ? "valid" : "bad"));
	} else if (ps && ps_pmdk_poolset_parse(s->buf, len, 0, ps, NULL) == PS_OK) {
		o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string("poolset"));
		json_object_object_add(o, "parts", json_object_new_uint64(ps->nparts));
		json_object_object_add(o, "size", json_object_new_uint64(ps->size));
	}
	free(ps);
	free(s);
	return o;
}

/* Each name in a listed path is the one extract gives it (ps_name_sanitize:
 * "/", ".", "..", control bytes as %XX), so no path can read as another;
 * raw, rawlen: the image's own name when it was mapped (else NULL). */
static void ls_print(struct ls_ctx *c, const char *path, const struct ps_fs_stat *st,
		     const char *raw, size_t rawlen)
{
	char mt[64];
	json_object *pm = ls_pmdk(c, path, st);
	fmt_time(&st->mtime, mt, sizeof(mt));
	if (c->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "path", json_object_new_string(path));
		json_object_object_add(o, "type", json_object_new_string(type_name(st->mode)));
		json_object_object_add(o, "inode", json_object_new_uint64(st->ino));
		char m[8];
		snprintf(m, sizeof(m), "%04o", st->mode & 07777);
		json_object_object_add(o, "mode", json_object_new_string(m));
		json_object_object_add(o, "uid", json_object_new_int64(st->uid));
		json_object_object_add(o, "gid", json_object_new_int64(st->gid));
		json_object_object_add(o, "size", json_object_new_uint64(st->size));
		json_object_object_add(o, "nlink", json_object_new_int64(st->nlink));
		json_object_object_add(o, "mtime", json_object_new_string(mt));
		json_object_object_add(o, "mtime_sec", json_object_new_int64(st->mtime.sec));
		json_object_object_add(o, "mtime_nsec", json_object_new_int64(st->mtime.nsec));
		if (st->symlink)
			json_object_object_add(o, "target", json_object_new_string(st->symlink));
		if (raw)
			json_object_object_add(o, "raw_name", json_object_new_string_len(raw, (int)rawlen));
		if (st->nxattrs) {
			json_object *x = json_object_new_array();
			for (size_t i = 0; i < st->nxattrs; i++)
				json_object_array_add(x, json_object_new_string(st->xattrs[i].name));
			json_object_object_add(o, "xattrs", x);
		}
		if (st->note[0])
			json_object_object_add(o, "note", json_object_new_string(st->note));
		if (st->csum_bad) {
			json_object *k = json_object_new_array();
			for (unsigned i = 0; i < PS_CSUM_KINDS; i++)
				if (st->csum_bad & (1u << i))
					json_object_array_add(k, json_object_new_string(csum_json[i]));
			json_object_object_add(o, "checksum_failed", k);
			json_object_object_add(o, "checksum_offset", json_object_new_uint64(st->csum_off));
		}
		if ((st->mode & 0170000) == 0100000) {
			const struct ps_split_file *sf;
			unsigned views = xview_of(c->xv, st, &sf);
			json_object_object_add(o, "view", json_object_new_string(view_name(views)));
			if (sf)
				json_object_object_add(o, "split_class",
					json_object_new_string(ps_split_class_name(sf->cls)));
		}
		if (pm)
			json_object_object_add(o, "pmdk", pm);
		printf("%s\n  %s", c->first ? "" : ",",
		       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		c->first = 0;
		json_object_put(o);
		return;
	}
	/* a symlink's target, whole (it can be longer than a name) */
	char *tgt = st->symlink ? ps_name_escape_alloc(st->symlink, st->symlink_len) : NULL;
	printf("%c/%c %04o %5u %5u %12llu %s %8llu %s%s%s", type_char(st->mode),
	       type_char(st->mode), st->mode & 07777, st->uid, st->gid,
	       (unsigned long long)st->size, mt, (unsigned long long)st->ino, path,
	       st->symlink ? " -> " : "", tgt ? tgt : st->symlink ? "(out of memory)" : "");
	free(tgt);
	if (raw) {
		char e[1100];
		ps_name_escape(raw, rawlen, e, sizeof(e));
		printf("   [name in the image: '%s']", e);
	}
	if (pm) {
		json_object *t = json_object_object_get(pm, "type");
		json_object *l = json_object_object_get(pm, "layout");
		json_object *k = json_object_object_get(pm, "checksum");
		printf("   [PMDK %s%s%s%s%s%s]", json_object_get_string(t),
		       strcmp(json_object_get_string(t), "poolset") ? " pool" : "",
		       l ? ", layout \"" : "", l ? json_object_get_string(l) : "", l ? "\"" : "",
		       k && strcmp(json_object_get_string(k), "valid") ? ", header checksum BAD" : "");
		json_object_put(pm);
	}
	putchar('\n');
}

/* The tree (src/walk.h): a directory that is its own ancestor or 1024
 * levels down, counting the top, is not entered. */
static int ls_entry(void *ctx, struct ps_walk *w, const struct ps_walk_entry *e)
{
	struct ls_ctx *c = ctx;
	char name[PS_NAME_MAX + 1];
	int mapped = ps_name_sanitize(e->name, e->namelen, name);
	size_t plen = c->plen;
	int n = snprintf(c->path + plen, c->pcap - plen, "/%s", name);
	if (n < 0 || (size_t)n >= c->pcap - plen) {
		cli_err("ls: %s...: path too long", c->path);
		c->errors++;
	} else if (!e->st) {
		cli_err("ls: %s: %s", c->path, ps_fs_error(c->fs));
		c->errors++;
	} else {
		if (e->st->csum_bad) {
			csum_line("ls", c->path, e->st);
			c->errors++;
		}
		ls_print(c, c->path, e->st, mapped ? e->name : NULL, e->namelen);
		if ((e->st->mode & 0170000) == 0040000) {
			c->plen = plen + (size_t)n;
			ps_walk_enter(w, e);
			c->plen = plen;
		}
	}
	c->path[plen] = 0;
	return PS_OK;
}

static int ls_error(void *ctx, const struct ps_walk_error *err)
{
	struct ls_ctx *c = ctx;
	if (err->kind == PS_WALK_READ)
		cli_err("ls: %s: %s", c->plen ? c->path : "/", ps_fs_error(c->fs));
	else
		cli_err("ls: %s: %s", c->path, err->why & PS_WALK_LOOP ?
			"directory loop, not entered" : "too deep, not entered");
	c->errors++;
	return PS_OK;
}

static const struct ps_walk_ops ls_walk = { .entry = ls_entry, .error = ls_error };


static const struct cli_option ls_opts[] = {
	{ "json", 0, NULL, OPT_JSON, CLI_COMP_NONE, NULL,
	  "  --json            one JSON object: the filesystem type and every entry\n" },
	{ "path", 0, "PATH", OPT_PATH, CLI_COMP_VALUE, NULL,
	  "  --path PATH       the same as the PATH operand\n" },
	FS_OPTS_NSDATA,
	CLI_OPTS_JOURNAL,
	FS_OPTS_VIEWMODE,
	FS_OPTS_FSTYPE,
	{ "quiet", 'q', NULL, 'q', CLI_COMP_NONE, NULL,
	  "  -q, --quiet       no notices on stderr\n" },
	CLI_OPTS_CACHE,
	CLI_OPT_END,
};

static const struct cli_cmdline ls_cl = {
	"ls",
	"pmemscan ls IMAGE [PATH] [--namespace N] [--semantics legacy|fixed|auto] [--offset N [--size M]] [--journal replay|ignore|backup] [--fs-type ext|xfs|auto] [--view read|mmap|merged|auto] [--json] [--cache | --cache-dir DIR]\n"
	"  Lists the tree under PATH (default /) of the filesystem in a namespace's\n"
	"  data, one line per entry (man pmemscan-ls).\n",
	ls_opts,
	"Exit: 0 done, 1 some entries unreadable or read from metadata that failed its\n"
	"checksum (or the data start not proven),\n"
	"2 no namespace or filesystem, 3 usage or I/O error.\n",
};

int cmd_ls(int argc, char **argv)
{
	struct args a;
	int rc = parse(argc, argv, &a, &ls_cl, 1);
	if (rc >= 0)
		return rc;
	struct cli_view v;
	struct ps_fs *fs;
	rc = open_fs(&a, &v, &fs);
	if (rc)
		return rc;
	const char *p = a.operand ? a.operand : a.path ? a.path : "/";
	uint64_t ino;
	int lrc = ps_fs_lookup(fs, p, &ino);
	if (lrc) {
		/* a path not found: the error names it already */
		if (lrc == PS_ENOTFOUND)
			cli_err("%s: %s", a.image, ps_fs_error(fs));
		else
			cli_err("%s: %s: %s", a.image, p, ps_fs_error(fs));
		ps_fs_close(fs);
		cli_view_close(&v);
		return EXIT_USAGE;
	}
	struct xview xv;
	rc = xview_setup(&a, &v, &xv);
	if (rc >= 0) {
		xview_free(&xv);
		ps_fs_close(fs);
		cli_view_close(&v);
		return rc;
	}
	struct ls_ctx c = { .fs = fs, .xv = &xv, .json = a.json, .first = 1 };
	c.errors = fs_csum_report("ls", a.image, fs);
	size_t pcap = 65536;
	char *path = calloc(1, pcap);
	if (!path) {
		xview_free(&xv);
		cli_err("out of memory");
		return EXIT_USAGE;
	}
	snprintf(path, pcap, "%s", p);
	size_t plen = strlen(path);
	while (plen && path[plen - 1] == '/')
		path[--plen] = 0;
	if (a.json)
		printf("{\"filesystem\":\"%s\",\"view\":\"%s\",\"entries\":[",
		       ps_fs_type_name(ps_fs_get_type(fs)), mode_name(xv.mode));
	struct ps_fs_stat st;
	if (ps_fs_stat(fs, ino, &st)) {
		cli_err("%s: %s", a.image, ps_fs_error(fs));
		c.errors++;
	} else {
		if (st.csum_bad) {
			csum_line("ls", path[0] ? path : "/", &st);
			c.errors++;
		}
		if ((st.mode & 0170000) == 0040000) {
			struct ps_walk w;
			c.path = path;
			c.plen = plen;
			c.pcap = pcap;
			ps_walk_init(&w, fs, &(struct ps_walk_opts){ .max_depth = 1023 }, &ls_walk, &c);
			ps_walk_tree(&w, ino);
			ps_walk_free(&w);
		} else {
			ls_print(&c, path, &st, NULL, 0);
		}
		ps_fs_stat_free(&st);
	}
	if (a.json)
		printf("\n]}\n");
	bool stale = render_xlog_problem(ps_fs_xfs_log(fs));
	xlog_line("ls", fs);
	xview_free(&xv);
	free(path);
	ps_fs_close(fs);
	size_t damaged = cli_report_damage(a.image, v.image);
	bool jprob = render_journal_problem(&v.journal);
	cli_view_close(&v);
	if (fflush(stdout) != 0) {
		cli_err("ls: write error on standard output");
		return EXIT_USAGE;
	}
	return c.errors || stale || damaged || jprob ? EXIT_PROBLEMS : EXIT_OK;
}
