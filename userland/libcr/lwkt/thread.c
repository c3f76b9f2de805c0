/*
 * libcr's user-thread scheduler (cr/thread.h): user threads on the process's virtual CPUs.
 *
 * Each vCPU has a run queue (sys/runq.h, shared with the kernel: a ring per priority, FIFO; the
 * running thread stays at the head of its ring) and an idle thread. A thread that blocks, yields
 * or exits switches to the best thread of its vCPU's queue, or to the idle thread when the queue
 * is empty. The idle thread steals a runnable thread from another vCPU, or else waits in the
 * kernel (waitport, WAITPORT_IDLE) for a completed system call, which it replies to the waiting
 * thread's reply port, or for another vCPU's vcpu_wake when that vCPU hands it work.
 *
 * Two paths skip the scheduler's choice. A yield among equals on the only vCPU is a few
 * instructions of assembly (switch.S: cr_thread_yield), armed by fast_arm. A domsg to a thread
 * blocked in waitport hands the message and the vCPU straight to it (sched_handoff in
 * cr/sched.h, which the port code compiles in; so are the switch and the block).
 *
 * One spin lock, cr_sched_lock, guards it all (and every port: cr/msgport_sys.h). Every switch
 * happens with the lock held, by a thread whose td_crit is at least 1; the thread switched to
 * owns the lock from then on and releases it at its own cr_crit_exit (a new thread starts with
 * td_crit = 1 for that). So no other vCPU can take a thread off a queue before its registers
 * are saved.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/errno.h>
#include <sys/switchframe.h>
#include <sys/sysmsg.h>
#include <cr/sched.h>
#include <cr/sysport.h>
#include <cr/thread.h>
#include <cr/tls.h>
#include <cr/msgport_sys.h>

/* switch.S hard-codes these (cr/sched.h). */
#define OFFSET(type, field)	__builtin_offsetof(struct type, field)
_Static_assert(OFFSET(thread, td_sp) == CR_TD_SP, "CR_TD_SP");
_Static_assert(OFFSET(thread, td_gs) == CR_TD_GS, "CR_TD_GS");
_Static_assert(OFFSET(thread, td_rqnext) == CR_TD_RQNEXT, "CR_TD_RQNEXT");
_Static_assert(OFFSET(cr_vcpu, vc_fast_left) == CR_VC_FAST_LEFT, "CR_VC_FAST_LEFT");
_Static_assert(OFFSET(cr_vcpu, vc_cur) == CR_VC_CUR, "CR_VC_CUR");
_Static_assert(OFFSET(cr_tcb, tcb_thread) == CR_TCB_THREAD, "CR_TCB_THREAD");
_Static_assert(OFFSET(cr_vcpu, vc_hand_left) == CR_VC_HAND_LEFT, "CR_VC_HAND_LEFT");
_Static_assert(OFFSET(thread, td_pri) == CR_TD_PRI, "CR_TD_PRI");
_Static_assert(OFFSET(thread, td_crit) == CR_TD_CRIT, "CR_TD_CRIT");
_Static_assert(OFFSET(thread, td_state) == CR_TD_STATE, "CR_TD_STATE");
_Static_assert(OFFSET(thread, td_wmesg) == CR_TD_WMESG, "CR_TD_WMESG");
_Static_assert(OFFSET(thread, td_wchan) == CR_TD_WCHAN, "CR_TD_WCHAN");
_Static_assert(OFFSET(thread, td_msgport) == CR_TD_MSGPORT, "CR_TD_MSGPORT");
_Static_assert(OFFSET(lwkt_port, mp_msgq.tqh_first) == CR_MP_MSGQ_FIRST, "CR_MP_MSGQ_FIRST");
_Static_assert(OFFSET(lwkt_port, mp_flags) == CR_MP_FLAGS, "CR_MP_FLAGS");
_Static_assert(OFFSET(lwkt_port, mp_td) == CR_MP_TD, "CR_MP_TD");
_Static_assert(OFFSET(lwkt_port, mp_handoff) == CR_MP_HANDOFF, "CR_MP_HANDOFF");
_Static_assert(OFFSET(lwkt_msg, ms_error) == CR_MS_ERROR, "CR_MS_ERROR");
_Static_assert(OFFSET(lwkt_msgstats, sends) == CR_STATS_SENDS, "CR_STATS_SENDS");
_Static_assert(OFFSET(lwkt_msgstats, replies) == CR_STATS_REPLIES, "CR_STATS_REPLIES");
#undef OFFSET
_Static_assert(MSGF_DONE == CR_MSGF_DONE && MSGF_REPLY == CR_MSGF_REPLY &&
    MSGF_QUEUED == CR_MSGF_QUEUED && MSGF_ABORTED == CR_MSGF_ABORTED && MSGF_SYNC == CR_MSGF_SYNC,
    "CR_MSGF_");
_Static_assert(MSGPORTF_THREAD == CR_MSGPORTF_THREAD && MSGPORTF_WAITING == CR_MSGPORTF_WAITING &&
    MSGPORTF_RECEIVING == CR_MSGPORTF_RECEIVING, "CR_MSGPORTF_");
_Static_assert(CR_RUNNABLE == CR_STATE_RUNNABLE && CR_BLOCKED == CR_STATE_BLOCKED, "CR_STATE_");
_Static_assert(CR_PRI_MAX + 1 == RUNQ_NPRI, "a run-queue ring per priority");

/* The fast yields one arming allows; past them, one slow yield folds the count and re-arms. */
#define FAST_BUDGET	0x7fffffff

struct cr_spin cr_sched_lock;
int cr_several_vcpus;
struct cr_vcpu cr_vcpus[CR_VCPU_MAX];
static int nvcpus_made = 1;		/* cr_vcpus[0 .. nvcpus_made) have been set up */
static int nvcpus_running = 1;

static struct thread main_thread = { .td_state = CR_RUNNABLE, .td_pri = CR_PRI_DEFAULT,
    .td_name = "main", .td_vcpu = &cr_vcpus[0] };
int cr_threaded;

static TAILQ_HEAD(, thread) allthreads = TAILQ_HEAD_INITIALIZER(allthreads);
static int nthreads = 1;

void	cr_thread_start(void);
__attribute__((regparm(2))) void cr_switch_traced(cr_thread_t from, cr_thread_t to);
void	cr_thread_entry(cr_thread_t td);
void	cr_thread_yield_slow(void);
void	cr_yield_resume(void);
void	cr_yield_resumed(void);
static void idle_loop(cr_thread_t self);
static void deliver(struct cr_vcpu *vc, lwkt_msg_t m);

