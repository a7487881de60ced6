/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pmemscan labels FILE...: dump and check the namespace label area (LSA)
 * of each DIMM (an `ndctl read-labels -o` dump, or a DIMM image with the
 * area at --offset or, QEMU style, at the end), say which index block the
 * kernel would use and why, and rebuild the pmem namespaces the labels of
 * all given DIMMs describe.
 */
#include "cli.h"
#include "opts.h"
#include "labels_embed.h"
#include "err.h"
#include "imgsrc.h"
#include "label.h"
#include "ns.h"
#include "render.h"
#include <ctype.h>
#include <getopt.h>	/* optind */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum fstat { F_OK, F_PROBLEMS, F_BAD, F_NOTHING };

struct dimm {
	const char *path;	/* as the report names it */
	const char *open_path;	/* the file read */
	enum fstat st;
	struct ps_lsa lsa;
	bool parsed;
	const char *where;
	struct ps_diags diags;
};

enum { OPT_START_DPA = CLI_OPT_CMD };

static const struct cli_option labels_opts[] = {
	{ "json", 'j', NULL, 'j', CLI_COMP_NONE, NULL,
	  "  -j, --json      'ndctl read-labels -j' keys per DIMM (dimms[].index, .label),\n"
	  "                  pmemscan's own findings under dimms[].pmemscan, namespaces[]\n" },
	{ "offset", 0, "N", CLI_OPT_OFFSET, CLI_COMP_VALUE, NULL,
	  "  --offset N      the label area starts at byte N of every FILE\n" },
	{ "size", 0, "N", CLI_OPT_SIZE, CLI_COMP_VALUE, NULL,
	  "  --size N        the label area (config) size; default: from the index block\n" },
	{ "start-dpa", 0, "N", OPT_START_DPA, CLI_COMP_VALUE, NULL,
	  "  --start-dpa N   region start DPA on every DIMM (default: assumed to be the\n"
	  "                  lowest label dpa on that DIMM; QEMU regions start at 0)\n" },
	CLI_OPT_END,
};

static const struct cli_cmdline labels_cl = {
	"labels",
	"pmemscan labels FILE... [--json] [--offset N] [--size N] [--start-dpa N]\n"
	"  Dumps the namespace label area of each DIMM, checks it as the kernel does and\n"
	"  rebuilds the pmem namespaces described by the labels of all FILEs together.\n"
	"  A FILE is an 'ndctl read-labels -o' dump, or a DIMM image whose label area\n"
	"  is found at its end (QEMU nvdimm label-size) or at offset 0.\n",
	labels_opts,
	"Exit: 0 valid and complete, 1 problems found, 2 no label area, 3 usage or\n"
	"I/O error.\n",
};

struct labels_args {
	int json;
	bool have_off;
	uint64_t off, size, sdpa;
};

static int labels_option(void *ctx, int id, const char *arg)
{
	struct labels_args *a = ctx;
	switch (id) {
	case 'j':
		a->json = 1;
		break;
	case CLI_OPT_OFFSET:
		if (cli_parse_u64(arg, &a->off)) {
			cli_err("labels: bad --offset '%s'", arg);
			return EXIT_USAGE;
		}
		a->have_off = true;
		break;
	case CLI_OPT_SIZE:
		if (cli_parse_u64(arg, &a->size) || a->size < 2 * PS_NSINDEX_ALIGN ||
		    a->size > PS_LSA_MAX) {
			cli_err("labels: bad --size '%s' (512 bytes .. %u MiB)", arg,
				PS_LSA_MAX >> 20);
			return EXIT_USAGE;
		}
		break;
	case OPT_START_DPA:
		if (cli_parse_u64(arg, &a->sdpa)) {
			cli_err("labels: bad --start-dpa '%s'", arg);
			return EXIT_USAGE;
		}
		break;
	}
	return 0;
}

