/*
 * The default image's demo: a ring-3 program that talks to the kernel only in messages. It
 * shows one system call as the message it really is, then the errors a bad message gets.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <sys/sysmsg.h>
#include <cr/sysport.h>

static void
show(const char *what, struct lwkt_msg *m, int error)
{
	printf("  %-34s -> put answered %-2d ms_error=%-2d (%s) ms_result=%lld flags=%#x\n", what,
	    error, (int)m->ms_error, m->ms_error ? errno_name(m->ms_error) : "ok",
	    (long long)m->ms_result, (unsigned)m->ms_flags);
}

int
main(int argc, char **argv)
{
	static const char hello[] = "    hello from ring 3, delivered by a write message\n";
	struct write_msg w;
	struct lwkt_msg raw;
	int error;

	printf("demo: pid %d, running in ring 3; every line you read was a message to the "
	    "syscall port\n", getpid());

	printf("1. a write, built by hand and sent with lwkt_domsg():\n");
	lwkt_initmsg(&w.hdr, NULL, 0);
	w.hdr.ms_cmd = SYS_write;
	w.fd = 1;
	w.buf = hello;
	w.len = sizeof(hello) - 1;
	error = lwkt_domsg(cr_syscall_port, &w.hdr, 0);
	show("write(1, hello, sizeof hello - 1)", &w.hdr, error);

	printf("2. the null call, the cheapest round trip:\n");
	lwkt_initmsg(&raw, NULL, 0);
	raw.ms_cmd = SYS_null;
	show("null()", &raw, lwkt_domsg(cr_syscall_port, &raw, 0));

	printf("3. bad messages get errors, not a kernel panic:\n");
	lwkt_initmsg(&raw, NULL, 0);
	raw.ms_cmd = 999;
	show("command 999", &raw, lwkt_domsg(cr_syscall_port, &raw, 0));
	lwkt_initmsg(&w.hdr, NULL, 0);
	w.hdr.ms_cmd = SYS_write;
	w.fd = 1;
	w.buf = (const void *)0x00100000;	/* the kernel's own memory */
	w.len = 16;
	show("write(1, <kernel address>, 16)", &w.hdr, lwkt_domsg(cr_syscall_port, &w.hdr, 0));
	error = cr_trap((struct lwkt_msg *)0x10);
	printf("  %-34s -> trap answered %d (%s): no message to answer in\n", "a message at 0x10",
	    error, errno_name(error));

	ssize_t n = write(7, "x", 1);
	printf("4. errno is set in userland by libcr's stub: write(7, ...) = %d, errno = %s\n",
	    (int)n, errno_name(errno));
	printf("demo: done, exiting with status 0\n");
	(void)argc;
	(void)argv;
	return 0;
}
