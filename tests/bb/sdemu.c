/* A service manager in miniature, for black-box tests of supd's systemd
 * integration: runs a command the way systemd runs a Type=notify service
 * with socket activation, and records what it is told.
 *
 *   sdemu NOTIFY_PATH NOTES LISTEN_PATH|- -- COMMAND [ARGS...]
 *
 * Binds a datagram socket at NOTIFY_PATH and passes it as $NOTIFY_SOCKET;
 * with LISTEN_PATH, also binds a listening stream socket there and passes
 * it as fd 3 (LISTEN_FDS=1, LISTEN_PID).  Prints the command's pid on
 * stdout, appends every notification to NOTES as one line, and exits when
 * the command exits, with its status (128 + signal when killed).  The
 * listening socket stays open and bound until then, as systemd keeps it. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int bound(int type, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "sdemu: path too long: %s\n", path);
		exit(2);
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		fprintf(stderr, "sdemu: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return fd;
}

static void record(int fd, const char *notes)
{
	char buf[4096];
	ssize_t n;
	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		FILE *f = fopen(notes, "a");
		if (!f) {
			fprintf(stderr, "sdemu: %s: %s\n", notes, strerror(errno));
			exit(2);
		}
		fprintf(f, "%.*s\n", (int)n, buf);
		fclose(f);
	}
}

int main(int argc, char **argv)
{
	if (argc < 6 || strcmp(argv[4], "--") != 0) {
		fprintf(stderr, "usage: sdemu NOTIFY_PATH NOTES LISTEN_PATH|- -- COMMAND...\n");
		return 2;
	}
	const char *notes = argv[2];
	int nfd = bound(SOCK_DGRAM, argv[1]);
	int lfd = strcmp(argv[3], "-") ? bound(SOCK_STREAM, argv[3]) : -1;
	pid_t pid = fork();
	if (pid < 0) {
		perror("sdemu: fork");
		return 2;
	}
	if (pid == 0) {
		char p[32];
		setenv("NOTIFY_SOCKET", argv[1], 1);
		if (lfd >= 0) {
			/* dup2 clears close-on-exec on the copy. */
			if (dup2(lfd, 3) < 0)
				_exit(127);
			snprintf(p, sizeof(p), "%d", (int)getpid());
			setenv("LISTEN_PID", p, 1);
			setenv("LISTEN_FDS", "1", 1);
		}
		execvp(argv[5], argv + 5);
		fprintf(stderr, "sdemu: %s: %s\n", argv[5], strerror(errno));
		_exit(127);
	}
	printf("%d\n", (int)pid);
	fflush(stdout);
	for (;;) {
		struct pollfd pf = {.fd = nfd, .events = POLLIN};
		poll(&pf, 1, 50);
		record(nfd, notes);
		int st;
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid) {
			record(nfd, notes);
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		if (w < 0 && errno != EINTR) {
			perror("sdemu: waitpid");
			return 2;
		}
	}
}
