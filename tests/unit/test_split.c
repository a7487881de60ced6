/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The split check (src/split.h) on a synthetic legacy start_pad namespace:
 * an ext4 made by mke2fs -d at L0 = P + D, a freed region below its files,
 * and the kernel's DAX behaviour imitated by hand: an mmap-written file's
 * data moved to F (start_pad lower) with zeros left at L, a mixed file
 * with half its blocks moved. Skipped without mke2fs/debugfs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "err.h"
#include "fs.h"
#include "split.h"

#define BS 4096u
#define D ((uint64_t)64 << 10)
#define FSZ ((uint64_t)16 << 20)

struct fx {
	char dir[64], img[96];
	uint64_t start_pad, l_off;
	struct ps_fs_extent m, x, hole;
	uint8_t mdata[16384], xdata[32768];
};

static void put_file(const char *dir, const char *name, const uint8_t *b, size_t n)
{
	char p[160];
	snprintf(p, sizeof(p), "%s/d/%s", dir, name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
}

static int ext_cb(void *ctx, const struct ps_fs_extent *e)
{
	*(struct ps_fs_extent *)ctx = *e;
	return PS_OK;
}

/* the (single) extent of path in the filesystem at off of file img */
static void bmap_of(const char *img, uint64_t off, const char *path, struct ps_fs_extent *e)
{
	struct ps_src *s, *w;
	struct ps_fs *fs;
	char err[256];
	uint64_t ino;
	struct ps_fs_stat st;
	assert_int_equal(ps_src_open_file(img, &s, err, sizeof(err)), PS_OK);
	assert_int_equal(ps_src_window(s, off, FSZ, &w), PS_OK);
	assert_int_equal(ps_fs_open(w, PS_FS_AUTO, &fs, err, sizeof(err)), PS_OK);
	assert_int_equal(ps_fs_lookup(fs, path, &ino), PS_OK);
	assert_int_equal(ps_fs_stat(fs, ino, &st), PS_OK);
	memset(e, 0, sizeof(*e));
	assert_int_equal(ps_fs_bmap(fs, &st, ext_cb, e), PS_OK);
	assert_true(e->len > 0);
	ps_fs_stat_free(&st);
	ps_fs_close(fs);
	ps_src_close(w);
	ps_src_close(s);
}

static void pwrite_all(int fd, const void *b, size_t n, uint64_t off)
{
	assert_int_equal(pwrite(fd, b, n, (off_t)off), (ssize_t)n);
}

static int setup(void **state)
{
	if (system("command -v mke2fs >/dev/null 2>&1 && command -v debugfs >/dev/null 2>&1"))
		return 0;	/* the tests skip */
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ps-split-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	char cmd[512], p[160];
	snprintf(p, sizeof(p), "%s/d", f->dir);
	assert_int_equal(mkdir(p, 0700), 0);
	static uint8_t hole[1 << 20];
	memset(hole, 0x5a, sizeof(hole));
	uint8_t w[16384], v[16384];
	memset(w, 'W', sizeof(w));
	memset(v, 'V', sizeof(v));
	memset(f->mdata, 'M', sizeof(f->mdata));
	memcpy(f->mdata, "PMEMOBJ", 8);
	for (size_t i = 0; i < sizeof(f->xdata); i++)
		f->xdata[i] = (uint8_t)('a' + i / BS);
	put_file(f->dir, "hole.bin", hole, sizeof(hole));
	put_file(f->dir, "w.bin", w, sizeof(w));
	put_file(f->dir, "m.bin", f->mdata, sizeof(f->mdata));
	put_file(f->dir, "x.bin", f->xdata, sizeof(f->xdata));
	put_file(f->dir, "v.bin", v, sizeof(v));
	snprintf(cmd, sizeof(cmd), "cd %s && mke2fs -q -t ext4 -b 4096 -O ^has_journal -d d fs.img 16M >/dev/null 2>&1",
		 f->dir);
	assert_int_equal(system(cmd), 0);
	snprintf(f->img, sizeof(f->img), "%s/fs.img", f->dir);
	bmap_of(f->img, 0, "/hole.bin", &f->hole);
	snprintf(cmd, sizeof(cmd), "debugfs -w -R 'rm hole.bin' %s/fs.img >/dev/null 2>&1", f->dir);
	assert_int_equal(system(cmd), 0);
	bmap_of(f->img, 0, "/m.bin", &f->m);
	bmap_of(f->img, 0, "/x.bin", &f->x);
	/* start_pad: m.bin's F lands on the first freed block */
	assert_true(f->m.physical > f->hole.physical);
	f->start_pad = f->m.physical - f->hole.physical;
	f->l_off = f->start_pad + D;
	/* the namespace image: [0, P + D) zeros, the filesystem at L0 */
	snprintf(f->img, sizeof(f->img), "%s/ns.img", f->dir);
	snprintf(cmd, sizeof(cmd), "truncate -s %llu %s && dd if=%s/fs.img of=%s bs=4096 seek=%llu conv=notrunc status=none",
		 (unsigned long long)(f->l_off + FSZ), f->img, f->dir, f->img,
		 (unsigned long long)(f->l_off / BS));
	assert_int_equal(system(cmd), 0);
	/* a freed block keeps its bytes; here they are zeroed (free space) */
	int fd = open(f->img, O_RDWR);
	assert_true(fd >= 0);
	static uint8_t z[1 << 20];
	pwrite_all(fd, z, (size_t)f->hole.len, f->l_off + f->hole.physical);
	close(fd);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	if (f) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
		assert_int_equal(system(cmd), 0);
		free(f);
	}
	return 0;
}

