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
	while (read(in, &c, 1) == 1)
		write(out, &c, 1);
	return 0;
}
