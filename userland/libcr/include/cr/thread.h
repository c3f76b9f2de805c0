/*
 * User threads: LWKT threads in userland (issue: userland LWKT). libcr schedules them on the
 * process's one virtual CPU, cooperatively: a thread runs until it yields, exits, or waits — for
 * a message on a port, or for a system call. A system call the kernel answers EASYNC parks only
 * the calling thread; libcr runs another, and the vCPU waits in the kernel (waitport) only when
 * no thread can run, then wakes the threads whose messages completed.
 *
 * Threads talk with the same LWKT ports as the kernel (kernel/kern/lwkt_msgport.c): each has its
 * own thread port, td_msgport.
 *
 * Each thread has its own thread-local storage (cr/tls.h): %gs names its TCB, and errno is a
 * __thread variable. cr_vcpu_start (rfork) runs a function on another virtual CPU of the
 * process; not yet: user threads on several vCPUs, migration between them.
 */
#ifndef _CR_THREAD_H_
#define _CR_THREAD_H_

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/msgport.h>

#define CR_THREAD_STACK		(32 * 1024)
#define CR_PRI_MIN		1
#define CR_PRI_DEFAULT		8
#define CR_PRI_MAX		31

enum cr_state { CR_RUNNABLE, CR_BLOCKED, CR_EXITED };

struct thread {
	uint32_t	td_sp;			/* saved stack pointer (first: switch.S) */
	uint32_t	td_gs;			/* its TLS selector (second: switch.S) */
	void		*td_tls;		/* its TLS area (block and TCB) */
	unsigned int	td_tls_slot;		/* its descriptor in the process's LDT */
	TAILQ_ENTRY(thread) td_runq;		/* on the run queue while runnable */
	TAILQ_ENTRY(thread) td_allq;		/* on the list of all threads */
	enum cr_state	td_state;
	int		td_pri;			/* CR_PRI_MIN .. CR_PRI_MAX, higher runs first */
	void		*td_stack;		/* NULL for the main thread */
	void		*(*td_fn)(void *);
	void		*td_arg;
	void		*td_retval;
	struct thread	*td_joiner;		/* waits in cr_thread_join */
	bool		td_detached;
	struct lwkt_port td_msgport;		/* the thread's own port */
	const char	*td_wmesg;		/* what it waits for, while blocked */
	const void	*td_wchan;
	uint64_t	td_switches;
	char		td_name[16];
};
typedef struct thread *cr_thread_t;

int	cr_thread_create(cr_thread_t *tdp, void *(*fn)(void *), void *arg, int pri,
	    const char *name);
__attribute__((noreturn)) void cr_thread_exit(void *retval);
int	cr_thread_join(cr_thread_t td, void **retval);
void	cr_thread_yield(void);
cr_thread_t cr_thread_self(void);
int	cr_thread_count(void);		/* threads alive, main included */

/* Virtual CPUs: another kernel-scheduled context of this process (see lwkt/thread.c). */
#define RFMEM		(1 << 5)
#define RFTHREAD	(1 << 13)
int	cr_vcpu_start(void (*fn)(void *), void *arg);

/* The scheduler, for the message-port seam (cr/msgport_sys.h). */
void	cr_sched_block(const char *wmesg, const void *wchan);
void	cr_sched_wakeup(cr_thread_t td);
extern cr_thread_t cr_curthread;
extern int cr_threaded;			/* more than one thread has existed */

/* Statistics. */
struct cr_sched_stats {
	uint64_t	kernel_waits;		/* times the vCPU waited in the kernel (waitport) */
	uint64_t	delivered;		/* kernel completions handed to waiting threads */
};
extern struct cr_sched_stats cr_sched_stats;

#endif
