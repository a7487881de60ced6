/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PMDK pools in the scan report, text and JSON (docs/pmdk.md): the pool
 * headers and poolset files found, and what a namespace's data is in
 * PMDK's terms (a pmemblk pool's BTT; what a devdax namespace holds). */
#include "config.h"
#include "render.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HUMAN(v) ps_human((v), hb, sizeof(hb))

static const char *place_name(int place)
{
	switch (place) {
	case PS_PMDK_BLK_BTT: return "blk-btt";
	case PS_PMDK_DEVDAX_DATA: return "devdax-data";
	case PS_PMDK_IN_DATA: return "in-namespace-data";
	}
	return "image";
}

static void features(FILE *f, uint32_t incompat)
{
	static const char *const names[] = { "SINGLEHDR", "CKSUM_2K", "SHUTDOWN_STATE" };
	const char *sep = "";
	fputc('[', f);
	for (unsigned b = 0; b < 3; b++)
		if (incompat & (1u << b)) {
			fprintf(f, "%s%s", sep, names[b]);
			sep = ", ";
		}
	fputc(']', f);
}

static void iso_time(uint64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (t > (uint64_t)253402300799ull || !gmtime_r(&tt, &tm) ||
	    !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "%" PRIu64, t);
}

/* An obj pool's layout name, quoted and escaped, at most LAYOUT_SHOWN
 * characters of it: a real one is short, the 1 KiB of a damaged or
 * chance header is noise (the JSON keeps it whole). */
#define LAYOUT_SHOWN 64
static void layout_text(FILE *f, const char *s)
{
	char b[LAYOUT_SHOWN + 1];
	size_t n = strlen(s), all = 0;
	size_t w = ps_str_escape(s, n, PS_ESC_CONTROL, "\"\\", b, sizeof(b));
	char *full = malloc(4 * n + 1);
	if (full) {
		all = ps_str_escape(s, n, PS_ESC_CONTROL, "\"\\", full, 4 * n + 1);
		free(full);
	}
	fprintf(f, "\"%s\"", b);
	if (all > w)
		fprintf(f, " (cut: %zu bytes; --json has it whole)", n);
}

static void where(FILE *f, const struct ps_rec *r)
{
	switch (r->pmdk_place) {
	case PS_PMDK_BLK_BTT:
		fprintf(f, "its BTT is namespace %d", r->ns);
		break;
	case PS_PMDK_DEVDAX_DATA:
		fprintf(f, "the data of devdax namespace %d", r->ns);
		break;
	case PS_PMDK_IN_DATA:
		fprintf(f, "inside the data of namespace %d (a file in its filesystem?)", r->ns);
		break;
	default:
		fputs(r->off ? "in no namespace" : "the image is the pool file", f);
	}
}

void render_pmdk_rec_text(FILE *f, const struct ps_analysis *a, const struct ps_rec *r)
{
	char hb[32], u[37], pu[37], t[32];
	(void)a;
	if (r->kind == PS_REC_POOLSET) {
		const struct ps_pmdk_poolset *ps = r->u.poolset;
		if (!ps)
			return;
		fprintf(f, "  0x%012" PRIx64 "  PMEMPOOLSET     poolset file: %u part(s), %u replica(s)%s, %s in the master replica; ",
			r->off, ps->nparts, ps->nreplicas, ps->nremote ? " (remote ones too)" : "",
			HUMAN(ps->size));
		where(f, r);
		fputc('\n', f);
		for (size_t i = 0; i < ps->nkept; i++)
		{
			fprintf(f, "      replica %u part %s ", ps->part[i].replica,
				HUMAN(ps->part[i].size));
			render_text_img(f, ps->part[i].path, NULL);
			fputc('\n', f);
		}
		return;
	}
	const struct ps_pmdk_pool *p = r->u.pmdk;
	if (!p)
		return;
	if (!p->checksum_end) {	/* the header itself was cut */
		fprintf(f, "  0x%012" PRIx64 "  %-15s TRUNCATED by the end of the image\n",
			r->off, ps_pmdk_sig_name(p->type));
		return;
	}
	fprintf(f, "  0x%012" PRIx64 "  %-15s v%u  checksum %s  PMDK %s pool, %s; ", r->off,
		ps_pmdk_sig_name(p->type), p->major, p->checksum_ok ? "valid" : "BAD",
		ps_pmdk_type_name(p->type), p->size ? HUMAN(p->size) : "size in its filesystem");
	where(f, r);
	fputc('\n', f);
	ps_pmdk_uuid_str(p->uuid, u);
	ps_pmdk_uuid_str(p->poolset_uuid, pu);
	iso_time(p->crtime, t);
	fprintf(f, "      uuid %s  poolset_uuid %s  created %s%s\n", u, pu, t,
		p->single_part ? "" : "  (one part of a multi-part poolset)");
	fprintf(f, "      features: compat 0x%x, incompat 0x%x ", p->compat, p->incompat);
	features(f, p->incompat);
	fprintf(f, ", ro_compat 0x%x; last shutdown %s\n", p->ro_compat,
		p->sds_dirty ? "dirty" : "clean");
	if (r->truncated) {
		fputs("      descriptor: cut short by the end of the image\n", f);
		return;
	}
	switch (p->type) {
	case PS_PMDK_BLK:
		fprintf(f, "      block size %u, zeroed %s, BTT at 0x%" PRIx64 " (pool + 0x%" PRIx64 ")\n",
			p->bsize, p->is_zeroed ? "yes" : "no", r->off + p->data_off, p->data_off);
		break;
	case PS_PMDK_OBJ:
		fputs("      layout ", f);
		layout_text(f, p->layout);
		fprintf(f, "  lanes at +0x%" PRIx64 " (%" PRIu64 ")  heap at +0x%" PRIx64 "  descriptor checksum %s\n",
			p->lanes_offset, p->nlanes, p->heap_offset,
			p->obj_checksum_ok ? "valid" : "BAD");
		break;
	case PS_PMDK_LOG:
		fprintf(f, "      log space +0x%" PRIx64 "..+0x%" PRIx64 ", written up to +0x%" PRIx64 " (%" PRIu64 " bytes)\n",
			p->start_offset, p->end_offset, p->write_offset,
			p->write_offset >= p->start_offset ? p->write_offset - p->start_offset : 0);
		break;
	}
}

