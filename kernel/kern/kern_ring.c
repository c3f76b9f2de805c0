/*
 * The shared submission/completion ring (sys/ring.h). The ring page is an ordinary physical
 * page, mapped into the process at RING_UADDR and reached by the kernel through its physical
 * mapping, so completions can be posted from any context, on any CPU (under r_cqlock).
 *
 * A polled ring (RING_SETUP_KPOLL: docs/smp.md, "The kernel-polled ring") has a kernel thread of
 * the process (td_proc, so switching to it loads the address space; TDF_KPOLL, so it is no vCPU)
 * on another CPU than the process's home CPU. It takes submissions as they come, with no trap:
 * calls the spec says anycpu it runs there; for any other entry it moves to the home CPU, where
 * the process's state lives, takes the rest of the batch by the ordinary ring path, and moves
 * back. Idle for KPOLL_IDLE_TICKS of its CPU's clock, it sleeps and sets RING_NEED_WAKEUP;
 * ring_enter(RING_ENTER_WAKEUP) wakes it. Exit and exec stop it and wait for its end
 * (ring_kpoll_stop) before anything of the process goes.
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/ksysmsg.h>
#include <sys/malloc.h>
#include <sys/proc.h>
#include <sys/ring.h>
#include <sys/sysmsg.h>
#include <sys/thread2.h>
#include <sys/ipiq.h>
#include <sys/spinlock.h>
#include <sys/thread.h>
#include <sys/uaccess.h>
#include <vm/vm.h>
#include <string.h>
#include <machine/segments.h>

_Static_assert(RING_UADDR == USER_STACK_BOTTOM - USER_STACK_GUARD_PAGES * PAGE_SIZE,
    "RING_UADDR in sys/ring.h: below the user stack's guard, above the heap's limit");

/*
 * The kernel's own copy of the ring's shape: the shared page is writable by the process, so the
 * kernel reads only the head and tail counters from it, and always masks them itself.
 */
#define RING_CHUNK	64	/* submission entries copied to the kernel stack at a time */
#define KPOLL_IDLE_TICKS 3	/* a polling thread sleeps after this many ticks with nothing to take */

struct ring {
	struct ring_shared *r_shared;		/* kernel address of the page */
	uint32_t	r_uaddr;
	uint32_t	r_entries, r_mask;
	uint32_t	*r_sq, *r_cq;		/* kernel addresses of the two arrays */
	struct spinlock	r_cqlock;		/* posting completions (any CPU) */
	volatile uint32_t r_waiters;		/* vCPUs waiting in ring_enter for completions */
	/* a polled ring (RING_SETUP_KPOLL) */
	struct thread	*r_kpoll;		/* its thread, or NULL */
	uint32_t	r_head;			/* the thread's sq_head (the shared one is a copy) */
	int		r_home, r_cpu;		/* the process's home CPU, the thread's own */
	volatile bool	r_stop;			/* exit or exec: the thread is to end */
	bool		r_asleep;		/* it sleeps (its CPU's: set and read there) */
	bool		r_ended;		/* it has ended (the home CPU's) */
	struct thread	*r_stopper;		/* who waits for that */
};

struct ring_stats ring_stats;

static int	kpoll_start(struct proc *p, struct ring *r);
static void	kpoll_wake_there(void *arg, int unused);

/*
 * sys_ring_setup: map a ring of entries slots; flags RING_SETUP_KPOLL gives it a polling thread
 * (ENOTSUP with one CPU: there is no other CPU to poll on). EINVAL: a bad size or flag; EEXIST:
 * a second ring.
 */
