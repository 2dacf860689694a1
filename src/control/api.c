/* The /v1 JSON API over the process table (doc/api.md), and the router
 * that sends POST /RPC2 to supervisord's XML-RPC (xmlrpc.c) and the web
 * UI's pages to webui.c: one table of (how, path pattern, methods,
 * handler) rows, `routes`, read by one matcher, `route`.  The operations
 * themselves are in ops.c; this file encodes their results as JSON.
 * Start/stop/restart with waiting hold their request (http_defer,
 * http_hold) until the act's callback answers it. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "api_int.h"
#include "api_stream.h"
#include "buf.h"
#include "conf_value.h"
#include "log.h"
#include "log_range.h"
#include "logfile.h"
#include "metrics.h"
#include "ops.h"
#include "output.h"
#include "utf8.h"
#include "webui.h"
#include "xmlrpc.h"

/* A deferred start/stop/restart: the act and the request it answers. */
struct held_act {
	struct api *a;
	struct http_req *req;
	struct ops_act *act;
	LIST_LINK(struct held_act) link;
};

/* ---------------------------------------------------------------- faults */

static const struct {
	const char *code;
	unsigned status;
} fault_status[] = {
    {"BAD_NAME", 404},		 {"UNKNOWN_METHOD", 404},
    {"BAD_ARGUMENTS", 400},	 {"INCORRECT_PARAMETERS", 400},
    {"BAD_SIGNAL", 400},	 {"UNAUTHORIZED", 401},
    {"METHOD_NOT_ALLOWED", 405}, {"ALREADY_STARTED", 409},
    {"NOT_RUNNING", 409},	 {"ALREADY_ADDED", 409},
    {"STILL_RUNNING", 409},	 {"NOT_IMPLEMENTED", 501},
    {"SHUTDOWN_STATE", 503},	 {"FORBIDDEN", 403},
    {"PERMISSION_DENIED", 403},	 {"UNSUPPORTED_MEDIA_TYPE", 415},
};

unsigned api_fault_status(const char *fault)
{
	for (size_t i = 0; i < sizeof(fault_status) / sizeof(fault_status[0]); i++)
		if (!strcmp(fault_status[i].code, fault))
			return fault_status[i].status;
	return 500;
}

/* ---------------------------------------------------------------- replies */

static void reply_json(struct http_req *r, unsigned status, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!s) {
		static const char oom[] =
		    "{\"error\": {\"code\": \"FAILED\", \"message\": \"out of memory\"}}\n";
		http_reply(r, 500, NULL, oom, sizeof(oom) - 1);
		return;
	}
	size_t n = strlen(s);
	char *t = realloc(s, n + 2);
	if (t) {
		s = t;
		s[n++] = '\n';
		s[n] = '\0';
	}
	http_reply(r, status, NULL, s, n);
	free(s);
}

static void reply_error_v(struct http_req *r, unsigned status, const char *code, const char *fmt,
			  va_list ap)
{
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Names come from the request: jansson wants UTF-8. */
	for (unsigned char *c = (unsigned char *)msg; *c;) {
		size_t n = utf8_len(c, SIZE_MAX);
		if (!n)
			*c = '?', n = 1;
		c += n;
	}
	json_t *j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
	reply_json(r, status ? status : api_fault_status(code), j);
}

void api_reply_error(struct http_req *r, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	reply_error_v(r, 0, code, fmt, ap);
	va_end(ap);
}

/* An error whose status is not the code's usual one (the code stays
 * supervisord's fault name). */
__attribute__((format(printf, 4, 5))) static void
reply_error_status(struct http_req *r, unsigned status, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	reply_error_v(r, status, code, fmt, ap);
	va_end(ap);
}

static void reply_text(struct http_req *r, const char *buf, size_t len)
{
	http_reply(r, 200, "text/plain; charset=utf-8", buf, len);
}

static void reply_buf(struct http_req *r, struct buf *b)
{
	buf_put(b, "\n", 1);
	if (b->oom)
		api_reply_error(r, "FAILED", "out of memory");
	else
		http_reply(r, 200, NULL, b->p, b->len);
	free(b->p);
}

static void reply_proc(struct http_req *r, const struct proc *p)
{
	struct buf b = {0};
	api_json_proc(&b, p, time(NULL), API_ALL_FIELDS);
	reply_buf(r, &b);
}

/* ---------------------------------------------------------------- names */

static void reply_bad_name(struct http_req *r, const struct ops_spec *sp)
{
	if (sp->kind == OPS_GROUP)
		api_reply_error(r, "BAD_NAME", "no such group: %s", sp->group);
	else
		api_reply_error(r, "BAD_NAME", "no such process: %s%s%s",
				strcmp(sp->group, sp->name) ? sp->group : "",
				strcmp(sp->group, sp->name) ? ":" : "", sp->name);
}

/* ---------------------------------------------------------------- acts */