/* calls_in_flight: system calls answered EASYNC and not collected yet (cr/sysport.h). */
static inline int
calls_in_flight(void)
{
	return CR_CALLS_IN_FLIGHT;
}

/* -- TLS descriptor slots in the process's LDT: slot 0 is the main thread's ---------------- */

#define TLS_SLOTS	512
static uint32_t slot_used[TLS_SLOTS / 32] = { 1 };
static char main_tls[1024] __attribute__((aligned(64)));

static int
slot_alloc(void)
{
	int slot = -1;

	cr_crit_enter();
	for (int i = 0; i < TLS_SLOTS && slot < 0; i++)
		if ((slot_used[i / 32] & (1u << (i % 32))) == 0) {
			slot_used[i / 32] |= 1u << (i % 32);
			slot = i;
		}
	cr_crit_exit();
	return slot;
}

static void
slot_free(unsigned int slot)
{
	cr_crit_enter();
	slot_used[slot / 32] &= ~(1u << (slot % 32));
	cr_crit_exit();
}

/* -- run queues (all under cr_sched_lock) ------------------------------------------------- */

/* ring_replace: td takes old's place in its ring (a fast hand-off's, made good at disarming). */
static void
ring_replace(cr_thread_t old, cr_thread_t td)
{
	if (old->td_rqnext == old) {
		td->td_rqnext = td;
		td->td_rqprev = td;
	} else {
		td->td_rqnext = old->td_rqnext;
		td->td_rqprev = old->td_rqprev;
		td->td_rqprev->td_rqnext = td;
		td->td_rqnext->td_rqprev = td;
	}
}

/*
 * cr_sched_fast_off: vc's yields and hand-offs take the slow path from now on (until a slow
 * yield, domsg or replywait arms them again). The fast ones made meanwhile are added to its
 * counts, the running thread takes the ring's place its fast hand-offs left to vc_slot, and the
 * head of its ring, which fast yields left behind, is brought up to date: while armed, the
 * running thread is that head (see struct cr_vcpu in cr/sched.h).
 */
void
cr_sched_fast_off(struct cr_vcpu *vc)
{
	vc->vc_stats.switches += (uint32_t)(vc->vc_fast_armed - vc->vc_fast_left);
	if (vc->vc_hand_armed != 0) {
		uint32_t n = (uint32_t)(vc->vc_hand_armed - vc->vc_hand_left);

		vc->vc_stats.switches += n;
		vc->vc_stats.handoffs += n;
		if (vc->vc_slot != vc->vc_cur)
			ring_replace(vc->vc_slot, vc->vc_cur);
		vc->vc_hand_armed = 0;
		vc->vc_hand_left = 0;
		vc->vc_slot = NULL;
	}
	vc->vc_fast_armed = 0;
	vc->vc_fast_left = 0;
	vc->vc_runq.rq_head[vc->vc_cur->td_pri] = vc->vc_cur;
}

/*
 * cr_sched_handoff_arm: the calling thread runs on vCPU 0, back from a slow lwkt_domsg or
 * lwkt_replywait (the port seam's msgport_fast_rearm, when nothing is armed). Let the next ones
 * take the assembly hand-off paths (switch.S) if what they skip cannot matter until the run
 * queue changes: fast_arm's conditions but company, and no trace kernel (the fast paths call
 * cr_switch, not cr_switch_fn). The caller holds its ring's place while armed (vc_slot).
 */
void
cr_sched_handoff_arm(void)
{
	cr_thread_t td = cr_curthread;
	struct cr_vcpu *vc = &cr_vcpus[0];
	struct runq *rq;

	if (cr_several_vcpus || cr_sig_masks_used || cr_utrace_on || td->td_vcpu != vc || td->td_idle)
		return;
	cr_crit_enter_td(td);
	rq = runq_of(vc);
	if (vc->vc_cur == td && td->td_state == CR_RUNNABLE && rq->rq_head[td->td_pri] == td &&
	    !runq_above(rq, td->td_pri)) {
		vc->vc_slot = td;
		vc->vc_hand_armed = FAST_BUDGET;
		vc->vc_hand_left = FAST_BUDGET;
		vc->vc_fast_armed = -1;			/* runq_of disarms; yields go the slow way */
		vc->vc_fast_left = -1;
	}
	cr_crit_exit_td(td);
}

/*
 * cr_waitmsg: lwkt_waitmsg (inline in sys/msgport.h) for the hand-off fast path (switch.S),
 * which finds its message not done when resumed.
 */
int
cr_waitmsg(lwkt_msg_t msg, int flags)
{
	return lwkt_waitmsg(msg, flags);
}

/*
 * cr_sig_masks_on: a thread may run with a signal mask of its own from now on: no fast path may
 * switch threads any more without switching masks (sched_switch_to), so vCPU 0's are disarmed.
 */
void
cr_sig_masks_on(void)
{
	cr_sig_masks_used = 1;
	if (cr_vcpus[0].vc_fast_armed == 0)
		return;				/* (armed: one vCPU, and the caller runs on it) */
	cr_crit_enter();
	(void)runq_of(&cr_vcpus[0]);
	cr_crit_exit();
}

/*
 * fast_arm: td runs on vc, back from a slow yield. Let the next yields take the assembly fast
 * path (switch.S) if what it skips cannot matter until the run queue changes (which disarms it,
 * runq_of): one vCPU (the fast path reads vCPU 0's budget and takes no lock), td at the head of
 * its ring with company there, nothing above it.
 */
static void
fast_arm(struct cr_vcpu *vc, cr_thread_t td)
{
	struct runq *rq = runq_of(vc);

	if (!cr_several_vcpus && !cr_sig_masks_used && vc->vc_cur == td && !td->td_idle && td->td_state == CR_RUNNABLE &&
	    rq->rq_head[td->td_pri] == td && td->td_rqnext != td && !runq_above(rq, td->td_pri)) {
		vc->vc_fast_armed = FAST_BUDGET;
		vc->vc_fast_left = FAST_BUDGET;
	}
}

/* move: a runnable thread (not running) from its vCPU's queue to to's. */
static void
move(cr_thread_t td, struct cr_vcpu *to)
{
	runq_remove(runq_of(td->td_vcpu), td);
	td->td_vcpu = to;
	runq_insert(runq_of(to), td);
}

static void
vcpu_init(struct cr_vcpu *vc)
{
	lwkt_initport_spin(&vc->vc_port);
}

