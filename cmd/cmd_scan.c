/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pmemscan [scan] IMAGE: find every namespace, rebuild its layout, verdict. */
#include "docdir.h"
#include "outfile.h"
#include "bundle.h"
#include "cli.h"
#include "err.h"
#include "digest.h"
#include "imgsrc.h"
#include "imgsrc_open.h"
#include "ns.h"
#include "phys.h"
#include "progress.h"
#include "repair.h"
#include "render.h"
#include "split_cli.h"
#include "ext_journal.h"
#include "xfs_logrec.h"
#include "view.h"
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum hash_mode { HASH_AUTO, HASH_SHA256, HASH_SPARSE, HASH_NONE };

/* auto: sha256 up to this size, the sparse digest (parallel, and cheap on
 * holes) above it */
#define AUTO_SHA256_MAX (4ull << 30)

/* A label area from its own file: a dump (area at 0) or a DIMM file with
 * the area at its end. One-line error and non-zero on failure. */
static int load_lsa(const char *path, struct ps_lsa **out)
{
	char err[512];
	struct ps_src *s;
	*out = NULL;
	if (ps_src_open_file(path, &s, err, sizeof(err))) {
		cli_err("--labels %s", err);
		return -1;
	}
	struct ps_lsa_find_opts fo = { 0 };
	struct ps_lsa_area area;
	if (ps_lsa_find(s, &fo, &area)) {
		cli_err("--labels %s: no namespace label area (no valid NAMESPACE_INDEX at offset 0 or at the end)",
			path);
		ps_src_close(s);
		return -1;
	}
	struct ps_diags d;
	ps_diags_init(&d);
	struct ps_lsa *lsa = calloc(1, sizeof(*lsa));
	int rc = lsa ? ps_lsa_load(s, &area, PS_LSA_READ_MAX, lsa, &d) : PS_ENOMEM;
	if ((rc != PS_OK && rc != PS_EFORMAT) || lsa->current < 0) {
		cli_err("--labels %s: label area at offset %llu has no valid index block%s%s",
			path, (unsigned long long)area.off, d.n ? ": " : "", d.n ? d.v[0].msg : "");
		if (lsa)
			ps_lsa_free(lsa);
		free(lsa);
		rc = -1;
	} else {
		*out = lsa;
		rc = 0;
	}
	ps_diags_free(&d);
	ps_src_close(s);
	return rc;
}

static void scan_progress(void *ctx, uint64_t done, uint64_t total)
{
	(void)total;
	ps_progress_update(ctx, done, 0);
}

/* The HTML report, written as FILE.partial (created exclusively, never
 * through a symlink) and renamed into place: no half page is left behind,
 * and FILE is never one of the files read as input (src/outfile.h).
 * 0, or -1 after one line saying why. */
static int write_html(const char *path, const struct render_input *in,
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

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pmemscan [scan] IMAGE [--json] [--html FILE] [--phys-base ADDR] [--hash MODE] [--threads N] [--journal replay|ignore|backup]\n"
		"  Finds pfn/dax/btt info blocks and label areas, groups them into namespaces,\n"
		"  computes the data start under the legacy and the fixed start_pad semantics,\n"
		"  probes each with libblkid and prints a verdict with the next commands.\n"
		"  -j, --json        machine-readable report (" PS_DOC("json-schema.md") ")\n"
		"  --html FILE       also write the report as one self-contained HTML page: a map\n"
		"                    of the image and of each namespace to scale, verdicts,\n"
		"                    evidence and next commands (loads nothing from the network)\n"
		"  --phys-base ADDR  physical address of the image's first byte (checks section\n"
		"                    and 2 MiB alignment the way the kernel does)\n"
		"  --iomem FILE      a saved /proc/iomem: who shared the namespace's sections;\n"
		"                    without --phys-base, the entry as large as the image places it\n"
		"  --ndctl-json FILE saved 'ndctl list -R -N -v' output with \"resource\" keys (same use)\n"
		"  --labels FILE     a DIMM's label area ('ndctl read-labels -o' dump, or a DIMM\n"
		"                    file with it at the end); repeat once per DIMM of the\n"
		"                    interleave set; IMAGE is then that region's data\n"
		"  --hash MODE       the image's digest in the report: sha256 (as sha256sum\n"
		"                    prints it; one stream, one core), sparse (" PS_DOC("digest.md") ":\n"
		"                    holes cost nothing, hashed on every core), none, or auto\n"
		"                    (default): sha256 up to 4 GiB, sparse above\n"
		"  --threads N       hashing threads (default: 1 for sha256, one per CPU for\n"
		"                    sparse; 0 hashes in the scanning thread)\n"
		CLI_JOURNAL_HELP
		"  -q, --quiet       no progress bar (it is shown on a terminal, on stderr,\n"
		"                    when the scan takes more than a second)\n"
		CLI_CACHE_USAGE);
}

