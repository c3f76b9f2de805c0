/* Kernel tests of physical pages and address spaces. */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/ktest.h>
#include <sys/proc.h>
#include <sys/uaccess.h>
#include <string.h>
#include <vm/vm.h>

KTEST(vm, page_alloc_free_counts)
{
	uint32_t before = vm_page_free_count();
	uint8_t *p = vm_page_alloc();

	KT_EXPECT(p != NULL);
	KT_EXPECT_EQ(vm_page_free_count(), before - 1);
	KT_EXPECT_EQ((uint32_t)p & PAGE_MASK, 0);
	KT_EXPECT_EQ(p[0] | p[PAGE_SIZE - 1], 0);	/* handed out zeroed */
	memset(p, 0xa5, PAGE_SIZE);
	vm_page_free(p);
	KT_EXPECT_EQ(vm_page_free_count(), before);
}

KTEST(vm, page_exhaustion_and_recovery)
{
	/* Take every page, check the allocator then says no, give them all back. */
	uint32_t before = vm_page_free_count(), taken = 0;
	void *head = NULL, *p;

	while ((p = vm_page_alloc()) != NULL) {
		*(void **)p = head;
		head = p;
		taken++;
	}
	KT_EXPECT_EQ(taken, before);
	KT_EXPECT(vm_page_alloc() == NULL);
	while (head != NULL) {
		p = head;
		head = *(void **)p;
		vm_page_free(p);
	}
	KT_EXPECT_EQ(vm_page_free_count(), before);
}

KTEST(vm, pmap_enter_lookup_destroy)
{
	struct pmap pm;
	uint32_t before = vm_page_free_count();

	KT_EXPECT_EQ(pmap_create(&pm), 0);
	KT_EXPECT_EQ(pmap_lookup(&pm, USER_BASE), 0);
	KT_EXPECT_EQ(pmap_alloc_range(&pm, USER_BASE + 0x1800, 0x1000, PTE_U), 0);
	KT_EXPECT_EQ(pm.pm_pages, 2);		/* the range straddles a page boundary */
	KT_EXPECT((pmap_lookup(&pm, USER_BASE + 0x1000) & (PTE_P | PTE_U)) == (PTE_P | PTE_U));
	KT_EXPECT_EQ(pmap_lookup(&pm, USER_BASE + 0x1000) & PTE_W, 0);
	KT_EXPECT_EQ(pmap_lookup(&pm, USER_BASE + 0x3000), 0);
	KT_EXPECT_EQ(pmap_lookup(&pm, 0x100000), 0);	/* kernel addresses are never user pages */
	pmap_destroy(&pm);
	KT_EXPECT_EQ(vm_page_free_count(), before);	/* directory, table and pages all back */
}

/* A page's references: sharing it counts once in `shared`; the last reference frees it. */
KTEST(vm, page_references_free_with_the_last)
{
	uint32_t before = vm_page_free_count(), shared = vm_page_stats.shared;
	void *p = vm_page_alloc();

	KT_ASSERT(p != NULL);
	KT_EXPECT_EQ(vm_page_refs(p), 1);
	KT_EXPECT(vm_page_ref(p));
	KT_EXPECT(vm_page_ref(p));
	KT_EXPECT_EQ(vm_page_refs(p), 3);
	KT_EXPECT_EQ(vm_page_stats.shared, shared + 1);
	vm_page_unref(p);
	vm_page_unref(p);
	KT_EXPECT_EQ(vm_page_stats.shared, shared);
	KT_EXPECT_EQ(vm_page_free_count(), before - 1);	/* one reference left */
	vm_page_unref(p);
	KT_EXPECT_EQ(vm_page_free_count(), before);
}

