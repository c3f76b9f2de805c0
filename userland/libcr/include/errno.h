/* errno lives in userland: libcr's stubs set it from the message's ms_error. */
#ifndef _ERRNO_H_
#define _ERRNO_H_
#include <sys/errno.h>
extern int errno;
#endif
