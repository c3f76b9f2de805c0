/*
 * The physical page allocator: a free list threaded through the free pages themselves, fed
 * from the multiboot memory map with the kernel and the boot modules left out. Running out of
 * pages is an error the caller handles: vm_page_alloc returns NULL.
 */
#include <sys/systm.h>
#include <string.h>
#include <vm/vm.h>

struct free_page {
	struct free_page *next;
};

static struct free_page *free_list;
static uint32_t free_count;

/* vm_page_add_range: give the whole pages inside [lo, hi) to the allocator. */
void
vm_page_add_range(uint32_t lo, uint32_t hi)
{
	for (uint32_t pa = round_page(lo); pa + PAGE_SIZE <= hi && pa + PAGE_SIZE > pa; pa += PAGE_SIZE) {
		if (pa == 0)
			continue;	/* keep NULL meaning "no page" */
		vm_page_free((void *)pa);
	}
}

void *
vm_page_alloc(void)
{
	struct free_page *p = free_list;

	if (p == NULL)
		return NULL;
	free_list = p->next;
	free_count--;
	memset(p, 0, PAGE_SIZE);
	return p;
}

void
vm_page_free(void *page)
{
	struct free_page *p = page;

	KASSERT(((uint32_t)page & PAGE_MASK) == 0, "freeing an unaligned page");
	p->next = free_list;
	free_list = p;
	free_count++;
}

uint32_t
vm_page_free_count(void)
{
	return free_count;
}