static bool arg_false(const char *v)
{
	return v && (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no"));
}

static void act_answer(struct ops_act *act, struct http_req *r)
{
	if (!act->multi) {
		struct ops_item *it = &act->items[0];
		if (it->fault)
			api_reply_error(r, it->fault, "%s", it->msg ? it->msg : it->name);
		else
			reply_proc(r, it->p);
		return;
	}
	json_t *res = json_array();
	for (size_t i = 0; i < act->n; i++) {
		struct ops_item *it = &act->items[i];
		json_array_append_new(
		    res, json_pack("{s:s,s:s,s:s,s:s}", "name", it->name, "group", it->group,
				   "status", it->fault ? it->fault : "SUCCESS", "description",
				   it->fault ? (it->msg ? it->msg : it->fault) : "OK"));
	}
	reply_json(r, 200, json_pack("{s:o}", "results", res));
}

static void on_act_done(struct ops_act *act, void *arg)
{
	struct held_act *h = arg;
	list_unlink(h, link);
	http_req_set_data(h->req, NULL);
	act_answer(act, h->req);
	ops_act_free(act);
	free(h);
}

/* http_hold's gone: the client of a held act left. */
static void act_gone(void *arg)
{
	struct held_act *h = arg;
	list_unlink(h, link);
	ops_act_free(h->act);
	free(h);
}

static void handle_action(struct api *a, struct http_req *r, const struct ops_spec *sp,
			  enum ops_kind kind)
{
	struct proc **v;
	ssize_t n = ops_resolve(a->core, sp, &v);
	if (n <= 0) {
		if (n < 0)
			api_reply_error(r, "FAILED", "out of memory");
		else
			reply_bad_name(r, sp);
		return;
	}
	struct held_act *h = calloc(1, sizeof(*h));
	struct ops_act *act = NULL;
	int e = h ? ops_act_begin(a->core, v, (size_t)n, kind, sp->kind != OPS_ONE,
				  !arg_false(http_req_arg(r, "wait")), on_act_done, h, &act)
		  : -ENOMEM;
	free(v);
	if (e <= 0) {
		if (e < 0)
			api_reply_error(r, "FAILED", "out of memory");
		else
			act_answer(act, r);
		ops_act_free(act);
		free(h);
		return;
	}
	h->a = a;
	h->req = r;
	h->act = act;
	http_hold(r, act_gone, NULL, h);
	list_push(&a->acts, h, link);
	http_defer(r);
}

/* ---------------------------------------------------------------- handlers */

static void handle_signal(struct api *a, struct http_req *r, const struct ops_spec *sp)
{
	const char *s = http_req_arg(r, "signal");
	int sig;
	if (!s || !*s) {
		api_reply_error(r, "INCORRECT_PARAMETERS", "signal= is required");
		return;
	}
	if (cv_signal(s, &sig) < 0) {
		api_reply_error(r, "BAD_SIGNAL", "%s", s);
		return;
	}
	struct proc **v;
	ssize_t n = ops_resolve(a->core, sp, &v);
	if (n <= 0) {
		if (n < 0)
			api_reply_error(r, "FAILED", "out of memory");
		else
			reply_bad_name(r, sp);
		return;
	}
	char ns[512];
	if (sp->kind == OPS_ONE) {
		int e = proc_signal(v[0], sig);
		if (e < 0)
			api_reply_error(r, ops_fault_name(e), "%s", namespec(v[0], ns, sizeof(ns)));
		else
			reply_proc(r, v[0]);
		free(v);
		return;
	}
	json_t *res = json_array();
	for (ssize_t i = 0; i < n; i++) {
		struct proc *p = v[i];
		/* Only what can be signalled, as signalProcessGroup. */
		if (p->state != PROC_RUNNING && p->state != PROC_STARTING &&
		    p->state != PROC_STOPPING)
			continue;
		int e = proc_signal(p, sig);
		json_array_append_new(
		    res, json_pack("{s:s,s:s,s:s,s:s}", "name", p->conf->name, "group",
				   p->conf->group, "status", e < 0 ? ops_fault_name(e) : "SUCCESS",
				   "description", e < 0 ? ops_fault_name(e) : "OK"));
	}
	free(v);
	reply_json(r, 200, json_pack("{s:o}", "results", res));
}

/* sendProcessStdin.  The body is the bytes to send, as they are; a JSON
 * body (Content-Type application/json) is {"chars": "..."}, as the
 * XML-RPC call takes a string. */
static void handle_stdin(struct api *a, struct http_req *r, const struct ops_spec *sp)
{
	size_t len;
	const char *buf = http_req_body(r, &len);
	json_t *j = NULL;
	const char *ct = http_req_header(r, "Content-Type");
	if (ct && !strncasecmp(ct, "application/json", 16)) {
		j = json_loadb(buf, len, 0, NULL);
		json_t *chars = json_object_get(j, "chars");
		if (!json_is_string(chars)) {
			json_decref(j);
			api_reply_error(r, "INCORRECT_PARAMETERS", "chars must be a string");
			return;
		}
		buf = json_string_value(chars);
		len = json_string_length(chars);
	}
	struct proc **v = NULL;
	ssize_t n = sp->kind == OPS_ONE ? ops_resolve(a->core, sp, &v) : 0;
	char ns[512];
	if (sp->kind != OPS_ONE) {
		api_reply_error(r, "BAD_NAME", "stdin goes to one process, not a group");
	} else if (n <= 0) {
		if (n < 0)
			api_reply_error(r, "FAILED", "out of memory");
		else
			reply_bad_name(r, sp);
	} else {
		int e = proc_send_stdin(v[0], buf, len);
		namespec(v[0], ns, sizeof(ns));
		if (e == -ESRCH)
			api_reply_error(r, "NOT_RUNNING", "%s", ns);
		else if (e == -EPIPE)
			reply_error_status(r, 410, "NO_FILE", "%s: the process closed its stdin",
					   ns);
		else if (e == -EAGAIN)
			api_reply_error(r, "FAILED",
					"%s: stdin is full (the process is not reading)", ns);
		else if (e < 0)
			api_reply_error(r, "FAILED", "%s: %s", ns, strerror(-e));
		else
			reply_proc(r, v[0]);
	}
	free(v);
	json_decref(j);
}

/* offset/length or tail=N (default: the last 1600 bytes, supctl tail). */
static int log_range(struct http_req *r, struct log_range *lr)
{
	return log_range_parse(http_req_arg(r, "offset"), http_req_arg(r, "length"),
			       http_req_arg(r, "tail"), lr);
}

static void reply_read(struct http_req *r, int e, char *buf, size_t len, const char *what)
{
	if (e == -ENOENT)
		api_reply_error(r, "NO_FILE", "%s", what);
	else if (e == -EINVAL)
		api_reply_error(r, "BAD_ARGUMENTS", "bad offset or length");
	else if (e < 0)
		api_reply_error(r, "FAILED", "%s: %s", what, strerror(-e));
	else
		reply_text(r, buf ? buf : "", buf ? len : 0);
	free(buf);
}

/* A log read from a regular file is streamed: memory stays bounded
 * whatever the range and however slowly the client reads.  False when
 * path is not one (no file, /dev/stdout): the caller reads its in-memory
 * tail instead. */
static bool stream_log(struct http_req *r, const char *path, const struct log_range *lr,
		       const char *what)
{
	int fd;
	int64_t start, end;
	int e =
	    path ? logfile_open_range(path, lr->offset, lr->length, &fd, &start, &end) : -ENOTSUP;
	if (e == -ENOTSUP)
		return false;
	if (e < 0) {
		reply_read(r, e, NULL, 0, what);
		return true;
	}
	struct xr_part *p = malloc(sizeof(*p));
	if (!p) {
		close(fd);
		api_reply_error(r, "FAILED", "out of memory");
		return true;
	}
	*p = (struct xr_part){.fd = fd, .start = start, .end = end};
	api_stream_reply(r, "text/plain; charset=utf-8", p, 1, false);
	return true;
}

static void handle_proc_log(struct api *a, struct http_req *r, const struct ops_spec *sp,
			    const char *chan)
{
	enum output_channel ch = OUTPUT_STDOUT;
	if (chan && !strcmp(chan, "stderr"))
		ch = OUTPUT_STDERR;
	else if (chan && strcmp(chan, "stdout")) {
		api_reply_error(r, "BAD_ARGUMENTS", "channel must be stdout or stderr");
		return;
	}
	struct proc **v;
	ssize_t n = ops_resolve(a->core, sp, &v);
	if (n <= 0) {
		if (n < 0)
			api_reply_error(r, "FAILED", "out of memory");
		else
			reply_bad_name(r, sp);
		return;
	}
	bool del = !strcmp(http_req_method(r), "DELETE");
	if (!del && sp->kind != OPS_ONE) {
		free(v);
		api_reply_error(r, "BAD_NAME", "a log is read from one process");
		return;
	}
	char ns[512];
	if (del) {
		json_t *res = json_array();
		int first = 0;
		for (ssize_t i = 0; i < n; i++) {
			int e = v[i]->out ? output_clear(v[i]->out) : -ENOENT;
			if (e < 0 && !first)
				first = e;
			json_array_append_new(
			    res,
			    json_pack("{s:s,s:s,s:s,s:s}", "name", v[i]->conf->name, "group",
				      v[i]->conf->group, "status", e < 0 ? "FAILED" : "SUCCESS",
				      "description", e < 0 ? strerror(-e) : "OK"));
		}
		if (sp->kind == OPS_ONE) {
			json_decref(res);
			if (first < 0)
				api_reply_error(r, "FAILED", "%s", namespec(v[0], ns, sizeof(ns)));
			else
				reply_proc(r, v[0]);
		} else {
			reply_json(r, 200, json_pack("{s:o}", "results", res));
		}
		free(v);
		return;
	}
	const char *fol = http_req_arg(r, "follow");
	if (fol && !arg_false(fol)) {
		api_follow(a, r, v[0]->out ? output_path(v[0]->out, ch) : NULL);
		free(v);
		return;
	}
	struct log_range lr;
	if (log_range(r, &lr) < 0) {
		free(v);
		api_reply_error(r, "BAD_ARGUMENTS", "bad offset, length or tail");
		return;
	}
	namespec(v[0], ns, sizeof(ns));
	if (!lr.none && v[0]->out && stream_log(r, output_path(v[0]->out, ch), &lr, ns)) {
		free(v);
		return;
	}
	char *buf = NULL;
	size_t blen = 0;
	int e = -ENOENT;
	if (lr.none)
		e = 0;
	else if (v[0]->out)
		e = output_read(v[0]->out, ch, lr.offset, lr.length, &buf, &blen);
	reply_read(r, e, buf, blen, ns);
	free(v);
}

static void handle_main_log(struct api *a, struct http_req *r)
{
	if (!strcmp(http_req_method(r), "DELETE")) {
		int e = log_clear();
		if (e < 0)
			api_reply_error(r, e == -ENOENT ? "NO_FILE" : "FAILED", "%s", strerror(-e));
		else
			reply_json(r, 200, json_pack("{s:b}", "cleared", 1));
		return;
	}
	const char *fol = http_req_arg(r, "follow");
	if (fol && !arg_false(fol)) {
		api_follow(a, r, log_path());
		return;
	}
	struct log_range lr;
	if (log_range(r, &lr) < 0) {
		api_reply_error(r, "BAD_ARGUMENTS", "bad offset, length or tail");
		return;
	}
	const char *path = log_path();
	if (!path)
		reply_read(r, -ENOENT, NULL, 0, "supd log");
	else if (lr.none || !stream_log(r, path, &lr, "supd log"))
		reply_text(r, "", 0); /* not a file (/dev/stdout): nothing to read */
}

static void handle_version(struct api *a, struct http_req *r)
{
	const struct conf *c = a->d->conf(a->d->arg);
	int st = a->d->state ? a->d->state(a->d->arg) : 1;
	const char *name = st == 1   ? "RUNNING"
			   : st == 0 ? "RESTARTING"
			   : st == 2 ? "FATAL"
				     : "SHUTDOWN";
	json_t *j = json_pack("{s:s,s:i,s:s,s:s,s:i,s:s,s:i}", "version", PACKAGE_VERSION, "api", 1,
			      "supervisor_api", "3.0", "identification",
			      c && c->supd.identifier ? c->supd.identifier : "supervisor", "pid",
			      (int)getpid(), "state", name, "statecode", st);
	/* upgrade in place: supctl upgrade waits for the generation */
	if (j && a->d->upgrades) {
		const char *err = NULL;
		json_object_set_new(j, "upgrades", json_integer(a->d->upgrades(a->d->arg, &err)));
		if (err)
			json_object_set_new(j, "upgrade_error", json_string(err));
	}
	reply_json(r, 200, j);
}

/* POST /v1/upgrade[?path=/usr/sbin/supd]: answered before the exec, with
 * the generation the new image will report in /v1/version. */
static void handle_upgrade(struct api *a, struct http_req *r)
{
	const struct ops_daemon *o = a->d;
	if (!o->upgrade) {
		api_reply_error(r, "NOT_IMPLEMENTED", "upgrade is not available");
		return;
	}
	const char *path = http_req_arg(r, "path");
	char err[1024] = "";
	unsigned gen = 0;
	int e = o->upgrade(o->arg, path && *path ? path : NULL, &gen, err, sizeof(err));
	if (e < 0) {
		api_reply_error(r, e == -ESHUTDOWN ? "SHUTDOWN_STATE" : "FAILED", "upgrade: %s",
				*err ? err : strerror(-e));
		return;
	}
	reply_json(r, 202,
		   json_pack("{s:s,s:s,s:i,s:i}", "status", "UPGRADING", "version", PACKAGE_VERSION,
			     "pid", (int)getpid(), "generation", (int)gen));
}

/* A process object's fields= and resources= (the list's and one's). */
static int fields_asked(struct http_req *r, unsigned *mask)
{
	if (api_parse_fields(http_req_arg(r, "fields"), mask) < 0)
		return -EINVAL;
	const char *res = http_req_arg(r, "resources");
	if (res && (!strcmp(res, "true") || !strcmp(res, "1")))
		*mask |= API_F_RESOURCES;
	return 0;
}

static void handle_list(struct api *a, struct http_req *r)
{
	size_t n;
	struct proc **v = ops_all(a->core, true, &n);
	unsigned mask;
	if (fields_asked(r, &mask) < 0) {
		free(v);
		api_reply_error(r, "BAD_ARGUMENTS", "unknown field in fields=");
		return;
	}
	const char *format = http_req_arg(r, "format");
	bool tsv = format && !strcmp(format, "tsv");
	if (format && !tsv && strcmp(format, "json")) {
		free(v);
		api_reply_error(r, "BAD_ARGUMENTS", "unknown format= (json or tsv)");
		return;
	}
	struct buf b = {0};
	time_t now = time(NULL);
	if (tsv) {
		/* One line a process, no JSON to build or parse: supctl's status
		 * of 10,000 (#18). */
		for (size_t i = 0; i < n; i++)
			api_tsv_proc(&b, v[i], now, mask);
		free(v);
		if (b.oom)
			api_reply_error(r, "FAILED", "out of memory");
		else
			http_reply(r, 200, "text/tab-separated-values; charset=utf-8", b.p, b.len);
		free(b.p);
		return;
	}
	buf_put(&b, "{\"processes\":[", 14);
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_put(&b, ",", 1);
		api_json_proc(&b, v[i], now, mask);
	}
	buf_put(&b, "]}", 2);
	free(v);
	reply_buf(r, &b);
}

