/*
 * Why a process ended, as the wait status its parent's wait gets (abi/wait.h: POSIX's macros
 * read it). The one place that maps an end to a status: exit, kill and faults all come here.
 */
#include <sys/systm.h>
#include <sys/proc.h>
#include <abi/signal.h>
#include <abi/wait.h>

/*
 * fault_signal: the signal a CPU fault in ring 3 stands for (Linux's choices on i386). The
 * process ends as if that signal's default action had run; when signals exist (issue 12,
 * item 2) the fault raises it instead, and a handler may catch it.
 */
int
fault_signal(int vector)
{
	switch (vector) {			/* the i386's vectors (arch/i386/traps.toml) */
	case 0:					/* DE: divide error */
	case 16:				/* MF: x87 floating-point error */
	case 19:				/* XM: SIMD floating-point error */
		return SIGFPE;
	case 1:					/* DB: debug */
	case 3:					/* BP: breakpoint (int3) */
		return SIGTRAP;
	case 6:					/* UD: invalid opcode */
		return SIGILL;
	case 11:				/* NP: segment not present */
	case 12:				/* SS: stack-segment fault */
	case 17:				/* AC: alignment check */
		return SIGBUS;
	default:				/* PF, GP, BR, OF, ...: a bad access */
		return SIGSEGV;
	}
}

/* proc_wait_status: the wait status of a process that ended for why (detail: see enum proc_end). */
int
proc_wait_status(enum proc_end why, int detail)
{
	switch (why) {
	case PEND_EXIT:
		return W_EXITED(detail);
	case PEND_KILLED:
		return W_SIGNALED(detail);
	case PEND_FAULT:
		return W_SIGNALED(fault_signal(detail));
	}
	panic("proc_wait_status: no such end %d", why);
}
