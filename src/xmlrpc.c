/* supervisord's XML-RPC methods over ops.h (xmlrpc.h, doc/xmlrpc.md).
 *
 * A request is one call, or system.multicall's list of calls run in
 * order.  A call either answers at once or starts an act (start/stop with
 * wait) and is resumed by the act's callback; a multicall then carries on
 * with its next call from a zero-delay timer, outside the process table's
 * hook that finished the act. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf_value.h"
#include "log.h"
#include "logfile.h"
#include "output.h"
#include "xmlrpc.h"
#include "xmlrpc_val.h"

/* supervisord's API version, which supervisorctl checks (upcheck). */
#define API_VERSION "3.0"

static const struct {
	const char *name;
	int code;
} faults[] = {
    {"UNKNOWN_METHOD", XF_UNKNOWN_METHOD},
    {"INCORRECT_PARAMETERS", XF_INCORRECT_PARAMETERS},
    {"BAD_ARGUMENTS", XF_BAD_ARGUMENTS},
    {"SIGNATURE_UNSUPPORTED", XF_SIGNATURE_UNSUPPORTED},
    {"SHUTDOWN_STATE", XF_SHUTDOWN_STATE},
    {"BAD_NAME", XF_BAD_NAME},
    {"BAD_SIGNAL", XF_BAD_SIGNAL},
    {"NO_FILE", XF_NO_FILE},
    {"NOT_EXECUTABLE", XF_NOT_EXECUTABLE},
    {"FAILED", XF_FAILED},
    {"ABNORMAL_TERMINATION", XF_ABNORMAL_TERMINATION},
    {"SPAWN_ERROR", XF_SPAWN_ERROR},
    {"ALREADY_STARTED", XF_ALREADY_STARTED},
    {"NOT_RUNNING", XF_NOT_RUNNING},
    {"SUCCESS", XF_SUCCESS},
    {"ALREADY_ADDED", XF_ALREADY_ADDED},
    {"STILL_RUNNING", XF_STILL_RUNNING},
    {"CANT_REREAD", XF_CANT_REREAD},
};

int xmlrpc_fault_code(const char *name)
{
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		if (!strcmp(faults[i].name, name))
			return faults[i].code;
	return XF_FAILED;
}

/* ---------------------------------------------------------------- calls */

/* The outcome of one call: a value, a fault, or an act under way. */
struct res {
	struct xv *val;
	int code; /* 0: val */
	char msg[1024];
	struct ops_act *act;
	bool act_multi; /* encode the act as result structs, else as true */
};

struct xr_call {
	int held_tag; /* XMLRPC_HELD_TAG: what http_req_data points at */
	struct xmlrpc *x;
	struct http_req *req;
	bool deferred;
	char *method;
	struct xv *params;
	const char *cur; /* the method being run */
	/* system.multicall: the calls, the next one, the results so far */
	const struct xv *calls;
	size_t idx;
	struct xv *results;
	struct res pending;
	struct loop_timer resume;
	struct xr_call *prev, *next;
};

struct xmlrpc {
	struct ops *core;
	struct xr_call *calls;
};

__attribute__((format(printf, 3, 4))) static void fault(struct res *r, const char *name,
							const char *fmt, ...)
{
	r->code = xmlrpc_fault_code(name);
	int n = snprintf(r->msg, sizeof(r->msg), "%s", name);
	if (fmt && n > 0 && (size_t)n < sizeof(r->msg) - 2) {
		va_list ap;
		va_start(ap, fmt);
		r->msg[n] = ':';
		r->msg[n + 1] = ' ';
		vsnprintf(r->msg + n + 2, sizeof(r->msg) - (size_t)n - 2, fmt, ap);
		va_end(ap);
	}
}

static void fault0(struct res *r, const char *name)
{
	r->code = xmlrpc_fault_code(name);
	snprintf(r->msg, sizeof(r->msg), "%s", name);
}

static void ok(struct res *r, struct xv *v)
{
	r->val = v;
	r->code = 0;
}

/* supervisord caps times and sizes to XML-RPC's int32 (xmlrpclib refuses
 * anything larger). */
static struct xv *xv_int32(int64_t v)
{
	return xv_int(v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : v);
}

static const char *arg_s(const struct xv *p, size_t i)
{
	return p->n > i ? p->v[i]->s : NULL;
}

static struct ops *core_of(struct xr_call *c)
{
	return c->x->core;
}

static const struct api_ops *daemon_of(struct xr_call *c)
{
	return ops_daemon(c->x->core);
}

/* One process by name (a group spec is BAD_NAME, as in supervisord). */
static struct proc *one_proc(struct xr_call *c, const char *name, struct res *r)
{
	struct ops_spec sp;
	struct proc **v = NULL;
	ssize_t n = 0;
	if (ops_spec_parse(name, &sp) == 0 && sp.kind == OPS_ONE)
		n = ops_resolve(core_of(c), &sp, &v);
	if (n <= 0) {
		free(v);
		if (n < 0)
			fault(r, "FAILED", "out of memory");
		else
			fault(r, "BAD_NAME", "%s", name);
		return NULL;
	}
	struct proc *p = v[0];
	free(v);
	return p;
}

static char *item_namespec(const struct ops_item *it, char *buf, size_t len)
{
	if (strcmp(it->group, it->name))
		snprintf(buf, len, "%s:%s", it->group, it->name);
	else
		snprintf(buf, len, "%s", it->name);
	return buf;
}

/* An item's fault.  supervisord's wait checks the spawn error first: a
 * process that exited too quickly is a SPAWN_ERROR there, where the /v1
 * API tells it apart as ABNORMAL_TERMINATION. */
