/*
 * The legacy 8259 interrupt controllers: remapped to vectors 32..47 so that a stray device
 * interrupt can never look like a CPU exception, and masked until a driver unmasks its line.
 * With several CPUs the I/O APIC takes the lines over (ioapic.c); these functions then route
 * and acknowledge there.
 */
#include <sys/types.h>
#include <machine/cpufunc.h>
#include <machine/lapic.h>

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xa0
#define PIC2_DATA	0xa1

void
pic_init(void)
{
	outb(PIC1_CMD, 0x11);	/* ICW1: edge-triggered, cascade, ICW4 follows */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, 32);	/* ICW2: vector base */
	outb(PIC2_DATA, 40);
	outb(PIC1_DATA, 0x04);	/* ICW3: slave on IRQ2 */
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01);	/* ICW4: 8086 mode */
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xff);	/* mask everything */
	outb(PIC2_DATA, 0xff);
}

/* pic_unmask: let one IRQ line through. */
void
pic_unmask(int irq)
{
	if (intr_via_ioapic) {		/* several CPUs: the I/O APIC delivers (ioapic.c) */
		ioapic_route(irq);
		return;
	}
	uint16_t port = irq < 8 ? PIC1_DATA : PIC2_DATA;

	outb(port, inb(port) & ~(1u << (irq & 7)));
	if (irq >= 8)
		outb(PIC1_DATA, inb(PIC1_DATA) & ~(1u << 2));	/* the cascade */
}

/* pic_eoi: the end of ISA interrupt irq: to the PIC, or to the local APIC with an I/O APIC. */
void
pic_eoi(int irq)
{
	if (__builtin_expect(intr_via_ioapic, 0)) {
		lapic_eoi();
		return;
	}
	if (irq >= 8)
		outb(PIC2_CMD, 0x20);
	outb(PIC1_CMD, 0x20);
}
