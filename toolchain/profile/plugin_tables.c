/*
 * The profile plugin's containers (plugin.h): a hash table of pointers by 64-bit key (open
 * addressing, linear probing, never shrinking) and sorted lists of guest addresses; and what it
 * shares with the per-CPU counter (cpus.c): reading its arguments and its address lists.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"
#include "qemu_plugin_api.h"

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

/*
 * read_addr_lists: the lines "WORD HEXADDR" of path, each WORD one of words[0..n-1], whose
 * address goes to lists[i]; the lists end sorted. 0, or -1 once who has said why on stderr.
 */
int
read_addr_lists(const char *who, const char *path, const char *const *words, struct addrs **lists,
    int n)
{
	FILE *f = fopen(path, "r");
	char word[16];
	uint64_t vaddr;
	int line = 0, got, i;

	if (f == NULL) {
		fprintf(stderr, "%s: cannot read %s\n", who, path);
		return -1;
	}
	while ((got = fscanf(f, "%15s %" SCNx64, word, &vaddr)) == 2) {
		line++;
		for (i = 0; i < n && strcmp(word, words[i]) != 0; i++)
			;
		if (i == n)
			break;
		addrs_add(lists[i], vaddr);
	}
	fclose(f);
	if (got != EOF) {
		fprintf(stderr, "%s: %s:%d: expected 'WORD HEXADDR', WORD one of:", who, path, line + 1);
		for (i = 0; i < n; i++)
			fprintf(stderr, " %s", words[i]);
		fputc('\n', stderr);
		return -1;
	}
	for (i = 0; i < n; i++)
		addrs_sort(lists[i]);
	return 0;
}

/*
 * read_plugin_args: the arguments out=PATH and addrs=PATH, both required, and the word flag
 * (NULL: none), which sets *flag_set; and that QEMU emulates a system. 0, or -1 once who has
 * said why on stderr.
 */
int
read_plugin_args(const char *who, const struct plugin_info *info, int argc, char **argv,
    const char **out, const char **addrs, const char *flag, bool *flag_set)
{
	if (!info->system_emulation) {
		fprintf(stderr, "%s: needs system emulation\n", who);
		return -1;
	}
	*out = *addrs = NULL;
	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "out=", 4) == 0)
			*out = argv[i] + 4;
		else if (strncmp(argv[i], "addrs=", 6) == 0)
			*addrs = argv[i] + 6;
		else if (flag != NULL && strcmp(argv[i], flag) == 0)
			*flag_set = true;
		else {
			fprintf(stderr, "%s: unknown argument %s\n", who, argv[i]);
			return -1;
		}
	}
	if (*out == NULL || *addrs == NULL) {
		fprintf(stderr, "%s: out= and addrs= are required\n", who);
		return -1;
	}
	return 0;
}
