/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * From probed candidates to conclusions: the evidence each candidate
 * offers, the verdict, what kernels make of the layout, and what to run
 * next. Everything is recorded as data (src/facts.h); the words are the
 * CLI's (cmd/render_facts.c).
 */
#include "ns_internal.h"
#include "err.h"
#include "units.h"
#include <stdlib.h>
#include <string.h>


static struct ps_evidence *evidence(struct ps_cand *c, enum ps_ev_kind kind,
				    uint64_t a, uint64_t b, uint64_t x)
{
	/* cannot fill up: at most one record of each group (facts.h) */
	if (c->nevidence >= PS_MAX_EVIDENCE)
		return NULL;
	struct ps_evidence *e = &c->evidence[c->nevidence++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->a = a;
	e->b = b;
	e->c = x;
	return e;
}

static int note(struct ps_ns *ns, enum ps_note_kind kind, uint64_t a,
		uint64_t b, uint64_t c, const char *name)
{
	if (ns->nnotes == ns->notes_cap) {
		size_t cap = ns->notes_cap ? ns->notes_cap * 2 : 8;
		struct ps_note *v = realloc(ns->notes, cap * sizeof(*v));
		if (!v)
			return PS_ENOMEM;
		ns->notes = v;
		ns->notes_cap = cap;
	}
	struct ps_note *n = &ns->notes[ns->nnotes];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->a = a;
	n->b = b;
	n->c = c;
	if (name && !(n->name = strdup(name)))
		return PS_ENOMEM;
	ns->nnotes++;
	return PS_OK;
}

static struct ps_action *action(struct ps_ns *ns, enum ps_act_kind kind,
				enum ps_sem sem)
{
	/* one of each kind at most; FSCK stands for either fsck */
	if (ns->nactions >= PS_MAX_ACTIONS)
		return NULL;
	struct ps_action *x = &ns->actions[ns->nactions++];
	memset(x, 0, sizeof(*x));
	x->kind = kind;
	x->ns = ns->index;
	x->sem = sem;
	return x;
}

void ns_free_facts(struct ps_ns *ns)
{
	for (int c = 0; c < ns->ncand; c++)
		for (int e = 0; e < ns->cand[c].nevidence; e++)
			free(ns->cand[c].evidence[e].text);
	for (size_t i = 0; i < ns->nnotes; i++)
		free(ns->notes[i].name);
	free(ns->notes);
	ns->notes = NULL;
	ns->nnotes = ns->notes_cap = 0;
}

int ns_probe_cand(struct ps_src *src, struct ps_ns *ns, struct ps_cand *c)
{
	uint64_t room = ns_cand_room(src, c);
	if (c->truncated)
		evidence(c, PS_EV_TRUNCATED, room, c->size, 0);
	if (!room)
		return PS_OK;
	struct ps_src *v;
	if (c->btt) {
		int rc = ns_btt_view(src, ns, &v);
		if (rc) {
			/* the source's name, not the user's: it is the name the
			 * error is about (a decoded cache, a window) */
			struct ps_evidence *e = evidence(c, PS_EV_BTT_UNREADABLE, 0, 0, 0);
			if (e) {
				e->err = rc;
				if (!(e->text = strdup(src->name)))
					return PS_ENOMEM;
			}
			return PS_OK;
		}
	} else if (ps_src_window(src, c->off, room, &v)) {
		return PS_OK;
	}
	int rc = ps_probe_view(v, &c->probe);
	/* an xfs filesystem: is its log clean, or would a mount replay it? */
	if (!rc && (c->probe.found || c->probe.bad_csum) &&
	    !strcmp(c->probe.type, "xfs") &&
	    ps_xfs_log_probe(v, &c->xlog) == PS_ENOMEM) {
		ps_src_close(v);
		return PS_ENOMEM;
	}
	ps_src_close(v);
	if (rc) {
		struct ps_evidence *e = evidence(c, PS_EV_PROBE_FAILED, 0, 0, 0);
		if (e)
			e->err = rc;
		return PS_OK;
	}
	c->probed = true;
	c->probe.room = c->size;
	struct ps_probe *p = &c->probe;
	if (p->ambivalent)
		evidence(c, PS_EV_AMBIVALENT, 0, 0, 0);
	if (p->found)
		evidence(c, PS_EV_FS_VALID, 0, 0, 0);
	else if (p->bad_csum)
		evidence(c, PS_EV_FS_BAD_CSUM, 0, 0, 0);
	else if (p->type[0])
		evidence(c, PS_EV_SIGNATURE, 0, 0, 0);
	else
		evidence(c, PS_EV_NO_FS, 0, 0, 0);
	if (p->fs_size)
		evidence(c, p->fs_size > c->size ? PS_EV_FS_OVERRUNS :
			 p->fs_size > room ? PS_EV_FS_CUT : PS_EV_FS_FITS,
			 p->fs_size, c->size, room);
	/* Geometry: where this candidate sits in the other reading's layout,
	 * so the reader sees why the other reading cannot hold it. */
	if (c->sem == PS_SEM_FIXED && ns->start_pad) {
		uint64_t rel = ns->dataoff;
		if (rel < ns->start_pad)
			evidence(c, PS_EV_IN_START_PAD, rel, ns->start_pad, 0);
		else if (ns->pfn.mode == PS_PFN_MODE_PMEM && rel >= ns->start_pad + SZ_8K &&
			 rel < ns->start_pad + ns->dataoff)
			evidence(c, PS_EV_IN_MEMMAP, rel, ns->start_pad + SZ_8K, ns->start_pad + ns->dataoff);
	}
	if (c->sem == PS_SEM_LEGACY && ns->start_pad) {
		uint64_t rel = ns->start_pad + ns->dataoff;
		if (rel >= ns->size - ns->end_trunc)
			evidence(c, PS_EV_PAST_DATA_END, 0, 0, 0);
		else
			evidence(c, PS_EV_INTO_DATA, ns->start_pad, 0, 0);
	}
	return PS_OK;
}

/* One valid filesystem: its data start is known, all there or not. */
static bool located(const struct ps_ns *ns)
{
	return ns->verdict == PS_V_PROVEN || ns->verdict == PS_V_TRUNCATED;
}

static bool cand_fs(const struct ps_cand *c)
{
	return c->probed && c->probe.found;
}

/* Is [start, end] the range that holds the whole namespace [B, E) (its
 * region)? That one shares every section with it and is no neighbour. */
static bool encloses(const struct ps_phys_range *r, uint64_t B, uint64_t E)
{
	return r->start <= B && r->end >= E - 1;
}

/* Who else lived in the namespace's first and last section: the reason
 * v4.6-v5.2 padded the start or truncated the end. */
static int section_neighbours(struct ps_ns *ns, const struct ps_phys_map *m)
{
	const struct ps_phys_range **hit = malloc((m->n ? m->n : 1) * sizeof(*hit));
	if (!hit)
		return PS_ENOMEM;
	int rc = PS_OK;
	uint64_t B = ns->phys, E = ns->phys + ns->size;
	uint64_t lo = B - B % PS_SECTION_SIZE;
	size_t k = B > lo ? ps_phys_overlaps(m, lo, B - 1, B, hit, m->n) : 0;
	for (size_t i = 0; i < k;) {
		if (encloses(hit[i], B, E))
			hit[i] = hit[--k];	/* (the order the report has always had) */
		else
			i++;
	}
	for (size_t i = 0; i < k && !rc; i++)
		rc = note(ns, PS_NOTE_FIRST_SECTION_SHARED, hit[i]->start, hit[i]->end, 0,
			  hit[i]->name);
	if (B > lo && !k && !rc)
		rc = note(ns, PS_NOTE_FIRST_SECTION_ALONE, lo, B, 0, NULL);
	uint64_t hi = E % PS_SECTION_SIZE ? E - E % PS_SECTION_SIZE + PS_SECTION_SIZE : E;
	k = hi > E ? ps_phys_overlaps(m, E, hi - 1, B, hit, m->n) : 0;
	for (size_t i = 0; i < k && !rc; i++)
		if (hit[i]->start >= E && !encloses(hit[i], B, E))
			rc = note(ns, PS_NOTE_LAST_SECTION_SHARED, hit[i]->start,
				  hit[i]->end, 0, hit[i]->name);
	free(hit);
	return rc;
}

/* What kernels do with an fsdax layout that has a start_pad. */
static int kernel_notes(struct ps_ns *ns, const struct ps_cand *c)
{
	int rc = PS_OK;
	if (located(ns) && c->sem == PS_SEM_LEGACY) {
		rc = note(ns, PS_NOTE_BLOCKIO_READS_LEGACY, 0, 0, 0, NULL);
		if (!rc)
			rc = note(ns, ns->dataoff < ns->start_pad ? PS_NOTE_DAX_PFN_BEFORE_RANGE :
				  PS_NOTE_DAX_PFN_TOO_LOW, ns->start_pad, 0, 0, NULL);
	} else if (located(ns) && c->sem == PS_SEM_FIXED) {
		rc = note(ns, PS_NOTE_BLOCKIO_MISSES_FIXED, ns->start_pad, ns->cand[0].off, 0, NULL);
		if (!rc)
			rc = note(ns, PS_NOTE_UNAWARE_WRITER, 0, 0, 0, NULL);
	}
	if (!rc && ns->pfn.version_minor < 3 && !ns->have_phys)
		rc = note(ns, PS_NOTE_COMPAT_ALIGN_RULE, 0, 0, 0, NULL);
	return rc;
}

/* The physical placement, checked the way the kernel checks it. */
static int placement_notes(struct ps_ns *ns, const struct ps_phys_map *map)
{
	uint64_t B = ns->phys;
	uint64_t secoff = B % PS_SECTION_SIZE;
	uint64_t endp = B + ns->size;
	int rc = note(ns, PS_NOTE_PLACEMENT, B, secoff, endp, NULL);
	if (!rc && ns->start_pad) {
		uint64_t want = secoff ? PS_SECTION_SIZE - secoff : 0;
		rc = want == ns->start_pad ? note(ns, PS_NOTE_PAD_IS_COLLISION, ns->start_pad, 0, 0, NULL) :
		     note(ns, PS_NOTE_PAD_MISMATCH, ns->start_pad, want, 0, NULL);
	}
	if (!rc && map)
		rc = section_neighbours(ns, map);
	bool sa = (B + ns->start_pad) % PS_COMPAT_ALIGN == 0;
	bool ea = (endp - ns->end_trunc) % PS_COMPAT_ALIGN == 0;
	if (!rc)
		rc = sa && ea ? note(ns, PS_NOTE_ALIGN_ACCEPTED, 0, 0, 0, NULL) :
		     note(ns, PS_NOTE_ALIGN_REFUSED, B + ns->start_pad, endp - ns->end_trunc, sa, NULL);
	if (!rc && ns->mode == PS_NS_FSDAX && ns->start_pad)
		rc = note(ns, PS_NOTE_DAX_PFNS, (B + ns->dataoff) / SZ_4K,
			  (B + ns->start_pad + ns->dataoff) / SZ_4K, 0, NULL);
	return rc;
}

/*
 * Next commands for a namespace with a filesystem (proven, ambiguous or
 * damaged). t is the candidate they work on: the proven one, the damaged
 * one, or the last of the ambiguous ones (the fixed reading: the user
 * compares the evidence and may switch). A reading is named whenever the
 * choice matters or auto would refuse.
 */
static void next_actions(struct ps_ns *ns, const struct ps_cand *t)
{
	enum ps_sem sem = PS_SEM_AUTO;
	bool damaged = ns->verdict == PS_V_DAMAGED;
	/* a reading is named only where there are two (start_pad != 0): a
	 * namespace with one data start has nothing to choose */
	if (located(ns) && ns->start_pad)
		sem = t->sem;
	else if (!located(ns) && t->sem != PS_SEM_AUTO)
		sem = t->sem == PS_SEM_FIXED ? PS_SEM_FIXED : PS_SEM_LEGACY;
	struct ps_action *x = action(ns, PS_ACT_EXTRACT, sem);
	/* a damaged superblock is read as it is: extract says so, exit 1 */
	if (x && damaged)
		x->exit_code = 1;
	bool cut = ns->verdict == PS_V_TRUNCATED;
	/* the kernel refuses to mount a filesystem whose superblock fails
	 * its checksum: no mount of it */
	if (ns->mode != PS_NS_SECTOR && !cut && !damaged &&
	    (x = action(ns, PS_ACT_MOUNT, sem))) {
		/* only what the file holds: a loop device past its end fails */
		x->off = t->off;
		x->size = t->present;
	}
	if ((x = action(ns, PS_ACT_CARVE, sem))) {
		x->carved_only = ns->mode == PS_NS_SECTOR;
		if (cut) {
			x->size = t->present;
			x->need = t->probe.fs_size && t->probe.fs_size < t->size ?
				  t->probe.fs_size : t->size;
		}
	}
	if (ns->verdict == PS_V_DAMAGED && !strncmp(t->probe.type, "ext", 3) &&
	    (x = action(ns, PS_ACT_FSCK, PS_SEM_AUTO))) {
		x->fsck = PS_FSCK_EXT;
		/* ext's first backup superblock: block 8193 with 1 KiB blocks
		 * (8192 blocks per group after the boot block), else 32768 */
		x->backup_block = t->probe.block_size == 1024 ? 8193u : 32768u;
		/* -n corrects nothing: the bad primary leaves errors (4) */
		x->exit_code = 4;
	} else if (ns->verdict == PS_V_DAMAGED && !strcmp(t->probe.type, "xfs") &&
		   (x = action(ns, PS_ACT_FSCK, PS_SEM_AUTO))) {
		x->fsck = PS_FSCK_XFS;
		x->exit_code = 1;	/* xfs_repair -n: corruption found */
	}
	/* repair decides itself; an ambiguous namespace it refuses unless
	 * told which filesystem to keep: the recommended one. (A truncated
	 * dump is not repaired: the metadata would describe bytes the file
	 * does not hold; a damaged filesystem proves no data start, so
	 * repair refuses it.) The CLI drops the suggestion when the repair
	 * planner refuses it after all (cmd/cmd_scan.c). */
	if ((ns->start_pad || ns->btt_used_backup) && !cut && !damaged)
		action(ns, PS_ACT_REPAIR_PLAN, ns->verdict == PS_V_AMBIGUOUS &&
		       ns->weigh.recommend != PS_SEM_AUTO ? sem : PS_SEM_AUTO);
}

int ns_decide(struct ps_src *src, struct ps_ns *ns, const struct ps_phys_map *map)
{
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
	ns->damaged = -1;
	/* a pmemblk pool holds blocks an application wrote: no filesystem
	 * is expected (docs/pmdk.md) */
	if ((ns->mode == PS_NS_DEVDAX || ns->pmdk_rec >= 0) && !nvalid) {
		ns->verdict = PS_V_NODATA;
		ns->chosen = 0;
		return PS_OK;
	}
	if (nvalid == 1) {
		/* found, but the end of the image cuts the filesystem (or,
		 * without a size from it, the candidate): not all there */
		const struct ps_cand *v = &ns->cand[vi];
		uint64_t want = v->probe.fs_size && v->probe.fs_size < v->size ?
				v->probe.fs_size : v->size;
		ns->verdict = v->present < want ? PS_V_TRUNCATED : PS_V_PROVEN;
		ns->chosen = vi;
	} else if (nvalid > 1) {
		ns->verdict = PS_V_AMBIGUOUS;
		int wrc = ps_weigh(src, ns);
		if (wrc)
			return wrc;
		for (int i = 0; i < ns->ncand && ns->weigh.decisive; i++)
			if (ns->cand[i].sem == ns->weigh.recommend)
				ns->chosen = i;
	} else if (ndamaged == 1) {
		ns->verdict = PS_V_DAMAGED;
		ns->chosen = -1;
		ns->damaged = di;
	} else {
		ns->verdict = PS_V_NOFS;
	}
	const struct ps_cand *c = vi >= 0 ? &ns->cand[vi] : NULL;
	int rc = PS_OK;
	if (ns->mode == PS_NS_FSDAX && ns->start_pad)
		rc = kernel_notes(ns, c);
	if (!rc && ns->have_phys && ns->mode != PS_NS_RAW)
		rc = placement_notes(ns, map);
	if (rc)
		return rc;
	/* an ambiguous namespace: the commands follow the recommendation */
	if (ns->verdict == PS_V_AMBIGUOUS && ns->weigh.recommend != PS_SEM_AUTO)
		for (int i = 0; i < ns->ncand; i++)
			if (ns->cand[i].sem == ns->weigh.recommend)
				c = &ns->cand[i];
	if (located(ns) || ns->verdict == PS_V_DAMAGED ||
	    ns->verdict == PS_V_AMBIGUOUS)
		next_actions(ns, c ? c : ns->verdict == PS_V_DAMAGED ?
			     &ns->cand[di] : &ns->cand[0]);
	return PS_OK;
}
