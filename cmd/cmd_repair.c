/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pmemscan repair IMAGE [--plan | -o FIXED.img | --in-place]
 * (pmemscan undo UNDOFILE IMAGE, which reverts --in-place: cmd_undo.c)
 *
 * --plan (the default) opens the image read-only and writes nothing.
 * -o copies the image (reflink, else sparse) and repairs the copy.
 * --in-place is the only mode that opens the image for writing, and only
 * after an undo file is written and fsync'ed (docs/repair.md).
 *
 * This file is options, exit codes and messages: planning, checking and
 * the crash-safe writing are the library's (src/repair.h), and the plan is
 * rendered by repair_render.c.
 */
#include "docdir.h"
#include "interrupt.h"
#include "config.h"
#include "cli.h"
#include "opts.h"
#include "err.h"
#include "imgsrc.h"
#include "imgsrc_open.h"
#include "ns.h"
#include "repair.h"
#include "repair_render.h"
#include "view.h"
#include <errno.h>
#include <getopt.h>	/* optind */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "progress.h"

enum { OPT_PLAN = CLI_OPT_CMD, OPT_JSON, OPT_IN_PLACE, OPT_UNDO_FILE, OPT_NO_IMAGE_HASH,
       OPT_PHYS_BASE, OPT_ASSUME_ALIGNED, OPT_NS_SIZE, OPT_MERGE_MMAP };

static const struct cli_option repair_opts[] = {
	{ "plan", 0, NULL, OPT_PLAN, CLI_COMP_NONE, NULL,
	  "  --plan            (default) print every byte that would change and why; write nothing\n" },
	{ "json", 0, NULL, OPT_JSON, CLI_COMP_NONE, NULL,
	  "  --json            the plan as JSON (schema pmemscan-repair-plan/1, " PS_DOC("repair.md") ")\n" },
	{ "output", 'o', "FILE", 'o', CLI_COMP_FILE, NULL,
	  "  -o, --output FILE write a repaired copy (reflinked or sparse); FILE must not exist\n" },
	{ "in-place", 0, NULL, OPT_IN_PLACE, CLI_COMP_NONE, NULL,
	  "  --in-place        repair IMAGE itself, after writing an undo file\n" },
	{ "undo-file", 0, "FILE", OPT_UNDO_FILE, CLI_COMP_FILE, NULL,
	  "  --undo-file FILE  where --in-place writes its undo file (default IMAGE.pmemscan-undo)\n" },
	{ "no-image-hash", 0, NULL, OPT_NO_IMAGE_HASH, CLI_COMP_NONE, NULL,
	  "  --no-image-hash   do not hash the whole image for the undo file (huge sparse\n"
	  "                    images: sha256 reads every hole as zeros, ~1 GB/s); undo then\n"
	  "                    verifies the patched bytes only\n" },
	{ "namespace", 0, "N", CLI_OPT_NAMESPACE, CLI_COMP_VALUE, NULL,
	  "  --namespace N     only namespace N (numbers as 'pmemscan IMAGE' prints them)\n" },
	{ "semantics", 0, "S", CLI_OPT_SEMANTICS, CLI_COMP_ENUM, "legacy fixed auto",
	  "  --semantics S     for an ambiguous namespace: keep the legacy or the fixed filesystem\n"
	  "                    (auto, the default: repair only what the scan proves)\n" },
	{ "phys-base", 0, "ADDR", OPT_PHYS_BASE, CLI_COMP_VALUE, NULL,
	  "  --phys-base ADDR  physical address of the image's first byte (start_pad rewrites\n"
	  "                    need it: a current kernel wants the namespace base 2 MiB aligned)\n" },
	{ "assume-aligned", 0, NULL, OPT_ASSUME_ALIGNED, CLI_COMP_NONE, NULL,
	  "  --assume-aligned  take the namespace base as aligned instead (stated in the plan)\n" },
	{ "ns-size", 0, "SIZE", OPT_NS_SIZE, CLI_COMP_VALUE, NULL,
	  "  --ns-size SIZE    the namespace size (from 'ndctl list'), to repair npfns\n" },
	{ "merge-mmap", 0, NULL, OPT_MERGE_MMAP, CLI_COMP_NONE, NULL,
	  "  --merge-mmap      a legacy start_pad namespace whose files were written through a\n"
	  "                    mapping under DAX (the scan's split check): copy each such file's\n"
	  "                    mmap view into its own blocks first (without it: refused)\n" },
	{ "quiet", 'q', NULL, 'q', CLI_COMP_NONE, NULL,
	  "  -q, --quiet       no progress bar for the sha256 before --in-place (shown on a\n"
	  "                    terminal, on stderr, when it takes more than a second)\n" },
	CLI_OPTS_CACHE,
	CLI_OPT_END,
};

