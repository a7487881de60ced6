/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The analysis' findings in words: one function per kind of record in
 * src/facts.h and per conclusion of a namespace. The text and the JSON
 * report both call these, so the two say the same thing.
 */
#include "render.h"
#include "err.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ps_human into a buffer the caller does not have to declare. */
#define HUMAN(v) ps_human((v), (char[32]){ 0 }, 32)

void render_evidence(FILE *f, const struct ps_ns *ns, const struct ps_cand *c,
		     const struct ps_evidence *e)
{
	const struct ps_probe *p = &c->probe;
	switch (e->kind) {
	case PS_EV_TRUNCATED:
		fprintf(f, "the image ends %s into this candidate's %s: the dump is truncated",
			HUMAN(e->a), HUMAN(e->b));
		break;
	case PS_EV_BTT_UNREADABLE:
		fprintf(f, "the BTT could not be opened: %s: namespace %d: BTT: %s",
			e->text ? e->text : "", ns->index, ps_strerror(e->err));
		break;
	case PS_EV_PROBE_FAILED:
		fprintf(f, "probe failed: %s", ps_strerror(e->err));
		break;
	case PS_EV_AMBIVALENT:
		fputs("libblkid found more than one signature here (ambivalent)", f);
		break;
	case PS_EV_FS_VALID:
		fprintf(f, "libblkid: %s %s%s%s%s, superblock checksums valid", p->type,
			p->usage[0] ? p->usage : "signature", p->uuid[0] ? " uuid " : "",
			p->uuid, p->label[0] ? " (labelled)" : "");
		break;
	case PS_EV_FS_BAD_CSUM:
		fprintf(f, "libblkid: %s superblock found but its checksum is WRONG (damaged)",
			p->type);
		break;
	case PS_EV_SIGNATURE:
		fprintf(f, "libblkid: %s", p->type);
		break;
	case PS_EV_NO_FS:
		fputs("no filesystem or partition table: ", f);
		render_probe_detail(f, p);
		break;
	case PS_EV_FS_OVERRUNS:
		fprintf(f, "the filesystem claims %s but this candidate has only %s: it would overrun the namespace by %s",
			HUMAN(e->a), HUMAN(e->b), HUMAN(e->a - e->b));
		break;
	case PS_EV_FS_FITS:
		fprintf(f, "the filesystem claims %s and fits in the %s available",
			HUMAN(e->a), HUMAN(e->b));
		break;
	case PS_EV_IN_START_PAD:
		fprintf(f, "under the legacy reading this offset (ns+0x%" PRIx64 ") is inside the start_pad area [0, 0x%" PRIx64 "), which the kernel never writes",
			e->a, e->b);
		break;
	case PS_EV_IN_MEMMAP:
		fprintf(f, "under the legacy reading this offset (ns+0x%" PRIx64 ") is inside the struct-page memmap [0x%" PRIx64 ", 0x%" PRIx64 ") the kernel rewrites at every enable",
			e->a, e->b, e->c);
		break;
	case PS_EV_PAST_DATA_END:
		fputs("under the fixed reading this offset is past the data end", f);
		break;
	case PS_EV_INTO_DATA:
		fprintf(f, "under the fixed reading this offset is %s into the data area",
			HUMAN(e->a));
		break;
	}
}

bool render_probe_detail(FILE *f, const struct ps_probe *p)
{
	switch (p->content) {
	case PS_CONTENT_ZEROS:
		fputs(p->hole ? "a hole (never written)" : "zeros", f);
		return true;
	case PS_CONTENT_MEMMAP:
		fprintf(f, "struct-page memmap: %zu of %zu non-zero 64-byte records hold kernel addresses",
			p->memmap_ptrs, p->memmap_recs);
		return true;
	case PS_CONTENT_ENTROPY:
		fprintf(f, "high-entropy bytes (%.2f bits/byte: encrypted, compressed or random)",
			p->entropy);
		return true;
	case PS_CONTENT_OTHER:
		if (p->unreadable)
			fputs("unreadable", f);
		else
			fprintf(f, "unrecognised data (%.2f bits/byte, %u%% non-zero)",
				p->entropy, p->nonzero_pct);
		return true;
	case PS_CONTENT_FS:
		break;
	}
	return false;
}

