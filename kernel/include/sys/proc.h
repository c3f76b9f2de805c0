/*
 * Processes: an address space, descriptors, and the LWKT thread that runs the user code. The
 * kernel starts the first ones from the initrd (proc_run) and waits for them by message; a
 * process starts others with spawn and waits for them with wait.
 *
 * System-call messages: p_port is the process's kernel reply port. Calls that complete later
 * move from p_outstanding to p_done (or to the ring) when completed; the waitmsg and waitport
 * calls take them from there. Exit aborts and reclaims every one (see kern_sysmsg.c).
 */
#ifndef _SYS_PROC_H_
#define _SYS_PROC_H_

#include <sys/types.h>
#include <sys/msgport.h>
#include <sys/globaldata.h>
#include <sys/file.h>
#include <sys/ksysmsg.h>
#include <sys/vcpu.h>
#include <vm/vm.h>
#include <sys/timer.h>
#include <sys/thread2.h>
#include <sys/token.h>
#include <abi/signal.h>

struct thread;
struct ring;
struct rnode;

enum proc_state { PS_RUN, PS_ZOMBIE, PS_REAPED /* a zombie a wait() is taking */ };

struct proc {
	TAILQ_ENTRY(proc) p_list;		/* on allproc */
	pid_t		p_pid;
	pid_t		p_ppid;			/* 0: started by the kernel, or its parent has ended */
	pid_t		p_pgid;			/* its process group (kern_pgrp.c) */
	pid_t		p_sid;			/* its session: the session leader's pid */
	bool		p_execed;		/* it called exec: its parent's setpgid on it is EACCES */
	struct rnode	*p_cwd;			/* its working directory (fs/ramfs_dir.c); NULL: the root */
	struct proc	*p_parent;		/* NULL once the parent is gone, or for the kernel's */
	char		p_comm[32];		/* program name */
	enum proc_state	p_state;
	int		p_status;		/* exit status */
	bool		p_killed;		/* kill() asked it to end */
	struct pmap	p_pmap;
	struct thread	*p_td;			/* its first vCPU (more: rfork; see p_nvcpus) */
	TAILQ_HEAD(, thread) p_threads;		/* its kernel threads: vCPUs, KSE contexts (td_plink) */
	uint32_t	p_entry;		/* where user code starts */
	uint32_t	p_usp;			/* its initial stack pointer */
	uint32_t	p_brk_base, p_brk;	/* the heap: [p_brk_base, p_brk) */
	struct file	*p_fd[NOFILE];
	/* syscall messaging (kern_sysmsg.c) */
	struct lwkt_port p_port;		/* async completions are replied here */
	TAILQ_HEAD(, ksysmsg) p_outstanding;	/* in flight */
	TAILQ_HEAD(, ksysmsg) p_done;		/* completed, not collected yet */
	TAILQ_HEAD(, ksysmsg) p_free;		/* a cache of ksysmsgs */
	uint32_t	p_noutstanding, p_ndone, p_nfree;
	uint32_t	p_nvcpus;		/* its kernel threads (virtual CPUs, made by rfork) */
	int		p_nextvcpu;		/* the id the next rfork gives (the first vCPU is 0) */
	bool		p_exiting;		/* a vCPU is ending the process */
	struct thread	*p_exiter;		/* ... and waits for the other vCPUs to go */
	struct ring	*p_ring;		/* the shared submission/completion ring, or NULL */
	void		*p_ldt;			/* user TLS descriptors (one page), or NULL */
	/* exit and wait */
	TAILQ_HEAD(, ksysmsg) p_childwait;	/* this process's wait() calls, pending */
	struct lwkt_port p_exitport;		/* put-only: takes the kernel's exit-wait message */
	lwkt_msg_t	p_exitwaiter;		/* replied with the status at exit (kernel's processes) */
	/* signals (kern/kern_sig.c) */
	struct ksigaction p_sigact[NSIG];	/* each signal's action */
	uint32_t	p_sigpending;		/* raised, not delivered yet */
	struct ksiginfo	p_siginfo[NSIG];	/* ... and what each pending one says */
	struct timer_msg p_alarm;		/* alarm: sent to the timer port while armed */
	struct lwkt_port p_alarmport;		/* ... and replied here */
	bool		p_alarm_armed;
	/* the threading model (kern/kern_kse.c) */
	int		p_model;		/* SCHED_DILLON or SCHED_KSE */
	uint32_t	p_nkse;			/* KSE calls blocked: kernel contexts that are no vCPU */
	TAILQ_HEAD(, kse_event) p_kse_events;	/* completed KSE calls: UPC_UNBLOCKED to deliver */
	struct thread	*p_kse_pool[4];		/* ended KSE calls' contexts, for the next vCPU */
	uint32_t	p_npool;
	/* job control (kern_sig.c): stopped by a stop signal's default action until SIGCONT */
	bool		p_stopped;		/* its vCPUs wait on their way back to ring 3 */
	int		p_stopsig;		/* the signal that stopped it */
	int		p_jcreport;		/* JC_STOPPED, JC_CONTINUED: for the parent's wait */
};
enum { JC_NONE, JC_STOPPED, JC_CONTINUED };

