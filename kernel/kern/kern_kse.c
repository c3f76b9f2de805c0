/*
 * Elischer's KSE model beside Dillon's (issue 12 item 3; docs/dillon-vs-kse.md), per process:
 * sched_model(SCHED_KSE).
 *
 * In Dillon's model a call that must wait either blocks its vCPU in the kernel (synchronous) or
 * answers EASYNC and completes later into the process's reply port (asynchronous): libcr parks
 * the user thread and collects the completion itself. In the KSE model libcr makes plain
 * synchronous calls, and one that must wait keeps its kernel context: the kernel thread that
 * took the trap (kse_block) stays with the call, asleep in wait_sync, and gives the vCPU — its
 * id, upcall entry and area, pending pokes and signals — to another kernel thread (an ended
 * call's, kept in the process's pool of KSE_POOL_MAX, or a new one), which enters the vCPU's
 * upcall entry with UPC_BLOCKED. libcr's scheduler runs another user thread there.
 * When the call completes, its kernel context returns through the system call's exit path as
 * usual; there (kse_call_return) it writes the blocked thread's whole user context, %eax its
 * answer, into the UPC_BLOCKED frame, queues a UPC_UNBLOCKED event for the process's vCPUs, and
 * waits in the pool for the next blocked call's vCPU (kse_pool_wait), or ends. A vCPU takes the event on its way back to ring 3 (sig_deliver's last step:
 * kse_deliver), and libcr lets the thread continue from that frame with upcall_resume.
 *
 * A KSE call's thread is no vCPU (TDF_KSECALL: FOREACH_VCPU passes it by): signals are for the
 * vCPUs, which libcr's scheduler routes to the blocked thread by aborting its call (abortmsg
 * finds KSE calls too: kse_abort), which then answers EINTR. Exit aborts every call and waits
 * until each context has ended (p_nkse), so nothing outlives the process; exec refuses while
 * any is blocked (EBUSY), as it does with several vCPUs.
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/globaldata.h>
#include <sys/ksysmsg.h>
#include <sys/malloc.h>
#include <sys/proc.h>
#include <sys/sysent.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/uaccess.h>
#include <string.h>
#include <machine/cpufunc.h>
#include <machine/segments.h>
#include <machine/trap.h>

struct kse_stats kse_stats;

#define KSE_POOL_MAX	4	/* ended calls' contexts a process keeps (p_kse_pool) */
_Static_assert(KSE_POOL_MAX == sizeof(((struct proc *)0)->p_kse_pool) / sizeof(thread_t),
    "p_kse_pool");

/* A completed KSE call, until a vCPU takes it as UPC_UNBLOCKED. */
struct kse_event {
	TAILQ_ENTRY(kse_event) ke_link;		/* on p_kse_events */
	int		ke_vcpu;		/* the vCPU its call blocked on (the preferred taker) */
	uint32_t	ke_uaddr;		/* the call's message */
	int		ke_error;		/* its answer */
	uint32_t	ke_ctx;			/* user address of its UPC_BLOCKED frame's context */
	uint32_t	ke_mask;		/* the signal mask that context goes back to */
};

/* What a vCPU's fresh kernel thread enters ring 3 with: the UPC_BLOCKED upcall. */
struct kse_start {
	struct trapframe tf;
};

/* kse_proc_init: a new process: Dillon's model, nothing blocked. */
void
kse_proc_init(struct proc *p)
{
	p->p_model = SCHED_DILLON;
	TAILQ_INIT(&p->p_kse_events);
}

/*
 * sys_sched_model: the process's model (SCHED_DILLON, SCHED_KSE; -1 only asks); answers the one
 * it replaces. EINVAL: an unknown model; KSE for a vCPU with no upcall entry (its UPC_BLOCKED
 * would have nowhere to go); a change while several vCPUs run or KSE calls are blocked (their
 * threads were made under the other model).
 */
int
sys_sched_model(struct sched_model_msg *msg)
{
	struct proc *p = curproc;
	int model = msg->model;

	msg->hdr.ms_result = p->p_model;
	if (model == -1 || model == p->p_model)
		return 0;
	if (model != SCHED_DILLON && model != SCHED_KSE)
		return EINVAL;
	if (model == SCHED_KSE && curthread->td_upcall_entry == 0)
		return EINVAL;
	if (p->p_nvcpus > 1 || p->p_nkse > 0)
		return EINVAL;
	p->p_model = model;
	return 0;
}

