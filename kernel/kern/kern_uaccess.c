/* Checked access to user memory (sys/uaccess.h). */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/proc.h>
#include <sys/uaccess.h>
#include <string.h>

/* useracc: [addr, addr+len) lies in user space and every page of it is mapped as access needs. */
bool
useracc(const void *addr, size_t len, int access)
{
	uint32_t start = (uint32_t)addr, end = start + len;
	uint32_t need = PTE_P | PTE_U | ((access & UA_OUT) ? PTE_W : 0);

	if (len == 0)
		return true;
	if (curproc == NULL || start < USER_BASE || end > USER_TOP || end < start)
		return false;
	for (uint32_t va = trunc_page(start); va < end; va += PAGE_SIZE)
		if ((pmap_lookup(&curproc->p_pmap, va) & need) != need)
			return false;
	return true;
}

/* user_range: [addr, addr+len) lies inside user space (the MMU checks the mapping). */
static inline bool
user_range(const void *addr, size_t len)
{
	uint32_t start = (uint32_t)addr, end = start + len;

	return start >= USER_BASE && end <= USER_TOP && end >= start;
}

/* copyin: user memory into the kernel; EFAULT when any of it is outside or unmapped. */
int
copyin(const void *uaddr, void *kaddr, size_t len)
{
	if (!user_range(uaddr, len))
		return EFAULT;
	return user_copy(kaddr, uaddr, len);
}

/* copyinstr: a NUL-terminated user string into kbuf (size bytes); ENAMETOOLONG if longer. */
int
copyinstr(const char *uaddr, char *kbuf, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		if (((uint32_t)(uaddr + i) & PAGE_MASK) == 0 || i == 0)
			if (!useracc(uaddr + i, 1, UA_IN))
				return EFAULT;
		if ((kbuf[i] = uaddr[i]) == '\0')
			return 0;
	}
	return ENAMETOOLONG;
}

/* copyout: kernel memory into the user's; EFAULT when outside, unmapped or read-only. */
int
copyout(const void *kaddr, void *uaddr, size_t len)
{
	if (!user_range(uaddr, len))
		return EFAULT;
	return user_copy(uaddr, kaddr, len);
}