TAILQ_HEAD(proclist, proc);
extern struct proclist allproc;
extern uint32_t nprocs;

/*
 * The process table's discipline (docs/smp.md): proc_token serializes, across CPUs, the table
 * (allproc, pids, nprocs), parent and child links, process groups and sessions, and a
 * process's life (p_state, p_childwait, p_exitwaiter, reaping); a critical section inside it
 * keeps out this CPU's deferred interrupt work (the console's Ctrl-C). Like every token it
 * lasts only until the holder blocks: re-check after anything that may block.
 */
extern struct lwkt_token proc_token;

/* proc_table_lock: take proc_token, then a critical section (proc_table_unlock: the reverse). */
static inline void
proc_table_lock(void)
{
	lwkt_gettoken(&proc_token);
	crit_enter();
}

static inline void
proc_table_unlock(void)
{
	crit_exit();
	lwkt_reltoken(&proc_token);
}

#define curproc		(curthread->td_proc)

/* kern/kern_exec.c: loading and running programs */
int	exec_load(struct proc *p, const char *path, const char *args, size_t argslen,
	    const char *env, size_t envlen);
int	proc_run(const char *path, int argc, const char *const *argv, const char *env,
	    int *status);
/* kern/kern_proc.c: the process table, making and ending processes */
struct proc *proc_alloc(const char *name);
void	proc_link(struct proc *p, struct proc *parent, struct thread *td);
void	proc_table_insert(struct proc *p, struct proc *parent);
void	proc_free(struct proc *p);
struct proc *proc_find(pid_t pid);
void	proc_mark_killed(struct proc *p);
void	proc_kill(struct proc *p);
bool	proc_may_signal(const struct proc *from, const struct proc *to);
int	proc_copyin(struct proc *p, uint32_t uaddr, void *kaddr, size_t len);
int	proc_copyout(struct proc *p, uint32_t uaddr, const void *kaddr, size_t len);
/* kern/kern_exit.c: exit and wait */
__attribute__((noreturn)) void proc_exit(int status);
/* kern/kern_vcpu.c: virtual CPUs, entering ring 3, TLS descriptors */
struct trapframe;
__attribute__((noreturn)) void user_enter(struct proc *p, struct trapframe *tf);
__attribute__((noreturn)) void user_start(struct proc *p, uint32_t eip, uint32_t esp);
__attribute__((noreturn)) void vcpu_exit_self(void);
void	ldt_free(struct proc *p);

