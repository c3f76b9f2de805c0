#ifndef _STDLIB_H_
#define _STDLIB_H_
#include <sys/types.h>
#define EXIT_SUCCESS	0
#define EXIT_FAILURE	1
__attribute__((noreturn)) void exit(int status);
__attribute__((noreturn)) void abort(void);
int	atexit(void (*fn)(void));
int	abs(int v);

/*
 * The heap (stdlib/malloc.c). Every pointer is 16-byte aligned; malloc(0) answers a unique
 * pointer; out of memory is NULL with errno = ENOMEM. realloc(p, 0) shrinks p to the smallest
 * block and answers it (it does not free). free and realloc of a pointer malloc did not give,
 * or of one already freed, print a message on descriptor 2 and abort when it shows.
 */
void	*malloc(size_t size) __attribute__((__malloc__));
void	*calloc(size_t nmemb, size_t size) __attribute__((__malloc__));
void	*realloc(void *ptr, size_t size);
void	free(void *ptr);

/* What the heap holds now; malloc_stats walks it and aborts if it finds it corrupted. */
struct malloc_stats {
	size_t	ms_in_use;	/* bytes in allocated blocks, their boundary tags included */
	size_t	ms_free;	/* bytes in free blocks */
	size_t	ms_heap;	/* bytes the heap's blocks span: in_use + free + foreign */
	size_t	ms_free_blocks;	/* number of free blocks */
	size_t	ms_foreign;	/* bytes skipped where something else moved the break (sbrk) */
};
void	malloc_stats(struct malloc_stats *ms);

/* Numbers from strings (stdlib/strtol.c): bases 0 and 2..36; ERANGE clamps to the type's limit. */
long	strtol(const char *restrict nptr, char **restrict endptr, int base);
unsigned long strtoul(const char *restrict nptr, char **restrict endptr, int base);
long long strtoll(const char *restrict nptr, char **restrict endptr, int base);
unsigned long long strtoull(const char *restrict nptr, char **restrict endptr, int base);
int	atoi(const char *s);
long	atol(const char *s);
long long atoll(const char *s);
long	labs(long v);
long long llabs(long long v);

/* Sorting and searching (stdlib/qsort.c). */
void	qsort(void *base, size_t nmemb, size_t size, int (*cmp)(const void *, const void *));
void	*bsearch(const void *key, const void *base, size_t nmemb, size_t size,
	    int (*cmp)(const void *, const void *));

/* The environment (stdlib/getenv.c): "name=value" strings, NULL-terminated; set at start. */
extern char **environ;
char	*getenv(const char *name);
int	setenv(const char *name, const char *value, int overwrite);
int	unsetenv(const char *name);
#endif
