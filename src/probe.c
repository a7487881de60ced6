/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "probe.h"
#include "be.h"
#include "crc32c.h"
#include "err.h"
#include "ext_sb.h"
#include "le.h"
#include "util.h"
#include "xfs_sb.h"
#include <blkid.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

const char *ps_content_name(enum ps_content c)
{
	switch (c) {
	case PS_CONTENT_FS: return "filesystem";
	case PS_CONTENT_ZEROS: return "zeros";
	case PS_CONTENT_MEMMAP: return "memmap";
	case PS_CONTENT_ENTROPY: return "high-entropy";
	default: return "unrecognised";
	}
}

#define EXTSB(f) PS_FIELD_GET(PS_EXTSB, sb, f)

/*
 * libblkid 2.38 does not verify ext4's superblock checksum (xfs's it
 * does), so check metadata_csum filesystems here: crc32c(~0) over the
 * superblock up to s_checksum.
 */
static void ext4_sb_csum(struct ps_src *v, struct ps_probe *p)
{
	uint8_t sb[PS_EXTSB_SIZE];
	if (strncmp(p->type, "ext", 3) || ps_src_pread(v, sb, sizeof(sb), PS_EXTSB_OFFSET) ||
	    EXTSB(s_magic) != PS_EXTSB_MAGIC)
		return;
	if (!(EXTSB(s_feature_ro_compat) & PS_EXTSB_RO_METADATA_CSUM))
		return;
	if (ps_crc32c(~0u, sb, PS_EXTSB_OFF_s_checksum) != EXTSB(s_checksum)) {
		p->found = false;
		p->bad_csum = true;
	}
}

/* The size a filesystem says it has, from its superblock. */
static void fs_claim(struct ps_src *v, struct ps_probe *p)
{
	uint8_t sb[PS_EXTSB_SIZE];
	if (!strncmp(p->type, "ext", 3) || !strcmp(p->type, "jbd")) {
		if (ps_src_pread(v, sb, sizeof(sb), PS_EXTSB_OFFSET))
			return;
		if (EXTSB(s_magic) != PS_EXTSB_MAGIC)
			return;
		uint64_t log = EXTSB(s_log_block_size);
		if (log > 6)	/* 64 KiB blocks at most */
			return;
		uint64_t bs = 1024ull << log;
		uint64_t blocks = EXTSB(s_blocks_count_lo);
		if (EXTSB(s_feature_incompat) & PS_EXTSB_INCOMPAT_64BIT)
			blocks |= EXTSB(s_blocks_count_hi) << 32;
		p->block_size = (uint32_t)bs;
		if (ps_mul_ovf(blocks, bs, &p->fs_size))
			p->fs_size = UINT64_MAX;
	} else if (!strcmp(p->type, "xfs")) {
		struct ps_xsb x;
		if (ps_xsb_read_src(v, &x) || x.magicnum != PS_XSB_MAGIC)
			return;
		uint32_t bs = x.blocksize;
		if (bs < 512 || bs > 65536 || (bs & (bs - 1)))
			return;
		p->block_size = bs;
		if (ps_mul_ovf(x.dblocks, bs, &p->fs_size))
			p->fs_size = UINT64_MAX;
	}
}

