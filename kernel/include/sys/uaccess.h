/*
 * Checking user addresses. Every pointer a user program hands the kernel is checked before the
 * kernel touches it: inside user space, not wrapping, and mapped (writable for UA_OUT/UA_INOUT).
 * A process has one thread, so a mapping cannot vanish between the check and the use; code that
 * completes a call later, from another context, uses proc_copyin/proc_copyout instead.
 */
#ifndef _SYS_UACCESS_H_
#define _SYS_UACCESS_H_

#include <sys/types.h>

#define UA_IN		0x1	/* the kernel reads it */
#define UA_OUT		0x2	/* the kernel writes it */
#define UA_INOUT	(UA_IN | UA_OUT)

bool	useracc(const void *addr, size_t len, int access);
int	copyin(const void *uaddr, void *kaddr, size_t len);	/* 0 or EFAULT */
int	copyout(const void *kaddr, void *uaddr, size_t len);	/* 0 or EFAULT */
int	copyinstr(const char *uaddr, char *kbuf, size_t size);	/* 0, EFAULT, ENAMETOOLONG */
int	user_copy(void *dst, const void *src, size_t len);	/* arch: 0, or EFAULT on a fault */

#endif
