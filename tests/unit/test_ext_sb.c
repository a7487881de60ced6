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
 * that dumpe2fs's 32-bit times imply. s_jnl_blocks (the journal inode's
 * backup) is compared with the inode's i_block as `debugfs inode_dump -b`
 * prints it and its size as `debugfs stat` does. The group descriptor
 * table (ext4_group_desc) is compared, group by group, with the lines
 * `dumpe2fs` prints for groups 0 and 1.
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
#include "le.h"
#include "util.h"

#define UUID "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
#define JUUID "11111111-2222-4333-8444-555555555555"
#define ERRFN "ps_last_fn"
#define LABEL "pmsb"
#define MAXLINES 128

struct dline {
	char name[64];
	char value[512];
};

static char dir[64], img[96];
static uint8_t sb[PS_EXTSB_SIZE], backup[PS_EXTSB_SIZE];
static uint8_t gd[2][PS_EXTGD_SIZE];
/* what dumpe2fs prints for groups 0 and 1 */
static struct {
	int seen;
	uint64_t bbitmap, ibitmap, itable, fblocks, finodes, dirs;
} grp[2];
static uint8_t iblock[60];	/* the journal inode's i_block, by debugfs */
static uint64_t jsize;		/* its size, by debugfs */
static struct dline lines[MAXLINES];
static size_t nlines;

