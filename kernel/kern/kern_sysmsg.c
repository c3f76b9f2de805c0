/*
 * System-call messages (sys/ksysmsg.h): taking them from user memory, answering them now or
 * later, waiting for them (waitmsg, waitport), aborting them, batches (submit), and reclaiming
 * every one when a process ends.
 *
 * The trap (`int $0x80`, %eax = the message's user address) arrives in syscall(); submit and
 * the ring feed sysmsg_dispatch() the same way. A message the kernel answers at once is written
 * back at once and never queued. One that is answered EASYNC is outstanding until its object
 * completes it (sysmsg_complete), which lands in proc_replyport(): a synchronous caller is woken;
 * an asynchronous message gets its answer written into user memory and waits on p_done (or in
 * the ring's completion queue) for the process to collect it.
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
#include <string.h>
#include <machine/cpufunc.h>
#include <machine/trap.h>

#define SYSMSG_CACHE_MAX	64	/* ksysmsgs a process keeps for reuse */
#define SYSMSG_PROC_MAX		8192	/* async calls in flight or uncollected, per process */

struct sysmsg_stats sysmsg_stats;

/* -- ksysmsg allocation -------------------------------------------------------------------------- */

/*
 * ksysmsg_alloc: a ksysmsg for an asynchronous call, or NULL: out of memory, or the process
 * already has SYSMSG_PROC_MAX calls in flight or uncollected (it must collect some first).
 * Completions free ksysmsgs at interrupt time too: the cache is touched inside a critical section.
 */
static struct ksysmsg *
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
	ksm->km_flags = 0;
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

/*
 * sysmsg_forget: a call that will never answer (exit) gives back its ksysmsg now, if it was an
 * allocated one (an asynchronous submission); a synchronous one lives on the kernel stack.
 */
void
sysmsg_forget(struct ksysmsg *ksm)
{
	if ((ksm->km_flags & KMF_SYNC) == 0)
		ksysmsg_free(ksm->km_proc, ksm);
}

/* -- answering ----------------------------------------------------------------------------------- */

/*
 * answer_user: write error and result into the user's message and mark it DONE|REPLY; queued
 * says it waits on the process's reply port (DONE|REPLY|QUEUED, as an LWKT reply queued on a
 * port) until waitmsg or waitport collects it. The four fields from ms_flags to ms_result are
 * one 20-byte store: through the MMU when the process's address space is the current one,
 * through its page tables otherwise (a completion in another process's thread).
 */
static void
answer_user(struct ksysmsg *ksm, int error, bool queued)
{
	struct {
		uint32_t	flags, cmd;
		int32_t		error;
		int64_t		result;
	} __attribute__((packed)) ans;
	struct lwkt_msg *u = &ksm->km_args.hdr;
	struct proc *p = ksm->km_proc;
	uint32_t at = ksm->km_uaddr + __builtin_offsetof(struct lwkt_msg, ms_flags);

	ans.flags = (u->ms_flags | MSGF_DONE | MSGF_REPLY | (queued ? MSGF_QUEUED : 0)) &
	    ~(queued ? 0 : MSGF_QUEUED);
	ans.cmd = u->ms_cmd;
	ans.error = error;
	ans.result = error ? 0 : u->ms_result;
	TRACE_SYSMSG_ANSWER(ksm, error, ans.result, queued);
	/* The header was writable when taken; if the process unmapped it since, the answer is
	 * lost and the message never appears DONE: its own doing. */
	if (rcr3() == (uint32_t)p->p_pmap.pm_pdir)
		user_copy((void *)at, &ans, sizeof(ans));
	else
		proc_copyout(p, at, &ans, sizeof(ans));
}

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

/* proc_replyport: a call that answered EASYNC has completed (mp_replyport of p_port). */
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
		lwkt_schedule(ksm->km_td);		/* its caller waits in sysmsg_dispatch */
	} else {
		bool posted = false;
		if (ksm->km_flags & KMF_RING) {
			answer_user(ksm, msg->ms_error, false);
			posted = ring_post(p, ksm->km_uaddr) == 0;
		}
		if (posted) {
			ksysmsg_free(p, ksm);
		} else {		/* to the reply port (a full ring overflows there too) */
			answer_user(ksm, msg->ms_error, true);
			TAILQ_INSERT_TAIL(&p->p_done, ksm, km_link);
			p->p_ndone++;
		}
		wake_proc(p);
	}
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

