/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The split check of a legacy start_pad namespace under DAX (split.h). */
#include "split.h"
#include "line.h"
#include "ext_journal.h"
#include "xfs_logrec.h"
#include "err.h"
#include "extract.h"
#include "walk.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPLIT_CHUNK ((uint64_t)1 << 20)
#define SPLIT_MAX_DEPTH 256

const char *ps_split_class_name(enum ps_split_class c)
{
	switch (c) {
	case PS_SPLIT_WRITE: return "write";
	case PS_SPLIT_MMAP: return "mmap";
	case PS_SPLIT_MIXED: return "mixed";
	case PS_SPLIT_UNKNOWN: return "unknown";
	}
	return "?";
}

const char *ps_split_where_name(enum ps_split_where w)
{
	switch (w) {
	case PS_SW_PAD: return "start_pad";
	case PS_SW_MEMMAP: return "memmap";
	case PS_SW_FREE: return "free";
	case PS_SW_FILE: return "file";
	case PS_SW_FILE_UNWRITTEN: return "file-unwritten";
	case PS_SW_METADATA: return "metadata";
	case PS_SW_NOT_FILE: return "not-a-file";
	}
	return "?";
}

/* ---- the owner map: every regular file's extents by physical offset ---- */

struct owner {
	uint64_t phys, len;
	size_t file;
	int unwritten;
};

struct walk {
	struct ps_fs *fs;
	struct ps_split *s;
	struct owner *own;
	size_t nown, owncap;
	size_t cur;		/* file being mapped */
};

static void note_err(struct ps_split *s, const char *msg)
{
	s->errors++;
	if (!s->err)
		ps_line_set(&s->err, "%s", msg);
}

static int add_ext(void *ctx, const struct ps_fs_extent *e)
{
	struct walk *w = ctx;
	struct ps_split_file *f = &w->s->files[w->cur];
	uint64_t bs = w->s->blocksize;
	if (!e->len || e->logical >= f->size)
		return PS_OK;
	uint64_t len = e->len;
	uint64_t room = (f->size - e->logical + bs - 1) / bs * bs;
	if (len > room)
		len = room;
	if (w->nown == w->owncap) {
		size_t cap = w->owncap ? w->owncap * 2 : 256;
		struct owner *o = realloc(w->own, cap * sizeof(*o));
		if (!o)
			return PS_ENOMEM;
		w->own = o;
		w->owncap = cap;
	}
	w->own[w->nown++] = (struct owner){ e->physical, len, w->cur, e->unwritten };
	if (e->unwritten) {
		f->unwritten += len / bs;
		return PS_OK;
	}
	f->blocks += (len + bs - 1) / bs;
	if (f->next % 16 == 0) {
		struct ps_fs_extent *x = realloc(f->ext, (f->next + 16) * sizeof(*x));
		if (!x)
			return PS_ENOMEM;
		f->ext = x;
	}
	f->ext[f->next] = *e;
	f->ext[f->next++].len = len;
	return PS_OK;
}

static int add_file(struct walk *w, uint64_t ino, const char *path,
		    const struct ps_fs_stat *st)
{
	struct ps_split *s = w->s;
	if (s->nfiles % 64 == 0) {
		struct ps_split_file *v = realloc(s->files, (s->nfiles + 64) * sizeof(*v));
		if (!v)
			return PS_ENOMEM;
		s->files = v;
	}
	struct ps_split_file *f = &s->files[s->nfiles];
	memset(f, 0, sizeof(*f));
	f->path = strdup(path);
	if (!f->path)
		return PS_ENOMEM;
	f->ino = ino;
	f->size = st->size;
	f->cls = PS_SPLIT_UNKNOWN;
	w->cur = s->nfiles++;
	int r = ps_fs_bmap(w->fs, st, add_ext, w);
	if (r == PS_ENOMEM)
		return r;
	if (r) {
		f->unmapped = true;
		note_err(s, ps_fs_error(w->fs));
	}
	return PS_OK;
}

/* The walk (walk.h): every regular file's extents; a directory that is
 * its own ancestor or deeper than SPLIT_MAX_DEPTH is not entered. */
