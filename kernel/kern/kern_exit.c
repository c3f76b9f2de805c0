/* Ending a process: exit from user code, or a fatal fault. */
#include <sys/systm.h>
#include <sys/proc.h>
#include <sys/sysmsg.h>

/* proc_exit: record the status and resume the kernel where proc_run started the process. */
void
proc_exit(int status)
{
	curproc->p_status = status;
	klongjmp(&curproc->p_return, 1);
}

int
sys_exit(struct exit_msg *msg)
{
	proc_exit(msg->status & 0xff);
}
