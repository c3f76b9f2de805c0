/*
 * The kernel's side of a system-call message. Every call the kernel takes from user memory is
 * taken into a struct ksysmsg on the kernel stack (kern_sysmsg.c: take): the arguments
 * (km_args, a kernel copy of the user message, read once) and an LWKT message (km_msg) whose
 * reply port is the calling process's port.
 *
 * A handler, sys_NAME(msg) with msg pointing into km_args, either answers at once (returns 0 or
 * an errno, the result in msg->hdr.ms_result) or — only if the spec says `blocking = true` —
 * files the call at the object it waits on (a pipe, the console, the timer, a child) and returns
 * EASYNC. Before filing it calls sysmsg_hold(): a synchronous call stays on the stack of its
 * caller, who waits in the kernel; an asynchronous one moves to a ksysmsg of its own. Whoever
 * completes it later calls sysmsg_complete(). Blocking is message-shaped: no kernel thread sits
 * blocked per outstanding asynchronous call.
 *
 * The kernel writes only ms_error and ms_result of a user message: EASYNC into ms_error when it
 * takes the message, the answer when it is done (at once, or when the process collects the
 * completion: kern_sysmsg_collect.c).
 */
#ifndef _SYS_KSYSMSG_H_
#define _SYS_KSYSMSG_H_

#include <sys/msgport.h>
#include <sys/queue.h>
#include <sys/sysmsg.h>
#include <sys/sysent.h>
#include <sys/timer.h>

struct proc;

struct ksysmsg {
	struct lwkt_msg	km_msg;			/* in flight while the call is; reply port: p_port */
	struct proc	*km_proc;		/* the caller */
	struct thread	*km_td;			/* the thread that filed it (woken, for KMF_SYNC) */
	uint32_t	km_uaddr;		/* the user's message */
	uint32_t	km_flags;		/* KMF_ */
	TAILQ_ENTRY(ksysmsg) km_link;		/* p_outstanding, p_done or p_free */
	TAILQ_ENTRY(ksysmsg) km_wlink;		/* on the wait queue of the object it waits on */
	void		*km_obj;		/* that object, for its abort function */
	int		(*km_resume)(struct ksysmsg *);	/* KMF_SYNC: how it goes on after ERESTART
						   (called inside a critical section) */
	struct timer_msg km_timer;		/* sleep_ns: the message sent to the timer port */
	union sysmsg_args km_args;		/* kernel copy of the user message */
};

/* km_flags (an enum, for the host's DWARF reader) */
enum ksysmsg_flags {
	KMF_SYNC = 0x0001,	/* the caller waits in the kernel (on its stack) */
	KMF_RING = 0x0002,	/* complete into the process's ring, not its reply port */
	KMF_BATCH = 0x0004,	/* one of a submit call's messages */
};

/* A handler's answer that means: do not answer the message (exec replaced the program). */
#define EJUSTRETURN	(-2)
/*
 * An object's completion of a synchronous call that means "ready: go on yourself": the caller,
 * woken on its own stack, runs the call's resume hook (km_resume, set by the object when it
 * filed the call), which moves the data in the caller's own address space (a pipe read finds
 * bytes, a pipe write finds room) and answers, or files the call again (EASYNC). The object
 * keeps itself alive until the hook has run: whoever completes a call with ERESTART holds a
 * reference on km_obj that the hook drops (the wait/resume protocol: docs/syscall-abi.md).
 * Never delivered to user space.
 */
#define ERESTART	(-3)
#define SYSMSG_PROC_MAX	8192	/* async calls in flight or uncollected, per process */

#define ksysmsg_of(msgptr)	((struct ksysmsg *)((char *)(msgptr) - __builtin_offsetof(struct ksysmsg, km_args)))
#define SYSMSG_RESULT(ksm)	((ksm)->km_args.hdr.ms_result)

/* kern/kern_sysmsg.c: taking messages */
__attribute__((regparm(1))) int syscall_trap(uint32_t uaddr);
__attribute__((regparm(3))) int syscall_take(uint32_t uaddr, uint32_t flags, uint32_t cmd);
uint32_t sysmsg_take_ring(struct proc *p, const uint32_t *addrs, uint32_t n,
	    void (*post)(struct proc *, const uint32_t *, uint32_t, int));
uint32_t sysmsg_take_anycpu(struct proc *p, const uint32_t *addrs, uint32_t n, bool *lost);
int	batch_begin(void);
void	batch_end(void);
int	sysmsg_hold_async(struct ksysmsg **ksmp);

/*
 * sysmsg_hold: a handler is about to file the call and answer EASYNC. A synchronous call stays
 * where it is (its caller waits on this stack: inline, nothing to do); an asynchronous one moves
 * to a ksysmsg of its own (sysmsg_hold_async). Answers 0 with *ksmp the message to file, EAGAIN
 * when the process has SYSMSG_PROC_MAX calls uncollected, or ENOMEM.
 */
static inline int
sysmsg_hold(struct ksysmsg **ksmp)
{
	if ((*ksmp)->km_flags & KMF_SYNC)
		return 0;
	return sysmsg_hold_async(ksmp);
}
void	sysmsg_answer(struct ksysmsg *ksm, int error);
int	proc_sleep(struct proc *p, const char *wmesg, const void *wchan);
/* kern/kern_sysmsg_collect.c: calls that complete later */
struct ksysmsg *ksysmsg_alloc(struct proc *p);
void	sysmsg_complete(struct ksysmsg *ksm, int error, int64_t result);
void	sysmsg_set_abort(struct ksysmsg *ksm, void *obj, void (*abortfn)(lwkt_msg_t));
void	sysmsg_done_now(struct ksysmsg *ksm, int error);
void	sysmsg_proc_init(struct proc *p);
void	sysmsg_proc_exit(struct proc *p);
void	sysmsg_proc_abort(struct proc *p);
void	wake_proc(struct proc *p);
/* kern/kern_ring.c: the shared ring (its layout: <sys/ring.h>) */
int	ring_post_answer(struct ksysmsg *ksm);	/* 0, or -1 when the queue is full */
void	ring_kpoll_stop(struct proc *p);
void	ring_destroy(struct proc *p);
struct ring_stats {
	uint64_t	enters;		/* ring_enter calls (traps) */
	uint64_t	kpoll_taken;	/* submissions polling threads took */
	uint64_t	kpoll_home;	/* ... of them on the process's home CPU (not anycpu calls) */
	uint64_t	kpoll_sleeps;	/* times a polling thread raised RING_NEED_WAKEUP to sleep */
	uint64_t	kpoll_wakeups;	/* ... and was woken (ring_enter with RING_ENTER_WAKEUP) */
	uint32_t	kpoll_threads;	/* polling threads alive */
};
extern struct ring_stats ring_stats;

/* Counters (struct kstat reports them). */
struct sysmsg_stats {
	uint64_t	calls;		/* messages taken */
	uint64_t	async_later;	/* completed after answering EASYNC */
	uint64_t	aborts;
	uint64_t	allocs;		/* ksysmsgs allocated */
	uint64_t	frees;
	uint32_t	live;		/* allocated now (caches included) */
	uint32_t	outstanding;	/* in flight now, all processes */
};
extern struct sysmsg_stats sysmsg_stats;

#endif
