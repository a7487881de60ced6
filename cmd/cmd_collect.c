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
#include "config.h"
#include "cli.h"
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

#define BUNDLE_DIR "pmemscan-bundle/"

enum { OPT_IMAGE = 0x1301, OPT_NDCTL, OPT_ROOT, OPT_FORCE };

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
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pmemscan collect -o BUNDLE.tar.zst [--image NS]... [--force]\n"
		"  Run as root on the machine whose persistent memory is in trouble: gathers\n"
		"  what offline triage needs into one archive, each piece with its sha256 in\n"
		"  a manifest, and says what it could not read and why. Never writes to a\n"
		"  namespace. 'pmemscan BUNDLE' then triages the bundle (docs/collect.md).\n"
		"  -o, --output FILE  the bundle: .tar, .tar.gz, .tar.xz or .tar.zst\n"
		"  --image NS         also store a read-only image of namespace NS (its name,\n"
		"                     e.g. namespace0.0, or its device, e.g. /dev/pmem0);\n"
		"                     repeat for more\n"
		"  --force            replace an existing bundle file\n"
		"  --ndctl PATH       the ndctl to run (default: ndctl from PATH)\n"
		"  --root DIR         read proc and sys under DIR instead of / (testing)\n");
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d) {
		cli_err("collect: out of memory");
		exit(EXIT_USAGE);
	}
	return d;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	int k = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (k < 0) {
		cli_err("collect: out of memory");
		exit(EXIT_USAGE);
	}
	return s;
}

static struct piece *add_piece(struct collect *c, const char *name, const char *source)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		struct piece *p = realloc(c->p, cap * sizeof(*p));
		if (!p) {
			cli_err("collect: out of memory");
			exit(EXIT_USAGE);
		}
		c->p = p;
		c->cap = cap;
	}
	struct piece *p = &c->p[c->n++];
	memset(p, 0, sizeof(*p));
	p->name = xstrdup(name);
	p->source = xstrdup(source);
	return p;
}

static void set_error(struct piece *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct piece *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(p->error);
	if (vasprintf(&p->error, fmt, ap) < 0)
		p->error = NULL;
	va_end(ap);
	if (!p->error)
		p->error = xstrdup("failed (out of memory)");
}

/* ---- storing: a temporary file, hashed, then one archive entry ---- */

