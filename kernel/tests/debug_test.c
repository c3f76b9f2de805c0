/*
 * A deliberately broken kernel test: with `ktest.fault` on the command line it dereferences an
 * unmapped address, so the harness can be checked to report a kernel panic by fault and
 * function. Without the flag it is skipped.
 */
#include <sys/systm.h>
#include <sys/ktest.h>
#include <sys/thread.h>
#include <vm/vm.h>
#include <machine/cpufunc.h>

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

/*
 * eat_stack: recurse with a frame of about 256 bytes until the stack runs out. The guard page
 * below every kernel stack turns the overflow into a double fault that names the thread.
 */
static volatile uint32_t eat_stack_limit = ~0u;	/* volatile: gcc cannot see the end */

__attribute__((noinline)) static uint32_t
eat_stack(uint32_t depth)
{
	volatile uint8_t frame[256];

	frame[depth & 0xff] = (uint8_t)depth;
	if (depth == eat_stack_limit)
		return frame[0];
	return eat_stack(depth + 1) + frame[0];
}

static void
stack_hog(void *arg)
{
	(void)arg;
	eat_stack(0);
}

/* What if a kernel thread runs off its stack? A clean panic naming it, never corruption. */
KTEST(debug, kernel_stack_overflow)
{
	thread_t td;

	if (!cmdline_flag("ktest.overflow"))
		KT_SKIP("only with ktest.overflow on the kernel command line");
	KT_ASSERT_EQ(lwkt_create(stack_hog, NULL, &td, TDPRI_KERN + 1, 0, "stack-hog"), 0);
	lwkt_yield();
	KT_EXPECT(!"the overflow did not happen");
}

/* And the boot context (thread0, on the boot stack, which has a guard of its own)? */
KTEST(debug, boot_stack_overflow)
{
	if (!cmdline_flag("ktest.overflow0"))
		KT_SKIP("only with ktest.overflow0 on the kernel command line");
	eat_stack(0);
	KT_EXPECT(!"the overflow did not happen");
}

/*
 * Faults the harness must name (docs/harness.md, "How a run ends"). Each runs only with its word
 * on the kernel command line, and none returns.
 */

/*
 * triple_fault_on_purpose: load an IDT of limit 0 and break: the breakpoint cannot be delivered
 * (#GP), nor can that (#DF), so the CPU resets.
 */
__attribute__((noinline)) static void
triple_fault_on_purpose(void)
{
	static const struct { uint16_t limit; uint32_t base; } __attribute__((packed)) empty = { 0, 0 };

	cli();
	__asm__ volatile("lidt %0; int3" : : "m"(empty));
}

KTEST(debug, triple_fault)
{
	if (!cmdline_flag("ktest.triple_fault"))
		KT_SKIP("only with ktest.triple_fault on the kernel command line");
	triple_fault_on_purpose();
	KT_EXPECT(!"the CPU survived a triple fault");
}

/*
 * reset_on_purpose: ask the chipset's reset control register (port 0xcf9) for a hard reset, as
 * a reboot would. QEMU acts on it a few instructions later: wait here, with interrupts off so
 * that a clock tick cannot carry the CPU into vector32 first, so that this is where it finds it.
 */
__attribute__((noinline, noreturn)) static void
reset_on_purpose(void)
{
	cli();
	outb(0xcf9, 0x02);
	outb(0xcf9, 0x06);
	for (;;)
		continue;
}

KTEST(debug, reset)
{
	if (!cmdline_flag("ktest.reset"))
		KT_SKIP("only with ktest.reset on the kernel command line");
	reset_on_purpose();
}

/* hang_on_purpose: spin in the kernel with interrupts on: the clock ticks, nothing else runs. */
__attribute__((noinline)) static void
hang_on_purpose(void)
{
	for (volatile uint32_t spins = 0;; spins++)
		continue;
}

KTEST(debug, hang)
{
	if (!cmdline_flag("ktest.hang"))
		KT_SKIP("only with ktest.hang on the kernel command line");
	hang_on_purpose();
}
