/*
 * KTAP tests of libcr's FILE streams (userland/libcr/stdio).
 *
 *   stdio        reading, positioning, buffering and errors, on this program's own file in the
 *                read-only initrd (SELF), checked against plain open/read/lseek on the same file;
 *   stdio_pipe   line, full and no buffering seen through a pipe, and fgets on known lines;
 *                skipped while pipe() fails;
 *   stdio_write  writing, creating, truncating, appending, r+/w+; skipped while fopen(..., "w")
 *                fails with ENOSYS, EROFS or EACCES (files cannot be created yet).
 */
#include <sys/ktest.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SELF	"/bin/test_stdio"

#define FNV_INIT	2166136261u

static uint32_t
fnv(uint32_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n-- > 0) {
		h ^= *c++;
		h *= 16777619u;
	}
	return h;
}

/* raw_file: SELF's size, FNV hash and number of '\n' bytes, read with plain read(). */
static int
raw_file(off_t *size, uint32_t *hash, int *newlines)
{
	static unsigned char buf[512];
	int fd = open(SELF, O_RDONLY, 0);
	ssize_t n;

	if (fd < 0)
		return -1;
	*size = 0;
	*hash = FNV_INIT;
	*newlines = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		*size += n;
		*hash = fnv(*hash, buf, (size_t)n);
		for (ssize_t i = 0; i < n; i++)
			*newlines += buf[i] == '\n';
	}
	close(fd);
	return n < 0 ? -1 : 0;
}

/* raw_at: n bytes of SELF at offset off, with lseek and read on a descriptor of its own. */
static int
raw_at(off_t off, void *buf, size_t n)
{
	int fd = open(SELF, O_RDONLY, 0);
	size_t got = 0;

	if (fd < 0)
		return -1;
	if (lseek(fd, off, SEEK_SET) != off) {
		close(fd);
		return -1;
	}
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	return got == n ? 0 : -1;
}

/* fd_offset: where the descriptor under a stream is (not where the stream is). */
static off_t
fd_offset(FILE *f)
{
	return lseek(fileno(f), 0, SEEK_CUR);
}

static FILE *
open_self(struct ktest_ctx *ktc)
{
	FILE *f;

	errno = 0;
	f = fopen(SELF, "r");
	if (f == NULL)
		ktest_diag(ktc, "fopen(%s, \"r\"): %s", SELF, errno_name(errno));
	KT_EXPECT(f != NULL);
	return f;
}

/* -- stdio: reading this program's file ----------------------------------------------------- */

KTEST(stdio, std_streams)
{
	KT_EXPECT_EQ(fileno(stdin), 0);
	KT_EXPECT_EQ(fileno(stdout), 1);
	KT_EXPECT_EQ(fileno(stderr), 2);
	KT_EXPECT(!feof(stdout) && !ferror(stdout));
}

KTEST(stdio, output_counts)
{
	KT_EXPECT_EQ(fprintf(stdout, "# fprintf to stdout: %d %s\n", 42, "ok"), 27);
	KT_EXPECT_EQ(printf("# printf: %05d\n", 7), 16);
	KT_EXPECT_EQ(fprintf(stderr, "# fprintf to stderr: %x\n", 0xbeef), 26);
	KT_EXPECT(fputs("# fputs, then putc and fputc", stdout) >= 0);
	KT_EXPECT_EQ(putc('!', stdout), '!');
	KT_EXPECT_EQ(fputc('\n', stdout), '\n');
	KT_EXPECT(puts("# puts") >= 0);
	KT_EXPECT_EQ(fwrite("# fwrite\n", 3, 3, stdout), 3);
	KT_EXPECT_EQ(putchar('#'), '#');
	KT_EXPECT_EQ(putchar('\n'), '\n');
	KT_EXPECT_EQ(fflush(stdout), 0);
	KT_EXPECT_EQ(fflush(NULL), 0);
	KT_EXPECT(!ferror(stdout) && !ferror(stderr));
}

