/*
 * The inline halves of LWKT (kern/lwkt_thread.c has the rest): critical sections, and the
 * scheduler's switch paths that the port code (sys/msgport_sys.h) compiles into its own frames:
 * a block and a direct hand-off. Kept apart from sys/thread.h because they need curthread from
 * sys/globaldata.h, which needs sys/thread.h.
 */
#ifndef _SYS_THREAD2_H_
#define _SYS_THREAD2_H_

#include <sys/systm.h>
#include <sys/globaldata.h>
#include <sys/runq.h>
#include <sys/trace.h>

/* kern/lwkt_thread.c: the out-of-line halves */
void	crit_exit_deferred(thread_t td);
void	lwkt_reap(struct globaldata *gd);
void	lwkt_switch_in_process(thread_t td);
thread_t lwkt_pick_with_tokens(struct globaldata *gd);

/* crit_enter_td: crit_enter for td, the running thread, which the caller already holds. */
static inline void
crit_enter_td(thread_t td)
{
	td->td_critcount++;
	__asm__ volatile("" ::: "memory");
}

/*
 * crit_exit_td: leave the section of td, the running thread; the timer service an interrupt
 * deferred meanwhile runs now.
 */
static inline void
crit_exit_td(thread_t td)
{
	__asm__ volatile("" ::: "memory");
	if (--td->td_critcount == 0 && __builtin_expect(mycpu_reqflags() & RQF_INTR_PENDING, 0))
		crit_exit_deferred(td);
}

static inline void
crit_enter(void)
{
	crit_enter_td(curthread);
}

static inline void
crit_exit(void)
{
	crit_exit_td(curthread);
}

/* lwkt_pick: the next thread to run on gd (the best ring's head, as a rule), or the idle thread. */
static inline __attribute__((always_inline)) thread_t
lwkt_pick(struct globaldata *gd)
{
	thread_t td = runq_best(&gd->gd_runq);

	if (td == NULL)
		return &gd->gd_idlethread;
	if (__builtin_expect(td->td_toks_count != 0, 0))
		return lwkt_pick_with_tokens(gd);
	return td;
}

/*
 * lwkt_switch_threads: the CPU runs ntd from now on (inside a critical section, ntd's tokens
 * acquired, its process's MMU state loaded if it runs one). Returns when td runs again; the stack
 * of a thread that exited meanwhile is freed then.
 */
static inline __attribute__((always_inline)) void
lwkt_switch_threads(struct globaldata *gd, thread_t td, thread_t ntd)
{
	lwkt_stats.switches++;
	ntd->td_switches++;
	TRACE_SWITCH(td, ntd);
	gd->gd_curthread = ntd;
	cpu_switch_to(td, ntd);
	if (__builtin_expect(gd->gd_freetd != NULL, 0))
		lwkt_reap(gd);
}

/* lwkt_switch_to: lwkt_switch_threads, loading ntd's process first if it runs one. */
static inline __attribute__((always_inline)) void
lwkt_switch_to(struct globaldata *gd, thread_t td, thread_t ntd)
{
	if (ntd->td_proc != NULL)
		lwkt_switch_in_process(ntd);
	lwkt_switch_threads(gd, td, ntd);
}

/*
 * lwkt_block_td: td, the running thread, stops until someone lwkt_schedule()s it (lwkt_block).
 * Inside a critical section, after publishing how to be woken, so no wakeup is lost in between.
 * A thread without tokens switches at once to the best runnable one (lwkt_switch's choice,
 * without its token work); one with tokens goes through lwkt_switch.
 */
static inline __attribute__((always_inline)) void
lwkt_block_td(thread_t td, const char *wmesg, const void *wchan)
{
	struct globaldata *gd = td->td_gd;
	thread_t ntd;

	KASSERT(td->td_critcount > 0, "lwkt_block outside a critical section");
	KASSERT(gd->gd_intr_nesting == 0, "lwkt_block inside an interrupt handler");
	if (td->td_state == TDS_RUNNABLE) {
		runq_remove(&gd->gd_runq, td);
		td->td_state = TDS_BLOCKED;
	}
	td->td_wmesg = wmesg;
	td->td_wchan = wchan;
	if (__builtin_expect(td->td_toks_count != 0, 0)) {
		lwkt_switch();
		return;
	}
	if (gd->gd_reqflags & RQF_RESCHED)
		gd_reqflags_clear(gd, RQF_RESCHED);
	ntd = lwkt_pick(gd);
	if (ntd != td)
		lwkt_switch_to(gd, td, ntd);
}

/*
 * lwkt_handoff_td: direct hand-off from td, the running thread, to ntd, a blocked thread of the
 * same CPU and priority (the port code hands a message to a receiver blocked in waitport: see
 * msgport_handoff_ok in sys/msgport_sys.h for when it may). ntd runs now, at the head of the
 * ring; td stays runnable at its tail, as after a yield. Inside a critical section; returns when
 * td runs again.
 */
static inline __attribute__((always_inline)) void
lwkt_handoff_td(thread_t td, thread_t ntd)
{
	struct globaldata *gd = td->td_gd;

	ntd->td_state = TDS_RUNNABLE;
	ntd->td_wmesg = NULL;
	ntd->td_wchan = NULL;
	runq_handoff(&gd->gd_runq, td, ntd);
	lwkt_switch_to(gd, td, ntd);
}

#endif