/*
 * proc_sleep: a vCPU of the process waits for a completion or a kill. Inside a critical section;
 * returns EINTR when the process was killed meanwhile.
 */
int
proc_sleep(struct proc *p, const char *wmesg, const void *wchan)
{
	thread_t td = curthread;

	if (p->p_killed)
		return EINTR;
	td->td_flags |= TDF_PSLEEP;
	lwkt_block(wmesg, wchan);
	td->td_flags &= ~TDF_PSLEEP;
	return p->p_killed ? EINTR : 0;
}

/* -- taking a message ---------------------------------------------------------------------------- */

/*
 * sysmsg_dispatch: run the call whose message (header and arguments) is already in ksm, taken
 * from uaddr. Returns what the submitter learns at once: the error of a call answered now, or
 * EASYNC for an asynchronous call that will complete later. A synchronous call that answered
 * EASYNC is waited for here.
 */
int
sysmsg_dispatch(struct proc *p, struct ksysmsg *ksm, uint32_t uaddr)
{
	uint32_t cmd = ksm->km_args.hdr.ms_cmd;
	int error;

	/* Only what every call needs; the kernel message proper (km_msg) is set up by
	 * sysmsg_set_abort, for the calls that go asynchronous. */
	ksm->km_proc = p;
	ksm->km_uaddr = uaddr;
	ksm->km_msg.ms_flags = 0;			/* in flight */
	ksm->km_args.hdr.ms_result = 0;
	sysmsg_stats.calls++;
	TRACE_SYSMSG(ksm, uaddr);

	error = sysent[cmd].sy_call(ksm->km_args.bytes);
	if (error == EJUSTRETURN)
		return 0;			/* exec: the message belonged to the old program */
	if (error != EASYNC) {
		answer_user(ksm, error, false);
		return error;
	}
	if ((ksm->km_flags & KMF_SYNC) == 0)
		return EASYNC;
	crit_enter();
	while ((ksm->km_msg.ms_flags & MSGF_DONE) == 0) {
		if (proc_sleep(p, sysent[cmd].sy_name, ksm) == EINTR &&
		    (ksm->km_msg.ms_flags & MSGF_DONE) == 0)
			lwkt_abortmsg(&ksm->km_msg);	/* killed: end the call now */
	}
	crit_exit();
	error = ksm->km_msg.ms_error;
	answer_user(ksm, error, false);
	return error;
}

/*
 * take_message: copy the user message at uaddr (header, then its arguments) into ksm and check
 * it. Returns 0, an errno to answer it with, or -EFAULT when there is no message to answer in
 * (its header cannot be read and written).
 */
static int
take_message(uint32_t uaddr, struct ksysmsg *ksm)
{
	struct lwkt_msg *h = &ksm->km_args.hdr;
	uint32_t size;

	if (uaddr < USER_BASE || uaddr > USER_TOP - sizeof(*h) ||
	    user_copy(h, (void *)uaddr, sizeof(*h)) != 0 ||
	    user_copy((void *)(uaddr + __builtin_offsetof(struct lwkt_msg, ms_flags)), &h->ms_flags,
	    sizeof(h->ms_flags)) != 0)		/* a probe: the answer must fit */
		return -EFAULT;
	if (h->ms_flags & ~MSGF_USER_SUBMIT)
		return EINVAL;
	if (h->ms_cmd >= SYS_MAXSYSCALL || sysent[h->ms_cmd].sy_call == NULL)
		return ENOSYS;
	size = sysent[h->ms_cmd].sy_msgsize;
	if (size > sizeof(*h) && (uaddr > USER_TOP - size ||
	    user_copy(h + 1, (void *)(uaddr + sizeof(*h)), size - sizeof(*h)) != 0))
		return EFAULT;
	return 0;
}

/* reply_refused: answer a message the kernel would not take (its header is writable). */
static int
reply_refused(uint32_t uaddr, struct ksysmsg *ksm, int error)
{
	ksm->km_proc = curproc;
	ksm->km_uaddr = uaddr;
	answer_user(ksm, error, false);
	return error;
}

/*
 * submit_one: take one message and run it (a sync one waits here). how: SUBMIT_TRAP (one trap),
 * SUBMIT_RING (from the ring: complete to the ring) or SUBMIT_BATCH (one of a submit's).
 */
