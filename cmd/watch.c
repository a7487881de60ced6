/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Did the input file change while a command read it? (docs/cli.md "scan") */
#include "cli.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void cli_watch_start(struct cli_watch *w, const char *path)
{
	memset(w, 0, sizeof(*w));
	struct stat st;
	/* a pipe or a terminal has no size or mtime worth comparing */
	if (!path || stat(path, &st) || !S_ISREG(st.st_mode))
		return;
	w->active = true;
	w->path = path;
	w->size = (uint64_t)st.st_size;
	w->mtime = st.st_mtim;
}

static void when(char *buf, size_t n, const struct timespec *t)
{
	struct tm tm;
	time_t s = t->tv_sec;
	if (!gmtime_r(&s, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm)) {
		snprintf(buf, n, "%lld s", (long long)t->tv_sec);
		return;
	}
	size_t l = strlen(buf);
	snprintf(buf + l, n - l, ".%09ld UTC", (long)t->tv_nsec);
}

bool cli_watch_changed(const struct cli_watch *w, char *msg, size_t n)
{
	return cli_watch_changed_for(w, "what is reported (sizes, hash, findings) is what was read while it changed",
				     msg, n);
}

bool cli_watch_changed_for(const struct cli_watch *w, const char *consequence,
			   char *msg, size_t n)
{
	struct stat st;
	if (!w->active)
		return false;
	if (stat(w->path, &st)) {
		snprintf(msg, n, "the file was removed or renamed during the run: what is reported is what was read before");
		return true;
	}
	bool sz = (uint64_t)st.st_size != w->size;
	bool mt = st.st_mtim.tv_sec != w->mtime.tv_sec ||
		  st.st_mtim.tv_nsec != w->mtime.tv_nsec;
	if (!sz && !mt)
		return false;
	char t0[64], t1[64];
	FILE *m = fmemopen(msg, n, "w");
	if (!m) {
		snprintf(msg, n, "the file changed during the run");
		return true;
	}
	if (sz)
		fprintf(m, "its size changed during the run, from %" PRIu64 " to %llu bytes",
			w->size, (unsigned long long)st.st_size);
	if (mt) {
		when(t0, sizeof(t0), &w->mtime);
		when(t1, sizeof(t1), &st.st_mtim);
		fprintf(m, "%sits mtime changed during the run, from %s to %s",
			sz ? "; " : "", t0, t1);
	}
	fprintf(m, ": something is still writing it; %s", consequence);
	fputc(0, m);
	fclose(m);
	msg[n - 1] = 0;
	return true;
}

void cli_watch_test_pause(void)
{
	/* tests change the image while a command runs: it waits here, after
	 * it opened the image, for $PMEMSCAN_TEST_PAUSE_AFTER_OPEN seconds */
	const char *e = getenv("PMEMSCAN_TEST_PAUSE_AFTER_OPEN");
	char *end;
	double v = e ? strtod(e, &end) : 0;
	if (!e || !*e || *end || !(v > 0 && v <= 60))
		return;
	struct timespec ts = { (time_t)v, (long)((v - (double)(time_t)v) * 1e9) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}
