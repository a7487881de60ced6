/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pmemscan check IMAGE: the BTT consistency checks of 'ndctl
 * check-namespace', offline and read-only.
 */
#include "outfile.h"
#include "cli.h"
#include "btt_cli.h"
#include "opts.h"
#include "btt.h"
#include "err.h"
#include "imgsrc.h"
#include "imgsrc_open.h"
#include "ns.h"
#include "le.h"
#include "util.h"
#include "pmdk.h"
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct cli_option check_opts[] = {
	{ "namespace", 0, "N", CLI_OPT_NAMESPACE, CLI_COMP_VALUE, NULL,
	  "  --namespace N  the sector-mode namespace N of the scan's report\n"
	  "              (pmemscan IMAGE lists them), e.g. the second of a region\n" },
	{ "offset", 0, "N", CLI_OPT_OFFSET, CLI_COMP_VALUE, NULL,
	  "  --offset N  the namespace starts N bytes into IMAGE (default 0);\n"
	  "              the BTT is looked for at +4096 (v1.1) then +0 (v2.0);\n"
	  "              without it, a PMDK pmemblk pool (pmempool create blk)\n"
	  "              is checked at its BTT, 0x2000 into the pool\n" },
	{ "json", 'j', NULL, 'j', CLI_COMP_NONE, NULL,
	  "  -j, --json  machine-readable output: findings[] with severity, arena,\n"
	  "              lane, LBA, block and offset\n" },
	CLI_OPT_END,
};

static const struct cli_cmdline check_cl = {
	"check",
	"pmemscan check IMAGE [--namespace N | --offset N] [--json]\n"
	"  Check the BTT (sector-mode metadata) of a namespace image as\n"
	"  'ndctl check-namespace' does, without writing anything.\n",
	check_opts,
	"Exit: 0 consistent, 1 problems found, 2 no BTT, 3 usage or I/O error.\n",
};

void common_close(struct common *c)
{
	ps_btt_close(c->btt);
	ps_src_close(c->nsv);
	ps_src_close(c->file);
	ps_diags_free(&c->d);
}

/* --namespace N: where the scan found namespace N, which must be in
 * sector mode; sets c->offset and c->size, or prints one line and returns
 * an exit code. */
static int namespace_offset(struct common *c)
{
	struct ps_analysis an;
	struct ps_analysis_opts ao;
	memset(&ao, 0, sizeof(ao));
	int r = ps_analyze(c->file, &ao, &an);
	if (r) {
		cli_err("%s", r == PS_EIO || r == PS_ERANGE ? ps_src_error(c->file) :
			ps_strerror(r));
		return EXIT_USAGE;
	}
	int rc = EXIT_OK;
	if ((size_t)c->ns >= an.nns) {
		cli_err("%s: no namespace %d: the scan found %zu (run 'pmemscan %s')",
			c->path, c->ns, an.nns, c->path);
		rc = an.nns ? EXIT_USAGE : EXIT_NOTHING;
	} else if (an.ns[c->ns].mode != PS_NS_SECTOR) {
		cli_err("%s: namespace %d at offset %llu is %s, not sector mode: it has no BTT to check",
			c->path, c->ns, (unsigned long long)an.ns[c->ns].base,
			ps_ns_mode_name(an.ns[c->ns].mode));
		rc = EXIT_NOTHING;
	} else {
		c->offset = an.ns[c->ns].base;
		c->size = an.ns[c->ns].size;
	}
	ps_analysis_free(&an);
	return rc;
}

