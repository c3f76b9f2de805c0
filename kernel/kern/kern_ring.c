/*
 * The shared submission/completion ring (sys/ring.h). The ring page is an ordinary physical
 * page, mapped into the process at RING_UADDR and reached by the kernel through its physical
 * mapping, so completions can be posted from any context.
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/ksysmsg.h>
#include <sys/malloc.h>
#include <sys/proc.h>
#include <sys/ring.h>
#include <sys/sysmsg.h>
#include <sys/thread2.h>
#include <sys/uaccess.h>
#include <vm/vm.h>
#include <string.h>

_Static_assert(RING_UADDR == USER_STACK_BOTTOM - USER_STACK_GUARD_PAGES * PAGE_SIZE,
    "RING_UADDR in sys/ring.h: below the user stack's guard, above the heap's limit");

/*
 * The kernel's own copy of the ring's shape: the shared page is writable by the process, so the
 * kernel reads only the head and tail counters from it, and always masks them itself.
 */
#define RING_CHUNK	64	/* submission entries copied to the kernel stack at a time */

struct ring {
	struct ring_shared *r_shared;		/* kernel address of the page */
	uint32_t	r_uaddr;
	uint32_t	r_entries, r_mask;
	uint32_t	*r_sq, *r_cq;		/* kernel addresses of the two arrays */
};

int
sys_ring_setup(struct ring_setup_msg *msg)
{
	struct proc *p = curproc;
	uint32_t n = msg->entries;
	struct ring *r;
	struct ring_shared *rs;

	if (n == 0 || n > RING_MAX_ENTRIES || (n & (n - 1)) != 0)
		return EINVAL;
	if (p->p_ring != NULL)
		return EEXIST;
	if ((r = kzalloc(sizeof(*r))) == NULL)
		return ENOMEM;
	if ((rs = vm_page_alloc()) == NULL || pmap_enter(&p->p_pmap, RING_UADDR, rs, PTE_U | PTE_W)) {
		if (rs != NULL)
			vm_page_free(rs);
		kfree(r);
		return ENOMEM;
	}
	rs->entries = n;
	rs->mask = n - 1;
	rs->sq_off = sizeof(*rs);
	rs->cq_off = sizeof(*rs) + n * sizeof(uint32_t);
	r->r_shared = rs;
	r->r_uaddr = RING_UADDR;
	r->r_entries = n;
	r->r_mask = n - 1;
	r->r_sq = (uint32_t *)((char *)rs + rs->sq_off);
	r->r_cq = (uint32_t *)((char *)rs + rs->cq_off);
	p->p_ring = r;
	msg->hdr.ms_result = RING_UADDR;
	return 0;
}

/* ring_room: can a completion be posted to p's ring now? */
bool
ring_room(struct proc *p)
{
	struct ring *r = p->p_ring;

	return r != NULL && r->r_shared->cq_tail - r->r_shared->cq_head < r->r_entries;
}

/* ring_post: a completed message's address into the completion queue; 0, or -1 when full. */
int
ring_post(struct proc *p, uint32_t uaddr)
{
	struct ring_shared *rs;
	struct ring *r = p->p_ring;

	if (r == NULL)
		return -1;
	rs = r->r_shared;
	if (rs->cq_tail - rs->cq_head >= r->r_entries) {
		rs->overflow++;
		return -1;		/* full (or counters made up): waitport collects it */
	}
	r->r_cq[rs->cq_tail & r->r_mask] = uaddr;
	__asm__ volatile("" ::: "memory");	/* the slot before the tail that publishes it */
	rs->cq_tail++;
	return 0;
}

/*
 * ring_overflow: a message of the ring answered at once finds the completion queue full: it is
 * kept for waitport, like a later completion that finds it full (its answer is already written).
 */
static __attribute__((noinline)) void
ring_overflow(struct proc *p, uint32_t uaddr)
{
	struct ksysmsg *ksm = ksysmsg_alloc(p);
	struct lwkt_msg *u = (struct lwkt_msg *)uaddr;
	uint32_t error = 0, lo = 0, hi = 0;

	if (ksm == NULL)
		return;			/* no memory: the answer in the message is all it gets */
	ksm->km_proc = p;
	ksm->km_uaddr = uaddr;
	ksm->km_flags = KMF_RING;
	ksm->km_td = curthread;
	ksm->km_args.hdr.ms_cmd = 0;
	/* collect() writes the answer again: keep the one the message was answered with. */
	if (fetch_user32(&u->ms_error, &error) == 0 && fetch_user32(&u->ms_result, &lo) == 0)
		fetch_user32((uint32_t *)&u->ms_result + 1, &hi);
	ksm->km_args.hdr.ms_result = (int64_t)(((uint64_t)hi << 32) | lo);
	sysmsg_done_now(ksm, (int)error);
}

