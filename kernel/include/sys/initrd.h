/* The initrd: a ustar archive loaded as a multiboot module, holding the user programs. */
#ifndef _SYS_INITRD_H_
#define _SYS_INITRD_H_
#include <sys/types.h>
void	initrd_init(const void *start, size_t size);
/* initrd_foreach: fn(path, data, size) for each regular file ("bin/demo"), in archive order. */
void	initrd_foreach(void (*fn)(const char *path, const void *data, size_t size));
#endif
