/* supctl's HTTP/1.1 client: just enough for supd's control API, over a
 * unix socket or TCP, without libcurl (which costs supctl ~5 ms of dynamic
 * loading).  Blocking I/O: supctl does one thing at a time.
 *
 * The response parser is separate from the socket code, incremental and
 * strict, so that it can be fed canned byte streams in tests and anything
 * at all by the fuzzer. */
#ifndef SUPD_CTL_HTTP_H
#define SUPD_CTL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- server address */

struct ctl_url {
	bool is_unix;
	char *path; /* unix: socket path */
	char *host; /* tcp */
	char *port; /* tcp: "9001" */
	char *text; /* as given, for messages ("unix:///run/supd.sock") */
};

/* Accepts "unix:///abs/path", "unix:rel/path", "http://host[:port][/]",
 * "http://[v6addr]:port".  Returns 0, -EINVAL or -ENOMEM. */
int ctl_url_parse(struct ctl_url *u, const char *s);
void ctl_url_free(struct ctl_url *u);

/* ---- response parser */

#define CTL_MAX_LINE	     8192 /* status line, one header, one chunk-size line */
#define CTL_MAX_HEADERS	     100
#define CTL_MAX_HEADER_BYTES 65536
#define CTL_MAX_BODY	     (256u << 20) /* when the body is collected in memory */

struct ctl_resp {
	int status;
	bool chunked;
	bool close;		/* the server closes after this response */
	int64_t content_length; /* -1: none given */
	char *content_type;	/* NULL when absent */
	char *body;		/* collected body (no callback), NUL-terminated */
	size_t len;
};

/* Receives body bytes as they are decoded.  Return 0, or a negative errno
 * to stop (returned by ctl_parser_feed / ctl_request). */
typedef int (*ctl_body_cb)(void *arg, const char *buf, size_t len);

enum ctl_pstate {
	CTL_P_STATUS,
	CTL_P_HEADER,
	CTL_P_BODY_LEN,
	CTL_P_BODY_EOF,
	CTL_P_CHUNK_SIZE,
	CTL_P_CHUNK_DATA,
	CTL_P_CHUNK_END,
	CTL_P_TRAILER,
	CTL_P_DONE,
};

struct ctl_parser {
	enum ctl_pstate st;
	struct ctl_resp *resp;
	ctl_body_cb cb;
	void *arg;
	bool head; /* the request was HEAD: no body whatever the headers say */
	bool any;  /* any byte received */
	char line[CTL_MAX_LINE];
	size_t linelen;
	size_t header_bytes;
	int nheaders;
	uint64_t remaining; /* of the body or of the current chunk */
	size_t cap;	    /* of resp->body */
	size_t max_body;    /* a collected body past this: -EFBIG (init: CTL_MAX_BODY) */
};

/* resp is zeroed and filled in; cb NULL collects the body in resp->body. */
void ctl_parser_init(struct ctl_parser *p, struct ctl_resp *resp, ctl_body_cb cb, void *arg);
/* Feeds n bytes; n == 0 means the peer closed the connection.  Returns 1
 * when the response is complete (*used: bytes consumed, the rest belongs to
 * the next response), 0 when it needs more, or a negative errno: -EPROTO
 * (malformed), -EMSGSIZE (a line or the head over a limit), -EFBIG (a
 * collected body over max_body, said as soon as Content-Length says so),
 * -ECONNRESET (closed before any byte), or the body callback's error. */
int ctl_parser_feed(struct ctl_parser *p, const char *buf, size_t n, size_t *used);
void ctl_resp_free(struct ctl_resp *r);

/* ---- client */

/* How long and how much the client waits for and takes from a server, so
 * that a server that hangs or talks without end cannot hang supctl or
 * fill its memory.  Seconds; 0: no limit. */
struct ctl_limits {
	unsigned connect_timeout; /* to connect (and to send a request) */
	unsigned timeout;	  /* idle: the longest wait for the next bytes of an answer */
	unsigned follow_timeout;  /* the same for a streamed answer (tail -f, fg) */
	size_t max_response;	  /* bytes of an answer's body kept in memory */
};

#define CTL_CONNECT_TIMEOUT 10
/* A start or stop answers when the process is up or down: past
 * supervisord's default startsecs and stopwaitsecs by far. */
#define CTL_TIMEOUT 600
/* A followed log may be quiet for long: supd sends nothing meanwhile. */
#define CTL_FOLLOW_TIMEOUT 86400
#define CTL_MAX_RESPONSE   (16u << 20)

struct ctl_client {
	struct ctl_url url;
	char *auth; /* "Basic base64(user:pass)" or NULL */
	int fd;	    /* -1 when not connected */
	bool reused;
	struct ctl_limits lim; /* the defaults above after init */
	/* After -ETIMEDOUT or -ETIME: which limit ran out ("timeout"...). */
	const char *expired;
	unsigned expired_secs;
	char buf[16384]; /* bytes read past the last response */
	size_t nbuf;
};

/* Returns 0, -EINVAL (bad URL) or -ENOMEM.  user/pass may be NULL. */
int ctl_client_init(struct ctl_client *c, const char *url, const char *user, const char *pass);
void ctl_client_free(struct ctl_client *c);

/* Connects (done by ctl_request when needed).  Returns 0 or a negative
 * errno: -ENOENT (no socket file), -ECONNREFUSED, -EACCES, -ETIMEDOUT
 * (connect_timeout)... */
int ctl_connect(struct ctl_client *c);

/* Sends one request (body NULL: none; a body is sent as application/json)
 * and reads its response.  A kept-alive connection the server has closed
 * meanwhile is reopened once.  Returns 0 (resp filled: free it with
 * ctl_resp_free) or a negative errno: besides ctl_connect's and the
 * parser's, -ETIME when the server said nothing for lim.timeout seconds
 * (lim.follow_timeout when cb streams the body), -EFBIG for a collected
 * body over lim.max_response. */
int ctl_request(struct ctl_client *c, const char *method, const char *path, const char *body,
		size_t len, struct ctl_resp *resp, ctl_body_cb cb, void *arg);

/* A streamed answer read piece by piece, by a caller that waits for other
 * things too (poll(2) on c->fd): ctl_stream_begin connects and sends the
 * request; each ctl_stream_step then takes what one recv(2) gives (it may
 * block when nothing is there: poll first) and hands the body to cb.
 * ctl_stream_step returns 0 (more to come), 1 (the answer ended) or a
 * negative errno; ctl_stream_end disconnects. */
struct ctl_stream {
	struct ctl_client *c;
	struct ctl_parser p;
	struct ctl_resp resp;
};
int ctl_stream_begin(struct ctl_stream *s, struct ctl_client *c, const char *path, ctl_body_cb cb,
		     void *arg);
int ctl_stream_step(struct ctl_stream *s);
void ctl_stream_end(struct ctl_stream *s);

/* A request's failure in words, naming the limit that ran out and how to
 * raise it ("no answer for 600 s (timeout)"); strerror otherwise. */
const char *ctl_strerror(const struct ctl_client *c, int err, char *buf, size_t len);

/* Base64 (RFC 4648, padded) of n bytes into out (4*ceil(n/3)+1 bytes). */
void ctl_base64(const void *in, size_t n, char *out);

#endif
