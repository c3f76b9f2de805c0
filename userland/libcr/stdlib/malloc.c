/*
 * malloc, free, calloc and realloc: one heap, grown with sbrk.
 *
 * Every block carries boundary tags: a header word just below the payload and an equal footer
 * word at the block's end, each holding the block's size (a multiple of 16) and an in-use bit.
 * The footer of the block below tells free where that block starts, so a freed block merges
 * with both free neighbours at once and no two free blocks ever touch.
 *
 * Free blocks sit on segregated lists, four per power of two of their size. A request looks
 * for the first block that fits in its own list, else takes any block of the next non-empty
 * list (a bitmap finds it): every block there is big enough. What a block has beyond the
 * request is split off as a free block of its own whenever it can be one.
 *
 * The heap, with every payload 16-byte aligned (so each header sits 4 bytes below a 16-byte
 * boundary):
 *
 *	[pad][prologue footer][block][block] ... [block][epilogue header]  <- break
 *
 * The prologue footer and the epilogue header are tags of size 0 marked in use, so looking at a
 * neighbour never needs a test for the heap's ends. The heap grows at the epilogue, by 64 KiB at
 * least; a free block of 256 KiB or more at the top is given back with sbrk(-n), all but 64 KiB.
 * If something else moved the break since our last sbrk, the gap becomes a "fence": a block in
 * use for good that covers memory that is not ours, so the heap's walk goes on across it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cr/spin.h>

/*
 * Several vCPUs may call malloc at once: heap_lock guards the heap. It is a spin lock, so
 * nothing here may wait: the heap grows with a raw synchronous sbrk (sysport.c), never
 * through the syscall port, where a call could park the thread and its port code would take
 * the scheduler's lock, which the scheduler holds when it frees a thread's stack.
 */
static struct cr_spin heap_lock;
void	*cr_sbrk_sync(intptr_t incr);

#define ALIGN		16u			/* the i386 ABI's largest alignment (SSE, long double) */
#define TAG		sizeof(size_t)		/* one boundary tag */
#define INUSE		1u
#define FENCE		2u			/* in use for good: memory someone else sbrk'ed */
#define FLAGS		(ALIGN - 1)		/* sizes are multiples of ALIGN: the low bits are free */
#define CHUNK		(64u * 1024)		/* grow by at least this much */
#define TRIM_AT		(256u * 1024)		/* give back a free top block this large ... */
#define TRIM_KEEP	CHUNK			/* ... all but this much of it */
#define PAGE		4096u
#define SLACK		(4 * ALIGN)		/* tags and alignment lost in a piece of new break */
#define NBINS		(4 * 8 * sizeof(size_t))	/* four lists per power of two */
#define MAX_REQUEST	((size_t)PTRDIFF_MAX / 2)	/* larger is out of memory on i386 anyway */

/* A block, seen from its header. The list links exist only while it is free. */
struct blk {
	size_t		tag;
	struct blk	*next;
	struct blk	*prev;
};

/* The smallest block: the header, the links and the footer, rounded up to ALIGN. */
#define MIN_BLOCK	((sizeof(struct blk) + TAG + ALIGN - 1) & ~(size_t)FLAGS)

static struct blk *first;		/* the lowest block; NULL before the first sbrk */
static struct blk *epilogue;		/* the size-0 header that ends the heap */
static char *brk_end;			/* where our last sbrk left the break */
static struct blk *bins[NBINS];
static uint32_t binmap[NBINS / 32];	/* bit b set: bins[b] is not empty */

/* bsize: b's size in bytes, its tags included. */
static inline size_t
bsize(const struct blk *b)
{
	return b->tag & ~(size_t)FLAGS;
}

/* inuse: b is allocated (or a fence, or a sentinel). */
static inline int
inuse(const struct blk *b)
{
	return (b->tag & INUSE) != 0;
}

/* footer: b's second boundary tag, in its last word. */
static inline size_t *
footer(struct blk *b)
{
	return (size_t *)((char *)b + bsize(b) - TAG);
}

/* next_blk: the block just above b (the epilogue above the last). */
static inline struct blk *
next_blk(struct blk *b)
{
	return (struct blk *)((char *)b + bsize(b));
}