/* First error-level diagnostic as a one-line message. */
static void one_line(const char *path, const struct ps_diags *d, const char *fallback)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].sev == PS_SEV_ERR) {
			cli_err("%s: offset 0x%llx: %s: %s", path,
				(unsigned long long)d->v[i].off, d->v[i].field, d->v[i].msg);
			return;
		}
	cli_err("%s: %s", path, fallback);
}

/* How the report names where the area was found. */
static const char *place_name(enum ps_lsa_place p)
{
	switch (p) {
	case PS_LSA_PLACE_GIVEN: return "at --offset";
	case PS_LSA_PLACE_END: return "at the end of the image (QEMU label-size area)";
	case PS_LSA_PLACE_DUMP: return "whole file (ndctl read-labels dump)";
	case PS_LSA_PLACE_START: return "at the start of the image";
	case PS_LSA_PLACE_DAMAGED: return "whole file (no valid index block)";
	}
	return "";
}

static int load(struct dimm *dm, bool have_off, uint64_t off, uint64_t size_opt)
{
	struct ps_src *src;
	char err[PS_ERR_LINE_MAX];
	if (ps_src_open_file(dm->open_path, &src, err, sizeof(err))) {
		cli_err("%s", err);
		return EXIT_USAGE;
	}
	uint64_t fsize = src->size;
	if (fsize == 0) {
		cli_err("%s: empty file, no label area", dm->path);
		dm->st = F_NOTHING;
		ps_src_close(src);
		return EXIT_OK;
	}
	/* a damaged dump is taken whole, so that its damage can be shown */
	struct ps_lsa_find_opts fo = {
		.have_offset = have_off, .offset = off, .size = size_opt, .damaged_dump = true,
	};
	struct ps_lsa_area area;
	int rc = ps_lsa_find(src, &fo, &area);
	if (rc == PS_ERANGE && have_off) {
		cli_err("%s: --offset 0x%llx is beyond the end (size 0x%llx)", dm->path,
			(unsigned long long)off, (unsigned long long)fsize);
		ps_src_close(src);
		return EXIT_USAGE;
	}
	if (rc == PS_ENOTFOUND) {
		cli_err("%s: no namespace label area found (no valid NAMESPACE_INDEX at offset 0 or in the last %u MiB)",
			dm->path, PS_LSA_TAIL_WINDOW >> 20);
		dm->st = F_NOTHING;
		ps_src_close(src);
		return EXIT_OK;
	}
	if (rc) {
		cli_err("%s: %s", dm->path, rc == PS_ENOMEM ? "out of memory" : ps_src_error(src));
		ps_src_close(src);
		return EXIT_USAGE;
	}
	dm->where = place_name(area.place);
	if (area.size > PS_LSA_MAX) {
		cli_err("%s: label area of %llu bytes is larger than the %u MiB pmemscan reads",
			dm->path, (unsigned long long)area.size, PS_LSA_MAX >> 20);
		ps_src_close(src);
		return EXIT_USAGE;
	}
	rc = ps_lsa_load(src, &area, PS_LSA_MAX, &dm->lsa, &dm->diags);
	if (rc == PS_EIO) {
		cli_err("%s", ps_src_error(src));
		ps_src_close(src);
		return EXIT_USAGE;
	}
	ps_src_close(src);
	switch (rc) {
	case PS_OK:
		dm->parsed = true;
		dm->st = ps_diags_count(&dm->diags, PS_SEV_ERR) ? F_PROBLEMS : F_OK;
		break;
	case PS_EFORMAT:
		dm->parsed = true;
		dm->st = F_PROBLEMS;
		one_line(dm->path, &dm->diags, "no valid index block");
		break;
	case PS_ENOTFOUND:
		one_line(dm->path, &dm->diags, "no namespace label area");
		dm->st = F_NOTHING;
		break;
	case PS_ENOMEM:
		cli_err("%s: out of memory", dm->path);
		return EXIT_USAGE;
	default:
		one_line(dm->path, &dm->diags, ps_strerror(rc));
		dm->st = F_BAD;
		break;
	}
	return EXIT_OK;
}

