/*
 * Signals, delivered as upcalls (docs/upcalls.md).
 *
 * A process's signals are kernel state: each one's action (p_sigact, set by sigaction) and the
 * pending set (p_sigpending, with what each pending one says). The mask is not: it is the mask of
 * the user thread a vCPU runs, a word in that vCPU's upcall area in user memory, which libcr keeps
 * (sigprocmask, a thread switch) and the kernel reads to choose the vCPU a signal interrupts.
 *
 * Posting (sig_post) drops a signal whose action is to ignore it, ends the process for SIGKILL,
 * and otherwise marks it pending and flags one vCPU that does not block it (TDA_UPCALL): one that
 * waits in a synchronous call has that call cut short through its abort function (it answers
 * EINTR, or starts again after the handler under SA_RESTART), an idle one is woken, one in user
 * code takes it at its next interrupt. Delivery happens on the vCPU's way back to ring 3
 * (sig_ast_syscall, sig_ast_trap): a default action runs in the kernel (terminate, or nothing);
 * a handler gets an upcall: the interrupted context and a message pushed on the user stack, and
 * the vCPU enters its registered entry, which calls the handler and upcall_resume. A vCPU idle in
 * waitport takes a signal no running thread accepts: libcr's idle thread hands it to a parked
 * thread that does not block it, aborting that thread's call (docs/upcalls.md).
 *
 * Job control: a stop signal's default action stops the whole process (sig_stop): every vCPU
 * waits on its way back to ring 3 (sig_stopped_wait) until SIGCONT is raised for it (even
 * blocked or ignored: sig_post) or it is killed; the parent hears of both by SIGCHLD (unless
 * SA_NOCLDSTOP) and by wait with WUNTRACED or WCONTINUED (sig_jobctl_take).
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/globaldata.h>
#include <sys/proc.h>
#include <sys/sysmsg.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/timer.h>
#include <sys/uaccess.h>
#include <string.h>
#include <machine/cpufunc.h>
#include <machine/segments.h>
#include <machine/trap.h>
#include <abi/signal.h>
#include <abi/upcall.h>
#include <abi/wait.h>

#define STOPSIGS	(SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU))

#define SIGBIT(sig)	__SIGBIT(sig)
#define PSL_USERCHANGE	0x00000cd5	/* CF PF AF ZF SF DF OF: what upcall_resume may set */

/* What a signal does when its action is SIG_DFL (POSIX.1-2017, <signal.h>). */
enum sigdfl { DFL_TERM, DFL_CORE, DFL_IGNORE, DFL_STOP, DFL_CONT };

static enum sigdfl
sig_default(int sig)
{
	switch (sig) {
	case SIGCHLD: case SIGURG: case SIGWINCH:
		return DFL_IGNORE;
	case SIGCONT:
		return DFL_CONT;
	case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
		return DFL_STOP;
	case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE:
	case SIGSEGV: case SIGXCPU: case SIGXFSZ: case SIGSYS:
		return DFL_CORE;
	default:
		return DFL_TERM;
	}
}

