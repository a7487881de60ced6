/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer: the repair planner and transaction on a hostile image: scan,
 * plan every repair kind (with and without an assumed alignment or a
 * physical base, chosen by the first byte), verify the plan on an overlay
 * and read the repaired bytes back through it. A plan that verifies is
 * then applied in place to a copy of the input in memory (a memfd) and
 * undone: what reaches the file must be what the overlay showed, and undo
 * (or the rollback) must give back the input byte for byte. The seeds are
 * the scan harness's (tests/fuzz/run.sh). */
#include "imgsrc.h"
#include "ns.h"
#include "repair.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The file holds exactly want (size bytes)? */
static int file_is(int fd, const uint8_t *want, size_t size)
{
	static uint8_t b[4u << 20];
	return size <= sizeof(b) && pread(fd, b, size, 0) == (ssize_t)size &&
	       !memcmp(b, want, size) && pread(fd, b, 1, (off_t)size) == 0;
}

/* for the undo file: tmpfs if there is one, so its fsyncs cost nothing */
static char dir[] = "/dev/shm/fuzz-repair-XXXXXX";
static char dir_tmp[] = "/tmp/fuzz-repair-XXXXXX";
static char *udir = dir;

static void remove_dir(void)
{
	rmdir(udir);
}

static void apply_and_undo(const uint8_t *data, size_t size, struct ps_src *ov,
			   const struct ps_analysis *a, const struct ps_repair_opts *ro,
			   const struct ps_plan *plan)
{
	static int have_dir;
	if (!have_dir) {
		if (!mkdtemp(dir)) {
			udir = dir_tmp;
			if (!mkdtemp(dir_tmp))
				return;
		}
		atexit(remove_dir);
		have_dir = 1;
	}
	static uint8_t want[4u << 20];
	if (size > sizeof(want) || ps_src_pread(ov, want, size, 0))
		return;
	int fd = memfd_create("fuzz-repair", MFD_CLOEXEC);
	if (fd < 0)
		return;
	char path[64], undo[sizeof(dir) + 16], err[320];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	snprintf(undo, sizeof(undo), "%s/undo", udir);
	unlink(undo);
	struct ps_src *img = NULL;
	if (write(fd, data, size) != (ssize_t)size ||
	    ps_src_open_file(path, &img, err, sizeof(err))) {
		close(fd);
		return;
	}
	struct ps_apply_opts o = { .image = path, .undo_file = undo };
	struct ps_apply_result r;
	int rc = ps_repair_apply(img, a, ro, plan, &o, &r);
	ps_src_close(img);
	if (rc == 0 && !file_is(fd, want, size))
		abort();	/* the disk differs from the checked overlay */
	if (rc && r.state == PS_APPLY_ROLLED_BACK && !file_is(fd, data, size))
		abort();	/* rolled back, but not to the input */
	if (rc == 0) {
		struct ps_undo_result u;
		if (ps_repair_undo(undo, path, NULL, &u) || !file_is(fd, data, size))
			abort();	/* an undo that does not restore the input */
		ps_undo_result_free(&u);
	}
	ps_apply_result_free(&r);
	unlink(undo);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (4u << 20))
		return 0;
	struct ps_src *src;
	if (ps_src_open_mem(data, size, "fuzz", &src))
		return 0;
	struct ps_repair_opts ro;
	memset(&ro, 0, sizeof(ro));
	ro.ns = -1;
	if (size) {
		ro.assume_aligned = data[0] & 1;
		ro.have_phys_base = !ro.assume_aligned && (data[0] & 2);
		ro.phys_base = 0x577c000000ULL + ((uint64_t)(data[0] >> 2) << 20);
		ro.sem = (enum ps_sem)((data[0] >> 6) % 3);
	}
	struct ps_analysis_opts ao;
	memset(&ao, 0, sizeof(ao));
	ao.have_phys_base = ro.have_phys_base;
	ao.phys_base = ro.phys_base;
	struct ps_analysis a, after;
	struct ps_plan plan;
	ps_plan_init(&plan);
	if (ps_analyze(src, &ao, &a) == 0 && ps_repair_plan(src, &a, &ro, &plan) == 0 &&
	    plan.n && ps_repair_verify(src, &a, &ro, &plan, &after) == 0) {
		struct ps_src *ov;
		if (plan.n && ps_src_overlay(src, &plan, &ov) == 0) {
			static uint8_t b[PS_PATCH_MAX_LEN];
			for (size_t k = 0; k < plan.n; k++) {
				const struct ps_patch *x = &plan.p[k];
				int later = 0;	/* a later patch over the same bytes wins */
				for (size_t j = k + 1; j < plan.n; j++)
					later |= plan.p[j].off < x->off + x->len &&
						 x->off < plan.p[j].off + plan.p[j].len;
				if (!later && x->len <= sizeof(b) &&
				    ps_src_pread(ov, b, x->len, x->off) == 0 &&
				    memcmp(b, x->new_, x->len))
					abort();	/* the overlay must show the patch */
			}
			apply_and_undo(data, size, ov, &a, &ro, &plan);
			ps_src_close(ov);
		}
		ps_analysis_free(&after);
	}
	ps_plan_free(&plan);
	ps_analysis_free(&a);
	ps_src_close(src);
	return 0;
}
