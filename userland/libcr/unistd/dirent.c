/*
 * Directory streams over getdents: a DIR holds an open directory and a buffer of the records
 * the last getdents filled. telldir is the position after the last entry readdir answered
 * (that entry's d_off); seekdir and rewinddir move the descriptor there and drop the buffer.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#define DIR_BUF		2048

struct __cr_dir {
	int		fd;
	size_t		pos, len;		/* the unread records are buf[pos..len) */
	long		loc;			/* telldir: the position after the last entry answered */
	union {
		struct dirent	align;
		char		buf[DIR_BUF];
	};
};

DIR *
fdopendir(int fd)
{
	struct stat st;
	DIR *dir;

	if (fstat(fd, &st) != 0)
		return NULL;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return NULL;
	}
	if ((dir = malloc(sizeof(*dir))) == NULL)
		return NULL;
	dir->fd = fd;
	dir->pos = dir->len = 0;
	dir->loc = lseek(fd, 0, SEEK_CUR);
	return dir;
}

DIR *
opendir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY, 0);
	DIR *dir;

	if (fd < 0)
		return NULL;
	if ((dir = fdopendir(fd)) == NULL) {
		int error = errno;
		close(fd);
		errno = error;
	}
	return dir;
}

/* readdir: the next entry, or NULL at the end (errno untouched) or on an error (errno set). */
struct dirent *
readdir(DIR *dir)
{
	struct dirent *d;

	if (dir->pos >= dir->len) {
		int n = __sys_getdents(dir->fd, dir->buf, sizeof(dir->buf));
		if (n <= 0)
			return NULL;
		dir->pos = 0;
		dir->len = (size_t)n;
	}
	d = (struct dirent *)(dir->buf + dir->pos);
	dir->pos += d->d_reclen;
	dir->loc = d->d_off;
	return d;
}

int
closedir(DIR *dir)
{
	int error = close(dir->fd);

	free(dir);
	return error;
}

void
seekdir(DIR *dir, long loc)
{
	if (lseek(dir->fd, loc, SEEK_SET) < 0)
		return;
	dir->pos = dir->len = 0;
	dir->loc = loc;
}

void
rewinddir(DIR *dir)
{
	seekdir(dir, 0);
}

long
telldir(DIR *dir)
{
	return dir->loc;
}

int
dirfd(DIR *dir)
{
	return dir->fd;
}