int
sys_ring_setup(struct ring_setup_msg *msg)
{
	struct proc *p = curproc;
	uint32_t n = msg->entries;
	struct ring *r;
	struct ring_shared *rs;
	int error;

	if (n == 0 || n > RING_MAX_ENTRIES || (n & (n - 1)) != 0 || (msg->flags & ~RING_SETUP_FLAGS))
		return EINVAL;
	if ((msg->flags & RING_SETUP_KPOLL) && ncpus < 2)
		return ENOTSUP;
	if (p->p_ring != NULL)
		return EEXIST;
	if ((r = kzalloc(sizeof(*r))) == NULL)
		return ENOMEM;
	if ((rs = vm_page_alloc()) == NULL || pmap_enter(&p->p_pmap, RING_UADDR, rs, PTE_U | PTE_W)) {
		if (rs != NULL)
			vm_page_free(rs);
		kfree(r);
		return ENOMEM;
	}
	rs->entries = n;
	rs->mask = n - 1;
	rs->sq_off = sizeof(*rs);
	rs->cq_off = sizeof(*rs) + n * sizeof(uint32_t);
	rs->setup_flags = msg->flags;
	r->r_shared = rs;
	r->r_uaddr = RING_UADDR;
	r->r_entries = n;
	r->r_mask = n - 1;
	r->r_sq = (uint32_t *)((char *)rs + rs->sq_off);
	r->r_cq = (uint32_t *)((char *)rs + rs->cq_off);
	p->p_ring = r;
	if ((msg->flags & RING_SETUP_KPOLL) && (error = kpoll_start(p, r)) != 0) {
		p->p_ring = NULL;
		pmap_remove_range(&p->p_pmap, RING_UADDR, RING_UADDR + PAGE_SIZE);	/* frees it */
		kfree(r);
		return error;
	}
	msg->hdr.ms_result = RING_UADDR;
	return 0;
}

/*
 * ring_lock, ring_unlock: the completion queue's lock, taken to post (any CPU may: a polling
 * thread, a later completion on the home CPU). With one CPU a critical section is all it needs.
 */
static inline __attribute__((always_inline)) void
ring_lock(struct ring *r)
{
	if (__builtin_expect(ncpus > 1, 0))
		spin_lock(&r->r_cqlock);
	else
		crit_enter();
}

static inline __attribute__((always_inline)) void
ring_unlock(struct ring *r)
{
	if (__builtin_expect(ncpus > 1, 0))
		spin_unlock(&r->r_cqlock);
	else
		crit_exit();
}

/* ring_room_locked: completions the queue has room for now (0 for counters no ring can have). */
static inline uint32_t
ring_room_locked(const struct ring *r)
{
	uint32_t room = r->r_entries - (r->r_shared->cq_tail - r->r_shared->cq_head);

	return room > r->r_entries ? 0 : room;
}

/*
 * ring_post_answer: the answer of a held ring call that completed (ksm) is written and its
 * address posted, if the completion queue has room: 0; -1 when it is full (the caller keeps the
 * call for waitport). Both under the queue's lock, so no CPU fills the room in between.
 */
int
ring_post_answer(struct ksysmsg *ksm)
{
	struct proc *p = ksm->km_proc;
	struct ring *r = p->p_ring;
	struct ring_shared *rs;

	if (r == NULL)
		return -1;
	rs = r->r_shared;
	ring_lock(r);
	if (ring_room_locked(r) == 0) {
		rs->overflow++;
		ring_unlock(r);
		return -1;		/* full (or counters made up): waitport collects it */
	}
	sysmsg_answer(ksm, ksm->km_msg.ms_error);
	r->r_cq[rs->cq_tail & r->r_mask] = ksm->km_uaddr;
	__asm__ volatile("" ::: "memory");	/* the slot before the tail that publishes it */
	rs->cq_tail++;
	ring_unlock(r);
	return 0;
}

/*
 * ring_overflow: a message of the ring answered at once finds the completion queue full: it is
 * kept for waitport, like a later completion that finds it full (its answer is already written).
 * On the home CPU (the process's lists).
 */
