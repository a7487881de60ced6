/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The weighing of an ambiguous namespace (src/weigh.c) in words: one line
 * per reason, and the recommendation with the rule that makes it decisive
 * or the reason it is not (docs/start_pad.md "Weighing").
 */
#include "render.h"
#include <inttypes.h>
#include <time.h>

#define HUMAN(v) ps_human((v), (char[32]){ 0 }, 32)

static void utc(FILE *f, uint64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char b[32];
	if (t > (uint64_t)INT64_MAX || !gmtime_r(&tt, &tm) ||
	    !strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S UTC", &tm))
		fprintf(f, "%" PRIu64 " (unix time)", t);
	else
		fputs(b, f);
}

const char *render_why_name(enum ps_why_kind k)
{
	switch (k) {
	case PS_WHY_IN_START_PAD: return "start-pad";
	case PS_WHY_SIZE_IS_ROOM: return "size";
	case PS_WHY_NEWER: return "times";
	case PS_WHY_NEEDS_RECOVERY: return "journal-needs-recovery";
	case PS_WHY_JOURNAL_USED: return "journal-sequence";
	case PS_WHY_NO_TIMES: return "no-times";
	}
	return "?";
}

void render_reason(FILE *f, const struct ps_reason *r)
{
	const char *fav = ps_sem_name(r->favours);
	switch (r->kind) {
	case PS_WHY_IN_START_PAD:
		fprintf(f, "favours legacy: the fixed reading's filesystem (ns+0x%" PRIx64 ", %s) lies entirely inside the start_pad area [0, 0x%" PRIx64 "), which the kernel never writes under this block: it predates the block",
			r->a, HUMAN(r->b), r->c);
		break;
	case PS_WHY_SIZE_IS_ROOM:
		fprintf(f, "favours %s: its filesystem claims exactly the %s that reading gives (made on that block device); the other claims %s of its %s",
			fav, HUMAN(r->a), HUMAN(r->b), HUMAN(r->c));
		break;
	case PS_WHY_NEWER:
		fprintf(f, "favours %s: its filesystem was last written or mounted ", fav);
		utc(f, r->a);
		fputs(", the other's ", f);
		utc(f, r->b);
		fputs(" (superblock s_wtime/s_mtime)", f);
		break;
	case PS_WHY_NEEDS_RECOVERY:
		fprintf(f, "favours %s: its journal needs recovery, so it was mounted when the image was taken; the other's is clean",
			fav);
		break;
	case PS_WHY_JOURNAL_USED:
		fprintf(f, "favours %s: its journal has committed transactions (sequence %" PRIu64 "); the other's never did (sequence %" PRIu64 ", as mke2fs leaves it)",
			fav, r->a, r->b);
		break;
	case PS_WHY_NO_TIMES:
		fprintf(f, "weighs nothing: the %s reading's filesystem is xfs, whose superblock keeps no last-write or last-mount time (and its log is not weighed)",
			ps_sem_name(r->about));
		break;
	}
}

const char *render_decisive_name(enum ps_decisive d)
{
	switch (d) {
	case PS_DECISIVE_NO: return NULL;
	case PS_DECISIVE_START_PAD: return "start-pad";
	case PS_DECISIVE_TWO_KINDS: return "two-kinds";
	}
	return NULL;
}

void render_recommendation(FILE *f, const struct ps_weighing *w)
{
	if (w->recommend == PS_SEM_AUTO) {
		fputs(w->conflict ? "no recommendation: the reasons favour both readings" :
				    "no recommendation: nothing tells the two filesystems apart", f);
		return;
	}
	fprintf(f, "recommends %s; ", ps_sem_name(w->recommend));
	switch (w->decisive) {
	case PS_DECISIVE_START_PAD:
		fputs("decisive (the start_pad rule, nothing against it): --semantics auto takes it", f);
		break;
	case PS_DECISIVE_TWO_KINDS:
		fputs("decisive (two kinds of reason agree, nothing against them): --semantics auto takes it", f);
		break;
	case PS_DECISIVE_NO:
		fprintf(f, "not decisive (one kind of reason): --semantics auto refuses; pass --semantics %s to follow it",
			ps_sem_name(w->recommend));
		break;
	}
}
