/*
 * The heap of a process: sbrk moves its break, mapping or unmapping the pages between
 * (the heap starts empty after the program's data: kern_exec.c).
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/proc.h>
#include <sys/sysmsg.h>

#define HEAP_LIMIT	(USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE - 16 * PAGE_SIZE)

/* sys_sbrk: the break moves by msg->incr; answers the old one. ENOMEM past the limits. */
int
sys_sbrk(struct sbrk_msg *msg)
{
	struct proc *p = curproc;
	uint32_t old = p->p_brk, new = old + msg->incr;
	int error;

	if ((msg->incr > 0 && (new < old || new > HEAP_LIMIT)) ||
	    (msg->incr < 0 && (new > old || new < p->p_brk_base)))
		return ENOMEM;
	if (msg->incr > 0 && (error = pmap_alloc_range(&p->p_pmap, old, msg->incr, PTE_U | PTE_W)) != 0) {
		pmap_remove_range(&p->p_pmap, round_page(old), round_page(new));	/* what it did map */
		return error;
	}
	if (msg->incr < 0)
		pmap_remove_range(&p->p_pmap, round_page(new), round_page(old));
	p->p_brk = new;
	msg->hdr.ms_result = old;
	return 0;
}
