/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness for the BTT code: the info-block parser on the raw
 * input, then the input as a namespace (grown to a small formatted BTT
 * when short, so the fuzzer mutates real metadata): open, check, read
 * (up to 2 MiB of) the translated view and walk its sparse map.
 *
 * Built and run by tests/fuzz/run.sh (make fuzz), with the library and
 * the test-support writer (tests/support/btt_writer.c) that formats it.
 */
#include "btt.h"
#include "err.h"
#include "imgsrc.h"
#include "fletcher.h"
#include "le.h"
#include "../support/btt_writer.h"
#include <stdlib.h>
#include <string.h>

#define ARENA (1u << 20)	/* a small hand-built arena (the reader has no minimum) */
#define NS_SIZE (4096u + ARENA)

static uint8_t *tmpl;

/* A 1 MiB v1.1 arena of 512-byte blocks, 4 lanes, every LBA remapped
 * (map[i] = i + 4) and each lane's free block consistent with it. */
static void make_template(void)
{
	struct ps_btt_geom g;
	tmpl = calloc(1, NS_SIZE);
	if (!tmpl || ps_btt_geometry(ARENA, 512, 4, &g))
		abort();
	struct ps_btt_sb sb;
	memset(&sb, 0, sizeof(sb));
	sb.version_major = 1;
	sb.version_minor = 1;
	sb.external_lbasize = 512;
	sb.external_nlba = g.external_nlba;
	sb.internal_lbasize = g.internal_lbasize;
	sb.internal_nlba = g.internal_nlba;
	sb.nfree = 4;
	sb.infosize = 4096;
	sb.dataoff = g.dataoff;
	sb.mapoff = g.mapoff;
	sb.logoff = g.logoff;
	sb.info2off = g.info2off;
	uint8_t *a = tmpl + 4096;
	ps_btt_info_encode(&sb, a);
	memcpy(a + g.info2off, a, 4096);
	for (uint32_t i = 0; i < g.external_nlba; i++) {
		uint32_t e = (i + 4) | PS_BTT_MAP_NORMAL;
		memcpy(a + g.mapoff + 4ull * i, &e, 4);	/* little-endian host */
		memset(a + g.dataoff + (uint64_t)(i + 4) * 512, (int)(i & 0xff), 512);
	}
	for (uint32_t k = 0; k < 4; k++) {
		uint32_t ent[4] = { k, k, k + 4, 1 };
		memcpy(a + g.logoff + 64ull * k, ent, 16);
	}
}

/* A memory source whose all-zero 4 KiB pages are holes, so the sparse
 * paths (hole-skipping map reads, next_data/next_hole) are exercised. */
struct sparse_mem {
	const uint8_t *p;
	uint8_t *zero;		/* per page: 1 = hole */
	size_t npages;
};

static int sm_pread(struct ps_src *s, void *buf, size_t len, uint64_t off)
{
	struct sparse_mem *m = s->priv;
	memcpy(buf, m->p + off, len);
	return PS_OK;
}

static int sm_seek(struct ps_src *s, uint64_t off, int want_hole, uint64_t *out)
{
	struct sparse_mem *m = s->priv;
	for (uint64_t pg = off / 4096; pg < m->npages; pg++)
		if (m->zero[pg] == want_hole) {
			uint64_t at = pg * 4096;
			*out = at > off ? at : off;
			return PS_OK;
		}
	*out = s->size;
	return PS_OK;
}

static int sm_next_data(struct ps_src *s, uint64_t off, uint64_t *out)
{
	return sm_seek(s, off, 0, out);
}

static int sm_next_hole(struct ps_src *s, uint64_t off, uint64_t *out)
{
	return sm_seek(s, off, 1, out);
}

static void sm_close(struct ps_src *s)
{
	struct sparse_mem *m = s->priv;
	free(m->zero);
	free(m);
}

static const struct ps_src_ops sm_ops = {
	.pread = sm_pread,
	.next_data = sm_next_data,
	.next_hole = sm_next_hole,
	.close = sm_close,
};

