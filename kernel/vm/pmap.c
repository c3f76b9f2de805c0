/*
 * Address spaces on i386 two-level paging. The kernel's part (physical memory identity-mapped
 * with 4 MiB pages, supervisor only) is the same directory entries in every page directory;
 * user mappings use 4 KiB pages in page tables of their own. A user directory entry or PTE is
 * either present or 0.
 *
 * Copy-on-write (fork): pmap_fork shares every user page of one address space with another;
 * a writable page becomes read-only and PTE_COW in both, and the page allocator counts its
 * references. A write to it faults; pmap_cow_fault then copies the page (or, when nobody else
 * shares it any more, keeps it) and makes the mapping writable again. The fault may come from
 * ring 3, from the kernel's own accesses to user memory (copyout, store_user32: arch trap.c
 * resolves those before the exception table's fixup) or, for another address space, through
 * pmap_copy. Page tables are never shared: each address space has its own.
 *
 * TLB: every change to a user PTE that was present goes through pmap_invalidate, which with
 * several CPUs shoots the entry down on every CPU that runs the address space (docs/smp.md).
 */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/thread2.h>
#include <sys/globaldata.h>
#include <sys/ipiq.h>
#include <sys/proc.h>
#include <string.h>
#include <machine/cpufunc.h>
#include <vm/kstack.h>
#include <vm/vm.h>

#define PDX(va)		((va) >> 22)
#define PTX(va)		(((va) >> 12) & 0x3ff)
#define CR0_PG		0x80000000u
#define CR0_WP		0x00010000u
#define CR4_PSE		0x00000010u

static uint32_t kernel_pdir[1024] __attribute__((aligned(4096)));
static uint32_t low_pt[1024] __attribute__((aligned(4096)));	/* the first 4 MiB, page by page */
static uint32_t kernel_pdes;		/* directory entries that map the kernel */

/* pmap_bootstrap: map physical memory for the kernel and turn paging on. */
void
pmap_bootstrap(uint32_t mem_top)
{
	extern char boot_stack_guard[], boot_stack[];

	KASSERT(mem_top <= KSTACK_BASE, "RAM reaches into the kernel-stack region");
	kernel_pdes = (mem_top + (1u << 22) - 1) >> 22;
	for (uint32_t i = 0; i < kernel_pdes; i++)
		kernel_pdir[i] = (i << 22) | PTE_PS | PTE_W | PTE_P;
	/* The first 4 MiB in 4 KiB pages, all but page 0: a NULL dereference in the kernel faults;
	 * and all but the boot stack's guard: thread0 running off its stack faults too. */
	for (uint32_t i = 1; i < 1024; i++)
		low_pt[i] = (i << 12) | PTE_W | PTE_P;
	KASSERT((uint32_t)boot_stack <= 0x400000, "the boot stack lies above the first 4 MiB");
	for (uint32_t va = (uint32_t)boot_stack_guard; va < (uint32_t)boot_stack; va += PAGE_SIZE)
		low_pt[va >> 12] = 0;
	kernel_pdir[0] = (uint32_t)low_pt | PTE_W | PTE_P;
	kstack_bootstrap(kernel_pdir);
	lcr4(rcr4() | CR4_PSE);
	lcr3((uint32_t)kernel_pdir);
	/* WP: the kernel, too, faults on writes to read-only pages. */
	lcr0(rcr0() | CR0_PG | CR0_WP);
}

/*
 * pmap_map_device: map the 4 MiB around a device's physical address, uncached and supervisor
 * only, at the same virtual address in the kernel's directory (before any process exists:
 * every pmap copies these entries). Device memory sits above USER_TOP, outside user space.
 */
void
pmap_map_device(uint32_t pa)
{
	uint32_t d = PDX(pa);

	KASSERT(pa >= USER_TOP, "device memory inside user space");
	kernel_pdir[d] = (d << 22) | PTE_PS | PTE_PCD | PTE_PWT | PTE_W | PTE_P;
	invlpg(pa);
}

