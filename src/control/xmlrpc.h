/* supervisord's XML-RPC interface (POST /RPC2) over the operations of
 * ops.h, so that supervisorctl, xmlrpc.client scripts and the tools built
 * on them work against supd (doc/xmlrpc.md).  api.c routes the requests
 * here; the encoding is xmlrpc_val.h's.
 *
 * A call that waits (startProcess with wait...) holds its request
 * (http_defer, http_hold: its gone callback drops the call when the client
 * leaves). */
#ifndef SUPD_XMLRPC_H
#define SUPD_XMLRPC_H

#include "http.h"
#include "ops.h"

/* supervisord's fault codes (xmlrpc.Faults). */
enum xmlrpc_fault {
	XF_UNKNOWN_METHOD = 1,
	XF_INCORRECT_PARAMETERS = 2,
	XF_BAD_ARGUMENTS = 3,
	XF_SIGNATURE_UNSUPPORTED = 4,
	XF_SHUTDOWN_STATE = 6,
	XF_BAD_NAME = 10,
	XF_BAD_SIGNAL = 11,
	XF_NO_FILE = 20,
	XF_NOT_EXECUTABLE = 21,
	XF_FAILED = 30,
	XF_ABNORMAL_TERMINATION = 40,
	XF_SPAWN_ERROR = 50,
	XF_ALREADY_STARTED = 60,
	XF_NOT_RUNNING = 70,
	XF_SUCCESS = 80,
	XF_ALREADY_ADDED = 90,
	XF_STILL_RUNNING = 91,
	XF_CANT_REREAD = 92,
};

/* The code of a fault name ("BAD_NAME" -> 10), FAILED's when unknown. */
int xmlrpc_fault_code(const char *name);

struct xmlrpc;

int xmlrpc_new(struct xmlrpc **out, struct ops *core);
/* Calls still held are dropped without an answer (call after http_free). */
void xmlrpc_free(struct xmlrpc *x);

/* Answers one request to /RPC2: 400 for anything but a POST of a
 * well-formed methodCall, else 200 with a methodResponse (a result or a
 * fault), now or, for a call that waits, later. */
void xmlrpc_request(struct xmlrpc *x, struct http_req *r);

#endif