static void sig_text(const struct ps_lsa *lsa, int i, char out[17])
{
	/* ndctl prints the 16 signature bytes as a string */
	if (lsa->index[i].sig_ok)
		snprintf(out, 17, "%s", "NAMESPACE_INDEX");
	else
		out[0] = 0;
}

/* ---------------------------------------------------------------- json */

static struct json_object *ju64(uint64_t v)
{
	return json_object_new_uint64(v);
}

/* A 64-bit value that is a bit pattern, not a quantity (checksums, the
 * interleave-set cookie): "0x" and 16 hex digits, as the scan report's
 * checksums. As a JSON number it would lose its low bits above 2^53 in
 * jq, JavaScript and most readers (pmemscan-labels/2). */
static struct json_object *jhex64(uint64_t v)
{
	char b[24];
	snprintf(b, sizeof(b), "0x%016llx", (unsigned long long)v);
	return json_object_new_string(b);
}

static struct json_object *json_dimm(const struct dimm *dm)
{
	const struct ps_lsa *lsa = &dm->lsa;
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "dev", json_object_new_string(dm->path));

	/* ndctl read-labels -j: index[] and label[] */
	struct json_object *ja = json_object_new_array();
	for (int i = 0; i < 2; i++) {
		const struct ps_nsindex *ix = &lsa->index[i];
		if (!lsa->index_present[i])
			continue;
		struct json_object *j = json_object_new_object();
		char sig[17];
		sig_text(lsa, i, sig);
		json_object_object_add(j, "signature", json_object_new_string(sig));
		json_object_object_add(j, "major", json_object_new_int(ix->major));
		json_object_object_add(j, "minor", json_object_new_int(ix->minor));
		json_object_object_add(j, "labelsize",
				       ju64(ix->labelsize_raw < 32 ? 128ULL << ix->labelsize_raw : 0));
		json_object_object_add(j, "seq", ju64(ix->seq));
		json_object_object_add(j, "nslot", ju64(ix->nslot));
		json_object_array_add(ja, j);
	}
	json_object_object_add(o, "index", ja);
	struct json_object *jl = json_object_new_array();
	for (size_t i = 0; i < lsa->nrecs; i++) {
		const struct ps_label_rec *r = &lsa->recs[i];
		if (!r->ndctl_listed)
			continue;
		const struct ps_label *l = &r->label;
		struct json_object *j = json_object_new_object();
		char u[37];
		ps_uuid_str(l->uuid, u);
		json_object_object_add(j, "uuid", json_object_new_string(u));
		json_object_object_add(j, "name", render_jstr_img(l->name));
		json_object_object_add(j, "slot", ju64(l->slot));
		json_object_object_add(j, "position", json_object_new_int(l->position));
		json_object_object_add(j, "nlabel", json_object_new_int(l->nlabel));
		json_object_object_add(j, "flags", ju64(l->flags));
		json_object_object_add(j, "isetcookie", ju64(l->isetcookie));
		json_object_object_add(j, "lbasize", ju64(l->lbasize));
		json_object_object_add(j, "dpa", ju64(l->dpa));
		json_object_object_add(j, "rawsize", ju64(l->rawsize));
		if (l->label_size >= 256) {
			/* as ndctl: uuid_unparse() of the raw guid bytes */
			ps_uuid_str(l->type_guid, u);
			json_object_object_add(j, "type_guid", json_object_new_string(u));
			ps_uuid_str(l->abstraction_guid, u);
			json_object_object_add(j, "abstraction_guid", json_object_new_string(u));
		}
		json_object_array_add(jl, j);
	}
	json_object_object_add(o, "label", jl);

	/* pmemscan's own findings */
	struct json_object *x = json_object_new_object();
	json_object_object_add(x, "lsa_offset", ju64(lsa->abs_off));
	json_object_object_add(x, "lsa_size", ju64(lsa->size));
	json_object_object_add(x, "location", json_object_new_string(dm->where ? dm->where : ""));
	json_object_object_add(x, "label_size", ju64(lsa->label_size));
	json_object_object_add(x, "index_size", ju64(lsa->index_size));
	json_object_object_add(x, "current_index",
			       lsa->current >= 0 ? json_object_new_int(lsa->current) : NULL);
	json_object_object_add(x, "current_reason", json_object_new_string(ps_lsa_why_name(lsa->why)));
	json_object_object_add(x, "nslot", ju64(lsa->nslot));
	json_object_object_add(x, "active_labels", ju64(lsa->nactive));
	struct json_object *xi = json_object_new_array();
	for (int i = 0; i < 2; i++) {
		const struct ps_nsindex *ix = &lsa->index[i];
		struct json_object *j = json_object_new_object();
		json_object_object_add(j, "offset", ju64(ix->abs_off ? ix->abs_off :
					lsa->abs_off + (uint64_t)i * lsa->index_size));
		json_object_object_add(j, "present", json_object_new_boolean(lsa->index_present[i]));
		json_object_object_add(j, "valid", json_object_new_boolean(ix->valid));
		json_object_object_add(j, "current", json_object_new_boolean(lsa->current == i));
		json_object_object_add(j, "checksum_ok", json_object_new_boolean(ix->checksum_ok));
		json_object_object_add(j, "seq", ju64(ix->seq));
		json_object_object_add(j, "myoff", ju64(ix->myoff));
		json_object_object_add(j, "mysize", ju64(ix->mysize));
		json_object_object_add(j, "otheroff", ju64(ix->otheroff));
		json_object_object_add(j, "labeloff", ju64(ix->labeloff));
		json_object_object_add(j, "nslot", ju64(ix->nslot));
		json_object_object_add(j, "checksum", jhex64(ix->checksum));
		json_object_object_add(j, "checksum_calc", jhex64(ix->checksum_calc));
		json_object_array_add(xi, j);
	}
	json_object_object_add(x, "index_blocks", xi);
	struct json_object *xl = json_object_new_array();
	for (size_t i = 0; i < lsa->nrecs; i++) {
		const struct ps_label_rec *r = &lsa->recs[i];
		const struct ps_label *l = &r->label;
		struct json_object *j = json_object_new_object();
		char u[37];
		json_object_object_add(j, "slot", ju64(r->slot));
		json_object_object_add(j, "offset", ju64(r->abs_off));
		json_object_object_add(j, "active", json_object_new_boolean(r->active));
		json_object_object_add(j, "in_use", json_object_new_boolean(r->in_use));
		json_object_object_add(j, "in_use_other_index", json_object_new_boolean(r->in_use_other));
		json_object_object_add(j, "ndctl_listed", json_object_new_boolean(r->ndctl_listed));
		json_object_object_add(j, "valid", json_object_new_boolean(l->valid));
		ps_uuid_str(l->uuid, u);
		json_object_object_add(j, "uuid", json_object_new_string(u));
		json_object_object_add(j, "claim_class", json_object_new_string(ps_claim_name(l->claim)));
		if (l->label_size >= 256) {
			ps_guid_str(l->abstraction_guid, u);
			json_object_object_add(j, "abstraction_guid", json_object_new_string(u));
			ps_guid_str(l->type_guid, u);
			json_object_object_add(j, "type_guid", json_object_new_string(u));
			json_object_object_add(j, "checksum_ok", json_object_new_boolean(l->checksum_ok));
		}
		json_object_object_add(j, "position", json_object_new_int(l->position));
		json_object_object_add(j, "nlabel", json_object_new_int(l->nlabel));
		json_object_object_add(j, "dpa", ju64(l->dpa));
		json_object_object_add(j, "rawsize", ju64(l->rawsize));
		json_object_array_add(xl, j);
	}
	json_object_object_add(x, "labels", xl);
	json_object_object_add(x, "diagnostics", render_json_diags(&dm->diags));
	json_object_object_add(o, "pmemscan", x);
	return o;
}

