/* open() and its flags (<abi/fcntl.h>: the ABI's values, shared with the kernel). */
#ifndef _FCNTL_H_
#define _FCNTL_H_
#include <sys/types.h>
#include <abi/fcntl.h>
#include <sys/syscalls.h>	/* int open(const char *path, int flags, int mode) */

#endif
