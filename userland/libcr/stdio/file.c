/*
 * FILE streams: the standard three, buffering, reading and writing, flushing, positioning,
 * closing. fopen and fdopen (stdio/fopen.c) and the printf family (stdio/printf.c) are built
 * on what is here.
 *
 * A stream's buffer holds either input (__CR_F_RDING) or output (__CR_F_WRING), never both:
 * switching from writing to reading writes the buffer out, switching from reading to writing
 * drops the unread input and moves the descriptor's offset back over it. Input comes from one
 * read() per refill, so a terminal gives a line at a time and nothing waits for a full buffer.
 * Output is written with as many write() calls as a short write (a full pipe) needs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

#define F_OPEN		__CR_F_OPEN
#define F_READ		__CR_F_READ
#define F_WRITE		__CR_F_WRITE
#define F_APPEND	__CR_F_APPEND
#define F_RDING		__CR_F_RDING
#define F_WRING		__CR_F_WRING
#define F_EOF		__CR_F_EOF
#define F_ERR		__CR_F_ERR

static FILE std_files[3] = {
	{ .__fd = STDIN_FILENO, .__flags = F_OPEN | F_READ, .__bufmode = _IOFBF,
	  .__buf = std_files[0].__ibuf, .__bufsize = BUFSIZ, .__next = &std_files[1] },
	{ .__fd = STDOUT_FILENO, .__flags = F_OPEN | F_WRITE, .__bufmode = _IOLBF,
	  .__buf = std_files[1].__ibuf, .__bufsize = BUFSIZ, .__next = &std_files[2] },
	{ .__fd = STDERR_FILENO, .__flags = F_OPEN | F_WRITE, .__bufmode = _IONBF,
	  .__buf = std_files[2].__nbuf, .__bufsize = 1, .__next = NULL },
};

FILE *stdin = &std_files[0];
FILE *stdout = &std_files[1];
FILE *stderr = &std_files[2];

/* The open streams, newest first; streams_lock guards the list (and fopen's pool). */
static FILE *streams = &std_files[0];
struct cr_flock __cr_streams_lock;
#define streams_lock	__cr_streams_lock

void
__cr_stdio_open(FILE *f, int fd, int flags)
{
	f->__fd = fd;
	f->__flags = F_OPEN | flags;
	f->__bufmode = _IOFBF;
	f->__buf = f->__ibuf;
	f->__bufsize = BUFSIZ;
	f->__rpos = f->__rend = f->__wlen = 0;
	f->__next = streams;
	streams = f;
}

static void
unlink_stream(FILE *f)
{
	cr_flock_acquire(&streams_lock);
	for (FILE **pp = &streams; *pp != NULL; pp = &(*pp)->__next) {
		if (*pp == f) {
			*pp = f->__next;
			break;
		}
	}
	f->__next = NULL;
	cr_flock_release(&streams_lock);
}

static int
bad_stream(FILE *f)
{
	if (f != NULL && (f->__flags & F_OPEN))
		return 0;
	errno = EBADF;
	return 1;
}

/* write_all: write n bytes, looping over short writes; answers how many were written. */
static size_t
write_all(int fd, const unsigned char *p, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(fd, p + done, n - done);

		if (w <= 0) {
			if (w == 0)
				errno = EIO;	/* no progress and no error: do not spin */
			break;
		}
		done += (size_t)w;
	}
	return done;
}

/* flushbuf: write out the buffered output. On failure it is dropped and the error set. */
static int
flushbuf(FILE *f)
{
	size_t n = f->__wlen;

	f->__wlen = 0;
	if (n == 0 || write_all(f->__fd, f->__buf, n) == n)
		return 0;
	f->__flags |= F_ERR;
	return EOF;
}

/* drop_input: forget unread input, moving the offset back over it where the file can seek. */
static void
drop_input(FILE *f)
{
	size_t unread = f->__rend - f->__rpos;

	if (unread > 0) {
		int saved = errno;

		if (lseek(f->__fd, -(off_t)unread, SEEK_CUR) < 0)
			errno = saved;	/* a pipe or terminal: the input is gone either way */
	}
	f->__rpos = f->__rend = 0;
	f->__flags &= ~F_RDING;
}

