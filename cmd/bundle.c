/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Triage of a bundle written by `pmemscan collect` (docs/collect.md):
 * unpack it into a private temporary directory (images sparse), check
 * every piece against the manifest's sha256, then report what the
 * customer's machine said (its namespaces as ndctl listed them, what was
 * not collected and why), each label area as `pmemscan labels` reads it,
 * and each namespace image as `pmemscan scan` reads it, placed at the
 * physical address the kernel gave it and with the bundle's /proc/iomem,
 * so the user passes no flag. With --json, one JSON document holding the
 * same, the sub-reports embedded whole.
 */
#include "config.h"
#include "bundle.h"
#include "cli.h"
#include "util.h"
#include "collect.h"
#include "phys.h"
#include "labels_embed.h"
#include "scan_report.h"
#include "err.h"
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <nettle/sha2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUNDLE_MAGIC "pmemscan-bundle 1\n"

static struct archive *open_archive(const char *path)
{
	struct archive *a = archive_read_new();
	if (!a)
		return NULL;
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

bool bundle_is(const char *path)
{
	struct stat st;
	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return false;
	struct archive *a = open_archive(path);
	if (!a)
		return false;
	struct archive_entry *e;
	bool yes = false;
	if (archive_read_next_header(a, &e) == ARCHIVE_OK &&
	    !strcmp(archive_entry_pathname(e), BUNDLE_DIR "BUNDLE")) {
		char b[sizeof(BUNDLE_MAGIC)];
		la_ssize_t k = archive_read_data(a, b, sizeof(b) - 1);
		yes = k == (la_ssize_t)sizeof(b) - 1 && !memcmp(b, BUNDLE_MAGIC, sizeof(b) - 1);
	}
	archive_read_free(a);
	return yes;
}

struct got {
	char *name;
	char sha256[65];
	uint64_t size;
	bool verified;		/* its sha256 is the manifest's */
};

struct bundle {
	char dir[4096];
	struct got *g;
	size_t n;
};

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static void bundle_cleanup(struct bundle *b)
{
	if (b->dir[0])
		nftw(b->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	for (size_t i = 0; i < b->n; i++)
		free(b->g[i].name);
	free(b->g);
}

/* A name inside the bundle that stays inside it: relative, no "..". */
static bool safe_name(const char *n)
{
	if (!*n || n[0] == '/')
		return false;
	for (const char *p = n; *p; p = strchr(p, '/') ? strchr(p, '/') + 1 : p + strlen(p)) {
		size_t k = strcspn(p, "/");
		if ((k == 2 && !strncmp(p, "..", 2)) || (k == 1 && p[0] == '.'))
			return false;
		if (!p[k])
			break;
	}
	return true;
}

/* Unpack every regular file under BUNDLE_DIR into b->dir (all-zero
 * 64 KiB runs left as holes), hashing each. -1 after a one-line error. */
static int unpack(const char *path, struct bundle *b)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(b->dir, sizeof(b->dir), "%s/pmemscan-bundle.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(b->dir)) {
		cli_err("%s: cannot make a temporary directory %s: %s", path, b->dir, strerror(errno));
		b->dir[0] = 0;
		return -1;
	}
	struct archive *a = open_archive(path);
	if (!a) {
		cli_err("%s: cannot read the bundle", path);
		return -1;
	}
	struct archive_entry *e;
	int r;
	static unsigned char buf[64 << 10];
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *n = archive_entry_pathname(e);
		if (archive_entry_filetype(e) != AE_IFREG || strncmp(n, BUNDLE_DIR, strlen(BUNDLE_DIR)))
			continue;
		n += strlen(BUNDLE_DIR);
		if (!safe_name(n)) {
			cli_err("%s: entry '%s' would leave the bundle: skipped", path, n);
			continue;
		}
		char full[8192];
		snprintf(full, sizeof(full), "%s/%s", b->dir, n);
		for (char *s = strchr(full + strlen(b->dir) + 1, '/'); s; s = strchr(s + 1, '/')) {
			*s = 0;
			mkdir(full, 0700);
			*s = '/';
		}
		int fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0) {
			cli_err("%s: cannot unpack %s into %s: %s", path, n, full, strerror(errno));
			archive_read_free(a);
			return -1;
		}
		struct sha256_ctx h;
		sha256_init(&h);
		uint64_t off = 0;
		la_ssize_t k;
		int bad = 0;
		while ((k = archive_read_data(a, buf, sizeof(buf))) > 0) {
			sha256_update(&h, (size_t)k, buf);
			if (ps_pwrite_nonzero(fd, buf, (size_t)k, off))
				bad = errno ? errno : EIO;
			off += (uint64_t)k;
		}
		if (k < 0) {
			cli_err("%s: reading %s from the bundle: %s", path, n, archive_error_string(a));
			close(fd);
			archive_read_free(a);
			return -1;
		}
		if (!bad && ftruncate(fd, (off_t)off))
			bad = errno;
		close(fd);
		if (bad) {
			cli_err("%s: writing %s: %s", path, full, strerror(bad));
			archive_read_free(a);
			return -1;
		}
		struct got *g = realloc(b->g, (b->n + 1) * sizeof(*g));
		if (!g) {
			cli_err("out of memory");
			archive_read_free(a);
			return -1;
		}
		b->g = g;
		g = &b->g[b->n++];
		g->name = strdup(n);
		g->size = off;
		uint8_t d[SHA256_DIGEST_SIZE];
		sha256_digest(&h, sizeof(d), d);
		for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
			snprintf(g->sha256 + 2 * i, 3, "%02x", d[i]);
	}
	if (r != ARCHIVE_EOF) {
		cli_err("%s: the bundle is damaged: %s", path, archive_error_string(a));
		archive_read_free(a);
		return -1;
	}
	archive_read_free(a);
	return 0;
}

