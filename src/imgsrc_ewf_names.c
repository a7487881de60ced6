/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What EWF segment files look like from outside libewf: the signature of
 * each kind, the section descriptor that ends an EWF1 segment, and the
 * name of the next segment in a set. Pure functions of bytes and names,
 * so the opener (imgsrc_ewf.c) can tell a missing segment from a cut one
 * and the fuzzers reach them without libewf.
 */
#include "imgsrc_container.h"
#include <stdint.h>
#include <string.h>
#include <zlib.h>

enum ps_ewf_sig ps_ewf_signature(const uint8_t *b, size_t n)
{
	if (n < 8)
		return PS_EWF_NONE;
	if (!memcmp(b, "EVF\x09\x0d\x0a\xff\x00", 8))
		return PS_EWF1;
	if (!memcmp(b, "LVF\x09\x0d\x0a\xff\x00", 8))
		return PS_EWF1_LOGICAL;
	if (!memcmp(b, "EVF2\x0d\x0a\x81\x00", 8))
		return PS_EWF2;
	if (!memcmp(b, "LEF2\x0d\x0a\x81\x00", 8))
		return PS_EWF2_LOGICAL;
	return PS_EWF_NONE;
}

enum ps_ewf_tail ps_ewf1_tail(const uint8_t *b, size_t n)
{
	if (n < PS_EWF1_SECTION_DESC)
		return PS_EWF_TAIL_BAD;
	b += n - PS_EWF1_SECTION_DESC;
	uint32_t want = (uint32_t)b[72] | (uint32_t)b[73] << 8 |
			(uint32_t)b[74] << 16 | (uint32_t)b[75] << 24;
	if (adler32(1, b, 72) != want)
		return PS_EWF_TAIL_BAD;
	/* the type is a NUL-padded 16-byte string */
	if (!memcmp(b, "next", 5))
		return PS_EWF_TAIL_NEXT;
	if (!memcmp(b, "done", 5))
		return PS_EWF_TAIL_DONE;
	return PS_EWF_TAIL_BAD;
}

/*
 * Extensions: a letter, then two characters counting 01..99 then AA..ZZ,
 * with the letter going on from there (E01..E99, EAA..EZZ, FAA..ZZZ);
 * EWF2 has a fixed 'x' after the first letter (Ex01.., ExAA..ExZZ,
 * EyAA..EzZZ: the 'x' counts on instead of the first letter).
 */
int ps_ewf_next_segment_name(const char *name, char *out, size_t outlen)
{
	const char *dot = strrchr(name, '.');
	size_t n = strlen(name);
	if (!dot || strchr(dot, '/') || (n - (size_t)(dot - name)) < 4 ||
	    n + 1 > outlen)
		return -1;
	size_t el = n - (size_t)(dot - name) - 1;
	if (el != 3 && el != 4)
		return -1;
	memcpy(out, name, n + 1);
	char *e = out + (dot - name) + 1;
	int lower = e[0] >= 'a' && e[0] <= 'z';
	char A = lower ? 'a' : 'A', Z = lower ? 'z' : 'Z';
	/* lead: the letter that counts on after ZZ (e[0], or e[1] in EWF2) */
	char *lead = el == 4 ? e + 1 : e;
	char *d = lead + 1;	/* the two counting characters */
	if (!((e[0] >= 'a' && e[0] <= 'z') || (e[0] >= 'A' && e[0] <= 'Z')))
		return -1;
	if (el == 4 && !(*lead == 'x' || *lead == 'y' || *lead == 'z' ||
			 *lead == 'X' || *lead == 'Y' || *lead == 'Z'))
		return -1;
	if (d[0] >= '0' && d[0] <= '9' && d[1] >= '0' && d[1] <= '9') {
		int v = (d[0] - '0') * 10 + (d[1] - '0');
		if (v == 0)
			return -1;
		if (v < 99) {
			v++;
			d[0] = (char)('0' + v / 10);
			d[1] = (char)('0' + v % 10);
		} else {
			d[0] = d[1] = A;
		}
		return 0;
	}
	if (!(d[0] >= A && d[0] <= Z && d[1] >= A && d[1] <= Z))
		return -1;
	if (d[1] < Z) {
		d[1]++;
		return 0;
	}
	d[1] = A;
	if (d[0] < Z) {
		d[0]++;
		return 0;
	}
	d[0] = A;
	if (*lead == Z || *lead == 'z' || *lead == 'Z')
		return -1;	/* ZZZ, EzZZ: the last name there is */
	(*lead)++;
	return 0;
}