/*
 * ring_answered: n ring entries answered at once (their answers written) are posted in order;
 * an entry that finds the queue full is kept for waitport. addrs is the kernel's copy of the
 * entries (read from the submission queue once, by sys_ring_enter). The tail is published once,
 * inside a critical section, so no completion posted at interrupt time comes between; a run
 * that does not wrap is one copy.
 */
static void
ring_answered(struct proc *p, const uint32_t *addrs, uint32_t n, int error)
{
	struct ring *r = p->p_ring;
	struct ring_shared *rs = r->r_shared;
	uint32_t tail, room, post, slot, i;

	(void)error;
	crit_enter();
	tail = rs->cq_tail;
	room = r->r_entries - (tail - rs->cq_head);
	if (room > r->r_entries)
		room = 0;			/* counters no ring of this size can have */
	post = n < room ? n : room;
	slot = tail & r->r_mask;
	if (slot + post <= r->r_entries) {
		memcpy(&r->r_cq[slot], addrs, post * sizeof(uint32_t));
	} else {
		for (i = 0; i < post; i++)
			r->r_cq[(tail + i) & r->r_mask] = addrs[i];
	}
	__asm__ volatile("" ::: "memory");	/* the slots before the tail that publishes them */
	rs->cq_tail = tail + post;
	for (i = post; i < n; i++) {
		rs->overflow++;
		ring_overflow(p, addrs[i]);
	}
	crit_exit();
}

/*
 * sys_ring_enter: take up to to_submit messages from the submission queue (an answer given at
 * once is posted at once), then wait until at least min_complete completions are in the queue.
 * Answers how many were taken. The shared counters are read once and checked once; the entries
 * are read from the shared page, each once. A message refused at submission (a bad flag or
 * number) is answered in place and posted like any other; a bad address has no message to post.
 */
int
sys_ring_enter(struct ring_enter_msg *msg)
{
	struct proc *p = curproc;
	struct ring *r = p->p_ring;
	struct ring_shared *rs;
	uint32_t head, tail, taken = 0, max;
	int error;

	if (r == NULL)
		return EINVAL;
	rs = r->r_shared;
	head = rs->sq_head;
	tail = rs->sq_tail;
	if (msg->min_complete > r->r_entries || tail - head > r->r_entries)
		return EINVAL;			/* counters no ring of this size can have */
	max = msg->to_submit < tail - head ? msg->to_submit : tail - head;
	if (batch_begin() != 0)
		return EINVAL;
	/* The queue wraps: at most two runs of consecutive slots, each taken in chunks copied to
	 * the stack first, so an entry is read from the shared page once (the process may rewrite
	 * its slots meanwhile: what is taken and what is posted is the same address). Entries with
	 * no header to answer in are consumed and skipped, as before: the ring has no way to say
	 * how far it got. */
	while (taken < max && !p->p_killed) {
		uint32_t slot = (head + taken) & r->r_mask;
		uint32_t run = r->r_entries - slot < max - taken ? r->r_entries - slot : max - taken;
		uint32_t vec[RING_CHUNK], done;

		if (run > RING_CHUNK)
			run = RING_CHUNK;
		memcpy(vec, &r->r_sq[slot], run * sizeof(uint32_t));
		done = sysmsg_take_ring(p, vec, run, ring_answered);
		taken += done < run ? done + 1 : done;
	}
	batch_end();
	rs->sq_head = head + taken;		/* the slots taken are the process's again */
	msg->hdr.ms_result = taken;
	crit_enter();
	/* A full completion queue takes nothing more (the rest wait on the reply port): stop. */
	while (rs->cq_tail - rs->cq_head < msg->min_complete &&
	    rs->cq_tail - rs->cq_head < r->r_entries) {
		if ((error = proc_sleep(p, "ring", p->p_ring)) != 0) {
			crit_exit();
			return error;
		}
	}
	crit_exit();
	return 0;
}

void
ring_destroy(struct proc *p)
{
	if (p->p_ring == NULL)
		return;
	/* The page itself is a user mapping: pmap_destroy frees it with the address space. */
	kfree(p->p_ring);
	p->p_ring = NULL;
}
