/* The kernel's printf, on the serial console. Newlines go out as CR LF for terminals. */
#include <sys/systm.h>
#include <dev/serial.h>

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
	for (size_t i = 0; i < len; i++)
		console_putc((unsigned char)buf[i], NULL);
}

int
vprintf(const char *fmt, va_list ap)
{
	return kvformat(console_putc, NULL, fmt, ap);
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
