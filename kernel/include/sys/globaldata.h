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
#define RQF_IPIQ	0x0008	/* IPI messages are queued for this CPU (kern/lwkt_ipiq.c) */
#define RQF_INTR_PENDING (RQF_TIMER | RQF_CONSOLE | RQF_IPIQ)	/* deferred interrupt work */

#define MAXCPU		8	/* CPUs the kernel brings up at most (docs/smp.md) */

struct pmap;

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
	/* SMP (docs/smp.md): fields below are read through %fs by PCPU_GET where it matters. */
	struct pmap	*gd_pmap;		/* what pmap_activate last loaded on this CPU */
	void		*gd_ldt;		/* the LDT loaded on this CPU (gdt.c: ldt_load) */
	void		*gd_arch;		/* this CPU's GDT and TSSs (arch/i386/gdt.c) */
	int		gd_apic_id;		/* its local APIC's id */
	volatile int	gd_npoll;		/* 1: it will look at its IPI queues (lwkt_ipiq.c) */
	volatile int	gd_started;		/* set by the CPU itself once it runs its idle loop */
	uint64_t	gd_ipis;		/* IPI interrupts taken */
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

/* PCPU_GET, PCPU_SET: a 32-bit field of this CPU's globaldata in one instruction. */
#define PCPU_GET(field) ({						\
	__typeof__(((struct globaldata *)0)->field) _v;			\
	_Static_assert(sizeof(_v) == 4, "PCPU_GET: 32-bit fields only");	\
	__asm__ volatile("movl %%fs:%c1, %0" : "=r"(_v)			\
	    : "i"(__builtin_offsetof(struct globaldata, field)));		\
	_v; })
#define PCPU_SET(field, value) do {					\
	__typeof__(((struct globaldata *)0)->field) _v = (value);	\
	_Static_assert(sizeof(_v) == 4, "PCPU_SET: 32-bit fields only");	\
	__asm__ volatile("movl %0, %%fs:%c1" : : "r"(_v),			\
	    "i"(__builtin_offsetof(struct globaldata, field)) : "memory");	\
} while (0)

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
extern struct globaldata *globaldata_cpus[MAXCPU];	/* [cpuid]: every CPU brought up */
extern int ncpus;					/* how many: 1 until mp_start */

/* globaldata_find: CPU cpu's globaldata (0 <= cpu < ncpus). */
static inline struct globaldata *
globaldata_find(int cpu)
{
	return globaldata_cpus[cpu];
}

#endif
