/*
 * Signals: ABI shared by the kernel and libcr's <signal.h> (docs/upcalls.md). The numbers are
 * Linux's on i386. A signal is delivered to a process as an upcall (abi/upcall.h): the kernel
 * keeps each signal's action (sigaction) and the process's pending set; the mask lives in user
 * memory, one word per vCPU (struct upcall_area), kept by libcr as the running thread's mask.
 */
#ifndef _ABI_SIGNAL_H_
#define _ABI_SIGNAL_H_

#define SIGHUP		1
#define SIGINT		2
#define SIGQUIT		3
#define SIGILL		4
#define SIGTRAP		5
#define SIGABRT		6
#define SIGBUS		7
#define SIGFPE		8
#define SIGKILL		9
#define SIGUSR1		10
#define SIGSEGV		11
#define SIGUSR2		12
#define SIGPIPE		13
#define SIGALRM		14
#define SIGTERM		15
#define SIGCHLD		17
#define SIGCONT		18
#define SIGSTOP		19
#define SIGTSTP		20
#define SIGTTIN		21
#define SIGTTOU		22
#define SIGURG		23
#define SIGXCPU		24
#define SIGXFSZ		25
#define SIGVTALRM	26
#define SIGPROF		27
#define SIGWINCH	28
#define SIGSYS		31

#define NSIG		32		/* signals are 1 .. NSIG - 1; a set is one 32-bit word */
#define __SIGBIT(sig)	(1u << ((sig) - 1))
#define __SIG_CANTMASK	(__SIGBIT(SIGKILL) | __SIGBIT(SIGSTOP))

/* sigaction's sa_flags (Linux's values) */
#define SA_NOCLDSTOP	0x00000001u	/* SIGCHLD: not for a child's stop or continue */
#define SA_SIGINFO	0x00000004u	/* the handler takes (int, siginfo_t *, void *) */
#define SA_ONSTACK	0x08000000u	/* the handler runs on the vCPU's alternate stack */
#define SA_RESTART	0x10000000u	/* a call the signal interrupts starts again */
#define SA_NODEFER	0x40000000u	/* the signal is not masked while its handler runs */
#define SA_RESETHAND	0x80000000u	/* the action goes back to SIG_DFL when delivered */
#define SA_KNOWN	(SA_NOCLDSTOP | SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER | \
			 SA_RESETHAND)

/* The alternate signal stack (sigaltstack, 62): libcr's stack_t is this struct (Linux's order). */
struct kstack {
	void		*ss_sp;		/* its lowest address */
	int		ss_flags;	/* SS_ONSTACK (answered: a handler runs on it), SS_DISABLE */
	unsigned int	ss_size;	/* bytes */
};
#define SS_ONSTACK	1
#define SS_DISABLE	2
#define MINSIGSTKSZ	2048		/* less is ENOMEM */
#define SIGSTKSZ	8192

/* sigprocmask's how */
#define SIG_BLOCK	0
#define SIG_UNBLOCK	1
#define SIG_SETMASK	2

/* sa_handler's two special values */
#define __SIG_DFL	0u
#define __SIG_IGN	1u

/* The kernel's action for one signal: what sigaction (57) reads and writes, 12 bytes. */
struct ksigaction {
	unsigned int	ksa_handler;	/* __SIG_DFL, __SIG_IGN or a user address */
	unsigned int	ksa_mask;	/* added to the mask while the handler runs */
	unsigned int	ksa_flags;	/* SA_ */
};
_Static_assert(sizeof(struct ksigaction) == 12, "syscalls.toml: sigaction's act and oact");

/* si_code values */
#define SI_USER		0		/* kill or raise */
#define SI_KERNEL	0x80		/* the kernel (SIGPIPE, the console's SIGINT) */
#define SI_TIMER	(-2)		/* alarm */
#define ILL_ILLOPC	1
#define FPE_INTDIV	1
#define SEGV_MAPERR	1
#define SEGV_ACCERR	2
#define BUS_ADRERR	2
#define CLD_EXITED	1
#define CLD_KILLED	2
#define CLD_DUMPED	3
#define CLD_STOPPED	5		/* a child stopped (job control) */
#define CLD_CONTINUED	6		/* ... and was continued by SIGCONT */

/* The minimal siginfo an upcall carries (libcr's siginfo_t is this struct). */
struct ksiginfo {
	int		si_signo;
	int		si_code;
	int		si_errno;
	int		si_pid;		/* the sender (SI_USER), or the child (SIGCHLD) */
	int		si_uid;		/* always 0: one user */
	void		*si_addr;	/* the faulting address (SIGSEGV, SIGBUS, SIGILL, SIGFPE) */
	int		si_status;	/* SIGCHLD: the child's exit code or signal */
};

#endif