static const char *item_fault(const struct ops_item *it)
{
	if (!strcmp(it->fault, "ABNORMAL_TERMINATION") && it->spawnerr)
		return "SPAWN_ERROR";
	return it->fault;
}

/* An item's fault text, as supervisord's RPCError: "NAME: namespec". */
static void item_text(const struct ops_item *it, char *buf, size_t len)
{
	char ns[600];
	if (!strcmp(it->fault, "FAILED") && it->msg)
		snprintf(buf, len, "FAILED: %s", it->msg);
	else
		snprintf(buf, len, "%s: %s", item_fault(it), item_namespec(it, ns, sizeof(ns)));
}

/* Result structs {name, group, status, description} (startProcessGroup...). */
static struct xv *items_value(const struct ops_item *items, size_t n)
{
	struct xv *a = xv_array();
	for (size_t i = 0; i < n; i++) {
		const struct ops_item *it = &items[i];
		char text[1200];
		if (it->fault)
			item_text(it, text, sizeof(text));
		struct xv *s = xv_struct();
		xv_set(s, "name", xv_str(it->name));
		xv_set(s, "group", xv_str(it->group));
		xv_set(s, "status",
		       xv_int(it->fault ? xmlrpc_fault_code(item_fault(it)) : XF_SUCCESS));
		xv_set(s, "description", xv_str(it->fault ? text : "OK"));
		xv_push(a, s);
	}
	return a;
}

static void act_result(struct ops_act *act, bool multi, struct res *r)
{
	if (multi) {
		ok(r, items_value(act->items, act->n));
		return;
	}
	const struct ops_item *it = &act->items[0];
	if (!it->fault) {
		ok(r, xv_bool(true));
		return;
	}
	r->code = xmlrpc_fault_code(item_fault(it));
	item_text(it, r->msg, sizeof(r->msg));
}

/* ---------------------------------------------------------------- methods */

static void m_api_version(struct xr_call *c, const struct xv *p, struct res *r)
{
	ok(r, xv_str(API_VERSION));
}

static void m_supd_version(struct xr_call *c, const struct xv *p, struct res *r)
{
	ok(r, xv_str(PACKAGE_VERSION));
}

static void m_identification(struct xr_call *c, const struct xv *p, struct res *r)
{
	const struct conf *cf = daemon_of(c)->conf(daemon_of(c)->arg);
	ok(r, xv_str(cf && cf->supd.identifier ? cf->supd.identifier : "supervisor"));
}

static void m_state(struct xr_call *c, const struct xv *p, struct res *r)
{
	int st = ops_state(core_of(c));
	struct xv *s = xv_struct();
	xv_set(s, "statecode", xv_int(st));
	xv_set(s, "statename",
	       xv_str(st == 1	? "RUNNING"
		      : st == 0 ? "RESTARTING"
		      : st == 2 ? "FATAL"
				: "SHUTDOWN"));
	ok(r, s);
}

static void m_pid(struct xr_call *c, const struct xv *p, struct res *r)
{
	ok(r, xv_int(getpid()));
}

static void read_result(struct res *r, int e, char *buf, size_t len, const char *what)
{
	if (e == -ENOENT)
		fault(r, "NO_FILE", "%s", what ? what : "None");
	else if (e == -EINVAL)
		fault0(r, "BAD_ARGUMENTS");
	else if (e < 0)
		fault0(r, "FAILED");
	else
		ok(r, xv_strn(buf ? buf : "", buf ? len : 0));
	free(buf);
}

static void m_read_log(struct xr_call *c, const struct xv *p, struct res *r)
{
	const char *path = log_path();
	char *buf = NULL;
	size_t len = 0;
	int e = path ? logfile_read_range(path, p->v[0]->i, p->v[1]->i, &buf, &len) : -ENOENT;
	read_result(r, e, buf, len, path);
}

static void m_clear_log(struct xr_call *c, const struct xv *p, struct res *r)
{
	int e = log_clear();
	if (e == -ENOENT)
		fault0(r, "NO_FILE");
	else if (e < 0)
		fault0(r, "FAILED");
	else
		ok(r, xv_bool(true));
}

static void m_shutdown(struct xr_call *c, const struct xv *p, struct res *r)
{
	const struct api_ops *d = daemon_of(c);
	bool sd = !strcmp(c->cur, "supervisor.shutdown");
	int (*fn)(void *) = sd ? d->shutdown : d->reload;
	int e = fn ? fn(d->arg) : -ENOSYS;
	if (e == -ESHUTDOWN)
		fault0(r, "SHUTDOWN_STATE");
	else if (e < 0)
		fault(r, "FAILED", "%s", strerror(-e));
	else
		ok(r, xv_bool(true));
}

static struct xv *str_list(char **v, size_t n)
{
	struct xv *a = xv_array();
	for (size_t i = 0; i < n; i++)
		xv_push(a, xv_str(v[i]));
	return a;
}

static void m_reload_config(struct xr_call *c, const struct xv *p, struct res *r)
{
	const struct api_ops *d = daemon_of(c);
	struct api_diff diff = {0};
	char err[900] = "";
	if (!d->reread) {
		fault(r, "FAILED", "reread is not available");
		return;
	}
	int e = d->reread(d->arg, &diff, err, sizeof(err));
	if (e < 0) {
		fault(r, "CANT_REREAD", "%s", *err ? err : strerror(-e));
		return;
	}
	struct xv *inner = xv_array();
	xv_push(inner, str_list(diff.added, diff.nadded));
	xv_push(inner, str_list(diff.changed, diff.nchanged));
	xv_push(inner, str_list(diff.removed, diff.nremoved));
	struct xv *outer = xv_array();
	xv_push(outer, inner);
	api_diff_free(&diff);
	ok(r, outer);
}

