/*
 * Conformance tests of libcr's C library, written from POSIX.1-2017's text of each function
 * (DESCRIPTION, RETURN VALUE, ERRORS) rather than from libcr's code, the way an outside suite
 * (libc-test, the Open POSIX Test Suite) would: <string.h>, <stdlib.h> (strtol family, qsort,
 * bsearch, abs), <stdio.h> (printf conversions, snprintf truncation), <ctype.h>, and the header
 * constants a suite needs to compile (<limits.h>, <errno.h>, <unistd.h>).
 */
#include <sys/ktest.h>
#include <ctype.h>
#include <pthread.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The cases pass what POSIX defines even where gcc's format checker warns (flags it ignores). */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"

static int one_object;

/* FMT: snprintf into a static buffer; the case compares it with what POSIX says it prints. */
static char fbuf[256];
#define FMT(...)	(snprintf(fbuf, sizeof(fbuf), __VA_ARGS__), fbuf)

/* -- <string.h> ---------------------------------------------------------------------------------- */

KTEST(string, strchr_and_strrchr_find_the_terminating_nul)
{
	const char *s = "abcabc";

	/* "The terminating NUL character is considered to be part of the string." */
	KT_EXPECT(strchr(s, '\0') == s + 6);
	KT_EXPECT(strrchr(s, '\0') == s + 6);
	KT_EXPECT(strchr(s, 'c') == s + 2);
	KT_EXPECT(strrchr(s, 'c') == s + 5);
	KT_EXPECT(strchr(s, 'z') == NULL);
	/* c is converted to char: 'a' + 256 is 'a'. */
	KT_EXPECT(strchr(s, 'a' + 256) == s);
}

KTEST(string, comparisons_are_of_unsigned_char)
{
	/* "The sign of a non-zero return value shall be determined by the sign of the difference
	 * between the values of the first pair of bytes (both interpreted as type unsigned char)". */
	KT_EXPECT(strcmp("\x80", "a") > 0);
	KT_EXPECT(strncmp("a\x80", "a\x01", 2) > 0);
	KT_EXPECT(memcmp("\xff", "\x01", 1) > 0);
	KT_EXPECT(strcmp("abc", "abd") < 0);
	KT_EXPECT(strcmp("ab", "abc") < 0);
	KT_EXPECT_EQ(strncmp("abcx", "abcy", 3), 0);
	KT_EXPECT_EQ(strncmp("a", "b", 0), 0);
	KT_EXPECT_EQ(memcmp("a", "b", 0), 0);
}

KTEST(string, strncpy_pads_and_strncat_terminates)
{
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	/* "If the array pointed to by s2 is a string that is shorter than n bytes, null bytes shall
	 * be appended to the copy in the array pointed to by s1, until n bytes in all are written." */
	KT_EXPECT(strncpy(buf, "ab", 6) == buf);
	KT_EXPECT(memcmp(buf, "ab\0\0\0\0xx", 8) == 0);
	/* No NUL when s2 is n bytes or longer. */
	memset(buf, 'x', sizeof(buf));
	strncpy(buf, "abcdef", 3);
	KT_EXPECT(memcmp(buf, "abcxx", 5) == 0);
	/* strncat: at most n bytes, then a terminating NUL "is always appended". */
	strcpy(buf, "ab");
	KT_EXPECT(strncat(buf, "cdefgh", 3) == buf);
	KT_EXPECT(strcmp(buf, "abcde") == 0);
}

KTEST(string, strstr_spn_cspn_and_memchr)
{
	const char *s = "hello world";

	/* "If s2 points to a string with zero length, the function shall return s1." */
	KT_EXPECT(strstr(s, "") == s);
	KT_EXPECT(strstr(s, "wor") == s + 6);
	KT_EXPECT(strstr(s, "worlds") == NULL);
	KT_EXPECT(strstr("aaab", "aab") != NULL);
	KT_EXPECT_EQ(strspn(s, "hel"), 4u);
	KT_EXPECT_EQ(strspn(s, ""), 0u);
	KT_EXPECT_EQ(strcspn(s, " "), 5u);
	KT_EXPECT_EQ(strcspn(s, ""), 11u);
	/* memchr converts c to unsigned char and does not stop at a NUL. */
	KT_EXPECT(memchr("a\0b", 'b', 3) != NULL);
	KT_EXPECT(memchr("\xff", 0xff, 1) != NULL);
	KT_EXPECT(memchr("\xff", -1, 1) != NULL);
	KT_EXPECT(memchr("abc", 'c', 2) == NULL);
}

