/*
 * Calls that complete later (sys/ksysmsg.h): filing them (sysmsg_set_abort), completing them
 * (sysmsg_complete, which lands in proc_replyport), collecting them (waitmsg, waitport),
 * aborting them (abortmsg), and reclaiming every one when a process ends.
 *
 * A call its handler filed is outstanding (p_outstanding) until its object completes it. A
 * synchronous caller is then woken on its own stack (kern_sysmsg.c: wait_sync). An asynchronous
 * call moves to p_done, still holding its answer, until the process collects it with waitmsg or
 * waitport, which write the answer into the user's message in the process's own address space;
 * or, from the ring, its answer is written and its address posted to the completion queue at
 * once. Until then the message's ms_error reads EASYNC.
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/globaldata.h>
#include <sys/ksysmsg.h>
#include <sys/malloc.h>
#include <sys/proc.h>
#include <sys/ring.h>
#include <sys/sysent.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/trace.h>
#include <sys/uaccess.h>
#include <sys/vcpu.h>

#define SYSMSG_CACHE_MAX	64	/* ksysmsgs a process keeps for reuse */

/* -- ksysmsg allocation -------------------------------------------------------------------------- */

/*
 * ksysmsg_alloc: a ksysmsg for an asynchronous call that must wait, or NULL: out of memory, or
 * the process already has SYSMSG_PROC_MAX calls in flight or uncollected (it must collect some
 * first). Completions free ksysmsgs at interrupt time too: the cache is touched inside a critical
 * section.
 */
struct ksysmsg *
ksysmsg_alloc(struct proc *p)
{
	struct ksysmsg *ksm;

	crit_enter();
	if (p->p_noutstanding + p->p_ndone >= SYSMSG_PROC_MAX) {
		crit_exit();
		return NULL;
	}
	if ((ksm = TAILQ_FIRST(&p->p_free)) != NULL) {
		TAILQ_REMOVE(&p->p_free, ksm, km_link);
		p->p_nfree--;
	}
	crit_exit();
	if (ksm == NULL) {
		if ((ksm = kmalloc(sizeof(*ksm))) == NULL)
			return NULL;
		sysmsg_stats.allocs++;
		sysmsg_stats.live++;
	}
	return ksm;
}

static void
ksysmsg_free(struct proc *p, struct ksysmsg *ksm)
{
	crit_enter();
	if (p->p_nfree < SYSMSG_CACHE_MAX) {
		TAILQ_INSERT_HEAD(&p->p_free, ksm, km_link);
		p->p_nfree++;
		crit_exit();
		return;
	}
	crit_exit();
	kfree(ksm);
	sysmsg_stats.frees++;
	sysmsg_stats.live--;
}

/* -- filing and completing ----------------------------------------------------------------------- */

/* sysmsg_complete: the object is done with the call: error, and result when error is 0. */
void
sysmsg_complete(struct ksysmsg *ksm, int error, int64_t result)
{
	ksm->km_args.hdr.ms_result = result;
	lwkt_replymsg(&ksm->km_msg, error);
}

/*
 * sysmsg_set_abort: the call is filed at obj and will answer EASYNC; abortfn ends it early
 * (replying EINTR). From here it is outstanding: on p_outstanding, where exit and kill find it.
 * Call it inside the critical section that files the call, so no completion can come first.
 */
void
sysmsg_set_abort(struct ksysmsg *ksm, void *obj, void (*abortfn)(lwkt_msg_t))
{
	struct proc *p = ksm->km_proc;

	ksm->km_td = curthread;
	ksm->km_obj = obj;
	ksm->km_msg.ms_reply_port = &p->p_port;
	ksm->km_msg.ms_cmd = ksm->km_args.hdr.ms_cmd;
	ksm->km_msg.ms_error = 0;
	ksm->km_msg.ms_abortfn = abortfn;
	ksm->km_msg.ms_flags = MSGF_ABORTABLE;		/* in flight, abortable */
	TAILQ_INSERT_TAIL(&p->p_outstanding, ksm, km_link);
	p->p_noutstanding++;
	sysmsg_stats.outstanding++;
}

/* outstanding_remove: the call (filed by sysmsg_set_abort) is no longer in flight. */
static void
outstanding_remove(struct proc *p, struct ksysmsg *ksm)
{
	TAILQ_REMOVE(&p->p_outstanding, ksm, km_link);
	p->p_noutstanding--;
	sysmsg_stats.outstanding--;
}

/* wake_proc: every vCPU of p waiting in proc_sleep re-checks what it waits for. */
void
wake_proc(struct proc *p)
{
	thread_t td;

	FOREACH_VCPU(p, td)
		if (td->td_flags & TDF_PSLEEP)
			lwkt_schedule(td);
}

/*
 * proc_replyport: a call that answered EASYNC has completed (mp_replyport of p_port). A
 * synchronous caller is woken on its stack. A ring's call gets its answer written and its
 * address posted now; any other asynchronous call waits on p_done for waitmsg or waitport (a
 * full completion queue overflows there too).
 */