/* Describe bytes that are not a filesystem: sample the first 256 KiB. */
static void classify(struct ps_src *v, struct ps_probe *p)
{
	enum { SAMPLE = 256 * 1024 };
	uint64_t d;
	size_t n = v->size < SAMPLE ? (size_t)v->size : SAMPLE;
	if (ps_src_next_data(v, 0, &d) == PS_OK && d >= n) {
		p->content = PS_CONTENT_ZEROS;
		p->hole = true;
		return;
	}
	uint8_t *b = malloc(n ? n : 1);
	if (!b || ps_src_pread(v, b, n, 0)) {
		free(b);
		p->content = PS_CONTENT_OTHER;
		p->unreadable = true;
		return;
	}
	size_t nonzero = 0, ptrrec = 0, recs = 0;
	size_t hist[256] = { 0 };
	for (size_t i = 0; i < n; i++) {
		hist[b[i]]++;
		nonzero += b[i] != 0;
	}
	/* struct page: 64-byte records holding kernel virtual addresses */
	for (size_t r = 0; r + 64 <= n; r += 64) {
		if (ps_is_zero(b + r, 64))
			continue;
		recs++;
		for (size_t q = 0; q < 64; q += 8) {
			uint64_t w = ps_le64(b + r + q);
			if ((w >> 48) == 0xffff && w != UINT64_MAX) {
				ptrrec++;
				break;
			}
		}
	}
	double h = 0;
	for (int i = 0; i < 256; i++) {
		if (!hist[i])
			continue;
		double f = (double)hist[i] / (double)n;
		h -= f * log2(f);
	}
	p->entropy = h;
	p->memmap_recs = recs;
	p->memmap_ptrs = ptrrec;
	p->nonzero_pct = n ? (unsigned)(nonzero * 100 / n) : 0;
	p->nonzero = nonzero;
	p->sampled = n;
	if (!nonzero)
		p->content = PS_CONTENT_ZEROS;
	else if (recs && ptrrec * 4 >= recs * 3)
		p->content = PS_CONTENT_MEMMAP;
	else if (h > 7.5)	/* compressed, encrypted and random data are all near 8 */
		p->content = PS_CONTENT_ENTROPY;
	else
		p->content = PS_CONTENT_OTHER;
	free(b);
}

/*
 * libblkid needs a file descriptor. A view without one (BTT, memory) is
 * presented through a sparse memfd holding its first and last 8 MiB,
 * where every superblock libblkid looks for lives.
 */
static int view_fd(struct ps_src *v, int *fd, uint64_t *off, int *owned)
{
	enum { EDGE = 8 << 20 };
	*owned = 0;
	if (v->fd >= 0) {
		*fd = v->fd;
		*off = v->fd_off;
		return PS_OK;
	}
	int m = memfd_create("pmemscan-probe", MFD_CLOEXEC);
	if (m < 0)
		return PS_EIO;
	if (ftruncate(m, (off_t)v->size) < 0) {
		close(m);
		return PS_EIO;
	}
	uint8_t *buf = malloc(1 << 20);
	if (!buf) {
		close(m);
		return PS_ENOMEM;
	}
	uint64_t ranges[2][2] = {
		{ 0, v->size < EDGE ? v->size : EDGE },
		{ v->size > EDGE ? v->size - EDGE : 0, v->size },
	};
	for (int r = 0; r < 2; r++) {
		for (uint64_t o = ranges[r][0]; o < ranges[r][1];) {
			uint64_t dat;
			if (ps_src_next_data(v, o, &dat) || dat >= ranges[r][1])
				break;
			o = dat;
			size_t n = ranges[r][1] - o > (1 << 20) ? (1 << 20) :
				   (size_t)(ranges[r][1] - o);
			if (ps_src_pread(v, buf, n, o) == PS_OK &&
			    !ps_is_zero(buf, n) &&
			    ps_pwrite_all(m, buf, n, o)) {
				free(buf);
				close(m);
				return PS_EIO;
			}
			o += n;
		}
	}
	free(buf);
	*fd = m;
	*off = 0;
	*owned = 1;
	return PS_OK;
}

static void get_value(blkid_probe pr, const char *name, char *dst, size_t n)
{
	const char *val;
	if (blkid_probe_lookup_value(pr, name, &val, NULL) == 0)
		snprintf(dst, n, "%s", val);
}

/* one libblkid run; *found: what libblkid's safe probe returned (0 a
 * result, 1 nothing, -2 ambivalent, -1 an error) */
