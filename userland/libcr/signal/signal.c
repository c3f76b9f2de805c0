/*
 * POSIX signals in libcr, over the kernel's upcalls (docs/upcalls.md).
 *
 * Every vCPU registers cr_upcall_entry and its upcall area (struct cr_vcpu's vc_upcall) when it
 * starts. The kernel keeps the actions and the pending set; the mask is the area's word, the
 * running user thread's mask (the scheduler saves it into td_sigmask and loads the next thread's
 * at each switch: cr/sched.h). A signal comes as an upcall: the entry calls the handler on the
 * interrupted thread's stack and goes back with upcall_resume, which restores the registers and
 * the mask in one step. If the upcall interrupted the scheduler itself (in one of its sections,
 * or in the middle of a switch), the handler is deferred to the section's end (cr_sig_deferred).
 *
 * An idle vCPU takes a signal that no running thread accepts (its idle thread blocks nothing):
 * route() hands it to a thread parked in a kernel call that does not block it, and aborts that
 * call (the kernel's abort path: it answers EINTR); the thread runs the handler when it wakes in
 * cr_park (cr_sig_after_park), then answers EINTR or, under SA_RESTART, makes the call again.
 * A thread waiting in libcr itself (a mutex, a condition variable, a join, sigsuspend: td_sigwait)
 * is a target as well: it is woken, runs the handler outside the scheduler's section, and waits
 * on (cr_sig_wait_run). With no such thread the signal is held (cr_sig_held) until a thread that
 * lets it through reaches one of those points or unblocks it.
 *
 * pthread_kill (and raise, in a threaded program) hands a signal with a handler to one thread
 * the same way (td_sigq): the caller itself runs it at once unless it blocks it; another thread
 * is woken as above, or, running on another vCPU, interrupted there with an upcall_poke.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <setjmp.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/errno.h>
#include <sys/syscalls.h>
#include <sys/sysmsg.h>
#include <abi/upcall.h>
#include <cr/sched.h>
#include <cr/sysport.h>
#include <cr/thread.h>

void	(*cr_upcall_poke_hook)(int from_vcpu);
volatile uint32_t cr_sig_deferred;	/* signals whose handler waits for a section's end */
static struct upcall_msg deferred[NSIG];
volatile uint32_t cr_sig_held;		/* signals no thread could take yet (route) */
static struct upcall_msg routed[NSIG];	/* what each routed or held signal said */
int	cr_sig_masks_used;		/* a thread has had a mask: the fast yield path is off */
extern char cr_fast_begin[], cr_switch_end[];	/* lwkt/switch.S: the fast paths and the switch */

/* run_handler: call the handler m names, the way its flags say; errno survives it. */
static void
run_handler(struct upcall_msg *m, void *ctx)
{
	int sig = m->um_info.si_signo, saved = errno;
	uint32_t h = m->um_action.ksa_handler;

	if (m->um_action.ksa_flags & SA_SIGINFO)
		((void (*)(int, siginfo_t *, void *))h)(sig, &m->um_info, ctx);
	else
		((void (*)(int))h)(sig);
	cr_curthread->td_sighandled++;
	errno = saved;
}

/* run_masked: run m's handler outside an upcall, with its action's mask added meanwhile. */
static void
run_masked(struct upcall_msg *m)
{
	int sig = m->um_info.si_signo;
	uint32_t add = m->um_action.ksa_mask |
	    ((m->um_action.ksa_flags & SA_NODEFER) ? 0 : __SIGBIT(sig));
	uint32_t old = (uint32_t)__sys_sigprocmask(SIG_BLOCK, add);

	run_handler(m, NULL);
	__sys_sigprocmask(SIG_SETMASK, old);
}

