/* Segment selectors and the GDT/TSS set-up. */
#ifndef _MACHINE_SEGMENTS_H_
#define _MACHINE_SEGMENTS_H_

#define GSEL_KCODE	0x08
#define GSEL_KDATA	0x10
#define GSEL_UCODE	(0x18 | 3)
#define GSEL_UDATA	(0x20 | 3)
#define GSEL_TSS	0x28
#define GSEL_KPCPU	0x30		/* %fs in the kernel: this CPU's struct globaldata */
#define GSEL_LDT	0x38		/* the current process's LDT (user TLS descriptors) */
#define GSEL_DFTSS	0x40		/* the double-fault task */
#define LDT_ENTRIES	512		/* one page of descriptors */

#define PSL_T		0x00000100	/* trap flag */
#define PSL_IF		0x00000200	/* interrupts enabled */
#define PSL_D		0x00000400	/* direction flag */
#define PSL_USER	(PSL_IF | 0x2)	/* eflags for ring 3: IOPL 0, IF set */

#ifndef __ASSEMBLER__		/* the selectors are used from trapentry.S too */
#include <sys/types.h>
struct globaldata;
void	gdt_init(int cpu);
void	tss_set_kstack(uint32_t esp0);
void	tss_interrupted(uint32_t *eip, uint32_t *esp, uint32_t *ebp);
void	gdt_set_percpu(int cpu, struct globaldata *gd);
void	ldt_load(void *ldt);
void	ldt_forget(void *ldt);
uint32_t ldt_set_tls(void *ldt, uint32_t slot, uint32_t base);
#endif

#endif
