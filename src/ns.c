/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ns.h"
#include "err.h"
#include "le.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SZ_4K ((uint64_t)4096)
#define SZ_8K ((uint64_t)8192)

const char *ps_ns_mode_name(enum ps_ns_mode m)
{
	switch (m) {
	case PS_NS_RAW: return "raw";
	case PS_NS_FSDAX: return "fsdax";
	case PS_NS_DEVDAX: return "devdax";
	case PS_NS_SECTOR: return "sector";
	}
	return "unknown";
}

const char *ps_sem_name(enum ps_sem s)
{
	switch (s) {
	case PS_SEM_LEGACY: return "legacy";
	case PS_SEM_FIXED: return "fixed";
	default: return "auto";
	}
}

const char *ps_verdict_name(enum ps_verdict v)
{
	switch (v) {
	case PS_V_PROVEN: return "proven";
	case PS_V_AMBIGUOUS: return "ambiguous";
	case PS_V_DAMAGED: return "damaged";
	case PS_V_NOFS: return "no-filesystem";
	case PS_V_NODATA: return "no-filesystem-expected";
	}
	return "unknown";
}

const char *ps_human(uint64_t v, char *buf, size_t n)
{
	static const char *u[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	int i = 0;
	uint64_t x = v;
	while (x >= 1024 && i < 6 && (x % 1024 == 0 || x >= 1024 * 1024)) {
		if (x % 1024) {
			double d = (double)v;
			int j = 0;
			while (d >= 1024 && j < 6) {
				d /= 1024;
				j++;
			}
			snprintf(buf, n, "%.1f %s", d, u[j]);
			return buf;
		}
		x /= 1024;
		i++;
	}
	snprintf(buf, n, "%" PRIu64 " %s", x, u[i]);
	return buf;
}

static void note(struct ps_ns *ns, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(struct ps_ns *ns, const char *fmt, ...)
{
	if (ns->nnotes >= (int)(sizeof(ns->notes) / sizeof(ns->notes[0])))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ns->notes[ns->nnotes++], sizeof(ns->notes[0]), fmt, ap);
	va_end(ap);
}

static void evidence(struct ps_cand *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void evidence(struct ps_cand *c, const char *fmt, ...)
{
	if (c->nevidence >= PS_MAX_EVIDENCE)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->evidence[c->nevidence++], sizeof(c->evidence[0]), fmt, ap);
	va_end(ap);
}

static struct ps_ns *add_ns(struct ps_analysis *a, uint64_t base,
			    enum ps_ns_mode mode)
{
	if (a->nns >= PS_MAX_NS) {
		a->ns_dropped++;	/* not an error: reported at the end */
		return NULL;
	}
	if (a->nns == a->ns_cap) {
		size_t cap = a->ns_cap ? a->ns_cap * 2 : 8;
		if (cap > PS_MAX_NS)
			cap = PS_MAX_NS;
		struct ps_ns *n = realloc(a->ns, cap * sizeof(*n));
		if (!n)
			return NULL;
		a->ns = n;
		a->ns_cap = cap;
	}
	struct ps_ns *ns = &a->ns[a->nns];
	memset(ns, 0, sizeof(*ns));
	ns->index = (int)a->nns++;
	ns->base = base;
	ns->mode = mode;
	ns->info_rec = -1;
	ns->nested_in = -1;
	ns->label = -1;
	ns->chosen = -1;
	ps_diags_init(&ns->diags);
	return ns;
}

/* Which kernels write a pfn block like this one (spec §3, §8). */
static void describe_era(struct ps_ns *ns)
{
	const struct ps_pfn_sb *sb = &ns->pfn;
	const char *e;
	switch (sb->version_minor) {
	case 0: e = "v4.4-v4.5 (version 1.0: no start_pad field)"; break;
	case 1: e = "v4.6-v4.7 (version 1.1: start_pad/end_trunc added)"; break;
	case 2: e = "v4.8-v5.2 (version 1.2: align added)"; break;
	case 3: e = "v5.3, or a 4.14.y/4.19.y stable kernel with the zero-fields backport (version 1.3)"; break;
	default:
		e = sb->eff_page_struct_size == 128 ?
		    "v6.1 (version 1.4 with 128-byte struct page reservation)" :
		    "v5.4 or later, or ndctl write-infoblock (version 1.4)";
	}
	snprintf(ns->era, sizeof(ns->era), "%s%s", e,
		 ns->P ? "; a non-zero start_pad is only written by v4.6-v5.2" : "");
}

static void add_cand(struct ps_ns *ns, const struct ps_src *src, enum ps_sem sem,
		     const char *name, uint64_t rel_off, uint64_t size)
{
	struct ps_cand *c = &ns->cand[ns->ncand++];
	memset(c, 0, sizeof(*c));
	c->sem = sem;
	c->name = name;
	c->off = ns->base + rel_off;
	c->size = size;
	if (c->off > src->size) {
		c->truncated = true;
		c->size = 0;
	} else if (src->size - c->off < size) {
		c->truncated = true;
	}
}

static uint64_t cand_room(const struct ps_src *src, const struct ps_cand *c)
{
	if (c->off >= src->size)
		return 0;
	uint64_t avail = src->size - c->off;
	return avail < c->size ? avail : c->size;
}

/* ---- sector mode: a view that owns the BTT under it ---- */

struct btt_owner {
	struct ps_src *win, *view;
	struct ps_btt *btt;
};

static int own_pread(struct ps_src *s, void *buf, size_t len, uint64_t off)
{
	struct btt_owner *o = s->priv;
	int rc = ps_src_pread(o->view, buf, len, off);
	if (rc)
		ps_src_set_error(s, "%s", ps_src_error(o->view));
	return rc;
}

static int own_next_data(struct ps_src *s, uint64_t off, uint64_t *out)
{
	struct btt_owner *o = s->priv;
	return ps_src_next_data(o->view, off, out);
}

static int own_next_hole(struct ps_src *s, uint64_t off, uint64_t *out)
{
	struct btt_owner *o = s->priv;
	return ps_src_next_hole(o->view, off, out);
}

static void own_close(struct ps_src *s)
{
	struct btt_owner *o = s->priv;
	ps_src_close(o->view);
	ps_btt_close(o->btt);
	ps_src_close(o->win);
	free(o);
}

static const struct ps_src_ops own_ops = {
	own_pread, own_next_data, own_next_hole, own_close,
};

static int btt_data_view(struct ps_src *src, const struct ps_ns *ns,
			 struct ps_src **out, char *err, size_t errlen)
{
	struct btt_owner *o = calloc(1, sizeof(*o));
	*out = NULL;
	if (!o)
		return PS_ENOMEM;
	uint64_t len = src->size - ns->base < ns->size ? src->size - ns->base : ns->size;
	int rc = ps_src_window(src, ns->base, len, &o->win);
	struct ps_btt_open_opts bo = { .initial_offset = ns->btt_initial };
	if (!rc)
		rc = ps_btt_open(o->win, &bo, &o->btt, NULL);
	if (!rc)
		rc = ps_btt_view(o->btt, &o->view);
	char name[300];
	snprintf(name, sizeof(name), "%s (BTT of namespace %d)", src->name, ns->index);
	if (!rc && !(*out = ps_src_new(&own_ops, o, o->view->size, name)))
		rc = PS_ENOMEM;
	if (rc) {
		snprintf(err, errlen, "%s: namespace %d: BTT: %s", src->name, ns->index,
			 ps_strerror(rc));
		ps_src_close(o->view);
		ps_btt_close(o->btt);
		ps_src_close(o->win);
		free(o);
	}
	return rc;
}

static void probe_cand(struct ps_src *src, struct ps_ns *ns, struct ps_cand *c)
{
	char h1[32], h2[32];
	uint64_t room = cand_room(src, c);
	if (c->truncated)
		evidence(c, "the image ends %s into this candidate's %s: the dump is truncated",
			 ps_human(room, h1, sizeof(h1)), ps_human(c->size, h2, sizeof(h2)));
	if (!room)
		return;
	struct ps_src *v;
	char err[256];
	if (c->btt) {
		if (btt_data_view(src, ns, &v, err, sizeof(err))) {
			evidence(c, "the BTT could not be opened: %s", err);
			return;
		}
	} else if (ps_src_window(src, c->off, room, &v)) {
		return;
	}
	int rc = ps_probe_view(v, &c->probe);
	ps_src_close(v);
	if (rc) {
		evidence(c, "probe failed: %s", ps_strerror(rc));
		return;
	}
	c->probed = true;
	c->probe.room = c->size;
	struct ps_probe *p = &c->probe;
	if (p->ambivalent)
		evidence(c, "libblkid found more than one signature here (ambivalent)");
	if (p->found) {
		evidence(c, "libblkid: %s %s%s%s%s, superblock checksums valid",
			 p->type, p->usage[0] ? p->usage : "signature",
			 p->uuid[0] ? " uuid " : "", p->uuid,
			 p->label[0] ? " (labelled)" : "");
	} else if (p->bad_csum) {
		evidence(c, "libblkid: %s superblock found but its checksum is WRONG (damaged)",
			 p->type);
	} else if (p->type[0]) {
		evidence(c, "libblkid: %s", p->type);
	} else {
		evidence(c, "no filesystem or partition table: %s", p->detail);
	}
	if (p->fs_size) {
		if (p->fs_size > c->size)
			evidence(c, "the filesystem claims %s but this candidate has only %s: it would overrun the namespace by %s",
				 ps_human(p->fs_size, h1, sizeof(h1)),
				 ps_human(c->size, h2, sizeof(h2)),
				 ps_human(p->fs_size - c->size, (char[32]){0}, 32));
		else
			evidence(c, "the filesystem claims %s and fits in the %s available",
				 ps_human(p->fs_size, h1, sizeof(h1)),
				 ps_human(c->size, h2, sizeof(h2)));
	}
	/* Geometry: where this candidate sits in the other reading's layout. */
	if (c->sem == PS_SEM_FIXED && ns->P) {
		uint64_t rel = ns->D;
		if (rel < ns->P)
			evidence(c, "under the legacy reading this offset (ns+0x%" PRIx64 ") is inside the start_pad area [0, 0x%" PRIx64 "), which the kernel never writes",
				 rel, ns->P);
		else if (ns->pfn.mode == PS_PFN_MODE_PMEM && rel >= ns->P + SZ_8K &&
			 rel < ns->P + ns->D)
			evidence(c, "under the legacy reading this offset (ns+0x%" PRIx64 ") is inside the struct-page memmap [0x%" PRIx64 ", 0x%" PRIx64 ") the kernel rewrites at every enable",
				 rel, ns->P + SZ_8K, ns->P + ns->D);
	}
	if (c->sem == PS_SEM_LEGACY && ns->P) {
		uint64_t rel = ns->P + ns->D;
		if (rel >= ns->size - ns->T)
			evidence(c, "under the fixed reading this offset is past the data end");
		else
			evidence(c, "under the fixed reading this offset is %s into the data area",
				 ps_human(ns->P, h1, sizeof(h1)));
	}
}

static bool cand_fs(const struct ps_cand *c)
{
	return c->probed && c->probe.found;
}

/* Who else lived in the namespace's first and last section. */
static void section_neighbours(struct ps_ns *ns, const struct ps_phys_map *m)
{
	const struct ps_phys_range *hit[8];
	uint64_t B = ns->phys, E = ns->phys + ns->size;
	uint64_t lo = B - B % PS_SECTION_SIZE;
	size_t k = B > lo ? ps_phys_overlaps(m, lo, B - 1, B, hit, 8) : 0;
	/* a range that encloses the namespace (its region) is no neighbour */
	for (size_t i = 0; i < k; i++)
		if (hit[i]->start <= B && hit[i]->end >= E - 1)
			hit[i--] = hit[--k];
	for (size_t i = 0; i < k; i++)
		note(ns, "shares its first section with \"%s\" 0x%" PRIx64 "-0x%" PRIx64 ": the collision that makes v4.6-v5.2 pad the start",
		     hit[i]->name, hit[i]->start, hit[i]->end);
	if (B > lo && !k)
		note(ns, "nothing in the saved memory map shares its first section [0x%" PRIx64 ", 0x%" PRIx64 ")",
		     lo, B);
	uint64_t hi = E % PS_SECTION_SIZE ? E - E % PS_SECTION_SIZE + PS_SECTION_SIZE : E;
	k = hi > E ? ps_phys_overlaps(m, E, hi - 1, B, hit, 8) : 0;
	for (size_t i = 0; i < k; i++)
		if (hit[i]->start >= E && !(hit[i]->start <= B && hit[i]->end >= E - 1))
			note(ns, "shares its last section with \"%s\" 0x%" PRIx64 "-0x%" PRIx64 ": the collision that makes v4.6-v5.2 truncate the end (end_trunc)",
			     hit[i]->name, hit[i]->start, hit[i]->end);
}

static void decide(struct ps_ns *ns, const char *img, const struct ps_phys_map *map,
		   bool compressed)
{
	char h1[32], h2[32];
	int nvalid = 0, ndamaged = 0, vi = -1, di = -1;
	for (int i = 0; i < ns->ncand; i++) {
		if (cand_fs(&ns->cand[i])) {
			nvalid++;
			vi = i;
		} else if (ns->cand[i].probed && ns->cand[i].probe.bad_csum) {
			ndamaged++;
			di = i;
		}
	}
	if (ns->mode == PS_NS_DEVDAX && !nvalid) {
		ns->verdict = PS_V_NODATA;
		ns->chosen = 0;
		snprintf(ns->summary, sizeof(ns->summary),
			 "devdax namespace: %s of data at image offset 0x%" PRIx64 " (no filesystem is expected on a devdax namespace)",
			 ps_human(ns->cand[0].size, h1, sizeof(h1)), ns->cand[0].off);
		return;
	}
	if (nvalid == 1) {
		ns->verdict = PS_V_PROVEN;
		ns->chosen = vi;
	} else if (nvalid > 1) {
		ns->verdict = PS_V_AMBIGUOUS;
	} else if (ndamaged == 1) {
		ns->verdict = PS_V_DAMAGED;
		ns->chosen = -1;
	} else {
		ns->verdict = PS_V_NOFS;
	}
	const struct ps_cand *c = vi >= 0 ? &ns->cand[vi] : NULL;
	switch (ns->verdict) {
	case PS_V_PROVEN:
		if (c->btt)
			snprintf(ns->summary, sizeof(ns->summary),
				 "%s filesystem inside the BTT (sector mode; its blocks are scattered in the namespace and read through the map), %s",
				 c->probe.type, ps_human(c->size, h1, sizeof(h1)));
		else if (ns->P)
			snprintf(ns->summary, sizeof(ns->summary),
				 "%s filesystem at the %s data start (image offset 0x%" PRIx64 ", %s): start_pad %s the dataoff; the other reading finds no filesystem",
				 c->probe.type, c->name, c->off,
				 ps_human(c->size, h1, sizeof(h1)),
				 c->sem == PS_SEM_LEGACY ? "comes before" : "is already inside");
		else
			snprintf(ns->summary, sizeof(ns->summary),
				 "%s filesystem at image offset 0x%" PRIx64 " (%s); start_pad is 0, so both readings agree",
				 c->probe.type, c->off, ps_human(c->size, h1, sizeof(h1)));
		break;
	case PS_V_AMBIGUOUS:
		snprintf(ns->summary, sizeof(ns->summary),
			 "AMBIGUOUS: a valid filesystem at both the legacy (0x%" PRIx64 ") and the fixed (0x%" PRIx64 ") data start; pmemscan will not choose: compare the evidence and pass --semantics legacy or --semantics fixed",
			 ns->cand[0].off, ns->ncand > 1 ? ns->cand[1].off : 0);
		break;
	case PS_V_DAMAGED:
		snprintf(ns->summary, sizeof(ns->summary),
			 "only a DAMAGED %s filesystem (bad superblock checksum) at the %s data start 0x%" PRIx64 "; nothing valid elsewhere",
			 ns->cand[di].probe.type, ns->cand[di].name, ns->cand[di].off);
		break;
	default:
		snprintf(ns->summary, sizeof(ns->summary),
			 "no filesystem at any candidate data start (%d probed)", ns->ncand);
	}

	/* What kernels do with it. */
	if (ns->mode == PS_NS_FSDAX && ns->P) {
		if (ns->verdict == PS_V_PROVEN && c->sem == PS_SEM_LEGACY) {
			note(ns, "block I/O: every merged kernel reads data at base + start_pad + dataoff, exactly where this filesystem is; it mounts without DAX");
			if (ns->D < ns->P)
				note(ns, "fsdax DAX: kernels compute the first data page's pfn %s too low, before the mapped range: v4.6 to about v5.16 refuse DAX on it; later kernels dropped that check and would map the wrong pages, so do not mount with -o dax; block I/O is unaffected",
				     ps_human(ns->P, h1, sizeof(h1)));
			else
				note(ns, "fsdax DAX: kernels before v5.1 compute pfns %s too low on this layout (DAX mappings hit the wrong pages); v5.1 to about v5.16 refuse DAX on it; later kernels dropped that check, so do not mount with -o dax",
				     ps_human(ns->P, h1, sizeof(h1)));
		} else if (ns->verdict == PS_V_PROVEN && c->sem == PS_SEM_FIXED) {
			note(ns, "block I/O: no merged kernel reads this layout; every one looks %s further in, at image offset 0x%" PRIx64 ", and finds no filesystem there: mount fails or shows garbage",
			     ps_human(ns->P, h1, sizeof(h1)), ns->cand[0].off);
			note(ns, "the filesystem was written by a start_pad-unaware writer (data relative to the raw base); its bytes are intact");
		}
		if (ns->pfn.version_minor < 3 && !ns->have_phys)
			note(ns, "current kernels (v5.7+) accept this block only if base + start_pad and base + size - end_trunc are 2 MiB aligned (x86_64 memremap_compat_align); otherwise the probe fails with \"resource start misaligned\"");
	}
	if (ns->have_phys && ns->mode != PS_NS_RAW) {
		uint64_t B = ns->phys;
		uint64_t secoff = B % PS_SECTION_SIZE;
		uint64_t endp = B + ns->size;
		note(ns, "physical placement: namespace at 0x%" PRIx64 ", %s into its 128 MiB section [0x%" PRIx64 ", 0x%" PRIx64 "); end 0x%" PRIx64 " is %s into its section",
		     B, ps_human(secoff, h1, sizeof(h1)), B - secoff,
		     B - secoff + PS_SECTION_SIZE, endp,
		     ps_human(endp % PS_SECTION_SIZE, h2, sizeof(h2)));
		if (ns->P) {
			uint64_t want = secoff ? PS_SECTION_SIZE - secoff : 0;
			if (want == ns->P)
				note(ns, "start_pad 0x%" PRIx64 " is exactly the distance to the next section boundary: another region or System RAM shared the first section (the ndctl issue 76 collision), and v4.6-v5.2 padded the namespace past it",
				     ns->P);
			else
				note(ns, "start_pad 0x%" PRIx64 " does NOT match the distance to the next section boundary (0x%" PRIx64 "): the --phys-base given may be wrong, or the block was written by a different tool",
				     ns->P, want);
		}
		if (map)
			section_neighbours(ns, map);
		bool sa = (B + ns->P) % PS_COMPAT_ALIGN == 0;
		bool ea = (endp - ns->T) % PS_COMPAT_ALIGN == 0;
		if (sa && ea)
			note(ns, "current kernel (v5.7+): base + start_pad and end - end_trunc are 2 MiB aligned: the block is accepted");
		else
			note(ns, "current kernel (v5.7+): REFUSES this namespace: \"resource %s misaligned\" (base + start_pad = 0x%" PRIx64 ", end - end_trunc = 0x%" PRIx64 ", need 2 MiB alignment)",
			     sa ? "end" : "start", B + ns->P, endp - ns->T);
		if (ns->mode == PS_NS_FSDAX && ns->P)
			note(ns, "DAX pfn of the first data page: v4.6-v5.0 compute 0x%" PRIx64 " (PHYS_PFN(base + dataoff)); the page really is pfn 0x%" PRIx64 " (base + start_pad + dataoff)",
			     (B + ns->D) / SZ_4K, (B + ns->P + ns->D) / SZ_4K);
	}

	/* Next commands. */
	const char *sem = NULL;
	if (ns->verdict == PS_V_PROVEN && ns->P)
		sem = c->sem == PS_SEM_LEGACY ? "legacy" : "fixed";
	if (ns->verdict == PS_V_PROVEN || ns->verdict == PS_V_DAMAGED ||
	    ns->verdict == PS_V_AMBIGUOUS) {
		const struct ps_cand *t = c ? c : ns->verdict == PS_V_DAMAGED ?
					  &ns->cand[di] : &ns->cand[0];
		char semarg[48] = "";
		if (sem)
			snprintf(semarg, sizeof(semarg), " --semantics %s", sem);
		else if (ns->verdict != PS_V_PROVEN)
			snprintf(semarg, sizeof(semarg), " --semantics %s",
				 t->sem == PS_SEM_FIXED ? "fixed" : "legacy");
		note(ns, "next: pmemscan extract %s --namespace %d%s -o OUTDIR", img,
		     ns->index, semarg);
		if (ns->mode != PS_NS_SECTOR && !compressed)
			note(ns, "next: mount -o ro,loop,offset=%" PRIu64 ",sizelimit=%" PRIu64 " %s /mnt",
			     t->off, t->size, img);
		char then[64] = "";
		if (ns->mode == PS_NS_SECTOR || compressed)
			snprintf(then, sizeof(then), "   (then: mount -o ro,loop ns%d.img /mnt)",
				 ns->index);
		note(ns, "next: pmemscan carve %s --namespace %d%s -o ns%d.img%s", img,
		     ns->index, semarg, ns->index, then);
		if (ns->verdict == PS_V_DAMAGED && !strncmp(t->probe.type, "ext", 3))
			note(ns, "next: e2fsck -fn -b %u ns%d.img   (after carving: check it against a backup superblock; ext4's first backup is at block %u)",
			     t->probe.block_size == 1024 ? 8193u : 32768u, ns->index,
			     t->probe.block_size == 1024 ? 8193u : 32768u);
		else if (ns->verdict == PS_V_DAMAGED && !strcmp(t->probe.type, "xfs"))
			note(ns, "next: xfs_repair -n -f ns%d.img   (after carving: finds the secondary superblocks)",
			     ns->index);
		if (ns->P || ns->verdict == PS_V_DAMAGED || ns->btt_used_backup)
			note(ns, "next: pmemscan repair %s --namespace %d --plan   (rewrite the metadata so a current kernel finds the filesystem where it is)",
			     img, ns->index);
	}
}

/* The placed label namespace starting at image offset base, or -1. */
static int label_at(const struct ps_analysis *a, uint64_t base)
{
	if (!a->labels_placed)
		return -1;
	for (size_t i = 0; i < a->labels.n; i++)
		if (a->labels.ns[i].complete && a->labels.ns[i].region_offset == base)
			return (int)i;
	return -1;
}

static int pfn_namespace(struct ps_analysis *a, struct ps_src *src, size_t ri)
{
	struct ps_rec *r = &a->scan.recs[ri];
	if (r->off < SZ_4K || r->truncated)
		return PS_OK;	/* cannot be at ns + 4096, or nothing to go on */
	uint64_t base = r->off - SZ_4K;
	struct ps_ns *ns = add_ns(a, base, r->kind == PS_REC_DAX ? PS_NS_DEVDAX :
				  PS_NS_FSDAX);
	if (!ns)
		return a->ns_dropped ? PS_OK : PS_ENOMEM;
	ns->info_rec = (int)ri;
	ns->found_by = "info block";
	ns->pfn = r->u.pfn;
	ns->P = ns->pfn.start_pad;
	ns->T = ns->pfn.end_trunc;
	ns->D = ns->pfn.dataoff;
	describe_era(ns);

	/* Namespace size: the block says P + T + D + npfns pages (exact for
	 * every era's formula); the image bounds it. */
	uint64_t pages, sz = 0;
	int ovf = ps_mul_ovf(ns->pfn.npfns, ns->pfn.eff_page_size, &pages) ||
		  ps_add_ovf(pages, ns->P, &sz) || ps_add_ovf(sz, ns->T, &sz) ||
		  ps_add_ovf(sz, ns->D, &sz);
	uint64_t avail = src->size - base;
	if (ovf || sz == 0) {
		ps_diag_add(&ns->diags, PS_SEV_ERR, r->off + 0x40, "npfns",
			    "npfns %" PRIu64 " gives an impossible namespace size; using the rest of the image",
			    ns->pfn.npfns);
		ns->size = avail;
		ns->size_source = "image";
	} else {
		ns->size = sz;
		ns->size_source = "info block";
		if (base == 0 && avail > sz && avail - sz < ns->pfn.eff_align) {
			ns->size = avail;	/* partial trailing page */
			ns->size_source = "image";
		}
		if (sz > avail) {
			char h1[32], h2[32];
			ps_diag_add(&ns->diags, PS_SEV_ERR, r->off + 0x40, "npfns",
				    "the info block describes a %s namespace but only %s of the image follow its start: the dump is truncated",
				    ps_human(sz, h1, sizeof(h1)), ps_human(avail, h2, sizeof(h2)));
		}
	}
	/* A label for this namespace is the authority on its size and uuid. */
	ns->label = label_at(a, base);
	if (ns->label >= 0) {
		const struct ps_namespace *ln = &a->labels.ns[ns->label];
		char h1[32], h2[32];
		ns->found_by = "labels + info block";
		if (memcmp(ln->uuid, ns->pfn.parent_uuid, 16)) {
			ps_diag_add(&ns->diags, PS_SEV_ERR, r->off + 0x20, "parent_uuid",
				    "parent_uuid does not match the uuid of the namespace label at this offset: the kernel ignores this info block (ENODEV) and sees a raw namespace");
		}
		if ((ln->claim == PS_CLAIM_PFN && ns->mode != PS_NS_FSDAX) ||
		    (ln->claim == PS_CLAIM_DAX && ns->mode != PS_NS_DEVDAX) ||
		    ln->claim == PS_CLAIM_BTT || ln->claim == PS_CLAIM_BTT2)
			ps_diag_add(&ns->diags, PS_SEV_WARN, r->off, "signature",
				    "the label claims this namespace for %s, but the info block is %s",
				    ps_claim_name(ln->claim), ps_ns_mode_name(ns->mode));
		if (!ovf && sz && ln->size != sz)
			ps_diag_add(&ns->diags, ln->size < sz ? PS_SEV_ERR : PS_SEV_INFO,
				    r->off + 0x40, "npfns",
				    "the labels give the namespace %s, the info block implies %s%s",
				    ps_human(ln->size, h1, sizeof(h1)),
				    ps_human(sz, h2, sizeof(h2)),
				    ln->size < sz ? ": the block describes more than the namespace has" : "");
		ns->size = ln->size;
		ns->size_source = "labels";
		if (ns->size > avail)
			ns->size = avail;
	}
	/* Re-parse with the size known: catches dataoff/start_pad overruns. */
	{
		struct ps_pfn_sb tmp;
		uint8_t blk[4096];
		if (ps_src_pread(src, blk, sizeof(blk), r->off) == PS_OK) {
			struct ps_diags d2;
			ps_diags_init(&d2);
			ps_pfn_parse(blk, sizeof(blk), r->off, ns->size, &tmp, &d2);
			for (size_t i = 0; i < d2.n; i++)
				if (!ps_diags_has(&r->diags, d2.v[i].field, d2.v[i].sev))
					ps_diag_add(&ns->diags, d2.v[i].sev, d2.v[i].off,
						    d2.v[i].field, "%s", d2.v[i].msg);
			ps_diags_free(&d2);
		}
	}
	uint64_t used;
	if (ps_add_ovf(ns->P, ns->T, &used) || ps_add_ovf(used, ns->D, &used) ||
	    used >= ns->size) {
		ps_diag_add(&ns->diags, PS_SEV_ERR, r->off + 0x38, "dataoff",
			    "start_pad + end_trunc + dataoff leave no data; no candidate computed");
		return PS_OK;
	}
	if (ns->P) {
		add_cand(ns, src, PS_SEM_LEGACY, "legacy", ns->P + ns->D, ns->size - used);
		add_cand(ns, src, PS_SEM_FIXED, "fixed", ns->D, ns->size - ns->T - ns->D);
	} else {
		add_cand(ns, src, PS_SEM_AUTO, "data", ns->D, ns->size - used);
	}
	return PS_OK;
}

static int cmp_ns(const void *x, const void *y)
{
	const struct ps_ns *a = x, *b = y;
	return a->base < b->base ? -1 : a->base > b->base;
}

/*
 * Without the NFIT, the region's start dpa on each DIMM is not on the media:
 * the labels alone place the region at the smallest dpa in use, which is
 * wrong once the first namespace has been deleted. An info block whose
 * parent_uuid names a labelled namespace shows where that namespace really
 * starts; from it the start dpa of its position-0 DIMM follows. *out gets
 * per-DIMM start dpas (UINT64_MAX: keep assuming), or stays NULL when no
 * evidence moves anything. Evidence that disagrees is reported and unused.
 */
static int cmp_parent(const void *x, const void *y)
{
	const struct ps_rec *const *a = x, *const *b = y;
	int c = memcmp((*a)->u.pfn.parent_uuid, (*b)->u.pfn.parent_uuid, 16);
	if (c)
		return c;
	return (*a)->off < (*b)->off ? -1 : (*a)->off > (*b)->off;
}

static int infer_region_start(struct ps_analysis *a, const struct ps_lsa *const *lsas,
			      size_t n, uint64_t **out)
{
	struct ps_ns_set guess = { 0 };
	struct ps_diags scratch;
	ps_diags_init(&scratch);
	int rc = ps_label_namespaces(lsas, n, NULL, &guess, &scratch);
	ps_diags_free(&scratch);
	uint64_t *sd = calloc(n, sizeof(*sd));
	uint64_t *why = calloc(n, sizeof(*why));	/* record offset that told */
	const struct ps_rec **recs = NULL;
	bool moved = false;
	if (rc || !sd || !why) {
		rc = rc ? rc : PS_ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < n; k++)
		sd[k] = why[k] = UINT64_MAX;
	/* the usable info blocks, sorted by parent_uuid: one lookup per
	 * namespace, however many of either a hostile image holds */
	size_t nb = 0;
	recs = malloc((a->scan.nrecs ? a->scan.nrecs : 1) * sizeof(*recs));
	if (!recs) {
		rc = PS_ENOMEM;
		goto out;
	}
	for (size_t r = 0; r < a->scan.nrecs; r++) {
		const struct ps_rec *rec = &a->scan.recs[r];
		if ((rec->kind == PS_REC_PFN || rec->kind == PS_REC_DAX) &&
		    rec->checksum_ok && !rec->truncated && rec->off >= SZ_4K)
			recs[nb++] = rec;
	}
	qsort(recs, nb, sizeof(*recs), cmp_parent);
	for (size_t i = 0; i < guess.n; i++) {
		const struct ps_namespace *ln = &guess.ns[i];
		if (!ln->complete || !ln->nextents || !ln->nlabel ||
		    ln->extents[0].position != 0 || ln->extents[0].dimm >= n)
			continue;
		const struct ps_ns_extent *e0 = &ln->extents[0];
		size_t lo = 0, hi = nb;
		while (lo < hi) {	/* first block whose parent >= the uuid */
			size_t mid = lo + (hi - lo) / 2;
			if (memcmp(recs[mid]->u.pfn.parent_uuid, ln->uuid, 16) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t r = lo; r < nb; r++) {
			const struct ps_rec *rec = recs[r];
			if (memcmp(rec->u.pfn.parent_uuid, ln->uuid, 16))
				break;
			uint64_t base = rec->off - SZ_4K;
			if (base % ln->nlabel || base / ln->nlabel > e0->dpa)
				continue;
			uint64_t cand = e0->dpa - base / ln->nlabel;
			size_t dm = e0->dimm;
			if (sd[dm] == UINT64_MAX - 1)
				continue;	/* already found inconsistent */
			if (sd[dm] == UINT64_MAX) {
				sd[dm] = cand;
				why[dm] = rec->off;
				if (base != ln->region_offset)
					moved = true;
			} else if (sd[dm] != cand) {
				ps_diag_add(&a->diags, PS_SEV_WARN, rec->off + 0x20, "parent_uuid",
					    "info blocks disagree on where DIMM %zu's region starts (dpa 0x%" PRIx64 " from 0x%" PRIx64 ", 0x%" PRIx64 " from here): labels keep their own placement",
					    dm, sd[dm], why[dm], cand);
				sd[dm] = why[dm] = UINT64_MAX - 1;	/* poisoned */
			}
		}
	}
	for (size_t k = 0; k < n; k++) {
		if (sd[k] == UINT64_MAX - 1) {
			sd[k] = UINT64_MAX;
			continue;
		}
		if (sd[k] != UINT64_MAX && moved)
			ps_diag_add(&a->diags, PS_SEV_INFO, why[k] + 0x20, "parent_uuid",
				    "DIMM %zu's region starts at dpa 0x%" PRIx64 ", not at the smallest dpa in its labels: this block's parent_uuid names a labelled namespace; none is left before it",
				    k, sd[k]);
	}
out:
	ps_ns_set_free(&guess);
	free(recs);
	free(why);
	if (rc == PS_OK && moved) {
		*out = sd;
		return PS_OK;
	}
	free(sd);
	return rc;
}

/*
 * Namespace labels: from --labels files (the image is then the region they
 * describe), else from a label area found in the image. An area at the very
 * end of the image is a QEMU-style DIMM backing file: the region is the
 * image before it. Elsewhere (an ndctl read-labels dump, an area inside
 * other data) the labels are reported but not placed.
 */
static int gather_labels(struct ps_analysis *a, struct ps_src *src,
			 const struct ps_analysis_opts *opts)
{
	const struct ps_lsa *one[1];
	const struct ps_lsa *const *lsas = NULL;
	size_t n = 0;
	uint64_t region_end = src->size;
	if (opts->next_lsas) {
		lsas = opts->ext_lsas;
		n = opts->next_lsas;
		a->labels_placed = true;
		snprintf(a->labels_source, sizeof(a->labels_source), "%s",
			 opts->ext_lsas_desc ? opts->ext_lsas_desc : "--labels");
	} else {
		for (size_t i = 0; i < a->scan.nrecs; i++) {
			const struct ps_rec *r = &a->scan.recs[i];
			if (r->kind != PS_REC_NSINDEX || !r->u.lsa.lsa ||
			    r->u.lsa.lsa->current < 0)
				continue;
			one[0] = r->u.lsa.lsa;
			lsas = one;
			n = 1;
			bool at_end = r->off + r->u.lsa.loc.size == src->size && r->off > 0;
			a->labels_placed = at_end;
			region_end = r->off;
			snprintf(a->labels_source, sizeof(a->labels_source),
				 "label area at 0x%" PRIx64 "%s", r->off,
				 at_end ? ", the end of the image (QEMU-style DIMM file: the data before it is the region)" :
				 " (not at the end of the image: the labels are listed, not placed)");
			break;	/* one DIMM per image */
		}
	}
	if (!n)
		return PS_OK;
	uint64_t *sd = NULL;
	int rc = a->labels_placed ? infer_region_start(a, lsas, n, &sd) : PS_OK;
	if (rc == PS_OK)
		rc = ps_label_namespaces(lsas, n, sd, &a->labels, &a->diags);
	free(sd);
	if (rc)
		return rc;
	for (size_t i = 0; a->labels_placed && i < a->labels.n; i++) {
		const struct ps_namespace *ln = &a->labels.ns[i];
		char h[32];
		if (ln->complete && (ln->region_offset > region_end ||
				     ln->size > region_end - ln->region_offset))
			ps_diag_add(&a->diags, PS_SEV_ERR, ln->region_offset, "rawsize",
				    "a labelled namespace (%s at region offset 0x%" PRIx64 ") runs past the data in this image: truncated dump or wrong region start",
				    ps_human(ln->size, h, sizeof(h)), ln->region_offset);
	}
	return PS_OK;
}

/* Does a BTT namespace claim the block at off (an arena's primary or
 * backup)? */
static void claim_btt_recs(struct ps_analysis *a, const struct ps_btt *b,
			   uint64_t base, int nsi)
{
	for (unsigned i = 0; i < ps_btt_narenas(b); i++) {
		const struct ps_btt_arena *ar = ps_btt_arena(b, i);
		uint64_t start = base + ar->off;	/* off includes the initial offset */
		for (size_t r = 0; r < a->scan.nrecs; r++) {
			struct ps_rec *rec = &a->scan.recs[r];
			if (rec->kind != PS_REC_BTT || rec->role)
				continue;
			if (rec->off == start)
				rec->role = 1;
			else if (rec->off == start + ar->sb.info2off)
				rec->role = 2;
			else
				continue;
			(void)nsi;
		}
	}
}

/*
 * Sector-mode namespaces: every BTT block not yet explained is tried as
 * arena 0 of a namespace (v1.1 at ns + 4096, v2.0 at ns + 0), then as the
 * backup at the end of arena 0 (a destroyed primary). The namespace runs
 * to the next known namespace or the end of the image; the BTT's arenas
 * say how much of it they use.
 */
static int btt_namespaces(struct ps_analysis *a, struct ps_src *src)
{
	for (size_t r = 0; r < a->scan.nrecs; r++) {
		struct ps_rec *rec = &a->scan.recs[r];
		if (rec->kind != PS_REC_BTT || rec->role || rec->truncated)
			continue;
		const struct ps_btt_sb *sb = &rec->u.btt;
		uint64_t init = sb->version_major == 2 ? 0 : 4096;
		uint64_t tries[2];
		int ntries = 0;
		if (rec->off >= init)
			tries[ntries++] = rec->off - init;
		if (sb->info2off && rec->off >= sb->info2off + init)
			tries[ntries++] = rec->off - sb->info2off - init;
		for (int t = 0; t < ntries; t++) {
			uint64_t base = tries[t], limit = src->size;
			bool taken = false;
			for (size_t j = 0; j < a->nns; j++) {
				if (a->ns[j].base == base)
					taken = true;
				if (a->ns[j].base > base && a->ns[j].base < limit)
					limit = a->ns[j].base;
			}
			int li = label_at(a, base);
			if (li >= 0 && a->labels.ns[li].size < limit - base)
				limit = base + a->labels.ns[li].size;
			if (taken)
				continue;
			struct ps_src *win;
			if (ps_src_window(src, base, limit - base, &win))
				continue;
			struct ps_diags d;
			ps_diags_init(&d);
			struct ps_btt *b = NULL;
			struct ps_btt_open_opts bo = { .initial_offset = init };
			int rc = ps_btt_open(win, &bo, &b, &d);
			if (rc) {
				ps_diags_free(&d);
				ps_src_close(win);
				continue;
			}
			struct ps_ns *ns = add_ns(a, base, PS_NS_SECTOR);
			if (!ns) {
				ps_btt_close(b);
				ps_diags_free(&d);
				ps_src_close(win);
				if (a->ns_dropped)
					continue;
				return PS_ENOMEM;
			}
			ns->found_by = "info block";
			ns->btt_initial = init;
			ns->btt_narenas = ps_btt_narenas(b);
			ns->btt_nlba = ps_btt_nlba(b);
			ns->btt_lbasize = ps_btt_lbasize(b);
			ns->btt_sector = ps_btt_sector_size(b);
			uint64_t used = init;
			for (unsigned i = 0; i < ns->btt_narenas; i++) {
				const struct ps_btt_arena *ar = ps_btt_arena(b, i);
				ns->btt_used_backup |= ar->used_backup;
				used = ar->off + ar->size;
			}
			ns->size = used;
			ns->size_source = "BTT arenas";
			if (li >= 0) {
				ns->label = li;
				ns->size = a->labels.ns[li].size;
				ns->size_source = "labels";
				ns->found_by = "labels + info block";
			}
			ns->info_rec = -1;
			claim_btt_recs(a, b, base, ns->index);
			for (size_t r2 = 0; r2 < a->scan.nrecs; r2++)
				if (a->scan.recs[r2].kind == PS_REC_BTT &&
				    a->scan.recs[r2].off == base + init && ns->info_rec < 0)
					ns->info_rec = (int)r2;
			ps_diags_merge(&ns->diags, &d);
			ps_diags_free(&d);
			snprintf(ns->era, sizeof(ns->era),
				 "BTT %u.%u (%s), %u arena(s), %" PRIu64 " LBAs of %u bytes%s",
				 init ? 1 : 2, init ? 1 : 0,
				 init ? "Linux, arena 0 at +4096" : "UEFI, arena 0 at +0",
				 ns->btt_narenas, ns->btt_nlba, ns->btt_lbasize,
				 ns->btt_used_backup ? "; a primary info block is damaged, its backup is used" : "");
			struct ps_cand *c = &ns->cand[ns->ncand++];
			memset(c, 0, sizeof(*c));
			c->sem = PS_SEM_AUTO;
			c->name = "btt";
			c->btt = true;
			c->off = base;
			c->size = ns->btt_nlba * ns->btt_sector;
			ps_btt_close(b);
			ps_src_close(win);
			break;
		}
	}
	return PS_OK;
}

/* Placed, complete label namespaces with no info block at their start. */
static int label_only_namespaces(struct ps_analysis *a, struct ps_src *src)
{
	for (size_t i = 0; a->labels_placed && i < a->labels.n; i++) {
		const struct ps_namespace *ln = &a->labels.ns[i];
		if (!ln->complete || ln->region_offset >= src->size)
			continue;
		bool have = false;
		for (size_t j = 0; j < a->nns; j++)
			if (a->ns[j].label == (int)i)
				have = true;
		if (have)
			continue;
		struct ps_ns *ns = add_ns(a, ln->region_offset, PS_NS_RAW);
		if (!ns) {
			if (a->ns_dropped)
				continue;
			return PS_ENOMEM;
		}
		ns->label = (int)i;
		ns->found_by = "labels";
		uint64_t avail = src->size - ln->region_offset;
		ns->size = ln->size < avail ? ln->size : avail;
		ns->size_source = "labels";
		switch (ln->claim) {
		case PS_CLAIM_PFN:
		case PS_CLAIM_DAX:
			ps_diag_add(&ns->diags, PS_SEV_ERR, ln->region_offset + 4096, "signature",
				    "the label claims this namespace for %s but there is no valid info block at +4096: the kernel will not enable it; probing its start as raw",
				    ps_claim_name(ln->claim));
			break;
		case PS_CLAIM_BTT:
		case PS_CLAIM_BTT2:
			ps_diag_add(&ns->diags, PS_SEV_WARN, ln->region_offset, "signature",
				    "the label claims this namespace for %s (sector mode); its BTT is not read by this build, probing its start as raw",
				    ps_claim_name(ln->claim));
			break;
		default:
			break;
		}
		snprintf(ns->era, sizeof(ns->era), "labelled namespace without an info block: raw, data at its offset 0");
		add_cand(ns, src, PS_SEM_AUTO, "data", 0, ns->size);
	}
	return PS_OK;
}

/*
 * Index the (sorted) namespaces; one that starts inside another's data
 * area (from base + dataoff, the earliest data start of either reading)
 * is a copy stored in that namespace (an image file in its filesystem)
 * or a stale block.
 */
static void mark_nested(struct ps_analysis *a)
{
	for (size_t i = 0; i < a->nns; i++) {
		a->ns[i].index = (int)i;
		a->ns[i].nested_in = -1;
		for (size_t j = 0; j < i; j++) {
			struct ps_ns *o = &a->ns[j];
			if (o->nested_in < 0 && o->ncand && o->mode != PS_NS_RAW &&
			    a->ns[i].base >= o->base + o->D &&
			    a->ns[i].base < o->base + o->size) {
				a->ns[i].nested_in = (int)j;
				break;
			}
		}
	}
}

#define GAP_MIN ((uint64_t)1 << 20)

static int try_raw(struct ps_analysis *a, struct ps_src *src, uint64_t lo,
		   uint64_t hi)
{
	if (hi <= lo || hi - lo < GAP_MIN)
		return PS_OK;
	struct ps_src *v;
	struct ps_probe p;
	if (ps_src_window(src, lo, hi - lo, &v))
		return PS_OK;
	int rc = ps_probe_view(v, &p);
	ps_src_close(v);
	if (rc || !p.type[0])
		return PS_OK;
	struct ps_ns *ns = add_ns(a, lo, PS_NS_RAW);
	if (!ns)
		return a->ns_dropped ? PS_OK : PS_ENOMEM;
	ns->size = hi - lo;
	ns->found_by = "filesystem signature";
	ns->size_source = lo || hi != src->size ? "gap between namespaces" : "image";
	snprintf(ns->era, sizeof(ns->era),
		 "no info block: a raw namespace (data at its offset 0), found by its %s signature",
		 p.type);
	add_cand(ns, src, PS_SEM_AUTO, "data", 0, hi - lo);
	return PS_OK;
}

static int raw_gaps(struct ps_analysis *a, struct ps_src *src)
{
	size_t n = a->nns;
	uint64_t pos = 0;
	for (size_t i = 0; i < n; i++) {
		const struct ps_ns *ns = &a->ns[i];
		if (ns->nested_in >= 0)
			continue;
		uint64_t base = ns->base, end = ns->base + ns->size;
		int rc = try_raw(a, src, pos, base);
		if (rc)
			return rc;
		if (end > pos)
			pos = end;
	}
	int rc = try_raw(a, src, pos, src->size);
	if (rc)
		return rc;
	if (a->nns != n)
		qsort(a->ns, a->nns, sizeof(*a->ns), cmp_ns);
	return PS_OK;
}

int ps_analyze(struct ps_src *src, const struct ps_analysis_opts *opts,
	       struct ps_analysis *a)
{
	memset(a, 0, sizeof(*a));
	ps_diags_init(&a->diags);
	if (opts->have_phys_base) {
		a->have_phys = true;
		a->phys_base = opts->phys_base;
		snprintf(a->phys_source, sizeof(a->phys_source), "%s",
			 opts->phys_source ? opts->phys_source : "--phys-base");
	}
	int rc = ps_scan_run(src, &opts->scan, &a->scan);
	if (rc)
		return rc;
	rc = gather_labels(a, src, opts);
	if (rc)
		return rc;
	for (size_t i = 0; i < a->scan.nrecs; i++) {
		struct ps_rec *r = &a->scan.recs[i];
		if (r->kind == PS_REC_PFN || r->kind == PS_REC_DAX) {
			rc = pfn_namespace(a, src, i);
			if (rc)
				return rc;
		}
	}
	rc = btt_namespaces(a, src);
	if (rc)
		return rc;
	rc = label_only_namespaces(a, src);
	if (rc)
		return rc;
	if (a->nns)
		qsort(a->ns, a->nns, sizeof(*a->ns), cmp_ns);
	mark_nested(a);
	/* Stretches no info block claims (all of a raw namespace image; the
	 * space before, between or after pfn namespaces in a region image):
	 * a filesystem there is a raw namespace, data at its offset 0. */
	rc = raw_gaps(a, src);
	if (rc)
		return rc;
	mark_nested(a);
	if (a->ns_dropped)
		ps_diag_add(&a->diags, PS_SEV_WARN, 0, "namespaces",
			    "%zu more namespace(s) found (info blocks, labels or filesystems) than the %u analysed: an image tiled with info blocks? the first %u by offset of each kind are reported",
			    a->ns_dropped, PS_MAX_NS, PS_MAX_NS);
	const char *img = opts->image_arg ? opts->image_arg : src->name;
	for (size_t i = 0; i < a->nns; i++) {
		struct ps_ns *ns = &a->ns[i];
		if (opts->have_phys_base) {
			ns->have_phys = true;
			ns->phys = opts->phys_base + ns->base;
		}
		if (ns->nested_in >= 0) {
			snprintf(ns->summary, sizeof(ns->summary),
				 "inside the data of namespace %d: a namespace image stored in its filesystem, or a stale block; not probed",
				 ns->nested_in);
			continue;
		}
		for (int c = 0; c < ns->ncand; c++)
			probe_cand(src, ns, &ns->cand[c]);
		if (ns->ncand)
			decide(ns, img, opts->phys_map, opts->compressed);
	}
	return PS_OK;
}

void ps_analysis_free(struct ps_analysis *a)
{
	for (size_t i = 0; i < a->nns; i++)
		ps_diags_free(&a->ns[i].diags);
	free(a->ns);
	ps_ns_set_free(&a->labels);
	ps_scan_free(&a->scan);
	ps_diags_free(&a->diags);
	memset(a, 0, sizeof(*a));
}

int ps_ns_data_view(struct ps_src *src, const struct ps_analysis *a,
		    int idx, enum ps_sem sem, struct ps_src **view, char *err,
		    size_t errlen)
{
	*view = NULL;
	if (idx < 0 || (size_t)idx >= a->nns) {
		snprintf(err, errlen, "%s: no namespace %d (found %zu)", src->name,
			 idx, a->nns);
		return PS_EINVAL;
	}
	const struct ps_ns *ns = &a->ns[idx];
	const struct ps_cand *c = NULL;
	if (sem == PS_SEM_AUTO) {
		if (ns->chosen >= 0 && ns->verdict != PS_V_AMBIGUOUS) {
			c = &ns->cand[ns->chosen];
		} else if (ns->verdict == PS_V_AMBIGUOUS) {
			snprintf(err, errlen, "%s: namespace %d is ambiguous (a filesystem at both data starts); choose with --semantics legacy or --semantics fixed",
				 src->name, idx);
			return PS_EAMBIG;
		} else {
			snprintf(err, errlen, "%s: namespace %d: no candidate data start is proven (%s); choose with --semantics legacy or --semantics fixed",
				 src->name, idx, ps_verdict_name(ns->verdict));
			return PS_ENOTFOUND;
		}
	} else {
		for (int i = 0; i < ns->ncand; i++)
			if (ns->cand[i].sem == sem || ns->cand[i].sem == PS_SEM_AUTO)
				c = &ns->cand[i];
	}
	if (!c) {
		snprintf(err, errlen, "%s: namespace %d has no data start under the %s semantics",
			 src->name, idx, ps_sem_name(sem));
		return PS_ENOTFOUND;
	}
	if (c->btt)
		return btt_data_view(src, ns, view, err, errlen);
	uint64_t room = cand_room(src, c);
	int rc = ps_src_window(src, c->off, room, view);
	if (rc)
		snprintf(err, errlen, "%s", ps_src_error(src));
	return rc;
}