/* Reserved pages are left alone by vm_page_alloc; only a copy-on-write copy may take them. */
KTEST(vm, reserved_pages_are_kept_for_copies)
{
	uint32_t free = vm_page_free_count(), reserved = vm_page_stats.reserved;
	void *a, *b, *c;

	KT_ASSERT(vm_page_reserve(free - reserved - 1));	/* all but one page */
	KT_EXPECT(!vm_page_reserve(2));
	a = vm_page_alloc();
	KT_EXPECT(a != NULL);
	KT_EXPECT(vm_page_alloc() == NULL);			/* the rest is reserved */
	b = vm_page_alloc_reserved();
	KT_EXPECT(b != NULL);
	vm_page_unreserve(1);					/* b used its reservation */
	vm_page_free(a);
	vm_page_free(b);
	vm_page_unreserve(free - reserved - 2);
	KT_EXPECT_EQ(vm_page_stats.reserved, reserved);
	c = vm_page_alloc();
	KT_EXPECT(c != NULL);
	vm_page_free(c);
	KT_EXPECT_EQ(vm_page_free_count(), free);
}

/* user_byte: the byte at user address va of pm, read through its page tables. */
static uint8_t
user_byte(struct pmap *pm, uint32_t va)
{
	uint8_t b = 0;

	pmap_copy(pm, va, &b, 1, false, PTE_P | PTE_U);
	return b;
}

/*
 * pmap_fork shares; a write through pmap_copy (as the kernel writes another process's memory)
 * copies the page for the writer only, and the last sharer keeps its page without a copy. Read-
 * only pages are shared without copy-on-write. Everything comes back when both go.
 */
KTEST(vm, pmap_fork_then_copy_on_write)
{
	struct pmap a, b;
	uint32_t free = vm_page_free_count(), shared = vm_page_stats.shared;
	uint32_t reserved = vm_page_stats.reserved;
	uint64_t copies = vm_page_stats.cow_copies, reuses = vm_page_stats.cow_reuses;
	uint32_t rw = USER_BASE + 0x10000, ro = USER_BASE + 0x20000;
	uint8_t x = 'a', y = 'b';

	KT_ASSERT_EQ(pmap_create(&a), 0);
	KT_ASSERT_EQ(pmap_alloc_range(&a, rw, PAGE_SIZE, PTE_U | PTE_W), 0);
	KT_ASSERT_EQ(pmap_alloc_range(&a, ro, PAGE_SIZE, PTE_U), 0);
	KT_EXPECT_EQ(pmap_copy(&a, rw, &x, 1, true, PTE_P | PTE_U | PTE_W), 0);
	KT_ASSERT_EQ(pmap_create(&b), 0);
	KT_ASSERT_EQ(pmap_fork(&a, &b, 0), 0);
	KT_EXPECT_EQ(b.pm_pages, 2);
	KT_EXPECT_EQ(pmap_lookup(&a, rw) & (PTE_W | PTE_COW), PTE_COW);
	KT_EXPECT_EQ(pmap_lookup(&b, rw), pmap_lookup(&a, rw));	/* the same page */
	KT_EXPECT_EQ(pmap_lookup(&b, ro) & (PTE_W | PTE_COW), 0);	/* shared, never copied */
	KT_EXPECT_EQ(vm_page_stats.shared, shared + 2);
	KT_EXPECT_EQ(vm_page_stats.reserved, reserved + 1);		/* one copy may be needed */
	KT_EXPECT_EQ(pmap_cow_fault(&b, ro), EFAULT);			/* not copy-on-write */
	KT_EXPECT_EQ(pmap_copy(&b, ro, &y, 1, true, PTE_P | PTE_U | PTE_W), EFAULT);

	KT_EXPECT_EQ(pmap_copy(&b, rw, &y, 1, true, PTE_P | PTE_U | PTE_W), 0);
	KT_EXPECT_EQ(user_byte(&b, rw), 'b');
	KT_EXPECT_EQ(user_byte(&a, rw), 'a');				/* the writer got a copy */
	KT_EXPECT(pmap_lookup(&b, rw) & PTE_W);
	KT_EXPECT_EQ(vm_page_stats.cow_copies, copies + 1);
	KT_EXPECT_EQ(vm_page_stats.reserved, reserved);
	KT_EXPECT_EQ(pmap_cow_fault(&a, rw), 0);		/* alone now: keeps its page */
	KT_EXPECT_EQ(vm_page_stats.cow_reuses, reuses + 1);
	KT_EXPECT_EQ(pmap_lookup(&a, rw) & (PTE_W | PTE_COW), PTE_W);
	KT_EXPECT_EQ(user_byte(&a, rw), 'a');
	pmap_destroy(&b);
	KT_EXPECT_EQ(vm_page_stats.shared, shared);			/* the read-only page: a's */
	pmap_destroy(&a);
	KT_EXPECT_EQ(vm_page_free_count(), free);
	KT_EXPECT_EQ(vm_page_stats.reserved, reserved);
}

