/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mkfx-pfn: write a pfn (fsdax) or dax (devdax) info block into a namespace
 * inside an image file exactly as a given kernel era's nd_pfn_init() (or
 * ndctl write-infoblock) would have computed it, and print the resulting
 * layout as key=value lines for the tests.
 *
 * The formulas are the spec's §8 (F2..F10, ndctl), re-checked against the
 * kernel sources named in docs/fixtures.md. x86_64 constants: 4 KiB pages,
 * 2 MiB PMD/HPAGE, 128 MiB memory sections, 2 MiB memremap_compat_align().
 *
 * Collisions (what makes F2..F5 pad): the caller says what shares the
 * namespace's first/last 128 MiB section:
 *   --ram-below END      System RAM ends (exclusive) at END <= base
 *   --region-below END   another pmem region ends at END <= base
 *   --ram-above START    System RAM starts at START >= base + size
 *   --region-above START another pmem region starts at START >= base + size
 * F2/F3/F3b only react to System RAM (region_intersects(IORESOURCE_SYSTEM_RAM)
 * == REGION_MIXED); F4/F5 also to other regions (nd_region_conflict).
 */
#include "le.h"
#include "pfn.h"
#include "units.h"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KiB ((uint64_t)1024)
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)
#define PAGE ((uint64_t)4096)
#define SZ_128K (128 * KiB)
#define PMD (2 * MiB)			/* PMD_SIZE == HPAGE_SIZE on x86_64 */
#define SECTION (128 * MiB)		/* 1 << SECTION_SIZE_BITS (27) */
#define PAGES_PER_SECTION (SECTION / PAGE)
#define SUBSECTION (2 * MiB)
#define COMPAT_ALIGN (2 * MiB)		/* memremap_compat_align(), x86_64 */
#define NONE UINT64_MAX

enum era { F2, F3, F3B, F4, F5, F6, F7, F8, F9, F10, NDCTL };
static const char *const era_names[] = {
	"F2", "F3", "F3b", "F4", "F5", "F6", "F7", "F8", "F9", "F10", "ndctl",
};

struct opts {
	enum era era;
	uint64_t size, base, ns_off, align;
	uint32_t mode;
	enum ps_pfn_kind kind;
	uint64_t seed;
	int minor;			/* -1: the era's own */
	uint64_t ram_below, region_below, ram_above, region_above;
	bool uuid_set, parent_set, no_write;
	uint8_t uuid[16], parent[16];
};

struct layout {
	uint64_t npfns0, start, start_pad, end_trunc, dataoff, npfns;
	unsigned minor;
	uint16_t page_struct_size;
	uint32_t page_size;
};

static const char *prog = "mkfx-pfn";

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static uint64_t up(uint64_t v, uint64_t a) { return ps_align_up(v, a); }
static uint64_t down(uint64_t v, uint64_t a) { return ps_align_down(v, a); }
static uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }
static uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* decimal or 0x-hex, optional K/M/G/T suffix (powers of two) */
static uint64_t parse_num(const char *s, const char *what)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		die("bad number for %s", what);
	uint64_t mul = 1;
	switch (*end) {
	case 'k': case 'K': mul = KiB; end++; break;
	case 'm': case 'M': mul = MiB; end++; break;
	case 'g': case 'G': mul = GiB; end++; break;
	case 't': case 'T': mul = 1024 * GiB; end++; break;
	}
	uint64_t r;
	if (*end || ps_mul_ovf(v, mul, &r))
		die("bad number for %s", what);
	return r;
}

static int parse_uuid(const char *s, uint8_t out[16])
{
	int n = 0;
	for (const char *p = s; *p && n < 32; p++) {
		if (*p == '-')
			continue;
		int v;
		if (*p >= '0' && *p <= '9') v = *p - '0';
		else if (*p >= 'a' && *p <= 'f') v = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F') v = *p - 'A' + 10;
		else return -1;
		if (n % 2 == 0)
			out[n / 2] = (uint8_t)(v << 4);
		else
			out[n / 2] |= (uint8_t)v;
		n++;
	}
	return n == 32 ? 0 : -1;
}

