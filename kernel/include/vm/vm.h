/*
 * Memory: physical pages and address spaces.
 *
 * Layout of every address space:
 *   0 .. KSTACK_BASE           physical memory, identity-mapped with 4 MiB pages, supervisor only
 *                              (the first 4 MiB in 4 KiB pages, page 0 and the boot stack's
 *                              guard left out: NULL and a boot-stack overflow fault)
 *   KSTACK_BASE .. KERNEL_TOP  kernel stacks, each above an unmapped guard (vm/kstack.h)
 *   USER_BASE .. USER_TOP      the process's pages, 4 KiB pages, user-accessible
 *   USER_TOP .. 4 GiB          device memory (the local APIC), mapped on demand, supervisor only
 * User programs are linked at USER_BASE; the user stack ends at USER_STACK_TOP. Below the stack,
 * USER_STACK_GUARD_PAGES pages are never mapped (the ring page, sys/ring.h, is right under them).
 * The numbers come from kernel/include/vm/layout.toml (generated <vm/layout.h>), which the linker
 * scripts and the host tools read too.
 */
#ifndef _VM_VM_H_
#define _VM_VM_H_

#include <sys/types.h>
#include <vm/layout.h>

#define PAGE_SIZE	4096u
#define PAGE_MASK	(PAGE_SIZE - 1)
#define USER_STACK_TOP	USER_TOP
#define USER_STACK_BOTTOM (USER_STACK_TOP - USER_STACK_PAGES * PAGE_SIZE)
#define USER_STACK_GUARD_PAGES 8	/* never mapped below the stack: a fault there is an overflow */

#define round_page(x)	(((x) + PAGE_MASK) & ~PAGE_MASK)
#define trunc_page(x)	((x) & ~PAGE_MASK)

/* Page-table entry bits. */
#define PTE_P		0x001	/* present */
#define PTE_W		0x002	/* writable */
#define PTE_U		0x004	/* user-accessible */
#define PTE_PWT		0x008	/* write-through */
#define PTE_PCD		0x010	/* cache disabled: device memory */
#define PTE_PS		0x080	/* 4 MiB page (in a directory entry) */
#define PTE_COW		0x200	/* copy-on-write: read-only now, copied at a write fault (an
				   "available" bit: the MMU ignores it) */

/* Page-fault error code bits (the CPU's). */
#define PGEX_P		0x1	/* the page was present: a protection fault */
#define PGEX_W		0x2	/* a write */
#define PGEX_U		0x4	/* from ring 3 */

/* vm/vm_page.c: the physical page allocator, with reference counts and reservations */
uint32_t vm_page_init(uint32_t first_free, uint32_t mem_top);
void	vm_page_add_range(uint32_t lo, uint32_t hi);
void	*vm_page_alloc(void);			/* a zeroed page, or NULL when memory is out */
void	*vm_page_alloc_reserved(void);		/* ... for a copy-on-write copy reserved before */
void	vm_page_free(void *page);		/* a page with one owner */
bool	vm_page_ref(void *page);		/* shared once more; false at the limit */
void	vm_page_unref(void *page);		/* freed with the last reference */
void	vm_page_unref_cow(void *page);		/* ... and a copy-on-write sharer's reservation */
uint32_t vm_page_refs(const void *page);
bool	vm_page_reserve(uint32_t n);		/* set n pages aside for copies; false if too few */
void	vm_page_unreserve(uint32_t n);
uint32_t vm_page_free_count(void);

/* Counters (struct kstat reports them). */
struct vm_page_stats {
	uint32_t	shared;		/* pages with more than one reference */
	uint32_t	reserved;	/* free pages set aside for copy-on-write copies */
	uint64_t	cow_copies;	/* write faults that copied a shared page */
	uint64_t	cow_reuses;	/* ... that found it no longer shared and kept it */
	uint64_t	faults_raced;	/* faults another CPU's vCPU had resolved first (retried) */
};
extern struct vm_page_stats vm_page_stats;

/* vm/pmap.c: address spaces */
struct pmap {
	uint32_t	*pm_pdir;		/* the page directory (physical = virtual) */
	uint32_t	pm_pages;		/* user pages mapped */
};
void	pmap_bootstrap(uint32_t mem_top);
void	pmap_map_device(uint32_t pa);
int	pmap_create(struct pmap *pm);
void	pmap_destroy(struct pmap *pm);
int	pmap_enter(struct pmap *pm, uint32_t va, void *page, uint32_t prot);
uint32_t pmap_lookup(struct pmap *pm, uint32_t va);	/* the PTE for va, or 0 */
uint32_t pmap_kernel_pte(uint32_t va);			/* how the kernel maps va (RAM) */
uint32_t *pmap_kernel_pdir(void);
void	pmap_activate(struct pmap *pm);
void	pmap_activate_kernel(void);

/* pmap_is_current: is pm the address space the MMU translates with now? */
static inline bool
pmap_is_current(const struct pmap *pm)
{
	uint32_t cr3;

	__asm__ volatile("movl %%cr3, %0" : "=r"(cr3));
	return cr3 == (uint32_t)pm->pm_pdir;
}
int	pmap_alloc_range(struct pmap *pm, uint32_t va, uint32_t len, uint32_t prot);
void	pmap_remove_range(struct pmap *pm, uint32_t start, uint32_t end);
int	pmap_copy(struct pmap *pm, uint32_t va, void *kaddr, size_t len, bool to_user, uint32_t need);
int	pmap_fork(struct pmap *from, struct pmap *to, uint32_t skip);
bool	pmap_fault_raced(struct pmap *pm, uint32_t va, bool write);
int	pmap_cow_fault(struct pmap *pm, uint32_t va);
struct pmap *pmap_current(void);
void	pmap_invalidate(struct pmap *pm, uint32_t va);

#endif
