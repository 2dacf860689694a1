/* listen: listening sockets, for supd's own HTTP servers (http.c) and for
 * the programs of [fcgi-program:x] sections (fcgi.c).
 *
 * Both functions return the socket (close-on-exec; non-blocking when asked:
 * supd's servers are, a FastCGI program's accept(2) on its stdin expects a
 * blocking socket) or a negative errno with a message in err that names
 * the path or address but not the caller's section; the caller prefixes
 * it.  -EADDRINUSE means another live server has the address, for the
 * caller to word as it likes. */
#ifndef SUPD_LISTEN_H
#define SUPD_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct listen_unix {
	const char *path;
	int backlog;
	int mode;	   /* chmod'ed to this before anyone can connect */
	const char *owner; /* "user" or "user:group", chown'ed to; NULL: none */
	bool nonblock;
	/* Hold an exclusive flock(2) on "<path>.lock" (created, never
	 * removed) while the socket is ours: a second server on the same path
	 * is refused (-EAGAIN) even when the socket file was deleted.  lock_fd
	 * in: a lock already held for path (-1: take one); out: the lock,
	 * for the caller to keep open as long as it serves path. */
	bool lock;
	int lock_fd;
	/* filled on success: the socket file, to unlink it later only if it
	 * is still ours */
	dev_t dev;
	ino_t ino;
};

/* A unix socket at u->path.  It is bound at a temporary name with mode 0
 * (whatever the umask), made ready (listening, owner, then mode) and then
 * hard-linked into place, so a client never sees a socket file that
 * refuses it nor one wider than u->mode, and a live server's socket is
 * never replaced (link(2) fails on an existing name, unlike a bind after
 * an unlink); a stale socket file is replaced (said in supd's log). */
int listen_unix(struct listen_unix *u, char *err, size_t errlen);

/* A TCP socket on host:port ("" or "*": 0.0.0.0, like supervisord; a name
 * is resolved, the first address that binds is used).  v4_only: IPv4
 * addresses only, as supervisord's FastCGI sockets.  *loopback (may be
 * NULL) tells whether the bound address is a loopback one. */
int listen_inet(const char *host, int port, int backlog, bool nonblock, bool v4_only,
		bool *loopback, char *err, size_t errlen);

/* "user" or "user:group" (names or numbers): uid and gid (the user's own
 * group when none is named).  Returns 0 or -ENOENT. */
int listen_owner(const char *spec, uid_t *uid, gid_t *gid);

#endif
