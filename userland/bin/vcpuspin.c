/*
 * vcpuspin: a process with two virtual CPUs, for the tests of exit, kill and deadlock.
 *   vcpuspin		a thread computes forever on vCPU 1, then main exits (the process must end)
 *   vcpuspin stay	the same, then main sleeps for a long time (until killed)
 *   vcpuspin deadlock	two threads on two vCPUs take two mutexes in opposite orders and wait
 *			for each other forever: libcr must say so and end the program (134)
 *   vcpuspin many	rfork raw vCPUs (each yields forever) until the kernel refuses; exits
 *			with the number it made (the kernel's cap is VCPU_MAX - 1 more)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cr/sync.h>
#include <cr/sysport.h>
#include <cr/thread.h>

static volatile unsigned long spins;
static struct cr_mutex a, b;
static struct cr_sem holds[2];		/* holds[i]: taker i holds its first mutex */

static void
spin(void *arg)
{
	(void)arg;
	for (;;)
		spins++;
}

/* taker: lock first, let the other thread lock its first, then lock second: a deadlock. */
static void *
taker(void *arg)
{
	int id = (int)(intptr_t)arg;
	struct cr_mutex *first = id ? &b : &a, *second = id ? &a : &b;

	cr_thread_migrate(id);
	cr_mutex_lock(first);
	cr_sem_post(&holds[id]);
	cr_sem_wait(&holds[!id]);		/* the other holds its first mutex too */
	cr_mutex_lock(second);
	printf("vcpuspin: took both mutexes (a bug)\n");
	return NULL;
}

/* yielder: a raw vCPU's whole life: give the CPU away, forever (it ends with the process). */
static void
yielder(void *arg)
{
	struct sched_yield_msg y;

	(void)arg;
	for (;;) {
		y.hdr.ms_cmd = SYS_sched_yield;
		cr_trap_sync(&y.hdr);
	}
}

static char stacks[VCPU_MAX + 4][2048] __attribute__((aligned(16)));

/* many: raw rforks until refused; answers how many were made, or -1 on a wrong refusal. */
static int
many(void)
{
	int made = 0;

	for (int i = 0; i < VCPU_MAX + 4; i++) {
		if (__sys_rfork(RFTHREAD | RFMEM, (uint32_t)yielder,
		    (uint32_t)(stacks[i] + sizeof(stacks[i])), 0) < 0)
			return errno == EAGAIN ? made : -1;
		made++;
	}
	return made;
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "many") == 0)
		return many();
	if (argc > 1 && strcmp(argv[1], "deadlock") == 0) {
		cr_thread_t t[2];
		if (cr_vcpu_add() != 1) {
			perror("vcpuspin: cr_vcpu_add");
			return 1;
		}
		cr_mutex_init(&a);
		cr_mutex_init(&b);
		cr_sem_init(&holds[0], 0);
		cr_sem_init(&holds[1], 0);
		for (int i = 0; i < 2; i++)
			cr_thread_create(&t[i], taker, (void *)(intptr_t)i, CR_PRI_DEFAULT, "taker");
		cr_thread_join(t[0], NULL);
		printf("vcpuspin: joined a deadlocked thread (a bug)\n");
		return 1;
	}
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
