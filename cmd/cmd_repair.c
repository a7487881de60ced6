/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pmemscan repair IMAGE [--plan | -o FIXED.img | --in-place]
 * pmemscan undo UNDOFILE IMAGE
 *
 * --plan (the default) opens the image read-only and writes nothing.
 * -o copies the image (reflink, else sparse) and repairs the copy.
 * --in-place is the only mode that opens the image for writing, and only
 * after an undo file is written and fsync'ed (docs/repair.md).
 */
#include "config.h"
#include "cli.h"
#include "err.h"
#include "imgsrc.h"
#include "imgsrc_open.h"
#include "le.h"
#include "ns.h"
#include "phys.h"
#include "repair.h"
#include "view.h"
#include <errno.h>
#include <json-c/json.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pmemscan repair IMAGE [--plan [--json]] [-o FIXED.img | --in-place [--undo-file FILE]]\n"
		"         [--namespace N] [--semantics legacy|fixed] [--phys-base ADDR | --assume-aligned]\n"
		"         [--ns-size SIZE] [--cache | --cache-dir DIR]\n"
		"  Rewrites namespace metadata (pfn/dax info blocks) so a current kernel finds the\n"
		"  data where it is. Every repair is checked by re-scanning its result.\n"
		"  --plan            (default) print every byte that would change and why; write nothing\n"
		"  --json            the plan as JSON (schema pmemscan-repair-plan/1, docs/repair.md)\n"
		"  -o FILE           write a repaired copy (reflinked or sparse); FILE must not exist\n"
		"  --in-place        repair IMAGE itself, after writing an undo file\n"
		"  --undo-file FILE  where --in-place writes its undo file (default IMAGE.pmemscan-undo)\n"
		"  --no-image-hash   do not hash the whole image for the undo file (huge sparse\n"
		"                    images: sha256 reads every hole as zeros, ~1 GB/s); undo then\n"
		"                    verifies the patched bytes only\n"
		"  --namespace N     only namespace N (numbers as 'pmemscan IMAGE' prints them)\n"
		"  --semantics S     for an ambiguous namespace: keep the legacy or the fixed filesystem\n"
		"  --phys-base ADDR  physical address of the image's first byte (start_pad rewrites\n"
		"                    need it: a current kernel wants the namespace base 2 MiB aligned)\n"
		"  --assume-aligned  take the namespace base as aligned instead (stated in the plan)\n"
		"  --ns-size SIZE    the namespace size (from 'ndctl list'), to repair npfns\n"
		CLI_CACHE_USAGE
		"usage: pmemscan undo UNDOFILE IMAGE\n"
		"  Restores the bytes a --in-place repair changed and checks the image's sha256.\n");
}

static void hexstr(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static int plan_has_ns(const struct ps_plan *p, int ns)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->p[i].ns == ns)
			return 1;
	return 0;
}

static void ns_line(FILE *f, const char *when, const struct ps_ns *ns)
{
	if (!ns) {
		fprintf(f, "    %s: no namespace\n", when);
		return;
	}
	fprintf(f, "    %s: %s", when, ps_verdict_name(ns->verdict));
	if (ns->mode == PS_NS_SECTOR)
		fprintf(f, ", BTT %u arena%s, %" PRIu64 " LBAs of %u bytes%s", ns->btt_narenas,
			ns->btt_narenas == 1 ? "" : "s", ns->btt_nlba, ns->btt_lbasize,
			ns->btt_used_backup ? ", a primary info block unusable (backup used)" : "");
	else if (ns->info_rec >= 0)
		fprintf(f, ", info block v%u.%u start_pad 0x%" PRIx64 " dataoff 0x%" PRIx64 " end_trunc 0x%" PRIx64 " npfns %" PRIu64 " mode %s checksum %s",
			ns->pfn.version_major, ns->pfn.version_minor, ns->P, ns->D,
			ns->T, ns->pfn.npfns, ps_pfn_mode_name(ns->pfn.mode),
			ns->pfn.checksum_ok ? "ok" : "BAD");
	if (ns->chosen >= 0 && ns->chosen < ns->ncand)
		fprintf(f, "; data at 0x%" PRIx64 "%s%s", ns->cand[ns->chosen].off,
			ns->cand[ns->chosen].probe.type[0] ? " holds " : "",
			ns->cand[ns->chosen].probe.type);
	fputc('\n', f);
}