static void m_group(struct xr_call *c, const struct xv *p, struct res *r, bool add)
{
	const struct api_ops *d = daemon_of(c);
	const char *name = arg_s(p, 0);
	int (*fn)(void *, const char *) = add ? d->add_group : d->remove_group;
	int e = fn ? fn(d->arg, name) : -ENOSYS;
	if (e == -EEXIST)
		fault(r, "ALREADY_ADDED", "%s", name);
	else if (e == -ENOENT)
		fault(r, "BAD_NAME", "%s", name);
	else if (e == -EBUSY)
		fault(r, "STILL_RUNNING", "%s", name);
	else if (e < 0)
		fault(r, "FAILED", "%s: %s", name, strerror(-e));
	else
		ok(r, xv_bool(true));
}

static void m_add_group(struct xr_call *c, const struct xv *p, struct res *r)
{
	m_group(c, p, r, true);
}

static void m_remove_group(struct xr_call *c, const struct xv *p, struct res *r)
{
	m_group(c, p, r, false);
}

/* start/stop of a name ("x", "g:x", "g:*"), a group or all. */
static void act(struct xr_call *c, struct res *r, const char *name, enum ops_spec_kind kind,
		enum ops_kind what, bool wait)
{
	struct ops_spec sp = {.kind = OPS_ALL};
	if (kind == OPS_GROUP) {
		if (strlen(name) >= sizeof(sp.group)) {
			fault(r, "BAD_NAME", "%s", name);
			return;
		}
		sp.kind = OPS_GROUP;
		strcpy(sp.group, name);
	} else if (kind == OPS_ONE && ops_spec_parse(name, &sp) < 0) {
		fault(r, "BAD_NAME", "%s", name);
		return;
	}
	struct proc **v;
	ssize_t n = ops_resolve(core_of(c), &sp, &v);
	if (n < 0) {
		fault(r, "FAILED", "out of memory");
		return;
	}
	if (n == 0 && sp.kind != OPS_ALL) {
		fault(r, "BAD_NAME", "%s", name);
		return;
	}
	bool multi = sp.kind != OPS_ONE;
	struct ops_act *a;
	int e = ops_act_begin(core_of(c), v, (size_t)n, what, multi, wait, NULL, c, &a);
	free(v);
	if (e < 0) {
		fault(r, "FAILED", "out of memory");
		return;
	}
	if (e == 0) {
		act_result(a, multi, r);
		ops_act_free(a);
		return;
	}
	r->act = a;
	r->act_multi = multi;
}

static bool wait_arg(const struct xv *p, size_t i)
{
	return p->n <= i || p->v[i]->i;
}

static void m_start(struct xr_call *c, const struct xv *p, struct res *r)
{
	act(c, r, arg_s(p, 0), OPS_ONE, OPS_START, wait_arg(p, 1));
}

static void m_start_group(struct xr_call *c, const struct xv *p, struct res *r)
{
	act(c, r, arg_s(p, 0), OPS_GROUP, OPS_START, wait_arg(p, 1));
}

static void m_start_all(struct xr_call *c, const struct xv *p, struct res *r)
{
	act(c, r, NULL, OPS_ALL, OPS_START, wait_arg(p, 0));
}

static void m_stop(struct xr_call *c, const struct xv *p, struct res *r)
{
	act(c, r, arg_s(p, 0), OPS_ONE, OPS_STOP, wait_arg(p, 1));
}

static void m_stop_group(struct xr_call *c, const struct xv *p, struct res *r)
{
	act(c, r, arg_s(p, 0), OPS_GROUP, OPS_STOP, wait_arg(p, 1));
}

static void m_stop_all(struct xr_call *c, const struct xv *p, struct res *r)
{
	act(c, r, NULL, OPS_ALL, OPS_STOP, wait_arg(p, 0));
}

/* A signal given as a name or a number, as a string or an int. */
static int signal_arg(const struct xv *v, int *sig, char *text, size_t len)
{
	if (v->type == XV_INT) {
		snprintf(text, len, "%lld", (long long)v->i);
		*sig = v->i > 0 && v->i < 65 ? (int)v->i : -1;
		return *sig > 0 ? 0 : -EINVAL;
	}
	snprintf(text, len, "%s", v->s);
	return cv_signal(v->s, sig);
}

static void signal_group(struct xr_call *c, struct res *r, const struct ops_spec *sp,
			 const char *name, const struct xv *sigv)
{
	int sig;
	char st[256];
	struct proc **v;
	ssize_t n = ops_resolve(core_of(c), sp, &v);
	if (n < 0) {
		fault(r, "FAILED", "out of memory");
		return;
	}
	if (n == 0 && sp->kind != OPS_ALL) {
		fault(r, "BAD_NAME", "%s", name);
		return;
	}
	if (signal_arg(sigv, &sig, st, sizeof(st)) < 0) {
		free(v);
		fault(r, "BAD_SIGNAL", "%s", st);
		return;
	}
	struct ops_item *items;
	ssize_t k = ops_signal_group(v, (size_t)n, sig, &items);
	free(v);
	if (k < 0) {
		fault(r, "FAILED", "out of memory");
		return;
	}
	ok(r, items_value(items, (size_t)k));
	ops_items_free(items, (size_t)k);
}

