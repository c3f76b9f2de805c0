/* errno lives in userland: libcr's stubs set it from the message's ms_error, per thread. */
#ifndef _ERRNO_H_
#define _ERRNO_H_
#include <sys/errno.h>
extern __thread int errno;	/* each user thread has its own (cr/tls.h) */
#endif
