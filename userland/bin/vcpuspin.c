/*
 * vcpuspin: a process with two virtual CPUs, for the tests of exit and kill.
 *   vcpuspin		start a vCPU that computes forever, then exit (the process must end)
 *   vcpuspin stay	start it, then sleep for a long time (until killed)
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cr/thread.h>

static volatile unsigned long spins;

static void
spin(void *arg)
{
	(void)arg;
	for (;;)
		spins++;
}

int
main(int argc, char **argv)
{
	if (cr_vcpu_start(spin, NULL) < 0) {
		perror("vcpuspin: rfork");
		return 1;
	}
	while (spins == 0)
		sched_yield();
	printf("vcpuspin: the second vCPU runs\n");
	if (argc > 1 && strcmp(argv[1], "stay") == 0)
		sleep(1000);
	return 0;
}
