/*
 * Thread-local storage, as the ELF i386 TLS ABI (variant II) has it: each user thread has a TLS
 * block holding its copy of the program's PT_TLS image (.tdata copied, .tbss zeroed), right
 * below its thread control block; %gs points at the TCB, whose first word holds the TCB's own
 * address (%gs:0). gcc reaches `__thread` variables at negative offsets from %gs.
 *
 * Each thread's %gs selector names its own descriptor in the process's LDT, written by the
 * kernel once when the thread is made (the tls_set call), so a switch only reloads %gs.
 */
#ifndef _CR_TLS_H_
#define _CR_TLS_H_

#include <sys/types.h>

struct thread;

struct cr_tcb {
	struct cr_tcb	*tcb_self;		/* %gs:0, as the ABI requires */
	struct thread	*tcb_thread;		/* the user thread it belongs to */
};

/* cr_tls_size: bytes a TLS area (block and TCB, aligned) takes. */
size_t	cr_tls_size(void);
/* cr_tls_setup: lay out a TLS area in mem (cr_tls_size() bytes), for thread td with LDT slot;
 * answers the %gs selector, or 0 (errno set). */
uint32_t cr_tls_setup(void *mem, struct thread *td, unsigned int slot);
/* cr_tcb: the calling thread's TCB, read through %gs:0. */
static inline struct cr_tcb *
cr_tcb(void)
{
	struct cr_tcb *t;

	__asm__ volatile("movl %%gs:0, %0" : "=r"(t));
	return t;
}

#endif
