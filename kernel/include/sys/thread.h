/*
 * LWKT threads: the kernel's only unit of execution. A thread belongs to one CPU and never
 * moves implicitly; it runs until it blocks, yields or exits (kernel code is not preempted),
 * while user code running on a thread is preempted by the timer. Priorities: 0 (idle) to 31;
 * the highest runnable priority runs, round-robin among equals.
 */
#ifndef _SYS_THREAD_H_
#define _SYS_THREAD_H_

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/msgport.h>
#include <abi/upcall.h>

struct globaldata;
struct proc;
struct lwkt_token;
struct kse_event;
struct kse_start;

#define TDPRI_IDLE	0	/* the idle thread only */
#define TDPRI_USER	8	/* threads running user processes */
#define TDPRI_KERN	16	/* ordinary kernel threads */
#define TDPRI_TIMER	24	/* the timer service */
#define TDPRI_MAX	31
#define TDPRI_COUNT	32

/* Two pages, above an unmapped guard (vm/kstack.h). An enum: the inspector reads it from DWARF. */
enum { TD_KSTACK_SIZE = 8192 };
#define TD_TOKENS_MAX	8	/* tokens one thread may hold at once */
#define TD_NAME_MAX	24

/* td_state: where a thread is in its life. */
enum td_state {
	TDS_RUNNABLE,		/* on its CPU's run queue (or running) */
	TDS_BLOCKED,		/* off the run queue, waiting (td_wmesg says for what) */
	TDS_EXITED,		/* done; its stack is freed by the next thread to run */
};

struct thread {
	uint32_t	td_sp;		/* saved stack pointer while switched out (first: swtch.S) */
	volatile uint32_t td_ast;	/* TDA_: work before it returns to ring 3 (second: trapentry.S) */
	struct thread	*td_rqnext;	/* on its CPU's run queue: the ring of its priority */
	struct thread	*td_rqprev;	/* (sys/runq.h) */
	TAILQ_ENTRY(thread) td_allq;	/* link on its CPU's list of all threads */
	struct globaldata *td_gd;	/* the CPU it belongs to */
	char		td_name[TD_NAME_MAX];
	enum td_state	td_state;
	int		td_pri;		/* 0..31, higher runs first */
	int		td_critcount;	/* critical-section nesting */
	int		td_flags;	/* TDF_ */
	void		*td_kstack;	/* TD_KSTACK_SIZE bytes */
	void		(*td_func)(void *);	/* what the thread runs, with td_arg */
	void		*td_arg;
	struct lwkt_port td_msgport;	/* the thread's own port */
	const char	*td_wmesg;	/* why it is blocked (for inspection) */
	const void	*td_wchan;	/* on what */
	struct lwkt_token *td_toks[TD_TOKENS_MAX]; /* tokens held (released while switched out) */
	int		td_toks_count;
	struct proc	*td_proc;	/* the process whose user code it runs, or NULL */
	int		td_vcpuid;	/* its number among the process's vCPUs (0: the first) */
	int		td_vcpu_cpu;	/* the CPU its ring-3 code runs on (kern/kern_vcpu_place.c) */
	TAILQ_ENTRY(thread) td_plink;	/* on its process's p_threads (td_proc's) */
	uint64_t	td_switches;	/* times switched in */
	int		td_sysdepth;	/* system calls nested on its stack now (SYSMSG_DEPTH_MAX) */
	/* upcalls and signals (kern/kern_sig.c) */
	uint32_t	td_upcall_entry;	/* user address of its upcall entry, or 0 */
	uint32_t	td_upcall_area;		/* user address of its struct upcall_area */
	uint32_t	td_altstack, td_altsize;	/* sigaltstack: its base and size (0: none) */
	uint32_t	td_sysrestart;		/* a signal cut short the call at this message */
	uint32_t	td_suspmask;		/* in sigsuspend: the mask to go back to */
	uint32_t	td_waitset;		/* in sigtimedwait: the signals it takes, blocked or not */
	bool		td_suspended;		/* ... td_suspmask is valid */
	bool		td_poked;		/* upcall_poke: a UPC_POKE upcall is due */
	int		td_poker;		/* ... from this vCPU */
	bool		td_resuming;		/* upcall_resume: go back to td_resumectx */
	struct upcall_ctx td_resumectx;
	struct kse_event *td_kse_ev;	/* a KSE call's context (TDF_KSECALL): its UPC_UNBLOCKED */
	struct kse_start *td_kse_start;	/* a pooled one (TDF_KSEPOOL): the vCPU it is to take */
};
typedef struct thread *thread_t;