/* One pool in a sentence. */
static void pool_phrase(FILE *f, const struct ps_rec *r)
{
	const struct ps_pmdk_pool *p = r->u.pmdk;
	char u[37];
	ps_pmdk_uuid_str(p->uuid, u);
	fprintf(f, "a PMDK %s pool (%s", ps_pmdk_type_name(p->type), ps_pmdk_sig_name(p->type));
	if (p->type == PS_PMDK_OBJ && p->desc_read)
	{
		fputs(", layout ", f);
		layout_text(f, p->layout);
	}
	fprintf(f, ", uuid %s, header checksum %s)", u, p->checksum_ok ? "valid" : "BAD");
}

bool render_pmdk_ns_text(FILE *f, const struct ps_analysis *a, const struct ps_ns *ns)
{
	char hb[32];
	if (ns->mode == PS_NS_SECTOR && ns->pmdk_rec >= 0) {
		const struct ps_rec *r = &a->scan.recs[ns->pmdk_rec];
		fprintf(f, "  PMDK: the BTT of the PMEMBLK pool at 0x%" PRIx64 ", not a kernel namespace: ", r->off);
		pool_phrase(f, r);
		fputc('\n', f);
		return true;
	}
	if (ns->mode != PS_NS_DEVDAX || !ns->ncand || ns->nested_in >= 0)
		return false;
	const struct ps_cand *c = &ns->cand[0];
	fputs("  data holds: ", f);
	if (ns->pmdk_rec >= 0) {
		pool_phrase(f, &a->scan.recs[ns->pmdk_rec]);
		fprintf(f, ", %s", HUMAN(c->size));
	} else if (!c->probed) {
		fputs("not examined", f);
	} else if (c->probe.type[0]) {
		fprintf(f, "%s %s", c->probe.type, c->probe.usage);
	} else if (c->probe.content == PS_CONTENT_ZEROS) {
		fprintf(f, "zeros%s (the first 256 KiB)", c->probe.hole ? ", never written" : "");
	} else {
		fputs("unknown data: ", f);
		render_probe_detail(f, &c->probe);
	}
	fputc('\n', f);
	return true;
}

static json_object *j_u64(uint64_t v)
{
	return json_object_new_uint64(v);
}

static json_object *j_str(const char *s)
{
	return json_object_new_string(s);
}

static json_object *j_hex(uint64_t v)
{
	char b[24];
	snprintf(b, sizeof(b), "0x%016" PRIx64, v);
	return j_str(b);
}

