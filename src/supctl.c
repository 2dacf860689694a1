/* supctl: supd's control client, command- and output-compatible with
 * supervisorctl 4.2 (doc/supctl.1), speaking supd's /v1 JSON API
 * (doc/api.md) over ctl_http.
 *
 * Exit codes are supervisorctl's: the code of the last failing action
 * (LSB init codes: 1 generic, 2 invalid arguments, 7 not running; status
 * uses the LSB status codes 3 and 4).  Messages go to stdout, as
 * supervisorctl prints them. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <editline/readline.h>

#include "conf.h"
#include "conf_raw.h"
#include "conf_value.h"
#include "buf.h"
#include "ctl_http.h"

enum {
	EX_OK = 0,
	EX_GENERIC = 1,
	EX_INVALID_ARGS = 2,
	EX_STATUS_NOT_RUNNING = 3,
	EX_STATUS_UNKNOWN = 4,
	EX_CONN_REFUSED = 4,
	EX_NOT_RUNNING = 7,
};

struct ctl {
	struct ctl_client c;
	char *url, *user, *pass, *prompt, *history;
	bool json;
	bool interactive;
	/* avail, reread, update, add, remove: supervisorctl does not check the
	 * server first for these, and a dead server is a generic error (1). */
	bool no_upcheck;
	int exitstatus;
};

static int supctl_run(struct ctl *x, int argc, char **argv);
static const char *const *command_names(void);
static int cmd_status(struct ctl *x, int argc, char **argv);

static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* ---------------------------------------------------------------- calls */

struct reply {
	int status;	  /* HTTP status; 0: no answer */
	json_t *j;	  /* parsed body (JSON answers) */
	const char *code; /* error code of an error body, else NULL */
	const char *msg;
	struct ctl_resp resp;
};

static void reply_free(struct reply *r)
{
	json_decref(r->j);
	ctl_resp_free(&r->resp);
	memset(r, 0, sizeof(*r));
}

/* supervisorctl's wording when the server cannot be reached. */
static void conn_error(struct ctl *x, int err, bool for_status)
{
	if (err == -ENOENT) {
		out("%s no such file", x->url);
		x->exitstatus = for_status	? EX_STATUS_UNKNOWN
				: x->no_upcheck ? EX_GENERIC
						: EX_NOT_RUNNING;
	} else if (err == -ECONNREFUSED) {
		out("%s refused connection", x->url);
		x->exitstatus = x->no_upcheck && !for_status ? EX_GENERIC : EX_CONN_REFUSED;
	} else if (err == -EACCES) {
		out("%s permission denied", x->url);
		x->exitstatus = for_status ? EX_STATUS_UNKNOWN : EX_GENERIC;
	} else {
		out("error: %s: %s", x->url, strerror(-err));
		x->exitstatus = for_status ? EX_STATUS_UNKNOWN : EX_GENERIC;
	}
}

/* In the shell, a 401 asks for credentials, as supervisorctl does.
 * Returns false when none were given. */
static bool ask_credentials(struct ctl *x)
{
	char user[256];
	printf("Server requires authentication\nUsername:");
	fflush(stdout);
	if (!fgets(user, sizeof(user), stdin))
		return false;
	user[strcspn(user, "\r\n")] = '\0';
	if (!*user)
		return false;
	char *pass = getpass("Password:");
	if (!pass)
		return false;
	struct ctl_client c;
	if (ctl_client_init(&c, x->url, user, pass) < 0)
		return false;
	ctl_client_free(&x->c);
	x->c = c;
	free(x->user);
	free(x->pass);
	x->user = strdup(user);
	x->pass = strdup(pass);
	explicit_bzero(pass, strlen(pass));
	return true;
}

/* One API call.  Returns 0 with rep filled (any HTTP status but 401), or
 * -1 after printing why there is no usable answer. */
static int call_ex(struct ctl *x, const char *method, const char *path, struct reply *rep,
		   bool for_status, ctl_body_cb cb, void *arg)
{
	memset(rep, 0, sizeof(*rep));
	int r = ctl_request(&x->c, method, path, NULL, 0, &rep->resp, cb, arg);
	if (r < 0) {
		conn_error(x, r, for_status);
		return -1;
	}
	rep->status = rep->resp.status;
	if (rep->status == 401 && x->interactive && isatty(STDIN_FILENO) && ask_credentials(x)) {
		ctl_resp_free(&rep->resp);
		return call_ex(x, method, path, rep, for_status, cb, arg);
	}
	if (rep->status == 401) {
		out("Server requires authentication");
		x->exitstatus = for_status ? EX_STATUS_UNKNOWN : EX_GENERIC;
		reply_free(rep);
		return -1;
	}
	if (rep->resp.content_type && !strncmp(rep->resp.content_type, "application/json", 16) &&
	    rep->resp.body) {
		rep->j = json_loadb(rep->resp.body, rep->resp.len, 0, NULL);
		json_t *e = json_object_get(rep->j, "error");
		if (e) {
			rep->code = json_string_value(json_object_get(e, "code"));
			rep->msg = json_string_value(json_object_get(e, "message"));
		}
	}
	if (rep->status >= 400 && !rep->code) {
		out("error: %s %s: HTTP %d", method, path, rep->status);
		x->exitstatus = EX_GENERIC;
		reply_free(rep);
		return -1;
	}
	if (rep->status < 400 && !rep->j &&
	    (!rep->resp.content_type || strncmp(rep->resp.content_type, "text/plain", 10))) {
		out("error: %s %s: unexpected answer", method, path);
		x->exitstatus = EX_GENERIC;
		reply_free(rep);
		return -1;
	}
	if (!rep->code)
		rep->code = NULL;
	return 0;
}

static int call(struct ctl *x, const char *method, const char *path, struct reply *rep)
{
	return call_ex(x, method, path, rep, false, NULL, NULL);
}

/* Percent-encodes a name for a path segment ('*' and ':' stay). */
static void enc(const char *s, char *buf, size_t len)
{
	size_t o = 0;
	for (; *s && o + 4 < len; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~:*", c))
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "%%%02X", c);
	}
	buf[o] = '\0';
}

