/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The scan of one image, options given: ps_triage, its failures in one
 * line, the warnings, and the report rendered (scan_report.h). Used by
 * `pmemscan scan` and by the bundle triage, which embeds the reports. */
#include "scan_report.h"
#include "cli.h"
#include "err.h"
#include "outfile.h"
#include "progress.h"
#include "render.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The HTML report, written as FILE.partial (created exclusively, never
 * through a symlink) and renamed into place: no half page is left behind,
 * and FILE is never one of the files read as input (src/outfile.h).
 * 0, or -1 after one line saying why. */
static int write_html(const char *path, const struct ps_report *in,
		      const struct ps_analysis *a)
{
	struct ps_outfile o;
	char err[4096 + 512];
	int r = ps_outfile_open(&o, path, PS_OUT_REPLACE, 0644, err, sizeof(err));
	if (r) {
		cli_err("--html %s", err);
		return -1;
	}
	FILE *f = fdopen(o.fd, "w");
	if (!f) {
		cli_err("--html %s: %s", path, strerror(errno));
		ps_outfile_discard(&o);
		return -1;
	}
	int rc = render_scan_html(f, in, a);
	int werr = ferror(f) ? EIO : 0;
	if (fclose(f) && !werr)
		werr = errno;
	o.fd = -1;	/* closed with f */
	if (rc || werr) {
		cli_err("--html %s: %s", path, rc == PS_ENOMEM ? "out of memory" :
			strerror(werr ? werr : EIO));
		ps_outfile_discard(&o);
		return -1;
	}
	if (ps_outfile_commit(&o, err, sizeof(err))) {
		cli_err("--html %s", err);
		return -1;
	}
	return 0;
}

/* The scan's pass as a bar on a terminal for a scan that takes more than
 * a second (ps_triage_opts.progress). */
struct scan_bar {
	struct ps_progress pg;
	int quiet;
};

static void scan_progress(void *ctx, enum ps_triage_progress what, uint64_t done,
			  uint64_t total)
{
	struct scan_bar *b = ctx;
	switch (what) {
	case PS_TRIAGE_START: ps_progress_init(&b->pg, "scan", total, b->quiet); break;
	case PS_TRIAGE_STEP: ps_progress_update(&b->pg, done, 0); break;
	case PS_TRIAGE_DONE: ps_progress_finish(&b->pg, done); break;
	case PS_TRIAGE_FAIL: ps_progress_end(&b->pg); break;
	}
}

/* Where ps_triage stopped, in one line. */
static void triage_fail_line(const struct ps_report *r, enum ps_triage_fail f,
			     const char *path, const char *map_file, bool ndctl)
{
	switch (f) {
	case PS_TRIAGE_OK: break;
	case PS_TRIAGE_EMPTY:
		cli_err("%s: empty file (0 bytes): nothing to scan", path);
		break;
	case PS_TRIAGE_LABELS_OPEN:
		cli_err("--labels %s", r->err);
		break;
	case PS_TRIAGE_LABELS_NONE:
		cli_err("--labels %s: no namespace label area (no valid NAMESPACE_INDEX at offset 0 or at the end)",
			r->label_files[r->fail_index]);
		break;
	case PS_TRIAGE_LABELS_BAD:
		cli_err("--labels %s: label area at offset %llu has no valid index block%s%s",
			r->label_files[r->fail_index], (unsigned long long)r->fail_off,
			r->err[0] ? ": " : "", r->err);
		break;
	case PS_TRIAGE_MAP_PARSE:
		/* ndctl JSON with no range in it: how to save one that has */
		cli_err("%s: %s%s", map_file, r->err, r->rc == PS_ENOTFOUND && ndctl ?
			" (save it with 'ndctl list -R -N -v', or pass --phys-base)" : "");
		break;
	case PS_TRIAGE_MAP_NO_ENTRY:
	case PS_TRIAGE_MAP_AMBIG:
		cli_err("%s: %s entry is exactly as large as the image (%llu bytes); give --phys-base",
			map_file, f == PS_TRIAGE_MAP_AMBIG ? "more than one" : "no",
			(unsigned long long)r->src->size);
		break;
	case PS_TRIAGE_NOMEM:
		cli_err("out of memory");
		break;
	case PS_TRIAGE_OPEN:
	case PS_TRIAGE_MAP_READ:
	case PS_TRIAGE_ANALYZE:
		cli_err("%s", r->err);
		break;
	}
}