static void m_signal(struct xr_call *c, const struct xv *p, struct res *r)
{
	const char *name = arg_s(p, 0);
	struct ops_spec sp;
	if (ops_spec_parse(name, &sp) < 0) {
		fault(r, "BAD_NAME", "%s", name);
		return;
	}
	if (sp.kind != OPS_ONE) {
		signal_group(c, r, &sp, name, p->v[1]);
		return;
	}
	struct proc *pr = one_proc(c, name, r);
	if (!pr)
		return;
	int sig;
	char st[256];
	if (signal_arg(p->v[1], &sig, st, sizeof(st)) < 0) {
		fault(r, "BAD_SIGNAL", "%s", st);
		return;
	}
	int e = proc_signal(pr, sig);
	if (e == -ESRCH)
		fault(r, "NOT_RUNNING", "%s", name);
	else if (e < 0)
		fault(r, api_fault_name(e), "%s", name);
	else
		ok(r, xv_bool(true));
}

static void m_signal_group(struct xr_call *c, const struct xv *p, struct res *r)
{
	struct ops_spec sp = {.kind = OPS_GROUP};
	const char *name = arg_s(p, 0);
	snprintf(sp.group, sizeof(sp.group), "%s", name);
	signal_group(c, r, &sp, name, p->v[1]);
}

static void m_signal_all(struct xr_call *c, const struct xv *p, struct res *r)
{
	struct ops_spec sp = {.kind = OPS_ALL};
	signal_group(c, r, &sp, "*", p->v[0]);
}

static const char *chan_path(const struct proc *p, enum output_channel ch)
{
	return p->out ? output_path(p->out, ch) : NULL;
}

/* getProcessInfo's struct, in supervisord's member order. */
static struct xv *proc_info(const struct proc *p, time_t now)
{
	char desc[512];
	const char *out = chan_path(p, OUTPUT_STDOUT), *err = chan_path(p, OUTPUT_STDERR);
	struct xv *s = xv_struct();
	xv_set(s, "name", xv_str(p->conf->name));
	xv_set(s, "group", xv_str(p->conf->group));
	xv_set(s, "start", xv_int32(p->laststart));
	xv_set(s, "stop", xv_int32(p->laststop));
	xv_set(s, "now", xv_int32(now));
	xv_set(s, "state", xv_int(p->state));
	xv_set(s, "statename", xv_str(proc_state_name(p->state)));
	xv_set(s, "spawnerr", xv_str(p->spawnerr));
	xv_set(s, "exitstatus", xv_int(p->exitstatus));
	xv_set(s, "logfile", xv_str(out));
	xv_set(s, "stdout_logfile", xv_str(out));
	xv_set(s, "stderr_logfile", xv_str(err));
	xv_set(s, "pid", xv_int(p->pid));
	xv_set(s, "description", xv_str(proc_description(p, now, desc, sizeof(desc))));
	return s;
}

static void m_proc_info(struct xr_call *c, const struct xv *p, struct res *r)
{
	struct proc *pr = one_proc(c, arg_s(p, 0), r);
	if (pr)
		ok(r, proc_info(pr, time(NULL)));
}

static void m_all_proc_info(struct xr_call *c, const struct xv *p, struct res *r)
{
	size_t n;
	struct proc **v = ops_sorted(core_of(c), &n);
	if (!v && n) {
		fault(r, "FAILED", "out of memory");
		return;
	}
	time_t now = time(NULL);
	struct xv *a = xv_array();
	for (size_t i = 0; i < n; i++)
		xv_push(a, proc_info(v[i], now));
	free(v);
	ok(r, a);
}

/* A log setting as getAllConfigInfo shows it: the file, 'auto' for AUTO
 * (the file chosen once a process runs with this very config; a config
 * just re-read says 'auto' again, as supervisord's), 'none' for NONE. */
static struct xv *logfile_value(const struct conf_stream *cs, const struct conf_process *pc,
				const struct proc *p, enum output_channel ch)
{
	const char *path = p && p->conf == pc ? chan_path(p, ch) : NULL;
	if (cs->kind == CONF_LOG_NONE)
		return xv_str("none");
	if (cs->kind == CONF_LOG_AUTO)
		return xv_str(path ? path : "auto");
	return xv_str(cs->path);
}

static void stream_info(struct xv *s, const char *pre, const struct conf_stream *cs,
			const struct conf_process *pc, const struct proc *p, enum output_channel ch)
{
	char k[64];
	snprintf(k, sizeof(k), "%s_capture_maxbytes", pre);
	xv_set(s, k, xv_int32((int64_t)cs->capture_maxbytes));
	snprintf(k, sizeof(k), "%s_events_enabled", pre);
	xv_set(s, k, xv_bool(cs->events_enabled));
	snprintf(k, sizeof(k), "%s_logfile", pre);
	xv_set(s, k, logfile_value(cs, pc, p, ch));
	snprintf(k, sizeof(k), "%s_logfile_backups", pre);
	xv_set(s, k, xv_int(cs->backups));
	snprintf(k, sizeof(k), "%s_logfile_maxbytes", pre);
	xv_set(s, k, xv_int32((int64_t)cs->maxbytes));
	snprintf(k, sizeof(k), "%s_syslog", pre);
	xv_set(s, k, xv_bool(cs->syslog));
}

