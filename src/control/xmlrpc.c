/* supervisord's XML-RPC over ops.h (xmlrpc.h, doc/xmlrpc.md): the method
 * table, the dispatcher, system.* and the driver; the supervisor.*
 * methods are in xmlrpc_methods.c.
 *
 * A request is one call, or system.multicall's list of calls run in
 * order.  A call either answers at once or starts an act (start/stop with
 * wait) and is resumed by the act's callback; a multicall then carries on
 * with its next call from a zero-delay timer, outside the process table's
 * hook that finished the act. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_stream.h"
#include "xmlrpc_int.h"

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

/* ---------------------------------------------------------------- table */

static xr_method_fn xrm_list_methods, xrm_method_help, xrm_method_signature;

/* Parameter types: s string, i int, b boolean (an int is taken too), S a
 * signal (string or int), a array; those after '|' are optional. */
struct method {
	const char *name;
	const char *ret;
	const char *args;
	void (*fn)(struct xr_call *c, const struct xv *p, struct res *r);
	const char *help;
	enum conf_role role; /* who may call it (doc/security.md) */
};

/* Sorted by name: system.listMethods answers in this order. */
static const struct method methods[] = {
    {"supd.upgrade", "int", "|s", xrm_upgrade,
     "Upgrade supd in place: execute path (default: supd's own binary) in the same "
     "process, every program left running (doc/upgrade.md). Returns the generation "
     "(upgrades of this pid, this one included) the new image will report.",
     CONF_ROLE_ADMIN},
    {"supervisor.addProcessGroup", "boolean", "s", xrm_add_group,
     "Update the config for a running process from config file.", CONF_ROLE_ADMIN},
    {"supervisor.clearAllProcessLogs", "array", "", xrm_clear_all_logs,
     "Clears all process log files.", CONF_ROLE_OPERATE},
    {"supervisor.clearLog", "boolean", "", xrm_clear_log, "Clear the main log.", CONF_ROLE_OPERATE},
    {"supervisor.clearProcessLog", "boolean", "s", xrm_clear_proc_logs,
     "Clear the stdout and stderr logs for the named process and reopen them.", CONF_ROLE_OPERATE},
    {"supervisor.clearProcessLogs", "boolean", "s", xrm_clear_proc_logs,
     "Clear the stdout and stderr logs for the named process and reopen them.", CONF_ROLE_OPERATE},
    {"supervisor.getAPIVersion", "string", "", xrm_api_version,
     "Return the version of the RPC API used by supervisord.", CONF_ROLE_READ},
    {"supervisor.getAllConfigInfo", "array", "", xrm_all_config_info,
     "Get info about all available process configurations.", CONF_ROLE_READ},
    {"supervisor.getAllProcessInfo", "array", "", xrm_all_proc_info,
     "Get info about all processes.", CONF_ROLE_READ},
    {"supervisor.getIdentification", "string", "", xrm_identification,
     "Return identifying string of supervisord.", CONF_ROLE_READ},
    {"supervisor.getPID", "int", "", xrm_pid, "Return the PID of supervisord.", CONF_ROLE_READ},
    {"supervisor.getProcessInfo", "struct", "s", xrm_proc_info, "Get info about a process.",
     CONF_ROLE_READ},
    {"supervisor.getState", "struct", "", xrm_state,
     "Return current state of supervisord as a struct.", CONF_ROLE_READ},
    {"supervisor.getSupervisorVersion", "string", "", xrm_supd_version,
     "Return the version of the supervisor package in use by supervisord.", CONF_ROLE_READ},
    {"supervisor.getVersion", "string", "", xrm_api_version,
     "Return the version of the RPC API used by supervisord.", CONF_ROLE_READ},
    {"supervisor.readLog", "string", "ii", xrm_read_log,
     "Read length bytes from the main log starting at offset.", CONF_ROLE_READ},
    {"supervisor.readMainLog", "string", "ii", xrm_read_log,
     "Read length bytes from the main log starting at offset.", CONF_ROLE_READ},
    {"supervisor.readProcessLog", "string", "sii", xrm_read_proc_log,
     "Read length bytes from name's stdout log starting at offset.", CONF_ROLE_READ},
    {"supervisor.readProcessStderrLog", "string", "sii", xrm_read_proc_log,
     "Read length bytes from name's stderr log starting at offset.", CONF_ROLE_READ},
    {"supervisor.readProcessStdoutLog", "string", "sii", xrm_read_proc_log,
     "Read length bytes from name's stdout log starting at offset.", CONF_ROLE_READ},
    {"supervisor.reloadConfig", "array", "", xrm_reload_config, "Reload the configuration.",
     CONF_ROLE_ADMIN},
    {"supervisor.removeProcessGroup", "boolean", "s", xrm_remove_group,
     "Remove a stopped process from the active configuration.", CONF_ROLE_ADMIN},
    {"supervisor.restart", "boolean", "", xrm_shutdown, "Restart the supervisor process.",
     CONF_ROLE_ADMIN},
    {"supervisor.sendProcessStdin", "boolean", "ss", xrm_stdin,
     "Send a string of chars to the stdin of the process name.", CONF_ROLE_OPERATE},
    {"supervisor.sendRemoteCommEvent", "boolean", "ss", xrm_remote_comm,
     "Send an event that will be received by event listener subprocesses subscribing to "
     "the RemoteCommunicationEvent (supd has none: the event is dropped).",
     CONF_ROLE_OPERATE},
    {"supervisor.shutdown", "boolean", "", xrm_shutdown, "Shut down the supervisor process.",
     CONF_ROLE_ADMIN},
    {"supervisor.signalAllProcesses", "array", "S", xrm_signal_all,
     "Send a signal to all processes in the process list.", CONF_ROLE_OPERATE},
    {"supervisor.signalProcess", "boolean", "sS", xrm_signal,
     "Send an arbitrary UNIX signal to the process named by name.", CONF_ROLE_OPERATE},
    {"supervisor.signalProcessGroup", "array", "sS", xrm_signal_group,
     "Send a signal to all processes in the group named 'name'.", CONF_ROLE_OPERATE},
    {"supervisor.startAllProcesses", "array", "|b", xrm_start_all,
     "Start all processes listed in the configuration file.", CONF_ROLE_OPERATE},
    {"supervisor.startProcess", "boolean", "s|b", xrm_start, "Start a process.", CONF_ROLE_OPERATE},
    {"supervisor.startProcessGroup", "array", "s|b", xrm_start_group,
     "Start all processes in the group named 'name'.", CONF_ROLE_OPERATE},
    {"supervisor.stopAllProcesses", "array", "|b", xrm_stop_all,
     "Stop all processes in the process list.", CONF_ROLE_OPERATE},
    {"supervisor.stopProcess", "boolean", "s|b", xrm_stop, "Stop a process named by name.",
     CONF_ROLE_OPERATE},
    {"supervisor.stopProcessGroup", "array", "s|b", xrm_stop_group,
     "Stop all processes in the process group named 'name'.", CONF_ROLE_OPERATE},
    {"supervisor.tailProcessLog", "array", "sii", xrm_tail_proc_log,
     "Provides a more efficient way to tail the (stdout) log than readProcessStdoutLog().",
     CONF_ROLE_READ},
    {"supervisor.tailProcessStderrLog", "array", "sii", xrm_tail_proc_log,
     "Provides a more efficient way to tail the (stderr) log than readProcessStderrLog().",
     CONF_ROLE_READ},
    {"supervisor.tailProcessStdoutLog", "array", "sii", xrm_tail_proc_log,
     "Provides a more efficient way to tail the (stdout) log than readProcessStdoutLog().",
     CONF_ROLE_READ},
    {"system.listMethods", "array", "", xrm_list_methods,
     "Return an array listing the available method names.", CONF_ROLE_READ},
    {"system.methodHelp", "string", "s", xrm_method_help,
     "Return a string showing the method's documentation.", CONF_ROLE_READ},
    {"system.methodSignature", "array", "s", xrm_method_signature,
     "Return an array describing the method signature in the form [rtype, ptype, "
     "ptype...] where rtype is the return data type of the method, and ptypes are the "
     "parameter data types that the method accepts in method argument order.",
     CONF_ROLE_READ},
    {"system.multicall", "array", "a", NULL,
     "Process an array of calls, and return an array of results.", CONF_ROLE_READ},
};
#define NMETHODS (sizeof(methods) / sizeof(methods[0]))

