/*
 * poll: wait for descriptors to be ready (struct pollfd and the POLL* bits: <abi/poll.h>). Pipes
 * and the console wait; regular files and directories are always ready. One call may watch at
 * most OPEN_MAX descriptors. In a threaded program only the calling thread waits.
 */
#ifndef _POLL_H_
#define _POLL_H_
#include <abi/poll.h>

/* timeout in milliseconds: < 0 waits without end, 0 not at all. */
int	poll(struct pollfd fds[], nfds_t nfds, int timeout);
#endif
