/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The repair transaction (ps_repair_apply, ps_repair_undo) on real files:
 * a small namespace image with a legacy start_pad block (as in the spec's
 * §7.1, scaled down to 16 MiB so each of the many runs below is quick) and a
 * filesystem at the legacy data start, as a sparse file, repaired as a copy
 * and in place.
 * Faults come in through ps_repair_faults, as only a test can pass them:
 * a process that dies after each patch (a forked child ends itself in the
 * hook), a failed write, a re-scan that is not valid, a rollback that
 * fails, bytes changed after planning. Whatever happens, the image is the
 * original again byte for byte: by rollback, or by the undo file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "digest.h"
#include "err.h"
#include "le.h"
#include "ns.h"
#include "repair.h"
#include "repair_fx.h"

#define IMG_SIZE (16 * MiB)
#define PAD (2 * MiB)		/* start_pad */
#define DATAOFF (2 * MiB)
#define FS_OFF (PAD + DATAOFF)	/* the legacy data start: base + start_pad + dataoff */
#define PHYS_BASE 0x577c000000ULL	/* 2 MiB aligned: start_pad 0 is possible */

struct tx {
	char dir[PATH_MAX];
	char img[PATH_MAX], orig[PATH_MAX], undo[PATH_MAX], out[PATH_MAX];
	struct ps_src *src;
	struct ps_analysis a;
	struct ps_plan plan;
	struct ps_repair_opts ro;
};

static void write_image(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)IMG_SIZE), 0);
	uint8_t b[4096];
	struct ps_pfn_sb sb = fx_sb12(IMG_SIZE, PAD, 0, DATAOFF);
	ps_pfn_encode(&sb, b);
	assert_int_equal(pwrite(fd, b, sizeof(b), 4096), (ssize_t)sizeof(b));
	memset(b, 0, sizeof(b));
	fx_ext2(b, 8 * MiB, 4);
	assert_int_equal(pwrite(fd, b, sizeof(b), FS_OFF), (ssize_t)sizeof(b));
	assert_int_equal(close(fd), 0);
}

/* The image and a copy of it as the reference, analysed and planned as
 * `pmemscan repair IMG --phys-base 0x577c000000` does. */
