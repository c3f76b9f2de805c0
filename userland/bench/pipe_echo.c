/* pipe_echo IN OUT: copy bytes from descriptor IN to descriptor OUT until end of file. */
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	char c;

	if (argc < 3)
		return 2;
	int in = atoi(argv[1]), out = atoi(argv[2]);
	/* A spawned child holds every descriptor of its parent: drop the ones it does not use,
	 * the parent's write end among them, or it would never see end of file. */
	for (int fd = 3; fd < 32; fd++)
		if (fd != in && fd != out)
			close(fd);
	while (read(in, &c, 1) == 1)
		write(out, &c, 1);
	return 0;
}
