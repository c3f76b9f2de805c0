/*
 * The physical page allocator: a free list threaded through the free pages themselves, fed
 * from the multiboot memory map with the kernel and the boot modules left out. Running out of
 * pages is an error the caller handles: vm_page_alloc returns NULL.
 *
 * Every page has a reference count (a table of uint16_t, one per page of RAM, carved from the
 * first free memory at boot: vm_page_init). A page is allocated with one reference; fork shares
 * user pages between address spaces (vm_page_ref), and a page goes back to the free list when
 * its last reference is dropped (vm_page_unref). vm_page_free is for pages with one owner
 * (page tables, kernel stacks, buffers): it insists the count is 1.
 *
 * Reservations: a page shared copy-on-write by n address spaces may need n - 1 copies later, at
 * a write fault, where running out of memory could only kill somebody. So the pages those copies
 * need are set aside when the sharing is made (vm_page_reserve, by fork) and given back when a
 * sharer goes or copies (vm_page_unreserve): ordinary allocations never take the last
 * `reserved` free pages, and a copy-on-write copy takes one of them (vm_page_alloc_reserved).
 * Invariant: free_count >= reserved. No overcommit: fork answers ENOMEM instead.
 *
 * Pages are taken and freed from interrupt-time work too (a console read completing into a
 * copy-on-write buffer), so each operation is a critical section; and from every CPU, so it
 * holds vm_page_lock, a spin lock (sys/spinlock.h) taken inside that section.
 */
#include <sys/systm.h>
#include <sys/spinlock.h>
#include <string.h>
#include <vm/vm.h>

struct free_page {
	struct free_page *next;
};

static struct free_page *free_list;
static uint32_t free_count;
static struct spinlock vm_page_lock = SPINLOCK_INITIALIZER;	/* the list, counts, stats */
static uint16_t *page_refs;		/* [pa >> 12]: references; 0 when free */
static uint32_t page_refs_n;		/* entries: the pages below the top of RAM */
struct vm_page_stats vm_page_stats;

#define REFS_MAX	0xffffu

static inline uint16_t *
refs_of(const void *page)
{
	uint32_t pfn = (uint32_t)page >> 12;

	KASSERT(((uint32_t)page & PAGE_MASK) == 0 && pfn < page_refs_n,
	    "a page the allocator does not know");
	return &page_refs[pfn];
}

/*
 * vm_page_init: the reference-count table for RAM up to mem_top, placed at first_free (identity
 * mapped, before paging is on); returns the first byte after it, where free memory now starts.
 */
uint32_t
vm_page_init(uint32_t first_free, uint32_t mem_top)
{
	page_refs_n = mem_top >> 12;
	page_refs = (uint16_t *)round_page(first_free);
	memset(page_refs, 0, page_refs_n * sizeof(uint16_t));
	return (uint32_t)page_refs + page_refs_n * sizeof(uint16_t);
}

/* push: page goes on the free list (its count is 0). */
static void
push(void *page)
{
	struct free_page *p = page;

	p->next = free_list;
	free_list = p;
	free_count++;
}

/*
 * vm_page_add_range: give the whole pages inside [lo, hi) to the allocator (at boot: one short
 * loop per page, the list kept in a register).
 */
void
vm_page_add_range(uint32_t lo, uint32_t hi)
{
	struct free_page *head = free_list;
	uint32_t n = 0;

	if (hi > page_refs_n << 12)
		hi = page_refs_n << 12;		/* nothing above the table */
	if (lo >= hi)
		return;
	if ((lo = round_page(lo)) == 0)
		lo = PAGE_SIZE;			/* keep NULL meaning "no page" */
	for (uint32_t pa = lo; pa < hi && hi - pa >= PAGE_SIZE; pa += PAGE_SIZE, n++) {
		((struct free_page *)pa)->next = head;
		head = (struct free_page *)pa;
	}
	free_list = head;
	free_count += n;
}