/*
 * cr_sched_take_arrivals: threads that migrated to vc wait as messages on its port; put them on
 * its run queue. The receiver replies each message (no reply port: it just completes), so the
 * thread can migrate again. Under the lock, so a thread is taken only once its registers are
 * saved.
 */
void
cr_sched_take_arrivals(struct cr_vcpu *vc)
{
	lwkt_msg_t m;

	while ((m = lwkt_getport(&vc->vc_port)) != NULL) {
		cr_thread_t td = (cr_thread_t)((char *)m - __builtin_offsetof(struct thread, td_migmsg));
		td->td_vcpu = vc;
		runq_insert(runq_of(vc), td);
		lwkt_replymsg(m, 0);
	}
}

/*
 * kick: wake vc's idle thread from the kernel (vcpu_wake), once until it wakes. The call is
 * made when the lock is free (cr_crit_exit calls cr_send_kicks), since the woken vCPU needs the
 * lock to take its work; the kernel runs it at its next switch (the caller's next wait or clock
 * tick).
 */
volatile uint32_t cr_kicks_pending;

static void
kick(struct cr_vcpu *vc, struct cr_vcpu *self)
{
	if (!vc->vc_up || vc->vc_kicked)
		return;
	vc->vc_kicked = true;
	self->vc_stats.wakes_sent++;
	__atomic_or_fetch(&cr_kicks_pending, 1u << (vc - cr_vcpus), __ATOMIC_RELAXED);
}

void
cr_send_kicks(void)
{
	uint32_t pending = __atomic_exchange_n(&cr_kicks_pending, 0, __ATOMIC_ACQUIRE);
	struct vcpu_wake_msg w;

	while (pending != 0) {
		int i = __builtin_ctz(pending);
		pending &= pending - 1;
		w.hdr.ms_cmd = SYS_vcpu_wake;
		w.id = cr_vcpus[i].vc_id;		/* set before vc_up, never changed */
		cr_trap_sync(&w.hdr);
	}
}

/*
 * work_for: vc (not self) just got a runnable thread. If vc is idle in the kernel, wake it;
 * if vc is busy and has a thread to spare, wake an idle vCPU to steal it.
 */
static void
work_for(struct cr_vcpu *vc, struct cr_vcpu *self)
{
	if (nvcpus_running == 1)
		return;
	if (vc != self && vc->vc_idle) {
		kick(vc, self);
		return;
	}
	if (runq_of(vc)->rq_count < 2)
		return;
	for (int i = 0; i < nvcpus_made; i++) {
		struct cr_vcpu *o = &cr_vcpus[i];
		if (o != vc && o != self && o->vc_up && o->vc_idle && !o->vc_kicked) {
			kick(o, self);
			return;
		}
	}
}

/* -- switching ----------------------------------------------------------------------------- */

/* cr_sched_free_reaped: release the exited thread vc ran last, once nobody runs on its stack. */
void
cr_sched_free_reaped(struct cr_vcpu *vc)
{
	cr_thread_t td = vc->vc_reaped;

	if (td == NULL || td == cr_curthread)
		return;
	vc->vc_reaped = NULL;
	td->td_freed = true;
	if (td == &main_thread)
		return;				/* pthread_exit in main: its stack and TLS are static */
	free(td->td_stack);
	free(td->td_tls);
	slot_free(td->td_tls_slot);
	if (td->td_detached)
		free(td);
}

/* idle_create: vc's idle thread; started by a switch (vCPU 0) or by rfork (the others). */
static cr_thread_t
idle_create(struct cr_vcpu *vc)
{
	cr_thread_t td = calloc(1, sizeof(*td));
	int slot = slot_alloc();

	if (td == NULL || slot < 0 || (td->td_stack = malloc(CR_IDLE_STACK)) == NULL ||
	    (td->td_tls = malloc(cr_tls_size())) == NULL ||
	    (td->td_gs = cr_tls_setup(td->td_tls, td, (unsigned int)slot)) == 0) {
		if (td != NULL) {
			free(td->td_stack);
			free(td->td_tls);
		}
		free(td);
		if (slot >= 0)
			slot_free((unsigned int)slot);
		return NULL;
	}
	td->td_tls_slot = (unsigned int)slot;
	td->td_vcpu = vc;
	td->td_pri = CR_PRI_IDLE;
	td->td_idle = true;
	td->td_state = CR_RUNNABLE;
	td->td_crit = 1;			/* a switch hands it the lock (see the top) */
	td->td_sigmask = 0;			/* takes what some thread takes (common_mask), to hand on */
	strlcpy(td->td_name, "idle", sizeof(td->td_name));
	td->td_name[4] = (char)('0' + (vc - cr_vcpus));
	td->td_name[5] = '\0';
	lwkt_initport_thread(&td->td_msgport, td);
	td->td_sp = (uint32_t)switch_frame((char *)td->td_stack + CR_IDLE_STACK, cr_thread_start, td);
	return td;
}

/*
 * common_mask: the signals every user thread blocks now (a running one's mask is its vCPU's
 * word). An idle vCPU blocks those (docs/upcalls.md): a signal no thread would take stays
 * pending in the kernel, for sigwait, instead of an idle vCPU taking it (a default action there
 * would act on the process). 0 until a thread has had a mask. Lock held.
 */
static uint32_t
common_mask(void)
{
	uint32_t m = ~0u;
	cr_thread_t td;

	if (!cr_sig_masks_used)
		return 0;
	TAILQ_FOREACH(td, &allthreads, td_allq)
		if (!td->td_idle && td->td_state != CR_EXITED)
			m &= td->td_vcpu->vc_cur == td ? td->td_vcpu->vc_upcall.ua_sigmask : td->td_sigmask;
	return m == ~0u ? 0 : m;
}

/*
 * cr_sched_refresh_idle_masks: a thread's mask changed: every idle vCPU blocks what the threads
 * now block in common. The idle thread's mask was taken when its vCPU went idle; with the vCPUs
 * on several CPUs, a vCPU idle since then must not take (and act on) a signal every thread
 * blocks now, which must stay pending for sigwait.
 */
void
cr_sched_refresh_idle_masks(void)
{
	uint32_t m;

	if (nvcpus_running == 1)
		return;
	cr_crit_enter();
	m = common_mask();
	for (int i = 0; i < nvcpus_made; i++) {
		struct cr_vcpu *vc = &cr_vcpus[i];
		if (vc->vc_up && vc->vc_idle_td != NULL && vc->vc_cur == vc->vc_idle_td) {
			vc->vc_idle_td->td_sigmask = m;
			vc->vc_upcall.ua_sigmask = m;
		}
	}
	cr_crit_exit();
}

