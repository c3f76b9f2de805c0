// printf-style formatting, shared by the kernel console printf and
// libcr's printf family.  See kernel/lib/format.c.
#ifndef DAMSELFLY_LIB_FORMAT_H
#define DAMSELFLY_LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

// Called once per output character, with c in 0..255 (as unsigned
// char); arg is kvformat's arg, passed through.
typedef void (*fmt_putc_fn)(int c, void *arg);

// Formats fmt into put(); returns the number of characters produced.
int kvformat(fmt_putc_fn put, void *arg, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

// C99 semantics: returns the length the output would have had, and
// always NUL-terminates buf when size > 0.
int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt,
              va_list ap) __attribute__((format(printf, 3, 0)));
int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
