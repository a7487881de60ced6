/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Filesystems left by an earlier layout (src/earlier.h) in words: the
 * summary line, the details with their evidence, the next commands, and
 * their JSON. */
#include "render.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *layout_words(unsigned bit)
{
	switch (bit) {
	case PS_LAY_RAW: return "a raw namespace (data at its start)";
	case PS_LAY_BTT: return "a sector namespace (BTT), its first sector while the BTT map was still the identity";
	case PS_LAY_BTT2: return "a sector namespace with a BTT 2.0 (UEFI) at its start, its first sector";
	case PS_LAY_DEV_V53: return "an fsdax/devdax namespace of this size with its memmap on the device (ndctl -M dev, the default), as kernels v5.3+ and ndctl place its data";
	case PS_LAY_DEV_PS128: return "the same with 128-byte struct pages (some v6.1 builds)";
	case PS_LAY_DEV_V418: return "an fsdax namespace with -M dev as v4.14-v5.2 kernels place its data";
	case PS_LAY_DAX_V418: return "a devdax namespace with -M dev as v4.14-v5.0 kernels place its data";
	case PS_LAY_DEV_V410: return "a namespace with -M dev as v4.10-v4.13 kernels place its data";
	case PS_LAY_DEV_V46: return "a namespace with -M dev as v4.4-v4.9 kernels place its data";
	case PS_LAY_MEM: return "an fsdax/devdax namespace with its memmap in RAM (ndctl -M mem)";
	case PS_LAY_START_PAD: return "behind the current info block's start_pad (the legacy reading)";
	}
	return "?";
}

static const char *over_words(enum ps_over_kind k)
{
	switch (k) {
	case PS_OVER_INFO: return "the current info block";
	case PS_OVER_MEMMAP: return "the current namespace's struct-page memmap (written when the kernel enables it)";
	case PS_OVER_BTT_INFO: return "a BTT info block";
	case PS_OVER_BTT_MAP: return "the BTT map (zeroed when the BTT was made)";
	case PS_OVER_BTT_FLOG: return "the BTT flog";
	}
	return "?";
}

static const char *over_key(enum ps_over_kind k)
{
	switch (k) {
	case PS_OVER_INFO: return "info-block";
	case PS_OVER_MEMMAP: return "memmap";
	case PS_OVER_BTT_INFO: return "btt-info";
	case PS_OVER_BTT_MAP: return "btt-map";
	case PS_OVER_BTT_FLOG: return "btt-flog";
	}
	return "?";
}

static void path_arg(FILE *f, const char *path)
{
	if (path[0] == '-')
		fputs("./", f);
	render_shell_word(f, path);
}

static uint64_t carve_size(const struct ps_earlier *e)
{
	return e->fs_size && e->fs_size < e->room ? e->fs_size : e->room;
}

/* The i-th command for earlier filesystem n (0 ls, 1 extract, 2 carve,
 * 3 fsck of the carved copy); false when there is no such command. */
bool render_earlier_cmd(FILE *f, const struct ps_report *in, const struct ps_earlier *e,
			size_t n, int i)
{
	if (e->primary_lost && i < 2)
		return false;	/* no superblock to open it by */
	switch (i) {
	case 0:
		fputs("pmemscan ls ", f);
		path_arg(f, in->path);
		fprintf(f, " --offset 0x%" PRIx64, e->off);
		return true;
	case 1:
		fputs("pmemscan extract ", f);
		path_arg(f, in->path);
		fprintf(f, " --offset 0x%" PRIx64 " -o OUTDIR", e->off);
		return true;
	case 2:
		fputs("pmemscan carve ", f);
		path_arg(f, in->path);
		fprintf(f, " --offset 0x%" PRIx64 " --size %" PRIu64 " -o earlier%zu.img", e->off,
			carve_size(e), n);
		return true;
	case 3:
		if (!e->primary_lost || !e->backup_group)
			return false;
		if (!strcmp(e->fstype, "xfs"))
			fprintf(f, "xfs_repair -n earlier%zu.img   (it finds a secondary superblock itself)", n);
		else if (e->backup_bs)
			fprintf(f, "e2fsck -n -b %" PRIu64 " -B %" PRIu32 " earlier%zu.img   (the backup superblock of group %" PRIu32 ")",
				(e->backup_at - e->off) / e->backup_bs, e->backup_bs, n,
				e->backup_group);
		else
			return false;
		return true;
	}
	return false;
}

