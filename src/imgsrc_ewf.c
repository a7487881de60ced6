/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * EWF evidence (EnCase E01, SMART S01, EWF2 Ex01 where libewf reads it)
 * as an image source. libewf decodes chunks at any offset, so the source
 * reads through it directly: no decoded copy, no cache. See imgsrc_open.h
 * for the contract and docs/input.md for what the user sees.
 *
 * What libewf does not say by itself, and is checked here:
 * - a segment set with a segment missing opens without error (libewf's
 *   glob stops at the gap and the missing chunks read as zeros flagged as
 *   checksum errors): libewf_handle_segment_files_corrupted() says so, and
 *   the last segment's final section descriptor tells a missing next
 *   segment ("next") from a file cut short (no valid descriptor);
 * - a chunk whose checksum fails is returned with the error only counted:
 *   every read checks the count and remembers the bad ranges, and the
 *   bytes of a bad range are read as zeros (the first read and every
 *   re-read of the cached chunk alike), listed by ps_src_damage() and
 *   counted by ps_src_damage_reads(), so that the rest of the evidence
 *   stays readable and the commands say what was lost;
 * - segments renamed out of order: each file header's segment number;
 * - a chunk that no table lists, or whose table points outside the
 *   segment file: libewf 20140813 reads it as a zeroed stand-in flagged as
 *   a checksum error, and never frees that stand-in (LeakSanitizer: a
 *   chunk's worth per read, tests/fuzz/seeds/container/finding-leak-b0542fbf...).
 *   The EWF1 tables are walked at open (ewf1_listed_end) and reads from
 *   the first such chunk on are refused without asking libewf.
 *
 * The signatures and segment names are in imgsrc_ewf_names.c, the
 * MD5/SHA1 verification in imgsrc_ewf_verify.c.
 */
#include "imgsrc_ewf_int.h"
#include "err.h"
#include "le.h"
#include "outfile.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define META_VALUE_MAX 4096	/* longer acquisition values are cut */

/* ---- the source ---- */

/* libewf's error as one line: the innermost cause of its backtrace,
 * without the function name, then freed. */
static void ewf_errstr(libewf_error_t **e, char *out, size_t outlen)
{
	char buf[2048];
	snprintf(out, outlen, "libewf error");
	if (!e || !*e)
		return;
	if (libewf_error_backtrace_sprint(*e, buf, sizeof(buf)) > 0) {
		char *nl = strchr(buf, '\n');
		if (nl)
			*nl = 0;
		char *m = strstr(buf, ": ");
		m = m ? m + 2 : buf;
		size_t l = strlen(m);
		while (l && (m[l - 1] == '.' || m[l - 1] == ' ' || m[l - 1] == '\r'))
			m[--l] = 0;
		snprintf(out, outlen, "%s", m);
	}
	libewf_error_free(e);
}

/* Name of the segment file holding media offset off (libewf's current
 * chunk after a seek), into out; "a segment file" if libewf cannot say. */
static void segment_of(struct ewf_priv *p, uint64_t off, char *out, size_t outlen)
{
	libewf_error_t *e = NULL;
	snprintf(out, outlen, "a segment file");
	if (libewf_handle_seek_offset(p->h, (off64_t)off, SEEK_SET, &e) < 0) {
		libewf_error_free(&e);
		return;
	}
	char buf[4096];
	if (libewf_handle_get_filename(p->h, buf, sizeof(buf), &e) == 1)
		snprintf(out, outlen, "%.300s", buf);
	else
		libewf_error_free(&e);
}

/* New checksum errors libewf counted: remember their ranges. */
static void collect_bad(struct ewf_priv *p)
{
	libewf_error_t *e = NULL;
	uint32_t n = 0;
	if (libewf_handle_get_number_of_checksum_errors(p->h, &n, &e) != 1) {
		libewf_error_free(&e);
		return;
	}
	for (; p->nerr_seen < n; p->nerr_seen++) {
		uint64_t first = 0, count = 0;
		if (libewf_handle_get_checksum_error(p->h, p->nerr_seen, &first, &count, &e) != 1) {
			libewf_error_free(&e);
			p->bad_overflow = 1;
			continue;
		}
		if (p->nbad == MAX_BAD) {
			p->bad_overflow = 1;
			continue;
		}
		uint64_t a = first * p->bps, b = (first + count) * p->bps;
		if (first > UINT64_MAX / p->bps || count > UINT64_MAX / p->bps - first)
			a = 0, b = UINT64_MAX;	/* nonsense: cover everything */
		char seg[512];
		p->bad[p->nbad].a = a;
		p->bad[p->nbad].b = b;
		p->bad[p->nbad].seg = NULL;
		if (b != UINT64_MAX) {
			segment_of(p, a, seg, sizeof(seg));
			p->bad[p->nbad].seg = strdup(seg);
		}
		p->nbad++;
	}
}

static int ewf_pread(struct ps_src *s, void *buf, size_t len, uint64_t off)
{
	struct ewf_priv *p = s->priv;
	uint8_t *b = buf;
	size_t done = 0;
	int r = PS_OK;
	pthread_mutex_lock(&p->lock);
	if (len && off + len > p->listed_end) {
		ps_src_set_error(s, "%s: EWF chunk at media offset %" PRIu64 " is not in the evidence: its segments' tables list %" PRIu64 " of %" PRIu64 " chunks in place, the data from there on is missing",
				 s->name, p->listed_end, p->nlisted, p->nchunks);
		r = PS_EIO;
		goto out;
	}
	while (done < len) {
		libewf_error_t *e = NULL;
		ssize_t n = libewf_handle_read_random(p->h, b + done, len - done,
						      (off64_t)(off + done), &e);
		if (n <= 0) {
			char why[300];
			if (n < 0)
				ewf_errstr(&e, why, sizeof(why));
			else
				snprintf(why, sizeof(why), "no data (media size %" PRIu64 ")", s->size);
			ps_src_set_error(s, "%s: EWF read failed at media offset %" PRIu64 ": %s",
					 s->name, off + done, why);
			r = PS_EIO;
			goto out;
		}
		done += (size_t)n;
	}
	collect_bad(p);
	if (p->bad_overflow) {
		ps_src_set_error(s, "%s: EWF chunks fail their checksums at more than %d places; the evidence is damaged (first read refused at media offset %" PRIu64 ")",
				 s->name, MAX_BAD, off);
		r = PS_EIO;
		goto out;
	}
	/* a bad chunk's bytes are not the evidence: zeros, and counted */
	int met = 0;
	for (unsigned i = 0; i < p->nbad; i++) {
		const struct bad_range *br = &p->bad[i];
		if (br->a >= off + len || br->b <= off)
			continue;
		uint64_t x = br->a > off ? br->a : off;
		uint64_t y = br->b < off + len ? br->b : off + len;
		memset(b + (x - off), 0, (size_t)(y - x));
		met = 1;
	}
	if (met)
		p->damaged_reads++;
	ps_ewf_verify_feed(s, p, b, len, off);
out:
	pthread_mutex_unlock(&p->lock);
	return r;
}

static void ewf_close(struct ps_src *s)
{
	struct ewf_priv *p = s->priv;
	if (!p)
		return;
	libewf_error_t *e = NULL;
	if (p->h) {
		libewf_handle_close(p->h, &e);
		libewf_error_free(&e);
		libewf_handle_free(&p->h, &e);
		libewf_error_free(&e);
	}
	if (p->segs) {
		if (p->globbed) {
			libewf_glob_free(p->segs, p->nsegs, &e);
			libewf_error_free(&e);
		} else {
			for (int i = 0; i < p->nsegs; i++)
				free(p->segs[i]);
			free(p->segs);
		}
	}
	for (size_t i = 0; i < PS_CONT_META_MAX; i++)
		free(p->metaval[i]);
	ps_ewf_vq_free(p->vq);
	for (unsigned i = 0; i < p->nbad; i++)
		free(p->bad[i].seg);
	pthread_mutex_destroy(&p->lock);
	free(p->path);
	free(p);
}

static const struct ps_src_ops ewf_ops = {
	.pread = ewf_pread,
	.close = ewf_close,
};

static const char *format_name(uint8_t f, enum ps_ewf_sig sig)
{
	if (sig == PS_EWF2)
		return "EWF2 (Ex01)";
	switch (f) {
	case LIBEWF_FORMAT_ENCASE1: return "EnCase 1 (E01)";
	case LIBEWF_FORMAT_ENCASE2: return "EnCase 2 (E01)";
	case LIBEWF_FORMAT_ENCASE3: return "EnCase 3 (E01)";
	case LIBEWF_FORMAT_ENCASE4: return "EnCase 4 (E01)";
	case LIBEWF_FORMAT_ENCASE5: return "EnCase 5 (E01)";
	case LIBEWF_FORMAT_ENCASE6: return "EnCase 6 (E01)";
	case LIBEWF_FORMAT_ENCASE7: return "EnCase 7 (E01)";
	case LIBEWF_FORMAT_SMART: return "SMART (S01)";
	case LIBEWF_FORMAT_FTK_IMAGER: return "FTK Imager (E01)";
	case LIBEWF_FORMAT_LINEN5: return "linen 5 (E01)";
	case LIBEWF_FORMAT_LINEN6: return "linen 6 (E01)";
	case LIBEWF_FORMAT_LINEN7: return "linen 7 (E01)";
	case LIBEWF_FORMAT_EWF: return "EWF (E01)";
	case LIBEWF_FORMAT_EWFX: return "EWFX (libewf's extended E01)";
	default: return "EWF";
	}
}

/* Acquisition metadata: libewf header identifier, our key, our label. */
static const struct { const char *id, *key, *label; } meta_ids[PS_CONT_META_MAX] = {
	{ "case_number", "case_number", "case number" },
	{ "evidence_number", "evidence_number", "evidence number" },
	{ "examiner_name", "examiner", "examiner" },
	{ "description", "description", "description" },
	{ "notes", "notes", "notes" },
	{ "acquiry_date", "acquisition_date", "acquisition date" },
	{ "system_date", "system_date", "system date" },
	{ "acquiry_operating_system", "acquisition_os", "acquisition OS" },
	{ "acquiry_software_version", "acquisition_software", "acquisition software version" },
	{ "model", "model", "device model" },
	{ "serial_number", "serial_number", "device serial number" },
	{ "device_label", "device_label", "device label" },
};

/* Values for one-line reports: control characters become spaces. */
static void sanitize(char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			*v = ' ';
}

static void read_meta(struct ewf_priv *p)
{
	for (size_t i = 0; i < PS_CONT_META_MAX; i++) {
		libewf_error_t *e = NULL;
		const uint8_t *id = (const uint8_t *)meta_ids[i].id;
		size_t idl = strlen(meta_ids[i].id), sz = 0;
		if (libewf_handle_get_utf8_header_value_size(p->h, id, idl, &sz, &e) != 1 ||
		    sz <= 1) {
			libewf_error_free(&e);
			continue;
		}
		size_t cap = sz > META_VALUE_MAX ? sz : sz + 1;
		char *v = calloc(1, cap);
		if (!v)
			continue;
		if (libewf_handle_get_utf8_header_value(p->h, id, idl, (uint8_t *)v, cap, &e) != 1) {
			libewf_error_free(&e);
			free(v);
			continue;
		}
		v[cap - 1] = 0;
		if (strlen(v) > META_VALUE_MAX)
			v[META_VALUE_MAX] = 0;
		sanitize(v);
		if (!*v) {
			free(v);
			continue;
		}
		p->metaval[i] = v;
		p->meta[p->nmeta].key = meta_ids[i].key;
		p->meta[p->nmeta].label = meta_ids[i].label;
		p->meta[p->nmeta].value = v;
		p->nmeta++;
	}
}

/* A stored hash: want hex digits exactly, lower-cased into out. */
static int read_hash(struct ewf_priv *p, const char *id, size_t hexlen, char *out)
{
	libewf_error_t *e = NULL;
	uint8_t buf[160];
	memset(buf, 0, sizeof(buf));
	if (libewf_handle_get_utf8_hash_value(p->h, (const uint8_t *)id, strlen(id), buf,
					      sizeof(buf), &e) != 1) {
		libewf_error_free(&e);
		return 0;
	}
	buf[sizeof(buf) - 1] = 0;
	if (strlen((char *)buf) != hexlen)
		return 0;
	for (size_t i = 0; i < hexlen; i++) {
		int c = buf[i];
		if (c >= 'A' && c <= 'F')
			c += 'a' - 'A';
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
		out[i] = (char)c;
	}
	out[hexlen] = 0;
	/* an all-zero hash is what libewf writes when none was computed */
	return strspn(out, "0") != hexlen;
}

/* Read the first bytes of a file; 0 on success. */
static int read_head(const char *path, uint8_t *b, size_t n, uint64_t at, int from_end)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	int r = -1;
	if (fd < 0)
		return -1;
	ps_input_note(fd, path);	/* every segment of the set */
	if (fstat(fd, &st) == 0) {
		off_t o = (off_t)at;
		if (from_end)
			o = st.st_size >= (off_t)n ? st.st_size - (off_t)n : -1;
		if (o >= 0 && pread(fd, b, n, o) == (ssize_t)n)
			r = 0;
	}
	close(fd);
	return r;
}

