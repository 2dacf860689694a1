/* What xmlrpc.c (the dispatcher and the driver) and xmlrpc_methods.c
 * (the supervisor.* methods) share.  Private to the two. */
#ifndef SUPD_XMLRPC_INT_H
#define SUPD_XMLRPC_INT_H

#include <stdbool.h>

#include "loop.h"
#include "ops.h"
#include "xmlrpc.h"
#include "xmlrpc_val.h"

/* The outcome of one call: a value, a fault, or an act under way. */
struct res {
	struct xv *val;
	int code; /* 0: val */
	char msg[1024];
	struct ops_act *act;
	bool act_multi; /* encode the act as result structs, else as true */
};

struct xr_call {
	struct xmlrpc *x;
	struct http_req *req;
	bool deferred;
	char *method;
	struct xv *params;
	const char *cur; /* the method being run */
	unsigned files;	 /* log reads (open files) in the answer so far */
	/* system.multicall: the calls, the next one, the results so far */
	const struct xv *calls;
	size_t idx;
	struct xv *results;
	struct res pending;
	struct loop_timer resume;
	LIST_LINK(struct xr_call) link;
};

struct xmlrpc {
	struct ops *core;
	struct xr_call *calls;
};

/* The outcome of a call: a fault "NAME" or "NAME: detail" (printf-like),
 * or a value (taken). */
__attribute__((format(printf, 3, 4))) void xr_fault(struct res *r, const char *name,
						    const char *fmt, ...);
void xr_fault0(struct res *r, const char *name);
void xr_ok(struct res *r, struct xv *v);
/* Param i, known to be a string by the method's signature. */
const char *xr_arg_s(const struct xv *p, size_t i);
/* A finished act as supervisord answers it: true or a fault for one
 * process, result structs for a group (multi). */
void xr_act_result(struct ops_act *act, bool multi, struct res *r);

/* The supervisor.* methods (xmlrpc_methods.c).  The arguments' count and
 * types are checked against the method table before the call. */
typedef void xr_method_fn(struct xr_call *c, const struct xv *p, struct res *r);
xr_method_fn xrm_api_version;
xr_method_fn xrm_supd_version;
xr_method_fn xrm_identification;
xr_method_fn xrm_state;
xr_method_fn xrm_pid;
xr_method_fn xrm_read_log;
xr_method_fn xrm_clear_log;
xr_method_fn xrm_shutdown;
xr_method_fn xrm_upgrade;
xr_method_fn xrm_reload_config;
xr_method_fn xrm_add_group;
xr_method_fn xrm_remove_group;
xr_method_fn xrm_start;
xr_method_fn xrm_start_group;
xr_method_fn xrm_start_all;
xr_method_fn xrm_stop;
xr_method_fn xrm_stop_group;
xr_method_fn xrm_stop_all;
xr_method_fn xrm_signal;
xr_method_fn xrm_signal_group;
xr_method_fn xrm_signal_all;
xr_method_fn xrm_proc_info;
xr_method_fn xrm_all_proc_info;
xr_method_fn xrm_all_config_info;
xr_method_fn xrm_read_proc_log;
xr_method_fn xrm_tail_proc_log;
xr_method_fn xrm_clear_proc_logs;
xr_method_fn xrm_clear_all_logs;
xr_method_fn xrm_stdin;
xr_method_fn xrm_remote_comm;

#endif