/* supervisorctl's set_exitstatus_from_xmlrpc_fault. */
static void fault_exit(struct ctl *x, const char *code, const char *ignored)
{
	if (!code || !strcmp(code, "SUCCESS") || (ignored && !strcmp(code, ignored)))
		return;
	if (!strcmp(code, "SPAWN_ERROR") || !strcmp(code, "ABNORMAL_TERMINATION") ||
	    !strcmp(code, "NOT_RUNNING"))
		x->exitstatus = EX_NOT_RUNNING;
	else
		x->exitstatus = EX_GENERIC;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static long long jint(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static const char *make_namespec(const char *group, const char *name, char *buf, size_t len)
{
	if (!strcmp(group, name))
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%s:%s", group, name);
	return buf;
}

/* split_namespec: "g:*" and "g:" name a group (*name NULL), "x" is x:x. */
static void split_namespec(const char *s, char *group, size_t glen, const char **name)
{
	const char *colon = strchr(s, ':');
	if (!colon) {
		snprintf(group, glen, "%s", s);
		*name = s;
		return;
	}
	size_t n = (size_t)(colon - s) < glen - 1 ? (size_t)(colon - s) : glen - 1;
	memcpy(group, s, n);
	group[n] = '\0';
	*name = colon[1] && strcmp(colon + 1, "*") ? colon + 1 : NULL;
}

/* ---------------------------------------------------------------- status */

static bool stopped_state(long long st)
{
	return st == 0 || st == 100 || st == 200 || st == 1000;
}

static void show_statuses(json_t **v, size_t n)
{
	size_t maxlen = 30;
	char ns[600];
	for (size_t i = 0; i < n; i++) {
		make_namespec(jstr(v[i], "group"), jstr(v[i], "name"), ns, sizeof(ns));
		if (strlen(ns) > maxlen)
			maxlen = strlen(ns);
	}
	for (size_t i = 0; i < n; i++) {
		make_namespec(jstr(v[i], "group"), jstr(v[i], "name"), ns, sizeof(ns));
		printf("%-*s%-10s%s\n", (int)maxlen + 3, ns, jstr(v[i], "statename"),
		       jstr(v[i], "description"));
	}
}

static int cmd_status(struct ctl *x, int argc, char **argv)
{
	struct reply rep;
	/* Only the columns shown: less to send and parse (--json: all). */
	const char *path = x->json ? "/v1/processes"
				   : "/v1/processes?fields=group,name,state,statename,description";
	if (call_ex(x, "GET", path, &rep, true, NULL, NULL) < 0)
		return 0;
	json_t *all = json_object_get(rep.j, "processes");
	size_t n = json_array_size(all);
	json_t **match = calloc(n * (size_t)(argc ? argc : 1) + 1, sizeof(*match));
	size_t k = 0;
	bool every = argc == 0;
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "all"))
			every = true;
	if (every) {
		for (size_t i = 0; i < n; i++)
			match[k++] = json_array_get(all, i);
	} else {
		for (int a = 0; a < argc; a++) {
			char group[512];
			const char *name;
			split_namespec(argv[a], group, sizeof(group), &name);
			bool found = false;
			for (size_t i = 0; i < n; i++) {
				json_t *p = json_array_get(all, i);
				if (strcmp(jstr(p, "group"), group) ||
				    (name && strcmp(jstr(p, "name"), name)))
					continue;
				found = true;
				match[k++] = p;
			}
			if (!found) {
				if (!name)
					out("%s: ERROR (no such group)", group);
				else
					out("%s: ERROR (no such process)", argv[a]);
				x->exitstatus = EX_STATUS_UNKNOWN;
			}
		}
	}
	if (x->json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < k; i++)
			json_array_append(arr, match[i]);
		char *s = json_dumps(arr, JSON_INDENT(2));
		if (s)
			puts(s);
		free(s);
		json_decref(arr);
	} else {
		show_statuses(match, k);
	}
	for (size_t i = 0; i < k; i++)
		if (stopped_state(jint(match[i], "state")))
			x->exitstatus = EX_STATUS_NOT_RUNNING;
	free(match);
	reply_free(&rep);
	return 0;
}

/* ---------------------------------------------------------------- start/stop */

enum action { ACT_START, ACT_STOP };

/* supervisorctl's words for a fault in a start or stop result (a fault
 * that one of the two cannot give is simply never looked up there). */
static const char *fault_text(const char *code)
{
	static const char *const texts[][2] = {
	    {"BAD_NAME", "no such process"},
	    {"NO_FILE", "no such file"},
	    {"NOT_EXECUTABLE", "file is not executable"},
	    {"ALREADY_STARTED", "already started"},
	    {"NOT_RUNNING", "not running"},
	    {"SPAWN_ERROR", "spawn error"},
	    {"ABNORMAL_TERMINATION", "abnormal termination"},
	    {"SHUTDOWN_STATE", "supd is shutting down"},
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (!strcmp(code, texts[i][0]))
			return texts[i][1];
	return NULL;
}

static void print_result(struct ctl *x, enum action act, const char *group, const char *name,
			 const char *code, const char *desc)
{
	char ns[600];
	make_namespec(group, name, ns, sizeof(ns));
	if (!strcmp(code, "SUCCESS")) {
		out("%s: %s", ns, act == ACT_START ? "started" : "stopped");
		return;
	}
	const char *e = fault_text(code);
	if (e)
		out("%s: ERROR (%s)", ns, e);
	else
		out("%s: ERROR (%s)", ns, desc && *desc ? desc : code);
	fault_exit(x, code, act == ACT_START ? "ALREADY_STARTED" : "NOT_RUNNING");
}

static void print_results(struct ctl *x, enum action act, json_t *j)
{
	json_t *res = json_object_get(j, "results");
	for (size_t i = 0; i < json_array_size(res); i++) {
		json_t *o = json_array_get(res, i);
		print_result(x, act, jstr(o, "group"), jstr(o, "name"), jstr(o, "status"),
			     jstr(o, "description"));
	}
}

static void act_one(struct ctl *x, enum action act, const char *spec)
{
	char group[512], path[1600], e[1200];
	const char *name;
	bool all = !strcmp(spec, "all");
	if (all)
		snprintf(path, sizeof(path), "/v1/processes/*/%s",
			 act == ACT_START ? "start" : "stop");
	split_namespec(spec, group, sizeof(group), &name);
	if (!all) {
		enc(name ? spec : group, e, sizeof(e));
		snprintf(path, sizeof(path), "/v1/processes/%s%s/%s", e, name ? "" : ":*",
			 act == ACT_START ? "start" : "stop");
	}
	struct reply rep;
	if (call(x, "POST", path, &rep) < 0)
		return;
	if (all || !name) {
		if (rep.code && !strcmp(rep.code, "BAD_NAME")) {
			out("%s: ERROR (no such group)", group);
			x->exitstatus = EX_INVALID_ARGS;
		} else if (rep.code) {
			out("%s: ERROR (%s)", all ? "all" : group, rep.msg ? rep.msg : rep.code);
			fault_exit(x, rep.code, NULL);
		} else {
			print_results(x, act, rep.j);
		}
	} else if (rep.code) {
		print_result(x, act, group, name, rep.code, rep.msg);
	} else {
		print_result(x, act, group, name, "SUCCESS", NULL);
	}
	reply_free(&rep);
}

static void help_line(const char *cmd);

/* supervisorctl's answer to a command given no name; false then.  (The exit
 * status differs by command: stop's is 1, start's and restart's 2.) */
static bool need_names(struct ctl *x, int argc, const char *cmd, int status)
{
	if (argc > 0)
		return true;
	out("Error: %s requires a process name", cmd);
	help_line(cmd);
	x->exitstatus = status;
	return false;
}

static int cmd_start(struct ctl *x, int argc, char **argv)
{
	if (need_names(x, argc, "start", EX_INVALID_ARGS))
		for (int i = 0; i < argc; i++)
			act_one(x, ACT_START, argv[i]);
	return 0;
}

static int cmd_stop(struct ctl *x, int argc, char **argv)
{
	if (need_names(x, argc, "stop", EX_GENERIC))
		for (int i = 0; i < argc; i++)
			act_one(x, ACT_STOP, argv[i]);
	return 0;
}

static int cmd_restart(struct ctl *x, int argc, char **argv)
{
	if (need_names(x, argc, "restart", EX_INVALID_ARGS)) {
		cmd_stop(x, argc, argv);
		cmd_start(x, argc, argv);
	}
	return 0;
}

/* ---------------------------------------------------------------- signal, pid */

static void signal_result(struct ctl *x, const char *group, const char *name, const char *code,
			  const char *desc)
{
	char ns[600];
	make_namespec(group, name, ns, sizeof(ns));
	if (!strcmp(code, "SUCCESS"))
		out("%s: signalled", ns);
	else if (!strcmp(code, "BAD_NAME"))
		out("%s: ERROR (no such process)", ns);
	else if (!strcmp(code, "BAD_SIGNAL"))
		out("%s: ERROR (bad signal name)", ns);
	else if (!strcmp(code, "NOT_RUNNING"))
		out("%s: ERROR (not running)", ns);
	else
		out("%s: ERROR (%s)", ns, desc && *desc ? desc : code);
	fault_exit(x, code, NULL);
}

static int cmd_signal(struct ctl *x, int argc, char **argv)
{
	if (argc < 2) {
		out("Error: signal requires a signal name and a process name");
		help_line("signal");
		x->exitstatus = EX_INVALID_ARGS;
		return 0;
	}
	char sig[64];
	enc(argv[0], sig, sizeof(sig));
	for (int i = 1; i < argc; i++) {
		char group[512], path[1700], e[1200];
		const char *name;
		bool all = !strcmp(argv[i], "all");
		split_namespec(argv[i], group, sizeof(group), &name);
		enc(name ? argv[i] : group, e, sizeof(e));
		if (all)
			snprintf(path, sizeof(path), "/v1/processes/*/signal?signal=%s", sig);
		else
			snprintf(path, sizeof(path), "/v1/processes/%s%s/signal?signal=%s", e,
				 name ? "" : ":*", sig);
		struct reply rep;
		if (call(x, "POST", path, &rep) < 0)
			continue;
		if (all || !name) {
			if (rep.code && !strcmp(rep.code, "BAD_NAME")) {
				out("%s: ERROR (no such group)", group);
				x->exitstatus = EX_GENERIC;
			} else if (rep.code && !strcmp(rep.code, "BAD_SIGNAL")) {
				out("%s: ERROR (bad signal name)", all ? "all" : group);
				x->exitstatus = EX_GENERIC;
			} else if (rep.code) {
				out("%s: ERROR (%s)", all ? "all" : group,
				    rep.msg ? rep.msg : rep.code);
				fault_exit(x, rep.code, NULL);
			} else {
				json_t *res = json_object_get(rep.j, "results");
				for (size_t k = 0; k < json_array_size(res); k++) {
					json_t *o = json_array_get(res, k);
					signal_result(x, jstr(o, "group"), jstr(o, "name"),
						      jstr(o, "status"), jstr(o, "description"));
				}
			}
		} else {
			signal_result(x, group, name, rep.code ? rep.code : "SUCCESS", rep.msg);
		}
		reply_free(&rep);
	}
	return 0;
}

static int cmd_pid(struct ctl *x, int argc, char **argv)
{
	struct reply rep;
	if (argc == 0) {
		if (call(x, "GET", "/v1/version", &rep) == 0) {
			out("%lld", jint(rep.j, "pid"));
			reply_free(&rep);
		}
		return 0;
	}
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "all")) {
			if (call(x, "GET", "/v1/processes?fields=pid", &rep) < 0)
				continue;
			json_t *all = json_object_get(rep.j, "processes");
			for (size_t k = 0; k < json_array_size(all); k++)
				out("%lld", jint(json_array_get(all, k), "pid"));
			reply_free(&rep);
			continue;
		}
		char e[1200], path[1300];
		enc(argv[i], e, sizeof(e));
		snprintf(path, sizeof(path), "/v1/processes/%s", e);
		if (call(x, "GET", path, &rep) < 0)
			continue;
		if (rep.code) {
			out("No such process %s", argv[i]);
			x->exitstatus = EX_GENERIC;
		} else {
			long long pid = jint(rep.j, "pid");
			out("%lld", pid);
			if (pid == 0)
				x->exitstatus = EX_NOT_RUNNING;
		}
		reply_free(&rep);
	}
	return 0;
}

