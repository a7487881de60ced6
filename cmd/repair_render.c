/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rendering what the repair library returns: the plan as text and as JSON
 * (schema pmemscan-repair-plan/1, docs/repair.md), and the re-scan of a
 * written repair. Output only; every decision is the library's.
 */
#include "config.h"
#include "repair_render.h"
#include "docdir.h"
#include "err.h"
#include "split.h"
#include "util.h"
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

/* ---- why a unit is refused, what a plan rests on: the words ---- */

/* Where a "pfn" patch's namespace size comes from. */
static const char *size_src(int s)
{
	switch (s) {
	case PS_SIZE_FROM_OPTION: return "--ns-size";
	case PS_SIZE_FROM_IMAGE: return "the image size (the namespace is the whole image: dataoff and end_trunc are exactly what nd_pfn_init writes for that size)";
	default: return "the info block (start_pad + end_trunc + dataoff + npfns pages)";
	}
}

/* The sentence of a patch's why (a PS_RW_PATCH_* kind); false for any
 * other kind. */
static bool patch_why_print(FILE *f, const struct ps_repair_why *w)
{
	char h1[32];
	switch (w->kind) {
	case PS_RW_PATCH_NONE:
		break;
	case PS_RW_PATCH_FLAGS_CORRUPT:
		fprintf(f, "version 1.%u guarantees flags 0 and Linux never sets one: these bits are corruption",
			(unsigned)w->a);
		break;
	case PS_RW_PATCH_PADDING_CORRUPT:
		fprintf(f, "version 1.%u guarantees zero padding (v5.3 \"Fix fsdax-mode namespace info-block zero-fields\"): stray bytes are corruption",
			(unsigned)w->a);
		break;
	case PS_RW_PATCH_PAGE_SIZE_MISSING:
		fputs("version 1.4 records the creating kernel's PAGE_SIZE; 0 is missing, and dataoff is 4 KiB-page arithmetic, so 4096", f);
		break;
	case PS_RW_PATCH_PAGE_STRUCT_SMALL:
		fputs("version 1.4 records the struct page reservation; below 64 a pmem-mode namespace is refused (\"struct page size mismatch\"); 64 is MAX_STRUCT_PAGE_SIZE of current kernels", f);
		break;
	case PS_RW_PATCH_NPFNS:
		fprintf(f, "npfns must be (size - start_pad - end_trunc - dataoff) / 4096 = %" PRIu64 " for the %s namespace (size from %s)",
			w->a, ps_human(w->b, h1, sizeof(h1)), size_src(w->code));
		break;
	case PS_RW_PATCH_RESEAL:
		fprintf(f, "stored checksum 0x%016" PRIx64 " is wrong and every field checks out (%s; size %s from %s): the kernel ignores a block with a bad checksum (ENODEV), so it is re-sealed",
			w->a, w->code ? "the filesystem is at the data start the block gives" :
			"dataoff is what nd_pfn_init writes for this size",
			ps_human(w->b, h1, sizeof(h1)), size_src((int)w->c));
		break;
	case PS_RW_PATCH_CHECKSUM:
		fputs("fletcher64 of the rewritten block", f);
		break;
	case PS_RW_PATCH_MODE_RAM:
		fprintf(f, "the memmap a pmem-mode namespace of %s needs (8 KiB + 64 bytes x %" PRIu64 " pages = 0x%" PRIx64 ") does not fit below dataoff 0x%" PRIx64 "; the data cannot move, so the struct pages go to DRAM (map=mem) instead",
			ps_human(w->a, h1, sizeof(h1)), w->b, w->c, w->d);
		break;
	case PS_RW_PATCH_PAD_LEGACY:
		fprintf(f, "start_pad is deprecated (v5.3+ never pads); the %s pad moves into dataoff so the data start stays at base + 0x%" PRIx64 " (the filesystem does not move)",
			ps_human(w->a, h1, sizeof(h1)), w->b);
		break;
	case PS_RW_PATCH_DATAOFF_LEGACY:
		fprintf(f, "dataoff' = start_pad + dataoff = 0x%" PRIx64 " + 0x%" PRIx64 ": every kernel reads data at base + start_pad + dataoff, so the filesystem is found at the same bytes",
			w->a, w->b);
		break;
	case PS_RW_PATCH_PAD_FIXED:
		fputs("the filesystem was written at base + dataoff (start_pad-unaware); with start_pad 0 every kernel reads it there", f);
		break;
	case PS_RW_PATCH_DATAOFF_FIXED:
		fprintf(f, "dataoff stays 0x%" PRIx64 ": the proven filesystem is at base + dataoff", w->a);
		break;
	case PS_RW_PATCH_END_TRUNC:
		fprintf(f, "end_trunc' = (base + size) - ALIGN_DOWN(base + size, max(align, 2 MiB)) as nd_pfn_init writes it (%s): base + size - end_trunc must be 2 MiB aligned (\"resource end misaligned\")",
			w->code ? "physical base known" : "base assumed aligned");
		break;
	case PS_RW_PATCH_NPFNS_REWRITE:
		fprintf(f, "npfns' = (size - dataoff' - end_trunc') / 4096 = %" PRIu64 " (the kernel recomputes it; written for ndctl and older readers)",
			w->a);
		break;
	case PS_RW_PATCH_VERSION:
		fputs("version 1.4, the current format: page_size and page_struct_size recorded, padding guaranteed zero", f);
		break;
	case PS_RW_PATCH_V14_PAGE_SIZE:
		fputs("version 1.4 field: PAGE_SIZE 4096", f);
		break;
	case PS_RW_PATCH_V14_PAGE_STRUCT:
		fprintf(f, "version 1.4 field: 64 (MAX_STRUCT_PAGE_SIZE); dataoff' - 8 KiB holds 0x%" PRIx64 " bytes of memmap",
			w->a);
		break;
	case PS_RW_PATCH_ALIGN:
		fprintf(f, "version 1.2+ field: the mapping alignment (0x%" PRIx64 ")", w->a);
		break;
	case PS_RW_PATCH_V13_FLAGS:
		fputs("version 1.3+ guarantees flags 0", f);
		break;
	case PS_RW_PATCH_V13_PADDING:
		fputs("version 1.3+ guarantees zero padding; stale bytes from the old block's era are cleared", f);
		break;
	case PS_RW_PATCH_REWRITE_PART:
		fputs("part of the version 1.4 rewrite", f);
		break;
	case PS_RW_PATCH_LSA_INDEX:
		fprintf(f, "index %d is invalid%s while index %d (seq %u) is valid and is what the kernel uses: index %d is rewritten as its copy (same free bitmap, so the same labels stay in use), seq %u so index %d stays current",
			(int)w->a, w->code == 1 ? " (no signature)" : w->code == 0 ? " (bad checksum)" : "",
			(int)w->b, (unsigned)w->c, (int)w->a, (unsigned)w->d, (int)w->b);
		break;
	case PS_RW_PATCH_BTT_PRIMARY:
		fprintf(f, "BTT arena %u: the primary info block at 0x%" PRIx64 " is unusable and its backup at 0x%" PRIx64 " (info2off 0x%" PRIx64 ") verifies; the kernel reads only the primary (a bad arena-0 primary means \"no existing arenas\" and a fresh BTT over the data when writable), so the primary becomes a byte copy of the backup, as ndctl check-namespace --repair does",
			(unsigned)w->a, w->off, w->b, w->c);
		break;
	case PS_RW_PATCH_BTT_BACKUP:
		fprintf(f, "BTT arena %u: the backup info block at 0x%" PRIx64 " %s the valid primary at 0x%" PRIx64 "; it must be its byte copy (btt_check_info2), so a later loss of the primary can be recovered",
			(unsigned)w->a, w->b, w->code ? "differs from" : "is invalid and differs from", w->off);
		break;
	case PS_RW_PATCH_MERGE:
		fprintf(f, "%s (inode %" PRIu64 ", %s) bytes %" PRIu64 "-%" PRIu64 ": what was stored through a mapping sits at F = 0x%" PRIx64 ", start_pad lower; copied into the file's own block at L so that read() gives it after the rewrite",
			w->path ? w->path : "", w->a, ps_split_class_name((enum ps_split_class)w->code),
			w->b, w->c, w->off);
		break;
	case PS_RW_PATCH_UNDO:
		fputs("undo", f);
		break;
	default:
		return false;
	}
	return true;
}