static void print_plan(FILE *f, const char *path, const struct ps_analysis *a,
		       const struct ps_analysis *after, const struct ps_plan *p)
{
	fprintf(f, "repair plan for %s\n", path);
	for (size_t i = 0; i < a->nns; i++) {
		const struct ps_ns *ns = &a->ns[i];
		int has = plan_has_ns(p, (int)i);
		int refused = 0;
		for (size_t k = 0; k < p->nr; k++)
			if (p->r[k].ns == (int)i)
				refused = 1;
		if (!has && !refused)
			continue;
		fprintf(f, "\nnamespace %zu (%s) at 0x%" PRIx64 ", %" PRIu64 " bytes\n", i,
			ps_ns_mode_name(ns->mode), ns->base, ns->size);
		ns_line(f, "before", ns);
		if (has) {
			ns_line(f, "after ", after ? ps_repair_ns_at(after, ns->base) : NULL);
			for (size_t k = 0; k < p->n; k++) {
				const struct ps_patch *x = &p->p[k];
				if (x->ns != (int)i)
					continue;
				fprintf(f, "  patch 0x%" PRIx64 " (%u byte%s) %s [%s]: %s -> %s\n",
					x->off, x->len, x->len == 1 ? "" : "s", x->field,
					x->kind, x->oldv, x->newv);
				fprintf(f, "        why: %s\n", x->reason);
			}
		}
		for (size_t k = 0; k < p->nr; k++)
			if (p->r[k].ns == (int)i)
				fprintf(f, "  REFUSED [%s]: %s\n", p->r[k].kind, p->r[k].msg);
	}
	for (size_t ri = 0; ri < a->scan.nrecs; ri++) {
		int u = PS_UNIT_REC(ri);
		int has = plan_has_ns(p, u), refused = 0;
		for (size_t k = 0; k < p->nr; k++)
			if (p->r[k].ns == u)
				refused = 1;
		if (!has && !refused)
			continue;
		const struct ps_rec *r = &a->scan.recs[ri];
		char un[96];
		fprintf(f, "\n%s\n", ps_repair_unit_name(a, u, un, sizeof(un)));
		if (r->kind == PS_REC_NSINDEX && r->u.lsa.lsa) {
			const struct ps_lsa *l = r->u.lsa.lsa;
			fprintf(f, "    before: index 0 %s seq %u, index 1 %s seq %u, current %d\n",
				l->index[0].valid ? "valid" : "INVALID", l->index[0].seq,
				l->index[1].valid ? "valid" : "INVALID", l->index[1].seq, l->current);
		}
		for (size_t k = 0; k < p->n; k++) {
			const struct ps_patch *x = &p->p[k];
			if (x->ns != u)
				continue;
			fprintf(f, "  patch 0x%" PRIx64 " (%u byte%s) %s [%s]%s%s%s%s\n", x->off, x->len,
				x->len == 1 ? "" : "s", x->field, x->kind, x->oldv[0] ? ": " : "",
				x->oldv, x->oldv[0] ? " -> " : "", x->newv);
			fprintf(f, "        why: %s\n", x->reason);
		}
		for (size_t k = 0; k < p->nr; k++)
			if (p->r[k].ns == u)
				fprintf(f, "  REFUSED [%s]: %s\n", p->r[k].kind, p->r[k].msg);
	}
	for (int k = 0; k < p->nnotes; k++)
		fprintf(f, "\nnote: %s\n", p->notes[k]);
	fprintf(f, "\n%zu patch%s, %zu refusal%s\n", p->n, p->n == 1 ? "" : "es",
		p->nr, p->nr == 1 ? "" : "s");
}

/* ---- the plan as JSON (--plan --json; docs/repair.md) ---- */

static json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *j_ns_state(const struct ps_ns *ns)
{
	if (!ns)
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "verdict", jstr(ps_verdict_name(ns->verdict)));
	const struct ps_cand *c = ns->chosen >= 0 && ns->chosen < ns->ncand ?
				  &ns->cand[ns->chosen] : NULL;
	json_object_object_add(o, "data_offset", c ? json_object_new_uint64(c->off) : NULL);
	json_object_object_add(o, "filesystem", c && c->probe.type[0] ? jstr(c->probe.type) : NULL);
	if (ns->mode != PS_NS_SECTOR && ns->info_rec >= 0) {
		json_object_object_add(o, "start_pad", json_object_new_uint64(ns->P));
		json_object_object_add(o, "dataoff", json_object_new_uint64(ns->D));
		json_object_object_add(o, "end_trunc", json_object_new_uint64(ns->T));
		json_object_object_add(o, "info_checksum", jstr(ns->pfn.checksum_ok ? "valid" : "bad"));
	}
	return o;
}

