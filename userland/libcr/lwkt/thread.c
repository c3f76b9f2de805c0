/*
 * libcr's user-thread scheduler (cr/thread.h): one virtual CPU, 32 priorities, FIFO within a
 * priority, cooperative. When no thread can run, the vCPU waits in the kernel for any completed
 * asynchronous message (waitport) and hands it to the thread that waits for it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/errno.h>
#include <sys/sysmsg.h>
#include <cr/sysport.h>
#include <cr/thread.h>
#include <cr/tls.h>
#include <cr/msgport_sys.h>

static struct thread main_thread = { .td_state = CR_RUNNABLE, .td_pri = CR_PRI_DEFAULT,
    .td_name = "main" };
cr_thread_t cr_curthread = &main_thread;
int cr_threaded;
struct cr_sched_stats cr_sched_stats;

static TAILQ_HEAD(, thread) runq[CR_PRI_MAX + 1];
static uint32_t runq_mask;
static TAILQ_HEAD(, thread) allthreads = TAILQ_HEAD_INITIALIZER(allthreads);
static int nthreads = 1;
static cr_thread_t reaped;		/* an exited thread whose stack is still to free */

void	cr_switch(cr_thread_t from, cr_thread_t to);
void	cr_thread_start(void);
void	cr_thread_entry(cr_thread_t td);

/* TLS descriptor slots in the process's LDT: slot 0 is the main thread's. */
#define TLS_SLOTS	512
static uint32_t slot_used[TLS_SLOTS / 32] = { 1 };
static char main_tls[1024] __attribute__((aligned(64)));

static int
slot_alloc(void)
{
	for (int i = 0; i < TLS_SLOTS; i++)
		if ((slot_used[i / 32] & (1u << (i % 32))) == 0) {
			slot_used[i / 32] |= 1u << (i % 32);
			return i;
		}
	return -1;
}

static void
slot_free(unsigned int slot)
{
	slot_used[slot / 32] &= ~(1u << (slot % 32));
}

static void
runq_insert(cr_thread_t td)
{
	TAILQ_INSERT_TAIL(&runq[td->td_pri], td, td_runq);
	runq_mask |= 1u << td->td_pri;
}

static void
runq_remove(cr_thread_t td)
{
	TAILQ_REMOVE(&runq[td->td_pri], td, td_runq);
	if (TAILQ_EMPTY(&runq[td->td_pri]))
		runq_mask &= ~(1u << td->td_pri);
}

/*
 * cr_sched_init: the main thread, its TLS and the run queues; the first thing __libcr_start
 * does, since errno itself is thread-local.
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
	for (int i = 0; i <= CR_PRI_MAX; i++)
		TAILQ_INIT(&runq[i]);
	lwkt_initport_thread(&main_thread.td_msgport, &main_thread);
	TAILQ_INSERT_TAIL(&allthreads, &main_thread, td_allq);
	runq_insert(&main_thread);
}

/* free_reaped: release an exited thread's stack, once nobody runs on it. */
static void
free_reaped(void)
{
	if (reaped != NULL && reaped != cr_curthread) {
		free(reaped->td_stack);
		free(reaped->td_tls);
		slot_free(reaped->td_tls_slot);
		if (reaped->td_detached)
			free(reaped);
		reaped = NULL;
	}
}

/*
 * deliver: wait in the kernel for one completed asynchronous message and reply it to its
 * userland reply port, which wakes the thread waiting for it.
 */
static void
deliver(void)
{
	struct waitport_msg w;
	lwkt_msg_t m;

	w.hdr.ms_cmd = SYS_waitport;
	w.flags = 0;
	/* Synchronous even when threaded: this is how the vCPU waits, with nothing else to run. */
	m = cr_trap_sync(&w.hdr) == 0 ? (lwkt_msg_t)(uint32_t)w.hdr.ms_result : (void *)-1;
	cr_sched_stats.kernel_waits++;
	if (m == (void *)-1) {
		/* Nothing in flight, nothing runnable: every thread waits for another forever. */
		cr_msgport_fatal("every user thread is blocked and no system call is in flight",
		    cr_curthread);
	}
	cr_sched_stats.delivered++;
	m->ms_flags &= ~(MSGF_DONE | MSGF_REPLY);	/* completed in the kernel: reply it here */
	lwkt_replymsg(m, m->ms_error);
}

/* pick: the next thread to run; waits in the kernel while none can. */
static cr_thread_t
pick(void)
{
	while (runq_mask == 0)
		deliver();
	int pri = 31 - __builtin_clz(runq_mask);
	return TAILQ_FIRST(&runq[pri]);
}

/* switch_to: run ntd now; errno goes with each thread. */
static void
switch_to(cr_thread_t ntd)
{
	cr_thread_t td = cr_curthread;

	if (ntd == td)
		return;
	cr_curthread = ntd;
	cr_switch(td, ntd);
	if (__builtin_expect(reaped != NULL, 0))
		free_reaped();
}

/* cr_sched_block: the calling thread waits until cr_sched_wakeup (the port seam's block). */
void
cr_sched_block(const char *wmesg, const void *wchan)
{
	cr_thread_t td = cr_curthread;

	if (td->td_state == CR_RUNNABLE)
		runq_remove(td);
	td->td_state = CR_BLOCKED;
	td->td_wmesg = wmesg;
	td->td_wchan = wchan;
	switch_to(pick());
	/* pick may have chosen us again after a delivery woke us. */
}

void
cr_sched_wakeup(cr_thread_t td)
{
	if (td->td_state != CR_BLOCKED)
		return;
	td->td_state = CR_RUNNABLE;
	td->td_wmesg = NULL;
	td->td_wchan = NULL;
	runq_insert(td);
}

