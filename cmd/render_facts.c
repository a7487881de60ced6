/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The analysis' findings in words: one function per kind of record in
 * src/facts.h and per conclusion of a namespace. The text and the JSON
 * report both call these, so the two say the same thing.
 */
#include "docdir.h"
#include "render.h"
#include "split.h"
#include "err.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ps_human into a buffer the caller does not have to declare. */
#define HUMAN(v) ps_human((v), (char[32]){ 0 }, 32)
/* part of whole as a percentage ("34%"), rounded down so that anything
 * short of the whole never reads 100% */
#define pct(part, whole) render_pct((part), (whole), (char[40]){ 0 }, 40)

const char *render_pct(uint64_t part, uint64_t whole, char *buf, size_t n)
{
	unsigned v = whole ? (unsigned)((double)part * 100.0 / (double)whole) : 0;
	if (part < whole && v >= 99) {
		/* "only 1 GiB (99%)" of "1.0 GiB" says nothing: say what is
		 * missing (docs/input.md "Streaming (cat, digest)") */
		char h[32];
		snprintf(buf, n, "all but %s", ps_human(whole - part, h, sizeof(h)));
		return buf;
	}
	snprintf(buf, n, "%u%%", v);
	return buf;
}

/* A filesystem label as the image holds it: bytes a terminal would act on
 * (control characters, DEL), a quote or a backslash as \xHH. */
static void quoted_label(FILE *f, const char *s)
{
	render_text_img(f, s, "\"\\");
}