/* to_write: make f ready to take output. */
static int
to_write(FILE *f)
{
	if (bad_stream(f))
		return EOF;
	if (!(f->__flags & F_WRITE)) {
		errno = EBADF;
		f->__flags |= F_ERR;
		return EOF;
	}
	if (f->__flags & F_RDING)
		drop_input(f);
	f->__flags |= F_WRING;
	return 0;
}

/* to_read: make f ready to give input (writing out pending output first). */
static int
to_read(FILE *f)
{
	if (bad_stream(f))
		return EOF;
	if (!(f->__flags & F_READ)) {
		errno = EBADF;
		f->__flags |= F_ERR;
		return EOF;
	}
	if (f->__flags & F_WRING) {
		int r = flushbuf(f);

		f->__flags &= ~F_WRING;
		if (r != 0)
			return EOF;
	}
	f->__flags |= F_RDING;
	return 0;
}

/* flush_line_buffered: before waiting for input, show the prompts written so far. */
static void
flush_line_buffered(void)
{
	cr_flock_acquire(&streams_lock);
	for (FILE *f = streams; f != NULL; f = f->__next)
		if (f->__bufmode == _IOLBF && (f->__flags & F_WRING) && cr_flock_try(&f->__lock)) {
			flushbuf(f);		/* a stream another thread holds is left to it */
			cr_flock_release(&f->__lock);
		}
	cr_flock_release(&streams_lock);
}

/*
 * fill: one read() of at most n bytes into dst, for a stream whose buffer is empty. Answers
 * the bytes read, 0 at end of file, -1 on error (setting the stream's indicators).
 */
static ssize_t
fill(FILE *f, void *dst, size_t n)
{
	ssize_t r;

	if (to_read(f))
		return -1;
	if (f->__flags & F_EOF)
		return 0;
	if (f == stdin || f->__bufmode != _IOFBF)
		flush_line_buffered();
	r = read(f->__fd, dst, n);
	if (r < 0) {
		f->__flags |= F_ERR;
		return -1;
	}
	if (r == 0)
		f->__flags |= F_EOF;
	return r;
}

/* refill: read into the (empty) buffer. 1: there is input; 0: end of file; -1: error. */
static int
refill(FILE *f)
{
	ssize_t r = fill(f, f->__buf, f->__bufsize);

	if (r <= 0)
		return (int)r;
	f->__rpos = 0;
	f->__rend = (size_t)r;
	return 1;
}

/*
 * swrite: put n bytes into the stream. Answers n, or on error a count of the bytes known to
 * have been written.
 */
static size_t
swrite(FILE *f, const unsigned char *p, size_t n)
{
	size_t done = 0;

	if (to_write(f))
		return 0;
	if (f->__bufmode == _IONBF) {
		done = write_all(f->__fd, p, n);
		if (done < n)
			f->__flags |= F_ERR;
		return done;
	}
	while (done < n) {
		size_t room = f->__bufsize - f->__wlen, k;

		if (room == 0) {
			size_t held = f->__wlen;

			if (flushbuf(f))
				return done - (held < done ? held : done);
			continue;
		}
		if (f->__wlen == 0 && n - done >= f->__bufsize) {
			/* Nothing buffered and at least a buffer's worth: write it directly. */
			size_t w = write_all(f->__fd, p + done, n - done);

			if (w < n - done) {
				f->__flags |= F_ERR;
				return done + w;
			}
			return n;
		}
		k = n - done < room ? n - done : room;
		memcpy(f->__buf + f->__wlen, p + done, k);
		f->__wlen += k;
		done += k;
	}
	if (f->__bufmode == _IOLBF && memchr(p, '\n', n) != NULL) {
		size_t held = f->__wlen;

		if (flushbuf(f))
			return n - (held < n ? held : n);
	}
	return n;
}

/* -- characters, lines, blocks ------------------------------------------------------------- */