static int rdn(uint8_t *b, size_t n, uint64_t off)
{
	FILE *f = fopen(img, "rb");
	int ok = f && !fseeko(f, (off_t)off, SEEK_SET) && fread(b, 1, n, f) == n;
	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

static int rd(uint8_t *b, uint64_t off)
{
	return rdn(b, PS_EXTSB_SIZE, off);
}

/* dumpe2fs's group lines for groups 0 and 1 */
static int read_groups(void)
{
	char cmd[256], buf[512];
	snprintf(cmd, sizeof(cmd), "dumpe2fs %s 2>/dev/null", img);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	int g = -1;
	while (fgets(buf, sizeof(buf), p)) {
		int n;
		unsigned long long a, b, c, d;
		if (sscanf(buf, "Group %d:", &n) == 1) {
			g = n < 2 ? n : -1;
			if (g >= 0)
				grp[g].seen = 1;
			continue;
		}
		if (g < 0)
			continue;
		const char *t = buf + strspn(buf, " ");
		if (sscanf(t, "Block bitmap at %llu", &a) == 1)
			grp[g].bbitmap = a;
		else if (sscanf(t, "Inode bitmap at %llu", &a) == 1)
			grp[g].ibitmap = a;
		else if (sscanf(t, "Inode table at %llu", &a) == 1)
			grp[g].itable = a;
		else if (sscanf(t, "%llu free blocks, %llu free inodes, %llu directories", &a, &b,
				&c) == 3) {
			grp[g].fblocks = a;
			grp[g].finodes = b;
			grp[g].dirs = c;
		}
		(void)d;
	}
	return pclose(p) ? -1 : 0;
}

/* The journal inode's i_block as `debugfs -R "inode_dump -b <8>"` prints
 * it (lines of 16 bytes at octal offsets, "*" for lines repeating the one
 * before), and its size as `stat <8>` prints it. */
static int read_journal_inode(void)
{
	char cmd[256], buf[512];
	snprintf(cmd, sizeof(cmd), "debugfs -R 'inode_dump -b <8>' %s 2>/dev/null", img);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	uint8_t last[16] = { 0 };
	long at = 0;
	int star = 0;
	while (fgets(buf, sizeof(buf), p)) {
		if (buf[0] == '*') {
			star = 1;
			continue;
		}
		char *end;
		long off = strtol(buf, &end, 8);
		if (end == buf || *end != ' ')
			continue;
		for (; star && at < off; at += 16)
			memcpy(iblock + at, last, at + 16 <= (long)sizeof(iblock) ? 16 : sizeof(iblock) - (size_t)at);
		star = 0;
		uint8_t line[16] = { 0 };
		int k = 0;
		for (char *q = end; k < 16 && *q && *q != '\n';) {
			unsigned v;
			int used;
			q += strspn(q, " ");
			if (sscanf(q, "%2x%n", &v, &used) != 1 || used != 2)
				break;
			line[k++] = (uint8_t)v;
			q += 2;
		}
		if (off + k > (long)sizeof(iblock))
			k = (int)(sizeof(iblock) - (size_t)off);
		if (k > 0)
			memcpy(iblock + off, line, (size_t)k);
		memcpy(last, line, 16);
		at = off + 16;
	}
	for (; star && at < (long)sizeof(iblock); at += 16)
		memcpy(iblock + at, last, at + 16 <= (long)sizeof(iblock) ? 16 : sizeof(iblock) - (size_t)at);
	if (pclose(p))
		return -1;
	snprintf(cmd, sizeof(cmd), "debugfs -R 'stat <8>' %s 2>/dev/null", img);
	if (!(p = popen(cmd, "r")))
		return -1;
	while (fgets(buf, sizeof(buf), p)) {
		char *z = strstr(buf, "Size: ");
		if (z && strstr(buf, "User:"))
			jsize = strtoull(z + 6, NULL, 10);
	}
	return pclose(p) ? -1 : 0;
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
	if (system(cmd))
		return -1;
	snprintf(cmd, sizeof(cmd), "debugfs -w -R 'ssv journal_uuid " JUUID "' %s >/dev/null 2>&1"
		 " && debugfs -w -R 'ssv error_count 3' %s >/dev/null 2>&1"
		 " && debugfs -w -R 'ssv last_error_func " ERRFN "' %s >/dev/null 2>&1"
		 " && debugfs -w -R 'ssv last_error_time 20250102030405' %s >/dev/null 2>&1",
		 img, img, img, img);
	if (system(cmd) || rd(sb, PS_EXTSB_OFFSET))
		return -1;
	uint64_t bs = 1024ull << PS_FIELD_GET(PS_EXTSB, sb, s_log_block_size);
	uint64_t g1 = (PS_FIELD_GET(PS_EXTSB, sb, s_first_data_block) +
		       PS_FIELD_GET(PS_EXTSB, sb, s_blocks_per_group)) * bs;
	if (rd(backup, g1))
		return -1;
	/* the descriptors: in the block after the superblock's */
	uint64_t dsz = PS_FIELD_GET(PS_EXTSB, sb, s_desc_size);
	uint64_t gdt = (PS_FIELD_GET(PS_EXTSB, sb, s_first_data_block) + 1) * bs;
	if (dsz != PS_EXTGD_SIZE || rdn(gd[0], PS_EXTGD_SIZE, gdt) ||
	    rdn(gd[1], PS_EXTGD_SIZE, gdt + dsz) || read_groups() || read_journal_inode())
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
	if (!strcmp(f, "s_free_blocks_count_hi")) return dnum("Free blocks") >> 32;
	if (!strcmp(f, "s_desc_size")) return dnum("Group descriptor size");
	if (!strcmp(f, "s_jnl_backup_type")) return !strcmp(dv("Journal backup"), "inode blocks");
	if (!strcmp(f, "s_error_count")) return dnum("FS Error count");
	if (!strcmp(f, "s_journal_uuid")) {
		ps_uuid_str(b + PS_EXTSB_OFF_s_journal_uuid, u);
		return !strcmp(u, dv("Journal UUID"));
	}
	if (!strcmp(f, "s_last_error_func")) {
		char n[PS_EXTSB_LEN_s_last_error_func + 1] = { 0 };
		memcpy(n, b + PS_EXTSB_OFF_s_last_error_func, PS_EXTSB_LEN_s_last_error_func);
		return !strcmp(n, dv("Last error function"));
	}
	if (!strcmp(f, "s_jnl_blocks")) {	/* i_block[15], i_size_high, i_size */
		const uint8_t *j = b + PS_EXTSB_OFF_s_jnl_blocks;
		return !memcmp(j, iblock, sizeof(iblock)) &&
		       ps_le32(j + 4 * PS_EXTSB_JNL_SIZE_HIGH) == jsize >> 32 &&
		       ps_le32(j + 4 * PS_EXTSB_JNL_SIZE) == (jsize & 0xffffffffu);
	}
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
	assert_int_equal(GET(s_error_count), 3);
	assert_string_equal(dv("Last error function"), ERRFN);
	assert_string_equal(dv("Journal UUID"), JUUID);
	assert_int_equal(GET(s_jnl_backup_type), PS_EXTSB_JNL_BACKUP_BLOCKS);
	/* an extent tree's header (magic 0xf30a) opens the journal's i_block */
	assert_int_equal(ps_le16(PS_FIELD_PTR(PS_EXTSB, sb, s_jnl_blocks)), 0xf30a);
	assert_true(jsize >= 1024 * 1024);
	/* the error-tracking range is the kernel's, 0x194 up to 0x200 */
	assert_int_equal(PS_EXTSB_ERRORS_END, 0x200);
	/* the first backup superblock (group 1) says which group it is in */
	assert_int_equal(PS_FIELD_GET(PS_EXTSB, backup, s_magic), PS_EXTSB_MAGIC);
	assert_int_equal(PS_FIELD_GET(PS_EXTSB, backup, s_block_group_nr), 1);
}

/* What dumpe2fs prints for group g's descriptor field f. */
static uint64_t gd_expected(const char *f, int g)
{
	if (!strcmp(f, "bg_block_bitmap_lo")) return grp[g].bbitmap & 0xffffffffu;
	if (!strcmp(f, "bg_inode_bitmap_lo")) return grp[g].ibitmap & 0xffffffffu;
	if (!strcmp(f, "bg_inode_table_lo")) return grp[g].itable & 0xffffffffu;
	if (!strcmp(f, "bg_free_blocks_count_lo")) return grp[g].fblocks & 0xffff;
	if (!strcmp(f, "bg_free_blocks_count_hi")) return grp[g].fblocks >> 16;
	if (!strcmp(f, "bg_free_inodes_count_lo")) return grp[g].finodes & 0xffff;
	if (!strcmp(f, "bg_free_inodes_count_hi")) return grp[g].finodes >> 16;
	if (!strcmp(f, "bg_used_dirs_count_lo")) return grp[g].dirs & 0xffff;
	if (!strcmp(f, "bg_used_dirs_count_hi")) return grp[g].dirs >> 16;
	fail_msg("%s: no check for this field", f);
	return 0;
}

static void test_group_descriptors_as_dumpe2fs_prints_them(void **state)
{
	(void)state;
	if (!nlines)
		skip();
	const struct ps_layout *l = &ps_ext_gd_layout;
	for (int g = 0; g < 2; g++) {
		assert_true(grp[g].seen);
		for (size_t i = 0; i < l->nfields; i++) {
			const struct ps_field *f = &l->fields[i];
			uint64_t want = gd_expected(f->name, g);
			if (ps_field_get(f, gd[g]) != want)
				fail_msg("group %d: %s at 0x%x (%u bytes): %llu, dumpe2fs says %llu",
					 g, f->name, f->off, f->len,
					 (unsigned long long)ps_field_get(f, gd[g]),
					 (unsigned long long)want);
		}
	}
	/* no check passes on zeros: both groups have free blocks and inodes,
	 * group 0 the root and lost+found */
	assert_true(PS_FIELD_GET(PS_EXTGD, gd[0], bg_free_blocks_count_lo) > 0);
	assert_true(PS_FIELD_GET(PS_EXTGD, gd[1], bg_free_inodes_count_lo) > 0);
	assert_int_equal(PS_FIELD_GET(PS_EXTGD, gd[0], bg_used_dirs_count_lo), 2);
	assert_true(PS_FIELD_GET(PS_EXTGD, gd[1], bg_inode_table_lo) >
		    PS_FIELD_GET(PS_EXTGD, gd[0], bg_inode_table_lo));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_field_as_dumpe2fs_prints_it),
		cmocka_unit_test(test_group_descriptors_as_dumpe2fs_prints_them),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