void render_evidence(FILE *f, const struct ps_ns *ns, const struct ps_cand *c,
		     const struct ps_evidence *e)
{
	const struct ps_probe *p = &c->probe;
	switch (e->kind) {
	case PS_EV_TRUNCATED:
		if (!e->a)
			fprintf(f, "the image ends before this data start: none of this candidate's %s is in it (truncated dump)",
				HUMAN(e->b));
		else
			fprintf(f, "the image ends %s into this candidate's %s (%s present): the dump is truncated",
				HUMAN(e->a), HUMAN(e->b), pct(e->a, e->b));
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
		fprintf(f, "libblkid: %s %s%s%s", p->type,
			p->usage[0] ? p->usage : "signature", p->uuid[0] ? " uuid " : "",
			p->uuid);
		if (p->label[0]) {
			fputs(" label \"", f);
			quoted_label(f, p->label);
			fputc('"', f);
		}
		fputs(", superblock checksums valid", f);
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
		fprintf(f, "the filesystem claims %s and fits in the %s available%s",
			HUMAN(e->a), HUMAN(e->b),
			e->c < e->b ? "; all of it is in the image" : "");
		break;
	case PS_EV_FS_CUT:
		fprintf(f, "the filesystem claims %s (it would fit in the %s of the layout), but the image holds only its first %s (%s): the end of the file cuts it",
			HUMAN(e->a), HUMAN(e->b), HUMAN(e->c), pct(e->c, e->a));
		break;
	case PS_EV_IN_START_PAD:
		fprintf(f, "under the legacy reading this offset (ns+0x%" PRIx64 ") is inside the start_pad area [0, 0x%" PRIx64 "), which the kernel never writes",
			e->a, e->b);
		break;
	case PS_EV_IN_MEMMAP:
		/* only what was measured (nvdimm-formats.md "Observed on a real kernel", tests/kernel/README.md):
		 * the kernel fills part of the reserved range, from
		 * start_pad + 2 MiB on; a 1 GiB legacy namespace got
		 * [P + 2 MiB, P + 16 MiB) of [P + 8 KiB, P + 18 MiB) */
		fprintf(f, "under the legacy reading this offset (ns+0x%" PRIx64 ") is inside the area reserved for struct pages [0x%" PRIx64 ", 0x%" PRIx64 "); kernels write struct pages into only part of it at each enable (measured on 6.1 and 6.12: from start_pad + 2 MiB on; a 1 GiB namespace got [start_pad + 2 MiB, start_pad + 16 MiB), the rest kept its bytes)",
			e->a, e->b, e->c);
		if (e->a < ns->start_pad + 2 * 1024 * 1024)
			fputs(": this offset is below start_pad + 2 MiB, where no measured kernel wrote", f);
		else
			fputs(": whether this offset was overwritten depends on the kernel and the namespace size (the bytes found here tell)", f);
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
	if (p->ext_backup_group)
		fprintf(f, "an ext2/3/4 backup superblock (group %" PRIu32 ", 1 KiB blocks) of a filesystem that starts elsewhere, then ",
			p->ext_backup_group);
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
		else if (p->sampled && p->nonzero * 100 < p->sampled)
			/* "0.00 bits/byte, 0% non-zero" said nothing: a few
			 * bytes in an area of zeros */
			fprintf(f, "all zeros but %zu byte%s in the first %s sampled (%.2f bits/byte)",
				p->nonzero, p->nonzero == 1 ? "" : "s", HUMAN(p->sampled),
				p->entropy);
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

/* Which kernels write a pfn block like this one (nvdimm-formats.md "PFN / DAX info block", nvdimm-formats.md "nd_pfn_init formulas"). */
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
	/* kernels stopped padding in v5.3; version 1.4 blocks with a
	 * start_pad are what ndctl write-infoblock --offset writes (its
	 * test/align.sh makes them with -O 8K) */
	fprintf(f, "%s%s", e, !ns->start_pad ? "" : sb->version_minor >= 4 ?
		"; kernels since v5.3 write start_pad 0: this non-zero one comes from a tool (ndctl write-infoblock --offset writes such blocks)" :
		"; a non-zero start_pad is only written by v4.6-v5.2");
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
		else if (ns->start_pad)
			fprintf(f, "%s filesystem at the %s data start (image offset 0x%" PRIx64 ", %s): start_pad %s the dataoff; the other reading finds no filesystem",
				c->probe.type, c->name, c->off, HUMAN(c->size),
				c->sem == PS_SEM_LEGACY ? "comes before" : "is already inside");
		else
			fprintf(f, "%s filesystem at image offset 0x%" PRIx64 " (%s); start_pad is 0, so both readings agree",
				c->probe.type, c->off, HUMAN(c->size));
		return;
	case PS_V_TRUNCATED: {
		uint64_t want = c->probe.fs_size && c->probe.fs_size < c->size ?
				c->probe.fs_size : c->size;
		fprintf(f, "%s filesystem at the %s data start (image offset 0x%" PRIx64 "), but the file ends inside it: only %s of its %s are in the image (%s; namespace: %s of %s). Files whose blocks lie past the end cannot be recovered from this file; get the whole dump if you can",
			c->probe.type, c->name, c->off, HUMAN(c->present), HUMAN(want),
			pct(c->present, want), HUMAN(ns->present), HUMAN(ns->size));
		return;
	}
	case PS_V_AMBIGUOUS:
		fprintf(f, "AMBIGUOUS: a valid filesystem at both the legacy (0x%" PRIx64 ") and the fixed (0x%" PRIx64 ") data start; ",
			ns->cand[0].off, ns->ncand > 1 ? ns->cand[1].off : 0);
		if (ns->weigh.recommend == PS_SEM_AUTO)
			fputs("the evidence does not choose (weighing below): compare it and pass --semantics legacy or --semantics fixed", f);
		else
			fprintf(f, "the evidence recommends the %s reading, %s (weighing below)",
				ps_sem_name(ns->weigh.recommend),
				ns->weigh.decisive ? "decisively: --semantics auto takes it" :
				"not decisively: --semantics auto refuses");
		return;
	case PS_V_DAMAGED:
		if (d->sem == PS_SEM_AUTO)	/* one data start: no reading to name */
			fprintf(f, "only a DAMAGED %s filesystem (bad superblock checksum) at its data start 0x%" PRIx64 "; nothing valid elsewhere",
				d->probe.type, d->off);
		else
			fprintf(f, "only a DAMAGED %s filesystem (bad superblock checksum) at the %s data start 0x%" PRIx64 "; nothing valid elsewhere",
				d->probe.type, d->name, d->off);
		return;
	case PS_V_NOFS:
	case PS_V_NONE:
		break;
	}
	fprintf(f, "no filesystem at any candidate data start (%d probed)", ns->ncand);
	if (ns->present < ns->size)
		fprintf(f, "; the image holds only %s of the %s namespace (%s): a filesystem may be in the part the file lacks",
			HUMAN(ns->present), HUMAN(ns->size), pct(ns->present, ns->size));
}