static int
unlocked_fputc(int c, FILE *f)
{
	unsigned char ch = (unsigned char)c;

	if ((f->__flags & F_WRING) && f->__wlen < f->__bufsize &&
	    (f->__bufmode == _IOFBF || (f->__bufmode == _IOLBF && ch != '\n'))) {
		f->__buf[f->__wlen++] = ch;
		return ch;
	}
	return swrite(f, &ch, 1) == 1 ? ch : EOF;
}

int
putc(int c, FILE *f)
{
	return fputc(c, f);
}

static int
unlocked_fputs(const char *restrict s, FILE *restrict f)
{
	size_t n = strlen(s);

	return swrite(f, (const unsigned char *)s, n) == n ? 0 : EOF;
}

static size_t
unlocked_fwrite(const void *restrict p, size_t size, size_t nmemb, FILE *restrict f)
{
	size_t n;

	if (size == 0 || nmemb == 0)
		return 0;
	if (nmemb > (size_t)-1 / size) {
		errno = EINVAL;
		return 0;
	}
	n = size * nmemb;
	return swrite(f, p, n) / size;
}

static int
unlocked_fgetc(FILE *f)
{
	if (f->__rpos < f->__rend)
		return f->__buf[f->__rpos++];
	if (refill(f) <= 0)
		return EOF;
	return f->__buf[f->__rpos++];
}

int
getc(FILE *f)
{
	return fgetc(f);
}

int
getchar(void)
{
	return fgetc(stdin);
}

/*
 * ungetc: the pushed-back byte goes into the buffer just before the unread input, so every
 * reader (and ftell) sees it without a case of its own. One byte is always possible.
 */
static int
unlocked_ungetc(int c, FILE *f)
{
	if (c == EOF || to_read(f))
		return EOF;
	if (f->__rpos == f->__rend)
		f->__rpos = f->__rend = f->__bufsize;
	if (f->__rpos == 0)
		return EOF;
	f->__buf[--f->__rpos] = (unsigned char)c;
	f->__flags &= ~F_EOF;
	return (unsigned char)c;
}

/*
 * unlocked_getdelim: bytes up to and with delim (or the end of the file) into *line, grown with
 * realloc as needed (*line NULL: a fresh one, whatever *size says); answers the bytes read,
 * without the NUL it adds, or -1 at the end of the file with nothing read, on a read error, or
 * with EINVAL (line or size NULL) or ENOMEM.
 */
static ssize_t
unlocked_getdelim(char **restrict line, size_t *restrict size, int delim, FILE *restrict f)
{
	size_t len = 0;
	int c;

	if (line == NULL || size == NULL) {
		errno = EINVAL;
		f->__flags |= F_ERR;
		return -1;
	}
	if (*line == NULL)
		*size = 0;
	while ((c = unlocked_fgetc(f)) != EOF) {
		if (len + 2 > *size) {
			size_t want = *size * 2 > len + 2 ? *size * 2 : len + 64;
			char *grown = realloc(*line, want);
			if (grown == NULL) {
				f->__flags |= F_ERR;
				return -1;
			}
			*line = grown;
			*size = want;
		}
		(*line)[len++] = (char)c;
		if (c == (unsigned char)delim)
			break;
	}
	if (len == 0)
		return -1;
	(*line)[len] = '\0';
	return (ssize_t)len;
}

ssize_t
getline(char **restrict line, size_t *restrict size, FILE *restrict f)
{
	return getdelim(line, size, '\n', f);
}

static char *
unlocked_fgets(char *restrict s, int n, FILE *restrict f)
{
	size_t max, got = 0;

	if (n <= 0) {
		errno = EINVAL;
		return NULL;
	}
	max = (size_t)n - 1;
	while (got < max) {
		size_t avail = f->__rend - f->__rpos, k;
		unsigned char *nl;

		if (avail == 0) {
			int r = refill(f);

			if (r < 0)
				return NULL;	/* a read error: the contents are indeterminate */
			if (r == 0)
				break;
			continue;
		}
		k = avail < max - got ? avail : max - got;
		nl = memchr(f->__buf + f->__rpos, '\n', k);
		if (nl != NULL)
			k = (size_t)(nl - (f->__buf + f->__rpos)) + 1;
		memcpy(s + got, f->__buf + f->__rpos, k);
		f->__rpos += k;
		got += k;
		if (nl != NULL)
			break;
	}
	if (got == 0 && max > 0)
		return NULL;		/* end of file before anything was read */
	s[got] = '\0';
	return s;
}