void render_note(FILE *f, const struct ps_note *n)
{
	switch (n->kind) {
	case PS_NOTE_BLOCKIO_READS_LEGACY:
		fputs("block I/O: every merged kernel reads data at base + start_pad + dataoff, exactly where this filesystem is; it mounts without DAX", f);
		break;
	case PS_NOTE_DAX_PFN_BEFORE_RANGE:
		fprintf(f, "fsdax DAX: kernels compute the first data page's pfn %s too low, before the mapped range: v4.6 to about v5.16 refuse DAX on it; later kernels dropped that check and would map the wrong pages, so do not mount with -o dax; block I/O is unaffected",
			HUMAN(n->a));
		break;
	case PS_NOTE_DAX_PFN_TOO_LOW:
		fprintf(f, "fsdax DAX: kernels before v5.1 compute pfns %s too low on this layout (DAX mappings hit the wrong pages); v5.1 to about v5.16 refuse DAX on it; later kernels dropped that check, so do not mount with -o dax",
			HUMAN(n->a));
		break;
	case PS_NOTE_BLOCKIO_MISSES_FIXED:
		fprintf(f, "block I/O: no merged kernel reads this layout; every one looks %s further in, at image offset 0x%" PRIx64 ", and finds no filesystem there: mount fails or shows garbage",
			HUMAN(n->a), n->b);
		break;
	case PS_NOTE_UNAWARE_WRITER:
		fputs("the filesystem was written by a start_pad-unaware writer (data relative to the raw base); its bytes are intact", f);
		break;
	case PS_NOTE_COMPAT_ALIGN_RULE:
		fputs("current kernels (v5.7+) accept this block only if base + start_pad and base + size - end_trunc are 2 MiB aligned (x86_64 memremap_compat_align); otherwise the probe fails with \"resource start misaligned\"", f);
		break;
	case PS_NOTE_PLACEMENT: {
		uint64_t sec = n->a - n->b;	/* the section the namespace starts in */
		fprintf(f, "physical placement: namespace at 0x%" PRIx64 ", %s into its 128 MiB section [0x%" PRIx64 ", 0x%" PRIx64 "); end 0x%" PRIx64 " is %s into its section",
			n->a, HUMAN(n->b), sec, sec + PS_SECTION_SIZE, n->c,
			HUMAN(n->c % PS_SECTION_SIZE));
		break;
	}
	case PS_NOTE_PAD_IS_COLLISION:
		fprintf(f, "start_pad 0x%" PRIx64 " is exactly the distance to the next section boundary: another region or System RAM shared the first section (the ndctl issue 76 collision), and v4.6-v5.2 padded the namespace past it",
			n->a);
		break;
	case PS_NOTE_PAD_MISMATCH:
		fprintf(f, "start_pad 0x%" PRIx64 " does NOT match the distance to the next section boundary (0x%" PRIx64 "): the --phys-base given may be wrong, or the block was written by a different tool",
			n->a, n->b);
		break;
	case PS_NOTE_FIRST_SECTION_SHARED:
		fprintf(f, "shares its first section with \"%s\" 0x%" PRIx64 "-0x%" PRIx64 ": the collision that makes v4.6-v5.2 pad the start",
			n->name ? n->name : "", n->a, n->b);
		break;
	case PS_NOTE_FIRST_SECTION_ALONE:
		fprintf(f, "nothing in the saved memory map shares its first section [0x%" PRIx64 ", 0x%" PRIx64 ")",
			n->a, n->b);
		break;
	case PS_NOTE_LAST_SECTION_SHARED:
		fprintf(f, "shares its last section with \"%s\" 0x%" PRIx64 "-0x%" PRIx64 ": the collision that makes v4.6-v5.2 truncate the end (end_trunc)",
			n->name ? n->name : "", n->a, n->b);
		break;
	case PS_NOTE_ALIGN_ACCEPTED:
		fputs("current kernel (v5.7+): base + start_pad and end - end_trunc are 2 MiB aligned: the block is accepted", f);
		break;
	case PS_NOTE_ALIGN_REFUSED:
		fprintf(f, "current kernel (v5.7+): REFUSES this namespace: \"resource %s misaligned\" (base + start_pad = 0x%" PRIx64 ", end - end_trunc = 0x%" PRIx64 ", need 2 MiB alignment)",
			n->c ? "end" : "start", n->a, n->b);
		break;
	case PS_NOTE_DAX_PFNS:
		fprintf(f, "DAX pfn of the first data page: v4.6-v5.0 compute 0x%" PRIx64 " (PHYS_PFN(base + dataoff)); the page really is pfn 0x%" PRIx64 " (base + start_pad + dataoff)",
			n->a, n->b);
		break;
	}
}