static void tx_setup(struct tx *t)
{
	memset(t, 0, sizeof(*t));
	const char *tmp = getenv("TMPDIR");
	snprintf(t->dir, sizeof(t->dir), "%s/ps-repair-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(t->dir));
	assert_true(snprintf(t->img, sizeof(t->img), "%s/ns.img", t->dir) < PATH_MAX);
	assert_true(snprintf(t->orig, sizeof(t->orig), "%s/orig.img", t->dir) < PATH_MAX);
	assert_true(snprintf(t->undo, sizeof(t->undo), "%s/ns.img.pmemscan-undo",
			     t->dir) < PATH_MAX);
	assert_true(snprintf(t->out, sizeof(t->out), "%s/fixed.img", t->dir) < PATH_MAX);
	write_image(t->img);
	write_image(t->orig);
	char err[512];
	assert_int_equal(ps_src_open_file(t->img, &t->src, err, sizeof(err)), PS_OK);
	t->ro.ns = -1;
	t->ro.have_phys_base = true;
	t->ro.phys_base = PHYS_BASE;
	struct ps_analysis_opts ao;
	memset(&ao, 0, sizeof(ao));
	ao.have_phys_base = true;
	ao.phys_base = PHYS_BASE;
	assert_int_equal(ps_analyze(t->src, &ao, &t->a), PS_OK);
	ps_plan_init(&t->plan);
	assert_int_equal(ps_repair_plan(t->src, &t->a, &t->ro, &t->plan), PS_OK);
	struct ps_analysis after;
	assert_int_equal(ps_repair_verify(t->src, &t->a, &t->ro, &t->plan, &after), PS_OK);
	ps_analysis_free(&after);
	/* the start_pad rewrite: several fields, then the checksum */
	assert_int_equal(t->plan.nr, 0);
	assert_true(t->plan.n >= 3);
	assert_string_equal(t->plan.p[t->plan.n - 1].field, "checksum");
}

static void tx_free(struct tx *t)
{
	ps_plan_free(&t->plan);
	ps_analysis_free(&t->a);
	ps_src_close(t->src);
	unlink(t->img);
	unlink(t->orig);
	unlink(t->undo);
	unlink(t->out);
	assert_int_equal(rmdir(t->dir), 0);	/* nothing else was left behind */
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* Byte for byte, as cmp(1). */
static bool same_bytes(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	assert_non_null(fa);
	assert_non_null(fb);
	static uint8_t x[1 << 20], y[1 << 20];
	bool same = true;
	for (;;) {
		size_t na = fread(x, 1, sizeof(x), fa), nb = fread(y, 1, sizeof(y), fb);
		if (na != nb || memcmp(x, y, na)) {
			same = false;
			break;
		}
		if (!na)
			break;
	}
	fclose(fa);
	fclose(fb);
	return same;
}

static void sha256_hex(const char *path, char hex[65])
{
	struct ps_src *s;
	char err[512];
	uint8_t d[PS_DIGEST_SIZE];
	assert_int_equal(ps_src_open_file(path, &s, err, sizeof(err)), PS_OK);
	assert_int_equal(ps_digest_src(s, PS_DIGEST_SHA256, 0, d, hex, NULL), PS_OK);
	ps_src_close(s);
}

static int apply_in_place(struct tx *t, const struct ps_repair_faults *f,
			  struct ps_apply_result *r)
{
	struct ps_apply_opts o = { .image = t->img, .undo_file = t->undo, .faults = f };
	return ps_repair_apply(t->src, &t->a, &t->ro, &t->plan, &o, r);
}

/* ---- no faults ---- */

static void test_in_place_then_undo(void **state)
{
	(void)state;
	struct tx t;
	tx_setup(&t);
	char want[65];
	sha256_hex(t.orig, want);
	struct ps_apply_result r;
	assert_int_equal(apply_in_place(&t, NULL, &r), PS_OK);
	assert_int_equal(r.state, PS_APPLY_KEPT);
	assert_int_equal(r.step, PS_STEP_DONE);
	assert_null(r.msg);
	assert_int_equal(r.written, t.plan.n);
	assert_true(r.have_sha256);
	assert_string_equal(r.sha256_hex, want);	/* the image before */
	assert_true(r.undo_written && !r.undo_removed && exists(t.undo));
	/* the re-scan from disk: namespace 0 valid, start_pad gone, the
	 * filesystem where it was */
	assert_true(r.rescanned);
	assert_int_equal(r.nchecks, 1);
	assert_int_equal(r.checks[0].unit, 0);
	assert_true(r.checks[0].valid);
	const struct ps_ns *n = ps_repair_ns_at(&r.rescan, 0);
	assert_non_null(n);
	assert_int_equal(n->start_pad, 0);
	assert_int_equal(n->verdict, PS_V_PROVEN);
	assert_int_equal(n->cand[n->chosen].off, FS_OFF);
	ps_apply_result_free(&r);
	assert_false(same_bytes(t.img, t.orig));

	struct ps_undo_result u;
	assert_int_equal(ps_repair_undo(t.undo, t.img, NULL, &u), PS_OK);
	assert_int_equal(u.npatches, t.plan.n);
	assert_int_equal(u.reverted, t.plan.n);
	assert_true(u.have_sha256);
	assert_string_equal(u.sha256_hex, want);
	ps_undo_result_free(&u);
	assert_true(same_bytes(t.img, t.orig));
	/* twice: nothing to revert, still the original */
	assert_int_equal(ps_repair_undo(t.undo, t.img, NULL, &u), PS_OK);
	assert_int_equal(u.reverted, 0);
	ps_undo_result_free(&u);
	assert_true(same_bytes(t.img, t.orig));
	tx_free(&t);
}

static void test_copy(void **state)
{
	(void)state;
	struct tx t;
	tx_setup(&t);
	struct ps_apply_opts o = { .image = t.img, .output = t.out };
	struct ps_apply_result r;
	assert_int_equal(ps_repair_apply(t.src, &t.a, &t.ro, &t.plan, &o, &r), PS_OK);
	assert_int_equal(r.state, PS_APPLY_KEPT);
	assert_int_equal(r.written, t.plan.n);
	assert_false(r.have_sha256 || r.undo_written || exists(t.undo));
	assert_true(r.nchecks == 1 && r.checks[0].valid);
	ps_apply_result_free(&r);
	assert_true(same_bytes(t.img, t.orig));	/* the input is not written */
	/* the copy is the image with exactly the patches' new bytes */
	int fd = open(t.out, O_RDWR);
	assert_true(fd >= 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, IMG_SIZE);
	for (size_t i = 0; i < t.plan.n; i++) {
		const struct ps_patch *x = &t.plan.p[i];
		uint8_t b[PS_PATCH_MAX_LEN];
		assert_int_equal(pread(fd, b, x->len, (off_t)x->off), (ssize_t)x->len);
		assert_memory_equal(b, x->new_, x->len);
		assert_int_equal(pwrite(fd, x->old, x->len, (off_t)x->off), (ssize_t)x->len);
	}
	close(fd);
	assert_true(same_bytes(t.out, t.orig));
	/* an existing output is never overwritten */
	assert_int_equal(ps_repair_apply(t.src, &t.a, &t.ro, &t.plan, &o, &r), PS_EEXIST);
	assert_int_equal(r.step, PS_STEP_OPEN);
	assert_int_equal(r.state, PS_APPLY_UNTOUCHED);
	assert_non_null(strstr(r.msg, "fixed.img: cannot create: File exists"));
	ps_apply_result_free(&r);
	assert_true(same_bytes(t.out, t.orig));
	tx_free(&t);
}

static void test_no_image_hash(void **state)
{
	(void)state;
	struct tx t;
	tx_setup(&t);
	struct ps_apply_opts o = { .image = t.img, .undo_file = t.undo, .no_image_hash = true };
	struct ps_apply_result r;
	assert_int_equal(ps_repair_apply(t.src, &t.a, &t.ro, &t.plan, &o, &r), PS_OK);
	assert_false(r.have_sha256);
	ps_apply_result_free(&r);
	struct ps_undo_result u;
	assert_int_equal(ps_repair_undo(t.undo, t.img, NULL, &u), PS_OK);
	assert_false(u.have_sha256);
	assert_int_equal(u.reverted, t.plan.n);
	ps_undo_result_free(&u);
	assert_true(same_bytes(t.img, t.orig));
	tx_free(&t);
}

/* ---- a process that dies midway ---- */

static int die_after(void *arg, enum ps_repair_write w, size_t written)
{
	if (w == PS_WRITE_PATCH && written == *(const size_t *)arg)
		_exit(137);	/* as a kill: no rollback, no cleanup, no exit handlers */
	return 0;
}

/* A child applies in place and dies after k patches; its wait status. */
static int apply_killed(struct tx *t, size_t k)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ps_repair_faults f = { .at_write = die_after, .arg = &k };
		struct ps_apply_result r;
		apply_in_place(t, &f, &r);
		_exit(0);	/* only if the hook never fired */
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void test_killed_after_each_patch(void **state)
{
	(void)state;
	size_t n = 0;
	for (size_t k = 1; k == 1 || k <= n; k++) {
		struct tx t;
		tx_setup(&t);
		n = t.plan.n;
		int st = apply_killed(&t, k);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 137);	/* died at the injected point */
		assert_true(exists(t.undo));	/* the undo file came first */
		assert_false(same_bytes(t.img, t.orig));	/* half (or all) repaired */
		if (k < n) {
			/* the checksum is the last patch: before it the block the
			 * kernel would read is torn, and says so */
			struct ps_src *s;
			char err[512];
			struct ps_analysis a;
			struct ps_analysis_opts ao;
			memset(&ao, 0, sizeof(ao));
			assert_int_equal(ps_src_open_file(t.img, &s, err, sizeof(err)), PS_OK);
			assert_int_equal(ps_analyze(s, &ao, &a), PS_OK);
			assert_true(a.nns >= 1);
			assert_false(a.ns[0].pfn.checksum_ok);
			ps_analysis_free(&a);
			ps_src_close(s);
		}
		struct ps_undo_result u;
		assert_int_equal(ps_repair_undo(t.undo, t.img, NULL, &u), PS_OK);
		assert_int_equal(u.npatches, n);
		assert_int_equal(u.reverted, k);	/* k had been applied */
		ps_undo_result_free(&u);
		assert_true(same_bytes(t.img, t.orig));
		tx_free(&t);
	}
	assert_true(n >= 3);
	print_message("killed after each of the %zu patches, undone each time\n", n);
}

/* ---- the re-scan refuses the result ---- */

static void test_rescan_invalid_in_place_rolls_back(void **state)
{
	(void)state;
	struct tx t;
	tx_setup(&t);
	struct ps_repair_faults f = { .fail_rescan = "injected" };
	struct ps_apply_result r;
	assert_int_equal(apply_in_place(&t, &f, &r), PS_EFORMAT);
	assert_int_equal(r.step, PS_STEP_RESCAN);
	assert_int_equal(r.state, PS_APPLY_ROLLED_BACK);
	assert_int_equal(r.written, t.plan.n);	/* it was written ... */
	assert_true(same_bytes(t.img, t.orig));	/* ... and written back */
	assert_true(r.undo_written && r.undo_removed);
	assert_false(exists(t.undo));
	assert_string_equal(r.rescan_why, "injected");
	assert_non_null(strstr(r.msg, "ns.img: the repaired image did not re-scan valid (injected); rolled back to the original bytes (undo file removed)"));
	ps_apply_result_free(&r);
	tx_free(&t);
}

static void test_rescan_invalid_copy_deleted(void **state)
{
	(void)state;
	struct tx t;
	tx_setup(&t);
	struct ps_repair_faults f = { .fail_rescan = "injected" };
	struct ps_apply_opts o = { .image = t.img, .output = t.out, .faults = &f };
	struct ps_apply_result r;
	assert_int_equal(ps_repair_apply(t.src, &t.a, &t.ro, &t.plan, &o, &r), PS_EFORMAT);
	assert_int_equal(r.step, PS_STEP_RESCAN);
	assert_int_equal(r.state, PS_APPLY_ROLLED_BACK);
	assert_false(exists(t.out));
	assert_non_null(strstr(r.msg, "fixed.img: the repaired copy did not re-scan valid (injected); copy deleted"));
	ps_apply_result_free(&r);
	assert_true(same_bytes(t.img, t.orig));
	tx_free(&t);
}

/* ---- writes that fail ---- */

struct fail_at {
	enum ps_repair_write w;
	size_t at;
};

static int fail_write(void *arg, enum ps_repair_write w, size_t written)
{
	const struct fail_at *f = arg;
	return w == f->w && written == f->at ? EIO : 0;
}

static void test_failed_patch_rolls_back(void **state)
{
	(void)state;
	struct tx t;
	tx_setup(&t);
	struct fail_at fa = { PS_WRITE_PATCH, 2 };
	struct ps_repair_faults f = { .at_write = fail_write, .arg = &fa };
	struct ps_apply_result r;
	assert_int_equal(apply_in_place(&t, &f, &r), PS_EIO);
	assert_int_equal(r.step, PS_STEP_WRITE);
	assert_int_equal(r.state, PS_APPLY_ROLLED_BACK);
	assert_int_equal(r.written, 2);
	assert_int_equal(r.sys_errno, EIO);
	assert_true(same_bytes(t.img, t.orig));
	assert_true(exists(t.undo));	/* kept, as the message says */
	assert_non_null(strstr(r.msg, "writing a patch failed: Input/output error; the original bytes were written back"));
	ps_apply_result_free(&r);
	tx_free(&t);
}

static void test_failed_rollback_keeps_undo(void **state)
{
	(void)state;
	struct tx t;
	tx_setup(&t);
	struct fail_at fa = { PS_WRITE_ROLLBACK, 0 };
	struct ps_repair_faults f = { .at_write = fail_write, .arg = &fa,
				      .fail_rescan = "injected" };
	struct ps_apply_result r;
	assert_int_equal(apply_in_place(&t, &f, &r), PS_EFORMAT);
	assert_int_equal(r.step, PS_STEP_RESCAN);
	assert_int_equal(r.state, PS_APPLY_ROLLBACK_FAILED);
	assert_false(r.undo_removed);
	assert_true(exists(t.undo));
	assert_non_null(strstr(r.msg, "; ROLLBACK FAILED"));
	ps_apply_result_free(&r);
	assert_false(same_bytes(t.img, t.orig));
	/* what the undo file is kept for */
	struct ps_undo_result u;
	assert_int_equal(ps_repair_undo(t.undo, t.img, NULL, &u), PS_OK);
	assert_int_equal(u.reverted, t.plan.n);
	ps_undo_result_free(&u);
	assert_true(same_bytes(t.img, t.orig));
	tx_free(&t);
}

static void test_failed_undo_write(void **state)
{
	(void)state;
	struct tx t;
	tx_setup(&t);
	struct ps_apply_result r;
	assert_int_equal(apply_in_place(&t, NULL, &r), PS_OK);
	ps_apply_result_free(&r);
	struct fail_at fa = { PS_WRITE_UNDO, 0 };
	struct ps_repair_faults f = { .at_write = fail_write, .arg = &fa };
	struct ps_undo_result u;
	assert_int_equal(ps_repair_undo(t.undo, t.img, &f, &u), PS_EIO);
	assert_int_equal(u.step, PS_STEP_WRITE);
	assert_non_null(strstr(u.msg, "ns.img: writing failed: Input/output error"));
	ps_undo_result_free(&u);
	/* the undo file still does its job afterwards */
	assert_int_equal(ps_repair_undo(t.undo, t.img, NULL, &u), PS_OK);
	ps_undo_result_free(&u);
	assert_true(same_bytes(t.img, t.orig));
	tx_free(&t);
}

/* ---- the image changed ---- */

static void test_changed_after_planning(void **state)
{
	(void)state;
	struct tx t;
	tx_setup(&t);
	/* start_pad's bytes change between planning and writing */
	int fd = open(t.img, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "XXXX", 4, 4096 + 0x4c), 4);
	close(fd);
	fd = open(t.orig, O_WRONLY);
	assert_int_equal(pwrite(fd, "XXXX", 4, 4096 + 0x4c), 4);
	close(fd);
	struct ps_apply_result r;
	assert_int_equal(apply_in_place(&t, NULL, &r), PS_EFORMAT);
	assert_int_equal(r.step, PS_STEP_CHECK);
	assert_int_equal(r.state, PS_APPLY_UNTOUCHED);
	assert_int_equal(r.written, 0);
	assert_false(exists(t.undo));
	assert_non_null(strstr(r.msg, "ns.img: bytes at 0x104c (start_pad) changed while planning; the image was not touched"));
	ps_apply_result_free(&r);
	assert_true(same_bytes(t.img, t.orig));
	tx_free(&t);
}

