/*
 * Per-CPU data: struct globaldata, reached through %fs (the GDT gives each CPU a segment whose
 * base is its globaldata; %fs:0 holds gd_self). Callers use mycpu and curthread only, so more
 * CPUs add segments, not changes to callers.
 */
#ifndef _SYS_GLOBALDATA_H_
#define _SYS_GLOBALDATA_H_

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/thread.h>
#include <sys/runq.h>

#define RQF_RESCHED	0x0001	/* a thread above the current one became runnable */
#define RQF_TIMER	0x0002	/* a timer tick arrived inside a critical section */
#define RQF_CONSOLE	0x0004	/* console input arrived: run the line discipline */
#define RQF_INTR_PENDING (RQF_TIMER | RQF_CONSOLE)	/* deferred interrupt work to do */

struct globaldata {
	struct globaldata *gd_self;		/* %fs:0 */
	struct thread	*gd_curthread;		/* %fs:4: the running thread */
	int		gd_cpuid;
	volatile uint32_t gd_reqflags;		/* RQF_ */
	struct runq	gd_runq;		/* its runnable threads (sys/runq.h) */
	TAILQ_HEAD(, thread) gd_tdallq;		/* every thread of this CPU */
	struct thread	*gd_freetd;		/* an exited thread whose stack is still to free */
	struct thread	gd_idlethread;
	volatile uint64_t gd_hardticks;		/* timer interrupts taken */
	uint64_t	gd_ticks;		/* timer ticks serviced (deferred in critical sections) */
	int		gd_intr_nesting;	/* > 0 inside an interrupt handler */
};

#define GD_SELF_OFFSET		0
#define GD_CURTHREAD_OFFSET	4
#define GD_REQFLAGS_OFFSET	12

static inline struct globaldata *
mycpu_get(void)
{
	struct globaldata *gd;

	__asm__ volatile("movl %%fs:0, %0" : "=r"(gd));
	return gd;
}

static inline struct thread *
curthread_get(void)
{
	struct thread *td;

	__asm__ volatile("movl %%fs:4, %0" : "=r"(td));
	return td;
}

#define mycpu		(mycpu_get())
#define curthread	(curthread_get())

/* mycpu_reqflags: this CPU's gd_reqflags, in one load through %fs (interrupts set them). */
static inline uint32_t
mycpu_reqflags(void)
{
	uint32_t flags;

	__asm__ volatile("movl %%fs:%c1, %0" : "=r"(flags) : "i"(GD_REQFLAGS_OFFSET));
	return flags;
}

/*
 * gd_reqflags_clear: clear bits of gd_reqflags in one instruction, so an interrupt that sets
 * another bit meanwhile is not undone.
 */
static inline void
gd_reqflags_clear(struct globaldata *gd, uint32_t bits)
{
	__atomic_and_fetch(&gd->gd_reqflags, ~bits, __ATOMIC_RELAXED);
}

extern struct globaldata cpu0_globaldata;

#endif