/* The sentence of w (a refusal or note of the plan made from a). */
void repair_why_print(FILE *f, const struct ps_analysis *a, const struct ps_repair_why *w)
{
	char h1[32], h2[32];
	char un[96];
	const int n = w->ns;
	switch (w->kind) {
	case PS_RW_PFN_READ:
		fprintf(f, "cannot read the info block at 0x%" PRIx64 ": %s", w->off,
			w->detail ? w->detail : "");
		break;
	case PS_RW_PFN_MINOR:
		fprintf(f, "info block at 0x%" PRIx64 ": version_minor %u is newer than any known (1.4): its fields may mean something else; not touching it",
			w->off, (unsigned)w->a);
		break;
	case PS_RW_PFN_MODE:
		fprintf(f, "info block at 0x%" PRIx64 ": mode %u is neither ram (1) nor pmem (2), and either could be right (the memmap area alone does not tell): choose by re-creating the block with 'ndctl write-infoblock -M'",
			w->off, (unsigned)w->a);
		break;
	case PS_RW_PFN_DATAOFF:
		fprintf(f, "info block at 0x%" PRIx64 ": dataoff 0x%" PRIx64 " is impossible and cannot be derived from the other fields (several era formulas give different values): extract the data with --offset instead",
			w->off, w->a);
		break;
	case PS_RW_PFN_PAGE_SIZE:
		fprintf(f, "info block at 0x%" PRIx64 ": page_size %u: written by a kernel with other pages (or corrupt); a repair for a 4 KiB-page kernel would change the layout",
			w->off, (unsigned)w->a);
		break;
	case PS_RW_PFN_PAD_UNALIGNED:
		fprintf(f, "info block at 0x%" PRIx64 ": start_pad 0x%" PRIx64 " / end_trunc 0x%" PRIx64 " not page aligned: cannot tell which is corrupt",
			w->off, w->a, w->b);
		break;
	case PS_RW_SEM_NOT_PROVEN:
		fprintf(f, "namespace %d: the filesystem is proven at the %s data start (0x%" PRIx64 "); --semantics %s would point the kernel at bytes that hold no filesystem: refusing",
			n, w->name ? w->name : "", w->off, ps_sem_name(w->sem));
		break;
	case PS_RW_AMBIGUOUS:
		fprintf(f, "namespace %d is AMBIGUOUS: a valid filesystem at both the legacy (0x%" PRIx64 ") and the fixed (0x%" PRIx64 ") data start; a repair would make the kernel read one and overwrite part of the other with its memmap. Extract both first ('pmemscan extract --semantics legacy|fixed'), then choose with --semantics",
			n, w->a, w->b);
		break;
	case PS_RW_TRUNCATED:
		fprintf(f, "namespace %d: the image ends inside the filesystem at the %s data start (a truncated dump): a repaired info block would describe bytes the file does not hold; get the whole dump, or carve what is there ('pmemscan carve')",
			n, w->name ? w->name : "found");
		break;
	case PS_RW_DAMAGED:
		fprintf(f, "namespace %d: the only filesystem found (at 0x%" PRIx64 ") has a bad superblock checksum, so nothing proves which data start is right; carve it ('pmemscan carve') and run fsck on the copy first",
			n, w->off);
		break;
	case PS_RW_NO_FS:
		fprintf(f, "namespace %d: no filesystem at any data start, so nothing proves what the info block should say; pmemscan repairs only a layout it can prove (try 'pmemscan carve' or --offset to look by hand)",
			n);
		break;
	case PS_RW_NPFNS_PAST_END:
		fprintf(f, "namespace %d: npfns %" PRIu64 " makes the namespace %s but the image holds %s: either the dump is truncated or npfns is wrong; give the namespace size with --ns-size (from 'ndctl list')",
			n, w->a, ps_human(w->b, h1, sizeof(h1)), ps_human(w->c, h2, sizeof(h2)));
		break;
	case PS_RW_NPFNS_UNPROVEN:
		fprintf(f, "namespace %d: npfns %" PRIu64 " does not describe the whole image (%s), and nothing proves whether npfns is wrong or the image holds more than this namespace; give --ns-size to repair npfns",
			n, w->a, ps_human(w->c, h1, sizeof(h1)));
		break;
	case PS_RW_NS_TOO_SMALL:
		fprintf(f, "namespace %d: a %s namespace cannot hold start_pad 0x%" PRIx64 " + dataoff 0x%" PRIx64 " + end_trunc 0x%" PRIx64 "; refusing",
			n, ps_human(w->a, h1, sizeof(h1)), w->b, w->c, w->d);
		break;
	case PS_RW_DEVDAX_PAD:
		fprintf(f, "devdax namespace %d has start_pad 0x%" PRIx64 ": with no filesystem in it nothing proves where its data begins; not converting",
			n, w->a);
		break;
	case PS_RW_DEVDAX_DAMAGED:
		fprintf(f, "devdax namespace %d: the info block is damaged and its dataoff is not what nd_pfn_init would write for a %s namespace, so nothing proves the other fields; not resealing",
			n, ps_human(w->a, h1, sizeof(h1)));
		break;
	case PS_RW_INTERNAL_START:
		fprintf(f, "internal: proven data start 0x%" PRIx64 " is not base + 0x%" PRIx64,
			w->off, w->a);
		break;
	case PS_RW_PHYS_MISALIGNED:
		fprintf(f, "namespace %d starts at physical 0x%" PRIx64 ", not 2 MiB aligned: a current kernel (v5.7+) refuses start_pad 0 there (\"resource start misaligned\"); the legacy block, which pads to 0x%" PRIx64 ", is the only form it accepts: leave it",
			n, w->a, w->b);
		break;
	case PS_RW_PHYS_UNKNOWN:
		fprintf(f, "namespace %d has start_pad 0x%" PRIx64 ": a current kernel accepts start_pad 0 only if the namespace's physical base is 2 MiB aligned, and the end_trunc it needs depends on that base too. The image does not say where it sat: give --phys-base (from 'ndctl list -N -v' resource, or --iomem with 'pmemscan scan'), or --assume-aligned to take it as aligned",
			n, w->a);
		break;
	case PS_RW_DATAOFF_MISALIGNED:
		fprintf(f, "namespace %d: base + new dataoff = 0x%" PRIx64 "%s is not aligned to align 0x%" PRIx64 ": the kernel would refuse it (\"bad offset\") and the data cannot move",
			n, w->a, w->code ? " (physical)" : " (relative to an aligned base)", w->b);
		break;
	case PS_RW_NO_DATA_LEFT:
		fprintf(f, "namespace %d: dataoff 0x%" PRIx64 " + end_trunc 0x%" PRIx64 " leave no data in %s",
			n, w->a, w->b, ps_human(w->c, h1, sizeof(h1)));
		break;
	case PS_RW_FS_PAST_END:
		fprintf(f, "namespace %d: the filesystem (%s from 0x%" PRIx64 ") would extend past the new data end 0x%" PRIx64 " (end_trunc 0x%" PRIx64 "): refusing to cut it",
			n, ps_human(w->a, h1, sizeof(h1)), w->off, w->b, w->c);
		break;
	case PS_RW_LSA_SAME_SEQ:
		fprintf(f, "label area at 0x%" PRIx64 ": both index blocks are valid with the same sequence number %u but different free bitmaps: the kernel takes index 1, but nothing proves which generation is right; compare 'pmemscan labels' output of both and rewrite with ndctl",
			w->off, (unsigned)w->a);
		break;
	case PS_RW_LSA_NO_INDEX:
		fprintf(f, "label area at 0x%" PRIx64 ": neither index block is valid, so which labels are in use is unknown (the kernel ignores every label); not rebuilding",
			w->off);
		break;
	case PS_RW_LSA_INVALID_NEWER:
		fprintf(f, "label area at 0x%" PRIx64 ": index %d is invalid but its sequence number %u says it is NEWER than the valid index %d (seq %u): it may be a torn label update (the kernel then rightly uses index %d) or a newer state with a damaged byte. Two readings: not rewriting; compare both with 'pmemscan labels'",
			w->off, (int)w->a, (unsigned)w->b, (int)w->c, (unsigned)w->d, (int)w->c);
		break;
	case PS_RW_LSA_READ:
		fprintf(f, "label area at 0x%" PRIx64 ": cannot read the index blocks: %s",
			w->off, w->detail ? w->detail : "");
		break;
	case PS_RW_BTT_PAST_END:
		fprintf(f, "namespace %d: its BTT extends past the image end: the dump is truncated", n);
		break;
	case PS_RW_BTT_NO_OPEN:
		fprintf(f, "namespace %d: its BTT cannot be opened (%s): nothing to restore from",
			n, ps_strerror(w->code));
		break;
	case PS_RW_BTT_NOT_OWN_BACKUP:
		fprintf(f, "namespace %d, BTT arena %u: the primary info block at 0x%" PRIx64 " is bad and the block used instead (0x%" PRIx64 ") is not this arena's own backup: not restoring from it",
			n, (unsigned)w->a, w->off, w->b);
		break;
	case PS_RW_BTT_NO_ARENA:
		fprintf(f, "BTT info block(s) found (first at 0x%" PRIx64 ") but no arena opens: neither a primary nor its own backup is valid, so there is nothing to restore from (ndctl check-namespace --repair has further heuristics; 'pmemscan check' shows the details)",
			w->off);
		break;
	case PS_RW_SPLIT_UNREAD:
		fprintf(f, "namespace %d: the split check (which files were written through a mapping under DAX, their data start_pad lower) could not read every file (%" PRIu64 " not checked; first: %s); a rewrite could strand mmap-written data: extract both views first ('pmemscan extract --view read' and '--view mmap')",
			n, w->a, w->detail ? w->detail : "");
		break;
	case PS_RW_SPLIT_MAPPED:
		fprintf(f, "namespace %d: the split check found %" PRIu64 " file(s) written through a mapping under DAX and %" PRIu64 " mixed (e.g. %s): their mapped data sits at F, start_pad lower, and rewriting the block keeps only the read() view at L. Extract them first ('pmemscan extract --view auto': each as its writer last saw it), or repair with --merge-mmap to copy the blocks each such file's merged view takes from F into its own L blocks",
			n, w->a, w->b, w->path ? w->path : "");
		break;
	case PS_RW_JOURNAL_NO_REPLAY:
		fprintf(f, "namespace %d: its ext4 journal needs recovery and pmemscan cannot replay it as the kernel would (%s): the file maps the merge would rest on are not those the kernel shows at the next mount. Extract both views first ('pmemscan extract --view auto', and '--journal ignore' for the on-disk view); see " PS_DOC("journal.md"),
			n, w->code == 3 ? "the journal is on an external device" :
			   w->code == 2 ? "the journal is unusable" :
			   w->code == 1 ? "fast commits are not replayed" :
			   "the kernel's recovery would fail and its mount with it");
		break;
	case PS_RW_MERGE_TOO_LARGE:
		fprintf(f, "namespace %d: more than %d blocks to merge: too large for one repair plan; extract the mmap view ('pmemscan extract --view mmap') instead",
			n, (int)w->a);
		break;
	case PS_RW_MERGE_JOURNAL_BLOCK:
		fprintf(f, "namespace %d: %s (inode %" PRIu64 ") bytes from %" PRIu64 ": its block at L = 0x%" PRIx64 " (filesystem block %" PRIu64 ") is one the ext4 journal's recovery writes at the next mount (journal sequence %" PRIu32 "-%" PRIu32 "): a merge there would be overwritten. Extract both views first ('pmemscan extract --view auto'); see " PS_DOC("journal.md"),
			n, w->path ? w->path : "", w->a, w->b, w->off, w->c, (uint32_t)w->d,
			(uint32_t)w->e);
		break;
	case PS_RW_ROLLED_BACK:
		fprintf(f, "%s: the planned repair was checked on an in-memory copy and rolled back: %s",
			ps_repair_unit_name(a, n, un, sizeof(un)), w->detail ? w->detail : "");
		break;
	case PS_RW_NOTE_SEM_CHOSEN:
		fprintf(f, "namespace %d: --semantics %s chose the filesystem at 0x%" PRIx64 "; the other one (at 0x%" PRIx64 ") is NOT kept: extract it before using the repaired namespace",
			n, ps_sem_name(w->sem), w->a, w->b);
		break;
	case PS_RW_NOTE_ASSUME_ALIGNED:
		fprintf(f, "namespace %d: ASSUMPTION (--assume-aligned): its physical base is %s aligned; a current kernel refuses the rewritten block (\"resource start misaligned\" or \"bad offset\") if it is not. Check with 'ndctl list -N -v' (resource) before using it",
			n, ps_human(w->a, h1, sizeof(h1)));
		break;
	case PS_RW_NOTE_AFTER_REWRITE:
		fprintf(f, "namespace %d: after the rewrite a current kernel (v5.7+) exposes %s of data from image offset 0x%" PRIx64 " (the filesystem's bytes stay where they are); the area [base + 8 KiB, base + 0x%" PRIx64 ") becomes the memmap the kernel rewrites at every enable",
			n, ps_human(w->a, h1, sizeof(h1)), w->off, w->b);
		break;
	case PS_RW_NOTE_AMBIGUOUS_KEPT:
		fprintf(f, "namespace %d: %s (inode %" PRIu64 "): %" PRIu64 " block(s) of ambiguous provenance kept from L (write() data there, and F lies on another file's block or metadata, so a store cannot be told from its owner's bytes): bytes %s",
			n, w->path ? w->path : "", w->a, w->b, w->detail ? w->detail : "");
		break;
	case PS_RW_NOTE_VICTIM:
		fprintf(f, "namespace %d: %s (inode %" PRIu64 ", %s): %" PRIu64 " of its blocks were stored through a mapping over %s (from offset 0x%" PRIx64 "): that file is a victim, its current bytes there are these stores and its earlier content is not recoverable from this image; the merge leaves it as it reads now",
			n, w->path ? w->path : "", w->a, ps_split_class_name((enum ps_split_class)w->code),
			w->b, w->path2 ? w->path2 : "", w->off);
		break;
	case PS_RW_NOTE_SPLIT_NOT_RUN:
		fprintf(f, "namespace %d: split check not run (%s): if this namespace was ever mounted with -o dax, files stored through a mapping keep their data start_pad lower, which the rewrite strands; 'pmemscan extract --view mmap' cannot read them either",
			n, w->detail ? w->detail : ps_strerror(w->code));
		break;
	case PS_RW_NOTE_SPLIT_NONE:
		fprintf(f, "namespace %d: split check: none of its %zu files was written through a mapping (no data only at F, start_pad lower): the rewrite strands nothing",
			n, (size_t)w->a);
		break;
	case PS_RW_NOTE_MERGED:
		fprintf(f, "namespace %d: --merge-mmap: %" PRIu64 " block(s) of %" PRIu64 " mmap-written and %" PRIu64 " mixed file(s) copied from F (start_pad lower) into their L blocks before the rewrite; the re-scan checks that every file then reads as planned (an mmap-written or mixed file as its merged view: each block from L or F by its provenance, the file as its writer last saw it; every other file unchanged)",
			n, w->a, w->b, w->c);
		break;
	case PS_RW_NOTE_JOURNAL_REPLAYED:
		fprintf(f, "namespace %d: its ext4 journal needs recovery (%" PRIu64 " transactions, sequence %" PRIu32 "-%" PRIu32 "): the merge and its re-scan read the files as the kernel shows them after recovering it; no merged block is one the recovery writes, and the journal itself is left for the kernel to replay",
			n, w->a, (uint32_t)w->b, (uint32_t)w->c);
		break;
	default:
		if (!patch_why_print(f, w))
			fprintf(f, "reason %d", (int)w->kind);
		break;
	}
}

