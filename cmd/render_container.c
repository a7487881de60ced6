/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the image is stored as, in the scan report (docs/input.md,
 * docs/json-schema.md "container"): an EWF set's format, segments, stored
 * MD5/SHA1, whether the data matches them, and its acquisition metadata;
 * a split raw set's segments. The exit code a mismatch stands for.
 */
#include "config.h"
#include "render.h"
#include "split_cli.h"
#include "err.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The container worth a block of the report: EWF and split raw. A plain
 * file has none; a compressed dump has its own ("input:", "compressed"). */
static const struct ps_container_info *shown(const struct ps_report *in)
{
	const struct ps_container_info *ci = in->container;
	return ci && (ci->kind == PS_CONT_EWF || ci->kind == PS_CONT_SPLIT) ? ci : NULL;
}

void render_container_verify(FILE *f, const struct ps_container_info *ci)
{
	const char *what = ci->stored_md5 && ci->stored_sha1 ? "MD5 and SHA1" :
			   ci->stored_md5 ? "MD5" : "SHA1";
	switch (ci->verify) {
	case PS_VERIFY_MATCH:
		fprintf(f, "match: the data's %s equal%s the %s stored in the image", what,
			ci->stored_md5 && ci->stored_sha1 ? "" : "s", what);
		break;
	case PS_VERIFY_MISMATCH:
		fprintf(f, "MISMATCH: the data does not match the %s stored in the image:", what);
		if (ci->stored_md5)
			fprintf(f, " MD5 stored %s, data %s%s", ci->stored_md5,
				ci->data_md5 ? ci->data_md5 : "?", ci->stored_sha1 ? ";" : "");
		if (ci->stored_sha1)
			fprintf(f, " SHA1 stored %s, data %s", ci->stored_sha1,
				ci->data_sha1 ? ci->data_sha1 : "?");
		break;
	case PS_VERIFY_NONE:
		fputs("not checked: the image stores no MD5 or SHA1", f);
		break;
	case PS_VERIFY_PENDING:
		fputs("not checked: the data could not be read in full", f);
		break;
	case PS_VERIFY_OFF:
		fputs("not checked: verification was not asked for", f);
		break;
	}
}

void render_text_container(FILE *f, const struct ps_report *in)
{
	const struct ps_container_info *ci = shown(in);
	if (!ci)
		return;
	fprintf(f, "container: %s, %zu segment(s)", ci->format, ci->nsegments);
	if (ci->kind == PS_CONT_SPLIT && ci->nsegments > 1)
		fprintf(f, " of %" PRIu64 " bytes (the last %" PRIu64 ")", ci->segment_size,
			ci->media_size - ci->segment_size * (ci->nsegments - 1));
	fputc(':', f);
	for (size_t i = 0; i < ci->nsegments; i++)
		fprintf(f, " %s", ci->segments[i]);
	fputc('\n', f);
	if (ci->kind != PS_CONT_EWF)
		return;
	fprintf(f, "  stored md5: %s\n  stored sha1: %s\n",
		ci->stored_md5 ? ci->stored_md5 : "none", ci->stored_sha1 ? ci->stored_sha1 : "none");
	fputs("  verification: ", f);
	render_container_verify(f, ci);
	fputc('\n', f);
	fprintf(f, "  %u bytes per sector, chunks of %u bytes, %u acquisition error(s)\n",
		ci->bytes_per_sector, ci->chunk_size, ci->acquisition_errors);
	for (size_t i = 0; i < ci->nmeta; i++)
		fprintf(f, "  %s: %s\n", ci->meta[i].label, ci->meta[i].value);
	for (size_t i = 0; i < in->ndamage; i++) {
		const struct ps_damage *d = &in->damage[i];
		fprintf(f, "  damaged: bytes %" PRIu64 "-%" PRIu64 " (%" PRIu64 " bytes, a chunk in %s) fail their checksum: read as zeros\n",
			d->off, d->off + d->len, d->len, d->file ? d->file : "a segment file");
	}
}

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