/* The filesystem a candidate holds, in plain words: "an ext4 filesystem
 * labelled "x"". */
static void plain_fs(FILE *f, const struct ps_cand *c)
{
	fprintf(f, "%s %s filesystem", strchr("aeiouxAEIOUX", c->probe.type[0]) ? "an" : "a",
		c->probe.type);
	if (c->probe.label[0]) {
		fputs(" labelled \"", f);
		quoted_label(f, c->probe.label);
		fputc('"', f);
	}
}

/* Where a candidate's data starts, in plain words; says once per report
 * what legacy and fixed mean (*told). */
static void plain_where(FILE *f, const struct ps_cand *c, bool *told)
{
	if (c->btt) {
		fputs("behind its BTT (sector mode: the blocks are read through a map)", f);
		return;
	}
	fprintf(f, "at image offset 0x%" PRIx64, c->off);
	if (c->sem == PS_SEM_AUTO)
		return;
	fprintf(f, " (the %s reading of start_pad%s)", c->name, *told ? "" : ", see below");
	*told = true;
}

void render_legacy_fixed(FILE *f)
{
	fputs("legacy and fixed: a namespace's info block says where its data starts, and its"
	      " start_pad field is read two ways. Legacy, as the kernels that wrote a start_pad"
	      " (v4.6-v5.2) read it: the data starts at base + start_pad + dataoff. Fixed, as a"
	      " writer that ignored start_pad placed it: at base + dataoff. Only one of them"
	      " holds the filesystem; " PS_DOC("start_pad.md") " explains how pmemscan proves which.", f);
}

