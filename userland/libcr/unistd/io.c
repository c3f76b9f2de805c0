/* write: POSIX's write over the write call, which may take fewer bytes than asked (a pipe). */
#include <errno.h>
#include <unistd.h>

/*
 * write: "If the O_NONBLOCK flag is clear, a write request may cause the thread to block, but on
 * normal completion it shall return nbyte." The write call answers what one pipe fill took (a
 * write of PIPE_BUF bytes or less is whole, at once: fs/pipe.c), so a longer one calls again for
 * the rest. An error after some bytes went (a signal, EPIPE, ENOSPC) answers the count written;
 * the next write reports the error.
 */
ssize_t
write(int fd, const void *buf, size_t len)
{
	ssize_t r = __sys_write(fd, buf, len);
	size_t done;

	if (__builtin_expect(r < 0 || (size_t)r == len, 1))
		return r;
	for (done = (size_t)r; done < len; done += (size_t)r) {
		int saved = errno;
		r = __sys_write(fd, (const char *)buf + done, len - done);
		if (r <= 0) {
			errno = saved;
			break;
		}
	}
	return (ssize_t)done;
}
