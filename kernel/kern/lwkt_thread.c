/*
 * LWKT threads and the per-CPU scheduler (sys/thread.h, sys/globaldata.h).
 *
 * Each CPU has a run queue (sys/runq.h): a ring of threads per priority and a bitmask of the
 * non-empty rings. The running thread stays at the head of its ring while it runs. lwkt_switch
 * picks the highest-priority thread whose tokens it can (re)acquire, round-robin among equals, or
 * the idle thread. Two paths skip it: lwkt_yield among equals (the head moves to the next thread
 * of the ring and the CPU switches to it) and lwkt_handoff, the port code's direct hand-off to a
 * receiver (sys/msgport_sys.h).
 *
 * Critical sections (crit_enter/crit_exit) are per thread. They do not mask interrupts: the timer
 * interrupt always counts the tick, but when it lands inside a critical section its service
 * (waking sleepers, replying timer messages) is deferred until the section ends. So code inside
 * a critical section is never interleaved with scheduler or port work from an interrupt.
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/globaldata.h>
#include <sys/malloc.h>
#include <sys/proc.h>
#include <sys/thread.h>
#include <sys/runq.h>
#include <sys/switchframe.h>
#include <sys/thread2.h>
#include <sys/timer.h>
#include <sys/token.h>
#include <sys/ipiq.h>
#include <sys/trace.h>
#include <string.h>
#include <machine/cpufunc.h>
#include <machine/segments.h>
#include <vm/kstack.h>
#include <vm/vm.h>

_Static_assert(__builtin_offsetof(struct thread, td_sp) == 0, "swtch.S hard-codes TD_SP");
_Static_assert(__builtin_offsetof(struct thread, td_ast) == 4, "syscall.S hard-codes TD_AST");
_Static_assert(__builtin_offsetof(struct globaldata, gd_curthread) == GD_CURTHREAD_OFFSET, "curthread");
_Static_assert(__builtin_offsetof(struct globaldata, gd_reqflags) == GD_REQFLAGS_OFFSET,
    "mycpu_reqflags hard-codes it");
_Static_assert(TDPRI_COUNT == RUNQ_NPRI, "a run-queue ring per priority");

struct globaldata cpu0_globaldata;
struct globaldata *globaldata_cpus[MAXCPU] = { &cpu0_globaldata };
int ncpus = 1;
struct lwkt_stats lwkt_stats;
static struct thread thread0;		/* the boot context: kmain runs as this thread */

void	lwkt_thread_entry(thread_t td);

/* crit_exit_deferred: the end of a critical section found a deferred timer tick: serve it. */
void
crit_exit_deferred(thread_t td)
{
	KASSERT(td->td_critcount >= 0, "crit_exit without crit_enter");
	if (td->td_gd->gd_intr_nesting == 0)
		intr_service();
}

/* lwkt_thread_entry: a new thread's first C code (from cpu_thread_start). */
void
lwkt_thread_entry(thread_t td)
{
	lwkt_reap(td->td_gd);
	crit_exit();			/* lwkt_create left the new thread inside one */
	sti();
	td->td_func(td->td_arg);
	lwkt_exit();
}

/*
 * thread_start_frame: the stack a new thread is first switched to (sys/switchframe.h) leads into
 * cpu_thread_start, which calls lwkt_thread_entry(td) and so func(arg). The thread starts inside
 * the critical section of the switch that runs it, with interrupts off until lwkt_thread_entry.
 */
static void
thread_start_frame(thread_t td, void (*func)(void *), void *arg)
{
	uint32_t *sp = switch_frame((char *)td->td_kstack + TD_KSTACK_SIZE, cpu_thread_start, td);

	td->td_func = func;
	td->td_arg = arg;
	td->td_critcount = 1;
	*--sp = 0x2;				/* eflags, which cpu_switch_to pops first: interrupts off */
	td->td_sp = (uint32_t)sp;
}

/* thread_fields: the fields every thread starts with; it belongs to gd's CPU. */
static void
thread_fields(thread_t td, struct globaldata *gd, const char *name, int pri, int flags)
{
	td->td_gd = gd;
	td->td_vcpu_cpu = gd->gd_cpuid;		/* a vCPU's ring-3 code runs where it was made */
	strlcpy(td->td_name, name, sizeof(td->td_name));
	td->td_pri = pri;
	td->td_flags = flags;
	td->td_state = TDS_BLOCKED;
	lwkt_initport_thread(&td->td_msgport, td);
	__atomic_add_fetch(&lwkt_stats.threads, 1, __ATOMIC_RELAXED);	/* every CPU counts */
	lwkt_stats.created++;
	TRACE_THREAD_NAME(td);
}