json_object *render_json_container(const struct ps_report *in)
{
	const struct ps_container_info *ci = shown(in);
	if (!ci)
		return NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "kind", json_object_new_string(ci->kind == PS_CONT_EWF ? "ewf" : "split"));
	json_object_object_add(o, "format", str_or_null(ci->format));
	json_object *sg = json_object_new_array();
	for (size_t i = 0; i < ci->nsegments; i++)
		json_object_array_add(sg, str_or_null(ci->segments[i]));
	json_object_object_add(o, "segments", sg);
	json_object_object_add(o, "media_size", json_object_new_uint64(ci->media_size));
	if (ci->kind == PS_CONT_SPLIT) {
		json_object_object_add(o, "segment_size", json_object_new_uint64(ci->segment_size));
		return o;
	}
	json_object_object_add(o, "stored_md5", str_or_null(ci->stored_md5));
	json_object_object_add(o, "stored_sha1", str_or_null(ci->stored_sha1));
	json_object_object_add(o, "data_md5", str_or_null(ci->data_md5));
	json_object_object_add(o, "data_sha1", str_or_null(ci->data_sha1));
	json_object_object_add(o, "verify", json_object_new_string(ps_verify_name(ci->verify)));
	struct render_str b;
	FILE *m = render_str_open(&b);
	if (m)
		render_container_verify(m, ci);
	char *s = render_str_close(&b);
	json_object_object_add(o, "verify_detail", str_or_null(s));
	free(s);
	json_object_object_add(o, "bytes_per_sector", json_object_new_uint64(ci->bytes_per_sector));
	json_object_object_add(o, "chunk_size", json_object_new_uint64(ci->chunk_size));
	json_object_object_add(o, "acquisition_errors", json_object_new_uint64(ci->acquisition_errors));
	json_object *md = json_object_new_object();
	for (size_t i = 0; i < ci->nmeta; i++)
		json_object_object_add(md, ci->meta[i].key, str_or_null(ci->meta[i].value));
	json_object_object_add(o, "metadata", md);
	json_object *da = json_object_new_array();
	for (size_t i = 0; i < in->ndamage; i++) {
		const struct ps_damage *d = &in->damage[i];
		json_object *e = json_object_new_object();
		json_object_object_add(e, "offset", json_object_new_uint64(d->off));
		json_object_object_add(e, "length", json_object_new_uint64(d->len));
		json_object_object_add(e, "file", str_or_null(d->file));
		json_object_array_add(da, e);
	}
	json_object_object_add(o, "damaged", da);
	return o;
}

int render_scan_exit_code(const struct ps_report *in, const struct ps_analysis *a)
{
	int code = render_exit_code(a);
	/* evidence that does not match its stored hashes is a problem
	 * whatever the scan found in it: exit 1, as digest and ewfverify */
	if (in->container && in->container->kind == PS_CONT_EWF &&
	    in->container->verify == PS_VERIFY_MISMATCH)
		code = 1;
	/* so is evidence that could not all be read (zeros instead) */
	if (in->ndamage)
		code = 1;
	/* and a compressed dump whose stream breaks (truncated) */
	if (code == 0 && in->container && in->container->cut)
		code = 1;
	/* files that would come out stale, or a journal the kernel would
	 * not mount after recovering it: a problem whatever the layout */
	for (size_t i = 0; in->journals && i < in->njournals; i++)
		if (code == 0 && render_journal_problem(&in->journals[i]))
			code = 1;
	/* files written through a mapping under DAX (docs/start_pad.md "Files with two contents: the split check"): a file with
	 * two contents, and repair refused without --merge-mmap */
	for (size_t i = 0; in->splits && i < in->nsplits; i++)
		if (code == 0 && ps_split_mapped(in->splits[i]))
			code = 1;
	return code;
}

const char *render_hash_note(enum ps_hash_why w)
{
	switch (w) {
	case PS_HASH_WHY_ASKED_NONE: return "--hash none";
	case PS_HASH_WHY_ASKED_SPARSE: return "--hash sparse: sparse_sha256 given instead of sha256";
	case PS_HASH_WHY_LARGE:
		return "image larger than 4 GiB: sparse_sha256 given instead (hashed on every core, holes skipped); --hash sha256 for sha256";
	case PS_HASH_WHY_NONE: break;
	}
	return NULL;
}