/* pmap_kernel_pte: how the kernel maps va (a directory entry for a 4 MiB page); for tests. */
uint32_t
pmap_kernel_pte(uint32_t va)
{
	uint32_t pde = kernel_pdir[PDX(va)];

	if ((pde & PTE_P) == 0 || (pde & PTE_PS))
		return pde;
	return ((uint32_t *)(pde & ~PAGE_MASK))[PTX(va)];
}

/* pmap_create: a new address space holding only the kernel's mappings. */
int
pmap_create(struct pmap *pm)
{
	pm->pm_pdir = vm_page_alloc();
	if (pm->pm_pdir == NULL)
		return ENOMEM;
	/* The kernel's half (RAM and the kernel-stack region) and the devices above user space:
	 * the same directory entries, so the same page tables, in every address space. */
	memcpy(pm->pm_pdir, kernel_pdir, PDX(USER_BASE) * sizeof(uint32_t));
	for (uint32_t d = PDX(USER_TOP); d < 1024; d++)
		pm->pm_pdir[d] = kernel_pdir[d];
	pm->pm_pages = 0;
	return 0;
}

/* invlpg_there: an IPI message of pmap_shootdown: drop va if this CPU still runs pm. */
static void
invlpg_there(void *pm, int va)
{
	if (pmap_is_current(pm))
		invlpg((uint32_t)va);
}

/*
 * pmap_shootdown: every other CPU whose MMU runs pm (gd_pmap, set before its cr3 is loaded)
 * drops va; returns when all have (docs/smp.md). The fence orders the PTE change before the
 * reading of gd_pmap: a CPU that loads pm's cr3 later walks the new PTE.
 */
static void
pmap_shootdown(struct pmap *pm, uint32_t va)
{
	struct globaldata *me = mycpu;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (int c = 0; c < ncpus; c++) {
		struct globaldata *gd = globaldata_find(c);
		if (gd != me && __atomic_load_n(&gd->gd_pmap, __ATOMIC_RELAXED) == pm)
			lwkt_send_ipiq_wait(gd, invlpg_there, pm, (int)va);
	}
}

/*
 * pmap_invalidate: the PTE of va in pm changed (or went): no TLB may keep the old translation:
 * this CPU's, when pm is the address space it runs, and with several CPUs every other CPU's
 * that runs pm (a shootdown).
 */
void
pmap_invalidate(struct pmap *pm, uint32_t va)
{
	if (pmap_is_current(pm))
		invlpg(va);
	if (__builtin_expect(ncpus > 1, 0))
		pmap_shootdown(pm, va);
}

/*
 * next_used: the index of the first entry in use at or after i in a page table or directory,
 * or end (a multiple of 8). An entry not in use is 0 (pmap only ever clears one), so runs of
 * them are skipped 8 at a time: a process uses a few entries at each end of its user space,
 * and fork and exit walk all of it.
 */
static inline uint32_t
next_used(const uint32_t *v, uint32_t i, uint32_t end)
{
	for (; i < end; i++) {
		const uint32_t *g = v + i;
		if ((i & 7) == 0 && (g[0] | g[1] | g[2] | g[3] | g[4] | g[5] | g[6] | g[7]) == 0)
			i += 7;
		else if (v[i] != 0)
			return i;
	}
	return end;
}

/* FOREACH_USED(v, i, lo, hi): each entry in use of v[lo .. hi). */
#define FOREACH_USED(v, i, lo, hi)					\
	for (uint32_t i = next_used(v, lo, hi); i < (hi); i = next_used(v, i + 1, hi))

/* drop: a user mapping goes: its page loses a reference (and a copy-on-write reservation). */
static void
drop(uint32_t pte)
{
	void *page = (void *)(pte & ~PAGE_MASK);

	if (pte & PTE_COW)
		vm_page_unref_cow(page);
	else
		vm_page_unref(page);
}

/*
 * pmap_leave_there: an IPI message of pmap_release_others: this CPU stops translating with pm,
 * which it kept loaded after a thread of pm's process left it (a kernel thread runs on the last
 * address space, and a polled ring's thread or a vCPU that ran here has gone).
 */
static void
pmap_leave_there(void *pm, int unused)
{
	(void)unused;
	if (PCPU_GET(gd_pmap) == pm) {
		KASSERT(curthread->td_proc == NULL || &curthread->td_proc->p_pmap != pm,
		    "a CPU runs a thread of an address space being destroyed");
		pmap_activate_kernel();
	}
}