/* thread_setup: thread_fields, and td joins gd's list of threads (gd: this CPU, or not running). */
static void
thread_setup(thread_t td, struct globaldata *gd, const char *name, int pri, int flags)
{
	thread_fields(td, gd, name, pri, flags);
	TAILQ_INSERT_TAIL(&gd->gd_tdallq, td, td_allq);
}

/* thread_attach_there: on its own CPU, a thread made elsewhere joins the list and maybe runs. */
static void
thread_attach_there(void *arg1, int flags)
{
	thread_t td = arg1;

	TAILQ_INSERT_TAIL(&td->td_gd->gd_tdallq, td, td_allq);
	if ((flags & TDF_NOSTART) == 0)
		lwkt_schedule(td);
}

/* thread_alloc: a zeroed thread and its stack, ready to start func(arg); NULL without memory. */
static inline __attribute__((always_inline)) thread_t
thread_alloc(void (*func)(void *), void *arg)
{
	thread_t td = kzalloc(sizeof(*td));

	if (td == NULL)
		return NULL;
	td->td_kstack = kstack_alloc();
	if (td->td_kstack == NULL) {
		kfree(td);
		return NULL;
	}
	thread_start_frame(td, func, arg);
	return td;
}

/*
 * lwkt_create_cpu: lwkt_create, the thread belonging to CPU cpu (it runs there only, and
 * another CPU reaches it by IPI messages: docs/smp.md). EINVAL for a CPU that is not up.
 */
int
lwkt_create_cpu(void (*func)(void *), void *arg, thread_t *tdp, int pri, int flags,
    const char *name, int cpu)
{
	struct globaldata *gd;
	thread_t td;

	if (cpu < 0 || cpu >= ncpus || pri <= TDPRI_IDLE || pri > TDPRI_MAX)
		return EINVAL;
	gd = globaldata_find(cpu);
	if (gd == mycpu)
		return lwkt_create(func, arg, tdp, pri, flags, name);
	if ((td = thread_alloc(func, arg)) == NULL)
		return ENOMEM;
	thread_fields(td, gd, name, pri, flags & ~TDF_STATIC);
	if (tdp != NULL)
		*tdp = td;
	lwkt_send_ipiq(gd, thread_attach_there, td, flags);
	return 0;
}

/*
 * lwkt_create: a new thread on this CPU running func(arg) at priority pri. It is runnable at
 * once unless flags has TDF_NOSTART. Returns 0, EINVAL for a bad priority, or ENOMEM.
 */
int
lwkt_create(void (*func)(void *), void *arg, thread_t *tdp, int pri, int flags, const char *name)
{
	thread_t td;

	if (pri <= TDPRI_IDLE || pri > TDPRI_MAX)
		return EINVAL;
	if ((td = thread_alloc(func, arg)) == NULL)
		return ENOMEM;
	crit_enter();
	thread_setup(td, mycpu, name, pri, flags & ~TDF_STATIC);
	if ((flags & TDF_NOSTART) == 0)
		lwkt_schedule(td);
	crit_exit();
	if (tdp != NULL)
		*tdp = td;
	return 0;
}

/* schedule_there: lwkt_schedule on td's own CPU (an IPI message). */
static void
schedule_there(void *td, int unused)
{
	(void)unused;
	lwkt_schedule(td);
}

/*
 * lwkt_schedule: make td runnable; note a reschedule if it outranks the running thread. A
 * thread of another CPU is scheduled there, by an IPI message: only a CPU touches its run queue.
 */
__attribute__((regparm(1))) void
lwkt_schedule(thread_t td)
{
	if (__builtin_expect(td->td_gd != mycpu, 0)) {
		lwkt_send_ipiq(td->td_gd, schedule_there, td, 0);
		return;
	}
	crit_enter();
	if (td->td_state == TDS_BLOCKED && (td->td_flags & TDF_IDLE) == 0) {
		struct globaldata *gd = td->td_gd;
		td->td_state = TDS_RUNNABLE;
		td->td_wmesg = NULL;
		td->td_wchan = NULL;
		runq_insert(&gd->gd_runq, td);
		if (td->td_pri > gd->gd_curthread->td_pri)
			gd->gd_reqflags |= RQF_RESCHED;	/* and so no yield takes the fast path */
	}
	crit_exit();
}