/* The journal of namespace i's filesystem (the data the proven start
 * gives), as extract would read it. */
static struct ps_changes *scan_journal(struct ps_src *src, const struct ps_analysis *a,
					size_t i, bool backup, struct ps_journal *j)
{
	struct ps_src *view = NULL, *rv = NULL;
	struct ps_changes *ch = NULL;
	char err[512];
	memset(j, 0, sizeof(*j));
	if (a->ns[i].ncand == 0 ||
	    ps_ns_data_view(src, a, (int)i, PS_SEM_AUTO, &view, err, sizeof(err)))
		return NULL;
	/* always the recovered view here: the report lists what it changes */
	if (ps_ext_journal_open_mode(view, backup ? PS_JMODE_BACKUP : PS_JMODE_REPLAY, j, &rv,
				     err, sizeof(err)))
		memset(j, 0, sizeof(*j));
	if (j->kind == PS_JOURNAL_NONE &&
	    ps_xfs_journal_open(view, true, j, &rv, err, sizeof(err)))
		memset(j, 0, sizeof(*j));
	enum ps_fs_type ft = j->kind == PS_JOURNAL_XFS ? PS_FS_XFS : PS_FS_EXT;
	if (rv && j->blocks) {
		struct ps_fs *fo = NULL, *fr = NULL;
		if (!ps_fs_open(view, ft, &fo, err, sizeof(err)) &&
		    !ps_fs_open(rv, ft, &fr, err, sizeof(err))) {
			ch = calloc(1, sizeof(*ch));
			if (ch && ps_fs_diff(fo, fr, 200000, ch)) {
				free(ch);
				ch = NULL;
			}
		}
		ps_fs_close(fo);
		ps_fs_close(fr);
	}
	ps_src_close(rv);
	ps_src_close(view);
	return ch;
}

/* A suggested `pmemscan repair --plan` must be one repair carries out:
 * ask the planner, as the suggested command would (that namespace, that
 * reading, no --phys-base), and drop the suggestion where it would
 * refuse or find nothing to change (issue 26 item 9). */
static bool repair_works(struct ps_src *src, const struct ps_analysis *a, int i,
			 enum ps_sem sem, bool merge_mmap)
{
	struct ps_repair_opts ro;
	memset(&ro, 0, sizeof(ro));
	ro.ns = i;
	ro.sem = sem;
	ro.merge_mmap = merge_mmap;
	struct ps_plan plan;
	ps_plan_init(&plan);
	bool works = !ps_repair_plan(src, a, &ro, &plan);
	size_t patches = 0;
	for (size_t p = 0; works && p < plan.n; p++)
		patches += plan.p[p].ns == i;
	for (size_t r = 0; works && r < plan.nr; r++)
		works = plan.r[r].ns != i;
	ps_plan_free(&plan);
	return works && patches;
}

static void drop_refused_repairs(struct ps_src *src, struct ps_analysis *a)
{
	for (size_t i = 0; i < a->nns; i++) {
		struct ps_ns *ns = &a->ns[i];
		for (int k = 0; k < ns->nactions; k++) {
			if (ns->actions[k].kind != PS_ACT_REPAIR_PLAN)
				continue;
			if (repair_works(src, a, (int)i, ns->actions[k].sem, false))
				continue;
			memmove(&ns->actions[k], &ns->actions[k + 1],
				(size_t)(ns->nactions - k - 1) * sizeof(ns->actions[0]));
			ns->nactions--;
			k--;
		}
	}
}