static int split_dir(void *ctx, uint64_t dir, const struct ps_fs_dirlist *l,
		     void **dirp)
{
	struct walk *w = ctx;
	(void)dir;
	(void)l;
	(void)dirp;
	w->s->dirs++;
	return PS_OK;
}

static int split_entry(void *ctx, struct ps_walk *wk, const struct ps_walk_entry *e)
{
	struct walk *w = ctx;
	if (!e->st) {
		note_err(w->s, ps_fs_error(w->fs));
		return PS_OK;
	}
	unsigned type = e->st->mode & 0170000;
	if (type == 0100000)
		return add_file(w, e->ino, e->path, e->st);
	if (type == 0040000)
		return ps_walk_enter(wk, e);
	return PS_OK;
}

static int split_error(void *ctx, const struct ps_walk_error *err)
{
	struct walk *w = ctx;
	if (err->kind == PS_WALK_READ) {
		if (err->code == PS_ENOMEM)
			return err->code;
		note_err(w->s, ps_fs_error(w->fs));
	} else {
		note_err(w->s, "directory loop or too deep: not entered");
	}
	return PS_OK;
}

static const struct ps_walk_ops split_walk = {
	.dir_enter = split_dir, .entry = split_entry, .error = split_error,
};

static int owner_cmp(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;
	return x->phys < y->phys ? -1 : x->phys > y->phys;
}

/* The extent holding device offset g, or NULL. */
static const struct owner *owner_of(const struct walk *w, uint64_t g)
{
	size_t lo = 0, hi = w->nown;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (w->own[mid].phys <= g)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct owner *o = &w->own[lo - 1];
	return g < o->phys + o->len ? o : NULL;
}

/* ---- the classification ---- */

static int all_zero(const uint8_t *b, size_t n)
{
	return n == 0 || (b[0] == 0 && !memcmp(b, b + 1, n - 1));
}

static const char *const pmdk_sigs[] = { "PMEMOBJ", "PMEMBLK", "PMEMLOG" };

static const char *pmdk_sig(const uint8_t *b, size_t n)
{
	if (n < 8 || b[7] != 0)
		return NULL;
	for (size_t i = 0; i < sizeof(pmdk_sigs) / sizeof(pmdk_sigs[0]); i++)
		if (!memcmp(b, pmdk_sigs[i], 8))
			return pmdk_sigs[i];
	return NULL;
}

/* What sits at the F position of the file block at device offset g. */
static enum ps_split_where where_of(struct walk *w, uint64_t g, size_t *file)
{
	const struct ps_split *s = w->s;
	if (s->dataoff + g < s->start_pad)
		return PS_SW_PAD;
	if (g < s->start_pad)
		return PS_SW_MEMMAP;
	uint64_t h = g - s->start_pad;
	const struct owner *o = owner_of(w, h);
	if (o) {
		*file = o->file;
		return o->unwritten ? PS_SW_FILE_UNWRITTEN : PS_SW_FILE;
	}
	if (!s->have_bitmap)
		return PS_SW_NOT_FILE;
	int a = ps_fs_block_allocated(w->fs, h);
	if (a == 0)
		return PS_SW_FREE;
	return a == 1 ? PS_SW_METADATA : PS_SW_NOT_FILE;
}

/* Count one block whose F lands on (where, file) in a victim list. */
static int add_victim(struct ps_split_victim **v, size_t *n, enum ps_split_where where,
		      size_t file, uint64_t at)
{
	int is_file = where == PS_SW_FILE || where == PS_SW_FILE_UNWRITTEN;
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].where == where && (!is_file || (*v)[i].file == file)) {
			(*v)[i].blocks++;
			return PS_OK;
		}
	struct ps_split_victim *x = realloc(*v, (*n + 1) * sizeof(*x));
	if (!x)
		return PS_ENOMEM;
	*v = x;
	x[(*n)++] = (struct ps_split_victim){ where, is_file ? file : 0, 1, at };
	return PS_OK;
}