/* kern/kern_waitstatus.c: why a process ended, as its wait status (abi/wait.h) says */
enum proc_end {
	PEND_EXIT,		/* exit or vcpu_exit: detail is the exit code */
	PEND_KILLED,		/* kill: detail is the signal (SIGKILL until signals exist) */
	PEND_FAULT,		/* a CPU fault in ring 3: detail is the vector */
};
int	proc_wait_status(enum proc_end why, int detail);
/* kern/kern_sig.c: signals and upcalls */
struct syscall_regs;
void	sig_proc_init(struct proc *p);
void	sig_fork(struct proc *child, const struct proc *parent, struct thread *ctd);
void	sig_exec(struct proc *p);
void	sig_exit(struct proc *p);
void	sig_post(struct proc *p, int sig, int code, int pid, int status);
bool	sig_deliverable(struct proc *p, struct thread *td);
int	sig_pgrp(pid_t pgid, int sig, bool check);
bool	sig_fault(struct trapframe *tf, int vector, uint32_t addr);
int	sig_jobctl_take(struct proc *child, int options);
void	sig_stopped_wait(void);
void	proc_jobctl_wake(struct proc *child);
void	sig_ast_trap(struct trapframe *tf);
void	sig_ast_syscall(struct syscall_regs *r);
int	fault_signal(int vector);
struct upcall_ctx;
struct upcall_msg;
struct syscall_frame;
struct upcall_to {			/* where an upcall sends the vCPU: its entry, the frame */
	uint32_t	eip, esp;
};
bool	upcall_push(struct thread *td, const struct upcall_ctx *ctx, const struct upcall_msg *m,
	    struct upcall_to *to);
uint32_t sig_vcpu_mask(struct proc *p, struct thread *td);
void	upcall_ctx_of_syscall(struct upcall_ctx *c, const struct syscall_regs *r,
	    const struct syscall_frame *sf);

/* kern/kern_kse.c: Elischer's model (docs/dillon-vs-kse.md) */
struct ksysmsg;
void	kse_proc_init(struct proc *p);
bool	kse_block(struct proc *p, struct ksysmsg *ksm);
__attribute__((noreturn)) void kse_call_return(struct syscall_regs *r);
bool	kse_deliver(struct thread *td, struct upcall_ctx *ctx, uint32_t mask, struct upcall_to *to);
bool	kse_pending(struct proc *p, struct thread *td);
int	kse_abort(struct proc *p, uint32_t uaddr);
void	kse_exit(struct proc *p);
void	kse_pool_end(struct proc *p);
struct kse_stats {
	uint32_t	calls;		/* KSE calls blocked now (each a kernel thread and stack) */
	uint32_t	pooled;		/* ended calls' contexts kept in processes' pools */
	uint64_t	blocked;	/* UPC_BLOCKED upcalls made */
	uint64_t	unblocked;	/* UPC_UNBLOCKED upcalls delivered */
};
extern struct kse_stats kse_stats;

/* kern/kern_pgrp.c: process groups and sessions */
void	pgrp_inherit(struct proc *child, struct proc *parent);
pid_t	pgrp_foreground(void);


/* The process's vCPUs: its threads (p_threads) that are not KSE call contexts, nor its polled
 * ring's thread (no vCPUs). */
#define FOREACH_VCPU(p, td)						\
	TAILQ_FOREACH(td, &(p)->p_threads, td_plink)			\
		if (!((td)->td_flags & (TDF_KSECALL | TDF_KSEPOOL | TDF_KPOLL)))

/*
 * A process's home CPU (kern/kern_vcpu_place.c): where its kernel state is guarded, by critical
 * sections, and so where every vCPU's system calls, faults and signals run; its vCPUs' ring-3
 * code runs on the CPUs they are placed on. p_threads changes and is walked there only.
 */
#define PROC_HOME_CPU	0
extern uint32_t vcpu_moves;
int	vcpu_place(const struct proc *p, int id);
void	vcpu_go_home(void);
void	vcpu_go_back(void);
void	proc_forget_everywhere(struct proc *p);
void	proc_thread_add(struct proc *p, struct thread *td);
void	proc_thread_remove(struct thread *td);

#endif
