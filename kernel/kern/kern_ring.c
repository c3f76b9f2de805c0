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

_Static_assert(RING_UADDR == USER_STACK_BOTTOM - USER_STACK_GUARD_PAGES * PAGE_SIZE,
    "RING_UADDR in sys/ring.h: below the user stack's guard, above the heap's limit");

/*
 * The kernel's own copy of the ring's shape: the shared page is writable by the process, so the
 * kernel reads only the head and tail counters from it, and always masks them itself.
 */
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

/* ring_post: a completed message's address into the completion queue. */
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
 * sys_ring_enter: take up to to_submit messages from the submission queue (an immediate answer
 * is posted at once), then wait until at least min_complete completions are in the queue.
 * Answers how many were taken. A message refused at submission (a bad flag or number) is
 * answered in place and posted like any other; a bad address has no message to post.
 */
int
sys_ring_enter(struct ring_enter_msg *msg)
{
	struct proc *p = curproc;
	struct ring *r = p->p_ring;
	struct ring_shared *rs;
	uint32_t taken = 0, max;
	int error;

	if (r == NULL)
		return EINVAL;
	rs = r->r_shared;
	if (msg->min_complete > r->r_entries || rs->sq_tail - rs->sq_head > r->r_entries)
		return EINVAL;			/* counters no ring of this size can have */
	max = msg->to_submit < r->r_entries ? msg->to_submit : r->r_entries;
	while (taken < max && rs->sq_head != rs->sq_tail && !p->p_killed) {
		uint32_t uaddr = r->r_sq[rs->sq_head & r->r_mask];
		rs->sq_head++;
		taken++;
		sysmsg_submit_ring(p, uaddr);	/* every completion lands in the queue */
		if (p->p_ring != r)
			return EINVAL;		/* not reached: exec is refused from the ring */
	}
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