bool render_overview(FILE *f, const struct ps_report *in, const struct ps_ns *ns,
		     bool *told)
{
	if (ns->nested_in >= 0)
		return false;
	const struct ps_cand *c = ns->chosen >= 0 ? &ns->cand[ns->chosen] : NULL;
	const struct ps_cand *d = ns->damaged >= 0 ? &ns->cand[ns->damaged] : NULL;
	fprintf(f, "namespace %d, %s of %s at image offset 0x%" PRIx64 ": ", ns->index,
		ns->mode == PS_NS_FSDAX ? "an fsdax namespace (a filesystem's disk, DAX-capable)" :
		ns->mode == PS_NS_DEVDAX ? "a devdax namespace (memory handed to applications whole)" :
		ns->mode == PS_NS_SECTOR ? "a sector-mode namespace (a disk with atomic sectors)" :
		"a raw namespace (the data starts at its first byte)",
		HUMAN(ns->size), ns->base);
	/* first what stops the kernel from using it at all; the verdict's
	 * words then start a sentence of their own */
	struct render_str vb;
	FILE *out = f;
	if (ns->refusal) {
		fprintf(f, "the kernel will not use its info block as it is: %s, so the kernel refuses the block (ENODEV) and sees a raw namespace, without what the block describes (pmemscan repair --plan says what a repair would change). ",
			ns->refusal == PS_REFUSE_CHECKSUM ? "the block's checksum is wrong" :
			"its parent_uuid is not the uuid of the namespace's label");
		f = render_str_open(&vb);
		if (!f)
			return false;
	}
	bool act = false;
	switch (ns->verdict) {
	case PS_V_PROVEN:
		fputs("it holds ", f);
		plain_fs(f, c);
		fprintf(f, " of %s ", HUMAN(c->probe.fs_size ? c->probe.fs_size : c->size));
		plain_where(f, c, told);
		fputs(". Its files can be copied out", f);
		act = true;
		break;
	case PS_V_TRUNCATED:
		fputs("it holds the start of ", f);
		plain_fs(f, c);
		fputc(' ', f);
		plain_where(f, c, told);
		fprintf(f, ", but the file ends inside it: %s of its %s are here. Files whose blocks lie in the missing part are lost; the others can be copied out",
			HUMAN(c->present), HUMAN(c->probe.fs_size && c->probe.fs_size < c->size ?
						  c->probe.fs_size : c->size));
		act = true;
		break;
	case PS_V_AMBIGUOUS:
		fputs("a valid filesystem lies at both places its data can start", f);
		if (ns->ncand > 1) {
			fputs(", ", f);
			plain_where(f, &ns->cand[0], told);
			fputs(" and ", f);
			plain_where(f, &ns->cand[1], told);
		}
		fputs(". pmemscan does not choose: copy both out (--semantics legacy, then fixed) and compare", f);
		act = true;
		break;
	case PS_V_DAMAGED:
		fputs("the only filesystem found is damaged (its superblock checksum is wrong): ", f);
		plain_fs(f, d);
		fputc(' ', f);
		plain_where(f, d, told);
		fputs(". Work on a copy: carve it, then check it", f);
		act = true;
		break;
	case PS_V_NODATA:
		fprintf(f, "no filesystem is expected on it; its %s of data can be written to a file with 'pmemscan carve'",
			HUMAN(ns->ncand ? ns->cand[0].size : 0));
		break;
	case PS_V_NOFS:
	case PS_V_NONE:
		if (!ns->ncand)
			fputs("no data start could be worked out (see the diagnostics below)", f);
		else
			fputs("no filesystem was found where its data can start, so there are no files to copy out (the evidence below says what the bytes are)", f);
		if (ns->present < ns->size)
			fprintf(f, "; the file holds only %s of it", HUMAN(ns->present));
		break;
	}
	/* the command the sentence announces: the first suggested; for a
	 * damaged filesystem the carve, then the check, as it says */
	for (int k = 0, said = 0; act && k < ns->nactions; k++) {
		enum ps_act_kind kind = ns->actions[k].kind;
		if (ns->verdict == PS_V_DAMAGED ? kind != PS_ACT_CARVE && kind != PS_ACT_FSCK :
		    k > 0)
			continue;
		struct render_str b;
		FILE *m = render_str_open(&b);
		if (m)
			render_action(m, in, &ns->actions[k]);
		char *cmd = render_str_close(&b);
		if (cmd && *cmd)
			fprintf(f, "%s%s", said++ ? "; then " : ": ", cmd);
		free(cmd);
	}
	/* the files are from the stale view when the log needs recovery */
	if ((ns->verdict == PS_V_PROVEN || ns->verdict == PS_V_TRUNCATED) && c &&
	    render_xlog_problem(&c->xlog) && !render_xlog_replayed(in, (size_t)ns->index)) {
		fputs(". ", f);
		render_xlog_summary(f, &c->xlog);
	}
	fputc('.', f);
	/* the journal: which view the files come from */
	size_t k = (size_t)ns->index;
	if (in->journals && k < in->njournals && in->journals[k].needs_recovery) {
		const struct ps_journal *j = &in->journals[k];
		if (j->replayed && j->from_backup)
			fprintf(f, " Its journal inode is damaged, so the kernel refuses to mount it; with --journal backup the files come from the journal the superblock's backup of the inode's map names (%" PRIu64 " transaction%s replayed, read-only).",
				j->transactions, j->transactions == 1 ? "" : "s");
		else if (j->replayed)
			fprintf(f, " Its journal needs recovery (the machine was not shut down cleanly): the files come from the recovered view, what the kernel shows after mounting it (%" PRIu64 " transaction%s replayed, read-only)%s.",
				j->transactions, j->transactions == 1 ? "" : "s",
				j->mount_fails ? ", but the kernel's mount would fail: see the journal lines" :
				j->fast_commit ? ", but its fast commits are NOT replayed: changes made durable by fsync after the last full commit are missing" : "");
		else if (j->bad)
			fprintf(f, " Its journal needs recovery but cannot be replayed (%s): the files would come out STALE (recent changes missing, removed files back)%s.",
				render_journal_bad_name(j->bad),
				j->backup.usable && j->backup.log_present ?
				"; the superblock's backup of the journal inode's map names a journal that --journal backup replays" : "");
		else
			fputs(" Its journal needs recovery and --journal ignore was given: the files come from the on-disk view, which is STALE.", f);
	}
	if (f != out) {
		char *v = render_str_close(&vb);
		if (!v)
			return false;
		if (*v >= 'a' && *v <= 'z')
			*v = (char)(*v - 'a' + 'A');
		fputs(v, out);
		free(v);
	}
	return true;
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

/* The remarks after a command: "   (a; b)". */
struct remarks {
	FILE *f;
	bool open;
};

static FILE *remark(struct remarks *r)
{
	fputs(r->open ? "; " : "   (", r->f);
	r->open = true;
	return r->f;
}

static void remarks_end(struct remarks *r)
{
	if (r->open)
		fputc(')', r->f);
}

/* The image as the commands name it: a pipe or standard input was read
 * once into a temporary copy that is gone when the scan ends, so the
 * commands name the file the user saves the dump to. */
#define PIPE_DUMP "DUMP.img"

void render_image_word(FILE *f, const struct ps_report *in)
{
	if (in->pipe)
		fputs(PIPE_DUMP, f);
	else
		path_word(f, in->path);
}

/* Namespace k's journal needs recovery, which the kernel cannot do on a
 * read-only loop device: a read-only mount of the image fails. */
static bool dirty_journal(const struct ps_report *in, int k)
{
	return in->journals && k >= 0 && (size_t)k < in->njournals &&
	       in->journals[k].needs_recovery && in->journals[k].log_present;
}

/* The carve of namespace k writes the recovered view, which mounts. */
static bool recovered_mounts(const struct ps_report *in, int k)
{
	const struct ps_journal *j = &in->journals[k];
	return j->replayed && !j->mount_fails;
}

bool render_action(FILE *f, const struct ps_report *in, const struct ps_action *x)
{
	/* a compressed dump, an EWF or split raw set: the file is not the
	 * image, so no byte range of it can be loop-mounted; the carved
	 * image can */
	bool compressed = in->compression != NULL ||
			  (in->container && in->container->kind != PS_CONT_PLAIN);
	struct remarks r = { f, false };
	switch (x->kind) {
	case PS_ACT_EXTRACT:
		fputs("pmemscan extract ", f);
		render_image_word(f, in);
		fprintf(f, " --namespace %d", x->ns);
		sem_arg(f, x->sem);
		fputs(" -o OUTDIR", f);
		if (x->exit_code)
			fprintf(remark(&r), "exits %d: the superblock fails its checksum, so the filesystem is read as it is; check what comes out",
				x->exit_code);
		break;
	case PS_ACT_MOUNT:
		if (compressed)
			return false;
		/* the kernel cannot recover a journal on a read-only device:
		 * such a mount fails; the carved image is recovered (below) */
		if (dirty_journal(in, x->ns))
			return false;
		fprintf(f, "mount -o ro,loop,offset=%" PRIu64 ",sizelimit=%" PRIu64 " ", x->off,
			x->size);
		render_image_word(f, in);
		fputs(" /mnt", f);
		break;
	case PS_ACT_CARVE:
		fputs("pmemscan carve ", f);
		render_image_word(f, in);
		fprintf(f, " --namespace %d", x->ns);
		sem_arg(f, x->sem);
		fprintf(f, " -o ns%d.img", x->ns);
		if (x->need)
			fprintf(remark(&r), "writes the %s the file holds of the %s filesystem; 'truncate -s %" PRIu64 " ns%d.img' then lets fsck -n or a read-only mount see the rest as zeros",
				HUMAN(x->size), HUMAN(x->need), x->need, x->ns);
		else if (dirty_journal(in, x->ns) && recovered_mounts(in, x->ns))
			fprintf(remark(&r), "then: mount -o ro,loop ns%d.img /mnt; the carved image is the recovered filesystem: the journal was replayed into it, as the kernel's mount of the original would, which a read-only mount cannot",
				x->ns);
		else if ((x->carved_only || compressed) && !dirty_journal(in, x->ns))
			fprintf(remark(&r), "then: mount -o ro,loop ns%d.img /mnt", x->ns);
		break;
	case PS_ACT_FSCK:
		if (x->fsck == PS_FSCK_EXT)
			fprintf(f, "e2fsck -fn -b %u ns%d.img   (after carving: check it against a backup superblock; ext4's first backup is at block %u",
				x->backup_block, x->ns, x->backup_block);
		else
			fprintf(f, "xfs_repair -n -f ns%d.img   (after carving: finds the secondary superblocks",
				x->ns);
		r.open = true;
		if (x->exit_code)
			fprintf(remark(&r), "exits %d: -n repairs nothing, and the damaged primary superblock is an error it reports",
				x->exit_code);
		remarks_end(&r);
		return true;	/* (names no image: nothing for a pipe to add) */
	case PS_ACT_REPAIR_PLAN:
		fputs("pmemscan repair ", f);
		render_image_word(f, in);
		fprintf(f, " --namespace %d", x->ns);
		sem_arg(f, x->sem);
		fputs(" --plan", f);
		fputs("rewrite the metadata so a current kernel finds the filesystem where it is",
		      remark(&r));
		break;
	default:
		return false;
	}
	if (in->pipe)
		fprintf(remark(&r), "%s: save the dump to a file first and run it on that: %s was read once into a temporary copy, deleted when the scan ended",
			PIPE_DUMP, in->pipe->is_stdin ? "standard input" : "the pipe");
	remarks_end(&r);
	return true;
}

bool render_phys_source(FILE *f, const struct ps_report *in,
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

bool render_labels_source(FILE *f, const struct ps_report *in,
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

/*
 * What a support engineer must know first, before any namespace's
 * details, in this order (docs/cli.md, "The summary"):
 *   1. the kernel refuses a block: a bad checksum (info block, BTT)
 *   2. the kernel refuses a block: parent_uuid is not the label's uuid
 *   3. a filesystem whose superblock checksum is bad
 *   4. files with two contents (the split check: written through a mapping)
 *   5. a PMDK pool filling a devdax namespace (application data, no files)
 *   6. a journal or log that needs recovery
 * One line each, written through put(ctx, line); the text report and the
 * HTML page both open with these lines, then the namespaces' overviews.
 * Returns how many lines were put (-1: out of memory).
 */
int render_attention(const struct ps_report *in, const struct ps_analysis *a,
		     void (*put)(void *ctx, const char *line), void *ctx)
{
	int n = 0;
	for (int rank = 1; rank <= 6; rank++) {
		/* records first (a bad BTT block belongs to no namespace yet) */
		for (size_t i = 0; rank == 1 && i < a->scan.nrecs; i++) {
			const struct ps_rec *r = &a->scan.recs[i];
			if ((r->kind != PS_REC_PFN && r->kind != PS_REC_DAX &&
			     r->kind != PS_REC_BTT) || r->truncated || r->checksum_ok)
				continue;
			struct render_str b;
			FILE *m = render_str_open(&b);
			if (m)
				fprintf(m, "BAD CHECKSUM: the %s at image offset 0x%" PRIx64 " fails its checksum: the kernel refuses it (ENODEV)%s",
					r->kind == PS_REC_BTT ? "BTT info block" :
					r->kind == PS_REC_DAX ? "devdax info block" : "fsdax info block",
					r->off, r->kind == PS_REC_BTT ? "; its backup may still be good" :
					" and sees a raw namespace");
			char *s = render_str_close(&b);
			if (!s)
				return -1;
			put(ctx, s);
			free(s);
			n++;
		}
		for (size_t i = 0; i < a->nns; i++) {
			const struct ps_ns *ns = &a->ns[i];
			if (ns->nested_in >= 0)
				continue;
			struct render_str b;
			FILE *m = render_str_open(&b);
			if (!m)
				return -1;
			bool said = true;
			const struct ps_split *sp = in->splits && i < in->nsplits ? in->splits[i] : NULL;
			const struct ps_journal *j = in->journals && i < in->njournals ? &in->journals[i] : NULL;
			const struct ps_cand *c = ns->chosen >= 0 && ns->chosen < ns->ncand ?
						  &ns->cand[ns->chosen] : NULL;
			switch (rank) {
			case 2:
				if (ns->refusal != PS_REFUSE_PARENT_UUID) {
					said = false;
					break;
				}
				fprintf(m, "PARENT_UUID MISMATCH: namespace %d's info block names another namespace as its parent, not the uuid of its label: the kernel refuses the block (ENODEV) and sees a raw namespace without its filesystem",
					ns->index);
				break;
			case 3:
				if (ns->verdict != PS_V_DAMAGED || ns->damaged < 0) {
					said = false;
					break;
				}
				fprintf(m, "DAMAGED FILESYSTEM: namespace %d's %s superblock fails its checksum: the kernel will not mount it; work on a carved copy",
					ns->index, ns->cand[ns->damaged].probe.type);
				break;
			case 4:
				if (!sp || !(sp->count[PS_SPLIT_MMAP] + sp->count[PS_SPLIT_MIXED])) {
					said = false;
					break;
				}
				fprintf(m, "FILES WITH TWO CONTENTS: namespace %d: %" PRIu64 " file(s) written through a mapping under DAX and %" PRIu64 " mixed: their data read through block I/O is not what the application wrote (the split check below)",
					ns->index, sp->count[PS_SPLIT_MMAP], sp->count[PS_SPLIT_MIXED]);
				break;
			case 5:
				if (ns->mode != PS_NS_DEVDAX || ns->pmdk_rec < 0) {
					said = false;
					break;
				}
				fprintf(m, "PMDK POOL ON DEVDAX: namespace %d (devdax, %s) holds a PMDK pool: application data, no filesystem and no files; carve the namespace whole and open it with PMDK",
					ns->index, HUMAN(ns->size));
				break;
			case 6:
				if (j && j->needs_recovery)
					fprintf(m, "DIRTY JOURNAL: namespace %d's filesystem was not unmounted cleanly: its journal needs recovery (%s)",
						ns->index, j->replayed ? "replayed here: the files come from the recovered view" :
						"NOT replayed: the files come out stale");
				else if (c && render_xlog_problem(&c->xlog)) {
					fprintf(m, "DIRTY LOG: namespace %d: ", ns->index);
					render_xlog_summary(m, &c->xlog);
				} else
					said = false;
				break;
			default:
				said = false;
			}
			char *s = render_str_close(&b);
			if (!s)
				return -1;
			if (said && *s) {
				put(ctx, s);
				n++;
			}
			free(s);
		}
	}
	return n;
}
