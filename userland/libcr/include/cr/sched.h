/*
 * libcr's user-thread scheduler from the inside: a vCPU's state, and the switch paths that the
 * message-port seam (cr/msgport_sys.h) compiles into the port code's own frames (a block, a
 * direct hand-off), which lwkt/thread.c uses too. lwkt/thread.c has the rest; programs use
 * cr/thread.h, not this.
 *
 * Locking as cr/thread.h says: everything here runs inside a critical section, and a switch
 * hands the section (and cr_sched_lock, once there are several vCPUs) to the thread switched to.
 */
#ifndef _CR_SCHED_H_
#define _CR_SCHED_H_

/*
 * What the assembly of lwkt/switch.S reads (lwkt/thread.c checks each offset): the switch's
 * fields of struct thread, the yield fast path's of struct cr_vcpu, the TCB's thread (cr/tls.h),
 * and the word that counts system calls in flight (cr/sysport.h; C reads it through
 * calls_in_flight() in lwkt/thread.c).
 */
#define CR_TD_SP		0
#define CR_TD_GS		4
#define CR_TD_RQNEXT		8
#define CR_VC_FAST_LEFT		0
#define CR_VC_CUR		8
#define CR_VC_HAND_LEFT		12
#define CR_TCB_THREAD		4
#define CR_CALLS_IN_FLIGHT	cr_inflight

/*
 * What sys/shim.S (cr_domsg_shim) reads and writes, checked by sys/sysport.c: the header of a
 * message (struct lwkt_msg), a port's put (struct lwkt_port), MSGF_SYNC and EASYNC.
 */
#define CR_MS_TARGET_PORT	8
#define CR_MS_REPLY_PORT	12
#define CR_MS_FLAGS		20
#define CR_MP_PUTPORT		28
#define CR_MSGF_SYNC		0x0008
#define CR_EASYNC		512

/*
 * What the hand-off fast paths (switch.S: lwkt_domsg, lwkt_replywait) read and write, checked by
 * lwkt/thread.c: fields of struct thread, struct lwkt_port, struct lwkt_msg, lwkt_msgstats, and
 * the flags and states they test.
 */
#define CR_TD_PRI		16
#define CR_TD_CRIT		32
#define CR_TD_STATE		44
#define CR_TD_WMESG		172
#define CR_TD_WCHAN		176
#define CR_TD_MSGPORT		72
#define CR_MP_MSGQ_FIRST	0
#define CR_MP_FLAGS		16
#define CR_MP_TD		20
#define CR_MP_HANDOFF		24
#define CR_MS_ERROR		28
#define CR_STATS_SENDS		0
#define CR_STATS_REPLIES	8
#define CR_MSGF_DONE		0x0001
#define CR_MSGF_REPLY		0x0002
#define CR_MSGF_QUEUED		0x0004
#define CR_MSGF_ABORTED		0x0040
#define CR_MSGPORTF_THREAD	0x0001
#define CR_MSGPORTF_WAITING	0x0002
#define CR_MSGPORTF_RECEIVING	0x0004
#define CR_STATE_RUNNABLE	0
#define CR_STATE_BLOCKED	1

#ifndef __ASSEMBLER__

#include <cr/thread.h>
#include <abi/upcall.h>
#include <sys/runq.h>			/* after cr/thread.h: its functions need struct thread */

/*
 * A vCPU. The yield fast path (switch.S) runs only while the program has one vCPU and reads
 * vCPU 0's vc_fast_left: how many more yields may skip the scheduler. A slow yield arms it when
 * nothing a fast yield skips can matter (lwkt/thread.c: fast_arm); the next use of the run queue
 * disarms it (0). Each fast yield takes one, so it is also their count: vc_stats.switches leaves
 * out vc_fast_armed - vc_fast_left of them until disarmed. A fast yield moves vc_cur along its
 * ring and nothing else: while armed, vc_cur is its ring's head and vc_runq.rq_head[] of its
 * priority lags behind (disarming sets it; the run queue is reached only through runq_of()).
 *
 * The hand-off fast paths (switch.S: lwkt_domsg, lwkt_replywait) are armed the same way, by
 * their slow paths (cr_sched_handoff_arm), with the same conditions but company, never together
 * with the yield's (they set vc_fast_left and vc_fast_armed to -1: runq_of disarms, a yield goes
 * the slow way). Their budget is vc_hand_left, each one taken counts a switch and a hand-off. A
 * fast hand-off does not touch the ring: the thread switched to runs in the place of the one
 * that handed over, which stays in the ring while blocked. So while armed, the ring holds
 * vc_slot where vc_cur runs; disarming puts vc_cur there (cr_sched_fast_off).
 */
