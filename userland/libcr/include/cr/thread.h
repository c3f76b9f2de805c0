/*
 * User threads: LWKT threads in userland (issue: userland LWKT). libcr schedules them on the
 * process's virtual CPUs (kernel-scheduled contexts made by rfork), each with its own run queue
 * of 32 priorities, cooperatively: a thread runs until it yields, exits, migrates, or waits — for
 * a message on a port, or for a system call. A system call the kernel answers EASYNC parks only
 * the calling thread; the vCPU runs another, and waits in the kernel (waitport) only when none
 * of its threads can run and it found none to steal from another vCPU.
 *
 * Threads talk with the same LWKT ports as the kernel (kernel/kern/lwkt_msgport.c): each has its
 * own thread port, td_msgport. Each has its own thread-local storage (cr/tls.h): %gs names its
 * TCB, whose second word names the thread (cr_curthread), and errno is a __thread variable.
 *
 * Locking: one spin lock, cr_sched_lock, guards the run queues, thread states and every port
 * (the port code's critical sections take it, counted per thread in td_crit). A switch happens
 * with the lock held and hands it to the thread switched to, which releases it (see
 * docs/threads.md).
 */
#ifndef _CR_THREAD_H_
#define _CR_THREAD_H_


#include <sys/types.h>
#include <sys/queue.h>
#include <sys/msgport.h>
#include <sys/vcpu.h>
#include <cr/spin.h>

/* Stack sizes: an enum, so the inspector reads them from a program's DWARF (docs/layout.md). */
enum cr_stack_sizes {
	CR_THREAD_STACK = 32 * 1024,
	CR_IDLE_STACK = 16 * 1024,
};
#define CR_PRI_IDLE		0		/* a vCPU's idle thread only */
#define CR_PRI_MIN		1
#define CR_PRI_DEFAULT		8
#define CR_PRI_MAX		31
#define CR_VCPU_MAX		8

enum cr_state { CR_RUNNABLE, CR_BLOCKED, CR_EXITED };

struct cr_vcpu;

struct thread {
	uint32_t	td_sp;			/* saved stack pointer (first: switch.S, cr/sched.h) */
	uint32_t	td_gs;			/* its TLS selector (second) */
	struct thread	*td_rqnext;		/* on its vCPU's run queue while runnable: the ring */
	struct thread	*td_rqprev;		/* of its priority (sys/runq.h; third) */
	int		td_pri;			/* CR_PRI_MIN .. CR_PRI_MAX, higher runs first */
	void		*td_tls;		/* its TLS area (block and TCB) */
	unsigned int	td_tls_slot;		/* its descriptor in the process's LDT */
	struct cr_vcpu	*td_vcpu;		/* the vCPU whose run queue it belongs to */
	int		td_crit;		/* critical-section nesting (holds cr_sched_lock) */
	TAILQ_ENTRY(thread) td_allq;		/* on the list of all threads */
	enum cr_state	td_state;
	bool		td_idle;		/* a vCPU's idle thread (never on a run queue) */
	bool		td_detached;		/* joined before its stack was freed */
	bool		td_freed;		/* its stack and TLS are freed (exited) */
	bool		td_bound;		/* chose its vCPU (cr_thread_migrate): never stolen */
	void		*td_stack;		/* NULL for the main thread */
	void		*(*td_fn)(void *);
	void		*td_arg;
	void		*td_retval;
	struct thread	*td_joiner;		/* waits in cr_thread_join */
	struct lwkt_port td_msgport;		/* the thread's own port */
	struct lwkt_msg	td_migmsg;		/* carries it to another vCPU (cr_thread_migrate) */
	const char	*td_wmesg;		/* what it waits for, while blocked */
	const void	*td_wchan;
	uint32_t	td_migrations;		/* times it moved to another vCPU */
	char		td_name[16];
	/* POSIX threads (pthread/): deferred cancellation, read by every cancellable wait */
	volatile bool	td_cancel_pending;	/* pthread_cancel asked for it */
	bool		td_cancel_off;		/* PTHREAD_CANCEL_DISABLE */
	bool		td_cancel_async;	/* PTHREAD_CANCEL_ASYNCHRONOUS */
	bool		td_cancel_point;	/* parked at a cancellation point: a cancel wakes it */
	bool		td_exiting;		/* in cr_thread_exit: cancellation is over */
	uint32_t	td_stack_size;		/* bytes at td_stack */
	uint32_t	td_sigmask;		/* its signal mask while it does not run (signal.c) */
	uint32_t	td_sigq;		/* signals handed to it: routed, or pthread_kill (signal.c) */
	bool		td_sigwait;		/* blocked in a libcr wait a signal may interrupt */
	uint32_t	td_sighandled;		/* handlers it has run (sigsuspend counts them) */
	lwkt_msg_t	td_parkmsg;		/* the kernel call it is parked in (cr_park), or NULL:
					   a signal (signal.c) or a cancel (pthread.c) aborts it */
	lwkt_msg_t	td_kse_msg;		/* KSE: its call blocked in the kernel (lwkt/kse.c) */
	TAILQ_ENTRY(thread) td_kseq;		/* ... on the list of such threads */
};
typedef struct thread *cr_thread_t;

