/*
 * KTAP tests of libcr's stdlib in ring 3: the heap on the real sbrk, strtol, qsort, bsearch,
 * the environment and ctype. The host tests (tests/unit/test_libcr_stdlib_host.py) go deep;
 * these check that the same code works on the kernel's sbrk and paging.
 */
#include <sys/ktest.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned
pattern(unsigned seed, size_t i)
{
	return (unsigned char)(seed + i * 7 + (i >> 8));
}

static void
fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = pattern(seed, i);
}

/* intact: p[0..n) still holds the pattern fill() wrote. */
static int
intact(const unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != pattern(seed, i))
			return 0;
	return 1;
}

static uint32_t rng = 12345;

static uint32_t
rnd(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

KTEST(malloc, aligned_distinct_and_usable)
{
	unsigned char *p[64];
	int ok_align = 1, ok_data = 1;

	for (int i = 0; i < 64; i++) {
		p[i] = malloc(i * 37);
		KT_EXPECT(p[i] != NULL);
		if (p[i] == NULL)
			return;
		ok_align &= ((uintptr_t)p[i] & 15) == 0;
		fill(p[i], i * 37, i);
	}
	for (int i = 0; i < 64; i++) {
		ok_data &= intact(p[i], i * 37, i);
		free(p[i]);
	}
	KT_EXPECT(ok_align);
	KT_EXPECT(ok_data);
	p[0] = malloc(0);
	p[1] = malloc(0);
	KT_EXPECT(p[0] != NULL && p[1] != NULL && p[0] != p[1]);
	free(p[0]);
	free(p[1]);
	free(NULL);
}

KTEST(malloc, random_churn_coalesces_back)
{
	enum { N = 200 };
	unsigned char *p[N] = { 0 };
	size_t n[N] = { 0 };
	struct malloc_stats before, after;
	int ok = 1;

	malloc_stats(&before);
	for (int op = 0; op < 20000 && ok; op++) {
		int i = rnd() % N;
		size_t size = rnd() % 100 < 90 ? rnd() % 300 : rnd() % 40000;

		if (p[i] == NULL) {
			p[i] = malloc(size);
			n[i] = size;
		} else if (rnd() % 2) {
			ok &= intact(p[i], n[i], i);
			free(p[i]);
			p[i] = NULL;
			continue;
		} else {
			unsigned char *q = realloc(p[i], size);

			ok &= q != NULL && intact(q, size < n[i] ? size : n[i], i);
			p[i] = q;
			n[i] = size;
		}
		ok &= p[i] != NULL && ((uintptr_t)p[i] & 15) == 0;
		if (p[i] != NULL)
			fill(p[i], n[i], i);
	}
	KT_EXPECT(ok);
	for (int i = 0; i < N; i++) {
		if (p[i] != NULL) {
			KT_EXPECT(intact(p[i], n[i], i));
			free(p[i]);
		}
	}
	malloc_stats(&after);
	KT_EXPECT_EQ(after.ms_in_use, before.ms_in_use);
	KT_EXPECT_EQ(after.ms_in_use + after.ms_free + after.ms_foreign, after.ms_heap);
	/* With nothing else allocated, everything merged back into one free block. */
	if (before.ms_in_use == 0) {
		KT_EXPECT_EQ(after.ms_free_blocks, 1);
		KT_EXPECT_EQ(after.ms_free, after.ms_heap);
	}
}

KTEST(malloc, realloc_keeps_contents)
{
	unsigned char *p = malloc(10), *q;
	size_t n = 10;

	KT_EXPECT(p != NULL);
	if (p == NULL)
		return;
	fill(p, n, 7);
	for (size_t size = 20; size <= 200000; size *= 3) {
		q = realloc(p, size);
		KT_EXPECT(q != NULL && intact(q, n, 7));
		if (q == NULL)
			break;
		p = q;
		n = size;
		fill(p, n, 7);
	}
	q = realloc(p, 5);
	KT_EXPECT(q == p && intact(q, 5, 7));	/* shrinking stays in place */
	free(q);
}

KTEST(malloc, calloc_zeroes_and_checks_overflow)
{
	unsigned char *p = malloc(4000), *q;
	int zero = 1;

	memset(p, 0xff, 4000);
	free(p);
	q = calloc(40, 100);
	KT_EXPECT(q != NULL);
	for (int i = 0; q != NULL && i < 4000; i++)
		zero &= q[i] == 0;
	KT_EXPECT(zero);
	free(q);
	errno = 0;
	KT_EXPECT(calloc(SIZE_MAX / 2 + 1, 2) == NULL);
	KT_EXPECT_EQ(errno, ENOMEM);
	errno = 0;
	KT_EXPECT(malloc(SIZE_MAX - 4) == NULL);
	KT_EXPECT_EQ(errno, ENOMEM);
}

KTEST(malloc, big_block_goes_back_to_the_kernel)
{
	char *before = sbrk(0), *p;

	p = malloc(1 << 20);
	KT_EXPECT(p != NULL);
	if (p == NULL)
		return;
	for (int i = 0; i < (1 << 20); i += 4096)	/* every page is really there */
		p[i] = (char)i;
	KT_EXPECT((char *)sbrk(0) >= before + (1 << 19));
	free(p);
	KT_EXPECT((char *)sbrk(0) < before + 256 * 1024);
}

KTEST(stdlib, strtol_family)
{
	char *end;

	errno = 0;
	KT_EXPECT_EQ(strtol("  -0x1fz", &end, 0), -31);
	KT_EXPECT_EQ(*end, 'z');
	KT_EXPECT_EQ(strtol("0777", NULL, 0), 511);
	KT_EXPECT_EQ(strtol("zz", NULL, 36), 1295);
	KT_EXPECT_EQ(errno, 0);
	KT_EXPECT_EQ(strtol("2147483648", &end, 10), LONG_MAX);
	KT_EXPECT_EQ(errno, ERANGE);
	KT_EXPECT_EQ(*end, '\0');
	errno = 0;
	KT_EXPECT_EQ(strtol("-2147483649", NULL, 10), LONG_MIN);
	KT_EXPECT_EQ(errno, ERANGE);
	errno = 0;
	KT_EXPECT(strtoul("-1", NULL, 10) == ULONG_MAX);
	KT_EXPECT(strtoull("18446744073709551615", NULL, 10) == ULLONG_MAX);
	KT_EXPECT(strtoll("-9223372036854775808", NULL, 10) == LLONG_MIN);
	KT_EXPECT_EQ(errno, 0);
	KT_EXPECT_EQ(strtol("xyz", &end, 10), 0);
	KT_EXPECT(end != NULL && strcmp(end, "xyz") == 0);
	KT_EXPECT_EQ(atoi("  42abc"), 42);
	KT_EXPECT_EQ(atol("-7"), -7);
	KT_EXPECT_EQ(labs(-5L), 5);
}

static int ncmp;

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	ncmp++;
	return (x > y) - (x < y);
}