static const struct cli_cmdline repair_cl = {
	"repair",
	"pmemscan repair IMAGE [--plan [--json]] [-o FIXED.img | --in-place [--undo-file FILE]]\n"
	"         [--namespace N] [--semantics legacy|fixed] [--phys-base ADDR | --assume-aligned]\n"
	"         [--ns-size SIZE] [--merge-mmap] [--cache | --cache-dir DIR]\n"
	"  Rewrites namespace metadata (pfn/dax info blocks) so a current kernel finds the\n"
	"  data where it is. Every repair is checked by re-scanning its result.\n",
	repair_opts,
	"Exit: 0 planned or repaired, 1 refused or rolled back, 2 nothing found,\n"
	"3 usage or I/O error (nothing written; also when the plan cannot be written to\n"
	"stdout), 4 repaired and kept but the report after it could not be written to\n"
	"stdout (stderr says so). 'pmemscan undo' reverts an --in-place repair.\n",
};

static int repair_quiet;	/* --quiet: no progress bar */

static void hash_progress(void *ctx, uint64_t done)
{
	ps_progress_update(ctx, done, 0);
}

/*
 * -o or --in-place: the library writes and re-scans; this says what came
 * of it. Returns the exit code (code: the plan's own, 1 if it refused some).
 */
static int apply_and_report(struct ps_src *src, const char *path,
			    const struct ps_analysis *a, const struct ps_repair_opts *ro,
			    const struct ps_plan *plan, const char *out,
			    const char *undo_path, int no_hash, int code, bool *kept)
{
	/* the whole-image sha256 before an in-place repair reads every byte
	 * (13 s for 20 GiB): a bar on a terminal */
	struct ps_progress pg;
	ps_progress_init(&pg, "hashing the image before the repair", src->size, repair_quiet);
	struct ps_apply_opts ao = {
		.image = path,
		.output = out,
		.undo_file = out ? NULL : undo_path,
		.no_image_hash = no_hash,
		.hash_progress = hash_progress,
		.hash_progress_ctx = &pg,
	};
	struct ps_apply_result r;
	if (out)	/* -o: Ctrl-C removes the partial copy, exit 130 */
		ps_intr_enter();
	int rc = ps_repair_apply(src, a, ro, plan, &ao, &r);
	if (rc && r.step == PS_STEP_HASH)
		ps_progress_end(&pg);
	else
		ps_progress_finish(&pg, src->size);
	if (out)
		ps_intr_leave();
	repair_print_rescan(stdout, out ? out : path, a, &r);
	if (rc) {
		if (r.state == PS_APPLY_ROLLBACK_FAILED && r.step == PS_STEP_RESCAN)
			cli_err("%s: run 'pmemscan undo' with the undo file", r.msg);
		else
			cli_err("%s", r.msg);
		/* 1: written, and the re-scan refused it (rolled back);
		 * 3: it could not be written */
		code = r.step == PS_STEP_RESCAN ? EXIT_PROBLEMS : EXIT_USAGE;
	}
	*kept = !rc;
	if (rc) {
		/* said above */
	} else if (out) {
		printf("wrote %s (%s), %zu patch%s applied\n", out,
		       r.reflinked ? "reflinked copy" : "sparse copy", plan->n,
		       plan->n == 1 ? "" : "es");
	} else {
		printf("repaired %s in place, %zu patch%s applied; undo file %s (image sha256 before: %s)\n"
		       "to restore: pmemscan undo %s %s\n", path, plan->n, plan->n == 1 ? "" : "es",
		       undo_path, r.have_sha256 ? r.sha256_hex : "not recorded (--no-image-hash)",
		       undo_path, path);
	}
	ps_apply_result_free(&r);
	return code;
}

struct repair_args {
	struct cli_view_opts vo;
	struct ps_repair_opts ro;
	const char *out, *undo_path;
	int plan_only, in_place, no_hash, json;
};

static int repair_option(void *ctx, int c, const char *optarg)
{
	struct repair_args *a = ctx;
	int v = cli_view_option(c, optarg, &a->vo);
	if (v < 0)
		return EXIT_USAGE;
	if (v > 0)
		return 0;
	switch (c) {
	case OPT_PLAN: a->plan_only = 1; break;
	case OPT_JSON: a->json = 1; break;
	case 'o': a->out = optarg; break;
	case OPT_IN_PLACE: a->in_place = 1; break;
	case OPT_UNDO_FILE: a->undo_path = optarg; break;
	case OPT_NO_IMAGE_HASH: a->no_hash = 1; break;
	case 'q': repair_quiet = 1; break;
	case OPT_ASSUME_ALIGNED: a->ro.assume_aligned = true; break;
	case OPT_MERGE_MMAP: a->ro.merge_mmap = true; break;
	case OPT_PHYS_BASE:
		if (cli_parse_u64(optarg, &a->ro.phys_base)) {
			cli_err("--phys-base: '%s' is not an address", optarg);
			return EXIT_USAGE;
		}
		a->ro.have_phys_base = true;
		break;
	case OPT_NS_SIZE:
		if (cli_parse_u64(optarg, &a->ro.ns_size) || !a->ro.ns_size ||
		    a->ro.ns_size % 4096) {
			cli_err("--ns-size: '%s' is not a size in whole 4 KiB pages", optarg);
			return EXIT_USAGE;
		}
		break;
	}
	return 0;
}