/* cr_curthread: the calling thread, from its TCB (%gs:4; see cr/tls.h). */
static inline cr_thread_t
cr_self(void)
{
	cr_thread_t td;

	__asm__("movl %%gs:4, %0" : "=r"(td));
	return td;
}
#define cr_curthread	(cr_self())

int	cr_thread_create(cr_thread_t *tdp, void *(*fn)(void *), void *arg, int pri,
	    const char *name);
__attribute__((noreturn)) void cr_thread_exit(void *retval);
int	cr_thread_join(cr_thread_t td, void **retval);
/* cr_thread_create_sized: cr_thread_create with a stack of stack_size bytes (>= 4 KiB). */
int	cr_thread_create_sized(cr_thread_t *tdp, void *(*fn)(void *), void *arg, int pri,
	    const char *name, size_t stack_size, bool detached);
/* cr_thread_exit_posix: the main thread too may end while others run (pthread_exit). */
__attribute__((noreturn)) void cr_thread_exit_posix(void *retval);
/* cr_thread_join_cancellable: cr_thread_join, or ECANCELED when the caller's cancellation is due. */
int	cr_thread_join_cancellable(cr_thread_t td, void **retval);
int	cr_thread_detach(cr_thread_t td);	/* 0, or EINVAL (detached, joined, idle) */
/* The program uses <pthread.h> (a pthread_create or pthread_cancel was made): POSIX rules. */
extern int cr_pthreads;
/* Called first by every exiting thread (key destructors): set by pthread_key_create. */
extern void (*cr_thread_exit_hook)(void);

/* cr_cancel_due: td's cancellation was asked for and is enabled (cancellable waits end). */
static inline bool
cr_cancel_due(cr_thread_t td)
{
	return td->td_cancel_pending && !td->td_cancel_off && !td->td_exiting;
}
void	cr_thread_yield(void);
int	cr_thread_sleep(uint64_t ns);	/* park the caller ns nanoseconds: 0, or an errno */
cr_thread_t cr_thread_self(void);
int	cr_thread_count(void);		/* threads alive, main included */

/*
 * Virtual CPUs. Numbered 0 (the one the program started on), 1, 2 ... in the order they were
 * added; vCPU 0 never stops.
 */
int	cr_vcpu_add(void);		/* another vCPU running the scheduler: its number, or -1 */
int	cr_vcpu_start(void (*fn)(void *), void *arg);	/* cr_vcpu_add, then fn(arg) on it */
int	cr_vcpu_add_on(int cpu);			/* ... placed on CPU cpu (-1: spread) */
int	cr_vcpu_start_on(void (*fn)(void *), void *arg, int cpu);
int	cr_vcpu_exit(void);		/* end the caller's vCPU: its threads go to vCPU 0 */
int	cr_vcpu_self(void);		/* the number of the vCPU running the caller */
int	cr_vcpu_count(void);		/* vCPUs running */
int	cr_vcpu_ensure(int n);		/* at least n vCPUs running: 1, or 0 if none could be added */
int	cr_thread_migrate(int vcpu);	/* move the caller there, to stay: 0, or EINVAL */

