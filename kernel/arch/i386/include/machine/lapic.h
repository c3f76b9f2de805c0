/* The local APIC (arch/i386/lapic.c) and multiprocessor start-up (arch/i386/mp_machdep.c). */
#ifndef _MACHINE_LAPIC_H_
#define _MACHINE_LAPIC_H_

#include <sys/types.h>

extern uint32_t lapic_timer_count;

void	lapic_init_virtual_wire(void);
void	lapic_init_ap(void);
void	lapic_mask_lint0(void);
int	lapic_id(void);
void	lapic_eoi(void);
void	lapic_send_ipi(int apic_id, int vector);
void	lapic_send_init(int apic_id);
void	lapic_send_startup(int apic_id, uint32_t page);
void	lapic_calibrate(void);
void	lapic_timer_start(void);

/* mp_probe.c: the CPUs the firmware's tables list (ACPI MADT, else the MP table). */
struct mp_cpus {
	int		count;			/* enabled CPUs found, the boot CPU included */
	int		apic_id[32];		/* their APIC ids, in table order */
	const char	*source;		/* "ACPI MADT", "MP table" or "none" */
	uint32_t	ioapic_addr;		/* the (first) I/O APIC, 0 if none was listed */
	uint32_t	ioapic_gsi_base;	/* its first global system interrupt */
	uint8_t		isa_gsi[16];		/* ISA IRQ -> GSI (the MADT's overrides) */
	uint16_t	isa_flags[16];		/* ... and its MPS polarity/trigger flags */
};
void	mp_probe(struct mp_cpus *cpus);
bool	madt_probe(struct mp_cpus *cpus);	/* each table alone (tests); cpus->count = 0 first */
bool	mptable_probe(struct mp_cpus *cpus);

/* ioapic.c: with several CPUs the ISA interrupts go through the I/O APIC, not the PIC. */
extern bool intr_via_ioapic;
void	ioapic_init(const struct mp_cpus *cpus, int apic_id);
void	ioapic_route(int irq);

/* mp_machdep.c */
void	mp_start(void);			/* bring up every other CPU (boot CPU, once) */

#endif
