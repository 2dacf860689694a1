/* supervisord's supervisor.* methods over ops.h: each answers a value or a
 * fault, or starts an act that xmlrpc.c waits for. */
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
#include "xmlrpc_int.h"

/* supervisord's API version, which supervisorctl checks (upcheck). */
#define API_VERSION "3.0"

void xr_fault(struct res *r, const char *name, const char *fmt, ...)
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

void xr_fault0(struct res *r, const char *name)
{
	r->code = xmlrpc_fault_code(name);
	snprintf(r->msg, sizeof(r->msg), "%s", name);
}

void xr_ok(struct res *r, struct xv *v)
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

const char *xr_arg_s(const struct xv *p, size_t i)
{
	return p->n > i ? p->v[i]->s : NULL;
}

static struct ops *core_of(struct xr_call *c)
{
	return c->x->core;
}

static const struct ops_daemon *daemon_of(struct xr_call *c)
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
			xr_fault(r, "FAILED", "out of memory");
		else
			xr_fault(r, "BAD_NAME", "%s", name);
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

void xr_act_result(struct ops_act *act, bool multi, struct res *r)
{
	if (multi) {
		xr_ok(r, items_value(act->items, act->n));
		return;
	}
	const struct ops_item *it = &act->items[0];
	if (!it->fault) {
		xr_ok(r, xv_bool(true));
		return;
	}
	r->code = xmlrpc_fault_code(item_fault(it));
	item_text(it, r->msg, sizeof(r->msg));
}

/* ---------------------------------------------------------------- methods */

void xrm_api_version(struct xr_call *c, const struct xv *p, struct res *r)
{
	xr_ok(r, xv_str(API_VERSION));
}

void xrm_supd_version(struct xr_call *c, const struct xv *p, struct res *r)
{
	xr_ok(r, xv_str(PACKAGE_VERSION));
}

void xrm_identification(struct xr_call *c, const struct xv *p, struct res *r)
{
	const struct conf *cf = daemon_of(c)->conf(daemon_of(c)->arg);
	xr_ok(r, xv_str(cf && cf->supd.identifier ? cf->supd.identifier : "supervisor"));
}

void xrm_state(struct xr_call *c, const struct xv *p, struct res *r)
{
	int st = ops_state(core_of(c));
	struct xv *s = xv_struct();
	xv_set(s, "statecode", xv_int(st));
	xv_set(s, "statename",
	       xv_str(st == 1	? "RUNNING"
		      : st == 0 ? "RESTARTING"
		      : st == 2 ? "FATAL"
				: "SHUTDOWN"));
	xr_ok(r, s);
}

void xrm_pid(struct xr_call *c, const struct xv *p, struct res *r)
{
	xr_ok(r, xv_int(getpid()));
}

static void read_result(struct res *r, int e, char *buf, size_t len, const char *what)
{
	if (e == -ENOENT)
		xr_fault(r, "NO_FILE", "%s", what ? what : "None");
	else if (e == -EINVAL)
		xr_fault0(r, "BAD_ARGUMENTS");
	else if (e < 0)
		xr_fault0(r, "FAILED");
	else
		xr_ok(r, xv_strn(buf ? buf : "", buf ? len : 0));
	free(buf);
}

/* Log reads one answer may hold: each holds an open file until the answer
 * is sent, and a multicall must not take all of supd's fds. */
#define XR_MAX_FILES 64

/* A log file's range as an XV_FILE, streamed when the answer goes out;
 * -ENOTSUP when path is not a regular file. */
static int file_result(struct xr_call *c, struct res *r, const char *path, int64_t off, int64_t len)
{
	if (c->files >= XR_MAX_FILES) {
		xr_fault(r, "FAILED", "more than %d log reads in one call", XR_MAX_FILES);
		return 0;
	}
	int fd;
	int64_t start, end;
	int e = path ? logfile_open_range(path, off, len, &fd, &start, &end) : -ENOENT;
	if (e == -ENOTSUP)
		return e;
	if (e < 0)
		read_result(r, e, NULL, 0, path);
	else {
		c->files++;
		xr_ok(r, xv_file(fd, start, end));
	}
	return 0;
}

