/*
 * The initrd archive in ustar format (what Python's tarfile writes): 512-byte headers, each
 * followed by the file's contents rounded up to 512 bytes; two zero blocks end it.
 */
#include <sys/systm.h>
#include <sys/initrd.h>
#include <string.h>

#define BLOCK	512

struct ustar_header {
	char	name[100], mode[8], uid[8], gid[8], size[12], mtime[12], chksum[8];
	char	typeflag, linkname[100], magic[6], version[2], uname[32], gname[32];
	char	devmajor[8], devminor[8], prefix[155], pad[12];
};

static const uint8_t *archive;
static size_t archive_size;

void
initrd_init(const void *start, size_t size)
{
	archive = start;
	archive_size = size;
}

static size_t
octal(const char *s, size_t n)
{
	size_t v = 0;

	for (size_t i = 0; i < n && s[i] >= '0' && s[i] <= '7'; i++)
		v = v * 8 + (size_t)(s[i] - '0');
	return v;
}

/*
 * initrd_foreach: fn(path, data, size) for each regular file of the archive, in archive order
 * (ramfs builds its tree from them at boot). Paths lose a leading "./".
 */
void
initrd_foreach(void (*fn)(const char *path, const void *data, size_t size))
{
	for (size_t off = 0; off + BLOCK <= archive_size; ) {
		const struct ustar_header *h = (const void *)(archive + off);
		if (h->name[0] == '\0')
			break;
		if (memcmp(h->magic, "ustar", 5) != 0) {
			printf("initrd: bad header at offset %u: not ustar\n", (unsigned)off);
			return;
		}
		size_t n = octal(h->size, sizeof(h->size));
		char name[sizeof(h->prefix) + sizeof(h->name) + 2];
		if (h->prefix[0])
			snprintf(name, sizeof(name), "%.155s/%.100s", h->prefix, h->name);
		else
			snprintf(name, sizeof(name), "%.100s", h->name);
		const char *nm = name;
		while (nm[0] == '.' && nm[1] == '/')
			nm += 2;
		if (off + BLOCK + n > archive_size) {
			printf("initrd: %s runs past the end of the archive\n", nm);
			return;
		}
		if (h->typeflag == '0' || h->typeflag == '\0')
			fn(nm, archive + off + BLOCK, n);
		off += BLOCK + (n + BLOCK - 1) / BLOCK * BLOCK;
	}
}