KTEST(string, memmove_overlaps_and_memset_converts)
{
	char buf[16] = "0123456789";

	KT_EXPECT(memmove(buf + 2, buf, 5) == buf + 2);
	KT_EXPECT(memcmp(buf, "0101234789", 10) == 0);
	strcpy(buf, "0123456789");
	memmove(buf, buf + 2, 5);
	KT_EXPECT(memcmp(buf, "2345656789", 10) == 0);
	/* memset: "copies c (converted to an unsigned char)". */
	KT_EXPECT(memset(buf, 0x141, 3) == buf);
	KT_EXPECT(memcmp(buf, "AAA", 3) == 0);
	KT_EXPECT_EQ(strlen(""), 0u);
	KT_EXPECT_EQ(strnlen("abc", 2), 2u);
	KT_EXPECT_EQ(strnlen("abc", 10), 3u);
}

KTEST(string, strerror_names_each_errno)
{
	/* Every errno value <errno.h> names has a message, distinct from an unknown number's. */
	static const int names[] = { EPERM, ENOENT, ESRCH, EINTR, EIO, E2BIG, ENOEXEC, EBADF,
		ECHILD, EAGAIN, ENOMEM, EACCES, EFAULT, EBUSY, EEXIST, ENOTDIR, EISDIR, EINVAL,
		EMFILE, ENOTTY, ENOSPC, ESPIPE, EROFS, EPIPE, ERANGE, EDEADLK, ENAMETOOLONG, ENOSYS,
		ENOTEMPTY, ENOTSUP, ETIMEDOUT, EALREADY, ECANCELED };

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *m = strerror(names[i]);
		KT_EXPECT(m != NULL && m[0] != '\0');
		for (unsigned j = 0; j < i; j++)
			KT_EXPECT(names[i] != names[j]);
	}
	KT_EXPECT(strerror(12345) != NULL);
	/* EAGAIN and EWOULDBLOCK, ENOTSUP and EOPNOTSUPP "may be the same". */
	KT_EXPECT_EQ(EWOULDBLOCK, EAGAIN);
}

/* -- <stdlib.h>: the strtol family --------------------------------------------------------------- */

KTEST(strtol, subject_sequence_and_endptr)
{
	char *end;
	const char *s;

	s = "  \t\n-42xyz";
	KT_EXPECT_EQ(strtol(s, &end, 10), -42);
	KT_EXPECT(end == s + 7);
	s = "+17";
	KT_EXPECT_EQ(strtol(s, &end, 0), 17);
	KT_EXPECT(end == s + 3);
	/* "If the subject sequence is empty or does not have the expected form, no conversion is
	 * performed; the value of str is stored in the object pointed to by endptr". */
	s = "   xyz";
	KT_EXPECT_EQ(strtol(s, &end, 10), 0);
	KT_EXPECT(end == s);
	s = "";
	KT_EXPECT_EQ(strtol(s, &end, 10), 0);
	KT_EXPECT(end == s);
	s = "-";
	KT_EXPECT_EQ(strtol(s, &end, 10), 0);
	KT_EXPECT(end == s);
	/* "0x" with nothing after: the subject is "0", endptr points at the 'x'. */
	s = "0x";
	KT_EXPECT_EQ(strtol(s, &end, 16), 0);
	KT_EXPECT(end == s + 1);
	s = "0xg";
	KT_EXPECT_EQ(strtol(s, &end, 0), 0);
	KT_EXPECT(end == s + 1);
	s = "-0x1A";
	KT_EXPECT_EQ(strtol(s, &end, 16), -26);
	KT_EXPECT(end == s + 5);
	/* base 0: octal after a leading 0, hex after 0x or 0X. */
	KT_EXPECT_EQ(strtol("010", NULL, 0), 8);
	KT_EXPECT_EQ(strtol("0X1f", NULL, 0), 31);
	KT_EXPECT_EQ(strtol("019", &end, 0), 1);
	KT_EXPECT_EQ(strtol("zz", NULL, 36), 35 * 36 + 35);
	KT_EXPECT_EQ(strtol("ZZ", NULL, 36), 35 * 36 + 35);
	KT_EXPECT_EQ(strtol("12", NULL, 2), 1);
}