struct cr_vcpu_stats {
	uint64_t	switches;		/* threads switched to */
	uint64_t	steals;			/* threads its idle thread took from another vCPU */
	uint64_t	migrations_in;		/* threads that moved here by cr_thread_migrate */
	uint64_t	kernel_waits;		/* times it waited in the kernel (waitport) */
	uint64_t	delivered;		/* kernel completions it handed to waiting threads */
	uint64_t	wakes_sent;		/* vcpu_wake calls it made for idle vCPUs */
	uint64_t	handoffs;		/* switches that handed a message or a reply straight
						   to the thread waiting for it (direct hand-off) */
};
int	cr_vcpu_stats(int vcpu, struct cr_vcpu_stats *st);	/* 0, or EINVAL */
void	cr_vcpu_stats_total(struct cr_vcpu_stats *st);		/* every vCPU's, added up */

/*
 * The threading model (docs/dillon-vs-kse.md): CR_SCHED_DILLON (0), where a call that must wait
 * parks its thread on an EASYNC answer, or CR_SCHED_KSE (1), where it blocks in the kernel and
 * the vCPU takes upcalls (UPC_BLOCKED, UPC_UNBLOCKED). Chosen before the first thread or vCPU
 * (CR_SCHED=kse in the environment does it at start-up); answers the old model, or -1 with
 * errno EINVAL (threads exist, unknown model) or the kernel's refusal.
 */
#define CR_SCHED_DILLON	0
#define CR_SCHED_KSE	1
int	cr_sched_model(int model);
extern int cr_kse;			/* the KSE model is on */
struct cr_kse_event {
	uint32_t	ke_type;		/* UPC_BLOCKED or UPC_UNBLOCKED */
	uint32_t	ke_msg;			/* the call's message */
};
int	cr_kse_history(struct cr_kse_event *out, int max);	/* the last upcalls, oldest first */
uint32_t cr_kse_upcalls(void);		/* KSE upcalls this program has taken */

/* The scheduler's own (cr/sched.h has the rest). */
extern int cr_threaded;			/* more than one thread or vCPU has existed */
extern struct cr_spin cr_sched_lock;

/*
 * cr_several_vcpus: set (once, for good) when the program adds its first vCPU. Until then only
 * one vCPU runs user code, and a critical section needs no lock: the section's count alone
 * keeps the handoff rule (cr_vcpu_add sets it from outside any section, so from then on every
 * switch is made with the lock taken).
 */
extern int cr_several_vcpus;

/* cr_crit_enter_td, cr_crit_exit_td: for td, the calling thread, which the caller has at hand. */
static inline void
cr_crit_enter_td(cr_thread_t td)
{
	if (__builtin_expect(cr_several_vcpus, 0)) {
		if (td->td_crit++ == 0)
			cr_spin_lock(&cr_sched_lock);
	} else {
		td->td_crit++;
	}
}

/* Idle vCPUs to wake (bit per vCPU), woken once the lock is free: see kick() in thread.c. */
extern volatile uint32_t cr_kicks_pending;
void	cr_send_kicks(void);

/* Signal handlers deferred while the scheduler was busy (signal.c), run at a section's end. */
extern volatile uint32_t cr_sig_deferred;
void	cr_sig_run_deferred(void);
#define CR_SIG_KSE	(1u << 31)	/* not a signal: KSE completions to drain (lwkt/kse.c) */

static inline void
cr_crit_exit_td(cr_thread_t td)
{
	if (__builtin_expect(cr_several_vcpus, 0)) {
		if (--td->td_crit == 0) {
			cr_spin_unlock(&cr_sched_lock);
			if (__builtin_expect(cr_kicks_pending != 0, 0))
				cr_send_kicks();
			if (__builtin_expect(cr_sig_deferred != 0, 0))
				cr_sig_run_deferred();
		}
	} else if (--td->td_crit == 0 && __builtin_expect(cr_sig_deferred != 0, 0)) {
		cr_sig_run_deferred();
	}
}

static inline void
cr_crit_enter(void)
{
	cr_crit_enter_td(cr_curthread);
}

static inline void
cr_crit_exit(void)
{
	cr_crit_exit_td(cr_curthread);
}

#endif
