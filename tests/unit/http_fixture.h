/* The fixture the two http suites share (check_http: listeners and
 * authentication, http.c; check_http_conn: connections, requests and
 * responses, http_conn.c and http_req.c), in http_fixture.c.
 *
 * The server runs in the test's loop on the main thread, with a handler
 * that answers as `mode` says; the client (our blocking ctl_http client,
 * or a raw socket) runs in a second thread and stops the loop through an
 * eventfd when it is done. */
#ifndef SUPD_TEST_HTTP_FIXTURE_H
#define SUPD_TEST_HTTP_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "http_client.h"
#include "http.h"
#include "loop.h"

extern char sock[300];
extern struct loop *L;
extern struct http *H;
extern struct conf C;
extern struct conf_server S;

/* What the handler saw and how it should answer. */
enum mode {
	M_ECHO,
	M_DEFER,
	M_STREAM,
	M_DEFER_FOREVER,
	M_NOANSWER,
	M_STREAM_BIG,
	M_STREAM_FLOOD,
	M_GUARD, /* answers "guard=N", http_req_guard's verdict for JSON */
};
extern enum mode mode;
extern struct http_req *held;
extern int abandoned;
extern uid_t seen_uid;
#define BIG_TOTAL (3u * 1024 * 1024)
/* M_STREAM_FLOOD: what the writer saw */
extern size_t flood_max_pending;
extern int flood_refused;

extern const struct http_handlers handlers;

/* The checked fixture: a temporary directory with the socket path, a
 * loop, the handler's state reset (setup); the server on it, as C and S
 * say (start_server). */
void setup(void);
void start_server(void);
void teardown(void);

struct job {
	void (*fn)(struct job *j);
	int efd;
	/* results */
	int rc;
	struct ctl_resp resp;
	char streamed[256];
	size_t nstreamed;
	char raw[4096];
	char raw2[4096];
	int64_t ms, ms2; /* how long something took */
	const char *user, *pass;
	const char *method, *path, *body;
	const char *send; /* raw bytes to send */
	size_t sendlen;
};

/* Runs j->fn in a thread while the loop serves it. */
void run_job(struct job *j);
/* A loop timer callback that fails the test. */
void on_deadline(struct loop *l, void *arg);

/* Clients for run_job. */
void client_request(struct job *j);
void client_raw(struct job *j);

/* The protocol, raw. */
int raw_connect(void);
void send_str(int fd, const char *s);
size_t read_responses(int fd, char *buf, size_t cap, int want);

#endif
