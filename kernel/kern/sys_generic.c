/* The simplest system calls: null, getpid, sched_yield, and time (sleep_ns, clock_ns). */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/globaldata.h>
#include <sys/ksysmsg.h>
#include <sys/proc.h>
#include <sys/sysmsg.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/timer.h>
#include <abi/time.h>

#define NS_PER_TICK	(1000000000ull / HZ)

/* sys_null: answers 0 at once; the benchmark of the bare message round trip. */
int
sys_null(struct null_msg *msg)
{
	(void)msg;
	return 0;
}

int
sys_getpid(struct getpid_msg *msg)
{
	msg->hdr.ms_result = curproc->p_pid;
	return 0;
}

int
sys_sched_yield(struct sched_yield_msg *msg)
{
	(void)msg;
	lwkt_yield();
	return 0;
}

/* Sleeping: the call's ksysmsg carries a timer message, replied by the timer service here. */
static struct lwkt_port sleep_port;

static void
sleep_replyport(lwkt_port_t port, lwkt_msg_t msg)
{
	struct ksysmsg *ksm = (struct ksysmsg *)((char *)msg -
	    __builtin_offsetof(struct ksysmsg, km_timer.tm_msg));

	(void)port;
	msg->ms_flags |= MSGF_DONE | MSGF_REPLY;
	sysmsg_complete(ksm, msg->ms_error, 0);
}

static void
sleep_abort(lwkt_msg_t msg)
{
	struct ksysmsg *ksm = (struct ksysmsg *)msg;

	lwkt_abortmsg(&ksm->km_timer.tm_msg);	/* the timer replies EINTR at once */
}

void
sleep_init(void)
{
	lwkt_initport_replyonly(&sleep_port);
	sleep_port.mp_replyport = sleep_replyport;
}

/* sys_sleep_ns: a timer message on the call's behalf; the call completes when it is replied. */
int
sys_sleep_ns(struct sleep_ns_msg *msg)
{
	struct ksysmsg *ksm = ksysmsg_of(msg);
	uint64_t ticks = (msg->ns + NS_PER_TICK - 1) / NS_PER_TICK;
	int error;

	if (ticks == 0)
		return 0;
	if (ticks > 0xffffffffu)
		return EINVAL;
	if ((error = sysmsg_hold(&ksm)) != 0)
		return error;
	timer_msg_init(&ksm->km_timer, &sleep_port, (uint32_t)ticks);
	sysmsg_set_abort(ksm, &timer_port, sleep_abort);
	lwkt_sendmsg(&timer_port, &ksm->km_timer.tm_msg);
	return EASYNC;
}

/*
 * clock_ns_at: the time of clock (abi/time.h) at tick t, in nanoseconds, or -1 for no such
 * clock. Monotonic time is ticks since boot; realtime adds the RTC's time at boot.
 */
int64_t
clock_ns_at(int clock, uint64_t t)
{
	uint64_t mono = t * NS_PER_TICK;

	if (clock == CLOCK_MONOTONIC)
		return (int64_t)mono;
	if (clock == CLOCK_REALTIME)
		return (int64_t)(boot_epoch_seconds * 1000000000ull + mono);
	return -1;
}

/* realtime_at: the realtime clock's time at tick t (file times: struct stat). */
struct timespec
realtime_at(uint64_t t)
{
	int64_t ns = clock_ns_at(CLOCK_REALTIME, t);

	return (struct timespec){ ns / 1000000000, (long)(ns % 1000000000) };
}

int
sys_clock_ns(struct clock_ns_msg *msg)
{
	int64_t ns = clock_ns_at(msg->clock, mycpu->gd_ticks);

	if (ns < 0)
		return EINVAL;
	msg->hdr.ms_result = ns;
	return 0;
}