/*
 * How far the EWF1 tables reach: the number of chunks listed, in order, by
 * the segments' "table" sections (a segment's "table2" copies where it has
 * no "table") that lie inside their segment file, up to the first that
 * does not (a chunk ends where the next one starts: the chunk before an
 * offset past the end is lost too). A chunk beyond that is one libewf
 * cannot read, and leaks (the comment at the top of this file). Section
 * descriptors (76 bytes: type, next section's offset, size, ..., adler32)
 * are followed from offset 13 to "done" or "next"; a table's data is a
 * 24-byte header (entry count, base offset) then 4-byte entries (bit 31:
 * compressed, the rest the chunk's offset from base). A walk that cannot
 * judge (offsets not increasing, as in EnCase files past 2 GiB whose
 * offsets overflow; a chain that loops) claims nothing: UINT64_MAX.
 */
#define EWF1_FIRST_SECTION 13
#define EWF1_TABLE_HDR 24
#define EWF1_MAX_SECTIONS 100000

static uint64_t ewf1_table_listed(int fd, uint64_t at, uint64_t fsize, int *cannot_judge)
{
	uint8_t th[EWF1_TABLE_HDR];
	if (at > fsize || fsize - at < EWF1_TABLE_HDR ||
	    pread(fd, th, sizeof(th), (off_t)at) != (ssize_t)sizeof(th))
		return 0;
	uint64_t n = ps_le32(th), tbase = ps_le64(th + 8), ok = 0, prev = 0;
	at += EWF1_TABLE_HDR;
	if (n > (fsize - at) / 4)
		n = (fsize - at) / 4;	/* entries cut by the file's end */
	uint8_t eb[4096];
	for (uint64_t i = 0; i < n; i += sizeof(eb) / 4) {
		size_t k = n - i < sizeof(eb) / 4 ? (size_t)(n - i) : sizeof(eb) / 4;
		if (pread(fd, eb, k * 4, (off_t)(at + i * 4)) != (ssize_t)(k * 4))
			return ok;
		for (size_t j = 0; j < k; j++) {
			uint64_t o = (ps_le32(eb + j * 4) & 0x7fffffffu);
			if (tbase > UINT64_MAX - o)
				return ok;
			o += tbase;
			if (ok && o <= prev) {
				*cannot_judge = 1;
				return ok;
			}
			if (o >= fsize)	/* this chunk, and the one it ends */
				return ok ? ok - 1 : 0;
			prev = o;
			ok++;
		}
	}
	return ok;
}