struct cr_vcpu {
	int32_t		vc_fast_left;		/* CR_VC_FAST_LEFT */
	int32_t		vc_fast_armed;		/* ... what it was set to */
	cr_thread_t	vc_cur;			/* the thread it runs (CR_VC_CUR) */
	int32_t		vc_hand_left;		/* CR_VC_HAND_LEFT: hand-offs the fast path may make */
	int32_t		vc_hand_armed;		/* ... what it was set to */
	cr_thread_t	vc_slot;		/* while they may: who holds vc_cur's place in its ring */
	struct runq	vc_runq;		/* its runnable threads: see runq_of() */
	int		vc_id;			/* the kernel's id for it (rfork's answer) */
	bool		vc_up;			/* running: vc_id is valid */
	bool		vc_stopping;		/* cr_vcpu_exit: its idle thread ends it */
	bool		vc_idle;		/* its idle thread waits in the kernel (or is about to) */
	bool		vc_kicked;		/* a vcpu_wake is on its way to it */
	bool		vc_kse_waiting;		/* KSE: wait_here waits in the kernel (or is about to) */
	struct lwkt_port vc_port;		/* threads migrating here arrive as messages */
	cr_thread_t	vc_idle_td;
	cr_thread_t	vc_reaped;		/* an exited thread whose stack is still to free */
	struct cr_vcpu_stats vc_stats;
	struct upcall_area vc_upcall;		/* its upcall area: the running thread's mask */
	bool		vc_upcalls;		/* registered (signal.c: cr_upcall_register) */
};

extern struct cr_vcpu cr_vcpus[CR_VCPU_MAX];

/* libcr/sys/sysport.c: a misuse or a state the scheduler cannot go on from ends the program. */
__attribute__((noreturn)) void cr_msgport_fatal(const char *what, const void *obj);

/* signal/signal.c */
void	cr_upcall_register(struct cr_vcpu *vc, uint32_t mask);
__attribute__((noreturn)) void cr_upcall_resume(struct upcall_ctx *ctx);
extern int cr_sig_masks_used;
extern volatile uint32_t cr_sig_held;
int	cr_sig_after_park(lwkt_msg_t msg, int error);
/* The KSE model (lwkt/kse.c) */
void	cr_kse_blocked(uint32_t msg, struct upcall_ctx *ctx);
void	cr_kse_unblocked(uint32_t msg, const struct upcall_ctx *ctx);
void	cr_kse_drain(void);
void	cr_kse_forked(void);
void	cr_sched_deliver(lwkt_msg_t m);
/*
 * lwkt/thread.c: a thread parked in a kernel call, or waiting in libcr (td_sigwait), that does
 * not block bit (lock held), or NULL; cr_thread_alive: td is a thread that has not exited.
 */
cr_thread_t cr_sig_target(uint32_t bit);
bool	cr_thread_alive(cr_thread_t td);
/*
 * signal.c: the calling thread, in a libcr wait (in its one section, td_crit 1), runs the
 * handlers handed to it (td_sigq) or held that it lets through, outside the section.
 */
void	cr_sig_wait_run(cr_thread_t td);
/* cr_sig_wait_point: cr_sig_wait_run when something may be there (the cheap test). */
static inline __attribute__((always_inline)) void
cr_sig_wait_point(cr_thread_t td)
{
	if (__builtin_expect((td->td_sigq | cr_sig_held) != 0, 0))
		cr_sig_wait_run(td);
}

/* lwkt/thread.c: the out-of-line halves; switch.S: the switch (from in eax, to in edx) */
void	cr_sched_fast_off(struct cr_vcpu *vc);
void	cr_sched_handoff_arm(void);
void	cr_sig_masks_on(void);
int	cr_waitmsg(lwkt_msg_t msg, int flags);
void	cr_sched_take_arrivals(struct cr_vcpu *vc);
cr_thread_t cr_sched_idle_thread(struct cr_vcpu *vc);
void	cr_sched_refresh_idle_masks(void);
void	cr_sched_free_reaped(struct cr_vcpu *vc);
void	cr_sched_resume_in_section(cr_thread_t td);
__attribute__((regparm(2))) void cr_switch(cr_thread_t from, cr_thread_t to);

/* The seam's entry points for the port code, out of line (lwkt/thread.c). */
__attribute__((regparm(2))) void cr_sched_block(const char *wmesg, const void *wchan);
__attribute__((regparm(1))) void cr_sched_wakeup(cr_thread_t td);

/*
 * sched_count: one more on a 64-bit counter, as an add and an add-with-carry to memory (on the
 * switch paths gcc otherwise loads both halves into registers it has to spill).
 */
static inline __attribute__((always_inline)) void
sched_count(uint64_t *c)
{
	uint32_t *half = (uint32_t *)c;

	__asm__("addl $1, %0\n\tadcl $0, %1" : "+m"(half[0]), "+m"(half[1]) : : "cc");
}

/*
 * runq_of: vc's run queue, for any use: the yield fast path stops first if it was armed, so
 * what the run queue says is exact and stays so while the caller works on it (under the lock).
 */
static inline __attribute__((always_inline)) struct runq *
runq_of(struct cr_vcpu *vc)
{
	if (__builtin_expect(vc->vc_fast_armed != 0, 0))
		cr_sched_fast_off(vc);
	return &vc->vc_runq;
}