/* The same as a string (owned by the caller); NULL when out of memory. */
char *repair_why_str(const struct ps_analysis *a, const struct ps_repair_why *w)
{
	char *s = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&s, &len);
	if (!m)
		return NULL;
	repair_why_print(m, a, w);
	if (fclose(m)) {
		free(s);
		return NULL;
	}
	return s;
}

static int plan_has_ns(const struct ps_plan *p, int ns)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->p[i].ns == ns)
			return 1;
	return 0;
}

void repair_ns_line(FILE *f, const char *when, const struct ps_ns *ns)
{
	if (!ns) {
		fprintf(f, "    %s: no namespace\n", when);
		return;
	}
	fprintf(f, "    %s: %s", when, ps_verdict_name(ns->verdict));
	if (ns->mode == PS_NS_SECTOR)
		fprintf(f, ", BTT %u arena%s, %" PRIu64 " LBAs of %u bytes%s", ns->btt_narenas,
			ns->btt_narenas == 1 ? "" : "s", ns->btt_nlba, ns->btt_lbasize,
			ns->btt_used_backup ? ", a primary info block unusable (backup used)" : "");
	else if (ns->info_rec >= 0)
		fprintf(f, ", info block v%u.%u start_pad 0x%" PRIx64 " dataoff 0x%" PRIx64 " end_trunc 0x%" PRIx64 " npfns %" PRIu64 " mode %s checksum %s",
			ns->pfn.version_major, ns->pfn.version_minor, ns->start_pad, ns->dataoff,
			ns->end_trunc, ns->pfn.npfns, ps_pfn_mode_name(ns->pfn.mode),
			ns->pfn.checksum_ok ? "ok" : "BAD");
	if (ns->chosen >= 0 && ns->chosen < ns->ncand)
		fprintf(f, "; data at 0x%" PRIx64 "%s%s", ns->cand[ns->chosen].off,
			ns->cand[ns->chosen].probe.type[0] ? " holds " : "",
			ns->cand[ns->chosen].probe.type);
	fputc('\n', f);
}