/* splitmix64: a fixed, documented stream so uuids depend on --seed only */
static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void seed_uuid(uint64_t seed, uint64_t stream, uint8_t out[16])
{
	uint64_t s = seed * 2 + stream;
	ps_put_le64(out, splitmix(&s));
	ps_put_le64(out + 8, splitmix(&s));
	out[6] = (uint8_t)((out[6] & 0x0f) | 0x40);	/* version 4 */
	out[8] = (uint8_t)((out[8] & 0x3f) | 0x80);	/* RFC 4122 variant */
}

static void print_uuid(const char *key, const uint8_t u[16])
{
	printf("%s=", key);
	for (int i = 0; i < 16; i++)
		printf("%s%02x", i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "", u[i]);
	putchar('\n');
}

/*
 * Does [a, b) contain some, but not all, of [r0, r1)'s kind of memory?
 * region_intersects() returns REGION_MIXED when the range overlaps the
 * resource and also holds something else; a pmem namespace is never System
 * RAM, so any overlap is MIXED.
 */
static bool overlaps(uint64_t a, uint64_t b, uint64_t r0, uint64_t r1)
{
	return r0 < b && a < r1;
}

/* What lies below base / above end, as [r0, r1) ranges (NONE = nothing). */
static bool ram_in(const struct opts *o, uint64_t a, uint64_t b)
{
	return (o->ram_below != NONE && overlaps(a, b, 0, o->ram_below)) ||
	       (o->ram_above != NONE && overlaps(a, b, o->ram_above, UINT64_MAX));
}

static bool region_in(const struct opts *o, uint64_t a, uint64_t b)
{
	return (o->region_below != NONE && overlaps(a, b, 0, o->region_below)) ||
	       (o->region_above != NONE && overlaps(a, b, o->region_above, UINT64_MAX));
}

/*
 * The era's nd_pfn_init(). Returns NULL on success, else the kernel's
 * refusal message.
 */
