/* Time as the clock_ns call and struct stat carry it: ABI, shared by the kernel and libcr's <time.h>. */
#ifndef _ABI_TIME_H_
#define _ABI_TIME_H_

#include <sys/types.h>

struct timespec {
	time_t	tv_sec;
	long	tv_nsec;		/* 0 .. 999999999 */
};

/* clock_ns's clocks */
#define CLOCK_REALTIME	0		/* the RTC's time at boot plus the ticks since */
#define CLOCK_MONOTONIC	1		/* the ticks since boot */

#endif