/* kse_vcpu_enter: a vCPU's fresh kernel thread: ring 3, in the upcall entry (UPC_BLOCKED). */
static void
kse_vcpu_enter(void *arg)
{
	struct trapframe tf = ((struct kse_start *)arg)->tf;

	kfree(arg);
	user_enter(curproc, &tf);
}

/*
 * kse_block: the synchronous call ksm of the calling vCPU must wait, in a KSE process: keep this
 * kernel thread for the call and give the vCPU to a new one, which enters the upcall entry with
 * UPC_BLOCKED (the frame pushed below the caller's stack pointer). False, and the vCPU simply
 * waits as in Dillon's model, when this thread is a KSE call's already (a call its object
 * answered ERESTART, run again), the call is a batch's entry, the vCPU has no upcall entry, the
 * process is ending, memory is short, or the frame does not fit below the stack pointer.
 */
bool
kse_block(struct proc *p, struct ksysmsg *ksm)
{
	thread_t td = curthread, ntd;
	struct syscall_frame *sf = syscall_frame_of(td);
	struct upcall_ctx ctx;
	struct upcall_msg m;
	struct upcall_to to;
	struct kse_event *ev;
	struct kse_start *ks;

	if ((td->td_flags & TDF_KSECALL) || (ksm->km_flags & KMF_BATCH) || td->td_upcall_entry == 0 ||
	    p->p_killed || p->p_exiting)
		return false;
	memset(&ctx, 0, sizeof(ctx));
	ctx.uc_eip = sf->sf_eip;
	ctx.uc_esp = sf->sf_esp;
	ctx.uc_eflags = sf->sf_eflags;
	ctx.uc_ecx = sf->sf_ecx;
	ctx.uc_edx = sf->sf_edx;
	ctx.uc_eax = EASYNC;
	ctx.uc_flags = UCF_SYSCALL;
	ctx.uc_trapno = T_SYSCALL;
	ctx.uc_sigmask = sig_vcpu_mask(p, td);
	memset(&m, 0, sizeof(m));
	m.um_type = UPC_BLOCKED;
	m.um_tag = ksm->km_uaddr;
	ev = kmalloc(sizeof(*ev));
	ks = kmalloc(sizeof(*ks));
	/* The frame first: one that does not fit leaves nothing to undo (below esp: unused). */
	if (ev == NULL || ks == NULL || !upcall_push(td, &ctx, &m, &to)) {
		kfree(ev);
		kfree(ks);
		return false;
	}
	/* The vCPU's next kernel thread: an ended call's context kept in the pool, or a new one. */
	crit_enter();
	ntd = p->p_npool > 0 ? p->p_kse_pool[--p->p_npool] : NULL;
	if (ntd != NULL)
		kse_stats.pooled--;
	crit_exit();
	if (ntd == NULL &&
	    lwkt_create(kse_vcpu_enter, ks, &ntd, TDPRI_USER, TDF_NOSTART, p->p_comm) != 0) {
		kfree(ev);
		kfree(ks);
		return false;
	}
	memset(&ks->tf, 0, sizeof(ks->tf));
	ks->tf.tf_gs = sf->sf_gs;			/* the blocked user thread's: its TLS */
	ks->tf.tf_fs = sf->sf_fs;
	ks->tf.tf_es = sf->sf_es;
	ks->tf.tf_ds = sf->sf_ds;
	ks->tf.tf_cs = GSEL_UCODE;
	ks->tf.tf_ss = GSEL_UDATA;
	ks->tf.tf_eip = to.eip;
	ks->tf.tf_esp = to.esp;
	ks->tf.tf_eflags = sf->sf_eflags & ~(PSL_T | PSL_D);
	ev->ke_vcpu = td->td_vcpuid;
	ev->ke_uaddr = ksm->km_uaddr;
	crit_enter();
	/* The vCPU, whole: who it is, where its upcalls go, what is due to it. */
	proc_thread_add(p, ntd);
	ntd->td_vcpuid = td->td_vcpuid;
	ntd->td_upcall_entry = td->td_upcall_entry;
	ntd->td_upcall_area = td->td_upcall_area;
	ntd->td_poked = td->td_poked;
	ntd->td_poker = td->td_poker;
	ntd->td_ast = td->td_ast & (TDA_UPCALL | TDA_KILLED);
	if (p->p_td == td)
		p->p_td = ntd;
	/* This thread is the call's now. */
	td_flags_set(td, TDF_KSECALL);
	td->td_ast = TDA_KSEDONE;
	td->td_poked = false;
	ev->ke_ctx = to.esp + __builtin_offsetof(struct upcall_frame, uf_ctxbuf);
	ev->ke_mask = ctx.uc_sigmask;
	td->td_kse_ev = ev;
	td->td_vcpuid = -1;
	td->td_upcall_entry = td->td_upcall_area = 0;
	p->p_nkse++;
	kse_stats.calls++;
	kse_stats.blocked++;
	if (ntd->td_flags & TDF_KSEPOOL) {
		td_flags_clear(ntd, TDF_KSEPOOL);
		ntd->td_kse_start = ks;		/* it waits in kse_pool_wait */
	}
	lwkt_schedule(ntd);
	crit_exit();
	return true;
}