/* The scan of path with options o: the report on stdout (json: as JSON;
 * jout: the JSON report there instead), html also written when given.
 * The exit code. */
int scan_run(const char *path, struct ps_triage_opts *o, int quiet, const char *html,
		    bool json, json_object **jout)
{
	const char *name = o->name ? o->name : path;
	struct cli_watch watch;
	cli_watch_start(&watch, path);
	cli_fill_progress_attach(&o->open, quiet);
	if (cli_ensure_dir(o->open.cache_dir))
		return EXIT_USAGE;
	struct scan_bar bar = { .quiet = quiet };
	o->progress = scan_progress;
	o->progress_ctx = &bar;
	struct ps_report in;
	enum ps_triage_fail tf = ps_triage(path, o, &in);
	if (tf) {
		triage_fail_line(&in, tf, name, o->map_name ? o->map_name : o->map_file, o->map_is_ndctl);
		ps_report_free(&in);
		return EXIT_USAGE;
	}
	in.hash_note = render_hash_note(in.hash_why);
	char changed[512];
	if (cli_watch_changed(&watch, changed, sizeof(changed))) {
		in.changed = changed;
		cli_err("warning: %s: %s", name, changed);
	}
	int vrc;
	int rc = ps_triage_verify(&in, &vrc);
	if (vrc)
		cli_err("%s", ps_src_error(in.src));
	/* what could not be read (zeros instead): one line each, and in the
	 * report */
	cli_report_damage(name, in.src);
	if (rc) {
		cli_err("out of memory");
		ps_report_free(&in);
		return EXIT_USAGE;
	}
	/* a page that cannot be written: its one line, no report */
	if (html && write_html(html, &in, &in.a)) {
		ps_report_free(&in);
		return EXIT_USAGE;
	}
	int code = render_scan_exit_code(&in, &in.a);
	if (jout) {
		/* the JSON report as an object, for a report embedding it */
		struct render_str b;
		FILE *f = render_str_open(&b);
		rc = f ? render_scan_json(f, &in, &in.a) : PS_ENOMEM;
		char *s = render_str_close(&b);
		*jout = !rc && s ? json_tokener_parse(s) : NULL;
		free(s);
		ps_report_free(&in);
		return *jout ? code : EXIT_USAGE;
	}
	rc = json ? render_scan_json(stdout, &in, &in.a) : render_scan_text(stdout, &in, &in.a);
	ps_report_free(&in);
	if (fflush(stdout) || rc) {
		cli_err("writing the report failed");
		return EXIT_USAGE;
	}
	return code;
}

int scan_embedded(const char *path, const char *name, const char *phys_base,
		  const char *iomem, const char *iomem_name, bool json, json_object **jout)
{
	struct ps_triage_opts to = {
		.open = { .mode = PS_OPEN_RANDOM, .msg = cli_open_notice,
				  .hint = cli_open_hint, .verify = true },
		.hash = PS_HASH_AUTO,
		.threads = -1,
		.name = name,
		.map_file = iomem,
		.map_name = iomem_name,
	};
	if (phys_base) {
		if (cli_parse_u64(phys_base, &to.phys_base)) {
			cli_err("--phys-base: '%s' is not an address", phys_base);
			return EXIT_USAGE;
		}
		to.have_phys_base = true;
	}
	return scan_run(path, &to, 1, NULL, json, jout);
}