KTEST(stdio, fread_elf_header)
{
	unsigned char hdr[52], pair[6];
	FILE *f = open_self(ktc);

	if (f == NULL)
		return;
	KT_EXPECT_EQ(fread(hdr, 1, 4, f), 4);
	KT_EXPECT(memcmp(hdr, "\177ELF", 4) == 0);
	KT_EXPECT_EQ(fgetc(f), 1);		/* ELFCLASS32 */
	KT_EXPECT_EQ(getc(f), 1);		/* ELFDATA2LSB */
	KT_EXPECT_EQ(ftell(f), 6);
	KT_EXPECT_EQ(fread(hdr + 6, 1, sizeof(hdr) - 6, f), sizeof(hdr) - 6);
	KT_EXPECT(hdr[16] == 2 && hdr[17] == 0);	/* ET_EXEC */
	KT_EXPECT(hdr[18] == 3 && hdr[19] == 0);	/* EM_386 */
	KT_EXPECT_EQ(fread(pair, 2, 3, f), 3);		/* whole elements: 3 of 2 bytes */
	KT_EXPECT_EQ(ftell(f), 58);
	KT_EXPECT(!feof(f) && !ferror(f));
	KT_EXPECT_EQ(fclose(f), 0);
}

KTEST(stdio, fgetc_elf_magic)
{
	FILE *f = open_self(ktc);

	if (f == NULL)
		return;
	KT_EXPECT_EQ(fgetc(f), 0x7f);
	KT_EXPECT_EQ(fgetc(f), 'E');
	KT_EXPECT_EQ(fgetc(f), 'L');
	KT_EXPECT_EQ(fgetc(f), 'F');
	KT_EXPECT_EQ(fclose(f), 0);
}

KTEST(stdio, buffering_reads_ahead)
{
	static char small[16];
	FILE *f = open_self(ktc);

	if (f == NULL)
		return;
	/* Fully buffered: the first fgetc reads a whole buffer (the file is much longer). */
	KT_EXPECT_EQ(fgetc(f), 0x7f);
	KT_EXPECT_EQ(fd_offset(f), BUFSIZ);
	KT_EXPECT_EQ(ftell(f), 1);
	/* fflush on input moves the descriptor back to the stream's position. */
	KT_EXPECT_EQ(fflush(f), 0);
	KT_EXPECT_EQ(fd_offset(f), 1);
	KT_EXPECT_EQ(fgetc(f), 'E');

	/* A buffer of the caller's. */
	rewind(f);
	KT_EXPECT_EQ(setvbuf(f, small, _IOFBF, sizeof(small)), 0);
	KT_EXPECT_EQ(fgetc(f), 0x7f);
	KT_EXPECT_EQ(fd_offset(f), (off_t)sizeof(small));
	KT_EXPECT(memcmp(small, "\177ELF", 4) == 0);

	/* Unbuffered: one byte per read, the descriptor never ahead of the stream. */
	rewind(f);
	KT_EXPECT_EQ(setvbuf(f, NULL, _IONBF, 0), 0);
	for (int i = 0; i < 10; i++)
		fgetc(f);
	KT_EXPECT_EQ(fd_offset(f), 10);
	KT_EXPECT_EQ(ftell(f), 10);

	errno = 0;
	KT_EXPECT(setvbuf(f, NULL, 7, 0) != 0);
	KT_EXPECT_EQ(errno, EINVAL);
	KT_EXPECT_EQ(fclose(f), 0);
}