static const char *compute(const struct opts *o, struct layout *l)
{
	const uint64_t B = o->base, S = o->size, end = B + S;
	const bool dax = o->kind == PS_PFN_DEVDAX;
	const bool pmem = o->mode == PS_PFN_MODE_PMEM;
	uint64_t P = 0, T = 0, D, start, a;

	memset(l, 0, sizeof(*l));
	l->page_size = 0;
	l->page_struct_size = 0;
	switch (o->era) {
	case F2: case F3: case F3B: {
		/* section collision with System RAM only */
		if (ram_in(o, down(B, SECTION), down(B, SECTION) + S))
			P = up(B, SECTION) - B;
		bool end_hit = ram_in(o, B, up(end, SECTION));
		if (o->era == F3B) {
			if (end_hit || end % o->align)
				T = end - min64(down(end, SECTION), down(end, o->align));
		} else if (end_hit) {
			T = end - down(end, SECTION);
		}
		start = B + P;
		uint64_t lres = dax ? SZ_128K : 0;
		if (o->era == F2 && dax && o->minor == 1)
			return "devdax needs a version 1.2 block (v4.8+): use --minor 2";
		if (S < P + T + SZ_8K)
			return "unable to satisfy requested alignment";
		l->npfns0 = (S - P - T - SZ_8K) / PAGE;
		if (o->era == F3B)
			l->npfns0 = up(l->npfns0, PAGES_PER_SECTION);
		if (!pmem)
			D = up(start + SZ_8K + lres, o->align) - start;
		else if (o->era == F2)
			D = up(start + SZ_8K + 64 * l->npfns0 + lres, o->align) - start;
		else if (o->era == F3)
			D = up(start + SZ_8K + up(64 * l->npfns0, PMD) + lres, o->align) - start;
		else
			D = up(start + SZ_8K + 64 * l->npfns0 + lres, max64(o->align, PMD)) - start;
		l->minor = o->era == F2 ? (dax ? 2 : 1) : 2;
		break;
	}
	case F4: case F5: {
		/* trim_pfn_device(): System RAM or another region */
		uint64_t s0 = down(B, SECTION);
		if (ram_in(o, s0, end) || region_in(o, s0, end))
			P = up(B, SECTION) - B;
		uint64_t e1 = up(end, SECTION);
		if (ram_in(o, B, e1) || end % o->align || region_in(o, B, e1))
			T = end - min64(down(end, SECTION), down(end, o->align));
		start = B + P;
		uint64_t res = o->era == F4 ? SZ_8K : up(SZ_8K, PAGE);
		uint64_t lres = o->era == F4 && dax ? SZ_128K : 0;
		if (S < P + T + res)
			return "unable to satisfy requested alignment";
		l->npfns0 = up((S - P - T - res) / PAGE, PAGES_PER_SECTION);
		if (pmem)
			D = up(start + res + 64 * l->npfns0 + lres, max64(o->align, PMD)) - start;
		else
			D = up(start + res + lres, o->align) - start;
		l->minor = 2;
		break;
	}
	case F6: case F7: case F8: case F9: case F10: {
		a = max64(o->align, o->era >= F8 ? COMPAT_ALIGN : SUBSECTION);
		if (o->era >= F8 && B % COMPAT_ALIGN)
			return "resource start misaligned (creation refused since v5.7)";
		T = end - down(end, a);
		start = B;
		uint64_t res = up(SZ_8K, PAGE);
		if (S < res)
			return "unable to satisfy requested alignment";
		l->npfns0 = (S - res) / PAGE;
		uint64_t pss = o->era == F9 ? 128 : 64;
		if (pmem)
			D = up(B + res + pss * l->npfns0, a) - B;
		else
			D = up(B + res, a) - B;
		l->minor = o->era == F6 ? 3 : 4;
		if (l->minor >= 4) {
			l->page_size = PAGE;
			l->page_struct_size = (uint16_t)pss;
		}
		break;
	}
	case NDCTL: default: {
		/* ndctl write_pfn_sb(): x = --offset, everything relative to it */
		a = max64(o->align, PMD);
		P = up(B, a) - B;
		T = end - down(end, a);
		start = B;
		if (S < SZ_8K)
			return "namespace too small";
		l->npfns0 = (S - SZ_8K) / PAGE;
		if (pmem)
			D = up(B + SZ_8K + 64 * l->npfns0, a) - B;
		else
			D = up(B + SZ_8K, a) - B;
		l->minor = 4;
		l->page_size = PAGE;
		l->page_struct_size = 64;
		break;
	}
	}

	if (o->era >= F8 && o->era != NDCTL) {
		if (D >= S - T)
			return "unable to satisfy requested alignment";
	} else if (o->era == NDCTL) {
		if (D + P + T >= S)
			return "unable to satisfy requested alignment";
	} else if (D + P + T >= S) {
		return "unable to satisfy requested alignment";
	}
	if (o->minor >= 0)
		l->minor = (unsigned)o->minor;
	l->start = start;
	l->start_pad = P;
	l->end_trunc = T;
	l->dataoff = D;
	l->npfns = (S - D - P - T) / PAGE;
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: %s --era ERA --size S [options] IMAGE\n"
"  --era F2|F3|F3b|F4|F5|F6|F7|F8|F9|F10|ndctl   whose nd_pfn_init to follow\n"
"  --size S            namespace size (K/M/G/T suffixes, 0x-hex)\n"
"  --phys-base B       namespace physical base (ndctl era: its --offset); default 4G\n"
"  --ns-offset X       namespace start inside IMAGE; default 0\n"
"  --align A           default 2M\n"
"  --mode pmem|ram     where the memmap lives (map=dev / map=mem); default pmem\n"
"  --kind fsdax|devdax default fsdax\n"
"  --seed N            uuid and parent uuid derive from it; default 1\n"
"  --uuid U, --parent-uuid U|zero   override them\n"
"  --minor N           override the version_minor the era writes (F2: 1 or 2,\n"
"                      F4/F5: 2 or 3 as on later stable kernels)\n"
"  --ram-below END, --region-below END, --ram-above START, --region-above START\n"
"                      what shares the first/last 128 MiB section (see source)\n"
"  --no-write          only print the layout\n", prog);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "era", 1, 0, 'e' }, { "size", 1, 0, 's' }, { "phys-base", 1, 0, 'b' },
		{ "ns-offset", 1, 0, 'x' }, { "align", 1, 0, 'a' }, { "mode", 1, 0, 'm' },
		{ "kind", 1, 0, 'k' }, { "seed", 1, 0, 'S' }, { "uuid", 1, 0, 'u' },
		{ "parent-uuid", 1, 0, 'p' }, { "minor", 1, 0, 'n' },
		{ "ram-below", 1, 0, 1 }, { "region-below", 1, 0, 2 },
		{ "ram-above", 1, 0, 3 }, { "region-above", 1, 0, 4 },
		{ "no-write", 0, 0, 'N' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
	};
	struct opts o = {
		.era = NDCTL, .base = 4 * GiB, .align = 2 * MiB, .mode = PS_PFN_MODE_PMEM,
		.kind = PS_PFN_FSDAX, .seed = 1, .minor = -1, .ram_below = NONE,
		.region_below = NONE, .ram_above = NONE, .region_above = NONE,
	};
	bool have_era = false;
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'e': {
			size_t i;
			for (i = 0; i < sizeof(era_names) / sizeof(era_names[0]); i++)
				if (!strcasecmp(optarg, era_names[i]))
					break;
			if (i == sizeof(era_names) / sizeof(era_names[0]))
				die("unknown era %s", optarg);
			o.era = (enum era)i;
			have_era = true;
			break;
		}
		case 's': o.size = parse_num(optarg, "--size"); break;
		case 'b': o.base = parse_num(optarg, "--phys-base"); break;
		case 'x': o.ns_off = parse_num(optarg, "--ns-offset"); break;
		case 'a': o.align = parse_num(optarg, "--align"); break;
		case 'S': o.seed = parse_num(optarg, "--seed"); break;
		case 'n': o.minor = (int)parse_num(optarg, "--minor"); break;
		case 1: o.ram_below = parse_num(optarg, "--ram-below"); break;
		case 2: o.region_below = parse_num(optarg, "--region-below"); break;
		case 3: o.ram_above = parse_num(optarg, "--ram-above"); break;
		case 4: o.region_above = parse_num(optarg, "--region-above"); break;
		case 'N': o.no_write = true; break;
		case 'm':
			if (!strcmp(optarg, "pmem") || !strcmp(optarg, "dev"))
				o.mode = PS_PFN_MODE_PMEM;
			else if (!strcmp(optarg, "ram") || !strcmp(optarg, "mem"))
				o.mode = PS_PFN_MODE_RAM;
			else
				die("bad --mode %s (pmem or ram)", optarg);
			break;
		case 'k':
			if (!strcmp(optarg, "fsdax"))
				o.kind = PS_PFN_FSDAX;
			else if (!strcmp(optarg, "devdax"))
				o.kind = PS_PFN_DEVDAX;
			else
				die("bad --kind %s (fsdax or devdax)", optarg);
			break;
		case 'u':
			if (parse_uuid(optarg, o.uuid))
				die("bad --uuid %s", optarg);
			o.uuid_set = true;
			break;
		case 'p':
			if (!strcmp(optarg, "zero"))
				memset(o.parent, 0, 16);
			else if (parse_uuid(optarg, o.parent))
				die("bad --parent-uuid %s", optarg);
			o.parent_set = true;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!have_era || !o.size || (optind != argc - 1 && !o.no_write)) {
		usage(stderr);
		return 2;
	}
	if (!o.align || (o.align & (o.align - 1)) || o.align > UINT32_MAX)
		die("--align must be a power of two below 4 GiB%s", "");
	if (o.size % PAGE || o.base % PAGE)
		die("--size and --phys-base must be 4 KiB multiples%s", "");
	if (o.size > (1ull << 50) || o.base > (1ull << 52))
		die("--size / --phys-base out of range%s", "");
	if ((o.ram_below != NONE && o.ram_below > o.base) ||
	    (o.region_below != NONE && o.region_below > o.base) ||
	    (o.ram_above != NONE && o.ram_above < o.base + o.size) ||
	    (o.region_above != NONE && o.region_above < o.base + o.size))
		die("a neighbour overlaps the namespace itself%s", "");

	struct layout l;
	const char *err = compute(&o, &l);
	if (err) {
		fprintf(stderr, "%s: era %s: %s\n", prog, era_names[o.era], err);
		return 1;
	}
	if (l.start_pad > UINT32_MAX || l.end_trunc > UINT32_MAX)
		die("start_pad/end_trunc do not fit the 32-bit fields%s", "");

	struct ps_pfn_sb sb;
	memset(&sb, 0, sizeof(sb));
	sb.kind = o.kind;
	if (o.uuid_set)
		memcpy(sb.uuid, o.uuid, 16);
	else
		seed_uuid(o.seed, 0, sb.uuid);
	if (o.parent_set)
		memcpy(sb.parent_uuid, o.parent, 16);
	else
		seed_uuid(o.seed, 1, sb.parent_uuid);
	sb.version_major = 1;
	sb.version_minor = (uint16_t)l.minor;
	sb.dataoff = l.dataoff;
	sb.npfns = l.npfns;
	sb.mode = o.mode;
	sb.start_pad = (uint32_t)l.start_pad;
	sb.end_trunc = (uint32_t)l.end_trunc;
	sb.align = (uint32_t)o.align;
	sb.page_size = l.page_size;
	sb.page_struct_size = l.page_struct_size;
	uint8_t blk[PS_INFO_BLOCK_SIZE];
	ps_pfn_encode(&sb, blk);

	if (!o.no_write) {
		const char *img = argv[optind];
		int fd = open(img, O_RDWR | O_CREAT, 0644);
		struct stat st;
		if (fd < 0 || fstat(fd, &st))
			die("%s: cannot open", img);
		uint64_t need = o.ns_off + o.size;
		if ((uint64_t)st.st_size < need && ftruncate(fd, (off_t)need))
			die("%s: cannot extend", img);
		if (pwrite(fd, blk, sizeof(blk), (off_t)(o.ns_off + PS_PFN_OFFSET)) != (ssize_t)sizeof(blk) ||
		    close(fd))
			die("%s: write failed", img);
	}

	const uint64_t X = o.ns_off, P = l.start_pad, D = l.dataoff, T = l.end_trunc;
	printf("era=%s\nkind=%s\nmode=%s\nversion=1.%u\n", era_names[o.era],
	       ps_pfn_kind_name(o.kind), ps_pfn_mode_name(o.mode), l.minor);
	printf("signature=%s\n", o.kind == PS_PFN_DEVDAX ? "NVDIMM_DAX_INFO" : "NVDIMM_PFN_INFO");
	print_uuid("uuid", sb.uuid);
	print_uuid("parent_uuid", sb.parent_uuid);
	printf("size=%" PRIu64 "\nphys_base=%" PRIu64 "\nns_offset=%" PRIu64 "\n", o.size, o.base, X);
	printf("info_offset=%" PRIu64 "\n", X + PS_PFN_OFFSET);
	/* align as stored (the field exists from 1.2) and as the kernel used it */
	printf("align=%" PRIu64 "\nkernel_align=%" PRIu64 "\n", l.minor >= 2 ? o.align : 0, o.align);
	printf("start_pad=%" PRIu64 "\nend_trunc=%" PRIu64 "\n", P, T);
	printf("dataoff=%" PRIu64 "\nnpfns0=%" PRIu64 "\nnpfns=%" PRIu64 "\n", D, l.npfns0, l.npfns);
	printf("page_size=%u\npage_struct_size=%u\n", l.page_size, l.page_struct_size);
	/* image offsets of both readings of dataoff (spec §7) */
	printf("legacy_data=%" PRIu64 "\nlegacy_size=%" PRIu64 "\n", X + P + D, o.size - P - T - D);
	printf("fixed_data=%" PRIu64 "\nfixed_size=%" PRIu64 "\n", X + D, o.size - T - D);
	printf("legacy_data_phys=%" PRIu64 "\nfixed_data_phys=%" PRIu64 "\n", o.base + P + D, o.base + D);
	if (o.mode == PS_PFN_MODE_PMEM)
		printf("memmap_start=%" PRIu64 "\nmemmap_end=%" PRIu64 "\n",
		       X + P + (o.era >= F5 && o.era != NDCTL ? up(SZ_8K, PAGE) : SZ_8K), X + P + D);
	printf("checksum=0x%016" PRIx64 "\n", PS_FIELD_GET(PS_PFN, blk, checksum));
	return 0;
}
