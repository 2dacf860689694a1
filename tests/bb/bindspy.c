/* An LD_PRELOAD spy for rel_sockmode.sh (not a test itself): after every
 * successful bind(2) of a unix socket to a path, appends "path mode" (the
 * socket file's mode at that instant, octal) to the file named by
 * $BINDSPY_OUT.  That is the mode a client racing the server would meet
 * before any chmod. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	static int (*real)(int, const struct sockaddr *, socklen_t);
	if (!real)
		real = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "bind");
	int r = real(fd, sa, len);
	int saved = errno;
	const char *out = getenv("BINDSPY_OUT");
	if (r == 0 && out && sa->sa_family == AF_UNIX) {
		const struct sockaddr_un *u = (const struct sockaddr_un *)sa;
		struct stat st;
		if (u->sun_path[0] && stat(u->sun_path, &st) == 0) {
			FILE *f = fopen(out, "ae");
			if (f) {
				fprintf(f, "%s %03o\n", u->sun_path,
					(unsigned)(st.st_mode & 07777));
				fclose(f);
			}
		}
	}
	errno = saved;
	return r;
}