/* what DAX did: the bytes of [lo, hi) blocks of extent e go to F, L keeps zeros */
static void mmap_store(const struct fx *f, const struct ps_fs_extent *e, const uint8_t *data,
		       unsigned lo, unsigned hi)
{
	int fd = open(f->img, O_RDWR);
	assert_true(fd >= 0);
	uint8_t z[BS] = { 0 };
	for (unsigned b = lo; b < hi; b++) {
		uint64_t g = e->physical + (uint64_t)b * BS;
		pwrite_all(fd, data + (size_t)b * BS, BS, f->l_off - f->start_pad + g);
		pwrite_all(fd, z, BS, f->l_off + g);
	}
	close(fd);
}

static void run_check(const struct fx *f, struct ps_split *s, struct ps_src **src)
{
	char err[256];
	assert_int_equal(ps_src_open_file(f->img, src, err, sizeof(err)), PS_OK);
	assert_int_equal(ps_split_check(*src, 0, f->start_pad, D, f->l_off, FSZ, PS_FS_AUTO, s), PS_OK);
	assert_int_equal(s->errors, 0);
}

static const struct ps_split_file *by_path(const struct ps_split *s, const char *p)
{
	for (size_t i = 0; i < s->nfiles; i++)
		if (!strcmp(s->files[i].path, p))
			return &s->files[i];
	fail_msg("%s not in the split check", p);
	return NULL;
}

struct buf {
	uint8_t b[65536];
	uint64_t n;
};

static int buf_cb(void *ctx, uint64_t off, const void *data, size_t len)
{
	struct buf *b = ctx;
	assert_true(off + len <= sizeof(b->b));
	memcpy(b->b + off, data, len);
	if (off + len > b->n)
		b->n = off + len;
	return PS_OK;
}

/* Nothing was mapped: every file is written through write(). */
static void test_all_written(void **state)
{
	struct fx *f = *state;
	if (!f)
		skip();
	struct ps_split s;
	struct ps_src *src;
	run_check(f, &s, &src);
	assert_int_equal(s.nfiles, 4);
	assert_int_equal(s.count[PS_SPLIT_WRITE], 4);
	assert_int_equal(s.count[PS_SPLIT_MMAP], 0);
	assert_int_equal(s.count[PS_SPLIT_MIXED], 0);
	assert_true(s.have_bitmap);
	const struct ps_split_file *m = by_path(&s, "/m.bin");
	assert_int_equal(m->w_blocks, 4);
	assert_string_equal(m->header, "");	/* the header is at L, not at F */
	assert_int_equal(m->nvictims, 0);
	assert_int_equal(ps_split_auto_views(m), PS_VIEW_READ);
	ps_split_free(&s);
	ps_src_close(src);
}

/* m.bin stored through a mapping, x.bin half of it: classes, evidence,
 * victims, and both views read back. */