/*
 * cr_sched_idle_thread: vc's idle thread, for when nothing else can run (made the first time),
 * with the mask every thread has in common.
 */
cr_thread_t
cr_sched_idle_thread(struct cr_vcpu *vc)
{
	if (vc->vc_idle_td == NULL && (vc->vc_idle_td = idle_create(vc)) == NULL)
		cr_msgport_fatal("no memory for the idle thread", vc);
	vc->vc_idle_td->td_sigmask = common_mask();
	return vc->vc_idle_td;
}

/*
 * cr_sched_resume_in_section: ntd stopped in the assembly yield, outside any critical section,
 * and this switch happens inside one (holding cr_sched_lock once there are several vCPUs), which
 * ntd must take over and leave. One more return address goes on its saved frame, between its
 * registers and its return into its caller: cr_yield_resume (switch.S), which calls
 * cr_yield_resumed.
 */
void
cr_sched_resume_in_section(cr_thread_t ntd)
{
	uint32_t *sp = (uint32_t *)ntd->td_sp;

	memmove(sp - 1, sp, SWITCH_FRAME_REGS * sizeof(*sp));
	sp[SWITCH_FRAME_REGS - 1] = (uint32_t)cr_yield_resume;
	ntd->td_sp = (uint32_t)(sp - 1);
	ntd->td_crit = 1;
}

/* cr_yield_resumed: a fast yield resumed by a slow switch: what the slow path does after it. */
void
cr_yield_resumed(void)
{
	sched_after_switch(cr_curthread);
	cr_crit_exit();
}

/* switch_to: sched_switch_to (cr/sched.h) from the calling thread. */
static inline __attribute__((always_inline)) void
switch_to(struct cr_vcpu *vc, cr_thread_t ntd)
{
	sched_switch_to(vc, cr_curthread, ntd);
}

/* cr_sched_block: sched_block (cr/sched.h) for the calling thread, out of line. */
__attribute__((regparm(2))) void
cr_sched_block(const char *wmesg, const void *wchan)
{
	sched_block(cr_curthread, wmesg, wchan);
}

/* cr_sched_wakeup: td may run again, on its own vCPU. Inside a critical section. */
__attribute__((regparm(1))) void
cr_sched_wakeup(cr_thread_t td)
{
	if (td->td_state != CR_BLOCKED)
		return;
	if (__builtin_expect(cr_utrace_on, 0))
		cr_utrace(UTR_WAKE, td, NULL);
	td->td_state = CR_RUNNABLE;
	td->td_wmesg = NULL;
	td->td_wchan = NULL;
	runq_insert(runq_of(td->td_vcpu), td);
	work_for(td->td_vcpu, cr_curthread->td_vcpu);
}

/*
 * poll_completions: deliver the calls that have completed in the kernel, without waiting. A
 * vCPU otherwise collects completions only when it goes idle, so threads that only compute and
 * yield would keep a sleeper or reader parked for good.
 */
static void
poll_completions(void)
{
	struct waitport_msg w;

	for (;;) {
		w.hdr.ms_cmd = SYS_waitport;
		w.flags = WAITPORT_POLL;
		if (cr_trap_sync(&w.hdr) != 0 || w.hdr.ms_result == 0)
			return;
		cr_crit_enter();
		deliver(cr_curthread->td_vcpu, (lwkt_msg_t)(uint32_t)w.hdr.ms_result);
		cr_crit_exit();
	}
}

/*
 * cr_thread_yield_slow: cr_thread_yield (switch.S) when its fast path may not be taken: let the
 * other runnable threads of this priority (and any above) run first, and any thread whose call
 * has completed meanwhile (poll_completions). Back in the caller, arm the fast path if it may.
 */
void
cr_thread_yield_slow(void)
{
	cr_thread_t td = cr_curthread;
	struct cr_vcpu *vc;

	if (__builtin_expect(calls_in_flight() > 0, 0))
		poll_completions();			/* parked calls that are done may run too */
	cr_crit_enter();
	vc = td->td_vcpu;
	if (!td->td_idle) {
		struct runq *rq = runq_of(vc);
		if (rq->rq_head[td->td_pri] == td) {
			runq_rotate(rq, td);		/* to the tail of its ring */
		} else {
			runq_remove(rq, td);
			runq_insert(rq, td);
		}
		switch_to(vc, sched_pick(vc, runq_of(vc)));
		cr_sig_wait_point(td);			/* pthread_kill while it was runnable */
		vc = td->td_vcpu;			/* it may have been stolen meanwhile */
		fast_arm(vc, td);
	}
	cr_crit_exit();
}

/*
 * cr_thread_sleep: the sleep_ns call, sent as a message: once threads exist it is asynchronous,
 * a timer message in the kernel, and parks only the caller (with one thread it blocks the
 * process, which is the same thing).
 */
int
cr_thread_sleep(uint64_t ns)
{
	struct sleep_ns_msg m;

	cr_sleep_ns_msg(&m, ns);
	return lwkt_domsg(cr_syscall_port, &m.hdr, 0);
}

/* Set by the first pthread_create or pthread_cancel (pthread/pthread.c). */
int cr_pthreads;

/*
 * sched_yield: in a program that uses POSIX threads, POSIX's: the caller's vCPU's other
 * runnable threads run first (a user-thread yield), then the vCPU gives its CPU to the kernel's
 * other threads (other vCPUs, other processes) with the sched_yield call. In one that uses only
 * libcr's own threads it is that call alone, as it always was: such programs yield among their
 * threads with cr_thread_yield, and some leave a thread that never yields on a vCPU whose
 * other thread waits with sched_yield (a user-thread yield there could hand it the vCPU for good).
 */
int
sched_yield(void)
{
	if (cr_pthreads)
		cr_thread_yield();
	return __sys_sched_yield();
}

cr_thread_t
cr_thread_self(void)
{
	return cr_curthread;
}

int
cr_thread_count(void)
{
	return nthreads;
}

/* cr_thread_entry: a new thread's first C code (from cr_thread_start, switch.S). */
void
cr_thread_entry(cr_thread_t td)
{
	cr_sched_free_reaped(td->td_vcpu);
	if (td->td_idle)
		idle_loop(td);			/* keeps the lock it was handed */
	cr_crit_exit();				/* the lock the switch handed us */
	cr_thread_exit(td->td_fn(td->td_arg));
}

/* -- the idle thread ------------------------------------------------------------------------ */

