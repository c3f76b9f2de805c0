/*
 * Directories: opendir, readdir, closedir, rewinddir, telldir, seekdir, dirfd, over the getdents
 * call (struct dirent: <abi/dirent.h>). A DIR reads entries in batches into its own buffer; the
 * struct dirent readdir answers lives there until the next readdir or closedir on that DIR.
 * Entries come in the order they were made, "." and ".." first.
 */
#ifndef _DIRENT_H_
#define _DIRENT_H_
#include <sys/types.h>
#include <abi/dirent.h>

typedef struct __cr_dir DIR;

DIR	*opendir(const char *path);
DIR	*fdopendir(int fd);
struct dirent *readdir(DIR *dir);
int	closedir(DIR *dir);
void	rewinddir(DIR *dir);
long	telldir(DIR *dir);
void	seekdir(DIR *dir, long loc);
int	dirfd(DIR *dir);
#endif
