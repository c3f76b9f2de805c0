/*
 * open()'s flags and lseek()'s whence: ABI, shared by the kernel (<sys/file.h>) and libcr
 * (<fcntl.h>, <unistd.h>, <stdio.h>). The values are Linux's on i386.
 */
#ifndef _ABI_FCNTL_H_
#define _ABI_FCNTL_H_

#define O_RDONLY	0x0000
#define O_WRONLY	0x0001
#define O_RDWR		0x0002
#define O_ACCMODE	0x0003		/* the access mode's bits */
#define O_CREAT		0x0040		/* make the file if it does not exist */
#define O_EXCL		0x0080		/* with O_CREAT: EEXIST if it does */
#define O_NOCTTY	0x0100		/* accepted; a terminal never becomes controlling by open */
#define O_TRUNC		0x0200
#define O_APPEND	0x0400
#define O_DIRECTORY	0x10000		/* ENOTDIR unless path names a directory */

#define SEEK_SET	0
#define SEEK_CUR	1
#define SEEK_END	2

#endif
