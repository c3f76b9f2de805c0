/* The initrd: a ustar archive loaded as a multiboot module, holding the user programs. */
#ifndef _SYS_INITRD_H_
#define _SYS_INITRD_H_
#include <sys/types.h>
void	initrd_init(const void *start, size_t size);
/* initrd_lookup: the contents of the regular file at path ("/bin/demo" or "bin/demo"). */
int	initrd_lookup(const char *path, const void **data, size_t *size);
#endif
