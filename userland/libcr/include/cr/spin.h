/*
 * Spin locks for libcr's shared state (the scheduler, the heap). Virtual CPUs of one process
 * run at once (the kernel preempts a vCPU in user code), so whatever two vCPUs touch needs a
 * lock. A holder never blocks while it holds one; a vCPU that finds a lock taken spins a little,
 * then gives its physical CPU away (sched_yield), since the holder may be a preempted vCPU.
 */
#ifndef _CR_SPIN_H_
#define _CR_SPIN_H_

#include <sys/types.h>

struct cr_spin {
	volatile uint32_t sp_locked;
};

/* cr_spin_contended: the slow path of cr_spin_lock (lwkt/spin.c). */
void	cr_spin_contended(struct cr_spin *s);

static inline void
cr_spin_lock(struct cr_spin *s)
{
	while (__atomic_exchange_n(&s->sp_locked, 1, __ATOMIC_ACQUIRE) != 0)
		cr_spin_contended(s);
}

static inline void
cr_spin_unlock(struct cr_spin *s)
{
	__atomic_store_n(&s->sp_locked, 0, __ATOMIC_RELEASE);
}

#endif
