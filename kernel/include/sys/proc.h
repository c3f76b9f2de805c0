/*
 * Processes. For now one runs at a time, to completion, started by the kernel from the initrd;
 * each has its own address space and kernel stack. (LWKT threads and many processes come with
 * the LWKT and syscall-messaging work.)
 */
#ifndef _SYS_PROC_H_
#define _SYS_PROC_H_

#include <sys/types.h>
#include <vm/vm.h>
#include <machine/setjmp.h>

struct proc {
	pid_t		p_pid;
	char		p_comm[32];		/* program name */
	struct pmap	p_pmap;
	void		*p_kstack;		/* one page: traps from ring 3 land here */
	int		p_status;		/* exit status */
	struct kjmp	p_return;		/* where exit resumes the kernel */
};

extern struct proc *curproc;

/* kern/kern_exec.c */
int	proc_run(const char *path, int argc, const char *const *argv, int *status);
/* kern/kern_exit.c */
__attribute__((noreturn)) void proc_exit(int status);

#define EXIT_FAULT_BASE	128	/* a process killed by a fault exits 128 + vector */

#endif
