/*
 * The COM1 serial port: the kernel's console. Output is polled; input arrives by interrupt
 * (dev/console.c). The harness reads and writes it through QEMU's pipe chardev.
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
#define LSR_DR		0x01	/* a received byte is waiting */

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

/* serial_getc: a received byte, or -1 when none is waiting. */
int
serial_getc(void)
{
	if ((inb(COM1 + COM_LSR) & LSR_DR) == 0)
		return -1;
	return inb(COM1 + COM_DATA);
}

/* serial_enable_rx_interrupt: IRQ 4 for every received byte (OUT2 routes it to the PIC). */
void
serial_enable_rx_interrupt(void)
{
	outb(COM1 + COM_MCR, 0x0b);
	outb(COM1 + COM_IER, 0x01);
	while (serial_getc() >= 0)	/* drop what arrived before anyone listened */
		;
}

/* serial_putc: send one byte, waiting while the transmitter is busy. */
void
serial_putc(int c)
{
	while ((inb(COM1 + COM_LSR) & LSR_THRE) == 0)
		;
	outb(COM1 + COM_DATA, (uint8_t)c);
}
