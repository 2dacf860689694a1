/* The physical reference for the spawn figure: fork and exec N copies of
 * the same command, as fast as one process can, with nothing else around it
 * (no pipes, no process groups, no bookkeeping).  Then it waits, like a
 * supervisor would, until it is signalled; the children are left running for
 * the bench to read their exec times.
 *
 * It is also the reference for a supervisor's stop: at SIGTERM it sends
 * SIGTERM to each child, by pid, reaps them all and exits, which is what
 * the kernel's work of tearing N processes down costs with no bookkeeping.
 *
 * usage: forkexec N command [args...] */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: forkexec N command [args...]\n");
		return 2;
	}
	long n = strtol(argv[1], NULL, 10);
	pid_t *kids = calloc((size_t)n + 1, sizeof(*kids));
	if (!kids) {
		perror("forkexec");
		return 1;
	}
	/* SIGTERM is waited for, not handled; the children get it back
	 * unblocked before their exec. */
	sigset_t term, old;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("forkexec: fork");
			return 1;
		}
		if (pid == 0) {
			sigprocmask(SIG_SETMASK, &old, NULL);
			execv(argv[2], argv + 2);
			_exit(127);
		}
		kids[i] = pid;
	}
	int sig;
	while (sigwait(&term, &sig) != 0)
		;
	for (long i = 0; i < n; i++)
		kill(kids[i], SIGTERM);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}
