/* fcgi: the listening sockets of [fcgi-program:x] sections, supervisord's
 * socket manager.  Every process of a section gets the section's socket
 * as its stdin (fd 0), where a FastCGI program accepts its connections.
 *
 * A socket is made at the first spawn of one of its processes: a unix
 * socket with socket_mode and socket_owner (by default the program's user,
 * when it is not supd's), or a TCP socket (IPv4, like supervisord's), each
 * with socket_backlog.  It stays open while any of its processes is
 * STARTING, RUNNING, BACKOFF or STOPPING.  When none is, it is closed (a
 * unix socket's file removed, if still ours) at the end of the loop turn,
 * so a process that exits and is restarted at once keeps the same socket
 * and connections wait in its backlog meanwhile; a stopped or FATAL
 * program's socket refuses connections.  supervisord closes it whenever no
 * process of the group has a pid, between an exit and the restart too.
 *
 * Wiring (daemon.c): fcgi_transition as a proc hook, fcgi_socket as the
 * procs_env's fcgi_socket. */
#ifndef SUPD_FCGI_H
#define SUPD_FCGI_H

#include <stddef.h>

#include "conf.h"
#include "loop.h"
#include "proc.h"

struct fcgi;

int fcgi_new(struct fcgi **out, struct loop *l);
/* Closes every socket (removing the unix socket files that are still
 * ours). */
void fcgi_free(struct fcgi *f);

/* The socket for p's section, made now if it is not open: >= 0 (supd's
 * copy, close-on-exec, blocking; the caller must not close it), or a
 * negative errno with the spawn error in err, e.g. "couldn't create
 * FastCGI socket tcp://127.0.0.1:9000: cannot listen on 127.0.0.1:9000:
 * Address already in use". */
int fcgi_socket(const struct conf_process *p, char *err, size_t errlen, void *f);

/* A proc_hook_cb: counts the processes holding each socket. */
void fcgi_transition(struct proc *p, enum proc_state from, enum proc_state to, void *f);

/* Upgrade in place (doc/upgrade.md).  fcgi_export: the open sockets
 * into s (their fds go over the exec).  fcgi_import: the new image takes
 * them, before the processes are counted in (fcgi_adopted for each
 * process taken over); a socket none of them holds is closed at the end
 * of the loop's first turn, as after an exit. */
struct upg_state;
int fcgi_export(const struct fcgi *f, struct upg_state *s);
void fcgi_import(struct fcgi *f, struct upg_state *s);
void fcgi_adopted(struct fcgi *f, struct proc *p);

#endif
