/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --merge-mmap (docs/start_pad.md "Files with two contents: the split check"): before a legacy start_pad block is rewritten to
 * start_pad 0 (which keeps the data at L, base + start_pad + dataoff), the
 * split check (src/split.h) says which files were written through a
 * mapping under DAX: their data sits at F, start_pad lower, and the
 * rewrite would strand it. Without --merge-mmap the rewrite is refused.
 * With it, each such file's F blocks become patches over its own L
 * blocks: the blocks its merged view takes from F (docs/start_pad.md "Files with two contents: the split check": a store on
 * free space, a store over write() data, a store over another file by
 * the victim rule); an ambiguous block keeps L and is named in the plan. The expectation recorded with the plan (every
 * file's read view after the repair) is what the re-scan checks.
 */
#include "repair_priv.h"
#include "split_ns.h"
#include "ext_journal.h"
#include "docdir.h"
#include "err.h"
#include <inttypes.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MERGE_MAX_PATCHES 65536	/* 256 MiB of 4 KiB blocks in one plan */

/* sha256 of a file as sha256sum(1) of its extracted copy: data at its
 * offsets, zeros in between and up to the size */
struct fhash {
	struct sha256_ctx c;
	uint64_t at;
};

static void fh_zeros(struct fhash *h, uint64_t upto)
{
	static const uint8_t z[4096];
	while (h->at < upto) {
		uint64_t n = upto - h->at < sizeof(z) ? upto - h->at : sizeof(z);
		sha256_update(&h->c, (size_t)n, z);
		h->at += n;
	}
}

static int fh_cb(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct fhash *h = ctx;
	if (off < h->at)
		return PS_EFORMAT;
	fh_zeros(h, off);
	sha256_update(&h->c, len, buf);
	h->at += len;
	return PS_OK;
}

/* The blocks of f to copy from F to L, handed to cb(ctx, g, lbuf, fbuf, n). */
struct merge_ctx {
	struct ps_src *src;
	const struct ps_split *s;
	struct ps_plan *plan;
	int ns;
	uint64_t npatch;
	const char *path;
	struct fhash h;		/* the file's read view after the merge */
	/* the recovered view of a dirty ext4 (NULL if none): a block it
	 * serves from the journal is written by the kernel at the next
	 * mount, over whatever the merge puts there */
	struct ps_src *jview;
	uint64_t conflict_g;	/* the first such block (fs byte offset) */
	uint64_t conflict_off;	/* its file offset */
	bool conflict;
	int err;
};

static int merge_file(struct merge_ctx *m, const struct ps_split_file *f, bool do_patch)
{
	const struct ps_split *s = m->s;
	uint64_t bs = s->blocksize;
	uint8_t lb[4096], fb[4096];
	sha256_init(&m->h.c);
	m->h.at = 0;
	size_t bi = 0;		/* the block's index in ext order (its provenance) */
	for (size_t i = 0; i < f->next; i++) {
		const struct ps_fs_extent *e = &f->ext[i];
		for (uint64_t done = 0; done < e->len; done += bs, bi++) {
			uint64_t off = e->logical + done;
			if (off >= f->size)
				break;
			/* the merged view (docs/start_pad.md "Files with two contents: the split check"): the blocks whose
			 * provenance is a store; an ambiguous one stays L */
			bool from_f = ps_split_block_src(f, bi) == PS_SRC_F;
			/* a block in pieces of at most 4 KiB (the patch size) */
			for (uint64_t k = 0; k < bs; k += sizeof(lb)) {
				if (off + k >= f->size)
					break;
				size_t n = bs - k < sizeof(lb) ? (size_t)(bs - k) : sizeof(lb);
				uint64_t g = e->physical + done + k;
				int r = ps_src_pread(m->src, lb, n, s->l_off + g);
				if (!r)
					r = ps_src_pread(m->src, fb, n, s->f_off + g);
				if (r)
					return r;
				const uint8_t *now = lb;
				bool copy = do_patch && from_f && memcmp(lb, fb, n);
				if (copy && ps_ext_journal_serves(m->jview, g / bs)) {
					m->conflict_g = g;
					m->conflict_off = off + k;
					m->conflict = true;
					return PS_EAMBIG;
				}
				if (copy) {
					if (++m->npatch > MERGE_MAX_PATCHES)
						return PS_ERANGE;
					r = ps_plan_add(m->plan, m->ns, "merge-mmap", s->l_off + g, lb, fb,
							(uint32_t)n, "file data", "read view (L)",
							"mmap view (F)",
							&(struct ps_repair_why){
								.kind = PS_RW_PATCH_MERGE, .path = f->path,
								.a = f->ino, .code = f->cls, .b = off + k,
								.c = off + k + n, .off = s->f_off + g });
					if (r)
						return r;
					now = fb;
				}
				uint64_t len = n;
				if (len > f->size - (off + k))
					len = f->size - (off + k);
				r = fh_cb(&m->h, off + k, now, (size_t)len);
				if (r)
					return r;
			}
		}
	}
	fh_zeros(&m->h, f->size);
	return PS_OK;
}

/* the ambiguous blocks of f (ps_split_ambig_runs), listed into list */
struct amb_ctx {
	char list[400];
	size_t len;
	uint64_t runs;
};

static int amb_run(void *ctx, uint64_t lo, uint64_t hi)
{
	struct amb_ctx *a = ctx;
	a->runs++;
	if (a->len < sizeof(a->list) - 64)
		a->len += (size_t)snprintf(a->list + a->len, sizeof(a->list) - a->len, "%s%" PRIu64 "-%" PRIu64,
					   a->len ? ", " : "", lo, hi);
	else if (a->list[a->len - 1] != '.')
		a->len += (size_t)snprintf(a->list + a->len, sizeof(a->list) - a->len, ", ...");
	return PS_OK;
}

/* The plan's words for a merged file: its ambiguous blocks (kept from L)
 * and the files its stores landed on (their current bytes are the stores). */
static int merge_notes(struct ps_plan *plan, int n, const struct ps_split *s,
		       const struct ps_split_file *f)
{
	if (f->ambiguous) {
		struct amb_ctx a = { .len = 0 };
		ps_split_ambig_runs(s, f, amb_run, &a);
		ps_plan_note(plan, &(struct ps_repair_why){ .kind = PS_RW_NOTE_AMBIGUOUS_KEPT, .ns = n,
						 .path = f->path, .a = f->ino, .b = f->ambiguous,
						 .detail = a.list });
	}
	for (size_t v = 0; v < f->nvictims; v++) {
		const struct ps_split_victim *x = &f->victims[v];
		if (x->where != PS_SW_FILE)
			continue;
		ps_plan_note(plan, &(struct ps_repair_why){ .kind = PS_RW_NOTE_VICTIM, .ns = n,
						 .path = f->path, .a = f->ino, .code = f->cls,
						 .b = x->blocks, .path2 = s->files[x->file].path,
						 .off = x->first });
	}
	return PS_OK;
}

int ps_plan_merge_mmap(struct ps_src *src, const struct ps_ns *ns,
		       const struct ps_cand *legacy, const struct ps_repair_opts *o,
		       struct ps_plan *plan)
{
	const int n = ns->index;
	struct ps_split s;
	uint64_t size = ps_split_span(src, legacy);
	int r = ps_split_run_cand(src, ns, legacy, &s);
	if (r == PS_ENOMEM) {
		ps_split_free(&s);
		return r;
	}
	if (r) {
		/* not a filesystem pmemscan walks (or not walkable): the
		 * rewrite goes on as before the check existed, said plainly */
		ps_plan_note(plan, &(struct ps_repair_why){ .kind = PS_RW_NOTE_SPLIT_NOT_RUN, .ns = n,
						 .detail = s.err, .code = r });
		ps_split_free(&s);
		return PS_OK;
	}
	if (s.errors) {
		ps_plan_refuse(plan, n, "merge-mmap", &(struct ps_repair_why){ .kind = PS_RW_SPLIT_UNREAD, .ns = n,
								      .a = s.errors, .detail = s.err });
		ps_split_free(&s);
		return PS_EAMBIG;
	}
	uint64_t mapped = s.count[PS_SPLIT_MMAP] + s.count[PS_SPLIT_MIXED];
	if (!mapped) {
		ps_plan_note(plan, &(struct ps_repair_why){ .kind = PS_RW_NOTE_SPLIT_NONE, .ns = n,
						 .a = s.nfiles });
		ps_split_free(&s);
		return PS_OK;
	}
	const char *ex = "";
	for (size_t i = 0; i < s.nfiles && !*ex; i++)
		if (s.files[i].cls == PS_SPLIT_MMAP || s.files[i].cls == PS_SPLIT_MIXED)
			ex = s.files[i].path;
	if (!o->merge_mmap) {
		ps_plan_refuse(plan, n, "merge-mmap", &(struct ps_repair_why){ .kind = PS_RW_SPLIT_MAPPED, .ns = n,
								      .a = s.count[PS_SPLIT_MMAP],
								      .b = s.count[PS_SPLIT_MIXED], .path = ex });
		ps_split_free(&s);
		return PS_EAMBIG;
	}
	/* a dirty ext4: the split check read its files as the kernel shows
	 * them after recovering the journal; the merge must not write where
	 * that recovery writes, nor rest on a view the kernel will not show */
	struct ps_src *win = NULL, *jview = NULL;
	struct ps_journal js;
	char jerr[PS_ERR_LINE_MAX];
	memset(&js, 0, sizeof(js));
	if (s.fstype != PS_FS_XFS && !ps_src_window(src, legacy->off, size, &win)) {
		r = ps_ext_journal_open(win, true, &js, &jview, jerr, sizeof(jerr));
		if (r == PS_ENOMEM) {
			ps_src_close(win);
			ps_split_free(&s);
			return r;
		}
		if (r)
			memset(&js, 0, sizeof(js));
	}
	if (js.needs_recovery && (!js.replayed || js.mount_fails || js.fast_commit)) {
		ps_plan_refuse(plan, n, "merge-mmap", &(struct ps_repair_why){ .kind = PS_RW_JOURNAL_NO_REPLAY, .ns = n,
								      .code = js.bad == PS_JBAD_EXTERNAL ? 3 : js.bad ? 2 :
									      js.fast_commit ? 1 : 0 });
		ps_src_close(jview);
		ps_src_close(win);
		ps_split_free(&s);
		return PS_EAMBIG;
	}
	struct ps_merge_expect *me = realloc(plan->merge, (plan->nmerge + 1) * sizeof(*me));
	if (!me) {
		ps_src_close(jview);
		ps_src_close(win);
		ps_split_free(&s);
		return PS_ENOMEM;
	}
	plan->merge = me;
	me = &plan->merge[plan->nmerge];
	memset(me, 0, sizeof(*me));
	me->ns = n;
	me->data_off = legacy->off;
	me->data_size = size;
	me->f = calloc(s.nfiles ? s.nfiles : 1, sizeof(*me->f));
	if (!me->f) {
		ps_src_close(jview);
		ps_src_close(win);
		ps_split_free(&s);
		return PS_ENOMEM;
	}
	plan->nmerge++;
	struct merge_ctx m = { .src = src, .s = &s, .plan = plan, .ns = n, .jview = jview };
	uint64_t before = plan->n;
	for (size_t i = 0; i < s.nfiles; i++) {
		const struct ps_split_file *f = &s.files[i];
		bool merge = f->cls == PS_SPLIT_MMAP || f->cls == PS_SPLIT_MIXED;
		struct ps_merge_file *mf = &me->f[me->n];
		if (f->unmapped)
			continue;
		r = merge_file(&m, f, merge);
		if (r == PS_ERANGE || (r == PS_EAMBIG && m.conflict)) {
			ps_plan_withdraw(plan, n);
			if (r == PS_ERANGE)
				ps_plan_refuse(plan, n, "merge-mmap", &(struct ps_repair_why){ .kind = PS_RW_MERGE_TOO_LARGE,
									      .ns = n, .a = MERGE_MAX_PATCHES });
			else
				ps_plan_refuse(plan, n, "merge-mmap", &(struct ps_repair_why){ .kind = PS_RW_MERGE_JOURNAL_BLOCK,
									      .ns = n, .path = f->path, .a = f->ino,
									      .b = m.conflict_off,
									      .off = s.l_off + m.conflict_g,
									      .c = m.conflict_g / s.blocksize,
									      .d = js.seq_start, .e = js.seq_end });
			ps_src_close(jview);
			ps_src_close(win);
			ps_split_free(&s);
			return PS_EAMBIG;
		}
		if (r) {
			ps_src_close(jview);
			ps_src_close(win);
			ps_split_free(&s);
			return r;
		}
		if (merge) {
			r = merge_notes(plan, n, &s, f);
			if (r) {
				ps_split_free(&s);
				return r;
			}
		}
		mf->ino = f->ino;
		mf->merged = merge;
		mf->path = strdup(f->path);
		if (!mf->path) {
			ps_split_free(&s);
			return PS_ENOMEM;
		}
		sha256_digest(&m.h.c, sizeof(mf->sha256), mf->sha256);
		me->n++;
	}
	ps_plan_note(plan, &(struct ps_repair_why){ .kind = PS_RW_NOTE_MERGED, .ns = n,
					 .a = plan->n - before, .b = s.count[PS_SPLIT_MMAP],
					 .c = s.count[PS_SPLIT_MIXED] });
	if (js.replayed)
		ps_plan_note(plan, &(struct ps_repair_why){ .kind = PS_RW_NOTE_JOURNAL_REPLAYED, .ns = n,
						 .a = js.transactions, .b = js.seq_start,
						 .c = js.seq_end });
	ps_src_close(jview);
	ps_src_close(win);
	ps_split_free(&s);
	return PS_OK;
}

int ps_merge_verify(struct ps_src *after, const struct ps_merge_expect *m,
		    char *why, size_t whylen)
{
	struct ps_src *view;
	if (ps_src_window(after, m->data_off, m->data_size, &view)) {
		snprintf(why, whylen, "merge check: the filesystem at 0x%" PRIx64 " is outside the written file",
			 m->data_off);
		return -1;
	}
	/* a dirty ext4: its files as the kernel shows them after recovery,
	 * as the plan saw them */
	struct ps_src *jview = NULL;
	struct ps_journal js;
	char err[PS_ERR_LINE_MAX];
	if (ps_ext_journal_open(view, true, &js, &jview, err, sizeof(err)))
		jview = NULL;
	struct ps_fs *fs;
	if (ps_fs_open(jview ? jview : view, PS_FS_AUTO, &fs, err, sizeof(err))) {
		snprintf(why, whylen, "merge check: %s", err);
		ps_src_close(jview);
		ps_src_close(view);
		return -1;
	}
	int bad = 0;
	for (size_t i = 0; i < m->n && !bad; i++) {
		const struct ps_merge_file *f = &m->f[i];
		struct ps_fs_stat st;
		struct fhash h;
		uint8_t d[32];
		if (ps_fs_stat(fs, f->ino, &st)) {
			snprintf(why, whylen, "merge check: %s (inode %" PRIu64 "): %s", f->path, f->ino,
				 ps_fs_error(fs));
			bad = 1;
			break;
		}
		sha256_init(&h.c);
		h.at = 0;
		int r = ps_fs_read(fs, &st, fh_cb, &h);
		fh_zeros(&h, st.size);
		ps_fs_stat_free(&st);
		sha256_digest(&h.c, sizeof(d), d);
		if (r || memcmp(d, f->sha256, sizeof(d))) {
			snprintf(why, whylen, "merge check: %s (inode %" PRIu64 ") does not read as planned after the repair (%s)",
				 f->path, f->ino, r ? ps_fs_error(fs) :
				 f->merged ? "not its former mmap view" : "its read view changed");
			bad = 1;
		}
	}
	ps_fs_close(fs);
	ps_src_close(jview);
	ps_src_close(view);
	return bad ? -1 : 0;
}
