/*
 * The profile plugin's containers (plugin.h): a hash table of pointers by 64-bit key (open
 * addressing, linear probing, never shrinking) and sorted lists of guest addresses.
 */
#include <stdio.h>
#include <stdlib.h>

#include "plugin.h"

/* xcalloc, xrealloc: calloc and realloc that abort QEMU rather than return NULL. */
void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL) {
		fprintf(stderr, "profile plugin: out of memory\n");
		abort();
	}
	return p;
}

void *
xrealloc(void *p, size_t size)
{
	if ((p = realloc(p, size)) == NULL) {
		fprintf(stderr, "profile plugin: out of memory\n");
		abort();
	}
	return p;
}

/* mix: a 64-bit hash of two words, for the tables' keys. */
uint64_t
mix(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL + (a << 6) + (a >> 2));

	return h ^ (h >> 29);
}

static void
table_grow(struct table *t)
{
	struct table old = *t;

	t->cap = old.cap ? old.cap * 2 : 1024;
	t->keys = xcalloc(t->cap, sizeof(*t->keys));
	t->vals = xcalloc(t->cap, sizeof(*t->vals));
	t->len = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.vals[i] != NULL)
			table_put(t, old.keys[i], old.vals[i]);
	free(old.keys);
	free(old.vals);
}

/* table_slot: the index of key in t, or of the empty place where it would go. */
static size_t
table_slot(const struct table *t, uint64_t key)
{
	size_t i = mix(key, 0) & (t->cap - 1);

	while (t->vals[i] != NULL && t->keys[i] != key)
		i = (i + 1) & (t->cap - 1);
	return i;
}

void *
table_get(const struct table *t, uint64_t key)
{
	return t->cap ? t->vals[table_slot(t, key)] : NULL;
}

void
table_put(struct table *t, uint64_t key, void *val)
{
	if (2 * (t->len + 1) > t->cap)
		table_grow(t);
	size_t i = table_slot(t, key);
	if (t->vals[i] == NULL)
		t->len++;
	t->keys[i] = key;
	t->vals[i] = val;
}

/* table_take: remove key from t (reinserting the run after it), returning its value. */
void *
table_take(struct table *t, uint64_t key)
{
	if (!t->cap)
		return NULL;
	size_t i = table_slot(t, key);
	void *val = t->vals[i];
	if (val == NULL)
		return NULL;
	t->vals[i] = NULL;
	t->len--;
	for (size_t j = (i + 1) & (t->cap - 1); t->vals[j] != NULL; j = (j + 1) & (t->cap - 1)) {
		uint64_t k = t->keys[j];
		void *v = t->vals[j];
		t->vals[j] = NULL;
		t->len--;
		table_put(t, k, v);
	}
	return val;
}

/* addrs_has: is vaddr in a (sorted)? */
bool
addrs_has(const struct addrs *a, uint64_t vaddr)
{
	size_t lo = 0, hi = a->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (a->v[mid] == vaddr)
			return true;
		if (a->v[mid] < vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

void
addrs_add(struct addrs *a, uint64_t vaddr)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 64;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = vaddr;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void
addrs_sort(struct addrs *a)
{
	qsort(a->v, a->n, sizeof(*a->v), cmp_u64);
}
