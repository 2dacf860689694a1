/* The physical reference for the spawn figure: fork and exec N copies of
 * the same command, as fast as one process can, with nothing else around it
 * (no pipes, no process groups, no bookkeeping).  Then it waits, like a
 * supervisor would, until it is signalled; the children are left running for
 * the bench to read their exec times and kill them.
 *
 * usage: forkexec N command [args...] */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: forkexec N command [args...]\n");
		return 2;
	}
	long n = strtol(argv[1], NULL, 10);
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("forkexec: fork");
			return 1;
		}
		if (pid == 0) {
			execv(argv[2], argv + 2);
			_exit(127);
		}
	}
	for (;;)
		pause();
}