/*
 * steal: take one runnable thread from a busy vCPU: one running a thread of its own, not idle,
 * not starting, not stopping (an idle vCPU with work was woken: it runs that work itself).
 * Never the thread it runs, nor one that chose its vCPU (cr_thread_migrate). Inside a critical
 * section.
 */
static bool
steal(struct cr_vcpu *vc)
{
	for (int i = 0; i < nvcpus_made; i++) {
		struct cr_vcpu *o = &cr_vcpus[i];
		if (o == vc || !o->vc_up || o->vc_idle || o->vc_stopping || o->vc_cur == NULL ||
		    o->vc_cur == o->vc_idle_td)
			continue;
		struct runq *rq = runq_of(o);
		for (int pri = CR_PRI_MAX; pri >= CR_PRI_MIN && rq->rq_count > 0; pri--) {
			cr_thread_t head = rq->rq_head[pri], td = head;
			if (head == NULL)
				continue;
			do {
				if (td != o->vc_cur && !td->td_bound) {
					move(td, vc);
					vc->vc_stats.steals++;
					return true;
				}
				td = td->td_rqnext;
			} while (td != head);
		}
	}
	return false;
}

/* deliver: a call the kernel completed goes to its reply port, which wakes its waiter. */
static void
deliver(struct cr_vcpu *vc, lwkt_msg_t m)
{
	/* Collected from the kernel (its answer written): libcr's again unless its sender has not
	 * finished sending it (then the sender completes it). */
	if (!cr_collected(m))
		return;
	vc->vc_stats.delivered++;
	lwkt_replymsg(m, m->ms_error);
}

/* cr_sched_deliver: deliver, on the calling thread's vCPU, inside a section (lwkt/kse.c). */
void
cr_sched_deliver(lwkt_msg_t m)
{
	deliver(cr_curthread->td_vcpu, m);
}

/* vcpu_stop: the idle thread of a stopping vCPU ends it (its threads went to vCPU 0). */
__attribute__((noreturn)) static void
vcpu_stop(struct cr_vcpu *vc)
{
	struct vcpu_exit_msg x;

	vc->vc_up = false;
	nvcpus_running--;
	cr_crit_exit();
	x.hdr.ms_cmd = SYS_vcpu_exit;
	x.status = 0;
	cr_trap_sync(&x.hdr);
	for (;;)
		;				/* not reached: vcpu_exit does not return */
}

/*
 * idle_loop: what a vCPU does when none of its threads can run. Inside a critical section,
 * which it leaves only to wait in the kernel.
 */
static void
idle_loop(cr_thread_t self)
{
	struct cr_vcpu *vc = self->td_vcpu;
	struct waitport_msg w;
	int error;

	if (!vc->vc_upcalls) {			/* a new vCPU: its first code */
		vc->vc_upcalls = true;
		cr_upcall_register(vc, 0);
	}
	for (;;) {
		if (vc->vc_stopping)
			vcpu_stop(vc);
		if (!TAILQ_EMPTY(&vc->vc_port.mp_msgq))
			cr_sched_take_arrivals(vc);
		if (runq_of(vc)->rq_mask != 0 || steal(vc)) {
			switch_to(vc, sched_pick(vc, runq_of(vc)));
			continue;
		}
		vc->vc_idle = true;
		cr_crit_exit();
		w.hdr.ms_cmd = SYS_waitport;
		w.flags = WAITPORT_IDLE;
		error = cr_trap_sync(&w.hdr);
		cr_crit_enter();
		vc->vc_idle = false;
		vc->vc_kicked = false;
		vc->vc_stats.kernel_waits++;
		if (error == EAGAIN && runq_of(vc)->rq_mask == 0) {
			/* Nothing in flight, nothing runnable, every vCPU idle: threads wait forever.
			 * (An upcall between the section's end and the call may have made a thread
			 * runnable: a KSE completion, lwkt/kse.c; then the loop runs it.) */
			cr_msgport_fatal("every user thread is blocked and no system call is in flight",
			    cr_curthread);
		}
		if (error == 0 && w.hdr.ms_result != 0)
			deliver(vc, (lwkt_msg_t)(uint32_t)w.hdr.ms_result);
	}
}

/* -- threads ------------------------------------------------------------------------------- */

/*
 * cr_sched_init: the main thread, its TLS and vCPU 0; the first thing __libcr_start does,
 * since errno itself is thread-local.
 */
void
cr_sched_init(void)
{
	if (cr_tls_size() > sizeof(main_tls))
		cr_msgport_fatal("the program's thread-local data is too big for the main thread", NULL);
	main_thread.td_gs = cr_tls_setup(main_tls, &main_thread, 0);
	if (main_thread.td_gs == 0)
		cr_msgport_fatal("the kernel refused the main thread's TLS descriptor", NULL);
	__asm__ volatile("movw %w0, %%gs" : : "r"(main_thread.td_gs));
	vcpu_init(&cr_vcpus[0]);
	cr_vcpus[0].vc_up = true;		/* the kernel's vCPU 0 */
	cr_vcpus[0].vc_cur = &main_thread;
	lwkt_initport_thread(&main_thread.td_msgport, &main_thread);
	TAILQ_INSERT_TAIL(&allthreads, &main_thread, td_allq);
	runq_insert(runq_of(&cr_vcpus[0]), &main_thread);
	cr_vcpus[0].vc_upcalls = true;
	cr_upcall_register(&cr_vcpus[0], 0);	/* signals reach the main thread */
	int saved = errno;
	cr_utrace_on = __sys_utrace(UTR_PROBE, 0, 0) == 0;	/* a trace kernel: docs/trace.md */
	errno = saved;					/* (ENOSYS on any other) */
	if (cr_utrace_on)
		cr_switch_fn = cr_switch_traced;
}

int cr_utrace_on;
__attribute__((regparm(2))) void (*cr_switch_fn)(cr_thread_t from, cr_thread_t to) = cr_switch;

/* cr_switch_traced: cr_switch, its park (a thread that blocked) and its switch in the trace. */
__attribute__((regparm(2))) void
cr_switch_traced(cr_thread_t from, cr_thread_t to)
{
	if (from->td_state == CR_BLOCKED)
		cr_utrace(UTR_PARK, from, from->td_wchan);
	cr_utrace(UTR_SWITCH, from, to);
	cr_switch(from, to);
}

/* cr_utrace: one of libcr's scheduler events into the trace kernel's ring (call 65). */
void
cr_utrace(uint32_t event, const void *a, const void *b)
{
	int saved = errno;

	__sys_utrace(event, (uint32_t)a, (uint32_t)b);
	errno = saved;
}