static const struct got *got(const struct bundle *b, const char *name)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->g[i].name && !strcmp(b->g[i].name, name))
			return &b->g[i];
	return NULL;
}

/* A piece the triage may use: in the bundle and as the manifest says (a
 * changed piece is reported, never fed to the analysis). */
static bool usable(const struct bundle *b, const char *name)
{
	const struct got *g = got(b, name);
	return g && g->verified;
}


static int worst(int a, int b)
{
	if (a == EXIT_USAGE || b == EXIT_USAGE)
		return EXIT_USAGE;
	if (a == EXIT_PROBLEMS || b == EXIT_PROBLEMS)
		return EXIT_PROBLEMS;
	return a > b ? a : b;
}

/* Where the image's first byte sits in physical memory, as the kernel
 * said: the data start for a pfn/dax view, the namespace for raw. */
static const char *image_phys(struct json_object *im)
{
	const char *mode = jstr(im, "mode");
	if (!mode)
		return NULL;
	if (!strcmp(mode, "fsdax") || !strcmp(mode, "devdax") || !strcmp(mode, "memory") ||
	    !strcmp(mode, "dax"))
		return jstr(im, "data_resource");
	if (!strcmp(mode, "raw"))
		return jstr(im, "namespace_resource");
	return NULL;	/* sector: translated sectors, no physical address */
}

/* An image the kernel gave no address for (a file, a sector device, an
 * older bundle): scan's own rule places it by the iomem entry exactly as
 * large as the image. When no entry (or more than one) is, give scan no
 * iomem rather than let it refuse: the image is scanned without a physical
 * base, and why is returned (NULL when the iomem places it). */
static char *unplaced_why(const char *iomem, const char *img)
{
	char err[PS_ERR_LINE_MAX];
	char *text = ps_read_text_file(iomem, 4 << 20, err, sizeof(err));
	if (!text)
		return xasprintf("iomem.txt unreadable (%s)", err);
	struct ps_phys_map map = { 0 };
	int prc = ps_iomem_parse(text, &map, err, sizeof(err));
	free(text);
	if (prc != PS_OK) {
		ps_phys_map_free(&map);
		return xasprintf("iomem.txt unreadable (%s)", err);
	}
	struct stat st;
	if (stat(img, &st)) {
		ps_phys_map_free(&map);
		return xasprintf("the image's size unknown (%s)", strerror(errno));
	}
	const struct ps_phys_range *hit;
	int mrc = ps_phys_match_size(&map, (uint64_t)st.st_size, &hit);
	ps_phys_map_free(&map);
	if (mrc == PS_OK)
		return NULL;
	return xasprintf("iomem.txt has %s entry exactly as large as the image (%" PRIu64 " bytes)",
			 mrc == PS_EAMBIG ? "more than one" : "no", (uint64_t)st.st_size);
}


static void ns_lines(FILE *f, struct json_object *o)
{
	if (!o)
		return;
	if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			ns_lines(f, json_object_array_get_idx(o, i));
		return;
	}
	if (!json_object_is_type(o, json_type_object))
		return;
	const char *dev = jstr(o, "dev");
	if (dev && !strncmp(dev, "namespace", 9)) {
		const char *bd = jstr(o, "blockdev"), *cd = jfind(o, "chardev");
		fprintf(f, "  %s: mode %s, size %s%s%s%s%s\n", dev, jstr(o, "mode") ? jstr(o, "mode") : "?",
			jstr(o, "size") ? jstr(o, "size") : "?", bd || cd ? ", device /dev/" : "",
			bd ? bd : cd ? cd : "", jstr(o, "uuid") ? ", uuid " : "",
			jstr(o, "uuid") ? jstr(o, "uuid") : "");
	}
	json_object_object_foreach(o, k, v) {
		(void)k;
		if (v && (json_object_is_type(v, json_type_array) || json_object_is_type(v, json_type_object)))
			ns_lines(f, v);
	}
}

