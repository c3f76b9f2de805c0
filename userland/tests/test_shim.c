/*
 * KTAP tests of the syscall port's shim: a program started with CR_TRACE=1 prints each call
 * decoded, and a record of its bytes. The captured lines are echoed as diagnostics ("# ..."),
 * so the host can check that its own decoder reads the records the same way.
 */
#include <sys/ktest.h>
#include <sys/sysmsg.h>
#include <cr/sysport.h>
#include <cr/trace.h>
#include <cr/thread.h>
#include <errno.h>
#include <sys/wait.h>
#include <string.h>
#include <unistd.h>
#include <stdio.h>

static char captured[4096];

/* run_traced: run hello with CR_TRACE=1, its standard error captured; returns the bytes. */
static int
run_traced(void)
{
	char *argv[] = { "hello", "traced", NULL }, *envp[] = { "CR_TRACE=1", NULL };
	int fds[2], saved, status, n = 0, r;

	if (pipe(fds) < 0)
		return -1;
	saved = dup(2);
	close(2);
	dup(fds[1]);
	pid_t pid = spawnve("/bin/hello", argv, envp);
	close(2);
	dup(saved);
	close(saved);
	close(fds[1]);
	while ((r = read(fds[0], captured + n, sizeof(captured) - 1 - n)) > 0)
		n += r;
	close(fds[0]);
	waitpid(pid, &status, 0);
	captured[n] = '\0';
	return n;
}

KTEST(shim, trace_prints_each_call_and_its_record)
{
	KT_EXPECT(run_traced() > 0);
	KT_EXPECT(strstr(captured, "trace: getpid() = ") != NULL);
	KT_EXPECT(strstr(captured, "trace: write(fd=1, buf=0x") != NULL);
	KT_EXPECT(strstr(captured, "CRTRACE ") != NULL);
	/* Echo the capture for the host-side comparison (tests/integration/test_shim.py). */
	for (char *line = captured, *end; *line; line = end + 1) {
		end = strchr(line, '\n');
		if (end == NULL)
			break;
		*end = '\0';
		printf("# shim| %s\n", line);
	}
}

static int calls_seen;
static int
counting_putport(lwkt_port_t port, lwkt_msg_t msg)
{
	(void)port;
	calls_seen++;
	return cr_kernel_port.mp_putport(&cr_kernel_port, msg);
}

KTEST(shim, a_program_can_put_its_own_port_in_front)
{
	struct lwkt_port shim;
	lwkt_port_t saved = cr_syscall_port;

	lwkt_initport_putonly(&shim, counting_putport);
	cr_syscall_port = &shim;
	calls_seen = 0;
	pid_t a = getpid(), b = getpid();
	cr_syscall_port = saved;
	KT_EXPECT_EQ(calls_seen, 2);
	KT_EXPECT_EQ(a, b);
}

/* answering_server: the thread behind a shim port: answers getpid 4242, anything else ENOSYS. */
static void *
answering_server(void *arg)
{
	int n = (int)(intptr_t)arg;

	for (int i = 0; i < n; i++) {
		lwkt_msg_t m = lwkt_waitport(&cr_thread_self()->td_msgport, 0);
		if (m->ms_cmd == SYS_getpid) {
			m->ms_result = 4242;
			lwkt_replymsg(m, 0);
		} else {
			lwkt_replymsg(m, ENOSYS);
		}
	}
	return NULL;
}

/*
 * A shim may hold a stub's call (its put answers EASYNC: here, a thread's port queues it) and
 * answer it later from another thread: the stub waits for that answer like any domsg.
 */
KTEST(shim, a_shim_may_hold_a_call_and_answer_it_later)
{
	cr_thread_t srv;
	lwkt_port_t saved = cr_syscall_port;

	KT_ASSERT(cr_thread_create(&srv, answering_server, (void *)2, CR_PRI_DEFAULT, "shimsrv") == 0);
	cr_syscall_port = &srv->td_msgport;
	pid_t pid = getpid();
	errno = 0;
	int r = close(5);
	int err = errno;
	cr_syscall_port = saved;
	cr_thread_join(srv, NULL);
	KT_EXPECT_EQ(pid, 4242);
	KT_EXPECT_EQ(r, -1);
	KT_EXPECT_EQ(err, ENOSYS);
}

KTEST(shim, format_matches_the_decoder_convention)
{
	struct write_msg w;
	char line[200];

	cr_write_msg(&w, 1, (const void *)0x1234, 7);
	w.hdr.ms_flags = MSGF_DONE;
	w.hdr.ms_error = 9;
	cr_trace_format(line, sizeof(line), &w);
	KT_EXPECT(strcmp(line, "write(fd=1, buf=0x1234, len=7) = -1 EBADF") == 0);
	w.hdr.ms_flags = 0;
	cr_trace_format(line, sizeof(line), &w);
	KT_EXPECT(strcmp(line, "write(fd=1, buf=0x1234, len=7) ...") == 0);
}