static int blkid_once(int fd, uint64_t off, uint64_t size, int badcsum,
		      struct ps_probe *p, int *found)
{
	*found = -1;
	blkid_probe pr = blkid_new_probe();
	if (!pr)
		return PS_ENOMEM;
	int rc = PS_OK;
	if (blkid_probe_set_device(pr, fd, (blkid_loff_t)off, (blkid_loff_t)size)) {
		rc = PS_EIO;
		goto out;
	}
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID |
		BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE | BLKID_SUBLKS_VERSION |
		(badcsum ? BLKID_SUBLKS_BADCSUM : 0));
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC);
	int r = blkid_do_safeprobe(pr);
	*found = r;
	if (r == -2) {
		p->ambivalent = true;
	} else if (r == 0) {
		const char *val;
		get_value(pr, "TYPE", p->type, sizeof(p->type));
		if (!p->type[0] && blkid_probe_lookup_value(pr, "PTTYPE", &val, NULL) == 0) {
			snprintf(p->type, sizeof(p->type), "%s", val);
			snprintf(p->usage, sizeof(p->usage), "partition table");
			get_value(pr, "PTUUID", p->uuid, sizeof(p->uuid));
		} else {
			get_value(pr, "USAGE", p->usage, sizeof(p->usage));
			get_value(pr, "UUID", p->uuid, sizeof(p->uuid));
		}
		get_value(pr, "LABEL", p->label, sizeof(p->label));
		get_value(pr, "VERSION", p->version, sizeof(p->version));
		if (badcsum && blkid_probe_lookup_value(pr, "SBBADCSUM", &val, NULL) == 0)
			p->bad_csum = true;
		if (p->type[0])
			p->found = !badcsum || !p->bad_csum;
	} else if (r < 0) {
		rc = PS_EIO;
	}
out:
	blkid_free_probe(pr);
	return rc;
}

/*
 * What libblkid finds with checksums enforced and, when that is nothing,
 * what it finds with bad checksums allowed. The run that allows them
 * finds every match the enforcing run finds (a prober only differs in
 * accepting a bad checksum, which it then reports), so it is made first:
 * when it finds nothing, or one result with a good checksum, the
 * enforcing run would find just that, and is not made. Each run is
 * dozens of small reads, and most views probed hold no filesystem.
 */
static int blkid_view(int fd, uint64_t off, uint64_t size, struct ps_probe *p)
{
	struct ps_probe q;
	memset(&q, 0, sizeof(q));
	q.room = size;
	int rq, r;
	int rcq = blkid_once(fd, off, size, 1, &q, &rq);
	if (rcq == PS_OK && (rq == 1 || (rq == 0 && q.type[0] && !q.bad_csum))) {
		*p = q;
		return PS_OK;
	}
	int rc = blkid_once(fd, off, size, 0, p, &r);
	if (rc == PS_OK && !p->type[0] && !p->ambivalent && rcq == PS_OK && q.type[0]) {
		/* nothing valid: a filesystem with bad checksums */
		*p = q;
		p->found = false;
		p->bad_csum = true;
	}
	return rc;
}

/*
 * The probes made during one analysis, by view: a view onto the same
 * bytes (the same file descriptor, offset and size) is probed once. The
 * earlier-layout search and the candidates of overlapping namespaces
 * (an image tiled with info blocks) probe the same views again and again.
 */
enum { MEMO_BUCKETS = 4096, MEMO_MAX = 8192 };
struct memo_ent {
	uint64_t off, size;
	struct ps_probe p;
	uint32_t next;		/* index + 1 of the next in its bucket, 0 at the end */
};
struct probe_memo {
	int fd;
	uint32_t n, cap;
	struct memo_ent *e;
	uint32_t head[MEMO_BUCKETS];
};

static void memo_free(void *m)
{
	struct probe_memo *pm = m;
	if (pm)
		free(pm->e);
	free(pm);
}

