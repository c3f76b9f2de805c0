/*
 * Reaching user memory from the kernel.
 *
 * The current process's memory is reached through the MMU, never by walking page tables first:
 * a user address is checked to lie in user space (one range check), then loaded or stored
 * directly by an instruction listed in the exception table (__ex_table, see machine/uaccess.h).
 * If the page is not mapped, or is read-only for a store, the page fault finds the instruction
 * in the table and resumes at its fixup, and the access answers EFAULT instead of panicking.
 * A word costs one instruction; a buffer costs one string copy.
 *
 * Memory of a process whose address space is not the current one (a completion in another
 * process's context) is reached with proc_copyin/proc_copyout (kern_proc.c), which use the MMU
 * when they can and walk that process's page tables when they must.
 */
#ifndef _SYS_UACCESS_H_
#define _SYS_UACCESS_H_

#include <sys/types.h>
#include <vm/vm.h>
#include <machine/uaccess.h>

#define USER_SPAN	(USER_TOP - USER_BASE)

/* user_range: [addr, addr+len) lies inside user space. */
static inline __attribute__((always_inline)) bool
user_range(uint32_t addr, uint32_t len)
{
	return addr - USER_BASE <= USER_SPAN - len && len <= USER_SPAN;
}

int	copyin(const void *uaddr, void *kaddr, size_t len);	/* 0 or EFAULT */
int	copyout(const void *kaddr, void *uaddr, size_t len);	/* 0 or EFAULT */
int	copyinstr(const char *uaddr, char *kbuf, size_t size);	/* 0, EFAULT, ENAMETOOLONG */
int	user_copy(void *dst, const void *src, size_t len);	/* arch: 0, or EFAULT on a fault */

#endif
