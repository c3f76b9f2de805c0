/*
 * The KSE model in libcr (docs/dillon-vs-kse.md): Elischer's scheduler activations beside
 * Dillon's parked messages, on the same threads, ports and API.
 *
 * With cr_sched_model(CR_SCHED_KSE) a stub's call goes to the kernel as a plain synchronous
 * call even once threads exist (cr_trap_flags keeps MSGF_ASYNC off). One that must wait keeps
 * its kernel context there, and the vCPU comes back in cr_upcall_entry with UPC_BLOCKED, on the
 * blocked thread's own stack: cr_kse_blocked files the thread as blocked on its message and
 * switches to another thread. When the call completes the kernel writes the thread's whole
 * context (%eax its answer) into that upcall's frame and some vCPU takes UPC_UNBLOCKED for the
 * message: cr_kse_unblocked wakes the thread, which, switched to again in cr_kse_blocked,
 * resumes the frame's context with upcall_resume: for the stub the trap has simply returned.
 *
 * A UPC_UNBLOCKED can land anywhere, the scheduler's own sections included; it only records
 * the message in its vCPU's ring (a slot reserved with one atomic add, then marked full, so an
 * upcall nested inside another's recording cannot take the same slot) and, if the scheduler is
 * not busy, drains the rings at once; otherwise the drain waits for the section's end
 * (cr_sig_deferred's CR_SIG_KSE bit, cr_sig_run_deferred). A completion whose thread has not
 * filed itself yet (its UPC_BLOCKED is still on its way) waits in `early` until it does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/errno.h>
#include <sys/syscalls.h>
#include <sys/sysmsg.h>
#include <abi/upcall.h>
#include <cr/park.h>
#include <cr/sched.h>
#include <cr/sysport.h>
#include <cr/thread.h>

int cr_kse;

#define RING		512		/* completions a vCPU can hold before a drain */
#define EARLY_MAX	64

struct ring {
	volatile uint32_t tail;		/* slots reserved (producers: upcalls on this vCPU) */
	uint32_t	head;		/* slots drained (the one drainer: a section's holder) */
	volatile uint32_t slot[RING];	/* a message's address; 0 while reserved, not written */
};
static struct ring rings[CR_VCPU_MAX];
static uint32_t early[EARLY_MAX];	/* completions whose thread has not filed itself yet */
static int nearly;
static TAILQ_HEAD(, thread) blocked = TAILQ_HEAD_INITIALIZER(blocked);

#define LOG_MAX		64
static struct cr_kse_event kse_log[LOG_MAX];	/* the last upcalls, in the order they came */
static volatile uint32_t kse_nlog;

/* log: one more upcall for cr_kse_history (a slot reserved atomically: upcalls nest). */
static void
log_upcall(uint32_t type, uint32_t msg)
{
	uint32_t at = __atomic_fetch_add(&kse_nlog, 1, __ATOMIC_ACQ_REL) % LOG_MAX;

	kse_log[at].ke_type = type;
	kse_log[at].ke_msg = msg;
}

/* cr_kse_upcalls: how many KSE upcalls came (cr_kse_history keeps the last 64). */
uint32_t
cr_kse_upcalls(void)
{
	return kse_nlog;
}

/* cr_kse_history: the last (at most max, at most 64) KSE upcalls, oldest first; how many. */
int
cr_kse_history(struct cr_kse_event *out, int max)
{
	uint32_t n = kse_nlog, first = n > LOG_MAX ? n - LOG_MAX : 0;
	int k = 0;

	for (uint32_t i = first; i < n && k < max; i++)
		out[k++] = kse_log[i % LOG_MAX];
	return k;
}

extern char cr_switch_end[];

/*
 * cr_sched_model: choose the model; see cr/thread.h. The kernel is told first (it refuses KSE
 * without an upcall entry, or with several vCPUs).
 */