/* Which kernels write a pfn block like this one (spec §3, §8). */
static void pfn_era(FILE *f, const struct ps_ns *ns)
{
	const struct ps_pfn_sb *sb = &ns->pfn;
	const char *e;
	switch (sb->version_minor) {
	case 0: e = "v4.4-v4.5 (version 1.0: no start_pad field)"; break;
	case 1: e = "v4.6-v4.7 (version 1.1: start_pad/end_trunc added)"; break;
	case 2: e = "v4.8-v5.2 (version 1.2: align added)"; break;
	case 3: e = "v5.3, or a 4.14.y/4.19.y stable kernel with the zero-fields backport (version 1.3)"; break;
	default:
		/* v6.1 reserved 128 bytes per struct page (later undone) */
		e = sb->eff_page_struct_size == 128 ?
		    "v6.1 (version 1.4 with 128-byte struct page reservation)" :
		    "v5.4 or later, or ndctl write-infoblock (version 1.4)";
	}
	fprintf(f, "%s%s", e, ns->P ? "; a non-zero start_pad is only written by v4.6-v5.2" : "");
}

bool render_era(FILE *f, const struct ps_ns *ns)
{
	switch (ns->mode) {
	case PS_NS_FSDAX:
	case PS_NS_DEVDAX:
		pfn_era(f, ns);
		return true;
	case PS_NS_SECTOR: {
		bool v11 = ns->btt_initial != 0;	/* Linux puts arena 0 at +4096 */
		if (ns->pmdk_rec >= 0) {	/* docs/pmdk.md */
			fprintf(f, "libpmemblk (PMDK pmemblk pool, BTT at pool + 0x%x), %u arena(s), %" PRIu64 " blocks of %u bytes",
				PS_PMDK_BLK_DATA_OFF, ns->btt_narenas, ns->btt_nlba, ns->btt_lbasize);
			return true;
		}
		fprintf(f, "BTT %u.%u (%s), %u arena(s), %" PRIu64 " LBAs of %u bytes%s",
			v11 ? 1 : 2, v11 ? 1 : 0,
			v11 ? "Linux, arena 0 at +4096" : "UEFI, arena 0 at +0",
			ns->btt_narenas, ns->btt_nlba, ns->btt_lbasize,
			ns->btt_used_backup ? "; a primary info block is damaged, its backup is used" : "");
		return true;
	}
	case PS_NS_RAW:
		if (ns->found_by == PS_FOUND_LABELS) {
			fputs("labelled namespace without an info block: raw, data at its offset 0", f);
			return true;
		}
		if (ns->found_by == PS_FOUND_FS_SIGNATURE) {
			fprintf(f, "no info block: a raw namespace (data at its offset 0), found by its %s signature",
				ns->fs_signature);
			return true;
		}
		break;
	}
	return false;
}