/*
 * cr_thread_yield: let the other runnable threads of this priority (and any above) run first.
 * The common case, nothing above and the caller at the head of its queue, rotates the queue and
 * hands over to the next thread directly.
 */
void
cr_thread_yield(void)
{
	cr_thread_t td = cr_curthread, next;

	if ((runq_mask >> td->td_pri) == 1 && TAILQ_FIRST(&runq[td->td_pri]) == td) {
		if ((next = TAILQ_NEXT(td, td_runq)) == NULL)
			return;				/* alone at the top: keep running */
		TAILQ_REMOVE(&runq[td->td_pri], td, td_runq);
		TAILQ_INSERT_TAIL(&runq[td->td_pri], td, td_runq);
		switch_to(next);
		return;
	}
	runq_remove(td);
	runq_insert(td);
	switch_to(pick());
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

void
cr_thread_entry(cr_thread_t td)
{
	free_reaped();
	cr_thread_exit(td->td_fn(td->td_arg));
}

/* cr_thread_create: a new runnable thread running fn(arg); 0, EINVAL or ENOMEM. */
int
cr_thread_create(cr_thread_t *tdp, void *(*fn)(void *), void *arg, int pri, const char *name)
{
	cr_thread_t td;
	uint32_t *sp;

	if (pri < CR_PRI_MIN || pri > CR_PRI_MAX)
		return EINVAL;
	if ((td = calloc(1, sizeof(*td))) == NULL)
		return ENOMEM;
	int slot = slot_alloc();
	if (slot < 0) {
		free(td);
		return EAGAIN;
	}
	td->td_tls_slot = (unsigned int)slot;
	if ((td->td_stack = malloc(CR_THREAD_STACK)) == NULL ||
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
	strlcpy(td->td_name, name ? name : "thread", sizeof(td->td_name));
	lwkt_initport_thread(&td->td_msgport, td);
	sp = (uint32_t *)((char *)td->td_stack + CR_THREAD_STACK);
	*--sp = 0;				/* fake return address for cr_thread_start */
	*--sp = (uint32_t)cr_thread_start;
	*--sp = 0;				/* ebp */
	*--sp = (uint32_t)td;			/* ebx */
	*--sp = 0;				/* esi */
	*--sp = 0;				/* edi */
	td->td_sp = (uint32_t)sp;
	TAILQ_INSERT_TAIL(&allthreads, td, td_allq);
	nthreads++;
	cr_threaded = 1;
	runq_insert(td);
	if (tdp != NULL)
		*tdp = td;
	return 0;
}

/* cr_thread_exit: end the calling thread (the main thread's exit ends the program). */
void
cr_thread_exit(void *retval)
{
	cr_thread_t td = cr_curthread;

	if (td == &main_thread)
		exit((int)(intptr_t)retval);
	td->td_retval = retval;
	td->td_state = CR_EXITED;
	runq_remove(td);
	TAILQ_REMOVE(&allthreads, td, td_allq);
	nthreads--;
	if (td->td_joiner != NULL)
		cr_sched_wakeup(td->td_joiner);
	free_reaped();
	reaped = td;			/* freed by the next thread to run */
	switch_to(pick());
	abort();			/* not reached */
}

/* cr_thread_join: wait for td to exit; its result into *retval. */
int
cr_thread_join(cr_thread_t td, void **retval)
{
	if (td == cr_curthread || td->td_joiner != NULL || td->td_detached)
		return EINVAL;
	td->td_joiner = cr_curthread;
	while (td->td_state != CR_EXITED)
		cr_sched_block("join", td);
	if (retval != NULL)
		*retval = td->td_retval;
	if (reaped == td)
		td->td_detached = true;	/* its stack is still in use: free both later */
	else
		free(td);
	return 0;
}

/* -- virtual CPUs (rfork) ------------------------------------------------------------------ */

struct vcpu_boot {
	void		(*fn)(void *);
	void		*arg;
	uint32_t	gs;
};

/* vcpu_trampoline: a new vCPU's first user code (rfork put b where a C argument goes). */
static void
vcpu_trampoline(struct vcpu_boot *b)
{
	__asm__ volatile("movw %w0, %%gs" : : "r"(b->gs));	/* its own TLS, errno included */
	b->fn(b->arg);
	__sys_vcpu_exit(0);
}

/*
 * cr_vcpu_start: run fn(arg) on a new virtual CPU of this process (rfork): a kernel-scheduled
 * context in the same address space, with its own stack and TLS. Returns the number of vCPUs,
 * or -1 with errno. Not yet: libcr's scheduler, ports and malloc are not safe on several vCPUs,
 * so fn may make system calls and use memory it owns, but not user threads or stdio.
 */
int
cr_vcpu_start(void (*fn)(void *), void *arg)
{
	struct vcpu_boot *b = malloc(sizeof(*b));
	char *stack = malloc(CR_THREAD_STACK);
	void *tls = malloc(cr_tls_size());
	int slot = slot_alloc(), n;

	if (b == NULL || stack == NULL || tls == NULL || slot < 0 ||
	    (b->gs = cr_tls_setup(tls, NULL, (unsigned int)slot)) == 0) {
		free(b);
		free(stack);
		free(tls);
		if (slot >= 0)
			slot_free((unsigned int)slot);
		errno = ENOMEM;
		return -1;
	}
	b->fn = fn;
	b->arg = arg;
	n = __sys_rfork(RFTHREAD | RFMEM, (uint32_t)vcpu_trampoline,
	    (uint32_t)(stack + CR_THREAD_STACK), (uint32_t)b);
	if (n < 0) {
		free(b);
		free(stack);
		free(tls);
		slot_free((unsigned int)slot);
	}
	return n;
}