/* The category of one block from what its two positions hold. */
static enum ps_split_prov prov_of(int lz, int fz, enum ps_split_where wh)
{
	/* F holds nobody else's data: non-zero bytes there were stored
	 * through a mapping */
	int f_own = wh == PS_SW_FREE || wh == PS_SW_FILE_UNWRITTEN || wh == PS_SW_NOT_FILE;
	if (fz || wh == PS_SW_PAD)	/* no store lands in the start_pad area */
		return lz ? PS_PV_ZERO : PS_PV_WRITE;
	if (f_own)
		return lz ? PS_PV_STORE : PS_PV_BOTH;
	return lz ? PS_PV_OVER : PS_PV_WRITE_FOTHER;
}

/* Block i's source given its category and the file's class. */
static enum ps_split_src src_of(enum ps_split_prov p, enum ps_split_class c)
{
	switch (p) {
	case PS_PV_STORE:
	case PS_PV_BOTH:
		return PS_SRC_F;
	case PS_PV_OVER:
		/* the victim rule: in a file written through a mapping, a
		 * block zero at L with data at F is a store, whoever owns F */
		return c == PS_SPLIT_MMAP || c == PS_SPLIT_MIXED ? PS_SRC_F : PS_SRC_AMBIG;
	case PS_PV_WRITE_FOTHER:
		return c == PS_SPLIT_MIXED ? PS_SRC_AMBIG : PS_SRC_L;
	default:
		return PS_SRC_L;
	}
}

enum ps_split_src ps_split_block_src(const struct ps_split_file *f, size_t i)
{
	if (!f->prov || i >= f->blocks)
		return PS_SRC_L;
	return src_of((enum ps_split_prov)f->prov[i], f->cls);
}

const char *ps_split_prov_name(enum ps_split_prov p)
{
	switch (p) {
	case PS_PV_ZERO: return "both-zero";
	case PS_PV_WRITE: return "write";
	case PS_PV_WRITE_FOTHER: return "write-f-other";
	case PS_PV_STORE: return "store";
	case PS_PV_BOTH: return "both-written";
	case PS_PV_OVER: return "victim-rule";
	}
	return "?";
}

int ps_split_each_block(const struct ps_split *s, const struct ps_split_file *f,
			int (*cb)(void *ctx, uint64_t logical, uint64_t g,
				  enum ps_split_prov p, enum ps_split_src src),
			void *ctx)
{
	uint64_t bs = s->blocksize;
	size_t bi = 0;
	for (size_t i = 0; i < f->next; i++) {
		const struct ps_fs_extent *e = &f->ext[i];
		for (uint64_t k = 0; k < e->len; k += bs, bi++) {
			enum ps_split_prov p = f->prov && bi < f->blocks ?
					       (enum ps_split_prov)f->prov[bi] : PS_PV_WRITE;
			int r = cb(ctx, e->logical + k, e->physical + k, p, src_of(p, f->cls));
			if (r)
				return r;
		}
	}
	return PS_OK;
}

/* Per-block flags of classify()'s first pass. */
enum { BF_LZ = 1, BF_FZ = 2, BF_DONE = 4, BF_OWN = 8 };

/* f's written extents by physical offset, each with the index of its
 * first block (classify's block order), for block_at(). */
struct pext {
	uint64_t phys, len, bi;
};

static int pext_cmp(const void *a, const void *b)
{
	const struct pext *x = a, *y = b;
	return x->phys < y->phys ? -1 : x->phys > y->phys;
}

static struct pext *pext_of(const struct ps_split_file *f, uint64_t bs)
{
	struct pext *v = f->next ? calloc(f->next, sizeof(*v)) : NULL;
	if (!v)
		return NULL;
	uint64_t bi = 0;
	for (size_t i = 0; i < f->next; i++) {
		v[i] = (struct pext){ f->ext[i].physical, f->ext[i].len, bi };
		bi += (f->ext[i].len + bs - 1) / bs;
	}
	qsort(v, f->next, sizeof(*v), pext_cmp);
	return v;
}

/* The index of f's written block at device offset g, or UINT64_MAX. */
static uint64_t block_at(const struct pext *v, size_t n, uint64_t g, uint64_t bs)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].phys <= g)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return UINT64_MAX;
	const struct pext *e = &v[lo - 1];
	if (g - e->phys >= e->len || (g - e->phys) % bs)
		return UINT64_MAX;
	return e->bi + (g - e->phys) / bs;
}