/*
 * hand_to: sig (its message in routed[]) goes to td, not the caller: queued on it, and td made
 * to see it: a call it is parked in is answered (lwkt_abortmsg: EINTR), a libcr wait woken; a
 * thread running on another vCPU is poked there (*poke: that vCPU's id, else -1). A runnable
 * thread takes it when it next runs past a wait point. Lock held; the caller aborts *call.
 */
static void
hand_to(cr_thread_t td, int sig, lwkt_msg_t *call, int *poke)
{
	*call = NULL;
	*poke = -1;
	td->td_sigq |= __SIGBIT(sig);
	if (td->td_sigmask & __SIGBIT(sig))
		return;				/* it blocks it: pending for it until it unblocks */
	if (td->td_state == CR_BLOCKED) {
		if (td->td_parkmsg != NULL)
			*call = td->td_parkmsg;
		else if (td->td_sigwait)
			cr_sched_wakeup(td);
	} else if (td->td_vcpu->vc_cur == td && td->td_vcpu->vc_up) {
		*poke = td->td_vcpu->vc_id;
	}
}

/*
 * route: a signal an idle vCPU took goes to a thread parked in a kernel call or waiting in libcr
 * that lets it through, which is made to wake (hand_to); or, if there is none, is held.
 */
static void
route(const struct upcall_msg *m)
{
	int sig = m->um_info.si_signo, poke = -1;
	lwkt_msg_t call = NULL;
	cr_thread_t td;

	if (sig <= 0 || sig >= NSIG)
		return;
	cr_crit_enter();
	routed[sig] = *m;
	if ((td = cr_sig_target(__SIGBIT(sig))) != NULL)
		hand_to(td, sig, &call, &poke);
	else
		cr_sig_held |= __SIGBIT(sig);
	cr_crit_exit();
	if (call != NULL)
		lwkt_abortmsg(call);		/* it completes with EINTR; its thread wakes */
}

/*
 * cr_sig_run_deferred: run the handlers deferred while the scheduler was busy (cr_crit_exit
 * calls it once the thread has left its last section), each with its action's mask; on an idle
 * thread, hand them on instead.
 */
void
cr_sig_run_deferred(void)
{
	uint32_t set;

	while ((set = __atomic_exchange_n(&cr_sig_deferred, 0, __ATOMIC_ACQ_REL)) != 0) {
		if (set & CR_SIG_KSE) {
			cr_crit_enter();
			cr_kse_drain();
			cr_crit_exit();
		}
		for (int sig = 1; sig < NSIG; sig++) {
			if ((set & __SIGBIT(sig)) == 0)
				continue;
			struct upcall_msg m = deferred[sig];
			if (cr_curthread->td_idle) {
				route(&m);
			} else {
				__sys_sigprocmask(SIG_UNBLOCK, __SIGBIT(sig));	/* masked when deferred */
				run_masked(&m);
			}
		}
	}
}

/*
 * take_mine: the signals handed to the calling thread and the held ones that its mask lets in,
 * which it takes now (one it blocks stays queued on it).
 */
static uint32_t
take_mine(struct upcall_msg *out)
{
	cr_thread_t td = cr_curthread;
	uint32_t set, held, mask;

	cr_crit_enter();
	mask = td->td_vcpu->vc_upcall.ua_sigmask;
	held = cr_sig_held & ~mask;
	cr_sig_held &= ~held;
	set = (td->td_sigq & ~mask) | held;
	td->td_sigq &= mask;
	for (int sig = 1; sig < NSIG; sig++)
		if (set & __SIGBIT(sig))
			out[sig] = routed[sig];
	cr_crit_exit();
	return set;
}

/* run_mine: run the handlers of the signals the calling thread takes now (take_mine). */
static void
run_mine(void)
{
	struct upcall_msg m[NSIG];
	uint32_t set = take_mine(m);

	for (int sig = 1; sig < NSIG; sig++)
		if (set & __SIGBIT(sig))
			run_masked(&m[sig]);
}

