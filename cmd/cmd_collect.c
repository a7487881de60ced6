/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pmemscan collect: gather, on the customer's live machine, what a
 * support engineer needs to triage its persistent memory offline, into
 * one archive (docs/collect.md):
 *
 *   pmemscan-bundle/BUNDLE            format line, when, where, what asked
 *   pmemscan-bundle/ndctl-list.json   ndctl list -RNDBu -v
 *   pmemscan-bundle/labels/NMEM.bin   ndctl read-labels -o, per DIMM
 *   pmemscan-bundle/iomem.txt         /proc/iomem
 *   pmemscan-bundle/dmesg.txt         the kernel log's nvdimm/pmem/dax/pfn lines
 *   pmemscan-bundle/versions.txt      kernel and ndctl versions
 *   pmemscan-bundle/images/NS.img     --image NS: the namespace's device, read-only
 *   pmemscan-bundle/manifest.json     every piece: size, sha256, source,
 *                                     or why it could not be read
 *   pmemscan-bundle/SHA256SUMS        the same for sha256sum -c
 *
 * Every piece is read first into a private temporary file, hashed, then
 * stored, so a piece that fails halfway is recorded as failed rather than
 * stored short. Nothing here opens a device or namespace for writing: the
 * only file written is the bundle (created with O_EXCL unless --force).
 */
#include "docdir.h"
#include "config.h"
#include "cli.h"
#include "opts.h"
#include "collect.h"
#include "interrupt.h"
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <linux/fs.h>
#include <nettle/sha2.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


enum { OPT_IMAGE = CLI_OPT_CMD, OPT_NDCTL, OPT_ROOT, OPT_FORCE };

static const struct cli_option collect_opts[] = {
	{ "output", 'o', "FILE", 'o', CLI_COMP_FILE, NULL,
	  "  -o, --output FILE  the bundle, compressed by its suffix: .tar, .tar.gz/.tgz,\n"
	  "                     .tar.xz/.txz, .tar.zst/.tzst, .tar.bz2\n" },
	{ "image", 0, "NS", OPT_IMAGE, CLI_COMP_VALUE, NULL,
	  "  --image NS         also store a read-only image of namespace NS (its name,\n"
	  "                     e.g. namespace0.0, or its device, e.g. /dev/pmem0);\n"
	  "                     repeat for more\n" },
	{ "force", 0, NULL, OPT_FORCE, CLI_COMP_NONE, NULL,
	  "  --force            replace an existing bundle file\n" },
	{ "ndctl", 0, "PATH", OPT_NDCTL, CLI_COMP_FILE, NULL,
	  "  --ndctl PATH       the ndctl to run (default: ndctl from PATH)\n" },
	{ "root", 0, "DIR", OPT_ROOT, CLI_COMP_DIR, NULL,
	  "  --root DIR         read proc, sys and dev under DIR instead of / (testing)\n" },
	CLI_OPT_END,
};

static const struct cli_cmdline collect_cl = {
	"collect",
	"pmemscan collect -o BUNDLE.tar.zst [--image NS]... [--force]\n"
	"  Run as root on the machine whose persistent memory is in trouble: gathers\n"
	"  what offline triage needs into one archive, each piece with its sha256 in\n"
	"  a manifest, and says what it could not read and why. Never writes to a\n"
	"  namespace. 'pmemscan BUNDLE' then triages the bundle (" PS_DOC("collect.md") ").\n",
	collect_opts,
	"Exit: 0 every piece collected, 1 some could not be (each named, with the\n"
	"reason), 3 usage error or the bundle could not be written.\n",
};

static int set_filter(struct archive *a, const char *name)
{
	static const struct {
		const char *suffix;
		int (*add)(struct archive *);
	} f[] = {
		{ ".gz", archive_write_add_filter_gzip },
		{ ".tgz", archive_write_add_filter_gzip },
		{ ".xz", archive_write_add_filter_xz },
		{ ".txz", archive_write_add_filter_xz },
		{ ".zst", archive_write_add_filter_zstd },
		{ ".tzst", archive_write_add_filter_zstd },
		{ ".bz2", archive_write_add_filter_bzip2 },
	};
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		size_t k = strlen(f[i].suffix);
		if (n > k && !strcmp(name + n - k, f[i].suffix))
			return f[i].add(a);
	}
	return ARCHIVE_OK;
}

