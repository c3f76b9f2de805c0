/*
 * The I/O APIC (docs/smp.md). With one CPU the legacy PIC delivers the ISA interrupts through
 * the boot CPU's LINT0 (lapic.c, virtual wire), exactly as before SMP. With several, mp_start
 * moves them to the I/O APIC the MADT lists: each ISA line the kernel uses (those unmasked in
 * the PIC, and any unmasked later: pic_unmask calls ioapic_route) is routed, at the vector the
 * PIC gave it, to the boot CPU's local APIC, through the MADT's overrides (the PIT's IRQ 0 is
 * GSI 2 on QEMU); the PIC is masked and LINT0 with it, and an interrupt ends with a local APIC
 * EOI (pic_eoi).
 */
#include <sys/systm.h>
#include <machine/cpufunc.h>
#include <machine/lapic.h>
#include <machine/trap.h>
#include <vm/vm.h>

#define IOREGSEL	0x00
#define IOWIN		0x10
#define IOAPIC_VER	0x01		/* bits 23:16: the last redirection entry */
#define IOREDTBL(n)	(0x10 + 2 * (n))
#define RED_MASKED	0x10000u
#define RED_LEVEL	0x08000u
#define RED_ACTIVE_LOW	0x02000u

bool intr_via_ioapic;			/* set once the I/O APIC delivers the ISA interrupts */

static volatile uint32_t *ioapic;
static uint32_t gsi_base, gsi_count;
static uint8_t isa_gsi[16];
static uint16_t isa_flags[16];
static int dest_apic;

static uint32_t
ioapic_read(uint32_t reg)
{
	ioapic[IOREGSEL / 4] = reg;
	return ioapic[IOWIN / 4];
}

static void
ioapic_write(uint32_t reg, uint32_t value)
{
	ioapic[IOREGSEL / 4] = reg;
	ioapic[IOWIN / 4] = value;
}

/*
 * ioapic_route: ISA line irq reaches the boot CPU at vector T_IRQ0 + irq. The MPS flags of an
 * override give polarity (bits 1:0, 3: active low) and trigger (bits 3:2, 3: level); ISA's
 * default is active high, edge.
 */
void
ioapic_route(int irq)
{
	uint32_t pin = isa_gsi[irq] - gsi_base, low = (uint32_t)(T_IRQ0 + irq);

	if (ioapic == NULL || isa_gsi[irq] < gsi_base || pin >= gsi_count)
		return;
	if ((isa_flags[irq] & 3) == 3)
		low |= RED_ACTIVE_LOW;
	if (((isa_flags[irq] >> 2) & 3) == 3)
		low |= RED_LEVEL;
	ioapic_write(IOREDTBL(pin) + 1, (uint32_t)dest_apic << 24);
	ioapic_write(IOREDTBL(pin), low);
}

/*
 * ioapic_init: take the ISA interrupts over from the PIC (interrupts off meanwhile): every
 * entry masked, then the lines the PIC let through routed to the CPU of APIC id apic_id.
 */
void
ioapic_init(const struct mp_cpus *cpus, int apic_id)
{
	uint8_t pic_mask = inb(0x21);
	uint16_t mask = (uint16_t)(pic_mask | (inb(0xa1) << 8));

	if (cpus->ioapic_addr == 0)
		return;			/* none listed: the PIC stays */
	pmap_map_device(cpus->ioapic_addr & ~0x3fffffu);
	ioapic = (volatile uint32_t *)cpus->ioapic_addr;
	gsi_base = cpus->ioapic_gsi_base;
	gsi_count = ((ioapic_read(IOAPIC_VER) >> 16) & 0xff) + 1;
	for (int irq = 0; irq < 16; irq++) {
		isa_gsi[irq] = cpus->isa_gsi[irq];
		isa_flags[irq] = cpus->isa_flags[irq];
	}
	dest_apic = apic_id;
	cli();
	for (uint32_t pin = 0; pin < gsi_count; pin++)
		ioapic_write(IOREDTBL(pin), RED_MASKED);
	outb(0x21, 0xff);		/* the PIC delivers nothing more */
	outb(0xa1, 0xff);
	lapic_mask_lint0();
	intr_via_ioapic = true;
	for (int irq = 0; irq < 16; irq++)
		if (irq != 2 && (mask & (1u << irq)) == 0)	/* 2: the PIC's cascade */
			ioapic_route(irq);
	sti();
}
