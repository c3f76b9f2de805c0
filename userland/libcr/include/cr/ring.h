/*
 * The shared submission/completion ring (<sys/ring.h>, docs/syscall-abi.md "The shared ring"),
 * from libcr: set it up, push messages into the submission queue, hand them to the kernel, reap
 * completed messages from the completion queue, wait for completions.
 *
 * A message pushed is any call's message (its ms_cmd and arguments set; the kernel takes every
 * ring entry as asynchronous). Its answer is in ms_error and ms_result when cr_ring_reap returns
 * it. A message must not be pushed again before it has been reaped.
 *
 * With CR_RING_KPOLL a kernel thread on another CPU takes the submissions as soon as they are
 * pushed (docs/smp.md, "The kernel-polled ring"): cr_ring_submit then traps only when that
 * thread has gone to sleep (RING_NEED_WAKEUP), to wake it. Without, cr_ring_submit is one
 * ring_enter trap for everything pushed. One ring per process.
 */
#ifndef _CR_RING_H_
#define _CR_RING_H_
#include <stdbool.h>
#include <sys/msgport.h>
#include <sys/ring.h>
#include <sys/syscalls.h>

#define CR_RING_KPOLL	RING_SETUP_KPOLL

struct cr_ring {
	struct ring_shared *rs;		/* the shared page */
	uint32_t	*sq, *cq;	/* its two queues */
	uint32_t	mask;		/* entries - 1 */
	uint32_t	flags;		/* what it was set up with (CR_RING_KPOLL) */
	/* The counters as this program sees them: each shared counter is read only when the copy
	 * runs out (the queue looks full, no completion is left), and each of its own is published
	 * in one store for many entries (liburing's way). */
	uint32_t	sq_tail;	/* the next slot to fill; cr_ring_submit publishes it */
	uint32_t	sq_head;	/* the kernel's sq_head, last read */
	uint32_t	cq_head;	/* the next completion to read; published when the copy runs out */
	uint32_t	cq_tail;	/* the kernel's cq_tail, last read */
};

/*
 * cr_ring_setup: map the process's ring of entries slots (a power of two up to 256) into r;
 * flags 0 or CR_RING_KPOLL. 0, or -1 with errno: EINVAL (a bad size or flag), ENOTSUP (a polled
 * ring on a machine with one CPU), EEXIST (the process has its ring), ENOMEM.
 */
int	cr_ring_setup(struct cr_ring *r, unsigned int entries, unsigned int flags);

/*
 * cr_ring_wait: wait in the kernel until at least min completions are in the completion queue
 * (or it is full), waking a sleeping polling thread first. 0, or -1 with errno (EINTR, EINVAL:
 * min above the ring's size).
 */
int	cr_ring_wait(struct cr_ring *r, unsigned int min);

/* cr_ring_push: msg into the submission queue (no trap; the kernel sees it once submitted);
 * false when the queue is full. */
static inline bool
cr_ring_push(struct cr_ring *r, lwkt_msg_t msg)
{
	uint32_t tail = r->sq_tail;

	if (__builtin_expect(tail - r->sq_head > r->mask, 0)) {
		r->sq_head = r->rs->sq_head;
		if (tail - r->sq_head > r->mask)
			return false;
	}
	r->sq[tail & r->mask] = (uint32_t)msg;
	r->sq_tail = tail + 1;
	return true;
}

/*
 * cr_ring_submit: hand the kernel what was pushed: the tail is published (after the slots). A
 * polled ring: its thread takes them by itself; one trap only when the thread sleeps (the fence
 * orders the tail's store before the flag's load: the thread sets the flag, fences and looks at
 * the tail, so one of the two sees the other). Otherwise: one ring_enter for everything pushed.
 * 0, or -1 with errno.
 */
static inline int
cr_ring_submit(struct cr_ring *r)
{
	struct ring_shared *rs = r->rs;

	__asm__ volatile("" ::: "memory");	/* the slots before the tail that publishes them */
	rs->sq_tail = r->sq_tail;
	if (r->flags & CR_RING_KPOLL) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__builtin_expect(!(rs->sq_flags & RING_NEED_WAKEUP), 1))
			return 0;
		return __sys_ring_enter(0, 0, RING_ENTER_WAKEUP) < 0 ? -1 : 0;
	}
	return __sys_ring_enter(r->sq_tail - rs->sq_head, 0, 0) < 0 ? -1 : 0;
}

/* cr_ring_reap: the next completed message (its answer written), or NULL; no trap. */
static inline lwkt_msg_t
cr_ring_reap(struct cr_ring *r)
{
	uint32_t head = r->cq_head;

	if (head == r->cq_tail) {
		r->rs->cq_head = head;		/* the slots read are the kernel's again */
		r->cq_tail = r->rs->cq_tail;
		if (head == r->cq_tail)
			return NULL;
		__asm__ volatile("" ::: "memory");	/* the slots after the tail that published them */
	}
	r->cq_head = head + 1;
	return (lwkt_msg_t)r->cq[head & r->mask];
}

#endif