int
cr_sched_model(int model)
{
	int old = cr_kse ? CR_SCHED_KSE : CR_SCHED_DILLON;

	if (model != CR_SCHED_DILLON && model != CR_SCHED_KSE) {
		errno = EINVAL;
		return -1;
	}
	if (model == old)
		return old;
	if (cr_threaded) {
		errno = EINVAL;		/* its threads' calls were made under the other model */
		return -1;
	}
	if (__sys_sched_model(model == CR_SCHED_KSE ? SCHED_KSE : SCHED_DILLON) == -1)
		return -1;
	cr_kse = model == CR_SCHED_KSE;
	if (cr_kse) {
		cr_sig_masks_on();	/* no assembly fast yield: an upcall may land in it */
		cr_sched_idle_thread(&cr_vcpus[0]);	/* the first UPC_BLOCKED switches to it */
	}
	return old;
}

/*
 * cr_kse_forked: in fork's child (cr_sched_forked): the parent's blocked threads are not the
 * child's, nor are the completions it had recorded.
 */
void
cr_kse_forked(void)
{
	if (!cr_kse)
		return;
	TAILQ_INIT(&blocked);
	nearly = 0;
	for (int i = 0; i < CR_VCPU_MAX; i++) {
		struct ring *r = &rings[i];
		for (; r->head != r->tail; r->head++)
			r->slot[r->head % RING] = 0;
	}
}

/* kse_abort: lwkt_abortmsg on a blocked KSE call asks the kernel to end it (EINTR). */
static void
kse_abort(lwkt_msg_t msg)
{
	__sys_abortmsg(msg);
}

/* take_early: was msg's completion here before its thread filed itself? Under a section. */
static bool
take_early(uint32_t msg)
{
	for (int i = 0; i < nearly; i++)
		if (early[i] == msg) {
			early[i] = early[--nearly];
			return true;
		}
	return false;
}

/* complete: msg's call is done: wake its thread, or keep it for the thread. Under a section. */
static void
complete(uint32_t msg)
{
	cr_thread_t td;

	TAILQ_FOREACH(td, &blocked, td_kseq)
		if ((uint32_t)td->td_kse_msg == msg) {
			TAILQ_REMOVE(&blocked, td, td_kseq);
			td->td_kse_msg = NULL;
			cr_sched_wakeup(td);
			return;
		}
	if (nearly == EARLY_MAX)
		cr_msgport_fatal("KSE: too many completions ahead of their UPC_BLOCKED", (void *)msg);
	early[nearly++] = msg;
}

/* cr_kse_drain: every vCPU's recorded completions, in order. Under a section. */
void
cr_kse_drain(void)
{
	for (int i = 0; i < CR_VCPU_MAX; i++) {
		struct ring *r = &rings[i];
		uint32_t m;

		while (r->head != r->tail && (m = r->slot[r->head % RING]) != 0) {
			r->slot[r->head % RING] = 0;
			r->head++;
			complete(m);
		}
	}
}

/* busy: the upcall interrupted the scheduler (a section, or the middle of a switch). */
static bool
busy(cr_thread_t td, const struct upcall_ctx *ctx)
{
	return td->td_crit > 0 ||
	    (ctx->uc_eip >= (uint32_t)&cr_thread_yield && ctx->uc_eip < (uint32_t)cr_switch_end);
}

/* wake_self: the calling vCPU's next idle waitport returns at once (vcpu_wake on itself). */
static void
wake_self(struct cr_vcpu *vc)
{
	struct vcpu_wake_msg w;

	w.hdr.ms_cmd = SYS_vcpu_wake;
	w.id = vc->vc_id;
	cr_trap_sync(&w.hdr);
}

/*
 * cr_kse_unblocked: UPC_UNBLOCKED for the call at msg, on the vCPU the calling thread runs:
 * record it, and drain now unless the scheduler is busy (then at the section's end).
 */