void render_summary(FILE *f, const struct ps_ns *ns)
{
	if (ns->nested_in >= 0) {
		fprintf(f, "inside the data of namespace %d: a namespace image stored in its filesystem, or a stale block; not probed",
			ns->nested_in);
		return;
	}
	if (!ns->ncand)
		return;
	const struct ps_cand *c = ns->chosen >= 0 ? &ns->cand[ns->chosen] : NULL;
	const struct ps_cand *d = ns->damaged >= 0 ? &ns->cand[ns->damaged] : NULL;
	switch (ns->verdict) {
	case PS_V_NODATA:
		if (ns->mode == PS_NS_SECTOR) {	/* a pmemblk pool: docs/pmdk.md */
			fprintf(f, "PMDK pmemblk pool: %" PRIu64 " blocks of %u bytes of application data through its BTT (no filesystem expected)",
				ns->btt_nlba, ns->btt_lbasize);
			return;
		}
		fprintf(f, "devdax namespace: %s of data at image offset 0x%" PRIx64 " (no filesystem is expected on a devdax namespace)",
			HUMAN(ns->cand[0].size), ns->cand[0].off);
		return;
	case PS_V_PROVEN:
		if (c->btt)
			fprintf(f, "%s filesystem inside the BTT (sector mode; its blocks are scattered in the namespace and read through the map), %s",
				c->probe.type, HUMAN(c->size));
		else if (ns->P)
			fprintf(f, "%s filesystem at the %s data start (image offset 0x%" PRIx64 ", %s): start_pad %s the dataoff; the other reading finds no filesystem",
				c->probe.type, c->name, c->off, HUMAN(c->size),
				c->sem == PS_SEM_LEGACY ? "comes before" : "is already inside");
		else
			fprintf(f, "%s filesystem at image offset 0x%" PRIx64 " (%s); start_pad is 0, so both readings agree",
				c->probe.type, c->off, HUMAN(c->size));
		return;
	case PS_V_AMBIGUOUS:
		fprintf(f, "AMBIGUOUS: a valid filesystem at both the legacy (0x%" PRIx64 ") and the fixed (0x%" PRIx64 ") data start; pmemscan will not choose: compare the evidence and pass --semantics legacy or --semantics fixed",
			ns->cand[0].off, ns->ncand > 1 ? ns->cand[1].off : 0);
		return;
	case PS_V_DAMAGED:
		fprintf(f, "only a DAMAGED %s filesystem (bad superblock checksum) at the %s data start 0x%" PRIx64 "; nothing valid elsewhere",
			d->probe.type, d->name, d->off);
		return;
	case PS_V_NOFS:
	case PS_V_NONE:
		break;
	}
	fprintf(f, "no filesystem at any candidate data start (%d probed)", ns->ncand);
}

/* Characters no POSIX shell treats specially anywhere in a word. */
static bool shell_safe(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || (ch && strchr("@%+=:,./_-", ch));
}

void render_shell_word(FILE *f, const char *s)
{
	bool plain = *s != 0;
	for (const char *p = s; *p && plain; p++)
		plain = shell_safe(*p);
	if (plain) {
		fputs(s, f);
		return;
	}
	fputc('\'', f);
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			fputs("'\\''", f);	/* close, an escaped quote, reopen */
		else
			fputc(*p, f);
	}
	fputc('\'', f);
}

/* The image as an operand: a path starting with '-' would be read as an
 * option, so it goes as ./-... (the same file: such a path is relative). */
static void path_word(FILE *f, const char *path)
{
	if (path[0] == '-')
		fputs("./", f);
	render_shell_word(f, path);
}

static void sem_arg(FILE *f, enum ps_sem sem)
{
	if (sem != PS_SEM_AUTO)
		fprintf(f, " --semantics %s", ps_sem_name(sem));
}

