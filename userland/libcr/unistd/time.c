/* Time: clock_gettime, gettimeofday, nanosleep and friends over the clock_ns and sleep_ns messages. */
#include <errno.h>
#include <time.h>
#include <sys/time.h>
#include <unistd.h>
#include <cr/park.h>

/*
 * sleep_ns: park the caller ns nanoseconds. In a program that uses POSIX threads it is a
 * cancellation point: a cancelled sleeper wakes and acts on it (pthread_exit(PTHREAD_CANCELED)),
 * and a signal whose handler runs meanwhile ends it with EINTR.
 */
static int
sleep_ns(uint64_t ns)
{
	if (cr_pthreads && cr_threaded) {
		if (cr_curthread->td_cancel_pending && cr_cancel_act != NULL &&
		    cr_cancel_due(cr_curthread))
			cr_cancel_act();
		int error = cr_sleep_cancellable(ns);
		if (error == ECANCELED && cr_cancel_act != NULL)
			cr_cancel_act();
		if (error == EINTR) {		/* a signal's handler ran (docs/upcalls.md) */
			errno = EINTR;
			return -1;
		}
		return 0;
	}
	return __sys_sleep_ns(ns);
}

int
clock_gettime(clockid_t clock, struct timespec *ts)
{
	int64_t ns = __sys_clock_ns(clock);

	if (ns < 0)
		return -1;
	ts->tv_sec = ns / 1000000000;
	ts->tv_nsec = (long)(ns % 1000000000);
	return 0;
}

int
gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;

	(void)tz;
	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return -1;
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = (suseconds_t)(ts.tv_nsec / 1000);
	return 0;
}

time_t
time(time_t *t)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return -1;
	if (t != NULL)
		*t = ts.tv_sec;
	return ts.tv_sec;
}

int
nanosleep(const struct timespec *req, struct timespec *rem)
{
	if (req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= 1000000000) {
		errno = EINVAL;
		return -1;
	}
	if (rem != NULL)
		rem->tv_sec = rem->tv_nsec = 0;
	return sleep_ns((uint64_t)req->tv_sec * 1000000000ull + (uint64_t)req->tv_nsec);
}

int
usleep(unsigned int usec)
{
	return sleep_ns((uint64_t)usec * 1000);
}

unsigned int
sleep(unsigned int seconds)
{
	return sleep_ns((uint64_t)seconds * 1000000000ull) == 0 ? 0 : seconds;
}