/*
 * sched_pick: the thread vc runs next: the best of its queue rq (runq_of(vc), which the caller
 * has in hand), or its idle thread.
 */
static inline __attribute__((always_inline)) cr_thread_t
sched_pick(struct cr_vcpu *vc, struct runq *rq)
{
	cr_thread_t td;

	if (__builtin_expect(!TAILQ_EMPTY(&vc->vc_port.mp_msgq), 0))
		cr_sched_take_arrivals(vc);
	if ((td = runq_best(rq)) != NULL)
		return td;
	return cr_sched_idle_thread(vc);
}

/* sched_after_switch: td runs again (on its vCPU, maybe another): free what exited meanwhile. */
static inline __attribute__((always_inline)) void
sched_after_switch(cr_thread_t td)
{
	struct cr_vcpu *vc = td->td_vcpu;

	if (__builtin_expect(vc->vc_reaped != NULL, 0))
		cr_sched_free_reaped(vc);
}

/*
 * sched_switch_to: vc runs ntd now instead of td, the caller (the slow path's switch). Inside a
 * critical section, after runq_of(vc): the fast path is off. Returns when td runs again.
 */
/*
 * cr_utrace_on: the kernel records libcr's events (a trace kernel answered utrace's probe at
 * start-up): each switch, park, wake and upcall is a utrace call (docs/trace.md). Switches and
 * parks are traced by cr_switch_fn, which is then cr_switch_traced instead of cr_switch: one
 * indirect call where a direct one was, so that no switch pays a test when nothing traces.
 */
extern int cr_utrace_on;
void	cr_utrace(uint32_t event, const void *a, const void *b);
extern __attribute__((regparm(2))) void (*cr_switch_fn)(cr_thread_t from, cr_thread_t to);

static inline __attribute__((always_inline)) void
sched_switch_to(struct cr_vcpu *vc, cr_thread_t td, cr_thread_t ntd)
{
	if (ntd == td)
		return;
	vc->vc_cur = ntd;
	td->td_sigmask = vc->vc_upcall.ua_sigmask;	/* the mask goes with the thread */
	vc->vc_upcall.ua_sigmask = ntd->td_sigmask;
	sched_count(&vc->vc_stats.switches);
	if (__builtin_expect(ntd->td_crit == 0, 0))
		cr_sched_resume_in_section(ntd);
	cr_switch_fn(td, ntd);			/* cr_switch, or cr_switch_traced */
	sched_after_switch(td);
}

/*
 * sched_block: td, the calling thread, waits until cr_sched_wakeup (the port seam's block).
 * Inside a critical section.
 */
static inline __attribute__((always_inline)) void
sched_block(cr_thread_t td, const char *wmesg, const void *wchan)
{
	struct cr_vcpu *vc = td->td_vcpu;
	struct runq *rq = runq_of(vc);

	if (td->td_idle)
		cr_msgport_fatal("a vCPU's idle thread must not block", td);
	if (td->td_state == CR_RUNNABLE)
		runq_remove(rq, td);
	td->td_state = CR_BLOCKED;
	td->td_wmesg = wmesg;
	td->td_wchan = wchan;
	sched_switch_to(vc, td, sched_pick(vc, rq));
}

/*
 * sched_handoff_ok: may cur, the calling thread, hand its vCPU straight to td, blocked in
 * waitport (the port seam's msgport_handoff_ok)? td belongs to cur's vCPU and has its priority,
 * and nothing higher is runnable there. Inside a critical section.
 */
static inline __attribute__((always_inline)) bool
sched_handoff_ok(cr_thread_t cur, cr_thread_t td)
{
	struct cr_vcpu *vc = cur->td_vcpu;

	/*
	 * A thread that runs is runnable, at the head of its ring, except in the scheduler's own
	 * sections (which send nothing); an idle thread's priority, CR_PRI_IDLE, is no other's.
	 */
	return td->td_vcpu == vc && td->td_pri == cur->td_pri && td->td_state == CR_BLOCKED &&
	    !runq_above(&vc->vc_runq, cur->td_pri);
}

/*
 * sched_handoff: direct hand-off from cur, the calling thread, to td, when sched_handoff_ok said
 * so (the port seam's msgport_handoff). td runs now, at the head of the ring; cur stays runnable
 * at its tail, as after a yield. Inside a critical section; returns when cur runs again.
 */
static inline __attribute__((always_inline)) void
sched_handoff(cr_thread_t cur, cr_thread_t td)
{
	struct cr_vcpu *vc = cur->td_vcpu;

	td->td_state = CR_RUNNABLE;
	td->td_wmesg = NULL;
	td->td_wchan = NULL;
	runq_handoff(runq_of(vc), cur, td);
	sched_count(&vc->vc_stats.handoffs);
	sched_switch_to(vc, cur, td);
}

#endif /* !__ASSEMBLER__ */
#endif
