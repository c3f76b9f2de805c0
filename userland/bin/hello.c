/* hello: prints its arguments and its environment; handy from the shell and in tests. */
#include <stdio.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	printf("hello from pid %d:", getpid());
	for (int i = 0; i < argc; i++)
		printf(" [%s]", argv[i]);
	printf("\n");
	for (char **e = environ; e && *e; e++)
		printf("env %s\n", *e);
	return 0;
}
