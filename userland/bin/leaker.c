/*
 * leaker: leaves work behind on purpose, for the tests of exit and kill.
 *   leaker N	send N asynchronous reads to an empty pipe and exit without collecting them
 *   leaker block	block forever in a synchronous read of an empty pipe (until killed)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/sysmsg.h>
#include <sys/syscalls.h>
#include <sys/kstat.h>
#include <cr/sysport.h>

#define MAX_LEAK	4000

static struct read_msg msgs[MAX_LEAK];
static char buf[MAX_LEAK];

int
main(int argc, char **argv)
{
	int fds[2];

	if (pipe(fds) < 0) {
		perror("leaker: pipe");
		return 1;
	}
	if (argc > 1 && strcmp(argv[1], "block") == 0) {
		char c;
		printf("leaker: blocking\n");
		read(fds[0], &c, 1);
		printf("leaker: woke up (a bug)\n");
		return 1;
	}
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	if (n > MAX_LEAK)
		n = MAX_LEAK;
	for (int i = 0; i < n; i++) {
		cr_read_msg(&msgs[i], fds[0], &buf[i], 1);
		lwkt_sendmsg(cr_syscall_port, &msgs[i].hdr);
	}
	struct kstat ks;
	kstat(&ks, sizeof(ks));
	printf("leaker: %d reads in flight (kernel: %u outstanding), exiting\n", n,
	    (unsigned)ks.ks_sysmsg_outstanding);
	return 0;
}