/* Open IMAGE and the BTT in it; returns an exit code, EXIT_OK on success. */
int common_open(struct common *c, bool quiet_diags)
{
	char err[PS_ERR_LINE_MAX];
	int rc;
	ps_diags_init(&c->d);
	/* a compressed dump, an EWF or split raw image like a plain one */
	struct ps_open_opts oo = { .mode = PS_OPEN_RANDOM, .msg = cli_open_notice,
				   .hint = cli_open_hint };
	if (ps_src_open_auto(c->path, &oo, &c->file, err, sizeof(err))) {
		cli_err("%s", err);
		return EXIT_USAGE;
	}
	if (c->ns >= 0 && (rc = namespace_offset(c)) != EXIT_OK)
		return rc;
	if (c->offset >= c->file->size) {
		cli_err("%s: --offset %llu is at or past the end of the image (%llu bytes)",
			c->path, (unsigned long long)c->offset,
			(unsigned long long)c->file->size);
		return EXIT_USAGE;
	}
	/* a PMDK pmemblk pool given as it is: its BTT starts at pool + 8 KiB
	 * with arena 0 right there (docs/pmdk.md) */
	uint8_t sig[PS_PMDK_SIG_LEN];
	struct ps_btt_open_opts bo = { .initial_offset = 0, .any_version = true };
	if (!c->have_offset && c->ns < 0 && c->file->size > PS_PMDK_BLK_DATA_OFF &&
	    ps_src_pread(c->file, sig, sizeof(sig), 0) == PS_OK &&
	    !memcmp(sig, PS_PMDK_BLK_SIG, sizeof(sig))) {
		c->pmemblk = true;
		c->offset = PS_PMDK_BLK_DATA_OFF;
	}
	/* --offset or --namespace at a pmemblk pool's BTT (the pool header
	 * 8 KiB before it, as the scan lists it): the pool's BTT is version
	 * 1.1 at +0, which the kernel's location rule would refuse */
	if (!c->pmemblk && c->offset >= PS_PMDK_BLK_DATA_OFF &&
	    ps_src_pread(c->file, sig, sizeof(sig), c->offset - PS_PMDK_BLK_DATA_OFF) == PS_OK &&
	    !memcmp(sig, PS_PMDK_BLK_SIG, sizeof(sig)))
		c->pmemblk = true;
	uint64_t len = c->file->size - c->offset;
	if (c->size && c->size < len)
		len = c->size;
	if (ps_src_window(c->file, c->offset, len, &c->nsv)) {
		cli_err("%s", ps_src_error(c->file));
		return EXIT_USAGE;
	}
	int r = ps_btt_open(c->nsv, c->pmemblk ? &bo : NULL, &c->btt, &c->d);
	if (r == PS_ENOTFOUND || r == PS_EFORMAT) {
		if (r == PS_EFORMAT && !quiet_diags)
			for (size_t i = 0; i < c->d.n; i++)
				if (c->d.v[i].sev >= PS_SEV_ERR)
					fprintf(stderr, "pmemscan: %s: offset %llu: %s: %s\n",
						c->path,
						(unsigned long long)(c->offset + c->d.v[i].off),
						c->d.v[i].field, c->d.v[i].msg);
		if (c->pmemblk)
			cli_err("%s: a PMDK pmemblk pool with no usable BTT at 0x%x (a pool never written to has none yet)",
				c->path, PS_PMDK_BLK_DATA_OFF);
		else
		cli_err("%s: no usable BTT info block at namespace offset %llu+4096 or +0%s",
			c->path, (unsigned long long)c->offset,
			r == PS_EFORMAT ? " (a BTT signature is there, but neither it nor a backup is valid)" : "");
		return EXIT_NOTHING;
	}
	if (r) {
		cli_err("%s: cannot read the BTT: %s", c->path, ps_src_strerror(c->nsv, r));
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static json_object *jint_or_null(int64_t v)
{
	return v < 0 ? NULL : json_object_new_int64(v);
}

struct check_args {
	struct common c;
	int json;
};

static int check_option(void *ctx, int id, const char *arg)
{
	struct check_args *a = ctx;
	switch (id) {
	case 'j':
		a->json = 1;
		break;
	case CLI_OPT_OFFSET:
		if (cli_parse_u64(arg, &a->c.offset)) {
			cli_err("check: --offset: '%s' is not a byte offset", arg);
			return EXIT_USAGE;
		}
		a->c.have_offset = true;
		break;
	case CLI_OPT_NAMESPACE: {
		uint64_t v;
		if (cli_parse_u64(arg, &v) || v > 1000000) {
			cli_err("check: --namespace: '%s' is not a namespace number (see 'pmemscan IMAGE')",
				arg);
			return EXIT_USAGE;
		}
		a->c.ns = (int)v;
		break;
	}
	}
	return 0;
}

int cmd_check(int argc, char **argv)
{
	struct check_args ca;
	memset(&ca, 0, sizeof(ca));
	ca.c.ns = -1;
	int prc = cli_opts_parse(&check_cl, argc, argv, check_option, &ca);
	if (prc >= 0)
		return prc;
	struct common c = ca.c;
	int json = ca.json;
	c.path = cli_one_image("check", argc, argv, optind);
	if (!c.path)
		return EXIT_USAGE;
	if (c.have_offset && c.ns >= 0) {
		cli_err("check: --offset and --namespace both select the namespace; give one");
		return EXIT_USAGE;
	}
	int rc = common_open(&c, json);
	if (rc != EXIT_OK) {
		common_close(&c);
		return rc;
	}
	struct ps_btt_report rep;
	memset(&rep, 0, sizeof(rep));
	int r = ps_btt_check(c.btt, &rep);
	if (r) {
		cli_err("%s: check failed: %s", c.path, ps_src_strerror(c.nsv, r));
		ps_btt_report_free(&rep);
		common_close(&c);
		return EXIT_USAGE;
	}
	rc = rep.nerr ? EXIT_PROBLEMS : EXIT_OK;
	const struct ps_btt_arena *a0 = ps_btt_arena(c.btt, 0);
	if (json) {
		json_object *root = json_object_new_object();
		json_object_object_add(root, "file", json_object_new_string(c.path));
		json_object_object_add(root, "offset", json_object_new_uint64(c.offset));
		json_object_object_add(root, "namespace", c.ns >= 0 ? json_object_new_int(c.ns) : NULL);
		json_object_object_add(root, "pmdk_pool", c.pmemblk ? json_object_new_string("blk") : NULL);
		json_object *bj = json_object_new_object();
		json_object_object_add(bj, "info_offset", json_object_new_uint64(ps_btt_initial_offset(c.btt)));
		char ver[16];
		snprintf(ver, sizeof(ver), "%u.%u", a0->sb.version_major, a0->sb.version_minor);
		json_object_object_add(bj, "version", json_object_new_string(ver));
		json_object_object_add(bj, "external_lbasize", json_object_new_int64(ps_btt_lbasize(c.btt)));
		json_object_object_add(bj, "sector_size", json_object_new_int64(ps_btt_sector_size(c.btt)));
		json_object_object_add(bj, "nlba", json_object_new_uint64(ps_btt_nlba(c.btt)));
		json_object_object_add(bj, "size", json_object_new_uint64(ps_btt_nlba(c.btt) * ps_btt_sector_size(c.btt)));
		json_object *arr = json_object_new_array();
		for (unsigned i = 0; i < ps_btt_narenas(c.btt); i++) {
			const struct ps_btt_arena *a = ps_btt_arena(c.btt, i);
			json_object *o = json_object_new_object();
			json_object_object_add(o, "arena", json_object_new_int((int)i));
			json_object_object_add(o, "offset", json_object_new_uint64(a->off));
			json_object_object_add(o, "size", json_object_new_uint64(a->size));
			json_object_object_add(o, "external_lba_start", json_object_new_uint64(a->ext_start));
			json_object_object_add(o, "external_nlba", json_object_new_int64(a->sb.external_nlba));
			json_object_object_add(o, "internal_nlba", json_object_new_int64(a->sb.internal_nlba));
			json_object_object_add(o, "internal_lbasize", json_object_new_int64(a->sb.internal_lbasize));
			json_object_object_add(o, "nfree", json_object_new_int64(a->sb.nfree));
			json_object_object_add(o, "info_used", json_object_new_string(a->used_backup ? "backup" : "primary"));
			json_object_object_add(o, "info_used_offset", json_object_new_uint64(a->sb_off));
			json_object_object_add(o, "flog_slots", a->log_ok ?
				json_object_new_string(a->log_index[1] == 2 ? "0,2" : "0,1") : NULL);
			json_object_object_add(o, "pending_writes", json_object_new_int64((int64_t)a->nfix));
			json_object_array_add(arr, o);
		}
		json_object_object_add(bj, "arenas", arr);
		json_object_object_add(root, "btt", bj);
		json_object *fa = json_object_new_array();
		for (size_t i = 0; i < rep.n; i++) {
			const struct ps_btt_finding *f = &rep.v[i];
			json_object *o = json_object_new_object();
			json_object_object_add(o, "severity", json_object_new_string(ps_sev_name(f->sev)));
			json_object_object_add(o, "check", json_object_new_string(f->check));
			json_object_object_add(o, "arena", jint_or_null(f->arena));
			json_object_object_add(o, "lane", jint_or_null(f->lane));
			json_object_object_add(o, "lba", jint_or_null(f->lba));
			json_object_object_add(o, "block", jint_or_null(f->block));
			json_object_object_add(o, "offset", json_object_new_uint64(c.offset + f->off));
			json_object_object_add(o, "message", json_object_new_string(f->msg));
			json_object_array_add(fa, o);
		}
		json_object_object_add(root, "findings", fa);
		json_object_object_add(root, "findings_dropped", json_object_new_uint64(rep.dropped));
		json_object_object_add(root, "errors", json_object_new_uint64(rep.nerr));
		json_object_object_add(root, "warnings", json_object_new_uint64(rep.nwarn));
		json_object_object_add(root, "exit_code", json_object_new_int(rc));
		puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
						    JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
	} else {
		if (c.pmemblk)
			printf("%s: PMDK pmemblk pool: its BTT at image offset 0x%llx (pool + 0x%x)\n",
			       c.path, (unsigned long long)c.offset, PS_PMDK_BLK_DATA_OFF);
		printf("%s", c.path);
		if (c.ns >= 0)
			printf(" namespace %d (at offset %llu)", c.ns,
			       (unsigned long long)c.offset);
		printf(": BTT %u.%u at namespace offset %llu: %u arena%s, %llu LBAs of %u bytes (%u-byte sectors)\n",
		       a0->sb.version_major, a0->sb.version_minor,
		       (unsigned long long)ps_btt_initial_offset(c.btt),
		       ps_btt_narenas(c.btt), ps_btt_narenas(c.btt) == 1 ? "" : "s",
		       (unsigned long long)ps_btt_nlba(c.btt), ps_btt_lbasize(c.btt),
		       ps_btt_sector_size(c.btt));
		for (size_t i = 0; i < rep.n; i++) {
			const struct ps_btt_finding *f = &rep.v[i];
			printf("%s: %s: %s (offset %llu)\n", ps_sev_name(f->sev),
			       f->check, f->msg,
			       (unsigned long long)(c.offset + f->off));
		}
		if (rep.dropped)
			printf("... %zu more findings not shown\n", rep.dropped);
		printf("%s: %zu error%s, %zu warning%s\n",
		       rep.nerr ? "problems found" : "consistent",
		       rep.nerr, rep.nerr == 1 ? "" : "s",
		       rep.nwarn, rep.nwarn == 1 ? "" : "s");
	}
	ps_btt_report_free(&rep);
	/* bytes that could not be read (zeros instead): said, not exit 0 */
	if (cli_report_damage(c.path, c.file) && rc == EXIT_OK)
		rc = EXIT_PROBLEMS;
	common_close(&c);
	return rc;
}