/* cr_sig_wait_run: the calling thread, in a libcr wait's section, runs what it takes now. */
void
cr_sig_wait_run(cr_thread_t td)
{
	uint32_t mask = td->td_vcpu->vc_upcall.ua_sigmask;

	if (td->td_crit != 1 || td->td_idle || ((td->td_sigq | cr_sig_held) & ~mask) == 0)
		return;				/* nested sections: at the next point */
	cr_crit_exit_td(td);
	run_mine();
	cr_crit_enter_td(td);
}

/*
 * cr_sig_after_park: the calling thread woke in cr_park with signals handed to it: run their
 * handlers; a call they cut short (EINTR) is made again if every one of them says SA_RESTART.
 */
int
cr_sig_after_park(lwkt_msg_t msg, int error)
{
	struct upcall_msg m[NSIG];
	uint32_t set = take_mine(m);
	bool restart = set != 0;

	for (int sig = 1; sig < NSIG; sig++) {
		if ((set & __SIGBIT(sig)) == 0)
			continue;
		run_masked(&m[sig]);
		if ((m[sig].um_action.ksa_flags & SA_RESTART) == 0)
			restart = false;
	}
	if (error == EINTR && restart) {
		msg->ms_flags = cr_trap_flags;
		error = cr_trap(msg);
		if (error == EASYNC)
			error = cr_park(msg);
	}
	return error;
}

/* cr_upcall_resume: back to the interrupted context (never returns). */
__attribute__((noreturn)) void
cr_upcall_resume(struct upcall_ctx *ctx)
{
	struct upcall_resume_msg r;

	r.hdr.ms_cmd = SYS_upcall_resume;
	r.ctx = ctx;
	cr_trap_sync(&r.hdr);
	cr_msgport_fatal("upcall_resume refused the context", ctx);
}

/*
 * cr_upcall_entry: where every upcall enters (struct upcall_frame: entered as a C function with
 * no return address). A signal's handler runs here, on the interrupted thread's stack, with the
 * mask the kernel set; UPC_POKE calls cr_upcall_poke_hook; UPC_BLOCKED and UPC_UNBLOCKED are the
 * KSE model's (lwkt/kse.c).
 */
void
cr_upcall_entry(struct upcall_msg *m, struct upcall_ctx *ctx, struct upcall_area *area)
{
	(void)area;
	if (__builtin_expect(cr_utrace_on, 0))
		cr_utrace(UTR_UPCALL, (void *)m->um_type, m->um_type == UPC_SIGNAL ?
		    (void *)m->um_info.si_signo : (void *)m->um_tag);
	if (m->um_type == UPC_SIGNAL) {
		int sig = m->um_info.si_signo;
		cr_thread_t td = cr_curthread;
		bool busy = cr_threaded && (td->td_crit > 0 ||
		    (ctx->uc_eip >= (uint32_t)cr_fast_begin && ctx->uc_eip < (uint32_t)cr_switch_end));

		if (busy && sig > 0 && sig < NSIG) {
			deferred[sig] = *m;
			__atomic_or_fetch(&cr_sig_deferred, __SIGBIT(sig), __ATOMIC_ACQ_REL);
			if (!td->td_idle)
				ctx->uc_sigmask |= __SIGBIT(sig);	/* not again before it has run */
		} else if (td->td_idle) {
			route(m);		/* no thread ran here: hand it to one */
		} else {
			run_handler(m, ctx);
		}
	} else if (m->um_type == UPC_POKE) {
		cr_thread_t td = cr_curthread;

		if (cr_upcall_poke_hook != NULL)
			cr_upcall_poke_hook(m->um_info.si_pid);
		/* pthread_kill from another vCPU; in a section: at its next wait point */
		if (!td->td_idle && td->td_crit == 0 && (td->td_sigq & ~ctx->uc_sigmask) != 0 &&
		    !(ctx->uc_eip >= (uint32_t)cr_fast_begin && ctx->uc_eip < (uint32_t)cr_switch_end))
			run_mine();
	} else if (m->um_type == UPC_BLOCKED) {
		cr_kse_blocked(m->um_tag, ctx);		/* resumes the thread when its call is done */
	} else if (m->um_type == UPC_UNBLOCKED) {
		cr_kse_unblocked(m->um_tag, ctx);
	}
	cr_upcall_resume(ctx);
}