static struct xv *config_info(const struct conf *cf, const struct conf_process *pc,
			      const struct proc *p)
{
	const struct conf_group *g = conf_find_group(cf, pc->group);
	struct xv *s = xv_struct();
	xv_set(s, "autostart", xv_bool(pc->autostart));
	xv_set(s, "directory", xv_str(pc->directory ? pc->directory : "none"));
	xv_set(s, "uid", xv_str(pc->user ? pc->user : "none"));
	xv_set(s, "command", xv_str(pc->command));
	struct xv *codes = xv_array();
	for (int i = 0; i < 256; i++)
		if (conf_exitcode_expected(pc, i))
			xv_push(codes, xv_int(i));
	xv_set(s, "exitcodes", codes);
	xv_set(s, "group", xv_str(pc->group));
	xv_set(s, "group_prio", xv_int(g ? g->priority : pc->priority));
	xv_set(s, "inuse", xv_bool(p != NULL));
	xv_set(s, "killasgroup", xv_bool(pc->killasgroup));
	xv_set(s, "name", xv_str(pc->name));
	xv_set(s, "process_prio", xv_int(pc->priority));
	xv_set(s, "redirect_stderr", xv_bool(pc->redirect_stderr));
	xv_set(s, "startretries", xv_int(pc->startretries));
	xv_set(s, "startsecs", xv_int(pc->startsecs));
	stream_info(s, "stdout", &pc->out, pc, p, OUTPUT_STDOUT);
	xv_set(s, "stopsignal", xv_int(pc->stopsignal));
	xv_set(s, "stopwaitsecs", xv_int(pc->stopwaitsecs));
	stream_info(s, "stderr", &pc->err, pc, p, OUTPUT_STDERR);
	xv_set(s, "serverurl", xv_str(pc->serverurl ? pc->serverurl : "none"));
	return s;
}

static int cmp_conf_name(const void *a, const void *b)
{
	const struct conf_process *x = *(const struct conf_process *const *)a;
	const struct conf_process *y = *(const struct conf_process *const *)b;
	int c = strcmp(x->name, y->name);
	return c ? c : x < y ? -1 : x > y;
}

