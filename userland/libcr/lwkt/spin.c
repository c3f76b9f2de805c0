/* The slow path of cr_spin_lock (cr/spin.h). */
#include <sys/sysmsg.h>
#include <cr/spin.h>
#include <cr/sysport.h>

/* Spins before the vCPU gives its CPU away: the holder is likely a preempted vCPU. */
#define SPINS_BEFORE_YIELD	64

void
cr_spin_contended(struct cr_spin *s)
{
	struct sched_yield_msg y;

	for (int i = 0; i < SPINS_BEFORE_YIELD; i++) {
		__asm__ volatile("pause");
		if (s->sp_locked == 0)
			return;
	}
	/* Raw and synchronous: this may run inside the scheduler, where a parked call cannot. */
	y.hdr.ms_cmd = SYS_sched_yield;
	cr_trap_sync(&y.hdr);
}