/* ---------------------------------------------------------------- logs */

static int write_out(void *arg, const char *buf, size_t len)
{
	if (fwrite(buf, 1, len, stdout) != len)
		return -EIO;
	fflush(stdout);
	return 0;
}

/* [-f|-N] parsing shared by tail and maintail.  Returns 0, or -1 after a
 * usage error. */
static int tail_opts(struct ctl *x, const char *cmd, int *argc, char ***argv, bool *follow,
		     long *bytes)
{
	*follow = false;
	*bytes = 1600;
	if (*argc > 0 && (*argv)[0][0] == '-') {
		const char *o = (*argv)[0] + 1;
		if (!strcmp(o, "f")) {
			*follow = true;
		} else {
			char *end;
			long n = strtol(o, &end, 10);
			if (!*o || *end || n < 0) {
				out("Error: bad argument %s", (*argv)[0]);
				help_line(cmd);
				x->exitstatus = EX_INVALID_ARGS;
				return -1;
			}
			*bytes = n;
		}
		(*argc)--;
		(*argv)++;
	}
	return 0;
}

static void log_error_line(struct ctl *x, const char *who, const char *code)
{
	if (!strcmp(code, "BAD_NAME"))
		out("%s: ERROR (no such process name)", who);
	else if (!strcmp(code, "NO_FILE"))
		out("%s: ERROR (no log file)", who);
	else
		out("%s: ERROR (unknown error reading log)", who);
	x->exitstatus = EX_GENERIC;
}

static void read_log(struct ctl *x, const char *who, const char *base, bool follow, long bytes)
{
	char path[1600];
	struct reply rep;
	if (follow) {
		snprintf(path, sizeof(path), "%s%cfollow=true", base,
			 strchr(base, '?') ? '&' : '?');
		out("==> Press Ctrl-C to exit <==");
		fflush(stdout);
		if (call_ex(x, "GET", path, &rep, false, write_out, NULL) < 0)
			return;
	} else {
		snprintf(path, sizeof(path), "%s%ctail=%ld", base, strchr(base, '?') ? '&' : '?',
			 bytes);
		if (call(x, "GET", path, &rep) < 0)
			return;
		if (!rep.code && rep.resp.body)
			fwrite(rep.resp.body, 1, rep.resp.len, stdout);
	}
	if (rep.code)
		log_error_line(x, who, rep.code);
	reply_free(&rep);
}

static int cmd_tail(struct ctl *x, int argc, char **argv)
{
	bool follow;
	long bytes;
	if (tail_opts(x, "tail", &argc, &argv, &follow, &bytes) < 0)
		return 0;
	if (argc < 1 || argc > 2) {
		out("Error: too %s arguments", argc < 1 ? "few" : "many");
		help_line("tail");
		x->exitstatus = EX_INVALID_ARGS;
		return 0;
	}
	const char *ch = argc == 2 ? argv[1] : "stdout";
	if (strcmp(ch, "stdout") && strcmp(ch, "stderr")) {
		out("Error: bad channel '%s'", ch);
		help_line("tail");
		x->exitstatus = EX_INVALID_ARGS;
		return 0;
	}
	char e[1200], base[1300];
	enc(argv[0], e, sizeof(e));
	snprintf(base, sizeof(base), "/v1/processes/%s/log/%s", e, ch);
	read_log(x, argv[0], base, follow, bytes);
	return 0;
}