KTEST(stdlib, qsort_and_bsearch)
{
	static int v[2000];
	long long sum = 0, sorted_sum = 0;
	int ok = 1;

	for (int i = 0; i < 2000; i++) {
		v[i] = (int)(rnd() % 1000) - 500;
		sum += v[i];
	}
	qsort(v, 2000, sizeof(int), cmp_int);
	for (int i = 0; i < 2000; i++) {
		ok &= i == 0 || v[i - 1] <= v[i];
		sorted_sum += v[i];
	}
	KT_EXPECT(ok);
	KT_EXPECT_EQ(sorted_sum, sum);

	/* Sorted input again: median of three keeps it far from 2000^2 / 4 comparisons. */
	ncmp = 0;
	qsort(v, 2000, sizeof(int), cmp_int);
	KT_EXPECT(ncmp < 2000 * 11 * 4);

	for (int i = 0; i < 2000; i++)
		v[i] = 2 * i;
	for (int key = -1; key < 4001; key++) {
		int *hit = bsearch(&key, v, 2000, sizeof(int), cmp_int);

		ok &= key % 2 == 0 && key >= 0 && key < 4000 ? hit == &v[key / 2] : hit == NULL;
	}
	KT_EXPECT(ok);
}

KTEST(stdlib, setenv_getenv_unsetenv)
{
	KT_EXPECT(getenv("DF_STDLIB_TEST") == NULL);
	KT_EXPECT_EQ(setenv("DF_STDLIB_TEST", "one", 0), 0);
	KT_EXPECT(getenv("DF_STDLIB_TEST") != NULL && strcmp(getenv("DF_STDLIB_TEST"), "one") == 0);
	KT_EXPECT_EQ(setenv("DF_STDLIB_TEST", "two", 0), 0);
	KT_EXPECT(strcmp(getenv("DF_STDLIB_TEST"), "one") == 0);
	KT_EXPECT_EQ(setenv("DF_STDLIB_TEST", "two", 1), 0);
	KT_EXPECT(strcmp(getenv("DF_STDLIB_TEST"), "two") == 0);
	KT_EXPECT(getenv("DF_STDLIB_TES") == NULL);
	errno = 0;
	KT_EXPECT_EQ(setenv("BAD=NAME", "x", 1), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	KT_EXPECT_EQ(unsetenv("DF_STDLIB_TEST"), 0);
	KT_EXPECT(getenv("DF_STDLIB_TEST") == NULL);
}

KTEST(ctype, c_locale)
{
	int alpha = 0, digit = 0, space = 0, punct = 0;

	for (int c = 0; c < 256; c++) {
		alpha += isalpha(c) != 0;
		digit += isdigit(c) != 0;
		space += isspace(c) != 0;
		punct += ispunct(c) != 0;
	}
	KT_EXPECT_EQ(alpha, 52);
	KT_EXPECT_EQ(digit, 10);
	KT_EXPECT_EQ(space, 6);
	KT_EXPECT_EQ(punct, 32);
	KT_EXPECT(isxdigit('F') && isxdigit('a') && !isxdigit('g'));
	KT_EXPECT(isprint(' ') && !isgraph(' ') && iscntrl(0x7f) && !isprint(0x7f));
	KT_EXPECT_EQ(toupper('q'), 'Q');
	KT_EXPECT_EQ(tolower('Q'), 'q');
	KT_EXPECT_EQ(toupper('1'), '1');
	KT_EXPECT(!isalpha(-1) && !isalpha(0xe9));
}