/* cr_upcall_register: the calling vCPU vc takes upcalls, its thread's mask being mask. */
void
cr_upcall_register(struct cr_vcpu *vc, uint32_t mask)
{
	vc->vc_upcall.ua_sigmask = mask;
	__sys_upcall_register((uint32_t)cr_upcall_entry, (uint32_t)&vc->vc_upcall);
}

int
sigaction(int sig, const struct sigaction *act, struct sigaction *oact)
{
	struct ksigaction k, o;

	if (act != NULL) {
		k.ksa_handler = (unsigned int)act->sa_handler;
		k.ksa_mask = act->sa_mask;
		k.ksa_flags = (unsigned int)act->sa_flags;
		if (k.ksa_handler > __SIG_IGN)
			cr_sig_masks_on();		/* its handler runs with a mask */
	}
	if (__sys_sigaction(sig, act ? (uint32_t)&k : 0, oact ? (uint32_t)&o : 0) != 0)
		return -1;
	if (oact != NULL) {
		oact->sa_handler = (void (*)(int))o.ksa_handler;
		oact->sa_mask = o.ksa_mask;
		oact->sa_flags = (int)o.ksa_flags;
	}
	return 0;
}

void
(*signal(int sig, void (*handler)(int)))(int)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	if (sigaction(sig, &sa, &old) != 0)
		return SIG_ERR;
	return old.sa_handler;
}

/* pthread_sigmask: the calling thread's mask (the vCPU's word, while it runs); an errno. */
int
pthread_sigmask(int how, const sigset_t *set, sigset_t *oset)
{
	int old;

	if (set == NULL) {
		how = SIG_BLOCK;		/* only asks */
	} else if (*set != 0) {
		cr_sig_masks_on();
	}
	if ((old = __sys_sigprocmask(how, set ? *set : 0)) == -1)
		return errno;
	if (set != NULL && cr_threaded)
		cr_sched_refresh_idle_masks();	/* idle vCPUs block what every thread blocks */
	if (oset != NULL)
		*oset = (sigset_t)old;
	if (__builtin_expect((cr_sig_held | cr_curthread->td_sigq) != 0, 0))
		run_mine();			/* held or queued ones it now lets through */
	return 0;
}

int
sigprocmask(int how, const sigset_t *set, sigset_t *oset)
{
	int error = pthread_sigmask(how, set, oset);

	if (error != 0) {
		errno = error;
		return -1;
	}
	return 0;
}

int
sigpending(sigset_t *set)
{
	int s = __sys_sigpending();

	if (s == -1)
		return -1;
	*set = (sigset_t)s | cr_sig_held | cr_curthread->td_sigq;
	return 0;
}

/*
 * sigsuspend: wait with *mask until a handler has run. In a threaded program only the calling
 * thread waits, in libcr (td_sigwait), for a signal routed or handed to it, held, or deferred;
 * the kernel's pending ones the new mask lets through come as the mask is set.
 */
int
sigsuspend(const sigset_t *mask)
{
	cr_thread_t td = cr_curthread;
	uint32_t handled = td->td_sighandled, want = *mask & ~__SIG_CANTMASK, old;

	if (!cr_threaded)
		return __sys_sigsuspend(*mask);	/* always -1, EINTR */
	cr_sig_masks_on();
	old = (uint32_t)__sys_sigprocmask(SIG_SETMASK, want);
	cr_crit_enter();
	while (td->td_sighandled == handled) {
		if (((td->td_sigq | cr_sig_held | cr_sig_deferred) & ~want) != 0) {
			cr_crit_exit();		/* the deferred ones run here */
			run_mine();
			cr_crit_enter();
			continue;
		}
		td->td_sigwait = true;
		cr_sched_block("sigsuspend", td);
		td->td_sigwait = false;
	}
	cr_crit_exit();
	__sys_sigprocmask(SIG_SETMASK, old);
	errno = EINTR;
	return -1;
}

