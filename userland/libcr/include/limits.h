/*
 * Limits of the integer types on i386 (ILP32: int and long are 32 bits, long long 64), and the
 * kernel's limits (<abi/limits.h>). Written out rather than taken from gcc's limits.h: libcr
 * builds with -nostdinc.
 */
#ifndef _LIMITS_H_
#define _LIMITS_H_

#define CHAR_BIT	8

#define SCHAR_MIN	(-128)
#define SCHAR_MAX	127
#define UCHAR_MAX	255
#ifdef __CHAR_UNSIGNED__
#define CHAR_MIN	0
#define CHAR_MAX	UCHAR_MAX
#else
#define CHAR_MIN	SCHAR_MIN
#define CHAR_MAX	SCHAR_MAX
#endif

#define SHRT_MIN	(-32767 - 1)
#define SHRT_MAX	32767
#define USHRT_MAX	65535

/* The minimums are written as -MAX - 1: the literal 2147483648 alone would not be an int. */
#define INT_MAX		2147483647
#define INT_MIN		(-INT_MAX - 1)
#define UINT_MAX	4294967295U

#define LONG_MAX	2147483647L
#define LONG_MIN	(-LONG_MAX - 1L)
#define ULONG_MAX	4294967295UL

#define LLONG_MAX	9223372036854775807LL
#define LLONG_MIN	(-LLONG_MAX - 1LL)
#define ULLONG_MAX	18446744073709551615ULL

#define SSIZE_MAX	INT_MAX		/* ssize_t is int */
#define LONG_BIT	32
#define WORD_BIT	32
#define MB_LEN_MAX	1		/* the only locale is "C": one byte a character */

#include <abi/limits.h>	/* OPEN_MAX, PATH_MAX, NAME_MAX, PIPE_BUF, ARG_MAX */

/* libcr's threads (pthread/pthread.c) */
#define PTHREAD_KEYS_MAX		128
#define PTHREAD_DESTRUCTOR_ITERATIONS	4
#define PTHREAD_STACK_MIN		8192

/* POSIX.1-2017's minimum maximums: what every conforming system allows at least. */
#define _POSIX_ARG_MAX		4096
#define _POSIX_CHILD_MAX	25
#define _POSIX_NAME_MAX		14
#define _POSIX_NGROUPS_MAX	8
#define _POSIX_OPEN_MAX		20
#define _POSIX_PATH_MAX		256
#define _POSIX_PIPE_BUF		512
#define _POSIX_SSIZE_MAX	32767
#define _POSIX_STREAM_MAX	8
#define _POSIX_THREAD_DESTRUCTOR_ITERATIONS 4
#define _POSIX_THREAD_KEYS_MAX	128
#define _POSIX_THREAD_THREADS_MAX 64
#define _POSIX_CLOCKRES_MIN	20000000	/* nanoseconds */

#define LINE_MAX		2048	/* POSIX's minimum: libcr's tools take lines this long */
#define STREAM_MAX		19	/* <stdio.h>'s FOPEN_MAX streams and the standard three */

#endif