json_object *render_pmdk_rec_json(const struct ps_analysis *a, const struct ps_rec *r)
{
	(void)a;
	json_object *o = json_object_new_object();
	char u[37], t[32];
	json_object_object_add(o, "offset", j_u64(r->off));
	json_object_object_add(o, "place", j_str(place_name(r->pmdk_place)));
	json_object_object_add(o, "namespace", r->ns >= 0 ? json_object_new_int(r->ns) : NULL);
	if (r->kind == PS_REC_POOLSET) {
		const struct ps_pmdk_poolset *ps = r->u.poolset;
		json_object_object_add(o, "type", j_str("poolset"));
		if (!ps)
			return o;
		json_object_object_add(o, "replicas", j_u64(ps->nreplicas));
		json_object_object_add(o, "remote_replicas", j_u64(ps->nremote));
		json_object_object_add(o, "parts", j_u64(ps->nparts));
		json_object_object_add(o, "size", j_u64(ps->size));
		json_object_object_add(o, "singlehdr", json_object_new_boolean(ps->singlehdr));
		json_object *pa = json_object_new_array();
		for (size_t i = 0; i < ps->nkept; i++) {
			json_object *po = json_object_new_object();
			json_object_object_add(po, "replica", j_u64(ps->part[i].replica));
			json_object_object_add(po, "size", j_u64(ps->part[i].size));
			json_object_object_add(po, "path", render_jstr_img(ps->part[i].path));
			json_object_array_add(pa, po);
		}
		json_object_object_add(o, "part_list", pa);
		return o;
	}
	const struct ps_pmdk_pool *p = r->u.pmdk;
	if (!p)
		return o;
	json_object_object_add(o, "type", j_str(ps_pmdk_type_name(p->type)));
	json_object_object_add(o, "signature", j_str(ps_pmdk_sig_name(p->type)));
	json_object_object_add(o, "major", j_u64(p->major));
	ps_pmdk_uuid_str(p->uuid, u);
	json_object_object_add(o, "uuid", j_str(u));
	ps_pmdk_uuid_str(p->poolset_uuid, u);
	json_object_object_add(o, "poolset_uuid", j_str(u));
	json_object_object_add(o, "single_part", json_object_new_boolean(p->single_part));
	json_object_object_add(o, "layout", p->type == PS_PMDK_OBJ && p->desc_read ?
			       render_jstr_img(p->layout) : NULL);
	json_object_object_add(o, "size", p->size ? j_u64(p->size) : NULL);
	json_object_object_add(o, "checksum", j_str(p->checksum_ok ? "valid" : "bad"));
	json_object_object_add(o, "checksum_stored", j_hex(p->checksum));
	json_object_object_add(o, "checksum_computed", j_hex(p->checksum_calc));
	json_object_object_add(o, "checksum_end", j_u64(p->checksum_end));
	json_object_object_add(o, "compat", j_u64(p->compat));
	json_object_object_add(o, "incompat", j_u64(p->incompat));
	json_object_object_add(o, "ro_compat", j_u64(p->ro_compat));
	iso_time(p->crtime, t);
	json_object_object_add(o, "created", j_str(t));
	json_object_object_add(o, "last_shutdown", j_str(p->sds_dirty ? "dirty" : "clean"));
	json_object *dsc = NULL;
	if (p->desc_read) {
		dsc = json_object_new_object();
		switch (p->type) {
		case PS_PMDK_BLK:
			json_object_object_add(dsc, "bsize", j_u64(p->bsize));
			json_object_object_add(dsc, "is_zeroed", json_object_new_boolean(p->is_zeroed != 0));
			json_object_object_add(dsc, "btt_offset", j_u64(r->off + p->data_off));
			break;
		case PS_PMDK_OBJ:
			json_object_object_add(dsc, "layout", render_jstr_img(p->layout));
			json_object_object_add(dsc, "lanes_offset", j_u64(p->lanes_offset));
			json_object_object_add(dsc, "nlanes", j_u64(p->nlanes));
			json_object_object_add(dsc, "heap_offset", j_u64(p->heap_offset));
			json_object_object_add(dsc, "checksum", j_str(p->obj_checksum_ok ? "valid" : "bad"));
			break;
		case PS_PMDK_LOG:
			json_object_object_add(dsc, "start_offset", j_u64(p->start_offset));
			json_object_object_add(dsc, "end_offset", j_u64(p->end_offset));
			json_object_object_add(dsc, "write_offset", j_u64(p->write_offset));
			break;
		}
	}
	json_object_object_add(o, "descriptor", dsc);
	return o;
}

json_object *render_pmdk_pools_json(const struct ps_analysis *a)
{
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < a->scan.nrecs; i++) {
		const struct ps_rec *r = &a->scan.recs[i];
		if (r->kind == PS_REC_PMDK || r->kind == PS_REC_POOLSET)
			json_object_array_add(arr, render_pmdk_rec_json(a, r));
	}
	return arr;
}

json_object *render_pmdk_ns_json(const struct ps_analysis *a, const struct ps_ns *ns)
{
	if (ns->mode == PS_NS_SECTOR && ns->pmdk_rec >= 0) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "kind", j_str("pmemblk-btt"));
		json_object_object_add(o, "pool", render_pmdk_rec_json(a, &a->scan.recs[ns->pmdk_rec]));
		return o;
	}
	if (ns->mode != PS_NS_DEVDAX || !ns->ncand || ns->nested_in >= 0)
		return NULL;
	const struct ps_cand *c = &ns->cand[0];
	json_object *o = json_object_new_object();
	const char *kind = "unknown";
	if (ns->pmdk_rec >= 0)
		kind = "pmdk-pool";
	else if (c->probed && c->probe.type[0])
		kind = "filesystem";
	else if (c->probed && c->probe.content == PS_CONTENT_ZEROS)
		kind = "zeros";
	json_object_object_add(o, "kind", j_str(kind));
	json_object_object_add(o, "pool", ns->pmdk_rec >= 0 ?
			       render_pmdk_rec_json(a, &a->scan.recs[ns->pmdk_rec]) : NULL);
	return o;
}