KTEST(stdio, fseek_ftell_across_buffer)
{
	unsigned char raw[8], got[8];
	off_t size;
	uint32_t hash;
	int nl;
	FILE *f = open_self(ktc);

	if (f == NULL)
		return;
	KT_EXPECT_EQ(raw_file(&size, &hash, &nl), 0);
	KT_EXPECT(size > 6 * BUFSIZ);

	for (int i = 0; i < 2000; i++)
		fgetc(f);
	KT_EXPECT_EQ(ftell(f), 2000);
	KT_EXPECT_EQ(raw_at(2000, raw, 8), 0);
	KT_EXPECT_EQ(fread(got, 1, 8, f), 8);
	KT_EXPECT(memcmp(got, raw, 8) == 0);
	KT_EXPECT_EQ(ftell(f), 2008);

	/* Back over the buffer boundary, relative to the stream's position (not the fd's). */
	KT_EXPECT_EQ(fseek(f, -1008, SEEK_CUR), 0);
	KT_EXPECT_EQ(ftell(f), 1000);
	KT_EXPECT_EQ(raw_at(1000, raw, 8), 0);
	KT_EXPECT_EQ(fread(got, 1, 8, f), 8);
	KT_EXPECT(memcmp(got, raw, 8) == 0);

	KT_EXPECT_EQ(fseek(f, 5000, SEEK_SET), 0);
	KT_EXPECT_EQ(ftell(f), 5000);
	KT_EXPECT_EQ(raw_at(5000, raw, 1), 0);
	KT_EXPECT_EQ(fgetc(f), raw[0]);

	KT_EXPECT_EQ(fseek(f, -1, SEEK_END), 0);
	KT_EXPECT_EQ(ftell(f), size - 1);
	KT_EXPECT_EQ(raw_at(size - 1, raw, 1), 0);
	KT_EXPECT_EQ(fgetc(f), raw[0]);
	KT_EXPECT_EQ(fgetc(f), EOF);
	KT_EXPECT(feof(f));
	KT_EXPECT_EQ(ftell(f), size);

	KT_EXPECT_EQ(fseek(f, 1, SEEK_SET), 0);	/* a successful fseek clears end-of-file */
	KT_EXPECT(!feof(f));
	KT_EXPECT_EQ(fgetc(f), 'E');

	/* rewind clears the error indicator too. */
	KT_EXPECT_EQ(fputc('x', f), EOF);
	KT_EXPECT(ferror(f));
	rewind(f);
	KT_EXPECT(!feof(f) && !ferror(f));
	KT_EXPECT_EQ(ftell(f), 0);
	KT_EXPECT_EQ(fgetc(f), 0x7f);

	errno = 0;
	KT_EXPECT_EQ(fseek(f, 0, 42), -1);
	KT_EXPECT_EQ(errno, EINVAL);
	KT_EXPECT_EQ(fclose(f), 0);
}

KTEST(stdio, ungetc)
{
	char rest[3];
	FILE *f = open_self(ktc), *g;

	if (f == NULL)
		return;
	KT_EXPECT_EQ(fgetc(f), 0x7f);
	KT_EXPECT_EQ(ungetc(0x7f, f), 0x7f);
	KT_EXPECT_EQ(ftell(f), 0);
	KT_EXPECT_EQ(fgetc(f), 0x7f);
	KT_EXPECT_EQ(ungetc('X', f), 'X');		/* not the byte that was read */
	KT_EXPECT_EQ(fgetc(f), 'X');
	KT_EXPECT_EQ(fread(rest, 1, 3, f), 3);
	KT_EXPECT(memcmp(rest, "ELF", 3) == 0);
	KT_EXPECT_EQ(ungetc(EOF, f), EOF);
	KT_EXPECT_EQ(fgetc(f), 1);			/* ELFCLASS32: EOF pushed nothing */

	/* At the end: ungetc clears the end-of-file indicator. */
	KT_EXPECT_EQ(fseek(f, 0, SEEK_END), 0);
	KT_EXPECT_EQ(fgetc(f), EOF);
	KT_EXPECT(feof(f));
	KT_EXPECT_EQ(ungetc('z', f), 'z');
	KT_EXPECT(!feof(f));
	KT_EXPECT_EQ(fgetc(f), 'z');
	KT_EXPECT_EQ(fgetc(f), EOF);
	KT_EXPECT_EQ(fclose(f), 0);

	/* Before anything was read: the buffer is empty. */
	g = open_self(ktc);
	if (g == NULL)
		return;
	KT_EXPECT_EQ(ungetc('Q', g), 'Q');
	KT_EXPECT_EQ(fgetc(g), 'Q');
	KT_EXPECT_EQ(fgetc(g), 0x7f);
	KT_EXPECT_EQ(fclose(g), 0);
}