static void
proc_replyport(lwkt_port_t port, lwkt_msg_t msg)
{
	struct ksysmsg *ksm = (struct ksysmsg *)msg;
	struct proc *p = port->mp_arg;

	crit_enter();
	outstanding_remove(p, ksm);
	sysmsg_stats.async_later++;
	msg->ms_flags |= MSGF_DONE | MSGF_REPLY;
	if (ksm->km_flags & KMF_SYNC) {
		lwkt_schedule(ksm->km_td);		/* its caller waits in wait_sync */
		/* A KSE call's context: let it run at the caller's next return to ring 3, so that
		 * its UPC_UNBLOCKED is delivered then, not at the next tick (kern_kse.c). */
		if (__builtin_expect(ksm->km_td->td_flags & TDF_KSECALL, 0))
			td_ast_set(curthread, TDA_YIELD);
		crit_exit();
		return;
	}
	KASSERT(msg->ms_error != ERESTART, "ERESTART for a caller that does not wait in the kernel");
	if ((ksm->km_flags & KMF_RING) && ring_post_answer(ksm) == 0) {
		ksysmsg_free(p, ksm);
	} else {
		TAILQ_INSERT_TAIL(&p->p_done, ksm, km_link);
		p->p_ndone++;
	}
	wake_proc(p);
	crit_exit();
}

/* sysmsg_done_now: an answered call that must still be collected with waitport (a full ring). */
void
sysmsg_done_now(struct ksysmsg *ksm, int error)
{
	struct proc *p = ksm->km_proc;

	ksm->km_msg.ms_error = error;
	ksm->km_msg.ms_flags = MSGF_DONE | MSGF_REPLY;
	crit_enter();
	TAILQ_INSERT_TAIL(&p->p_done, ksm, km_link);
	p->p_ndone++;
	crit_exit();
}

void
sysmsg_proc_init(struct proc *p)
{
	lwkt_initport_thread(&p->p_port, NULL);
	p->p_port.mp_replyport = proc_replyport;
	p->p_port.mp_arg = p;
	TAILQ_INIT(&p->p_outstanding);
	TAILQ_INIT(&p->p_done);
	TAILQ_INIT(&p->p_free);
}

/* -- collecting completions ------------------------------------------------------------------------ */

/* find: the in-flight or completed asynchronous ksysmsg for a user message, or NULL. */
static struct ksysmsg *
find(struct proc *p, uint32_t uaddr, bool *done)
{
	struct ksysmsg *ksm;

	TAILQ_FOREACH(ksm, &p->p_done, km_link)
		if (ksm->km_uaddr == uaddr) {
			*done = true;
			return ksm;
		}
	TAILQ_FOREACH(ksm, &p->p_outstanding, km_link)
		if (ksm->km_uaddr == uaddr && (ksm->km_flags & KMF_SYNC) == 0) {
			*done = false;
			return ksm;
		}
	return NULL;
}

/*
 * collect: a completed message leaves the kernel: its answer is written into the user's
 * message (the caller runs in the process's address space) and its ksysmsg is freed.
 */
static int
collect(struct proc *p, struct ksysmsg *ksm)
{
	int error = ksm->km_msg.ms_error;

	TAILQ_REMOVE(&p->p_done, ksm, km_link);
	p->p_ndone--;
	sysmsg_answer(ksm, error);
	ksysmsg_free(p, ksm);
	return error;
}

/*
 * sys_waitmsg: wait for one asynchronous message the kernel holds, write its answer, and answer
 * its error. EINVAL when the kernel does not hold it: never sent, answered at once, or collected
 * already (by waitport on another vCPU, say).
 */
int
sys_waitmsg(struct waitmsg_msg *msg)
{
	struct proc *p = curproc;
	struct ksysmsg *ksm;
	bool done;
	int error;

	crit_enter();
	while ((ksm = find(p, (uint32_t)msg->umsg, &done)) != NULL && !done) {
		if ((error = proc_sleep(p, "waitmsg", ksm)) != 0) {
			crit_exit();
			return error;
		}
	}
	error = ksm == NULL ? EINVAL : collect(p, ksm);
	crit_exit();
	return error;
}

/*
 * take_done: the oldest completed message that the calling vCPU sent, or else the oldest of
 * any vCPU's (a completion is never stranded behind a busy vCPU), or NULL.
 */
static struct ksysmsg *
take_done(struct proc *p)
{
	struct ksysmsg *ksm;

	TAILQ_FOREACH(ksm, &p->p_done, km_link)
		if (ksm->km_td == curthread)
			return ksm;
	return TAILQ_FIRST(&p->p_done);
}

/* async_in_flight: some async call of p (not a ring's) could still complete to p_done. */
static bool
async_in_flight(struct proc *p)
{
	struct ksysmsg *o;

	TAILQ_FOREACH(o, &p->p_outstanding, km_link)
		if ((o->km_flags & (KMF_SYNC | KMF_RING)) == 0)
			return true;
	return false;
}