static void where(FILE *f, const struct ps_earlier *e)
{
	char h[32];
	if (e->ns >= 0)
		fprintf(f, "image offset 0x%" PRIx64 " (namespace %d + 0x%" PRIx64 ", %s)", e->off,
			e->ns, e->off - e->region, ps_human(e->off - e->region, h, sizeof(h)));
	else
		fprintf(f, "image offset 0x%" PRIx64 " (%s)", e->off, ps_human(e->off, h, sizeof(h)));
}

static void what(FILE *f, const struct ps_earlier *e)
{
	char h[32];
	fprintf(f, "%s", e->fstype);
	if (e->probe.label[0]) {
		fputs(" labelled \"", f);
		render_text_img(f, e->probe.label, "\"");
		fputc('"', f);
	}
	fprintf(f, ", %s", ps_human(e->fs_size, h, sizeof(h)));
}

/* One line for the summary: what, where, what to run. */
void render_earlier_summary(FILE *f, const struct ps_report *in, const struct ps_earlier *e,
			    size_t n)
{
	fputs("a filesystem left by an earlier layout: ", f);
	what(f, e);
	fputs(" at ", f);
	where(f, e);
	fputs(", which the metadata now in the image does not explain", f);
	if (e->layouts & ~PS_LAY_START_PAD)
		fputs(" (where an earlier layout of this namespace put its data)", f);
	if (e->primary_lost)
		fputs("; its primary superblock is overwritten, a backup names it", f);
	if (e->nover)
		fprintf(f, "; the current metadata overwrote %d part(s) of it, hitting %" PRIu64 " of its files",
			e->nover, e->files_hit);
	else
		fputs("; nothing of it lies under the current metadata", f);
	fputs(": ", f);
	render_earlier_cmd(f, in, e, n, e->primary_lost ? 2 : 1);
	fputc('.', f);
}

void render_earlier_text(FILE *f, const struct ps_report *in, const struct ps_analysis *a)
{
	const struct ps_earlier_set *s = &a->earlier;
	char h[32];
	if (!s->n)
		return;
	fprintf(f, "\nfilesystems left by an earlier layout: %zu\n", s->n);
	for (size_t n = 0; n < s->n; n++) {
		const struct ps_earlier *e = &s->v[n];
		fputs("  a filesystem left by an earlier layout at ", f);
		where(f, e);
		fputs(": ", f);
		what(f, e);
		fputc('\n', f);
		if (e->by_primary) {
			const struct ps_probe *p = &e->probe;
			fprintf(f, "      - libblkid: %s filesystem%s%s", p->type,
				p->uuid[0] ? " uuid " : "", p->uuid);
			if (p->label[0]) {
				fputs(" label \"", f);
				render_text_img(f, p->label, "\"");
				fputc('"', f);
			}
			fputs(p->found ? ", superblock checksums valid\n" :
			      ", its superblock checksum is WRONG (damaged)\n", f);
		}
		if (e->primary_lost)
			fprintf(f, "      - its primary superblock is not there (overwritten): the backup superblock of group %" PRIu32 " at 0x%" PRIx64 " names this start\n",
				e->backup_group, e->backup_at);
		else if (e->backup_group)
			fprintf(f, "      - its backup superblock (group %" PRIu32 ", at 0x%" PRIx64 ") names the same start\n",
				e->backup_group, e->backup_at);
		if (!(e->layouts & ~PS_LAY_START_PAD))
			fputs("      - at no data start a known layout gives for this size: found by its superblock in the 4 KiB search\n", f);
		for (unsigned b = 0; b < PS_LAY_BITS; b++)
			if (e->layouts & (1u << b) && (1u << b) != PS_LAY_START_PAD)
				fprintf(f, "      - the data start of %s%s%s\n",
					layout_words(1u << b),
					e->layouts & PS_LAY_START_PAD ? ", " : "",
					e->layouts & PS_LAY_START_PAD ? layout_words(PS_LAY_START_PAD) : "");
		if (e->room < e->fs_size)
			fprintf(f, "      - it claims %s but only %s of the %s follow it: the end is cut\n",
				ps_human(e->fs_size, h, sizeof(h)), ps_human(e->room, h, sizeof(h)),
				e->ns >= 0 ? "namespace" : "image");
		if (!e->nover)
			fputs("      - nothing of it lies under the metadata now in the image\n", f);
		for (int k = 0; k < e->nover; k++)
			fprintf(f, "      - overwritten by %s: 0x%" PRIx64 "-0x%" PRIx64 " (%s, filesystem bytes %" PRIu64 "-%" PRIu64 ")\n",
				over_words(e->over[k].kind), e->over[k].off,
				e->over[k].off + e->over[k].len, ps_human(e->over[k].len, h, sizeof(h)),
				e->over[k].off - e->off, e->over[k].off + e->over[k].len - e->off);
		if (e->meta_hit)
			fputs("      - that includes its first 64 KiB (superblock, group descriptors): if it does not open, try its backup superblocks\n", f);
		if (e->nover && e->files_walked) {
			fprintf(f, "      - %" PRIu64 " of its %" PRIu64 " files have blocks in those ranges%s",
				e->files_hit, e->files_walked,
				e->files_hit ? " (their bytes there are now the new metadata's):" : "");
			for (int k = 0; k < e->nfiles; k++) {
				fputc(' ', f);
				render_text_img(f, e->files[k], NULL);
			}
			if (e->files_hit > (uint64_t)e->nfiles)
				fputs(" ...", f);
			fputc('\n', f);
		}
		for (int i = 0; i < 4; i++) {
			struct render_str b;
			FILE *m = render_str_open(&b);
			bool ok = m && render_earlier_cmd(m, in, e, n, i);
			char *cmd = render_str_close(&b);
			if (ok && cmd && *cmd)
				fprintf(f, "  > next: %s\n", cmd);
			free(cmd);
		}
	}
	if (s->dropped)
		fprintf(f, "  (%zu more not shown)\n", s->dropped);
}