int cmd_scan(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "html", required_argument, NULL, 'W' },
		{ "phys-base", required_argument, NULL, 'p' },
		{ "hash", required_argument, NULL, 'H' },
		{ "threads", required_argument, NULL, 'T' },
		{ "iomem", required_argument, NULL, 'I' },
		{ "ndctl-json", required_argument, NULL, 'N' },
		{ "labels", required_argument, NULL, 'L' },
		{ "quiet", no_argument, NULL, 'q' },
		CLI_CACHE_LONGOPTS,
		CLI_JOURNAL_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int json = 0, quiet = 0, c;
	const char *iomem = NULL, *ndjson = NULL, *html = NULL;
	struct ps_open_opts oo = { .mode = PS_OPEN_RANDOM, .msg = cli_open_notice,
				   .verify = true };
	const char *lfiles[16];
	int nlfiles = 0;
	enum hash_mode hm = HASH_AUTO;
	int threads = -1;	/* --threads, or -1: the default for the kind */
	bool jignore = false;	/* --journal ignore */
	bool jbackup = false;	/* --journal backup */
	struct ps_analysis_opts ao;
	memset(&ao, 0, sizeof(ao));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "jqh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'p':
			if (cli_parse_u64(optarg, &ao.phys_base)) {
				cli_err("--phys-base: '%s' is not an address", optarg);
				return EXIT_USAGE;
			}
			ao.have_phys_base = true;
			break;
		case 'H':
			if (!strcmp(optarg, "auto"))
				hm = HASH_AUTO;
			else if (!strcmp(optarg, "sha256"))
				hm = HASH_SHA256;
			else if (!strcmp(optarg, "sparse"))
				hm = HASH_SPARSE;
			else if (!strcmp(optarg, "none"))
				hm = HASH_NONE;
			else {
				cli_err("--hash: '%s' is not auto, sha256, sparse or none", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'T':
			if (cli_parse_threads(optarg, &threads))
				return EXIT_USAGE;
			break;
		case 'W':
			html = optarg;
			break;
		case 'I':
			iomem = optarg;
			break;
		case 'N':
			ndjson = optarg;
			break;
		case CLI_OPT_CACHE:
		case CLI_OPT_CACHE_DIR:
			cli_cache_option(c, optarg, &oo);
			break;
		case CLI_OPT_JOURNAL:
			if (cli_journal_option(optarg, &jignore, &jbackup))
				return EXIT_USAGE;
			break;
		case 'L':
			if (nlfiles == 16) {
				cli_err("--labels: at most 16 DIMMs");
				return EXIT_USAGE;
			}
			lfiles[nlfiles++] = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return cli_bad_option("scan", argv);
		}
	}
	const char *path = cli_one_image("scan", argc, argv, optind);
	if (!path)
		return EXIT_USAGE;
	/* a bundle from `pmemscan collect`: its images, labels and iomem
	 * are triaged together, with the places the kernel gave them */
	if (bundle_is(path))
		return bundle_triage(path, json);
	char err[512];
	struct ps_src *src;
	struct render_input in;
	memset(&in, 0, sizeof(in));
	in.path = path;
	/* A compressed dump: the evidence is the compressed file (its own
	 * size and sha256 are reported); the scan reads the decoded image
	 * from a sparse cache. */
	char zhex[2 * PS_DIGEST_SIZE + 1];
	struct cli_watch watch;
	cli_watch_start(&watch, path);
	cli_fill_progress_attach(&oo, quiet);
	/* standard input or a pipe: read once into a temporary file (its
	 * bytes' size and sha256 are reported), then scanned from there */
	struct ps_pipe_info pinfo;
	bool piped = ps_path_is_pipe(path);
	if (piped) {
		if (cli_ensure_dir(oo.cache_dir))
			return EXIT_USAGE;
		if (ps_src_open_pipe(path, &oo, &src, &pinfo, err, sizeof(err))) {
			cli_err("%s", err);
			return EXIT_USAGE;
		}
		in.pipe = &pinfo;
		if (pinfo.comp != PS_COMP_NONE) {
			in.compression = ps_compression_name(pinfo.comp);
			in.compressed_size = pinfo.size;
			in.compressed_sha256 = pinfo.sha256;
		}
	}
	if (!piped) {
		struct ps_src *raw;
		uint8_t magic[16];
		if (ps_src_open_file(path, &raw, err, sizeof(err))) {
			cli_err("%s", err);
			return EXIT_USAGE;
		}
		size_t got = 0;
		ps_src_read_upto(raw, magic, sizeof(magic), 0, &got);
		enum ps_compression comp = ps_detect_compression(magic, got);
		if (comp != PS_COMP_NONE) {
			uint8_t dg[PS_DIGEST_SIZE];
			if (ps_digest_src(raw, PS_DIGEST_SHA256,
					  ps_digest_default_threads(PS_DIGEST_SHA256),
					  dg, zhex, NULL)) {
				cli_err("%s", ps_src_error(raw));
				ps_src_close(raw);
				return EXIT_USAGE;
			}
			in.compression = ps_compression_name(comp);
			in.compressed_size = raw->size;
			in.compressed_sha256 = zhex;
		}
		ps_src_close(raw);
	}
	if (!piped && cli_ensure_dir(oo.cache_dir))
		return EXIT_USAGE;
	if (!piped && ps_src_open_auto(path, &oo, &src, err, sizeof(err))) {
		cli_err("%s", err);
		return EXIT_USAGE;
	}
	if (src->size == 0) {
		cli_err("%s: empty file (0 bytes): nothing to scan", path);
		ps_src_close(src);
		return EXIT_USAGE;
	}

	struct ps_lsa *lsas[16] = { 0 };
	for (int i = 0; i < nlfiles; i++) {
		if (load_lsa(lfiles[i], &lsas[i])) {
			for (int j = 0; j < i; j++) {
				ps_lsa_free(lsas[j]);
				free(lsas[j]);
			}
			ps_src_close(src);
			return EXIT_USAGE;
		}
	}
	ao.ext_lsas = (const struct ps_lsa *const *)lsas;
	ao.next_lsas = (size_t)nlfiles;
	in.label_files = lfiles;
	in.nlabel_files = (size_t)nlfiles;

	struct ps_phys_map map = { 0 };
	if (iomem || ndjson) {
		const char *f = iomem ? iomem : ndjson;
		char *text = ps_read_text_file(f, 16 << 20, err, sizeof(err));
		char perr[256];
		int prc = !text ? PS_EIO : iomem ? ps_iomem_parse(text, &map, perr, sizeof(perr)) :
			  ps_ndctl_json_parse(text, &map, perr, sizeof(perr));
		free(text);
		if (prc) {
			if (prc != PS_EIO)
				snprintf(err, sizeof(err), "%s: %s", f, perr);
			cli_err("%s", err);
			ps_src_close(src);
			return EXIT_USAGE;
		}
		if (!ao.have_phys_base) {
			const struct ps_phys_range *hit;
			int mrc = ps_phys_match_size(&map, src->size, &hit);
			if (mrc) {
				cli_err("%s: %s entry is exactly as large as the image (%llu bytes); give --phys-base",
					f, mrc == PS_EAMBIG ? "more than one" : "no",
					(unsigned long long)src->size);
				ps_phys_map_free(&map);
				ps_src_close(src);
				return EXIT_USAGE;
			}
			ao.have_phys_base = true;
			ao.phys_base = hit->start;
			ao.phys_entry = hit;
			in.phys_map_path = f;
		}
		ao.phys_map = &map;
	}

	/* Decide on hashing before the pass, which feeds the digest as it
	 * reads. sha256 is one sequential stream and hashes holes as zeros;
	 * the sparse digest skips holes and hashes its chunks in parallel. */
	struct ps_digest *dg = NULL;
	const char *hash_note = NULL;
	int full = hm == HASH_SHA256 ||
		   (hm == HASH_AUTO && src->size <= AUTO_SHA256_MAX);
	if (hm == HASH_NONE)
		hash_note = "--hash none";
	else if (hm == HASH_SPARSE)
		hash_note = "--hash sparse: sparse_sha256 given instead of sha256";
	else if (!full)
		hash_note = "image larger than 4 GiB: sparse_sha256 given instead (hashed on every core, holes skipped); --hash sha256 for sha256";
	if (hm != HASH_NONE) {
		enum ps_digest_kind kind = full ? PS_DIGEST_SHA256 : PS_DIGEST_SPARSE;
		if (ps_digest_new(kind, &dg)) {
			cli_err("out of memory");
			ps_src_close(src);
			return EXIT_USAGE;
		}
		ps_digest_set_threads(dg, threads >= 0 ? (unsigned)threads :
				      ps_digest_default_threads(kind));
	}
	ao.scan.digest = dg;
	/* a compressed dump, an EWF or split raw set: no loop mount of it */
	struct ps_container_info ci;
	ps_src_container_info(src, &ci);
	in.container = &ci;

	/* a bar on a terminal for a scan that takes more than a second */
	struct ps_progress pg;
	ps_progress_init(&pg, "scan", src->size, quiet);
	ao.scan.on_progress = scan_progress;
	ao.scan.ctx = &pg;
	struct ps_analysis a;
	int rc = ps_analyze(src, &ao, &a);
	if (!rc)
		ps_progress_finish(&pg, src->size);
	else
		ps_progress_end(&pg);
	if (rc) {
		cli_err("%s", ps_src_strerror(src, rc));
		ps_digest_free(dg);
		ps_analysis_free(&a);
		ps_phys_map_free(&map);
		ps_src_close(src);
		return EXIT_USAGE;
	}
	char hex[2 * PS_DIGEST_SIZE + 1];
	if (dg) {
		uint8_t bin[PS_DIGEST_SIZE];
		ps_digest_final(dg, bin, hex);
		ps_digest_free(dg);
		if (full)
			in.sha256 = hex;
		else
			in.sparse_sha256 = hex;
	}
	in.size = src->size;
	if (ps_src_allocated(src, &in.allocated))
		in.allocated = a.scan.bytes_read;
	in.hash_note = hash_note;
	/* the split check of legacy start_pad namespaces (issue 16) */
	struct ps_split **splits = a.nns ? calloc(a.nns, sizeof(*splits)) : NULL;
	if (splits) {
		for (size_t i = 0; i < a.nns; i++)
			splits[i] = ps_split_run_ns(src, &a, i);
		in.splits = splits;
		in.nsplits = a.nns;
	}
	/* the journal of each namespace's filesystem (docs/journal.md) */
	struct ps_journal *journals = a.nns ? calloc(a.nns, sizeof(*journals)) : NULL;
	struct ps_changes **jchanges = a.nns ? calloc(a.nns, sizeof(*jchanges)) : NULL;
	if (journals && jchanges) {
		for (size_t i = 0; i < a.nns; i++) {
			jchanges[i] = scan_journal(src, &a, i, jbackup, &journals[i]);
			/* --journal ignore: the files are the on-disk view */
			if (jignore && journals[i].replayed) {
				journals[i].replayed = false;
				journals[i].ignored = true;
			}
		}
		in.journals = journals;
		in.njournals = a.nns;
		in.jchanges = jchanges;
	}
	in.journal_ignore = jignore;
	drop_refused_repairs(src, &a);
	/* the split check's repair --merge-mmap: suggested where it works */
	bool *split_ok = splits ? calloc(a.nns, sizeof(*split_ok)) : NULL;
	for (size_t i = 0; split_ok && i < a.nns; i++)
		split_ok[i] = splits[i] && ps_split_mapped(splits[i]) &&
			      repair_works(src, &a, (int)i, PS_SEM_AUTO, true);
	if (split_ok)
		in.split_repair_ok = split_ok;
	char changed[512];
	if (cli_watch_changed(&watch, changed, sizeof(changed))) {
		in.changed = changed;
		cli_err("warning: %s: %s", path, changed);
	}
	/* the scan's pass has verified an EWF image against its stored
	 * hashes; if it could not (not read in order to the end), read the
	 * rest now: the report says match or mismatch */
	if (ci.kind == PS_CONT_EWF && ci.verify == PS_VERIFY_PENDING &&
	    ps_src_verify(src))
		cli_err("%s", ps_src_error(src));
	ps_src_container_info(src, &ci);
	/* what could not be read (zeros instead): one line each, and in the
	 * report */
	struct ps_damage *dmg = NULL;
	size_t ndmg = cli_report_damage(path, src);
	if (ndmg && (dmg = calloc(ndmg, sizeof(*dmg)))) {
		for (size_t i = 0; i < ndmg; i++)
			if (ps_src_damage(src, i, &dmg[i]))
				ndmg = i;
		in.damage = dmg;
		in.ndamage = ndmg;
	} else if (ndmg) {
		cli_err("out of memory");
		ps_src_close(src);
		return EXIT_USAGE;
	}
	/* a page that cannot be written: its one line, no report */
	bool html_failed = html && write_html(html, &in, &a);
	int code = EXIT_USAGE;
	if (!html_failed) {
		if (json)
			rc = render_scan_json(stdout, &in, &a);
		else
			rc = render_scan_text(stdout, &in, &a);
		code = render_scan_exit_code(&in, &a);
	}
	for (size_t i = 0; splits && i < a.nns; i++)
		ps_split_destroy(splits[i]);
	free(splits);
	free(split_ok);
	for (size_t i = 0; jchanges && i < a.nns; i++)
		if (jchanges[i]) {
			ps_changes_free(jchanges[i]);
			free(jchanges[i]);
		}
	free(jchanges);
	free(journals);
	ps_analysis_free(&a);
	for (int i = 0; i < nlfiles; i++) {
		ps_lsa_free(lsas[i]);
		free(lsas[i]);
	}
	ps_phys_map_free(&map);
	ps_src_close(src);
	free(dmg);
	if (html_failed)
		return EXIT_USAGE;
	if (fflush(stdout) || rc) {
		cli_err("writing the report failed");
		return EXIT_USAGE;
	}
	return code;
}