static const struct method *find_method(const char *name)
{
	for (size_t i = 0; i < NMETHODS; i++)
		if (!strcmp(methods[i].name, name))
			return &methods[i];
	return NULL;
}

static void xrm_list_methods(struct xr_call *c, const struct xv *p, struct res *r)
{
	struct xv *a = xv_array();
	for (size_t i = 0; i < NMETHODS; i++)
		xv_push(a, xv_str(methods[i].name));
	xr_ok(r, a);
}

static void xrm_method_help(struct xr_call *c, const struct xv *p, struct res *r)
{
	const struct method *m = find_method(xr_arg_s(p, 0));
	if (!m)
		xr_fault0(r, "SIGNATURE_UNSUPPORTED");
	else
		xr_ok(r, xv_str(m->help));
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

static void xrm_method_signature(struct xr_call *c, const struct xv *p, struct res *r)
{
	const struct method *m = find_method(xr_arg_s(p, 0));
	if (!m) {
		xr_fault0(r, "SIGNATURE_UNSUPPORTED");
		return;
	}
	struct xv *a = xv_array();
	xv_push(a, xv_str(m->ret));
	for (const char *t = m->args; *t; t++)
		if (*t != '|')
			xv_push(a, xv_str(type_name(*t)));
	xr_ok(r, a);
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
		xr_fault0(r, "UNKNOWN_METHOD");
		return;
	}
	if (!m->fn) { /* system.multicall inside a multicall */
		xr_fault(r, "INCORRECT_PARAMETERS", "Recursive system.multicall forbidden");
		return;
	}
	if (!params_ok(m, params)) {
		xr_fault0(r, "INCORRECT_PARAMETERS");
		return;
	}
	/* Each call of a multicall too.  A fault supervisorctl prints as
	 * it is (FAILED's description). */
	char what[256], msg[512];
	const char *arg = params->n && params->v[0]->type == XV_STRING ? params->v[0]->s : NULL;
	snprintf(what, sizeof(what), "XML-RPC %s%s%s", name, arg ? " " : "", arg ? arg : "");
	if (http_req_allow(c->req, m->role, what, msg, sizeof(msg))) {
		xr_fault(r, "FAILED", "%s", msg);
		return;
	}
	if (!strncmp(name, "supervisor.", 11) && strcmp(name, "supervisor.sendRemoteCommEvent") &&
	    ops_state(c->x->core) != 1) {
		xr_fault0(r, "SHUTDOWN_STATE");
		return;
	}
	c->cur = m->name;
	m->fn(c, params, r);
	if (!r->act && !r->code && !r->val)
		xr_fault(r, "FAILED", "out of memory");
}