static int cmd_maintail(struct ctl *x, int argc, char **argv)
{
	bool follow;
	long bytes;
	if (tail_opts(x, "maintail", &argc, &argv, &follow, &bytes) < 0)
		return 0;
	if (argc) {
		out("Error: too many arguments");
		help_line("maintail");
		x->exitstatus = EX_INVALID_ARGS;
		return 0;
	}
	read_log(x, "supd", "/v1/log", follow, bytes);
	return 0;
}

static int cmd_clear(struct ctl *x, int argc, char **argv)
{
	if (!need_names(x, argc, "clear", EX_INVALID_ARGS))
		return 0;
	for (int i = 0; i < argc; i++) {
		bool all = !strcmp(argv[i], "all");
		char e[1200], path[1300];
		enc(all ? "*" : argv[i], e, sizeof(e));
		snprintf(path, sizeof(path), "/v1/processes/%s/log", e);
		struct reply rep;
		if (call(x, "DELETE", path, &rep) < 0)
			continue;
		json_t *res = json_object_get(rep.j, "results");
		if (rep.code) {
			out("%s: ERROR (%s)", argv[i],
			    !strcmp(rep.code, "BAD_NAME") ? "no such process" : "failed");
			x->exitstatus = EX_GENERIC;
		} else if (res) {
			char ns[600];
			for (size_t k = 0; k < json_array_size(res); k++) {
				json_t *o = json_array_get(res, k);
				make_namespec(jstr(o, "group"), jstr(o, "name"), ns, sizeof(ns));
				if (!strcmp(jstr(o, "status"), "SUCCESS")) {
					out("%s: cleared", ns);
				} else {
					out("%s: ERROR (failed)", ns);
					x->exitstatus = EX_GENERIC;
				}
			}
		} else {
			out("%s: cleared", argv[i]);
		}
		reply_free(&rep);
	}
	return 0;
}

/* ---------------------------------------------------------------- shell */

static struct ctl *shell_ctl;

static char *command_gen(const char *text, int state)
{
	static size_t i;
	if (!state)
		i = 0;
	const char *const *names = command_names();
	for (; names[i]; i++)
		if (!strncmp(names[i], text, strlen(text)))
			return strdup(names[i++]);
	return NULL;
}

/* Process names for completion, fetched once per completed word. */
static char *name_gen(const char *text, int state)
{
	static struct reply rep;
	static size_t i;
	if (!state) {
		reply_free(&rep);
		i = 0;
		struct ctl *x = shell_ctl;
		memset(&rep, 0, sizeof(rep));
		if (ctl_request(&x->c, "GET", "/v1/processes?fields=group,name", NULL, 0, &rep.resp,
				NULL, NULL) < 0 ||
		    rep.resp.status != 200 || !rep.resp.body)
			return NULL;
		rep.j = json_loadb(rep.resp.body, rep.resp.len, 0, NULL);
	}
	json_t *all = json_object_get(rep.j, "processes");
	char ns[600];
	while (i < json_array_size(all)) {
		json_t *p = json_array_get(all, i++);
		make_namespec(jstr(p, "group"), jstr(p, "name"), ns, sizeof(ns));
		if (!strncmp(ns, text, strlen(text)))
			return strdup(ns);
	}
	if (!strncmp("all", text, strlen(text)) && i++ == json_array_size(all))
		return strdup("all");
	return NULL;
}

static char **complete(const char *text, int start, int end)
{
	(void)end;
	if (start == 0)
		return rl_completion_matches(text, command_gen);
	return rl_completion_matches(text, name_gen);
}

static void shell(struct ctl *x)
{
	char prompt[300];
	snprintf(prompt, sizeof(prompt), "%s> ", x->prompt ? x->prompt : "supervisor");
	shell_ctl = x;
	rl_attempted_completion_function = complete;
	using_history();
	if (x->history)
		read_history(x->history);
	for (;;) {
		char *line = readline(prompt);
		if (!line) {
			putchar('\n');
			break;
		}
		char *words[64];
		int n = 0;
		char *save = NULL;
		if (*line)
			add_history(line);
		for (char *w = strtok_r(line, " \t", &save); w && n < 64;
		     w = strtok_r(NULL, " \t", &save))
			words[n++] = w;
		x->json = false;
		int r = supctl_run(x, n, words);
		free(line);
		if (r)
			break;
	}
	if (x->history)
		write_history(x->history);
}

/* ---------------------------------------------------------------- config */

static int cmd_avail(struct ctl *x, int argc, char **argv)
{
	struct reply rep;
	if (call(x, "GET", "/v1/config", &rep) < 0)
		return 0;
	json_t *all = json_object_get(rep.j, "programs");
	if (x->json) {
		char *s = json_dumps(all, JSON_INDENT(2));
		if (s)
			puts(s);
		free(s);
	} else {
		char ns[600], prio[64];
		for (size_t i = 0; i < json_array_size(all); i++) {
			json_t *p = json_array_get(all, i);
			make_namespec(jstr(p, "group"), jstr(p, "name"), ns, sizeof(ns));
			snprintf(prio, sizeof(prio), "%lld:%lld", jint(p, "group_prio"),
				 jint(p, "process_prio"));
			out("%-32s %-9s %-9s %s", ns,
			    json_is_true(json_object_get(p, "inuse")) ? "in use" : "avail",
			    json_is_true(json_object_get(p, "autostart")) ? "auto" : "manual",
			    prio);
		}
	}
	reply_free(&rep);
	return 0;
}

/* POST /v1/reread.  Returns 0 with rep holding the diff, or -1 (printed). */
static int reread(struct ctl *x, struct reply *rep)
{
	if (call(x, "POST", "/v1/reread", rep) < 0)
		return -1;
	if (rep->code) {
		if (!strcmp(rep->code, "CANT_REREAD"))
			out("ERROR: CANT_REREAD: %s", rep->msg ? rep->msg : "");
		else
			out("ERROR: %s: %s", rep->code, rep->msg ? rep->msg : "");
		x->exitstatus = EX_GENERIC;
		reply_free(rep);
		return -1;
	}
	return 0;
}

struct change {
	const char *name;
	const char *what;
};

static int cmp_change(const void *a, const void *b)
{
	return strcmp(((const struct change *)a)->name, ((const struct change *)b)->name);
}

static int cmd_reread(struct ctl *x, int argc, char **argv)
{
	struct reply rep;
	if (reread(x, &rep) < 0)
		return 0;
	static const char *const keys[] = {"added", "changed", "removed"};
	static const char *const words[] = {"available", "changed", "disappeared"};
	size_t n = 0;
	for (int k = 0; k < 3; k++)
		n += json_array_size(json_object_get(rep.j, keys[k]));
	struct change *v = calloc(n + 1, sizeof(*v));
	size_t m = 0;
	for (int k = 0; k < 3; k++) {
		json_t *a = json_object_get(rep.j, keys[k]);
		for (size_t i = 0; i < json_array_size(a); i++) {
			v[m].name = json_string_value(json_array_get(a, i));
			v[m].what = words[k];
			if (v[m].name)
				m++;
		}
	}
	qsort(v, m, sizeof(*v), cmp_change);
	for (size_t i = 0; i < m; i++)
		out("%s: %s", v[i].name, v[i].what);
	if (m == 0)
		out("No config updates to processes");
	free(v);
	reply_free(&rep);
	return 0;
}

