/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fxmanifest: describe a directory tree as a TSV manifest, or compare a tree
 * with a manifest field by field (the fixtures' ground truth, docs/fixtures.md).
 *
 *   fxmanifest write DIR                  manifest of DIR on stdout
 *   fxmanifest check [-i FIELDS] [-x PATH]... MANIFEST DIR
 *       every mismatch on its own line; exit 0 equal, 1 mismatches, 2 error.
 *       -i a,b  ignore these columns; -x PATH  ignore an extra top-level entry
 *
 * Columns: path type mode uid gid mtime size links sha256 target xattrs
 *   path    relative to DIR, escaped (\\ \t \n \r \xHH for other control
 *           bytes and bytes that are not valid UTF-8)
 *   type    f d l p c b s
 *   mode    st_mode & 07777 in octal (4 digits)
 *   mtime   seconds.nanoseconds
 *   size    regular file size / symlink target length / '-'
 *   links   regular files with nlink > 1: the smallest path sharing the inode
 *           (every member of a hard-link group carries the same value); '-'
 *   sha256  regular files (holes read as zeros); '-'
 *   target  symlink target, escaped; devices: major,minor; '-'
 *   xattrs  name=hexvalue joined with ',' sorted by name; '-'
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <nettle/sha2.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

enum { C_PATH, C_TYPE, C_MODE, C_UID, C_GID, C_MTIME, C_SIZE, C_LINKS, C_SHA,
       C_TARGET, C_XATTRS, NCOL };
static const char *const colname[NCOL] = {
	"path", "type", "mode", "uid", "gid", "mtime", "size", "links", "sha256",
	"target", "xattrs",
};

struct ent {
	char *raw;		/* raw relative path */
	char *col[NCOL];	/* formatted columns */
	dev_t dev;
	ino_t ino;
	nlink_t nlink;
};

static struct ent *ents;
static size_t nents, cap;

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fprintf(stderr, "fxmanifest: out of memory\n");
		exit(2);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(xmalloc(n), s, n);
}