static size_t
unlocked_fread(void *restrict p, size_t size, size_t nmemb, FILE *restrict f)
{
	unsigned char *d = p;
	size_t want, got = 0;

	if (size == 0 || nmemb == 0)
		return 0;
	if (nmemb > (size_t)-1 / size) {
		errno = EINVAL;
		return 0;
	}
	want = size * nmemb;
	while (got < want) {
		size_t avail = f->__rend - f->__rpos;

		if (avail > 0) {
			size_t k = avail < want - got ? avail : want - got;

			memcpy(d + got, f->__buf + f->__rpos, k);
			f->__rpos += k;
			got += k;
		} else if (want - got >= f->__bufsize) {
			/* At least a buffer's worth still wanted: read straight into the caller's. */
			ssize_t r = fill(f, d + got, want - got);

			if (r <= 0)
				break;
			got += (size_t)r;
		} else if (refill(f) <= 0) {
			break;
		}
	}
	return got / size;
}

/* -- buffering, flushing, closing ---------------------------------------------------------- */

static int
unlocked_setvbuf(FILE *restrict f, char *restrict buf, int mode, size_t size)
{
	if (bad_stream(f))
		return EOF;
	if (mode != _IOFBF && mode != _IOLBF && mode != _IONBF) {
		errno = EINVAL;
		return EOF;
	}
	if ((f->__flags & F_WRING) && flushbuf(f))
		return EOF;
	if (f->__rpos != f->__rend) {
		errno = EINVAL;		/* unread input would be lost */
		return EOF;
	}
	f->__rpos = f->__rend = 0;
	f->__bufmode = mode;
	if (mode == _IONBF) {
		f->__buf = f->__nbuf;
		f->__bufsize = 1;
	} else if (buf != NULL && size > 0) {
		f->__buf = (unsigned char *)buf;
		f->__bufsize = size;
	} else {
		f->__buf = f->__ibuf;
		f->__bufsize = BUFSIZ;
	}
	return 0;
}

void
setbuf(FILE *restrict f, char *restrict buf)
{
	setvbuf(f, buf, buf != NULL ? _IOFBF : _IONBF, BUFSIZ);
}

/*
 * sync_stream: write out output; for input, move the descriptor's offset back to the stream's
 * position and drop the buffer (kept when the file cannot seek: a pipe's input is not lost).
 */
static int
sync_stream(FILE *f)
{
	if (f->__flags & F_WRING)
		return flushbuf(f);
	if ((f->__flags & F_RDING) && f->__rend > f->__rpos) {
		int saved = errno;

		if (lseek(f->__fd, -(off_t)(f->__rend - f->__rpos), SEEK_CUR) < 0) {
			errno = saved;
			return 0;
		}
		f->__rpos = f->__rend = 0;
	}
	return 0;
}

static int
unlocked_fflush(FILE *f)
{
	int r = 0;

	if (f != NULL)
		return bad_stream(f) ? EOF : sync_stream(f);
	/* All streams: only output is written; input stays buffered. A stream another thread
	 * holds (parked in a read, say) is skipped rather than waited for: exit must not hang. */
	cr_flock_acquire(&streams_lock);
	for (f = streams; f != NULL; f = f->__next)
		if ((f->__flags & F_WRING) && cr_flock_try(&f->__lock)) {
			if (flushbuf(f))
				r = EOF;
			cr_flock_release(&f->__lock);
		}
	cr_flock_release(&streams_lock);
	return r;
}

void
cr_stdio_flush_all(void)
{
	fflush(NULL);
}

static int
unlocked_fclose(FILE *f)
{
	int r;

	if (bad_stream(f))
		return EOF;
	r = sync_stream(f);
	unlink_stream(f);
	if (close(f->__fd) < 0)
		r = EOF;
	f->__flags = 0;		/* a pool slot is free again; the std streams stay closed */
	f->__rpos = f->__rend = f->__wlen = 0;
	f->__fd = -1;
	return r;
}

