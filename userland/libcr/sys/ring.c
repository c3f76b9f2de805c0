/*
 * The shared ring from libcr (<cr/ring.h>): setting it up and waiting for completions; pushing,
 * submitting and reaping are inline in the header.
 */
#include <errno.h>
#include <cr/ring.h>

/* cr_ring_setup: map the process's ring into r (see <cr/ring.h>). */
int
cr_ring_setup(struct cr_ring *r, unsigned int entries, unsigned int flags)
{
	struct ring_shared *rs = __sys_ring_setup(entries, flags);

	if (rs == (void *)-1)
		return -1;			/* errno set by the stub */
	r->rs = rs;
	r->sq = (uint32_t *)((char *)rs + rs->sq_off);
	r->cq = (uint32_t *)((char *)rs + rs->cq_off);
	r->mask = rs->mask;
	r->flags = rs->setup_flags;
	r->sq_tail = r->sq_head = rs->sq_tail;
	r->cq_head = r->cq_tail = rs->cq_head;
	return 0;
}

/*
 * cr_ring_wait: wait until min completions are in the queue (see <cr/ring.h>). A polled ring's
 * thread may sleep with submissions it has not taken (it had no room for their completions
 * until this program reaped): it is woken in the same trap.
 */
int
cr_ring_wait(struct cr_ring *r, unsigned int min)
{
	unsigned int flags = 0;

	r->rs->cq_head = r->cq_head;		/* the kernel counts what is left to read */
	if (r->flags & CR_RING_KPOLL) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (r->rs->sq_flags & RING_NEED_WAKEUP)
			flags = RING_ENTER_WAKEUP;
	}
	return __sys_ring_enter(0, min, flags) < 0 ? -1 : 0;
}