/*
 * cr_sig_target: a user thread parked in a kernel call (cr_park) or waiting in libcr where a
 * signal may interrupt it (td_sigwait: a mutex, a condition variable, a join, sigsuspend), whose
 * mask lets bit through, for a signal an idle vCPU took (signal.c); NULL if none. Called with
 * the scheduler lock held.
 */
cr_thread_t
cr_sig_target(uint32_t bit)
{
	cr_thread_t td;

	TAILQ_FOREACH(td, &allthreads, td_allq)
		if (!td->td_idle && td->td_state == CR_BLOCKED &&
		    (td->td_parkmsg != NULL || td->td_sigwait) && (td->td_sigmask & bit) == 0)
			return td;
	return NULL;
}

/* cr_thread_alive: is td a thread of the program that has not exited? Lock held. */
bool
cr_thread_alive(cr_thread_t td)
{
	cr_thread_t t;

	TAILQ_FOREACH(t, &allthreads, td_allq)
		if (t == td)
			return !t->td_idle && t->td_state != CR_EXITED;
	return false;
}

/*
 * create: a new runnable thread running fn(arg) on a stack of stack_size bytes; a detached one
 * frees itself when it ends (nobody may join it). 0, EINVAL, EAGAIN or ENOMEM. Inlined into both
 * entry points (uthread.create_join counts every instruction).
 */
static inline __attribute__((always_inline)) int
create(cr_thread_t *tdp, void *(*fn)(void *), void *arg, int pri, const char *name,
    size_t stack_size, bool detached)
{
	cr_thread_t td;

	if (pri < CR_PRI_MIN || pri > CR_PRI_MAX || stack_size < 4096 || stack_size > (64u << 20))
		return EINVAL;
	stack_size &= ~(size_t)15;
	if ((td = calloc(1, sizeof(*td))) == NULL)
		return ENOMEM;
	int slot = slot_alloc();
	if (slot < 0) {
		free(td);
		return EAGAIN;
	}
	td->td_tls_slot = (unsigned int)slot;
	if ((td->td_stack = malloc(stack_size)) == NULL ||
	    (td->td_tls = malloc(cr_tls_size())) == NULL ||
	    (td->td_gs = cr_tls_setup(td->td_tls, td, td->td_tls_slot)) == 0) {
		free(td->td_stack);
		free(td->td_tls);
		slot_free(td->td_tls_slot);
		free(td);
		return ENOMEM;
	}
	td->td_fn = fn;
	td->td_arg = arg;
	td->td_pri = pri;
	td->td_state = CR_RUNNABLE;
	td->td_crit = 1;			/* a switch hands it the lock (see the top) */
	strlcpy(td->td_name, name ? name : "thread", sizeof(td->td_name));
	lwkt_initport_thread(&td->td_msgport, td);
	td->td_stack_size = (uint32_t)stack_size;
	td->td_detached = detached;
	if (__builtin_expect(cr_pthreads, 0))	/* POSIX: the creator's signal mask */
		td->td_sigmask = cr_curthread->td_vcpu->vc_upcall.ua_sigmask;
	td->td_sp = (uint32_t)switch_frame((char *)td->td_stack + stack_size, cr_thread_start, td);
	cr_crit_enter();
	struct cr_vcpu *vc = cr_curthread->td_vcpu;
	td->td_vcpu = vc;
	TAILQ_INSERT_TAIL(&allthreads, td, td_allq);
	nthreads++;
	cr_threaded = 1;
	if (!cr_kse)				/* KSE: they block in the kernel (lwkt/kse.c) */
		cr_trap_flags = MSGF_SYNC | MSGF_ASYNC;	/* calls that must wait park their thread */
	runq_insert(runq_of(vc), td);
	work_for(vc, vc);
	if (tdp != NULL)
		*tdp = td;			/* before it can run (and, detached, end and be freed) */
	cr_crit_exit();
	return 0;
}

/* cr_thread_create: a new runnable thread running fn(arg); 0, EINVAL, EAGAIN or ENOMEM. */
int
cr_thread_create(cr_thread_t *tdp, void *(*fn)(void *), void *arg, int pri, const char *name)
{
	return create(tdp, fn, arg, pri, name, CR_THREAD_STACK, false);
}

int
cr_thread_create_sized(cr_thread_t *tdp, void *(*fn)(void *), void *arg, int pri, const char *name,
    size_t stack_size, bool detached)
{
	return create(tdp, fn, arg, pri, name, stack_size, detached);
}

void (*cr_thread_exit_hook)(void);

/*
 * thread_exit: end the calling thread. With posix false the main thread's end ends the program
 * (cr_thread_exit); with posix true (pthread_exit) it ends only that thread, and the program
 * ends with the last thread, as exit(0). The exit hook (key destructors) runs first.
 */
__attribute__((noreturn, always_inline)) static inline void
thread_exit(void *retval, bool posix)
{
	cr_thread_t td = cr_curthread;
	struct cr_vcpu *vc;

	if (td == &main_thread && !posix)
		exit((int)(intptr_t)retval);
	td->td_exiting = true;
	if (cr_thread_exit_hook != NULL)
		cr_thread_exit_hook();
	cr_crit_enter();
	if (nthreads == 1) {
		cr_crit_exit();
		exit(0);		/* the last one (a fork child's only thread): POSIX's rule */
	}
	vc = td->td_vcpu;
	td->td_retval = retval;
	td->td_state = CR_EXITED;
	runq_remove(runq_of(vc), td);
	TAILQ_REMOVE(&allthreads, td, td_allq);
	nthreads--;
	if (td->td_joiner != NULL)
		cr_sched_wakeup(td->td_joiner);
	cr_sched_free_reaped(vc);
	vc->vc_reaped = td;			/* freed by the next thread this vCPU runs */
	switch_to(vc, sched_pick(vc, runq_of(vc)));
	abort();				/* not reached */
}

void
cr_thread_exit(void *retval)
{
	thread_exit(retval, false);
}

void
cr_thread_exit_posix(void *retval)
{
	thread_exit(retval, true);
}

/*
 * join: wait for td to exit; its result into *retval. A cancellable join gives up with
 * ECANCELED when the caller's cancellation is due (td stays joinable).
 */