/* Length of a valid UTF-8 sequence at p (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len;
	uint32_t cp;
	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) { len = 2; cp = p[0] & 0x1f; }
	else if ((p[0] & 0xf0) == 0xe0) { len = 3; cp = p[0] & 0x0f; }
	else if ((p[0] & 0xf8) == 0xf0) { len = 4; cp = p[0] & 0x07; }
	else return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static char *escape(const char *s, size_t n)
{
	char *out = xmalloc(n * 4 + 1), *o = out;
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		size_t l;
		if (c == '\\') { *o++ = '\\'; *o++ = '\\'; i++; }
		else if (c == '\t') { *o++ = '\\'; *o++ = 't'; i++; }
		else if (c == '\n') { *o++ = '\\'; *o++ = 'n'; i++; }
		else if (c == '\r') { *o++ = '\\'; *o++ = 'r'; i++; }
		else if (c < 0x20 || c == 0x7f || (l = utf8_len(p + i, n - i)) == 0) {
			o += sprintf(o, "\\x%02x", c);
			i++;
		} else {
			memcpy(o, p + i, l);
			o += l;
			i += l;
		}
	}
	*o = 0;
	return out;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	char *s;
	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s) {
		fprintf(stderr, "fxmanifest: out of memory\n");
		exit(2);
	}
	return s;
}

static char *file_sha256(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW);
	if (fd < 0)
		return xstrdup("unreadable");
	struct sha256_ctx ctx;
	uint8_t buf[65536], d[SHA256_DIGEST_SIZE];
	ssize_t r;
	sha256_init(&ctx);
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		sha256_update(&ctx, (size_t)r, buf);
	close(fd);
	if (r < 0)
		return xstrdup("unreadable");
	sha256_digest(&ctx, sizeof(d), d);
	char *s = xmalloc(2 * sizeof(d) + 1);
	for (size_t i = 0; i < sizeof(d); i++)
		sprintf(s + 2 * i, "%02x", d[i]);
	return s;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *xattrs(const char *path)
{
	ssize_t n = llistxattr(path, NULL, 0);
	if (n <= 0)
		return xstrdup("-");
	char *names = xmalloc((size_t)n);
	n = llistxattr(path, names, (size_t)n);
	if (n <= 0) {
		free(names);
		return xstrdup("-");
	}
	char *v[256];
	size_t nv = 0;
	for (char *p = names; p < names + n && nv < 256; p += strlen(p) + 1)
		v[nv++] = p;
	qsort(v, nv, sizeof(v[0]), cmpstr);
	size_t cap2 = 1, len = 0;
	char *out = xmalloc(cap2);
	out[0] = 0;
	for (size_t i = 0; i < nv; i++) {
		ssize_t vl = lgetxattr(path, v[i], NULL, 0);
		if (vl < 0)
			continue;
		unsigned char *val = xmalloc((size_t)vl);
		vl = lgetxattr(path, v[i], val, (size_t)vl);
		if (vl < 0)
			vl = 0;
		char *en = escape(v[i], strlen(v[i]));
		size_t need = len + strlen(en) + 2 * (size_t)vl + 3;
		if (need > cap2) {
			char *o2 = xmalloc(need * 2);
			memcpy(o2, out, len + 1);
			free(out);
			out = o2;
			cap2 = need * 2;
		}
		len += (size_t)sprintf(out + len, "%s%s=", len ? "," : "", en);
		for (ssize_t k = 0; k < vl; k++)
			len += (size_t)sprintf(out + len, "%02x", val[k]);
		free(en);
		free(val);
	}
	free(names);
	if (!len) {
		free(out);
		return xstrdup("-");
	}
	return out;
}

static void walk(const char *root, const char *rel)
{
	char *full = *rel ? fmt("%s/%s", root, rel) : xstrdup(root);
	DIR *d = opendir(full);
	if (!d) {
		fprintf(stderr, "fxmanifest: %s: %s\n", full, strerror(errno));
		exit(2);
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *r = *rel ? fmt("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		char *p = fmt("%s/%s", root, r);
		struct stat st;
		if (lstat(p, &st)) {
			fprintf(stderr, "fxmanifest: %s: %s\n", p, strerror(errno));
			exit(2);
		}
		if (nents == cap) {
			cap = cap ? cap * 2 : 256;
			struct ent *n2 = xmalloc(cap * sizeof(*n2));
			if (nents)
				memcpy(n2, ents, nents * sizeof(*n2));
			free(ents);
			ents = n2;
		}
		struct ent *e = &ents[nents++];
		memset(e, 0, sizeof(*e));
		e->raw = r;
		e->dev = st.st_dev;
		e->ino = st.st_ino;
		e->nlink = st.st_nlink;
		e->col[C_PATH] = escape(r, strlen(r));
		char t = S_ISREG(st.st_mode) ? 'f' : S_ISDIR(st.st_mode) ? 'd' :
			 S_ISLNK(st.st_mode) ? 'l' : S_ISFIFO(st.st_mode) ? 'p' :
			 S_ISCHR(st.st_mode) ? 'c' : S_ISBLK(st.st_mode) ? 'b' : 's';
		e->col[C_TYPE] = fmt("%c", t);
		e->col[C_MODE] = fmt("%04o", (unsigned)(st.st_mode & 07777));
		e->col[C_UID] = fmt("%u", (unsigned)st.st_uid);
		e->col[C_GID] = fmt("%u", (unsigned)st.st_gid);
		e->col[C_MTIME] = fmt("%lld.%09ld", (long long)st.st_mtim.tv_sec,
				      (long)st.st_mtim.tv_nsec);
		e->col[C_SIZE] = t == 'f' || t == 'l' ?
			fmt("%lld", (long long)st.st_size) : xstrdup("-");
		e->col[C_SHA] = t == 'f' ? file_sha256(p) : xstrdup("-");
		if (t == 'l') {
			char buf[PATH_MAX + 1];
			ssize_t n = readlink(p, buf, sizeof(buf) - 1);
			e->col[C_TARGET] = escape(buf, n > 0 ? (size_t)n : 0);
		} else if (t == 'c' || t == 'b') {
			e->col[C_TARGET] = fmt("%u,%u", major(st.st_rdev), minor(st.st_rdev));
		} else {
			e->col[C_TARGET] = xstrdup("-");
		}
		e->col[C_XATTRS] = xattrs(p);
		free(p);
		if (t == 'd')
			walk(root, r);
	}
	closedir(d);
	free(full);
}

static int cmpent(const void *a, const void *b)
{
	return strcmp(((const struct ent *)a)->raw, ((const struct ent *)b)->raw);
}

static void scan(const char *root)
{
	walk(root, "");
	qsort(ents, nents, sizeof(*ents), cmpent);
	/* hard-link groups: name each by its smallest path (entries are sorted) */
	for (size_t i = 0; i < nents; i++) {
		struct ent *e = &ents[i];
		if (e->col[C_LINKS])
			continue;
		if (e->col[C_TYPE][0] != 'f' || e->nlink < 2) {
			e->col[C_LINKS] = xstrdup("-");
			continue;
		}
		for (size_t j = i; j < nents; j++)
			if (!ents[j].col[C_LINKS] && ents[j].dev == e->dev &&
			    ents[j].ino == e->ino)
				ents[j].col[C_LINKS] = xstrdup(e->col[C_PATH]);
	}
}