#define SUBMIT_TRAP	0
#define SUBMIT_RING	1
#define SUBMIT_BATCH	2

static int
submit_one(struct proc *p, uint32_t uaddr, uint32_t how)
{
	uint32_t ring = how == SUBMIT_RING;
	struct ksysmsg local, *ksm;
	thread_t td = curthread;
	int error = take_message(uaddr, &local);

	if (error < 0)
		return -error;			/* no message to answer in: only %eax says EFAULT */
	/* A batch or ring entry may not end its caller, replace its program or nest another batch;
	 * and nothing nests deeper than SYSMSG_DEPTH_MAX on one kernel stack (sys/sysent.h). */
	if (error == 0 && ((how != SUBMIT_TRAP &&
	    (sysent[local.km_args.hdr.ms_cmd].sy_flags & SYF_NOBATCH)) ||
	    td->td_sysdepth >= SYSMSG_DEPTH_MAX))
		error = EINVAL;
	if (error) {
		reply_refused(uaddr, &local, error);
		if (ring)
			ring_post(p, uaddr);	/* answered: the ring sees it like any completion */
		return error;
	}
	if ((local.km_args.hdr.ms_flags & MSGF_ASYNC) == 0 && !ring) {
		local.km_flags = KMF_SYNC | (how == SUBMIT_BATCH ? KMF_BATCH : 0);
		td->td_sysdepth++;
		error = sysmsg_dispatch(p, &local, uaddr);
		td->td_sysdepth--;
		return error;
	}
	if ((ksm = ksysmsg_alloc(p)) == NULL) {
		error = reply_refused(uaddr, &local, p->p_noutstanding + p->p_ndone >=
		    SYSMSG_PROC_MAX ? EAGAIN : ENOMEM);
		if (ring)
			ring_post(p, uaddr);
		return error;
	}
	memcpy(ksm->km_args.bytes, local.km_args.bytes, sysent[local.km_args.hdr.ms_cmd].sy_msgsize);
	ksm->km_flags = ring ? KMF_RING : how == SUBMIT_BATCH ? KMF_BATCH : 0;
	td->td_sysdepth++;
	error = sysmsg_dispatch(p, ksm, uaddr);
	td->td_sysdepth--;
	if (error == EASYNC)
		return error;
	if (ring && ring_post(p, uaddr) != 0) {
		/* answered at once, but the completion queue is full: keep it for waitport */
		answer_user(ksm, error, true);
		ksm->km_msg.ms_error = error;
		ksm->km_msg.ms_flags |= MSGF_DONE | MSGF_REPLY;
		crit_enter();
		TAILQ_INSERT_TAIL(&p->p_done, ksm, km_link);
		p->p_ndone++;
		crit_exit();
		return error;
	}
	ksysmsg_free(p, ksm);
	return error;
}

/* sysmsg_submit_ring: one message from the ring; its completion goes to the ring. */
int
sysmsg_submit_ring(struct proc *p, uint32_t uaddr)
{
	return submit_one(p, uaddr, SUBMIT_RING);
}

/* sysmsg_trap: the trap's message at uaddr; returns the put's answer for %eax. */
int
sysmsg_trap(uint32_t uaddr)
{
	return submit_one(curproc, uaddr, SUBMIT_TRAP);
}

/* -- collecting completions ------------------------------------------------------------------------ */

/* find_outstanding: the in-flight or completed ksysmsg for a user message, or NULL. */
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
 * collect: a completed message leaves the kernel's reply port. Collected by its own waiter
 * (waitmsg, exit), it is no longer QUEUED in the user's message. Collected by waitport, it keeps
 * QUEUED: whoever called waitport still has to reply it to its userland port (libcr's idle
 * vCPU does), and until then another thread must not take it for finished (see sys_waitmsg).
 */
static void
collect(struct proc *p, struct ksysmsg *ksm, bool unqueue)
{
	uint32_t flags;
	uint32_t at = ksm->km_uaddr + __builtin_offsetof(struct lwkt_msg, ms_flags);

	if (unqueue && proc_copyin(p, at, &flags, sizeof(flags)) == 0) {
		flags &= ~MSGF_QUEUED;
		proc_copyout(p, at, &flags, sizeof(flags));
	}
	TAILQ_REMOVE(&p->p_done, ksm, km_link);
	p->p_ndone--;
	ksysmsg_free(p, ksm);
}