/*
 * kse_pool_wait: the ended KSE call's context td waits in p's pool until kse_block gives it a
 * vCPU to take (td_kse_start: it enters ring 3 from here, this stack's frames left behind as
 * dead), or the process ends (it ends too).
 */
static __attribute__((noreturn)) void
kse_pool_wait(struct proc *p, thread_t td)
{
	struct kse_start *ks;
	struct trapframe tf;

	crit_enter();
	while ((ks = td->td_kse_start) == NULL && !p->p_killed && !p->p_exiting)
		lwkt_block("ksepool", td);
	if (ks == NULL) {
		for (uint32_t i = 0; i < p->p_npool; i++)
			if (p->p_kse_pool[i] == td) {
				p->p_kse_pool[i] = p->p_kse_pool[--p->p_npool];
				kse_stats.pooled--;
				break;
			}
		td_flags_clear(td, TDF_KSEPOOL);
		if (p->p_exiter != NULL)
			lwkt_schedule(p->p_exiter);
		proc_thread_remove(td);
		crit_exit();
		lwkt_exit();
	}
	td->td_kse_start = NULL;
	crit_exit();
	tf = ks->tf;
	kfree(ks);
	user_enter(p, &tf);
}

/* kse_pool_end: p ends: its pooled contexts end as well (proc_exit waits for them). */
void
kse_pool_end(struct proc *p)
{
	crit_enter();
	for (uint32_t i = 0; i < p->p_npool; i++)
		lwkt_schedule(p->p_kse_pool[i]);
	crit_exit();
}

/* notify: a completion waits for p's vCPUs: flag the one it prefers (else any), wake it if idle. */
static void
notify(struct proc *p, int vcpu)
{
	thread_t td, pick = NULL;

	FOREACH_VCPU(p, td)
		if (pick == NULL || td->td_vcpuid == vcpu)
			pick = td;
	if (pick == NULL)
		return;
	td_ast_set(pick, TDA_UPCALL);
	if (pick->td_flags & TDF_IDLEWAIT) {
		td_flags_set(pick, TDF_VWAKE);
		lwkt_schedule(pick);
	}
}

/*
 * kse_call_return: the KSE call this thread kept has its answer (in r: %eax, and ring 3's
 * callee-saved registers, which C preserved all along) and is on its way back to ring 3. It
 * never gets there: the user thread's whole context goes into its UPC_BLOCKED frame, a
 * UPC_UNBLOCKED event goes to the vCPUs, and this thread ends. A process that is ending takes
 * no event. A frame that can no longer be written (the program unmapped its own stack) leaves
 * the thread nothing to resume: the process ends with a report, as SIGSEGV would.
 */
