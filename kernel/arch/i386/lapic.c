/*
 * The local APIC: one per CPU, at the same physical address on each (each CPU sees its own).
 * On the boot CPU it lets the legacy PIC's interrupts through ("virtual wire" mode, LINT0 as
 * ExtINT): firmware leaves it in different states (SeaBIOS sets it up, qboot does not), so the
 * kernel sets it itself. With more CPUs (docs/smp.md) it also starts the other CPUs
 * (INIT-SIPI-SIPI), sends IPIs, and gives every CPU but the boot CPU its clock tick (the boot
 * CPU keeps the PIT, so a one-CPU machine runs exactly as before).
 */
#include <sys/systm.h>
#include <sys/globaldata.h>
#include <sys/timer.h>
#include <machine/cpufunc.h>
#include <machine/lapic.h>
#include <machine/trap.h>
#include <vm/vm.h>

#define LAPIC_BASE	0xfee00000u
#define LAPIC_ID	0x020		/* bits 31:24 */
#define LAPIC_EOI	0x0b0
#define LAPIC_SVR	0x0f0		/* spurious-interrupt vector; bit 8 enables the APIC */
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310		/* bits 31:24: the destination's APIC id */
#define LAPIC_LVT_TIMER	0x320
#define LAPIC_LVT_LINT0	0x350
#define LAPIC_LVT_LINT1	0x360
#define LAPIC_TIMER_ICR	0x380		/* initial count */
#define LAPIC_TIMER_CCR	0x390		/* current count */
#define LAPIC_TIMER_DCR	0x3e0		/* divide configuration */
#define LVT_EXTINT	0x700
#define LVT_NMI		0x400
#define LVT_MASKED	0x10000
#define LVT_PERIODIC	0x20000
#define ICR_INIT	0x500
#define ICR_STARTUP	0x600
#define ICR_LEVEL_ASSERT 0x4000
#define ICR_PENDING	0x1000		/* delivery status: the IPI is not sent yet */
#define DCR_DIV1	0xb

uint32_t lapic_timer_count;		/* LAPIC timer counts per clock tick (lapic_calibrate) */

static inline void
lapic_write(uint32_t reg, uint32_t value)
{
	*(volatile uint32_t *)(LAPIC_BASE + reg) = value;
}

static inline uint32_t
lapic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(LAPIC_BASE + reg);
}

/* lapic_init_virtual_wire: PIC interrupts reach this CPU through LINT0; NMIs through LINT1. */
void
lapic_init_virtual_wire(void)
{
	pmap_map_device(LAPIC_BASE);
	lapic_write(LAPIC_SVR, 0x100 | T_SPURIOUS);
	lapic_write(LAPIC_LVT_LINT0, LVT_EXTINT);
	lapic_write(LAPIC_LVT_LINT1, LVT_NMI);
}

/* lapic_mask_lint0: the PIC no longer reaches this CPU (the I/O APIC took over: ioapic.c). */
void
lapic_mask_lint0(void)
{
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
}

/* lapic_init_ap: another CPU's APIC: enabled, no PIC interrupts (they go to the boot CPU). */
void
lapic_init_ap(void)
{
	lapic_write(LAPIC_SVR, 0x100 | T_SPURIOUS);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
}

/* lapic_id: the running CPU's APIC id. */
int
lapic_id(void)
{
	return (int)(lapic_read(LAPIC_ID) >> 24);
}

void
lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

/* lapic_icr: send one interrupt command to the CPU whose APIC id is apic_id, and wait till sent. */
static void
lapic_icr(int apic_id, uint32_t command)
{
	lapic_write(LAPIC_ICR_HI, (uint32_t)apic_id << 24);
	lapic_write(LAPIC_ICR_LO, command);
	while (lapic_read(LAPIC_ICR_LO) & ICR_PENDING)
		__asm__ volatile("pause");
}

/* lapic_send_ipi: interrupt the CPU of APIC id apic_id with vector (fixed delivery). */
void
lapic_send_ipi(int apic_id, int vector)
{
	lapic_icr(apic_id, (uint32_t)vector);
}

/* lapic_send_init: the INIT that resets a CPU into its wait-for-startup state. */
void
lapic_send_init(int apic_id)
{
	lapic_icr(apic_id, ICR_INIT | ICR_LEVEL_ASSERT);
}

/* lapic_send_startup: a STARTUP IPI: the CPU starts in real mode at page (vector << 12). */
void
lapic_send_startup(int apic_id, uint32_t page)
{
	lapic_icr(apic_id, ICR_STARTUP | (page >> 12));
}

/*
 * lapic_calibrate: how many LAPIC timer counts (divide by 1) one clock tick lasts, measured on
 * the boot CPU against the PIT's ticks (interrupts on). Only with more than one CPU.
 */
void
lapic_calibrate(void)
{
	volatile uint64_t *hard = &mycpu->gd_hardticks;
	uint64_t t;

	lapic_write(LAPIC_TIMER_DCR, DCR_DIV1);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | T_LTIMER);
	for (t = *hard; *hard == t; )
		halt();
	lapic_write(LAPIC_TIMER_ICR, 0xffffffffu);
	for (t = *hard; *hard < t + 2; )
		halt();
	lapic_timer_count = (0xffffffffu - lapic_read(LAPIC_TIMER_CCR)) / 2;
	lapic_write(LAPIC_TIMER_ICR, 0);
	if (lapic_timer_count == 0)
		lapic_timer_count = 1000000;
}

/* lapic_timer_start: this CPU's periodic clock tick, at HZ (lapic_calibrate's count). */
void
lapic_timer_start(void)
{
	lapic_write(LAPIC_TIMER_DCR, DCR_DIV1);
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | T_LTIMER);
	lapic_write(LAPIC_TIMER_ICR, lapic_timer_count);
}