/* td_flags. An enum: the inspector names them from the kernel's DWARF (docs/layout.md). */
enum td_flags {
	TDF_NOSTART = 0x0001,	/* lwkt_create: do not schedule the new thread yet */
	TDF_IDLE = 0x0002,	/* the CPU's idle thread */
	TDF_STATIC = 0x0004,	/* not allocated by lwkt_create: never freed */
	TDF_PSLEEP = 0x0008,	/* a process's vCPU waiting in proc_sleep */
	TDF_IDLEWAIT = 0x0010,	/* ... in waitport with WAITPORT_IDLE: it has nothing to run */
	TDF_VWAKE = 0x0020,	/* vcpu_wake was called for it: its idle waitport returns */
	TDF_SYNCWAIT = 0x0040,	/* waiting in a synchronous call: a signal may cut it short */
	TDF_MIGRATING = 0x0080,	/* lwkt_setcpu_self: still on its old CPU's stack pointer */
	TDF_KSECALL = 0x0100,	/* a KSE call's kernel context: no longer a vCPU (kern_kse.c) */
	TDF_KSEPOOL = 0x0200,	/* ... its call done, kept for the next one (p_kse_pool) */
	TDF_KPOLL = 0x0400,	/* a polled ring's thread (kern_ring.c): of the process, no vCPU */
};

/*
 * td_ast: what a thread must do before it returns to ring 3 from a system call; the exit path
 * tests the whole word, so the common case costs one compare.
 */
enum td_ast_bits {
	TDA_KILLED = 0x0001,	/* its process was killed (or is exiting): it ends */
	TDA_YIELD = 0x0002,	/* a tick came during its system call: it yields on the way back
				   to ring 3 (round robin among vCPUs and processes) */
	TDA_UPCALL = 0x0004,	/* a signal or poke may be due: look before returning to ring 3 */
	TDA_SIGINTR = 0x0008,	/* a signal cuts its synchronous call short (EINTR or restart) */
	TDA_RESUME = 0x0010,	/* upcall_resume: return into td_resume instead */
	TDA_KSEDONE = 0x0020,	/* a KSE call's context: its return posts UPC_UNBLOCKED and ends */
	TDA_GOBACK = 0x0040,	/* a vCPU placed on another CPU ran kernel work on its process's
				   home CPU: it moves back before ring 3 (kern/kern_vcpu_place.c) */
};
/* The td_ast work that runs only on the process's home CPU (all but TDA_YIELD, TDA_GOBACK). */
#define TDA_HOMEWORK	(TDA_KILLED | TDA_UPCALL | TDA_SIGINTR | TDA_RESUME | TDA_KSEDONE)

/*
 * td_flags and td_ast of a process's vCPU are written from more than one CPU (its home CPU's
 * signals and wakes, the CPU it runs on while it migrates): every write is one atomic
 * read-modify-write, so none undoes another's bit.
 */
static inline void
td_flags_set(struct thread *td, int flags)
{
	__atomic_or_fetch(&td->td_flags, flags, __ATOMIC_SEQ_CST);
}

static inline void
td_flags_clear(struct thread *td, int flags)
{
	__atomic_and_fetch(&td->td_flags, ~flags, __ATOMIC_SEQ_CST);
}

extern int ncpus;				/* sys/globaldata.h */
void	vcpu_poke(struct thread *td);		/* kern/kern_vcpu_place.c */

/*
 * td_ast_set: td has bits of work to do before ring 3. A thread running on another CPU (a vCPU
 * placed there, computing in ring 3) is interrupted by an IPI so that it looks now.
 */
static inline void
td_ast_set(struct thread *td, uint32_t bits)
{
	__atomic_or_fetch(&td->td_ast, bits, __ATOMIC_SEQ_CST);
	if (__builtin_expect(ncpus > 1, 0))
		vcpu_poke(td);		/* nothing when td runs here */
}

/* kern/lwkt_thread.c */
int	lwkt_create(void (*func)(void *), void *arg, thread_t *tdp, int pri, int flags,
	    const char *name);
int	lwkt_create_cpu(void (*func)(void *), void *arg, thread_t *tdp, int pri, int flags,
	    const char *name, int cpu);
__attribute__((noreturn)) void lwkt_exit(void);
void	lwkt_switch(void);
void	lwkt_yield(void);
__attribute__((regparm(1))) void lwkt_schedule(thread_t td);
void	lwkt_deschedule(thread_t td);
__attribute__((regparm(2))) void lwkt_block(const char *wmesg, const void *wchan);
__attribute__((regparm(1))) void lwkt_handoff(thread_t td);
void	lwkt_setpri(thread_t td, int pri);
int	lwkt_setcpu_self(int cpu);
bool	lwkt_runnable_above(int pri);
bool	lwkt_should_yield(thread_t td);
void	lwkt_init(void);
__attribute__((noreturn)) void lwkt_idle_loop(void);
/* crit_enter and crit_exit: inline, in sys/thread2.h */

/* Statistics, for tests and the inspector. */
struct lwkt_stats {
	uint32_t	threads;	/* alive now, idle thread included */
	uint64_t	created;
	uint64_t	exited;
	uint64_t	switches;
	uint64_t	user_ticks;	/* clock ticks that interrupted user code */
	uint64_t	preemptions;	/* ... and made it yield to another thread */
};
extern struct lwkt_stats lwkt_stats;

/* arch/i386/swtch.S; from and to in eax and edx */
__attribute__((regparm(2))) void cpu_switch_to(thread_t from, thread_t to);
void	cpu_thread_start(void);

#endif
