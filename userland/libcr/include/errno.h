/*
 * errno lives in userland: libcr's stubs set it from the message's ms_error, per thread. The
 * numbers are the ABI's (<sys/errno.h>, from kernel/syscalls.toml: every name POSIX.1-2017
 * requires); the two pairs POSIX lets be equal are equal, as on Linux.
 */
#ifndef _ERRNO_H_
#define _ERRNO_H_
#include <sys/errno.h>
#define EWOULDBLOCK	EAGAIN
#define EOPNOTSUPP	ENOTSUP
extern __thread int errno;	/* each user thread has its own (cr/tls.h) */
#endif