int bundle_triage(const char *path, bool json)
{
	struct bundle b;
	memset(&b, 0, sizeof(b));
	int code = EXIT_OK;
	if (unpack(path, &b)) {
		bundle_cleanup(&b);
		return EXIT_USAGE;
	}
	char mpath[8192];
	snprintf(mpath, sizeof(mpath), "%s/manifest.json", b.dir);
	struct json_object *m = got(&b, "manifest.json") ? json_object_from_file(mpath) : NULL;
	struct json_object *pieces = NULL, *images = NULL;
	if (!m || !json_object_object_get_ex(m, "pieces", &pieces) ||
	    !json_object_is_type(pieces, json_type_array)) {
		cli_err("%s: pmemscan-bundle/manifest.json is missing or not a manifest: the bundle is incomplete",
			path);
		json_object_put(m);
		bundle_cleanup(&b);
		return EXIT_USAGE;
	}
	json_object_object_get_ex(m, "images", &images);

	/* every piece against the manifest */
	struct json_object *jb = json_object_new_object();
	struct json_object *jp = json_object_new_array();
	size_t nok = 0, nbad = 0, nmissing = 0, nfailed = 0;
	char *failed_txt = NULL;
	size_t failed_len = 0;
	FILE *ft = open_memstream(&failed_txt, &failed_len);
	for (size_t i = 0; i < json_object_array_length(pieces); i++) {
		struct json_object *p = json_object_array_get_idx(pieces, i);
		const char *n = jstr(p, "name"), *want = jstr(p, "sha256"), *err = jstr(p, "error");
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(n ? n : ""));
		const char *state;
		if (err) {
			state = "not collected";
			nfailed++;
			fprintf(ft, "not collected: %s (%s): %s\n", n ? n : "?",
				jstr(p, "source") ? jstr(p, "source") : "?", err);
			json_object_object_add(o, "error", json_object_new_string(err));
		} else {
			const struct got *g = n ? got(&b, n) : NULL;
			if (!g) {
				state = "missing";
				nmissing++;
				fprintf(ft, "MISSING: %s is in the manifest but not in the bundle\n", n ? n : "?");
			} else if (!want || strcmp(want, g->sha256)) {
				state = "mismatch";
				nbad++;
				fprintf(ft, "MISMATCH: %s: sha256 %s, the manifest says %s (not used)\n", n, g->sha256,
					want ? want : "nothing");
			} else {
				state = "ok";
				nok++;
				((struct got *)g)->verified = true;
			}
		}
		json_object_object_add(o, "state", json_object_new_string(state));
		json_object_array_add(jp, o);
	}
	fclose(ft);
	if (nbad || nmissing)
		code = EXIT_PROBLEMS;
	const char *keys[] = { "created", "host", "kernel", "pmemscan" };
	json_object_object_add(jb, "path", json_object_new_string(path));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_object_add(jb, keys[i], jstr(m, keys[i]) ? json_object_new_string(jstr(m, keys[i])) : NULL);
	json_object_object_add(jb, "verified", json_object_new_boolean(!nbad && !nmissing));
	json_object_object_add(jb, "pieces", jp);

	char vpath[8192], ver[512] = "";
	snprintf(vpath, sizeof(vpath), "%s/versions.txt", b.dir);
	FILE *vf = fopen(vpath, "re");
	if (vf) {
		char line[512];
		while (fgets(line, sizeof(line), vf))
			if (!strncmp(line, "ndctl=", 6)) {
				snprintf(ver, sizeof(ver), "%s", line + 6);
				ver[strcspn(ver, "\n")] = 0;
			}
		fclose(vf);
	}
	json_object_object_add(jb, "ndctl", ver[0] ? json_object_new_string(ver) : NULL);
	if (!json) {
		printf("bundle: %s (pmemscan collect, %s on %s, kernel %s, ndctl %s)\n", path,
		       jstr(m, "created") ? jstr(m, "created") : "?", jstr(m, "host") ? jstr(m, "host") : "?",
		       jstr(m, "kernel") ? jstr(m, "kernel") : "?", ver[0] ? ver : "unknown");
		printf("pieces: %zu stored, %s%s", nok + nbad + nmissing,
		       nbad || nmissing ? "NOT all as the manifest says" : "every sha256 matches the manifest",
		       nfailed ? "" : "\n");
		if (nfailed)
			printf("; %zu could not be collected\n", nfailed);
		fputs(failed_txt ? failed_txt : "", stdout);
	}
	free(failed_txt);

	/* the machine's own view */
	char lpath[8192];
	snprintf(lpath, sizeof(lpath), "%s/ndctl-list.json", b.dir);
	struct json_object *list = usable(&b, "ndctl-list.json") ? json_object_from_file(lpath) : NULL;
	if (!json) {
		printf("\nnamespaces as the machine's ndctl listed them:\n");
		if (list)
			ns_lines(stdout, list);
		else
			printf("  (no ndctl list in the bundle)\n");
	}
	json_object_object_add(jb, "ndctl_list", list);

	/* label areas */
	struct json_object *jl = json_object_new_array();
	for (size_t i = 0; i < b.n; i++) {
		if (strncmp(b.g[i].name, "labels/", 7) || !b.g[i].verified)
			continue;
		char f[8192];
		snprintf(f, sizeof(f), "%s/%s", b.dir, b.g[i].name);
		if (!json)
			printf("\n== label area %s ==\n", b.g[i].name);
		/* named as `tar -xf BUNDLE` unpacks it */
		char *shown = xasprintf("%s%s", BUNDLE_DIR, b.g[i].name);
		struct json_object *report = NULL;
		fflush(stdout);
		int rc = shown ? labels_embedded(f, shown, json, json ? &report : NULL) : EXIT_USAGE;
		free(shown);
		code = worst(code, rc == EXIT_NOTHING ? EXIT_OK : rc);
		if (json) {
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "name", json_object_new_string(b.g[i].name));
			json_object_object_add(o, "report", report);
			json_object_object_add(o, "exit", json_object_new_int(rc));
			json_object_array_add(jl, o);
		}
	}
	json_object_object_add(jb, "labels", jl);

	/* namespace images, placed where the kernel had them */
	struct json_object *ji = json_object_new_array();
	char iomem[8192];
	snprintf(iomem, sizeof(iomem), "%s/iomem.txt", b.dir);
	bool have_iomem = usable(&b, "iomem.txt");
	size_t nimg = 0;
	for (size_t i = 0; images && json_object_is_type(images, json_type_array) &&
			   i < json_object_array_length(images); i++) {
		struct json_object *im = json_object_array_get_idx(images, i);
		const char *n = jstr(im, "name");
		if (!n || !usable(&b, n))
			continue;
		nimg++;
		char f[8192];
		snprintf(f, sizeof(f), "%s/%s", b.dir, n);
		const char *phys = image_phys(im);
		char *unplaced = !phys && have_iomem ? unplaced_why(iomem, f) : NULL;
		if (!json)
			printf("\n== image %s: %s %s (%s)%s%s ==\n", n, jstr(im, "namespace") ? jstr(im, "namespace") : "",
			       jstr(im, "device") ? jstr(im, "device") : "", jstr(im, "view") ? jstr(im, "view") : "",
			       phys ? ", first byte at physical " : "", phys ? phys : "");
		if (!json && unplaced)
			printf("no physical base: %s; scanned without one\n", unplaced);
		/* the scan's report, embedded: the piece named as `tar -xf
		 * BUNDLE` unpacks it, so the same bundle gives the same report
		 * and its commands run after unpacking it */
		char *shown = xasprintf("%s%s", BUNDLE_DIR, n);
		struct json_object *report = NULL;
		fflush(stdout);
		int rc = shown ? scan_embedded(f, shown, phys, have_iomem && !unplaced ? iomem : NULL,
					       BUNDLE_DIR "iomem.txt", json, json ? &report : NULL) :
			 EXIT_USAGE;
		free(shown);
		code = worst(code, rc);
		if (json) {
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "name", json_object_new_string(n));
			json_object_object_add(o, "namespace", jstr(im, "namespace") ? json_object_new_string(jstr(im, "namespace")) : NULL);
			json_object_object_add(o, "mode", jstr(im, "mode") ? json_object_new_string(jstr(im, "mode")) : NULL);
			json_object_object_add(o, "view", jstr(im, "view") ? json_object_new_string(jstr(im, "view")) : NULL);
			json_object_object_add(o, "phys_base", phys ? json_object_new_string(phys) : NULL);
			json_object_object_add(o, "no_phys_base", unplaced ? json_object_new_string(unplaced) : NULL);
			json_object_object_add(o, "report", report);
			json_object_object_add(o, "exit", json_object_new_int(rc));
			json_object_array_add(ji, o);
		}
		free(unplaced);
	}
	json_object_object_add(jb, "images", ji);
	if (!json && nimg)
		printf("\n(the commands above run on the images once unpacked: tar -xf %s)\n", path);
	if (!json && !nimg)
		printf("\nno namespace image in the bundle ('pmemscan collect --image NAMESPACE' stores one)\n");
	if (json) {
		struct json_object *top = json_object_new_object();
		json_object_object_add(top, "bundle", jb);
		printf("%s\n", json_object_to_json_string_ext(top, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_SPACED |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(top);
	} else {
		json_object_put(jb);
	}
	json_object_put(m);
	bundle_cleanup(&b);
	return code;
}
