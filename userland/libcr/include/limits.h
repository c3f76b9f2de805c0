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

#include <abi/limits.h>	/* OPEN_MAX, PATH_MAX, NAME_MAX */

#endif
