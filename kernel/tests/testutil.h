/* Helpers shared by the kernel's LWKT tests. */
#ifndef _TESTS_TESTUTIL_H_
#define _TESTS_TESTUTIL_H_

#include <sys/systm.h>
#include <sys/globaldata.h>
#include <sys/ktest.h>
#include <string.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/timer.h>

/* An event log threads append to, to check the order things happened in. */
struct evlog {
	int	n;
	int	ev[256];
};

static inline void
evlog_add(struct evlog *log, int ev)
{
	if (log->n < (int)(sizeof(log->ev) / sizeof(log->ev[0])))
		log->ev[log->n++] = ev;
}

/* settle: let every thread the test created run to its end (bounded: 200 ticks). */
static inline bool
settle(uint32_t threads_before)
{
	for (int i = 0; i < 200 && lwkt_stats.threads != threads_before; i++)
		lwkt_sleep(1);
	lwkt_yield();		/* the last exited thread's stack is freed by the next switch */
	return lwkt_stats.threads == threads_before;
}

/* spin_ticks: busy-wait (not blocking) until n more timer interrupts have arrived. */
static inline void
spin_ticks(uint32_t n)
{
	uint64_t until = mycpu->gd_hardticks + n;

	while (mycpu->gd_hardticks < until)
		__asm__ volatile("pause" ::: "memory");
}

#endif