/* ---------------------------------------------------------------- driver */

static void call_free(struct xr_call *c)
{
	if (!c)
		return;
	list_unlink(c, link);
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
	if (!r->code && xv_has_file(r->val)) {
		/* a log read: sent as the client reads it, not built here */
		struct xr_part *parts;
		size_t n;
		if (xmlrpc_write_parts(r->val, &parts, &n) < 0)
			http_error(req, 500, "Internal Server Error");
		else
			api_stream_reply(req, "text/xml", parts, n, true);
		return;
	}
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

/* http_hold's gone: the client of a held call left. */
static void call_gone(void *arg)
{
	call_free(arg);
}

/* Waits for r's act: the request is held until on_act_done. */
static void hold(struct xr_call *c, struct res *r)
{
	c->pending = *r;
	r->act = NULL;
	c->pending.act->cb = on_act_done;
	if (!c->deferred) {
		c->deferred = true;
		http_hold(c->req, call_gone, NULL, c);
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
			xr_fault0(&r, "INCORRECT_PARAMETERS");
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
	xr_act_result(a, c->pending.act_multi, &r);
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
	/* Every call goes through here, reads included: a page could not
	 * read the answer, but the guard costs a real client nothing. */
	static const char *const xml[] = {"text/xml", "application/xml", NULL};
	unsigned g = http_req_guard(req, xml);
	if (g == 403) {
		http_error(req, 403, "Forbidden (a request from another site's page)");
		return;
	}
	if (g) {
		http_error(req, 415, "Unsupported Media Type (XML-RPC is text/xml)");
		return;
	}
	size_t len;
	const char *body = http_req_body(req, &len);
	struct xr_call *c = calloc(1, sizeof(*c));
	if (!c) {
		http_error(req, 500, "Internal Server Error");
		return;
	}
	c->x = x;
	c->req = req;
	loop_timer_init(&c->resume, on_resume, c);
	if (xmlrpc_parse_call(body, len, &c->method, &c->params) < 0) {
		free(c);
		bad_request(req);
		return;
	}
	list_push(&x->calls, c, link);
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
		xr_fault0(&r, "INCORRECT_PARAMETERS");
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
