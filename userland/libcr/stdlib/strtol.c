/*
 * Integers from strings: strtol, strtoul, strtoll, strtoull, and atoi, atol, atoll on top of
 * them; labs and llabs live here with the other number helpers (abs is in start.c).
 *
 * One scanner does the parsing for all four in unsigned long long, told the largest magnitude
 * the caller's type can hold for each sign; the callers only apply the sign. Overflow is found
 * with gcc's overflow builtins instead of dividing a 64-bit limit by the base, so nothing here
 * needs libgcc's 64-bit division on i386.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

/* digit: the value of c as a digit in any base up to 36; 36 or more when it is none. */
static unsigned
digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 36;
}

/*
 * scan: parse [space][sign][0x]digits in base at nptr and answer the magnitude, at most pos_max,
 * or neg_max after a '-' (*neg says which). Past that it answers the limit with *over set and
 * errno = ERANGE. *endptr gets the first unparsed character, or nptr when there were no digits.
 */
static unsigned long long
scan(const char *nptr, char **endptr, int base, unsigned long long pos_max,
    unsigned long long neg_max, int *neg, int *over)
{
	const char *s = nptr;
	unsigned long long acc = 0, max;
	unsigned d;
	int any = 0;

	*neg = 0;
	*over = 0;
	if (base < 0 || base == 1 || base > 36) {
		if (endptr != NULL)
			*endptr = (char *)nptr;
		errno = EINVAL;
		return 0;
	}
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '-' || *s == '+')
		*neg = *s++ == '-';
	/* "0x" is a prefix only when a hex digit follows; in "0xg" the number is the 0 alone. */
	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
	    digit((unsigned char)s[2]) < 16) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = s[0] == '0' ? 8 : 10;
	}
	max = *neg ? neg_max : pos_max;
	for (; (d = digit((unsigned char)*s)) < (unsigned)base; s++) {
		any = 1;
		/* Past the limit, keep consuming digits: endptr must point after all of them. */
		if (*over || __builtin_mul_overflow(acc, (unsigned)base, &acc) ||
		    __builtin_add_overflow(acc, d, &acc) || acc > max)
			*over = 1;
	}
	if (endptr != NULL)
		*endptr = (char *)(any ? s : nptr);
	if (*over) {
		errno = ERANGE;
		return max;
	}
	return acc;
}

/* strtol: a long; LONG_MAX or LONG_MIN with errno = ERANGE when out of range. */
long
strtol(const char *restrict nptr, char **restrict endptr, int base)
{
	int neg, over;
	unsigned long long m = scan(nptr, endptr, base, LONG_MAX, (unsigned long long)LONG_MAX + 1,
	    &neg, &over);

	/* -(m - 1) - 1 reaches LONG_MIN without overflowing a long on the way. */
	return neg && m != 0 ? -(long)(m - 1) - 1 : (long)m;
}

/* strtoul: an unsigned long; a '-' negates it in that type, as C says ("-1" is ULONG_MAX). */
unsigned long
strtoul(const char *restrict nptr, char **restrict endptr, int base)
{
	int neg, over;
	unsigned long long m = scan(nptr, endptr, base, ULONG_MAX, ULONG_MAX, &neg, &over);

	/* An out-of-range magnitude stays ULONG_MAX whatever the sign. */
	return neg && !over ? -(unsigned long)m : (unsigned long)m;
}

/* strtoll: a long long; LLONG_MAX or LLONG_MIN with errno = ERANGE when out of range. */
long long
strtoll(const char *restrict nptr, char **restrict endptr, int base)
{
	int neg, over;
	unsigned long long m = scan(nptr, endptr, base, LLONG_MAX,
	    (unsigned long long)LLONG_MAX + 1, &neg, &over);

	return neg && m != 0 ? -(long long)(m - 1) - 1 : (long long)m;
}

/* strtoull: an unsigned long long; '-' negates as in strtoul. */
unsigned long long
strtoull(const char *restrict nptr, char **restrict endptr, int base)
{
	int neg, over;
	unsigned long long m = scan(nptr, endptr, base, ULLONG_MAX, ULLONG_MAX, &neg, &over);

	return neg && !over ? -m : m;
}

/* atoi: strtol in base 10, cut to an int (the same width on i386). */
int
atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

/* atol: strtol in base 10. */
long
atol(const char *s)
{
	return strtol(s, NULL, 10);
}

/* atoll: strtoll in base 10. */
long long
atoll(const char *s)
{
	return strtoll(s, NULL, 10);
}

/* labs: |v|; LONG_MIN has no positive twin, as for abs. */
long
labs(long v)
{
	return v < 0 ? -v : v;
}

/* llabs: |v| for long long. */
long long
llabs(long long v)
{
	return v < 0 ? -v : v;
}