/* The block start_pad above block cur (device offset g) in f, or UINT64_MAX. */
static uint64_t up_one(const struct ps_split_file *f, const struct pext *v, uint64_t g,
		       uint64_t P, uint64_t bs)
{
	if (!P || g > UINT64_MAX - P)
		return UINT64_MAX;
	uint64_t k = block_at(v, f->next, g + P, bs);
	return k < f->blocks ? k : UINT64_MAX;
}

/* Does L of block bi (at device offset g) hold no write() data of its own:
 * zero, or the bytes its own file stored through a mapping into block k,
 * start_pad higher, whose F is this L (a file longer than start_pad
 * written through a mapping lands its stores on its own blocks)? That k
 * must itself show nothing written at L, and so on up the chain; the
 * answer is kept in fl (BF_DONE, BF_OWN), so each block is walked once. */
static int l_no_write(const struct ps_split_file *f, const struct pext *v, uint8_t *fl,
		      uint64_t bi, uint64_t g, uint64_t P, uint64_t bs)
{
	uint64_t cur = bi, gc = g;
	int val = 0;
	for (uint64_t steps = 0; steps <= f->blocks; steps++) {
		if (fl[cur] & BF_DONE) {
			val = !!(fl[cur] & BF_OWN);
			break;
		}
		if (fl[cur] & BF_LZ) {
			val = 1;
			break;
		}
		uint64_t k = up_one(f, v, gc, P, bs);
		if (k == UINT64_MAX)
			break;
		cur = k;
		gc += P;
	}
	/* the same answer for every block of the walked chain */
	for (uint64_t steps = 0, c = bi, gg = g; steps <= f->blocks; steps++) {
		if (fl[c] & BF_DONE)
			break;
		fl[c] |= BF_DONE | (val ? BF_OWN : 0);
		if (fl[c] & BF_LZ)
			break;
		uint64_t k = up_one(f, v, gg, P, bs);
		if (k == UINT64_MAX)
			break;
		c = k;
		gg += P;
	}
	return val;
}

