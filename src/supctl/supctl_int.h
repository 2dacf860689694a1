/* What supctl's files share: the client's state, one API call's reply, the
 * call layer (supctl_call.c) every command goes through, and the commands
 * that the table in supctl.c dispatches to.  Not a library: supctl only.
 *
 *   supctl.c         main, options, help, the command table; open, reload,
 *                    shutdown, version
 *   supctl_call.c    one API call and supervisorctl's wording of its failures
 *   supctl_proc.c    status, start, stop, restart, signal, pid; tail,
 *                    maintail, clear
 *   supctl_update.c  avail, reread, update, add, remove
 *   supctl_shell.c   the interactive shell, and fg
 *   supctl_conf.c    supctl's own settings from the config file
 *   supctl_events.c  events (the event stream, printed)
 *   supctl_upgrade.c upgrade (supd execs itself in place) */
#ifndef SUPD_SUPCTL_INT_H
#define SUPD_SUPCTL_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "http_client.h"

enum {
	EX_OK = 0,
	EX_GENERIC = 1,
	EX_INVALID_ARGS = 2,
	EX_STATUS_NOT_RUNNING = 3,
	EX_STATUS_UNKNOWN = 4,
	EX_CONN_REFUSED = 4,
	EX_NOT_RUNNING = 7,
};

/* The limits of struct ctl_limits, by option name. */
enum { CTL_LIM_CONNECT, CTL_LIM_TIMEOUT, CTL_LIM_FOLLOW, CTL_LIM_MAX_RESPONSE, CTL_LIM_N };

struct ctl {
	struct ctl_client c;
	char *url, *user, *pass, *prompt, *history;
	/* The limits as given, and where ("--timeout", "file:line"), for
	 * ctl_set_limits; the command line's win over the file's. */
	char *lim_val[CTL_LIM_N], *lim_where[CTL_LIM_N];
	bool json;
	/* --json: the command's document, printed on stdout when it ends
	 * (an array of results, or one object); errors go to stderr at once,
	 * one JSON object a line. */
	json_t *jdoc;
	bool interactive;
	/* avail, reread, update, add, remove: supervisorctl does not check the
	 * server first for these, and a dead server is a generic error (1). */
	bool no_upcheck;
	/* tail -f: a connection failure is returned (a negative errno) rather
	 * than said, for the caller to reconnect (an upgrade in place cut it) */
	bool conn_errors_returned;
	int exitstatus;
};

struct reply {
	int status;	  /* HTTP status; 0: no answer */
	json_t *j;	  /* parsed body (JSON answers) */
	const char *code; /* error code of an error body, else NULL */
	const char *msg;
	struct ctl_resp resp;
};

/* supctl_call.c */
void ctl_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ctl_err(struct ctl *x, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ctl_result(struct ctl *x, const char *name, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void ctl_jset(struct ctl *x, json_t *doc);
void ctl_jflush(struct ctl *x);
void ctl_reply_free(struct reply *r);
void ctl_conn_error(struct ctl *x, int err, bool for_status);
int ctl_call_ex(struct ctl *x, const char *method, const char *path, struct reply *rep,
		bool for_status, ctl_body_cb cb, void *arg);
int ctl_call(struct ctl *x, const char *method, const char *path, struct reply *rep);
/* A streamed GET (tail -f, events) that a cut does not end: an upgrade in
 * place resets the connection, and the new image, on the same socket, is
 * asked again every 0.1 s for up to 30 s (not after the shell's Ctrl-C);
 * again(arg) runs before each new try (NULL: nothing).  Returns as
 * ctl_call_ex, but -1 for a connection error (already printed). */
int ctl_follow(struct ctl *x, const char *path, struct reply *rep, ctl_body_cb cb, void *arg,
	       void (*again)(void *arg));
void ctl_enc(const char *s, char *buf, size_t len);
const char *ctl_jstr(json_t *o, const char *k);
long long ctl_jint(json_t *o, const char *k);
const char *ctl_make_namespec(const char *group, const char *name, char *buf, size_t len);
int ctl_write_out(void *arg, const char *buf, size_t len);

/* supctl.c */
int supctl_line(struct ctl *x, const char *line);
const char *const *ctl_command_names(void);
void ctl_help_line(const char *cmd);
bool ctl_no_args(struct ctl *x, int argc, const char *cmd);

/* supctl_conf.c */
int ctl_load_conf(struct ctl *x, const char *path, bool explicit_path);
extern const char *const ctl_lim_names[CTL_LIM_N];
/* Checks the limits given (lim_val) and sets them on x->c.  Returns 0, or
 * -1 after saying which value is wrong. */
int ctl_set_limits(struct ctl *x);

/* supctl_shell.c */
void ctl_shell(struct ctl *x);
bool ctl_interrupted(void);

/* The commands: each takes the words after its name, prints supervisorctl's
 * lines, sets x->exitstatus on failure, and returns 0. */
int cmd_status(struct ctl *x, int argc, char **argv);
int cmd_start(struct ctl *x, int argc, char **argv);
int cmd_stop(struct ctl *x, int argc, char **argv);
int cmd_restart(struct ctl *x, int argc, char **argv);
int cmd_signal(struct ctl *x, int argc, char **argv);
int cmd_pid(struct ctl *x, int argc, char **argv);
int cmd_tail(struct ctl *x, int argc, char **argv);
int cmd_maintail(struct ctl *x, int argc, char **argv);
int cmd_clear(struct ctl *x, int argc, char **argv);
int cmd_avail(struct ctl *x, int argc, char **argv);
int cmd_reread(struct ctl *x, int argc, char **argv);
int cmd_update(struct ctl *x, int argc, char **argv);
int cmd_add(struct ctl *x, int argc, char **argv);
int cmd_remove(struct ctl *x, int argc, char **argv);
int cmd_fg(struct ctl *x, int argc, char **argv);
/* supctl_events.c */
int cmd_events(struct ctl *x, int argc, char **argv);
/* supctl_upgrade.c */
int cmd_upgrade(struct ctl *x, int argc, char **argv);

/* The frames of a /v1/events stream (a Server-Sent Events body):
 * ctl_sse_body (a ctl_body_cb) cuts it into frames and calls frame with
 * each one's event name and data (NULL: a frame without data, such as
 * supd's hello); a non-zero return stops the stream with that error.
 * read_end (NULL: none) runs after the frames of each piece read, for work
 * a burst of frames needs once.  Zero the rest; free(buf) at the end. */
struct ctl_sse {
	int (*frame)(void *arg, const char *event, const char *data);
	int (*read_end)(void *arg);
	void *arg;
	char *buf;
	size_t len, cap;
	bool any; /* a byte came: the server has the client (its hello) */
};
int ctl_sse_body(void *arg, const char *buf, size_t len);
/* supctl_wait.c */
int cmd_wait(struct ctl *x, int argc, char **argv);

#endif
