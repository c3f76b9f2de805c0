/*
 * The part of POSIX's <string.h> the kernel does not share (kernel/lib/string.c has the rest):
 * functions that allocate (strdup, strndup), keep state between calls (strtok), or know errno
 * (strerror_r). The only locale is "C": strcoll is strcmp.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* strdup: a malloc'd copy of s; NULL with ENOMEM (malloc's) when memory runs out. */
char *
strdup(const char *s)
{
	return strndup(s, (size_t)-1);
}

/* strndup: a malloc'd copy of at most size bytes of s, always NUL-terminated. */
char *
strndup(const char *s, size_t size)
{
	size_t len = strnlen(s, size);
	char *copy = malloc(len + 1);

	if (copy != NULL) {
		memcpy(copy, s, len);
		copy[len] = '\0';
	}
	return copy;
}

/* strpbrk: the first byte of s that is in accept, or NULL. */
char *
strpbrk(const char *s, const char *accept)
{
	s += strcspn(s, accept);
	return *s != '\0' ? (char *)s : NULL;
}

/*
 * strtok_r: the next token of s (NULL: go on where *state says) delimited by bytes of sep; the
 * byte after it becomes NUL. NULL when only separators remain.
 */
char *
strtok_r(char *restrict s, const char *restrict sep, char **restrict state)
{
	char *end;

	if (s == NULL && (s = *state) == NULL)
		return NULL;
	s += strspn(s, sep);
	if (*s == '\0') {
		*state = NULL;
		return NULL;
	}
	end = s + strcspn(s, sep);
	if (*end != '\0')
		*end++ = '\0';
	else
		end = NULL;
	*state = end;
	return s;
}

/* strtok: strtok_r with one state for the process (POSIX: it need not be thread-safe). */
char *
strtok(char *restrict s, const char *restrict sep)
{
	static char *state;

	return strtok_r(s, sep, &state);
}

/* stpcpy: strcpy answering the end of the copy (its NUL). */
char *
stpcpy(char *restrict dst, const char *restrict src)
{
	size_t len = strlen(src);

	memcpy(dst, src, len + 1);
	return dst + len;
}

/* memccpy: copy up to n bytes, stopping after the first c; the byte after it in dst, or NULL. */
void *
memccpy(void *restrict dst, const void *restrict src, int c, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	for (size_t i = 0; i < n; i++) {
		d[i] = s[i];
		if (s[i] == (unsigned char)c)
			return d + i + 1;
	}
	return NULL;
}

int
strcoll(const char *a, const char *b)
{
	return strcmp(a, b);
}

/*
 * strerror_r: strerror's message into buf; ERANGE when it does not fit (buf then holds what
 * fits), EINVAL for a number that is no error (buf says "Unknown error N").
 */
int
strerror_r(int error, char *buf, size_t size)
{
	const char *m = errno_message(error);
	int len;

	if (m != NULL)
		len = snprintf(buf, size, "%s", m);
	else
		len = snprintf(buf, size, "Unknown error %d", error);
	if (m == NULL)
		return EINVAL;
	return (size_t)len >= size ? ERANGE : 0;
}
