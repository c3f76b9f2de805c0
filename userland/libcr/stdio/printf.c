/*
 * The printf family. vfprintf formats (kvformat, shared with the kernel) into a small chunk on
 * the stack and hands each full chunk to the stream, so an unbuffered stream (stderr) still
 * gets a short message in one write. dprintf/vdprintf skip the streams: they write to the
 * descriptor at once, a chunk at a time.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

#define CHUNK	128

/* sprintf, vsprintf: snprintf with no bound (the caller promises the room). */
int
vsprintf(char *restrict buf, const char *restrict fmt, va_list ap)
{
	return vsnprintf(buf, (size_t)INT_MAX + 1, fmt, ap);
}

int
sprintf(char *restrict buf, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsprintf(buf, fmt, ap);
	va_end(ap);
	return n;
}

/* -- streams -------------------------------------------------------------------------------- */

struct fchunk {
	FILE	*f;
	int	len;
	int	error;
	char	buf[CHUNK];
};

static void
fchunk_flush(struct fchunk *c)
{
	if (c->len > 0 && !c->error && fwrite(c->buf, 1, (size_t)c->len, c->f) != (size_t)c->len)
		c->error = 1;
	c->len = 0;
}

static void
fchunk_put(int ch, void *arg)
{
	struct fchunk *c = arg;

	if (c->len == CHUNK)
		fchunk_flush(c);
	c->buf[c->len++] = (char)ch;
}

int
vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
	struct fchunk c = { .f = f };
	int n;

	cr_flock_acquire(&f->__lock);		/* one printf, one piece of output */
	n = kvformat(fchunk_put, &c, fmt, ap);
	fchunk_flush(&c);
	cr_flock_release(&f->__lock);
	return c.error ? -1 : n;
}

int
fprintf(FILE *restrict f, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int
vprintf(const char *fmt, va_list ap)
{
	return vfprintf(stdout, fmt, ap);
}

int
printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return n;
}

int
puts(const char *s)
{
	int r;

	cr_flock_acquire(&stdout->__lock);
	r = fputs(s, stdout) == EOF || fputc('\n', stdout) == EOF ? EOF : 1;
	cr_flock_release(&stdout->__lock);
	return r;
}

int
putchar(int c)
{
	return fputc(c, stdout);
}

/* -- descriptors, unbuffered ---------------------------------------------------------------- */

struct dchunk {
	int	fd;
	int	len;
	int	error;
	char	buf[CHUNK];
};

static void
dchunk_flush(struct dchunk *o)
{
	int done = 0;

	while (done < o->len && !o->error) {
		ssize_t w = write(o->fd, o->buf + done, (size_t)(o->len - done));

		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			o->error = 1;
		} else {
			done += (int)w;
		}
	}
	o->len = 0;
}

static void
dchunk_put(int c, void *arg)
{
	struct dchunk *o = arg;

	if (o->len == CHUNK)
		dchunk_flush(o);
	o->buf[o->len++] = (char)c;
}

int
vdprintf(int fd, const char *fmt, va_list ap)
{
	struct dchunk o = { .fd = fd };
	int n = kvformat(dchunk_put, &o, fmt, ap);

	dchunk_flush(&o);
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

/* -- errors --------------------------------------------------------------------------------- */

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
		fprintf(stderr, "%s: %s\n", s, strerror(saved));
	else
		fprintf(stderr, "%s\n", strerror(saved));
	errno = saved;
}