static void handle_config(struct api *a, struct http_req *r)
{
	const struct conf *c = a->d->conf(a->d->arg);
	struct procs *t = a->d->procs(a->d->arg);
	json_t *arr = json_array();
	for (size_t i = 0; c && i < c->nprocs; i++) {
		const struct conf_process *p = &c->procs[i];
		const struct conf_group *g = conf_find_group(c, p->group);
		json_array_append_new(
		    arr,
		    json_pack("{s:s,s:s,s:b,s:b,s:i,s:i,s:i,s:i}", "name", p->name, "group",
			      p->group, "inuse", procs_find(t, p->group, p->name) != NULL,
			      "autostart", p->s->autostart, "group_prio",
			      g ? g->priority : p->s->priority, "process_prio", p->s->priority,
			      "startsecs", p->s->startsecs, "stopwaitsecs", p->s->stopwaitsecs));
	}
	reply_json(r, 200, json_pack("{s:o}", "programs", arr));
}

static json_t *str_array(char **v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static void handle_daemon_op(struct api *a, struct http_req *r, const char *what)
{
	const struct ops_daemon *o = a->d;
	int e;
	if (!strcmp(what, "shutdown") || !strcmp(what, "reload")) {
		bool sd = !strcmp(what, "shutdown");
		if (sd ? !o->shutdown : !o->reload) {
			api_reply_error(r, "NOT_IMPLEMENTED", "%s is not available", what);
			return;
		}
		char why[4096] = "";
		e = sd ? o->shutdown(o->arg) : o->reload(o->arg, why, sizeof(why));
		const char *msg = *why ? why : strerror(-e);
		if (e == -ESHUTDOWN)
			msg = "already shutting down";
		if (e < 0)
			api_reply_error(r, e == -ESHUTDOWN ? "SHUTDOWN_STATE" : "FAILED", "%s: %s",
					what, msg);
		else
			reply_json(r, 200,
				   json_pack("{s:s}", "status", sd ? "SHUTDOWN" : "RESTARTING"));
		return;
	}
	if (!strcmp(what, "reopen")) {
		e = o->reopen ? o->reopen(o->arg) : -ENOSYS;
		if (e < 0)
			api_reply_error(r, "FAILED", "reopening the logs: %s (see supd's log)",
					strerror(-e));
		else
			reply_json(r, 200, json_pack("{s:s}", "status", "REOPENED"));
		return;
	}
	/* reread */
	if (!o->reread) {
		api_reply_error(r, "NOT_IMPLEMENTED", "reread is not available");
		return;
	}
	struct ops_diff d = {0};
	char err[2048] = "";
	e = o->reread(o->arg, &d, err, sizeof(err));
	if (e < 0) {
		api_reply_error(r, "CANT_REREAD", "%s", *err ? err : strerror(-e));
		return;
	}
	reply_json(r, 200,
		   json_pack("{s:o,s:o,s:o}", "added", str_array(d.added, d.nadded), "changed",
			     str_array(d.changed, d.nchanged), "removed",
			     str_array(d.removed, d.nremoved)));
	ops_diff_free(&d);
}

static void handle_group(struct api *a, struct http_req *r, const char *name)
{
	bool add = !strcmp(http_req_method(r), "POST");
	int (*fn)(void *, const char *) = add ? a->d->add_group : a->d->remove_group;
	if (!fn) {
		api_reply_error(r, "NOT_IMPLEMENTED", "%s of a group is not available",
				add ? "add" : "remove");
		return;
	}
	int e = fn(a->d->arg, name);
	const char *fault = ops_group_fault(e);
	if (e < 0 && strcmp(fault, "FAILED"))
		api_reply_error(r, fault, "%s", name);
	else if (e < 0)
		api_reply_error(r, fault, "%s: %s", name, strerror(-e));
	else
		reply_json(
		    r, 200,
		    json_pack("{s:s,s:s}", "group", name, "status", add ? "added" : "removed"));
}

/* Splits path after "/v1/" into at most max segments; max + 1 when there
 * are more. */
static size_t split_path(char *path, char **seg, size_t max)
{
	size_t n = 0;
	for (char *s = strtok(path, "/"); s && n < max; s = strtok(NULL, "/"))
		seg[n++] = s;
	return strtok(NULL, "/") ? max + 1 : n;
}

/* ---------------------------------------------------------------- the router */

#define ROUTE_SEGS 4

/* What a route's path matched: the /v1 path's segments and, for a
 * pattern with "@", the process or group it names. */
struct route_match {
	char *seg[ROUTE_SEGS];
	size_t n;
	struct ops_spec sp;
	const char *bad; /* the "@" segment that did not parse */
};

enum route_how {
	R_EXACT,  /* the path is the pattern */
	R_PREFIX, /* the path starts with the pattern */
	R_V1,	  /* the pattern's segments after "/v1/": a literal, "*" any
		   * segment, "@" a process spec (ops_spec_parse) */
};

struct route {
	enum route_how how;
	const char *pattern;
	/* "GET, DELETE": the methods taken (GET takes HEAD too), also the
	 * Allow header of the 405 for another; NULL: any (the handler
	 * decides). */
	const char *methods;
	void (*fn)(struct api *a, struct http_req *r, const struct route_match *m);
	/* who may (doc/security.md): the role its methods other than GET and
	 * HEAD need (those need read); /RPC2's methods and the web page's
	 * buttons check their own */
	enum conf_role role;
};

static void rt_xmlrpc(struct api *a, struct http_req *r, const struct route_match *m)
{
	xmlrpc_request(a->xr, r);
}

static void rt_logtail(struct api *a, struct http_req *r, const struct route_match *m)
{
	if (!api_route_logtail(a, r, http_req_path(r)))
		api_reply_error(r, "UNKNOWN_METHOD", "no such path: %s", http_req_path(r));
}

static void rt_webui(struct api *a, struct http_req *r, const struct route_match *m)
{
	if (!webui_request(a->core, r, http_req_path(r)))
		api_reply_error(r, "UNKNOWN_METHOD", "no such path: %s", http_req_path(r));
}

static void rt_metrics(struct api *a, struct http_req *r, const struct route_match *m)
{
	metrics_request(a, r);
}

static void rt_events(struct api *a, struct http_req *r, const struct route_match *m)
{
	api_events_request(a, r);
}

static void rt_version(struct api *a, struct http_req *r, const struct route_match *m)
{
	handle_version(a, r);
}

static void rt_list(struct api *a, struct http_req *r, const struct route_match *m)
{
	handle_list(a, r);
}

static void rt_health(struct api *a, struct http_req *r, const struct route_match *m)
{
	(void)m;
	api_health(a, r);
}

static void rt_config(struct api *a, struct http_req *r, const struct route_match *m)
{
	handle_config(a, r);
}

static void rt_main_log(struct api *a, struct http_req *r, const struct route_match *m)
{
	handle_main_log(a, r);
}

static void rt_daemon_op(struct api *a, struct http_req *r, const struct route_match *m)
{
	handle_daemon_op(a, r, m->seg[0]);
}

static void rt_upgrade(struct api *a, struct http_req *r, const struct route_match *m)
{
	(void)m;
	handle_upgrade(a, r);
}

static void rt_group(struct api *a, struct http_req *r, const struct route_match *m)
{
	handle_group(a, r, m->seg[1]);
}

static void rt_proc(struct api *a, struct http_req *r, const struct route_match *m)
{
	if (m->sp.kind != OPS_ONE) {
		api_reply_error(r, "BAD_NAME", "%s", m->seg[1]);
		return;
	}
	unsigned mask;
	if (fields_asked(r, &mask) < 0) {
		api_reply_error(r, "BAD_ARGUMENTS", "unknown field in fields=");
		return;
	}
	struct proc **v;
	ssize_t k = ops_resolve(a->core, &m->sp, &v);
	if (k <= 0) {
		reply_bad_name(r, &m->sp);
	} else {
		struct buf b = {0};
		api_json_proc(&b, v[0], time(NULL), mask);
		reply_buf(r, &b);
	}
	free(v);
}

static void rt_proc_log(struct api *a, struct http_req *r, const struct route_match *m)
{
	handle_proc_log(a, r, &m->sp, m->n == 4 ? m->seg[3] : NULL);
}

static void rt_start(struct api *a, struct http_req *r, const struct route_match *m)
{
	handle_action(a, r, &m->sp, OPS_START);
}

static void rt_stop(struct api *a, struct http_req *r, const struct route_match *m)
{
	handle_action(a, r, &m->sp, OPS_STOP);
}

static void rt_restart(struct api *a, struct http_req *r, const struct route_match *m)
{
	handle_action(a, r, &m->sp, OPS_RESTART);
}

static void rt_stdin(struct api *a, struct http_req *r, const struct route_match *m)
{
	handle_stdin(a, r, &m->sp);
}

static void rt_signal(struct api *a, struct http_req *r, const struct route_match *m)
{
	handle_signal(a, r, &m->sp);
}

/* Every path the control plane answers, one row each, with the role it
 * needs (a new row names its own).  The R_EXACT and R_PREFIX rows come
 * first; the R_V1 rows are tried after route's guard
 * on /v1's state-changing requests (doc/security.md). */
static const struct route routes[] = {
    /* supervisord matches every path that starts with /RPC2. */
    {R_PREFIX, "/RPC2", NULL, rt_xmlrpc, CONF_ROLE_READ},
    {R_PREFIX, "/logtail/", NULL, rt_logtail, CONF_ROLE_READ},
    {R_EXACT, "/mainlogtail", NULL, rt_logtail, CONF_ROLE_READ},
    {R_EXACT, "/", NULL, rt_webui, CONF_ROLE_READ},
    {R_EXACT, "/index.html", NULL, rt_webui, CONF_ROLE_READ},
    {R_EXACT, "/tail.html", NULL, rt_webui, CONF_ROLE_READ},
    {R_EXACT, "/webui.js", NULL, rt_webui, CONF_ROLE_READ},
    {R_EXACT, "/metrics", "GET", rt_metrics, CONF_ROLE_READ},
    {R_EXACT, "/v1/events", "GET", rt_events, CONF_ROLE_READ},
    {R_V1, "version", "GET", rt_version, CONF_ROLE_READ},
    {R_V1, "health", "GET", rt_health, CONF_ROLE_READ},
    {R_V1, "processes", "GET", rt_list, CONF_ROLE_READ},
    {R_V1, "config", "GET", rt_config, CONF_ROLE_READ},
    {R_V1, "log", "GET, DELETE", rt_main_log, CONF_ROLE_OPERATE},
    {R_V1, "shutdown", "POST", rt_daemon_op, CONF_ROLE_ADMIN},
    {R_V1, "reload", "POST", rt_daemon_op, CONF_ROLE_ADMIN},
    {R_V1, "reread", "POST", rt_daemon_op, CONF_ROLE_ADMIN},
    {R_V1, "reopen", "POST", rt_daemon_op, CONF_ROLE_ADMIN},
    {R_V1, "upgrade", "POST", rt_upgrade, CONF_ROLE_ADMIN},
    {R_V1, "groups/*", "POST, DELETE", rt_group, CONF_ROLE_ADMIN},
    {R_V1, "processes/@", "GET", rt_proc, CONF_ROLE_READ},
    {R_V1, "processes/@/log", "GET, DELETE", rt_proc_log, CONF_ROLE_OPERATE},
    {R_V1, "processes/@/log/*", "GET, DELETE", rt_proc_log, CONF_ROLE_OPERATE},
    {R_V1, "processes/@/start", "POST", rt_start, CONF_ROLE_OPERATE},
    {R_V1, "processes/@/stop", "POST", rt_stop, CONF_ROLE_OPERATE},
    {R_V1, "processes/@/restart", "POST", rt_restart, CONF_ROLE_OPERATE},
    {R_V1, "processes/@/stdin", "POST", rt_stdin, CONF_ROLE_OPERATE},
    {R_V1, "processes/@/signal", "POST", rt_signal, CONF_ROLE_OPERATE},
};

/* m is in methods ("GET, DELETE"); GET takes HEAD. */
static bool method_in(const char *methods, const char *m)
{
	if (!methods)
		return true;
	if (!strcmp(m, "HEAD"))
		m = "GET";
	size_t len = strlen(m);
	for (const char *s = methods; *s; s += strspn(s, ", ")) {
		size_t k = strcspn(s, ", ");
		if (k == len && !strncmp(s, m, len))
			return true;
		s += k;
	}
	return false;
}

enum { NO_MATCH, MATCH, BAD_SPEC };

/* A /v1 row's segments against m's, left to right: an "@" that does not
 * parse is BAD_SPEC (a bad name is one whatever follows it). */
static int match_segments(const char *pattern, struct route_match *m)
{
	size_t i = 0;
	if (m->n > ROUTE_SEGS)
		return NO_MATCH; /* split_path: too many segments */
	for (const char *p = pattern; *p; i++) {
		size_t k = strcspn(p, "/");
		if (i >= m->n)
			return NO_MATCH;
		if (k == 1 && *p == '@') {
			if (ops_spec_parse(m->seg[i], &m->sp) < 0) {
				m->bad = m->seg[i];
				return BAD_SPEC;
			}
		} else if (!(k == 1 && *p == '*') &&
			   (strlen(m->seg[i]) != k || strncmp(m->seg[i], p, k))) {
			return NO_MATCH;
		}
		p += k;
		p += *p == '/';
	}
	return i == m->n ? MATCH : NO_MATCH;
}

/* The guard before every state-changing /v1 request, matched or not:
 * cross-site pages and wrong content types are refused, and nothing but shutdown goes while supd
 * shuts down.  False when it answered r. */
static bool v1_guard(struct api *a, struct http_req *r, const struct route_match *m)
{
	const char *meth = http_req_method(r);
	const char *path = http_req_path(r);
	/* stdin also takes raw bytes, typed as such */
	static const char *const json[] = {"application/json", NULL};
	static const char *const raw[] = {"application/json", "application/octet-stream", NULL};
	size_t pl = strlen(path);
	bool to_stdin = pl > 6 && !strcmp(path + pl - 6, "/stdin");
	unsigned g = http_req_guard(r, to_stdin ? raw : json);
	if (g == 403) {
		api_reply_error(r, "FORBIDDEN", "%s %s: refused: sent from another site's page",
				meth, path);
		return false;
	}
	if (g) {
		api_reply_error(
		    r, "UNSUPPORTED_MEDIA_TYPE", "%s %s: the body must be %s", meth, path,
		    to_stdin ? "application/json or application/octet-stream" : "application/json");
		return false;
	}
	if (a->d->state && a->d->state(a->d->arg) != 1 &&
	    !(m->n == 1 && !strcmp(m->seg[0], "shutdown"))) {
		api_reply_error(r, "SHUTDOWN_STATE", "supd is shutting down");
		return false;
	}
	return true;
}

/* The row's role against the caller's (http_req_allow, which logs): false
 * when it answered r. */
static bool route_allowed(struct http_req *r, const struct route *rt)
{
	const char *meth = http_req_method(r);
	bool get = !strcmp(meth, "GET") || !strcmp(meth, "HEAD");
	char what[512], msg[1024];
	snprintf(what, sizeof(what), "%s %s", meth, http_req_path(r));
	if (!http_req_allow(r, get ? CONF_ROLE_READ : rt->role, what, msg, sizeof(msg)))
		return true;
	api_reply_error(r, "PERMISSION_DENIED", "%s", msg);
	return false;
}

/* The one matcher: the first row whose path matches and takes the
 * method answers; a path matched only with other methods is a 405 naming
 * the first such row's; nothing matched is a 404. */
static void route(struct api *a, struct http_req *r)
{
	const char *meth = http_req_method(r);
	const char *path = http_req_path(r);
	bool v1 = !strncmp(path, "/v1/", 4), v1_ready = false;
	struct route_match m = {0};
	char buf[1024];
	const char *allowed = NULL;
	for (const struct route *rt = routes; rt < routes + sizeof(routes) / sizeof(routes[0]);
	     rt++) {
		if (rt->how == R_EXACT && strcmp(path, rt->pattern))
			continue;
		if (rt->how == R_PREFIX && strncmp(path, rt->pattern, strlen(rt->pattern)))
			continue;
		if (rt->how == R_V1) {
			/* Past the exact and prefix rows: a path one of them
			 * matched is not a /v1 one. */
			if (!v1 || allowed)
				break;
			if (!v1_ready) {
				if (strlen(path + 4) >= sizeof(buf)) {
					api_reply_error(r, "BAD_ARGUMENTS", "path too long");
					return;
				}
				strcpy(buf, path + 4);
				m.n = split_path(buf, m.seg, ROUTE_SEGS);
				bool changes = !strcmp(meth, "POST") || !strcmp(meth, "DELETE");
				if (changes && !v1_guard(a, r, &m))
					return;
				v1_ready = true;
			}
			int k = match_segments(rt->pattern, &m);
			if (k == BAD_SPEC) {
				api_reply_error(r, "BAD_NAME", "bad name: %s", m.bad);
				return;
			}
			if (k == NO_MATCH)
				continue;
		}
		if (method_in(rt->methods, meth)) {
			if (route_allowed(r, rt))
				rt->fn(a, r, &m);
			return;
		}
		if (!allowed)
			allowed = rt->methods;
	}
	if (allowed) {
		http_add_header(r, "Allow", allowed);
		api_reply_error(r, "METHOD_NOT_ALLOWED", "%s %s: use %s", meth, path, allowed);
		return;
	}
	api_reply_error(r, "UNKNOWN_METHOD", "no such path: %s", path);
}

static void on_request(struct http_req *r, void *ctx)
{
	route(ctx, r);
}

static void on_answered(struct http_req *r, unsigned status, void *ctx)
{
	struct api *a = ctx;
	metrics_count(a->metrics, http_req_path(r), status);
}

/* Held requests carry their own callbacks (http_hold). */
const struct http_handlers api_http_handlers = {on_request, NULL, NULL, on_answered};

/* ---------------------------------------------------------------- life */

int api_new(struct api **out, struct loop *l, const struct ops_daemon *ops)
{
	struct api *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->loop = l;
	int e = ops_new(&a->core, l, ops);
	if (e == 0)
		e = xmlrpc_new(&a->xr, a->core);
	if (e == 0)
		a->d = ops_daemon(a->core);
	if (e == 0)
		e = metrics_new(&a->metrics);
	if (e == 0)
		e = api_events_new(a);
	if (e < 0) {
		metrics_free(a->metrics);
		xmlrpc_free(a->xr);
		ops_free(a->core);
		free(a);
		return e;
	}
	*out = a;
	return 0;
}

void api_free(struct api *a)
{
	if (!a)
		return;
	while (a->follows)
		api_follow_free(a->follows);
	while (a->acts) {
		struct held_act *h = a->acts;
		list_unlink(h, link);
		http_req_set_data(h->req, NULL);
		ops_act_free(h->act);
		free(h);
	}
	api_events_free(a);
	metrics_free(a->metrics);
	xmlrpc_free(a->xr);
	ops_free(a->core);
	free(a);
}
