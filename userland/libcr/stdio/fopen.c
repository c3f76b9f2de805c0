/*
 * fopen and fdopen: a stream from a static pool of FOPEN_MAX FILEs (each with its buffer), so
 * stdio needs no malloc. fclose (stdio/file.c) gives the slot back by clearing its flags.
 */
#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>

static FILE pool[FOPEN_MAX];

/*
 * parse_mode: "r", "w", "a", each optionally with '+', and 'b' anywhere after the first
 * letter (ignored: there is no text mode). Sets the open flags and the stream's flags;
 * answers 0, or EINVAL for anything else.
 */
static int
parse_mode(const char *mode, int *oflags, int *sflags)
{
	int plus = 0;

	if (mode == NULL)
		return EINVAL;
	for (const char *m = mode + (*mode != '\0'); *m != '\0'; m++) {
		if (*m == '+')
			plus = 1;
		else if (*m != 'b')
			return EINVAL;
	}
	switch (*mode) {
	case 'r':
		*oflags = plus ? O_RDWR : O_RDONLY;
		*sflags = __CR_F_READ;
		break;
	case 'w':
		*oflags = (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_TRUNC;
		*sflags = __CR_F_WRITE;
		break;
	case 'a':
		*oflags = (plus ? O_RDWR : O_WRONLY) | O_CREAT | O_APPEND;
		*sflags = __CR_F_WRITE | __CR_F_APPEND;
		break;
	default:
		return EINVAL;
	}
	if (plus)
		*sflags |= __CR_F_READ | __CR_F_WRITE;
	return 0;
}

static FILE *
free_slot(void)
{
	for (int i = 0; i < FOPEN_MAX; i++)
		if (pool[i].__flags == 0)
			return &pool[i];
	errno = EMFILE;
	return NULL;
}

static FILE *
unlocked_fopen(const char *restrict path, const char *restrict mode)
{
	int oflags, sflags, error, fd;
	FILE *f;

	if ((error = parse_mode(mode, &oflags, &sflags)) != 0) {
		errno = error;
		return NULL;
	}
	if ((f = free_slot()) == NULL)
		return NULL;
	if ((fd = open(path, oflags, 0644)) < 0)
		return NULL;
	__cr_stdio_open(f, fd, sflags);
	return f;
}

static FILE *
unlocked_fdopen(int fd, const char *mode)
{
	int oflags, sflags, error;
	FILE *f;

	if ((error = parse_mode(mode, &oflags, &sflags)) != 0) {
		errno = error;
		return NULL;
	}
	if (fd < 0) {
		errno = EBADF;
		return NULL;
	}
	if ((f = free_slot()) == NULL)
		return NULL;
	if (sflags & __CR_F_APPEND) {
		/* There is no fcntl to set O_APPEND: start at the end, at least. */
		int saved = errno;

		if (lseek(fd, 0, SEEK_END) < 0)
			errno = saved;
	}
	__cr_stdio_open(f, fd, sflags);
	return f;
}

/* fopen and fdopen take a free slot and fill it: under the lock of the stream list, as one step. */
extern struct cr_flock __cr_streams_lock;
FILE *
fopen(const char *restrict path, const char *restrict mode)
{
	FILE *f;

	cr_flock_acquire(&__cr_streams_lock);
	f = unlocked_fopen(path, mode);
	cr_flock_release(&__cr_streams_lock);
	return f;
}

FILE *
fdopen(int fd, const char *mode)
{
	FILE *f;

	cr_flock_acquire(&__cr_streams_lock);
	f = unlocked_fdopen(fd, mode);
	cr_flock_release(&__cr_streams_lock);
	return f;
}
