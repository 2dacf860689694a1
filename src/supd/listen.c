/* listen: listening sockets (listen.h). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "listen.h"
#include "log.h"

/* A user or group given by name, or by number when no name has it. */
static bool id_of(const char *s, bool group, unsigned long *id)
{
	if (group) {
		struct group *gr = getgrnam(s);
		if (gr) {
			*id = gr->gr_gid;
			return true;
		}
	} else {
		struct passwd *pw = getpwnam(s);
		if (pw) {
			*id = pw->pw_uid;
			return true;
		}
	}
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v >= (unsigned long)(uid_t)-1)
		return false;
	*id = v;
	return true;
}

int listen_owner(const char *spec, uid_t *uid, gid_t *gid)
{
	char user[256];
	const char *colon = strchr(spec, ':');
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	if (n >= sizeof(user))
		return -ENOENT;
	memcpy(user, spec, n);
	user[n] = '\0';
	unsigned long u, g;
	if (!id_of(user, false, &u))
		return -ENOENT;
	struct passwd *pw = getpwuid((uid_t)u);
	if (colon) {
		if (!id_of(colon + 1, true, &g))
			return -ENOENT;
	} else if (pw) {
		g = pw->pw_gid;
	} else {
		return -ENOENT; /* a bare number with no user: no group to give */
	}
	*uid = (uid_t)u;
	*gid = (gid_t)g;
	return 0;
}

static int unix_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

/* Is a server answering on this socket path? */
static bool unix_alive(const char *path)
{
	struct sockaddr_un sa;
	if (unix_addr(&sa, path) < 0)
		return false;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return false;
	int r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	/* EAGAIN: a full backlog, so somebody is listening. */
	bool alive = r == 0 || errno == EAGAIN;
	close(fd);
	return alive;
}

/* The lock beside the socket: held while a server owns the path, so a
 * second server refuses to start even when the socket file is gone. */
static int take_lock(const char *path, char *err, size_t errlen)
{
	char lp[PATH_MAX];
	if (snprintf(lp, sizeof(lp), "%s.lock", path) >= (int)sizeof(lp))
		return buf_errf(err, errlen, -ENAMETOOLONG, "socket path too long: %s", path);
	int fd = open(lp, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0)
		return buf_errf(err, errlen, -errno, "cannot open the lock file %s: %s", lp,
				strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		close(fd);
		if (e == EWOULDBLOCK)
			return buf_errf(err, errlen, -EAGAIN,
					"%s is locked: another supd serves %s (even if its socket "
					"file was deleted)",
					lp, path);
		return buf_errf(err, errlen, -e, "cannot lock %s: %s", lp, strerror(e));
	}
	return fd;
}

/* Binds under umask 0777: the socket file is born with mode 0 (only a
 * privileged process may connect) and gets its final mode by chmod once
 * its owner is right.  A file born under the caller's umask would be open
 * to anyone (umask 000) until the chmod, and a connection made then stays
 * open afterwards.  fchmod does not work on a socket on Linux, so this is
 * the way; supd has one thread, so the umask is nobody else's meanwhile. */
static int bind_private(int fd, const struct sockaddr_un *sa)
{
	mode_t old = umask(0777);
	int r = bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 ? -errno : 0;
	umask(old);
	return r;
}

