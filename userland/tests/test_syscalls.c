/*
 * KTAP tests of the first system calls, sent as messages: each case asks what the kernel does
 * with a good or a bad message. Every answer is checked both in the message and in errno.
 */
#include <sys/ktest.h>
#include <sys/sysmsg.h>
#include <cr/sysport.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Addresses a program does not own: the kernel's memory, unmapped user space, past the top. */
#define KERNEL_ADDR	((void *)0x00100000)
#define UNMAPPED_ADDR	((void *)0x80000000)

extern char _end[];	/* end of the program's data: the page after it is unmapped */

static int
send_raw(struct lwkt_msg *m, uint32_t cmd, uint32_t flags)
{
	lwkt_initmsg(m, NULL, 0);
	m->ms_cmd = cmd;
	m->ms_flags = flags;
	return cr_trap(m);
}

KTEST(syscall, getpid_is_stable)
{
	pid_t a = getpid(), b = getpid();

	KT_EXPECT(a > 0);
	KT_EXPECT_EQ(a, b);
}

KTEST(syscall, null_answers_in_message)
{
	struct null_msg m;

	lwkt_initmsg(&m.hdr, NULL, 0);
	m.hdr.ms_cmd = SYS_null;
	m.hdr.ms_result = 12345;
	m.hdr.ms_tag = 0x1122334455667788ULL;
	KT_EXPECT_EQ(lwkt_domsg(cr_syscall_port, &m.hdr, 0), 0);
	KT_EXPECT_EQ(m.hdr.ms_error, 0);
	KT_EXPECT_EQ(m.hdr.ms_result, 0);
	KT_EXPECT((m.hdr.ms_flags & (MSGF_DONE | MSGF_REPLY)) == (MSGF_DONE | MSGF_REPLY));
	KT_EXPECT(m.hdr.ms_tag == 0x1122334455667788ULL);	/* the sender's own */
	KT_EXPECT_EQ(cr_null(), 0);
}

KTEST(syscall, write_returns_length)
{
	KT_EXPECT_EQ(write(1, "# write test\n", 13), 13);
	KT_EXPECT_EQ(write(1, NULL, 0), 0);	/* an empty buffer needs no valid pointer */
}

KTEST(syscall, write_bad_descriptor_ebadf)
{
	errno = 0;
	KT_EXPECT_EQ(write(5, "x", 1), -1);
	KT_EXPECT_EQ(errno, EBADF);
}

KTEST(syscall, write_bad_buffers_efault)
{
	char *page_end = (char *)(((uint32_t)_end + 4095) & ~4095u);

	errno = 0;
	KT_EXPECT_EQ(write(1, NULL, 4), -1);
	KT_EXPECT_EQ(errno, EFAULT);
	errno = 0;
	KT_EXPECT_EQ(write(1, KERNEL_ADDR, 4), -1);
	KT_EXPECT_EQ(errno, EFAULT);
	errno = 0;
	KT_EXPECT_EQ(write(1, UNMAPPED_ADDR, 4), -1);
	KT_EXPECT_EQ(errno, EFAULT);
	errno = 0;	/* starts mapped, ends on the unmapped page after the program */
	KT_EXPECT_EQ(write(1, page_end - 2, 4), -1);
	KT_EXPECT_EQ(errno, EFAULT);
	errno = 0;	/* wraps around the top of the address space */
	KT_EXPECT_EQ(write(1, (void *)0xfffffff0, 0x20), -1);
	KT_EXPECT_EQ(errno, EFAULT);
}

/*
 * What if ring 3 traps with the direction flag set, or with its data segments loaded with some
 * other selector (here its TLS descriptor, whose base is not 0)? The kernel's copies still run
 * forwards and its accesses go where they should; the program gets its own segments back, and
 * every register but %eax (the answer) as it was.
 */