static struct json_object *json_ns(const struct ps_ns_set *set, struct dimm **dv)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < set->n; i++) {
		const struct ps_namespace *ns = &set->ns[i];
		struct json_object *o = json_object_new_object();
		char u[37];
		ps_uuid_str(ns->uuid, u);
		json_object_object_add(o, "uuid", json_object_new_string(u));
		json_object_object_add(o, "name", render_jstr_img(ns->name));
		json_object_object_add(o, "claim_class", json_object_new_string(ps_claim_name(ns->claim)));
		json_object_object_add(o, "nlabel", json_object_new_int(ns->nlabel));
		json_object_object_add(o, "size", ju64(ns->size));
		json_object_object_add(o, "lbasize", ju64(ns->lbasize));
		json_object_object_add(o, "flags", ju64(ns->flags));
		json_object_object_add(o, "isetcookie", jhex64(ns->isetcookie));
		json_object_object_add(o, "complete", json_object_new_boolean(ns->complete));
		json_object_object_add(o, "region_offset", ju64(ns->region_offset));
		json_object_object_add(o, "region_offset_assumed",
				       json_object_new_boolean(ns->region_offset_assumed));
		struct json_object *xa = json_object_new_array();
		for (size_t k = 0; k < ns->nextents; k++) {
			const struct ps_ns_extent *x = &ns->extents[k];
			struct json_object *j = json_object_new_object();
			json_object_object_add(j, "dev", json_object_new_string(dv[x->dimm]->path));
			json_object_object_add(j, "position", json_object_new_int(x->position));
			json_object_object_add(j, "slot", ju64(x->slot));
			json_object_object_add(j, "dpa", ju64(x->dpa));
			json_object_object_add(j, "rawsize", ju64(x->rawsize));
			json_object_array_add(xa, j);
		}
		json_object_object_add(o, "extents", xa);
		json_object_array_add(a, o);
	}
	return a;
}

