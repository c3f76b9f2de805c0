/*
 * The local APIC, for now only to let the legacy PIC's interrupts through: "virtual wire"
 * mode, LINT0 as ExtINT. Firmware leaves this in different states (SeaBIOS sets it up, qboot
 * does not), so the kernel sets it itself. SMP will use the local APIC for IPIs and timers.
 */
#include <sys/systm.h>
#include <machine/cpufunc.h>
#include <vm/vm.h>

#define LAPIC_BASE	0xfee00000u
#define LAPIC_SVR	0x0f0		/* spurious-interrupt vector; bit 8 enables the APIC */
#define LAPIC_LVT_LINT0	0x350
#define LAPIC_LVT_LINT1	0x360
#define LVT_EXTINT	0x700
#define LVT_NMI		0x400
#define LVT_MASKED	0x10000
#define SPURIOUS_VECTOR	0xff

static inline void
lapic_write(uint32_t reg, uint32_t value)
{
	*(volatile uint32_t *)(LAPIC_BASE + reg) = value;
}

/* lapic_init_virtual_wire: PIC interrupts reach this CPU through LINT0; NMIs through LINT1. */
void
lapic_init_virtual_wire(void)
{
	pmap_map_device(LAPIC_BASE);
	lapic_write(LAPIC_SVR, 0x100 | SPURIOUS_VECTOR);
	lapic_write(LAPIC_LVT_LINT0, LVT_EXTINT);
	lapic_write(LAPIC_LVT_LINT1, LVT_NMI);
}