KTEST(syscall, a_trap_with_odd_flags_and_segments_is_safe)
{
	int fds[2];
	char back[16];
	struct write_msg w;
	uint32_t err, ecx, edx;
	uint16_t gs, ds_after, es_after;

	KT_ASSERT_EQ(pipe(fds), 0);
	lwkt_initmsg(&w.hdr, NULL, 0);
	w.hdr.ms_cmd = SYS_write;
	w.hdr.ms_flags = MSGF_SYNC;
	w.fd = fds[1];
	w.buf = "0123456789abcdef";
	w.len = 16;
	__asm__ volatile("std\n\tint $0x80\n\tcld" : "=a"(err) : "a"(&w.hdr) : "ecx", "edx", "memory", "cc");
	KT_EXPECT_EQ(err, 0);
	KT_EXPECT_EQ(w.hdr.ms_result, 16);
	KT_EXPECT_EQ(read(fds[0], back, 16), 16);
	KT_EXPECT(memcmp(back, "0123456789abcdef", 16) == 0);	/* copied forwards */

	__asm__ volatile("movw %%gs, %0" : "=r"(gs));
	w.buf = "segments";
	w.len = 8;
	__asm__ volatile("pushl %%ds\n\tpushl %%es\n\t"
	    "movw %w5, %%ds\n\tmovw %w5, %%es\n\t"
	    "movl $0x12345678, %%ecx\n\tmovl $0x9abcdef0, %%edx\n\t"
	    "int $0x80\n\t"
	    "movw %%ds, %w1\n\tmovw %%es, %w2\n\t"
	    "popl %%es\n\tpopl %%ds\n\t"
	    "movl %%ecx, %3\n\tmovl %%edx, %4"
	    : "=a"(err), "=&S"(ds_after), "=&D"(es_after), "=m"(ecx), "=m"(edx)
	    : "b"(gs), "a"(&w.hdr) : "ecx", "edx", "memory", "cc");
	KT_EXPECT_EQ(err, 0);
	KT_EXPECT_EQ(w.hdr.ms_result, 8);
	KT_EXPECT_EQ(ds_after, gs);			/* its own selectors, back */
	KT_EXPECT_EQ(es_after, gs);
	KT_EXPECT_EQ(ecx, 0x12345678);
	KT_EXPECT_EQ(edx, 0x9abcdef0);
	KT_EXPECT_EQ(read(fds[0], back, 8), 8);
	KT_EXPECT(memcmp(back, "segments", 8) == 0);
	close(fds[0]);
	close(fds[1]);
}

KTEST(syscall, unknown_number_enosys)
{
	struct lwkt_msg m;

	KT_EXPECT_EQ(send_raw(&m, SYS_MAXSYSCALL, 0), ENOSYS);
	KT_EXPECT_EQ(m.ms_error, ENOSYS);
	KT_EXPECT_EQ(m.ms_flags, 0);		/* the kernel answers in ms_error, never in flags */
	KT_EXPECT_EQ(send_raw(&m, 0xffffffffu, 0), ENOSYS);
}

KTEST(syscall, unknown_flags_einval)
{
	struct lwkt_msg m;

	KT_EXPECT_EQ(send_raw(&m, SYS_null, 0x80000000u), EINVAL);
	KT_EXPECT_EQ(m.ms_error, EINVAL);
	KT_EXPECT_EQ(send_raw(&m, SYS_null, MSGF_QUEUED), EINVAL);
}

KTEST(syscall, bad_message_address_efault)
{
	char *page_end = (char *)(((uint32_t)_end + 4095) & ~4095u);

	KT_EXPECT_EQ(cr_trap(NULL), EFAULT);
	KT_EXPECT_EQ(cr_trap(KERNEL_ADDR), EFAULT);
	KT_EXPECT_EQ(cr_trap(UNMAPPED_ADDR), EFAULT);
	/* A header that starts on the last mapped page and ends on the unmapped one. */
	KT_EXPECT_EQ(cr_trap((struct lwkt_msg *)(page_end - 8)), EFAULT);
	/* Read-only memory cannot hold the answer: the program's own code. */
	KT_EXPECT_EQ(cr_trap((struct lwkt_msg *)(void *)send_raw), EFAULT);
}

KTEST(syscall, message_body_straddles_unmapped_page)
{
	/* The header fits on the last mapped page, the write arguments do not. */
	char *page_end = (char *)(((uint32_t)_end + 4095) & ~4095u);
	struct lwkt_msg *m = (struct lwkt_msg *)(page_end - sizeof(struct lwkt_msg));

	lwkt_initmsg(m, NULL, 0);
	m->ms_cmd = SYS_write;
	KT_EXPECT_EQ(cr_trap(m), EFAULT);
	KT_EXPECT_EQ(m->ms_error, EFAULT);	/* the header was writable: it got the answer */
}