/* ---------------------------------------------------------------- text */

static void print_name(const char *s)
{
	for (; *s; s++)
		putchar(isprint((unsigned char)*s) ? *s : '?');
}

static void text_dimm(const struct dimm *dm)
{
	const struct ps_lsa *lsa = &dm->lsa;
	char h[32];
	ps_human(lsa->size, h, sizeof(h));
	printf("%s: label area at 0x%llx, %s (%llu bytes), %s\n", dm->path,
	       (unsigned long long)lsa->abs_off, h, (unsigned long long)lsa->size,
	       dm->where ? dm->where : "");
	printf("  %u-byte labels (%s), index block size %llu\n", lsa->label_size,
	       lsa->label_size >= 256 ? "v1.2" : "v1.1", (unsigned long long)lsa->index_size);
	printf("  %-5s %-12s %-7s %-8s %-4s %-6s %-9s %s\n", "index", "offset", "present",
	       "valid", "seq", "nslot", "labeloff", "checksum");
	for (int i = 0; i < 2; i++) {
		const struct ps_nsindex *ix = &lsa->index[i];
		printf("  %-5d 0x%-10llx %-7s %-8s %-4u %-6u 0x%-7llx %s\n", i,
		       (unsigned long long)(lsa->abs_off + (uint64_t)i * lsa->index_size),
		       lsa->index_present[i] ? "yes" : "no",
		       ix->valid ? (lsa->current == i ? "current" : "yes") : "NO",
		       ix->seq, ix->nslot, (unsigned long long)ix->labeloff,
		       !lsa->index_present[i] ? "-" : ix->checksum_ok ? "ok" : "BAD");
	}
	if (lsa->current >= 0)
		printf("  kernel uses index %d: %s; %zu active label(s) of %u slots\n",
		       lsa->current, ps_lsa_why_name(lsa->why), lsa->nactive, lsa->nslot);
	else
		printf("  kernel uses no index: %s; labels below are what ndctl read-labels lists\n",
		       ps_lsa_why_name(lsa->why));
	if (lsa->nrecs) {
		printf("  %-5s %-11s %-36s %-16s %-7s %-14s %-10s %s\n", "slot", "state", "uuid",
		       "name", "pos/n", "dpa", "rawsize", "claim");
		for (size_t i = 0; i < lsa->nrecs; i++) {
			const struct ps_label_rec *r = &lsa->recs[i];
			const struct ps_label *l = &r->label;
			const char *st = r->active ? "active" : r->in_use ? "INVALID" :
					 r->in_use_other ? "freed-last" : "stale";
			char u[37], pn[16], rs[32];
			ps_uuid_str(l->uuid, u);
			snprintf(pn, sizeof(pn), "%u/%u", l->position, l->nlabel);
			ps_human(l->rawsize, rs, sizeof(rs));
			printf("  %-5u %-11s %-36s ", r->slot, st, u);
			char nm[17];
			size_t nl = strnlen(l->name, 16);
			if (!nl) {
				nm[0] = '-';
				nl = 1;
			} else {
				memcpy(nm, l->name, nl);
			}
			nm[nl] = 0;
			print_name(nm);
			printf("%*s %-7s 0x%-12llx %-10s %s%s\n", (int)(16 - strlen(nm)), "", pn,
			       (unsigned long long)l->dpa, rs, ps_claim_name(l->claim),
			       l->flags & PS_NSLABEL_UPDATING ? " UPDATING" : "");
		}
	}
	if (dm->diags.n) {
		printf("  diagnostics:\n");
		for (size_t i = 0; i < dm->diags.n; i++)
			printf("    %-7s 0x%-10llx %-16s %s\n", ps_sev_name(dm->diags.v[i].sev),
			       (unsigned long long)dm->diags.v[i].off, dm->diags.v[i].field,
			       dm->diags.v[i].msg);
		if (dm->diags.dropped)
			printf("    (%zu more not shown)\n", dm->diags.dropped);
	}
}