static __attribute__((noinline)) void
ring_overflow(struct proc *p, uint32_t uaddr)
{
	struct ksysmsg *ksm = ksysmsg_alloc(p);
	struct lwkt_msg *u = (struct lwkt_msg *)uaddr;
	uint32_t error = 0, lo = 0, hi = 0;

	if (ksm == NULL)
		return;			/* no memory: the answer in the message is all it gets */
	ksm->km_proc = p;
	ksm->km_uaddr = uaddr;
	ksm->km_flags = KMF_RING;
	ksm->km_td = curthread;
	ksm->km_args.hdr.ms_cmd = 0;
	/* collect() writes the answer again: keep the one the message was answered with. */
	if (fetch_user32(&u->ms_error, &error) == 0 && fetch_user32(&u->ms_result, &lo) == 0)
		fetch_user32((uint32_t *)&u->ms_result + 1, &hi);
	ksm->km_args.hdr.ms_result = (int64_t)(((uint64_t)hi << 32) | lo);
	sysmsg_done_now(ksm, (int)error);
}

/*
 * ring_post_run: n ring entries answered at once (their answers written) are posted in order, as
 * many as the completion queue has room for; returns how many. addrs is the kernel's copy of the
 * entries (read from the submission queue once). The tail is published once, under the queue's
 * lock (a critical section: no completion posted at interrupt time comes between, and no other
 * CPU's); a run that does not wrap is one copy.
 */
static inline __attribute__((always_inline)) uint32_t
ring_post_run(struct ring *r, const uint32_t *addrs, uint32_t n)
{
	struct ring_shared *rs = r->r_shared;
	uint32_t tail, room, post, slot, i;

	ring_lock(r);
	tail = rs->cq_tail;
	room = ring_room_locked(r);
	post = n < room ? n : room;
	slot = tail & r->r_mask;
	if (slot + post <= r->r_entries) {
		memcpy(&r->r_cq[slot], addrs, post * sizeof(uint32_t));
	} else {
		for (i = 0; i < post; i++)
			r->r_cq[(tail + i) & r->r_mask] = addrs[i];
	}
	__asm__ volatile("" ::: "memory");	/* the slots before the tail that publishes them */
	rs->cq_tail = tail + post;
	rs->overflow += n - post;
	ring_unlock(r);
	return post;
}

/*
 * ring_answered: n ring entries answered at once are posted in order (ring_post_run); an entry
 * that finds the queue full is kept for waitport. On the home CPU.
 */
static void
ring_answered(struct proc *p, const uint32_t *addrs, uint32_t n, int error)
{
	uint32_t i = ring_post_run(p->p_ring, addrs, n);

	(void)error;
	for (; i < n; i++)
		ring_overflow(p, addrs[i]);
}

/* ring_take: up to max entries from slot head on, by the ordinary ring path; how many it took. */
static inline __attribute__((always_inline)) uint32_t
ring_take(struct proc *p, struct ring *r, uint32_t head, uint32_t max)
{
	uint32_t taken = 0;

	/* The queue wraps: at most two runs of consecutive slots, each taken in chunks copied to
	 * the stack first, so an entry is read from the shared page once (the process may rewrite
	 * its slots meanwhile: what is taken and what is posted is the same address). Entries with
	 * no header to answer in are consumed and skipped, as before: the ring has no way to say
	 * how far it got. */
	while (taken < max && !p->p_killed) {
		uint32_t slot = (head + taken) & r->r_mask;
		uint32_t run = r->r_entries - slot < max - taken ? r->r_entries - slot : max - taken;
		uint32_t vec[RING_CHUNK], done;

		if (run > RING_CHUNK)
			run = RING_CHUNK;
		memcpy(vec, &r->r_sq[slot], run * sizeof(uint32_t));
		done = sysmsg_take_ring(p, vec, run, ring_answered);
		taken += done < run ? done + 1 : done;
	}
	return taken;
}

/*
 * sys_ring_enter: take up to to_submit messages from the submission queue (an answer given at
 * once is posted at once), then wait until at least min_complete completions are in the queue.
 * Answers how many were taken. The shared counters are read once and checked once; the entries
 * are read from the shared page, each once. A message refused at submission (a bad flag or
 * number) is answered in place and posted like any other; a bad address has no message to post.
 * A polled ring's thread takes its submissions itself: ring_enter takes none (answers 0), and
 * with RING_ENTER_WAKEUP wakes the thread if it sleeps.
 */