KTEST(stdio, feof_after_reading_to_end)
{
	static unsigned char big[3000];
	off_t size, total;
	uint32_t hash, h;
	int nl, c;
	size_t n;
	FILE *f = open_self(ktc);

	if (f == NULL)
		return;
	KT_EXPECT_EQ(raw_file(&size, &hash, &nl), 0);

	/* fread in chunks that do not divide the buffer. */
	total = 0;
	h = FNV_INIT;
	while ((n = fread(big, 1, 100, f)) > 0) {
		total += n;
		h = fnv(h, big, n);
	}
	KT_EXPECT_EQ(total, size);
	KT_EXPECT(h == hash);
	KT_EXPECT(feof(f));
	KT_EXPECT(!ferror(f));
	KT_EXPECT_EQ(fgetc(f), EOF);
	KT_EXPECT(feof(f));
	clearerr(f);
	KT_EXPECT(!feof(f));

	/* fread bigger than the buffer: read straight into the caller's memory. */
	rewind(f);
	total = 0;
	h = FNV_INIT;
	while ((n = fread(big, 1, sizeof(big), f)) > 0) {
		total += n;
		h = fnv(h, big, n);
	}
	KT_EXPECT_EQ(total, size);
	KT_EXPECT(h == hash);
	KT_EXPECT(feof(f));

	/* fgetc, byte by byte. */
	rewind(f);
	total = 0;
	h = FNV_INIT;
	while ((c = fgetc(f)) != EOF) {
		unsigned char b = (unsigned char)c;

		total++;
		h = fnv(h, &b, 1);
	}
	KT_EXPECT_EQ(total, size);
	KT_EXPECT(h == hash);
	KT_EXPECT(feof(f) && !ferror(f));
	KT_EXPECT_EQ(fclose(f), 0);
}

KTEST(stdio, fgets_splits_lines)
{
	char line[64];
	off_t size, before, after;
	uint32_t hash, h = FNV_INIT;
	int nl, lines = 0, bad = 0;
	FILE *f = open_self(ktc);

	if (f == NULL)
		return;
	KT_EXPECT_EQ(raw_file(&size, &hash, &nl), 0);
	KT_EXPECT(nl > 0);

	KT_EXPECT(fgets(line, 0, f) == NULL);
	line[0] = 'x';
	KT_EXPECT(fgets(line, 1, f) == line && line[0] == '\0');	/* room for the NUL only */
	KT_EXPECT_EQ(ftell(f), 0);

	/* The file is binary: lengths come from ftell, not strlen. */
	before = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len;

		after = ftell(f);
		len = (size_t)(after - before);
		if (len < 1 || len > sizeof(line) - 1 || line[len] != '\0' ||
		    memchr(line, '\n', len - 1) != NULL ||
		    (line[len - 1] != '\n' && len != sizeof(line) - 1 && after != size))
			bad++;
		if (len >= 1 && line[len - 1] == '\n')
			lines++;
		if (len <= sizeof(line) - 1)
			h = fnv(h, line, len);
		before = after;
	}
	KT_EXPECT_EQ(bad, 0);
	KT_EXPECT_EQ(lines, nl);
	KT_EXPECT_EQ(before, size);
	KT_EXPECT(h == hash);
	KT_EXPECT(feof(f) && !ferror(f));
	KT_EXPECT(fgets(line, sizeof(line), f) == NULL);
	KT_EXPECT_EQ(fclose(f), 0);
}

KTEST(stdio, fclose_returns_zero_and_closes)
{
	int fd, copy;
	FILE *f = open_self(ktc);

	if (f == NULL)
		return;
	KT_EXPECT_EQ(fclose(f), 0);

	fd = open(SELF, O_RDONLY, 0);
	KT_EXPECT(fd >= 0);
	copy = dup(fd);
	KT_EXPECT(copy >= 0);
	f = fdopen(copy, "r");
	KT_EXPECT(f != NULL);
	if (f == NULL)
		return;
	KT_EXPECT_EQ(fileno(f), copy);
	KT_EXPECT_EQ(fgetc(f), 0x7f);
	KT_EXPECT_EQ(fclose(f), 0);
	errno = 0;
	KT_EXPECT_EQ(close(copy), -1);		/* fclose closed the stream's descriptor */
	KT_EXPECT_EQ(errno, EBADF);
	KT_EXPECT_EQ(close(fd), 0);		/* and no other */
}

KTEST(stdio, invalid_mode_einval)
{
	errno = 0;
	KT_EXPECT(fopen(SELF, "z") == NULL);
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT(fopen(SELF, "") == NULL);
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT(fopen(SELF, "rq") == NULL);
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT(fdopen(0, "x") == NULL);
	KT_EXPECT_EQ(errno, EINVAL);
	errno = 0;
	KT_EXPECT(fdopen(-1, "r") == NULL);
	KT_EXPECT_EQ(errno, EBADF);
}

