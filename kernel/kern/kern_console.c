/*
 * The kernel's printf, on the serial console. Newlines go out as CR LF for terminals. With
 * several CPUs one message at a time goes out: the console lock, a spin lock a CPU may take
 * again while it holds it (a fault or an interrupt inside a printf prints too).
 */
#include <sys/systm.h>
#include <sys/globaldata.h>
#include <sys/thread2.h>
#include <dev/serial.h>

static volatile int console_owner = -1;	/* the CPU printing, or -1 */
static int console_depth;			/* its nesting */

/* console_lock: this CPU alone prints until console_unlock (nothing to do with one CPU). */
static bool
console_lock(void)
{
	int me, free = -1;

	if (ncpus == 1)
		return false;
	crit_enter();
	me = mycpu->gd_cpuid;
	if (console_owner != me) {
		while (!__atomic_compare_exchange_n(&console_owner, &free, me, false,
		    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
			free = -1;
			__asm__ volatile("pause");
		}
	}
	console_depth++;
	return true;
}

static void
console_unlock(bool locked)
{
	if (!locked)
		return;
	if (--console_depth == 0)
		__atomic_store_n(&console_owner, -1, __ATOMIC_RELEASE);
	crit_exit();
}

static void
console_putc(int c, void *arg)
{
	(void)arg;
	if (c == '\n')
		serial_putc('\r');
	serial_putc(c);
}

/* console_write: send len bytes as they are, with the newline translation. */
void
console_write(const char *buf, size_t len)
{
	bool locked = console_lock();

	for (size_t i = 0; i < len; i++)
		console_putc((unsigned char)buf[i], NULL);
	console_unlock(locked);
}

int
vprintf(const char *fmt, va_list ap)
{
	bool locked = console_lock();
	int n = kvformat(console_putc, NULL, fmt, ap);

	console_unlock(locked);
	return n;
}

int
printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}