/* take: the first free page, with one reference; NULL unless more than keep pages are free. */
static void *
take(uint32_t keep)
{
	struct free_page *p;

	spin_lock(&vm_page_lock);
	if (free_count <= keep) {
		spin_unlock(&vm_page_lock);
		return NULL;
	}
	p = free_list;
	free_list = p->next;
	free_count--;
	*refs_of(p) = 1;
	spin_unlock(&vm_page_lock);
	return p;
}

/* vm_page_alloc: a zeroed page, or NULL when only the reserved pages are left. */
void *
vm_page_alloc(void)
{
	void *p = take(vm_page_stats.reserved);

	if (p != NULL)
		memset(p, 0, PAGE_SIZE);
	return p;
}

/*
 * vm_page_alloc_reserved: a page (not zeroed: the caller copies into it) for a copy-on-write
 * copy, which reserved it earlier; the caller then drops its share of the old page, which gives
 * the reservation up (vm_page_unref_cow). Never NULL while the reservation is held.
 */
void *
vm_page_alloc_reserved(void)
{
	void *p = take(0);

	KASSERT(p != NULL, "a reserved page is missing");
	return p;
}

/* vm_page_free: a page with a single owner goes back. */
void
vm_page_free(void *page)
{
	uint16_t *refs = refs_of(page);

	KASSERT(*refs == 1, "vm_page_free of a page that is shared or free");
	spin_lock(&vm_page_lock);
	*refs = 0;
	push(page);
	spin_unlock(&vm_page_lock);
}

/* vm_page_ref: one more reference (fork shares the page); false at the counter's limit. */
bool
vm_page_ref(void *page)
{
	uint16_t *refs = refs_of(page);
	bool ok;

	spin_lock(&vm_page_lock);
	KASSERT(*refs != 0, "vm_page_ref of a free page");
	if ((ok = *refs < REFS_MAX) && ++*refs == 2)
		vm_page_stats.shared++;
	spin_unlock(&vm_page_lock);
	return ok;
}

/* unref_locked: vm_page_unref with the lock held. */
static void
unref_locked(void *page)
{
	uint16_t *refs = refs_of(page);

	KASSERT(*refs != 0, "vm_page_unref of a free page");
	if (--*refs == 1)
		vm_page_stats.shared--;
	else if (*refs == 0)
		push(page);
}

/* vm_page_unref: one reference less; the last one frees the page. */
void
vm_page_unref(void *page)
{
	spin_lock(&vm_page_lock);
	unref_locked(page);
	spin_unlock(&vm_page_lock);
}

/*
 * vm_page_unref_cow: an address space lets go of a copy-on-write page: its reference, and the
 * reservation for a copy it might have made (there is one while anyone else shares the page).
 */
void
vm_page_unref_cow(void *page)
{
	spin_lock(&vm_page_lock);
	if (*refs_of(page) >= 2)
		vm_page_stats.reserved--;
	unref_locked(page);
	spin_unlock(&vm_page_lock);
}

uint32_t
vm_page_refs(const void *page)
{
	return *refs_of(page);
}

/* vm_page_reserve: set n free pages aside for copy-on-write copies; false when too few are left. */
bool
vm_page_reserve(uint32_t n)
{
	bool ok;

	spin_lock(&vm_page_lock);
	if ((ok = free_count - vm_page_stats.reserved >= n))
		vm_page_stats.reserved += n;
	spin_unlock(&vm_page_lock);
	return ok;
}

/* vm_page_unreserve: n reserved pages are not needed after all. */
void
vm_page_unreserve(uint32_t n)
{
	spin_lock(&vm_page_lock);
	KASSERT(vm_page_stats.reserved >= n, "unreserving more than was reserved");
	vm_page_stats.reserved -= n;
	spin_unlock(&vm_page_lock);
}

uint32_t
vm_page_free_count(void)
{
	return free_count;
}