static void text_ns(const struct ps_ns_set *set, struct dimm **dv, const struct ps_diags *d)
{
	printf("namespaces rebuilt from the labels:\n");
	if (!set->n)
		printf("  (none)\n");
	for (size_t i = 0; i < set->n; i++) {
		const struct ps_namespace *ns = &set->ns[i];
		char u[37], sz[32];
		ps_uuid_str(ns->uuid, u);
		ps_human(ns->size, sz, sizeof(sz));
		printf("  %s \"", u);
		print_name(ns->name);
		printf("\" %s, %u-way, %s (%llu bytes), %s\n", ps_claim_name(ns->claim), ns->nlabel,
		       sz, (unsigned long long)ns->size, ns->complete ? "complete" : "INCOMPLETE");
		printf("    region offset 0x%llx%s\n", (unsigned long long)ns->region_offset,
		       ns->region_offset_assumed ? " (assuming the region starts at the lowest label dpa)" : "");
		for (size_t k = 0; k < ns->nextents; k++)
			printf("    position %u: %s slot %u dpa 0x%llx rawsize 0x%llx\n",
			       ns->extents[k].position, dv[ns->extents[k].dimm]->path,
			       ns->extents[k].slot, (unsigned long long)ns->extents[k].dpa,
			       (unsigned long long)ns->extents[k].rawsize);
	}
	for (size_t i = 0; i < d->n; i++)
		printf("  %-7s 0x%-10llx %-16s %s\n", ps_sev_name(d->v[i].sev),
		       (unsigned long long)d->v[i].off, d->v[i].field, d->v[i].msg);
}

static int labels_run(const char *const *paths, const char *const *names, int n,
		      bool have_off, uint64_t off, uint64_t size, uint64_t sdpa, bool json,
		      json_object **jout);

int cmd_labels(int argc, char **argv)
{
	struct labels_args la = { .sdpa = UINT64_MAX };
	int prc = cli_opts_parse(&labels_cl, argc, argv, labels_option, &la);
	if (prc >= 0)
		return prc;
	int json = la.json;
	bool have_off = la.have_off;
	uint64_t off = la.off, size = la.size, sdpa = la.sdpa;
	int n = argc - optind;
	if (n < 1) {
		cli_err("labels: no FILE given (see 'pmemscan labels --help')");
		return EXIT_USAGE;
	}
	return labels_run((const char *const *)argv + optind, (const char *const *)argv + optind,
			  n, have_off, off, size, sdpa, json, NULL);
}

