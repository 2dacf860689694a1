/* What http.c (listeners, authentication) and http_conn.c (connections,
 * requests, responses) share.  Not part of http.h's face. */
#ifndef SUPD_HTTP_INT_H
#define SUPD_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "http.h"
#include "access.h"
#include "list.h"
#include "buf.h"
#include "http_parse.h"
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
	unsigned nconns;	 /* its connections, against http->max_conns */
	bool paused;		 /* not accepting: at the connection limit, or out of fds */
	bool failing;		 /* in a spell of failed accepts (EMFILE...), logged */
	unsigned long fails;	 /* accepts failed in this spell */
	struct loop_timer retry; /* resumes accepting after EMFILE and the like */
	/* the address and settings it was opened with (http_reconfigure) */
	char *file; /* unix: the configured path */
	char *host; /* inet */
	int port;
	int mode;
	char *owner;
	int lock_fd;	       /* unix: the lock on "<file>.lock", -1 when none */
	struct access *access; /* roles (doc/security.md); NULL: everyone let in is admin */
};

struct retired;

struct http {
	struct loop *loop;
	struct http_handlers h;
	void *ctx;
	struct listener *ls;
	size_t nls;
	struct conn *conns;
	unsigned nconns;
	unsigned max_conns; /* per listener */
	unsigned ntcp;	    /* connections on TCP listeners... */
	unsigned max_tcp;   /* ...at most half of RLIMIT_NOFILE: fds left for the rest */
	int idle_ms;
	int head_ms;
	bool closing;
	struct retired *retired;     /* closed listeners, until no connection names them */
	struct access_fails *fails;  /* failed logins per address; NULL until the first */
	struct access_cache *logins; /* crypt(3) logins verified lately; NULL until one */
	/* upgrade in place: the sockets the previous image passed, during
	 * http_new_inherited only */
	struct http_inherited *inh;
	size_t ninh;
};

enum conn_state {
	CS_HEAD,   /* waiting for a request head, or reading it */
	CS_BODY,   /* reading a request body */
	CS_REQ,	   /* the request is with the handler, or its answer is going out */
	CS_LINGER, /* answered an error and shut down: discarding input until EOF */
};

enum req_phase {
	PH_READING,  /* head parsed, body coming */
	PH_HANDLER,  /* inside handlers->request */
	PH_DEFERRED, /* parked, the handler holds it */
	PH_ANSWERED, /* the answer is queued */
};

struct http_req {
	struct conn *c;
	enum req_phase phase;
	char *headbuf; /* the head, cut into the strings of head */
	struct http_head head;
	struct buf body;
	struct buf rhdrs; /* "Name: value\r\n" lines of http_add_header */
	bool head_only;	  /* a HEAD request: the answer has no body */
	bool keep_alive;  /* the client asked for (or did not refuse) another request */
	bool held;	  /* the handler keeps a pointer to it */
	bool gone;	  /* abandoned: the handler's calls are ignored */
	bool stream;
	bool stream_ended; /* http_stream_end was called */
	bool stream_done;  /* the last chunk is queued */
	bool chunked_out;  /* the stream is framed in chunks (HTTP/1.1) */
	struct buf sbuf;   /* stream bytes not yet framed */
	size_t chunk_len;  /* bytes of sbuf in the chunk on the wire */
	void *data;
	/* http_hold's: told when r goes / may write on, with data */
	void (*on_gone)(void *data);
	void (*on_writable)(void *data);
	/* access (http_req_allow): the caller's role, and the name it
	 * logged in with (NULL: none, or a unix peer) */
	enum conf_role role;
	char *user;
};

struct conn {
	struct http *http;
	struct listener *ls;
	LIST_LINK(struct conn) link;
	int fd;
	enum conn_state state;
	uint32_t events; /* the current epoll mask */
	struct loop_timer timer;
	int64_t deadline; /* 0: none */
	bool have_peer;
	uid_t uid;
	pid_t pid;
	gid_t gid;
	/* A TCP peer's address as counted against HTTP_MAX_PER_PEER: the
	 * IPv4 address, or an IPv6 address's /64 (family 0: unix) */
	sa_family_t peer_family;
	unsigned char peer_key[8];
	int64_t since; /* accepted, or its last request answered: eviction's age */
	bool served;   /* a request head passed authentication: not "unauthenticated" */
	/* input */
	struct buf in;
	size_t scan;	/* http_head_end's progress */
	bool started;	/* a request's first byte has arrived */
	bool rdhup;	/* the client shut down its side (EPOLLRDHUP or EOF) */
	bool eof;	/* read returned 0 */
	size_t drained; /* bytes discarded while lingering */
	bool chunked;	/* the body's framing */
	uint64_t left;	/* Content-Length bytes to come */
	struct http_chunked ch;
	/* output: head then body, sent with one writev */
	struct buf out;
	size_t out_off;
	char *body; /* the answer's body; NULL: the stream's chunk, at req->sbuf.p */
	size_t blen, boff;
	bool close_after; /* shut down and linger once the output is out */
	bool dead;	  /* free at the end of this event */
	struct http_req *req;
	/* the request waits its turn to log in until the deadline
	 * (access_fail_wait), then has it */
	bool penalty;
	bool waited;
};

/* http_conn.c */
int http_conn_start(struct conn *c);
void http_conn_free(struct conn *c);
int http_queue_head(struct conn *c, struct http_req *r, unsigned status, const char *ctype,
		    long long length);
int http_queue_body(struct conn *c, const void *body, size_t len);
void http_conn_wake(struct conn *c);
void http_conn_kill(struct conn *c);
void http_conns_free(struct http *h);

/* http_accept.c */
void http_listener_readable(struct loop *l, int fd, uint32_t events, void *arg);
void http_listener_resume(struct listener *ls);
/* A TCP peer's counting key (struct conn's peer_key) from its address;
 * false for anything but IPv4 and IPv6. */
bool http_peer_key(const struct sockaddr *sa, socklen_t len, sa_family_t *family,
		   unsigned char key[8]);

/* http.c: does the Authorization header (NULL when absent) satisfy ls?
 * If so, *role is what it allows (admin without users=) and *user the
 * name it gave (malloc'ed; NULL without authentication). */
bool http_authorized(const struct listener *ls, const char *authorization, enum conf_role *role,
		     char **user);

#endif