/* The patches and refusals of one unit; NULL if it has neither. */
static json_object *j_unit(const struct ps_plan *p, int u, const char *name,
			   int ns, const struct ps_ns *before, const struct ps_ns *after)
{
	json_object *patches = json_object_new_array(), *refusals = json_object_new_array();
	for (size_t k = 0; k < p->n; k++) {
		const struct ps_patch *x = &p->p[k];
		if (x->ns != u)
			continue;
		char oh[2 * PS_PATCH_MAX_LEN + 1], nh[2 * PS_PATCH_MAX_LEN + 1];
		hexstr(x->old, x->len, oh);
		hexstr(x->new_, x->len, nh);
		json_object *o = json_object_new_object();
		json_object_object_add(o, "offset", json_object_new_uint64(x->off));
		json_object_object_add(o, "length", json_object_new_uint64(x->len));
		json_object_object_add(o, "field", jstr(x->field));
		json_object_object_add(o, "kind", jstr(x->kind));
		json_object_object_add(o, "old", jstr(x->oldv));
		json_object_object_add(o, "new", jstr(x->newv));
		json_object_object_add(o, "old_bytes", jstr(oh));
		json_object_object_add(o, "new_bytes", jstr(nh));
		json_object_object_add(o, "why", jstr(x->reason));
		json_object_array_add(patches, o);
	}
	for (size_t k = 0; k < p->nr; k++) {
		if (p->r[k].ns != u)
			continue;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "kind", jstr(p->r[k].kind));
		json_object_object_add(o, "why", jstr(p->r[k].msg));
		json_object_array_add(refusals, o);
	}
	if (!json_object_array_length(patches) && !json_object_array_length(refusals)) {
		json_object_put(patches);
		json_object_put(refusals);
		return NULL;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "unit", jstr(name));
	json_object_object_add(o, "namespace", ns >= 0 ? json_object_new_int(ns) : NULL);
	json_object_object_add(o, "before", j_ns_state(before));
	json_object_object_add(o, "after", j_ns_state(after));
	json_object_object_add(o, "patches", patches);
	json_object_object_add(o, "refusals", refusals);
	return o;
}

static int print_plan_json(FILE *f, const char *path, uint64_t size,
			   const struct ps_analysis *a, const struct ps_analysis *after,
			   const struct ps_plan *p)
{
	json_object *root = json_object_new_object(), *units = json_object_new_array();
	json_object_object_add(root, "schema", jstr("pmemscan-repair-plan/1"));
	json_object_object_add(root, "version", jstr(PACKAGE_VERSION));
	json_object *img = json_object_new_object();
	json_object_object_add(img, "path", jstr(path));
	json_object_object_add(img, "size", json_object_new_uint64(size));
	json_object_object_add(root, "image", img);
	char name[96];
	for (size_t i = 0; i < a->nns; i++) {
		const struct ps_ns *ns = &a->ns[i];
		snprintf(name, sizeof(name), "namespace %zu (%s) at 0x%" PRIx64, i,
			 ps_ns_mode_name(ns->mode), ns->base);
		json_object *u = j_unit(p, (int)i, name, (int)i, ns,
					after && plan_has_ns(p, (int)i) ?
					ps_repair_ns_at(after, ns->base) : NULL);
		if (u)
			json_object_array_add(units, u);
	}
	for (size_t ri = 0; ri < a->scan.nrecs; ri++) {
		int un = PS_UNIT_REC(ri);
		json_object *u = j_unit(p, un, ps_repair_unit_name(a, un, name, sizeof(name)),
					-1, NULL, NULL);
		if (u)
			json_object_array_add(units, u);
	}
	json_object_object_add(root, "units", units);
	json_object *notes = json_object_new_array();
	for (int k = 0; k < p->nnotes; k++)
		json_object_array_add(notes, jstr(p->notes[k]));
	json_object_object_add(root, "notes", notes);
	json_object_object_add(root, "patches", json_object_new_uint64(p->n));
	json_object_object_add(root, "refusals", json_object_new_uint64(p->nr));
	json_object_object_add(root, "result", jstr(p->n ? (p->nr ? "partial" : "plan") :
						    p->nr ? "refused" : "nothing-to-repair"));
	const char *js = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	int rc = fprintf(f, "%s\n", js) < 0 ? -1 : 0;
	json_object_put(root);
	return rc;
}