json_object *render_earlier_json(const struct ps_report *in, const struct ps_analysis *a)
{
	json_object *arr = json_object_new_array();
	const struct ps_earlier_set *s = &a->earlier;
	for (size_t n = 0; n < s->n; n++) {
		const struct ps_earlier *e = &s->v[n];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "offset", json_object_new_uint64(e->off));
		json_object_object_add(o, "namespace", e->ns >= 0 ? json_object_new_int(e->ns) : NULL);
		json_object_object_add(o, "offset_in_namespace", json_object_new_uint64(e->off - e->region));
		json_object_object_add(o, "type", json_object_new_string(e->fstype));
		json_object_object_add(o, "uuid", e->probe.uuid[0] ? json_object_new_string(e->probe.uuid) : NULL);
		json_object_object_add(o, "label", e->probe.label[0] ? json_object_new_string(e->probe.label) : NULL);
		json_object_object_add(o, "size", json_object_new_uint64(e->fs_size));
		json_object_object_add(o, "room", json_object_new_uint64(e->room));
		json_object_object_add(o, "primary_superblock", json_object_new_boolean(!e->primary_lost));
		json_object_object_add(o, "backup_group", json_object_new_uint64(e->backup_group));
		json_object *l = json_object_new_array();
		for (unsigned b = 0; b < PS_LAY_BITS; b++)
			if (e->layouts & (1u << b))
				json_object_array_add(l, json_object_new_string(ps_layout_key(1u << b)));
		json_object_object_add(o, "layouts", l);
		json_object *ov = json_object_new_array();
		for (int k = 0; k < e->nover; k++) {
			json_object *x = json_object_new_object();
			json_object_object_add(x, "what", json_object_new_string(over_key(e->over[k].kind)));
			json_object_object_add(x, "offset", json_object_new_uint64(e->over[k].off));
			json_object_object_add(x, "length", json_object_new_uint64(e->over[k].len));
			json_object_array_add(ov, x);
		}
		json_object_object_add(o, "overwritten", ov);
		json_object_object_add(o, "files_walked", json_object_new_uint64(e->files_walked));
		json_object_object_add(o, "files_overwritten", json_object_new_uint64(e->files_hit));
		json_object *fl = json_object_new_array();
		for (int k = 0; k < e->nfiles; k++)
			json_object_array_add(fl, json_object_new_string(e->files[k]));
		json_object_object_add(o, "files", fl);
		json_object *nx = json_object_new_array();
		for (int i = 0; i < 4; i++) {
			struct render_str b;
			FILE *m = render_str_open(&b);
			bool ok = m && render_earlier_cmd(m, in, e, n, i);
			char *cmd = render_str_close(&b);
			if (ok && cmd && *cmd)
				json_object_array_add(nx, json_object_new_string(cmd));
			free(cmd);
		}
		json_object_object_add(o, "next_commands", nx);
		json_object_array_add(arr, o);
	}
	return arr;
}