void xrm_read_log(struct xr_call *c, const struct xv *p, struct res *r)
{
	const char *path = log_path();
	if (file_result(c, r, path, p->v[0]->i, p->v[1]->i) == 0)
		return;
	char *buf = NULL;
	size_t len = 0;
	int e = logfile_read_range(path, p->v[0]->i, p->v[1]->i, &buf, &len);
	read_result(r, e, buf, len, path);
}

void xrm_clear_log(struct xr_call *c, const struct xv *p, struct res *r)
{
	int e = log_clear();
	if (e == -ENOENT)
		xr_fault0(r, "NO_FILE");
	else if (e < 0)
		xr_fault0(r, "FAILED");
	else
		xr_ok(r, xv_bool(true));
}

void xrm_shutdown(struct xr_call *c, const struct xv *p, struct res *r)
{
	const struct ops_daemon *d = daemon_of(c);
	bool sd = !strcmp(c->cur, "supervisor.shutdown");
	char why[900] = "";
	int e = -ENOSYS;
	if (sd && d->shutdown)
		e = d->shutdown(d->arg);
	else if (!sd && d->reload)
		e = d->reload(d->arg, why, sizeof(why));
	if (e == -ESHUTDOWN)
		xr_fault0(r, "SHUTDOWN_STATE");
	else if (e < 0)
		xr_fault(r, "FAILED", "%s", *why ? why : strerror(-e));
	else
		xr_ok(r, xv_bool(true));
}

/* supd.upgrade([path]): as POST /v1/upgrade, answered before the exec. */
void xrm_upgrade(struct xr_call *c, const struct xv *p, struct res *r)
{
	const struct ops_daemon *d = daemon_of(c);
	const char *path = xr_arg_s(p, 0);
	char err[1024] = "";
	unsigned gen = 0;
	int e = d->upgrade ? d->upgrade(d->arg, path && *path ? path : NULL, &gen, err, sizeof(err))
			   : -ENOSYS;
	if (e == -ESHUTDOWN)
		xr_fault0(r, "SHUTDOWN_STATE");
	else if (e < 0)
		xr_fault(r, "FAILED", "upgrade: %s", *err ? err : strerror(-e));
	else
		xr_ok(r, xv_int((int64_t)gen));
}

static struct xv *str_list(char **v, size_t n)
{
	struct xv *a = xv_array();
	for (size_t i = 0; i < n; i++)
		xv_push(a, xv_str(v[i]));
	return a;
}

void xrm_reload_config(struct xr_call *c, const struct xv *p, struct res *r)
{
	const struct ops_daemon *d = daemon_of(c);
	struct ops_diff diff = {0};
	char err[900] = "";
	if (!d->reread) {
		xr_fault(r, "FAILED", "reread is not available");
		return;
	}
	int e = d->reread(d->arg, &diff, err, sizeof(err));
	if (e < 0) {
		xr_fault(r, "CANT_REREAD", "%s", *err ? err : strerror(-e));
		return;
	}
	struct xv *inner = xv_array();
	xv_push(inner, str_list(diff.added, diff.nadded));
	xv_push(inner, str_list(diff.changed, diff.nchanged));
	xv_push(inner, str_list(diff.removed, diff.nremoved));
	struct xv *outer = xv_array();
	xv_push(outer, inner);
	ops_diff_free(&diff);
	xr_ok(r, outer);
}

static void group_op(struct xr_call *c, const struct xv *p, struct res *r, bool add)
{
	const struct ops_daemon *d = daemon_of(c);
	const char *name = xr_arg_s(p, 0);
	int (*fn)(void *, const char *) = add ? d->add_group : d->remove_group;
	int e = fn ? fn(d->arg, name) : -ENOSYS;
	const char *fault = ops_group_fault(e);
	if (e < 0 && strcmp(fault, "FAILED"))
		xr_fault(r, fault, "%s", name);
	else if (e < 0)
		xr_fault(r, fault, "%s: %s", name, strerror(-e));
	else
		xr_ok(r, xv_bool(true));
}

void xrm_add_group(struct xr_call *c, const struct xv *p, struct res *r)
{
	group_op(c, p, r, true);
}