static void test_undo_refuses_other_image(void **state)
{
	(void)state;
	struct tx t;
	tx_setup(&t);
	struct ps_apply_result r;
	assert_int_equal(apply_in_place(&t, NULL, &r), PS_OK);
	ps_apply_result_free(&r);
	/* the undo file belongs to ns.img; orig.img with one patched field
	 * changed another way is neither before nor after */
	int fd = open(t.orig, O_WRONLY);
	assert_int_equal(pwrite(fd, "XXXX", 4, 4096 + 0x4c), 4);
	close(fd);
	char before[65], now[65];
	sha256_hex(t.orig, before);
	struct ps_undo_result u;
	assert_int_equal(ps_repair_undo(t.undo, t.orig, NULL, &u), PS_EFORMAT);
	assert_int_equal(u.step, PS_STEP_CHECK);
	assert_non_null(strstr(u.msg, "bytes at 0x104c (start_pad) are neither the repair's nor the original"));
	ps_undo_result_free(&u);
	sha256_hex(t.orig, now);
	assert_string_equal(now, before);	/* nothing written */
	/* an image of another size */
	assert_int_equal(truncate(t.orig, 4096), 0);
	assert_int_equal(ps_repair_undo(t.undo, t.orig, NULL, &u), PS_EINVAL);
	assert_int_equal(u.step, PS_STEP_OPEN);
	assert_non_null(strstr(u.msg, "size 4096 is not the 16777216 bytes"));
	ps_undo_result_free(&u);
	tx_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_place_then_undo),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_no_image_hash),
		cmocka_unit_test(test_killed_after_each_patch),
		cmocka_unit_test(test_rescan_invalid_in_place_rolls_back),
		cmocka_unit_test(test_rescan_invalid_copy_deleted),
		cmocka_unit_test(test_failed_patch_rolls_back),
		cmocka_unit_test(test_failed_rollback_keeps_undo),
		cmocka_unit_test(test_failed_undo_write),
		cmocka_unit_test(test_changed_after_planning),
		cmocka_unit_test(test_undo_refuses_other_image),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