/* lwkt_deschedule: take td off the run queue; it runs again only after lwkt_schedule. */
void
lwkt_deschedule(thread_t td)
{
	crit_enter();
	if (td->td_state == TDS_RUNNABLE) {
		runq_remove(&td->td_gd->gd_runq, td);
		td->td_state = TDS_BLOCKED;
	}
	crit_exit();
}

/*
 * lwkt_pick_with_tokens: the best runnable thread whose tokens can all be acquired (they are),
 * made the head of its ring; or the idle thread. (lwkt_pick's slow half, sys/thread2.h)
 */
thread_t
lwkt_pick_with_tokens(struct globaldata *gd)
{
	struct runq *rq = &gd->gd_runq;
	uint32_t mask = rq->rq_mask;

	while (mask != 0) {
		int pri = 31 - __builtin_clz(mask);
		thread_t head = rq->rq_head[pri], td = head;
		do {
			if (td->td_toks_count == 0 || lwkt_token_acquire_all(td)) {
				runq_to_head(rq, td);	/* the running thread is its ring's head */
				return td;
			}
			td = td->td_rqnext;
		} while (td != head);
		mask &= ~(1u << pri);
	}
	return &gd->gd_idlethread;
}

/* lwkt_switch_in_process: the MMU and TSS state a thread running user code needs. */
void
lwkt_switch_in_process(thread_t td)
{
	tss_set_kstack((uint32_t)td->td_kstack + TD_KSTACK_SIZE);
	if (rcr3() != (uint32_t)td->td_proc->p_pmap.pm_pdir)
		pmap_activate(&td->td_proc->p_pmap);
	ldt_load(td->td_proc->p_ldt);
}

/*
 * lwkt_switch: give the CPU to the best runnable thread (maybe the caller again). The caller's
 * tokens are released now and reacquired before it runs again.
 */
void
lwkt_switch(void)
{
	struct globaldata *gd = mycpu;
	thread_t td = gd->gd_curthread, ntd;

	KASSERT(gd->gd_intr_nesting == 0, "lwkt_switch inside an interrupt handler");
	crit_enter();
	if (td->td_toks_count != 0)
		lwkt_token_release_all(td);
	gd_reqflags_clear(gd, RQF_RESCHED);
	ntd = lwkt_pick(gd);
	if (ntd != td)
		lwkt_switch_to(gd, td, ntd);	/* td's tokens were acquired again by lwkt_pick */
	crit_exit();
}

/*
 * lwkt_block: the calling thread stops until someone lwkt_schedule()s it. Call it inside a
 * critical section after publishing how to be woken, so no wakeup is lost in between. (The
 * port code inlines the same: lwkt_block_td in sys/thread2.h.)
 */
__attribute__((regparm(2))) void
lwkt_block(const char *wmesg, const void *wchan)
{
	lwkt_block_td(curthread, wmesg, wchan);
}

/*
 * lwkt_yield: let runnable threads of the same or a higher priority run first.
 *
 * The fast path is the common case: the caller runs at the head of its ring, holds no token,
 * nothing is pending on its CPU (gd_reqflags: no higher priority became runnable, no deferred
 * interrupt work), and the next thread of the ring holds no token and runs no process (whose
 * address space and TSS a switch would load). Then the head moves on and the CPU switches to
 * the next thread: no pick, no token work.
 */
void
lwkt_yield(void)
{
	thread_t td = curthread, ntd;
	struct globaldata *gd = td->td_gd;

	if (__builtin_expect(td->td_state == TDS_RUNNABLE, 1)) {
		ntd = td->td_rqnext;
		if (__builtin_expect((gd->gd_reqflags | td->td_toks_count | ntd->td_toks_count |
		    (uintptr_t)ntd->td_proc) == 0 && ntd != td, 1)) {
			crit_enter_td(td);
			gd->gd_runq.rq_head[td->td_pri] = ntd;	/* runq_rotate, ntd at hand */
			lwkt_switch_threads(gd, td, ntd);
			crit_exit_td(td);
			return;
		}
	}
	crit_enter();
	if (td->td_state == TDS_RUNNABLE) {
		runq_remove(&gd->gd_runq, td);
		runq_insert(&gd->gd_runq, td);
	}
	lwkt_switch();
	crit_exit();
}

/* lwkt_handoff: lwkt_handoff_td (sys/thread2.h) for the calling thread. */
__attribute__((regparm(1))) void
lwkt_handoff(thread_t ntd)
{
	lwkt_handoff_td(curthread, ntd);
}