void xrm_remove_group(struct xr_call *c, const struct xv *p, struct res *r)
{
	group_op(c, p, r, false);
}

/* start/stop of a name ("x", "g:x", "g:*"), a group or all. */
static void act(struct xr_call *c, struct res *r, const char *name, enum ops_spec_kind kind,
		enum ops_kind what, bool wait)
{
	struct ops_spec sp = {.kind = OPS_ALL};
	if (kind == OPS_GROUP) {
		if (strlen(name) >= sizeof(sp.group)) {
			xr_fault(r, "BAD_NAME", "%s", name);
			return;
		}
		sp.kind = OPS_GROUP;
		strcpy(sp.group, name);
	} else if (kind == OPS_ONE && ops_spec_parse(name, &sp) < 0) {
		xr_fault(r, "BAD_NAME", "%s", name);
		return;
	}
	struct proc **v;
	ssize_t n;
	if (sp.kind == OPS_ALL) {
		size_t m;
		v = ops_all(core_of(c), false, &m);
		n = !v && m ? -ENOMEM : (ssize_t)m;
	} else {
		n = ops_resolve(core_of(c), &sp, &v);
	}
	if (n < 0) {
		xr_fault(r, "FAILED", "out of memory");
		return;
	}
	if (n == 0 && sp.kind != OPS_ALL) {
		xr_fault(r, "BAD_NAME", "%s", name);
		return;
	}
	bool multi = sp.kind != OPS_ONE;
	struct ops_act *a;
	int e = ops_act_begin(core_of(c), v, (size_t)n, what, multi, wait, NULL, c, &a);
	free(v);
	if (e < 0) {
		xr_fault(r, "FAILED", "out of memory");
		return;
	}
	if (e == 0) {
		xr_act_result(a, multi, r);
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

void xrm_start(struct xr_call *c, const struct xv *p, struct res *r)
{
	act(c, r, xr_arg_s(p, 0), OPS_ONE, OPS_START, wait_arg(p, 1));
}

void xrm_start_group(struct xr_call *c, const struct xv *p, struct res *r)
{
	act(c, r, xr_arg_s(p, 0), OPS_GROUP, OPS_START, wait_arg(p, 1));
}

void xrm_start_all(struct xr_call *c, const struct xv *p, struct res *r)
{
	act(c, r, NULL, OPS_ALL, OPS_START, wait_arg(p, 0));
}

void xrm_stop(struct xr_call *c, const struct xv *p, struct res *r)
{
	act(c, r, xr_arg_s(p, 0), OPS_ONE, OPS_STOP, wait_arg(p, 1));
}

void xrm_stop_group(struct xr_call *c, const struct xv *p, struct res *r)
{
	act(c, r, xr_arg_s(p, 0), OPS_GROUP, OPS_STOP, wait_arg(p, 1));
}

void xrm_stop_all(struct xr_call *c, const struct xv *p, struct res *r)
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
		xr_fault(r, "FAILED", "out of memory");
		return;
	}
	if (n == 0 && sp->kind != OPS_ALL) {
		xr_fault(r, "BAD_NAME", "%s", name);
		return;
	}
	if (signal_arg(sigv, &sig, st, sizeof(st)) < 0) {
		free(v);
		xr_fault(r, "BAD_SIGNAL", "%s", st);
		return;
	}
	struct ops_item *items;
	ssize_t k = ops_signal_group(v, (size_t)n, sig, &items);
	free(v);
	if (k < 0) {
		xr_fault(r, "FAILED", "out of memory");
		return;
	}
	xr_ok(r, items_value(items, (size_t)k));
	ops_items_free(items, (size_t)k);
}

void xrm_signal(struct xr_call *c, const struct xv *p, struct res *r)
{
	const char *name = xr_arg_s(p, 0);
	struct ops_spec sp;
	if (ops_spec_parse(name, &sp) < 0) {
		xr_fault(r, "BAD_NAME", "%s", name);
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
		xr_fault(r, "BAD_SIGNAL", "%s", st);
		return;
	}
	int e = proc_signal(pr, sig);
	if (e == -ESRCH)
		xr_fault(r, "NOT_RUNNING", "%s", name);
	else if (e < 0)
		xr_fault(r, ops_fault_name(e), "%s", name);
	else
		xr_ok(r, xv_bool(true));
}