/* sys_waitmsg: wait for one async message; answers its error. EINVAL if it is not ours. */
int
sys_waitmsg(struct waitmsg_msg *msg)
{
	struct proc *p = curproc;
	uint32_t uaddr = (uint32_t)msg->umsg;
	struct ksysmsg *ksm;
	bool done;
	int error;

	crit_enter();
	while ((ksm = find(p, uaddr, &done)) != NULL && !done) {
		if ((error = proc_sleep(p, "waitmsg", ksm)) != 0) {
			crit_exit();
			return error;
		}
	}
	if (ksm == NULL) {
		struct lwkt_msg hdr;
		crit_exit();
		if (copyin((void *)uaddr, &hdr, sizeof(hdr)) != 0)
			return EFAULT;
		if ((hdr.ms_flags & MSGF_DONE) == 0)
			return EINVAL;			/* never sent to the kernel */
		if (hdr.ms_flags & MSGF_QUEUED)
			return EALREADY;		/* a waitport took it: its reply is on its way */
		/* The header is the program's to forge: an "error" the kernel uses itself (EASYNC,
		 * EJUSTRETURN) would make the dispatcher wait for, or leak, a call never filed. */
		if (hdr.ms_error < 0 || hdr.ms_error >= EASYNC)
			return EINVAL;
		return hdr.ms_error;			/* collected before, or answered at once */
	}
	error = ksm->km_msg.ms_error;
	collect(p, ksm, true);
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
 * sys_waitport: one completed async message (its address), the caller's own first, oldest
 * first. EAGAIN when none is in flight. With WAITPORT_IDLE (see sys/vcpu.h): answers 0, no
 * message, when vcpu_wake woke the caller; EAGAIN only when every other vCPU is idle as well.
 * With WAITPORT_POLL: EAGAIN at once when none has completed.
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
		if (idle && (td->td_flags & TDF_VWAKE)) {
			td->td_flags &= ~TDF_VWAKE;
			crit_exit();
			msg->hdr.ms_result = 0;
			return 0;
		}
		if (!async_in_flight(p) && (!idle || others_idle(p))) {
			crit_exit();
			return EAGAIN;			/* nothing could ever arrive */
		}
		if (idle)
			td->td_flags |= TDF_IDLEWAIT;
		error = proc_sleep(p, "waitport", &p->p_port);
		td->td_flags &= ~TDF_IDLEWAIT;
		if (error != 0) {
			crit_exit();
			return error;
		}
	}
	msg->hdr.ms_result = ksm->km_uaddr;
	collect(p, ksm, false);
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
		return EINVAL;
	}
	if (!done) {
		sysmsg_stats.aborts++;
		lwkt_abortmsg(&ksm->km_msg);
	}
	crit_exit();
	return 0;
}

/* sys_submit: a batch of message addresses in one trap; answers how many were taken. */
int
sys_submit(struct submit_msg *msg)
{
	struct proc *p = curproc;
	uint32_t n = msg->len / sizeof(uint32_t), i;
	const uint32_t *vec = msg->vec;

	for (i = 0; i < n; i++) {
		uint32_t uaddr;
		struct lwkt_msg probe;
		/* Read each entry afresh and fault-safely: an earlier message may have unmapped it. */
		if (copyin(&vec[i], &uaddr, sizeof(uaddr)) != 0)
			break;
		if (submit_one(p, uaddr, SUBMIT_BATCH) == EFAULT &&
		    copyin((void *)uaddr, &probe, sizeof(probe)) != 0)
			break;			/* a bad address ends the batch: report how far it got */
		if (p->p_killed)
			break;
	}
	msg->hdr.ms_result = i;
	return 0;
}

/*
 * sysmsg_proc_exit: abort every message of the exiting process and free them all. The calling
 * thread's own exit call (a sync message on its stack) just leaves the list.
 */
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

void
sysmsg_proc_exit(struct proc *p)
{
	struct ksysmsg *ksm;

	crit_enter();
	sysmsg_proc_abort(p);
	KASSERT(TAILQ_EMPTY(&p->p_outstanding), "a syscall message could not be aborted");
	while ((ksm = TAILQ_FIRST(&p->p_done)) != NULL)
		collect(p, ksm, true);
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