/* lwkt_runnable_above: is a thread of priority > pri runnable? */
bool
lwkt_runnable_above(int pri)
{
	return runq_above(&mycpu->gd_runq, pri);
}

/* lwkt_should_yield: would another runnable thread of td's priority or above run after a yield? */
bool
lwkt_should_yield(thread_t td)
{
	thread_t head = td->td_gd->gd_runq.rq_head[td->td_pri];

	if (lwkt_runnable_above(td->td_pri))
		return true;
	return head != NULL && (head != td || td->td_rqnext != td);
}

/*
 * lwkt_setpri: td runs at priority pri from now on. The running thread stays the head of its
 * (new) ring; if that leaves a higher priority runnable, its next yield gives way.
 */
void
lwkt_setpri(thread_t td, int pri)
{
	struct globaldata *gd = td->td_gd;

	KASSERT(pri > TDPRI_IDLE && pri <= TDPRI_MAX, "lwkt_setpri: bad priority");
	crit_enter();
	if (td->td_state == TDS_RUNNABLE) {
		runq_remove(&gd->gd_runq, td);
		td->td_pri = pri;
		runq_insert(&gd->gd_runq, td);
		if (td == gd->gd_curthread) {
			runq_to_head(&gd->gd_runq, td);
			if (runq_above(&gd->gd_runq, pri))
				gd->gd_reqflags |= RQF_RESCHED;
		} else if (pri > gd->gd_curthread->td_pri) {
			gd->gd_reqflags |= RQF_RESCHED;
		}
	} else {
		td->td_pri = pri;
	}
	crit_exit();
}

/*
 * lwkt_reap: free the stack of a thread that exited, now that nobody runs on it; or let a
 * thread that moved to another CPU (lwkt_setcpu_self) run there, now that this CPU is off its
 * stack.
 */
void
lwkt_reap(struct globaldata *gd)
{
	thread_t td = gd->gd_freetd;

	if (td == NULL || td == gd->gd_curthread)
		return;
	gd->gd_freetd = NULL;
	if (td->td_flags & TDF_MIGRATING) {
		__atomic_and_fetch(&td->td_flags, ~TDF_MIGRATING, __ATOMIC_RELEASE);
		return;
	}
	kstack_free(td->td_kstack);
	kfree(td);
}

/*
 * migrate_there: on its new CPU, a thread that lwkt_setcpu_self sent joins the CPU's threads
 * and runs, once its old CPU has switched off its stack (lwkt_reap there clears TDF_MIGRATING:
 * a few instructions after this message was sent).
 */
static void
migrate_there(void *arg1, int unused)
{
	thread_t td = arg1;
	struct globaldata *gd = mycpu;

	(void)unused;
	while (__atomic_load_n(&td->td_flags, __ATOMIC_ACQUIRE) & TDF_MIGRATING)
		__asm__ volatile("pause");
	TAILQ_INSERT_TAIL(&gd->gd_tdallq, td, td_allq);
	runq_insert(&gd->gd_runq, td);		/* it stayed TDS_RUNNABLE: see lwkt_setcpu_self */
	if (td->td_pri > gd->gd_curthread->td_pri)
		gd->gd_reqflags |= RQF_RESCHED;
}

/*
 * lwkt_setcpu_self: the calling thread moves to CPU cpu, by message (DragonFly's
 * lwkt_setcpu_self): it leaves this CPU's queues and switches away; the message makes it
 * runnable there; it returns running on cpu, its tokens reacquired. A process's vCPU moves so
 * too: to its process's home CPU for kernel work and back (kern/kern_vcpu_place.c), and a polled
 * ring's thread (TDF_KPOLL), which runs a process's calls on its home CPU and then goes back
 * (kern_ring.c). EINVAL for a CPU that is not up; EBUSY for an idle or static thread.
 */
