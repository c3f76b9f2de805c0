/*
 * poll's descriptor records and event bits: ABI, shared by the kernel (kern/sys_poll.c) and
 * libcr's <poll.h>. The values are Linux's on i386.
 */
#ifndef _ABI_POLL_H_
#define _ABI_POLL_H_

struct pollfd {
	int	fd;		/* < 0: ignored (revents 0) */
	short	events;		/* what to wait for */
	short	revents;	/* what is true: written by the call */
};

typedef unsigned int nfds_t;

#define POLLIN		0x001	/* data may be read without blocking (POLLRDNORM too) */
#define POLLPRI		0x002	/* high-priority data: never, here */
#define POLLOUT		0x004	/* data may be written without blocking (POLLWRNORM too) */
#define POLLERR		0x008	/* an error (a pipe's read end is closed); always reported */
#define POLLHUP		0x010	/* hung up (a pipe's write end is closed); always reported */
#define POLLNVAL	0x020	/* fd is not open; always reported */
#define POLLRDNORM	0x040
#define POLLRDBAND	0x080	/* never, here */
#define POLLWRNORM	0x100
#define POLLWRBAND	0x200	/* never, here */

#endif
