/*
 * Standard input and output: buffered FILE streams on descriptors (userland/libcr/stdio/).
 *
 * stdin and streams from fopen/fdopen are fully buffered, stdout is line buffered (written out
 * at each '\n'), stderr is unbuffered; setvbuf changes that. stdio never allocates: every FILE
 * carries a BUFSIZ buffer of its own, and fopen/fdopen take one of FOPEN_MAX static FILEs.
 * exit() writes out what is still buffered (cr_stdio_flush_all); _exit() and a crash do not.
 * dprintf/vdprintf bypass the streams and write to the descriptor at once.
 */
#ifndef _STDIO_H_
#define _STDIO_H_
#include <stdarg.h>
#include <sys/types.h>
#include <lib/format.h>		/* snprintf, vsnprintf */
#include <cr/flock.h>		/* the lock each stream carries */
#include <abi/fcntl.h>		/* SEEK_SET, SEEK_CUR, SEEK_END */
#include <abi/limits.h>		/* PATH_MAX */

#define EOF		(-1)
#define BUFSIZ		1024
#define FILENAME_MAX	PATH_MAX	/* <abi/limits.h> */
#define FOPEN_MAX	16	/* streams fopen/fdopen can have open at once (besides the std three) */

/* setvbuf modes (glibc's values). */
#define _IOFBF		0	/* fully buffered */
#define _IOLBF		1	/* line buffered */
#define _IONBF		2	/* unbuffered */

/*
 * A stream. The fields are libcr's own (stdio/file.c); use the functions. Invariants: __rpos and
 * __rend are nonzero only while __CR_F_RDING (unread input is __buf[__rpos..__rend)), __wlen
 * only while __CR_F_WRING (output not yet written is __buf[0..__wlen)).
 */
typedef struct __cr_file {
	int		__fd;
	int		__flags;	/* __CR_F_* */
	int		__bufmode;	/* _IOFBF, _IOLBF or _IONBF */
	unsigned char	*__buf;
	size_t		__bufsize;
	size_t		__rpos, __rend;
	size_t		__wlen;
	struct __cr_file *__next;	/* the open streams, for fflush(NULL) and exit */
	struct cr_flock	__lock;		/* held by each stdio call on it, once threads exist */
	unsigned char	__nbuf[1];	/* the buffer of an unbuffered stream */
	unsigned char	__ibuf[BUFSIZ];	/* the stream's own buffer */
} FILE;

#define __CR_F_OPEN	0x01	/* in use; a free pool slot has no flags */
#define __CR_F_READ	0x02	/* opened for reading */
#define __CR_F_WRITE	0x04	/* opened for writing */
#define __CR_F_APPEND	0x08	/* opened with 'a' */
#define __CR_F_RDING	0x10	/* the buffer holds input */
#define __CR_F_WRING	0x20	/* the buffer holds output */
#define __CR_F_EOF	0x40	/* end-of-file indicator */
#define __CR_F_ERR	0x80	/* error indicator */

extern FILE	*stdin, *stdout, *stderr;
#define stdin	stdin
#define stdout	stdout
#define stderr	stderr

/* Opening, closing, buffering. */
FILE	*fopen(const char *restrict path, const char *restrict mode);
FILE	*fdopen(int fd, const char *mode);
int	fclose(FILE *f);
int	fflush(FILE *f);		/* NULL: every stream */
int	setvbuf(FILE *restrict f, char *restrict buf, int mode, size_t size);
void	setbuf(FILE *restrict f, char *restrict buf);
int	fileno(FILE *f);
int	feof(FILE *f);
int	ferror(FILE *f);
void	clearerr(FILE *f);

/* Positioning (through lseek; the buffer is written out or dropped). */
int	fseek(FILE *f, long offset, int whence);
long	ftell(FILE *f);
int	fseeko(FILE *f, off_t offset, int whence);
off_t	ftello(FILE *f);
void	rewind(FILE *f);

/* Characters, lines, blocks. */
int	fgetc(FILE *f);
int	getc(FILE *f);
int	getchar(void);
int	ungetc(int c, FILE *f);		/* one character of push-back */
char	*fgets(char *restrict s, int n, FILE *restrict f);
/* A line (or up to delim) into *line, which they grow with realloc; -1 at the end of the file. */
ssize_t	getdelim(char **restrict line, size_t *restrict size, int delim, FILE *restrict f);
ssize_t	getline(char **restrict line, size_t *restrict size, FILE *restrict f);
size_t	fread(void *restrict p, size_t size, size_t nmemb, FILE *restrict f);
int	fputc(int c, FILE *f);
int	putc(int c, FILE *f);
int	putchar(int c);
int	fputs(const char *restrict s, FILE *restrict f);
int	puts(const char *s);
size_t	fwrite(const void *restrict p, size_t size, size_t nmemb, FILE *restrict f);

/* Formatted output: the character count, or -1 when a write failed. */
int	printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int	sprintf(char *restrict buf, const char *restrict fmt, ...) __attribute__((format(printf, 2, 3)));
int	vsprintf(char *restrict buf, const char *restrict fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));
int	vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
int	fprintf(FILE *restrict f, const char *restrict fmt, ...) __attribute__((format(printf, 2, 3)));
int	vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));
int	dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int	vdprintf(int fd, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

void	perror(const char *s);
char	*strerror(int error);

/* libcr: write out every stream's buffered output; exit() calls it after the atexit handlers. */
void	cr_stdio_flush_all(void);
/* libcr private (stdio/fopen.c): make f an open stream on fd; flags are __CR_F_READ etc. */
void	__cr_stdio_open(FILE *f, int fd, int flags);

/* rename: a system call (sys/syscalls.h); declared here too, as POSIX has it. */
int	rename(const char *from, const char *to);
/* remove: unlink a file, or rmdir an empty directory. */
int	remove(const char *path);

#endif