static int tmp_file(struct collect *c)
{
	int fd = open(c->tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		char path[4200];
		snprintf(path, sizeof(path), "%s/pieceXXXXXX", c->tmpdir);
		fd = mkstemp(path);
		if (fd >= 0)
			unlink(path);
	}
	return fd;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *b = buf;
	while (n) {
		ssize_t k = write(fd, b, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Store the temporary file fd (its whole content) as piece p. */
static int store_fd(struct collect *c, struct piece *p, int fd)
{
	struct stat st;
	if (fstat(fd, &st) || lseek(fd, 0, SEEK_SET) < 0) {
		set_error(p, "temporary file: %s", strerror(errno));
		return -1;
	}
	p->size = (uint64_t)st.st_size;
	struct archive_entry *e = archive_entry_new();
	char *path = xasprintf(BUNDLE_DIR "%s", p->name);
	archive_entry_set_pathname(e, path);
	free(path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)st.st_size);
	archive_entry_set_mtime(e, c->now, 0);
	int rc = archive_write_header(c->a, e);
	archive_entry_free(e);
	if (rc != ARCHIVE_OK) {
		cli_err("collect: writing the bundle: %s", archive_error_string(c->a));
		exit(EXIT_USAGE);
	}
	struct sha256_ctx h;
	sha256_init(&h);
	static unsigned char buf[1 << 20];
	for (;;) {
		ssize_t k = read(fd, buf, sizeof(buf));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			cli_err("collect: reading back %s: %s", p->name, strerror(errno));
			exit(EXIT_USAGE);
		}
		if (k == 0)
			break;
		sha256_update(&h, (size_t)k, buf);
		if (archive_write_data(c->a, buf, (size_t)k) != k) {
			cli_err("collect: writing the bundle: %s", archive_error_string(c->a));
			exit(EXIT_USAGE);
		}
	}
	uint8_t d[SHA256_DIGEST_SIZE];
	sha256_digest(&h, sizeof(d), d);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(p->sha256 + 2 * i, 3, "%02x", d[i]);
	return 0;
}

static void store_buf(struct collect *c, struct piece *p, const void *buf, size_t n)
{
	int fd = tmp_file(c);
	if (fd < 0 || write_all(fd, buf, n)) {
		set_error(p, "temporary file: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	store_fd(c, p, fd);
	close(fd);
}

/* ---- sources ---- */

/*
 * Run argv with stdout into a temporary file (returned, or -1) and stderr
 * into *err (its first line, or the exit status); *status the wait status.
 */
static int run_cmd(struct collect *c, char *const argv[], char **err)
{
	*err = NULL;
	int out = tmp_file(c), ep[2];
	if (out < 0 || pipe(ep)) {
		*err = xasprintf("temporary file: %s", strerror(errno));
		if (out >= 0)
			close(out);
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		*err = xasprintf("fork: %s", strerror(errno));
		close(out);
		close(ep[0]);
		close(ep[1]);
		return -1;
	}
	if (pid == 0) {
		int dn = open("/dev/null", O_RDONLY);
		if (dn >= 0)
			dup2(dn, 0);
		dup2(out, 1);
		dup2(ep[1], 2);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(ep[1]);
	char ebuf[4096];
	size_t en = 0;
	for (;;) {
		ssize_t k = read(ep[0], ebuf + en, sizeof(ebuf) - 1 - en);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		en += (size_t)k;
		if (en == sizeof(ebuf) - 1) {	/* keep the first 4 KiB; drain */
			char junk[4096];
			while (read(ep[0], junk, sizeof(junk)) > 0)
				;
			break;
		}
	}
	close(ep[0]);
	ebuf[en] = 0;
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return out;
	char *nl = strchr(ebuf, '\n');
	if (nl)
		*nl = 0;
	if (WIFEXITED(st))
		*err = xasprintf("%s exited with %d%s%s", argv[0], WEXITSTATUS(st),
				 ebuf[0] ? ": " : "", ebuf);
	else
		*err = xasprintf("%s killed by signal %d", argv[0], WTERMSIG(st));
	close(out);
	return -1;
}

static char *rooted(const struct collect *c, const char *path)
{
	return xasprintf("%s%s", c->root, path);
}

static void collect_file(struct collect *c, const char *name, const char *path)
{
	char *full = rooted(c, path);
	struct piece *p = add_piece(c, name, full);
	int in = open(full, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		set_error(p, "cannot open %s: %s", full, strerror(errno));
		free(full);
		return;
	}
	int fd = tmp_file(c);
	char buf[65536];
	ssize_t k;
	int bad = fd < 0;
	while (!bad && (k = read(in, buf, sizeof(buf))) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 || write_all(fd, buf, (size_t)k))
			bad = 1;
	}
	if (bad)
		set_error(p, "reading %s: %s", full, strerror(errno));
	else
		store_fd(c, p, fd);
	if (fd >= 0)
		close(fd);
	close(in);
	free(full);
}

/* The kernel log's lines about persistent memory (klogctl: no dmesg
 * binary needed; the ring buffer as it is now). */
static bool pmem_line(const char *l)
{
	static const char *const words[] = { "nvdimm", "pmem", "dax", "pfn", "nd_", "nd ",
					     "btt", "nfit", "namespace", "region", "ndbus",
					     "memmap" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasestr(l, words[i]))
			return true;
	return false;
}

static void collect_dmesg(struct collect *c)
{
	struct piece *p = add_piece(c, "dmesg.txt",
				    "kernel log (klogctl READ_ALL), lines naming nvdimm, pmem, dax, pfn, nd_, btt, nfit, namespace, region");
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	if (len <= 0) {
		set_error(p, "cannot read the kernel log: %s", strerror(errno));
		return;
	}
	char *buf = malloc((size_t)len + 1);
	if (!buf) {
		set_error(p, "out of memory");
		return;
	}
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	if (n < 0) {
		set_error(p, "cannot read the kernel log: %s%s", strerror(errno),
			  errno == EPERM ? " (run as root)" : "");
		free(buf);
		return;
	}
	buf[n] = 0;
	size_t cap = (size_t)n + 1, on = 0;
	char *out = malloc(cap);
	if (!out) {
		set_error(p, "out of memory");
		free(buf);
		return;
	}
	for (char *l = buf, *nl; *l; l = nl ? nl + 1 : l + strlen(l)) {
		nl = strchr(l, '\n');
		if (nl)
			*nl = 0;
		if (pmem_line(l))
			on += (size_t)snprintf(out + on, cap - on, "%s\n", l);
		if (!nl)
			break;
	}
	store_buf(c, p, out, on);
	free(out);
	free(buf);
}

static void collect_versions(struct collect *c)
{
	struct piece *p = add_piece(c, "versions.txt", "uname(2), /proc/version, ndctl --version");
	struct utsname u;
	char *txt;
	char *err;
	char *argv[] = { (char *)c->ndctl, "--version", NULL };
	int fd = run_cmd(c, argv, &err);
	char ver[256] = "";
	if (fd >= 0) {
		ssize_t k = pread(fd, ver, sizeof(ver) - 1, 0);
		ver[k > 0 ? k : 0] = 0;
		ver[strcspn(ver, "\n")] = 0;
		close(fd);
	}
	char pv[512] = "";
	char *pvp = rooted(c, "/proc/version");
	FILE *f = fopen(pvp, "re");
	free(pvp);
	if (f) {
		if (!fgets(pv, sizeof(pv), f))
			pv[0] = 0;
		pv[strcspn(pv, "\n")] = 0;
		fclose(f);
	}
	uname(&u);
	txt = xasprintf("kernel=%s\nkernel_version=%s\nmachine=%s\nproc_version=%s\nndctl=%s\npmemscan=%s\n",
			u.release, u.version, u.machine, pv, fd >= 0 ? ver : "",
			PACKAGE_VERSION);
	if (fd < 0)
		p->note = xasprintf("ndctl --version failed: %s", err);
	free(err);
	store_buf(c, p, txt, strlen(txt));
	free(txt);
}

/* The DIMMs ndctl listed ("dimms": [{"dev": "nmem0"}...]), or those in
 * sysfs when ndctl gave nothing. */
static size_t find_dimms(struct collect *c, struct json_object *list, char ***out)
{
	char **v = NULL;
	size_t n = 0;
	struct json_object *dimms = NULL;
	if (list && json_object_is_type(list, json_type_object))
		json_object_object_get_ex(list, "dimms", &dimms);
	if (dimms && json_object_is_type(dimms, json_type_array)) {
		size_t k = json_object_array_length(dimms);
		v = calloc(k ? k : 1, sizeof(*v));
		for (size_t i = 0; v && i < k; i++) {
			struct json_object *d = json_object_array_get_idx(dimms, i), *dev;
			if (json_object_object_get_ex(d, "dev", &dev))
				v[n++] = xstrdup(json_object_get_string(dev));
		}
		*out = v;
		return n;
	}
	char *dir = rooted(c, "/sys/bus/nd/devices");
	struct dirent **names = NULL;
	int k = scandir(dir, &names, NULL, alphasort);
	for (int i = 0; i < k; i++) {
		if (!strncmp(names[i]->d_name, "nmem", 4)) {
			char **nv = realloc(v, (n + 1) * sizeof(*v));
			if (nv) {
				v = nv;
				v[n++] = xstrdup(names[i]->d_name);
			}
		}
		free(names[i]);
	}
	free(names);
	free(dir);
	*out = v;
	return n;
}

/* A namespace object of ndctl's list named dev, wherever -R nested it. */
static struct json_object *find_ns(struct json_object *o, const char *dev)
{
	if (!o)
		return NULL;
	if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			struct json_object *r = find_ns(json_object_array_get_idx(o, i), dev);
			if (r)
				return r;
		}
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object))
		return NULL;
	struct json_object *d;
	if (json_object_object_get_ex(o, "dev", &d) && !strcmp(json_object_get_string(d), dev) &&
	    !strncmp(dev, "namespace", 9))
		return o;
	json_object_object_foreach(o, key, val) {
		(void)key;
		if (json_object_is_type(val, json_type_array) || json_object_is_type(val, json_type_object)) {
			struct json_object *r = find_ns(val, dev);
			if (r)
				return r;
		}
	}
	return NULL;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;
	return o && json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

/* key anywhere inside o (ndctl nests a devdax namespace's "chardev" in
 * "daxregion": {"devices": [...]}) */
static const char *jfind(struct json_object *o, const char *key)
{
	if (!o)
		return NULL;
	if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			const char *r = jfind(json_object_array_get_idx(o, i), key);
			if (r)
				return r;
		}
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object))
		return NULL;
	const char *r = jstr(o, key);
	if (r)
		return r;
	json_object_object_foreach(o, k, v) {
		(void)k;
		if ((r = jfind(v, key)))
			return r;
	}
	return NULL;
}