static int classify(struct walk *w, struct ps_split_file *f, struct ps_src *image,
		    uint8_t *lb, uint8_t *fb)
{
	struct ps_split *s = w->s;
	uint64_t bs = s->blocksize;
	int r = PS_OK;
	/* one byte per block: never more blocks than the image holds (a
	 * block map read from the image is not trusted) */
	if (f->blocks > image->size / bs) {
		note_err(s, "a file's block map claims more blocks than the image holds");
		return PS_OK;
	}
	uint8_t *prov = f->blocks ? calloc((size_t)f->blocks, 1) : NULL;
	uint8_t *fl = f->blocks ? calloc((size_t)f->blocks, 1) : NULL;
	if (f->blocks && (!prov || !fl)) {
		free(prov);
		free(fl);
		return PS_ENOMEM;
	}
	const char *sig_f = NULL, *sig_l = NULL;
	struct pext *pv = NULL;
	size_t bi = 0;
	/* one read of each written block at L and at F */
	for (size_t i = 0; i < f->next; i++) {
		const struct ps_fs_extent *e = &f->ext[i];
		for (uint64_t done = 0; done < e->len;) {
			uint64_t n = e->len - done < SPLIT_CHUNK ? e->len - done : SPLIT_CHUNK;
			uint64_t g = e->physical + done;
			if (s->l_off + g + n > image->size || n > image->size) {
				note_err(s, "a file block lies beyond the image");
				goto out;
			}
			r = ps_src_pread(image, lb, (size_t)n, s->l_off + g);
			if (!r)
				r = ps_src_pread(image, fb, (size_t)n, s->f_off + g);
			if (r) {
				note_err(s, ps_src_error(image));
				r = PS_OK;
				goto out;
			}
			s->bytes_read += 2 * n;
			for (uint64_t k = 0; k < n; k += bs, bi++) {
				size_t m = (size_t)(n - k < bs ? n - k : bs);
				if (bi < f->blocks)
					fl[bi] = (uint8_t)((all_zero(lb + k, m) ? BF_LZ : 0) |
							   (all_zero(fb + k, m) ? BF_FZ : 0));
				if (e->logical + done + k == 0) {
					sig_f = pmdk_sig(fb, m);
					sig_l = pmdk_sig(lb, m);
				}
			}
			done += n;
		}
	}
	/* the categories, once every block's two positions are known (L
	 * may hold the file's own stores: l_no_write) */
	pv = pext_of(f, bs);
	if (f->next && !pv) {
		r = PS_ENOMEM;
		goto out;
	}
	/* ... but only in a file with evidence of its own that it was
	 * written through a mapping: a store where nobody else's data is,
	 * or a pool header at F of block 0 that L does not hold (a write()
	 * file whose tail is zeros looks the same at L and F otherwise) */
	int own = sig_f && sig_f != sig_l;
	bi = 0;
	for (size_t i = 0; i < f->next && !own; i++) {
		const struct ps_fs_extent *e = &f->ext[i];
		for (uint64_t k = 0; k < e->len && bi < f->blocks && !own; k += bs, bi++) {
			size_t file = 0;
			enum ps_split_prov p = prov_of(fl[bi] & BF_LZ, fl[bi] & BF_FZ,
						       where_of(w, e->physical + k, &file));
			own = p == PS_PV_STORE || p == PS_PV_BOTH;
		}
	}
	bi = 0;
	for (size_t i = 0; i < f->next; i++) {
		const struct ps_fs_extent *e = &f->ext[i];
		for (uint64_t k = 0; k < e->len && bi < f->blocks; k += bs, bi++) {
			int fz = !!(fl[bi] & BF_FZ);
			int lz = own ? l_no_write(f, pv, fl, bi, e->physical + k, s->start_pad, bs) :
				       !!(fl[bi] & BF_LZ);
			size_t file = 0;
			enum ps_split_where wh = where_of(w, e->physical + k, &file);
			enum ps_split_prov p = prov_of(lz, fz, wh);
			/* L holds the file's own stores, F nothing: the
			 * mapping's view of this block is F's zeros */
			if (lz && fz && !(fl[bi] & BF_LZ))
				p = PS_PV_OVER;
			prov[bi] = (uint8_t)p;
			/* a pool header at F of block 0 is evidence only
			 * where F holds nobody else's data */
			if (e->logical + k == 0 && (p == PS_PV_STORE || p == PS_PV_BOTH)) {
				if (sig_f)
					snprintf(f->header, sizeof(f->header), "%s", sig_f);
				if (sig_f && sig_l == sig_f)
					f->header_at_l = true;
			}
			switch (p) {
			case PS_PV_ZERO: f->zero_blocks++; break;
			case PS_PV_WRITE: f->w_blocks++; break;
			case PS_PV_WRITE_FOTHER: f->w_blocks++; f->lfo_blocks++; break;
			case PS_PV_OVER: f->over_blocks++; break;
			case PS_PV_STORE:
			case PS_PV_BOTH:
				if (p == PS_PV_STORE)
					f->m_blocks++;
				else
					f->both_blocks++;
				f->f_free_nonzero += wh == PS_SW_FREE;
				f->f_unwritten_nonzero += wh == PS_SW_FILE_UNWRITTEN;
				break;
			}
		}
	}
	/* stores proven where nobody else's data is, or a pool header at F */
	uint64_t m = f->m_blocks + f->both_blocks;
	if (f->header[0] && !f->header_at_l)
		m++;
	if ((m || f->over_blocks) && !f->w_blocks && !f->both_blocks)
		f->cls = PS_SPLIT_MMAP;	/* every L block zero: the victim rule */
	else if (m)
		f->cls = PS_SPLIT_MIXED;
	else if (f->w_blocks)
		f->cls = PS_SPLIT_WRITE;
	else
		f->cls = PS_SPLIT_UNKNOWN;
	if (f->cls != PS_SPLIT_MMAP && f->cls != PS_SPLIT_MIXED) {
		f->ambiguous = f->over_blocks;
		s->ambiguous += f->ambiguous;
		goto out;
	}
	f->prov = prov;
	prov = NULL;
	/* the victims: where the blocks taken from F (the stores) landed */
	bi = 0;
	for (size_t i = 0; i < f->next && !r; i++) {
		const struct ps_fs_extent *e = &f->ext[i];
		for (uint64_t k = 0; k < e->len && bi < f->blocks && !r; k += bs, bi++) {
			enum ps_split_src src = src_of((enum ps_split_prov)f->prov[bi], f->cls);
			if (src == PS_SRC_AMBIG) {
				f->ambiguous++;
				continue;
			}
			if (src != PS_SRC_F)
				continue;
			f->from_f++;
			if (fl[bi] & BF_FZ)
				continue;	/* F zero: no store landed anywhere */
			size_t file = 0;
			enum ps_split_where wh = where_of(w, e->physical + k, &file);
			r = add_victim(&f->victims, &f->nvictims, wh, file, s->f_off + e->physical + k);
		}
	}
	s->ambiguous += f->ambiguous;
	for (size_t i = 0; i < f->nvictims; i++)
		s->victim_blocks[f->victims[i].where] += f->victims[i].blocks;
out:
	free(prov);
	free(fl);
	free(pv);
	return r;
}

