/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cooperative interrupts for the commands that write output (extract,
 * carve, cat, repair -o, the cache fill of a compressed dump).
 *
 * Inside a section (ps_intr_enter .. ps_intr_leave) SIGINT, SIGTERM and
 * SIGHUP only set a flag; the copy loops poll it (ps_intr_check) and stop
 * through their normal error path, which removes or marks what was being
 * written. Outside any section, and for a second signal, the default
 * action is taken at once (the process dies, as before). A signal that is
 * ignored when the first section starts (nohup) stays ignored.
 *
 * main() turns a pending signal into exit status 128 + signal number
 * (130 for SIGINT) once the command has cleaned up and said so.
 */
#ifndef PS_INTERRUPT_H
#define PS_INTERRUPT_H

void ps_intr_enter(void);
void ps_intr_leave(void);
/* The signal number that stopped the run, or 0. Cheap; call it per chunk. */
int ps_intr_check(void);
/* Fault injection for tests: raise SIGINT at the n-th ps_intr_check inside
 * a section (1 = the first; 0 = never), through the real handler, so tests
 * need no timing. The library reads no environment: the CLI sets it from
 * PMEMSCAN_TEST_SIGNAL (cmd/pmemscan.c). */
void ps_intr_test_at(unsigned long n);
/* The pending signal without counting a call (for reporting), or 0. */
int ps_intr_pending(void);
/* "SIGINT", "SIGTERM", "SIGHUP" or "signal N". */
const char *ps_intr_name(int sig);

#endif
