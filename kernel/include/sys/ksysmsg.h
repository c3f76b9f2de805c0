/*
 * The kernel's side of a system-call message. Every call the kernel takes from user memory is
 * copied into a struct ksysmsg: the arguments (km_args, a kernel copy of the whole user message)
 * and an LWKT message (km_msg) whose reply port is the calling process's port.
 *
 * A handler, sys_NAME(msg) with msg pointing into km_args, either answers at once (returns 0 or
 * an errno, the result in msg->hdr.ms_result) or returns EASYNC after filing the ksysmsg at the
 * object it waits on (a pipe, the console, the timer, a child). Whoever completes it later calls
 * sysmsg_complete(): the answer is written into the user's message, which becomes DONE. Blocking
 * is message-shaped: no kernel thread sits blocked per outstanding call.
 *
 * A synchronous call (no MSGF_ASYNC) whose handler answered EASYNC waits in the kernel for its
 * completion (the calling thread blocks; its ksysmsg lives on its kernel stack). An asynchronous
 * one returns EASYNC to user space at once; its completion is queued on the process's reply
 * port, for the waitmsg and waitport calls, or posted to the process's ring.
 */
#ifndef _SYS_KSYSMSG_H_
#define _SYS_KSYSMSG_H_

#include <sys/msgport.h>
#include <sys/queue.h>
#include <sys/sysmsg.h>
#include <sys/timer.h>

struct proc;

struct ksysmsg {
	struct lwkt_msg	km_msg;			/* in flight while the call is; reply port: p_port */
	struct proc	*km_proc;		/* the caller */
	struct thread	*km_td;			/* the calling thread (for KMF_SYNC) */
	uint32_t	km_uaddr;		/* the user's message */
	uint32_t	km_flags;		/* KMF_ */
	TAILQ_ENTRY(ksysmsg) km_link;		/* p_outstanding, p_done or p_free */
	TAILQ_ENTRY(ksysmsg) km_wlink;		/* on the wait queue of the object it waits on */
	void		*km_obj;		/* that object, for its abort function */
	struct timer_msg km_timer;		/* sleep_ns: the message sent to the timer port */
	union {
		struct lwkt_msg	hdr;
		char		bytes[SYSMSG_MAXSIZE];
	} km_args;				/* kernel copy of the user message */
};

/* km_flags (an enum, for the host's DWARF reader) */
enum ksysmsg_flags {
	KMF_SYNC = 0x0001,	/* the caller waits in the kernel (on its stack) */
	KMF_RING = 0x0002,	/* complete into the process's ring, not its reply port */
	KMF_BATCH = 0x0004,	/* one of a submit call's messages */
};

/* A handler's answer that means: do not answer the message (exec replaced the program). */
#define EJUSTRETURN	(-2)

#define ksysmsg_of(msgptr)	((struct ksysmsg *)((char *)(msgptr) - __builtin_offsetof(struct ksysmsg, km_args)))
#define SYSMSG_RESULT(ksm)	((ksm)->km_args.hdr.ms_result)

/* kern/kern_sysmsg.c */
void	sysmsg_complete(struct ksysmsg *ksm, int error, int64_t result);
void	sysmsg_set_abort(struct ksysmsg *ksm, void *obj, void (*abortfn)(lwkt_msg_t));
int	sysmsg_dispatch(struct proc *p, struct ksysmsg *ksm, uint32_t uaddr);
void	sysmsg_proc_init(struct proc *p);
void	sysmsg_proc_exit(struct proc *p);
void	sysmsg_proc_abort(struct proc *p);
void	wake_proc(struct proc *p);
int	proc_sleep(struct proc *p, const char *wmesg, const void *wchan);
int	sysmsg_submit_ring(struct proc *p, uint32_t uaddr);
int	sysmsg_trap(uint32_t uaddr);
void	sysmsg_forget(struct ksysmsg *ksm);

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
