/*
 * struct stat, as stat and fstat store it, and the file-type and permission bits: ABI, shared
 * by the kernel (fs/) and libcr's <sys/stat.h>. The type and permission values are POSIX's
 * customary ones (Linux's).
 */
#ifndef _ABI_STAT_H_
#define _ABI_STAT_H_

#include <sys/types.h>
#include <abi/time.h>

struct stat {
	dev_t		st_dev;		/* the device: ramfs 1, pipes 2, devices 3 (ST_DEV_) */
	ino_t		st_ino;		/* the file's number on it */
	mode_t		st_mode;	/* S_IF* type | permission bits */
	nlink_t		st_nlink;	/* names: 1 for a file, 2 + subdirectories for a directory */
	uid_t		st_uid;		/* 0: there are no users */
	gid_t		st_gid;
	dev_t		st_rdev;	/* a device file: which device (the console: 0x0501) */
	off_t		st_size;	/* bytes: a file's length, the bytes in a pipe, the entries
					   of a directory (with . and ..) */
	blksize_t	st_blksize;	/* the best unit of I/O: a page for ramfs */
	blkcnt_t	st_blocks;	/* 512-byte blocks the data occupies */
	struct timespec	st_atim;	/* last read (ramfs: of the data, or a directory listed) */
	struct timespec	st_mtim;	/* last change of the data (a directory: its entries) */
	struct timespec	st_ctim;	/* last change of the data or of the file itself */
	uint32_t	st_spare[3];
};
/* The spec's size of stat's and fstat's buf (kernel/syscalls.toml). */
_Static_assert(sizeof(struct stat) == 96, "struct stat and kernel/syscalls.toml's size 96 differ");

#define st_atime	st_atim.tv_sec
#define st_mtime	st_mtim.tv_sec
#define st_ctime	st_ctim.tv_sec

/* st_dev values */
#define ST_DEV_RAMFS	1
#define ST_DEV_PIPE	2
#define ST_DEV_DEVICES	3

#define S_IFMT		0170000	/* the type's bits */
#define S_IFIFO		0010000
#define S_IFCHR		0020000
#define S_IFDIR		0040000
#define S_IFBLK		0060000
#define S_IFREG		0100000
#define S_IFLNK		0120000
#define S_IFSOCK	0140000

#define S_ISFIFO(m)	(((m) & S_IFMT) == S_IFIFO)
#define S_ISCHR(m)	(((m) & S_IFMT) == S_IFCHR)
#define S_ISDIR(m)	(((m) & S_IFMT) == S_IFDIR)
#define S_ISBLK(m)	(((m) & S_IFMT) == S_IFBLK)
#define S_ISREG(m)	(((m) & S_IFMT) == S_IFREG)
#define S_ISLNK(m)	(((m) & S_IFMT) == S_IFLNK)
#define S_ISSOCK(m)	(((m) & S_IFMT) == S_IFSOCK)

#define S_ISUID		04000
#define S_ISGID		02000
#define S_ISVTX		01000
#define S_IRWXU		00700
#define S_IRUSR		00400
#define S_IWUSR		00200
#define S_IXUSR		00100
#define S_IRWXG		00070
#define S_IRGRP		00040
#define S_IWGRP		00020
#define S_IXGRP		00010
#define S_IRWXO		00007
#define S_IROTH		00004
#define S_IWOTH		00002
#define S_IXOTH		00001
#define ALLPERMS	07777	/* the bits a mode keeps besides its type */

#endif