void xrm_signal_group(struct xr_call *c, const struct xv *p, struct res *r)
{
	struct ops_spec sp = {.kind = OPS_GROUP};
	const char *name = xr_arg_s(p, 0);
	snprintf(sp.group, sizeof(sp.group), "%s", name);
	signal_group(c, r, &sp, name, p->v[1]);
}

void xrm_signal_all(struct xr_call *c, const struct xv *p, struct res *r)
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

void xrm_proc_info(struct xr_call *c, const struct xv *p, struct res *r)
{
	struct proc *pr = one_proc(c, xr_arg_s(p, 0), r);
	if (pr)
		xr_ok(r, proc_info(pr, time(NULL)));
}

void xrm_all_proc_info(struct xr_call *c, const struct xv *p, struct res *r)
{
	size_t n;
	struct proc **v = ops_all(core_of(c), true, &n);
	if (!v && n) {
		xr_fault(r, "FAILED", "out of memory");
		return;
	}
	time_t now = time(NULL);
	struct xv *a = xv_array();
	for (size_t i = 0; i < n; i++)
		xv_push(a, proc_info(v[i], now));
	free(v);
	xr_ok(r, a);
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
	return xv_str(ch == OUTPUT_STDERR ? pc->err_path : pc->out_path);
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
	xv_set(s, "autostart", xv_bool(pc->s->autostart));
	xv_set(s, "directory", xv_str(pc->s->directory ? pc->s->directory : "none"));
	xv_set(s, "uid", xv_str(pc->s->user ? pc->s->user : "none"));
	xv_set(s, "command", xv_str(pc->command));
	struct xv *codes = xv_array();
	for (int i = 0; i < 256; i++)
		if (conf_exitcode_expected(pc, i))
			xv_push(codes, xv_int(i));
	xv_set(s, "exitcodes", codes);
	xv_set(s, "group", xv_str(pc->group));
	xv_set(s, "group_prio", xv_int(g ? g->priority : pc->s->priority));
	xv_set(s, "inuse", xv_bool(p != NULL));
	xv_set(s, "killasgroup", xv_bool(pc->s->killasgroup));
	xv_set(s, "name", xv_str(pc->name));
	xv_set(s, "process_prio", xv_int(pc->s->priority));
	xv_set(s, "redirect_stderr", xv_bool(pc->s->redirect_stderr));
	xv_set(s, "startretries", xv_int(pc->s->startretries));
	xv_set(s, "startsecs", xv_int(pc->s->startsecs));
	stream_info(s, "stdout", &pc->s->out, pc, p, OUTPUT_STDOUT);
	xv_set(s, "stopsignal", xv_int(pc->s->stopsignal));
	xv_set(s, "stopwaitsecs", xv_int(pc->s->stopwaitsecs));
	stream_info(s, "stderr", &pc->s->err, pc, p, OUTPUT_STDERR);
	xv_set(s, "serverurl", xv_str(pc->s->serverurl ? pc->s->serverurl : "none"));
	return s;
}

static int cmp_conf_name(const void *a, const void *b)
{
	const struct conf_process *x = *(const struct conf_process *const *)a;
	const struct conf_process *y = *(const struct conf_process *const *)b;
	int c = strcmp(x->name, y->name);
	return c ? c : x < y ? -1 : x > y;
}

