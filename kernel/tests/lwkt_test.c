/* Kernel tests of LWKT threads, the scheduler and critical sections. */
#include "testutil.h"
#include <sys/errno.h>
#include <sys/malloc.h>
#include <vm/vm.h>

struct tinfo {
	struct evlog	*log;
	int		id;
	int		rounds;
	volatile int	*counter;
	thread_t	self;
	struct globaldata *gd;
};

static void
log_once(void *arg)
{
	struct tinfo *ti = arg;

	evlog_add(ti->log, ti->id);
}

static void
log_and_yield(void *arg)
{
	struct tinfo *ti = arg;

	for (int i = 0; i < ti->rounds; i++) {
		evlog_add(ti->log, ti->id);
		lwkt_yield();
	}
}

static void
count_up(void *arg)
{
	struct tinfo *ti = arg;

	(*ti->counter)++;
}

KTEST(lwkt, create_runs_thread_then_exits)
{
	struct evlog log = { 0 };
	struct tinfo ti = { .log = &log, .id = 7 };
	uint32_t before = lwkt_stats.threads;
	uint64_t exited = lwkt_stats.exited;

	KT_EXPECT_EQ(lwkt_create(log_once, &ti, NULL, TDPRI_KERN, 0, "t-once"), 0);
	KT_EXPECT_EQ(lwkt_stats.threads, before + 1);
	lwkt_yield();
	KT_EXPECT_EQ(log.n, 1);
	KT_EXPECT_EQ(log.ev[0], 7);
	KT_EXPECT(settle(before));
	KT_EXPECT_EQ(lwkt_stats.exited, exited + 1);
}

KTEST(lwkt, nostart_waits_for_schedule)
{
	struct evlog log = { 0 };
	struct tinfo ti = { .log = &log, .id = 1 };
	uint32_t before = lwkt_stats.threads;
	thread_t td;

	KT_EXPECT_EQ(lwkt_create(log_once, &ti, &td, TDPRI_MAX, TDF_NOSTART, "t-nostart"), 0);
	lwkt_yield();
	lwkt_sleep(1);
	KT_EXPECT_EQ(log.n, 0);
	KT_EXPECT_EQ(td->td_state, TDS_BLOCKED);
	lwkt_schedule(td);
	lwkt_yield();
	KT_EXPECT_EQ(log.n, 1);
	KT_EXPECT(settle(before));
}

KTEST(lwkt, priorities_run_highest_first)
{
	struct evlog log = { 0 };
	struct tinfo ti[3] = { { .log = &log, .id = 10 }, { .log = &log, .id = 20 },
	    { .log = &log, .id = 12 } };
	thread_t td[3];
	uint32_t before = lwkt_stats.threads;

	for (int i = 0; i < 3; i++)
		KT_EXPECT_EQ(lwkt_create(log_once, &ti[i], &td[i], ti[i].id, TDF_NOSTART, "t-pri"), 0);
	for (int i = 0; i < 3; i++)
		lwkt_schedule(td[i]);
	lwkt_sleep(1);			/* block: every one of them may run now */
	KT_EXPECT_EQ(log.n, 3);
	KT_EXPECT_EQ(log.ev[0], 20);
	KT_EXPECT_EQ(log.ev[1], 12);
	KT_EXPECT_EQ(log.ev[2], 10);
	KT_EXPECT(settle(before));
}

KTEST(lwkt, lower_priority_waits_while_caller_runnable)
{
	struct evlog log = { 0 };
	struct tinfo ti = { .log = &log, .id = 3 };
	uint32_t before = lwkt_stats.threads;

	KT_EXPECT_EQ(lwkt_create(log_once, &ti, NULL, TDPRI_KERN - 4, 0, "t-low"), 0);
	for (int i = 0; i < 10; i++)
		lwkt_yield();		/* yielding never lets a lower priority run */
	KT_EXPECT_EQ(log.n, 0);
	lwkt_sleep(1);			/* blocking does */
	KT_EXPECT_EQ(log.n, 1);
	KT_EXPECT(settle(before));
}

KTEST(lwkt, yield_is_round_robin)
{
	struct evlog log = { 0 };
	struct tinfo ti[3];
	uint32_t before = lwkt_stats.threads;

	for (int i = 0; i < 3; i++) {
		ti[i] = (struct tinfo){ .log = &log, .id = i, .rounds = 4 };
		KT_EXPECT_EQ(lwkt_create(log_and_yield, &ti[i], NULL, TDPRI_KERN, 0, "t-rr"), 0);
	}
	for (int i = 0; i < 6; i++)
		lwkt_yield();
	KT_EXPECT_EQ(log.n, 12);
	for (int i = 0; i < log.n; i++)
		KT_EXPECT_EQ(log.ev[i], i % 3);	/* 0 1 2 0 1 2 ...: each gets its turn */
	KT_EXPECT(settle(before));
}