int
lwkt_setcpu_self(int cpu)
{
	thread_t td = curthread, ntd;
	struct globaldata *gd = td->td_gd, *ngd;

	if (cpu < 0 || cpu >= ncpus)
		return EINVAL;
	if (td->td_flags & (TDF_IDLE | TDF_STATIC))
		return EBUSY;
	ngd = globaldata_find(cpu);
	if (ngd == gd)
		return 0;
	crit_enter();
	/* Off the run queue but still TDS_RUNNABLE: it is running, so a wakeup on the way (from
	 * any CPU) has nothing to do, and none can queue it before it has left this stack. */
	runq_remove(&gd->gd_runq, td);
	TAILQ_REMOVE(&gd->gd_tdallq, td, td_allq);
	lwkt_reap(gd);			/* one leaving thread at a time in gd_freetd */
	td_flags_set(td, TDF_MIGRATING);
	gd->gd_freetd = td;
	td->td_gd = ngd;
	lwkt_send_ipiq(ngd, migrate_there, td, 0);
	if (td->td_toks_count != 0)
		lwkt_token_release_all(td);
	gd_reqflags_clear(gd, RQF_RESCHED);
	ntd = lwkt_pick(gd);
	if (ntd->td_proc != NULL)
		lwkt_switch_in_process(ntd);
	lwkt_stats.switches++;
	ntd->td_switches++;
	TRACE_SWITCH(td, ntd);
	gd->gd_curthread = ntd;
	cpu_switch_to(td, ntd);
	/* Running on ngd now: the thread that ran before us there may have left one to reap. */
	gd = mycpu;
	if (gd->gd_freetd != NULL)
		lwkt_reap(gd);
	crit_exit();
	return 0;
}

/* lwkt_exit: end the calling thread. Its stack is freed by the next thread that runs. */
void
lwkt_exit(void)
{
	thread_t td = curthread;
	struct globaldata *gd = td->td_gd;

	KASSERT((td->td_flags & (TDF_IDLE | TDF_STATIC)) == 0, "a static thread cannot exit");
	crit_enter();
	KASSERT(td->td_toks_count == 0, "thread exits holding tokens");
	lwkt_deschedule(td);
	td->td_state = TDS_EXITED;
	TAILQ_REMOVE(&gd->gd_tdallq, td, td_allq);
	__atomic_sub_fetch(&lwkt_stats.threads, 1, __ATOMIC_RELAXED);
	lwkt_stats.exited++;
	TRACE_THREAD_EXIT(td);
	lwkt_reap(gd);			/* at most one exited thread waits to be freed */
	gd->gd_freetd = td;
	lwkt_switch();
	panic("lwkt_exit: an exited thread ran again");
}

/* lwkt_idle_loop: run when nothing else can; sleep until an interrupt. */
void
lwkt_idle_loop(void)
{
	struct globaldata *gd = mycpu;

	for (;;) {
		cli();
		if (gd->gd_runq.rq_mask == 0 && (gd->gd_reqflags & RQF_INTR_PENDING) == 0)
			__asm__ volatile("sti; hlt" ::: "memory");	/* no wakeup slips between */
		else
			sti();
		if (gd->gd_reqflags & RQF_INTR_PENDING)
			intr_service();
		lwkt_switch();
	}
}

static void
idle_main(void *arg)
{
	(void)arg;
	lwkt_idle_loop();
}

/*
 * lwkt_init_cpu: the globaldata of CPU cpuid and its idle thread, with a kernel stack of its
 * own. CPU 0 switches to its idle thread when nothing else runs; another CPU starts on its idle
 * thread's stack (arch/i386/mp_machdep.c) and so runs it from the start, outside any critical
 * section.
 */
void
lwkt_init_cpu(struct globaldata *gd, int cpuid)
{
	thread_t idle = &gd->gd_idlethread;

	gd->gd_self = gd;
	gd->gd_cpuid = cpuid;
	TAILQ_INIT(&gd->gd_tdallq);
	if (cpuid == 0) {
		extern char boot_stack[];
		thread0.td_kstack = boot_stack;	/* its guard: boot_stack_guard (pmap_bootstrap) */
		thread_setup(&thread0, gd, "thread0", TDPRI_KERN, TDF_STATIC);
		thread0.td_state = TDS_RUNNABLE;
		runq_insert(&gd->gd_runq, &thread0);
	}
	idle->td_kstack = kstack_alloc();
	KASSERT(idle->td_kstack != NULL, "no page for the idle thread's stack");
	thread_start_frame(idle, idle_main, NULL);
	thread_setup(idle, gd, "idle", TDPRI_IDLE, TDF_IDLE | TDF_STATIC);
	if (cpuid != 0) {
		idle->td_critcount = 0;
		gd->gd_curthread = idle;
	}
}

/*
 * lwkt_init: make the boot context thread0 of CPU 0, create the idle thread, and point %fs at
 * CPU 0's globaldata. Interrupts stay off until the caller enables them.
 */
void
lwkt_init(void)
{
	struct globaldata *gd = &cpu0_globaldata;

	gd->gd_self = gd;
	gdt_set_percpu(0, gd);
	gd->gd_curthread = &thread0;
	lwkt_init_cpu(gd, 0);
}
