/*
 * Single loads and stores of user memory through the exception table (sys/uaccess.h).
 *
 * Each access is one instruction whose address goes into the __ex_table section together with
 * where to resume if it faults (a C label, through asm goto). trap() looks the faulting eip up
 * there (uaccess_fixup) when a kernel-mode page fault hits a user address. The caller checks
 * the range first (user_range): the table only turns a missing or read-only user page into
 * EFAULT, it never makes a kernel address safe.
 */
#ifndef _MACHINE_UACCESS_H_
#define _MACHINE_UACCESS_H_

#include <sys/types.h>

struct ex_entry {
	uint32_t	insn;		/* a kernel instruction that touches user memory */
	uint32_t	fixup;		/* where it resumes if that faults */
};

#define EX_ENTRY(fixup)							\
	".pushsection __ex_table, \"a\"\n\t"				\
	".balign 4\n\t"							\
	".long 1b, " fixup "\n\t"					\
	".popsection\n\t"

/* fetch_user32: *uaddr into *out; 0, or EFAULT (a user address the caller range-checked). */
static inline __attribute__((always_inline)) int
fetch_user32(const volatile void *uaddr, uint32_t *out)
{
	uint32_t v;

	__asm__ goto("1:\tmovl %1, %0\n\t" EX_ENTRY("%l[fault]")
	    : "=r"(v) : "m"(*(const volatile uint32_t *)uaddr) : : fault);
	*out = v;
	return 0;
fault:
	return 14;		/* EFAULT */
}

/* store_user32: v into *uaddr; 0, or EFAULT. */
static inline __attribute__((always_inline)) int
store_user32(volatile void *uaddr, uint32_t v)
{
	__asm__ goto("1:\tmovl %1, %0\n\t" EX_ENTRY("%l[fault]")
	    : "=m"(*(volatile uint32_t *)uaddr) : "ri"(v) : : fault);
	return 0;
fault:
	return 14;
}

/* fetch_user8: one byte. */
static inline __attribute__((always_inline)) int
fetch_user8(const volatile void *uaddr, uint8_t *out)
{
	uint8_t v;

	__asm__ goto("1:\tmovb %1, %0\n\t" EX_ENTRY("%l[fault]")
	    : "=q"(v) : "m"(*(const volatile uint8_t *)uaddr) : : fault);
	*out = v;
	return 0;
fault:
	return 14;
}

uint32_t uaccess_fixup(uint32_t eip);		/* the fixup for eip, or 0 */

#endif
