/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ext4 superblock field table (src/ext_sb.h) against a real
 * filesystem: mkfs.ext4 makes one on a file (two block groups, so that
 * there is a backup superblock), debugfs sets a mount time and count, and
 * each field of the table, read from the image's bytes at its offset and
 * width, must give what `dumpe2fs -h` prints for it. Every field of the
 * table has a check below; a field added to the table without one fails.
 * e2fsprogs 1.47.0 neither sets (debugfs ssv) nor prints (dumpe2fs) the
 * times' high bytes (s_*time_hi), so those are checked only as the zero
 * that dumpe2fs's 32-bit times imply.
 * Skips without mkfs.ext4/debugfs/dumpe2fs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "ext_sb.h"
#include "util.h"

#define UUID "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
#define LABEL "pmsb"
#define MAXLINES 128

struct dline {
	char name[64];
	char value[512];
};

static char dir[64], img[96];
static uint8_t sb[PS_EXTSB_SIZE], backup[PS_EXTSB_SIZE];
static struct dline lines[MAXLINES];
static size_t nlines;

static int rd(uint8_t *b, uint64_t off)
{
	FILE *f = fopen(img, "rb");
	int ok = f && !fseeko(f, (off_t)off, SEEK_SET) && fread(b, 1, PS_EXTSB_SIZE, f) == PS_EXTSB_SIZE;
	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

static int setup(void **state)
{
	(void)state;
	if (system("command -v mkfs.ext4 >/dev/null 2>&1 && command -v debugfs >/dev/null 2>&1 &&"
		   " command -v dumpe2fs >/dev/null 2>&1"))
		return 0;	/* the tests skip */
	snprintf(dir, sizeof(dir), "/tmp/ps-esb-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(img, sizeof(img), "%s/e.img", dir);
	char cmd[768];
	snprintf(cmd, sizeof(cmd), "truncate -s 160M %s && mkfs.ext4 -q -F -b 4096 -L " LABEL
		 " -U " UUID " %s && debugfs -w -R 'ssv mtime 20250102030405' %s >/dev/null 2>&1"
		 " && debugfs -w -R 'ssv mnt_count 7' %s >/dev/null 2>&1", img, img, img, img);
	if (system(cmd) || rd(sb, PS_EXTSB_OFFSET))
		return -1;
	uint64_t bs = 1024ull << PS_FIELD_GET(PS_EXTSB, sb, s_log_block_size);
	uint64_t g1 = (PS_FIELD_GET(PS_EXTSB, sb, s_first_data_block) +
		       PS_FIELD_GET(PS_EXTSB, sb, s_blocks_per_group)) * bs;
	if (rd(backup, g1))
		return -1;
	snprintf(cmd, sizeof(cmd), "TZ=UTC dumpe2fs -h %s 2>/dev/null", img);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	char buf[768];
	while (nlines < MAXLINES && fgets(buf, sizeof(buf), p)) {
		char *c = strchr(buf, ':');
		if (!c)
			continue;
		*c++ = 0;
		c += strspn(c, " \t");
		c[strcspn(c, "\n")] = 0;
		snprintf(lines[nlines].name, sizeof(lines[0].name), "%.63s", buf);
		snprintf(lines[nlines].value, sizeof(lines[0].value), "%.511s", c);
		nlines++;
	}
	return pclose(p) ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	if (dir[0]) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			return -1;
	}
	return 0;
}

static const char *dv(const char *name)
{
	for (size_t i = 0; i < nlines; i++)
		if (!strcmp(lines[i].name, name))
			return lines[i].value;
	fail_msg("dumpe2fs -h prints no \"%s\"", name);
	return NULL;
}

static uint64_t dnum(const char *name)
{
	return strtoull(dv(name), NULL, 0);
}

/* dumpe2fs prints a time as ctime() does (here in UTC), "n/a" for 0 */
static uint64_t dtime(const char *name)
{
	const char *v = dv(name);
	if (!strcmp(v, "n/a"))
		return 0;
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(v, "%a %b %e %H:%M:%S %Y", &tm);
	if (!end || *end)
		fail_msg("%s: cannot read the time \"%s\"", name, v);
	return (uint64_t)timegm(&tm);
}

/* dumpe2fs's feature names and their bits (ext4.h EXT4_FEATURE_*) */
static const struct {
	const char *name;
	int word;	/* 0 compat, 1 incompat, 2 ro_compat */
	uint32_t bit;
} feats[] = {
	{ "dir_prealloc", 0, 0x1 }, { "imagic_inodes", 0, 0x2 }, { "has_journal", 0, 0x4 },
	{ "ext_attr", 0, 0x8 }, { "resize_inode", 0, 0x10 }, { "dir_index", 0, 0x20 },
	{ "sparse_super2", 0, 0x200 }, { "fast_commit", 0, 0x400 },
	{ "stable_inodes", 0, 0x800 }, { "orphan_file", 0, 0x1000 },
	{ "filetype", 1, 0x2 }, { "needs_recovery", 1, 0x4 }, { "journal_dev", 1, 0x8 },
	{ "meta_bg", 1, 0x10 }, { "extent", 1, 0x40 }, { "64bit", 1, 0x80 },
	{ "mmp", 1, 0x100 }, { "flex_bg", 1, 0x200 }, { "ea_inode", 1, 0x400 },
	{ "metadata_csum_seed", 1, 0x2000 }, { "large_dir", 1, 0x4000 },
	{ "inline_data", 1, 0x8000 }, { "encrypt", 1, 0x10000 }, { "casefold", 1, 0x20000 },
	{ "sparse_super", 2, 0x1 }, { "large_file", 2, 0x2 }, { "huge_file", 2, 0x8 },
	{ "uninit_bg", 2, 0x10 }, { "dir_nlink", 2, 0x20 }, { "extra_isize", 2, 0x40 },
	{ "quota", 2, 0x100 }, { "bigalloc", 2, 0x200 }, { "metadata_csum", 2, 0x400 },
	{ "project", 2, 0x2000 }, { "verity", 2, 0x8000 }, { "orphan_present", 2, 0x10000 },
};

static uint64_t dfeatures(int word)
{
	char list[512];
	snprintf(list, sizeof(list), "%s", dv("Filesystem features"));
	uint64_t mask = 0;
	for (char *save, *t = strtok_r(list, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		size_t i;
		for (i = 0; i < sizeof(feats) / sizeof(feats[0]); i++)
			if (!strcmp(feats[i].name, t))
				break;
		if (i == sizeof(feats) / sizeof(feats[0]))
			fail_msg("dumpe2fs names a feature this test does not know: %s", t);
		if (feats[i].word == word)
			mask |= feats[i].bit;
	}
	return mask;
}

#define GET(f) PS_FIELD_GET(PS_EXTSB, sb, f)

/* What dumpe2fs says each field holds. */
static uint64_t expected(const char *f, const uint8_t *b)
{
	char u[37];
	if (!strcmp(f, "s_inodes_count")) return dnum("Inode count");
	if (!strcmp(f, "s_blocks_count_lo")) return dnum("Block count") & 0xffffffffu;
	if (!strcmp(f, "s_blocks_count_hi")) return dnum("Block count") >> 32;
	if (!strcmp(f, "s_r_blocks_count_lo")) return dnum("Reserved block count") & 0xffffffffu;
	if (!strcmp(f, "s_free_blocks_count_lo")) return dnum("Free blocks") & 0xffffffffu;
	if (!strcmp(f, "s_free_inodes_count")) return dnum("Free inodes");
	if (!strcmp(f, "s_first_data_block")) return dnum("First block");
	if (!strcmp(f, "s_log_block_size")) return (uint64_t)__builtin_ctzll(dnum("Block size") >> 10);
	if (!strcmp(f, "s_blocks_per_group")) return dnum("Blocks per group");
	if (!strcmp(f, "s_inodes_per_group")) return dnum("Inodes per group");
	if (!strcmp(f, "s_mtime")) return dtime("Last mount time") & 0xffffffffu;
	if (!strcmp(f, "s_mtime_hi")) return dtime("Last mount time") >> 32;
	if (!strcmp(f, "s_wtime")) return dtime("Last write time") & 0xffffffffu;
	if (!strcmp(f, "s_wtime_hi")) return dtime("Last write time") >> 32;
	if (!strcmp(f, "s_mkfs_time")) return dtime("Filesystem created") & 0xffffffffu;
	if (!strcmp(f, "s_mkfs_time_hi")) return dtime("Filesystem created") >> 32;
	if (!strcmp(f, "s_mnt_count")) return dnum("Mount count");
	if (!strcmp(f, "s_max_mnt_count")) return (uint16_t)strtoll(dv("Maximum mount count"), NULL, 0);
	if (!strcmp(f, "s_magic")) return dnum("Filesystem magic number");
	if (!strcmp(f, "s_rev_level")) return dnum("Filesystem revision #");
	if (!strcmp(f, "s_first_ino")) return dnum("First inode");
	if (!strcmp(f, "s_inode_size")) return dnum("Inode size");
	if (!strcmp(f, "s_block_group_nr")) return 0;	/* the primary; the backup below */
	if (!strcmp(f, "s_feature_compat")) return dfeatures(0);
	if (!strcmp(f, "s_feature_incompat")) return dfeatures(1);
	if (!strcmp(f, "s_feature_ro_compat")) return dfeatures(2);
	if (!strcmp(f, "s_journal_inum")) return dnum("Journal inode");
	if (!strcmp(f, "s_journal_dev")) {
		for (size_t i = 0; i < nlines; i++)
			if (!strcmp(lines[i].name, "Journal device"))
				return strtoull(lines[i].value, NULL, 0);
		return 0;	/* printed only when set */
	}
	if (!strcmp(f, "s_checksum")) return dnum("Checksum");
	/* byte strings: 1 when they match */
	if (!strcmp(f, "s_uuid")) {
		ps_uuid_str(b + PS_EXTSB_OFF_s_uuid, u);
		return !strcmp(u, dv("Filesystem UUID"));
	}
	if (!strcmp(f, "s_volume_name")) {
		char n[PS_EXTSB_LEN_s_volume_name + 1] = { 0 };
		memcpy(n, b + PS_EXTSB_OFF_s_volume_name, PS_EXTSB_LEN_s_volume_name);
		return !strcmp(n, dv("Filesystem volume name"));
	}
	fail_msg("%s: no check for this field", f);
	return 0;
}

static void test_every_field_as_dumpe2fs_prints_it(void **state)
{
	(void)state;
	if (!nlines)
		skip();
	const struct ps_layout *l = &ps_ext_sb_layout;
	for (size_t i = 0; i < l->nfields; i++) {
		const struct ps_field *f = &l->fields[i];
		uint64_t want = expected(f->name, sb);
		if (!ps_field_is_int(f)) {
			if (!want)
				fail_msg("%s at 0x%x (%u bytes) differs from dumpe2fs", f->name,
					 f->off, f->len);
			continue;
		}
		if (ps_field_get(f, sb) != want)
			fail_msg("%s at 0x%x (%u bytes): %llu, dumpe2fs says %llu", f->name, f->off,
				 f->len, (unsigned long long)ps_field_get(f, sb),
				 (unsigned long long)want);
	}
	/* what the image was made with, so that no check passes on zeros */
	assert_string_equal(dv("Filesystem UUID"), UUID);
	assert_int_equal(GET(s_magic), PS_EXTSB_MAGIC);
	assert_int_equal(GET(s_mnt_count), 7);
	assert_int_equal(GET(s_mtime), 1735787045);	/* 2025-01-02 03:04:05 UTC */
	assert_true(GET(s_feature_compat) & PS_EXTSB_COMPAT_HAS_JOURNAL);
	assert_true(GET(s_feature_incompat) & PS_EXTSB_INCOMPAT_64BIT);
	assert_true(GET(s_feature_ro_compat) & PS_EXTSB_RO_METADATA_CSUM);
	assert_int_equal(GET(s_journal_inum), 8);
	/* the first backup superblock (group 1) says which group it is in */
	assert_int_equal(PS_FIELD_GET(PS_EXTSB, backup, s_magic), PS_EXTSB_MAGIC);
	assert_int_equal(PS_FIELD_GET(PS_EXTSB, backup, s_block_group_nr), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_field_as_dumpe2fs_prints_it),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