/*
 * pmap_release_others: no other CPU's MMU may still walk pm's page tables once they are freed:
 * each CPU whose gd_pmap is pm loads the kernel's directory first (an IPI message; this waits
 * for it). No thread of pm's process runs anywhere by then, so none loads pm again.
 */
static void
pmap_release_others(struct pmap *pm)
{
	struct globaldata *me = mycpu;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (int c = 0; c < ncpus; c++) {
		struct globaldata *gd = globaldata_find(c);
		if (gd != me && __atomic_load_n(&gd->gd_pmap, __ATOMIC_RELAXED) == pm)
			lwkt_send_ipiq_wait(gd, pmap_leave_there, pm, 0);
	}
}

/*
 * pmap_destroy: drop every user page (freed unless shared), free the page tables and directory.
 * Another CPU that still has pm loaded (gd_pmap) leaves it first.
 */
void
pmap_destroy(struct pmap *pm)
{
	if (pm->pm_pdir == NULL)
		return;
	KASSERT(!pmap_is_current(pm), "destroying the address space in use");
	if (__builtin_expect(ncpus > 1, 0))
		pmap_release_others(pm);
	crit_enter();
	FOREACH_USED(pm->pm_pdir, d, PDX(USER_BASE), PDX(USER_TOP)) {
		uint32_t *pt = (uint32_t *)(pm->pm_pdir[d] & ~PAGE_MASK);
		FOREACH_USED(pt, t, 0, 1024)
			drop(pt[t]);
		vm_page_free(pt);
	}
	vm_page_free(pm->pm_pdir);
	pm->pm_pdir = NULL;
	pm->pm_pages = 0;
	crit_exit();
}

/* pte_slot: the PTE slot for a user va, creating its page table if asked; NULL if none. */
static uint32_t *
pte_slot(struct pmap *pm, uint32_t va, bool create)
{
	uint32_t *pde = &pm->pm_pdir[PDX(va)];

	if ((*pde & PTE_P) == 0) {
		if (!create)
			return NULL;
		uint32_t *pt = vm_page_alloc();
		if (pt == NULL)
			return NULL;
		*pde = (uint32_t)pt | PTE_U | PTE_W | PTE_P;
	}
	return &((uint32_t *)(*pde & ~PAGE_MASK))[PTX(va)];
}

/* pmap_enter: map one page at user address va with prot (PTE_W and/or PTE_U bits). */
int
pmap_enter(struct pmap *pm, uint32_t va, void *page, uint32_t prot)
{
	KASSERT(va >= USER_BASE && va < USER_TOP, "pmap_enter outside user space");
	uint32_t *pte = pte_slot(pm, va, true);
	if (pte == NULL)
		return ENOMEM;
	KASSERT((*pte & PTE_P) == 0, "pmap_enter over an existing mapping");
	*pte = (uint32_t)page | prot | PTE_P;
	pm->pm_pages++;
	return 0;
}

/* pmap_lookup: the PTE that maps user address va, or 0 when nothing does. */
uint32_t
pmap_lookup(struct pmap *pm, uint32_t va)
{
	if (va < USER_BASE || va >= USER_TOP)
		return 0;
	uint32_t *pte = pte_slot(pm, va, false);
	return pte ? *pte : 0;
}

/*
 * pmap_alloc_range: back [va, va+len) with fresh zeroed pages. A page already mapped keeps its
 * contents and gains prot's bits (two ELF segments may share a page).
 */
int
pmap_alloc_range(struct pmap *pm, uint32_t va, uint32_t len, uint32_t prot)
{
	for (uint32_t p = trunc_page(va); p < va + len; p += PAGE_SIZE) {
		uint32_t *pte = pte_slot(pm, p, false);
		if (pte != NULL && (*pte & PTE_P)) {
			/* A copy-on-write page stays read-only until its fault: it is writable already,
			 * in effect. A shared page that is not copy-on-write is never made writable. */
			KASSERT(!(prot & PTE_W) || (*pte & (PTE_W | PTE_COW)) ||
			    vm_page_refs((void *)(*pte & ~PAGE_MASK)) == 1,
			    "pmap_alloc_range: making a shared page writable");
			*pte |= (*pte & PTE_COW) ? prot & ~PTE_W : prot;
			continue;
		}
		void *page = vm_page_alloc();
		if (page == NULL)
			return ENOMEM;
		int error = pmap_enter(pm, p, page, prot);
		if (error) {
			vm_page_free(page);
			return error;
		}
	}
	return 0;
}