static void test_mapped(void **state)
{
	struct fx *f = *state;
	if (!f)
		skip();
	mmap_store(f, &f->m, f->mdata, 0, 4);
	mmap_store(f, &f->x, f->xdata, 4, 8);
	/* x.bin's blocks 0 and 1 overwritten through the mapping after its
	 * write(): the write() data stays at L, the stores are at F */
	uint8_t st[2 * BS];
	memset(st, 'S', sizeof(st));
	int fd = open(f->img, O_RDWR);
	assert_true(fd >= 0);
	pwrite_all(fd, st, sizeof(st), f->l_off - f->start_pad + f->x.physical);
	close(fd);
	struct ps_split s;
	struct ps_src *src;
	run_check(f, &s, &src);
	assert_int_equal(s.count[PS_SPLIT_WRITE], 2);
	assert_int_equal(s.count[PS_SPLIT_MMAP], 1);
	assert_int_equal(s.count[PS_SPLIT_MIXED], 1);
	assert_int_equal(s.count[PS_SPLIT_UNKNOWN], 0);
	const struct ps_split_file *m = by_path(&s, "/m.bin");
	assert_int_equal(m->cls, PS_SPLIT_MMAP);
	assert_int_equal(m->m_blocks, 4);
	assert_int_equal(m->w_blocks, 0);
	assert_int_equal(m->f_free_nonzero, 4);	/* F: the freed region */
	assert_string_equal(m->header, "PMEMOBJ");
	assert_false(m->header_at_l);
	assert_int_equal(m->nvictims, 1);
	assert_int_equal(m->victims[0].where, PS_SW_FREE);
	assert_int_equal(m->victims[0].blocks, 4);
	assert_int_equal(m->victims[0].first, f->l_off - f->start_pad + f->m.physical);
	assert_int_equal(ps_split_auto_views(m), PS_VIEW_MERGED);
	const struct ps_split_file *x = by_path(&s, "/x.bin");
	assert_int_equal(x->cls, PS_SPLIT_MIXED);
	assert_int_equal(x->w_blocks, 2);
	assert_int_equal(x->m_blocks, 4);
	assert_int_equal(x->both_blocks, 2);	/* blocks 0, 1: write() data, a store at F */
	assert_int_equal(x->from_f, 6);
	assert_int_equal(x->ambiguous, 0);
	assert_int_equal(ps_split_auto_views(x), PS_VIEW_MERGED | PS_VIEW_READ);
	assert_int_equal(by_path(&s, "/w.bin")->cls, PS_SPLIT_WRITE);
	assert_int_equal(s.victim_blocks[PS_SW_FREE], 10);
	/* the views: mmap gives what was stored, read what read() gives */
	struct buf b = { .n = 0 };
	assert_int_equal(ps_split_read(src, &s, m, PS_VIEW_MMAP, buf_cb, &b), PS_OK);
	assert_int_equal(b.n, sizeof(f->mdata));
	assert_memory_equal(b.b, f->mdata, sizeof(f->mdata));
	memset(&b, 0, sizeof(b));
	assert_int_equal(ps_split_read(src, &s, m, PS_VIEW_READ, buf_cb, &b), PS_OK);
	uint8_t z[16384] = { 0 };
	assert_memory_equal(b.b, z, sizeof(z));
	memset(&b, 0, sizeof(b));
	assert_int_equal(ps_split_read(src, &s, x, PS_VIEW_MMAP, buf_cb, &b), PS_OK);
	assert_memory_equal(b.b + 4 * BS, f->xdata + 4 * BS, 4 * BS);
	memset(&b, 0, sizeof(b));
	assert_int_equal(ps_split_read(src, &s, x, PS_VIEW_READ, buf_cb, &b), PS_OK);
	assert_memory_equal(b.b, f->xdata, 4 * BS);
	/* the merged view: the stores over blocks 0-1, the write() blocks
	 * 2-3, the mapped blocks 4-7: the file as its writer last saw it */
	memset(&b, 0, sizeof(b));
	assert_int_equal(ps_split_read(src, &s, x, PS_VIEW_MERGED, buf_cb, &b), PS_OK);
	assert_int_equal(b.n, sizeof(f->xdata));
	assert_memory_equal(b.b, st, sizeof(st));
	assert_memory_equal(b.b + 2 * BS, f->xdata + 2 * BS, 6 * BS);
	memset(&b, 0, sizeof(b));
	assert_int_equal(ps_split_read(src, &s, m, PS_VIEW_MERGED, buf_cb, &b), PS_OK);
	assert_memory_equal(b.b, f->mdata, sizeof(f->mdata));
	ps_split_free(&s);
	ps_src_close(src);
}

/* The victim rule (issue 25): with start_pad one file long, v.bin's F is
 * m.bin's L data; v.bin zero at L with data at F was written through a
 * mapping, whoever owns F now: mmap, m.bin the victim, its merged view
 * m.bin's current bytes (the stores). */