int
pause(void)
{
	sigset_t cur = 0;

	sigprocmask(SIG_BLOCK, NULL, &cur);
	return sigsuspend(&cur);
}

/*
 * sigtimedwait: take a signal of *set, its action not run: one libcr holds or has handed to the
 * calling thread first (a threaded program's idle vCPU may have taken it), else the kernel's
 * (sigtimedwait, 90: the whole vCPU waits, its other threads too). timeout NULL: no limit. -1
 * with EAGAIN, EINTR, EINVAL, EFAULT.
 */
int
sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *timeout)
{
	cr_thread_t td = cr_curthread;
	int64_t ns = -1;
	uint32_t mine;
	siginfo_t si;
	int sig;

	if (timeout != NULL) {
		if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000) {
			errno = EINVAL;
			return -1;
		}
		ns = (int64_t)timeout->tv_sec * 1000000000ll + timeout->tv_nsec;
	}
	cr_crit_enter();
	if ((mine = (cr_sig_held | td->td_sigq) & *set) != 0) {
		sig = __builtin_ctz(mine) + 1;
		cr_sig_held &= ~__SIGBIT(sig);
		td->td_sigq &= ~__SIGBIT(sig);
		si = routed[sig].um_info;
	}
	cr_crit_exit();
	if (mine == 0)
		return __sys_sigtimedwait(*set, (uint32_t)info, ns);
	if (info != NULL)
		*info = si;
	return sig;
}

int
sigwaitinfo(const sigset_t *set, siginfo_t *info)
{
	return sigtimedwait(set, info, NULL);
}

/* sigwait: sigwaitinfo, its answer in *sig; an errno (POSIX: EINVAL; EINTR is waited through). */
int
sigwait(const sigset_t *set, int *sig)
{
	int s;

	while ((s = sigtimedwait(set, NULL, NULL)) < 0)
		if (errno != EINTR)
			return errno;
	*sig = s;
	return 0;
}

int
sigaltstack(const stack_t *ss, stack_t *oss)
{
	return __sys_sigaltstack((uint32_t)ss, (uint32_t)oss);
}

unsigned int
alarm(unsigned int seconds)
{
	return __sys_alarm(seconds);
}

/*
 * pthread_kill: sig to thread. A signal with a handler is handed to that thread (hand_to): the
 * caller runs its own at once unless it blocks it; SIG_IGN drops it; SIG_DFL is the process's
 * (its default action is the whole process's: kill). An errno: EINVAL, a bad signal; ESRCH, no
 * such thread (it has exited).
 */
int
pthread_kill(pthread_t thread, int sig)
{
	cr_thread_t self = cr_curthread;
	struct ksigaction act;
	struct upcall_msg m;
	lwkt_msg_t call = NULL;
	bool alive;
	int poke = -1;

	if (sig < 0 || sig >= NSIG)
		return EINVAL;
	cr_crit_enter();
	alive = thread == self || cr_thread_alive(thread);
	cr_crit_exit();
	if (!alive)
		return ESRCH;
	if (sig == 0)
		return 0;
	if (__sys_sigaction(sig, 0, (uint32_t)&act) != 0)
		return errno;
	if (act.ksa_handler == __SIG_IGN)
		return 0;
	if (act.ksa_handler == __SIG_DFL)
		return kill(getpid(), sig) == 0 ? 0 : errno;
	if (act.ksa_flags & SA_RESETHAND) {		/* delivered now, as far as its action goes */
		struct ksigaction dfl = { __SIG_DFL, 0, 0 };
		__sys_sigaction(sig, (uint32_t)&dfl, 0);
	}
	memset(&m, 0, sizeof(m));
	m.um_type = UPC_SIGNAL;
	m.um_action = act;
	m.um_info.si_signo = sig;
	m.um_info.si_code = SI_USER;
	m.um_info.si_pid = getpid();
	cr_crit_enter();
	routed[sig] = m;
	if (thread == self)
		self->td_sigq |= __SIGBIT(sig);
	else
		hand_to(thread, sig, &call, &poke);
	cr_crit_exit();
	if (call != NULL)
		lwkt_abortmsg(call);
	if (poke >= 0)
		__sys_upcall_poke((uint32_t)poke);
	if (thread == self)
		run_mine();			/* unless it blocks it */
	return 0;
}