static void m_all_config_info(struct xr_call *c, const struct xv *p, struct res *r)
{
	const struct api_ops *d = daemon_of(c);
	const struct conf *cf = d->conf(d->arg);
	struct procs *t = d->procs(d->arg);
	size_t n = cf ? cf->nprocs : 0;
	const struct conf_process **v = malloc((n ? n : 1) * sizeof(*v));
	if (!v) {
		fault(r, "FAILED", "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = &cf->procs[i];
	/* by name, as supervisord; equal names (in two groups) keep config
	 * order through cmp_conf_name's tie-break on the address */
	qsort(v, n, sizeof(*v), cmp_conf_name);
	struct xv *a = xv_array();
	for (size_t i = 0; i < n; i++)
		xv_push(a, config_info(cf, v[i], procs_find(t, v[i]->group, v[i]->name)));
	free(v);
	ok(r, a);
}

static bool stderr_method(struct xr_call *c)
{
	return strstr(c->cur, "Stderr") != NULL;
}

static void m_read_proc_log(struct xr_call *c, const struct xv *p, struct res *r)
{
	const char *name = arg_s(p, 0);
	struct proc *pr = one_proc(c, name, r);
	if (!pr)
		return;
	enum output_channel ch = stderr_method(c) ? OUTPUT_STDERR : OUTPUT_STDOUT;
	char *buf = NULL;
	size_t len = 0;
	int e = pr->out ? output_read(pr->out, ch, p->v[1]->i, p->v[2]->i, &buf, &len) : -ENOENT;
	read_result(r, e, buf, len, chan_path(pr, ch));
}

static void m_tail_proc_log(struct xr_call *c, const struct xv *p, struct res *r)
{
	struct proc *pr = one_proc(c, arg_s(p, 0), r);
	if (!pr)
		return;
	enum output_channel ch = stderr_method(c) ? OUTPUT_STDERR : OUTPUT_STDOUT;
	char *buf = NULL;
	size_t len = 0;
	int64_t newoff = 0;
	bool overflow = false;
	int e = pr->out ? output_tail(pr->out, ch, p->v[1]->i, p->v[2]->i, &buf, &len, &newoff,
				      &overflow)
			: -ENOENT;
	if (e < 0) { /* supervisord answers a missing log with nothing */
		free(buf);
		buf = NULL;
		len = 0;
		newoff = 0;
		overflow = false;
	}
	struct xv *a = xv_array();
	xv_push(a, xv_strn(buf ? buf : "", len));
	xv_push(a, xv_int32(newoff));
	xv_push(a, xv_bool(overflow));
	free(buf);
	ok(r, a);
}

static void m_clear_proc_logs(struct xr_call *c, const struct xv *p, struct res *r)
{
	const char *name = arg_s(p, 0);
	struct proc *pr = one_proc(c, name, r);
	if (!pr)
		return;
	int e = pr->out ? output_clear(pr->out) : -ENOENT;
	if (e < 0)
		fault(r, "FAILED", "%s", name);
	else
		ok(r, xv_bool(true));
}

static void m_clear_all_logs(struct xr_call *c, const struct xv *p, struct res *r)
{
	size_t n;
	struct proc **v = ops_sorted(core_of(c), &n);
	struct ops_item *items = NULL;
	ssize_t k = v || !n ? ops_clear_logs(v, n, &items) : -ENOMEM;
	free(v);
	if (k < 0) {
		fault(r, "FAILED", "out of memory");
		return;
	}
	ok(r, items_value(items, (size_t)k));
	ops_items_free(items, (size_t)k);
}

static void m_stdin(struct xr_call *c, const struct xv *p, struct res *r)
{
	const char *name = arg_s(p, 0);
	struct proc *pr = one_proc(c, name, r);
	if (!pr)
		return;
	int e = proc_send_stdin(pr, p->v[1]->s, p->v[1]->len);
	if (e == -ESRCH)
		fault(r, "NOT_RUNNING", "%s", name);
	else if (e == -EPIPE)
		fault(r, "NO_FILE", "%s", name);
	else if (e == -EAGAIN)
		fault(r, "FAILED", "%s: stdin is full (the process is not reading)", name);
	else if (e < 0)
		fault(r, "FAILED", "%s: %s", name, strerror(-e));
	else
		ok(r, xv_bool(true));
}

/* supd runs no event listeners' protocol: there is nobody to deliver the
 * event to, and supervisord with no subscriber drops it as well. */
static void m_remote_comm(struct xr_call *c, const struct xv *p, struct res *r)
{
	ok(r, xv_bool(true));
}

static void m_list_methods(struct xr_call *c, const struct xv *p, struct res *r);
static void m_method_help(struct xr_call *c, const struct xv *p, struct res *r);
static void m_method_signature(struct xr_call *c, const struct xv *p, struct res *r);

/* ---------------------------------------------------------------- table */

/* Parameter types: s string, i int, b boolean (an int is taken too), S a
 * signal (string or int), a array; those after '|' are optional. */
struct method {
	const char *name;
	const char *ret;
	const char *args;
	void (*fn)(struct xr_call *c, const struct xv *p, struct res *r);
	const char *help;
};

/* Sorted by name: system.listMethods answers in this order. */
static const struct method methods[] = {
    {"supervisor.addProcessGroup", "boolean", "s", m_add_group,
     "Update the config for a running process from config file."},
    {"supervisor.clearAllProcessLogs", "array", "", m_clear_all_logs,
     "Clears all process log files."},
    {"supervisor.clearLog", "boolean", "", m_clear_log, "Clear the main log."},
    {"supervisor.clearProcessLog", "boolean", "s", m_clear_proc_logs,
     "Clear the stdout and stderr logs for the named process and reopen them."},
    {"supervisor.clearProcessLogs", "boolean", "s", m_clear_proc_logs,
     "Clear the stdout and stderr logs for the named process and reopen them."},
    {"supervisor.getAPIVersion", "string", "", m_api_version,
     "Return the version of the RPC API used by supervisord."},
    {"supervisor.getAllConfigInfo", "array", "", m_all_config_info,
     "Get info about all available process configurations."},
    {"supervisor.getAllProcessInfo", "array", "", m_all_proc_info, "Get info about all processes."},
    {"supervisor.getIdentification", "string", "", m_identification,
     "Return identifying string of supervisord."},
    {"supervisor.getPID", "int", "", m_pid, "Return the PID of supervisord."},
    {"supervisor.getProcessInfo", "struct", "s", m_proc_info, "Get info about a process."},
    {"supervisor.getState", "struct", "", m_state,
     "Return current state of supervisord as a struct."},
    {"supervisor.getSupervisorVersion", "string", "", m_supd_version,
     "Return the version of the supervisor package in use by supervisord."},
    {"supervisor.getVersion", "string", "", m_api_version,
     "Return the version of the RPC API used by supervisord."},
    {"supervisor.readLog", "string", "ii", m_read_log,
     "Read length bytes from the main log starting at offset."},
    {"supervisor.readMainLog", "string", "ii", m_read_log,
     "Read length bytes from the main log starting at offset."},
    {"supervisor.readProcessLog", "string", "sii", m_read_proc_log,
     "Read length bytes from name's stdout log starting at offset."},
    {"supervisor.readProcessStderrLog", "string", "sii", m_read_proc_log,
     "Read length bytes from name's stderr log starting at offset."},
    {"supervisor.readProcessStdoutLog", "string", "sii", m_read_proc_log,
     "Read length bytes from name's stdout log starting at offset."},
    {"supervisor.reloadConfig", "array", "", m_reload_config, "Reload the configuration."},
    {"supervisor.removeProcessGroup", "boolean", "s", m_remove_group,
     "Remove a stopped process from the active configuration."},
    {"supervisor.restart", "boolean", "", m_shutdown, "Restart the supervisor process."},
    {"supervisor.sendProcessStdin", "boolean", "ss", m_stdin,
     "Send a string of chars to the stdin of the process name."},
    {"supervisor.sendRemoteCommEvent", "boolean", "ss", m_remote_comm,
     "Send an event that will be received by event listener subprocesses subscribing to "
     "the RemoteCommunicationEvent (supd has none: the event is dropped)."},
    {"supervisor.shutdown", "boolean", "", m_shutdown, "Shut down the supervisor process."},
    {"supervisor.signalAllProcesses", "array", "S", m_signal_all,
     "Send a signal to all processes in the process list."},
    {"supervisor.signalProcess", "boolean", "sS", m_signal,
     "Send an arbitrary UNIX signal to the process named by name."},
    {"supervisor.signalProcessGroup", "array", "sS", m_signal_group,
     "Send a signal to all processes in the group named 'name'."},
    {"supervisor.startAllProcesses", "array", "|b", m_start_all,
     "Start all processes listed in the configuration file."},
    {"supervisor.startProcess", "boolean", "s|b", m_start, "Start a process."},
    {"supervisor.startProcessGroup", "array", "s|b", m_start_group,
     "Start all processes in the group named 'name'."},
    {"supervisor.stopAllProcesses", "array", "|b", m_stop_all,
     "Stop all processes in the process list."},
    {"supervisor.stopProcess", "boolean", "s|b", m_stop, "Stop a process named by name."},
    {"supervisor.stopProcessGroup", "array", "s|b", m_stop_group,
     "Stop all processes in the process group named 'name'."},
    {"supervisor.tailProcessLog", "array", "sii", m_tail_proc_log,
     "Provides a more efficient way to tail the (stdout) log than readProcessStdoutLog()."},
    {"supervisor.tailProcessStderrLog", "array", "sii", m_tail_proc_log,
     "Provides a more efficient way to tail the (stderr) log than readProcessStderrLog()."},
    {"supervisor.tailProcessStdoutLog", "array", "sii", m_tail_proc_log,
     "Provides a more efficient way to tail the (stdout) log than readProcessStdoutLog()."},
    {"system.listMethods", "array", "", m_list_methods,
     "Return an array listing the available method names."},
    {"system.methodHelp", "string", "s", m_method_help,
     "Return a string showing the method's documentation."},
    {"system.methodSignature", "array", "s", m_method_signature,
     "Return an array describing the method signature in the form [rtype, ptype, "
     "ptype...] where rtype is the return data type of the method, and ptypes are the "
     "parameter data types that the method accepts in method argument order."},
    {"system.multicall", "array", "a", NULL,
     "Process an array of calls, and return an array of results."},
};
#define NMETHODS (sizeof(methods) / sizeof(methods[0]))

static const struct method *find_method(const char *name)
{
	for (size_t i = 0; i < NMETHODS; i++)
		if (!strcmp(methods[i].name, name))
			return &methods[i];
	return NULL;
}

static void m_list_methods(struct xr_call *c, const struct xv *p, struct res *r)
{
	struct xv *a = xv_array();
	for (size_t i = 0; i < NMETHODS; i++)
		xv_push(a, xv_str(methods[i].name));
	ok(r, a);
}

static void m_method_help(struct xr_call *c, const struct xv *p, struct res *r)
{
	const struct method *m = find_method(arg_s(p, 0));
	if (!m)
		fault0(r, "SIGNATURE_UNSUPPORTED");
	else
		ok(r, xv_str(m->help));
}

static const char *type_name(char t)
{
	switch (t) {
	case 'i':
		return "int";
	case 'b':
		return "boolean";
	case 'a':
		return "array";
	default:
		return "string";
	}
}

static void m_method_signature(struct xr_call *c, const struct xv *p, struct res *r)
{
	const struct method *m = find_method(arg_s(p, 0));
	if (!m) {
		fault0(r, "SIGNATURE_UNSUPPORTED");
		return;
	}
	struct xv *a = xv_array();
	xv_push(a, xv_str(m->ret));
	for (const char *t = m->args; *t; t++)
		if (*t != '|')
			xv_push(a, xv_str(type_name(*t)));
	ok(r, a);
}

static bool type_ok(char t, const struct xv *v)
{
	switch (t) {
	case 's':
		return v->type == XV_STRING;
	case 'i':
		return v->type == XV_INT;
	case 'b':
		return v->type == XV_BOOL || v->type == XV_INT;
	case 'S':
		return v->type == XV_STRING || v->type == XV_INT;
	case 'a':
		return v->type == XV_ARRAY;
	default:
		return false;
	}
}

/* The arguments' count and types against the method's (a wrong count is
 * Python's TypeError, INCORRECT_PARAMETERS in supervisord). */
static bool params_ok(const struct method *m, const struct xv *p)
{
	size_t min = 0, max = 0;
	bool opt = false;
	for (const char *t = m->args; *t; t++) {
		if (*t == '|') {
			opt = true;
			continue;
		}
		if (max < p->n && !type_ok(*t, p->v[max]))
			return false;
		max++;
		if (!opt)
			min++;
	}
	return p->n >= min && p->n <= max;
}

/* One call.  namespace.method only; names starting with '_' are not
 * methods. */
static void call_one(struct xr_call *c, const char *name, const struct xv *params, struct res *r)
{
	memset(r, 0, sizeof(*r));
	const char *dot = strchr(name, '.');
	const struct method *m = NULL;
	if (dot && !strchr(dot + 1, '.') && dot[1] != '_')
		m = find_method(name);
	if (!m) {
		fault0(r, "UNKNOWN_METHOD");
		return;
	}
	if (!m->fn) { /* system.multicall inside a multicall */
		fault(r, "INCORRECT_PARAMETERS", "Recursive system.multicall forbidden");
		return;
	}
	if (!params_ok(m, params)) {
		fault0(r, "INCORRECT_PARAMETERS");
		return;
	}
	if (!strncmp(name, "supervisor.", 11) && strcmp(name, "supervisor.sendRemoteCommEvent") &&
	    ops_state(core_of(c)) != 1) {
		fault0(r, "SHUTDOWN_STATE");
		return;
	}
	c->cur = m->name;
	m->fn(c, params, r);
	if (!r->act && !r->code && !r->val)
		fault(r, "FAILED", "out of memory");
}

/* ---------------------------------------------------------------- driver */

static void call_unlink(struct xr_call *c)
{
	struct xmlrpc *x = c->x;
	if (c->prev)
		c->prev->next = c->next;
	else if (x->calls == c)
		x->calls = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

static void call_free(struct xr_call *c)
{
	if (!c)
		return;
	call_unlink(c);
	ops_act_free(c->pending.act);
	xv_free(c->pending.val);
	loop_timer_cancel(ops_loop(c->x->core), &c->resume);
	free(c->method);
	xv_free(c->params);
	xv_free(c->results);
	free(c);
}

/* medusa's error page, as supervisord sends it. */
static void http_error(struct http_req *r, unsigned code, const char *what)
{
	char page[256];
	int n = snprintf(page, sizeof(page),
			 "<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n"
			 "<h1>Error response</h1>\r\n<p>Error code %u.\r\n<p>Message: %s.\r\n"
			 "</body>\r\n",
			 code, what);
	http_reply(r, code, "text/html", page, (size_t)n);
}

static void bad_request(struct http_req *r)
{
	http_error(r, 400, "Bad Request");
}

static void reply_res(struct http_req *req, const struct res *r)
{
	char *body = NULL;
	size_t len = 0;
	int e = r->code ? xmlrpc_write_fault(r->code, r->msg, &body, &len)
			: xmlrpc_write_response(r->val, &body, &len);
	if (e < 0) {
		http_error(req, 500, "Internal Server Error");
		return;
	}
	http_reply(req, 200, "text/xml", body, len);
	free(body);
}

static void finish(struct xr_call *c, struct res *r)
{
	if (c->deferred)
		http_req_set_data(c->req, NULL);
	reply_res(c->req, r);
	xv_free(r->val);
	r->val = NULL;
	call_free(c);
}

/* A multicall result: the value itself or {faultCode, faultString}. */
static void multi_add(struct xr_call *c, struct res *r)
{
	if (r->code) {
		struct xv *f = xv_struct();
		xv_set(f, "faultCode", xv_int(r->code));
		xv_set(f, "faultString", xv_str(r->msg));
		xv_push(c->results, f);
	} else {
		xv_push(c->results, r->val);
		r->val = NULL;
	}
}

static void on_act_done(struct ops_act *a, void *arg);

/* Waits for r's act: the request is held until on_act_done. */
static void hold(struct xr_call *c, struct res *r)
{
	c->pending = *r;
	r->act = NULL;
	c->pending.act->cb = on_act_done;
	if (!c->deferred) {
		c->deferred = true;
		http_req_set_data(c->req, c);
		http_defer(c->req);
	}
}

/* Runs a multicall's calls from c->idx until one waits or all are done. */
static void multi_run(struct xr_call *c)
{
	struct res r;
	while (c->idx < c->calls->n) {
		const struct xv *sc = c->calls->v[c->idx];
		const struct xv *name = xv_get(sc, "methodName");
		const struct xv *params = xv_get(sc, "params");
		static struct xv noparams = {.type = XV_ARRAY};
		if (!name || name->type != XV_STRING || (params && params->type != XV_ARRAY)) {
			memset(&r, 0, sizeof(r));
			fault0(&r, "INCORRECT_PARAMETERS");
		} else {
			call_one(c, name->s, params ? params : &noparams, &r);
		}
		if (r.act) {
			hold(c, &r);
			return;
		}
		multi_add(c, &r);
		c->idx++;
	}
	memset(&r, 0, sizeof(r));
	r.val = c->results;
	c->results = NULL;
	finish(c, &r);
}

static void on_resume(struct loop *l, void *arg)
{
	multi_run(arg);
}

static void on_act_done(struct ops_act *a, void *arg)
{
	struct xr_call *c = arg;
	struct res r;
	memset(&r, 0, sizeof(r));
	act_result(a, c->pending.act_multi, &r);
	ops_act_free(a);
	c->pending.act = NULL;
	if (!c->calls) {
		finish(c, &r);
		return;
	}
	multi_add(c, &r);
	c->idx++;
	/* Not from inside the process table's hook: the next call may start
	 * processes, whose transitions run the hook again. */
	loop_timer_arm(ops_loop(c->x->core), &c->resume, loop_now_ms());
}

void xmlrpc_request(struct xmlrpc *x, struct http_req *req)
{
	if (strcmp(http_req_method(req), "POST")) {
		bad_request(req);
		return;
	}
	size_t len;
	const char *body = http_req_body(req, &len);
	struct xr_call *c = calloc(1, sizeof(*c));
	if (!c) {
		http_error(req, 500, "Internal Server Error");
		return;
	}
	c->held_tag = XMLRPC_HELD_TAG;
	c->x = x;
	c->req = req;
	loop_timer_init(&c->resume, on_resume, c);
	if (xmlrpc_parse_call(body, len, &c->method, &c->params) < 0) {
		free(c);
		bad_request(req);
		return;
	}
	c->next = x->calls;
	if (x->calls)
		x->calls->prev = c;
	x->calls = c;
	struct res r;
	if (!strcmp(c->method, "system.multicall")) {
		if (c->params->n == 1 && c->params->v[0]->type == XV_ARRAY) {
			c->calls = c->params->v[0];
			c->results = xv_array();
			bool structs = true;
			for (size_t i = 0; i < c->calls->n; i++)
				structs = structs && c->calls->v[i]->type == XV_STRUCT;
			if (structs) {
				multi_run(c);
				return;
			}
			c->calls = NULL;
		}
		memset(&r, 0, sizeof(r));
		fault0(&r, "INCORRECT_PARAMETERS");
		finish(c, &r);
		return;
	}
	call_one(c, c->method, c->params, &r);
	if (r.act) {
		hold(c, &r);
		return;
	}
	finish(c, &r);
}

void xmlrpc_abandoned(struct xmlrpc *x, struct http_req *r)
{
	struct xr_call *c = http_req_data(r);
	http_req_set_data(r, NULL);
	call_free(c);
}

int xmlrpc_new(struct xmlrpc **out, struct ops *core)
{
	struct xmlrpc *x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->core = core;
	*out = x;
	return 0;
}

void xmlrpc_free(struct xmlrpc *x)
{
	if (!x)
		return;
	while (x->calls) {
		struct xr_call *c = x->calls;
		if (c->deferred)
			http_req_set_data(c->req, NULL);
		call_free(c);
	}
	free(x);
}