KTEST(strtol, range_errors_clamp_and_set_erange)
{
	char *end;

	errno = 0;
	KT_EXPECT_EQ(strtol("2147483647", NULL, 10), LONG_MAX);
	KT_EXPECT_EQ(errno, 0);
	KT_EXPECT_EQ(strtol("-2147483648", NULL, 10), LONG_MIN);
	KT_EXPECT_EQ(errno, 0);
	/* "If the correct value is outside the range of representable values, {LONG_MIN} or
	 * {LONG_MAX} shall be returned ... and errno set to [ERANGE]". endptr still after all digits. */
	const char *s = "2147483648abc";
	KT_EXPECT_EQ(strtol(s, &end, 10), LONG_MAX);
	KT_EXPECT_EQ(errno, ERANGE);
	KT_EXPECT(end == s + 10);
	errno = 0;
	KT_EXPECT_EQ(strtol("-2147483649", NULL, 10), LONG_MIN);
	KT_EXPECT_EQ(errno, ERANGE);
	errno = 0;
	KT_EXPECT_EQ(strtol("99999999999999999999999999", NULL, 10), LONG_MAX);
	KT_EXPECT_EQ(errno, ERANGE);
	errno = 0;
	KT_EXPECT(strtoll("9223372036854775807", NULL, 10) == LLONG_MAX);
	KT_EXPECT_EQ(errno, 0);
	KT_EXPECT(strtoll("-9223372036854775808", NULL, 10) == LLONG_MIN);
	KT_EXPECT_EQ(errno, 0);
	KT_EXPECT(strtoll("9223372036854775808", NULL, 10) == LLONG_MAX);
	KT_EXPECT_EQ(errno, ERANGE);
	errno = 0;
	KT_EXPECT(strtoll("-9223372036854775809", NULL, 10) == LLONG_MIN);
	KT_EXPECT_EQ(errno, ERANGE);
}

KTEST(strtol, unsigned_negation_and_limits)
{
	/* strtoul: "If the subject sequence begins with a <hyphen-minus>, the value resulting from
	 * the conversion shall be negated" in the return type. */
	errno = 0;
	KT_EXPECT_EQ(strtoul("-1", NULL, 10), ULONG_MAX);
	KT_EXPECT_EQ(errno, 0);
	KT_EXPECT_EQ(strtoul("4294967295", NULL, 10), ULONG_MAX);
	KT_EXPECT_EQ(errno, 0);
	KT_EXPECT_EQ(strtoul("4294967296", NULL, 10), ULONG_MAX);
	KT_EXPECT_EQ(errno, ERANGE);
	errno = 0;
	KT_EXPECT(strtoull("18446744073709551615", NULL, 10) == ULLONG_MAX);
	KT_EXPECT_EQ(errno, 0);
	KT_EXPECT(strtoull("18446744073709551616", NULL, 0) == ULLONG_MAX);
	KT_EXPECT_EQ(errno, ERANGE);
	errno = 0;
	KT_EXPECT(strtoull("0xffffffffffffffff", NULL, 0) == ULLONG_MAX);
	KT_EXPECT_EQ(errno, 0);
}

KTEST(strtol, an_unsupported_base_is_einval)
{
	char *end = NULL;
	const char *s = "10";

	/* ERRORS: "[EINVAL] The value of base is not supported." (may fail; libcr does) and
	 * "no conversion is performed": 0, and endptr = str. */
	errno = 0;
	KT_EXPECT_EQ(strtol(s, &end, 1), 0);
	KT_EXPECT_EQ(errno, EINVAL);
	KT_EXPECT(end == s);
	errno = 0;
	KT_EXPECT_EQ(strtoul(s, &end, 37), 0u);
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT_EQ(strtol(s, &end, -1), 0);
	KT_EXPECT_EQ(errno, EINVAL);
}