/* below_tag: the tag just below b: the footer of the block under it, or the prologue. */
static inline size_t
below_tag(struct blk *b)
{
	return ((size_t *)b)[-1];
}

/* prev_blk: the block just below b; only for a block whose below_tag says free. */
static inline struct blk *
prev_blk(struct blk *b)
{
	return (struct blk *)((char *)b - (below_tag(b) & ~(size_t)FLAGS));
}

/* set_tags: write b's header and footer; the footer's place follows from size. */
static inline void
set_tags(struct blk *b, size_t size, size_t flags)
{
	b->tag = size | flags;
	*footer(b) = size | flags;
}

/* align_up, align_down: p rounded to a multiple of a (a power of two). */
static inline char *
align_up(char *p, size_t a)
{
	return (char *)(((uintptr_t)p + a - 1) & ~(uintptr_t)(a - 1));
}

static inline char *
align_down(char *p, size_t a)
{
	return (char *)((uintptr_t)p & ~(uintptr_t)(a - 1));
}

/*
 * corrupt: report a misuse or a damaged heap on descriptor 2 and abort; the program cannot go
 * on safely, and the sooner it stops the nearer the report is to the bug.
 */
__attribute__((noreturn)) static void
corrupt(const char *who, const char *what, const void *ptr)
{
	char msg[128];
	int n = snprintf(msg, sizeof(msg), "libcr: %s(%p): %s\n", who, ptr, what);

	cr_spin_unlock(&heap_lock);	/* every caller holds it; the write may park the thread */
	write(STDERR_FILENO, msg, n < (int)sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
	abort();
}

/* bin_of: the list for blocks of this size: its power of two, then the next two bits. */
static unsigned
bin_of(size_t size)
{
	unsigned log = 8 * sizeof(long) - 1 - __builtin_clzl((unsigned long)size);

	return 4 * log + ((size >> (log - 2)) & 3);
}

/* next_bin: the first non-empty list at b or above; NBINS when there is none. */
static unsigned
next_bin(unsigned b)
{
	while (b < NBINS) {
		uint32_t bits = binmap[b / 32] >> (b % 32);

		if (bits != 0)
			return b + __builtin_ctz(bits);
		b = (b / 32 + 1) * 32;
	}
	return NBINS;
}

/* insert: put free block b on its list (at the head: the cheapest place). */
static void
insert(struct blk *b)
{
	unsigned i = bin_of(bsize(b));

	b->prev = NULL;
	b->next = bins[i];
	if (b->next != NULL)
		b->next->prev = b;
	bins[i] = b;
	binmap[i / 32] |= 1u << (i % 32);
}

/* unlink_blk: take free block b off its list; before its size changes, which picks the list. */
static void
unlink_blk(struct blk *b)
{
	unsigned i = bin_of(bsize(b));

	if (b->prev != NULL)
		b->prev->next = b->next;
	else
		bins[i] = b->next;
	if (b->next != NULL)
		b->next->prev = b->prev;
	if (bins[i] == NULL)
		binmap[i / 32] &= ~(1u << (i % 32));
}

/* find_fit: a free block of at least need bytes, or NULL. */
static struct blk *
find_fit(size_t need)
{
	unsigned i = bin_of(need);
	struct blk *b;

	/* The request's own list holds sizes on both sides of it: take the first that fits. */
	for (b = bins[i]; b != NULL; b = b->next)
		if (bsize(b) >= need)
			return b;
	/* Every block in a higher list is at least as big as anything in this one can be. */
	i = next_bin(i + 1);
	return i < NBINS ? bins[i] : NULL;
}

/* release: b, tagged free and on no list, merges with its free neighbours and goes on a list. */
static struct blk *
release(struct blk *b)
{
	size_t size = bsize(b);
	struct blk *n = next_blk(b);

	if (!inuse(n)) {
		unlink_blk(n);
		size += bsize(n);
	}
	if (!(below_tag(b) & INUSE)) {
		b = prev_blk(b);
		unlink_blk(b);
		size += bsize(b);
	}
	set_tags(b, size, 0);
	insert(b);
	return b;
}

/*
 * trim: b is the free block at the top; when it is large, give all but TRIM_KEEP of it back
 * to the system, so a program that freed a big buffer does not keep its memory forever.
 */
static void
trim(struct blk *b)
{
	size_t size = bsize(b), cut;
	int saved = errno;

	if (size < TRIM_AT)
		return;
	/* Only the top of the break is ours to give back: not when someone sbrk'ed above us. */
	if ((char *)cr_sbrk_sync(0) != brk_end)
		return;
	cut = (size - TRIM_KEEP) & ~(size_t)(PAGE - 1);
	if (cr_sbrk_sync(-(intptr_t)cut) == (void *)-1) {
		errno = saved;		/* free does not fail, so it does not set errno */
		return;
	}
	unlink_blk(b);
	set_tags(b, size - cut, 0);
	insert(b);
	epilogue = next_blk(b);
	epilogue->tag = INUSE;
	brk_end -= cut;
}

/*
 * grow: take at least more bytes from sbrk and add them as a free block at the top, merged with
 * a free block below it; answers the merged block, or NULL with errno = ENOMEM.
 */
static struct blk *
grow(size_t more)
{
	size_t incr;
	char *lo, *hi, *start;
	struct blk *b;

	if (more > MAX_REQUEST) {
		errno = ENOMEM;
		return NULL;
	}
	incr = ((more < CHUNK ? CHUNK : more) + SLACK + PAGE - 1) & ~(size_t)(PAGE - 1);
	lo = cr_sbrk_sync((intptr_t)incr);
	if (lo == (void *)-1) {
		errno = ENOMEM;
		return NULL;
	}
	hi = lo + incr;
	if (first == NULL) {
		/* The first header sits TAG below a boundary, above the prologue footer. */
		start = align_up(lo + 2 * TAG, ALIGN) - TAG;
		((size_t *)start)[-1] = INUSE;
		first = (struct blk *)start;
	} else if (lo == brk_end) {
		/* Right after ours: the new block starts where the epilogue was. */
		start = (char *)epilogue;
	} else if (lo > brk_end) {
		/* Someone else moved the break: fence off the gap, its footer in the new piece. */
		start = align_up(lo + 2 * TAG, ALIGN) - TAG;
		set_tags(epilogue, start - (char *)epilogue, INUSE | FENCE);
	} else {
		corrupt("malloc", "the break moved below the heap", lo);
	}
	/* The new epilogue: the highest header position that still fits below the new break. */
	epilogue = (struct blk *)(align_down(hi, ALIGN) - TAG);
	epilogue->tag = INUSE;
	brk_end = hi;
	b = (struct blk *)start;
	set_tags(b, (char *)epilogue - start, 0);
	return release(b);
}

/* block_size: the block that holds n bytes of payload, in *need; 0 when n is absurdly big. */
static int
block_size(size_t n, size_t *need)
{
	size_t size;

	if (n > MAX_REQUEST)
		return 0;
	size = (n + 2 * TAG + FLAGS) & ~(size_t)FLAGS;
	*need = size < MIN_BLOCK ? MIN_BLOCK : size;
	return 1;
}

/* take: free block b (on a list) becomes in use with need bytes; the rest goes back free. */
static void
take(struct blk *b, size_t need)
{
	size_t size = bsize(b);
	struct blk *rest;

	unlink_blk(b);
	if (size - need >= MIN_BLOCK) {
		/* b's upper neighbour is in use (free blocks never touch): no merging to do. */
		rest = (struct blk *)((char *)b + need);
		set_tags(rest, size - need, 0);
		insert(rest);
		size = need;
	}
	set_tags(b, size, INUSE);
}

/* shrink: in-use block b keeps need bytes; a tail that can be a block of its own is freed. */
static void
shrink(struct blk *b, size_t need)
{
	size_t size = bsize(b);
	struct blk *rest;

	if (size - need < MIN_BLOCK)
		return;
	set_tags(b, need, INUSE);
	rest = (struct blk *)((char *)b + need);
	set_tags(rest, size - need, 0);
	rest = release(rest);
	if (next_blk(rest) == epilogue)
		trim(rest);
}

/*
 * checked: the block of ptr, a pointer malloc gave and nobody freed; anything else aborts.
 * The checks are the cheap ones: alignment, bounds, and tags that agree with each other.
 */
static struct blk *
checked(void *ptr, const char *who)
{
	char *p = ptr;
	struct blk *b = (struct blk *)(p - TAG);
	size_t size;

	if (first == NULL || ((uintptr_t)p & FLAGS) != 0 || p < (char *)first + TAG ||
	    p >= (char *)epilogue)
		corrupt(who, "not a pointer from malloc", ptr);
	size = bsize(b);
	if (size < MIN_BLOCK || size > (size_t)((char *)epilogue - (char *)b) || *footer(b) != b->tag)
		corrupt(who, "not a pointer from malloc, or the heap is damaged", ptr);
	if ((b->tag & FLAGS) == 0)
		corrupt(who, "already freed (double free)", ptr);
	if ((b->tag & FLAGS) != INUSE)
		corrupt(who, "not a pointer from malloc", ptr);
	return b;
}

/* heap_malloc: n bytes, 16-byte aligned; NULL with errno = ENOMEM when memory is out. */
static void *
heap_malloc(size_t n)
{
	size_t need, have = 0;
	struct blk *b;

	if (!block_size(n, &need)) {
		errno = ENOMEM;
		return NULL;
	}
	if ((b = find_fit(need)) == NULL) {
		/* A free block at the top already holds part of the request: grow by the rest. */
		if (first != NULL && !(below_tag(epilogue) & INUSE))
			have = below_tag(epilogue) & ~(size_t)FLAGS;
		if ((b = grow(need - have)) == NULL)
			return NULL;
		/* When the new break did not follow ours, b did not merge: ask for all of it. */
		if (bsize(b) < need && (b = grow(need)) == NULL)
			return NULL;
	}
	take(b, need);
	return (char *)b + TAG;
}

/* heap_free: give back a block from malloc; NULL is fine. */
static void
heap_free(void *ptr)
{
	struct blk *b;

	if (ptr == NULL)
		return;
	b = checked(ptr, "free");
	set_tags(b, bsize(b), 0);
	b = release(b);
	if (next_blk(b) == epilogue)
		trim(b);
}

/* calloc: nmemb * size zeroed bytes; NULL with errno = ENOMEM also when the product overflows. */
void *
calloc(size_t nmemb, size_t size)
{
	size_t n;
	void *p;

	if (__builtin_mul_overflow(nmemb, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	cr_spin_lock(&heap_lock);
	if ((p = heap_malloc(n)) != NULL)
		memset(p, 0, n);
	cr_spin_unlock(&heap_lock);
	return p;
}

/*
 * realloc: resize ptr's block to n bytes, keeping the contents up to the smaller size. In place
 * when it shrinks, or when the block above is free (or the block is on top, where the break can
 * grow); else sliding down into a free block below; else malloc, copy and free. NULL (ptr
 * untouched) with errno = ENOMEM when memory is out.
 */
static void *
heap_realloc(void *ptr, size_t n)
{
	struct blk *b, *nx, *pv;
	size_t need, size, room;
	void *q;

	if (ptr == NULL)
		return heap_malloc(n);
	b = checked(ptr, "realloc");
	if (!block_size(n, &need)) {
		errno = ENOMEM;
		return NULL;
	}
	size = bsize(b);
	if (need <= size) {
		shrink(b, need);
		return ptr;
	}

	/* Room above: b and a free neighbour; on top of the heap, more break makes more room. */
	nx = next_blk(b);
	room = size + (inuse(nx) ? 0 : bsize(nx));
	if (room < need && (nx == epilogue || (!inuse(nx) && next_blk(nx) == epilogue))) {
		int saved = errno;

		/* Not growing is no failure yet: the other ways below may still work. */
		if (grow(need - room) == NULL)
			errno = saved;
		nx = next_blk(b);
		room = size + (inuse(nx) ? 0 : bsize(nx));
	}
	if (room >= need) {
		if (room > size)
			unlink_blk(nx);
		set_tags(b, room, INUSE);
		shrink(b, need);
		return ptr;
	}

	/* Room below too: slide the contents down into a free block under b. */
	if (!(below_tag(b) & INUSE)) {
		pv = prev_blk(b);
		if (bsize(pv) + room >= need) {
			room += bsize(pv);
			unlink_blk(pv);		/* before memmove overwrites its links */
			if (!inuse(nx))
				unlink_blk(nx);
			memmove((char *)pv + TAG, ptr, size - 2 * TAG);
			set_tags(pv, room, INUSE);
			shrink(pv, need);
			return (char *)pv + TAG;
		}
	}

	if ((q = heap_malloc(n)) == NULL)
		return NULL;
	memcpy(q, ptr, size - 2 * TAG);
	heap_free(ptr);
	return q;
}

/*
 * malloc_stats: count what the heap holds by walking it, block by block and list by list,
 * checking the tags and the lists as it goes; a damaged heap is reported and aborts.
 */
static void
heap_stats(struct malloc_stats *ms)
{
	size_t listed = 0, listed_bytes = 0;
	struct blk *b;

	memset(ms, 0, sizeof(*ms));
	if (first == NULL)
		return;
	for (b = first; b != epilogue; b = next_blk(b)) {
		size_t size = bsize(b);

		if (size < MIN_BLOCK || size > (size_t)((char *)epilogue - (char *)b) ||
		    *footer(b) != b->tag || (b->tag & FLAGS & ~(INUSE | FENCE)) != 0)
			corrupt("malloc_stats", "damaged block tags", (char *)b + TAG);
		if (b->tag & FENCE) {
			ms->ms_foreign += size;
		} else if (inuse(b)) {
			ms->ms_in_use += size;
		} else {
			/* Two free blocks side by side would mean a missed merge. */
			if (!(below_tag(b) & INUSE))
				corrupt("malloc_stats", "free blocks not merged", (char *)b + TAG);
			ms->ms_free += size;
			ms->ms_free_blocks++;
		}
		ms->ms_heap += size;
	}
	for (unsigned i = 0; i < NBINS; i++) {
		if ((bins[i] != NULL) != ((binmap[i / 32] >> (i % 32)) & 1))
			corrupt("malloc_stats", "list bitmap out of step", bins[i]);
		for (b = bins[i]; b != NULL; b = b->next) {
			/* More blocks than the walk found would mean a cycle in a list. */
			if (inuse(b) || bin_of(bsize(b)) != i || ++listed > ms->ms_free_blocks ||
			    (b->next != NULL && b->next->prev != b))
				corrupt("malloc_stats", "damaged free list", (char *)b + TAG);
			listed_bytes += bsize(b);
		}
	}
	if (listed != ms->ms_free_blocks || listed_bytes != ms->ms_free)
		corrupt("malloc_stats", "free blocks missing from the lists", NULL);
}

/* The public entry points: each takes heap_lock around its work. */
void *
malloc(size_t n)
{
	void *p;

	cr_spin_lock(&heap_lock);
	p = heap_malloc(n);
	cr_spin_unlock(&heap_lock);
	return p;
}

void
free(void *ptr)
{
	cr_spin_lock(&heap_lock);
	heap_free(ptr);
	cr_spin_unlock(&heap_lock);
}

void *
realloc(void *ptr, size_t n)
{
	void *p;

	cr_spin_lock(&heap_lock);
	p = heap_realloc(ptr, n);
	cr_spin_unlock(&heap_lock);
	return p;
}

/*
 * cr_malloc_lock, cr_malloc_unlock: fork (lwkt/fork.c) holds heap_lock across its trap, so the
 * child's copy of the heap is never caught halfway through another vCPU's malloc.
 */
void
cr_malloc_lock(void)
{
	cr_spin_lock(&heap_lock);
}

void
cr_malloc_unlock(void)
{
	cr_spin_unlock(&heap_lock);
}

void
malloc_stats(struct malloc_stats *ms)
{
	cr_spin_lock(&heap_lock);
	heap_stats(ms);
	cr_spin_unlock(&heap_lock);
}