KTEST(stdio, fopen_missing_file)
{
	errno = 0;
	KT_EXPECT(fopen("/bin/no_such_program", "r") == NULL);
	KT_EXPECT_EQ(errno, ENOENT);
}

KTEST(stdio, modes_rb)
{
	FILE *f = fopen(SELF, "rb");

	KT_EXPECT(f != NULL);
	if (f == NULL)
		return;
	KT_EXPECT_EQ(fgetc(f), 0x7f);
	KT_EXPECT_EQ(fclose(f), 0);
}

KTEST(stdio, pool_of_streams)
{
	FILE *f[FOPEN_MAX];
	int opened = 0;

	for (int i = 0; i < FOPEN_MAX; i++) {
		f[i] = fopen(SELF, "r");
		opened += f[i] != NULL;
	}
	KT_EXPECT_EQ(opened, FOPEN_MAX);
	errno = 0;
	KT_EXPECT(fopen(SELF, "r") == NULL);
	KT_EXPECT_EQ(errno, EMFILE);
	for (int i = 0; i < FOPEN_MAX; i++)
		if (f[i] != NULL)
			KT_EXPECT_EQ(fclose(f[i]), 0);
	/* Every slot is free again, and a reused one starts afresh. */
	f[0] = open_self(ktc);
	if (f[0] == NULL)
		return;
	KT_EXPECT_EQ(fgetc(f[0]), 0x7f);
	KT_EXPECT(!feof(f[0]) && !ferror(f[0]));
	KT_EXPECT_EQ(fclose(f[0]), 0);
}

KTEST(stdio, wrong_direction_is_an_error)
{
	FILE *f = open_self(ktc);

	if (f == NULL)
		return;
	errno = 0;
	KT_EXPECT_EQ(fputc('x', f), EOF);
	KT_EXPECT_EQ(errno, EBADF);
	KT_EXPECT(ferror(f));
	clearerr(f);
	KT_EXPECT(!ferror(f));
	KT_EXPECT_EQ(fprintf(f, "%d", 1), -1);
	KT_EXPECT_EQ(fwrite("ab", 1, 2, f), 0);
	KT_EXPECT_EQ(fputs("ab", f), EOF);
	clearerr(f);
	KT_EXPECT_EQ(fgetc(f), 0x7f);			/* reading is unharmed */
	KT_EXPECT_EQ(fclose(f), 0);

	KT_EXPECT_EQ(fgetc(stdout), EOF);
	KT_EXPECT(ferror(stdout));
	clearerr(stdout);
	KT_EXPECT(!ferror(stdout));
}

/* -- stdio_pipe: buffering seen from the other end of a pipe ------------------------------- */

/*
 * pipe_collect: read p[0] up to and including the first '|' (written straight to the pipe
 * after each step, so this never waits for bytes that may not come).
 */
static int
pipe_collect(int fd, char *buf, size_t size)
{
	size_t got = 0;

	while (got < size - 1) {
		ssize_t r = read(fd, buf + got, 1);

		if (r <= 0)
			break;
		got++;
		if (buf[got - 1] == '|')
			break;
	}
	buf[got] = '\0';
	return (int)got;
}

#define PIPE_OR_SKIP(p) do {						\
	if (pipe(p) < 0) {						\
		ktest_diag(ktc, "pipe: %s", errno_name(errno));		\
		KT_SKIP("pipe() does not work yet");			\
	}								\
} while (0)

