/* Ending a process: exit from user code, or a fatal fault. */
#include <sys/systm.h>
#include <sys/proc.h>
#include <sys/sysmsg.h>
#include <sys/thread.h>
#include <sys/thread2.h>

/*
 * proc_exit: free the address space, reply the exit-wait message with the status, and end the
 * process's thread. The waiter frees the struct proc.
 */
void
proc_exit(int status)
{
	thread_t td = curthread;
	struct proc *p = td->td_proc;

	p->p_status = status;
	crit_enter();
	pmap_activate_kernel();		/* never run on the page tables being freed */
	pmap_destroy(&p->p_pmap);
	td->td_proc = NULL;
	if (p->p_exitwaiter != NULL) {
		p->p_exitwaiter->ms_result = status;
		lwkt_replymsg(p->p_exitwaiter, 0);
	}
	crit_exit();
	lwkt_exit();
}

int
sys_exit(struct exit_msg *msg)
{
	proc_exit(msg->status & 0xff);
}
