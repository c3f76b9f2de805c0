/* Ending a run: panic and shutdown both end with a verdict QEMU turns into its exit status. */
#include <sys/systm.h>
#include <vm/kstack.h>
#include <machine/cpufunc.h>
#include <dev/qemu.h>
#include <sys/trace.h>

/* shutdown: stop the machine with SHUTDOWN_PASS, _FAIL or _PANIC (see sys/systm.h). */
void
shutdown(int verdict)
{
	cli();
	TRACE_SHUTDOWN(verdict);	/* the trace kernel may hand its ring to the host first */
	debug_exit((uint32_t)verdict);
	/* Without isa-debug-exit (a bare QEMU): stay stopped. */
	for (;;)
		halt();
}

/* backtrace_from: print return addresses up the saved-%ebp chain, numbered from first. */
void
backtrace_from(uint32_t ebp, int first)
{
	for (int depth = first; ebp != 0 && depth < 16; depth++) {
		uint32_t *frame = (uint32_t *)ebp;
		if (ebp < 0x100000 || (ebp & 3) || !kernel_va_readable(ebp) ||
		    !kernel_va_readable(ebp + 4))
			break;		/* not a kernel stack frame: stop rather than fault */
		printf("  #%d 0x%08x\n", depth, frame[1]);
		ebp = frame[0];
	}
}

/* backtrace: the chain from ebp; the host symbolizes the addresses. */
void
backtrace(uint32_t ebp)
{
	printf("backtrace:\n");
	backtrace_from(ebp, 0);
}

/* panic_stop: tell QEMU (pvpanic: the harness sees GUEST_PANICKED) and stop for good. */
void
panic_stop(void)
{
	pvpanic_signal();
	shutdown(SHUTDOWN_PANIC);
}

/* panic: report, signal pvpanic so the harness knows, and stop. Never returns. */
void
panic(const char *fmt, ...)
{
	va_list ap;

	cli();
	printf("\npanic: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	backtrace(read_ebp());
	panic_stop();
}