/* pmap_fork leaves out the page it is told to (the ring's), and gives back what a failure took. */
KTEST(vm, pmap_fork_skips_a_page_and_undoes_a_failure)
{
	struct pmap a, b;
	uint32_t free = vm_page_free_count(), reserved = vm_page_stats.reserved;
	uint32_t va = USER_BASE + 0x10000;

	KT_ASSERT_EQ(pmap_create(&a), 0);
	KT_ASSERT_EQ(pmap_alloc_range(&a, va, 3 * PAGE_SIZE, PTE_U | PTE_W), 0);
	KT_ASSERT_EQ(pmap_create(&b), 0);
	KT_ASSERT_EQ(pmap_fork(&a, &b, va + PAGE_SIZE), 0);
	KT_EXPECT_EQ(b.pm_pages, 2);
	KT_EXPECT_EQ(pmap_lookup(&b, va + PAGE_SIZE), 0);
	KT_EXPECT(pmap_lookup(&a, va + PAGE_SIZE) & PTE_W);		/* left as it was */
	pmap_destroy(&b);
	/* Too few pages for the reservation: ENOMEM, and nothing held. */
	KT_ASSERT(vm_page_reserve(vm_page_free_count() - vm_page_stats.reserved - 1));
	uint32_t held = vm_page_stats.reserved;
	KT_ASSERT_EQ(pmap_create(&b), 0);
	KT_EXPECT_EQ(pmap_fork(&a, &b, 0), ENOMEM);
	pmap_destroy(&b);
	KT_EXPECT_EQ(vm_page_stats.reserved, held);
	vm_page_unreserve(held - reserved);
	pmap_destroy(&a);
	KT_EXPECT_EQ(vm_page_free_count(), free);
	KT_EXPECT_EQ(vm_page_stats.reserved, reserved);
}

/* Does the range check take exactly user space, whatever the length (no wrap-around)? */
KTEST(vm, user_range_is_user_space_exactly)
{
	KT_EXPECT(user_range(USER_BASE, 4));
	KT_EXPECT(user_range(USER_TOP - 4, 4));
	KT_EXPECT(user_range(USER_BASE, USER_SPAN));
	KT_EXPECT(user_range(USER_TOP, 0));
	KT_EXPECT(!user_range(USER_BASE - 1, 4));
	KT_EXPECT(!user_range(USER_TOP - 3, 4));
	KT_EXPECT(!user_range(USER_BASE, USER_SPAN + 1));
	KT_EXPECT(!user_range(0xfffffffc, 8));			/* wraps */
	KT_EXPECT(!user_range(USER_BASE + 4, 0xfffffffc));	/* wraps */
	KT_EXPECT(!user_range(0x100000, 4));			/* the kernel */
}

/*
 * What if the kernel touches a user address that is not mapped? No process runs during kernel
 * tests, so nothing in user space is: each access faults, the exception table sends it to its
 * fixup, and it answers EFAULT (and the kernel does not panic).
 */
KTEST(vm, unmapped_user_access_answers_efault)
{
	uint32_t v = 7;
	char s[8];

	KT_EXPECT(curproc == NULL);
	KT_EXPECT_EQ(fetch_user32((void *)USER_BASE, &v), EFAULT);
	KT_EXPECT_EQ(v, 7);
	KT_EXPECT_EQ(store_user32((void *)(USER_BASE + 0x1000), 1), EFAULT);
	KT_EXPECT_EQ(copyin((void *)(USER_TOP - 4), &v, 4), EFAULT);
	KT_EXPECT_EQ(copyout(&v, (void *)USER_BASE, 4), EFAULT);
	KT_EXPECT_EQ(copyinstr((const char *)USER_BASE, s, sizeof(s)), EFAULT);
	KT_EXPECT_EQ(copyin((void *)0x100000, &v, 4), EFAULT);	/* refused before any access */
}
