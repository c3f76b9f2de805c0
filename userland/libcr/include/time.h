#ifndef _TIME_H_
#define _TIME_H_
#include <sys/types.h>

typedef int64_t	time_t;
typedef int	clockid_t;

struct timespec {
	time_t	tv_sec;
	long	tv_nsec;
};

#define CLOCK_REALTIME	0
#define CLOCK_MONOTONIC	1

int	clock_gettime(clockid_t clock, struct timespec *ts);
int	nanosleep(const struct timespec *req, struct timespec *rem);
time_t	time(time_t *t);
#endif