int ps_probe_memo_begin(struct ps_src *src)
{
	if (src->memo || src->fd < 0)
		return PS_OK;
	struct probe_memo *pm = calloc(1, sizeof(*pm));
	if (!pm)
		return PS_ENOMEM;
	pm->fd = src->fd;
	src->memo = pm;
	src->memo_free = memo_free;
	return PS_OK;
}

void ps_probe_memo_end(struct ps_src *src)
{
	if (src->memo_free != memo_free)
		return;
	memo_free(src->memo);
	src->memo = NULL;
	src->memo_free = NULL;
}

static struct probe_memo *memo_of(struct ps_src *v)
{
	if (v->fd < 0 || !ps_src_size_known(v))
		return NULL;
	for (struct ps_src *s = v; s && s->fd == v->fd; s = s->parent)
		if (s->memo_free == memo_free)
			return ((struct probe_memo *)s->memo)->fd == v->fd ? s->memo : NULL;
	return NULL;
}

static uint32_t memo_bucket(uint64_t off, uint64_t size)
{
	uint64_t h = (off ^ (size * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
	return (uint32_t)(h >> 52) % MEMO_BUCKETS;
}

static const struct ps_probe *memo_find(const struct probe_memo *pm, uint64_t off,
					uint64_t size)
{
	for (uint32_t i = pm->head[memo_bucket(off, size)]; i; i = pm->e[i - 1].next)
		if (pm->e[i - 1].off == off && pm->e[i - 1].size == size)
			return &pm->e[i - 1].p;
	return NULL;
}

/* (a memo that cannot grow keeps what it has: the probe is only made again) */
static void memo_add(struct probe_memo *pm, uint64_t off, uint64_t size,
		     const struct ps_probe *p)
{
	if (pm->n == MEMO_MAX)
		return;
	if (pm->n == pm->cap) {
		uint32_t cap = pm->cap ? pm->cap * 2 : 64;
		struct memo_ent *e = realloc(pm->e, cap * sizeof(*e));
		if (!e)
			return;
		pm->e = e;
		pm->cap = cap;
	}
	struct memo_ent *x = &pm->e[pm->n++];
	uint32_t b = memo_bucket(off, size);
	x->off = off;
	x->size = size;
	x->p = *p;
	x->next = pm->head[b];
	pm->head[b] = pm->n;
}

static int probe_view(struct ps_src *v, struct ps_probe *p);

int ps_probe_view(struct ps_src *v, struct ps_probe *p)
{
	struct probe_memo *pm = memo_of(v);
	const struct ps_probe *known = pm ? memo_find(pm, v->fd_off, v->size) : NULL;
	if (known) {
		*p = *known;
		return PS_OK;
	}
	int rc = probe_view(v, p);
	if (rc == PS_OK && pm)
		memo_add(pm, v->fd_off, v->size, p);
	return rc;
}

static int probe_view(struct ps_src *v, struct ps_probe *p)
{
	memset(p, 0, sizeof(*p));
	p->room = v->size;
	int fd, owned;
	uint64_t off;
	int rc = view_fd(v, &fd, &off, &owned);
	if (rc)
		return rc;
	rc = blkid_view(fd, off, v->size, p);
	if (owned)
		close(fd);
	if (rc)
		return rc;
	uint8_t sb[PS_EXTSB_SIZE];
	if (!strncmp(p->type, "ext", 3) && !ps_src_pread(v, sb, sizeof(sb), PS_EXTSB_OFFSET) &&
	    EXTSB(s_magic) == PS_EXTSB_MAGIC && EXTSB(s_block_group_nr)) {
		/* s_block_group_nr: a backup superblock, not a start */
		uint32_t g = EXTSB(s_block_group_nr);
		memset(p, 0, sizeof(*p));
		p->room = v->size;
		p->ext_backup_group = g;
	}
	if (p->type[0]) {
		p->content = PS_CONTENT_FS;
		ext4_sb_csum(v, p);
		fs_claim(v, p);
	} else {
		classify(v, p);
	}
	return PS_OK;
}
