/*
 * Kernel stacks with guard pages (vm/kstack.h).
 *
 * Every LWKT thread's kernel stack lives in a slot of its own in the kernel-stack region
 * [KSTACK_BASE, KSTACK_TOP): KSTACK_GUARD bytes that are never mapped, then TD_KSTACK_SIZE bytes
 * of stack. The region's page tables are made at boot and shared by every address space
 * (pmap_create copies the kernel's directory entries), so a stack is mapped once for all of
 * them. A thread that runs off the bottom of its stack touches its guard and faults instead of
 * silently overwriting whatever physical page lay below: the page fault cannot be delivered on
 * the overflowed stack, so the CPU raises a double fault, which runs as a task of its own
 * (arch/i386/trap.c: double_fault) and names the thread.
 */
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/spinlock.h>
#include <sys/ipiq.h>
#include <sys/globaldata.h>
#include <string.h>
#include <machine/cpufunc.h>
#include <vm/kstack.h>
#include <vm/vm.h>

#define KSTACK_SLOT	(KSTACK_GUARD + TD_KSTACK_SIZE)
#define KSTACK_SLOTS	((KSTACK_TOP - KSTACK_BASE) / KSTACK_SLOT)
#define KSTACK_PTS	((KSTACK_TOP - KSTACK_BASE) >> 22)

_Static_assert((KSTACK_BASE & ((1u << 22) - 1)) == 0, "the region starts on a directory entry");
_Static_assert(KSTACK_TOP == KERNEL_TOP, "the region ends where user space begins");
_Static_assert(KSTACK_GUARD % PAGE_SIZE == 0 && TD_KSTACK_SIZE % PAGE_SIZE == 0, "whole pages");

/* The region's page tables, one per 4 MiB; tools read them to find a stack's pages. */
uint32_t kstack_pt[KSTACK_PTS][1024] __attribute__((aligned(4096)));
static uint32_t kstack_used[(KSTACK_SLOTS + 31) / 32];	/* bit s: slot s holds a stack */
uint32_t kstack_count;					/* stacks allocated now */
static struct spinlock kstack_lock = SPINLOCK_INITIALIZER;	/* kstack_used, kstack_count */

/* kstack_pte: the page-table entry for va inside the region. */
static uint32_t *
kstack_pte(uint32_t va)
{
	uint32_t off = va - KSTACK_BASE;

	return &kstack_pt[off >> 22][(off >> 12) & 1023];
}

/* kstack_bootstrap: hang the region's page tables into the kernel's page directory. */
void
kstack_bootstrap(uint32_t *pdir)
{
	for (uint32_t i = 0; i < KSTACK_PTS; i++)
		pdir[(KSTACK_BASE >> 22) + i] = (uint32_t)kstack_pt[i] | PTE_W | PTE_P;
}

/* invlpg_stack: drop the TLB entries of the stack slot at va on this CPU (an IPI message too). */
static void
invlpg_stack(void *va, int unused)
{
	(void)unused;
	for (uint32_t a = (uint32_t)va; a < (uint32_t)va + TD_KSTACK_SIZE; a += PAGE_SIZE)
		invlpg(a);
}

/*
 * kstack_unmap: unmap and free the stack pages of the slot at va (those that are mapped). Every
 * CPU may hold the old translations (any CPU may have touched a message on that stack, and the
 * slot's next stack may run anywhere): with several CPUs all drop them (a shootdown) before the
 * pages go back and the slot can be reused.
 */
static void
kstack_unmap(uint32_t va)
{
	uint32_t pages[TD_KSTACK_SIZE / PAGE_SIZE], n = 0;

	for (uint32_t pa = va; pa < va + TD_KSTACK_SIZE; pa += PAGE_SIZE) {
		uint32_t *pte = kstack_pte(pa);
		if (*pte & PTE_P) {
			pages[n++] = *pte & ~PAGE_MASK;
			*pte = 0;
		}
	}
	invlpg_stack((void *)va, 0);
	if (ncpus > 1)
		lwkt_send_ipiq_all_wait(invlpg_stack, (void *)va, 0);
	while (n > 0)
		vm_page_free((void *)pages[--n]);
}

/*
 * kstack_alloc: a fresh zeroed kernel stack of TD_KSTACK_SIZE bytes with an unmapped guard
 * below it; answers its lowest address, or NULL when pages or slots have run out.
 */
void *
kstack_alloc(void)
{
	uint32_t s, va;

	spin_lock(&kstack_lock);
	for (s = 0; s < KSTACK_SLOTS; s++)
		if ((kstack_used[s / 32] & (1u << (s % 32))) == 0)
			break;
	if (s == KSTACK_SLOTS) {
		spin_unlock(&kstack_lock);
		return NULL;
	}
	kstack_used[s / 32] |= 1u << (s % 32);
	kstack_count++;
	spin_unlock(&kstack_lock);
	va = KSTACK_BASE + s * KSTACK_SLOT + KSTACK_GUARD;
	for (uint32_t pa = va; pa < va + TD_KSTACK_SIZE; pa += PAGE_SIZE) {
		void *page = vm_page_alloc();
		if (page == NULL) {
			kstack_free((void *)va);
			return NULL;
		}
		*kstack_pte(pa) = (uint32_t)page | PTE_W | PTE_P;
	}
	return (void *)va;
}

/* kstack_free: give back a stack from kstack_alloc; nobody may run on it any more. */
void
kstack_free(void *stack)
{
	uint32_t va = (uint32_t)stack, s = (va - KSTACK_BASE) / KSTACK_SLOT;

	KASSERT(va >= KSTACK_BASE + KSTACK_GUARD && va < KSTACK_TOP &&
	    (va - KSTACK_BASE) % KSTACK_SLOT == KSTACK_GUARD, "kstack_free: not a kernel stack");
	kstack_unmap(va);
	spin_lock(&kstack_lock);
	KASSERT(kstack_used[s / 32] & (1u << (s % 32)), "kstack_free: stack freed twice");
	kstack_used[s / 32] &= ~(1u << (s % 32));
	kstack_count--;
	spin_unlock(&kstack_lock);
}

/* kstack_in_guard: does va lie in the guard below the stack that starts at stack? */
bool
kstack_in_guard(const void *stack, uint32_t va)
{
	uint32_t lo = (uint32_t)stack;

	return stack != NULL && va < lo && va >= lo - KSTACK_GUARD;
}

/* kernel_va_readable: may the kernel read the word at va without faulting (backtraces)? */
bool
kernel_va_readable(uint32_t va)
{
	if (va + 4 <= phys_mem_top)
		return (pmap_kernel_pte(va) & PTE_P) != 0;	/* page 0 and the boot guard are not */
	if (va >= KSTACK_BASE && va <= KSTACK_TOP - 4)
		return (*kstack_pte(va) & PTE_P) != 0;
	return false;
}
