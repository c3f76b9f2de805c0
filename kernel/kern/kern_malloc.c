/*
 * kmalloc: the kernel heap for small objects (sys/malloc.h). Each size class (16 .. 2048 bytes)
 * carves pages of its own; a page starts with a header (its class, its free objects, how many
 * are in use), so kfree finds everything from the object's address. A class keeps a list of
 * its pages that have free objects; a page whose last object is freed goes back to vm_page.
 * Every CPU allocates: kmalloc_lock, a spin lock, guards the classes (it is taken before
 * vm_page's lock, never after).
 */
#include <sys/systm.h>
#include <sys/malloc.h>
#include <sys/queue.h>
#include <sys/thread.h>
#include <sys/spinlock.h>
#include <string.h>
#include <vm/vm.h>

#define KM_MAGIC	0x6b6d616cu	/* "kmal" */
/* Size classes 16, 32, ..., 2048: an enum, so the inspector reads them from DWARF. */
enum km_classes {
	KM_CLASSES = 8,
	KM_MIN_SHIFT = 4,	/* the smallest class is 1 << KM_MIN_SHIFT bytes */
};

struct km_free {
	struct km_free	*next;
};

struct km_page {
	uint32_t	magic;
	uint32_t	class;
	uint32_t	in_use;
	struct km_free	*free;
	TAILQ_ENTRY(km_page) link;	/* on its class's list while it has free objects */
	bool		listed;
};

struct kmalloc_stats kmalloc_stats;
static TAILQ_HEAD(, km_page) classes[KM_CLASSES];
static bool ready;
static struct spinlock kmalloc_lock = SPINLOCK_INITIALIZER;	/* classes, pages, stats */

static uint32_t
class_size(uint32_t class)
{
	return 1u << (class + KM_MIN_SHIFT);
}

/* first_object: objects start after the header, aligned to their size (at most 64). */
static uint32_t
first_object(uint32_t size)
{
	uint32_t align = size < 64 ? size : 64;
	return (sizeof(struct km_page) + align - 1) & ~(align - 1);
}

static struct km_page *
new_page(uint32_t class)
{
	struct km_page *pg = vm_page_alloc();
	uint32_t size = class_size(class);

	if (pg == NULL)
		return NULL;
	pg->magic = KM_MAGIC;
	pg->class = class;
	for (uint32_t off = first_object(size); off + size <= PAGE_SIZE; off += size) {
		struct km_free *f = (struct km_free *)((char *)pg + off);
		f->next = pg->free;
		pg->free = f;
	}
	TAILQ_INSERT_HEAD(&classes[class], pg, link);
	pg->listed = true;
	kmalloc_stats.pages++;
	return pg;
}

void *
kmalloc(size_t size)
{
	uint32_t class = 0;
	struct km_page *pg;
	struct km_free *obj;

	if (size == 0 || size > KMALLOC_MAX) {
		kmalloc_stats.failures++;
		return NULL;
	}
	while (class_size(class) < size)
		class++;
	spin_lock(&kmalloc_lock);
	if (!ready) {
		for (int i = 0; i < KM_CLASSES; i++)
			TAILQ_INIT(&classes[i]);
		ready = true;
	}
	pg = TAILQ_FIRST(&classes[class]);
	if (pg == NULL && (pg = new_page(class)) == NULL) {
		kmalloc_stats.failures++;
		spin_unlock(&kmalloc_lock);
		return NULL;
	}
	obj = pg->free;
	pg->free = obj->next;
	pg->in_use++;
	if (pg->free == NULL) {
		TAILQ_REMOVE(&classes[class], pg, link);
		pg->listed = false;
	}
	kmalloc_stats.allocs++;
	kmalloc_stats.in_use++;
	spin_unlock(&kmalloc_lock);
	return obj;
}

void *
kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

void
kfree(void *ptr)
{
	struct km_page *pg = (struct km_page *)((uint32_t)ptr & ~PAGE_MASK);
	struct km_free *f = ptr;

	if (ptr == NULL)
		return;
	KASSERT(pg->magic == KM_MAGIC && pg->in_use > 0, "kfree of a pointer kmalloc did not return");
	spin_lock(&kmalloc_lock);
	f->next = pg->free;
	pg->free = f;
	pg->in_use--;
	kmalloc_stats.frees++;
	kmalloc_stats.in_use--;
	if (pg->in_use == 0) {
		if (pg->listed)
			TAILQ_REMOVE(&classes[pg->class], pg, link);
		pg->magic = 0;
		vm_page_free(pg);
		kmalloc_stats.pages--;
	} else if (!pg->listed) {
		TAILQ_INSERT_HEAD(&classes[pg->class], pg, link);
		pg->listed = true;
	}
	spin_unlock(&kmalloc_lock);
}