/* out's error line, whole: the one that ends the check. */
static void split_err(struct ps_split *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void split_err(struct ps_split *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ps_line_vset(&out->err, fmt, ap);
	va_end(ap);
}

int ps_split_check(struct ps_src *image, uint64_t base, uint64_t P, uint64_t D,
		   uint64_t l_off, uint64_t l_size, enum ps_fs_type type,
		   struct ps_split *out)
{
	memset(out, 0, sizeof(*out));
	out->base = base;
	out->start_pad = P;
	out->dataoff = D;
	out->l_off = l_off;
	out->f_off = base + D;
	if (!P || l_off != base + P + D || base + D < base) {
		split_err(out,
			 "split check: start_pad %llu and data start %llu do not describe a legacy start_pad namespace",
			 (unsigned long long)P, (unsigned long long)l_off);
		return PS_EINVAL;
	}
	struct ps_src *view = NULL;
	int r = ps_src_window(image, l_off, l_size, &view);
	if (r) {
		split_err(out, "%s: the legacy data [%llu, +%llu) is outside the image",
			 image->name, (unsigned long long)l_off, (unsigned long long)l_size);
		return r;
	}
	/* an ext4 whose journal needs recovery: its files as the kernel
	 * shows them after recovery (docs/journal.md) */
	struct ps_src *rview = NULL;
	struct ps_journal js;
	char jerr[PS_ERR_LINE_MAX];
	if (type != PS_FS_XFS &&
	    ps_ext_journal_open(view, true, &js, &rview, jerr, sizeof(jerr)))
		rview = NULL;
	/* an XFS whose log needs recovery: the same, its log replayed */
	if (!rview && type != PS_FS_EXT &&
	    ps_xfs_journal_open(view, true, &js, &rview, jerr, sizeof(jerr)))
		rview = NULL;
	struct ps_fs *fs = NULL;
	char ferr[PS_ERR_LINE_MAX];
	r = ps_fs_open(rview ? rview : view, type, &fs, ferr, sizeof(ferr));
	if (r) {
		split_err(out, "%s", ferr);
		ps_src_close(rview);
		ps_src_close(view);
		return r;
	}
	out->fstype = ps_fs_get_type(fs);
	out->blocksize = ps_fs_block_size(fs);
	if (!out->blocksize || out->blocksize > SPLIT_CHUNK) {
		split_err(out, "%s: filesystem block size %u not handled",
			 image->name, out->blocksize);
		ps_fs_close(fs);
		ps_src_close(rview);
		ps_src_close(view);
		return PS_EUNSUPP;
	}
	out->have_bitmap = ps_fs_block_allocated(fs, 0) >= 0;
	struct walk w = { .fs = fs, .s = out };
	uint8_t *lb = malloc(SPLIT_CHUNK), *fb = malloc(SPLIT_CHUNK);
	if (!lb || !fb) {
		r = PS_ENOMEM;
		goto done;
	}
	/* the root counts as a level of SPLIT_MAX_DEPTH */
	struct ps_walk wk;
	ps_walk_init(&wk, fs, &(struct ps_walk_opts){ .max_depth = SPLIT_MAX_DEPTH - 1 },
		     &split_walk, &w);
	r = ps_walk_tree(&wk, ps_fs_root(fs));
	ps_walk_free(&wk);
	if (r)
		goto done;
	if (w.nown)
		qsort(w.own, w.nown, sizeof(*w.own), owner_cmp);
	for (size_t i = 0; i < out->nfiles && !r; i++) {
		r = classify(&w, &out->files[i], image, lb, fb);
		out->count[out->files[i].cls]++;
	}
done:
	if (r == PS_ENOMEM)
		split_err(out, "split check: out of memory");
	free(lb);
	free(fb);
	free(w.own);
	ps_fs_close(fs);
	ps_src_close(rview);
	ps_src_close(view);
	return r;
}

void ps_split_free(struct ps_split *s)
{
	for (size_t i = 0; i < s->nfiles; i++) {
		free(s->files[i].path);
		free(s->files[i].victims);
		free(s->files[i].ext);
		free(s->files[i].prov);
	}
	free(s->files);
	ps_line_free(&s->err);
	memset(s, 0, sizeof(*s));
}

const struct ps_split_file *ps_split_find(const struct ps_split *s, uint64_t ino)
{
	for (size_t i = 0; i < s->nfiles; i++)
		if (s->files[i].ino == ino)
			return &s->files[i];
	return NULL;
}

unsigned ps_split_auto_views(const struct ps_split_file *f)
{
	switch (f->cls) {
	case PS_SPLIT_MMAP: return PS_VIEW_MERGED;
	case PS_SPLIT_MIXED: return PS_VIEW_MERGED | PS_VIEW_READ;
	default: return PS_VIEW_READ;
	}
}

int ps_split_read(struct ps_src *image, const struct ps_split *s,
		  const struct ps_split_file *f, enum ps_view v,
		  ps_fs_data_cb cb, void *ctx)
{
	if (f->unmapped) {
		ps_src_set_error(image, "%s: inode %llu: no block map, so no %s view",
				 image->name, (unsigned long long)f->ino,
				 v == PS_VIEW_MMAP ? "mmap" : v == PS_VIEW_MERGED ? "merged" : "read");
		return PS_EUNSUPP;
	}
	uint64_t bs = s->blocksize;
	uint8_t *buf = malloc(SPLIT_CHUNK);
	if (!buf)
		return PS_ENOMEM;
	int r = PS_OK;
	size_t bi = 0;		/* block index of done, in ext order */
	for (size_t i = 0; i < f->next && !r; i++) {
		const struct ps_fs_extent *e = &f->ext[i];
		for (uint64_t done = 0; done < e->len && !r;) {
			uint64_t off = e->logical + done;
			if (off >= f->size)
				break;
			uint64_t n = e->len - done < SPLIT_CHUNK ? e->len - done : SPLIT_CHUNK;
			/* merged: a run of blocks from the same side */
			enum ps_split_src src = v == PS_VIEW_MMAP ? PS_SRC_F : PS_SRC_L;
			if (v == PS_VIEW_MERGED) {
				src = ps_split_block_src(f, bi) == PS_SRC_F ? PS_SRC_F : PS_SRC_L;
				uint64_t run = bs;
				while (run < n && (ps_split_block_src(f, bi + run / bs) == PS_SRC_F) ==
						  (src == PS_SRC_F))
					run += bs;
				if (run < n)
					n = run;
			}
			uint64_t blocks = (n + bs - 1) / bs;
			uint64_t len = n > f->size - off ? f->size - off : n;
			uint64_t base = src == PS_SRC_F ? s->f_off : s->l_off;
			r = ps_src_pread(image, buf, (size_t)len, base + e->physical + done);
			if (!r)
				r = cb(ctx, off, buf, (size_t)len);
			done += n;
			bi += blocks;
		}
	}
	free(buf);
	return r == PS_FS_STOP ? PS_OK : r;
}