int
sys_ring_enter(struct ring_enter_msg *msg)
{
	struct proc *p = curproc;
	struct ring *r = p->p_ring;
	struct ring_shared *rs;
	uint32_t head, tail, taken = 0, max;
	int error = 0;

	ring_stats.enters++;
	if (r == NULL || (msg->flags & ~RING_ENTER_FLAGS) ||
	    ((msg->flags & RING_ENTER_WAKEUP) && r->r_kpoll == NULL))
		return EINVAL;
	rs = r->r_shared;
	if (msg->min_complete > r->r_entries)
		return EINVAL;
	if (r->r_kpoll != NULL) {
		if (msg->flags & RING_ENTER_WAKEUP)
			lwkt_send_ipiq(globaldata_find(r->r_cpu), kpoll_wake_there, r, 0);
	} else {
		head = rs->sq_head;
		tail = rs->sq_tail;
		if (tail - head > r->r_entries)
			return EINVAL;		/* counters no ring of this size can have */
		max = msg->to_submit < tail - head ? msg->to_submit : tail - head;
		if (batch_begin() != 0)
			return EINVAL;
		taken = ring_take(p, r, head, max);
		batch_end();
		rs->sq_head = head + taken;	/* the slots taken are the process's again */
	}
	msg->hdr.ms_result = taken;
	crit_enter();
	/* A full completion queue takes nothing more (the rest wait on the reply port): stop. A
	 * polling thread that posts on another CPU wakes the waiters when it sees r_waiters (a
	 * fence on each side: one of the two sees the other's store). */
	r->r_waiters++;
	if (r->r_kpoll != NULL)
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	while (rs->cq_tail - rs->cq_head < msg->min_complete &&
	    rs->cq_tail - rs->cq_head < r->r_entries) {
		if ((error = proc_sleep(p, "ring", p->p_ring)) != 0)
			break;
	}
	r->r_waiters--;
	crit_exit();
	return error;
}

/* -- the polling thread ------------------------------------------------------------------------ */

/* ring_wake_there: on the home CPU, a polling thread posted completions that vCPUs wait for. */
static void
ring_wake_there(void *p, int unused)
{
	(void)unused;
	wake_proc(p);
}

/* kpoll_posted: the polling thread posted completions: wake the vCPUs waiting in ring_enter. */
static void
kpoll_posted(struct proc *p, struct ring *r)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* the tail before r_waiters (ring_enter) */
	if (r->r_waiters != 0)
		lwkt_send_ipiq(globaldata_find(r->r_home), ring_wake_there, p, 0);
}

/*
 * kpoll_wake_there: on the polling thread's CPU (ring_enter with RING_ENTER_WAKEUP, or its stop):
 * it runs again if it sleeps. A message to that CPU, not lwkt_schedule from the sender: whether
 * it sleeps is known there only, and the thread may end meanwhile (ring_kpoll_stop then waits
 * for every such message to have run before the ring goes).
 */
static void
kpoll_wake_there(void *arg, int unused)
{
	struct ring *r = arg;

	(void)unused;
	if (r->r_asleep) {
		r->r_asleep = false;
		ring_stats.kpoll_wakeups++;
		lwkt_schedule(r->r_kpoll);
	}
}

/* kpoll_ready: are there submissions the thread can take (and room for their completions)? */
static inline bool
kpoll_ready(const struct ring *r)
{
	uint32_t pending = r->r_shared->sq_tail - r->r_head;

	return pending != 0 && pending <= r->r_entries && ring_room_locked(r) != 0;
}