bool render_action(FILE *f, const struct render_input *in, const struct ps_action *x)
{
	/* a compressed dump, an EWF or split raw set: the file is not the
	 * image, so no byte range of it can be loop-mounted; the carved
	 * image can */
	bool compressed = in->compression != NULL ||
			  (in->container && in->container->kind != PS_CONT_PLAIN);
	switch (x->kind) {
	case PS_ACT_EXTRACT:
		fputs("pmemscan extract ", f);
		path_word(f, in->path);
		fprintf(f, " --namespace %d", x->ns);
		sem_arg(f, x->sem);
		fputs(" -o OUTDIR", f);
		return true;
	case PS_ACT_MOUNT:
		if (compressed)
			return false;
		fprintf(f, "mount -o ro,loop,offset=%" PRIu64 ",sizelimit=%" PRIu64 " ", x->off,
			x->size);
		path_word(f, in->path);
		fputs(" /mnt", f);
		return true;
	case PS_ACT_CARVE:
		fputs("pmemscan carve ", f);
		path_word(f, in->path);
		fprintf(f, " --namespace %d", x->ns);
		sem_arg(f, x->sem);
		fprintf(f, " -o ns%d.img", x->ns);
		if (x->carved_only || compressed)
			fprintf(f, "   (then: mount -o ro,loop ns%d.img /mnt)", x->ns);
		return true;
	case PS_ACT_FSCK:
		if (x->fsck == PS_FSCK_EXT)
			fprintf(f, "e2fsck -fn -b %u ns%d.img   (after carving: check it against a backup superblock; ext4's first backup is at block %u)",
				x->backup_block, x->ns, x->backup_block);
		else
			fprintf(f, "xfs_repair -n -f ns%d.img   (after carving: finds the secondary superblocks)",
				x->ns);
		return true;
	case PS_ACT_REPAIR_PLAN:
		fputs("pmemscan repair ", f);
		path_word(f, in->path);
		fprintf(f, " --namespace %d", x->ns);
		sem_arg(f, x->sem);
		fputs(" --plan   (rewrite the metadata so a current kernel finds the filesystem where it is)", f);
		return true;
	}
	return false;
}

bool render_phys_source(FILE *f, const struct render_input *in,
			const struct ps_analysis *a)
{
	if (!a->have_phys)
		return false;
	if (!a->have_phys_entry) {
		fputs("--phys-base", f);
		return true;
	}
	fprintf(f, "%s entry \"%s\" 0x%" PRIx64 "-0x%" PRIx64 ", as large as the image",
		in->phys_map_path ? in->phys_map_path : "memory map", a->phys_entry.name,
		a->phys_entry.start, a->phys_entry.end);
	return true;
}

bool render_labels_source(FILE *f, const struct render_input *in,
			  const struct ps_analysis *a)
{
	switch (a->labels_from) {
	case PS_LABELS_GIVEN:
		if (!in->nlabel_files) {
			fputs("--labels", f);
			return true;
		}
		fputs("label areas given with --labels: ", f);
		for (size_t i = 0; i < in->nlabel_files; i++)
			fprintf(f, "%s%s", i ? ", " : "", in->label_files[i]);
		return true;
	case PS_LABELS_IN_IMAGE:
		fprintf(f, "label area at 0x%" PRIx64 "%s", a->labels_off, a->labels_placed ?
			", the end of the image (QEMU-style DIMM file: the data before it is the region)" :
			" (not at the end of the image: the labels are listed, not placed)");
		return true;
	case PS_LABELS_NONE:
		break;
	}
	return false;
}

void render_uuid(const uint8_t u[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	int o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 15];
	}
	out[o] = 0;
}

FILE *render_str_open(struct render_str *b)
{
	b->s = NULL;
	b->len = 0;
	b->f = open_memstream(&b->s, &b->len);
	return b->f;
}

char *render_str_close(struct render_str *b)
{
	if (!b->f)
		return NULL;
	/* a write that ran out of memory sets the error flag */
	bool bad = ferror(b->f);
	if (fclose(b->f) || bad) {
		free(b->s);
		b->s = NULL;
	}
	b->f = NULL;
	return b->s;
}