void xrm_all_config_info(struct xr_call *c, const struct xv *p, struct res *r)
{
	const struct ops_daemon *d = daemon_of(c);
	const struct conf *cf = d->conf(d->arg);
	struct procs *t = d->procs(d->arg);
	size_t n = cf ? cf->nprocs : 0;
	const struct conf_process **v = malloc((n ? n : 1) * sizeof(*v));
	if (!v) {
		xr_fault(r, "FAILED", "out of memory");
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
	xr_ok(r, a);
}

static bool stderr_method(struct xr_call *c)
{
	return strstr(c->cur, "Stderr") != NULL;
}

void xrm_read_proc_log(struct xr_call *c, const struct xv *p, struct res *r)
{
	const char *name = xr_arg_s(p, 0);
	struct proc *pr = one_proc(c, name, r);
	if (!pr)
		return;
	enum output_channel ch = stderr_method(c) ? OUTPUT_STDERR : OUTPUT_STDOUT;
	const char *path = chan_path(pr, ch);
	if (path && file_result(c, r, path, p->v[1]->i, p->v[2]->i) == 0)
		return;
	char *buf = NULL;
	size_t len = 0;
	int e = pr->out ? output_read(pr->out, ch, p->v[1]->i, p->v[2]->i, &buf, &len) : -ENOENT;
	read_result(r, e, buf, len, chan_path(pr, ch));
}

void xrm_tail_proc_log(struct xr_call *c, const struct xv *p, struct res *r)
{
	struct proc *pr = one_proc(c, xr_arg_s(p, 0), r);
	if (!pr)
		return;
	enum output_channel ch = stderr_method(c) ? OUTPUT_STDERR : OUTPUT_STDOUT;
	char *buf = NULL;
	size_t len = 0;
	int64_t newoff = 0;
	bool overflow = false;
	const char *path = chan_path(pr, ch);
	int fd;
	int64_t start, end;
	if (path && c->files >= XR_MAX_FILES) {
		xr_fault(r, "FAILED", "more than %d log reads in one call", XR_MAX_FILES);
		return;
	}
	if (path && logfile_tail_range(path, p->v[1]->i, p->v[2]->i, &fd, &start, &end, &newoff,
				       &overflow) == 0) {
		c->files++;
		struct xv *a = xv_array();
		xv_push(a, xv_file(fd, start, end));
		xv_push(a, xv_int32(newoff));
		xv_push(a, xv_bool(overflow));
		xr_ok(r, a);
		return;
	}
	newoff = 0;
	overflow = false;
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
	xr_ok(r, a);
}

void xrm_clear_proc_logs(struct xr_call *c, const struct xv *p, struct res *r)
{
	const char *name = xr_arg_s(p, 0);
	struct proc *pr = one_proc(c, name, r);
	if (!pr)
		return;
	int e = pr->out ? output_clear(pr->out) : -ENOENT;
	if (e < 0)
		xr_fault(r, "FAILED", "%s", name);
	else
		xr_ok(r, xv_bool(true));
}

void xrm_clear_all_logs(struct xr_call *c, const struct xv *p, struct res *r)
{
	size_t n;
	struct proc **v = ops_all(core_of(c), true, &n);
	struct ops_item *items = NULL;
	ssize_t k = v || !n ? ops_clear_logs(v, n, &items) : -ENOMEM;
	free(v);
	if (k < 0) {
		xr_fault(r, "FAILED", "out of memory");
		return;
	}
	xr_ok(r, items_value(items, (size_t)k));
	ops_items_free(items, (size_t)k);
}

void xrm_stdin(struct xr_call *c, const struct xv *p, struct res *r)
{
	const char *name = xr_arg_s(p, 0);
	struct proc *pr = one_proc(c, name, r);
	if (!pr)
		return;
	int e = proc_send_stdin(pr, p->v[1]->s, p->v[1]->len);
	if (e == -ESRCH)
		xr_fault(r, "NOT_RUNNING", "%s", name);
	else if (e == -EPIPE)
		xr_fault(r, "NO_FILE", "%s", name);
	else if (e == -EAGAIN)
		xr_fault(r, "FAILED", "%s: stdin is full (the process is not reading)", name);
	else if (e < 0)
		xr_fault(r, "FAILED", "%s: %s", name, strerror(-e));
	else
		xr_ok(r, xv_bool(true));
}

/* A REMOTE_COMMUNICATION event for the pools subscribed to it; with none,
 * it is dropped, as supervisord does. */
void xrm_remote_comm(struct xr_call *c, const struct xv *p, struct res *r)
{
	const struct ops_daemon *d = ops_daemon(c->x->core);
	int e = d->remote_comm ? d->remote_comm(d->arg, xr_arg_s(p, 0), xr_arg_s(p, 1)) : 0;
	if (e < 0) {
		xr_fault(r, "FAILED", "%s", strerror(-e));
		return;
	}
	xr_ok(r, xv_bool(true));
}
