/*
 * select, over poll (<poll.h>): descriptor sets of FD_SETSIZE (OPEN_MAX) bits. A descriptor is
 * readable when a read would not wait (bytes, end of file, an error), writable when a write
 * would not (room, or EPIPE); nothing here has exceptional conditions. A set naming a
 * descriptor that is not open is EBADF.
 */
#ifndef _SYS_SELECT_H_
#define _SYS_SELECT_H_
#include <sys/types.h>
#include <abi/limits.h>
#include <abi/time.h>		/* time_t, struct timespec */

#define FD_SETSIZE	OPEN_MAX

typedef int32_t suseconds_t;

struct timeval {
	time_t		tv_sec;
	suseconds_t	tv_usec;	/* 0 .. 999999 */
};

typedef struct {
	uint32_t	fds_bits[(FD_SETSIZE + 31) / 32];
} fd_set;

#define FD_ZERO(set)		((void)__builtin_memset((set), 0, sizeof(fd_set)))
#define FD_SET(fd, set)		((set)->fds_bits[(unsigned)(fd) / 32] |= 1u << ((unsigned)(fd) % 32))
#define FD_CLR(fd, set)		((set)->fds_bits[(unsigned)(fd) / 32] &= ~(1u << ((unsigned)(fd) % 32)))
#define FD_ISSET(fd, set)	(((set)->fds_bits[(unsigned)(fd) / 32] >> ((unsigned)(fd) % 32)) & 1)

/* timeout NULL waits without end; {0, 0} not at all. Answers how many bits it left set. */
int	select(int nfds, fd_set *restrict readfds, fd_set *restrict writefds,
	    fd_set *restrict errorfds, struct timeval *restrict timeout);
#endif