int
fileno(FILE *f)
{
	return bad_stream(f) ? -1 : f->__fd;
}

int
feof(FILE *f)
{
	return (f->__flags & F_EOF) != 0;
}

int
ferror(FILE *f)
{
	return (f->__flags & F_ERR) != 0;
}

void
clearerr(FILE *f)
{
	f->__flags &= ~(F_EOF | F_ERR);
}

/* -- positioning ---------------------------------------------------------------------------- */

static int
unlocked_fseeko(FILE *f, off_t offset, int whence)
{
	if (bad_stream(f))
		return -1;
	if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) {
		errno = EINVAL;
		return -1;
	}
	if ((f->__flags & F_WRING) && flushbuf(f))
		return -1;
	if (whence == SEEK_CUR)
		offset -= (off_t)(f->__rend - f->__rpos);	/* from the stream's position */
	if (lseek(f->__fd, offset, whence) < 0)
		return -1;
	f->__rpos = f->__rend = 0;
	f->__flags &= ~(F_RDING | F_WRING | F_EOF);
	return 0;
}

static off_t
unlocked_ftello(FILE *f)
{
	off_t pos;

	if (bad_stream(f))
		return -1;
	/* Appended output lands at the end, wherever the offset is now: write it out first. */
	if ((f->__flags & (F_WRING | F_APPEND)) == (F_WRING | F_APPEND) && flushbuf(f))
		return -1;
	pos = lseek(f->__fd, 0, SEEK_CUR);
	if (pos < 0)
		return -1;
	return pos - (off_t)(f->__rend - f->__rpos) + (off_t)f->__wlen;
}

int
fseek(FILE *f, long offset, int whence)
{
	return fseeko(f, offset, whence);
}

long
ftell(FILE *f)
{
	off_t pos = ftello(f);

	if (pos > 0x7fffffff) {
		errno = EOVERFLOW;	/* POSIX ftell; ftello gives the full offset */
		return -1;
	}
	return (long)pos;
}

void
rewind(FILE *f)
{
	fseeko(f, 0, SEEK_SET);
	if (f->__flags & F_OPEN)
		clearerr(f);
}

/* -- the public calls above, each under its stream's lock (lock.c) ------------------------ */

/* LOCKED: the public call `name`, which runs unlocked_name under the lock of its stream f. */
#define LOCKED(ret, name, params, args)					\
	ret								\
	name params							\
	{								\
		ret r;							\
									\
		cr_flock_acquire(&f->__lock);				\
		r = unlocked_##name args;				\
		cr_flock_release(&f->__lock);				\
		return r;						\
	}

LOCKED(int, fputc, (int c, FILE *f), (c, f))
LOCKED(int, fputs, (const char *restrict s, FILE *restrict f), (s, f))
LOCKED(size_t, fwrite, (const void *restrict p, size_t size, size_t nmemb, FILE *restrict f), (p, size, nmemb, f))
LOCKED(int, fgetc, (FILE *f), (f))
LOCKED(int, ungetc, (int c, FILE *f), (c, f))
LOCKED(char *, fgets, (char *restrict s, int n, FILE *restrict f), (s, n, f))
LOCKED(ssize_t, getdelim, (char **restrict line, size_t *restrict size, int delim, FILE *restrict f), (line, size, delim, f))
LOCKED(size_t, fread, (void *restrict p, size_t size, size_t nmemb, FILE *restrict f), (p, size, nmemb, f))
LOCKED(int, setvbuf, (FILE *restrict f, char *restrict buf, int mode, size_t size), (f, buf, mode, size))
LOCKED(int, fclose, (FILE *f), (f))
LOCKED(int, fseeko, (FILE *f, off_t offset, int whence), (f, offset, whence))
LOCKED(off_t, ftello, (FILE *f), (f))

int
fflush(FILE *f)
{
	int r;

	if (f == NULL)
		return unlocked_fflush(NULL);	/* each stream under its own lock */
	cr_flock_acquire(&f->__lock);
	r = unlocked_fflush(f);
	cr_flock_release(&f->__lock);
	return r;
}
