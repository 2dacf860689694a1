/* systemd integration without libsystemd: the readiness notification and
 * socket-activation protocols, which systemd documents as stable
 * interfaces for programs to implement themselves (sd_notify(3),
 * sd_listen_fds(3)).  Linking libsystemd for these cost supd about 1 MB of
 * PSS (libsystemd pulls in libgcrypt, liblzma, libzstd, liblz4 and libcap)
 * for what is one sendmsg and a few getenv calls.
 *
 * Helper module: nothing here logs; callers decide what a failure means.
 */
#ifndef SUPD_SYSD_H
#define SUPD_SYSD_H

#include <stdbool.h>
#include <stdint.h>

/* The first fd systemd passes (LISTEN_FDS counts from here). */
#define SYSD_LISTEN_FDS_START 3

/* $NOTIFY_SOCKET, copied (free it), and removed from the environment so
 * that the programs supd starts do not inherit it (their READY=1 would be
 * taken for supd's).  NULL when unset or empty (or out of memory). */
char *sysd_notify_take(void);

/* Sends state ("READY=1", "STOPPING=1", "STATUS=...") to the service
 * manager at addr, the value sysd_notify_take returned (a path, or "@name"
 * for the abstract namespace).  Returns 1 when sent, 0 when addr is NULL
 * (not run by a service manager, or notifications not wanted), or a
 * negative errno. */
int sysd_notify(const char *addr, const char *state);

/* The number of sockets passed to this process (fds SYSD_LISTEN_FDS_START
 * onwards): $LISTEN_FDS when $LISTEN_PID is this process, else 0.  The
 * fds are made close-on-exec, and LISTEN_PID, LISTEN_FDS and
 * LISTEN_FDNAMES are removed from the environment so that children do not
 * believe the sockets are theirs.  Returns the count or a negative errno
 * (-EINVAL: malformed variables). */
int sysd_listen_fds(void);

/* Whether fd is a listening SOCK_STREAM unix socket bound to path. */
bool sysd_is_unix_listener(int fd, const char *path);

/* Whether fd is a listening SOCK_STREAM IPv4 or IPv6 socket bound to port
 * (0: any port). */
bool sysd_is_inet_listener(int fd, uint16_t port);

#endif