/*
 * kpoll_sleep: the thread has idled: it sets RING_NEED_WAKEUP, looks once more (a fence between:
 * the process stores sq_tail, fences, then reads sq_flags, so one of the two sees the other), and
 * sleeps until kpoll_wake_there. On its own CPU, inside a critical section: the wake-up message
 * runs only after it has blocked.
 */
static void
kpoll_sleep(struct ring *r)
{
	struct ring_shared *rs = r->r_shared;

	crit_enter();
	__atomic_or_fetch(&rs->sq_flags, RING_NEED_WAKEUP, __ATOMIC_SEQ_CST);
	ring_stats.kpoll_sleeps++;		/* the flag is up: the process may trap for it */
	if (!kpoll_ready(r) && !r->r_stop) {
		r->r_asleep = true;
		lwkt_block("kpoll", r);
		r->r_asleep = false;
	}
	__atomic_and_fetch(&rs->sq_flags, ~RING_NEED_WAKEUP, __ATOMIC_RELAXED);
	crit_exit();
}

/*
 * kpoll_take: n submissions from slot head on. Runs of anycpu calls are taken here (on the
 * thread's CPU) as long as the completion queue has room for them, and posted; at the first
 * other entry the thread moves to the home CPU and takes the rest of the n there, by the
 * ordinary ring path, and moves back. The shared sq_head follows each chunk.
 */
static void
kpoll_take(struct proc *p, struct ring *r, uint32_t head, uint32_t n)
{
	uint32_t taken = 0;
	bool home = false;

	while (taken < n && !p->p_killed && !r->r_stop) {
		uint32_t slot = (head + taken) & r->r_mask;
		uint32_t run = r->r_entries - slot < n - taken ? r->r_entries - slot : n - taken;
		uint32_t vec[RING_CHUNK], room, i = 0, posted = 0;
		bool lost;

		if (run > RING_CHUNK)
			run = RING_CHUNK;
		memcpy(vec, &r->r_sq[slot], run * sizeof(uint32_t));
		if (!home) {
			room = ring_room_locked(r);
			if (room == 0)
				break;		/* the process reaps first: nothing more to post */
			i = sysmsg_take_anycpu(p, vec, run < room ? run : room, &lost);
			if (i != 0)
				posted = ring_post_run(r, vec, i - lost);
			ring_stats.kpoll_taken += i;
			if (posted < i - lost || (i < run && i < room && !lost && !p->p_killed)) {
				/* Another call (or completions posted meanwhile filled the queue):
				 * the rest of the batch on the home CPU. */
				lwkt_setcpu_self(r->r_home);
				home = true;
				batch_begin();
				for (uint32_t k = posted; k < i - lost; k++)
					ring_overflow(p, vec[k]);
			}
			if (posted != 0)
				kpoll_posted(p, r);
		}
		if (home && i < run) {
			uint32_t rest = run - i, done;
			uint32_t before = r->r_shared->cq_tail;

			done = sysmsg_take_ring(p, vec + i, rest, ring_answered);
			i += done < rest ? done + 1 : done;
			ring_stats.kpoll_taken += done;
			ring_stats.kpoll_home += done;
			if (r->r_shared->cq_tail != before)
				kpoll_posted(p, r);
		}
		taken += i;
		r->r_head = head + taken;
		r->r_shared->sq_head = r->r_head;	/* the slots taken are the process's again */
		if (i == 0)
			break;
	}
	if (home) {
		batch_end();
		lwkt_setcpu_self(r->r_cpu);
	}
}

/*
 * kpoll_ended_there: on the home CPU, the polling thread's last message: it is gone (it touches
 * the ring no more), and its stopper may go on.
 */
static void
kpoll_ended_there(void *arg, int unused)
{
	struct ring *r = arg;

	(void)unused;
	r->r_ended = true;
	lwkt_schedule(r->r_stopper);
}