int cmd_repair(int argc, char **argv)
{
	struct repair_args ra;
	memset(&ra, 0, sizeof(ra));
	cli_view_opts_init(&ra.vo);
	bool kept = false, report_failed = false;
	repair_quiet = 0;
	int orc = cli_opts_parse(&repair_cl, argc, argv, repair_option, &ra);
	if (orc >= 0)
		return orc;
	struct cli_view_opts vo = ra.vo;
	struct ps_repair_opts ro = ra.ro;
	const char *out = ra.out, *undo_path = ra.undo_path;
	int plan_only = ra.plan_only, in_place = ra.in_place, no_hash = ra.no_hash,
	    json = ra.json;
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

	char err[PS_ERR_LINE_MAX];
	struct ps_src *src;
	/* A compressed dump is decoded into a sparse cache (read-only); only
	 * --in-place needs the bytes as stored. */
	struct ps_open_opts oo = vo.open;
	oo.mode = PS_OPEN_RANDOM;
	oo.msg = cli_open_notice;
	oo.hint = cli_open_hint;
	cli_fill_progress_attach(&oo, repair_quiet);
	/* -o copies the image: warn if it changed meanwhile (docs/cli.md "scan";
	 * --in-place changes it itself) */
	struct cli_watch watch;
	cli_watch_start(&watch, out ? path : NULL);
	if (in_place ? ps_src_open_file(path, &src, err, sizeof(err)) :
		       ps_src_open_auto(path, &oo, &src, err, sizeof(err))) {
		cli_err("%s", err);
		return EXIT_USAGE;
	}
	cli_watch_test_pause();
	/* before the analysis: a repair that cannot be written is refused
	 * before the user reads a plan for it */
	char msg[8192];
	if ((out || in_place) && ps_repair_can_apply(src, path, in_place, msg, sizeof(msg))) {
		cli_err("%s", msg);
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
	struct ps_analysis a;
	int rc = ps_analyze(src, &ao, &a);
	int code = EXIT_OK;
	struct ps_plan plan;
	struct ps_analysis after;
	int have_after = 0;
	ps_plan_init(&plan);
	if (rc) {
		cli_err("%s", ps_src_strerror(src, rc));
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
		if (repair_print_plan_json(stdout, path, src->size, &a, have_after ? &after : NULL, &plan))
			code = EXIT_USAGE;
		else
			code = plan.nr ? EXIT_PROBLEMS : EXIT_OK;
		goto done;
	}
	repair_print_plan(stdout, path, &a, have_after ? &after : NULL, &plan);
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
	/* The plan is on standard output before anything is written: if it
	 * cannot be (a full disk, a closed pipe), nothing is written and the
	 * exit is 3, as for any I/O error before a change. */
	if (fflush(stdout) || ferror(stdout)) {
		cli_err("repair: %s: the plan could not be written to standard output (%s); nothing was written",
			path, strerror(errno));
		code = EXIT_USAGE;
		report_failed = true;
		goto done;
	}
	code = apply_and_report(src, path, &a, &ro, &plan, out, undo_path, no_hash, code,
				&kept);
	char changed[512];
	if (cli_watch_changed_for(&watch, "the copy is of what was read while it changed",
				  changed, sizeof(changed)))
		cli_err("warning: %s: %s", path, changed);
done:
	if (have_after)
		ps_analysis_free(&after);
	ps_plan_free(&plan);
	ps_analysis_free(&a);
	/* bytes that could not be read (zeros instead): said, not exit 0 */
	if (cli_report_damage(path, src) && code == EXIT_OK)
		code = EXIT_PROBLEMS;
	ps_src_close(src);
	if (fflush(stdout) || ferror(stdout)) {
		int e = errno;
		if (report_failed)
			return EXIT_USAGE;	/* said above; nothing written */
		if (kept && out) {
			/* the copy is written and proven: it stays, and the exit
			 * says that only the words are missing */
			cli_err("repair: wrote %s, repaired and re-scanned valid; the report could not be written to standard output (%s)",
				out, strerror(e));
			return EXIT_UNREPORTED;
		}
		if (kept) {
			cli_err("repair: repaired %s in place and re-scanned valid; the report could not be written to standard output (%s); to restore: pmemscan undo %s %s",
				path, strerror(e), undo_path, path);
			return EXIT_UNREPORTED;
		}
		cli_err("writing the report failed");
		return EXIT_USAGE;
	}
	return code;
}