KTEST(lwkt, yield_gives_way_to_a_higher_priority_made_runnable)
{
	struct evlog log = { 0 };
	struct tinfo peer = { .log = &log, .id = 1, .rounds = 3 }, high = { .log = &log, .id = 9 };
	thread_t td;
	uint32_t before = lwkt_stats.threads;

	KT_EXPECT_EQ(lwkt_create(log_and_yield, &peer, NULL, TDPRI_KERN, 0, "t-peer"), 0);
	KT_EXPECT_EQ(lwkt_create(log_once, &high, &td, TDPRI_KERN + 2, TDF_NOSTART, "t-high"), 0);
	lwkt_yield();				/* the peer logs and yields back */
	lwkt_yield();
	KT_EXPECT_EQ(log.n, 2);
	lwkt_schedule(td);
	lwkt_yield();				/* not to the peer, whose turn it would be */
	KT_EXPECT_EQ(log.n, 4);
	KT_EXPECT_EQ(log.ev[2], 9);
	KT_EXPECT_EQ(log.ev[3], 1);
	KT_EXPECT(settle(before));
}

KTEST(lwkt, setpri_of_the_running_thread_keeps_it_running_and_gives_way)
{
	struct evlog log = { 0 };
	struct tinfo peer = { .log = &log, .id = 1, .rounds = 2 };
	int pri = curthread->td_pri;
	uint32_t before = lwkt_stats.threads;

	KT_EXPECT_EQ(lwkt_create(log_and_yield, &peer, NULL, pri - 1, 0, "t-lower"), 0);
	lwkt_setpri(curthread, pri - 1);	/* now equal to the peer: still running ... */
	KT_EXPECT_EQ(log.n, 0);
	lwkt_yield();				/* ... and it takes its turn after us */
	KT_EXPECT_EQ(log.n, 1);
	lwkt_setpri(curthread, pri - 2);	/* below the peer: the next yield is its */
	lwkt_yield();
	KT_EXPECT_EQ(log.n, 2);
	lwkt_setpri(curthread, pri);
	KT_EXPECT(settle(before));
}

KTEST(lwkt, setpri_changes_the_order)
{
	struct evlog log = { 0 };
	struct tinfo a = { .log = &log, .id = 1 }, b = { .log = &log, .id = 2 };
	thread_t ta, tb;
	uint32_t before = lwkt_stats.threads;

	KT_EXPECT_EQ(lwkt_create(log_once, &a, &ta, 10, 0, "t-a"), 0);
	KT_EXPECT_EQ(lwkt_create(log_once, &b, &tb, 12, 0, "t-b"), 0);
	lwkt_setpri(ta, 14);		/* a, created first at the lower priority, now outranks b */
	lwkt_sleep(1);
	KT_EXPECT_EQ(log.n, 2);
	KT_EXPECT_EQ(log.ev[0], 1);
	KT_EXPECT_EQ(log.ev[1], 2);
	KT_EXPECT(settle(before));
}

KTEST(lwkt, deschedule_holds_a_thread)
{
	struct evlog log = { 0 };
	struct tinfo ti = { .log = &log, .id = 5 };
	thread_t td;
	uint32_t before = lwkt_stats.threads;

	KT_EXPECT_EQ(lwkt_create(log_once, &ti, &td, TDPRI_KERN, 0, "t-held"), 0);
	lwkt_deschedule(td);
	lwkt_sleep(2);
	KT_EXPECT_EQ(log.n, 0);
	lwkt_schedule(td);
	lwkt_yield();
	KT_EXPECT_EQ(log.n, 1);
	KT_EXPECT(settle(before));
}

KTEST(lwkt, bad_priority_einval)
{
	KT_EXPECT_EQ(lwkt_create(log_once, NULL, NULL, TDPRI_IDLE, 0, "t-bad"), EINVAL);
	KT_EXPECT_EQ(lwkt_create(log_once, NULL, NULL, TDPRI_MAX + 1, 0, "t-bad"), EINVAL);
}

KTEST(lwkt, exit_frees_everything)
{
	volatile int counter = 0;
	struct tinfo ti = { .counter = &counter };
	uint32_t before = lwkt_stats.threads, pages = vm_page_free_count();
	uint32_t objs = kmalloc_stats.in_use;

	for (int i = 0; i < 20; i++)
		KT_EXPECT_EQ(lwkt_create(count_up, &ti, NULL, TDPRI_KERN, 0, "t-count"), 0);
	KT_EXPECT(settle(before));
	KT_EXPECT_EQ(counter, 20);
	KT_EXPECT_EQ(kmalloc_stats.in_use, objs);
	KT_EXPECT_EQ(vm_page_free_count(), pages);
}

KTEST(lwkt, two_hundred_threads)
{
	volatile int counter = 0;
	struct tinfo ti = { .counter = &counter };
	uint32_t before = lwkt_stats.threads;
	int made = 0;

	for (int i = 0; i < 200; i++)
		made += lwkt_create(count_up, &ti, NULL, TDPRI_KERN - 1, 0, "t-many") == 0;
	KT_EXPECT_EQ(made, 200);
	KT_EXPECT_EQ(lwkt_stats.threads, before + 200);
	KT_EXPECT(settle(before));
	KT_EXPECT_EQ(counter, 200);
}