/* raise: POSIX's pthread_kill(pthread_self(), sig) in a threaded program; else kill. */
int
raise(int sig)
{
	if (cr_threaded) {
		int error = pthread_kill(cr_curthread, sig);
		if (error != 0) {
			errno = error;
			return -1;
		}
		return 0;
	}
	return kill(getpid(), sig);
}

/* __cr_sigmask_save: sigsetjmp's saved mask (setjmp.S). */
void
__cr_sigmask_save(sigjmp_buf env)
{
	sigset_t cur = 0;

	sigprocmask(SIG_BLOCK, NULL, &cur);
	env[7] = (int)cur;
}

void
siglongjmp(sigjmp_buf env, int val)
{
	if (env[6] != 0) {
		sigset_t m = (sigset_t)env[7];
		sigprocmask(SIG_SETMASK, &m, NULL);
	}
	longjmp(env, val);
}

int
sigemptyset(sigset_t *set)
{
	*set = 0;
	return 0;
}

int
sigfillset(sigset_t *set)
{
	*set = ~0u >> 1;			/* signals 1 .. 31 */
	return 0;
}

/* sig_ok: sig is a signal number; else EINVAL. */
static int
sig_ok(int sig)
{
	if (sig > 0 && sig < NSIG)
		return 1;
	errno = EINVAL;
	return 0;
}

int
sigaddset(sigset_t *set, int sig)
{
	if (!sig_ok(sig))
		return -1;
	*set |= __SIGBIT(sig);
	return 0;
}

int
sigdelset(sigset_t *set, int sig)
{
	if (!sig_ok(sig))
		return -1;
	*set &= ~__SIGBIT(sig);
	return 0;
}

int
sigismember(const sigset_t *set, int sig)
{
	if (!sig_ok(sig))
		return -1;
	return (*set & __SIGBIT(sig)) != 0;
}

const char *
strsignal(int sig)
{
	static const char *const names[NSIG] = {
		[SIGHUP] = "Hangup", [SIGINT] = "Interrupt", [SIGQUIT] = "Quit",
		[SIGILL] = "Illegal instruction", [SIGTRAP] = "Trace/breakpoint trap",
		[SIGABRT] = "Aborted", [SIGBUS] = "Bus error", [SIGFPE] = "Floating point exception",
		[SIGKILL] = "Killed", [SIGUSR1] = "User defined signal 1",
		[SIGSEGV] = "Segmentation fault", [SIGUSR2] = "User defined signal 2",
		[SIGPIPE] = "Broken pipe", [SIGALRM] = "Alarm clock", [SIGTERM] = "Terminated",
		[SIGCHLD] = "Child exited", [SIGCONT] = "Continued", [SIGSTOP] = "Stopped (signal)",
		[SIGTSTP] = "Stopped", [SIGTTIN] = "Stopped (tty input)",
		[SIGTTOU] = "Stopped (tty output)",
	};

	return sig > 0 && sig < NSIG && names[sig] != NULL ? names[sig] : "Unknown signal";
}
