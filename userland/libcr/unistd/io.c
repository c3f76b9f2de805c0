/* write: POSIX's write over the write call, which may take fewer bytes than asked (a pipe). */
#include <errno.h>
#include <limits.h>
#include <unistd.h>

/* write_all: the write call again and again until len bytes went (write, below). */
static __attribute__((noinline)) ssize_t
write_all(int fd, const char *buf, size_t len)
{
	ssize_t r = __sys_write(fd, buf, len);
	size_t done;

	if (r < 0 || (size_t)r == len)
		return r;
	for (done = (size_t)r; done < len; done += (size_t)r) {
		int saved = errno;
		r = __sys_write(fd, buf + done, len - done);
		if (r <= 0) {
			errno = saved;
			break;
		}
	}
	return (ssize_t)done;
}

/*
 * write: "If the O_NONBLOCK flag is clear, a write request may cause the thread to block, but on
 * normal completion it shall return nbyte." A pipe takes a write of PIPE_BUF bytes or less whole
 * (fs/pipe.c: atomic, as POSIX asks), so those are the write call itself, and the common case
 * costs nothing more. A longer one may go in pieces: write_all calls again for the rest. An error
 * after some bytes went (a signal, EPIPE, ENOSPC) answers the count written; the next write
 * reports the error.
 */
ssize_t
write(int fd, const void *buf, size_t len)
{
	if (__builtin_expect(len <= PIPE_BUF, 1))
		return __sys_write(fd, buf, len);
	return write_all(fd, buf, len);
}
