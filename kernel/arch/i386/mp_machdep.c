/*
 * Bringing up the other CPUs (docs/smp.md). The boot CPU finds them (mp_probe.c), measures the
 * local APIC timer against its PIT tick, copies the real-mode trampoline (mpboot.S) below
 * 1 MiB and starts each CPU in turn with INIT and STARTUP IPIs. Each new CPU gets its
 * globaldata, an idle thread whose kernel stack (with its guard page, vm/kstack.c) it starts
 * on, its own GDT, TSSs and double-fault stack (gdt.c), and its own clock tick from its
 * local APIC timer; then it runs its idle loop. With one CPU nothing here runs but the probe.
 */
#include <sys/systm.h>
#include <sys/globaldata.h>
#include <sys/proc.h>
#include <sys/thread.h>
#include <string.h>
#include <machine/cpufunc.h>
#include <machine/lapic.h>
#include <machine/segments.h>
#include <machine/trap.h>
#include <vm/vm.h>

#define MP_TRAMPOLINE	0x8000		/* mpboot.S: the same */

extern char mp_trampoline[], mp_trampoline_end[], mp_tramp_cr3[], mp_tramp_esp[];

static struct globaldata ap_globaldata[MAXCPU - 1];
static struct globaldata *volatile mp_booting;	/* the CPU being started (ap_main's) */

void	ap_main(void);
void	lwkt_init_cpu(struct globaldata *gd, int cpuid);

/* tramp_word: a word of the trampoline's copy, sym being its place in the original. */
static uint32_t *
tramp_word(const char *sym)
{
	return (uint32_t *)(MP_TRAMPOLINE + (uint32_t)(sym - mp_trampoline));
}

/* wait_started: up to nticks clock ticks for gd to report that it runs; false if it did not. */
static bool
wait_started(struct globaldata *gd, uint64_t nticks)
{
	volatile uint64_t *hard = &mycpu->gd_hardticks;
	uint64_t until = *hard + nticks;

	while (!__atomic_load_n(&gd->gd_started, __ATOMIC_ACQUIRE) && *hard < until)
		__asm__ volatile("pause");
	return __atomic_load_n(&gd->gd_started, __ATOMIC_ACQUIRE) != 0;
}

/* start_cpu: start the CPU of APIC id apic_id as CPU cpuid; false if it never answered. */
static bool
start_cpu(int cpuid, int apic_id)
{
	struct globaldata *gd = &ap_globaldata[cpuid - 1];
	thread_t idle = &gd->gd_idlethread;

	lwkt_init_cpu(gd, cpuid);
	gd->gd_apic_id = apic_id;
	*tramp_word(mp_tramp_esp) = (uint32_t)idle->td_kstack + TD_KSTACK_SIZE;
	mp_booting = gd;
	globaldata_cpus[cpuid] = gd;
	lapic_send_init(apic_id);
	lapic_send_startup(apic_id, MP_TRAMPOLINE);
	if (!wait_started(gd, 1)) {
		lapic_send_startup(apic_id, MP_TRAMPOLINE);	/* the specification's second one */
		if (!wait_started(gd, 20)) {
			globaldata_cpus[cpuid] = NULL;
			return false;
		}
	}
	return true;
}

/*
 * mp_start: bring up every CPU the firmware lists, up to MAXCPU; ncpus counts those that
 * answered. Runs on the boot CPU with interrupts on, before any process exists.
 */
void
mp_start(void)
{
	struct mp_cpus cpus;
	int bsp = lapic_id();

	cpu0_globaldata.gd_apic_id = bsp;
	mp_probe(&cpus);
	if (cpus.count <= 1)
		return;
	lapic_calibrate();
	memcpy((void *)MP_TRAMPOLINE, mp_trampoline, (size_t)(mp_trampoline_end - mp_trampoline));
	*tramp_word(mp_tramp_cr3) = (uint32_t)pmap_kernel_pdir();
	for (int i = 0; i < cpus.count && ncpus < MAXCPU; i++) {
		if (cpus.apic_id[i] == bsp)
			continue;
		if (start_cpu(ncpus, cpus.apic_id[i]))
			__atomic_store_n(&ncpus, ncpus + 1, __ATOMIC_RELEASE);
		else
			printf("smp: the CPU of APIC id %d did not start\n", cpus.apic_id[i]);
	}
	if (ncpus > 1)
		ioapic_init(&cpus, bsp);
	printf("smp: %d CPUs (%s), APIC timer %u counts a tick, ISA interrupts through the %s\n",
	    ncpus, cpus.source, lapic_timer_count, intr_via_ioapic ? "I/O APIC" : "PIC");
}

/*
 * ap_main: a new CPU's first C code (from the trampoline), on its idle thread's stack: its
 * tables, its %fs, its APIC and clock tick; then it reports and runs its idle loop.
 */
void
ap_main(void)
{
	struct globaldata *gd = mp_booting;

	gdt_init(gd->gd_cpuid);
	idt_load(gd->gd_cpuid == PROC_HOME_CPU);
	gdt_set_percpu(gd->gd_cpuid, gd);
	lapic_init_ap();
	lapic_timer_start();
	__atomic_store_n(&gd->gd_started, 1, __ATOMIC_RELEASE);
	lwkt_idle_loop();
}