/* Add (POST) or remove (DELETE) a group.  Returns the error code or NULL;
 * *conn_failed when there was no answer. */
static char *group_call(struct ctl *x, const char *method, const char *g, bool *conn_failed)
{
	char e[1200], path[1300];
	enc(g, e, sizeof(e));
	snprintf(path, sizeof(path), "/v1/groups/%s", e);
	struct reply rep;
	*conn_failed = false;
	if (call(x, method, path, &rep) < 0) {
		*conn_failed = true;
		return NULL;
	}
	char *code = rep.code ? strdup(rep.code) : NULL;
	reply_free(&rep);
	return code;
}

/* Stops g:* and says whether any process failed to stop. */
static bool stop_group(struct ctl *x, const char *g)
{
	char e[1200], path[1300];
	enc(g, e, sizeof(e));
	snprintf(path, sizeof(path), "/v1/processes/%s:*/stop", e);
	struct reply rep;
	if (call(x, "POST", path, &rep) < 0)
		return true;
	bool fails = false;
	json_t *res = json_object_get(rep.j, "results");
	for (size_t i = 0; i < json_array_size(res); i++)
		if (!strcmp(jstr(json_array_get(res, i), "status"), "FAILED"))
			fails = true;
	reply_free(&rep);
	return fails;
}

static bool wanted(int argc, char **argv, const char *g)
{
	if (argc == 0)
		return true;
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], g) || !strcmp(argv[i], "all"))
			return true;
	return false;
}

static int cmd_update(struct ctl *x, int argc, char **argv)
{
	struct reply rep;
	if (reread(x, &rep) < 0)
		return 0;
	json_t *added = json_object_get(rep.j, "added"),
	       *changed = json_object_get(rep.j, "changed"),
	       *removed = json_object_get(rep.j, "removed");
	/* Names that are neither changing nor active are errors. */
	if (argc && !(argc == 1 && !strcmp(argv[0], "all"))) {
		struct reply cur;
		if (call(x, "GET", "/v1/processes?fields=group", &cur) < 0) {
			reply_free(&rep);
			return 0;
		}
		for (int i = 0; i < argc; i++) {
			bool known = false;
			json_t *lists[] = {added, changed, removed};
			for (int k = 0; k < 3 && !known; k++)
				for (size_t j = 0; j < json_array_size(lists[k]); j++)
					if (!strcmp(json_string_value(json_array_get(lists[k], j)),
						    argv[i]))
						known = true;
			json_t *ps = json_object_get(cur.j, "processes");
			for (size_t j = 0; j < json_array_size(ps) && !known; j++)
				if (!strcmp(jstr(json_array_get(ps, j), "group"), argv[i]))
					known = true;
			if (!known) {
				out("ERROR: no such group: %s", argv[i]);
				x->exitstatus = EX_GENERIC;
			}
		}
		reply_free(&cur);
	}
	bool cf;
	for (size_t i = 0; i < json_array_size(removed); i++) {
		const char *g = json_string_value(json_array_get(removed, i));
		if (!g || !wanted(argc, argv, g))
			continue;
		bool fails = stop_group(x, g);
		out("%s: stopped", g);
		if (fails) {
			out("%s: has problems; not removing", g);
			continue;
		}
		free(group_call(x, "DELETE", g, &cf));
		if (!cf)
			out("%s: removed process group", g);
	}
	for (size_t i = 0; i < json_array_size(changed); i++) {
		const char *g = json_string_value(json_array_get(changed, i));
		if (!g || !wanted(argc, argv, g))
			continue;
		stop_group(x, g);
		out("%s: stopped", g);
		free(group_call(x, "DELETE", g, &cf));
		free(group_call(x, "POST", g, &cf));
		if (!cf)
			out("%s: updated process group", g);
	}
	for (size_t i = 0; i < json_array_size(added); i++) {
		const char *g = json_string_value(json_array_get(added, i));
		if (!g || !wanted(argc, argv, g))
			continue;
		free(group_call(x, "POST", g, &cf));
		if (!cf)
			out("%s: added process group", g);
	}
	reply_free(&rep);
	return 0;
}

static int cmd_add(struct ctl *x, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		bool cf;
		char *code = group_call(x, "POST", argv[i], &cf);
		if (cf)
			continue;
		if (!code)
			out("%s: added process group", argv[i]);
		else if (!strcmp(code, "ALREADY_ADDED"))
			out("ERROR: process group already active");
		else if (!strcmp(code, "BAD_NAME")) {
			out("ERROR: no such process/group: %s", argv[i]);
			x->exitstatus = EX_GENERIC;
		} else {
			out("ERROR: %s: %s", argv[i], code);
			x->exitstatus = EX_GENERIC;
		}
		free(code);
	}
	return 0;
}

static int cmd_remove(struct ctl *x, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		bool cf;
		char *code = group_call(x, "DELETE", argv[i], &cf);
		if (cf)
			continue;
		if (!code)
			out("%s: removed process group", argv[i]);
		else if (!strcmp(code, "STILL_RUNNING")) {
			out("ERROR: process/group still running: %s", argv[i]);
			x->exitstatus = EX_GENERIC;
		} else if (!strcmp(code, "BAD_NAME")) {
			out("ERROR: no such process/group: %s", argv[i]);
			x->exitstatus = EX_GENERIC;
		} else {
			out("ERROR: %s: %s", argv[i], code);
			x->exitstatus = EX_GENERIC;
		}
		free(code);
	}
	return 0;
}

/* ---------------------------------------------------------------- daemon */

