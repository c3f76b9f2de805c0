/*
 * qsort and bsearch.
 *
 * qsort is a quicksort: the pivot is the median of three elements (of three such medians for
 * large parts), so sorted and reversed input split evenly instead of costing O(n^2); the
 * partition stops on keys equal to the pivot from both sides, so a run of equal keys splits in
 * the middle too. Parts of SMALL elements or fewer are finished by insertion sort, which is
 * cheaper there. Not stable, like every qsort.
 */
#include <stdint.h>
#include <stdlib.h>

#define SMALL	8	/* parts this short are insertion-sorted */
#define NINTHER	40	/* parts longer than this take the median of three medians */

typedef int (*cmp_fn)(const void *, const void *);

/* Whole words are read and written as this, whatever the elements' real type is. */
typedef int __attribute__((__may_alias__)) word_t;

/* swap: exchange two elements; words says both are word-aligned and a whole number of words. */
static void
swap(char *a, char *b, size_t size, int words)
{
	if (words) {
		word_t *x = (word_t *)a, *y = (word_t *)b, t;

		for (size_t n = size / sizeof(word_t); n > 0; n--, x++, y++) {
			t = *x;
			*x = *y;
			*y = t;
		}
	} else {
		char t;

		for (; size > 0; size--, a++, b++) {
			t = *a;
			*a = *b;
			*b = t;
		}
	}
}

/* med3: the one of a, b, c that sorts between the other two. */
static char *
med3(char *a, char *b, char *c, cmp_fn cmp)
{
	if (cmp(a, b) < 0)
		return cmp(b, c) < 0 ? b : cmp(a, c) < 0 ? c : a;
	return cmp(b, c) > 0 ? b : cmp(a, c) > 0 ? c : a;
}

/* isort: insertion sort, for the short parts quicksort leaves. */
static void
isort(char *base, size_t n, size_t size, cmp_fn cmp, int words)
{
	char *end = base + n * size;

	for (char *i = base + size; i < end; i += size)
		for (char *j = i; j > base && cmp(j - size, j) > 0; j -= size)
			swap(j - size, j, size, words);
}

/* sort: quicksort base[0..n); recursion takes the smaller side, so the stack is O(log n). */
static void
sort(char *base, size_t n, size_t size, cmp_fn cmp, int words)
{
	while (n > SMALL) {
		char *lo = base, *mid = base + n / 2 * size, *hi = base + (n - 1) * size;
		size_t i, j;

		if (n > NINTHER) {
			size_t d = n / 8 * size;

			lo = med3(lo, lo + d, lo + 2 * d, cmp);
			mid = med3(mid - d, mid, mid + d, cmp);
			hi = med3(hi - 2 * d, hi - d, hi, cmp);
		}
		swap(base, med3(lo, mid, hi, cmp), size, words);

		/*
		 * Hoare's partition around the pivot in base[0]: afterwards base[1..j] <= pivot
		 * <= base[j+1..n). j > 0 guards only against a comparator that is not a
		 * consistent order: the pivot itself would stop it.
		 */
		i = 0;
		j = n;
		for (;;) {
			do
				i++;
			while (i < n && cmp(base + i * size, base) < 0);
			do
				j--;
			while (j > 0 && cmp(base + j * size, base) > 0);
			if (i >= j)
				break;
			swap(base + i * size, base + j * size, size, words);
		}
		swap(base, base + j * size, size, words);

		if (j < n - j - 1) {
			sort(base, j, size, cmp, words);
			base += (j + 1) * size;
			n -= j + 1;
		} else {
			sort(base + (j + 1) * size, n - j - 1, size, cmp, words);
			n = j;
		}
	}
	isort(base, n, size, cmp, words);
}

/* qsort: sort nmemb elements of size bytes at base into the order cmp defines. */
void
qsort(void *base, size_t nmemb, size_t size, int (*cmp)(const void *, const void *))
{
	/* Most elements are ints, pointers or structs of them: swap those a word at a time. */
	int words = ((uintptr_t)base | size) % sizeof(word_t) == 0;

	sort(base, nmemb, size, cmp, words);
}

/* bsearch: an element of the sorted array equal to key by cmp(key, element), or NULL. */
void *
bsearch(const void *key, const void *base, size_t nmemb, size_t size,
    int (*cmp)(const void *, const void *))
{
	const char *lo = base;

	while (nmemb > 0) {
		const char *mid = lo + nmemb / 2 * size;
		int c = cmp(key, mid);

		if (c == 0)
			return (void *)mid;
		if (c > 0) {
			/* Keep the part above mid: nmemb - nmemb/2 - 1 elements. */
			lo = mid + size;
			nmemb -= nmemb / 2 + 1;
		} else {
			nmemb /= 2;
		}
	}
	return NULL;
}