static int listen_unix_locked(struct listen_unix *u, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	char tmp[sizeof(sa.sun_path) + 32];
	snprintf(tmp, sizeof(tmp), "%s.%ld", u->path, (long)getpid());
	if (unix_addr(&sa, tmp) < 0)
		return buf_errf(err, errlen, -ENAMETOOLONG, "socket path too long: %s", u->path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (u->nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return buf_errf(err, errlen, -errno, "socket: %s", strerror(errno));
	unlink(tmp);
	int r = bind_private(fd, &sa);
	if (r < 0) {
		close(fd);
		return buf_errf(err, errlen, r, "cannot bind %s: %s", tmp, strerror(-r));
	}
	/* Listen before the link makes the name visible: a client that sees
	 * the socket file must never get ECONNREFUSED from it. */
	if (listen(fd, u->backlog) < 0) {
		r = buf_errf(err, errlen, -errno, "listen on %s: %s", tmp, strerror(errno));
		goto fail_tmp;
	}
	if (u->owner) {
		uid_t uid;
		gid_t gid;
		r = listen_owner(u->owner, &uid, &gid);
		if (r < 0) {
			buf_errf(err, errlen, r, "chown: unknown user or group '%s'", u->owner);
			goto fail_tmp;
		}
		if (lchown(tmp, uid, gid) < 0) {
			r = buf_errf(err, errlen, -errno, "chown %s to %s: %s", u->path, u->owner,
				     strerror(errno));
			goto fail_tmp;
		}
	}
	/* The final mode last, once the owner it is meant for is in place. */
	if (chmod(tmp, (mode_t)u->mode) < 0) {
		r = buf_errf(err, errlen, -errno, "chmod %s: %s", u->path, strerror(errno));
		goto fail_tmp;
	}
	for (int tries = 0;; tries++) {
		if (link(tmp, u->path) == 0)
			break;
		if (errno != EEXIST || tries == 3) {
			r = buf_errf(err, errlen, -errno, "cannot create %s: %s", u->path,
				     strerror(errno));
			goto fail_tmp;
		}
		struct stat st;
		if (lstat(u->path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
			r = buf_errf(err, errlen, -EEXIST,
				     "cannot create %s: a file that is not a socket "
				     "is in the way",
				     u->path);
			goto fail_tmp;
		}
		if (unix_alive(u->path)) {
			r = buf_errf(err, errlen, -EADDRINUSE,
				     "%s: another server is listening there", u->path);
			goto fail_tmp;
		}
		log_info("Unlinking stale socket %s", u->path);
		unlink(u->path);
	}
	unlink(tmp);
	struct stat st;
	if (stat(u->path, &st) == 0) {
		u->dev = st.st_dev;
		u->ino = st.st_ino;
	}
	return fd;
fail_tmp:
	unlink(tmp);
	close(fd);
	return r;
}

int listen_unix(struct listen_unix *u, char *err, size_t errlen)
{
	bool took = false;
	/* Refused before the lock file is made: a path no socket can have must
	 * leave nothing behind. */
	struct sockaddr_un sa;
	char tmp[sizeof(sa.sun_path) + 32];
	snprintf(tmp, sizeof(tmp), "%s.%ld", u->path, (long)getpid());
	if (unix_addr(&sa, tmp) < 0)
		return buf_errf(err, errlen, -ENAMETOOLONG, "socket path too long: %s", u->path);
	if (u->lock && u->lock_fd < 0) {
		int lfd = take_lock(u->path, err, errlen);
		if (lfd < 0)
			return lfd;
		u->lock_fd = lfd;
		took = true;
	}
	int fd = listen_unix_locked(u, err, errlen);
	if (fd < 0 && took) {
		close(u->lock_fd);
		u->lock_fd = -1;
	}
	return fd;
}

static bool addr_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return false;
}

int listen_inet(const char *host, int port, int backlog, bool nonblock, bool v4_only,
		bool *loopback, char *err, size_t errlen)
{
	const char *shown = host ? host : "";
	if (!host || !*host || !strcmp(host, "*"))
		host = NULL;
	char ps[16];
	snprintf(ps, sizeof(ps), "%d", port);
	struct addrinfo hints = {.ai_family = v4_only ? AF_INET : AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	if (!host)
		hints.ai_family = AF_INET; /* like supervisord: "" is 0.0.0.0 */
	struct addrinfo *ai;
	int g = getaddrinfo(host, ps, &hints, &ai);
	if (g)
		return buf_errf(err, errlen, -EINVAL, "cannot resolve '%s': %s", host ? host : "",
				gai_strerror(g));
	int r = -EADDRNOTAVAIL;
	int fd = -1;
	for (struct addrinfo *a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family,
			    a->ai_socktype | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0),
			    a->ai_protocol);
		if (fd < 0) {
			r = -errno;
			continue;
		}
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, backlog) == 0) {
			if (loopback)
				*loopback = addr_loopback(a->ai_addr);
			r = 0;
			break;
		}
		r = -errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (r < 0)
		return buf_errf(err, errlen, r, "cannot listen on %s:%d: %s", shown, port,
				strerror(-r));
	return fd;
}