static bool confirm(struct ctl *x, const char *question)
{
	if (!x->interactive)
		return true;
	printf("%s y/N? ", question);
	fflush(stdout);
	char line[64];
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

static int cmd_daemon(struct ctl *x, const char *what)
{
	bool sd = !strcmp(what, "shutdown");
	if (!confirm(x, sd ? "Really shut the remote supervisord process down"
			   : "Really restart the remote supervisord process"))
		return 0;
	char path[64];
	snprintf(path, sizeof(path), "/v1/%s", sd ? "shutdown" : "reload");
	struct reply rep;
	memset(&rep, 0, sizeof(rep));
	int r = ctl_request(&x->c, "POST", path, NULL, 0, &rep.resp, NULL, NULL);
	if (r < 0) {
		if (!sd) {
			conn_error(x, r, false);
			return 0;
		}
		if (r == -ENOENT)
			out("ERROR: %s no such file (already shut down?)", x->url);
		else if (r == -ECONNREFUSED)
			out("ERROR: %s refused connection (already shut down?)", x->url);
		else
			out("ERROR: %s: %s", x->url, strerror(-r));
		x->exitstatus = EX_GENERIC;
		return 0;
	}
	if (rep.resp.status == 401) {
		out("Server requires authentication");
		x->exitstatus = EX_GENERIC;
	} else if (rep.resp.status >= 400) {
		json_t *j = json_loadb(rep.resp.body ? rep.resp.body : "", rep.resp.len, 0, NULL);
		const char *code =
		    json_string_value(json_object_get(json_object_get(j, "error"), "code"));
		if (code && !strcmp(code, "SHUTDOWN_STATE"))
			out("ERROR: already shutting down");
		else
			out("ERROR: %s", code ? code : "unexpected answer");
		x->exitstatus = EX_GENERIC;
		json_decref(j);
	} else {
		out(sd ? "Shut down" : "Restarted supervisord");
	}
	ctl_resp_free(&rep.resp);
	return 0;
}

static int cmd_version(struct ctl *x, int argc, char **argv)
{
	struct reply rep;
	if (call(x, "GET", "/v1/version", &rep) < 0)
		return 0;
	out("%s", jstr(rep.j, "version"));
	reply_free(&rep);
	return 0;
}

/* ---------------------------------------------------------------- help */

static const struct {
	const char *cmd;
	const char *help;
} helps[] = {
    {"add", "add <name> [...]\tActivates any updates in config for process/group"},
    {"avail", "avail\t\t\tDisplay all configured processes"},
    {"clear", "clear <name>\t\tClear a process' log files.\n"
	      "clear <name> <name>\tClear multiple process' log files\n"
	      "clear all\t\tClear all process' log files"},
    {"exit", "exit\tExit the supervisor shell."},
    {"fg", "fg <process>\tConnect to a process in foreground mode\n"
	   "\t\tCtrl-C to exit"},
    {"help", "help\t\tPrint a list of available actions\n"
	     "help <action>\tPrint help for <action>"},
    {"maintail", "maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)\n"
		 "maintail -100\tlast 100 *bytes* of supervisord main log file\n"
		 "maintail\tlast 1600 *bytes* of supervisor main log file"},
    {"open", "open <url>\tConnect to a remote supervisord process.\n"
	     "\t\t(for UNIX domain socket, use unix:///socket/path)"},
    {"pid", "pid\t\t\tGet the PID of supervisord.\n"
	    "pid <name>\t\tGet the PID of a single child process by name.\n"
	    "pid all\t\t\tGet the PID of every child process, one per line."},
    {"quit", "quit\tExit the supervisor shell."},
    {"reload", "reload \t\tRestart the remote supervisord."},
    {"remove", "remove <name> [...]\tRemoves process/group from active config"},
    {"reread", "reread \t\t\tReload the daemon's configuration files without add/remove"},
    {"restart", "restart <name>\t\tRestart a process\n"
		"restart <gname>:*\tRestart all processes in a group\n"
		"restart <name> <name>\tRestart multiple processes or groups\n"
		"restart all\t\tRestart all processes\n"
		"Note: restart does not reread config files. For that, see reread and update."},
    {"shutdown", "shutdown \tShut the remote supervisord down."},
    {"signal", "signal <signal name> <name>\t\tSignal a process\n"
	       "signal <signal name> <gname>:*\t\tSignal all processes in a group\n"
	       "signal <signal name> <name> <name>\tSignal multiple processes or groups\n"
	       "signal <signal name> all\t\tSignal all processes"},
    {"start", "start <name>\t\tStart a process\n"
	      "start <gname>:*\t\tStart all processes in a group\n"
	      "start <name> <name>\tStart multiple processes or groups\n"
	      "start all\t\tStart all processes"},
    {"status", "status <name>\t\tGet status for a single process\n"
	       "status <gname>:*\tGet status for all processes in a group\n"
	       "status <name> <name>\tGet status for multiple named processes\n"
	       "status\t\t\tGet all process status info"},
    {"stop", "stop <name>\t\tStop a process\n"
	     "stop <gname>:*\t\tStop all processes in a group\n"
	     "stop <name> <name>\tStop multiple processes or groups\n"
	     "stop all\t\tStop all processes"},
    {"tail", "tail [-f] <name> [stdout|stderr] (default stdout)\n"
	     "Ex:\n"
	     "tail -f <name>\t\tContinuous tail of named process stdout\n"
	     "\t\t\tCtrl-C to exit.\n"
	     "tail -100 <name>\tlast 100 *bytes* of process stdout\n"
	     "tail <name> stderr\tlast 1600 *bytes* of process stderr"},
    {"update",
     "update\t\t\tReload config and add/remove as necessary, and will restart affected programs\n"
     "update all\t\tReload config and add/remove as necessary, and will restart affected programs\n"
     "update <gname> [...]\tUpdate specific groups"},
    {"version", "version\t\t\tShow the version of the remote supervisord process"},
};

static void help_line(const char *cmd)
{
	for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
		if (!strcmp(helps[i].cmd, cmd))
			out("%s", helps[i].help);
}

static int cmd_help(struct ctl *x, int argc, char **argv)
{
	if (argc) {
		for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
			if (!strcmp(helps[i].cmd, argv[0])) {
				out("%s", helps[i].help);
				return 0;
			}
		out("*** No help on %s", argv[0]);
		return 0;
	}
	putchar('\n');
	out("default commands (type help <topic>):");
	out("=====================================");
	out("add    exit      open  reload  restart   start   tail   ");
	out("avail  fg        pid   remove  shutdown  status  update ");
	out("clear  maintail  quit  reread  signal    stop    version");
	putchar('\n');
	return 0;
}

/* ---------------------------------------------------------------- dispatch */

static int cmd_open(struct ctl *x, int argc, char **argv)
{
	if (argc != 1 || (strncmp(argv[0], "unix:", 5) && strncmp(argv[0], "http://", 7))) {
		out("ERROR: url must be http:// or unix://");
		return 0;
	}
	struct ctl_client c;
	if (ctl_client_init(&c, argv[0], x->user, x->pass) < 0) {
		out("ERROR: bad url %s", argv[0]);
		return 0;
	}
	ctl_client_free(&x->c);
	x->c = c;
	free(x->url);
	x->url = strdup(argv[0]);
	return cmd_status(x, 0, NULL);
}

/* ---------------------------------------------------------------- fg */

static volatile sig_atomic_t fg_interrupted;

static void fg_on_sigint(int sig)
{
	(void)sig;
	fg_interrupted = 1;
}

/* Only a 200's body is the log: an error body is not shown. */
static int fg_write(void *arg, const char *buf, size_t len)
{
	const struct ctl_resp *resp = arg;
	return resp->status == 200 ? write_out(NULL, buf, len) : 0;
}

/* supervisorctl's fgthread: one log of the process followed to our stdout,
 * on a connection of its own, in a child (the client blocks) that the
 * caller kills when fg ends, or that dies with us. */
static pid_t fg_follow(struct ctl *x, const char *e, const char *channel)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
	signal(SIGINT, SIG_DFL);
	struct ctl_client c;
	char path[1400];
	snprintf(path, sizeof(path), "/v1/processes/%s/log/%s?follow=true", e, channel);
	if (ctl_client_init(&c, x->url, x->user, x->pass) == 0) {
		struct ctl_resp resp;
		if (ctl_request(&c, "GET", path, NULL, 0, &resp, fg_write, &resp) == 0)
			ctl_resp_free(&resp);
		ctl_client_free(&c);
	}
	_exit(0);
}

enum fg_end { FG_ON, FG_DONE, FG_KILLED };