/* A sysfs attribute's first line, or "" (static buffer per call site). */
static void sysattr(const struct collect *c, const char *dev, const char *attr, char *buf, size_t len)
{
	char *p = xasprintf("%s/sys/bus/nd/devices/%s/%s", c->root, dev, attr);
	buf[0] = 0;
	FILE *f = fopen(p, "re");
	free(p);
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

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
static void collect_image(struct collect *c, struct json_object *list, const char *arg,
			  struct image_info *ii)
{
	memset(ii, 0, sizeof(*ii));
	struct json_object *ns = arg[0] == '/' ? NULL : find_ns(list, arg);
	const char *base = strrchr(arg, '/') ? strrchr(arg, '/') + 1 : arg;
	char *name = xasprintf("images/%s.img", base);
	char *dev = NULL;
	ii->ns = xstrdup(arg[0] == '/' ? "" : arg);
	ii->mode = xstrdup(ns && jstr(ns, "mode") ? jstr(ns, "mode") : "");
	if (arg[0] == '/')
		dev = xstrdup(arg);
	else if (ns && jstr(ns, "blockdev"))
		dev = xasprintf("/dev/%s", jstr(ns, "blockdev"));
	else if (ns && jfind(ns, "chardev"))
		dev = xasprintf("/dev/%s", jfind(ns, "chardev"));
	struct piece *p = add_piece(c, name, dev ? dev : arg);
	free(name);
	if (!dev) {
		set_error(p, "%s: no such namespace in ndctl list, or it has no block or dax device (mode %s)",
			  arg, ii->mode[0] ? ii->mode : "unknown");
		return;
	}
	ii->device = xstrdup(dev);
	if (!arg[0] || arg[0] != '/') {
		char holder[64];
		sysattr(c, arg, "resource", ii->ns_resource, sizeof(ii->ns_resource));
		sysattr(c, arg, "holder", holder, sizeof(holder));
		if (holder[0])
			sysattr(c, holder, "resource", ii->data_resource, sizeof(ii->data_resource));
	}
	if (!strcmp(ii->mode, "fsdax") || !strcmp(ii->mode, "memory"))
		ii->view = xstrdup("fsdax block device: the namespace's data from its data offset; the info block and memmap area are not in it");
	else if (!strcmp(ii->mode, "devdax") || !strcmp(ii->mode, "dax"))
		ii->view = xstrdup("device-dax: the namespace's data from its data offset; the info block and memmap area are not in it");
	else if (!strcmp(ii->mode, "sector"))
		ii->view = xstrdup("BTT block device: the translated sectors, not the namespace's bytes");
	else if (!strcmp(ii->mode, "raw"))
		ii->view = xstrdup("raw namespace: every byte of it");
	else
		ii->view = xstrdup("the device as given");

	char *full = rooted(c, dev);
	int in = open(full, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		set_error(p, "cannot open %s read-only: %s", full, strerror(errno));
		free(full);
		free(dev);
		return;
	}
	struct stat st;
	uint64_t size = 0;
	bool map = false;
	if (fstat(in, &st) == 0 && S_ISBLK(st.st_mode)) {
		if (ioctl(in, BLKGETSIZE64, &size))
			size = 0;
	} else if (S_ISCHR(st.st_mode)) {
		char sz[64] = "";
		const char *dbase = strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev;
		char *sp = xasprintf("%s/sys/bus/dax/devices/%s/size", c->root, dbase);
		FILE *f = fopen(sp, "re");
		free(sp);
		if (f) {
			if (!fgets(sz, sizeof(sz), f))
				sz[0] = 0;
			fclose(f);
		}
		size = strtoull(sz, NULL, 0);
		map = true;
	} else {
		size = (uint64_t)st.st_size;
	}
	if (map && !size) {
		set_error(p, "%s: a character device whose size sysfs does not give (/sys/bus/dax/devices/*/size)",
			  full);
		close(in);
		free(full);
		free(dev);
		return;
	}
	int fd = tmp_file(c);
	const size_t win = 64 << 10;
	static unsigned char buf[64 << 10];
	static const unsigned char zero[64 << 10];
	uint64_t off = 0;
	int bad = fd < 0 ? errno : 0;
	/* device-dax maps only whole aligned units (its align attribute) */
	uint64_t mwin = 2 << 20;
	if (map) {
		char al[64] = "";
		const char *dbase = strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev;
		char *ap = xasprintf("%s/sys/bus/dax/devices/%s/align", c->root, dbase);
		FILE *f = fopen(ap, "re");
		free(ap);
		if (f) {
			if (!fgets(al, sizeof(al), f))
				al[0] = 0;
			fclose(f);
		}
		uint64_t a = strtoull(al, NULL, 0);
		if (a >= 4096 && a <= (1ULL << 30) && !(a & (a - 1)))
			mwin = a;
	}
	while (!bad && map && off < size) {
		size_t len = size - off < mwin ? (size_t)(size - off) : (size_t)mwin;
		unsigned char *m = mmap(NULL, len, PROT_READ, MAP_SHARED, in, (off_t)off);
		if (m == MAP_FAILED) {
			bad = errno;
			break;
		}
		for (size_t x = 0; x < len && !bad; x += win) {
			size_t k = len - x < win ? len - x : win;
			if (memcmp(m + x, zero, k) && pwrite(fd, m + x, k, (off_t)(off + x)) != (ssize_t)k)
				bad = errno ? errno : EIO;
		}
		munmap(m, len);
		if (!bad)
			off += len;
	}
	while (!bad && !map) {
		ssize_t r = pread(in, buf, win, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			bad = errno;
			break;
		}
		if (r == 0)
			break;
		size_t k = (size_t)r;
		if (memcmp(buf, zero, k) && pwrite(fd, buf, k, (off_t)off) != (ssize_t)k)
			bad = errno ? errno : EIO;
		off += k;
	}
	if (!bad && ftruncate(fd, (off_t)off))
		bad = errno;
	if (bad)
		set_error(p, "reading %s at offset %" PRIu64 ": %s", full, off, strerror(bad));
	else if (size && off != size)
		set_error(p, "%s: read %" PRIu64 " of %" PRIu64 " bytes", full, off, size);
	else
		store_fd(c, p, fd);
	if (fd >= 0)
		close(fd);
	close(in);
	free(full);
	free(dev);
}

/* The compression the bundle's name asks for (none for .tar or anything
 * else). */
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

int cmd_collect(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "image", required_argument, NULL, OPT_IMAGE },
		{ "ndctl", required_argument, NULL, OPT_NDCTL },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct collect c = { .root = "", .ndctl = "ndctl" };
	const char *out = NULL;
	const char **images = NULL;
	size_t nimages = 0;
	bool force = false;
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'o': out = optarg; break;
		case OPT_IMAGE: {
			const char **v = realloc(images, (nimages + 1) * sizeof(*v));
			if (!v) {
				cli_err("collect: out of memory");
				return EXIT_USAGE;
			}
			images = v;
			images[nimages++] = optarg;
			break;
		}
		case OPT_NDCTL: c.ndctl = optarg; break;
		case OPT_ROOT: c.root = optarg; break;
		case OPT_FORCE: force = true; break;
		case 'h': usage(stdout); free(images); return EXIT_OK;
		default:
			cli_err("collect: unknown option or missing argument: %s (pmemscan collect --help)",
				argv[optind - 1]);
			free(images);
			return EXIT_USAGE;
		}
	}
	if (!out || optind != argc) {
		cli_err("collect: %s (pmemscan collect --help)",
			!out ? "-o BUNDLE is required" : "unexpected argument");
		free(images);
		return EXIT_USAGE;
	}
	int ofd = open(out, O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), 0600);
	if (ofd < 0) {
		cli_err("collect: %s: cannot create: %s%s", out, strerror(errno),
			errno == EEXIST ? " (--force replaces it)" : "");
		free(images);
		return EXIT_USAGE;
	}
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
		close(ofd);
		unlink(out);
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
	archive_write_free(c.a);
	int crc = close(ofd);
	if (arc != ARCHIVE_OK || crc) {
		cli_err("collect: %s: writing the bundle failed: %s", out, strerror(errno));
		unlink(out);
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