/* others_idle: every other vCPU of p waits idle in waitport, with no vcpu_wake pending. */
static bool
others_idle(struct proc *p)
{
	thread_t td;

	FOREACH_VCPU(p, td)
		if (td != curthread && (td->td_flags & (TDF_IDLEWAIT | TDF_VWAKE)) != TDF_IDLEWAIT)
			return false;
	return true;
}

/*
 * sys_waitport: collect one completed asynchronous message — its answer written, its address
 * answered — the caller's own first, oldest first. EAGAIN when none is in flight. With
 * WAITPORT_IDLE (see sys/vcpu.h): answers 0, no message, when vcpu_wake woke the caller; EAGAIN
 * only when every other vCPU is idle as well. With WAITPORT_POLL: EAGAIN at once when none has
 * completed.
 */
int
sys_waitport(struct waitport_msg *msg)
{
	struct proc *p = curproc;
	thread_t td = curthread;
	bool idle = msg->flags & WAITPORT_IDLE;
	struct ksysmsg *ksm;
	int error;

	if (msg->flags & ~WAITPORT_FLAGS)
		return EINVAL;
	crit_enter();
	while ((ksm = take_done(p)) == NULL) {
		if (msg->flags & WAITPORT_POLL) {
			crit_exit();
			return EAGAIN;			/* nothing completed: the caller goes on */
		}
		/* (td_poked: a poke that came while it was on its way here from another CPU; only
		 * Dillon's model places vCPUs elsewhere: a KSE vCPU's pokes stay as they were.) */
		if (idle && ((td->td_flags & TDF_VWAKE) || (td->td_poked && p->p_model == SCHED_DILLON) ||
		    sig_deliverable(p, td) ||
		    (__builtin_expect(!TAILQ_EMPTY(&p->p_kse_events), 0) && kse_pending(p, td)))) {
			td_flags_clear(td, TDF_VWAKE);
			crit_exit();
			msg->hdr.ms_result = 0;
			return 0;
		}
		if (!async_in_flight(p) && p->p_nkse == 0 && (!idle || others_idle(p))) {
			crit_exit();
			return EAGAIN;			/* nothing could ever arrive */
		}
		if (idle)
			td_flags_set(td, TDF_IDLEWAIT);
		error = proc_sleep(p, "waitport", &p->p_port);
		td_flags_clear(td, TDF_IDLEWAIT);
		if (error != 0) {
			crit_exit();
			return error;
		}
	}
	msg->hdr.ms_result = ksm->km_uaddr;
	collect(p, ksm);
	crit_exit();
	return 0;
}

/* sys_abortmsg: end an outstanding async message early; it completes (EINTR) like any other. */
int
sys_abortmsg(struct abortmsg_msg *msg)
{
	struct proc *p = curproc;
	struct ksysmsg *ksm;
	bool done;

	crit_enter();
	ksm = find(p, (uint32_t)msg->umsg, &done);
	if (ksm == NULL) {
		crit_exit();
		return kse_abort(p, (uint32_t)msg->umsg);	/* a KSE call's, or EINVAL */
	}
	if (!done) {
		sysmsg_stats.aborts++;
		lwkt_abortmsg(&ksm->km_msg);
	}
	crit_exit();
	return 0;
}

/* -- when a process ends ------------------------------------------------------------------------- */

/* sysmsg_proc_abort: abort every message of the process still in flight. */
void
sysmsg_proc_abort(struct proc *p)
{
	struct ksysmsg *ksm, *next;

	crit_enter();
	for (ksm = TAILQ_FIRST(&p->p_outstanding); ksm != NULL; ksm = next) {
		next = TAILQ_NEXT(ksm, km_link);
		sysmsg_stats.aborts++;
		lwkt_abortmsg(&ksm->km_msg);	/* every object replies at once */
	}
	crit_exit();
}

/*
 * sysmsg_proc_exit: stop the ring's polling thread, abort every message of the exiting process
 * and free them all, the cache included. Their answers are not written: the address space is
 * going too.
 */
void
sysmsg_proc_exit(struct proc *p)
{
	struct ksysmsg *ksm;

	ring_kpoll_stop(p);		/* the polling thread takes no more calls, and is gone */
	crit_enter();
	sysmsg_proc_abort(p);
	KASSERT(TAILQ_EMPTY(&p->p_outstanding), "a syscall message could not be aborted");
	while ((ksm = TAILQ_FIRST(&p->p_done)) != NULL) {
		TAILQ_REMOVE(&p->p_done, ksm, km_link);
		p->p_ndone--;
		ksysmsg_free(p, ksm);
	}
	while ((ksm = TAILQ_FIRST(&p->p_free)) != NULL) {
		TAILQ_REMOVE(&p->p_free, ksm, km_link);
		kfree(ksm);
		sysmsg_stats.frees++;
		sysmsg_stats.live--;
	}
	p->p_nfree = 0;
	ring_destroy(p);
	crit_exit();
}
