/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Cooperative interrupts: a flag set by the handler, polled by copy loops. */
#include "interrupt.h"
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t pending, depth;
static int installed;
static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
static unsigned long test_at, calls;

static void die_now(int sig)
{
	signal(sig, SIG_DFL);
	raise(sig);
}

static void handler(int sig)
{
	if (!depth || pending) {	/* outside a section, or a second one */
		die_now(sig);
		return;
	}
	pending = sig;
}

void ps_intr_enter(void)
{
	if (!installed) {
		installed = 1;
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
			struct sigaction old, sa;
			if (sigaction(sigs[i], NULL, &old) < 0 || old.sa_handler == SIG_IGN)
				continue;	/* nohup and the like: leave it ignored */
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = handler;
			sigemptyset(&sa.sa_mask);
			sa.sa_flags = SA_RESTART;
			sigaction(sigs[i], &sa, NULL);
		}
	}
	depth = depth + 1;
}

void ps_intr_test_at(unsigned long n)
{
	test_at = n;
	calls = 0;
}

void ps_intr_leave(void)
{
	if (depth > 0)
		depth = depth - 1;
}

int ps_intr_check(void)
{
	if (test_at && depth && ++calls == test_at)
		kill(getpid(), SIGINT);
	return pending;
}

int ps_intr_pending(void)
{
	return pending;
}

const char *ps_intr_name(int sig)
{
	static char buf[32];
	switch (sig) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGHUP: return "SIGHUP";
	default:
		snprintf(buf, sizeof(buf), "signal %d", sig);
		return buf;
	}
}