static void refused_line(FILE *f, const struct ps_analysis *a, const struct ps_refusal *r)
{
	fprintf(f, "  REFUSED [%s]: ", r->kind);
	repair_why_print(f, a, &r->why);
	fputc('\n', f);
}

void repair_print_plan(FILE *f, const char *path, const struct ps_analysis *a,
		       const struct ps_analysis *after, const struct ps_plan *p)
{
	fprintf(f, "repair plan for %s\n", path);
	for (size_t i = 0; i < a->nns; i++) {
		const struct ps_ns *ns = &a->ns[i];
		int has = plan_has_ns(p, (int)i);
		int refused = 0;
		for (size_t k = 0; k < p->nr; k++)
			if (p->r[k].ns == (int)i)
				refused = 1;
		if (!has && !refused)
			continue;
		fprintf(f, "\nnamespace %zu (%s) at 0x%" PRIx64 ", %" PRIu64 " bytes\n", i,
			ps_ns_mode_name(ns->mode), ns->base, ns->size);
		repair_ns_line(f, "before", ns);
		if (has) {
			repair_ns_line(f, "after ", after ? ps_repair_ns_at(after, ns->base) : NULL);
			for (size_t k = 0; k < p->n; k++) {
				const struct ps_patch *x = &p->p[k];
				if (x->ns != (int)i)
					continue;
				fprintf(f, "  patch 0x%" PRIx64 " (%u byte%s) %s [%s]: %s -> %s\n",
					x->off, x->len, x->len == 1 ? "" : "s", x->field,
					x->kind, x->oldv, x->newv);
				fputs("        why: ", f);
				repair_why_print(f, a, &x->why);
				fputc('\n', f);
			}
		}
		for (size_t k = 0; k < p->nr; k++)
			if (p->r[k].ns == (int)i)
				refused_line(f, a, &p->r[k]);
	}
	for (size_t ri = 0; ri < a->scan.nrecs; ri++) {
		int u = PS_UNIT_REC(ri);
		int has = plan_has_ns(p, u), refused = 0;
		for (size_t k = 0; k < p->nr; k++)
			if (p->r[k].ns == u)
				refused = 1;
		if (!has && !refused)
			continue;
		const struct ps_rec *r = &a->scan.recs[ri];
		char un[96];
		fprintf(f, "\n%s\n", ps_repair_unit_name(a, u, un, sizeof(un)));
		if (r->kind == PS_REC_NSINDEX && r->u.lsa.lsa) {
			const struct ps_lsa *l = r->u.lsa.lsa;
			fprintf(f, "    before: index 0 %s seq %u, index 1 %s seq %u, current %d\n",
				l->index[0].valid ? "valid" : "INVALID", l->index[0].seq,
				l->index[1].valid ? "valid" : "INVALID", l->index[1].seq, l->current);
		}
		for (size_t k = 0; k < p->n; k++) {
			const struct ps_patch *x = &p->p[k];
			if (x->ns != u)
				continue;
			fprintf(f, "  patch 0x%" PRIx64 " (%u byte%s) %s [%s]%s%s%s%s\n", x->off, x->len,
				x->len == 1 ? "" : "s", x->field, x->kind, x->oldv[0] ? ": " : "",
				x->oldv, x->oldv[0] ? " -> " : "", x->newv);
			fputs("        why: ", f);
			repair_why_print(f, a, &x->why);
			fputc('\n', f);
		}
		for (size_t k = 0; k < p->nr; k++)
			if (p->r[k].ns == u)
				refused_line(f, a, &p->r[k]);
	}
	for (int k = 0; k < p->nnotes; k++) {
		fputs("\nnote: ", f);
		repair_why_print(f, a, &p->notes[k]);
		fputc('\n', f);
	}
	if (p->notes_lost)
		fprintf(f, "\nnote: %d more note(s) could not be kept (out of memory)\n", p->notes_lost);
	fprintf(f, "\n%zu patch%s, %zu refusal%s\n", p->n, p->n == 1 ? "" : "es",
		p->nr, p->nr == 1 ? "" : "s");
}

