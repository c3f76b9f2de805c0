/*
 * Spin locks for the lowest layers (the page allocator, kmalloc, kernel-stack slots), which
 * the scheduler itself calls (a thread's stack is freed inside a switch), so they cannot take a
 * token, which may switch. A spin lock is held inside a critical section (so this CPU's
 * deferred interrupt work cannot run into it) for a few instructions; another CPU that wants it
 * spins. Never held across anything that blocks; not recursive.
 */
#ifndef _SYS_SPINLOCK_H_
#define _SYS_SPINLOCK_H_

#include <sys/thread2.h>

struct spinlock {
	volatile uint32_t sl_lock;	/* 1: held */
	uint32_t	sl_spins;	/* times a CPU found it held (statistics) */
};

#define SPINLOCK_INITIALIZER	{ 0, 0 }

static inline void
spin_lock(struct spinlock *sl)
{
	crit_enter();
	while (__builtin_expect(__atomic_exchange_n(&sl->sl_lock, 1, __ATOMIC_ACQUIRE) != 0, 0)) {
		sl->sl_spins++;
		while (sl->sl_lock)
			__asm__ volatile("pause");
	}
}

static inline void
spin_unlock(struct spinlock *sl)
{
	__atomic_store_n(&sl->sl_lock, 0, __ATOMIC_RELEASE);
	crit_exit();
}

#endif