KTEST(stdio_pipe, buffering_modes)
{
	char got[32];
	int p[2];
	FILE *w, *r;

	PIPE_OR_SKIP(p);
	w = fdopen(p[1], "w");
	KT_EXPECT(w != NULL);
	if (w == NULL)
		return;

	/* Line buffered: "abc" waits for the newline; the marker X overtakes it. */
	KT_EXPECT_EQ(setvbuf(w, NULL, _IOLBF, 0), 0);
	KT_EXPECT_EQ(fputs("abc", w), 0);
	write(p[1], "X", 1);
	KT_EXPECT_EQ(fprintf(w, "de%c\n", 'f'), 4);
	write(p[1], "|", 1);
	pipe_collect(p[0], got, sizeof(got));
	KT_EXPECT(strcmp(got, "Xabcdef\n|") == 0);

	/* Fully buffered: even a newline waits for fflush. */
	KT_EXPECT_EQ(setvbuf(w, NULL, _IOFBF, 0), 0);
	KT_EXPECT_EQ(fputs("ghi\n", w), 0);
	write(p[1], "Y", 1);
	KT_EXPECT_EQ(fflush(w), 0);
	write(p[1], "|", 1);
	pipe_collect(p[0], got, sizeof(got));
	KT_EXPECT(strcmp(got, "Yghi\n|") == 0);

	/* Unbuffered: out at once. */
	KT_EXPECT_EQ(setvbuf(w, NULL, _IONBF, 0), 0);
	KT_EXPECT_EQ(fputs("jk", w), 0);
	write(p[1], "Z|", 2);
	pipe_collect(p[0], got, sizeof(got));
	KT_EXPECT(strcmp(got, "jkZ|") == 0);

	/* fclose writes out what is left, and closes the write end: the reader sees EOF. */
	KT_EXPECT_EQ(setvbuf(w, NULL, _IOFBF, 0), 0);
	KT_EXPECT_EQ(fputs("end", w), 0);
	KT_EXPECT_EQ(fclose(w), 0);
	r = fdopen(p[0], "r");
	KT_EXPECT(r != NULL);
	if (r == NULL)
		return;
	KT_EXPECT_EQ(fgetc(r), 'e');
	KT_EXPECT_EQ(fgetc(r), 'n');
	KT_EXPECT_EQ(fgetc(r), 'd');
	KT_EXPECT_EQ(fgetc(r), EOF);
	KT_EXPECT(feof(r));
	KT_EXPECT_EQ(fclose(r), 0);
}

/*
 * A refill is one read(): it takes what the pipe (or terminal) has, never waits to fill the
 * buffer. (A stream that did would wait here forever: the write end stays open.)
 */
KTEST(stdio_pipe, refill_takes_what_is_there)
{
	char line[32];
	int p[2];
	FILE *r;

	PIPE_OR_SKIP(p);
	r = fdopen(p[0], "r");
	KT_EXPECT(r != NULL);
	if (r == NULL)
		return;
	KT_EXPECT_EQ(write(p[1], "ab", 2), 2);
	KT_EXPECT_EQ(fgetc(r), 'a');
	KT_EXPECT_EQ(fgetc(r), 'b');
	KT_EXPECT_EQ(write(p[1], "line one\nrest", 13), 13);
	KT_EXPECT(fgets(line, sizeof(line), r) != NULL && strcmp(line, "line one\n") == 0);
	KT_EXPECT_EQ(fread(line, 1, 4, r), 4);
	KT_EXPECT(memcmp(line, "rest", 4) == 0);
	KT_EXPECT(!feof(r) && !ferror(r));
	KT_EXPECT_EQ(close(p[1]), 0);
	KT_EXPECT_EQ(fgetc(r), EOF);
	KT_EXPECT(feof(r));
	KT_EXPECT_EQ(fclose(r), 0);
}