/* kpoll_main: the polling thread (td_proc: the ring's process), on its CPU. */
static void
kpoll_main(void *arg)
{
	struct ring *r = arg;
	struct proc *p = curproc;
	uint32_t last = (uint32_t)mycpu->gd_hardticks;

	while (!r->r_stop) {
		uint32_t pending = r->r_shared->sq_tail - r->r_head;

		if (pending != 0 && pending <= r->r_entries && !p->p_killed &&
		    ring_room_locked(r) != 0) {
			kpoll_take(p, r, r->r_head, pending);
			last = (uint32_t)mycpu->gd_hardticks;
		} else if ((uint32_t)mycpu->gd_hardticks - last >= KPOLL_IDLE_TICKS) {
			kpoll_sleep(r);
			last = (uint32_t)mycpu->gd_hardticks;
		} else {
			__asm__ volatile("pause");
		}
		if (lwkt_should_yield(curthread))
			lwkt_yield();		/* kernel code is not preempted: share the CPU */
	}
	/* Off the process's address space and LDT on this CPU, then the last word to the home
	 * CPU, then gone: the ring may be freed as soon as the stopper has read it. */
	crit_enter();
	pmap_activate_kernel();
	ldt_load(NULL);
	lwkt_send_ipiq(globaldata_find(r->r_home), kpoll_ended_there, r, 0);
	lwkt_exit();
}

/* kpoll_start: the polling thread of p's ring r, on the CPU after this one (the home CPU). */
static int
kpoll_start(struct proc *p, struct ring *r)
{
	thread_t td;
	int error;

	r->r_home = mycpu->gd_cpuid;
	r->r_cpu = (r->r_home + 1) % ncpus;
	r->r_head = r->r_shared->sq_head;
	error = lwkt_create_cpu(kpoll_main, r, &td, TDPRI_USER, TDF_NOSTART | TDF_KPOLL, "kpoll",
	    r->r_cpu);
	if (error != 0)
		return error;
	td->td_proc = p;
	r->r_kpoll = td;
	ring_stats.kpoll_threads++;
	lwkt_schedule(td);
	return 0;
}

/* kpoll_nop: an IPI message that does nothing: its reply says the earlier ones have run. */
static void
kpoll_nop(void *arg, int unused)
{
	(void)arg;
	(void)unused;
}

/*
 * ring_kpoll_stop: p's polling thread (if any) ends, and this returns when it has, and when no
 * message about it is left on its CPU: exit and exec call it first. The thread is woken where
 * it waits: asleep on its CPU (a message there), or in a call on this, the home CPU (a call that
 * waits inside its handler answers EINTR: TDA_SIGINTR).
 */
void
ring_kpoll_stop(struct proc *p)
{
	struct ring *r = p->p_ring;
	thread_t td;

	if (r == NULL || (td = r->r_kpoll) == NULL)
		return;
	crit_enter();
	r->r_stopper = curthread;
	r->r_stop = true;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* A call that waits inside its handler (waitmsg, say) answers EINTR from now on. */
	__atomic_or_fetch(&td->td_ast, TDA_SIGINTR, __ATOMIC_SEQ_CST);
	if (td->td_gd == mycpu) {
		if (td->td_state == TDS_BLOCKED)	/* in such a call: it runs when we block */
			lwkt_schedule(td);
	} else {
		lwkt_send_ipiq(globaldata_find(r->r_cpu), kpoll_wake_there, r, 0);
	}
	while (!r->r_ended)
		lwkt_block("kpollend", r);
	crit_exit();
	lwkt_send_ipiq_wait(globaldata_find(r->r_cpu), kpoll_nop, NULL, 0);
	r->r_kpoll = NULL;
	ring_stats.kpoll_threads--;
}

/* ring_destroy: p's ring goes (exit, exec); its polling thread has ended (ring_kpoll_stop). */
void
ring_destroy(struct proc *p)
{
	if (p->p_ring == NULL)
		return;
	KASSERT(p->p_ring->r_kpoll == NULL, "a ring destroyed while its polling thread runs");
	/* The page itself is a user mapping: pmap_destroy frees it with the address space. */
	kfree(p->p_ring);
	p->p_ring = NULL;
}