int labels_embedded(const char *path, const char *name, bool json, json_object **jout)
{
	return labels_run(&path, &name, 1, false, 0, 0, UINT64_MAX, json, jout);
}

/* The report of the label areas in files paths (named names in it): text
 * on stdout, or JSON (jout: the object there instead of printed). The
 * exit code. */
static int labels_run(const char *const *paths, const char *const *names, int n,
		      bool have_off, uint64_t off, uint64_t size, uint64_t sdpa, bool json,
		      json_object **jout)
{
	struct dimm *dms = calloc((size_t)n, sizeof(*dms));
	struct dimm **dv = calloc((size_t)n, sizeof(*dv));
	const struct ps_lsa **lv = calloc((size_t)n, sizeof(*lv));
	uint64_t *sd = calloc((size_t)n, sizeof(*sd));
	if (!dms || !dv || !lv || !sd) {
		cli_err("out of memory");
		free(dms);
		free(dv);
		free(lv);
		free(sd);
		return EXIT_USAGE;
	}
	int rc = EXIT_OK;
	for (int i = 0; i < n && rc == EXIT_OK; i++) {
		dms[i].path = names[i];
		dms[i].open_path = paths[i];
		ps_diags_init(&dms[i].diags);
		rc = load(&dms[i], have_off, off, size);
	}
	size_t np = 0, nothing = 0, problems = 0;
	if (rc == EXIT_OK) {
		for (int i = 0; i < n; i++) {
			if (dms[i].parsed) {
				dv[np] = &dms[i];
				lv[np] = &dms[i].lsa;
				sd[np] = sdpa;
				np++;
			}
			nothing += dms[i].st == F_NOTHING || dms[i].st == F_BAD;
			problems += dms[i].st != F_OK;
		}
	}
	struct ps_ns_set set = { 0, NULL };
	struct ps_diags nd;
	ps_diags_init(&nd);
	if (rc == EXIT_OK && np) {
		if (ps_label_namespaces(lv, np, sd, &set, &nd) != PS_OK) {
			cli_err("out of memory");
			rc = EXIT_USAGE;
		}
		for (size_t i = 0; i < set.n; i++)
			problems += !set.ns[i].complete;
		problems += ps_diags_count(&nd, PS_SEV_ERR) > 0;
	}
	if (rc == EXIT_OK && np) {
		if (json) {
			struct json_object *top = json_object_new_object();
			struct json_object *jd = json_object_new_array();
			/* /2: bit patterns as hex strings (jhex64); there was no
			 * schema key before, call that /1 */
			json_object_object_add(top, "schema", json_object_new_string("pmemscan-labels/2"));
			for (size_t i = 0; i < np; i++)
				json_object_array_add(jd, json_dimm(dv[i]));
			json_object_object_add(top, "dimms", jd);
			json_object_object_add(top, "namespaces", json_ns(&set, dv));
			json_object_object_add(top, "diagnostics", render_json_diags(&nd));
			if (jout) {
				*jout = top;
			} else {
				printf("%s\n", json_object_to_json_string_ext(top, JSON_C_TO_STRING_PRETTY |
									      JSON_C_TO_STRING_NOSLASHESCAPE));
				json_object_put(top);
			}
		} else {
			for (size_t i = 0; i < np; i++) {
				text_dimm(dv[i]);
				printf("\n");
			}
			text_ns(&set, dv, &nd);
		}
	}
	if (rc == EXIT_OK) {
		bool bad = false;
		for (int i = 0; i < n; i++)
			bad |= dms[i].st == F_BAD;
		if (!np)
			rc = bad ? EXIT_PROBLEMS : EXIT_NOTHING;
		else if (problems || nothing)
			rc = EXIT_PROBLEMS;
	}
	ps_ns_set_free(&set);
	ps_diags_free(&nd);
	for (int i = 0; i < n; i++) {
		ps_lsa_free(&dms[i].lsa);
		ps_diags_free(&dms[i].diags);
	}
	free(dms);
	free(dv);
	free(lv);
	free(sd);
	return rc;
}