static void print_header(void)
{
	printf("#");
	for (int c = 0; c < NCOL; c++)
		printf("%s%s", c ? "\t" : "", colname[c]);
	printf("\n");
}

static int cmd_write(const char *dir)
{
	scan(dir);
	print_header();
	for (size_t i = 0; i < nents; i++)
		for (int c = 0; c < NCOL; c++)
			printf("%s%s", ents[i].col[c], c == NCOL - 1 ? "\n" : "\t");
	return 0;
}

static int cmd_check(int argc, char **argv)
{
	bool ignore[NCOL] = { false };
	const char *extra_ok[64];
	size_t nextra = 0;
	int c;
	while ((c = getopt(argc, argv, "i:x:")) != -1) {
		if (c == 'i') {
			char *s = xstrdup(optarg), *tok, *save;
			for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				int k;
				for (k = 0; k < NCOL; k++)
					if (!strcmp(tok, colname[k]))
						break;
				if (k == NCOL || k == C_PATH) {
					fprintf(stderr, "fxmanifest: unknown column %s\n", tok);
					return 2;
				}
				ignore[k] = true;
			}
			free(s);
		} else if (c == 'x' && nextra < 64) {
			extra_ok[nextra++] = optarg;
		} else {
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: fxmanifest check [-i COLS] [-x PATH] MANIFEST DIR\n");
		return 2;
	}
	FILE *f = fopen(argv[optind], "r");
	if (!f) {
		fprintf(stderr, "fxmanifest: %s: %s\n", argv[optind], strerror(errno));
		return 2;
	}
	scan(argv[optind + 1]);
	bool *seen = xmalloc(nents * sizeof(bool) + 1);
	memset(seen, 0, nents * sizeof(bool));
	char *line = NULL;
	size_t lcap = 0;
	ssize_t n;
	unsigned bad = 0, lineno = 0;
	while ((n = getline(&line, &lcap, f)) > 0) {
		lineno++;
		if (line[n - 1] == '\n')
			line[--n] = 0;
		if (line[0] == '#' || !n)
			continue;
		char *col[NCOL];
		int k = 0;
		char *p = line;
		for (; k < NCOL; k++) {
			col[k] = p;
			char *tab = strchr(p, '\t');
			if (!tab) {
				k++;
				break;
			}
			*tab = 0;
			p = tab + 1;
		}
		if (k != NCOL) {
			fprintf(stderr, "fxmanifest: %s line %u: %d columns, wanted %d\n",
				argv[optind], lineno, k, NCOL);
			return 2;
		}
		struct ent *e = NULL;
		for (size_t i = 0; i < nents; i++)
			if (!seen[i] && !strcmp(ents[i].col[C_PATH], col[C_PATH])) {
				e = &ents[i];
				seen[i] = true;
				break;
			}
		if (!e) {
			printf("missing: %s\n", col[C_PATH]);
			bad++;
			continue;
		}
		for (k = 1; k < NCOL; k++) {
			if (ignore[k] || !strcmp(col[k], e->col[k]))
				continue;
			/* type-dependent columns are only compared when types agree */
			if (k != C_TYPE && strcmp(col[C_TYPE], e->col[C_TYPE]))
				continue;
			printf("%s: %s: expected %s, got %s\n", col[C_PATH], colname[k],
			       col[k], e->col[k]);
			bad++;
		}
	}
	free(line);
	fclose(f);
	for (size_t i = 0; i < nents; i++) {
		if (seen[i])
			continue;
		bool ok = false;
		for (size_t j = 0; j < nextra; j++) {
			size_t l = strlen(extra_ok[j]);
			if (!strcmp(ents[i].raw, extra_ok[j]) ||
			    (!strncmp(ents[i].raw, extra_ok[j], l) && ents[i].raw[l] == '/'))
				ok = true;
		}
		if (!ok) {
			printf("extra: %s\n", ents[i].col[C_PATH]);
			bad++;
		}
	}
	free(seen);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "write"))
		return cmd_write(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "check"))
		return cmd_check(argc - 1, argv + 1);
	fprintf(stderr, "usage: fxmanifest write DIR | fxmanifest check [-i COLS] [-x PATH] MANIFEST DIR\n");
	return 2;
}