static char *iso_time(time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	char b[32];
	strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(b);
}

static void json_add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

struct collect_args {
	struct collect c;
	const char *out;
	const char **images;
	size_t nimages;
	bool force;
};

static int collect_option(void *ctx, int id, const char *arg)
{
	struct collect_args *a = ctx;
	switch (id) {
	case 'o': a->out = arg; break;
	case OPT_IMAGE: {
		const char **v = realloc(a->images, (a->nimages + 1) * sizeof(*v));
		if (!v) {
			cli_err("collect: out of memory");
			return EXIT_USAGE;
		}
		a->images = v;
		a->images[a->nimages++] = arg;
		break;
	}
	case OPT_NDCTL: a->c.ndctl = arg; break;
	case OPT_ROOT: a->c.root = arg; break;
	case OPT_FORCE: a->force = true; break;
	}
	return 0;
}

int cmd_collect(int argc, char **argv)
{
	struct collect_args ca = { .c = { .root = "", .ndctl = "ndctl" } };
	int prc = cli_opts_parse(&collect_cl, argc, argv, collect_option, &ca);
	if (prc >= 0) {
		free(ca.images);
		return prc;
	}
	struct collect c = ca.c;
	const char *out = ca.out;
	const char **images = ca.images;
	size_t nimages = ca.nimages;
	bool force = ca.force;
	if (!out || optind != argc) {
		cli_err("collect: %s (pmemscan collect --help)",
			!out ? "-o BUNDLE is required" : "unexpected argument");
		free(images);
		return EXIT_USAGE;
	}
	/* written as BUNDLE.partial (made new, never through a symlink) and
	 * renamed when complete, after a last check that BUNDLE is none of
	 * the files read into it (src/outfile.h); an existing BUNDLE is only
	 * replaced then, with --force */
	struct stat ost;
	if (!force && lstat(out, &ost) == 0) {
		cli_err("collect: %s: cannot create: %s (--force replaces it)", out, strerror(EEXIST));
		free(images);
		return EXIT_USAGE;
	}
	struct ps_outfile of;
	char oerr[4096 + 512];
	if (ps_outfile_open(&of, out, force ? PS_OUT_REPLACE | PS_OUT_CLEAR_STALE : 0, 0600,
			    oerr, sizeof(oerr))) {
		cli_err("collect: %s", oerr);
		free(images);
		return EXIT_USAGE;
	}
	int ofd = of.fd;
	/* from here a write error or Ctrl-C removes the bundle (bundle_abort) */
	c.out = out;
	c.of = &of;
	ps_intr_enter();
	/* temporary pieces next to the bundle: the same filesystem, which
	 * the user chose to have room */
	char *slash = strrchr(out, '/');
	snprintf(c.tmpdir, sizeof(c.tmpdir), "%.*s", slash ? (int)(slash - out) + (slash == out) : 1,
		 slash ? out : ".");
	c.now = time(NULL);
	c.a = archive_write_new();
	if (!c.a || archive_write_set_format_pax_restricted(c.a) != ARCHIVE_OK ||
	    set_filter(c.a, out) != ARCHIVE_OK || archive_write_open_fd(c.a, ofd) != ARCHIVE_OK) {
		cli_err("collect: %s: %s", out, c.a ? archive_error_string(c.a) : "out of memory");
		ps_outfile_discard(&of);
		free(images);
		return EXIT_USAGE;
	}
	struct utsname u;
	uname(&u);
	char *created = iso_time(c.now);
	{
		char *hdr = xasprintf("pmemscan-bundle 1\ncreated=%s\nhost=%s\nkernel=%s\npmemscan=%s\n",
				      created, u.nodename, u.release, PACKAGE_VERSION);
		struct piece *p = add_piece(&c, "BUNDLE", "pmemscan collect");
		store_buf(&c, p, hdr, strlen(hdr));
		free(hdr);
	}

	/* ndctl's view, stored and also read here for the DIMMs and devices */
	char *listargv[] = { (char *)c.ndctl, "list", "-RNDBu", "-v", NULL };
	struct json_object *list = NULL;
	{
		struct piece *p = add_piece(&c, "ndctl-list.json", "ndctl list -RNDBu -v");
		char *err;
		int fd = run_cmd(&c, listargv, &err);
		struct stat st;
		if (fd < 0) {
			p->error = err;
		} else if (!store_fd(&c, p, fd) && !fstat(fd, &st) && st.st_size > 0 &&
			   st.st_size < (64 << 20)) {
			char *b = malloc((size_t)st.st_size + 1);
			if (b && pread(fd, b, (size_t)st.st_size, 0) == st.st_size) {
				b[st.st_size] = 0;
				list = json_tokener_parse(b);
			}
			free(b);
		}
		if (fd >= 0)
			close(fd);
	}
	char **dimms;
	size_t ndimms = find_dimms(&c, list, &dimms);
	for (size_t i = 0; i < ndimms; i++) {
		char *name = xasprintf("labels/%s.bin", dimms[i]);
		char *src = xasprintf("%s read-labels -o FILE %s", c.ndctl, dimms[i]);
		struct piece *p = add_piece(&c, name, src);
		char tpath[4200];
		snprintf(tpath, sizeof(tpath), "%s/.pmemscan-labels-XXXXXX", c.tmpdir);
		int tfd = mkstemp(tpath);
		if (tfd < 0) {
			set_error(p, "temporary file: %s", strerror(errno));
		} else {
			char *argv2[] = { (char *)c.ndctl, "read-labels", "-o", tpath, dimms[i], NULL };
			char *err;
			int fd = run_cmd(&c, argv2, &err);
			if (fd < 0) {
				p->error = err;
			} else {
				close(fd);
				store_fd(&c, p, tfd);
			}
			close(tfd);
			unlink(tpath);
		}
		free(name);
		free(src);
		free(dimms[i]);
	}
	free(dimms);
	if (!ndimms) {
		struct piece *p = add_piece(&c, "labels/", "ndctl list -D, /sys/bus/nd/devices/nmem*");
		set_error(p, "no DIMM found: no label area to read");
	}
	collect_file(&c, "iomem.txt", "/proc/iomem");
	if (c.n && !c.p[c.n - 1].error && getuid() != 0)
		c.p[c.n - 1].note = xstrdup("not read as root: the kernel shows every address as 0");
	collect_dmesg(&c);
	collect_versions(&c);
	struct image_info *ii = calloc(nimages ? nimages : 1, sizeof(*ii));
	size_t *img_piece = calloc(nimages ? nimages : 1, sizeof(*img_piece));
	for (size_t i = 0; ii && img_piece && i < nimages; i++) {
		collect_image(&c, list, images[i], &ii[i]);
		img_piece[i] = c.n - 1;
	}

	/* the manifest and SHA256SUMS: what is in the bundle and what is not */
	struct json_object *m = json_object_new_object();
	json_add_str(m, "format", "pmemscan-bundle");
	json_object_object_add(m, "version", json_object_new_int(1));
	json_add_str(m, "created", created);
	json_add_str(m, "host", u.nodename);
	json_add_str(m, "kernel", u.release);
	json_add_str(m, "pmemscan", PACKAGE_VERSION);
	struct json_object *pa = json_object_new_array();
	size_t nfail = 0;
	char *sums = xstrdup("");
	for (size_t i = 0; i < c.n; i++) {
		struct piece *p = &c.p[i];
		struct json_object *o = json_object_new_object();
		json_add_str(o, "name", p->name);
		json_add_str(o, "source", p->source);
		if (p->error) {
			json_add_str(o, "error", p->error);
			nfail++;
		} else {
			json_object_object_add(o, "size", json_object_new_int64((int64_t)p->size));
			json_add_str(o, "sha256", p->sha256);
			char *ns = xasprintf("%s%s  %s\n", sums, p->sha256, p->name);
			free(sums);
			sums = ns;
		}
		if (p->note)
			json_add_str(o, "note", p->note);
		json_object_array_add(pa, o);
	}
	json_object_object_add(m, "pieces", pa);
	struct json_object *ia = json_object_new_array();
	for (size_t i = 0; i < nimages; i++) {
		struct json_object *o = json_object_new_object();
		json_add_str(o, "name", c.p[img_piece[i]].name);
		json_add_str(o, "namespace", ii[i].ns);
		json_add_str(o, "device", ii[i].device);
		json_add_str(o, "mode", ii[i].mode);
		json_add_str(o, "view", ii[i].view);
		json_add_str(o, "namespace_resource", ii[i].ns_resource[0] ? ii[i].ns_resource : NULL);
		json_add_str(o, "data_resource", ii[i].data_resource[0] ? ii[i].data_resource : NULL);
		json_object_object_add(o, "collected", json_object_new_boolean(!c.p[img_piece[i]].error));
		json_object_array_add(ia, o);
		free(ii[i].ns);
		free(ii[i].device);
		free(ii[i].mode);
		free(ii[i].view);
	}
	json_object_object_add(m, "images", ia);
	const char *mj = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t nbefore = c.n;
	struct piece *mp = add_piece(&c, "manifest.json", "pmemscan collect");
	store_buf(&c, mp, mj, strlen(mj));
	if (!mp->error) {
		char *ns = xasprintf("%s%s  %s\n", sums, mp->sha256, mp->name);
		free(sums);
		sums = ns;
	}
	store_buf(&c, add_piece(&c, "SHA256SUMS", "pmemscan collect"), sums, strlen(sums));
	int arc = archive_write_close(c.a);
	int en = arc != ARCHIVE_OK && archive_errno(c.a) > 0 ? archive_errno(c.a) : 0;
	archive_write_free(c.a);
	int crc = fsync(ofd) < 0 && errno != EINVAL ? -1 : 0;
	if (close(ofd) < 0)
		crc = -1;
	of.fd = -1;
	if (arc != ARCHIVE_OK || crc) {
		if (!en)
			en = errno;
		const char *nm = strerrorname_np(en);
		cli_err("collect: %s: writing the bundle failed: %s (%s); %s", out, strerror(en),
			nm ? nm : "?", ps_outfile_discard(&of) == 0 ? "removed (incomplete)" : "delete it");
	} else if (ps_outfile_commit(&of, oerr, sizeof(oerr))) {
		cli_err("collect: %s", oerr);
		crc = -1;
	}

	/* what was gathered, and what not and why */
	for (size_t i = 0; i < nbefore; i++) {
		struct piece *p = &c.p[i];
		if (p->error)
			fprintf(stderr, "pmemscan: collect: not collected: %s (%s): %s\n", p->name,
				p->source, p->error);
		else if (p->note)
			fprintf(stderr, "pmemscan: collect: %s: %s\n", p->name, p->note);
	}
	printf("%s: %zu of %zu pieces collected%s, sha256 of each in manifest.json and SHA256SUMS\n",
	       out, nbefore - nfail, nbefore, nfail ? " (see above for the others)" : "");

	json_object_put(m);
	json_object_put(list);
	for (size_t i = 0; i < c.n; i++) {
		free(c.p[i].name);
		free(c.p[i].source);
		free(c.p[i].error);
		free(c.p[i].note);
	}
	free(c.p);
	free(sums);
	free(created);
	free(ii);
	free(img_piece);
	free(images);
	if (arc != ARCHIVE_OK || crc)
		return EXIT_USAGE;
	return nfail ? EXIT_PROBLEMS : EXIT_OK;
}