static inline __attribute__((always_inline)) int
join(cr_thread_t td, void **retval, bool cancellable)
{
	cr_thread_t self = cr_curthread;

	cr_crit_enter();
	if (td == self || td->td_joiner != NULL || td->td_detached || td->td_idle) {
		cr_crit_exit();
		return EINVAL;
	}
	td->td_joiner = self;
	while (td->td_state != CR_EXITED) {
		if (cancellable && cr_cancel_due(self)) {
			td->td_joiner = NULL;
			cr_crit_exit();
			return ECANCELED;
		}
		cr_sig_wait_point(self);		/* a handler may run; td is rechecked */
		if (td->td_state == CR_EXITED)
			break;
		self->td_cancel_point = cancellable;
		self->td_sigwait = true;
		cr_sched_block("join", td);
		self->td_sigwait = false;
		self->td_cancel_point = false;
	}
	if (retval != NULL)
		*retval = td->td_retval;
	if (td->td_freed) {
		if (td != &main_thread)
			free(td);
	} else {
		td->td_detached = true;		/* its stack is still in use: freed with it */
	}
	cr_crit_exit();
	return 0;
}

int
cr_thread_join(cr_thread_t td, void **retval)
{
	return join(td, retval, false);
}

int
cr_thread_join_cancellable(cr_thread_t td, void **retval)
{
	return join(td, retval, true);
}

/*
 * cr_thread_detach: td frees itself when it ends; if it has ended, now. EINVAL when it is
 * detached already, being joined, or an idle thread.
 */
int
cr_thread_detach(cr_thread_t td)
{
	cr_crit_enter();
	if (td->td_joiner != NULL || td->td_detached || td->td_idle) {
		cr_crit_exit();
		return EINVAL;
	}
	td->td_detached = true;
	if (td->td_state == CR_EXITED && td->td_freed && td != &main_thread)
		free(td);
	cr_crit_exit();
	return 0;
}

/* -- virtual CPUs (rfork) -------------------------------------------------------------------- */

/* vcpu_trampoline: a new vCPU's first user code (rfork put idle where a C argument goes). */
static void
vcpu_trampoline(cr_thread_t idle)
{
	__asm__ volatile("movw %w0, %%gs" : : "r"(idle->td_gs));	/* its TLS, errno included */
	idle->td_crit = 0;
	cr_crit_enter();
	idle->td_vcpu->vc_cur = idle;
	idle_loop(idle);
}

/*
 * cr_vcpu_add: another virtual CPU of this process (rfork RFTHREAD|RFMEM): a kernel-scheduled
 * context in the same address space that runs this scheduler over its own run queue, starting
 * in its idle thread (which steals work). Answers its number, or -1 with errno.
 */
int
cr_vcpu_add(void)
{
	return cr_vcpu_add_on(-1);
}

/* cr_vcpu_add_on: cr_vcpu_add, the vCPU placed on CPU cpu (rfork's RFCPU); -1: the kernel's
 * choice (spread). EINVAL for a CPU the kernel does not run. */