/* ---- the plan as JSON (--plan --json; docs/repair.md) ---- */

static json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *j_ns_state(const struct ps_ns *ns)
{
	if (!ns)
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "verdict", jstr(ps_verdict_name(ns->verdict)));
	const struct ps_cand *c = ns->chosen >= 0 && ns->chosen < ns->ncand ?
				  &ns->cand[ns->chosen] : NULL;
	json_object_object_add(o, "data_offset", c ? json_object_new_uint64(c->off) : NULL);
	json_object_object_add(o, "filesystem", c && c->probe.type[0] ? jstr(c->probe.type) : NULL);
	if (ns->mode != PS_NS_SECTOR && ns->info_rec >= 0) {
		json_object_object_add(o, "start_pad", json_object_new_uint64(ns->start_pad));
		json_object_object_add(o, "dataoff", json_object_new_uint64(ns->dataoff));
		json_object_object_add(o, "end_trunc", json_object_new_uint64(ns->end_trunc));
		json_object_object_add(o, "info_checksum", jstr(ns->pfn.checksum_ok ? "valid" : "bad"));
	}
	return o;
}

/* The patches and refusals of one unit; NULL if it has neither. */
static json_object *j_unit(const struct ps_analysis *a, const struct ps_plan *p, int u, const char *name,
			   int ns, const struct ps_ns *before, const struct ps_ns *after)
{
	json_object *patches = json_object_new_array(), *refusals = json_object_new_array();
	for (size_t k = 0; k < p->n; k++) {
		const struct ps_patch *x = &p->p[k];
		if (x->ns != u)
			continue;
		char oh[2 * PS_PATCH_MAX_LEN + 1], nh[2 * PS_PATCH_MAX_LEN + 1];
		ps_hex(x->old, x->len, oh);
		ps_hex(x->new_, x->len, nh);
		json_object *o = json_object_new_object();
		json_object_object_add(o, "offset", json_object_new_uint64(x->off));
		json_object_object_add(o, "length", json_object_new_uint64(x->len));
		json_object_object_add(o, "field", jstr(x->field));
		json_object_object_add(o, "kind", jstr(x->kind));
		json_object_object_add(o, "old", jstr(x->oldv));
		json_object_object_add(o, "new", jstr(x->newv));
		json_object_object_add(o, "old_bytes", jstr(oh));
		json_object_object_add(o, "new_bytes", jstr(nh));
		char *why = repair_why_str(a, &x->why);
		json_object_object_add(o, "why", jstr(why));
		free(why);
		json_object_array_add(patches, o);
	}
	for (size_t k = 0; k < p->nr; k++) {
		if (p->r[k].ns != u)
			continue;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "kind", jstr(p->r[k].kind));
		char *why = repair_why_str(a, &p->r[k].why);
		json_object_object_add(o, "why", jstr(why));
		free(why);
		json_object_array_add(refusals, o);
	}
	if (!json_object_array_length(patches) && !json_object_array_length(refusals)) {
		json_object_put(patches);
		json_object_put(refusals);
		return NULL;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "unit", jstr(name));
	json_object_object_add(o, "namespace", ns >= 0 ? json_object_new_int(ns) : NULL);
	json_object_object_add(o, "before", j_ns_state(before));
	json_object_object_add(o, "after", j_ns_state(after));
	json_object_object_add(o, "patches", patches);
	json_object_object_add(o, "refusals", refusals);
	return o;
}

