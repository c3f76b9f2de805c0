/* poll and select, over the poll call (kern/sys_poll.c: message-shaped, parks only the caller). */
#include <errno.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/syscalls.h>

#define NS_PER_MS	1000000ll

int
poll(struct pollfd fds[], nfds_t nfds, int timeout)
{
	if (nfds > OPEN_MAX) {
		errno = EINVAL;
		return -1;
	}
	return __sys_poll(fds, nfds * sizeof(struct pollfd), timeout < 0 ? -1 : timeout * NS_PER_MS);
}

/*
 * select: one pollfd per descriptor named in any set; a readable descriptor is one poll finds
 * POLLIN, POLLHUP or POLLERR on, a writable one POLLOUT or POLLERR. EINVAL: nfds outside
 * 0..FD_SETSIZE or a bad timeout; EBADF: a set names a descriptor that is not open.
 */
int
select(int nfds, fd_set *restrict readfds, fd_set *restrict writefds, fd_set *restrict errorfds,
    struct timeval *restrict timeout)
{
	struct pollfd pfd[FD_SETSIZE];
	int n = 0, ready = 0;
	int64_t ns = -1;

	if (nfds < 0 || nfds > FD_SETSIZE || (timeout != NULL && (timeout->tv_sec < 0 ||
	    timeout->tv_usec < 0 || timeout->tv_usec >= 1000000))) {
		errno = EINVAL;
		return -1;
	}
	if (timeout != NULL)
		ns = timeout->tv_sec * 1000000000ll + timeout->tv_usec * 1000ll;
	for (int fd = 0; fd < nfds; fd++) {
		short events = (readfds && FD_ISSET(fd, readfds) ? POLLIN : 0) |
		    (writefds && FD_ISSET(fd, writefds) ? POLLOUT : 0) |
		    (errorfds && FD_ISSET(fd, errorfds) ? POLLPRI : 0);
		if (events)
			pfd[n++] = (struct pollfd){ .fd = fd, .events = events };
	}
	if (__sys_poll(pfd, n * sizeof(struct pollfd), ns) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (pfd[i].revents & POLLNVAL) {
			errno = EBADF;
			return -1;
		}
	for (int i = 0; i < n; i++) {
		int fd = pfd[i].fd;
		short r = pfd[i].revents;
		if (readfds && FD_ISSET(fd, readfds) && !(r & (POLLIN | POLLHUP | POLLERR)))
			FD_CLR(fd, readfds);
		if (writefds && FD_ISSET(fd, writefds) && !(r & (POLLOUT | POLLERR)))
			FD_CLR(fd, writefds);
		if (errorfds && FD_ISSET(fd, errorfds) && !(r & POLLPRI))
			FD_CLR(fd, errorfds);
		ready += (readfds && FD_ISSET(fd, readfds)) + (writefds && FD_ISSET(fd, writefds)) +
		    (errorfds && FD_ISSET(fd, errorfds));
	}
	return ready;
}
