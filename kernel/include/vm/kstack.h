/*
 * Kernel stacks with guard pages (vm/kstack.c). Each thread's stack has an unmapped guard of
 * KSTACK_GUARD bytes below it, so running off its end faults (a double fault that names the
 * thread) instead of corrupting the page below.
 */
#ifndef _VM_KSTACK_H_
#define _VM_KSTACK_H_

#include <sys/types.h>

#define KSTACK_BASE	0x3f800000u	/* the kernel-stack region: the top 8 MiB below user space */
#define KSTACK_TOP	0x40000000u
#define KSTACK_GUARD	8192u		/* unmapped bytes below every stack (the boot stack too) */

void	kstack_bootstrap(uint32_t *pdir);
void	*kstack_alloc(void);		/* TD_KSTACK_SIZE zeroed bytes, or NULL */
void	kstack_free(void *stack);
bool	kstack_in_guard(const void *stack, uint32_t va);
bool	kernel_va_readable(uint32_t va);
extern uint32_t kstack_count;

#endif
