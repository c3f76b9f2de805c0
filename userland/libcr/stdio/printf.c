/*
 * printf and friends on a descriptor: format into a small buffer, write it out whenever it
 * fills, so a long line costs a few write messages, not one per character.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

struct outbuf {
	int	fd;
	int	len;
	int	error;
	char	buf[128];
};

static void
flush(struct outbuf *o)
{
	if (o->len > 0 && write(o->fd, o->buf, (size_t)o->len) < 0)
		o->error = 1;
	o->len = 0;
}

static void
put(int c, void *arg)
{
	struct outbuf *o = arg;

	if (o->len == (int)sizeof(o->buf))
		flush(o);
	o->buf[o->len++] = (char)c;
}

int
vdprintf(int fd, const char *fmt, va_list ap)
{
	struct outbuf o = { .fd = fd };
	int n = kvformat(put, &o, fmt, ap);

	flush(&o);
	return o.error ? -1 : n;
}

int
dprintf(int fd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vdprintf(fd, fmt, ap);
	va_end(ap);
	return n;
}

int
vprintf(const char *fmt, va_list ap)
{
	return vdprintf(STDOUT_FILENO, fmt, ap);
}

int
printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int
puts(const char *s)
{
	return printf("%s\n", s) < 0 ? EOF : 1;
}

int
putchar(int c)
{
	char ch = (char)c;
	return write(STDOUT_FILENO, &ch, 1) == 1 ? (unsigned char)c : EOF;
}

char *
strerror(int error)
{
	static char unknown[32];
	const char *m = errno_message(error);

	if (m != NULL)
		return (char *)m;
	snprintf(unknown, sizeof(unknown), "Unknown error %d", error);
	return unknown;
}

void
perror(const char *s)
{
	int saved = errno;

	if (s != NULL && *s != '\0')
		dprintf(STDERR_FILENO, "%s: %s\n", s, strerror(saved));
	else
		dprintf(STDERR_FILENO, "%s\n", strerror(saved));
}