static struct ps_src *open_sparse(const uint8_t *p, size_t len)
{
	struct sparse_mem *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->p = p;
	m->npages = (len + 4095) / 4096;
	m->zero = calloc(m->npages ? m->npages : 1, 1);
	for (size_t i = 0; m->zero && i < m->npages; i++) {
		size_t n = len - i * 4096 < 4096 ? len - i * 4096 : 4096;
		m->zero[i] = ps_is_zero(p + i * 4096, n);
	}
	struct ps_src *s = m->zero ? ps_src_new(&sm_ops, m, len, "fuzz") : NULL;
	if (!s) {
		free(m->zero);
		free(m);
	}
	return s;
}

static void exercise(const uint8_t *ns, size_t len, int sparse)
{
	struct ps_src *src, *v;
	struct ps_btt *b;
	struct ps_diags d;
	ps_diags_init(&d);
	if (sparse) {
		src = open_sparse(ns, len);
		if (!src)
			return;
	} else if (ps_src_open_mem(ns, len, "fuzz", &src)) {
		return;
	}
	if (ps_btt_open(src, NULL, &b, &d) == PS_OK) {
		struct ps_btt_report r;
		memset(&r, 0, sizeof(r));
		ps_btt_check(b, &r);
		ps_btt_report_free(&r);
		if (ps_btt_view(b, &v) == PS_OK) {
			static uint8_t buf[1 << 16];
			uint64_t lim = v->size < (2u << 20) ? v->size : (2u << 20);
			for (uint64_t off = 0; off < lim; off += sizeof(buf)) {
				size_t n = lim - off < sizeof(buf) ? (size_t)(lim - off) : sizeof(buf);
				if (ps_src_pread(v, buf, n, off))
					ps_src_pread(v, buf, 512, off);
			}
			uint64_t o = 0, x;
			for (int i = 0; i < 64 && o < v->size; i++) {
				if (ps_src_next_data(v, o, &x) || ps_src_next_hole(v, x, &o))
					break;
				if (o <= x)
					o = x + 1;
			}
			ps_src_close(v);
		}
		ps_btt_close(b);
	}
	ps_src_close(src);
	ps_diags_free(&d);
}

#ifdef FUZZ_BTT_MAIN
#include <stdio.h>
/* Standalone: write seed inputs (mode 1 + template info block + tail). */
int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	make_template();
	FILE *f = fopen(argv[1], "wb");
	if (!f)
		return 1;
	fputc(1, f);
	fwrite(tmpl + 4096, 1, 4096, f);
	fwrite(tmpl + NS_SIZE - 16384, 1, 16384, f);
	return fclose(f) ? 1 : 0;
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ps_btt_sb sb;
	struct ps_diags d;
	ps_diags_init(&d);
	ps_btt_info_parse(data, size, 0, size, NULL, 0, 0, &sb, &d);
	ps_diags_free(&d);

	/* The raw input as a (small) namespace. */
	exercise(data, size, 0);

	/* The input spliced over the metadata of a real BTT. Byte 0 is a
	 * mode: bit 0 re-seals the primary's checksum after splicing (so
	 * field values get explored, not just checksum failures); bit 1
	 * reads the namespace through a source whose zero pages are holes. The next
	 * up to 4096 bytes go over the primary info block (at 4096, from its
	 * start), the rest over the arena's last 16 KiB (map end, flog,
	 * backup info block). */
	if (!tmpl)
		make_template();
	uint8_t *ns = malloc(NS_SIZE);
	if (!ns)
		return 0;
	memcpy(ns, tmpl, NS_SIZE);
	unsigned mode = 0;
	if (size >= 1) {
		mode = data[0];
		data++;
		size--;
		size_t k = size < 4096 ? size : 4096;
		memcpy(ns + 4096, data, k);
		if (size > k) {
			size_t rest = size - k;
			if (rest > 16384)
				rest = 16384;
			memcpy(ns + NS_SIZE - 16384, data + k, rest);
		}
		if (mode & 1)
			PS_FIELD_PUT(PS_BTT, ns + 4096, checksum,
				     ps_fletcher64(ns + 4096, PS_BTT_SIZE, PS_BTT_OFF_checksum,
						   PS_BTT_LEN_checksum));
	}
	exercise(ns, NS_SIZE, mode & 2);
	free(ns);
	return 0;
}