/* Sends one line; supervisorctl then checks the process still runs. */
static enum fg_end fg_send(struct ctl *x, const char *e, const char *line, size_t len)
{
	json_t *j = json_pack("{s:s%}", "chars", line, len);
	char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!body) {
		out("ERROR: input is not UTF-8 text");
		return FG_ON;
	}
	char path[1300];
	snprintf(path, sizeof(path), "/v1/processes/%s/stdin", e);
	struct ctl_resp resp;
	int r = ctl_request(&x->c, "POST", path, body, strlen(body), &resp, NULL, NULL);
	free(body);
	if (r < 0) {
		out("ERROR: %s: %s", x->url, strerror(-r));
		x->exitstatus = EX_GENERIC;
		return FG_DONE;
	}
	json_t *a = resp.body ? json_loadb(resp.body, resp.len, 0, NULL) : NULL;
	json_t *err = json_object_get(a, "error");
	enum fg_end end = FG_ON;
	if (resp.status != 200 || err) {
		const char *code = jstr(err, "code");
		if (!strcmp(code, "NOT_RUNNING")) {
			end = FG_KILLED;
		} else {
			out("ERROR: %s: %s", *code ? code : "FAILED", jstr(err, "message"));
			end = FG_DONE;
		}
	} else if (jint(a, "state") != 20) {
		end = FG_KILLED;
	}
	json_decref(a);
	ctl_resp_free(&resp);
	return end;
}

/* Whether the process is still RUNNING (asked once a second while fg
 * waits for input, so that its death ends fg). */
static bool fg_running(struct ctl *x, const char *e)
{
	char path[1300];
	snprintf(path, sizeof(path), "/v1/processes/%s", e);
	struct ctl_resp resp;
	if (ctl_request(&x->c, "GET", path, NULL, 0, &resp, NULL, NULL) < 0)
		return false;
	json_t *a =
	    resp.status == 200 && resp.body ? json_loadb(resp.body, resp.len, 0, NULL) : NULL;
	bool running = jint(a, "state") == 20;
	json_decref(a);
	ctl_resp_free(&resp);
	return running;
}

/* Reads stdin and sends it line by line until EOF, Ctrl-C, or the end of
 * the process. */
static enum fg_end fg_input(struct ctl *x, const char *e)
{
	static char buf[65536];
	size_t n = 0;
	for (;;) {
		struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
		int pr = fg_interrupted ? -1 : poll(&pfd, 1, 1000);
		if (fg_interrupted)
			return FG_DONE;
		if (pr < 0 && errno != EINTR)
			return FG_DONE;
		if (pr == 0) {
			if (!fg_running(x, e))
				return fg_interrupted ? FG_DONE : FG_KILLED;
			continue;
		}
		if (pr < 0)
			continue;
		ssize_t r = read(STDIN_FILENO, buf + n, sizeof(buf) - 1 - n);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0) {
			/* As raw_input: a last line without its newline still
			 * goes, with one. */
			if (n) {
				buf[n++] = '\n';
				return fg_send(x, e, buf, n) == FG_KILLED ? FG_KILLED : FG_DONE;
			}
			return FG_DONE;
		}
		n += (size_t)r;
		char *nl;
		size_t done = 0;
		while ((nl = memchr(buf + done, '\n', n - done))) {
			size_t len = (size_t)(nl - (buf + done)) + 1;
			enum fg_end end = fg_send(x, e, buf + done, len);
			if (end != FG_ON)
				return end;
			done += len;
		}
		if (done == 0 && n == sizeof(buf) - 1) {
			/* A line longer than the buffer goes in pieces. */
			enum fg_end end = fg_send(x, e, buf, n);
			if (end != FG_ON)
				return end;
			done = n;
		}
		memmove(buf, buf + done, n - done);
		n -= done;
	}
}

static int cmd_fg(struct ctl *x, int argc, char **argv)
{
	if (argc == 0) {
		out("ERROR: no process name supplied");
		help_line("fg");
		x->exitstatus = EX_INVALID_ARGS;
		return 0;
	}
	if (argc > 1) {
		out("ERROR: too many process names supplied");
		x->exitstatus = EX_INVALID_ARGS;
		return 0;
	}
	char e[1200], path[1300];
	enc(argv[0], e, sizeof(e));
	snprintf(path, sizeof(path), "/v1/processes/%s", e);
	struct reply rep;
	if (call(x, "GET", path, &rep) < 0)
		return 0;
	if (rep.code) {
		if (!strcmp(rep.code, "BAD_NAME")) {
			out("ERROR: bad process name supplied");
			x->exitstatus = EX_GENERIC;
		} else {
			out("ERROR: %s: %s", rep.code, rep.msg ? rep.msg : "");
		}
		reply_free(&rep);
		return 0;
	}
	bool running = jint(rep.j, "state") == 20;
	reply_free(&rep);
	if (!running) {
		out("ERROR: process not running");
		x->exitstatus = EX_GENERIC;
		return 0;
	}
	/* Ctrl-C is caught from before the banner that invites it. */
	struct sigaction sa = {.sa_handler = fg_on_sigint}, old;
	sigemptyset(&sa.sa_mask);
	fg_interrupted = 0;
	sigaction(SIGINT, &sa, &old);
	out("==> Press Ctrl-C to exit <==");
	fflush(stdout);
	pid_t kids[2] = {fg_follow(x, e, "stdout"), fg_follow(x, e, "stderr")};
	enum fg_end end = fg_input(x, e);
	sigaction(SIGINT, &old, NULL);
	for (int i = 0; i < 2; i++) {
		if (kids[i] > 0) {
			kill(kids[i], SIGTERM);
			waitpid(kids[i], NULL, 0);
		}
	}
	if (end == FG_KILLED)
		out("Process got killed");
	out("Exiting foreground");
	return 0;
}

static int cmd_reload(struct ctl *x, int argc, char **argv)
{
	return cmd_daemon(x, "reload");
}

static int cmd_shutdown(struct ctl *x, int argc, char **argv)
{
	return cmd_daemon(x, "shutdown");
}

static const struct {
	const char *name;
	int (*fn)(struct ctl *x, int argc, char **argv);
} cmds[] = {
    {"add", cmd_add},		{"avail", cmd_avail},
    {"clear", cmd_clear},	{"fg", cmd_fg},
    {"help", cmd_help},		{"maintail", cmd_maintail},
    {"open", cmd_open},		{"pid", cmd_pid},
    {"reload", cmd_reload},	{"remove", cmd_remove},
    {"reread", cmd_reread},	{"restart", cmd_restart},
    {"shutdown", cmd_shutdown}, {"signal", cmd_signal},
    {"start", cmd_start},	{"status", cmd_status},
    {"stop", cmd_stop},		{"tail", cmd_tail},
    {"update", cmd_update},	{"version", cmd_version},
};

static const char *const *command_names(void)
{
	static const char *names[sizeof(cmds) / sizeof(cmds[0]) + 3];
	if (!names[0]) {
		size_t i = 0;
		for (; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			names[i] = cmds[i].name;
		names[i++] = "exit";
		names[i++] = "quit";
	}
	return names;
}

/* Runs one command line.  Returns 1 when the shell should end. */
static int supctl_run(struct ctl *x, int argc, char **argv)
{
	if (argc == 0)
		return 0;
	if (!strcmp(argv[0], "exit") || !strcmp(argv[0], "quit"))
		return 1;
	/* --json anywhere after the command */
	int n = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			x->json = true;
		else
			argv[n++] = argv[i];
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmds[i].name, argv[0])) {
			x->no_upcheck = cmds[i].fn == cmd_avail || cmds[i].fn == cmd_reread ||
					cmds[i].fn == cmd_update || cmds[i].fn == cmd_add ||
					cmds[i].fn == cmd_remove;
			cmds[i].fn(x, n - 1, argv + 1);
			fflush(stdout);
			return 0;
		}
	out("*** Unknown syntax: %s", argv[0]);
	x->exitstatus = EX_GENERIC;
	return 0;
}

