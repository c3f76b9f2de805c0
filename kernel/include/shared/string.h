// Memory and string functions, shared by the kernel and libcr.
// See kernel/lib/string.c.
#ifndef DAMSELFLY_STRING_H
#define DAMSELFLY_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);

size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *restrict dst, const char *restrict src);
char *strncpy(char *restrict dst, const char *restrict src, size_t n);
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);
char *strcat(char *restrict dst, const char *restrict src);
char *strncat(char *restrict dst, const char *restrict src, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
size_t strspn(const char *s, const char *accept);
size_t strcspn(const char *s, const char *reject);

#ifndef _KERNEL
// libcr only (userland/libcr/string/posix.c): the rest of POSIX's <string.h>, the
// functions that allocate or keep state, and strerror (also in <stdio.h>).
char *strdup(const char *s);
char *strndup(const char *s, size_t size);
char *strpbrk(const char *s, const char *accept);
char *strtok(char *restrict s, const char *restrict sep);
char *strtok_r(char *restrict s, const char *restrict sep, char **restrict state);
char *stpcpy(char *restrict dst, const char *restrict src);
void *memccpy(void *restrict dst, const void *restrict src, int c, size_t n);
int strcoll(const char *a, const char *b);
char *strerror(int error);
int strerror_r(int error, char *buf, size_t size);
#endif
#endif
