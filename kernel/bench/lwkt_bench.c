/*
 * Benchmarks of LWKT: the thread switch and the port round trip, one way, a call through a free
 * serializer port, and the instruction count at the first test result. See sys/kbench.h for how figures are taken.
 */
#include <sys/systm.h>
#include <sys/globaldata.h>
#include <sys/kbench.h>
#include <sys/msgport.h>
#include <sys/serialize.h>
#include <sys/thread.h>
#include <machine/cpufunc.h>

#define ROUNDS	20000

/* yielder: the partner of lwkt.switch: yield back as often as the measuring thread yields. */
static void
yielder(void *arg)
{
	uint32_t n = (uint32_t)arg;

	for (uint32_t i = 0; i < n; i++)
		lwkt_yield();
}

/*
 * lwkt.switch: two threads of one priority yield to each other; every yield is one switch.
 * Warm-up rounds first, so the measured ones find caches and run queues in their steady state.
 */
KBENCH(lwkt_switch, "lwkt.switch")
{
	thread_t td;
	int pri = curthread->td_pri;

	if (lwkt_create(yielder, (void *)(ROUNDS + 100), &td, pri, 0, "bench-yielder") != 0) {
		kbench_fail(kb, "no memory for the partner thread");
		return;
	}
	for (int i = 0; i < 100; i++)
		lwkt_yield();
	uint64_t t0 = kbench_start();
	for (uint32_t i = 0; i < ROUNDS; i++)
		lwkt_yield();
	uint64_t t1 = kbench_stop();
	lwkt_yield();			/* let the partner finish and exit */
	/* Each round is two switches: to the partner and back. */
	kbench_report(kb, 2 * ROUNDS, t1 - t0, kbench_empty_loop(ROUNDS));
}

/*
 * echo: the partner of lwkt.port.pingpong: reply to every message on its port, a server's loop:
 * each reply and the wait for the next message in one call (lwkt_replywait).
 */
static void
echo(void *arg)
{
	uint32_t n = (uint32_t)arg;
	thread_t td = curthread;
	lwkt_msg_t msg = lwkt_waitport(&td->td_msgport, 0);

	for (uint32_t i = 1; i < n; i++)
		msg = lwkt_replywait(msg, 0, &td->td_msgport);
	lwkt_replymsg(msg, 0);
}

/*
 * pingpong: rounds lwkt_domsg round trips to an echo thread of CPU cpu (this one or another:
 * kernel/bench/smp_bench.c), each two one-way trips.
 */
static inline __attribute__((always_inline)) void
pingpong(struct kbench_ctx *kb, int cpu, uint32_t rounds)
{
	struct lwkt_msg msg;
	thread_t td;
	int pri = curthread->td_pri;

	if (lwkt_create_cpu(echo, (void *)(rounds + 100), &td, pri, 0, "bench-echo", cpu) != 0) {
		kbench_fail(kb, "no memory for the partner thread");
		return;
	}
	lwkt_initmsg(&msg, &curthread->td_msgport, 0);
	for (int i = 0; i < 100; i++)
		lwkt_domsg(&td->td_msgport, &msg, 0);
	uint64_t t0 = kbench_start();
	for (uint32_t i = 0; i < rounds; i++)
		lwkt_domsg(&td->td_msgport, &msg, 0);
	uint64_t t1 = kbench_stop();
	lwkt_yield();			/* let the partner exit */
	kbench_report(kb, 2 * rounds, t1 - t0, kbench_empty_loop(rounds));
}

/*
 * lwkt.port.pingpong: a message sent with lwkt_domsg to another thread's port and replied:
 * each round trip is two one-way trips (and two switches).
 */
KBENCH(lwkt_port_pingpong, "lwkt.port.pingpong")
{
	pingpong(kb, mycpu->gd_cpuid, ROUNDS);
}

/*
 * lwkt.port.pingpong.cross_cpu: lwkt.port.pingpong with the partner on CPU 1 (docs/smp.md):
 * the put and the reply each travel as an IPI message and wake a thread there. Under -icount
 * the figure counts both CPUs' instructions; the waiting CPU halts in its idle loop.
 */
KBENCH(lwkt_port_pingpong_cross_cpu, "lwkt.port.pingpong.cross_cpu")
{
	if (ncpus < 2 || mycpu->gd_cpuid != 0) {
		kb->kb_skip = "needs 2 CPUs";
		return;
	}
	pingpong(kb, 1, ROUNDS / 10);
}

/* answer_at_once: the handler of lwkt.port.serialize: answers every message at once. */
static int
answer_at_once(lwkt_port_t port, lwkt_msg_t msg)
{
	(void)port;
	msg->ms_result = 1;
	return 0;
}

/*
 * lwkt.port.serialize: lwkt_domsg to a free serializer port (docs/smp.md), whose handler answers
 * at once on this thread: the port taken by compare-and-swap, the handler, the empty queue
 * checked and the port let go under its spin lock. No switch.
 */
KBENCH(lwkt_port_serialize, "lwkt.port.serialize")
{
	static struct lwkt_serport sp;
	struct lwkt_msg msg;

	lwkt_initport_serialize(&sp, answer_at_once);
	lwkt_initmsg(&msg, &curthread->td_msgport, 0);
	for (int i = 0; i < 100; i++)
		lwkt_domsg(&sp.sp_port, &msg, 0);
	uint64_t t0 = kbench_start();
	for (uint32_t i = 0; i < ROUNDS; i++)
		lwkt_domsg(&sp.sp_port, &msg, 0);
	uint64_t t1 = kbench_stop();
	kbench_report(kb, ROUNDS, t1 - t0, kbench_empty_loop(ROUNDS));
}

/* boot.first_result: guest instructions from reset to the first KTAP result line. */
KBENCH(boot_first_result, "boot.first_result")
{
	if (kbench_first_result_tsc == 0) {
		kbench_fail(kb, "no test result before the benchmarks (put ktap ktest=... on the command line)");
		return;
	}
	kbench_report(kb, 1, kbench_first_result_tsc, 0);
}
