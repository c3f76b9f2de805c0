/*
 * Run queues: one implementation for the kernel's LWKT scheduler (kern/lwkt_thread.c, a queue
 * per CPU) and libcr's user-thread scheduler (userland/libcr/lwkt/thread.c, a queue per vCPU).
 * Both sides' struct thread has td_rqnext, td_rqprev (the ring links) and td_pri; these inline
 * functions compile against whichever struct thread is in scope, so include this header after
 * the side's struct thread is complete (sys/thread.h, cr/thread.h).
 *
 * A queue is a ring per priority: a circular doubly-linked list of the runnable threads of that
 * priority, reached through its head, and a bitmask of the non-empty rings. A thread joins at the
 * tail (just before the head), so each ring is FIFO. The running thread stays on its ring, at the
 * head, while it runs (the schedulers keep it there); so a yield among equals only moves the head
 * to the next thread of the ring (runq_rotate), which is what the fast paths do, and a direct
 * hand-off puts the receiver at the head and the sender at the tail in a few stores
 * (runq_handoff).
 *
 *           rq_head[p]
 *               │
 *               ▼
 *        ┌──▶ [ A ] ──▶ [ B ] ──▶ [ C ] ──┐      head A runs (or runs next), C is the tail;
 *        └────────────────────────────────┘      td_rqprev links run the other way
 *
 * The callers serialize: the kernel inside a critical section, libcr under cr_sched_lock.
 */
#ifndef _SYS_RUNQ_H_
#define _SYS_RUNQ_H_

#include <sys/types.h>

#define RUNQ_NPRI	32		/* priorities 0 .. 31: higher runs first */

struct thread;

struct runq {
	struct thread	*rq_head[RUNQ_NPRI];	/* ring p's head (runs first), NULL when empty */
	uint32_t	rq_mask;		/* bit p: ring p is not empty */
	int		rq_count;		/* threads on all rings */
};

/* runq_insert: td joins its priority's ring at the tail. */
static inline __attribute__((always_inline)) void
runq_insert(struct runq *rq, struct thread *td)
{
	struct thread *head = rq->rq_head[td->td_pri];

	if (head == NULL) {
		td->td_rqnext = td;
		td->td_rqprev = td;
		rq->rq_head[td->td_pri] = td;
		rq->rq_mask |= 1u << td->td_pri;
	} else {
		struct thread *tail = head->td_rqprev;
		td->td_rqnext = head;
		td->td_rqprev = tail;
		tail->td_rqnext = td;
		head->td_rqprev = td;
	}
	rq->rq_count++;
}

/* runq_remove: td leaves its ring; the next thread becomes the head if td was it. */
static inline __attribute__((always_inline)) void
runq_remove(struct runq *rq, struct thread *td)
{
	struct thread *next = td->td_rqnext;

	if (next == td) {
		rq->rq_head[td->td_pri] = NULL;
		rq->rq_mask &= ~(1u << td->td_pri);
	} else {
		struct thread *prev = td->td_rqprev;
		prev->td_rqnext = next;
		next->td_rqprev = prev;
		if (rq->rq_head[td->td_pri] == td)
			rq->rq_head[td->td_pri] = next;
	}
	rq->rq_count--;
}

/* runq_best: the head of the highest non-empty ring, or NULL when every ring is empty. */
static inline __attribute__((always_inline)) struct thread *
runq_best(struct runq *rq)
{
	if (rq->rq_mask == 0)
		return NULL;
	return rq->rq_head[31 ^ __builtin_clz(rq->rq_mask)];	/* the highest bit: one bsr */
}

/* runq_above: is a thread of a priority higher than pri on the queue? */
static inline __attribute__((always_inline)) bool
runq_above(struct runq *rq, int pri)
{
	return (rq->rq_mask >> pri) > 1;
}

/* runq_rotate: td, the head of its ring, goes to the tail: the next thread is the head. */
static inline __attribute__((always_inline)) void
runq_rotate(struct runq *rq, struct thread *td)
{
	rq->rq_head[td->td_pri] = td->td_rqnext;
}

/* runq_to_head: td, on its ring, becomes the head; the threads before it keep their order. */
static inline __attribute__((always_inline)) void
runq_to_head(struct runq *rq, struct thread *td)
{
	if (rq->rq_head[td->td_pri] != td) {
		runq_remove(rq, td);
		runq_insert(rq, td);		/* at the tail, which is just before the head ... */
		rq->rq_head[td->td_pri] = td;	/* ... so it is the head now */
	}
}

/*
 * runq_handoff: direct hand-off from the running thread from (the head of its ring) to to, a
 * thread of the same priority that is on no ring: to becomes the head and runs, from goes to
 * the tail, as after a yield; the others keep their turns between them.
 */
static inline __attribute__((always_inline)) void
runq_handoff(struct runq *rq, struct thread *from, struct thread *to)
{
	struct thread *next = from->td_rqnext;		/* from itself, when it is alone */

	to->td_rqnext = next;
	to->td_rqprev = from;
	from->td_rqnext = to;
	next->td_rqprev = to;
	rq->rq_head[from->td_pri] = to;
	rq->rq_count++;
}

#endif
