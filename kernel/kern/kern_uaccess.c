/* Checked access to user memory (sys/uaccess.h): range checks here, the MMU for the rest. */
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/proc.h>
#include <sys/uaccess.h>
#include <string.h>

extern const struct ex_entry __start___ex_table[], __stop___ex_table[];

/* uaccess_fixup: where a faulting user access at eip resumes, or 0 if eip is no such access. */
uint32_t
uaccess_fixup(uint32_t eip)
{
	for (const struct ex_entry *e = __start___ex_table; e < __stop___ex_table; e++)
		if (e->insn == eip)
			return e->fixup;
	return 0;
}

/* copyin: user memory into the kernel; EFAULT when any of it is outside or unmapped. Nothing
 * to copy is never a fault, whatever the address. */
int
copyin(const void *uaddr, void *kaddr, size_t len)
{
	if (len == 0)
		return 0;
	if (!user_range((uint32_t)uaddr, len))
		return EFAULT;
	return user_copy(kaddr, uaddr, len);
}

/* copyout: kernel memory into the user's; EFAULT when outside, unmapped or read-only. */
int
copyout(const void *kaddr, void *uaddr, size_t len)
{
	if (len == 0)
		return 0;
	if (!user_range((uint32_t)uaddr, len))
		return EFAULT;
	return user_copy(uaddr, kaddr, len);
}

/*
 * copyinstr: a NUL-terminated user string into kbuf (size bytes); EFAULT if any byte before the
 * NUL is outside user space or unmapped, ENAMETOOLONG if it does not fit. Each byte is read once.
 */
int
copyinstr(const char *uaddr, char *kbuf, size_t size)
{
	uint32_t u = (uint32_t)uaddr;

	for (size_t i = 0; i < size; i++) {
		uint8_t c;
		if (!user_range(u + i, 1) || fetch_user8((const void *)(u + i), &c) != 0)
			return EFAULT;
		if ((kbuf[i] = (char)c) == '\0')
			return 0;
	}
	return ENAMETOOLONG;
}