KTEST(lwkt, create_without_memory_enomem)
{
	void *head = NULL, *p;
	int error;

	while ((p = vm_page_alloc()) != NULL) {		/* take every page */
		*(void **)p = head;
		head = p;
	}
	error = lwkt_create(log_once, NULL, NULL, TDPRI_KERN, TDF_NOSTART, "t-nomem");
	while (head != NULL) {
		p = head;
		head = *(void **)p;
		vm_page_free(p);
	}
	KT_EXPECT_EQ(error, ENOMEM);
	thread_t td;
	uint32_t before = lwkt_stats.threads;
	KT_EXPECT_EQ(lwkt_create(log_once, &(struct tinfo){ .log = &(struct evlog){ 0 } }, &td,
	    TDPRI_KERN, 0, "t-again"), 0);	/* memory is back: it works again */
	KT_EXPECT(settle(before));
}

static void
who_am_i(void *arg)
{
	struct tinfo *ti = arg;

	ti->self = curthread;
	ti->gd = mycpu;
}

KTEST(lwkt, curthread_and_mycpu_in_a_thread)
{
	struct tinfo ti = { 0 };
	thread_t td;
	uint32_t before = lwkt_stats.threads;

	KT_EXPECT_EQ(lwkt_create(who_am_i, &ti, &td, TDPRI_KERN, 0, "t-who"), 0);
	lwkt_yield();
	KT_EXPECT(ti.self == td);
	KT_EXPECT(ti.gd == &cpu0_globaldata);
	KT_EXPECT(mycpu->gd_self == mycpu);
	KT_EXPECT(curthread != td);
	KT_EXPECT(settle(before));
}

static void
park_on_port(void *arg)
{
	(void)arg;
	lwkt_waitport(&curthread->td_msgport, 0);
}

KTEST(lwkt, blocked_thread_says_what_it_waits_for)
{
	thread_t td;
	struct lwkt_msg msg;
	uint32_t before = lwkt_stats.threads;

	KT_EXPECT_EQ(lwkt_create(park_on_port, NULL, &td, TDPRI_KERN, 0, "t-park"), 0);
	lwkt_yield();
	KT_EXPECT_EQ(td->td_state, TDS_BLOCKED);
	KT_EXPECT(td->td_wmesg != NULL && strcmp(td->td_wmesg, "waitport") == 0);
	KT_EXPECT(td->td_wchan == &td->td_msgport);
	lwkt_initmsg(&msg, &curthread->td_msgport, 0);
	lwkt_sendmsg(&td->td_msgport, &msg);	/* release it */
	KT_EXPECT(settle(before));
}

static void
spin_in_thread(void *arg)
{
	struct tinfo *ti = arg;
	uint64_t h = mycpu->gd_hardticks;

	spin_ticks(2);
	*ti->counter = mycpu->gd_hardticks > h;
}

KTEST(lwkt, interrupts_reach_kernel_threads)
{
	volatile int seen = 0;
	struct tinfo ti = { .counter = &seen };
	uint32_t before = lwkt_stats.threads;

	KT_EXPECT_EQ(lwkt_create(spin_in_thread, &ti, NULL, TDPRI_KERN, 0, "t-spin"), 0);
	KT_EXPECT(settle(before));
	KT_EXPECT_EQ(seen, 1);
}

KTEST(crit, defers_the_timer_service)
{
	struct globaldata *gd = mycpu;

	crit_enter();
	uint64_t served = gd->gd_ticks;
	spin_ticks(2);				/* interrupts arrive and are counted ... */
	KT_EXPECT_EQ(gd->gd_ticks, served);	/* ... but not served inside the section */
	KT_EXPECT((gd->gd_reqflags & RQF_TIMER) != 0);
	crit_exit();
	KT_EXPECT(gd->gd_ticks >= served + 2);	/* served at its end */
	KT_EXPECT_EQ(gd->gd_ticks, gd->gd_hardticks);
}

KTEST(crit, nested_sections_defer_until_the_outermost_ends)
{
	struct globaldata *gd = mycpu;

	crit_enter();
	crit_enter();
	uint64_t served = gd->gd_ticks;
	spin_ticks(1);
	crit_exit();
	KT_EXPECT_EQ(gd->gd_ticks, served);
	crit_exit();
	KT_EXPECT(gd->gd_ticks > served);
}

KTEST(crit, timer_wakeup_waits_for_the_section)
{
	struct timer_msg tm;

	timer_msg_init(&tm, &curthread->td_msgport, 1);
	crit_enter();
	lwkt_sendmsg(&timer_port, &tm.tm_msg);
	spin_ticks(3);					/* long past its deadline ... */
	KT_EXPECT((tm.tm_msg.ms_flags & MSGF_DONE) == 0);	/* ... still not replied */
	crit_exit();
	KT_EXPECT((tm.tm_msg.ms_flags & MSGF_DONE) != 0);
	KT_EXPECT_EQ(lwkt_waitmsg(&tm.tm_msg, 0), 0);
}