KTEST(stdio_pipe, fgets_lines)
{
	static const char text[] = "one\ntwo\n\na longer line\nlast";
	char line[8];
	int p[2];
	FILE *r;

	PIPE_OR_SKIP(p);
	KT_EXPECT_EQ(write(p[1], text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	KT_EXPECT_EQ(close(p[1]), 0);
	r = fdopen(p[0], "r");
	KT_EXPECT(r != NULL);
	if (r == NULL)
		return;
	KT_EXPECT(fgets(line, sizeof(line), r) != NULL && strcmp(line, "one\n") == 0);
	KT_EXPECT(fgets(line, sizeof(line), r) != NULL && strcmp(line, "two\n") == 0);
	KT_EXPECT(fgets(line, sizeof(line), r) != NULL && strcmp(line, "\n") == 0);
	KT_EXPECT(fgets(line, sizeof(line), r) != NULL && strcmp(line, "a longe") == 0);
	KT_EXPECT(fgets(line, sizeof(line), r) != NULL && strcmp(line, "r line\n") == 0);
	KT_EXPECT(fgets(line, sizeof(line), r) != NULL && strcmp(line, "last") == 0);
	KT_EXPECT(feof(r));		/* looking for the end of "last" found the end of input */
	KT_EXPECT(fgets(line, sizeof(line), r) == NULL);
	KT_EXPECT(feof(r) && !ferror(r));
	KT_EXPECT_EQ(fclose(r), 0);
}

/* -- stdio_write: files that can be written (skipped until they can be created) ------------ */

static int
cannot_create(int error)
{
#ifdef EROFS
	if (error == EROFS)
		return 1;
#endif
	return error == ENOSYS || error == EACCES;
}

/* OPEN_NEW_OR_SKIP: f = fopen(path, mode) for a mode that creates; skip if nothing can be. */
#define OPEN_NEW_OR_SKIP(f, path, mode) do {				\
	errno = 0;							\
	(f) = fopen((path), (mode));					\
	if ((f) == NULL && cannot_create(errno)) {			\
		ktest_diag(ktc, "fopen(%s, \"%s\"): %s", (path), (mode), errno_name(errno)); \
		KT_SKIP("files cannot be created yet");			\
	}								\
	KT_EXPECT((f) != NULL);						\
	if ((f) == NULL)						\
		return;							\
} while (0)

/* slurp: the whole file at path as a string (at most size - 1 bytes), or -1. */
static int
slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	if (ferror(f) || !feof(f)) {
		fclose(f);
		return -1;
	}
	return fclose(f) == 0 ? (int)n : -1;
}

KTEST(stdio_write, lines_written_and_read_back)
{
	static const char path[] = "/test_stdio.lines";
	char line[32], want[32];
	int i, bad = 0, chars = 0;
	FILE *f;

	OPEN_NEW_OR_SKIP(f, path, "w");
	for (i = 0; i < 200; i++) {		/* 1690 bytes: more than one buffer */
		int n = fprintf(f, "line %d\n", i);

		bad += n != (i < 10 ? 7 : i < 100 ? 8 : 9);
		chars += n;
	}
	KT_EXPECT_EQ(bad, 0);
	KT_EXPECT_EQ(chars, 1690);
	KT_EXPECT_EQ(ftell(f), 1690);		/* the file's offset plus what is buffered */
	KT_EXPECT_EQ(fclose(f), 0);

	f = fopen(path, "r");
	KT_EXPECT(f != NULL);
	if (f == NULL)
		return;
	bad = 0;
	for (i = 0; i < 200; i++) {
		snprintf(want, sizeof(want), "line %d\n", i);
		if (fgets(line, sizeof(line), f) == NULL || strcmp(line, want) != 0)
			bad++;
	}
	KT_EXPECT_EQ(bad, 0);
	KT_EXPECT(fgets(line, sizeof(line), f) == NULL);
	KT_EXPECT(feof(f));
	KT_EXPECT_EQ(fclose(f), 0);
}

KTEST(stdio_write, truncate_and_append)
{
	static const char path[] = "/test_stdio.append";
	char buf[64];
	FILE *f;

	OPEN_NEW_OR_SKIP(f, path, "w");
	KT_EXPECT_EQ(fputs("hello, world", f), 0);
	KT_EXPECT_EQ(fclose(f), 0);
	f = fopen(path, "w");			/* truncates */
	KT_EXPECT(f != NULL);
	if (f == NULL)
		return;
	KT_EXPECT_EQ(fputs("abc", f), 0);
	KT_EXPECT_EQ(fclose(f), 0);
	KT_EXPECT_EQ(slurp(path, buf, sizeof(buf)), 3);
	KT_EXPECT(strcmp(buf, "abc") == 0);

	f = fopen(path, "a");
	KT_EXPECT(f != NULL);
	if (f == NULL)
		return;
	KT_EXPECT_EQ(fputs("def", f), 0);
	KT_EXPECT_EQ(ftell(f), 6);
	KT_EXPECT_EQ(fclose(f), 0);

	f = fopen(path, "a+");
	KT_EXPECT(f != NULL);
	if (f == NULL)
		return;
	KT_EXPECT_EQ(fseek(f, 0, SEEK_SET), 0);
	KT_EXPECT_EQ(fputs("ghi", f), 0);	/* appends, wherever the stream was */
	KT_EXPECT_EQ(fseek(f, 0, SEEK_SET), 0);
	KT_EXPECT(fgets(buf, sizeof(buf), f) != NULL && strcmp(buf, "abcdefghi") == 0);
	KT_EXPECT_EQ(fclose(f), 0);
}

