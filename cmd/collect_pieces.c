/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pieces of a collect bundle, each gathered read-only into a private
 * temporary file, hashed and stored (cmd/cmd_collect.c says what a bundle
 * holds). */
#include "config.h"
#include "cli.h"
#include "util.h"
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


char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d) {
		cli_err("collect: out of memory");
		exit(EXIT_USAGE);
	}
	return d;
}

char *xasprintf(const char *fmt, ...)
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

struct piece *add_piece(struct collect *c, const char *name, const char *source)
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

void set_error(struct piece *p, const char *fmt, ...)
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

/* ---- stopping midway: no half bundle under its name ---- */

void bundle_abort(struct collect *c, int sig, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	int removed = ps_outfile_discard(c->of) == 0;
	cli_err("collect: %s; %s %s", msg, c->out,
		removed ? "removed (incomplete)" : "could not be removed: delete it");
	exit(sig ? 128 + sig : EXIT_USAGE);
}

void collect_poll(struct collect *c, const char *name)
{
	int sig = ps_intr_check();
	if (sig)
		bundle_abort(c, sig, "interrupted by %s while collecting %s", ps_intr_name(sig), name);
}

/* what libarchive says of a failed bundle write, with the errno's name */
static void bundle_write_failed(struct collect *c, const char *name)
{
	int en = archive_errno(c->a);
	const char *es = archive_error_string(c->a);
	const char *nm = en > 0 ? strerrorname_np(en) : NULL;
	if (nm)
		bundle_abort(c, 0, "writing %s into the bundle: %s%s%s (%s)", name, es ? es : "",
			     es ? ": " : "", strerror(en), nm);
	bundle_abort(c, 0, "writing %s into the bundle: %s", name, es ? es : "libarchive failed");
}

/* ---- storing: a temporary file, hashed, then one archive entry ---- */

int tmp_file(struct collect *c)
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
int store_fd(struct collect *c, struct piece *p, int fd)
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
	if (rc != ARCHIVE_OK)
		bundle_write_failed(c, p->name);
	struct sha256_ctx h;
	sha256_init(&h);
	static unsigned char buf[1 << 20];
	for (;;) {
		collect_poll(c, p->name);
		ssize_t k = read(fd, buf, sizeof(buf));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			bundle_abort(c, 0, "reading back %s: %s", p->name, strerror(errno));
		if (k == 0)
			break;
		sha256_update(&h, (size_t)k, buf);
		if (archive_write_data(c->a, buf, (size_t)k) != k)
			bundle_write_failed(c, p->name);
	}
	uint8_t d[SHA256_DIGEST_SIZE];
	sha256_digest(&h, sizeof(d), d);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(p->sha256 + 2 * i, 3, "%02x", d[i]);
	return 0;
}

void store_buf(struct collect *c, struct piece *p, const void *buf, size_t n)
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
int run_cmd(struct collect *c, char *const argv[], char **err)
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