KTEST(stdlib, atoi_abs_and_friends)
{
	KT_EXPECT_EQ(atoi("  -123abc"), -123);
	KT_EXPECT_EQ(atoi("+7"), 7);
	KT_EXPECT_EQ(atol("42"), 42);
	KT_EXPECT(atoll("-9000000000") == -9000000000LL);
	KT_EXPECT_EQ(abs(-5), 5);
	KT_EXPECT_EQ(abs(INT_MAX), INT_MAX);
	KT_EXPECT_EQ(labs(-7L), 7L);
	KT_EXPECT(llabs(-8000000000LL) == 8000000000LL);
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

struct big { int key; char pad[61]; };

static int
cmp_big(const void *a, const void *b)
{
	return cmp_int(&((const struct big *)a)->key, &((const struct big *)b)->key);
}

KTEST(stdlib, qsort_sorts_any_size_and_count)
{
	int v[200], one = 5;
	static struct big bigs[50];
	unsigned seed = 12345;

	/* nel 0: "the comparison function ... shall not be called"; base may be anything. */
	qsort(NULL, 0, sizeof(int), cmp_int);
	qsort(&one, 1, sizeof(int), cmp_int);
	KT_EXPECT_EQ(one, 5);
	for (int i = 0; i < 200; i++) {
		seed = seed * 1103515245 + 12345;
		v[i] = (int)(seed >> 8) % 50 - 25;	/* many duplicates, negatives */
	}
	qsort(v, 200, sizeof(int), cmp_int);
	for (int i = 1; i < 200; i++)
		KT_EXPECT(v[i - 1] <= v[i]);
	for (int i = 0; i < 50; i++) {
		bigs[i].key = 50 - i;
		memset(bigs[i].pad, bigs[i].key, sizeof(bigs[i].pad));
	}
	qsort(bigs, 50, sizeof(struct big), cmp_big);
	for (int i = 0; i < 50; i++) {
		KT_EXPECT_EQ(bigs[i].key, i + 1);
		KT_EXPECT_EQ(bigs[i].pad[60], (char)(i + 1));
	}
	/* already sorted and reversed inputs */
	for (int i = 0; i < 200; i++)
		v[i] = 200 - i;
	qsort(v, 200, sizeof(int), cmp_int);
	for (int i = 0; i < 200; i++)
		KT_EXPECT_EQ(v[i], i + 1);
}

KTEST(stdlib, bsearch_finds_or_answers_null)
{
	int v[] = { 1, 3, 5, 7, 9, 11 }, k;

	for (int i = 0; i < 6; i++) {
		k = v[i];
		KT_EXPECT(bsearch(&k, v, 6, sizeof(int), cmp_int) == &v[i]);
	}
	k = 4;
	KT_EXPECT(bsearch(&k, v, 6, sizeof(int), cmp_int) == NULL);
	k = 0;
	KT_EXPECT(bsearch(&k, v, 6, sizeof(int), cmp_int) == NULL);
	k = 12;
	KT_EXPECT(bsearch(&k, v, 6, sizeof(int), cmp_int) == NULL);
	KT_EXPECT(bsearch(&k, v, 0, sizeof(int), cmp_int) == NULL);
}

KTEST(stdlib, setenv_getenv_unsetenv)
{
	/* setenv: "[EINVAL] The envname argument points to an empty string or points to a string
	 * containing an '=' character." */
	errno = 0;
	KT_EXPECT_EQ(setenv("", "x", 1), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT_EQ(setenv("A=B", "x", 1), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	KT_EXPECT_EQ(setenv("CONFORM_V", "one", 1), 0);
	KT_EXPECT(getenv("CONFORM_V") && strcmp(getenv("CONFORM_V"), "one") == 0);
	KT_EXPECT_EQ(setenv("CONFORM_V", "two", 0), 0);
	KT_EXPECT(strcmp(getenv("CONFORM_V"), "one") == 0);
	KT_EXPECT_EQ(setenv("CONFORM_V", "", 1), 0);
	KT_EXPECT(getenv("CONFORM_V") && getenv("CONFORM_V")[0] == '\0');
	KT_EXPECT(getenv("CONFORM_") == NULL);
	KT_EXPECT_EQ(unsetenv("CONFORM_V"), 0);
	KT_EXPECT(getenv("CONFORM_V") == NULL);
	KT_EXPECT_EQ(unsetenv("CONFORM_NEVER"), 0);
	errno = 0;
	KT_EXPECT_EQ(unsetenv("A=B"), -1);
	KT_EXPECT_EQ(errno, EINVAL);
}

/* -- <stdio.h>: formatting ----------------------------------------------------------------------- */

KTEST(printf, integer_conversions_and_flags)
{
	KT_EXPECT(strcmp(FMT("%d|%i|%u", -1, 42, 3000000000u), "-1|42|3000000000") == 0);
	KT_EXPECT(strcmp(FMT("%5d|%-5d|%05d", 42, 42, -42), "   42|42   |-0042") == 0);
	KT_EXPECT(strcmp(FMT("%+d|% d|%+d|% d", 5, 5, -5, -5), "+5| 5|-5|-5") == 0);
	/* "+" overrides " " */
	KT_EXPECT(strcmp(FMT("%+ d", 5), "+5") == 0);
	/* "-" overrides "0"; a precision makes "0" ignored for d, i, o, u, x, X */
	KT_EXPECT(strcmp(FMT("%-05d|", 7), "7    |") == 0);
	KT_EXPECT(strcmp(FMT("%05.3d", 7), "  007") == 0);
	/* "The result of converting zero with an explicit precision of zero shall be no characters." */
	KT_EXPECT(strcmp(FMT("[%.0d][%.0x][%.0u]", 0, 0, 0), "[][][]") == 0);
	KT_EXPECT(strcmp(FMT("[%5.0d]", 0), "[     ]") == 0);
	/* "#" with o: the first digit shall be zero (0 prints "0"); with x a nonzero value gets 0x */
	KT_EXPECT(strcmp(FMT("%#o|%#o|%#x|%#X|%#x", 8, 0, 255, 255, 0), "010|0|0xff|0XFF|0") == 0);
	KT_EXPECT(strcmp(FMT("%#.3o", 8), "010") == 0);
	KT_EXPECT(strcmp(FMT("%#08x", 255), "0x0000ff") == 0);
	KT_EXPECT(strcmp(FMT("%x|%X|%o", 0xdeadbeefu, 0xabcu, 511), "deadbeef|ABC|777") == 0);
	KT_EXPECT(strcmp(FMT("%d", INT_MIN), "-2147483648") == 0);
}

KTEST(printf, length_modifiers)
{
	KT_EXPECT(strcmp(FMT("%ld|%lu", LONG_MIN, ULONG_MAX), "-2147483648|4294967295") == 0);
	KT_EXPECT(strcmp(FMT("%lld|%llu", LLONG_MIN, ULLONG_MAX),
	    "-9223372036854775808|18446744073709551615") == 0);
	KT_EXPECT(strcmp(FMT("%llx|%llo", 0x123456789abcdefULL, 01777777777777777777777ULL),
	    "123456789abcdef|1777777777777777777777") == 0);
	/* hh and h: "the argument will have been promoted ... but its value shall be converted to
	 * signed char / short before printing". */
	KT_EXPECT(strcmp(FMT("%hhd|%hhu|%hd|%hu", 255, 257, 65535, 65537), "-1|1|-1|1") == 0);
	KT_EXPECT(strcmp(FMT("%zu|%zd", (size_t)4000000000u, (ssize_t)-3), "4000000000|-3") == 0);
	KT_EXPECT(strcmp(FMT("%jd|%ju", (intmax_t)-1, (uintmax_t)ULLONG_MAX),
	    "-1|18446744073709551615") == 0);
	KT_EXPECT(strcmp(FMT("%td", (ptrdiff_t)-9), "-9") == 0);
}

KTEST(printf, strings_characters_width_and_precision)
{
	KT_EXPECT(strcmp(FMT("[%s]", ""), "[]") == 0);
	KT_EXPECT(strcmp(FMT("[%5s][%-5s]", "ab", "ab"), "[   ab][ab   ]") == 0);
	/* precision: the maximum bytes written; the array need not be NUL-terminated then */
	static const char unterminated[3] = { 'x', 'y', 'z' };
	KT_EXPECT(strcmp(FMT("[%.2s][%5.1s][%.0s]", "abc", "abc", "abc"), "[ab][    a][]") == 0);
	KT_EXPECT(strcmp(FMT("[%.3s]", unterminated), "[xyz]") == 0);
	KT_EXPECT(strcmp(FMT("[%c][%3c][%-3c]", 'a', 'b', 'c'), "[a][  b][c  ]") == 0);
	/* "*": width and precision from the arguments; a negative width is "-" and a positive
	 * width, a negative precision "as if the precision were omitted". */
	KT_EXPECT(strcmp(FMT("[%*d][%*d][%.*d][%.*s]", 4, 1, -4, 1, 3, 1, -1, "abc"),
	    "[   1][1   ][001][abc]") == 0);
	KT_EXPECT(strcmp(FMT("%%|%5%|"), "%|%|") == 0 || strcmp(fbuf, "%|    %|") == 0);
	/* %c of 0 writes a NUL byte: snprintf counts it */
	KT_EXPECT_EQ(snprintf(fbuf, sizeof(fbuf), "a%cb", 0), 3);
	KT_EXPECT(fbuf[0] == 'a' && fbuf[1] == '\0' && fbuf[2] == 'b');
	/* %p: implementation-defined, but not empty, and round-trips nothing here: just nonempty */
	KT_EXPECT(FMT("%p", (void *)&one_object)[0] != '\0');
}

KTEST(printf, n_stores_the_count_so_far)
{
	int n = -1;
	long ln = -1;
	signed char hn = -1;

	KT_EXPECT_EQ(snprintf(fbuf, sizeof(fbuf), "abc%ndef%ln%hhn", &n, &ln, &hn), 6);
	KT_EXPECT_EQ(n, 3);
	KT_EXPECT_EQ(ln, 6L);
	KT_EXPECT_EQ(hn, 6);
}

KTEST(snprintf, truncates_terminates_and_answers_the_full_length)
{
	char buf[8];

	/* "the number of bytes that would be written to s had n been sufficiently large excluding
	 * the terminating null byte"; "output bytes beyond the n-1st shall be discarded instead of
	 * being written to the array, and a null byte is written at the end". */
	memset(buf, 'x', sizeof(buf));
	KT_EXPECT_EQ(snprintf(buf, 4, "%s", "abcdefgh"), 8);
	KT_EXPECT(memcmp(buf, "abc\0xxxx", 8) == 0);
	memset(buf, 'x', sizeof(buf));
	KT_EXPECT_EQ(snprintf(buf, 1, "%d", 12345), 5);
	KT_EXPECT_EQ(buf[0], '\0');
	KT_EXPECT_EQ(buf[1], 'x');
	/* "If the value of n is zero ... nothing shall be written ... and s may be a null pointer." */
	KT_EXPECT_EQ(snprintf(NULL, 0, "%d-%s", 42, "xyz"), 6);
	memset(buf, 'x', sizeof(buf));
	KT_EXPECT_EQ(snprintf(buf, 0, "abc"), 3);
	KT_EXPECT_EQ(buf[0], 'x');
	KT_EXPECT_EQ(snprintf(buf, sizeof(buf), "%s", ""), 0);
	KT_EXPECT_EQ(buf[0], '\0');
	KT_EXPECT_EQ(snprintf(buf, sizeof(buf), "1234567"), 7);
	KT_EXPECT(strcmp(buf, "1234567") == 0);
}

/* -- <ctype.h> ----------------------------------------------------------------------------------- */

KTEST(ctype, classes_over_the_whole_domain)
{
	/* "The c argument is an int, the value of which ... shall be representable as an unsigned
	 * char or shall equal the value of the macro EOF." Every class is false for EOF. */
	KT_EXPECT(!isalpha(EOF) && !isdigit(EOF) && !isspace(EOF) && !isprint(EOF));
	for (int c = 0; c < 256; c++) {
		int upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z';
		int digit = c >= '0' && c <= '9';
		KT_EXPECT_EQ(!!isupper(c), upper);
		KT_EXPECT_EQ(!!islower(c), lower);
		KT_EXPECT_EQ(!!isdigit(c), digit);
		KT_EXPECT_EQ(!!isalpha(c), upper || lower);
		KT_EXPECT_EQ(!!isalnum(c), upper || lower || digit);
		KT_EXPECT_EQ(!!isxdigit(c), digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
		KT_EXPECT_EQ(!!isspace(c), c == ' ' || (c >= '\t' && c <= '\r'));
		KT_EXPECT_EQ(!!isprint(c), c >= 0x20 && c < 0x7f);
		KT_EXPECT_EQ(!!iscntrl(c), c < 0x20 || c == 0x7f);
		KT_EXPECT_EQ(!!ispunct(c), c > 0x20 && c < 0x7f && !(upper || lower || digit));
		KT_EXPECT_EQ(toupper(c), lower ? c - 32 : c);
		KT_EXPECT_EQ(tolower(c), upper ? c + 32 : c);
	}
	KT_EXPECT_EQ(toupper(EOF), EOF);
}

/* -- header constants ---------------------------------------------------------------------------- */

KTEST(headers, limits_and_unistd_constants)
{
	/* <limits.h>: the minimum maxima POSIX requires, and values at least those. */
	KT_EXPECT(_POSIX_OPEN_MAX == 20 && OPEN_MAX >= _POSIX_OPEN_MAX);
	KT_EXPECT(_POSIX_PATH_MAX == 256 && PATH_MAX >= _POSIX_PATH_MAX);
	KT_EXPECT(_POSIX_NAME_MAX == 14 && NAME_MAX >= _POSIX_NAME_MAX);
	KT_EXPECT(_POSIX_PIPE_BUF == 512 && PIPE_BUF >= _POSIX_PIPE_BUF);
	KT_EXPECT(_POSIX_SSIZE_MAX == 32767 && SSIZE_MAX == INT_MAX);
	KT_EXPECT(_POSIX_ARG_MAX == 4096 && _POSIX_CHILD_MAX == 25);
	KT_EXPECT(LONG_BIT == 32 && WORD_BIT == 32 && MB_LEN_MAX >= 1);
	KT_EXPECT(_POSIX_THREAD_KEYS_MAX == 128 && PTHREAD_KEYS_MAX >= _POSIX_THREAD_KEYS_MAX);
	KT_EXPECT(_POSIX_THREAD_DESTRUCTOR_ITERATIONS == 4
	    && PTHREAD_DESTRUCTOR_ITERATIONS >= _POSIX_THREAD_DESTRUCTOR_ITERATIONS);
	KT_EXPECT(PTHREAD_STACK_MIN > 0);
	/* <unistd.h> */
	KT_EXPECT(_POSIX_VERSION == 200809L);
	KT_EXPECT(STDIN_FILENO == 0 && STDOUT_FILENO == 1 && STDERR_FILENO == 2);
	KT_EXPECT(F_OK == 0 && R_OK == 4 && W_OK == 2 && X_OK == 1);
	KT_EXPECT(_POSIX_THREADS > 0);
	/* sysconf: the runtime values agree with the limits; an unknown name is EINVAL. */
	KT_EXPECT_EQ(sysconf(_SC_OPEN_MAX), (long)OPEN_MAX);
	KT_EXPECT_EQ(sysconf(_SC_PAGESIZE), 4096L);
	KT_EXPECT_EQ(sysconf(_SC_PAGE_SIZE), 4096L);
	KT_EXPECT(sysconf(_SC_ARG_MAX) >= _POSIX_ARG_MAX);
	KT_EXPECT(sysconf(_SC_CHILD_MAX) >= _POSIX_CHILD_MAX || sysconf(_SC_CHILD_MAX) == -1);
	KT_EXPECT(sysconf(_SC_CLK_TCK) > 0);
	KT_EXPECT_EQ(sysconf(_SC_VERSION), 200809L);
	KT_EXPECT_EQ(sysconf(_SC_THREAD_KEYS_MAX), (long)PTHREAD_KEYS_MAX);
	errno = 0;
	KT_EXPECT_EQ(sysconf(-1), -1L);
	KT_EXPECT_EQ(errno, EINVAL);
}

KTEST(string, strdup_strtok_and_strerror_r)
{
	char *d = strdup("hello"), *n = strndup("hello", 3), *state = NULL, *t;
	char text[] = ",,a,bb;;c,", buf[8];

	KT_ASSERT(d != NULL && n != NULL);
	KT_EXPECT(strcmp(d, "hello") == 0 && strcmp(n, "hel") == 0);
	free(d);
	free(n);
	/* strtok_r: tokens between separators, leading and trailing separators skipped */
	t = strtok_r(text, ",;", &state);
	KT_EXPECT(t && strcmp(t, "a") == 0);
	t = strtok_r(NULL, ",;", &state);
	KT_EXPECT(t && strcmp(t, "bb") == 0);
	t = strtok_r(NULL, ",;", &state);
	KT_EXPECT(t && strcmp(t, "c") == 0);
	KT_EXPECT(strtok_r(NULL, ",;", &state) == NULL);
	KT_EXPECT(strpbrk("abcd", "dc") != NULL && *strpbrk("abcd", "dc") == 'c');
	KT_EXPECT(strpbrk("abcd", "xy") == NULL);
	/* strerror_r: "[ERANGE] Insufficient storage was supplied" */
	KT_EXPECT_EQ(strerror_r(ENOENT, fbuf, sizeof(fbuf)), 0);
	KT_EXPECT(strcmp(fbuf, strerror(ENOENT)) == 0);
	KT_EXPECT_EQ(strerror_r(ENOENT, buf, sizeof(buf)), ERANGE);
	KT_EXPECT_EQ(strerror_r(99999, fbuf, sizeof(fbuf)), EINVAL);
	char *e = stpcpy(buf, "abc");
	KT_EXPECT(e == buf + 3 && *e == '\0');
}

/* -- what a suite compiles against: types and macros of the POSIX headers ------------------------- */

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>

KTEST(headers, types_and_macros_a_suite_uses)
{
	/* <sys/types.h>: the types are there and of sensible signedness */
	KT_EXPECT((pid_t)-1 < 0 && (ssize_t)-1 < 0 && (off_t)-1 < 0 && (time_t)-1 < 0);
	KT_EXPECT((suseconds_t)-1 < 0 && (blkcnt_t)-1 < 0 && (clock_t)-1 < 0);
	KT_EXPECT((mode_t)-1 > 0 && (uid_t)-1 > 0 && (gid_t)-1 > 0 && (useconds_t)-1 > 0);
	KT_EXPECT(sizeof(id_t) >= sizeof(pid_t) && sizeof(off_t) == 8);
	KT_EXPECT(sizeof(dev_t) && sizeof(ino_t) && sizeof(nlink_t) && sizeof(blksize_t) &&
	    sizeof(clockid_t) && sizeof(key_t));
	/* <fcntl.h> */
	KT_EXPECT((O_RDONLY | O_WRONLY | O_RDWR) == O_ACCMODE || (O_RDWR & O_ACCMODE) == O_RDWR);
	KT_EXPECT(O_CREAT && O_EXCL && O_TRUNC && O_APPEND && O_NOCTTY && O_DIRECTORY);
	KT_EXPECT(SEEK_SET == 0 && SEEK_CUR == 1 && SEEK_END == 2);
	/* <sys/stat.h>: each S_IS* macro is true for its own type only */
	static const mode_t types[] = { S_IFIFO, S_IFCHR, S_IFDIR, S_IFBLK, S_IFREG, S_IFLNK,
		S_IFSOCK };
	for (unsigned i = 0; i < 7; i++) {
		mode_t m = types[i] | 0755;
		KT_EXPECT_EQ(S_ISFIFO(m) + S_ISCHR(m) + S_ISDIR(m) + S_ISBLK(m) + S_ISREG(m) +
		    S_ISLNK(m) + S_ISSOCK(m), 1);
		KT_EXPECT_EQ(m & S_IFMT, types[i]);
	}
	KT_EXPECT_EQ(S_IRWXU, S_IRUSR | S_IWUSR | S_IXUSR);
	KT_EXPECT_EQ(S_IRWXG, S_IRGRP | S_IWGRP | S_IXGRP);
	KT_EXPECT_EQ(S_IRWXO, S_IROTH | S_IWOTH | S_IXOTH);
	KT_EXPECT(S_ISUID && S_ISGID && S_ISVTX);
	/* <sys/wait.h>: the macros decode what exit and a signal make (the customary encoding) */
	KT_EXPECT(WNOHANG && WUNTRACED);
	int exited = 42 << 8, killed = SIGKILL;
	KT_EXPECT(WIFEXITED(exited) && WEXITSTATUS(exited) == 42 && !WIFSIGNALED(exited));
	KT_EXPECT(WIFSIGNALED(killed) && WTERMSIG(killed) == SIGKILL && !WIFEXITED(killed));
	KT_EXPECT(!WIFSTOPPED(exited) && !WIFSTOPPED(killed));
	/* <poll.h>, <sys/select.h>, <time.h>, <dirent.h> */
	KT_EXPECT(POLLIN && POLLOUT && POLLERR && POLLHUP && POLLNVAL && POLLPRI);
	KT_EXPECT(POLLRDNORM && POLLWRNORM);
	KT_EXPECT(FD_SETSIZE >= OPEN_MAX);
	fd_set s;
	FD_ZERO(&s);
	FD_SET(FD_SETSIZE - 1, &s);
	KT_EXPECT(FD_ISSET(FD_SETSIZE - 1, &s) && !FD_ISSET(0, &s));
	FD_CLR(FD_SETSIZE - 1, &s);
	KT_EXPECT(!FD_ISSET(FD_SETSIZE - 1, &s));
	KT_EXPECT(CLOCK_REALTIME != CLOCK_MONOTONIC);
	struct dirent d;
	KT_EXPECT(sizeof(d.d_name) >= NAME_MAX + 1 && sizeof(d.d_ino));
	/* <stdio.h>, <stdlib.h> */
	KT_EXPECT(EOF < 0 && BUFSIZ >= 256 && FOPEN_MAX >= 8 && FILENAME_MAX > 0);
	KT_EXPECT(EXIT_SUCCESS == 0 && EXIT_FAILURE != 0);
	KT_EXPECT(_IOFBF != _IOLBF && _IOLBF != _IONBF);
}
