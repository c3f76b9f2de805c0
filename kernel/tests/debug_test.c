/*
 * A deliberately broken kernel test: with `ktest.fault` on the command line it dereferences an
 * unmapped address, so the harness can be checked to report a kernel panic by fault and
 * function. Without the flag it is skipped.
 */
#include <sys/systm.h>
#include <sys/ktest.h>

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
