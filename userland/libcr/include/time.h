#ifndef _TIME_H_
#define _TIME_H_
#include <sys/types.h>
#include <abi/time.h>		/* time_t, struct timespec, CLOCK_REALTIME, CLOCK_MONOTONIC */

typedef int	clockid_t;

int	clock_gettime(clockid_t clock, struct timespec *ts);
int	nanosleep(const struct timespec *req, struct timespec *rem);
time_t	time(time_t *t);
#endif
