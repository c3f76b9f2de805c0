/*
 * The message-port seam as kernel/kern/lwkt_msgport.c includes it (<sys/msgport_sys.h>), found
 * on libcr's include path: libcr's side of the seam is <cr/msgport_sys.h>, on its user threads.
 * The kernel's side is kernel/include/sys/msgport_sys.h, on the kernel's include path only.
 */
#ifndef _LIBCR_SYS_MSGPORT_SYS_H_
#define _LIBCR_SYS_MSGPORT_SYS_H_
#include <cr/msgport_sys.h>
#endif