void collect_file(struct collect *c, const char *name, const char *path)
{
	char *full = rooted(c, path);
	struct piece *p = add_piece(c, name, full);
	int in = open(full, O_RDONLY | O_CLOEXEC);
	if (in >= 0)
		ps_input_note(in, full);	/* never the bundle (src/outfile.h) */
	if (in < 0) {
		set_error(p, "cannot open %s: %s", full, strerror(errno));
		free(full);
		return;
	}
	int fd = tmp_file(c);
	char buf[65536];
	ssize_t k;
	int bad = fd < 0;
	while (!bad && (collect_poll(c, name), k = read(in, buf, sizeof(buf))) != 0) {
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

/*
 * The kernel log's lines about persistent memory (klogctl: no dmesg
 * binary needed; the ring buffer as it is now), as docs/collect.md lists
 * them. A line is taken when one of its words (split at blanks and
 * punctuation) names the subsystem or one of its devices; a substring is
 * never enough ("and", "found", "last_pfn", "vmemmap" and "pmemscan" are
 * not about pmem). Of the kernel command line only the pmem parameters are
 * kept: the rest can hold anything the customer booted with.
 */
static bool digits(const char *p, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

/* NAME followed by N (or N.M when dotted) and nothing else */
static bool devname(const char *w, size_t n, const char *name, bool dotted)
{
	size_t k = strlen(name);
	if (n <= k || strncasecmp(w, name, k))
		return false;
	const char *d = w + k;
	size_t rest = n - k;
	if (!dotted)
		return digits(d, rest) || (rest > 1 && digits(d, rest - 1) && d[rest - 1] == 's');
	const char *dot = memchr(d, '.', rest);
	return dot && digits(d, (size_t)(dot - d)) && digits(dot + 1, rest - (size_t)(dot - d) - 1);
}

static bool pmem_word(const char *w, size_t n)
{
	static const char *const words[] = { "nvdimm", "libnvdimm", "nfit", "pmem", "dax",
					     "fsdax", "devdax", "btt", "pfn", "memmap" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && !strncasecmp(w, words[i], n))
			return true;
	if ((n > 3 && !strncasecmp(w, "nd_", 3)) || (n > 4 && !strncasecmp(w, "dax_", 4)))
		return true;
	return devname(w, n, "pmem", false) || devname(w, n, "nmem", false) ||
	       devname(w, n, "region", false) || devname(w, n, "ndbus", false) ||
	       devname(w, n, "namespace", true) || devname(w, n, "pfn", true) ||
	       devname(w, n, "dax", true) || devname(w, n, "btt", true);
}

static bool word_sep(char ch)
{
	return !ch || strchr(" \t:,;()[]{}<>=\"'/|!@+*", ch);
}

static bool pmem_line(const char *l)
{
	for (const char *p = l; *p;) {
		while (*p && word_sep(*p))
			p++;
		const char *w = p;
		while (!word_sep(*p))
			p++;
		/* a trailing dot ends a sentence, it is not part of the word */
		size_t n = (size_t)(p - w);
		while (n && w[n - 1] == '.')
			n--;
		if (n && pmem_word(w, n))
			return true;
	}
	return false;
}

/* A kernel command line parameter about pmem: memmap=, or a parameter of
 * the nvdimm modules (nd_pmem.x=, libnvdimm.x=, nfit.x=, dax...). */
static bool pmem_param(const char *w, size_t n)
{
	const char *eq = memchr(w, '=', n);
	size_t k = eq ? (size_t)(eq - w) : n;
	const char *dot = memchr(w, '.', k);
	size_t m = dot ? (size_t)(dot - w) : k;
	return pmem_word(w, m);
}

/* "...Command line: a b memmap=4G!12G c": only "...Command line: memmap=4G!12G"
 * (appended to out); false when the line is no command line */
static bool cmdline_params(const char *l, char *out, size_t cap, size_t *on)
{
	const char *c = strcasestr(l, "command line:");
	if (!c)
		return false;
	size_t head = (size_t)(c - l) + strlen("command line:");
	*on += (size_t)snprintf(out + *on, cap - *on, "%.*s", (int)head, l);
	for (const char *p = l + head; *p;) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *w = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (p > w && pmem_param(w, (size_t)(p - w)))
			*on += (size_t)snprintf(out + *on, cap - *on, " %.*s", (int)(p - w), w);
	}
	*on += (size_t)snprintf(out + *on, cap - *on, "\n");
	return true;
}

void collect_dmesg(struct collect *c)
{
	struct piece *p = add_piece(c, "dmesg.txt",
				    "kernel log (klogctl READ_ALL), the lines naming nvdimm, nfit, pmem, dax, btt, pfn, memmap, nd_*, dax_* or a device (pmemN, nmemN, regionN, ndbusN, namespaceN.M, pfnN.M, daxN.M, bttN.M); of the command line only its pmem parameters");
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
	size_t cap = (size_t)n + 3, on = 0;	/* + a newline and a blank the command line may gain */
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
		if (!cmdline_params(l, out, cap, &on) && pmem_line(l))
			on += (size_t)snprintf(out + on, cap - on, "%s\n", l);
		if (!nl)
			break;
	}
	store_buf(c, p, out, on);
	free(out);
	free(buf);
}

void collect_versions(struct collect *c)
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
size_t find_dimms(struct collect *c, struct json_object *list, char ***out)
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
			/* (a "dev" that is not a string names no DIMM) */
			if (json_object_object_get_ex(d, "dev", &dev) &&
			    json_object_is_type(dev, json_type_string))
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
	if (json_object_object_get_ex(o, "dev", &d) && json_object_is_type(d, json_type_string) &&
	    !strcmp(json_object_get_string(d), dev) &&
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

const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;
	return o && json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

/* key anywhere inside o (ndctl nests a devdax namespace's "chardev" in
 * "daxregion": {"devices": [...]}) */
const char *jfind(struct json_object *o, const char *key)
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

void collect_image(struct collect *c, struct json_object *list, const char *arg,
			  struct image_info *ii)
{
	memset(ii, 0, sizeof(*ii));
	struct json_object *ns = arg[0] == '/' ? NULL : find_ns(list, arg);
	const char *base = strrchr(arg, '/') ? strrchr(arg, '/') + 1 : arg;
	/* a file already called *.img keeps its name (not ns.img.img) */
	size_t bl = strlen(base);
	char *name = bl > 4 && !strcmp(base + bl - 4, ".img") ? xasprintf("images/%s", base) :
		     xasprintf("images/%s.img", base);
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
	if (in >= 0)
		ps_input_note(in, full);	/* never the bundle (src/outfile.h) */
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
			collect_poll(c, p->name);
			if (ps_pwrite_nonzero(fd, m + x, k, off + x))
				bad = errno ? errno : EIO;
		}
		munmap(m, len);
		if (!bad)
			off += len;
	}
	while (!bad && !map) {
		collect_poll(c, p->name);
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
		if (ps_pwrite_nonzero(fd, buf, k, off))
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