/* pmap_remove_range: unmap the user pages in [start, end) (page-aligned); unshared ones are freed. */
void
pmap_remove_range(struct pmap *pm, uint32_t start, uint32_t end)
{
	crit_enter();
	for (uint32_t va = start; va < end; va += PAGE_SIZE) {
		uint32_t *pte = pte_slot(pm, va, false);
		if (pte == NULL || (*pte & PTE_P) == 0)
			continue;
		uint32_t old = *pte;
		*pte = 0;
		pm->pm_pages--;
		pmap_invalidate(pm, va);
		drop(old);
	}
	crit_exit();
}

/*
 * pmap_fork: share every user page of from with to (a fresh address space), except the page at
 * skip (0: none). Writable pages become copy-on-write in both, and a copy of each is reserved
 * (vm_page_reserve), so no later write fault can run out of memory; read-only pages are just
 * shared. 0, ENOMEM (too few pages to reserve, or none for a page table), or EAGAIN (a page's
 * reference count is at its limit). On an error the caller destroys to, which gives back what
 * it holds; from's pages may stay copy-on-write (the first write then keeps the page).
 */
int
pmap_fork(struct pmap *from, struct pmap *to, uint32_t skip)
{
	uint32_t cow = 0, shared = 0;
	int error = 0;

	crit_enter();
	FOREACH_USED(from->pm_pdir, d, PDX(USER_BASE), PDX(USER_TOP)) {
		const uint32_t *pt = (const uint32_t *)(from->pm_pdir[d] & ~PAGE_MASK);
		FOREACH_USED(pt, t, 0, 1024)
			if ((pt[t] & (PTE_W | PTE_COW)) && (d << 22 | t << 12) != skip)
				cow++;
	}
	if (!vm_page_reserve(cow)) {
		crit_exit();
		return ENOMEM;
	}
	FOREACH_USED(from->pm_pdir, d, PDX(USER_BASE), PDX(USER_TOP)) {
		uint32_t *pt = (uint32_t *)(from->pm_pdir[d] & ~PAGE_MASK);
		if (error)
			break;
		FOREACH_USED(pt, t, 0, 1024) {
			uint32_t va = d << 22 | t << 12, pte = pt[t], *slot;
			if (va == skip)
				continue;
			if ((slot = pte_slot(to, va, true)) == NULL) {
				error = ENOMEM;
				break;
			}
			if (!vm_page_ref((void *)(pte & ~PAGE_MASK))) {
				error = EAGAIN;
				break;
			}
			if (pte & (PTE_W | PTE_COW)) {
				pte = (pte & ~PTE_W) | PTE_COW;
				if (pt[t] != pte) {
					pt[t] = pte;
					pmap_invalidate(from, va);
				}
				shared++;	/* its reservation is to's now: pmap_destroy gives it back */
			}
			*slot = pte;
			to->pm_pages++;
		}
	}
	if (error)
		vm_page_unreserve(cow - shared);
	crit_exit();
	return error;
}

/*
 * pmap_cow_fault: a write to user address va of pm faulted. If its page is copy-on-write, it
 * gets a page of its own (a copy, from the reservation fork made; or the page itself when no
 * one else shares it any more) and is writable again: 0, and the access may be retried.
 * EFAULT: not a copy-on-write page, a real fault. Only pm changes: other address spaces that
 * share the page keep it as it was.
 */
