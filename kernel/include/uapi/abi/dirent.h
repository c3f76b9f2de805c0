/*
 * The directory entries getdents stores: ABI, shared by the kernel (fs/ramfs_dir.c) and libcr's
 * <dirent.h>. Records are packed one after another, each d_reclen bytes (a multiple of 4): the
 * fixed part and the name with its NUL, not all of d_name[]. d_off is the directory's position
 * after the entry: lseek(fd, d_off, SEEK_SET) resumes there (telldir/seekdir, rewinddir at 0).
 */
#ifndef _ABI_DIRENT_H_
#define _ABI_DIRENT_H_

#include <sys/types.h>
#include <abi/limits.h>

struct dirent {
	ino_t		d_ino;			/* the entry's file number (st_ino) */
	uint32_t	d_off;			/* the position after this entry */
	uint16_t	d_reclen;		/* this record's bytes */
	uint8_t		d_type;			/* DT_* */
	char		d_name[NAME_MAX + 1];	/* NUL-terminated; the record ends after the NUL */
};

/* the bytes of the record of a name of namelen bytes */
#define DIRENT_RECLEN(namelen)	((__builtin_offsetof(struct dirent, d_name) + (namelen) + 1 + 3) & ~3u)

#define DT_UNKNOWN	0
#define DT_FIFO		1
#define DT_CHR		2
#define DT_DIR		4
#define DT_REG		8

#endif
