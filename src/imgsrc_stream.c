/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A compressed dump read forward: the decoders and the streaming source
 * with its look-behind ring (ps_src_open_auto in stream mode; the sparse
 * cache, imgsrc_cache.c, is filled from one). See imgsrc_open.h for the
 * contract.
 *
 * Decoders are the format libraries themselves (zlib, liblzma, libzstd,
 * libbz2, liblz4's frame API), not libarchive's raw reader: libarchive 3.6 does not verify the
 * gzip CRC32/ISIZE (a flipped byte in a deflate stream decodes to silent
 * garbage), cannot tell an empty decoded stream from a corrupt header,
 * and reports the compressed offset of a failure only to within its
 * read-ahead. Driving the libraries directly gives every integrity check
 * the format has and the exact compressed offset where decoding failed.
 */
#include "imgsrc_open.h"
#include "line.h"
#include "imgsrc_container.h"
#include "err.h"
#include "le.h"
#include "units.h"
#include <bzlib.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lz4frame.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#define INBUF_SIZE (256 * 1024)
#define DECODE_STEP (1024 * 1024)	/* at most this much per decoder call */
/* What a reader may re-read behind the decoder without a restart: the
 * scan reads an info block and then the filesystem superblock a little
 * before it, so a few MiB cover every re-read the analysis makes. */
#define DEFAULT_LOOKBEHIND (8 * SZ_1M)
#define XZ_MEMLIMIT (1ULL << 30)
#define ZSTD_WINDOWLOG_MAX 30

/* ---- decoders ---- */

struct dec {
	enum ps_compression comp;
	int fd;
	uint64_t csize;		/* compressed file size at open */
	uint8_t *in;
	size_t in_pos, in_len;
	uint64_t in_off;	/* file offset of in[0] */
	int in_eof;
	int in_member;		/* inside a member/stream/frame */
	int done;		/* decoded stream ended (trailing data ignored) */
	uint64_t trailing;	/* bytes ignored after the last member */
	int inited;
	z_stream z;
	lzma_stream x;
	ZSTD_DStream *zs;
	bz_stream b;
	LZ4F_dctx *lz;
	size_t lz_hint;		/* input liblz4 wants next (0: unknown) */
	int lz_full;		/* liblz4 filled the output: it may hold more */
	uint64_t member_out;	/* decoded bytes of the current member */
	size_t member_no;	/* members started so far */
	uint64_t member_at;	/* compressed offset of the current member */
	uint64_t stated;	/* its header's content size (zstd, lz4), or
				 * PS_SIZE_UNKNOWN */
	/* xz: what each stream's index says (from the file's end, at open):
	 * where the index starts and the stream's uncompressed size */
	struct xz_said { uint64_t index_off, usize; } *xz;
	size_t nxz;
	char *msg;		/* decoder error, whole (dec_say; NULL: none) */
};

/* d's error line, whole (the old one freed). */
static void dec_say(struct dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dec_say(struct dec *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ps_line_vset(&d->msg, fmt, ap);
	va_end(ap);
}

static const char *dec_msg(const struct dec *d)
{
	return d->msg ? d->msg : "out of memory";
}

static uint64_t dec_consumed(const struct dec *d)
{
	return d->in_off + d->in_pos;
}

static void dec_end(struct dec *d)
{
	if (!d->inited)
		return;
	switch (d->comp) {
	case PS_COMP_GZIP: inflateEnd(&d->z); break;
	case PS_COMP_XZ: lzma_end(&d->x); break;
	case PS_COMP_ZSTD: break;	/* the DStream is kept and reset */
	case PS_COMP_BZIP2: BZ2_bzDecompressEnd(&d->b); break;
	default: break;
	}
	d->inited = 0;
}

/* Start (or restart) decoding one member. */
static int dec_member_init(struct dec *d)
{
	dec_end(d);
	switch (d->comp) {
	case PS_COMP_GZIP:
		memset(&d->z, 0, sizeof(d->z));
		if (inflateInit2(&d->z, 15 + 16) != Z_OK)
			goto nomem;
		break;
	case PS_COMP_XZ: {
		lzma_stream init = LZMA_STREAM_INIT;
		d->x = init;
		if (lzma_stream_decoder(&d->x, XZ_MEMLIMIT, 0) != LZMA_OK)
			goto nomem;
		break;
	}
	case PS_COMP_ZSTD:
		if (!d->zs) {
			d->zs = ZSTD_createDStream();
			if (!d->zs)
				goto nomem;
			ZSTD_DCtx_setParameter(d->zs, ZSTD_d_windowLogMax,
					       ZSTD_WINDOWLOG_MAX);
		}
		ZSTD_DCtx_reset(d->zs, ZSTD_reset_session_only);
		break;
	case PS_COMP_BZIP2:
		memset(&d->b, 0, sizeof(d->b));
		if (BZ2_bzDecompressInit(&d->b, 0, 0) != BZ_OK)
			goto nomem;
		break;
	case PS_COMP_LZ4:
		/* one context for every frame, reset between them */
		if (!d->lz) {
			if (LZ4F_isError(LZ4F_createDecompressionContext(&d->lz, LZ4F_VERSION)))
				goto nomem;
		} else {
			LZ4F_resetDecompressionContext(d->lz);
		}
		d->lz_hint = 0;
		d->lz_full = 0;
		break;
	default:
		dec_say(d, "no decoder");
		return PS_EUNSUPP;
	}
	d->inited = 1;
	return PS_OK;
nomem:
	dec_say(d, "cannot initialise the %s decoder (out of memory)",
		 ps_compression_name(d->comp));
	return PS_ENOMEM;
}

static int dec_reset(struct dec *d)
{
	d->in_pos = d->in_len = 0;
	d->in_off = 0;
	d->in_eof = 0;
	d->in_member = 0;
	d->done = 0;
	d->trailing = 0;
	d->member_out = 0;
	d->member_no = 0;
	return dec_member_init(d);
}

/* Make at least want bytes available in d->in (fewer only at EOF). */
static int dec_fill(struct dec *d, size_t want)
{
	if (d->in_len - d->in_pos >= want || d->in_eof)
		return PS_OK;
	/* compact */
	if (d->in_pos) {
		memmove(d->in, d->in + d->in_pos, d->in_len - d->in_pos);
		d->in_off += d->in_pos;
		d->in_len -= d->in_pos;
		d->in_pos = 0;
	}
	while (d->in_len < want && !d->in_eof) {
		ssize_t n = pread(d->fd, d->in + d->in_len, INBUF_SIZE - d->in_len,
				  (off_t)(d->in_off + d->in_len));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			dec_say(d, "read error at compressed offset %" PRIu64 ": %s",
				 d->in_off + d->in_len, strerror(errno));
			return PS_EIO;
		}
		if (n == 0)
			d->in_eof = 1;
		d->in_len += (size_t)n;
	}
	return PS_OK;
}

static int lz4_legacy(const uint8_t *b, size_t n)
{
	return n >= 4 && !memcmp(b, "\x02\x21\x4c\x18", 4);
}

static int member_magic(enum ps_compression c, const uint8_t *b, size_t n)
{
	if (c == PS_COMP_XZ && n >= 1 && b[0] == 0)
		return 0;	/* stream padding is not a member */
	/* lz4: a skippable frame (0x184D2A5?) is part of the stream too */
	if (c == PS_COMP_LZ4 && n >= 4 && (b[0] & 0xf0) == 0x50 &&
	    b[1] == 0x2a && b[2] == 0x4d && b[3] == 0x18)
		return 1;
	return ps_detect_compression(b, n) == c;
}

/* liblz4's error names, said the way the other decoders' are */
static const char *lz4_why(size_t code)
{
	const char *n = LZ4F_getErrorName(code);
	if (strstr(n, "contentChecksum"))
		return "content checksum mismatch (the decoded data is not what was compressed)";
	if (strstr(n, "blockChecksum"))
		return "block checksum mismatch";
	if (strstr(n, "decompressionFailed"))
		return "a block does not decode";
	if (strstr(n, "headerChecksum"))
		return "frame header checksum mismatch";
	if (strstr(n, "frameType_unknown"))
		return "not an lz4 frame";
	return n;
}

/* The content size a zstd or lz4 frame header states (d->stated). */
static int member_stated(struct dec *d)
{
	d->stated = PS_SIZE_UNKNOWN;
	if (d->comp != PS_COMP_ZSTD && d->comp != PS_COMP_LZ4)
		return PS_OK;
	int r = dec_fill(d, 18);	/* the longest header of either */
	if (r)
		return r;
	const uint8_t *h = d->in + d->in_pos;
	size_t avail = d->in_len - d->in_pos;
	if (d->comp == PS_COMP_ZSTD) {
		/* a skippable frame (magic 0x184D2A5?) states no content */
		unsigned long long fcs = avail >= 4 && h[0] == 0x28 ?
			ZSTD_getFrameContentSize(h, avail) : ZSTD_CONTENTSIZE_UNKNOWN;
		if (fcs != ZSTD_CONTENTSIZE_UNKNOWN && fcs != ZSTD_CONTENTSIZE_ERROR)
			d->stated = fcs;
	} else if (avail >= 14 && !memcmp(h, "\x04\x22\x4d\x18", 4) && (h[4] & 0x08)) {
		/* FLG bit 3: an 8-byte content size follows FLG and BD */
		d->stated = ps_le64(h + 6);
	}
	return PS_OK;
}

/* The frame failed: say what its header's content size says too. */
static void add_stated(struct dec *d, uint64_t made)
{
	if (d->stated == PS_SIZE_UNKNOWN || !d->msg)
		return;
	/* (the line quotes the old one: dec_say frees it after) */
	dec_say(d, "%s (the %s frame at compressed offset %" PRIu64 " states a content size of %" PRIu64 " bytes in its header; %" PRIu64 " decoded when it failed)",
		d->msg, ps_compression_name(d->comp), d->member_at, d->stated, d->member_out + made);
}

/*
 * Decode into out[0..len): returns bytes produced (> 0), 0 at the end of
 * the decoded stream, or a negative PS_E* with d->msg set.
 */
static ssize_t dec_read(struct dec *d, uint8_t *out, size_t len)
{
	size_t produced = 0;
	while (produced == 0) {
		int r;
		if (d->done)
			return 0;
		if (!d->in_member) {
			/* Between members: another member, padding or the end. */
			r = dec_fill(d, 6);
			if (r)
				return -r;
			size_t avail = d->in_len - d->in_pos;
			if (avail == 0)
				return 0;
			if (d->comp == PS_COMP_LZ4 && lz4_legacy(d->in + d->in_pos, avail)) {
				dec_say(d,
					 "lz4 legacy format (lz4 -l) is not supported: it has no checksums; recompress with lz4 without -l");
				return -PS_EUNSUPP;
			}
			if (!member_magic(d->comp, d->in + d->in_pos, avail)) {
				/* zero padding (tape blocks, xz stream padding) and
				 * anything else after the last member is not
				 * decoded; counted and reported by the caller */
				d->trailing = d->csize > dec_consumed(d) ?
					d->csize - dec_consumed(d) : avail;
				d->done = 1;
				return 0;
			}
			r = dec_member_init(d);
			if (r)
				return -r;
			d->in_member = 1;
			d->member_out = 0;
			d->member_no++;
			d->member_at = dec_consumed(d);
			r = member_stated(d);
			if (r)
				return -r;
		}
		r = dec_fill(d, 1);
		if (r)
			return -r;
		size_t avail = d->in_len - d->in_pos;
		if (avail == 0 && d->comp != PS_COMP_XZ) {
			dec_say(d,
				 "truncated %s data: the compressed input ends at offset %" PRIu64 " inside a %s",
				 ps_compression_name(d->comp), dec_consumed(d),
				 d->comp == PS_COMP_ZSTD || d->comp == PS_COMP_LZ4 ?
				 "frame" : "member");
			return -PS_ETRUNC;
		}
		size_t want = len - produced;
		if (want > DECODE_STEP)
			want = DECODE_STEP;
		size_t used = 0, made = 0;
		int end = 0, flush = 0;
		switch (d->comp) {
		case PS_COMP_GZIP: {
			d->z.next_in = d->in + d->in_pos;
			d->z.avail_in = (uInt)avail;
			d->z.next_out = out + produced;
			d->z.avail_out = (uInt)want;
			int zr = inflate(&d->z, Z_NO_FLUSH);
			used = avail - d->z.avail_in;
			made = want - d->z.avail_out;
			if (zr == Z_STREAM_END)
				end = 1;
			else if (zr != Z_OK && zr != Z_BUF_ERROR) {
				uint8_t isz[4];
				d->in_pos += used;
				if (zr == Z_DATA_ERROR && d->z.msg &&
				    strstr(d->z.msg, "length check") &&
				    dec_consumed(d) >= 4 &&
				    pread(d->fd, isz, 4, (off_t)(dec_consumed(d) - 4)) == 4) {
					uint64_t got = d->member_out + made;
					dec_say(d,
						 "the ISIZE field of the gzip member at compressed offset %" PRIu64 " (at offset %" PRIu64 ") says %" PRIu32 " bytes (the size mod 2^32), but the member decodes to %" PRIu64 " (%" PRIu64 " mod 2^32): gzip -t: corrupt",
						 d->member_at, dec_consumed(d) - 4, ps_le32(isz),
						 got, got & 0xffffffffu);
					return -PS_EFORMAT;
				}
				dec_say(d, "gzip data is corrupt: %s",
					 d->z.msg ? d->z.msg : zError(zr));
				return -PS_EFORMAT;
			}
			break;
		}
		case PS_COMP_XZ: {
			d->x.next_in = d->in + d->in_pos;
			d->x.avail_in = avail;
			d->x.next_out = out + produced;
			d->x.avail_out = want;
			lzma_ret lr = lzma_code(&d->x, avail ? LZMA_RUN : LZMA_FINISH);
			used = avail - d->x.avail_in;
			made = want - d->x.avail_out;
			if (lr == LZMA_STREAM_END) {
				end = 1;
			} else if (lr == LZMA_BUF_ERROR && avail == 0) {
				dec_say(d,
					 "truncated xz data: the compressed input ends at offset %" PRIu64 " inside a stream",
					 dec_consumed(d));
				return -PS_ETRUNC;
			} else if (lr == LZMA_DATA_ERROR && d->member_no <= d->nxz &&
				   dec_consumed(d) + used > d->xz[d->member_no - 1].index_off) {
				/* the blocks decoded, their index disagrees */
				const struct xz_said *x = &d->xz[d->member_no - 1];
				dec_say(d,
					 "the xz index of stream %zu (at compressed offset %" PRIu64 ") says %" PRIu64 " uncompressed bytes, but the stream's blocks decode to %" PRIu64 " (xz -t: corrupt)",
					 d->member_no, x->index_off, x->usize, d->member_out + made);
				d->in_pos += used;
				return -PS_EFORMAT;
			} else if (lr != LZMA_OK && lr != LZMA_BUF_ERROR) {
				const char *why = lr == LZMA_MEMLIMIT_ERROR ? "needs more than 1 GiB of decoder memory" :
					lr == LZMA_FORMAT_ERROR ? "not xz data" :
					lr == LZMA_OPTIONS_ERROR ? "unsupported xz options" :
					lr == LZMA_DATA_ERROR ? "compressed data is corrupt" :
					lr == LZMA_MEM_ERROR ? "out of memory" : "decoder error";
				dec_say(d, "xz data is corrupt: %s", why);
				d->in_pos += used;
				return -PS_EFORMAT;
			}
			break;
		}
		case PS_COMP_ZSTD: {
			ZSTD_inBuffer ib = { d->in + d->in_pos, avail, 0 };
			ZSTD_outBuffer ob = { out + produced, want, 0 };
			size_t zr = ZSTD_decompressStream(d->zs, &ob, &ib);
			used = ib.pos;
			made = ob.pos;
			if (ZSTD_isError(zr)) {
				if (ZSTD_getErrorCode(zr) == ZSTD_error_dstSize_tooSmall &&
				    d->stated != PS_SIZE_UNKNOWN)
					/* more data than the header's size */
					dec_say(d,
						 "the content size field of the zstd frame at compressed offset %" PRIu64 " says %" PRIu64 " bytes, but the frame holds more (%" PRIu64 " decoded when the decoder refused the rest): zstd -t: corrupt",
						 d->member_at, d->stated, d->member_out + made);
				else {
					dec_say(d, "zstd data is corrupt: %s",
						 ZSTD_getErrorName(zr));
					add_stated(d, made);
				}
				d->in_pos += used;
				return -PS_EFORMAT;
			}
			if (zr == 0)
				end = 1;
			break;
		}
		case PS_COMP_BZIP2: {
			d->b.next_in = (char *)(d->in + d->in_pos);
			d->b.avail_in = (unsigned)avail;
			d->b.next_out = (char *)(out + produced);
			d->b.avail_out = (unsigned)want;
			int br = BZ2_bzDecompress(&d->b);
			used = avail - d->b.avail_in;
			made = want - d->b.avail_out;
			if (br == BZ_STREAM_END)
				end = 1;
			else if (br != BZ_OK) {
				dec_say(d, "bzip2 data is corrupt: %s",
					 br == BZ_DATA_ERROR ? "block CRC or data error" :
					 br == BZ_DATA_ERROR_MAGIC ? "bad block magic" :
					 br == BZ_MEM_ERROR ? "out of memory" : "libbz2 error");
				d->in_pos += used;
				return -PS_EFORMAT;
			}
			break;
		}
		case PS_COMP_LZ4: {
			/* at most what liblz4 asked for (the next block, or the
			 * frame's end): an error it finds is then known to lie
			 * in that piece, reported at the piece's end */
			size_t give = d->lz_hint && d->lz_hint < avail ? d->lz_hint : avail;
			/* liblz4's hint for a block counts the next block's
			 * 4-byte header too: without it, the end mark (and the
			 * frame's size check) comes in a call of its own */
			if (d->lz_hint > 8 && d->lz_hint <= avail)
				give = d->lz_hint - 4;
			else if (!d->lz_hint && avail > 7)
				give = 7;	/* a frame's first call: its header */
			/* output it still holds is taken first, with no input,
			 * for the same reason: what the frame decoded to is
			 * known when that check fails */
			if (d->lz_full)
				give = 0, flush = 1;
			size_t dn = want, sn = give;
			size_t lr = LZ4F_decompress(d->lz, out + produced, &dn,
						    d->in + d->in_pos, &sn, NULL);
			if (LZ4F_isError(lr)) {
				if (strstr(LZ4F_getErrorName(lr), "frameSize_wrong") &&
				    d->stated != PS_SIZE_UNKNOWN)
					dec_say(d,
						 "the content size field of the lz4 frame at compressed offset %" PRIu64 " says %" PRIu64 " bytes, but the frame decodes to %" PRIu64 ": lz4 -t: corrupt",
						 d->member_at, d->stated, d->member_out);
				else {
					dec_say(d, "lz4 data is corrupt: %s",
						 lz4_why(lr));
					add_stated(d, 0);
				}
				d->in_pos += give;
				return -PS_EFORMAT;
			}
			used = sn;
			made = dn;
			d->lz_full = dn == want;
			if (!flush)
				d->lz_hint = lr;
			if (lr == 0)	/* the frame (and its checksum) is complete */
				end = 1;
			break;
		}
		default:
			return -PS_EUNSUPP;
		}
		d->in_pos += used;
		produced += made;
		d->member_out += made;
		if (end) {
			d->in_member = 0;
		} else if (!used && !made && !flush) {
			/* no progress: the decoder needs more input than we hold */
			if (d->in_eof || avail >= INBUF_SIZE) {
				dec_say(d,
					 "truncated %s data: the compressed input ends at offset %" PRIu64,
					 ps_compression_name(d->comp), d->in_off + d->in_len);
				return -PS_ETRUNC;
			}
			r = dec_fill(d, avail + 1);
			if (r)
				return -r;
		}
	}
	return (ssize_t)produced;
}

/* ---- the stream source ---- */

struct stream_priv {
	struct dec d;
	char *path;
	uint8_t *ring;
	size_t cap, mask;
	uint64_t wend;		/* decoded bytes produced so far */
	int eof;
	int failed;		/* sticky decode error at wend */
	int fail_code;
	int fail_trunc;		/* it failed because the compressed input ended */
	uint64_t fail_coff;	/* compressed offset where it failed */
	char *fail_msg;		/* its line (owned, line.h) */
	unsigned restarts;
	struct ps_open_opts opts;	/* cache_dir not kept */
};

static uint64_t ring_start(const struct stream_priv *p)
{
	return p->wend > p->cap ? p->wend - p->cap : 0;
}

static void ring_copy(const struct stream_priv *p, uint8_t *dst, uint64_t off,
		      size_t len)
{
	size_t at = (size_t)(off & p->mask);
	size_t first = p->cap - at;
	if (first > len)
		first = len;
	memcpy(dst, p->ring + at, first);
	if (len > first)
		memcpy(dst + first, p->ring, len - first);
}

/* The sticky failure's line, sized to fit (the path is not cut). */
static void set_fail(struct stream_priv *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_fail(struct stream_priv *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ps_line_vset(&p->fail_msg, fmt, ap);
	va_end(ap);
}

static const char *fail_line(const struct stream_priv *p)
{
	return p->fail_msg ? p->fail_msg : ps_strerror(p->fail_code);
}

static int stream_more(struct ps_src *s, struct stream_priv *p)
{
	if (p->failed) {
		ps_src_set_error(s, "%s", fail_line(p));
		return p->fail_code;
	}
	if (p->eof)
		return PS_OK;
	size_t at = (size_t)(p->wend & p->mask);
	size_t room = p->cap - at;
	ssize_t n = dec_read(&p->d, p->ring + at, room);
	if (n < 0) {
		p->failed = 1;
		p->fail_code = n == -PS_ENOMEM ? PS_ENOMEM : PS_EIO;
		p->fail_trunc = n == -PS_ETRUNC;
		p->fail_coff = dec_consumed(&p->d);
		set_fail(p, "%s: %s decompression failed at compressed offset %" PRIu64 " (after %" PRIu64 " decoded bytes): %s",
			 p->path, ps_compression_name(p->d.comp), dec_consumed(&p->d),
			 p->wend, dec_msg(&p->d));
		ps_src_set_error(s, "%s", fail_line(p));
		return p->fail_code;
	}
	if (n == 0) {
		if (ps_src_size_known(s) && p->wend != s->size) {
			p->failed = 1;
			p->fail_code = PS_EIO;
			set_fail(p, "%s: %s data decodes to %" PRIu64 " bytes but its index (the uncompressed sizes at the end of the file) says %" PRIu64 ": the dump is corrupt",
				 p->path, ps_compression_name(p->d.comp), p->wend, s->size);
			ps_src_set_error(s, "%s", fail_line(p));
			return p->fail_code;
		}
		p->eof = 1;
		s->size = p->wend;
		if (p->d.trailing)
			ps_open_notice(&p->opts, "%s: ignoring %" PRIu64 " bytes after the end of the %s data at compressed offset %" PRIu64 "%s",
			       p->path, p->d.trailing, ps_compression_name(p->d.comp),
			       dec_consumed(&p->d),
			       p->d.in_len > p->d.in_pos && p->d.in[p->d.in_pos] == 0 ?
			       " (zero padding)" : " (not a further member: trailing garbage?)");
		return PS_OK;
	}
	p->wend += (uint64_t)n;
	return PS_OK;
}

/*
 * A read reached the size the index states: decode on to the end of the
 * file, so that data the index does not count is found (the bytes go
 * into the ring past the size, where no read looks). PS_OK only if the
 * stream ends exactly there.
 */
static int stream_finish(struct ps_src *s, struct stream_priv *p)
{
	while (!p->eof) {
		int r = stream_more(s, p);
		if (r)
			return r;
	}
	return PS_OK;
}

static int stream_restart(struct ps_src *s, struct stream_priv *p, uint64_t off)
{
	if (p->restarts == 0)
		ps_open_notice(&p->opts, "%s: re-reading offset %" PRIu64 " needs restarting the %s decoder from the beginning (look-behind is %zu bytes)",
		       p->path, off, ps_compression_name(p->d.comp), p->cap);
	p->restarts++;
	p->wend = 0;
	p->eof = 0;
	p->failed = 0;
	p->fail_trunc = 0;
	int r = dec_reset(&p->d);
	if (r) {
		ps_src_set_error(s, "%s: %s", p->path, dec_msg(&p->d));
		return r;
	}
	return PS_OK;
}

static int stream_pread(struct ps_src *s, void *buf, size_t len, uint64_t off)
{
	struct stream_priv *p = s->priv;
	uint8_t *b = buf;
	int r;
	if (off < ring_start(p)) {
		r = stream_restart(s, p, off);
		if (r)
			return r;
	}
	while (len) {
		if (off < p->wend) {
			size_t n = p->wend - off < len ? (size_t)(p->wend - off) : len;
			ring_copy(p, b, off, n);
			b += n;
			off += n;
			len -= n;
			continue;
		}
		if (p->eof) {
			ps_src_set_error(s, "%s: read past the end of the decoded image at offset %" PRIu64 " (decoded size %" PRIu64 ")",
					 s->name, off, p->wend);
			return PS_ERANGE;
		}
		r = stream_more(s, p);
		if (r)
			return r;
	}
	if (!p->eof && ps_src_size_known(s) && off == s->size)
		return stream_finish(s, p);
	return PS_OK;
}

static size_t first_nonzero(const uint8_t *b, size_t n)
{
	size_t i = 0;
	while (i < n && ((uintptr_t)(b + i) & 7))
		if (b[i++])
			return i - 1;
	for (; i + 32 <= n; i += 32) {
		uint64_t w[4];
		memcpy(w, b + i, 32);
		if (w[0] | w[1] | w[2] | w[3])
			break;
	}
	for (; i < n; i++)
		if (b[i])
			return i;
	return n;
}

static int ring_zero(const struct stream_priv *p, uint64_t off, size_t len)
{
	size_t at = (size_t)(off & p->mask);
	size_t first = p->cap - at;
	if (first > len)
		first = len;
	if (first_nonzero(p->ring + at, first) != first)
		return 0;
	return first_nonzero(p->ring, len - first) == len - first;
}

/* First offset >= off whose 4 KiB block may hold a non-zero byte. */
static int stream_next_data(struct ps_src *s, uint64_t off, uint64_t *out)
{
	struct stream_priv *p = s->priv;
	if (off < ring_start(p)) {
		*out = off;	/* not buffered: may be data */
		return PS_OK;
	}
	for (;;) {
		while (off < p->wend) {
			size_t at = (size_t)(off & p->mask);
			size_t n = p->cap - at;
			if (n > p->wend - off)
				n = (size_t)(p->wend - off);
			size_t i = first_nonzero(p->ring + at, n);
			if (i < n) {
				uint64_t x = (off + i) & ~(SZ_4K - 1);
				*out = x > off ? x : off;
				if (*out < ring_start(p))
					*out = off;
				return PS_OK;
			}
			off += n;
		}
		if (p->eof) {
			*out = p->wend;
			return PS_OK;
		}
		if (p->failed) {
			*out = off;	/* the read there reports the error */
			return PS_OK;
		}
		int r = stream_more(s, p);
		if (r) {
			*out = off;
			return PS_OK;
		}
	}
}

/*
 * First 4 KiB-aligned all-zero block >= off. Decodes ahead only while off
 * stays inside the look-behind; past that, answers "no hole known"
 * (s->size, which may be PS_SIZE_UNKNOWN), which is always correct.
 */
static int stream_next_hole(struct ps_src *s, uint64_t off, uint64_t *out)
{
	struct stream_priv *p = s->priv;
	uint64_t x = (off + SZ_4K - 1) & ~(SZ_4K - 1);
	if (off < ring_start(p)) {
		*out = s->size;
		return PS_OK;
	}
	for (;;) {
		while (x + SZ_4K <= p->wend) {
			if (ring_zero(p, x, SZ_4K)) {
				*out = x > off ? x : off;
				return PS_OK;
			}
			x += SZ_4K;
		}
		if (p->eof) {
			/* a short zero tail block is a hole too */
			if (x < p->wend && ring_zero(p, x, (size_t)(p->wend - x)))
				*out = x;
			else
				*out = p->wend;
			return PS_OK;
		}
		if (p->failed || p->wend + DECODE_STEP + SZ_4K > off + p->cap) {
			*out = s->size;
			return PS_OK;
		}
		if (stream_more(s, p)) {
			*out = s->size;
			return PS_OK;
		}
	}
}

static void stream_close(struct ps_src *s)
{
	struct stream_priv *p = s->priv;
	if (!p)
		return;
	dec_end(&p->d);
	if (p->d.zs)
		ZSTD_freeDStream(p->d.zs);
	if (p->d.lz)
		LZ4F_freeDecompressionContext(p->d.lz);
	if (p->d.fd >= 0)
		close(p->d.fd);
	free(p->d.in);
	free(p->d.xz);
	ps_line_free(&p->d.msg);
	free(p->ring);
	free(p->path);
	ps_line_free(&p->fail_msg);
	free(p);
}

static const struct ps_src_ops stream_ops = {
	.pread = stream_pread,
	.next_data = stream_next_data,
	.next_hole = stream_next_hole,
	.close = stream_close,
};

int ps_src_stream_stats(const struct ps_src *s, struct ps_stream_stats *st)
{
	if (!s || s->ops != &stream_ops)
		return PS_EINVAL;
	const struct stream_priv *p = s->priv;
	st->comp = p->d.comp;
	st->compressed_size = p->d.csize;
	st->compressed_pos = dec_consumed(&p->d);
	st->decoded_pos = p->wend;
	st->restarts = p->restarts;
	return PS_OK;
}

void ps_stream_break_free(struct ps_stream_break *b)
{
	free(b->msg);
	memset(b, 0, sizeof(*b));
}

int ps_src_stream_break(const struct ps_src *s, struct ps_stream_break *b)
{
	if (!s || s->ops != &stream_ops)
		return PS_EINVAL;
	const struct stream_priv *p = s->priv;
	if (!p->failed || !p->fail_trunc)
		return PS_ENOTFOUND;
	memset(b, 0, sizeof(*b));
	b->compressed_off = p->fail_coff;
	b->compressed_size = p->d.csize;
	b->decoded = p->wend;
	b->msg = strdup(dec_msg(&p->d));
	if (!b->msg)
		return PS_ENOMEM;
	return PS_OK;
}

/*
 * What an xz file's indexes say (the stream footers and indexes at the
 * end, read with a few seeks; never a decoding pass): the decoded size,
 * and for each stream where its index starts and its uncompressed size,
 * kept in d->xz. Decoding checks both: a stream whose blocks decode to
 * another size fails where its index is (dec_read), and the source
 * decodes to the end of the file before it ends a read at this size
 * (stream_pread), so that an index saying less is found too.
 */
static int xz_index_size(struct dec *d, int fd, uint64_t csize, uint64_t *size)
{
	lzma_stream x = LZMA_STREAM_INIT;
	lzma_index *idx = NULL;
	uint8_t *buf = malloc(65536);
	uint64_t pos = 0;
	int r = PS_EFORMAT, rounds = 0;
	if (!buf)
		return PS_ENOMEM;
	if (lzma_file_info_decoder(&x, &idx, XZ_MEMLIMIT, csize) != LZMA_OK) {
		free(buf);
		return PS_EFORMAT;
	}
	while (rounds++ < 1000000) {
		if (x.avail_in == 0) {
			ssize_t n = pread(fd, buf, 65536, (off_t)pos);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			x.next_in = buf;
			x.avail_in = (size_t)n;
			pos += (uint64_t)n;
		}
		lzma_ret lr = lzma_code(&x, LZMA_RUN);
		if (lr == LZMA_SEEK_NEEDED) {
			pos = x.seek_pos;
			x.avail_in = 0;
			continue;
		}
		if (lr == LZMA_STREAM_END) {
			*size = lzma_index_uncompressed_size(idx);
			r = PS_OK;
			break;
		}
		if (lr != LZMA_OK)
			break;
	}
	lzma_vli ns = r == PS_OK ? lzma_index_stream_count(idx) : 0;
	if (ns && ns <= csize / 32 &&
	    (d->xz = calloc((size_t)ns, sizeof(*d->xz)))) {
		lzma_index_iter it;
		d->nxz = (size_t)ns;
		lzma_index_iter_init(&it, idx);
		while (!lzma_index_iter_next(&it, LZMA_INDEX_ITER_STREAM)) {
			if (it.stream.number < 1 || it.stream.number > ns)
				continue;
			struct xz_said *xs = &d->xz[it.stream.number - 1];
			xs->usize = it.stream.uncompressed_size;
			xs->index_off = it.stream.compressed_offset + LZMA_STREAM_HEADER_SIZE;
		}
		lzma_index_iter_rewind(&it);
		while (!lzma_index_iter_next(&it, LZMA_INDEX_ITER_BLOCK)) {
			if (it.stream.number < 1 || it.stream.number > ns)
				continue;
			struct xz_said *xs = &d->xz[it.stream.number - 1];
			uint64_t e = it.block.compressed_file_offset + it.block.total_size;
			if (e > xs->index_off)
				xs->index_off = e;
		}
	}
	if (idx)
		lzma_index_end(idx, NULL);
	lzma_end(&x);
	free(buf);
	return r;
}

/* Takes ownership of fd. */
int ps_open_stream_fd(int fd, const char *path, uint64_t csize,
		      enum ps_compression comp, const struct ps_open_opts *opts,
		      struct ps_src **out, char *err, size_t errlen)
{
	struct stream_priv *p = calloc(1, sizeof(*p));
	size_t lb = opts && opts->lookbehind ? opts->lookbehind : DEFAULT_LOOKBEHIND;
	size_t cap = 2 * DECODE_STEP;
	while (cap < lb + DECODE_STEP && cap < ((size_t)1 << 40))
		cap <<= 1;
	if (p) {
		p->d.fd = fd;
		p->d.comp = comp;
		p->d.csize = csize;
		p->d.in = malloc(INBUF_SIZE);
		p->ring = malloc(cap);
		p->path = strdup(path);
		p->cap = cap;
		p->mask = cap - 1;
		if (opts)
			p->opts = *opts;
		p->opts.cache_dir = NULL;
	}
	if (!p || !p->d.in || !p->ring || !p->path) {
		if (p) {
			free(p->d.in);
			free(p->ring);
			free(p->path);
			free(p);
		}
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return PS_ENOMEM;
	}
	int r = dec_reset(&p->d);
	uint64_t size = PS_SIZE_UNKNOWN;
	if (!r && comp == PS_COMP_XZ && xz_index_size(&p->d, fd, csize, &size))
		size = PS_SIZE_UNKNOWN;	/* damaged end: decoding will say where */
	struct ps_src *s = r ? NULL : ps_src_new(&stream_ops, p, size, path);
	if (!s) {
		snprintf(err, errlen, "%s: %s", path, r ? dec_msg(&p->d) : "out of memory");
		stream_close(&(struct ps_src){ .priv = p });
		return r ? r : PS_ENOMEM;
	}
	*out = s;
	return PS_OK;
}

int ps_stream_container_info(const struct ps_src *s, struct ps_container_info *ci)
{
	if (s->ops != &stream_ops)
		return PS_EINVAL;
	const struct stream_priv *p = s->priv;
	memset(ci, 0, sizeof(*ci));
	ci->media_size = s->size;
	ci->nsegments = 1;
	ci->kind = PS_CONT_COMPRESSED;
	ci->format = ps_compression_name(p->d.comp);
	ci->segments = (const char *const *)&p->path;
	return PS_OK;
}