int
pmap_cow_fault(struct pmap *pm, uint32_t va)
{
	uint32_t *pte, old;
	void *page, *copy;

	if (pm == NULL || va < USER_BASE || va >= USER_TOP)
		return EFAULT;
	crit_enter();
	pte = pte_slot(pm, va, false);
	if (pte == NULL || (*pte & (PTE_P | PTE_U | PTE_COW)) != (PTE_P | PTE_U | PTE_COW)) {
		crit_exit();
		return EFAULT;
	}
	old = *pte;
	page = (void *)(old & ~PAGE_MASK);
	if (vm_page_refs(page) == 1) {
		vm_page_stats.cow_reuses++;
	} else {
		copy = vm_page_alloc_reserved();
		memcpy(copy, page, PAGE_SIZE);
		vm_page_unref_cow(page);	/* gives up the reservation the copy used */
		page = copy;
		vm_page_stats.cow_copies++;
	}
	*pte = (uint32_t)page | (old & PAGE_MASK & ~PTE_COW) | PTE_W;
	pmap_invalidate(pm, va);
	crit_exit();
	return 0;
}

/*
 * pmap_fault_raced: a fault at user address va of pm (a write if write) found the page already
 * as the access needs it: another vCPU, on another CPU, mapped it or copied it (copy-on-write)
 * between the fault and its handling here (the fault was taken on the old entry, which the CPU
 * then dropped from its TLB). The access is retried. Never on one CPU: there the fault and its
 * handling see the same entry.
 */
bool
pmap_fault_raced(struct pmap *pm, uint32_t va, bool write)
{
	uint32_t *pte, need = PTE_P | PTE_U | (write ? PTE_W : 0);
	bool raced;

	if (pm == NULL || va < USER_BASE || va >= USER_TOP)
		return false;
	crit_enter();
	pte = pte_slot(pm, va, false);
	raced = pte != NULL && (*pte & need) == need;
	crit_exit();
	if (raced)
		vm_page_stats.faults_raced++;
	return raced;
}

/*
 * pmap_copy: copy between kernel memory and pm's user pages through the kernel's mapping of
 * physical memory, so it works whatever address space is current. Every page must be mapped
 * with the PTE bits in need; a copy-on-write page being written is copied first, as a write
 * fault would. Returns 0 or EFAULT (nothing is promised about a partial copy).
 */
int
pmap_copy(struct pmap *pm, uint32_t va, void *kaddr, size_t len, bool to_user, uint32_t need)
{
	uint8_t *k = kaddr;

	if (len == 0)
		return 0;		/* like useracc: a zero size always passes, wherever it points */
	if (va < USER_BASE || va + len > USER_TOP || va + len < va)
		return EFAULT;
	while (len > 0) {
		crit_enter();		/* no interrupt-time copy-on-write between lookup and copy */
		uint32_t pte = pmap_lookup(pm, va);
		if ((pte & need) != need && (need & PTE_W) && (pte & PTE_COW) &&
		    pmap_cow_fault(pm, va) == 0)
			pte = pmap_lookup(pm, va);
		if ((pte & need) != need) {
			crit_exit();
			return EFAULT;
		}
		uint32_t chunk = PAGE_SIZE - (va & PAGE_MASK);
		if (chunk > len)
			chunk = len;
		void *phys = (void *)((pte & ~PAGE_MASK) + (va & PAGE_MASK));
		if (to_user)
			memcpy(phys, k, chunk);
		else
			memcpy(k, phys, chunk);
		crit_exit();
		va += chunk;
		k += chunk;
		len -= chunk;
	}
	return 0;
}

void
pmap_activate(struct pmap *pm)
{
	PCPU_SET(gd_pmap, pm);		/* per CPU: its own MMU */
	lcr3((uint32_t)pm->pm_pdir);
}

/*
 * pmap_current: the address space the MMU translates with now, or NULL for the kernel's own
 * (or an address space being swapped by exec): what a fault in a user address refers to,
 * whichever thread runs (a kernel thread keeps the last process's page tables).
 */
struct pmap *
pmap_current(void)
{
	struct pmap *pm = PCPU_GET(gd_pmap);

	return pm != NULL && pmap_is_current(pm) ? pm : NULL;
}

/* pmap_kernel_pdir: the kernel's own page directory (the double-fault task runs on it). */
uint32_t *
pmap_kernel_pdir(void)
{
	return kernel_pdir;
}

void
pmap_activate_kernel(void)
{
	PCPU_SET(gd_pmap, NULL);
	lcr3((uint32_t)kernel_pdir);
}
