/*
 * The COM1 serial port, polled: the kernel's console. Output only for now; the harness reads
 * it through QEMU's socket chardev and its log file.
 */
#include <sys/types.h>
#include <machine/cpufunc.h>
#include <dev/serial.h>

#define COM1		0x3f8
#define COM_DATA	0
#define COM_IER		1
#define COM_FCR		2
#define COM_LCR		3
#define COM_MCR		4
#define COM_LSR		5
#define LSR_THRE	0x20	/* transmit holding register empty */

/* serial_init: 115200 baud, 8 data bits, no parity, one stop bit, FIFOs on, no interrupts. */
void
serial_init(void)
{
	outb(COM1 + COM_IER, 0x00);
	outb(COM1 + COM_LCR, 0x80);	/* divisor latch */
	outb(COM1 + COM_DATA, 0x01);	/* 115200 / 1 */
	outb(COM1 + COM_IER, 0x00);
	outb(COM1 + COM_LCR, 0x03);	/* 8N1 */
	outb(COM1 + COM_FCR, 0xc7);
	outb(COM1 + COM_MCR, 0x03);
}

/* serial_putc: send one byte, waiting while the transmitter is busy. */
void
serial_putc(int c)
{
	while ((inb(COM1 + COM_LSR) & LSR_THRE) == 0)
		;
	outb(COM1 + COM_DATA, (uint8_t)c);
}
