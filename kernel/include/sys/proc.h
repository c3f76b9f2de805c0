/*
 * Processes: an address space and the LWKT thread that runs its user code. The kernel starts
 * them from the initrd (proc_run); whoever waits for one has sent it an exit-wait message,
 * which the process replies, with its exit status as the result, when it ends.
 */
#ifndef _SYS_PROC_H_
#define _SYS_PROC_H_

#include <sys/types.h>
#include <sys/msgport.h>
#include <sys/globaldata.h>
#include <vm/vm.h>

struct thread;

struct proc {
	pid_t		p_pid;
	char		p_comm[32];		/* program name */
	struct pmap	p_pmap;
	struct thread	*p_td;			/* the thread running its user code */
	uint32_t	p_entry;		/* where user code starts */
	uint32_t	p_usp;			/* its initial stack pointer */
	int		p_status;		/* exit status */
	struct lwkt_port p_exitport;		/* put-only: takes the exit-wait message */
	lwkt_msg_t	p_exitwaiter;		/* replied with the status at exit */
};

#define curproc		(curthread->td_proc)

/* kern/kern_exec.c */
int	proc_run(const char *path, int argc, const char *const *argv, int *status);
/* kern/kern_exit.c */
__attribute__((noreturn)) void proc_exit(int status);

#define EXIT_FAULT_BASE	128	/* a process killed by a fault exits 128 + vector */

#endif
