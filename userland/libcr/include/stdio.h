/*
 * Standard output for user programs. This first slice writes formatted text straight to a
 * descriptor through a small stack buffer; buffered FILE streams come with the syscall work.
 */
#ifndef _STDIO_H_
#define _STDIO_H_
#include <stdarg.h>
#include <sys/types.h>
#include <lib/format.h>

#define EOF	(-1)

int	printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int	vprintf(const char *fmt, va_list ap);
int	dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int	vdprintf(int fd, const char *fmt, va_list ap);
int	puts(const char *s);
int	putchar(int c);
void	perror(const char *s);
char	*strerror(int error);

#endif
