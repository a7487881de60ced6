/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What extract, ls, carve and cat IMAGE PATH share (fs_cli.c defines
 * it): their options, the filesystem opened through the view, the view of
 * a split file, and the one-line messages about checksums and the XFS log.
 */
#ifndef PMEMSCAN_FS_CLI_H
#define PMEMSCAN_FS_CLI_H

#include "docdir.h"
#include "fs.h"
#include "journal.h"
#include "split.h"
#include "split_ns.h"
#include "opts.h"
#include "view.h"
#include <stdint.h>

/* --view (docs/start_pad.md "Files with two contents: the split check"): which content of a file split by a legacy start_pad
 * namespace under DAX; VIEW_DEFAULT: auto when the split check finds
 * mmap-written files, else read. */
enum view_mode { VIEW_DEFAULT = 0, VIEW_READ, VIEW_MMAP, VIEW_AUTO, VIEW_MERGED };

struct args {
	struct cli_view_opts vo;
	enum view_mode view;
	enum ps_fs_type fstype;
	const char *path, *out, *image, *operand;
	int json, force, quiet, raw_names;
};

/* the option ids of their own (the shared ones are CLI_OPT_*) */
enum { OPT_FSTYPE = CLI_OPT_CMD, OPT_PATH, OPT_JSON, OPT_FORCE, OPT_VIEW, OPT_RAWNAMES };

/* option table entries (opts.h) that extract, ls and carve share: which
 * namespace's data (FS_OPTS_NSDATA), which content of a split file
 * (FS_OPTS_VIEWMODE), which filesystem (FS_OPTS_FSTYPE) */
#define FS_OPTS_NSDATA \
	{ "namespace", 0, "N", CLI_OPT_NAMESPACE, CLI_COMP_VALUE, NULL, \
	  "  --namespace N     the namespace numbered N in 'pmemscan IMAGE' (default: the\n" \
	  "                    only one found)\n" }, \
	{ "semantics", 0, "S", CLI_OPT_SEMANTICS, CLI_COMP_ENUM, "legacy fixed auto", \
	  "  --semantics S     where a pfn/dax namespace's data starts: legacy (base +\n" \
	  "                    start_pad + dataoff), fixed (base + dataoff), or auto\n" \
	  "                    (default: the one the scan proves)\n" }, \
	{ "offset", 0, "N", CLI_OPT_OFFSET, CLI_COMP_VALUE, NULL, \
	  "  --offset N        no scan: the data starts N bytes into IMAGE (read as is,\n" \
	  "                    no BTT translation); not with --namespace or --semantics\n" }, \
	{ "size", 0, "M", CLI_OPT_SIZE, CLI_COMP_VALUE, NULL, \
	  "  --size M          with --offset: the data is M bytes long (default: to the end)\n" }
#define FS_OPTS_VIEWMODE \
	{ "view", 0, "V", OPT_VIEW, CLI_COMP_ENUM, "read mmap merged auto", \
	  "  --view V          read, mmap, merged or auto: on a legacy start_pad namespace\n" \
	  "                    mounted with -o dax a file can have two contents\n" \
	  "                    (" PS_DOC("start_pad.md") "): read = what read() returned,\n" \
	  "                    mmap = what a mapping showed, merged = each block from\n" \
	  "                    where its provenance says (the file as its writer last\n" \
	  "                    saw it), auto = merged for mmap-written and mixed files\n" \
	  "                    (a mixed file's read view too, as NAME.read-view), read\n" \
	  "                    for others\n" \
	  "                    (default: auto where mmap-written files are found, else read)\n" }
#define FS_OPTS_FSTYPE \
	{ "fs-type", 0, "T", OPT_FSTYPE, CLI_COMP_ENUM, "ext xfs auto", \
	  "  --fs-type T       ext, xfs, or auto (default: whichever the data holds)\n" }

struct xview {
	enum view_mode mode;	/* READ, MMAP or AUTO once chosen */
	const char *why;	/* why this view */
	struct ps_split_source src;	/* the split-aware data source */
	struct ps_split *split;	/* src.split: the check, when it ran */
	/* the files not given in the read view alone, for the summary, and
	 * where a mixed file's read view went (NAME.read-view, or
	 * NAME.read-view~N where the image has that name) */
	char **paths, **mpaths;
	unsigned *views;
	uint64_t *amb;		/* their blocks of ambiguous provenance */
	size_t n;
	uint64_t nread;		/* files given in the read view only */
};
/* PS_CSUM_* bit i as a JSON name */
extern const char *const csum_json[PS_CSUM_KINDS];

int parse(int argc, char **argv, struct args *a, const struct cli_cmdline *cl,
		 int want_operand);
void csum_line(const char *cmd, const char *path, const struct ps_fs_stat *st);
uint64_t fs_csum_report(const char *cmd, const char *image, struct ps_fs *fs);
void xlog_line(const char *cmd, const struct ps_fs *fs);
void journal_warn(const struct ps_journal *j);
int open_fs(const struct args *a, struct cli_view *v, struct ps_fs **fs);
int xview_setup(const struct args *a, struct cli_view *v, struct xview *x);
void xview_free(struct xview *x);
unsigned xview_of(const struct xview *x, const struct ps_fs_stat *st,
		 const struct ps_split_file **f);
int xv_read(void *ctx, struct ps_fs *fs, const struct ps_fs_stat *st,
		   unsigned v, ps_fs_data_cb cb, void *cbctx);
const char *view_name(unsigned views);
const char *mode_name(enum view_mode m);
int cat_file(const char *cmd, const struct args *a, const char *fspath, const char *out);

#endif
