#ifndef _UNISTD_H_
#define _UNISTD_H_
#include <sys/types.h>
#include <sys/syscalls.h>
#define STDIN_FILENO	0
#define STDOUT_FILENO	1
#define STDERR_FILENO	2
#endif
