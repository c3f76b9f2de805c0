/* Kernel tests of the kernel heap. */
#include <sys/systm.h>
#include <sys/ktest.h>
#include <sys/malloc.h>
#include <string.h>
#include <vm/vm.h>

KTEST(kmalloc, sizes_are_distinct_aligned_and_usable)
{
	static const size_t sizes[] = { 1, 16, 17, 100, 500, 1024, 2048 };
	void *p[7];

	for (int i = 0; i < 7; i++) {
		p[i] = kmalloc(sizes[i]);
		KT_EXPECT(p[i] != NULL);
		KT_EXPECT_EQ((uint32_t)p[i] & 3, 0);
		memset(p[i], 0x40 + i, sizes[i]);
	}
	for (int i = 0; i < 7; i++)
		KT_EXPECT_EQ(((uint8_t *)p[i])[sizes[i] - 1], 0x40 + i);	/* nothing overlapped */
	for (int i = 0; i < 7; i++)
		kfree(p[i]);
}

KTEST(kmalloc, zero_and_oversized_requests_fail)
{
	uint64_t failures = kmalloc_stats.failures;

	KT_EXPECT(kmalloc(0) == NULL);
	KT_EXPECT(kmalloc(KMALLOC_MAX + 1) == NULL);
	KT_EXPECT_EQ(kmalloc_stats.failures, failures + 2);
	kfree(NULL);				/* harmless */
}

KTEST(kmalloc, freed_pages_go_back)
{
	static void *p[1000];
	uint32_t pages = vm_page_free_count(), heap = kmalloc_stats.pages;

	for (int i = 0; i < 1000; i++)
		p[i] = kmalloc(64);
	KT_EXPECT(kmalloc_stats.pages > heap);
	for (int i = 0; i < 1000; i++)
		kfree(p[i]);
	KT_EXPECT_EQ(kmalloc_stats.pages, heap);
	KT_EXPECT_EQ(vm_page_free_count(), pages);
}

KTEST(kmalloc, exhaustion_then_recovery)
{
	void *head = NULL, *p;
	uint32_t n = 0, pages = vm_page_free_count();

	while ((p = kmalloc(2048)) != NULL) {	/* until memory is out: NULL, not a panic */
		*(void **)p = head;
		head = p;
		n++;
	}
	KT_EXPECT(n > 1000);
	KT_EXPECT(vm_page_alloc() == NULL);
	while (head != NULL) {
		p = head;
		head = *(void **)p;
		kfree(p);
	}
	KT_EXPECT_EQ(vm_page_free_count(), pages);
	p = kmalloc(100);
	KT_EXPECT(p != NULL);
	kfree(p);
}

KTEST(kmalloc, kzalloc_zeroes_reused_memory)
{
	uint8_t *p = kmalloc(200);

	memset(p, 0xff, 200);
	kfree(p);
	uint8_t *q = kzalloc(200);
	bool zero = true;
	for (int i = 0; i < 200; i++)
		zero &= q[i] == 0;
	KT_EXPECT(zero);
	kfree(q);
}