/* ---------------------------------------------------------------- config */

struct here_ctx {
	const char *here;
};

static int expand_lookup(void *ctx, const char *name, const char **str, long *num)
{
	struct here_ctx *h = ctx;
	if (!strcmp(name, "here")) {
		*str = h->here;
		return 1;
	}
	if (!strncmp(name, "ENV_", 4)) {
		const char *v = getenv(name + 4);
		if (v) {
			*str = v;
			return 1;
		}
	}
	return 0;
}

static char *expand(const char *v, const char *here)
{
	struct here_ctx h = {here ? here : "."};
	char *out_s = NULL, *bad = NULL;
	if (cv_expand(v, expand_lookup, &h, &out_s, &bad) < 0) {
		free(bad);
		return strdup(v);
	}
	return out_s;
}

static const char *raw_scalar(const struct raw_section *s, const char *key)
{
	struct raw_kv *kv = s ? raw_get(s, key) : NULL;
	return kv && kv->kind == RAW_SCALAR ? kv->value : NULL;
}

/* Only [supervisorctl]/[supctl] (and [unix_http_server] file, for a useful
 * default URL) are read, without validating the rest: like
 * supervisorctl, a client must work with a config the daemon would
 * reject for reasons that are none of its business. */
static int load_client_conf(struct ctl *x, const char *path, bool explicit_path)
{
	char *text = NULL;
	size_t len = 0;
	int r = buf_read_file(path, &text, &len);
	if (r < 0) {
		if (explicit_path) {
			fprintf(stderr, "Error: could not read config file %s: %s\n", path,
				strerror(-r));
			return -1;
		}
		return 0;
	}
	struct raw_conf raw;
	struct diags d;
	static const char *const wanted[] = {"supctl", "supervisorctl", "unix_http_server", NULL};
	raw_init(&raw);
	raw.only = wanted;
	diags_init(&d);
	size_t pl = strlen(path);
	if ((pl > 5 && !strcmp(path + pl - 5, ".yaml")) ||
	    (pl > 4 && !strcmp(path + pl - 4, ".yml")))
		r = conf_yaml_parse(&raw, path, text, len, &d);
	else if (pl > 4 && !strcmp(path + pl - 4, ".cfg"))
		r = conf_cfg_parse(&raw, path, text, len, &d);
	else
		r = conf_ini_parse(&raw, path, text, len, &d);
	free(text);
	if (r < 0) {
		diags_print(&d, stderr);
		diags_free(&d);
		raw_free(&raw);
		return -1;
	}
	/* %(here)s: the config file's directory, absolute. */
	char *here = realpath(path, NULL);
	if (here) {
		char *slash = strrchr(here, '/');
		if (slash)
			*(slash == here ? slash + 1 : slash) = '\0';
	}
	struct raw_section *s = raw_find_section(&raw, "supctl");
	if (!s)
		s = raw_find_section(&raw, "supervisorctl");
	const char *v;
	if (!x->url && (v = raw_scalar(s, "serverurl")))
		x->url = expand(v, here);
	if (!x->url && (v = raw_scalar(raw_find_section(&raw, "unix_http_server"), "file"))) {
		char *f = expand(v, here);
		if (f) {
			size_t n = strlen(f) + 8;
			x->url = malloc(n);
			if (x->url)
				snprintf(x->url, n, "unix://%s", f);
			free(f);
		}
	}
	if (!x->user && (v = raw_scalar(s, "username")))
		x->user = strdup(v);
	if (!x->pass && (v = raw_scalar(s, "password")))
		x->pass = strdup(v);
	if (!x->prompt && (v = raw_scalar(s, "prompt")))
		x->prompt = strdup(v);
	if (!x->history && (v = raw_scalar(s, "history_file")))
		x->history = expand(v, here);
	free(here);
	diags_free(&d);
	raw_free(&raw);
	return 0;
}

/* ---------------------------------------------------------------- main */

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "supctl -- control applications run by supd from the cmd line.\n"
	    "\n"
	    "Usage: supctl [options] [action [arguments]]\n"
	    "\n"
	    "Options:\n"
	    "-c/--configuration FILENAME -- configuration file path (searches if not given)\n"
	    "-h/--help -- print usage message and exit\n"
	    "-i/--interactive -- start an interactive shell after executing commands\n"
	    "-s/--serverurl URL -- URL on which supd server is listening\n"
	    "     (default \"http://localhost:9001\").\n"
	    "-u/--username USERNAME -- username to use for authentication with server\n"
	    "-p/--password PASSWORD -- password to use for authentication with server\n"
	    "-r/--history-file -- keep a readline history (if readline is available)\n"
	    "--json -- machine-readable output for status and avail\n"
	    "-v/--version -- print supctl's version and exit\n"
	    "\n"
	    "action [arguments] -- see below\n"
	    "\n"
	    "Actions are commands like \"tail\" or \"stop\".  If -i is specified or no action is\n"
	    "specified on the command line, a \"shell\" interpreting actions typed\n"
	    "interactively is started.  Use the action \"help\" to find out about available\n"
	    "actions.\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"configuration", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {"interactive", no_argument, NULL, 'i'},
	    {"serverurl", required_argument, NULL, 's'},
	    {"username", required_argument, NULL, 'u'},
	    {"password", required_argument, NULL, 'p'},
	    {"history-file", required_argument, NULL, 'r'},
	    {"json", no_argument, NULL, 'J'},
	    {"version", no_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};
	struct ctl x = {0};
	const char *cpath = NULL;
	bool interactive = false;
	int c;
	while ((c = getopt_long(argc, argv, "+c:his:u:p:r:v", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			cpath = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'i':
			interactive = true;
			break;
		case 's':
			x.url = strdup(optarg);
			break;
		case 'u':
			x.user = strdup(optarg);
			break;
		case 'p':
			x.pass = strdup(optarg);
			break;
		case 'r':
			x.history = strdup(optarg);
			break;
		case 'J':
			x.json = true;
			break;
		case 'v':
			printf("%s\n", PACKAGE_VERSION);
			return 0;
		default:
			fprintf(stderr, "For help, use %s -h\n", argv[0]);
			return EX_INVALID_ARGS;
		}
	}
	char *found = NULL;
	if (!cpath)
		cpath = found = conf_search_default();
	if (cpath && load_client_conf(&x, cpath, found == NULL) < 0) {
		free(found);
		return EX_INVALID_ARGS;
	}
	free(found);
	if (!x.url)
		x.url = strdup("http://localhost:9001");
	if (ctl_client_init(&x.c, x.url, x.user, x.pass) < 0) {
		fprintf(stderr, "Error: bad server URL %s\n", x.url);
		return EX_INVALID_ARGS;
	}
	signal(SIGPIPE, SIG_IGN);
	int rest = argc - optind;
	if (rest > 0) {
		supctl_run(&x, rest, argv + optind);
	}
	if (rest == 0 || interactive) {
		x.interactive = true;
		if (rest == 0)
			cmd_status(&x, 0, NULL);
		shell(&x);
		x.exitstatus = 0; /* interactive mode always exits 0 */
	}
	int status = x.exitstatus;
	ctl_client_free(&x.c);
	free(x.url);
	free(x.user);
	free(x.pass);
	free(x.prompt);
	free(x.history);
	return status;
}