void
cr_kse_unblocked(uint32_t msg, const struct upcall_ctx *ctx)
{
	cr_thread_t td = cr_curthread;
	struct cr_vcpu *vc = td->td_vcpu;
	struct ring *r = &rings[vc - cr_vcpus];
	uint32_t at = __atomic_fetch_add(&r->tail, 1, __ATOMIC_ACQ_REL);

	log_upcall(UPC_UNBLOCKED, msg);
	if (at - r->head >= RING)
		cr_msgport_fatal("KSE: the completion ring is full", (void *)msg);
	__atomic_store_n(&r->slot[at % RING], msg, __ATOMIC_RELEASE);
	/*
	 * The kernel has handed this completion over: it keeps nothing that would end an idle
	 * waitport. If the vCPU is on its way into one (its idle loop after its section ended, or
	 * wait_here between its drain and its call), that wait must still return: vcpu_wake on
	 * itself makes its next idle waitport return at once (a spare return costs one loop).
	 */
	if (vc->vc_idle || vc->vc_kse_waiting)
		wake_self(vc);
	if (busy(td, ctx)) {
		__atomic_or_fetch(&cr_sig_deferred, CR_SIG_KSE, __ATOMIC_ACQ_REL);
		return;
	}
	cr_crit_enter();
	cr_kse_drain();
	cr_crit_exit();
}

/*
 * wait_here: a call blocked where its thread cannot switch away (inside a section, or on the
 * idle thread): the vCPU waits in the kernel until the call's completion comes, handing on
 * whatever else completes meanwhile.
 */
static void
wait_here(uint32_t msg)
{
	struct waitport_msg w;

	struct cr_vcpu *vc = cr_curthread->td_vcpu;
	bool nested = vc->vc_kse_waiting;

	cr_crit_enter();
	vc->vc_kse_waiting = true;		/* a completion between the drain and the wait wakes it */
	for (;;) {
		cr_kse_drain();
		if (take_early(msg))
			break;
		w.hdr.ms_cmd = SYS_waitport;
		w.flags = WAITPORT_IDLE;
		if (cr_trap_sync(&w.hdr) == 0 && w.hdr.ms_result != 0)
			cr_sched_deliver((lwkt_msg_t)(uint32_t)w.hdr.ms_result);
	}
	vc->vc_kse_waiting = nested;
	cr_crit_exit();
}

/*
 * cr_kse_blocked: UPC_BLOCKED: the calling thread's call (msg) waits in the kernel, which has
 * given the vCPU back here. Run other threads until it completes; then continue the thread from
 * the context the kernel wrote into ctx, running first the handlers of any signal that cut the
 * call short (and making the call again under SA_RESTART), as cr_park does.
 */
void
cr_kse_blocked(uint32_t msg, struct upcall_ctx *ctx)
{
	cr_thread_t td = cr_curthread;
	lwkt_msg_t m = (lwkt_msg_t)msg;

	log_upcall(UPC_BLOCKED, msg);
	if (busy(td, ctx) || td->td_idle) {
		wait_here(msg);
	} else {
		m->ms_abortfn = kse_abort;		/* a signal may cut it short (signal.c) */
		m->ms_flags |= MSGF_ABORTABLE;
		cr_crit_enter();
		cr_kse_drain();
		if (!take_early(msg)) {
			td->td_kse_msg = m;
			td->td_parkmsg = m;		/* a signal or a cancel aborts it from here on */
			TAILQ_INSERT_TAIL(&blocked, td, td_kseq);
			if (__builtin_expect(cr_pthreads, 0) && cr_cancel_due(td)) {
				cr_crit_exit();
				lwkt_abortmsg(m);	/* cancelled before it parked: end it now */
				cr_crit_enter();
			}
			while (td->td_kse_msg != NULL)
				sched_block(td, "kse", m);
			td->td_parkmsg = NULL;
		}
		cr_crit_exit();
		m->ms_flags &= ~(MSGF_ABORTABLE | MSGF_ABORTED);
		/* A cancellation point, as cr_waitmsg_cancellable is in Dillon's model: a due cancel
		 * ends the thread here (the upcall frame is left behind, as siglongjmp leaves one). */
		if (__builtin_expect(cr_pthreads, 0) && cr_cancel_due(td) && cr_cancel_act != NULL)
			cr_cancel_act();
	}
	if (__builtin_expect(td->td_sigq != 0 ||
	    (cr_sig_held & ~td->td_vcpu->vc_upcall.ua_sigmask) != 0, 0))
		ctx->uc_eax = (uint32_t)cr_sig_after_park(m, (int)ctx->uc_eax);
	cr_upcall_resume(ctx);
}