static const char *const signames[NSIG] = {
	[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
	[SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT", [SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE",
	[SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM", [SIGCHLD] = "SIGCHLD",
	[SIGCONT] = "SIGCONT", [SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP", [SIGTTIN] = "SIGTTIN",
	[SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG", [SIGXCPU] = "SIGXCPU", [SIGXFSZ] = "SIGXFSZ",
	[SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGWINCH] = "SIGWINCH",
	[SIGSYS] = "SIGSYS",
};

/* sig_name: "SIGINT", or "signal N" for a number with no name. */
static const char *
sig_name(int sig)
{
	return sig > 0 && sig < NSIG && signames[sig] != NULL ? signames[sig] : "signal";
}

/*
 * sig_discarded: is sig thrown away when raised? When its action is SIG_IGN, or SIG_DFL with a
 * default of ignore; SIGCONT's default too (sig_post has continued the process already).
 */
static bool
sig_discarded(const struct proc *p, int sig)
{
	uint32_t h = p->p_sigact[sig].ksa_handler;

	if (sig == SIGKILL)
		return false;
	if (h == __SIG_IGN)
		return true;
	return h == __SIG_DFL && (sig_default(sig) == DFL_IGNORE || sig_default(sig) == DFL_CONT);
}

/* -- job control ---------------------------------------------------------------------------------- */

/*
 * jobctl_tell: p stopped or was continued (report, JC_*): its parent gets SIGCHLD (unless its
 * SIGCHLD action says SA_NOCLDSTOP) and a wait that asks for it is answered. In a section.
 */
static void
jobctl_tell(struct proc *p, int report, int code, int status)
{
	struct proc *parent = p->p_parent;

	p->p_jcreport = report;
	if (parent == NULL)
		return;
	if ((parent->p_sigact[SIGCHLD].ksa_flags & SA_NOCLDSTOP) == 0)
		sig_post(parent, SIGCHLD, code, p->p_pid, status);
	proc_jobctl_wake(p);
}

/*
 * sig_stop: the default action of stop signal sig, delivered on the calling vCPU: the process
 * stops; every vCPU waits at its next return to ring 3 (TDA_UPCALL; one computing in ring 3
 * at its next interrupt, trap.c; a call another vCPU waits in goes on until it completes).
 * In a section.
 */
static void
sig_stop(struct proc *p, int sig)
{
	thread_t td;

	if (p->p_stopped)
		return;
	p->p_stopped = true;
	p->p_stopsig = sig;
	FOREACH_VCPU(p, td)
		td_ast_set(td, TDA_UPCALL);
	jobctl_tell(p, JC_STOPPED, CLD_STOPPED, sig);
}

/* sig_continue: SIGCONT for stopped p: it runs again (its vCPUs are woken). In a section. */
static void
sig_continue(struct proc *p)
{
	p->p_stopped = false;
	wake_proc(p);
	jobctl_tell(p, JC_CONTINUED, CLD_CONTINUED, SIGCONT);
}

/*
 * sig_stopped_wait: the calling vCPU, on its way back to ring 3, waits while its process is
 * stopped; a SIGKILL meanwhile ends the process.
 */
void
sig_stopped_wait(void)
{
	thread_t td = curthread;
	struct proc *p = td->td_proc;

	crit_enter();
	while (p->p_stopped && !p->p_killed) {
		__atomic_and_fetch(&td->td_ast, ~TDA_SIGINTR, __ATOMIC_RELAXED);
		proc_sleep(p, "stopped", &p->p_stopped);
	}
	crit_exit();
	if (p->p_killed) {
		sti();
		proc_exit(proc_wait_status(PEND_KILLED, SIGKILL));
	}
}

/*
 * sig_jobctl_take: the wait status a wait with options gets for child's stop (WUNTRACED) or
 * continue (WCONTINUED), taken (reported once); -1 when there is none to report.
 */
int
sig_jobctl_take(struct proc *child, int options)
{
	if (child->p_state != PS_RUN)
		return -1;
	if ((options & WUNTRACED) && child->p_jcreport == JC_STOPPED && child->p_stopped) {
		child->p_jcreport = JC_NONE;
		return W_STOPPED(child->p_stopsig);
	}
	if ((options & WCONTINUED) && child->p_jcreport == JC_CONTINUED) {
		child->p_jcreport = JC_NONE;
		return W_CONTINUED;
	}
	return -1;
}

/* sig_fatal: does sig end p when delivered (its default action terminates)? */
static bool
sig_fatal(const struct proc *p, int sig)
{
	return p->p_sigact[sig].ksa_handler == __SIG_DFL && sig_default(sig) <= DFL_CORE;
}

/* -- the mask: a word of the vCPU's upcall area ------------------------------------------------- */

/* vcpu_mask: what the thread vCPU td runs blocks now (0 without an upcall area). */
static uint32_t
vcpu_mask(struct proc *p, thread_t td)
{
	uint32_t m = 0;

	if (td->td_upcall_area == 0 || proc_copyin(p, td->td_upcall_area, &m, sizeof(m)) != 0)
		return 0;
	return m & ~__SIG_CANTMASK;
}

/* sig_vcpu_mask: vcpu_mask, for kern_kse.c. */
uint32_t
sig_vcpu_mask(struct proc *p, thread_t td)
{
	return vcpu_mask(p, td);
}

/* vcpu_setmask: make mask the calling vCPU's (an unwritable area: the mask stays as it is). */
static void
vcpu_setmask(thread_t td, uint32_t mask)
{
	mask &= ~__SIG_CANTMASK;
	if (td->td_upcall_area != 0)
		copyout(&mask, (void *)td->td_upcall_area, sizeof(mask));
}

/*
 * sig_deliverable: has the process a pending signal td does not block? (An idle vCPU's waitport
 * returns for it: libcr's idle thread takes it, and hands it to a thread.)
 */
bool
sig_deliverable(struct proc *p, thread_t td)
{
	if (p->p_sigpending == 0 || (p->p_sigpending & ~vcpu_mask(p, td)) == 0)
		return false;
	td_ast_set(td, TDA_UPCALL);
	return true;
}

/* -- posting ------------------------------------------------------------------------------------------ */

/*
 * sig_notify: flag a vCPU of p that does not block sig (the caller's own first): it takes the
 * signal on its way back to ring 3. A vCPU waiting in a synchronous call has it cut short; an
 * idle one is woken; a fatal signal cuts short any other wait as well. None: it stays pending
 * until a vCPU unblocks it (sigprocmask, sigsuspend, upcall_resume, a switch seen at a tick).
 */
static void
sig_notify(struct proc *p, int sig)
{
	thread_t td, pick = NULL;

	if (curthread->td_proc == p && (vcpu_mask(p, curthread) & SIGBIT(sig)) == 0) {
		pick = curthread;
	} else {
		/* A vCPU running a thread first; an idle one (libcr routes it from there) last; one
		 * in sigtimedwait for it takes it even if it blocks it. */
		FOREACH_VCPU(p, td)
			if ((vcpu_mask(p, td) & ~td->td_waitset & SIGBIT(sig)) == 0 &&
			    (pick == NULL || ((pick->td_flags & TDF_IDLEWAIT) &&
			    !(td->td_flags & TDF_IDLEWAIT))))
				pick = td;
	}
	if (pick == NULL)
		return;
	td_ast_set(pick, TDA_UPCALL);
	/* (The caller's own vCPU too: an interrupt may post while it is about to wait.) */
	if ((pick->td_flags & TDF_SYNCWAIT) || (pick != curthread && sig_fatal(p, sig))) {
		td_ast_set(pick, TDA_SIGINTR);
		if (pick->td_flags & TDF_PSLEEP)
			lwkt_schedule(pick);
	}
	if (pick == curthread)
		return;
	if (pick->td_flags & TDF_IDLEWAIT) {
		td_flags_set(pick, TDF_VWAKE);
		lwkt_schedule(pick);
	}
}

/*
 * sig_post: raise sig for process p, sent by pid (0: the kernel) with si_code code (and, for
 * SIGCHLD, the child's status). From any context. SIGKILL ends p; an ignored signal is dropped.
 */
void
sig_post(struct proc *p, int sig, int code, int pid, int status)
{
	struct ksiginfo *si;

	if (sig <= 0 || sig >= NSIG)
		return;
	crit_enter();
	if (p->p_state != PS_RUN || p->p_exiting || p->p_killed) {
		crit_exit();
		return;
	}
	if (sig == SIGKILL) {
		proc_kill(p);
		crit_exit();
		return;
	}
	if (sig == SIGCONT) {			/* continues, even if blocked or ignored */
		p->p_sigpending &= ~STOPSIGS;
		if (p->p_stopped)
			sig_continue(p);
	} else if (STOPSIGS & SIGBIT(sig)) {
		p->p_sigpending &= ~SIGBIT(SIGCONT);
	}
	if (sig_discarded(p, sig)) {
		crit_exit();
		return;
	}
	p->p_sigpending |= SIGBIT(sig);
	si = &p->p_siginfo[sig];
	memset(si, 0, sizeof(*si));
	si->si_signo = sig;
	si->si_code = code;
	si->si_pid = pid;
	si->si_status = status;
	sig_notify(p, sig);
	crit_exit();
}

/*
 * sig_pgrp: raise sig in every process of group pgid (-1: every process but the caller); with
 * check, only those the caller may signal (proc_may_signal), as the caller's (SI_USER); without,
 * as the kernel's (the console's Ctrl-C). ESRCH: nobody in the group; EPERM: nobody the caller
 * may signal.
 */
int
sig_pgrp(pid_t pgid, int sig, bool check)
{
	struct proc *p, *next, *self = curthread->td_proc;
	int found = 0, sent = 0;

	proc_table_lock();	/* the console's caller holds proc_token already: never waits */
	for (p = TAILQ_FIRST(&allproc); p != NULL; p = next) {
		next = TAILQ_NEXT(p, p_list);
		if (p->p_state != PS_RUN || (pgid != -1 && p->p_pgid != pgid) ||
		    (pgid == -1 && p == self))
			continue;
		found++;
		if (check && !proc_may_signal(self, p))
			continue;
		sent++;
		if (sig != 0)
			sig_post(p, sig, check ? SI_USER : SI_KERNEL, check && self ? self->p_pid : 0, 0);
	}
	proc_table_unlock();
	return found == 0 ? ESRCH : sent == 0 ? EPERM : 0;
}

/*
 * sys_kill: POSIX kill. pid > 0: that process; 0: the caller's process group; -1: every process
 * the caller may signal but itself; < -1: group -pid. sig 0 checks only. The rule of who may
 * signal whom is proc_may_signal's (docs/reliability.md): itself and its descendants.
 */
int
sys_kill(struct kill_msg *msg)
{
	struct proc *p, *self = curproc;
	int error = 0;

	if (msg->sig < 0 || msg->sig >= NSIG)
		return EINVAL;
	if (msg->pid <= 0)
		return sig_pgrp(msg->pid == 0 ? self->p_pgid : msg->pid == -1 ? -1 : -msg->pid,
		    msg->sig, true);
	proc_table_lock();
	if ((p = proc_find(msg->pid)) == NULL)
		error = ESRCH;
	else if (!proc_may_signal(self, p))
		error = EPERM;
	else if (msg->sig != 0)
		sig_post(p, msg->sig, SI_USER, self->p_pid, 0);
	proc_table_unlock();
	return error;
}

/* -- delivery --------------------------------------------------------------------------------------- */

/* sig_terminate: the default action of a fatal sig: the process ends, killed by it. */
static __attribute__((noreturn)) void
sig_terminate(struct proc *p, int sig)
{
	if (sig_default(sig) == DFL_CORE)
		printf("proc %d (%s): %s: terminated (core dump: Damselfly writes none)\n", p->p_pid,
		    p->p_comm, sig_name(sig));
	sti();
	proc_exit(proc_wait_status(PEND_KILLED, sig));
}

/* on_altstack: is esp on td's alternate signal stack? */
static bool
on_altstack(const struct thread *td, uint32_t esp)
{
	return td->td_altsize != 0 && esp - td->td_altstack < td->td_altsize;
}

/*
 * upcall_push_at: push an upcall frame (ctx, m) below top (ctx's stack pointer, or the top of
 * the alternate stack), 16-byte aligned for the entry's C arguments; false when it does not fit
 * in writable user memory.
 */
static bool
upcall_push_at(thread_t td, const struct upcall_ctx *ctx, const struct upcall_msg *m,
    struct upcall_to *to, uint32_t top)
{
	struct upcall_frame f;
	uint32_t base = (top - sizeof(f)) & ~15u, sp = base - 4, n;

	if (td->td_upcall_entry == 0 || top - USER_BASE > USER_SPAN ||
	    !user_range(sp, sizeof(f)))
		return false;
	memset(&f, 0, sizeof(f));
	f.uf_msg = (struct upcall_msg *)(sp + __builtin_offsetof(struct upcall_frame, uf_msgbuf));
	f.uf_ctx = (struct upcall_ctx *)(sp + __builtin_offsetof(struct upcall_frame, uf_ctxbuf));
	f.uf_area = (struct upcall_area *)td->td_upcall_area;
	f.uf_msgbuf = *m;
	f.uf_ctxbuf = *ctx;
	if (copyout(&f, (void *)sp, sizeof(f)) != 0)
		return false;
	to->eip = td->td_upcall_entry;
	to->esp = sp;
	if (td->td_upcall_area != 0 && copyin((void *)(td->td_upcall_area + 8), &n, 4) == 0) {
		n++;
		copyout(&n, (void *)(td->td_upcall_area + 8), 4);	/* ua_upcalls */
	}
	return true;
}

/* upcall_push: upcall_push_at below ctx's own stack pointer (kern_kse.c's upcalls too). */
bool
upcall_push(thread_t td, const struct upcall_ctx *ctx, const struct upcall_msg *m,
    struct upcall_to *to)
{
	return upcall_push_at(td, ctx, m, to, ctx->uc_esp);
}

/*
 * sig_enter: run sig's handler act on vCPU td: restart the interrupted call first if asked
 * (restart: its message, when it was cut short by EINTR) and SA_RESTART says so, push the upcall,
 * mask what the handler masks. False when the frame could not be pushed.
 */
static bool
sig_enter(thread_t td, struct upcall_ctx *ctx, uint32_t oldmask, uint32_t curmask, int sig,
    const struct ksigaction *act, const struct ksiginfo *si, uint32_t restart,
    struct upcall_to *to)
{
	struct upcall_msg m;

	memset(&m, 0, sizeof(m));
	m.um_type = UPC_SIGNAL;
	m.um_action = *act;
	m.um_info = *si;
	if (restart != 0 && ctx->uc_eax == EINTR && (act->ksa_flags & SA_RESTART)) {
		ctx->uc_eax = restart;		/* the handler returns into the trap again */
		ctx->uc_eip -= 2;		/* int $0x80 */
	}
	ctx->uc_sigmask = oldmask;
	/* SA_ONSTACK: on the alternate stack, unless a handler runs on it already (nested) */
	if ((act->ksa_flags & SA_ONSTACK) && td->td_altsize != 0 && !on_altstack(td, ctx->uc_esp)) {
		if (!upcall_push_at(td, ctx, &m, to, td->td_altstack + td->td_altsize))
			return false;
	} else if (!upcall_push(td, ctx, &m, to)) {
		return false;
	}
	if (act->ksa_flags & SA_RESETHAND) {
		td->td_proc->p_sigact[sig].ksa_handler = __SIG_DFL;
		td->td_proc->p_sigact[sig].ksa_flags &= ~SA_SIGINFO;
	}
	vcpu_setmask(td, curmask | act->ksa_mask | ((act->ksa_flags & SA_NODEFER) ? 0 : SIGBIT(sig)));
	td->td_suspended = false;
	return true;
}

/*
 * sig_cantdeliver: the handler cannot be entered (no upcall entry, or no room for the frame):
 * report, and end as SIGSEGV would.
 */
static __attribute__((noreturn)) void
sig_cantdeliver(thread_t td, int sig, const struct upcall_ctx *ctx)
{
	struct proc *p = td->td_proc;

	if (td->td_upcall_entry == 0)
		printf("proc %d (%s): %s has a handler but the vCPU no upcall entry: killed\n",
		    p->p_pid, p->p_comm, sig_name(sig));
	else
		printf("proc %d (%s): %s: no room for the upcall frame below esp 0x%08x: killed\n",
		    p->p_pid, p->p_comm, sig_name(sig), ctx->uc_esp);
	sti();
	proc_exit(proc_wait_status(PEND_KILLED, SIGSEGV));
}

/*
 * sig_deliver: the calling vCPU takes the lowest pending signal it does not block: a default
 * action now (it may end the process), or an upcall to the handler. Then, if none, a poke.
 * Answers whether an upcall was set up (to says where to go); *handled says a handler runs.
 */
static bool
sig_deliver(thread_t td, struct upcall_ctx *ctx, uint32_t restart, struct upcall_to *to)
{
	struct proc *p = td->td_proc;
	uint32_t mask = vcpu_mask(p, td), ready;
	uint32_t oldmask = td->td_suspended ? td->td_suspmask : mask;

	crit_enter();
	while ((ready = p->p_sigpending & ~mask) != 0) {
		int sig = __builtin_ctz(ready) + 1;
		struct ksigaction act = p->p_sigact[sig];
		struct ksiginfo si = p->p_siginfo[sig];

		p->p_sigpending &= ~SIGBIT(sig);
		if (act.ksa_handler == __SIG_IGN)
			continue;
		if (act.ksa_handler == __SIG_DFL) {
			if (sig_default(sig) <= DFL_CORE) {
				crit_exit();
				sig_terminate(p, sig);
			}
			if (sig_default(sig) == DFL_STOP) {
				sig_stop(p, sig);
				crit_exit();
				sig_stopped_wait();	/* until SIGCONT (or SIGKILL) */
				crit_enter();
			}
			continue;
		}
		crit_exit();
		if (!sig_enter(td, ctx, oldmask, mask, sig, &act, &si, restart, to))
			sig_cantdeliver(td, sig, ctx);
		return true;
	}
	crit_exit();
	if (td->td_poked && td->td_upcall_entry != 0) {
		struct upcall_msg m;

		memset(&m, 0, sizeof(m));
		m.um_type = UPC_POKE;
		m.um_info.si_pid = td->td_poker;
		ctx->uc_sigmask = mask;
		td->td_poked = false;
		if (upcall_push(td, ctx, &m, to))
			return true;
	}
	if (__builtin_expect(!TAILQ_EMPTY(&p->p_kse_events), 0))
		return kse_deliver(td, ctx, mask, to);	/* a KSE call completed: UPC_UNBLOCKED */
	return false;
}

/* upcall_ctx_of_syscall: the context of a vCPU returning from a call: frame and registers. */
void
upcall_ctx_of_syscall(struct upcall_ctx *c, const struct syscall_regs *r,
    const struct syscall_frame *sf)
{
	memset(c, 0, sizeof(*c));
	c->uc_ebx = r->sr_ebx;
	c->uc_esi = r->sr_esi;
	c->uc_edi = r->sr_edi;
	c->uc_ebp = r->sr_ebp;
	c->uc_eax = r->sr_eax;
	c->uc_ecx = sf->sf_ecx;
	c->uc_edx = sf->sf_edx;
	c->uc_eip = sf->sf_eip;
	c->uc_esp = sf->sf_esp;
	c->uc_eflags = sf->sf_eflags;
	c->uc_flags = UCF_SYSCALL;
	c->uc_trapno = T_SYSCALL;
}

/*
 * sig_ast_syscall: the calling vCPU returns to ring 3 from a call, with a signal, a poke, an
 * interrupted call or upcall_resume to see to (td_ast). r and its syscall frame are what ring 3
 * gets back; an upcall or a resume rewrites them.
 */
void
sig_ast_syscall(struct syscall_regs *r)
{
	thread_t td = curthread;
	struct syscall_frame *sf = syscall_frame_of(td);
	uint32_t restart = td->td_sysrestart;
	struct upcall_ctx ctx;
	struct upcall_to to;

	__atomic_and_fetch(&td->td_ast, ~(TDA_UPCALL | TDA_SIGINTR | TDA_RESUME), __ATOMIC_RELAXED);
	td->td_sysrestart = 0;
	if (td->td_proc->p_stopped)
		sig_stopped_wait();		/* job control: another vCPU stopped the process */
	if (td->td_resuming) {
		const struct upcall_ctx *c = &td->td_resumectx;

		td->td_resuming = false;
		restart = 0;
		r->sr_ebx = c->uc_ebx;
		r->sr_esi = c->uc_esi;
		r->sr_edi = c->uc_edi;
		r->sr_ebp = c->uc_ebp;
		r->sr_eax = c->uc_eax;
		sf->sf_ecx = c->uc_ecx;
		sf->sf_edx = c->uc_edx;
		sf->sf_eip = c->uc_eip;
		sf->sf_esp = c->uc_esp;
		sf->sf_eflags = (sf->sf_eflags & ~PSL_USERCHANGE) | (c->uc_eflags & PSL_USERCHANGE);
		vcpu_setmask(td, c->uc_sigmask);
	}
	upcall_ctx_of_syscall(&ctx, r, sf);
	if (sig_deliver(td, &ctx, restart, &to)) {
		sf->sf_eip = to.eip;
		sf->sf_esp = to.esp;
		sf->sf_eflags &= ~(PSL_T | PSL_D);
	} else if (restart != 0 && r->sr_eax == EINTR) {
		r->sr_eax = restart;		/* no handler ran here: the call starts again */
		sf->sf_eip -= 2;
	}
	if (td->td_suspended) {			/* sigsuspend, and no handler ran here */
		td->td_suspended = false;
		vcpu_setmask(td, td->td_suspmask);
	}
}

/* ctx_of_trap: the context of a vCPU interrupted in ring 3. */
static void
ctx_of_trap(struct upcall_ctx *c, const struct trapframe *tf)
{
	c->uc_edi = tf->tf_edi;
	c->uc_esi = tf->tf_esi;
	c->uc_ebp = tf->tf_ebp;
	c->uc_ebx = tf->tf_ebx;
	c->uc_edx = tf->tf_edx;
	c->uc_ecx = tf->tf_ecx;
	c->uc_eax = tf->tf_eax;
	c->uc_eip = tf->tf_eip;
	c->uc_eflags = tf->tf_eflags;
	c->uc_esp = tf->tf_esp;
	c->uc_sigmask = 0;
	c->uc_flags = 0;
	c->uc_trapno = tf->tf_trapno;
	c->uc_err = tf->tf_err;
}

/* sig_ast_trap: an interrupt came in ring 3 and a signal or poke may be due: take it now. */
void
sig_ast_trap(struct trapframe *tf)
{
	thread_t td = curthread;
	struct upcall_ctx ctx;
	struct upcall_to to;

	sti();
	__atomic_and_fetch(&td->td_ast, ~(TDA_UPCALL | TDA_SIGINTR), __ATOMIC_RELAXED);
	if (td->td_proc->p_stopped)
		sig_stopped_wait();
	ctx_of_trap(&ctx, tf);
	if (sig_deliver(td, &ctx, 0, &to)) {
		tf->tf_eip = to.eip;
		tf->tf_esp = to.esp;
		tf->tf_eflags &= ~(PSL_T | PSL_D);
	}
}

/*
 * sig_fault: a fault in ring 3 is its signal (fault_signal), delivered at once to the faulting
 * vCPU when the process has a handler for it that the vCPU does not block. False: there is
 * none (or its frame does not fit): the caller reports the fault and ends the process.
 */
bool
sig_fault(struct trapframe *tf, int vector, uint32_t addr)
{
	thread_t td = curthread;
	struct proc *p = td->td_proc;
	int sig = fault_signal(vector);
	struct ksigaction act = p->p_sigact[sig];
	uint32_t mask;
	struct ksiginfo si;
	struct upcall_ctx ctx;
	struct upcall_to to;

	if (td->td_upcall_entry == 0 || act.ksa_handler == __SIG_DFL ||
	    act.ksa_handler == __SIG_IGN || ((mask = vcpu_mask(p, td)) & SIGBIT(sig)))
		return false;
	sti();
	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = sig == SIGSEGV ? ((tf->tf_err & 1) ? SEGV_ACCERR : SEGV_MAPERR) :
	    sig == SIGFPE ? FPE_INTDIV : sig == SIGILL ? ILL_ILLOPC : sig == SIGBUS ? BUS_ADRERR :
	    SI_KERNEL;
	si.si_addr = (void *)(vector == T_PAGEFLT ? addr : tf->tf_eip);
	ctx_of_trap(&ctx, tf);
	ctx.uc_flags = UCF_FAULT;
	if (!sig_enter(td, &ctx, mask, mask, sig, &act, &si, 0, &to)) {
		printf("proc %d (%s): %s handler: no room for the upcall frame below esp 0x%08x\n",
		    p->p_pid, p->p_comm, sig_name(sig), ctx.uc_esp);
		return false;
	}
	tf->tf_eip = to.eip;
	tf->tf_esp = to.esp;
	tf->tf_eflags &= ~(PSL_T | PSL_D);
	return true;
}

/* -- the calls ------------------------------------------------------------------------------------ */

/*
 * sys_upcall_register: the calling vCPU's upcall entry and area (abi/upcall.h); entry 0 (any
 * area) unregisters both. EFAULT: entry is not a user address, or area is not writable;
 * EINVAL: area is not 4-byte aligned.
 */
int
sys_upcall_register(struct upcall_register_msg *msg)
{
	thread_t td = curthread;
	uint32_t area = msg->area, id = (uint32_t)td->td_vcpuid;

	if (msg->entry == 0) {
		td->td_upcall_entry = td->td_upcall_area = 0;
		return 0;
	}
	if (msg->entry < USER_BASE || msg->entry >= USER_TOP)
		return EFAULT;
	if (!user_range(area, sizeof(struct upcall_area)))
		return EFAULT;
	if (area & 3)
		return EINVAL;
	if (copyout(&id, (void *)(area + __builtin_offsetof(struct upcall_area, ua_vcpu)),
	    sizeof(id)) != 0)
		return EFAULT;
	td->td_upcall_entry = msg->entry;
	td->td_upcall_area = area;
	td_ast_set(td, TDA_UPCALL);		/* a pending signal it does not block comes now */
	msg->hdr.ms_result = id;
	return 0;
}

/*
 * sys_upcall_resume: back to the context ctx (its registers, its flags that user code may set,
 * its signal mask) when the call returns; a signal the new mask lets through is delivered on the
 * way, as an upcall from that context. EFAULT: ctx unreadable.
 */
int
sys_upcall_resume(struct upcall_resume_msg *msg)
{
	thread_t td = curthread;

	if (copyin(msg->ctx, &td->td_resumectx, sizeof(td->td_resumectx)) != 0)
		return EFAULT;
	td->td_resuming = true;
	td_ast_set(td, TDA_RESUME | TDA_UPCALL);
	return EJUSTRETURN;
}

/*
 * sys_sigaction: POSIX sigaction on the kernel's struct ksigaction. EINVAL: a bad signal, SIGKILL
 * or SIGSTOP caught or ignored, unknown flags; EFAULT: act or oact unreadable/unwritable, or a
 * handler that is no user address. Ignoring a signal drops it if pending.
 */
int
sys_sigaction(struct sigaction_msg *msg)
{
	struct proc *p = curproc;
	struct ksigaction act;
	int sig = msg->sig;

	if (sig <= 0 || sig >= NSIG)
		return EINVAL;
	if (msg->act != 0) {
		if (copyin((const void *)msg->act, &act, sizeof(act)) != 0)
			return EFAULT;
		if ((act.ksa_flags & ~SA_KNOWN) != 0 ||
		    ((sig == SIGKILL || sig == SIGSTOP) && act.ksa_handler != __SIG_DFL))
			return EINVAL;
		if (act.ksa_handler > __SIG_IGN &&
		    (act.ksa_handler < USER_BASE || act.ksa_handler >= USER_TOP))
			return EFAULT;
	}
	if (msg->oact != 0 && copyout(&p->p_sigact[sig], (void *)msg->oact, sizeof(act)) != 0)
		return EFAULT;
	if (msg->act != 0) {
		act.ksa_mask &= ~__SIG_CANTMASK;
		crit_enter();
		p->p_sigact[sig] = act;
		if (sig_discarded(p, sig))
			p->p_sigpending &= ~SIGBIT(sig);
		crit_exit();
	}
	return 0;
}

/*
 * sys_sigprocmask: the calling vCPU's mask (its upcall area's word, which libcr keeps as the
 * running thread's); answers the old one. A pending signal it unblocks comes as the call returns.
 * EINVAL: a bad how, or no upcall area.
 */
int
sys_sigprocmask(struct sigprocmask_msg *msg)
{
	thread_t td = curthread;
	uint32_t old, new;

	if (td->td_upcall_area == 0)
		return EINVAL;
	old = vcpu_mask(td->td_proc, td);
	switch (msg->how) {
	case SIG_BLOCK:
		new = old | msg->set;
		break;
	case SIG_UNBLOCK:
		new = old & ~msg->set;
		break;
	case SIG_SETMASK:
		new = msg->set;
		break;
	default:
		return EINVAL;
	}
	vcpu_setmask(td, new);
	if (td->td_proc->p_sigpending & ~new)
		td_ast_set(td, TDA_UPCALL);
	msg->hdr.ms_result = old;
	return 0;
}

int
sys_sigpending(struct sigpending_msg *msg)
{
	msg->hdr.ms_result = curproc->p_sigpending;
	return 0;
}

/*
 * sys_sigsuspend: wait with mask as the vCPU's mask until a signal it lets through comes (or the
 * process is killed); the handler then runs with the old mask to go back to. Answers EINTR.
 * The vCPU waits as a whole: its other user threads wait too (docs/upcalls.md).
 */
int
sys_sigsuspend(struct sigsuspend_msg *msg)
{
	thread_t td = curthread;
	struct proc *p = curproc;
	uint32_t mask = msg->mask & ~__SIG_CANTMASK;

	if (td->td_upcall_area == 0)
		return EINVAL;
	td->td_suspmask = vcpu_mask(p, td);
	td->td_suspended = true;
	vcpu_setmask(td, mask);
	crit_enter();
	td_flags_set(td, TDF_SYNCWAIT);
	while ((p->p_sigpending & ~mask) == 0 && proc_sleep(p, "sigsuspend", &p->p_sigpending) == 0)
		;
	td_flags_clear(td, TDF_SYNCWAIT);
	crit_exit();
	td_ast_set(td, TDA_UPCALL);
	return EINTR;
}

/* sigwait_timer_reply: sigtimedwait's timeout came back (fired, or aborted): wake the waiter. */
static void
sigwait_timer_reply(lwkt_port_t port, lwkt_msg_t msg)
{
	msg->ms_flags |= MSGF_DONE | MSGF_REPLY;
	lwkt_schedule((thread_t)port->mp_arg);
}

/*
 * sys_sigtimedwait: wait until a signal of set (less SIGKILL and SIGSTOP) is pending and take
 * it, its action not run: answers its number, its siginfo at info. A signal of set that the
 * vCPU blocks still wakes it (sig_notify looks at td_waitset). timeout_ns < 0: no limit; 0:
 * only look; else a timer message. EAGAIN: none in time; EINTR: another signal is to be
 * delivered; EINVAL: a timeout over a day; EFAULT: info. The vCPU waits as a whole.
 */
int
sys_sigtimedwait(struct sigtimedwait_msg *msg)
{
	thread_t td = curthread;
	struct proc *p = td->td_proc;
	uint32_t set = msg->set & ~__SIG_CANTMASK;
	struct timer_msg tm;
	struct lwkt_port tport;
	struct ksiginfo si;
	int sig = 0, error = 0;
	bool armed = false;

	if (msg->timeout_ns > 86400ll * 1000000000ll)
		return EINVAL;
	if (msg->info != 0 && !user_range(msg->info, sizeof(si)))
		return EFAULT;
	crit_enter();
	td->td_waitset = set;
	td_flags_set(td, TDF_SYNCWAIT);
	if (msg->timeout_ns > 0) {
		lwkt_initport_replyonly(&tport);
		tport.mp_replyport = sigwait_timer_reply;
		tport.mp_arg = td;
		timer_msg_init(&tm, &tport,
		    (uint32_t)((msg->timeout_ns + (1000000000 / HZ) - 1) / (1000000000 / HZ)));
		lwkt_sendmsg(&timer_port, &tm.tm_msg);
		armed = true;
	}
	for (;;) {
		if (p->p_sigpending & set) {
			sig = __builtin_ctz(p->p_sigpending & set) + 1;
			p->p_sigpending &= ~SIGBIT(sig);
			si = p->p_siginfo[sig];
			break;
		}
		if (msg->timeout_ns == 0 || (armed && (tm.tm_msg.ms_flags & MSGF_DONE))) {
			error = EAGAIN;
			break;
		}
		if (proc_sleep(p, "sigwait", &p->p_sigpending) != 0 && (p->p_sigpending & set) == 0) {
			error = EINTR;		/* killed, or another signal to deliver */
			break;
		}
	}
	td_flags_clear(td, TDF_SYNCWAIT);
	td->td_waitset = 0;
	if (armed) {
		if ((tm.tm_msg.ms_flags & MSGF_DONE) == 0)
			lwkt_abortmsg(&tm.tm_msg);
		while ((tm.tm_msg.ms_flags & MSGF_DONE) == 0)
			lwkt_block("sigwait", &tm);
	}
	crit_exit();
	if (error != 0)
		return error;
	if (msg->info != 0 && copyout(&si, (void *)msg->info, sizeof(si)) != 0)
		return EFAULT;		/* (taken: a user_range that lied) */
	msg->hdr.ms_result = sig;
	return 0;
}

/* alarm_reply: the alarm's timer message came back: SIGALRM, unless it was cancelled. */
static void
alarm_reply(lwkt_port_t port, lwkt_msg_t msg)
{
	struct proc *p = port->mp_arg;

	msg->ms_flags |= MSGF_DONE | MSGF_REPLY;
	if (msg->ms_error == 0 && p->p_alarm_armed) {
		p->p_alarm_armed = false;
		sig_post(p, SIGALRM, SI_TIMER, 0, 0);
	}
}

/* alarm_cancel: disarm p's alarm; answers the whole seconds it had left (rounded up). */
static unsigned int
alarm_cancel(struct proc *p)
{
	unsigned int left = 0;

	crit_enter();
	if (p->p_alarm_armed) {
		uint64_t now = ticks(), at = p->p_alarm.tm_deadline;
		left = at > now ? (unsigned int)((at - now + HZ - 1) / HZ) : 1;
		p->p_alarm_armed = false;
		lwkt_abortmsg(&p->p_alarm.tm_msg);
	}
	crit_exit();
	return left;
}

/* sys_alarm: SIGALRM in seconds (at most a day: longer is EINVAL), through the timer port. */
int
sys_alarm(struct alarm_msg *msg)
{
	struct proc *p = curproc;

	if (msg->seconds > 86400)
		return EINVAL;
	msg->hdr.ms_result = alarm_cancel(p);
	if (msg->seconds != 0) {
		crit_enter();
		timer_msg_init(&p->p_alarm, &p->p_alarmport, msg->seconds * HZ);
		p->p_alarm_armed = true;
		lwkt_sendmsg(&timer_port, &p->p_alarm.tm_msg);
		crit_exit();
	}
	return 0;
}

/*
 * sys_sigaltstack: the calling vCPU's alternate signal stack (struct kstack), used by handlers
 * with SA_ONSTACK; oss gets the old one, SS_ONSTACK when the caller runs on it, SS_DISABLE
 * when there is none. EINVAL: ss_flags other than 0 or SS_DISABLE; ENOMEM: smaller than
 * MINSIGSTKSZ (or past the end of memory); EPERM: a change while on it; EFAULT: ss, oss.
 */
int
sys_sigaltstack(struct sigaltstack_msg *msg)
{
	thread_t td = curthread;
	uint32_t esp = syscall_frame_of(td)->sf_esp;
	struct kstack ss, old;

	if (msg->ss != 0 && copyin((const void *)msg->ss, &ss, sizeof(ss)) != 0)
		return EFAULT;
	memset(&old, 0, sizeof(old));
	old.ss_sp = (void *)td->td_altstack;
	old.ss_size = td->td_altsize;
	old.ss_flags = td->td_altsize == 0 ? SS_DISABLE : on_altstack(td, esp) ? SS_ONSTACK : 0;
	if (msg->ss != 0) {
		if (ss.ss_flags != 0 && ss.ss_flags != SS_DISABLE)
			return EINVAL;
		if (on_altstack(td, esp))
			return EPERM;
		if (ss.ss_flags == 0 && (ss.ss_size < MINSIGSTKSZ ||
		    (uint32_t)ss.ss_sp + ss.ss_size < (uint32_t)ss.ss_sp))
			return ENOMEM;
	}
	if (msg->oss != 0 && copyout(&old, (void *)msg->oss, sizeof(old)) != 0)
		return EFAULT;
	if (msg->ss != 0) {
		td->td_altstack = ss.ss_flags == SS_DISABLE ? 0 : (uint32_t)ss.ss_sp;
		td->td_altsize = ss.ss_flags == SS_DISABLE ? 0 : ss.ss_size;
	}
	return 0;
}

/* sys_upcall_poke: a UPC_POKE upcall for the caller's vCPU id at its next return to ring 3. */
int
sys_upcall_poke(struct upcall_poke_msg *msg)
{
	struct proc *p = curproc;
	thread_t td;

	crit_enter();
	FOREACH_VCPU(p, td)
		if (td->td_vcpuid == msg->id) {
			if (td->td_upcall_entry == 0) {
				crit_exit();
				return ESRCH;
			}
			td->td_poked = true;
			td->td_poker = curthread->td_vcpuid;
			td_ast_set(td, TDA_UPCALL);
			if (td->td_flags & TDF_IDLEWAIT) {
				td_flags_set(td, TDF_VWAKE);
				lwkt_schedule(td);
			}
			crit_exit();
			return 0;
		}
	crit_exit();
	return EINVAL;
}

/* -- a process's life ---------------------------------------------------------------------------- */

/* sig_proc_init: a new process's signal state: every action SIG_DFL, nothing pending. */
void
sig_proc_init(struct proc *p)
{
	kse_proc_init(p);
	lwkt_initport_replyonly(&p->p_alarmport);
	p->p_alarmport.mp_replyport = alarm_reply;
	p->p_alarmport.mp_arg = p;
}

/* sig_fork: the child inherits the actions, and its vCPU the caller's upcall entry and area. */
void
sig_fork(struct proc *child, const struct proc *parent, thread_t ctd)
{
	memcpy(child->p_sigact, parent->p_sigact, sizeof(child->p_sigact));
	child->p_model = parent->p_model;	/* its libcr is a copy of the parent's */
	ctd->td_upcall_entry = curthread->td_upcall_entry;
	ctd->td_upcall_area = curthread->td_upcall_area;
	ctd->td_altstack = curthread->td_altstack;	/* the same addresses in its copy */
	ctd->td_altsize = curthread->td_altsize;
}

/* sig_exec: a new program: caught signals go back to SIG_DFL (ignored ones stay ignored). */
void
sig_exec(struct proc *p)
{
	for (int sig = 1; sig < NSIG; sig++)
		if (p->p_sigact[sig].ksa_handler != __SIG_IGN)
			p->p_sigact[sig] = (struct ksigaction){ __SIG_DFL, 0, 0 };
	curthread->td_upcall_entry = curthread->td_upcall_area = 0;
	p->p_model = SCHED_DILLON;		/* the new program's libcr chooses again */
	curthread->td_altstack = curthread->td_altsize = 0;	/* the old program's memory */
}

/* sig_exit: p ends: its alarm goes. */
void
sig_exit(struct proc *p)
{
	alarm_cancel(p);
}
