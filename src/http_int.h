/* What http.c (listeners, authentication) and http_conn.c (connections,
 * requests, responses) share.  Not part of http.h's face. */
#ifndef SUPD_HTTP_INT_H
#define SUPD_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "http.h"
#include "loop.h"

struct conn;

struct listener {
	struct http *http;
	char *section;
	bool is_unix;
	bool activated;	 /* the socket came from systemd: not ours to unlink */
	char *unix_path; /* to unlink at exit, if still ours */
	dev_t unix_dev;
	ino_t unix_ino;
	char *username; /* NULL: no authentication */
	char *password;
	int fd;			 /* the listening socket, -1 when none */
	bool paused;		 /* not accepting: at the connection limit, or out of fds */
	struct loop_timer retry; /* resumes accepting after EMFILE and the like */
};

struct http {
	struct loop *loop;
	struct http_handlers h;
	void *ctx;
	struct listener *ls;
	size_t nls;
	struct conn *conns;
	unsigned nconns;
	unsigned max_conns;
	int idle_ms;
	bool closing;
};

/* http_conn.c */
void http_listener_readable(struct loop *l, int fd, uint32_t events, void *arg);
void http_listener_resume(struct listener *ls);
void http_conns_free(struct http *h);

/* http.c: does the Authorization header (NULL when absent) satisfy ls? */
bool http_authorized(const struct listener *ls, const char *authorization);

#endif