int repair_print_plan_json(FILE *f, const char *path, uint64_t size,
			   const struct ps_analysis *a, const struct ps_analysis *after,
			   const struct ps_plan *p)
{
	json_object *root = json_object_new_object(), *units = json_object_new_array();
	json_object_object_add(root, "schema", jstr("pmemscan-repair-plan/1"));
	json_object_object_add(root, "version", jstr(PACKAGE_VERSION));
	json_object *img = json_object_new_object();
	json_object_object_add(img, "path", jstr(path));
	json_object_object_add(img, "size", json_object_new_uint64(size));
	json_object_object_add(root, "image", img);
	char name[96];
	for (size_t i = 0; i < a->nns; i++) {
		const struct ps_ns *ns = &a->ns[i];
		snprintf(name, sizeof(name), "namespace %zu (%s) at 0x%" PRIx64, i,
			 ps_ns_mode_name(ns->mode), ns->base);
		json_object *u = j_unit(a, p, (int)i, name, (int)i, ns,
					after && plan_has_ns(p, (int)i) ?
					ps_repair_ns_at(after, ns->base) : NULL);
		if (u)
			json_object_array_add(units, u);
	}
	for (size_t ri = 0; ri < a->scan.nrecs; ri++) {
		int un = PS_UNIT_REC(ri);
		json_object *u = j_unit(a, p, un, ps_repair_unit_name(a, un, name, sizeof(name)),
					-1, NULL, NULL);
		if (u)
			json_object_array_add(units, u);
	}
	json_object_object_add(root, "units", units);
	json_object *notes = json_object_new_array();
	for (int k = 0; k < p->nnotes; k++) {
		char *note = repair_why_str(a, &p->notes[k]);
		json_object_array_add(notes, jstr(note));
		free(note);
	}
	json_object_object_add(root, "notes", notes);
	json_object_object_add(root, "patches", json_object_new_uint64(p->n));
	json_object_object_add(root, "refusals", json_object_new_uint64(p->nr));
	json_object_object_add(root, "result", jstr(p->n ? (p->nr ? "partial" : "plan") :
						    p->nr ? "refused" : "nothing-to-repair"));
	const char *js = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	int rc = fprintf(f, "%s\n", js) < 0 ? -1 : 0;
	json_object_put(root);
	return rc;
}

void repair_print_rescan(FILE *f, const char *path, const struct ps_analysis *before,
			 const struct ps_apply_result *res)
{
	for (size_t k = 0; k < res->nchecks; k++) {
		const struct ps_unit_check *c = &res->checks[k];
		if (!c->valid)
			break;
		if (c->unit >= 0) {
			fprintf(f, "re-scan of %s: namespace %d is valid\n", path, c->unit);
			repair_ns_line(f, "now", ps_repair_ns_at(&res->rescan,
								 before->ns[c->unit].base));
		} else {
			fprintf(f, "re-scan of %s: label area at 0x%" PRIx64 " is valid (both index blocks, same labels in use)\n",
				path, before->scan.recs[PS_UNIT_REC_INDEX(c->unit)].off);
		}
	}
}
