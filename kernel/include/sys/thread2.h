/*
 * Inline critical sections (the fast path of crit_enter/crit_exit). Kept apart from
 * sys/thread.h because they need curthread from sys/globaldata.h, which needs sys/thread.h.
 */
#ifndef _SYS_THREAD2_H_
#define _SYS_THREAD2_H_

#include <sys/globaldata.h>

void	crit_exit_deferred(thread_t td);

static inline void
crit_enter(void)
{
	curthread->td_critcount++;
	__asm__ volatile("" ::: "memory");
}

/* crit_exit: leave the section; the timer service an interrupt deferred meanwhile runs now. */
static inline void
crit_exit(void)
{
	thread_t td = curthread;

	__asm__ volatile("" ::: "memory");
	if (--td->td_critcount == 0 && __builtin_expect(td->td_gd->gd_reqflags & RQF_INTR_PENDING, 0))
		crit_exit_deferred(td);
}

#endif