static void test_other_files_data(void **state)
{
	struct fx *f = *state;
	if (!f)
		skip();
	struct ps_split s;
	struct ps_src *src;
	char err[256];
	/* a second image: the same filesystem, start_pad = 4 blocks */
	struct fx g = *f;
	snprintf(g.img, sizeof(g.img), "%s/ns2.img", f->dir);
	g.start_pad = 4 * BS;
	g.l_off = g.start_pad + D;
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -f %s && truncate -s %llu %s && dd if=%s/fs.img of=%s bs=4096 seek=%llu conv=notrunc status=none",
		 g.img, (unsigned long long)(g.l_off + FSZ), g.img, f->dir, g.img,
		 (unsigned long long)(g.l_off / BS));
	assert_int_equal(system(cmd), 0);
	struct ps_fs_extent v;
	bmap_of(g.img, g.l_off, "/v.bin", &v);
	assert_int_equal(v.physical, f->m.physical + 4 * BS);	/* mke2fs -d order */
	int fd = open(g.img, O_RDWR);
	assert_true(fd >= 0);
	uint8_t z[BS] = { 0 };
	for (unsigned b = 0; b < 4; b++)
		pwrite_all(fd, z, BS, g.l_off + v.physical + b * BS);
	close(fd);
	assert_int_equal(ps_src_open_file(g.img, &src, err, sizeof(err)), PS_OK);
	assert_int_equal(ps_split_check(src, 0, g.start_pad, D, g.l_off, FSZ, PS_FS_AUTO, &s), PS_OK);
	const struct ps_split_file *vf = by_path(&s, "/v.bin");
	assert_int_equal(vf->cls, PS_SPLIT_MMAP);
	assert_int_equal(vf->over_blocks, 4);
	assert_int_equal(vf->ambiguous, 0);
	assert_int_equal(vf->from_f, 4);
	assert_int_equal(s.count[PS_SPLIT_MMAP], 1);
	assert_int_equal(s.count[PS_SPLIT_UNKNOWN], 0);
	assert_int_equal(vf->nvictims, 1);
	assert_int_equal(vf->victims[0].where, PS_SW_FILE);
	assert_string_equal(s.files[vf->victims[0].file].path, "/m.bin");
	assert_int_equal(vf->victims[0].blocks, 4);
	struct buf b = { .n = 0 };
	assert_int_equal(ps_split_read(src, &s, vf, PS_VIEW_MERGED, buf_cb, &b), PS_OK);
	assert_int_equal(b.n, 16384);
	assert_memory_equal(b.b, f->mdata, sizeof(f->mdata));
	ps_split_free(&s);
	ps_src_close(src);
	/* not a legacy start_pad namespace: refused */
	assert_int_equal(ps_src_open_file(g.img, &src, err, sizeof(err)), PS_OK);
	assert_int_equal(ps_split_check(src, 0, 0, D, D, FSZ, PS_FS_AUTO, &s), PS_EINVAL);
	ps_split_free(&s);
	ps_src_close(src);
}

/* The merged view's rule per category and class (split.h PS_PV_*). */
static int src_cb(void *ctx, uint64_t logical, uint64_t g, enum ps_split_prov p,
		  enum ps_split_src src)
{
	enum ps_split_src *out = ctx;
	(void)g;
	(void)p;
	out[logical / BS] = src;
	return PS_OK;
}

static void test_provenance_rules(void **state)
{
	(void)state;
	uint8_t prov[PS_SPLIT_NPROV] = { PS_PV_ZERO, PS_PV_WRITE, PS_PV_WRITE_FOTHER,
					 PS_PV_STORE, PS_PV_BOTH, PS_PV_OVER };
	struct ps_fs_extent e = { .logical = 0, .physical = 1 << 20, .len = PS_SPLIT_NPROV * BS };
	struct ps_split s = { .blocksize = BS };
	struct ps_split_file x = { .blocks = PS_SPLIT_NPROV, .prov = prov, .ext = &e, .next = 1 };
	static const struct {
		enum ps_split_class c;
		enum ps_split_src want[PS_SPLIT_NPROV];
	} t[] = {
		/* a mixed file: a store over write() data wins; L data with F on
		 * another's block cannot be told: ambiguous; the victim rule */
		{ PS_SPLIT_MIXED, { PS_SRC_L, PS_SRC_L, PS_SRC_AMBIG, PS_SRC_F, PS_SRC_F, PS_SRC_F } },
		{ PS_SPLIT_MMAP, { PS_SRC_L, PS_SRC_L, PS_SRC_L, PS_SRC_F, PS_SRC_F, PS_SRC_F } },
		/* no store proven: F on another's block is no evidence */
		{ PS_SPLIT_WRITE, { PS_SRC_L, PS_SRC_L, PS_SRC_L, PS_SRC_F, PS_SRC_F, PS_SRC_AMBIG } },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum ps_split_src got[PS_SPLIT_NPROV];
		x.cls = t[i].c;
		assert_int_equal(ps_split_each_block(&s, &x, src_cb, got), PS_OK);
		for (int k = 0; k < PS_SPLIT_NPROV; k++) {
			assert_int_equal(got[k], t[i].want[k]);
			assert_int_equal(ps_split_block_src(&x, (size_t)k), t[i].want[k]);
		}
	}
	assert_string_equal(ps_split_prov_name(PS_PV_OVER), "victim-rule");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_written),
		cmocka_unit_test(test_mapped),
		cmocka_unit_test(test_other_files_data),
		cmocka_unit_test(test_provenance_rules),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