static uint64_t ewf1_listed(const char *seg, int *cannot_judge, int *short_table)
{
	int fd = open(seg, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint64_t listed = 0, listed2 = 0;
	int have_table = 0;
	if (fd < 0 || fstat(fd, &st) || st.st_size < 0) {
		if (fd >= 0)
			close(fd);
		*cannot_judge = 1;
		return 0;
	}
	uint64_t fsize = (uint64_t)st.st_size, at = EWF1_FIRST_SECTION;
	for (unsigned i = 0; i < EWF1_MAX_SECTIONS; i++) {
		uint8_t d[PS_EWF1_SECTION_DESC];
		if (at > fsize || fsize - at < sizeof(d) ||
		    pread(fd, d, sizeof(d), (off_t)at) != (ssize_t)sizeof(d))
			break;
		uint64_t next = ps_le64(d + 16);
		int is_table = !memcmp(d, "table", 6), is_table2 = !memcmp(d, "table2", 7);
		if (is_table || is_table2) {
			int cj = 0;
			uint64_t n = ewf1_table_listed(fd, at + PS_EWF1_SECTION_DESC, fsize, &cj);
			uint8_t th[4];
			/* a table that lists fewer entries than it says ends the
			 * chunks this segment gives */
			if (pread(fd, th, 4, (off_t)(at + PS_EWF1_SECTION_DESC)) == 4 && ps_le32(th) != n && !cj)
				*short_table = 1;
			if (cj)
				*cannot_judge = 1;
			if (is_table) {
				listed += n;
				have_table = 1;
			} else {
				listed2 += n;
			}
		}
		if (!memcmp(d, "done", 5) || !memcmp(d, "next", 5) || next <= at)
			break;
		at = next;
	}
	close(fd);
	return have_table ? listed : listed2;
}

static void ewf1_listed_end(struct ewf_priv *p, uint64_t msize)
{
	p->listed_end = UINT64_MAX;
	if (!p->chunk || !msize)
		return;
	p->nchunks = msize / p->chunk + (msize % p->chunk != 0);
	uint64_t listed = 0;
	for (int i = 0; i < p->nsegs; i++) {
		int cannot_judge = 0, short_table = 0;
		listed += ewf1_listed(p->segs[i], &cannot_judge, &short_table);
		if (cannot_judge)
			return;
		if (short_table)
			break;	/* later segments' chunks are numbered after the gap */
	}
	p->nlisted = listed;
	if (listed < p->nchunks)
		p->listed_end = listed * p->chunk;
}

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* The set is incomplete or cut short: the one line that says how. */
static void incomplete_msg(struct ewf_priv *p, enum ps_ewf_sig sig, char *err, size_t errlen)
{
	const char *last = p->segs[p->nsegs - 1];
	uint8_t tail[PS_EWF1_SECTION_DESC];
	char next[4096];
	struct stat st;
	uint64_t tsize = stat(last, &st) == 0 ? (uint64_t)st.st_size : 0;
	enum ps_ewf_tail t = PS_EWF_TAIL_BAD;
	if (sig == PS_EWF1 && !read_head(last, tail, sizeof(tail), 0, 1))
		t = ps_ewf1_tail(tail, sizeof(tail));
	if (t == PS_EWF_TAIL_NEXT) {
		if (p->globbed && ps_ewf_next_segment_name(last, next, sizeof(next)) == 0)
			snprintf(err, errlen, "%s: the EWF set is incomplete: segment %d (%s) is missing (%s ends at offset %" PRIu64 " with a 'next' section; %d segment%s found)",
				 p->path, p->nsegs + 1, base(next), base(last),
				 tsize, p->nsegs, p->nsegs == 1 ? "" : "s");
		else
			snprintf(err, errlen, "%s: the EWF set is incomplete: segment %d is missing (%s ends at offset %" PRIu64 " with a 'next' section)",
				 p->path, p->nsegs + 1, base(last), tsize);
	} else if (sig == PS_EWF1) {
		snprintf(err, errlen, "%s: the EWF set is damaged: its last segment %s (%" PRIu64 " bytes) does not end with a valid 'done' or 'next' section at offset %" PRIu64 " (truncated?)",
			 p->path, base(last), tsize,
			 tsize >= PS_EWF1_SECTION_DESC ? tsize - PS_EWF1_SECTION_DESC : 0);
	} else {
		snprintf(err, errlen, "%s: the EWF set is incomplete or damaged (libewf: segment files corrupted; %d segment%s found, the last %s of %" PRIu64 " bytes)",
			 p->path, p->nsegs, p->nsegs == 1 ? "" : "s", base(last), tsize);
	}
}

int ps_open_ewf(const char *path, enum ps_ewf_sig sig,
		const struct ps_open_opts *opts, struct ps_src **out,
		char *err, size_t errlen)
{
	libewf_error_t *e = NULL;
	char why[300];
	int r = PS_EFORMAT;
	*out = NULL;
	if (sig == PS_EWF1_LOGICAL || sig == PS_EWF2_LOGICAL) {
		snprintf(err, errlen, "%s: an EWF logical evidence file (%s) holds files, not a media image: export the files with ewfexport and scan them",
			 path, sig == PS_EWF1_LOGICAL ? "L01" : "Lx01");
		return PS_EUNSUPP;
	}
	if (libewf_check_file_signature(path, &e) != 1) {
		libewf_error_free(&e);
		if (sig == PS_EWF2)
			snprintf(err, errlen, "%s: an EWF2 (Ex01) image, which the installed libewf %s cannot read: convert it to E01 or raw with a newer ewfexport",
				 path, libewf_get_version());
		else
			snprintf(err, errlen, "%s: starts with an EWF signature, but libewf %s does not recognise it",
				 path, libewf_get_version());
		return PS_EUNSUPP;
	}
	struct ewf_priv *p = calloc(1, sizeof(*p));
	if (!p || !(p->path = strdup(path))) {
		free(p);
		snprintf(err, errlen, "%s: out of memory", path);
		return PS_ENOMEM;
	}
	pthread_mutex_init(&p->lock, NULL);
	if (opts)
		p->opts = *opts;
	p->opts.cache_dir = NULL;
	struct ps_src tmp = { .priv = p };

	/* every segment, given any one (a name without an EWF extension, such
	 * as /proc/self/fd/N, is opened alone) */
	if (libewf_glob(path, strlen(path), LIBEWF_FORMAT_UNKNOWN, &p->segs, &p->nsegs, &e) == 1 &&
	    p->nsegs > 0) {
		p->globbed = 1;
	} else {
		libewf_error_free(&e);
		p->segs = calloc(1, sizeof(char *));
		if (!p->segs || !(p->segs[0] = strdup(path))) {
			snprintf(err, errlen, "%s: out of memory", path);
			r = PS_ENOMEM;
			goto fail;
		}
		p->nsegs = 1;
	}
	/* each file's header: same kind of signature, segment numbers 1, 2, ... */
	for (int i = 0; i < p->nsegs; i++) {
		uint8_t hd[16];
		if (read_head(p->segs[i], hd, sizeof(hd), 0, 0)) {
			snprintf(err, errlen, "%s: cannot read the EWF segment %s: %s", path,
				 p->segs[i], errno ? strerror(errno) : "too short");
			r = PS_EIO;
			goto fail;
		}
		uint32_t num = sig == PS_EWF2 ?
			(uint32_t)hd[12] | (uint32_t)hd[13] << 8 | (uint32_t)hd[14] << 16 | (uint32_t)hd[15] << 24 :
			(uint32_t)hd[9] | (uint32_t)hd[10] << 8;
		if (ps_ewf_signature(hd, 8) != sig) {
			snprintf(err, errlen, "%s: %s is not an EWF segment of the same kind (file signature at offset 0)",
				 path, p->segs[i]);
			goto fail;
		}
		if (num != (uint32_t)i + 1) {
			snprintf(err, errlen, "%s: %s holds segment %" PRIu32 " of its set, not %d (header offset %d): segments renamed or mixed up",
				 path, p->segs[i], num, i + 1, sig == PS_EWF2 ? 12 : 9);
			goto fail;
		}
	}
	if (libewf_handle_initialize(&p->h, &e) != 1) {
		ewf_errstr(&e, why, sizeof(why));
		snprintf(err, errlen, "%s: %s", path, why);
		r = PS_ENOMEM;
		goto fail;
	}
	libewf_handle_set_header_values_date_format(p->h, LIBEWF_DATE_FORMAT_ISO8601, &e);
	libewf_error_free(&e);
	if (libewf_handle_open(p->h, p->segs, p->nsegs, LIBEWF_OPEN_READ, &e) != 1) {
		ewf_errstr(&e, why, sizeof(why));
		snprintf(err, errlen, "%s: cannot open the EWF image (%d segment%s, the last %s): %s",
			 path, p->nsegs, p->nsegs == 1 ? "" : "s", base(p->segs[p->nsegs - 1]), why);
		goto fail;
	}
	int corrupted = libewf_handle_segment_files_corrupted(p->h, &e);
	libewf_error_free(&e);
	if (corrupted != 0) {
		incomplete_msg(p, sig, err, errlen);
		goto fail;
	}
	size64_t msize = 0;
	uint8_t fmt = 0;
	if (libewf_handle_get_media_size(p->h, &msize, &e) != 1 ||
	    libewf_handle_get_bytes_per_sector(p->h, &p->bps, &e) != 1) {
		ewf_errstr(&e, why, sizeof(why));
		snprintf(err, errlen, "%s: EWF media values: %s", path, why);
		goto fail;
	}
	if (!p->bps)
		p->bps = 512;
	if (libewf_handle_get_format(p->h, &fmt, &e) != 1)
		libewf_error_free(&e);
	if (fmt == LIBEWF_FORMAT_LOGICAL_ENCASE5 || fmt == LIBEWF_FORMAT_LOGICAL_ENCASE6 ||
	    fmt == LIBEWF_FORMAT_LOGICAL_ENCASE7) {
		snprintf(err, errlen, "%s: an EWF logical evidence file holds files, not a media image",
			 path);
		r = PS_EUNSUPP;
		goto fail;
	}
	snprintf(p->format, sizeof(p->format), "%s", format_name(fmt, sig));
	if (libewf_handle_get_chunk_size(p->h, &p->chunk, &e) != 1)
		libewf_error_free(&e);
	if (sig == PS_EWF1)
		ewf1_listed_end(p, (uint64_t)msize);
	else
		p->listed_end = UINT64_MAX;
	if (libewf_handle_get_number_of_acquiry_errors(p->h, &p->acq_errors, &e) != 1)
		libewf_error_free(&e);
	read_meta(p);
	p->have_md5 = read_hash(p, "MD5", 32, p->stored_md5);
	p->have_sha1 = read_hash(p, "SHA1", 40, p->stored_sha1);
	if (p->have_md5 || p->have_sha1)
		p->verify = opts && opts->verify ? PS_VERIFY_PENDING : PS_VERIFY_OFF;
	md5_init(&p->md5);
	sha1_init(&p->sha1);
	struct ps_src *s = ps_src_new(&ewf_ops, p, (uint64_t)msize, path);
	if (!s) {
		snprintf(err, errlen, "%s: out of memory", path);
		r = PS_ENOMEM;
		goto fail;
	}
	if (p->verify == PS_VERIFY_PENDING && s->size == 0)
		ps_ewf_verify_finish(s, p);
	if (p->nsegs > 1)
		ps_open_notice(opts, "%s: %s image in %d segments (%s ... %s), %" PRIu64 " bytes of media data",
		       path, p->format, p->nsegs, base(p->segs[0]), base(p->segs[p->nsegs - 1]),
		       s->size);
	*out = s;
	return PS_OK;
fail:
	ewf_close(&tmp);
	return r;
}

int ps_ewf_container_info(const struct ps_src *s, struct ps_container_info *ci)
{
	if (!s || s->ops != &ewf_ops)
		return PS_EINVAL;
	struct ewf_priv *p = s->priv;
	pthread_mutex_lock(&p->lock);
	memset(ci, 0, sizeof(*ci));
	ci->kind = PS_CONT_EWF;
	ci->format = p->format;
	ci->nsegments = (size_t)p->nsegs;
	ci->segments = (const char *const *)p->segs;
	ci->media_size = s->size;
	ci->stored_md5 = p->have_md5 ? p->stored_md5 : NULL;
	ci->stored_sha1 = p->have_sha1 ? p->stored_sha1 : NULL;
	int done = p->verify == PS_VERIFY_MATCH || p->verify == PS_VERIFY_MISMATCH;
	ci->data_md5 = done ? p->data_md5 : NULL;
	ci->data_sha1 = done ? p->data_sha1 : NULL;
	ci->verify = p->verify;
	ci->bytes_per_sector = p->bps;
	ci->chunk_size = p->chunk;
	ci->acquisition_errors = p->acq_errors;
	ci->nmeta = p->nmeta;
	memcpy(ci->meta, p->meta, sizeof(ci->meta));
	pthread_mutex_unlock(&p->lock);
	return PS_OK;
}

uint64_t ps_ewf_verify_pos(const struct ps_src *s)
{
	if (!s || s->ops != &ewf_ops)
		return UINT64_MAX;
	struct ewf_priv *p = s->priv;
	pthread_mutex_lock(&p->lock);
	if (p->verify == PS_VERIFY_OFF) {	/* asked for now: from the start */
		p->verify = PS_VERIFY_PENDING;
		p->vpos = 0;
		md5_init(&p->md5);
		sha1_init(&p->sha1);
	}
	uint64_t v = p->verify == PS_VERIFY_PENDING ? p->vpos : UINT64_MAX;
	pthread_mutex_unlock(&p->lock);
	return v;
}

int ps_ewf_damage(const struct ps_src *s, size_t i, struct ps_damage *d,
		  uint64_t *reads)
{
	if (!s || s->ops != &ewf_ops)
		return PS_EINVAL;
	struct ewf_priv *p = s->priv;
	int r = PS_ENOTFOUND;
	pthread_mutex_lock(&p->lock);
	if (reads)
		*reads = p->damaged_reads;
	if (d && i < p->nbad) {
		d->off = p->bad[i].a;
		d->len = p->bad[i].b - p->bad[i].a;
		if (d->off < s->size && d->len > s->size - d->off)
			d->len = s->size - d->off;	/* the last chunk is short */
		d->file = p->bad[i].seg;
		r = PS_OK;
	} else if (!d) {
		r = PS_OK;
	}
	pthread_mutex_unlock(&p->lock);
	return r;
}