static int fsync_dir_of(const char *path)
{
	char *d = strdup(path);
	if (!d)
		return -1;
	int fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(d);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

static int pwrite_all(int fd, const uint8_t *b, size_t n, uint64_t off)
{
	while (n) {
		ssize_t k = pwrite(fd, b, n, (off_t)off);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

static int pread_all(int fd, uint8_t *b, size_t n, uint64_t off)
{
	while (n) {
		ssize_t k = pread(fd, b, n, (off_t)off);
		if (k <= 0) {
			if (k < 0 && errno == EINTR)
				continue;
			if (k == 0)
				errno = EIO;
			return -1;
		}
		b += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

/* Reflink, else copy the data extents only (all-zero blocks stay holes). */
static int copy_image(int in, int out, uint64_t size, int *reflinked)
{
	*reflinked = 0;
	if (ioctl(out, FICLONE, in) == 0) {
		*reflinked = 1;
		return 0;
	}
	if (ftruncate(out, (off_t)size))
		return -1;
	size_t bl = 1 << 20;
	uint8_t *buf = malloc(bl);
	if (!buf)
		return -1;
	uint64_t off = 0;
	int rc = 0;
	while (off < size) {
		off_t d = lseek(in, (off_t)off, SEEK_DATA);
		if (d < 0 && errno == ENXIO)
			break;
		uint64_t h;
		if (d < 0) {	/* no SEEK_DATA: copy everything */
			d = (off_t)off;
			h = size;
		} else {
			off_t hh = lseek(in, d, SEEK_HOLE);
			h = hh < 0 ? size : (uint64_t)hh;
		}
		for (uint64_t x = (uint64_t)d; x < h;) {
			size_t k = h - x < bl ? (size_t)(h - x) : bl;
			if (pread_all(in, buf, k, x)) {
				rc = -1;
				goto out;
			}
			if (!ps_is_zero(buf, k) && pwrite_all(out, buf, k, x)) {
				rc = -1;
				goto out;
			}
			x += k;
		}
		off = h;
	}
out:
	free(buf);
	return rc;
}

/* The same from a source without a file descriptor (an EWF or split raw
 * image): its sparse map and reads. -2 (message in ps_src_error) if
 * reading fails, -1 (errno) if writing does. */
static int copy_src(struct ps_src *in, int out)
{
	if (ftruncate(out, (off_t)in->size))
		return -1;
	size_t bl = 1 << 20;
	uint8_t *buf = malloc(bl);
	if (!buf)
		return -1;
	uint64_t off = 0;
	int rc = 0;
	while (off < in->size && !rc) {
		uint64_t d, h;
		if (ps_src_next_data(in, off, &d) || ps_src_next_hole(in, d, &h)) {
			rc = -2;
			break;
		}
		if (h <= d)
			h = in->size;
		for (uint64_t x = d; x < h && !rc;) {
			size_t k = h - x < bl ? (size_t)(h - x) : bl;
			if (ps_src_pread(in, buf, k, x))
				rc = -2;
			else if (!ps_is_zero(buf, k) && pwrite_all(out, buf, k, x))
				rc = -1;
			x += k;
		}
		off = h;
	}
	free(buf);
	return rc;
}

/* Re-scan path and check every namespace the plan touched. */
static int rescan(const char *path, const struct ps_analysis *before,
		  const struct ps_repair_opts *ro, const struct ps_plan *plan,
		  char *why, size_t whylen)
{
	struct ps_src *s;
	char err[512];
	if (ps_src_open_file(path, &s, err, sizeof(err))) {
		snprintf(why, whylen, "%.300s", err);
		return -1;
	}
	struct ps_analysis_opts ao;
	memset(&ao, 0, sizeof(ao));
	ao.have_phys_base = ro->have_phys_base;
	ao.phys_base = ro->phys_base;
	struct ps_analysis aa;
	int rc = ps_analyze(s, &ao, &aa);
	if (rc) {
		snprintf(why, whylen, "re-scan of %s failed: %s", path, ps_strerror(rc));
		ps_analysis_free(&aa);
		ps_src_close(s);
		return -1;
	}
	int bad = 0;
	int last = -1000000;
	if (getenv("PMEMSCAN_TEST_FAIL_RESCAN")) {	/* tests: the rollback paths */
		snprintf(why, whylen, "PMEMSCAN_TEST_FAIL_RESCAN set");
		bad = 1;
	}
	for (size_t k = 0; k < plan->n && !bad; k++) {
		int u = plan->p[k].ns;
		if (u == last)
			continue;
		last = u;
		char w[320];
		if (!ps_repair_unit_valid(before, u, &aa, s, ro, w, sizeof(w))) {
			snprintf(why, whylen, "%s", w);
			bad = 1;
		} else if (u >= 0) {
			printf("re-scan of %s: namespace %d is valid\n", path, u);
			ns_line(stdout, "now", ps_repair_ns_at(&aa, before->ns[u].base));
		} else {
			printf("re-scan of %s: label area at 0x%" PRIx64 " is valid (both index blocks, same labels in use)\n",
			       path, before->scan.recs[PS_UNIT_REC_INDEX(u)].off);
		}
	}
	ps_analysis_free(&aa);
	ps_src_close(s);
	return bad ? -1 : 0;
}

/* Write each patch's bytes (old or new) into fd; the kill hook is for
 * the tests: exit right after `kill_after` patches were written. */
static int apply(int fd, const struct ps_plan *p, int use_new, long kill_after)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct ps_patch *x = &p->p[i];
		if (pwrite_all(fd, use_new ? x->new_ : x->old, x->len, x->off))
			return -1;
		if (kill_after > 0 && (long)i + 1 == kill_after) {
			fsync(fd);
			_exit(137);
		}
	}
	return fsync(fd);
}

int cmd_repair(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "plan", no_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'J' },
		{ "output", required_argument, NULL, 'o' },
		{ "in-place", no_argument, NULL, 'I' },
		{ "undo-file", required_argument, NULL, 'U' },
		{ "no-image-hash", no_argument, NULL, 'N' },
		{ "phys-base", required_argument, NULL, 'p' },
		{ "assume-aligned", no_argument, NULL, 'A' },
		{ "ns-size", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		CLI_VIEW_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_view_opts vo;
	struct ps_repair_opts ro;
	cli_view_opts_init(&vo);
	memset(&ro, 0, sizeof(ro));
	const char *out = NULL, *undo_path = NULL;
	int plan_only = 0, in_place = 0, no_hash = 0, json = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		int v = cli_view_option(c, optarg, &vo);
		if (v < 0)
			return EXIT_USAGE;
		if (v > 0)
			continue;
		switch (c) {
		case 'P': plan_only = 1; break;
		case 'J': json = 1; break;
		case 'o': out = optarg; break;
		case 'I': in_place = 1; break;
		case 'U': undo_path = optarg; break;
		case 'N': no_hash = 1; break;
		case 'A': ro.assume_aligned = true; break;
		case 'p':
			if (cli_parse_u64(optarg, &ro.phys_base)) {
				cli_err("--phys-base: '%s' is not an address", optarg);
				return EXIT_USAGE;
			}
			ro.have_phys_base = true;
			break;
		case 'S':
			if (cli_parse_u64(optarg, &ro.ns_size) || !ro.ns_size ||
			    ro.ns_size % 4096) {
				cli_err("--ns-size: '%s' is not a size in whole 4 KiB pages", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	const char *path = cli_one_image("repair", argc, argv, optind);
	if (!path)
		return EXIT_USAGE;
	if (out && in_place) {
		cli_err("repair: -o and --in-place exclude each other (a copy, or the image itself)");
		return EXIT_USAGE;
	}
	if (json && (out || in_place)) {
		cli_err("repair: --json prints the plan only; drop it to use %s", out ? "-o" : "--in-place");
		return EXIT_USAGE;
	}
	if (plan_only && (out || in_place)) {
		cli_err("repair: --plan writes nothing; drop it to use %s", out ? "-o" : "--in-place");
		return EXIT_USAGE;
	}
	if ((undo_path || no_hash) && !in_place) {
		cli_err("repair: %s goes with --in-place", undo_path ? "--undo-file" : "--no-image-hash");
		return EXIT_USAGE;
	}
	if (vo.have_offset || vo.have_size) {
		cli_err("repair: --offset/--size select data by hand; repair needs a namespace (--namespace N)");
		return EXIT_USAGE;
	}
	if (ro.have_phys_base && ro.assume_aligned) {
		cli_err("repair: --phys-base and --assume-aligned exclude each other");
		return EXIT_USAGE;
	}
	struct stat st;
	if (out && lstat(out, &st) == 0) {
		cli_err("%s: output exists; refusing to overwrite it", out);
		return EXIT_USAGE;
	}
	char undo_buf[4096];
	if (in_place && !undo_path) {
		snprintf(undo_buf, sizeof(undo_buf), "%s.pmemscan-undo", path);
		undo_path = undo_buf;
	}
	if (undo_path && lstat(undo_path, &st) == 0) {
		cli_err("%s: undo file exists (an earlier repair?); undo or move it first", undo_path);
		return EXIT_USAGE;
	}
	ro.ns = vo.ns;
	ro.sem = vo.sem;

	char err[512];
	struct ps_src *src;
	/* A compressed dump is decoded into a sparse cache (read-only); only
	 * --in-place needs the bytes as stored. */
	struct ps_open_opts oo = vo.open;
	oo.mode = PS_OPEN_RANDOM;
	oo.msg = cli_open_notice;
	if (in_place ? ps_src_open_file(path, &src, err, sizeof(err)) :
		       ps_src_open_auto(path, &oo, &src, err, sizeof(err))) {
		cli_err("%s", err);
		return EXIT_USAGE;
	}
	if (in_place) {
		uint8_t magic[8];
		size_t k = src->size < sizeof(magic) ? (size_t)src->size : sizeof(magic);
		enum ps_compression comp = k && !ps_src_pread(src, magic, k, 0) ?
					   ps_detect_compression(magic, k) : PS_COMP_NONE;
		if (comp != PS_COMP_NONE) {
			cli_err("%s: a %s-compressed dump cannot be repaired in place; use -o FIXED.img for a decoded, repaired copy",
				path, ps_compression_name(comp));
			ps_src_close(src);
			return EXIT_USAGE;
		}
	}
	if (in_place) {
		/* an EWF or split raw image read through ps_src_open_auto is
		 * not the bytes of the file ps_src_open_file has opened */
		struct ps_open_opts po = { .mode = PS_OPEN_STREAM };
		struct ps_src *probe;
		struct ps_container_info ci;
		if (ps_src_open_auto(path, &po, &probe, err, sizeof(err))) {
			cli_err("%s", err);
			ps_src_close(src);
			return EXIT_USAGE;
		}
		ps_src_container_info(probe, &ci);
		ps_src_close(probe);
		if (ci.kind == PS_CONT_EWF || ci.kind == PS_CONT_SPLIT) {
			cli_err("%s: %s image in %zu segment%s: cannot be repaired in place; use -o FIXED.img for a repaired raw copy",
				path, ci.format, ci.nsegments, ci.nsegments == 1 ? "" : "s");
			ps_src_close(src);
			return EXIT_USAGE;
		}
	}
	if (src->fd < 0 && in_place) {
		cli_err("%s: no file descriptor for the decoded image; cannot copy it", path);
		ps_src_close(src);
		return EXIT_USAGE;
	}
	if (src->size == 0) {
		cli_err("%s: empty file (0 bytes): nothing to repair", path);
		ps_src_close(src);
		return EXIT_USAGE;
	}
	struct ps_analysis_opts ao;
	memset(&ao, 0, sizeof(ao));
	ao.have_phys_base = ro.have_phys_base;
	ao.phys_base = ro.phys_base;
	ao.image_arg = path;
	struct ps_analysis a;
	int rc = ps_analyze(src, &ao, &a);
	int code = EXIT_OK;
	struct ps_plan plan;
	struct ps_analysis after;
	int have_after = 0;
	ps_plan_init(&plan);
	if (rc) {
		cli_err("%s", rc == PS_EIO || rc == PS_ERANGE ? ps_src_error(src) : ps_strerror(rc));
		code = EXIT_USAGE;
		goto done;
	}
	size_t nlsa = 0;
	for (size_t i = 0; i < a.scan.nrecs; i++)
		nlsa += a.scan.recs[i].kind == PS_REC_NSINDEX;
	if (vo.ns >= 0 && (size_t)vo.ns >= a.nns) {
		cli_err("%s: --namespace %d: no such namespace (found %zu)", path, vo.ns, a.nns);
		code = EXIT_USAGE;
		goto done;
	}
	if (ro.ns_size && vo.ns < 0) {
		size_t top = 0;
		for (size_t i = 0; i < a.nns; i++)
			top += a.ns[i].nested_in < 0;
		if (top != 1) {
			cli_err("%s: --ns-size needs --namespace N (%zu namespaces found)", path, top);
			code = EXIT_USAGE;
			goto done;
		}
	}
	rc = ps_repair_plan(src, &a, &ro, &plan);
	if (!rc && plan.n) {
		rc = ps_repair_verify(src, &a, &ro, &plan, &after);
		have_after = !rc;
	}
	if (rc) {
		cli_err("%s: planning failed: %s", path, ps_strerror(rc));
		code = EXIT_USAGE;
		goto done;
	}
	if (a.nns == 0 && nlsa == 0 && !plan.n && !plan.nr) {	/* (BTT blocks refuse) */
		cli_err("%s: no namespace, label area or BTT found: nothing to repair (run 'pmemscan %s')",
			path, path);
		code = EXIT_NOTHING;
		goto done;
	}
	if (json) {
		if (print_plan_json(stdout, path, src->size, &a, have_after ? &after : NULL, &plan))
			code = EXIT_USAGE;
		else
			code = plan.nr ? EXIT_PROBLEMS : EXIT_OK;
		goto done;
	}
	print_plan(stdout, path, &a, have_after ? &after : NULL, &plan);
	if (!plan.n) {
		if (plan.nr) {
			printf("nothing repaired: every repair was refused (see above)\n");
			code = EXIT_PROBLEMS;
		} else {
			printf("nothing to repair: every namespace's metadata is already what a current kernel accepts\n");
		}
		goto done;
	}
	if (plan.nr)
		code = EXIT_PROBLEMS;
	if (!out && !in_place) {
		printf("plan only (--plan): nothing was written. Apply with -o FIXED.img, or --in-place (writes an undo file first)\n");
		goto done;
	}
	fflush(stdout);

	if (out) {
		int ofd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (ofd < 0) {
			cli_err("%s: cannot create: %s", out, strerror(errno));
			code = EXIT_USAGE;
			goto done;
		}
		int reflinked = 0;
		int crc = src->fd >= 0 && src->fd_off == 0 ?
			  copy_image(src->fd, ofd, src->size, &reflinked) : copy_src(src, ofd);
		if (crc || apply(ofd, &plan, 1, 0)) {
			if (crc == -2)
				cli_err("%s", ps_src_error(src));
			else
				cli_err("%s: writing the copy failed: %s", out, strerror(errno));
			close(ofd);
			unlink(out);
			code = EXIT_USAGE;
			goto done;
		}
		close(ofd);
		char why[400];
		if (rescan(out, &a, &ro, &plan, why, sizeof(why))) {
			unlink(out);
			cli_err("%s: the repaired copy did not re-scan valid (%s); copy deleted", out, why);
			code = EXIT_PROBLEMS;
			goto done;
		}
		printf("wrote %s (%s), %zu patch%s applied\n", out,
		       reflinked ? "reflinked copy" : "sparse copy", plan.n,
		       plan.n == 1 ? "" : "es");
		goto done;
	}

	/* --in-place: the undo file first, durable, then the image. */
	uint8_t sha[32];
	if (!no_hash && ps_src_sha256(src, sha)) {
		cli_err("%s", ps_src_error(src));
		code = EXIT_USAGE;
		goto done;
	}
	int ufd = open(undo_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (ufd < 0) {
		cli_err("%s: cannot create the undo file: %s", undo_path, strerror(errno));
		code = EXIT_USAGE;
		goto done;
	}
	if (ps_undo_write_fd(ufd, path, src->size, no_hash ? NULL : sha, &plan) || fsync(ufd) ||
	    close(ufd) || fsync_dir_of(undo_path)) {
		cli_err("%s: writing the undo file failed: %s; the image was not touched",
			undo_path, strerror(errno));
		unlink(undo_path);
		code = EXIT_USAGE;
		goto done;
	}
	int ifd = open(path, O_RDWR | O_CLOEXEC);
	if (ifd < 0) {
		cli_err("%s: cannot open for writing: %s; the image was not touched", path, strerror(errno));
		unlink(undo_path);
		code = EXIT_USAGE;
		goto done;
	}
	/* The bytes must still be what the plan was made from. */
	for (size_t i = 0; i < plan.n; i++) {
		uint8_t cur[PS_PATCH_MAX_LEN];
		if (pread_all(ifd, cur, plan.p[i].len, plan.p[i].off) ||
		    memcmp(cur, plan.p[i].old, plan.p[i].len)) {
			cli_err("%s: bytes at 0x%" PRIx64 " (%s) changed while planning; the image was not touched",
				path, plan.p[i].off, plan.p[i].field);
			close(ifd);
			unlink(undo_path);
			code = EXIT_USAGE;
			goto done;
		}
	}
	const char *ka = getenv("PMEMSCAN_TEST_KILL_AFTER_PATCHES");
	long kill_after = ka ? strtol(ka, NULL, 10) : 0;
	if (apply(ifd, &plan, 1, kill_after)) {
		int e = errno;
		apply(ifd, &plan, 0, 0);
		close(ifd);
		cli_err("%s: writing a patch failed: %s; the original bytes were written back (undo file %s kept)",
			path, strerror(e), undo_path);
		code = EXIT_USAGE;
		goto done;
	}
	char why[400];
	if (rescan(path, &a, &ro, &plan, why, sizeof(why))) {
		int bad = apply(ifd, &plan, 0, 0);
		close(ifd);
		if (!bad)
			unlink(undo_path);	/* the image is the original again */
		cli_err("%s: the repaired image did not re-scan valid (%s); %s", path, why,
			bad ? "ROLLBACK FAILED: run 'pmemscan undo' with the undo file" :
			      "rolled back to the original bytes (undo file removed)");
		code = EXIT_PROBLEMS;
		goto done;
	}
	close(ifd);
	char hex[65] = "not recorded (--no-image-hash)";
	if (!no_hash)
		hexstr(sha, 32, hex);
	printf("repaired %s in place, %zu patch%s applied; undo file %s (image sha256 before: %s)\n"
	       "to restore: pmemscan undo %s %s\n", path, plan.n, plan.n == 1 ? "" : "es",
	       undo_path, hex, undo_path, path);
done:
	if (have_after)
		ps_analysis_free(&after);
	ps_plan_free(&plan);
	ps_analysis_free(&a);
	ps_src_close(src);
	if (fflush(stdout)) {
		cli_err("writing the report failed");
		return EXIT_USAGE;
	}
	return code;
}

int cmd_undo(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc != 3) {
		cli_err("undo: usage: pmemscan undo UNDOFILE IMAGE");
		return EXIT_USAGE;
	}
	const char *up = argv[1], *path = argv[2];
	char err[512];
	char *text = ps_read_text_file(up, 64 << 20, err, sizeof(err));
	if (!text) {
		cli_err("%s", err);
		return EXIT_USAGE;
	}
	struct ps_undo u;
	if (ps_undo_parse(text, strlen(text), &u, err, sizeof(err))) {
		cli_err("%s: %s", up, err);
		free(text);
		return EXIT_USAGE;
	}
	free(text);
	int code = EXIT_OK;
	int fd = open(path, O_RDWR | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st)) {
		cli_err("%s: cannot open for writing: %s", path, strerror(errno));
		code = EXIT_USAGE;
		goto out;
	}
	if ((uint64_t)st.st_size != u.image_size) {
		cli_err("%s: size %" PRIu64 " is not the %" PRIu64 " bytes the undo file was made for; refusing",
			path, (uint64_t)st.st_size, u.image_size);
		code = EXIT_USAGE;
		goto out;
	}
	size_t nnew = 0;
	for (size_t i = 0; i < u.plan.n; i++) {
		const struct ps_patch *x = &u.plan.p[i];
		uint8_t cur[PS_PATCH_MAX_LEN];
		if (pread_all(fd, cur, x->len, x->off)) {
			cli_err("%s: read error at 0x%" PRIx64 ": %s", path, x->off, strerror(errno));
			code = EXIT_USAGE;
			goto out;
		}
		if (!memcmp(cur, x->new_, x->len))
			nnew++;
		else if (memcmp(cur, x->old, x->len)) {
			cli_err("%s: bytes at 0x%" PRIx64 " (%s) are neither the repair's nor the original: the image changed since; refusing (nothing written)",
				path, x->off, x->field);
			code = EXIT_PROBLEMS;
			goto out;
		}
	}
	if (apply(fd, &u.plan, 0, 0)) {
		cli_err("%s: writing failed: %s", path, strerror(errno));
		code = EXIT_USAGE;
		goto out;
	}
	close(fd);
	fd = -1;
	if (!u.have_sha256) {
		printf("restored %s: %zu of %zu patch%s had been applied and were reverted; every patched byte is the original again (no image sha256 was recorded: --no-image-hash)\n",
		       path, nnew, u.plan.n, u.plan.n == 1 ? "" : "es");
		goto out;
	}
	struct ps_src *s;
	uint8_t sha[32];
	if (ps_src_open_file(path, &s, err, sizeof(err))) {
		cli_err("%s", err);
		code = EXIT_USAGE;
		goto out;
	}
	int rc = ps_src_sha256(s, sha);
	ps_src_close(s);
	char h1[65], h2[65];
	hexstr(sha, 32, h1);
	hexstr(u.sha256, 32, h2);
	if (rc || memcmp(sha, u.sha256, 32)) {
		cli_err("%s: restored %zu patch%s but the sha256 is %s, not the recorded %s",
			path, u.plan.n, u.plan.n == 1 ? "" : "es", rc ? "unreadable" : h1, h2);
		code = EXIT_PROBLEMS;
		goto out;
	}
	printf("restored %s: %zu of %zu patch%s had been applied and were reverted; sha256 %s matches the undo file\n",
	       path, nnew, u.plan.n, u.plan.n == 1 ? "" : "es", h1);
out:
	if (fd >= 0)
		close(fd);
	ps_undo_free(&u);
	return code;
}