void
kse_call_return(struct syscall_regs *r)
{
	thread_t td = curthread;
	struct proc *p = td->td_proc;
	struct kse_event *ev = td->td_kse_ev;
	struct upcall_ctx ctx;

	td->td_kse_ev = NULL;
	if (!p->p_killed) {
		upcall_ctx_of_syscall(&ctx, r, syscall_frame_of(td));
		ctx.uc_sigmask = ev->ke_mask;
		if (copyout(&ctx, (void *)ev->ke_ctx, sizeof(ctx)) != 0) {
			printf("proc %d (%s): KSE: the blocked thread's frame at 0x%08x is gone: "
			    "killed\n", p->p_pid, p->p_comm, ev->ke_ctx);
			proc_kill(p);
		}
	}
	crit_enter();
	if (!p->p_killed) {
		ev->ke_error = (int)r->sr_eax;
		TAILQ_INSERT_TAIL(&p->p_kse_events, ev, ke_link);
		notify(p, ev->ke_vcpu);
		ev = NULL;
	}
	p->p_nkse--;
	kse_stats.calls--;
	td_flags_clear(td, TDF_KSECALL);
	td->td_ast = 0;
	if (!p->p_killed && !p->p_exiting && p->p_npool < KSE_POOL_MAX) {
		/* Kept for the next blocked call: no thread and stack to make then. */
		td_flags_set(td, TDF_KSEPOOL);
		p->p_kse_pool[p->p_npool++] = td;
		kse_stats.pooled++;
		crit_exit();
		kfree(ev);
		kse_pool_wait(p, td);
	}
	if (p->p_exiter != NULL)
		lwkt_schedule(p->p_exiter);
	proc_thread_remove(td);
	crit_exit();
	kfree(ev);
	lwkt_exit();
}

/* kse_pending: has p a completion for a vCPU to take? (Flags td to look on its way out.) */
bool
kse_pending(struct proc *p, thread_t td)
{
	if (TAILQ_EMPTY(&p->p_kse_events))
		return false;
	td_ast_set(td, TDA_UPCALL);
	return true;
}

/*
 * kse_deliver: vCPU td, on its way back to ring 3 at ctx with mask, takes one completed KSE
 * call (its own vCPU's first, else the oldest): a UPC_UNBLOCKED upcall. False when there is
 * none, or its frame does not fit (the event stays for a later return).
 */
bool
kse_deliver(thread_t td, struct upcall_ctx *ctx, uint32_t mask, struct upcall_to *to)
{
	struct proc *p = td->td_proc;
	struct kse_event *ev;
	struct upcall_msg m;

	if (td->td_upcall_entry == 0)
		return false;
	crit_enter();
	TAILQ_FOREACH(ev, &p->p_kse_events, ke_link)
		if (ev->ke_vcpu == td->td_vcpuid)
			break;
	if (ev == NULL)
		ev = TAILQ_FIRST(&p->p_kse_events);
	if (ev == NULL) {
		crit_exit();
		return false;
	}
	TAILQ_REMOVE(&p->p_kse_events, ev, ke_link);
	crit_exit();
	memset(&m, 0, sizeof(m));
	m.um_type = UPC_UNBLOCKED;
	m.um_tag = ev->ke_uaddr;
	m.um_info.si_status = ev->ke_error;
	ctx->uc_sigmask = mask;
	if (!upcall_push(td, ctx, &m, to)) {
		crit_enter();
		TAILQ_INSERT_HEAD(&p->p_kse_events, ev, ke_link);
		crit_exit();
		return false;
	}
	kfree(ev);
	kse_stats.unblocked++;
	if (!TAILQ_EMPTY(&p->p_kse_events))
		td_ast_set(td, TDA_UPCALL);	/* the next one at the next return */
	return true;
}

/*
 * kse_abort: abortmsg for a message no asynchronous call holds: a blocked KSE call's, which is
 * cut short (it answers EINTR, and its UPC_UNBLOCKED follows); EINVAL when there is none.
 */
int
kse_abort(struct proc *p, uint32_t uaddr)
{
	struct ksysmsg *ksm;

	if (p->p_nkse == 0)
		return EINVAL;
	crit_enter();
	TAILQ_FOREACH(ksm, &p->p_outstanding, km_link)
		if (ksm->km_uaddr == uaddr && (ksm->km_flags & KMF_SYNC) && ksm->km_td != NULL &&
		    (ksm->km_td->td_flags & TDF_KSECALL)) {
			sysmsg_stats.aborts++;
			lwkt_abortmsg(&ksm->km_msg);
			crit_exit();
			return 0;
		}
	crit_exit();
	return EINVAL;
}

/* kse_exit: p ends, every KSE call's context gone (proc_exit waited): drop what no vCPU took. */
void
kse_exit(struct proc *p)
{
	struct kse_event *ev;

	crit_enter();
	while ((ev = TAILQ_FIRST(&p->p_kse_events)) != NULL) {
		TAILQ_REMOVE(&p->p_kse_events, ev, ke_link);
		kfree(ev);
	}
	crit_exit();
}