int
cr_vcpu_add_on(int cpu)
{
	struct cr_vcpu *vc;
	cr_thread_t idle;
	struct rfork_msg r;
	int n, error;

	if (cr_curthread->td_crit != 0)
		cr_msgport_fatal("cr_vcpu_add inside a critical section", cr_curthread);
	cr_several_vcpus = 1;			/* before any section takes the lock: see thread.h */
	cr_crit_enter();
	runq_of(&cr_vcpus[0]);			/* no more fast yields: each takes the lock now */
	if ((n = nvcpus_made) == CR_VCPU_MAX) {
		cr_crit_exit();
		errno = EAGAIN;
		return -1;
	}
	vc = &cr_vcpus[n];
	vcpu_init(vc);
	cr_crit_exit();
	if ((idle = idle_create(vc)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	cr_crit_enter();
	if (nvcpus_made != n) {			/* another thread added one meanwhile */
		cr_crit_exit();
		free(idle->td_stack);
		free(idle->td_tls);
		slot_free(idle->td_tls_slot);
		free(idle);
		return cr_vcpu_add_on(cpu);
	}
	vc->vc_idle_td = idle;
	nvcpus_made++;
	cr_threaded = 1;			/* calls park threads from now on */
	if (!cr_kse)
		cr_trap_flags = MSGF_SYNC | MSGF_ASYNC;
	cr_crit_exit();
	r.hdr.ms_cmd = SYS_rfork;
	r.flags = RFTHREAD | RFMEM | (cpu >= 0 ? RFCPU(cpu) : 0);
	r.entry = (uint32_t)vcpu_trampoline;
	r.stack = (uint32_t)((char *)idle->td_stack + CR_IDLE_STACK);
	r.arg = (uint32_t)idle;
	error = cr_trap_sync(&r.hdr);
	cr_crit_enter();
	if (error != 0) {
		bool last = nvcpus_made == n + 1;
		if (last)
			nvcpus_made = n;	/* the slot is free again */
		else
			vc->vc_stopping = true;	/* another came after: this slot stays empty */
		vc->vc_idle_td = NULL;
		cr_crit_exit();
		free(idle->td_stack);
		free(idle->td_tls);
		slot_free(idle->td_tls_slot);
		free(idle);
		errno = error;
		return -1;
	}
	vc->vc_id = (int)r.hdr.ms_result;
	vc->vc_up = true;
	nvcpus_running++;
	if (vc->vc_idle)
		kick(vc, cr_curthread->td_vcpu);	/* it may have gone idle before we knew its id */
	work_for(cr_curthread->td_vcpu, cr_curthread->td_vcpu);
	cr_crit_exit();
	return n;
}

/* cr_vcpu_start: a new vCPU, and a thread running fn(arg) that starts on it. */
struct vcpu_fn {
	void	(*fn)(void *);
	void	*arg;
	int	vcpu;
};

static void *
vcpu_fn_thread(void *p)
{
	struct vcpu_fn f = *(struct vcpu_fn *)p;

	free(p);
	cr_thread_migrate(f.vcpu);
	f.fn(f.arg);
	return NULL;
}

int
cr_vcpu_start(void (*fn)(void *), void *arg)
{
	return cr_vcpu_start_on(fn, arg, -1);
}

/* cr_vcpu_start_on: cr_vcpu_start, the vCPU placed on CPU cpu (-1: the kernel's choice). */
int
cr_vcpu_start_on(void (*fn)(void *), void *arg, int cpu)
{
	struct vcpu_fn *f = malloc(sizeof(*f));
	int n, error;

	if (f == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if ((n = cr_vcpu_add_on(cpu)) < 0) {
		free(f);
		return -1;
	}
	*f = (struct vcpu_fn){ fn, arg, n };
	if ((error = cr_thread_create(NULL, vcpu_fn_thread, f, CR_PRI_DEFAULT, "vcpu-fn")) != 0) {
		free(f);
		errno = error;
		return -1;
	}
	return n;
}

/*
 * cr_thread_migrate: the calling thread continues on vCPU n, its TLS (errno included), its
 * port and its messages with it: only its run queue changes. It travels as a message (td_migmsg)
 * to n's port, which n drains into its run queue when it next picks a thread. From then on it
 * stays there (idle vCPUs do not steal it) until it migrates again or its vCPU stops. 0, or
 * EINVAL.
 */
int
cr_thread_migrate(int n)
{
	cr_thread_t td = cr_curthread;
	struct cr_vcpu *vc, *to;

	cr_crit_enter();
	vc = td->td_vcpu;
	if (n < 0 || n >= nvcpus_made || !cr_vcpus[n].vc_up || cr_vcpus[n].vc_stopping || td->td_idle) {
		cr_crit_exit();
		return EINVAL;
	}
	td->td_bound = true;			/* it chose: idle vCPUs leave it there */
	if ((to = &cr_vcpus[n]) != vc) {
		runq_remove(runq_of(vc), td);
		td->td_vcpu = to;		/* in transit: wakes and stops look here */
		td->td_migrations++;
		to->vc_stats.migrations_in++;
		lwkt_initmsg(&td->td_migmsg, NULL, 0);
		lwkt_sendmsg(&to->vc_port, &td->td_migmsg);	/* the lock keeps `to` off it ... */
		if (to->vc_idle)
			kick(to, vc);
		switch_to(vc, sched_pick(vc, runq_of(vc)));	/* ... until this switch has saved us */
	}
	cr_crit_exit();
	return 0;
}

/*
 * cr_vcpu_exit: end the vCPU the caller runs on. Every thread that belongs to it, the caller
 * included, goes on on vCPU 0; its idle thread then ends it in the kernel (vcpu_exit). EINVAL
 * on vCPU 0, which the program started on.
 */
int
cr_vcpu_exit(void)
{
	cr_thread_t td = cr_curthread, t;
	struct cr_vcpu *vc, *to = &cr_vcpus[0];

	cr_crit_enter();
	vc = td->td_vcpu;
	if (vc == to || td->td_idle) {
		cr_crit_exit();
		return EINVAL;
	}
	vc->vc_stopping = true;
	cr_sched_take_arrivals(vc);			/* threads on their way here stay with it, for now */
	TAILQ_FOREACH(t, &allthreads, td_allq) {
		if (t->td_vcpu != vc)
			continue;
		if (t->td_state == CR_RUNNABLE)
			move(t, to);			/* the caller too: it runs until the switch */
		else
			t->td_vcpu = to;		/* blocked: wakes on vCPU 0 */
		t->td_bound = false;			/* its choice is gone */
		to->vc_stats.migrations_in++;
		t->td_migrations++;
	}
	work_for(to, vc);
	switch_to(vc, sched_pick(vc, runq_of(vc)));		/* its idle thread: it ends the vCPU */
	cr_crit_exit();
	return 0;
}

int
cr_vcpu_self(void)
{
	return (int)(cr_curthread->td_vcpu - cr_vcpus);
}

int
cr_vcpu_count(void)
{
	return nvcpus_running;
}

/* cr_vcpu_ensure: add vCPUs until n run; 0 when libcr could not add one (errno says why). */
int
cr_vcpu_ensure(int n)
{
	while (cr_vcpu_count() < n)
		if (cr_vcpu_add() < 0)
			return 0;
	return 1;
}

/* vcpu_stats: vc's counters, the fast yields not folded in yet included. Under the lock. */
static struct cr_vcpu_stats
vcpu_stats(struct cr_vcpu *vc)
{
	struct cr_vcpu_stats st = vc->vc_stats;

	uint32_t hand = (uint32_t)(vc->vc_hand_armed - vc->vc_hand_left);

	st.switches += (uint32_t)(vc->vc_fast_armed - vc->vc_fast_left) + hand;
	st.handoffs += hand;
	return st;
}

int
cr_vcpu_stats(int n, struct cr_vcpu_stats *st)
{
	if (n < 0 || n >= nvcpus_made)
		return EINVAL;
	cr_crit_enter();
	*st = vcpu_stats(&cr_vcpus[n]);
	cr_crit_exit();
	return 0;
}

void
cr_vcpu_stats_total(struct cr_vcpu_stats *st)
{
	*st = (struct cr_vcpu_stats){ 0 };
	cr_crit_enter();
	for (int i = 0; i < nvcpus_made; i++) {
		struct cr_vcpu_stats v = vcpu_stats(&cr_vcpus[i]);
		st->switches += v.switches;
		st->steals += v.steals;
		st->migrations_in += v.migrations_in;
		st->kernel_waits += v.kernel_waits;
		st->delivered += v.delivered;
		st->wakes_sent += v.wakes_sent;
		st->handoffs += v.handoffs;
	}
	cr_crit_exit();
}

/* -- fork ------------------------------------------------------------------------------------ */

/*
 * cr_sched_forked: in the child of fork (lwkt/fork.c), inside the critical section fork held
 * across its trap: the calling thread is the only one, on vCPU 0, the child's only vCPU (the
 * kernel copies only the calling one, and numbers it 0). Other threads' memory stays as the
 * copy has it, but they count as exited (a wakeup passes them by: a reply to a port one of them
 * waited on must not bring it back); vCPU 0's idle thread is made again when needed (the old
 * one's saved state belongs to the parent). Calls the parent had in flight are not the child's:
 * cr_inflight starts at 0.
 */
void
cr_sched_forked(void)
{
	cr_thread_t td = cr_curthread, t;
	struct cr_vcpu *vc = &cr_vcpus[0];

	TAILQ_FOREACH(t, &allthreads, td_allq)
		if (t != td)
			t->td_state = CR_EXITED;
	memset(cr_vcpus, 0, sizeof(cr_vcpus));	/* the fast yield disarmed, every queue empty */
	vcpu_init(vc);
	vc->vc_up = true;
	vc->vc_cur = td;
	nvcpus_made = nvcpus_running = 1;
	TAILQ_INIT(&allthreads);
	TAILQ_INSERT_TAIL(&allthreads, td, td_allq);
	nthreads = 1;
	td->td_vcpu = vc;
	td->td_state = CR_RUNNABLE;
	td->td_bound = false;
	td->td_joiner = NULL;
	runq_insert(runq_of(vc), td);
	cr_inflight = 0;
	cr_kicks_pending = 0;
	cr_kse_forked();
}