KTEST(stdio_write, update_modes)
{
	static const char path[] = "/test_stdio.update";
	char buf[16];
	FILE *f;

	OPEN_NEW_OR_SKIP(f, path, "w+");
	KT_EXPECT_EQ(fputs("12345", f), 0);
	rewind(f);
	KT_EXPECT_EQ(fread(buf, 1, 5, f), 5);
	KT_EXPECT(memcmp(buf, "12345", 5) == 0);
	KT_EXPECT_EQ(ftell(f), 5);
	KT_EXPECT_EQ(fclose(f), 0);

	f = fopen(path, "r+");
	KT_EXPECT(f != NULL);
	if (f == NULL)
		return;
	KT_EXPECT_EQ(fgetc(f), '1');
	KT_EXPECT_EQ(fseek(f, 0, SEEK_CUR), 0);
	KT_EXPECT_EQ(fputc('X', f), 'X');	/* over the second byte */
	KT_EXPECT_EQ(fseek(f, 0, SEEK_CUR), 0);
	KT_EXPECT_EQ(fgetc(f), '3');
	KT_EXPECT_EQ(fclose(f), 0);
	KT_EXPECT_EQ(slurp(path, buf, sizeof(buf)), 5);
	KT_EXPECT(strcmp(buf, "1X345") == 0);
}

KTEST(stdio_write, large_fwrite)
{
	static const char path[] = "/test_stdio.large";
	static unsigned char out[3000], in[3100];
	FILE *f;

	for (int i = 0; i < (int)sizeof(out); i++)
		out[i] = (unsigned char)(i * 7 + i / 256);
	OPEN_NEW_OR_SKIP(f, path, "w");
	KT_EXPECT_EQ(fwrite("head", 1, 4, f), 4);		/* buffered */
	KT_EXPECT_EQ(fwrite(out, 1, sizeof(out), f), sizeof(out));
	KT_EXPECT_EQ(fwrite(out, 3, 1000, f), 1000);		/* empty buffer: written directly */
	KT_EXPECT_EQ(ftell(f), 6004);
	KT_EXPECT_EQ(fclose(f), 0);

	f = fopen(path, "r");
	KT_EXPECT(f != NULL);
	if (f == NULL)
		return;
	KT_EXPECT_EQ(fread(in, 1, 4, f), 4);
	KT_EXPECT(memcmp(in, "head", 4) == 0);
	KT_EXPECT_EQ(fread(in, 1, sizeof(out), f), sizeof(out));
	KT_EXPECT(memcmp(in, out, sizeof(out)) == 0);
	KT_EXPECT_EQ(fread(in, 1, sizeof(in), f), sizeof(out));	/* short: the end */
	KT_EXPECT(memcmp(in, out, sizeof(out)) == 0);
	KT_EXPECT(feof(f));
	KT_EXPECT_EQ(fclose(f), 0);
}

/* The end-of-file indicator is sticky: input that arrives later waits for clearerr. */
KTEST(stdio_write, eof_is_sticky)
{
	static const char path[] = "/test_stdio.sticky";
	FILE *w, *r;

	OPEN_NEW_OR_SKIP(w, path, "w");
	KT_EXPECT_EQ(fputs("a", w), 0);
	KT_EXPECT_EQ(fflush(w), 0);
	r = fopen(path, "r");
	KT_EXPECT(r != NULL);
	if (r == NULL) {
		fclose(w);
		return;
	}
	KT_EXPECT_EQ(fgetc(r), 'a');
	KT_EXPECT_EQ(fgetc(r), EOF);
	KT_EXPECT(feof(r));
	KT_EXPECT_EQ(fputs("b", w), 0);
	KT_EXPECT_EQ(fflush(w), 0);
	KT_EXPECT_EQ(fgetc(r), EOF);		/* still at end of file */
	clearerr(r);
	KT_EXPECT_EQ(fgetc(r), 'b');
	KT_EXPECT_EQ(fclose(r), 0);
	KT_EXPECT_EQ(fclose(w), 0);
}
