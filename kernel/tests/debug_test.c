/*
 * A deliberately broken kernel test: with `ktest.fault` on the command line it dereferences an
 * unmapped address, so the harness can be checked to report a kernel panic by fault and
 * function. Without the flag it is skipped.
 */
#include <sys/systm.h>
#include <sys/ktest.h>
#include <vm/vm.h>

__attribute__((noinline)) static void
fault_on_purpose(void)
{
	*(volatile uint32_t *)0xdead0000 = 1;
}

KTEST(debug, fault_on_purpose)
{
	if (!cmdline_flag("ktest.fault"))
		KT_SKIP("only with ktest.fault on the kernel command line");
	fault_on_purpose();
	KT_EXPECT(!"the fault did not happen");
}

/* A NULL pointer is never memory in the kernel either: page 0 is not mapped. */
KTEST(debug, page_zero_is_not_mapped)
{
	extern uint32_t pmap_kernel_pte(uint32_t va);

	KT_EXPECT_EQ(pmap_kernel_pte(0) & PTE_P, 0);
	KT_EXPECT((pmap_kernel_pte(0x1000) & PTE_P) != 0);	/* the rest of low memory is */
	KT_EXPECT((pmap_kernel_pte(0x100000) & PTE_P) != 0);	/* the kernel itself */
}
