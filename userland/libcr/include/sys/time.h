/* struct timeval and select (<sys/select.h>), and gettimeofday (over clock_gettime). */
#ifndef _SYS_TIME_H_
#define _SYS_TIME_H_
#include <sys/select.h>

/* The realtime clock into tv; tz must be NULL (there are no time zones). */
int	gettimeofday(struct timeval *restrict tv, void *restrict tz);
#endif
