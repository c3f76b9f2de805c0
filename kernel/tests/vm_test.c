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
